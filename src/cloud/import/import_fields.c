/*
 * import_fields.c - the readers the later formats need beyond CSV with
 * commas: other separators, times with an offset or an unpadded hour,
 * and the count of values a format reads but does not store.
 */
#include "cloud/import/import_internal.h"

#include <string.h>

#include "core/timeutil.h"

void import_drop(struct import_parse *p, const char *why)
{
	if (!p->rows.dropped++) {
		p->rows.dropped_line = p->line;
		p->rows.dropped_why = why;
	}
}

bool import_blank_tail(const struct import_parse *p, const char *line)
{
	return !*line &&
	       (!p->next || strspn(p->next, "\r\n") == strlen(p->next));
}

int import_split_plain(char *line, char sep, char **fields, int max)
{
	int n = 0;

	for (;;) {
		char *end = strchr(line, sep);

		if (n == max)
			return -1;
		fields[n++] = line;
		if (!end)
			return n;
		*end = '\0';
		line = end + 1;
	}
}

/* Reads 1 or 2 digits at *s, advancing past them. */
static int read_small(const char **s, int *out)
{
	int v = 0, n = 0;

	while (**s >= '0' && **s <= '9' && n < 2) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (!n || (**s >= '0' && **s <= '9'))
		return -1;
	*out = v;
	return 0;
}

int import_civil_parse_slashed_dt(const char *s, struct import_civil *out)
{
	struct import_civil c = {0};
	int i;

	for (i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	c.year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
		 (s[2] - '0') * 10 + (s[3] - '0');
	s += 4;
	if (*s++ != '/' || read_small(&s, &c.month) || *s++ != '/' ||
	    read_small(&s, &c.day) || *s++ != ' ' ||
	    read_small(&s, &c.hour) || *s++ != ':')
		return -1;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	c.minute = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (*s == ':') {
		s++;
		if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
		    s[2])
			return -1;
		c.second = (s[0] - '0') * 10 + (s[1] - '0');
	} else if (*s) {
		return -1;
	}
	if (!import_civil_valid(&c))
		return -1;
	*out = c;
	return 0;
}

int import_time_offset_parse(const char *s, int64_t *out)
{
	size_t n = strlen(s);

	/* core_time_parse also takes bare Unix seconds, which no file of
	 * these formats writes: a date must lead, and an offset end it. */
	if (n < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[n - 1] != 'Z' && s[n - 6] != '+' && s[n - 6] != '-'))
		return -1;
	return core_time_parse(s, out);
}
