/*
 * ingest_points.h - the points ingest has looked up, kept between
 * batches, so that a batch naming a thousand known points costs no read
 * of the registry.
 *
 * The cache never waits for the store's write lock, and follows the
 * registry this way:
 * - A change made through this process (the API, or any other store
 *   handle of the process) is seen by the very next batch that starts
 *   once the change has returned: the store counts its registry writes
 *   (store_lookup.h), and a batch that finds the count moved empties
 *   the cache before reading from it.
 * - A change by another process on the same file (`akari point retire
 *   --db` beside a running server) is seen by every batch that starts
 *   once the change is committed: every batch reads the registry's
 *   version, which triggers in the file move with each change of points
 *   or sites (store_lookup.h), and empties the cache when it moved.
 * This holds for a point retired, moved to another site, or given
 * another unit, kind or digits.  Unknown keys are not kept: a point
 * added later is found by the next batch, whoever added it.
 *
 * Threads: one cache is shared by every request thread of a server.
 */
#ifndef AKARI_INGEST_POINTS_H
#define AKARI_INGEST_POINTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/store/store.h"

/* The most points kept; past it, further points are read every time. */
#define INGEST_POINTS_MAX 32768

struct ingest_points;

/* A cache for the points of st (borrowed; it must outlive the cache).
 * Aborts when out of memory, as GLib does. */
struct ingest_points *ingest_points_create(struct store *st);
void ingest_points_destroy(struct ingest_points *c);	/* accepts NULL */

/*
 * The points of keys[0..n) (borrowed), as store_points_lookup() gives
 * them: out[i] and found[i] for keys[i], arrays of n owned by the caller.
 * Keys may repeat.  c may be NULL, for no cache.  Returns STORE_OK or a
 * negative store_rc, with store_errmsg() saying why.
 */
int ingest_points_resolve(struct ingest_points *c, struct store *st,
			  const char *const *keys, size_t n,
			  struct store_point *out, bool *found);

#endif
