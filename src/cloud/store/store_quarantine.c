/*
 * store_quarantine.c - the quarantine table of migration 4, and the
 * points.counter_digits column beside it.
 */
#include "cloud/store/store_quarantine.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cloud/store/store_internal.h"

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

struct put {
	const struct store_held *rows;
	size_t n;
};

static int put_on(sqlite3 *db, void *ctx)
{
	static const char sql[] =
	    "INSERT INTO quarantine (point_id, ts, value, received,"
	    "  device_id, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (point_id, ts) DO UPDATE SET value = ?3,"
	    "  received = ?4, device_id = ?5, reason = ?6";
	const struct put *p = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(db, "holding readings back");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "holding readings back");
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct store_held *h = &p->rows[i];

		sqlite3_bind_int64(s, 1, h->point_id);
		sqlite3_bind_int64(s, 2, h->ts);
		sqlite3_bind_double(s, 3, h->value);
		sqlite3_bind_int64(s, 4, h->received);
		if (h->device_id)
			sqlite3_bind_int64(s, 5, h->device_id);
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_text(s, 6, h->reason, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			rc = db_fail(db, "holding a reading back");
			goto out;
		}
		sqlite3_reset(s);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(db, "holding readings back");

out:
	sqlite3_finalize(s);
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_quarantine_put(struct store *st, const struct store_held *rows,
			 size_t n)
{
	struct put p = {rows, n};

	if (n == 0)
		return STORE_OK;
	return store_with_conn(st, true, put_on, &p);
}

struct list {
	size_t limit;
	GArray *rows;		/* struct store_held */
};

static int list_on(sqlite3 *db, void *ctx)
{
	static const char sql[] =
	    "SELECT q.id, q.point_id, p.key, q.ts, q.value, q.received,"
	    "  q.device_id, q.reason FROM quarantine q"
	    " JOIN points p ON p.id = q.point_id"
	    " ORDER BY q.received DESC, q.id DESC LIMIT ?1";
	struct list *l = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK, step;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "listing held readings");
	sqlite3_bind_int64(s, 1, l->limit ? (sqlite3_int64)l->limit : -1);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_held h = {0};
		const unsigned char *key = sqlite3_column_text(s, 2);
		const unsigned char *why = sqlite3_column_text(s, 7);

		h.id = sqlite3_column_int64(s, 0);
		h.point_id = sqlite3_column_int64(s, 1);
		snprintf(h.point, sizeof h.point, "%s",
			 key ? (const char *)key : "");
		h.ts = sqlite3_column_int64(s, 3);
		h.value = sqlite3_column_double(s, 4);
		h.received = sqlite3_column_int64(s, 5);
		h.device_id = sqlite3_column_int64(s, 6);
		snprintf(h.reason, sizeof h.reason, "%s",
			 why ? (const char *)why : "");
		g_array_append_val(l->rows, h);
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "listing held readings");
	sqlite3_finalize(s);
	return rc;
}

int store_quarantine_each(struct store *st, size_t limit, store_held_fn fn,
			  void *ctx)
{
	struct list l = {limit, g_array_new(FALSE, FALSE,
					    sizeof(struct store_held))};
	int rc;

	rc = store_with_conn(st, false, list_on, &l);
	for (guint i = 0; !rc && i < l.rows->len; i++)
		if (fn(&g_array_index(l.rows, struct store_held, i), ctx))
			break;
	g_array_free(l.rows, TRUE);
	return rc;
}

static int count_on(sqlite3 *db, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM quarantine", -1, &s,
			       NULL) != SQLITE_OK)
		return db_fail(db, "counting held readings");
	if (sqlite3_step(s) == SQLITE_ROW)
		*(int64_t *)ctx = sqlite3_column_int64(s, 0);
	else
		rc = db_fail(db, "counting held readings");
	sqlite3_finalize(s);
	return rc;
}

int store_quarantine_count(struct store *st, int64_t *count)
{
	return store_with_conn(st, false, count_on, count);
}

struct digits {
	const char *key;
	int digits;
};

static int digits_on(sqlite3 *db, void *ctx)
{
	const struct digits *d = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	if (sqlite3_prepare_v2(db, "UPDATE points SET counter_digits = ?2 "
			       "WHERE key = ?1", -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "changing a point's digits");
	sqlite3_bind_text(s, 1, d->key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, d->digits);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(db, "changing a point's digits");
	else if (sqlite3_changes(db) == 0)
		rc = store_fail(STORE_NOT_FOUND, "no point '%s'", d->key);
	sqlite3_finalize(s);
	return rc;
}

int store_point_set_digits(struct store *st, const char *key, int digits)
{
	struct digits d = {key, digits};

	if (digits < 0 || digits > STORE_COUNTER_DIGITS_MAX)
		return store_fail(STORE_INVALID,
				  "counter digits %d not in 0..%d", digits,
				  STORE_COUNTER_DIGITS_MAX);
	return store_registry_changed(
	    store_with_conn(st, true, digits_on, &d));
}
