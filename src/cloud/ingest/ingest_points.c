/*
 * ingest_points.c - a cache of point lookups, emptied whenever the
 * registry stamp moves.
 *
 * A batch takes the stamp before it reads anything, copies what the
 * cache holds under the lock, reads the rest from the store without the
 * lock, and adds what it read only if the cache is still under the
 * stamp it took: what it read may predate a change that moved the stamp
 * since, and then the next batch reads it again.
 */
#include "cloud/ingest/ingest_points.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/store/store_lookup.h"

struct ingest_points {
	struct store *st;
	GMutex lock;
	GHashTable *map;	/* owned key -> owned struct store_point */
	struct store_registry_stamp stamp;	/* what map was read under */
	bool stamped;		/* false until the first batch */
};

struct ingest_points *ingest_points_create(struct store *st)
{
	struct ingest_points *c = g_new0(struct ingest_points, 1);

	c->st = st;
	g_mutex_init(&c->lock);
	c->map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				       g_free);
	return c;
}

void ingest_points_destroy(struct ingest_points *c)
{
	if (!c)
		return;
	g_hash_table_destroy(c->map);
	g_mutex_clear(&c->lock);
	g_free(c);
}

/*
 * Copies what the cache holds of keys under stamp, emptying it first if
 * it was filled under another.  miss[] receives the indices not found.
 */
static size_t take_cached(struct ingest_points *c,
			  const struct store_registry_stamp *stamp,
			  const char *const *keys, size_t n,
			  struct store_point *out, bool *found, size_t *miss)
{
	size_t nmiss = 0;

	g_mutex_lock(&c->lock);
	if (!c->stamped || !store_registry_stamp_equal(&c->stamp, stamp)) {
		g_hash_table_remove_all(c->map);
		c->stamp = *stamp;
		c->stamped = true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_point *p =
		    g_hash_table_lookup(c->map, keys[i]);

		found[i] = p != NULL;
		if (p)
			out[i] = *p;
		else
			miss[nmiss++] = i;
	}
	g_mutex_unlock(&c->lock);
	return nmiss;
}

/* Adds the points read under stamp, if the cache is still under it. */
static void keep_read(struct ingest_points *c,
		      const struct store_registry_stamp *stamp,
		      const char *const *keys, const size_t *miss,
		      size_t nmiss, const struct store_point *out,
		      const bool *found)
{
	g_mutex_lock(&c->lock);
	if (store_registry_stamp_equal(&c->stamp, stamp)) {
		for (size_t j = 0; j < nmiss; j++) {
			size_t i = miss[j];

			if (!found[i] ||
			    g_hash_table_size(c->map) >= INGEST_POINTS_MAX)
				continue;
			g_hash_table_replace(c->map, g_strdup(keys[i]),
					     g_memdup2(&out[i], sizeof out[i]));
		}
	}
	g_mutex_unlock(&c->lock);
}

int ingest_points_resolve(struct ingest_points *c, struct store *st,
			  const char *const *keys, size_t n,
			  struct store_point *out, bool *found)
{
	struct store_registry_stamp stamp;
	struct store_point *rp = NULL;
	const char **rkeys = NULL;
	bool *rfound = NULL;
	size_t *miss = NULL, nmiss;
	int rc;

	if (!c || c->st != st)
		return store_points_lookup(st, keys, n, out, found);

	rc = store_registry_stamp(st, &stamp);
	if (rc)
		return rc;
	miss = g_new(size_t, n ? n : 1);
	nmiss = take_cached(c, &stamp, keys, n, out, found, miss);
	if (!nmiss)
		goto out;

	/* The misses, read in one go and put back in their places. */
	rkeys = g_new(const char *, nmiss);
	rp = g_new(struct store_point, nmiss);
	rfound = g_new(bool, nmiss);
	for (size_t j = 0; j < nmiss; j++)
		rkeys[j] = keys[miss[j]];
	rc = store_points_lookup(st, rkeys, nmiss, rp, rfound);
	if (rc)
		goto out;
	for (size_t j = 0; j < nmiss; j++) {
		found[miss[j]] = rfound[j];
		if (rfound[j])
			out[miss[j]] = rp[j];
	}
	keep_read(c, &stamp, keys, miss, nmiss, out, found);
out:
	g_free(rfound);
	g_free(rp);
	g_free(rkeys);
	g_free(miss);
	return rc;
}
