/*
 * test_core.c - time parsing and formatting, and local day starts.
 * Expected instants were worked out by hand from the offsets.
 */
#include "check.h"
#include "core/timeutil.h"

static void test_parse(void)
{
	int64_t t = -1;

	/* 2022-06-27T00:00:00Z is 19170 days after the epoch. */
	CHECK_INT(core_time_parse("2022-06-27T09:00:00+09:00", &t), 0);
	CHECK_INT(t, 19170LL * 86400);
	CHECK_INT(core_time_parse("2022-06-27T00:00:00Z", &t), 0);
	CHECK_INT(t, 19170LL * 86400);
	CHECK_INT(core_time_parse("2022-06-27T00:00:00.750Z", &t), 0);
	CHECK_INT(t, 19170LL * 86400);
	CHECK_INT(core_time_parse("1656288000", &t), 0);
	CHECK_INT(t, 1656288000);
	CHECK_INT(core_time_parse("-3600", &t), 0);
	CHECK_INT(t, -3600);

	/* No offset names no instant; junk is junk. */
	t = 42;
	CHECK_INT(core_time_parse("2022-06-27T09:00:00", &t), -1);
	CHECK_INT(core_time_parse("", &t), -1);
	CHECK_INT(core_time_parse("12abc", &t), -1);
	CHECK_INT(core_time_parse("2022-13-01T00:00:00Z", &t), -1);
	CHECK_INT(t, 42);
}

static void test_format(void)
{
	GTimeZone *tokyo = core_tz_new("Asia/Tokyo");
	GTimeZone *berlin = core_tz_new("Europe/Berlin");
	char buf[32];

	CHECK(tokyo != NULL);
	CHECK(berlin != NULL);
	CHECK(core_tz_new("Mars/Base") == NULL);
	if (!tokyo || !berlin)
		return;

	core_time_format(19170LL * 86400, tokyo, buf, sizeof buf);
	CHECK_STR(buf, "2022-06-27T09:00:00+09:00");

	/* 2025-03-30 01:00Z is 03:00 CEST, just after the spring change. */
	core_time_format(1743296400, berlin, buf, sizeof buf);
	CHECK_STR(buf, "2025-03-30T03:00:00+02:00");
	core_time_format(1743296399, berlin, buf, sizeof buf);
	CHECK_STR(buf, "2025-03-30T01:59:59+01:00");

	/* Local midnight of 2022-06-27 in Tokyo is 15:00Z the day before. */
	CHECK_INT(core_day_start(19170LL * 86400 + 5 * 3600, tokyo),
		  19170LL * 86400 - 9 * 3600);
	/* Berlin, 2025-03-30: midnight is still CET, 2025-03-29T23:00Z. */
	CHECK_INT(core_day_start(1743296400, berlin), 1743296400 - 2 * 3600);

	g_time_zone_unref(tokyo);
	g_time_zone_unref(berlin);
}

int main(void)
{
	test_parse();
	test_format();
	return check_finish();
}
