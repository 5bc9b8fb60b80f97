/*
 * counter.h - increments of a cumulative register (a kWh meter) from its
 * successive readings.
 *
 * A register only counts up, but what arrives from the field does not:
 * it wraps at its digit count, a replaced meter starts again from zero,
 * a reading dips a little below the last one, a gateway sends a zero or
 * a "no measurement" code.  The rules below turn any such sequence into
 * increments that are never negative.  docs/counters.md works through
 * each rule with numbers.
 *
 * Terms: the mark is the highest register value counted so far (the
 * high-water mark).  A reading is valid when it is finite, not below 0,
 * not a sentinel (counter_is_sentinel()) and, with digits > 0, below
 * 10^digits; an invalid reading is missing and skipped.  For a valid
 * reading x after the mark m:
 *
 *   x >= m                 a rise by x - m; the mark becomes x.  But
 *                          when the next valid reading y is a big drop
 *                          from x (x - y >= x / 10) back to where a
 *                          glitch after m would be (y >= m - m / 10),
 *                          x was a lone wild value: a glitch, skipped.
 *   m - x < m / 10         a dip (noise): increment 0, the mark stays m.
 *   otherwise, a big drop, judged by the next valid reading y:
 *     y >= m - m / 10      the drop did not hold: x was a glitch and is
 *                          skipped (a lone zero between normal values).
 *     y below that, or     the drop holds.  With digits > 0 and
 *     no y yet             x + 10^digits - m < 10^digits / 10 it is a
 *                          wrap, increment x + 10^digits - m; otherwise
 *                          a reset (a new meter), increment x, counted
 *                          from 0.  The mark becomes x.
 *                          A big drop in the newest reading is pending:
 *                          nothing is counted for it until a later
 *                          reading says which it was.
 *
 * Every increment is attributed to the interval between the reading
 * before it that was not skipped and the reading itself; a dip gives a
 * step of 0 so that the interval still counts as measured.
 */
#ifndef AKARI_COUNTER_H
#define AKARI_COUNTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/analytics/analytics.h"
#include "cloud/store/store.h"

/* How a reading was judged. */
enum counter_class {
	COUNTER_FIRST,		/* the first valid reading: sets the mark */
	COUNTER_RISE,		/* at or above the mark */
	COUNTER_DIP,		/* under 10 % below the mark: noise */
	COUNTER_WRAP,		/* past the top of the register and round */
	COUNTER_RESET,		/* a replaced or cleared register */
	COUNTER_GLITCH,		/* a big drop that did not hold: skipped */
	COUNTER_MISSING,	/* invalid or a sentinel: skipped */
	COUNTER_PENDING,	/* a big drop in the newest reading */
};

/* The increment of the register over the interval (t0, t1]. */
struct counter_step {
	int64_t t0, t1;
	double delta;		/* >= 0, in the register's unit */
};

/* True for the "no measurement" and overflow codes that ECHONET Lite
 * devices send in place of a 4-byte value (see docs/counters.md). */
bool counter_is_sentinel(double v);

/* True when v can be a reading of a register with digits digits (0: of
 * any size): finite, >= 0, below 10^digits and not a sentinel. */
bool counter_is_valid(double v, int digits);

/*
 * Walks n readings ts[i], v[i] in strictly increasing ts order under the
 * rules above.  Writes the steps, in order, to steps (room for n
 * entries, borrowed) and their number to *nsteps; when cls is not NULL,
 * cls[i] (room for n) receives the judgement of reading i.  At most one
 * step per valid reading after the first, so *nsteps < n.  Pure: no
 * store, no allocation, no failure; the same input gives the same
 * output, so a caller may run it over any window that starts at a
 * reading it trusts (rollups over a day, analytics over a query range).
 */
void counter_steps(const int64_t *ts, const double *v, size_t n, int digits,
		   struct counter_step *steps, size_t *nsteps,
		   enum counter_class *cls);

/* The name of a class: "first", "rise", ..., a static string. */
const char *counter_class_name(enum counter_class c);

/*
 * Adds nsteps steps to nb buckets, bucket k being [edges[k], edges[k+1])
 * (edges has nb + 1 entries, ascending), counting only the part of each
 * step inside [w0, w1).  A step's delta is spread evenly over its
 * interval: a bucket gets delta * (seconds of (t0, t1] in the bucket) /
 * (t1 - t0), so an increment across a bucket edge is split in
 * proportion to time.  amount[k] receives the increments, covered[k] the
 * seconds of step intervals in the bucket (0: no reading pair spans any
 * of it, the bucket is unmeasured).  Both arrays are the caller's,
 * zeroed or holding sums to add to.
 */
void counter_spread(const struct counter_step *steps, size_t nsteps,
		    const int64_t *edges, size_t nb, int64_t w0, int64_t w1,
		    double *amount, int64_t *covered);

/*
 * The increments of counter point p per bucket over [w0, w1), read from
 * the store: its readings in the window and up to four on each side of
 * it (so the mark before the window and the look-ahead after it are
 * known), walked with p->counter_digits by counter_steps() and spread
 * by counter_spread() into amount and covered as above.  For rollups
 * over a day, as for a query.  Returns 0, ANALYTICS_NOMEM, or a store
 * code with err saying what failed.  Reads only; thread-safe as the
 * store is.
 */
int counter_buckets(struct store *st, const struct store_point *p,
		    const int64_t *edges, size_t nb, int64_t w0, int64_t w1,
		    double *amount, int64_t *covered, char *err,
		    size_t errlen);

#endif
