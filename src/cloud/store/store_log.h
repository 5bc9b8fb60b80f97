/*
 * store_log.h - the arrival log of readings and its merge into their
 * blocks (store_blocks.h) and the rollups; store.c's write path.
 *
 * A batch of readings is first appended to the table arrivals
 * (migration 6) as one row: group commit lets every batch queued while
 * a commit runs share the next one, so one fsync acknowledges many
 * batches.  A merge later moves every arrival into blocks and
 * rollups in one transaction, rows sorted by point, and deletes them
 * from the log in that same transaction: a crash leaves all of a merge
 * or none of it.  Merges run on the log's own thread, after a short
 * delay or once enough is pending, and synchronously whenever a read
 * must see every acknowledged reading (store_log_sync()).
 * docs/storage.md describes the design.
 *
 * Locking: the log writes through the store's write connection, under
 * the store's write lock (both borrowed from store.c).  Its own mutex
 * guards the queue and the pending counters; it is never held while
 * waiting for the write lock.
 *
 * Errors: STORE_OK or a negative enum store_rc, described by
 * store_errmsg() on the calling thread, as in store.h.
 */
#ifndef AKARI_STORE_LOG_H
#define AKARI_STORE_LOG_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

#include "cloud/store/store.h"

/* The packed size of one reading in an arrival's body: point_id, ts
 * (int64) and value (IEEE 754 double), little-endian. */
#define STORE_LOG_ROW_BYTES 24

struct store_log;

/*
 * Creates the log of the store whose write connection is db, guarded
 * by lock; both are borrowed and must outlive the log.  Merges what an
 * earlier process left in the log (a crash between a put and its
 * merge), then starts the merge thread.  *out owns the log; free it
 * with store_log_destroy().  On failure *out is NULL.
 */
int store_log_create(sqlite3 *db, pthread_mutex_t *lock,
		     struct store_log **out);

/* Stops the merge thread and merges what is left, so that a file at
 * rest holds no arrivals (a failed merge leaves them to the next open:
 * nothing is lost).  Accepts NULL.  The caller must not hold the write
 * lock, and no call on lg may be running or follow. */
void store_log_destroy(struct store_log *lg);

/*
 * Appends rows[0..n) (borrowed for the call, already checked by the
 * caller: known points, numeric values) as one arrival and returns once
 * the commit that holds it is on disk.  All or none: on a failure no
 * row of this batch is in the log.  The caller must not hold the write
 * lock.
 */
int store_log_put(struct store_log *lg, const struct store_reading *rows,
		  size_t n);

/* Merges every acknowledged arrival, when this log has any pending;
 * a call with nothing pending takes no lock but the log's and runs no
 * SQL.  The caller must not hold the write lock. */
int store_log_sync(struct store_log *lg);

/* The same, for a caller that holds the write lock. */
int store_log_sync_locked(struct store_log *lg);

/* Merges every arrival of the file open on db, a connection of no
 * store (the copy store_backup.c makes), in one transaction, then gives
 * back the file's free pages as store_close() does. */
int store_log_merge_db(sqlite3 *db);

#endif
