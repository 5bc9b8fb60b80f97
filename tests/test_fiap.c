/*
 * test_fiap.c - the IEEE 1888 point ID map (api_fiap_map_*) and the
 * time parsing of FIAP messages.
 *
 * Expected keys are written by hand from the rules and IDs below; the
 * expected instants are worked out in the comments.
 */
#include <string.h>

#include "check.h"
#include "cloud/api/api_fiap_internal.h"

/* The key of id, or "DROP" / "ERR: message". */
static const char *key_of(const struct api_fiap_map *map, const char *id,
			  const char **unit)
{
	static char key[128], out[400];
	char err[320];
	int rc = api_fiap_map_key(map, id, key, sizeof key, unit, err,
				  sizeof err);

	if (rc > 0)
		return key;
	snprintf(out, sizeof out, "%s%s", rc ? "ERR: " : "DROP",
		 rc ? err : "");
	return out;
}

static void test_default(void)
{
	const char *unit = "x";

	CHECK_STR(key_of(NULL, "http://akari.example/hall/power", &unit),
		  "hall/power");
	CHECK(unit == NULL);
	/* The path is percent-decoded; host and scheme do not matter. */
	CHECK_STR(key_of(NULL, "https://10.0.0.1:8080/tepco%2Fdemand", &unit),
		  "tepco/demand");
	CHECK_STR(key_of(NULL, "http://h/%E3%83%9B%E3%83%BC%E3%83%AB/kw",
			 &unit),
		  "\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xab/kw");
	/* Nothing after the host, no scheme://, a bad scheme. */
	CHECK(!strncmp(key_of(NULL, "http://akari.example/", &unit), "ERR: ",
		       5));
	CHECK(!strncmp(key_of(NULL, "http://akari.example", &unit), "ERR: ",
		       5));
	CHECK(!strncmp(key_of(NULL, "urn:town:hall:power", &unit), "ERR: ",
		       5));
	CHECK(!strncmp(key_of(NULL, "ht tp://x/y", &unit), "ERR: ", 5));
	CHECK(strstr(key_of(NULL, "urn:town:hall:power", &unit),
		     "\"urn:town:hall:power\"") != NULL);
	/* %FF decodes to a byte that is no UTF-8: no key is that. */
	CHECK(strstr(key_of(NULL, "http://h/hall%FFtemp", &unit),
		     "not UTF-8") != NULL);
}

static void test_rules(void)
{
	const char *rules =
	    "# comments and blank lines are skipped\n"
	    "\n"
	    "http://bems.example.jp/hall/meter1/power -> hall/power W\n"
	    "  http://bems.example.jp/boiler/*   ->   -  \n"
	    "urn:town:pool:* -> pool/*\n"
	    "urn:town:tag:* -> site/*/value degF\n"
	    "http://bems.example.jp/* -> bems/*\n";
	struct api_fiap_map *map = NULL;
	const char *unit = NULL;
	char err[256] = "";
	char longid[300];

	CHECK_INT(api_fiap_map_parse(rules, "map.txt", &map, err, sizeof err),
		  0);
	CHECK_STR(err, "");
	if (!map)
		return;

	CHECK_STR(key_of(map, "http://bems.example.jp/hall/meter1/power",
			 &unit),
		  "hall/power");
	CHECK_STR(unit, "W");
	/* An exact rule matches only the whole ID: the catch-all takes it. */
	CHECK_STR(key_of(map, "http://bems.example.jp/hall/meter1/power2",
			 &unit),
		  "bems/hall/meter1/power2");
	CHECK(unit == NULL);
	CHECK_STR(key_of(map, "http://bems.example.jp/boiler/3/temp", &unit),
		  "DROP");
	CHECK_STR(key_of(map, "urn:town:pool:power", &unit), "pool/power");
	CHECK_STR(key_of(map, "urn:town:tag:gym", &unit), "site/gym/value");
	CHECK_STR(unit, "degF");
	/* No rule: the default. */
	CHECK_STR(key_of(map, "http://other.example/x/y", &unit), "x/y");

	/* A key longer than a point key holds is refused, not cut. */
	memset(longid, 'k', sizeof longid);
	memcpy(longid, "urn:town:pool:", 14);
	longid[sizeof longid - 1] = '\0';
	CHECK(strstr(key_of(map, longid, &unit), "keys have at most 127") !=
	      NULL);
	api_fiap_map_free(map);
}

static void test_bad_rules(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"a -> b\nhttp://x/y b\n", "map.txt:2: a rule is"},
	    {"http://x/y -> a b c\n", "map.txt:1: a rule is"},
	    {"http://x/*/y -> a\n", "map.txt:1: 'http://x/*/y' has a '*'"},
	    {"http://x/y -> a/*\n", "map.txt:1: key 'a/*'"},
	    {"http://x/* -> a/*/*\n", "map.txt:1: key 'a/*/*'"},
	    {"http://x/y -> - W\n", "map.txt:1: a dropped point"},
	    {"\n\nhttp://x/y -> a furlongs\n",
	     "map.txt:3: unit 'furlongs' is not"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct api_fiap_map *map = (struct api_fiap_map *)1;
		char err[256] = "";

		CHECK_INT(api_fiap_map_parse(cases[i].text, "map.txt", &map,
					     err, sizeof err),
			  -1);
		CHECK(map == NULL);
		CHECK_AT(!strncmp(err, cases[i].want, strlen(cases[i].want)),
			 "case %zu: got \"%s\", want \"%s...\"", i, err,
			 cases[i].want);
	}
}

static void test_load(void)
{
	struct api_fiap_map *map = (struct api_fiap_map *)1;
	char err[256] = "";

	CHECK_INT(api_fiap_map_load("/nonexistent/fiap.map", &map, err,
				    sizeof err),
		  -1);
	CHECK(map == NULL);
	CHECK(strstr(err, "/nonexistent/fiap.map") != NULL);
	api_fiap_map_free(NULL);
}

static void test_time(void)
{
	int64_t ts = 0;
	bool frac = true;

	/* 2026-12-01T00:00:00Z: 56 years from 1970 with 14 leap days
	 * (1972..2024) make 20454 days, January to November 2026 334
	 * more, and 20788 * 86400 = 1796083200. */
	CHECK_INT(fiap_time_parse("2026-12-01T09:00:00+09:00", &ts, &frac),
		  0);
	CHECK_INT(ts, 1796083200);
	CHECK(!frac);
	CHECK_INT(fiap_time_parse("2026-12-01T00:00:00.000Z", &ts, &frac), 0);
	CHECK_INT(ts, 1796083200);
	CHECK(!frac);
	CHECK_INT(fiap_time_parse("2026-12-01T00:00:00.25Z", &ts, &frac), 0);
	CHECK_INT(ts, 1796083200);
	CHECK(frac);
	/* No offset, Unix seconds, nothing. */
	CHECK_INT(fiap_time_parse("2026-12-01T09:00:00", &ts, &frac), -1);
	CHECK_INT(fiap_time_parse("1796083200", &ts, &frac), -1);
	CHECK_INT(fiap_time_parse("", &ts, &frac), -1);
	CHECK_INT(fiap_time_parse(NULL, &ts, &frac), -1);
}

int main(void)
{
	test_default();
	test_rules();
	test_bad_rules();
	test_load();
	test_time();
	return check_finish();
}
