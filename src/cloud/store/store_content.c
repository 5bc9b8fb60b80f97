/*
 * store_content.c - playlists, schedules, display groups, layer rules
 * and the emergency log (tables of store.c's migration 5).
 */
#include "cloud/store/store_content.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cloud/store/store_displays.h"
#include "cloud/store/store_internal.h"

bool store_content_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > STORE_CONTENT_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s,
		   const char *what)
{
	if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK)
		return db_fail(db, what);
	return STORE_OK;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Steps s to its end; for statements that return no rows. */
static int run_done(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	return sqlite3_step(s) == SQLITE_DONE ? STORE_OK : db_fail(db, what);
}

/* 1 when the query (one text parameter) finds a row, 0 if not. */
static int exists(sqlite3 *db, const char *sql, const char *arg,
		  bool *found)
{
	sqlite3_stmt *s = NULL;
	int rc, step;

	rc = prepare(db, sql, &s, "looking up content");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = db_fail(db, "looking up content");
		goto out;
	}
	*found = step == SQLITE_ROW;

out:
	sqlite3_finalize(s);
	return rc;
}

static int begin(sqlite3 *db)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "starting a transaction");
	return STORE_OK;
}

static int end(sqlite3 *db, int rc)
{
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(db, "committing");
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* --- playlists --------------------------------------------------------- */

struct put_ctx {
	const char *name, *body;
	int64_t now;
	bool created;
	int64_t revision;
};

static int playlist_put_on(sqlite3 *db, void *ctx)
{
	static const char sql[] =
	    "INSERT INTO playlists (name, body, revision, updated)"
	    " VALUES (?1, ?2, 1, ?3)"
	    " ON CONFLICT (name) DO UPDATE SET body = ?2,"
	    "  revision = revision + 1, updated = ?3"
	    " RETURNING revision";
	struct put_ctx *p = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, sql, &s, "saving a playlist");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, p->now);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = db_fail(db, "saving a playlist");
		goto out;
	}
	p->revision = sqlite3_column_int64(s, 0);
	p->created = p->revision == 1;
	rc = run_done(db, s, "saving a playlist");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_playlist_put(struct store *st, const char *name, const char *body,
		       int64_t now, bool *created, int64_t *revision)
{
	struct put_ctx p = {.name = name, .body = body, .now = now};
	int rc;

	if (!store_content_name_ok(name))
		return store_fail(STORE_INVALID, "a playlist name must be 1 to "
				  "%d of A-Z a-z 0-9 . _ -",
				  STORE_CONTENT_NAME_MAX);
	rc = store_with_conn(st, true, playlist_put_on, &p);
	if (!rc) {
		*created = p.created;
		*revision = p.revision;
	}
	return rc;
}

struct walk_ctx {
	const char *name;
	bool flag;
	int limit;
	store_playlist_fn pl;
	store_schedule_fn sc;
	store_group_fn gr;
	store_emergency_fn em;
	void *ctx;
};

static int playlist_walk_on(sqlite3 *db, void *ctx)
{
	struct walk_ctx *w = ctx;
	store_playlist_fn fn = w->pl;
	sqlite3_stmt *s = NULL;
	bool any = false;
	int rc, step;

	rc = prepare(db, "SELECT name, body, revision, updated FROM playlists"
		     " WHERE ?1 IS NULL OR name = ?1 ORDER BY name",
		     &s, "reading playlists");
	if (rc)
		goto out;
	bind_text_or_null(s, 1, w->name);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_playlist p = {
			.name = col_text(s, 0),
			.body = col_text(s, 1),
			.revision = sqlite3_column_int64(s, 2),
			.updated = sqlite3_column_int64(s, 3),
		};

		any = true;
		rc = fn(&p, w->ctx);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "reading playlists");
	else if (w->name && !any)
		rc = store_fail(STORE_NOT_FOUND, "no playlist '%s'", w->name);

out:
	sqlite3_finalize(s);
	return rc;
}

int store_playlist_walk(struct store *st, const char *name,
			store_playlist_fn fn, void *ctx)
{
	struct walk_ctx w = {.name = name, .pl = fn, .ctx = ctx};

	return store_with_conn(st, false, playlist_walk_on, &w);
}

static int playlist_delete_on(sqlite3 *db, void *ctx)
{
	const char *name = ctx;
	sqlite3_stmt *s = NULL;
	bool used = false;
	int rc;

	rc = begin(db);
	if (rc)
		return rc;
	rc = exists(db, "SELECT 1 FROM schedules JOIN playlists p"
		    " ON p.id = playlist_id WHERE p.name = ?1", name, &used);
	if (rc)
		goto out;
	if (used) {
		rc = store_fail(STORE_EXISTS, "playlist '%s' is in a schedule; "
				"delete the schedule first", name);
		goto out;
	}
	rc = prepare(db, "DELETE FROM playlists WHERE name = ?1", &s,
		     "deleting a playlist");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = run_done(db, s, "deleting a playlist");
	if (!rc && sqlite3_changes(db) == 0)
		rc = store_fail(STORE_NOT_FOUND, "no playlist '%s'", name);

out:
	sqlite3_finalize(s);
	return end(db, rc);
}

int store_playlist_delete(struct store *st, const char *name)
{
	return store_with_conn(st, true, playlist_delete_on, (void *)name);
}

/* --- schedules --------------------------------------------------------- */

/* "YYYY-MM-DD" naming a real date. */
static bool date_ok(const char *s)
{
	int y, m, d;
	char tail;

	if (!s)
		return true;
	if (strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	return g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y) &&
	       s[4] == '-' && s[7] == '-';
}

static int check_schedule(const struct store_schedule *s)
{
	if (!store_content_name_ok(s->playlist))
		return store_fail(STORE_INVALID, "the playlist name is not "
				  "a valid name");
	if (s->group && !store_content_name_ok(s->group))
		return store_fail(STORE_INVALID, "the group name is not a "
				  "valid name");
	if (!date_ok(s->date_from) || !date_ok(s->date_to))
		return store_fail(STORE_INVALID, "dates must be YYYY-MM-DD "
				  "and exist");
	if (s->date_from && s->date_to && strcmp(s->date_from, s->date_to) >= 0)
		return store_fail(STORE_INVALID, "from (%s) must come before "
				  "to (%s), which is excluded", s->date_from,
				  s->date_to);
	if (s->weekdays == 0 || s->weekdays > 127)
		return store_fail(STORE_INVALID, "a schedule needs at least "
				  "one weekday");
	if (s->start_min < 0 || s->start_min > 1440 || s->end_min < 0 ||
	    s->end_min > 1440)
		return store_fail(STORE_INVALID, "times of day must be "
				  "00:00 to 24:00");
	return STORE_OK;
}

struct add_ctx {
	const struct store_schedule *s;
	int64_t id;
};

static int schedule_add_on(sqlite3 *db, void *ctx)
{
	static const char sql[] =
	    "INSERT INTO schedules (playlist_id, group_name, date_from,"
	    "  date_to, weekdays, start_min, end_min, priority)"
	    " SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM playlists"
	    " WHERE name = ?1";
	struct add_ctx *a = ctx;
	const struct store_schedule *sc = a->s;
	sqlite3_stmt *s = NULL;
	bool found = true;
	int rc;

	rc = begin(db);
	if (rc)
		return rc;
	if (sc->group) {
		rc = exists(db, "SELECT 1 FROM display_groups WHERE name = ?1",
			    sc->group, &found);
		if (rc)
			goto out;
		if (!found) {
			rc = store_fail(STORE_NOT_FOUND, "no group '%s'",
					sc->group);
			goto out;
		}
	}
	rc = prepare(db, sql, &s, "adding a schedule");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, sc->playlist, -1, SQLITE_STATIC);
	bind_text_or_null(s, 2, sc->group);
	bind_text_or_null(s, 3, sc->date_from);
	bind_text_or_null(s, 4, sc->date_to);
	sqlite3_bind_int(s, 5, (int)sc->weekdays);
	sqlite3_bind_int(s, 6, sc->start_min);
	sqlite3_bind_int(s, 7, sc->end_min);
	sqlite3_bind_int(s, 8, sc->priority);
	rc = run_done(db, s, "adding a schedule");
	if (rc)
		goto out;
	if (sqlite3_changes(db) == 0) {
		rc = store_fail(STORE_NOT_FOUND, "no playlist '%s'",
				sc->playlist);
		goto out;
	}
	a->id = sqlite3_last_insert_rowid(db);

out:
	sqlite3_finalize(s);
	return end(db, rc);
}

int store_schedule_add(struct store *st, const struct store_schedule *s,
		       int64_t *id)
{
	struct add_ctx a = {.s = s};
	int rc;

	rc = check_schedule(s);
	if (!rc)
		rc = store_with_conn(st, true, schedule_add_on, &a);
	if (!rc)
		*id = a.id;
	return rc;
}

static int schedule_walk_on(sqlite3 *db, void *ctx)
{
	static const char sql[] =
	    "SELECT s.id, p.name, s.group_name, s.date_from, s.date_to,"
	    "  s.weekdays, s.start_min, s.end_min, s.priority"
	    " FROM schedules s JOIN playlists p ON p.id = s.playlist_id"
	    " WHERE ?1 = 0 OR s.group_name IS NULL OR s.group_name = ?2"
	    " ORDER BY s.id";
	struct walk_ctx *w = ctx;
	store_schedule_fn fn = w->sc;
	sqlite3_stmt *s = NULL;
	int rc, step;

	rc = prepare(db, sql, &s, "reading schedules");
	if (rc)
		goto out;
	sqlite3_bind_int(s, 1, w->flag);
	bind_text_or_null(s, 2, w->name);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_schedule sc = {
			.id = sqlite3_column_int64(s, 0),
			.playlist = col_text(s, 1),
			.group = col_text(s, 2),
			.date_from = col_text(s, 3),
			.date_to = col_text(s, 4),
			.weekdays = (unsigned)sqlite3_column_int(s, 5),
			.start_min = sqlite3_column_int(s, 6),
			.end_min = sqlite3_column_int(s, 7),
			.priority = sqlite3_column_int(s, 8),
		};

		rc = fn(&sc, w->ctx);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "reading schedules");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_schedule_walk(struct store *st, const char *group, bool for_group,
			store_schedule_fn fn, void *ctx)
{
	struct walk_ctx w = {.name = group, .flag = for_group, .sc = fn,
			     .ctx = ctx};

	return store_with_conn(st, false, schedule_walk_on, &w);
}

static int schedule_delete_on(sqlite3 *db, void *ctx)
{
	int64_t id = *(int64_t *)ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "DELETE FROM schedules WHERE id = ?1", &s,
		     "deleting a schedule");
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	rc = run_done(db, s, "deleting a schedule");
	if (!rc && sqlite3_changes(db) == 0)
		rc = store_fail(STORE_NOT_FOUND, "no schedule %lld",
				(long long)id);

out:
	sqlite3_finalize(s);
	return rc;
}

int store_schedule_delete(struct store *st, int64_t id)
{
	return store_with_conn(st, true, schedule_delete_on, &id);
}

/* --- display groups ---------------------------------------------------- */

struct group_put {
	const char *name, *tz;
	const char *const *ids;
	int n;
};

static int group_put_on(sqlite3 *db, void *ctx)
{
	struct group_put *g = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = begin(db);
	if (rc)
		return rc;
	rc = prepare(db, "INSERT INTO display_groups (name, tz) VALUES (?1, ?2)"
		     " ON CONFLICT (name) DO UPDATE SET tz = ?2", &s,
		     "saving a group");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, g->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, g->tz, -1, SQLITE_STATIC);
	rc = run_done(db, s, "saving a group");
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		goto out;

	rc = prepare(db, "DELETE FROM group_members WHERE group_name = ?1", &s,
		     "saving a group");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, g->name, -1, SQLITE_STATIC);
	rc = run_done(db, s, "saving a group");
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		goto out;

	/* A display is in one group: joining this one leaves another. */
	rc = prepare(db, "INSERT INTO group_members (display_id, group_name)"
		     " VALUES (?1, ?2) ON CONFLICT (display_id)"
		     " DO UPDATE SET group_name = ?2", &s, "saving a group");
	if (rc)
		goto out;
	for (int i = 0; i < g->n && !rc; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, g->ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, g->name, -1, SQLITE_STATIC);
		rc = run_done(db, s, "saving a group");
	}

out:
	sqlite3_finalize(s);
	return end(db, rc);
}

int store_group_put(struct store *st, const char *name, const char *tz,
		    const char *const *ids, int n)
{
	struct group_put g = {.name = name, .tz = tz, .ids = ids, .n = n};
	GTimeZone *z;

	if (!store_content_name_ok(name))
		return store_fail(STORE_INVALID, "a group name must be 1 to %d "
				  "of A-Z a-z 0-9 . _ -",
				  STORE_CONTENT_NAME_MAX);
	if (!tz || strcmp(tz, "UTC") != 0) {
		z = tz ? g_time_zone_new_identifier(tz) : NULL;
		if (!z)
			return store_fail(STORE_INVALID, "unknown time zone "
					  "'%s'", tz ? tz : "");
		g_time_zone_unref(z);
	}
	for (int i = 0; i < n; i++)
		if (!store_display_id_ok(ids[i]))
			return store_fail(STORE_INVALID, "display id %d is "
					  "not 1 to %d of A-Z a-z 0-9 . _ -",
					  i + 1, STORE_DISPLAY_ID_MAX);
	return store_with_conn(st, true, group_put_on, &g);
}

static int group_walk_on(sqlite3 *db, void *ctx)
{
	struct walk_ctx *w = ctx;
	store_group_fn fn = w->gr;
	sqlite3_stmt *s = NULL, *m = NULL;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	bool any = false;
	int rc, step;

	rc = prepare(db, "SELECT name, tz FROM display_groups"
		     " WHERE ?1 IS NULL OR name = ?1 ORDER BY name", &s,
		     "reading groups");
	if (!rc)
		rc = prepare(db, "SELECT display_id FROM group_members"
			     " WHERE group_name = ?1 ORDER BY display_id", &m,
			     "reading groups");
	if (rc)
		goto out;
	bind_text_or_null(s, 1, w->name);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_group g = {.name = col_text(s, 0),
					.tz = col_text(s, 1)};

		any = true;
		g_ptr_array_set_size(ids, 0);
		sqlite3_reset(m);
		sqlite3_bind_text(m, 1, g.name, -1, SQLITE_STATIC);
		while ((step = sqlite3_step(m)) == SQLITE_ROW)
			g_ptr_array_add(ids, g_strdup(col_text(m, 0)));
		if (step != SQLITE_DONE) {
			rc = db_fail(db, "reading groups");
			goto out;
		}
		g.displays = (const char *const *)ids->pdata;
		g.n_displays = (int)ids->len;
		rc = fn(&g, w->ctx);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "reading groups");
	else if (w->name && !any)
		rc = store_fail(STORE_NOT_FOUND, "no group '%s'", w->name);

out:
	g_ptr_array_free(ids, TRUE);
	sqlite3_finalize(m);
	sqlite3_finalize(s);
	return rc;
}

int store_group_walk(struct store *st, const char *name, store_group_fn fn,
		     void *ctx)
{
	struct walk_ctx w = {.name = name, .gr = fn, .ctx = ctx};

	return store_with_conn(st, false, group_walk_on, &w);
}

static int group_delete_on(sqlite3 *db, void *ctx)
{
	const char *name = ctx;
	static const char *const sql[] = {
	    "DELETE FROM group_members WHERE group_name = ?1",
	    "DELETE FROM display_groups WHERE name = ?1",
	};
	sqlite3_stmt *s = NULL;
	bool used = false;
	int rc;

	rc = begin(db);
	if (rc)
		return rc;
	rc = exists(db, "SELECT 1 FROM schedules WHERE group_name = ?1", name,
		    &used);
	if (!rc && used)
		rc = store_fail(STORE_EXISTS, "group '%s' has schedules; "
				"delete them first", name);
	/* A message in force for a group that is gone could never be
	 * cleared, and would come back with a group of the same name. */
	if (!rc)
		rc = exists(db, "SELECT 1 FROM emergency_log WHERE target = ?1"
			    " AND action = 'set' AND id = (SELECT max(id)"
			    " FROM emergency_log WHERE target = ?1)", name,
			    &used);
	if (!rc && used)
		rc = store_fail(STORE_EXISTS, "group '%s' has an emergency "
				"message in force; clear it first", name);
	for (size_t i = 0; i < G_N_ELEMENTS(sql) && !rc; i++) {
		rc = prepare(db, sql[i], &s, "deleting a group");
		if (rc)
			break;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		rc = run_done(db, s, "deleting a group");
		if (!rc && i == 1 && sqlite3_changes(db) == 0)
			rc = store_fail(STORE_NOT_FOUND, "no group '%s'", name);
		sqlite3_finalize(s);
		s = NULL;
	}
	return end(db, rc);
}

int store_group_delete(struct store *st, const char *name)
{
	return store_with_conn(st, true, group_delete_on, (void *)name);
}

struct group_of {
	const char *display;
	char *name, *tz;
};

static int group_of_on(sqlite3 *db, void *ctx)
{
	struct group_of *g = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	rc = prepare(db, "SELECT g.name, g.tz FROM group_members m"
		     " JOIN display_groups g ON g.name = m.group_name"
		     " WHERE m.display_id = ?1", &s, "finding a group");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, g->display, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		g_strlcpy(g->name, col_text(s, 0), STORE_CONTENT_NAME_MAX + 1);
		g_strlcpy(g->tz, col_text(s, 1), STORE_CONTENT_NAME_MAX + 1);
	} else if (step == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "display '%s' is in no "
				"group", g->display);
	} else {
		rc = db_fail(db, "finding a group");
	}

out:
	sqlite3_finalize(s);
	return rc;
}

int store_group_of(struct store *st, const char *display, char *name,
		   char *tz)
{
	struct group_of g = {.display = display, .name = name, .tz = tz};

	return store_with_conn(st, false, group_of_on, &g);
}

/* --- layer rules ------------------------------------------------------- */

static int layers_get_on(sqlite3 *db, void *ctx)
{
	char **body = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	rc = prepare(db, "SELECT body FROM layer_rules WHERE id = 1", &s,
		     "reading the layer rules");
	if (rc)
		goto out;
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*body = g_strdup(col_text(s, 0));
	else if (step == SQLITE_DONE)
		rc = store_fail(STORE_NOT_FOUND, "no layer rules set");
	else
		rc = db_fail(db, "reading the layer rules");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_layers_get(struct store *st, char **body)
{
	*body = NULL;
	return store_with_conn(st, false, layers_get_on, body);
}

struct layers_put {
	const char *body;
	int64_t now;
};

static int layers_put_on(sqlite3 *db, void *ctx)
{
	struct layers_put *l = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "INSERT INTO layer_rules (id, body, updated)"
		     " VALUES (1, ?1, ?2) ON CONFLICT (id)"
		     " DO UPDATE SET body = ?1, updated = ?2", &s,
		     "saving the layer rules");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, l->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, l->now);
	rc = run_done(db, s, "saving the layer rules");

out:
	sqlite3_finalize(s);
	return rc;
}

int store_layers_put(struct store *st, const char *body, int64_t now)
{
	struct layers_put l = {.body = body, .now = now};

	return store_with_conn(st, true, layers_put_on, &l);
}

/* --- emergency messages ------------------------------------------------ */

/* The newest row of each target: a set there is a message in force. */
#define ACTIVE_SQL                                                        \
	"SELECT id, target, action, message, actor, at FROM emergency_log e" \
	" WHERE id = (SELECT max(id) FROM emergency_log"                   \
	"             WHERE target = e.target) AND action = 'set'"

struct log_ctx {
	const struct store_emergency *e;
	int64_t id;
};

static int emergency_log_on(sqlite3 *db, void *ctx)
{
	struct log_ctx *l = ctx;
	const struct store_emergency *e = l->e;
	sqlite3_stmt *s = NULL;
	bool found = true;
	int rc;

	rc = begin(db);
	if (rc)
		return rc;
	if (strcmp(e->target, STORE_EMERGENCY_ALL) != 0) {
		rc = exists(db, "SELECT 1 FROM display_groups WHERE name = ?1",
			    e->target, &found);
		if (!rc && !found)
			rc = store_fail(STORE_NOT_FOUND, "no group '%s'",
					e->target);
		if (rc)
			goto out;
	}
	if (!e->set) {
		rc = exists(db, ACTIVE_SQL " AND target = ?1", e->target,
			    &found);
		if (!rc && !found)
			rc = store_fail(STORE_NOT_FOUND, "no emergency "
					"message is set for %s",
					strcmp(e->target, STORE_EMERGENCY_ALL)
					    ? e->target : "all displays");
		if (rc)
			goto out;
	}
	rc = prepare(db, "INSERT INTO emergency_log (target, action, message,"
		     " actor, at) VALUES (?1, ?2, ?3, ?4, ?5)", &s,
		     "logging an emergency message");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, e->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, e->set ? "set" : "clear", -1, SQLITE_STATIC);
	bind_text_or_null(s, 3, e->set ? e->message : NULL);
	sqlite3_bind_text(s, 4, e->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, e->at);
	rc = run_done(db, s, "logging an emergency message");
	if (!rc)
		l->id = sqlite3_last_insert_rowid(db);

out:
	sqlite3_finalize(s);
	return end(db, rc);
}

int store_emergency_log(struct store *st, const struct store_emergency *e,
			int64_t *id)
{
	struct log_ctx l = {.e = e};
	int rc;

	if (!e->target || (strcmp(e->target, STORE_EMERGENCY_ALL) != 0 &&
			   !store_content_name_ok(e->target)))
		return store_fail(STORE_INVALID, "the target must be '*' or "
				  "a group name");
	if (e->set && (!e->message || !*e->message ||
		       !g_utf8_validate(e->message, -1, NULL)))
		return store_fail(STORE_INVALID, "an emergency message needs "
				  "UTF-8 text");
	if (e->set && g_utf8_strlen(e->message, -1) > STORE_EMERGENCY_MAX)
		return store_fail(STORE_INVALID, "an emergency message has at "
				  "most %d characters, not %ld",
				  STORE_EMERGENCY_MAX,
				  (long)g_utf8_strlen(e->message, -1));
	if (!e->actor || !*e->actor)
		return store_fail(STORE_INVALID, "who sets or clears a "
				  "message must be named");
	rc = store_with_conn(st, true, emergency_log_on, &l);
	if (!rc && id)
		*id = l.id;
	return rc;
}

static int emergency_rows(sqlite3 *db, sqlite3_stmt *s, store_emergency_fn fn,
			  void *ctx)
{
	int rc = STORE_OK, step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_emergency e = {
			.id = sqlite3_column_int64(s, 0),
			.target = col_text(s, 1),
			.set = !strcmp(col_text(s, 2), "set"),
			.message = col_text(s, 3),
			.actor = col_text(s, 4),
			.at = sqlite3_column_int64(s, 5),
		};

		rc = fn(&e, ctx);
		if (rc)
			return rc;
	}
	return step == SQLITE_DONE ? STORE_OK
				   : db_fail(db, "reading emergency messages");
}

static int emergency_active_on(sqlite3 *db, void *ctx)
{
	struct walk_ctx *w = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, ACTIVE_SQL " AND (?1 = 0 OR target = '*'"
		     " OR target = ?2) ORDER BY id DESC", &s,
		     "reading emergency messages");
	if (rc)
		goto out;
	sqlite3_bind_int(s, 1, w->flag);
	bind_text_or_null(s, 2, w->name);
	rc = emergency_rows(db, s, w->em, w->ctx);

out:
	sqlite3_finalize(s);
	return rc;
}

int store_emergency_active(struct store *st, const char *group,
			   bool for_group, store_emergency_fn fn, void *ctx)
{
	struct walk_ctx w = {.name = group, .flag = for_group, .em = fn,
			     .ctx = ctx};

	return store_with_conn(st, false, emergency_active_on, &w);
}

static int emergency_history_on(sqlite3 *db, void *ctx)
{
	struct walk_ctx *w = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "SELECT id, target, action, message, actor, at"
		     " FROM emergency_log ORDER BY id DESC LIMIT ?1", &s,
		     "reading the emergency log");
	if (rc)
		goto out;
	sqlite3_bind_int(s, 1, w->limit);
	rc = emergency_rows(db, s, w->em, w->ctx);

out:
	sqlite3_finalize(s);
	return rc;
}

int store_emergency_history(struct store *st, int limit,
			    store_emergency_fn fn, void *ctx)
{
	struct walk_ctx w = {.limit = limit > 0 ? limit : 100, .em = fn,
			     .ctx = ctx};

	return store_with_conn(st, false, emergency_history_on, &w);
}
