/*
 * test_analytics_text.c - numbers and strings written as JSON text by
 * analytics_text.h.  Each number must read back, with strtod() and with
 * jansson, as the very double written; the short forms below are worked
 * out by hand.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cloud/analytics/analytics_text.h"

static char *real_text(double v)
{
	GString *s = g_string_new(NULL);

	analytics_text_real(s, v);
	return g_string_free(s, FALSE);
}

/* v written and read back, both ways. */
static void check_round_trip(double v)
{
	char *t = real_text(v);
	json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);

	CHECK_AT(strtod(t, NULL) == v, "%.17g written as %s", v, t);
	CHECK_AT(json_is_real(j) && json_real_value(j) == v,
		 "%.17g written as %s: jansson reads another value", v, t);
	json_decref(j);
	g_free(t);
}

static void check_text(double v, const char *want)
{
	char *t = real_text(v);

	CHECK_STR(t, want);
	g_free(t);
}

/* splitmix64: the same pseudo-random doubles on every run. */
static uint64_t mix(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int main(void)
{
	uint64_t state = 42;
	GString *s;

	/* 17 significant digits, trailing zeros cut, and a '.' always:
	 * 2.345 is 2.34500000000000019984... as a double, 0.1 is
	 * 0.10000000000000000555..., 123.456 is 123.45600000000000306... */
	check_text(2.0, "2.0");
	check_text(0.5, "0.5");
	check_text(-0.5, "-0.5");
	check_text(2.345, "2.3450000000000002");
	check_text(123.456, "123.456");
	check_text(0.1, "0.10000000000000001");
	check_text(1e14, "100000000000000.0");
	check_text(0.0001, "0.0001");
	/* 0.1 + 0.2 is 0.30000000000000004 in a double */
	check_text(0.1 + 0.2, "0.30000000000000004");
	check_text(1.0 / 3.0, "0.33333333333333331");
	check_text(0.0, "0.0");
	check_text(1e300, "1.0000000000000001e+300");
	check_text(NAN, "null");
	check_text(INFINITY, "null");

	/* Round trips: edges of the fast path, powers of ten and their
	 * neighbours, averages of the kind aggregates make, and doubles
	 * of random bits over the whole range. */
	for (int e = -6; e <= 16; e++) {
		double p = pow(10, e);

		check_round_trip(p);
		check_round_trip(nextafter(p, 0));
		check_round_trip(nextafter(p, INFINITY));
		check_round_trip(-p);
	}
	for (int i = 1; i <= 20000; i++)
		check_round_trip((double)(i * 7919 % 100003) / 1000.0 / 60.0);
	for (int i = 0; i < 200000; i++) {
		uint64_t bits = mix(&state);
		double v;

		memcpy(&v, &bits, sizeof v);
		if (isfinite(v))
			check_round_trip(v);
		/* and one in the fast path's range */
		check_round_trip(ldexp((double)(bits >> 11), -53) *
				 pow(10, (int)(bits % 19) - 4));
	}

	/* Strings: quotes, backslashes and control bytes escaped, UTF-8
	 * kept, broken UTF-8 replaced. */
	s = g_string_new(NULL);
	analytics_text_string(s, "hall/p\"1\\\n\x01\xe6\x9d\xb1");
	CHECK_STR(s->str, "\"hall/p\\\"1\\\\\\u000a\\u0001\xe6\x9d\xb1\"");
	g_string_truncate(s, 0);
	analytics_text_string(s, "a\xff");
	CHECK_STR(s->str, "\"a\xef\xbf\xbd\"");
	g_string_free(s, TRUE);

	return check_finish();
}
