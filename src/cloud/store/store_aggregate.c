/*
 * store_aggregate.c - many points' rollups in one read.
 *
 * The rollups table is keyed by (res, ts, point_id), so the rows of one
 * resolution and time range lie together whatever their point: reading
 * the range once and keeping the rows of the points asked for costs one
 * B-tree walk.  When the points asked for are few among many, each
 * point's rows are looked up by key, bucket by bucket, instead
 * (store_rollup_walk_db), since the range then holds mostly rows nobody
 * wants.
 */
#include "cloud/store/store_aggregate.h"
#include "cloud/store/store_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scan pays for every point's rows in the range; an index lookup per
 * row costs a few scanned rows.  Scan when the points asked for are at
 * least this fraction (1 / SCAN_SHARE) of all points. */
#define SCAN_SHARE 8

struct wanted {
	int64_t id;
	size_t i;	/* index in the caller's ids */
};

struct agg_ctx {
	struct wanted *w;	/* sorted by id */
	size_t n;
	/* where ids are dense, index + 1 by id - w[0].id; 0: not wanted */
	size_t *dense, ndense;
	enum store_bucket res;
	unsigned cols;
	char list[64];		/* the columns of cols, for the SELECT */
	int64_t from, to;
	store_aggregate_fn fn;
	void *ctx;
};

static int db_fail(sqlite3 *db, const char *what)
{
	return store_fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(db));
}

static int cmp_wanted(const void *pa, const void *pb)
{
	const struct wanted *a = pa, *b = pb;

	return (a->id > b->id) - (a->id < b->id);
}

/* The caller's index of point id into *i; false when not wanted. */
static bool wanted_find(const struct agg_ctx *a, int64_t id, size_t *i)
{
	struct wanted key = {id, 0};
	const struct wanted *w;

	if (a->dense) {
		uint64_t k = (uint64_t)(id - a->w[0].id);

		if (id < a->w[0].id || k >= a->ndense || !a->dense[k])
			return false;
		*i = a->dense[k] - 1;
		return true;
	}
	w = bsearch(&key, a->w, a->n, sizeof(*a->w), cmp_wanted);
	if (w)
		*i = w->i;
	return w != NULL;
}

static const char *const col_names[] = {
	"n", "sum", "min", "max", "held", "kwh",
};

#define COL_COUNT (sizeof col_names / sizeof col_names[0])

/* ", n, sum" and so on: the columns of cols, in col_names' order. */
static void cols_list(unsigned cols, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t c = 0; c < COL_COUNT; c++) {
		if (cols & (1u << c))
			used += (size_t)snprintf(buf + used, len - used,
						 ", %s", col_names[c]);
	}
}

/* The row's columns of cols, from result column col on. */
static void row_read(sqlite3_stmt *s, unsigned cols, int col, int64_t ts,
		     struct store_rollup *r)
{
	memset(r, 0, sizeof(*r));
	r->ts = ts;
	if (cols & STORE_AGG_N)
		r->n = sqlite3_column_int64(s, col++);
	if (cols & STORE_AGG_SUM)
		r->sum = sqlite3_column_double(s, col++);
	if (cols & STORE_AGG_MIN)
		r->min = sqlite3_column_double(s, col++);
	if (cols & STORE_AGG_MAX)
		r->max = sqlite3_column_double(s, col++);
	if (cols & STORE_AGG_HELD)
		r->held = sqlite3_column_int64(s, col++);
	if (cols & STORE_AGG_KWH)
		r->kwh = sqlite3_column_double(s, col);
}

static int prepare(sqlite3 *db, const struct agg_ctx *a, const char *head,
		   const char *tail, sqlite3_stmt **s)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT %s%s FROM rollups WHERE %s", head,
		 a->list, tail);
	if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK)
		return db_fail(db, "reading rollups");
	return STORE_OK;
}

static int count_points(sqlite3 *db, int64_t *count)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM points", -1, &s,
			       NULL) != SQLITE_OK)
		return db_fail(db, "counting points");
	rc = sqlite3_step(s);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	rc = rc == SQLITE_ROW ? STORE_OK : db_fail(db, "counting points");
	sqlite3_finalize(s);
	return rc;
}

/* Every row of the range, kept when its point is wanted. */
static int read_scan(sqlite3 *db, struct agg_ctx *a)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(db, a, "point_id, ts", "res = ?1 AND ts >= ?2 AND "
		     "ts < ?3", &s);
	if (rc)
		return rc;
	sqlite3_bind_int(s, 1, (int)a->res);
	sqlite3_bind_int64(s, 2, a->from);
	sqlite3_bind_int64(s, 3, a->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_rollup r;
		size_t i;

		if (!wanted_find(a, sqlite3_column_int64(s, 0), &i))
			continue;
		row_read(s, a->cols, 2, sqlite3_column_int64(s, 1), &r);
		if (a->fn(i, &r, a->ctx))
			break;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		     ? STORE_OK
		     : db_fail(db, "reading rollups");
	sqlite3_finalize(s);
	return rc;
}

/* --- hours, from half-hours ---------------------------------------------- */

/* A wanted point's hour being added up from its half-hours. */
struct pending {
	GTimeZone *tz;		/* borrowed; NULL: no zone, so no rows */
	bool open;
	struct store_rollup hour;
};

/* The last half-hour's hour: the rows of one ts come together. */
struct hour_memo {
	GTimeZone *tz;
	int64_t ts, hour;
};

static int64_t hour_of(struct hour_memo *m, GTimeZone *tz, int64_t ts)
{
	if (m->tz != tz || m->ts != ts) {
		m->tz = tz;
		m->ts = ts;
		m->hour = store_bucket_floor(tz, STORE_BUCKET_HOUR, ts);
	}
	return m->hour;
}

/* The zones of the wanted points into p, by the caller's index. */
static int load_zones(sqlite3 *db, const struct agg_ctx *a,
		      struct pending *p)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT p.id, s.tz FROM points p "
			       "JOIN sites s ON s.id = p.site_id",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, "reading the zones of points");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *tz = sqlite3_column_text(s, 1);
		size_t i;

		if (wanted_find(a, sqlite3_column_int64(s, 0), &i))
			p[i].tz = store_rollup_zone(tz ? (const char *)tz
						       : "");
	}
	rc = rc == SQLITE_DONE ? STORE_OK
			       : db_fail(db, "reading the zones of points");
	sqlite3_finalize(s);
	return rc;
}

/* Hands point i's hour to the caller when it starts in the range. */
static int hour_emit(const struct agg_ctx *a, size_t i, struct pending *p)
{
	struct store_rollup r = p->hour;

	p->open = false;
	if (r.ts < a->from || r.ts >= a->to)
		return 0;
	r.n = a->cols & STORE_AGG_N ? r.n : 0;
	return a->fn(i, &r, a->ctx);
}

/* Where the scan of half-hours may stop: at to when it starts an hour
 * in every zone of p (as analytics asks), else an hour past it, so
 * that the last hour that starts before it is read whole. */
static int64_t hours_end(const struct agg_ctx *a, const struct pending *p)
{
	GTimeZone *seen = NULL;

	if (a->to >= STORE_BUCKET_END)
		return STORE_BUCKET_END;
	for (size_t i = 0; i < a->n; i++) {
		if (!p[i].tz || p[i].tz == seen)
			continue;
		if (store_bucket_floor(p[i].tz, STORE_BUCKET_HOUR, a->to) !=
		    a->to)
			return a->to + 3600;
		seen = p[i].tz;
	}
	return a->to;
}

/*
 * Hours by one scan of the half-hours: those of the hours that start in
 * [from, to), each point's added up in ts order as they come.  min and
 * max need n to leave out half-hours without readings, so n is read
 * with them.
 */
static int read_scan_hours(sqlite3 *db, struct agg_ctx *a)
{
	struct agg_ctx half = *a;
	struct hour_memo memo = {0};
	struct pending *p = calloc(a->n, sizeof(*p));
	sqlite3_stmt *s = NULL;
	bool stop = false;
	int rc;

	if (!p)
		return store_fail(STORE_IO, "out of memory reading hours of "
				  "%zu points", a->n);
	if (half.cols & (STORE_AGG_MIN | STORE_AGG_MAX))
		half.cols |= STORE_AGG_N;
	cols_list(half.cols, half.list, sizeof half.list);
	rc = load_zones(db, a, p);
	if (!rc)
		rc = prepare(db, &half, "point_id, ts", "res = ?1 AND "
			     "ts >= ?2 AND ts < ?3", &s);
	if (rc)
		goto out;
	sqlite3_bind_int(s, 1, (int)STORE_BUCKET_30MIN);
	sqlite3_bind_int64(s, 2, a->from);
	sqlite3_bind_int64(s, 3, hours_end(a, p));
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_rollup r;
		int64_t ts = sqlite3_column_int64(s, 1), h;
		size_t i;

		if (!wanted_find(a, sqlite3_column_int64(s, 0), &i) ||
		    !p[i].tz)
			continue;
		row_read(s, half.cols, 2, ts, &r);
		h = hour_of(&memo, p[i].tz, ts);
		if (p[i].open && p[i].hour.ts != h)
			stop = hour_emit(a, i, &p[i]) != 0;
		if (!p[i].open) {
			memset(&p[i].hour, 0, sizeof p[i].hour);
			p[i].hour.ts = h;
			p[i].open = true;
		}
		store_rollup_add(&p[i].hour, &r);
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE
		     ? STORE_OK
		     : db_fail(db, "reading rollups");
	for (size_t i = 0; i < a->n && !rc && !stop; i++)
		if (p[i].open)
			stop = hour_emit(a, i, &p[i]) != 0;

out:
	sqlite3_finalize(s);
	free(p);
	return rc;
}

/* --- a few points, by key ------------------------------------------------ */

struct each_ctx {
	struct agg_ctx *a;
	size_t i;	/* the caller's index of the point walked */
};

/* A row of the walk, cut to the columns asked for. */
static int each_row(const struct store_rollup *r, void *ctx)
{
	struct each_ctx *e = ctx;
	struct store_rollup c = {.ts = r->ts};
	unsigned cols = e->a->cols;

	c.n = cols & STORE_AGG_N ? r->n : 0;
	c.sum = cols & STORE_AGG_SUM ? r->sum : 0;
	c.min = cols & STORE_AGG_MIN ? r->min : 0;
	c.max = cols & STORE_AGG_MAX ? r->max : 0;
	c.held = cols & STORE_AGG_HELD ? r->held : 0;
	c.kwh = cols & STORE_AGG_KWH ? r->kwh : 0;
	return e->a->fn(e->i, &c, e->a->ctx);
}

/* Each wanted point's rows, looked up by key at its bucket starts. */
static int read_each(sqlite3 *db, struct agg_ctx *a)
{
	bool stop = false;
	int rc = STORE_OK;

	for (size_t k = 0; k < a->n && !stop && !rc; k++) {
		struct each_ctx e = {a, a->w[k].i};

		rc = store_rollup_walk_db(db, a->w[k].id, a->res, a->from,
					  a->to, each_row, &e, &stop);
	}
	return rc;
}

/* One read transaction, so that every point is seen at the same
 * commit. */
static int agg_conn(sqlite3 *db, void *ctx)
{
	struct agg_ctx *a = ctx;
	int64_t total;
	int rc;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "starting a read of rollups");
	rc = count_points(db, &total);
	if (rc)
		goto out;
	if ((int64_t)a->n * SCAN_SHARE >= total)
		rc = a->res == STORE_BUCKET_HOUR ? read_scan_hours(db, a)
						 : read_scan(db, a);
	else
		rc = read_each(db, a);

out:
	/* Only read: ending it cannot lose anything. */
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int store_aggregate_rollups(struct store *st, const int64_t *ids, size_t n,
			    enum store_bucket res, unsigned cols,
			    int64_t from, int64_t to, store_aggregate_fn fn,
			    void *ctx)
{
	struct agg_ctx a = {
		.n = n, .res = res, .cols = cols & STORE_AGG_ALL, .from = from,
		.to = to, .fn = fn, .ctx = ctx,
	};
	int rc;

	if (res < STORE_BUCKET_30MIN || res > STORE_BUCKET_MONTH)
		return store_fail(STORE_INVALID, "no rollups of bucket %d",
				  (int)res);
	if (n == 0 || from >= to)
		return STORE_OK;
	cols_list(a.cols, a.list, sizeof a.list);
	a.w = malloc(n * sizeof(*a.w));
	if (!a.w)
		return store_fail(STORE_IO, "out of memory reading rollups of "
				  "%zu points", n);
	for (size_t i = 0; i < n; i++)
		a.w[i] = (struct wanted){ids[i], i};
	qsort(a.w, n, sizeof(*a.w), cmp_wanted);

	/* Point ids are handed out in order, so a site's points mostly
	 * span a short run: a table by id beats a search per row. */
	if ((uint64_t)(a.w[n - 1].id - a.w[0].id) < 4 * (uint64_t)n) {
		a.ndense = (size_t)(a.w[n - 1].id - a.w[0].id) + 1;
		a.dense = calloc(a.ndense, sizeof(*a.dense));
		for (size_t k = 0; a.dense && k < n; k++)
			a.dense[a.w[k].id - a.w[0].id] = a.w[k].i + 1;
	}

	rc = store_with_conn(st, false, agg_conn, &a);
	free(a.dense);
	free(a.w);
	return rc;
}
