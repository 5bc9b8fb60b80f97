/*
 * store_lookup.c - many points by key inside one read transaction, and
 * the stamp that tells a cache of them when to read again.
 */
#include "cloud/store/store_lookup.h"

#include <sqlite3.h>
#include <stdatomic.h>

#include "cloud/store/store_internal.h"

#define LOOKUP_SQL STORE_POINT_SELECT "WHERE p.key = ?1"

struct lookup {
	const char *const *keys;
	size_t n;
	struct store_point *out;
	bool *found;
};

static int lookup_on(sqlite3 *db, void *ctx)
{
	const struct lookup *l = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK, src;

	/* One snapshot for every key, instead of one per key. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(STORE_IO, "reading points: %s",
				  sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, LOOKUP_SQL, -1, &s, NULL) != SQLITE_OK) {
		rc = store_fail(STORE_IO, "reading points: %s",
				sqlite3_errmsg(db));
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		sqlite3_bind_text(s, 1, l->keys[i], -1, SQLITE_STATIC);
		src = sqlite3_step(s);
		l->found[i] = src == SQLITE_ROW;
		if (src == SQLITE_ROW) {
			store_point_from_row(s, &l->out[i]);
		} else if (src != SQLITE_DONE) {
			rc = store_fail(STORE_IO, "reading point '%s': %s",
					l->keys[i], sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(s);
	}
out:
	sqlite3_finalize(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int store_points_lookup(struct store *st, const char *const *keys, size_t n,
			struct store_point *out, bool *found)
{
	struct lookup l = {keys, n, out, found};

	if (!n)
		return STORE_OK;
	return store_with_registry(st, false, lookup_on, &l);
}

/* --- the registry stamp ------------------------------------------------- */

/*
 * One count for the process, not one per handle: a write through any
 * handle makes every cache read again, which costs a lookup and is never
 * wrong.
 */
static atomic_uint_fast64_t registry_writes;

int store_registry_changed(int rc)
{
	/* After the commit, so a stamp that sees the count sees the data. */
	atomic_fetch_add_explicit(&registry_writes, 1, memory_order_release);
	return rc;
}

/*
 * PRAGMA data_version changes when another connection commits; on the
 * write connection that is any other writer of the file, since this
 * store's read connection never writes.  Its own commits do not count,
 * so the readings this server stores leave the stamp alone.
 */
static int data_version_on(sqlite3 *db, void *ctx)
{
	int64_t *out = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		rc = store_fail(STORE_IO, "reading the data version: %s",
				sqlite3_errmsg(db));
	else
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc;
}

int store_registry_stamp(struct store *st, struct store_registry_stamp *out)
{
	/* The count first: a write counted after it moves the next stamp. */
	out->writes = atomic_load_explicit(&registry_writes,
					   memory_order_acquire);
	return store_with_registry(st, true, data_version_on, &out->file);
}

bool store_registry_stamp_equal(const struct store_registry_stamp *a,
				const struct store_registry_stamp *b)
{
	return a->writes == b->writes && a->file == b->file;
}
