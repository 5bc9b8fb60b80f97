/*
 * fetch_worker.c - runs fetches on a thread of their own, so that a slow
 * or silent server never holds up a frame: the kiosk asks, goes on
 * drawing, and takes the result on a later tick.
 */
#include "core/thread_locale.h"
#include "fetch/fetch.h"
#include "fetch/fetch_heartbeat.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum worker_state {
	WORKER_IDLE,		/* waiting for a request */
	WORKER_REQUESTED,	/* asked for, not started */
	WORKER_RUNNING,
	WORKER_DONE,		/* result waiting to be taken */
};

struct fetch_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t done;		/* state became WORKER_DONE */
	struct fetch_client *client;	/* used only by the thread */
	char *cache_dir;		/* NULL: no cache */
	double cache_every;		/* seconds between saves */
	double saved_at;		/* monotonic, of the last good save */
	bool saved;			/* the last save worked */
	enum worker_state state;
	bool quit;
	int64_t at;
	unsigned want;			/* FETCH_WANT bits asked for */
	struct fetch_result result;

	/* Heartbeats; hb NULL: none.  slide and data_at are the kiosk's,
	 * under lock; the rest only the thread's. */
	struct fetch_heartbeat_sender *hb;
	double hb_every, hb_sent_at, started;
	bool hb_sent;
	const char *slide;
	int64_t data_at;
};

void fetch_result_init(struct fetch_result *r)
{
	memset(r, 0, sizeof *r);
	fetch_bundle_init(&r->bundle);
}

void fetch_result_finish(struct fetch_result *r)
{
	fetch_bundle_finish(&r->bundle);
	fetch_result_init(r);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One fetch, and the cache write that follows a good one when it is
 * due.  Only the worker's thread touches saved and saved_at. */
static void run_fetch(struct fetch_worker *w, int64_t at, unsigned want,
		      struct fetch_result *r)
{
	double now;

	fetch_client_want(w->client, want);
	r->rc = fetch_client_get(w->client, at, &r->bundle, r->err,
				 sizeof r->err);
	if (r->rc != FETCH_OK || !w->cache_dir)
		return;
	now = mono_now();
	if (w->saved && now - w->saved_at < w->cache_every)
		return;
	r->cache_rc = fetch_cache_save(w->cache_dir, &r->bundle, r->cache_err,
				       sizeof r->cache_err);
	w->saved = r->cache_rc == FETCH_OK;
	if (w->saved)
		w->saved_at = now;
}

/* Sends a heartbeat after a fetch when one is due.  Called and returns
 * with the lock held, which it drops while the request runs. */
static void heartbeat_if_due(struct fetch_worker *w)
{
	struct fetch_heartbeat hb = {.version = AKARI_VERSION};
	double now = mono_now();
	char err[256];

	if (!w->hb || (w->hb_sent && now - w->hb_sent_at < w->hb_every))
		return;
	hb.slide = w->slide;
	hb.uptime_s = (int64_t)(now - w->started);
	hb.cache_age_s = w->data_at > 0 ? (int64_t)time(NULL) - w->data_at
					: -1;
	/* A clock set back since the fetch says nothing about the age. */
	if (w->data_at > 0 && hb.cache_age_s < 0)
		hb.cache_age_s = 0;
	pthread_mutex_unlock(&w->lock);

	/* A lost heartbeat is not retried: the next says the same, newer. */
	fetch_heartbeat_send(w->hb, &hb, err, sizeof err);
	w->hb_sent = true;
	w->hb_sent_at = now;
	pthread_mutex_lock(&w->lock);
}

/* The fetches read their answers' numbers in a locale of this thread's
 * own, which SDL's start-up on the kiosk's thread does not change
 * (core/thread_locale.h). */
static void *worker_main(void *arg)
{
	struct fetch_worker *w = arg;
	locale_t loc = core_thread_locale_begin();
	struct fetch_result r;
	unsigned want;
	int64_t at;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->quit && w->state != WORKER_REQUESTED)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->quit)
			break;
		w->state = WORKER_RUNNING;
		at = w->at;
		want = w->want;
		pthread_mutex_unlock(&w->lock);

		fetch_result_init(&r);
		run_fetch(w, at, want, &r);

		pthread_mutex_lock(&w->lock);
		fetch_result_finish(&w->result);
		w->result = r;
		w->state = WORKER_DONE;
		pthread_cond_broadcast(&w->done);
		heartbeat_if_due(w);
	}
	pthread_mutex_unlock(&w->lock);
	core_thread_locale_end(loc);
	return NULL;
}

int fetch_worker_create(const struct fetch_config *cfg, const char *cache_dir,
			struct fetch_worker **out, char *err, size_t errlen)
{
	pthread_condattr_t attr;
	struct fetch_worker *w;
	sigset_t all, old;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return FETCH_INVALID;
	}
	fetch_result_init(&w->result);
	w->want = FETCH_WANT_ALL;
	w->cache_every = cfg && cfg->cache_every > 0
				 ? cfg->cache_every
				 : FETCH_DEFAULT_CACHE_EVERY;
	w->client = fetch_client_create(cfg);
	if (!w->client) {
		snprintf(err, errlen, "bad server URL '%s' (want http://...)",
			 cfg && cfg->server ? cfg->server : "");
		free(w);
		return FETCH_INVALID;
	}
	if (cache_dir) {
		w->cache_dir = strdup(cache_dir);
		if (!w->cache_dir) {
			snprintf(err, errlen, "out of memory");
			rc = FETCH_INVALID;
			goto fail;
		}
	}
	if (cfg && cfg->display_id) {
		char auth[FETCH_AUTH_HEADER_MAX];

		if (cfg->display_token &&
		    fetch_auth_header(cfg->display_token, auth, sizeof auth)) {
			snprintf(err, errlen, "the display token holds blanks "
				 "or control characters, or is too long");
			rc = FETCH_INVALID;
			goto fail;
		}
		w->hb = fetch_heartbeat_sender_create(cfg->server,
						      cfg->display_id,
						      cfg->display_token);
		if (!w->hb) {
			snprintf(err, errlen, "out of memory");
			rc = FETCH_INVALID;
			goto fail;
		}
		w->hb_every = cfg->heartbeat_every > 0
				      ? cfg->heartbeat_every
				      : FETCH_DEFAULT_HEARTBEAT_EVERY;
		w->started = mono_now();
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	/* fetch_worker_wait()'s time limit is on the monotonic clock, which
	 * a clock set meanwhile does not stretch. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->done, &attr);
	pthread_condattr_destroy(&attr);

	/* The thread inherits this mask: signals go to the caller. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "cannot start the fetch thread: %s",
			 strerror(rc));
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		rc = FETCH_INVALID;
		goto fail;
	}
	*out = w;
	return FETCH_OK;

fail:
	fetch_heartbeat_sender_destroy(w->hb);
	fetch_client_destroy(w->client);
	free(w->cache_dir);
	free(w);
	return rc;
}

void fetch_worker_destroy(struct fetch_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	fetch_client_cancel(w->client);
	fetch_heartbeat_cancel(w->hb);
	pthread_join(w->thread, NULL);

	fetch_result_finish(&w->result);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	fetch_client_destroy(w->client);
	fetch_heartbeat_sender_destroy(w->hb);
	free(w->cache_dir);
	free(w);
}

bool fetch_worker_request(struct fetch_worker *w, int64_t at)
{
	bool ok;

	pthread_mutex_lock(&w->lock);
	ok = w->state == WORKER_IDLE;
	if (ok) {
		w->at = at;
		w->state = WORKER_REQUESTED;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

void fetch_worker_want(struct fetch_worker *w, unsigned want)
{
	pthread_mutex_lock(&w->lock);
	w->want = want;
	pthread_mutex_unlock(&w->lock);
}

bool fetch_worker_busy(struct fetch_worker *w)
{
	bool busy;

	pthread_mutex_lock(&w->lock);
	busy = w->state == WORKER_REQUESTED || w->state == WORKER_RUNNING;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

bool fetch_worker_take(struct fetch_worker *w, struct fetch_result *res)
{
	bool ready;

	pthread_mutex_lock(&w->lock);
	ready = w->state == WORKER_DONE;
	if (ready) {
		fetch_result_finish(res);
		*res = w->result;
		fetch_result_init(&w->result);
		w->state = WORKER_IDLE;
	}
	pthread_mutex_unlock(&w->lock);
	return ready;
}

const struct fetch_result *fetch_worker_wait(struct fetch_worker *w,
					     double seconds)
{
	struct timespec until;
	const struct fetch_result *r;

	clock_gettime(CLOCK_MONOTONIC, &until);
	if (!(seconds > 0))
		seconds = 0;
	if (seconds > 86400)
		seconds = 86400;
	until.tv_sec += (time_t)seconds;
	until.tv_nsec += (long)((seconds - floor(seconds)) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (w->state == WORKER_REQUESTED || w->state == WORKER_RUNNING)
		if (pthread_cond_timedwait(&w->done, &w->lock, &until) ==
		    ETIMEDOUT)
			break;
	r = w->state == WORKER_DONE ? &w->result : NULL;
	pthread_mutex_unlock(&w->lock);
	return r;
}

bool fetch_worker_screenshot_wanted(struct fetch_worker *w)
{
	return fetch_heartbeat_take_request(w->hb);
}

void fetch_worker_showing(struct fetch_worker *w, const char *slide,
			  int64_t data_fetched_at)
{
	pthread_mutex_lock(&w->lock);
	w->slide = slide;
	w->data_at = data_fetched_at;
	pthread_mutex_unlock(&w->lock);
}
