/*
 * store_codec.c - the block format of store_codec.h, as docs/codec.md
 * specifies it byte by byte.
 *
 * A block is: version, n, the first time, the stream of the n - 1 time
 * deltas, a value mode byte, then one of
 *   decimal:  the first scaled integer i = v * 10^k and the stream of
 *             the n - 1 integer deltas (every v is exactly i / 10^k);
 *   tens:     the same for whole numbers of 10^m units (v = i * 10^m);
 *   offsets:  the same, then the stream of the n differences between
 *             each value's bits and those of i / 10^k (values a unit
 *             conversion or a float printout left a few ulps off);
 *   XOR:      the XOR bit stream of the doubles.
 * A stream is a list of chunks, each one "width, count, base" followed
 * by count values of width bits added to base: width 0 is a run.
 *
 * Arithmetic on deltas is done in uint64_t, modulo 2^64, so that any
 * pair of int64_t times (INT64_MIN then INT64_MAX) has a delta and no
 * signed operation can overflow.
 */
#include "cloud/store/store_codec.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

enum {
	FRAME_MAX = 128,	/* values in one group of a packed frame */
	JOIN_MAX = 1024,	/* values in one packed frame of groups */
	RUN_MIN = 16,		/* equal values that get a run chunk */
	DECIMALS_MAX = 9,	/* decimal mode: k in 0..DECIMALS_MAX */
	MODE_XOR = 0x10,	/* value mode byte of the XOR coding */
	MODE_OFFSETS = 0x20,	/* | k: decimals with ulp offsets */
	MODE_TENS = 0x40,	/* | m: integers in units of 10^m */
	WIDTH_MAX = 64,
};

static const double pow10_of[DECIMALS_MAX + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
};

static const int64_t tens_of[DECIMALS_MAX + 1] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000,
};

static uint64_t bits_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u;
}

static double double_of(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

static uint64_t zigzag(uint64_t v)
{
	return (v << 1) ^ (0 - (v >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

static unsigned width_of(uint64_t range)
{
	return range ? 64 - (unsigned)__builtin_clzll(range) : 0;
}

/* --- writing ---------------------------------------------------------- */

/* Bytes go to p[0..cap); a write past cap sets full and is dropped, so
 * the encoder checks for room once, at the end.  With p NULL the writer
 * only counts, to compare two codings before writing one. */
struct writer {
	uint8_t *p;
	size_t cap, len;
	bool full;
	uint64_t acc;		/* bits not yet written, LSB first */
	unsigned nacc;		/* how many: always < 8 between calls */
};

static void put_byte(struct writer *w, uint8_t b)
{
	if (!w->p) {
		w->len++;
		return;
	}
	if (w->len == w->cap) {
		w->full = true;
		return;
	}
	w->p[w->len++] = b;
}

static void put_varint(struct writer *w, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(w, (uint8_t)v);
}

static void put_bits(struct writer *w, uint64_t v, unsigned width)
{
	if (width > 32) {
		put_bits(w, v & 0xffffffffu, 32);
		v >>= 32;
		width -= 32;
	}
	if (!width)
		return;
	w->acc |= (v & (((uint64_t)1 << width) - 1)) << w->nacc;
	w->nacc += width;
	while (w->nacc >= 8) {
		put_byte(w, (uint8_t)w->acc);
		w->acc >>= 8;
		w->nacc -= 8;
	}
}

/* Pads the bit stream with zeros to a whole byte. */
static void put_bits_end(struct writer *w)
{
	if (w->nacc)
		put_byte(w, (uint8_t)w->acc);
	w->acc = 0;
	w->nacc = 0;
}

enum item_kind {
	ITEM_TIMES,		/* ts[i + 1] - ts[i] */
	ITEM_DECIMALS,		/* int_of(value[i + 1]) - int_of(value[i]) */
	ITEM_OFFSETS,		/* bits of value[i] - bits of its decimal */
};

/* The items of a stream being encoded, taken in order, once each. */
struct items {
	enum item_kind kind;
	const int64_t *ts;
	const double *value;
	double scale;		/* 10^k in the decimal modes, else 1 */
	int64_t unit;		/* 10^m in the tens mode, else 1 */
	size_t i;		/* the next item */
	int64_t last;		/* decimals: int_of(value[i]) */
};

/* s rounded to an integer.  Doubles of 2^52 or more are integers; below
 * 2^51, adding and taking away 1.5 * 2^52 rounds to the nearest (even)
 * integer in two instructions.  Exactness is checked apart, so only
 * being the same on every call matters. */
static int64_t round_int(double s)
{
	if (fabs(s) >= 0x1p52)
		return (int64_t)s;
	if (fabs(s) >= 0x1p51)
		return (int64_t)llround(s);
	return (int64_t)((s + 0x1.8p52) - 0x1.8p52);
}

/* v * 10^k rounded, or 0 where that is no integer of at most 2^53 (a
 * huge value, inf, NaN): such a value is all offset. */
static int64_t scaled(double v, double scale)
{
	double s = v * scale;

	return fabs(s) <= 0x1p53 ? round_int(s) : 0;
}

/* The integer that stands for v: v = int_of(v) * unit / scale. */
static int64_t int_of(const struct items *it, double v)
{
	return scaled(v, it->scale) / it->unit;
}

static uint64_t item_next(struct items *it)
{
	size_t i = it->i++;
	int64_t a;

	switch (it->kind) {
	case ITEM_TIMES:
		return (uint64_t)it->ts[i + 1] - (uint64_t)it->ts[i];
	case ITEM_DECIMALS:
		a = it->last;
		it->last = int_of(it, it->value[i + 1]);
		return (uint64_t)it->last - (uint64_t)a;
	case ITEM_OFFSETS:
		break;
	}
	a = scaled(it->value[i], it->scale);
	return bits_of(it->value[i]) - bits_of((double)a / it->scale);
}

static void put_chunk_head(struct writer *w, unsigned width, size_t count,
			   uint64_t base)
{
	put_byte(w, (uint8_t)width);
	put_varint(w, count);
	put_varint(w, zigzag(base));
}

static void put_frame(struct writer *w, const uint64_t *item, size_t n)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	if (!n)
		return;

	/* The base is the smallest item read as signed, so a frame of
	 * growing counter deltas costs the bits of their spread only. */
	for (size_t j = 0; j < n; j++) {
		int64_t x = (int64_t)item[j];

		if (x < lo)
			lo = x;
		if (x > hi)
			hi = x;
	}

	unsigned width = width_of((uint64_t)hi - (uint64_t)lo);

	put_chunk_head(w, width, n, (uint64_t)lo);
	for (size_t j = 0; j < n; j++)
		put_bits(w, item[j] - (uint64_t)lo, width);
	put_bits_end(w);
}

static size_t varint_bytes(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void span_of(const uint64_t *item, size_t n, int64_t *lo,
		    int64_t *hi)
{
	*lo = INT64_MAX;
	*hi = INT64_MIN;
	for (size_t j = 0; j < n; j++) {
		int64_t x = (int64_t)item[j];

		if (x < *lo)
			*lo = x;
		if (x > *hi)
			*hi = x;
	}
}

/* The bytes of a frame of n items spanning lo .. hi, head included. */
static size_t frame_bytes(size_t n, int64_t lo, int64_t hi)
{
	unsigned width = width_of((uint64_t)hi - (uint64_t)lo);

	return 1 + varint_bytes(n) + varint_bytes(zigzag((uint64_t)lo)) +
	       (n * width + 7) / 8;
}

/* Items waiting for their frame: item[0..g) one frame of groups that
 * joined, spanning lo .. hi, and item[g..n) the group being filled. */
struct pending {
	uint64_t item[JOIN_MAX];
	size_t n, g;
	int64_t lo, hi;
};

/* Ends the group item[g..n): it joins the frame before it when one
 * frame of both takes no more bytes than two, else that frame is
 * written and the group starts the next. */
static void end_group(struct writer *w, struct pending *p)
{
	int64_t lo, hi, ulo, uhi;

	if (p->n == p->g)
		return;
	span_of(p->item + p->g, p->n - p->g, &lo, &hi);
	ulo = lo < p->lo ? lo : p->lo;
	uhi = hi > p->hi ? hi : p->hi;
	if (!p->g) {
		p->lo = lo;
		p->hi = hi;
	} else if (frame_bytes(p->n, ulo, uhi) <=
		   frame_bytes(p->g, p->lo, p->hi) +
			   frame_bytes(p->n - p->g, lo, hi)) {
		p->lo = ulo;
		p->hi = uhi;
	} else {
		put_frame(w, p->item, p->g);
		memmove(p->item, p->item + p->g,
			(p->n - p->g) * sizeof *p->item);
		p->n -= p->g;
		p->lo = lo;
		p->hi = hi;
	}
	p->g = p->n;
}

static void flush_pending(struct writer *w, struct pending *p)
{
	end_group(w, p);
	put_frame(w, p->item, p->n);
	p->n = p->g = 0;
}

/*
 * Packed frames of groups of up to FRAME_MAX items: a group joins the
 * frame before it when that costs no more bytes than a frame of its
 * own (a frame's head is 3 to 5 bytes; the bench's meter series keeps
 * one width for a whole block), up to JOIN_MAX items a frame.  RUN_MIN
 * equal items in a row end the frame before them and go on as a run
 * chunk for as long as they last.
 */
static void put_stream(struct writer *w, struct items *it, size_t m)
{
	struct pending p;
	uint64_t runv = 0;
	size_t same = 0, run = 0;

	p.n = p.g = 0;
	for (size_t i = 0; i < m; i++) {
		uint64_t x = item_next(it);

		if (run && x == runv) {
			run++;
			continue;
		}
		if (run) {
			put_chunk_head(w, 0, run, runv);
			run = 0;
		}

		same = (p.n && x == p.item[p.n - 1]) ? same + 1 : 1;
		p.item[p.n++] = x;
		if (same == RUN_MIN) {
			p.n -= RUN_MIN;
			/* the run began inside the joined groups */
			if (p.g > p.n) {
				p.g = p.n;
				span_of(p.item, p.g, &p.lo, &p.hi);
			}
			flush_pending(w, &p);
			run = RUN_MIN;
			runv = x;
			same = 0;
		} else if (p.n - p.g == FRAME_MAX) {
			end_group(w, &p);
			if (p.n + FRAME_MAX > JOIN_MAX)
				flush_pending(w, &p);
		}
	}
	if (run)
		put_chunk_head(w, 0, run, runv);
	flush_pending(w, &p);
}

/* Gorilla's XOR coding: per value after the first, bit 0 when it equals
 * the previous one; else 1, then 0 and the XOR's bits inside the last
 * window of leading and trailing zeros, or 1 and a new window (6 bits
 * of leading zeros, 6 bits of length - 1) with the bits inside it. */
static void put_xor(struct writer *w, const double *value, size_t n)
{
	uint64_t prev = bits_of(value[0]);
	unsigned wlz = 0, wtz = 0;
	bool window = false;

	put_bits(w, prev, 64);
	for (size_t i = 1; i < n; i++) {
		uint64_t cur = bits_of(value[i]), x = cur ^ prev;

		prev = cur;
		if (!x) {
			put_bits(w, 0, 1);
			continue;
		}

		unsigned lz = (unsigned)__builtin_clzll(x);
		unsigned tz = (unsigned)__builtin_ctzll(x);
		unsigned len = 64 - lz - tz;

		/* The last window, unless a new one, with its 12 bits of
		 * description, would be shorter. */
		if (window && lz >= wlz && tz >= wtz &&
		    64 - wlz - wtz <= len + 12) {
			put_bits(w, 1, 2);
			put_bits(w, x >> wtz, 64 - wlz - wtz);
			continue;
		}
		put_bits(w, 3, 2);
		put_bits(w, lz, 6);
		put_bits(w, len - 1, 6);
		put_bits(w, x >> tz, len);
		wlz = lz;
		wtz = tz;
		window = true;
	}
	put_bits_end(w);
}

/* Whether v is exactly the double nearest to i / 10^k for an integer i
 * with |i| <= 2^53, the value a parser gives for a decimal of k places.
 * False for -0.0 (i = 0 gives +0.0), infinities and NaN. */
static bool exact_at(double v, int k)
{
	double s = v * pow10_of[k];

	if (!(fabs(s) <= 0x1p53))
		return false;
	return bits_of((double)round_int(s) / pow10_of[k]) == bits_of(v);
}

/* The fewest decimals k that every value has exactly, or -1. */
static int decimals_of(const double *value, size_t n)
{
	int k = 0;
	size_t raised = 0;

	for (size_t i = 0; i < n; i++) {
		while (!exact_at(value[i], k)) {
			if (++k > DECIMALS_MAX)
				return -1;
			raised = i;
		}
	}

	/* A value exact at k stays exact at k + 1 (the same rational
	 * number, rounded once) unless its integer passes 2^53, so only
	 * the values before the last raise need checking again. */
	for (size_t i = 0; i < raised; i++)
		if (!exact_at(value[i], k))
			return -1;
	return k;
}

/* For whole numbers: the largest m <= DECIMALS_MAX such that every
 * value is a multiple of 10^m (grid figures in MW or 10 MW steps). */
static int tens_in(const double *value, size_t n)
{
	int m = DECIMALS_MAX;

	for (size_t i = 0; i < n && m > 0; i++) {
		int64_t x = round_int(value[i]);

		while (m > 0 && x % tens_of[m])
			m--;
	}
	return m;
}

/* For the offsets mode: the most decimals that any value which is a
 * short decimal at all has, so that only the others carry offsets; -1
 * when no value is one. */
static int offset_decimals_of(const double *value, size_t n)
{
	int k = -1;

	for (size_t i = 0; i < n && k < DECIMALS_MAX; i++) {
		if (k >= 0 && exact_at(value[i], k))
			continue;
		for (int j = k + 1; j <= DECIMALS_MAX; j++) {
			if (exact_at(value[i], j)) {
				k = j;
				break;
			}
		}
	}
	return k;
}

/* mode is k (decimal), MODE_TENS | m or MODE_OFFSETS | k. */
static void put_decimals(struct writer *w, const double *value, size_t n,
			 int mode)
{
	bool offsets = mode & MODE_OFFSETS;
	int k = mode & 0x0f;
	struct items it = {
		.kind = ITEM_DECIMALS, .value = value,
		.scale = (mode & MODE_TENS) ? 1 : pow10_of[k],
		.unit = (mode & MODE_TENS) ? tens_of[k] : 1,
	};

	it.last = int_of(&it, value[0]);
	put_byte(w, (uint8_t)mode);
	put_varint(w, zigzag((uint64_t)it.last));
	put_stream(w, &it, n - 1);
	if (offsets) {
		it.kind = ITEM_OFFSETS;
		it.i = 0;
		put_stream(w, &it, n);
	}
}

/* The values: decimals where they all are, else the offsets mode or the
 * XOR coding, whichever is shorter. */
static void put_values(struct writer *w, const double *value, size_t n)
{
	struct writer count = {0};
	size_t xor_len;
	int k = decimals_of(value, n);

	if (k == 0) {
		int m = tens_in(value, n);

		if (m)
			k = MODE_TENS | m;
	}
	if (k >= 0) {
		put_decimals(w, value, n, k);
		return;
	}

	put_byte(&count, MODE_XOR);
	put_xor(&count, value, n);
	xor_len = count.len;
	k = offset_decimals_of(value, n);
	if (k >= 0) {
		count.len = 0;
		put_decimals(&count, value, n, MODE_OFFSETS | k);
		if (count.len < xor_len) {
			put_decimals(w, value, n, MODE_OFFSETS | k);
			return;
		}
	}
	put_byte(w, MODE_XOR);
	put_xor(w, value, n);
}

size_t store_codec_bound(size_t n)
{
	/* Header fields at most 32 bytes; per stream, at most one chunk
	 * of 21 header bytes per 8 items (docs/codec.md) plus 8 bytes an
	 * item; the XOR coding at most 78 bits a value. */
	if (n > (SIZE_MAX - 96) / 24)
		return SIZE_MAX;
	return 24 * n + 96;
}

int store_codec_encode(const int64_t *ts, const double *value, size_t n,
		       uint8_t *out, size_t cap, size_t *len)
{
	struct writer w = {.p = out, .cap = cap};

	*len = 0;
	if (!n || !out)
		return STORE_INVALID;
	for (size_t i = 1; i < n; i++)
		if (ts[i] <= ts[i - 1])
			return STORE_INVALID;

	put_byte(&w, STORE_CODEC_VERSION);
	put_varint(&w, n);
	put_varint(&w, zigzag((uint64_t)ts[0]));
	put_stream(&w, &(struct items){.kind = ITEM_TIMES, .ts = ts}, n - 1);
	put_values(&w, value, n);

	if (w.full)
		return STORE_INVALID;
	*len = w.len;
	return STORE_OK;
}

/* --- reading ---------------------------------------------------------- */

/* Reads p[pos..end); every read checks for room. */
struct reader {
	const uint8_t *p;
	size_t pos, end;
	uint64_t acc;		/* bits read ahead, LSB first */
	unsigned nacc;
};

static int get_byte(struct reader *r, uint8_t *b)
{
	if (r->pos == r->end)
		return STORE_INVALID;
	*b = r->p[r->pos++];
	return STORE_OK;
}

static int get_varint(struct reader *r, uint64_t *v)
{
	uint64_t x = 0;
	uint8_t b;

	for (unsigned shift = 0;; shift += 7) {
		if (get_byte(r, &b))
			return STORE_INVALID;
		/* The tenth byte holds bit 63 only. */
		if (shift == 63 && b > 1)
			return STORE_INVALID;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*v = x;
	return STORE_OK;
}

/* Takes bytes one at a time as needed, so a bit stream ends exactly at
 * the byte that holds its last bit. */
static int get_bits(struct reader *r, unsigned width, uint64_t *v)
{
	uint64_t lo, hi;

	if (width > 32) {
		if (get_bits(r, 32, &lo) || get_bits(r, width - 32, &hi))
			return STORE_INVALID;
		*v = lo | hi << 32;
		return STORE_OK;
	}
	while (r->nacc < width) {
		if (r->pos == r->end)
			return STORE_INVALID;
		r->acc |= (uint64_t)r->p[r->pos++] << r->nacc;
		r->nacc += 8;
	}
	*v = r->acc & (((uint64_t)1 << width) - 1);
	r->acc >>= width;
	r->nacc -= width;
	return STORE_OK;
}

static void get_bits_end(struct reader *r)
{
	r->acc = 0;
	r->nacc = 0;
}

/* Where decoded items go (enum item_kind). */
struct sink {
	enum item_kind kind;
	int64_t *ts;		/* times: ts[i + 1] = ts[i] + item */
	double *value;		/* decimals: value[i + 1] = sum * unit /
				 * scale; offsets: value[i]'s bits += item */
	double scale;
	uint64_t unit;
	uint64_t sum;		/* the integer of value[i] */
	size_t i;
};

static inline int sink_put(struct sink *s, uint64_t item)
{
	uint64_t prev;

	switch (s->kind) {
	case ITEM_TIMES:
		prev = (uint64_t)s->ts[s->i];
		/* A time that does not increase or passes INT64_MAX. */
		if (!item || item > (uint64_t)INT64_MAX - prev)
			return STORE_INVALID;
		s->ts[++s->i] = (int64_t)(prev + item);
		break;
	case ITEM_DECIMALS:
		s->sum += item;
		s->value[++s->i] = (double)(int64_t)(s->sum * s->unit) /
				   s->scale;
		break;
	case ITEM_OFFSETS:
		s->value[s->i] = double_of(bits_of(s->value[s->i]) + item);
		s->i++;
		break;
	}
	return STORE_OK;
}

/* The 64 bits from p on, little-endian. */
static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* Item j of a frame is the width bits from bit j * width of p[0..bytes),
 * which the caller checked are all there.  Each is read with one 64-bit
 * load (and one more byte when it spans nine); the last few bytes come
 * from a zero-padded copy so that no load passes the frame. */
static int get_packed(const uint8_t *p, size_t bytes, unsigned width,
		      size_t count, uint64_t base, struct sink *s)
{
	uint64_t mask = width == 64 ? ~(uint64_t)0 :
				      ((uint64_t)1 << width) - 1;
	uint8_t tail[16];
	size_t bit = 0;

	for (size_t j = 0; j < count; j++, bit += width) {
		size_t at = bit >> 3;
		unsigned shift = bit & 7;
		const uint8_t *q = p + at;
		uint64_t x;

		if (at + 9 > bytes) {
			memset(tail, 0, sizeof tail);
			memcpy(tail, q, bytes - at);
			q = tail;
		}
		x = load64(q) >> shift;
		if (shift && width > 64 - shift)
			x |= (uint64_t)q[8] << (64 - shift);
		if (sink_put(s, base + (x & mask)))
			return STORE_INVALID;
	}
	return STORE_OK;
}

static int get_stream(struct reader *r, struct sink *s, size_t m)
{
	size_t done = 0;

	while (done < m) {
		uint8_t width;
		uint64_t count, base;

		if (get_byte(r, &width) || width > WIDTH_MAX ||
		    get_varint(r, &count) || !count || count > m - done ||
		    get_varint(r, &base))
			return STORE_INVALID;
		base = unzigzag(base);

		if (!width) {
			for (uint64_t j = 0; j < count; j++)
				if (sink_put(s, base))
					return STORE_INVALID;
			done += count;
			continue;
		}

		uint64_t bytes;

		if (count > (UINT64_MAX - 7) / width)
			return STORE_INVALID;
		bytes = (count * width + 7) / 8;
		if (bytes > r->end - r->pos ||
		    get_packed(r->p + r->pos, (size_t)bytes, width,
			       (size_t)count, base, s))
			return STORE_INVALID;
		r->pos += (size_t)bytes;
		done += count;
	}
	return STORE_OK;
}

static int get_xor(struct reader *r, double *value, size_t n)
{
	uint64_t prev, bit, x, lz, len;
	unsigned wlz = 0, wtz = 0;
	bool window = false;

	if (get_bits(r, 64, &prev))
		return STORE_INVALID;
	value[0] = double_of(prev);
	for (size_t i = 1; i < n; i++) {
		if (get_bits(r, 1, &bit))
			return STORE_INVALID;
		if (bit) {
			if (get_bits(r, 1, &bit))
				return STORE_INVALID;
			if (bit) {
				if (get_bits(r, 6, &lz) ||
				    get_bits(r, 6, &len) || lz + len >= 64)
					return STORE_INVALID;
				wlz = (unsigned)lz;
				wtz = 64 - wlz - (unsigned)len - 1;
				window = true;
			} else if (!window) {
				return STORE_INVALID;
			}
			if (get_bits(r, 64 - wlz - wtz, &x))
				return STORE_INVALID;
			prev ^= x << wtz;
		}
		value[i] = double_of(prev);
	}
	get_bits_end(r);
	return STORE_OK;
}

/* The scale and unit of a decimal, tens or offsets mode byte. */
static int decimal_mode(uint8_t mode, struct sink *s)
{
	unsigned kind = mode & 0xf0, k = mode & 0x0f;

	if (k > DECIMALS_MAX || (kind != 0 && kind != MODE_OFFSETS &&
				 kind != MODE_TENS) ||
	    (kind == MODE_TENS && !k))
		return STORE_INVALID;
	s->scale = kind == MODE_TENS ? 1 : pow10_of[k];
	s->unit = kind == MODE_TENS ? (uint64_t)tens_of[k] : 1;
	return STORE_OK;
}

/* The version byte and the count, checked. */
static int get_head(struct reader *r, size_t *n)
{
	uint8_t version;
	uint64_t count;

	if (get_byte(r, &version) || version != STORE_CODEC_VERSION ||
	    get_varint(r, &count) || !count || count > SIZE_MAX)
		return STORE_INVALID;
	*n = (size_t)count;
	return STORE_OK;
}

int store_codec_count(const uint8_t *in, size_t len, size_t *n)
{
	struct reader r = {.p = in, .end = len};

	return get_head(&r, n);
}

int store_codec_decode(const uint8_t *in, size_t len, int64_t *ts,
		       double *value, size_t cap, size_t *n)
{
	struct reader r = {.p = in, .end = len};
	size_t count;
	uint64_t first;
	uint8_t mode;
	int rc;

	*n = 0;
	rc = get_head(&r, &count);
	if (rc)
		goto out;
	rc = STORE_INVALID;
	if (count > cap || get_varint(&r, &first))
		goto out;
	ts[0] = (int64_t)unzigzag(first);
	rc = get_stream(&r, &(struct sink){.kind = ITEM_TIMES, .ts = ts},
			count - 1);
	if (rc)
		goto out;

	rc = STORE_INVALID;
	if (get_byte(&r, &mode))
		goto out;
	if (mode != MODE_XOR) {
		struct sink s = {.kind = ITEM_DECIMALS, .value = value};

		if (decimal_mode(mode, &s) || get_varint(&r, &first))
			goto out;
		s.sum = unzigzag(first);
		value[0] = (double)(int64_t)(s.sum * s.unit) / s.scale;
		rc = get_stream(&r, &s, count - 1);
		if (!rc && (mode & MODE_OFFSETS)) {
			s.kind = ITEM_OFFSETS;
			s.i = 0;
			rc = get_stream(&r, &s, count);
		}
	} else {
		rc = get_xor(&r, value, count);
	}
	if (rc)
		goto out;

	/* Bytes after the values: not a block this codec wrote. */
	rc = r.pos == r.end ? STORE_OK : STORE_INVALID;
	if (!rc)
		*n = count;
out:
	return rc;
}
