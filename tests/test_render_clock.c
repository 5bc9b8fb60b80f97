/*
 * test_render_clock.c - the clock drawn again alone over a slide comes
 * out as a whole new frame of the slide draws it.
 *
 * The expected picture is render_slide() at the later time: a frame
 * drawn at 11:00 JST, with render_clock() at 11:10 over it, must equal
 * the frame drawn in full at 11:10, pixel for pixel.  11:00 and 11:10
 * have the same digits, so the clock's text keeps its width and every
 * pixel that differs between the two full frames is the clock's.  (Not
 * on the household slide, whose "now" line moves in ten minutes: the
 * kiosk draws a slide in full when the minute changes.)
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

/* 2022-06-27T00:00Z is 1656288000; 11:00 JST is 02:00Z. */
#define T_1100 (1656288000 + 2 * 3600)
#define T_1110 (T_1100 + 600)

static cairo_surface_t *frame_at(enum render_slide slide,
				 const struct render_data *d, int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_t *cr = cairo_create(s);

	CHECK_INT(render_slide(cr, w, h, slide, d), 0);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	return s;
}

static uint32_t px(cairo_surface_t *s, int x, int y)
{
	const unsigned char *row = cairo_image_surface_get_data(s) +
		(size_t)y * (size_t)cairo_image_surface_get_stride(s);

	return ((const uint32_t *)row)[x];
}

/* The bounding box of the pixels where a and b differ; w 0 for none. */
static struct render_box diff_box(cairo_surface_t *a, cairo_surface_t *b,
				  int w, int h)
{
	int x0 = w, y0 = h, x1 = -1, y1 = -1;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			if (px(a, x, y) == px(b, x, y))
				continue;
			x0 = x < x0 ? x : x0;
			y0 = y < y0 ? y : y0;
			x1 = x > x1 ? x : x1;
			y1 = y > y1 ? y : y1;
		}
	if (x1 < 0)
		return (struct render_box){ 0, 0, 0, 0 };
	return (struct render_box){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

static void check_clock(enum render_slide slide, struct render_data *d,
			int w, int h)
{
	const char *name = render_slide_name(slide);
	cairo_surface_t *before, *after;
	struct render_box box, diff;
	cairo_t *cr;

	d->now = T_1100;
	before = frame_at(slide, d, w, h);
	d->now = T_1110;
	after = frame_at(slide, d, w, h);
	diff = diff_box(before, after, w, h);
	CHECK_AT(diff.w > 0, "%s %dx%d: 11:00 and 11:10 look the same",
		 name, w, h);

	cr = cairo_create(before);
	CHECK_INT(render_clock(cr, w, h, slide, d, &box), 0);
	cairo_destroy(cr);
	cairo_surface_flush(before);

	/* The top right corner: the clock, not the header's width. */
	CHECK_AT(box.y == 0 && box.x + box.w == w && box.w < w * 3 / 4 &&
		 box.h > 0 && box.h < h / 4,
		 "%s %dx%d: clock box %d,%d %dx%d", name, w, h, box.x, box.y,
		 box.w, box.h);
	CHECK_AT(diff.x >= box.x && diff.y >= box.y &&
		 diff.x + diff.w <= box.x + box.w &&
		 diff.y + diff.h <= box.y + box.h,
		 "%s %dx%d: the clock changed at %d,%d %dx%d, outside its box "
		 "%d,%d %dx%d", name, w, h, diff.x, diff.y, diff.w, diff.h,
		 box.x, box.y, box.w, box.h);
	diff = diff_box(before, after, w, h);
	CHECK_AT(diff.w == 0, "%s %dx%d: the redrawn clock differs from a "
		 "full frame at %d,%d %dx%d", name, w, h, diff.x, diff.y,
		 diff.w, diff.h);
	cairo_surface_destroy(before);
	cairo_surface_destroy(after);
}

static void check_refusals(struct render_data *d)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							64, 64);
	cairo_t *cr = cairo_create(s);
	struct render_box box;

	d->now = T_1100;
	CHECK_INT(render_clock(NULL, 64, 64, RENDER_GRID, d, &box), -1);
	CHECK_INT(render_clock(cr, 0, 64, RENDER_GRID, d, &box), -1);
	CHECK_INT(render_clock(cr, 64, 64, RENDER_SLIDE_COUNT, d, &box), -1);
	CHECK_INT(render_clock(cr, 64, 64, RENDER_GRID, d, NULL), -1);
	d->now = RENDER_TIME_MAX + 1;
	CHECK_INT(render_clock(cr, 64, 64, RENDER_GRID, d, &box), -1);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

int main(void)
{
	json_t *grid = test_render_json("tepco_1100.json");
	json_t *home = test_render_json("home12_1100.json");
	json_t *air = test_render_json("room1_1100.json");
	struct render_data d = { .grid = grid, .home = home, .air = air };

	check_clock(RENDER_GRID, &d, 1920, 1080);
	check_clock(RENDER_SOLAR, &d, 1920, 1080);
	check_clock(RENDER_AIR, &d, 1080, 1920);
	/* A header whose lower edge ends inside a row of pixels. */
	check_clock(RENDER_GRID, &d, 360, 640);
	check_refusals(&d);
	json_decref(grid);
	json_decref(home);
	json_decref(air);
	return check_finish();
}
