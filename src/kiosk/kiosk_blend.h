/*
 * kiosk_blend.h - the cross-fade between two slides, in one pass.
 */
#ifndef AKARI_KIOSK_BLEND_H
#define AKARI_KIOSK_BLEND_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

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

/* True when kiosk_blend() at t writes from exactly: t rounds to a
 * weight of 0 (in 256ths) for to. */
bool kiosk_blend_is_from(double t);

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

/* Where two frames differ, pixel by pixel: row y's runs of pixels are
 * run[row[y]] to run[row[y + 1] - 1], each from x for n pixels, in
 * blocks of KIOSK_SPAN_BLOCK pixels (a run ends at the frame's edge).
 * Runs closer than KIOSK_SPAN_GAP pixels are one.  h 0: none known.
 * Owned by the caller: kiosk_spans_init() before the first use,
 * kiosk_spans_free() at the end. */
#define KIOSK_SPAN_BLOCK 4
#define KIOSK_SPAN_GAP 16

struct kiosk_span {
	uint16_t x, n;
};

struct kiosk_spans {
	int w, h;
	uint32_t *row;		/* h + 1 offsets into run */
	struct kiosk_span *run;
	size_t nrun, cap, row_cap;
};

void kiosk_spans_init(struct kiosk_spans *s);
void kiosk_spans_free(struct kiosk_spans *s);	/* back to init's state */

/* kiosk_blend_diff(), and where a and b differ pixel by pixel in *s
 * (NULL: not wanted).  When s cannot be made (out of memory) s->h is 0
 * and the rectangles are still given. */
int kiosk_blend_diff_spans(cairo_surface_t *a, cairo_surface_t *b,
			   struct display_rect *r, int max,
			   struct kiosk_spans *s);

/* kiosk_blend() on the pixels of the runs of s only, which must be of
 * dst's size; the rest of dst is left as it is.  Returns 0, or -1 when
 * the surfaces or s do not fit and nothing was written. */
int kiosk_blend_spans(cairo_surface_t *dst, cairo_surface_t *from,
		      cairo_surface_t *to, double t,
		      const struct kiosk_spans *s);

/* The number of pixels in the runs of s. */
size_t kiosk_spans_pixels(const struct kiosk_spans *s);

/* The pixels of src in the runs of s, one run after the other (rows top
 * to bottom, runs left to right), in a new array of
 * kiosk_spans_pixels() words that the caller frees: a picture kept
 * only where two frames differ, a quarter of a frame or so where a
 * whole one is 8 MiB at 1080p.  src is borrowed, a 32-bit image
 * surface of s's size.  NULL when it is not, when s knows no runs (h 0)
 * or out of memory. */
uint32_t *kiosk_spans_pack(const struct kiosk_spans *s,
			   cairo_surface_t *src);

/* kiosk_blend_spans() with from given by its pixels in the runs of s,
 * as kiosk_spans_pack() keeps them (borrowed).  Returns 0, or -1 when
 * the surfaces or s do not fit and nothing was written. */
int kiosk_blend_spans_packed(cairo_surface_t *dst, const uint32_t *from,
			     cairo_surface_t *to, double t,
			     const struct kiosk_spans *s);

/* kiosk_blend() within the n rectangles r[] only (clipped to the frame);
 * the rest of dst is left as it is.  Returns 0, or -1 as kiosk_blend()
 * does. */
int kiosk_blend_rects(cairo_surface_t *dst, cairo_surface_t *from,
		      cairo_surface_t *to, double t,
		      const struct display_rect *r, int n);

#endif
