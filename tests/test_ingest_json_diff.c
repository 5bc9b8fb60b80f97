/*
 * test_ingest_json_diff.c - generated JSON batches, through ingest_body()
 * and through jansson's path, must give the same answer and store the
 * same rows.
 *
 * Bodies are built from a fixed seed out of rows whose members come in
 * any order, any number of times, with JSON whitespace (and some that is
 * not) between tokens, from pools of keys, points, times, values and
 * units chosen for the edges of both readers: escapes, bytes that are
 * or are not UTF-8, numbers at and past the range of int64 and double,
 * times as strings, reals and out of range.  Some bodies are then cut,
 * given a byte more or less (NUL among them), a BOM, or garbage after
 * the closing brace.
 *
 * jansson's path is written out here as ingest_body() took it before
 * the plain reader: json_loadb() with JSON_REJECT_DUPLICATES, its error
 * as "line L column C: text" (or ingest_json_explain()'s words), then
 * ingest_batch().  It is the reference:
 * whatever the two answer, the fast store must hold what the reference
 * store holds, readings and quarantine alike.  The test also counts the
 * bodies the plain reader took, so that it cannot pass by giving up on
 * every one.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "test_util.h"
#include "cloud/ingest/ingest.h"
#include "cloud/ingest/ingest_json.h"
#include "cloud/store/store.h"
#include "cloud/store/store_quarantine.h"

#define BODIES 10000

struct pair {
	struct store *fast, *tree;
	struct ingest_source src_fast, src_tree;
};

static char dir[128];
static uint64_t seed = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: the same bodies on every run and machine. */
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return (uint32_t)((seed * 0x2545f4914f6cdd1dU) >> 33) % n;
}

#define PICK(a) ((a)[rnd(G_N_ELEMENTS(a))])

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

/* A key of 127 bytes, the most a point key holds: "a/" and 125 'k'. */
static char long_key[128];

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
	test_add_point(st, "a/\xe9\x9b\xbb", "a", "power", "kW", 60);
	test_add_point(st, "a/\xef\xbf\xbe", "a", "power", "kW", 60);
	test_add_point(st, long_key, "a", "power", "kW", 60);
	add_counter(st, "a/c", 4);
	CHECK_INT(store_device_add(st, "a", "gw", "gateway", token,
				   sizeof token),
		  STORE_OK);
	memset(src, 0, sizeof *src);
	CHECK_INT(store_device_auth(st, token, &src->device_id,
				    &src->site_id),
		  STORE_OK);
	src->future_tolerance_s = 3600;
}

/* --- what a store holds, as text ---------------------------------------- */

static int dump_reading(int64_t ts, double value, void *ctx)
{
	g_string_append_printf(ctx, " %lld=%.17g", (long long)ts, value);
	return 0;
}

struct dump {
	struct store *st;
	GString *out;
};

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

static int dump_held(const struct store_held *h, void *ctx)
{
	g_ptr_array_add(ctx, g_strdup_printf("held %s %lld=%.17g %s\n",
					     h->point, (long long)h->ts,
					     h->value, h->reason));
	return 0;
}

static gint cmp_line(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *dump(struct store *st)
{
	struct dump d = {st, g_string_new(NULL)};

	CHECK_INT(store_points_each(st, NULL, dump_point, &d), STORE_OK);
	/* Held rows come newest arrival first, and the two stores' rows
	 * may arrive a second apart: compared in key order. */
	GPtrArray *held = g_ptr_array_new_with_free_func(g_free);

	CHECK_INT(store_quarantine_each(st, 0, dump_held, held), STORE_OK);
	g_ptr_array_sort(held, cmp_line);
	for (guint i = 0; i < held->len; i++)
		g_string_append(d.out, held->pdata[i]);
	g_ptr_array_free(held, TRUE);
	return g_string_free(d.out, FALSE);
}

/* --- the reference ------------------------------------------------------ */

static void tree_ingest(struct pair *p, const char *body, size_t len,
			struct ingest_result *res)
{
	json_error_t jerr;
	json_t *batch;
	char msg[JSON_ERROR_TEXT_LENGTH + 64];

	memset(res, 0, sizeof *res);
	if (!len) {
		res->status = 400;
		res->answer = json_pack("{s:s, s:s}", "error", "bad_json",
					"message", "the body is empty; send "
					"{\"readings\": [...]}");
		return;
	}
	batch = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!batch) {
		/* the words for a byte order mark or a NUL are not the
		 * reader's to decide: both paths take them from there */
		if (!ingest_json_explain(body, len, &jerr, msg, sizeof msg))
			snprintf(msg, sizeof msg, "line %d column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		res->status = 400;
		res->answer = json_pack("{s:s, s:s}", "error", "bad_json",
					"message", msg);
		return;
	}
	CHECK_INT(ingest_batch(p->tree, &p->src_tree, batch, res), 0);
	json_decref(batch);
}

static bool reader_takes(const char *body, size_t len)
{
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct ingest_row));
	GStringChunk *strings = g_string_chunk_new(256);
	bool ok = ingest_json_rows(body, len, rows, strings);

	g_array_free(rows, TRUE);
	g_string_chunk_free(strings);
	return ok;
}

/* Body bytes as C escapes, for a failure's message. */
static char *shown(const char *body, size_t len)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < len && i < 600; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			g_string_append_printf(s, "\\x%02x", c);
		else
			g_string_append_c(s, (char)c);
	}
	return g_string_free(s, FALSE);
}

static size_t taken, compared;

/*
 * The answer with the seconds of each future_ts message left out: the
 * two paths read the clock apart, and a second may tick in between.
 */
static void steady(json_t *answer)
{
	json_t *aside = json_object_get(answer, "set_aside"), *e;
	GRegex *ahead = g_regex_new(" is [0-9]+ s ahead", 0, 0, NULL);
	size_t i;

	json_array_foreach(aside, i, e) {
		const char *why = json_string_value(json_object_get(e,
								    "reason"));
		const char *msg = json_string_value(json_object_get(e,
								    "message"));
		char *fixed;

		if (!why || strcmp(why, "future_ts") || !msg)
			continue;
		fixed = g_regex_replace_literal(ahead, msg, -1, 0,
						" is N s ahead", 0, NULL);
		json_object_set_new(e, "message", json_string(fixed));
		g_free(fixed);
	}
	g_regex_unref(ahead);
}

static void same(struct pair *p, const char *body, size_t len)
{
	struct ingest_result fast, tree;
	char *df, *dt, *a, *b, *text = shown(body, len);

	if (reader_takes(body, len))
		taken++;
	compared++;
	CHECK_INT(ingest_body(p->fast, &p->src_fast, body, len, &fast), 0);
	tree_ingest(p, body, len, &tree);
	steady(fast.answer);
	steady(tree.answer);

	a = json_dumps(fast.answer, JSON_COMPACT);
	b = json_dumps(tree.answer, JSON_COMPACT);
	CHECK_AT(fast.status == tree.status && json_equal(fast.answer,
							   tree.answer),
		 "%d %s, jansson %d %s: %s", fast.status, a, tree.status, b,
		 text);
	CHECK_AT(fast.accepted == tree.accepted &&
			 fast.rejected == tree.rejected &&
			 fast.quarantined == tree.quarantined &&
			 fast.missing == tree.missing,
		 "counts differ: %s", text);
	free(a);
	free(b);
	ingest_result_finish(&fast);
	ingest_result_finish(&tree);

	df = dump(p->fast);
	dt = dump(p->tree);
	CHECK_AT(!strcmp(df, dt), "stored\n%s, jansson\n%s after %s", df, dt,
		 text);
	g_free(df);
	g_free(dt);
	g_free(text);
}

/* --- the generator ------------------------------------------------------ */

static const char *const spaces[] = {
    "", "", "", " ", " ", "\n", "\r\n", "\t", "  \t\n ",
};

/* Not JSON whitespace: each must make both readers refuse. */
static const char *const bad_spaces[] = {"\f", "\v", "\xc2\xa0", "\x00"};

static const char *const point_keys[] = {
    "\"point\"", "\"point\"", "\"point\"", "\"point\"", "\"point\"",
    "\"point\"", "\"point\"", "\"point\"", "\"\\u0070oint\"",
    "\"Point\"", "\"point \"",
};

static const char *const points[] = {
    "\"a/p\"", "\"a/p\"", "\"a/t\"", "\"b/p\"", "\"x/y\"", "\"\"",
    "\"a/\xe9\x9b\xbb\"", "\"a/\\u96fb\"", "\"a\\/p\"", "\"a/\\u0070\"",
    "\"a/\xef\xbf\xbe\"",		/* U+FFFE, a noncharacter */
    "\"a/\xed\xa0\x80\"",		/* a surrogate: not UTF-8 */
    "\"a/\xc0\xaf\"",			/* overlong '/' */
    "\"a/\xf4\x90\x80\x80\"",		/* past U+10FFFF */
    "\"a/\xe9\x9b\"",			/* cut sequence */
    "\"a/\xff\"", "\"a/c\"", "\"a/c\"", "\"a/p\\u0000\"", "5", "null",
    "[\"a/p\"]", "{\"k\": \"a/p\"}", "LONG", "LONG+1", "HUGE",
};

static const char *const times[] = {
    "1656288000", "1656288060", "1656288120", "\"1656288180\"",
    "\"2022-06-27T09:04:00+09:00\"", "\"2022-06-27T00:05:00Z\"",
    "\"2022-06-27T00:05:00\"", "1656288000.5", "1656288000.0",
    "1.6562880e9", "-0", "0", "-1", "-2208988800", "-2208988801",
    "253402214399", "253402214400", "999999999999999999",
    "-999999999999999999", "9223372036854775807", "9223372036854775808",
    "1e400", "\"\"", "\"yesterday\"", "\" 1656288000\"", "null", "true",
    "{}", "01", "0x10", "FUTURE", "\"FUTURE\"",
};

static const char *const values[] = {
    "1", "1.5", "-0", "-0.0", "0", "1e400", "-1e400", "1e-400",
    "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
    "1.7976931348623159e308", "0x10", "01", "-01", "1.0e+2", "1E5",
    "1e", "1.", ".5", "+1", "-", "999999999999999999",
    "9999999999999999999", "-9223372036854775808", "123.456e-2",
    "0.1", "1e22", "1e23", "4294967294", "65534", "-5", "99999",
    "true", "false", "null", "\"1\"", "{}", "[]", "{\"a\": 1}", "[1]",
    "0.30000000000000004", "1E-7", "-1.5e+300",
    "1.00000000000000000000000000000000000000000000000000000000000000001",
};

static const char *const units[] = {
    "\"kW\"", "\"MW\"", "\"W\"", "\"degF\"", "\"kWh\"", "\"\"", "null",
    "5", "\"k\\u0057\"", "\"\xe2\x84\x83\"", "\"kW\\u0000\"",
};

static const char *const other_keys[] = {
    "\"note\"", "\"\"", "\"ts \"", "\"\\u0074s\"", "\"v\xc3\xa9\"",
};

static void ws(GString *b)
{
	if (!rnd(1000))
		g_string_append_len(b, PICK(bad_spaces), 1);
	else
		g_string_append(b, PICK(spaces));
}

/* A long point name of n bytes of 'k' after "a/". */
static void long_point(GString *b, size_t n)
{
	g_string_append(b, "\"a/");
	for (size_t i = 0; i < n; i++)
		g_string_append_c(b, 'k');
	g_string_append_c(b, '"');
}

static void append_point(GString *b)
{
	static const char *const plain[] = {"\"a/p\"", "\"a/t\"",
					    "\"b/p\"", "\"x/y\"", "\"a/c\""};
	const char *p = rnd(3) ? PICK(plain) : PICK(points);

	if (!strcmp(p, "LONG"))
		long_point(b, 125);
	else if (!strcmp(p, "LONG+1"))
		long_point(b, 126);
	else if (!strcmp(p, "HUGE"))
		long_point(b, 5000 + rnd(70000));
	else
		g_string_append(b, p);
}

static void append_time(GString *b)
{
	const char *t = PICK(times);
	/* A day ahead, so far past any tolerance and clock step. */
	long long future = (long long)time(NULL) + 86400 + 60 * rnd(10);

	if (rnd(5))
		/* Mostly a few instants, so rows meet at one (point, ts). */
		g_string_append_printf(b, "%d", 1656288000 + 60 * (int)rnd(6));
	else if (!strcmp(t, "FUTURE"))
		g_string_append_printf(b, "%lld", future);
	else if (!strcmp(t, "\"FUTURE\""))
		g_string_append_printf(b, "\"%lld\"", future);
	else
		g_string_append(b, t);
}

static void member(GString *b, const char *key, int what)
{
	ws(b);
	g_string_append(b, key);
	ws(b);
	g_string_append_c(b, ':');
	ws(b);
	switch (what) {
	case 0:
		append_point(b);
		break;
	case 1:
		append_time(b);
		break;
	case 2:
		if (rnd(3))
			g_string_append_printf(b, "%d.%d", (int)rnd(9999) - 99,
					       (int)rnd(1000));
		else
			g_string_append(b, PICK(values));
		break;
	case 3:
		g_string_append(b, rnd(2) ? "\"kW\"" : PICK(units));
		break;
	default:
		g_string_append(b, rnd(2) ? "1" : "\"x\"");
		break;
	}
	ws(b);
}

static void row(GString *b)
{
	/* point, ts, value, unit, other; each 0, 1 or (rarely) 2 times. */
	int order[10], n = 0;

	for (int what = 0; what < 5; what++) {
		int times_in = what < 3 ? 1 : (int)rnd(2);

		if (what < 3 && !rnd(25))
			times_in = 0;
		if (what == 4 && rnd(6))
			times_in = 0;
		if (!rnd(60))
			times_in++;
		for (int k = 0; k < times_in; k++)
			order[n++] = what;
	}
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rnd((uint32_t)i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}

	ws(b);
	g_string_append_c(b, '{');
	for (int i = 0; i < n; i++) {
		static const char *const keys[] = {NULL, "\"ts\"", "\"value\"",
						   "\"unit\""};
		const char *key = order[i] == 0	  ? PICK(point_keys)
				  : order[i] == 4 ? PICK(other_keys)
						  : keys[order[i]];

		if (order[i] == 1 && !rnd(40))
			key = "\"\\u0074s\"";
		if (i)
			g_string_append_c(b, ',');
		member(b, key, order[i]);
	}
	if (n && !rnd(60))
		g_string_append_c(b, ',');
	ws(b);
	g_string_append_c(b, '}');
	ws(b);
}

static void body(GString *b)
{
	int nrows = rnd(8) ? (int)rnd(6) : (int)rnd(60);

	if (!rnd(80))
		g_string_append(b, "\xef\xbb\xbf");
	ws(b);
	g_string_append_c(b, '{');
	ws(b);
	if (!rnd(60))
		g_string_append(b, "\"x\": 1,");
	g_string_append(b, rnd(50) ? "\"readings\"" : "\"read\\u0069ngs\"");
	ws(b);
	g_string_append_c(b, ':');
	ws(b);
	g_string_append_c(b, '[');
	for (int i = 0; i < nrows; i++) {
		if (i)
			g_string_append_c(b, ',');
		row(b);
	}
	if (nrows && !rnd(60))
		g_string_append_c(b, ',');
	ws(b);
	g_string_append_c(b, ']');
	if (!rnd(60))
		g_string_append(b, rnd(2) ? ", \"readings\": []" : ", \"x\": 1");
	ws(b);
	g_string_append_c(b, '}');
	ws(b);
	if (!rnd(60))
		g_string_append(b, rnd(2) ? "x" : "{}");
}

static void mutate(GString *b)
{
	static const char bytes[] = {'\0', ',', '}', ']', '{', '[', '"',
				     '\\', ':', '0', '-', 'e', '.', '\x80'};
	size_t at = b->len ? rnd((uint32_t)b->len) : 0;

	switch (rnd(4)) {
	case 0:
		g_string_truncate(b, at);
		break;
	case 1:
		g_string_insert_c(b, (gssize)at, PICK(bytes));
		break;
	case 2:
		if (b->len)
			g_string_erase(b, (gssize)at, 1);
		break;
	default:
		if (b->len)
			b->str[at] = PICK(bytes);
		break;
	}
}

int main(void)
{
	struct pair p;
	GString *b = g_string_new(NULL);

	memset(long_key, 'k', sizeof long_key - 1);
	memcpy(long_key, "a/", 2);
	test_make_tmpdir(dir, sizeof dir, "ingest-json-diff");
	p.fast = test_fresh_store(dir, "fast");
	p.tree = test_fresh_store(dir, "tree");
	registry(p.fast, &p.src_fast);
	registry(p.tree, &p.src_tree);

	for (int i = 0; i < BODIES && check_failed < 5; i++) {
		g_string_truncate(b, 0);
		body(b);
		if (!rnd(6))
			mutate(b);
		same(&p, b->str, b->len);
	}

	/* About a sixth of the bodies are plain: a reader that took none would
	 * test nothing. */
	CHECK_AT(taken * 10 > compared, "the reader took %zu of %zu bodies",
		 taken, compared);

	g_string_free(b, TRUE);
	store_close(p.fast);
	store_close(p.tree);
	test_remove_tree(dir);
	return check_finish();
}
