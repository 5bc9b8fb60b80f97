/*
 * store_displays.c - the displays table: one row per display, its latest
 * heartbeat.
 *
 * The table comes from store.c's migration 2.
 */
#include "cloud/store/store_displays.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cloud/store/store_internal.h"

bool store_display_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > STORE_DISPLAY_ID_MAX)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789._-") == n;
}

/* Text a display sent: UTF-8 and no control characters, since it is
 * shown to operators as it is. */
static int check_text(const char *what, const char *s)
{
	if (!g_utf8_validate(s, -1, NULL))
		return store_fail(STORE_INVALID, "%s is not UTF-8 text",
				  what);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return store_fail(STORE_INVALID, "%s holds the "
					  "control character 0x%02x", what,
					  (unsigned)(unsigned char)*c);
	return STORE_OK;
}

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

struct beat {
	const struct store_display *d;
	bool registered;
};

static int beat_on(sqlite3 *db, void *ctx)
{
	static const char upsert[] =
	    "INSERT INTO displays (id, version, slide, address, uptime_s,"
	    "  cache_age_s, first_seen, last_seen, beats)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1)"
	    " ON CONFLICT (id) DO UPDATE SET version = ?2, slide = ?3,"
	    "  address = ?4, uptime_s = ?5, cache_age_s = ?6,"
	    "  last_seen = ?7, beats = beats + 1"
	    " RETURNING beats";
	struct beat *b = ctx;
	const struct store_display *d = b->d;
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, upsert, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "recording a heartbeat");
		goto out;
	}
	sqlite3_bind_text(s, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, d->slide, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, d->address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, d->uptime_s);
	if (d->cache_age_s >= 0)
		sqlite3_bind_int64(s, 6, d->cache_age_s);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, d->last_seen);

	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = db_fail(db, "recording a heartbeat");
		goto out;
	}
	b->registered = sqlite3_column_int64(s, 0) == 1;
	rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK
					    : db_fail(db, "recording a "
							  "heartbeat");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_display_beat(struct store *st, const struct store_display *d,
		       bool *registered)
{
	struct beat b = {.d = d};
	int rc;

	if (!store_display_id_ok(d->id))
		return store_fail(STORE_INVALID, "the display id must be 1 "
				  "to %d of A-Z a-z 0-9 . _ -",
				  STORE_DISPLAY_ID_MAX);
	rc = check_text("the version", d->version);
	if (!rc)
		rc = check_text("the slide", d->slide);
	if (!rc)
		rc = check_text("the address", d->address);
	if (!rc)
		rc = store_with_conn(st, true, beat_on, &b);
	if (!rc && registered)
		*registered = b.registered;
	return rc;
}

struct walk {
	store_display_fn fn;
	void *ctx;
};

static void copy_text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static int each_on(sqlite3 *db, void *ctx)
{
	static const char list[] =
	    "SELECT id, version, slide, address, uptime_s,"
	    "  coalesce(cache_age_s, -1), first_seen, last_seen, beats"
	    " FROM displays ORDER BY id";
	struct walk *w = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(db, list, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "listing displays");
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_display d;

		copy_text(d.id, sizeof d.id, s, 0);
		copy_text(d.version, sizeof d.version, s, 1);
		copy_text(d.slide, sizeof d.slide, s, 2);
		copy_text(d.address, sizeof d.address, s, 3);
		d.uptime_s = sqlite3_column_int64(s, 4);
		d.cache_age_s = sqlite3_column_int64(s, 5);
		d.first_seen = sqlite3_column_int64(s, 6);
		d.last_seen = sqlite3_column_int64(s, 7);
		d.beats = sqlite3_column_int64(s, 8);
		if (w->fn(&d, w->ctx)) {
			rc = STORE_OK;
			goto out;
		}
	}
	rc = step == SQLITE_DONE ? STORE_OK : db_fail(db, "listing displays");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_displays_each(struct store *st, store_display_fn fn, void *ctx)
{
	struct walk w = {fn, ctx};

	return store_with_conn(st, false, each_on, &w);
}
