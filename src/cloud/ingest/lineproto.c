/*
 * lineproto.c - a strict parser of InfluxDB line protocol.
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Escapes: in a measurement, '\,' and '\ '; in tag keys, tag values and
 * field keys also '\='; in a string field '\"' and '\\'.  Everywhere
 * '\\' is one backslash and a backslash before any other byte is kept
 * as it is, as InfluxDB does.  A string field may hold newlines; the
 * line keeps the number of the line it started on.
 *
 * The unescaped text of a line is written to one scratch buffer, and
 * tags and fields refer to it by offset until the line is complete,
 * because the buffer may move while it grows.
 */
#include "cloud/ingest/lineproto.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/ingest/ingest_number.h"

struct raw_tag {
	size_t key, value;	/* offsets into the scratch buffer */
};

struct raw_field {
	size_t key, s;		/* offsets; s only for strings */
	struct lineproto_field f;
};

struct parser {
	const char *p, *end;
	size_t lineno;		/* of the byte at p */
	GString *text;		/* unescaped tokens, NUL-separated */
	GArray *tags;		/* struct raw_tag */
	GArray *fields;		/* struct raw_field */
	GArray *out_tags;	/* struct lineproto_tag */
	GArray *out_fields;	/* struct lineproto_field */
	const char *error;	/* static: what is wrong with the line */
};

/* A line ends at '\n', at "\r\n", or with the body. */
static bool at_eol(const struct parser *ps)
{
	const char *p = ps->p;

	return p == ps->end || *p == '\n' ||
	       (*p == '\r' && (p + 1 == ps->end || p[1] == '\n'));
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

/* Moves past the end of the line, for the next one. */
static void next_line(struct parser *ps)
{
	while (ps->p < ps->end && *ps->p != '\n')
		ps->p++;
	if (ps->p < ps->end) {
		ps->p++;
		ps->lineno++;
	}
}

static int fail(struct parser *ps, const char *what)
{
	ps->error = what;
	return 1;
}

/*
 * Reads a name up to an unescaped ' ' or ',' (or '=' when stop_eq), or
 * the end of the line, into the scratch buffer.  Returns its offset.
 * Which of '\,', '\ ', '\=' unescape is given by eq_escapes.
 */
static size_t read_name(struct parser *ps, bool stop_eq, bool eq_escapes)
{
	size_t off = ps->text->len;

	while (!at_eol(ps)) {
		const char *run = ps->p;
		char c;

		/* The bytes up to the next one that may end or escape the
		 * name go in at once: names rarely hold any. */
		while (ps->p < ps->end && (c = *ps->p) != ' ' && c != ',' &&
		       c != '=' && c != '\\' && c != '\n' && c != '\r')
			ps->p++;
		g_string_append_len(ps->text, run, ps->p - run);
		if (at_eol(ps))
			break;

		c = *ps->p;
		if (c == ' ' || c == ',' || (stop_eq && c == '='))
			break;
		if (c == '\\' && ps->p + 1 < ps->end) {
			char n = ps->p[1];

			if (n == ',' || n == ' ' || n == '\\' ||
			    (eq_escapes && n == '=')) {
				g_string_append_c(ps->text, n);
				ps->p += 2;
				continue;
			}
		}
		g_string_append_c(ps->text, c);
		ps->p++;
	}
	g_string_append_c(ps->text, '\0');
	return off;
}

static const char *text_at(const struct parser *ps, size_t off)
{
	return ps->text->str + off;
}

/* Names must be UTF-8 without NUL bytes: they end up in JSON.  Only
 * for the token last read, which ends where the scratch buffer does. */
static bool valid_text(const struct parser *ps, size_t off)
{
	const unsigned char *t = (const unsigned char *)text_at(ps, off);
	size_t n = ps->text->len - 1 - off, i = 0;

	/* Plain ASCII without NUL, as almost every name is, needs no more
	 * than one look at each byte. */
	while (i < n && t[i] && t[i] < 0x80)
		i++;
	if (i == n)
		return true;
	return g_utf8_validate(text_at(ps, off), (gssize)n, NULL) &&
	       strlen(text_at(ps, off)) == n;
}

static int parse_measurement(struct parser *ps, size_t *off)
{
	*off = read_name(ps, false, false);
	if (!*text_at(ps, *off))
		return fail(ps, "missing measurement");
	if (!valid_text(ps, *off))
		return fail(ps, "measurement is not UTF-8");
	return 0;
}

static int parse_tags(struct parser *ps)
{
	while (ps->p < ps->end && *ps->p == ',') {
		struct raw_tag t;

		ps->p++;
		t.key = read_name(ps, true, true);
		if (!*text_at(ps, t.key))
			return fail(ps, "missing tag key");
		if (!valid_text(ps, t.key))
			return fail(ps, "tag is not UTF-8");
		if (at_eol(ps) || *ps->p != '=')
			return fail(ps, "missing tag value");
		ps->p++;
		t.value = read_name(ps, true, true);
		if (!*text_at(ps, t.value))
			return fail(ps, "missing tag value");
		if (!at_eol(ps) && *ps->p == '=')
			return fail(ps, "invalid tag format");
		if (!valid_text(ps, t.value))
			return fail(ps, "tag is not UTF-8");
		g_array_append_val(ps->tags, t);
	}
	return 0;
}

/* A quoted string; ps->p is on the opening quote. */
static int parse_string(struct parser *ps, struct raw_field *rf)
{
	rf->s = ps->text->len;
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p;

		if (c == '\\' && ps->p + 1 < ps->end &&
		    (ps->p[1] == '"' || ps->p[1] == '\\')) {
			c = ps->p[1];
			ps->p++;
		} else if (c == '\n') {
			ps->lineno++;
		}
		g_string_append_c(ps->text, c);
		ps->p++;
	}
	g_string_append_c(ps->text, '\0');
	if (ps->p == ps->end)
		return fail(ps, "unterminated string");
	ps->p++;
	if (!valid_text(ps, rf->s))
		return fail(ps, "string field is not UTF-8");
	rf->f.type = LINEPROTO_STRING;
	return 0;
}

static bool is_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"t", "T", "true", "True", "TRUE"};
	static const char *const no[] = {"f", "F", "false", "False", "FALSE"};

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return true;
		}
	}
	return false;
}

/* [-]digits[.digits][e[+-]digits], or [-].digits...: no inf, nan, hex. */
static bool float_syntax(const char *s)
{
	size_t digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; g_ascii_isdigit(*s); s++)
		digits++;
	if (*s == '.')
		for (s++; g_ascii_isdigit(*s); s++)
			digits++;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!g_ascii_isdigit(*s))
			return false;
		while (g_ascii_isdigit(*s))
			s++;
	}
	return *s == '\0';
}

/* All digits, at least one, after an optional '-' when sign. */
static bool int_syntax(const char *s, size_t n, bool sign)
{
	size_t i = sign && n && s[0] == '-' ? 1 : 0;

	if (i == n)
		return false;
	for (; i < n; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	return true;
}

/* A number or boolean, read as text up to ' ', ',' or the line's end. */
static int parse_scalar(struct parser *ps, struct raw_field *rf)
{
	size_t off = ps->text->len, n;
	const char *start;
	char *s, *end;

	start = ps->p;
	while (!at_eol(ps) && *ps->p != ' ' && *ps->p != ',')
		ps->p++;
	g_string_append_len(ps->text, start, ps->p - start);
	g_string_append_c(ps->text, '\0');
	s = ps->text->str + off;
	n = (size_t)(ps->p - start);
	if (!n)
		return fail(ps, "missing field value");
	/* A NUL inside would hide what follows it from every check. */
	if (strlen(s) != n)
		return fail(ps, "invalid field value (a NUL byte)");

	errno = 0;
	/* Only t, T, f and F begin a boolean: numbers skip the names. */
	if (strchr("tTfF", s[0]) && is_bool(s, &rf->f.b)) {
		rf->f.type = LINEPROTO_BOOL;
	} else if (s[n - 1] == 'i' && int_syntax(s, n - 1, true)) {
		rf->f.type = LINEPROTO_INT;
		rf->f.i = ingest_strtoll(s, &end);
		if (errno)
			return fail(ps, "integer value out of range");
	} else if (s[n - 1] == 'u' && int_syntax(s, n - 1, false)) {
		rf->f.type = LINEPROTO_UINT;
		rf->f.u = strtoull(s, &end, 10);
		if (errno)
			return fail(ps, "unsigned value out of range");
	} else if (float_syntax(s)) {
		rf->f.type = LINEPROTO_FLOAT;
		rf->f.f = ingest_strtod(s, &end);
		if (!isfinite(rf->f.f))
			return fail(ps, "float value out of range");
	} else {
		return fail(ps, "invalid field value");
	}
	return 0;
}

static int parse_fields(struct parser *ps)
{
	for (;;) {
		struct raw_field rf = {0};
		int rc;

		rf.key = read_name(ps, true, true);
		if (!*text_at(ps, rf.key))
			return fail(ps, at_eol(ps) ? "missing fields"
						   : "missing field key");
		if (at_eol(ps) || *ps->p != '=')
			return fail(ps, "invalid field format");
		if (!valid_text(ps, rf.key))
			return fail(ps, "field key is not UTF-8");
		ps->p++;

		if (ps->p < ps->end && *ps->p == '"')
			rc = parse_string(ps, &rf);
		else
			rc = parse_scalar(ps, &rf);
		if (rc)
			return rc;
		g_array_append_val(ps->fields, rf);

		if (at_eol(ps) || *ps->p == ' ')
			return 0;
		ps->p++;	/* the ',' before the next field */
	}
}

static int parse_timestamp(struct parser *ps, struct lineproto_line *line)
{
	size_t off = ps->text->len, n;
	char *end;

	skip_blanks(ps);
	if (at_eol(ps))
		return 0;
	while (!at_eol(ps) && *ps->p != ' ' && *ps->p != '\t')
		g_string_append_c(ps->text, *ps->p++);
	g_string_append_c(ps->text, '\0');
	n = ps->text->len - 1 - off;
	if (!int_syntax(text_at(ps, off), n, true))
		return fail(ps, "invalid timestamp");
	errno = 0;
	line->ts = ingest_strtoll(text_at(ps, off), &end);
	if (errno)
		return fail(ps, "timestamp out of range");
	line->has_ts = true;

	skip_blanks(ps);
	if (!at_eol(ps))
		return fail(ps, "unexpected text after the timestamp");
	return 0;
}

/* Points the public arrays into the finished scratch buffer. */
static void resolve(struct parser *ps, size_t moff,
		    struct lineproto_line *line)
{
	g_array_set_size(ps->out_tags, 0);
	g_array_set_size(ps->out_fields, 0);
	for (guint i = 0; i < ps->tags->len; i++) {
		const struct raw_tag *t =
		    &g_array_index(ps->tags, struct raw_tag, i);
		struct lineproto_tag o = {text_at(ps, t->key),
					  text_at(ps, t->value)};

		g_array_append_val(ps->out_tags, o);
	}
	for (guint i = 0; i < ps->fields->len; i++) {
		const struct raw_field *rf =
		    &g_array_index(ps->fields, struct raw_field, i);
		struct lineproto_field o = rf->f;

		o.key = text_at(ps, rf->key);
		if (o.type == LINEPROTO_STRING)
			o.s = text_at(ps, rf->s);
		g_array_append_val(ps->out_fields, o);
	}
	line->measurement = text_at(ps, moff);
	line->tags = (const struct lineproto_tag *)(void *)ps->out_tags->data;
	line->ntags = ps->out_tags->len;
	line->fields =
	    (const struct lineproto_field *)(void *)ps->out_fields->data;
	line->nfields = ps->out_fields->len;
}

/* Parses the line at ps->p.  0 with line filled, 1 with ps->error. */
static int parse_line(struct parser *ps, struct lineproto_line *line)
{
	size_t moff;
	int rc;

	g_string_truncate(ps->text, 0);
	g_array_set_size(ps->tags, 0);
	g_array_set_size(ps->fields, 0);
	memset(line, 0, sizeof *line);
	line->lineno = ps->lineno;

	rc = parse_measurement(ps, &moff);
	if (!rc)
		rc = parse_tags(ps);
	if (!rc && (at_eol(ps) || *ps->p != ' '))
		rc = fail(ps, "missing fields");
	if (!rc) {
		skip_blanks(ps);
		rc = parse_fields(ps);
	}
	if (!rc)
		rc = parse_timestamp(ps, line);
	if (rc)
		return rc;
	resolve(ps, moff, line);
	return 0;
}

int lineproto_parse(const char *buf, size_t len, lineproto_line_fn on_line,
		    lineproto_error_fn on_error, void *ctx)
{
	struct parser ps = {
	    .p = buf,
	    .end = buf + len,
	    .lineno = 1,
	    .text = g_string_new(NULL),
	    .tags = g_array_new(FALSE, FALSE, sizeof(struct raw_tag)),
	    .fields = g_array_new(FALSE, FALSE, sizeof(struct raw_field)),
	    .out_tags = g_array_new(FALSE, FALSE, sizeof(struct lineproto_tag)),
	    .out_fields =
		g_array_new(FALSE, FALSE, sizeof(struct lineproto_field)),
	};
	struct lineproto_line line;
	int rc = 0;

	while (!rc && ps.p < ps.end) {
		size_t lineno = ps.lineno;

		/* Blank lines and comments hold no point. */
		skip_blanks(&ps);
		if (at_eol(&ps) || *ps.p == '#') {
			next_line(&ps);
			continue;
		}

		if (parse_line(&ps, &line) == 0)
			rc = on_line(&line, ctx);
		else
			rc = on_error(lineno, ps.error, ctx);
		next_line(&ps);
	}

	g_string_free(ps.text, TRUE);
	g_array_free(ps.tags, TRUE);
	g_array_free(ps.fields, TRUE);
	g_array_free(ps.out_tags, TRUE);
	g_array_free(ps.out_fields, TRUE);
	return rc;
}

int lineproto_precision_parse(const char *s, bool v2,
			      enum lineproto_precision *out)
{
	static const struct {
		const char *v1, *v2;
		enum lineproto_precision p;
	} names[] = {
	    {"n", "ns", LINEPROTO_NS},	  {"u", "us", LINEPROTO_US},
	    {"ms", "ms", LINEPROTO_MS},	  {"s", "s", LINEPROTO_S},
	    {"m", NULL, LINEPROTO_MIN},	  {"h", NULL, LINEPROTO_HOUR},
	};

	if (!s || !*s) {
		*out = LINEPROTO_NS;
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		const char *name = v2 ? names[i].v2 : names[i].v1;

		if (name && !strcmp(s, name)) {
			*out = names[i].p;
			return 0;
		}
	}
	return -1;
}

int lineproto_ts_seconds(int64_t ts, enum lineproto_precision p,
			 int64_t *out)
{
	int64_t div = 1, mul = 1, q;

	switch (p) {
	case LINEPROTO_NS:
		div = 1000000000;
		break;
	case LINEPROTO_US:
		div = 1000000;
		break;
	case LINEPROTO_MS:
		div = 1000;
		break;
	case LINEPROTO_S:
		break;
	case LINEPROTO_MIN:
		mul = 60;
		break;
	case LINEPROTO_HOUR:
		mul = 3600;
		break;
	}

	/* Rounded down, so that -1 ns is the second before the epoch. */
	q = ts / div;
	if (ts % div < 0)
		q--;
	if (q > INT64_MAX / mul || q < INT64_MIN / mul)
		return -1;
	*out = q * mul;
	return 0;
}
