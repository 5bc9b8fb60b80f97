/*
 * fetch_heartbeat.c - one small POST through a curl handle of its own,
 * so that it shares no state with the summaries' client.
 */
#include "fetch/fetch_heartbeat.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/fetch.h"

struct fetch_heartbeat_sender {
	CURL *curl;
	char *url;
	atomic_bool cancel;
	char curl_err[CURL_ERROR_SIZE];
};

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	return size * nmemb;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct fetch_heartbeat_sender *s = ud;

	return atomic_load(&s->cancel) ? 1 : 0;
}

struct fetch_heartbeat_sender *
fetch_heartbeat_sender_create(const char *server, const char *id)
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
	s->curl = curl_easy_init();
	n = strlen(server) + strlen(id) + 64;
	s->url = malloc(n);
	if (!s->curl || !s->url) {
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
		curl_easy_cleanup(s->curl);
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

int fetch_heartbeat_send(struct fetch_heartbeat_sender *s,
			 const struct fetch_heartbeat *hb, char *err,
			 size_t errlen)
{
	struct curl_slist *headers = NULL;
	char *body = NULL;
	CURL *h = s->curl;
	CURLcode cc;
	long status = 0;
	int rc;

	body = heartbeat_body(hb);
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!body || !headers) {
		snprintf(err, errlen, "heartbeat: out of memory");
		rc = FETCH_INVALID;
		goto out;
	}

	curl_easy_reset(h);
	s->curl_err[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "akari-kiosk/0.1");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)FETCH_HEARTBEAT_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)FETCH_HEARTBEAT_TOTAL_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->curl_err);

	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "heartbeat to %s: %s", s->url,
			 s->curl_err[0] ? s->curl_err
					: curl_easy_strerror(cc));
		rc = FETCH_UNREACHABLE;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(err, errlen, "heartbeat to %s: HTTP %ld", s->url,
			 status);
		rc = FETCH_HTTP;
		goto out;
	}
	rc = FETCH_OK;

out:
	curl_slist_free_all(headers);
	free(body);
	return rc;
}
