/*
 * fetch_content.c - polls a display's content with libcurl on a thread
 * of its own and keeps the last good answer on disk.
 */
#include "core/thread_locale.h"
#include "fetch/fetch_content.h"
#include "fetch/fetch_curl.h"
#include "fetch/fetch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CACHE_FORMAT "akari-content"
#define CACHE_VERSION 1
#define ANSWER_MAX (4u << 20)

struct fetch_content {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool quit;
	bool held;		/* no poll until released */
	atomic_bool cancel;

	/* The thread's own. */
	CURL *curl;		/* NULL until the first poll */
	const struct fetch_curl *cu;
	char *url, *cache_dir;
	long connect_ms, total_ms;
	double every, retry_max;
	char etag[128];
	char curl_err[CURL_ERROR_SIZE];

	/* Under lock. */
	json_t *doc;		/* the latest content; owned */
	unsigned long gen;
	char *playing;		/* what the display says it plays */
	bool save_due;
	struct fetch_content_status st;
};

struct answer {
	GByteArray *body;
	bool too_big;
	char etag[128];
	int64_t date;		/* 0: no Date header */
};

bool fetch_content_valid(const json_t *doc)
{
	return json_is_object(doc) &&
	       json_is_object(json_object_get(doc, "playlists")) &&
	       json_is_array(json_object_get(doc, "schedules"));
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the cache --------------------------------------------------------- */

static int write_file(const char *dir, const char *text, char *err,
		      size_t errlen)
{
	char *path = g_build_filename(dir, FETCH_CONTENT_FILE, NULL);
	char *tmp = g_strconcat(path, ".tmp", NULL);
	size_t n = strlen(text), done = 0;
	int fd = -1, dfd = -1, rc = FETCH_IO;

	if (g_mkdir_with_parents(dir, 0755)) {
		fetch_set_err(err, errlen, "cannot create %s: %s", dir,
			      strerror(errno));
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fetch_set_err(err, errlen, "cannot write %s: %s", tmp,
			      strerror(errno));
		goto out;
	}
	while (done < n) {
		ssize_t w = write(fd, text + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fetch_set_err(err, errlen, "cannot write %s: %s", tmp,
				      strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	/* Data on disk before the name: a crash leaves old or new. */
	if (fsync(fd) || close(fd)) {
		fd = -1;
		fetch_set_err(err, errlen, "cannot write %s: %s", tmp,
			      strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		fetch_set_err(err, errlen, "cannot rename %s: %s", tmp,
			      strerror(errno));
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	rc = FETCH_OK;

out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	g_free(tmp);
	g_free(path);
	return rc;
}

static int cache_save(const char *dir, json_t *doc, const char *etag,
		      const char *playing, char *err, size_t errlen)
{
	json_t *file = json_pack("{s:s, s:i, s:s, s:I, s:s?, s:O}", "format",
				 CACHE_FORMAT, "version", CACHE_VERSION,
				 "etag", etag, "saved_at",
				 (json_int_t)time(NULL), "playing", playing,
				 "content", doc);
	char *text = file ? json_dumps(file, JSON_COMPACT) : NULL;
	int rc;

	if (!text) {
		fetch_set_err(err, errlen, "out of memory");
		rc = FETCH_INVALID;
	} else {
		rc = write_file(dir, text, err, errlen);
	}
	free(text);
	json_decref(file);
	return rc;
}

int fetch_content_cache_load(const char *dir, json_t **doc, char *playing,
			     size_t len, char *err, size_t errlen)
{
	char *path = g_build_filename(dir, FETCH_CONTENT_FILE, NULL);
	json_error_t jerr;
	json_t *file = NULL, *c;
	const char *p;
	int rc;

	*doc = NULL;
	if (len)
		playing[0] = '\0';
	if (access(path, F_OK) && errno == ENOENT) {
		fetch_set_err(err, errlen, "%s: no such file", path);
		rc = FETCH_NO_CACHE;
		goto out;
	}
	file = json_load_file(path, 0, &jerr);
	c = json_object_get(file, "content");
	if (!file || strcmp(json_string_value(json_object_get(file, "format"))
			    ? json_string_value(json_object_get(file,
								"format"))
			    : "", CACHE_FORMAT) ||
	    json_integer_value(json_object_get(file, "version")) !=
		CACHE_VERSION ||
	    !fetch_content_valid(c)) {
		fetch_set_err(err, errlen, "%s: %s", path,
			      file ? "not an akari content cache"
				   : jerr.text);
		rc = FETCH_CORRUPT;
		goto out;
	}
	p = json_string_value(json_object_get(file, "playing"));
	if (p && len)
		g_strlcpy(playing, p, len);
	*doc = json_incref(c);
	rc = FETCH_OK;

out:
	json_decref(file);
	g_free(path);
	return rc;
}

/* --- one poll ---------------------------------------------------------- */

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct answer *a = ud;
	size_t n = size * nmemb;

	if (a->body->len + n > ANSWER_MAX) {
		a->too_big = true;
		return 0;
	}
	g_byte_array_append(a->body, (const guint8 *)ptr, (guint)n);
	return n;
}

/* Keeps the ETag and Date of the answer. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
	struct answer *a = ud;
	size_t n = size * nitems;
	char line[256];
	char *v;

	if (n >= sizeof line)
		return n;
	memcpy(line, buf, n);
	line[n] = '\0';
	v = strchr(line, ':');
	if (!v)
		return n;
	*v++ = '\0';
	g_strstrip(v);
	if (!g_ascii_strcasecmp(line, "etag"))
		g_strlcpy(a->etag, v, sizeof a->etag);
	else if (!g_ascii_strcasecmp(line, "date"))
		/* Called only in a transfer: libcurl is open. */
		a->date = (int64_t)fetch_curl(NULL, 0)->getdate(v, NULL);
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct fetch_content *f = ud;

	return atomic_load(&f->cancel) ? 1 : 0;
}

/* GETs the content.  *doc: the new content, or NULL when unchanged. */
static int poll_once(struct fetch_content *f, struct answer *a,
		     json_t **doc, char *err, size_t errlen)
{
	const struct fetch_curl *cu;
	struct curl_slist *h = NULL;
	char inm[160];
	json_error_t jerr;
	long status = 0;
	CURLcode cc;
	int rc;

	*doc = NULL;
	/* libcurl is opened with the first poll, not at start. */
	if (!f->curl) {
		f->curl = fetch_curl_handle(&f->cu, err, errlen);
		if (!f->curl)
			return FETCH_UNREACHABLE;
	}
	cu = f->cu;
	h = cu->slist_append(h, "Accept: application/json");
	if (f->etag[0]) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", f->etag);
		h = cu->slist_append(h, inm);
	}
	cu->easy_reset(f->curl);
	cu->easy_setopt(f->curl, CURLOPT_URL, f->url);
	cu->easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(f->curl, CURLOPT_HTTPHEADER, h);
	cu->easy_setopt(f->curl, CURLOPT_USERAGENT, "akari-kiosk/0.1");
	cu->easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS, f->connect_ms);
	cu->easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, f->total_ms);
	cu->easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_data);
	cu->easy_setopt(f->curl, CURLOPT_WRITEDATA, a);
	cu->easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, on_header);
	cu->easy_setopt(f->curl, CURLOPT_HEADERDATA, a);
	cu->easy_setopt(f->curl, CURLOPT_NOPROGRESS, 0L);
	cu->easy_setopt(f->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu->easy_setopt(f->curl, CURLOPT_XFERINFODATA, f);
	cu->easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->curl_err);
	f->curl_err[0] = '\0';

	cc = cu->easy_perform(f->curl);
	if (cc != CURLE_OK) {
		fetch_set_err(err, errlen, "GET %s: %s", f->url,
			      a->too_big ? "answer too large"
			      : f->curl_err[0] ? f->curl_err
					       : cu->easy_strerror(cc));
		rc = a->too_big ? FETCH_BAD_ANSWER : FETCH_UNREACHABLE;
		goto out;
	}
	cu->easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 304) {
		rc = FETCH_OK;
		goto out;
	}
	if (status != 200) {
		fetch_set_err(err, errlen, "GET %s: HTTP %ld", f->url, status);
		rc = FETCH_HTTP;
		goto out;
	}
	*doc = json_loadb((const char *)a->body->data, a->body->len, 0, &jerr);
	if (!fetch_content_valid(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		fetch_set_err(err, errlen, "GET %s: not a display's content",
			      f->url);
		rc = FETCH_BAD_ANSWER;
		goto out;
	}
	rc = FETCH_OK;

out:
	cu->slist_free_all(h);
	return rc;
}

/* --- the thread -------------------------------------------------------- */

/* A save was asked for and there is content to save; under lock. */
static bool save_ready(const struct fetch_content *f)
{
	return f->save_due && f->cache_dir && f->doc;
}

/* Saves the cache when due; called and returns with the lock held. */
static void save_if_due(struct fetch_content *f)
{
	char err[256], *playing;
	json_t *doc;
	int rc;

	if (!save_ready(f))
		return;
	f->save_due = false;
	doc = json_incref(f->doc);
	playing = g_strdup(f->playing);
	pthread_mutex_unlock(&f->lock);

	rc = cache_save(f->cache_dir, doc, f->etag, playing, err, sizeof err);

	pthread_mutex_lock(&f->lock);
	f->st.cache_rc = rc;
	g_strlcpy(f->st.cache_err, rc ? err : "", sizeof f->st.cache_err);
	g_free(playing);
	json_decref(doc);
}

static void *poller_main(void *arg)
{
	struct fetch_content *f = arg;
	locale_t loc = core_thread_locale_begin();
	double delay = f->every, due;
	struct timespec ts;
	char err[256];

	pthread_mutex_lock(&f->lock);
	while (f->held && !f->quit)
		pthread_cond_wait(&f->wake, &f->lock);
	while (!f->quit) {
		struct answer a = {.body = g_byte_array_new()};
		json_t *doc = NULL;
		int rc;

		pthread_mutex_unlock(&f->lock);
		err[0] = '\0';
		rc = poll_once(f, &a, &doc, err, sizeof err);
		if (!rc && doc)
			g_strlcpy(f->etag, a.etag, sizeof f->etag);
		pthread_mutex_lock(&f->lock);

		f->st.rc = rc;
		f->st.polls++;
		g_strlcpy(f->st.err, err, sizeof f->st.err);
		if (!rc && a.date > 0) {
			f->st.have_offset = true;
			f->st.clock_offset = a.date - (int64_t)time(NULL);
		}
		if (doc) {
			json_decref(f->doc);
			f->doc = doc;
			f->gen++;
		}
		/* A failed save is tried again at the next poll, not at
		 * once, which would spin while the disk refuses. */
		if (doc || f->st.cache_rc)
			f->save_due = true;
		g_byte_array_free(a.body, TRUE);
		save_if_due(f);

		/* After a failure the wait is drawn between three quarters
		 * of the backoff and all of it, as fetch_schedule does, so
		 * that displays that lost the server together spread out. */
		delay = rc ? fmin(delay * 2, f->retry_max) : f->every;
		due = mono_now() +
		      (rc ? delay * (1 - 0.25 * g_random_double()) : delay);
		while (!f->quit && !save_ready(f) && mono_now() < due) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&f->wake, &f->lock, &ts);
		}
		save_if_due(f);
	}
	pthread_mutex_unlock(&f->lock);
	core_thread_locale_end(loc);
	return NULL;
}

int fetch_content_create(const struct fetch_content_config *cfg,
			 struct fetch_content **out, char *err,
			 size_t errlen)
{
	struct fetch_content *f;
	sigset_t all, old;
	char *esc, *base;
	int rc;

	*out = NULL;
	if (!cfg->server || (strncmp(cfg->server, "http://", 7) &&
			     strncmp(cfg->server, "https://", 8)) ||
	    !cfg->display_id) {
		fetch_set_err(err, errlen, "content needs an http(s) server "
			      "and a display id");
		return FETCH_INVALID;
	}
	f = g_new0(struct fetch_content, 1);
	atomic_init(&f->cancel, false);
	esc = g_uri_escape_string(cfg->display_id, NULL, false);
	base = g_strdup(cfg->server);
	while (g_str_has_suffix(base, "/"))
		base[strlen(base) - 1] = '\0';
	f->url = g_strdup_printf("%s/api/v1/displays/%s/content", base,
				 esc ? esc : "");
	g_free(base);
	g_free(esc);
	f->cache_dir = g_strdup(cfg->cache_dir);
	f->every = cfg->every > 0 ? cfg->every : FETCH_CONTENT_EVERY;
	f->retry_max = cfg->retry_max > 0
			   ? fmin(cfg->retry_max, FETCH_CONTENT_RETRY_MAX)
			   : FETCH_CONTENT_RETRY_MAX;
	f->connect_ms = cfg->connect_ms > 0 ? cfg->connect_ms
					    : FETCH_DEFAULT_CONNECT_MS;
	f->total_ms = cfg->total_ms > 0 ? cfg->total_ms
					: FETCH_DEFAULT_TOTAL_MS;
	f->held = cfg->held;
	f->st.rc = FETCH_UNREACHABLE;
	g_strlcpy(f->st.err, "no answer yet", sizeof f->st.err);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);

	/* Signals go to the caller's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&f->thread, NULL, poller_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		fetch_set_err(err, errlen, "cannot start the content thread: "
			      "%s", strerror(rc));
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->lock);
		g_free(f->cache_dir);
		g_free(f->url);
		g_free(f);
		return FETCH_INVALID;
	}
	*out = f;
	return FETCH_OK;
}

void fetch_content_release(struct fetch_content *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->held = false;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

void fetch_content_destroy(struct fetch_content *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->quit = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	atomic_store(&f->cancel, true);
	pthread_join(f->thread, NULL);

	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	if (f->curl)
		f->cu->easy_cleanup(f->curl);
	json_decref(f->doc);
	g_free(f->playing);
	g_free(f->cache_dir);
	g_free(f->url);
	g_free(f);
}

bool fetch_content_take(struct fetch_content *f, unsigned long *gen,
			json_t **doc, struct fetch_content_status *st)
{
	bool changed;

	pthread_mutex_lock(&f->lock);
	*st = f->st;
	changed = f->doc && f->gen != *gen;
	if (changed) {
		*doc = json_incref(f->doc);
		*gen = f->gen;
	}
	pthread_mutex_unlock(&f->lock);
	return changed;
}

void fetch_content_playing(struct fetch_content *f, const char *playlist)
{
	pthread_mutex_lock(&f->lock);
	if (g_strcmp0(f->playing, playlist)) {
		g_free(f->playing);
		f->playing = g_strdup(playlist);
		f->save_due = true;
		pthread_cond_signal(&f->wake);
	}
	pthread_mutex_unlock(&f->lock);
}
