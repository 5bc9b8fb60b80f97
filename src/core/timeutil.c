#include "core/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_unix(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

int core_time_parse(const char *s, int64_t *out)
{
	GDateTime *dt;

	if (!s || !*s)
		return -1;
	if (parse_unix(s, out) == 0)
		return 0;

	/* With no default zone GLib refuses a string that has no offset. */
	dt = g_date_time_new_from_iso8601(s, NULL);
	if (!dt)
		return -1;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

void core_time_format(int64_t ts, GTimeZone *tz, char *buf, size_t len)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(ts);
	GDateTime *local = g_date_time_to_timezone(utc, tz);
	int off = (int)(g_date_time_get_utc_offset(local) / G_TIME_SPAN_SECOND);
	char sign = off < 0 ? '-' : '+';

	off = abs(off);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 g_date_time_get_year(local), g_date_time_get_month(local),
		 g_date_time_get_day_of_month(local),
		 g_date_time_get_hour(local), g_date_time_get_minute(local),
		 g_date_time_get_second(local), sign, off / 3600,
		 off % 3600 / 60);
	g_date_time_unref(local);
	g_date_time_unref(utc);
}

GTimeZone *core_tz_new(const char *iana)
{
	if (!iana || !*iana)
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
