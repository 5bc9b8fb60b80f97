/*
 * ingest_points.h - the points ingest has looked up, kept between
 * batches, so that a batch naming a thousand known points costs no read
 * of the registry.
 *
 * The cache can never answer with a point older than the registry: each
 * batch first takes the store's registry stamp (store_lookup.h), and
 * when it differs from the one the cache was filled under, the cache is
 * emptied before anything is read from it.  So a point retired, moved to
 * another site, or given another unit, kind or digits, through the API
 * or with `akari ... --db` beside a running server, is seen by the next
 * batch that starts once the change is committed.  Unknown keys are not
 * kept: a point added later is found at once.
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
