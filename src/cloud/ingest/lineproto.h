/*
 * lineproto.h - InfluxDB line protocol: a strict parser, and the mapping
 * from (measurement, tags, field) to akari point keys that turns parsed
 * lines into ingest batches (docs/ingest-lineproto.md).
 *
 *   weather,site=hall temp=21.5,on=t,count=3i 1656288000000000000
 *
 * The parser reads a whole body and calls back once per good line and
 * once per bad one.  Line numbers count every line of the body from 1,
 * blank lines and comments included, as InfluxDB counts them.
 */
#ifndef AKARI_LINEPROTO_H
#define AKARI_LINEPROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/ingest/ingest.h"

/* --- the parser ------------------------------------------------------- */

enum lineproto_type {
	LINEPROTO_FLOAT,	/* 1.5, -3, 2e3 */
	LINEPROTO_INT,		/* 3i */
	LINEPROTO_UINT,		/* 3u */
	LINEPROTO_STRING,	/* "text" */
	LINEPROTO_BOOL,		/* t, true, F, FALSE, ... */
};

/* Timestamp units: v1 says n|u|ms|s|m|h, v2 says ns|us|ms|s. */
enum lineproto_precision {
	LINEPROTO_NS,
	LINEPROTO_US,
	LINEPROTO_MS,
	LINEPROTO_S,
	LINEPROTO_MIN,
	LINEPROTO_HOUR,
};

struct lineproto_tag {
	const char *key;
	const char *value;
};

struct lineproto_field {
	const char *key;
	enum lineproto_type type;
	double f;		/* LINEPROTO_FLOAT */
	int64_t i;		/* LINEPROTO_INT */
	uint64_t u;		/* LINEPROTO_UINT */
	bool b;			/* LINEPROTO_BOOL */
	const char *s;		/* LINEPROTO_STRING, unescaped */
};

/* One parsed line.  Every string is unescaped and NUL-terminated. */
struct lineproto_line {
	size_t lineno;
	const char *measurement;
	const struct lineproto_tag *tags;
	size_t ntags;
	const struct lineproto_field *fields;	/* at least one */
	size_t nfields;
	bool has_ts;
	int64_t ts;		/* as written, in the request's precision */
};

/*
 * Callbacks.  The line and its strings are borrowed for the duration of
 * the call only.  msg says what is wrong ("missing field value"), without
 * the line number.  A callback returning non-zero stops the parse, and
 * lineproto_parse() returns that value.
 */
typedef int (*lineproto_line_fn)(const struct lineproto_line *line,
				 void *ctx);
typedef int (*lineproto_error_fn)(size_t lineno, const char *msg,
				  void *ctx);

/*
 * Parses buf (len bytes, no NUL needed) and calls on_line or on_error for
 * every line that is not blank or a comment.  A bad line is skipped to
 * its end and the parse goes on.  Returns 0, or what a callback
 * returned.  Memory comes from GLib, which aborts when there is none.
 */
int lineproto_parse(const char *buf, size_t len, lineproto_line_fn on_line,
		    lineproto_error_fn on_error, void *ctx);

/* Reads a precision parameter.  v2 is true for /api/v2/write, whose
 * names differ.  NULL means the default, nanoseconds.  0 or -1. */
int lineproto_precision_parse(const char *s, bool v2,
			      enum lineproto_precision *out);

/* Converts ts in precision p to Unix seconds, rounding down.  Returns 0,
 * or -1 when the instant does not fit in int64 seconds. */
int lineproto_ts_seconds(int64_t ts, enum lineproto_precision p,
			 int64_t *out);

/* --- the mapping to point keys ---------------------------------------- */

/*
 * Rules from a map file (see docs/ingest-lineproto.md), one a line:
 *
 *   MEASUREMENT[,TAG=VALUE...] FIELD -> TARGET
 *
 * MEASUREMENT, FIELD and a tag VALUE may be '*'.  TARGET is a template
 * with {measurement}, {field}, {bucket} and {TAG} placeholders, or '-'
 * to drop the field without an error.  The first rule that matches a
 * field decides; no rule matching means the default mapping.
 */
struct lineproto_map;

/* Reads a map file.  On success *out owns the map (lineproto_map_free);
 * on failure *out is NULL and err says "FILE:LINE: what". */
int lineproto_map_load(const char *path, struct lineproto_map **out,
		       char *err, size_t errlen);

/* Parses rules from text; same contract as lineproto_map_load(), with
 * name standing for the file name in messages. */
int lineproto_map_parse(const char *text, const char *name,
			struct lineproto_map **out, char *err, size_t errlen);

void lineproto_map_free(struct lineproto_map *map);	/* accepts NULL */

/*
 * The point key of one field of a line, in key (keylen bytes).  map may
 * be NULL for the default mapping: a tag "point" names the point (the
 * field "value" maps to the tag itself, any other field to
 * "<point>/<field>"), else "<measurement>/<field>".  bucket is the db or
 * bucket of the request, or "".  Returns 1 with a key, 0 when a rule
 * drops the field, or -1 with the reason in err.
 */
int lineproto_map_key(const struct lineproto_map *map,
		      const struct lineproto_line *line,
		      const struct lineproto_field *field, const char *bucket,
		      char *key, size_t keylen, char *err, size_t errlen);

/* --- a whole write ---------------------------------------------------- */

struct lineproto_write {
	const char *body;	/* borrowed, already decompressed */
	size_t len;
	enum lineproto_precision precision;
	const char *bucket;	/* db or bucket parameter, or "" */
	int64_t now;		/* the time of lines with no timestamp */
	const struct lineproto_map *map;	/* borrowed; NULL: default */
};

/*
 * The outcome, in InfluxDB's terms: status is 204 when every line was
 * stored, else 400 (a partial write: good lines stored), or 404 / 403 /
 * 422 when nothing was stored and every refusal was an unknown point /
 * another site's point / an unprocessable reading, or 500.  code is
 * InfluxDB's code word ("invalid", "not found", ...); message holds one
 * "line N: what" per refused line (the first 100), first_line the first.
 */
struct lineproto_result {
	int status;
	const char *code;	/* static */
	char *message;		/* owned, NULL for 204 */
	size_t first_line;
	size_t written;		/* readings stored */
	size_t refused;		/* lines or fields refused */
	size_t quarantined;	/* held: time too far ahead (ingest.h) */
};

/*
 * Parses w->body, maps every field to a reading, and stores them through
 * ingest_rows(), so a reading passes the same checks as one sent as
 * JSON.  Fills res (free with lineproto_result_finish).  Returns 0, or a
 * negative store_rc when storing failed.
 */
int lineproto_ingest(struct store *st, const struct ingest_source *src,
		     const struct lineproto_write *w,
		     struct lineproto_result *res);

void lineproto_result_finish(struct lineproto_result *res);

#endif
