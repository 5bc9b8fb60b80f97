/*
 * test_render.c - the slides rendered from real summaries at 1920x1080
 * and 1080x1920, checked by measuring pixels and the text that was laid
 * out.  Every image is also written to the build directory as
 * render_<slide>_<w>x<h>[_<case>].png so that it can be looked at.
 *
 * The fixtures in tests/data/render/ are site summaries computed by
 * make_fixtures.py straight from the files in data/ (TEPCO 2022-06-27,
 * the Ausgrid home and the UCI room lined up on that day), with the
 * clock at 11:00 JST or 21:00 JST.
 */
#include <cairo.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "render/render_internal.h"

/* 2022-06-27T11:00:00+09:00 and 21:00 the same day: 2022-06-27T00:00Z is
 * 1656288000 (19170 days after 1970-01-01), 11:00 JST is 02:00Z. */
/* The slides drawn from site summaries, the first four; the others
 * are tested in test_render_slides.c. */
#define SUMMARY_SLIDES RENDER_CO2
#define T_1100 (1656288000 + 2 * 3600)
#define T_2100 (1656288000 + 12 * 3600)

static const int sizes[][2] = { { 1920, 1080 }, { 1080, 1920 } };

/* --- pixels --------------------------------------------------------- */

struct image {
	cairo_surface_t *s;
	int w, h;
};

static uint32_t px_at(const struct image *im, int x, int y)
{
	int stride = cairo_image_surface_get_stride(im->s);
	const unsigned char *row = cairo_image_surface_get_data(im->s) +
				   (size_t)y * (size_t)stride;

	return ((const uint32_t *)row)[x] & 0xffffff;
}

/* Clamps r to the image, as integer bounds. */
static void bounds(const struct image *im, struct render_rect r, int *x0,
		   int *y0, int *x1, int *y1)
{
	*x0 = r.x < 0 ? 0 : (int)r.x;
	*y0 = r.y < 0 ? 0 : (int)r.y;
	*x1 = r.x + r.w > im->w ? im->w : (int)(r.x + r.w);
	*y1 = r.y + r.h > im->h ? im->h : (int)(r.y + r.h);
}

/* Pixels of exactly colour rgb inside r. */
static long count_rgb(const struct image *im, struct render_rect r,
		      uint32_t rgb)
{
	int x0, y0, x1, y1;
	long n = 0;

	bounds(im, r, &x0, &y0, &x1, &y1);
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++)
			n += px_at(im, x, y) == rgb;
	return n;
}

/* Pixels inside r that are neither the slide's background nor a
 * panel's flat fill: what was drawn on top. */
static long count_ink(const struct image *im, struct render_rect r)
{
	int x0, y0, x1, y1;
	long n = 0;

	bounds(im, r, &x0, &y0, &x1, &y1);
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			uint32_t p = px_at(im, x, y);

			n += p != RENDER_RGB_BG && p != RENDER_RGB_PANEL;
		}
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* How many different colours r holds. */
static long count_colours(const struct image *im, struct render_rect r)
{
	int x0, y0, x1, y1;
	size_t n = 0, distinct = 0;
	uint32_t *all;

	bounds(im, r, &x0, &y0, &x1, &y1);
	all = malloc(sizeof(*all) * (size_t)(x1 - x0) * (size_t)(y1 - y0));
	if (!all)
		return 0;
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++)
			all[n++] = px_at(im, x, y);
	qsort(all, n, sizeof(*all), cmp_u32);
	for (size_t i = 0; i < n; i++)
		distinct += i == 0 || all[i] != all[i - 1];
	free(all);
	return (long)distinct;
}

/* Pixels that differ between a and b inside r. */
static long count_diff(const struct image *a, const struct image *b,
		       struct render_rect r)
{
	int x0, y0, x1, y1;
	long n = 0;

	bounds(a, r, &x0, &y0, &x1, &y1);
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++)
			n += px_at(a, x, y) != px_at(b, x, y);
	return n;
}

/* Renders slide into a new image and saves it; tag names the case. */
static struct image draw(const struct render_data *d,
			 enum render_slide slide, int w, int h,
			 const char *tag, struct render_stats *st)
{
	struct image im = { cairo_image_surface_create(CAIRO_FORMAT_RGB24, w,
						       h), w, h };
	cairo_t *cr = cairo_create(im.s);
	char path[256];
	int rc;

	rc = render_slide_stats(cr, w, h, slide, d, st);
	CHECK_INT(rc, 0);
	CHECK_INT(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_flush(im.s);
	snprintf(path, sizeof(path), "render_%s_%dx%d%s%s.png",
		 render_slide_name(slide), w, h, tag ? "_" : "",
		 tag ? tag : "");
	CHECK_INT(cairo_surface_write_to_png(im.s, path),
		  CAIRO_STATUS_SUCCESS);
	return im;
}

static void image_free(struct image *im)
{
	cairo_surface_destroy(im->s);
}

/* The area under the header, where the panels are. */
static struct render_rect body_of(const struct image *im,
				  const struct render_stats *st)
{
	return (struct render_rect){ 0, st->header.h, im->w,
				     im->h - st->header.h };
}

/* --- fixtures ------------------------------------------------------- */

struct fixtures {
	json_t *grid, *home, *air;
};

static struct render_data data_at(const struct fixtures *f, int64_t now)
{
	return (struct render_data){
		.grid = f->grid, .home = f->home, .air = f->air, .now = now,
	};
}

/* The latest reading of point name in summary site, for editing. */
static json_t *latest_of(json_t *site, const char *name)
{
	return json_object_get(render_point(site, name), "latest");
}

/* --- the checks ----------------------------------------------------- */

/* Every slide at both sizes: drawn, with all text in real glyphs and
 * plenty on every panel. */
static void test_all_slides(const struct fixtures *f)
{
	struct render_data d = data_at(f, T_1100);

	for (int s = 0; s < SUMMARY_SLIDES; s++) {
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			struct render_stats st;
			struct image im = draw(&d, s, sizes[i][0], sizes[i][1],
					       NULL, &st);
			struct render_rect body = body_of(&im, &st);
			long area = (long)body.w * (long)body.h;
			long ink = count_ink(&im, body);

			/* A slide's body is panels of charts, figures and
			 * text: a blank or half-drawn one has little ink
			 * and few colours (anti-aliasing alone gives some
			 * dozens). */
			CHECK_AT(ink > area / 20, "%s %dx%d: ink %ld of %ld",
				 render_slide_name(s), im.w, im.h, ink, area);
			CHECK_AT(count_colours(&im, body) > 300,
				 "%s %dx%d: %ld colours", render_slide_name(s),
				 im.w, im.h, count_colours(&im, body));
			CHECK_AT(st.layouts > 12, "%s: %d layouts",
				 render_slide_name(s), st.layouts);
			CHECK_INT(st.unknown_glyphs, 0);
			CHECK_INT(st.nodata_panels, 0);

			/* The header carries the title and the clock. */
			CHECK(count_ink(&im, st.header) > 2000);

			/* No no-data mark anywhere on a full slide, which
			 * makes the no-data checks below mean something. */
			CHECK_INT(count_rgb(&im, body, RENDER_RGB_NODATA), 0);
			image_free(&im);
		}
	}
}

/* The gauge shows usage in its band's colour.  Usage is the latest
 * tepco/usage_hourly reading: at 11:00 the 10:00 row of
 * 20220627_power_usage.csv, 96 % (tight); at 21:00 the 20:00 row, 85 %
 * (stable).  98 % (very tight) is the 11:00 fixture edited. */
static void check_gauge(const struct render_data *d, const char *tag,
			enum render_band want)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		struct render_stats st;
		struct image im = draw(d, RENDER_GRID, sizes[i][0],
				       sizes[i][1], tag, &st);
		long n[RENDER_BAND_COUNT];

		CHECK(st.gauge_drawn);
		CHECK_INT(st.gauge_band, want);
		for (int b = 0; b < RENDER_BAND_COUNT; b++)
			n[b] = count_rgb(&im, st.gauge, render_band_rgb(b));

		/* The value arc is about 0.75 * 2 pi * r * usage long and
		 * 0.16 r wide: tens of thousands of pixels at r > 200. */
		CHECK_AT(n[want] > 20000, "%s %dx%d: %ld pixels of %06x",
			 tag, im.w, im.h, n[want], render_band_rgb(want));
		for (int b = 0; b < RENDER_BAND_COUNT; b++)
			if (b != (int)want)
				CHECK_AT(n[b] < n[want] / 50,
					 "%s: band %d has %ld pixels", tag, b,
					 n[b]);

		/* Where the layout puts it: the left third of a landscape
		 * slide, the upper half of a portrait one. */
		if (im.w > im.h)
			CHECK(st.gauge.x + st.gauge.w / 2 < im.w / 3.0);
		else
			CHECK(st.gauge.y + st.gauge.h / 2 < im.h / 2.0);
		CHECK(st.gauge.y >= st.header.h);
		image_free(&im);
	}
}

static void test_gauge(struct fixtures *f, json_t *grid_2100)
{
	struct render_data d = data_at(f, T_1100);
	json_t *latest = latest_of(f->grid, "usage_hourly");
	double was = json_number_value(json_object_get(latest, "value"));

	CHECK_DBL(was, 96, 0);
	check_gauge(&d, "tight", RENDER_BAND_TIGHT);

	json_object_set_new(latest, "value", json_real(98));
	check_gauge(&d, "verytight", RENDER_BAND_VERY_TIGHT);
	json_object_set_new(latest, "value", json_real(92));
	check_gauge(&d, "slightlytight", RENDER_BAND_SLIGHTLY_TIGHT);
	/* 89.6 is drawn as "90 %", so in 90's band. */
	json_object_set_new(latest, "value", json_real(89.6));
	check_gauge(&d, "rounded", RENDER_BAND_SLIGHTLY_TIGHT);
	json_object_set_new(latest, "value", json_real(was));

	d.grid = grid_2100;
	d.now = T_2100;
	CHECK_DBL(json_number_value(json_object_get(
			  latest_of(grid_2100, "usage_hourly"), "value")),
		  85, 0);
	check_gauge(&d, "stable", RENDER_BAND_STABLE);
}

static void test_bands(void)
{
	/* TEPCO: under 90 stable, 90 up slightly tight, 95 up tight, 97 up
	 * very tight. */
	CHECK_INT(render_band_of(0), RENDER_BAND_STABLE);
	CHECK_INT(render_band_of(89.9), RENDER_BAND_STABLE);
	CHECK_INT(render_band_of(90), RENDER_BAND_SLIGHTLY_TIGHT);
	CHECK_INT(render_band_of(94.9), RENDER_BAND_SLIGHTLY_TIGHT);
	CHECK_INT(render_band_of(95), RENDER_BAND_TIGHT);
	CHECK_INT(render_band_of(96.9), RENDER_BAND_TIGHT);
	CHECK_INT(render_band_of(97), RENDER_BAND_VERY_TIGHT);
	CHECK_INT(render_band_of(120), RENDER_BAND_VERY_TIGHT);

	/* Each its own colour, and none of them the theme's. */
	for (int a = 0; a < RENDER_BAND_COUNT; a++) {
		for (int b = a + 1; b < RENDER_BAND_COUNT; b++)
			CHECK(render_band_rgb(a) != render_band_rgb(b));
		CHECK(render_band_rgb(a) != RENDER_RGB_PANEL);
		CHECK(render_band_rgb(a) != RENDER_RGB_GRIDLINE);
	}
	CHECK_INT(render_band_rgb(RENDER_BAND_TIGHT), 0xF2802A);
}

/* The renderer's font is the Japanese face, and the unknown-glyph count
 * that test_all_slides relies on does catch boxes. */
static void test_glyphs(void)
{
	PangoFontMap *fm = pango_cairo_font_map_get_default();
	PangoContext *pc = pango_font_map_create_context(fm);
	PangoLayout *lo;
	PangoLayoutIter *it;
	PangoLayoutRun *run;
	PangoFontDescription *fd;
	PangoAttrList *attrs;
	char *family = NULL;

	pango_context_set_language(pc, pango_language_from_string("ja"));
	lo = render_layout_new(pc, "でんき予報 室内環境", 64, true);
	CHECK_INT(pango_layout_get_unknown_glyphs_count(lo), 0);
	it = pango_layout_get_iter(lo);
	run = pango_layout_iter_get_run_readonly(it);
	CHECK(run != NULL);
	if (run) {
		fd = pango_font_describe(run->item->analysis.font);
		family = g_strdup(pango_font_description_get_family(fd));
		pango_font_description_free(fd);
	}
	CHECK_STR(family, RENDER_FONT_FAMILY);
	g_free(family);
	pango_layout_iter_free(it);

	/* Without fallback a Latin-only face has no kana: those become hex
	 * boxes, and the count says so. */
	attrs = pango_attr_list_new();
	pango_attr_list_insert(attrs, pango_attr_fallback_new(FALSE));
	pango_attr_list_insert(attrs, pango_attr_family_new("DejaVu Sans"));
	pango_layout_set_attributes(lo, attrs);
	pango_attr_list_unref(attrs);
	CHECK(pango_layout_get_unknown_glyphs_count(lo) > 0);
	g_object_unref(lo);
	g_object_unref(pc);
}

/* The replay and stale marks change the header and nothing else, and
 * say what they should. */
static void test_marks(const struct fixtures *f)
{
	struct render_data d = data_at(f, T_1100);
	struct render_data r = d, s = d;

	r.replay = true;
	s.stale = true;
	s.data_as_of = T_1100 - 5 * 60;		/* 10:55 JST */

	for (int sl = 0; sl < SUMMARY_SLIDES; sl++) {
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			int w = sizes[i][0], h = sizes[i][1];
			struct render_stats st0, st1, st2;
			struct image base = draw(&d, sl, w, h, NULL, &st0);
			struct image rep = draw(&r, sl, w, h, "replay", &st1);
			struct image old = draw(&s, sl, w, h, "stale", &st2);
			struct render_rect body = body_of(&base, &st0);

			/* A badge is a few hundred by 88 pixels of tint,
			 * outline, icon and text. */
			CHECK_AT(count_diff(&base, &rep, st0.header) > 10000,
				 "%s %dx%d: replay changed %ld header pixels",
				 render_slide_name(sl), w, h,
				 count_diff(&base, &rep, st0.header));
			CHECK_AT(count_diff(&base, &old, st0.header) > 10000,
				 "%s %dx%d: stale changed %ld header pixels",
				 render_slide_name(sl), w, h,
				 count_diff(&base, &old, st0.header));
			CHECK_INT(count_diff(&base, &rep, body), 0);
			CHECK_INT(count_diff(&base, &old, body), 0);
			CHECK(count_rgb(&rep, st0.header,
					RENDER_RGB_REPLAY) > 500);
			CHECK(count_rgb(&old, st0.header,
					RENDER_RGB_STALE) > 500);
			CHECK_INT(st1.unknown_glyphs, 0);
			CHECK_INT(st2.unknown_glyphs, 0);
			image_free(&base);
			image_free(&rep);
			image_free(&old);
		}
	}
}

/* What the marks say: the recorded day is now less the points' shift,
 * in the site's zone, and "data as of" is in that zone too. */
static void test_mark_text(const struct fixtures *f)
{
	struct render_data d = data_at(f, T_1100);
	struct render_stats st;
	struct image im;

	d.replay = true;
	d.stale = true;
	d.data_as_of = T_1100 - 5 * 60;

	/* home12: 11:00 JST is 12:00 at the home (UTC+10) on 2022-06-27;
	 * less 3654 days (ten years with the leap days of 2016 and 2020
	 * are 3652, two more) is Monday 2012-06-25.  10:55 JST is 11:55
	 * there. */
	im = draw(&d, RENDER_HOUSEHOLD, 1920, 1080, "marks", &st);
	CHECK_AT(strstr(st.marks, "2012年6月25日(月)の記録") != NULL,
		 "marks: %s", st.marks);
	CHECK_AT(strstr(st.marks, "recorded Mon 25 Jun 2012") != NULL,
		 "marks: %s", st.marks);
	CHECK_AT(strstr(st.marks, "データ更新: 11:55") != NULL, "marks: %s",
		 st.marks);
	CHECK_AT(strstr(st.marks, "data as of 11:55") != NULL, "marks: %s",
		 st.marks);
	image_free(&im);

	/* tepco: not shifted, so the recorded day is the day itself. */
	im = draw(&d, RENDER_GRID, 1080, 1920, "marks", &st);
	CHECK_AT(strstr(st.marks, "2022年6月27日(月)の記録") != NULL,
		 "marks: %s", st.marks);
	CHECK_AT(strstr(st.marks, "データ更新: 10:55") != NULL, "marks: %s",
		 st.marks);
	image_free(&im);

	/* A copy from an earlier day names its date. */
	d.data_as_of = T_1100 - 86400;
	im = draw(&d, RENDER_AIR, 1920, 1080, "marks", &st);
	CHECK_AT(strstr(st.marks, "データ更新: 6/26 11:00") != NULL,
		 "marks: %s", st.marks);
	image_free(&im);
}

/* Missing data never crashes and says so, whole slide or one panel. */
static void test_nodata(struct fixtures *f)
{
	struct render_data none = { .now = T_1100, .replay = true };
	json_t *junk = json_string("not a summary");
	json_t *empty = json_pack("{s:s, s:s, s:[]}", "site", "tepco", "tz",
				  "Asia/Tokyo", "points");
	struct render_data d;
	json_t *latest, *saved;

	for (int s = 0; s < SUMMARY_SLIDES; s++) {
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			struct render_stats st;
			struct image im = draw(&none, s, sizes[i][0],
					       sizes[i][1], "nodata", &st);
			struct render_rect body = body_of(&im, &st);

			CHECK_INT(st.nodata_panels, 1);
			CHECK_INT(st.unknown_glyphs, 0);

			/* The mark's icon and its データなし line are
			 * drawn in RENDER_RGB_NODATA, which a full slide
			 * never uses (test_all_slides). */
			CHECK_AT(count_rgb(&im, body, RENDER_RGB_NODATA) >
					 2000,
				 "%s: %ld no-data pixels", render_slide_name(s),
				 count_rgb(&im, body, RENDER_RGB_NODATA));
			image_free(&im);
		}
	}

	/* A summary that is not one, or one without points: every panel
	 * says it has nothing. */
	d = data_at(f, T_1100);
	d.grid = junk;
	for (int pass = 0; pass < 2; pass++) {
		struct render_stats st;
		struct image im = draw(&d, RENDER_GRID, 1920, 1080,
				       pass ? "empty" : "junk", &st);

		CHECK_INT(st.nodata_panels, 5);	/* gauge, chart, 3 tiles */
		CHECK(!st.gauge_drawn);
		image_free(&im);
		im = draw(&d, RENDER_SOLAR, 1080, 1920,
			  pass ? "empty" : "junk", &st);
		CHECK_INT(st.nodata_panels, 4);	/* chart, 3 tiles */
		image_free(&im);
		d.grid = empty;
	}

	/* One null value: only its panel says so. */
	d = data_at(f, T_1100);
	latest = latest_of(f->grid, "usage_hourly");
	saved = json_incref(latest);
	json_object_set_new(render_point(f->grid, "usage_hourly"), "latest",
			    json_null());
	{
		struct render_stats st;
		struct image im = draw(&d, RENDER_GRID, 1920, 1080,
				       "nullusage", &st);

		CHECK_INT(st.nodata_panels, 1);
		CHECK(!st.gauge_drawn);
		image_free(&im);
	}
	json_object_set_new(render_point(f->grid, "usage_hourly"), "latest",
			    saved);

	latest = latest_of(f->air, "co2");
	saved = json_incref(latest);
	json_object_set_new(render_point(f->air, "co2"), "latest",
			    json_null());
	{
		struct render_stats st;
		struct image im = draw(&d, RENDER_AIR, 1080, 1920, "nullco2",
				       &st);

		CHECK_INT(st.nodata_panels, 1);
		image_free(&im);
	}
	json_object_set_new(render_point(f->air, "co2"), "latest", saved);

	json_decref(junk);
	json_decref(empty);
}

/* Solar's share of demand.  At 11:00 the latest five-minute row of
 * 20220627_power_usage.csv is 10:55: demand 5017, solar 1316 万kW, so
 * 1316 / 5017 = 0.26231 (the file's own column rounds it to 26 %).  For
 * the day so far, the 132 rows 0:00-10:55 sum to 422246 万kW of demand
 * and 51785 of solar, each held five minutes, so 51785 / 422246 =
 * 0.12264. */
static void test_solar_share(const struct fixtures *f)
{
	double now, today;

	CHECK(render_solar_share(f->grid, &now, &today));
	CHECK_DBL(now, 1316.0 / 5017.0, 1e-9);
	CHECK_DBL(today, 51785.0 / 422246.0, 1e-6);
	CHECK(!render_solar_share(NULL, &now, &today));
	CHECK(isnan(now) && isnan(today));
}

/* The first drawn text that starts with prefix, or NULL. */
static const char *find_text(const struct render_stats *st,
			     const char *prefix)
{
	for (int i = 0; i < st->ntexts; i++)
		if (strncmp(st->texts[i].text, prefix, strlen(prefix)) == 0)
			return st->texts[i].text;
	return NULL;
}

/* The zone beside the place is named as its people read it under a
 * clock: tzdata's abbreviation in letters, else the offset from UTC.
 * The expected names are tzdata's (zdump -v), worked by hand. */
static void test_fmt_zone(void)
{
	/* 2022-01-10T00:00:00Z is 19002 days after 1970-01-01. */
	static const int64_t jan = 1641772800;
	static const struct {
		const char *zone;
		int64_t at;
		const char *want;
	} cases[] = {
		/* home12: a fixed zone, whose abbreviation GLib gives as
		 * its identifier, "+10:00". */
		{ "+10:00", T_1100, "UTC+10" },
		{ "Asia/Tokyo", T_1100, "JST" },
		{ "Australia/Sydney", T_1100, "AEST" },
		{ "Australia/Sydney", jan, "AEDT" },
		{ "America/Los_Angeles", T_1100, "PDT" },
		{ "America/Los_Angeles", jan, "PST" },
		/* tzdata names these by their offset: "+10", "-03",
		 * "+0545". */
		{ "Etc/GMT-10", T_1100, "UTC+10" },
		{ "America/Sao_Paulo", T_1100, "UTC-3" },
		{ "Asia/Kathmandu", T_1100, "UTC+5:45" },
		{ "-03:30", T_1100, "UTC-3:30" },
		{ "UTC", T_1100, "UTC" },
		{ "+00:00", T_1100, "UTC" },
		{ "Z", T_1100, "UTC" },
	};
	char buf[32];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GTimeZone *tz = g_time_zone_new_identifier(cases[i].zone);

		CHECK_AT(tz != NULL, "%s makes a zone", cases[i].zone);
		if (!tz)
			continue;
		render_fmt_zone(buf, sizeof(buf), cases[i].at, tz);
		CHECK_AT(strcmp(buf, cases[i].want) == 0,
			 "%s at %lld: got '%s', want '%s'", cases[i].zone,
			 (long long)cases[i].at, buf, cases[i].want);
		g_time_zone_unref(tz);
	}
}

/* The header's place names the site's zone the same way on every slide:
 * home12's fixed +10:00 as UTC+10, not as a bare "+10:00" that reads as
 * a time, and tepco's Asia/Tokyo as JST; in one row or in two. */
static void test_place_zone(const struct fixtures *f)
{
	static const struct {
		enum render_slide slide;
		const char *site, *want;
	} cases[] = {
		{ RENDER_HOUSEHOLD, "home12 · ", "home12 · UTC+10" },
		{ RENDER_GRID, "tepco · ", "tepco · JST" },
		{ RENDER_AIR, "room1 · ", "room1 · JST" },
	};
	struct render_data d = data_at(f, T_1100);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		for (size_t j = 0; j < G_N_ELEMENTS(sizes); j++) {
			struct render_stats st;
			struct image im = draw(&d, cases[i].slide,
					       sizes[j][0], sizes[j][1],
					       "place", &st);
			const char *got = find_text(&st, cases[i].site);

			CHECK_AT(got && strcmp(got, cases[i].want) == 0,
				 "%s %dx%d: place '%s', want '%s'",
				 render_slide_name(cases[i].slide),
				 sizes[j][0], sizes[j][1],
				 got ? got : "(none)", cases[i].want);
			image_free(&im);
		}
	}
}

/* Today so far is set beside yesterday by the same time of day, and the
 * same time is the one today's total was taken at, not the clock: a
 * stale copy or a fast replay lags it.  The 11:00 JST home summary is
 * 12:00 at the home (UTC+10); the 24 half-hours of 2012-06-24 before
 * 12:00 in ausgrid_customer12_2011-2012.csv sum to 8.254 kW, so 4.127
 * kWh.  Four hours later by the clock, the same copy must still say
 * 4.13, not the 7.01 kWh of the 32 half-hours before 16:00. */
static void test_yesterday_by_now(const struct fixtures *f)
{
	for (int late = 0; late < 2; late++) {
		struct render_data d = data_at(f, T_1100 + late * 4 * 3600);
		struct render_stats st;
		struct image im;

		d.stale = late;
		d.data_as_of = T_1100;
		im = draw(&d, RENDER_HOUSEHOLD, 1920, 1080,
			  late ? "late" : NULL, &st);
		CHECK_STR(find_text(&st, "昨日の同時刻"),
			  "昨日の同時刻 4.13 kWh");
		image_free(&im);
	}
}

/* Other screens the kiosk meets (the demo's 1280x720 window, a small
 * 800x480 panel, a tall 768x1366 one): everything still laid out, in
 * real glyphs, with no panel left empty. */
static void test_other_sizes(const struct fixtures *f)
{
	static const int other[][2] = {
		{ 1280, 720 }, { 800, 480 }, { 768, 1366 },
	};
	struct render_data d = data_at(f, T_1100);

	for (int s = 0; s < SUMMARY_SLIDES; s++) {
		for (size_t i = 0; i < G_N_ELEMENTS(other); i++) {
			struct render_stats st;
			struct image im = draw(&d, s, other[i][0], other[i][1],
					       NULL, &st);
			struct render_rect body = body_of(&im, &st);
			long area = (long)body.w * (long)body.h;

			CHECK_AT(count_ink(&im, body) > area / 20,
				 "%s %dx%d: ink %ld of %ld",
				 render_slide_name(s), im.w, im.h,
				 count_ink(&im, body), area);
			CHECK_INT(st.unknown_glyphs, 0);
			CHECK_INT(st.nodata_panels, 0);
			if (s == RENDER_GRID)
				CHECK(count_rgb(&im, st.gauge,
						RENDER_RGB_TIGHT) > 2000);
			image_free(&im);
		}
	}
}

/* How far a and b overlap in each direction; both > 0 is a collision.
 * Half a pixel is allowed for anti-aliased edges that touch. */
static bool collide(struct render_rect a, struct render_rect b)
{
	double ox = fmin(a.x + a.w, b.x + b.w) - fmax(a.x, b.x);
	double oy = fmin(a.y + a.h, b.y + b.h) - fmax(a.y, b.y);

	return ox > 0.5 && oy > 0.5;
}

static bool inside(struct render_rect in, struct render_rect out)
{
	return in.x >= out.x - 0.5 && in.y >= out.y - 0.5 &&
	       in.x + in.w <= out.x + out.w + 0.5 &&
	       in.y + in.h <= out.y + out.h + 0.5;
}

/* No two texts of a rendering touch, and each stays in its panel. */
static void check_text_layout(const struct render_stats *st,
			      enum render_slide s, int w, int h,
			      const char *tag)
{
	struct render_rect slide = { 0, 0, w, h };

	CHECK_AT(st->ntexts == st->layouts || st->ntexts ==
		 RENDER_STATS_TEXTS, "%s %dx%d: %d of %d texts kept",
		 render_slide_name(s), w, h, st->ntexts, st->layouts);
	for (int i = 0; i < st->ntexts; i++) {
		const struct render_text_box *a = &st->texts[i];

		CHECK_AT(inside(a->ink, a->panel) && inside(a->ink, slide),
			 "%s %dx%d %s: \"%s\" (%.0f,%.0f %.0fx%.0f) leaves "
			 "its panel (%.0f,%.0f %.0fx%.0f)",
			 render_slide_name(s), w, h, tag, a->text, a->ink.x,
			 a->ink.y, a->ink.w, a->ink.h, a->panel.x,
			 a->panel.y, a->panel.w, a->panel.h);
		for (int j = i + 1; j < st->ntexts; j++) {
			const struct render_text_box *b = &st->texts[j];

			CHECK_AT(!collide(a->ink, b->ink),
				 "%s %dx%d %s: \"%s\" (%.0f,%.0f %.0fx%.0f) "
				 "overlaps \"%s\" (%.0f,%.0f %.0fx%.0f)",
				 render_slide_name(s), w, h, tag, a->text,
				 a->ink.x, a->ink.y, a->ink.w, a->ink.h,
				 b->text, b->ink.x, b->ink.y, b->ink.w,
				 b->ink.h);
		}
	}
}

/* The collision check itself: two texts drawn on top of each other are
 * caught, and so is one drawn off its panel. */
static void test_collide(void)
{
	struct render_rect a = { 10, 10, 100, 40 };
	struct render_rect b = { 100, 40, 50, 50 };
	struct render_rect c = { 110, 10, 50, 40 };

	CHECK(collide(a, b));
	CHECK(!collide(a, c));		/* side by side, touching */
	CHECK(inside(b, (struct render_rect){ 100, 40, 50, 50 }));
	CHECK(!inside(b, (struct render_rect){ 100, 40, 50, 49 }));
}

/* Every slide at every screen size the kiosk is likely to meet, morning
 * and evening, fresh and with both header marks: no text is drawn over
 * another or outside its panel.  This is what caught the solar tiles'
 * big share figure drawn over their heading at 1280x720. */
static void test_no_collisions(const struct fixtures *f,
			       const struct fixtures *f21)
{
	static const int all[][2] = {
		{ 1920, 1080 }, { 1080, 1920 }, { 1280, 720 }, { 800, 480 },
		{ 3840, 2160 }, { 768, 1366 }, { 1366, 768 }, { 1024, 768 },
		{ 720, 1280 }, { 480, 800 },
	};

	for (int pass = 0; pass < 4; pass++) {
		const struct fixtures *fx = pass % 2 ? f21 : f;
		struct render_data d = data_at(fx, pass % 2 ? T_2100 : T_1100);

		d.replay = d.stale = pass >= 2;
		d.data_as_of = d.now - 86400;
		for (int s = 0; s < SUMMARY_SLIDES; s++)
			for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
				int w = all[i][0], h = all[i][1];
				struct render_stats st;
				struct image im = draw(&d, s, w, h, "layout",
						       &st);

				check_text_layout(&st, s, w, h,
						  pass >= 2 ? "marked" : "");

				/* A row of figures reads as one: every value
				 * at one size. */
				for (int t = 1; t < st.ntiles; t++)
					CHECK_AT(st.tile_px[t] ==
							 st.tile_px[0],
						 "%s %dx%d: tile %d at %.1f px,"
						 " tile 0 at %.1f",
						 render_slide_name(s), w, h, t,
						 st.tile_px[t], st.tile_px[0]);
				CHECK(s == RENDER_AIR || st.ntiles == 3);

				/* Both marks fit beside or under the title at
				 * a readable size. */
				if (d.replay)
					CHECK_AT(st.mark_scale >= 0.7,
						 "%s %dx%d: marks at %.2f",
						 render_slide_name(s), w, h,
						 st.mark_scale);
				image_free(&im);
			}
	}
}

/* A summary edited into the worst a broken or hostile server could
 * send that still passes the fetcher's shape check: times past any
 * calendar, numbers near DBL_MAX, curves of junk, a zone name that is a
 * path.  Each slide still draws, without a GLib warning (main makes
 * those fatal) or undefined behaviour (the sanitizer build). */
static json_t *hostile(json_t *site)
{
	json_t *h = json_deep_copy(site), *pt, *junk;
	size_t i;

	json_object_set_new(h, "tz", json_string("../../../../etc/passwd"));
	json_object_set_new(h, "at", json_integer(-INT64_MAX));
	json_object_set_new(h, "day_start", json_integer(INT64_MAX));
	json_array_foreach(json_object_get(h, "points"), i, pt) {
		json_object_set_new(pt, "latest",
				    json_pack("{s:f, s:I}", "value", 1e300,
					      "ts", (json_int_t)INT64_MAX));
		junk = json_pack("{s:f, s:f, s:f, s:{s:f, s:I}}",
				 "energy_kwh", -1e308, "max", 1e308, "min",
				 -1e308, "peak", "value", 1e308, "ts",
				 (json_int_t)INT64_MIN);
		json_object_set(pt, "today", junk);
		json_object_set(pt, "month", junk);
		json_decref(junk);
		json_object_set_new(pt, "curve",
				    json_pack("[[I, f], [I, f], [s, n], [i]]",
					      (json_int_t)INT64_MIN, 1e308,
					      (json_int_t)INT64_MAX, -1e308,
					      "x", 1656288000));
		json_object_set_new(pt, "shift_days",
				    json_integer(INT64_MAX));
	}
	return h;
}

static void test_hostile(const struct fixtures *f)
{
	struct fixtures hf = {
		hostile(f->grid), hostile(f->home), hostile(f->air),
	};
	struct render_data d = data_at(&hf, T_1100);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
							 64, 64);
	cairo_t *cr = cairo_create(s);

	d.replay = d.stale = true;
	d.data_as_of = INT64_MAX;
	for (int sl = 0; sl < SUMMARY_SLIDES; sl++) {
		struct render_stats st;
		struct image im = draw(&d, sl, 1280, 720, "hostile", &st);

		check_text_layout(&st, sl, 1280, 720, "hostile");
		image_free(&im);
	}

	/* A clock no calendar can show is refused, not drawn. */
	d.now = RENDER_TIME_MAX + 1;
	CHECK_INT(render_slide(cr, 64, 64, RENDER_GRID, &d), -1);
	d.now = INT64_MIN;
	CHECK_INT(render_slide(cr, 64, 64, RENDER_GRID, &d), -1);
	d.now = RENDER_TIME_MIN;
	CHECK_INT(render_slide(cr, 64, 64, RENDER_GRID, &d), 0);

	cairo_destroy(cr);
	cairo_surface_destroy(s);
	json_decref(hf.grid);
	json_decref(hf.home);
	json_decref(hf.air);
}

/* The ends of a day.  The household chart's "現在 now" label, a few
 * minutes after the home's midnight (UTC+10: 2022-06-27T00:05+10:00 is
 * T_1100 - 11 h 55 min) or before the next, stays over the plot rather
 * than over the value labels beside it; the gauge's last hour reads
 * 23:00〜24:00, not 〜0:00 (its reading edited to 23:00 JST, T_1100 +
 * 12 h). */
static void test_day_ends(const struct fixtures *f)
{
	static const int64_t nows[] = {
		T_1100 - 11 * 3600 - 55 * 60, T_1100 + 11 * 3600 + 58 * 60,
	};
	json_t *latest = latest_of(f->grid, "usage_hourly");
	json_t *saved = json_deep_copy(latest);
	struct render_data d;
	struct render_stats st;
	struct image im;

	for (size_t i = 0; i < G_N_ELEMENTS(nows); i++) {
		d = data_at(f, nows[i]);
		for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
			im = draw(&d, RENDER_HOUSEHOLD, sizes[k][0],
				  sizes[k][1], "dayend", &st);
			CHECK(find_text(&st, "現在 now") != NULL);
			check_text_layout(&st, RENDER_HOUSEHOLD, sizes[k][0],
					  sizes[k][1], "day end");
			image_free(&im);
		}
	}

	json_object_set_new(latest, "ts", json_integer(T_1100 + 12 * 3600));
	d = data_at(f, T_1100 + 12 * 3600 + 1800);
	im = draw(&d, RENDER_GRID, 1920, 1080, "2300", &st);
	CHECK_STR(find_text(&st, "23:00〜"), "23:00〜24:00 の使用率");
	CHECK_STR(find_text(&st, "usage rate"), "usage rate, 23:00–24:00");
	image_free(&im);
	json_object_update(latest, saved);
	json_decref(saved);
}

/* Degenerate surfaces lay out without a crash or a GLib warning (main
 * makes those fatal). */
static void test_tiny(const struct fixtures *f)
{
	static const int tiny[][2] = { { 1, 1 }, { 64, 36 }, { 320, 180 } };
	struct render_data d = data_at(f, T_1100);

	d.replay = d.stale = true;
	for (int s = 0; s < SUMMARY_SLIDES; s++)
		for (size_t i = 0; i < G_N_ELEMENTS(tiny); i++) {
			struct render_stats st;
			struct image im = draw(&d, s, tiny[i][0], tiny[i][1],
					       "tiny", &st);

			image_free(&im);
		}
}

static void test_fmt_num(void)
{
	static const struct {
		double v;
		int decimals;
		const char *want;
	} cases[] = {
		{ 4995, 0, "4,995" },
		{ 1234567.891, 2, "1,234,567.89" },
		{ 999.5, 0, "1,000" },
		/* room1's CO2 at 11:58:59 on 2015-02-05 is 1122.5 ppm in
		 * uci_occupancy_training.txt: read as 1,123, not rounded to
		 * even. */
		{ 1122.5, 0, "1,123" },
		{ 2.25, 1, "2.3" },
		{ -2.5, 0, "-3" },
		{ -1234.5, 1, "-1,234.5" },
		/* A solar meter's night-time noise is no "-0". */
		{ -0.3, 0, "0" },
		{ -0.004, 2, "0.00" },
		{ 1e15, 0, "-" },
		{ NAN, 1, "-" },
	};
	char buf[64];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		render_fmt_num(buf, sizeof(buf), cases[i].v,
			       cases[i].decimals);
		CHECK_STR(buf, cases[i].want);
	}
}

static void test_png_and_names(const struct fixtures *f)
{
	struct render_data d = data_at(f, T_1100);
	cairo_surface_t *s;
	enum render_slide sl;

	CHECK_INT(render_png(&d, RENDER_AIR, 640, 360, "render_png.png"), 0);
	s = cairo_image_surface_create_from_png("render_png.png");
	CHECK_INT(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	CHECK_INT(cairo_image_surface_get_width(s), 640);
	CHECK_INT(cairo_image_surface_get_height(s), 360);
	cairo_surface_destroy(s);
	CHECK_INT(render_png(&d, RENDER_AIR, 640, 360,
			     "no-such-dir/render.png"), -1);
	CHECK_INT(render_png(&d, RENDER_AIR, 0, 360, "render_zero.png"), -1);

	for (int i = 0; i < RENDER_SLIDE_COUNT; i++) {
		CHECK_INT(render_slide_parse(render_slide_name(i), &sl), 0);
		CHECK_INT(sl, i);
	}
	CHECK_STR(render_slide_name(RENDER_HOUSEHOLD), "household");
	CHECK_INT(render_slide_parse("forecast", &sl), -1);
	CHECK(render_slide_name(RENDER_SLIDE_COUNT) == NULL);
}

int main(void)
{
	struct fixtures f = {
		test_render_json("tepco_1100.json"),
		test_render_json("home12_1100.json"),
		test_render_json("room1_1100.json"),
	};
	struct fixtures f21 = {
		test_render_json("tepco_2100.json"),
		test_render_json("home12_2100.json"),
		test_render_json("room1_2100.json"),
	};
	struct render_data evening = data_at(&f21, T_2100);

	if (!f.grid || !f.home || !f.air || !f21.grid || !f21.home ||
	    !f21.air)
		return check_finish();

	/* A Pango or Cairo complaint is a defect in how they are called. */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

	test_bands();
	test_fmt_num();
	test_glyphs();
	test_all_slides(&f);
	test_gauge(&f, f21.grid);
	test_marks(&f);
	test_mark_text(&f);
	test_nodata(&f);
	test_solar_share(&f);
	test_yesterday_by_now(&f);
	test_fmt_zone();
	test_place_zone(&f);
	test_other_sizes(&f);
	test_collide();
	test_no_collisions(&f, &f21);
	test_hostile(&f);
	test_day_ends(&f);
	test_tiny(&f);
	test_png_and_names(&f);

	/* The evening set, for looking at whole days. */
	for (int s = 0; s < SUMMARY_SLIDES; s++)
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
			struct render_stats st;
			struct image im = draw(&evening, s, sizes[i][0],
					       sizes[i][1], "2100", &st);

			CHECK_INT(st.unknown_glyphs, 0);
			CHECK_INT(st.nodata_panels, 0);
			image_free(&im);
		}

	json_decref(f.grid);
	json_decref(f.home);
	json_decref(f.air);
	json_decref(f21.grid);
	json_decref(f21.home);
	json_decref(f21.air);
	return check_finish();
}
