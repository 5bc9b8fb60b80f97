/*
 * test_core.c - time parsing and formatting, and local day starts;
 * rule files.  Expected instants were worked out by hand from the
 * offsets.
 */
#include <string.h>

#include "check.h"
#include "core/rules.h"
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

/* Collects rule lines; refuses one that says "bad". */
static int collect(char *line, void *ctx, char *why, size_t whylen)
{
	GString *got = ctx;

	if (!strcmp(line, "bad")) {
		snprintf(why, whylen, "bad is not a rule");
		return -1;
	}
	g_string_append_printf(got, "[%s]", line);
	return 0;
}

static void test_rules(void)
{
	/* Lines 1 blank, 2 comment, 3 "a b" with blanks, 4 "# not" after a
	 * blank is a comment too, 5 "c", then an empty last piece. */
	static const char text[] = "\n# note\n  a b \t\n  # not\nc\n";
	GString *got = g_string_new("");
	char err[128] = "";
	char *read = NULL;

	CHECK_INT((int)core_rules_max(text), 6);
	CHECK_INT((int)core_rules_max(""), 1);
	CHECK_INT(core_rules_parse(text, "m.txt", collect, got, err,
				   sizeof err), 0);
	CHECK_STR(got->str, "[a b][c]");

	/* The fourth line is the bad one: named as m.txt:4. */
	g_string_truncate(got, 0);
	CHECK_INT(core_rules_parse("x\n\n# c\nbad\ny\n", "m.txt", collect,
				   got, err, sizeof err), -1);
	CHECK_STR(err, "m.txt:4: bad is not a rule");
	CHECK_STR(got->str, "[x]");

	CHECK_INT(core_rules_read("/nonexistent/akari.rules", &read, err,
				  sizeof err), -1);
	CHECK(read == NULL);
	CHECK(strstr(err, "/nonexistent/akari.rules") != NULL);
	g_string_free(got, TRUE);
}

int main(void)
{
	test_parse();
	test_format();
	test_rules();
	return check_finish();
}
