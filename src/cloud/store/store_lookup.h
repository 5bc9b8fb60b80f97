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
 * changes from the count and the digest below.
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
 * moves no count here; store_registry_digest() catches it instead.  It
 * hashes every row of the points and sites tables, in one read on the
 * read connection: no merge, no write lock.  Two equal digests mean the
 * registry is the same (a 64-bit hash, so up to a chance of 2^-64); any
 * change of any column of either table moves it.  It reads every point,
 * about 0.6 us of CPU a point, so a caller takes it now and then, not per
 * batch.
 */
uint64_t store_registry_writes(void);

/* Digest of the registry now.  STORE_OK, or STORE_IO with *out
 * undefined. */
int store_registry_digest(struct store *st, uint64_t *out);

#endif
