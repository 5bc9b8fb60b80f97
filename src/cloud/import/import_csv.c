/*
 * import_csv.c - a generic CSV of history, as old building-management
 * systems export it, read by a column map given at run time:
 *
 *   time=0,tz=Asia/Tokyo,point:hall/power=2,unit=kW,point:hall/temp=3,
 *   unit=degC
 *
 * Items are separated by ','; unit, quantity, scale and step belong to
 * the point: item before them.  docs/import.md lists every item.  The
 * map becomes an import_format of its own, so the file goes through the
 * same driver, sinks and ingest checks as every fixed format.
 */
#include "cloud/import/import_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/units/units.h"

#define MAX_COLUMN 255
#define MAX_POINTS 64
#define MAX_FIELDS (MAX_COLUMN + 2)
#define MAX_HEADER 1000
#define MAX_TIMESHIFT_S (366 * 86400)

struct csv_point {
	struct import_point_def def;	/* key, quantity, unit owned */
	int col;
	double scale;
};

struct csv_map {
	int time_col;
	int date_col;		/* -1: the time column holds the date too */
	char sep;
	int header;		/* lines before the first row */
	int64_t timeshift_s;	/* added to every time */
	char *missing;		/* a text meaning "no reading", or NULL */
	int max_col;
	struct csv_point pt[MAX_POINTS];
	int npoints;
};

/* What import_csv_format_new() hands out: the format first, so that
 * the pointer given out is the whole allocation's. */
struct csv_format {
	struct import_format fmt;
	struct csv_map map;
	struct import_point_def defs[MAX_POINTS];
	char *site;
	char *tz;
};

/* Units whose quantity a new point takes without quantity=, before the
 * unit table's own (ppm is a room's co2 here, not a concentration). */
static const struct {
	const char *unit;
	const char *quantity;
} known_units[] = {
	{"kW", "power"}, {"W", "power"}, {"MW", "power"},
	{"万kW", "power"}, {"kWh", "energy"}, {"Wh", "energy"},
	{"MWh", "energy"}, {"万kWh", "energy"}, {"degC", "temperature"},
	{"degF", "temperature"}, {"°C", "temperature"}, {"K", "temperature"},
	{"%RH", "humidity"}, {"ppm", "co2"}, {"%", "ratio"},
};

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || strspn(s, "-0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int map_fail(char *err, size_t errlen, const char *item,
		    const char *why)
{
	snprintf(err, errlen, "map item '%.80s': %s", item, why);
	return IMPORT_INVALID;
}

/* Reads one point-bound item into the last point. */
static int point_item(struct csv_format *cf, const char *key,
		      const char *val, const char *item, char *err,
		      size_t errlen)
{
	struct csv_point *pt;
	long n;
	double d;
	char *end;

	if (!cf->map.npoints)
		return map_fail(err, errlen, item, "names no point: put it "
				"after a point:KEY=COLUMN item");
	pt = &cf->map.pt[cf->map.npoints - 1];
	if (!strcmp(key, "unit") || !strcmp(key, "quantity")) {
		const char **slot = !strcmp(key, "unit") ? &pt->def.unit
							 : &pt->def.quantity;

		if (*slot)
			return map_fail(err, errlen, item, "given twice for "
					"the point");
		if (!*val || strlen(val) > 31)
			return map_fail(err, errlen, item, "needs 1 to 31 "
					"bytes");
		*slot = g_strdup(val);
		return 0;
	}
	if (!strcmp(key, "scale")) {
		errno = 0;
		d = strtod(val, &end);
		if (!*val || *end || errno || !isfinite(d) || d == 0 ||
		    strspn(val, "+-.0123456789eE") != strlen(val))
			return map_fail(err, errlen, item, "is not a number "
					"other than 0");
		pt->scale = d;
		return 0;
	}
	/* step */
	if (parse_int(val, 0, 86400 * 31, &n))
		return map_fail(err, errlen, item, "is not a step in seconds "
				"(0 to 2678400)");
	pt->def.step_s = (int)n;
	return 0;
}

static int add_point(struct csv_format *cf, const char *key,
		     const char *val, const char *item, char *err,
		     size_t errlen)
{
	struct csv_point *pt;
	long col;

	if (!*key || strlen(key) >= 128)
		return map_fail(err, errlen, item, "a point key needs 1 to "
				"127 bytes");
	if (parse_int(val, 0, MAX_COLUMN, &col))
		return map_fail(err, errlen, item, "the column is not a "
				"number 0 to 255");
	if (cf->map.npoints == MAX_POINTS)
		return map_fail(err, errlen, item, "more than 64 points");
	for (int i = 0; i < cf->map.npoints; i++)
		if (!strcmp(cf->map.pt[i].def.key, key))
			return map_fail(err, errlen, item, "the point is "
					"mapped twice");
	pt = &cf->map.pt[cf->map.npoints++];
	pt->def.key = g_strdup(key);
	pt->col = (int)col;
	pt->scale = 1.0;
	cf->map.max_col = MAX(cf->map.max_col, (int)col);
	return 0;
}

static int column_item(int *slot, const char *val, const char *item,
		       char *err, size_t errlen)
{
	long col;

	if (parse_int(val, 0, MAX_COLUMN, &col))
		return map_fail(err, errlen, item, "the column is not a "
				"number 0 to 255");
	*slot = (int)col;
	return 0;
}

static int sep_item(struct csv_map *m, const char *val, const char *item,
		    char *err, size_t errlen)
{
	if (!strcmp(val, "tab"))
		m->sep = '\t';
	else if (!strcmp(val, "semicolon") || !strcmp(val, ";"))
		m->sep = ';';
	else if (!strcmp(val, "comma"))
		m->sep = ',';
	else
		return map_fail(err, errlen, item, "sep is comma, semicolon "
				"or tab");
	return 0;
}

static int one_item(struct csv_format *cf, char *item, char *err,
		    size_t errlen)
{
	char *eq = strchr(item, '='), copy[128];
	const char *key, *val;
	long n;

	g_strlcpy(copy, item, sizeof copy);
	if (!eq)
		return map_fail(err, errlen, copy, "expected NAME=VALUE");
	*eq = '\0';
	key = item;
	val = eq + 1;

	if (!strncmp(key, "point:", 6))
		return add_point(cf, key + 6, val, copy, err, errlen);
	if (!strcmp(key, "unit") || !strcmp(key, "quantity") ||
	    !strcmp(key, "scale") || !strcmp(key, "step"))
		return point_item(cf, key, val, copy, err, errlen);
	if (!strcmp(key, "time"))
		return column_item(&cf->map.time_col, val, copy, err, errlen);
	if (!strcmp(key, "date"))
		return column_item(&cf->map.date_col, val, copy, err, errlen);
	if (!strcmp(key, "sep"))
		return sep_item(&cf->map, val, copy, err, errlen);
	if (!strcmp(key, "header")) {
		if (parse_int(val, 0, MAX_HEADER, &n))
			return map_fail(err, errlen, copy, "header is a count "
					"of lines, 0 to 1000");
		cf->map.header = (int)n;
		return 0;
	}
	if (!strcmp(key, "timeshift")) {
		if (parse_int(val, -MAX_TIMESHIFT_S, MAX_TIMESHIFT_S, &n))
			return map_fail(err, errlen, copy, "timeshift is "
					"seconds, at most a year either way");
		cf->map.timeshift_s = n;
		return 0;
	}
	if (!strcmp(key, "missing") || !strcmp(key, "site") ||
	    !strcmp(key, "tz")) {
		char **slot = !strcmp(key, "missing") ? &cf->map.missing
			      : !strcmp(key, "site") ? &cf->site : &cf->tz;

		if (!*val || strlen(val) > 63)
			return map_fail(err, errlen, copy, "needs 1 to 63 "
					"bytes");
		g_free(*slot);
		*slot = g_strdup(val);
		return 0;
	}
	return map_fail(err, errlen, copy, "unknown item (see "
			"docs/import.md, csv)");
}

/* Fills what the items left open, and checks that they fit together. */
static int complete(struct csv_format *cf, const char *site, const char *tz,
		    char *err, size_t errlen)
{
	struct csv_map *m = &cf->map;

	if (m->time_col < 0) {
		snprintf(err, errlen, "the map needs time=COLUMN");
		return IMPORT_INVALID;
	}
	if (!m->npoints) {
		snprintf(err, errlen, "the map needs a point:KEY=COLUMN");
		return IMPORT_INVALID;
	}
	if (site && cf->site && strcmp(site, cf->site)) {
		snprintf(err, errlen, "the map names site '%s', but the data "
			 "goes to site '%s'", cf->site, site);
		return IMPORT_INVALID;
	}
	if (!cf->site && site)
		cf->site = g_strdup(site);
	if (!cf->site) {
		const char *k = m->pt[0].def.key, *slash = strchr(k, '/');

		if (!slash || slash == k) {
			snprintf(err, errlen, "the map needs site=NAME, or "
				 "point keys like SITE/NAME");
			return IMPORT_INVALID;
		}
		cf->site = g_strndup(k, (gsize)(slash - k));
	}
	if (!cf->tz && tz)
		cf->tz = g_strdup(tz);
	if (!cf->tz) {
		snprintf(err, errlen, "the map needs tz=ZONE, the zone of the "
			 "file's times");
		return IMPORT_INVALID;
	}
	m->max_col = MAX(m->max_col, MAX(m->time_col, m->date_col));

	for (int i = 0; i < m->npoints; i++) {
		struct import_point_def *d = &m->pt[i].def;

		if (!d->unit) {
			snprintf(err, errlen, "point '%s' needs unit=UNIT "
				 "after it", d->key);
			return IMPORT_INVALID;
		}
		for (size_t u = 0; !d->quantity &&
				   u < G_N_ELEMENTS(known_units); u++)
			if (!strcmp(d->unit, known_units[u].unit))
				d->quantity = g_strdup(known_units[u].quantity);
		/* Left NULL for a unit the table lacks: the local sink
		 * then refuses to create the point (units_check_point()),
		 * as the registry refuses it. */
		if (!d->quantity && units_quantity(d->unit))
			d->quantity = g_strdup(units_quantity(d->unit));
		cf->defs[i] = *d;
	}
	return 0;
}

/* Reads one time as a CSV of history writes it. */
static int csv_time(const char *s, GTimeZone *tz, int64_t *out)
{
	struct import_civil c;
	char iso[40];

	if (!import_time_offset_parse(s, out))
		return 0;
	g_strlcpy(iso, s, sizeof iso);
	if (strlen(iso) > 10 && iso[10] == 'T')
		iso[10] = ' ';
	if (strlen(s) < sizeof iso && (!import_civil_parse(iso, &c) ||
				       !import_civil_parse_slashed_dt(s, &c))) {
		*out = import_civil_to_unix(tz, &c);
		return 0;
	}
	return -1;
}

static int csv_row(struct import_parse *p, const struct csv_map *m,
		   char *line)
{
	char *f[MAX_FIELDS], when[96];
	const char *ts_text = when;
	int64_t ts;
	int n;

	n = m->sep == ',' ? import_csv_split(line, f, MAX_FIELDS)
			  : import_split_plain(line, m->sep, f, MAX_FIELDS);
	if (n == -2)
		return import_fail(p, "a quote is not closed");
	if (n < 0)
		return import_fail(p, "row has more than %d fields",
				   MAX_FIELDS);
	if (n <= m->max_col)
		return import_fail(p, "row has %d fields, the map reads "
				   "column %d", n, m->max_col);
	if (m->date_col >= 0)
		snprintf(when, sizeof when, "%.40s %.40s", f[m->date_col],
			 f[m->time_col]);
	else
		ts_text = f[m->time_col];
	if (csv_time(ts_text, p->tz, &ts))
		return import_fail(p, "bad time '%.60s', expected YYYY-MM-DD "
				   "HH:MM[:SS], YYYY/M/D H:MM[:SS] or RFC "
				   "3339", ts_text);
	ts += m->timeshift_s;

	for (int i = 0; i < m->npoints; i++) {
		const char *v = f[m->pt[i].col];
		double x;
		int rc;

		if (m->missing && !strcmp(v, m->missing)) {
			import_drop(p, "the map's missing= text");
			continue;
		}
		rc = import_value(p, v, m->pt[i].def.key, &x);
		if (rc < 0)
			return rc;
		if (rc == 0)
			import_row_add(p, i, ts, x * m->pt[i].scale);
	}
	return 0;
}

static int csv_parse(struct import_parse *p)
{
	const struct csv_map *m = p->fmt->ctx;
	char *line;
	int rc;

	for (int i = 0; i < m->header && import_next_line(p); i++)
		;
	while ((line = import_next_line(p))) {
		/* Exports often close with, or hold, empty lines. */
		if (!*line)
			continue;
		rc = csv_row(p, m, line);
		if (rc)
			return rc;
	}
	return 0;
}

/* Stands in the table for --help; import_csv_format_new() makes the
 * format that parses. */
const struct import_format import_format_csv = {
	.name = "csv",
	.about = "CSV of history by a column map (--map, see docs/import.md)",
	.site_kind = "building",
	.parse = csv_parse,
	.needs_map = true,
};

bool import_format_needs_map(const struct import_format *fmt)
{
	return fmt && fmt->needs_map && !fmt->ctx;
}

static void csv_free(struct csv_format *cf);

int import_csv_format_new(const char *spec, const char *site,
			  const char *tz, struct import_format **out,
			  char *err, size_t errlen)
{
	struct csv_format *cf = g_new0(struct csv_format, 1);
	char **items = NULL;
	int rc = 0;

	*out = NULL;
	cf->fmt = import_format_csv;
	cf->map.time_col = cf->map.date_col = -1;
	cf->map.sep = ',';
	cf->map.header = 1;
	if (!spec || !*spec) {
		snprintf(err, errlen, "the column map is empty");
		rc = IMPORT_INVALID;
		goto out;
	}
	items = g_strsplit(spec, ",", -1);
	for (char **it = items; !rc && *it; it++)
		rc = one_item(cf, *it, err, errlen);
	if (!rc)
		rc = complete(cf, site, tz, err, errlen);
	if (rc)
		goto out;

	cf->fmt.site = cf->site;
	cf->fmt.tz = cf->tz;
	cf->fmt.points = cf->defs;
	cf->fmt.npoints = (size_t)cf->map.npoints;
	cf->fmt.ctx = &cf->map;
	*out = &cf->fmt;

out:
	g_strfreev(items);
	if (rc)
		csv_free(cf);
	return rc;
}

static void csv_free(struct csv_format *cf)
{
	for (int i = 0; i < cf->map.npoints; i++) {
		g_free((char *)cf->map.pt[i].def.key);
		g_free((char *)cf->map.pt[i].def.unit);
		g_free((char *)cf->map.pt[i].def.quantity);
	}
	g_free(cf->map.missing);
	g_free(cf->site);
	g_free(cf->tz);
	g_free(cf);
}

void import_csv_format_free(struct import_format *fmt)
{
	/* Only what import_csv_format_new() made carries a map. */
	if (fmt && fmt->ctx)
		csv_free((struct csv_format *)fmt);
}
