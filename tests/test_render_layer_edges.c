/*
 * test_render_layer_edges.c - the static layer (render_layer.c) and the
 * ticker's strip (render_ticker.c) as the kiosk's look, data and screen
 * change under them.
 *
 * The expected picture of every case is the same frame drawn with the
 * layer off (render_layer_enable(false)), which draws everything in one
 * pass; for the ticker, a frame drawn with stats, where Pango lays out
 * and draws the ticker's text itself.  A frame under test is drawn over
 * magenta, a colour no slide uses, so that a part the layer lost shows.
 * Each case first draws the slide twice as it was, so that a layer of
 * the old look is kept, then changes one thing and draws again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "render/render_alert.h"
#include "render/render_internal.h"
#include "render/render_look.h"

/* 2022-06-27T11:00:00+09:00 (02:00Z) */
#define T_1100 (1656288000 + 2 * 3600)

static cairo_surface_t *frame_fmt(const struct render_data *d,
				  enum render_slide slide, int w, int h,
				  cairo_format_t fmt, bool from_layer)
{
	cairo_surface_t *s = cairo_image_surface_create(fmt, w, h);
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, 1, 0, 1);
	cairo_paint(cr);
	if (!from_layer)
		render_layer_enable(false);
	CHECK_INT(render_slide(cr, w, h, slide, d), 0);
	CHECK_INT(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	render_layer_enable(true);
	return s;
}

static cairo_surface_t *frame(const struct render_data *d,
			      enum render_slide slide, int w, int h,
			      bool from_layer)
{
	return frame_fmt(d, slide, w, h, CAIRO_FORMAT_ARGB32, from_layer);
}

/* The largest difference of one channel between a and b (of one size),
 * and where; the top row compared is y0, and in RGB24 the unused byte
 * is left out. */
static int max_diff_from(cairo_surface_t *a, cairo_surface_t *b, int y0,
			 int *at_x, int *at_y)
{
	int w = cairo_image_surface_get_width(a);
	int h = cairo_image_surface_get_height(a);
	bool rgb = cairo_image_surface_get_format(a) == CAIRO_FORMAT_RGB24;
	int sa = cairo_image_surface_get_stride(a);
	int sb = cairo_image_surface_get_stride(b);
	const unsigned char *pa = cairo_image_surface_get_data(a);
	const unsigned char *pb = cairo_image_surface_get_data(b);
	int worst = 0;

	*at_x = *at_y = -1;
	for (int y = y0; y < h; y++) {
		const uint32_t *ra = (const uint32_t *)(pa + (size_t)y * sa);
		const uint32_t *rb = (const uint32_t *)(pb + (size_t)y * sb);

		for (int x = 0; x < w; x++) {
			for (int k = 0; k < (rgb ? 24 : 32); k += 8) {
				int dd = abs((int)((ra[x] >> k) & 0xff) -
					     (int)((rb[x] >> k) & 0xff));

				if (dd > worst) {
					worst = dd;
					*at_x = x;
					*at_y = y;
				}
			}
		}
	}
	return worst;
}

/* Draws slide twice with the layer under the old state, lets change()
 * change one thing, draws the slide with the layer (twice: the frame
 * after a change, and the one after that, which may be from a new
 * layer) and compares both with the frame drawn whole. */
static void check_change(const struct render_data *old,
			 const struct render_data *now,
			 enum render_slide slide, int w, int h,
			 void (*change)(void), const char *what)
{
	cairo_surface_t *got[2], *want;
	int x, y, diff;

	for (int i = 0; i < 2; i++)
		cairo_surface_destroy(frame(old, slide, w, h, true));
	CHECK_AT(render_layer_hit(), "%s: no layer before the change", what);
	if (change)
		change();
	got[0] = frame(now, slide, w, h, true);
	got[1] = frame(now, slide, w, h, true);
	want = frame(now, slide, w, h, false);
	for (int i = 0; i < 2; i++) {
		diff = max_diff_from(got[i], want, 0, &x, &y);
		CHECK_AT(diff <= 1, "%s (%s %dx%d, frame %d after it): "
			 "differs by %d at (%d, %d) from the frame drawn "
			 "whole", what, render_slide_name(slide), w, h, i + 1,
			 diff, x, y);
		cairo_surface_destroy(got[i]);
	}
	cairo_surface_destroy(want);
}

/* --- the look ------------------------------------------------------- */

static struct render_look look;

static void set_place(void)
{
	look.place = "Higashi-machi Town Hall 東町役場";
	render_set_look(&look);
}

static void set_place_other(void)
{
	look.place = "Nishi-machi Library 西町図書館";
	render_set_look(&look);
}

static void set_viewing(void)
{
	look.screen_diagonal_in = 32;
	look.viewing_distance_m = 6;
	render_set_look(&look);
}

static void set_english_first(void)
{
	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_JA);
}

static void set_japanese_alone(void)
{
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_NONE);
}

static void set_stack(void)
{
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
}

static void test_look(const struct render_data *d)
{
	render_look_init(&look);
	render_set_look(&look);
	check_change(d, d, RENDER_GRID, 1920, 1080, set_place, "a place");
	check_change(d, d, RENDER_GRID, 1920, 1080, set_place_other,
		     "another place");
	check_change(d, d, RENDER_AIR, 1080, 1920, set_place_other,
		     "a place, portrait");
	check_change(d, d, RENDER_SOLAR, 1920, 1080, set_viewing,
		     "a viewing distance");

	/* Text for a far viewer runs over from one tile into the next on
	 * some slides: the same whether drawn whole or from the layer. */
	for (int s = 0; s < RENDER_SLIDE_COUNT; s++) {
		check_change(d, d, (enum render_slide)s, 1920, 1080, NULL,
			     "far viewers");
		check_change(d, d, (enum render_slide)s, 1080, 1920, NULL,
			     "far viewers, portrait");
	}
	render_look_init(&look);
	render_set_look(&look);

	/* alternate: each language in turn over one slide */
	check_change(d, d, RENDER_HOUSEHOLD, 1920, 1080, set_english_first,
		     "English first");
	check_change(d, d, RENDER_HOUSEHOLD, 1920, 1080, set_japanese_alone,
		     "Japanese alone");
	check_change(d, d, RENDER_HOUSEHOLD, 1920, 1080, set_stack,
		     "both again");
	render_set_look(NULL);
}

/* --- the theme ------------------------------------------------------ */

static struct theme th;

static void set_family(void)
{
	/* a family every fontconfig set has, so that the glyphs change */
	g_strlcpy(th.family, "DejaVu Serif", sizeof(th.family));
	render_set_theme(&th);
}

static void set_scale(void)
{
	th.scale = 0.9;
	render_set_theme(&th);
}

static void set_one_colour(void)
{
	/* one colour alone: the gridlines of the charts' frames */
	th.rgb[THEME_GRIDLINE] = 0x00ff00;
	render_set_theme(&th);
}

static void test_theme(const struct render_data *d)
{
	th = *theme_builtin();
	check_change(d, d, RENDER_SOLAR, 1920, 1080, set_family,
		     "a font family");
	th = *theme_builtin();
	check_change(d, d, RENDER_SOLAR, 1920, 1080, set_scale, "a scale");
	th = *theme_builtin();
	check_change(d, d, RENDER_AIR, 1920, 1080, set_one_colour,
		     "the gridline colour");
	render_set_theme(NULL);
}

/* --- the data ------------------------------------------------------- */

static void test_data(const struct render_data *d)
{
	struct render_data none = *d, stale = *d, plain = *d;
	json_t *home = json_deep_copy(d->home);
	struct render_data emptied = *d;

	none.air = NULL;
	check_change(d, &none, RENDER_AIR, 1920, 1080, NULL, "air gone");
	check_change(&none, d, RENDER_AIR, 1920, 1080, NULL, "air back");
	check_change(d, &none, RENDER_AIR, 1920, 1080, NULL,
		     "air gone again");

	/* A point whose hourly figures vanish: the chart's panel shows no
	 * data, the rest of the slide stays. */
	json_t *pts = json_object_get(home, "points");
	size_t i;
	json_t *v;

	json_array_foreach(pts, i, v) {
		json_object_del(v, "hourly_today");
		json_object_del(v, "hourly_yesterday");
	}
	emptied.home = home;
	check_change(d, &emptied, RENDER_HOUSEHOLD, 1920, 1080, NULL,
		     "the hours gone");
	check_change(&emptied, d, RENDER_HOUSEHOLD, 1920, 1080, NULL,
		     "the hours back");

	stale.stale = true;
	stale.data_as_of = d->now - 3600;
	check_change(d, &stale, RENDER_GRID, 1280, 720, NULL, "stale");
	check_change(&stale, d, RENDER_GRID, 1280, 720, NULL, "fresh again");
	plain.replay = false;
	check_change(d, &plain, RENDER_SOLAR, 1080, 1920, NULL,
		     "replay mark gone");

	/* midnight: the day's axes move */
	plain = *d;
	plain.now = d->now + 13 * 3600;
	check_change(d, &plain, RENDER_AIR, 1920, 1080, NULL, "the next day");
	json_decref(home);
}

/* --- the screen ----------------------------------------------------- */

/* A notice drawn over the same surface between two frames of a slide,
 * as the kiosk does for an emergency. */
static void test_notice_between(const struct render_data *d)
{
	struct render_alert a = { .kind = RENDER_ALERT_EMERGENCY,
				  .message = "避難してください / Evacuate" };
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							1920, 1080);
	cairo_surface_t *want;
	cairo_t *cr = cairo_create(s);
	int x, y, diff;

	for (int i = 0; i < 2; i++)
		CHECK_INT(render_slide(cr, 1920, 1080, RENDER_GRID, d), 0);
	CHECK_INT(render_alert(cr, 1920, 1080, &a), 0);
	CHECK_INT(render_slide(cr, 1920, 1080, RENDER_GRID, d), 0);
	CHECK(render_layer_hit());
	cairo_surface_flush(s);
	want = frame(d, RENDER_GRID, 1920, 1080, false);
	diff = max_diff_from(s, want, 0, &x, &y);
	CHECK_AT(diff <= 1, "after a notice: differs by %d at (%d, %d)",
		 diff, x, y);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	cairo_surface_destroy(want);
}

/* A screen plugged in at another size, odd ones, and back; a target of
 * the other 32-bit format at the same size. */
static void test_screen(const struct render_data *d)
{
	static const int sizes[][2] = {
		{ 1920, 1080 }, { 1081, 1921 }, { 1366, 767 }, { 1920, 1080 },
	};
	cairo_surface_t *got, *want;
	int x, y, diff;

	for (size_t i = 0; i + 1 < G_N_ELEMENTS(sizes); i++) {
		char what[64];

		snprintf(what, sizeof(what), "from %dx%d", sizes[i][0],
			 sizes[i][1]);
		for (int k = 0; k < 2; k++)
			cairo_surface_destroy(frame(d, RENDER_SOLAR,
						    sizes[i][0], sizes[i][1],
						    true));
		check_change(d, d, RENDER_SOLAR, sizes[i + 1][0],
			     sizes[i + 1][1], NULL, what);
	}

	for (int k = 0; k < 2; k++)
		cairo_surface_destroy(frame(d, RENDER_GRID, 1280, 720, true));
	got = frame_fmt(d, RENDER_GRID, 1280, 720, CAIRO_FORMAT_RGB24, true);
	want = frame_fmt(d, RENDER_GRID, 1280, 720, CAIRO_FORMAT_RGB24, false);
	diff = max_diff_from(got, want, 0, &x, &y);
	CHECK_AT(diff <= 1, "RGB24 after ARGB32: differs by %d at (%d, %d)",
		 diff, x, y);
	cairo_surface_destroy(got);
	cairo_surface_destroy(want);
}

/* A frame drawn shifted by whole pixels (as against burn-in) is the
 * frame drawn whole, shifted: the layer, made unshifted, is not used
 * for it, and the texts' extents kept from unshifted frames fit. */
static void test_shifted(const struct render_data *d)
{
	int w = 1280, h = 720, x, y, diff;
	cairo_surface_t *got = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							  w, h);
	cairo_surface_t *want = cairo_image_surface_create(
		CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr;

	for (int k = 0; k < 2; k++)
		cairo_surface_destroy(frame(d, RENDER_AIR, w, h, true));
	for (int pass = 0; pass < 2; pass++) {
		cr = cairo_create(pass ? want : got);
		cairo_set_source_rgb(cr, 1, 0, 1);
		cairo_paint(cr);
		cairo_translate(cr, 3, -2);
		render_layer_enable(pass == 0);
		CHECK_INT(render_slide(cr, w, h, RENDER_AIR, d), 0);
		render_layer_enable(true);
		cairo_destroy(cr);
	}
	cairo_surface_flush(got);
	cairo_surface_flush(want);
	diff = max_diff_from(got, want, 0, &x, &y);
	CHECK_AT(diff <= 1, "shifted by (3, -2): differs by %d at (%d, %d)",
		 diff, x, y);
	cairo_surface_destroy(got);
	cairo_surface_destroy(want);
}

/* --- the ticker ----------------------------------------------------- */

static const char *ticker_text;

static void set_ticker(void)
{
	render_set_ticker(ticker_text);
}

static void test_ticker_changes(const struct render_data *d)
{
	render_set_ticker_time(3.0);
	ticker_text = "節電のお願い · Please save power";
	check_change(d, d, RENDER_GRID, 1920, 1080, set_ticker,
		     "a ticker comes");
	ticker_text = "停電のお知らせ · Power cut tonight";
	check_change(d, d, RENDER_GRID, 1920, 1080, set_ticker,
		     "the ticker's text changes");
	ticker_text = "";
	check_change(d, d, RENDER_GRID, 1920, 1080, set_ticker,
		     "the ticker goes");
	ticker_text = " ";
	check_change(d, d, RENDER_GRID, 1080, 1920, set_ticker,
		     "a blank ticker");
	render_set_ticker(NULL);
}

/* The ticker of text at time t through its strip is the ticker Pango
 * draws, below the band's top row (see test_render_layer.c), to within
 * tolerance in a channel.  Glyphs that overlap (a mark over its letter)
 * add up their coverage in the strip's 8 bits before the colour goes
 * through it, and on the frame after each is blended: a level or two
 * apart. */
static void check_strip(const struct render_data *d, int w, int h,
			const char *text, double t, bool want_strip,
			int tolerance, const char *what)
{
	static struct render_stats st;
	cairo_surface_t *a = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_surface_t *b = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_t *ca = cairo_create(a), *cb = cairo_create(b);
	struct render_zones z;
	int x, y, diff;

	render_set_ticker(text);
	render_set_ticker_time(t);
	render_zones_of(w, h, &z);
	CHECK_INT(render_slide_stats(ca, w, h, RENDER_GRID, d, &st), 0);
	CHECK_INT(render_slide_stats(cb, w, h, RENDER_GRID, d, &st), 0);
	CHECK_INT(render_ticker(cb, w, h), 0);
	CHECK_AT(render_ticker_strip_used() == want_strip, "%s: strip used "
		 "%d, want %d", what, render_ticker_strip_used(), want_strip);
	cairo_surface_flush(a);
	cairo_surface_flush(b);
	diff = max_diff_from(a, b, (int)ceil(z.ticker.y), &x, &y);
	CHECK_AT(diff <= tolerance, "%s: the ticker differs by %d at "
		 "(%d, %d) from Pango's", what, diff, x, y);
	cairo_destroy(ca);
	cairo_destroy(cb);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
}

/* The seconds at which the ticker's text starts at the left quarter of
 * a w wide screen: it comes in at the right edge and moves 160 layout
 * units a second. */
static double at_quarter(int w, int h)
{
	struct render_zones z;

	render_zones_of(w, h, &z);
	return w * 0.75 / (160 * z.u);
}

static void test_ticker_texts(const struct render_data *d)
{
	GString *huge = g_string_new(NULL);
	int w = 1920, h = 1080;
	double t;

	/* Scripts whose ink leaves the logical box or whose runs go right
	 * to left. */
	render_set_ticker("x");
	t = at_quarter(w, h);
	check_strip(d, w, h, "電力需給ひっ迫注意報。節電にご協力ください。",
		    t, true, 1, "Japanese");
	check_strip(d, w, h, "שלום עולם · مرحبا بالعالم · Hello", t, true,
		    1, "right to left");
	check_strip(d, w, h, "Ze\u0301\u0300\u0302\u0303bra "
		    "a\u0336\u0336\u0336b\u0303\u0303\u0303\u0303", t, true,
		    3, "combining marks");
	check_strip(d, w, h, "<b>not bold</b> &amp; 100%", t, true,
		    1, "markup as text");

	/* Wider than the largest image Cairo makes (32767 pixels): drawn
	 * by Pango on every frame, scrolled far into the text. */
	while (huge->len < 6000)
		g_string_append(huge, "お知らせ Notice 0123456789 · ");
	check_strip(d, w, h, huge->str, t, false, 1,
		    "a text of 32767 px");
	check_strip(d, w, h, huge->str, t + 100, false, 1,
		    "a text of 32767 px, scrolled");
	check_strip(d, 3840, 2160, huge->str, at_quarter(3840, 2160),
		    false, 1, "a text of 32767 px at 4K");
	g_string_free(huge, true);
	render_set_ticker(NULL);
	render_set_ticker_time(0);
}

/* The ticker's text changes while it scrolls, each frame drawn through
 * render_slide() from the layer (the kiosk draws whole frames when the
 * text changes). */
static void test_ticker_scrolling(const struct render_data *d)
{
	static const char *texts[] = {
		"一つ目 · first",
		"二つ目のお知らせ · the second notice, a longer one",
		"三 · 3",
	};
	double t = at_quarter(1280, 720);

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		render_set_ticker(texts[i]);
		for (int k = 0; k < 3; k++) {
			char what[64];

			render_set_ticker_time(t + 0.37 * k);
			snprintf(what, sizeof(what), "text %zu at step %d", i,
				 k);
			check_change(d, d, RENDER_SOLAR, 1280, 720, NULL,
				     what);
		}
	}
	render_set_ticker(NULL);
	render_set_ticker_time(0);
}

int main(void)
{
	json_t *grid = test_render_json("tepco_1100.json");
	json_t *home = test_render_json("home12_1100.json");
	json_t *air = test_render_json("room1_1100.json");
	json_t *signage = test_render_json("signage.json");
	struct render_params p = {
		.message = "<b>節電</b>にご協力ください\nPlease save power",
		.qr_url = "https://portal.example.jp/r",
		.caption = "ポータル / Portal",
	};
	struct render_data d = {
		.grid = grid, .home = home, .air = air, .signage = signage,
		.params = &p, .now = T_1100, .replay = true,
	};

	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	test_look(&d);
	test_theme(&d);
	test_data(&d);
	test_notice_between(&d);
	test_screen(&d);
	test_shifted(&d);
	test_ticker_changes(&d);
	test_ticker_texts(&d);
	test_ticker_scrolling(&d);
	render_layer_forget();
	json_decref(grid);
	json_decref(home);
	json_decref(air);
	json_decref(signage);
	return check_finish();
}
