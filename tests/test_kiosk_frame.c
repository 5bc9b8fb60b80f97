/*
 * test_kiosk_frame.c - the kiosk's full-size frames (kiosk_frame.c) and
 * the fade's frame that would change nothing (kiosk_blend_is_from()).
 *
 * Expected values by hand: a frame is an ARGB32 image of the size asked
 * for with Cairo's own stride for that width, black and transparent
 * (all bytes 0) before it is drawn on, and what Cairo paints into it
 * reads back; a size Cairo refuses gives a surface in an error state,
 * as cairo_image_surface_create() does.  The fade's weights are in
 * 256ths, rounded: t gives from exactly when t * 256 rounds to 0, that
 * is for t below 1/512 = 0.001953125 (and for t at or below 0, or not
 * a number).
 */
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "kiosk/kiosk_blend.h"
#include "kiosk/kiosk_frame.h"

static void test_frame(int w, int h)
{
	cairo_surface_t *s = kiosk_frame_new(w, h);
	const unsigned char *px;
	cairo_t *cr;
	int stride;
	size_t zero = 0;

	CHECK_INT(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	CHECK_INT(cairo_surface_get_type(s), CAIRO_SURFACE_TYPE_IMAGE);
	CHECK_INT(cairo_image_surface_get_format(s), CAIRO_FORMAT_ARGB32);
	CHECK_INT(cairo_image_surface_get_width(s), w);
	CHECK_INT(cairo_image_surface_get_height(s), h);
	stride = cairo_image_surface_get_stride(s);
	CHECK_INT(stride, cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32,
							w));
	px = cairo_image_surface_get_data(s);
	CHECK(px != NULL);
	if (!px || cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return;
	}
	for (size_t i = 0; i < (size_t)stride * (size_t)h; i++)
		zero += px[i] == 0;
	CHECK_INT(zero, (size_t)stride * (size_t)h);

	/* Opaque red (0xffff0000 in ARGB32) over the last row's last
	 * pixel, the one a frame too short would not hold. */
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 0, 0);
	cairo_rectangle(cr, w - 1, h - 1, 1, 1);
	cairo_fill(cr);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	{
		uint32_t last, first;

		memcpy(&last, px + (size_t)(h - 1) * (size_t)stride +
				      (size_t)(w - 1) * 4, 4);
		memcpy(&first, px, 4);
		CHECK_INT(last, 0xffff0000u);
		CHECK_INT(first, w * h > 1 ? 0u : 0xffff0000u);
	}
	cairo_surface_destroy(s);
}

static void test_frame_refused(void)
{
	/* Wider than Cairo's 32767 pixels: Cairo's own error. */
	cairo_surface_t *s = kiosk_frame_new(40000, 10);

	CHECK(cairo_surface_status(s) != CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
}

static void test_is_from(void)
{
	CHECK(kiosk_blend_is_from(0));
	CHECK(kiosk_blend_is_from(-0.5));
	CHECK(kiosk_blend_is_from(NAN));
	CHECK(kiosk_blend_is_from(0.0019));	/* 0.4864 / 256 */
	CHECK(!kiosk_blend_is_from(0.002));	/* 0.512 / 256: 1 */
	CHECK(!kiosk_blend_is_from(0.5));
	CHECK(!kiosk_blend_is_from(1));
}

/* Where kiosk_blend_is_from() says so, the blend is from, byte for
 * byte, and just above it is not: white to black at t = 0.0019 stays
 * white, at t = 0.002 (a weight of 1 / 256) is 255 * 255 / 256 = 254.004
 * in each colour, rounded down to 254 (0xfe); alpha, 0xff in both,
 * stays 0xff. */
static void test_is_from_blends(void)
{
	cairo_surface_t *a = kiosk_frame_new(8, 2), *b = kiosk_frame_new(8, 2);
	cairo_surface_t *d = kiosk_frame_new(8, 2);
	uint32_t *pa = (uint32_t *)cairo_image_surface_get_data(a);
	uint32_t *pb = (uint32_t *)cairo_image_surface_get_data(b);
	uint32_t *pd = (uint32_t *)cairo_image_surface_get_data(d);
	int stride = cairo_image_surface_get_stride(a) / 4;

	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 8; x++) {
			pa[y * stride + x] = 0xffffffffu;
			pb[y * stride + x] = 0xff000000u;
		}
	cairo_surface_mark_dirty(a);
	cairo_surface_mark_dirty(b);
	CHECK_INT(kiosk_blend(d, a, b, 0.0019), 0);
	CHECK_INT(pd[0], 0xffffffffu);
	CHECK_INT(pd[stride + 7], 0xffffffffu);
	CHECK_INT(kiosk_blend(d, a, b, 0.002), 0);
	CHECK_INT(pd[0], 0xfffefefeu);
	CHECK_INT(pd[stride + 7], 0xfffefefeu);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(d);
}

int main(void)
{
	test_frame(1920, 1080);
	test_frame(641, 3);
	test_frame(1, 1);
	test_frame_refused();
	test_is_from();
	test_is_from_blends();
	return check_finish();
}
