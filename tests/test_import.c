/*
 * test_import.c - the importers, data-driven: small files under
 * tests/data/import/ cut from the real samples in data/ (same bytes, CP932
 * included), with the readings each line must give worked out by hand
 * below, and malformed files with the message each must give.  Then the
 * driver on a real store in a temporary directory: sites and points made,
 * --shift-days, --from/--to, batching, and that a bad file or a registry
 * mismatch stores nothing.
 *
 * Zones: the TEPCO file is JST (UTC+9), the Ausgrid file UTC+10 all year,
 * the occupancy file in its site's zone (Asia/Tokyo unless the site
 * exists elsewhere).  1 万kW = 10,000 kW.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "cloud/import/import.h"
#include "cloud/import/import_internal.h"
#include "cloud/store/store.h"
#include "core/timeutil.h"

#define DAY_S 86400

struct want {
	const char *point;
	const char *utc;	/* the reading's instant */
	double value;
	int line;		/* line of the test file */
};

/* Parses the file name of format fmt with times in zone tz and checks
 * the rows against want, in order. */
static void check_rows(const char *fmt, const char *name, const char *tz,
		       const struct want *want, size_t nwant)
{
	const struct import_format *f = import_format_find(fmt);
	GTimeZone *zone = core_tz_new(tz);
	char *path = test_data_path("import", name), err[512] = "";
	struct import_rows rows;
	int rc;

	rc = import_read(f, path, zone, &rows, err, sizeof err);
	CHECK_AT(rc == 0, "%s: rc %d: %s", name, rc, err);
	CHECK_AT(rows.n == nwant, "%s: %zu rows, want %zu", name, rows.n,
		 nwant);
	for (size_t i = 0; i < rows.n && i < nwant; i++) {
		const struct import_row *r = &rows.v[i];

		CHECK_STR(f->points[r->point].key, want[i].point);
		CHECK_INT(r->ts, test_utc(want[i].utc));
		CHECK_DBL(r->value, want[i].value, 1e-9);
		CHECK_INT(r->line, want[i].line);
	}
	import_rows_finish(&rows);
	g_time_zone_unref(zone);
	g_free(path);
}

/*
 * tepco_20220627_cut.csv keeps every table of 20220627_power_usage.csv
 * with three rows of each series.  Hourly, line 15..17:
 *   2022/6/27,0:00,2721,2730,82,3302   0:00 JST = 2022-06-26T15:00Z
 *   2022/6/27,9:00,4669,4623,96,4828   9:00 JST = 2022-06-27T00:00Z
 *   2022/6/27,23:00,3319,3325,71,4614 23:00 JST = 2022-06-27T14:00Z
 * columns demand, forecast, usage %, supply; 4669 万kW = 46,690,000 kW.
 * Five-minute, line 35..37 (demand, solar, solar share not imported):
 *   2022/6/27,0:00,2864,0,0
 *   2022/6/27,12:00,5090,1325,26      12:00 JST = 03:00Z
 *   2022/6/27,23:55,3184,0,0          23:55 JST = 14:55Z
 */
static const struct want tepco_cut[] = {
	{"tepco/demand_hourly", "2022-06-26T15:00:00Z", 27210000, 15},
	{"tepco/forecast_hourly", "2022-06-26T15:00:00Z", 27300000, 15},
	{"tepco/usage_hourly", "2022-06-26T15:00:00Z", 82, 15},
	{"tepco/supply_hourly", "2022-06-26T15:00:00Z", 33020000, 15},
	{"tepco/demand_hourly", "2022-06-27T00:00:00Z", 46690000, 16},
	{"tepco/forecast_hourly", "2022-06-27T00:00:00Z", 46230000, 16},
	{"tepco/usage_hourly", "2022-06-27T00:00:00Z", 96, 16},
	{"tepco/supply_hourly", "2022-06-27T00:00:00Z", 48280000, 16},
	{"tepco/demand_hourly", "2022-06-27T14:00:00Z", 33190000, 17},
	{"tepco/forecast_hourly", "2022-06-27T14:00:00Z", 33250000, 17},
	{"tepco/usage_hourly", "2022-06-27T14:00:00Z", 71, 17},
	{"tepco/supply_hourly", "2022-06-27T14:00:00Z", 46140000, 17},
	{"tepco/demand", "2022-06-26T15:00:00Z", 28640000, 35},
	{"tepco/solar", "2022-06-26T15:00:00Z", 0, 35},
	{"tepco/demand", "2022-06-27T03:00:00Z", 50900000, 36},
	{"tepco/solar", "2022-06-27T03:00:00Z", 13250000, 36},
	{"tepco/demand", "2022-06-27T14:55:00Z", 31840000, 37},
	{"tepco/solar", "2022-06-27T14:55:00Z", 0, 37},
};

/*
 * tepco_midday.csv: the same tables as a file fetched during the day, the
 * cells not yet measured left empty.  An empty cell is no reading (never
 * a 0).  Lines:
 *   3  2022/6/27,13:00,5254,5214,93,5630   13:00 JST = 04:00Z
 *   4  2022/6/27,14:00,,5236,,5745         forecast and supply only
 *   7  2022/6/27,14:00,5302,1093,20        14:00 JST = 05:00Z
 *   8  2022/6/27,14:05,,,                  nothing
 *   9  2022/6/27,14:10,,,                  nothing
 */
static const struct want tepco_midday[] = {
	{"tepco/demand_hourly", "2022-06-27T04:00:00Z", 52540000, 3},
	{"tepco/forecast_hourly", "2022-06-27T04:00:00Z", 52140000, 3},
	{"tepco/usage_hourly", "2022-06-27T04:00:00Z", 93, 3},
	{"tepco/supply_hourly", "2022-06-27T04:00:00Z", 56300000, 3},
	{"tepco/forecast_hourly", "2022-06-27T05:00:00Z", 52360000, 4},
	{"tepco/supply_hourly", "2022-06-27T05:00:00Z", 57450000, 4},
	{"tepco/demand", "2022-06-27T05:00:00Z", 53020000, 7},
	{"tepco/solar", "2022-06-27T05:00:00Z", 10930000, 7},
};

/* tepco_crlf.csv: CRLF line ends, as the format is also published.
 *   2  2022/6/27,9:00,4669,4623,96,4828
 *   5  2022/6/27,12:00,5090,1325,26 */
static const struct want tepco_crlf[] = {
	{"tepco/demand_hourly", "2022-06-27T00:00:00Z", 46690000, 2},
	{"tepco/forecast_hourly", "2022-06-27T00:00:00Z", 46230000, 2},
	{"tepco/usage_hourly", "2022-06-27T00:00:00Z", 96, 2},
	{"tepco/supply_hourly", "2022-06-27T00:00:00Z", 48280000, 2},
	{"tepco/demand", "2022-06-27T03:00:00Z", 50900000, 5},
	{"tepco/solar", "2022-06-27T03:00:00Z", 13250000, 5},
};

/*
 * ausgrid_cut.csv, lines 2..5 of the real file's 1, 2, 3, 26, 17569,
 * read at UTC+10 (00:00 +10:00 is 14:00Z the day before):
 *   2011-07-01 00:00:00,0.392,0.0
 *   2011-07-01 00:30:00,0.578,0.0
 *   2011-07-01 12:00:00,0.46799999999999997,0.226
 *   2012-06-30 23:30:00,0.45399999999999996,0.0
 */
static const struct want ausgrid_cut[] = {
	{"home12/consumption", "2011-06-30T14:00:00Z", 0.392, 2},
	{"home12/pv", "2011-06-30T14:00:00Z", 0.0, 2},
	{"home12/consumption", "2011-06-30T14:30:00Z", 0.578, 3},
	{"home12/pv", "2011-06-30T14:30:00Z", 0.0, 3},
	{"home12/consumption", "2011-07-01T02:00:00Z", 0.468, 4},
	{"home12/pv", "2011-07-01T02:00:00Z", 0.226, 4},
	{"home12/consumption", "2012-06-30T13:30:00Z", 0.454, 5},
	{"home12/pv", "2012-06-30T13:30:00Z", 0.0, 5},
};

/*
 * occupancy_cut.csv, rows 1, 2 and 910 of the real file, each with its
 * index first, so a row's fields are index, date, Temperature, Humidity,
 * Light, CO2, ...: CO2 is the 6th field, after the light level.  In
 * Asia/Tokyo 17:51 is 08:51Z:
 *   "1","2015-02-04 17:51:00",23.18,27.272,426,721.25,...
 *   "2","2015-02-04 17:51:59",23.15,27.2675,429.5,714,...
 *   "910","2015-02-05 09:00:00",21.5,24.39,454,786,...
 */
static const struct want occupancy_cut[] = {
	{"room1/temperature", "2015-02-04T08:51:00Z", 23.18, 2},
	{"room1/humidity", "2015-02-04T08:51:00Z", 27.272, 2},
	{"room1/co2", "2015-02-04T08:51:00Z", 721.25, 2},
	{"room1/temperature", "2015-02-04T08:51:59Z", 23.15, 3},
	{"room1/humidity", "2015-02-04T08:51:59Z", 27.2675, 3},
	{"room1/co2", "2015-02-04T08:51:59Z", 714, 3},
	{"room1/temperature", "2015-02-05T00:00:00Z", 21.5, 4},
	{"room1/humidity", "2015-02-05T00:00:00Z", 24.39, 4},
	{"room1/co2", "2015-02-05T00:00:00Z", 786, 4},
};

/*
 * ausgrid_tail.csv: two rows, a value too small for a double (1e-400:
 * read as 0) and a blank last line, as editors leave them.
 * occupancy_tail.csv: occupancy_cut.csv's first two rows, then a blank
 * CRLF line.  Neither blank line is a malformed row.
 */
static const struct want ausgrid_tail[] = {
	{"home12/consumption", "2011-06-30T14:00:00Z", 0.392, 2},
	{"home12/pv", "2011-06-30T14:00:00Z", 0.0, 2},
	{"home12/consumption", "2011-06-30T14:30:00Z", 0.578, 3},
	{"home12/pv", "2011-06-30T14:30:00Z", 0.0, 3},
};

static void test_good_files(void)
{
	check_rows("tepco-daily", "tepco_20220627_cut.csv", "Asia/Tokyo",
		   tepco_cut, G_N_ELEMENTS(tepco_cut));
	check_rows("tepco-daily", "tepco_midday.csv", "Asia/Tokyo",
		   tepco_midday, G_N_ELEMENTS(tepco_midday));
	check_rows("tepco-daily", "tepco_crlf.csv", "Asia/Tokyo", tepco_crlf,
		   G_N_ELEMENTS(tepco_crlf));
	check_rows("ausgrid", "ausgrid_cut.csv", "+10:00", ausgrid_cut,
		   G_N_ELEMENTS(ausgrid_cut));
	check_rows("uci-occupancy", "occupancy_cut.csv", "Asia/Tokyo",
		   occupancy_cut, G_N_ELEMENTS(occupancy_cut));
	check_rows("ausgrid", "ausgrid_tail.csv", "+10:00", ausgrid_tail,
		   G_N_ELEMENTS(ausgrid_tail));
	check_rows("uci-occupancy", "occupancy_tail.csv", "Asia/Tokyo",
		   occupancy_cut, 6);
}

struct bad {
	const char *fmt;
	const char *file;
	const char *msg;	/* what follows "PATH" */
	bool prefix;		/* msg is only the start of it */
};

static const struct bad bad_files[] = {
	/* line 3: 2022/6/27,9:00,46x9,4623,96,4828 */
	{"tepco-daily", "tepco_bad_number.csv",
	 ":3: 当日実績(万kW) value '46x9' is not a number", false},
	/* line 2: June has 30 days */
	{"tepco-daily", "tepco_bad_date.csv",
	 ":2: bad date and time '2022/6/31,0:00'", false},
	/* line 3: 2022/6/27,0:05,2854,0 under a 5-column header */
	{"tepco-daily", "tepco_short_row.csv",
	 ":3: 5-minute table row has 4 fields, its header 5", false},
	/* line 6 holds a 0xFF byte, which CP932 does not use */
	{"tepco-daily", "tepco_bad_bytes.csv", ":6: not CP932 text (", true},
	/* the first 13 lines only: peak tables, no time series */
	{"tepco-daily", "tepco_no_tables.csv",
	 ": no hourly or 5-minute table", true},
	/* the hourly header again on line 4 */
	{"tepco-daily", "tepco_twice.csv", ":4: a second hourly table", false},
	{"ausgrid", "ausgrid_bad_header.csv",
	 ":1: header is 'date,GC,GG', expected ',GC,GG'", false},
	{"ausgrid", "ausgrid_bad_time.csv",
	 ":3: bad time '2011-07-01 24:00:00', expected YYYY-MM-DD HH:MM:SS",
	 false},
	{"ausgrid", "ausgrid_short.csv", ":3: row has 2 fields, the header 3",
	 false},
	{"uci-occupancy", "occupancy_no_index.csv",
	 ":3: expected a row index and then the header's 7 fields", false},
	{"uci-occupancy", "occupancy_bad_value.csv",
	 ":2: CO2 value '721.25ppm' is not a number", false},
	/* a TEPCO file is not an Ausgrid file */
	{"ausgrid", "tepco_crlf.csv", ":1: not UTF-8 text", false},
};

static void test_bad_files(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_files); i++) {
		const struct bad *b = &bad_files[i];
		const struct import_format *f = import_format_find(b->fmt);
		GTimeZone *zone = core_tz_new(f->tz);
		char *path = test_data_path("import", b->file), err[512] = "";
		char *want = g_strconcat(path, b->msg, NULL);
		struct import_rows rows;
		int rc;

		rc = import_read(f, path, zone, &rows, err, sizeof err);
		CHECK_AT(rc == IMPORT_BAD_INPUT, "%s: rc %d", b->file, rc);
		CHECK_INT(rows.n, 0);
		test_check_message(err, want, b->prefix);
		g_free(want);
		g_free(path);
		g_time_zone_unref(zone);
	}
}

static void test_text_helpers(void)
{
	struct import_civil c;
	struct import_date d = {0};
	char line[] = "\"1\",\"a \"\"q\"\"\",,x";
	char *f[8];

	CHECK_INT(import_csv_split(line, f, 8), 4);
	CHECK_STR(f[0], "1");
	CHECK_STR(f[1], "a \"q\"");
	CHECK_STR(f[2], "");
	CHECK_STR(f[3], "x");

	CHECK_INT(import_civil_parse("2015-02-04 17:51", &c), 0);
	CHECK_INT(c.minute, 51);
	CHECK_INT(c.second, 0);
	CHECK_INT(import_civil_parse("2015-02-29 00:00:00", &c), -1);
	CHECK_INT(import_civil_parse("2015-2-04 00:00:00", &c), -1);
	CHECK_INT(import_civil_parse("2015-02-04 00:00:00 ", &c), -1);
	CHECK_INT(import_civil_parse_slashed("2022/6/27", "9:05", &c), 0);
	CHECK_INT(c.hour * 100 + c.minute, 905);
	CHECK_INT(import_civil_parse_slashed("2022/6/27", "9:5", &c), -1);

	CHECK_INT(import_date_parse("2012-06-25", &d), 0);
	CHECK_INT(d.year * 10000 + d.month * 100 + d.day, 20120625);
	CHECK_INT(import_date_parse("2012-06-31", &d), -1);
	CHECK_INT(import_date_parse("2012-06-25x", &d), -1);
}

/* --- the driver on a real store ---------------------------------------- */

static char *tmp;

struct messages {
	GString *all;
	int n;
};

static void collect_message(void *ctx, const char *msg)
{
	struct messages *m = ctx;

	g_string_append_printf(m->all, "%s\n", msg);
	m->n++;
}

/* Imports file into st as fmt with the options; messages collected. */
static int run_import(struct store *st, const char *fmt, const char *file,
		      struct import_options *opt, struct import_summary *sum,
		      struct messages *m)
{
	struct import_options none = {0};
	struct import_sink *sink = NULL;
	char *path = test_data_path("import", file);
	int rc;

	if (!opt)
		opt = &none;
	opt->report = collect_message;
	opt->report_ctx = m;
	CHECK_INT(import_sink_local_create(st, &sink), IMPORT_OK);
	rc = import_file(sink, import_format_find(fmt), path, opt, sum);
	import_sink_destroy(sink);
	g_free(path);
	return rc;
}

static struct test_series readings(struct store *st, const char *key)
{
	struct test_series s = {.n = 0};
	struct store_point p;

	if (store_point_get(st, key, &p) == STORE_OK)
		store_readings_each(st, p.id, INT64_MIN / 2, INT64_MAX / 2,
				    test_collect_reading, &s);
	return s;
}

static void test_import_tepco(void)
{
	struct store *st = test_fresh_store(tmp, "t");
	struct messages m = {g_string_new(NULL), 0};
	struct import_options opt = {.chunk_rows = 4};
	struct import_summary sum;
	struct store_site site;
	struct store_point p;
	struct test_series s;

	/* 18 readings in batches of 4: five batches, all stored. */
	CHECK_INT(run_import(st, "tepco-daily", "tepco_20220627_cut.csv", &opt,
			     &sum, &m), IMPORT_OK);
	CHECK_AT(m.n == 0, "messages: %s", m.all->str);
	CHECK_INT(sum.rows, 18);
	CHECK_INT(sum.accepted, 18);
	CHECK_INT(sum.rejected, 0);
	CHECK_INT(sum.first_ts, test_utc("2022-06-26T15:00:00Z"));
	CHECK_INT(sum.last_ts, test_utc("2022-06-27T14:55:00Z"));
	CHECK_STR(sum.tz, "Asia/Tokyo");
	CHECK_INT(test_count_readings(st), 18);

	CHECK_INT(store_site_get(st, "tepco", &site), STORE_OK);
	CHECK_STR(site.kind, "grid");
	CHECK_STR(site.tz, "Asia/Tokyo");
	CHECK_INT(store_point_get(st, "tepco/usage_hourly", &p), STORE_OK);
	CHECK_STR(p.quantity, "ratio");
	CHECK_STR(p.unit, "%");
	CHECK_INT(p.step_s, 3600);
	CHECK_INT(store_point_get(st, "tepco/solar", &p), STORE_OK);
	CHECK_STR(p.unit, "kW");
	CHECK_INT(p.step_s, 300);

	s = readings(st, "tepco/demand_hourly");
	CHECK_INT(s.n, 3);
	CHECK_INT(s.ts[1], test_utc("2022-06-27T09:00:00+09:00"));
	CHECK_DBL(s.v[1], 46690000, 0);

	/* The same file again changes nothing: last write wins. */
	CHECK_INT(run_import(st, "tepco-daily", "tepco_20220627_cut.csv", NULL,
			     &sum, &m), IMPORT_OK);
	CHECK_INT(test_count_readings(st), 18);

	g_string_free(m.all, TRUE);
	store_close(st);
}

static void test_import_shift_and_dates(void)
{
	struct store *st = test_fresh_store(tmp, "t");
	struct messages m = {g_string_new(NULL), 0};
	struct import_options opt = {.shift_days = 3654};
	struct import_summary sum;
	struct store_point p;
	struct test_series s;

	/* Shifted by 3654 days: 2011-07-01T00:00+10:00 becomes
	 * 2021-07-02T00:00+10:00 (3654 = 10 * 365 + 3 leap days + 1). */
	CHECK_INT(run_import(st, "ausgrid", "ausgrid_cut.csv", &opt, &sum, &m),
		  IMPORT_OK);
	CHECK_INT(sum.accepted, 8);
	CHECK_INT(sum.first_ts, test_utc("2021-07-02T00:00:00+10:00"));
	CHECK_STR(sum.tz, "+10:00");
	s = readings(st, "home12/consumption");
	CHECK_INT(s.n, 4);
	CHECK_INT(s.ts[0],
		  test_utc("2011-07-01T00:00:00+10:00") + 3654 * DAY_S);
	CHECK_DBL(s.v[0], 0.392, 1e-12);
	CHECK_INT(store_point_get(st, "home12/pv", &p), STORE_OK);
	CHECK_INT(p.shift_days, 3654);
	CHECK_INT(p.step_s, 1800);

	/* --from/--to name the file's own dates: only 2011-07-01 (three
	 * rows, two readings each); the 2012-06-30 row is skipped. */
	store_close(st);
	st = test_fresh_store(tmp, "t");
	opt = (struct import_options){
		.from = {2011, 7, 1}, .to = {2011, 7, 1}, .shift_days = -1,
	};
	CHECK_INT(run_import(st, "ausgrid", "ausgrid_cut.csv", &opt, &sum, &m),
		  IMPORT_OK);
	CHECK_INT(sum.rows, 8);
	CHECK_INT(sum.skipped, 2);
	CHECK_INT(sum.accepted, 6);
	CHECK_INT(sum.last_ts, test_utc("2011-06-30T12:00:00+10:00"));
	CHECK_INT(store_point_get(st, "home12/pv", &p), STORE_OK);
	CHECK_INT(p.shift_days, -1);

	/* A later import records its own shift on the points. */
	opt = (struct import_options){.from = {1990, 1, 1}, .to = {1990, 1, 1}};
	CHECK_INT(run_import(st, "ausgrid", "ausgrid_cut.csv", &opt, &sum, &m),
		  IMPORT_OK);
	CHECK_INT(sum.accepted, 0);
	CHECK_INT(store_point_get(st, "home12/pv", &p), STORE_OK);
	CHECK_INT(p.shift_days, 0);
	CHECK_AT(m.n == 0, "messages: %s", m.all->str);

	g_string_free(m.all, TRUE);
	store_close(st);
}

static void test_import_bad_file(void)
{
	struct store *st = test_fresh_store(tmp, "t");
	struct messages m = {g_string_new(NULL), 0};
	struct import_summary sum;
	struct store_site site;
	char *path = test_data_path("import", "tepco_bad_number.csv");
	char *want = g_strdup_printf("%s:3: 当日実績(万kW) value '46x9' is "
				     "not a number\n", path);

	/* Line 2 is good, line 3 is not: nothing is stored, not even the
	 * site and points. */
	CHECK_INT(run_import(st, "tepco-daily", "tepco_bad_number.csv", NULL,
			     &sum, &m), IMPORT_BAD_INPUT);
	CHECK_STR(m.all->str, want);
	CHECK_INT(sum.accepted, 0);
	CHECK_INT(test_count_readings(st), 0);
	CHECK_INT(store_site_get(st, "tepco", &site), STORE_NOT_FOUND);

	g_free(want);
	g_free(path);
	g_string_free(m.all, TRUE);
	store_close(st);
}

/*
 * Rows that the shift moves out of the years ingest stores are refused
 * one by one, and the report still names their shifted local time: with
 * --shift-days 2, 9999-12-30 00:00 at +10:00 becomes 10000-01-01, and
 * 0001-01-01 (already before 1900) becomes 0001-01-03.  GDateTime has no
 * year 10000 or 0000 (UTC), which once gave "0000-00-00T00:00:00+00:00"
 * and GLib criticals; those are fatal here.
 */
static void test_import_year_edges(void)
{
	struct store *st = test_fresh_store(tmp, "t");
	struct messages m = {g_string_new(NULL), 0};
	struct import_options opt = {.shift_days = 2};
	struct import_summary sum;
	struct test_series s;
	GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL |
						      G_LOG_LEVEL_WARNING);

	CHECK_INT(run_import(st, "ausgrid", "ausgrid_year_edges.csv", &opt,
			     &sum, &m), IMPORT_REJECTED);
	CHECK_INT(sum.accepted, 2);
	CHECK_INT(sum.rejected, 4);
	CHECK_INT(m.n, 4);
	CHECK(strstr(m.all->str, ":3: home12/consumption at "
			   "10000-01-01T00:00:00+10:00 refused") != NULL);
	CHECK(strstr(m.all->str, ":4: home12/pv at "
			   "0001-01-03T00:00:00+10:00 refused") != NULL);
	CHECK(strstr(m.all->str, "0000-00-00") == NULL);

	/* 2011-07-01 00:00 at +10:00 is 2011-06-30T14:00Z; two days on. */
	s = readings(st, "home12/consumption");
	CHECK_INT(s.n, 1);
	CHECK_INT(s.ts[0], test_utc("2011-07-02T14:00:00Z"));
	CHECK_DBL(s.v[0], 0.392, 0);

	g_log_set_always_fatal(fatal);
	g_string_free(m.all, TRUE);
	store_close(st);
}

static void test_import_registry(void)
{
	struct store *st = test_fresh_store(tmp, "t");
	struct messages m = {g_string_new(NULL), 0};
	struct import_summary sum;
	struct store_point p = {0};
	struct test_series s;
	char *path;

	/* A tepco site in another zone would put every hour wrong. */
	CHECK_INT(store_site_add(st, "tepco", "grid", "Europe/Berlin", NULL),
		  STORE_OK);
	CHECK_INT(run_import(st, "tepco-daily", "tepco_crlf.csv", NULL, &sum,
			     &m), IMPORT_REGISTRY);
	path = test_data_path("import", "tepco_crlf.csv");
	CHECK_AT(strstr(m.all->str, "site 'tepco' exists in zone "
			"Europe/Berlin, but tepco-daily data is in Asia/Tokyo"),
		 "message: %s", m.all->str);
	CHECK_AT(!strncmp(m.all->str, path, strlen(path)), "message: %s",
		 m.all->str);
	g_free(path);
	CHECK_INT(test_count_readings(st), 0);

	/* A point of the same key in another unit. */
	CHECK_INT(store_site_add(st, "home12", "home", "+10:00", NULL),
		  STORE_OK);
	g_strlcpy(p.key, "home12/pv", sizeof p.key);
	g_strlcpy(p.site, "home12", sizeof p.site);
	g_strlcpy(p.quantity, "power", sizeof p.quantity);
	g_strlcpy(p.unit, "W", sizeof p.unit);
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	g_string_truncate(m.all, 0);
	CHECK_INT(run_import(st, "ausgrid", "ausgrid_cut.csv", NULL, &sum, &m),
		  IMPORT_REGISTRY);
	CHECK_AT(strstr(m.all->str, "point 'home12/pv' exists with unit 'W', "
			"but the import writes 'kW'"), "message: %s",
		 m.all->str);
	CHECK_INT(test_count_readings(st), 0);

	/* The room's file names no zone: it follows the site.  17:51 in
	 * Europe/Berlin (UTC+1 in February) is 16:51Z. */
	CHECK_INT(store_site_add(st, "room1", "room", "Europe/Berlin", NULL),
		  STORE_OK);
	CHECK_INT(run_import(st, "uci-occupancy", "occupancy_cut.csv", NULL,
			     &sum, &m), IMPORT_OK);
	CHECK_STR(sum.tz, "Europe/Berlin");
	s = readings(st, "room1/co2");
	CHECK_INT(s.n, 3);
	CHECK_INT(s.ts[0], test_utc("2015-02-04T16:51:00Z"));
	CHECK_DBL(s.v[0], 721.25, 0);

	g_string_free(m.all, TRUE);
	store_close(st);
}

int main(void)
{
	test_text_helpers();
	test_good_files();
	test_bad_files();

	tmp = g_dir_make_tmp("akari-test-import-XXXXXX", NULL);
	CHECK(tmp != NULL);
	if (tmp) {
		test_import_tepco();
		test_import_shift_and_dates();
		test_import_bad_file();
		test_import_year_edges();
		test_import_registry();
		test_remove_tree(tmp);
		g_free(tmp);
	}
	return check_finish();
}
