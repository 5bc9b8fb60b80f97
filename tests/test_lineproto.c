/*
 * test_lineproto.c - the line protocol parser on the cases of InfluxDB's
 * line protocol reference (escaping, types, comments, CRLF), its errors
 * with line numbers, timestamp precision, the mapping to point keys, and
 * whole writes into a real store.
 *
 * The parser's output is rendered as text, one item per line, so that a
 * case is its input and the expected rendering, written by hand:
 *   L<line> <measurement> [t:<key>=<value>]... f:<key>=<type><value>...
 *           [@<ts>]
 *   E<line> <message>
 * with types F (float, %.17g), I, U, B (0/1) and S ("text").
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/ingest/lineproto.h"
#include "cloud/store/store.h"

/* 2022-06-27T00:00:00Z: 19170 days * 86400 s. */
#define T0 INT64_C(1656288000)

static int render_line(const struct lineproto_line *l, void *ctx)
{
	GString *out = ctx;

	g_string_append_printf(out, "L%zu %s", l->lineno, l->measurement);
	for (size_t i = 0; i < l->ntags; i++)
		g_string_append_printf(out, " t:%s=%s", l->tags[i].key,
				       l->tags[i].value);
	for (size_t i = 0; i < l->nfields; i++) {
		const struct lineproto_field *f = &l->fields[i];

		g_string_append_printf(out, " f:%s=", f->key);
		switch (f->type) {
		case LINEPROTO_FLOAT:
			g_string_append_printf(out, "F%.17g", f->f);
			break;
		case LINEPROTO_INT:
			g_string_append_printf(out, "I%lld", (long long)f->i);
			break;
		case LINEPROTO_UINT:
			g_string_append_printf(out, "U%llu",
					       (unsigned long long)f->u);
			break;
		case LINEPROTO_BOOL:
			g_string_append_printf(out, "B%d", f->b);
			break;
		case LINEPROTO_STRING:
			g_string_append_printf(out, "S\"%s\"", f->s);
			break;
		}
	}
	if (l->has_ts)
		g_string_append_printf(out, " @%lld", (long long)l->ts);
	g_string_append_c(out, '\n');
	return 0;
}

static int render_error(size_t lineno, const char *msg, void *ctx)
{
	g_string_append_printf(ctx, "E%zu %s\n", lineno, msg);
	return 0;
}

#define PARSES_AS(input, want)                                               \
	parses_as(__LINE__, input, sizeof input - 1, want)

static void parses_as(int at, const char *in, size_t len, const char *want)
{
	GString *out = g_string_new(NULL);

	CHECK_INT(lineproto_parse(in, len, render_line, render_error, out), 0);
	CHECK_AT(!strcmp(out->str, want),
		 "case at line %d:\n got: %s\nwant: %s", at, out->str, want);
	g_string_free(out, TRUE);
}

static void test_reference_examples(void)
{
	/* The reference's first example: float field, nanosecond time. */
	PARSES_AS("weather,location=us-midwest temperature=82 "
		  "1465839830100400200",
		  "L1 weather t:location=us-midwest f:temperature=F82 "
		  "@1465839830100400200\n");

	/* Several tags and fields, no timestamp. */
	PARSES_AS("cpu,host=a,region=eu usage=0.5,idle=99.5",
		  "L1 cpu t:host=a t:region=eu f:usage=F0.5 "
		  "f:idle=F99.5\n");

	/* Every field type, each spelling of the booleans. */
	PARSES_AS("m i=-5i,u=7u,f=-1.5e3,g=.5,h=+2,b1=t,b2=T,b3=true,"
		  "b4=True,b5=TRUE,b6=f,b7=F,b8=false,b9=False,b10=FALSE,"
		  "s=\"x y\"",
		  "L1 m f:i=I-5 f:u=U7 f:f=F-1500 f:g=F0.5 f:h=F2 f:b1=B1 "
		  "f:b2=B1 f:b3=B1 f:b4=B1 f:b5=B1 f:b6=B0 f:b7=B0 f:b8=B0 "
		  "f:b9=B0 f:b10=B0 f:s=S\"x y\"\n");

	/* The extremes of int64 and uint64. */
	PARSES_AS("m a=9223372036854775807i,b=-9223372036854775808i,"
		  "c=18446744073709551615u",
		  "L1 m f:a=I9223372036854775807 f:b=I-9223372036854775808 "
		  "f:c=U18446744073709551615\n");

	/* Negative timestamps are instants before 1970. */
	PARSES_AS("m v=1 -1000", "L1 m f:v=F1 @-1000\n");
}

static void test_escapes(void)
{
	/* Space and comma in a measurement; '=' needs no escape there. */
	PARSES_AS("my\\ meas\\,urement v=1", "L1 my meas,urement f:v=F1\n");
	PARSES_AS("a=b v=1", "L1 a=b f:v=F1\n");

	/* Tag keys and values, field keys: comma, space and equals. */
	PARSES_AS("m,tag\\ key=tag\\,val\\=ue field\\=key=1",
		  "L1 m t:tag key=tag,val=ue f:field=key=F1\n");

	/* In a string: quote and backslash; a comma or space is text. */
	PARSES_AS("m s=\"say \\\"hi\\\", a\\\\b c\"",
		  "L1 m f:s=S\"say \"hi\", a\\b c\"\n");

	/* Two backslashes are one; a backslash before anything else is
	 * kept as it is. */
	PARSES_AS("a\\\\b,t=c\\d v=1", "L1 a\\b t:t=c\\d f:v=F1\n");

	/* A string may hold a newline; the next line is then line 3. */
	PARSES_AS("m s=\"one\ntwo\"\nm v=2",
		  "L1 m f:s=S\"one\ntwo\"\nL3 m f:v=F2\n");
}

static void test_layout(void)
{
	/* Comments, blank lines, CRLF and stray blanks count as lines. */
	PARSES_AS("# header\r\n\r\nm v=1\r\n   \n  m v=2   5  \r\n#x\nm v=3",
		  "L3 m f:v=F1\nL5 m f:v=F2 @5\nL7 m f:v=F3\n");

	/* Several blanks between the parts. */
	PARSES_AS("m,t=1   v=1    7", "L1 m t:t=1 f:v=F1 @7\n");

	/* A body without a final newline, or only a comment. */
	PARSES_AS("m v=1i", "L1 m f:v=I1\n");
	PARSES_AS("# nothing", "");
	PARSES_AS("", "");
}

static void test_errors(void)
{
	/* Each bad line is reported with its number; the good ones around
	 * it still parse. */
	PARSES_AS("m v=1\n"
		  "m\n"
		  "m v=\n"
		  "m,t v=1\n"
		  "m,=x v=1\n"
		  "m,t=x=y v=1\n"
		  ",t=1 v=1\n"
		  "m v=1,=2\n"
		  "m v\n"
		  "m v=1 abc\n"
		  "m v=1 1 2\n"
		  "m v=1x\n"
		  "m v=inf\n"
		  "m v=NaN\n"
		  "m v=9223372036854775808i\n"
		  "m v=-1u\n"
		  "m v=1e999\n"
		  "m v=0x10\n"
		  "m v=1 99999999999999999999\n"
		  "m, v=1\n"
		  "m v=2\n"
		  "m v=\"open",
		  "L1 m f:v=F1\n"
		  "E2 missing fields\n"
		  "E3 missing field value\n"
		  "E4 missing tag value\n"
		  "E5 missing tag key\n"
		  "E6 invalid tag format\n"
		  "E7 missing measurement\n"
		  "E8 missing field key\n"
		  "E9 invalid field format\n"
		  "E10 invalid timestamp\n"
		  "E11 unexpected text after the timestamp\n"
		  "E12 invalid field value\n"
		  "E13 invalid field value\n"
		  "E14 invalid field value\n"
		  "E15 integer value out of range\n"
		  "E16 invalid field value\n"
		  "E17 float value out of range\n"
		  "E18 invalid field value\n"
		  "E19 timestamp out of range\n"
		  "E20 missing tag key\n"
		  "L21 m f:v=F2\n"
		  "E22 unterminated string\n");

	/* Names must be UTF-8: they become JSON strings. */
	PARSES_AS("m\xff v=1\nm,t=\xc3 v=1\nm k\xfe=1\nm s=\"\xff\"",
		  "E1 measurement is not UTF-8\nE2 tag is not UTF-8\n"
		  "E3 field key is not UTF-8\nE4 string field is not UTF-8\n");

	/* A NUL byte inside a name is not text either. */
	PARSES_AS("m\0x v=1\nm v=2",
		  "E1 measurement is not UTF-8\nL2 m f:v=F2\n");

	/* Nor inside a value: "6\0garbage" is not the number 6. */
	PARSES_AS("m v=6\0garbage 1\nm v=6\0\nm v=2",
		  "E1 invalid field value (a NUL byte)\n"
		  "E2 invalid field value (a NUL byte)\nL3 m f:v=F2\n");
}

static void test_precision(void)
{
	enum lineproto_precision p = LINEPROTO_S;
	int64_t s = 0;

	/* The v1 names, and the v2 names. */
	CHECK_INT(lineproto_precision_parse(NULL, false, &p), 0);
	CHECK_INT(p, LINEPROTO_NS);
	CHECK_INT(lineproto_precision_parse("u", false, &p), 0);
	CHECK_INT(p, LINEPROTO_US);
	CHECK_INT(lineproto_precision_parse("h", false, &p), 0);
	CHECK_INT(p, LINEPROTO_HOUR);
	CHECK_INT(lineproto_precision_parse("m", false, &p), 0);
	CHECK_INT(p, LINEPROTO_MIN);
	CHECK_INT(lineproto_precision_parse("ns", false, &p), -1);
	CHECK_INT(lineproto_precision_parse("ns", true, &p), 0);
	CHECK_INT(p, LINEPROTO_NS);
	CHECK_INT(lineproto_precision_parse("us", true, &p), 0);
	CHECK_INT(p, LINEPROTO_US);
	CHECK_INT(lineproto_precision_parse("n", true, &p), -1);
	CHECK_INT(lineproto_precision_parse("h", true, &p), -1);
	CHECK_INT(lineproto_precision_parse("S", true, &p), -1);

	/* 1465839830100400200 ns is 1465839830.1004002 s. */
	CHECK_INT(lineproto_ts_seconds(INT64_C(1465839830100400200),
				       LINEPROTO_NS, &s), 0);
	CHECK_INT(s, INT64_C(1465839830));
	CHECK_INT(lineproto_ts_seconds(1999999, LINEPROTO_US, &s), 0);
	CHECK_INT(s, 1);
	CHECK_INT(lineproto_ts_seconds(1500, LINEPROTO_MS, &s), 0);
	CHECK_INT(s, 1);

	/* Rounded down: -1 ns and -1.5 s are in the seconds -1 and -2. */
	CHECK_INT(lineproto_ts_seconds(-1, LINEPROTO_NS, &s), 0);
	CHECK_INT(s, -1);
	CHECK_INT(lineproto_ts_seconds(-1500, LINEPROTO_MS, &s), 0);
	CHECK_INT(s, -2);

	CHECK_INT(lineproto_ts_seconds(2, LINEPROTO_MIN, &s), 0);
	CHECK_INT(s, 120);
	CHECK_INT(lineproto_ts_seconds(3, LINEPROTO_HOUR, &s), 0);
	CHECK_INT(s, 10800);
	CHECK_INT(lineproto_ts_seconds(INT64_MAX / 60, LINEPROTO_HOUR, &s),
		  -1);
	CHECK_INT(lineproto_ts_seconds(INT64_MIN, LINEPROTO_MIN, &s), -1);

	/* The edges: INT64_MAX is 9223372036854775807, so the last hour
	 * is 2562047788015215 (* 3600 = 9223372036854774000) and one more
	 * is past it; INT64_MIN is -9223372036854775808, the same hour
	 * count below.  In ns the extremes are whole seconds 9223372036
	 * and, rounded down, -9223372037. */
	CHECK_INT(lineproto_ts_seconds(INT64_C(2562047788015215),
				       LINEPROTO_HOUR, &s), 0);
	CHECK_INT(s, INT64_C(9223372036854774000));
	CHECK_INT(lineproto_ts_seconds(INT64_C(2562047788015216),
				       LINEPROTO_HOUR, &s), -1);
	CHECK_INT(lineproto_ts_seconds(INT64_C(-2562047788015215),
				       LINEPROTO_HOUR, &s), 0);
	CHECK_INT(s, INT64_C(-9223372036854774000));
	CHECK_INT(lineproto_ts_seconds(INT64_C(-2562047788015216),
				       LINEPROTO_HOUR, &s), -1);
	CHECK_INT(lineproto_ts_seconds(INT64_MAX, LINEPROTO_NS, &s), 0);
	CHECK_INT(s, INT64_C(9223372036));
	CHECK_INT(lineproto_ts_seconds(INT64_MIN, LINEPROTO_NS, &s), 0);
	CHECK_INT(s, INT64_C(-9223372037));
	CHECK_INT(lineproto_ts_seconds(INT64_MAX, LINEPROTO_S, &s), 0);
	CHECK_INT(s, INT64_MAX);
}

/* --- mapping ---------------------------------------------------------- */

struct first_line {
	GString *key;
	const struct lineproto_map *map;
	int rc;
	char err[256];
};

/* Maps the first field of the parsed line. */
static int map_first(const struct lineproto_line *l, void *ctx)
{
	struct first_line *fl = ctx;
	char key[128];

	fl->rc = lineproto_map_key(fl->map, l, &l->fields[0], "db1", key,
				   sizeof key, fl->err, sizeof fl->err);
	if (fl->rc == 1)
		g_string_assign(fl->key, key);
	return 0;
}

static int no_error(size_t lineno, const char *msg, void *ctx)
{
	CHECK_AT(0, "unexpected parse error at line %zu: %s", lineno, msg);
	return 0;
}

/* The key that line's first field maps to, or "-" (dropped) or
 * "!reason". */
static char *key_of(const struct lineproto_map *map, const char *line)
{
	struct first_line fl = {g_string_new(NULL), map, -2, ""};

	lineproto_parse(line, strlen(line), map_first, no_error, &fl);
	if (fl.rc == 0)
		g_string_assign(fl.key, "-");
	else if (fl.rc < 0)
		g_string_printf(fl.key, "!%s", fl.err);
	return g_string_free(fl.key, FALSE);
}

#define KEY_IS(map, line, want)                                              \
	do {                                                                 \
		char *k_ = key_of(map, line);                                \
		CHECK_AT(!strcmp(k_, want), "%s: got \"%s\", want \"%s\"",   \
			 line, k_, want);                                    \
		g_free(k_);                                                  \
	} while (0)

static void test_default_mapping(void)
{
	char key300[300];

	KEY_IS(NULL, "power,site=hall kw=1", "power/kw");
	KEY_IS(NULL, "x,point=tepco/demand value=1", "tepco/demand");
	KEY_IS(NULL, "x,point=hall/meter kw=1", "hall/meter/kw");

	/* A key longer than a point key can be is refused by name. */
	memset(key300, 'k', sizeof key300);
	memcpy(key300 + 280, " v=1", 5);
	{
		char *k = key_of(NULL, key300);

		CHECK(k[0] == '!' && strstr(k, "at most 127") != NULL);
		g_free(k);
	}
}

static void test_map_rules(void)
{
	static const char rules[] =
	    "# Telegraf's system plugin sends its uptime as text too.\n"
	    "system uptime_format -> -\n"
	    "\n"
	    "meter,site=* kw -> {site}/power\n"
	    "meter,role=main,site=* * -> {site}/main_{field}\n"
	    "  weather  *  ->  {bucket}/{measurement}_{field}  \n"
	    "* * -> {site}/{measurement}_{field}\n";
	struct lineproto_map *map = NULL;
	char err[256] = "";

	CHECK_INT(lineproto_map_parse(rules, "map.txt", &map, err, sizeof err),
		  0);

	/* Rules are tried in order; the first match decides. */
	KEY_IS(map, "system uptime_format=\"1 day\"", "-");
	KEY_IS(map, "meter,site=hall kw=3", "hall/power");
	KEY_IS(map, "meter,site=hall,role=main kwh=3", "hall/main_kwh");
	KEY_IS(map, "meter,site=hall,role=sub kwh=3", "hall/meter_kwh");
	KEY_IS(map, "weather temp=3", "db1/weather_temp");
	KEY_IS(map, "room,site=b2 temp=3", "b2/room_temp");

	/* The catch-all needs a site tag. */
	KEY_IS(map, "room temp=3",
	       "!the mapping for field \"temp\" needs tag \"site\", which "
	       "the line does not have");
	lineproto_map_free(map);
}

static void test_map_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"m f -> a\nm f a", "map.txt:2: a rule is"},
	    {"\n\nm f => a", "map.txt:3: a rule is"},
	    {"m f -> a b", "map.txt:1: a rule is"},
	    {"m,site f -> a", "map.txt:1: 'm,site' is not"},
	    {",t=1 f -> a", "map.txt:1: ',t=1' is not"},
	    {"m f -> {site", "map.txt:1: template '{site' has a brace"},
	    {"m f -> {}x", "map.txt:1: template '{}x' has a brace"},
	};
	struct lineproto_map *map;
	char err[256];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		map = (void *)1;
		err[0] = '\0';
		CHECK_INT(lineproto_map_parse(cases[i].text, "map.txt", &map,
					      err, sizeof err),
			  -1);
		CHECK(map == NULL);
		CHECK_AT(!strncmp(err, cases[i].want, strlen(cases[i].want)),
			 "rules %s: got \"%s\", want \"%s...\"", cases[i].text,
			 err, cases[i].want);
	}

	CHECK_INT(lineproto_map_load("/nonexistent/akari.map", &map, err,
				     sizeof err),
		  -1);
	CHECK(map == NULL && strstr(err, "akari.map") != NULL);
}

/* --- whole writes ----------------------------------------------------- */

static struct store *st;
static char dir[] = "/tmp/akari-test-lineproto-XXXXXX";
static char dbpath[256];
static struct ingest_source device_a;

static void add_point(const char *key, const char *site,
		      enum store_point_kind kind)
{
	struct store_point p;

	memset(&p, 0, sizeof p);
	snprintf(p.key, sizeof p.key, "%s", key);
	snprintf(p.site, sizeof p.site, "%s", site);
	snprintf(p.quantity, sizeof p.quantity, "%s",
		 kind == STORE_STATE ? "state" : "power");
	snprintf(p.unit, sizeof p.unit, "%s",
		 kind == STORE_STATE ? "state" : "kW");
	p.kind = kind;
	CHECK_INT(store_point_add(st, &p), STORE_OK);
}

static void setup(void)
{
	char token[STORE_TOKEN_LEN + 1], err[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(dbpath, sizeof dbpath, "%s/lp.db", dir);
	CHECK_INT(store_open(dbpath, &st, err, sizeof err), STORE_OK);
	CHECK_INT(store_site_add(st, "a", "building", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "b", "building", "Asia/Tokyo", NULL),
		  STORE_OK);
	add_point("meter/power", "a", STORE_INSTANTANEOUS);
	add_point("door/open", "a", STORE_STATE);
	add_point("b/power", "b", STORE_INSTANTANEOUS);
	CHECK_INT(store_device_add(st, "a", "gw", "gateway", token,
				   sizeof token),
		  STORE_OK);
	CHECK_INT(store_device_auth(st, token, &device_a.device_id,
				    &device_a.site_id),
		  STORE_OK);
}

static void teardown(void)
{
	char path[300];

	store_close(st);
	unlink(dbpath);
	snprintf(path, sizeof path, "%s-wal", dbpath);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", dbpath);
	unlink(path);
	rmdir(dir);
}

static int64_t count(void)
{
	int64_t n = -1;

	CHECK_INT(store_readings_count(st, &n), STORE_OK);
	return n;
}

struct found {
	int n;
	int64_t ts;
	double value;
};

static int collect(int64_t ts, double value, void *ctx)
{
	struct found *f = ctx;

	f->n++;
	f->ts = ts;
	f->value = value;
	return 0;
}

/* How many readings key has in [from, to), and the last one. */
static struct found readings(const char *key, int64_t from, int64_t to)
{
	struct store_point p;
	struct found f = {0, 0, 0};

	CHECK_INT(store_point_get(st, key, &p), STORE_OK);
	CHECK_INT(store_readings_each(st, p.id, from, to, collect, &f),
		  STORE_OK);
	return f;
}

static void write_lp(const char *body, enum lineproto_precision prec,
		     struct lineproto_result *res)
{
	struct lineproto_write w = {body, strlen(body), prec, "", T0 + 7,
				    NULL};

	CHECK_INT(lineproto_ingest(st, &device_a, &w, res), 0);
}

static void test_write_all_good(void)
{
	struct lineproto_result res;
	int64_t before = count();
	struct found f;

	/* Seconds; an integer, a float, a boolean into the state point,
	 * and a line with no time, which takes the request's (T0 + 7). */
	write_lp("meter power=1.5 1656288000\n"
		 "meter power=2i 1656288060\n"
		 "door open=t 1656288000\n"
		 "door open=false\n",
		 LINEPROTO_S, &res);
	CHECK_INT(res.status, 204);
	CHECK_INT(res.written, 4);
	CHECK(res.message == NULL);
	CHECK_INT(count(), before + 4);
	f = readings("meter/power", T0, T0 + 1);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 1.5, 0);
	f = readings("meter/power", T0 + 60, T0 + 61);
	CHECK_DBL(f.value, 2, 0);
	f = readings("door/open", T0, T0 + 1);
	CHECK_DBL(f.value, 1, 0);
	f = readings("door/open", T0 + 7, T0 + 8);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 0, 0);
	lineproto_result_finish(&res);

	/* Milliseconds: 1656288120999 ms is in second T0 + 120. */
	write_lp("meter power=3 1656288120999", LINEPROTO_MS, &res);
	CHECK_INT(res.status, 204);
	f = readings("meter/power", T0 + 120, T0 + 121);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 3, 0);
	lineproto_result_finish(&res);
}

static void test_write_partial(void)
{
	struct lineproto_result res;
	int64_t before = count();
	struct found f;

	/* Lines 1 and 4 are good; line 2 is a string, line 3 does not
	 * parse, line 5 sends a boolean to a power point. */
	write_lp("meter power=10 1656289000\n"
		 "meter name=\"main\" 1656289000\n"
		 "meter power=\n"
		 "meter power=11 1656289060\n"
		 "meter power=t 1656289120\n",
		 LINEPROTO_S, &res);
	CHECK_INT(res.status, 400);
	CHECK_STR(res.code, "invalid");
	CHECK_INT(res.written, 2);
	CHECK_INT(res.refused, 3);
	CHECK_INT(res.first_line, 2);
	CHECK_STR(res.message,
		  "partial write: 2 readings accepted, 3 refused; "
		  "line 2: field \"name\" is a string; akari stores numbers, "
		  "and booleans for state points\n"
		  "line 3: missing field value\n"
		  "line 5: field \"power\" is a boolean, but point "
		  "\"meter/power\" is not a state point");
	CHECK_INT(count(), before + 2);
	f = readings("meter/power", T0 + 1000, T0 + 1061);
	CHECK_INT(f.n, 2);
	CHECK_DBL(f.value, 11, 0);
	lineproto_result_finish(&res);
}

static void test_write_refused(void)
{
	struct lineproto_result res;
	int64_t before = count();

	/* Only unknown points: 404, nothing stored. */
	write_lp("nope v=1 1656288000\nmeter kwh=2 1656288000", LINEPROTO_S,
		 &res);
	CHECK_INT(res.status, 404);
	CHECK_STR(res.code, "not found");
	CHECK_STR(res.message, "line 1: no point \"nope/v\"\n"
			       "line 2: no point \"meter/kwh\"");
	lineproto_result_finish(&res);

	/* Another site's point, named with the point tag: 403. */
	write_lp("x,point=b/power value=1 1656288000", LINEPROTO_S, &res);
	CHECK_INT(res.status, 403);
	CHECK_STR(res.code, "forbidden");
	lineproto_result_finish(&res);

	/* A time past what akari keeps: ingest refuses it, 422. */
	write_lp("meter power=1 300000000000", LINEPROTO_S, &res);
	CHECK_INT(res.status, 422);
	CHECK_INT(res.first_line, 1);
	lineproto_result_finish(&res);

	/* Nothing but parse errors: 400. */
	write_lp("\n\nmeter\n", LINEPROTO_S, &res);
	CHECK_INT(res.status, 400);
	CHECK_STR(res.message, "line 3: missing fields");
	lineproto_result_finish(&res);

	/* No line at all. */
	write_lp("# only a comment\n\n", LINEPROTO_S, &res);
	CHECK_INT(res.status, 400);
	CHECK_STR(res.message, "writing requires points");
	lineproto_result_finish(&res);

	CHECK_INT(count(), before);
}

/* The same (point, second) twice in one write: the later line wins. */
static void test_write_duplicates(void)
{
	struct lineproto_result res;
	struct found f;

	write_lp("meter power=5 1656290000000\nmeter power=6 1656290000500",
		 LINEPROTO_MS, &res);
	CHECK_INT(res.status, 204);
	f = readings("meter/power", T0 + 2000, T0 + 2001);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 6, 0);
	lineproto_result_finish(&res);
}

/*
 * A refusal quotes a name cut to 64 bytes.  Field "a" and 70 "\xc3\xa9" (e
 * acute) maps to a 147-byte key, too long, and the cut falls inside the
 * 32nd e: the message must still be UTF-8, or no JSON answer can hold
 * it.
 */
static void test_write_cut_names(void)
{
	struct lineproto_result res;
	GString *body = g_string_new("meter a");

	for (int i = 0; i < 70; i++)
		g_string_append(body, "\xc3\xa9");
	g_string_append(body, "=1 1656288000\n");
	write_lp(body->str, LINEPROTO_S, &res);
	CHECK_INT(res.status, 400);
	CHECK_INT(res.refused, 1);
	CHECK(res.message != NULL);
	CHECK(g_utf8_validate(res.message, -1, NULL));
	lineproto_result_finish(&res);
	g_string_free(body, TRUE);
}

int main(void)
{
	test_reference_examples();
	test_escapes();
	test_layout();
	test_errors();
	test_precision();
	test_default_mapping();
	test_map_rules();
	test_map_errors();

	setup();
	test_write_all_good();
	test_write_partial();
	test_write_refused();
	test_write_duplicates();
	test_write_cut_names();
	teardown();
	return check_finish();
}
