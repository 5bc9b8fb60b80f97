/*
 * import.h - real published data files turned into ingest batches.
 *
 * An import reads one file of a known format (see docs/import.md) into
 * memory, checks every line, and only then hands the readings to a sink
 * as batches of the JSON that ingest.h documents.  A malformed line
 * therefore stores nothing of its file.  Two sinks exist: the local one
 * goes through ingest_batch() on an open store, exactly like the HTTP
 * API does; the push one POSTs the same batches to a server's
 * /api/v1/ingest.
 *
 * Errors: functions return IMPORT_OK (0) or a negative enum import_rc.
 * Every problem worth telling the operator, such as "FILE:LINE: what is
 * wrong" or a row the server refused, goes to the report callback of
 * the options; the module itself prints nothing.
 */
#ifndef AKARI_IMPORT_H
#define AKARI_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

enum import_rc {
	IMPORT_OK = 0,
	IMPORT_BAD_INPUT = -1,	/* a malformed file; nothing stored */
	IMPORT_REJECTED = -2,	/* some or all rows were refused */
	IMPORT_REGISTRY = -3,	/* a site or point exists but differs */
	IMPORT_STORE = -4,	/* the local store failed */
	IMPORT_PUSH = -5,	/* the server was unreachable or said no */
	IMPORT_IO = -6,		/* the file could not be read */
	IMPORT_INVALID = -7,	/* bad argument */
};

struct import_format;
struct ingest_source;

/* The format called name ("tepco-daily", "ausgrid", "uci-occupancy"),
 * or NULL.  Formats are static: never freed. */
const struct import_format *import_format_find(const char *name);

/* The i-th known format, NULL past the end; for --help listings. */
const struct import_format *import_format_at(size_t i);
const char *import_format_name(const struct import_format *fmt);
const char *import_format_about(const struct import_format *fmt);

/* A calendar date in the zone of the format's site. */
struct import_date {
	int year;		/* 0: no date given */
	int month;
	int day;
};

/* Parses "YYYY-MM-DD".  0 on success, -1 otherwise (*out untouched). */
int import_date_parse(const char *s, struct import_date *out);

/* Receives one line for the operator, without a trailing newline. */
typedef void (*import_report_fn)(void *ctx, const char *msg);

/* A century either way is more than any replay needs, and keeps every
 * shifted timestamp far from overflowing. */
#define IMPORT_MAX_SHIFT_DAYS 36525

struct import_options {
	/* Whole days added to every timestamp (negative moves back), and
	 * recorded on the format's points by the local sink.  At most
	 * IMPORT_MAX_SHIFT_DAYS either way. */
	int shift_days;
	/* Only rows whose local date, as written in the file (before the
	 * shift), is within from..to, both inclusive.  year 0: no bound. */
	struct import_date from, to;
	/* Rows per batch; 0 takes the sink's default. */
	size_t chunk_rows;
	import_report_fn report;	/* NULL: messages are dropped */
	void *report_ctx;
};

struct import_summary {
	size_t rows;		/* readings the file holds */
	size_t skipped;		/* of those, outside from..to */
	size_t accepted;	/* stored */
	size_t rejected;	/* refused by ingest (each one reported) */
	size_t dropped;		/* values the format does not store, such
				 * as '?' or a doubtful quality flag */
	size_t set_aside;	/* neither stored nor refused by ingest:
				 * held in quarantine or "no measurement"
				 * codes (each one reported) */
	int64_t first_ts;	/* earliest and latest accepted reading, */
	int64_t last_ts;	/* shifted; meaningful when accepted > 0 */
	char tz[64];		/* zone the file's times were read in */
};

/* Where batches go.  Create one per run; it may serve many files. */
struct import_sink;

/* Batches go through ingest_batch() on st (borrowed; it must outlive the
 * sink) as the local importer, which may write any site.  Before the
 * first file of a format the sink creates the format's site and points
 * when missing, and checks zone and units when present. */
int import_sink_local_create(struct store *st, struct import_sink **out);

/* Batches are POSTed to url + "/api/v1/ingest" with "Authorization:
 * Bearer token".  The points must exist on the server already, and the
 * shift is not recorded there.  Strings are copied. */
int import_sink_push_create(const char *url, const char *token,
			    struct import_sink **out);

/* Batches go through ingest_batch() on st (borrowed) with src (copied;
 * what it points to is borrowed), as its device would send them over
 * HTTP: only its site's points, which must exist; the registry is never
 * changed; a row more than src's future_tolerance_s ahead of the clock
 * is held in quarantine; every batch carries src's mark. */
int import_sink_device_create(struct store *st,
			      const struct ingest_source *src,
			      struct import_sink **out);

void import_sink_destroy(struct import_sink *sink);	/* accepts NULL */

/* Imports the file at path.  Always fills *sum (zeroed first).
 * IMPORT_BAD_INPUT, IMPORT_IO and IMPORT_REGISTRY mean nothing of the
 * file was sent; IMPORT_REJECTED that the rows not reported were stored;
 * IMPORT_PUSH and IMPORT_STORE that the batches before the failing one
 * (sum->accepted rows) were stored. */
int import_file(struct import_sink *sink, const struct import_format *fmt,
		const char *path, const struct import_options *opt,
		struct import_summary *sum);

/* The same for len bytes at data (borrowed), such as an HTTP body; name
 * stands for the path in messages. */
int import_buffer(struct import_sink *sink, const struct import_format *fmt,
		  const char *name, const char *data, size_t len,
		  const struct import_options *opt,
		  struct import_summary *sum);

/* --- csv: a column map given at run time (docs/import.md) -------------- */

/* True for a format that parses only with a map: build one with
 * import_csv_format_new() and import with that. */
bool import_format_needs_map(const struct import_format *fmt);

/* Builds the csv format that spec describes ("time=0,tz=Asia/Tokyo,
 * point:hall/power=2,unit=kW").  site and tz, when not NULL, are what
 * spec may leave out (a device's site and its zone); spec naming
 * another site is then an error.  On success *out is owned by the
 * caller (free with import_csv_format_free()); on failure it is NULL and
 * err says which item is wrong. */
int import_csv_format_new(const char *spec, const char *site,
			  const char *tz, struct import_format **out,
			  char *err, size_t errlen);
void import_csv_format_free(struct import_format *fmt);	/* accepts NULL */

#endif
