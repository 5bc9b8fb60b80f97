/*
 * test_kiosk_blend_edges.c - the cross-fade (kiosk_blend.c) on frames of
 * awkward shapes: widths that are not a multiple of the four pixels the
 * SSE2 loop takes or of the 32-pixel tiles, one pixel wide, rows with
 * padding after them, rectangles partly off the frame, and the weights
 * at and near their ends.
 *
 * Expected values are computed here from the channels, independently of
 * the code's fixed point: a channel of the fade at t is within one level
 * of the exact a * (1 - t) + b * t rounded, between a and b, exactly a
 * at t = 0 and exactly b at t = 1, and equal to a wherever a and b are
 * equal.  Bytes outside the rectangles blended (row padding, guard
 * words after the frame) must keep what they held.
 */
#include <cairo.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kiosk/kiosk_blend.h"

#define GUARD 0x5a
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD_BYTES 64

/* A w x h ARGB32 frame over its own buffer, rows stride_extra bytes
 * longer than they need, the padding and GUARD_BYTES after the last
 * row set to GUARD. */
struct frame {
	cairo_surface_t *s;
	unsigned char *buf;
	int w, h, stride;
	size_t len;
};

static uint32_t seed = 12345;

static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 1 ^ seed << 17;
}

static void frame_new(struct frame *f, int w, int h, int stride_extra)
{
	f->w = w;
	f->h = h;
	f->stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w) +
		    stride_extra;
	f->len = (size_t)f->stride * (size_t)h + GUARD_BYTES;
	f->buf = malloc(f->len);
	CHECK(f->buf != NULL);
	memset(f->buf, GUARD, f->len);
	f->s = cairo_image_surface_create_for_data(f->buf, CAIRO_FORMAT_ARGB32,
						   w, h, f->stride);
	CHECK_INT(cairo_surface_status(f->s), CAIRO_STATUS_SUCCESS);
}

static void frame_free(struct frame *f)
{
	cairo_surface_destroy(f->s);
	free(f->buf);
}

static uint32_t *pix(struct frame *f, int x, int y)
{
	return (uint32_t *)(f->buf + (size_t)y * (size_t)f->stride) + x;
}

/* Random premultiplied pixels: each channel at most the alpha. */
static void fill_random(struct frame *f)
{
	for (int y = 0; y < f->h; y++) {
		for (int x = 0; x < f->w; x++) {
			uint32_t a = rnd() % 256, v = a << 24;

			for (int k = 0; k < 24; k += 8)
				v |= (rnd() % (a + 1)) << k;
			*pix(f, x, y) = v;
		}
	}
	cairo_surface_mark_dirty(f->s);
}

/* Whether every byte of f outside its pixels still holds GUARD. */
static bool guards_kept(const struct frame *f)
{
	for (int y = 0; y < f->h; y++) {
		const unsigned char *row = f->buf + (size_t)y * (size_t)f->stride;

		for (int i = f->w * 4; i < f->stride; i++)
			if (row[i] != GUARD)
				return false;
	}
	for (size_t i = (size_t)f->stride * (size_t)f->h; i < f->len; i++)
		if (f->buf[i] != GUARD)
			return false;
	return true;
}

/* Channel k of the fade from p to q at t is what it must be. */
static bool channel_ok(uint32_t p, uint32_t q, uint32_t got, double t,
		       int k)
{
	int a = (int)(p >> k & 0xff), b = (int)(q >> k & 0xff);
	int g = (int)(got >> k & 0xff);
	double exact = a * (1 - t) + b * t;

	if (t <= 0 || a == b)
		return g == a;
	if (t >= 1)
		return g == b;
	/* Within a level of the exact sum rounded: the weights are
	 * 256ths and the sum is cut, not rounded, which may put a channel
	 * up to a level and a half under the exact one (0.1 of 0 over 69
	 * is 62.1; 230 / 256 of 69 is 61.99, cut to 61). */
	return abs(g - (int)floor(exact + 0.5)) <= 1 &&
	       g >= (a < b ? a : b) && g <= (a > b ? a : b);
}

/* Blends two random w x h frames (rows padded by pad bytes) into a
 * third at t and checks every channel and every guard byte. */
static void check_shape(int w, int h, int pad, double t)
{
	struct frame a, b, d;
	int bad = 0;

	frame_new(&a, w, h, pad);
	frame_new(&b, w, h, pad);
	frame_new(&d, w, h, pad);
	fill_random(&a);
	fill_random(&b);
	CHECK_INT(kiosk_blend(d.s, a.s, b.s, t), 0);
	cairo_surface_flush(d.s);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int k = 0; k < 32; k += 8)
				if (!channel_ok(*pix(&a, x, y), *pix(&b, x, y),
						*pix(&d, x, y), t, k) &&
				    bad++ == 0)
					CHECK_AT(false, "%dx%d pad %d t %g: "
						 "(%d, %d) %08x %08x -> %08x",
						 w, h, pad, t, x, y,
						 *pix(&a, x, y),
						 *pix(&b, x, y),
						 *pix(&d, x, y));
	CHECK_AT(guards_kept(&d), "%dx%d pad %d: written past the pixels",
		 w, h, pad);
	CHECK(guards_kept(&a) && guards_kept(&b));
	frame_free(&a);
	frame_free(&b);
	frame_free(&d);
}

static void test_shapes(void)
{
	static const double ts[] = { 0, 1e-9, 0.001, 0.25, 0.5, 0.999,
				     0.9999, 1, -1, 2 };

	for (int w = 1; w <= 37; w++)
		for (int pad = 0; pad <= 12; pad += 4)
			for (size_t i = 0; i < N_OF(ts); i++)
				check_shape(w, 3, pad, ts[i]);
	check_shape(1, 1, 0, 0.5);
	check_shape(1921, 2, 4, 0.37);
	check_shape(3840, 1, 0, 0.63);
}

/* Every pair of channel values at a few weights: the whole table of
 * the fixed point against the exact sum. */
static void test_all_channels(void)
{
	static const double ts[] = { 0.1, 0.3, 1.0 / 3, 0.5, 0.77, 0.996 };
	struct frame a, b, d;
	int bad = 0;

	frame_new(&a, 256, 256, 0);
	frame_new(&b, 256, 256, 0);
	frame_new(&d, 256, 256, 0);
	for (int y = 0; y < 256; y++)
		for (int x = 0; x < 256; x++) {
			/* grey, so that any channel may take any value
			 * and stay premultiplied */
			*pix(&a, x, y) = 0x01010101u * (uint32_t)x;
			*pix(&b, x, y) = 0x01010101u * (uint32_t)y;
		}
	cairo_surface_mark_dirty(a.s);
	cairo_surface_mark_dirty(b.s);
	for (size_t i = 0; i < N_OF(ts); i++) {
		CHECK_INT(kiosk_blend(d.s, a.s, b.s, ts[i]), 0);
		cairo_surface_flush(d.s);
		for (int y = 0; y < 256; y++)
			for (int x = 0; x < 256; x++)
				if (!channel_ok(*pix(&a, x, y), *pix(&b, x, y),
						*pix(&d, x, y), ts[i], 0) &&
				    bad++ == 0)
					CHECK_AT(false, "t %g: %d and %d "
						 "give %u", ts[i], x, y,
						 *pix(&d, x, y) & 0xff);
	}
	frame_free(&a);
	frame_free(&b);
	frame_free(&d);
}

/* Rectangles partly or wholly off the frame, empty or negative ones:
 * only the pixels inside both the frame and a rectangle change. */
static void test_rects_clipped(void)
{
	static const struct display_rect r[] = {
		{ -5, -5, 8, 8 },	/* top left corner: (0..2, 0..2) */
		{ 30, 17, 100, 100 },	/* bottom right: x 30..32, y 17..19 */
		{ 10, 10, 0, 5 },	/* empty */
		{ 12, 12, -4, 3 },	/* negative */
		{ 40, 0, 5, 5 },	/* off the right edge */
		{ 0, -9, 5, 4 },	/* above the top */
	};
	struct frame a, b, d;
	int w = 33, h = 20;

	frame_new(&a, w, h, 8);
	frame_new(&b, w, h, 8);
	frame_new(&d, w, h, 8);
	fill_random(&a);
	fill_random(&b);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			*pix(&d, x, y) = 0x12345678;
	cairo_surface_mark_dirty(d.s);
	CHECK_INT(kiosk_blend_rects(d.s, a.s, b.s, 1, r, (int)N_OF(r)), 0);
	cairo_surface_flush(d.s);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			bool in = (x < 3 && y < 3) || (x >= 30 && y >= 17);
			uint32_t want = in ? *pix(&b, x, y) : 0x12345678;

			CHECK_AT(*pix(&d, x, y) == want, "(%d, %d): %08x, "
				 "want %08x", x, y, *pix(&d, x, y), want);
		}
	}
	CHECK(guards_kept(&d));
	frame_free(&a);
	frame_free(&b);
	frame_free(&d);
}

/* dst the same surface as from or as to. */
static void test_in_place(void)
{
	struct frame a, b, keep;
	int w = 13, h = 5;

	frame_new(&a, w, h, 4);
	frame_new(&b, w, h, 4);
	frame_new(&keep, w, h, 4);
	fill_random(&a);
	fill_random(&b);
	memcpy(keep.buf, a.buf, a.len);
	CHECK_INT(kiosk_blend(a.s, a.s, b.s, 0.5), 0);
	cairo_surface_flush(a.s);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int k = 0; k < 32; k += 8)
				CHECK(channel_ok(*pix(&keep, x, y),
						 *pix(&b, x, y),
						 *pix(&a, x, y), 0.5, k));
	CHECK(guards_kept(&a));
	frame_free(&a);
	frame_free(&b);
	frame_free(&keep);
}

/* Every differing pixel is inside one of the rectangles, whatever the
 * width, the row padding (which differs between the two and is not a
 * pixel) and where the difference lies. */
static void test_diff_shapes(void)
{
	static const int ws[] = { 1, 2, 3, 31, 32, 33, 63, 65, 97 };
	static const int hs[] = { 1, 31, 33 };

	for (size_t i = 0; i < N_OF(ws); i++) {
		for (size_t j = 0; j < N_OF(hs); j++) {
			int w = ws[i], h = hs[j];
			int max = kiosk_blend_diff_max(h);
			struct display_rect *r = calloc((size_t)max,
							sizeof *r);
			struct frame a, b;
			int n;

			frame_new(&a, w, h, 8);
			frame_new(&b, w, h, 8);
			memset(b.buf, 0x33, b.len);	/* padding differs */
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					*pix(&a, x, y) = *pix(&b, x, y) =
						0xff102030;
			cairo_surface_mark_dirty(a.s);
			cairo_surface_mark_dirty(b.s);
			CHECK_INT(kiosk_blend_diff(a.s, b.s, r, max), 0);

			/* the last pixel of the last row, and the first */
			*pix(&b, w - 1, h - 1) = 0xff102031;
			*pix(&b, 0, 0) = 0xff112030;
			cairo_surface_mark_dirty(b.s);
			n = kiosk_blend_diff(a.s, b.s, r, max);
			CHECK_AT(n >= 1 && n <= max, "%dx%d: %d rectangles",
				 w, h, n);
			for (int k = 0; k < 2; k++) {
				int x = k ? w - 1 : 0, y = k ? h - 1 : 0;
				bool in = false;

				for (int m = 0; m < n; m++)
					in |= x >= r[m].x && y >= r[m].y &&
					      x < r[m].x + r[m].w &&
					      y < r[m].y + r[m].h;
				CHECK_AT(in, "%dx%d: (%d, %d) differs and is "
					 "in no rectangle", w, h, x, y);
			}
			for (int m = 0; m < n; m++)
				CHECK_AT(r[m].x >= 0 && r[m].y >= 0 &&
					 r[m].x + r[m].w <= w &&
					 r[m].y + r[m].h <= h,
					 "%dx%d: rectangle %d off the frame",
					 w, h, m);
			frame_free(&a);
			frame_free(&b);
			free(r);
		}
	}
}

/* Too little room, another size, a frame too wide for the tile table:
 * refused, nothing written. */
static void test_diff_refused(void)
{
	struct display_rect r[8];
	struct frame a, b;

	frame_new(&a, 40, 40, 0);
	frame_new(&b, 41, 40, 0);
	CHECK_INT(kiosk_blend_diff(a.s, a.s, r, 1), -1);
	CHECK_INT(kiosk_blend_diff(a.s, b.s, r, 8), -1);
	CHECK_INT(kiosk_blend(a.s, a.s, b.s, 0.5), -1);
	frame_free(&a);
	frame_free(&b);

	/* 16,417 pixels: 514 tiles of 32 */
	frame_new(&a, 16417, 1, 0);
	CHECK_INT(kiosk_blend_diff(a.s, a.s, r, 8), -1);
	frame_free(&a);
}

int main(void)
{
	test_shapes();
	test_all_channels();
	test_rects_clipped();
	test_in_place();
	test_diff_shapes();
	test_diff_refused();
	return check_finish();
}
