/*
 * store_bucket.h - the boundaries of local-time buckets in a zone.
 *
 * Sub-hour and hourly buckets follow the local wall clock (an hour starts
 * at :00 local also in +05:30 or +05:45); where the UTC offset changes a
 * bucket also ends, so the repeated hour of a fall-back night is two
 * buckets.  A day starts at local midnight (the first of two, or the
 * first instant after a midnight that does not exist) and so lasts 23,
 * 24 or 25 hours; a month is a calendar month.
 *
 * Pure functions of the zone (borrowed) and the time: no failure.
 */
#ifndef AKARI_STORE_BUCKET_H
#define AKARI_STORE_BUCKET_H

#include <stdint.h>

#include <glib.h>

/* The order is analytics_interval's; the rollups table's res column
 * holds these numbers (1 to 4; 5-minute buckets are not rolled up). */
enum store_bucket {
	STORE_BUCKET_5MIN,
	STORE_BUCKET_30MIN,
	STORE_BUCKET_HOUR,
	STORE_BUCKET_DAY,
	STORE_BUCKET_MONTH,
};

/* GLib's calendar ends at 9999-12-31 local: instants from
 * 9999-12-31T00:00:00Z (where ingestion stops) are in no bucket, and a
 * hold or a span of buckets is cut there. */
#define STORE_BUCKET_END INT64_C(253402214400)

/* 5, 30 or 60 for the wall-clock buckets; 0 for days and months. */
int store_bucket_minutes(enum store_bucket iv);

/* Start of the bucket that holds t. */
int64_t store_bucket_floor(GTimeZone *tz, enum store_bucket iv, int64_t t);

/* Start of the bucket after the one that starts at b. */
int64_t store_bucket_next(GTimeZone *tz, enum store_bucket iv, int64_t b);

#endif
