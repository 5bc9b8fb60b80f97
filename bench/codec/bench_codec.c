/*
 * bench_codec.c - bytes per reading and speed of the block codec
 * (src/cloud/store/store_codec.h) on the series akari stores.
 *
 *   akari_bench_codec [DATA_DIR]
 *
 * Series: (a) the server bench's readings (bench/loadgen.c: one-minute
 * kW of 1,000 points over one day, three decimals), (b) every file of
 * the sample data in DATA_DIR (default "data"), imported with akari's
 * own importers into a scratch database and read back point by point,
 * and (c) a kWh register of 0.01 kWh integrating (a)'s first point over
 * a year.  Blocks are one point's readings of one UTC day, as the store
 * keeps them.  Every block is decoded again and compared bit for bit.
 * Speeds are CPU time of this process (CLOCK_PROCESS_CPUTIME_ID).
 */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cloud/import/import.h"
#include "cloud/store/store.h"
#include "cloud/store/store_codec.h"

enum { DAY = 86400, MAXN = 1 << 20 };

struct series {
	int64_t *ts;
	double *value;
	size_t n, cap;
};

/* What a set of blocks cost. */
struct tally {
	size_t blocks, readings, bytes;
	size_t mismatches;
};

static uint8_t *block;
static int64_t *ts_out;
static double *v_out;

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void series_add(struct series *s, int64_t ts, double value)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->ts = realloc(s->ts, s->cap * sizeof *s->ts);
		s->value = realloc(s->value, s->cap * sizeof *s->value);
		if (!s->ts || !s->value) {
			fprintf(stderr, "bench_codec: out of memory\n");
			exit(1);
		}
	}
	s->ts[s->n] = ts;
	s->value[s->n] = value;
	s->n++;
}

/* Encodes one block, decodes it again and compares bits. */
static void tally_block(struct tally *t, const int64_t *ts,
			const double *value, size_t n)
{
	size_t len, got;

	if (store_codec_encode(ts, value, n, block, store_codec_bound(MAXN),
			       &len) ||
	    store_codec_decode(block, len, ts_out, v_out, MAXN, &got) ||
	    got != n) {
		t->mismatches++;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (ts_out[i] != ts[i] ||
		    memcmp(&v_out[i], &value[i], sizeof value[i])) {
			t->mismatches++;
			break;
		}
	t->blocks++;
	t->readings += n;
	t->bytes += len;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* One block per UTC day of the series. */
static void tally_days(struct tally *t, const struct series *s)
{
	size_t i = 0;

	while (i < s->n) {
		int64_t day = floor_div(s->ts[i], DAY);
		size_t j = i;

		while (j < s->n && floor_div(s->ts[j], DAY) == day &&
		       j - i < MAXN)
			j++;
		tally_block(t, s->ts + i, s->value + i, j - i);
		i = j;
	}
}

static void print_tally(const char *what, const struct tally *t)
{
	printf("%-34s %7zu %9zu %10zu %8.3f%s\n", what, t->blocks,
	       t->readings, t->bytes,
	       t->readings ? (double)t->bytes / (double)t->readings : 0.0,
	       t->mismatches ? "  MISMATCH" : "");
}

/* --- (a) and (c): the server bench's series --------------------------- */

/* bench/loadgen.c's noise and value_at(), the same arithmetic. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static double value_at(long point, long minute)
{
	double base = 2.0 + (double)(mix((uint64_t)point) % 8000) / 1000.0;
	double day = (double)(minute % 1440) / 1440.0;
	double swing = 0.4 * sin(2.0 * 3.14159265358979 * day);
	double noise = (double)(mix((uint64_t)point << 32 ^ (uint64_t)minute)
				% 200) / 1000.0 - 0.1;

	return round((base * (1.0 + swing) + noise) * 1000.0) / 1000.0;
}

/* 2024-01-15 00:00 JST, the bench's day. */
static const int64_t bench_start = 1705244400;

static void bench_day(long point, struct series *s)
{
	s->n = 0;
	for (long m = 0; m < 1440; m++)
		series_add(s, bench_start + 60 * m, value_at(point, m));
}

static void run_bench_series(void)
{
	struct series s = {0};
	struct tally one = {0}, all = {0}, kwh = {0};
	double reg = 1000.0;

	bench_day(0, &s);
	tally_block(&one, s.ts, s.value, s.n);
	for (long p = 0; p < 1000; p++) {
		bench_day(p, &s);
		tally_block(&all, s.ts, s.value, s.n);
	}

	/* A register that counts 0.01 kWh steps of point 0's power. */
	s.n = 0;
	for (long m = 0; m < 365 * 1440; m++) {
		reg += value_at(0, m) / 60.0;
		series_add(&s, bench_start + 60 * m, floor(reg * 100) / 100);
	}
	tally_days(&kwh, &s);

	print_tally("(a) bench kW, point 0, one day", &one);
	print_tally("(a) bench kW, 1000 points, one day", &all);
	print_tally("(c) kWh register 0.01, 1 min, year", &kwh);
	free(s.ts);
	free(s.value);
}

/* --- (b): the sample data --------------------------------------------- */

struct sample {
	const char *format;
	const char *path;	/* under DATA_DIR; a trailing '/' takes
				 * every file of that folder */
};

static const struct sample samples[] = {
	{"tepco-daily", "tepco/"},
	{"tepco-mix", "tepco-area/eria_jukyu_202407_03.csv"},
	{"ausgrid", "household/ausgrid_customer12_2011-2012.csv"},
	{"uci-household", "household/uci_household_2007-02-01_02.txt"},
	{"nrel-pv", "solar/nrel_serf_east_15min_ac_power.csv"},
	{"uci-occupancy", "environment/uci_occupancy_training.txt"},
	{"jma-hourly", "weather/jma_tokyo_20250101_20250331.csv"},
	{"acn-ev", "ev/acn_jpl_sessions_2021.json"},
};

struct walk {
	struct store *st;
	struct series s;
	struct tally total;
};

static int collect(int64_t ts, double value, void *ctx)
{
	series_add(ctx, ts, value);
	return 0;
}

static int tally_point(const struct store_point *p, void *ctx)
{
	struct walk *w = ctx;
	struct tally t = {0};
	char what[160];

	w->s.n = 0;
	if (store_readings_each(w->st, p->id, INT64_MIN, INT64_MAX, collect,
				&w->s))
		return 1;
	if (!w->s.n)
		return 0;
	tally_days(&t, &w->s);
	snprintf(what, sizeof what, "(b) %s", p->key);
	print_tally(what, &t);
	w->total.blocks += t.blocks;
	w->total.readings += t.readings;
	w->total.bytes += t.bytes;
	w->total.mismatches += t.mismatches;
	return 0;
}

static int import_sample(struct import_sink *sink, const char *dir,
			 const struct sample *sm)
{
	const struct import_format *fmt = import_format_find(sm->format);
	struct import_options opt = {0};
	struct import_summary sum;
	char path[4096];
	size_t plen = strlen(sm->path);

	if (!fmt)
		return -1;
	if (sm->path[plen - 1] != '/') {
		snprintf(path, sizeof path, "%s/%s", dir, sm->path);
		return import_file(sink, fmt, path, &opt, &sum) ? -1 : 0;
	}

	/* Every file of the folder, in name order: days in order. */
	glob_t g;
	int rc = 0;

	snprintf(path, sizeof path, "%s/%s*", dir, sm->path);
	if (glob(path, 0, NULL, &g))
		return -1;
	for (size_t i = 0; !rc && i < g.gl_pathc; i++)
		rc = import_file(sink, fmt, g.gl_pathv[i], &opt, &sum) ? -1 : 0;
	globfree(&g);
	return rc;
}

static int run_samples(const char *dir)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096], db[4200], err[256];
	struct walk w = {0};
	struct import_sink *sink = NULL;
	size_t tl;
	int rc = -1;

	/* mkdtemp() replaces the six trailing capitals. */
	tl = (size_t)snprintf(tmpl, sizeof tmpl - 7, "%s/akari-bench-codec-",
			      tmp && *tmp ? tmp : P_tmpdir);
	if (tl >= sizeof tmpl - 7)
		return -1;
	memset(tmpl + tl, 'X', 6);
	tmpl[tl + 6] = '\0';
	if (!mkdtemp(tmpl)) {
		perror("bench_codec: mkdtemp");
		return -1;
	}
	snprintf(db, sizeof db, "%s/db", tmpl);
	if (store_open(db, &w.st, err, sizeof err)) {
		fprintf(stderr, "bench_codec: %s: %s\n", db, err);
		goto out;
	}
	if (import_sink_local_create(w.st, &sink))
		goto out;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		if (import_sample(sink, dir, &samples[i])) {
			fprintf(stderr, "bench_codec: %s: %s: import failed\n",
				samples[i].format, samples[i].path);
			goto out;
		}
	}
	import_sink_destroy(sink);
	sink = NULL;

	if (store_points_each(w.st, NULL, tally_point, &w))
		goto out;
	print_tally("(b) all sample data", &w.total);
	rc = w.total.mismatches ? -1 : 0;
out:
	import_sink_destroy(sink);
	store_close(w.st);
	free(w.s.ts);
	free(w.s.value);
	snprintf(db, sizeof db, "%s/db", tmpl);
	unlink(db);
	snprintf(db, sizeof db, "%s/db-wal", tmpl);
	unlink(db);
	snprintf(db, sizeof db, "%s/db-shm", tmpl);
	unlink(db);
	rmdir(tmpl);
	return rc;
}

/* --- speed ------------------------------------------------------------ */

static void run_speed(void)
{
	struct series s = {0};
	size_t len = 0, got = 0;
	double t0, enc, dec;
	int reps = 20000;

	bench_day(0, &s);
	t0 = cpu_now();
	for (int r = 0; r < reps; r++)
		store_codec_encode(s.ts, s.value, s.n, block,
				   store_codec_bound(MAXN), &len);
	enc = cpu_now() - t0;
	t0 = cpu_now();
	for (int r = 0; r < reps; r++)
		store_codec_decode(block, len, ts_out, v_out, MAXN, &got);
	dec = cpu_now() - t0;
	printf("\nspeed, (a)'s day of %zu readings in %zu bytes, %d times:\n",
	       s.n, len, reps);
	printf("  encode %6.2f us a block, %5.1f million readings/s\n",
	       enc / reps * 1e6, (double)s.n * reps / enc / 1e6);
	printf("  decode %6.2f us a block, %5.1f million readings/s\n",
	       dec / reps * 1e6, (double)s.n * reps / dec / 1e6);
	free(s.ts);
	free(s.value);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "data";
	int rc;

	block = malloc(store_codec_bound(MAXN));
	ts_out = malloc(MAXN * sizeof *ts_out);
	v_out = malloc(MAXN * sizeof *v_out);
	if (!block || !ts_out || !v_out)
		return 1;

	printf("%-34s %7s %9s %10s %8s\n", "series", "blocks", "readings",
	       "bytes", "B/rd");
	run_bench_series();
	rc = run_samples(dir);
	run_speed();

	free(block);
	free(ts_out);
	free(v_out);
	return rc ? 1 : 0;
}
