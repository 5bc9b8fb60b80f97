/*
 * test_ingest_rows.c - the parsed-row entry of ingest and the points it
 * keeps between batches: one batch sent as JSON and as line protocol
 * stores the same values and refuses the same rows, and no change to
 * the registry between two batches is missed by the second when it
 * comes through the store or from another writer of the file; and the
 * point keys line protocol maps to, at the length limit.
 *
 * Times: 2022-06-27T00:00:00Z is 19170 days after the epoch,
 * 19170 * 86400 = 1656288000, written T0 below.  9999-12-31T00:00:00Z,
 * the first instant ingest refuses, is 253402214400.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "cloud/ingest/ingest.h"
#include "cloud/ingest/ingest_points.h"
#include "cloud/ingest/lineproto.h"
#include "cloud/store/store.h"
#include "cloud/store/store_quarantine.h"
#include "cloud/store/store_registry.h"

#define T0 INT64_C(1656288000)

static char dir[128];

/* A store with sites a and b, a device of a, and its points. */
struct box {
	struct store *st;
	struct ingest_source src;	/* the device of site a */
	char path[256];
};

static void add_counter(struct store *st, const char *key, int digits)
{
	struct store_point p;

	memset(&p, 0, sizeof p);
	snprintf(p.key, sizeof p.key, "%s", key);
	snprintf(p.site, sizeof p.site, "a");
	snprintf(p.quantity, sizeof p.quantity, "energy");
	snprintf(p.unit, sizeof p.unit, "kWh");
	p.kind = STORE_COUNTER;
	p.step_s = 60;
	p.counter_digits = digits;
	CHECK_INT(store_point_add(st, &p), STORE_OK);
}

static void box_open(struct box *b, const char *name)
{
	char token[STORE_TOKEN_LEN + 1], err[256];

	snprintf(b->path, sizeof b->path, "%s/%s.db", dir, name);
	CHECK_INT(store_open(b->path, &b->st, err, sizeof err), STORE_OK);
	CHECK_INT(store_site_add(b->st, "a", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(b->st, "b", "home", "Asia/Tokyo", NULL),
		  STORE_OK);
	test_add_point(b->st, "a/p1", "a", "power", "kW", 60);
	test_add_point(b->st, "a/t", "a", "temperature", "degC", 60);
	test_add_point(b->st, "b/p", "b", "power", "kW", 60);
	add_counter(b->st, "a/c", 6);

	CHECK_INT(store_device_add(b->st, "a", "gw", "gateway", token,
				   sizeof token),
		  STORE_OK);
	memset(&b->src, 0, sizeof b->src);
	CHECK_INT(store_device_auth(b->st, token, &b->src.device_id,
				    &b->src.site_id),
		  STORE_OK);
}

/* The value stored for key at ts; NAN-free: n says whether there is one. */
static int value_at(struct store *st, const char *key, int64_t ts,
		    double *v)
{
	struct test_series s = {.n = 0};
	struct store_point p;

	CHECK_INT(store_point_get(st, key, &p), STORE_OK);
	CHECK_INT(store_readings_each(st, p.id, ts, ts + 1,
				      test_collect_reading, &s),
		  STORE_OK);
	if (s.n)
		*v = s.v[0];
	return s.n;
}

static void check_value_at(struct store *st, const char *key, int64_t ts,
			   double want)
{
	double v = 0;

	CHECK_INT(value_at(st, key, ts, &v), 1);
	CHECK_DBL(v, want, 0);
}

/* --- duplicates in a large batch ---------------------------------------- */

/*
 * 3,000 rows over 2 points and 500 times, each (point, ts) three times
 * in a shuffled order, the value of a row its position in the batch:
 * what is stored for each (point, ts) must be the greatest position of
 * its three rows, worked out here from the shuffled list itself.
 */
static void test_duplicates_shuffled(void)
{
	enum { PAIRS = 1000, COPIES = 3, N = PAIRS * COPIES };
	static struct ingest_row rows[N];
	static int pair_of[N], last[PAIRS];
	struct ingest_result res;
	struct box b;
	uint32_t seed = 12345;
	int64_t before, after;

	box_open(&b, "dups");
	for (int i = 0; i < N; i++)
		pair_of[i] = i % PAIRS;
	for (int i = N - 1; i > 0; i--) {
		int j, t;

		seed = seed * 1103515245u + 12345u;
		j = (int)((seed >> 8) % (uint32_t)(i + 1));
		t = pair_of[i];
		pair_of[i] = pair_of[j];
		pair_of[j] = t;
	}
	for (int i = 0; i < N; i++) {
		int k = pair_of[i];

		rows[i] = (struct ingest_row){
			k % 2 ? "a/p1" : "a/t", T0 + 60 * (k / 2), (double)i,
			NULL};
		last[k] = i;	/* rows go in order: the last write is i */
	}

	before = test_count_readings(b.st);
	CHECK_INT(ingest_rows(b.st, &b.src, rows, N, &res), 0);
	CHECK_INT(res.status, 200);
	CHECK_INT((int)res.accepted, N);
	ingest_result_finish(&res);
	after = test_count_readings(b.st);
	CHECK_INT((int)(after - before), PAIRS);
	for (int k = 0; k < PAIRS; k++)
		check_value_at(b.st, k % 2 ? "a/p1" : "a/t",
			       T0 + 60 * (k / 2), (double)last[k]);
	store_close(b.st);
}

/* --- one batch, two protocols -------------------------------------------- */

/*
 * Line i + 1 of LP is row i of JSON.  Expected, by the rules of
 * docs/api.md: rows 0, 1, 6, 7 stored (7 replaces 0 at T0), 2 another
 * site's point, 3 unknown, 4 a negative counter value, 5 a value over
 * 6 digits, 8 a time past 9999-12-30, 9 ECHONET Lite's 0xFFFFFFFE
 * "no data" code (4294967294), dropped without a refusal.
 */
static const char lp_body[] =
    "m,point=a/p1 value=1.5 1656288000\n"
    "m,point=a/p1 value=3i 1656288060\n"
    "m,point=b/p value=7 1656288000\n"
    "m,point=x/none value=1 1656288000\n"
    "m,point=a/c value=-1i 1656288000\n"
    "m,point=a/c value=1000000i 1656288060\n"
    "m,point=a/c value=999998i 1656288120\n"
    "m,point=a/p1 value=2.5 1656288000\n"
    "m,point=a/t value=20 253402214400\n"
    "m,point=a/p1 value=4294967294u 1656288180\n";

static const char json_body[] =
    "{\"readings\": ["
    "{\"point\": \"a/p1\", \"ts\": 1656288000, \"value\": 1.5},"
    "{\"point\": \"a/p1\", \"ts\": 1656288060, \"value\": 3},"
    "{\"point\": \"b/p\", \"ts\": 1656288000, \"value\": 7},"
    "{\"point\": \"x/none\", \"ts\": 1656288000, \"value\": 1},"
    "{\"point\": \"a/c\", \"ts\": 1656288000, \"value\": -1},"
    "{\"point\": \"a/c\", \"ts\": 1656288060, \"value\": 1000000},"
    "{\"point\": \"a/c\", \"ts\": 1656288120, \"value\": 999998},"
    "{\"point\": \"a/p1\", \"ts\": 1656288000, \"value\": 2.5},"
    "{\"point\": \"a/t\", \"ts\": 253402214400, \"value\": 20},"
    "{\"point\": \"a/p1\", \"ts\": 1656288180, \"value\": 4294967294}"
    "]}";

static void check_stored(struct store *st)
{
	double v;

	check_value_at(st, "a/p1", T0, 2.5);
	check_value_at(st, "a/p1", T0 + 60, 3);
	check_value_at(st, "a/c", T0 + 120, 999998);
	CHECK_INT(value_at(st, "a/p1", T0 + 180, &v), 0);
	CHECK_INT(value_at(st, "a/c", T0, &v), 0);
	CHECK_INT(value_at(st, "a/c", T0 + 60, &v), 0);
	CHECK_INT(value_at(st, "b/p", T0, &v), 0);
	CHECK_INT((int)test_count_readings(st), 3);
}

static void test_same_batch_two_protocols(void)
{
	static const size_t want_rows[] = {2, 3, 4, 5, 8};
	static const char *const want_codes[] = {
	    "other_site", "unknown_point", "bad_value", "bad_value",
	    "bad_ts"};
	struct box bj, bl;
	struct ingest_result jr;
	struct lineproto_result lr;
	struct lineproto_write w = {
	    .body = lp_body, .len = strlen(lp_body),
	    .precision = LINEPROTO_S, .bucket = "", .now = T0};
	json_t *rejected;
	GString *msg;

	box_open(&bj, "json");
	box_open(&bl, "lp");

	CHECK_INT(ingest_body(bj.st, &bj.src, json_body, strlen(json_body),
			      &jr),
		  0);
	CHECK_INT(jr.status, 200);
	CHECK_INT((int)jr.accepted, 4);
	CHECK_INT((int)jr.rejected, 5);
	CHECK_INT((int)jr.missing, 1);

	CHECK_INT(lineproto_ingest(bl.st, &bl.src, &w, &lr), 0);
	CHECK_INT(lr.status, 400);
	CHECK_INT((int)lr.written, 4);
	CHECK_INT((int)lr.refused, 5);
	CHECK_INT((int)lr.first_line, 3);

	/* The same refusals, each on its line, in the same words. */
	rejected = json_object_get(jr.answer, "rejected");
	CHECK_INT((int)json_array_size(rejected), 5);
	msg = g_string_new("partial write: 4 readings accepted, 5 refused; ");
	for (size_t i = 0; i < json_array_size(rejected); i++) {
		json_t *e = json_array_get(rejected, i);

		CHECK_INT((int)json_integer_value(json_object_get(e, "index")),
			  (int)want_rows[i]);
		CHECK_STR(json_string_value(json_object_get(e, "error")),
			  want_codes[i]);
		g_string_append_printf(
		    msg, "%sline %zu: %s", i ? "\n" : "", want_rows[i] + 1,
		    json_string_value(json_object_get(e, "message")));
	}
	CHECK_STR(lr.message, msg->str);
	g_string_free(msg, TRUE);

	check_stored(bj.st);
	check_stored(bl.st);

	ingest_result_finish(&jr);
	lineproto_result_finish(&lr);
	store_close(bj.st);
	store_close(bl.st);
}

/* --- a registry change between two batches ------------------------------- */

/* One row through the cache; the answer's status, and its first
 * refusal's code in code ("" when none). */
static int send_one(struct box *b, const char *key, int64_t ts,
		    double value, const char *unit, char *code,
		    size_t codelen)
{
	struct ingest_row row = {key, ts, value, unit};
	struct ingest_result res;
	json_t *first;
	int status;

	CHECK_INT(ingest_rows(b->st, &b->src, &row, 1, &res), 0);
	first = json_array_get(json_object_get(res.answer, "rejected"), 0);
	snprintf(code, codelen, "%s",
		 first ? json_string_value(json_object_get(first, "error"))
		       : "");
	status = res.status;
	ingest_result_finish(&res);
	return status;
}

static void test_changes_between_batches(void)
{
	const enum store_point_kind counter = STORE_COUNTER;
	struct box b;
	char code[64];

	box_open(&b, "changes");
	b.src.points = ingest_points_create(b.st);
	test_add_point(b.st, "a/r", "a", "power", "kW", 60);
	add_counter(b.st, "a/d", 0);

	/* Retired: accepted once, refused from the next batch on. */
	CHECK_INT(send_one(&b, "a/r", T0, 1, NULL, code, sizeof code), 200);
	CHECK_INT(store_point_retire(b.st, "a/r"), STORE_OK);
	CHECK_INT(send_one(&b, "a/r", T0 + 60, 2, NULL, code, sizeof code),
		  422);
	CHECK_STR(code, "retired_point");

	/* Another unit: 50 degF is (50 - 32) * 5 / 9 = 10 degC, and once
	 * the point is in degF, 50 degF is stored as 50.  Only a point
	 * without readings changes its unit: a/t2 is looked up by a batch
	 * it refuses. */
	CHECK_INT(send_one(&b, "a/t", T0, 50, "degF", code, sizeof code),
		  200);
	check_value_at(b.st, "a/t", T0, 10);
	CHECK_INT(store_point_change(b.st, "a/t",
				     &(struct store_point_change){
					 .unit = "degF"}),
		  STORE_CONFLICT);
	test_add_point(b.st, "a/t2", "a", "temperature", "degC", 60);
	CHECK_INT(send_one(&b, "a/t2", T0, 50, "kW", code, sizeof code), 422);
	CHECK_STR(code, "wrong_unit");
	CHECK_INT(store_point_change(b.st, "a/t2",
				     &(struct store_point_change){
					 .unit = "degF"}),
		  STORE_OK);
	CHECK_INT(send_one(&b, "a/t2", T0 + 60, 50, "degF", code,
			   sizeof code),
		  200);
	check_value_at(b.st, "a/t2", T0 + 60, 50);

	/* Digits: 5000 fits a register without a wrap, not one of 3. */
	CHECK_INT(send_one(&b, "a/d", T0, 5000, NULL, code, sizeof code),
		  200);
	CHECK_INT(store_point_set_digits(b.st, "a/d", 3), STORE_OK);
	CHECK_INT(send_one(&b, "a/d", T0 + 60, 5000, NULL, code, sizeof code),
		  422);
	CHECK_STR(code, "bad_value");

	/* A kind: a/p1 made a counter refuses a negative value.  A kind
	 * changes on a point with readings; its unit would not. */
	CHECK_INT(send_one(&b, "a/p1", T0, -5, NULL, code, sizeof code), 200);
	CHECK_INT(store_point_change(b.st, "a/p1",
				     &(struct store_point_change){
					 .kind = &counter}),
		  STORE_OK);
	CHECK_INT(send_one(&b, "a/p1", T0 + 60, -5, NULL, code, sizeof code),
		  422);
	CHECK_STR(code, "bad_value");

	/* Unknown, then added: found by the next batch. */
	CHECK_INT(send_one(&b, "a/new", T0, 1, NULL, code, sizeof code), 404);
	CHECK_STR(code, "unknown_point");
	test_add_point(b.st, "a/new", "a", "power", "kW", 60);
	CHECK_INT(send_one(&b, "a/new", T0, 1, NULL, code, sizeof code), 200);

	ingest_points_destroy(b.src.points);
	store_close(b.st);
}

/* The message of a one-row batch's first refusal, owned by the caller. */
static char *refusal_message(struct box *b, const char *key, int64_t ts)
{
	struct ingest_row row = {key, ts, 1, NULL};
	struct ingest_result res;
	json_t *first;
	char *msg;

	CHECK_INT(ingest_rows(b->st, &b->src, &row, 1, &res), 0);
	first = json_array_get(json_object_get(res.answer, "rejected"), 0);
	msg = g_strdup(first ? json_string_value(json_object_get(first,
								  "message"))
			     : "");
	ingest_result_finish(&res);
	return msg;
}

static void test_site_renamed(void)
{
	struct box b;
	char *msg;

	box_open(&b, "rename");
	b.src.points = ingest_points_create(b.st);

	msg = refusal_message(&b, "b/p", T0);
	CHECK_STR(msg, "point \"b/p\" belongs to site \"b\", not to this "
		       "device's site");
	g_free(msg);
	CHECK_INT(store_site_change(b.st, "b",
				    &(struct store_site_change){
					.name = "b2"}),
		  STORE_OK);
	msg = refusal_message(&b, "b/p", T0);
	CHECK_STR(msg, "point \"b/p\" belongs to site \"b2\", not to this "
		       "device's site");
	g_free(msg);

	ingest_points_destroy(b.src.points);
	store_close(b.st);
}

/*
 * Another writer of the file, as `akari point retire --db` beside a
 * running server: plain SQLite on its own connection, which this
 * process's registry count cannot see.  The very next batch must see
 * it.
 */
static void test_other_writer(void)
{
	struct box b;
	sqlite3 *db = NULL;
	char code[64];

	box_open(&b, "writer");
	b.src.points = ingest_points_create(b.st);

	CHECK_INT(send_one(&b, "a/p1", T0, 1, NULL, code, sizeof code), 200);
	CHECK_INT(send_one(&b, "a/p1", T0 + 60, 1, NULL, code, sizeof code),
		  200);

	CHECK_INT(sqlite3_open(b.path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	CHECK_INT(sqlite3_exec(db, "UPDATE points SET retired = unixepoch() "
				   "WHERE key = 'a/p1'",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);

	CHECK_INT(send_one(&b, "a/p1", T0 + 120, 1, NULL, code, sizeof code),
		  422);
	CHECK_STR(code, "retired_point");

	ingest_points_destroy(b.src.points);
	store_close(b.st);
}

/*
 * The default mapping's keys, written into the caller's buffer: 127
 * bytes fit sizeof store_point.key (128 with the NUL), 128 do not.
 * Measurement "m" (1) + "/" (1) + a field of 125 'f' is 127 bytes.
 */
static void test_key_lengths(void)
{
	char key[sizeof ((struct store_point *)0)->key], err[256];
	char field[130], point[130], want[64 + 1];
	struct lineproto_tag tag = {"point", point};
	struct lineproto_field f = {.key = field, .type = LINEPROTO_FLOAT};
	struct lineproto_line l = {.measurement = "m", .fields = &f,
				   .nfields = 1};
	struct lineproto_map *map = NULL;

	memset(field, 'f', 125);
	field[125] = '\0';
	CHECK_INT(lineproto_map_key(NULL, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  1);
	CHECK_INT((int)strlen(key), 127);
	CHECK(key[0] == 'm' && key[1] == '/' && key[2] == 'f');

	field[125] = 'f';
	field[126] = '\0';
	memset(want, 'f', 64);
	want[64] = '\0';
	CHECK_INT(lineproto_map_key(NULL, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  -1);
	{
		char msg[256];

		snprintf(msg, sizeof msg, "field \"%s\" maps to a point key "
			 "of 128 bytes; keys have at most 127", want);
		CHECK_STR(err, msg);
	}

	/* A point tag with field "value" is the key itself. */
	memset(point, 'p', 127);
	point[127] = '\0';
	l.tags = &tag;
	l.ntags = 1;
	f.key = "value";
	CHECK_INT(lineproto_map_key(NULL, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  1);
	CHECK_STR(key, point);
	f.key = "kw";
	CHECK_INT(lineproto_map_key(NULL, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  -1);

	/* Through a rule: "{point}/x" of a 127-byte tag is 129 bytes; a
	 * rule that drops the field gives 0; no rule matching: default. */
	CHECK_INT(lineproto_map_parse("m kw -> {point}/x\nm drop -> -\n",
				      "test.map", &map, err, sizeof err),
		  0);
	CHECK_INT(lineproto_map_key(map, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  -1);
	CHECK(strstr(err, "129 bytes") != NULL);
	point[3] = '\0';
	CHECK_INT(lineproto_map_key(map, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  1);
	CHECK_STR(key, "ppp/x");
	f.key = "drop";
	CHECK_INT(lineproto_map_key(map, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  0);
	f.key = "other";
	CHECK_INT(lineproto_map_key(map, &l, &f, "", key, sizeof key, err,
				    sizeof err),
		  1);
	CHECK_STR(key, "ppp/other");
	lineproto_map_free(map);
}

int main(void)
{
	test_make_tmpdir(dir, sizeof dir, "ingest-rows");
	test_same_batch_two_protocols();
	test_duplicates_shuffled();
	test_changes_between_batches();
	test_site_renamed();
	test_other_writer();
	test_key_lengths();
	test_remove_tree(dir);
	return check_finish();
}
