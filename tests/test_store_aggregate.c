/*
 * test_store_aggregate.c - many points' rollups read at once
 * (store_aggregate.h), by a scan of the range and by each point's
 * index, with the points' ids dense or spread out.
 *
 * 41 power points on a UTC site, each with twelve readings ten minutes
 * apart from T0: point j reads j + 0.25 k at T0 + 600 k.  So the hour
 * from T0 holds k = 0..5: n 6, sum 6j + 3.75 (0.25 x 15), min j, max
 * j + 1.25; the next hour k = 6..11: sum 6j + 12.75 (0.25 x 51), min
 * j + 1.5, max j + 2.75.  Every reading holds 600 s, so each hour is
 * held 3600 s and its kWh is its sum x 600 / 3600 = sum / 6.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "test_util.h"

#include "cloud/store/store.h"
#include "cloud/store/store_aggregate.h"

#define NPOINTS 41
#define T0 INT64_C(1704067200)	/* 2024-01-01T00:00:00Z */

static int64_t id_of[NPOINTS];

struct seen {
	const int64_t *ids;	/* what was asked, by index */
	size_t n;
	int calls[NPOINTS][2];	/* by point and hour */
	struct store_rollup row[NPOINTS][2];
	int bad;		/* calls that matched nothing asked */
};

static int point_of(int64_t id)
{
	for (int j = 0; j < NPOINTS; j++)
		if (id_of[j] == id)
			return j;
	return -1;
}

static int collect(size_t i, const struct store_rollup *r, void *ctx)
{
	struct seen *s = ctx;
	int j = i < s->n ? point_of(s->ids[i]) : -1;
	int64_t h = (r->ts - T0) / 3600;

	if (j < 0 || h < 0 || h > 1 || r->ts != T0 + h * 3600) {
		s->bad++;
		return 0;
	}
	s->calls[j][h]++;
	s->row[j][h] = *r;
	return 0;
}

/* Point j's hour h as worked out at the top. */
static void check_row(const struct store_rollup *r, int j, int h,
		      unsigned cols)
{
	double sum = 6.0 * j + (h ? 12.75 : 3.75);

	CHECK_INT(r->n, cols & STORE_AGG_N ? 6 : 0);
	CHECK_DBL(r->sum, cols & STORE_AGG_SUM ? sum : 0, 1e-9);
	CHECK_DBL(r->min, cols & STORE_AGG_MIN ? j + (h ? 1.5 : 0.0) : 0,
		  1e-9);
	CHECK_DBL(r->max, cols & STORE_AGG_MAX ? j + (h ? 2.75 : 1.25) : 0,
		  1e-9);
	CHECK_INT(r->held, cols & STORE_AGG_HELD ? 3600 : 0);
	CHECK_DBL(r->kwh, cols & STORE_AGG_KWH ? sum / 6.0 : 0, 1e-9);
}

/* Reads the points idx[] (of the 41) over [from, to) and checks that
 * exactly their rows of the hours h0..h1 came, once each, right. */
static void check_read(struct store *st, const int *idx, size_t n,
		       unsigned cols, int h0, int h1, const char *what)
{
	int64_t ids[NPOINTS];
	struct seen s;
	bool asked[NPOINTS] = {false};

	memset(&s, 0, sizeof s);
	for (size_t i = 0; i < n; i++) {
		ids[i] = id_of[idx[i]];
		asked[idx[i]] = true;
	}
	s.ids = ids;
	s.n = n;
	CHECK_INT(store_aggregate_rollups(st, ids, n, STORE_BUCKET_HOUR, cols,
					  T0 + h0 * 3600, T0 + (h1 + 1) * 3600,
					  collect, &s), STORE_OK);
	CHECK_AT(s.bad == 0, "%s: %d rows nobody asked for", what, s.bad);
	for (int j = 0; j < NPOINTS; j++) {
		for (int h = 0; h < 2; h++) {
			int want = asked[j] && h >= h0 && h <= h1;

			CHECK_AT(s.calls[j][h] == want,
				 "%s: point %d hour %d came %d times, not %d",
				 what, j, h, s.calls[j][h], want);
			if (want)
				check_row(&s.row[j][h], j, h, cols);
		}
	}
}

static int count_calls(size_t i, const struct store_rollup *r, void *ctx)
{
	(void)i;
	(void)r;
	++*(int *)ctx;
	return 0;
}

int main(void)
{
	char dir[64];
	struct store *st;
	struct store_reading rows[NPOINTS * 12];
	int all[NPOINTS], few[] = {0, 40}, spread[] = {40, 0, 8, 16, 24, 32};
	int64_t one;
	int calls = 0;

	test_make_tmpdir(dir, sizeof dir, "store-aggregate");
	st = test_fresh_store(dir, "agg");
	if (!st)
		return check_finish();
	CHECK_INT(store_site_add(st, "s", "building", "UTC", NULL), STORE_OK);
	for (int j = 0; j < NPOINTS; j++) {
		char key[32];
		struct store_point p;

		snprintf(key, sizeof key, "s/p%02d", j);
		test_add_point(st, key, "s", "power", "kW", 600);
		CHECK_INT(store_point_get(st, key, &p), STORE_OK);
		id_of[j] = p.id;
		for (int k = 0; k < 12; k++)
			rows[j * 12 + k] = (struct store_reading){
				p.id, T0 + 600 * k, j + 0.25 * k};
	}
	/* in arrival order: every point's k = 0, then k = 1, ... */
	for (int k = 0; k < 12; k++) {
		struct store_reading batch[NPOINTS];

		for (int j = 0; j < NPOINTS; j++)
			batch[j] = rows[j * 12 + k];
		CHECK_INT(store_readings_put(st, batch, NPOINTS), STORE_OK);
	}

	/* All of them, last first: one scan, ids dense. */
	for (int j = 0; j < NPOINTS; j++)
		all[j] = NPOINTS - 1 - j;
	check_read(st, all, NPOINTS, STORE_AGG_ALL, 0, 1, "all");
	/* Two of 41: each by its index. */
	check_read(st, few, 2, STORE_AGG_ALL, 0, 1, "two");
	/* Six of 41, far apart: a scan, ids found by search. */
	check_read(st, spread, 6, STORE_AGG_ALL, 0, 1, "spread");
	/* Only some columns; the others read as 0. */
	check_read(st, all, NPOINTS, STORE_AGG_N | STORE_AGG_SUM, 0, 1,
		   "n and sum");
	check_read(st, few, 2, STORE_AGG_HELD | STORE_AGG_KWH, 0, 1,
		   "energy, two");
	check_read(st, spread, 6, STORE_AGG_MIN | STORE_AGG_MAX, 1, 1,
		   "min and max, second hour");

	/* Nothing asked, an empty range, a resolution without rollups. */
	one = id_of[3];
	CHECK_INT(store_aggregate_rollups(st, &one, 0, STORE_BUCKET_HOUR,
					  STORE_AGG_ALL, T0, T0 + 7200,
					  count_calls, &calls), STORE_OK);
	CHECK_INT(store_aggregate_rollups(st, &one, 1, STORE_BUCKET_HOUR,
					  STORE_AGG_ALL, T0 + 7200, T0 + 7200,
					  count_calls, &calls), STORE_OK);
	CHECK_INT(calls, 0);
	CHECK_INT(store_aggregate_rollups(st, &one, 1, STORE_BUCKET_5MIN,
					  STORE_AGG_ALL, T0, T0 + 7200,
					  count_calls, &calls), STORE_INVALID);
	/* the day's row of one point: n 12 */
	CHECK_INT(store_aggregate_rollups(st, &one, 1, STORE_BUCKET_DAY,
					  STORE_AGG_ALL, T0, T0 + 86400,
					  count_calls, &calls), STORE_OK);
	CHECK_INT(calls, 1);

	store_close(st);
	test_remove_tree(dir);
	return check_finish();
}
