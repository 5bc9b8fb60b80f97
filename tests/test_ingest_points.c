/*
 * test_ingest_points.c - how the cache of points learns of registry
 * changes: the registry's version moves with every change of points or
 * sites and with nothing else, the process's count moves with the
 * store's registry writes only, a cached lookup takes nothing of the
 * store's write connection, and another process's change is seen by the
 * very next batch.
 *
 * The changes "by another process" are plain SQLite on a connection of
 * its own, as `akari point ... --db` writes the file: the store of this
 * process cannot count them.
 */
#include <sqlite3.h>

#include "check.h"
#include "test_util.h"
#include "cloud/ingest/ingest_points.h"
#include "cloud/store/store.h"
#include "cloud/store/store_internal.h"
#include "cloud/store/store_lookup.h"
#include "cloud/store/store_registry.h"

/* 2022-06-27T00:00:00Z: 19170 days of 86400 s. */
#define T0 INT64_C(1656288000)

static char dir[128];
static char path[256];
static struct store *st;

/* Runs sql on a connection of its own, as another process would. */
static void other_process(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	CHECK_AT(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
		 "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
}

static uint64_t version(void)
{
	uint64_t v = 0;

	CHECK_INT(store_registry_version(st, &v), STORE_OK);
	return v;
}

static void test_version(void)
{
	struct store_reading r = {0, T0, 1.5};
	struct store_point p;
	uint64_t v0, v, writes;

	v0 = version();
	CHECK(version() == v0);

	/* Readings are not the registry: neither moves. */
	CHECK_INT(store_point_get(st, "a/p", &p), STORE_OK);
	r.point_id = p.id;
	writes = store_registry_writes();
	CHECK_INT(store_readings_put(st, &r, 1), STORE_OK);
	CHECK(version() == v0);
	CHECK(store_registry_writes() == writes);

	/* Each change of a row moves it by one, whoever makes it; a
	 * statement that changes no row moves nothing. */
	other_process("UPDATE points SET retired = 1 WHERE key = 'a/q'");
	CHECK(version() == v0 + 1);
	other_process("UPDATE points SET unit = 'W' WHERE key = 'a/p'");
	other_process("UPDATE sites SET tz = 'UTC' WHERE name = 'a'");
	other_process("UPDATE points SET counter_digits = 6 "
		      "WHERE key = 'a/p'");
	CHECK(version() == v0 + 4);
	other_process("UPDATE points SET step_s = 30 WHERE key = 'none'");
	CHECK(version() == v0 + 4);
	other_process("UPDATE points SET step_s = 60 WHERE site_id = "
		      "(SELECT id FROM sites WHERE name = 'a')");
	CHECK(version() == v0 + 6);	/* two points: a/p and a/q */

	/* Through the store: the count moves too, by one a write. */
	writes = store_registry_writes();
	v = version();
	test_add_point(st, "a/r", "a", "power", "kW", 60);
	CHECK(version() > v);
	CHECK(store_registry_writes() == writes + 1);
}

struct inside {
	struct ingest_points *cache;
	const char *const *keys;
	size_t n;
	struct store_point out[4];
	bool found[4];
	int rc;
};

static int resolve_inside(sqlite3 *db, void *ctx)
{
	struct inside *in = ctx;

	(void)db;
	in->rc = ingest_points_resolve(in->cache, st, in->keys, in->n,
				       in->out, in->found);
	return STORE_OK;
}

/*
 * A batch's lookup while another thread holds the store's write
 * connection, as a merge does for its whole transaction: this thread
 * holds it here, so a lookup that took it would never return.
 */
static void test_no_write_connection(void)
{
	static const char *const keys[] = {"a/p", "a/none", "a/r"};
	struct inside in = {.keys = keys, .n = 3};

	in.cache = ingest_points_create(st);
	CHECK_INT(ingest_points_resolve(in.cache, st, keys, 3, in.out,
					in.found),
		  STORE_OK);
	memset(in.out, 0, sizeof in.out);
	memset(in.found, 0, sizeof in.found);

	CHECK_INT(store_with_registry(st, true, resolve_inside, &in),
		  STORE_OK);
	CHECK_INT(in.rc, STORE_OK);
	CHECK(in.found[0] && !in.found[1] && in.found[2]);
	CHECK_STR(in.out[0].key, "a/p");
	CHECK_STR(in.out[2].key, "a/r");
	ingest_points_destroy(in.cache);
}

/*
 * Another process retires a point and moves a site to another zone, and
 * the very next batch sees both, as it sees a retire through the store.
 */
static void test_changes_seen(void)
{
	static const char *const keys[] = {"a/p", "a/r"};
	struct ingest_points *cache = ingest_points_create(st);
	struct store_point out[2];
	bool found[2];

	CHECK_INT(ingest_points_resolve(cache, st, keys, 2, out, found),
		  STORE_OK);
	CHECK_INT((int)out[1].retired, 0);
	CHECK_STR(out[1].tz, "UTC");

	other_process("UPDATE points SET retired = 7 WHERE key = 'a/r'");
	other_process("UPDATE sites SET tz = 'Asia/Tokyo' WHERE name = 'a'");
	CHECK_INT(ingest_points_resolve(cache, st, keys, 2, out, found),
		  STORE_OK);
	CHECK(found[0] && found[1]);
	CHECK_INT((int)out[1].retired, 7);
	CHECK_STR(out[0].tz, "Asia/Tokyo");
	CHECK_STR(out[1].tz, "Asia/Tokyo");

	CHECK_INT(out[0].retired, 0);
	CHECK_INT(store_point_retire(st, "a/p"), STORE_OK);
	CHECK_INT(ingest_points_resolve(cache, st, keys, 2, out, found),
		  STORE_OK);
	CHECK(out[0].retired != 0);
	ingest_points_destroy(cache);
}

int main(void)
{
	char err[256];

	test_make_tmpdir(dir, sizeof dir, "ingest-points");
	snprintf(path, sizeof path, "%s/points.db", dir);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	CHECK_INT(store_site_add(st, "a", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	test_add_point(st, "a/p", "a", "power", "kW", 60);
	test_add_point(st, "a/q", "a", "power", "kW", 60);

	test_version();
	test_no_write_connection();
	test_changes_seen();

	store_close(st);
	test_remove_tree(dir);
	return check_finish();
}
