/*
 * import_sink.c - where an import's batches go: through ingest into a
 * local store, or over HTTP to a server's ingest endpoint.  Both answer
 * with the same status and JSON body, since the server's answer is the
 * one ingest builds, so the driver reads them alike.
 */
#include "cloud/import/import_internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/ingest/ingest.h"
#include "cloud/units/units.h"

#define PUSH_CHUNK_ROWS 5000
#define PUSH_CONNECT_TIMEOUT_S 10L
#define PUSH_TIMEOUT_S 300L

struct import_sink {
	struct store *st;	/* local: borrowed; NULL when pushing */
	/* As whom the local batches go in: the importer (all zero) or a
	 * device, which also leaves the registry alone. */
	struct ingest_source src;
	CURL *curl;		/* push: one handle keeps the connection */
	struct curl_slist *headers;
	char *url;		/* push: the ingest endpoint */
};

int import_sink_local_create(struct store *st, struct import_sink **out)
{
	*out = NULL;
	if (!st)
		return IMPORT_INVALID;
	*out = g_new0(struct import_sink, 1);
	(*out)->st = st;
	return IMPORT_OK;
}

int import_sink_push_create(const char *url, const char *token,
			    struct import_sink **out)
{
	struct import_sink *s;
	char *auth;
	size_t len;

	*out = NULL;
	if (!url || !*url || !token || !*token || strpbrk(token, "\r\n"))
		return IMPORT_INVALID;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return IMPORT_PUSH;

	s = g_new0(struct import_sink, 1);
	len = strlen(url);
	while (len && url[len - 1] == '/')
		len--;
	s->url = g_strdup_printf("%.*s/api/v1/ingest", (int)len, url);
	auth = g_strdup_printf("Authorization: Bearer %s", token);
	s->headers = curl_slist_append(NULL, auth);
	s->headers = curl_slist_append(s->headers,
				       "Content-Type: application/json");
	g_free(auth);
	s->curl = curl_easy_init();
	if (!s->curl || !s->headers) {
		import_sink_destroy(s);
		return IMPORT_PUSH;
	}
	*out = s;
	return IMPORT_OK;
}

int import_sink_device_create(struct store *st,
			      const struct ingest_source *src,
			      struct import_sink **out)
{
	*out = NULL;
	if (!st || src->device_id <= 0 || src->site_id <= 0)
		return IMPORT_INVALID;
	*out = g_new0(struct import_sink, 1);
	(*out)->st = st;
	(*out)->src = *src;
	return IMPORT_OK;
}

void import_sink_destroy(struct import_sink *sink)
{
	if (!sink)
		return;
	if (sink->url) {
		curl_easy_cleanup(sink->curl);
		curl_slist_free_all(sink->headers);
		g_free(sink->url);
		curl_global_cleanup();
	}
	g_free(sink);
}

size_t import_sink_chunk(const struct import_sink *sink)
{
	return sink->st ? INGEST_MAX_ROWS : PUSH_CHUNK_ROWS;
}

int import_sink_failure(const struct import_sink *sink)
{
	return sink->st ? IMPORT_STORE : IMPORT_PUSH;
}

int import_sink_zone(struct import_sink *sink, const struct import_format *fmt,
		     char *tz, size_t tzlen, char *err, size_t errlen)
{
	struct store_site site;
	int rc;

	g_strlcpy(tz, fmt->tz, tzlen);
	if (!sink->st || sink->src.device_id || !fmt->tz_from_site)
		return IMPORT_OK;

	rc = store_site_get(sink->st, fmt->site, &site);
	if (rc == STORE_NOT_FOUND)
		return IMPORT_OK;
	if (rc) {
		snprintf(err, errlen, "reading site '%s': %s", fmt->site,
			 store_errmsg(sink->st));
		return IMPORT_STORE;
	}
	g_strlcpy(tz, site.tz, tzlen);
	return IMPORT_OK;
}

/* Finds fmt's site, creating it when missing. */
static int ensure_site(struct store *st, const struct import_format *fmt,
		       struct store_site *site, char *err, size_t errlen)
{
	int rc;

	rc = store_site_get(st, fmt->site, site);
	if (rc == STORE_NOT_FOUND) {
		rc = store_site_add(st, fmt->site, fmt->site_kind, fmt->tz,
				    NULL);
		/* Another import may have added it since the lookup. */
		if (!rc || rc == STORE_EXISTS)
			rc = store_site_get(st, fmt->site, site);
	}
	if (rc) {
		snprintf(err, errlen, "site '%s': %s", fmt->site,
			 store_errmsg(st));
		return IMPORT_STORE;
	}
	if (!fmt->tz_from_site && strcmp(site->tz, fmt->tz)) {
		snprintf(err, errlen, "site '%s' exists in zone %s, but %s "
			 "data is in %s", fmt->site, site->tz, fmt->name,
			 fmt->tz);
		return IMPORT_REGISTRY;
	}
	return IMPORT_OK;
}

/* Refuses, before anything is written, a point to be created whose
 * quantity and unit the unit table does not pair, as the registry
 * refuses it (units_check_point()); points that exist are checked by
 * ensure_point() against the import's unit instead. */
static int check_new_points(struct store *st, const struct import_format *fmt,
			    char *err, size_t errlen)
{
	const struct import_point_def *def;
	struct store_point p;
	const char *field = "";
	char msg[512];
	int rc;

	for (size_t i = 0; i < fmt->npoints; i++) {
		def = &fmt->points[i];
		rc = store_point_get(st, def->key, &p);
		if (rc == STORE_NOT_FOUND &&
		    units_check_point(def->quantity, def->unit, &field, msg,
				      sizeof msg)) {
			snprintf(err, errlen, "point '%s': %s: %s", def->key,
				 field, msg);
			return IMPORT_INVALID;
		}
		if (rc && rc != STORE_NOT_FOUND) {
			snprintf(err, errlen, "point '%s': %s", def->key,
				 store_errmsg(st));
			return IMPORT_STORE;
		}
	}
	return IMPORT_OK;
}

/* Finds the point def describes, creating it when missing, and records
 * the shift on it. */
static int ensure_point(struct store *st, const struct store_site *site,
			const struct import_point_def *def, int shift_days,
			char *err, size_t errlen)
{
	struct store_point p = {0};
	int rc;

	rc = store_point_get(st, def->key, &p);
	if (rc == STORE_NOT_FOUND) {
		g_strlcpy(p.key, def->key, sizeof p.key);
		g_strlcpy(p.site, site->name, sizeof p.site);
		g_strlcpy(p.quantity, def->quantity, sizeof p.quantity);
		g_strlcpy(p.unit, def->unit, sizeof p.unit);
		p.kind = STORE_INSTANTANEOUS;
		p.step_s = def->step_s;
		p.shift_days = shift_days;
		rc = store_point_add(st, &p);
		if (!rc || rc == STORE_EXISTS)
			rc = store_point_get(st, def->key, &p);
	}
	if (rc)
		goto store_failed;

	if (p.site_id != site->id) {
		snprintf(err, errlen, "point '%s' exists on site '%s', not "
			 "'%s'", def->key, p.site, site->name);
		return IMPORT_REGISTRY;
	}
	if (strcmp(p.unit, def->unit)) {
		snprintf(err, errlen, "point '%s' exists with unit '%s', but "
			 "the import writes '%s'", def->key, p.unit, def->unit);
		return IMPORT_REGISTRY;
	}
	if (p.shift_days == shift_days)
		return IMPORT_OK;
	rc = store_point_set_shift(st, p.id, shift_days);
	if (rc)
		goto store_failed;
	return IMPORT_OK;

store_failed:
	snprintf(err, errlen, "point '%s': %s", def->key, store_errmsg(st));
	return IMPORT_STORE;
}

int import_sink_prepare(struct import_sink *sink,
			const struct import_format *fmt, int shift_days,
			char *err, size_t errlen)
{
	struct store_site site;
	int rc;

	if (!sink->st || sink->src.device_id)
		return IMPORT_OK;

	rc = check_new_points(sink->st, fmt, err, errlen);
	if (!rc)
		rc = ensure_site(sink->st, fmt, &site, err, errlen);
	for (size_t i = 0; !rc && i < fmt->npoints; i++)
		rc = ensure_point(sink->st, &site, &fmt->points[i], shift_days,
				  err, errlen);
	return rc;
}

static void send_local(struct import_sink *sink, json_t *batch,
		       int *status, json_t **answer)
{
	struct ingest_result res;

	/* A store failure comes back as status 500 with an answer that
	 * explains it, so the return code tells nothing more. */
	ingest_batch(sink->st, &sink->src, batch, &res);
	*status = res.status;
	*answer = res.answer ? json_incref(res.answer) : NULL;
	ingest_result_finish(&res);
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	g_string_append_len(ctx, data, (gssize)(size * n));
	return size * n;
}

static int send_push(struct import_sink *sink, json_t *batch, int *status,
		     json_t **answer, char *err, size_t errlen)
{
	GString *body = g_string_new(NULL);
	char *json = NULL;
	CURLcode cc;
	long code = 0;
	int rc = IMPORT_OK;

	json = json_dumps(batch, JSON_COMPACT);
	if (!json) {
		snprintf(err, errlen, "out of memory encoding a batch");
		rc = IMPORT_PUSH;
		goto out;
	}

	curl_easy_reset(sink->curl);
	curl_easy_setopt(sink->curl, CURLOPT_URL, sink->url);
	curl_easy_setopt(sink->curl, CURLOPT_HTTPHEADER, sink->headers);
	curl_easy_setopt(sink->curl, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(sink->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)strlen(json));
	curl_easy_setopt(sink->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(sink->curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(sink->curl, CURLOPT_CONNECTTIMEOUT,
			 PUSH_CONNECT_TIMEOUT_S);
	curl_easy_setopt(sink->curl, CURLOPT_TIMEOUT, PUSH_TIMEOUT_S);
	curl_easy_setopt(sink->curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(sink->curl);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "POST %s: %s", sink->url,
			 curl_easy_strerror(cc));
		rc = IMPORT_PUSH;
		goto out;
	}
	curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &code);
	*status = (int)code;
	*answer = json_loadb(body->str, body->len, 0, NULL);

out:
	free(json);
	g_string_free(body, TRUE);
	return rc;
}

int import_sink_send(struct import_sink *sink, json_t *batch, int *status,
		     json_t **answer, char *err, size_t errlen)
{
	*status = 0;
	*answer = NULL;
	if (sink->st) {
		send_local(sink, batch, status, answer);
		return IMPORT_OK;
	}
	return send_push(sink, batch, status, answer, err, errlen);
}
