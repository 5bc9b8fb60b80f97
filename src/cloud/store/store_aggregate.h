/*
 * store_aggregate.h - the rollups of many points read in one go, for an
 * aggregate over a site or a list of points.
 *
 * Only the rollups table is read (store_rollup.h says what a row
 * holds); the raw readings are not touched.  All the rows come from one
 * snapshot of the database, so a write that commits meanwhile is seen
 * for every point or for none.
 *
 * Errors: STORE_OK or a negative enum store_rc, described by
 * store_errmsg(), as in store.h.
 */
#ifndef AKARI_STORE_AGGREGATE_H
#define AKARI_STORE_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"
#include "cloud/store/store_bucket.h"
#include "cloud/store/store_rollup.h"

/* One rollup of the point ids[i]; runs with the read connection locked,
 * so it must not call the store.  Non-zero stops the walk. */
typedef int (*store_aggregate_fn)(size_t i, const struct store_rollup *r,
				  void *ctx);

/* The columns of a rollup a caller needs; the others read as 0.  Fewer
 * columns make a scan of many rows cheaper. */
enum store_aggregate_cols {
	STORE_AGG_N = 1 << 0,
	STORE_AGG_SUM = 1 << 1,
	STORE_AGG_MIN = 1 << 2,
	STORE_AGG_MAX = 1 << 3,
	STORE_AGG_HELD = 1 << 4,
	STORE_AGG_KWH = 1 << 5,
	STORE_AGG_ALL = (1 << 6) - 1,
};

/*
 * Calls fn for every rollup at res (STORE_BUCKET_30MIN ..
 * STORE_BUCKET_MONTH) with from <= ts < to of the n points in ids
 * (borrowed; in any order, without repeats), in no particular order.
 * Many points are read in one scan of the bucket range, a few by key at
 * the bucket starts of their zone (rows cut in a zone a site no longer
 * has, which no bucket matches, are then left out); either way every
 * row comes once.  Hours are added up from their half-hours
 * (store_rollup.h).  Only the columns in cols (enum
 * store_aggregate_cols) are read.  STORE_INVALID for a res that has no
 * rollups.
 */
int store_aggregate_rollups(struct store *st, const int64_t *ids, size_t n,
			    enum store_bucket res, unsigned cols,
			    int64_t from, int64_t to, store_aggregate_fn fn,
			    void *ctx);

#endif
