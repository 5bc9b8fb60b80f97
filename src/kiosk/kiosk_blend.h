/*
 * kiosk_blend.h - the cross-fade between two slides, in one pass.
 */
#ifndef AKARI_KIOSK_BLEND_H
#define AKARI_KIOSK_BLEND_H

#include <cairo.h>

/* Writes from * (1 - t) + to * t into dst, channel by channel, for t in
 * 0..1 (clamped; 1 gives to exactly).  The three are 32-bit image
 * surfaces (ARGB32 or RGB24) of one size, all borrowed; dst may be
 * either of the others.  Returns 0, or -1 when they do not fit and
 * nothing was written. */
int kiosk_blend(cairo_surface_t *dst, cairo_surface_t *from,
		cairo_surface_t *to, double t);

#endif
