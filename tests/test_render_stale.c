/*
 * test_render_stale.c - a figure whose reading is too old to be current
 * is dated ("2022年6月24日 10:55 時点", "as of 24 Jun 2022 10:55") and
 * not shown in the colour of a state: the rule's edges (three steps,
 * and 15 minutes at least) and the grid, solar, household, air and
 * weather slides drawn from the fixtures of tests/data/render/ with
 * their latest readings moved back in time.
 */
#include <cairo.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "core/timeutil.h"
#include "render/render_internal.h"

/* 2022-06-27T11:00:00+09:00 (02:00Z; 2022-06-27T00:00Z is 1656288000),
 * the clock of the summary fixtures, and 14:00 JST, the signage one's. */
#define T_1100 (1656288000 + 2 * 3600)
#define T_1400 (1656288000 + 5 * 3600)

/* --- the rule ------------------------------------------------------- */

static void test_rule(void)
{
	/* Three steps, never under 900 s: 3 x 300 = 900, 3 x 3600 =
	 * 10800, 3 x 1800 = 5400; 3 x 60 = 180 is raised to 900. */
	CHECK_INT(core_stale_after(300), 900);
	CHECK_INT(core_stale_after(3600), 10800);
	CHECK_INT(core_stale_after(1800), 5400);
	CHECK_INT(core_stale_after(60), 900);
	CHECK_INT(core_stale_after(0), 900);
	CHECK_INT(core_stale_after(-5), 900);

	/* Up to the limit the figure is current; one second past, not. */
	CHECK(!core_reading_stale(900, 300));
	CHECK(core_reading_stale(901, 300));
	CHECK(!core_reading_stale(10800, 3600));
	CHECK(core_reading_stale(10801, 3600));
	CHECK(!core_reading_stale(0, 0));
}

/* --- drawing -------------------------------------------------------- */

static long count_rgb(cairo_surface_t *s, struct render_rect r, uint32_t rgb)
{
	int w = cairo_image_surface_get_width(s);
	int h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	const unsigned char *data = cairo_image_surface_get_data(s);
	int x0 = r.x < 0 ? 0 : (int)r.x, y0 = r.y < 0 ? 0 : (int)r.y;
	int x1 = r.x + r.w > w ? w : (int)(r.x + r.w);
	int y1 = r.y + r.h > h ? h : (int)(r.y + r.h);
	long n = 0;

	for (int y = y0; y < y1; y++) {
		const uint32_t *row =
			(const uint32_t *)(data + (size_t)y * (size_t)stride);

		for (int x = x0; x < x1; x++)
			n += (row[x] & 0xffffff) == rgb;
	}
	return n;
}

/* Draws slide at 1920x1080 into a new surface (saved as
 * render_stale_<slide>_<tag>.png to be looked at), with *st filled. */
static cairo_surface_t *draw(const struct render_data *d,
			     enum render_slide slide, const char *tag,
			     struct render_stats *st)
{
	cairo_surface_t *s =
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1920, 1080);
	cairo_t *cr = cairo_create(s);
	char path[256];

	CHECK_INT(render_slide_stats(cr, 1920, 1080, slide, d, st), 0);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	snprintf(path, sizeof(path), "render_stale_%s_%s.png",
		 render_slide_name(slide), tag);
	CHECK_INT(cairo_surface_write_to_png(s, path), CAIRO_STATUS_SUCCESS);
	return s;
}

/* Whether a text drawn starts with prefix. */
static bool drawn(const struct render_stats *st, const char *prefix)
{
	for (int i = 0; i < st->ntexts; i++)
		if (strncmp(st->texts[i].text, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

#define CHECK_DRAWN(st, text) \
	CHECK_AT(drawn(st, text), "\"%s\" not drawn", text)
#define CHECK_NOT_DRAWN(st, text) \
	CHECK_AT(!drawn(st, text), "\"%s\" drawn", text)

/* Sets the latest reading's time of point name in summary site. */
static void set_latest(json_t *site, const char *name, const char *ts)
{
	json_t *l = json_object_get(render_point(site, name), "latest");

	CHECK(l != NULL);
	json_object_set_new(l, "ts", json_string(ts));
}

/* --- the slides ----------------------------------------------------- */

/* The grid at 11:00: usage 96 % (tight) for the hour from 10:00, demand
 * 50,170,000 kW = 5,017 万kW at 10:55. */
static void test_grid(json_t *fixture)
{
	json_t *grid = json_deep_copy(fixture);
	struct render_data d = { .grid = grid, .now = T_1100 };
	struct render_stats st;
	cairo_surface_t *s;

	/* Fresh: the band's colour and the times alone. */
	s = draw(&d, RENDER_GRID, "fresh", &st);
	CHECK(st.gauge_drawn);
	CHECK(!st.gauge_stale);
	CHECK_INT(st.gauge_band, RENDER_BAND_TIGHT);
	CHECK(count_rgb(s, st.gauge, RENDER_RGB_TIGHT) > 20000);
	CHECK_DRAWN(&st, "10:55 時点");
	CHECK_DRAWN(&st, "as of 10:55");
	CHECK_NOT_DRAWN(&st, "2022年6月27日 1");
	cairo_surface_destroy(s);

	/* Three hours (10,800 s = 3 steps of 3600) old is still current:
	 * usage read for 8:00 at 11:00. */
	set_latest(grid, "usage_hourly", "2022-06-27T08:00:00+09:00");
	s = draw(&d, RENDER_GRID, "edge", &st);
	CHECK(!st.gauge_stale);
	CHECK(count_rgb(s, st.gauge, RENDER_RGB_TIGHT) > 20000);
	cairo_surface_destroy(s);

	/* Three days old: dated, and no band's colour at all (the ring of
	 * bands is drawn mixed with the panel, never in the band's own). */
	set_latest(grid, "usage_hourly", "2022-06-24T10:00:00+09:00");
	set_latest(grid, "demand", "2022-06-24T10:55:00+09:00");
	set_latest(grid, "supply_hourly", "2022-06-24T10:00:00+09:00");
	s = draw(&d, RENDER_GRID, "old", &st);
	CHECK(st.gauge_drawn);
	CHECK(st.gauge_stale);
	for (int b = 0; b < RENDER_BAND_COUNT; b++)
		CHECK_AT(count_rgb(s, st.gauge, render_band_rgb(b)) < 50,
			 "band %d: %ld pixels", b,
			 count_rgb(s, st.gauge, render_band_rgb(b)));
	CHECK(count_rgb(s, st.gauge, RENDER_RGB_TEXT_2) > 20000);
	CHECK_DRAWN(&st, "2022年6月24日 10:00 時点の使用率");
	CHECK_DRAWN(&st, "usage rate as of 24 Jun 2022 10:00");
	CHECK_DRAWN(&st, "2022年6月24日 10:55 時点");
	CHECK_DRAWN(&st, "as of 24 Jun 2022 10:55");
	CHECK_DRAWN(&st, "2022年6月24日 10:00〜 の供給力");
	CHECK_NOT_DRAWN(&st, "10:55 時点");
	CHECK_NOT_DRAWN(&st, "厳しい");
	cairo_surface_destroy(s);

	/* The solar slide reads the same demand and the solar point. */
	set_latest(grid, "solar", "2022-06-24T10:55:00+09:00");
	s = draw(&d, RENDER_SOLAR, "old", &st);
	CHECK_DRAWN(&st, "2022年6月24日 10:55 時点");
	CHECK_DRAWN(&st, "as of 24 Jun 2022 10:55");
	CHECK_NOT_DRAWN(&st, "10:55 時点");
	cairo_surface_destroy(s);
	json_decref(grid);
}

/* The home at 12:00 (+10:00), half-hourly: 5,400 s (3 x 1800) makes the
 * 10:00 rooftop reading 7,200 s old, past it; 10:30 is just at it. */
static void test_household(json_t *fixture)
{
	json_t *home = json_deep_copy(fixture);
	struct render_data d = { .home = home, .now = T_1100 };
	struct render_stats st;
	cairo_surface_t *s;

	s = draw(&d, RENDER_HOUSEHOLD, "fresh", &st);
	CHECK_DRAWN(&st, "現在 0.55 kW");
	CHECK_DRAWN(&st, "now 0.55 kW");
	cairo_surface_destroy(s);

	set_latest(home, "pv", "2022-06-27T10:30:00+10:00");
	s = draw(&d, RENDER_HOUSEHOLD, "edge", &st);
	CHECK_DRAWN(&st, "現在 0.55 kW");
	cairo_surface_destroy(s);

	set_latest(home, "pv", "2022-06-27T10:00:00+10:00");
	s = draw(&d, RENDER_HOUSEHOLD, "old", &st);
	CHECK_DRAWN(&st, "最終計測 2022年6月27日 10:00");
	CHECK_DRAWN(&st, "last reading 27 Jun 2022 10:00");
	CHECK_NOT_DRAWN(&st, "現在 0.55 kW");
	cairo_surface_destroy(s);
	json_decref(home);
}

/* The room at 11:00, minute readings: the 900 s floor applies, so
 * 10:45:00 is current and 10:44:59 (901 s) is not. */
static void test_air(json_t *fixture)
{
	json_t *air = json_deep_copy(fixture);
	struct render_data d = { .air = air, .now = T_1100 };
	struct render_stats st;
	cairo_surface_t *s;

	set_latest(air, "temperature", "2022-06-27T10:45:00+09:00");
	set_latest(air, "co2", "2022-06-27T10:44:59+09:00");
	s = draw(&d, RENDER_AIR, "old", &st);
	CHECK_DRAWN(&st, "10:45 時点");
	CHECK_DRAWN(&st, "as of 10:45");
	CHECK_DRAWN(&st, "2022年6月27日 10:44 時点");
	CHECK_DRAWN(&st, "as of 27 Jun 2022 10:44");
	CHECK_NOT_DRAWN(&st, "10:44 時点");
	cairo_surface_destroy(s);

	/* The temperature of 22.07 ℃ is comfortable (18..28), the CO2 of
	 * 1,051 ppm tolerable (1,000..1,500): only the current one keeps
	 * its state's pill. */
	CHECK_DRAWN(&st, "Comfortable");
	CHECK_NOT_DRAWN(&st, "Ventilate");
	json_decref(air);
	air = json_deep_copy(fixture);
	d.air = air;
	s = draw(&d, RENDER_AIR, "fresh", &st);
	CHECK_DRAWN(&st, "10:59 時点");
	CHECK_DRAWN(&st, "Ventilate");
	cairo_surface_destroy(s);
	json_decref(air);
}

/* Weather at 14:00 from the hourly JMA observations of 13:00: 10:59:59
 * is 3 h 1 s old, past three steps of an hour. */
static void test_weather(json_t *fixture)
{
	json_t *sig = json_deep_copy(fixture);
	json_t *l = json_object_get(json_object_get(sig, "weather"),
				    "latest");
	struct render_data d = { .signage = sig, .now = T_1400 };
	struct render_stats st;
	cairo_surface_t *s;

	s = draw(&d, RENDER_WEATHER, "fresh", &st);
	CHECK_DRAWN(&st, "13:00 時点");
	CHECK_NOT_DRAWN(&st, "2022年6月27日 1");
	cairo_surface_destroy(s);

	json_object_set_new(json_object_get(l, "temperature"), "ts",
			    json_string("2022-06-27T10:59:59+09:00"));
	json_object_set_new(json_object_get(l, "humidity"), "ts",
			    json_string("2022-06-27T11:00:00+09:00"));
	s = draw(&d, RENDER_WEATHER, "old", &st);
	CHECK_DRAWN(&st, "2022年6月27日 10:59 時点");
	CHECK_DRAWN(&st, "as of 27 Jun 2022 10:59");
	CHECK_DRAWN(&st, "11:00 時点");
	cairo_surface_destroy(s);

	/* Where the answer carries the server's judgement (made with the
	 * point's own step, which the section does not carry), it decides:
	 * the 10:59:59 temperature said fresh (a point of a longer step)
	 * keeps its caption of the day's extremes, undated; the 11:00
	 * humidity said stale (a 10-minute point: three steps are 30
	 * minutes) is dated. */
	json_object_set_new(json_object_get(l, "temperature"), "stale",
			    json_false());
	json_object_set_new(json_object_get(l, "humidity"), "stale",
			    json_true());
	s = draw(&d, RENDER_WEATHER, "server", &st);
	CHECK_NOT_DRAWN(&st, "2022年6月27日 10:59");
	CHECK_NOT_DRAWN(&st, "as of 27 Jun 2022 10:59");
	CHECK_DRAWN(&st, "2022年6月27日 11:00 時点");
	CHECK_DRAWN(&st, "as of 27 Jun 2022 11:00");
	cairo_surface_destroy(s);
	json_decref(sig);
}

int main(void)
{
	json_t *grid = test_render_json("tepco_1100.json");
	json_t *home = test_render_json("home12_1100.json");
	json_t *air = test_render_json("room1_1100.json");
	json_t *sig = test_render_json("signage.json");

	test_rule();
	if (!grid || !home || !air || !sig)
		return check_finish();

	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	test_grid(grid);
	test_household(home);
	test_air(air);
	test_weather(sig);

	json_decref(grid);
	json_decref(home);
	json_decref(air);
	json_decref(sig);
	return check_finish();
}
