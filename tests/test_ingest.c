/*
 * test_ingest.c - batch validation against a real store in a temporary
 * file: partial success, last write wins, units, token scoping, and that
 * whole-batch errors store nothing.
 *
 * Times: 2022-06-27T00:00:00Z is 19170 days after the epoch,
 * 19170 * 86400 = 1656288000, written T0 below.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"
#include "cloud/ingest/ingest.h"
#include "cloud/store/store.h"

#define T0 INT64_C(1656288000)

static struct store *st;
static char dir[] = "/tmp/akari-test-ingest-XXXXXX";
static char dbpath[256];
static struct ingest_source device_a;	/* a device of site "a" */
static const struct ingest_source importer = {.device_id = 0};

struct found {
	int64_t ts;
	double value;
	int n;
};

/* The readings of key at exactly ts: how many (0 or 1) and the value. */
static struct found reading_at(const char *key, int64_t ts)
{
	struct test_series s = {.n = 0};
	struct store_point p;
	struct found f = {0, 0, 0};

	CHECK_INT(store_point_get(st, key, &p), STORE_OK);
	CHECK_INT(store_readings_each(st, p.id, ts, ts + 1,
				      test_collect_reading, &s),
		  STORE_OK);
	f.n = s.n;
	if (s.n > 0) {
		f.ts = s.ts[0];
		f.value = s.v[0];
	}
	return f;
}

static void add_point(const char *key, const char *site, const char *unit)
{
	test_add_point(st, key, site,
		       strcmp(unit, "kW") ? "temperature" : "power", unit, 300);
}

static void setup(void)
{
	char token[STORE_TOKEN_LEN + 1], err[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(dbpath, sizeof dbpath, "%s/ingest.db", dir);
	CHECK_INT(store_open(dbpath, &st, err, sizeof err), STORE_OK);

	CHECK_INT(store_site_add(st, "a", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "b", "home", "Europe/Berlin", NULL),
		  STORE_OK);
	add_point("a/power", "a", "kW");
	add_point("a/temp", "a", "degC");
	add_point("b/power", "b", "kW");
	add_point("a/lux", "a", "lx");

	/* Scoping goes through the real token lookup, as the API does. */
	CHECK_INT(store_device_add(st, "a", "meter", "meter", token,
				   sizeof token),
		  STORE_OK);
	CHECK_INT(store_device_auth(st, token, &device_a.device_id,
				    &device_a.site_id),
		  STORE_OK);
}

static void teardown(void)
{
	store_close(st);
	test_remove_tree(dir);
}

/* Ingests body, written with ' for " to keep the cases readable. */
static int ingest(const struct ingest_source *src, const char *body,
		  struct ingest_result *res)
{
	char *json = strdup(body);
	int rc;

	for (char *c = json; *c; c++)
		if (*c == '\'')
			*c = '"';
	rc = ingest_body(st, src, json, strlen(json), res);
	free(json);
	return rc;
}

/* The rejected entry at position i of the answer. */
static json_t *rejected(const struct ingest_result *res, size_t i)
{
	return json_array_get(json_object_get(res->answer, "rejected"), i);
}

static const char *field(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

static void test_bad_json(void)
{
	struct ingest_result res;
	int64_t before = test_count_readings(st);

	/* Line 2 is `  {"point": }]}`; the '}' is its 13th character. */
	CHECK_INT(ingest(&importer, "{'readings': [\n  {'point': }]}",
			 &res),
		  0);
	CHECK_INT(res.status, 400);
	CHECK_STR(field(res.answer, "error"), "bad_json");
	CHECK(strncmp(field(res.answer, "message"), "line 2 column 13: ",
		      18) == 0);
	CHECK_INT(test_count_readings(st), before);
	ingest_result_finish(&res);

	CHECK_INT(ingest(&importer, "", &res), 0);
	CHECK_INT(res.status, 400);
	CHECK_STR(field(res.answer, "error"), "bad_json");
	CHECK(strstr(field(res.answer, "message"), "empty") != NULL);
	ingest_result_finish(&res);

	/* A POST with no body at all hands over no buffer. */
	CHECK_INT(ingest_body(st, &importer, NULL, 0, &res), 0);
	CHECK_INT(res.status, 400);
	CHECK_STR(field(res.answer, "error"), "bad_json");
	CHECK(strstr(field(res.answer, "message"), "empty") != NULL);
	CHECK_INT(test_count_readings(st), before);
	ingest_result_finish(&res);
}

static void test_bad_batch(void)
{
	static const char *const bodies[] = {
		"[]",
		"{'rows': []}",
		"{'readings': {'point': 'a/power'}}",
	};
	struct ingest_result res;
	int64_t before = test_count_readings(st);

	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		CHECK_INT(ingest(&importer, bodies[i], &res), 0);
		CHECK_INT(res.status, 400);
		CHECK_STR(field(res.answer, "error"), "bad_batch");
		ingest_result_finish(&res);
	}
	CHECK_INT(test_count_readings(st), before);
}

/* One row over the limit refuses the batch, good rows and all. */
static void test_too_many_rows(void)
{
	json_t *batch = json_object(), *rows = json_array();
	struct ingest_result res;
	int64_t before = test_count_readings(st);

	for (int i = 0; i <= INGEST_MAX_ROWS; i++)
		json_array_append_new(rows,
				      json_pack("{s:s, s:I, s:f}", "point",
						"a/power", "ts",
						(json_int_t)(T0 + 60 * i),
						"value", 1.0));
	json_object_set_new(batch, "readings", rows);

	CHECK_INT(ingest_batch(st, &importer, batch, &res), 0);
	CHECK_INT(res.status, 400);
	CHECK_STR(field(res.answer, "error"), "too_many_rows");
	CHECK_INT(res.accepted, 0);
	CHECK_INT(test_count_readings(st), before);
	ingest_result_finish(&res);
	json_decref(batch);
}

static void test_partial(void)
{
	static const char body[] =
	    "{'readings': ["
	    /* 0 */ "{'point': 'a/power', 'ts': 1656288000,"
	    " 'value': 10, 'unit': 'kW'},"
	    /* 1 */ "{'point': 'a/nope', 'ts': 1656288000, 'value': 1},"
	    /* 2 */ "{'point': 'a/temp', 'ts': '2022-06-27T09:05:00+09:00',"
	    " 'value': 21.5},"
	    /* 3 */ "{'point': 'a/power', 'ts': 1656288300, 'value': 1,"
	    " 'unit': 'kWh'},"
	    /* 4 */ "{'point': 'a/power', 'ts': 'yesterday', 'value': 1},"
	    /* 5 */ "{'point': 'a/power', 'ts': 1656288600, 'value': '7'},"
	    /* 6 */ "{'point': 'b/power', 'ts': 1656288000, 'value': 1},"
	    /* 7 */ "42,"
	    /* 8 */ "{'ts': 1656288000, 'value': 1},"
	    /* 9 */ "{'point': 'a/power', 'ts': 1e20, 'value': 1}"
	    "]}";
	static const struct {
		int index;
		const char *error;
	} want[] = {
		{1, "unknown_point"}, {3, "wrong_unit"}, {4, "bad_ts"},
		{5, "bad_value"},     {6, "other_site"}, {7, "bad_row"},
		{8, "bad_point"},     {9, "bad_ts"},
	};
	size_t nwant = sizeof want / sizeof want[0];
	struct ingest_result res;
	int64_t before = test_count_readings(st);
	struct found f;

	CHECK_INT(ingest(&device_a, body, &res), 0);
	CHECK_INT(res.status, 200);
	CHECK_INT(res.accepted, 2);
	CHECK_INT(res.rejected, nwant);
	CHECK_INT(json_integer_value(json_object_get(res.answer, "accepted")),
		  2);
	CHECK_INT(json_array_size(json_object_get(res.answer, "rejected")),
		  nwant);
	for (size_t i = 0; i < nwant; i++) {
		json_t *r = rejected(&res, i);

		CHECK_INT(json_integer_value(json_object_get(r, "index")),
			  want[i].index);
		CHECK_STR(field(r, "error"), want[i].error);
		CHECK(field(r, "message") && *field(r, "message"));
	}
	CHECK_STR(field(rejected(&res, 0), "point"), "a/nope");
	CHECK(json_object_get(rejected(&res, 5), "point") == NULL);
	ingest_result_finish(&res);

	/* Only rows 0 and 2 are stored; 09:05+09:00 is 00:05Z = T0 + 300. */
	CHECK_INT(test_count_readings(st), before + 2);
	f = reading_at("a/power", T0);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 10.0, 0);
	f = reading_at("a/temp", T0 + 300);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 21.5, 0);
	CHECK_INT(reading_at("a/power", T0 + 300).n, 0);
}

static void test_wrong_unit_message(void)
{
	struct ingest_result res;
	const char *msg;

	CHECK_INT(ingest(&importer,
			 "{'readings': [{'point': 'a/power',"
			 " 'ts': 1656291600, 'value': 3, 'unit': 'degC'}]}",
			 &res),
		  0);
	/* The only row is refused for its unit: neither 404 nor 403. */
	CHECK_INT(res.status, 422);
	CHECK_INT(res.accepted, 0);
	msg = field(rejected(&res, 0), "message");
	CHECK_AT(msg && strstr(msg, "\"degC\"") && strstr(msg, "\"kW\"") &&
		     strstr(msg, "a/power") && strstr(msg, "power"),
		 "message names neither both units nor the point: %s",
		 msg ? msg : "(null)");
	ingest_result_finish(&res);
	CHECK_INT(reading_at("a/power", T0 + 3600).n, 0);
}

/*
 * A value in another unit of the point's quantity is stored in the
 * point's unit.  Expected values by hand:
 *   1500 W = 1500 / 1000 kW = 1.5 kW
 *   0.3 万kW = 0.3 * 10000 kW = 3000 kW
 *   2 MW = 2000 kW
 *   68 degF = (68 - 32) * 5 / 9 degC = 20 degC
 *   300 K = 300 - 273.15 degC = 26.85 degC
 */
static void test_unit_conversion(void)
{
	static const char body[] =
	    "{'readings': ["
	    "{'point': 'a/power', 'ts': 1656302400, 'value': 1500,"
	    " 'unit': 'W'},"
	    "{'point': 'a/power', 'ts': 1656302700, 'value': 0.3,"
	    " 'unit': '\u4e07kW'},"
	    "{'point': 'a/power', 'ts': 1656303000, 'value': 2,"
	    " 'unit': 'MW'},"
	    "{'point': 'a/temp', 'ts': 1656302400, 'value': 68,"
	    " 'unit': 'degF'},"
	    "{'point': 'a/temp', 'ts': 1656302700, 'value': 300,"
	    " 'unit': 'K'},"
	    "{'point': 'a/temp', 'ts': 1656303000, 'value': 19.5,"
	    " 'unit': 'degC'}"
	    "]}";
	struct ingest_result res;

	CHECK_INT(ingest(&importer, body, &res), 0);
	CHECK_INT(res.status, 200);
	CHECK_INT(res.accepted, 6);
	CHECK_INT(res.rejected, 0);
	ingest_result_finish(&res);

	/* 1656302400 is T0 + 14400. */
	CHECK_DBL(reading_at("a/power", T0 + 14400).value, 1.5, 1e-12);
	CHECK_DBL(reading_at("a/power", T0 + 14700).value, 3000.0, 1e-9);
	CHECK_DBL(reading_at("a/power", T0 + 15000).value, 2000.0, 1e-9);
	CHECK_DBL(reading_at("a/temp", T0 + 14400).value, 20.0, 1e-12);
	CHECK_DBL(reading_at("a/temp", T0 + 14700).value, 26.85, 1e-9);
	CHECK_DBL(reading_at("a/temp", T0 + 15000).value, 19.5, 0);
}

/* Units that cannot become the point's: each refused, nothing stored. */
static void test_unit_refused(void)
{
	static const struct {
		const char *body;
		const char *error;
		const char *words[3];
	} cases[] = {
		/* energy for a power point */
		{"{'readings': [{'point': 'a/power', 'ts': 1656306000,"
		 " 'value': 1, 'unit': 'kWh'}]}",
		 "wrong_unit", {"\"kWh\"", "not a unit of power", "\"kW\""}},
		/* a unit akari does not know */
		{"{'readings': [{'point': 'a/temp', 'ts': 1656306000,"
		 " 'value': 1, 'unit': 'furlong'}]}",
		 "wrong_unit", {"\"furlong\"", "temperature", "\"degC\""}},
		/* a point whose own unit is outside the table */
		{"{'readings': [{'point': 'a/lux', 'ts': 1656306000,"
		 " 'value': 1, 'unit': 'W'}]}",
		 "wrong_unit", {"\"W\"", "\"lx\"", "a/lux"}},
		/* units are case-sensitive: kw is not kW */
		{"{'readings': [{'point': 'a/power', 'ts': 1656306000,"
		 " 'value': 1, 'unit': 'kw'}]}",
		 "wrong_unit", {"\"kw\"", "\"kW\"", "a/power"}},
		/* the quoted unit is cut at 32 bytes inside 電 (bytes 32-34):
		 * the rest of the message must survive the cut */
		{"{'readings': [{'point': 'a/temp', 'ts': 1656306000,"
		 " 'value': 1, 'unit': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx電'}]}",
		 "wrong_unit", {"temperature", "\"degC\"", "a/temp"}},
		/* 1e308 MW is 1e311 kW, past a double */
		{"{'readings': [{'point': 'a/power', 'ts': 1656306000,"
		 " 'value': 1e308, 'unit': 'MW'}]}",
		 "bad_value", {"\"MW\"", "range", "\"kW\""}},
	};
	int64_t before = test_count_readings(st);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ingest_result res;
		const char *msg;

		CHECK_INT(ingest(&importer, cases[i].body, &res), 0);
		CHECK_INT(res.status, 422);
		CHECK_INT(res.accepted, 0);
		CHECK_STR(field(rejected(&res, 0), "error"), cases[i].error);
		msg = field(rejected(&res, 0), "message");
		for (size_t w = 0; w < 3; w++)
			CHECK_AT(msg && strstr(msg, cases[i].words[w]),
				 "case %zu: message lacks '%s': %s", i,
				 cases[i].words[w], msg ? msg : "(null)");
		ingest_result_finish(&res);
	}
	CHECK_INT(test_count_readings(st), before);
}

static void test_last_write_wins(void)
{
	struct ingest_result res;
	int64_t before = test_count_readings(st);
	struct found f;

	/* Three rows for one (point, ts) in a batch: the last one stays. */
	CHECK_INT(ingest(&importer,
			 "{'readings': ["
			 "{'point': 'a/power', 'ts': 1656295200, 'value': 1},"
			 "{'point': 'a/power', 'ts': '1656295200',"
			 " 'value': 2},"
			 "{'point': 'a/power', 'ts': '2022-06-27T02:00:00Z',"
			 " 'value': 3}]}",
			 &res),
		  0);
	CHECK_INT(res.status, 200);
	CHECK_INT(res.accepted, 3);
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before + 1);
	f = reading_at("a/power", T0 + 7200);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 3.0, 0);

	/* A later batch for the same (point, ts) replaces the value; a
	 * fractional ts is truncated to the second. */
	CHECK_INT(ingest(&importer,
			 "{'readings': [{'point': 'a/power',"
			 " 'ts': 1656295200.75, 'value': 4.5}]}",
			 &res),
		  0);
	CHECK_INT(res.status, 200);
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before + 1);
	f = reading_at("a/power", T0 + 7200);
	CHECK_INT(f.n, 1);
	CHECK_DBL(f.value, 4.5, 0);
}

static void test_scoping(void)
{
	static const char body[] =
	    "{'readings': [{'point': 'b/power', 'ts': 1656298800,"
	    " 'value': 5}]}";
	struct ingest_result res;
	int64_t before = test_count_readings(st);

	/* Site a's device may not write site b's point... */
	CHECK_INT(ingest(&device_a, body, &res), 0);
	CHECK_INT(res.status, 403);
	CHECK_STR(field(rejected(&res, 0), "error"), "other_site");
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before);

	/* ...but the local importer may write any point. */
	CHECK_INT(ingest(&importer, body, &res), 0);
	CHECK_INT(res.status, 200);
	CHECK_INT(res.accepted, 1);
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before + 1);
}

static void test_none_stored_status(void)
{
	struct ingest_result res;
	int64_t before = test_count_readings(st);

	CHECK_INT(ingest(&importer,
			 "{'readings': ["
			 "{'point': 'x/1', 'ts': 1656288000, 'value': 1},"
			 "{'point': 'x/2', 'ts': 1656288000, 'value': 1}]}",
			 &res),
		  0);
	CHECK_INT(res.status, 404);
	CHECK_INT(res.rejected, 2);
	ingest_result_finish(&res);

	/* Mixed reasons with nothing stored are 422. */
	CHECK_INT(ingest(&importer,
			 "{'readings': ["
			 "{'point': 'x/1', 'ts': 1656288000, 'value': 1},"
			 "{'point': 'a/power', 'ts': 1656288000}]}",
			 &res),
		  0);
	CHECK_INT(res.status, 422);
	CHECK_STR(field(rejected(&res, 1), "error"), "bad_value");
	ingest_result_finish(&res);

	/* An empty batch is a success that stores nothing. */
	CHECK_INT(ingest(&importer, "{'readings': []}", &res), 0);
	CHECK_INT(res.status, 200);
	CHECK_INT(json_integer_value(json_object_get(res.answer, "accepted")),
		  0);
	CHECK_INT(json_array_size(json_object_get(res.answer, "rejected")), 0);
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before);
}

int main(void)
{
	setup();
	test_bad_json();
	test_bad_batch();
	test_too_many_rows();
	test_partial();
	test_wrong_unit_message();
	test_unit_conversion();
	test_unit_refused();
	test_last_write_wins();
	test_scoping();
	test_none_stored_status();
	teardown();
	return check_finish();
}
