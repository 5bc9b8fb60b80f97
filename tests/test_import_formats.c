/*
 * test_import_formats.c - the later importers, data-driven like
 * test_import.c: small files under tests/data/import/ cut from the real
 * samples in data/ (same bytes; the few edited rows are named below),
 * the readings each line must give worked out by hand, malformed files
 * with the "FILE:LINE: ..." each must give.  Then the generic csv
 * format's map, and the driver: counted drops, and a CSV body sent as
 * a device, which may write only its own site's existing points.
 *
 * Zones: TEPCO and JMA are JST (UTC+9); Sceaux is CET (UTC+1) in
 * February; the NREL times carry their own -07:00; ACN times are GMT.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "cloud/import/import.h"
#include "cloud/import/import_internal.h"
#include "cloud/ingest/ingest.h"
#include "cloud/units/units.h"
#include "cloud/store/store.h"
#include "core/timeutil.h"

struct want {
	const char *point;
	const char *utc;	/* the reading's instant */
	double value;
	int line;		/* line of the test file */
};

/* Reads file name as format f in the format's zone. */
static int read_file(const struct import_format *f, const char *name,
		     struct import_rows *rows, char *err, size_t errlen)
{
	GTimeZone *zone = core_tz_new(f->tz);
	char *path = test_data_path("import", name);
	int rc;

	rc = import_read(f, path, zone, rows, err, errlen);
	g_free(path);
	g_time_zone_unref(zone);
	return rc;
}

/* The rows must be want, in order, and nothing else. */
static void check_rows(const struct import_format *f, const char *name,
		       const struct want *want, size_t nwant,
		       size_t dropped, int dropped_line)
{
	char err[512] = "";
	struct import_rows rows;
	int rc;

	rc = read_file(f, name, &rows, err, sizeof err);
	CHECK_AT(rc == 0, "%s: rc %d: %s", name, rc, err);
	CHECK_AT(rows.n == nwant, "%s: %zu rows, want %zu", name, rows.n,
		 nwant);
	for (size_t i = 0; i < rows.n && i < nwant; i++) {
		const struct import_row *r = &rows.v[i];

		CHECK_AT(!strcmp(f->points[r->point].key, want[i].point),
			 "%s row %zu: point %s, want %s", name, i,
			 f->points[r->point].key, want[i].point);
		CHECK_AT(r->ts == test_utc(want[i].utc),
			 "%s row %zu (%s): ts %lld, want %s", name, i,
			 want[i].point, (long long)r->ts, want[i].utc);
		CHECK_DBL(r->value, want[i].value, 1e-9);
		CHECK_AT(r->line == want[i].line, "%s row %zu: line %d, want "
			 "%d", name, i, r->line, want[i].line);
	}
	CHECK_INT(rows.dropped, dropped);
	CHECK_INT(rows.dropped_line, dropped_line);
	import_rows_finish(&rows);
}

#define FMT(name) import_format_find(name)

/*
 * tepco_mix_cut.csv: the unit row, the header and lines 3-4 of
 * eria_jukyu_202407_03.csv.  0:00 JST on 2024-07-01 = 06-30T15:00Z;
 * MW x 1000 = kW.  Line 4's pumped storage is -690 MW (pumping).
 */
#define MIX(k, t, v, l) {"tepco/mix/" k, t, (v) * 1000.0, l}
#define T3 "2024-06-30T15:00:00Z"
#define T4 "2024-06-30T15:30:00Z"
static const struct want mix_cut[] = {
	/* 2024/7/1,0:00,26154,0,9375,6918,453,1508,1510,0,518,0,0,209,0,
	 * 152,0,5346,166,26155 */
	MIX("demand", T3, 26154, 3), MIX("nuclear", T3, 0, 3),
	MIX("lng", T3, 9375, 3), MIX("coal", T3, 6918, 3),
	MIX("oil", T3, 453, 3), MIX("thermal_other", T3, 1508, 3),
	MIX("hydro", T3, 1510, 3), MIX("geothermal", T3, 0, 3),
	MIX("biomass", T3, 518, 3), MIX("solar", T3, 0, 3),
	MIX("solar_curtailed", T3, 0, 3), MIX("wind", T3, 209, 3),
	MIX("wind_curtailed", T3, 0, 3), MIX("pumped_storage", T3, 152, 3),
	MIX("battery", T3, 0, 3), MIX("interconnect", T3, 5346, 3),
	MIX("other", T3, 166, 3), MIX("total", T3, 26155, 3),
	/* 2024/7/1,0:30,25216,0,9271,6921,453,1452,1511,0,516,0,0,221,0,
	 * -690,0,5353,208,25216 */
	MIX("demand", T4, 25216, 4), MIX("nuclear", T4, 0, 4),
	MIX("lng", T4, 9271, 4), MIX("coal", T4, 6921, 4),
	MIX("oil", T4, 453, 4), MIX("thermal_other", T4, 1452, 4),
	MIX("hydro", T4, 1511, 4), MIX("geothermal", T4, 0, 4),
	MIX("biomass", T4, 516, 4), MIX("solar", T4, 0, 4),
	MIX("solar_curtailed", T4, 0, 4), MIX("wind", T4, 221, 4),
	MIX("wind_curtailed", T4, 0, 4), MIX("pumped_storage", T4, -690, 4),
	MIX("battery", T4, 0, 4), MIX("interconnect", T4, 5353, 4),
	MIX("other", T4, 208, 4), MIX("total", T4, 25216, 4),
};

/*
 * uci_household_cut.txt: the header, lines 2 and 79 of the real file,
 * then a row in the form the full data set gives a missing minute
 * (six '?' and an empty last field), and a blank line.  1/2/2007 00:00
 * CET = 01-31T23:00Z.  Sub-meters: Wh per minute x 60 / 1000 = kW, so
 * 2.000 Wh/min = 0.12 kW.
 */
#define UCI(k, t, v, l) {"sceaux/" k, t, v, l}
static const struct want uci_cut[] = {
	/* 1/2/2007;00:00:00;0.326;0.128;243.150;1.400;0.000;0.000;0.000 */
	UCI("active_power", "2007-01-31T23:00:00Z", 0.326, 2),
	UCI("reactive_power", "2007-01-31T23:00:00Z", 0.128, 2),
	UCI("voltage", "2007-01-31T23:00:00Z", 243.15, 2),
	UCI("current", "2007-01-31T23:00:00Z", 1.4, 2),
	UCI("kitchen", "2007-01-31T23:00:00Z", 0, 2),
	UCI("laundry", "2007-01-31T23:00:00Z", 0, 2),
	UCI("water_heater_ac", "2007-01-31T23:00:00Z", 0, 2),
	/* 1/2/2007;01:17:00;0.418;0.254;243.080;2.000;0.000;2.000;0.000 */
	UCI("active_power", "2007-02-01T00:17:00Z", 0.418, 3),
	UCI("reactive_power", "2007-02-01T00:17:00Z", 0.254, 3),
	UCI("voltage", "2007-02-01T00:17:00Z", 243.08, 3),
	UCI("current", "2007-02-01T00:17:00Z", 2.0, 3),
	UCI("kitchen", "2007-02-01T00:17:00Z", 0, 3),
	UCI("laundry", "2007-02-01T00:17:00Z", 0.12, 3),
	UCI("water_heater_ac", "2007-02-01T00:17:00Z", 0, 3),
};

/*
 * nrel_cut.csv: the header, lines 2 and 50, and the file's blank tail.
 * 00:00-07:00 = 07:00Z, -2.8601 W (standby, kept) = -0.0028601 kW;
 * 12:00-07:00 = 19:00Z, 3404.3 W = 3.4043 kW.
 */
static const struct want nrel_cut[] = {
	{"nrel-serf/ac_power", "2016-07-01T07:00:00Z", -0.0028601, 2},
	{"nrel-serf/ac_power", "2016-07-01T19:00:00Z", 3.4043, 3},
};

/*
 * jma_cut.csv: the six header lines of the real file, then its rows for
 * 2025/1/1 1:00, 1/2 00:00, 1/6 12:00, 1/6 16:00 and 1/16 21:00.  Each
 * ends an hour; the reading is stored at the hour's start, in JST:
 *   line 7   2025/1/1 1:00:00 -> 00:00 JST = 2024-12-31T15:00Z
 *   line 8   2025/1/2 00:00:00 -> 1/1 23:00 JST = 2025-01-01T14:00Z
 *   line 9   2025/1/6 12:00:00 -> 11:00 JST = 02:00Z
 *   line 10  2025/1/6 16:00:00 -> 15:00 JST = 06:00Z
 *   line 11  2025/1/16 21:00:00 -> 20:00 JST = 11:00Z
 * Columns: temperature, rain, sunshine, wind speed, direction, radiation.
 * Directions: 北西 = 14 x 22.5 = 315, 北北西 = 337.5, 北北東 = 22.5;
 * line 11 is 静穏 (calm): no direction.
 */
#define JMA(k, t, v, l) {"jma-tokyo/" k, t, v, l}
static const struct want jma_cut[] = {
	/* 5.5 | 0 (現象なし 1) | 0 (1) | 3.3 | 北西 | 0 */
	JMA("temperature", "2024-12-31T15:00:00Z", 5.5, 7),
	JMA("precipitation", "2024-12-31T15:00:00Z", 0, 7),
	JMA("sunshine", "2024-12-31T15:00:00Z", 0, 7),
	JMA("wind_speed", "2024-12-31T15:00:00Z", 3.3, 7),
	JMA("wind_direction", "2024-12-31T15:00:00Z", 315, 7),
	JMA("solar_radiation", "2024-12-31T15:00:00Z", 0, 7),
	/* 4.9 | 0 | 0 | 0.6 | 北北西 | 0 */
	JMA("temperature", "2025-01-01T14:00:00Z", 4.9, 8),
	JMA("precipitation", "2025-01-01T14:00:00Z", 0, 8),
	JMA("sunshine", "2025-01-01T14:00:00Z", 0, 8),
	JMA("wind_speed", "2025-01-01T14:00:00Z", 0.6, 8),
	JMA("wind_direction", "2025-01-01T14:00:00Z", 337.5, 8),
	JMA("solar_radiation", "2025-01-01T14:00:00Z", 0, 8),
	/* 7.8 | 0.0 (現象なし 0) | 0.2 | 1.7 | 北北東 | 1.09 */
	JMA("temperature", "2025-01-06T02:00:00Z", 7.8, 9),
	JMA("precipitation", "2025-01-06T02:00:00Z", 0, 9),
	JMA("sunshine", "2025-01-06T02:00:00Z", 0.2, 9),
	JMA("wind_speed", "2025-01-06T02:00:00Z", 1.7, 9),
	JMA("wind_direction", "2025-01-06T02:00:00Z", 22.5, 9),
	JMA("solar_radiation", "2025-01-06T02:00:00Z", 1.09, 9),
	/* 5.1 | 1.0 | 0.0 | 3.0 | 北北西 | 0.05 */
	JMA("temperature", "2025-01-06T06:00:00Z", 5.1, 10),
	JMA("precipitation", "2025-01-06T06:00:00Z", 1.0, 10),
	JMA("sunshine", "2025-01-06T06:00:00Z", 0, 10),
	JMA("wind_speed", "2025-01-06T06:00:00Z", 3.0, 10),
	JMA("wind_direction", "2025-01-06T06:00:00Z", 337.5, 10),
	JMA("solar_radiation", "2025-01-06T06:00:00Z", 0.05, 10),
	/* 3.1 | 0 | 0 | 0.2 | 静穏 | 0 */
	JMA("temperature", "2025-01-16T11:00:00Z", 3.1, 11),
	JMA("precipitation", "2025-01-16T11:00:00Z", 0, 11),
	JMA("sunshine", "2025-01-16T11:00:00Z", 0, 11),
	JMA("wind_speed", "2025-01-16T11:00:00Z", 0.2, 11),
	JMA("solar_radiation", "2025-01-16T11:00:00Z", 0, 11),
};

/*
 * jma_quality.csv: the header and the first two rows of jma_cut.csv,
 * edited: line 7's temperature quality is 5 (準正常) instead of 8, so
 * that value is skipped and counted; line 8's sunshine cell is empty
 * with 現象なし 1, a real 0.
 */
static const struct want jma_quality[] = {
	JMA("precipitation", "2024-12-31T15:00:00Z", 0, 7),
	JMA("sunshine", "2024-12-31T15:00:00Z", 0, 7),
	JMA("wind_speed", "2024-12-31T15:00:00Z", 3.3, 7),
	JMA("wind_direction", "2024-12-31T15:00:00Z", 315, 7),
	JMA("solar_radiation", "2024-12-31T15:00:00Z", 0, 7),
	JMA("temperature", "2025-01-01T14:00:00Z", 4.9, 8),
	JMA("precipitation", "2025-01-01T14:00:00Z", 0, 8),
	JMA("sunshine", "2025-01-01T14:00:00Z", 0, 8),
	JMA("wind_speed", "2025-01-01T14:00:00Z", 0.6, 8),
	JMA("wind_direction", "2025-01-01T14:00:00Z", 337.5, 8),
	JMA("solar_radiation", "2025-01-01T14:00:00Z", 0, 8),
};

/*
 * acn_cut.json: the first three sessions of the real file, starting on
 * lines 2, 14 and 26 (GMT):
 *   S1 conn 05-01 20:42:47, disc 21:32:12, done null     30.936 kWh
 *      charging 20:42:47-21:32:12 = 2965 s: 1033 s in hour 20, 1932 in 21
 *   S2 conn 21:56:16, done 22:40:43 (disc 22:40:48)       2.476 kWh
 *      2667 s: 224 s in hour 21, 2443 s in hour 22
 *   S3 conn 05-02 01:50:10, disc 04:12:59, done null      53.82 kWh
 *      8569 s: 590 s in hour 1, 3600 in 2 and 3, 779 in 4
 * Hours 20:00 (first connection) to 04:00 (last disconnection): nine,
 * each with the sessions begun in it and kWh in it / 1 h as kW.  An
 * hour no session touches names the array's line, 1.
 */
#define EV(t, n, kw, l) {"acn-jpl/ev_sessions", t, n, l}, \
	{"acn-jpl/ev_power", t, kw, l}
static const struct want acn_cut[] = {
	EV("2021-05-01T20:00:00Z", 1, 30.936 * 1033 / 2965, 2),
	EV("2021-05-01T21:00:00Z", 1,
	   30.936 * 1932 / 2965 + 2.476 * 224 / 2667, 2),
	EV("2021-05-01T22:00:00Z", 0, 2.476 * 2443 / 2667, 14),
	EV("2021-05-01T23:00:00Z", 0, 0, 1),
	EV("2021-05-02T00:00:00Z", 0, 0, 1),
	EV("2021-05-02T01:00:00Z", 1, 53.82 * 590 / 8569, 26),
	EV("2021-05-02T02:00:00Z", 0, 53.82 * 3600 / 8569, 26),
	EV("2021-05-02T03:00:00Z", 0, 53.82 * 3600 / 8569, 26),
	EV("2021-05-02T04:00:00Z", 0, 53.82 * 779 / 8569, 26),
};

/*
 * bms_export.csv, made by hand as a building-management export:
 *   1 Date,Time,Hall kW,Hall temp,Note
 *   2 2024/4/1,0:00,12.5,21.0,ok      0:00 JST = 03-31T15:00Z
 *   3 2024/4/1,0:30,"13",-,"a, b"     '-' is the map's missing text
 *   4 (blank)
 *   5 2024/4/1,1:00,,20.5,            no power reading
 */
#define BMS_MAP "date=0,time=1,tz=Asia/Tokyo,missing=-," \
	"point:hall/power=2,unit=kW,step=1800,point:hall/temp=3,unit=degC"
static const struct want bms_cut[] = {
	{"hall/power", "2024-03-31T15:00:00Z", 12.5, 2},
	{"hall/temp", "2024-03-31T15:00:00Z", 21.0, 2},
	{"hall/power", "2024-03-31T15:30:00Z", 13, 3},
	{"hall/temp", "2024-03-31T16:00:00Z", 20.5, 5},
};

static void test_good_files(void)
{
	struct import_format *bms = NULL;
	char err[256] = "";

	check_rows(FMT("tepco-mix"), "tepco_mix_cut.csv", mix_cut,
		   G_N_ELEMENTS(mix_cut), 0, 0);
	/* Line 4: six '?', one per value but the empty last one. */
	check_rows(FMT("uci-household"), "uci_household_cut.txt", uci_cut,
		   G_N_ELEMENTS(uci_cut), 6, 4);
	check_rows(FMT("nrel-pv"), "nrel_cut.csv", nrel_cut,
		   G_N_ELEMENTS(nrel_cut), 0, 0);
	check_rows(FMT("jma-hourly"), "jma_cut.csv", jma_cut,
		   G_N_ELEMENTS(jma_cut), 0, 0);
	check_rows(FMT("jma-hourly"), "jma_quality.csv", jma_quality,
		   G_N_ELEMENTS(jma_quality), 1, 7);
	check_rows(FMT("acn-ev"), "acn_cut.json", acn_cut,
		   G_N_ELEMENTS(acn_cut), 0, 0);

	CHECK_INT(import_csv_format_new(BMS_MAP, NULL, NULL, &bms, err,
					sizeof err), IMPORT_OK);
	if (bms) {
		CHECK_STR(bms->site, "hall");
		CHECK_STR(bms->points[0].quantity, "power");
		CHECK_INT(bms->points[0].step_s, 1800);
		CHECK_STR(bms->points[1].quantity, "temperature");
		check_rows(bms, "bms_export.csv", bms_cut,
			   G_N_ELEMENTS(bms_cut), 1, 3);
	}
	import_csv_format_free(bms);
}

struct bad {
	const char *fmt;	/* a format name, or NULL for BMS_MAP */
	const char *file;
	const char *msg;	/* what follows "PATH" */
	bool prefix;		/* msg is only the start of it */
};

static const struct bad bad_files[] = {
	/* line 4 lost its last field */
	{"tepco-mix", "tepco_mix_short.csv",
	 ":4: row has 19 fields, the header 20", false},
	/* the header without the unit row above it */
	{"tepco-mix", "tepco_mix_no_unit.csv",
	 ":1: expected the unit row '単位[MW平均],...': not a TEPCO area "
	 "supply file", false},
	/* 2007 is no leap year */
	{"uci-household", "uci_household_bad_date.txt",
	 ":2: bad date and time '29/2/2007;00:00:00', expected "
	 "D/M/YYYY;HH:MM:SS", false},
	/* line 3 lost its offset: no instant */
	{"nrel-pv", "nrel_no_offset.csv",
	 ":3: bad time '2016-07-01 00:15:00', expected "
	 "YYYY-MM-DD HH:MM:SS+HH:MM", false},
	{"jma-hourly", "jma_bad_direction.csv",
	 ":7: wind direction '北西西' is not a 16-point compass word", false},
	/* a でんき予報 file is CP932 too, but has no element row */
	{"jma-hourly", "tepco_crlf.csv",
	 ": no element row (年月日時,...): not a JMA hourly file", false},
	/* session 2 (line 14) with an ISO time */
	{"acn-ev", "acn_bad_time.json",
	 ":14: doneChargingTime '2021-05-01T22:40:43Z' is not an RFC 1123 "
	 "GMT time like 'Sat, 01 May 2021 20:42:47 GMT'", false},
	/* the comma after session 1 dropped */
	{"acn-ev", "acn_no_comma.json",
	 ":14: expected ',' or ']' after a session", false},
	/* 2 May 2021 was a Sunday */
	{"acn-ev", "acn_weekday.json",
	 ":26: connectionTime 'Mon, 02 May 2021 01:50:10 GMT' is not an RFC "
	 "1123 GMT time", true},
	/* April has 30 days */
	{NULL, "bms_bad_time.csv",
	 ":3: bad time '2024/4/31 0:30', expected YYYY-MM-DD HH:MM[:SS], "
	 "YYYY/M/D H:MM[:SS] or RFC 3339", false},
};

static void test_bad_files(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_files); i++) {
		const struct bad *b = &bad_files[i];
		struct import_format *mapped = NULL;
		const struct import_format *f;
		char *path = test_data_path("import", b->file), err[512] = "";
		char *want = g_strconcat(path, b->msg, NULL);
		struct import_rows rows;
		int rc;

		if (!b->fmt)
			import_csv_format_new(BMS_MAP, NULL, NULL, &mapped,
					      err, sizeof err);
		f = b->fmt ? FMT(b->fmt) : mapped;
		rc = f ? read_file(f, b->file, &rows, err, sizeof err) : -99;
		CHECK_AT(rc == IMPORT_BAD_INPUT, "%s: rc %d", b->file, rc);
		CHECK_INT(rows.n, 0);
		test_check_message(err, want, b->prefix);
		import_csv_format_free(mapped);
		g_free(want);
		g_free(path);
	}
}

struct bad_map {
	const char *spec;
	const char *site;	/* the device's site, or NULL */
	const char *msg;
};

static const struct bad_map bad_maps[] = {
	{"", NULL, "the column map is empty"},
	{"time=0,point:hall/power=2,unit=kW", NULL,
	 "the map needs tz=ZONE, the zone of the file's times"},
	{"time=0,tz=UTC,unit=kW", NULL,
	 "map item 'unit=kW': names no point: put it after a "
	 "point:KEY=COLUMN item"},
	{"time=x,tz=UTC,point:a/b=1,unit=kW", NULL,
	 "map item 'time=x': the column is not a number 0 to 255"},
	{"time=0,tz=UTC,point:a/b=256,unit=kW", NULL,
	 "map item 'point:a/b=256': the column is not a number 0 to 255"},
	{"time=0,tz=UTC,point:a/b=1", NULL,
	 "point 'a/b' needs unit=UNIT after it"},
	{"time=0,tz=UTC,point:a/b=1,unit=kW,point:a/b=2,unit=kW", NULL,
	 "map item 'point:a/b=2': the point is mapped twice"},
	{"time=0,tz=UTC,point:a/b=1,unit=kW,colour=red", NULL,
	 "map item 'colour=red': unknown item (see docs/import.md, csv)"},
	{"time=0,tz=UTC,point:a/b=1,unit=kW,scale=0", NULL,
	 "map item 'scale=0': is not a number other than 0"},
	{"time=0,tz=UTC,point:power=1,unit=kW", NULL,
	 "the map needs site=NAME, or point keys like SITE/NAME"},
	{"time=0,tz=UTC,point:a/b=1,unit=kW,step=-5", NULL,
	 "map item 'step=-5': is not a step in seconds (0 to 2678400)"},
	{"time=0,site=x,point:x/p=1,unit=kW", "hall",
	 "the map names site 'x', but the data goes to site 'hall'"},
	{"tz=UTC,point:a/b=1,unit=kW", NULL, "the map needs time=COLUMN"},
	{"time=0,tz=UTC", NULL, "the map needs a point:KEY=COLUMN"},
};

static void test_maps(void)
{
	struct import_format *f = NULL;
	char err[256];

	for (size_t i = 0; i < G_N_ELEMENTS(bad_maps); i++) {
		const struct bad_map *b = &bad_maps[i];

		*err = '\0';
		CHECK_INT(import_csv_format_new(b->spec, b->site, NULL, &f,
						err, sizeof err),
			  IMPORT_INVALID);
		CHECK(f == NULL);
		CHECK_STR(err, b->msg);
	}

	/* A device's site and zone fill what the map leaves out. */
	CHECK_INT(import_csv_format_new("time=0,point:hall/x=1,unit=lux",
					"hall", "Europe/Paris", &f, err,
					sizeof err), IMPORT_OK);
	if (f) {
		CHECK_STR(f->site, "hall");
		CHECK_STR(f->tz, "Europe/Paris");
		/* lux is no unit of the table: no quantity, and no point
		 * a local import could create (it_import_units.py) */
		CHECK(f->points[0].quantity == NULL);
	}
	import_csv_format_free(f);

	/* The table's csv is only a name: it cannot be imported as is. */
	CHECK(import_format_needs_map(FMT("csv")));
	CHECK(!import_format_needs_map(FMT("jma-hourly")));
	import_csv_format_free((struct import_format *)FMT("csv"));
}

/* Every point a fixed format creates pairs its quantity and unit as
 * the registry requires (units_check_point()), or no local import of
 * that format could run: the expected answer is UNITS_OK for each. */
static void test_format_units(void)
{
	const struct import_format *f;
	const char *field;
	char msg[512];
	size_t checked = 0;

	for (size_t i = 0; (f = import_format_at(i)); i++)
		for (size_t p = 0; p < f->npoints; p++) {
			const struct import_point_def *d = &f->points[p];

			field = "";
			CHECK_AT(!units_check_point(d->quantity, d->unit,
						    &field, msg, sizeof msg),
				 "%s: %s (%s in %s): %s: %s", f->name, d->key,
				 d->quantity, d->unit, field, msg);
			checked++;
		}
	/* the fixed formats' point tables are not empty */
	CHECK(checked > 0);
}

/* --- the driver on a real store ---------------------------------------- */

static char *tmp;

static void collect_message(void *ctx, const char *msg)
{
	g_string_append_printf(ctx, "%s\n", msg);
}

/* A skipped quality flag is reported once with its line and counted. */
static void test_dropped_reported(void)
{
	struct store *st = test_fresh_store(tmp, "f");
	struct import_sink *sink = NULL;
	GString *msgs = g_string_new(NULL);
	struct import_options opt = {.report = collect_message,
				     .report_ctx = msgs};
	struct import_summary sum;
	char *path = test_data_path("import", "jma_quality.csv"), *want;

	CHECK_INT(import_sink_local_create(st, &sink), IMPORT_OK);
	CHECK_INT(import_file(sink, FMT("jma-hourly"), path, &opt, &sum),
		  IMPORT_OK);
	CHECK_INT(sum.accepted, G_N_ELEMENTS(jma_quality));
	CHECK_INT(sum.dropped, 1);
	CHECK_INT(test_count_readings(st), G_N_ELEMENTS(jma_quality));
	want = g_strdup_printf("%s:7: 1 value not stored: a 品質情報 flag "
			       "other than 8 (normal) (the first on this "
			       "line)\n", path);
	CHECK_STR(msgs->str, want);

	/* The table's csv without a map is refused, not read. */
	CHECK_INT(import_file(sink, FMT("csv"), path, &opt, &sum),
		  IMPORT_INVALID);
	g_free(want);
	g_free(path);
	g_string_free(msgs, TRUE);
	import_sink_destroy(sink);
	store_close(st);
}

/* A CSV body as a device: its own site's existing points only, and the
 * registry left as it was. */
static void test_device_csv(void)
{
	static const char body[] =
	    "time,hall,other,new\n"
	    "2024-04-01 00:00,1.5,7,1\n"
	    "2024-04-01T00:30:00+09:00,2.5,8,2\n";
	struct store *st = test_fresh_store(tmp, "f");
	struct store_point p = {.kind = STORE_INSTANTANEOUS, .step_s = 1800};
	struct import_format *f = NULL;
	struct import_sink *sink = NULL;
	GString *msgs = g_string_new(NULL);
	struct import_options opt = {.report = collect_message,
				     .report_ctx = msgs};
	struct import_summary sum;
	char token[STORE_TOKEN_LEN + 1], err[256];
	int64_t dev = 0, site = 0;

	CHECK_INT(store_site_add(st, "hall", "building", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "other", "building", "Asia/Tokyo",
				 NULL), STORE_OK);
	g_strlcpy(p.quantity, "power", sizeof p.quantity);
	g_strlcpy(p.unit, "kW", sizeof p.unit);
	g_strlcpy(p.key, "hall/power", sizeof p.key);
	g_strlcpy(p.site, "hall", sizeof p.site);
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	g_strlcpy(p.key, "other/power", sizeof p.key);
	g_strlcpy(p.site, "other", sizeof p.site);
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	CHECK_INT(store_device_add(st, "hall", "bms", "gateway", token,
				   sizeof token), STORE_OK);
	CHECK_INT(store_device_auth(st, token, &dev, &site), STORE_OK);

	/* The zone comes from the device's site: 00:00 JST = 15:00Z. */
	CHECK_INT(import_csv_format_new("time=0,point:hall/power=1,unit=kW,"
					"point:other/power=2,unit=kW,"
					"point:hall/new=3,unit=kW", "hall",
					"Asia/Tokyo", &f, err, sizeof err),
		  IMPORT_OK);
	CHECK_INT(import_sink_device_create(
		      st, &(struct ingest_source){.device_id = dev,
						  .site_id = site},
		      &sink),
		  IMPORT_OK);
	if (f && sink) {
		struct store_point got;
		int64_t ts;
		double v;

		CHECK_INT(import_buffer(sink, f, "body", body,
					sizeof body - 1, &opt, &sum),
			  IMPORT_REJECTED);
		/* 2 of hall/power stored; other's 2 and new's 2 refused */
		CHECK_INT(sum.rows, 6);
		CHECK_INT(sum.accepted, 2);
		CHECK_INT(sum.rejected, 4);
		CHECK_INT(test_count_readings(st), 2);
		CHECK_INT(store_point_get(st, "hall/new", &got),
			  STORE_NOT_FOUND);
		CHECK_INT(store_point_get(st, "hall/power", &got), STORE_OK);
		CHECK_INT(store_reading_latest(st, got.id, INT64_MAX / 2, &ts,
					       &v), STORE_OK);
		CHECK_INT(ts, test_utc("2024-03-31T15:30:00Z"));
		CHECK_DBL(v, 2.5, 1e-12);
		CHECK_AT(strstr(msgs->str, "body:2: other/power at "
				"2024-04-01T00:00:00+09:00 refused") != NULL,
			 "messages: %s", msgs->str);
	}
	import_sink_destroy(sink);
	import_csv_format_free(f);
	g_string_free(msgs, TRUE);
	store_close(st);
}

int main(void)
{
	test_good_files();
	test_bad_files();
	test_maps();
	test_format_units();

	tmp = g_dir_make_tmp("akari-test-formats-XXXXXX", NULL);
	CHECK(tmp != NULL);
	if (tmp) {
		test_dropped_reported();
		test_device_csv();
		test_remove_tree(tmp);
		g_free(tmp);
	}
	return check_finish();
}
