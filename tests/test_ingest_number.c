/*
 * test_ingest_number.c - the ingest parsers' number reading against the
 * C library: for every input, ingest_strtod() must give the very double
 * strtod() gives (bit for bit, so -0 and 0 differ), stop at the same
 * character and leave the same errno, and ingest_strtoll() likewise
 * against strtoll(..., 10).  The oracle is the C library in the C
 * locale; the inputs are edge cases by hand and random decimals of the
 * forms meters, JSON encoders and printf write.
 */
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "check.h"
#include "cloud/ingest/ingest_number.h"

static int strtod_cases, strtoll_cases;

static void same_as_strtod(const char *s)
{
	char *end_lib, *end_ours;
	double lib, ours;
	int errno_lib, errno_ours;

	errno = 0;
	lib = strtod(s, &end_lib);
	errno_lib = errno;
	errno = 0;
	ours = ingest_strtod(s, &end_ours);
	errno_ours = errno;

	CHECK_AT(memcmp(&lib, &ours, sizeof lib) == 0,
		 "\"%s\": strtod %a (%.17g), ingest_strtod %a (%.17g)", s,
		 lib, lib, ours, ours);
	CHECK_AT(end_lib == end_ours,
		 "\"%s\": strtod ends at %td, ours at %td", s, end_lib - s,
		 end_ours - s);
	CHECK_AT(errno_lib == errno_ours, "\"%s\": strtod errno %d, ours %d",
		 s, errno_lib, errno_ours);

	/* With errno set before the call: g_ascii_strtod() clears it on
	 * success, and so must the fast path. */
	errno = EINVAL;
	lib = g_ascii_strtod(s, &end_lib);
	errno_lib = errno;
	errno = EINVAL;
	ours = ingest_strtod(s, &end_ours);
	errno_ours = errno;
	CHECK_AT(errno_lib == errno_ours, "\"%s\": errno preset, "
		 "g_ascii_strtod leaves %d, ours %d", s, errno_lib,
		 errno_ours);
	strtod_cases++;
}

static void same_as_strtoll(const char *s)
{
	char *end_lib, *end_ours;
	long long lib, ours;
	int errno_lib, errno_ours;

	errno = 0;
	lib = strtoll(s, &end_lib, 10);
	errno_lib = errno;
	errno = 0;
	ours = ingest_strtoll(s, &end_ours);
	errno_ours = errno;

	CHECK_AT(lib == ours, "\"%s\": strtoll %lld, ingest_strtoll %lld", s,
		 lib, ours);
	CHECK_AT(end_lib == end_ours,
		 "\"%s\": strtoll ends at %td, ours at %td", s, end_lib - s,
		 end_ours - s);
	CHECK_AT(errno_lib == errno_ours, "\"%s\": strtoll errno %d, ours %d",
		 s, errno_lib, errno_ours);
	strtoll_cases++;
}

static const char *const double_edges[] = {
	"0", "-0", "+0", "0.0", "-0.0", "00", "0e0", "-0e-5", "0e-400",
	".5", "-.5", "5.", "-5.", ".", "-", "+", "", " 1", "\t1", "e5", ".e5",
	"1e", "1e+", "1e-", "1.5e", "1.5E+", "1.5.3", "1..5", "1e5e3", "1e5.3",
	"0x1p3", "0X10", "0x", "inf", "-inf", "INF", "nan", "NaN", "infinity",
	"1_000", "12abc", "12,5", "1 2", "1i", "1u", "2.5i", "1e5i",
	"0.1", "0.2", "0.3", "0.7", "1.1", "2.675", "1.005", "46690",
	"12.345", "-12.345", "999.999", "3.14159265358979323846",
	"9007199254740991", "9007199254740992", "9007199254740993",
	"9007199254740994", "18014398509481985", "9007199254740993e-22",
	"9007199254740992e22", "9007199254740992e-22", "1e22", "1e23",
	"1e-22", "1e-23", "4503599627370497.5", "123456789012345678",
	"1234567890123456789", "12345678901234567890",
	"1.2345678901234567890", "0.000000000000000000001",
	"0.0000000000000000000001", "0.00000000000000000000001",
	"00000000000000000000001.5", "1.000000000000000000000",
	"100000000000000000000", "10000000000000000000e-3",
	"1.7976931348623157e308", "1.7976931348623159e308", "1e308",
	"1e309", "-1e400", "2.2250738585072014e-308",
	"2.2250738585072011e-308", "4.9e-324", "2e-324", "1e-400",
	"1e99999999999", "1e-99999999999", "0e99999999999",
	"1e+0022", "1e-0022", "7e-3", "7E3", "7e+3",
	"2.47032822920623272e-324", "0.5000000000000000277555756156289135",
	"1.0000000000000002220446049250313080847263336181640625",
	"89255.0e-22", "8.9255e-18", "3.0e-308", "55e-1", "1448997445238699",
};

static const char *const int_edges[] = {
	"0", "-0", "+0", "00", "007", "-007", "1", "-1", "+1", "", "-", "+",
	" 5", "\t5", "5 ", "--5", "+-5", "12i", "12u", "1e5", "1.5",
	"1705244400", "-1705244400", "1705244400000000000",
	"999999999999999999", "9999999999999999999", "99999999999999999999",
	"9223372036854775806", "9223372036854775807", "9223372036854775808",
	"9223372036854775809", "18446744073709551615", "18446744073709551616",
	"-9223372036854775807", "-9223372036854775808", "-9223372036854775809",
	"0000000000000000000001", "-0000000000000000000001",
	"0009223372036854775807", "12345678901234567890123",
};

/* xorshift64*: the same inputs on every run. */
static uint64_t rnd_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * UINT64_C(2685821657736338717);
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* digits random digits at p; returns p past them. */
static char *put_digits(char *p, int digits)
{
	for (int i = 0; i < digits; i++)
		*p++ = (char)('0' + rnd_below(10));
	return p;
}

/* [sign] digits [. digits] [e [sign] digits], each part random. */
static void random_decimal(char *buf)
{
	static const char *const signs[] = {"", "", "-", "+"};
	char *p = buf;
	int idig = (int)rnd_below(22), fdig = (int)rnd_below(22);

	p += sprintf(p, "%s", signs[rnd_below(4)]);
	p = put_digits(p, idig);
	if (rnd_below(3))
		*p++ = '.';
	p = put_digits(p, fdig);
	if (!rnd_below(3))
		p += sprintf(p, "%c%s%d", rnd_below(2) ? 'e' : 'E',
			     signs[rnd_below(4)], (int)rnd_below(40));
	*p = '\0';
}

/* A random double, as printf writes it in one of its forms. */
static void random_printed(char *buf)
{
	uint64_t bits = rnd();
	double v;

	/* Half of all over the whole range, half like a meter's value. */
	if (rnd_below(2)) {
		memcpy(&v, &bits, sizeof v);
		if (v != v || v - v != 0)
			v = 1.0;
	} else {
		v = (double)(bits % 100000000) / 1000.0 *
		    (rnd_below(2) ? 1 : -1);
	}
	switch (rnd_below(8)) {
	case 0:
		snprintf(buf, 400, "%.17g", v);
		break;
	case 1:
		snprintf(buf, 400, "%.3f", v);
		break;
	case 2:
		snprintf(buf, 400, "%g", v);
		break;
	case 3:
		snprintf(buf, 400, "%.1f", v);
		break;
	case 4:
		snprintf(buf, 400, "%.15g", v);
		break;
	case 5:
		snprintf(buf, 400, "%.6e", v);
		break;
	case 6:
		snprintf(buf, 400, "%.0f", v);
		break;
	default:
		snprintf(buf, 400, "%.10f", v);
		break;
	}
}

static void random_int(char *buf)
{
	static const char *const signs[] = {"", "", "-", "+"};
	char *p = buf + sprintf(buf, "%s", signs[rnd_below(4)]);

	p = put_digits(p, 1 + (int)rnd_below(21));
	*p = '\0';
}

int main(void)
{
	char buf[512];

	for (size_t i = 0; i < sizeof double_edges / sizeof *double_edges;
	     i++)
		same_as_strtod(double_edges[i]);
	for (size_t i = 0; i < sizeof int_edges / sizeof *int_edges; i++) {
		same_as_strtoll(int_edges[i]);
		same_as_strtod(int_edges[i]);
	}

	for (int i = 0; i < 300000; i++) {
		random_decimal(buf);
		same_as_strtod(buf);
		random_printed(buf);
		same_as_strtod(buf);
		random_int(buf);
		same_as_strtoll(buf);
	}

	/* Every double near the fast path's edges: 2^53 and 10^+-22. */
	for (int k = -25; k <= 25; k++)
		for (int64_t w = (INT64_C(1) << 53) - 3;
		     w <= (INT64_C(1) << 53) + 3; w++) {
			snprintf(buf, sizeof buf, "%lldE%d", (long long)w, k);
			same_as_strtod(buf);
		}

	printf("%d strtod and %d strtoll inputs compared\n", strtod_cases,
	       strtoll_cases);
	return check_finish();
}
