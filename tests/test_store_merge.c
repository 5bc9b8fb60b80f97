/*
 * test_store_merge.c - the order a merge gives the readings of one
 * batch: by point, then ts, and of several at one (point, ts) the last
 * in the batch, whether the points' ids are close together (a counting
 * sort) or far apart (the general sort), and whether a point's readings
 * come nearly in ts order or far from it.  The expected readings are worked out by
 * hand from the batch, in the comments.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"

static char dir[] = "/tmp/akari-test-store-merge-XXXXXX";
static char path[256];

/* 2024-01-15 00:00 JST */
#define T0 1705244400

/* Removes the database and the files beside it. */
static void remove_db(void)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-arrivals"};
	char name[300];

	for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
		snprintf(name, sizeof name, "%s%s", path, suffix[i]);
		unlink(name);
	}
}

/* A new database with points town/p0..p2; with far set, p2's id is
 * moved a million past the others (with the file closed), so that the
 * ids span far more than a batch's rows. */
static struct store *fresh(int64_t *ids, int far)
{
	struct store *st = NULL;
	char err[256];
	sqlite3 *db;

	remove_db();
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return NULL;
	CHECK_INT(store_site_add(st, "town", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	for (int i = 0; i < 3; i++) {
		struct store_point p = {.kind = STORE_INSTANTANEOUS,
					.step_s = 60};

		snprintf(p.key, sizeof p.key, "town/p%d", i);
		snprintf(p.site, sizeof p.site, "town");
		snprintf(p.quantity, sizeof p.quantity, "power");
		snprintf(p.unit, sizeof p.unit, "kW");
		CHECK_INT(store_point_add(st, &p), STORE_OK);
	}
	if (far) {
		store_close(st);
		CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
		CHECK_INT(sqlite3_exec(db, "UPDATE points SET id = id + 1000000"
				       " WHERE key = 'town/p2'", NULL, NULL,
				       NULL), SQLITE_OK);
		sqlite3_close(db);
		CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
		if (!st)
			return NULL;
	}
	for (int i = 0; i < 3; i++) {
		struct store_point p;
		char key[32];

		snprintf(key, sizeof key, "town/p%d", i);
		CHECK_INT(store_point_get(st, key, &p), STORE_OK);
		ids[i] = p.id;
	}
	return st;
}

struct seen {
	int64_t ts[8];
	double value[8];
	int n;
};

static int collect(int64_t ts, double value, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		s->ts[s->n] = ts;
		s->value[s->n] = value;
	}
	s->n++;
	return 0;
}

/* Checks that point id holds exactly n readings, ts[i] with value[i]. */
static void expect(struct store *st, int64_t id, int n, const int64_t *ts,
		   const double *value)
{
	struct seen s = {0};

	CHECK_INT(store_readings_each(st, id, T0 - 86400, T0 + 86400, collect,
				      &s), STORE_OK);
	CHECK_INT(s.n, n);
	for (int i = 0; i < n && i < s.n; i++) {
		CHECK_INT(s.ts[i], ts[i]);
		CHECK_DBL(s.value[i], value[i], 0);
	}
}

/*
 * One batch, points interleaved as meters deliver them, p0's readings
 * out of ts order, a repeated (point, ts) for p0 and p1:
 *
 *   p0 T0+120 1   p1 T0+60 2   p0 T0+60 3   p1 T0+60 4   p2 T0+240 5
 *   p0 T0+120 6   p2 T0+180 7  p0 T0 8
 *
 * gives p0: T0 8, T0+60 3, T0+120 6 (6 came after 1); p1: T0+60 4 (4
 * after 2); p2: T0+180 7, T0+240 5.
 */
static void test_one_batch(int far)
{
	int64_t ids[3];
	struct store *st = fresh(ids, far);
	struct store_reading rows[8];
	static const int64_t ts0[] = {T0, T0 + 60, T0 + 120};
	static const double v0[] = {8, 3, 6};
	static const int64_t ts1[] = {T0 + 60};
	static const double v1[] = {4};
	static const int64_t ts2[] = {T0 + 180, T0 + 240};
	static const double v2[] = {7, 5};

	if (!st)
		return;
	rows[0] = (struct store_reading){ids[0], T0 + 120, 1};
	rows[1] = (struct store_reading){ids[1], T0 + 60, 2};
	rows[2] = (struct store_reading){ids[0], T0 + 60, 3};
	rows[3] = (struct store_reading){ids[1], T0 + 60, 4};
	rows[4] = (struct store_reading){ids[2], T0 + 240, 5};
	rows[5] = (struct store_reading){ids[0], T0 + 120, 6};
	rows[6] = (struct store_reading){ids[2], T0 + 180, 7};
	rows[7] = (struct store_reading){ids[0], T0, 8};
	CHECK_INT(store_readings_put(st, rows, 8), STORE_OK);

	/* the read merges the batch first */
	expect(st, ids[0], 3, ts0, v0);
	expect(st, ids[1], 1, ts1, v1);
	expect(st, ids[2], 2, ts2, v2);
	CHECK(far ? ids[2] - ids[0] > 1000000 : ids[2] - ids[0] == 2);
	store_close(st);
}

struct ascending {
	int64_t n, wrong;
};

/* Counts the readings, and those not at T0 + 60 k with value k. */
static int check_step(int64_t ts, double value, void *ctx)
{
	struct ascending *a = ctx;

	if (ts != T0 + 60 * a->n || value != (double)a->n)
		a->wrong++;
	a->n++;
	return 0;
}

/* 500 readings of one point in reverse ts order (a backfill sent
 * newest first), between two of another point: far from order, so the
 * point's rows are sorted whole.  Reading k is at T0 + 60 k, value k. */
static void test_reversed(void)
{
	int64_t ids[3];
	struct store *st = fresh(ids, 0);
	struct store_reading rows[502];
	struct ascending a = {0};

	if (!st)
		return;
	rows[0] = (struct store_reading){ids[1], T0, -1};
	for (int k = 0; k < 500; k++)
		rows[1 + k] = (struct store_reading){ids[0],
						     T0 + 60 * (499 - k),
						     499 - k};
	rows[501] = (struct store_reading){ids[1], T0 + 60, -2};
	CHECK_INT(store_readings_put(st, rows, 502), STORE_OK);
	CHECK_INT(store_readings_each(st, ids[0], T0, T0 + 86400, check_step,
				      &a), STORE_OK);
	CHECK_INT(a.n, 500);
	CHECK_INT(a.wrong, 0);
	store_close(st);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof path, "%s/akari.db", dir);

	test_one_batch(0);
	test_one_batch(1);
	test_reversed();

	remove_db();
	rmdir(dir);
	return check_finish();
}
