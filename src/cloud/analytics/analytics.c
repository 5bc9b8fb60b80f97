/*
 * analytics.c - local-time buckets, aggregates and site summaries.
 *
 * A query reads its point's readings once into a series (two arrays in
 * ts order) and then folds the series into buckets.  Bucket boundaries
 * are Unix seconds computed with GDateTime in the site's zone; they are
 * built up front, so the fold only compares integers.
 *
 * A reading "holds" from its ts until the next reading, at most step
 * seconds.  Energy is value * held seconds / 3600, with every hold cut at
 * bucket boundaries and at the ends of the window asked for, which never
 * reaches past the end of the walk: the last reading read holds at most
 * until there.  That is in hours of the point's unit (W h for a point in
 * W), as the rollups keep it too; a figure becomes kWh (units_kwh()) only
 * once it is whole, so that a point in kW comes out as it always did and
 * one in W as the same energy, exactly where a double can hold it.
 */
#include "cloud/analytics/analytics.h"

#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/store/store_aggregate.h"
#include "cloud/store/store_bucket.h"
#include "cloud/store/store_rollup.h"
#include "cloud/analytics/analytics_text.h"
#include "cloud/analytics/counter.h"
#include "cloud/units/units.h"
#include "core/timeutil.h"

/* GDateTime covers the years 1..9999; one year of slack on each side
 * leaves room for the bucket boundaries around a range. */
#define TS_MIN INT64_C(-62104060800)	/* 0002-01-01T00:00:00Z */
#define TS_MAX INT64_C(253339228800)	/* 9998-01-01T00:00:00Z */

static const char *const interval_names[] = {
	[ANALYTICS_5MIN] = "5min",
	[ANALYTICS_30MIN] = "30min",
	[ANALYTICS_HOUR] = "hour",
	[ANALYTICS_DAY] = "day",
	[ANALYTICS_MONTH] = "month",
};

static const char *const fn_names[] = {
	[ANALYTICS_AVG] = "avg",
	[ANALYTICS_MIN] = "min",
	[ANALYTICS_MAX] = "max",
	[ANALYTICS_SUM] = "sum",
	[ANALYTICS_ENERGY] = "energy",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int analytics_interval_parse(const char *s, enum analytics_interval *out)
{
	for (size_t i = 0; s && i < COUNT(interval_names); i++) {
		if (strcmp(s, interval_names[i]) == 0) {
			*out = (enum analytics_interval)i;
			return 0;
		}
	}
	return -1;
}

int analytics_fn_parse(const char *s, enum analytics_fn *out)
{
	for (size_t i = 0; s && i < COUNT(fn_names); i++) {
		if (strcmp(s, fn_names[i]) == 0) {
			*out = (enum analytics_fn)i;
			return 0;
		}
	}
	return -1;
}

const char *analytics_interval_name(enum analytics_interval iv)
{
	if ((size_t)iv >= COUNT(interval_names))
		return "?";
	return interval_names[iv];
}

const char *analytics_fn_name(enum analytics_fn fn)
{
	if ((size_t)fn >= COUNT(fn_names))
		return "?";
	return fn_names[fn];
}

/* --- local time ------------------------------------------------------- */

/* The rollups cut time where analytics does: both use store_bucket.h. */
_Static_assert((int)ANALYTICS_MONTH == (int)STORE_BUCKET_MONTH &&
		       (int)ANALYTICS_30MIN == (int)STORE_BUCKET_30MIN,
	       "analytics intervals are store buckets");

static int64_t bucket_floor(GTimeZone *tz, enum analytics_interval iv,
			    int64_t t)
{
	return store_bucket_floor(tz, (enum store_bucket)iv, t);
}

static int64_t bucket_next(GTimeZone *tz, enum analytics_interval iv,
			   int64_t b)
{
	return store_bucket_next(tz, (enum store_bucket)iv, b);
}

static int interval_minutes(enum analytics_interval iv)
{
	return store_bucket_minutes((enum store_bucket)iv);
}

/* --- bucket boundaries -------------------------------------------------- */

/* Bucket k is [t[k], t[k + 1]); t has n + 1 entries. */
struct bounds {
	int64_t *t;
	size_t n;
};

static void bounds_finish(struct bounds *b)
{
	free(b->t);
	b->t = NULL;
	b->n = 0;
}

static int64_t interval_nominal(enum analytics_interval iv)
{
	int minutes = interval_minutes(iv);

	if (minutes)
		return minutes * 60;
	return iv == ANALYTICS_MONTH ? 28 * 86400 : 23 * 3600;
}

static int check_range(int64_t from, int64_t to, char *err, size_t errlen)
{
	if (from < TS_MIN || to > TS_MAX) {
		snprintf(err, errlen, "time out of range (years 2..9997)");
		return ANALYTICS_INVALID;
	}
	if (from >= to) {
		snprintf(err, errlen, "from must be before to");
		return ANALYTICS_INVALID;
	}
	return 0;
}

/* What every aggregate checks of its query before it reads anything. */
static int check_query(enum analytics_interval iv, enum analytics_fn fn,
		       int64_t from, int64_t to, char *err, size_t errlen)
{
	if ((size_t)iv >= COUNT(interval_names) ||
	    (size_t)fn >= COUNT(fn_names)) {
		snprintf(err, errlen, "unknown interval or fn");
		return ANALYTICS_INVALID;
	}
	return check_range(from, to, err, errlen);
}

/* The buckets of iv that cover [from, to). */
static int bounds_build(GTimeZone *tz, enum analytics_interval iv,
			int64_t from, int64_t to, struct bounds *out,
			char *err, size_t errlen)
{
	size_t cap = 64, n = 0;
	int64_t *t = NULL, *grown;
	int rc = 0;

	/* Refuse a huge range before building any of it; the exact count
	 * is checked as the boundaries come. */
	if ((to - from) / interval_nominal(iv) > 2 * ANALYTICS_MAX_BUCKETS)
		goto too_many;

	t = malloc(cap * sizeof(*t));
	if (!t)
		goto nomem;
	t[0] = bucket_floor(tz, iv, from);
	while (t[n] < to) {
		if (n == ANALYTICS_MAX_BUCKETS)
			goto too_many;
		if (n + 2 > cap) {
			cap *= 2;
			grown = realloc(t, cap * sizeof(*t));
			if (!grown)
				goto nomem;
			t = grown;
		}
		t[n + 1] = bucket_next(tz, iv, t[n]);
		if (t[n + 1] <= t[n]) {
			snprintf(err, errlen, "zone gives no bucket after %lld",
				 (long long)t[n]);
			rc = ANALYTICS_INVALID;
			goto out;
		}
		n++;
	}
	out->t = t;
	out->n = n;
	return 0;

too_many:
	snprintf(err, errlen, "more than %d %s buckets", ANALYTICS_MAX_BUCKETS,
		 analytics_interval_name(iv));
	rc = ANALYTICS_INVALID;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = ANALYTICS_NOMEM;
out:
	free(t);
	return rc;
}

/* One bucket [t0, t1), for the summary's whole-day and month figures.
 * An empty range gives no bucket. */
static void bounds_single(struct bounds *b, int64_t *t, int64_t t0,
			  int64_t t1)
{
	t[0] = t0;
	t[1] = t1;
	b->t = t;
	b->n = t1 > t0 ? 1 : 0;
}

/* --- series ----------------------------------------------------------- */

struct series {
	int64_t *ts;
	double *v;
	size_t n, cap;
	int64_t step;	/* longest hold, s; 0: readings hold for nothing */
	bool nomem;
};

static void series_finish(struct series *s)
{
	free(s->ts);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int series_push(int64_t ts, double value, void *ctx)
{
	struct series *s = ctx;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		int64_t *ts2 = realloc(s->ts, cap * sizeof(*ts2));
		double *v2;

		if (!ts2)
			goto nomem;
		s->ts = ts2;
		v2 = realloc(s->v, cap * sizeof(*v2));
		if (!v2)
			goto nomem;
		s->v = v2;
		s->cap = cap;
	}
	s->ts[s->n] = ts;
	s->v[s->n] = value;
	s->n++;
	return 0;

nomem:
	s->nomem = true;
	return 1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median spacing of s's readings (the lower middle one for an even
 * count); 0 with fewer than two readings. */
static int series_median_spacing(const struct series *s, int64_t *out)
{
	size_t n = s->n ? s->n - 1 : 0;
	int64_t *d;

	*out = 0;
	if (n == 0)
		return 0;
	d = malloc(n * sizeof(*d));
	if (!d)
		return ANALYTICS_NOMEM;
	for (size_t i = 0; i < n; i++)
		d[i] = s->ts[i + 1] - s->ts[i];
	qsort(d, n, sizeof(*d), cmp_i64);
	*out = d[(n - 1) / 2];
	free(d);
	return 0;
}

/* Reads point p's readings with from <= ts < to into s, preceded by the
 * newest reading before from, whose hold may reach into the range. */
static int series_load(struct store *st, const struct store_point *p,
		       int64_t from, int64_t to, struct series *s, char *err,
		       size_t errlen)
{
	int64_t ts;
	double v;
	int rc;

	memset(s, 0, sizeof(*s));

	rc = store_reading_latest(st, p->id, from, &ts, &v);
	if (rc == STORE_OK)
		series_push(ts, v, s);
	else if (rc != STORE_NOT_FOUND)
		goto failed;

	rc = store_readings_each(st, p->id, from, to, series_push, s);
	if (s->nomem)
		goto nomem;
	if (rc)
		goto failed;

	if (p->step_s > 0) {
		s->step = p->step_s;
	} else {
		rc = series_median_spacing(s, &s->step);
		if (rc)
			goto nomem;
	}
	return 0;

failed:
	snprintf(err, errlen, "reading %s: %s", p->key, store_errmsg(st));
	series_finish(s);
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	series_finish(s);
	return ANALYTICS_NOMEM;
}

static int64_t series_hold_end(const struct series *s, size_t i)
{
	int64_t end = s->ts[i] + s->step;

	if (i + 1 < s->n && s->ts[i + 1] < end)
		end = s->ts[i + 1];
	return end;
}

/* --- folding a series into buckets ------------------------------------- */

struct acc {
	int64_t count;		/* readings with ts in the bucket */
	double sum, min, max;
	int64_t held;		/* seconds of holds inside the bucket */
	double kwh;		/* value * held / 3600: hours of the point's
				 * unit until acc_kwh() makes them kWh */
};

static size_t bucket_seek(const struct bounds *b, size_t k, int64_t t)
{
	while (k + 1 < b->n && b->t[k + 1] <= t)
		k++;
	return k;
}

/* Adds to acc (b->n entries, zeroed by the caller) the readings of s with
 * w0 <= ts < w1 and, when energy is set, their holds clipped to
 * [w0, w1).  b must cover [w0, w1). */
static void series_fold(const struct series *s, const struct bounds *b,
			int64_t w0, int64_t w1, bool energy, struct acc *acc)
{
	size_t k = 0, kh = 0;

	if (b->n == 0 || w1 <= w0)
		return;
	for (size_t i = 0; i < s->n && s->ts[i] < w1; i++) {
		int64_t a = s->ts[i] > w0 ? s->ts[i] : w0, e;
		double v = s->v[i];

		if (s->ts[i] >= w0) {
			struct acc *c;

			k = bucket_seek(b, k, s->ts[i]);
			c = &acc[k];
			if (c->count == 0 || v < c->min)
				c->min = v;
			if (c->count == 0 || v > c->max)
				c->max = v;
			c->sum += v;
			c->count++;
		}
		if (!energy)
			continue;

		e = series_hold_end(s, i);
		if (e > w1)
			e = w1;
		while (a < e) {
			int64_t cut;

			kh = bucket_seek(b, kh, a);
			cut = b->t[kh + 1] < e ? b->t[kh + 1] : e;
			acc[kh].held += cut - a;
			acc[kh].kwh += v * (double)(cut - a) / 3600.0;
			a = cut;
		}
	}
}

/* The bucket's value of fn into *v; false when it is null. */
static bool acc_number(const struct acc *c, enum analytics_fn fn, double *v)
{
	switch (fn) {
	case ANALYTICS_ENERGY:
		*v = c->kwh;
		return c->held != 0;
	case ANALYTICS_AVG:
		*v = c->count ? c->sum / (double)c->count : 0;
		return c->count != 0;
	case ANALYTICS_MIN:
		*v = c->min;
		return c->count != 0;
	case ANALYTICS_MAX:
		*v = c->max;
		return c->count != 0;
	case ANALYTICS_SUM:
		*v = c->sum;
		return c->count != 0;
	}
	return false;
}

/* A sum beyond a double is no number JSON has, and json_real() would
 * refuse it and leave the bucket without "value": null, as the site
 * aggregate's text writes it. */
static json_t *acc_value(const struct acc *c, enum analytics_fn fn)
{
	double v;

	return acc_number(c, fn, &v) && isfinite(v) ? json_real(v)
						     : json_null();
}

/* --- shared pieces ------------------------------------------------------ */

bool analytics_point_is_power(const struct store_point *p)
{
	const char *q = units_quantity(p->unit);

	return !strcmp(p->quantity, "power") && q && !strcmp(q, "power");
}

static bool point_is_power(const struct store_point *p)
{
	return analytics_point_is_power(p);
}

/* Unit-hours of power point p's readings in kWh. */
static double power_kwh(const struct store_point *p, double unit_hours)
{
	double kwh = unit_hours;

	units_kwh(p->unit, unit_hours, &kwh);
	return kwh;
}

/* Makes the unit-hours of power point p in acc[0..n) kWh. */
static void acc_kwh(const struct store_point *p, struct acc *acc, size_t n)
{
	for (size_t k = 0; k < n; k++)
		acc[k].kwh = power_kwh(p, acc[k].kwh);
}

static int zone_open(const char *name, GTimeZone **out, char *err,
		     size_t errlen)
{
	*out = core_tz_new(name);
	if (!*out) {
		snprintf(err, errlen, "unknown time zone \"%s\"", name);
		return ANALYTICS_INVALID;
	}
	return 0;
}

static json_t *json_time(int64_t t, GTimeZone *tz)
{
	char buf[40];

	core_time_format(t, tz, buf, sizeof(buf));
	return json_string(buf);
}

/* A store failure other than "not found" keeps the store's code. */
static int store_failed(struct store *st, int rc, const char *what,
			const char *name, char *err, size_t errlen)
{
	if (rc == STORE_NOT_FOUND)
		snprintf(err, errlen, "unknown %s \"%s\"", what, name);
	else
		snprintf(err, errlen, "%s \"%s\": %s", what, name,
			 store_errmsg(st));
	return rc;
}

/* --- counter points ------------------------------------------------------ */

/* A cumulative register of energy: its increments are energy. */
static bool point_is_energy_counter(const struct store_point *p)
{
	const char *q = units_quantity(p->unit);

	return p->kind == STORE_COUNTER && q && !strcmp(q, "energy");
}

/*
 * Puts a counter point's increments per bucket (counter.h) into acc in
 * place of what series_fold() made of the register values: in kWh for
 * energy, in the point's unit for sum.  A bucket no pair of readings
 * spans stays null.
 */
static int counter_fold(struct store *st, const struct store_point *p,
			const struct bounds *b, int64_t w0, int64_t w1,
			enum analytics_fn fn, struct acc *acc, char *err,
			size_t errlen)
{
	size_t n = b->n ? b->n : 1;
	double *amount = calloc(n, sizeof(*amount));
	int64_t *covered = calloc(n, sizeof(*covered));
	bool kwh = fn == ANALYTICS_ENERGY && point_is_energy_counter(p);
	int rc = ANALYTICS_NOMEM;

	if (amount && covered)
		rc = counter_buckets(st, p, b->t, b->n, w0, w1, amount,
				     covered, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	for (size_t k = 0; !rc && k < b->n; k++) {
		acc[k].kwh = 0;
		if (kwh)
			units_kwh(p->unit, amount[k], &acc[k].kwh);
		acc[k].held = covered[k];
		/* acc_value() shows a sum only for a bucket with a count */
		acc[k].sum = amount[k];
		acc[k].count = covered[k] > 0;
	}
	free(amount);
	free(covered);
	return rc;
}

/* --- aggregate ---------------------------------------------------------- */

/*
 * The rollups hold exactly what a fold of the raw readings gives for a
 * whole bucket, so whole buckets are read from them and only the parts
 * of buckets that stick out of [from, to) from raw readings.  Energy is
 * rolled up only where the hold cap is the point's step: with step 0 it
 * is the median spacing of the readings a query reads.
 */
static bool rollups_answer(const struct store_point *p,
			   enum analytics_interval iv, enum analytics_fn fn)
{
	if (iv == ANALYTICS_5MIN)
		return false;
	/* a counter's sum and energy are its increments: counter_fold() */
	if (p->kind == STORE_COUNTER &&
	    (fn == ANALYTICS_SUM || fn == ANALYTICS_ENERGY))
		return false;
	return fn != ANALYTICS_ENERGY ||
	       (p->step_s > 0 && p->kind == STORE_INSTANTANEOUS);
}

struct rollup_fill {
	const struct bounds *b;
	struct acc *acc;
	size_t k;		/* bucket the next rollup may be */
};

static int rollup_fill(const struct store_rollup *r, void *ctx)
{
	struct rollup_fill *f = ctx;
	struct acc *c;

	while (f->k < f->b->n && f->b->t[f->k] < r->ts)
		f->k++;
	if (f->k == f->b->n || f->b->t[f->k] != r->ts)
		return 0;
	c = &f->acc[f->k];
	c->count = r->n;
	c->sum = r->sum;
	c->min = r->min;
	c->max = r->max;
	c->held = r->held;
	c->kwh = r->kwh;
	return 0;
}

/* Folds the raw readings of [w0, w1) into acc, as a whole query would. */
static int fold_raw_window(struct store *st, const struct store_point *p,
			   const struct bounds *b, int64_t w0, int64_t w1,
			   bool energy, struct acc *acc, char *err,
			   size_t errlen)
{
	struct series s;
	int rc;

	rc = series_load(st, p, w0, w1, &s, err, errlen);
	if (rc)
		return rc;
	series_fold(&s, b, w0, w1, energy, acc);
	series_finish(&s);
	return 0;
}

/* The whole buckets of b inside [from, to): k0 <= k < k1. */
static void whole_buckets(const struct bounds *b, int64_t from, int64_t to,
			  size_t *k0, size_t *k1)
{
	*k0 = b->t[0] < from ? 1 : 0;
	*k1 = b->t[b->n] > to ? b->n - 1 : b->n;
}

/* With whole_read the caller has put the rollups of the whole buckets
 * into acc already; only the edges are left. */
static int aggregate_rollups(struct store *st, const struct store_point *p,
			     int64_t from, int64_t to,
			     enum analytics_interval iv, bool energy,
			     const struct bounds *b, bool whole_read,
			     struct acc *acc, char *err, size_t errlen)
{
	size_t k0, k1;
	struct rollup_fill f = {b, acc, 0};
	int rc;

	whole_buckets(b, from, to, &k0, &k1);
	f.k = k0;
	/* No whole bucket: the range is inside one. */
	if (k0 >= k1)
		return fold_raw_window(st, p, b, from, to, energy, acc, err,
				       errlen);

	rc = whole_read ? 0 : store_rollups_each(st, p->id,
						  (enum store_bucket)iv,
						  b->t[k0], b->t[k1],
						  rollup_fill, &f);
	if (rc) {
		snprintf(err, errlen, "reading rollups of %s: %s", p->key,
			 store_errmsg(st));
		return rc;
	}
	if (k0 == 1)
		rc = fold_raw_window(st, p, b, from, b->t[1], energy, acc, err,
				     errlen);
	if (!rc && k1 < b->n)
		rc = fold_raw_window(st, p, b, b->t[k1], to, energy, acc, err,
				     errlen);
	return rc;
}

/* Whether fn can be asked of p: energy only of power or an energy
 * counter. */
static int check_point_fn(const struct store_point *p, enum analytics_fn fn,
			  char *err, size_t errlen)
{
	if (fn != ANALYTICS_ENERGY || point_is_power(p) ||
	    point_is_energy_counter(p))
		return 0;
	snprintf(err, errlen,
		 "energy needs a power point (in a unit of power: kW, W, MW, "
		 "...) or a counter in a unit of energy; %s is %s%s in %s",
		 p->key, p->kind == STORE_COUNTER ? "a counter of " : "",
		 p->quantity, p->unit);
	return ANALYTICS_INVALID;
}

/*
 * Folds point p's aggregate over [from, to) into acc (b->n entries,
 * zeroed): whole buckets from the rollups where they answer, the rest
 * from raw readings, and a counter's sum and energy from its
 * increments.  whole_read: see aggregate_rollups().
 */
static int point_acc(struct store *st, const struct store_point *p,
		     int64_t from, int64_t to, enum analytics_interval iv,
		     enum analytics_fn fn, const struct bounds *b,
		     bool whole_read, struct acc *acc, char *err,
		     size_t errlen)
{
	bool energy = fn == ANALYTICS_ENERGY;
	int rc;

	if (rollups_answer(p, iv, fn)) {
		rc = aggregate_rollups(st, p, from, to, iv, energy, b,
				       whole_read, acc, err, errlen);
	} else {
		rc = fold_raw_window(st, p, b, from, to, energy, acc, err,
				     errlen);
	}
	if (!rc && p->kind == STORE_COUNTER &&
	    (fn == ANALYTICS_ENERGY || fn == ANALYTICS_SUM))
		rc = counter_fold(st, p, b, from, to, fn, acc, err, errlen);
	else if (!rc && energy)
		acc_kwh(p, acc, b->n);
	return rc;
}

static json_t *aggregate_answer(const struct store_point *p, GTimeZone *tz,
				int64_t from, int64_t to,
				enum analytics_interval iv,
				enum analytics_fn fn, const struct bounds *b,
				const struct acc *acc)
{
	json_t *res = json_object(), *buckets = json_array();

	for (size_t k = 0; k < b->n; k++) {
		json_t *bk = json_object();

		json_object_set_new(bk, "start", json_time(b->t[k], tz));
		json_object_set_new(bk, "value", acc_value(&acc[k], fn));
		json_array_append_new(buckets, bk);
	}
	json_object_set_new(res, "point", json_string(p->key));
	json_object_set_new(res, "unit", json_string(
		fn == ANALYTICS_ENERGY ? "kWh" : p->unit));
	json_object_set_new(res, "interval",
			    json_string(analytics_interval_name(iv)));
	json_object_set_new(res, "fn", json_string(analytics_fn_name(fn)));
	json_object_set_new(res, "from", json_time(from, tz));
	json_object_set_new(res, "to", json_time(to, tz));
	json_object_set_new(res, "buckets", buckets);
	return res;
}

int analytics_aggregate(struct store *st, const char *key, int64_t from,
			int64_t to, enum analytics_interval iv,
			enum analytics_fn fn, json_t **out, char *err,
			size_t errlen)
{
	struct store_point p;
	struct bounds b = {0};
	struct acc *acc = NULL;
	GTimeZone *tz = NULL;
	int rc;

	*out = NULL;
	rc = check_query(iv, fn, from, to, err, errlen);
	if (rc)
		goto out;

	rc = store_point_get(st, key, &p);
	if (rc) {
		rc = store_failed(st, rc, "point", key, err, errlen);
		goto out;
	}
	rc = check_point_fn(&p, fn, err, errlen);
	if (rc)
		goto out;
	rc = zone_open(p.tz, &tz, err, errlen);
	if (rc)
		goto out;

	rc = bounds_build(tz, iv, from, to, &b, err, errlen);
	if (rc)
		goto out;
	acc = calloc(b.n ? b.n : 1, sizeof(*acc));
	if (!acc) {
		snprintf(err, errlen, "out of memory");
		rc = ANALYTICS_NOMEM;
		goto out;
	}

	rc = point_acc(st, &p, from, to, iv, fn, &b, false, acc, err,
		       errlen);
	if (rc)
		goto out;

	*out = aggregate_answer(&p, tz, from, to, iv, fn, &b, acc);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		rc = ANALYTICS_NOMEM;
	}

out:
	free(acc);
	bounds_finish(&b);
	if (tz)
		g_time_zone_unref(tz);
	return rc;
}

/* --- summary ------------------------------------------------------------ */

/* The local calendar around at, shared by every point of a site. */
struct summary_days {
	GTimeZone *tz;
	int64_t at;
	int64_t today;		/* start of the local day of at */
	int64_t tomorrow;
	int64_t yesterday;
	int64_t month;		/* start of the local month of at */
	struct bounds hours_today, hours_yesterday;
};

static int summary_days_init(struct summary_days *d, GTimeZone *tz,
			     int64_t at, char *err, size_t errlen)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->tz = tz;
	d->at = at;
	d->today = bucket_floor(tz, ANALYTICS_DAY, at);
	d->tomorrow = bucket_next(tz, ANALYTICS_DAY, d->today);
	d->yesterday = bucket_floor(tz, ANALYTICS_DAY, d->today - 1);
	d->month = bucket_floor(tz, ANALYTICS_MONTH, at);

	rc = bounds_build(tz, ANALYTICS_HOUR, d->today, d->tomorrow,
			  &d->hours_today, err, errlen);
	if (rc)
		return rc;
	return bounds_build(tz, ANALYTICS_HOUR, d->yesterday, d->today,
			    &d->hours_yesterday, err, errlen);
}

static void summary_days_finish(struct summary_days *d)
{
	bounds_finish(&d->hours_today);
	bounds_finish(&d->hours_yesterday);
}

/* Folds s over the single bucket [w0, w1) into *c. */
static void fold_window(const struct series *s, int64_t w0, int64_t w1,
			bool energy, struct acc *c)
{
	struct bounds b;
	int64_t t[2];

	memset(c, 0, sizeof(*c));
	bounds_single(&b, t, w0, w1);
	series_fold(s, &b, w0, w1, energy, c);
}

static json_t *json_real_if(bool has, double v)
{
	return has ? json_real(v) : json_null();
}

static json_t *summary_reading(const struct series *s, size_t i,
			       GTimeZone *tz)
{
	json_t *r = json_object();

	json_object_set_new(r, "ts", json_time(s->ts[i], tz));
	json_object_set_new(r, "value", json_real(s->v[i]));
	return r;
}

/* The newest reading before at with its age, and whether a slide may
 * still show it as the current figure (core_reading_stale(), with the
 * point's step, else the median spacing of the readings read: a
 * half-hourly meter registered without a step is not stale for half
 * of each interval). */
static json_t *summary_latest(const struct series *s,
			      const struct store_point *p,
			      const struct summary_days *d)
{
	json_t *r;
	int64_t age;

	if (!s->n)
		return json_null();
	r = summary_reading(s, s->n - 1, d->tz);
	age = d->at - s->ts[s->n - 1];
	json_object_set_new(r, "age_s", json_integer(age));
	json_object_set_new(r, "stale",
			    json_boolean(core_reading_stale(age, s->step)));
	return r;
}

static json_t *summary_today(const struct series *s,
			     const struct store_point *p,
			     const struct summary_days *d, bool power)
{
	json_t *t = json_object();
	struct acc c;
	size_t peak = 0;
	bool have_peak = false;

	fold_window(s, d->today, d->at, power, &c);
	for (size_t i = 0; i < s->n && s->ts[i] < d->at; i++) {
		if (s->ts[i] < d->today)
			continue;
		if (!have_peak || s->v[i] > s->v[peak])
			peak = i;
		have_peak = true;
	}

	json_object_set_new(t, "min", json_real_if(c.count, c.min));
	json_object_set_new(t, "max", json_real_if(c.count, c.max));
	json_object_set_new(t, "avg", json_real_if(
		c.count, c.count ? c.sum / (double)c.count : 0));
	json_object_set_new(t, "count", json_integer(c.count));
	json_object_set_new(t, "peak", have_peak ?
		summary_reading(s, peak, d->tz) : json_null());
	if (power)
		json_object_set_new(t, "energy_kwh",
				    json_real_if(c.held, power_kwh(p, c.kwh)));
	return t;
}

static json_t *summary_hourly(const struct series *s,
			      const struct store_point *p,
			      const struct bounds *b, int64_t w1, bool power,
			      struct acc *acc)
{
	json_t *arr = json_array();

	memset(acc, 0, b->n * sizeof(*acc));
	series_fold(s, b, b->t[0], w1, power, acc);
	if (power)
		acc_kwh(p, acc, b->n);
	for (size_t k = 0; k < b->n; k++)
		json_array_append_new(arr, acc_value(&acc[k], power ?
			ANALYTICS_ENERGY : ANALYTICS_AVG));
	return arr;
}

/*
 * An energy counter's figures in a summary: the day's, yesterday's and
 * the month's energy and the hourly arrays, from its increments rather
 * than by integrating its register values.  acc has room for a day's
 * hours.
 */
static int summary_counter(struct store *st, const struct store_point *p,
			   const struct summary_days *d, json_t *o,
			   struct acc *acc, char *err, size_t errlen)
{
	const struct {
		const char *name;
		int64_t t0, t1;
	} win[] = {
		{"today", d->today, d->at},
		{"yesterday", d->yesterday, d->today},
		{"month", d->month, d->at},
	};
	const struct bounds *hours[] = {&d->hours_today, &d->hours_yesterday};
	const char *names[] = {"hourly_today", "hourly_yesterday"};
	const int64_t ends[] = {d->at, d->today};
	int rc;

	for (size_t i = 0; i < COUNT(win); i++) {
		struct bounds b;
		struct acc c = {0};
		int64_t t[2];

		bounds_single(&b, t, win[i].t0, win[i].t1);
		rc = counter_fold(st, p, &b, win[i].t0, win[i].t1,
				  ANALYTICS_ENERGY, &c, err, errlen);
		if (rc)
			return rc;
		json_object_set_new(json_object_get(o, win[i].name),
				    "energy_kwh", json_real_if(c.held, c.kwh));
	}
	for (size_t i = 0; i < COUNT(hours); i++) {
		const struct bounds *b = hours[i];
		json_t *arr = json_array();

		memset(acc, 0, b->n * sizeof(*acc));
		rc = counter_fold(st, p, b, b->t[0], ends[i],
				  ANALYTICS_ENERGY, acc, err, errlen);
		for (size_t k = 0; !rc && k < b->n; k++)
			json_array_append_new(arr, acc_value(&acc[k],
							     ANALYTICS_ENERGY));
		json_object_set_new(o, names[i], arr);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_day_energy(const struct store_rollup *r, void *ctx)
{
	struct acc *c = ctx;

	c->held += r->held;
	c->kwh += r->kwh;
	return 0;
}

/* The month's energy so far: its days before yesterday from the day
 * rollups, yesterday and today from s (loaded from yesterday). */
static int summary_month(struct store *st, const struct store_point *p,
			 const struct summary_days *d,
			 const struct series *s, struct acc *c, char *err,
			 size_t errlen)
{
	struct acc days = {0};
	int rc;

	rc = store_rollups_each(st, p->id, STORE_BUCKET_DAY, d->month,
				d->yesterday, add_day_energy, &days);
	if (rc) {
		snprintf(err, errlen, "reading rollups of %s: %s", p->key,
			 store_errmsg(st));
		return rc;
	}
	fold_window(s, d->yesterday, d->at, true, c);
	c->held += days.held;
	c->kwh = days.kwh + c->kwh;
	return 0;
}

static int summary_point(struct store *st, const struct store_point *p,
			 const struct summary_days *d, json_t **out,
			 char *err, size_t errlen)
{
	bool power = point_is_power(p);
	bool month_rollups = power && d->month < d->yesterday &&
			     rollups_answer(p, ANALYTICS_DAY, ANALYTICS_ENERGY);
	int64_t from = d->yesterday;
	struct series s;
	struct acc c, *acc = NULL;
	size_t nacc;
	json_t *o, *y, *m, *curve;
	int rc;

	/* Only the month needs more than yesterday and today: its whole
	 * days come from the day rollups where they can. */
	*out = NULL;
	if (power && !month_rollups && d->month < d->yesterday)
		from = d->month;
	rc = series_load(st, p, from, d->at, &s, err, errlen);
	if (rc)
		return rc;
	nacc = d->hours_today.n > d->hours_yesterday.n ?
		       d->hours_today.n : d->hours_yesterday.n;
	acc = malloc(nacc * sizeof(*acc));
	if (!acc) {
		snprintf(err, errlen, "out of memory");
		rc = ANALYTICS_NOMEM;
		goto out;
	}

	o = json_object();
	json_object_set_new(o, "key", json_string(p->key));
	json_object_set_new(o, "quantity", json_string(p->quantity));
	json_object_set_new(o, "unit", json_string(p->unit));
	json_object_set_new(o, "kind", json_string(store_kind_name(p->kind)));
	json_object_set_new(o, "step_s", json_integer(p->step_s));
	json_object_set_new(o, "spacing_s", json_integer(s.step));
	json_object_set_new(o, "shift_days", json_integer(p->shift_days));
	json_object_set_new(o, "latest", summary_latest(&s, p, d));
	json_object_set_new(o, "today", summary_today(&s, p, d, power));

	y = json_object();
	fold_window(&s, d->yesterday, d->today, power, &c);
	if (power)
		json_object_set_new(y, "energy_kwh",
				    json_real_if(c.held, power_kwh(p, c.kwh)));
	json_object_set_new(y, "avg", json_real_if(
		c.count, c.count ? c.sum / (double)c.count : 0));
	json_object_set_new(o, "yesterday", y);

	m = json_object();
	if (power) {
		if (month_rollups)
			rc = summary_month(st, p, d, &s, &c, err, errlen);
		else
			fold_window(&s, d->month, d->at, power, &c);
		if (rc) {
			json_decref(o);
			goto out;
		}
		json_object_set_new(m, "energy_kwh",
				    json_real_if(c.held, power_kwh(p, c.kwh)));
	}
	json_object_set_new(o, "month", m);

	curve = json_array();
	for (size_t i = 0; i < s.n; i++) {
		if (s.ts[i] >= d->today)
			json_array_append_new(curve, json_pack(
				"[I f]", (json_int_t)s.ts[i], s.v[i]));
	}
	json_object_set_new(o, "curve", curve);

	json_object_set_new(o, "hourly_today", summary_hourly(
		&s, p, &d->hours_today, d->at, power, acc));
	json_object_set_new(o, "hourly_yesterday", summary_hourly(
		&s, p, &d->hours_yesterday, d->today, power, acc));
	if (point_is_energy_counter(p)) {
		rc = summary_counter(st, p, d, o, acc, err, errlen);
		if (rc) {
			json_decref(o);
			goto out;
		}
	}
	*out = o;

out:
	free(acc);
	series_finish(&s);
	return rc;
}

struct point_list {
	struct store_point *p;
	size_t n, cap;
	bool nomem;
};

static int point_list_push(const struct store_point *p, void *ctx)
{
	struct point_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct store_point *grown = realloc(l->p, cap * sizeof(*grown));

		if (!grown) {
			l->nomem = true;
			return 1;
		}
		l->p = grown;
		l->cap = cap;
	}
	l->p[l->n++] = *p;
	return 0;
}

int analytics_summary(struct store *st, const char *site, int64_t at,
		      json_t **out, char *err, size_t errlen)
{
	struct store_site si;
	struct point_list pts = {0};
	struct summary_days days = {0};
	GTimeZone *tz = NULL;
	json_t *res = NULL, *arr, *po;
	int rc;

	*out = NULL;
	if (at <= TS_MIN + 62 * 86400 || at >= TS_MAX) {
		snprintf(err, errlen, "time out of range (years 2..9997)");
		return ANALYTICS_INVALID;
	}
	rc = store_site_get(st, site, &si);
	if (rc) {
		rc = store_failed(st, rc, "site", site, err, errlen);
		goto out;
	}
	rc = zone_open(si.tz, &tz, err, errlen);
	if (rc)
		goto out;
	rc = summary_days_init(&days, tz, at, err, errlen);
	if (rc)
		goto out;

	/* A reading walk must not run inside another store walk. */
	rc = store_points_each(st, site, point_list_push, &pts);
	if (pts.nomem) {
		snprintf(err, errlen, "out of memory");
		rc = ANALYTICS_NOMEM;
		goto out;
	}
	if (rc) {
		rc = store_failed(st, rc, "site", site, err, errlen);
		goto out;
	}

	res = json_object();
	json_object_set_new(res, "site", json_string(si.name));
	json_object_set_new(res, "kind", json_string(si.kind));
	json_object_set_new(res, "tz", json_string(si.tz));
	json_object_set_new(res, "at", json_time(at, tz));
	json_object_set_new(res, "day_start", json_time(days.today, tz));
	arr = json_array();
	json_object_set_new(res, "points", arr);
	for (size_t i = 0; i < pts.n; i++) {
		rc = summary_point(st, &pts.p[i], &days, &po, err, errlen);
		if (rc)
			goto out;
		json_array_append_new(arr, po);
	}
	*out = res;
	res = NULL;

out:
	json_decref(res);
	summary_days_finish(&days);
	free(pts.p);
	if (tz)
		g_time_zone_unref(tz);
	return rc;
}

/* --- many points of a site ----------------------------------------------- */

/* The points an aggregate over a site answers for, in answer order. */
struct site_points {
	struct point_list all;	/* the site's, by key; owns the points */
	const struct store_point **p;
	size_t n;
};

static void site_points_finish(struct site_points *sp)
{
	free(sp->all.p);
	free(sp->p);
	memset(sp, 0, sizeof(*sp));
}

static bool selected(const struct store_point *p,
		     const struct analytics_selection *sel)
{
	return !sel->quantity || !strcmp(p->quantity, sel->quantity);
}

/* The listed keys in their order, each once and on the site. */
static int pick_listed(struct site_points *sp, const char *site,
		       const struct analytics_selection *sel, char *err,
		       size_t errlen)
{
	GHashTable *by_key = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	int rc = 0;

	for (size_t i = 0; i < sp->all.n; i++)
		g_hash_table_insert(by_key, sp->all.p[i].key, &sp->all.p[i]);
	for (size_t i = 0; i < sel->npoints; i++) {
		const char *key = sel->points[i];
		const struct store_point *p = g_hash_table_lookup(by_key, key);

		if (!p) {
			snprintf(err, errlen, "no point \"%.128s\" on site "
				 "\"%s\"", key, site);
			rc = STORE_NOT_FOUND;
			break;
		}
		if (!g_hash_table_add(seen, (gpointer)key)) {
			snprintf(err, errlen, "point \"%.128s\" is listed "
				 "twice", key);
			rc = ANALYTICS_INVALID;
			break;
		}
		if (selected(p, sel))
			sp->p[sp->n++] = p;
	}
	g_hash_table_destroy(by_key);
	g_hash_table_destroy(seen);
	return rc;
}

static int site_points_load(struct store *st, const char *site,
			    const struct analytics_selection *sel,
			    struct site_points *sp, char *err, size_t errlen)
{
	size_t cap;
	int rc;

	memset(sp, 0, sizeof(*sp));
	rc = store_points_each(st, site, point_list_push, &sp->all);
	if (sp->all.nomem)
		goto nomem;
	if (rc)
		return store_failed(st, rc, "site", site, err, errlen);

	cap = sel->npoints > sp->all.n ? sel->npoints : sp->all.n;
	sp->p = malloc((cap ? cap : 1) * sizeof(*sp->p));
	if (!sp->p)
		goto nomem;
	if (sel->npoints)
		return pick_listed(sp, site, sel, err, errlen);
	for (size_t i = 0; i < sp->all.n; i++) {
		const struct store_point *p = &sp->all.p[i];

		if ((!p->retired || sel->retired) && selected(p, sel))
			sp->p[sp->n++] = p;
	}
	return 0;

nomem:
	snprintf(err, errlen, "out of memory");
	return ANALYTICS_NOMEM;
}

/* Puts the rollups read for many points into their rows of acc. */
struct site_fill {
	const struct bounds *b;
	struct acc *acc;	/* row i of point i, b->n wide */
};

static int site_fill(size_t i, const struct store_rollup *r, void *ctx)
{
	struct site_fill *f = ctx;
	size_t lo = 0, hi = f->b->n;
	struct acc *c;

	/* A row cut in a zone the site no longer has matches no start. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->b->t[mid] < r->ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->b->n || f->b->t[lo] != r->ts)
		return 0;
	c = &f->acc[i * f->b->n + lo];
	c->count = r->n;
	c->sum = r->sum;
	c->min = r->min;
	c->max = r->max;
	c->held = r->held;
	c->kwh = r->kwh;
	return 0;
}

/* The rollup columns acc_value() reads for fn. */
static unsigned fn_cols(enum analytics_fn fn)
{
	switch (fn) {
	case ANALYTICS_AVG:
	case ANALYTICS_SUM:
		return STORE_AGG_N | STORE_AGG_SUM;
	case ANALYTICS_MIN:
		return STORE_AGG_N | STORE_AGG_MIN;
	case ANALYTICS_MAX:
		return STORE_AGG_N | STORE_AGG_MAX;
	case ANALYTICS_ENERGY:
		return STORE_AGG_HELD | STORE_AGG_KWH;
	}
	return STORE_AGG_ALL;
}

/* The whole buckets of every point the rollups answer for, in one
 * read; *read[i] says whether point i's were. */
static int site_rollups(struct store *st, const struct site_points *sp,
			int64_t from, int64_t to, enum analytics_interval iv,
			enum analytics_fn fn, const struct bounds *b,
			struct acc *acc, bool *read, char *err, size_t errlen)
{
	int64_t *ids = malloc((sp->n ? sp->n : 1) * sizeof(*ids));
	size_t *rows = malloc((sp->n ? sp->n : 1) * sizeof(*rows));
	struct site_fill f = {b, acc};
	size_t n = 0, k0, k1;
	int rc = 0;

	if (!ids || !rows) {
		snprintf(err, errlen, "out of memory");
		rc = ANALYTICS_NOMEM;
		goto out;
	}
	whole_buckets(b, from, to, &k0, &k1);
	for (size_t i = 0; i < sp->n; i++) {
		read[i] = k0 < k1 && rollups_answer(sp->p[i], iv, fn);
		if (read[i]) {
			ids[n] = sp->p[i]->id;
			rows[n++] = i;
		}
	}
	if (n == 0)
		goto out;

	/* The store calls back with an index into ids: rows maps it to
	 * acc's row, which ids' order keeps when all are read. */
	if (n < sp->n) {
		f.acc = calloc(n * b->n, sizeof(*f.acc));
		if (!f.acc) {
			snprintf(err, errlen, "out of memory");
			rc = ANALYTICS_NOMEM;
			goto out;
		}
	}
	rc = store_aggregate_rollups(st, ids, n, (enum store_bucket)iv,
				     fn_cols(fn), b->t[k0], b->t[k1],
				     site_fill, &f);
	if (rc) {
		snprintf(err, errlen, "reading rollups: %s",
			 store_errmsg(st));
		goto out;
	}
	if (f.acc != acc) {
		for (size_t j = 0; j < n; j++)
			memcpy(&acc[rows[j] * b->n], &f.acc[j * b->n],
			       b->n * sizeof(*acc));
	}

out:
	if (f.acc != acc)
		free(f.acc);
	free(ids);
	free(rows);
	return rc;
}

static void text_time(GString *out, int64_t t, GTimeZone *tz)
{
	char buf[40];

	core_time_format(t, tz, buf, sizeof(buf));
	analytics_text_string(out, buf);
}

static void text_field(GString *out, const char *name, const char *value)
{
	g_string_append_printf(out, "\"%s\":", name);
	analytics_text_string(out, value);
	g_string_append_c(out, ',');
}

/* The answer as JSON text: with tens of thousands of values a jansson
 * tree and its printing cost more than reading the rollups. */
static char *site_answer(const struct store_site *si, GTimeZone *tz,
			 const struct site_points *sp, int64_t from,
			 int64_t to, enum analytics_interval iv,
			 enum analytics_fn fn, const struct bounds *b,
			 const struct acc *acc)
{
	GString *out = g_string_sized_new(256 + sp->n * (48 + b->n * 20));
	double v;

	g_string_append_c(out, '{');
	text_field(out, "site", si->name);
	text_field(out, "tz", si->tz);
	text_field(out, "interval", analytics_interval_name(iv));
	text_field(out, "fn", analytics_fn_name(fn));
	g_string_append(out, "\"from\":");
	text_time(out, from, tz);
	g_string_append(out, ",\"to\":");
	text_time(out, to, tz);
	g_string_append(out, ",\"starts\":[");
	for (size_t k = 0; k < b->n; k++) {
		if (k)
			g_string_append_c(out, ',');
		text_time(out, b->t[k], tz);
	}
	g_string_append(out, "],\"points\":[");
	for (size_t i = 0; i < sp->n; i++) {
		const struct store_point *p = sp->p[i];

		g_string_append(out, i ? ",{" : "{");
		text_field(out, "point", p->key);
		text_field(out, "unit",
			   fn == ANALYTICS_ENERGY ? "kWh" : p->unit);
		g_string_append(out, "\"values\":[");
		for (size_t k = 0; k < b->n; k++) {
			if (k)
				g_string_append_c(out, ',');
			if (acc_number(&acc[i * b->n + k], fn, &v))
				analytics_text_real(out, v);
			else
				g_string_append(out, "null");
		}
		g_string_append(out, "]}");
	}
	g_string_append(out, "]}");
	return g_string_free(out, FALSE);
}

int analytics_aggregate_site(struct store *st, const char *site,
			     const struct analytics_selection *sel,
			     int64_t from, int64_t to,
			     enum analytics_interval iv, enum analytics_fn fn,
			     char **out, char *err, size_t errlen)
{
	struct store_site si;
	struct site_points sp = {0};
	struct bounds b = {0};
	struct acc *acc = NULL;
	bool *read = NULL;
	GTimeZone *tz = NULL;
	int rc;

	*out = NULL;
	rc = check_query(iv, fn, from, to, err, errlen);
	if (rc)
		goto out;
	rc = store_site_get(st, site, &si);
	if (rc) {
		rc = store_failed(st, rc, "site", site, err, errlen);
		goto out;
	}
	rc = site_points_load(st, site, sel, &sp, err, errlen);
	if (rc)
		goto out;
	for (size_t i = 0; i < sp.n; i++) {
		rc = check_point_fn(sp.p[i], fn, err, errlen);
		if (rc)
			goto out;
	}

	/* Every point of a site is in the site's zone: one set of
	 * buckets serves them all. */
	rc = zone_open(si.tz, &tz, err, errlen);
	if (rc)
		goto out;
	rc = bounds_build(tz, iv, from, to, &b, err, errlen);
	if (rc)
		goto out;
	if (sp.n && b.n > ANALYTICS_MAX_VALUES / sp.n) {
		snprintf(err, errlen, "%zu points of %zu %s buckets are more "
			 "than %d values", sp.n, b.n,
			 analytics_interval_name(iv), ANALYTICS_MAX_VALUES);
		rc = ANALYTICS_INVALID;
		goto out;
	}
	acc = calloc(sp.n * b.n + 1, sizeof(*acc));
	read = calloc(sp.n ? sp.n : 1, sizeof(*read));
	if (!acc || !read) {
		snprintf(err, errlen, "out of memory");
		rc = ANALYTICS_NOMEM;
		goto out;
	}

	rc = site_rollups(st, &sp, from, to, iv, fn, &b, acc, read, err,
			  errlen);
	if (rc)
		goto out;
	for (size_t i = 0; i < sp.n; i++) {
		rc = point_acc(st, sp.p[i], from, to, iv, fn, &b, read[i],
			       &acc[i * b.n], err, errlen);
		if (rc)
			goto out;
	}

	*out = site_answer(&si, tz, &sp, from, to, iv, fn, &b, acc);

out:
	free(read);
	free(acc);
	bounds_finish(&b);
	site_points_finish(&sp);
	if (tz)
		g_time_zone_unref(tz);
	return rc;
}
