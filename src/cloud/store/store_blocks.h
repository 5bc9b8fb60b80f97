/*
 * store_blocks.h - raw readings as per-point compressed blocks: the
 * table blocks (docs/storage.md), each row one store_codec block of
 * one point's readings.
 *
 * Invariants, per point: blocks are disjoint and ordered (t1 of one is
 * below t0 of the next); each holds 1 .. STORE_BLOCK_MAX readings; its
 * t0, t1 and n are the first ts, the last ts and the count of its body.
 * Every function here keeps them.
 *
 * The functions work on a connection db inside the caller's
 * transaction (a read needs none) and under the caller's lock of db:
 * they take no lock of their own on it.  Their statements are prepared
 * once per connection and kept until store_blocks_forget(db), which the
 * owner of db must call before closing it.
 *
 * On a file being migrated from before blocks (it still has the table
 * readings and no blocks), store_blocks_each() reads readings, for
 * migration 4's fill of the rollups; the other calls fail there.
 *
 * Errors: STORE_OK or a negative enum store_rc, described by
 * store_errmsg(), as in store.h.  A block whose body does not decode or
 * does not agree with its row is STORE_IO, with a message that names
 * the point and the block's t0; nothing is skipped silently.
 */
#ifndef AKARI_STORE_BLOCKS_H
#define AKARI_STORE_BLOCKS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

/* Readings in one block at most.  A merge decodes and encodes the last
 * block of every point it writes, so blocks stay short.  Releases
 * before this one wrote at most 1,024; those blocks are read and
 * appended to like any other. */
#define STORE_BLOCK_MAX 2048

/*
 * Bytes of body a write puts in one block at most (docs/storage.md):
 * three rows of the table blocks then fill a 4,096-byte page.  A leaf
 * has 4,088 bytes for cells, 1,362 for each of three with its 2-byte
 * pointer; a row takes at most 31 bytes besides its body (payload size
 * 2, rowid 4, record header 8, point_id 3, t0 and t1 6 each, n 2).
 * Blocks written before the cap, or by a prune, may be larger.
 */
#define STORE_BLOCK_BODY_MAX 1329

/* Writes n readings of point (ts[] strictly increasing, borrowed for
 * the call).  A reading already stored at one of those ts is replaced:
 * last write wins.  Each block written holds as many readings as fit
 * in STORE_BLOCK_BODY_MAX bytes (and STORE_BLOCK_MAX).  On failure the
 * caller rolls back. */
int store_blocks_write(sqlite3 *db, int64_t point, const int64_t *ts,
		       const double *value, size_t n);

/* store_blocks_write() for the readings of many points, rows[0..n)
 * (borrowed) sorted by point and, within a point, by strictly
 * increasing ts.  The new last block of every point is written after
 * all the other blocks the call writes: the next write to the point
 * replaces that block, and rows that are replaced soon then share
 * pages with each other, not with full blocks that stay. */
int store_blocks_write_all(sqlite3 *db, const struct store_reading *rows,
			   size_t n);

/* Calls fn(ts, value, ctx) for every reading of point with from <= ts
 * < to, in ts order, until fn returns non-zero (STORE_OK then).  fn
 * must not use db. */
typedef int (*store_blocks_fn)(int64_t ts, double value, void *ctx);
int store_blocks_each(sqlite3 *db, int64_t point, int64_t from, int64_t to,
		      store_blocks_fn fn, void *ctx);

/* The newest reading of point with ts < before; *found false (and
 * STORE_OK) when there is none. */
int store_blocks_latest(sqlite3 *db, int64_t point, int64_t before,
			int64_t *ts, double *value, bool *found);

/* The ts of point's newest reading, without decoding; *found false when
 * the point has none. */
int store_blocks_last_ts(sqlite3 *db, int64_t point, int64_t *ts,
			 bool *found);

/* All readings of every point. */
int store_blocks_count(sqlite3 *db, int64_t *n);

/* Deletes at most limit readings of point with ts < before, oldest
 * first: whole blocks where it can, and the rest of a block cut at
 * before (or at the limit) encoded again.  *deleted receives how many
 * went. */
int store_blocks_prune(sqlite3 *db, int64_t point, int64_t before,
		       int64_t limit, int64_t *deleted);

/* Decodes every block of the file and checks it against its row and
 * its neighbours (the invariants above); for a restore, on a
 * connection of no store.  STORE_IO with the point and t0 of the first
 * bad block; STORE_OK on a file without blocks. */
int store_blocks_check(sqlite3 *db);

/* Moves every row of the table readings into blocks, point by point,
 * and drops readings: the fill of the migration that adds blocks, in
 * its transaction on db. */
int store_blocks_migrate(sqlite3 *db);

/* The point whose damaged block made this thread's last failing call
 * fail, or 0 when none did since store_blocks_clear_bad(). */
int64_t store_blocks_bad_point(void);
void store_blocks_clear_bad(void);

/* Finalizes what db's calls prepared; NULL or an unknown db is fine. */
void store_blocks_forget(sqlite3 *db);

#endif
