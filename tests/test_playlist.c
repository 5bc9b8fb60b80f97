/*
 * test_playlist.c - kiosk_playlist.h: schedule edges (midnight, the two
 * DST days of Europe/London, date-range ends, weekdays), the layers'
 * precedence, a clock that is not trusted, and the cursor.
 *
 * Every instant is written in UTC and was worked out by hand from the
 * zone's published rules: in 2026 London's clocks go forward on Sunday
 * 29 March at 01:00 UTC (01:00 GMT becomes 02:00 BST) and back on
 * Sunday 25 October at 01:00 UTC (02:00 BST becomes 01:00 GMT); in
 * December London is on UTC and Tokyo is UTC+9.  3 December 2026 is a
 * Thursday.  New York's clocks go forward on Sunday 8 March 2026 at
 * 07:00 UTC (02:00 EST becomes 03:00 EDT) and back on Sunday 1 November
 * at 06:00 UTC (02:00 EDT becomes 01:00 EST).
 */
#include "check.h"

#include <string.h>

#include "kiosk/kiosk_playlist.h"

/* Unix seconds of the UTC instants the cases use (calendar.timegm). */
#define MAR28_0900 1774688400LL	/* Sat 28 Mar 09:00 UTC = 09:00 GMT */
#define MAR29_0030 1774744200LL	/* Sun 29 Mar 00:30 UTC = 00:30 GMT */
#define MAR29_0059 1774745940LL	/* 00:59 GMT */
#define MAR29_0100 1774746000LL	/* = 02:00 BST: 01:00-02:00 skipped */
#define MAR29_0130 1774747800LL	/* = 02:30 BST */
#define MAR29_0800 1774771200LL	/* = 09:00 BST */
#define OCT25_0015 1792887300LL	/* Sun 25 Oct 00:15 UTC = 01:15 BST */
#define OCT25_0115 1792890900LL	/* = 01:15 GMT, the second 01:15 */
#define OCT25_0200 1792893600LL	/* = 02:00 GMT */
#define OCT25_0900 1792918800LL	/* = 09:00 GMT */
#define NY_MAR07_1400 1772892000LL	/* = 09:00 EST */
#define NY_MAR08_0659 1772953140LL	/* = 01:59 EST */
#define NY_MAR08_0700 1772953200LL	/* = 03:00 EDT */
#define NY_MAR08_1300 1772974800LL	/* = 09:00 EDT */
#define NY_NOV01_0530 1793511000LL	/* = 01:30 EDT */
#define NY_NOV01_0630 1793514600LL	/* = 01:30 EST, the second */
#define NY_NOV01_0700 1793516400LL	/* = 02:00 EST */
#define DEC03_2300 1796338800LL	/* Thu 3 Dec 23:00 */
#define DEC04_0030 1796344200LL	/* Fri 4 Dec 00:30 */
#define DEC04_0159 1796349540LL
#define DEC04_0200 1796349600LL
#define NOV30_2359 1796083140LL
#define DEC01_0000 1796083200LL
#define DEC24_2359 1798156740LL
#define DEC25_0000 1798156800LL

static json_t *sched(const char *text)
{
	json_error_t e;
	json_t *s = json_loads(text, 0, &e);

	if (!s)
		fprintf(stderr, "bad test JSON: %s: %s\n", text, e.text);
	return s;
}

static bool on(const char *text, int64_t t, GTimeZone *tz)
{
	json_t *s = sched(text);
	bool r = kiosk_schedule_active(s, t, tz);

	json_decref(s);
	return r;
}

static void test_dst(GTimeZone *lon)
{
	const char *gap = "{\"start\":\"01:00\",\"end\":\"02:00\"}";
	const char *before = "{\"start\":\"00:30\",\"end\":\"01:30\"}";
	const char *day = "{\"start\":\"09:00\",\"end\":\"17:00\"}";
	const char *twice = "{\"start\":\"01:00\",\"end\":\"01:30\"}";

	/* Spring forward: 01:00-02:00 local does not exist that day. */
	CHECK(!on(gap, MAR29_0059, lon));
	CHECK(!on(gap, MAR29_0100, lon));
	CHECK(!on(gap, MAR29_0130, lon));
	/* A window straddling the jump ends at the jump (02:00 BST is past
	 * 01:30). */
	CHECK(on(before, MAR29_0030, lon));
	CHECK(on(before, MAR29_0059, lon));
	CHECK(!on(before, MAR29_0100, lon));
	/* 09:00 local is 09:00 UTC the day before and 08:00 UTC after. */
	CHECK(on(day, MAR28_0900, lon));
	CHECK(!on(day, MAR28_0900 - 60, lon));
	CHECK(on(day, MAR29_0800, lon));
	CHECK(!on(day, MAR29_0800 - 60, lon));

	/* Fall back: 01:15 happens twice, and the window holds both. */
	CHECK(on(twice, OCT25_0015, lon));
	CHECK(on(twice, OCT25_0115, lon));
	CHECK(on(gap, OCT25_0015 + 44 * 60, lon));	/* 01:59 BST */
	CHECK(!on(gap, OCT25_0200, lon));		/* 02:00 GMT */
	CHECK(on(day, OCT25_0900, lon));
	CHECK(!on(day, OCT25_0900 - 60, lon));
}

static void test_dst_new_york(GTimeZone *ny)
{
	const char *gap = "{\"start\":\"02:00\",\"end\":\"03:00\"}";
	const char *day = "{\"start\":\"09:00\",\"end\":\"17:00\"}";
	const char *night = "{\"start\":\"01:00\",\"end\":\"02:00\"}";

	CHECK(!on(gap, NY_MAR08_0659, ny));
	CHECK(!on(gap, NY_MAR08_0700, ny));
	CHECK(on(day, NY_MAR07_1400, ny));
	CHECK(!on(day, NY_MAR07_1400 - 60, ny));
	CHECK(on(day, NY_MAR08_1300, ny));
	CHECK(!on(day, NY_MAR08_1300 - 60, ny));
	CHECK(on(night, NY_NOV01_0530, ny));
	CHECK(on(night, NY_NOV01_0630, ny));
	CHECK(!on(night, NY_NOV01_0700, ny));
}

static void test_midnight(GTimeZone *lon)
{
	/* Thursday nights 22:00 to 02:00: the morning after belongs to
	 * Thursday even though it is a Friday. */
	const char *night = "{\"weekdays\":[\"thu\"],\"start\":\"22:00\","
			    "\"end\":\"02:00\"}";
	/* The range ends on the 4th (excluded), yet the night that began
	 * on the 3rd runs to its end. */
	const char *last = "{\"to\":\"2026-12-04\",\"weekdays\":[\"thu\"],"
			   "\"start\":\"22:00\",\"end\":\"02:00\"}";
	const char *allday = "{\"start\":\"00:00\",\"end\":\"24:00\"}";

	CHECK(on(night, DEC03_2300, lon));
	CHECK(!on(night, DEC03_2300 - 3600 - 60, lon));	/* 21:59 */
	CHECK(on(night, DEC04_0030, lon));
	CHECK(on(night, DEC04_0159, lon));
	CHECK(!on(night, DEC04_0200, lon));
	CHECK(!on(night, DEC04_0030 + 22 * 3600, lon));	/* Fri 22:30 */
	CHECK(on(last, DEC04_0030, lon));
	CHECK(!on("{\"from\":\"2026-12-04\",\"weekdays\":[\"thu\"],"
		  "\"start\":\"22:00\",\"end\":\"02:00\"}", DEC04_0030, lon));
	CHECK(on(allday, DEC04_0030 - 30 * 60, lon));	/* 00:00 */
	CHECK(on(allday, DEC04_0030 - 31 * 60, lon));	/* 23:59 Thu */
}

static void test_dates(GTimeZone *lon, GTimeZone *tokyo)
{
	const char *dec = "{\"from\":\"2026-12-01\",\"to\":\"2026-12-25\"}";
	const char *fri = "{\"weekdays\":[\"fri\"]}";

	CHECK(!on(dec, NOV30_2359, lon));
	CHECK(on(dec, DEC01_0000, lon));
	CHECK(on(dec, DEC24_2359, lon));
	CHECK(!on(dec, DEC25_0000, lon));
	/* In Tokyo the 1st begins nine hours earlier. */
	CHECK(on(dec, DEC01_0000 - 9 * 3600, tokyo));
	CHECK(!on(dec, DEC01_0000 - 9 * 3600 - 1, tokyo));
	CHECK(!on(dec, DEC25_0000 - 9 * 3600, tokyo));

	/* Thu 23:00 in London is Fri 08:00 in Tokyo. */
	CHECK(!on(fri, DEC03_2300, lon));
	CHECK(on(fri, DEC03_2300, tokyo));
	CHECK(on(fri, DEC04_0030, lon));
}

static json_t *content(const char *extra)
{
	char buf[2048];

	snprintf(buf, sizeof buf,
		 "{\"default\":\"default\",\"playlists\":{"
		 "\"default\":{\"revision\":1,\"items\":[{\"slide\":\"grid\","
		 "\"seconds\":10}]},"
		 "\"morning\":{\"revision\":3,\"items\":[{\"slide\":\"solar\","
		 "\"seconds\":5},{\"slide\":\"air\",\"seconds\":5}]},"
		 "\"sale\":{\"revision\":1,\"items\":[{\"slide\":\"household\","
		 "\"seconds\":8}]}},"
		 "\"schedules\":["
		 "{\"id\":1,\"playlist\":\"morning\",\"start\":\"07:00\","
		 "\"end\":\"10:00\",\"priority\":0},"
		 "{\"id\":2,\"playlist\":\"sale\",\"from\":\"2026-12-04\","
		 "\"to\":\"2026-12-05\",\"start\":\"00:00\",\"end\":\"24:00\","
		 "\"priority\":5},"
		 "{\"id\":3,\"playlist\":\"morning\",\"from\":\"2026-12-04\","
		 "\"start\":\"00:00\",\"end\":\"24:00\",\"priority\":5}],"
		 "\"layers\":{\"saving\":{\"grid_usage_pct\":97,"
		 "\"home_demand_kw\":2.5}}%s}", extra);
	return sched(buf);
}

static json_t *summary(const char *key, double v)
{
	char buf[256];

	snprintf(buf, sizeof buf, "{\"points\":[{\"key\":\"%s\","
		 "\"latest\":{\"ts\":0,\"value\":%g}}]}", key, v);
	return sched(buf);
}

static void test_layers(GTimeZone *lon)
{
	json_t *c = content(""), *ce;
	json_t *tight = summary("tepco/usage_hourly", 97);
	json_t *almost = summary("tepco/usage_hourly", 96.9);
	json_t *home = summary("home12/consumption", 2.6);
	struct kiosk_playlist_input in = {.clock_trusted = true};
	struct kiosk_playlist_pick p;

	/* Thursday 23:00: no schedule, the default playlist. */
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DEFAULT);
	CHECK_STR(p.playlist, "default");

	/* Thursday 08:00: the morning schedule. */
	kiosk_playlist_pick(c, DEC03_2300 - 15 * 3600, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_SCHEDULE);
	CHECK_STR(p.playlist, "morning");
	CHECK_INT(p.schedule_id, 1);
	CHECK_INT(p.revision, 3);

	/* Friday: two schedules at priority 5 beat the morning one; of the
	 * two the first made (id 2) wins. */
	kiosk_playlist_pick(c, DEC04_0030 + 8 * 3600, lon, &in, &p);
	CHECK_STR(p.playlist, "sale");
	CHECK_INT(p.schedule_id, 2);

	/* The very-tight band takes over from a schedule; 96.9 % does not. */
	in.grid = almost;
	kiosk_playlist_pick(c, DEC04_0030, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_SCHEDULE);
	in.grid = tight;
	kiosk_playlist_pick(c, DEC04_0030, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DATA);
	CHECK_INT(p.saving, KIOSK_SAVING_GRID);
	CHECK_DBL(p.saving_value, 97, 1e-9);
	CHECK_STR(p.playlist, "sale");	/* still known below the layer */

	/* A home over its 2.5 kW target. */
	in.grid = NULL;
	in.home = home;
	kiosk_playlist_pick(c, DEC04_0030, lon, &in, &p);
	CHECK_INT(p.saving, KIOSK_SAVING_HOME);
	CHECK_DBL(p.saving_limit, 2.5, 1e-9);

	/* An emergency beats everything. */
	ce = content(",\"emergency\":{\"id\":9,\"message\":\"避難してください\"}");
	in.grid = tight;
	kiosk_playlist_pick(ce, DEC04_0030, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_EMERGENCY);
	CHECK_STR(p.message, "避難してください");
	CHECK_INT(p.emergency_id, 9);

	/* A clock not trusted: schedules are not read; the last playlist
	 * plays, and without one the default. */
	in.grid = NULL;
	in.home = NULL;
	in.clock_trusted = false;
	in.last_playlist = "morning";
	kiosk_playlist_pick(c, DEC04_0030 + 8 * 3600, lon, &in, &p);
	CHECK_STR(p.playlist, "morning");
	CHECK_INT(p.schedule_id, 0);
	in.last_playlist = NULL;
	kiosk_playlist_pick(c, DEC04_0030 + 8 * 3600, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DEFAULT);
	CHECK_STR(p.playlist, "default");

	/* No content yet: the built-in rotation. */
	kiosk_playlist_pick(NULL, DEC04_0030, lon, &in, &p);
	CHECK(p.playlist == NULL);

	json_decref(c);
	json_decref(ce);
	json_decref(tight);
	json_decref(almost);
	json_decref(home);
}

/* A playlist of only slides this kiosk does not know (from a newer
 * server) is as if it were not there: the default plays, not the first
 * slide of the fixed rotation over and over. */
static void test_unknown_slides(GTimeZone *lon)
{
	json_t *c = sched(
	    "{\"default\":\"default\",\"playlists\":{"
	    "\"default\":{\"revision\":2,\"items\":[{\"slide\":\"air\","
	    "\"seconds\":10}]},"
	    "\"future\":{\"revision\":1,\"items\":[{\"slide\":"
	    "\"hologram\",\"seconds\":5}]},"
	    "\"mixed\":{\"revision\":1,\"items\":[{\"slide\":"
	    "\"hologram\",\"seconds\":5},{\"slide\":\"solar\","
	    "\"seconds\":5}]}},"
	    "\"schedules\":[{\"id\":1,\"playlist\":\"future\","
	    "\"priority\":1}]}");
	struct kiosk_playlist_input in = {.clock_trusted = true};
	struct kiosk_playlist_pick p;

	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DEFAULT);
	CHECK_STR(p.playlist ? p.playlist : "", "default");
	CHECK_INT(p.revision, 2);
	/* One known slide is enough. */
	in.clock_trusted = false;
	in.last_playlist = "mixed";
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_STR(p.playlist ? p.playlist : "", "mixed");
	in.last_playlist = "future";
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_STR(p.playlist ? p.playlist : "", "default");
	json_decref(c);
}

static json_t *summary_at(const char *key, int step_s, double v,
			  const char *ts)
{
	char buf[256];

	snprintf(buf, sizeof buf, "{\"points\":[{\"key\":\"%s\","
		 "\"step_s\":%d,\"latest\":{\"ts\":\"%s\",\"value\":%g}}]}",
		 key, step_s, ts, v);
	return sched(buf);
}

/* The saving request follows what the grid and the home do now: a
 * reading more than three of its point's steps (and 15 minutes) before
 * the time read, the slides' rule for a figure that is not current (a
 * feed that stopped while the grid was tight), does not keep it on
 * screen for days. */
static void test_saving_stale(GTimeZone *lon)
{
	json_t *c = content("");
	/* Thu 23:00 UTC is DEC03_2300; 22:00 is an hour before it, 20:00
	 * three hours (three steps of the hourly point), 19:59 and 18:00
	 * more than three. */
	json_t *hour = summary_at("tepco/usage_hourly", 3600, 98,
				  "2026-12-03T22:00:00Z");
	json_t *three = summary_at("tepco/usage_hourly", 3600, 98,
				   "2026-12-03T20:00:00+00:00");
	json_t *older = summary_at("tepco/usage_hourly", 3600, 98,
				   "2026-12-03T19:59:00Z");
	/* half-hourly: three steps are 90 minutes */
	json_t *home = summary_at("home12/consumption", 1800, 3.0,
				  "2026-12-04T03:00:00+09:00");
	struct kiosk_playlist_input in = {.clock_trusted = true};
	struct kiosk_playlist_pick p;

	in.grid = hour;
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DATA);
	in.grid = three;
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DATA);
	in.grid = older;
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_INT(p.layer, KIOSK_LAYER_DEFAULT);
	CHECK_INT(p.saving, KIOSK_SAVING_NONE);
	/* 03:00 in Tokyo is 18:00 UTC: five hours old. */
	in.grid = NULL;
	in.home = home;
	kiosk_playlist_pick(c, DEC03_2300, lon, &in, &p);
	CHECK_INT(p.saving, KIOSK_SAVING_NONE);
	/* an hour old at 19:00 UTC, within 90 minutes; two hours old at
	 * 20:00, past them */
	kiosk_playlist_pick(c, DEC03_2300 - 4 * 3600, lon, &in, &p);
	CHECK_INT(p.saving, KIOSK_SAVING_HOME);
	kiosk_playlist_pick(c, DEC03_2300 - 3 * 3600, lon, &in, &p);
	CHECK_INT(p.saving, KIOSK_SAVING_NONE);
	json_decref(c);
	json_decref(hour);
	json_decref(three);
	json_decref(older);
	json_decref(home);
}

static void test_cursor(void)
{
	struct kiosk_playlist_cursor c;
	struct kiosk_playlist_pick p = {.layer = KIOSK_LAYER_SCHEDULE,
					.playlist = "morning", .revision = 3};

	kiosk_playlist_cursor_init(&c);
	CHECK(kiosk_playlist_advance(&c, &p, 2));
	CHECK_INT(c.index, 0);
	CHECK(!kiosk_playlist_advance(&c, &p, 2));
	CHECK_INT(c.index, 1);
	CHECK(!kiosk_playlist_advance(&c, &p, 2));
	CHECK_INT(c.index, 0);
	CHECK(!kiosk_playlist_advance(&c, &p, 2));
	/* A new revision starts again from its first slide. */
	p.revision = 4;
	CHECK(kiosk_playlist_advance(&c, &p, 2));
	CHECK_INT(c.index, 0);
	p.layer = KIOSK_LAYER_EMERGENCY;
	CHECK(kiosk_playlist_advance(&c, &p, 2));
}

int main(void)
{
	GTimeZone *lon = g_time_zone_new_identifier("Europe/London");
	GTimeZone *tokyo = g_time_zone_new_identifier("Asia/Tokyo");
	GTimeZone *ny = g_time_zone_new_identifier("America/New_York");

	CHECK(lon != NULL);
	CHECK(tokyo != NULL);
	CHECK(ny != NULL);
	if (lon && tokyo && ny) {
		test_dst(lon);
		test_dst_new_york(ny);
		test_midnight(lon);
		test_dates(lon, tokyo);
		test_layers(lon);
		test_unknown_slides(lon);
		test_saving_stale(lon);
	}
	test_cursor();
	if (lon)
		g_time_zone_unref(lon);
	if (tokyo)
		g_time_zone_unref(tokyo);
	if (ny)
		g_time_zone_unref(ny);
	return check_finish();
}
