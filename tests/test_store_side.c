/*
 * test_store_side.c - the arrival log's side file when things go wrong
 * (docs/storage.md, "The side file"): a process that reads it without
 * owning it never checkpoints it nor removes its -wal (by name, that
 * may be a newer owner's); a batch of the database's own log naming a
 * point it does not have does not stop the open; a read that must
 * merge while another program holds the database's write lock is
 * refused with STORE_BUSY, not answered without the readings
 * acknowledged meanwhile, and answered with them once the lock is free;
 * a batch whose count times 24 wraps around is damage, not readings; a
 * side file is set aside with its lock held, never over a file set
 * aside before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"

static char dir[] = "/tmp/akari-test-store-side-XXXXXX";
static char path[256];
static char side_path[300];

/* 2024-01-15 00:00 JST. */
#define DAY0 1705244400

static void unlink_with(const char *base, const char *suffix)
{
	char name[320];

	snprintf(name, sizeof name, "%s%s", base, suffix);
	unlink(name);
}

static void remove_all(void)
{
	unlink_with(path, "");
	unlink_with(path, "-wal");
	unlink_with(path, "-shm");
	unlink_with(side_path, "");
	unlink_with(side_path, "-wal");
	unlink_with(side_path, "-shm");
}

/* Removes the files in dir whose names hold part (files set aside). */
static void remove_aside(const char *part)
{
	char cmd[400];

	snprintf(cmd, sizeof cmd, "rm -f %s/*%s*", dir, part);
	CHECK_INT(system(cmd), 0);
}

/* A fresh database with one point; its id in *id. */
static struct store *fresh(int64_t *id)
{
	struct store_point p = {.kind = STORE_INSTANTANEOUS, .step_s = 60};
	struct store *st = NULL;
	char err[256];

	remove_all();
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return NULL;
	CHECK_INT(store_site_add(st, "town", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	snprintf(p.key, sizeof p.key, "town/p");
	snprintf(p.site, sizeof p.site, "town");
	snprintf(p.quantity, sizeof p.quantity, "power");
	snprintf(p.unit, sizeof p.unit, "kW");
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	CHECK_INT(store_point_get(st, "town/p", &p), STORE_OK);
	*id = p.id;
	return st;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
		CHECK(0);
	}
	sqlite3_free(msg);
}

/* One reading packed as docs/storage.md says: point id, ts, value
 * (IEEE 754), each 8 bytes little-endian. */
static void pack_one(unsigned char *out, int64_t point, int64_t ts, double v)
{
	uint64_t f[3];

	memcpy(&f[2], &v, sizeof v);
	f[0] = (uint64_t)point;
	f[1] = (uint64_t)ts;
	for (int k = 0; k < 3; k++)
		for (int b = 0; b < 8; b++)
			out[8 * k + b] = (unsigned char)(f[k] >> (8 * b));
}

static off_t size_of(const char *name)
{
	struct stat s;

	return stat(name, &s) ? -1 : s.st_size;
}

/*
 * A side file as a killed server leaves it: its last commit only in its
 * -wal.  Another process holds its flock (its owner, alive), so the
 * store opened here does not own it, reads it to merge the batch, and
 * as the file's last connection closes it: the -wal must stay as it is
 * (one batch of three readings, still readable from it afterwards).
 * The batch's third reading names point id 999999, which the database
 * does not have: it is kept in the side file's name with ".unknown",
 * and the two others are merged.
 */
static void test_non_owner_keeps_wal(void)
{
	unsigned char body[72];
	struct store *st;
	sqlite3 *db = NULL, *side = NULL;
	sqlite3_stmt *s = NULL;
	char wal[320], unknown[320];
	int64_t id = 0, count = -1;
	off_t wal_size;
	int fd;

	st = fresh(&id);
	if (!st)
		return;
	store_close(st);	/* at rest: no side file */
	CHECK(access(side_path, F_OK) != 0);

	pack_one(body, id, DAY0, 10.0);
	pack_one(body + 24, id, DAY0 + 60, 11.0);
	pack_one(body + 48, 999999, DAY0, 12.0);
	snprintf(unknown, sizeof unknown, "%s.unknown", side_path);
	unlink(unknown);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_open(side_path, &side), SQLITE_OK);
	/* no checkpoint at close: the commit stays in the -wal, as after
	 * a SIGKILL */
	sqlite3_db_config(side, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	exec_ok(side, "PRAGMA journal_mode = WAL;"
		      "CREATE TABLE arrivals (seq INTEGER PRIMARY KEY,"
		      "  n INTEGER NOT NULL, body BLOB NOT NULL);"
		      "CREATE TABLE owner (id INTEGER PRIMARY KEY"
		      "  CHECK (id = 1), token BLOB NOT NULL)");
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT token FROM file_id", -1, &s,
				     NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	{
		sqlite3_stmt *ins = NULL;

		CHECK_INT(sqlite3_prepare_v2(side, "INSERT INTO owner VALUES "
					     "(1, ?1)", -1, &ins, NULL),
			  SQLITE_OK);
		sqlite3_bind_blob(ins, 1, sqlite3_column_blob(s, 0),
				  sqlite3_column_bytes(s, 0), SQLITE_TRANSIENT);
		CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_finalize(ins);
		CHECK_INT(sqlite3_prepare_v2(side, "INSERT INTO arrivals "
					     "VALUES (5, 3, ?1)", -1, &ins,
					     NULL), SQLITE_OK);
		sqlite3_bind_blob(ins, 1, body, sizeof body, SQLITE_STATIC);
		CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_finalize(ins);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	sqlite3_close(side);
	snprintf(wal, sizeof wal, "%s-wal", side_path);
	wal_size = size_of(wal);
	CHECK(wal_size > 0);

	/* its owner, alive */
	fd = open(side_path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INT(flock(fd, LOCK_EX | LOCK_NB), 0);

	{
		char err[256];

		st = NULL;
		CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	}
	if (st) {
		/* the open's merge took the owner's batch */
		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		CHECK_INT(count, 2);
		store_close(st);
	}
	CHECK_INT(access(wal, F_OK), 0);
	CHECK_INT(size_of(wal), wal_size);
	side = NULL;
	CHECK_INT(sqlite3_open_v2(side_path, &side, SQLITE_OPEN_READONLY,
				  NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(side, "SELECT count(*), sum(n) FROM "
				     "arrivals", -1, &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(s, 0), 1);
	CHECK_INT(sqlite3_column_int(s, 1), 3);
	sqlite3_finalize(s);
	sqlite3_close(side);
	close(fd);

	db = NULL;
	CHECK_INT(sqlite3_open_v2(unknown, &db, SQLITE_OPEN_READONLY, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*), min(point_id), "
				     "sum(value) FROM readings", -1, &s,
				     NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(s, 0), 1);
	CHECK_INT(sqlite3_column_int64(s, 1), 999999);
	CHECK_DBL(sqlite3_column_double(s, 2), 12.0, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	unlink(unknown);
}

/*
 * A batch in the database's own arrival log (as another process logs
 * beside a server) naming point id 999999, which the file does not
 * have, beside a reading of its point: the open goes on, the known
 * reading is merged, the unknown one is kept in the side file's name
 * with ".unknown", and the log is empty afterwards.
 */
static void test_unknown_point_in_db_log(void)
{
	unsigned char body[48];
	char unknown[320];
	struct store *st;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t id = 0, count = -1;
	char err[256];

	st = fresh(&id);
	if (!st)
		return;
	store_close(st);
	snprintf(unknown, sizeof unknown, "%s.unknown", side_path);
	unlink(unknown);
	pack_one(body, id, DAY0, 5.0);
	pack_one(body + 24, 999999, DAY0, 6.0);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO arrivals (n, body) "
				     "VALUES (2, ?1)", -1, &s, NULL),
		  SQLITE_OK);
	sqlite3_bind_blob(s, 1, body, sizeof body, SQLITE_STATIC);
	CHECK_INT(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);

	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (st) {
		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		CHECK_INT(count, 1);
		store_close(st);
	}
	db = NULL;
	CHECK_INT(sqlite3_open_v2(unknown, &db, SQLITE_OPEN_READONLY, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*), min(point_id), "
				     "min(ts), sum(value) FROM readings", -1,
				     &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(s, 0), 1);
	CHECK_INT(sqlite3_column_int64(s, 1), 999999);
	CHECK_INT(sqlite3_column_int64(s, 2), DAY0);
	CHECK_DBL(sqlite3_column_double(s, 3), 6.0, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	db = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*) FROM arrivals", -1,
				     &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	unlink(unknown);
}

/* 2^61 + 1 readings: times 24 bytes, 3 * 2^64 + 24, which wraps to the
 * 24 bytes of one reading in 64 bits. */
#define WRAPPING_N ((int64_t)(((uint64_t)1 << 61) + 1))

/* Inserts (seq, n, body of len bytes) into db's arrivals; seq <= 0 lets
 * SQLite pick it. */
static void insert_arrival(sqlite3 *db, int64_t seq, int64_t n,
			   const void *body, int len)
{
	sqlite3_stmt *s = NULL;

	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO arrivals (seq, n, body) "
				     "VALUES (?1, ?2, ?3)", -1, &s, NULL),
		  SQLITE_OK);
	if (seq > 0)
		sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, n);
	sqlite3_bind_blob(s, 3, body, len, SQLITE_STATIC);
	CHECK_INT(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/* A side file of the database at path, owned by it, with batch 5 of
 * WRAPPING_N readings in one reading's 24 bytes and batch 6, one
 * reading of point id at DAY0 + 60. */
static void side_with_wrapping_batch(int64_t id)
{
	unsigned char body[24];
	sqlite3 *db = NULL, *side = NULL;
	sqlite3_stmt *s = NULL, *ins = NULL;

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_open(side_path, &side), SQLITE_OK);
	exec_ok(side, "PRAGMA journal_mode = WAL;"
		      "CREATE TABLE arrivals (seq INTEGER PRIMARY KEY,"
		      "  n INTEGER NOT NULL, body BLOB NOT NULL);"
		      "CREATE TABLE owner (id INTEGER PRIMARY KEY"
		      "  CHECK (id = 1), token BLOB NOT NULL)");
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT token FROM file_id", -1, &s,
				     NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_prepare_v2(side, "INSERT INTO owner VALUES (1, ?1)",
				     -1, &ins, NULL), SQLITE_OK);
	sqlite3_bind_blob(ins, 1, sqlite3_column_blob(s, 0),
			  sqlite3_column_bytes(s, 0), SQLITE_TRANSIENT);
	CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_finalize(ins);
	sqlite3_finalize(s);
	pack_one(body, id, DAY0, 1.0);
	insert_arrival(side, 5, WRAPPING_N, body, sizeof body);
	pack_one(body, id, DAY0 + 60, 2.0);
	insert_arrival(side, 6, 1, body, sizeof body);
	sqlite3_close(db);
	sqlite3_close(side);
}

/*
 * A batch whose count of readings, times 24, wraps around to the size
 * of its body: it is damage like any other mismatch, left out, whether
 * the store reads the side file as its owner or beside its owner; the
 * batch after it (one reading) is merged.  In the database's own log
 * the same row is refused with an error, not taken at its word.
 */
static void test_wrapping_count(void)
{
	unsigned char body[24];
	struct store *st;
	sqlite3 *db = NULL;
	int64_t id = 0, count = -1;
	char err[256];
	int fd;

	/* the side file, opened as its owner */
	st = fresh(&id);
	if (!st)
		return;
	store_close(st);
	side_with_wrapping_batch(id);
	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (st) {
		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		CHECK_INT(count, 1);
		store_close(st);
	}

	/* the side file, read beside its owner (who holds its flock) */
	st = fresh(&id);
	if (!st)
		return;
	store_close(st);
	side_with_wrapping_batch(id);
	fd = open(side_path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INT(flock(fd, LOCK_EX | LOCK_NB), 0);
	st = NULL;
	count = -1;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (st) {
		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		CHECK_INT(count, 1);
		store_close(st);
	}
	close(fd);

	/* the database's own log */
	st = fresh(&id);
	if (!st)
		return;
	store_close(st);
	pack_one(body, id, DAY0, 1.0);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	insert_arrival(db, 0, WRAPPING_N, body, sizeof body);
	sqlite3_close(db);
	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_IO);
	CHECK(strstr(err, "2305843009213693953 readings") != NULL);
	if (st)
		store_close(st);
}

/*
 * The store's renames go through these, which first note whether the
 * side file being renamed is still locked by someone: an flock from a
 * new open of the same file is refused while another open holds it,
 * even in this process.  The rename itself is the kernel's.
 */
static int renames_of_side, renames_unlocked;

static void note_rename(const char *from)
{
	int fd;

	if (!side_path[0] || strcmp(from, side_path))
		return;
	renames_of_side++;
	fd = open(side_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		renames_unlocked++;
	close(fd);
}

int rename(const char *from, const char *to)
{
	note_rename(from);
	return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0);
}

int renameat2(int fromdir, const char *from, int todir, const char *to,
	      unsigned int flags)
{
	note_rename(from);
	return (int)syscall(SYS_renameat2, fromdir, from, todir, to, flags);
}

/*
 * A side file that names another database's token is set aside with
 * its flock still held: let go before the rename, another process could
 * make it its live log in the gap and lose it to the rename.  Its
 * batch stays in the file set aside, unmerged.
 */
static void test_set_aside_locked(void)
{
	unsigned char body[24];
	struct store *st;
	sqlite3 *side = NULL;
	int64_t id = 0, count = -1;
	char err[256];

	st = fresh(&id);
	if (!st)
		return;
	store_close(st);
	CHECK_INT(sqlite3_open(side_path, &side), SQLITE_OK);
	exec_ok(side, "PRAGMA journal_mode = WAL;"
		      "CREATE TABLE arrivals (seq INTEGER PRIMARY KEY,"
		      "  n INTEGER NOT NULL, body BLOB NOT NULL);"
		      "CREATE TABLE owner (id INTEGER PRIMARY KEY"
		      "  CHECK (id = 1), token BLOB NOT NULL);"
		      "INSERT INTO owner VALUES (1, x'00')");
	pack_one(body, id, DAY0, 1.0);
	insert_arrival(side, 1, 1, body, sizeof body);
	sqlite3_close(side);

	renames_of_side = renames_unlocked = 0;
	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	CHECK_INT(renames_of_side, 1);
	CHECK_INT(renames_unlocked, 0);
	if (st) {
		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		CHECK_INT(count, 0);
		store_close(st);
	}
	remove_aside(".foreign-");
}

/* Writes text into the file name, made anew. */
static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Whether the file name holds text and nothing else. */
static int holds(const char *name, const char *text)
{
	char buf[64] = {0};
	FILE *f = fopen(name, "r");
	size_t got;

	if (!f)
		return 0;
	got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	return got == strlen(text) && !memcmp(buf, text, got);
}

/*
 * A foreign side file set aside when files set aside earlier have the
 * names of this second and the next few (and a -wal beside the first):
 * none of them is replaced; the new one takes the first free name with
 * -2, -3 ..., which holds a SQLite database.
 */
static void test_set_aside_no_replace(void)
{
	struct store *st;
	sqlite3 *side = NULL;
	char name[360], wal[370];
	int64_t id = 0;
	long long now;
	char err[256];
	int found = 0;

	st = fresh(&id);
	if (!st)
		return;
	store_close(st);
	now = (long long)time(NULL);
	for (int k = 0; k < 10; k++) {
		snprintf(name, sizeof name, "%s.foreign-%lld", side_path,
			 now + k);
		write_file(name, "earlier");
	}
	snprintf(wal, sizeof wal, "%s.foreign-%lld-wal", side_path, now);
	write_file(wal, "earlier wal");
	CHECK_INT(sqlite3_open(side_path, &side), SQLITE_OK);
	exec_ok(side, "CREATE TABLE arrivals (seq INTEGER PRIMARY KEY,"
		      "  n INTEGER NOT NULL, body BLOB NOT NULL);"
		      "CREATE TABLE owner (id INTEGER PRIMARY KEY"
		      "  CHECK (id = 1), token BLOB NOT NULL);"
		      "INSERT INTO owner VALUES (1, x'00')");
	sqlite3_close(side);

	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (st)
		store_close(st);
	for (int k = 0; k < 10; k++) {
		snprintf(name, sizeof name, "%s.foreign-%lld", side_path,
			 now + k);
		CHECK(holds(name, "earlier"));
		snprintf(name, sizeof name, "%s.foreign-%lld-2", side_path,
			 now + k);
		if (access(name, F_OK))
			continue;
		found++;
		side = NULL;
		CHECK_INT(sqlite3_open_v2(name, &side, SQLITE_OPEN_READONLY,
					  NULL), SQLITE_OK);
		exec_ok(side, "SELECT count(*) FROM owner");
		sqlite3_close(side);
	}
	CHECK_INT(found, 1);
	CHECK(holds(wal, "earlier wal"));
	remove_aside(".foreign-");
}

/* The count of readings, also when refused: -1 then. */
static int count_of(struct store *st, int64_t *count)
{
	int rc = store_readings_count(st, count);

	if (rc)
		*count = -1;
	return rc;
}

/*
 * Another program holds the database's write lock (as akari import
 * --db does): a read with nothing waiting answers at once; a batch put
 * meanwhile is acknowledged (it goes to the side file), and a read that
 * would miss it is refused with STORE_BUSY and a message naming the
 * cause; once the lock is free the read sees it.
 */
static void test_read_while_locked(void)
{
	struct store_reading r[3];
	struct store *st;
	sqlite3 *other = NULL;
	int64_t id = 0, count = 0;

	st = fresh(&id);
	if (!st)
		return;
	r[0] = (struct store_reading){id, DAY0, 1.0};
	CHECK_INT(store_readings_put(st, r, 1), STORE_OK);
	CHECK_INT(count_of(st, &count), STORE_OK);
	CHECK_INT(count, 1);

	CHECK_INT(sqlite3_open(path, &other), SQLITE_OK);
	exec_ok(other, "BEGIN IMMEDIATE");
	CHECK_INT(count_of(st, &count), STORE_OK);	/* nothing waits */
	CHECK_INT(count, 1);

	r[1] = (struct store_reading){id, DAY0 + 60, 2.0};
	r[2] = (struct store_reading){id, DAY0 + 120, 3.0};
	CHECK_INT(store_readings_put(st, r + 1, 2), STORE_OK);
	store_error_reset(st);
	CHECK_INT(count_of(st, &count), STORE_BUSY);
	CHECK_INT(store_errcode(st), STORE_BUSY);
	CHECK(strstr(store_errmsg(st), "write lock") != NULL);
	CHECK(strstr(store_errmsg(st), "2 acknowledged readings") != NULL);

	exec_ok(other, "ROLLBACK");
	sqlite3_close(other);
	CHECK_INT(count_of(st, &count), STORE_OK);
	CHECK_INT(count, 3);
	store_close(st);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof path, "%s/akari.db", dir);
	snprintf(side_path, sizeof side_path, "%s-arrivals", path);

	test_non_owner_keeps_wal();
	test_unknown_point_in_db_log();
	test_read_while_locked();
	test_wrapping_count();
	test_set_aside_locked();
	test_set_aside_no_replace();

	remove_all();
	rmdir(dir);
	return check_finish();
}
