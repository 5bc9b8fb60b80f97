/*
 * api_displays.c - heartbeats in, the displays' online state out.
 */
#include "cloud/api/api_displays.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/ingest/ingest_json.h"
#include "cloud/store/store_displays.h"
#include "core/timeutil.h"

/* An offline_after longer than a year is a typo, not a policy. */
#define OFFLINE_AFTER_MAX (366 * 86400)

static json_t *error(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static json_t *error(const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return json_pack("{s:s, s:s}", "error", code, "message", msg);
}

/* The answer to a body json_loadb() refused with jerr. */
static json_t *json_error(const char *body, size_t len,
			  const json_error_t *jerr)
{
	char why[256];

	if (ingest_json_explain(body, len, jerr, why, sizeof why))
		return error("bad_json", "%s", why);
	return error("bad_json", "body:%d:%d: %s", jerr->line, jerr->column,
		     jerr->text);
}

/* A string member of at most max - 1 bytes into buf; absent gives "". */
static int text_member(json_t *o, const char *key, bool required,
		       char *buf, size_t max, json_t **answer)
{
	json_t *v = json_object_get(o, key);

	buf[0] = '\0';
	if (!v && !required)
		return 0;
	if (!json_is_string(v)) {
		*answer = error("bad_heartbeat", "\"%s\" must be a string",
				key);
		return -1;
	}
	if (json_string_length(v) >= max) {
		*answer = error("bad_heartbeat", "\"%s\" is longer than %zu "
				"bytes", key, max - 1);
		return -1;
	}
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* A whole number of seconds >= 0; absent or null gives -1 when not
 * required. */
static int seconds_member(json_t *o, const char *key, bool required,
			  int64_t *out, json_t **answer)
{
	json_t *v = json_object_get(o, key);

	*out = -1;
	if ((!v || json_is_null(v)) && !required)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*answer = error("bad_heartbeat", "\"%s\" must be a whole "
				"number of seconds, 0 or more", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/* Whether the token's device is display id: 0, or the HTTP status with
 * *answer set. */
static int check_device(struct store *st, const char *id, int64_t device_id,
			json_t **answer)
{
	int rc = store_display_device_ok(st, device_id, id);

	if (rc == STORE_NOT_FOUND) {
		*answer = error("wrong_display", "the token is not that of a "
				"device of kind display named \"%s\" (akari "
				"device add --kind display %s)", id, id);
		return 403;
	}
	if (rc) {
		*answer = error("storage", "checking the device of %s: %s",
				id, store_errmsg(st));
		return 500;
	}
	return 0;
}

static int check_id(const char *id, const char *code, json_t **answer)
{
	if (store_display_id_ok(id))
		return 0;
	*answer = error(code, "the display id must be 1 to %d of A-Z a-z "
			"0-9 . _ -", STORE_DISPLAY_ID_MAX);
	return 400;
}

int api_displays_beat(struct store *st, const char *id, int64_t device_id,
		      const char *client, const char *body, size_t len,
		      json_t **answer)
{
	struct store_display d = {0};
	json_error_t jerr;
	json_t *o = NULL;
	bool registered = false, wanted = false;
	int status, rc;

	*answer = NULL;
	status = check_id(id, "bad_heartbeat", answer);
	if (!status)
		status = check_device(st, id, device_id, answer);
	if (status)
		goto out;
	status = 400;
	o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		*answer = o ? error("bad_json", "the body must be a JSON "
				    "object")
			    : json_error(body, len, &jerr);
		goto out;
	}

	snprintf(d.id, sizeof d.id, "%s", id);
	snprintf(d.address, sizeof d.address, "%s", client);
	if (text_member(o, "version", true, d.version, sizeof d.version,
			answer) ||
	    text_member(o, "slide", false, d.slide, sizeof d.slide,
			answer) ||
	    seconds_member(o, "uptime_s", true, &d.uptime_s, answer) ||
	    seconds_member(o, "cache_age_s", false, &d.cache_age_s, answer))
		goto out;

	/* The server's clock: a display's own may be wrong after a reboot. */
	d.last_seen = (int64_t)time(NULL);
	rc = store_display_beat(st, &d, &registered);
	if (rc == STORE_INVALID) {
		*answer = error("bad_heartbeat", "%s", store_errmsg(st));
		goto out;
	}
	if (rc) {
		status = 500;
		*answer = error("storage", "recording the heartbeat of %s: %s",
				id, store_errmsg(st));
		goto out;
	}
	if (store_display_screenshot_wanted(st, id, &wanted)) {
		status = 500;
		*answer = error("storage", "reading the screenshot request of "
				"%s: %s", id, store_errmsg(st));
		goto out;
	}
	status = 200;
	*answer = json_pack("{s:s, s:b, s:I, s:b}", "id", id, "registered",
			    registered, "server_time",
			    (json_int_t)d.last_seen, "screenshot_requested",
			    wanted);

out:
	json_decref(o);
	return status;
}

struct listing {
	json_t *list;
	int64_t now, offline_after;
	bool failed;	/* an entry could not be built: out of memory */
};

static int add_display(const struct store_display *d, void *ctx)
{
	struct listing *l = ctx;
	int64_t age = l->now - d->last_seen;
	bool online = age <= l->offline_after;
	json_t *e;

	e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:I, "
		      "s:b, s:s}",
		      "id", d->id, "version", d->version, "slide", d->slide,
		      "address", d->address, "uptime_s",
		      (json_int_t)d->uptime_s, "cache_age_s",
		      d->cache_age_s >= 0 ? json_integer(d->cache_age_s)
					  : json_null(),
		      "first_seen", (json_int_t)d->first_seen, "last_seen",
		      (json_int_t)d->last_seen, "age_s", (json_int_t)age,
		      "beats", (json_int_t)d->beats, "online", online,
		      "state", online ? "online" : "offline");
	if (!e || json_array_append_new(l->list, e)) {
		l->failed = true;
		return 1;
	}
	return 0;
}

static int offline_after(struct MHD_Connection *conn, int64_t *out,
			 json_t **answer)
{
	const char *s = MHD_lookup_connection_value(
	    conn, MHD_GET_ARGUMENT_KIND, "offline_after");
	long long v;
	char *end;

	*out = API_DISPLAYS_OFFLINE_S;
	if (!s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > OFFLINE_AFTER_MAX) {
		*answer = error("bad_parameter", "offline_after '%.64s' is not "
				"a whole number of seconds from 1 to %d",
				s, OFFLINE_AFTER_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

int api_displays_list(struct store *st, struct MHD_Connection *conn,
		      json_t **answer)
{
	struct listing l = {0};
	int status = 400;

	*answer = NULL;
	if (offline_after(conn, &l.offline_after, answer))
		goto out;
	l.now = (int64_t)time(NULL);
	l.list = json_array();
	if (!l.list) {
		status = 500;
		goto out;
	}
	if (store_displays_each(st, add_display, &l)) {
		status = 500;
		*answer = error("storage", "listing displays: %s",
				store_errmsg(st));
		goto out;
	}
	if (l.failed) {
		status = 500;
		goto out;
	}
	status = 200;
	*answer = json_pack("{s:I, s:I, s:O}", "server_time",
			    (json_int_t)l.now, "offline_after_s",
			    (json_int_t)l.offline_after, "displays", l.list);

out:
	json_decref(l.list);
	return status;
}

/* --- screenshots --------------------------------------------------------- */

int api_displays_shot_put(struct store *st, const char *id,
			  int64_t device_id, const char *body, size_t len,
			  json_t **answer)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G',
					     '\r', '\n', 0x1a, '\n'};
	int64_t now = (int64_t)time(NULL);
	int status;

	*answer = NULL;
	status = check_id(id, "bad_png", answer);
	if (!status)
		status = check_device(st, id, device_id, answer);
	if (status)
		return status;
	if (len > API_DISPLAYS_SHOT_MAX) {
		*answer = error("body_too_large", "a screenshot is %zu bytes "
				"at most; this one is %zu",
				API_DISPLAYS_SHOT_MAX, len);
		return 413;
	}
	/* Checked so that what GET serves as image/png is one. */
	if (len < sizeof sig + 25 || memcmp(body, sig, sizeof sig) ||
	    memcmp(body + 12, "IHDR", 4)) {
		*answer = error("bad_png", "the body is no PNG image (%zu "
				"bytes without a PNG signature and header)",
				len);
		return 400;
	}
	if (store_display_screenshot_put(st, id, now, body, len)) {
		*answer = error("storage", "storing the screenshot of %s: %s",
				id, store_errmsg(st));
		return 500;
	}
	*answer = json_pack("{s:s, s:I, s:I}", "id", id, "taken",
			    (json_int_t)now, "bytes", (json_int_t)len);
	return 200;
}

int api_displays_shot_get(struct store *st, const char *id,
			  struct MHD_Response **png, json_t **answer)
{
	struct MHD_Response *r;
	void *data = NULL;
	int64_t taken = 0;
	size_t len = 0;
	char stamp[32];
	int rc;

	*png = NULL;
	*answer = NULL;
	rc = store_display_screenshot_get(st, id, &taken, &data, &len);
	if (rc == STORE_NOT_FOUND) {
		*answer = error("no_screenshot", "%s", store_errmsg(st));
		return 404;
	}
	if (rc) {
		*answer = error("storage", "reading the screenshot of %.64s: "
				"%s", id, store_errmsg(st));
		return 500;
	}
	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		*answer = error("internal", "out of memory for a screenshot");
		return 500;
	}
	snprintf(stamp, sizeof stamp, "%lld", (long long)taken);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "image/png");
	MHD_add_response_header(r, "X-Akari-Taken", stamp);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	*png = r;
	return 200;
}

int api_displays_shot_request(struct store *st, const char *id,
			      json_t **answer)
{
	int rc = store_display_screenshot_request(st, id);

	*answer = NULL;
	if (rc == STORE_NOT_FOUND) {
		*answer = error("unknown_display", "%s", store_errmsg(st));
		return 404;
	}
	if (rc) {
		*answer = error("storage", "asking %.64s for a screenshot: %s",
				id, store_errmsg(st));
		return 500;
	}
	*answer = json_pack("{s:s, s:b}", "id", id, "screenshot_requested",
			    1);
	return 200;
}

/* --- proof of play ------------------------------------------------------- */

static int parse_play(json_t *e, size_t i, struct store_play *p,
		      json_t **answer)
{
	json_t *slide = json_object_get(e, "slide");
	json_t *start = json_object_get(e, "start");
	json_t *secs = json_object_get(e, "seconds");

	if (!json_is_object(e) || !json_is_string(slide) ||
	    !json_string_length(slide) ||
	    json_string_length(slide) >= sizeof p->slide ||
	    !json_is_integer(start) || json_integer_value(start) < 0 ||
	    !json_is_number(secs) || !(json_number_value(secs) >= 0)) {
		*answer = error("bad_plays", "play %zu must be {\"slide\": a "
				"name of 1 to %zu bytes, \"start\": Unix "
				"seconds, \"seconds\": a number >= 0}", i,
				sizeof p->slide - 1);
		return -1;
	}
	memcpy(p->slide, json_string_value(slide),
	       json_string_length(slide) + 1);
	p->start = json_integer_value(start);
	p->seconds = json_number_value(secs);
	return 0;
}

int api_displays_plays_put(struct store *st, const char *id,
			   int64_t device_id, const char *body, size_t len,
			   json_t **answer)
{
	struct store_play *plays = NULL;
	json_error_t jerr;
	json_t *o = NULL, *list;
	size_t n = 0, added = 0;
	int status, rc;

	*answer = NULL;
	status = check_id(id, "bad_plays", answer);
	if (!status)
		status = check_device(st, id, device_id, answer);
	if (status)
		goto out;
	status = 400;
	o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	list = json_object_get(o, "plays");
	if (!o) {
		*answer = json_error(body, len, &jerr);
		goto out;
	}
	if (!json_is_array(list) || json_array_size(list) >
					API_DISPLAYS_PLAYS_MAX) {
		*answer = error("bad_plays", "the body must be {\"plays\": "
				"[...]} with at most %d plays",
				API_DISPLAYS_PLAYS_MAX);
		goto out;
	}
	n = json_array_size(list);
	plays = calloc(n + 1, sizeof *plays);
	if (!plays) {
		status = 500;
		*answer = error("internal", "out of memory for %zu plays", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (parse_play(json_array_get(list, i), i, &plays[i], answer))
			goto out;

	rc = store_display_plays_add(st, id, plays, n, &added);
	if (rc == STORE_INVALID) {
		*answer = error("bad_plays", "%s", store_errmsg(st));
		goto out;
	}
	if (rc) {
		status = 500;
		*answer = error("storage", "recording the plays of %s: %s", id,
				store_errmsg(st));
		goto out;
	}
	status = 200;
	*answer = json_pack("{s:s, s:I, s:I}", "id", id, "received",
			    (json_int_t)n, "added", (json_int_t)added);

out:
	free(plays);
	json_decref(o);
	return status;
}

struct play_list {
	json_t *list;
	bool failed, full;
};

static int add_play(const struct store_play *p, void *ctx)
{
	struct play_list *l = ctx;
	json_t *e;

	if (json_array_size(l->list) >= API_DISPLAYS_PLAYS_MAX) {
		l->full = true;
		return 1;
	}
	e = json_pack("{s:s, s:I, s:f}", "slide", p->slide, "start",
		      (json_int_t)p->start, "seconds", p->seconds);
	if (!e || json_array_append_new(l->list, e)) {
		l->failed = true;
		return 1;
	}
	return 0;
}

static int range_end(struct MHD_Connection *conn, const char *name,
		     int64_t *out, json_t **answer)
{
	const char *s = MHD_lookup_connection_value(
	    conn, MHD_GET_ARGUMENT_KIND, name);
	char buf[64], *sp;

	if (!s) {
		*answer = error("missing_parameter", "parameter '%s' is "
				"required (RFC 3339 or Unix seconds)", name);
		return -1;
	}
	/* A '+' of an offset sent without %2B arrives as a space. */
	snprintf(buf, sizeof buf, "%s", s);
	sp = strrchr(buf, ' ');
	if (sp)
		*sp = '+';
	if (strlen(s) >= sizeof buf || core_time_parse(buf, out)) {
		*answer = error("bad_parameter", "parameter '%s' = '%.64s' is "
				"no time (RFC 3339 or Unix seconds)", name, s);
		return -1;
	}
	return 0;
}

int api_displays_plays_get(struct store *st, const char *id,
			   struct MHD_Connection *conn, json_t **answer)
{
	struct play_list l = {0};
	int64_t from, to;
	int status = 400;

	*answer = NULL;
	if (check_id(id, "bad_parameter", answer) ||
	    range_end(conn, "from", &from, answer) ||
	    range_end(conn, "to", &to, answer))
		goto out;
	if (from >= to) {
		*answer = error("bad_parameter", "'from' must come before "
				"'to'");
		goto out;
	}
	l.list = json_array();
	if (!l.list ||
	    store_display_plays_each(st, id, from, to, add_play, &l) ||
	    l.failed) {
		status = 500;
		*answer = error("storage", "listing the plays of %s: %s", id,
				l.list ? store_errmsg(st) : "out of memory");
		goto out;
	}
	if (l.full) {
		*answer = error("too_many_plays", "%s showed more than %d "
				"slides between 'from' and 'to'; ask for a "
				"shorter range", id, API_DISPLAYS_PLAYS_MAX);
		goto out;
	}
	status = 200;
	*answer = json_pack("{s:s, s:I, s:I, s:O}", "display", id, "from",
			    (json_int_t)from, "to", (json_int_t)to, "plays",
			    l.list);

out:
	json_decref(l.list);
	return status;
}

int api_displays_handle(struct store *st, enum api_displays_what what,
			bool get, const char *id, int64_t device_id,
			struct MHD_Connection *conn, const char *body,
			size_t len, struct MHD_Response **raw,
			json_t **answer)
{
	*raw = NULL;
	switch (what) {
	case API_DISPLAYS_SHOT:
		return get ? api_displays_shot_get(st, id, raw, answer)
			   : api_displays_shot_put(st, id, device_id, body,
						   len, answer);
	case API_DISPLAYS_PLAYS:
		return get ? api_displays_plays_get(st, id, conn, answer)
			   : api_displays_plays_put(st, id, device_id, body,
						    len, answer);
	case API_DISPLAYS_SHOT_REQUEST:
		break;
	}
	return api_displays_shot_request(st, id, answer);
}
