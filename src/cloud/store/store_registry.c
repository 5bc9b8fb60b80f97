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

/* --- randomness -------------------------------------------------------- */

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

/* --- helpers ------------------------------------------------------------ */

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

/* --- admin tokens ------------------------------------------------------- */

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
	rc = store_with_conn(st, false, admin_auth_fn, &c);
	g_free(hash);
	return rc;
}
