/*
 * import_text.c - lines, CSV fields, numbers and local times, as the
 * format parsers read them.  Every check here is strict: a field that is
 * almost a number is an error, not a zero.
 */
#include "cloud/import/import_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *import_next_line(struct import_parse *p)
{
	char *line = p->next, *end;
	size_t len;

	if (!line)
		return NULL;
	end = strchr(line, '\n');
	if (end) {
		*end = '\0';
		p->next = end + 1;
		/* A final "\n" ends the last line; it does not open one. */
		if (!*p->next)
			p->next = NULL;
	} else {
		p->next = NULL;
		if (!*line)
			return NULL;
	}
	len = strlen(line);
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	p->line++;
	return line;
}

int import_fail(struct import_parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, sizeof p->err, "%s:%d: ", p->path, p->line);
	if (n < 0 || (size_t)n >= sizeof p->err)
		return IMPORT_BAD_INPUT;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof p->err - (size_t)n, fmt, ap);
	va_end(ap);
	return IMPORT_BAD_INPUT;
}

void import_row_add(struct import_parse *p, int point, int64_t ts,
		    double value)
{
	struct import_rows *r = &p->rows;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->v = g_renew(struct import_row, r->v, r->cap);
	}
	r->v[r->n++] = (struct import_row){
		.ts = ts, .value = value, .point = point, .line = p->line,
	};
}

void import_rows_finish(struct import_rows *rows)
{
	g_free(rows->v);
	*rows = (struct import_rows){0};
}

int import_csv_split(char *line, char **fields, int max)
{
	char *r = line, *w;
	int n = 0;

	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = w = r;
		if (*r == '"') {
			/* Unquote in place: the text only ever shrinks. */
			r++;
			for (;;) {
				if (!*r)
					return -2;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r && *r != ',')
				return -2;
		} else {
			while (*r && *r != ',')
				w = ++r;
		}
		if (!*r) {
			*w = '\0';
			return n;
		}
		*w = '\0';
		r++;
	}
}

int import_csv_find(char *const *fields, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(fields[i], name))
			return i;
	return -1;
}

int import_value(struct import_parse *p, const char *s, const char *what,
		 double *out)
{
	char *end;
	double v;

	if (!*s)
		return 1;

	/* strtod would also take "nan", "inf", hex and leading blanks. */
	if (strspn(s, "+-.0123456789eE") != strlen(s))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v))
		goto bad;

	/* Too small for a double (1e-400) is read as what strtod gives, 0
	 * or a subnormal; too large is not finite, refused above. */
	if (errno && !(errno == ERANGE && fabs(v) < 1.0))
		goto bad;
	*out = v;
	return 0;

bad:
	return import_fail(p, "%s value '%s' is not a number", what, s);
}

int import_row_values(struct import_parse *p, char *const *fields,
		      const int *col, const char *const *names, size_t n,
		      int64_t ts)
{
	for (size_t i = 0; i < n; i++) {
		double v;
		int rc = import_value(p, fields[col[i]], names[i], &v);

		if (rc < 0)
			return rc;
		if (rc == 0)
			import_row_add(p, (int)i, ts, v);
	}
	return 0;
}

/* Reads 1..maxdigits decimal digits at *s; advances *s past them. */
static int read_uint(const char **s, int maxdigits, int *out)
{
	int v = 0, n = 0;

	while (**s >= '0' && **s <= '9' && n < maxdigits) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (!n || (**s >= '0' && **s <= '9'))
		return -1;
	*out = v;
	return 0;
}

/* Reads exactly ndigits digits. */
static int read_digits(const char **s, int ndigits, int *out)
{
	const char *start = *s;

	if (read_uint(s, ndigits, out) || *s - start != ndigits)
		return -1;
	return 0;
}

/* Reads exactly ndigits digits followed by sep (or the end of the
 * string when sep is '\0'). */
static int read_fixed(const char **s, int ndigits, char sep, int *out)
{
	if (read_digits(s, ndigits, out))
		return -1;
	if (**s != sep)
		return -1;
	if (sep)
		(*s)++;
	return 0;
}

int import_civil_parse(const char *s, struct import_civil *out)
{
	struct import_civil c = {0};

	if (read_fixed(&s, 4, '-', &c.year) ||
	    read_fixed(&s, 2, '-', &c.month) ||
	    read_fixed(&s, 2, ' ', &c.day) ||
	    read_fixed(&s, 2, ':', &c.hour))
		return -1;
	if (read_digits(&s, 2, &c.minute))
		return -1;
	if (*s == ':') {
		s++;
		if (read_fixed(&s, 2, '\0', &c.second))
			return -1;
	} else if (*s) {
		return -1;
	}
	if (!import_civil_valid(&c))
		return -1;
	*out = c;
	return 0;
}

int import_civil_parse_slashed(const char *date, const char *time,
			       struct import_civil *out)
{
	struct import_civil c = {0};

	if (read_fixed(&date, 4, '/', &c.year) ||
	    read_uint(&date, 2, &c.month) || *date++ != '/' ||
	    read_uint(&date, 2, &c.day) || *date)
		return -1;
	if (read_uint(&time, 2, &c.hour) || *time++ != ':' ||
	    read_fixed(&time, 2, '\0', &c.minute))
		return -1;
	if (!import_civil_valid(&c))
		return -1;
	*out = c;
	return 0;
}

bool import_civil_valid(const struct import_civil *c)
{
	if (c->year < 1 || c->year > 9999 || c->month < 1 || c->month > 12 ||
	    c->day < 1 || c->hour < 0 || c->hour > 23 || c->minute < 0 ||
	    c->minute > 59 || c->second < 0 || c->second > 59)
		return false;
	return c->day <= g_date_get_days_in_month((GDateMonth)c->month,
						  (GDateYear)c->year);
}

int64_t import_civil_to_unix(GTimeZone *tz, const struct import_civil *c)
{
	GDateTime *dt = g_date_time_new(tz, c->year, c->month, c->day,
					c->hour, c->minute, c->second);
	int64_t ts = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return ts;
}
