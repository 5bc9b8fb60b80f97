/*
 * import_format.c - the table of known formats, and reading one file of
 * a format into rows: load it whole, convert it to UTF-8, hand it to the
 * format's parser.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

static const struct import_format *const formats[] = {
	&import_format_tepco,
	&import_format_ausgrid,
	&import_format_occupancy,
	&import_format_tepco_mix,
	&import_format_uci_household,
	&import_format_nrel_pv,
	&import_format_jma_hourly,
	&import_format_acn_ev,
	&import_format_csv,
};

const struct import_format *import_format_find(const char *name)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(formats); i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

const struct import_format *import_format_at(size_t i)
{
	return i < G_N_ELEMENTS(formats) ? formats[i] : NULL;
}

const char *import_format_name(const struct import_format *fmt)
{
	return fmt->name;
}

const char *import_format_about(const struct import_format *fmt)
{
	return fmt->about;
}

int import_date_parse(const char *s, struct import_date *out)
{
	struct import_civil c;
	char buf[32];

	/* The same strict reader as the files' timestamps, at midnight. */
	if (!s || strlen(s) != 10)
		return -1;
	snprintf(buf, sizeof buf, "%s 00:00", s);
	if (import_civil_parse(buf, &c))
		return -1;
	*out = (struct import_date){c.year, c.month, c.day};
	return 0;
}

/* 1-based number of the line that byte offset off of text is on. */
static int line_of(const char *text, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* Turns the raw bytes into NUL-terminated UTF-8 text (owned by the
 * caller), or explains where they are not valid in fmt's encoding. */
static int to_utf8(const struct import_format *fmt, const char *path,
		   gchar **raw, gsize len, gchar **text, char *err,
		   size_t errlen)
{
	const gchar *bad;
	gsize nread = 0, nwritten = 0;
	GError *ge = NULL;

	if (!fmt->encoding) {
		if (!g_utf8_validate(*raw, (gssize)len, &bad)) {
			snprintf(err, errlen, "%s:%d: not UTF-8 text", path,
				 line_of(*raw, (size_t)(bad - *raw)));
			return IMPORT_BAD_INPUT;
		}
		*text = *raw;
		*raw = NULL;
		return 0;
	}

	*text = g_convert(*raw, (gssize)len, "UTF-8", fmt->encoding, &nread,
			  &nwritten, &ge);
	if (!*text) {
		snprintf(err, errlen, "%s:%d: not %s text (%s)", path,
			 line_of(*raw, nread), fmt->encoding, ge->message);
		g_error_free(ge);
		return IMPORT_BAD_INPUT;
	}
	if (strlen(*text) != nwritten) {
		snprintf(err, errlen, "%s:%d: a NUL byte in the text", path,
			 line_of(*text, strlen(*text)));
		g_free(*text);
		*text = NULL;
		return IMPORT_BAD_INPUT;
	}
	return 0;
}

int import_read_buffer(const struct import_format *fmt, const char *name,
		       const char *data, size_t len, GTimeZone *tz,
		       struct import_rows *rows, char *err, size_t errlen)
{
	gchar *raw = g_malloc(len + 1), *text = NULL;
	struct import_parse p = {.fmt = fmt, .path = name, .tz = tz};
	int rc;

	/* A copy, as the text is converted and then cut up in place. */
	if (len)
		memcpy(raw, data, len);
	raw[len] = '\0';
	*rows = (struct import_rows){0};
	if (fmt->needs_map && !fmt->ctx) {
		snprintf(err, errlen, "%s: format %s needs a column map",
			 name, fmt->name);
		rc = IMPORT_INVALID;
		goto out;
	}
	rc = to_utf8(fmt, name, &raw, len, &text, err, errlen);
	if (rc)
		goto out;

	/* Spreadsheet programs like to start a UTF-8 CSV with a BOM. */
	p.next = text;
	if (!strncmp(p.next, "\xEF\xBB\xBF", 3))
		p.next += 3;

	rc = fmt->parse(&p);
	if (rc) {
		g_strlcpy(err, p.err, errlen);
		import_rows_finish(&p.rows);
		goto out;
	}
	*rows = p.rows;

out:
	g_free(text);
	g_free(raw);
	return rc;
}

int import_read(const struct import_format *fmt, const char *path,
		GTimeZone *tz, struct import_rows *rows, char *err,
		size_t errlen)
{
	gchar *raw = NULL;
	GError *ge = NULL;
	gsize len;
	int rc;

	*rows = (struct import_rows){0};
	if (!g_file_get_contents(path, &raw, &len, &ge)) {
		snprintf(err, errlen, "%s: %s", path, ge->message);
		g_error_free(ge);
		return IMPORT_IO;
	}
	rc = import_read_buffer(fmt, path, raw, len, tz, rows, err, errlen);
	g_free(raw);
	return rc;
}
