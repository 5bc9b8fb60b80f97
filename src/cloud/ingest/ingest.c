/*
 * ingest.c - checks a batch of readings row by row and stores the good
 * rows in one transaction.
 *
 * Rows are checked in order; each either becomes a store_reading or an
 * entry in the answer's "rejected" list.  Every distinct key of a batch
 * is looked up before the checks, from the source's cache of points
 * (ingest_points.h, which never holds a point older than the registry)
 * or else in one read of the store (store_lookup.h), since a batch holds
 * hundreds of rows of the same points or one row each of a thousand.
 * Rows come as JSON (ingest_batch) or as parsed rows (ingest_rows); both
 * go through the same checks.  Rows that name the same (point, ts) are
 * collapsed before storing, keeping the one that came last in the batch;
 * since every value is stored as a double, 5 and then 5.0 (or 5i and 5.0
 * in line protocol) at one (point, ts) are one row.
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
#include "cloud/ingest/ingest_json.h"
#include "cloud/units/units.h"
#include "cloud/store/store_lookup.h"
#include "cloud/store/store_quarantine.h"
#include "core/timeutil.h"

/*
 * Timestamps outside these bounds are refused: GLib cannot format
 * instants past year 9999, and nothing akari measures predates 1900.
 * 1900-01-01T00:00:00Z and 9999-12-31T00:00:00Z.
 */
#define TS_MIN INT64_C(-2208988800)
#define TS_MAX INT64_C(253402214400)

/* A row that passed every check. */
struct good_row {
	struct store_reading r;
};

struct batch {
	struct store *st;
	const struct ingest_source *src;
	int64_t future_limit;	/* ts past it is held; INT64_MAX: none */
	GHashTable *points;	/* borrowed key -> index in pts + 1 */
	size_t *row_pt;		/* per row: index in pts + 1, 0: no key */
	struct store_point *pts;	/* the batch's distinct points */
	bool *found;		/* whether each is known */
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
 * Looks up every distinct key of keys[0..n) (borrowed; NULL entries are
 * skipped) in one read of the store, into b->points, and notes each
 * row's point in b->row_pt, so that the checks look no key up again.
 * Returns 0, or a negative store_rc.
 */
static int resolve_points(struct batch *b, const char *const *keys, size_t n)
{
	const char **distinct = malloc((n ? n : 1) * sizeof *distinct);
	size_t nd = 0;
	int rc;

	b->points = g_hash_table_new(g_str_hash, g_str_equal);
	b->row_pt = calloc(n ? n : 1, sizeof *b->row_pt);
	if (!distinct || !b->row_pt)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (!keys[i])
			continue;
		k = GPOINTER_TO_SIZE(g_hash_table_lookup(b->points, keys[i]));
		if (!k) {
			distinct[nd] = keys[i];
			k = ++nd;
			g_hash_table_insert(b->points, (gpointer)keys[i],
					    GSIZE_TO_POINTER(k));
		}
		b->row_pt[i] = k;
	}

	b->pts = malloc((nd ? nd : 1) * sizeof *b->pts);
	b->found = malloc((nd ? nd : 1) * sizeof *b->found);
	if (!b->pts || !b->found)
		goto oom;
	rc = ingest_points_resolve(b->src->points, b->st, distinct, nd,
				   b->pts, b->found);
	free(distinct);
	return rc;

oom:
	free(distinct);
	b->oom = true;
	return STORE_IO;
}

static int check_ts_range(int64_t ts, struct row_error *err)
{
	if (ts < TS_MIN || ts >= TS_MAX)
		return row_fail(err, "bad_ts",
				"ts %lld is outside 1900-01-01 .. "
				"9999-12-30",
				(long long)ts);
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

	return check_ts_range(*ts, err);
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

/* What the row checks say of a row they do not refuse. */
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
 * The checks of row's point, key: known, of the device's site, in
 * service.  Returns 0 with *out set, or ROW_REFUSED with err filled.
 */
static int check_point(struct batch *b, size_t row, const char *key,
		       const struct store_point **out, struct row_error *err)
{
	size_t i = b->row_pt[row];
	const struct store_point *pe = i ? &b->pts[i - 1] : NULL;

	if (!pe || !b->found[i - 1]) {
		b->unknown++;
		return row_fail(err, "unknown_point", "no point \"%.128s\"",
				key);
	}
	if (b->src->site_id && pe->site_id != b->src->site_id) {
		b->foreign++;
		return row_fail(err, "other_site",
				"point \"%.128s\" belongs to site \"%.64s\", "
				"not to this device's site",
				key, pe->site);
	}
	if (pe->retired)
		return row_fail(err, "retired_point",
				"point \"%.128s\" is retired: its history "
				"stays readable but it takes no new readings",
				key);
	*out = pe;
	return 0;
}

/* A finite value that is not a "no data" code: 0, ROW_REFUSED or
 * ROW_NO_DATA with err filled. */
static int check_number(double value, struct row_error *err)
{
	if (!isfinite(value))
		return row_fail(err, "bad_value", "value is not finite");
	if (counter_is_sentinel(value)) {
		row_fail(err, "no_measurement",
			 "value %.17g is a \"no measurement\" code, not a "
			 "reading; nothing is stored", value);
		return ROW_NO_DATA;
	}
	return 0;
}

/*
 * The checks of a reading whose point passed check_point(), whose ts is
 * in range and whose value passed check_number(): in a unit of the
 * point's quantity, one its counter can hold, not too far ahead.  unit
 * may be NULL for the point's own.  Returns what check_json_row() does.
 */
static int check_value(struct batch *b, const struct store_point *p,
		       double value, const char *unit,
		       struct store_reading *out, struct row_error *err)
{
	int rc;

	if (unit) {
		rc = convert_unit(unit, p, &value, err);
		if (rc)
			return rc;
	}

	rc = check_counter(p, value, err);
	if (rc)
		return rc;

	out->point_id = p->id;
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

/* The "point" string of a JSON row, or NULL. */
static const char *json_row_key(json_t *row)
{
	return json_string_value(json_is_object(row)
					 ? json_object_get(row, "point")
					 : NULL);
}

/*
 * Checks JSON row i.  Returns ROW_GOOD with *out filled, ROW_REFUSED
 * with err filled, ROW_FUTURE or ROW_NO_DATA with err saying why the row
 * is set aside, or a negative store_rc when the store failed.
 */
static int check_json_row(struct batch *b, size_t i, json_t *row,
			  struct store_reading *out, struct row_error *err)
{
	const struct store_point *pe;
	json_t *jvalue, *junit;
	const char *key;
	int rc;

	if (!json_is_object(row))
		return row_fail(err, "bad_row", "row is not a JSON object");

	key = json_row_key(row);
	if (!key)
		return row_fail(err, "bad_point",
				"row has no \"point\" string");
	rc = check_point(b, i, key, &pe, err);
	if (rc)
		return rc;

	rc = check_ts(json_object_get(row, "ts"), &out->ts, err);
	if (rc)
		return rc;

	jvalue = json_object_get(row, "value");
	if (!json_is_number(jvalue))
		return row_fail(err, "bad_value",
				"value is missing or not a number");

	rc = check_number(json_number_value(jvalue), err);
	if (rc)
		return rc;

	junit = json_object_get(row, "unit");
	if (junit && !json_is_string(junit))
		return row_fail(err, "bad_unit", "unit is not a string");
	return check_value(b, pe, json_number_value(jvalue),
			   json_string_value(junit), out, err);
}

/* Checks parsed row i, as check_json_row() does. */
static int check_parsed_row(struct batch *b, size_t i,
			    const struct ingest_row *row,
			    struct store_reading *out, struct row_error *err)
{
	const struct store_point *pe;
	int rc;

	rc = check_point(b, i, row->point, &pe, err);
	if (rc)
		return rc;
	rc = check_ts_range(row->ts, err);
	if (rc)
		return rc;
	out->ts = row->ts;
	rc = check_number(row->value, err);
	if (rc)
		return rc;
	return check_value(b, pe, row->value, row->unit, out, err);
}

/*
 * key as a JSON string.  A parsed row's key need not be UTF-8 (line
 * protocol's {bucket} comes from the URL), and jansson takes no other:
 * its bad bytes become U+FFFD rather than the row a failure.
 */
static json_t *point_string(const char *key)
{
	gchar *text;
	json_t *s;

	if (g_utf8_validate(key, -1, NULL))
		return json_string(key);
	text = g_utf8_make_valid(key, -1);
	s = json_string(text);
	g_free(text);
	return s;
}

/* key is the row's point, NULL when it names none. */
static int reject_row(struct batch *b, size_t index, const char *key,
		      const struct row_error *err)
{
	json_t *entry = json_object();
	int bad = !entry;

	if (entry) {
		bad |= json_object_set_new(entry, "index",
					   json_integer((json_int_t)index));
		if (key)
			bad |= json_object_set_new(entry, "point",
						   point_string(key));
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
static int set_row_aside(struct batch *b, size_t index, const char *key,
			 int kind, const struct store_reading *r,
			 const struct row_error *err)
{
	json_t *entry = json_pack("{s:I, s:s, s:s, s:s}", "index",
				  (json_int_t)index, "point", key, "reason",
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

/* A (point, ts) spread over 64 bits, for the table of store_good_rows:
 * MurmurHash3's finalizer, so that the low bits used as the slot
 * depend on every bit of both. */
static uint64_t row_hash(const struct store_reading *r)
{
	uint64_t h = (uint64_t)r->point_id * UINT64_C(0x9e3779b97f4a7c15) ^
		     (uint64_t)r->ts;

	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	return h ^ (h >> 33);
}

/*
 * Stores the good rows.  Of several rows for one (point, ts) only the
 * last in the batch is kept, so the outcome does not depend on how the
 * store orders the writes of one transaction.  The duplicates are found
 * with an open-addressing table of row numbers, at least twice the rows
 * in size, rather than a sort: one probe a row, where the sort took
 * about a tenth of a request's CPU.
 */
static int store_good_rows(struct batch *b)
{
	size_t cap = 16, n = 0;
	struct store_reading *rows = NULL;
	uint32_t *slot = NULL;	/* row number + 1, 0 when empty */
	bool *dropped = NULL;
	int rc;

	while (cap < 2 * b->ngood)
		cap *= 2;
	slot = calloc(cap, sizeof *slot);
	dropped = calloc(b->ngood, sizeof *dropped);
	rows = malloc(b->ngood * sizeof *rows);
	if (!slot || !dropped || !rows) {
		b->oom = true;
		rc = STORE_IO;
		goto out;
	}

	for (size_t i = 0; i < b->ngood; i++) {
		const struct store_reading *r = &b->good[i].r;
		size_t k = row_hash(r) & (cap - 1);

		for (; slot[k]; k = (k + 1) & (cap - 1)) {
			const struct store_reading *o = &b->good[slot[k] - 1].r;

			if (o->point_id == r->point_id && o->ts == r->ts) {
				dropped[slot[k] - 1] = true;
				break;
			}
		}
		slot[k] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < b->ngood; i++)
		if (!dropped[i])
			rows[n++] = b->good[i].r;

	rc = store_readings_put_marked(b->st, b->src->mark, rows, n);
out:
	free(rows);
	free(dropped);
	free(slot);
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

/* The rows of a batch, as JSON or as parsed rows: one is NULL. */
struct batch_rows {
	json_t *json;		/* a JSON array */
	const struct ingest_row *parsed;
	size_t n;
};

static const char *row_key(const struct batch_rows *rows, size_t i)
{
	return rows->json ? json_row_key(json_array_get(rows->json, i))
			  : rows->parsed[i].point;
}

static int check_rows(struct batch *b, const struct batch_rows *rows)
{
	struct row_error err;
	int rc;

	for (size_t i = 0; i < rows->n; i++) {
		struct good_row *g = &b->good[b->ngood];

		rc = rows->json ? check_json_row(b, i,
						 json_array_get(rows->json, i),
						 &g->r, &err)
				: check_parsed_row(b, i, &rows->parsed[i],
						   &g->r, &err);
		if (rc < 0)
			return rc;
		if (rc == ROW_GOOD) {
			b->ngood++;
			continue;
		}
		if (rc == ROW_FUTURE || rc == ROW_NO_DATA)
			rc = set_row_aside(b, i, row_key(rows, i), rc, &g->r,
					   &err);
		else
			rc = reject_row(b, i, row_key(rows, i), &err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The distinct keys of rows, resolved in one read (resolve_points). */
static int resolve_rows(struct batch *b, const struct batch_rows *rows)
{
	const char **keys = malloc((rows->n ? rows->n : 1) * sizeof *keys);
	int rc;

	if (!keys) {
		b->oom = true;
		return STORE_IO;
	}
	for (size_t i = 0; i < rows->n; i++)
		keys[i] = row_key(rows, i);
	rc = resolve_points(b, keys, rows->n);
	free(keys);
	return rc;
}

/* Checks and stores rows, which hold at most INGEST_MAX_ROWS. */
static int ingest_checked(struct store *st, const struct ingest_source *src,
			  const struct batch_rows *rows,
			  struct ingest_result *res)
{
	struct batch b = {.st = st, .src = src};
	size_t nrows = rows->n;
	int rc = 0;

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

	/* The points must not change between their check and the commit
	 * (store_lookup.h). */
	store_points_use_begin(st);
	rc = resolve_rows(&b, rows);
	if (!rc)
		rc = check_rows(&b, rows);
	if (!rc)
		rc = store_quarantine_put(st, b.held, b.nheld);
	if (!rc && b.ngood)
		rc = store_good_rows(&b);
	store_points_use_end(st);
	if (rc)
		goto fail;

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
	free(b.found);
	free(b.pts);
	free(b.row_pt);
	if (b.points)
		g_hash_table_destroy(b.points);
	return rc;
}

static void too_many_rows(size_t nrows, struct ingest_result *res)
{
	char msg[160];

	snprintf(msg, sizeof msg,
		 "the batch has %zu readings; at most %d are allowed in one "
		 "batch", nrows, INGEST_MAX_ROWS);
	set_error(res, 400, "too_many_rows", msg);
}

int ingest_batch(struct store *st, const struct ingest_source *src,
		 json_t *batch, struct ingest_result *res)
{
	json_t *rows = json_object_get(batch, "readings");
	struct batch_rows br = {.json = rows, .n = json_array_size(rows)};

	memset(res, 0, sizeof *res);

	if (!json_is_object(batch) || !json_is_array(rows)) {
		set_error(res, 400, "bad_batch",
			  "the batch must be a JSON object with a "
			  "\"readings\" array");
		return 0;
	}
	if (br.n > INGEST_MAX_ROWS) {
		too_many_rows(br.n, res);
		return 0;
	}
	return ingest_checked(st, src, &br, res);
}

int ingest_rows(struct store *st, const struct ingest_source *src,
		const struct ingest_row *rows, size_t n,
		struct ingest_result *res)
{
	struct batch_rows br = {.parsed = rows, .n = n};

	memset(res, 0, sizeof *res);
	if (n > INGEST_MAX_ROWS) {
		too_many_rows(n, res);
		return 0;
	}
	return ingest_checked(st, src, &br, res);
}

/*
 * A body of the plain shape (ingest_json.h) goes to ingest_rows() with
 * no tree built.  Returns 1 when the body is not of that shape and res
 * is untouched, else what ingest_rows() returned.
 */
static int ingest_plain_body(struct store *st,
			     const struct ingest_source *src,
			     const char *body, size_t len,
			     struct ingest_result *res)
{
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct ingest_row));
	GStringChunk *strings = g_string_chunk_new(4096);
	int rc = 1;

	if (ingest_json_rows(body, len, rows, strings))
		rc = ingest_rows(st, src, (const struct ingest_row *)(void *)
					      rows->data,
				 rows->len, res);
	g_array_free(rows, TRUE);
	g_string_chunk_free(strings);
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
	rc = ingest_plain_body(st, src, body, len, res);
	if (rc <= 0)
		return rc;

	batch = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!batch) {
		memset(res, 0, sizeof *res);
		if (!ingest_json_explain(body, len, &jerr, msg, sizeof msg))
			snprintf(msg, sizeof msg, "line %d column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		set_error(res, 400, "bad_json", msg);
		return 0;
	}

	rc = ingest_batch(st, src, batch, res);
	json_decref(batch);
	return rc;
}

void ingest_source_begin(struct ingest_source *src, struct store *st)
{
	if (!src->mark)
		src->mark = store_readings_expect(st);
}

void ingest_source_end(struct ingest_source *src, struct store *st)
{
	store_readings_release(st, src->mark);
	src->mark = 0;
}

void ingest_result_finish(struct ingest_result *res)
{
	if (!res)
		return;
	json_decref(res->answer);
	memset(res, 0, sizeof *res);
}
