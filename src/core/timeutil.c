/*
 * timeutil.c - RFC 3339 in and out, and local day starts.
 *
 * Parsing and formatting do their own calendar arithmetic (proleptic
 * Gregorian, days counted from 1970-01-01) and ask GLib only for a
 * zone's UTC offset at an instant.  GDateTime stops at the years 1 and
 * 9999 in UTC and fails with NULL outside them, while a well-formed time
 * such as 0001-01-01T00:00:00+10:00 lies just outside; doing the
 * arithmetic here lets every caller get an instant or a string back and
 * judge the range itself, with a message that says it is the range.
 */
#include "core/timeutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S INT64_C(86400)

/* Days from 1970-01-01 to y-m-d (month 1..12), after H. Hinnant's
 * days_from_civil: years are counted from March, so that the leap day
 * ends a year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits at *s into *out and moves *s past them. */
static bool digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool expect(const char **s, char c)
{
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

/* Unix seconds: an optional '-' and digits, nothing else, in range. */
static int parse_unix(const char *s, int64_t *out)
{
	const char *p = s + (*s == '-');
	char *end;
	long long v;

	if (!*p || strspn(p, "0123456789") != strlen(p))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/*
 * RFC 3339 section 5.6: full-date "T" full-time, where the T may also
 * be a 't' or, as the RFC allows for readability, a space; seconds are
 * required, a fraction is dropped, and the offset is Z, z or +hh:mm /
 * -hh:mm.  A leap second (:60) is refused: Unix time has none.
 */
static int parse_rfc3339(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t t;

	if (!digits(&s, 4, &y) || !expect(&s, '-') || !digits(&s, 2, &mo) ||
	    !expect(&s, '-') || !digits(&s, 2, &d))
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (!digits(&s, 2, &h) || !expect(&s, ':') || !digits(&s, 2, &mi) ||
	    !expect(&s, ':') || !digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (!digits(&s, 2, &oh) || !expect(&s, ':') ||
		    !digits(&s, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*s)
		return -1;

	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59)
		return -1;
	t = days_from_civil(y, mo, d) * DAY_S + h * 3600 + mi * 60 + sec;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

int core_time_parse(const char *s, int64_t *out)
{
	if (!s || !*s)
		return -1;
	if (parse_unix(s, out) == 0)
		return 0;
	return parse_rfc3339(s, out);
}

/* The UTC offset of tz at instant ts, in seconds. */
static int32_t offset_at(GTimeZone *tz, int64_t ts)
{
	int iv = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, ts);

	return g_time_zone_get_offset(tz, iv < 0 ? 0 : iv);
}

void core_time_format(int64_t ts, GTimeZone *tz, char *buf, size_t len)
{
	/* RFC 3339 offsets have no seconds, while the local mean times of
	 * the early 1900s do (St. John's was -03:30:52).  The offset is
	 * cut to whole minutes and the clock follows it, so the string
	 * still names the very instant ts. */
	int32_t off = offset_at(tz, ts) / 60 * 60;
	int64_t local = ts + off, days, secs, y;
	char sign = off < 0 ? '-' : '+';
	int m, d;

	/* Floor division: the seconds of a day before 1970 count up too. */
	days = local / DAY_S - (local % DAY_S < 0);
	secs = local - days * DAY_S;
	civil_from_days(days, &y, &m, &d);
	off = abs(off);
	snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 (long long)y, m, d, (int)(secs / 3600),
		 (int)(secs % 3600 / 60), (int)(secs % 60), sign, off / 3600,
		 off % 3600 / 60);
}

bool core_tz_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	/* GLib opens a zone's name as a file under its zoneinfo directory
	 * (or as a path when it starts with '/'): a name from a request,
	 * a summary or a cache file is not to make it read another file. */
	if (n == 0 || n > CORE_TZ_NAME_MAX || name[0] == '/' ||
	    strstr(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("/_+-:", *p))
			return false;
	return true;
}

GTimeZone *core_tz_new(const char *iana)
{
	if (!core_tz_name_ok(iana))
		return NULL;
	return g_time_zone_new_identifier(iana);
}

int64_t core_day_start(int64_t ts, GTimeZone *tz)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(ts);
	GDateTime *local = g_date_time_to_timezone(utc, tz);
	GDateTime *start = g_date_time_new(tz, g_date_time_get_year(local),
					   g_date_time_get_month(local),
					   g_date_time_get_day_of_month(local),
					   0, 0, 0);
	int64_t r = g_date_time_to_unix(start);

	g_date_time_unref(start);
	g_date_time_unref(local);
	g_date_time_unref(utc);
	return r;
}

int64_t core_stale_after(int64_t step_s)
{
	/* A step beyond a year is no feed a screen waits for; the cap also
	 * keeps the product in range. */
	int64_t steps = step_s > 0 ? MIN(step_s, 366 * 86400) : 0;

	return MAX(CORE_STALE_STEPS * steps, CORE_STALE_MIN_S);
}

bool core_reading_stale(int64_t age_s, int64_t step_s)
{
	return age_s > core_stale_after(step_s);
}
