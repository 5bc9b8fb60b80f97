/*
 * counter.c - the register rules of counter.h, and their increments
 * spread over buckets for analytics.
 *
 * The walk keeps the mark and the time of the last reading it did not
 * skip.  Only a big drop needs to look ahead, and then only to the next
 * valid reading, so one pass with a forward scan for that reading is
 * enough.
 */
#include "cloud/analytics/counter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * ECHONET Lite's codes for a 4-byte value that is not a measurement:
 * unsigned long overflow 0xFFFFFFFF and underflow / "no measured value"
 * 0xFFFFFFFE; signed long overflow 0x7FFFFFFF, underflow 0x80000000 and
 * 0x7FFFFFFE, which lies just outside the range the appendix gives
 * signed measurements (0x80000001..0x7FFFFFFD).
 */
static const double sentinels[] = {
	4294967295.0, 4294967294.0, 2147483647.0, 2147483646.0,
	-2147483648.0,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* How far before a window and after it analytics reads, in readings,
 * so that the rules see the mark and the look-ahead they need. */
#define CONTEXT_READINGS 4

/* 10^digits, exact for the digit counts the store allows. */
static double register_top(int digits)
{
	double top = 1;

	for (int i = 0; i < digits; i++)
		top *= 10;
	return top;
}

bool counter_is_sentinel(double v)
{
	for (size_t i = 0; i < COUNT(sentinels); i++)
		if (v == sentinels[i])
			return true;
	return false;
}

bool counter_is_valid(double v, int digits)
{
	if (!isfinite(v) || v < 0 || counter_is_sentinel(v))
		return false;
	if (digits > 0 && v >= register_top(digits))
		return false;
	return true;
}

const char *counter_class_name(enum counter_class c)
{
	static const char *const names[] = {
		[COUNTER_FIRST] = "first",   [COUNTER_RISE] = "rise",
		[COUNTER_DIP] = "dip",       [COUNTER_WRAP] = "wrap",
		[COUNTER_RESET] = "reset",   [COUNTER_GLITCH] = "glitch",
		[COUNTER_MISSING] = "missing", [COUNTER_PENDING] = "pending",
	};

	if ((size_t)c >= COUNT(names))
		return "?";
	return names[c];
}

/* The index of the first valid reading after i, or n. */
static size_t next_valid(const double *v, size_t i, size_t n, int digits)
{
	for (size_t j = i + 1; j < n; j++)
		if (counter_is_valid(v[j], digits))
			return j;
	return n;
}

/* Whether x, at or above the mark m, is a lone wild value: the next
 * valid reading y drops from it by a tenth or more and is back where a
 * glitch after m would be.  Counted, x would add x - m and the drop
 * back would count as a reset or a wrap on top. */
static bool spike(double m, double x, double y)
{
	return x > m && x - y >= x / 10 && y >= m - m / 10;
}

/* Judges the valid reading x that is a big drop from mark m, given the
 * next valid reading (have_y false when there is none yet). */
static enum counter_class judge_drop(double m, double x, bool have_y,
				     double y, int digits, double *delta)
{
	double top = digits > 0 ? register_top(digits) : 0;

	*delta = 0;
	if (!have_y)
		return COUNTER_PENDING;
	if (y >= m - m / 10)
		return COUNTER_GLITCH;
	if (top > 0 && x + top - m < top / 10) {
		*delta = x + top - m;
		return COUNTER_WRAP;
	}
	*delta = x;
	return COUNTER_RESET;
}

void counter_steps(const int64_t *ts, const double *v, size_t n, int digits,
		   struct counter_step *steps, size_t *nsteps,
		   enum counter_class *cls)
{
	bool have_mark = false;
	double mark = 0;
	int64_t last = 0;	/* ts of the last reading not skipped */
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		enum counter_class c;
		double x = v[i], delta = 0;

		if (!counter_is_valid(x, digits)) {
			c = COUNTER_MISSING;
		} else if (!have_mark) {
			c = COUNTER_FIRST;
		} else if (x >= mark) {
			size_t j = next_valid(v, i, n, digits);

			c = COUNTER_RISE;
			delta = x - mark;
			if (j < n && spike(mark, x, v[j]))
				c = COUNTER_GLITCH;
		} else if (mark - x < mark / 10) {
			c = COUNTER_DIP;
		} else {
			size_t j = next_valid(v, i, n, digits);

			c = judge_drop(mark, x, j < n, j < n ? v[j] : 0,
				       digits, &delta);
		}
		if (cls)
			cls[i] = c;

		switch (c) {
		case COUNTER_MISSING:
		case COUNTER_GLITCH:
		case COUNTER_PENDING:
			continue;
		case COUNTER_FIRST:
			break;
		case COUNTER_DIP:
			steps[k++] = (struct counter_step){last, ts[i], 0};
			break;
		default:
			steps[k++] = (struct counter_step){last, ts[i], delta};
			break;
		}
		if (c != COUNTER_DIP)
			mark = x;
		have_mark = true;
		last = ts[i];
	}
	*nsteps = k;
}

/* --- spreading over buckets ---------------------------------------------- */

void counter_spread(const struct counter_step *steps, size_t nsteps,
		    const int64_t *edges, size_t nb, int64_t w0, int64_t w1,
		    double *amount, int64_t *covered)
{
	size_t k = 0;

	for (size_t i = 0; i < nsteps; i++) {
		const struct counter_step *s = &steps[i];
		int64_t len = s->t1 - s->t0;
		int64_t a = s->t0 > w0 ? s->t0 : w0;
		int64_t e = s->t1 < w1 ? s->t1 : w1;

		/* An increment is spread evenly over its interval: each
		 * bucket gets the share of it that the bucket overlaps. */
		while (len > 0 && a < e) {
			int64_t cut;

			while (k + 1 < nb && edges[k + 1] <= a)
				k++;
			if (a < edges[k] || a >= edges[k + 1])
				break;
			cut = edges[k + 1] < e ? edges[k + 1] : e;
			amount[k] += s->delta * (double)(cut - a) / (double)len;
			covered[k] += cut - a;
			a = cut;
		}
	}
}

/* --- reading a window from the store ------------------------------------ */

struct raw {
	int64_t *ts;
	double *v;
	size_t n, cap;
	size_t after;		/* readings taken at or after the window */
	bool nomem;
};

static int raw_push(int64_t ts, double v, void *ctx)
{
	struct raw *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		int64_t *t2 = realloc(r->ts, cap * sizeof(*t2));
		double *v2;

		if (!t2)
			goto nomem;
		r->ts = t2;
		v2 = realloc(r->v, cap * sizeof(*v2));
		if (!v2)
			goto nomem;
		r->v = v2;
		r->cap = cap;
	}
	r->ts[r->n] = ts;
	r->v[r->n] = v;
	r->n++;
	return 0;

nomem:
	r->nomem = true;
	return 1;
}

/* For the walk after the window: stops after a few readings. */
static int raw_push_after(int64_t ts, double v, void *ctx)
{
	struct raw *r = ctx;

	if (raw_push(ts, v, ctx))
		return 1;
	return ++r->after >= CONTEXT_READINGS;
}

/*
 * Reads the readings of p over [w0, w1) plus up to CONTEXT_READINGS
 * before and after, in ts order.  The readings before come newest first
 * from the store, so they are gathered and then put in front.
 */
static int raw_load(struct store *st, const struct store_point *p,
		    int64_t w0, int64_t w1, struct raw *r)
{
	int64_t bts[CONTEXT_READINGS], before = w0;
	double bv[CONTEXT_READINGS];
	size_t nb = 0;
	int rc;

	while (nb < CONTEXT_READINGS) {
		rc = store_reading_latest(st, p->id, before, &bts[nb],
					  &bv[nb]);
		if (rc == STORE_NOT_FOUND)
			break;
		if (rc)
			return rc;
		before = bts[nb++];
	}
	while (nb > 0) {
		nb--;
		if (raw_push(bts[nb], bv[nb], r))
			return ANALYTICS_NOMEM;
	}

	rc = store_readings_each(st, p->id, w0, w1, raw_push, r);
	if (!rc && !r->nomem)
		rc = store_readings_each(st, p->id, w1, INT64_MAX,
					 raw_push_after, r);
	if (r->nomem)
		return ANALYTICS_NOMEM;
	return rc;
}

int counter_buckets(struct store *st, const struct store_point *p,
		    const int64_t *edges, size_t nb, int64_t w0, int64_t w1,
		    double *amount, int64_t *covered, char *err, size_t errlen)
{
	struct raw r = {0};
	struct counter_step *steps = NULL;
	size_t nsteps;
	int rc;

	rc = raw_load(st, p, w0, w1, &r);
	if (rc == ANALYTICS_NOMEM)
		goto nomem;
	if (rc) {
		snprintf(err, errlen, "reading %s: %s", p->key,
			 store_errmsg(st));
		goto out;
	}

	steps = malloc((r.n ? r.n : 1) * sizeof(*steps));
	if (!steps)
		goto nomem;
	counter_steps(r.ts, r.v, r.n, p->counter_digits, steps, &nsteps,
		      NULL);
	if (nb > 0)
		counter_spread(steps, nsteps, edges, nb, w0, w1, amount,
			       covered);
	goto out;

nomem:
	snprintf(err, errlen, "out of memory");
	rc = ANALYTICS_NOMEM;
out:
	free(steps);
	free(r.ts);
	free(r.v);
	return rc;
}
