/*
 * import_ausgrid.c - one home of Ausgrid's solar home electricity data,
 * as a CSV with the header ",GC,GG": a timestamp, then general
 * consumption (GC) and gross PV generation (GG), both kW averaged over
 * the half hour that starts at the timestamp.
 *
 * The times are local standard time all year (every day has 48 rows,
 * even on Sydney's DST change days), so they are read in a fixed UTC+10
 * zone rather than in Australia/Sydney.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 16

enum { CONSUMPTION, PV };

static const struct import_point_def ausgrid_points[] = {
	[CONSUMPTION] = {"home12/consumption", "power", "kW", 1800},
	[PV] = {"home12/pv", "power", "kW", 1800},
};

/* The header column that feeds each point. */
static const char *const ausgrid_columns[] = {
	[CONSUMPTION] = "GC",
	[PV] = "GG",
};

static int ausgrid_parse(struct import_parse *p)
{
	char *f[MAX_FIELDS], *line;
	int col[G_N_ELEMENTS(ausgrid_columns)];
	int nfields;
	char header[128];

	line = import_next_line(p);
	if (!line) {
		snprintf(p->err, sizeof p->err, "%s: empty file", p->path);
		return IMPORT_BAD_INPUT;
	}
	g_strlcpy(header, line, sizeof header);
	nfields = import_csv_split(line, f, MAX_FIELDS);
	for (size_t i = 0; i < G_N_ELEMENTS(ausgrid_columns); i++)
		col[i] = nfields > 0 ? import_csv_find(f, nfields,
						       ausgrid_columns[i]) : -1;
	if (nfields < 0 || *f[0] || col[CONSUMPTION] < 1 || col[PV] < 1)
		return import_fail(p, "header is '%s', expected ',GC,GG'",
				   header);

	while ((line = import_next_line(p))) {
		struct import_civil c;
		int rc, n;

		if (import_blank_tail(p, line))
			break;
		n = import_csv_split(line, f, MAX_FIELDS);
		if (n != nfields)
			return import_fail(p, "row has %d fields, the header "
					   "%d", n, nfields);
		if (import_civil_parse(f[0], &c))
			return import_fail(p, "bad time '%s', expected "
					   "YYYY-MM-DD HH:MM:SS", f[0]);
		rc = import_row_values(p, f, col, ausgrid_columns,
				       G_N_ELEMENTS(ausgrid_columns),
				       import_civil_to_unix(p->tz, &c));
		if (rc)
			return rc;
	}
	return 0;
}

const struct import_format import_format_ausgrid = {
	.name = "ausgrid",
	.about = "Ausgrid solar home data, one home (,GC,GG), 30 minutes",
	.site = "home12",
	.site_kind = "home",
	.tz = "+10:00",
	.points = ausgrid_points,
	.npoints = G_N_ELEMENTS(ausgrid_points),
	.parse = ausgrid_parse,
};
