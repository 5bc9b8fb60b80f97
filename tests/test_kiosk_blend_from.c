/*
 * test_kiosk_blend_from.c - the fade's frame that would change nothing
 * (kiosk_blend_is_from()).
 *
 * Expected values by hand: the fade's weights are in 256ths, rounded, so
 * t gives from exactly when t * 256 rounds to 0, that is for t below
 * 1/512 = 0.001953125 (and for t at or below 0, or not a number).
 */
#include <cairo.h>
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "kiosk/kiosk_blend.h"

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
	cairo_surface_t *a, *b, *d;
	uint32_t *pa, *pb, *pd;
	int stride;

	a = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 8, 2);
	b = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 8, 2);
	d = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 8, 2);
	pa = (uint32_t *)cairo_image_surface_get_data(a);
	pb = (uint32_t *)cairo_image_surface_get_data(b);
	pd = (uint32_t *)cairo_image_surface_get_data(d);
	stride = cairo_image_surface_get_stride(a) / 4;
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
	test_is_from();
	test_is_from_blends();
	return check_finish();
}
