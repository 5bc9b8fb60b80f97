/*
 * store_quarantine.h - readings held back instead of stored, and a
 * counter point's digit count.
 *
 * A reading whose time lies too far ahead of the server's clock is not
 * a reading yet: it goes to the quarantine table (migration 4), where it
 * is never seen by a query or as a point's latest value, and staff can
 * list it.  The same (point, ts) sent again replaces its held copy.
 *
 * Errors follow store.h: STORE_OK or a negative enum store_rc, with
 * store_errmsg() saying why.
 */
#ifndef AKARI_STORE_QUARANTINE_H
#define AKARI_STORE_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

struct store_held {
	int64_t id;
	int64_t point_id;
	char point[128];	/* the point's key (filled by the list) */
	int64_t ts;		/* the reading's own time */
	double value;		/* in the point's unit */
	int64_t received;	/* server time it arrived, Unix s */
	int64_t device_id;	/* 0: the local importer */
	char reason[32];	/* "future_ts" */
};

/* Stores n held readings in one transaction: all or none.  point, id
 * are ignored on the way in. */
int store_quarantine_put(struct store *st, const struct store_held *rows,
			 size_t n);

/* Calls fn for each held reading, newest arrival first, at most limit
 * of them (0: all), after unlocking (fn may call the store).  fn
 * returning non-zero stops the walk. */
typedef int (*store_held_fn)(const struct store_held *h, void *ctx);
int store_quarantine_each(struct store *st, size_t limit, store_held_fn fn,
			  void *ctx);

/* Held readings in total; for tests and status pages. */
int store_quarantine_count(struct store *st, int64_t *count);

/* Sets the digit count of point (0..STORE_COUNTER_DIGITS_MAX).
 * STORE_NOT_FOUND for no such point, STORE_INVALID for a bad count. */
int store_point_set_digits(struct store *st, const char *key, int digits);

#endif
