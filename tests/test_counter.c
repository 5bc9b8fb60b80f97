/*
 * test_counter.c - the register rules of counter.h on sequences worked
 * out by hand, the spreading of increments over buckets, and the energy
 * of a counter point through analytics_aggregate() on a real store.
 *
 * Each sequence's expected classes and increments are derived in the
 * comment above it from the rules in docs/counters.md, not from running
 * the code.  Readings are a minute apart unless said otherwise.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "check.h"
#include "test_util.h"
#include "cloud/analytics/analytics.h"
#include "cloud/analytics/counter.h"
#include "cloud/ingest/ingest.h"
#include "cloud/store/store.h"
#include "cloud/store/store_quarantine.h"

#define MAXN 16

/* 2022-06-27T00:00:00+09:00 is 2022-06-26T15:00:00Z = 1656255600. */
#define DAY0 INT64_C(1656255600)

struct expect {
	enum counter_class cls[MAXN];
	double delta[MAXN];	/* per step, in order */
	size_t nsteps;
	double total;
};

/* Runs counter_steps() over v (a minute apart from 0) and checks the
 * classes, the steps' deltas and their sum. */
static void check_seq(const char *name, const double *v, size_t n,
		      int digits, const struct expect *want)
{
	int64_t ts[MAXN] = {0};
	struct counter_step steps[MAXN];
	enum counter_class cls[MAXN];
	size_t nsteps = 99;
	double total = 0;

	for (size_t i = 0; i < n; i++)
		ts[i] = (int64_t)i * 60;
	counter_steps(ts, v, n, digits, steps, &nsteps, cls);

	for (size_t i = 0; i < n; i++)
		CHECK_AT(cls[i] == want->cls[i], "%s: reading %zu is %s, "
			 "want %s", name, i, counter_class_name(cls[i]),
			 counter_class_name(want->cls[i]));
	CHECK_AT(nsteps == want->nsteps, "%s: %zu steps, want %zu", name,
		 nsteps, want->nsteps);
	for (size_t k = 0; k < nsteps && k < want->nsteps; k++) {
		CHECK_AT(steps[k].delta == want->delta[k],
			 "%s: step %zu is %g, want %g", name, k,
			 steps[k].delta, want->delta[k]);
		CHECK_AT(steps[k].delta >= 0, "%s: negative step", name);
		CHECK_AT(steps[k].t0 < steps[k].t1, "%s: empty step", name);
		total += steps[k].delta;
	}
	CHECK_AT(total == want->total, "%s: total %g, want %g", name, total,
		 want->total);
}

/*
 * Wrap, 6 digits (top 10^6): 999990 first; 999998 rises 8; 3 is a drop
 * of 999995 (not under a tenth of the mark), the next reading 10 is
 * below 999998 - 99999.8 so the drop holds, and 3 + 10^6 - 999998 = 5 is
 * under 10^5: a wrap of +5; 10 rises 7.  Total 20.
 */
static void test_wrap(void)
{
	static const double v[] = {999990, 999998, 3, 10};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_WRAP, COUNTER_RISE},
		{8, 5, 7}, 3, 20};

	check_seq("wrap", v, 4, 6, &e);
}

/*
 * Reset, no digits: 5000 first, 5010 +10; 12 drops 4998 and 20 after it
 * stays below 5010 - 501, so it holds; with no digits it is a reset,
 * counted from 0: +12.  20 +8, 31 +11.  Total 41.  The same drop on a
 * 6-digit meter from 500000 to 7 is no wrap (7 + 10^6 - 500000 = 500007
 * is not under 10^5): a reset of +7, then 9 +2.
 */
static void test_reset(void)
{
	static const double v[] = {5000, 5010, 12, 20, 31};
	static const double v6[] = {500000, 7, 9};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_RESET, COUNTER_RISE,
		 COUNTER_RISE},
		{10, 12, 8, 11}, 4, 41};
	struct expect e6 = {
		{COUNTER_FIRST, COUNTER_RESET, COUNTER_RISE}, {7, 2}, 2, 9};

	check_seq("reset", v, 5, 0, &e);
	check_seq("reset6", v6, 3, 6, &e6);
}

/*
 * Dip: 1000 first; 1010 +10; 1005 is 5 below the mark 1010, under 101:
 * noise, 0, the mark stays 1010; 1008 likewise 0; 1012 rises from the
 * mark: +2; 1020 +8.  Total 20 = 1020 - 1000: the dip counts nothing
 * twice.
 */
static void test_dip(void)
{
	static const double v[] = {1000, 1010, 1005, 1008, 1012, 1020};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_DIP, COUNTER_DIP,
		 COUNTER_RISE, COUNTER_RISE},
		{10, 0, 0, 2, 8}, 5, 20};

	check_seq("dip", v, 6, 0, &e);
}

/*
 * Glitch: 1000, 1010 (+10), then 0: a drop of 1010, but the next reading
 * 1020 is at or above 1010 - 101, so the drop did not hold: skipped.
 * 1020 +10 over the two minutes from 1010; 1030 +10.  Total 30.  A lone
 * non-zero value far below (37) is a glitch the same way.
 */
static void test_glitch(void)
{
	static const double v[] = {1000, 1010, 0, 1020, 1030};
	static const double w[] = {1000, 37, 1001};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_GLITCH, COUNTER_RISE,
		 COUNTER_RISE},
		{10, 10, 10}, 3, 30};
	struct expect f = {
		{COUNTER_FIRST, COUNTER_GLITCH, COUNTER_RISE}, {1}, 1, 1};
	int64_t ts[5] = {0, 60, 120, 180, 240};
	struct counter_step steps[5];
	size_t n;

	check_seq("glitch", v, 5, 0, &e);
	check_seq("glitch37", w, 3, 0, &f);

	/* The rise after the glitch spans from the last counted reading. */
	counter_steps(ts, v, 5, 0, steps, &n, NULL);
	CHECK_INT(steps[1].t0, 60);
	CHECK_INT(steps[1].t1, 180);
}

/*
 * A lone high value is a glitch too: 1000, 1010 (+10), then 5000 rises
 * above the mark, but the next reading 1020 is a big drop from it (3980
 * is not under 500) and back at or above 1010 - 101 = 909, so 5000 did
 * not hold: skipped.  1020 +10 over two minutes from 1010, 1030 +10.
 * Total 30 = 1030 - 1000.  The same on a 6-digit meter near its top:
 * 10, 20 (+10), 999990 (next 30 is 999960 below it and above 20 - 2):
 * skipped, not counted as a rise of 999970 followed by a wrap; 30 +10,
 * 40 +10.  Total 30.  The newest reading cannot be judged so: 1000 then
 * 5000 is a rise of 4000 until a later reading says otherwise.
 */
static void test_spike(void)
{
	static const double v[] = {1000, 1010, 5000, 1020, 1030};
	static const double v6[] = {10, 20, 999990, 30, 40};
	static const double last[] = {1000, 5000};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_GLITCH, COUNTER_RISE,
		 COUNTER_RISE},
		{10, 10, 10}, 3, 30};
	struct expect e6 = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_GLITCH, COUNTER_RISE,
		 COUNTER_RISE},
		{10, 10, 10}, 3, 30};
	struct expect f = {{COUNTER_FIRST, COUNTER_RISE}, {4000}, 1, 4000};

	check_seq("spike", v, 5, 0, &e);
	check_seq("spike6", v6, 5, 6, &e6);
	check_seq("spike last", last, 2, 0, &f);
}

/*
 * Sentinels: 1000 first; 0xFFFFFFFE = 4294967294 missing; 1010 +10;
 * 0xFFFFFFFF missing; 1020 +10.  Total 20.  NaN and a negative value are
 * missing too.  On a 6-digit meter 1234567 is beyond the register:
 * missing, and 999999 then rises 99.
 */
static void test_sentinel(void)
{
	static const double v[] = {1000, 4294967294.0, 1010, 4294967295.0,
				   1020, -5, NAN};
	static const double v6[] = {999900, 1234567, 999999};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_MISSING, COUNTER_RISE, COUNTER_MISSING,
		 COUNTER_RISE, COUNTER_MISSING, COUNTER_MISSING},
		{10, 10}, 2, 20};
	struct expect e6 = {
		{COUNTER_FIRST, COUNTER_MISSING, COUNTER_RISE}, {99}, 1, 99};

	check_seq("sentinel", v, 7, 0, &e);
	check_seq("sentinel6", v6, 3, 6, &e6);
	CHECK(counter_is_sentinel(4294967294.0));
	CHECK(!counter_is_sentinel(4294967293.0));
	CHECK(!counter_is_valid(4294967294.0, 0));
	CHECK(counter_is_valid(4294967293.0, 0));
}

/*
 * A big drop in the newest reading waits: 1000, 1010 (+10), 50 pending,
 * no step.  Two zeros in a row are not a lone zero: the first 0 holds
 * (the next, 0, is below 1000 - 100): a reset counted from 0, +0; the
 * second rises 0; 5 rises 5.  Total 5.
 */
static void test_pending(void)
{
	static const double v[] = {1000, 1010, 50};
	static const double z[] = {1000, 0, 0, 5};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_PENDING}, {10}, 1, 10};
	struct expect f = {
		{COUNTER_FIRST, COUNTER_RESET, COUNTER_RISE, COUNTER_RISE},
		{0, 0, 5}, 3, 5};

	check_seq("pending", v, 3, 0, &e);
	check_seq("zeros", z, 4, 0, &f);
}

/*
 * Everything on one 6-digit meter:
 *   0  999000      first
 *   1  999500      rise 500
 *   2  4294967294  missing
 *   3  999400      dip (100 < 99950): 0, mark 999500
 *   4  0           drop; next 999700 >= 999500 - 99950: glitch
 *   5  999700      rise 200
 *   6  999999      rise 299
 *   7  100         drop; next 300 holds; 100 + 10^6 - 999999 = 101: wrap
 *   8  300         rise 200
 *   9  290         dip (10 < 30): 0
 *  10  400         rise 100 (from the mark 300)
 *  11  12          drop 388 >= 40; next 15 < 360 holds; no wrap: reset 12
 *  12  15          rise 3
 * Total 500 + 200 + 299 + 101 + 200 + 100 + 12 + 3 = 1415.
 */
static void test_mixed(void)
{
	static const double v[] = {999000, 999500, 4294967294.0, 999400, 0,
				   999700, 999999, 100, 300, 290, 400, 12,
				   15};
	struct expect e = {
		{COUNTER_FIRST, COUNTER_RISE, COUNTER_MISSING, COUNTER_DIP,
		 COUNTER_GLITCH, COUNTER_RISE, COUNTER_RISE, COUNTER_WRAP,
		 COUNTER_RISE, COUNTER_DIP, COUNTER_RISE, COUNTER_RESET,
		 COUNTER_RISE},
		{500, 0, 200, 299, 101, 200, 0, 100, 12, 3}, 10, 1415};

	check_seq("mixed", v, 13, 6, &e);
}

/*
 * Spreading: a step of 12 over (1200, 2400] across the edge 1800 puts
 * 600 s, 6, on each side.  Clipped to a window from 1500, the first
 * bucket keeps 300 s of it: 12 * 300 / 1200 = 3.  A step of 6 over
 * (3600, 7200] lies in the third bucket only.
 */
static void test_spread(void)
{
	const struct counter_step steps[] = {{1200, 2400, 12},
					     {3600, 7200, 6}};
	const int64_t edges[] = {0, 1800, 3600, 7200};
	double amount[3] = {0};
	int64_t covered[3] = {0};

	counter_spread(steps, 2, edges, 3, 0, 7200, amount, covered);
	CHECK_DBL(amount[0], 6, 1e-12);
	CHECK_DBL(amount[1], 6, 1e-12);
	CHECK_DBL(amount[2], 6, 1e-12);
	CHECK_INT(covered[0], 600);
	CHECK_INT(covered[1], 600);
	CHECK_INT(covered[2], 3600);

	memset(amount, 0, sizeof amount);
	memset(covered, 0, sizeof covered);
	counter_spread(steps, 2, edges, 3, 1500, 7200, amount, covered);
	CHECK_DBL(amount[0], 3, 1e-12);
	CHECK_INT(covered[0], 300);
}

/* --- through the store: ingest, quarantine, analytics ------------------ */

static struct store *st;
static char dir[256];

static void add_counter(const char *key, const char *unit, int digits)
{
	struct store_point p = {.kind = STORE_COUNTER,
				.counter_digits = digits};

	snprintf(p.key, sizeof p.key, "%s", key);
	snprintf(p.site, sizeof p.site, "hall");
	snprintf(p.quantity, sizeof p.quantity, "energy");
	snprintf(p.unit, sizeof p.unit, "%s", unit);
	CHECK_INT(store_point_add(st, &p), STORE_OK);
}

static void setup_store(void)
{
	struct store_point p = {.counter_digits = 16};

	test_make_tmpdir(dir, sizeof dir, "counter");
	st = test_fresh_store(dir, "counter");
	CHECK_INT(store_site_add(st, "hall", "building", "Asia/Tokyo", NULL),
		  STORE_OK);
	add_counter("hall/energy", "kWh", 6);
	add_counter("hall/wh", "Wh", 0);
	add_counter("hall/meter2", "kWh", 0);
	test_add_point(st, "hall/power", "hall", "power", "kW", 60);

	/* 16 digits would not be exact in a double. */
	snprintf(p.key, sizeof p.key, "hall/x");
	snprintf(p.site, sizeof p.site, "hall");
	snprintf(p.quantity, sizeof p.quantity, "energy");
	snprintf(p.unit, sizeof p.unit, "kWh");
	p.kind = STORE_COUNTER;
	CHECK_INT(store_point_add(st, &p), STORE_INVALID);
	CHECK_INT(store_point_set_digits(st, "hall/wh", 16), STORE_INVALID);
	CHECK_INT(store_point_set_digits(st, "nowhere", 4), STORE_NOT_FOUND);
	CHECK_INT(store_point_set_digits(st, "hall/meter2", 0), STORE_OK);
}

/* Ingests body (single quotes for double) from a device-less source
 * with a 300 s future tolerance. */
static void ingest(const char *body, struct ingest_result *res)
{
	const struct ingest_source src = {.future_tolerance_s = 300};
	char *json = g_strdup(body);

	for (char *c = json; *c; c++)
		if (*c == '\'')
			*c = '"';
	CHECK_INT(ingest_body(st, &src, json, strlen(json), res), 0);
	g_free(json);
}

/* The hourly fn of key over the three hours from DAY0, in *v. */
static void hourly(const char *key, enum analytics_fn fn, double v[3],
		   const char *unit)
{
	json_t *out = NULL;
	char err[256] = "";

	CHECK_AT(analytics_aggregate(st, key, DAY0, DAY0 + 3 * 3600,
				     ANALYTICS_HOUR, fn, &out, err,
				     sizeof err) == 0, "aggregate: %s", err);
	for (size_t k = 0; k < 3; k++)
		v[k] = json_number_value(json_object_get(json_array_get(
			json_object_get(out, "buckets"), k), "value"));
	CHECK_STR(json_string_value(json_object_get(out, "unit")), unit);
	json_decref(out);
}

/*
 * The register of it_counter.py at ten-minute steps from 00:00 local
 * (hourly 55, 43, 55 by hand there), a sentinel at 00:30 and a power
 * reading an hour ahead of the clock in the same batch.
 */
static void test_through_store(void)
{
	static const double reg[] = {999950, 999960, 999970, 4294967294.0,
				     999990, 999985, 5, 0, 25, 35, 40, 45,
				     3, 8, 18, 28, 38, 48, 58};
	GString *b = g_string_new("{'readings': [");
	struct ingest_result res;
	int64_t held = -1, before = test_count_readings(st);
	double v[3];

	for (size_t i = 0; i < 19; i++)
		g_string_append_printf(b, "{'point': 'hall/energy', "
				       "'ts': %lld, 'value': %.17g},",
				       (long long)(DAY0 + (int64_t)i * 600),
				       reg[i]);
	g_string_append_printf(b, "{'point': 'hall/power', 'ts': %lld, "
			       "'value': 7}]}",
			       (long long)time(NULL) + 3600);
	ingest(b->str, &res);
	g_string_free(b, TRUE);
	CHECK_INT(res.status, 200);
	CHECK_INT(res.accepted, 18);
	CHECK_INT(res.missing, 1);
	CHECK_INT(res.quarantined, 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(
			  json_object_get(res.answer, "set_aside"), 1),
		  "reason")), "future_ts");
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before + 18);
	CHECK_INT(store_quarantine_count(st, &held), STORE_OK);
	CHECK_INT(held, 1);

	hourly("hall/energy", ANALYTICS_ENERGY, v, "kWh");
	CHECK_DBL(v[0], 55, 1e-9);
	CHECK_DBL(v[1], 43, 1e-9);
	CHECK_DBL(v[2], 55, 1e-9);
	hourly("hall/energy", ANALYTICS_SUM, v, "kWh");
	CHECK_DBL(v[1], 43, 1e-9);
}

/*
 * Energy units: a register in Wh gives energy in kWh and sum in Wh;
 * readings 0, 1000, 3000 Wh at 00:00, 00:30, 01:00 are 3000 Wh = 3 kWh
 * in the first hour.  Into a kWh register, 1500 Wh is 1.5 kWh and
 * 0.002 MWh is 2 kWh; kW is not energy and is refused naming both.
 */
static void test_energy_units(void)
{
	struct ingest_result res;
	char body[512];
	json_t *rej;
	double v[3];

	snprintf(body, sizeof body, "{'readings': ["
		 "{'point': 'hall/wh', 'ts': %lld, 'value': 0},"
		 "{'point': 'hall/wh', 'ts': %lld, 'value': 1000},"
		 "{'point': 'hall/wh', 'ts': %lld, 'value': 3000}]}",
		 (long long)DAY0, (long long)DAY0 + 1800,
		 (long long)DAY0 + 3600);
	ingest(body, &res);
	CHECK_INT(res.accepted, 3);
	ingest_result_finish(&res);
	hourly("hall/wh", ANALYTICS_ENERGY, v, "kWh");
	CHECK_DBL(v[0], 3, 1e-12);
	hourly("hall/wh", ANALYTICS_SUM, v, "Wh");
	CHECK_DBL(v[0], 3000, 1e-9);

	snprintf(body, sizeof body, "{'readings': ["
		 "{'point': 'hall/meter2', 'ts': %lld, 'value': 1500,"
		 " 'unit': 'Wh'},"
		 "{'point': 'hall/meter2', 'ts': %lld, 'value': 0.002,"
		 " 'unit': 'MWh'},"
		 "{'point': 'hall/meter2', 'ts': %lld, 'value': 3,"
		 " 'unit': 'kW'}]}",
		 (long long)DAY0, (long long)DAY0 + 60,
		 (long long)DAY0 + 120);
	ingest(body, &res);
	CHECK_INT(res.accepted, 2);
	rej = json_array_get(json_object_get(res.answer, "rejected"), 0);
	CHECK_INT(json_integer_value(json_object_get(rej, "index")), 2);
	CHECK_AT(strstr(json_string_value(json_object_get(rej, "message")),
			"\"kW\"") &&
		 strstr(json_string_value(json_object_get(rej, "message")),
			"\"kWh\""), "message: %s",
		 json_string_value(json_object_get(rej, "message")));
	ingest_result_finish(&res);
	{
		struct test_series s = {.n = 0};
		struct store_point p;

		CHECK_INT(store_point_get(st, "hall/meter2", &p), STORE_OK);
		CHECK_INT(store_readings_each(st, p.id, DAY0, DAY0 + 180,
					      test_collect_reading, &s),
			  STORE_OK);
		CHECK_INT(s.n, 2);
		CHECK_DBL(s.v[0], 1.5, 1e-12);
		CHECK_DBL(s.v[1], 2, 1e-12);
	}
}

/*
 * Refusals and the int/float row: a negative value and one of 7 digits
 * on a 6-digit counter are refused (422, nothing stored); 5 and then
 * 5.0 at one (point, ts) is one row holding 5.
 */
static void test_refusals_and_rows(void)
{
	struct ingest_result res;
	char body[256];
	int64_t before = test_count_readings(st);
	const int64_t ts = DAY0 + 86400;

	snprintf(body, sizeof body, "{'readings': ["
		 "{'point': 'hall/energy', 'ts': %lld, 'value': -1},"
		 "{'point': 'hall/energy', 'ts': %lld, 'value': 1000000}]}",
		 (long long)ts, (long long)ts + 60);
	ingest(body, &res);
	CHECK_INT(res.status, 422);
	CHECK_INT(res.rejected, 2);
	ingest_result_finish(&res);
	CHECK_INT(test_count_readings(st), before);

	for (int i = 0; i < 2; i++) {
		snprintf(body, sizeof body, "{'readings': [{'point': "
			 "'hall/meter2', 'ts': %lld, 'value': %s}]}",
			 (long long)ts, i ? "5.0" : "5");
		ingest(body, &res);
		CHECK_INT(res.accepted, 1);
		ingest_result_finish(&res);
	}
	CHECK_INT(test_count_readings(st), before + 1);
}

int main(void)
{
	test_wrap();
	test_reset();
	test_dip();
	test_glitch();
	test_spike();
	test_sentinel();
	test_pending();
	test_mixed();
	test_spread();

	setup_store();
	test_through_store();
	test_energy_units();
	test_refusals_and_rows();
	store_close(st);
	test_remove_tree(dir);
	return check_finish();
}
