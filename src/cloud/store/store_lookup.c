/*
 * store_lookup.c - many points by key inside one read transaction, and
 * the stamp that tells a cache of them when to read again.
 */
#include "cloud/store/store_lookup.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cloud/store/store_internal.h"

/* The columns of store.c's point reads, in the order it reads them. */
#define LOOKUP_SQL                                                        \
	"SELECT p.id, p.key, p.site_id, s.name, s.tz, p.quantity, p.unit, " \
	"p.kind, p.step_s, p.shift_days, p.counter_digits, "               \
	"coalesce(p.retired, 0) FROM points p "                            \
	"JOIN sites s ON s.id = p.site_id WHERE p.key = ?1"

struct lookup {
	const char *const *keys;
	size_t n;
	struct store_point *out;
	bool *found;
};

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src ? (const char *)src : "");
}

static void point_from_row(sqlite3_stmt *s, struct store_point *p)
{
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(s, 0);
	copy_text(p->key, sizeof p->key, sqlite3_column_text(s, 1));
	p->site_id = sqlite3_column_int64(s, 2);
	copy_text(p->site, sizeof p->site, sqlite3_column_text(s, 3));
	copy_text(p->tz, sizeof p->tz, sqlite3_column_text(s, 4));
	copy_text(p->quantity, sizeof p->quantity, sqlite3_column_text(s, 5));
	copy_text(p->unit, sizeof p->unit, sqlite3_column_text(s, 6));
	if (store_kind_parse((const char *)sqlite3_column_text(s, 7),
			     &p->kind))
		p->kind = STORE_INSTANTANEOUS;
	p->step_s = sqlite3_column_int(s, 8);
	p->shift_days = sqlite3_column_int(s, 9);
	p->counter_digits = sqlite3_column_int(s, 10);
	p->retired = sqlite3_column_int64(s, 11);
}

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
			point_from_row(s, &l->out[i]);
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
