/*
 * test_kiosk_blend.c - the cross-fade's weighted sum, pixel by pixel.
 *
 * Expected values by hand: with weights in 256ths, a channel becomes
 * (from * (256 - f) + to * f) >> 8.
 */
#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "kiosk/kiosk_blend.h"

static cairo_surface_t *filled(cairo_format_t fmt, int w, int h,
			       uint32_t px)
{
	cairo_surface_t *s = cairo_image_surface_create(fmt, w, h);
	unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			((uint32_t *)(data + (size_t)y * (size_t)stride))[x] =
				px;
	cairo_surface_mark_dirty(s);
	return s;
}

static uint32_t px(cairo_surface_t *s, int x, int y)
{
	cairo_surface_flush(s);
	return ((const uint32_t *)(cairo_image_surface_get_data(s) +
		(size_t)y * (size_t)cairo_image_surface_get_stride(s)))[x];
}

static void set_px(cairo_surface_t *s, int x, int y, uint32_t v)
{
	unsigned char *row;

	cairo_surface_flush(s);
	row = cairo_image_surface_get_data(s) +
	      (size_t)y * (size_t)cairo_image_surface_get_stride(s);
	((uint32_t *)row)[x] = v;
	cairo_surface_mark_dirty(s);
}

static void check_rect(const struct display_rect *r, int x, int y, int w,
		       int h)
{
	CHECK_INT(r->x, x);
	CHECK_INT(r->y, y);
	CHECK_INT(r->w, w);
	CHECK_INT(r->h, h);
}

/* 100 x 70 in 32-pixel tiles: 4 columns (the last 4 wide), 3 rows (the
 * last 6 high), so kiosk_blend_diff_max is 3 * 4 = 12. */
static void check_diff(void)
{
	cairo_surface_t *a = filled(CAIRO_FORMAT_ARGB32, 100, 70, 0xff000000);
	cairo_surface_t *b = filled(CAIRO_FORMAT_RGB24, 100, 70, 0xff000000);
	cairo_surface_t *c = filled(CAIRO_FORMAT_ARGB32, 99, 70, 0xff000000);
	struct display_rect r[12];

	CHECK_INT(kiosk_blend_diff_max(70), 12);
	CHECK_INT(kiosk_blend_diff(a, b, r, 12), 0);

	set_px(b, 5, 5, 0xff000001);	/* tile (0, 0) */
	set_px(b, 99, 40, 0xff000100);	/* tile (3, 1), the narrow one */
	set_px(b, 40, 65, 0xff010000);	/* tiles (1, 2) and (3, 2): one */
	set_px(b, 97, 69, 0xfe000000);	/* tile apart, so one run */
	CHECK_INT(kiosk_blend_diff(a, b, r, 12), 3);
	check_rect(&r[0], 0, 0, 32, 32);
	check_rect(&r[1], 96, 32, 4, 32);
	check_rect(&r[2], 32, 64, 68, 6);

	CHECK_INT(kiosk_blend_diff(a, b, r, 11), -1);
	CHECK_INT(kiosk_blend_diff(a, c, r, 12), -1);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(c);
}

/* One row of 20 tiles, differing at columns 0, 3, 6, 9, 12 and 15:
 * four runs at most, so the fourth grows from column 9 to the end of
 * column 15 (x 288 to 512). */
static void check_diff_runs(void)
{
	cairo_surface_t *a = filled(CAIRO_FORMAT_ARGB32, 640, 32, 0xff000000);
	cairo_surface_t *b = filled(CAIRO_FORMAT_ARGB32, 640, 32, 0xff000000);
	struct display_rect r[4];

	for (int col = 0; col <= 15; col += 3)
		set_px(b, col * 32 + 31, 31, 0xffffffff);
	CHECK_INT(kiosk_blend_diff(a, b, r, 4), 4);
	check_rect(&r[0], 0, 0, 32, 32);
	check_rect(&r[1], 96, 0, 32, 32);
	check_rect(&r[2], 192, 0, 32, 32);
	check_rect(&r[3], 288, 0, 224, 32);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
}

/* Scattered changes: every pixel outside the rectangles is the same in
 * both frames, and every changed pixel is inside one. */
static void check_diff_covers(void)
{
	int w = 333, h = 201;
	cairo_surface_t *a = filled(CAIRO_FORMAT_ARGB32, w, h, 0xff204060);
	cairo_surface_t *b = filled(CAIRO_FORMAT_ARGB32, w, h, 0xff204060);
	struct display_rect r[7 * KIOSK_DIFF_RUNS];
	uint32_t seed = 12345;
	int n, outside = 0, changed = 0, missed = 0;

	for (int i = 0; i < 40; i++) {
		seed = seed * 1103515245u + 12345u;
		set_px(b, (int)((seed >> 8) % (uint32_t)w),
		       (int)((seed >> 20) % (uint32_t)h), 0xffffffff);
	}
	n = kiosk_blend_diff(a, b, r, 7 * KIOSK_DIFF_RUNS);
	CHECK(n > 0);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			bool in = false, differs = px(a, x, y) != px(b, x, y);

			for (int i = 0; i < n && !in; i++)
				in = x >= r[i].x && x < r[i].x + r[i].w &&
				     y >= r[i].y && y < r[i].y + r[i].h;
			changed += differs;
			missed += differs && !in;
			outside += !in;
		}
	CHECK(changed > 30);
	CHECK_INT(missed, 0);
	CHECK(outside > 0);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
}

/* A row of 11 pixels (two groups of four and a tail of three) with
 * every channel different, against the sum channel by channel. */
static void check_wide(void)
{
	cairo_surface_t *a = filled(CAIRO_FORMAT_ARGB32, 11, 1, 0);
	cairo_surface_t *b = filled(CAIRO_FORMAT_ARGB32, 11, 1, 0);
	cairo_surface_t *d = filled(CAIRO_FORMAT_RGB24, 11, 1, 0);
	const double ts[] = { 0, 0.3, 0.5, 0.77, 1 };

	for (int x = 0; x < 11; x++) {
		set_px(a, x, 0, 0xff000000u | (uint32_t)(x * 23) << 16 |
					(uint32_t)(255 - x * 7) << 8 |
					(uint32_t)(x * 19));
		set_px(b, x, 0, 0xff000000u | (uint32_t)(250 - x * 11) << 16 |
					(uint32_t)(x * 17) << 8 |
					(uint32_t)(200 + x * 5));
	}
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		uint32_t f = (uint32_t)(ts[i] * 256 + 0.5), g = 256 - f;

		CHECK_INT(kiosk_blend(d, a, b, ts[i]), 0);
		for (int x = 0; x < 11; x++) {
			uint32_t want = 0, p = px(a, x, 0), q = px(b, x, 0);

			for (int sh = 0; sh < 32; sh += 8)
				want |= ((p >> sh & 0xff) * g +
					 (q >> sh & 0xff) * f) >> 8 << sh;
			CHECK_INT(px(d, x, 0), want);
		}
	}
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(d);
}

int main(void)
{
	/* 3 x 2, so that rows are padded (stride 12 or 16) and every
	 * pixel of every row is visited. */
	cairo_surface_t *a = filled(CAIRO_FORMAT_ARGB32, 3, 2, 0xff102030);
	cairo_surface_t *b = filled(CAIRO_FORMAT_ARGB32, 3, 2, 0xfff0e0d0);
	cairo_surface_t *d = filled(CAIRO_FORMAT_RGB24, 3, 2, 0);
	cairo_surface_t *small = filled(CAIRO_FORMAT_ARGB32, 2, 2, 0);
	cairo_surface_t *a8 = cairo_image_surface_create(CAIRO_FORMAT_A8, 3,
							 2);

	/* t 0.5: f 128, so each channel is (x + y) / 2:
	 * ff,ff -> ff; 10,f0 -> 80; 20,e0 -> 80; 30,d0 -> 80. */
	CHECK_INT(kiosk_blend(d, a, b, 0.5), 0);
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 3; x++)
			CHECK_INT(px(d, x, y), 0xff808080);

	/* t 0.25: f 64, g 192: 10 -> (0x10*192 + 0xf0*64) >> 8 = 0x48,
	 * 20 -> (0x20*192 + 0xe0*64) >> 8 = 0x50,
	 * 30 -> (0x30*192 + 0xd0*64) >> 8 = 0x58. */
	CHECK_INT(kiosk_blend(d, a, b, 0.25), 0);
	CHECK_INT(px(d, 2, 1), 0xff485058);

	/* The ends are the pictures themselves, exactly. */
	CHECK_INT(kiosk_blend(d, a, b, 0), 0);
	CHECK_INT(px(d, 1, 1), 0xff102030);
	CHECK_INT(kiosk_blend(d, a, b, 1), 0);
	CHECK_INT(px(d, 0, 0), 0xfff0e0d0);
	CHECK_INT(kiosk_blend(d, a, b, 7), 0);
	CHECK_INT(px(d, 0, 1), 0xfff0e0d0);
	CHECK_INT(kiosk_blend(d, a, b, -1), 0);
	CHECK_INT(px(d, 2, 0), 0xff102030);

	/* In place over the old picture, as over the screen's own. */
	CHECK_INT(kiosk_blend(a, a, b, 0.5), 0);
	CHECK_INT(px(a, 2, 1), 0xff808080);

	/* Another size or format: refused, nothing written. */
	CHECK_INT(kiosk_blend(small, a, b, 0.5), -1);
	CHECK_INT(px(small, 1, 1), 0);
	CHECK_INT(kiosk_blend(d, a8, b, 0.5), -1);
	CHECK_INT(px(d, 2, 0), 0xff102030);

	/* Within rectangles only: column 1 of d (clipped at the bottom)
	 * becomes the mix, columns 0 and 2 stay as they were. */
	{
		struct display_rect col = { 1, 0, 1, 5 };
		cairo_surface_t *lo = filled(CAIRO_FORMAT_ARGB32, 3, 2,
					     0xff102030);

		/* d all 102030, a all f0e0d0 again. */
		CHECK_INT(kiosk_blend(d, lo, b, 0), 0);
		CHECK_INT(kiosk_blend(a, lo, b, 1), 0);
		CHECK_INT(kiosk_blend_rects(d, lo, a, 0.5, &col, 1), 0);
		CHECK_INT(px(d, 1, 0), 0xff808080);
		CHECK_INT(px(d, 1, 1), 0xff808080);
		CHECK_INT(px(d, 0, 1), 0xff102030);
		CHECK_INT(px(d, 2, 0), 0xff102030);
		CHECK_INT(kiosk_blend_rects(small, lo, a, 0.5, &col, 1), -1);
		cairo_surface_destroy(lo);
	}

	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(d);
	cairo_surface_destroy(small);
	cairo_surface_destroy(a8);
	check_wide();
	check_diff();
	check_diff_runs();
	check_diff_covers();
	return check_finish();
}
