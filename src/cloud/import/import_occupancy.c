/*
 * import_occupancy.c - the UCI Occupancy Detection data set: one office
 * room's temperature, humidity, light, CO2 and occupancy, about once a
 * minute.
 *
 * The header names the columns, "date","Temperature",..., but each row
 * starts with an extra index column the header does not name, so row
 * field i + 1 is header column i.  The times carry no zone; they are read
 * in the zone of the site the readings go to.  Light, humidity ratio and
 * occupancy are not imported.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 16

enum { TEMPERATURE, HUMIDITY, CO2 };

static const struct import_point_def occupancy_points[] = {
	[TEMPERATURE] = {"room1/temperature", "temperature", "degC", 60},
	[HUMIDITY] = {"room1/humidity", "humidity", "%RH", 60},
	[CO2] = {"room1/co2", "co2", "ppm", 60},
};

static const char *const occupancy_columns[] = {
	[TEMPERATURE] = "Temperature",
	[HUMIDITY] = "Humidity",
	[CO2] = "CO2",
};

/* True for a run of decimal digits, the row index. */
static bool is_index(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int occupancy_parse(struct import_parse *p)
{
	char *f[MAX_FIELDS], *line;
	int col[G_N_ELEMENTS(occupancy_columns)];
	int nheader, date;

	line = import_next_line(p);
	if (!line) {
		snprintf(p->err, sizeof p->err, "%s: empty file", p->path);
		return IMPORT_BAD_INPUT;
	}
	nheader = import_csv_split(line, f, MAX_FIELDS - 1);
	date = nheader > 0 ? import_csv_find(f, nheader, "date") : -1;
	if (date < 0)
		return import_fail(p, "no \"date\" column in the header: not "
				   "a UCI occupancy file");
	for (size_t i = 0; i < G_N_ELEMENTS(occupancy_columns); i++) {
		col[i] = import_csv_find(f, nheader, occupancy_columns[i]);
		if (col[i] < 0)
			return import_fail(p, "no \"%s\" column in the header",
					   occupancy_columns[i]);
	}

	while ((line = import_next_line(p))) {
		struct import_civil c;
		int rc, n;

		if (import_blank_tail(p, line))
			break;
		n = import_csv_split(line, f, MAX_FIELDS);
		if (n != nheader + 1 || !is_index(f[0]))
			return import_fail(p, "expected a row index and then "
					   "the header's %d fields", nheader);
		if (import_civil_parse(f[date + 1], &c))
			return import_fail(p, "bad time '%s', expected "
					   "YYYY-MM-DD HH:MM:SS", f[date + 1]);

		/* Past the index, row field i + 1 is header column i. */
		rc = import_row_values(p, f + 1, col, occupancy_columns,
				       G_N_ELEMENTS(occupancy_columns),
				       import_civil_to_unix(p->tz, &c));
		if (rc)
			return rc;
	}
	return 0;
}

const struct import_format import_format_occupancy = {
	.name = "uci-occupancy",
	.about = "UCI Occupancy Detection: room temperature, humidity, CO2",
	.site = "room1",
	.site_kind = "room",
	.tz = "Asia/Tokyo",
	.tz_from_site = true,
	.points = occupancy_points,
	.npoints = G_N_ELEMENTS(occupancy_points),
	.parse = occupancy_parse,
};
