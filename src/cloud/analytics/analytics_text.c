/*
 * analytics_text.c - numbers and strings as JSON text (analytics_text.h).
 *
 * A double's 17 significant digits are found with one multiplication in
 * long double (x86's 64-bit mantissa): a * 10^(16 - e), e the decimal
 * exponent of a, rounded to an integer of 17 digits.  Powers of ten up
 * to 10^27 are exact in long double, so the only errors are the one
 * rounding of the product (2^-64 relative: under 0.006 of a unit of
 * the 17th digit, as the integer is below 10^17) and the rounding to an
 * integer (half a unit).  Half a unit in the last place of the double
 * is more than 0.555 units of the 17th digit (a * 10^(16 - e) >= 10^16
 * and a < 2^(E + 1) give 2^(E - 53) * 10^(16 - e) > 10^16 / 2^54), so
 * those 17 digits always read back as the same double.  Anything
 * outside the fast path is printed with "%.17g", as jansson does, and
 * so is everything where long double is no wider than double (32-bit
 * ARM): there the product's rounding alone can cost a digit.
 */
#include "cloud/analytics/analytics_text.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The fast path: 1e-4 <= |v| < 1e15, so 10^(16 - e) is at most 10^20;
 * it needs x86's 64-bit mantissa or more. */
#define FAST_PATH (LDBL_MANT_DIG >= 64)
#define FAST_MIN_EXP (-4)
#define FAST_MAX_EXP 14

static const long double pow10l_table[] = {
	1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
	1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
	1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
	1e21L,
};

static const double pow10_table[] = {
	1e-4, 1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,	1e4,  1e5,
	1e6,  1e7,  1e8,  1e9,	1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

/* The decimal exponent of a in the fast range: 10^e <= a < 10^(e+1),
 * up to an error of one that the caller corrects. */
static int decimal_exp(double a)
{
	int e = FAST_MIN_EXP;

	while (e < FAST_MAX_EXP && pow10_table[e + 1 - FAST_MIN_EXP] <= a)
		e++;
	return e;
}

/* The 17 digits of a (fast range) as an integer, and its exponent. */
static bool digits17(double a, uint64_t *m, int *e)
{
	const uint64_t lo = UINT64_C(10000000000000000);	/* 10^16 */
	const uint64_t hi = UINT64_C(100000000000000000);	/* 10^17 */
	int x = decimal_exp(a);

	for (int tries = 0; tries < 3; tries++) {
		long double scaled = (long double)a * pow10l_table[16 - x];
		uint64_t r = (uint64_t)llrintl(scaled);

		if (r >= hi && x < FAST_MAX_EXP) {
			x++;
		} else if (r < lo && x > FAST_MIN_EXP) {
			x--;
		} else if (r >= lo && r < hi) {
			*m = r;
			*e = x;
			return true;
		} else {
			return false;
		}
	}
	return false;
}

/* m (17 digits) x 10^(e - 16) in plain decimals, trailing zeros cut,
 * into buf (at least 32 bytes); returns the length. */
static size_t write_fixed(char *buf, bool neg, uint64_t m, int e)
{
	char d[17];
	size_t n = 0, nd = 17;

	for (int i = 16; i >= 0; i--) {
		d[i] = (char)('0' + m % 10);
		m /= 10;
	}
	while (nd > 1 && d[nd - 1] == '0')
		nd--;
	if (neg)
		buf[n++] = '-';
	if (e >= 0) {
		for (size_t i = 0; i <= (size_t)e; i++)
			buf[n++] = i < nd ? d[i] : '0';
		buf[n++] = '.';
		if (nd <= (size_t)e + 1)
			buf[n++] = '0';
		for (size_t i = (size_t)e + 1; i < nd; i++)
			buf[n++] = d[i];
	} else {
		buf[n++] = '0';
		buf[n++] = '.';
		for (int i = -1; i > e; i--)
			buf[n++] = '0';
		for (size_t i = 0; i < nd; i++)
			buf[n++] = d[i];
	}
	buf[n] = '\0';
	return n;
}

void analytics_text_real(GString *out, double v)
{
	char buf[40];
	double a = fabs(v);
	uint64_t m;
	size_t n;
	int e;

	if (!isfinite(v)) {
		g_string_append(out, "null");
		return;
	}
	if (FAST_PATH && a >= 1e-4 && a < 1e15 && digits17(a, &m, &e)) {
		n = write_fixed(buf, v < 0, m, e);
		g_string_append_len(out, buf, (gssize)n);
		return;
	}

	/* As jansson prints a real: a '.' where "%.17g" gave none. */
	snprintf(buf, sizeof buf, "%.17g", v);
	g_string_append(out, buf);
	if (!strpbrk(buf, ".eE"))
		g_string_append(out, ".0");
}

void analytics_text_string(GString *out, const char *s)
{
	gchar *valid = g_utf8_validate(s, -1, NULL) ? NULL
						     : g_utf8_make_valid(s, -1);
	const unsigned char *p = (const unsigned char *)(valid ? valid : s);

	g_string_append_c(out, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, (char)*p);
		} else if (*p < 0x20) {
			g_string_append_printf(out, "\\u%04x", *p);
		} else {
			g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
	g_free(valid);
}
