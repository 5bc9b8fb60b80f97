/*
 * api_influx.c - InfluxDB's write and ping endpoints, answered as
 * InfluxDB answers them.
 *
 * A write goes through three steps, like every request of api.c:
 *
 *   api_influx_begin()    method, token, encoding, precision, length
 *   api_influx_receive()  the body, up to the configured limit
 *   api_influx_finish()   gunzip, parse, store, answer
 *
 * Answers: 204 with no body on success; otherwise a JSON body with
 * InfluxDB 2's "code" and "message" (and "line", the first refused
 * line), plus InfluxDB 1's "error" on /write.  Every answer carries
 * X-Influxdb-Version, which clients read to tell a server is there.
 */
#include "cloud/api/api_influx.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include "cloud/api/api_http.h"
#include "core/log.h"

#define MOD "api"
#define JSON_TYPE "application/json; charset=utf-8"
#define INFLUX_VERSION "1.8-akari"
/* The most of a declared body reserved before it comes. */
#define BODY_PREALLOC_MAX ((size_t)4 << 20)

struct api_influx {
	const struct api_influx_env *env;
	struct MHD_Connection *conn;
	enum api_influx_route route;
	const char *method, *url, *client;
	struct ingest_source src;
	struct store_device dev;	/* the token's (api_auth.h) */
	unsigned retry_after;	/* for a 429's Retry-After */
	enum lineproto_precision precision;
	bool gzip;
	GByteArray *body;
	size_t dropped;		/* bytes past the limit, dropped */
	bool too_big;
	bool answered;
};

enum api_influx_route api_influx_route(const char *url)
{
	if (!strcmp(url, "/write"))
		return API_INFLUX_WRITE_V1;
	if (!strcmp(url, "/api/v2/write"))
		return API_INFLUX_WRITE_V2;
	if (!strcmp(url, "/ping"))
		return API_INFLUX_PING;
	return API_INFLUX_NONE;
}

/* --- answers ---------------------------------------------------------- */

/* The first line of msg, for one log line. */
static void log_answer(const struct api_influx *r, int status,
		       const char *msg)
{
	enum log_level level = status >= 500   ? LOG_ERROR
			       : status >= 400 ? LOG_WARN
					       : LOG_DEBUG;
	int n = msg ? (int)strcspn(msg, "\n") : 0;

	log_msg(level, MOD, "%s %s from %s: %d%s%.*s%s", r->method, r->url,
		r->client, status, msg ? ": " : "", n, msg ? msg : "",
		msg && msg[n] ? " (and more)" : "");
}

/*
 * Queues status with InfluxDB's error body, or with no body when code
 * is NULL.  line is the first refused line, or 0.
 */
static enum MHD_Result answer(struct api_influx *r, int status,
			      const char *code, const char *msg, size_t line)
{
	struct MHD_Response *resp;
	char *text = NULL;
	enum MHD_Result ret;

	if (code) {
		json_t *body = json_pack("{s:s, s:s}", "code", code, "message",
					 msg);

		if (body && line)
			json_object_set_new(body, "line",
					    json_integer((json_int_t)line));
		if (body && r->route == API_INFLUX_WRITE_V1)
			json_object_set_new(body, "error", json_string(msg));
		text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (!text) {
			status = 500;
			code = "internal error";
		}
	}
	resp = text ? MHD_create_response_from_buffer(strlen(text), text,
						      MHD_RESPMEM_MUST_FREE)
		    : MHD_create_response_from_buffer(0, (void *)"",
						      MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	if (text)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					JSON_TYPE);
	MHD_add_response_header(resp, "X-Influxdb-Version", INFLUX_VERSION);
	MHD_add_response_header(resp, "X-Influxdb-Build", "OSS");
	if (r->retry_after) {
		char secs[16];

		snprintf(secs, sizeof secs, "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					secs);
	}
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					r->route == API_INFLUX_PING
					    ? "GET, HEAD"
					    : "POST");

	log_answer(r, status, code ? msg : NULL);
	ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}

static enum MHD_Result answerf(struct api_influx *r, int status,
			       const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum MHD_Result answerf(struct api_influx *r, int status,
			       const char *code, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	api_error_vtext(text, sizeof text, fmt, ap);
	va_end(ap);
	return answer(r, status, code, text, 0);
}

/* --- the headers ------------------------------------------------------ */

static const char *header(const struct api_influx *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static const char *param(const struct api_influx *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

/* "SCHEME VALUE" -> VALUE without surrounding blanks, or NULL. */
static char *auth_value(const char *h, const char *scheme)
{
	size_t n = strlen(scheme);

	if (!h || strncasecmp(h, scheme, n) || (h[n] != ' ' && h[n] != '\t'))
		return NULL;
	return g_strstrip(g_strdup(h + n));
}

/*
 * The device token of the request, owned by the caller, or NULL.  1.x
 * clients send it as the password: Basic auth or the p parameter, and
 * Telegraf's InfluxDB output uses Basic.  Every client can send
 * "Token X"; "Bearer X" is akari's own spelling.
 */
static char *request_token(const struct api_influx *r)
{
	const char *h = header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	char *v, *colon;
	guchar *raw;
	gsize n;

	if ((v = auth_value(h, "Token")) || (v = auth_value(h, "Bearer")))
		return v;
	if (r->route != API_INFLUX_WRITE_V1)
		return NULL;
	if ((v = auth_value(h, "Basic"))) {
		raw = g_base64_decode(v, &n);
		g_free(v);
		colon = raw ? memchr(raw, ':', n) : NULL;
		v = colon ? g_strndup(colon + 1,
				      n - (gsize)(colon + 1 - (char *)raw))
			  : NULL;
		g_free(raw);
		return v;
	}
	return param(r, "p") ? g_strdup(param(r, "p")) : NULL;
}

/* The token, the device's rate and body limit (api_auth.h). */
static enum MHD_Result check_token(struct api_influx *r, bool *ok)
{
	char *token = request_token(r);
	struct api_auth_refusal no;
	int rc;

	rc = api_auth_device(r->env->auth, token && *token ? token : NULL,
			     header(r, MHD_HTTP_HEADER_CONTENT_LENGTH),
			     &r->dev, &no);
	g_free(token);
	*ok = rc == 0;
	if (*ok) {
		r->src.device_id = r->dev.id;
		r->src.site_id = r->dev.site_id;
		return MHD_YES;
	}
	r->retry_after = no.retry_after;
	if (!strcmp(no.code, "missing_token"))
		return answerf(r, 401, "unauthorized",
			       "unauthorized access: send the device token as "
			       "'Authorization: Token TOKEN'%s",
			       r->route == API_INFLUX_WRITE_V1
				   ? ", Basic auth or the p parameter"
				   : "");
	return answerf(r, no.status,
		       no.status == 401   ? "unauthorized"
		       : no.status == 413 ? "request too large"
		       : no.status == 429 ? "too many requests"
					  : "internal error",
		       "%s", no.message);
}

/* Checks of a write that need only its headers.  *ok false: answered. */
static enum MHD_Result check_write(struct api_influx *r, bool *ok)
{
	const char *enc = header(r, MHD_HTTP_HEADER_CONTENT_ENCODING);
	const char *prec = param(r, "precision");
	const char *len = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	bool v2 = r->route == API_INFLUX_WRITE_V2;
	unsigned long long n;
	enum MHD_Result ret;
	char *end;

	*ok = false;
	ret = check_token(r, ok);
	if (!*ok)
		return ret;
	*ok = false;

	if (enc && !strcasecmp(enc, "gzip"))
		r->gzip = true;
	else if (enc && *enc && strcasecmp(enc, "identity"))
		return answerf(r, 415, "unsupported media type",
			       "Content-Encoding \"%.64s\" is not supported; "
			       "send gzip or identity", enc);

	if (lineproto_precision_parse(prec, v2, &r->precision))
		return answerf(r, 400, "invalid",
			       "precision \"%.32s\" is not one of %s", prec,
			       v2 ? "ns, us, ms, s" : "n, u, ms, s, m, h");

	if (len) {
		errno = 0;
		n = strtoull(len, &end, 10);
		if (errno || *end || n > r->env->max_body)
			return answerf(r, 413, "request too large",
				       "the body is %.32s bytes; this server "
				       "accepts at most %zu", len,
				       r->env->max_body);

		/* One allocation for the declared body, rather than one
		 * doubling after another as its chunks come in; capped, so
		 * that a length declared and never sent costs little. */
		g_byte_array_free(r->body, TRUE);
		r->body = g_byte_array_sized_new(
		    (guint)(n < BODY_PREALLOC_MAX ? n : BODY_PREALLOC_MAX));
	}
	/* Its place in the order of arrival is now, not when its body has
	 * come and been parsed. */
	ingest_source_begin(&r->src, r->env->st);
	*ok = true;
	return MHD_YES;
}

enum MHD_Result api_influx_begin(const struct api_influx_env *env,
				 struct MHD_Connection *conn,
				 enum api_influx_route route,
				 const char *method, const char *url,
				 const char *client, struct api_influx **out)
{
	struct api_influx *r = g_new0(struct api_influx, 1);
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) ||
		   !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool ok;

	*out = r;
	r->env = env;
	r->conn = conn;
	r->src.future_tolerance_s = env->future_tolerance_s;
	r->src.points = env->points;
	r->route = route;
	r->method = method;
	r->url = url;
	r->client = client;
	r->body = g_byte_array_new();

	if (route == API_INFLUX_PING)
		return get ? answer(r, 204, NULL, NULL, 0)
			   : answerf(r, 405, "method not allowed",
				     "%s takes GET or HEAD, not %s", url,
				     method);
	if (strcmp(method, MHD_HTTP_METHOD_POST))
		return answerf(r, 405, "method not allowed",
			       "%s takes POST, not %s", url, method);
	return check_write(r, &ok);
}

/* --- the body ---------------------------------------------------------- */

/*
 * As in api.c: libmicrohttpd cannot answer in the middle of a body, so a
 * body found too long is read on and dropped, and finish answers 413.
 * Past twice the limit the connection is closed.
 */
enum MHD_Result api_influx_receive(struct api_influx *r, const char *data,
				   size_t *size)
{
	size_t n = *size, max = r->dev.id ? api_auth_body_limit(r->env->auth,
								 &r->dev)
				    : r->env->max_body;

	*size = 0;
	if (r->answered)
		return MHD_YES;
	if (r->too_big || n > max - r->body->len) {
		r->too_big = true;
		r->dropped += n;
		return r->dropped > max ? MHD_NO : MHD_YES;
	}
	g_byte_array_append(r->body, (const guint8 *)data, (guint)n);
	return MHD_YES;
}

/*
 * Inflates the gzip body into *out (owned by the caller).  Returns 0, 1
 * when the result passes max bytes, or -1 with err set when the body is
 * not gzip.  Concatenated gzip members are read one after the other.
 */
static int gunzip(const GByteArray *in, size_t max, GByteArray **out,
		  char *err, size_t errlen)
{
	z_stream z = {0};
	guint8 buf[65536];
	int zrc, rc = 0;

	*out = g_byte_array_new();
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(err, errlen, "cannot start zlib");
		return -1;
	}
	z.next_in = in->data;
	z.avail_in = in->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		zrc = inflate(&z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END) {
			snprintf(err, errlen, "the gzip body is corrupt: %s",
				 z.msg ? z.msg : "truncated");
			rc = -1;
			break;
		}
		if ((*out)->len + (sizeof buf - z.avail_out) > max) {
			rc = 1;
			break;
		}
		g_byte_array_append(*out, buf,
				    (guint)(sizeof buf - z.avail_out));
		if (zrc == Z_STREAM_END && z.avail_in)
			inflateReset(&z);
	} while (zrc != Z_STREAM_END || z.avail_in);
	inflateEnd(&z);
	return rc;
}

/* Stores the body and answers as InfluxDB would. */
static enum MHD_Result write_body(struct api_influx *r, const GByteArray *b)
{
	const char *bucket = param(r, r->route == API_INFLUX_WRITE_V1
					      ? "db"
					      : "bucket");
	struct lineproto_write w = {
	    .body = (const char *)b->data,
	    .len = b->len,
	    .precision = r->precision,
	    .bucket = bucket ? bucket : "",
	    .now = time(NULL),
	    .map = r->env->map,
	};
	struct lineproto_result res;
	enum MHD_Result ret;

	lineproto_ingest(r->env->st, &r->src, &w, &res);
	if (res.refused)
		log_warn(MOD, "line protocol from device %lld: %zu readings "
			 "stored, %zu refused",
			 (long long)r->src.device_id, res.written,
			 res.refused);
	if (res.quarantined)
		log_warn(MOD, "line protocol from device %lld: %zu readings "
			 "held in quarantine, their time too far ahead of "
			 "this server's clock (akari quarantine list)",
			 (long long)r->src.device_id, res.quarantined);
	ret = res.status == 204
		  ? answer(r, 204, NULL, NULL, 0)
		  : answer(r, res.status, res.code, res.message,
			   res.first_line);
	lineproto_result_finish(&res);
	return ret;
}

enum MHD_Result api_influx_finish(struct api_influx *r)
{
	struct api_auth_refusal no;
	GByteArray *plain = NULL;
	enum MHD_Result ret;
	char err[256];
	size_t limit;
	int rc;

	if (r->answered)
		return MHD_YES;
	if (r->too_big)
		return answerf(r, 413, "request too large",
			       "the body is over %zu bytes, the most %s "
			       "accepts",
			       api_auth_body_limit(r->env->auth, &r->dev),
			       r->dev.max_body ? "this device's limit"
					       : "this server");

	/* A signature covers the body as sent, before any gunzip. */
	if (api_auth_verify(r->env->auth, &r->dev, r->conn, r->method, r->url,
			    r->body->data, r->body->len, &no))
		return answerf(r, no.status, "unauthorized", "%s",
			       no.message);
	if (!r->gzip)
		return write_body(r, r->body);

	/* The device's limit holds for what it makes akari parse, or a
	 * small gzip would carry many times its size past it. */
	limit = api_auth_body_limit(r->env->auth, &r->dev);
	rc = gunzip(r->body, limit, &plain, err, sizeof err);
	if (rc > 0)
		ret = answerf(r, 413, "request too large",
			      "the body unzips to over %zu bytes, the most "
			      "%s accepts", limit,
			      r->dev.max_body ? "this device's limit"
					      : "this server");
	else if (rc < 0)
		ret = answerf(r, 400, "invalid", "%s", err);
	else
		ret = write_body(r, plain);
	g_byte_array_free(plain, TRUE);
	return ret;
}

void api_influx_free(struct api_influx *r)
{
	if (!r)
		return;
	ingest_source_end(&r->src, r->env->st);
	g_byte_array_free(r->body, TRUE);
	g_free(r);
}
