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

/* FNV-1a, 64 bits: enough to tell one registry from the next. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Folds every row of one query into *h, with each value's type and
 * length, so that moving bytes between columns changes the digest. */
static int digest_rows(sqlite3 *db, const char *sql, uint64_t *h)
{
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK, src;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		int ncol = sqlite3_column_count(s);

		for (int i = 0; i < ncol; i++) {
			int type = sqlite3_column_type(s, i);
			int64_t iv;
			double dv;
			int len;

			*h = fnv(*h, &type, sizeof type);
			switch (type) {
			case SQLITE_INTEGER:
				iv = sqlite3_column_int64(s, i);
				*h = fnv(*h, &iv, sizeof iv);
				break;
			case SQLITE_FLOAT:
				dv = sqlite3_column_double(s, i);
				*h = fnv(*h, &dv, sizeof dv);
				break;
			case SQLITE_TEXT:
			case SQLITE_BLOB:
				len = sqlite3_column_bytes(s, i);
				*h = fnv(*h, &len, sizeof len);
				*h = fnv(*h, sqlite3_column_blob(s, i),
					 (size_t)len);
				break;
			default:
				break;
			}
		}
	}
	if (src != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	return rc;

fail:
	rc = store_fail(STORE_IO, "reading the registry's digest: %s",
			sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return rc;
}

static int digest_on(sqlite3 *db, void *ctx)
{
	uint64_t *h = ctx;
	int rc;

	/* Both tables from one snapshot. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(STORE_IO, "reading the registry's digest: "
				  "%s", sqlite3_errmsg(db));
	*h = UINT64_C(0xcbf29ce484222325);
	rc = digest_rows(db, "SELECT * FROM sites ORDER BY id", h);
	if (!rc)
		rc = digest_rows(db, "SELECT * FROM points ORDER BY id", h);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int store_registry_digest(struct store *st, uint64_t *out)
{
	return store_with_registry(st, false, digest_on, out);
}
