/*
 * ingest_points.c - a cache of point lookups, emptied whenever the
 * registry may have changed.
 *
 * Every emptying starts a new epoch.  A batch notes the epoch when it
 * copies what the cache holds, reads the rest from the store without
 * the cache's lock, and adds what it read only if the epoch is still the
 * same: what it read may predate a change that emptied the cache since,
 * and then the next batch reads it again.
 *
 * The cache is emptied when this process's count of registry writes
 * has moved past the one it last saw (at once, and without any lock of
 * the store), and when the registry's version in the file, read by
 * every batch, differs from the one it last saw (other processes'
 * changes).
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
	uint64_t epoch;		/* emptyings of map so far */
	uint64_t writes;	/* the registry count map was read under */
	uint64_t version;	/* the newest registry version read */
	bool has_version;
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

static void empty_locked(struct ingest_points *c)
{
	g_hash_table_remove_all(c->map);
	c->epoch++;
}

/* Reads the registry's version and empties the cache when it moved.
 * Read before the cache is: a change committed after the read moves the
 * version the next batch reads. */
static int recheck(struct ingest_points *c, struct store *st)
{
	uint64_t version;
	int rc;

	rc = store_registry_version(st, &version);
	if (rc)
		return rc;
	g_mutex_lock(&c->lock);
	if (c->has_version && version != c->version)
		empty_locked(c);
	c->version = version;
	c->has_version = true;
	g_mutex_unlock(&c->lock);
	return STORE_OK;
}

/*
 * Copies what the cache holds of keys, emptying it first if the
 * registry count has moved.  miss[] receives the indices not found;
 * *epoch the epoch they were looked up in.
 */
static size_t take_cached(struct ingest_points *c, uint64_t writes,
			  const char *const *keys, size_t n,
			  struct store_point *out, bool *found, size_t *miss,
			  uint64_t *epoch)
{
	size_t nmiss = 0;

	g_mutex_lock(&c->lock);
	/* An older count is a batch that began before the write: what the
	 * cache holds is newer than what it could see, and still good. */
	if (writes > c->writes) {
		empty_locked(c);
		c->writes = writes;
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
	*epoch = c->epoch;
	g_mutex_unlock(&c->lock);
	return nmiss;
}

/* Adds the points read in epoch, if the cache is still in it. */
static void keep_read(struct ingest_points *c, uint64_t epoch,
		      const char *const *keys, const size_t *miss,
		      size_t nmiss, const struct store_point *out,
		      const bool *found)
{
	g_mutex_lock(&c->lock);
	if (c->epoch == epoch) {
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
	struct store_point *rp = NULL;
	const char **rkeys = NULL;
	bool *rfound = NULL;
	size_t *miss = NULL, nmiss;
	uint64_t writes, epoch;
	int rc;

	if (!c || c->st != st)
		return store_points_lookup(st, keys, n, out, found);

	/* The count before anything is read: a write counted later moves
	 * the next batch's count. */
	writes = store_registry_writes();
	rc = recheck(c, st);
	if (rc)
		return rc;
	miss = g_new(size_t, n ? n : 1);
	nmiss = take_cached(c, writes, keys, n, out, found, miss, &epoch);
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
	keep_read(c, epoch, keys, miss, nmiss, out, found);
out:
	g_free(rfound);
	g_free(rp);
	g_free(rkeys);
	g_free(miss);
	return rc;
}
