/*
 * fetch_heartbeat.c - one small POST through a curl handle of its own,
 * so that it shares no state with the summaries' client.
 */
#include "fetch/fetch_heartbeat.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/fetch.h"
#include "fetch/fetch_curl.h"

/* The answer is a small JSON object; more is not read. */
#define ANSWER_MAX 4096

struct fetch_heartbeat_sender {
	CURL *curl;		/* NULL until the first heartbeat */
	const struct fetch_curl *cu;
	char *url;
	char auth[FETCH_AUTH_HEADER_MAX];	/* "" without a token */
	atomic_bool cancel;
	atomic_bool shot_wanted;
	char curl_err[CURL_ERROR_SIZE];
	char answer[ANSWER_MAX];
	size_t answer_len;
};

int fetch_auth_header(const char *token, char *buf, size_t len)
{
	int n;

	for (const char *c = token; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return -1;
	n = snprintf(buf, len, "Authorization: Bearer %s", token);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static size_t keep_answer(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct fetch_heartbeat_sender *s = ud;
	size_t n = size * nmemb, room = sizeof s->answer - 1 - s->answer_len;

	memcpy(s->answer + s->answer_len, ptr, n < room ? n : room);
	s->answer_len += n < room ? n : room;
	return size * nmemb;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct fetch_heartbeat_sender *s = ud;

	return atomic_load(&s->cancel) ? 1 : 0;
}

struct fetch_heartbeat_sender *
fetch_heartbeat_sender_create(const char *server, const char *id,
			      const char *token)
{
	struct fetch_heartbeat_sender *s;
	size_t n;

	if (!server || !id || (strncmp(server, "http://", 7) &&
			       strncmp(server, "https://", 8)))
		return NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	atomic_init(&s->cancel, false);
	atomic_init(&s->shot_wanted, false);
	if (token && fetch_auth_header(token, s->auth, sizeof s->auth)) {
		free(s);
		return NULL;
	}
	n = strlen(server) + strlen(id) + 64;
	s->url = malloc(n);
	if (!s->url) {
		fetch_heartbeat_sender_destroy(s);
		return NULL;
	}
	/* A base URL given with a trailing slash must not double it. */
	snprintf(s->url, n, "%.*s/api/v1/displays/%s/heartbeat",
		 (int)(strlen(server) - (server[strlen(server) - 1] == '/')),
		 server, id);
	return s;
}

void fetch_heartbeat_sender_destroy(struct fetch_heartbeat_sender *s)
{
	if (!s)
		return;
	if (s->curl)
		s->cu->easy_cleanup(s->curl);
	free(s->url);
	free(s);
}

void fetch_heartbeat_cancel(struct fetch_heartbeat_sender *s)
{
	if (s)
		atomic_store(&s->cancel, true);
}

static char *heartbeat_body(const struct fetch_heartbeat *hb)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:o}", "version",
			      hb->version ? hb->version : "", "slide",
			      hb->slide ? hb->slide : "", "uptime_s",
			      (json_int_t)hb->uptime_s, "cache_age_s",
			      hb->cache_age_s >= 0
				  ? json_integer(hb->cache_age_s)
				  : json_null());
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return body;
}

/* A request for a screenshot stays until taken, whatever later answers
 * say, so that one asked for between two looks is not lost. */
static void note_request(struct fetch_heartbeat_sender *s)
{
	json_t *o, *v;

	s->answer[s->answer_len] = '\0';
	o = json_loads(s->answer, 0, NULL);
	v = json_object_get(o, "screenshot_requested");
	if (json_is_true(v))
		atomic_store(&s->shot_wanted, true);
	json_decref(o);
}

bool fetch_heartbeat_take_request(struct fetch_heartbeat_sender *s)
{
	return s && atomic_exchange(&s->shot_wanted, false);
}

int fetch_heartbeat_send(struct fetch_heartbeat_sender *s,
			 const struct fetch_heartbeat *hb, char *err,
			 size_t errlen)
{
	const struct fetch_curl *cu;
	struct curl_slist *headers = NULL;
	char *body = NULL;
	CURL *h;
	CURLcode cc;
	long status = 0;
	int rc;

	/* libcurl is opened with the first heartbeat, not at start. */
	if (!s->curl) {
		char why[200];

		s->curl = fetch_curl_handle(&s->cu, why, sizeof why);
		if (!s->curl) {
			snprintf(err, errlen, "heartbeat: %s", why);
			return FETCH_UNREACHABLE;
		}
	}
	cu = s->cu;
	h = s->curl;
	body = heartbeat_body(hb);
	headers = cu->slist_append(NULL, "Content-Type: application/json");
	if (headers && s->auth[0])
		headers = cu->slist_append(headers, s->auth);
	if (!body || !headers) {
		snprintf(err, errlen, "heartbeat: out of memory");
		rc = FETCH_INVALID;
		goto out;
	}

	cu->easy_reset(h);
	s->curl_err[0] = '\0';
	cu->easy_setopt(h, CURLOPT_URL, s->url);
	cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	cu->easy_setopt(h, CURLOPT_POSTFIELDS, body);
	cu->easy_setopt(h, CURLOPT_USERAGENT, "akari-kiosk/0.1");
	cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			(long)FETCH_HEARTBEAT_CONNECT_MS);
	cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)FETCH_HEARTBEAT_TOTAL_MS);
	cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	s->answer_len = 0;
	cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
	cu->easy_setopt(h, CURLOPT_WRITEDATA, s);
	cu->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	cu->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu->easy_setopt(h, CURLOPT_XFERINFODATA, s);
	cu->easy_setopt(h, CURLOPT_ERRORBUFFER, s->curl_err);

	cc = cu->easy_perform(h);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "heartbeat to %s: %s", s->url,
			 s->curl_err[0] ? s->curl_err
					: cu->easy_strerror(cc));
		rc = FETCH_UNREACHABLE;
		goto out;
	}
	cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(err, errlen, "heartbeat to %s: HTTP %ld", s->url,
			 status);
		rc = FETCH_HTTP;
		goto out;
	}
	note_request(s);
	rc = FETCH_OK;

out:
	if (headers)
		cu->slist_free_all(headers);
	free(body);
	return rc;
}
