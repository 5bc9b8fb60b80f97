/*
 * check.h - assertions for akari's unit tests.
 *
 * Each check prints both sides when it fails and the test goes on;
 * check_finish() prints "N passed, N failed" and gives the exit code.
 */
#ifndef AKARI_TESTS_CHECK_H
#define AKARI_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK_AT(cond, ...)                                                  \
	do {                                                                 \
		if (cond) {                                                  \
			check_passed++;                                      \
		} else {                                                     \
			check_failed++;                                      \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);      \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
		}                                                            \
	} while (0)

#define CHECK(cond) CHECK_AT(cond, "check failed: %s", #cond)

#define CHECK_INT(got, want)                                                 \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		CHECK_AT(g_ == w_, "%s: got %lld, want %lld", #got, g_, w_); \
	} while (0)

#define CHECK_DBL(got, want, tol)                                            \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		CHECK_AT(fabs(g_ - w_) <= (tol),                             \
			 "%s: got %.9g, want %.9g (tolerance %g)", #got, g_, \
			 w_, (double)(tol));                                 \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		CHECK_AT(g_ && w_ && strcmp(g_, w_) == 0,                    \
			 "%s: got \"%s\", want \"%s\"", #got,                \
			 g_ ? g_ : "(null)", w_ ? w_ : "(null)");            \
	} while (0)

static inline int check_finish(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
