/*
 * import_tepco_mix.c - TEPCO Power Grid's area supply and demand by
 * source (エリア需給実績), one month of 30-minute MW averages.
 *
 * The first line is a unit row ("単位[MW平均],,,供給力"), then the header
 * "DATE,TIME,エリア需要,原子力,..." and one row per half hour.  Columns
 * are found by their Japanese names, so a column TEPCO adds or moves
 * does not feed a wrong point.  Times are JST and start the interval.
 * Pumped storage is negative while it pumps, and the interconnectors
 * negative while they export: both signs are real and kept.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define MW_KW 1000.0
#define MAX_FIELDS 32
#define UNIT_MARK "単位[MW平均]"

enum {
	DEMAND, NUCLEAR, LNG, COAL, OIL, THERMAL_OTHER, HYDRO, GEOTHERMAL,
	BIOMASS, SOLAR, SOLAR_CURTAILED, WIND, WIND_CURTAILED, PUMPED,
	BATTERY, INTERCONNECT, OTHER, TOTAL, NPOINTS
};

static const struct import_point_def mix_points[] = {
	[DEMAND] = {"tepco/mix/demand", "power", "kW", 1800},
	[NUCLEAR] = {"tepco/mix/nuclear", "power", "kW", 1800},
	[LNG] = {"tepco/mix/lng", "power", "kW", 1800},
	[COAL] = {"tepco/mix/coal", "power", "kW", 1800},
	[OIL] = {"tepco/mix/oil", "power", "kW", 1800},
	[THERMAL_OTHER] = {"tepco/mix/thermal_other", "power", "kW", 1800},
	[HYDRO] = {"tepco/mix/hydro", "power", "kW", 1800},
	[GEOTHERMAL] = {"tepco/mix/geothermal", "power", "kW", 1800},
	[BIOMASS] = {"tepco/mix/biomass", "power", "kW", 1800},
	[SOLAR] = {"tepco/mix/solar", "power", "kW", 1800},
	[SOLAR_CURTAILED] = {"tepco/mix/solar_curtailed", "power", "kW",
			     1800},
	[WIND] = {"tepco/mix/wind", "power", "kW", 1800},
	[WIND_CURTAILED] = {"tepco/mix/wind_curtailed", "power", "kW", 1800},
	[PUMPED] = {"tepco/mix/pumped_storage", "power", "kW", 1800},
	[BATTERY] = {"tepco/mix/battery", "power", "kW", 1800},
	[INTERCONNECT] = {"tepco/mix/interconnect", "power", "kW", 1800},
	[OTHER] = {"tepco/mix/other", "power", "kW", 1800},
	[TOTAL] = {"tepco/mix/total", "power", "kW", 1800},
};

static const char *const mix_columns[] = {
	[DEMAND] = "エリア需要",
	[NUCLEAR] = "原子力",
	[LNG] = "火力(LNG)",
	[COAL] = "火力(石炭)",
	[OIL] = "火力(石油)",
	[THERMAL_OTHER] = "火力(その他)",
	[HYDRO] = "水力",
	[GEOTHERMAL] = "地熱",
	[BIOMASS] = "バイオマス",
	[SOLAR] = "太陽光発電実績",
	[SOLAR_CURTAILED] = "太陽光出力制御量",
	[WIND] = "風力発電実績",
	[WIND_CURTAILED] = "風力出力制御量",
	[PUMPED] = "揚水",
	[BATTERY] = "蓄電池",
	[INTERCONNECT] = "連系線",
	[OTHER] = "その他",
	[TOTAL] = "合計",
};

G_STATIC_ASSERT(G_N_ELEMENTS(mix_points) == NPOINTS);
G_STATIC_ASSERT(G_N_ELEMENTS(mix_columns) == NPOINTS);

static int mix_header(struct import_parse *p, int *col, int *nfields)
{
	char *f[MAX_FIELDS], *line;
	int n;

	/* The unit row is checked, as MW is what the scale assumes. */
	line = import_next_line(p);
	if (!line || strncmp(line, UNIT_MARK, strlen(UNIT_MARK)))
		return import_fail(p, "expected the unit row '" UNIT_MARK
				   ",...': not a TEPCO area supply file");
	line = import_next_line(p);
	n = line ? import_csv_split(line, f, MAX_FIELDS) : 0;
	if (n < 3 || strcmp(f[0], "DATE") || strcmp(f[1], "TIME"))
		return import_fail(p, "expected the header 'DATE,TIME,"
				   "エリア需要,...'");
	for (int i = 0; i < NPOINTS; i++) {
		col[i] = import_csv_find(f, n, mix_columns[i]);
		if (col[i] < 2)
			return import_fail(p, "no '%s' column in the header",
					   mix_columns[i]);
	}
	*nfields = n;
	return 0;
}

static int mix_parse(struct import_parse *p)
{
	char *f[MAX_FIELDS], *line;
	int col[NPOINTS], nfields = 0, rc;

	rc = mix_header(p, col, &nfields);
	if (rc)
		return rc;

	while ((line = import_next_line(p))) {
		struct import_civil c;
		int64_t ts;
		int n;

		if (import_blank_tail(p, line))
			break;
		n = import_csv_split(line, f, MAX_FIELDS);
		if (n != nfields)
			return import_fail(p, "row has %d fields, the header "
					   "%d", n, nfields);
		if (import_civil_parse_slashed(f[0], f[1], &c))
			return import_fail(p, "bad date and time '%s,%s'",
					   f[0], f[1]);
		ts = import_civil_to_unix(p->tz, &c);
		for (int i = 0; i < NPOINTS; i++) {
			double v;

			rc = import_value(p, f[col[i]], mix_columns[i], &v);
			if (rc < 0)
				return rc;
			if (rc == 0)
				import_row_add(p, i, ts, v * MW_KW);
		}
	}
	return 0;
}

const struct import_format import_format_tepco_mix = {
	.name = "tepco-mix",
	.about = "TEPCO area supply by source (UTF-8), 30 min, MW",
	.site = "tepco",
	.site_kind = "grid",
	.tz = "Asia/Tokyo",
	.points = mix_points,
	.npoints = NPOINTS,
	.parse = mix_parse,
};
