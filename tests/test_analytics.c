/*
 * test_analytics.c - aggregates and summaries on a real SQLite file in a
 * temporary directory: local buckets across DST, energy integration at
 * several spacings, gaps, holds cut at bucket edges, null buckets, month
 * buckets, the signage summary, and a day of real TEPCO data.
 *
 * Every expected number is worked out by hand in the comment beside it,
 * or (for the TEPCO day) computed here from the file's own text.
 */
#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"
#include "cloud/analytics/analytics.h"
#include "cloud/store/store.h"
#include "core/timeutil.h"

#define TOL 1e-6

static struct store *st;
static char *dir;
static char dbpath[512];

/* --- helpers ------------------------------------------------------------- */

static int64_t T(const char *s)
{
	int64_t t;

	if (core_time_parse(s, &t)) {
		fprintf(stderr, "test bug: bad time %s\n", s);
		abort();
	}
	return t;
}

static void add_site(const char *name, const char *tz)
{
	CHECK_INT(store_site_add(st, name, "grid", tz, NULL), STORE_OK);
}

static int64_t add_point(const char *key, const char *site,
			 const char *quantity, const char *unit, int step)
{
	struct store_point p;

	test_add_point(st, key, site, quantity, unit, step);
	CHECK_INT(store_point_get(st, key, &p), STORE_OK);
	return p.id;
}

static void put1(int64_t pid, int64_t ts, double v)
{
	struct store_reading r = {pid, ts, v};

	CHECK_INT(store_readings_put(st, &r, 1), STORE_OK);
}

/* Readings of value v at from, from + every, ... before to, except in
 * [skip0, skip1). */
static void put_every(int64_t pid, int64_t from, int64_t to, int64_t every,
		      double v, int64_t skip0, int64_t skip1)
{
	size_t n = 0, cap = (size_t)((to - from) / every + 1);
	struct store_reading *r = calloc(cap, sizeof *r);

	for (int64_t t = from; t < to; t += every) {
		if (t >= skip0 && t < skip1)
			continue;
		r[n].point_id = pid;
		r[n].ts = t;
		r[n].value = v;
		n++;
	}
	CHECK_INT(store_readings_put(st, r, n), STORE_OK);
	free(r);
}

/* A number, or NAN for anything else, so a null never passes for 0. */
static double num(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *agg(const char *key, const char *from, const char *to,
		   enum analytics_interval iv, enum analytics_fn fn)
{
	json_t *res = NULL;
	char err[256] = "";
	int rc;

	rc = analytics_aggregate(st, key, T(from), T(to), iv, fn, &res, err,
				 sizeof err);
	CHECK_AT(rc == 0 && res, "aggregate %s %s..%s: rc %d, %s", key, from,
		 to, rc, err);
	return res ? res : json_object();
}

static size_t nbuckets(const json_t *res)
{
	return json_array_size(json_object_get(res, "buckets"));
}

static json_t *bucket(const json_t *res, size_t k)
{
	return json_array_get(json_object_get(res, "buckets"), k);
}

static double bval(const json_t *res, size_t k)
{
	return num(json_object_get(bucket(res, k), "value"));
}

static bool bnull(const json_t *res, size_t k)
{
	return json_is_null(json_object_get(bucket(res, k), "value"));
}

static const char *bstart(const json_t *res, size_t k)
{
	return json_string_value(json_object_get(bucket(res, k), "start"));
}

/* --- names --------------------------------------------------------------- */

static void test_names(void)
{
	enum analytics_interval iv = ANALYTICS_DAY;
	enum analytics_fn fn = ANALYTICS_SUM;
	static const char *ivs[] = {"5min", "30min", "hour", "day", "month"};
	static const char *fns[] = {"avg", "min", "max", "sum", "energy"};

	for (int i = 0; i < 5; i++) {
		CHECK_INT(analytics_interval_parse(ivs[i], &iv), 0);
		CHECK_STR(analytics_interval_name(iv), ivs[i]);
		CHECK_INT(analytics_fn_parse(fns[i], &fn), 0);
		CHECK_STR(analytics_fn_name(fn), fns[i]);
	}

	iv = ANALYTICS_DAY;
	fn = ANALYTICS_SUM;
	CHECK_INT(analytics_interval_parse("week", &iv), -1);
	CHECK_INT(analytics_interval_parse("HOUR", &iv), -1);
	CHECK_INT(analytics_interval_parse("", &iv), -1);
	CHECK_INT(analytics_interval_parse(NULL, &iv), -1);
	CHECK_INT(analytics_fn_parse("median", &fn), -1);
	CHECK_INT(analytics_fn_parse("energ", &fn), -1);
	CHECK_INT(iv, ANALYTICS_DAY);
	CHECK_INT(fn, ANALYTICS_SUM);
}

/* --- DST in Europe/Berlin ------------------------------------------------ */

/* Each bucket starts exactly 3600 s after the one before (Berlin moves by
 * whole hours), so no two starts are equal. */
static void check_hour_steps(const json_t *res)
{
	for (size_t k = 1; k < nbuckets(res); k++) {
		int64_t a = T(bstart(res, k - 1)), b = T(bstart(res, k));

		CHECK_AT(b - a == 3600, "bucket %zu starts %s, %lld s after %s",
			 k, bstart(res, k), (long long)(b - a),
			 bstart(res, k - 1));
	}
}

static void test_dst(void)
{
	int64_t pid;
	json_t *r;

	add_site("berlin", "Europe/Berlin");
	pid = add_point("berlin/load", "berlin", "power", "kW", 3600);
	add_point("berlin/empty", "berlin", "power", "kW", 3600);

	/* 1 kW on every UTC hour from 2025-03-29 00:00+01:00 (= 03-28
	 * 23:00Z) to 2025-04-01 00:00+02:00 (= 03-31 22:00Z), and from
	 * 2025-10-25 00:00+02:00 (= 10-24 22:00Z) to 2025-10-28 00:00+01:00
	 * (= 10-27 23:00Z).  Each holds one hour: 1 kWh per hour. */
	put_every(pid, T("2025-03-29T00:00:00+01:00"),
		  T("2025-04-01T00:00:00+02:00"), 3600, 1.0, 0, 0);
	put_every(pid, T("2025-10-25T00:00:00+02:00"),
		  T("2025-10-28T00:00:00+01:00"), 3600, 1.0, 0, 0);

	/* Spring forward: 02:00 local does not exist, 23 hours. */
	r = agg("berlin/load", "2025-03-30T00:00:00+01:00",
		"2025-03-31T00:00:00+02:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 23);
	CHECK_STR(bstart(r, 0), "2025-03-30T00:00:00+01:00");
	CHECK_STR(bstart(r, 1), "2025-03-30T01:00:00+01:00");
	CHECK_STR(bstart(r, 2), "2025-03-30T03:00:00+02:00");
	CHECK_STR(bstart(r, 22), "2025-03-30T23:00:00+02:00");
	check_hour_steps(r);
	for (size_t k = 0; k < 23; k++)
		CHECK_DBL(bval(r, k), 1.0, TOL);
	CHECK_STR(json_string_value(json_object_get(r, "unit")), "kWh");
	CHECK_STR(json_string_value(json_object_get(r, "interval")), "hour");
	CHECK_STR(json_string_value(json_object_get(r, "fn")), "energy");
	CHECK_STR(json_string_value(json_object_get(r, "point")),
		  "berlin/load");
	CHECK_STR(json_string_value(json_object_get(r, "from")),
		  "2025-03-30T00:00:00+01:00");
	CHECK_STR(json_string_value(json_object_get(r, "to")),
		  "2025-03-31T00:00:00+02:00");
	json_decref(r);

	/* Fall back: 02:00-03:00 local happens twice, once at +02:00 and
	 * once at +01:00, 25 hours. */
	r = agg("berlin/load", "2025-10-26T00:00:00+02:00",
		"2025-10-27T00:00:00+01:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 25);
	CHECK_STR(bstart(r, 0), "2025-10-26T00:00:00+02:00");
	CHECK_STR(bstart(r, 2), "2025-10-26T02:00:00+02:00");
	CHECK_STR(bstart(r, 3), "2025-10-26T02:00:00+01:00");
	CHECK_STR(bstart(r, 4), "2025-10-26T03:00:00+01:00");
	CHECK_STR(bstart(r, 24), "2025-10-26T23:00:00+01:00");
	check_hour_steps(r);
	for (size_t k = 0; k < 25; k++)
		CHECK_DBL(bval(r, k), 1.0, TOL);
	json_decref(r);

	/* Local days of 24, 23, 24 and 24, 25, 24 hours at 1 kW. */
	r = agg("berlin/load", "2025-03-29T00:00:00+01:00",
		"2025-04-01T00:00:00+02:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 3);
	CHECK_STR(bstart(r, 1), "2025-03-30T00:00:00+01:00");
	CHECK_STR(bstart(r, 2), "2025-03-31T00:00:00+02:00");
	CHECK_DBL(bval(r, 0), 24.0, TOL);
	CHECK_DBL(bval(r, 1), 23.0, TOL);
	CHECK_DBL(bval(r, 2), 24.0, TOL);
	json_decref(r);
	r = agg("berlin/load", "2025-10-25T00:00:00+02:00",
		"2025-10-28T00:00:00+01:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 3);
	CHECK_STR(bstart(r, 1), "2025-10-26T00:00:00+02:00");
	CHECK_STR(bstart(r, 2), "2025-10-27T00:00:00+01:00");
	CHECK_DBL(bval(r, 0), 24.0, TOL);
	CHECK_DBL(bval(r, 1), 25.0, TOL);
	CHECK_DBL(bval(r, 2), 24.0, TOL);
	json_decref(r);

	/* A point with no readings: every bucket is null, none is 0. */
	r = agg("berlin/empty", "2025-03-30T00:00:00+01:00",
		"2025-03-31T00:00:00+02:00", ANALYTICS_HOUR, ANALYTICS_AVG);
	CHECK_INT(nbuckets(r), 23);
	for (size_t k = 0; k < 23; k++)
		CHECK_AT(bnull(r, k), "empty bucket %zu is not null", k);
	json_decref(r);
}

/* --- energy at 1-, 5- and 30-minute spacing ------------------------------ */

static void test_energy_spacing(void)
{
	static const struct {
		const char *key;
		int step;	/* stored step_s */
		int every;	/* actual spacing */
	} pts[] = {
		{"t/p1m", 60, 60},
		{"t/p5m", 300, 300},
		{"t/p30m", 1800, 1800},
		{"t/p5m_nostep", 0, 300},	/* median spacing: 300 */
	};
	int64_t d0 = T("2022-06-27T00:00:00+09:00");
	json_t *r;

	for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		int64_t pid = add_point(pts[i].key, "tokyo", "power", "kW",
					pts[i].step);

		/* 2 kW from an hour before the day to an hour after it, so
		 * the day's edges cut holds on both sides. */
		put_every(pid, d0 - 3600, d0 + 86400 + 3600, pts[i].every, 2.0,
			  0, 0);

		/* 2 kW for 24 hours = 48 kWh. */
		r = agg(pts[i].key, "2022-06-27T00:00:00+09:00",
			"2022-06-28T00:00:00+09:00", ANALYTICS_DAY,
			ANALYTICS_ENERGY);
		CHECK_INT(nbuckets(r), 1);
		CHECK_STR(bstart(r, 0), "2022-06-27T00:00:00+09:00");
		CHECK_AT(fabs(bval(r, 0) - 48.0) <= TOL, "%s: day %.9g kWh",
			 pts[i].key, bval(r, 0));
		json_decref(r);

		/* 2 kW for each hour = 2 kWh. */
		r = agg(pts[i].key, "2022-06-27T00:00:00+09:00",
			"2022-06-28T00:00:00+09:00", ANALYTICS_HOUR,
			ANALYTICS_ENERGY);
		CHECK_INT(nbuckets(r), 24);
		for (size_t k = 0; k < nbuckets(r); k++)
			CHECK_AT(fabs(bval(r, k) - 2.0) <= TOL,
				 "%s: hour %zu %.9g kWh", pts[i].key, k,
				 bval(r, k));
		json_decref(r);
	}

	/* The plain functions on the 5-minute point: 288 readings of 2. */
	r = agg("t/p5m", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_DAY, ANALYTICS_SUM);
	CHECK_DBL(bval(r, 0), 576.0, TOL);
	CHECK_STR(json_string_value(json_object_get(r, "unit")), "kW");
	json_decref(r);
	r = agg("t/p5m", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_DAY, ANALYTICS_AVG);
	CHECK_DBL(bval(r, 0), 2.0, TOL);
	json_decref(r);
}

/* --- a gap --------------------------------------------------------------- */

static void test_gap(void)
{
	int64_t d0 = T("2022-06-27T00:00:00+09:00");
	int64_t pid = add_point("t/gap", "tokyo", "power", "kW", 300);
	json_t *r;

	/* 2 kW every 5 minutes through the day, none in [10:00, 12:00). */
	put_every(pid, d0, d0 + 86400, 300, 2.0, d0 + 10 * 3600,
		  d0 + 12 * 3600);

	/* 48 kWh less the 2 hours x 2 kW not measured = 44 kWh.  The
	 * 09:55 reading holds only its 5 minutes, not across the gap. */
	r = agg("t/gap", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_DBL(bval(r, 0), 44.0, TOL);
	json_decref(r);

	r = agg("t/gap", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 24);
	CHECK_DBL(bval(r, 9), 2.0, TOL);
	CHECK(bnull(r, 10));
	CHECK(bnull(r, 11));
	CHECK_DBL(bval(r, 12), 2.0, TOL);
	json_decref(r);

	/* With no step the cap is the median spacing, 5 minutes (the one
	 * 2 h 5 min spacing is an outlier): again 44 kWh. */
	pid = add_point("t/gap_nostep", "tokyo", "power", "kW", 0);
	put_every(pid, d0, d0 + 86400, 300, 2.0, d0 + 10 * 3600,
		  d0 + 12 * 3600);
	r = agg("t/gap_nostep", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_DBL(bval(r, 0), 44.0, TOL);
	json_decref(r);

	r = agg("t/gap", "2022-06-27T09:00:00+09:00",
		"2022-06-27T13:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_AVG);
	CHECK_INT(nbuckets(r), 4);
	CHECK_DBL(bval(r, 0), 2.0, TOL);
	CHECK(bnull(r, 1));
	CHECK(bnull(r, 2));
	CHECK_DBL(bval(r, 3), 2.0, TOL);
	json_decref(r);
}

/* --- holds cut at bucket edges ------------------------------------------- */

static void test_straddle(void)
{
	int64_t pid = add_point("t/half", "tokyo", "power", "kW", 1800);
	json_t *r;

	/* 4 kW from 10:45 to 11:15, then 8 kW from 11:15 to 11:45. */
	put1(pid, T("2022-06-27T10:45:00+09:00"), 4.0);
	put1(pid, T("2022-06-27T11:15:00+09:00"), 8.0);

	/* 10:00 bucket: 4 kW x 0.25 h = 1 kWh.
	 * 11:00 bucket: 4 kW x 0.25 h + 8 kW x 0.5 h = 5 kWh.
	 * 12:00 bucket: nothing holds into it. */
	r = agg("t/half", "2022-06-27T10:00:00+09:00",
		"2022-06-27T13:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 3);
	CHECK_DBL(bval(r, 0), 1.0, TOL);
	CHECK_DBL(bval(r, 1), 5.0, TOL);
	CHECK(bnull(r, 2));
	json_decref(r);

	/* From 11:00: the 10:45 reading, before from, still holds 11:00 to
	 * 11:15: 1 + 4 = 5 kWh. */
	r = agg("t/half", "2022-06-27T11:00:00+09:00",
		"2022-06-27T12:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 1);
	CHECK_DBL(bval(r, 0), 5.0, TOL);
	json_decref(r);

	/* Up to 11:00: the 10:45 reading holds min(1800, 900) s = 1 kWh. */
	r = agg("t/half", "2022-06-27T10:00:00+09:00",
		"2022-06-27T11:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_DBL(bval(r, 0), 1.0, TOL);
	json_decref(r);

	/* [11:00, 11:10): 4 kW x 10 min = 2/3 kWh, in the 11:00 bucket. */
	r = agg("t/half", "2022-06-27T11:00:00+09:00",
		"2022-06-27T11:10:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 1);
	CHECK_DBL(bval(r, 0), 2.0 / 3.0, TOL);
	json_decref(r);

	/* [10:50, 11:20) in hours: buckets start 10:00 and 11:00.
	 * 10:00: 4 kW x 10 min = 2/3 kWh (only from 10:50 counts).
	 * 11:00: 4 kW x 15 min + 8 kW x 5 min = 1 + 2/3 kWh. */
	r = agg("t/half", "2022-06-27T10:50:00+09:00",
		"2022-06-27T11:20:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 2);
	CHECK_STR(bstart(r, 0), "2022-06-27T10:00:00+09:00");
	CHECK_STR(bstart(r, 1), "2022-06-27T11:00:00+09:00");
	CHECK_DBL(bval(r, 0), 2.0 / 3.0, TOL);
	CHECK_DBL(bval(r, 1), 5.0 / 3.0, TOL);
	json_decref(r);

	/* The same range in 5-minute buckets 10:50 .. 11:15: five of
	 * 4 kW x 5 min = 1/3 kWh, then 8 kW x 5 min = 2/3 kWh. */
	r = agg("t/half", "2022-06-27T10:50:00+09:00",
		"2022-06-27T11:20:00+09:00", ANALYTICS_5MIN, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 6);
	CHECK_STR(bstart(r, 0), "2022-06-27T10:50:00+09:00");
	CHECK_STR(bstart(r, 5), "2022-06-27T11:15:00+09:00");
	for (size_t k = 0; k < 5; k++)
		CHECK_DBL(bval(r, k), 1.0 / 3.0, TOL);
	CHECK_DBL(bval(r, 5), 2.0 / 3.0, TOL);
	json_decref(r);

	/* 30-minute buckets 10:30, 11:00, 11:30 over [10:30, 12:00):
	 * 4 x 0.25 = 1; 4 x 0.25 + 8 x 0.25 = 3; 8 x 0.25 = 2. */
	r = agg("t/half", "2022-06-27T10:30:00+09:00",
		"2022-06-27T12:00:00+09:00", ANALYTICS_30MIN,
		ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 3);
	CHECK_STR(bstart(r, 2), "2022-06-27T11:30:00+09:00");
	CHECK_DBL(bval(r, 0), 1.0, TOL);
	CHECK_DBL(bval(r, 1), 3.0, TOL);
	CHECK_DBL(bval(r, 2), 2.0, TOL);
	json_decref(r);
}

/* --- avg, min, max, sum -------------------------------------------------- */

static void test_stats(void)
{
	int64_t pid = add_point("t/temp", "tokyo", "temperature", "degC", 0);
	json_t *r;

	put1(pid, T("2022-06-27T09:59:59+09:00"), 100.0);	/* before */
	put1(pid, T("2022-06-27T10:00:00+09:00"), 1.0);
	put1(pid, T("2022-06-27T10:20:00+09:00"), 3.0);
	put1(pid, T("2022-06-27T10:40:00+09:00"), 8.0);
	put1(pid, T("2022-06-27T12:30:00+09:00"), 5.0);
	put1(pid, T("2022-06-27T13:00:00+09:00"), 200.0);	/* at to */

	/* Hours 10, 11, 12: {1, 3, 8}, {}, {5}. */
	r = agg("t/temp", "2022-06-27T10:00:00+09:00",
		"2022-06-27T13:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_AVG);
	CHECK_INT(nbuckets(r), 3);
	CHECK_DBL(bval(r, 0), 4.0, TOL);	/* 12 / 3 */
	CHECK(bnull(r, 1));
	CHECK_DBL(bval(r, 2), 5.0, TOL);
	CHECK_STR(json_string_value(json_object_get(r, "unit")), "degC");
	json_decref(r);

	r = agg("t/temp", "2022-06-27T10:00:00+09:00",
		"2022-06-27T13:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_MIN);
	CHECK_DBL(bval(r, 0), 1.0, TOL);
	CHECK(bnull(r, 1));
	CHECK_DBL(bval(r, 2), 5.0, TOL);
	json_decref(r);

	r = agg("t/temp", "2022-06-27T10:00:00+09:00",
		"2022-06-27T13:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_MAX);
	CHECK_DBL(bval(r, 0), 8.0, TOL);
	CHECK(bnull(r, 1));
	json_decref(r);

	r = agg("t/temp", "2022-06-27T10:00:00+09:00",
		"2022-06-27T13:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_SUM);
	CHECK_DBL(bval(r, 0), 12.0, TOL);
	CHECK(bnull(r, 1));
	CHECK_DBL(bval(r, 2), 5.0, TOL);
	json_decref(r);
}

/* --- month buckets in Asia/Tokyo ----------------------------------------- */

static void test_month(void)
{
	int64_t pid = add_point("t/monthly", "tokyo", "count", "1", 0);
	json_t *r;

	/* before from */
	put1(pid, T("2022-01-10T12:00:00+09:00"), 100.0);
	put1(pid, T("2022-01-31T23:30:00+09:00"), 1.0);
	/* 2022-01-31T15:30Z: still January in UTC, February in Tokyo. */
	put1(pid, T("2022-02-01T00:30:00+09:00"), 2.0);
	put1(pid, T("2022-02-28T23:59:59+09:00"), 4.0);
	put1(pid, T("2022-04-10T00:00:00+09:00"), 1000.0);	/* at to */

	/* Sums: January 1, February 2 + 4 = 6, March and April none. */
	r = agg("t/monthly", "2022-01-15T00:00:00+09:00",
		"2022-04-10T00:00:00+09:00", ANALYTICS_MONTH, ANALYTICS_SUM);
	CHECK_INT(nbuckets(r), 4);
	CHECK_STR(bstart(r, 0), "2022-01-01T00:00:00+09:00");
	CHECK_STR(bstart(r, 1), "2022-02-01T00:00:00+09:00");
	CHECK_STR(bstart(r, 2), "2022-03-01T00:00:00+09:00");
	CHECK_STR(bstart(r, 3), "2022-04-01T00:00:00+09:00");
	CHECK_DBL(bval(r, 0), 1.0, TOL);
	CHECK_DBL(bval(r, 1), 6.0, TOL);
	CHECK(bnull(r, 2));
	CHECK(bnull(r, 3));
	json_decref(r);
}

/* --- local wall clock in +05:30 ------------------------------------------ */

static void test_half_hour_zone(void)
{
	json_t *r;

	add_site("kolkata", "Asia/Kolkata");
	add_point("k/load", "kolkata", "power", "kW", 300);

	/* Hours start at :00 local, which is :30 UTC. */
	r = agg("k/load", "2022-06-27T10:10:00+05:30",
		"2022-06-27T12:00:00+05:30", ANALYTICS_HOUR, ANALYTICS_AVG);
	CHECK_INT(nbuckets(r), 2);
	CHECK_STR(bstart(r, 0), "2022-06-27T10:00:00+05:30");
	CHECK_STR(bstart(r, 1), "2022-06-27T11:00:00+05:30");
	CHECK(bnull(r, 0));
	json_decref(r);
}

/* --- a 30-minute DST shift ----------------------------------------------- */

static void test_lord_howe(void)
{
	int64_t pid;
	json_t *r;

	/* Lord Howe Island: +10:30, and +11:00 in summer; on 2024-10-06 the
	 * clock jumps from 02:00 to 02:30 (15:30Z). */
	add_site("lhi", "Australia/Lord_Howe");
	pid = add_point("lhi/load", "lhi", "power", "kW", 1800);
	put_every(pid, T("2024-10-05T12:00:00+10:30"),
		  T("2024-10-07T12:00:00+11:00"), 1800, 1.0, 0, 0);

	/* Hours stay on the local :00; the hour after 01:00 begins at the
	 * jump, 02:30, and lasts until 03:00: 1 kW x 0.5 h. */
	r = agg("lhi/load", "2024-10-06T00:00:00+10:30",
		"2024-10-06T05:00:00+11:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 5);
	CHECK_STR(bstart(r, 1), "2024-10-06T01:00:00+10:30");
	CHECK_STR(bstart(r, 2), "2024-10-06T02:30:00+11:00");
	CHECK_STR(bstart(r, 3), "2024-10-06T03:00:00+11:00");
	CHECK_STR(bstart(r, 4), "2024-10-06T04:00:00+11:00");
	CHECK_DBL(bval(r, 1), 1.0, TOL);
	CHECK_DBL(bval(r, 2), 0.5, TOL);
	CHECK_DBL(bval(r, 3), 1.0, TOL);
	json_decref(r);

	/* A from inside that short hour starts the bucket at the jump. */
	r = agg("lhi/load", "2024-10-06T02:45:00+11:00",
		"2024-10-06T04:00:00+11:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 2);
	CHECK_STR(bstart(r, 0), "2024-10-06T02:30:00+11:00");
	CHECK_DBL(bval(r, 0), 0.25, TOL);	/* 02:45 .. 03:00 */
	json_decref(r);

	/* The local day has 23.5 hours: 23.5 kWh. */
	r = agg("lhi/load", "2024-10-06T00:00:00+10:30",
		"2024-10-07T00:00:00+11:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 1);
	CHECK_DBL(bval(r, 0), 23.5, TOL);
	json_decref(r);
}

/* --- a repeated midnight ------------------------------------------------- */

static void test_havana(void)
{
	int64_t pid;
	json_t *r;

	/* Cuba ends DST at 01:00 -04:00, back to 00:00 -05:00: on
	 * 2024-11-03 midnight happens twice and the day, from the first
	 * midnight (04:00Z) to the next day's (11-04 05:00Z), has 25 hours. */
	add_site("havana", "America/Havana");
	pid = add_point("hav/load", "havana", "power", "kW", 3600);
	put_every(pid, T("2024-11-01T00:00:00-04:00"),
		  T("2024-11-06T00:00:00-05:00"), 3600, 1.0, 0, 0);

	r = agg("hav/load", "2024-11-02T00:00:00-04:00",
		"2024-11-05T00:00:00-05:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 3);
	CHECK_STR(bstart(r, 1), "2024-11-03T00:00:00-04:00");
	CHECK_STR(bstart(r, 2), "2024-11-04T00:00:00-05:00");
	CHECK_DBL(bval(r, 0), 24.0, TOL);
	CHECK_DBL(bval(r, 1), 25.0, TOL);
	CHECK_DBL(bval(r, 2), 24.0, TOL);
	json_decref(r);

	/* A from in the first 00:30 still lies in 3 November. */
	r = agg("hav/load", "2024-11-03T00:30:00-04:00",
		"2024-11-03T12:00:00-05:00", ANALYTICS_DAY, ANALYTICS_SUM);
	CHECK_INT(nbuckets(r), 1);
	CHECK_STR(bstart(r, 0), "2024-11-03T00:00:00-04:00");
	json_decref(r);
}

/* --- errors -------------------------------------------------------------- */

static void test_errors(void)
{
	int64_t d0 = T("2022-06-27T00:00:00+09:00");
	json_t *r = NULL;
	char err[256];

	/* from == to and from > to. */
	err[0] = 0;
	CHECK_INT(analytics_aggregate(st, "t/p5m", d0, d0, ANALYTICS_HOUR,
				      ANALYTICS_AVG, &r, err, sizeof err),
		  ANALYTICS_INVALID);
	CHECK(r == NULL);
	CHECK(err[0] != 0);
	CHECK_INT(analytics_aggregate(st, "t/p5m", d0 + 1, d0, ANALYTICS_HOUR,
				      ANALYTICS_AVG, &r, err, sizeof err),
		  ANALYTICS_INVALID);

	/* Tokyo has no DST: 100000 five-minute buckets from an aligned
	 * from are exactly 30,000,000 s; one second more needs one more. */
	CHECK_INT(analytics_aggregate(st, "t/p5m", d0, d0 + 30000000,
				      ANALYTICS_5MIN, ANALYTICS_AVG, &r, err,
				      sizeof err),
		  0);
	CHECK_INT(nbuckets(r), ANALYTICS_MAX_BUCKETS);
	json_decref(r);
	r = NULL;
	CHECK_INT(analytics_aggregate(st, "t/p5m", d0, d0 + 30000001,
				      ANALYTICS_5MIN, ANALYTICS_AVG, &r, err,
				      sizeof err),
		  ANALYTICS_INVALID);
	CHECK(r == NULL);
	CHECK(strstr(err, "buckets") != NULL);
	CHECK_INT(analytics_aggregate(st, "t/p5m", 0, INT64_MAX,
				      ANALYTICS_MONTH, ANALYTICS_AVG, &r, err,
				      sizeof err),
		  ANALYTICS_INVALID);

	/* Energy of a temperature. */
	CHECK_INT(analytics_aggregate(st, "t/temp", d0, d0 + 86400,
				      ANALYTICS_HOUR, ANALYTICS_ENERGY, &r,
				      err, sizeof err),
		  ANALYTICS_INVALID);
	CHECK(strstr(err, "power") != NULL);

	CHECK_INT(analytics_aggregate(st, "no/such", d0, d0 + 86400,
				      ANALYTICS_HOUR, ANALYTICS_AVG, &r, err,
				      sizeof err),
		  STORE_NOT_FOUND);
	CHECK(r == NULL);
	CHECK_INT(analytics_summary(st, "nowhere", d0, &r, err, sizeof err),
		  STORE_NOT_FOUND);
	CHECK(r == NULL);
}

/* --- the signage summary ------------------------------------------------- */

static json_t *summary(const char *site, const char *at)
{
	json_t *res = NULL;
	char err[256] = "";
	int rc = analytics_summary(st, site, T(at), &res, err, sizeof err);

	CHECK_AT(rc == 0 && res, "summary %s at %s: rc %d, %s", site, at, rc,
		 err);
	return res ? res : json_object();
}

static json_t *summary_point(const json_t *s, const char *key)
{
	json_t *pts = json_object_get(s, "points"), *p;
	size_t i;

	json_array_foreach(pts, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "key")), key)
		    == 0)
			return p;
	}
	CHECK_AT(0, "summary has no point %s", key);
	return NULL;
}

static double path_num(const json_t *o, const char *a, const char *b)
{
	return num(json_object_get(json_object_get(o, a), b));
}

static const json_t *path(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static void test_summary(void)
{
	int64_t d0 = T("2022-06-27T00:00:00+09:00");
	int64_t pw, tp, sp;
	json_t *s, *p, *h;

	add_site("plant", "Asia/Tokyo");
	pw = add_point("plant/power", "plant", "power", "kW", 300);
	tp = add_point("plant/temp", "plant", "temperature", "degC", 3600);

	/* Power: 2 kW every 5 minutes on 26 and 27 June, but 9 kW at
	 * 10:30 on the 27th and 20 kW at 15:00, after the clock. */
	put_every(pw, d0 - 86400, d0 + 86400, 300, 2.0, 0, 0);
	put1(pw, d0 + 10 * 3600 + 1800, 9.0);
	put1(pw, d0 + 15 * 3600, 20.0);
	/* Temperature: h degC at h:00 on the 27th. */
	for (int hr = 0; hr < 24; hr++)
		put1(tp, d0 + hr * 3600, hr);
	/* Solar: 5 kW at 06:00 and 07:00, 1 kW at 08:00. */
	sp = add_point("plant/solar", "plant", "power", "kW", 3600);
	put1(sp, d0 + 6 * 3600, 5.0);
	put1(sp, d0 + 7 * 3600, 5.0);
	put1(sp, d0 + 8 * 3600, 1.0);

	s = summary("plant", "2022-06-27T12:00:00+09:00");
	CHECK_STR(json_string_value(json_object_get(s, "site")), "plant");
	CHECK_STR(json_string_value(json_object_get(s, "kind")), "grid");
	CHECK_STR(json_string_value(json_object_get(s, "tz")), "Asia/Tokyo");
	CHECK_STR(json_string_value(json_object_get(s, "at")),
		  "2022-06-27T12:00:00+09:00");
	CHECK_STR(json_string_value(json_object_get(s, "day_start")),
		  "2022-06-27T00:00:00+09:00");
	CHECK_INT(json_array_size(json_object_get(s, "points")), 3);

	p = summary_point(s, "plant/power");
	CHECK_STR(json_string_value(json_object_get(p, "unit")), "kW");
	CHECK_STR(json_string_value(json_object_get(p, "kind")),
		  "instantaneous");
	CHECK_INT(json_integer_value(json_object_get(p, "step_s")), 300);
	CHECK_STR(json_string_value(path(p, "latest", "ts")),
		  "2022-06-27T11:55:00+09:00");
	CHECK_DBL(path_num(p, "latest", "value"), 2.0, TOL);
	/* Today before 12:00: 12 h x 12 = 144 readings, 143 of 2 and one
	 * of 9: avg 295 / 144; the 20 kW at 15:00 is not seen. */
	CHECK_INT(json_integer_value(path(p, "today", "count")), 144);
	CHECK_DBL(path_num(p, "today", "min"), 2.0, TOL);
	CHECK_DBL(path_num(p, "today", "max"), 9.0, TOL);
	CHECK_DBL(path_num(p, "today", "avg"), 295.0 / 144.0, TOL);
	CHECK_STR(json_string_value(json_object_get(
			  path(p, "today", "peak"), "ts")),
		  "2022-06-27T10:30:00+09:00");
	CHECK_DBL(num(json_object_get(path(p, "today", "peak"), "value")),
		  9.0, TOL);
	/* 12 h x 2 kW + (9 - 2) kW x 5 min = 24 + 7/12 kWh. */
	CHECK_DBL(path_num(p, "today", "energy_kwh"), 24.0 + 7.0 / 12.0, TOL);
	CHECK_DBL(path_num(p, "yesterday", "energy_kwh"), 48.0, TOL);
	CHECK_DBL(path_num(p, "yesterday", "avg"), 2.0, TOL);
	/* June so far: 48 + 24 + 7/12. */
	CHECK_DBL(path_num(p, "month", "energy_kwh"), 72.0 + 7.0 / 12.0, TOL);

	h = json_object_get(p, "curve");
	CHECK_INT(json_array_size(h), 144);
	CHECK_INT(json_integer_value(json_array_get(json_array_get(h, 0), 0)),
		  d0);
	CHECK_DBL(num(json_array_get(json_array_get(h, 126), 1)), 9.0, TOL);

	/* kWh per hour: 2, but 2 + 7/12 in the 10:00 hour; null from
	 * 12:00 on although readings exist there. */
	h = json_object_get(p, "hourly_today");
	CHECK_INT(json_array_size(h), 24);
	for (size_t k = 0; k < 12; k++)
		CHECK_DBL(num(json_array_get(h, k)),
			  k == 10 ? 2.0 + 7.0 / 12.0 : 2.0, TOL);
	for (size_t k = 12; k < 24; k++)
		CHECK_AT(json_is_null(json_array_get(h, k)),
			 "hourly_today[%zu] after at is not null", k);
	h = json_object_get(p, "hourly_yesterday");
	CHECK_INT(json_array_size(h), 24);
	for (size_t k = 0; k < 24; k++)
		CHECK_DBL(num(json_array_get(h, k)), 2.0, TOL);

	p = summary_point(s, "plant/temp");
	CHECK(path(p, "today", "energy_kwh") == NULL);
	CHECK(path(p, "yesterday", "energy_kwh") == NULL);
	CHECK(path(p, "month", "energy_kwh") == NULL);
	/* 0, 1, ... 11 degC before 12:00: avg 5.5, peak 11 at 11:00. */
	CHECK_INT(json_integer_value(path(p, "today", "count")), 12);
	CHECK_DBL(path_num(p, "today", "min"), 0.0, TOL);
	CHECK_DBL(path_num(p, "today", "avg"), 5.5, TOL);
	CHECK_STR(json_string_value(json_object_get(
			  path(p, "today", "peak"), "ts")),
		  "2022-06-27T11:00:00+09:00");
	CHECK(json_is_null(path(p, "yesterday", "avg")));
	CHECK_DBL(path_num(p, "latest", "value"), 11.0, TOL);
	h = json_object_get(p, "hourly_today");
	CHECK_INT(json_array_size(h), 24);
	CHECK_DBL(num(json_array_get(h, 0)), 0.0, TOL);
	CHECK_DBL(num(json_array_get(h, 11)), 11.0, TOL);
	CHECK(json_is_null(json_array_get(h, 12)));
	h = json_object_get(p, "hourly_yesterday");
	CHECK_INT(json_array_size(h), 24);
	CHECK(json_is_null(json_array_get(h, 0)));

	/* Of two equal peaks the first counts; 5 + 5 + 1 kWh, and nothing
	 * yesterday, so its energy is null rather than 0. */
	p = summary_point(s, "plant/solar");
	CHECK_STR(json_string_value(json_object_get(
			  path(p, "today", "peak"), "ts")),
		  "2022-06-27T06:00:00+09:00");
	CHECK_DBL(path_num(p, "today", "energy_kwh"), 11.0, TOL);
	CHECK(json_is_null(path(p, "yesterday", "energy_kwh")));
	CHECK(json_is_null(json_array_get(json_object_get(p, "hourly_today"),
					  5)));
	CHECK_DBL(num(json_array_get(json_object_get(p, "hourly_today"), 6)),
		  5.0, TOL);
	json_decref(s);

	/* At 12:30 the 12:00 hour has half an hour of 2 kW = 1 kWh. */
	s = summary("plant", "2022-06-27T12:30:00+09:00");
	p = summary_point(s, "plant/power");
	h = json_object_get(p, "hourly_today");
	CHECK_DBL(num(json_array_get(h, 12)), 1.0, TOL);
	CHECK(json_is_null(json_array_get(h, 13)));
	CHECK_DBL(path_num(p, "today", "energy_kwh"), 25.0 + 7.0 / 12.0, TOL);
	json_decref(s);

	/* At midnight today is empty and yesterday complete. */
	s = summary("plant", "2022-06-27T00:00:00+09:00");
	p = summary_point(s, "plant/power");
	CHECK_INT(json_integer_value(path(p, "today", "count")), 0);
	CHECK(json_is_null(path(p, "today", "min")));
	CHECK(json_is_null(path(p, "today", "peak")));
	CHECK(json_is_null(path(p, "today", "energy_kwh")));
	CHECK_INT(json_array_size(json_object_get(p, "curve")), 0);
	CHECK(json_is_null(json_array_get(json_object_get(p, "hourly_today"),
					  0)));
	CHECK_DBL(path_num(p, "yesterday", "energy_kwh"), 48.0, TOL);
	CHECK_STR(json_string_value(path(p, "latest", "ts")),
		  "2022-06-26T23:55:00+09:00");
	json_decref(s);

	/* Berlin's DST days have 23 and 25 hours (berlin/load from
	 * test_dst: 1 kW hourly).  On 30 March up to 12:00+02:00 (10:00Z,
	 * the day began 29 March 23:00Z) 11 hours have passed: 11 kWh. */
	s = summary("berlin", "2025-03-30T12:00:00+02:00");
	p = summary_point(s, "berlin/load");
	CHECK_INT(json_array_size(json_object_get(p, "hourly_today")), 23);
	CHECK_INT(json_array_size(json_object_get(p, "hourly_yesterday")), 24);
	CHECK_DBL(path_num(p, "today", "energy_kwh"), 11.0, TOL);
	CHECK_STR(json_string_value(json_object_get(s, "day_start")),
		  "2025-03-30T00:00:00+01:00");
	json_decref(s);
	s = summary("berlin", "2025-10-27T12:00:00+01:00");
	p = summary_point(s, "berlin/load");
	CHECK_INT(json_array_size(json_object_get(p, "hourly_today")), 24);
	CHECK_INT(json_array_size(json_object_get(p, "hourly_yesterday")), 25);
	CHECK_DBL(path_num(p, "yesterday", "energy_kwh"), 25.0, TOL);
	json_decref(s);
}

/* --- a real TEPCO day ---------------------------------------------------- */

static char *read_file(const char *path)
{
	gchar *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return text;
}

/* The hourly section of a TEPCO daily file: the first "DATE,TIME,"
 * header, then rows "2022/6/27,9:00,4669,..." (demand in 10,000 kW) up
 * to the blank line.  The header's Japanese is CP932; the rows are
 * ASCII. */
static size_t tepco_hourly(const char *text, int64_t *ts, double *wkw,
			   size_t max)
{
	const char *ln = strstr(text, "\nDATE,TIME,");
	size_t n = 0;

	if (!ln)
		return 0;
	ln = strchr(ln + 1, '\n');
	while (ln && n < max) {
		int y, mo, d, h, mi, consumed = 0;
		double v;
		char iso[40];

		ln++;
		if (sscanf(ln, "%d/%d/%d,%d:%d,%lf%n", &y, &mo, &d, &h, &mi,
			   &v, &consumed) != 6 || consumed == 0)
			break;
		snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:00+09:00",
			 y, mo, d, h, mi);
		ts[n] = T(iso);
		wkw[n] = v;
		n++;
		ln = strchr(ln, '\n');
	}
	return n;
}

static void test_tepco_day(void)
{
	const char *src = getenv("AKARI_SOURCE_DIR");
	char path[1024];
	char *text;
	int64_t ts[32], pid;
	double wkw[32], want = 0;
	size_t n;
	json_t *r;

	snprintf(path, sizeof path, "%s/data/tepco/20220627_power_usage.csv",
		 src ? src : "..");
	text = read_file(path);
	CHECK_AT(text != NULL, "cannot read %s", path);
	if (!text)
		return;
	n = tepco_hourly(text, ts, wkw, 32);
	g_free(text);
	CHECK_INT(n, 24);
	if (n != 24)
		return;

	add_site("tepco", "Asia/Tokyo");
	pid = add_point("tepco/demand_hourly", "tepco", "power", "kW", 3600);
	for (size_t i = 0; i < n; i++) {
		/* each row is a whole hour's mean: kW x 1 h = kWh */
		put1(pid, ts[i], wkw[i] * 10000.0);
		want += wkw[i] * 10000.0;
	}

	r = agg("tepco/demand_hourly", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_DAY, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 1);
	CHECK_DBL(bval(r, 0), want, want * 1e-12);
	json_decref(r);

	r = agg("tepco/demand_hourly", "2022-06-27T00:00:00+09:00",
		"2022-06-28T00:00:00+09:00", ANALYTICS_HOUR, ANALYTICS_ENERGY);
	CHECK_INT(nbuckets(r), 24);
	for (size_t i = 0; i < n && i < nbuckets(r); i++)
		CHECK_DBL(bval(r, i), wkw[i] * 10000.0, 1e-6);
	json_decref(r);
}

/* --- setup --------------------------------------------------------------- */

int main(void)
{
	char err[256] = "";

	dir = g_dir_make_tmp("akari-test-analytics-XXXXXX", NULL);
	if (!dir) {
		fprintf(stderr, "cannot make a temporary directory\n");
		return 1;
	}
	snprintf(dbpath, sizeof dbpath, "%s/test.db", dir);
	if (store_open(dbpath, &st, err, sizeof err) != STORE_OK) {
		fprintf(stderr, "store_open %s: %s\n", dbpath, err);
		return 1;
	}
	add_site("tokyo", "Asia/Tokyo");

	test_names();
	test_dst();
	test_energy_spacing();
	test_gap();
	test_straddle();
	test_stats();
	test_month();
	test_half_hour_zone();
	test_lord_howe();
	test_havana();
	test_errors();
	test_summary();
	test_tepco_day();

	store_close(st);
	test_remove_tree(dir);
	g_free(dir);
	return check_finish();
}
