/*
 * test_rollup_migrate.c - a version-6 file with rollups, opened by this
 * akari: migration 7 drops the index by point, and every rollup still
 * reads as the raw readings say, looked up at the bucket starts.
 *
 * Expected values by hand: Asia/Kathmandu is +05:45 all year (since
 * 1986), so its half-hours start at :15 and :45 UTC, its hours at :15,
 * its days at 18:15 UTC.  2024-03-01T00:00+05:45 is 1709230500
 * (2024-02-29T00:00Z is 1709164800, plus 18:15); June 2024 starts at
 * 1717179300 and 2024-06-10T00:00+05:45 is 1717956900.  Readings come
 * every 60 s on whole minutes, so a hold (60 s, the step) never crosses
 * a bucket boundary: held is 60 s a reading and kwh v / 60 a reading.
 *
 * Hours are read as their two half-hours; a version-6 file stored them,
 * and migration 7 deletes them.  Australia/Lord_Howe shifts by 30
 * minutes: +11:00 until 2024-04-07 02:00 local, 2024-04-06T15:00:00Z
 * (2024-04-06T00:00Z is 1712361600), then +10:30.  Its half-hours stay
 * on :00 and :30 UTC; its hours start on the UTC hour before the change
 * and on the half hour after it, with the half hour [15:00Z, 15:30Z)
 * an hour bucket of its own (the change ends a bucket, 01:30 local is
 * not an hour).  Its day of 2024-04-07 starts at 13:00Z the day before,
 * its April at 2024-03-31T13:00Z, 1711890000.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>

#include "check.h"
#include "test_util.h"

#include "cloud/store/store.h"
#include "cloud/store/store_aggregate.h"
#include "cloud/store/store_bucket.h"
#include "cloud/store/store_registry.h"
#include "cloud/store/store_rollup.h"

#define OFF 20700		/* +05:45 */
#define MARCH INT64_C(1709230500)
#define APRIL (MARCH + 31 * INT64_C(86400))
#define JUNE INT64_C(1717179300)
#define JUNE10 INT64_C(1717956900)
#define JULY (JUNE + 30 * INT64_C(86400))
#define MAXROWS 4096
#define LHI_CHANGE INT64_C(1712415600)
#define LHI_APRIL INT64_C(1711890000)

struct row {
	int64_t ts, n, held;
	double sum, min, max, kwh;
};

struct rows {
	struct row r[MAXROWS];
	size_t n;
};

/* The readings: 24 hours from 00:10 local on 1 March (25 local hours,
 * 2 days), three hours of June. */
static size_t readings(int64_t point, struct store_reading *out)
{
	size_t n = 0;

	for (int k = 0; k < 1440; k++)
		out[n++] = (struct store_reading){point, MARCH + 600 + 60 * k,
						  (k % 7) + 0.5};
	for (int k = 0; k < 180; k++)
		out[n++] = (struct store_reading){point, JUNE10 + 60 * k,
						  (k % 5) * 2.0 + 0.25};
	return n;
}

static int64_t floor_to(int64_t t, int64_t len)
{
	return (t + OFF) / len * len - OFF;
}

static int64_t lhi_bucket(enum store_bucket res, int64_t t)
{
	int64_t c = LHI_CHANGE;

	switch (res) {
	case STORE_BUCKET_30MIN:
		return t / 1800 * 1800;
	case STORE_BUCKET_HOUR:
		if (t < c)
			return t / 3600 * 3600;
		return t < c + 1800 ? c : (t - 1800) / 3600 * 3600 + 1800;
	case STORE_BUCKET_DAY:
		/* 2024-04-06T13:00Z: the day of 04-07 local, 24.5 h long */
		return t < c - 2 * 3600 ? c - 2 * 3600 - 86400 : c - 2 * 3600;
	default:
		return LHI_APRIL;
	}
}

static int64_t ktm_bucket(enum store_bucket res, int64_t t)
{
	switch (res) {
	case STORE_BUCKET_30MIN:
		return floor_to(t, 1800);
	case STORE_BUCKET_HOUR:
		return floor_to(t, 3600);
	case STORE_BUCKET_DAY:
		return floor_to(t, 86400);
	default:
		return t < APRIL ? MARCH : JUNE;
	}
}

/* The rows of res the readings make, in ts order (they come in order). */
typedef int64_t (*bucket_fn)(enum store_bucket res, int64_t t);

static void expect(bucket_fn bucket, enum store_bucket res,
		   const struct store_reading *rd, size_t n, struct rows *out)
{
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t b = bucket(res, rd[i].ts);
		double v = rd[i].value;
		struct row *r;

		if (out->n == 0 || out->r[out->n - 1].ts != b)
			out->r[out->n++] = (struct row){b, 0, 0, 0, v, v, 0};
		r = &out->r[out->n - 1];
		r->n++;
		r->sum += v;
		r->min = v < r->min ? v : r->min;
		r->max = v > r->max ? v : r->max;
		r->held += 60;
		r->kwh += v * 60 / 3600.0;
	}
}

static int take(const struct store_rollup *r, void *ctx)
{
	struct rows *g = ctx;

	if (g->n < MAXROWS)
		g->r[g->n++] = (struct row){r->ts, r->n, r->held, r->sum,
					    r->min, r->max, r->kwh};
	return 0;
}

/* Every res of the point over [from, to) against its readings rd. */
static void compare_range(struct store *st, int64_t point, bucket_fn bucket,
			  int64_t from, int64_t to,
			  const struct store_reading *rd, size_t n,
			  const char *what)
{
	static struct rows want, got;

	for (int res = STORE_BUCKET_30MIN; res <= STORE_BUCKET_MONTH; res++) {
		size_t bad = 0;

		expect(bucket, res, rd, n, &want);
		got.n = 0;
		CHECK_INT(store_rollups_each(st, point, res, from, to, take,
					     &got),
			  STORE_OK);
		CHECK_AT(got.n == want.n, "%s res %d: %zu rows, want %zu",
			 what, res, got.n, want.n);
		for (size_t k = 0; k < got.n && k < want.n; k++) {
			const struct row *a = &got.r[k], *b = &want.r[k];

			if (a->ts != b->ts || a->n != b->n ||
			    a->held != b->held || a->sum != b->sum ||
			    a->min != b->min || a->max != b->max ||
			    fabs(a->kwh - b->kwh) > 1e-9 * (1 + b->kwh))
				bad++;
		}
		CHECK_AT(bad == 0, "%s res %d: %zu rows differ", what, res,
			 bad);
	}
}

/* Kathmandu's point over March to June (April and May empty). */
static void compare(struct store *st, int64_t point,
		    const struct store_reading *rd, size_t n, const char *what)
{
	compare_range(st, point, ktm_bucket, MARCH - 86400 * 40, JULY, rd, n,
		      what);
}

/* Six hours of Lord Howe around its change, from 12:00Z. */
static size_t lhi_readings(int64_t point, struct store_reading *out)
{
	size_t n = 0;

	for (int k = 0; k < 360; k++)
		out[n++] = (struct store_reading){
			point, LHI_CHANGE - 3 * 3600 + 60 * k,
			(k % 9) * 0.5 + 1.0};
	return n;
}

static void compare_lhi(struct store *st, int64_t point,
			const struct store_reading *rd, size_t n,
			const char *what)
{
	compare_range(st, point, lhi_bucket, LHI_APRIL, LHI_APRIL + 86400 * 30,
		      rd, n, what);
}

/* Puts the hour rows of rd back, as version 6 kept them. */
static void put_hours(sqlite3 *db, int64_t point, bucket_fn bucket,
		      const struct store_reading *rd, size_t n)
{
	static struct rows h;
	sqlite3_stmt *s = NULL;

	expect(bucket, STORE_BUCKET_HOUR, rd, n, &h);
	CHECK_INT(sqlite3_prepare_v2(db,
				     "INSERT INTO rollups VALUES (?1, 2, ?2, "
				     "?3, ?4, ?5, ?6, ?7, ?8)",
				     -1, &s, NULL),
		  SQLITE_OK);
	for (size_t k = 0; k < h.n; k++) {
		sqlite3_bind_int64(s, 1, point);
		sqlite3_bind_int64(s, 2, h.r[k].ts);
		sqlite3_bind_int64(s, 3, h.r[k].n);
		sqlite3_bind_double(s, 4, h.r[k].sum);
		sqlite3_bind_double(s, 5, h.r[k].min);
		sqlite3_bind_double(s, 6, h.r[k].max);
		sqlite3_bind_int64(s, 7, h.r[k].held);
		sqlite3_bind_double(s, 8, h.r[k].kwh);
		CHECK_INT(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

static int64_t count_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Writes rows into the readings table of a version-6 file. */
static void put_readings(sqlite3 *db, const struct store_reading *r,
			 size_t n)
{
	sqlite3_stmt *s = NULL;

	CHECK_INT(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO readings "
				     "(point_id, ts, value) VALUES "
				     "(?1, ?2, ?3)", -1, &s, NULL),
		  SQLITE_OK);
	for (size_t i = 0; s && i < n; i++) {
		sqlite3_bind_int64(s, 1, r[i].point_id);
		sqlite3_bind_int64(s, 2, r[i].ts);
		sqlite3_bind_double(s, 3, r[i].value);
		CHECK_INT(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

/* Puts back what version 6 had: the hour rows, the index by point and
 * the version. */
static void make_v6(const char *path, int64_t ktm, const struct
		    store_reading *rd, size_t n, int64_t lhi,
		    const struct store_reading *rl, size_t nl)
{
	sqlite3 *db = NULL;

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	put_hours(db, ktm, ktm_bucket, rd, n);
	put_hours(db, lhi, lhi_bucket, rl, nl);
	/* version 6 kept raw readings in the table of migration 1 */
	CHECK_INT(sqlite3_exec(db,
			       "CREATE INDEX rollups_point ON rollups "
			       "(point_id, res, ts);"
			       "DROP TABLE blocks;"
			       "CREATE TABLE readings ("
			       "  point_id INTEGER NOT NULL REFERENCES "
			       "    points(id),"
			       "  ts INTEGER NOT NULL,"
			       "  value REAL NOT NULL,"
			       "  PRIMARY KEY (point_id, ts)) WITHOUT ROWID;"
			       "PRAGMA user_version = 6;",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	put_readings(db, rd, n);
	put_readings(db, rl, nl);
	sqlite3_close(db);
}

static int take_i(size_t i, const struct store_rollup *r, void *ctx)
{
	struct rows *g = ctx;

	return i < 2 ? take(r, &g[i]) : 1;
}

/* Both points' hours in one read of many points, each in its zone:
 * their half-hours scanned together and added up per point. */
static void compare_site_hours(struct store *st, const int64_t ids[2],
			       const struct store_reading *rd, size_t n,
			       const struct store_reading *rl, size_t nl)
{
	static struct rows want[2], got[2];
	size_t bad = 0;

	expect(ktm_bucket, STORE_BUCKET_HOUR, rd, n, &want[0]);
	expect(lhi_bucket, STORE_BUCKET_HOUR, rl, nl, &want[1]);
	got[0].n = got[1].n = 0;
	CHECK_INT(store_aggregate_rollups(st, ids, 2, STORE_BUCKET_HOUR,
					  STORE_AGG_ALL, MARCH - 86400 * 40,
					  JULY, take_i, got),
		  STORE_OK);
	for (int i = 0; i < 2; i++) {
		CHECK_AT(got[i].n == want[i].n, "site hours of point %d: %zu, "
			 "want %zu", i, got[i].n, want[i].n);
		for (size_t k = 0; k < got[i].n && k < want[i].n; k++) {
			const struct row *a = &got[i].r[k], *b = &want[i].r[k];

			if (a->ts != b->ts || a->n != b->n ||
			    a->held != b->held || a->sum != b->sum ||
			    a->min != b->min || a->max != b->max ||
			    fabs(a->kwh - b->kwh) > 1e-9 * (1 + b->kwh))
				bad++;
		}
	}
	CHECK_AT(bad == 0, "site hours: %zu rows differ", bad);
}

static void set_step(struct store *st, const char *key, int step)
{
	struct store_point_change c = {.step_s = &step};

	CHECK_INT(store_point_change(st, key, &c), STORE_OK);
}

int main(void)
{
	static struct store_reading rd[2000], rl[400];
	char dir[256], err[256] = "", *path;
	struct store *st;
	struct store_point p, q;
	int64_t rebuilt = 0;
	size_t n, nl;

	test_make_tmpdir(dir, sizeof dir, "rollup-migrate");
	path = g_build_filename(dir, "v6.db", NULL);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		goto out;
	CHECK_INT(store_site_add(st, "ktm", "home", "Asia/Kathmandu", NULL),
		  STORE_OK);
	test_add_point(st, "ktm/pv", "ktm", "power", "kW", 60);
	CHECK_INT(store_point_get(st, "ktm/pv", &p), STORE_OK);
	n = readings(p.id, rd);
	/* in batches of an hour, in order: appends, as a gateway sends */
	for (size_t i = 0; i < n; i += 60)
		CHECK_INT(store_readings_put(st, rd + i,
					     n - i < 60 ? n - i : 60),
			  STORE_OK);
	CHECK_INT(store_site_add(st, "lhi", "home", "Australia/Lord_Howe",
				 NULL),
		  STORE_OK);
	test_add_point(st, "lhi/pv", "lhi", "power", "kW", 60);
	CHECK_INT(store_point_get(st, "lhi/pv", &q), STORE_OK);
	nl = lhi_readings(q.id, rl);
	CHECK_INT(store_readings_put(st, rl, nl), STORE_OK);
	store_close(st);

	make_v6(path, p.id, rd, n, q.id, rl, nl);
	CHECK_INT(count_sql(path, "SELECT count(*) FROM rollups WHERE "
			    "res = 2"), 25 + 3 + 7);
	CHECK_INT(count_sql(path, "SELECT count(*) FROM sqlite_schema WHERE "
			    "name = 'rollups_point'"), 1);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		goto out;
	CHECK_INT(store_schema_version(st), 13);
	compare(st, p.id, rd, n, "after migration 7");
	compare_lhi(st, q.id, rl, nl, "Lord Howe after migration 7");
	compare_site_hours(st, (int64_t[2]){p.id, q.id}, rd, n, rl, nl);

	/* A rebuild of the one point clears and makes the same rows, and a
	 * late reading in March (one value replaced) is folded in. */
	CHECK_INT(store_rollup_rebuild(st, "ktm/pv", &rebuilt), STORE_OK);
	CHECK_INT(rebuilt, 1);
	compare(st, p.id, rd, n, "after a rebuild");
	rd[100].value = 9.75;
	CHECK_INT(store_readings_put(st, &rd[100], 1), STORE_OK);
	compare(st, p.id, rd, n, "after a late write");

	/* A step of 2 h rebuilds the point: its last reading (17:59Z) now
	 * holds until 19:59Z, so half-hours up to 19:30Z have rows, 16 in
	 * all.  Back to 60 s, the rebuild must delete those four again. */
	set_step(st, "lhi/pv", 7200);
	CHECK_INT(count_sql(path, "SELECT count(*) FROM rollups WHERE "
			    "res = 1 AND point_id = (SELECT id FROM points "
			    "WHERE key = 'lhi/pv')"), 16);
	set_step(st, "lhi/pv", 60);
	CHECK_INT(count_sql(path, "SELECT count(*) FROM rollups WHERE "
			    "res = 1 AND point_id = (SELECT id FROM points "
			    "WHERE key = 'lhi/pv')"), 12);
	compare_lhi(st, q.id, rl, nl, "Lord Howe after two step changes");
	store_close(st);
	CHECK_INT(count_sql(path, "SELECT count(*) FROM sqlite_schema WHERE "
			    "name = 'rollups_point'"), 0);
	CHECK_INT(count_sql(path, "PRAGMA user_version"), 13);
	CHECK_INT(count_sql(path, "SELECT count(*) FROM rollups WHERE "
			    "res = 2"), 0);

out:
	g_free(path);
	test_remove_tree(dir);
	return check_finish();
}
