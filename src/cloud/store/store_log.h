/*
 * store_log.h - the arrival log of readings and its merge into their
 * blocks (store_blocks.h) and the rollups; store.c's write path.
 *
 * A batch of readings is first appended as one row to the log: group
 * commit lets every batch queued while a commit runs share the next
 * one, so one fsync acknowledges many batches.  The log is the side
 * file, a SQLite file of its own beside the database (its name with
 * STORE_LOG_SIDE_SUFFIX), written on its own connection, so that a put
 * never waits for a merge; a process that finds another one owning the
 * side file (akari import beside akari serve) logs into the database's
 * table arrivals (migration 6) instead, under the write lock, and its
 * merges take the owner's batches too, as any merge takes arrivals.
 *
 * A merge later moves batches into blocks and rollups in one
 * transaction of the database, rows sorted by point.  It deletes what
 * it took of arrivals in that transaction, and notes there which
 * batches of the side file it holds (log_applied, log_kept: migration
 * 10) before the side file forgets them: a crash leaves all of a merge
 * or none of it, and after a crash between the merge's commit and the
 * side file's delete the next open skips what the database holds.
 * Merges run on the log's own thread, after a short delay or once
 * enough is pending, and synchronously whenever a read must see every
 * acknowledged reading (store_log_sync()).  docs/storage.md describes
 * the design.
 *
 * Locking: merges write through the store's write connection, under
 * the store's write lock (both borrowed from store.c); puts to the side
 * file take only the side file's lock.  The log's own mutex guards the
 * queue, the batches not merged and the marks; it is never held while
 * waiting for another lock.
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

/* The side file of a database's log: its name with this added. */
#define STORE_LOG_SIDE_SUFFIX "-arrivals"

/* Readings an open found in the side file for points the database does
 * not have: kept, not merged, in the side file's name with this added
 * (a SQLite file, table readings: point_id, ts, value). */
#define STORE_LOG_UNKNOWN_SUFFIX ".unknown"

struct store_log;

/*
 * Creates the log of the store whose write connection is db, guarded
 * by lock; both are borrowed and must outlive the log.  busy_ms is db's
 * busy timeout.  Opens the side file (below) when no other process has
 * it, merges what an earlier process left in the log or the side file
 * (a crash between a put and its merge), then starts the merge thread.
 * *out owns the log; free it with store_log_destroy().  On failure *out
 * is NULL.
 */
int store_log_create(sqlite3 *db, pthread_mutex_t *lock, int busy_ms,
		     struct store_log **out);

/* Stops the merge thread and merges what is left, so that a file at
 * rest holds no arrivals, and removes the side file (a failed merge
 * leaves them to the next open: nothing is lost).  Accepts NULL.  The
 * caller must not hold the write lock, and no call on lg may be running
 * or follow. */
void store_log_destroy(struct store_log *lg);

/*
 * Appends rows[0..n) (borrowed for the call, already checked by the
 * caller: known points, numeric values) as one arrival and returns once
 * the commit that holds it is on disk.  All or none: on a failure no
 * row of this batch is in the log.  mark is store_log_expect()'s for
 * this batch, or 0 for a batch as new as a mark taken now.  The caller
 * must not hold the write lock.
 */
int store_log_put(struct store_log *lg, uint64_t mark,
		  const struct store_reading *rows, size_t n);

/*
 * Order of arrival.  Concurrent requests end in any order: a batch of
 * minute 1 can be logged before the batch of minute 0 that came just
 * before it, and a merge between the two would find minute 0 late,
 * which costs a decode of the point's day to fold it into its rollups.
 * So a request takes a mark when it starts, before its body is read,
 * and its put carries it; background merges take only the batches of
 * marks before the first one still expected, so that they apply the
 * batches in the order of their marks.  A batch waits so at most
 * HOLD_MS (store_log.c); store_log_sync() takes every batch at once.
 *
 * store_log_expect() returns a new mark (never 0), expected until
 * store_log_release(), which every mark must get once its puts are
 * over, whatever came of them; releasing a mark not expected does
 * nothing.
 */
uint64_t store_log_expect(struct store_log *lg);
void store_log_release(struct store_log *lg, uint64_t mark);

/* Merges every acknowledged arrival, when this log has any pending;
 * a call with nothing pending takes no lock but the log's and runs no
 * SQL.  The caller must not hold the write lock.  STORE_BUSY when this
 * log owns the side file, batches wait and another program has held
 * the database's write lock for SYNC_BUSY_MS (store_log.c): a read then
 * would miss readings acknowledged, so it is refused, not answered. */
int store_log_sync(struct store_log *lg);

/* The same, for a caller that holds the write lock. */
int store_log_sync_locked(struct store_log *lg);

/* How many batches put through lg it still counts as not merged (by
 * itself or by another process); 0 for a NULL lg. */
size_t store_log_waiting(struct store_log *lg);

/* Merges every arrival of the file open on db, a connection of no
 * store (the copy store_backup.c makes), in one transaction, then gives
 * back the file's free pages as store_close() does. */
int store_log_merge_db(sqlite3 *db);

/*
 * A consistent copy of a database whose server logs into its side file
 * (store_backup.c): the side file's batches are read first, with
 * store_log_side_read(), then the copy of the database is made, then
 * store_log_side_add() adds to the copy's arrivals those of the batches
 * that the copy has not merged, for store_log_merge_db().  A batch
 * acknowledged before the read is either in the side file then or
 * merged before it was deleted from there, and so in the copy.
 *
 * *out (free with store_log_side_free(), which accepts NULL) holds the
 * batches the side file of the database at path holds now; none when it
 * has no side file.
 */
struct store_log_side;
int store_log_side_read(const char *path, struct store_log_side **out);
int store_log_side_add(sqlite3 *db, const struct store_log_side *side);
void store_log_side_free(struct store_log_side *side);

#endif
