/*
 * api.c - the request path of akari's HTTP server.
 *
 * libmicrohttpd calls handle() several times per request: once when the
 * headers are in, once per piece of body, and once more at the end.  The
 * three calls map onto three steps:
 *
 *   request_begin()    route the URL, check what can be checked from the
 *                      headers alone (method, token, type, length), and
 *                      refuse early so that a refused body is never read
 *   request_receive()  collect the body, up to the configured limit
 *   request_finish()   run the route's handler and send its answer
 *
 * A handler fills a struct answer (status and JSON body); send_answer()
 * is the one place that serialises, logs and queues it.
 *
 * Threads: each connection is served by a thread of its own, and at
 * most cfg->threads requests run their last step at once (take_turn()).
 * A pool of threads that each serve many connections left a request
 * waiting behind another's durable commit on the same thread: the
 * library hands connections that come at once to one thread, so four
 * clients were served by one or two.
 */
#include "cloud/api/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "cloud/analytics/analytics.h"
#include "cloud/analytics/analytics_signage.h"
#include "cloud/api/api_aggregate.h"
#include "cloud/api/api_auth.h"
#include "cloud/api/api_content.h"
#include "cloud/api/api_csv.h"
#include "cloud/api/api_registry.h"
#include "cloud/api/api_displays.h"
#include "cloud/api/api_fiap.h"
#include "cloud/api/api_http.h"
#include "cloud/api/api_influx.h"
#include "cloud/api/api_quarantine.h"
#include "cloud/ingest/ingest.h"
#include "cloud/store/store_rollup.h"
#include "core/log.h"
#include "core/timeutil.h"

#define MOD "api"
#define PREFIX "/api/v1"
#define JSON_TYPE "application/json; charset=utf-8"

/* Idle connections are dropped after this many seconds. */
#define CONNECTION_TIMEOUT_S 30

/*
 * Each connection has a thread of its own, so connections are bounded:
 * past CONNECTION_LIMIT in all, or PER_IP_LIMIT from one address, a
 * new one is closed at once instead of the process running out of
 * threads for everyone.  PER_IP_LIMIT leaves room for a busy gateway
 * or kiosk (a few keep-alive connections each) behind one address,
 * loopback included.
 */
#define CONNECTION_LIMIT 512
#define PER_IP_LIMIT 64

/*
 * A connection thread's stack, instead of the 8 MiB default.  The
 * deepest users on a request path are the line-protocol gzip buffer
 * (64 KiB, api_influx.c), SQLite's statement engine and libxml2's
 * parser (a few KiB a level, its nesting capped by libxml2); a block's
 * decoded readings live on the heap (store_blocks.c).
 */
#define THREAD_STACK_BYTES (512 * 1024)

struct api {
	struct MHD_Daemon *daemon;
	struct store *st;
	size_t max_body;
	unsigned port;
	struct api_influx_env influx;	/* for api_influx.c's routes */
	int64_t future_tolerance_s;	/* ingest_source's */
	struct api_auth *auth;		/* device limits, signing, liveness */
	struct api_fiap_env fiap;	/* for api_fiap.c's */
	struct ingest_points *points;	/* shared by the ingest routes */
	unsigned turns;			/* last steps that may run at once */
	unsigned running;		/* last steps running */
	pthread_mutex_t turn_lock;	/* turns and running */
	pthread_cond_t turn_free;
};

enum route {
	ROUTE_NONE,
	ROUTE_INGEST,
	ROUTE_POINTS,
	ROUTE_READINGS,
	ROUTE_AGGREGATE,
	ROUTE_SITE_AGGREGATE,	/* api_aggregate.c */
	ROUTE_SUMMARY,
	ROUTE_SIGNAGE,		/* analytics_signage.c */
	ROUTE_HEALTH,
	ROUTE_QUARANTINE,	/* api_quarantine.c, admin */
	ROUTE_INFLUX,		/* handed to api_influx.c */
	ROUTE_FIAP,		/* handed to api_fiap.c */
	ROUTE_INGEST_CSV,	/* ROUTE_INGEST's checks, then api_csv.c */
	ROUTE_DISPLAYS,		/* api_displays.c */
	ROUTE_HEARTBEAT,	/* api_displays.c, as are the next three */
	ROUTE_SHOT,		/* POST with a token, or GET */
	ROUTE_SHOT_REQUEST,
	ROUTE_PLAYS,		/* POST with a token, or GET */
	ROUTE_CONTENT,		/* handed to api_content.c */
	ROUTE_REGISTRY,		/* api_registry.c */
};

/* What a handler decided to send. */
struct answer {
	int status;
	json_t *body;		/* owned */
	const char *allow;	/* the Allow header of a 405 */
	bool unauthorized;	/* add WWW-Authenticate to a 401 */
	struct MHD_Response *raw;	/* owned; sent instead of body */
	char *text;		/* owned; body already as JSON text */
	unsigned retry_after;	/* seconds for Retry-After; 0: none */
};

/* One request, from its headers to its answer. */
struct request {
	struct api *api;
	struct MHD_Connection *conn;
	enum route route;
	char *method;
	char *url;
	char *arg;		/* the point key or site name in the URL */
	char client[64];	/* the peer's address, for the log */
	struct ingest_source src;
	struct store_device dev;	/* the device of a device token */
	char *body;
	size_t len, cap;
	size_t dropped;		/* bytes past the limit, dropped */
	bool too_big;
	bool oom;		/* the body did not fit in memory */
	bool answered;
	struct api_influx *influx;	/* ROUTE_INFLUX's own state */
	struct api_fiap *fiap;		/* ROUTE_FIAP's */
	struct api_content *content;	/* ROUTE_CONTENT's */
};

/* --- answers ---------------------------------------------------------- */

static void answer_json(struct answer *a, int status, json_t *body)
{
	json_decref(a->body);
	a->status = status;
	a->body = body;
}

static void answer_error(struct answer *a, int status, const char *code,
			 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void answer_error(struct answer *a, int status, const char *code,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	answer_json(a, status, api_error_vbody(code, fmt, ap));
	va_end(ap);
}

/*
 * A read refused because another program holds the database's write
 * lock (store_errcode() STORE_BUSY) fails as 500 in whichever route met
 * it; it is answered 503 with a Retry-After instead, and the route's
 * message, which names the cause: nothing is wrong with the server,
 * and a kiosk keeps showing what it has.
 */
static void answer_busy(struct request *req, struct answer *a)
{
	if (a->status != MHD_HTTP_INTERNAL_SERVER_ERROR ||
	    store_errcode(req->api->st) != STORE_BUSY)
		return;
	a->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	a->retry_after = API_BUSY_RETRY_S;
	if (json_is_object(a->body))
		json_object_set_new(a->body, "error", json_string("busy"));
}

static void log_answer(const struct request *req, const struct answer *a)
{
	const char *msg = json_string_value(json_object_get(a->body,
							    "message"));
	enum log_level level = a->status >= 500	  ? LOG_ERROR
			       : a->status >= 400 ? LOG_WARN
						  : LOG_DEBUG;

	log_msg(level, MOD, "%s %s from %s: %d%s%s", req->method, req->url,
		req->client, a->status, msg ? ": " : "", msg ? msg : "");
}

/*
 * Serialises and queues the answer, then frees its body.  A body that
 * could not be built (out of memory) becomes a fixed 500.
 */
/* The read routes whose answers carry an ETag and honour If-None-Match:
 * a kiosk or dashboard polling every few seconds then gets a 304 with no
 * body while nothing changed. */
static bool conditional_route(enum route route)
{
	return route == ROUTE_POINTS || route == ROUTE_READINGS ||
	       route == ROUTE_AGGREGATE || route == ROUTE_SITE_AGGREGATE ||
	       route == ROUTE_SUMMARY || route == ROUTE_SIGNAGE;
}

/*
 * Gives a 200 answer of a conditional route its ETag (a hash of the
 * body) and turns it into a 304 when the client already has it.  text
 * is the serialised body; returns the response to send or NULL to send
 * text as it is.
 */
static struct MHD_Response *conditional(struct request *req,
					struct answer *a, const char *text,
					char *etag, size_t etaglen)
{
	const char *inm = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);

	etag[0] = '\0';
	if (a->status != MHD_HTTP_OK || !conditional_route(req->route))
		return NULL;
	api_etag_of(text, etag, etaglen);
	if (!api_etag_matches(inm, etag))
		return NULL;
	a->status = MHD_HTTP_NOT_MODIFIED;
	return MHD_create_response_from_buffer(0, NULL,
					       MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result send_answer(struct request *req, struct answer *a)
{
	static char oom[] = "{\"error\": \"internal\", "
			    "\"message\": \"out of memory\"}\n";
	struct MHD_Response *resp = NULL;
	char *text = a->text		  ? a->text
		     : a->body && !a->raw ? json_dumps(a->body, JSON_COMPACT)
					  : NULL;
	enum MHD_Result ret;
	char etag[40] = "";
	size_t n;

	a->text = NULL;
	resp = a->raw;
	if (text && (resp = conditional(req, a, text, etag, sizeof etag))) {
		free(text);
		text = NULL;
	}
	if (text) {
		/* A final newline keeps a terminal tidy after curl. */
		n = strlen(text);
		char *grown = realloc(text, n + 2);

		if (grown) {
			grown[n] = '\n';
			grown[n + 1] = '\0';
			resp = MHD_create_response_from_buffer(
			    n + 1, grown, MHD_RESPMEM_MUST_FREE);
			text = resp ? NULL : grown;
		}
		free(text);
	}
	if (!resp) {
		a->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		a->allow = NULL;
		a->unauthorized = false;
		resp = MHD_create_response_from_buffer(
		    sizeof oom - 1, oom, MHD_RESPMEM_PERSISTENT);
		if (!resp) {
			json_decref(a->body);
			a->body = NULL;
			return MHD_NO;
		}
	}

	if (!a->raw && a->status != MHD_HTTP_NOT_MODIFIED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					JSON_TYPE);
	if (etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	if (a->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, a->allow);
	if (a->unauthorized)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	if (a->retry_after) {
		char secs[16];

		snprintf(secs, sizeof secs, "%u", a->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					secs);
	}

	log_answer(req, a);
	ret = MHD_queue_response(req->conn, (unsigned)a->status, resp);
	MHD_destroy_response(resp);
	json_decref(a->body);
	a->body = NULL;
	req->answered = true;
	return ret;
}

/* --- query parameters ------------------------------------------------- */

static const char *param(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

/* Reads a required time parameter; on failure fills a with a 400. */
static int time_param(const struct request *req, const char *name,
		      int64_t *out, struct answer *a)
{
	const char *s = param(req, name);

	if (!s) {
		answer_error(a, 400, "missing_parameter",
			     "parameter '%s' is required (RFC 3339 with an "
			     "offset, or Unix seconds)",
			     name);
		return -1;
	}
	if (api_time_parse(s, out)) {
		answer_error(a, 400, "bad_parameter",
			     "parameter '%s': \"%.64s\" is neither RFC 3339 "
			     "with an offset nor Unix seconds",
			     name, s);
		return -1;
	}
	return 0;
}

/* Reads from and to, and checks that they make a range. */
static int range_params(const struct request *req, int64_t *from,
			int64_t *to, struct answer *a)
{
	if (time_param(req, "from", from, a) || time_param(req, "to", to, a))
		return -1;
	if (*from >= *to) {
		answer_error(a, 400, "bad_parameter",
			     "parameter 'to' must be after 'from' (from is "
			     "inclusive, to exclusive)");
		return -1;
	}
	return 0;
}

/* Looks up the point named in the URL; on failure fills a. */
static int find_point(struct request *req, struct store_point *p,
		      struct answer *a)
{
	int rc = store_point_get(req->api->st, req->arg, p);

	if (rc == STORE_NOT_FOUND)
		answer_error(a, 404, "unknown_point", "no point \"%.128s\"",
			     req->arg);
	else if (rc)
		answer_error(a, 500, "storage", "reading point \"%.128s\": %s",
			     req->arg, store_errmsg(req->api->st));
	return rc;
}

/* --- handlers ----------------------------------------------------------- */

static void do_health(struct request *req, struct answer *a)
{
	int64_t n;

	if (store_readings_count(req->api->st, &n)) {
		answer_error(a, 500, "storage", "counting readings: %s",
			     store_errmsg(req->api->st));
		return;
	}
	answer_json(a, 200,
		    json_pack("{s:s, s:I}", "status", "ok", "readings",
			      (json_int_t)n));
}

struct points_walk {
	json_t *list;
	bool with_retired;	/* ?retired=1: retired points too */
	bool failed;	/* an entry could not be built: out of memory */
};

static int add_point_json(const struct store_point *p, void *ctx)
{
	struct points_walk *w = ctx;

	if (p->retired && !w->with_retired)
		return 0;

	/* A list cut short would look whole to the client; stop and say. */
	if (json_array_append_new(
		w->list,
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "key", p->key,
			  "site", p->site, "quantity", p->quantity, "unit",
			  p->unit, "kind", store_kind_name(p->kind), "step_s",
			  p->step_s)))
		w->failed = true;
	return w->failed;
}

static void do_points(struct request *req, struct answer *a)
{
	const char *retired = param(req, "retired");
	struct points_walk w = {.list = json_array()};
	int rc;

	w.with_retired = retired && !strcmp(retired, "1");
	rc = store_points_each(req->api->st, NULL, add_point_json, &w);
	if (rc) {
		json_decref(w.list);
		answer_error(a, 500, "storage", "listing points: %s",
			     store_errmsg(req->api->st));
		return;
	}
	if (w.failed || !w.list) {
		json_decref(w.list);
		answer_error(a, 500, "internal",
			     "out of memory listing the points");
		return;
	}
	answer_json(a, 200, json_pack("{s:o}", "points", w.list));
}

struct readings_walk {
	json_t *list;
	GTimeZone *tz;
	size_t n;
	size_t limit;	/* the most readings one answer holds */
	bool full;	/* a reading past limit was found ... */
	int64_t next;	/* ... at this time */
	bool failed;	/* an entry could not be built: out of memory */
};

/* Runs under the store's lock: no store calls in here. */
static int add_reading_json(int64_t ts, double value, void *ctx)
{
	struct readings_walk *w = ctx;
	char stamp[32];

	if (w->n == w->limit) {
		w->full = true;
		w->next = ts;
		return 1;
	}
	core_time_format(ts, w->tz, stamp, sizeof stamp);
	w->n++;
	if (json_array_append_new(w->list,
				  json_pack("{s:s, s:f}", "ts", stamp,
					    "value", value)))
		w->failed = true;
	return w->failed;
}

/* A range that reaches before the raw horizon says so: the readings
 * there may be gone, though aggregates still answer from rollups. */
static json_t *readings_answer(struct store *st, const struct store_point *p,
			       int64_t from, json_t *list)
{
	json_t *o = json_pack("{s:s, s:s, s:o}", "point", p->key, "unit",
			      p->unit, "readings", list);
	GTimeZone *tz = core_tz_new(p->tz);
	int64_t horizon;
	char at[40];

	if (o && tz && store_raw_horizon(st, &horizon) == STORE_OK &&
	    from < horizon) {
		core_time_format(horizon, tz, at, sizeof at);
		json_object_set_new(o, "pruned_before", json_string(at));
	}
	if (tz)
		g_time_zone_unref(tz);
	return o;
}

/*
 * The optional page size: a whole number from 1 to API_MAX_READINGS.
 * *limit is 0 when the request names none.
 */
static int limit_param(const struct request *req, size_t *limit,
		       struct answer *a)
{
	const char *s = param(req, "limit");
	char *end;
	long long v;

	*limit = 0;
	if (!s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > API_MAX_READINGS) {
		answer_error(a, 400, "bad_parameter",
			     "parameter 'limit': \"%.32s\" is not a whole "
			     "number from 1 to %d", s, API_MAX_READINGS);
		return -1;
	}
	*limit = (size_t)v;
	return 0;
}

static void do_readings(struct request *req, struct answer *a)
{
	struct readings_walk w = {0};
	struct store_point p;
	int64_t from, to;
	char next[40];
	bool paged;
	int rc;

	if (find_point(req, &p, a) || range_params(req, &from, &to, a) ||
	    limit_param(req, &w.limit, a))
		return;
	paged = w.limit != 0;
	if (!paged)
		w.limit = API_MAX_READINGS;

	w.list = json_array();
	w.tz = core_tz_new(p.tz);
	if (!w.tz)
		w.tz = g_time_zone_new_utc();
	rc = store_readings_each(req->api->st, p.id, from, to,
				 add_reading_json, &w);

	if (rc) {
		answer_error(a, 500, "storage", "reading \"%s\": %s", p.key,
			     store_errmsg(req->api->st));
		json_decref(w.list);
	} else if (w.failed || !w.list) {
		answer_error(a, 500, "internal",
			     "out of memory listing the readings of \"%s\"",
			     p.key);
		json_decref(w.list);
	} else if (w.full && !paged) {
		answer_error(a, 400, "too_many_readings",
			     "\"%s\" has more than %d readings between 'from' "
			     "and 'to'; ask for a shorter range, or pages "
			     "with 'limit'", p.key, API_MAX_READINGS);
		json_decref(w.list);
	} else {
		json_t *o = readings_answer(req->api->st, &p, from, w.list);

		/* The next page starts at the first reading left out. */
		if (o && w.full) {
			core_time_format(w.next, w.tz, next, sizeof next);
			json_object_set_new(o, "next_from", json_string(next));
		}
		answer_json(a, 200, o);
	}
	g_time_zone_unref(w.tz);
}

/* Turns an analytics outcome (see analytics.h) into an answer. */
static void answer_analytics(struct request *req, struct answer *a, int rc,
			     json_t *out, const char *err)
{
	switch (rc) {
	case 0:
		answer_json(a, 200, out);
		break;
	case STORE_NOT_FOUND:
		if (req->route == ROUTE_SUMMARY)
			answer_error(a, 404, "unknown_site",
				     "no site \"%.64s\"", req->arg);
		else
			answer_error(a, 404, "unknown_point",
				     "no point \"%.128s\"", req->arg);
		break;
	case ANALYTICS_INVALID:
		answer_error(a, 400, "bad_query", "%s", err);
		break;
	case ANALYTICS_NOMEM:
		answer_error(a, 500, "internal", "out of memory: %s", err);
		break;
	default:
		answer_error(a, 500, "storage", "%s", err);
		break;
	}
}

static void do_aggregate(struct request *req, struct answer *a)
{
	const char *siv = param(req, "interval"), *sfn = param(req, "fn");
	enum analytics_interval iv;
	enum analytics_fn fn;
	struct store_point p;
	json_t *out = NULL;
	int64_t from, to;
	char err[256] = "";
	int rc;

	if (find_point(req, &p, a) || range_params(req, &from, &to, a))
		return;
	if (!siv || analytics_interval_parse(siv, &iv)) {
		answer_error(a, 400,
			     siv ? "bad_parameter" : "missing_parameter",
			     "parameter 'interval' must be one of 5min, "
			     "30min, hour, day, month");
		return;
	}
	if (!sfn || analytics_fn_parse(sfn, &fn)) {
		answer_error(a, 400,
			     sfn ? "bad_parameter" : "missing_parameter",
			     "parameter 'fn' must be one of avg, min, max, "
			     "sum, energy");
		return;
	}

	rc = analytics_aggregate(req->api->st, p.key, from, to, iv, fn, &out,
				 err, sizeof err);
	answer_analytics(req, a, rc, out, err);
}

static void do_summary(struct request *req, struct answer *a)
{
	int64_t at = time(NULL);
	json_t *out = NULL;
	char err[256] = "";
	int rc;

	if (param(req, "at") && time_param(req, "at", &at, a))
		return;
	rc = analytics_summary(req->api->st, req->arg, at, &out, err,
			       sizeof err);
	answer_analytics(req, a, rc, out, err);
}

/* ?solar=, ?ev= and ?weather= name the sites; by default the first of
 * their kind. */
static void do_signage(struct request *req, struct answer *a)
{
	struct analytics_signage_sites sites = {
		param(req, "solar"), param(req, "ev"), param(req, "weather"),
	};
	int64_t at = time(NULL);
	json_t *out = NULL;
	char err[256] = "";
	int rc;

	if (param(req, "at") && time_param(req, "at", &at, a))
		return;
	rc = analytics_signage(req->api->st, &sites, at, &out, err,
			       sizeof err);
	answer_analytics(req, a, rc, out, err);
}

/* Stores the collected body; a 2xx only after the store said durable. */
static void do_ingest(struct request *req, struct answer *a)
{
	struct ingest_result res;

	ingest_body(req->api->st, &req->src, req->body, req->len, &res);
	if (res.quarantined)
		log_warn(MOD, "ingest from device %lld: %zu readings held in "
			 "quarantine, their time too far ahead of this "
			 "server's clock (akari quarantine list)",
			 (long long)req->src.device_id, res.quarantined);
	if (res.rejected) {
		json_t *first = json_array_get(
		    json_object_get(res.answer, "rejected"), 0);

		log_warn(MOD, "ingest from device %lld: %zu of %zu rows "
			 "stored; first refusal: row %lld, %s",
			 (long long)req->src.device_id, res.accepted,
			 res.accepted + res.rejected,
			 (long long)json_integer_value(
			     json_object_get(first, "index")),
			 json_string_value(json_object_get(first, "message")));
	}
	answer_json(a, res.status, json_incref(res.answer));
	ingest_result_finish(&res);
}

/* --- routing ------------------------------------------------------------ */

/* If url is PREFIX + head + ARG + tail, returns a copy of ARG. */
static char *url_arg(const char *url, const char *head, const char *tail)
{
	size_t nh = strlen(PREFIX) + strlen(head), nt = strlen(tail);
	size_t nu = strlen(url);

	if (nu <= nh + nt || strncmp(url, PREFIX, strlen(PREFIX)) ||
	    strncmp(url + strlen(PREFIX), head, strlen(head)) ||
	    strcmp(url + nu - nt, tail))
		return NULL;
	return g_strndup(url + nh, nu - nh - nt);
}

/*
 * Finds the route of url.  libmicrohttpd has already percent-decoded
 * the path, so a key sent as "tepco%2Fdemand" arrives as "tepco/demand"
 * and both spellings route alike.  A key may hold '/', so the key is
 * everything between "/points/" and the final "/readings" or
 * "/aggregate".
 */
static enum route route_of(const char *url, char **arg)
{
	*arg = NULL;
	if (!strcmp(url, PREFIX "/ingest"))
		return ROUTE_INGEST;
	if (!strcmp(url, API_CSV_PATH))
		return ROUTE_INGEST_CSV;
	if (!strcmp(url, PREFIX "/points"))
		return ROUTE_POINTS;
	/* before the registry's, which takes any /sites/NAME */
	if ((*arg = url_arg(url, "/sites/", API_AGGREGATE_TAIL)))
		return ROUTE_SITE_AGGREGATE;
	if (api_registry_route(url))
		return ROUTE_REGISTRY;
	if (!strcmp(url, PREFIX "/health"))
		return ROUTE_HEALTH;
	if (!strcmp(url, API_QUARANTINE_PATH))
		return ROUTE_QUARANTINE;
	if ((*arg = url_arg(url, "/points/", "/readings")))
		return ROUTE_READINGS;
	if ((*arg = url_arg(url, "/points/", "/aggregate")))
		return ROUTE_AGGREGATE;
	if ((*arg = url_arg(url, "/sites/", "/summary")))
		return ROUTE_SUMMARY;
	if (!strcmp(url, PREFIX "/signage"))
		return ROUTE_SIGNAGE;
	if (!strcmp(url, API_DISPLAYS_PATH))
		return ROUTE_DISPLAYS;
	if ((*arg = url_arg(url, "/displays/", "/heartbeat")))
		return ROUTE_HEARTBEAT;
	if ((*arg = url_arg(url, "/displays/", "/screenshot")))
		return ROUTE_SHOT;
	if ((*arg = url_arg(url, "/displays/", "/screenshot-request")))
		return ROUTE_SHOT_REQUEST;
	if ((*arg = url_arg(url, "/displays/", "/plays")))
		return ROUTE_PLAYS;
	return ROUTE_NONE;
}

static bool is_get(const char *method)
{
	return !strcmp(method, MHD_HTTP_METHOD_GET) ||
	       !strcmp(method, MHD_HTTP_METHOD_HEAD);
}

/* --- the ingest request's headers --------------------------------------- */

static int check_token(struct request *req, struct answer *a)
{
	const char *h = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char buf[256];
	const char *token = api_auth_bearer(h, buf, sizeof buf);
	struct api_auth_refusal r;

	/* The token, the device's rate and its body limit (api_auth.h). */
	if (api_auth_device(req->api->auth, token,
			    MHD_lookup_connection_value(
				req->conn, MHD_HEADER_KIND,
				MHD_HTTP_HEADER_CONTENT_LENGTH),
			    &req->dev, &r)) {
		a->unauthorized = r.status == 401;
		a->retry_after = r.retry_after;
		answer_error(a, r.status, r.code, "%s", r.message);
		return -1;
	}
	req->src.device_id = req->dev.id;
	req->src.site_id = req->dev.site_id;
	return 0;
}

/* A missing, unknown or revoked admin token is a 401 (api_auth.h). */
static int check_admin(struct request *req, struct answer *a)
{
	const char *code = "internal";
	char msg[256];
	int status;

	status = api_auth_admin(req->api->st, req->conn, &code, msg,
				sizeof msg);
	if (!status)
		return 0;
	a->unauthorized = status == 401;
	answer_error(a, status, code, "%s", msg);
	return -1;
}

/*
 * Whether the request's route and method take an admin token.  A route
 * that changes the registry or the signage adds itself here.
 */
static bool needs_admin(const struct request *req)
{
	switch (req->route) {
	case ROUTE_QUARANTINE:
		return true;
	case ROUTE_SHOT_REQUEST:
		return true;
	case ROUTE_REGISTRY:
		return api_registry_needs_admin(req->method, req->url);
	default:
		return false;
	}
}

/* The media type must be application/json (text/csv for the CSV
 * route); parameters are ignored. */
static int check_type(struct request *req, struct answer *a)
{
	const char *t = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *want = req->route == ROUTE_INGEST_CSV ? API_CSV_TYPE
			   : req->route == ROUTE_SHOT	  ? "image/png"
							  : "application/json";
	size_t n = t ? strcspn(t, "; \t") : 0;

	if (t && n == strlen(want) && !strncasecmp(t, want, n))
		return 0;
	answer_error(a, 415, "unsupported_media_type",
		     "Content-Type must be %s, not %s%.64s%s", want,
		     t ? "\"" : "", t ? t : "none", t ? "\"" : "");
	return -1;
}

/* These routes read their bodies as sent: a compressed one would be
 * refused as bad JSON or CSV, or worse, read as it is. */
static int check_encoding(struct request *req, struct answer *a)
{
	const char *e = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);

	if (!e || !*e || !strcasecmp(e, "identity"))
		return 0;
	answer_error(a, 415, "unsupported_media_type",
		     "Content-Encoding \"%.64s\" is not taken by %.200s: send "
		     "the body as it is (line protocol on /write and "
		     "/api/v2/write takes gzip)", e, req->url);
	return -1;
}

/* The most body bytes reserved from a declared length alone. */
#define PREALLOC_MAX ((unsigned long long)4 << 20)

/* Refuses a declared length over the limit before reading any of it. */
static int check_length(struct request *req, struct answer *a)
{
	const char *s = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end;

	if (!s)
		return 0;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > req->api->max_body) {
		answer_error(a, 413, "body_too_large",
			     "the body is %s bytes; this server accepts at "
			     "most %zu",
			     s, req->api->max_body);
		return -1;
	}

	/* Room for the whole body and the NUL jansson does not need, but
	 * not more than PREALLOC_MAX before the bytes come: many idle
	 * connections declaring large bodies would reserve that much
	 * each.  grow_body() makes room for the rest as it arrives. */
	if (n > PREALLOC_MAX)
		n = PREALLOC_MAX;
	req->body = malloc(n + 1);
	req->cap = req->body ? n + 1 : 0;
	return 0;
}

/* --- the three steps of a request --------------------------------------- */

static void client_address(struct MHD_Connection *conn, char *buf,
			   size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
	    conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t salen = sa && sa->sa_family == AF_INET6
				  ? sizeof(struct sockaddr_in6)
				  : sizeof(struct sockaddr_in);

	if (!sa || getnameinfo(sa, salen, buf, (socklen_t)len, NULL, 0,
			       NI_NUMERICHOST))
		snprintf(buf, len, "?");
}

/* Whether the request declares a body. */
static bool has_body(const struct request *req)
{
	const char *n = MHD_lookup_connection_value(
	    req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (n && strcmp(n, "0")) ||
	       MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* Checks that need only the request line and headers. */
static int precheck(struct request *req, struct answer *a)
{
	if (needs_admin(req) && check_admin(req, a))
		return -1;
	switch (req->route) {
	case ROUTE_NONE:
		answer_error(a, 404, "not_found", "no endpoint %.200s",
			     req->url);
		return -1;
	case ROUTE_REGISTRY:
		/* A POST that makes a token or a secret carries no body. */
		if (has_body(req))
			return check_type(req, a) || check_length(req, a);
		return 0;
	case ROUTE_SHOT:
	case ROUTE_PLAYS:
		if (is_get(req->method))
			return 0;
		/* A display sends them: the POST's checks. */
		__attribute__((fallthrough));
	case ROUTE_INGEST:
	case ROUTE_INGEST_CSV:
	case ROUTE_HEARTBEAT:
	case ROUTE_SHOT_REQUEST:
		if (strcmp(req->method, MHD_HTTP_METHOD_POST)) {
			a->allow = req->route == ROUTE_SHOT ||
					   req->route == ROUTE_PLAYS
				       ? "GET, HEAD, POST"
				       : "POST";
			answer_error(a, 405, "method_not_allowed",
				     "%s takes POST, not %s", req->url,
				     req->method);
			return -1;
		}
		if (req->route == ROUTE_SHOT_REQUEST)
			return 0;
		if (check_token(req, a) || check_type(req, a) ||
		    check_encoding(req, a) || check_length(req, a))
			return -1;
		if (req->route == ROUTE_INGEST ||
		    req->route == ROUTE_INGEST_CSV)
			ingest_source_begin(&req->src, req->api->st);
		return 0;
	default:
		if (!is_get(req->method)) {
			a->allow = "GET, HEAD";
			answer_error(a, 405, "method_not_allowed",
				     "%.200s takes GET, not %s", req->url,
				     req->method);
			return -1;
		}
		return 0;
	}
}

/* The most body bytes the request may carry: its device's limit. */
static size_t request_limit(const struct request *req)
{
	return req->dev.id ? api_auth_body_limit(req->api->auth, &req->dev)
			   : req->api->max_body;
}

/* A device that signs its requests: the signature over the whole body
 * (api_auth.h). */
static int check_signature(struct request *req, struct answer *a)
{
	struct api_auth_refusal r;

	if (!api_auth_verify(req->api->auth, &req->dev, req->conn,
			     req->method, req->url, req->body, req->len, &r))
		return 0;
	a->unauthorized = true;
	answer_error(a, r.status, r.code, "%s", r.message);
	return -1;
}

/* Makes room for need bytes of body; the cap never passes the limit. */
static int grow_body(struct request *req, size_t need)
{
	size_t cap = req->cap ? req->cap : 65536;
	char *grown;

	while (cap < need)
		cap *= 2;
	if (cap > req->api->max_body + 1)
		cap = req->api->max_body + 1;
	grown = realloc(req->body, cap);
	if (!grown)
		return -1;
	req->body = grown;
	req->cap = cap;
	return 0;
}

static enum MHD_Result request_begin(struct api *api,
				     struct MHD_Connection *conn,
				     const char *url, const char *method,
				     void **con_cls)
{
	struct answer a = {0};
	struct request *req = calloc(1, sizeof *req);

	if (!req)
		return MHD_NO;
	*con_cls = req;
	req->api = api;
	req->conn = conn;
	req->src.future_tolerance_s = api->future_tolerance_s;
	req->src.points = api->points;
	req->method = g_strdup(method);
	req->url = g_strdup(url);
	req->route = route_of(url, &req->arg);
	/* Listing points stays here; creating one is the registry's. */
	if (req->route == ROUTE_POINTS && !is_get(method))
		req->route = ROUTE_REGISTRY;
	client_address(conn, req->client, sizeof req->client);
	if (req->route == ROUTE_NONE && api_influx_route(url)) {
		req->route = ROUTE_INFLUX;
		return api_influx_begin(&api->influx, conn,
					api_influx_route(url), req->method,
					req->url, req->client, &req->influx);
	}
	if (req->route == ROUTE_NONE && api_fiap_route(url)) {
		req->route = ROUTE_FIAP;
		return api_fiap_begin(&api->fiap, conn, req->method, req->url,
				      req->client, &req->fiap);
	}
	if (req->route == ROUTE_NONE && api_content_route(url)) {
		req->route = ROUTE_CONTENT;
		return api_content_begin(api->st, api->max_body, conn,
					 req->method, req->url, req->client,
					 &req->content);
	}

	if (precheck(req, &a))
		return send_answer(req, &a);
	return MHD_YES;
}

/*
 * Collects a piece of the body.  libmicrohttpd cannot answer in the
 * middle of a body, so a body found too long while it streams (chunked
 * bodies declare no length) is read on and dropped, and request_finish()
 * answers 413.  Past twice the limit the connection is simply closed.
 */
static enum MHD_Result request_receive(struct request *req, const char *data,
				       size_t *size)
{
	size_t n = *size, max = request_limit(req);

	if (req->route == ROUTE_INFLUX)
		return api_influx_receive(req->influx, data, size);
	if (req->route == ROUTE_FIAP)
		return api_fiap_receive(req->fiap, data, size);
	if (req->route == ROUTE_CONTENT)
		return api_content_receive(req->content, data, size);
	*size = 0;
	if (req->answered ||
	    (req->route != ROUTE_INGEST && req->route != ROUTE_INGEST_CSV &&
	     req->route != ROUTE_HEARTBEAT && req->route != ROUTE_SHOT &&
	     req->route != ROUTE_PLAYS && req->route != ROUTE_REGISTRY))
		return MHD_YES;

	if (req->too_big || n > max - req->len) {
		req->too_big = true;
		req->dropped += n;
		return req->dropped > max ? MHD_NO : MHD_YES;
	}
	if (req->len + n + 1 > req->cap && grow_body(req, req->len + n + 1)) {
		req->too_big = true;
		req->oom = true;
		return MHD_YES;
	}
	memcpy(req->body + req->len, data, n);
	req->len += n;
	return MHD_YES;
}

static enum MHD_Result request_finish(struct request *req)
{
	struct answer a = {0};

	if (req->route == ROUTE_INFLUX)
		return api_influx_finish(req->influx);
	if (req->route == ROUTE_FIAP)
		return api_fiap_finish(req->fiap);
	if (req->route == ROUTE_CONTENT)
		return api_content_finish(req->content);
	if (req->answered)
		return MHD_YES;
	if (req->oom) {
		answer_error(&a, 500, "internal",
			     "out of memory for the request body");
		return send_answer(req, &a);
	}
	if (req->too_big) {
		answer_error(&a, 413, "body_too_large",
			     "the body is over %zu bytes, the most %s "
			     "accepts",
			     request_limit(req),
			     req->dev.id && req->dev.max_body
				 ? "this device's limit"
				 : "this server");
		return send_answer(req, &a);
	}
	if (req->dev.id && check_signature(req, &a))
		return send_answer(req, &a);

	store_error_reset(req->api->st);
	switch (req->route) {
	case ROUTE_INGEST:
		do_ingest(req, &a);
		break;
	case ROUTE_INGEST_CSV:
		a.status = api_csv_ingest(req->api->st, &req->src, req->conn,
					  req->body, req->len, &a.body);
		break;
	case ROUTE_POINTS:
		do_points(req, &a);
		break;
	case ROUTE_READINGS:
		do_readings(req, &a);
		break;
	case ROUTE_AGGREGATE:
		do_aggregate(req, &a);
		break;
	case ROUTE_SITE_AGGREGATE:
		a.status = api_aggregate_site(req->api->st, req->conn,
					      req->arg, &a.body, &a.text);
		break;
	case ROUTE_SUMMARY:
		do_summary(req, &a);
		break;
	case ROUTE_SIGNAGE:
		do_signage(req, &a);
		break;
	case ROUTE_HEALTH:
		do_health(req, &a);
		break;
	case ROUTE_QUARANTINE:
		a.status = api_quarantine_list(req->api->st, &a.body);
		break;
	case ROUTE_DISPLAYS:
		a.status = api_displays_list(req->api->st, req->conn, &a.body);
		break;
	case ROUTE_HEARTBEAT:
		a.status = api_displays_beat(req->api->st, req->arg,
					     req->src.device_id, req->client,
					     req->body, req->len, &a.body);
		break;
	case ROUTE_SHOT:
	case ROUTE_SHOT_REQUEST:
	case ROUTE_PLAYS:
		a.status = api_displays_handle(
		    req->api->st,
		    req->route == ROUTE_SHOT	? API_DISPLAYS_SHOT
		    : req->route == ROUTE_PLAYS ? API_DISPLAYS_PLAYS
						: API_DISPLAYS_SHOT_REQUEST,
		    is_get(req->method), req->arg, req->src.device_id,
		    req->conn, req->body, req->len, &a.raw, &a.body);
		break;
	case ROUTE_REGISTRY:
		a.status = api_registry_handle(req->api->st, req->api->auth,
					       req->conn, req->method,
					       req->url, req->body, req->len,
					       &a.body, &a.allow);
		break;
	case ROUTE_NONE:
	case ROUTE_INFLUX:
	case ROUTE_FIAP:
	case ROUTE_CONTENT:
		break;
	}
	answer_busy(req, &a);
	return send_answer(req, &a);
}

/* Waits until fewer than api->turns last steps run, and counts this one
 * in; give_turn() counts it out. */
static void take_turn(struct api *api)
{
	pthread_mutex_lock(&api->turn_lock);
	while (api->running >= api->turns)
		pthread_cond_wait(&api->turn_free, &api->turn_lock);
	api->running++;
	pthread_mutex_unlock(&api->turn_lock);
}

static void give_turn(struct api *api)
{
	pthread_mutex_lock(&api->turn_lock);
	api->running--;
	pthread_cond_signal(&api->turn_free);
	pthread_mutex_unlock(&api->turn_lock);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct request *req = *con_cls;
	enum MHD_Result ret;

	if (!req)
		return request_begin(cls, conn, url, method, con_cls);
	if (*upload_data_size)
		return request_receive(req, upload_data, upload_data_size);

	/* The handlers' work (parsing, storing, queries) is bounded by
	 * --threads; reading headers and bodies is not. */
	take_turn(req->api);
	ret = request_finish(req);
	give_turn(req->api);
	return ret;
}

static void request_done(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	if (!req)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !req->answered)
		log_debug(MOD, "%s %s from %s: connection ended before an "
			  "answer (%d)",
			  req->method, req->url, req->client, (int)toe);
	ingest_source_end(&req->src, req->api->st);
	api_influx_free(req->influx);
	api_fiap_free(req->fiap);
	api_content_free(req->content);
	free(req->body);
	g_free(req->arg);
	g_free(req->url);
	g_free(req->method);
	free(req);
	*con_cls = NULL;
}

/* --- the daemon ----------------------------------------------------------- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn(MOD, "libmicrohttpd: %s", line);
}

static int resolve(const struct api_config *cfg,
		   struct sockaddr_storage *addr, char *err, size_t errlen)
{
	struct addrinfo hints = {0}, *res = NULL;
	char port[16];
	int rc;

	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", cfg->port);
	rc = getaddrinfo(cfg->host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot use address '%s': %s",
			 cfg->host, gai_strerror(rc));
		return -1;
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

int api_start(struct store *st, const struct api_config *cfg,
	      struct api **out, char *err, size_t errlen)
{
	struct sockaddr_storage addr = {0};
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
			 MHD_USE_ERROR_LOG;
	struct api *api = NULL;
	int rc = -1;

	*out = NULL;
	if (!cfg->threads || !cfg->max_body) {
		snprintf(err, errlen, "threads and max body must be positive");
		goto out;
	}
	if (resolve(cfg, &addr, err, errlen))
		goto out;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	api = calloc(1, sizeof *api);
	if (!api) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	api->st = st;
	api->turns = cfg->threads;
	pthread_mutex_init(&api->turn_lock, NULL);
	pthread_cond_init(&api->turn_free, NULL);
	api->points = ingest_points_create(st);
	api->influx.points = api->points;
	api->max_body = cfg->max_body;
	api->influx.st = st;
	api->influx.max_body = cfg->max_body;
	api->influx.map = cfg->lp_map;
	api->influx.future_tolerance_s = cfg->future_tolerance_s;
	api->future_tolerance_s = cfg->future_tolerance_s;
	api_fiap_env_init(&api->fiap, st, cfg->max_body, cfg->fiap_map);
	api->fiap.future_tolerance_s = cfg->future_tolerance_s;
	api->auth = api_auth_create(
	    st, &(struct api_auth_config){.rate_per_s = cfg->rate_per_s,
					  .burst = cfg->burst,
					  .max_body = cfg->max_body,
					  .skew_s = cfg->skew_s,
					  .offline_after_s =
					      cfg->offline_after_s});
	api->influx.auth = api->auth;
	api->fiap.auth = api->auth;

	/*
	 * jansson seeds its hash on first use; do it before the threads.
	 * The logger must be the first option to catch every message.
	 */
	json_object_seed(0);

	errno = 0;
	api->daemon = MHD_start_daemon(
	    flags, (uint16_t)cfg->port, NULL, NULL, handle, api,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_LIMIT,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK_BYTES,
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, api, MHD_OPTION_END);
	if (!api->daemon) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s",
			 cfg->host, cfg->port,
			 errno ? strerror(errno) : "libmicrohttpd failed");
		goto out;
	}

	info = MHD_get_daemon_info(api->daemon, MHD_DAEMON_INFO_BIND_PORT);
	api->port = info && info->port ? info->port : cfg->port;
	rc = 0;

out:
	if (rc) {
		api_stop(api);
		return rc;
	}
	*out = api;
	return 0;
}

unsigned api_port(const struct api *api)
{
	return api->port;
}

void api_stop(struct api *api)
{
	if (!api)
		return;
	if (api->daemon)
		MHD_stop_daemon(api->daemon);
	ingest_points_destroy(api->points);
	api_auth_destroy(api->auth);
	api_fiap_env_finish(&api->fiap);
	pthread_cond_destroy(&api->turn_free);
	pthread_mutex_destroy(&api->turn_lock);
	free(api);
}
