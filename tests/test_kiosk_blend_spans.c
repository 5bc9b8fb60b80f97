/*
 * test_kiosk_blend_spans.c - where two frames differ pixel by pixel, and
 * the cross-fade on those runs of pixels only.
 *
 * Runs are found in blocks of 4 pixels, and runs with fewer than 16 same
 * pixels between them are one; the runs below are worked out by hand
 * from the pixels changed.  The blend is checked against the weighted
 * sum computed here, channel by channel: (from * (256 - f) + to * f)
 * >> 8 with f = t * 256 rounded, on every pixel of a run, and the pixels
 * outside every run must keep what dst held before.
 */
#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "kiosk/kiosk_blend.h"

static uint32_t *row(cairo_surface_t *s, int y)
{
	return (uint32_t *)(cairo_image_surface_get_data(s) +
			    (size_t)y *
				    (size_t)cairo_image_surface_get_stride(s));
}

static cairo_surface_t *filled(int w, int h, uint32_t px)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			row(s, y)[x] = px;
	cairo_surface_mark_dirty(s);
	return s;
}

static void check_run(const struct kiosk_spans *s, int y, int i, int x,
		      int n)
{
	uint32_t at = s->row[y] + (uint32_t)i;

	CHECK_AT(at < s->row[y + 1], "row %d has no run %d", y, i);
	if (at >= s->row[y + 1])
		return;
	CHECK_AT(s->run[at].x == x && s->run[at].n == n,
		 "row %d run %d: %d+%d, want %d+%d", y, i, s->run[at].x,
		 s->run[at].n, x, n);
}

static int runs_in(const struct kiosk_spans *s, int y)
{
	return (int)(s->row[y + 1] - s->row[y]);
}

/* 101 x 40: the last block of a row is one pixel wide. */
static void check_runs(void)
{
	cairo_surface_t *a = filled(101, 40, 0xff102030);
	cairo_surface_t *b = filled(101, 40, 0xff102030);
	struct display_rect r[64];
	struct kiosk_spans s;
	int n;

	kiosk_spans_init(&s);
	/* Row 3: pixels 5 and 13 (blocks 4 and 12, 4 apart: one run from
	 * 4 to 16), 50 (block 48, 32 past the run's end: a second). */
	row(b, 3)[5] = 0xff000000;
	row(b, 3)[13] = 0xff000001;
	row(b, 3)[50] = 0xffffffff;
	/* Row 7: pixel 100, the one-pixel block at the right edge. */
	row(b, 7)[100] = 0x00000000;
	/* Row 35 (the second row of tiles): 0 and 19 (blocks 0 and 16: a
	 * gap of 12, one run 0 to 20), and 40 (block 40, 20 past: two). */
	row(b, 35)[0] = 0xff000000;
	row(b, 35)[19] = 0xff000000;
	row(b, 35)[40] = 0xff000000;
	cairo_surface_mark_dirty(b);

	n = kiosk_blend_diff_spans(a, b, r, 64, &s);
	CHECK_INT(s.w, 101);
	CHECK_INT(s.h, 40);
	CHECK_INT(runs_in(&s, 3), 2);
	check_run(&s, 3, 0, 4, 12);
	check_run(&s, 3, 1, 48, 4);
	CHECK_INT(runs_in(&s, 7), 1);
	check_run(&s, 7, 0, 100, 1);
	CHECK_INT(runs_in(&s, 35), 2);
	check_run(&s, 35, 0, 0, 20);
	check_run(&s, 35, 1, 40, 4);
	for (int y = 0; y < 40; y++)
		if (y != 3 && y != 7 && y != 35)
			CHECK_AT(runs_in(&s, y) == 0, "row %d: %d runs", y,
				 runs_in(&s, y));
	CHECK_INT((int)s.nrun, 5);

	/* The tiles are those of kiosk_blend_diff(): row 0 of tiles has
	 * tiles 0, 1 (pixels 5, 13, 50) and 3 (100): one run of tiles, 0
	 * to 3 (a gap of one tile joins); row 1 tiles 0 and 1. */
	CHECK_INT(n, 2);
	CHECK(r[0].x == 0 && r[0].y == 0 && r[0].w == 101 && r[0].h == 32);
	CHECK(r[1].x == 0 && r[1].y == 32 && r[1].w == 64 && r[1].h == 8);
	CHECK_INT(kiosk_blend_diff(a, b, r, 64), 2);

	/* Frames alike: no runs at all, and no rectangles. */
	CHECK_INT(kiosk_blend_diff_spans(a, a, r, 64, &s), 0);
	CHECK_INT((int)s.nrun, 0);
	CHECK_INT(s.h, 40);

	/* Too little room for the rectangles: refused. */
	CHECK_INT(kiosk_blend_diff_spans(a, b, r, 1, &s), -1);
	kiosk_spans_free(&s);
	CHECK(s.row == NULL && s.run == NULL && s.h == 0);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
}

static uint32_t mix(uint32_t p, uint32_t q, uint32_t f)
{
	uint32_t out = 0;

	for (int sh = 0; sh < 32; sh += 8) {
		uint32_t c = (((p >> sh) & 0xff) * (256 - f) +
			      ((q >> sh) & 0xff) * f) >> 8;

		out |= c << sh;
	}
	return out;
}

/* Two pictures that differ in scattered pixels, with a screen (dst)
 * that holds the old one; the blend over the runs must give the sum on
 * every pixel that differs and leave the others as dst had them. */
static void check_blend(int w, int h, double t, uint32_t f)
{
	cairo_surface_t *a = filled(w, h, 0xff223344);
	cairo_surface_t *b = filled(w, h, 0xff223344);
	cairo_surface_t *dst = filled(w, h, 0xff223344);
	struct display_rect *r;
	struct kiosk_spans s;
	unsigned seed = 7;
	long wrong = 0, kept = 0;

	r = malloc((size_t)kiosk_blend_diff_max(h) * sizeof *r);
	kiosk_spans_init(&s);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			seed = seed * 1103515245u + 12345u;
			/* Runs of differing pixels and gaps of all lengths,
			 * and whole rows alike. */
			if ((seed >> 16) % 7 < 2 && y % 5 != 0)
				row(b, y)[x] = seed ^ 0x5a5a5a5a;
			row(a, y)[x] ^= (uint32_t)y;
			row(b, y)[x] ^= (seed >> 24) % 3 ? (uint32_t)y : 0;
			row(dst, y)[x] = row(a, y)[x];
		}
	cairo_surface_mark_dirty(a);
	cairo_surface_mark_dirty(b);
	cairo_surface_mark_dirty(dst);

	CHECK(kiosk_blend_diff_spans(a, b, r, kiosk_blend_diff_max(h),
				     &s) >= 0);
	CHECK_INT(s.h, h);
	CHECK_INT(kiosk_blend_spans(dst, a, b, t, &s), 0);
	cairo_surface_flush(dst);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t p = row(a, y)[x], q = row(b, y)[x];
			uint32_t got = row(dst, y)[x];

			/* Where they are alike, the sum is the pixel too. */
			if (got != mix(p, q, f))
				wrong++;
			if (p == q)
				kept++;
		}
	CHECK_AT(wrong == 0, "%dx%d at t %g: %ld pixels off the sum", w, h,
		 t, wrong);
	CHECK(kept > 0);

	/* A screen of another size, and no runs known: refused. */
	{
		cairo_surface_t *small = filled(w - 1, h, 0);
		struct kiosk_spans none;

		CHECK_INT(kiosk_blend_spans(small, a, b, t, &s), -1);
		kiosk_spans_init(&none);
		CHECK_INT(kiosk_blend_spans(dst, a, b, t, &none), -1);
		cairo_surface_destroy(small);
	}
	kiosk_spans_free(&s);
	free(r);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(dst);
}

/* Runs that do not differ everywhere: a screen holding something else
 * between the runs keeps it there, so only runs are written. */
static void check_only_runs(void)
{
	cairo_surface_t *a = filled(64, 8, 0xff000000);
	cairo_surface_t *b = filled(64, 8, 0xff000000);
	cairo_surface_t *dst = filled(64, 8, 0x12345678);
	struct display_rect r[16];
	struct kiosk_spans s;

	kiosk_spans_init(&s);
	/* Row 2, pixel 9: block 8, one run of pixels 8 to 12. */
	row(b, 2)[9] = 0xffffffff;
	cairo_surface_mark_dirty(b);
	CHECK_INT(kiosk_blend_diff_spans(a, b, r, 16, &s), 1);
	CHECK_INT(kiosk_blend_spans(dst, a, b, 1, &s), 0);
	cairo_surface_flush(dst);
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 64; x++) {
			bool in = y == 2 && x >= 8 && x < 12;
			uint32_t want = !in ? 0x12345678
				      : x == 9 ? 0xffffffff : 0xff000000;

			CHECK_AT(row(dst, y)[x] == want,
				 "%d,%d: %08x, want %08x", x, y,
				 row(dst, y)[x], want);
		}
	kiosk_spans_free(&s);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(dst);
}

/* The old picture kept only in its runs: packed in run order, and
 * blended from there over a screen that holds something else between
 * the runs, which it keeps.  From the runs worked out by hand in
 * check_runs(): row 3 pixels 4 to 16 and 48 to 52, row 7 pixel 100. */
static void check_packed(void)
{
	cairo_surface_t *a = filled(101, 40, 0xff000000);
	cairo_surface_t *b = filled(101, 40, 0xff000000);
	cairo_surface_t *dst = filled(101, 40, 0x12345678);
	struct display_rect r[64];
	struct kiosk_spans s, none;
	uint32_t *from;

	kiosk_spans_init(&s);
	kiosk_spans_init(&none);
	for (int x = 0; x < 101; x++) {
		row(a, 3)[x] = row(b, 3)[x] = 0xff000000 | (uint32_t)x;
		row(a, 7)[x] = row(b, 7)[x] = 0xff100000 | (uint32_t)x;
	}
	row(b, 3)[5] = 0xffffffff;
	row(b, 3)[13] = 0xffffffff;
	row(b, 3)[50] = 0xffffffff;
	row(b, 7)[100] = 0xffffffff;
	cairo_surface_mark_dirty(a);
	cairo_surface_mark_dirty(b);
	CHECK(kiosk_blend_diff_spans(a, b, r, 64, &s) > 0);
	CHECK_INT((int)kiosk_spans_pixels(&s), 12 + 4 + 1);

	from = kiosk_spans_pack(&s, a);
	CHECK(from != NULL);
	if (!from)
		goto out;
	/* a's pixels 4..15 and 48..51 of row 3, then 100 of row 7. */
	for (int i = 0; i < 12; i++)
		CHECK_AT(from[i] == 0xff000000u + 4 + (uint32_t)i,
			 "packed %d: %08x", i, from[i]);
	for (int i = 0; i < 4; i++)
		CHECK_AT(from[12 + i] == 0xff000000u + 48 + (uint32_t)i,
			 "packed %d: %08x", 12 + i, from[12 + i]);
	CHECK(from[16] == 0xff100064);

	/* At t 0.5 (f 128) row 3 pixel 5 is (0x05 + 0xff) / 2 = 0x82 in
	 * blue, (0 + 0xff) / 2 = 0x7f in green and red, 0xff in alpha;
	 * pixel 6 is a's (0x06, the same in both), and row 7 pixel 100
	 * 0x10 + 0xff halved, 0x87, in red, 0x64 + 0xff, 0xb1, in blue. */
	CHECK_INT(kiosk_blend_spans_packed(dst, from, b, 0.5, &s), 0);
	cairo_surface_flush(dst);
	CHECK(row(dst, 3)[5] == 0xff7f7f82);
	CHECK(row(dst, 3)[6] == 0xff000006);
	CHECK(row(dst, 3)[50] == 0xff7f7f98);
	CHECK(row(dst, 7)[100] == 0xff877fb1);
	CHECK(row(dst, 3)[3] == 0x12345678 && row(dst, 3)[16] == 0x12345678);
	CHECK(row(dst, 7)[99] == 0x12345678 && row(dst, 0)[0] == 0x12345678);
	/* The ends: from as it was, and to. */
	CHECK_INT(kiosk_blend_spans_packed(dst, from, b, 0, &s), 0);
	CHECK(row(dst, 3)[5] == 0xff000005 && row(dst, 7)[100] == 0xff100064);
	CHECK_INT(kiosk_blend_spans_packed(dst, from, b, 1, &s), 0);
	CHECK(row(dst, 3)[5] == 0xffffffff && row(dst, 3)[6] == 0xff000006);

	/* No runs known, or a surface of another size: refused. */
	CHECK(kiosk_spans_pack(&none, a) == NULL);
	CHECK_INT(kiosk_blend_spans_packed(dst, from, b, 0.5, &none), -1);
	{
		cairo_surface_t *small = filled(100, 40, 0);

		CHECK(kiosk_spans_pack(&s, small) == NULL);
		CHECK_INT(kiosk_blend_spans_packed(small, from, b, 0.5, &s),
			  -1);
		cairo_surface_destroy(small);
	}
	free(from);

	/* Frames alike: nothing to keep, still an answer. */
	CHECK_INT(kiosk_blend_diff_spans(a, a, r, 64, &s), 0);
	CHECK_INT((int)kiosk_spans_pixels(&s), 0);
	from = kiosk_spans_pack(&s, a);
	CHECK(from != NULL);
	free(from);
out:
	kiosk_spans_free(&s);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	cairo_surface_destroy(dst);
}

int main(void)
{
	check_runs();
	/* f = t * 256 rounded: 0.3 gives 76.8, so 77; 0 and 1 the ends. */
	check_blend(1920, 64, 0.3, 77);
	check_blend(37, 33, 0.5, 128);
	check_blend(37, 33, 0, 0);
	check_blend(37, 33, 1, 256);
	check_only_runs();
	check_packed();
	return check_finish();
}
