/*
 * test_kiosk_blend.c - the cross-fade's weighted sum, pixel by pixel.
 *
 * Expected values by hand: with weights in 256ths, a channel becomes
 * (from * (256 - f) + to * f) >> 8.
 */
#include <cairo.h>
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

	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(d);
	cairo_surface_destroy(small);
	cairo_surface_destroy(a8);
	return check_finish();
}
