/*
 * ingest.h - validation of reading batches, shared by every way data
 * comes in: the HTTP API and the importers go through the same code.
 *
 * A batch is JSON:
 *   {"readings": [{"point": "tepco/demand", "ts": "2022-06-27T09:00:00+09:00",
 *                  "value": 46690000, "unit": "kW"}, ...]}
 * "ts" is RFC 3339 with an offset or Unix seconds (number or string);
 * "unit" is optional; a value in another unit of the point's quantity
 * (W or MW for a point in kW, degF for degC) is converted to the point's
 * unit (see units.h), and a unit of another quantity is refused.
 *
 * Whole-batch errors (malformed JSON, no "readings" array, too many rows)
 * store nothing.  Otherwise every row is checked on its own: good rows
 * are stored in one transaction, bad rows are listed by index with a
 * reason.  The HTTP status that fits the outcome is in result->status.
 */
#ifndef AKARI_INGEST_H
#define AKARI_INGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/ingest/ingest_points.h"
#include "cloud/store/store.h"

#define INGEST_MAX_ROWS 100000

/* Who sends the batch.  A device may write only the points of its own
 * site; the local importer (site_id 0) may write any point. */
struct ingest_source {
	int64_t device_id;	/* 0 for the local importer */
	int64_t site_id;	/* 0: any site */
	/* A reading more than this many seconds ahead of the server's
	 * clock is held in quarantine, not stored; 0: no check (the
	 * importer, whose replays may lie ahead on purpose). */
	int64_t future_tolerance_s;
	/* Points kept between batches (borrowed), or NULL to read every
	 * batch's points from the store. */
	struct ingest_points *points;
	/* The request's place in the order of arrival, given to its
	 * puts; 0: none.  Set by ingest_source_begin(). */
	uint64_t mark;
};

/*
 * Order of arrival (store.h, store_readings_expect()): every route that
 * writes readings calls ingest_source_begin() as soon as its headers
 * pass their checks, before its body is read and parsed, and
 * ingest_source_end() once the request is over, whatever came of it.
 * Merges then apply the batches of concurrent requests in the order the
 * requests began, not the order their puts ended, and of two values at
 * one (point, ts) the later request's wins.  Begin takes no second mark
 * for a source that has one; end on a source never begun does nothing.
 */
void ingest_source_begin(struct ingest_source *src, struct store *st);
void ingest_source_end(struct ingest_source *src, struct store *st);

struct ingest_result {
	int status;		/* HTTP status: 200, 400, 403, 404, 422, 500 */
	size_t accepted;	/* rows stored */
	size_t rejected;	/* rows refused */
	size_t quarantined;	/* rows held back: time too far ahead */
	size_t missing;		/* rows whose value is a "no data" code */
	json_t *answer;		/* owned: the JSON answer body, see below */
};

/*
 * The answer, for status 200 (some or all rows stored):
 *   {"accepted": 286, "rejected": [{"index": 3, "point": "x/y",
 *     "error": "unknown_point", "message": "..."}],
 *    "quarantined": 1, "missing": 1,
 *    "set_aside": [{"index": 7, "point": "x/y", "reason": "future_ts",
 *                   "message": "..."},
 *                  {"index": 9, "point": "x/z",
 *                   "reason": "no_measurement", "message": "..."}]}
 * The last three keys are there only when a row was set aside.
 * A row set aside is not an error and is not stored as a reading: a
 * "future_ts" row (see future_tolerance_s) is kept in the quarantine
 * table (store_quarantine.h), a "no_measurement" row (a value that is
 * one of ECHONET Lite's "no data" codes, counter_is_sentinel()) is
 * dropped.  Neither is ever a point's latest value.  A batch whose rows
 * were all stored or set aside is a 200.  A counter point refuses a
 * negative value, and with digits a value its register cannot hold.
 * When no row could be stored, status is 404 if every row named an
 * unknown point, 403 if every row named another site's point, else 422,
 * with the same body.  For whole-batch errors:
 *   {"error": "bad_json", "message": "line 1 column 7: ..."}
 */

/* Parses body and ingests it.  Always fills res; free it with
 * ingest_result_finish().  Returns 0 when the store was reachable, or a
 * negative store_rc when storing failed (res->status is then 500). */
int ingest_body(struct store *st, const struct ingest_source *src,
		const char *body, size_t len, struct ingest_result *res);

/* Same, for a batch already parsed (borrowed; not modified). */
int ingest_batch(struct store *st, const struct ingest_source *src,
		 json_t *batch, struct ingest_result *res);

/*
 * One reading already parsed by its protocol (line protocol, ...): what
 * a JSON row holds once its types are known.  Strings are borrowed.
 */
struct ingest_row {
	const char *point;	/* the point's key */
	int64_t ts;		/* Unix seconds */
	double value;
	const char *unit;	/* NULL: in the point's own unit */
};

/*
 * Checks and stores rows[0..n) (borrowed) with the checks, statuses and
 * answer of ingest_batch() for the JSON batch of the same rows, with no
 * JSON built per row; an answer's "index" is the position in rows.
 * Returns as ingest_body() does.
 */
int ingest_rows(struct store *st, const struct ingest_source *src,
		const struct ingest_row *rows, size_t n,
		struct ingest_result *res);

void ingest_result_finish(struct ingest_result *res);

#endif
