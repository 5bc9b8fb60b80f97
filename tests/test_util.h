/*
 * test_util.h - helpers that several unit tests share: temporary
 * directories, a store on a temporary file, points and readings.
 *
 * Static inline, so that each test stays one translation unit; include
 * it after check.h.  The helpers that check something count one check
 * each, as the code they replaced did.
 */
#ifndef AKARI_TESTS_TEST_UTIL_H
#define AKARI_TESTS_TEST_UTIL_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cloud/store/store.h"
#include "core/timeutil.h"

/* Makes /tmp/akari-test-<name>-XXXXXX into buf; a test cannot go on
 * without it, so a failure ends the program. */
static inline void test_make_tmpdir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/tmp/akari-test-%s-XXXXXX", name);
	if (!g_mkdtemp(buf)) {
		perror("mkdtemp");
		exit(2);
	}
}

/* Removes dir and all below it. */
static inline void test_remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			test_remove_tree(path);
		else
			g_remove(path);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	if (g_rmdir(dir) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* The frame-* files in dir, or -1 when dir cannot be read. */
static inline int test_count_pngs(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0;

	if (!d)
		return -1;
	while ((name = g_dir_read_name(d)))
		if (strncmp(name, "frame-", 6) == 0)
			n++;
	g_dir_close(d);
	return n;
}

/* tests/data/<sub>/<name> in the source tree (g_free). */
static inline char *test_data_path(const char *sub, const char *name)
{
	const char *top = getenv("AKARI_SOURCE_DIR");

	return g_build_filename(top ? top : "..", "tests", "data", sub, name,
				NULL);
}

/* The instant of an ISO 8601 time written in a test (one check). */
static inline int64_t test_utc(const char *s)
{
	int64_t ts = 0;

	CHECK_AT(core_time_parse(s, &ts) == 0, "bad time in test: %s", s);
	return ts;
}

/* A new store on a new file in dir, named <prefix><n>.db (one check;
 * NULL when it would not open). */
static inline struct store *test_fresh_store(const char *dir,
					     const char *prefix)
{
	static int n;
	char name[64], *path, err[256];
	struct store *st = NULL;

	snprintf(name, sizeof name, "%s%d.db", prefix, ++n);
	path = g_build_filename(dir, name, NULL);
	CHECK_AT(store_open(path, &st, err, sizeof err) == STORE_OK,
		 "store_open: %s", err);
	g_free(path);
	return st;
}

/* Registers an instantaneous point key of site (one check). */
static inline void test_add_point(struct store *st, const char *key,
				  const char *site, const char *quantity,
				  const char *unit, int step_s)
{
	struct store_point p;

	memset(&p, 0, sizeof p);
	snprintf(p.key, sizeof p.key, "%s", key);
	snprintf(p.site, sizeof p.site, "%s", site);
	snprintf(p.quantity, sizeof p.quantity, "%s", quantity);
	snprintf(p.unit, sizeof p.unit, "%s", unit);
	p.kind = STORE_INSTANTANEOUS;
	p.step_s = step_s;
	CHECK_INT(store_point_add(st, &p), STORE_OK);
}

/* got must be want, or with prefix only begin with it (one check). */
static inline void test_check_message(const char *got, const char *want,
				      bool prefix)
{
	if (prefix)
		CHECK_AT(!strncmp(got, want, strlen(want)),
			 "got \"%s\", want \"%s...\"", got, want);
	else
		CHECK_STR(got, want);
}

/* Up to 64 readings, and how many there were in all. */
struct test_series {
	int64_t ts[64];
	double v[64];
	int n;
};

/* A store_reading_fn that appends to the struct test_series ctx. */
static inline int test_collect_reading(int64_t ts, double value, void *ctx)
{
	struct test_series *s = ctx;

	if (s->n < 64) {
		s->ts[s->n] = ts;
		s->v[s->n] = value;
	}
	s->n++;
	return 0;
}

/* All readings in st (one check; -1 when the count failed). */
static inline int64_t test_count_readings(struct store *st)
{
	int64_t n = -1;

	CHECK_INT(store_readings_count(st, &n), STORE_OK);
	return n;
}

#endif
