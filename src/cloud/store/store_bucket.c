/*
 * store_bucket.c - local-time buckets: where a 5-minute, 30-minute,
 * hourly, daily or monthly bucket starts and ends in a zone.
 *
 * Shared by the rollups, which are kept per bucket, and by analytics,
 * which folds raw readings into the same buckets: both must cut time at
 * exactly the same instants for a rollup to equal the raw aggregate.
 */
#include "cloud/store/store_bucket.h"

static GDateTime *dt_local(GTimeZone *tz, int64_t t)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t);
	GDateTime *local = g_date_time_to_timezone(utc, tz);

	g_date_time_unref(utc);
	return local;
}

static int64_t dt_unix_unref(GDateTime *dt)
{
	int64_t t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

static int32_t tz_offset(GTimeZone *tz, int64_t t)
{
	int iv = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, t);

	return g_time_zone_get_offset(tz, iv);
}

/* The first instant in (lo, hi] whose UTC offset differs from lo's.
 * The caller knows the offsets of lo and hi differ and that at most one
 * transition lies between them (they are an hour apart at most). */
static int64_t tz_transition(GTimeZone *tz, int64_t lo, int64_t hi)
{
	int32_t off = tz_offset(tz, lo);

	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (tz_offset(tz, mid) == off)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* The first instant of a local date at midnight.  GLib resolves a
 * wall-clock time in a gap forward and an ambiguous one to standard
 * time; a date starts at the first of two midnights, so look back. */
static int64_t local_midnight(GTimeZone *tz, int y, int m, int d)
{
	int64_t t = dt_unix_unref(g_date_time_new(tz, y, m, d, 0, 0, 0));
	int32_t now = tz_offset(tz, t), before = tz_offset(tz, t - 4 * 3600);
	int64_t alt = t - (before - now);

	if (alt < t && tz_offset(tz, alt) == before)
		return alt;
	return t;
}

/* Start of the local day or month (iv) that holds dt. */
static int64_t period_start(GTimeZone *tz, GDateTime *dt,
			    enum store_bucket iv)
{
	int day = g_date_time_get_day_of_month(dt);

	return local_midnight(tz, g_date_time_get_year(dt),
			      g_date_time_get_month(dt),
			      iv == STORE_BUCKET_MONTH ? 1 : day);
}

int store_bucket_minutes(enum store_bucket iv)
{
	switch (iv) {
	case STORE_BUCKET_5MIN:
		return 5;
	case STORE_BUCKET_30MIN:
		return 30;
	case STORE_BUCKET_HOUR:
		return 60;
	default:
		return 0;
	}
}

/* Seconds since the last wall-clock multiple of minutes (5, 30, 60). */
static int64_t wall_excess(GDateTime *dt, int minutes)
{
	return (int64_t)(g_date_time_get_minute(dt) % minutes) * 60 +
	       g_date_time_get_second(dt);
}

int64_t store_bucket_floor(GTimeZone *tz, enum store_bucket iv, int64_t t)
{
	GDateTime *dt = dt_local(tz, t);
	int minutes = store_bucket_minutes(iv);
	int64_t b;

	if (minutes) {
		b = dt_unix_unref(g_date_time_add_seconds(
			dt, -(gdouble)wall_excess(dt, minutes)));
		/* An offset change in between starts a bucket of its own. */
		if (tz_offset(tz, b) != tz_offset(tz, t))
			b = tz_transition(tz, b, t);
	} else {
		b = period_start(tz, dt, iv);
	}
	g_date_time_unref(dt);
	return b > t ? t : b;
}

int64_t store_bucket_next(GTimeZone *tz, enum store_bucket iv, int64_t b)
{
	GDateTime *dt = dt_local(tz, b), *n;
	int minutes = store_bucket_minutes(iv);
	int64_t next;

	if (minutes) {
		/* Wall-clock alignment survives a 30-minute DST shift only if
		 * each step goes to the next aligned minute, not a fixed
		 * length on from b. */
		int64_t left = minutes * 60 - wall_excess(dt, minutes);

		n = g_date_time_add_seconds(dt, (gdouble)left);
		next = n ? dt_unix_unref(n) : b + left;
		if (tz_offset(tz, next) != tz_offset(tz, b))
			next = tz_transition(tz, b, next);
	} else {
		if (iv == STORE_BUCKET_MONTH)
			n = g_date_time_add_months(dt, 1);
		else
			n = g_date_time_add_days(dt, 1);
		/* GLib ends at 9999-12-31 local: the last day or December
		 * of year 9999 ends 1 or 31 days on, as no zone changes
		 * its offset around the new year. */
		if (n) {
			next = period_start(tz, n, iv);
			g_date_time_unref(n);
		} else {
			next = b + (iv == STORE_BUCKET_MONTH ? 31 : 1) *
					   INT64_C(86400);
		}
	}
	g_date_time_unref(dt);
	return next;
}
