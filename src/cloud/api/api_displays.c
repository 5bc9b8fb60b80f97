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

#include "cloud/store/store_displays.h"

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

int api_displays_beat(struct store *st, const char *id, const char *client,
		      const char *body, size_t len, json_t **answer)
{
	struct store_display d = {0};
	json_error_t jerr;
	json_t *o = NULL;
	bool registered = false;
	int status = 400, rc;

	*answer = NULL;
	if (!store_display_id_ok(id)) {
		*answer = error("bad_heartbeat", "the display id must be 1 "
				"to %d of A-Z a-z 0-9 . _ -",
				STORE_DISPLAY_ID_MAX);
		goto out;
	}
	o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		*answer = o ? error("bad_json", "the body must be a JSON "
				    "object")
			    : error("bad_json", "body:%d:%d: %s", jerr.line,
				    jerr.column, jerr.text);
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
	status = 200;
	*answer = json_pack("{s:s, s:b, s:I}", "id", id, "registered",
			    registered, "server_time",
			    (json_int_t)d.last_seen);

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
