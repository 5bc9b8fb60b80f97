/*
 * store_lookup.c - many points by key inside one read transaction, and
 * what tells a cache of them when to read again.
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

/* --- changes of the registry ------------------------------------------- */

/*
 * One count for the process, not one per handle: a write through any
 * handle makes every cache read again, which costs a lookup and is never
 * wrong.
 */
static atomic_uint_fast64_t registry_writes;

int store_registry_changed(int rc)
{
	/* After the commit, so a reader that sees the count sees the data. */
	atomic_fetch_add_explicit(&registry_writes, 1, memory_order_release);
	return rc;
}

uint64_t store_registry_writes(void)
{
	return atomic_load_explicit(&registry_writes, memory_order_acquire);
}

static int version_on(sqlite3 *db, void *ctx)
{
	uint64_t *v = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	if (sqlite3_prepare_v2(db, "SELECT v FROM registry_version "
			       "WHERE id = 1", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		rc = store_fail(STORE_IO, "reading the registry's version: "
				"%s", sqlite3_errmsg(db));
	else
		*v = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc;
}

int store_registry_version(struct store *st, uint64_t *out)
{
	return store_with_registry(st, false, version_on, out);
}
