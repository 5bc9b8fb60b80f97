/*
 * import_internal.h - what the format parsers and the import driver
 * share: the format table, the rows a parser produces, and the text
 * helpers every parser uses.
 *
 * A parser gets the whole file as UTF-8 text and fills a list of rows;
 * it never talks to a store or a server.  On the first malformed line it
 * writes "PATH:LINE: what is wrong" and returns IMPORT_BAD_INPUT.
 *
 * Memory: rows and text come from GLib's allocator, which aborts when
 * memory runs out, as the import is a command-line run.
 */
#ifndef AKARI_IMPORT_INTERNAL_H
#define AKARI_IMPORT_INTERNAL_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/import/import.h"

/* One point a format writes; all are instantaneous. */
struct import_point_def {
	const char *key;
	/* NULL only in a csv map giving no quantity for a unit outside
	 * the unit table; such a point is never created. */
	const char *quantity;
	const char *unit;
	int step_s;
};

struct import_row {
	int64_t ts;		/* Unix seconds, not yet shifted */
	double value;		/* in the point's unit */
	int point;		/* index into the format's points */
	int line;		/* line of the file it came from */
};

struct import_rows {
	struct import_row *v;	/* owned */
	size_t n, cap;
	/* Values the file holds but the format chose not to store (a
	 * missing-value mark, a doubtful quality flag), for a warning. */
	size_t dropped;
	int dropped_line;	/* line of the first of them */
	const char *dropped_why;	/* static text for the first */
};

/* The state a parser works on. */
struct import_parse {
	const struct import_format *fmt;	/* borrowed */
	const char *path;	/* borrowed, for messages */
	GTimeZone *tz;		/* borrowed: zone of the file's times */
	char *next;		/* start of the next line; NULL at the end */
	int line;		/* number of the line last returned */
	struct import_rows rows;
	char err[512];
};

typedef int (*import_parse_fn)(struct import_parse *p);

struct import_format {
	const char *name;	/* as given to --format */
	const char *about;	/* one line for --help */
	const char *encoding;	/* iconv name, NULL for UTF-8 */
	const char *site;
	const char *site_kind;
	const char *tz;		/* zone the site is created in */
	/* The file names no zone: its times are read in the zone of the
	 * site as it exists, which may differ from tz. */
	bool tz_from_site;
	const struct import_point_def *points;
	size_t npoints;
	import_parse_fn parse;
	/* What a format built at run time (csv) parses by; NULL for the
	 * fixed ones.  A format with needs_map and no ctx is only a name
	 * for the table and cannot parse. */
	const void *ctx;
	bool needs_map;
};

extern const struct import_format import_format_tepco;
extern const struct import_format import_format_ausgrid;
extern const struct import_format import_format_occupancy;
extern const struct import_format import_format_tepco_mix;
extern const struct import_format import_format_uci_household;
extern const struct import_format import_format_nrel_pv;
extern const struct import_format import_format_jma_hourly;
extern const struct import_format import_format_acn_ev;
extern const struct import_format import_format_csv;

/* Reads the file at path, converts it to UTF-8 and parses it whole.
 * On success rows holds every reading (free with import_rows_finish());
 * on failure rows is empty and err (at least 1 byte) says why, as
 * "PATH:LINE: ..." when a line is at fault.  Times are read in tz. */
int import_read(const struct import_format *fmt, const char *path,
		GTimeZone *tz, struct import_rows *rows, char *err,
		size_t errlen);

/* The same for len bytes at data (borrowed) instead of a file; name
 * stands for the path in messages. */
int import_read_buffer(const struct import_format *fmt, const char *name,
		       const char *data, size_t len, GTimeZone *tz,
		       struct import_rows *rows, char *err, size_t errlen);

void import_rows_finish(struct import_rows *rows);	/* accepts empty */

/* --- sinks (import_sink.c) ------------------------------------------- */

/* The zone to read fmt's local times in: the site's when it exists and
 * the format names no zone of its own, else fmt->tz.  Changes nothing. */
int import_sink_zone(struct import_sink *sink, const struct import_format *fmt,
		     char *tz, size_t tzlen, char *err, size_t errlen);

/* Makes sure fmt's site and points exist and match it, and records the
 * shift on the points.  A no-op for the push and device sinks. */
int import_sink_prepare(struct import_sink *sink,
			const struct import_format *fmt, int shift_days,
			char *err, size_t errlen);

/* Sends one batch (borrowed).  On IMPORT_OK, *status is the HTTP status
 * of the answer and *answer its JSON (owned by the caller; NULL when the
 * body was not JSON).  Otherwise err says why nothing was sent. */
int import_sink_send(struct import_sink *sink, json_t *batch, int *status,
		     json_t **answer, char *err, size_t errlen);

/* Rows per batch when the options leave it open. */
size_t import_sink_chunk(const struct import_sink *sink);

/* The code a failed batch gives: IMPORT_STORE or IMPORT_PUSH. */
int import_sink_failure(const struct import_sink *sink);

/* --- helpers for parsers (import_text.c) ------------------------------ */

/* The next line without its "\n" or "\r\n", in place; NULL at the end.
 * p->line is then its 1-based number. */
char *import_next_line(struct import_parse *p);

/* Formats "PATH:LINE: " + fmt into p->err; returns IMPORT_BAD_INPUT. */
int import_fail(struct import_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a row from the current line. */
void import_row_add(struct import_parse *p, int point, int64_t ts,
		    double value);

/* Reads fields[col[i]] as the value of point i, for i < n (a point's
 * index in the format is its index here), and adds a row at ts for each
 * field that is not empty.  names[i] is the column's name for messages.
 * 0, or import_fail()'s code for the first field that is no number. */
int import_row_values(struct import_parse *p, char *const *fields,
		      const int *col, const char *const *names, size_t n,
		      int64_t ts);

/* Splits line in place at commas into at most max fields; a field may be
 * in double quotes ("" inside is a quote).  Returns the number of fields,
 * or -1 when there are more than max, -2 for an unclosed quote. */
int import_csv_split(char *line, char **fields, int max);

/* Index of the field equal to name, or -1. */
int import_csv_find(char *const *fields, int n, const char *name);

/* Parses a plain decimal number ("4669", "-0.5", "721.25", "1e3").
 * Returns 0 and *out, 1 when s is empty (a missing reading), or
 * import_fail()'s code with "WHAT value 'S' is not a number". */
int import_value(struct import_parse *p, const char *s, const char *what,
		 double *out);

/* A local date and wall-clock time. */
struct import_civil {
	int year, month, day;
	int hour, minute, second;
};

/* Parses "YYYY-MM-DD HH:MM:SS" (seconds optional).  0 or -1. */
int import_civil_parse(const char *s, struct import_civil *out);

/* Parses the unpadded "2022/6/27" and "9:00" into c.  0 or -1. */
int import_civil_parse_slashed(const char *date, const char *time,
			       struct import_civil *out);

/* True when c names a real calendar date and a time of day. */
bool import_civil_valid(const struct import_civil *c);

/* The instant of wall-clock time c in zone tz. */
int64_t import_civil_to_unix(GTimeZone *tz, const struct import_civil *c);

/* --- more helpers (import_fields.c) ----------------------------------- */

/* Counts a value of the current line that is not stored; why (static)
 * is kept for the first one. */
void import_drop(struct import_parse *p, const char *why);

/* True when line is empty and so is every line after it: the blank
 * lines some files end with, which hold no row. */
bool import_blank_tail(const struct import_parse *p, const char *line);

/* Splits line in place at sep into at most max fields, no quoting.
 * Returns the number of fields, or -1 when there are more than max. */
int import_split_plain(char *line, char sep, char **fields, int max);

/* Parses "Y/M/D H:MM[:SS]" with the date's month and day and the hour
 * padded or not ("2025/1/1 1:00:00", "2025/4/1 00:00:00").  0 or -1. */
int import_civil_parse_slashed_dt(const char *s, struct import_civil *out);

/* Parses "YYYY-MM-DD HH:MM:SS+HH:MM" (or "T" for the blank, "Z" for a
 * zero offset) into the instant it names.  0 or -1. */
int import_time_offset_parse(const char *s, int64_t *out);

#endif
