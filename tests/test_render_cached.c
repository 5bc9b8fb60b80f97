/*
 * test_render_cached.c - what the slides say of data played from the
 * kiosk's cache and of data the kiosk never had:
 *  - drawn from the cache (render_data.stale), a figure's age is judged
 *    at the kiosk's clock once it is past the summary's "at", so a copy
 *    kept through an outage is dated once its readings are past their
 *    limit on the clock shown; fresh data is judged at its "at";
 *  - a point without a step is judged by the spacing of its readings
 *    the server sends (spacing_s);
 *  - with no data and no server the header says the server cannot be
 *    reached, in both languages;
 *  - a slide without a site shows the clock in the display's zone.
 * The fixture is the grid's summary at 2022-06-27T11:00:00+09:00 (usage
 * of the hour from 10:00, hourly; demand at 10:55, every 5 minutes).
 */
#include <cairo.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "core/timeutil.h"
#include "render/render_internal.h"

/* 2022-06-27T11:00:00+09:00 is 02:00Z (2022-06-27T00:00Z is
 * 1656288000). */
#define T_1100 (1656288000 + 2 * 3600)

static cairo_surface_t *draw(const struct render_data *d,
			     enum render_slide slide,
			     struct render_stats *st)
{
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 960, 540);
	cairo_t *cr = cairo_create(s);

	CHECK_INT(render_slide_stats(cr, 960, 540, slide, d, st), 0);
	cairo_destroy(cr);
	return s;
}

static bool drawn(const struct render_stats *st, const char *prefix)
{
	for (int i = 0; i < st->ntexts; i++)
		if (strncmp(st->texts[i].text, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* Whether the gauge of the grid slide drawn from d is an old figure. */
static bool gauge_old(const struct render_data *d)
{
	struct render_stats st;
	cairo_surface_t *s = draw(d, RENDER_GRID, &st);

	cairo_surface_destroy(s);
	CHECK(st.gauge_drawn);
	return st.gauge_stale;
}

/* The usage reading is of 10:00 with a step of an hour: current up to
 * three hours old (13:00), dated from 13:00:01. */
static void test_cached_clock(json_t *grid)
{
	struct render_data d = { .grid = grid, .now = T_1100 };

	/* Fresh data is judged at its own "at" (11:00), whatever the
	 * clock: a replay's held data lags the clock by design. */
	CHECK(!gauge_old(&d));
	d.now = T_1100 + 3 * 86400;
	CHECK(!gauge_old(&d));

	/* From the cache, at the kiosk's clock: 12:59 and 13:00 are at
	 * most three hours after 10:00, 13:00:01 is past them, and three
	 * days later is too. */
	d.stale = true;
	d.data_as_of = T_1100;
	d.now = T_1100 + 7200 - 60;
	CHECK(!gauge_old(&d));
	d.now = T_1100 + 7200;
	CHECK(!gauge_old(&d));
	d.now = T_1100 + 7201;
	CHECK(gauge_old(&d));
	d.now = T_1100 + 3 * 86400;
	CHECK(gauge_old(&d));

	/* A replay that jumped back shows a clock before the data's "at":
	 * the data is judged at its "at" then, not younger than it is. */
	d.now = T_1100 - 4 * 3600;
	CHECK(!gauge_old(&d));
}

/* The demand's reading moved to 10:40, 1,200 s before 11:00: past the
 * 900 s floor of a point without a step, within three of a spacing of
 * 1,800 s (5,400 s). */
static void test_spacing(json_t *fixture)
{
	json_t *grid = json_deep_copy(fixture);
	json_t *dem = render_point(grid, "demand");
	struct render_data d = { .grid = grid, .now = T_1100 };
	struct render_stats st;
	cairo_surface_t *s;

	json_object_set_new(json_object_get(dem, "latest"), "ts",
			    json_string("2022-06-27T10:40:00+09:00"));
	json_object_set_new(dem, "step_s", json_integer(0));
	s = draw(&d, RENDER_GRID, &st);
	CHECK_AT(drawn(&st, "2022年6月27日 10:40 時点"),
		 "no step, no spacing: the 900 s floor dates 10:40");
	cairo_surface_destroy(s);

	json_object_set_new(dem, "spacing_s", json_integer(1800));
	s = draw(&d, RENDER_GRID, &st);
	CHECK_AT(drawn(&st, "10:40 時点"), "spacing 1800: 10:40 is current");
	CHECK(!drawn(&st, "2022年6月27日 10:40"));
	cairo_surface_destroy(s);

	/* The point's own step wins over the spacing: 300 s gives 900. */
	json_object_set_new(dem, "step_s", json_integer(300));
	s = draw(&d, RENDER_GRID, &st);
	CHECK(drawn(&st, "2022年6月27日 10:40 時点"));
	cairo_surface_destroy(s);

	CHECK_INT(render_point_step(dem), 300);
	json_object_set_new(dem, "step_s", json_integer(0));
	CHECK_INT(render_point_step(dem), 1800);
	json_object_set_new(dem, "spacing_s", json_integer(-5));
	CHECK_INT(render_point_step(dem), 0);
	CHECK_INT(render_point_step(NULL), 0);
	json_decref(grid);
}

static void test_unreachable(void)
{
	struct render_data d = { .now = T_1100, .unreachable = true };
	struct render_stats st;
	cairo_surface_t *s;

	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	s = draw(&d, RENDER_GRID, &st);
	CHECK_AT(strstr(st.marks, "サーバーに接続できません / "
			"server unreachable") != NULL, "marks: %s", st.marks);
	CHECK(st.nodata_panels > 0);
	cairo_surface_destroy(s);

	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
	s = draw(&d, RENDER_AIR, &st);
	CHECK_AT(strstr(st.marks, "server unreachable") != NULL, "marks: %s",
		 st.marks);
	CHECK(strstr(st.marks, "サーバー") == NULL);
	cairo_surface_destroy(s);

	/* The mark is for no data and no server only. */
	d.unreachable = false;
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	s = draw(&d, RENDER_GRID, &st);
	CHECK(strstr(st.marks, "server unreachable") == NULL);
	cairo_surface_destroy(s);
}

/* The clock's first line (H:MM) of slide drawn from d. */
static void clock_hm(enum render_slide slide, const struct render_data *d,
		     char *hm, size_t len)
{
	char key[128];

	CHECK_INT(render_clock_key(slide, d, key, sizeof key), 0);
	key[strcspn(key, "\n")] = '\0';
	g_strlcpy(hm, key, len);
}

/* 02:00Z is 11:00 in Tokyo (+09:00) and 02:00 in UTC, the box's zone
 * in this test (TZ=UTC). */
static void test_zone(json_t *grid)
{
	struct render_params p = { .qr_url = "https://example.org/" };
	struct render_data d = { .params = &p, .now = T_1100 };
	char hm[32], utc[32];

	clock_hm(RENDER_QR, &d, utc, sizeof utc);
	CHECK_STR(utc, "2:00");
	d.tz = "Asia/Tokyo";
	clock_hm(RENDER_QR, &d, hm, sizeof hm);
	CHECK_STR(hm, "11:00");

	/* A site's own zone wins over the display's. */
	d.grid = grid;
	d.tz = "UTC";
	clock_hm(RENDER_GRID, &d, hm, sizeof hm);
	CHECK_STR(hm, "11:00");
	CHECK_STR(render_slide_zone(RENDER_GRID, &d), "Asia/Tokyo");
	CHECK(render_slide_zone(RENDER_QR, &d) == NULL);

	/* A name that is a path is no zone: the box's. */
	d.tz = "../../../etc/localtime";
	clock_hm(RENDER_QR, &d, hm, sizeof hm);
	CHECK_STR(hm, utc);
}

int main(void)
{
	json_t *grid;

	setenv("TZ", "UTC", 1);
	grid = test_render_json("tepco_1100.json");
	if (!grid)
		return check_finish();
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	test_cached_clock(grid);
	test_spacing(grid);
	test_unreachable();
	test_zone(grid);
	json_decref(grid);
	return check_finish();
}
