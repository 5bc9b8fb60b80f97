/*
 * test_render_layer.c - frames drawn from the static layer
 * (render_layer.c) are the frames drawn in one go.
 *
 * The expected picture of every case is the same frame drawn with the
 * layer switched off (render_layer_enable(false)): background, header,
 * panels and text in one pass, the renderer as it was before the layer.
 * The frame under test is drawn on a surface filled with a colour no
 * slide uses, so a part the layer lost would show.  Each slide type is
 * drawn landscape and portrait from the test fixtures; then the things a
 * layer depends on change under it (theme, size, language, data that
 * empties a panel) and the frame must follow, and the things it does
 * not depend on (the clock, the ticker, the stale mark) must still come
 * from it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "render/render_internal.h"
#include "render/render_look.h"

/* 2022-06-27T11:00:00+09:00: 2022-06-27T00:00Z is 1656288000, 11:00 JST
 * is 02:00Z. */
#define T_1100 (1656288000 + 2 * 3600)

/* A w x h ARGB32 frame of slide; from_layer: with the layer (drawn
 * over magenta), else with it off. */
static cairo_surface_t *frame(const struct render_data *d,
			      enum render_slide slide, int w, int h,
			      bool from_layer)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, 1, 0, 1);
	cairo_paint(cr);
	render_layer_enable(from_layer);
	CHECK_INT(render_slide(cr, w, h, slide, d), 0);
	CHECK_INT(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	render_layer_enable(true);
	return s;
}

/* The largest difference of one channel between rows y0 on of a and
 * b, and where. */
static int max_diff_from(cairo_surface_t *a, cairo_surface_t *b, int y0,
			 int *at_x, int *at_y)
{
	int w = cairo_image_surface_get_width(a);
	int h = cairo_image_surface_get_height(a);
	int sa = cairo_image_surface_get_stride(a);
	int sb = cairo_image_surface_get_stride(b);
	const unsigned char *pa = cairo_image_surface_get_data(a);
	const unsigned char *pb = cairo_image_surface_get_data(b);
	int worst = 0;

	*at_x = *at_y = -1;
	for (int y = y0; y < h; y++) {
		const unsigned char *ra = pa + (size_t)y * (size_t)sa;
		const unsigned char *rb = pb + (size_t)y * (size_t)sb;

		for (int x = 0; x < w * 4; x++) {
			int dd = abs(ra[x] - rb[x]);

			if (dd > worst) {
				worst = dd;
				*at_x = x / 4;
				*at_y = y;
			}
		}
	}
	return worst;
}

static int max_diff(cairo_surface_t *a, cairo_surface_t *b, int *at_x,
		    int *at_y)
{
	return max_diff_from(a, b, 0, at_x, at_y);
}

/* Draws slide twice with the layer (the second frame makes it and is
 * drawn from it) and checks the second against the frame drawn without
 * it, and that the layer was used as want_hit says. */
static void check_same(const struct render_data *d, enum render_slide slide,
		       int w, int h, bool want_hit, const char *what)
{
	cairo_surface_t *want = frame(d, slide, w, h, false);
	cairo_surface_t *got;
	int x, y, diff;

	/* with the layer off nothing is kept: this frame is the first */
	got = frame(d, slide, w, h, true);
	CHECK_AT(!render_layer_hit(), "%s %s %dx%d: a layer after it was "
		 "freed", what, render_slide_name(slide), w, h);
	cairo_surface_destroy(got);
	got = frame(d, slide, w, h, true);
	CHECK_AT(render_layer_hit() == want_hit, "%s %s %dx%d: layer used "
		 "%d, want %d", what, render_slide_name(slide), w, h,
		 render_layer_hit(), want_hit);
	diff = max_diff(got, want, &x, &y);
	CHECK_AT(diff <= 1, "%s %s %dx%d: differs by %d at (%d, %d) from "
		 "the frame drawn without a layer", what,
		 render_slide_name(slide), w, h, diff, x, y);
	cairo_surface_destroy(got);
	cairo_surface_destroy(want);
}

/* got, the next frame drawn with the layer kept from earlier ones, is
 * the frame drawn without; the layer was used as want_hit says. */
static void check_next(const struct render_data *d, enum render_slide slide,
		       int w, int h, bool want_hit, const char *what)
{
	cairo_surface_t *got = frame(d, slide, w, h, true);
	bool hit = render_layer_hit();
	cairo_surface_t *want;
	int x, y, diff;

	CHECK_AT(hit == want_hit, "%s: layer used %d, want %d", what, hit,
		 want_hit);
	/* frame() with the layer off frees it: the expected frame last */
	want = frame(d, slide, w, h, false);
	diff = max_diff(got, want, &x, &y);
	CHECK_AT(diff <= 1, "%s: differs by %d at (%d, %d) from the frame "
		 "drawn without a layer", what, diff, x, y);
	cairo_surface_destroy(got);
	cairo_surface_destroy(want);
}

/* Draws slide twice with the layer, so that the next frame can come
 * from it. */
static void warm(const struct render_data *d, enum render_slide slide,
		 int w, int h)
{
	for (int i = 0; i < 2; i++)
		cairo_surface_destroy(frame(d, slide, w, h, true));
	CHECK_AT(render_layer_hit(), "%s %dx%d: no layer after two frames",
		 render_slide_name(slide), w, h);
}

static void test_every_slide(const struct render_data *d)
{
	static const int sizes[][2] = { { 1920, 1080 }, { 1080, 1920 } };

	for (int s = 0; s < RENDER_SLIDE_COUNT; s++)
		for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++)
			check_same(d, (enum render_slide)s, sizes[i][0],
				   sizes[i][1], true, "every slide:");
}

/* What moves each frame is drawn over the layer, which stays. */
static void test_moving(const struct render_data *d)
{
	struct render_data later = *d, stale = *d;

	warm(d, RENDER_GRID, 1920, 1080);
	later.now += 60;
	warm(d, RENDER_GRID, 1920, 1080);
	check_next(&later, RENDER_GRID, 1920, 1080, true,
		   "a minute later");

	stale.stale = true;
	stale.data_as_of = d->now - 600;
	warm(d, RENDER_AIR, 1920, 1080);
	check_next(&stale, RENDER_AIR, 1920, 1080, true, "stale");

	render_set_ticker("電力需給ひっ迫注意報 · Power supply advisory");
	render_set_ticker_time(1.0);
	warm(d, RENDER_SOLAR, 1920, 1080);
	render_set_ticker_time(2.5);
	check_next(d, RENDER_SOLAR, 1920, 1080, true, "the ticker moved");
	render_set_ticker(NULL);
}

/* What the layer holds changes: the frame is drawn again whole. */
static void test_changes(const struct render_data *d)
{
	struct render_data empty = *d;
	struct theme light;
	char err[256];

	/* a size */
	warm(d, RENDER_GRID, 1920, 1080);
	check_next(d, RENDER_GRID, 1280, 720, false, "another size");
	warm(d, RENDER_GRID, 1920, 1080);
	check_next(d, RENDER_SOLAR, 1920, 1080, false, "another slide");

	/* a theme: every colour of the layer */
	CHECK_AT(theme_open("light", &light, err, sizeof(err)) == 0,
		 "light theme: %s", err);
	warm(d, RENDER_HOUSEHOLD, 1920, 1080);
	render_set_theme(&light);
	check_next(d, RENDER_HOUSEHOLD, 1920, 1080, false, "the light theme");
	check_same(d, RENDER_HOUSEHOLD, 1920, 1080, true, "light theme:");
	render_set_theme(NULL);
	check_next(d, RENDER_HOUSEHOLD, 1920, 1080, false, "the dark theme");

	/* a language: every heading of the layer */
	warm(d, RENDER_AIR, 1080, 1920);
	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
	check_next(d, RENDER_AIR, 1080, 1920, false, "English alone");
	check_same(d, RENDER_AIR, 1080, 1920, true, "English alone:");
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	check_next(d, RENDER_AIR, 1080, 1920, false, "Japanese and English");

	/* data whose panels empty: the no-data marks */
	empty.grid = NULL;
	warm(d, RENDER_GRID, 1920, 1080);
	check_next(&empty, RENDER_GRID, 1920, 1080, false, "no grid data");
	check_next(d, RENDER_GRID, 1920, 1080, false, "grid data back");
}

/* The ticker drawn through its strip of glyphs (render_ticker()) is the
 * ticker Pango draws (a frame with stats, which lays every text out),
 * at sizes where its band and text fall on fractions of a pixel.  The
 * text is scrolled to between an eighth and a quarter of the width from
 * the left, where it is whole on the screen (Cairo places glyphs that
 * the surface's edge cuts a row apart at times), and the band is
 * compared below its top edge, which render_ticker() blends again over
 * the frame's when it falls inside a row of pixels. */
static void test_ticker_strip(const struct render_data *d)
{
	static struct render_stats st;
	static const int sizes[][2] = {
		{ 1920, 1080 }, { 1280, 720 }, { 1080, 1920 }, { 1366, 768 },
	};
	static const double at[] = { 0.125, 0.19, 0.25 };

	render_set_ticker("節電のお願い · Please save power 12:00");
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		int w = sizes[i][0], h = sizes[i][1];
		cairo_surface_t *a = cairo_image_surface_create(
			CAIRO_FORMAT_ARGB32, w, h);
		cairo_surface_t *b = cairo_image_surface_create(
			CAIRO_FORMAT_ARGB32, w, h);
		cairo_t *ca = cairo_create(a), *cb = cairo_create(b);
		struct render_zones z;
		double times[G_N_ELEMENTS(at)];

		/* TICKER_SPEED: 160 layout units a second, leftward from
		 * the right edge */
		render_zones_of(w, h, &z);
		for (size_t k = 0; k < G_N_ELEMENTS(at); k++)
			times[k] = w * (1 - at[k]) / (160 * z.u);
		for (size_t k = 0; k < G_N_ELEMENTS(times); k++) {
			int x, y, diff;

			render_set_ticker_time(times[k]);
			CHECK_INT(render_slide_stats(ca, w, h, RENDER_GRID, d,
						     &st), 0);
			CHECK(!render_ticker_strip_used());
			cairo_surface_flush(a);
			CHECK_INT(render_slide_stats(cb, w, h, RENDER_GRID, d,
						     &st), 0);
			CHECK_INT(render_ticker(cb, w, h), 0);
			CHECK_AT(render_ticker_strip_used(), "%dx%d at %.2f s: "
				 "no strip", w, h, times[k]);
			cairo_surface_flush(b);
			diff = max_diff_from(a, b, (int)ceil(z.ticker.y), &x,
					     &y);
			CHECK_AT(diff <= 1, "ticker %dx%d at %.2f s: the strip "
				 "differs by %d at (%d, %d) from Pango's text",
				 w, h, times[k], diff, x, y);
		}
		cairo_destroy(ca);
		cairo_destroy(cb);
		cairo_surface_destroy(a);
		cairo_surface_destroy(b);
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
	test_every_slide(&d);
	test_moving(&d);
	test_changes(&d);
	test_ticker_strip(&d);
	render_layer_forget();
	json_decref(grid);
	json_decref(home);
	json_decref(air);
	json_decref(signage);
	return check_finish();
}
