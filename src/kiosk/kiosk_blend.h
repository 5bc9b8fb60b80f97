/*
 * kiosk_blend.h - the cross-fade between two slides, in one pass.
 */
#ifndef AKARI_KIOSK_BLEND_H
#define AKARI_KIOSK_BLEND_H

#include <cairo.h>

#include "display/display.h"

/* kiosk_blend_diff() compares frames in square tiles of this many
 * pixels, and gives at most KIOSK_DIFF_RUNS rectangles per row of
 * tiles. */
#define KIOSK_DIFF_TILE 32
#define KIOSK_DIFF_RUNS 4

/* Writes from * (1 - t) + to * t into dst, channel by channel, for t in
 * 0..1 (clamped; 1 gives to exactly).  The three are 32-bit image
 * surfaces (ARGB32 or RGB24) of one size, all borrowed; dst may be
 * either of the others.  Returns 0, or -1 when they do not fit and
 * nothing was written. */
int kiosk_blend(cairo_surface_t *dst, cairo_surface_t *from,
		cairo_surface_t *to, double t);

/* The room kiosk_blend_diff() needs for frames h pixels high. */
int kiosk_blend_diff_max(int h);

/* Where frames a and b differ, as rectangles written to r[0..max): every
 * tile that differs is inside one, every pixel outside them is the same
 * in both.  A row of tiles gives its runs of differing tiles, close runs
 * merged (a gap of one tile) and the rest merged into its last when
 * there are more than KIOSK_DIFF_RUNS.  Both are borrowed.  Returns the
 * number of rectangles (0: the frames are the same), or -1 when a and b
 * are not 32-bit image surfaces of one size or max is less than
 * kiosk_blend_diff_max() of their height. */
int kiosk_blend_diff(cairo_surface_t *a, cairo_surface_t *b,
		     struct display_rect *r, int max);

/* kiosk_blend() within the n rectangles r[] only (clipped to the frame);
 * the rest of dst is left as it is.  Returns 0, or -1 as kiosk_blend()
 * does. */
int kiosk_blend_rects(cairo_surface_t *dst, cairo_surface_t *from,
		      cairo_surface_t *to, double t,
		      const struct display_rect *r, int n);

#endif
