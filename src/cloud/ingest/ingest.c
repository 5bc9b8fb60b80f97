/*
 * ingest.c - checks a batch of readings row by row and stores the good
 * rows in one transaction.
 *
 * Rows are checked in order; each either becomes a store_reading or an
 * entry in the answer's "rejected" list.  Points are looked up once per
 * key per batch, since a batch usually holds hundreds of rows of the
 * same few points.  Rows that name the same (point, ts) are collapsed
 * before storing, keeping the one that came last in the batch; since
 * every value is stored as a double, 5 and then 5.0 (or 5i and 5.0 in
 * line protocol) at one (point, ts) are one row.
 *
 * A row may also be set aside: held in quarantine when its time is too
 * far ahead of the server's clock, dropped when its value is a "no
 * measurement" code.  Held rows are written before the readings, so a
 * batch retried after a failure between the two leaves no duplicate.
 */
#include "cloud/ingest/ingest.h"

#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/analytics/counter.h"
#include "cloud/ingest/units.h"
#include "cloud/store/store_quarantine.h"
#include "core/timeutil.h"

/*
 * Timestamps outside these bounds are refused: GLib cannot format
 * instants past year 9999, and nothing akari measures predates 1900.
 * 1900-01-01T00:00:00Z and 9999-12-31T00:00:00Z.
 */
#define TS_MIN INT64_C(-2208988800)
#define TS_MAX INT64_C(253402214400)

/* A point lookup, remembered for the rest of the batch. */
struct point_entry {
	bool found;
	struct store_point p;
};

/* A row that passed every check. */
struct good_row {
	struct store_reading r;
	size_t index;		/* position in the batch */
};

struct batch {
	struct store *st;
	const struct ingest_source *src;
	int64_t future_limit;	/* ts past it is held; INT64_MAX: none */
	GHashTable *points;	/* key -> struct point_entry */
	struct good_row *good;
	size_t ngood;
	struct store_held *held;	/* rows for the quarantine */
	size_t nheld;
	size_t missing;		/* rows with a "no data" code */
	json_t *set_aside;
	json_t *rejected;
	size_t unknown;		/* rows naming no known point */
	size_t foreign;		/* rows naming another site's point */
	bool oom;		/* a failure store_errmsg() cannot tell */
};

/* Why a row was refused. */
struct row_error {
	const char *code;
	char message[256];
};

static void set_error(struct ingest_result *res, int status, const char *code,
		      const char *message)
{
	json_decref(res->answer);
	res->status = status;
	res->answer = json_pack("{s:s, s:s}", "error", code, "message",
				message);
}

static int row_fail(struct row_error *e, const char *code, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static int row_fail(struct row_error *e, const char *code, const char *fmt,
		    ...)
{
	const char *end;
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);

	/*
	 * A %.Ns cut may split a UTF-8 sequence inside the message: replace
	 * the broken bytes rather than lose the text after them, then drop
	 * whatever the copy back cut short at the end.
	 */
	if (!g_utf8_validate(e->message, -1, NULL)) {
		gchar *fixed = g_utf8_make_valid(e->message, -1);

		snprintf(e->message, sizeof e->message, "%s", fixed);
		g_free(fixed);
		if (!g_utf8_validate(e->message, -1, &end))
			*(char *)end = '\0';
	}
	return 1;
}

/*
 * Finds key in the batch's cache or the store.  Returns 0 with *out set
 * (entry->found false for an unknown key), or a negative store_rc when
 * the store failed.
 */
static int lookup_point(struct batch *b, const char *key,
			const struct point_entry **out)
{
	struct point_entry *e = g_hash_table_lookup(b->points, key);
	int rc;

	if (e) {
		*out = e;
		return 0;
	}

	e = g_new0(struct point_entry, 1);
	rc = store_point_get(b->st, key, &e->p);
	if (rc == STORE_OK) {
		e->found = true;
	} else if (rc != STORE_NOT_FOUND) {
		g_free(e);
		return rc;
	}
	g_hash_table_insert(b->points, g_strdup(key), e);
	*out = e;
	return 0;
}

static int check_ts(json_t *jts, int64_t *ts, struct row_error *err)
{
	if (json_is_integer(jts)) {
		*ts = json_integer_value(jts);
	} else if (json_is_real(jts)) {
		double v = json_real_value(jts);

		/* Checked before the cast: out-of-range casts are UB. */
		if (!(v >= (double)TS_MIN && v < (double)TS_MAX))
			return row_fail(err, "bad_ts",
					"ts %.17g is out of range", v);
		*ts = (int64_t)floor(v);
	} else if (json_is_string(jts)) {
		if (core_time_parse(json_string_value(jts), ts))
			return row_fail(err, "bad_ts",
					"ts \"%.64s\" is neither RFC 3339 "
					"with an offset nor Unix seconds",
					json_string_value(jts));
	} else {
		return row_fail(err, "bad_ts",
				"ts is missing or neither a string nor a "
				"number");
	}

	if (*ts < TS_MIN || *ts >= TS_MAX)
		return row_fail(err, "bad_ts",
				"ts %lld is outside 1900-01-01 .. "
				"9999-12-30",
				(long long)*ts);
	return 0;
}

/*
 * Brings *value from unit into the point's unit, or says why it cannot:
 * a unit of another quantity, or one akari does not know.
 */
static int convert_unit(const char *unit, const struct store_point *p,
			double *value, struct row_error *err)
{
	const char *quantity = units_quantity(p->unit);

	switch (units_convert(unit, p->unit, *value, value)) {
	case UNITS_OK:
		return 0;
	case UNITS_RANGE:
		return row_fail(err, "bad_value",
				"value in \"%.32s\" is out of range in "
				"\"%s\"", unit, p->unit);
	case UNITS_UNKNOWN_FROM:
	case UNITS_UNKNOWN_TO:
		if (quantity && units_quantity(unit) == NULL)
			return row_fail(err, "wrong_unit",
					"unit \"%.32s\" is not a unit of "
					"%s that akari knows (point "
					"\"%.128s\" is in \"%s\")",
					unit, quantity, p->key, p->unit);
		return row_fail(err, "wrong_unit",
				"unit \"%.32s\" cannot be converted to "
				"\"%s\", the unit of point \"%.128s\"",
				unit, p->unit, p->key);
	default:
		return row_fail(err, "wrong_unit",
				"unit \"%.32s\" is not a unit of %s (point "
				"\"%.128s\" is in \"%s\")",
				unit, quantity, p->key, p->unit);
	}
}

/* What check_row() says of a row it does not refuse. */
enum {
	ROW_GOOD = 0,
	ROW_REFUSED = 1,
	ROW_FUTURE = 2,		/* *out filled, to be held in quarantine */
	ROW_NO_DATA = 3,	/* a "no measurement" code: dropped */
};

/*
 * A counter register counts from 0 and, with digits, below 10^digits;
 * any other value cannot have come from it.
 */
static int check_counter(const struct store_point *p, double value,
			 struct row_error *err)
{
	if (p->kind != STORE_COUNTER)
		return 0;
	if (value < 0)
		return row_fail(err, "bad_value",
				"value %.17g is negative; counter point "
				"\"%.128s\" counts up from 0", value, p->key);
	if (!counter_is_valid(value, p->counter_digits))
		return row_fail(err, "bad_value",
				"value %.17g does not fit the %d digits of "
				"counter point \"%.128s\"", value,
				p->counter_digits, p->key);
	return 0;
}

/*
 * Checks one row.  Returns ROW_GOOD with *out filled, ROW_REFUSED with
 * err filled, ROW_FUTURE or ROW_NO_DATA with err saying why the row is
 * set aside, or a negative store_rc when the store failed.
 */
static int check_row(struct batch *b, json_t *row, struct store_reading *out,
		     struct row_error *err)
{
	const struct point_entry *pe;
	json_t *jpoint, *jvalue, *junit;
	const char *key, *unit;
	double value;
	int rc;

	if (!json_is_object(row))
		return row_fail(err, "bad_row", "row is not a JSON object");

	jpoint = json_object_get(row, "point");
	if (!json_is_string(jpoint))
		return row_fail(err, "bad_point",
				"row has no \"point\" string");
	key = json_string_value(jpoint);

	rc = lookup_point(b, key, &pe);
	if (rc)
		return rc;
	if (!pe->found) {
		b->unknown++;
		return row_fail(err, "unknown_point", "no point \"%.128s\"",
				key);
	}
	if (b->src->site_id && pe->p.site_id != b->src->site_id) {
		b->foreign++;
		return row_fail(err, "other_site",
				"point \"%.128s\" belongs to site \"%.64s\", "
				"not to this device's site",
				key, pe->p.site);
	}
	if (pe->p.retired)
		return row_fail(err, "retired_point",
				"point \"%.128s\" is retired: its history "
				"stays readable but it takes no new readings",
				key);

	rc = check_ts(json_object_get(row, "ts"), &out->ts, err);
	if (rc)
		return rc;

	jvalue = json_object_get(row, "value");
	if (!json_is_number(jvalue))
		return row_fail(err, "bad_value",
				"value is missing or not a number");
	value = json_number_value(jvalue);
	if (!isfinite(value))
		return row_fail(err, "bad_value", "value is not finite");
	if (counter_is_sentinel(value)) {
		row_fail(err, "no_measurement",
			 "value %.17g is a \"no measurement\" code, not a "
			 "reading; nothing is stored", value);
		return ROW_NO_DATA;
	}

	junit = json_object_get(row, "unit");
	if (junit && !json_is_string(junit))
		return row_fail(err, "bad_unit", "unit is not a string");
	unit = json_string_value(junit);
	if (unit) {
		rc = convert_unit(unit, &pe->p, &value, err);
		if (rc)
			return rc;
	}

	rc = check_counter(&pe->p, value, err);
	if (rc)
		return rc;

	out->point_id = pe->p.id;
	out->value = value;
	if (out->ts > b->future_limit) {
		row_fail(err, "future_ts",
			 "ts %lld is %lld s ahead of the server's clock, "
			 "more than the %lld s allowed; held in quarantine",
			 (long long)out->ts,
			 (long long)(out->ts - b->future_limit +
				     b->src->future_tolerance_s),
			 (long long)b->src->future_tolerance_s);
		return ROW_FUTURE;
	}
	return ROW_GOOD;
}

static int reject_row(struct batch *b, size_t index, json_t *row,
		      const struct row_error *err)
{
	json_t *jpoint = json_is_object(row) ? json_object_get(row, "point")
					     : NULL;
	json_t *entry = json_object();
	int bad = !entry;

	if (entry) {
		bad |= json_object_set_new(entry, "index",
					   json_integer((json_int_t)index));
		if (json_is_string(jpoint))
			bad |= json_object_set(entry, "point", jpoint);
		bad |= json_object_set_new(entry, "error",
					   json_string(err->code));
		bad |= json_object_set_new(entry, "message",
					   json_string(err->message));
		bad |= json_array_append_new(b->rejected, entry);
	}
	if (bad) {
		b->oom = true;
		return STORE_IO;
	}
	return 0;
}

/* Notes a row that is neither stored nor refused, and keeps a held one
 * for the quarantine. */
static int set_row_aside(struct batch *b, size_t index, json_t *row,
			 int kind, const struct store_reading *r,
			 const struct row_error *err)
{
	json_t *entry = json_pack("{s:I, s:O, s:s, s:s}", "index",
				  (json_int_t)index, "point",
				  json_object_get(row, "point"), "reason",
				  err->code, "message", err->message);

	if (!entry || json_array_append_new(b->set_aside, entry)) {
		b->oom = true;
		return STORE_IO;
	}
	if (kind == ROW_NO_DATA) {
		b->missing++;
		return 0;
	}

	b->held[b->nheld] = (struct store_held){
		.point_id = r->point_id, .ts = r->ts, .value = r->value,
		.received = (int64_t)time(NULL),
		.device_id = b->src->device_id,
	};
	snprintf(b->held[b->nheld].reason, sizeof b->held[0].reason, "%s",
		 err->code);
	b->nheld++;
	return 0;
}

static int good_row_cmp(const void *pa, const void *pb)
{
	const struct good_row *a = pa, *b = pb;

	if (a->r.point_id != b->r.point_id)
		return a->r.point_id < b->r.point_id ? -1 : 1;
	if (a->r.ts != b->r.ts)
		return a->r.ts < b->r.ts ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * Stores the good rows.  Of several rows for one (point, ts) only the
 * last in the batch is kept, so the outcome does not depend on how the
 * store orders the writes of one transaction.
 */
static int store_good_rows(struct batch *b)
{
	struct store_reading *rows;
	size_t n = 0;
	int rc;

	qsort(b->good, b->ngood, sizeof *b->good, good_row_cmp);
	rows = malloc(b->ngood * sizeof *rows);
	if (!rows) {
		b->oom = true;
		return STORE_IO;
	}
	for (size_t i = 0; i < b->ngood; i++) {
		const struct good_row *g = &b->good[i];
		const struct good_row *next = i + 1 < b->ngood ? g + 1 : NULL;

		if (next && next->r.point_id == g->r.point_id &&
		    next->r.ts == g->r.ts)
			continue;
		rows[n++] = g->r;
	}

	rc = store_readings_put(b->st, rows, n);
	free(rows);
	return rc;
}

/* The status for a batch in which no row could be stored. */
static int none_stored_status(const struct batch *b, size_t nrows)
{
	if (b->unknown == nrows)
		return 404;
	if (b->foreign == nrows)
		return 403;
	return 422;
}

static int check_rows(struct batch *b, json_t *rows)
{
	struct row_error err;
	json_t *row;
	size_t i;
	int rc;

	json_array_foreach(rows, i, row) {
		struct good_row *g = &b->good[b->ngood];

		rc = check_row(b, row, &g->r, &err);
		if (rc < 0)
			return rc;
		if (rc == ROW_GOOD) {
			g->index = i;
			b->ngood++;
			continue;
		}
		if (rc == ROW_FUTURE || rc == ROW_NO_DATA)
			rc = set_row_aside(b, i, row, rc, &g->r, &err);
		else
			rc = reject_row(b, i, row, &err);
		if (rc)
			return rc;
	}
	return 0;
}

int ingest_batch(struct store *st, const struct ingest_source *src,
		 json_t *batch, struct ingest_result *res)
{
	struct batch b = {.st = st, .src = src};
	json_t *rows = json_object_get(batch, "readings");
	size_t nrows = json_array_size(rows);
	char msg[160];
	int rc = 0;

	memset(res, 0, sizeof *res);

	if (!json_is_object(batch) || !json_is_array(rows)) {
		set_error(res, 400, "bad_batch",
			  "the batch must be a JSON object with a "
			  "\"readings\" array");
		goto out;
	}
	if (nrows > INGEST_MAX_ROWS) {
		snprintf(msg, sizeof msg,
			 "the batch has %zu readings; at most %d are allowed "
			 "in one batch", nrows, INGEST_MAX_ROWS);
		set_error(res, 400, "too_many_rows", msg);
		goto out;
	}

	b.points = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 g_free);
	b.good = malloc((nrows ? nrows : 1) * sizeof *b.good);
	b.held = malloc((nrows ? nrows : 1) * sizeof *b.held);
	b.rejected = json_array();
	b.set_aside = json_array();
	b.future_limit = INT64_MAX;
	if (src->future_tolerance_s > 0)
		b.future_limit = (int64_t)time(NULL) +
				 src->future_tolerance_s;
	if (!b.good || !b.held || !b.rejected || !b.set_aside) {
		b.oom = true;
		rc = STORE_IO;
		goto fail;
	}

	rc = check_rows(&b, rows);
	if (rc)
		goto fail;

	rc = store_quarantine_put(st, b.held, b.nheld);
	if (rc)
		goto fail;
	if (b.ngood) {
		rc = store_good_rows(&b);
		if (rc)
			goto fail;
	}

	res->accepted = b.ngood;
	res->rejected = json_array_size(b.rejected);
	res->quarantined = b.nheld;
	res->missing = b.missing;
	res->status = b.ngood || b.nheld || b.missing || !nrows
			      ? 200
			      : none_stored_status(&b, nrows);
	res->answer = json_pack("{s:I, s:O}", "accepted",
				(json_int_t)b.ngood, "rejected", b.rejected);
	if (res->answer && json_array_size(b.set_aside) &&
	    json_object_update_new(res->answer, json_pack(
		    "{s:I, s:I, s:O}", "quarantined", (json_int_t)b.nheld,
		    "missing", (json_int_t)b.missing, "set_aside",
		    b.set_aside))) {
		b.oom = true;
		rc = STORE_IO;
		goto fail;
	}
	goto out;

fail:
	res->accepted = 0;
	res->rejected = 0;
	res->quarantined = 0;
	res->missing = 0;
	set_error(res, 500, "storage",
		  b.oom ? "out of memory while checking the batch"
			: store_errmsg(st));
out:
	json_decref(b.rejected);
	json_decref(b.set_aside);
	free(b.held);
	free(b.good);
	if (b.points)
		g_hash_table_destroy(b.points);
	return rc;
}

int ingest_body(struct store *st, const struct ingest_source *src,
		const char *body, size_t len, struct ingest_result *res)
{
	json_error_t jerr;
	json_t *batch;
	char msg[JSON_ERROR_TEXT_LENGTH + 64];
	int rc;

	/* jansson's message for no body at all is "wrong arguments". */
	if (!body || !len) {
		memset(res, 0, sizeof *res);
		set_error(res, 400, "bad_json",
			  "the body is empty; send {\"readings\": [...]}");
		return 0;
	}
	batch = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!batch) {
		memset(res, 0, sizeof *res);
		snprintf(msg, sizeof msg, "line %d column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		set_error(res, 400, "bad_json", msg);
		return 0;
	}

	rc = ingest_batch(st, src, batch, res);
	json_decref(batch);
	return rc;
}

void ingest_result_finish(struct ingest_result *res)
{
	if (!res)
		return;
	json_decref(res->answer);
	memset(res, 0, sizeof *res);
}
