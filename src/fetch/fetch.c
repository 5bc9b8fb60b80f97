/*
 * fetch.c - the HTTP side of the fetcher: one libcurl easy handle that
 * asks the server for the three site summaries of a bundle.
 */
#include "fetch/fetch.h"
#include "fetch/fetch_internal.h"
#include "fetch/fetch_curl.h"
#include "cloud/units/units.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A summary is a few hundred readings; anything far larger is not one. */
#define ANSWER_MAX (16u << 20)
/* The requests of a bundle: the three sites', then the signage one. */
#define SIGNAGE_SLOT FETCH_ROLE_COUNT
#define SLOTS (FETCH_ROLE_COUNT + 1)

struct fetch_client {
	CURL *curl;		/* NULL until the first request */
	const struct fetch_curl *cu;
	char *server;		/* without a trailing slash */
	char *site[FETCH_ROLE_COUNT];
	char *signage_query;	/* "&solar=...", escaped; "" for none */
	long connect_ms;
	long total_ms;
	unsigned want;		/* FETCH_WANT bits */
	atomic_bool cancel;
	char curl_err[CURL_ERROR_SIZE];
	/* Each request's last good answer and its ETag, sent back as
	 * If-None-Match: an answer that has not changed is a 304 without a
	 * body, and the document already parsed is used again. */
	char etag[SLOTS][80];
	json_t *kept[SLOTS];	/* a reference; the caller may hold others
				 * (jansson's reads and counts are thread
				 * safe) */
};

struct answer {
	char *data;
	size_t len;
	size_t cap;
	bool too_big;
	char etag[80];		/* "": none */
};

static const char *const role_names[FETCH_ROLE_COUNT] = {
	"grid", "home", "air",
};
static const char *const default_sites[FETCH_ROLE_COUNT] = {
	"tepco", "home12", "room1",
};

const char *fetch_role_name(enum fetch_role role)
{
	return role < FETCH_ROLE_COUNT ? role_names[role] : "?";
}

const char *fetch_default_site(enum fetch_role role)
{
	return role < FETCH_ROLE_COUNT ? default_sites[role] : NULL;
}

const char *fetch_rc_name(int rc)
{
	switch (rc) {
	case FETCH_OK: return "ok";
	case FETCH_UNREACHABLE: return "unreachable";
	case FETCH_HTTP: return "http error";
	case FETCH_BAD_ANSWER: return "bad answer";
	case FETCH_NO_CACHE: return "no cache";
	case FETCH_CORRUPT: return "corrupt cache";
	case FETCH_IO: return "i/o error";
	case FETCH_INVALID: return "invalid";
	}
	return "unknown";
}

void fetch_bundle_init(struct fetch_bundle *b)
{
	memset(b, 0, sizeof *b);
}

void fetch_bundle_finish(struct fetch_bundle *b)
{
	for (int i = 0; i < FETCH_ROLE_COUNT; i++)
		json_decref(b->site[i]);
	json_decref(b->signage);
	fetch_bundle_init(b);
}

void fetch_bundle_move(struct fetch_bundle *dst, struct fetch_bundle *src)
{
	if (dst == src)
		return;
	fetch_bundle_finish(dst);
	*dst = *src;
	fetch_bundle_init(src);
}

bool fetch_summary_valid(const json_t *summary, const char *site)
{
	const json_t *name = json_object_get(summary, "site");

	if (!json_is_object(summary) || !json_is_string(name))
		return false;
	if (site && strcmp(json_string_value(name), site) != 0)
		return false;
	return json_is_array(json_object_get(summary, "points"));
}

/* Sets field of obj, when it is a number, from unit to unit to. */
static void convert_field(json_t *obj, const char *field, const char *unit,
			  const char *to)
{
	json_t *v = json_object_get(obj, field);
	double x;

	if (json_is_number(v) &&
	    units_convert(unit, to, json_number_value(v), &x) == UNITS_OK)
		json_object_set_new(obj, field, json_real(x));
}

/* The unit the slides read a quantity in, or NULL for any. */
static const char *slide_unit(const char *quantity)
{
	if (!strcmp(quantity, "power"))
		return "kW";
	if (!strcmp(quantity, "temperature"))
		return "degC";
	return NULL;
}

void fetch_summary_units(json_t *summary)
{
	json_t *pts = json_object_get(summary, "points"), *pt;
	size_t i;

	json_array_foreach(pts, i, pt) {
		const char *q = json_string_value(json_object_get(pt,
								  "quantity"));
		const char *u = json_string_value(json_object_get(pt, "unit"));
		json_t *today = json_object_get(pt, "today"), *row;
		json_t *curve = json_object_get(pt, "curve");
		const char *to = q ? slide_unit(q) : NULL;
		char unit[16];
		double x;
		size_t j;

		if (!to || !u || !strcmp(u, to) ||
		    units_convert(u, to, 1.0, &x) != UNITS_OK)
			continue;
		/* The unit's name goes with the object about to change. */
		snprintf(unit, sizeof unit, "%s", u);

		convert_field(json_object_get(pt, "latest"), "value", unit, to);
		convert_field(today, "min", unit, to);
		convert_field(today, "max", unit, to);
		convert_field(today, "avg", unit, to);
		convert_field(json_object_get(today, "peak"), "value", unit,
			      to);
		convert_field(json_object_get(pt, "yesterday"), "avg", unit,
			      to);
		json_array_foreach(curve, j, row) {
			json_t *v = json_array_get(row, 1);

			if (json_is_number(v) &&
			    units_convert(unit, to, json_number_value(v),
					  &x) == UNITS_OK)
				json_array_set_new(row, 1, json_real(x));
		}
		json_object_set_new(pt, "unit", json_string(to));
	}
}

static bool is_http_url(const char *s)
{
	return s && (strncmp(s, "http://", 7) == 0 ||
		     strncmp(s, "https://", 8) == 0);
}

/* The signage request's site parameters, "&solar=a&ev=b", in a new
 * string, or NULL when memory ran out. */
static char *signage_query(const struct fetch_config *cfg)
{
	const char *names[] = {"solar", "ev", "weather"};
	const char *v[] = {cfg->solar_site, cfg->ev_site, cfg->weather_site};
	char *esc[3] = {NULL, NULL, NULL}, *q = NULL;
	size_t n = 1, used = 0;

	for (size_t i = 0; i < 3; i++) {
		esc[i] = v[i] ? g_uri_escape_string(v[i], NULL, false) : NULL;
		if (v[i] && !esc[i])
			goto out;
		n += esc[i] ? strlen(esc[i]) + 10 : 0;
	}
	q = malloc(n);
	if (!q)
		goto out;
	q[0] = '\0';
	for (size_t i = 0; i < 3; i++)
		if (esc[i])
			used += (size_t)snprintf(q + used, n - used, "&%s=%s",
						 names[i], esc[i]);
out:
	for (size_t i = 0; i < 3; i++)
		g_free(esc[i]);
	return q;
}

struct fetch_client *fetch_client_create(const struct fetch_config *cfg)
{
	struct fetch_client *c;
	size_t n;

	if (!cfg || !is_http_url(cfg->server))
		return NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	atomic_init(&c->cancel, false);
	c->connect_ms = cfg->connect_ms > 0 ? cfg->connect_ms
					    : FETCH_DEFAULT_CONNECT_MS;
	c->total_ms = cfg->total_ms > 0 ? cfg->total_ms
					: FETCH_DEFAULT_TOTAL_MS;
	c->server = strdup(cfg->server);
	if (!c->server)
		goto fail;
	n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		const char *s = cfg->site[i] ? cfg->site[i] : default_sites[i];

		c->site[i] = strdup(s);
		if (!c->site[i])
			goto fail;
	}
	c->want = FETCH_WANT_ALL;
	c->signage_query = signage_query(cfg);
	if (!c->signage_query)
		goto fail;
	return c;

fail:
	fetch_client_destroy(c);
	return NULL;
}

void fetch_client_destroy(struct fetch_client *c)
{
	if (!c)
		return;
	if (c->curl)
		c->cu->easy_cleanup(c->curl);
	for (int i = 0; i < SLOTS; i++)
		json_decref(c->kept[i]);
	for (int i = 0; i < FETCH_ROLE_COUNT; i++)
		free(c->site[i]);
	free(c->signage_query);
	free(c->server);
	free(c);
}

void fetch_client_cancel(struct fetch_client *c)
{
	if (c)
		atomic_store(&c->cancel, true);
}

void fetch_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct answer *a = ud;
	size_t n = size * nmemb;
	char *grown;
	size_t cap;

	if (a->len + n + 1 > ANSWER_MAX) {
		a->too_big = true;
		return 0;
	}
	if (a->len + n + 1 > a->cap) {
		cap = a->cap ? a->cap : 16384;
		while (cap < a->len + n + 1)
			cap *= 2;
		grown = realloc(a->data, cap);
		if (!grown)
			return 0;
		a->data = grown;
		a->cap = cap;
	}
	memcpy(a->data + a->len, ptr, n);
	a->len += n;
	a->data[a->len] = '\0';
	return n;
}

/* Keeps the answer's ETag. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
	struct answer *a = ud;
	size_t n = size * nitems, len;
	const char *v, *end = buf + n;

	if (n < 5 || strncasecmp(buf, "etag:", 5) != 0)
		return n;
	for (v = buf + 5; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - v);
	/* One too long for the room is not kept: no If-None-Match then. */
	if (len < sizeof a->etag) {
		memcpy(a->etag, v, len);
		a->etag[len] = '\0';
	}
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct fetch_client *c = ud;

	return atomic_load(&c->cancel) ? 1 : 0;
}

/* Builds ".../api/v1/sites/NAME/summary?at=AT" in a new string. */
static char *summary_url(struct fetch_client *c, const char *site,
			 int64_t at)
{
	char *esc = g_uri_escape_string(site, NULL, false);
	char *url = NULL;
	size_t n;

	if (!esc)
		return NULL;
	n = strlen(c->server) + strlen(esc) + 64;
	url = malloc(n);
	if (url)
		snprintf(url, n, "%s/api/v1/sites/%s/summary?at=%lld",
			 c->server, esc, (long long)at);
	g_free(esc);
	return url;
}

/* Builds ".../api/v1/signage?at=AT&solar=..." in a new string. */
static char *signage_url(struct fetch_client *c, int64_t at)
{
	size_t n = strlen(c->server) + strlen(c->signage_query) + 64;
	char *url = malloc(n);

	if (url)
		snprintf(url, n, "%s/api/v1/signage?at=%lld%s", c->server,
			 (long long)at, c->signage_query);
	return url;
}

static void setup_request(struct fetch_client *c, const char *url,
			  struct answer *a, struct curl_slist *headers)
{
	const struct fetch_curl *cu = c->cu;
	CURL *h = c->curl;

	cu->easy_reset(h);
	cu->easy_setopt(h, CURLOPT_URL, url);
	cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	cu->easy_setopt(h, CURLOPT_USERAGENT, "akari-kiosk/0.1");
	cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, c->total_ms);
	/* The worker thread must not take SIGALRM for name lookups. */
	cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	cu->easy_setopt(h, CURLOPT_WRITEDATA, a);
	cu->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	cu->easy_setopt(h, CURLOPT_HEADERDATA, a);
	cu->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	cu->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu->easy_setopt(h, CURLOPT_XFERINFODATA, c);
	cu->easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
}

/* GETs one summary (site not NULL) or the signage figures (site NULL),
 * the request of the given slot.  *out is the answer, or NULL when the
 * server does not know the site or the route. */
static int get_summary(struct fetch_client *c, int slot, const char *site,
		       int64_t at, json_t **out, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	struct answer a = {0};
	json_error_t jerr;
	json_t *doc = NULL;
	char inm[sizeof c->etag[0] + 20];
	long status = 0;
	CURLcode cc;
	char *url;
	int rc;

	*out = NULL;
	/* libcurl is opened with the first request, not at start. */
	if (!c->curl) {
		c->curl = fetch_curl_handle(&c->cu, err, errlen);
		if (!c->curl)
			return FETCH_UNREACHABLE;
	}
	url = site ? summary_url(c, site, at) : signage_url(c, at);
	headers = c->cu->slist_append(NULL, "Accept: application/json");
	if (headers && c->kept[slot] && c->etag[slot][0]) {
		struct curl_slist *more;

		snprintf(inm, sizeof inm, "If-None-Match: %s", c->etag[slot]);
		more = c->cu->slist_append(headers, inm);
		if (!more) {
			c->cu->slist_free_all(headers);
			headers = NULL;
		}
	}
	if (!url || !headers) {
		fetch_set_err(err, errlen, "out of memory");
		rc = FETCH_INVALID;
		goto out;
	}

	setup_request(c, url, &a, headers);
	c->curl_err[0] = '\0';
	cc = c->cu->easy_perform(c->curl);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		fetch_set_err(err, errlen, "GET %s: cancelled", url);
		rc = FETCH_UNREACHABLE;
		goto out;
	}
	if (cc == CURLE_WRITE_ERROR && a.too_big) {
		fetch_set_err(err, errlen, "GET %s: answer over %u bytes", url,
			ANSWER_MAX);
		rc = FETCH_BAD_ANSWER;
		goto out;
	}
	if (cc != CURLE_OK) {
		fetch_set_err(err, errlen, "GET %s: %s", url,
			c->curl_err[0] ? c->curl_err
					 : c->cu->easy_strerror(cc));
		rc = FETCH_UNREACHABLE;
		goto out;
	}
	c->cu->easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	/* Only asked for with a document kept, which was checked then. */
	if (status == 304 && c->kept[slot]) {
		*out = json_incref(c->kept[slot]);
		rc = FETCH_OK;
		goto out;
	}
	json_decref(c->kept[slot]);
	c->kept[slot] = NULL;
	c->etag[slot][0] = '\0';

	doc = a.data ? json_loadb(a.data, a.len, 0, &jerr) : NULL;
	if (status == 404 && json_is_string(json_object_get(doc, "error"))) {
		rc = FETCH_OK;	/* the server has no such site */
		goto out;
	}
	if (status != 200) {
		const char *msg = json_string_value(
		    json_object_get(doc, "message"));

		fetch_set_err(err, errlen, "GET %s: HTTP %ld%s%s", url, status,
			msg ? ": " : "", msg ? msg : "");
		rc = FETCH_HTTP;
		goto out;
	}
	if (!site && !json_is_object(doc)) {
		fetch_set_err(err, errlen, "GET %s: not a JSON object", url);
		rc = FETCH_BAD_ANSWER;
		goto out;
	}
	if (site && !fetch_summary_valid(doc, site)) {
		fetch_set_err(err, errlen, "GET %s: not a summary of site '%s'",
			url, site);
		rc = FETCH_BAD_ANSWER;
		goto out;
	}
	if (site)
		fetch_summary_units(doc);
	if (a.etag[0]) {
		memcpy(c->etag[slot], a.etag, sizeof a.etag);
		c->kept[slot] = json_incref(doc);
	}
	*out = doc;
	doc = NULL;
	rc = FETCH_OK;

out:
	json_decref(doc);
	c->cu->slist_free_all(headers);
	free(a.data);
	free(url);
	return rc;
}

int64_t fetch_minute_at(double t)
{
	return (int64_t)floor(t / 60) * 60 + 59;
}

void fetch_client_want(struct fetch_client *c, unsigned want)
{
	if (!c)
		return;
	c->want = want & FETCH_WANT_ALL;
	/* A part no longer asked for keeps no answer: asked for again
	 * later, its old ETag would make a 304 give that stale copy. */
	for (int i = 0; i < SLOTS; i++) {
		unsigned bit = i == SIGNAGE_SLOT ? FETCH_WANT_SIGNAGE
						 : FETCH_WANT(i);

		if (!(c->want & bit)) {
			json_decref(c->kept[i]);
			c->kept[i] = NULL;
			c->etag[i][0] = '\0';
		}
	}
}

int fetch_client_get(struct fetch_client *c, int64_t at,
		     struct fetch_bundle *out, char *err, size_t errlen)
{
	struct fetch_bundle b;
	int rc = FETCH_OK;

	fetch_bundle_init(&b);
	fetch_bundle_finish(out);
	if (!c) {
		fetch_set_err(err, errlen, "no client");
		return FETCH_INVALID;
	}

	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		if (!(c->want & FETCH_WANT(i)))
			continue;
		rc = get_summary(c, i, c->site[i], at, &b.site[i], err,
				 errlen);
		if (rc)
			goto out;
	}
	if (c->want & FETCH_WANT_SIGNAGE) {
		rc = get_summary(c, SIGNAGE_SLOT, NULL, at, &b.signage, err,
				 errlen);
		if (rc)
			goto out;
	}
	b.asked = c->want;
	b.at = at;
	b.fetched_at = (int64_t)time(NULL);
	fetch_bundle_move(out, &b);

out:
	fetch_bundle_finish(&b);
	return rc;
}
