/*
 * test_ingest_json.c - the reader of plain JSON batches against jansson.
 *
 * Each body goes through ingest_body(), which takes the reader's path
 * when it can, into one store, and through json_loadb() and
 * ingest_batch(), jansson's path, into a second store with the same
 * registry.  Both must answer the same status and body and store the
 * same readings.  Whether the reader takes a body at all is written by
 * hand beside it: a test where the reader gave up on every body would
 * prove nothing.
 *
 * Times: 2022-06-27T00:00:00Z is 1656288000 (19170 days * 86400 s);
 * "2022-06-27T09:00:00+09:00" is the same instant.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "cloud/ingest/ingest.h"
#include "cloud/ingest/ingest_json.h"
#include "cloud/store/store.h"

#define T0 INT64_C(1656288000)

struct pair {
	struct store *fast, *tree;
	struct ingest_source src_fast, src_tree;
};

static char dir[128];

static void registry(struct store *st, struct ingest_source *src)
{
	char token[STORE_TOKEN_LEN + 1];

	CHECK_INT(store_site_add(st, "a", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "b", "home", "Asia/Tokyo", NULL),
		  STORE_OK);
	test_add_point(st, "a/p", "a", "power", "kW", 60);
	test_add_point(st, "a/t", "a", "temperature", "degC", 60);
	test_add_point(st, "b/p", "b", "power", "kW", 60);
	test_add_point(st, "a/\xe9\x9b\xbb\xe5\x8a\x9b", "a", "power", "kW",
		       60);
	CHECK_INT(store_device_add(st, "a", "gw", "gateway", token,
				   sizeof token),
		  STORE_OK);
	memset(src, 0, sizeof *src);
	CHECK_INT(store_device_auth(st, token, &src->device_id,
				    &src->site_id),
		  STORE_OK);
}

/* Every reading of every point of st, as text, for comparing. */
static int dump_point(const struct store_point *p, void *ctx);

struct dump {
	struct store *st;
	GString *out;
};

static int dump_reading(int64_t ts, double value, void *ctx)
{
	g_string_append_printf(ctx, " %lld=%.17g", (long long)ts, value);
	return 0;
}

static int dump_point(const struct store_point *p, void *ctx)
{
	struct dump *d = ctx;

	g_string_append_printf(d->out, "%s:", p->key);
	CHECK_INT(store_readings_each(d->st, p->id, INT64_MIN, INT64_MAX,
				      dump_reading, d->out),
		  STORE_OK);
	g_string_append_c(d->out, '\n');
	return 0;
}

static char *dump(struct store *st)
{
	struct dump d = {st, g_string_new(NULL)};

	CHECK_INT(store_points_each(st, NULL, dump_point, &d), STORE_OK);
	return g_string_free(d.out, FALSE);
}

/* jansson's path, as ingest_body() took it before the reader. */
static void tree_ingest(struct pair *p, const char *body,
			struct ingest_result *res)
{
	json_error_t jerr;
	json_t *batch = json_loadb(body, strlen(body),
				   JSON_REJECT_DUPLICATES, &jerr);

	if (!batch) {
		memset(res, 0, sizeof *res);
		res->status = 400;
		res->answer = json_pack("{s:s}", "error", "bad_json");
		return;
	}
	CHECK_INT(ingest_batch(p->tree, &p->src_tree, batch, res), 0);
	json_decref(batch);
}

/* Whether the reader takes body (without storing anything). */
static bool reader_takes(const char *body)
{
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct ingest_row));
	GStringChunk *strings = g_string_chunk_new(256);
	bool ok = ingest_json_rows(body, strlen(body), rows, strings);

	g_array_free(rows, TRUE);
	g_string_chunk_free(strings);
	return ok;
}

static void same(struct pair *p, const char *body, bool plain)
{
	struct ingest_result fast, tree;
	char *df, *dt;

	CHECK_AT(reader_takes(body) == plain, "reader %s: %s",
		 plain ? "should take" : "should leave", body);

	CHECK_INT(ingest_body(p->fast, &p->src_fast, body, strlen(body),
			      &fast),
		  0);
	tree_ingest(p, body, &tree);
	CHECK_AT(fast.status == tree.status, "status %d, jansson %d: %s",
		 fast.status, tree.status, body);
	if (tree.status == 400 && json_object_get(tree.answer, "error") &&
	    !strcmp(json_string_value(json_object_get(tree.answer, "error")),
		    "bad_json")) {
		CHECK_STR(json_string_value(json_object_get(fast.answer,
							    "error")),
			  "bad_json");
	} else {
		char *a = json_dumps(fast.answer, JSON_COMPACT);
		char *b = json_dumps(tree.answer, JSON_COMPACT);

		CHECK_AT(json_equal(fast.answer, tree.answer),
			 "answer %s, jansson %s", a, b);
		free(a);
		free(b);
	}
	ingest_result_finish(&fast);
	ingest_result_finish(&tree);

	df = dump(p->fast);
	dt = dump(p->tree);
	CHECK_AT(!strcmp(df, dt), "stored %s, jansson %s (after %s)", df, dt,
		 body);
	g_free(df);
	g_free(dt);
}

/* Bodies the reader takes: each must come out as jansson's. */
static const char *const plain[] = {
    "{\"readings\": []}",
    " \r\n\t{ \"readings\" :[ ] } \n",
    "{\"readings\":[{\"point\":\"a/p\",\"ts\":1656288000,\"value\":1.5}]}",
    "{\"readings\": [{\"value\": 2, \"ts\": 1656288060, \"point\": \"a/p\","
    " \"unit\": \"MW\"}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": \"2022-06-27T09:02:00"
    "+09:00\", \"value\": -0.25e-1}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": \"1656288180\","
    " \"value\": 1E+3}]}",
    "{\"readings\": [{\"point\": \"a/t\", \"ts\": 1656288000, \"value\": "
    "68, \"unit\": \"degF\"}, {\"point\": \"a/t\", \"ts\": 1656288060,"
    " \"value\": 1, \"unit\": \"kW\"}]}",
    "{\"readings\": [{\"point\": \"b/p\", \"ts\": 1656288000, \"value\": 1},"
    " {\"point\": \"x/y\", \"ts\": 1656288000, \"value\": 1},"
    " {\"point\": \"a/p\", \"ts\": 253402214400, \"value\": 1},"
    " {\"point\": \"a/p\", \"ts\": -9000000000, \"value\": 1},"
    " {\"point\": \"a/p\", \"ts\": 1656288240, \"value\": 4294967294}]}",
    "{\"readings\": [{\"point\": \"a/\xe9\x9b\xbb\xe5\x8a\x9b\", \"ts\": "
    "1656288000, \"value\": -0}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288300, \"value\": "
    "999999999999999999}, {\"point\": \"a/p\", \"ts\": 1656288300, "
    "\"value\": 0.1}]}",
};

/* Bodies the reader leaves to jansson, valid JSON or not. */
static const char *const other[] = {
    "",
    "[]",
    "{\"readings\": {}}",
    "{\"readings\": [], \"x\": 1}",
    "{\"readings\": [] } x",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, \"value\": 1,"
    " \"value\": 2}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, \"value\": 1,"
    " \"note\": \"x\"}]}",
    "{\"readings\": [{\"point\": \"a\\/p\", \"ts\": 1656288000, "
    "\"value\": 1}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000.7, "
    "\"value\": 1}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": \"yesterday\", "
    "\"value\": 1}]}",
    "{\"readings\": [{\"point\": \"x/none\", \"ts\": \"yesterday\", "
    "\"value\": 1}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": \"1\"}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 1, \"unit\": null}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 1e999}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 12345678901234567890}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 01}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 1.}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": true}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 1},]}",
    "{\"readings\": [{\"point\": \"a/\xff\", \"ts\": 1656288000, "
    "\"value\": 1}]}",
    "{\"readings\": [{\"point\": \"a/p\t\", \"ts\": 1656288000, "
    "\"value\": 1}]}",
    "{\"readings\": [{\"point\": 5, \"ts\": 1656288000, \"value\": 1}]}",
    "{\"readings\": [7]}",
    "{\"readings\": [{}]}",
    "{\"readings\": [{\"point\": \"a/p\", \"ts\": 1656288000, "
    "\"value\": 1}",
};

/*
 * What the plain bodies stored, by hand: 1.5 at T0; 2 MW is 2000 kW at
 * +60; -0.25e-1 at +120; 1E+3 at +180; the "no data" code at +240 is
 * dropped; at +300 the last write (0.1) wins.  68 degF is 20 degC.
 */
static void check_plain_by_hand(struct store *st)
{
	static const double want[] = {1.5, 2000, -0.025, 1000, 0.1};
	static const int64_t at[] = {0, 60, 120, 180, 300};
	struct test_series s = {.n = 0};
	struct store_point pt;

	CHECK_INT(store_point_get(st, "a/p", &pt), STORE_OK);
	CHECK_INT(store_readings_each(st, pt.id, T0, T0 + 301,
				      test_collect_reading, &s),
		  STORE_OK);
	CHECK_INT(s.n, 5);
	for (int i = 0; i < s.n && i < 5; i++) {
		CHECK_INT((int)(s.ts[i] - T0), (int)at[i]);
		CHECK_DBL(s.v[i], want[i], 0);
	}

	s.n = 0;
	CHECK_INT(store_point_get(st, "a/t", &pt), STORE_OK);
	CHECK_INT(store_readings_each(st, pt.id, T0, T0 + 1,
				      test_collect_reading, &s),
		  STORE_OK);
	CHECK_INT(s.n, 1);
	CHECK_DBL(s.v[0], 20, 1e-12);
}

int main(void)
{
	struct pair p;

	test_make_tmpdir(dir, sizeof dir, "ingest-json");
	p.fast = test_fresh_store(dir, "fast");
	p.tree = test_fresh_store(dir, "tree");
	registry(p.fast, &p.src_fast);
	registry(p.tree, &p.src_tree);

	for (size_t i = 0; i < G_N_ELEMENTS(plain); i++)
		same(&p, plain[i], true);
	check_plain_by_hand(p.fast);
	for (size_t i = 0; i < G_N_ELEMENTS(other); i++)
		same(&p, other[i], false);

	store_close(p.fast);
	store_close(p.tree);
	test_remove_tree(dir);
	return check_finish();
}
