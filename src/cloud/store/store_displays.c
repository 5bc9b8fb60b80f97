/*
 * store_displays.c - the displays table: one row per display, its latest
 * heartbeat.
 *
 * The tables come from store.c's migrations 2 (displays) and 5
 * (screenshots, plays).
 */
#include "cloud/store/store_displays.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
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

/* --- device tokens ------------------------------------------------------ */

struct device_check {
	int64_t device_id;
	const char *id;
};

static int device_on(sqlite3 *db, void *ctx)
{
	static const char q[] =
	    "SELECT 1 FROM devices WHERE id = ?1 AND kind = 'display'"
	    " AND name = ?2";
	struct device_check *c = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "checking a display's device");
		goto out;
	}
	sqlite3_bind_int64(s, 1, c->device_id);
	sqlite3_bind_text(s, 2, c->id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		rc = STORE_OK;
	else if (step == SQLITE_DONE)
		rc = store_fail(STORE_NOT_FOUND, "the token is not that of "
				"the display \"%s\"", c->id);
	else
		rc = db_fail(db, "checking a display's device");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_display_device_ok(struct store *st, int64_t device_id,
			    const char *id)
{
	struct device_check c = {device_id, id};

	return store_with_conn(st, false, device_on, &c);
}

/* --- screenshots --------------------------------------------------------- */

struct shot {
	const char *id;
	int64_t taken;
	const void *png;
	size_t len;
	void *out;		/* a copy of the stored PNG, malloc'd */
	bool flag;
};

/* Runs one statement binding ?1 to the id; a row sets s->flag from its
 * first column. */
static int one_row(sqlite3 *db, const char *sql, const char *what,
		   struct shot *sh)
{
	sqlite3_stmt *s = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, what);
		goto out;
	}
	sqlite3_bind_text(s, 1, sh->id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		sh->flag = sqlite3_column_int64(s, 0) != 0;
		step = sqlite3_step(s);
	}
	rc = step == SQLITE_DONE ? STORE_OK : db_fail(db, what);

out:
	sqlite3_finalize(s);
	return rc;
}

static int wanted_on(sqlite3 *db, void *ctx)
{
	return one_row(db, "SELECT screenshot_requested FROM displays"
		       " WHERE id = ?1", "reading a screenshot request", ctx);
}

int store_display_screenshot_wanted(struct store *st, const char *id,
				    bool *wanted)
{
	struct shot sh = {.id = id};
	int rc = store_with_conn(st, false, wanted_on, &sh);

	*wanted = !rc && sh.flag;
	return rc;
}

static int request_on(sqlite3 *db, void *ctx)
{
	struct shot *sh = ctx;
	int rc = one_row(db, "UPDATE displays SET screenshot_requested = 1"
			 " WHERE id = ?1 RETURNING 1",
			 "asking for a screenshot", sh);

	if (!rc && !sh->flag)
		rc = store_fail(STORE_NOT_FOUND, "no display \"%s\" has sent "
				"a heartbeat", sh->id);
	return rc;
}

int store_display_screenshot_request(struct store *st, const char *id)
{
	struct shot sh = {.id = id};

	if (!store_display_id_ok(id))
		return store_fail(STORE_NOT_FOUND, "no display \"%.64s\"", id);
	return store_with_conn(st, true, request_on, &sh);
}

static int put_on(sqlite3 *db, void *ctx)
{
	static const char put[] =
	    "INSERT INTO screenshots (display_id, taken, png)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (display_id)"
	    " DO UPDATE SET taken = ?2, png = ?3";
	struct shot *sh = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(db, "storing a screenshot");
	if (sqlite3_prepare_v2(db, put, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "storing a screenshot");
		goto out;
	}
	sqlite3_bind_text(s, 1, sh->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, sh->taken);
	sqlite3_bind_blob64(s, 3, sh->png, sh->len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_fail(db, "storing a screenshot");
		goto out;
	}
	rc = one_row(db, "UPDATE displays SET screenshot_requested = 0"
		     " WHERE id = ?1", "clearing a screenshot request", sh);
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(db, "storing a screenshot");

out:
	sqlite3_finalize(s);
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_display_screenshot_put(struct store *st, const char *id,
				 int64_t taken, const void *png, size_t len)
{
	struct shot sh = {.id = id, .taken = taken, .png = png, .len = len};

	if (!store_display_id_ok(id))
		return store_fail(STORE_INVALID, "the display id must be 1 "
				  "to %d of A-Z a-z 0-9 . _ -",
				  STORE_DISPLAY_ID_MAX);
	return store_with_conn(st, true, put_on, &sh);
}

static int get_on(sqlite3 *db, void *ctx)
{
	static const char get[] =
	    "SELECT taken, png FROM screenshots WHERE display_id = ?1";
	struct shot *sh = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(db, get, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "reading a screenshot");
		goto out;
	}
	sqlite3_bind_text(s, 1, sh->id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "display \"%.64s\" has sent "
				"no screenshot", sh->id);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(db, "reading a screenshot");
		goto out;
	}
	sh->taken = sqlite3_column_int64(s, 0);
	sh->len = (size_t)sqlite3_column_bytes(s, 1);
	/* One byte more, so an empty blob is no NULL from malloc. */
	sh->out = malloc(sh->len + 1);
	if (!sh->out) {
		rc = store_fail(STORE_IO, "out of memory for a %zu-byte "
				"screenshot", sh->len);
		goto out;
	}
	if (sh->len)
		memcpy(sh->out, sqlite3_column_blob(s, 1), sh->len);
	rc = STORE_OK;

out:
	sqlite3_finalize(s);
	return rc;
}

int store_display_screenshot_get(struct store *st, const char *id,
				 int64_t *taken, void **png, size_t *len)
{
	struct shot sh = {.id = id};
	int rc;

	*png = NULL;
	*len = 0;
	if (!store_display_id_ok(id))
		return store_fail(STORE_NOT_FOUND, "no display \"%.64s\"", id);
	rc = store_with_conn(st, false, get_on, &sh);
	if (rc)
		return rc;
	*taken = sh.taken;
	*png = sh.out;
	*len = sh.len;
	return STORE_OK;
}

/* --- proof of play ------------------------------------------------------ */

struct plays {
	const char *id;
	const struct store_play *p;
	size_t n, added;
	int64_t from, to;
	store_play_fn fn;
	void *ctx;
};

static int add_on(sqlite3 *db, void *ctx)
{
	static const char add[] =
	    "INSERT INTO plays (display_id, slide, start, seconds)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
	struct plays *pl = ctx;
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_fail(db, "recording plays");
	if (sqlite3_prepare_v2(db, add, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "recording plays");
		goto out;
	}
	for (size_t i = 0; i < pl->n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, pl->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, pl->p[i].slide, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, pl->p[i].start);
		sqlite3_bind_double(s, 4, pl->p[i].seconds);
		if (sqlite3_step(s) != SQLITE_DONE) {
			rc = db_fail(db, "recording plays");
			goto out;
		}
		pl->added += (size_t)sqlite3_changes(db);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(db, "recording plays");

out:
	sqlite3_finalize(s);
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_display_plays_add(struct store *st, const char *id,
			    const struct store_play *plays, size_t n,
			    size_t *added)
{
	struct plays pl = {.id = id, .p = plays, .n = n};
	int rc = STORE_OK;

	if (!store_display_id_ok(id))
		return store_fail(STORE_INVALID, "the display id must be 1 "
				  "to %d of A-Z a-z 0-9 . _ -",
				  STORE_DISPLAY_ID_MAX);
	for (size_t i = 0; i < n && !rc; i++) {
		rc = check_text("a play's slide", plays[i].slide);
		if (!rc && (!plays[i].slide[0] || !(plays[i].seconds >= 0)))
			rc = store_fail(STORE_INVALID, "play %zu needs a slide "
					"name and seconds >= 0", i);
	}
	if (!rc && n)
		rc = store_with_conn(st, true, add_on, &pl);
	if (!rc && added)
		*added = pl.added;
	return rc;
}

static int plays_on(sqlite3 *db, void *ctx)
{
	static const char q[] =
	    "SELECT slide, start, seconds FROM plays WHERE display_id = ?1"
	    " AND start >= ?2 AND start < ?3 ORDER BY start, slide";
	struct plays *pl = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "listing plays");
		goto out;
	}
	sqlite3_bind_text(s, 1, pl->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, pl->from);
	sqlite3_bind_int64(s, 3, pl->to);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_play p;

		copy_text(p.slide, sizeof p.slide, s, 0);
		p.start = sqlite3_column_int64(s, 1);
		p.seconds = sqlite3_column_double(s, 2);
		if (pl->fn(&p, pl->ctx)) {
			rc = STORE_OK;
			goto out;
		}
	}
	rc = step == SQLITE_DONE ? STORE_OK : db_fail(db, "listing plays");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_display_plays_each(struct store *st, const char *id, int64_t from,
			     int64_t to, store_play_fn fn, void *ctx)
{
	struct plays pl = {.id = id, .from = from, .to = to, .fn = fn,
			   .ctx = ctx};

	return store_with_conn(st, false, plays_on, &pl);
}
