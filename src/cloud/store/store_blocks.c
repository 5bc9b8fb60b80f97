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
	uint8_t best[STORE_BLOCK_BODY_MAX];	/* fit()'s longest so far */
	/* store_blocks_write_all(): the points' new last blocks, held
	 * back until their other blocks are written */
	bool defer;
	GArray *held;		/* struct held */
	GByteArray *held_body;
};

/* A block held back: its row, and its body at held_body[off..+len). */
struct held {
	int64_t point, t0, t1, n;
	size_t off, len;
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
	if (c->held)
		g_array_free(c->held, TRUE);
	if (c->held_body)
		g_byte_array_free(c->held_body, TRUE);
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
	c->held = g_array_new(FALSE, FALSE, sizeof(struct held));
	c->held_body = g_byte_array_new();
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

static int encode(struct bcache *c, int64_t point, const int64_t *ts,
		  const double *v, size_t n, size_t *len)
{
	if (store_codec_encode(ts, v, n, c->enc, c->enc_cap, len))
		return store_fail(STORE_INVALID, "point %lld: readings at "
				  "ts %lld do not encode (times not "
				  "increasing)", (long long)point,
				  (long long)ts[0]);
	return STORE_OK;
}

static int row_insert(sqlite3 *db, struct bcache *c, int64_t point,
		      int64_t t0, int64_t t1, int64_t n, const uint8_t *body,
		      size_t len)
{
	sqlite3_stmt *s = c->s.ins;
	int rc;

	sqlite3_bind_int64(s, 1, point);
	sqlite3_bind_int64(s, 2, t0);
	sqlite3_bind_int64(s, 3, t1);
	sqlite3_bind_int64(s, 4, n);
	sqlite3_bind_blob(s, 5, body, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? STORE_OK
					     : db_fail(db, "writing a block");
	done(s);
	return rc;
}

/*
 * Writes the len bytes of c->enc, the block of ts[0..n), as a new row,
 * or holds it back when held is set and a store_blocks_write_all() is
 * running.
 *
 * A block that changes is written again as a new row at the end of the
 * table, not updated in place: a merge grows the last block of every
 * point it writes, and rows that grow inside full pages split them
 * about half full (12 % of the table's pages were unused on the bench's
 * workload).  Appended one after another they fill their pages, and the
 * pages they leave are reused.
 */
static int enc_write(sqlite3 *db, struct bcache *c, int64_t point,
		     const int64_t *ts, size_t n, size_t len, bool held)
{
	struct held h = {point, ts[0], ts[n - 1], (int64_t)n, 0, len};

	if (!held || !c->defer)
		return row_insert(db, c, point, h.t0, h.t1, h.n, c->enc, len);
	h.off = c->held_body->len;
	g_byte_array_append(c->held_body, c->enc, (guint)len);
	g_array_append_val(c->held, h);
	return STORE_OK;
}

/* Encodes ts[0..n), v[0..n) (1 <= n <= STORE_BLOCK_MAX) and writes
 * them as block id (id 0: a new block), whatever their size. */
static int block_put(sqlite3 *db, struct bcache *c, int64_t point,
		     int64_t id, const int64_t *ts, const double *v, size_t n)
{
	size_t len = 0;
	int rc = STORE_OK;

	if (id)
		rc = block_del(db, c, id);
	if (!rc)
		rc = encode(c, point, ts, v, n, &len);
	if (!rc)
		rc = enc_write(db, c, point, ts, n, len, false);
	return rc;
}

/*
 * The longest start of ts[0..n) (at most STORE_BLOCK_MAX readings)
 * whose block takes at most STORE_BLOCK_BODY_MAX bytes: *k readings,
 * encoded in c->enc[0..*len).  lo readings are known to take lo_len
 * bytes and fit (0 and 0 when nothing is known): an append to a block
 * knows its old size.
 *
 * A block grows with its readings almost in proportion, so the cut is
 * searched by interpolation between the longest start known to fit and
 * the shortest known not to; it usually takes two or three encodes,
 * which matters since a merge cuts a block of every point whose last
 * block fills.  After a few steps it halves instead, in case the size
 * is far from proportional.  The size need not grow with every reading
 * (a run can end a frame), so the cut found fits and the reading after
 * it does not, but a longer start might fit again.
 */
static int fit(struct bcache *c, int64_t point, const int64_t *ts,
	       const double *v, size_t n, size_t lo, size_t lo_len,
	       size_t *k, size_t *len)
{
	size_t hi, hi_len = 0, probe, best_len = 0;
	bool best = false;
	int rc, step = 0;

	hi = n < STORE_BLOCK_MAX ? n : STORE_BLOCK_MAX;
	rc = encode(c, point, ts, v, hi, &hi_len);
	if (rc || hi_len <= STORE_BLOCK_BODY_MAX) {
		*k = hi;
		*len = hi_len;
		return rc;
	}
	/* one reading always fits (store_codec_bound(1) is 120), so lo
	 * ends at 1 or more */
	if (lo >= hi) {
		lo = 0;
		lo_len = 0;
	}
	while (hi - lo > 1) {
		if (step++ < 4)
			probe = lo + (size_t)((double)(hi - lo) *
					      (double)(STORE_BLOCK_BODY_MAX -
						       lo_len) /
					      (double)(hi_len - lo_len));
		else
			probe = lo + (hi - lo) / 2;
		if (probe <= lo)
			probe = lo + 1;
		if (probe >= hi)
			probe = hi - 1;
		rc = encode(c, point, ts, v, probe, len);
		if (rc)
			return rc;
		if (*len <= STORE_BLOCK_BODY_MAX) {
			lo = probe;
			lo_len = *len;
			best = true;
			best_len = *len;
			memcpy(c->best, c->enc, *len);
		} else {
			hi = probe;
			hi_len = *len;
		}
	}
	*k = lo;
	if (!best)	/* lo is the caller's, or 1 */
		return encode(c, point, ts, v, lo, len);
	memcpy(c->enc, c->best, best_len);
	*len = best_len;
	return STORE_OK;
}

/*
 * Writes ts[0..n), v[0..n) cut into blocks that fit (fit() above).
 * The first replaces block id (0: none), which held the first keep
 * readings exactly as they are here in keep_len bytes (0 when they
 * changed): a first block of just those stays as it is.  With last,
 * the final block becomes the point's last and is held back
 * (enc_write()).
 */
static int blocks_put(sqlite3 *db, struct bcache *c, int64_t point,
		      int64_t id, size_t keep, size_t keep_len,
		      const int64_t *ts, const double *v, size_t n, bool last)
{
	size_t i = 0, k = 0, len = 0;
	int rc = STORE_OK;

	while (i < n && !rc) {
		rc = fit(c, point, ts + i, v + i, n - i, i ? 0 : keep,
			 i ? 0 : keep_len, &k, &len);
		if (rc)
			break;
		if (i == 0 && id) {
			if (k == keep) {
				i = k;
				continue;
			}
			rc = block_del(db, c, id);
			if (rc)
				break;
		}
		rc = enc_write(db, c, point, ts + i, k, len,
			       last && i + k == n);
		i += k;
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
	size_t k = 0, m, bytes = 0;
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
		bytes = (size_t)sqlite3_column_bytes(c->s.start, 4);
		if (b.t1 < ts[0] && (b.n >= STORE_BLOCK_MAX ||
				     bytes >= STORE_BLOCK_BODY_MAX))
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
		return blocks_put(db, c, point, 0, 0, 0, ts, v, k, !has_next);
	m = merge_run(c, (size_t)b.n, ts, v, k);
	/* an append leaves the block's own readings as they were */
	if (b.t1 >= ts[0])
		bytes = 0;
	return blocks_put(db, c, point, b.id, bytes ? (size_t)b.n : 0,
			  bytes, c->mts, c->mv, m, !has_next);
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

/* Writes the blocks held back, in the order they came. */
static int write_held(sqlite3 *db, struct bcache *c)
{
	int rc = STORE_OK;

	for (guint i = 0; i < c->held->len && !rc; i++) {
		const struct held *h = &g_array_index(c->held, struct held, i);

		rc = row_insert(db, c, h->point, h->t0, h->t1, h->n,
				c->held_body->data + h->off, h->len);
	}
	return rc;
}

int store_blocks_write_all(sqlite3 *db, const struct store_reading *rows,
			   size_t n)
{
	struct bcache *c;
	int64_t *ts;
	double *v;
	size_t first = 0;
	int rc;

	if (n == 0)
		return STORE_OK;
	rc = blocks_get(db, &c);
	if (rc)
		return rc;
	ts = g_new(int64_t, n);
	v = g_new(double, n);
	for (size_t i = 0; i < n; i++) {
		ts[i] = rows[i].ts;
		v[i] = rows[i].value;
	}
	c->defer = true;
	for (size_t i = 1; i <= n && !rc; i++) {
		if (i < n && rows[i].point_id == rows[first].point_id)
			continue;
		rc = store_blocks_write(db, rows[first].point_id, ts + first,
					v + first, i - first);
		first = i;
	}
	c->defer = false;
	if (!rc)
		rc = write_held(db, c);
	g_array_set_size(c->held, 0);
	g_byte_array_set_size(c->held_body, 0);
	g_free(ts);
	g_free(v);
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
	return n ? blocks_put(db, c, point, 0, 0, 0, ts, v, n, false)
		 : STORE_OK;
}

/* Readings of one point the migration cuts at once: only the last
 * block of each such piece can come out short. */
#define MIGRATE_PIECE (64 * STORE_BLOCK_MAX)

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
	ts = g_new(int64_t, MIGRATE_PIECE);
	v = g_new(double, MIGRATE_PIECE);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t p = sqlite3_column_int64(s, 0);

		if (n && (p != point || n == MIGRATE_PIECE)) {
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
