/*
 * kiosk_blend.c - the cross-fade between two slides, in one pass.
 *
 * Cairo blends in two passes over the frame (a copy of the old slide,
 * then the new one over it at the fade's opacity); at 30 frames a
 * second through every fade those passes were most of the kiosk's CPU
 * time.  A fade of two opaque pictures is a weighted sum, one read of
 * each and one write, with two channels of a pixel per multiply.
 */
#include "kiosk/kiosk_blend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static bool is_32bit(cairo_surface_t *s)
{
	cairo_format_t f;

	if (cairo_surface_get_type(s) != CAIRO_SURFACE_TYPE_IMAGE)
		return false;
	f = cairo_image_surface_get_format(s);
	return f == CAIRO_FORMAT_ARGB32 || f == CAIRO_FORMAT_RGB24;
}

int kiosk_blend(cairo_surface_t *dst, cairo_surface_t *from,
		cairo_surface_t *to, double t)
{
	int w = cairo_image_surface_get_width(dst);
	int h = cairo_image_surface_get_height(dst);
	int sd, sa, sb;
	unsigned char *pd;
	const unsigned char *pa, *pb;
	uint32_t f, g;

	if (!is_32bit(dst) || !is_32bit(from) || !is_32bit(to) ||
	    cairo_image_surface_get_width(from) != w ||
	    cairo_image_surface_get_width(to) != w ||
	    cairo_image_surface_get_height(from) != h ||
	    cairo_image_surface_get_height(to) != h)
		return -1;
	/* The weights in 256ths: 256 - f and f add up to 256 exactly. */
	f = !(t > 0) ? 0 : t >= 1 ? 256 : (uint32_t)(t * 256 + 0.5);
	g = 256 - f;

	cairo_surface_flush(from);
	cairo_surface_flush(to);
	cairo_surface_flush(dst);
	pd = cairo_image_surface_get_data(dst);
	pa = cairo_image_surface_get_data(from);
	pb = cairo_image_surface_get_data(to);
	sd = cairo_image_surface_get_stride(dst);
	sa = cairo_image_surface_get_stride(from);
	sb = cairo_image_surface_get_stride(to);
	for (int y = 0; y < h; y++) {
		uint32_t *d = (uint32_t *)(pd + (size_t)y * (size_t)sd);
		const uint32_t *a = (const uint32_t *)(pa +
						       (size_t)y * (size_t)sa);
		const uint32_t *b = (const uint32_t *)(pb +
						       (size_t)y * (size_t)sb);

		/* 0xff * 256 fits the 16 bits between two channels, so
		 * red and blue (alpha and green) share a multiply. */
		for (int x = 0; x < w; x++) {
			uint32_t p = a[x], q = b[x];
			uint32_t rb = (p & 0xff00ff) * g + (q & 0xff00ff) * f;
			uint32_t ag = ((p >> 8) & 0xff00ff) * g +
				      ((q >> 8) & 0xff00ff) * f;

			d[x] = ((rb >> 8) & 0xff00ff) | (ag & 0xff00ff00);
		}
	}
	cairo_surface_mark_dirty(dst);
	return 0;
}
