/*
 * test_rollup.c - rollups kept on write equal aggregates of the raw
 * readings, whatever order the readings come in.
 *
 * The expected values are computed here from the test's own copy of the
 * readings (last write wins) with its own bucket boundaries: Sydney's
 * offsets written out by hand (AEDT +11 until 2024-04-07 03:00 local,
 * AEST +10 until 2024-10-06 02:00, then AEDT again), and its own holds
 * (a reading holds until the next one, at most STEP seconds).  Neither
 * GLib's zone nor akari's fold is used for them.
 */
#include <glib.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "test_util.h"

#include "cloud/analytics/analytics.h"
#include "cloud/store/store.h"
#include "cloud/store/store_rollup.h"

#define STEP 300
#define HOUR 3600
#define DAY 86400

static struct store *st;
static char *st_path;		/* st's file */
static GHashTable *model;	/* ts -> value: what readings holds */

/* --- Sydney by hand ------------------------------------------------------ */

static int64_t dst_end, dst_start;	/* UTC instants of the 2024 changes */

static int64_t syd_off(int64_t t)
{
	return t >= dst_end && t < dst_start ? 10 * HOUR : 11 * HOUR;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Local midnight of the local date of t.  The changes happen at 02:00
 * and 03:00 local, hours away from any midnight, so the offset of t's
 * midnight is the offset an hour either side of it. */
static int64_t syd_day(int64_t t)
{
	int64_t off = syd_off(t), d = floor_div(t + off, DAY) * DAY;

	return d - syd_off(d - off);
}

static int64_t syd_month(int64_t t)
{
	int64_t off = syd_off(t);
	time_t local = (time_t)(t + off);
	struct tm tm;
	int64_t d;

	gmtime_r(&local, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	d = (int64_t)timegm(&tm);
	return d - syd_off(d - off);
}

static int64_t next_month(int64_t m)
{
	return syd_month(m + 32 * DAY);
}

/* Boundaries of the buckets from t0 (a bucket start) to t1: len is 1800,
 * 3600, DAY (local days) or 0 (local months).  Returns the count. */
static size_t bounds(int64_t t0, int64_t t1, int64_t len, int64_t *b,
		     size_t cap)
{
	size_t n = 0;

	b[0] = t0;
	while (b[n] < t1 && n + 1 < cap) {
		if (len == 0)
			b[n + 1] = next_month(b[n]);
		else if (len == DAY)
			b[n + 1] = syd_day(b[n] + DAY + 2 * HOUR);
		else
			b[n + 1] = b[n] + len;
		n++;
	}
	return n;
}

/* --- expected values from the model ------------------------------------- */

struct want {
	int64_t n, held;
	double sum, min, max, kwh;
};

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t *sorted_ts(size_t *n)
{
	GList *keys = g_hash_table_get_keys(model);
	int64_t *ts = g_new(int64_t, g_hash_table_size(model) + 1);
	size_t i = 0;

	for (GList *k = keys; k; k = k->next)
		ts[i++] = *(int64_t *)k->data;
	g_list_free(keys);
	qsort(ts, i, sizeof *ts, cmp64);
	*n = i;
	return ts;
}

static double model_value(int64_t ts)
{
	return *(double *)g_hash_table_lookup(model, &ts);
}

static void expect(const int64_t *b, size_t nb, struct want *w, int64_t step)
{
	size_t n;
	int64_t *ts = sorted_ts(&n);

	memset(w, 0, nb * sizeof *w);
	for (size_t i = 0; i < n; i++) {
		double v = model_value(ts[i]);
		int64_t end = ts[i] + step;

		if (i + 1 < n && ts[i + 1] < end)
			end = ts[i + 1];
		for (size_t k = 0; k < nb; k++) {
			int64_t a = ts[i] > b[k] ? ts[i] : b[k];
			int64_t e = end < b[k + 1] ? end : b[k + 1];

			if (ts[i] >= b[k] && ts[i] < b[k + 1]) {
				if (!w[k].n || v < w[k].min)
					w[k].min = v;
				if (!w[k].n || v > w[k].max)
					w[k].max = v;
				w[k].sum += v;
				w[k].n++;
			}
			if (a < e) {
				w[k].held += e - a;
				w[k].kwh += v * (double)(e - a) / 3600.0;
			}
		}
	}
	g_free(ts);
}

/* --- writing ------------------------------------------------------------- */

static uint64_t rng = 88172645463325252u;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double rand_value(void)
{
	return (double)(next_rand() % 5000) / 1000.0;
}

static void model_put(int64_t ts, double v)
{
	int64_t *k = g_new(int64_t, 1);
	double *d = g_new(double, 1);

	*k = ts;
	*d = v;
	g_hash_table_replace(model, k, d);
}

/* Writes rows[0..n) in batches of random sizes up to max. */
static void put_batches(struct store_reading *rows, size_t n, size_t max)
{
	for (size_t i = 0; i < n;) {
		size_t len = 1 + next_rand() % max;

		if (len > n - i)
			len = n - i;
		CHECK_INT(store_readings_put(st, rows + i, len), STORE_OK);
		for (size_t j = i; j < i + len; j++)
			model_put(rows[j].ts, rows[j].value);
		i += len;
	}
}

static void shuffle(struct store_reading *rows, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = next_rand() % i;
		struct store_reading t = rows[i - 1];

		rows[i - 1] = rows[j];
		rows[j] = t;
	}
}

/*
 * Readings of point over [t0, t1) every STEP, written as a town's
 * gateways would: most in order, a fifth of them late and shuffled,
 * then replacements (some twice in one batch), then readings between
 * the grid that shorten their neighbours' holds.
 */
static void write_mess(int64_t point, int64_t t0, int64_t t1)
{
	size_t cap = (size_t)((t1 - t0) / STEP) + 1, non = 0, nlate = 0;
	struct store_reading *on = g_new(struct store_reading, cap);
	struct store_reading *late = g_new(struct store_reading, cap);
	struct store_reading extra[400];

	for (int64_t t = t0; t < t1; t += STEP) {
		struct store_reading r = {point, t, rand_value()};

		if (next_rand() % 5 == 0)
			late[nlate++] = r;
		else
			on[non++] = r;
	}
	put_batches(on, non, 500);
	shuffle(late, nlate);
	put_batches(late, nlate, 40);

	for (size_t i = 0; i < 300; i++) {
		size_t k = next_rand() % 150;

		extra[i].point_id = point;
		extra[i].ts = t0 + (int64_t)(next_rand() % cap) * STEP;
		extra[i].value = rand_value();
		/* the same ts again later in the batch: that one wins */
		if (i > 0 && k < 20)
			extra[i].ts = extra[i - 1].ts;
	}
	put_batches(extra, 300, 60);

	for (size_t i = 0; i < 100; i++) {
		extra[i].point_id = point;
		extra[i].ts = t0 + (int64_t)(next_rand() % (cap - 1)) * STEP +
			      1 + (int64_t)(next_rand() % (STEP - 1));
		extra[i].value = rand_value();
	}
	put_batches(extra, 100, 10);
	g_free(on);
	g_free(late);
}

/* --- comparing ----------------------------------------------------------- */

/* Every fn of key over [from, to) at iv against the model folded over
 * the windows b[0..nb] (b[0] is from, b[nb] is to). */
static void compare_windows(const char *key, int64_t from, int64_t to,
			    enum analytics_interval iv, const int64_t *b,
			    size_t nb, int64_t step, const char *what)
{
	static const enum analytics_fn fns[] = {
		ANALYTICS_AVG, ANALYTICS_MIN, ANALYTICS_MAX, ANALYTICS_SUM,
		ANALYTICS_ENERGY};
	struct want *w;

	w = g_new(struct want, nb);
	expect(b, nb, w, step);
	for (size_t f = 0; f < G_N_ELEMENTS(fns); f++) {
		json_t *res = NULL, *arr;
		char err[256] = "";
		size_t bad = 0;

		CHECK_INT(analytics_aggregate(st, key, from, to, iv, fns[f],
					      &res, err, sizeof err), 0);
		arr = json_object_get(res, "buckets");
		CHECK_AT(json_array_size(arr) == nb,
			 "%s %s %s: %zu buckets, want %zu", what,
			 analytics_interval_name(iv), analytics_fn_name(fns[f]),
			 json_array_size(arr), nb);
		for (size_t k = 0; k < nb && k < json_array_size(arr); k++) {
			json_t *v = json_object_get(json_array_get(arr, k),
						    "value");
			bool has = fns[f] == ANALYTICS_ENERGY ? w[k].held > 0
							       : w[k].n > 0;
			double want = 0;

			switch (fns[f]) {
			case ANALYTICS_AVG:
				want = has ? w[k].sum / (double)w[k].n : 0;
				break;
			case ANALYTICS_MIN:
				want = w[k].min;
				break;
			case ANALYTICS_MAX:
				want = w[k].max;
				break;
			case ANALYTICS_SUM:
				want = w[k].sum;
				break;
			case ANALYTICS_ENERGY:
				want = w[k].kwh;
				break;
			}
			if (has != json_is_number(v) ||
			    (has && fabs(json_number_value(v) - want) >
					    1e-9 * (1 + fabs(want)))) {
				if (bad++ < 3)
					CHECK_AT(false,
						 "%s %s %s bucket %zu (%lld): "
						 "got %.12g%s, want %.12g%s",
						 what,
						 analytics_interval_name(iv),
						 analytics_fn_name(fns[f]), k,
						 (long long)b[k],
						 json_number_value(v),
						 json_is_number(v) ? ""
								   : " (null)",
						 want, has ? "" : " (null)");
			}
		}
		CHECK_AT(bad == 0, "%s %s %s: %zu buckets differ", what,
			 analytics_interval_name(iv), analytics_fn_name(fns[f]),
			 bad);
		json_decref(res);
	}
	g_free(w);
}

static void compare(const char *key, int64_t from, int64_t to,
		    enum analytics_interval iv, int64_t len, int64_t step,
		    const char *what)
{
	int64_t b[2000];
	size_t nb = bounds(from, to, len, b, 2000);

	compare_windows(key, from, to, iv, b, nb, step, what);
}

/* Days over a range that starts and ends inside days: the whole days
 * come from rollups, the two partial ones from raw readings, and only
 * what lies in [from, to) counts. */
static void compare_partial_days(const char *key, int64_t from, int64_t to,
				 int64_t step, const char *what)
{
	int64_t b[400];
	size_t nb = 0;

	b[0] = from;
	while (b[nb] < to && nb + 1 < 400) {
		int64_t next = syd_day(b[nb] + DAY + 2 * HOUR);

		b[++nb] = next < to ? next : to;
	}
	compare_windows(key, from, to, ANALYTICS_DAY, b, nb, step, what);
}

/* Every resolution over the local days [d0, d1) and the months around. */
static void compare_all(const char *key, int64_t d0, int64_t d1,
			int64_t step, const char *what)
{
	compare(key, d0, d1, ANALYTICS_30MIN, 1800, step, what);
	compare(key, d0, d1, ANALYTICS_HOUR, HOUR, step, what);
	compare(key, d0, d1, ANALYTICS_DAY, DAY, step, what);
	compare(key, syd_month(d0), next_month(syd_month(d1 - 1)),
		ANALYTICS_MONTH, 0, step, what);
}

static size_t hour_buckets(const char *key, int64_t day)
{
	json_t *res = NULL;
	char err[256];
	size_t n;

	CHECK_INT(analytics_aggregate(st, key, day, syd_day(day + 26 * HOUR),
				      ANALYTICS_HOUR, ANALYTICS_ENERGY, &res,
				      err, sizeof err), 0);
	n = json_array_size(json_object_get(res, "buckets"));
	json_decref(res);
	return n;
}

/* The summary's month-to-date energy at at: whole days from rollups,
 * the last two from raw readings; the model folds the whole window. */
static void check_summary_month(int64_t at)
{
	int64_t b[2] = {syd_month(at), at};
	struct want w;
	json_t *res = NULL, *pts, *m;
	char err[256] = "";

	expect(b, 1, &w, STEP);
	CHECK_INT(analytics_summary(st, "syd", at, &res, err, sizeof err), 0);
	pts = json_object_get(res, "points");
	m = NULL;
	for (size_t i = 0; i < json_array_size(pts); i++) {
		json_t *p = json_array_get(pts, i);

		if (!strcmp(json_string_value(json_object_get(p, "key")),
			    "syd/pv"))
			m = json_object_get(json_object_get(p, "month"),
					    "energy_kwh");
	}
	CHECK_AT(json_is_number(m), "summary month energy: %s", err);
	CHECK_DBL(json_number_value(m), w.kwh, 1e-9 * (1 + w.kwh));
	json_decref(res);
}

/* --- the cases ----------------------------------------------------------- */

/* Another handle on the file (akari import beside akari serve) appends
 * to the buckets st wrote last; st's next write there must build on
 * what the other one left, not on what st remembers. */
static void other_connection(int64_t point, int64_t t)
{
	struct store *o = NULL;
	struct store_reading r[2] = {{point, t, 4.5}, {point, t + 7, 0.25}};
	char err[256];

	CHECK_AT(store_open(st_path, &o, err, sizeof err) == STORE_OK,
		 "a second handle: %s", err);
	if (!o)
		return;
	CHECK_INT(store_readings_put(o, r, 2), STORE_OK);
	model_put(r[0].ts, r[0].value);
	model_put(r[1].ts, r[1].value);
	store_close(o);
}

static void test_mess_sydney(void)
{
	struct store_point p;
	int64_t apr = test_utc("2024-03-30T00:00:00+11:00");
	int64_t apr_end = test_utc("2024-04-11T00:00:00+10:00");
	int64_t oct = test_utc("2024-10-01T00:00:00+10:00");
	int64_t oct_end = test_utc("2024-10-10T00:00:00+11:00");
	int64_t points = 0;
	struct store_reading after;

	CHECK_INT(store_site_add(st, "syd", "home", "Australia/Sydney", NULL),
		  STORE_OK);
	test_add_point(st, "syd/pv", "syd", "power", "kW", STEP);
	CHECK_INT(store_point_get(st, "syd/pv", &p), STORE_OK);

	write_mess(p.id, apr, apr_end);
	other_connection(p.id, apr_end);
	after = (struct store_reading){p.id, apr_end + 600, 3.0};
	CHECK_INT(store_readings_put(st, &after, 1), STORE_OK);
	model_put(after.ts, after.value);
	apr_end += DAY;
	write_mess(p.id, oct, oct_end);
	compare_all("syd/pv", apr, apr_end, STEP, "april");
	compare_all("syd/pv", oct, oct_end, STEP, "october");
	check_summary_month(test_utc("2024-04-09T12:34:00+10:00"));
	compare_partial_days("syd/pv", apr + 5 * HOUR + 17, apr_end - 7 * HOUR,
			     STEP, "partial days");
	check_summary_month(test_utc("2024-10-08T06:00:00+11:00"));

	/* 2024-04-07 has 25 local hours, 2024-10-06 has 23 (by hand). */
	CHECK_INT(hour_buckets("syd/pv",
			       test_utc("2024-04-07T00:00:00+11:00")), 25);
	CHECK_INT(hour_buckets("syd/pv",
			       test_utc("2024-10-06T00:00:00+10:00")), 23);

	/* A rebuild from raw gives the same rollups. */
	CHECK_INT(store_rollup_rebuild(st, "syd/pv", &points), STORE_OK);
	CHECK_INT(points, 1);
	compare_all("syd/pv", apr, apr_end, STEP, "april rebuilt");
	compare_all("syd/pv", oct, oct_end, STEP, "october rebuilt");
}

/* A power point with no step: energy's hold cap is the median spacing
 * of what a query reads, so energy stays on the raw path; the rest of
 * the fns come from rollups all the same. */
static void test_no_step(void)
{
	struct store_reading r[3];
	struct store_point p;
	int64_t d = test_utc("2024-05-01T00:00:00+10:00");
	json_t *res = NULL;
	char err[256];

	test_add_point(st, "syd/nostep", "syd", "power", "kW", 0);
	CHECK_INT(store_point_get(st, "syd/nostep", &p), STORE_OK);
	/* 2 kW at 00:00 and 00:10, 4 kW at 00:20 (written last first) */
	r[0] = (struct store_reading){p.id, d + 1200, 4};
	r[1] = (struct store_reading){p.id, d, 2};
	r[2] = (struct store_reading){p.id, d + 600, 2};
	CHECK_INT(store_readings_put(st, r, 3), STORE_OK);

	/* median spacing 600 s: 2 kW * 1200 s + 4 kW * 600 s = 4/3 kWh */
	CHECK_INT(analytics_aggregate(st, "syd/nostep", d, d + DAY,
				      ANALYTICS_DAY, ANALYTICS_ENERGY, &res,
				      err, sizeof err), 0);
	CHECK_DBL(json_number_value(json_object_get(json_array_get(
			  json_object_get(res, "buckets"), 0), "value")),
		  4.0 / 3.0, 1e-12);
	json_decref(res);
	CHECK_INT(analytics_aggregate(st, "syd/nostep", d, d + DAY,
				      ANALYTICS_DAY, ANALYTICS_MAX, &res, err,
				      sizeof err), 0);
	CHECK_DBL(json_number_value(json_object_get(json_array_get(
			  json_object_get(res, "buckets"), 0), "value")),
		  4.0, 0);
	json_decref(res);
}

/* Pruning raw readings keeps the rollups, and aggregates over the
 * pruned range still answer; a late write there leaves them alone. */
static void test_retention(void)
{
	int64_t apr = test_utc("2024-03-30T00:00:00+11:00");
	int64_t apr_end = test_utc("2024-04-11T00:00:00+10:00");
	int64_t oct = test_utc("2024-10-01T00:00:00+10:00");
	int64_t cut = test_utc("2024-09-01T00:00:00+10:00");
	int64_t deleted, total = 0, horizon = 0, before, after;
	struct store_point p;
	struct store_reading late;
	struct test_series s = {0};

	CHECK_INT(store_raw_horizon(st, &horizon), STORE_OK);
	CHECK(horizon == INT64_MIN);
	before = test_count_readings(st);
	do {
		CHECK_INT(store_raw_prune(st, cut, 1000, &deleted), STORE_OK);
		CHECK(deleted <= 1000);
		total += deleted;
	} while (deleted > 0);
	after = test_count_readings(st);
	CHECK(total > 3000);
	CHECK_INT(after, before - total);
	CHECK_INT(store_raw_horizon(st, &horizon), STORE_OK);
	CHECK_INT(horizon, cut);
	CHECK_INT(store_point_get(st, "syd/pv", &p), STORE_OK);
	CHECK_INT(store_readings_each(st, p.id, apr, apr_end,
				      test_collect_reading, &s), STORE_OK);
	CHECK_INT(s.n, 0);

	/* The model still holds April's readings: rollups answer for them. */
	compare("syd/pv", apr, apr_end, ANALYTICS_DAY, DAY, STEP, "pruned");
	compare("syd/pv", syd_month(apr), syd_month(oct), ANALYTICS_MONTH, 0,
		STEP, "pruned months");

	/* A late write before the horizon is stored but changes no rollup
	 * (so the model is not told about it). */
	late = (struct store_reading){p.id, apr + 7, 1000};
	CHECK_INT(store_readings_put(st, &late, 1), STORE_OK);
	compare("syd/pv", apr, apr_end, ANALYTICS_DAY, DAY, STEP,
		"late before the horizon");
	CHECK_INT(test_count_readings(st), after + 1);
}

/* The schema of versions 1 and 2 as released, for a file written before
 * rollups existed. */
static const char v2_schema[] =
	"CREATE TABLE sites (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
	"UNIQUE, kind TEXT NOT NULL, tz TEXT NOT NULL, parent_id INTEGER "
	"REFERENCES sites(id), created INTEGER NOT NULL DEFAULT "
	"(unixepoch()));"
	"CREATE TABLE devices (id INTEGER PRIMARY KEY, site_id INTEGER NOT "
	"NULL REFERENCES sites(id), name TEXT NOT NULL, kind TEXT NOT NULL, "
	"token_hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL DEFAULT "
	"(unixepoch()), UNIQUE (site_id, name));"
	"CREATE TABLE points (id INTEGER PRIMARY KEY, key TEXT NOT NULL "
	"UNIQUE, site_id INTEGER NOT NULL REFERENCES sites(id), quantity "
	"TEXT NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind "
	"IN ('instantaneous', 'counter', 'state')), step_s INTEGER NOT NULL "
	"DEFAULT 0, shift_days INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE readings (point_id INTEGER NOT NULL REFERENCES "
	"points(id), ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY "
	"(point_id, ts)) WITHOUT ROWID;"
	"CREATE TABLE displays (id TEXT PRIMARY KEY, version TEXT NOT NULL, "
	"slide TEXT NOT NULL, address TEXT NOT NULL, uptime_s INTEGER NOT "
	"NULL, cache_age_s INTEGER, first_seen INTEGER NOT NULL, last_seen "
	"INTEGER NOT NULL, beats INTEGER NOT NULL);"
	"INSERT INTO sites (id, name, kind, tz) VALUES "
	"(1, 'syd', 'home', 'Australia/Sydney');"
	"INSERT INTO points (id, key, site_id, quantity, unit, kind, step_s) "
	"VALUES (1, 'syd/pv', 1, 'power', 'kW', 'instantaneous', 300);"
	"PRAGMA user_version = 2;";

/* Opening a version-2 file fills the rollups of the readings in it. */
static void test_v2_file(const char *dir)
{
	int64_t apr = test_utc("2024-04-05T00:00:00+11:00");
	int64_t apr_end = test_utc("2024-04-09T00:00:00+10:00");
	char *path = g_build_filename(dir, "v2.db", NULL), err[256];
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;

	g_hash_table_remove_all(model);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, v2_schema, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db,
				     "INSERT INTO readings VALUES (1, ?1, ?2)",
				     -1, &ins, NULL), SQLITE_OK);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int64_t t = apr; t < apr_end; t += STEP) {
		/* a gap of an hour each day, and one reading off the grid */
		int64_t ts = t % DAY == 0 ? t + 61 : t;
		double v = rand_value();

		if ((t / HOUR) % 24 == 5)
			continue;
		sqlite3_bind_int64(ins, 1, ts);
		sqlite3_bind_double(ins, 2, v);
		CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
		model_put(ts, v);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(ins);
	sqlite3_close(db);

	store_close(st);
	st = NULL;
	CHECK_AT(store_open(path, &st, err, sizeof err) == STORE_OK,
		 "opening a version-2 file: %s", err);
	if (st) {
		CHECK(store_schema_version(st) >= 4);
		compare_all("syd/pv", apr, apr_end, STEP, "v2 file");
	}
	g_free(path);
}

int main(void)
{
	char dir[256];

	dst_end = test_utc("2024-04-06T16:00:00Z");
	dst_start = test_utc("2024-10-05T16:00:00Z");
	model = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
				      g_free);
	test_make_tmpdir(dir, sizeof dir, "rollup");
	st = test_fresh_store(dir, "rollup");
	st_path = g_build_filename(dir, "rollup1.db", NULL);
	if (st) {
		test_mess_sydney();
		test_no_step();
		test_retention();
		test_v2_file(dir);
	}
	store_close(st);
	g_free(st_path);
	g_hash_table_destroy(model);
	test_remove_tree(dir);
	return check_finish();
}
