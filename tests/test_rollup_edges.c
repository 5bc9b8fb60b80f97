/*
 * test_rollup_edges.c - rollups at the edges of time that ingestion
 * accepts: the last instants before 9999-12-31T00:00:00Z.
 *
 * Expected values by hand: 9999-12-01T00:00:00Z is 253399622400 and
 * December has 31 days, so the month after it starts at 253402300800;
 * 9999-12-30T00:00:00Z is 253402128000 and the day after it starts at
 * 253402214400.  A reading at 253402214399 (9999-12-30T23:59:59Z) of
 * 1.5 kW with a 300 s step holds until the end of time that buckets
 * know, 253402214400: one second, 1.5 / 3600 kWh.
 */
#include <glib.h>
#include <stdint.h>

#include "check.h"
#include "test_util.h"

#include "cloud/store/store.h"
#include "cloud/store/store_bucket.h"
#include "cloud/store/store_rollup.h"

struct got {
	int rows;
	struct store_rollup last;
};

static int take(const struct store_rollup *r, void *ctx)
{
	struct got *g = ctx;

	g->rows++;
	g->last = *r;
	return 0;
}

static void test_bucket_next_at_the_end(void)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GTimeZone *kiri = g_time_zone_new_identifier("Pacific/Kiritimati");
	int64_t dec = INT64_C(253399622400), d30 = INT64_C(253402128000);

	CHECK_INT(store_bucket_floor(utc, STORE_BUCKET_MONTH,
				     INT64_C(253402214399)), dec);
	CHECK_INT(store_bucket_next(utc, STORE_BUCKET_MONTH, dec),
		  INT64_C(253402300800));
	CHECK_INT(store_bucket_next(utc, STORE_BUCKET_DAY, d30),
		  INT64_C(253402214400));
	/* In +14:00 the last UTC instant is 9999-12-31 13:59:59 local, on
	 * the last day GLib has: that day starts at 9999-12-30T10:00Z
	 * (253402214400 - 14 h) and ends 24 h later. */
	CHECK(kiri != NULL);
	if (kiri) {
		int64_t day = store_bucket_floor(kiri, STORE_BUCKET_DAY,
						 INT64_C(253402214399));

		CHECK_INT(day, INT64_C(253402214400) - 14 * 3600);
		CHECK_INT(store_bucket_next(kiri, STORE_BUCKET_DAY, day),
			  day + 86400);
		CHECK(store_bucket_next(kiri, STORE_BUCKET_MONTH,
					store_bucket_floor(
						kiri, STORE_BUCKET_MONTH,
						day)) > day);
		g_time_zone_unref(kiri);
	}
	g_time_zone_unref(utc);
}

/* A write at the last second ingestion accepts finishes, and its
 * rollups are the one reading and one second of hold. */
static void test_write_at_the_end(const char *dir)
{
	struct store *st = test_fresh_store(dir, "end");
	struct store_point p;
	struct store_reading r;
	struct got g = {0};
	GTimeZone *utc = g_time_zone_new_utc();

	/* Without the bucket after the last month, this write would loop
	 * through buckets from 1970 on. */
	if (store_bucket_next(utc, STORE_BUCKET_MONTH,
			      INT64_C(253399622400)) <=
	    INT64_C(253399622400)) {
		CHECK_AT(0, "no bucket after December 9999: not writing");
		goto out;
	}
	CHECK_INT(store_site_add(st, "end", "home", "UTC", NULL), STORE_OK);
	test_add_point(st, "end/p", "end", "power", "kW", 300);
	CHECK_INT(store_point_get(st, "end/p", &p), STORE_OK);
	r = (struct store_reading){p.id, INT64_C(253402214399), 1.5};
	CHECK_INT(store_readings_put(st, &r, 1), STORE_OK);

	CHECK_INT(store_rollups_each(st, p.id, STORE_BUCKET_MONTH,
				     INT64_C(253399622400),
				     INT64_C(253402300800), take, &g),
		  STORE_OK);
	CHECK_INT(g.rows, 1);
	CHECK_INT(g.last.ts, INT64_C(253399622400));
	CHECK_INT(g.last.n, 1);
	CHECK_DBL(g.last.sum, 1.5, 0);
	CHECK_INT(g.last.held, 1);
	CHECK_DBL(g.last.kwh, 1.5 / 3600, 1e-15);

	/* A late write before it marks the same buckets dirty and they
	 * are computed again from both readings: 1.5 holds 1 s, 2.0 holds
	 * 300 s (the next reading is 600 s on). */
	r = (struct store_reading){p.id, INT64_C(253402214399) - 600, 2.0};
	CHECK_INT(store_readings_put(st, &r, 1), STORE_OK);
	g.rows = 0;
	CHECK_INT(store_rollups_each(st, p.id, STORE_BUCKET_MONTH,
				     INT64_C(253399622400),
				     INT64_C(253402300800), take, &g),
		  STORE_OK);
	CHECK_INT(g.rows, 1);
	CHECK_INT(g.last.n, 2);
	CHECK_DBL(g.last.sum, 3.5, 0);
	CHECK_INT(g.last.held, 301);
	CHECK_DBL(g.last.kwh, (1.5 + 2.0 * 300) / 3600, 1e-12);

out:
	g_time_zone_unref(utc);
	store_close(st);
}

/* After every raw reading of a point is pruned, the same reading sent
 * again (a gateway repeating an old batch) must not count twice in the
 * frozen rollups: 2024-01-10T00:00Z is 1704844800, its UTC day holds one
 * reading of 2.0 (by hand), before and after. */
static void test_resend_after_prune(const char *dir)
{
	struct store *st = test_fresh_store(dir, "resend");
	struct store_point p;
	struct store_reading r;
	struct got g = {0};
	int64_t day = INT64_C(1704844800), deleted = 0;

	CHECK_INT(store_site_add(st, "old", "home", "UTC", NULL), STORE_OK);
	test_add_point(st, "old/p", "old", "power", "kW", 0);
	CHECK_INT(store_point_get(st, "old/p", &p), STORE_OK);
	r = (struct store_reading){p.id, day + 3600, 2.0};
	CHECK_INT(store_readings_put(st, &r, 1), STORE_OK);
	CHECK_INT(store_raw_prune(st, day + 2 * 86400, 5000, &deleted),
		  STORE_OK);
	CHECK_INT(deleted, 1);
	CHECK_INT(store_readings_put(st, &r, 1), STORE_OK);

	CHECK_INT(store_rollups_each(st, p.id, STORE_BUCKET_DAY, day,
				     day + 86400, take, &g),
		  STORE_OK);
	CHECK_INT(g.rows, 1);
	CHECK_INT(g.last.n, 1);
	CHECK_DBL(g.last.sum, 2.0, 0);
	g.rows = 0;
	CHECK_INT(store_rollups_each(st, p.id, STORE_BUCKET_HOUR, day + 3600,
				     day + 7200, take, &g),
		  STORE_OK);
	CHECK_INT(g.rows, 1);
	CHECK_INT(g.last.n, 1);
	store_close(st);
}

int main(void)
{
	char dir[256];

	test_make_tmpdir(dir, sizeof dir, "rollup-edges");
	test_bucket_next_at_the_end();
	test_write_at_the_end(dir);
	test_resend_after_prune(dir);
	test_remove_tree(dir);
	return check_finish();
}
