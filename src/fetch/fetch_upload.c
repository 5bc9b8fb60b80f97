/*
 * fetch_upload.c - the uploader's thread: a screenshot when there is one,
 * a batch of plays when one is due, each through one curl handle.
 *
 * The queue in memory is the truth; the file follows it.  New plays are
 * appended to the file by the thread before it sends them, and the file
 * is written anew (under another name, then renamed) after a batch went
 * through, so that a crash at any point leaves it whole: at worst it
 * holds plays the server has already, which it counts once.
 */
#include "fetch/fetch_upload.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/thread_locale.h"
#include "fetch/fetch.h"
#include "fetch/fetch_curl.h"
#include "fetch/fetch_heartbeat.h"

#define CONNECT_MS 3000L
#define TOTAL_MS 20000L

struct play {
	char slide[32];
	int64_t start;
	double seconds;
};

struct fetch_upload {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool quit;

	/* Under lock: what the kiosk handed over. */
	void *shot;
	size_t shot_len;
	struct play *plays;
	size_t nplays, cap;
	size_t unsaved;		/* the newest plays, not in the file */
	struct fetch_upload_status st;

	/* The thread's own. */
	CURL *curl;		/* NULL until the first upload */
	const struct fetch_curl *cu;
	atomic_bool cancel;
	char *shot_url, *plays_url, *queue, *queue_tmp;
	char auth[FETCH_AUTH_HEADER_MAX];
	double send_every, retry;
	char curl_err[CURL_ERROR_SIZE];
};

/* Room for a URL's start and curl's message. */
#define ERR_LEN 512

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	return size * nmemb;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct fetch_upload *u = ud;

	return atomic_load(&u->cancel) ? 1 : 0;
}

/* POSTs len bytes of body as type to url; FETCH_OK on a 200. */
static int post(struct fetch_upload *u, const char *url, const char *type,
		const void *body, size_t len, char *err, size_t errlen)
{
	const struct fetch_curl *cu;
	struct curl_slist *headers = NULL;
	char ctype[64];
	CURL *h;
	long status = 0;
	CURLcode cc;
	int rc;

	/* libcurl is opened with the first upload, not at start. */
	if (!u->curl) {
		u->curl = fetch_curl_handle(&u->cu, err, errlen);
		if (!u->curl)
			return FETCH_UNREACHABLE;
	}
	cu = u->cu;
	h = u->curl;
	snprintf(ctype, sizeof ctype, "Content-Type: %s", type);
	headers = cu->slist_append(NULL, ctype);
	if (headers && u->auth[0])
		headers = cu->slist_append(headers, u->auth);
	if (!headers) {
		snprintf(err, errlen, "out of memory");
		return FETCH_INVALID;
	}

	cu->easy_reset(h);
	u->curl_err[0] = '\0';
	cu->easy_setopt(h, CURLOPT_URL, url);
	cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	cu->easy_setopt(h, CURLOPT_POSTFIELDS, body);
	cu->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	cu->easy_setopt(h, CURLOPT_USERAGENT, "akari-kiosk/0.1");
	cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, TOTAL_MS);
	cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	cu->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	cu->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu->easy_setopt(h, CURLOPT_XFERINFODATA, u);
	cu->easy_setopt(h, CURLOPT_ERRORBUFFER, u->curl_err);

	cc = cu->easy_perform(h);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url,
			 u->curl_err[0] ? u->curl_err : cu->easy_strerror(cc));
		rc = FETCH_UNREACHABLE;
		goto out;
	}
	cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(err, errlen, "%s: HTTP %ld", url, status);
		rc = FETCH_HTTP;
		goto out;
	}
	rc = FETCH_OK;

out:
	cu->slist_free_all(headers);
	return rc;
}

/* --- the queue file ------------------------------------------------------ */

static int write_play(FILE *f, const struct play *p)
{
	json_t *o = json_pack("{s:s, s:I, s:f}", "slide", p->slide, "start",
			      (json_int_t)p->start, "seconds", p->seconds);
	int rc = o && !json_dumpf(o, f, JSON_COMPACT) && fputc('\n', f) != EOF
		     ? 0
		     : -1;

	json_decref(o);
	return rc;
}

/* Appends plays[from..n) to the file.  Called with the lock held: the
 * appends are small, and the kiosk's side only ever adds at the end. */
static void save_new(struct fetch_upload *u)
{
	FILE *f;

	if (!u->queue || !u->unsaved)
		return;
	f = fopen(u->queue, "a");
	if (!f)
		return;
	for (size_t i = u->nplays - u->unsaved; i < u->nplays; i++)
		if (write_play(f, &u->plays[i]))
			break;
	if (fclose(f) == 0)
		u->unsaved = 0;
}

/* Writes the whole queue anew, under another name first. */
static void save_all(struct fetch_upload *u)
{
	FILE *f;
	int bad = 0;

	if (!u->queue)
		return;
	f = fopen(u->queue_tmp, "w");
	if (!f)
		return;
	for (size_t i = 0; i < u->nplays && !bad; i++)
		bad = write_play(f, &u->plays[i]);
	if (fclose(f) || bad || rename(u->queue_tmp, u->queue))
		remove(u->queue_tmp);
	else
		u->unsaved = 0;
}

static int push(struct fetch_upload *u, const struct play *p)
{
	if (u->nplays == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		struct play *grown = realloc(u->plays, cap * sizeof *grown);

		if (!grown)
			return -1;
		u->plays = grown;
		u->cap = cap;
	}
	u->plays[u->nplays++] = *p;
	return 0;
}

/* A line that does not parse is skipped: a run cut off in the middle of
 * an append leaves at most its last line half written. */
static void load_queue(struct fetch_upload *u)
{
	char line[512];
	FILE *f = fopen(u->queue, "r");

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *slide = json_string_value(json_object_get(o,
								     "slide"));
		json_t *start = json_object_get(o, "start");
		json_t *secs = json_object_get(o, "seconds");
		struct play p;

		if (slide && *slide && strlen(slide) < sizeof p.slide &&
		    json_is_integer(start) && json_is_number(secs)) {
			snprintf(p.slide, sizeof p.slide, "%s", slide);
			p.start = json_integer_value(start);
			p.seconds = json_number_value(secs);
			if (u->nplays < FETCH_UPLOAD_QUEUE_MAX)
				push(u, &p);
		}
		json_decref(o);
	}
	fclose(f);
}

/* --- the thread ---------------------------------------------------------- */

/* The first n queued plays as the body of a POST; NULL when out of
 * memory.  Called with the lock held. */
static char *batch_body(struct fetch_upload *u, size_t n)
{
	json_t *list = json_array(), *o;
	char *body;

	for (size_t i = 0; list && i < n; i++) {
		const struct play *p = &u->plays[i];

		if (json_array_append_new(
			list, json_pack("{s:s, s:I, s:f}", "slide", p->slide,
					"start", (json_int_t)p->start,
					"seconds", p->seconds))) {
			json_decref(list);
			list = NULL;
		}
	}
	o = list ? json_pack("{s:o}", "plays", list) : NULL;
	body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return body;
}

static void note(struct fetch_upload *u, int rc, const char *err)
{
	u->st.failing = rc != FETCH_OK;
	if (rc)
		snprintf(u->st.err, sizeof u->st.err, "%s", err);
}

static void send_shot(struct fetch_upload *u)
{
	void *png = u->shot;
	size_t len = u->shot_len;
	char err[ERR_LEN];
	int rc;

	u->shot = NULL;
	pthread_mutex_unlock(&u->lock);
	rc = post(u, u->shot_url, "image/png", png, len, err, sizeof err);
	free(png);
	pthread_mutex_lock(&u->lock);
	if (rc)
		u->st.shots_failed++;
	else
		u->st.shots_sent++;
	note(u, rc, err);
}

/* Returns whether the batch went through. */
static bool send_plays(struct fetch_upload *u)
{
	size_t n = u->nplays < FETCH_UPLOAD_BATCH ? u->nplays
						   : FETCH_UPLOAD_BATCH;
	char *body = batch_body(u, n), err[ERR_LEN];
	int rc;

	if (!body)
		return false;
	pthread_mutex_unlock(&u->lock);
	rc = post(u, u->plays_url, "application/json", body, strlen(body),
		  err, sizeof err);
	free(body);
	pthread_mutex_lock(&u->lock);
	note(u, rc, err);
	if (rc)
		return false;

	/* Only this thread removes plays, so the first n are those sent. */
	memmove(u->plays, u->plays + n, (u->nplays - n) * sizeof *u->plays);
	u->nplays -= n;
	if (u->unsaved > u->nplays)
		u->unsaved = u->nplays;
	u->st.plays_sent += (long)n;
	save_all(u);
	return true;
}

static void drop_oldest(struct fetch_upload *u)
{
	size_t over = u->nplays - FETCH_UPLOAD_QUEUE_MAX;

	memmove(u->plays, u->plays + over,
		(u->nplays - over) * sizeof *u->plays);
	u->nplays -= over;
	if (u->unsaved > u->nplays)
		u->unsaved = u->nplays;
	save_all(u);
}

static void wait_until(struct fetch_upload *u, double when)
{
	struct timespec ts;
	double now = mono_now(), left = when - now;

	if (left <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)left;
	ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&u->wake, &u->lock, &ts);
}

static void *upload_main(void *arg)
{
	struct fetch_upload *u = arg;
	locale_t loc = core_thread_locale_begin();
	double next = mono_now() + 1;

	pthread_mutex_lock(&u->lock);
	while (!u->quit) {
		if (u->shot) {
			send_shot(u);
			continue;
		}
		save_new(u);
		if (u->nplays > FETCH_UPLOAD_QUEUE_MAX)
			drop_oldest(u);
		if (u->nplays && mono_now() >= next) {
			if (send_plays(u)) {
				u->retry = FETCH_UPLOAD_RETRY_MIN;
				/* More than a batch waits: the next now. */
				next = u->nplays >= FETCH_UPLOAD_BATCH
					   ? mono_now()
					   : mono_now() + u->send_every;
			} else {
				next = mono_now() + u->retry;
				u->retry *= 2;
				if (u->retry > FETCH_UPLOAD_RETRY_MAX)
					u->retry = FETCH_UPLOAD_RETRY_MAX;
			}
			continue;
		}
		if (!u->quit && !u->shot)
			wait_until(u, u->nplays ? next
						: mono_now() + u->send_every);
	}
	save_new(u);
	u->st.plays_queued = u->nplays;
	pthread_mutex_unlock(&u->lock);
	core_thread_locale_end(loc);
	return NULL;
}

/* --- the kiosk's side ---------------------------------------------------- */

/* base without a trailing slash, then a, b and c. */
static char *join(const char *base, const char *a, const char *b,
		  const char *c)
{
	size_t n = strlen(base), len;
	char *s;

	/* A base URL given with a trailing slash must not double it. */
	if (n && base[n - 1] == '/')
		n--;
	len = n + strlen(a) + strlen(b) + strlen(c) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	memcpy(s, base, n);
	s[n] = '\0';
	strcat(strcat(strcat(s, a), b), c);
	return s;
}

int fetch_upload_create(const struct fetch_upload_config *cfg,
			struct fetch_upload **out, char *err, size_t errlen)
{
	struct fetch_upload *u;
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (!cfg->server || (strncmp(cfg->server, "http://", 7) &&
			     strncmp(cfg->server, "https://", 8))) {
		snprintf(err, errlen, "bad server URL '%s' (want http://...)",
			 cfg->server ? cfg->server : "");
		return FETCH_INVALID;
	}
	u = calloc(1, sizeof *u);
	if (!u) {
		snprintf(err, errlen, "out of memory");
		return FETCH_INVALID;
	}
	atomic_init(&u->cancel, false);
	u->send_every = cfg->send_every > 0 ? cfg->send_every : 10;
	u->retry = FETCH_UPLOAD_RETRY_MIN;
	if (cfg->token && fetch_auth_header(cfg->token, u->auth,
					    sizeof u->auth)) {
		snprintf(err, errlen, "the display token holds blanks or "
			 "control characters, or is too long");
		free(u);
		return FETCH_INVALID;
	}
	u->shot_url = join(cfg->server, "/api/v1/displays/", cfg->id,
			   "/screenshot");
	u->plays_url = join(cfg->server, "/api/v1/displays/", cfg->id,
			    "/plays");
	if (cfg->queue_dir) {
		u->queue = join(cfg->queue_dir, "/",
				FETCH_UPLOAD_QUEUE_FILE, "");
		u->queue_tmp = join(cfg->queue_dir, "/.",
				    FETCH_UPLOAD_QUEUE_FILE, ".tmp");
	}
	if (!u->shot_url || !u->plays_url ||
	    (cfg->queue_dir && (!u->queue || !u->queue_tmp))) {
		snprintf(err, errlen, "out of memory");
		rc = FETCH_INVALID;
		goto fail;
	}
	if (u->queue)
		load_queue(u);
	pthread_mutex_init(&u->lock, NULL);
	/* Waits count on the monotonic clock: a clock set by NTP after a
	 * boot must not stall the uploads. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->wake, &ca);
	pthread_condattr_destroy(&ca);

	/* The thread inherits this mask: signals go to the caller. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&u->thread, NULL, upload_main, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "cannot start the upload thread: %s",
			 strerror(rc));
		pthread_cond_destroy(&u->wake);
		pthread_mutex_destroy(&u->lock);
		rc = FETCH_INVALID;
		goto fail;
	}
	*out = u;
	return FETCH_OK;

fail:
	free(u->plays);
	free(u->shot_url);
	free(u->plays_url);
	free(u->queue);
	free(u->queue_tmp);
	free(u);
	return rc;
}

void fetch_upload_destroy(struct fetch_upload *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->quit = true;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
	atomic_store(&u->cancel, true);
	pthread_join(u->thread, NULL);

	pthread_cond_destroy(&u->wake);
	pthread_mutex_destroy(&u->lock);
	if (u->curl)
		u->cu->easy_cleanup(u->curl);
	free(u->shot);
	free(u->plays);
	free(u->shot_url);
	free(u->plays_url);
	free(u->queue);
	free(u->queue_tmp);
	free(u);
}

void fetch_upload_screenshot(struct fetch_upload *u, void *png, size_t len)
{
	pthread_mutex_lock(&u->lock);
	free(u->shot);
	u->shot = png;
	u->shot_len = len;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void fetch_upload_play(struct fetch_upload *u, const char *slide,
		       int64_t start, double seconds)
{
	struct play p;

	snprintf(p.slide, sizeof p.slide, "%s", slide);
	p.start = start;
	p.seconds = seconds;
	pthread_mutex_lock(&u->lock);
	/* Out of memory loses this one play, not the player. */
	if (!push(u, &p))
		u->unsaved++;
	pthread_mutex_unlock(&u->lock);
}

void fetch_upload_status(struct fetch_upload *u,
			 struct fetch_upload_status *st)
{
	pthread_mutex_lock(&u->lock);
	u->st.plays_queued = u->nplays;
	*st = u->st;
	u->st.shots_sent = 0;
	u->st.shots_failed = 0;
	u->st.plays_sent = 0;
	pthread_mutex_unlock(&u->lock);
}
