/*
 * ingest_number.c - the short decimal forms read without strtod.
 *
 * Why the fast path is exact (Clinger's observation): a mantissa w of
 * at most 2^53 is a double exactly, and so is 10^k for k <= 22 (5^22 is
 * below 2^53).  IEEE 754 rounds one product or quotient of two exact
 * operands correctly, so w * 10^k and w / 10^k are the doubles nearest
 * the decimal's true value, which is what strtod returns.
 */
#include "cloud/ingest/ingest_number.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define MAX_SIG_DIGITS 19	/* 10^19 - 1 fits a uint64_t */
#define MAX_EXACT_MANTISSA (UINT64_C(1) << 53)
#define MAX_EXACT_POW10 22

static const double pow10_exact[MAX_EXACT_POW10 + 1] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
	1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	1e18, 1e19, 1e20, 1e21, 1e22,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Adds digit c to *w, counting significant digits; false past the max. */
static bool add_digit(uint64_t *w, int *sig, char c)
{
	if (*w == 0 && c == '0')
		return true;	/* a leading zero adds nothing */
	if (++*sig > MAX_SIG_DIGITS)
		return false;
	*w = *w * 10 + (uint64_t)(c - '0');
	return true;
}

/* Reads [eE][+-]digits at *p into *e10; false when it is not one the
 * fast path takes (no digits, or an exponent too big to matter). */
static bool read_exponent(const char **p, int *e10)
{
	const char *q = *p + 1;
	bool neg = false;
	int x = 0;

	if (*q == '-' || *q == '+')
		neg = *q++ == '-';
	if (!is_digit(*q))
		return false;
	for (; is_digit(*q); q++) {
		if (x > 100000)
			return false;
		x = x * 10 + (*q - '0');
	}
	*e10 += neg ? -x : x;
	*p = q;
	return true;
}

double ingest_strtod(const char *s, char **end)
{
	const char *p = s;
	uint64_t w = 0;
	int sig = 0, e10 = 0, digits = 0;
	bool neg = false;
	double v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; is_digit(*p); p++, digits++)
		if (!add_digit(&w, &sig, *p))
			goto slow;
	if (*p == '.') {
		for (p++; is_digit(*p); p++, digits++, e10--)
			if (!add_digit(&w, &sig, *p))
				goto slow;
	}
	if (!digits)
		goto slow;
	if ((*p == 'e' || *p == 'E') && !read_exponent(&p, &e10))
		goto slow;

	/* What strtod might read on: hexadecimal, inf, nan, a second '.'. */
	if (g_ascii_isalnum(*p) || *p == '.' || *p == '_')
		goto slow;
	if (w > MAX_EXACT_MANTISSA || e10 < -MAX_EXACT_POW10 ||
	    e10 > MAX_EXACT_POW10)
		goto slow;

	v = (double)w;
	v = e10 < 0 ? v / pow10_exact[-e10] : v * pow10_exact[e10];
	*end = (char *)p;
	errno = 0;	/* as g_ascii_strtod() leaves it on success */
	return neg ? -v : v;

slow:
	return g_ascii_strtod(s, end);
}

long long ingest_strtoll(const char *s, char **end)
{
	const char *p = s;
	uint64_t v = 0;
	bool neg = false;
	int n = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';

	/* 19 digits fit a uint64_t; more go to strtoll, for its ERANGE. */
	for (; is_digit(*p); p++) {
		if (++n > 19)
			return strtoll(s, end, 10);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!n || v > (uint64_t)LLONG_MAX + neg)
		return strtoll(s, end, 10);
	*end = (char *)p;
	if (neg)
		return v == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	return (long long)v;
}
