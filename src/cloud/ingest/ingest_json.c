/*
 * ingest_json.c - the plain shape of a JSON batch, read without a tree.
 *
 * The grammar is RFC 8259's, narrowed: every byte the reader does not
 * expect makes it give up, and ingest_body() hands the body to jansson.
 * So it never has to produce an error of its own, and whatever it takes
 * is taken as jansson would take it.
 */
#include "cloud/ingest/ingest_json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/ingest/ingest.h"
#include "cloud/ingest/ingest_number.h"
#include "core/timeutil.h"

/* The most digits an integer may have: 10^18 - 1 fits in int64. */
#define MAX_INT_DIGITS 18

struct reader {
	const char *p, *end;
	GStringChunk *strings;
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' ||
				 *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

/* Takes c, after blanks. */
static bool take(struct reader *r, char c)
{
	skip_ws(r);
	if (r->p == r->end || *r->p != c)
		return false;
	r->p++;
	return true;
}

/*
 * A string without escapes: *s points at its first byte, *n is its
 * length.  Control bytes, which JSON refuses raw, make the reader give
 * up, as do backslashes and bytes that are not UTF-8.
 */
static bool read_raw_string(struct reader *r, const char **s, size_t *n)
{
	const char *start;
	bool ascii = true;

	if (!take(r, '"'))
		return false;
	start = r->p;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p;

		if (c < 0x20 || c == '\\')
			return false;
		if (c >= 0x80)
			ascii = false;
		r->p++;
	}
	if (r->p == r->end)
		return false;
	*s = start;
	*n = (size_t)(r->p - start);
	r->p++;
	return ascii || g_utf8_validate(start, (gssize)*n, NULL);
}

static bool read_string(struct reader *r, const char **out)
{
	const char *s;
	size_t n;

	if (!read_raw_string(r, &s, &n))
		return false;
	*out = g_string_chunk_insert_len(r->strings, s, (gssize)n);
	return true;
}

/*
 * A number: *is_int with *i for one without fraction or exponent (as
 * jansson makes an integer of it), else *d.
 */
static bool read_number(struct reader *r, bool *is_int, int64_t *i,
			double *d)
{
	const char *s, *q;
	char buf[64], *end;
	size_t digits = 0, n;

	skip_ws(r);
	s = q = r->p;
	if (q < r->end && *q == '-')
		q++;
	if (q < r->end && *q == '0') {
		q++;
		digits = 1;
	} else {
		for (; q < r->end && *q >= '0' && *q <= '9'; q++)
			digits++;
	}
	if (!digits)
		return false;
	*is_int = true;
	if (q < r->end && *q == '.') {
		*is_int = false;
		if (++q == r->end || *q < '0' || *q > '9')
			return false;
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		*is_int = false;
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q == r->end || *q < '0' || *q > '9')
			return false;
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}

	n = (size_t)(q - s);
	if (n >= sizeof buf || (*is_int && digits > MAX_INT_DIGITS))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	if (*is_int)
		*i = ingest_strtoll(buf, &end);
	else
		*d = ingest_strtod(buf, &end);
	if (errno || end != buf + n || (!*is_int && !isfinite(*d)))
		return false;
	r->p = q;
	return true;
}

enum { HAS_POINT = 1, HAS_TS = 2, HAS_VALUE = 4, HAS_UNIT = 8 };

/* One member of a row into row; seen keeps the keys already read. */
static bool read_member(struct reader *r, struct ingest_row *row,
			unsigned *seen)
{
	const char *key, *s;
	size_t n;
	bool is_int;
	int64_t i;
	double d;

	if (!read_raw_string(r, &key, &n) || !take(r, ':'))
		return false;
	skip_ws(r);

	if (n == 5 && !memcmp(key, "point", 5) && !(*seen & HAS_POINT)) {
		*seen |= HAS_POINT;
		return read_string(r, &row->point);
	}
	if (n == 4 && !memcmp(key, "unit", 4) && !(*seen & HAS_UNIT)) {
		*seen |= HAS_UNIT;
		return read_string(r, &row->unit);
	}
	if (n == 5 && !memcmp(key, "value", 5) && !(*seen & HAS_VALUE)) {
		*seen |= HAS_VALUE;
		if (!read_number(r, &is_int, &i, &d))
			return false;
		row->value = is_int ? (double)i : d;
		return true;
	}
	if (n == 2 && !memcmp(key, "ts", 2) && !(*seen & HAS_TS)) {
		*seen |= HAS_TS;
		if (r->p < r->end && *r->p == '"') {
			/* A time that does not parse is jansson's path's
			 * to refuse, in its words. */
			return read_string(r, &s) &&
			       core_time_parse(s, &row->ts) == 0;
		}
		/* A real ts is rounded down there; left to it. */
		return read_number(r, &is_int, &row->ts, &d) && is_int;
	}
	return false;
}

static bool read_row(struct reader *r, struct ingest_row *row)
{
	unsigned seen = 0;

	memset(row, 0, sizeof *row);
	if (!take(r, '{'))
		return false;
	do {
		if (!read_member(r, row, &seen))
			return false;
	} while (take(r, ','));
	return take(r, '}') &&
	       (seen & (HAS_POINT | HAS_TS | HAS_VALUE)) ==
		   (HAS_POINT | HAS_TS | HAS_VALUE);
}

bool ingest_json_rows(const char *body, size_t len, GArray *rows,
		      GStringChunk *strings)
{
	struct reader r = {body, body + len, strings};
	const char *key;
	size_t n;

	if (!take(&r, '{') || !read_raw_string(&r, &key, &n) || n != 8 ||
	    memcmp(key, "readings", 8) || !take(&r, ':') || !take(&r, '['))
		return false;

	skip_ws(&r);
	if (r.p < r.end && *r.p != ']') {
		do {
			struct ingest_row row;

			if (!read_row(&r, &row))
				return false;
			g_array_append_val(rows, row);
		} while (take(&r, ','));
	}
	if (!take(&r, ']') || !take(&r, '}'))
		return false;
	skip_ws(&r);
	return r.p == r.end;
}

bool ingest_json_explain(const char *body, size_t len,
			 const json_error_t *jerr, char *msg, size_t msglen)
{
	const char *nul;
	size_t off;
	int line = 1;

	if (!body)
		return false;
	if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3)) {
		snprintf(msg, msglen, "body starts with a UTF-8 byte order "
			 "mark; send JSON without it");
		return true;
	}
	/* jansson reads a NUL between tokens as the end of its input and
	 * stops past it; in a string it stops at it, as a control
	 * character.  A NUL beyond is not what it refused. */
	nul = memchr(body, '\0', len);
	if (!nul || jerr->position < 0)
		return false;
	off = (size_t)(nul - body);
	if (off > (size_t)jerr->position ||
	    (off == (size_t)jerr->position &&
	     !strstr(jerr->text, "control character 0x0")))
		return false;
	for (size_t i = 0; i < off; i++)
		line += body[i] == '\n';
	snprintf(msg, msglen, "body: NUL byte at offset %zu (line %d); send "
		 "the JSON text alone, without NUL bytes", off, line);
	return true;
}
