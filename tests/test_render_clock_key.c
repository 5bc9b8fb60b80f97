/*
 * test_render_clock_key.c - what the header clock shows, as a key: the
 * kiosk draws the clock again only when it changes.
 *
 * The clock shows hours and minutes in the site's zone and the date:
 * within one minute the key stays, and a whole frame drawn at any
 * second of that minute is the same picture, pixel for pixel, so a
 * clock not drawn again is what a viewer would have seen.  At the next
 * minute, and across local midnight, the key changes.  The times below
 * are worked out by hand from 2022-06-27T00:00:00Z = 1656288000.
 */
#include <cairo.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "render/render.h"

#define T_0000Z 1656288000
/* 11:00:00 JST (UTC+9) is 02:00:00Z. */
#define T_1100 (T_0000Z + 2 * 3600)
/* 23:59:59 JST on the 27th is 14:59:59Z; a second later the 28th. */
#define T_2359 (T_0000Z + 15 * 3600 - 1)

static void key_at(enum render_slide slide, struct render_data *d,
		   int64_t now, char *buf, size_t len)
{
	d->now = now;
	CHECK_INT(render_clock_key(slide, d, buf, len), 0);
}

static cairo_surface_t *frame_at(enum render_slide slide,
				 struct render_data *d, int64_t now, int w,
				 int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_t *cr = cairo_create(s);

	d->now = now;
	CHECK_INT(render_slide(cr, w, h, slide, d), 0);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	return s;
}

/* The number of pixels where a and b differ. */
static long differ(cairo_surface_t *a, cairo_surface_t *b)
{
	int h = cairo_image_surface_get_height(a);
	int stride = cairo_image_surface_get_stride(a);
	const unsigned char *pa = cairo_image_surface_get_data(a);
	const unsigned char *pb = cairo_image_surface_get_data(b);
	int w = cairo_image_surface_get_width(a);
	long n = 0;

	for (int y = 0; y < h; y++) {
		size_t at = (size_t)y * (size_t)stride;
		const uint32_t *ra = (const uint32_t *)(pa + at);
		const uint32_t *rb = (const uint32_t *)(pb + at);

		for (int x = 0; x < w; x++)
			n += ra[x] != rb[x];
	}
	return n;
}

static void check_minute(enum render_slide slide, struct render_data *d)
{
	const char *name = render_slide_name(slide);
	char k0[128], k59[128], k60[128];
	cairo_surface_t *f0, *f59, *f60;

	key_at(slide, d, T_1100, k0, sizeof k0);
	key_at(slide, d, T_1100 + 59, k59, sizeof k59);
	key_at(slide, d, T_1100 + 60, k60, sizeof k60);
	CHECK_AT(strstr(k0, "11:00") != NULL, "%s: key at 11:00 JST is %s",
		 name, k0);
	CHECK_AT(strstr(k60, "11:01") != NULL, "%s: key at 11:01 JST is %s",
		 name, k60);
	CHECK_STR(k59, k0);
	CHECK_AT(strcmp(k60, k0) != 0, "%s: 11:00 and 11:01 share a key",
		 name);

	/* Same key, same picture; the next minute's differs. */
	f0 = frame_at(slide, d, T_1100, 1280, 720);
	f59 = frame_at(slide, d, T_1100 + 59, 1280, 720);
	f60 = frame_at(slide, d, T_1100 + 60, 1280, 720);
	CHECK_AT(differ(f0, f59) == 0, "%s: 11:00:00 and 11:00:59 differ in "
		 "%ld pixels", name, differ(f0, f59));
	CHECK_AT(differ(f0, f60) > 0, "%s: 11:00 and 11:01 look the same",
		 name);
	cairo_surface_destroy(f0);
	cairo_surface_destroy(f59);
	cairo_surface_destroy(f60);
}

/* The date is part of the clock: the key changes at local midnight,
 * in the site's zone. */
static void check_midnight(struct render_data *d)
{
	char before[128], after[128];

	key_at(RENDER_GRID, d, T_2359, before, sizeof before);
	key_at(RENDER_GRID, d, T_2359 + 1, after, sizeof after);
	CHECK_AT(strstr(before, "23:59") && strstr(before, "27"),
		 "key at 23:59 JST on the 27th: %s", before);
	CHECK_AT(strstr(after, "0:00") && strstr(after, "28"),
		 "key at 0:00 JST on the 28th: %s", after);
}

/* Another zone, half an hour off: 02:00Z is 07:30 in Kolkata (UTC+5:30). */
static void check_zone(json_t *grid, struct render_data *d)
{
	json_t *other = json_deep_copy(grid);
	json_t *keep = d->grid;
	char key[128];

	json_object_set_new(other, "tz", json_string("Asia/Kolkata"));
	d->grid = other;
	key_at(RENDER_GRID, d, T_1100, key, sizeof key);
	CHECK_AT(strstr(key, "7:30") != NULL, "key at 02:00Z in Kolkata: %s",
		 key);
	/* Back and forth: each site's own zone, not the one asked for
	 * last (the renderer keeps the last zone it made). */
	for (int i = 0; i < 2; i++) {
		d->grid = keep;
		key_at(RENDER_GRID, d, T_1100, key, sizeof key);
		CHECK_AT(strstr(key, "11:00") != NULL,
			 "key at 02:00Z in Tokyo after Kolkata: %s", key);
		d->grid = other;
		key_at(RENDER_GRID, d, T_1100, key, sizeof key);
		CHECK_AT(strstr(key, "7:30") != NULL,
			 "key at 02:00Z in Kolkata after Tokyo: %s", key);
	}
	d->grid = keep;
	json_decref(other);
}

static void check_refusals(struct render_data *d)
{
	char key[128];

	d->now = T_1100;
	CHECK_INT(render_clock_key(RENDER_GRID, NULL, key, sizeof key), -1);
	CHECK_INT(render_clock_key(RENDER_SLIDE_COUNT, d, key, sizeof key),
		  -1);
	CHECK_INT(render_clock_key(RENDER_GRID, d, NULL, 16), -1);
	CHECK_INT(render_clock_key(RENDER_GRID, d, key, 4), -1);
	d->now = RENDER_TIME_MAX + 1;
	CHECK_INT(render_clock_key(RENDER_GRID, d, key, sizeof key), -1);
}

int main(void)
{
	json_t *grid = test_render_json("tepco_1100.json");
	json_t *home = test_render_json("home12_1100.json");
	json_t *air = test_render_json("room1_1100.json");
	struct render_data d = { .grid = grid, .home = home, .air = air };

	check_minute(RENDER_GRID, &d);
	check_minute(RENDER_AIR, &d);
	check_midnight(&d);
	check_zone(grid, &d);
	check_refusals(&d);
	json_decref(grid);
	json_decref(home);
	json_decref(air);
	return check_finish();
}
