/*
 * retain.c - raw retention: old readings deleted in the background.
 */
#include "cli/retain.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/store/store_rollup.h"
#include "core/log.h"

#define MOD "retain"
#define RETAIN_PERIOD_S 3600
#define RETAIN_MAX_DAYS 36500

struct cli_retain {
	struct store *st;
	int days;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

int cli_retain_parse_days(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > RETAIN_MAX_DAYS)
		return -1;
	*out = (int)v;
	return 0;
}

/* The thread's stop flag, or NULL for `akari prune`. */
static bool stopping(struct cli_retain *r)
{
	bool stop;

	if (!r)
		return false;
	pthread_mutex_lock(&r->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

static int prune_until(struct store *st, int days, struct cli_retain *r,
		       int64_t *deleted)
{
	int64_t before = (int64_t)time(NULL) - (int64_t)days * 86400, n;
	int rc;

	*deleted = 0;
	do {
		rc = store_raw_prune(st, before, CLI_RETAIN_BATCH, &n);
		if (rc)
			return rc;
		*deleted += n;
	} while (n > 0 && !stopping(r));
	return 0;
}

int cli_retain_prune(struct store *st, int days, int64_t *deleted)
{
	return prune_until(st, days, NULL, deleted);
}

static void *retain_main(void *arg)
{
	struct cli_retain *r = arg;
	int64_t deleted;
	struct timespec until;

	for (;;) {
		if (prune_until(r->st, r->days, r, &deleted))
			log_warn(MOD, "deleting readings older than %d days "
				 "failed: %s; trying again in %d s",
				 r->days, store_errmsg(r->st),
				 RETAIN_PERIOD_S);
		else if (deleted)
			log_info(MOD, "deleted %lld readings older than %d "
				 "days; their rollups are kept",
				 (long long)deleted, r->days);

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += RETAIN_PERIOD_S;
		pthread_mutex_lock(&r->lock);
		while (!r->stop &&
		       pthread_cond_timedwait(&r->wake, &r->lock, &until) !=
			       ETIMEDOUT)
			;
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		pthread_mutex_unlock(&r->lock);
	}
}

int cli_retain_start(struct store *st, int days, struct cli_retain **out,
		     char *err, size_t errlen)
{
	struct cli_retain *r;
	int rc;

	*out = NULL;
	if (days == 0)
		return 0;
	r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory for raw retention");
		return -1;
	}
	r->st = st;
	r->days = days;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	rc = pthread_create(&r->thread, NULL, retain_main, r);
	if (rc) {
		snprintf(err, errlen, "cannot start raw retention: %s",
			 strerror(rc));
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void cli_retain_stop(struct cli_retain *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
