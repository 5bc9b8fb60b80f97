/*
 * test_ingest_edges.c - parsed rows at the edges of what their
 * protocols can hand ingest_rows(), and line protocol's stored values
 * through it.
 *
 * Times: 2022-06-27T00:00:00Z is 1656288000 (19170 days * 86400 s).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "cloud/ingest/ingest.h"
#include "cloud/ingest/lineproto.h"
#include "cloud/store/store.h"
#include "cloud/store/store_registry.h"

#define T0 INT64_C(1656288000)

static char dir[128];
static struct store *st;
static struct ingest_source src;

static void add_point(const char *key, enum store_point_kind kind)
{
	struct store_point p;

	memset(&p, 0, sizeof p);
	snprintf(p.key, sizeof p.key, "%s", key);
	snprintf(p.site, sizeof p.site, "a");
	snprintf(p.quantity, sizeof p.quantity, "%s",
		 kind == STORE_STATE ? "state" : "power");
	snprintf(p.unit, sizeof p.unit, "%s",
		 kind == STORE_STATE ? "state" : "kW");
	p.kind = kind;
	CHECK_INT(store_point_add(st, &p), STORE_OK);
}

static void setup(void)
{
	char token[STORE_TOKEN_LEN + 1];

	test_make_tmpdir(dir, sizeof dir, "ingest-edges");
	st = test_fresh_store(dir, "edges");
	CHECK_INT(store_site_add(st, "a", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	add_point("a/p", STORE_INSTANTANEOUS);
	add_point("sp ace/f", STORE_INSTANTANEOUS);
	add_point("a,b", STORE_INSTANTANEOUS);
	add_point("m/k=v", STORE_INSTANTANEOUS);
	add_point("m/k2", STORE_INSTANTANEOUS);
	add_point("door", STORE_STATE);
	CHECK_INT(store_device_add(st, "a", "gw", "gateway", token,
				   sizeof token),
		  STORE_OK);
	CHECK_INT(store_device_auth(st, token, &src.device_id, &src.site_id),
		  STORE_OK);
}

/* The values of key in [from, to), into s. */
static void series(const char *key, int64_t from, int64_t to,
		   struct test_series *s)
{
	struct store_point p;

	s->n = 0;
	CHECK_INT(store_point_get(st, key, &p), STORE_OK);
	CHECK_INT(store_readings_each(st, p.id, from, to,
				      test_collect_reading, s),
		  STORE_OK);
}

static void check_one(const char *key, int64_t ts, double want)
{
	struct test_series s;

	series(key, ts, ts + 1, &s);
	CHECK_AT(s.n == 1, "%s at %lld: %d readings", key, (long long)ts,
		 s.n);
	if (s.n == 1)
		CHECK_DBL(s.v[0], want, 0);
}

/*
 * A key that is not UTF-8 names no point (every key in the store went
 * through JSON or the CLI), so the row is an unknown point's: 404 by
 * ingest.h, not a failure of the server.  A caller such as line
 * protocol's {bucket} template can build one from a URL's %FF.
 */
static void test_key_not_utf8(void)
{
	struct ingest_row rows[] = {
	    {.point = "a/\xff", .ts = T0, .value = 1},
	    {.point = "a/p", .ts = T0, .value = 2},
	};
	struct ingest_result res;
	const char *point;
	json_t *first;

	CHECK_INT(ingest_rows(st, &src, rows, 1, &res), 0);
	CHECK_INT(res.status, 404);
	CHECK_INT((int)res.rejected, 1);
	first = json_array_get(json_object_get(res.answer, "rejected"), 0);
	CHECK_STR(json_string_value(json_object_get(first, "error")),
		  "unknown_point");
	point = json_string_value(json_object_get(first, "point"));
	CHECK(point && g_utf8_validate(point, -1, NULL));
	ingest_result_finish(&res);

	CHECK_INT(ingest_rows(st, &src, rows, 2, &res), 0);
	CHECK_INT(res.status, 200);
	CHECK_INT((int)res.accepted, 1);
	CHECK_INT((int)res.rejected, 1);
	ingest_result_finish(&res);
	check_one("a/p", T0, 2);
}

static void test_bucket_not_utf8(void)
{
	static const char body[] = "m kw=1 1656288000\n";
	struct lineproto_map *map = NULL;
	struct lineproto_result res;
	char err[256];
	struct lineproto_write w = {body, strlen(body), LINEPROTO_S,
				    "\xff", T0, NULL};

	CHECK_INT(lineproto_map_parse("m kw -> {bucket}/kw\n", "test.map",
				      &map, err, sizeof err),
		  0);
	w.map = map;
	CHECK_INT(lineproto_ingest(st, &src, &w, &res), 0);
	CHECK_INT(res.status, 404);
	CHECK_STR(res.code, "not found");
	CHECK(res.message && g_utf8_validate(res.message, -1, NULL));
	lineproto_result_finish(&res);
	lineproto_map_free(map);
}

static void write_lp(const char *body, enum lineproto_precision prec,
		     int64_t now, struct lineproto_result *res)
{
	struct lineproto_write w = {body, strlen(body), prec, "", now, NULL};

	CHECK_INT(lineproto_ingest(st, &src, &w, res), 0);
}

/*
 * Every value below is written out from the line by hand: "\ " is a
 * space and "\," a comma in a measurement or tag, "\=" an equals sign in
 * a field key; 3u and 2i are the integers; INT64_MAX and UINT64_MAX as
 * doubles are 2^63 and 2^64; t and F are 1 and 0; a line without a time
 * takes now.  CR LF, comments and blank lines are no lines.
 */
static void test_lineproto_values(void)
{
	static const char body[] =
	    "# a comment\r\n"
	    "\r\n"
	    "sp\\ ace f=1.5 1656288000\r\n"
	    "m,point=a\\,b value=2i 1656288060\r\n"
	    "m k\\=v=3u,k2=4 1656288120\n"
	    "m k2=-0.5e1\n"
	    "m,point=door value=t 1656288180\n"
	    "m,point=door value=F 1656288240\n"
	    "m k2=9223372036854775807i 1656288300\n"
	    "m k2=18446744073709551615u 1656288360\n"
	    "\n";
	struct lineproto_result res;

	write_lp(body, LINEPROTO_S, T0 + 7, &res);
	CHECK_INT(res.status, 204);
	CHECK_INT((int)res.written, 9);
	lineproto_result_finish(&res);
	check_one("sp ace/f", T0, 1.5);
	check_one("a,b", T0 + 60, 2);
	check_one("m/k=v", T0 + 120, 3);
	check_one("m/k2", T0 + 120, 4);
	check_one("m/k2", T0 + 7, -5);
	check_one("door", T0 + 180, 1);
	check_one("door", T0 + 240, 0);
	check_one("m/k2", T0 + 300, 9223372036854775808.0);
	check_one("m/k2", T0 + 360, 18446744073709551616.0);

	/* Times in finer units are rounded down to the second: 999 ms
	 * past +420 is +420, -1 ms is the second before the epoch, and
	 * 1 ns past +480 is +480. */
	write_lp("m k2=7 1656288420999\nm k2=8 -1\n", LINEPROTO_MS, T0, &res);
	CHECK_INT(res.status, 204);
	lineproto_result_finish(&res);
	check_one("m/k2", T0 + 420, 7);
	check_one("m/k2", -1, 8);
	write_lp("m k2=9 1656288480000000001\n", LINEPROTO_NS, T0, &res);
	CHECK_INT(res.status, 204);
	lineproto_result_finish(&res);
	check_one("m/k2", T0 + 480, 9);

	/* A string field is refused, the line's other field kept. */
	write_lp("m s=\"x y\",k2=10 1656288540\n", LINEPROTO_S, T0, &res);
	CHECK_INT(res.status, 400);
	CHECK_INT((int)res.written, 1);
	lineproto_result_finish(&res);
	check_one("m/k2", T0 + 540, 10);
}

static int ingest_one(const char *key, int64_t ts, double value,
		      const char *unit, const char **error)
{
	struct ingest_row row = {key, ts, value, unit};
	struct ingest_result res;
	json_t *first;
	int status;

	CHECK_INT(ingest_rows(st, &src, &row, 1, &res), 0);
	status = res.status;
	first = json_array_get(json_object_get(res.answer, "rejected"), 0);
	*error = first ? g_intern_string(json_string_value(
			     json_object_get(first, "error")))
		       : "";
	ingest_result_finish(&res);
	return status;
}

/*
 * A second handle on the same file, in the same process, changes the
 * registry under the first one's cache: 1 kW into a point now in W is
 * 1000, and a retired point is refused.  The unit changes only on a
 * point without readings (m/w, looked up by a batch it refuses).
 */
static void test_second_handle(void)
{
	struct ingest_points *cache = ingest_points_create(st);
	struct store_point_change unit_w = {.unit = "W"};
	struct store *other = NULL;
	const char *error;
	char err[256];
	char *path = g_build_filename(dir, "edges1.db", NULL);

	CHECK_INT(store_open(path, &other, err, sizeof err), STORE_OK);
	src.points = cache;
	CHECK_INT(ingest_one("m/k2", T0 + 600, 1, "kW", &error), 200);
	check_one("m/k2", T0 + 600, 1);
	CHECK_INT(store_point_change(other, "m/k2", &unit_w), STORE_CONFLICT);
	add_point("m/w", STORE_INSTANTANEOUS);
	CHECK_INT(ingest_one("m/w", T0 + 600, 1, "degC", &error), 422);
	CHECK_STR(error, "wrong_unit");
	CHECK_INT(store_point_change(other, "m/w", &unit_w), STORE_OK);
	CHECK_INT(ingest_one("m/w", T0 + 660, 1, "kW", &error), 200);
	check_one("m/w", T0 + 660, 1000);

	CHECK_INT(ingest_one("a/p", T0 + 600, 1, NULL, &error), 200);
	CHECK_INT(store_point_retire(other, "a/p"), STORE_OK);
	CHECK_INT(ingest_one("a/p", T0 + 660, 1, NULL, &error), 422);
	CHECK_STR(error, "retired_point");

	src.points = NULL;
	store_close(other);
	ingest_points_destroy(cache);
	g_free(path);
}

/* --- retires racing batches --------------------------------------------- */

#define RACE_POINTS 12
#define RACE_THREADS 3

struct race {
	struct ingest_source src;
	int round;		/* the point being retired, under lock */
	bool retired;		/* store_point_retire() of it returned */
	bool stop;
	GMutex lock;
	int stale;		/* batches that began after and were stored */
	int batches;
};

static gpointer race_thread(gpointer ctx)
{
	struct race *r = ctx;
	int64_t ts = T0;

	for (;;) {
		char key[32];
		struct ingest_row row = {key, 0, 1, NULL};
		struct ingest_result res;
		bool after;

		g_mutex_lock(&r->lock);
		if (r->stop) {
			g_mutex_unlock(&r->lock);
			break;
		}
		snprintf(key, sizeof key, "r/%d", r->round);
		after = r->retired;
		g_mutex_unlock(&r->lock);

		row.ts = ts++;
		CHECK_INT(ingest_rows(st, &r->src, &row, 1, &res), 0);
		g_mutex_lock(&r->lock);
		r->batches++;
		if (after && res.status == 200)
			r->stale++;
		g_mutex_unlock(&r->lock);
		ingest_result_finish(&res);
	}
	return NULL;
}

/* Waits until the threads have run n more batches. */
static void wait_batches(struct race *r, int n)
{
	int from, seen;

	g_mutex_lock(&r->lock);
	from = r->batches;
	g_mutex_unlock(&r->lock);
	do {
		g_usleep(500);
		g_mutex_lock(&r->lock);
		seen = r->batches;
		g_mutex_unlock(&r->lock);
	} while (seen < from + n);
}

/*
 * Threads write to one point through a shared cache while the point is
 * retired; a batch that began after store_point_retire() returned must
 * be refused, whatever the others were doing at that moment.
 */
static void test_retire_race(void)
{
	struct race r = {.src = src};
	GThread *threads[RACE_THREADS];
	char key[32];

	CHECK_INT(store_site_add(st, "r", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	for (int i = 0; i < RACE_POINTS; i++) {
		snprintf(key, sizeof key, "r/%d", i);
		test_add_point(st, key, "r", "power", "kW", 60);
	}
	r.src.site_id = 0;
	r.src.points = ingest_points_create(st);
	g_mutex_init(&r.lock);
	for (int i = 0; i < RACE_THREADS; i++)
		threads[i] = g_thread_new("race", race_thread, &r);

	for (int i = 0; i < RACE_POINTS; i++) {
		/* Some batches of the point first, to fill the cache, and
		 * some after its retire. */
		wait_batches(&r, 20);
		snprintf(key, sizeof key, "r/%d", i);
		CHECK_INT(store_point_retire(st, key), STORE_OK);
		g_mutex_lock(&r.lock);
		r.retired = true;
		g_mutex_unlock(&r.lock);
		wait_batches(&r, 10);
		g_mutex_lock(&r.lock);
		r.round = i + 1 < RACE_POINTS ? i + 1 : i;
		r.retired = false;
		g_mutex_unlock(&r.lock);
	}
	g_mutex_lock(&r.lock);
	r.stop = true;
	g_mutex_unlock(&r.lock);
	for (int i = 0; i < RACE_THREADS; i++)
		g_thread_join(threads[i]);
	CHECK_INT(r.stale, 0);
	ingest_points_destroy(r.src.points);
	g_mutex_clear(&r.lock);
}

int main(void)
{
	setup();
	test_key_not_utf8();
	test_bucket_not_utf8();
	test_lineproto_values();
	test_second_handle();
	test_retire_race();
	store_close(st);
	test_remove_tree(dir);
	return check_finish();
}
