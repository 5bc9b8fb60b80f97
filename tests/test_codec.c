/*
 * test_codec.c - the block codec of one point's readings: bit-exact
 * round trips, the byte format of docs/codec.md on hand-worked blocks,
 * and decoding of damaged blocks without a crash.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cloud/store/store_codec.h"

enum { MAXN = 4096 };

static int64_t ts_in[MAXN], ts_out[MAXN];
static double v_in[MAXN], v_out[MAXN];
static uint8_t block[24 * MAXN + 96];

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

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

/* Encodes ts_in/v_in[0..n), decodes, and compares every time and the
 * bits of every value.  Returns the encoded length (0 on failure). */
static size_t round_trip(const char *what, size_t n)
{
	size_t len = 0, got = 0, bad = 0;
	int rc;

	rc = store_codec_encode(ts_in, v_in, n, block, sizeof block, &len);
	CHECK_AT(rc == STORE_OK, "%s: encode gave %d", what, rc);
	if (rc)
		return 0;
	CHECK_AT(len <= store_codec_bound(n), "%s: %zu bytes over bound %zu",
		 what, len, store_codec_bound(n));

	rc = store_codec_count(block, len, &got);
	CHECK_AT(rc == STORE_OK && got == n, "%s: count %d, %zu of %zu", what,
		 rc, got, n);

	memset(ts_out, 0, sizeof ts_out);
	memset(v_out, 0, sizeof v_out);
	rc = store_codec_decode(block, len, ts_out, v_out, n, &got);
	CHECK_AT(rc == STORE_OK && got == n, "%s: decode %d, %zu of %zu", what,
		 rc, got, n);
	for (size_t i = 0; i < n; i++) {
		if (ts_out[i] == ts_in[i] &&
		    bits_of(v_out[i]) == bits_of(v_in[i]))
			continue;
		if (bad++ < 3)
			CHECK_AT(0, "%s: reading %zu: got (%lld, %016llx), "
				 "want (%lld, %016llx)", what, i,
				 (long long)ts_out[i],
				 (unsigned long long)bits_of(v_out[i]),
				 (long long)ts_in[i],
				 (unsigned long long)bits_of(v_in[i]));
	}
	CHECK_AT(bad == 0, "%s: %zu readings differ", what, bad);
	return len;
}

static void regular_times(size_t n, int64_t t0, int64_t step)
{
	for (size_t i = 0; i < n; i++)
		ts_in[i] = t0 + (int64_t)i * step;
}

/* The bytes of a block, checked one by one against a hand-made one. */
static void check_bytes(const char *what, size_t n, const uint8_t *want,
			size_t want_len)
{
	size_t len = round_trip(what, n);

	CHECK_AT(len == want_len, "%s: %zu bytes, want %zu", what, len,
		 want_len);
	for (size_t i = 0; i < len && i < want_len; i++)
		CHECK_AT(block[i] == want[i], "%s: byte %zu is %02x, want %02x",
			 what, i, block[i], want[i]);
}

static void test_format(void)
{
	/* Times 10, 70, 130, 250; values 1.5, 1.25, 1.25, -3, which need
	 * k = 2: integers 150, 125, 125, -300.
	 *   01          version
	 *   04          n
	 *   14          first time, zigzag(10) = 20
	 *   06 03 78    time chunk: width 6, 3 items, base zigzag(60)=120
	 *   00 c0 03    items - 60 = 0, 0, 60 in 6 bits each, LSB first:
	 *               bits 12..17 hold 60 = 111100b
	 *   02          decimal mode, k = 2
	 *   ac 02       first integer, zigzag(150) = 300
	 *   09 03 d1 06 value chunk: width 9 (range 0 - -425 = 425), 3
	 *               items, base zigzag(-425) = 849
	 *   90 53 03 00 items + 425 = 400, 425, 0: 400 + 425 * 2^9 =
	 *               218000 = 0x035390, 27 bits in 4 bytes */
	static const uint8_t dec[] = {
		0x01, 0x04, 0x14, 0x06, 0x03, 0x78, 0x00, 0xc0, 0x03, 0x02,
		0xac, 0x02, 0x09, 0x03, 0xd1, 0x06, 0x90, 0x53, 0x03, 0x00,
	};
	/* Times 0, 1, 2, values -0.0 three times, which no decimal is:
	 *   01 03 00    version, n, zigzag(0)
	 *   00 02 02    time chunk: width 0 (a run), 2 items, zigzag(1)
	 *   10          XOR mode
	 *   00 x7 80    -0.0's bits 0x8000000000000000, LSB first
	 *   00          two 0 bits (equal to the previous), padding */
	static const uint8_t xor[] = {
		0x01, 0x03, 0x00, 0x00, 0x02, 0x02, 0x10, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x80, 0x00,
	};
	/* Times 0, 1; values 0.482 and 0.48200000000000004, one ulp
	 * above it (bits + 1), as a float printout leaves it:
	 *   01 02 00 00 01 02   version, n, first time, a frame of one 1
	 *   23                  offsets mode, k = 3
	 *   c4 07               zigzag(482) = 964
	 *   00 01 00            integer deltas: a frame of one 0
	 *   01 02 00 02         offsets 0, 1: width 1, 2 items, base 0,
	 *                       bits 0 then 1
	 * 10 bytes of values; XOR would take 11 (mode, 64 bits, then 1,
	 * 1, 6 + 6 bits of window and 1 bit: 79 bits in 10 bytes). */
	static const uint8_t off[] = {
		0x01, 0x02, 0x00, 0x00, 0x01, 0x02, 0x23, 0xc4, 0x07, 0x00,
		0x01, 0x00, 0x01, 0x02, 0x00, 0x02,
	};
	int64_t t4[] = {10, 70, 130, 250};
	double v4[] = {1.5, 1.25, 1.25, -3};

	memcpy(ts_in, t4, sizeof t4);
	memcpy(v_in, v4, sizeof v4);
	check_bytes("decimal block", 4, dec, sizeof dec);

	regular_times(2, 0, 1);
	v_in[0] = 0.482;
	v_in[1] = double_of(bits_of(0.482) + 1);
	CHECK(v_in[1] == 0.48200000000000004);
	check_bytes("offsets block", 2, off, sizeof off);

	regular_times(3, 0, 1);
	v_in[0] = v_in[1] = v_in[2] = -0.0;
	check_bytes("xor block", 3, xor, sizeof xor);

	/* TEPCO's demand: 万kW as kW, times 0, 300, values 34,560,000 and
	 * 34,570,000, whole numbers of 10^4:
	 *   01 02 00            version, n, first time
	 *   00 01 d8 04         one time delta, zigzag(300) = 600
	 *   44                  tens mode, m = 4
	 *   80 36               zigzag(3456) = 6912
	 *   00 01 02            one integer delta of 1 */
	static const uint8_t tens[] = {
		0x01, 0x02, 0x00, 0x00, 0x01, 0xd8, 0x04, 0x44, 0x80, 0x36,
		0x00, 0x01, 0x02,
	};

	ts_in[0] = 0;
	ts_in[1] = 300;
	v_in[0] = 34560000;
	v_in[1] = 34570000;
	check_bytes("tens block", 2, tens, sizeof tens);

	/* A day of one-minute readings of 2.5 kW from 2024-01-15 00:00
	 * JST (1705244400):
	 *   1   version
	 *   2   n = 1440 (>= 128, < 16384)
	 *   5   zigzag(1705244400) = 3410488800 (>= 2^28, < 2^35)
	 *   4   one run: width 0, count 1439 (2 bytes), zigzag(60) = 120
	 *   1   decimal mode k = 1 (2.5 = 25 / 10)
	 *   1   zigzag(25) = 50
	 *   4   one run: width 0, count 1439 (2 bytes), zigzag(0)
	 * = 18 bytes. */
	regular_times(1440, 1705244400, 60);
	for (size_t i = 0; i < 1440; i++)
		v_in[i] = 2.5;
	CHECK_INT(round_trip("constant day", 1440), 18);

	/* The same day with one reading missing at minute 600: the time
	 * stream is a run of 599 60s (4 bytes), a frame of the one 120
	 * (width 0, count 1, zigzag(120) = 240 in 2 bytes: 4 bytes) and a
	 * run of 838 60s (4 bytes); the values one run of 1438 zeros. */
	for (size_t i = 600; i < 1439; i++)
		ts_in[i] = ts_in[i + 1];
	CHECK_INT(round_trip("constant day, one gap", 1439), 18 + 8);

	/* Groups of 128 value items that span alike join into one frame.
	 * 300 readings a minute from 0, valued 0 and 101 in turn: version
	 * 1, n 2, t0 1, a run of 299 60s (1 + 2 + 1), mode 1, zigzag(0) 1:
	 * 10 bytes; the 299 items +101, -101 ... as one frame: width 8,
	 * count 2, zigzag(-101) = 201 in 2, 299 bytes: 304 (three frames
	 * of 128, 128 and 43 would take 133 + 133 + 47). */
	regular_times(300, 0, 60);
	for (size_t i = 0; i < 300; i++)
		v_in[i] = i % 2 ? 101 : 0;
	CHECK_INT(round_trip("joined groups", 300), 10 + 304);

	/* ... and do not join when one frame would take more: 257
	 * readings, 0 and 1 in turn up to reading 128, then 101 and 0:
	 * the first 128 items are +-1 (width 2, base -1: 1 + 2 + 1 + 32
	 * = 36 bytes), the next 128 +-101 (1 + 2 + 2 + 128 = 133); one
	 * frame of 256 items of width 8 would take 261. */
	regular_times(257, 0, 60);
	for (size_t i = 0; i < 257; i++)
		v_in[i] = i <= 128 ? (double)(i % 2) : (i % 2 ? 101 : 0);
	CHECK_INT(round_trip("groups apart", 257), 10 + 36 + 133);
}

/* The value mode byte of a one-reading block at time 0 is byte 3. */
static int mode_of(double v)
{
	size_t len;

	ts_in[0] = 0;
	v_in[0] = v;
	len = round_trip("one reading", 1);
	return len > 3 ? block[3] : -1;
}

static void test_modes(void)
{
	CHECK_INT(mode_of(123.0), 0);
	CHECK_INT(mode_of(-7.0), 0);
	CHECK_INT(mode_of(2.345), 3);
	CHECK_INT(mode_of(-21.5), 1);
	CHECK_INT(mode_of(0.000000001), 9);
	CHECK_INT(mode_of(9007199254740992.0), 0);	/* 2^53 */
	CHECK_INT(mode_of(0.1 + 0.2), 0x10);
	CHECK_INT(mode_of(1e-10), 0x10);
	CHECK_INT(mode_of(1e300), 0x10);
	CHECK_INT(mode_of(-0.0), 0x10);
	CHECK_INT(mode_of(INFINITY), 0x10);
	CHECK_INT(mode_of(-INFINITY), 0x10);
	CHECK_INT(mode_of(NAN), 0x10);
	CHECK_INT(mode_of(DBL_MIN / 4), 0x10);		/* subnormal */
	CHECK_INT(mode_of(1.0), 0);
	/* Whole numbers of 10^m units: mode 0x40 | m. */
	CHECK_INT(mode_of(0.0), 0x49);
	CHECK_INT(mode_of(-5000.0), 0x43);
	CHECK_INT(mode_of(1e15), 0x49);
	CHECK_INT(mode_of(123450.0), 0x41);
	CHECK_INT(mode_of(2e-9), 9);
	CHECK_INT(mode_of(0.999999999), 9);

	/* 2^52 + 0.5 is no double, but 4503599627370497 (2^52 + 1) is,
	 * and at one decimal its integer passes 2^53: with 0.5 beside it
	 * neither k = 0 nor k = 1 holds both. */
	ts_in[0] = 0;
	ts_in[1] = 1;
	v_in[0] = 4503599627370497.0;
	v_in[1] = 0.5;
	CHECK(round_trip("2^52 + 1 and 0.5", 2) > 0);
	CHECK_INT(block[6], 0x10);	/* after 01 02 00 00 01 02 */
}

static void test_edges(void)
{
	static const double specials[] = {
		0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN, -NAN,
		DBL_MAX, -DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 0.1 + 0.2, 1e-300,
		9007199254740993.0, 1e15, -1e15, 123456789.123,
	};
	size_t ns = sizeof specials / sizeof specials[0];

	/* n = 1 of every special value, at extreme times. */
	for (size_t i = 0; i < ns; i++) {
		ts_in[0] = (i & 1) ? INT64_MIN : INT64_MAX;
		v_in[0] = specials[i];
		round_trip("n = 1", 1);
	}

	/* NaN payloads and signs kept. */
	regular_times(5, 100, 1);
	v_in[0] = double_of(0x7ff0000000000001u);
	v_in[1] = double_of(0xfff8000000000123u);
	v_in[2] = double_of(0x7ff8dead0000beefu);
	v_in[3] = double_of(0x7fffffffffffffffu);
	v_in[4] = double_of(0xffffffffffffffffu);
	round_trip("NaN payloads", 5);

	/* Every special after every other one. */
	for (size_t i = 0; i < 2 * ns * ns; i++) {
		ts_in[i] = -1000000 + 7 * (int64_t)i;
		v_in[i] = (i & 1) ? specials[i / 2 % ns] : specials[i / 2 / ns];
	}
	round_trip("specials mixed", 2 * ns * ns);

	/* The int64 extremes as times, and the largest possible delta. */
	ts_in[0] = INT64_MIN;
	ts_in[1] = INT64_MAX;
	v_in[0] = 1;
	v_in[1] = 2;
	round_trip("INT64_MIN then INT64_MAX", 2);
	ts_in[0] = INT64_MIN;
	ts_in[1] = INT64_MIN + 1;
	ts_in[2] = -1;
	ts_in[3] = 0;
	ts_in[4] = 1;
	ts_in[5] = INT64_MAX - 1;
	ts_in[6] = INT64_MAX;
	for (size_t i = 0; i < 7; i++)
		v_in[i] = -(double)i * 1.5;
	round_trip("extreme times", 7);

	/* Huge integers: 2^53 and beyond (doubles, not decimals), and
	 * integers right at the decimal mode's limit going both ways. */
	regular_times(6, 0, 60);
	v_in[0] = 9007199254740992.0;
	v_in[1] = -9007199254740992.0;
	v_in[2] = 9007199254740992.0;
	v_in[3] = 0;
	v_in[4] = -9007199254740991.0;
	v_in[5] = 9007199254740991.0;
	round_trip("+-2^53", 6);
	/* 01 06 00, the time chunk 00 05 78, then decimal mode k = 0. */
	CHECK_INT(block[6], 0);
	v_in[2] = 18014398509481984.0;	/* 2^54 */
	round_trip("2^54", 6);

	/* Negative decimals, irregular and jittered times. */
	ts_in[0] = 1000;
	for (size_t i = 1; i < 1000; i++)
		ts_in[i] = ts_in[i - 1] + 1 + (int64_t)(rng() % 5000);
	for (size_t i = 0; i < 1000; i++)
		v_in[i] = -(double)(int64_t)(rng() % 100000) / 100.0;
	round_trip("irregular, negative", 1000);
	for (size_t i = 1; i < 1000; i++)
		ts_in[i] = 1000 + 60 * (int64_t)i + (int64_t)(rng() % 5) - 2;
	round_trip("jitter", 1000);

	/* Mixed decimals that force the XOR mode: one value of 10 places
	 * among short ones. */
	regular_times(300, 1700000000, 1800);
	for (size_t i = 0; i < 300; i++)
		v_in[i] = (double)(i % 17) / 10.0;
	v_in[150] = 0.0000000001;
	round_trip("mixed decimals", 300);

	/* Watts of one decimal to kW by multiplying with 0.001, as an
	 * importer does: some products are an ulp or two off the decimal
	 * of four places, so the block takes the offsets mode, k = 4.  Its
	 * mode byte follows 01, n = 300 (ac 02), zigzag(1700000000) (80 c4
	 * 9f d5 0c) and one run of 299 1800s (00 ab 02 90 1c). */
	for (size_t i = 0; i < 300; i++)
		v_in[i] = (double)(int64_t)(rng() % 100000) / 10.0 * 0.001;
	round_trip("W times 0.001", 300);
	CHECK_INT(block[13], 0x24);

	/* A reading of -0.0, NaN and inf among short decimals: the offsets
	 * carry them whole. */
	for (size_t i = 0; i < 300; i++)
		v_in[i] = (double)(i % 17) / 10.0;
	v_in[10] = -0.0;
	v_in[20] = NAN;
	v_in[30] = -INFINITY;
	v_in[40] = 1e300;
	v_in[41] = 0.1 + 0.2;
	round_trip("specials among decimals", 300);

	/* Values that are not short decimals: sums of 0.1s. */
	v_in[0] = 0;
	for (size_t i = 1; i < 300; i++)
		v_in[i] = v_in[i - 1] + 0.1;
	round_trip("sums of 0.1", 300);
}

/* A day like bench/loadgen.c's, a kWh counter, and random series of
 * every kind: all must round-trip within the bound. */
static void test_series(void)
{
	double kwh = 12345.67;

	regular_times(1440, 1705244400, 60);
	for (size_t i = 0; i < 1440; i++) {
		double day = (double)i / 1440.0;
		double kw = 5.0 * (1.0 + 0.4 * sin(2 * M_PI * day)) +
			    (double)(rng() % 200) / 1000.0 - 0.1;

		v_in[i] = round(kw * 1000.0) / 1000.0;
	}
	round_trip("kW day", 1440);

	for (size_t i = 0; i < 1440; i++) {
		kwh += (double)(rng() % 300) / 1000.0;
		v_in[i] = round(kwh * 100.0) / 100.0;
	}
	round_trip("kWh counter", 1440);

	for (int round_no = 0; round_no < 200; round_no++) {
		size_t n = 1 + rng() % MAXN;
		int kind = (int)(rng() % 4);

		ts_in[0] = (int64_t)rng();
		if (ts_in[0] > INT64_MAX / 2)
			ts_in[0] /= 2;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = rng();

			if (i)
				ts_in[i] = ts_in[i - 1] + 1 +
					   (int64_t)(r % ((kind & 1) ? 3 :
							  1000000));
			if (kind == 0)
				v_in[i] = double_of(rng());
			else if (kind == 1)
				v_in[i] = (double)(int64_t)(r >> 20) / 1000.0;
			else if (kind == 2)
				v_in[i] = (r % 10 == 0) ? 1.5 : 2.5;
			else
				v_in[i] = (double)(int64_t)(rng() >> 11) *
					  ((r & 1) ? -1 : 1);
		}
		round_trip("random series", n);
	}
}

static void test_refusals(void)
{
	size_t len = 0, got;
	uint8_t small[64];

	regular_times(10, 0, 60);
	for (size_t i = 0; i < 10; i++)
		v_in[i] = (double)i;

	CHECK_INT(store_codec_encode(ts_in, v_in, 0, block, sizeof block,
				     &len), STORE_INVALID);
	ts_in[5] = ts_in[4];
	CHECK_INT(store_codec_encode(ts_in, v_in, 10, block, sizeof block,
				     &len), STORE_INVALID);
	ts_in[5] = ts_in[4] - 1;
	CHECK_INT(store_codec_encode(ts_in, v_in, 10, block, sizeof block,
				     &len), STORE_INVALID);
	ts_in[5] = ts_in[4] + 60;

	/* Every cap short of the length fails and writes within it. */
	len = round_trip("ten readings", 10);
	CHECK(len > 0 && len < sizeof small);
	for (size_t cap = 0; cap < len; cap++) {
		size_t l2 = 99;

		memset(small, 0xee, sizeof small);
		CHECK_INT(store_codec_encode(ts_in, v_in, 10, small, cap, &l2),
			  STORE_INVALID);
		for (size_t i = cap; i < sizeof small; i++)
			CHECK_AT(small[i] == 0xee, "cap %zu: byte %zu written",
				 cap, i);
	}
	CHECK_INT(store_codec_encode(ts_in, v_in, 10, small, len, &got),
		  STORE_OK);
	CHECK_INT(got, len);

	/* A block bigger than the decoder's arrays. */
	CHECK_INT(store_codec_decode(block, len, ts_out, v_out, 9, &got),
		  STORE_INVALID);

	/* Headers that are not this version's. */
	CHECK_INT(store_codec_count(block, 0, &got), STORE_INVALID);
	CHECK_INT(store_codec_count(block, 1, &got), STORE_INVALID);
	CHECK_INT(store_codec_count((const uint8_t[]){2, 1}, 2, &got),
		  STORE_INVALID);
	CHECK_INT(store_codec_count((const uint8_t[]){1, 0}, 2, &got),
		  STORE_INVALID);
	CHECK_INT(store_codec_count((const uint8_t[]){1, 0x80, 0x01}, 3,
				    &got), STORE_OK);
	CHECK_INT(got, 128);
	/* A varint's tenth byte carries bit 63 alone. */
	CHECK_INT(store_codec_count((const uint8_t[]){1, 0x80, 0x80, 0x80,
		  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x03}, 11, &got),
		  STORE_INVALID);
	CHECK_INT(store_codec_count((const uint8_t[]){1, 0x80, 0x80, 0x80,
		  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 11, &got),
		  STORE_OK);
	CHECK(got == (size_t)1 << 63 || SIZE_MAX < UINT64_MAX);
}

/* Hand-made blocks of two readings at 0 and 0 + delta, value 0 twice:
 * 01 02, first time, a time chunk "00 01 zigzag(delta)", decimal mode 0,
 * first integer 0, a value chunk "00 01 00" (one delta of 0). */
static int decode_two(const uint8_t *first, size_t first_len,
		      uint8_t delta)
{
	uint8_t p[32];
	size_t len = 0, n;

	p[len++] = 1;
	p[len++] = 2;
	memcpy(p + len, first, first_len);
	len += first_len;
	memcpy(p + len, (const uint8_t[]){0, 1, delta, 0, 0, 0, 1, 0}, 8);
	len += 8;
	return store_codec_decode(p, len, ts_out, v_out, 2, &n);
}

static void test_bad_times(void)
{
	static const uint8_t zero[] = {0};
	/* zigzag(INT64_MAX) = 2^64 - 2 */
	static const uint8_t max[] = {
		0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	/* zigzag(INT64_MAX - 1) = 2^64 - 4 */
	static const uint8_t max1[] = {
		0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};

	CHECK_INT(decode_two(zero, 1, 2), STORE_OK);	/* delta 1 */
	CHECK_INT(ts_out[1], 1);
	CHECK_INT(decode_two(zero, 1, 0), STORE_INVALID);	/* delta 0 */
	CHECK_INT(decode_two(zero, 1, 1), STORE_INVALID);	/* delta -1 */
	CHECK_INT(decode_two(max1, sizeof max1, 2), STORE_OK);
	CHECK_INT(ts_out[1], INT64_MAX);
	CHECK_INT(decode_two(max, sizeof max, 2), STORE_INVALID);
}

/* Decodes in[0..len) into arrays of exactly cap readings on the heap
 * (so ASan sees any write past them); a success must be within cap and
 * have increasing times. */
static void decode_damaged(const uint8_t *in, size_t len, size_t cap,
			   size_t *ok)
{
	int64_t *ts = malloc(cap * sizeof *ts);
	double *v = malloc(cap * sizeof *v);
	uint8_t *copy = malloc(len ? len : 1);
	size_t n = 0;
	int rc;

	memcpy(copy, in, len);
	rc = store_codec_decode(copy, len, ts, v, cap, &n);
	CHECK_AT(rc == STORE_OK || rc == STORE_INVALID, "decode gave %d", rc);
	if (rc == STORE_OK) {
		(*ok)++;
		CHECK_AT(n >= 1 && n <= cap, "decoded %zu of cap %zu", n, cap);
		for (size_t i = 1; i < n && i < cap; i++)
			CHECK_AT(ts[i] > ts[i - 1], "time %zu not increasing",
				 i);
	}
	free(ts);
	free(v);
	free(copy);
}

static void test_damage(void)
{
	uint8_t good[4][4096];
	size_t glen[4], ok = 0, n = 0;

	/* Valid blocks: decimal frames, XOR, runs with a gap, offsets. */
	regular_times(300, 1705244400, 60);
	for (size_t i = 0; i < 300; i++)
		v_in[i] = (double)(int64_t)(rng() % 5000) / 1000.0;
	glen[0] = round_trip("damage source 1", 300);
	memcpy(good[0], block, glen[0]);
	for (size_t i = 0; i < 300; i++)
		v_in[i] = double_of(rng() >> (rng() % 12));
	glen[1] = round_trip("damage source 2", 300);
	memcpy(good[1], block, glen[1]);
	for (size_t i = 150; i < 300; i++)
		ts_in[i] += 3600;
	for (size_t i = 0; i < 300; i++)
		v_in[i] = 1.0;
	glen[2] = round_trip("damage source 3", 300);
	memcpy(good[2], block, glen[2]);
	regular_times(300, 1700000000, 1800);
	for (size_t i = 0; i < 300; i++)
		v_in[i] = (double)(int64_t)(rng() % 100000) / 10.0 * 0.001;
	glen[3] = round_trip("damage source 4", 300);
	memcpy(good[3], block, glen[3]);
	CHECK(glen[3] > 20 && (block[13] & 0xf0) == 0x20);

	for (int b = 0; b < 4; b++) {
		/* No proper prefix of a block is a block. */
		for (size_t len = 0; len < glen[b]; len++) {
			size_t before = ok;

			decode_damaged(good[b], len, 300, &ok);
			CHECK_AT(ok == before, "block %d cut at %zu decoded",
				 b, len);
		}

		/* Every single bit flipped, with room for the block and
		 * with less. */
		for (size_t bit = 0; bit < glen[b] * 8; bit++) {
			uint8_t *p = good[b];

			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			decode_damaged(p, glen[b], 300, &ok);
			decode_damaged(p, glen[b], 1 + bit % 299, &ok);
			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}

		/* Random bytes over random stretches. */
		for (int k = 0; k < 1000; k++) {
			uint8_t p[4096];
			size_t at = rng() % glen[b];
			size_t span = 1 + rng() % 8;

			memcpy(p, good[b], glen[b]);
			for (size_t i = at; i < at + span && i < glen[b]; i++)
				p[i] = (uint8_t)rng();
			decode_damaged(p, glen[b], 300, &ok);
		}
	}

	/* Random byte strings, some with a valid header. */
	for (int k = 0; k < 5000; k++) {
		uint8_t p[256];
		size_t len = rng() % sizeof p;

		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rng();
		if ((k & 1) && len > 2) {
			p[0] = STORE_CODEC_VERSION;
			p[1] = (uint8_t)(1 + rng() % 100);
		}
		decode_damaged(p, len, 1 + rng() % 200, &ok);
	}
	CHECK(store_codec_count(good[0], glen[0], &n) == STORE_OK &&
	      n == 300);
	printf("damaged blocks that still decoded: %zu\n", ok);
}

int main(void)
{
	test_format();
	test_modes();
	test_edges();
	test_series();
	test_refusals();
	test_bad_times();
	test_damage();
	return check_finish();
}
