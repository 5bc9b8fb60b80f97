/*
 * store_log.c - the arrival log: group commit of batches of readings,
 * and their merge into blocks and rollups (contract in store_log.h).
 *
 * Why a log: batches arrive in arrival order, every point's minute 0,
 * then every point's minute 1, ...  Written straight into the readings
 * table, keyed by (point, ts), each batch touches one B-tree leaf per
 * point and each commit rewrites all of them.  Appended to the log, a
 * batch is one row at the end of one table.  A merge then takes many
 * batches at once and writes them sorted by point, so each leaf and
 * each rollup row is written once per merge instead of once per batch.
 *
 * Group commit: callers queue their batch.  The first caller that finds
 * no commit running leads: it takes the whole queue, writes one arrival
 * per batch in one transaction, commits (synchronous=FULL: on disk),
 * and wakes the callers it committed for; those queued meanwhile elect
 * the next leader.
 */
#include "cloud/store/store_log.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_internal.h"
#include "cloud/store/store_rollup.h"
#include "core/log.h"

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

/* A merge starts this long after the first arrival it will take... */
#define MERGE_DELAY_MS 250
/* ...or as soon as this many readings are pending. */
#define MERGE_ROWS 65536
/* After a failed background merge, wait this long before the next. */
#define MERGE_RETRY_MS 1000

/* One caller's batch, on its stack while it waits. */
struct waiter {
	const struct store_reading *rows;
	size_t n;
	bool done;
	int rc;
	char err[512];		/* the leader's message for this batch */
	struct waiter *next;
};

struct store_log {
	sqlite3 *db;		/* the store's write connection */
	pthread_mutex_t *wlock;	/* and its lock */
	sqlite3_stmt *append;	/* db: one arrival */
	sqlite3_stmt *scan;	/* db: every arrival, in seq order */
	sqlite3_stmt *clear;	/* db: the arrivals merged */

	pthread_mutex_t mu;	/* everything below */
	pthread_cond_t turn;	/* a commit ended: results, next leader */
	pthread_cond_t work;	/* the merge thread: pending or stop */
	struct waiter *head, **tail;
	bool leading;		/* a caller is committing the queue */
	uint64_t committed;	/* batches committed to the log so far */
	uint64_t merged;	/* of those, merged */
	size_t pending_rows;
	int64_t first_pending;	/* monotonic ms of the oldest unmerged */
	bool stop;
	bool thread_started;
	pthread_t thread;
};

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec_db(sqlite3 *db, const char *sql, const char *what)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, what);
	return STORE_OK;
}

/* --- the body of an arrival --------------------------------------------- */

static void pack(unsigned char *out, const struct store_reading *rows,
		 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t f[3];

		memcpy(&f[2], &rows[i].value, sizeof f[2]);
		f[0] = htole64((uint64_t)rows[i].point_id);
		f[1] = htole64((uint64_t)rows[i].ts);
		f[2] = htole64(f[2]);
		memcpy(out + i * STORE_LOG_ROW_BYTES, f, sizeof f);
	}
}

static void unpack(const unsigned char *in, size_t n,
		   struct store_reading *rows)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t f[3];

		memcpy(f, in + i * STORE_LOG_ROW_BYTES, sizeof f);
		rows[i].point_id = (int64_t)le64toh(f[0]);
		rows[i].ts = (int64_t)le64toh(f[1]);
		f[2] = le64toh(f[2]);
		memcpy(&rows[i].value, &f[2], sizeof f[2]);
	}
}

/* --- merging ------------------------------------------------------------ */

/* Every arrival in seq order, unpacked into one array (*rows, g_free);
 * *batches receives how many arrivals there were. */
static int read_arrivals(struct store_log *lg, struct store_reading **rows,
			 size_t *n, size_t *batches)
{
	sqlite3_stmt *s = lg->scan;
	size_t cap = 0;
	int rc, step;

	*rows = NULL;
	*n = 0;
	*batches = 0;
	rc = STORE_OK;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		int64_t count = sqlite3_column_int64(s, 1);
		const void *body = sqlite3_column_blob(s, 2);
		int64_t bytes = sqlite3_column_bytes(s, 2);

		if (count < 0 || bytes != count * STORE_LOG_ROW_BYTES) {
			rc = store_fail(STORE_IO,
					"arrival %lld holds %lld bytes for "
					"%lld readings",
					(long long)seq, (long long)bytes,
					(long long)count);
			break;
		}
		if (*n + (size_t)count > cap) {
			cap = cap ? 2 * cap : 4096;
			while (cap < *n + (size_t)count)
				cap *= 2;
			*rows = g_renew(struct store_reading, *rows, cap);
		}
		unpack(body, (size_t)count, *rows + *n);
		*n += (size_t)count;
		(*batches)++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(lg->db, "reading the arrival log");
	sqlite3_reset(s);
	return rc;
}

/* Writes the batch's rows, sorted by point and ts, into their points'
 * blocks. */
static int upsert_rows(struct store_log *lg, struct store_rollup_batch *b)
{
	const struct store_reading *rows;
	size_t n;

	rows = store_rollup_batch_rows(b, &n);
	return store_blocks_write_all(lg->db, rows, n);
}

/* Points a merge holds back at most, each for a damaged block. */
#define HELD_MAX 64

static bool is_held(const int64_t *held, size_t nheld, int64_t point)
{
	for (size_t i = 0; i < nheld; i++)
		if (held[i] == point)
			return true;
	return false;
}

/*
 * Moves the rows of held points out of rows[0..*n) into the quarantine
 * table, with the reason, and keeps the rest in order: a damaged block
 * of one point must not stop every other point's readings, nor lose
 * that point's (they wait there, as readings from the future do).
 */
static int hold_back(sqlite3 *db, struct store_reading *rows, size_t *n,
		     const int64_t *held, size_t nheld)
{
	static const char sql[] =
	    "INSERT INTO quarantine (point_id, ts, value, received,"
	    "  device_id, reason) VALUES (?1, ?2, ?3, unixepoch(), NULL,"
	    "  'a block of its stored readings is damaged')"
	    " ON CONFLICT (point_id, ts) DO UPDATE SET value = ?3,"
	    "  received = unixepoch(), device_id = NULL,"
	    "  reason = excluded.reason";
	sqlite3_stmt *s = NULL;
	size_t kept = 0;
	int rc = STORE_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "holding readings back");
	for (size_t i = 0; i < *n && !rc; i++) {
		if (!is_held(held, nheld, rows[i].point_id)) {
			rows[kept++] = rows[i];
			continue;
		}
		sqlite3_bind_int64(s, 1, rows[i].point_id);
		sqlite3_bind_int64(s, 2, rows[i].ts);
		sqlite3_bind_double(s, 3, rows[i].value);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = db_fail(db, "holding readings back");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	*n = kept;
	return rc;
}

/*
 * One merge, with the write lock held: every arrival in the file (this
 * log's and any another process left), applied and deleted in one
 * transaction.  Of two readings at one (point, ts) the later arrival
 * wins, as a direct write would have: the rollup batch sorts stably.
 *
 * A point whose stored block does not decode would fail every merge,
 * and with them every read and every open of the file.  So the merge is
 * made again without that point, whose readings go to the quarantine
 * table instead, in the same transaction: the rest of the file keeps
 * working, and the error stays in that point's own reads.
 */
static int merge_locked(struct store_log *lg)
{
	struct store_rollup_batch *batch = NULL;
	struct store_reading *rows = NULL;
	int64_t held[HELD_MAX];
	uint64_t target;
	size_t n = 0, batches = 0, nheld = 0;
	int rc;

	pthread_mutex_lock(&lg->mu);
	target = lg->committed;
	pthread_mutex_unlock(&lg->mu);

again:
	store_blocks_clear_bad();
	rc = exec_db(lg->db, "BEGIN IMMEDIATE", "starting a merge");
	if (rc)
		goto out;
	rc = read_arrivals(lg, &rows, &n, &batches);
	if (!rc && nheld)
		rc = hold_back(lg->db, rows, &n, held, nheld);
	if (!rc && n)
		rc = store_rollup_batch_begin(lg->db, rows, n, &batch);
	if (!rc && n)
		rc = upsert_rows(lg, batch);
	if (!rc && n)
		rc = store_rollup_batch_apply(lg->db, batch);
	/* An empty log is left untouched: a file at rest stays as it is,
	 * byte for byte, when akari opens and closes it. */
	if (!rc && batches && sqlite3_step(lg->clear) != SQLITE_DONE)
		rc = db_fail(lg->db, "emptying the arrival log");
	sqlite3_reset(lg->clear);
	if (!rc)
		rc = exec_db(lg->db, "COMMIT", "committing a merge");
	if (rc) {
		int64_t bad = store_blocks_bad_point();

		sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
		if (!bad || nheld == HELD_MAX || is_held(held, nheld, bad))
			goto out;
		log_error("store", "%s; its new readings are held back in "
			  "the quarantine table, and the merge goes on "
			  "without them", store_errmsg(NULL));
		held[nheld++] = bad;
		store_rollup_batch_free(batch);
		batch = NULL;
		g_free(rows);
		rows = NULL;
		goto again;
	}
	store_rollup_batch_commit(batch);

	/* Under the write lock no put committed meanwhile. */
	pthread_mutex_lock(&lg->mu);
	lg->merged = target;
	lg->pending_rows = 0;
	lg->first_pending = 0;
	pthread_mutex_unlock(&lg->mu);

out:
	store_rollup_batch_free(batch);
	g_free(rows);
	return rc;
}

static bool pending(struct store_log *lg)
{
	bool p;

	if (!lg)
		return false;
	pthread_mutex_lock(&lg->mu);
	p = lg->committed != lg->merged;
	pthread_mutex_unlock(&lg->mu);
	return p;
}

int store_log_sync_locked(struct store_log *lg)
{
	return pending(lg) ? merge_locked(lg) : STORE_OK;
}

int store_log_sync(struct store_log *lg)
{
	int rc;

	if (!pending(lg))
		return STORE_OK;
	pthread_mutex_lock(lg->wlock);
	rc = store_log_sync_locked(lg);
	pthread_mutex_unlock(lg->wlock);
	return rc;
}

/* Waits on the merge thread's condition until the monotonic ms at. */
static void wait_until(struct store_log *lg, int64_t at)
{
	struct timespec t = {at / 1000, (at % 1000) * 1000000};

	pthread_cond_timedwait(&lg->work, &lg->mu, &t);
}

/* Merges in the background, so that reads rarely have to. */
static void *merge_thread(void *arg)
{
	struct store_log *lg = arg;

	pthread_mutex_lock(&lg->mu);
	while (!lg->stop) {
		int64_t due;
		int rc;

		if (lg->committed == lg->merged) {
			pthread_cond_wait(&lg->work, &lg->mu);
			continue;
		}
		due = lg->first_pending + MERGE_DELAY_MS;
		if (lg->pending_rows < MERGE_ROWS && now_ms() < due) {
			wait_until(lg, due);
			continue;
		}
		pthread_mutex_unlock(&lg->mu);

		pthread_mutex_lock(lg->wlock);
		rc = store_log_sync_locked(lg);
		pthread_mutex_unlock(lg->wlock);

		/* The next read merges too and reports the failure to
		 * its caller; here it only delays the next attempt. */
		pthread_mutex_lock(&lg->mu);
		if (rc && !lg->stop)
			wait_until(lg, now_ms() + MERGE_RETRY_MS);
	}
	pthread_mutex_unlock(&lg->mu);
	return NULL;
}

/* --- group commit ------------------------------------------------------- */

/* Writes one arrival per queued batch and commits, write lock held. */
static int commit_group(struct store_log *lg, struct waiter *list)
{
	unsigned char *body = NULL;
	size_t cap = 0;
	int rc;

	rc = exec_db(lg->db, "BEGIN IMMEDIATE", "starting a write");
	for (struct waiter *w = list; !rc && w; w = w->next) {
		size_t bytes = w->n * STORE_LOG_ROW_BYTES;

		if (bytes > cap) {
			cap = bytes;
			body = g_realloc(body, cap);
		}
		pack(body, w->rows, w->n);
		sqlite3_bind_int64(lg->append, 1, (int64_t)w->n);
		sqlite3_bind_blob64(lg->append, 2, body, bytes,
				    SQLITE_STATIC);
		if (sqlite3_step(lg->append) != SQLITE_DONE)
			rc = db_fail(lg->db, "logging readings");
		sqlite3_reset(lg->append);
	}
	sqlite3_clear_bindings(lg->append);
	if (!rc)
		rc = exec_db(lg->db, "COMMIT", "committing readings");
	if (rc)
		sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
	g_free(body);
	return rc;
}

int store_log_put(struct store_log *lg, const struct store_reading *rows,
		  size_t n)
{
	struct waiter me = {.rows = rows, .n = n};
	struct waiter *list;
	uint64_t batches = 0;
	size_t total = 0;
	int rc;

	if (n == 0)
		return STORE_OK;

	pthread_mutex_lock(&lg->mu);
	*lg->tail = &me;
	lg->tail = &me.next;
	while (!me.done && lg->leading)
		pthread_cond_wait(&lg->turn, &lg->mu);
	if (me.done) {
		pthread_mutex_unlock(&lg->mu);
		return me.rc ? store_fail(me.rc, "%s", me.err) : STORE_OK;
	}

	/* This caller leads: the queue, itself included, is its group. */
	lg->leading = true;
	list = lg->head;
	lg->head = NULL;
	lg->tail = &lg->head;
	pthread_mutex_unlock(&lg->mu);

	pthread_mutex_lock(lg->wlock);
	rc = commit_group(lg, list);
	for (struct waiter *w = list; w; w = w->next) {
		batches++;
		total += w->n;
	}

	/* Counted before the write lock goes, so that a merge taking it
	 * next knows these arrivals are its to acknowledge. */
	pthread_mutex_lock(&lg->mu);
	if (!rc) {
		if (lg->committed == lg->merged)
			lg->first_pending = now_ms();
		lg->committed += batches;
		lg->pending_rows += total;
		pthread_cond_signal(&lg->work);
	}
	for (struct waiter *w = list, *next; w; w = next) {
		next = w->next;
		w->rc = rc;
		if (rc && w != &me)
			snprintf(w->err, sizeof w->err, "%s",
				 store_errmsg(NULL));
		w->done = true;
	}
	lg->leading = false;
	pthread_cond_broadcast(&lg->turn);
	pthread_mutex_unlock(&lg->mu);
	pthread_mutex_unlock(lg->wlock);
	return rc;
}

/* --- life --------------------------------------------------------------- */

static int prepare(struct store_log *lg, sqlite3_stmt **s, const char *sql)
{
	if (sqlite3_prepare_v3(lg->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
			       NULL) != SQLITE_OK)
		return db_fail(lg->db, "preparing the arrival log");
	return STORE_OK;
}

/* A log on db with its statements, and no thread yet. */
static int log_new(sqlite3 *db, pthread_mutex_t *lock,
		   struct store_log **out)
{
	struct store_log *lg;
	pthread_condattr_t attr;
	int rc;

	lg = g_new0(struct store_log, 1);
	lg->db = db;
	lg->wlock = lock;
	lg->tail = &lg->head;
	pthread_mutex_init(&lg->mu, NULL);
	pthread_cond_init(&lg->turn, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&lg->work, &attr);
	pthread_condattr_destroy(&attr);
	*out = lg;

	rc = prepare(lg, &lg->append,
		     "INSERT INTO arrivals (n, body) VALUES (?1, ?2)");
	if (!rc)
		rc = prepare(lg, &lg->scan,
			     "SELECT seq, n, body FROM arrivals ORDER BY seq");
	if (!rc)
		rc = prepare(lg, &lg->clear, "DELETE FROM arrivals");
	return rc;
}

int store_log_merge_db(sqlite3 *db)
{
	struct store_log *lg;
	int rc;

	/* A file from before migration 6 has no log to merge; one from
	 * before the blocks (a copy of an older release's file) keeps its
	 * log, which akari merges when it next opens the file, after its
	 * migrations. */
	if (sqlite3_table_column_metadata(db, NULL, "arrivals", "seq", NULL,
					  NULL, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_table_column_metadata(db, NULL, "blocks", "t0", NULL,
					  NULL, NULL, NULL, NULL) != SQLITE_OK)
		return STORE_OK;
	rc = log_new(db, NULL, &lg);
	if (!rc)
		rc = merge_locked(lg);
	/* the copy at rest, as store_close() leaves a file: without the
	 * pages the log held, where the file allows */
	if (!rc)
		rc = exec_db(db, "PRAGMA incremental_vacuum",
			     "giving back free pages");
	store_log_destroy(lg);
	/* db was never a store's writer: nothing of it is worth keeping */
	store_rollup_forget(db);
	store_blocks_forget(db);
	return rc;
}

int store_log_create(sqlite3 *db, pthread_mutex_t *lock,
		     struct store_log **out)
{
	struct store_log *lg;
	int rc;

	*out = NULL;
	rc = log_new(db, lock, &lg);

	/* What a killed process committed but never merged. */
	if (!rc) {
		pthread_mutex_lock(lg->wlock);
		rc = merge_locked(lg);
		pthread_mutex_unlock(lg->wlock);
	}
	if (!rc) {
		int e = pthread_create(&lg->thread, NULL, merge_thread, lg);

		if (e)
			rc = store_fail(STORE_IO, "starting the merge thread: "
					"%s", strerror(e));
		else
			lg->thread_started = true;
	}
	if (rc) {
		store_log_destroy(lg);
		return rc;
	}
	*out = lg;
	return STORE_OK;
}

void store_log_destroy(struct store_log *lg)
{
	if (!lg)
		return;
	if (lg->thread_started) {
		pthread_mutex_lock(&lg->mu);
		lg->stop = true;
		pthread_cond_signal(&lg->work);
		pthread_mutex_unlock(&lg->mu);
		pthread_join(lg->thread, NULL);

		pthread_mutex_lock(lg->wlock);
		merge_locked(lg);
		pthread_mutex_unlock(lg->wlock);
	}
	sqlite3_finalize(lg->append);
	sqlite3_finalize(lg->scan);
	sqlite3_finalize(lg->clear);
	pthread_cond_destroy(&lg->work);
	pthread_cond_destroy(&lg->turn);
	pthread_mutex_destroy(&lg->mu);
	g_free(lg);
}
