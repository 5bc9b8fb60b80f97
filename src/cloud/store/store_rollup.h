/*
 * store_rollup.h - rollups: per point, per 30-minute, hourly, local-day
 * and local-month bucket, the count, sum, min and max of its readings and
 * the energy of their holds, kept up to date as readings are written.
 *
 * A rollup equals what analytics computes from the raw readings of the
 * same bucket (see analytics.h): count, min and max exactly; sum and
 * energy of a 30-minute bucket or a day exactly when readings arrive in
 * order, and up to rounding in the last bits after a late write (a
 * month is then summed from its days).  Hours are not stored: an hour
 * is its half-hours added (store_rollup_add), so its sum and energy are
 * the raw fold's up to rounding in the last bits.  Energy is kept for
 * instantaneous power points with a step (the hold cap of a point
 * without one depends on the query), in hours of the point's unit (kWh
 * for a point in kW, W h for one in W); held is 0 otherwise.
 * docs/rollups.md describes the design.
 *
 * Raw retention: store_raw_prune() deletes old readings and records a
 * horizon; rollups of buckets that start before it are never recomputed
 * from raw again (a late write there is stored but leaves them as they
 * are), and are never deleted.
 *
 * Errors: STORE_OK or a negative enum store_rc, described by
 * store_errmsg(), as in store.h.
 */
#ifndef AKARI_STORE_ROLLUP_H
#define AKARI_STORE_ROLLUP_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "cloud/store/store.h"
#include "cloud/store/store_bucket.h"

struct store_rollup {
	int64_t ts;		/* bucket start, Unix s */
	int64_t n;		/* readings with ts in the bucket */
	double sum, min, max;	/* of those; min and max 0 when n is 0 */
	int64_t held;		/* seconds of holds inside the bucket */
	double kwh;		/* value * held / 3600, summed: hours of the
				 * point's unit, kWh only for a point in kW */
};

/* Calls fn for each rollup of point at res (STORE_BUCKET_30MIN ..
 * STORE_BUCKET_MONTH) with from <= ts < to at the bucket starts of the
 * point's zone, in ts order, on the reading connection, all from one
 * commit.  fn runs locked and must not call the store; non-zero stops
 * the walk. */
typedef int (*store_rollup_fn)(const struct store_rollup *r, void *ctx);
int store_rollups_each(struct store *st, int64_t point_id,
		       enum store_bucket res, int64_t from, int64_t to,
		       store_rollup_fn fn, void *ctx);

/* Recomputes the rollups of point key (every point when key is NULL)
 * from the raw readings, in one transaction; buckets that start before
 * the raw horizon are kept.  *points receives how many were rebuilt. */
int store_rollup_rebuild(struct store *st, const char *key,
			 int64_t *points);

/* The raw horizon: readings with ts < *before may have been pruned.
 * INT64_MIN when nothing ever was. */
int store_raw_horizon(struct store *st, int64_t *before);

/* One step of raw retention: raises the horizon to before (never lowers
 * it) and deletes at most limit readings with ts < before, in one
 * transaction.  *deleted receives the count; 0 means nothing is left. */
int store_raw_prune(struct store *st, int64_t before, int64_t limit,
		    int64_t *deleted);

/* --- for store_log.c's merge and store.c's migration 4 ----------------- */

/* What a batch of readings changes in the rollups, worked out around
 * store.c's upserts, inside its transaction on db. */
struct store_rollup_batch;

/* Before the readings are written: notes, per point of rows (borrowed
 * for the call), the newest reading already stored.  *out is the batch
 * to pass to the two calls below (NULL when n is 0). */
int store_rollup_batch_begin(sqlite3 *db, const struct store_reading *rows,
			     size_t n, struct store_rollup_batch **out);

/* The batch's rows sorted by point, then ts, one per (point, ts): of
 * several at one the last in the rows given to begin.  Borrowed from b;
 * *n receives their number.  These are what the caller writes. */
const struct store_reading *
store_rollup_batch_rows(const struct store_rollup_batch *b, size_t *n);

/* After they are written, still in the transaction: updates the rollups
 * of every bucket the batch touched. */
int store_rollup_batch_apply(sqlite3 *db, struct store_rollup_batch *b);

/* After the transaction committed: lets the connection remember what
 * it wrote, so that the next batch need not read it back.  Not called
 * after a rollback. */
void store_rollup_batch_commit(struct store_rollup_batch *b);

void store_rollup_batch_free(struct store_rollup_batch *b); /* NULL ok */

/* Forgets what db remembered; store.c calls it as db closes. */
void store_rollup_forget(sqlite3 *db);

/* Rebuilds every point's rollups on db, inside the caller's transaction
 * (migration 4 fills the rollups of readings written before it). */
int store_rollup_rebuild_db(sqlite3 *db, int64_t point_id);

/* Rebuilds, inside the caller's transaction, the rollups of every
 * instantaneous power point with a step whose unit is not kW: releases
 * before migration 13 kept energy only for points in kW. */
int store_rollup_rebuild_power_db(sqlite3 *db);

/* --- for store_aggregate.c --------------------------------------------- */

/* Adds d, the row of the next bucket in time, to r, the row of the
 * buckets before it: counts, sums and holds add up in that order, min
 * and max are those of the parts with readings.  An hour's row is its
 * half-hours' added so. */
void store_rollup_add(struct store_rollup *r, const struct store_rollup *d);

/* The zone called name, kept for the life of the process (borrowed);
 * NULL when the name is not a zone. */
GTimeZone *store_rollup_zone(const char *name);

/* Calls fn for each rollup of point_id at res with from <= ts < to at
 * the bucket starts of its site's zone, in ts order, on db (inside the
 * caller's read transaction, so that every lookup sees one commit).
 * Rows cut in a zone the site no longer has are not read.  *stopped
 * (may be NULL) says whether fn stopped the walk. */
int store_rollup_walk_db(sqlite3 *db, int64_t point_id,
			 enum store_bucket res, int64_t from, int64_t to,
			 store_rollup_fn fn, void *ctx, bool *stopped);

#endif
