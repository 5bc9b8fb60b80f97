/*
 * api_content.c - playlists, schedules, display groups, layer rules and
 * emergency messages over HTTP, and the one answer a display polls:
 * everything it plays, resolved for it.
 *
 * A request goes through the same three steps as in api.c:
 *
 *   api_content_begin()    route, method, admin token, length
 *   api_content_receive()  the body, up to the configured limit
 *   api_content_finish()   check the body, store, answer
 *
 * Answers are JSON; errors are {"error": code, "message": text}.
 */
#include "cloud/api/api_content.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/api/api_auth.h"
#include "cloud/api/api_http.h"
#include "cloud/ingest/ingest_json.h"
#include "cloud/store/store_content.h"
#include "cloud/store/store_displays.h"
#include "cloud/store/store_registry.h"
#include "core/log.h"

#define MOD "api"
#define PREFIX "/api/v1/"
#define JSON_TYPE "application/json; charset=utf-8"

#define ITEMS_MAX 100
#define SECONDS_MAX 3600
#define MESSAGE_MAX STORE_EMERGENCY_MAX
#define DEFAULT_PLAYLIST "default"
/* The data-triggered layer's rules when none were set. */
#define DEFAULT_GRID_PCT 97.0

enum what {
	W_PLAYLISTS, W_PLAYLIST, W_SCHEDULES, W_SCHEDULE, W_GROUPS, W_GROUP,
	W_LAYERS, W_EMERGENCY, W_EMERGENCY_LOG, W_CONTENT, W_NONE
};

struct api_content {
	struct store *st;
	size_t max_body;
	struct MHD_Connection *conn;
	const char *method, *url, *client;
	enum what what;
	char *arg;		/* the name or id in the URL */
	char actor[64];		/* the admin token's name */
	GByteArray *body;
	bool too_big;
	bool answered;
};

/* What a route's handler decided to send. */
struct reply {
	int status;
	json_t *body;		/* owned; NULL: none (304) */
	const char *allow;
	bool unauthorized;
	char etag[48];
};

/* --- answers ---------------------------------------------------------- */

static void reply_error(struct reply *a, int status, const char *code,
			const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reply_error(struct reply *a, int status, const char *code,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	json_decref(a->body);
	a->status = status;
	a->body = api_error_vbody(code, fmt, ap);
	va_end(ap);
}

static void reply_json(struct reply *a, int status, json_t *body)
{
	json_decref(a->body);
	a->status = status;
	a->body = body;
	if (!body)
		reply_error(a, 500, "internal", "out of memory");
}

/* A store failure as an answer: 404, 409, 400, 503 (another program
 * holds the database: store.h, STORE_BUSY) or 500. */
static void reply_store(struct reply *a, struct api_content *r, int rc)
{
	const char *msg = store_errmsg(r->st);

	switch (rc) {
	case STORE_NOT_FOUND:
		reply_error(a, 404, "not_found", "%s", msg);
		break;
	case STORE_EXISTS:
		reply_error(a, 409, "in_use", "%s", msg);
		break;
	case STORE_INVALID:
		reply_error(a, 400, "invalid", "%s", msg);
		break;
	case STORE_BUSY:
		reply_error(a, 503, "busy", "%s", msg);
		break;
	default:
		reply_error(a, 500, "storage", "%s", msg);
		break;
	}
}

static enum MHD_Result send_reply(struct api_content *r, struct reply *a)
{
	struct MHD_Response *resp;
	char *text = a->body ? json_dumps(a->body, JSON_COMPACT) : NULL;
	const char *msg = json_string_value(json_object_get(a->body,
							    "message"));
	enum log_level level = a->status >= 500	  ? LOG_ERROR
			       : a->status >= 400 ? LOG_WARN
						  : LOG_DEBUG;
	enum MHD_Result ret;
	char retry[16];

	if (a->body && !text) {
		a->status = 500;
		text = strdup("{\"error\":\"internal\","
			      "\"message\":\"out of memory\"}");
	}
	if (text) {
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);

		if (t) {
			text = t;
			text[n] = '\n';
			text[n + 1] = '\0';
		}
		resp = MHD_create_response_from_buffer(
		    strlen(text), text, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(text);
	} else {
		resp = MHD_create_response_from_buffer(0, NULL,
						       MHD_RESPMEM_PERSISTENT);
	}
	r->answered = true;
	if (!resp) {
		json_decref(a->body);
		a->body = NULL;
		return MHD_NO;
	}
	if (a->body)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					JSON_TYPE);
	if (a->etag[0]) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-cache");
	}
	if (a->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, a->allow);
	if (a->unauthorized)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	/* only STORE_BUSY answers 503: another program's hold is brief */
	if (a->status == MHD_HTTP_SERVICE_UNAVAILABLE) {
		snprintf(retry, sizeof retry, "%d", API_BUSY_RETRY_S);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					retry);
	}
	log_msg(level, MOD, "%s %s from %s: %d%s%s", r->method, r->url,
		r->client, a->status, msg ? ": " : "", msg ? msg : "");
	ret = MHD_queue_response(r->conn, (unsigned)a->status, resp);
	MHD_destroy_response(resp);
	json_decref(a->body);
	a->body = NULL;
	return ret;
}

/* --- routing ------------------------------------------------------------ */

/* What url names, with the name or id in it (a new string) in *arg. */
static enum what what_of(const char *url, char **arg)
{
	static const struct {
		const char *head;
		enum what all, one;
	} tab[] = {
		{"playlists", W_PLAYLISTS, W_PLAYLIST},
		{"schedules", W_SCHEDULES, W_SCHEDULE},
		{"groups", W_GROUPS, W_GROUP},
		{"layers", W_LAYERS, W_NONE},
		{"emergency", W_EMERGENCY, W_NONE},
	};
	const char *p, *slash;
	size_t n;

	*arg = NULL;
	if (strncmp(url, PREFIX, strlen(PREFIX)))
		return W_NONE;
	p = url + strlen(PREFIX);

	if (!strcmp(p, "emergency/log"))
		return W_EMERGENCY_LOG;
	if (!strncmp(p, "displays/", 9)) {
		p += 9;
		slash = strchr(p, '/');
		if (!slash || slash == p || strcmp(slash, "/content"))
			return W_NONE;
		*arg = g_strndup(p, (gsize)(slash - p));
		return W_CONTENT;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(tab); i++) {
		n = strlen(tab[i].head);
		if (strncmp(p, tab[i].head, n))
			continue;
		if (p[n] == '\0')
			return tab[i].all;
		if (p[n] != '/' || tab[i].one == W_NONE || !p[n + 1] ||
		    strchr(p + n + 1, '/'))
			return W_NONE;
		*arg = g_strdup(p + n + 1);
		return tab[i].one;
	}
	return W_NONE;
}

bool api_content_route(const char *url)
{
	char *arg;
	enum what w = what_of(url, &arg);

	g_free(arg);
	return w != W_NONE;
}

/* The methods each route takes, in the order of an Allow header. */
static const char *methods_of(enum what w)
{
	switch (w) {
	case W_PLAYLIST:
	case W_GROUP:
		return "GET, HEAD, PUT, DELETE";
	case W_SCHEDULES:
		return "GET, HEAD, POST";
	case W_SCHEDULE:
		return "DELETE";
	case W_LAYERS:
		return "GET, HEAD, PUT";
	case W_EMERGENCY:
		return "GET, HEAD, POST, DELETE";
	default:
		return "GET, HEAD";
	}
}

static bool method_ok(const char *allow, const char *method)
{
	size_t n = strlen(method);

	for (const char *p = allow; (p = strstr(p, method)); p += n)
		if ((p == allow || p[-1] == ' ') &&
		    (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool is_read(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

/* The admin token's check, and its name for the emergency log. */
static int check_admin(struct api_content *r, struct reply *a)
{
	const char *code = "bad_admin_token", *tok;
	char msg[256], buf[256];
	int status;

	status = api_auth_admin(r->st, r->conn, &code, msg, sizeof msg);
	if (status) {
		a->unauthorized = status == 401;
		reply_error(a, status, code, "%s", msg);
		return -1;
	}
	tok = api_auth_bearer(MHD_lookup_connection_value(
				  r->conn, MHD_HEADER_KIND,
				  MHD_HTTP_HEADER_AUTHORIZATION),
			      buf, sizeof buf);
	if (!tok || store_admin_auth(r->st, tok, r->actor, sizeof r->actor))
		g_strlcpy(r->actor, "admin", sizeof r->actor);
	return 0;
}

static int check_type(struct api_content *r, struct reply *a)
{
	const char *t = MHD_lookup_connection_value(
	    r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = t ? strcspn(t, "; \t") : 0;

	if (t && n == 16 && !g_ascii_strncasecmp(t, "application/json", n))
		return 0;
	reply_error(a, 415, "unsupported_media_type",
		    "Content-Type must be application/json, not %.64s",
		    t ? t : "none");
	return -1;
}

enum MHD_Result api_content_begin(struct store *st, size_t max_body,
				  struct MHD_Connection *conn,
				  const char *method, const char *url,
				  const char *client,
				  struct api_content **out)
{
	struct api_content *r = g_new0(struct api_content, 1);
	struct reply a = {0};
	const char *allow;
	bool body;

	*out = r;
	r->st = st;
	r->max_body = max_body;
	r->conn = conn;
	r->method = method;
	r->url = url;
	r->client = client;
	r->body = g_byte_array_new();
	r->what = what_of(url, &r->arg);
	allow = methods_of(r->what);
	body = !strcmp(method, "PUT") || !strcmp(method, "POST");

	if (!method_ok(allow, method)) {
		a.allow = allow;
		reply_error(&a, 405, "method_not_allowed",
			    "%.200s takes %s, not %s", url, allow, method);
		return send_reply(r, &a);
	}
	if (!is_read(method) && check_admin(r, &a))
		return send_reply(r, &a);
	if (body && check_type(r, &a))
		return send_reply(r, &a);
	return MHD_YES;
}

enum MHD_Result api_content_receive(struct api_content *r, const char *data,
				    size_t *size)
{
	size_t n = *size;

	*size = 0;
	if (r->answered)
		return MHD_YES;
	if (r->too_big || n > r->max_body - r->body->len) {
		r->too_big = true;
		return MHD_YES;
	}
	g_byte_array_append(r->body, (const guint8 *)data, (guint)n);
	return MHD_YES;
}

/* The body as a JSON object, or an error answer. */
static json_t *body_object(struct api_content *r, struct reply *a)
{
	const char *body = (const char *)r->body->data;
	json_error_t jerr;
	char why[256];
	json_t *doc;

	doc = json_loadb(body, r->body->len, 0, &jerr);
	if (!doc && ingest_json_explain(body, r->body->len, &jerr, why,
					sizeof why)) {
		reply_error(a, 400, "bad_json", "%s", why);
		return NULL;
	}
	if (!doc) {
		reply_error(a, 400, "bad_json", "the body is not JSON: %s at "
			    "line %d", jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		reply_error(a, 400, "bad_json", "the body must be a JSON "
			    "object");
		return NULL;
	}
	return doc;
}

/* --- playlists --------------------------------------------------------- */

const char *const api_content_slides[] = {
	"grid", "solar", "household", "air", "co2", "ranking", "ev",
	"weather", "message", "image", "qr", NULL,
};

/* Whether s names a slide of api_content_slides. */
static bool slide_known(const char *s)
{
	for (size_t i = 0; s && api_content_slides[i]; i++)
		if (!strcmp(s, api_content_slides[i]))
			return true;
	return false;
}

/* Whether slide is a string short and printable enough to quote back. */
static bool plain_name(json_t *slide)
{
	const char *v = json_string_value(slide);
	size_t n = json_string_length(slide);

	if (!v || n == 0 || n > 32 || strlen(v) != n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (v[k] < 0x20 || v[k] > 0x7e || v[k] == '"' ||
		    v[k] == '\\')
			return false;
	return true;
}

/* "item I: ..." for a slide that is no slide's name, with the names. */
static void slide_unknown(json_t *slide, size_t i, char *err, size_t len)
{
	size_t n;

	/* The name is repeated only when short and plain, so that the
	 * answer never carries a broken or unprintable string. */
	if (plain_name(slide))
		n = (size_t)snprintf(err, len, "item %zu: slide \"%s\" is "
				     "not one of ", i,
				     json_string_value(slide));
	else
		n = (size_t)snprintf(err, len, "item %zu: \"slide\" must be "
				     "one of ", i);
	for (size_t k = 0; api_content_slides[k] && n < len; k++)
		n += (size_t)snprintf(err + n, len - n, "%s%s",
				      k ? ", " : "", api_content_slides[k]);
}

/* Checks a playlist body and builds its canonical form in *out. */
static int playlist_check(json_t *doc, json_t **out, char *err, size_t len)
{
	json_t *items = json_object_get(doc, "items"), *it, *clean;
	const char *key;
	json_t *v;
	size_t i;

	*out = NULL;
	json_object_foreach(doc, key, v) {
		if (strcmp(key, "items")) {
			snprintf(err, len, "unknown field '%.64s' (a playlist "
				 "has only \"items\")", key);
			return -1;
		}
	}
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > ITEMS_MAX) {
		snprintf(err, len, "\"items\" must be an array of 1 to %d "
			 "slides", ITEMS_MAX);
		return -1;
	}
	clean = json_array();
	json_array_foreach(items, i, it) {
		json_t *slide = json_object_get(it, "slide");
		json_t *secs = json_object_get(it, "seconds");
		json_t *params = json_object_get(it, "params");
		double s = json_number_value(secs);

		if (!json_is_object(it)) {
			snprintf(err, len, "item %zu: must be an object with "
				 "\"slide\" and \"seconds\"", i);
			goto fail;
		}
		if (!slide_known(json_string_value(slide))) {
			slide_unknown(slide, i, err, len);
			goto fail;
		}
		if (!json_is_number(secs) || !(s >= 1 && s <= SECONDS_MAX)) {
			snprintf(err, len, "item %zu: \"seconds\" must be a "
				 "number from 1 to %d", i, SECONDS_MAX);
			goto fail;
		}
		if (params && !json_is_object(params)) {
			snprintf(err, len, "item %zu: \"params\" must be an "
				 "object", i);
			goto fail;
		}
		if (json_object_size(it) != 2u + (params ? 1u : 0u)) {
			snprintf(err, len, "item %zu: only \"slide\", "
				 "\"seconds\" and \"params\" are allowed", i);
			goto fail;
		}
		json_array_append_new(clean, json_deep_copy(it));
	}
	*out = json_pack("{s:o}", "items", clean);
	return 0;

fail:
	json_decref(clean);
	return -1;
}

int api_content_playlist_text(const char *text, char **out, char *err,
			      size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr), *clean = NULL;
	int rc = -1;

	*out = NULL;
	if (!json_is_object(doc)) {
		snprintf(err, len, "not a JSON object%s%s", doc ? "" : ": ",
			 doc ? "" : jerr.text);
		goto out;
	}
	if (playlist_check(doc, &clean, err, len))
		goto out;
	*out = json_dumps(clean, JSON_COMPACT | JSON_SORT_KEYS);
	rc = *out ? 0 : -1;
	if (rc)
		snprintf(err, len, "out of memory");

out:
	json_decref(clean);
	json_decref(doc);
	return rc;
}

static json_t *playlist_json(const struct store_playlist *p)
{
	json_t *doc = json_loads(p->body, 0, NULL);
	json_t *items = json_object_get(doc, "items");

	json_t *o = json_pack("{s:s, s:I, s:I, s:O}", "name", p->name,
			      "revision", (json_int_t)p->revision,
			      "updated", (json_int_t)p->updated,
			      "items", items ? items : json_array());
	json_decref(doc);
	return o;
}

static int add_playlist(const struct store_playlist *p, void *ctx)
{
	json_array_append_new(ctx, playlist_json(p));
	return 0;
}

static int set_playlist(const struct store_playlist *p, void *ctx)
{
	json_t **out = ctx;

	*out = playlist_json(p);
	return 0;
}

static void do_playlists(struct api_content *r, struct reply *a)
{
	json_t *list = json_array();
	int rc = store_playlist_walk(r->st, NULL, add_playlist, list);

	if (rc) {
		json_decref(list);
		reply_store(a, r, rc);
		return;
	}
	reply_json(a, 200, json_pack("{s:o}", "playlists", list));
}

static void do_playlist(struct api_content *r, struct reply *a)
{
	json_t *doc = NULL, *clean = NULL, *one = NULL;
	int64_t revision;
	char err[256], *text = NULL;
	bool created;
	int rc;

	if (!store_content_name_ok(r->arg)) {
		reply_error(a, 400, "invalid", "a playlist name must be 1 to "
			    "%d of A-Z a-z 0-9 . _ -", STORE_CONTENT_NAME_MAX);
		return;
	}
	if (is_read(r->method)) {
		rc = store_playlist_walk(r->st, r->arg, set_playlist, &one);
		if (rc)
			reply_store(a, r, rc);
		else
			reply_json(a, 200, one);
		return;
	}
	if (!strcmp(r->method, "DELETE")) {
		rc = store_playlist_delete(r->st, r->arg);
		if (rc) {
			reply_store(a, r, rc);
			return;
		}
		log_info(MOD, "playlist %s deleted by %s", r->arg, r->actor);
		reply_json(a, 200, json_pack("{s:s, s:b}", "name", r->arg,
					     "deleted", 1));
		return;
	}

	doc = body_object(r, a);
	if (!doc)
		return;
	if (playlist_check(doc, &clean, err, sizeof err)) {
		reply_error(a, 400, "bad_playlist", "%s", err);
		goto out;
	}
	text = json_dumps(clean, JSON_COMPACT | JSON_SORT_KEYS);
	rc = text ? store_playlist_put(r->st, r->arg, text, (int64_t)time(NULL),
				       &created, &revision)
		  : STORE_IO;
	if (rc) {
		reply_store(a, r, rc);
		goto out;
	}
	log_info(MOD, "playlist %s %s by %s (revision %lld, %zu slides)",
		 r->arg, created ? "created" : "replaced", r->actor,
		 (long long)revision,
		 json_array_size(json_object_get(clean, "items")));
	reply_json(a, created ? 201 : 200,
		   json_pack("{s:s, s:I, s:b}", "name", r->arg, "revision",
			     (json_int_t)revision, "created", created));

out:
	free(text);
	json_decref(clean);
	json_decref(doc);
}

/* --- schedules --------------------------------------------------------- */

static const char *const day_names[7] = {"mon", "tue", "wed", "thu",
					 "fri", "sat", "sun"};

/* "HH:MM" from 00:00 to 24:00 -> minutes; -1 when malformed. */
static int parse_hm(const char *s)
{
	int h, m;
	char tail;

	if (!s || strlen(s) != 5 || s[2] != ':' ||
	    sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || m < 0 ||
	    m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

static json_t *schedule_json(const struct store_schedule *s)
{
	json_t *days = json_array();
	char start[16], end[16];

	for (int i = 0; i < 7; i++)
		if (s->weekdays & (1u << i))
			json_array_append_new(days, json_string(day_names[i]));
	snprintf(start, sizeof start, "%02d:%02d", s->start_min / 60,
		 s->start_min % 60);
	snprintf(end, sizeof end, "%02d:%02d", s->end_min / 60,
		 s->end_min % 60);
	return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:o, s:s, s:s, s:i}",
			 "id", (json_int_t)s->id, "playlist", s->playlist,
			 "group", s->group, "from", s->date_from,
			 "to", s->date_to, "weekdays", days, "start", start,
			 "end", end, "priority", s->priority);
}

static int add_schedule(const struct store_schedule *s, void *ctx)
{
	json_array_append_new(ctx, schedule_json(s));
	return 0;
}

/* Reads a schedule body into s; its strings are borrowed from doc. */
static int schedule_parse(json_t *doc, struct store_schedule *s, char *err,
			  size_t len)
{
	static const char *const fields[] = {
	    "playlist", "group", "from", "to", "weekdays", "start", "end",
	    "priority",
	};
	json_t *days = json_object_get(doc, "weekdays");
	json_t *prio = json_object_get(doc, "priority"), *v;
	const char *key, *start, *end;
	size_t i;

	json_object_foreach(doc, key, v) {
		bool known = false;

		for (i = 0; i < G_N_ELEMENTS(fields); i++)
			known = known || !strcmp(key, fields[i]);
		if (!known) {
			snprintf(err, len, "unknown field '%.64s'", key);
			return -1;
		}
	}
	memset(s, 0, sizeof *s);
	s->playlist = json_string_value(json_object_get(doc, "playlist"));
	s->group = json_string_value(json_object_get(doc, "group"));
	s->date_from = json_string_value(json_object_get(doc, "from"));
	s->date_to = json_string_value(json_object_get(doc, "to"));
	if (!s->playlist) {
		snprintf(err, len, "\"playlist\" must name a playlist");
		return -1;
	}
	if ((json_object_get(doc, "group") && !s->group &&
	     !json_is_null(json_object_get(doc, "group"))) ||
	    (json_object_get(doc, "from") && !s->date_from &&
	     !json_is_null(json_object_get(doc, "from"))) ||
	    (json_object_get(doc, "to") && !s->date_to &&
	     !json_is_null(json_object_get(doc, "to")))) {
		snprintf(err, len, "\"group\", \"from\" and \"to\" are "
			 "strings or null");
		return -1;
	}

	if (!days) {
		s->weekdays = 127;
	} else if (!json_is_array(days)) {
		snprintf(err, len, "\"weekdays\" must be an array such as "
			 "[\"mon\", \"tue\"]");
		return -1;
	}
	json_array_foreach(days, i, v) {
		const char *d = json_string_value(v);
		int k;

		for (k = 0; k < 7 && (!d || strcmp(d, day_names[k])); k++)
			;
		if (k == 7) {
			snprintf(err, len, "weekday %zu is not one of mon tue "
				 "wed thu fri sat sun", i);
			return -1;
		}
		s->weekdays |= 1u << k;
	}

	start = json_string_value(json_object_get(doc, "start"));
	end = json_string_value(json_object_get(doc, "end"));
	s->start_min = json_object_get(doc, "start") ? parse_hm(start) : 0;
	s->end_min = json_object_get(doc, "end") ? parse_hm(end) : 1440;
	if (s->start_min < 0 || s->end_min < 0) {
		snprintf(err, len, "\"start\" and \"end\" must be HH:MM, "
			 "00:00 to 24:00");
		return -1;
	}
	if (prio && (!json_is_integer(prio) ||
		     json_integer_value(prio) < -1000 ||
		     json_integer_value(prio) > 1000)) {
		snprintf(err, len, "\"priority\" must be an integer from "
			 "-1000 to 1000");
		return -1;
	}
	s->priority = (int)json_integer_value(prio);
	return 0;
}

static void do_schedules(struct api_content *r, struct reply *a)
{
	struct store_schedule s;
	json_t *doc, *list;
	char err[256];
	int64_t id;
	int rc;

	if (is_read(r->method)) {
		list = json_array();
		rc = store_schedule_walk(r->st, NULL, false, add_schedule,
					 list);
		if (rc) {
			json_decref(list);
			reply_store(a, r, rc);
		} else {
			reply_json(a, 200, json_pack("{s:o}", "schedules",
						     list));
		}
		return;
	}
	doc = body_object(r, a);
	if (!doc)
		return;
	if (schedule_parse(doc, &s, err, sizeof err)) {
		reply_error(a, 400, "bad_schedule", "%s", err);
		goto out;
	}
	rc = store_schedule_add(r->st, &s, &id);
	if (rc) {
		reply_store(a, r, rc);
		goto out;
	}
	s.id = id;
	log_info(MOD, "schedule %lld added by %s: playlist %s for %s",
		 (long long)id, r->actor, s.playlist,
		 s.group ? s.group : "all displays");
	reply_json(a, 201, schedule_json(&s));

out:
	json_decref(doc);
}

static void do_schedule(struct api_content *r, struct reply *a)
{
	char *end;
	long long id;
	int rc;

	errno = 0;
	id = strtoll(r->arg, &end, 10);
	if (errno || *end || id <= 0) {
		reply_error(a, 400, "invalid", "a schedule id is a positive "
			    "integer, not '%.64s'", r->arg);
		return;
	}
	rc = store_schedule_delete(r->st, id);
	if (rc) {
		reply_store(a, r, rc);
		return;
	}
	log_info(MOD, "schedule %lld deleted by %s", id, r->actor);
	reply_json(a, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
				     "deleted", 1));
}

/* --- groups ------------------------------------------------------------ */

static int add_group(const struct store_group *g, void *ctx)
{
	json_t *ids = json_array();

	for (int i = 0; i < g->n_displays; i++)
		json_array_append_new(ids, json_string(g->displays[i]));
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:o}", "name",
					     g->name, "tz", g->tz,
					     "displays", ids));
	return 0;
}

static void do_groups(struct api_content *r, struct reply *a)
{
	json_t *list = json_array();
	int rc = store_group_walk(r->st, NULL, add_group, list);

	if (rc) {
		json_decref(list);
		reply_store(a, r, rc);
		return;
	}
	reply_json(a, 200, json_pack("{s:o}", "groups", list));
}

static void do_group(struct api_content *r, struct reply *a)
{
	json_t *doc = NULL, *ids, *v, *list;
	const char **arr = NULL;
	const char *tz, *key;
	size_t i, n;
	int rc;

	if (!store_content_name_ok(r->arg)) {
		reply_error(a, 400, "invalid", "a group name must be 1 to %d "
			    "of A-Z a-z 0-9 . _ -", STORE_CONTENT_NAME_MAX);
		return;
	}
	if (is_read(r->method)) {
		list = json_array();
		rc = store_group_walk(r->st, r->arg, add_group, list);
		if (rc)
			reply_store(a, r, rc);
		else
			reply_json(a, 200,
				   json_incref(json_array_get(list, 0)));
		json_decref(list);
		return;
	}
	if (!strcmp(r->method, "DELETE")) {
		rc = store_group_delete(r->st, r->arg);
		if (rc) {
			reply_store(a, r, rc);
			return;
		}
		log_info(MOD, "group %s deleted by %s", r->arg, r->actor);
		reply_json(a, 200, json_pack("{s:s, s:b}", "name", r->arg,
					     "deleted", 1));
		return;
	}

	doc = body_object(r, a);
	if (!doc)
		return;
	json_object_foreach(doc, key, v) {
		if (strcmp(key, "tz") && strcmp(key, "displays")) {
			reply_error(a, 400, "bad_group", "unknown field "
				    "'%.64s' (a group has \"tz\" and "
				    "\"displays\")", key);
			goto out;
		}
	}
	tz = json_string_value(json_object_get(doc, "tz"));
	ids = json_object_get(doc, "displays");
	if (!tz || (ids && !json_is_array(ids))) {
		reply_error(a, 400, "bad_group", "a group needs \"tz\" (an "
			    "IANA zone) and \"displays\" (an array of ids)");
		goto out;
	}
	n = json_array_size(ids);
	arr = g_new0(const char *, n + 1);
	json_array_foreach(ids, i, v) {
		arr[i] = json_string_value(v);
		if (!arr[i]) {
			reply_error(a, 400, "bad_group", "display %zu is not "
				    "a string", i);
			goto out;
		}
	}
	rc = store_group_put(r->st, r->arg, tz, arr, (int)n);
	if (rc) {
		reply_store(a, r, rc);
		goto out;
	}
	log_info(MOD, "group %s set by %s: zone %s, %zu displays", r->arg,
		 r->actor, tz, n);
	reply_json(a, 200, json_pack("{s:s, s:s, s:O}", "name", r->arg, "tz",
				     tz, "displays", ids ? ids : json_array()));

out:
	g_free(arr);
	json_decref(doc);
}

/* --- layer rules ------------------------------------------------------- */

/* The rules in force: those stored, or the defaults. */
static json_t *layers_now(struct api_content *r, int *rc)
{
	char *body = NULL;
	json_t *doc;

	*rc = store_layers_get(r->st, &body);
	if (*rc == STORE_NOT_FOUND) {
		*rc = STORE_OK;
		return json_pack("{s:{s:f, s:n}}", "saving", "grid_usage_pct",
				 DEFAULT_GRID_PCT, "home_demand_kw");
	}
	doc = *rc ? NULL : json_loads(body, 0, NULL);
	g_free(body);
	return doc;
}

static int layers_check(json_t *doc, char *err, size_t len)
{
	json_t *saving = json_object_get(doc, "saving"), *v;
	const char *key;

	if (json_object_size(doc) != 1 || !json_is_object(saving)) {
		snprintf(err, len, "the rules are {\"saving\": {...}}");
		return -1;
	}
	json_object_foreach(saving, key, v) {
		double x = json_number_value(v);

		if (strcmp(key, "grid_usage_pct") &&
		    strcmp(key, "home_demand_kw")) {
			snprintf(err, len, "unknown rule '%.64s' (there are "
				 "grid_usage_pct and home_demand_kw)", key);
			return -1;
		}
		if (!json_is_null(v) && (!json_is_number(v) || !(x > 0) ||
					 x > 1e9)) {
			snprintf(err, len, "%s must be a positive number or "
				 "null (off)", key);
			return -1;
		}
	}
	return 0;
}

static void do_layers(struct api_content *r, struct reply *a)
{
	json_t *doc;
	char err[256], *text;
	int rc;

	if (is_read(r->method)) {
		doc = layers_now(r, &rc);
		if (rc)
			reply_store(a, r, rc);
		else
			reply_json(a, 200, doc);
		return;
	}
	doc = body_object(r, a);
	if (!doc)
		return;
	if (layers_check(doc, err, sizeof err)) {
		reply_error(a, 400, "bad_layers", "%s", err);
		json_decref(doc);
		return;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	rc = text ? store_layers_put(r->st, text, (int64_t)time(NULL))
		  : STORE_IO;
	if (rc) {
		reply_store(a, r, rc);
	} else {
		log_info(MOD, "layer rules set by %s: %s", r->actor, text);
		reply_json(a, 200, json_incref(doc));
	}
	free(text);
	json_decref(doc);
}

/* --- emergency messages ------------------------------------------------ */

static json_t *emergency_json(const struct store_emergency *e)
{
	return json_pack("{s:I, s:s, s:s, s:s?, s:s, s:I}", "id",
			 (json_int_t)e->id, "target", e->target, "action",
			 e->set ? "set" : "clear", "message", e->message,
			 "by", e->actor, "at", (json_int_t)e->at);
}

static int add_emergency(const struct store_emergency *e, void *ctx)
{
	json_array_append_new(ctx, emergency_json(e));
	return 0;
}

static const char *target_of(struct api_content *r)
{
	const char *g = MHD_lookup_connection_value(r->conn,
						    MHD_GET_ARGUMENT_KIND,
						    "group");

	return g && *g ? g : STORE_EMERGENCY_ALL;
}

static void do_emergency(struct api_content *r, struct reply *a)
{
	struct store_emergency e = {.actor = r->actor,
				    .at = (int64_t)time(NULL)};
	json_t *doc = NULL, *v, *list;
	const char *key;
	int64_t id;
	int rc;

	if (is_read(r->method)) {
		list = json_array();
		rc = store_emergency_active(r->st, NULL, false, add_emergency,
					    list);
		if (rc) {
			json_decref(list);
			reply_store(a, r, rc);
		} else {
			reply_json(a, 200, json_pack("{s:o}", "active", list));
		}
		return;
	}

	if (!strcmp(r->method, "DELETE")) {
		e.target = target_of(r);
	} else {
		doc = body_object(r, a);
		if (!doc)
			return;
		json_object_foreach(doc, key, v) {
			if (strcmp(key, "message") && strcmp(key, "group")) {
				reply_error(a, 400, "bad_emergency", "unknown "
					    "field '%.64s' (there are "
					    "\"message\" and \"group\")", key);
				goto out;
			}
		}
		e.set = true;
		e.message = json_string_value(json_object_get(doc, "message"));
		v = json_object_get(doc, "group");
		e.target = json_string_value(v);
		/* Anything but a name or null is a mistake, not a message
		 * for every display. */
		if (v && !e.target && !json_is_null(v)) {
			reply_error(a, 400, "bad_emergency", "\"group\" must "
				    "be a group's name, or null for every "
				    "display");
			goto out;
		}
		if (!e.target)
			e.target = STORE_EMERGENCY_ALL;
		if (!e.message || !*e.message ||
		    g_utf8_strlen(e.message, -1) > MESSAGE_MAX) {
			reply_error(a, 400, "bad_emergency", "\"message\" must "
				    "be a text of 1 to %d characters",
				    MESSAGE_MAX);
			goto out;
		}
	}

	rc = store_emergency_log(r->st, &e, &id);
	if (rc) {
		reply_store(a, r, rc);
		goto out;
	}
	e.id = id;
	if (e.set)
		log_info(MOD, "emergency message set for %s by %s (log %lld): "
			 "%s", e.target, e.actor, (long long)id, e.message);
	else
		log_info(MOD, "emergency message for %s cleared by %s (log "
			 "%lld)", e.target, e.actor, (long long)id);
	reply_json(a, e.set ? 201 : 200, emergency_json(&e));

out:
	json_decref(doc);
}

static void do_emergency_log(struct api_content *r, struct reply *a)
{
	const char *lim = MHD_lookup_connection_value(r->conn,
						      MHD_GET_ARGUMENT_KIND,
						      "limit");
	json_t *list = json_array();
	long n = lim ? strtol(lim, NULL, 10) : 100;
	int rc;

	rc = store_emergency_history(r->st, n > 0 && n <= 10000 ? (int)n : 100,
				     add_emergency, list);
	if (rc) {
		json_decref(list);
		reply_store(a, r, rc);
		return;
	}
	reply_json(a, 200, json_pack("{s:o}", "log", list));
}

/* --- a display's content ----------------------------------------------- */

struct resolve {
	struct api_content *r;
	json_t *schedules, *playlists;
	json_t *emergency;
};

static int resolve_schedule(const struct store_schedule *s, void *ctx)
{
	struct resolve *rs = ctx;
	json_t *o = schedule_json(s);

	json_object_del(o, "group");
	json_array_append_new(rs->schedules, o);
	if (!json_object_get(rs->playlists, s->playlist))
		json_object_set_new(rs->playlists, s->playlist, json_null());
	return 0;
}

static int resolve_playlist(const struct store_playlist *p, void *ctx)
{
	struct resolve *rs = ctx;
	json_t *o = playlist_json(p);

	/* The time of the write says nothing about what plays. */
	json_object_del(o, "updated");
	json_object_del(o, "name");
	if (json_object_get(rs->playlists, p->name))
		json_object_set_new(rs->playlists, p->name, o);
	else
		json_decref(o);
	return 0;
}

/* The newest message in force for the display's group or for all. */
static int resolve_emergency(const struct store_emergency *e, void *ctx)
{
	struct resolve *rs = ctx;

	if (!rs->emergency)
		rs->emergency = json_pack("{s:I, s:s, s:s, s:I}", "id",
					  (json_int_t)e->id, "target",
					  e->target, "message", e->message,
					  "set_at", (json_int_t)e->at);
	return 0;
}

static void do_content(struct api_content *r, struct reply *a)
{
	char group[STORE_CONTENT_NAME_MAX + 1], tz[STORE_CONTENT_NAME_MAX + 1];
	struct resolve rs = {.r = r};
	json_t *doc = NULL, *layers = NULL, *pl;
	const char *name;
	bool grouped;
	char *text = NULL;
	void *tmp;
	int rc;

	if (!store_display_id_ok(r->arg)) {
		reply_error(a, 400, "invalid", "a display id is 1 to %d of "
			    "A-Z a-z 0-9 . _ -", STORE_DISPLAY_ID_MAX);
		return;
	}
	rc = store_group_of(r->st, r->arg, group, tz);
	grouped = rc == STORE_OK;
	if (rc == STORE_NOT_FOUND)
		rc = STORE_OK;
	rs.schedules = json_array();
	rs.playlists = json_object();
	json_object_set_new(rs.playlists, DEFAULT_PLAYLIST, json_null());
	if (!rc)
		rc = store_schedule_walk(r->st, grouped ? group : NULL, true,
					 resolve_schedule, &rs);
	if (!rc)
		rc = store_playlist_walk(r->st, NULL, resolve_playlist, &rs);
	if (!rc)
		rc = store_emergency_active(r->st, grouped ? group : NULL,
					    true, resolve_emergency, &rs);
	if (!rc)
		layers = layers_now(r, &rc);
	if (rc) {
		reply_store(a, r, rc);
		goto out;
	}

	/* A playlist a schedule names but nobody made plays nothing. */
	json_object_foreach_safe(rs.playlists, tmp, name, pl) {
		if (json_is_null(pl))
			json_object_del(rs.playlists, name);
	}

	doc = json_pack("{s:s, s:s?, s:s?, s:s?, s:O, s:O, s:O, s:O}",
			"display", r->arg, "group", grouped ? group : NULL,
			"tz", grouped ? tz : NULL, "default",
			json_object_get(rs.playlists, DEFAULT_PLAYLIST)
			    ? DEFAULT_PLAYLIST : NULL,
			"playlists", rs.playlists, "schedules", rs.schedules,
			"layers", layers, "emergency",
			rs.emergency ? rs.emergency : json_null());
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!text) {
		reply_error(a, 500, "internal", "out of memory");
		goto out;
	}
	api_etag_of(text, a->etag, sizeof a->etag);
	if (api_etag_matches(MHD_lookup_connection_value(
				 r->conn, MHD_HEADER_KIND,
				 MHD_HTTP_HEADER_IF_NONE_MATCH),
			     a->etag)) {
		a->status = 304;
		goto out;
	}
	reply_json(a, 200, json_incref(doc));

out:
	free(text);
	json_decref(doc);
	json_decref(layers);
	json_decref(rs.emergency);
	json_decref(rs.playlists);
	json_decref(rs.schedules);
}

/* --- finish ------------------------------------------------------------ */

enum MHD_Result api_content_finish(struct api_content *r)
{
	struct reply a = {0};

	if (r->answered)
		return MHD_YES;
	if (r->too_big) {
		reply_error(&a, 413, "body_too_large", "the body is over %zu "
			    "bytes, the most this server accepts",
			    r->max_body);
		return send_reply(r, &a);
	}
	switch (r->what) {
	case W_PLAYLISTS:
		do_playlists(r, &a);
		break;
	case W_PLAYLIST:
		do_playlist(r, &a);
		break;
	case W_SCHEDULES:
		do_schedules(r, &a);
		break;
	case W_SCHEDULE:
		do_schedule(r, &a);
		break;
	case W_GROUPS:
		do_groups(r, &a);
		break;
	case W_GROUP:
		do_group(r, &a);
		break;
	case W_LAYERS:
		do_layers(r, &a);
		break;
	case W_EMERGENCY:
		do_emergency(r, &a);
		break;
	case W_EMERGENCY_LOG:
		do_emergency_log(r, &a);
		break;
	case W_CONTENT:
		do_content(r, &a);
		break;
	case W_NONE:
		reply_error(&a, 404, "not_found", "no endpoint %.200s",
			    r->url);
		break;
	}
	return send_reply(r, &a);
}

void api_content_free(struct api_content *r)
{
	if (!r)
		return;
	g_byte_array_free(r->body, TRUE);
	g_free(r->arg);
	g_free(r);
}
