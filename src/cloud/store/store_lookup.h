/*
 * store_lookup.h - many points by key in one read, for the ingest path,
 * where one batch may name a thousand points.
 *
 * store_point_get() opens and closes a read transaction for every key;
 * that is most of its cost.  This reads every key of a batch inside one
 * transaction, so all of them come from the same commit, and nothing is
 * kept between calls: what it returns is never older than the call.
 *
 * A caller that keeps points between calls (ingest_points.h) learns of
 * changes from the count and the version below.
 *
 * Errors and threads as in store.h.
 */
#ifndef AKARI_STORE_LOOKUP_H
#define AKARI_STORE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

/*
 * Looks up keys[0..n) (borrowed).  out[i] receives the point of keys[i]
 * and found[i] says whether there is one; both arrays hold n entries,
 * owned by the caller.  Returns STORE_OK (unknown keys are not an
 * error), or STORE_IO with out and found undefined.
 */
int store_points_lookup(struct store *st, const char *const *keys, size_t n,
			struct store_point *out, bool *found);

/*
 * How a cache of points (ingest_points.h) learns of changes, without
 * waiting for the write connection, which a merge may hold for a while.
 *
 * store_registry_writes() counts the registry writes of this process,
 * through any handle: each write of points or sites adds one once it is
 * over, so a caller that reads the count before reading points and
 * finds it moved knows that something may have changed.  It takes no
 * lock.
 *
 * Another process (`akari point retire --db` beside a running server)
 * moves no count here; store_registry_version() catches it instead:
 * triggers on the points and sites tables (migration 9) add one to a
 * number in the file with every row any process inserts, changes or
 * deletes there, in the same transaction.  Reading it is one row on the
 * read connection: no merge, no write lock, cheap enough for every
 * batch.
 */
uint64_t store_registry_writes(void);

/*
 * A batch checked against its points must be committed before they
 * change: readings checked in W and stored after the point went to kW
 * would be read a thousand times too high.  A batch holds this, shared
 * with every other batch, from before it looks its points up until its
 * readings are committed (or quarantined); a change of a point through
 * this store (store_point_change(), store_point_retire()) waits for it
 * and keeps new batches waiting until it is over and counted, so that
 * they look the point up again.  Not recursive: one hold at a time on a
 * thread.  A change by another process on the same file takes no part
 * in it (store_registry.h).
 */
void store_points_use_begin(struct store *st);
void store_points_use_end(struct store *st);

/* The registry's version now: it has moved since an earlier read if and
 * only if points or sites changed in between.  STORE_OK, or STORE_IO
 * with *out undefined. */
int store_registry_version(struct store *st, uint64_t *out);

#endif
