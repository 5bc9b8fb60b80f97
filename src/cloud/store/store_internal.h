/*
 * store_internal.h - what the store's other files (store_displays.c) use
 * of store.c: its two connections, under their locks, and its per-thread
 * error message.
 */
#ifndef AKARI_STORE_INTERNAL_H
#define AKARI_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "cloud/store/store.h"

/* Runs fn on the write connection (write true) or one of two read-only
 * ones (whichever is free; so two reads may run at once, each on its own
 * connection), holding that connection's lock for the call.  fn returns
 * STORE_OK or a negative enum store_rc, having set the message with
 * store_fail().
 * Every acknowledged reading is merged into blocks and rollups first
 * (store_log.h), so fn sees them there. */
typedef int (*store_conn_fn)(sqlite3 *db, void *ctx);
int store_with_conn(struct store *st, bool write, store_conn_fn fn,
		    void *ctx);

/* The columns of a point and its site that store_point_from_row() reads,
 * and the join that gives them: append WHERE or ORDER BY. */
/* How long a call waits for another connection's lock on the file. */
#define STORE_BUSY_TIMEOUT_MS 10000

#define STORE_POINT_SELECT                                                \
	"SELECT p.id, p.key, p.site_id, s.name, s.tz, p.quantity, p.unit, " \
	"p.kind, p.step_s, p.shift_days, p.counter_digits, "               \
	"coalesce(p.retired, 0) FROM points p "                            \
	"JOIN sites s ON s.id = p.site_id "

/* Fills the struct store_point at out from the current row of a
 * statement that selects STORE_POINT_SELECT's columns. */
void store_point_from_row(sqlite3_stmt *s, void *out);

/* The same without the merge, for fn that reads and writes neither
 * readings nor rollups: the per-request lookups of the registry, which
 * must not turn every request into a merge. */
int store_with_registry(struct store *st, bool write, store_conn_fn fn,
			void *ctx);

/* Notes that points or sites may have changed, so that what was read of
 * them before is read again (store_lookup.h).  Every write of points or
 * sites calls it once it is over, failed or not.  Returns rc. */
int store_registry_changed(int rc);

/* Waits for every batch between its points' lookup and its commit
 * (store_points_use_begin()), and keeps new ones out until _end: a
 * change of a point's unit, quantity or state holds it, from before its
 * merge of what is acknowledged to after store_registry_changed(). */
void store_points_change_begin(struct store *st);
void store_points_change_end(struct store *st);

/* Sets what store_errmsg() says on this thread; returns rc. */
int store_fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
