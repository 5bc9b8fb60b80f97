/*
 * test_store_registry.c - credentials and the registry's life cycle
 * (store_registry.h) on a real SQLite file, checked against the file
 * through a second, independent connection.
 */
#include <glib.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"
#include "cloud/store/store_registry.h"

static char dir[] = "/tmp/akari-test-store-registry-XXXXXX";
static char path[256];

/* The integer answer of sql, read through a connection of its own. */
static long long query_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -2;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static bool is_base64url(const char *t)
{
	for (; *t; t++)
		if (!g_ascii_isalnum(*t) && *t != '-' && *t != '_')
			return false;
	return true;
}

static int count_token(const struct store_admin_token *t, void *ctx)
{
	int *n = ctx;

	(*n)++;
	if (!strcmp(t->name, "ops"))
		CHECK(t->revoked != 0);
	if (!strcmp(t->name, "lead"))
		CHECK_INT(t->revoked, 0);
	return 0;
}

static void test_tokens(struct store *st)
{
	char t1[STORE_TOKEN_LEN + 1], t2[STORE_TOKEN_LEN + 1];
	char small[8], name[64];
	char *hash;
	int n = 0;

	/* 32 random bytes in base64url without padding: 43 characters. */
	CHECK_INT(store_token_new(t1, sizeof t1), STORE_OK);
	CHECK_INT(store_token_new(t2, sizeof t2), STORE_OK);
	CHECK_INT((long long)strlen(t1), 43);
	CHECK(is_base64url(t1));
	CHECK(strcmp(t1, t2) != 0);
	CHECK_INT(store_token_new(small, sizeof small), STORE_INVALID);

	CHECK_INT(store_admin_token_add(st, "lead", t1, sizeof t1), STORE_OK);
	CHECK_INT((long long)strlen(t1), 43);
	CHECK_INT(store_admin_token_add(st, "lead", t2, sizeof t2),
		  STORE_EXISTS);
	CHECK(strstr(store_errmsg(st), "'lead'") != NULL);
	CHECK_INT(store_admin_token_add(st, "", t2, sizeof t2), STORE_INVALID);
	CHECK_INT(store_admin_token_add(st, "a\nb", t2, sizeof t2),
		  STORE_INVALID);
	CHECK_INT(query_int("SELECT count(*) FROM admin_tokens"), 1);

	/* Only the SHA-256 of the token is in the file. */
	hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, t1, -1);
	{
		char sql[256];

		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM admin_tokens WHERE "
			 "token_hash = '%s' AND name = 'lead'", hash);
		CHECK_INT(query_int(sql), 1);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM admin_tokens WHERE "
			 "token_hash = '%s'", t1);
		CHECK_INT(query_int(sql), 0);
	}
	g_free(hash);

	CHECK_INT(store_admin_auth(st, t1, name, sizeof name), STORE_OK);
	CHECK_STR(name, "lead");
	CHECK_INT(store_admin_auth(st, "nope", name, sizeof name),
		  STORE_NOT_FOUND);
	CHECK_INT(store_admin_auth(st, "", name, sizeof name),
		  STORE_NOT_FOUND);

	/* Revoked: refused at once, and named as revoked. */
	CHECK_INT(store_admin_token_add(st, "ops", t2, sizeof t2), STORE_OK);
	CHECK_INT(store_admin_auth(st, t2, name, sizeof name), STORE_OK);
	CHECK_INT(store_admin_token_revoke(st, "ops"), STORE_OK);
	CHECK_INT(store_admin_auth(st, t2, name, sizeof name),
		  STORE_NOT_FOUND);
	CHECK(strstr(store_errmsg(st), "'ops' is revoked") != NULL);
	CHECK_INT(store_admin_token_revoke(st, "ops"), STORE_NOT_FOUND);
	CHECK_INT(store_admin_token_revoke(st, "nobody"), STORE_NOT_FOUND);
	CHECK_INT(store_admin_auth(st, t1, name, sizeof name), STORE_OK);

	CHECK_INT(store_admin_tokens_each(st, count_token, &n), STORE_OK);
	CHECK_INT(n, 2);
}

int main(void)
{
	struct store *st = NULL;
	char err[512];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/r.db", dir);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return check_finish();

	test_tokens(st);

	store_close(st);
	unlink(path);
	g_autofree char *wal = g_strdup_printf("%s-wal", path);
	g_autofree char *shm = g_strdup_printf("%s-shm", path);
	unlink(wal);
	unlink(shm);
	rmdir(dir);
	return check_finish();
}
