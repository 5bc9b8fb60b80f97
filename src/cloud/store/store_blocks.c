/*
 * store_blocks.c - raw readings in per-point store_codec blocks
 * (contract in store_blocks.h, design in docs/storage.md).
 *
 * A write is cut into runs: the readings that fall between one stored
 * block's t0 and the next block's t0.  Each run changes one block at
 * most, the one it starts in, so a late reading a year back costs one
 * block of that year, not every block between it and today.  A run
 * after a full block, or before a point's first block, needs no decode:
 * it becomes new blocks of its own.
 */
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_codec.h"
#include "cloud/store/store_internal.h"

#include <string.h>

#include <glib.h>

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

/* The point of the last damaged block this thread met. */
static _Thread_local int64_t bad_point;

int64_t store_blocks_bad_point(void)
{
	return bad_point;
}

void store_blocks_clear_bad(void)
{
	bad_point = 0;
}

static int bad_block(int64_t point, int64_t t0, const char *why)
{
	bad_point = point;
	return store_fail(STORE_IO, "point %lld: the block of readings at "
			  "ts %lld %s (the file is damaged)",
			  (long long)point, (long long)t0, why);
}

/* --- statements, once per connection ------------------------------------ */

struct bstmts {
	sqlite3_stmt *start;	/* the last block with t0 <= ?2 */
	sqlite3_stmt *next;	/* the t0 of the first block after ?2 */
	sqlite3_stmt *range;	/* blocks that may hold [?2, ?3) */
	sqlite3_stmt *before;	/* the last block with t0 < ?2 */
	sqlite3_stmt *last;	/* t1 of the last block */
	sqlite3_stmt *first;	/* the oldest block */
	sqlite3_stmt *count;
	sqlite3_stmt *ins;
	sqlite3_stmt *del;
};

static const char *const bstmt_sql[] = {
	"SELECT id, t0, t1, n, body FROM blocks WHERE point_id = ?1 AND "
	"t0 <= ?2 ORDER BY t0 DESC LIMIT 1",
	"SELECT t0 FROM blocks WHERE point_id = ?1 AND t0 > ?2 "
	"ORDER BY t0 LIMIT 1",
	/* from the block that holds ?2: every later one starts after it */
	"SELECT id, t0, t1, n, body FROM blocks WHERE point_id = ?1 AND "
	"t0 >= coalesce((SELECT max(t0) FROM blocks WHERE point_id = ?1 "
	"AND t0 <= ?2), ?2) AND t0 < ?3 ORDER BY t0",
	"SELECT id, t0, t1, n, body FROM blocks WHERE point_id = ?1 AND "
	"t0 < ?2 ORDER BY t0 DESC LIMIT 1",
	"SELECT t1 FROM blocks WHERE point_id = ?1 ORDER BY t0 DESC LIMIT 1",
	"SELECT id, t0, t1, n, body FROM blocks WHERE point_id = ?1 "
	"ORDER BY t0 LIMIT 1",
	"SELECT coalesce(sum(n), 0) FROM blocks",
	"INSERT INTO blocks (point_id, t0, t1, n, body) "
	"VALUES (?1, ?2, ?3, ?4, ?5)",
	"DELETE FROM blocks WHERE id = ?1",
};

#define BSTMT_COUNT (sizeof bstmt_sql / sizeof bstmt_sql[0])

/* The range read of a file still at the readings table. */
static const char legacy_sql[] =
	"SELECT ts, value FROM readings WHERE point_id = ?1 AND ts >= ?2 "
	"AND ts < ?3 ORDER BY ts";

struct bcache {
	bool legacy;		/* readings, no blocks: a migration runs */
	struct bstmts s;
	sqlite3_stmt *legacy_range;
	/* one decoded block */
	int64_t ts[STORE_BLOCK_MAX];
	double v[STORE_BLOCK_MAX];
	/* a block merged with a run, before it is cut */
	int64_t *mts;
	double *mv;
	size_t mcap;
	uint8_t *enc;		/* room for one encoded block */
	size_t enc_cap;
};

static GMutex caches_lock;
static GHashTable *caches;	/* sqlite3 * -> struct bcache */

static sqlite3_stmt **bstmt_slot(struct bstmts *s, size_t i)
{
	return (sqlite3_stmt **)s + i;
}

static void bcache_free(gpointer p)
{
	struct bcache *c = p;

	for (size_t i = 0; i < BSTMT_COUNT; i++)
		sqlite3_finalize(*bstmt_slot(&c->s, i));
	sqlite3_finalize(c->legacy_range);
	g_free(c->mts);
	g_free(c->mv);
	g_free(c->enc);
	g_free(c);
}

void store_blocks_forget(sqlite3 *db)
{
	g_mutex_lock(&caches_lock);
	if (caches)
		g_hash_table_remove(caches, db);
	g_mutex_unlock(&caches_lock);
}

static int bcache_prepare(sqlite3 *db, struct bcache *c)
{
	_Static_assert(BSTMT_COUNT * sizeof(sqlite3_stmt *) ==
			       sizeof(struct bstmts),
		       "one statement per slot");

	c->legacy = sqlite3_table_column_metadata(db, NULL, "blocks", "t0",
						  NULL, NULL, NULL, NULL,
						  NULL) != SQLITE_OK;
	if (c->legacy) {
		if (sqlite3_prepare_v3(db, legacy_sql, -1,
				       SQLITE_PREPARE_PERSISTENT,
				       &c->legacy_range, NULL) != SQLITE_OK)
			return db_fail(db, "preparing the readings queries");
		return STORE_OK;
	}
	for (size_t i = 0; i < BSTMT_COUNT; i++)
		if (sqlite3_prepare_v3(db, bstmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT,
				       bstmt_slot(&c->s, i),
				       NULL) != SQLITE_OK)
			return db_fail(db, "preparing the block queries");
	c->enc_cap = store_codec_bound(STORE_BLOCK_MAX);
	c->enc = g_malloc(c->enc_cap);
	return STORE_OK;
}

/* db's statements, prepared at its first use; used under db's lock. */
static int bcache_get(sqlite3 *db, struct bcache **out)
{
	struct bcache *c;
	int rc = STORE_OK;

	g_mutex_lock(&caches_lock);
	if (!caches)
		caches = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					       NULL, bcache_free);
	c = g_hash_table_lookup(caches, db);
	if (!c) {
		c = g_new0(struct bcache, 1);
		rc = bcache_prepare(db, c);
		if (rc)
			bcache_free(c);
		else
			g_hash_table_insert(caches, db, c);
	}
	g_mutex_unlock(&caches_lock);
	*out = rc ? NULL : c;
	return rc;
}

/* Blocks are needed from here on: the legacy reads stop short. */
static int blocks_get(sqlite3 *db, struct bcache **out)
{
	int rc = bcache_get(db, out);

	if (!rc && (*out)->legacy) {
		*out = NULL;
		return store_fail(STORE_IO, "the database has no table of "
				  "blocks yet (its migration has not run)");
	}
	return rc;
}

static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* --- one block ---------------------------------------------------------- */

/* A row of the columns id, t0, t1, n, body (from column 0). */
struct brow {
	int64_t id, t0, t1, n;
};

static void brow_read(sqlite3_stmt *s, struct brow *b)
{
	b->id = sqlite3_column_int64(s, 0);
	b->t0 = sqlite3_column_int64(s, 1);
	b->t1 = sqlite3_column_int64(s, 2);
	b->n = sqlite3_column_int64(s, 3);
}

/* Decodes the body at column col of s's row into ts[], v[] (room for
 * STORE_BLOCK_MAX) and checks it against what the row says. */
static int body_decode(sqlite3_stmt *s, int col, int64_t point,
		       const struct brow *b, int64_t *ts, double *v)
{
	const void *body = sqlite3_column_blob(s, col);
	size_t len = (size_t)sqlite3_column_bytes(s, col), n = 0;

	if (!body || b->n < 1 ||
	    store_codec_decode(body, len, ts, v, STORE_BLOCK_MAX, &n) !=
		    STORE_OK)
		return bad_block(point, b->t0, "does not decode");
	if (n == 0 || (int64_t)n != b->n || ts[0] != b->t0 ||
	    ts[n - 1] != b->t1)
		return bad_block(point, b->t0, "disagrees with its row "
				 "(count, first or last ts)");
	return STORE_OK;
}

static int block_del(sqlite3 *db, struct bcache *c, int64_t id)
{
	int rc;

	sqlite3_bind_int64(c->s.del, 1, id);
	rc = sqlite3_step(c->s.del) == SQLITE_DONE
		     ? STORE_OK
		     : db_fail(db, "deleting a block");
	done(c->s.del);
	return rc;
}

/* Encodes ts[0..n), v[0..n) (1 <= n <= STORE_BLOCK_MAX) and writes
 * them as block id (id 0: a new block). */
static int block_put(sqlite3 *db, struct bcache *c, int64_t point,
		     int64_t id, const int64_t *ts, const double *v, size_t n)
{
	sqlite3_stmt *s = c->s.ins;
	size_t len = 0;
	int rc;

	/*
	 * A block that changes is written again as a new row at the end of
	 * the table, not updated in place: a merge grows the last block of
	 * every point it writes, and rows that grow inside full pages split
	 * them about half full (12 % of the table's pages were unused on
	 * the bench's workload).  Appended one after another they fill
	 * their pages, and the pages they leave are reused.
	 */
	if (id) {
		rc = block_del(db, c, id);
		if (rc)
			return rc;
	}
	rc = store_codec_encode(ts, v, n, c->enc, c->enc_cap, &len);
	if (rc)
		return store_fail(STORE_INVALID, "point %lld: readings at "
				  "ts %lld do not encode (times not "
				  "increasing)", (long long)point,
				  (long long)ts[0]);
	sqlite3_bind_int64(s, 1, point);
	sqlite3_bind_int64(s, 2, ts[0]);
	sqlite3_bind_int64(s, 3, ts[n - 1]);
	sqlite3_bind_int64(s, 4, (int64_t)n);
	sqlite3_bind_blob(s, 5, c->enc, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK
					     : db_fail(db, "writing a block");
	done(s);
	return rc;
}

/* Writes ts[0..n), v[0..n) cut into full blocks; the first goes into
 * block id (0: a new one), the others are new. */
static int blocks_put(sqlite3 *db, struct bcache *c, int64_t point,
		      int64_t id, const int64_t *ts, const double *v,
		      size_t n)
{
	int rc = STORE_OK;

	for (size_t i = 0; i < n && !rc; i += STORE_BLOCK_MAX) {
		size_t k = n - i < STORE_BLOCK_MAX ? n - i : STORE_BLOCK_MAX;

		rc = block_put(db, c, point, i ? 0 : id, ts + i, v + i, k);
	}
	return rc;
}

/* --- writes ------------------------------------------------------------- */

static void merged_reserve(struct bcache *c, size_t n)
{
	if (n <= c->mcap)
		return;
	c->mcap = n;
	c->mts = g_renew(int64_t, c->mts, n);
	c->mv = g_renew(double, c->mv, n);
}

/* The bn readings decoded into c->ts, c->v merged with the run
 * ts[0..n) into c->mts, c->mv: of two readings at one ts the run's
 * wins.  Returns their count. */
static size_t merge_run(struct bcache *c, size_t bn, const int64_t *ts,
			const double *v, size_t n)
{
	size_t i = 0, j = 0, m = 0;

	merged_reserve(c, bn + n);
	while (i < bn || j < n) {
		if (j == n || (i < bn && c->ts[i] < ts[j])) {
			c->mts[m] = c->ts[i];
			c->mv[m++] = c->v[i++];
		} else {
			if (i < bn && c->ts[i] == ts[j])
				i++;
			c->mts[m] = ts[j];
			c->mv[m++] = v[j++];
		}
	}
	return m;
}

/* The run of ts[0..n) that starts at ts[0]: up to the next block of
 * the point.  *len receives its length, and the block it starts in, if
 * any, is merged with it. */
static int write_run(sqlite3 *db, struct bcache *c, int64_t point,
		     const int64_t *ts, const double *v, size_t n,
		     size_t *len)
{
	struct brow b = {0};
	int64_t next = 0;
	bool has_b = false, has_next;
	size_t k = 0, m;
	int rc = STORE_OK, step;

	sqlite3_bind_int64(c->s.next, 1, point);
	sqlite3_bind_int64(c->s.next, 2, ts[0]);
	step = sqlite3_step(c->s.next);
	has_next = step == SQLITE_ROW;
	if (has_next)
		next = sqlite3_column_int64(c->s.next, 0);
	done(c->s.next);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return db_fail(db, "finding the blocks a write changes");
	while (k < n && (!has_next || ts[k] < next))
		k++;
	*len = k;

	sqlite3_bind_int64(c->s.start, 1, point);
	sqlite3_bind_int64(c->s.start, 2, ts[0]);
	step = sqlite3_step(c->s.start);
	if (step == SQLITE_ROW) {
		brow_read(c->s.start, &b);
		has_b = true;
		/* after a full block, and before any block, the run stands
		 * alone: nothing to decode */
		if (b.t1 < ts[0] && b.n >= STORE_BLOCK_MAX)
			has_b = false;
		else
			rc = body_decode(c->s.start, 4, point, &b, c->ts,
					 c->v);
	} else if (step != SQLITE_DONE) {
		rc = db_fail(db, "finding the blocks a write changes");
	}
	done(c->s.start);
	if (rc)
		return rc;

	if (!has_b)
		return blocks_put(db, c, point, 0, ts, v, k);
	m = merge_run(c, (size_t)b.n, ts, v, k);
	return blocks_put(db, c, point, b.id, c->mts, c->mv, m);
}

int store_blocks_write(sqlite3 *db, int64_t point, const int64_t *ts,
		       const double *value, size_t n)
{
	struct bcache *c;
	size_t i = 0, len = 0;
	int rc;

	if (n == 0)
		return STORE_OK;
	rc = blocks_get(db, &c);
	while (!rc && i < n) {
		rc = write_run(db, c, point, ts + i, value + i, n - i, &len);
		i += len;
	}
	return rc;
}

/* --- reads -------------------------------------------------------------- */

static int each_legacy(sqlite3 *db, struct bcache *c, int64_t point,
		       int64_t from, int64_t to, store_blocks_fn fn,
		       void *ctx)
{
	sqlite3_stmt *s = c->legacy_range;
	int rc;

	sqlite3_bind_int64(s, 1, point);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(s, 0), sqlite3_column_double(s, 1),
		       ctx))
			break;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		     ? STORE_OK
		     : db_fail(db, "reading readings");
	done(s);
	return rc;
}

int store_blocks_each(sqlite3 *db, int64_t point, int64_t from, int64_t to,
		      store_blocks_fn fn, void *ctx)
{
	struct bcache *c;
	struct brow b;
	bool stop = false;
	int rc, step;

	rc = bcache_get(db, &c);
	if (rc)
		return rc;
	if (c->legacy)
		return each_legacy(db, c, point, from, to, fn, ctx);
	if (from >= to)
		return STORE_OK;

	sqlite3_bind_int64(c->s.range, 1, point);
	sqlite3_bind_int64(c->s.range, 2, from);
	sqlite3_bind_int64(c->s.range, 3, to);
	while (!stop && (step = sqlite3_step(c->s.range)) == SQLITE_ROW) {
		brow_read(c->s.range, &b);
		if (b.t1 < from)
			continue;
		rc = body_decode(c->s.range, 4, point, &b, c->ts, c->v);
		if (rc)
			break;
		for (int64_t i = 0; i < b.n && !stop; i++) {
			if (c->ts[i] < from)
				continue;
			if (c->ts[i] >= to)
				stop = true;
			else if (fn(c->ts[i], c->v[i], ctx))
				stop = true;
		}
	}
	if (!rc && !stop && step != SQLITE_DONE)
		rc = db_fail(db, "reading blocks of readings");
	done(c->s.range);
	return rc;
}

int store_blocks_latest(sqlite3 *db, int64_t point, int64_t before,
			int64_t *ts, double *value, bool *found)
{
	struct bcache *c;
	struct brow b;
	int rc, step;

	*found = false;
	rc = blocks_get(db, &c);
	if (rc)
		return rc;
	sqlite3_bind_int64(c->s.before, 1, point);
	sqlite3_bind_int64(c->s.before, 2, before);
	step = sqlite3_step(c->s.before);
	if (step == SQLITE_ROW) {
		brow_read(c->s.before, &b);
		rc = body_decode(c->s.before, 4, point, &b, c->ts, c->v);
		/* t0 < before: the block holds at least one */
		for (int64_t i = b.n - 1; !rc && i >= 0; i--) {
			if (c->ts[i] < before) {
				*ts = c->ts[i];
				*value = c->v[i];
				*found = true;
				break;
			}
		}
	} else if (step != SQLITE_DONE) {
		rc = db_fail(db, "reading the latest reading");
	}
	done(c->s.before);
	return rc;
}

int store_blocks_last_ts(sqlite3 *db, int64_t point, int64_t *ts,
			 bool *found)
{
	struct bcache *c;
	int rc, step;

	*found = false;
	rc = blocks_get(db, &c);
	if (rc)
		return rc;
	sqlite3_bind_int64(c->s.last, 1, point);
	step = sqlite3_step(c->s.last);
	if (step == SQLITE_ROW) {
		*ts = sqlite3_column_int64(c->s.last, 0);
		*found = true;
	} else if (step != SQLITE_DONE) {
		rc = db_fail(db, "reading a point's newest reading");
	}
	done(c->s.last);
	return rc;
}

int store_blocks_count(sqlite3 *db, int64_t *n)
{
	struct bcache *c;
	int rc;

	rc = blocks_get(db, &c);
	if (rc)
		return rc;
	if (sqlite3_step(c->s.count) == SQLITE_ROW)
		*n = sqlite3_column_int64(c->s.count, 0);
	else
		rc = db_fail(db, "counting readings");
	done(c->s.count);
	return rc;
}

/* --- retention ---------------------------------------------------------- */

/* One step of a prune: the point's oldest block, deleted whole or cut.
 * *more is false once nothing before `before` is left. */
static int prune_one(sqlite3 *db, struct bcache *c, int64_t point,
		     int64_t before, int64_t limit, int64_t *deleted,
		     bool *more)
{
	struct brow b;
	int64_t k = 0;
	int rc = STORE_OK, step;

	*more = false;
	sqlite3_bind_int64(c->s.first, 1, point);
	step = sqlite3_step(c->s.first);
	if (step != SQLITE_ROW) {
		done(c->s.first);
		return step == SQLITE_DONE
			       ? STORE_OK
			       : db_fail(db, "finding readings to prune");
	}
	brow_read(c->s.first, &b);
	if (b.t0 >= before) {
		done(c->s.first);
		return STORE_OK;
	}
	if (b.t1 < before && b.n <= limit) {
		done(c->s.first);
		*deleted += b.n;
		*more = true;
		return block_del(db, c, b.id);
	}

	/* before or the limit falls inside: keep the rest */
	rc = body_decode(c->s.first, 4, point, &b, c->ts, c->v);
	done(c->s.first);
	if (rc)
		return rc;
	while (k < b.n && k < limit && c->ts[k] < before)
		k++;
	*deleted += k;
	if (k == b.n)
		return block_del(db, c, b.id);
	return block_put(db, c, point, b.id, c->ts + k, c->v + k,
			 (size_t)(b.n - k));
}

int store_blocks_prune(sqlite3 *db, int64_t point, int64_t before,
		       int64_t limit, int64_t *deleted)
{
	struct bcache *c;
	bool more = true;
	int rc;

	*deleted = 0;
	rc = blocks_get(db, &c);
	while (!rc && more && *deleted < limit)
		rc = prune_one(db, c, point, before, limit - *deleted,
			       deleted, &more);
	return rc;
}

/* --- whole file --------------------------------------------------------- */

int store_blocks_check(sqlite3 *db)
{
	int64_t *ts = NULL, prev_point = 0, prev_t1 = 0;
	double *v = NULL;
	sqlite3_stmt *s = NULL;
	bool have_prev = false;
	int rc = STORE_OK, step;

	if (sqlite3_table_column_metadata(db, NULL, "blocks", "t0", NULL,
					  NULL, NULL, NULL, NULL) != SQLITE_OK)
		return STORE_OK;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, t0, t1, n, body, point_id FROM "
			       "blocks ORDER BY point_id, t0",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "checking the blocks of readings");
	ts = g_new(int64_t, STORE_BLOCK_MAX);
	v = g_new(double, STORE_BLOCK_MAX);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct brow b;
		int64_t point = sqlite3_column_int64(s, 5);

		brow_read(s, &b);
		if (b.n < 1 || b.n > STORE_BLOCK_MAX)
			rc = bad_block(point, b.t0, "has a count out of "
				       "range");
		else if (have_prev && prev_point == point && prev_t1 >= b.t0)
			rc = bad_block(point, b.t0, "overlaps the block "
				       "before it");
		else
			rc = body_decode(s, 4, point, &b, ts, v);
		prev_point = point;
		prev_t1 = b.t1;
		have_prev = true;
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, "checking the blocks of readings");
	sqlite3_finalize(s);
	g_free(ts);
	g_free(v);
	return rc;
}

/* Writes one point's readings, in ts order, as full blocks. */
static int migrate_point(sqlite3 *db, struct bcache *c, int64_t point,
			 const int64_t *ts, const double *v, size_t n)
{
	return n ? blocks_put(db, c, point, 0, ts, v, n) : STORE_OK;
}

int store_blocks_migrate(sqlite3 *db)
{
	struct bcache *c;
	sqlite3_stmt *s = NULL;
	int64_t point = 0, *ts = NULL;
	double *v = NULL;
	size_t n = 0;
	int rc, step;

	/* statements prepared before blocks existed read readings */
	store_blocks_forget(db);
	rc = blocks_get(db, &c);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT point_id, ts, value FROM readings "
			       "ORDER BY point_id, ts",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, "reading readings into blocks");
		goto out;
	}
	ts = g_new(int64_t, STORE_BLOCK_MAX);
	v = g_new(double, STORE_BLOCK_MAX);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t p = sqlite3_column_int64(s, 0);

		if (n && (p != point || n == STORE_BLOCK_MAX)) {
			rc = migrate_point(db, c, point, ts, v, n);
			n = 0;
		}
		point = p;
		ts[n] = sqlite3_column_int64(s, 1);
		v[n++] = sqlite3_column_double(s, 2);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, "reading readings into blocks");
	if (!rc)
		rc = migrate_point(db, c, point, ts, v, n);
	sqlite3_finalize(s);
	s = NULL;
	if (!rc && sqlite3_exec(db, "DROP TABLE readings", NULL, NULL,
				NULL) != SQLITE_OK)
		rc = db_fail(db, "dropping readings after their move");

out:
	sqlite3_finalize(s);
	g_free(ts);
	g_free(v);
	return rc;
}
