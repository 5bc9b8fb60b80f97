/*
 * kiosk_blend.c - the cross-fade between two slides, in one pass.
 *
 * Cairo blends in two passes over the frame (a copy of the old slide,
 * then the new one over it at the fade's opacity); at 30 frames a
 * second through every fade those passes were most of the kiosk's CPU
 * time.  A fade of two opaque pictures is a weighted sum, one read of
 * each and one write, with two channels of a pixel per multiply.
 *
 * Slides share their background, header band and ticker line, so about
 * half of a 1080p frame is the same in both; kiosk_blend_diff() finds
 * where they differ, once per fade, and the fade sends only that.  Even
 * inside the tiles that differ most pixels are the same (a panel's fill
 * over the same background): kiosk_blend_diff_spans() also keeps the
 * runs of pixels that differ, and the fade blends only those.
 */
#include "kiosk/kiosk_blend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static bool is_32bit(cairo_surface_t *s)
{
	cairo_format_t f;

	if (cairo_surface_get_type(s) != CAIRO_SURFACE_TYPE_IMAGE)
		return false;
	f = cairo_image_surface_get_format(s);
	return f == CAIRO_FORMAT_ARGB32 || f == CAIRO_FORMAT_RGB24;
}

static bool same_size(cairo_surface_t *a, cairo_surface_t *b)
{
	return is_32bit(a) && is_32bit(b) &&
	       cairo_image_surface_get_width(a) ==
		       cairo_image_surface_get_width(b) &&
	       cairo_image_surface_get_height(a) ==
		       cairo_image_surface_get_height(b);
}

/* One row's n pixels, weights in 256ths.  0xff * 256 fits the 16 bits
 * between two channels, so red and blue (alpha and green) share a
 * multiply.  With SSE2 (every x86-64) four pixels at a time, a channel
 * in each 16-bit lane: the same sums, without the 32-bit multiplies
 * SSE2 does not have. */
static void blend_row(uint32_t *d, const uint32_t *a,
		      const uint32_t *b, int n, uint32_t f, uint32_t g)
{
	int x = 0;
#ifdef __SSE2__
	const __m128i vf = _mm_set1_epi16((short)f);
	const __m128i vg = _mm_set1_epi16((short)g);
	const __m128i zero = _mm_setzero_si128();

	for (; x + 4 <= n; x += 4) {
		__m128i p = _mm_loadu_si128((const __m128i *)(a + x));
		__m128i q = _mm_loadu_si128((const __m128i *)(b + x));
		__m128i lo = _mm_add_epi16(
			_mm_mullo_epi16(_mm_unpacklo_epi8(p, zero), vg),
			_mm_mullo_epi16(_mm_unpacklo_epi8(q, zero), vf));
		__m128i hi = _mm_add_epi16(
			_mm_mullo_epi16(_mm_unpackhi_epi8(p, zero), vg),
			_mm_mullo_epi16(_mm_unpackhi_epi8(q, zero), vf));

		_mm_storeu_si128((__m128i *)(d + x),
				 _mm_packus_epi16(_mm_srli_epi16(lo, 8),
						  _mm_srli_epi16(hi, 8)));
	}
#endif
	for (; x < n; x++) {
		uint32_t p = a[x], q = b[x];
		uint32_t rb = (p & 0xff00ff) * g + (q & 0xff00ff) * f;
		uint32_t ag = ((p >> 8) & 0xff00ff) * g +
			      ((q >> 8) & 0xff00ff) * f;

		d[x] = ((rb >> 8) & 0xff00ff) | (ag & 0xff00ff00);
	}
}

/* The weight of to in 256ths: 256 - f and f add up to 256 exactly. */
static uint32_t weight_of(double t)
{
	return !(t > 0) ? 0 : t >= 1 ? 256 : (uint32_t)(t * 256 + 0.5);
}

bool kiosk_blend_is_from(double t)
{
	return weight_of(t) == 0;
}

static uint32_t *row_of(cairo_surface_t *s, int y)
{
	return (uint32_t *)(cairo_image_surface_get_data(s) +
			    (size_t)y *
				    (size_t)cairo_image_surface_get_stride(s));
}

int kiosk_blend_rects(cairo_surface_t *dst, cairo_surface_t *from,
		      cairo_surface_t *to, double t,
		      const struct display_rect *r, int n)
{
	int w, h;
	uint32_t f, g;

	if (!same_size(dst, from) || !same_size(dst, to))
		return -1;
	w = cairo_image_surface_get_width(dst);
	h = cairo_image_surface_get_height(dst);
	f = weight_of(t);
	g = 256 - f;

	cairo_surface_flush(from);
	cairo_surface_flush(to);
	cairo_surface_flush(dst);
	for (int i = 0; i < n; i++) {
		int x0 = r[i].x < 0 ? 0 : r[i].x;
		int y0 = r[i].y < 0 ? 0 : r[i].y;
		int x1 = r[i].x + r[i].w > w ? w : r[i].x + r[i].w;
		int y1 = r[i].y + r[i].h > h ? h : r[i].y + r[i].h;

		for (int y = y0; y < y1 && x1 > x0; y++)
			blend_row(row_of(dst, y) + x0, row_of(from, y) + x0,
				  row_of(to, y) + x0, x1 - x0, f, g);
	}
	cairo_surface_mark_dirty(dst);
	return 0;
}

int kiosk_blend(cairo_surface_t *dst, cairo_surface_t *from,
		cairo_surface_t *to, double t)
{
	struct display_rect all;

	if (!is_32bit(dst))
		return -1;
	all = (struct display_rect){ 0, 0, cairo_image_surface_get_width(dst),
				     cairo_image_surface_get_height(dst) };
	return kiosk_blend_rects(dst, from, to, t, &all, 1);
}

int kiosk_blend_diff_max(int h)
{
	return (h + KIOSK_DIFF_TILE - 1) / KIOSK_DIFF_TILE * KIOSK_DIFF_RUNS;
}

void kiosk_spans_init(struct kiosk_spans *s)
{
	memset(s, 0, sizeof *s);
}

void kiosk_spans_free(struct kiosk_spans *s)
{
	free(s->row);
	free(s->run);
	kiosk_spans_init(s);
}

/* Whether the n pixels (at most KIOSK_SPAN_BLOCK) from x differ. */
static bool block_differs(const uint32_t *pa, const uint32_t *pb, int x,
			  int n)
{
#ifdef __SSE2__
	if (n == 4) {
		__m128i p = _mm_loadu_si128((const __m128i *)(pa + x));
		__m128i q = _mm_loadu_si128((const __m128i *)(pb + x));

		return _mm_movemask_epi8(_mm_cmpeq_epi32(p, q)) != 0xffff;
	}
#endif
	for (int i = 0; i < n; i++)
		if (pa[x + i] != pb[x + i])
			return true;
	return false;
}

/* One more run in s; false when there is no room for it. */
static bool add_run(struct kiosk_spans *s, int x, int n)
{
	if (s->nrun == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		struct kiosk_span *more = realloc(s->run, cap * sizeof *more);

		if (!more)
			return false;
		s->run = more;
		s->cap = cap;
	}
	s->run[s->nrun++] = (struct kiosk_span){ (uint16_t)x, (uint16_t)n };
	return true;
}

/* Marks the tiles of differ[] that row y of a and b differs in, and
 * adds its runs to s while *keep. */
static void diff_row(const uint32_t *pa, const uint32_t *pb, int w,
		     bool *differ, struct kiosk_spans *s, bool *keep)
{
	int start = -1, end = 0;

	for (int x = 0; x < w; x += KIOSK_SPAN_BLOCK) {
		int n = w - x < KIOSK_SPAN_BLOCK ? w - x : KIOSK_SPAN_BLOCK;

		if (!block_differs(pa, pb, x, n))
			continue;
		differ[x / KIOSK_DIFF_TILE] = true;
		if (!*keep)
			continue;
		if (start >= 0 && x - end < KIOSK_SPAN_GAP) {
			end = x + n;
			continue;
		}
		if (start >= 0 && !add_run(s, start, end - start))
			*keep = false;
		start = x;
		end = x + n;
	}
	if (*keep && start >= 0 && !add_run(s, start, end - start))
		*keep = false;
}

/* Room in s for the offsets of h rows; false when there is none. */
static bool spans_rows(struct kiosk_spans *s, int h)
{
	s->h = 0;
	s->nrun = 0;
	if (s->row_cap < (size_t)h + 1) {
		uint32_t *row = realloc(s->row, ((size_t)h + 1) * sizeof *row);

		if (!row)
			return false;
		s->row = row;
		s->row_cap = (size_t)h + 1;
	}
	return true;
}

int kiosk_blend_diff_spans(cairo_surface_t *a, cairo_surface_t *b,
			   struct display_rect *r, int max,
			   struct kiosk_spans *s)
{
	bool differ[16384 / KIOSK_DIFF_TILE + 1];
	int w, h, cols, nr = 0;
	bool keep;

	if (!same_size(a, b))
		return -1;
	w = cairo_image_surface_get_width(a);
	h = cairo_image_surface_get_height(a);
	cols = (w + KIOSK_DIFF_TILE - 1) / KIOSK_DIFF_TILE;
	if (max < kiosk_blend_diff_max(h) ||
	    cols > (int)(sizeof differ / sizeof differ[0]))
		return -1;
	keep = s && spans_rows(s, h);

	cairo_surface_flush(a);
	cairo_surface_flush(b);
	for (int y0 = 0; y0 < h; y0 += KIOSK_DIFF_TILE) {
		int y1 = y0 + KIOSK_DIFF_TILE > h ? h : y0 + KIOSK_DIFF_TILE;
		int runs = 0, last = -2;

		memset(differ, 0, (size_t)cols * sizeof differ[0]);
		for (int y = y0; y < y1; y++) {
			if (keep)
				s->row[y] = (uint32_t)s->nrun;
			diff_row(row_of(a, y), row_of(b, y), w, differ, s,
				 &keep);
		}
		for (int c = 0; c < cols; c++) {
			int x1 = (c + 1) * KIOSK_DIFF_TILE > w
					 ? w : (c + 1) * KIOSK_DIFF_TILE;

			if (!differ[c])
				continue;
			/* Next to the last run, or one run too many: the
			 * last one grows to take it. */
			if (runs > 0 && (c - last <= 2 ||
					 runs == KIOSK_DIFF_RUNS)) {
				r[nr - 1].w = x1 - r[nr - 1].x;
			} else {
				r[nr++] = (struct display_rect){
					c * KIOSK_DIFF_TILE, y0,
					x1 - c * KIOSK_DIFF_TILE, y1 - y0 };
				runs++;
			}
			last = c;
		}
	}
	if (keep) {
		s->row[h] = (uint32_t)s->nrun;
		s->w = w;
		s->h = h;
	} else if (s) {
		s->h = 0;
	}
	return nr;
}

int kiosk_blend_diff(cairo_surface_t *a, cairo_surface_t *b,
		     struct display_rect *r, int max)
{
	return kiosk_blend_diff_spans(a, b, r, max, NULL);
}

int kiosk_blend_spans(cairo_surface_t *dst, cairo_surface_t *from,
		      cairo_surface_t *to, double t,
		      const struct kiosk_spans *s)
{
	uint32_t f, g;

	if (!same_size(dst, from) || !same_size(dst, to) || s->h <= 0 ||
	    s->w != cairo_image_surface_get_width(dst) ||
	    s->h != cairo_image_surface_get_height(dst))
		return -1;
	f = weight_of(t);
	g = 256 - f;

	cairo_surface_flush(from);
	cairo_surface_flush(to);
	cairo_surface_flush(dst);
	for (int y = 0; y < s->h; y++) {
		uint32_t *d = row_of(dst, y);
		const uint32_t *a = row_of(from, y), *b = row_of(to, y);
		/* At either end of the fade a copy, of the one picture. */
		const uint32_t *only = f == 0 ? a : f == 256 ? b : NULL;

		for (uint32_t i = s->row[y]; i < s->row[y + 1]; i++) {
			int x = s->run[i].x, n = s->run[i].n;

			if (!only)
				blend_row(d + x, a + x, b + x, n, f, g);
			else if (only != d)
				memcpy(d + x, only + x, (size_t)n * 4);
		}
	}
	cairo_surface_mark_dirty(dst);
	return 0;
}

size_t kiosk_spans_pixels(const struct kiosk_spans *s)
{
	size_t n = 0;

	for (size_t i = 0; s->h > 0 && i < s->nrun; i++)
		n += s->run[i].n;
	return n;
}

static bool spans_fit(const struct kiosk_spans *s, cairo_surface_t *f)
{
	return is_32bit(f) && s->h > 0 &&
	       s->w == cairo_image_surface_get_width(f) &&
	       s->h == cairo_image_surface_get_height(f);
}

uint32_t *kiosk_spans_pack(const struct kiosk_spans *s,
			   cairo_surface_t *src)
{
	uint32_t *out, *p;

	if (!spans_fit(s, src))
		return NULL;
	/* One word more: no runs at all is still an answer. */
	out = malloc((kiosk_spans_pixels(s) + 1) * sizeof *out);
	if (!out)
		return NULL;
	cairo_surface_flush(src);
	p = out;
	for (int y = 0; y < s->h; y++) {
		const uint32_t *a = row_of(src, y);

		for (uint32_t i = s->row[y]; i < s->row[y + 1]; i++) {
			memcpy(p, a + s->run[i].x, (size_t)s->run[i].n * 4);
			p += s->run[i].n;
		}
	}
	return out;
}

int kiosk_blend_spans_packed(cairo_surface_t *dst, const uint32_t *from,
			     cairo_surface_t *to, double t,
			     const struct kiosk_spans *s)
{
	uint32_t f, g;

	if (!spans_fit(s, dst) || !same_size(dst, to))
		return -1;
	f = weight_of(t);
	g = 256 - f;

	cairo_surface_flush(to);
	cairo_surface_flush(dst);
	for (int y = 0; y < s->h; y++) {
		uint32_t *d = row_of(dst, y);
		const uint32_t *b = row_of(to, y);

		for (uint32_t i = s->row[y]; i < s->row[y + 1]; i++) {
			int x = s->run[i].x, n = s->run[i].n;

			if (f == 0)
				memcpy(d + x, from, (size_t)n * 4);
			else if (f == 256)
				memcpy(d + x, b + x, (size_t)n * 4);
			else
				blend_row(d + x, from, b + x, n, f, g);
			from += n;
		}
	}
	cairo_surface_mark_dirty(dst);
	return 0;
}
