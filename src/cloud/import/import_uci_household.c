/*
 * import_uci_household.c - the UCI "Individual household electric power
 * consumption" data set: one house in Sceaux (France), one row a minute.
 *
 * "Date;Time;Global_active_power;...": ';'-separated, dates D/M/YYYY,
 * times HH:MM:SS, local time in Europe/Paris; a row's time starts its
 * minute.  A value '?' is a missing measurement: it is not stored (and
 * never read as 0), and the file's count of them is reported.
 *
 * The three sub-meters are written as energy in Wh per minute.  akari
 * stores them as the mean power over that minute instead, in kW, like
 * every other power point: Wh/min x 60 / 1000, so 18 Wh/min = 1.08 kW.
 * A day's kWh is then what analytics integrates, as for the total.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 16
#define WH_PER_MIN_KW (60.0 / 1000.0)

enum {
	ACTIVE, REACTIVE, VOLTAGE, INTENSITY, SUB1, SUB2, SUB3, NPOINTS
};

static const struct import_point_def household_points[] = {
	[ACTIVE] = {"sceaux/active_power", "power", "kW", 60},
	[REACTIVE] = {"sceaux/reactive_power", "reactive_power", "kvar", 60},
	[VOLTAGE] = {"sceaux/voltage", "voltage", "V", 60},
	[INTENSITY] = {"sceaux/current", "current", "A", 60},
	[SUB1] = {"sceaux/kitchen", "power", "kW", 60},
	[SUB2] = {"sceaux/laundry", "power", "kW", 60},
	[SUB3] = {"sceaux/water_heater_ac", "power", "kW", 60},
};

static const struct {
	const char *name;
	double scale;		/* file unit to the point's */
} household_columns[] = {
	[ACTIVE] = {"Global_active_power", 1.0},
	[REACTIVE] = {"Global_reactive_power", 1.0},
	[VOLTAGE] = {"Voltage", 1.0},
	[INTENSITY] = {"Global_intensity", 1.0},
	[SUB1] = {"Sub_metering_1", WH_PER_MIN_KW},
	[SUB2] = {"Sub_metering_2", WH_PER_MIN_KW},
	[SUB3] = {"Sub_metering_3", WH_PER_MIN_KW},
};

G_STATIC_ASSERT(G_N_ELEMENTS(household_points) == NPOINTS);
G_STATIC_ASSERT(G_N_ELEMENTS(household_columns) == NPOINTS);

/* "1/2/2007" and "00:01:00": day first, time zero-padded. */
static int household_time(const char *date, const char *time,
			  struct import_civil *c)
{
	char parts[16], ymd[32];
	char *f[4];
	int n;

	if (strlen(date) > 10 || strlen(time) != 8)
		return -1;
	g_strlcpy(parts, date, sizeof parts);
	n = import_split_plain(parts, '/', f, 4);
	if (n != 3 || strlen(f[2]) != 4)
		return -1;
	/* Reordered to the Y/M/D form the strict reader takes. */
	snprintf(ymd, sizeof ymd, "%s/%s/%s %s", f[2], f[1], f[0], time);
	return import_civil_parse_slashed_dt(ymd, c);
}

static int household_parse(struct import_parse *p)
{
	char *f[MAX_FIELDS], *line;
	int col[NPOINTS], nfields;

	line = import_next_line(p);
	nfields = line ? import_split_plain(line, ';', f, MAX_FIELDS) : -1;
	if (nfields < 2 || strcmp(f[0], "Date") || strcmp(f[1], "Time"))
		return import_fail(p, "expected the header 'Date;Time;"
				   "Global_active_power;...'");
	for (int i = 0; i < NPOINTS; i++) {
		col[i] = import_csv_find(f, nfields, household_columns[i].name);
		if (col[i] < 2)
			return import_fail(p, "no '%s' column in the header",
					   household_columns[i].name);
	}

	while ((line = import_next_line(p))) {
		struct import_civil c;
		int64_t ts;
		int n;

		if (import_blank_tail(p, line))
			break;
		n = import_split_plain(line, ';', f, MAX_FIELDS);
		if (n != nfields)
			return import_fail(p, "row has %d fields, the header "
					   "%d", n, nfields);
		if (household_time(f[0], f[1], &c))
			return import_fail(p, "bad date and time '%s;%s', "
					   "expected D/M/YYYY;HH:MM:SS", f[0],
					   f[1]);
		ts = import_civil_to_unix(p->tz, &c);
		for (int i = 0; i < NPOINTS; i++) {
			double v;
			int rc;

			if (!strcmp(f[col[i]], "?")) {
				import_drop(p, "'?' (no measurement)");
				continue;
			}
			rc = import_value(p, f[col[i]],
					  household_columns[i].name, &v);
			if (rc < 0)
				return rc;
			if (rc == 0)
				import_row_add(p, i, ts,
					       v * household_columns[i].scale);
		}
	}
	return 0;
}

const struct import_format import_format_uci_household = {
	.name = "uci-household",
	.about = "UCI household power, Sceaux: 1 min, ';', '?' missing",
	.site = "sceaux",
	.site_kind = "home",
	.tz = "Europe/Paris",
	.points = household_points,
	.npoints = NPOINTS,
	.parse = household_parse,
};
