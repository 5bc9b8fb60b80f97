/*
 * test_store_log.c - the arrival log behind store_readings_put(): group
 * commit from many threads, merges that apply every acknowledged batch
 * exactly once, last write wins across batches merged together, reads
 * that see a put at once, and a file whose writer was killed with
 * arrivals still unmerged, in the file or in its side file (also after
 * a merge had committed and before the side file forgot what it took);
 * a second handle on the file, which logs into the file itself; merges
 * in the order of the marks requests took.
 */
#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_bucket.h"
#include "cloud/store/store_codec.h"
#include "cloud/store/store_rollup.h"

static char dir[] = "/tmp/akari-test-store-log-XXXXXX";
static char path[256];
static char side_path[300];	/* its log's side file */

/* 2024-01-15 00:00 JST, a local day's start in the points' zone. */
#define DAY0 1705244400
#define DAY 86400

/* The readings of every block in the file, decoded on a second
 * connection (docs/codec.md): their count and the sum of their values.
 * A block that does not decode counts as -1. */
static void blocks_sum(int64_t *n, double *sum)
{
	static int64_t ts[STORE_BLOCK_MAX];
	static double v[STORE_BLOCK_MAX];
	sqlite3 *db;
	sqlite3_stmt *s = NULL;

	*n = 0;
	*sum = 0;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return;
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT body FROM blocks", -1, &s,
				     NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		size_t k = 0;

		if (store_codec_decode(sqlite3_column_blob(s, 0),
				       (size_t)sqlite3_column_bytes(s, 0), ts,
				       v, STORE_BLOCK_MAX, &k) != STORE_OK) {
			*n = -1;
			break;
		}
		*n += (int64_t)k;
		for (size_t i = 0; i < k; i++)
			*sum += v[i];
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* A count or sum from a second, independent connection to the file. */
static double sql_num(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	double v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct store *fresh(int points, int64_t *ids)
{
	struct store *st = NULL;
	char err[256], key[32], side[300];

	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-arrivals", path);
	unlink(side);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return NULL;
	CHECK_INT(store_site_add(st, "town", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	for (int i = 0; i < points; i++) {
		struct store_point p = {.kind = STORE_INSTANTANEOUS,
					.step_s = 60};

		snprintf(key, sizeof key, "town/p%d", i);
		snprintf(p.key, sizeof p.key, "%s", key);
		snprintf(p.site, sizeof p.site, "town");
		snprintf(p.quantity, sizeof p.quantity, "power");
		snprintf(p.unit, sizeof p.unit, "kW");
		CHECK_INT(store_point_add(st, &p), STORE_OK);
		CHECK_INT(store_point_get(st, key, &p), STORE_OK);
		ids[i] = p.id;
	}
	return st;
}

struct sum {
	int64_t n;
	double total;
};

static int add(int64_t ts, double value, void *ctx)
{
	struct sum *s = ctx;

	(void)ts;
	s->n++;
	s->total += value;
	return 0;
}

static int add_rollup(const struct store_rollup *r, void *ctx)
{
	struct sum *s = ctx;

	s->n += r->n;
	s->total += r->sum;
	return 0;
}

/* --- many writers ---------------------------------------------------- */

#define THREADS 8
#define BATCHES 40
#define PER_BATCH 50
#define POINTS 4

struct writer {
	struct store *st;
	const int64_t *ids;
	int t;
	int failed;
};

/* Writer t's reading k: its own minutes, so no two writers share a
 * (point, ts); the value says who wrote it and when. */
static void reading(const int64_t *ids, int t, int k,
		    struct store_reading *r)
{
	r->point_id = ids[k % POINTS];
	r->ts = DAY0 + ((int64_t)(k / POINTS) * THREADS + t) * 60;
	r->value = t * 1000.0 + k;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct store_reading rows[PER_BATCH];

	for (int b = 0; b < BATCHES; b++) {
		for (int i = 0; i < PER_BATCH; i++)
			reading(w->ids, w->t, b * PER_BATCH + i, &rows[i]);
		if (store_readings_put(w->st, rows, PER_BATCH))
			w->failed++;
	}
	return NULL;
}

static void test_concurrent_puts(void)
{
	int64_t ids[POINTS], count = -1;
	struct writer w[THREADS];
	pthread_t th[THREADS];
	struct store *st = fresh(POINTS, ids);
	const int64_t total = (int64_t)THREADS * BATCHES * PER_BATCH;
	double want_sum = 0, stored_sum = 0;
	int64_t stored = 0;

	if (!st)
		return;
	for (int t = 0; t < THREADS; t++) {
		w[t] = (struct writer){st, ids, t, 0};
		pthread_create(&th[t], NULL, writer_main, &w[t]);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		CHECK_INT(w[t].failed, 0);
	}

	/* sum over t, k of t * 1000 + k, from the definition of reading() */
	for (int t = 0; t < THREADS; t++)
		for (int k = 0; k < BATCHES * PER_BATCH; k++)
			want_sum += t * 1000.0 + k;

	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, total);
	{
		struct sum raw = {0}, roll = {0};

		for (int i = 0; i < POINTS; i++) {
			CHECK_INT(store_readings_each(st, ids[i], 0, INT64_MAX,
						      add, &raw),
				  STORE_OK);
			CHECK_INT(store_rollups_each(st, ids[i],
						     STORE_BUCKET_DAY, 0,
						     INT64_MAX, add_rollup,
						     &roll),
				  STORE_OK);
		}
		CHECK_INT(raw.n, total);
		CHECK_DBL(raw.total, want_sum, 1e-6);
		/* a batch merged twice would count twice here */
		CHECK_INT(roll.n, total);
		CHECK_DBL(roll.total, want_sum, 1e-6);
	}
	store_close(st);

	/* At rest the file holds every reading in blocks, none in the
	 * log. */
	CHECK_DBL(sql_num("SELECT count(*) FROM arrivals"), 0, 0);
	CHECK_DBL(sql_num("SELECT sum(n) FROM blocks"), (double)total, 0);
	blocks_sum(&stored, &stored_sum);
	CHECK_INT(stored, total);
	CHECK_DBL(stored_sum, want_sum, 1e-6);
	/* and not the pages the merged arrivals held (2: incremental) */
	CHECK_DBL(sql_num("PRAGMA auto_vacuum"), 2, 0);
	CHECK_DBL(sql_num("PRAGMA freelist_count"), 0, 0);
}

/* --- what a read sees ------------------------------------------------ */

static void test_read_after_put(void)
{
	int64_t ids[1], ts = 0;
	double v = 0;
	struct store *st = fresh(1, ids);
	struct store_reading r[2];
	struct sum roll = {0};

	if (!st)
		return;
	r[0] = (struct store_reading){ids[0], DAY0, 1.5};
	r[1] = (struct store_reading){ids[0], DAY0 + 60, 2.5};
	CHECK_INT(store_readings_put(st, r, 2), STORE_OK);
	/* no wait: the read itself merges what was acknowledged */
	CHECK_INT(store_reading_latest(st, ids[0], INT64_MAX, &ts, &v),
		  STORE_OK);
	CHECK_INT(ts, DAY0 + 60);
	CHECK_DBL(v, 2.5, 0);
	CHECK_INT(store_rollups_each(st, ids[0], STORE_BUCKET_DAY, DAY0,
				     DAY0 + DAY, add_rollup, &roll),
		  STORE_OK);
	CHECK_INT(roll.n, 2);
	CHECK_DBL(roll.total, 4.0, 0);

	/* A refused batch leaves nothing behind, not even its good rows. */
	r[0] = (struct store_reading){ids[0], DAY0 + 120, 3.0};
	r[1] = (struct store_reading){ids[0] + 99, DAY0 + 120, 3.0};
	CHECK_INT(store_readings_put(st, r, 2), STORE_NOT_FOUND);
	CHECK(strstr(store_errmsg(st), "no point with id") != NULL);
	r[1] = (struct store_reading){ids[0], DAY0 + 180, NAN};
	CHECK_INT(store_readings_put(st, r, 2), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "not a number") != NULL);
	CHECK_INT(store_reading_latest(st, ids[0], INT64_MAX, &ts, &v),
		  STORE_OK);
	CHECK_INT(ts, DAY0 + 60);
	store_close(st);
	CHECK_DBL(sql_num("SELECT sum(n) FROM blocks"), 2, 0);
}

/* --- a log left by a killed writer ---------------------------------- */

/* The rows packed as the format says (docs/storage.md): little-endian
 * int64 point, int64 ts, IEEE double value. */
static void pack_rows(unsigned char *body, const struct store_reading *rows,
		      int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t f[3];

		memcpy(&f[2], &rows[i].value, 8);
		f[0] = (uint64_t)rows[i].point_id;
		f[1] = (uint64_t)rows[i].ts;
		for (int j = 0; j < 3; j++)
			for (int b = 0; b < 8; b++)
				body[i * 24 + j * 8 + b] =
				    (unsigned char)(f[j] >> (8 * b));
	}
}

/* Writes batch seq into the arrivals table of db, a side file as a
 * server does, or with seq 0 the database's own log (SQLite numbers it). */
static void raw_side(sqlite3 *db, int64_t seq,
		     const struct store_reading *rows, int n)
{
	unsigned char body[24 * 8];
	sqlite3_stmt *s;

	pack_rows(body, rows, n);
	CHECK_INT(sqlite3_prepare_v2(db,
				     "INSERT INTO arrivals (seq, n, body) "
				     "VALUES (?1, ?2, ?3)",
				     -1, &s, NULL),
		  SQLITE_OK);
	if (seq > 0)
		sqlite3_bind_int64(s, 1, seq);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int(s, 2, n);
	sqlite3_bind_blob(s, 3, body, n * 24, SQLITE_STATIC);
	CHECK_INT(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/* Appends one arrival to the file's own log. */
static void raw_arrival(sqlite3 *db, const struct store_reading *rows,
			int n)
{
	raw_side(db, 0, rows, n);
}

/*
 * Three arrivals, as a writer killed before its merge leaves them, the
 * first of them rewriting a reading already in readings: opening the
 * file merges them all in one go, each later arrival winning at a
 * (point, ts) it shares with an earlier one.
 */
static void test_left_arrivals(void)
{
	int64_t ids[2], ts, count;
	double v;
	struct store *st = fresh(2, ids);
	struct store_reading a[2], b[2], c[1], old = {0};
	struct sum roll = {0};
	char err[256];
	sqlite3 *db;

	if (!st)
		return;
	old = (struct store_reading){ids[0], DAY0, 9.0};
	CHECK_INT(store_readings_put(st, &old, 1), STORE_OK);
	store_close(st);

	a[0] = (struct store_reading){ids[0], DAY0, 1.0};
	a[1] = (struct store_reading){ids[1], DAY0, 10.0};
	b[0] = (struct store_reading){ids[0], DAY0 + 60, 2.0};
	b[1] = (struct store_reading){ids[1], DAY0, 20.0};
	c[0] = (struct store_reading){ids[1], DAY0, 30.0};
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	raw_arrival(db, a, 2);
	raw_arrival(db, b, 2);
	raw_arrival(db, c, 1);
	sqlite3_close(db);
	CHECK_DBL(sql_num("SELECT count(*) FROM arrivals"), 3, 0);

	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return;
	/* merged by the open itself, before any read asked */
	CHECK_DBL(sql_num("SELECT count(*) FROM arrivals"), 0, 0);
	CHECK_DBL(sql_num("SELECT sum(n) FROM blocks"), 3, 0);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 3);
	CHECK_INT(store_reading_latest(st, ids[0], DAY0 + 1, &ts, &v),
		  STORE_OK);
	CHECK_DBL(v, 1.0, 0);	/* a replaced 9.0 */
	CHECK_INT(store_reading_latest(st, ids[1], INT64_MAX, &ts, &v),
		  STORE_OK);
	CHECK_INT(ts, DAY0);
	CHECK_DBL(v, 30.0, 0);	/* 10, then 20, then 30 */
	/* the rollups count each reading once: 1.0 + 2.0 on point 0 */
	CHECK_INT(store_rollups_each(st, ids[0], STORE_BUCKET_DAY, DAY0,
				     DAY0 + DAY, add_rollup, &roll),
		  STORE_OK);
	CHECK_INT(roll.n, 2);
	CHECK_DBL(roll.total, 3.0, 0);
	store_close(st);
}

/*
 * A child process writes batches and reports each acknowledgement on a
 * pipe; it is killed with SIGKILL at a varying moment (during a put, a
 * commit or a merge).  Reopened, the file holds every acknowledged
 * batch and nothing that was not written, each reading once.
 */
#define KILL_ROUNDS 6
#define KILL_BATCH 200

static void child_writes(const int64_t *ids, int fd)
{
	struct store *st = NULL;
	struct store_reading rows[KILL_BATCH];
	char err[256];

	if (store_open(path, &st, err, sizeof err))
		_exit(3);
	for (int b = 0;; b++) {
		for (int i = 0; i < KILL_BATCH; i++) {
			int64_t k = (int64_t)b * KILL_BATCH + i;

			rows[i] = (struct store_reading){
			    ids[k % 2], DAY0 + (k / 2) * 60, (double)k};
		}
		if (store_readings_put(st, rows, KILL_BATCH))
			_exit(4);
		if (write(fd, &b, sizeof b) != sizeof b)
			_exit(5);
	}
}

static void test_killed_writer(void)
{
	int64_t ids[2];
	struct store *st = fresh(2, ids);
	char err[256];

	if (!st)
		return;
	store_close(st);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		int fds[2], acked = -1, b, status;
		int64_t count = -1;
		struct sum raw = {0}, roll = {0};
		double want = 0;
		pid_t pid;

		CHECK_INT(pipe(fds), 0);
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child_writes(ids, fds[1]);
		}
		close(fds[1]);
		/* Ordering only: from a few acknowledgements (the log
		 * unmerged) to enough for background merges to run. */
		while (acked < 2 + round * round * 20 &&
		       read(fds[0], &b, sizeof b) == sizeof b)
			acked = b;
		kill(pid, SIGKILL);
		/* what was acknowledged before the kill landed */
		while (read(fds[0], &b, sizeof b) == sizeof b)
			acked = b;
		close(fds[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status));

		st = NULL;
		CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
		if (!st)
			return;
		CHECK_INT(store_readings_count(st, &count), STORE_OK);
		/* Every child starts over at k = 0, with the same readings:
		 * rounds only ever rewrite them. At least the acknowledged
		 * batches, and only whole batches. */
		CHECK(count >= (int64_t)(acked + 1) * KILL_BATCH);
		CHECK_INT(count % KILL_BATCH, 0);
		for (int i = 0; i < 2; i++) {
			CHECK_INT(store_readings_each(st, ids[i], 0, INT64_MAX,
						      add, &raw),
				  STORE_OK);
			CHECK_INT(store_rollups_each(st, ids[i],
						     STORE_BUCKET_MONTH, 0,
						     INT64_MAX, add_rollup,
						     &roll),
				  STORE_OK);
		}
		/* readings k = 0 .. count - 1, value k: sum count(count-1)/2 */
		want = (double)count * (double)(count - 1) / 2;
		CHECK_INT(raw.n, count);
		CHECK_DBL(raw.total, want, 1e-6);
		CHECK_INT(roll.n, count);
		CHECK_DBL(roll.total, want, 1e-6);
		store_close(st);
		CHECK_DBL(sql_num("SELECT count(*) FROM arrivals"), 0, 0);
		CHECK(access(side_path, F_OK) != 0);
	}
}

/* --- the side file ---------------------------------------------------- */

/* A count or sum from the side file, or -1 when it cannot be read. */
static double side_num(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	double v = -1;

	if (sqlite3_open_v2(side_path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	CHECK_AT(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
		 "%s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
}

/*
 * A server killed after a merge committed and before its side file
 * forgot the batches it took: the file says batches up to 3 are merged
 * but 2 (held back for an earlier mark), and the side file still holds
 * 1 and 3, with values that would show if they were applied again, and
 * 2 and 4.  Opening the file applies 2 and 4 only, and the next batch
 * gets a seq after all of them.
 */
static void test_side_left(void)
{
	int64_t ids[2], ts, count;
	double v;
	struct store *st = fresh(2, ids);
	struct store_reading a = {0}, stale1, kept2, stale3, new4;
	struct sum roll0 = {0}, roll1 = {0};
	char err[256];
	sqlite3 *db;

	if (!st)
		return;
	a = (struct store_reading){ids[0], DAY0, 1.0};
	CHECK_INT(store_readings_put(st, &a, 1), STORE_OK);
	CHECK_INT(access(side_path, F_OK), 0);	/* while open */
	store_close(st);
	CHECK(access(side_path, F_OK) != 0);	/* at rest: none */
	CHECK_DBL(sql_num("SELECT seq FROM log_applied"), 1, 0);

	stale1 = (struct store_reading){ids[0], DAY0, 5.0};
	kept2 = (struct store_reading){ids[0], DAY0 + 60, 2.0};
	stale3 = (struct store_reading){ids[1], DAY0, 7.0};
	new4 = (struct store_reading){ids[1], DAY0 + 60, 4.0};
	CHECK_INT(sqlite3_open(side_path, &db), SQLITE_OK);
	exec_sql(db, "PRAGMA journal_mode = WAL;"
		     "CREATE TABLE arrivals (seq INTEGER PRIMARY KEY,"
		     " n INTEGER NOT NULL, body BLOB NOT NULL)");
	raw_side(db, 1, &stale1, 1);
	raw_side(db, 2, &kept2, 1);
	raw_side(db, 3, &stale3, 1);
	raw_side(db, 4, &new4, 1);
	sqlite3_close(db);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec_sql(db, "UPDATE log_applied SET seq = 3;"
		     "INSERT INTO log_kept (seq) VALUES (2)");
	sqlite3_close(db);

	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return;
	/* merged by the open, and gone from the side file */
	CHECK_DBL(side_num("SELECT count(*) FROM arrivals"), 0, 0);
	CHECK_DBL(sql_num("SELECT seq FROM log_applied"), 4, 0);
	CHECK_DBL(sql_num("SELECT count(*) FROM log_kept"), 0, 0);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 3);	/* a, kept2, new4 */
	CHECK_INT(store_reading_latest(st, ids[0], DAY0 + 1, &ts, &v),
		  STORE_OK);
	CHECK_DBL(v, 1.0, 0);	/* not stale1's 5.0 */
	CHECK_INT(store_reading_latest(st, ids[1], INT64_MAX, &ts, &v),
		  STORE_OK);
	CHECK_INT(ts, DAY0 + 60);
	CHECK_DBL(v, 4.0, 0);
	CHECK_INT(store_reading_latest(st, ids[1], DAY0 + 60, &ts, &v),
		  STORE_NOT_FOUND);	/* not stale3 */
	CHECK_INT(store_rollups_each(st, ids[0], STORE_BUCKET_DAY, DAY0,
				     DAY0 + DAY, add_rollup, &roll0),
		  STORE_OK);
	CHECK_INT(roll0.n, 2);
	CHECK_DBL(roll0.total, 3.0, 0);	/* 1.0 + 2.0 */
	CHECK_INT(store_rollups_each(st, ids[1], STORE_BUCKET_DAY, DAY0,
				     DAY0 + DAY, add_rollup, &roll1),
		  STORE_OK);
	CHECK_INT(roll1.n, 1);
	CHECK_DBL(roll1.total, 4.0, 0);

	/* after 4, never a seq the file counts as merged */
	a = (struct store_reading){ids[0], DAY0 + 120, 3.0};
	CHECK_INT(store_readings_put(st, &a, 1), STORE_OK);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 4);
	store_close(st);
	CHECK_DBL(sql_num("SELECT seq FROM log_applied"), 5, 0);
	CHECK(access(side_path, F_OK) != 0);
}

/*
 * Two handles on one file, as akari import beside akari serve: the
 * first owns the side file; the second logs into the file's own
 * arrivals, which every merge takes.  Once the first has merged the
 * second's batch, the second no longer counts it as waiting (it used
 * to, and so merged again and again, a core's worth, while idle).
 * Closing the second leaves the first's side file alone.
 */
static void test_second_handle(void)
{
	int64_t ids[1], count, n;
	double sum;
	struct store *st = fresh(1, ids), *other = NULL;
	struct store_reading a, b;
	char err[256];

	if (!st)
		return;
	CHECK_INT(store_open(path, &other, err, sizeof err), STORE_OK);
	if (!other) {
		store_close(st);
		return;
	}
	a = (struct store_reading){ids[0], DAY0, 1.0};
	b = (struct store_reading){ids[0], DAY0 + 60, 2.0};
	CHECK_INT(store_readings_put(other, &a, 1), STORE_OK);
	CHECK_INT(store_readings_put(st, &b, 1), STORE_OK);
	CHECK_DBL(side_num("SELECT count(*) FROM arrivals") +
		      sql_num("SELECT count(*) FROM arrivals") +
		      sql_num("SELECT coalesce(sum(n), 0) FROM blocks"),
		  2, 0);	/* each once, wherever it is */
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 2);
	/* a, merged by st: other's next merge finds it gone */
	CHECK_INT(store_readings_count(other, &count), STORE_OK);
	CHECK_INT(count, 2);
	CHECK_INT(store_readings_waiting(other), 0);
	store_close(other);
	CHECK_INT(access(side_path, F_OK), 0);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 2);
	store_close(st);
	CHECK(access(side_path, F_OK) != 0);
	blocks_sum(&n, &sum);
	CHECK_INT(n, 2);
	CHECK_DBL(sum, 3.0, 0);
}

/*
 * A process that does not own the side file (akari prune beside akari
 * serve) merges what the owner acknowledged when it opens the file, as
 * it merges the file's own arrivals; the owner (whose batch waits
 * behind a mark meanwhile) then applies none of it again: not over a
 * newer value the other process wrote at the same time after it.
 */
static void test_other_merges(void)
{
	int64_t ids[1], count, n, ts;
	double sum, v;
	struct store *st = fresh(1, ids), *other = NULL;
	struct store_reading a, b, later;
	struct sum roll = {0};
	uint64_t mark;
	char err[256];

	if (!st)
		return;
	a = (struct store_reading){ids[0], DAY0, 1.0};
	b = (struct store_reading){ids[0], DAY0 + 60, 2.0};
	mark = store_readings_expect(st);
	CHECK_INT(store_readings_put(st, &a, 1), STORE_OK);
	CHECK_INT(store_open(path, &other, err, sizeof err), STORE_OK);
	CHECK_DBL(sql_num("SELECT coalesce(sum(n), 0) FROM blocks"), 1, 0);
	later = (struct store_reading){ids[0], DAY0, 9.0};
	if (other) {
		CHECK_INT(store_readings_put(other, &later, 1), STORE_OK);
		store_close(other);
	}
	CHECK_INT(store_readings_put(st, &b, 1), STORE_OK);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 2);
	CHECK_INT(store_rollups_each(st, ids[0], STORE_BUCKET_DAY, DAY0,
				     DAY0 + DAY, add_rollup, &roll),
		  STORE_OK);
	CHECK_INT(roll.n, 2);
	CHECK_DBL(roll.total, 11.0, 0);	/* 9.0 + 2.0 */
	CHECK_INT(store_reading_latest(st, ids[0], DAY0 + 1, &ts, &v),
		  STORE_OK);
	CHECK_DBL(v, 9.0, 0);	/* not a's 1.0 once more */
	store_readings_release(st, mark);
	store_close(st);
	blocks_sum(&n, &sum);
	CHECK_INT(n, 2);
	CHECK_DBL(sum, 11.0, 0);
	CHECK(access(side_path, F_OK) != 0);
}

/* Waits for the background merges, up to 20 s (a bound for a loaded
 * machine, not a measure of speed), until the blocks hold n readings
 * or more; each time it looks, calls seen(ctx) first. */
static int64_t blocks_wait(int64_t n, void (*seen)(void *), void *ctx)
{
	int64_t got = -1;

	for (int i = 0; i < 2000; i++) {
		if (seen)
			seen(ctx);
		got = (int64_t)sql_num("SELECT coalesce(sum(n), 0) "
				       "FROM blocks");
		if (got >= n)
			break;
		usleep(10 * 1000);
	}
	return got;
}

/*
 * Of two values at one (point, ts), the later request's wins, however
 * the merge comes: marks m1 < m2 < m3 taken in turn; the put of m3
 * (3.0) is logged before the put of m1 (1.0) at the same time; m1 and
 * m3 are given back, m2 is still expected, so the background merges
 * may take m1's batch but not m3's; a read then merges all at once.
 * m3's request began later: 3.0 stays, as it would had the background
 * merge taken the two in turn.  (Reads used to take them in the order
 * they were logged, and kept 1.0.)
 */
static void test_marks_win(void)
{
	int64_t ids[1], ts;
	double v;
	struct store *st = fresh(1, ids);
	struct store_reading x, y;
	uint64_t m1, m2, m3;

	if (!st)
		return;
	m1 = store_readings_expect(st);
	m2 = store_readings_expect(st);
	m3 = store_readings_expect(st);
	x = (struct store_reading){ids[0], DAY0, 3.0};
	y = (struct store_reading){ids[0], DAY0, 1.0};
	CHECK_INT(store_readings_put_marked(st, m3, &x, 1), STORE_OK);
	CHECK_INT(store_readings_put_marked(st, m1, &y, 1), STORE_OK);
	store_readings_release(st, m1);
	store_readings_release(st, m3);
	CHECK_INT(store_reading_latest(st, ids[0], DAY0 + 1, &ts, &v),
		  STORE_OK);
	CHECK_INT(ts, DAY0);
	CHECK_DBL(v, 3.0, 0);
	store_readings_release(st, m2);
	store_close(st);
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* What test_marks() watches: the later mark's batch merged alone. */
struct order_watch {
	int64_t since;		/* monotonic ms of that batch's put */
	int wrong;
};

/* While the blocks hold one reading, it is the earlier mark's; unless
 * the later one has waited out its hold (1 s: a stalled machine). */
static void first_is_earlier(void *ctx)
{
	struct order_watch *o = ctx;
	double n = sql_num("SELECT coalesce(sum(n), 0) FROM blocks");

	if (n == 1 && sql_num("SELECT min(t0) FROM blocks") != DAY0 &&
	    mono_ms() - o->since < 900)
		o->wrong++;
}

/*
 * Marks: a batch put after a mark still expected waits for it (unless
 * it waited too long); released, the earlier batch is merged first or
 * with it, never after it; a read merges all at once, marks or not.
 */
static void test_marks(void)
{
	int64_t ids[1], count;
	struct store *st = fresh(1, ids);
	struct store_reading r0, r1, r2, r3;
	struct sum roll = {0};
	uint64_t m1, m2, m3, m4;
	struct order_watch watch = {0};

	if (!st)
		return;
	r0 = (struct store_reading){ids[0], DAY0, 1.0};
	r1 = (struct store_reading){ids[0], DAY0 + 60, 2.0};
	r2 = (struct store_reading){ids[0], DAY0 + 120, 4.0};
	r3 = (struct store_reading){ids[0], DAY0 + 180, 8.0};
	m1 = store_readings_expect(st);
	m2 = store_readings_expect(st);
	CHECK(m1 != 0 && m2 != 0 && m1 != m2);
	/* the later request ends first, and the earlier one only after a
	 * merge would have taken the later one's batch (250 ms) */
	watch.since = mono_ms();
	CHECK_INT(store_readings_put_marked(st, m2, &r1, 1), STORE_OK);
	for (int i = 0; i < 40; i++) {
		first_is_earlier(&watch);
		usleep(10 * 1000);
	}
	CHECK_INT(store_readings_put_marked(st, m1, &r0, 1), STORE_OK);
	store_readings_release(st, m1);
	CHECK(blocks_wait(1, first_is_earlier, &watch) >= 1);
	store_readings_release(st, m2);
	CHECK_INT(blocks_wait(2, first_is_earlier, &watch), 2);
	CHECK_INT(watch.wrong, 0);

	/* a mark never released holds nothing back for ever */
	m3 = store_readings_expect(st);
	m4 = store_readings_expect(st);
	CHECK_INT(store_readings_put_marked(st, m4, &r2, 1), STORE_OK);
	store_readings_release(st, m4);
	CHECK_INT(blocks_wait(3, NULL, NULL), 3);

	/* a read takes every batch, whatever mark is expected */
	m4 = store_readings_expect(st);
	CHECK_INT(store_readings_put_marked(st, 0, &r3, 1), STORE_OK);
	CHECK_INT(store_readings_count(st, &count), STORE_OK);
	CHECK_INT(count, 4);
	CHECK_INT(store_rollups_each(st, ids[0], STORE_BUCKET_DAY, DAY0,
				     DAY0 + DAY, add_rollup, &roll),
		  STORE_OK);
	CHECK_INT(roll.n, 4);
	CHECK_DBL(roll.total, 15.0, 0);	/* 1 + 2 + 4 + 8 */
	store_readings_release(st, m3);
	store_readings_release(st, m4);
	store_readings_release(st, m4);	/* twice: nothing */
	store_close(st);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof path, "%s/akari.db", dir);
	snprintf(side_path, sizeof side_path, "%s-arrivals", path);

	test_concurrent_puts();
	test_read_after_put();
	test_left_arrivals();
	test_side_left();
	test_second_handle();
	test_other_merges();
	test_marks();
	test_marks_win();
	test_killed_writer();

	unlink(path);
	{
		char side[300];

		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
		unlink(side_path);
	}
	rmdir(dir);
	return check_finish();
}
