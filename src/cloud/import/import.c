/*
 * import.c - the import driver.  One file's path: find the zone its
 * local times are in, read and check the whole file, keep the rows of
 * the requested dates, make sure the site and points exist, then send
 * the rows, shifted, in batches, and read each answer for refused rows.
 */
#include "cloud/import/import_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cloud/ingest/ingest.h"
#include "core/timeutil.h"

#define DAY_S 86400
/* Refused rows reported one by one per file; the count covers the rest. */
#define MAX_REPORTED 10

/* One file on its way out. */
struct file_run {
	const char *path;
	const struct import_format *fmt;
	const struct import_options *opt;
	struct import_sink *sink;
	GTimeZone *tz;
	int64_t shift_s;
	struct import_rows rows;
	bool *refused;		/* per row: the answer refused it */
	size_t sent;		/* rows sent so far */
	size_t reported;
	struct import_summary *sum;
};

static void report(const struct import_options *opt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report(const struct import_options *opt, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!opt->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	opt->report(opt->report_ctx, msg);
}

/* The local midnight add_days after the start of date d, in tz. */
static int64_t date_start(GTimeZone *tz, const struct import_date *d,
			  int add_days)
{
	GDateTime *day = g_date_time_new(tz, d->year, d->month, d->day, 0, 0,
					 0);
	GDateTime *then = g_date_time_add_days(day, add_days);
	int64_t ts = g_date_time_to_unix(then);

	g_date_time_unref(then);
	g_date_time_unref(day);
	return ts;
}

/* Drops the rows outside the options' dates; returns how many. */
static size_t keep_dates(struct import_rows *rows, GTimeZone *tz,
			 const struct import_options *opt)
{
	int64_t from = INT64_MIN, to = INT64_MAX;
	size_t kept = 0, dropped;

	if (opt->from.year)
		from = date_start(tz, &opt->from, 0);
	if (opt->to.year)
		to = date_start(tz, &opt->to, 1);
	for (size_t i = 0; i < rows->n; i++)
		if (rows->v[i].ts >= from && rows->v[i].ts < to)
			rows->v[kept++] = rows->v[i];
	dropped = rows->n - kept;
	rows->n = kept;
	return dropped;
}

/* The ingest batch of n rows from row off, or NULL when out of memory.
 * jansson's append and set take a NULL value and free what they were
 * given even when they fail, so one check per row covers every
 * allocation. */
static json_t *build_batch(const struct file_run *run, size_t off, size_t n)
{
	json_t *readings = json_array(), *batch;

	for (size_t i = off; i < off + n; i++) {
		const struct import_row *r = &run->rows.v[i];
		const struct import_point_def *def;
		char ts[32];
		json_t *o;

		def = &run->fmt->points[r->point];
		core_time_format(r->ts + run->shift_s, run->tz, ts, sizeof ts);
		o = json_pack("{s:s, s:s, s:f, s:s}", "point", def->key, "ts",
			      ts, "value", r->value, "unit", def->unit);
		if (json_array_append_new(readings, o)) {
			json_decref(readings);
			return NULL;
		}
	}
	batch = json_object();
	if (json_object_set_new(batch, "readings", readings)) {
		json_decref(batch);
		return NULL;
	}
	return batch;
}

static const char *answer_text(json_t *answer, const char *field)
{
	const char *s = json_string_value(json_object_get(answer, field));

	return s ? s : "?";
}

/* Counts what the answer to rows off..off+n-1 stored, and reports each
 * refused row with its file line. */
static int read_answer(struct file_run *run, size_t off, size_t n,
		       int status, json_t *answer)
{
	json_t *accepted = json_object_get(answer, "accepted");
	json_t *rejected = json_object_get(answer, "rejected");
	json_t *r;
	size_t i;

	if (!json_is_integer(accepted) || !json_is_array(rejected)) {
		report(run->opt, "%s: lines %d-%d refused whole: status %d, "
		       "%s: %s", run->path, run->rows.v[off].line,
		       run->rows.v[off + n - 1].line, status,
		       answer_text(answer, "error"),
		       answer_text(answer, "message"));
		return import_sink_failure(run->sink);
	}

	run->sum->accepted += (size_t)json_integer_value(accepted);
	json_array_foreach(rejected, i, r) {
		json_int_t idx;
		const struct import_row *row;
		char ts[32];

		idx = json_integer_value(json_object_get(r, "index"));
		run->sum->rejected++;
		if (idx < 0 || (size_t)idx >= n)
			continue;
		run->refused[off + (size_t)idx] = true;
		if (run->reported++ >= MAX_REPORTED)
			continue;
		row = &run->rows.v[off + (size_t)idx];
		core_time_format(row->ts + run->shift_s, run->tz, ts,
				 sizeof ts);
		report(run->opt, "%s:%d: %s at %s refused: %s (%s)", run->path,
		       row->line, run->fmt->points[row->point].key, ts,
		       answer_text(r, "message"), answer_text(r, "error"));
	}

	/* Rows held in quarantine or dropped as "no measurement" are
	 * neither stored nor refused; without a word they would vanish. */
	json_array_foreach(json_object_get(answer, "set_aside"), i, r) {
		json_int_t idx = json_integer_value(json_object_get(r,
								    "index"));
		const struct import_row *row;
		char ts[32];

		run->sum->set_aside++;
		if (idx < 0 || (size_t)idx >= n ||
		    run->reported++ >= MAX_REPORTED)
			continue;
		row = &run->rows.v[off + (size_t)idx];
		core_time_format(row->ts + run->shift_s, run->tz, ts,
				 sizeof ts);
		report(run->opt, "%s:%d: %s at %s set aside: %s (%s)",
		       run->path, row->line, run->fmt->points[row->point].key,
		       ts, answer_text(r, "message"), answer_text(r, "reason"));
	}
	return IMPORT_OK;
}

static int send_rows(struct file_run *run)
{
	size_t chunk = run->opt->chunk_rows ? run->opt->chunk_rows
					    : import_sink_chunk(run->sink);
	char err[512];
	int rc = IMPORT_OK;

	if (chunk > INGEST_MAX_ROWS)
		chunk = INGEST_MAX_ROWS;

	while (!rc && run->sent < run->rows.n) {
		size_t n = MIN(chunk, run->rows.n - run->sent);
		json_t *batch = build_batch(run, run->sent, n), *answer = NULL;
		int status;

		if (!batch) {
			report(run->opt, "%s: out of memory", run->path);
			return import_sink_failure(run->sink);
		}
		rc = import_sink_send(run->sink, batch, &status, &answer, err,
				      sizeof err);
		if (rc)
			report(run->opt, "%s: %s", run->path, err);
		else
			rc = read_answer(run, run->sent, n, status, answer);
		json_decref(answer);
		json_decref(batch);
		run->sent += n;
	}
	return rc;
}

/* The time range of the rows sent and not refused. */
static void stored_range(struct file_run *run)
{
	bool any = false;

	for (size_t i = 0; i < run->sent; i++) {
		int64_t ts = run->rows.v[i].ts + run->shift_s;

		if (run->refused[i])
			continue;
		if (!any || ts < run->sum->first_ts)
			run->sum->first_ts = ts;
		if (!any || ts > run->sum->last_ts)
			run->sum->last_ts = ts;
		any = true;
	}
}

/* A file at path, or the len bytes at data when data is not NULL. */
static int import_run(struct import_sink *sink,
		      const struct import_format *fmt, const char *path,
		      const char *data, size_t len,
		      const struct import_options *opt,
		      struct import_summary *sum)
{
	static const struct import_options no_options;
	struct file_run run = {.path = path, .fmt = fmt, .sink = sink};
	char err[512] = "";	/* a failure to report, after the path */
	int rc;

	*sum = (struct import_summary){0};
	if (!opt)
		opt = &no_options;
	if (!sink || !fmt || !path || import_format_needs_map(fmt) ||
	    abs(opt->shift_days) > IMPORT_MAX_SHIFT_DAYS)
		return IMPORT_INVALID;
	run.opt = opt;
	run.sum = sum;
	run.shift_s = (int64_t)opt->shift_days * DAY_S;

	rc = import_sink_zone(sink, fmt, sum->tz, sizeof sum->tz, err,
			      sizeof err);
	if (rc)
		goto out;
	run.tz = core_tz_new(sum->tz);
	if (!run.tz) {
		snprintf(err, sizeof err, "site '%s' has an unknown zone "
			 "'%s'", fmt->site, sum->tz);
		rc = IMPORT_REGISTRY;
		goto out;
	}

	/* The whole file is read and checked before any of it is sent.
	 * Its message already names the path and the line. */
	if (data)
		rc = import_read_buffer(fmt, path, data, len, run.tz,
					&run.rows, err, sizeof err);
	else
		rc = import_read(fmt, path, run.tz, &run.rows, err,
				 sizeof err);
	if (rc) {
		report(opt, "%s", err);
		*err = '\0';
		goto out;
	}
	sum->rows = run.rows.n;
	sum->dropped = run.rows.dropped;
	if (run.rows.dropped)
		report(opt, "%s:%d: %zu value%s not stored: %s (the first "
		       "on this line)", path, run.rows.dropped_line,
		       run.rows.dropped, run.rows.dropped == 1 ? "" : "s",
		       run.rows.dropped_why);
	sum->skipped = keep_dates(&run.rows, run.tz, opt);

	rc = import_sink_prepare(sink, fmt, opt->shift_days, err, sizeof err);
	if (rc)
		goto out;

	run.refused = g_new0(bool, run.rows.n ? run.rows.n : 1);
	rc = send_rows(&run);
	stored_range(&run);
	if (!rc && sum->rejected)
		rc = IMPORT_REJECTED;
	if (run.reported > MAX_REPORTED)
		report(opt, "%s: %zu more refused rows not listed", path,
		       run.reported - MAX_REPORTED);

out:
	if (*err)
		report(opt, "%s: %s", path, err);
	g_free(run.refused);
	import_rows_finish(&run.rows);
	if (run.tz)
		g_time_zone_unref(run.tz);
	return rc;
}

int import_file(struct import_sink *sink, const struct import_format *fmt,
		const char *path, const struct import_options *opt,
		struct import_summary *sum)
{
	return import_run(sink, fmt, path, NULL, 0, opt, sum);
}

int import_buffer(struct import_sink *sink, const struct import_format *fmt,
		  const char *name, const char *data, size_t len,
		  const struct import_options *opt,
		  struct import_summary *sum)
{
	if (!data) {
		*sum = (struct import_summary){0};
		return IMPORT_INVALID;
	}
	return import_run(sink, fmt, name, data, len, opt, sum);
}
