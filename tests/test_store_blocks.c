/*
 * test_store_blocks.c - raw readings in per-point blocks: random
 * histories of appends, late and out-of-order writes, duplicates,
 * rewrites inside and across blocks and prunes, against a reference
 * model (a plain sorted array per point, last write wins); the block
 * invariants read from the table itself and decoded here; the move of
 * a readings table into blocks; and a damaged block, which is an error
 * naming its point and t0, not a crash.
 */
#include <glib.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"
#include "cloud/store/store_backup.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_codec.h"
#include "cloud/store/store_quarantine.h"
#include "test_util.h"

#define POINTS 3

/* --- the reference model ----------------------------------------------- */

struct model {
	int64_t *ts;
	double *v;
	size_t n, cap;
};

static struct model model[POINTS + 1];	/* by point id, 1..POINTS */

static size_t model_find(const struct model *m, int64_t ts)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->ts[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_put(struct model *m, int64_t ts, double v)
{
	size_t i = model_find(m, ts);

	if (i < m->n && m->ts[i] == ts) {
		m->v[i] = v;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->ts = g_renew(int64_t, m->ts, m->cap);
		m->v = g_renew(double, m->v, m->cap);
	}
	memmove(m->ts + i + 1, m->ts + i, (m->n - i) * sizeof *m->ts);
	memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof *m->v);
	m->ts[i] = ts;
	m->v[i] = v;
	m->n++;
}

/* The oldest readings with ts < before go, at most limit of them. */
static int64_t model_prune(struct model *m, int64_t before, int64_t limit)
{
	size_t k = 0;

	while (k < m->n && (int64_t)k < limit && m->ts[k] < before)
		k++;
	memmove(m->ts, m->ts + k, (m->n - k) * sizeof *m->ts);
	memmove(m->v, m->v + k, (m->n - k) * sizeof *m->v);
	m->n -= k;
	return (int64_t)k;
}

static int64_t model_total(void)
{
	int64_t n = 0;

	for (int p = 1; p <= POINTS; p++)
		n += (int64_t)model[p].n;
	return n;
}

/* --- the database -------------------------------------------------------- */

static sqlite3 *db;

static void exec_ok(sqlite3 *d, const char *sql)
{
	char *msg = NULL;

	CHECK_AT(sqlite3_exec(d, sql, NULL, NULL, &msg) == SQLITE_OK,
		 "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

/* A value: mostly short decimals (the codec's decimal mode), now and
 * then any double (its XOR mode). */
static double rand_value(void)
{
	if (g_random_int_range(0, 10) == 0)
		return g_random_double_range(-1e6, 1e6);
	return (double)g_random_int_range(-50000, 50000) / 1000.0;
}

/* Writes ts[0..n) (sorted, unique) with the values v[0..n) to point,
 * in one transaction, and to the model. */
static void write_values(int64_t point, const int64_t *ts, const double *v,
			 size_t n)
{
	for (size_t i = 0; i < n; i++)
		model_put(&model[point], ts[i], v[i]);
	exec_ok(db, "BEGIN");
	CHECK_AT(store_blocks_write(db, point, ts, v, n) == STORE_OK,
		 "write of %zu readings at %lld: %s", n, (long long)ts[0],
		 store_errmsg(NULL));
	exec_ok(db, "COMMIT");
}

/* write_values() with random values. */
static void write_both(int64_t point, const int64_t *ts, size_t n)
{
	double *v = g_new(double, n);

	for (size_t i = 0; i < n; i++)
		v[i] = rand_value();
	write_values(point, ts, v, n);
	g_free(v);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts ts[0..n) and drops repeats; returns the new n. */
static size_t sort_unique(int64_t *ts, size_t n)
{
	size_t k = 0;

	qsort(ts, n, sizeof *ts, cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ts[k - 1] != ts[i])
			ts[k++] = ts[i];
	return k;
}

/* --- what the store holds against the model -------------------------- */

struct walk {
	const struct model *m;
	size_t i;		/* the model's next reading */
	int64_t n;
	bool ok;
	int stop_after;		/* 0: never stop */
};

static int walk_one(int64_t ts, double v, void *ctx)
{
	struct walk *w = ctx;

	if (w->i >= w->m->n || w->m->ts[w->i] != ts ||
	    memcmp(&w->m->v[w->i], &v, sizeof v)) {
		if (w->ok)
			fprintf(stderr, "reading %zu: got (%lld, %.17g)\n",
				w->i, (long long)ts, v);
		w->ok = false;
	}
	w->i++;
	w->n++;
	return w->stop_after && w->n >= w->stop_after;
}

static void compare_range(int64_t point, int64_t from, int64_t to,
			  const char *when)
{
	const struct model *m = &model[point];
	struct walk w = {m, model_find(m, from), 0, true, 0};
	size_t end = model_find(m, to);

	if (from >= to)
		end = w.i;
	CHECK_AT(store_blocks_each(db, point, from, to, walk_one, &w) ==
			 STORE_OK,
		 "%s: each: %s", when, store_errmsg(NULL));
	CHECK_AT(w.ok && w.i == end, "%s: point %lld [%lld, %lld): %lld "
		 "readings, the model has %zu", when, (long long)point,
		 (long long)from, (long long)to, (long long)w.n,
		 end - model_find(m, from));
}

/* The blocks table itself: per point disjoint, ordered, 1..MAX each,
 * t0, t1 and n those of the decoded body; and together the model. */
static void check_invariants(const char *when)
{
	static int64_t ts[STORE_BLOCK_MAX + 1];
	static double v[STORE_BLOCK_MAX + 1];
	sqlite3_stmt *s = NULL;
	int64_t prev_point = 0, prev_t1 = 0;
	size_t at[POINTS + 1] = {0};
	bool ok = true;

	CHECK_INT(sqlite3_prepare_v2(db,
				     "SELECT point_id, t0, t1, n, body FROM "
				     "blocks ORDER BY point_id, t0",
				     -1, &s, NULL),
		  SQLITE_OK);
	while (ok && sqlite3_step(s) == SQLITE_ROW) {
		int64_t p = sqlite3_column_int64(s, 0);
		int64_t t0 = sqlite3_column_int64(s, 1);
		int64_t t1 = sqlite3_column_int64(s, 2);
		int64_t n = sqlite3_column_int64(s, 3);
		size_t k = 0;
		const struct model *m = &model[p];

		ok = p >= 1 && p <= POINTS && n >= 1 && n <= STORE_BLOCK_MAX;
		CHECK_AT(ok, "%s: block (%lld, %lld) of %lld readings", when,
			 (long long)p, (long long)t0, (long long)n);
		if (!ok)
			break;
		if (p == prev_point)
			CHECK_AT(prev_t1 < t0, "%s: point %lld: block at %lld "
				 "starts before %lld", when, (long long)p,
				 (long long)t0, (long long)prev_t1);
		CHECK_INT(store_codec_decode(sqlite3_column_blob(s, 4),
					     (size_t)sqlite3_column_bytes(s,
									  4),
					     ts, v, STORE_BLOCK_MAX + 1, &k),
			  STORE_OK);
		ok = (int64_t)k == n && k && ts[0] == t0 && ts[k - 1] == t1;
		CHECK_AT(ok, "%s: point %lld: block at %lld says %lld..%lld "
			 "n %lld, its body %zu readings", when, (long long)p,
			 (long long)t0, (long long)t0, (long long)t1,
			 (long long)n, k);
		for (size_t i = 0; ok && i < k; i++, at[p]++)
			ok = at[p] < m->n && m->ts[at[p]] == ts[i] &&
			     !memcmp(&m->v[at[p]], &v[i], sizeof v[i]);
		CHECK_AT(ok, "%s: point %lld: block at %lld differs from the "
			 "model at reading %zu", when, (long long)p,
			 (long long)t0, at[p]);
		prev_point = p;
		prev_t1 = t1;
	}
	sqlite3_finalize(s);
	for (int p = 1; ok && p <= POINTS; p++)
		CHECK_AT(at[p] == model[p].n, "%s: point %d: blocks hold %zu, "
			 "the model %zu", when, p, at[p], model[p].n);
}

/* a + d, held inside int64 */
static int64_t sat_add(int64_t a, int64_t d)
{
	if (d > 0 && a > INT64_MAX - d)
		return INT64_MAX;
	if (d < 0 && a < INT64_MIN - d)
		return INT64_MIN;
	return a + d;
}

/* A time near the model's readings: one of them, give or take a
 * little, or anywhere from before the first to after the last. */
static int64_t rand_time(const struct model *m)
{
	int64_t lo, hi;

	if (!m->n)
		return g_random_int_range(-100, 100);
	if (g_random_boolean())
		return sat_add(m->ts[g_random_int_range(0, (int)m->n)],
			       g_random_int_range(-1, 2));
	lo = m->ts[0];
	hi = m->ts[m->n - 1];
	if (lo < INT32_MIN + 1000 || hi > INT32_MAX - 1000)
		return lo;
	return g_random_int_range((int32_t)lo - 1000, (int32_t)hi + 1000);
}

static void check_reads(const char *when)
{
	int64_t n = -1;

	for (int64_t p = 1; p <= POINTS; p++) {
		const struct model *m = &model[p];
		int64_t last = 0, ts = 0;
		double v = 0;
		bool found = true;

		compare_range(p, INT64_MIN, INT64_MAX, when);
		for (int k = 0; k < 4; k++) {
			int64_t a = rand_time(m);
			int64_t b = sat_add(a, g_random_int_range(0, 200000));

			compare_range(p, a, b, when);
		}

		CHECK_INT(store_blocks_last_ts(db, p, &last, &found),
			  STORE_OK);
		CHECK_AT(found == (m->n > 0) && (!found ||
						 last == m->ts[m->n - 1]),
			 "%s: point %lld: last ts %lld", when, (long long)p,
			 (long long)last);

		for (int k = 0; k < 4; k++) {
			int64_t before = rand_time(m);
			size_t i = model_find(m, before);

			CHECK_INT(store_blocks_latest(db, p, before, &ts, &v,
						      &found),
				  STORE_OK);
			CHECK_AT(found == (i > 0) &&
					 (!found || (ts == m->ts[i - 1] &&
						     !memcmp(&v, &m->v[i - 1],
							     sizeof v))),
				 "%s: point %lld: latest before %lld: %lld",
				 when, (long long)p, (long long)before,
				 (long long)ts);
		}
	}
	CHECK_INT(store_blocks_count(db, &n), STORE_OK);
	CHECK_INT(n, model_total());
	check_invariants(when);
}

/* --- random histories ------------------------------------------------ */

/* Minute readings after the point's newest, in runs of any length:
 * short runs make partly full blocks grow, long ones make many. */
static void op_append(int64_t p)
{
	const struct model *m = &model[p];
	size_t n = (size_t)g_random_int_range(1, 3000);
	int64_t t = m->n ? m->ts[m->n - 1] : 0, *ts = g_new(int64_t, n);

	for (size_t i = 0; i < n; i++) {
		/* mostly a minute, now and then a gap or jitter */
		if (g_random_int_range(0, 20))
			t += 60;
		else
			t += g_random_int_range(1, 5000);
		ts[i] = t;
	}
	write_both(p, ts, n);
	g_free(ts);
}

/* Readings anywhere in the range written so far, some exactly at
 * stored times (a rewrite), some between them, some before all. */
static void op_scatter(int64_t p)
{
	const struct model *m = &model[p];
	size_t n = (size_t)g_random_int_range(1, 200);
	int64_t *ts = g_new(int64_t, n);
	int64_t hi = m->n ? m->ts[m->n - 1] + 100 : 1000;

	for (size_t i = 0; i < n; i++) {
		if (m->n && g_random_boolean())
			ts[i] = m->ts[g_random_int_range(0, (int)m->n)];
		else
			ts[i] = g_random_int_range(-500, (int)hi);
	}
	n = sort_unique(ts, n);
	write_both(p, ts, n);
	g_free(ts);
}

/* Every stored reading in a span several blocks long written again,
 * with new ones between them and past the end. */
static void op_rewrite_span(int64_t p)
{
	const struct model *m = &model[p];
	size_t a, len, n = 0;
	int64_t *ts;

	if (m->n < 2)
		return;
	a = (size_t)g_random_int_range(0, (int)m->n);
	len = (size_t)g_random_int_range(1, 3500);
	if (a + len > m->n)
		len = m->n - a;
	ts = g_new(int64_t, 2 * len + 10);
	for (size_t i = a; i < a + len; i++) {
		ts[n++] = m->ts[i];
		if (g_random_int_range(0, 4) == 0)
			ts[n++] = m->ts[i] + 1;
	}
	for (int k = 0; k < 10; k++)
		ts[n++] = m->ts[m->n - 1] + 7 * (k + 1);
	n = sort_unique(ts, n);
	write_both(p, ts, n);
	g_free(ts);
}

static void op_prune(int64_t p)
{
	struct model *m = &model[p];
	int64_t before, limit, deleted = -1, want;

	if (!m->n)
		return;
	before = m->ts[g_random_int_range(0, (int)m->n)] +
		 g_random_int_range(-1, 2);
	limit = g_random_boolean() ? INT64_MAX : g_random_int_range(1, 2500);
	want = model_prune(m, before, limit);
	exec_ok(db, "BEGIN");
	CHECK_INT(store_blocks_prune(db, p, before, limit, &deleted),
		  STORE_OK);
	exec_ok(db, "COMMIT");
	CHECK_INT(deleted, want);
}

static void test_random_histories(void)
{
	char when[64];

	for (int step = 0; step < 400; step++) {
		int64_t p = g_random_int_range(1, POINTS + 1);
		int op = g_random_int_range(0, 20);

		if (op < 10)
			op_append(p);
		else if (op < 15)
			op_scatter(p);
		else if (op < 18)
			op_rewrite_span(p);
		else
			op_prune(p);
		if (step % 10 == 0 || step == 399) {
			snprintf(when, sizeof when, "step %d (op %d, point "
				 "%lld)", step, op, (long long)p);
			check_reads(when);
		}
	}
}

/* Edges the random walk may miss: one reading, an exactly full block
 * and the append after it (no decode), a write before every block,
 * the extreme times. */
static void test_edges(void)
{
	static int64_t ts[STORE_BLOCK_MAX + 1];
	static double v[STORE_BLOCK_MAX];
	int64_t n = -1, t, last = 0;
	sqlite3_stmt *s = NULL;
	bool found;

	for (int64_t p = 1; p <= POINTS; p++)
		model[p].n = 0;
	exec_ok(db, "DELETE FROM blocks");

	/* one value throughout: a few bytes, so the count is what fills
	 * the block */
	for (int i = 0; i < STORE_BLOCK_MAX; i++) {
		ts[i] = 100000 + 60 * i;
		v[i] = 2.5;
	}
	write_values(1, ts, v, STORE_BLOCK_MAX);
	t = 100000 + 60 * STORE_BLOCK_MAX;
	write_both(1, &t, 1);
	/* 2048 then 1: two blocks, the first left as it was */
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT n FROM blocks WHERE "
				     "point_id = 1 ORDER BY t0", -1, &s,
				     NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(s, 0), STORE_BLOCK_MAX);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(s, 0), 1);
	CHECK_INT(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	t = -5;
	write_both(1, &t, 1);
	ts[0] = INT64_MIN;
	ts[1] = INT64_MAX;
	write_both(2, ts, 2);
	CHECK_INT(store_blocks_last_ts(db, 2, &last, &found), STORE_OK);
	CHECK(found && last == INT64_MAX);
	CHECK_INT(store_blocks_last_ts(db, 3, &last, &found), STORE_OK);
	CHECK(!found);
	check_reads("edges");
	CHECK_INT(store_blocks_count(db, &n), STORE_OK);
	CHECK_INT(n, STORE_BLOCK_MAX + 1 + 1 + 2);
}

/* --- blocks cut by size ----------------------------------------------- */

/* The counts of point's blocks in t0 order (at most max), or with
 * by_row in the order of their rows (ids); returns how many there are. */
static int block_counts(int64_t point, bool by_row, int64_t *n, int max)
{
	sqlite3_stmt *s = NULL;
	int k = 0;

	CHECK_INT(sqlite3_prepare_v2(db, by_row
				     ? "SELECT point_id * 100000 + n FROM "
				       "blocks ORDER BY id"
				     : "SELECT n FROM blocks WHERE point_id = "
				       "?1 ORDER BY t0",
				     -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, point);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (k < max)
			n[k] = sqlite3_column_int64(s, 0);
		k++;
	}
	sqlite3_finalize(s);
	return k;
}

#define CUT_N 3000

/* Readings i = 0 .. CUT_N - 1 at 60 i, valued 0 and 101 in turn. */
static void cut_series(int64_t *ts, double *v)
{
	for (int i = 0; i < CUT_N; i++) {
		ts[i] = 60 * i;
		v[i] = i % 2 ? 101 : 0;
	}
}

/*
 * Where a write cuts blocks, worked out from the byte format of
 * docs/codec.md and what its encoder chooses, for the series of
 * cut_series(): whole numbers, so decimal mode with k = 0 (101 is no
 * multiple of 10, so not tens).  A block of n readings, 129 <= n <
 * 16384, at t0 = 0 and whose first value is 0:
 *
 *   version 1, n 2 (a varint of 14 bits), t0 1 (zigzag(0)),
 *   times: all 60, one run chunk: width 1, count n - 1 2, base 1,
 *   mode 1, I_0 1 (zigzag(0))                            = 10 bytes;
 *   values: n - 1 items +101, -101, ... in groups of 128 that all
 *   span -101 .. 101, so they join into frames of 1,024 items: base
 *   -101 (zigzag 201, 2 bytes), width 8 (the spread 202 < 256): the
 *   first frame 1 + 2 + 2 + 1024 = 1029 bytes, the next one of
 *   r >= 128 items 1 + 2 + 2 + r = 5 + r.
 *
 * 10 + 1029 + 5 + r <= 1329 for r <= 285, so the first block holds
 * 1 + 1024 + 285 = 1310 readings (exactly 1329 bytes).  The second
 * starts at reading 1310, at 78600 and valued 0: t0 takes 3 bytes
 * (zigzag 157200, 18 bits), a header of 12, so r <= 283 and it holds
 * 1308 readings.  The rest, 3000 - 1310 - 1308 = 382.
 */
static void test_size_cut(void)
{
	static int64_t ts[CUT_N];
	static double v[CUT_N];
	int64_t n[8];
	int64_t t = 78570, t2 = 30;
	double z = 0;

	for (int64_t p = 1; p <= POINTS; p++)
		model[p].n = 0;
	exec_ok(db, "DELETE FROM blocks");
	cut_series(ts, v);
	write_values(1, ts, v, CUT_N);
	CHECK_INT(block_counts(1, false, n, 8), 3);
	CHECK_INT(n[0], 1310);
	CHECK_INT(n[1], 1308);
	CHECK_INT(n[2], 382);
	check_invariants("cut by size");

	/*
	 * A late reading after the first block's last (1309 * 60 = 78540)
	 * and before the second's first: the first block cannot take one
	 * more, so it stays as it is and the reading goes into a block of
	 * its own.
	 */
	write_values(1, &t, &z, 1);
	CHECK_INT(block_counts(1, false, n, 8), 4);
	CHECK_INT(n[0], 1310);
	CHECK_INT(n[1], 1);
	CHECK_INT(n[2], 1308);

	/*
	 * A late reading at 30, valued 0, inside the first block: times
	 * 0, 30, 60, 120 ... make the time items 30, 30, then 60s.  The
	 * two 30s end as a chunk of their own (width 0, count 2, base 30:
	 * 3 bytes) before the run of 60s (4 bytes), so the header is 13
	 * bytes; the value items are 0, +101, -101 ... (the same span):
	 * 13 + 1029 + 5 + r <= 1329 for r <= 282, 1 + 1024 + 282 = 1307
	 * readings.  The other 1311 - 1307 = 4 go into a new block
	 * before the lone reading's.
	 */
	write_values(1, &t2, &z, 1);
	CHECK_INT(block_counts(1, false, n, 8), 5);
	CHECK_INT(n[0], 1307);
	CHECK_INT(n[1], 4);
	CHECK_INT(n[2], 1);
	CHECK_INT(n[3], 1308);
	CHECK_INT(n[4], 382);
	check_invariants("late writes into a full block");
	check_reads("late writes into a full block");
}

/*
 * store_blocks_write_all() for two points: every block but each
 * point's last is written first, in point order, then the last ones.
 * The series of cut_series() for points 1 and 2 give rows of 1310 and
 * 1308 readings each, then the lasts of 382 (test_size_cut()).  Two
 * more readings each then replace only the lasts, again at the end.
 */
static void test_write_all(void)
{
	static int64_t ts[CUT_N];
	static double v[CUT_N];
	static struct store_reading rows[2 * CUT_N];
	int64_t n[8];

	for (int64_t p = 1; p <= POINTS; p++)
		model[p].n = 0;
	exec_ok(db, "DELETE FROM blocks");
	cut_series(ts, v);
	for (int p = 1; p <= 2; p++)
		for (int i = 0; i < CUT_N; i++) {
			rows[(p - 1) * CUT_N + i] =
			    (struct store_reading){p, ts[i], v[i]};
			model_put(&model[p], ts[i], v[i]);
		}
	exec_ok(db, "BEGIN");
	CHECK_INT(store_blocks_write_all(db, rows, 2 * CUT_N), STORE_OK);
	exec_ok(db, "COMMIT");
	CHECK_INT(block_counts(0, true, n, 8), 6);
	CHECK_INT(n[0], 100000 + 1310);
	CHECK_INT(n[1], 100000 + 1308);
	CHECK_INT(n[2], 200000 + 1310);
	CHECK_INT(n[3], 200000 + 1308);
	CHECK_INT(n[4], 100000 + 382);
	CHECK_INT(n[5], 200000 + 382);

	for (int p = 1; p <= 2; p++)
		for (int i = 0; i < 2; i++) {
			rows[(p - 1) * 2 + i] = (struct store_reading){
			    p, 60 * (CUT_N + i), 0};
			model_put(&model[p], 60 * (CUT_N + i), 0);
		}
	exec_ok(db, "BEGIN");
	CHECK_INT(store_blocks_write_all(db, rows, 4), STORE_OK);
	exec_ok(db, "COMMIT");
	CHECK_INT(block_counts(0, true, n, 8), 6);
	CHECK_INT(n[3], 200000 + 1308);
	CHECK_INT(n[4], 100000 + 384);
	CHECK_INT(n[5], 200000 + 384);
	check_invariants("write_all");
	check_reads("write_all");
}

/* Inserts ts[0..n), v[0..n) as one block row of point, as a release
 * before the size cut wrote it (blocks of up to 1,024 readings, any
 * size), and into the model. */
static void put_old_block(int64_t point, const int64_t *ts, const double *v,
			  size_t n)
{
	size_t cap = store_codec_bound(n), len = 0;
	uint8_t *body = g_malloc(cap);
	sqlite3_stmt *s = NULL;

	CHECK_INT(store_codec_encode(ts, v, n, body, cap, &len), STORE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO blocks (point_id, t0, "
				     "t1, n, body) VALUES (?1, ?2, ?3, ?4, "
				     "?5)", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, point);
	sqlite3_bind_int64(s, 2, ts[0]);
	sqlite3_bind_int64(s, 3, ts[n - 1]);
	sqlite3_bind_int64(s, 4, (int64_t)n);
	sqlite3_bind_blob(s, 5, body, (int)len, SQLITE_STATIC);
	CHECK_INT(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	for (size_t i = 0; i < n; i++)
		model_put(&model[point], ts[i], v[i]);
	g_free(body);
}

/*
 * Blocks of 1,024 readings an earlier release wrote.  Point 1's holds
 * the first 1,024 readings of cut_series() (10 + a frame of 1,023
 * items, 1 + 2 + 2 + 1023: 1,038 bytes, test_size_cut()): an append of
 * the next 500 grows it to the 1,310 that fit, and the other 214 make
 * a new block.  Point 2's
 * 1,024 readings of any doubles take far more than the cap (XOR, about
 * 8 bytes each): it is read as it is, and an append after it starts a
 * block of its own without decoding it.
 */
static void test_previous_release(void)
{
	static int64_t ts[CUT_N];
	static double v[CUT_N], w[1024];
	int64_t n[8];

	for (int64_t p = 1; p <= POINTS; p++)
		model[p].n = 0;
	exec_ok(db, "DELETE FROM blocks");
	cut_series(ts, v);
	for (int i = 0; i < 1024; i++)
		w[i] = g_random_double_range(-1e6, 1e6);
	put_old_block(1, ts, v, 1024);
	put_old_block(2, ts, w, 1024);
	check_reads("blocks of a previous release");

	write_values(1, ts + 1024, v + 1024, 500);
	CHECK_INT(block_counts(1, false, n, 8), 2);
	CHECK_INT(n[0], 1310);
	CHECK_INT(n[1], 214);
	write_values(2, ts + 1024, v + 1024, 10);
	CHECK_INT(block_counts(2, false, n, 8), 2);
	CHECK_INT(n[0], 1024);
	CHECK_INT(n[1], 10);
	check_invariants("appends to blocks of a previous release");
	check_reads("appends to blocks of a previous release");
}

/* --- a readings table moved into blocks ------------------------------ */

/*
 * A file at schema 6 as released: what a new file is less the table
 * blocks, with the released table readings (migration 1) holding the
 * readings, and an arrival a killed writer left.  Opening it moves the
 * readings into blocks, drops readings and merges the arrival on top.
 */
static void test_migration(const char *dir)
{
	char *path = g_build_filename(dir, "v6.db", NULL), err[256];
	struct store *st = NULL;
	sqlite3 *old = NULL;
	sqlite3_stmt *ins = NULL;
	/* arrival: point 1 at ts 120 (replacing 1.5) and ts 10^7 */
	static const unsigned char arrival[48] = {
		1, 0, 0, 0, 0, 0, 0, 0, 120, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0x22, 0x40,		/* 9.0 */
		1, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x96, 0x98, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0x24, 0x40,		/* 10.0 */
	};

	for (int64_t p = 1; p <= POINTS; p++)
		model[p].n = 0;

	CHECK_AT(store_open(path, &st, err, sizeof err) == STORE_OK,
		 "store_open: %s", err);
	if (!st)
		goto out;
	CHECK_INT(store_site_add(st, "s", "home", "Asia/Tokyo", NULL),
		  STORE_OK);
	test_add_point(st, "p/a", "s", "power", "kW", 60);
	store_close(st);
	st = NULL;
	CHECK_INT(sqlite3_open(path, &old), SQLITE_OK);
	exec_ok(old,
		"BEGIN;"
		"INSERT INTO sites (name, kind, tz) VALUES ('s2', 'home', "
		"'Asia/Tokyo');"
		"INSERT INTO points (id, key, site_id, quantity, unit, kind) "
		"VALUES (2, 'p/b', 2, 'power', 'kW', 'instantaneous'),"
		"(3, 'p/c', 2, 'power', 'kW', 'instantaneous');"
		"DROP TABLE blocks;"
		"CREATE TABLE readings ("
		"  point_id INTEGER NOT NULL REFERENCES points(id),"
		"  ts INTEGER NOT NULL,"
		"  value REAL NOT NULL,"
		"  PRIMARY KEY (point_id, ts)) WITHOUT ROWID;"
		"PRAGMA user_version = 6;");
	CHECK_INT(sqlite3_prepare_v2(old, "INSERT INTO readings VALUES "
				     "(?1, ?2, ?3)", -1, &ins, NULL),
		  SQLITE_OK);
	/* 2,500 readings of point 1 (three blocks), one of point 2,
	 * none of point 3 */
	for (int i = 0; i < 2501; i++) {
		int64_t p = i < 2500 ? 1 : 2, ts = i < 2500 ? 60 * i : 7;
		double v = i == 2 ? 1.5 : rand_value();

		sqlite3_bind_int64(ins, 1, p);
		sqlite3_bind_int64(ins, 2, ts);
		sqlite3_bind_double(ins, 3, v);
		CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
		model_put(&model[p], ts, v);
	}
	sqlite3_finalize(ins);
	ins = NULL;
	CHECK_INT(sqlite3_prepare_v2(old, "INSERT INTO arrivals (n, body) "
				     "VALUES (2, ?1)", -1, &ins, NULL),
		  SQLITE_OK);
	sqlite3_bind_blob(ins, 1, arrival, sizeof arrival, SQLITE_STATIC);
	CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_finalize(ins);
	exec_ok(old, "COMMIT");
	sqlite3_close(old);
	model_put(&model[1], 120, 9.0);
	model_put(&model[1], 10000000, 10.0);

	CHECK_AT(store_open(path, &st, err, sizeof err) == STORE_OK,
		 "opening a version-6 file: %s", err);
	if (!st)
		goto out;
	CHECK_INT(store_schema_version(st), 13);
	store_close(st);
	st = NULL;

	sqlite3_close(db);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_table_column_metadata(db, NULL, "readings", "ts",
						NULL, NULL, NULL, NULL, NULL),
		  SQLITE_ERROR);
	check_reads("migrated v6 file");
	CHECK_INT(store_blocks_check(db), STORE_OK);

out:
	store_close(st);
	g_free(path);
}

/* --- damaged blocks --------------------------------------------------- */

struct counted {
	int64_t n;
};

static int count_one(int64_t ts, double v, void *ctx)
{
	(void)ts;
	(void)v;
	((struct counted *)ctx)->n++;
	return 0;
}

/* Sets the body of point 1's block at t0 to body[0..len). */
static void set_body(int64_t t0, const void *body, int len)
{
	sqlite3_stmt *s = NULL;

	CHECK_INT(sqlite3_prepare_v2(db, "UPDATE blocks SET body = ?1 WHERE "
				     "point_id = 1 AND t0 = ?2", -1, &s,
				     NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, body, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, t0);
	CHECK_INT(sqlite3_step(s), SQLITE_DONE);
	CHECK_INT(sqlite3_changes(db), 1);
	sqlite3_finalize(s);
}

static void expect_damage(int rc, const char *msg, int64_t t0,
			  const char *what)
{
	char want[64];

	snprintf(want, sizeof want, "point 1: the block of readings at ts "
		 "%lld", (long long)t0);
	CHECK_AT(rc == STORE_IO, "%s: rc %d", what, rc);
	CHECK_AT(strstr(msg, want) != NULL, "%s: '%s' does not name '%s'",
		 what, msg, want);
}

/*
 * The file of test_migration: point 1's 2,501 readings, one a minute
 * from 0, in blocks cut by size; the second block, at t0, is damaged.
 * A body of another version, cut short,
 * or of another block, is refused by every read and by a restore; a
 * byte flipped anywhere either still decodes to a block that agrees
 * with its row or is refused: never a crash (the sanitizer build
 * watches), never a silent gap.
 */
static void test_damage(const char *dir)
{
	char *path = g_build_filename(dir, "v6.db", NULL);
	char *out = g_build_filename(dir, "restored.db", NULL), err[512];
	char named[64], moved[128];
	sqlite3_stmt *s = NULL;
	unsigned char *good = NULL, *bad;
	int len = 0, rc;
	struct counted c = {0};
	int64_t ts, n, t0 = 0, first = 0;
	double v;
	bool found;

	/* the first block's count, the second's t0 and body */
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT n, t0, body FROM blocks "
				     "WHERE point_id = 1 ORDER BY t0 LIMIT 2",
				     -1, &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	first = sqlite3_column_int64(s, 0);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	t0 = sqlite3_column_int64(s, 1);
	len = sqlite3_column_bytes(s, 2);
	good = g_memdup2(sqlite3_column_blob(s, 2), (gsize)len);
	sqlite3_finalize(s);
	/* one a minute from 0 */
	CHECK_INT(t0, 60 * first);
	snprintf(named, sizeof named, "point 1: the block of readings at ts "
		 "%lld", (long long)t0);
	if (!good || len < 4)
		goto out;
	bad = g_memdup2(good, (gsize)len);

	/* another version byte */
	bad[0] ^= 0x7f;
	set_body(t0, bad, len);
	rc = store_blocks_each(db, 1, INT64_MIN, INT64_MAX, count_one, &c);
	expect_damage(rc, store_errmsg(NULL), t0, "each");
	/* the readings before the damage were given, none after */
	CHECK_INT(c.n, first);
	rc = store_blocks_latest(db, 1, t0 + 60, &ts, &v, &found);
	expect_damage(rc, store_errmsg(NULL), t0, "latest");
	rc = store_blocks_check(db);
	expect_damage(rc, store_errmsg(NULL), t0, "check");
	exec_ok(db, "BEGIN");
	rc = store_blocks_write(db, 1, &(int64_t){t0 + 30}, &(double){1.0}, 1);
	expect_damage(rc, store_errmsg(NULL), t0, "write");
	exec_ok(db, "ROLLBACK");

	/* a restore of the damaged file is refused, naming the block */
	store_blocks_forget(db);
	sqlite3_close(db);
	db = NULL;
	rc = store_backup_restore(path, out, NULL, false, err, sizeof err);
	CHECK_INT(rc, STORE_BACKUP_CORRUPT);
	CHECK_AT(strstr(err, named), "restore: %s", err);
	CHECK(access(out, F_OK) != 0);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);

	/* cut short */
	set_body(t0, good, len / 2);
	rc = store_blocks_each(db, 1, t0, t0 + 1, count_one, &c);
	expect_damage(rc, store_errmsg(NULL), t0, "each, short");

	/* the body of a block of other times */
	set_body(t0, good, len);
	snprintf(moved, sizeof moved, "UPDATE blocks SET t0 = t0 + 1 WHERE "
		 "point_id = 1 AND t0 = %lld", (long long)t0);
	exec_ok(db, moved);
	rc = store_blocks_each(db, 1, t0, t0 + 100, count_one, &c);
	expect_damage(rc, store_errmsg(NULL), t0 + 1, "each, moved");
	snprintf(moved, sizeof moved, "UPDATE blocks SET t0 = t0 - 1 WHERE "
		 "point_id = 1 AND t0 = %lld", (long long)t0 + 1);
	exec_ok(db, moved);

	/* every byte flipped in turn */
	for (int i = 0; i < len; i++) {
		memcpy(bad, good, (size_t)len);
		bad[i] ^= (unsigned char)(1u << (i % 8));
		set_body(t0, bad, len);
		c.n = 0;
		rc = store_blocks_each(db, 1, t0, INT64_MAX, count_one, &c);
		if (rc == STORE_OK)
			CHECK_INT(c.n, (int64_t)model[1].n - first);
		else
			expect_damage(rc, store_errmsg(NULL), t0, "flipped");
	}
	set_body(t0, good, len);
	CHECK_INT(store_blocks_check(db), STORE_OK);
	CHECK_INT(store_blocks_count(db, &n), STORE_OK);
	g_free(bad);

out:
	g_free(good);
	g_free(path);
	g_free(out);
}

/*
 * A merge that meets a damaged block of one point holds that point's
 * new readings back in the quarantine table and merges the others: the
 * file still opens, and the other points are still read and written.
 * 3,000 readings of p/a at 0, 60, ... valued 1, 2, 3 ... (a run of
 * deltas of 1, a few bytes) make blocks of 2,048 (STORE_BLOCK_MAX) and
 * 952; the first is cut in half, and a reading at 30 falls into it.
 */
static void test_merge_past_damage(const char *dir)
{
	char *path = g_build_filename(dir, "damaged.db", NULL), err[512];
	struct store_reading r[3000];
	struct store_point a, b;
	struct counted c = {0};
	struct store *st = NULL;
	sqlite3 *d = NULL;
	int64_t held = -1;

	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		goto out;
	CHECK_INT(store_site_add(st, "s", "home", "Asia/Tokyo", NULL),
		  STORE_OK);
	test_add_point(st, "d/a", "s", "power", "kW", 60);
	test_add_point(st, "d/b", "s", "power", "kW", 60);
	CHECK_INT(store_point_get(st, "d/a", &a), STORE_OK);
	CHECK_INT(store_point_get(st, "d/b", &b), STORE_OK);
	for (int i = 0; i < 3000; i++)
		r[i] = (struct store_reading){a.id, 60 * i, 1.0 + i};
	CHECK_INT(store_readings_put(st, r, 3000), STORE_OK);
	for (int i = 0; i < 10; i++)
		r[i] = (struct store_reading){b.id, 60 * i, 2.0};
	CHECK_INT(store_readings_put(st, r, 10), STORE_OK);
	store_close(st);
	st = NULL;

	CHECK_INT(sqlite3_open(path, &d), SQLITE_OK);
	exec_ok(d, "UPDATE blocks SET body = substr(body, 1, length(body) / "
		"2) WHERE t0 = 0 AND point_id = (SELECT id FROM points WHERE "
		"key = 'd/a')");
	CHECK_INT(sqlite3_changes(d), 1);
	sqlite3_close(d);

	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		goto out;
	r[0] = (struct store_reading){a.id, 30, 5.0};
	r[1] = (struct store_reading){b.id, 6000, 3.0};
	CHECK_INT(store_readings_put(st, r, 2), STORE_OK);
	/* d/b: its 10 readings and the new one */
	CHECK_INT(store_readings_each(st, b.id, INT64_MIN, INT64_MAX,
				      count_one, &c), STORE_OK);
	CHECK_INT(c.n, 11);
	CHECK_INT(store_quarantine_count(st, &held), STORE_OK);
	CHECK_INT(held, 1);
	/* d/a past the damage is still read */
	c.n = 0;
	CHECK_INT(store_readings_each(st, a.id, 2048 * 60, INT64_MAX,
				      count_one, &c), STORE_OK);
	CHECK_INT(c.n, 3000 - 2048);
	store_close(st);

	/* and the file opens again, with nothing left to merge */
	st = NULL;
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	CHECK_AT(st != NULL, "reopening: %s", err);
out:
	store_close(st);
	g_free(path);
}

int main(void)
{
	char dir[256], *path;
	struct store *st;

	test_make_tmpdir(dir, sizeof dir, "blocks");
	st = test_fresh_store(dir, "blocks");
	if (!st)
		return check_finish();
	CHECK_INT(store_site_add(st, "s", "home", "Asia/Tokyo", NULL),
		  STORE_OK);
	test_add_point(st, "p/a", "s", "power", "kW", 60);
	test_add_point(st, "p/b", "s", "power", "kW", 60);
	test_add_point(st, "p/c", "s", "power", "kW", 60);
	store_close(st);

	path = g_build_filename(dir, "blocks1.db", NULL);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	g_free(path);
	/* durability is not under test here; speed of the run is */
	exec_ok(db, "PRAGMA synchronous = OFF");
	test_random_histories();
	test_edges();
	test_size_cut();
	test_write_all();
	test_previous_release();
	store_blocks_forget(db);
	sqlite3_close(db);
	db = NULL;

	test_migration(dir);
	if (db)
		test_damage(dir);
	store_blocks_forget(db);
	sqlite3_close(db);
	test_merge_past_damage(dir);

	for (int p = 0; p <= POINTS; p++) {
		g_free(model[p].ts);
		g_free(model[p].v);
	}
	test_remove_tree(dir);
	return check_finish();
}
