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
 *
 * Why a side file: in the database itself, a commit of the log waits
 * for the write lock while a merge holds it, tens of milliseconds, and
 * every request thread ends up waiting there with a core idle.  In a
 * file of its own the log commits beside the merge.  The batches it
 * holds are kept in memory too, so a merge reads nothing back.
 */
#define _GNU_SOURCE /* renameat2() */
#include "cloud/store/store_log.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_internal.h"
#include "cloud/store/store_rollup.h"
#include "core/log.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

/* A merge starts this long after the first arrival it will take... */
#define MERGE_DELAY_MS 250
/* ...or as soon as this many readings are pending.  Each merge decodes
 * and encodes again the last block of every point it writes, so at a
 * million readings a second over 1,000 points, merges of 65,536 (65 new
 * readings a point, on blocks of several hundred) cost the server about
 * a tenth more CPU than merges of this many. */
#define MERGE_ROWS 262144
/* After a failed background merge, wait this long before the next. */
#define MERGE_RETRY_MS 1000
/* A batch logged after one still expected (store_log_expect()) waits
 * for it at most this long, and so do at most this many readings. */
#define HOLD_MS 1000
#define HOLD_ROWS (2 * MERGE_ROWS)
/* How long a read waits to merge while another program holds the file's
 * write lock (store_log_sync()). */
#define SYNC_BUSY_MS 200

/* One caller's batch, on its stack while it waits. */
struct waiter {
	const struct store_reading *rows;
	size_t n;
	uint64_t mark;		/* its place in the order of arrival */
	int64_t seq;		/* its arrival, once written */
	unsigned char *body;	/* packed, for the side file's merge */
	bool done;
	int rc;
	char err[512];		/* the leader's message for this batch */
	struct waiter *next;
};

/* A batch this log committed and no merge has taken yet. */
struct logged {
	int64_t seq;		/* its row of arrivals */
	uint64_t mark;
	size_t n;
	int64_t at;		/* monotonic ms of its commit */
	unsigned char *body;	/* side file: its readings, packed; owned */
};

/* The side file's batches as another process reads them. */
struct store_log_side {
	GArray *batches;	/* struct logged: seq, n, body (owned) */
	GBytes *token;		/* the database it names; NULL: none */
};

static bool side_is_of(sqlite3 *db, const struct store_log_side *side);

struct points_check;
static int drop_unknown_rows(struct store_log *lg, struct points_check *pc,
			     const char *where, int64_t seq,
			     struct store_reading *rows, size_t *n);
static void points_check_free(struct points_check *pc);
static int drop_unknown(struct store_log *lg, struct points_check *pc,
			struct logged *l);


struct store_log {
	sqlite3 *db;		/* the store's write connection */
	pthread_mutex_t *wlock;	/* and its lock */
	sqlite3_stmt *append;	/* db: one arrival */
	sqlite3_stmt *scan;	/* db: every arrival, in seq order */
	sqlite3_stmt *clear;	/* db: the arrivals merged */
	sqlite3_stmt *clear_one;	/* db: one of them */

	/* The side file, when this log owns it (else side is NULL and
	 * batches go to db's arrivals, under the write lock). */
	sqlite3 *side;
	pthread_mutex_t side_lock;	/* side and next_seq */
	int side_fd;		/* holds the flock that makes it ours */
	char *side_path;
	sqlite3_stmt *side_append, *side_clear;
	sqlite3_stmt *note_kept, *note_applied;	/* db */
	int64_t next_seq;	/* of the next batch in the side file */
	/* During the open's merge: the points checked so far, as arrivals
	 * of db may name points it does not have (drop_unknown_rows()). */
	struct points_check *check;
	bool has_state;		/* db has log_applied (migration 10) */
	int busy_ms;		/* db's busy timeout, as store.c set it */
	bool busy;		/* the last merge found db locked */

	pthread_mutex_t mu;	/* everything below */
	pthread_cond_t turn;	/* a commit ended: results, next leader */
	pthread_cond_t work;	/* the merge thread: pending or stop */
	struct waiter *head, **tail;
	bool leading;		/* a caller is committing the queue */
	GArray *logged;		/* struct logged, seq order: unmerged */
	GArray *expected;	/* uint64_t marks of batches on their way */
	uint64_t next_mark;
	size_t pending_rows;	/* readings in logged */
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

/*
 * Whether a body of bytes holds count packed readings.  count comes from
 * the file and may be anything a damaged or hand-written row holds: it
 * is never multiplied, as count * STORE_LOG_ROW_BYTES could overflow
 * into a size that matches.
 */
static bool body_fits(int64_t count, int64_t bytes)
{
	return count >= 0 && bytes >= 0 && bytes % STORE_LOG_ROW_BYTES == 0 &&
	       bytes / STORE_LOG_ROW_BYTES == count;
}

/* --- merging ------------------------------------------------------------ */

static int cmp_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Whether seq is among the seqs of kept (int64_t, sorted). */
static bool seq_kept(const GArray *kept, int64_t seq)
{
	return kept->len && bsearch(&seq, kept->data, kept->len,
				    sizeof(int64_t), cmp_seq);
}

/* Whether seq is among the seqs of a (int64_t, in any order). */
static bool seq_in(const GArray *a, int64_t seq)
{
	for (guint i = 0; i < a->len; i++)
		if (g_array_index(a, int64_t, i) == seq)
			return true;
	return false;
}

/*
 * Every arrival in seq order but those whose seq is in kept (sorted,
 * nkept), unpacked into one array (*rows, g_free); *batches receives how
 * many arrivals that was, and taken (int64_t) their seqs.
 */
static int read_arrivals(struct store_log *lg, const int64_t *kept,
			 size_t nkept, struct store_reading **rows, size_t *n,
			 size_t *batches, GArray *taken)
{
	sqlite3_stmt *s = lg->scan;
	size_t cap = 0;
	int rc, step;

	*rows = NULL;
	*n = 0;
	*batches = 0;
	g_array_set_size(taken, 0);
	rc = STORE_OK;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		int64_t count = sqlite3_column_int64(s, 1);
		const void *body;
		int64_t bytes;

		if (nkept && bsearch(&seq, kept, nkept, sizeof *kept, cmp_seq))
			continue;
		body = sqlite3_column_blob(s, 2);
		bytes = sqlite3_column_bytes(s, 2);
		if (!body_fits(count, bytes)) {
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
		if (lg->check && lg->side_path) {
			size_t k = (size_t)count;

			rc = drop_unknown_rows(lg, lg->check,
					       "the database's arrival log",
					       seq, *rows + *n, &k);
			count = (int64_t)k;
		}
		*n += (size_t)count;
		(*batches)++;
		g_array_append_val(taken, seq);
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

/* The first mark still expected, with lg->mu held: a batch of that
 * mark or a later one waits (UINT64_MAX: none is expected). */
static uint64_t watermark(const struct store_log *lg)
{
	uint64_t w = UINT64_MAX;

	for (guint i = 0; i < lg->expected->len; i++) {
		uint64_t m = g_array_index(lg->expected, uint64_t, i);

		if (m < w)
			w = m;
	}
	return w;
}

/* Deletes the merged arrivals: all of them, or those of taken when
 * some stay. */
static int clear_taken(struct store_log *lg, bool some_stay,
		       const GArray *taken)
{
	int rc = STORE_OK;

	if (!some_stay) {
		if (sqlite3_step(lg->clear) != SQLITE_DONE)
			rc = db_fail(lg->db, "emptying the arrival log");
		sqlite3_reset(lg->clear);
		return rc;
	}
	for (guint i = 0; i < taken->len && !rc; i++) {
		sqlite3_bind_int64(lg->clear_one, 1,
				   g_array_index(taken, int64_t, i));
		if (sqlite3_step(lg->clear_one) != SQLITE_DONE)
			rc = db_fail(lg->db, "emptying the arrival log");
		sqlite3_reset(lg->clear_one);
	}
	return rc;
}

/* Orders batches as their requests began (their marks), then as they
 * were logged. */
static gint by_mark(gconstpointer a, gconstpointer b)
{
	const struct logged *x = a, *y = b;

	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Adds the packed readings of the side file's batches take[] to
 * *rows (g_renew), after what is there. */
static void add_taken(const GArray *take, struct store_reading **rows,
		      size_t *n)
{
	size_t more = 0;

	for (guint i = 0; i < take->len; i++)
		more += g_array_index(take, struct logged, i).n;
	if (!more)
		return;
	*rows = g_renew(struct store_reading, *rows, *n + more);
	for (guint i = 0; i < take->len; i++) {
		const struct logged *l = &g_array_index(take, struct logged, i);

		unpack(l->body, l->n, *rows + *n);
		*n += l->n;
	}
}

/* What db says of the side file's batches: the highest seq merged
 * (*applied, 0 when none) and those below it not merged (kept). */
static int side_state(sqlite3 *db, int64_t *applied, GArray *kept)
{
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK, step;

	*applied = 0;
	if (sqlite3_prepare_v2(db, "SELECT seq FROM log_applied", -1, &s,
			       NULL) != SQLITE_OK)
		return db_fail(db, "reading what was merged");
	if ((step = sqlite3_step(s)) == SQLITE_ROW)
		*applied = sqlite3_column_int64(s, 0);
	else if (step != SQLITE_DONE)
		rc = db_fail(db, "reading what was merged");
	sqlite3_finalize(s);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT seq FROM log_kept ORDER BY seq", -1,
			       &s, NULL) != SQLITE_OK)
		return db_fail(db, "reading what was merged");
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);

		g_array_append_val(kept, seq);
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "reading what was merged");
	sqlite3_finalize(s);
	return rc;
}

static int note_kept(struct store_log *lg, int64_t seq)
{
	int rc = STORE_OK;

	sqlite3_bind_int64(lg->note_kept, 1, seq);
	if (sqlite3_step(lg->note_kept) != SQLITE_DONE)
		rc = db_fail(lg->db, "noting the merge");
	sqlite3_reset(lg->note_kept);
	return rc;
}

/*
 * Notes in db, in the merge's transaction, that it holds the side
 * file's batches use[] (seq order) besides those db counted before
 * (every seq up to applied but those of kept): the highest seq, and
 * every seq below it not merged.  A crash before the side file forgets
 * them (side_forget()) then applies none twice, and a backup or another
 * process reading the side file meanwhile knows which of its batches
 * db holds.
 */
static int note_merged(struct store_log *lg, int64_t applied,
		       const GArray *kept, const GArray *use)
{
	GArray *seqs = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int64_t top = applied;
	int rc;

	for (guint i = 0; i < use->len; i++) {
		int64_t seq = g_array_index(use, struct logged, i).seq;

		g_array_append_val(seqs, seq);
		if (seq > top)
			top = seq;
	}
	rc = exec_db(lg->db, "DELETE FROM log_kept", "noting the merge");
	for (guint i = 0; !rc && i < kept->len; i++) {
		int64_t seq = g_array_index(kept, int64_t, i);

		if (!seq_kept(seqs, seq))
			rc = note_kept(lg, seq);
	}
	for (int64_t seq = applied + 1; !rc && seq < top; seq++)
		if (!seq_kept(seqs, seq))
			rc = note_kept(lg, seq);
	if (!rc) {
		sqlite3_bind_int64(lg->note_applied, 1, top);
		if (sqlite3_step(lg->note_applied) != SQLITE_DONE)
			rc = db_fail(lg->db, "noting the merge");
		sqlite3_reset(lg->note_applied);
	}
	g_array_free(seqs, TRUE);
	return rc;
}

/* Deletes from the side file the batches take[] that a merge holds.
 * A failure only leaves them there: the next open skips them. */
static void side_forget(struct store_log *lg, const GArray *take)
{
	int rc;

	if (!take->len)
		return;
	pthread_mutex_lock(&lg->side_lock);
	rc = exec_db(lg->side, "BEGIN IMMEDIATE", "forgetting merged batches");
	for (guint i = 0; !rc && i < take->len; i++) {
		sqlite3_bind_int64(lg->side_clear, 1,
				   g_array_index(take, struct logged, i).seq);
		if (sqlite3_step(lg->side_clear) != SQLITE_DONE)
			rc = db_fail(lg->side, "forgetting merged batches");
		sqlite3_reset(lg->side_clear);
	}
	if (!rc)
		rc = exec_db(lg->side, "COMMIT", "forgetting merged batches");
	if (rc) {
		sqlite3_exec(lg->side, "ROLLBACK", NULL, NULL, NULL);
		log_warn("store", "%s: %s", lg->side_path, store_errmsg(NULL));
	}
	pthread_mutex_unlock(&lg->side_lock);
}

/*
 * One merge, with the write lock held: every arrival of db (this log's
 * and any another process left) and of the side file, applied in one
 * transaction of db that deletes the first and notes the second as
 * merged; but with all false, this log's batches of a mark at or after
 * the watermark stay for a later merge, so that batches are merged in
 * the order their marks were taken.  Of two readings at one (point, ts)
 * the later arrival wins, as a direct write would have: the rollup
 * batch sorts stably.
 *
 * A point whose stored block does not decode would fail every merge,
 * and with them every read and every open of the file.  So the merge is
 * made again without that point, whose readings go to the quarantine
 * table instead, in the same transaction: the rest of the file keeps
 * working, and the error stays in that point's own reads.
 */
static int merge_locked(struct store_log *lg, bool all)
{
	struct store_rollup_batch *batch = NULL;
	struct store_reading *rows = NULL;
	struct store_log_side *other = NULL;
	GArray *kept = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GArray *taken = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GArray *cand = g_array_new(FALSE, FALSE, sizeof(struct logged));
	GArray *use = g_array_new(FALSE, FALSE, sizeof(struct logged));
	GArray *db_kept = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int64_t held[HELD_MAX], applied = 0;
	uint64_t w = UINT64_MAX;
	size_t n = 0, batches = 0, nheld = 0;
	int rc;

	/* Without a side file, no put commits meanwhile (the write lock);
	 * with one, what is committed after this look waits for the next
	 * merge.  Bodies stay where they are until the merge is over. */
	pthread_mutex_lock(&lg->mu);
	if (!all)
		w = watermark(lg);
	for (guint i = 0; i < lg->logged->len; i++) {
		const struct logged *l =
		    &g_array_index(lg->logged, struct logged, i);

		if (l->mark >= w)
			g_array_append_val(kept, l->seq);
		else if (lg->side)
			g_array_append_val(cand, *l);
	}
	pthread_mutex_unlock(&lg->mu);
	/* Of two values at one (point, ts) the later request's wins,
	 * whether a background merge takes them (by marks) or a read's
	 * takes all at once. */
	g_array_sort(cand, by_mark);

again:
	store_blocks_clear_bad();
	rc = exec_db(lg->db, "BEGIN IMMEDIATE", "starting a merge");
	lg->busy = rc && sqlite3_errcode(lg->db) == SQLITE_BUSY;
	if (rc)
		goto out;
	/* What db holds of the side file now, in this transaction: another
	 * process may have merged some of its batches meanwhile, and one
	 * that does not own it (akari prune beside akari serve) takes what
	 * its owner acknowledged, as it takes arrivals. */
	g_array_set_size(use, 0);
	g_array_set_size(db_kept, 0);
	if (lg->has_state)
		rc = side_state(lg->db, &applied, db_kept);
	if (!rc && lg->has_state && !lg->side && !other) {
		rc = store_log_side_read(sqlite3_db_filename(lg->db, "main"),
					 &other);
		/* another database's is set aside by the next owner */
		if (!rc && side_is_of(lg->db, other)) {
			/* the owner checks its batches when it opens, and
			 * this open may come first */
			for (guint i = 0; lg->check && lg->side_path &&
					  !rc && i < other->batches->len; i++)
				rc = drop_unknown(
				    lg, lg->check,
				    &g_array_index(other->batches,
						   struct logged, i));
			g_array_append_vals(cand, other->batches->data,
					    other->batches->len);
		}
	}
	for (guint i = 0; !rc && i < cand->len; i++) {
		const struct logged *l = &g_array_index(cand, struct logged, i);

		if (l->seq > applied || seq_kept(db_kept, l->seq))
			g_array_append_val(use, *l);
	}
	if (!rc && lg->side)
		rc = read_arrivals(lg, NULL, 0, &rows, &n, &batches, taken);
	else if (!rc)
		rc = read_arrivals(lg, (const int64_t *)(void *)kept->data,
				   kept->len, &rows, &n, &batches, taken);
	if (!rc)
		add_taken(use, &rows, &n);
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
	if (!rc && batches)
		rc = clear_taken(lg, !lg->side && kept->len > 0, taken);
	if (!rc && use->len)
		rc = note_merged(lg, applied, db_kept, use);
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
	if (!lg->side)
		goto forget;

	/* The side file's candidates are all in db now, merged here or
	 * before by another process: they leave the file and the list.
	 * (Without a side file the list holds arrivals of db, whose seqs
	 * count apart from the side file's.) */
	side_forget(lg, cand);
	g_array_set_size(taken, 0);
	for (guint i = 0; i < cand->len; i++)
		g_array_append_val(taken,
				   g_array_index(cand, struct logged, i).seq);
forget:
	/* Without a side file no put committed during the merge (they take
	 * the write lock too), and the merge read every arrival of db but
	 * the kept ones: a listed one it did not find was merged by another
	 * process (akari serve beside akari import), and goes too, or it
	 * would stay pending and start merge after merge. */
	pthread_mutex_lock(&lg->mu);
	for (guint i = 0; i < lg->logged->len;) {
		struct logged *l = &g_array_index(lg->logged, struct logged, i);

		if (lg->side ? !seq_in(taken, l->seq) : seq_in(kept, l->seq)) {
			i++;
			continue;
		}
		lg->pending_rows -= l->n;
		g_free(l->body);
		g_array_remove_index(lg->logged, i);
	}
	pthread_mutex_unlock(&lg->mu);

out:
	store_rollup_batch_free(batch);
	store_log_side_free(other);
	g_free(rows);
	g_array_free(kept, TRUE);
	g_array_free(taken, TRUE);
	g_array_free(cand, TRUE);
	g_array_free(use, TRUE);
	g_array_free(db_kept, TRUE);
	return rc;
}

static bool pending(struct store_log *lg)
{
	bool p;

	if (!lg)
		return false;
	pthread_mutex_lock(&lg->mu);
	p = lg->logged->len > 0;
	pthread_mutex_unlock(&lg->mu);
	return p;
}

size_t store_log_waiting(struct store_log *lg)
{
	size_t n;

	if (!lg)
		return 0;
	pthread_mutex_lock(&lg->mu);
	n = lg->logged->len;
	pthread_mutex_unlock(&lg->mu);
	return n;
}

int store_log_sync_locked(struct store_log *lg)
{
	return pending(lg) ? merge_locked(lg, true) : STORE_OK;
}

int store_log_sync(struct store_log *lg)
{
	int rc;

	if (!pending(lg))
		return STORE_OK;
	pthread_mutex_lock(lg->wlock);
	/* With the side file, a put no longer waits while another program
	 * holds the file's write lock (akari import); a read that would
	 * merge it must not wait the whole busy timeout for that program
	 * either.  It waits a little, then is refused: read without the
	 * merge it would leave out readings already acknowledged, and a
	 * dashboard or kiosk that is told to come back keeps what it shows
	 * instead of drawing a gap. */
	if (lg->side)
		sqlite3_busy_timeout(lg->db, SYNC_BUSY_MS);
	rc = store_log_sync_locked(lg);
	if (lg->side) {
		if (rc && lg->busy) {
			size_t rows;

			pthread_mutex_lock(&lg->mu);
			rows = lg->pending_rows;
			pthread_mutex_unlock(&lg->mu);
			rc = store_fail(STORE_BUSY,
					"another program (akari import --db, "
					"akari rollup rebuild, ...) has held "
					"the database's write lock for over "
					"%d ms, and %zu acknowledged readings "
					"wait for it to be merged: an answer "
					"now would leave them out",
					SYNC_BUSY_MS, rows);
		}
		sqlite3_busy_timeout(lg->db, lg->busy_ms);
	}
	pthread_mutex_unlock(lg->wlock);
	return rc;
}

/* Waits on the merge thread's condition until the monotonic ms at. */
static void wait_until(struct store_log *lg, int64_t at)
{
	struct timespec t = {at / 1000, (at % 1000) * 1000000};

	pthread_cond_timedwait(&lg->work, &lg->mu, &t);
}

/*
 * With lg->mu held: 0 when a background merge is due now, with *all
 * whether it takes every batch, even those that wait for a mark; else
 * the monotonic ms when to look again (or INT64_MAX: when woken).
 *
 * Due are the batches before the watermark, after MERGE_DELAY_MS or
 * once MERGE_ROWS of them wait; all of them, once the oldest has waited
 * HOLD_MS or HOLD_ROWS are pending, so that a request that never ends
 * holds no reading back for long.
 */
static int64_t merge_due(const struct store_log *lg, bool *all)
{
	uint64_t w = watermark(lg);
	int64_t now = now_ms(), oldest = INT64_MAX;
	size_t rows = 0;

	*all = true;
	if (!lg->logged->len)
		return INT64_MAX;
	if (g_array_index(lg->logged, struct logged, 0).at + HOLD_MS <= now ||
	    lg->pending_rows >= HOLD_ROWS)
		return 0;
	for (guint i = 0; i < lg->logged->len; i++) {
		const struct logged *l =
		    &g_array_index(lg->logged, struct logged, i);

		if (l->mark >= w)
			continue;
		rows += l->n;
		if (l->at < oldest)
			oldest = l->at;
	}
	*all = false;
	if (rows && (rows >= MERGE_ROWS || oldest + MERGE_DELAY_MS <= now))
		return 0;
	/* Nothing due yet: look again when the first batch would be, or
	 * when the oldest has waited long enough (a release or a put
	 * wakes the thread before). */
	if (oldest != INT64_MAX && oldest + MERGE_DELAY_MS <
	    g_array_index(lg->logged, struct logged, 0).at + HOLD_MS)
		return oldest + MERGE_DELAY_MS;
	return g_array_index(lg->logged, struct logged, 0).at + HOLD_MS;
}

/* Merges in the background, so that reads rarely have to. */
static void *merge_thread(void *arg)
{
	struct store_log *lg = arg;

	pthread_mutex_lock(&lg->mu);
	while (!lg->stop) {
		int64_t due;
		bool all;
		int rc;

		due = merge_due(lg, &all);
		if (due == INT64_MAX) {
			pthread_cond_wait(&lg->work, &lg->mu);
			continue;
		}
		if (due) {
			wait_until(lg, due);
			continue;
		}
		pthread_mutex_unlock(&lg->mu);

		/* Not the whole busy timeout with the write lock held while
		 * another program holds the file: reads wait for this lock
		 * (store_log_sync()), and are to be answered or refused
		 * within SYNC_BUSY_MS or so. */
		pthread_mutex_lock(lg->wlock);
		if (lg->side)
			sqlite3_busy_timeout(lg->db, SYNC_BUSY_MS);
		rc = merge_locked(lg, all);
		if (lg->side)
			sqlite3_busy_timeout(lg->db, lg->busy_ms);
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

/* Writes one row per queued batch into the side file and commits,
 * side_lock held; each batch keeps its packed body for the merge. */
static int commit_side(struct store_log *lg, struct waiter *list)
{
	int64_t seq = lg->next_seq;
	int rc;

	rc = exec_db(lg->side, "BEGIN IMMEDIATE", "starting a write");
	for (struct waiter *w = list; !rc && w; w = w->next) {
		size_t bytes = w->n * STORE_LOG_ROW_BYTES;

		w->body = g_malloc(bytes);
		pack(w->body, w->rows, w->n);
		w->seq = seq++;
		sqlite3_bind_int64(lg->side_append, 1, w->seq);
		sqlite3_bind_int64(lg->side_append, 2, (int64_t)w->n);
		sqlite3_bind_blob64(lg->side_append, 3, w->body, bytes,
				    SQLITE_STATIC);
		if (sqlite3_step(lg->side_append) != SQLITE_DONE)
			rc = db_fail(lg->side, "logging readings");
		sqlite3_reset(lg->side_append);
	}
	sqlite3_clear_bindings(lg->side_append);
	if (!rc)
		rc = exec_db(lg->side, "COMMIT", "committing readings");
	if (!rc) {
		lg->next_seq = seq;
		return STORE_OK;
	}
	sqlite3_exec(lg->side, "ROLLBACK", NULL, NULL, NULL);
	for (struct waiter *w = list; w; w = w->next) {
		g_free(w->body);
		w->body = NULL;
	}
	return rc;
}

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
		w->seq = sqlite3_last_insert_rowid(lg->db);
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

int store_log_put(struct store_log *lg, uint64_t mark,
		  const struct store_reading *rows, size_t n)
{
	struct waiter me = {.rows = rows, .n = n, .mark = mark};
	struct waiter *list;
	pthread_mutex_t *lock;
	int rc;

	if (n == 0)
		return STORE_OK;

	pthread_mutex_lock(&lg->mu);
	/* A batch with no mark is as new as a mark taken now. */
	if (!me.mark)
		me.mark = ++lg->next_mark;
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

	/* With a side file of its own, a put never waits for a merge. */
	lock = lg->side ? &lg->side_lock : lg->wlock;

	pthread_mutex_lock(lock);
	rc = lg->side ? commit_side(lg, list) : commit_group(lg, list);

	/* Listed before the lock goes, so that a merge taking it next
	 * knows these arrivals are its to acknowledge. */
	pthread_mutex_lock(&lg->mu);
	if (!rc) {
		int64_t at = now_ms();

		for (struct waiter *w = list; w; w = w->next) {
			struct logged l = {w->seq, w->mark, w->n, at, w->body};

			g_array_append_val(lg->logged, l);
			lg->pending_rows += w->n;
		}
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
	pthread_mutex_unlock(lock);
	return rc;
}

uint64_t store_log_expect(struct store_log *lg)
{
	uint64_t mark;

	pthread_mutex_lock(&lg->mu);
	mark = ++lg->next_mark;
	g_array_append_val(lg->expected, mark);
	pthread_mutex_unlock(&lg->mu);
	return mark;
}

void store_log_release(struct store_log *lg, uint64_t mark)
{
	pthread_mutex_lock(&lg->mu);
	for (guint i = 0; i < lg->expected->len; i++) {
		if (g_array_index(lg->expected, uint64_t, i) != mark)
			continue;
		g_array_remove_index_fast(lg->expected, i);
		/* the watermark may have moved past batches waiting */
		pthread_cond_signal(&lg->work);
		break;
	}
	pthread_mutex_unlock(&lg->mu);
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
	lg->logged = g_array_new(FALSE, FALSE, sizeof(struct logged));
	lg->expected = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	lg->side_fd = -1;
	pthread_mutex_init(&lg->side_lock, NULL);
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
	if (!rc)
		rc = prepare(lg, &lg->clear_one,
			     "DELETE FROM arrivals WHERE seq = ?1");
	/* A copy of an older release's file (store_log_merge_db()) has no
	 * note of the side file's batches, and no side file. */
	lg->has_state = sqlite3_table_column_metadata(
			    db, NULL, "log_applied", "seq", NULL, NULL, NULL,
			    NULL, NULL) == SQLITE_OK;
	if (!rc && lg->has_state)
		rc = prepare(lg, &lg->note_kept,
			     "INSERT INTO log_kept (seq) VALUES (?1)");
	if (!rc && lg->has_state)
		rc = prepare(lg, &lg->note_applied,
			     "INSERT INTO log_applied (id, seq) VALUES (1, ?1)"
			     " ON CONFLICT (id) DO UPDATE SET seq = ?1");
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
		rc = merge_locked(lg, true);
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

/* --- the side file at open: damage and unknown points -------------------- */

/* What an open knows of the points the side file's batches name. */
struct points_check {
	sqlite3_stmt *find;	/* db: SELECT 1 FROM points WHERE id = ?1 */
	GHashTable *known;	/* int64_t id (owned) -> 1 known, 2 not */
};

static void points_check_free(struct points_check *pc)
{
	sqlite3_finalize(pc->find);
	if (pc->known)
		g_hash_table_destroy(pc->known);
}

/* Whether point is a row of db's points; the answers are kept, as an
 * open may read thousands of batches of the same points. */
static int point_known(sqlite3 *db, struct points_check *pc, int64_t point,
		       bool *known)
{
	gpointer v = NULL;
	int step;

	if (!pc->known)
		pc->known = g_hash_table_new_full(g_int64_hash, g_int64_equal,
						  g_free, NULL);
	v = g_hash_table_lookup(pc->known, &point);
	if (v) {
		*known = GPOINTER_TO_INT(v) == 1;
		return STORE_OK;
	}
	if (!pc->find &&
	    sqlite3_prepare_v2(db, "SELECT 1 FROM points WHERE id = ?1", -1,
			       &pc->find, NULL) != SQLITE_OK)
		return db_fail(db, "looking up the side file's points");
	sqlite3_bind_int64(pc->find, 1, point);
	step = sqlite3_step(pc->find);
	sqlite3_reset(pc->find);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return db_fail(db, "looking up the side file's points");
	*known = step == SQLITE_ROW;
	g_hash_table_insert(pc->known, g_memdup2(&point, sizeof point),
			    GINT_TO_POINTER(*known ? 1 : 2));
	return STORE_OK;
}

/*
 * Keeps rows[0..n), readings of points the database does not have, in
 * the file lg->side_path with STORE_LOG_UNKNOWN_SUFFIX (table readings:
 * point_id, ts, value; the later of two at one (point, ts) wins), made
 * with the database's permissions and committed (synchronous=FULL)
 * before the batch that held them can leave the side file.  Written
 * again by the next open after a crash: the same rows, the same file.
 */
static int keep_unknown(struct store_log *lg,
			const struct store_reading *rows, size_t n,
			const char *path)
{
	static const char setup[] =
	    "PRAGMA synchronous = FULL;"
	    "CREATE TABLE IF NOT EXISTS readings ("
	    "  point_id INTEGER NOT NULL,"
	    "  ts INTEGER NOT NULL,"
	    "  value REAL NOT NULL,"
	    "  PRIMARY KEY (point_id, ts));"
	    "BEGIN IMMEDIATE";
	const char *main = sqlite3_db_filename(lg->db, "main");
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct stat st;
	mode_t mode = 0600;
	int rc = STORE_OK, fd;

	if (main && !stat(main, &st))
		mode = st.st_mode & 0666;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0)
		return store_fail(STORE_IO, "cannot make %s: %s", path,
				  strerror(errno));
	/* As side_lock() does: made by root, it stays the owner's. */
	if (geteuid() == 0 && main && !stat(main, &st)) {
		struct stat made;

		if (!fstat(fd, &made) &&
		    (made.st_uid != st.st_uid || made.st_gid != st.st_gid) &&
		    fchown(fd, st.st_uid, st.st_gid))
			log_warn("store", "cannot give %s the owner of %s: %s",
				 path, main, strerror(errno));
	}
	close(fd);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = store_fail(STORE_IO, "cannot open %s: %s", path,
				db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	rc = exec_db(db, setup, path);
	if (!rc && sqlite3_prepare_v2(db,
				      "INSERT INTO readings VALUES (?1, ?2, ?3)"
				      " ON CONFLICT (point_id, ts) DO UPDATE"
				      " SET value = excluded.value", -1, &s,
				      NULL) != SQLITE_OK)
		rc = db_fail(db, path);
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_bind_int64(s, 1, rows[i].point_id);
		sqlite3_bind_int64(s, 2, rows[i].ts);
		sqlite3_bind_double(s, 3, rows[i].value);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = db_fail(db, path);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (!rc)
		rc = exec_db(db, "COMMIT", path);
out:
	sqlite3_close(db);
	return rc;
}

/*
 * Leaves out of rows[0..*n), batch seq of the log where, the readings
 * of points the database does not have (a hand-made or damaged batch:
 * ingest checks every point before it logs), kept aside by
 * keep_unknown() with an error naming the batch: merged, they would
 * fail every merge, and so every open.  The others keep their order.
 */
static int drop_unknown_rows(struct store_log *lg, struct points_check *pc,
			     const char *where, int64_t seq,
			     struct store_reading *rows, size_t *n)
{
	struct store_reading *unknown = g_new(struct store_reading, *n + 1);
	size_t kept = 0, nu = 0;
	bool one = true;	/* every unknown reading names one point */
	char *path = NULL;
	int rc = STORE_OK;

	for (size_t i = 0; !rc && i < *n; i++) {
		bool known = false;

		rc = point_known(lg->db, pc, rows[i].point_id, &known);
		if (!rc && known)
			rows[kept++] = rows[i];
		else if (!rc)
			unknown[nu++] = rows[i];
		if (!rc && !known && rows[i].point_id != unknown[0].point_id)
			one = false;
	}
	if (rc || !nu)
		goto out;
	path = g_strconcat(lg->side_path, STORE_LOG_UNKNOWN_SUFFIX, NULL);
	rc = keep_unknown(lg, unknown, nu, path);
	if (rc)
		goto out;
	log_error("store", "%s: batch %lld holds %zu readings of point id "
		  "%lld%s, which the database does not have: kept in %s, "
		  "not merged", where, (long long)seq, nu,
		  (long long)unknown[0].point_id,
		  one ? "" : " and others", path);
	*n = kept;
out:
	g_free(path);
	g_free(unknown);
	return rc;
}

/* The same for the side file's batch l, whose body and n are rewritten
 * in place. */
static int drop_unknown(struct store_log *lg, struct points_check *pc,
			struct logged *l)
{
	struct store_reading *rows = g_new(struct store_reading, l->n + 1);
	size_t n = l->n;
	int rc;

	unpack(l->body, l->n, rows);
	rc = drop_unknown_rows(lg, pc, lg->side_path, l->seq, rows, &n);
	if (!rc && n != l->n) {
		pack(l->body, rows, n);
		l->n = n;
	}
	g_free(rows);
	return rc;
}

/* Whether SQLite's last error on db is damage in the file, not a busy
 * file or a lack of memory. */
static bool is_damage(sqlite3 *db)
{
	int code = sqlite3_extended_errcode(db) & 0xff;

	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB ||
	       sqlite3_extended_errcode(db) == SQLITE_IOERR_SHORT_READ;
}

/* What an open's read of the side file found. */
struct side_scan {
	int64_t applied;	/* db's log_applied */
	GArray *kept;		/* int64_t: db's log_kept */
	GArray *stale;		/* struct logged: merged, to delete */
	GArray *found;		/* struct logged: to merge; bodies owned */
	int64_t top;		/* the highest seq seen */
	bool damaged;		/* a page failed: found is what was read */
	int64_t before, after;	/* seqs read on either side of it */
	char why[256];		/* SQLite's word for it */
};

/* Sorts the row s of the side file into scan's stale or found. */
static int scan_row(struct store_log *lg, struct points_check *pc,
		    sqlite3_stmt *s, struct side_scan *scan)
{
	struct logged l = {0};
	int64_t count = sqlite3_column_int64(s, 1);
	int64_t bytes = sqlite3_column_bytes(s, 2);
	const void *body = sqlite3_column_blob(s, 2);

	l.seq = sqlite3_column_int64(s, 0);
	if (l.seq > scan->top)
		scan->top = l.seq;
	if (l.seq <= scan->applied && !seq_kept(scan->kept, l.seq)) {
		g_array_append_val(scan->stale, l);
		return STORE_OK;
	}
	if (!body_fits(count, bytes) || (bytes && !body)) {
		/* Damage in one batch: it cannot be read, and must not
		 * keep the database from opening. */
		log_error("store", "%s: batch %lld holds %lld bytes "
			  "for %lld readings: left out, and deleted",
			  lg->side_path, (long long)l.seq,
			  (long long)bytes, (long long)count);
		g_array_append_val(scan->stale, l);
		return STORE_OK;
	}
	l.n = (size_t)count;
	l.body = g_memdup2(body, (gsize)bytes);
	g_array_append_val(scan->found, l);
	return drop_unknown(lg, pc, &g_array_index(scan->found, struct logged,
						   scan->found->len - 1));
}

/*
 * Reads every batch of the side file into scan.  A page that fails on
 * the way (damage in the file) ends the read there; the batches after
 * it are then read backwards from the end, down to the failing page, so
 * that all the batches SQLite can still read are kept.
 */
static int side_scan(struct store_log *lg, struct side_scan *scan)
{
	struct points_check pc = {0};
	sqlite3_stmt *s = NULL;
	int rc, step = SQLITE_DONE;

	rc = side_state(lg->db, &scan->applied, scan->kept);
	if (rc)
		goto out;
	scan->top = scan->applied;
	scan->before = scan->after = 0;
	if (sqlite3_prepare_v2(lg->side,
			       "SELECT seq, n, body FROM arrivals ORDER BY seq",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(lg->side, lg->side_path);
		goto out;
	}
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		scan->before = sqlite3_column_int64(s, 0);
		rc = scan_row(lg, &pc, s, scan);
	}
	if (rc || step == SQLITE_DONE)
		goto out;
	if (!is_damage(lg->side)) {
		rc = db_fail(lg->side, lg->side_path);
		goto out;
	}
	scan->damaged = true;
	snprintf(scan->why, sizeof scan->why, "%s",
		 sqlite3_errmsg(lg->side));
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(lg->side,
			       "SELECT seq, n, body FROM arrivals "
			       "WHERE seq > ?1 ORDER BY seq DESC",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;	/* what the forward read found is kept */
	sqlite3_bind_int64(s, 1, scan->before);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		scan->after = sqlite3_column_int64(s, 0);
		rc = scan_row(lg, &pc, s, scan);
	}
out:
	sqlite3_finalize(s);
	points_check_free(&pc);
	return rc;
}

static void side_scan_free(struct side_scan *scan)
{
	if (scan->found)
		for (guint i = 0; i < scan->found->len; i++)
			g_free(g_array_index(scan->found, struct logged,
					     i).body);
	if (scan->found)
		g_array_free(scan->found, TRUE);
	if (scan->stale)
		g_array_free(scan->stale, TRUE);
	if (scan->kept)
		g_array_free(scan->kept, TRUE);
}

static gint by_seq(gconstpointer a, gconstpointer b)
{
	const struct logged *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the batches salvaged from a damaged side file into the new
 * one open in lg->side, with their seqs, in one commit: on disk before
 * the damaged file's name is given up for good. */
static int side_rewrite(struct store_log *lg, const GArray *batches)
{
	int rc;

	if (!batches->len)
		return STORE_OK;
	rc = exec_db(lg->side, "BEGIN IMMEDIATE", lg->side_path);
	for (guint i = 0; !rc && i < batches->len; i++) {
		const struct logged *l =
		    &g_array_index(batches, struct logged, i);

		sqlite3_bind_int64(lg->side_append, 1, l->seq);
		sqlite3_bind_int64(lg->side_append, 2, (int64_t)l->n);
		sqlite3_bind_blob64(lg->side_append, 3, l->body,
				    l->n * STORE_LOG_ROW_BYTES, SQLITE_STATIC);
		if (sqlite3_step(lg->side_append) != SQLITE_DONE)
			rc = db_fail(lg->side, lg->side_path);
		sqlite3_reset(lg->side_append);
	}
	sqlite3_clear_bindings(lg->side_append);
	if (!rc)
		rc = exec_db(lg->side, "COMMIT", lg->side_path);
	else
		sqlite3_exec(lg->side, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * The side file's batches that db does not hold, into lg->logged, and
 * the others out of the file: those a merge had committed when the
 * process that made it ended before side_forget().  With the write
 * lock held, before any put.  When a page of the file fails, nothing
 * is taken: *salvage (owned by the caller) receives every batch that
 * could be read, *why what failed, and the caller sets the file aside
 * and writes them into a new one.
 */
static int side_recover(struct store_log *lg, GArray *salvage, char *why,
			size_t whylen)
{
	struct side_scan scan = {0};
	int rc;

	scan.kept = g_array_new(FALSE, FALSE, sizeof(int64_t));
	scan.stale = g_array_new(FALSE, FALSE, sizeof(struct logged));
	scan.found = g_array_new(FALSE, FALSE, sizeof(struct logged));
	rc = side_scan(lg, &scan);
	if (rc)
		goto out;
	g_array_sort(scan.found, by_seq);
	if (scan.damaged) {
		size_t rows = 0;

		for (guint i = 0; i < scan.found->len; i++)
			rows += g_array_index(scan.found, struct logged, i).n;
		if (scan.after)
			snprintf(why, whylen, "cannot be read between batch "
				 "%lld and batch %lld (%s); its %u readable "
				 "batches (%zu readings) go to a new side file",
				 (long long)scan.before, (long long)scan.after,
				 scan.why, scan.found->len, rows);
		else
			snprintf(why, whylen, "cannot be read after batch "
				 "%lld (%s); its %u readable batches (%zu "
				 "readings) go to a new side file",
				 (long long)scan.before, scan.why,
				 scan.found->len, rows);
		/* A new side file that fails again holds only what the
		 * first one gave, which salvage still has. */
		if (!salvage->len) {
			g_array_append_vals(salvage, scan.found->data,
					    scan.found->len);
			g_array_set_size(scan.found, 0);
		}
		goto out;
	}
	for (guint i = 0; i < scan.found->len; i++) {
		struct logged *l = &g_array_index(scan.found, struct logged, i);

		l->mark = ++lg->next_mark;
		l->at = now_ms();
		g_array_append_val(lg->logged, *l);
		lg->pending_rows += l->n;
	}
	g_array_set_size(scan.found, 0);
	lg->next_seq = scan.top + 1;

	/* Batches merged before the end of the last process: gone. */
	side_forget(lg, scan.stale);
out:
	side_scan_free(&scan);
	return rc;
}

/* Closes lg->side's SQLite connection, not its flock; false when SQLite
 * could not close it. */
static bool side_close_db(struct store_log *lg)
{
	bool closed = true;

	sqlite3_finalize(lg->side_append);
	sqlite3_finalize(lg->side_clear);
	lg->side_append = lg->side_clear = NULL;
	if (lg->side && sqlite3_close(lg->side) != SQLITE_OK)
		closed = false;
	lg->side = NULL;
	return closed;
}

/* Closes the side file and lets it go to another process; removes it
 * when gone is set (this log has merged every batch in it). */
static void side_close(struct store_log *lg, bool gone)
{
	if (!side_close_db(lg))
		gone = false;
	if (gone && lg->side_fd >= 0 && unlink(lg->side_path))
		log_warn("store", "cannot remove %s: %s", lg->side_path,
			 strerror(errno));
	if (lg->side_fd >= 0)
		close(lg->side_fd);
	lg->side_fd = -1;
}

/*
 * Opens and locks the file at lg->side_path into lg->side_fd, made with
 * the database's permissions (and, for root, its owner, as SQLite makes
 * a -wal), so that readings are no more readable than the database.
 * *mine is false when another process holds it.  The lock must be on
 * the file at the path: an owner that closes unlinks it, and one opened
 * just before may lock the unlinked file while a third process makes
 * and locks a new one, so the lock is taken again on the new file.
 */
static int side_lock(struct store_log *lg, const char *main, bool *mine)
{
	struct stat db, fd, path;
	mode_t mode = 0600;

	*mine = false;
	if (!stat(main, &db))
		mode = db.st_mode & 0666;
	for (int tries = 0; tries < 8; tries++) {
		lg->side_fd = open(lg->side_path, O_RDWR | O_CREAT | O_CLOEXEC,
				   mode);
		if (lg->side_fd < 0)
			return store_fail(STORE_IO, "cannot open %s: %s",
					  lg->side_path, strerror(errno));
		if (flock(lg->side_fd, LOCK_EX | LOCK_NB)) {
			int e = errno;

			close(lg->side_fd);
			lg->side_fd = -1;
			if (e == EWOULDBLOCK)
				return STORE_OK;
			return store_fail(STORE_IO, "cannot lock %s: %s",
					  lg->side_path, strerror(e));
		}
		if (!fstat(lg->side_fd, &fd) && !stat(lg->side_path, &path) &&
		    fd.st_dev == path.st_dev && fd.st_ino == path.st_ino) {
			if (geteuid() == 0 && !stat(main, &db) &&
			    (fd.st_uid != db.st_uid || fd.st_gid != db.st_gid) &&
			    fchown(lg->side_fd, db.st_uid, db.st_gid))
				log_warn("store", "cannot give %s the owner of "
					 "%s: %s", lg->side_path, main,
					 strerror(errno));
			*mine = true;
			return STORE_OK;
		}
		close(lg->side_fd);
		lg->side_fd = -1;
	}
	return store_fail(STORE_IO, "cannot lock %s: it keeps being replaced",
			  lg->side_path);
}

/* The one token sql reads from db (a database's own, file_id, or the
 * one a side file names, owner: migration 12), or NULL. */
static GBytes *token_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	GBytes *t = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		t = g_bytes_new(sqlite3_column_blob(s, 0),
				(gsize)sqlite3_column_bytes(s, 0));
	sqlite3_finalize(s);
	return t;
}

#define DB_TOKEN "SELECT token FROM file_id"
#define SIDE_TOKEN "SELECT token FROM owner"

/* Whether side is db's: a side file that names another database's
 * token holds another database's point ids, and is never taken. */
static bool side_is_of(sqlite3 *db, const struct store_log_side *side)
{
	GBytes *t;
	bool mine;

	if (!side->token)
		return true;
	t = token_of(db, DB_TOKEN);
	mine = !t || g_bytes_equal(t, side->token);
	if (t)
		g_bytes_unref(t);
	return mine;
}

/*
 * Whether the side file open in lg->side is the database's: each
 * database has a random token (migration 12, file_id), which a side
 * file takes when it is made.  *foreign is set for one that names
 * another database (copied beside this one, or left by a server of a
 * file since replaced by hand): its batches are not this database's
 * points.
 */
static int side_owner(struct store_log *lg, bool *foreign)
{
	GBytes *mine = token_of(lg->db, DB_TOKEN);
	GBytes *named = token_of(lg->side, SIDE_TOKEN);
	sqlite3_stmt *s = NULL;
	int rc = STORE_OK;

	*foreign = false;
	if (!mine)
		rc = db_fail(lg->db, "reading the database's token");
	else if (named)
		*foreign = !g_bytes_equal(mine, named);
	else if (sqlite3_prepare_v2(lg->side,
				    "INSERT INTO owner (id, token) "
				    "VALUES (1, ?1)", -1, &s,
				    NULL) != SQLITE_OK ||
		 sqlite3_bind_blob(s, 1, g_bytes_get_data(mine, NULL),
				   (int)g_bytes_get_size(mine),
				   SQLITE_STATIC) != SQLITE_OK ||
		 sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(lg->side, lg->side_path);
	sqlite3_finalize(s);
	if (mine)
		g_bytes_unref(mine);
	if (named)
		g_bytes_unref(named);
	return rc;
}

/* Renames from to to only if no file has that name; 0 or -1 and
 * errno.  Where the file system cannot say so in the rename itself, a
 * link and an unlink do it. */
static int rename_new(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to))
		return -1;
	return unlink(from);
}

/*
 * Renames from to base, or base-2, base-3 ... when that name is taken
 * (a file set aside in the same second): a file set aside may be the
 * only copy of batches, never replaced by another.  The name used
 * (owned by the caller) or NULL and errno.
 */
static char *rename_aside(const char *from, const char *base)
{
	for (int k = 1; k < 100; k++) {
		char *to = k == 1 ? g_strdup(base)
				  : g_strdup_printf("%s-%d", base, k);

		int e;

		if (!rename_new(from, to))
			return to;
		e = errno;
		g_free(to);
		errno = e;
		if (e != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

/* The end of the message of a file set aside with nothing taken from
 * it. */
#define UNMERGED ", unmerged; this database starts a log of its own"

/*
 * Moves a foreign or unreadable side file (and its -wal, if SQLite
 * left one) aside under a name that says so (what: "foreign" or
 * "damaged"), for someone to look at, and closes it; this database
 * starts a side file of its own.  The flock is let go only once the
 * file has its new name: let go before, another process could lock the
 * file and make it its live log, and have it renamed away by this one.
 * A process that locks the old file after that sees, in side_lock(),
 * that the path names another file.
 */
static void side_set_aside(struct store_log *lg, const char *what,
			   const char *why, const char *then)
{
	char *base = g_strdup_printf("%s.%s-%lld", lg->side_path, what,
				     (long long)time(NULL));
	char *wal = g_strconcat(lg->side_path, "-wal", NULL);
	char *to = NULL, *wal_to = NULL;

	side_close_db(lg);
	to = rename_aside(lg->side_path, base);
	if (!to)
		log_error("store", "%s %s, and cannot be moved aside: %s",
			  lg->side_path, why, strerror(errno));
	else
		log_error("store", "%s %s: moved to %s%s", lg->side_path,
			  why, to, then);
	if (to && !access(wal, F_OK)) {
		wal_to = g_strconcat(to, "-wal", NULL);
		if (rename_new(wal, wal_to))
			log_error("store", "cannot move %s to %s: %s; %s "
				  "misses what it holds", wal, wal_to,
				  strerror(errno), to);
	}
	side_close(lg, false);
	g_free(base);
	g_free(to);
	g_free(wal);
	g_free(wal_to);
}

/*
 * Opens the side file beside db's file and makes it this log's: an
 * flock on it, held until store_log_destroy(), keeps it one process's.
 * When another process has it (akari import beside akari serve), or db
 * has no file, the log stays without: batches go to db's arrivals.
 */
static int side_open(struct store_log *lg)
{
	static const char setup[] =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "CREATE TABLE IF NOT EXISTS arrivals ("
	    "  seq INTEGER PRIMARY KEY,"
	    "  n INTEGER NOT NULL,"
	    "  body BLOB NOT NULL);"
	    "CREATE TABLE IF NOT EXISTS owner ("
	    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
	    "  token BLOB NOT NULL);";
	const char *main = sqlite3_db_filename(lg->db, "main");
	GArray *salvage = NULL;
	bool mine, foreign = false;
	int rc, aside = 0;
	char why[512];

	if (!main || !*main)
		return STORE_OK;
	lg->side_path = g_strconcat(main, STORE_LOG_SIDE_SUFFIX, NULL);
	salvage = g_array_new(FALSE, FALSE, sizeof(struct logged));
again:
	rc = side_lock(lg, main, &mine);
	if (rc || !mine)
		goto out;
	if (sqlite3_open_v2(lg->side_path, &lg->side,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = store_fail(STORE_IO, "cannot open %s: %s", lg->side_path,
				lg->side ? sqlite3_errmsg(lg->side)
					 : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(lg->side, 10000);
	rc = exec_db(lg->side, setup, lg->side_path);
	if (!rc && !lg->has_state)
		rc = store_fail(STORE_IO, "%s: the database has no table "
				"log_applied", lg->side_path);
	if (!rc)
		rc = side_owner(lg, &foreign);
	if (rc && lg->side && (sqlite3_errcode(lg->side) == SQLITE_NOTADB ||
			       sqlite3_errcode(lg->side) == SQLITE_CORRUPT)) {
		/* Not a side file akari can read: the database must open
		 * all the same.  What it held stays in the file set aside. */
		snprintf(why, sizeof why, "cannot be read (%s)",
			 sqlite3_errmsg(lg->side));
		side_set_aside(lg, "damaged", why, UNMERGED);
		if (++aside < 3)
			goto again;
		goto out;
	}
	if (!rc && foreign) {
		side_set_aside(lg, "foreign", "belongs to another database",
			       UNMERGED);
		if (++aside < 3)
			goto again;
		rc = store_fail(STORE_IO, "%s: a foreign log came back",
				lg->side_path);
		goto out;
	}
	if (!rc && sqlite3_prepare_v3(lg->side,
				      "INSERT INTO arrivals (seq, n, body) "
				      "VALUES (?1, ?2, ?3)", -1,
				      SQLITE_PREPARE_PERSISTENT,
				      &lg->side_append, NULL) != SQLITE_OK)
		rc = db_fail(lg->side, lg->side_path);
	if (!rc && sqlite3_prepare_v3(lg->side,
				      "DELETE FROM arrivals WHERE seq = ?1",
				      -1, SQLITE_PREPARE_PERSISTENT,
				      &lg->side_clear, NULL) != SQLITE_OK)
		rc = db_fail(lg->side, lg->side_path);
	/* What a damaged file before this one could still give. */
	if (!rc)
		rc = side_rewrite(lg, salvage);
	why[0] = '\0';
	if (!rc)
		rc = side_recover(lg, salvage, why, sizeof why);
	if (!rc && why[0]) {
		/* Read, but not all of it: the batches read go into a new
		 * side file, and the damaged one is kept aside as it is. */
		side_set_aside(lg, "damaged", why, "");
		if (++aside < 3)
			goto again;
		rc = store_fail(STORE_IO, "%s: damaged again", lg->side_path);
		goto out;
	}
	if (!rc)
		goto out;
fail:
	side_close(lg, false);
out:
	for (guint i = 0; i < salvage->len; i++)
		g_free(g_array_index(salvage, struct logged, i).body);
	g_array_free(salvage, TRUE);
	return rc;
}

int store_log_create(sqlite3 *db, pthread_mutex_t *lock, int busy_ms,
		     struct store_log **out)
{
	struct store_log *lg;
	int rc;

	*out = NULL;
	rc = log_new(db, lock, &lg);
	if (!rc)
		lg->busy_ms = busy_ms;
	if (!rc) {
		pthread_mutex_lock(lg->wlock);
		rc = side_open(lg);
		pthread_mutex_unlock(lg->wlock);
	}

	/* What a killed process committed but never merged; a batch in
	 * the file's own log that names a point it does not have must not
	 * stop the open (the side file's are checked as it is read). */
	if (!rc) {
		struct points_check pc = {0};

		pthread_mutex_lock(lg->wlock);
		lg->check = &pc;
		rc = merge_locked(lg, true);
		lg->check = NULL;
		pthread_mutex_unlock(lg->wlock);
		points_check_free(&pc);
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
		merge_locked(lg, true);
		pthread_mutex_unlock(lg->wlock);
	}
	side_close(lg, lg->side && !lg->logged->len);
	for (guint i = 0; i < lg->logged->len; i++)
		g_free(g_array_index(lg->logged, struct logged, i).body);
	g_free(lg->side_path);
	pthread_mutex_destroy(&lg->side_lock);
	sqlite3_finalize(lg->append);
	sqlite3_finalize(lg->scan);
	sqlite3_finalize(lg->clear);
	sqlite3_finalize(lg->clear_one);
	sqlite3_finalize(lg->note_kept);
	sqlite3_finalize(lg->note_applied);
	g_array_free(lg->logged, TRUE);
	g_array_free(lg->expected, TRUE);
	pthread_cond_destroy(&lg->work);
	pthread_cond_destroy(&lg->turn);
	pthread_mutex_destroy(&lg->mu);
	g_free(lg);
}

/* --- the side file, read by another process ------------------------------ */

void store_log_side_free(struct store_log_side *side)
{
	if (!side)
		return;
	for (guint i = 0; i < side->batches->len; i++)
		g_free(g_array_index(side->batches, struct logged, i).body);
	g_array_free(side->batches, TRUE);
	if (side->token)
		g_bytes_unref(side->token);
	g_free(side);
}

/* Reads every batch of the side file open on db, in one transaction.
 * Damage is left to the file's owner, which sets it aside (side_open()):
 * here a batch that is not n readings, or a page that fails, is named
 * in the log and what could be read is kept, for a process beside the
 * owner must open all the same. */
static int side_read_db(sqlite3 *db, const char *path, GArray *batches)
{
	sqlite3_stmt *s = NULL;
	int64_t last = 0;
	int rc = STORE_OK, step = SQLITE_DONE;

	/* A file just made by its server, before its table: no batches. */
	if (sqlite3_table_column_metadata(db, NULL, "arrivals", "seq", NULL,
					  NULL, NULL, NULL, NULL) != SQLITE_OK)
		return STORE_OK;
	rc = exec_db(db, "BEGIN", path);
	if (!rc && sqlite3_prepare_v2(db,
				      "SELECT seq, n, body FROM arrivals "
				      "ORDER BY seq", -1, &s,
				      NULL) != SQLITE_OK)
		rc = db_fail(db, path);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct logged l = {0};
		int64_t count = sqlite3_column_int64(s, 1);
		int64_t bytes = sqlite3_column_bytes(s, 2);

		l.seq = last = sqlite3_column_int64(s, 0);
		if (!body_fits(count, bytes)) {
			log_error("store", "%s: batch %lld holds %lld bytes "
				  "for %lld readings: left out", path,
				  (long long)l.seq, (long long)bytes,
				  (long long)count);
			continue;
		}
		l.n = (size_t)count;
		l.body = g_memdup2(sqlite3_column_blob(s, 2), (gsize)bytes);
		g_array_append_val(batches, l);
	}
	if (!rc && step != SQLITE_DONE && is_damage(db))
		log_error("store", "%s cannot be read after batch %lld (%s): "
			  "the batches after it are left out", path,
			  (long long)last, sqlite3_errmsg(db));
	else if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, path);
	sqlite3_finalize(s);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int store_log_side_read(const char *path, struct store_log_side **out)
{
	struct store_log_side *side = g_new0(struct store_log_side, 1);
	/* Beside the file itself, as its server made it (SQLite follows a
	 * symlink to the database), not beside a link to it. */
	char *real = realpath(path, NULL);
	char *name = g_strconcat(real ? real : path, STORE_LOG_SIDE_SUFFIX,
				 NULL);
	sqlite3 *db = NULL;
	int rc = STORE_OK;

	side->batches = g_array_new(FALSE, FALSE, sizeof(struct logged));
	/* No side file: its server closed it with every batch merged, or
	 * there is no server. */
	if (access(name, F_OK) == 0) {
		if (sqlite3_open_v2(name, &db, SQLITE_OPEN_READWRITE,
				    NULL) != SQLITE_OK) {
			if (access(name, F_OK) == 0)
				rc = store_fail(STORE_IO, "cannot open %s: %s",
						name,
						db ? sqlite3_errmsg(db)
						   : "out of memory");
		} else {
			/* Not its owner: a last connection's close would
			 * checkpoint the file and remove its -wal by name,
			 * which may by then be a newer owner's.  This
			 * connection never writes the file. */
			sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
					  1, NULL);
			sqlite3_busy_timeout(db, 10000);
			rc = side_read_db(db, name, side->batches);
			side->token = token_of(db, SIDE_TOKEN);
		}
		sqlite3_close(db);
	}
	free(real);
	g_free(name);
	if (rc) {
		store_log_side_free(side);
		side = NULL;
	}
	*out = side;
	return rc;
}

int store_log_side_add(sqlite3 *db, const struct store_log_side *side)
{
	GArray *kept = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sqlite3_stmt *s = NULL;
	int64_t applied = 0;
	int rc = STORE_OK;

	if (!side || !side->batches->len ||
	    sqlite3_table_column_metadata(db, NULL, "log_applied", "seq", NULL,
					  NULL, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (!side_is_of(db, side)) {
		log_error("store", "the side file beside %s belongs to another "
			  "database: its batches are left out",
			  sqlite3_db_filename(db, "main"));
		goto out;
	}
	rc = side_state(db, &applied, kept);
	if (!rc)
		rc = exec_db(db, "BEGIN IMMEDIATE", "adding the side file");
	if (!rc && sqlite3_prepare_v2(db,
				      "INSERT INTO arrivals (n, body) "
				      "VALUES (?1, ?2)", -1, &s,
				      NULL) != SQLITE_OK)
		rc = db_fail(db, "adding the side file");
	for (guint i = 0; !rc && i < side->batches->len; i++) {
		const struct logged *l =
		    &g_array_index(side->batches, struct logged, i);

		if (l->seq <= applied && !seq_kept(kept, l->seq))
			continue;
		sqlite3_bind_int64(s, 1, (int64_t)l->n);
		sqlite3_bind_blob64(s, 2, l->body, l->n * STORE_LOG_ROW_BYTES,
				    SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = db_fail(db, "adding the side file");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (!rc)
		rc = exec_db(db, "COMMIT", "adding the side file");
	else
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	g_array_free(kept, TRUE);
	return rc;
}
