/*
 * import_tepco.c - TEPCO Power Grid's daily でんき予報 file.
 *
 * The file is a stack of small CSV tables separated by blank lines.  Two
 * of them hold time series and begin with a "DATE,TIME,..." header: the
 * hourly actual demand, forecast, usage rate and supply, and the
 * five-minute actual demand and solar output.  A table is recognised by
 * its header's Japanese column names, never by its position, and each
 * column is found by name, so TEPCO reordering or adding columns does
 * not shift values into the wrong point.  Every other table (peaks,
 * next-day outlook) is skipped.
 *
 * Values are in 万kW (10,000 kW) except the usage rate in %.  Times are
 * JST and mark the start of the interval.  A file written during the day
 * leaves the later rows' cells empty; an empty cell is no reading.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MAN_KW 10000.0		/* one 万kW in kW */
#define MAX_FIELDS 16

enum {
	DEMAND, SOLAR, DEMAND_HOURLY, FORECAST_HOURLY, SUPPLY_HOURLY,
	USAGE_HOURLY,
};

static const struct import_point_def tepco_points[] = {
	[DEMAND] = {"tepco/demand", "power", "kW", 300},
	[SOLAR] = {"tepco/solar", "power", "kW", 300},
	[DEMAND_HOURLY] = {"tepco/demand_hourly", "power", "kW", 3600},
	[FORECAST_HOURLY] = {"tepco/forecast_hourly", "power", "kW", 3600},
	[SUPPLY_HOURLY] = {"tepco/supply_hourly", "power", "kW", 3600},
	[USAGE_HOURLY] = {"tepco/usage_hourly", "ratio", "%", 3600},
};

struct tepco_column {
	const char *header;	/* the column's name in the header line */
	int point;
	double scale;		/* file unit to the point's unit */
};

struct tepco_table {
	const char *name;	/* for messages */
	const struct tepco_column *columns;
	size_t ncolumns;
};

static const struct tepco_column hourly_columns[] = {
	{"当日実績(万kW)", DEMAND_HOURLY, MAN_KW},
	{"予測値(万kW)", FORECAST_HOURLY, MAN_KW},
	{"使用率(%)", USAGE_HOURLY, 1.0},
	{"供給力(万kW)", SUPPLY_HOURLY, MAN_KW},
};

static const struct tepco_column five_min_columns[] = {
	{"当日実績(５分間隔値)(万kW)", DEMAND, MAN_KW},
	{"太陽光発電実績(５分間隔値)(万kW)", SOLAR, MAN_KW},
};

static const struct tepco_table tables[] = {
	{"hourly", hourly_columns, G_N_ELEMENTS(hourly_columns)},
	{"5-minute", five_min_columns, G_N_ELEMENTS(five_min_columns)},
};

/* The table being read: which file column feeds which point. */
struct tepco_state {
	const struct tepco_table *table;	/* NULL between tables */
	const struct tepco_column *map[MAX_FIELDS];
	int nfields;
	bool seen[G_N_ELEMENTS(tables)];
};

/* Starts reading a table when line is the header of a known one. */
static int tepco_header(struct import_parse *p, struct tepco_state *s,
			char *line)
{
	char *f[MAX_FIELDS];
	int n = import_csv_split(line, f, MAX_FIELDS);

	if (n < 2 || strcmp(f[0], "DATE") || strcmp(f[1], "TIME"))
		return 0;

	for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
		const struct tepco_table *tab = &tables[t];
		size_t found = 0;

		memset(s->map, 0, sizeof s->map);
		for (size_t c = 0; c < tab->ncolumns; c++) {
			int i = import_csv_find(f, n, tab->columns[c].header);

			if (i < 2)
				break;
			s->map[i] = &tab->columns[c];
			found++;
		}
		if (found < tab->ncolumns)
			continue;
		if (s->seen[t])
			return import_fail(p, "a second %s table", tab->name);
		s->seen[t] = true;
		s->table = tab;
		s->nfields = n;
		return 0;
	}
	return 0;
}

static int tepco_row(struct import_parse *p, struct tepco_state *s,
		     char *line)
{
	char *f[MAX_FIELDS];
	struct import_civil c;
	int64_t ts;
	int n, rc;

	n = import_csv_split(line, f, MAX_FIELDS);
	if (n != s->nfields)
		return import_fail(p, "%s table row has %d fields, its header "
				   "%d", s->table->name, n, s->nfields);
	if (import_civil_parse_slashed(f[0], f[1], &c))
		return import_fail(p, "bad date and time '%s,%s'", f[0], f[1]);
	ts = import_civil_to_unix(p->tz, &c);

	for (int i = 2; i < n; i++) {
		const struct tepco_column *col = s->map[i];
		double v;

		if (!col)
			continue;
		rc = import_value(p, f[i], col->header, &v);
		if (rc < 0)
			return rc;
		if (rc == 0)
			import_row_add(p, col->point, ts, v * col->scale);
	}
	return 0;
}

static int tepco_parse(struct import_parse *p)
{
	struct tepco_state s = {0};
	char *line;
	int rc = 0;

	while (!rc && (line = import_next_line(p))) {
		if (!*line)
			s.table = NULL;
		else if (!s.table)
			rc = tepco_header(p, &s, line);
		else
			rc = tepco_row(p, &s, line);
	}
	if (rc)
		return rc;

	if (!s.seen[0] && !s.seen[1]) {
		snprintf(p->err, sizeof p->err, "%s: no hourly or 5-minute "
			 "table (DATE,TIME,当日実績...): not a tepco-daily "
			 "file", p->path);
		return IMPORT_BAD_INPUT;
	}
	return 0;
}

const struct import_format import_format_tepco = {
	.name = "tepco-daily",
	.about = "TEPCO でんき予報 daily CSV (CP932): demand, solar, supply",
	.encoding = "CP932",
	.site = "tepco",
	.site_kind = "grid",
	.tz = "Asia/Tokyo",
	.points = tepco_points,
	.npoints = G_N_ELEMENTS(tepco_points),
	.parse = tepco_parse,
};
