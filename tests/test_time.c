/*
 * test_time.c - core_time_parse() and core_time_format() against hand
 * worked instants, against GLib's own calendar over a sweep of instants
 * in zones with odd offsets, and on the strings RFC 3339 does not allow.
 */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "core/timeutil.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: 719162 days before
 * 1970 and 2932896 days after it, less one second. */
#define YEAR1 (-719162LL * 86400)
#define YEAR9999_END (2932897LL * 86400 - 1)

static void test_accepted(void)
{
	static const struct {
		const char *s;
		long long want;
	} cases[] = {
		{"2022-06-27T09:00:00+09:00", 19170LL * 86400},
		{"2022-06-27t00:00:00z", 19170LL * 86400},
		{"2022-06-27 00:00:00Z", 19170LL * 86400},
		{"2022-06-27T00:00:00.999999Z", 19170LL * 86400},
		{"2022-06-26T23:30:00-00:30", 19170LL * 86400},
		{"1969-12-31T23:59:59.5Z", -1},
		{"1970-01-01T00:00:00+14:00", -14 * 3600},
		/* 2024-01-01 is day 19723, so its Feb 29 is day 19723 + 59. */
		{"2024-02-29T00:00:00Z", 19782LL * 86400},
		{"2000-03-01T00:00:00Z", 11017LL * 86400},
		{"0001-01-01T00:00:00Z", YEAR1},
		{"0001-01-01T00:00:00+10:00", YEAR1 - 36000},
		{"9999-12-31T23:59:59Z", YEAR9999_END},
		{"9999-12-31T23:59:59-05:00", YEAR9999_END + 5 * 3600},
		{"1656288000", 1656288000},
		{"-3600", -3600},
		{"0", 0},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int64_t t = 42;
		int rc = core_time_parse(cases[i].s, &t);

		CHECK_AT(rc == 0 && t == cases[i].want,
			 "\"%s\": rc %d, %lld, want %lld", cases[i].s, rc,
			 (long long)t, cases[i].want);
	}
}

static void test_refused(void)
{
	static const char *const cases[] = {
		"", "2022-06-27T09:00:00", "2022-06-27", "2022-06-27T14:00Z",
		"2022-06-27T14:00:00+0900", "2022-06-27T14:00:00+09",
		"2022-W26-1T14:00:00Z", "2022-178T14:00:00Z",
		"20220627T140000Z", "2022-06-27T14:00:00.Z",
		"2022-06-27T14:00:00,5Z", "2022-06-27T14:00:00 Z",
		"2022-06-27T14:00:00Z ", " 1656306300", "+1656306300",
		"1656306300.5", "1656306300 ", "-", "--1", "12abc",
		"99999999999999999999", "2022-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z", "2022-04-31T00:00:00Z",
		"2022-13-01T00:00:00Z", "2022-00-01T00:00:00Z",
		"2022-06-00T00:00:00Z", "2022-06-27T24:00:00Z",
		"2022-06-27T23:60:00Z", "2022-06-27T23:59:60Z",
		"2022-06-27T12:00:00+24:00", "2022-06-27T12:00:00+09:60",
		"2022-6-27T12:00:00Z", "22022-06-27T12:00:00Z",
		"2022-06-27X12:00:00Z", "2022-06-27T12:00:00+09:00x",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int64_t t = 42;

		CHECK_AT(core_time_parse(cases[i], &t) == -1 && t == 42,
			 "\"%s\" was taken as %lld", cases[i], (long long)t);
	}
	CHECK(core_time_parse(NULL, NULL) == -1);
}

/* GLib's calendar, the independent reference for the sweep.  Returns
 * false when the zone's offset at ts has seconds, which RFC 3339 cannot
 * write: akari then shows the clock of the offset cut to minutes. */
static bool glib_format(int64_t ts, GTimeZone *tz, char *buf, size_t len)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(ts);
	GDateTime *dt = g_date_time_to_timezone(utc, tz);
	gchar *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S%:z");
	bool whole = g_date_time_get_utc_offset(dt) % (60 * G_TIME_SPAN_SECOND)
		     == 0;

	g_strlcpy(buf, s, len);
	g_free(s);
	g_date_time_unref(dt);
	g_date_time_unref(utc);
	return whole;
}

static void test_sweep(void)
{
	static const char *const zones[] = {
		"UTC", "Asia/Tokyo", "Europe/Berlin", "America/St_Johns",
		"Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Kiritimati",
		"America/Sao_Paulo", "+10:00",
	};
	GRand *r = g_rand_new_with_seed(20250330);

	for (size_t z = 0; z < G_N_ELEMENTS(zones); z++) {
		GTimeZone *tz = core_tz_new(zones[z]);
		int bad = 0;

		CHECK_AT(tz != NULL, "zone %s", zones[z]);
		if (!tz)
			continue;
		for (int i = 0; i < 20000; i++) {
			/* 1900-01-02 .. 9999-12-30, and half of them near
			 * the present, where the zones change most. */
			int64_t lo = -2208902400LL, hi = 253402128000LL, ts;
			char want[64], got[64];
			int64_t back = 0;
			bool whole;

			if (i % 2)
				lo = 0, hi = 2000000000LL;
			ts = lo + (int64_t)(g_rand_double(r) *
					    (double)(hi - lo));
			whole = glib_format(ts, tz, want, sizeof want);
			core_time_format(ts, tz, got, sizeof got);
			if ((whole && strcmp(got, want)) ||
			    core_time_parse(got, &back) || back != ts) {
				if (bad++ < 3)
					CHECK_AT(0, "%s %lld: got %s (back "
						 "%lld), want %s", zones[z],
						 (long long)ts, got,
						 (long long)back, want);
			}
		}
		CHECK_AT(bad == 0, "%s: %d of 20000 differ", zones[z], bad);
		g_time_zone_unref(tz);
	}
	g_rand_free(r);
}

/* Past GLib's years the string still comes, so a caller can say what
 * was out of range. */
static void test_format_range(void)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GTimeZone *aest = core_tz_new("+10:00");
	char buf[32];

	core_time_format(YEAR9999_END + 1, utc, buf, sizeof buf);
	CHECK_STR(buf, "10000-01-01T00:00:00+00:00");
	core_time_format(YEAR1 - 36000, aest, buf, sizeof buf);
	CHECK_STR(buf, "0001-01-01T00:00:00+10:00");
	core_time_format(YEAR1 - 1, utc, buf, sizeof buf);
	CHECK_STR(buf, "0000-12-31T23:59:59+00:00");
	core_time_format(-1, utc, buf, sizeof buf);
	CHECK_STR(buf, "1969-12-31T23:59:59+00:00");
	g_time_zone_unref(utc);
	g_time_zone_unref(aest);
}

/* Zone names that are paths are refused before GLib sees them: GLib
 * would open "/etc/passwd" or "../../etc/passwd" under its zoneinfo
 * directory as a zone file.  IANA names and offsets still work. */
static void test_tz_names(void)
{
	static const char *const good[] = {
		"Asia/Tokyo", "UTC", "+10:00", "Etc/GMT-9",
		"America/Port-au-Prince", "America/Argentina/Buenos_Aires",
	};
	static const char *const bad[] = {
		"", "/etc/localtime", "../../etc/passwd", "Asia/../Asia/Tokyo",
		"Asia/Tokyo ", "Asia\\Tokyo", "Asia/Tokyo.bak",
	};
	char longest[CORE_TZ_NAME_MAX + 2];

	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		GTimeZone *tz = core_tz_new(good[i]);

		CHECK_AT(core_tz_name_ok(good[i]), "%s is a zone name",
			 good[i]);
		CHECK_AT(tz != NULL, "%s makes a zone", good[i]);
		if (tz)
			g_time_zone_unref(tz);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_AT(!core_tz_name_ok(bad[i]), "'%s' is refused", bad[i]);
		CHECK_AT(core_tz_new(bad[i]) == NULL, "'%s' makes no zone",
			 bad[i]);
	}
	/* 65 letters, one over the longest name allowed. */
	memset(longest, 'A', 65);
	longest[65] = '\0';
	CHECK(!core_tz_name_ok(longest));
	longest[64] = '\0';
	CHECK(core_tz_name_ok(longest));
	CHECK(!core_tz_name_ok(NULL));
	CHECK(core_tz_new(NULL) == NULL);
}

int main(void)
{
	test_accepted();
	test_refused();
	test_sweep();
	test_format_range();
	test_tz_names();
	return check_finish();
}
