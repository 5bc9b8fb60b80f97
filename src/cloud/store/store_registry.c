/*
 * store_registry.c - the credentials and life cycle of store_registry.h.
 *
 * Every function runs one callback on one of store.c's connections
 * (store_with_conn), so a write is one statement or one transaction
 * under the writer's lock, and a read sees the last commit.
 */
#include "cloud/store/store_registry.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "cloud/store/store_internal.h"
#include "cloud/store/store_rollup.h"
#include "cloud/units/units.h"
#include "core/timeutil.h"

/* --- randomness ---------------------------------------------------------- */

/*
 * One generator for the process, seeded once from the entropy source
 * (getrandom(2) underneath) and reseeded by CTR_DRBG itself at its
 * interval.  Its state is not thread-safe, hence the lock.
 */
static struct {
	pthread_mutex_t lock;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	bool seeded;
} rng = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int random_bytes(unsigned char *buf, size_t n)
{
	static const char pers[] = "akari credentials";
	int rc = 0;

	pthread_mutex_lock(&rng.lock);
	if (!rng.seeded) {
		mbedtls_entropy_init(&rng.entropy);
		mbedtls_ctr_drbg_init(&rng.drbg);
		rc = mbedtls_ctr_drbg_seed(&rng.drbg, mbedtls_entropy_func,
					   &rng.entropy,
					   (const unsigned char *)pers,
					   sizeof pers - 1);
		if (rc) {
			mbedtls_ctr_drbg_free(&rng.drbg);
			mbedtls_entropy_free(&rng.entropy);
		}
		rng.seeded = rc == 0;
	}
	if (!rc)
		rc = mbedtls_ctr_drbg_random(&rng.drbg, buf, n);
	pthread_mutex_unlock(&rng.lock);
	if (rc)
		return store_fail(STORE_IO, "no randomness for a token: "
				  "mbedTLS CTR_DRBG error -0x%04x",
				  (unsigned)-rc);
	return STORE_OK;
}

int store_token_new(char *token, size_t len)
{
	unsigned char raw[32];
	gchar *b64;
	size_t n;
	int rc;

	if (len < STORE_TOKEN_LEN + 1)
		return store_fail(STORE_INVALID, "token buffer too small");
	rc = random_bytes(raw, sizeof raw);
	if (rc)
		return rc;

	/* base64url without padding: 32 bytes give 43 characters. */
	b64 = g_base64_encode(raw, sizeof raw);
	for (n = 0; b64[n] && b64[n] != '='; n++)
		token[n] = b64[n] == '+' ? '-' : b64[n] == '/' ? '_' : b64[n];
	token[n] = '\0';
	g_free(b64);
	memset(raw, 0, sizeof raw);
	return STORE_OK;
}

/* --- helpers ------------------------------------------------------------- */

static char *token_hash(const char *token)
{
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

static int fail_db(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s,
		   const char *what)
{
	if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK)
		return fail_db(db, what);
	return STORE_OK;
}

/* A name that goes into JSON, URLs and log lines (as store.c's). */
static int check_name(const char *what, const char *s, size_t max)
{
	if (!s || !*s)
		return store_fail(STORE_INVALID, "%s is empty", what);
	if (!g_utf8_validate(s, -1, NULL))
		return store_fail(STORE_INVALID, "%s is not UTF-8 text", what);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return store_fail(STORE_INVALID,
					  "%s holds the control character "
					  "0x%02x",
					  what, (unsigned)(unsigned char)*c);
	if (strlen(s) >= max)
		return store_fail(STORE_INVALID,
				  "%s '%s' is longer than %zu bytes", what, s,
				  max - 1);
	return STORE_OK;
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src ? (const char *)src : "");
}

/* --- admin tokens -------------------------------------------------------- */

struct admin_add {
	const char *name, *hash;
};

static int admin_add_fn(sqlite3 *db, void *ctx)
{
	struct admin_add *c = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "INSERT INTO admin_tokens (name, token_hash) "
			 "VALUES (?1, ?2)",
		     &s, "adding an admin token");
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = STORE_OK;
	else if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
		rc = store_fail(STORE_EXISTS, "an admin token named '%s' "
				"exists", c->name);
	else
		rc = fail_db(db, "adding an admin token");
	sqlite3_finalize(s);
	return rc;
}

int store_admin_token_add(struct store *st, const char *name, char *token,
			  size_t len)
{
	struct admin_add c = {.name = name};
	char *hash = NULL;
	int rc;

	rc = check_name("admin token name", name, 64);
	if (!rc)
		rc = store_token_new(token, len);
	if (rc)
		return rc;
	hash = token_hash(token);
	c.hash = hash;
	rc = store_with_conn(st, true, admin_add_fn, &c);
	g_free(hash);
	if (rc)
		memset(token, 0, len);
	return rc;
}

static int admin_revoke_fn(sqlite3 *db, void *ctx)
{
	const char *name = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "UPDATE admin_tokens SET revoked = unixepoch() "
			 "WHERE name = ?1 AND revoked IS NULL",
		     &s, "revoking an admin token");
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = fail_db(db, "revoking an admin token");
	else if (sqlite3_changes(db) == 0)
		rc = store_fail(STORE_NOT_FOUND, "no valid admin token named "
				"'%s'", name);
	sqlite3_finalize(s);
	return rc;
}

int store_admin_token_revoke(struct store *st, const char *name)
{
	return store_with_conn(st, true, admin_revoke_fn, (void *)name);
}

struct admin_list {
	GArray *all;
};

static int admin_list_fn(sqlite3 *db, void *ctx)
{
	struct admin_list *c = ctx;
	struct store_admin_token t;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "SELECT id, name, created, coalesce(revoked, 0) "
			 "FROM admin_tokens ORDER BY name",
		     &s, "listing admin tokens");
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&t, 0, sizeof t);
		t.id = sqlite3_column_int64(s, 0);
		copy_text(t.name, sizeof t.name, sqlite3_column_text(s, 1));
		t.created = sqlite3_column_int64(s, 2);
		t.revoked = sqlite3_column_int64(s, 3);
		g_array_append_val(c->all, t);
	}
	rc = rc == SQLITE_DONE ? STORE_OK
			       : fail_db(db, "listing admin tokens");
	sqlite3_finalize(s);
	return rc;
}

int store_admin_tokens_each(struct store *st, store_admin_fn fn, void *ctx)
{
	struct admin_list c = {
	    .all = g_array_new(FALSE, FALSE, sizeof(struct store_admin_token))};
	int rc;

	rc = store_with_conn(st, false, admin_list_fn, &c);
	for (guint i = 0; !rc && i < c.all->len; i++)
		if (fn(&g_array_index(c.all, struct store_admin_token, i),
		       ctx))
			break;
	g_array_free(c.all, TRUE);
	return rc;
}

struct admin_auth {
	const char *hash;
	char *name;
	size_t len;
};

static int admin_auth_fn(sqlite3 *db, void *ctx)
{
	struct admin_auth *c = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "SELECT name, revoked FROM admin_tokens "
			 "WHERE token_hash = ?1",
		     &s, "checking an admin token");
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, c->hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_text(c->name, c->len, sqlite3_column_text(s, 0));
		rc = sqlite3_column_type(s, 1) == SQLITE_NULL
			 ? STORE_OK
			 : store_fail(STORE_NOT_FOUND, "the admin token '%s' "
				      "is revoked", c->name);
	} else if (rc == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "the admin token is not "
				"known to this server");
	} else {
		rc = fail_db(db, "checking an admin token");
	}
	sqlite3_finalize(s);
	return rc;
}

int store_admin_auth(struct store *st, const char *token, char *name,
		     size_t len)
{
	struct admin_auth c = {.name = name, .len = len};
	char *hash;
	int rc;

	if (!token || !*token)
		return store_fail(STORE_NOT_FOUND, "no admin token given");
	hash = token_hash(token);
	c.hash = hash;
	rc = store_with_registry(st, false, admin_auth_fn, &c);
	g_free(hash);
	return rc;
}

/* --- transactions and lookups on the writer ------------------------------ */

static int exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(db, sql);
	return STORE_OK;
}

/* Ends the transaction of a write: COMMIT after rc STORE_OK, else
 * ROLLBACK with the failure's message kept. */
static int finish_tx(sqlite3 *db, int rc)
{
	if (!rc) {
		rc = exec(db, "COMMIT");
		if (!rc)
			return STORE_OK;
	}
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Steps a statement that changes rows: a clash on a unique column is
 * STORE_EXISTS (the caller describes it). */
static int step_write(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) == SQLITE_DONE)
		return STORE_OK;
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_EXISTS;
	return fail_db(db, what);
}

/* One integer-returning query with up to two text parameters and one
 * integer one; STORE_NOT_FOUND when it gives no row. */
static int query_int(sqlite3 *db, const char *sql, const char *t1,
		     const char *t2, int64_t i3, int64_t *out,
		     const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, sql, &s, what);
	if (rc)
		return rc;
	if (t1)
		sqlite3_bind_text(s, 1, t1, -1, SQLITE_STATIC);
	if (t2)
		sqlite3_bind_text(s, 2, t2, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, i3);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = STORE_OK;
	} else {
		rc = rc == SQLITE_DONE ? STORE_NOT_FOUND : fail_db(db, what);
	}
	sqlite3_finalize(s);
	return rc;
}

/* The id of site name, and when it was retired (0: in service). */
static int find_site(sqlite3 *db, const char *name, int64_t *id,
		     int64_t *retired)
{
	int rc;

	rc = query_int(db, "SELECT id FROM sites WHERE name = ?1", name, NULL,
		       0, id, "looking up a site");
	if (rc == STORE_NOT_FOUND)
		return store_fail(rc, "no site named '%s'", name);
	if (!rc)
		rc = query_int(db, "SELECT coalesce(retired, 0) FROM sites "
				   "WHERE id = ?3",
			       NULL, NULL, *id, retired, "looking up a site");
	return rc;
}

static int find_device(sqlite3 *db, const char *site, const char *name,
		       int64_t *id, int64_t *retired)
{
	int rc;

	rc = query_int(db, "SELECT d.id FROM devices d JOIN sites s ON "
			   "s.id = d.site_id WHERE s.name = ?1 AND "
			   "d.name = ?2",
		       site, name, 0, id, "looking up a device");
	if (rc == STORE_NOT_FOUND)
		return store_fail(rc, "no device '%s' on site '%s'", name,
				  site);
	if (!rc)
		rc = query_int(db, "SELECT coalesce(retired, 0) FROM devices "
				   "WHERE id = ?3",
			       NULL, NULL, *id, retired,
			       "looking up a device");
	return rc;
}

static int find_point(sqlite3 *db, const char *key, int64_t *id,
		      int64_t *retired)
{
	int rc;

	rc = query_int(db, "SELECT id FROM points WHERE key = ?1", key, NULL,
		       0, id, "looking up a point");
	if (rc == STORE_NOT_FOUND)
		return store_fail(rc, "no point '%s'", key);
	if (!rc)
		rc = query_int(db, "SELECT coalesce(retired, 0) FROM points "
				   "WHERE id = ?3",
			       NULL, NULL, *id, retired, "looking up a point");
	return rc;
}

/* --- sites --------------------------------------------------------------- */

#define SITE_INFO_SELECT                                                  \
	"SELECT s.id, s.name, s.kind, s.tz, coalesce(s.parent_id, 0), "   \
	"coalesce(p.name, ''), s.created, coalesce(s.retired, 0) "        \
	"FROM sites s LEFT JOIN sites p ON p.id = s.parent_id "

static void site_info_from_row(sqlite3_stmt *s, struct store_site_info *o)
{
	memset(o, 0, sizeof *o);
	o->site.id = sqlite3_column_int64(s, 0);
	copy_text(o->site.name, sizeof o->site.name,
		  sqlite3_column_text(s, 1));
	copy_text(o->site.kind, sizeof o->site.kind,
		  sqlite3_column_text(s, 2));
	copy_text(o->site.tz, sizeof o->site.tz, sqlite3_column_text(s, 3));
	o->site.parent_id = sqlite3_column_int64(s, 4);
	copy_text(o->parent, sizeof o->parent, sqlite3_column_text(s, 5));
	o->created = sqlite3_column_int64(s, 6);
	o->retired = sqlite3_column_int64(s, 7);
}

/* A walk's rows, collected under the lock for fn to see unlocked. */
struct walk {
	const char *key;	/* a name to select by, or NULL */
	bool with_retired;
	GArray *all;
};

static int site_get_fn(sqlite3 *db, void *ctx)
{
	struct walk *w = ctx;
	struct store_site_info info;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, SITE_INFO_SELECT "WHERE s.name = ?1", &s,
		     "reading a site");
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, w->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		site_info_from_row(s, &info);
		g_array_append_val(w->all, info);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "no site named '%s'", w->key);
	} else {
		rc = fail_db(db, "reading a site");
	}
	sqlite3_finalize(s);
	return rc;
}

int store_site_info_get(struct store *st, const char *name,
			struct store_site_info *out)
{
	struct walk w = {.key = name};
	int rc;

	w.all = g_array_new(FALSE, FALSE, sizeof *out);
	rc = store_with_conn(st, false, site_get_fn, &w);
	if (!rc)
		*out = g_array_index(w.all, struct store_site_info, 0);
	g_array_free(w.all, TRUE);
	return rc;
}

static int sites_list_fn(sqlite3 *db, void *ctx)
{
	struct walk *w = ctx;
	struct store_site_info info;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, SITE_INFO_SELECT "WHERE ?1 OR s.retired IS NULL "
					  "ORDER BY s.name",
		     &s, "listing sites");
	if (rc)
		return rc;
	sqlite3_bind_int(s, 1, w->with_retired);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		site_info_from_row(s, &info);
		g_array_append_val(w->all, info);
	}
	rc = rc == SQLITE_DONE ? STORE_OK : fail_db(db, "listing sites");
	sqlite3_finalize(s);
	return rc;
}

int store_sites_list(struct store *st, bool with_retired,
		     store_site_info_fn fn, void *ctx)
{
	struct walk w = {.with_retired = with_retired};
	int rc;

	w.all = g_array_new(FALSE, FALSE, sizeof(struct store_site_info));
	rc = store_with_conn(st, false, sites_list_fn, &w);
	for (guint i = 0; !rc && i < w.all->len; i++)
		if (fn(&g_array_index(w.all, struct store_site_info, i), ctx))
			break;
	g_array_free(w.all, TRUE);
	return rc;
}

struct site_change_ctx {
	const char *name;
	const struct store_site_change *c;
};

/* Whether making parent_id the parent of id would close a loop. */
static int parent_loops(sqlite3 *db, int64_t id, int64_t parent_id,
			bool *loops)
{
	int64_t at = parent_id;
	int rc = STORE_OK;

	*loops = false;
	for (int depth = 0; at && depth < 1000; depth++) {
		if (at == id) {
			*loops = true;
			return STORE_OK;
		}
		rc = query_int(db, "SELECT coalesce(parent_id, 0) FROM sites "
				   "WHERE id = ?3",
			       NULL, NULL, at, &at, "walking site parents");
		if (rc)
			return rc == STORE_NOT_FOUND ? STORE_OK : rc;
	}
	return rc;
}

/*
 * Rebuilds the rollups of every point of site id, inside the caller's
 * transaction: its local days and months were cut in the zone it had.
 * The ids are read first, since the rebuild writes on db.
 */
static int rebuild_site_rollups(sqlite3 *db, int64_t id)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sqlite3_stmt *s = NULL;
	int rc, step;

	rc = prepare(db, "SELECT id FROM points WHERE site_id = ?1", &s,
		     "listing a site's points");
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t p = sqlite3_column_int64(s, 0);

		g_array_append_val(ids, p);
	}
	if (step != SQLITE_DONE)
		rc = fail_db(db, "listing a site's points");
	for (guint i = 0; !rc && i < ids->len; i++)
		rc = store_rollup_rebuild_db(db,
					     g_array_index(ids, int64_t, i));
out:
	sqlite3_finalize(s);
	g_array_free(ids, TRUE);
	return rc;
}

static int site_change_fn(sqlite3 *db, void *ctx)
{
	struct site_change_ctx *x = ctx;
	const struct store_site_change *c = x->c;
	int64_t id, retired, parent_id = 0, pretired;
	sqlite3_stmt *s = NULL;
	bool loops;
	int rc;

	rc = exec(db, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	rc = find_site(db, x->name, &id, &retired);
	if (!rc && retired)
		rc = store_fail(STORE_CONFLICT, "site '%s' is retired",
				x->name);
	if (!rc && c->parent && *c->parent) {
		rc = find_site(db, c->parent, &parent_id, &pretired);
		if (rc == STORE_NOT_FOUND)
			rc = store_fail(rc, "parent: no site named '%s'",
					c->parent);
		else if (!rc && pretired)
			rc = store_fail(STORE_CONFLICT, "parent: site '%s' is "
					"retired", c->parent);
		if (!rc)
			rc = parent_loops(db, id, parent_id, &loops);
		if (!rc && loops)
			rc = store_fail(STORE_CONFLICT, "parent: site '%s' is "
					"'%s' or inside it; a site cannot "
					"contain itself",
					c->parent, x->name);
	}
	if (!rc)
		rc = prepare(db, "UPDATE sites SET name = coalesce(?2, name), "
				 "kind = coalesce(?3, kind), "
				 "tz = coalesce(?4, tz), "
				 "parent_id = CASE WHEN ?5 THEN ?6 "
				 "ELSE parent_id END WHERE id = ?1",
			     &s, "changing a site");
	if (!rc) {
		sqlite3_bind_int64(s, 1, id);
		if (c->name)
			sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
		if (c->kind)
			sqlite3_bind_text(s, 3, c->kind, -1, SQLITE_STATIC);
		if (c->tz)
			sqlite3_bind_text(s, 4, c->tz, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 5, c->parent != NULL);
		if (parent_id)
			sqlite3_bind_int64(s, 6, parent_id);
		rc = step_write(db, s, "changing a site");
		if (rc == STORE_EXISTS)
			store_fail(rc, "name: a site named '%s' exists",
				   c->name);
	}
	if (!rc && c->tz)
		rc = rebuild_site_rollups(db, id);
	sqlite3_finalize(s);
	return finish_tx(db, rc);
}

int store_site_change(struct store *st, const char *name,
		      const struct store_site_change *c)
{
	struct site_change_ctx x = {.name = name, .c = c};
	struct store_site probe;
	GTimeZone *zone;
	int rc = STORE_OK;

	if (c->name)
		rc = check_name("name", c->name, sizeof probe.name);
	/* As in store_site_add(): API paths hold the name. */
	if (!rc && c->name && strchr(c->name, '/'))
		rc = store_fail(STORE_INVALID, "name '%s' holds a '/'",
				c->name);
	if (!rc && c->kind)
		rc = check_name("kind", c->kind, sizeof probe.kind);
	if (!rc && c->tz)
		rc = check_name("tz", c->tz, sizeof probe.tz);
	if (!rc && c->parent && *c->parent)
		rc = check_name("parent", c->parent, sizeof probe.name);
	if (rc)
		return rc;
	if (c->tz) {
		zone = core_tz_new(c->tz);
		if (!zone)
			return store_fail(STORE_INVALID, "tz: unknown time "
					  "zone '%s'", c->tz);
		g_time_zone_unref(zone);
	}
	return store_registry_changed(
	    store_with_conn(st, true, site_change_fn, &x));
}

static int site_retire_fn(sqlite3 *db, void *ctx)
{
	const char *name = ctx;
	int64_t id, retired, devices = 0, points = 0, sites = 0;
	int rc;

	rc = exec(db, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	rc = find_site(db, name, &id, &retired);
	if (!rc && retired)
		rc = store_fail(STORE_CONFLICT, "site '%s' is already retired",
				name);
	if (!rc)
		rc = query_int(db, "SELECT count(*) FROM devices WHERE "
				   "site_id = ?3 AND retired IS NULL",
			       NULL, NULL, id, &devices, "retiring a site");
	if (!rc)
		rc = query_int(db, "SELECT count(*) FROM points WHERE "
				   "site_id = ?3 AND retired IS NULL",
			       NULL, NULL, id, &points, "retiring a site");
	if (!rc)
		rc = query_int(db, "SELECT count(*) FROM sites WHERE "
				   "parent_id = ?3 AND retired IS NULL",
			       NULL, NULL, id, &sites, "retiring a site");
	if (!rc && (devices || points || sites))
		rc = store_fail(STORE_CONFLICT,
				"site '%s' still has %lld devices, %lld "
				"points and %lld child sites in service; "
				"retire them first",
				name, (long long)devices, (long long)points,
				(long long)sites);
	if (!rc)
		rc = query_int(db, "UPDATE sites SET retired = unixepoch() "
				   "WHERE id = ?3 RETURNING id",
			       NULL, NULL, id, &id, "retiring a site");
	return finish_tx(db, rc);
}

int store_site_retire(struct store *st, const char *name)
{
	return store_registry_changed(
	    store_with_conn(st, true, site_retire_fn, (void *)name));
}

/* --- devices ------------------------------------------------------------- */

#define DEVICE_SELECT                                                     \
	"SELECT d.id, d.site_id, s.name, d.name, d.kind, d.created, "     \
	"coalesce(d.retired, 0), coalesce(d.token_revoked, 0), "          \
	"coalesce(d.last_seen, 0), d.hmac_secret, "                       \
	"coalesce(d.rate_per_s, 0), coalesce(d.burst, 0), "               \
	"coalesce(d.max_body, 0) FROM devices d "                         \
	"JOIN sites s ON s.id = d.site_id "

static void device_from_row(sqlite3_stmt *s, struct store_device *d,
			    bool with_secret)
{
	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(s, 0);
	d->site_id = sqlite3_column_int64(s, 1);
	copy_text(d->site, sizeof d->site, sqlite3_column_text(s, 2));
	copy_text(d->name, sizeof d->name, sqlite3_column_text(s, 3));
	copy_text(d->kind, sizeof d->kind, sqlite3_column_text(s, 4));
	d->created = sqlite3_column_int64(s, 5);
	d->retired = sqlite3_column_int64(s, 6);
	d->token_revoked = sqlite3_column_int64(s, 7);
	d->last_seen = sqlite3_column_int64(s, 8);
	d->signing = sqlite3_column_type(s, 9) != SQLITE_NULL;
	if (with_secret)
		copy_text(d->secret, sizeof d->secret,
			  sqlite3_column_text(s, 9));
	d->rate_per_s = sqlite3_column_double(s, 10);
	d->burst = sqlite3_column_int64(s, 11);
	d->max_body = sqlite3_column_int64(s, 12);
}

struct device_walk {
	const char *site, *name;	/* one device, or all of a site */
	bool with_retired;
	GArray *all;
};

static int devices_fn(sqlite3 *db, void *ctx)
{
	struct device_walk *w = ctx;
	struct store_device d;
	sqlite3_stmt *s = NULL;
	int64_t sid, sretired;
	int rc;

	if (w->site && !w->name) {
		rc = find_site(db, w->site, &sid, &sretired);
		if (rc)
			return rc;
	}
	rc = prepare(db, DEVICE_SELECT
		     "WHERE (?1 IS NULL OR s.name = ?1) AND "
		     "(?2 IS NULL OR d.name = ?2) AND "
		     "(?3 OR d.retired IS NULL) ORDER BY s.name, d.name",
		     &s, "listing devices");
	if (rc)
		return rc;
	if (w->site)
		sqlite3_bind_text(s, 1, w->site, -1, SQLITE_STATIC);
	if (w->name)
		sqlite3_bind_text(s, 2, w->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, w->with_retired || w->name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		device_from_row(s, &d, false);
		g_array_append_val(w->all, d);
	}
	rc = rc == SQLITE_DONE ? STORE_OK : fail_db(db, "listing devices");
	sqlite3_finalize(s);
	if (!rc && w->name && w->all->len == 0)
		rc = store_fail(STORE_NOT_FOUND, "no device '%s' on site '%s'",
				w->name, w->site);
	return rc;
}

int store_device_get(struct store *st, const char *site, const char *name,
		     struct store_device *out)
{
	struct device_walk w = {.site = site, .name = name};
	int rc;

	w.all = g_array_new(FALSE, FALSE, sizeof *out);
	rc = store_with_conn(st, false, devices_fn, &w);
	if (!rc)
		*out = g_array_index(w.all, struct store_device, 0);
	g_array_free(w.all, TRUE);
	return rc;
}

int store_devices_list(struct store *st, const char *site,
		       bool with_retired, store_device_fn fn, void *ctx)
{
	struct device_walk w = {.site = site, .with_retired = with_retired};
	int rc;

	w.all = g_array_new(FALSE, FALSE, sizeof(struct store_device));
	rc = store_with_conn(st, false, devices_fn, &w);
	for (guint i = 0; !rc && i < w.all->len; i++)
		if (fn(&g_array_index(w.all, struct store_device, i), ctx))
			break;
	g_array_free(w.all, TRUE);
	return rc;
}

/* What one of the device writes below does, with its arguments. */
enum device_op {
	DEVICE_CHANGE,
	DEVICE_RETIRE,
	DEVICE_ROTATE,
	DEVICE_REVOKE,
	DEVICE_SECRET,
	DEVICE_UNSIGN,
};

struct device_write {
	enum device_op op;
	const char *site, *name;
	const struct store_device_change *c;
	const char *text;	/* the new token's hash, or the secret */
};

static int device_change(sqlite3 *db, const struct device_write *x,
			 int64_t id)
{
	const struct store_device_change *c = x->c;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, "UPDATE devices SET name = coalesce(?2, name), "
			 "kind = coalesce(?3, kind), "
			 "rate_per_s = CASE WHEN ?4 THEN nullif(?5, 0.0) "
			 "ELSE rate_per_s END, "
			 "burst = CASE WHEN ?6 THEN nullif(?7, 0) "
			 "ELSE burst END, "
			 "max_body = CASE WHEN ?8 THEN nullif(?9, 0) "
			 "ELSE max_body END WHERE id = ?1",
		     &s, "changing a device");
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	if (c->name)
		sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
	if (c->kind)
		sqlite3_bind_text(s, 3, c->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, c->rate_per_s != NULL);
	sqlite3_bind_double(s, 5, c->rate_per_s ? *c->rate_per_s : 0);
	sqlite3_bind_int(s, 6, c->burst != NULL);
	sqlite3_bind_int64(s, 7, c->burst ? *c->burst : 0);
	sqlite3_bind_int(s, 8, c->max_body != NULL);
	sqlite3_bind_int64(s, 9, c->max_body ? *c->max_body : 0);
	rc = step_write(db, s, "changing a device");
	if (rc == STORE_EXISTS)
		store_fail(rc, "name: site '%s' has a device named '%s'",
			   x->site, c->name);
	sqlite3_finalize(s);
	return rc;
}

static int device_write_fn(sqlite3 *db, void *ctx)
{
	const struct device_write *x = ctx;
	int64_t id, retired, flag = 0, one;
	const char *sql = NULL;
	int rc;

	rc = exec(db, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	rc = find_device(db, x->site, x->name, &id, &retired);
	if (!rc && retired)
		rc = store_fail(STORE_CONFLICT, "device '%s' on site '%s' is "
				"%sretired", x->name, x->site,
				x->op == DEVICE_RETIRE ? "already " : "");
	if (rc)
		return finish_tx(db, rc);

	switch (x->op) {
	case DEVICE_CHANGE:
		rc = device_change(db, x, id);
		break;
	case DEVICE_RETIRE:
		sql = "UPDATE devices SET retired = unixepoch() WHERE id = ?3 "
		      "RETURNING id";
		break;
	case DEVICE_ROTATE:
		sql = "UPDATE devices SET token_hash = ?1, token_revoked = "
		      "NULL WHERE id = ?3 RETURNING id";
		break;
	case DEVICE_REVOKE:
		rc = query_int(db, "SELECT token_revoked IS NOT NULL FROM "
				   "devices WHERE id = ?3",
			       NULL, NULL, id, &flag, "revoking a token");
		if (!rc && flag)
			rc = store_fail(STORE_CONFLICT, "the token of device "
					"'%s' on site '%s' is already revoked",
					x->name, x->site);
		sql = "UPDATE devices SET token_revoked = unixepoch() "
		      "WHERE id = ?3 RETURNING id";
		break;
	case DEVICE_SECRET:
		sql = "UPDATE devices SET hmac_secret = ?1 WHERE id = ?3 "
		      "RETURNING id";
		break;
	case DEVICE_UNSIGN:
		rc = query_int(db, "SELECT hmac_secret IS NULL FROM devices "
				   "WHERE id = ?3",
			       NULL, NULL, id, &flag, "ending signing");
		if (!rc && flag)
			rc = store_fail(STORE_CONFLICT, "device '%s' on site "
					"'%s' does not sign its requests",
					x->name, x->site);
		sql = "UPDATE devices SET hmac_secret = NULL WHERE id = ?3 "
		      "RETURNING id";
		break;
	}
	if (!rc && sql) {
		rc = query_int(db, sql, x->text, NULL, id, &one,
			       "changing a device");
		if (rc == STORE_EXISTS || rc == STORE_IO)
			rc = store_fail(STORE_IO, "changing device '%s' on "
					"site '%s': %s", x->name, x->site,
					sqlite3_errmsg(db));
	}
	return finish_tx(db, rc);
}

static int device_write(struct store *st, struct device_write *x)
{
	return store_with_conn(st, true, device_write_fn, x);
}

int store_device_change(struct store *st, const char *site,
			const char *name, const struct store_device_change *c)
{
	struct device_write x = {DEVICE_CHANGE, site, name, c, NULL};
	int rc = STORE_OK;

	if (c->name)
		rc = check_name("name", c->name, 64);
	/* As in store_device_add(): API paths hold the name. */
	if (!rc && c->name && strchr(c->name, '/'))
		rc = store_fail(STORE_INVALID, "name '%s' holds a '/'",
				c->name);
	if (!rc && c->kind)
		rc = check_name("kind", c->kind, 32);
	if (!rc && c->rate_per_s &&
	    !(*c->rate_per_s >= 0 && *c->rate_per_s <= 1e6))
		rc = store_fail(STORE_INVALID, "rate_per_s %g is not from 0 "
				"to 1000000", *c->rate_per_s);
	if (!rc && c->burst && (*c->burst < 0 || *c->burst > 1000000))
		rc = store_fail(STORE_INVALID, "burst %lld is not from 0 to "
				"1000000", (long long)*c->burst);
	if (!rc && c->max_body && *c->max_body < 0)
		rc = store_fail(STORE_INVALID, "max_body %lld is negative",
				(long long)*c->max_body);
	if (rc)
		return rc;
	return device_write(st, &x);
}

int store_device_retire(struct store *st, const char *site,
			const char *name)
{
	struct device_write x = {DEVICE_RETIRE, site, name, NULL, NULL};

	return device_write(st, &x);
}

int store_device_token_rotate(struct store *st, const char *site,
			      const char *name, char *token, size_t len)
{
	struct device_write x = {DEVICE_ROTATE, site, name, NULL, NULL};
	char *hash;
	int rc;

	rc = store_token_new(token, len);
	if (rc)
		return rc;
	hash = token_hash(token);
	x.text = hash;
	rc = device_write(st, &x);
	g_free(hash);
	if (rc)
		memset(token, 0, len);
	return rc;
}

int store_device_token_revoke(struct store *st, const char *site,
			      const char *name)
{
	struct device_write x = {DEVICE_REVOKE, site, name, NULL, NULL};

	return device_write(st, &x);
}

int store_device_secret_new(struct store *st, const char *site,
			    const char *name, char *secret, size_t len)
{
	struct device_write x = {DEVICE_SECRET, site, name, NULL, secret};
	int rc;

	rc = store_token_new(secret, len);
	if (!rc)
		rc = device_write(st, &x);
	if (rc)
		memset(secret, 0, len);
	return rc;
}

int store_device_secret_clear(struct store *st, const char *site,
			      const char *name)
{
	struct device_write x = {DEVICE_UNSIGN, site, name, NULL, NULL};

	return device_write(st, &x);
}

struct device_auth {
	const char *hash;
	struct store_device *out;
};

static int device_auth_fn(sqlite3 *db, void *ctx)
{
	struct device_auth *x = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, DEVICE_SELECT "WHERE d.token_hash = ?1", &s,
		     "checking a device token");
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, x->hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		device_from_row(s, x->out, true);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "the device token is not "
				"known to this server");
	} else {
		rc = fail_db(db, "checking a device token");
	}
	sqlite3_finalize(s);
	if (!rc && x->out->retired)
		rc = store_fail(STORE_CONFLICT, "device '%s' on site '%s' is "
				"retired", x->out->name, x->out->site);
	else if (!rc && x->out->token_revoked)
		rc = store_fail(STORE_CONFLICT, "the token of device '%s' on "
				"site '%s' is revoked",
				x->out->name, x->out->site);
	return rc;
}

int store_device_auth_full(struct store *st, const char *token,
			   struct store_device *out)
{
	struct device_auth x = {.out = out};
	char *hash;
	int rc;

	memset(out, 0, sizeof *out);
	if (!token || !*token)
		return store_fail(STORE_NOT_FOUND, "no device token given");
	hash = token_hash(token);
	x.hash = hash;
	rc = store_with_registry(st, false, device_auth_fn, &x);
	g_free(hash);
	if (rc)
		memset(out->secret, 0, sizeof out->secret);
	return rc;
}

struct touch {
	const int64_t *ids, *seen;
	size_t n;
};

static int touch_fn(sqlite3 *db, void *ctx)
{
	struct touch *x = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	/* Called from request threads: while another program holds the
	 * write lock, give up at once and let the caller retry later
	 * rather than keep a device waiting. */
	sqlite3_busy_timeout(db, 0);
	rc = exec(db, "BEGIN IMMEDIATE");
	if (!rc)
		rc = prepare(db, "UPDATE devices SET last_seen = "
				 "max(coalesce(last_seen, 0), ?2) "
				 "WHERE id = ?1",
			     &s, "recording when devices were seen");
	for (size_t i = 0; !rc && i < x->n; i++) {
		sqlite3_bind_int64(s, 1, x->ids[i]);
		sqlite3_bind_int64(s, 2, x->seen[i]);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = fail_db(db, "recording when devices were seen");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	rc = finish_tx(db, rc);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	return rc;
}

int store_devices_touch(struct store *st, const int64_t *ids,
			const int64_t *seen, size_t n)
{
	struct touch x = {ids, seen, n};

	if (!n)
		return STORE_OK;
	return store_with_registry(st, true, touch_fn, &x);
}

/* --- points -------------------------------------------------------------- */

#define POINT_INFO_SELECT STORE_POINT_SELECT

static void point_info_from_row(sqlite3_stmt *s, struct store_point_info *o)
{
	memset(o, 0, sizeof *o);
	store_point_from_row(s, &o->point);
	o->retired = o->point.retired;
}

struct point_walk {
	const char *site, *key;
	bool with_retired;
	GArray *all;
};

static int points_fn(sqlite3 *db, void *ctx)
{
	struct point_walk *w = ctx;
	struct store_point_info p;
	sqlite3_stmt *s = NULL;
	int64_t sid, sretired;
	int rc;

	if (w->site) {
		rc = find_site(db, w->site, &sid, &sretired);
		if (rc)
			return rc;
	}
	rc = prepare(db, POINT_INFO_SELECT
		     "WHERE (?1 IS NULL OR s.name = ?1) AND "
		     "(?2 IS NULL OR p.key = ?2) AND "
		     "(?3 OR p.retired IS NULL) ORDER BY p.key",
		     &s, "listing points");
	if (rc)
		return rc;
	if (w->site)
		sqlite3_bind_text(s, 1, w->site, -1, SQLITE_STATIC);
	if (w->key)
		sqlite3_bind_text(s, 2, w->key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, w->with_retired || w->key);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		point_info_from_row(s, &p);
		g_array_append_val(w->all, p);
	}
	rc = rc == SQLITE_DONE ? STORE_OK : fail_db(db, "listing points");
	sqlite3_finalize(s);
	if (!rc && w->key && w->all->len == 0)
		rc = store_fail(STORE_NOT_FOUND, "no point '%s'", w->key);
	return rc;
}

int store_point_info_get(struct store *st, const char *key,
			 struct store_point_info *out)
{
	struct point_walk w = {.key = key};
	int rc;

	w.all = g_array_new(FALSE, FALSE, sizeof *out);
	rc = store_with_conn(st, false, points_fn, &w);
	if (!rc)
		*out = g_array_index(w.all, struct store_point_info, 0);
	g_array_free(w.all, TRUE);
	return rc;
}

int store_points_list(struct store *st, const char *site,
		      bool with_retired, store_point_info_fn fn, void *ctx)
{
	struct point_walk w = {.site = site, .with_retired = with_retired};
	int rc;

	w.all = g_array_new(FALSE, FALSE, sizeof(struct store_point_info));
	rc = store_with_conn(st, false, points_fn, &w);
	for (guint i = 0; !rc && i < w.all->len; i++)
		if (fn(&g_array_index(w.all, struct store_point_info, i),
		       ctx))
			break;
	g_array_free(w.all, TRUE);
	return rc;
}

struct point_write {
	const char *key;
	const struct store_point_change *c;	/* NULL: retire */
};

/* What a point holds that was written in its unit. */
struct history {
	int64_t raw, first, last;	/* readings in blocks, their span */
	int64_t held;			/* in quarantine */
	int64_t rolled, months;		/* readings in month rows, rows */
	int64_t month0;			/* the first month row's start */
};

static int point_history(sqlite3 *db, int64_t id, struct history *h)
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(h, 0, sizeof *h);
	rc = prepare(db, "SELECT coalesce(sum(n), 0), min(t0), max(t1), "
			 "(SELECT count(*) FROM quarantine WHERE point_id = "
			 "?1), "
			 "(SELECT coalesce(sum(n), 0) FROM rollups WHERE "
			 "res = 4 AND point_id = ?1), "
			 "(SELECT count(*) FROM rollups WHERE res = 4 AND "
			 "point_id = ?1), "
			 "(SELECT min(ts) FROM rollups WHERE res = 4 AND "
			 "point_id = ?1) "
			 "FROM blocks WHERE point_id = ?1",
		     &s, "reading a point's history");
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		h->raw = sqlite3_column_int64(s, 0);
		h->first = sqlite3_column_int64(s, 1);
		h->last = sqlite3_column_int64(s, 2);
		h->held = sqlite3_column_int64(s, 3);
		h->rolled = sqlite3_column_int64(s, 4);
		h->months = sqlite3_column_int64(s, 5);
		h->month0 = sqlite3_column_int64(s, 6);
	} else {
		rc = fail_db(db, "reading a point's history");
	}
	sqlite3_finalize(s);
	return rc;
}

/* The point's times in its site's zone, UTC when that has none. */
static void history_time(const struct store_point *p, int64_t t, char *buf,
			 size_t len)
{
	GTimeZone *tz = store_rollup_zone(p->tz);
	GTimeZone *utc = tz ? NULL : g_time_zone_new_utc();

	core_time_format(t, tz ? tz : utc, buf, len);
	if (utc)
		g_time_zone_unref(utc);
}

/* Whether from and to are two spellings of one unit (degC and °C): a
 * linear map that keeps 0 and 1 keeps every number. */
static bool same_unit(const char *from, const char *to)
{
	double zero = -1, one = -1;

	return !units_convert(from, to, 0, &zero) &&
	       !units_convert(from, to, 1, &one) && zero == 0 && one == 1;
}

/*
 * Refuses a new quantity or unit for a point that has readings: they
 * are stored as numbers in the old unit, and would be read in the new
 * one (a thousandfold error from kW to W).  Another spelling of the
 * same unit reads them as they were, and is taken.
 */
static int check_history(sqlite3 *db, const struct store_point *p,
			 const struct store_point_change *c)
{
	bool unit = c->unit && !same_unit(p->unit, c->unit);
	bool quantity = c->quantity && strcmp(c->quantity, p->quantity);
	char what[160], had[256], t0[40], t1[40];
	struct history h;
	int rc;

	if (!unit && !quantity)
		return STORE_OK;
	rc = point_history(db, p->id, &h);
	if (rc || (!h.raw && !h.held && !h.months))
		return rc;

	if (h.raw) {
		history_time(p, h.first, t0, sizeof t0);
		history_time(p, h.last, t1, sizeof t1);
		snprintf(had, sizeof had, "%lld reading%s from %s to %s",
			 (long long)h.raw, h.raw == 1 ? "" : "s", t0, t1);
	} else if (h.months) {
		history_time(p, h.month0, t0, sizeof t0);
		snprintf(had, sizeof had, "rollups of %lld readings since %s "
			 "(raw readings pruned)", (long long)h.rolled, t0);
	} else {
		snprintf(had, sizeof had, "no stored readings");
	}
	if (h.held) {
		size_t n = strlen(had);

		snprintf(had + n, sizeof had - n, ", %lld held in quarantine",
			 (long long)h.held);
	}
	if (unit && quantity)
		snprintf(what, sizeof what, "its quantity and unit from %s in "
			 "%s to %s in %s", p->quantity, p->unit, c->quantity,
			 c->unit);
	else if (unit)
		snprintf(what, sizeof what, "its unit from %s to %s", p->unit,
			 c->unit);
	else
		snprintf(what, sizeof what, "its quantity from %s to %s "
			 "(in %s)", p->quantity, c->quantity, p->unit);
	return store_fail(STORE_CONFLICT,
			  "point '%s' has %s, stored in %s: changing %s would "
			  "read them as %s; register a new point for the new "
			  "%s (POST /api/v1/points or akari point add) and "
			  "retire this one", p->key, had, p->unit, what,
			  unit ? c->unit : c->quantity,
			  unit ? "unit" : "quantity");
}

/* The point as it is, then what c->check and the history allow. */
static int check_change(sqlite3 *db, int64_t id,
			const struct store_point_change *c)
{
	struct store_point p;
	sqlite3_stmt *s = NULL;
	char msg[512];
	int rc;

	rc = prepare(db, STORE_POINT_SELECT "WHERE p.id = ?1", &s,
		     "reading a point");
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store_point_from_row(s, &p);
	rc = rc == SQLITE_ROW ? STORE_OK : fail_db(db, "reading a point");
	sqlite3_finalize(s);
	if (rc)
		return rc;

	msg[0] = 0;
	if (c->check && c->check(&p, c, c->ctx, msg, sizeof msg))
		return store_fail(STORE_INVALID, "%s", msg);
	return check_history(db, &p, c);
}

static int point_write_fn(sqlite3 *db, void *ctx)
{
	const struct point_write *x = ctx;
	const struct store_point_change *c = x->c;
	int64_t id, retired, one;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = exec(db, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	rc = find_point(db, x->key, &id, &retired);
	if (!rc && retired)
		rc = store_fail(STORE_CONFLICT, "point '%s' is %sretired",
				x->key, c ? "" : "already ");
	if (!rc && !c)
		rc = query_int(db, "UPDATE points SET retired = unixepoch() "
				   "WHERE id = ?3 RETURNING id",
			       NULL, NULL, id, &one, "retiring a point");
	if (!rc && c)
		rc = check_change(db, id, c);
	if (!rc && c)
		rc = prepare(db, "UPDATE points SET "
				 "quantity = coalesce(?2, quantity), "
				 "unit = coalesce(?3, unit), "
				 "kind = coalesce(?4, kind), "
				 "step_s = coalesce(?5, step_s) WHERE id = ?1",
			     &s, "changing a point");
	if (!rc && c) {
		sqlite3_bind_int64(s, 1, id);
		if (c->quantity)
			sqlite3_bind_text(s, 2, c->quantity, -1,
					  SQLITE_STATIC);
		if (c->unit)
			sqlite3_bind_text(s, 3, c->unit, -1, SQLITE_STATIC);
		if (c->kind)
			sqlite3_bind_text(s, 4, store_kind_name(*c->kind), -1,
					  SQLITE_STATIC);
		if (c->step_s)
			sqlite3_bind_int(s, 5, *c->step_s);
		rc = step_write(db, s, "changing a point");
	}

	/* The rollups' energy hangs on the step, the quantity, the unit and
	 * the kind: what was rolled up under the old ones is redone. */
	if (!rc && c)
		rc = store_rollup_rebuild_db(db, id);
	sqlite3_finalize(s);
	return finish_tx(db, rc);
}

/*
 * With no batch between its check and its commit (store_lookup.h): the
 * merge of store_with_conn() then brings every reading acknowledged in
 * the old unit into the history that check_history() counts, and the
 * next batch finds the count moved and looks the point up again.
 */
static int point_write(struct store *st, struct point_write *x)
{
	int rc;

	store_points_change_begin(st);
	rc = store_registry_changed(
	    store_with_conn(st, true, point_write_fn, x));
	store_points_change_end(st);
	return rc;
}

int store_point_change(struct store *st, const char *key,
		       const struct store_point_change *c)
{
	struct point_write x = {key, c};
	struct store_point probe;
	int rc = STORE_OK;

	if (c->quantity)
		rc = check_name("quantity", c->quantity,
				sizeof probe.quantity);
	if (!rc && c->unit)
		rc = check_name("unit", c->unit, sizeof probe.unit);
	if (!rc && c->kind &&
	    (*c->kind < STORE_INSTANTANEOUS || *c->kind > STORE_STATE))
		rc = store_fail(STORE_INVALID, "kind: bad point kind %d",
				(int)*c->kind);
	if (!rc && c->step_s && (*c->step_s < 0 || *c->step_s > 31 * 86400))
		rc = store_fail(STORE_INVALID, "step_s %d is not from 0 to "
				"2678400", *c->step_s);
	if (rc)
		return rc;
	return point_write(st, &x);
}

int store_point_retire(struct store *st, const char *key)
{
	struct point_write x = {key, NULL};

	return point_write(st, &x);
}

struct point_retired {
	int64_t id, *retired;
};

static int point_retired_fn(sqlite3 *db, void *ctx)
{
	struct point_retired *x = ctx;
	int rc;

	rc = query_int(db, "SELECT coalesce(retired, 0) FROM points "
			   "WHERE id = ?3",
		       NULL, NULL, x->id, x->retired, "reading a point");
	if (rc == STORE_NOT_FOUND)
		rc = store_fail(rc, "no point with id %lld",
				(long long)x->id);
	return rc;
}

int store_point_retired(struct store *st, int64_t point_id,
			int64_t *retired)
{
	struct point_retired x = {point_id, retired};

	*retired = 0;
	return store_with_conn(st, false, point_retired_fn, &x);
}
