/*
 * store_rollup.c - rollups kept with the readings, in their transaction.
 *
 * A batch is worked out per point, its readings in ts order.  A reading
 * newer than every stored one of its point is an append: it is added to
 * the rows of the buckets that hold it and its hold, on top of what they
 * had, in the order analytics folds raw readings, so the sums come out
 * the same to the bit.  Anything else (a late reading, one that replaces
 * a value, an append that shortens the previous reading's hold) makes
 * every bucket it can change dirty: a reading at t changes the count of
 * t's bucket and holds in [t, t + step) only.  A dirty 30-minute, hourly
 * or daily bucket is recomputed from the raw readings in it; a dirty
 * month is summed from its days, which are done first.  Nothing is ever
 * subtracted, so a replaced value cannot count twice.
 *
 * Buckets that start before the raw horizon cannot be recomputed: they
 * keep their rows (and take appends, which need no raw readings).
 */
#include "cloud/store/store_rollup.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/timeutil.h"

#define RES_FIRST STORE_BUCKET_30MIN
#define RES_LAST STORE_BUCKET_MONTH
#define RES_COUNT (RES_LAST + 1)

/* GLib's calendar starts in year 1: no bucket is looked for before
 * 0002-01-01T00:00:00Z, so that no zone's month starts before year 1. */
#define WALK_FIRST INT64_C(-62104060800)

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

/* --- zones, with the last bucket looked up in each ---------------------- */

/*
 * A bucket boundary costs a few GDateTime allocations, and a batch asks
 * for the same few buckets over and over; each zone remembers its last
 * one per resolution.  Zones live as long as the process (a town has
 * one or two), so lookups need no reference counting.
 */
struct zone {
	GTimeZone *tz;
	int64_t b0[RES_COUNT], b1[RES_COUNT];
};

static GMutex zones_lock;
static GHashTable *zones;	/* IANA name -> struct zone */

static struct zone *zone_get(const char *name)
{
	struct zone *z;

	g_mutex_lock(&zones_lock);
	if (!zones)
		zones = g_hash_table_new(g_str_hash, g_str_equal);
	z = g_hash_table_lookup(zones, name);
	if (!z) {
		GTimeZone *tz = core_tz_new(name);

		if (tz) {
			z = g_new0(struct zone, 1);
			z->tz = tz;
			g_hash_table_insert(zones, g_strdup(name), z);
		}
	}
	g_mutex_unlock(&zones_lock);
	return z;
}

/* The bucket [*b0, *b1) of res that holds t. */
static void zone_bucket(struct zone *z, enum store_bucket res, int64_t t,
			int64_t *b0, int64_t *b1)
{
	g_mutex_lock(&zones_lock);
	if (!(z->b1[res] > z->b0[res] && z->b0[res] <= t && t < z->b1[res])) {
		z->b0[res] = store_bucket_floor(z->tz, res, t);
		z->b1[res] = store_bucket_next(z->tz, res, z->b0[res]);
	}
	*b0 = z->b0[res];
	*b1 = z->b1[res];
	g_mutex_unlock(&zones_lock);
}

/* --- what the last commits left, per connection ------------------------- */

/*
 * Arrival order writes every point once per batch, into the same few
 * buckets as the batch before: reading those rows and the point's
 * newest reading back each time would cost more statements than
 * the readings themselves.  So each write connection remembers them as
 * its own last commit left them.  Another connection's commit (akari
 * import on the same file) changes PRAGMA data_version, which empties
 * the memory; a rolled-back batch never reaches it.
 */
struct pcache {
	bool has_last;
	int64_t last_ts;
	/* the newest bucket of each resolution, as stored; b1 0: none */
	int64_t b0[RES_COUNT], b1[RES_COUNT];
	struct store_rollup row[RES_COUNT];
};

struct dbcache {
	int64_t data_version;
	GHashTable *points;	/* point id -> struct pcache */
};

static GMutex caches_lock;
static GHashTable *caches;	/* sqlite3 * -> struct dbcache */

static void dbcache_free(gpointer p)
{
	struct dbcache *c = p;

	g_hash_table_destroy(c->points);
	g_free(c);
}

/* The memory of db; used under the store's write lock. */
static struct dbcache *dbcache_get(sqlite3 *db)
{
	struct dbcache *c;

	g_mutex_lock(&caches_lock);
	if (!caches)
		caches = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					       NULL, dbcache_free);
	c = g_hash_table_lookup(caches, db);
	if (!c) {
		c = g_new0(struct dbcache, 1);
		c->data_version = -1;
		c->points = g_hash_table_new_full(g_int64_hash, g_int64_equal,
						  g_free, g_free);
		g_hash_table_insert(caches, db, c);
	}
	g_mutex_unlock(&caches_lock);
	return c;
}

void store_rollup_forget(sqlite3 *db)
{
	g_mutex_lock(&caches_lock);
	if (caches)
		g_hash_table_remove(caches, db);
	g_mutex_unlock(&caches_lock);
}

/* Empties the memory of db when another connection has committed. */
static int dbcache_check(sqlite3 *db, struct dbcache *c)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_fail(STORE_IO, "reading the data version: %s",
				  sqlite3_errmsg(db));
	}
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (v != c->data_version)
		g_hash_table_remove_all(c->points);
	c->data_version = v;
	return STORE_OK;
}

static struct pcache *pcache_find(struct dbcache *c, int64_t point)
{
	return g_hash_table_lookup(c->points, &point);
}

/* --- statements ---------------------------------------------------------- */

struct stmts {
	sqlite3_stmt *info;	/* a point's zone, step and kind */
	sqlite3_stmt *get;	/* one rollup */
	sqlite3_stmt *set;	/* write one rollup */
	sqlite3_stmt *del;	/* remove one rollup */
	sqlite3_stmt *days;	/* a point's day rollup at ts */
	sqlite3_stmt *horizon;
	sqlite3_stmt *ins;	/* a new rollup */
	sqlite3_stmt *upd;	/* a rollup that is there */
};

static const char *const stmt_sql[] = {
	"SELECT s.tz, p.step_s, p.quantity, p.kind FROM points p "
	"JOIN sites s ON s.id = p.site_id WHERE p.id = ?1",
	"SELECT n, sum, min, max, held, kwh FROM rollups "
	"WHERE point_id = ?1 AND res = ?2 AND ts = ?3",
	/* an update in place leaves the index by point alone */
	"INSERT INTO rollups (point_id, res, ts, n, sum, min, max, held, "
	"kwh) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT (res, ts, point_id) DO UPDATE SET n = excluded.n, "
	"sum = excluded.sum, min = excluded.min, max = excluded.max, "
	"held = excluded.held, kwh = excluded.kwh",
	"DELETE FROM rollups WHERE point_id = ?1 AND res = ?2 AND ts = ?3",
	/* one day: the table has no index by point, so a month's days
	 * are looked up one by one by their key */
	"SELECT n, sum, min, max, held, kwh FROM rollups WHERE "
	"res = 3 AND ts = ?2 AND point_id = ?1",
	"SELECT before FROM raw_pruned WHERE id = 1",
	"INSERT INTO rollups (point_id, res, ts, n, sum, min, max, held, "
	"kwh) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	"UPDATE rollups SET n = ?4, sum = ?5, min = ?6, max = ?7, held = ?8, "
	"kwh = ?9 WHERE res = ?2 AND ts = ?3 AND point_id = ?1",
};

#define STMT_COUNT (sizeof stmt_sql / sizeof stmt_sql[0])

/* Indices of stmt_sql for the statements prepared one at a time. */
enum { SQL_INFO = 0, SQL_GET = 1, SQL_HORIZON = 5 };

static sqlite3_stmt **stmt_slot(struct stmts *s, size_t i)
{
	return (sqlite3_stmt **)s + i;
}

static void stmts_finalize(struct stmts *s)
{
	for (size_t i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(*stmt_slot(s, i));
	memset(s, 0, sizeof *s);
}

static int stmts_prepare(sqlite3 *db, struct stmts *s)
{
	_Static_assert(STMT_COUNT * sizeof(sqlite3_stmt *) ==
			       sizeof(struct stmts),
		       "one statement per slot");
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < STMT_COUNT; i++) {
		if (sqlite3_prepare_v2(db, stmt_sql[i], -1, stmt_slot(s, i),
				       NULL) != SQLITE_OK) {
			int rc = db_fail(db, "preparing the rollup queries");

			stmts_finalize(s);
			return rc;
		}
	}
	return STORE_OK;
}

static void stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static int read_horizon(sqlite3 *db, struct stmts *s, int64_t *before)
{
	int rc = sqlite3_step(s->horizon);

	*before = INT64_MIN;
	if (rc == SQLITE_ROW)
		*before = sqlite3_column_int64(s->horizon, 0);
	stmt_done(s->horizon);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, "reading the raw horizon");
	return STORE_OK;
}

/* --- one point's buckets ------------------------------------------------ */

struct bstate {
	enum store_bucket res;
	int64_t b0, b1;
	struct store_rollup row;
	bool dirty;		/* recompute: an increment would be wrong */
	bool changed;		/* row differs from the stored one */
	bool frozen;		/* starts before the raw horizon */
	bool stored;		/* the table has a row for it */
};

struct pointctx {
	sqlite3 *db;
	struct stmts *s;
	int64_t point;
	struct zone *zone;
	int64_t step;		/* hold cap when energy is kept, else 0 */
	int64_t horizon;
	bool rebuild;		/* rows start empty, months from days */
	const struct pcache *cached;	/* NULL: nothing remembered */
	GHashTable *map;	/* b0 * 8 + res -> struct bstate */
	GPtrArray *order;	/* the same, in creation order; owns them */
	struct bstate *hint[RES_COUNT];
	GArray *defer;		/* struct deferred; NULL: write at once */
};

/*
 * A half-hour row held back by a merge, to be written with those of
 * every other point in key order (res, ts, point_id): written point by
 * point they would land all over the newest pages of the table and
 * split them half full.  Nothing in a merge reads them back: a day is
 * recomputed from raw readings, a month from days.
 */
struct deferred {
	int64_t ts, point;
	sqlite3_stmt *s;	/* the statement write_stmt() chose */
	struct store_rollup row;
};

static int64_t bkey(enum store_bucket res, int64_t b0)
{
	return b0 * 8 + (int64_t)res;
}

static void row_from_stmt(sqlite3_stmt *s, struct store_rollup *r)
{
	r->n = sqlite3_column_int64(s, 0);
	r->sum = sqlite3_column_double(s, 1);
	r->min = sqlite3_column_double(s, 2);
	r->max = sqlite3_column_double(s, 3);
	r->held = sqlite3_column_int64(s, 4);
	r->kwh = sqlite3_column_double(s, 5);
}

static int row_load(struct pointctx *pc, struct bstate *b)
{
	sqlite3_stmt *s = pc->s->get;
	int rc;

	sqlite3_bind_int64(s, 1, pc->point);
	sqlite3_bind_int(s, 2, (int)b->res);
	sqlite3_bind_int64(s, 3, b->b0);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_from_stmt(s, &b->row);
	b->stored = rc == SQLITE_ROW;
	stmt_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(pc->db, "reading a rollup");
	return STORE_OK;
}

/* The state of the res bucket that holds t, created (with its stored
 * row) on first use.  NULL on a failure, described. */
static struct bstate *state_at(struct pointctx *pc, enum store_bucket res,
			       int64_t t)
{
	struct bstate *b = pc->hint[res];
	int64_t b0, b1, key;

	if (b && b->b0 <= t && t < b->b1)
		return b;
	zone_bucket(pc->zone, res, t, &b0, &b1);
	key = bkey(res, b0);
	b = g_hash_table_lookup(pc->map, &key);
	if (!b) {
		b = g_new0(struct bstate, 1);
		b->res = res;
		b->b0 = b0;
		b->b1 = b1;
		b->row.ts = b0;
		b->frozen = res != STORE_BUCKET_MONTH && b0 < pc->horizon;
		g_ptr_array_add(pc->order, b);
		g_hash_table_insert(pc->map, g_memdup2(&key, sizeof key), b);
		if (pc->cached && pc->cached->b1[res] &&
		    pc->cached->b0[res] == b0) {
			/* a row is kept exactly while it is not empty */
			b->row = pc->cached->row[res];
			b->stored = b->row.n || b->row.held;
		}
		else if (!pc->rebuild && row_load(pc, b))
			return NULL;
	}
	pc->hint[res] = b;
	return b;
}

static void acc_reading(struct store_rollup *r, double v)
{
	if (r->n == 0 || v < r->min)
		r->min = v;
	if (r->n == 0 || v > r->max)
		r->max = v;
	r->sum += v;
	r->n++;
}

static void acc_hold(struct store_rollup *r, double v, int64_t secs)
{
	r->held += secs;
	r->kwh += v * (double)secs / 3600.0;
}

void store_rollup_add(struct store_rollup *r, const struct store_rollup *d)
{
	if (d->n && (r->n == 0 || d->min < r->min))
		r->min = d->min;
	if (d->n && (r->n == 0 || d->max > r->max))
		r->max = d->max;
	r->n += d->n;
	r->sum += d->sum;
	r->held += d->held;
	r->kwh += d->kwh;
}

/* Hours are not stored: an hour is the half-hours it holds (every hour
 * boundary, :00 local or an offset change, also ends a half-hour), read
 * and added in order. */
static bool res_kept(int res)
{
	return res != STORE_BUCKET_HOUR;
}

/* A rebuild leaves the rows before the horizon as they are. */
static bool state_writable(const struct pointctx *pc, const struct bstate *b)
{
	return !(pc->rebuild && b->frozen);
}

static int add_reading(struct pointctx *pc, int64_t ts, double v)
{
	for (int res = RES_FIRST; res <= RES_LAST; res++) {
		struct bstate *b;

		if (!res_kept(res))
			continue;
		b = state_at(pc, res, ts);
		if (!b)
			return STORE_IO;
		if (!state_writable(pc, b))
			continue;
		acc_reading(&b->row, v);
		b->changed = true;
	}
	return STORE_OK;
}

/* Adds the hold of value v over [a, e), cut at every bucket boundary. */
static int add_hold(struct pointctx *pc, int64_t a, int64_t e, double v)
{
	if (e > STORE_BUCKET_END)
		e = STORE_BUCKET_END;
	for (int res = RES_FIRST; res <= RES_LAST; res++) {
		for (int64_t x = a; x < e && res_kept(res);) {
			struct bstate *b = state_at(pc, res, x);
			int64_t cut;

			if (!b)
				return STORE_IO;
			cut = b->b1 < e ? b->b1 : e;
			if (state_writable(pc, b)) {
				acc_hold(&b->row, v, cut - x);
				b->changed = true;
			}
			x = cut;
		}
	}
	return STORE_OK;
}

static int mark_dirty(struct pointctx *pc, int64_t a, int64_t e)
{
	if (e > STORE_BUCKET_END)
		e = STORE_BUCKET_END;
	for (int res = RES_FIRST; res <= RES_LAST; res++) {
		for (int64_t x = a; x < e && res_kept(res);) {
			struct bstate *b = state_at(pc, res, x);

			if (!b)
				return STORE_IO;
			b->dirty = true;
			x = b->b1;
		}
	}
	return STORE_OK;
}

/* The fold of recompute_raw(), one reading at a time. */
struct rawfold {
	const struct pointctx *pc;
	const struct bstate *b;
	struct store_rollup *r;
	int64_t pts;
	double pv;
	bool have;
};

static int rawfold_one(int64_t ts, double v, void *ctx)
{
	struct rawfold *f = ctx;
	int64_t step = f->pc->step, b0 = f->b->b0;

	if (f->have && step) {
		int64_t a = f->pts > b0 ? f->pts : b0;
		int64_t e = f->pts + step < ts ? f->pts + step : ts;

		if (a < e)
			acc_hold(f->r, f->pv, e - a);
	}
	if (ts >= b0)
		acc_reading(f->r, v);
	f->pts = ts;
	f->pv = v;
	f->have = true;
	return 0;
}

/* The bucket's row from the raw readings: those in it, and the one
 * before it whose hold may reach in.  The fold is analytics': count a
 * reading, then add its hold, cut at the next reading and at step. */
static int recompute_raw(struct pointctx *pc, struct bstate *b)
{
	struct store_rollup *r = &b->row;
	struct rawfold f = {pc, b, r, 0, 0, false};
	int64_t e;
	int rc;

	memset(r, 0, sizeof *r);
	r->ts = b->b0;
	rc = store_blocks_each(pc->db, pc->point,
			       pc->step ? b->b0 - pc->step : b->b0, b->b1,
			       rawfold_one, &f);
	if (rc)
		return rc;
	if (f.have && pc->step) {
		int64_t a = f.pts > b->b0 ? f.pts : b->b0;
		int64_t end = b->b1 < STORE_BUCKET_END ? b->b1
						      : STORE_BUCKET_END;

		e = f.pts + pc->step < end ? f.pts + pc->step : end;
		if (a < e)
			acc_hold(r, f.pv, e - a);
	}
	return STORE_OK;
}

/* A month's row as the sum of its days' rows, in day order. */
static int compose_days(struct pointctx *pc, struct bstate *b)
{
	sqlite3_stmt *s = pc->s->days;
	struct store_rollup *r = &b->row, d;
	int rc = SQLITE_DONE;

	memset(r, 0, sizeof *r);
	r->ts = b->b0;
	for (int64_t day = b->b0; day < b->b1 && rc == SQLITE_DONE;
	     day = store_bucket_next(pc->zone->tz, STORE_BUCKET_DAY, day)) {
		sqlite3_bind_int64(s, 1, pc->point);
		sqlite3_bind_int64(s, 2, day);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			row_from_stmt(s, &d);
			store_rollup_add(r, &d);
			rc = SQLITE_DONE;
		}
		stmt_done(s);
	}
	if (rc != SQLITE_DONE)
		return db_fail(pc->db, "reading day rollups");
	return STORE_OK;
}

/* A rebuild does not know which rows survived its delete: it upserts. */
static sqlite3_stmt *write_stmt(const struct pointctx *pc,
				const struct bstate *b)
{
	bool keep = b->row.n || b->row.held;

	if (pc->rebuild)
		return keep ? pc->s->set : pc->s->del;
	if (keep)
		return b->stored ? pc->s->upd : pc->s->ins;
	return b->stored ? pc->s->del : NULL;
}

static int row_bind_step(sqlite3 *db, sqlite3_stmt *s, bool del,
			 int64_t point, enum store_bucket res, int64_t b0,
			 const struct store_rollup *r)
{
	int rc;

	sqlite3_bind_int64(s, 1, point);
	sqlite3_bind_int(s, 2, (int)res);
	sqlite3_bind_int64(s, 3, b0);
	if (!del) {
		sqlite3_bind_int64(s, 4, r->n);
		sqlite3_bind_double(s, 5, r->sum);
		if (r->n) {
			sqlite3_bind_double(s, 6, r->min);
			sqlite3_bind_double(s, 7, r->max);
		}
		sqlite3_bind_int64(s, 8, r->held);
		sqlite3_bind_double(s, 9, r->kwh);
	}
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE)
		return db_fail(db, "writing a rollup");
	return STORE_OK;
}

static int row_write(struct pointctx *pc, const struct bstate *b)
{
	sqlite3_stmt *s = write_stmt(pc, b);

	if (!s)
		return STORE_OK;
	if (pc->defer && b->res == STORE_BUCKET_30MIN) {
		struct deferred d = {b->b0, pc->point, s, b->row};

		g_array_append_val(pc->defer, d);
		return STORE_OK;
	}
	return row_bind_step(pc->db, s, s == pc->s->del, pc->point, b->res,
			     b->b0, &b->row);
}

static int cmp_deferred(const void *pa, const void *pb)
{
	const struct deferred *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return (a->point > b->point) - (a->point < b->point);
}

/* Writes what row_write() held back, in key order. */
static int write_deferred(sqlite3 *db, struct stmts *s, GArray *defer)
{
	int rc = STORE_OK;

	g_array_sort(defer, cmp_deferred);
	for (guint i = 0; i < defer->len && !rc; i++) {
		const struct deferred *d =
		    &g_array_index(defer, struct deferred, i);

		rc = row_bind_step(db, d->s, d->s == s->del, d->point,
				   STORE_BUCKET_30MIN, d->ts, &d->row);
	}
	return rc;
}

/* Writes every touched bucket: days and shorter first, months after,
 * since a dirty month is summed from its days. */
static int flush(struct pointctx *pc)
{
	int rc = STORE_OK;

	for (int pass = 0; pass < 2 && !rc; pass++) {
		for (guint i = 0; i < pc->order->len && !rc; i++) {
			struct bstate *b = g_ptr_array_index(pc->order, i);
			bool month = b->res == STORE_BUCKET_MONTH;

			if (month != (pass == 1) || !state_writable(pc, b))
				continue;
			if (month && (b->dirty || pc->rebuild))
				rc = compose_days(pc, b);
			else if (b->dirty && !b->frozen)
				rc = recompute_raw(pc, b);
			else if (!b->changed)
				continue;
			if (!rc)
				rc = row_write(pc, b);
		}
	}
	return rc;
}

/* Sets up pc for point: its zone, whether energy is kept, the horizon. */
static int pointctx_init(struct pointctx *pc, sqlite3 *db, struct stmts *s,
			 int64_t point, int64_t horizon,
			 const struct pcache *cached, bool rebuild)
{
	const char *tz, *quantity, *kind;
	int rc;

	memset(pc, 0, sizeof *pc);
	pc->db = db;
	pc->s = s;
	pc->point = point;
	pc->rebuild = rebuild;
	pc->horizon = horizon;
	pc->map = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					NULL);
	pc->order = g_ptr_array_new_with_free_func(g_free);
	/* The rows remembered stay right, but a point's zone and step are
	 * read each time: the registry may have changed them. */
	pc->cached = cached;

	sqlite3_bind_int64(s->info, 1, point);
	rc = sqlite3_step(s->info);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE
			     ? store_fail(STORE_NOT_FOUND,
					  "no point with id %lld",
					  (long long)point)
			     : db_fail(db, "reading a point for its rollups");
		goto out;
	}
	tz = (const char *)sqlite3_column_text(s->info, 0);
	quantity = (const char *)sqlite3_column_text(s->info, 2);
	kind = (const char *)sqlite3_column_text(s->info, 3);
	pc->zone = zone_get(tz ? tz : "");
	if (!pc->zone) {
		rc = store_fail(STORE_INVALID, "point %lld: unknown zone '%s'",
				(long long)point, tz ? tz : "");
		goto out;
	}
	/* analytics integrates these only; see analytics.h.  The energy is
	 * kept in hours of the point's unit, whatever its unit of power:
	 * analytics makes it kWh as it reads it. */
	if (quantity && kind && !strcmp(quantity, "power") &&
	    !strcmp(kind, "instantaneous"))
		pc->step = sqlite3_column_int64(s->info, 1);
	rc = STORE_OK;

out:
	stmt_done(s->info);
	return rc;
}

static void pointctx_finish(struct pointctx *pc)
{
	if (pc->map)
		g_hash_table_destroy(pc->map);
	if (pc->order)
		g_ptr_array_free(pc->order, TRUE);
}

/*
 * Folds the readings rows[0..n) of pc's point (ts ascending, one per ts)
 * into its buckets.  has_last and last_ts: the newest reading stored
 * before these were written.
 */
static int fold_point(struct pointctx *pc, const struct store_reading *rows,
		      size_t n, bool has_last, int64_t last_ts)
{
	int64_t step = pc->step, prev = last_ts;
	bool has_prev = has_last;
	int rc = STORE_OK;

	for (size_t i = 0; i < n && !rc; i++) {
		int64_t ts = rows[i].ts;

		/* Before the horizon the newest stored reading says nothing:
		 * an older one sent again may be counted already. */
		if ((has_last && ts <= last_ts) || ts < pc->horizon) {
			rc = mark_dirty(pc, ts, ts + (step ? step : 1));
			continue;
		}
		if (step && has_prev && prev + step > ts)
			rc = mark_dirty(pc, ts, prev + step);
		if (!rc)
			rc = add_reading(pc, ts, rows[i].value);
		if (!rc && step)
			rc = add_hold(pc, ts, ts + step, rows[i].value);
		prev = ts;
		has_prev = true;
	}
	if (!rc)
		rc = flush(pc);
	return rc;
}

/* --- batches ------------------------------------------------------------ */

struct group {
	size_t first, n;	/* its readings in the batch's rows */
	bool has_last;
	int64_t last_ts;
};

struct store_rollup_batch {
	struct store_reading *rows;	/* by point, then ts; one per ts */
	size_t n;
	struct group *groups;
	size_t ngroups;
	struct dbcache *cache;
	struct pcache *after;	/* per group: what the commit leaves */
};

struct indexed {
	struct store_reading r;
	size_t i;
};

static int cmp_indexed(const void *pa, const void *pb)
{
	const struct indexed *a = pa, *b = pb;

	if (a->r.point_id != b->r.point_id)
		return a->r.point_id < b->r.point_id ? -1 : 1;
	if (a->r.ts != b->r.ts)
		return a->r.ts < b->r.ts ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* A counting sort by point needs a counter for every id between the
 * smallest and the largest: used when that span is at most this many
 * times the rows (and a little more for small batches). */
#define COUNT_SPAN_PER_ROW 4
#define COUNT_SPAN_MIN 4096

/* An insertion sort gives up for qsort() past this many moves a row. */
#define NEAR_MOVES_PER_ROW 8

/*
 * Sorts one point's rows x[0..n), in the order they came, by ts and
 * stably.  They are in ts order, or nearly: requests that began out of
 * turn swap a few minutes.  An insertion sort costs one comparison a
 * row then, and gives up for qsort() when the rows are far from order.
 */
static void sort_run(struct indexed *x, size_t n)
{
	size_t moves = 0;

	for (size_t i = 1; i < n; i++) {
		struct indexed v = x[i];
		size_t j = i;

		for (; j > 0 && x[j - 1].r.ts > v.r.ts; j--)
			x[j] = x[j - 1];
		x[j] = v;
		moves += i - j;
		if (moves > NEAR_MOVES_PER_ROW * n) {
			qsort(x, n, sizeof *x, cmp_indexed);
			return;
		}
	}
}

/*
 * Sorts x[0..n) as cmp_indexed() orders it.  A merge's rows come in
 * arrival order, every point's minute and then the next minute, so each
 * point's rows are already in ts order, or nearly: they are grouped by
 * a stable counting sort on the point, then each point's are sorted by
 * sort_run().  qsort() of the whole batch took a fifth of the merge's
 * time.  Ids spread too thinly for the counters go to qsort().
 */
static void sort_indexed(struct indexed *x, size_t n)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	struct indexed *by_point;
	size_t *at, span;

	for (size_t i = 0; i < n; i++) {
		if (x[i].r.point_id < lo)
			lo = x[i].r.point_id;
		if (x[i].r.point_id > hi)
			hi = x[i].r.point_id;
	}
	if (n < 2 || (uint64_t)hi - (uint64_t)lo >=
			     (uint64_t)n * COUNT_SPAN_PER_ROW + COUNT_SPAN_MIN) {
		qsort(x, n, sizeof *x, cmp_indexed);
		return;
	}

	/* at[p]: where the rows of the p-th id from lo start, then go */
	span = (size_t)((uint64_t)hi - (uint64_t)lo) + 1;
	at = g_new0(size_t, span + 1);
	for (size_t i = 0; i < n; i++)
		at[(size_t)((uint64_t)x[i].r.point_id - (uint64_t)lo) + 1]++;
	for (size_t p = 1; p <= span; p++)
		at[p] += at[p - 1];
	by_point = g_new(struct indexed, n);
	for (size_t i = 0; i < n; i++)
		by_point[at[(uint64_t)x[i].r.point_id - (uint64_t)lo]++] =
		    x[i];
	memcpy(x, by_point, n * sizeof *x);
	g_free(by_point);
	g_free(at);

	for (size_t first = 0, end; first < n; first = end) {
		for (end = first + 1;
		     end < n && x[end].r.point_id == x[first].r.point_id; end++)
			;
		sort_run(x + first, end - first);
	}
}

void store_rollup_batch_free(struct store_rollup_batch *b)
{
	if (!b)
		return;
	g_free(b->rows);
	g_free(b->groups);
	g_free(b->after);
	g_free(b);
}

int store_rollup_batch_begin(sqlite3 *db, const struct store_reading *rows,
			     size_t n, struct store_rollup_batch **out)
{
	struct store_rollup_batch *b;
	struct indexed *x;
	int rc = STORE_OK;

	*out = NULL;
	if (n == 0)
		return STORE_OK;

	/* Sorted, and of two writes at one (point, ts) the later wins, as
	 * in the blocks. */
	x = g_new(struct indexed, n);
	for (size_t i = 0; i < n; i++) {
		x[i].r = rows[i];
		x[i].i = i;
	}
	sort_indexed(x, n);
	b = g_new0(struct store_rollup_batch, 1);
	b->rows = g_new(struct store_reading, n);
	b->groups = g_new0(struct group, n);
	for (size_t i = 0; i < n; i++) {
		bool same_ts = i + 1 < n &&
			       x[i + 1].r.point_id == x[i].r.point_id &&
			       x[i + 1].r.ts == x[i].r.ts;

		if (same_ts)
			continue;
		if (b->n == 0 ||
		    b->rows[b->n - 1].point_id != x[i].r.point_id) {
			b->groups[b->ngroups].first = b->n;
			b->ngroups++;
		}
		b->groups[b->ngroups - 1].n++;
		b->rows[b->n++] = x[i].r;
	}
	g_free(x);

	b->cache = dbcache_get(db);
	b->after = g_new0(struct pcache, b->ngroups);
	rc = dbcache_check(db, b->cache);
	if (rc)
		goto out;
	for (size_t g = 0; g < b->ngroups && !rc; g++) {
		struct group *gr = &b->groups[g];
		const struct pcache *pc;

		pc = pcache_find(b->cache, b->rows[gr->first].point_id);
		if (pc) {
			gr->has_last = pc->has_last;
			gr->last_ts = pc->last_ts;
			continue;
		}
		rc = store_blocks_last_ts(db, b->rows[gr->first].point_id,
					  &gr->last_ts, &gr->has_last);
	}

out:
	if (rc)
		store_rollup_batch_free(b);
	else
		*out = b;
	return rc;
}

const struct store_reading *
store_rollup_batch_rows(const struct store_rollup_batch *b, size_t *n)
{
	*n = b ? b->n : 0;
	return b ? b->rows : NULL;
}

/* What the batch leaves of pc's point once committed: its newest
 * reading, and the newest bucket of each resolution as flushed. */
static void remember(const struct pointctx *pc, const struct group *gr,
		     const struct store_reading *rows, struct pcache *out)
{
	int64_t newest = rows[gr->n - 1].ts;

	memset(out, 0, sizeof *out);
	out->has_last = true;
	out->last_ts = gr->has_last && gr->last_ts > newest ? gr->last_ts
							    : newest;
	if (pc->cached)
		for (int res = RES_FIRST; res <= RES_LAST; res++) {
			out->b0[res] = pc->cached->b0[res];
			out->b1[res] = pc->cached->b1[res];
			out->row[res] = pc->cached->row[res];
		}
	for (guint i = 0; i < pc->order->len; i++) {
		const struct bstate *b = g_ptr_array_index(pc->order, i);

		if (out->b1[b->res] && b->b0 < out->b0[b->res])
			continue;
		out->b0[b->res] = b->b0;
		out->b1[b->res] = b->b1;
		out->row[b->res] = b->row;
	}
}

void store_rollup_batch_commit(struct store_rollup_batch *b)
{
	if (!b || !b->cache)
		return;
	for (size_t g = 0; g < b->ngroups; g++) {
		struct pcache *p = g_memdup2(&b->after[g], sizeof *p);
		int64_t *key = g_new(int64_t, 1);

		*key = b->rows[b->groups[g].first].point_id;
		g_hash_table_replace(b->cache->points, key, p);
	}
}

int store_rollup_batch_apply(sqlite3 *db, struct store_rollup_batch *b)
{
	struct stmts s;
	GArray *defer;
	int64_t horizon;
	int rc;

	if (!b)
		return STORE_OK;
	rc = stmts_prepare(db, &s);
	if (rc)
		return rc;
	defer = g_array_new(FALSE, FALSE, sizeof(struct deferred));
	rc = read_horizon(db, &s, &horizon);
	for (size_t g = 0; g < b->ngroups && !rc; g++) {
		const struct group *gr = &b->groups[g];
		const struct store_reading *rows = b->rows + gr->first;
		struct pointctx pc;

		rc = pointctx_init(&pc, db, &s, rows[0].point_id, horizon,
				   pcache_find(b->cache, rows[0].point_id),
				   false);
		pc.defer = defer;
		if (!rc)
			rc = fold_point(&pc, rows, gr->n, gr->has_last,
					gr->last_ts);
		if (!rc)
			remember(&pc, gr, rows, &b->after[g]);
		pointctx_finish(&pc);
	}
	if (!rc)
		rc = write_deferred(db, &s, defer);
	g_array_free(defer, TRUE);
	stmts_finalize(&s);
	return rc;
}

/* --- rebuilding from raw ------------------------------------------------ */

struct loaded {
	int64_t point;
	struct store_reading *rows;
	size_t n, cap;
};

static int load_one(int64_t ts, double v, void *ctx)
{
	struct loaded *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->rows = g_renew(struct store_reading, l->rows, l->cap);
	}
	l->rows[l->n].point_id = l->point;
	l->rows[l->n].ts = ts;
	l->rows[l->n].value = v;
	l->n++;
	return 0;
}

/* Deletes the row of pc's point at (res, ts), if there is one. */
static int delete_row(struct pointctx *pc, enum store_bucket res,
		      int64_t ts)
{
	sqlite3_stmt *d = pc->s->del;
	int rc;

	sqlite3_bind_int64(d, 1, pc->point);
	sqlite3_bind_int(d, 2, (int)res);
	sqlite3_bind_int64(d, 3, ts);
	rc = sqlite3_step(d);
	stmt_done(d);
	if (rc != SQLITE_DONE)
		return db_fail(pc->db, "clearing rollups for a rebuild");
	return STORE_OK;
}

/*
 * Deletes the rows of pc's point that start at or after the horizon,
 * before a rebuild, walking its buckets (the table has no index by
 * point).  rows[0..n): its readings from the horizon on.  Rows lie
 * where readings or their holds are, and a month has a row while any
 * of its buckets has: months are walked from the horizon (or the first
 * reading) to the last reading, then on while they have rows (a hold
 * of the old step may reach past the last reading).  Rows cut in a
 * zone the site no longer has are not at these starts and stay, unread.
 */
static int clear_point(struct pointctx *pc, const struct store_reading *rows,
		       size_t n)
{
	GTimeZone *tz = pc->zone->tz;
	int64_t lo, last, m, mn;
	int rc = STORE_OK;

	if (pc->horizon == INT64_MIN && n == 0)
		return STORE_OK;
	lo = pc->horizon != INT64_MIN ? pc->horizon : rows[0].ts;
	if (lo < WALK_FIRST)
		lo = WALK_FIRST;
	last = n ? rows[n - 1].ts : lo;
	for (m = store_bucket_floor(tz, STORE_BUCKET_MONTH, lo);
	     m < STORE_BUCKET_END && !rc; m = mn) {
		struct bstate month = {.res = STORE_BUCKET_MONTH, .b0 = m};

		mn = store_bucket_next(tz, STORE_BUCKET_MONTH, m);
		rc = row_load(pc, &month);
		if (rc)
			break;
		if (!month.stored) {
			if (m > last)
				break;
			continue;
		}
		for (int res = RES_FIRST; res < STORE_BUCKET_MONTH && !rc;
		     res++) {
			for (int64_t b = store_bucket_floor(tz, res,
							    m > lo ? m : lo);
			     b < mn && !rc && res_kept(res);
			     b = store_bucket_next(tz, res, b))
				if (b >= pc->horizon)
					rc = delete_row(pc, res, b);
		}
		if (!rc && m >= pc->horizon)
			rc = delete_row(pc, STORE_BUCKET_MONTH, m);
	}
	return rc;
}

/* cleared: the caller has deleted every row from the horizon on. */
static int rebuild_point(sqlite3 *db, struct stmts *s, int64_t point,
			 bool cleared)
{
	struct loaded l = {0};
	struct pointctx pc = {0};
	int64_t horizon;
	int rc;

	rc = read_horizon(db, s, &horizon);
	if (!rc)
		rc = pointctx_init(&pc, db, s, point, horizon, NULL, true);
	if (rc)
		goto out;

	/* Buckets before the horizon keep their rows; the rest is made
	 * again from the readings at or after it. */
	l.point = point;
	rc = store_blocks_each(db, point, pc.horizon, INT64_MAX, load_one,
			       &l);
	if (!rc && !cleared)
		rc = clear_point(&pc, l.rows, l.n);
	if (!rc)
		rc = fold_point(&pc, l.rows, l.n, false, 0);

out:
	g_free(l.rows);
	pointctx_finish(&pc);
	return rc;
}

int store_rollup_rebuild_db(sqlite3 *db, int64_t point_id)
{
	struct stmts s;
	sqlite3_stmt *ids = NULL, *clear = NULL;
	int64_t horizon;
	int rc, step = SQLITE_DONE;

	/* This connection's memory of the rows is about to be wrong. */
	g_hash_table_remove_all(dbcache_get(db)->points);
	rc = stmts_prepare(db, &s);
	if (rc)
		return rc;
	if (point_id) {
		rc = rebuild_point(db, &s, point_id, false);
		goto out;
	}
	/* Every point's rows from the horizon on, in one pass. */
	rc = read_horizon(db, &s, &horizon);
	if (rc)
		goto out;
	if (sqlite3_prepare_v2(db, "DELETE FROM rollups WHERE ts >= ?1", -1,
			       &clear, NULL) != SQLITE_OK) {
		rc = db_fail(db, "preparing a rollup rebuild");
		goto out;
	}
	sqlite3_bind_int64(clear, 1, horizon);
	if (sqlite3_step(clear) != SQLITE_DONE) {
		rc = db_fail(db, "clearing rollups for a rebuild");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT id FROM points ORDER BY id", -1,
			       &ids, NULL) != SQLITE_OK) {
		rc = db_fail(db, "listing points for a rebuild");
		goto out;
	}
	while (!rc && (step = sqlite3_step(ids)) == SQLITE_ROW)
		rc = rebuild_point(db, &s, sqlite3_column_int64(ids, 0),
				   true);
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, "listing points for a rebuild");

out:
	sqlite3_finalize(clear);
	sqlite3_finalize(ids);
	stmts_finalize(&s);
	return rc;
}

int store_rollup_rebuild_power_db(sqlite3 *db)
{
	sqlite3_stmt *ids = NULL;
	int rc = STORE_OK, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, "SELECT id FROM points WHERE quantity = "
			       "'power' AND unit <> 'kW' AND kind = "
			       "'instantaneous' AND step_s > 0 ORDER BY id",
			       -1, &ids, NULL) != SQLITE_OK)
		return db_fail(db, "listing power points for a rebuild");
	while (!rc && (step = sqlite3_step(ids)) == SQLITE_ROW)
		rc = store_rollup_rebuild_db(db, sqlite3_column_int64(ids, 0));
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, "listing power points for a rebuild");
	sqlite3_finalize(ids);
	return rc;
}

/* --- the store.h-level calls -------------------------------------------- */

struct rebuild_ctx {
	const char *key;
	int64_t points;
};

static int exec_db(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, sql);
	return STORE_OK;
}

static int point_id_of(sqlite3 *db, const char *key, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id FROM points WHERE key = ?1", -1,
			       &s, NULL) != SQLITE_OK)
		return db_fail(db, "looking up a point");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "no point '%s'", key);
	} else {
		rc = db_fail(db, "looking up a point");
	}
	sqlite3_finalize(s);
	return rc;
}

static int rebuild_conn(sqlite3 *db, void *ctx)
{
	struct rebuild_ctx *r = ctx;
	int64_t id = 0;
	int rc;

	rc = exec_db(db, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	if (r->key)
		rc = point_id_of(db, r->key, &id);
	if (!rc)
		rc = store_rollup_rebuild_db(db, id);
	if (!rc)
		rc = exec_db(db, "COMMIT");
	if (rc) {
		exec_db(db, "ROLLBACK");
		return rc;
	}
	if (r->key) {
		r->points = 1;
	} else {
		sqlite3_stmt *s = NULL;

		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM points", -1,
				       &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW)
			r->points = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	return STORE_OK;
}

int store_rollup_rebuild(struct store *st, const char *key,
			 int64_t *points)
{
	struct rebuild_ctx r = {.key = key};
	int rc;

	rc = store_with_conn(st, true, rebuild_conn, &r);
	*points = rc ? 0 : r.points;
	return rc;
}

GTimeZone *store_rollup_zone(const char *name)
{
	struct zone *z = zone_get(name);

	return z ? z->tz : NULL;
}

/* --- one point's rows, by key ------------------------------------------ */

/*
 * The table is keyed by time first and has no index by point, so one
 * point's rows are looked up bucket by bucket, at the bucket starts of
 * its site's zone.  A month has a row whenever one of its buckets has
 * (a row is kept while its n or held is not 0, and a month's are its
 * buckets' sums), so the buckets of a month without a row are skipped:
 * years without data cost a lookup a month.
 */

struct walk {
	sqlite3 *db;
	sqlite3_stmt *get;	/* one rollup by its key */
	int64_t point;
	GTimeZone *tz;		/* the point's zone; borrowed from zones */
	store_rollup_fn fn;
	void *ctx;
	bool stopped;		/* fn returned non-zero */
};

static int walk_get(struct walk *w, enum store_bucket res, int64_t ts,
		    struct store_rollup *r, bool *found)
{
	int rc;

	sqlite3_bind_int64(w->get, 1, w->point);
	sqlite3_bind_int(w->get, 2, (int)res);
	sqlite3_bind_int64(w->get, 3, ts);
	rc = sqlite3_step(w->get);
	*found = rc == SQLITE_ROW;
	if (*found) {
		row_from_stmt(w->get, r);
		r->ts = ts;
	}
	sqlite3_reset(w->get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(w->db, "reading a rollup");
	return STORE_OK;
}

/* Hands the row of res at ts, if there is one, to w's fn. */
static int walk_one(struct walk *w, enum store_bucket res, int64_t ts)
{
	struct store_rollup r;
	bool found;
	int rc;

	rc = walk_get(w, res, ts, &r, &found);
	if (!rc && found && w->fn(&r, w->ctx))
		w->stopped = true;
	return rc;
}

/* The hour [h, he) from its half-hours; none when they have no row. */
static int walk_hour(struct walk *w, int64_t h, int64_t he)
{
	struct store_rollup hour = {.ts = h}, r;
	bool any = false, found;
	int rc = STORE_OK;

	for (int64_t b = h; b < he && !rc;
	     b = store_bucket_next(w->tz, STORE_BUCKET_30MIN, b)) {
		rc = walk_get(w, STORE_BUCKET_30MIN, b, &r, &found);
		if (!rc && found) {
			store_rollup_add(&hour, &r);
			any = true;
		}
	}
	if (!rc && any && w->fn(&hour, w->ctx))
		w->stopped = true;
	return rc;
}

/* The rows of res with from <= ts < to, in ts order. */
static int walk_rows(struct walk *w, enum store_bucket res, int64_t from,
		     int64_t to)
{
	int64_t m, mn;
	int rc = STORE_OK;

	if (from < WALK_FIRST)
		from = WALK_FIRST;
	if (to > STORE_BUCKET_END)
		to = STORE_BUCKET_END;
	if (from >= to)
		return STORE_OK;
	for (m = store_bucket_floor(w->tz, STORE_BUCKET_MONTH, from);
	     m < to && !rc && !w->stopped; m = mn) {
		struct store_rollup r;
		int64_t lo, hi;
		bool found;

		mn = store_bucket_next(w->tz, STORE_BUCKET_MONTH, m);
		rc = walk_get(w, STORE_BUCKET_MONTH, m, &r, &found);
		if (rc || !found)
			continue;
		if (res == STORE_BUCKET_MONTH) {
			if (m >= from && w->fn(&r, w->ctx))
				w->stopped = true;
			continue;
		}
		lo = m > from ? m : from;
		hi = mn < to ? mn : to;
		for (int64_t b = store_bucket_floor(w->tz, res, lo), e;
		     b < hi && !rc && !w->stopped; b = e) {
			e = store_bucket_next(w->tz, res, b);
			if (b < lo)
				continue;
			rc = res_kept(res) ? walk_one(w, res, b)
					   : walk_hour(w, b, e);
		}
	}
	return rc;
}

/* Prepares w for point: its zone and the lookup.  *none: the point or
 * its zone is not there, so it has no rows to read. */
static int walk_init(struct walk *w, sqlite3 *db, int64_t point, bool *none)
{
	sqlite3_stmt *info = NULL;
	struct zone *z = NULL;
	int rc;

	memset(w, 0, sizeof *w);
	w->db = db;
	w->point = point;
	*none = false;
	if (sqlite3_prepare_v2(db, stmt_sql[SQL_INFO], -1, &info, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, stmt_sql[SQL_GET], -1, &w->get, NULL) !=
		    SQLITE_OK) {
		rc = db_fail(db, "preparing a read of rollups");
		goto out;
	}
	sqlite3_bind_int64(info, 1, point);
	rc = sqlite3_step(info);
	if (rc == SQLITE_ROW) {
		const unsigned char *tz = sqlite3_column_text(info, 0);

		z = zone_get(tz ? (const char *)tz : "");
	} else if (rc != SQLITE_DONE) {
		rc = db_fail(db, "reading a point for its rollups");
		goto out;
	}
	rc = STORE_OK;
	*none = z == NULL;
	if (z)
		w->tz = z->tz;

out:
	sqlite3_finalize(info);
	return rc;
}

int store_rollup_walk_db(sqlite3 *db, int64_t point_id,
			 enum store_bucket res, int64_t from, int64_t to,
			 store_rollup_fn fn, void *ctx, bool *stopped)
{
	struct walk w;
	bool none;
	int rc;

	rc = walk_init(&w, db, point_id, &none);
	w.fn = fn;
	w.ctx = ctx;
	if (!rc && !none)
		rc = walk_rows(&w, res, from, to);
	if (stopped)
		*stopped = w.stopped;
	sqlite3_finalize(w.get);
	return rc;
}

struct each_ctx {
	int64_t point_id, from, to;
	enum store_bucket res;
	store_rollup_fn fn;
	void *ctx;
};

/* One read transaction: every lookup sees the same commit. */
static int each_conn(sqlite3 *db, void *ctx)
{
	struct each_ctx *e = ctx;
	int rc;

	rc = exec_db(db, "BEGIN");
	if (rc)
		return rc;
	rc = store_rollup_walk_db(db, e->point_id, e->res, e->from, e->to,
				  e->fn, e->ctx, NULL);
	/* Only read: ending it cannot lose anything. */
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int store_rollups_each(struct store *st, int64_t point_id,
		       enum store_bucket res, int64_t from, int64_t to,
		       store_rollup_fn fn, void *ctx)
{
	struct each_ctx e = {point_id, from, to, res, fn, ctx};

	if (res < RES_FIRST || res > RES_LAST)
		return store_fail(STORE_INVALID, "no rollups of bucket %d",
				  (int)res);
	return store_with_conn(st, false, each_conn, &e);
}

static int horizon_conn(sqlite3 *db, void *ctx)
{
	struct stmts s = {0};
	int rc;

	if (sqlite3_prepare_v2(db, stmt_sql[SQL_HORIZON], -1, &s.horizon,
			       NULL) != SQLITE_OK)
		return db_fail(db, "reading the raw horizon");
	rc = read_horizon(db, &s, ctx);
	sqlite3_finalize(s.horizon);
	return rc;
}

int store_raw_horizon(struct store *st, int64_t *before)
{
	return store_with_conn(st, false, horizon_conn, before);
}

struct prune_ctx {
	int64_t before, limit, deleted;
};

/*
 * One transaction: the horizon first, so that a late write that comes
 * after this commit leaves the rollups of the pruned range alone, then
 * up to limit readings, taken point by point from the oldest.
 */
static int prune_conn(sqlite3 *db, void *ctx)
{
	struct prune_ctx *p = ctx;
	sqlite3_stmt *hz = NULL, *pts = NULL;
	int rc, step;

	p->deleted = 0;
	g_hash_table_remove_all(dbcache_get(db)->points);
	rc = exec_db(db, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO raw_pruned (id, before) "
			       "VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET "
			       "before = max(before, excluded.before)",
			       -1, &hz, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id FROM points ORDER BY id", -1,
			       &pts, NULL) != SQLITE_OK) {
		rc = db_fail(db, "preparing a prune");
		goto out;
	}
	sqlite3_bind_int64(hz, 1, p->before);
	if (sqlite3_step(hz) != SQLITE_DONE) {
		rc = db_fail(db, "raising the raw horizon");
		goto out;
	}

	while (!rc && p->deleted < p->limit &&
	       (step = sqlite3_step(pts)) == SQLITE_ROW) {
		int64_t n = 0;

		/* At most what is left of the limit from this point. */
		rc = store_blocks_prune(db, sqlite3_column_int64(pts, 0),
					p->before, p->limit - p->deleted, &n);
		p->deleted += n;
	}
	if (!rc)
		rc = exec_db(db, "COMMIT");

out:
	sqlite3_finalize(hz);
	sqlite3_finalize(pts);
	if (rc) {
		exec_db(db, "ROLLBACK");
		p->deleted = 0;
	}
	return rc;
}

int store_raw_prune(struct store *st, int64_t before, int64_t limit,
		    int64_t *deleted)
{
	struct prune_ctx p = {before, limit > 0 ? limit : 1, 0};
	int rc;

	rc = store_with_conn(st, true, prune_conn, &p);
	*deleted = p.deleted;
	return rc;
}
