/*
 * import_nrel_pv.c - one PV system's AC power as NREL publishes it
 * (through the pvanalytics project): "measured_on,ac_power", 15-minute.
 *
 * Each time carries its own offset ("2016-07-01 00:00:00-07:00"): the
 * SERF system logs Mountain Standard Time all year, so a July time is
 * -07:00 although Denver's clock then says -06:00.  The offset in the
 * file decides the instant; the site's zone only places local days.
 * Watts become kW.  At night the inverter's standby draw makes the
 * value slightly negative (about -3 W): that is a real reading and is
 * kept, so a day's energy includes the night's small loss.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 8
#define W_KW 0.001

static const struct import_point_def nrel_points[] = {
	{"nrel-serf/ac_power", "power", "kW", 900},
};

static int nrel_parse(struct import_parse *p)
{
	char *f[MAX_FIELDS], *line;
	int tcol, vcol, nfields;

	line = import_next_line(p);
	nfields = line ? import_csv_split(line, f, MAX_FIELDS) : -1;
	tcol = nfields > 0 ? import_csv_find(f, nfields, "measured_on") : -1;
	vcol = nfields > 0 ? import_csv_find(f, nfields, "ac_power") : -1;
	if (tcol < 0 || vcol < 0)
		return import_fail(p, "expected the header "
				   "'measured_on,ac_power'");

	while ((line = import_next_line(p))) {
		int64_t ts;
		double v;
		int n, rc;

		if (import_blank_tail(p, line))
			break;
		n = import_csv_split(line, f, MAX_FIELDS);
		if (n != nfields)
			return import_fail(p, "row has %d fields, the header "
					   "%d", n, nfields);
		if (import_time_offset_parse(f[tcol], &ts))
			return import_fail(p, "bad time '%s', expected "
					   "YYYY-MM-DD HH:MM:SS+HH:MM",
					   f[tcol]);
		rc = import_value(p, f[vcol], "ac_power", &v);
		if (rc < 0)
			return rc;
		if (rc == 0)
			import_row_add(p, 0, ts, v * W_KW);
	}
	return 0;
}

const struct import_format import_format_nrel_pv = {
	.name = "nrel-pv",
	.about = "NREL PV AC power (measured_on,ac_power), 15 min, W",
	.site = "nrel-serf",
	.site_kind = "pv",
	.tz = "America/Denver",
	.points = nrel_points,
	.npoints = G_N_ELEMENTS(nrel_points),
	.parse = nrel_parse,
};
