/*
 * test_store.c - the registry, readings and durability rules of store.h
 * on a real SQLite file.
 */
#include <glib.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"

static char dir[] = "/tmp/akari-test-store-XXXXXX";
static char path[256];

static int collect(int64_t ts, double value, void *ctx)
{
	GArray *a = ctx;
	double pair[2] = {(double)ts, value};

	g_array_append_vals(a, pair, 2);
	return 0;
}

/* Reads a PRAGMA through a second, independent connection. */
static char *pragma(const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char sql[64], *r = NULL;

	snprintf(sql, sizeof sql, "PRAGMA %s", name);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		r = g_strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return r;
}

static void test_registry(struct store *st)
{
	struct store_point p = {0}, got;
	struct store_site site;
	char token[STORE_TOKEN_LEN + 1], token2[STORE_TOKEN_LEN + 1];
	int64_t dev, sid;

	CHECK_INT(store_site_add(st, "tepco", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "tepco", "grid", "Asia/Tokyo", NULL),
		  STORE_EXISTS);
	CHECK_INT(store_site_add(st, "mars", "grid", "Mars/Base", NULL),
		  STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "Mars/Base") != NULL);
	CHECK_INT(store_site_add(st, "hall", "building", "Asia/Tokyo",
				 "nowhere"),
		  STORE_NOT_FOUND);
	CHECK_INT(store_site_add(st, "hall", "building", "Asia/Tokyo",
				 "tepco"),
		  STORE_OK);
	CHECK_INT(store_site_get(st, "hall", &site), STORE_OK);
	CHECK_STR(site.tz, "Asia/Tokyo");
	CHECK(site.parent_id != 0);

	CHECK_INT(store_device_add(st, "tepco", "gw1", "gateway", token,
				   sizeof token),
		  STORE_OK);
	CHECK_INT((long long)strlen(token), STORE_TOKEN_LEN);
	CHECK_INT(store_device_add(st, "tepco", "gw2", "gateway", token2,
				   sizeof token2),
		  STORE_OK);
	CHECK(strcmp(token, token2) != 0);
	CHECK_INT(store_device_auth(st, token, &dev, &sid), STORE_OK);
	CHECK_INT(store_device_auth(st, "wrong", &dev, &sid), STORE_NOT_FOUND);

	snprintf(p.key, sizeof p.key, "tepco/demand");
	snprintf(p.site, sizeof p.site, "tepco");
	snprintf(p.quantity, sizeof p.quantity, "power");
	snprintf(p.unit, sizeof p.unit, "kW");
	p.kind = STORE_INSTANTANEOUS;
	p.step_s = 300;
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	CHECK_INT(store_point_add(st, &p), STORE_EXISTS);
	CHECK_INT(store_point_get(st, "tepco/demand", &got), STORE_OK);
	CHECK_STR(got.tz, "Asia/Tokyo");
	CHECK_STR(got.site, "tepco");
	CHECK_INT(got.step_s, 300);
	CHECK_INT(store_point_set_shift(st, got.id, 3652), STORE_OK);
	CHECK_INT(store_point_get(st, "tepco/demand", &got), STORE_OK);
	CHECK_INT(got.shift_days, 3652);
	CHECK_INT(store_point_get(st, "tepco/nothing", &got),
		  STORE_NOT_FOUND);
}

/* Names and keys end up in JSON answers, URLs and log lines, so text
 * that is not UTF-8 or holds control characters is refused. */
static void test_bad_text(struct store *st)
{
	struct store_point p = {0}, got;
	char token[STORE_TOKEN_LEN + 1];
	static const char *const bad[] = {"p/\xffx", "p/\xe2\x82", "p/a\nb",
					  "p/\x7f", "p/\tx"};

	CHECK_INT(store_site_add(st, "bad\xff", "grid", "UTC", NULL),
		  STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "site name") != NULL);
	CHECK_INT(store_site_add(st, "ok", "gr\nid", "UTC", NULL),
		  STORE_INVALID);
	CHECK_INT(store_device_add(st, "tepco", "gw\x01", "gateway", token,
				   sizeof token),
		  STORE_INVALID);

	snprintf(p.site, sizeof p.site, "tepco");
	snprintf(p.quantity, sizeof p.quantity, "power");
	snprintf(p.unit, sizeof p.unit, "kW");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(p.key, sizeof p.key, "%s", bad[i]);
		CHECK_AT(store_point_add(st, &p) == STORE_INVALID,
			 "key %zu accepted", i);
		CHECK_INT(store_point_get(st, bad[i], &got), STORE_NOT_FOUND);
	}
	snprintf(p.key, sizeof p.key, "p/unit");
	snprintf(p.unit, sizeof p.unit, "\xe2\x82");
	CHECK_INT(store_point_add(st, &p), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "unit") != NULL);

	/* Any other text is fine, '%', '?', '#', spaces and all. */
	snprintf(p.key, sizeof p.key, "a%%b?c#d e/\xc3\xbc");
	snprintf(p.unit, sizeof p.unit, "\xc2\xb0" "C");
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	CHECK_INT(store_point_get(st, "a%b?c#d e/\xc3\xbc", &got), STORE_OK);
	CHECK_STR(got.unit, "\xc2\xb0" "C");
}

static void test_readings(struct store *st)
{
	struct store_point p;
	struct store_reading rows[3];
	GArray *a = g_array_new(FALSE, FALSE, sizeof(double));
	int64_t count, ts;
	double v;

	CHECK_INT(store_point_get(st, "tepco/demand", &p), STORE_OK);
	rows[0] = (struct store_reading){p.id, 1000, 1.5};
	rows[1] = (struct store_reading){p.id, 1300, 2.5};
	rows[2] = (struct store_reading){p.id, 1000, 9.0};
	CHECK_INT(store_readings_put(st, rows, 3), STORE_OK);

	/* (point, ts) is stored once; the later write wins. */
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 2);
	CHECK_INT(store_readings_each(st, p.id, 1000, 1300, collect, a),
		  STORE_OK);
	CHECK_INT(a->len, 2);
	if (a->len == 2) {
		CHECK_DBL(g_array_index(a, double, 0), 1000, 0);
		CHECK_DBL(g_array_index(a, double, 1), 9.0, 0);
	}
	CHECK_INT(store_reading_latest(st, p.id, 2000, &ts, &v), STORE_OK);
	CHECK_INT(ts, 1300);
	CHECK_DBL(v, 2.5, 0);
	CHECK_INT(store_reading_latest(st, p.id, 1000, &ts, &v),
		  STORE_NOT_FOUND);

	/* A failing row rolls back the whole batch. */
	rows[0] = (struct store_reading){p.id, 5000, 1.0};
	rows[1] = (struct store_reading){999999, 5000, 1.0};
	CHECK(store_readings_put(st, rows, 2) != STORE_OK);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 2);
	g_array_free(a, TRUE);
}

struct put_job {
	struct store *st;
	struct store_reading row;
	int rc;
};

static void *put_thread(void *arg)
{
	struct put_job *j = arg;

	j->rc = store_readings_put(j->st, &j->row, 1);
	return NULL;
}

/*
 * Another program (akari import on the same file) holds the write lock.
 * A write of the server goes to its log's side file and does not wait
 * for it, and reads must not wait behind that lock either: the GETs of
 * the server and the kiosk would stall for the whole busy timeout.  A
 * read of readings is refused at once with STORE_BUSY (answered, it
 * would leave out the write, acknowledged but not merged), a lookup of
 * the registry is answered, and the read sees the write once the lock
 * is free.  The other program lets go only after the reads came back.
 */
static void test_read_during_write(struct store *st)
{
	struct put_job job = {.st = st, .rc = 1};
	struct store_point p;
	pthread_t t;
	sqlite3 *other;
	int64_t count = -1;

	CHECK_INT(store_point_get(st, "tepco/demand", &p), STORE_OK);
	job.row = (struct store_reading){p.id, 7000, 7.0};
	CHECK_INT(sqlite3_open(path, &other), SQLITE_OK);
	CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
		  SQLITE_OK);

	pthread_create(&t, NULL, put_thread, &job);
	/* Ordering only: let the write reach the lock first. */
	usleep(300 * 1000);
	CHECK_INT(store_readings_count(st, &count), STORE_BUSY);
	CHECK_INT(store_point_get(st, "tepco/demand", &p), STORE_OK);

	CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	pthread_join(t, NULL);
	sqlite3_close(other);
	CHECK_INT(job.rc, STORE_OK);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 3);
}

int main(void)
{
	struct store *st;
	char err[256], *mode, *version;

	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof path, "%s/akari.db", dir);

	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return check_finish();
	CHECK_INT(store_schema_version(st), 13);
	test_registry(st);
	test_bad_text(st);
	test_readings(st);
	test_read_during_write(st);
	store_close(st);

	/* WAL mode is a property of the file; another connection sees it. */
	mode = pragma("journal_mode");
	CHECK_STR(mode, "wal");
	version = pragma("user_version");
	CHECK_STR(version, "13");
	g_free(mode);
	g_free(version);

	/* Reopening keeps the data and does not migrate again. */
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (st) {
		int64_t count;

		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		CHECK_INT(count, 3);
		store_close(st);
	}

	/* A file left at schema 1 by an older akari, as that akari wrote
	 * it, gets every later migration and keeps its readings. */
	{
		static const char v1[] =
		    "CREATE TABLE sites (id INTEGER PRIMARY KEY,"
		    " name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
		    " tz TEXT NOT NULL,"
		    " parent_id INTEGER REFERENCES sites(id),"
		    " created INTEGER NOT NULL DEFAULT (unixepoch()));"
		    "CREATE TABLE devices (id INTEGER PRIMARY KEY,"
		    " site_id INTEGER NOT NULL REFERENCES sites(id),"
		    " name TEXT NOT NULL, kind TEXT NOT NULL,"
		    " token_hash TEXT NOT NULL UNIQUE,"
		    " created INTEGER NOT NULL DEFAULT (unixepoch()),"
		    " UNIQUE (site_id, name));"
		    "CREATE TABLE points (id INTEGER PRIMARY KEY,"
		    " key TEXT NOT NULL UNIQUE,"
		    " site_id INTEGER NOT NULL REFERENCES sites(id),"
		    " quantity TEXT NOT NULL, unit TEXT NOT NULL,"
		    " kind TEXT NOT NULL CHECK (kind IN ('instantaneous',"
		    " 'counter', 'state')),"
		    " step_s INTEGER NOT NULL DEFAULT 0,"
		    " shift_days INTEGER NOT NULL DEFAULT 0);"
		    "CREATE TABLE readings ("
		    " point_id INTEGER NOT NULL REFERENCES points(id),"
		    " ts INTEGER NOT NULL, value REAL NOT NULL,"
		    " PRIMARY KEY (point_id, ts)) WITHOUT ROWID;"
		    "INSERT INTO sites (name, kind, tz)"
		    " VALUES ('old', 'home', 'Asia/Tokyo');"
		    "INSERT INTO points (key, site_id, quantity, unit, kind)"
		    " VALUES ('old/p', 1, 'power', 'kW', 'instantaneous');"
		    "INSERT INTO readings VALUES (1, 0, 1.5), (1, 60, 2.5);"
		    "PRAGMA user_version = 1;";
		sqlite3 *db;
		int64_t count;

		unlink(path);
		CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
		CHECK_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
		if (st) {
			CHECK_INT(store_schema_version(st), 13);
			CHECK_INT(store_readings_count(st, &count), STORE_OK);
			CHECK_INT(count, 2);
			store_close(st);
		}
		version = pragma("user_version");
		CHECK_STR(version, "13");
		g_free(version);
	}

	/* An unopenable path says which path and why. */
	CHECK(store_open("/nonexistent/dir/x.db", &st, err, sizeof err) !=
	      STORE_OK);
	CHECK(st == NULL);
	CHECK(strstr(err, "/nonexistent/dir/x.db") != NULL);

	unlink(path);
	rmdir(dir);
	return check_finish();
}
