/*
 * api_registry.c - the registry routes of api_registry.h.
 *
 * A request goes through three steps: its URL names a resource (a
 * collection, an item, or a device's token or secret), its body is read
 * into the fields of a change, each checked and named when wrong, and
 * one store call makes the change in one transaction.  Store codes map
 * onto HTTP statuses in one place, answer_store().
 */
#include "cloud/api/api_registry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "cloud/api/api_http.h"
#include "cloud/ingest/ingest_json.h"
#include "cloud/units/units.h"
#include "cloud/store/store_registry.h"
#include "core/timeutil.h"

#define PREFIX "/api/v1"

enum resource {
	RES_NONE,
	RES_SITES,	/* /sites */
	RES_SITE,	/* /sites/NAME */
	RES_DEVICES,	/* /devices */
	RES_DEVICE,	/* /devices/SITE/NAME */
	RES_TOKEN,	/* /devices/SITE/NAME/token */
	RES_SECRET,	/* /devices/SITE/NAME/secret */
	RES_POINTS,	/* /points */
	RES_POINT,	/* /points/KEY */
};

/* A parsed URL: the resource and the names in it (owned). */
struct target {
	enum resource res;
	char *name;	/* site name, device name or point key */
	char *site;	/* the device's site */
};

/* One request being answered. */
struct call {
	struct store *st;
	struct api_auth *auth;
	struct MHD_Connection *conn;
	const char *method;
	struct target t;
	json_t *body;	/* the parsed body of POST and PATCH */
	json_t *out;
	const char *allow;
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static bool parse_target(const char *url, struct target *t)
{
	const char *rest, *slash;
	size_t n;

	memset(t, 0, sizeof *t);
	if (strncmp(url, PREFIX "/", strlen(PREFIX) + 1))
		return false;
	url += strlen(PREFIX);

	if (!strcmp(url, "/sites")) {
		t->res = RES_SITES;
	} else if (!strncmp(url, "/sites/", 7) && url[7] &&
		   !has_suffix(url, "/summary")) {
		t->res = RES_SITE;
		t->name = g_strdup(url + 7);
	} else if (!strcmp(url, "/points")) {
		t->res = RES_POINTS;
	} else if (!strncmp(url, "/points/", 8) && url[8] &&
		   !has_suffix(url, "/readings") &&
		   !has_suffix(url, "/aggregate")) {
		t->res = RES_POINT;
		t->name = g_strdup(url + 8);
	} else if (!strcmp(url, "/devices")) {
		t->res = RES_DEVICES;
	} else if (!strncmp(url, "/devices/", 9)) {
		/* SITE/NAME[/token|/secret]: a site name holds no '/' here. */
		rest = url + 9;
		slash = strchr(rest, '/');
		if (!slash || slash == rest || !slash[1])
			return false;
		t->site = g_strndup(rest, (gsize)(slash - rest));
		rest = slash + 1;
		t->res = RES_DEVICE;
		n = strlen(rest);
		if (has_suffix(rest, "/token")) {
			t->res = RES_TOKEN;
			n -= strlen("/token");
		} else if (has_suffix(rest, "/secret")) {
			t->res = RES_SECRET;
			n -= strlen("/secret");
		}
		t->name = g_strndup(rest, n);
	}
	return t->res != RES_NONE;
}

static void target_finish(struct target *t)
{
	g_free(t->name);
	g_free(t->site);
}

bool api_registry_route(const char *url)
{
	struct target t;
	bool ok = parse_target(url, &t);

	target_finish(&t);
	return ok;
}

static bool is_get(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

bool api_registry_needs_admin(const char *method, const char *url)
{
	struct target t;
	bool devices;

	if (!is_get(method))
		return true;
	parse_target(url, &t);
	devices = t.res >= RES_DEVICES && t.res <= RES_SECRET;
	target_finish(&t);
	return devices;
}

/* --- answers ------------------------------------------------------------- */

static int fail(struct call *c, int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct call *c, int status, const char *code,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	json_decref(c->out);
	c->out = api_error_vbody(code, fmt, ap);
	va_end(ap);
	return status;
}

/*
 * A store failure as an answer.  A name in the URL that is not there is
 * a 404; one in the body (ref true: a site or parent named by a field)
 * is the request's fault, a 400.
 */
static int answer_store(struct call *c, int rc, bool ref)
{
	const char *msg = store_errmsg(c->st);

	switch (rc) {
	case STORE_NOT_FOUND:
		return ref ? fail(c, 400, "unknown_reference", "%s", msg)
			   : fail(c, 404, "not_found", "%s", msg);
	case STORE_INVALID:
		return fail(c, 400, "bad_field", "%s", msg);
	case STORE_EXISTS:
		return fail(c, 409, "exists", "%s", msg);
	case STORE_CONFLICT:
		return fail(c, 409, "conflict", "%s", msg);
	default:
		return fail(c, 500, "storage", "%s", msg);
	}
}

static int method_not_allowed(struct call *c, const char *allow)
{
	c->allow = allow;
	return fail(c, 405, "method_not_allowed", "this URL takes %s, not %s",
		    allow, c->method);
}

static json_t *time_json(int64_t t)
{
	GTimeZone *utc;
	char buf[40];

	if (!t)
		return json_null();
	utc = g_time_zone_new_utc();
	core_time_format(t, utc, buf, sizeof buf);
	g_time_zone_unref(utc);
	return json_string(buf);
}

static json_t *site_json(const struct store_site_info *s)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name",
			 s->site.name, "kind", s->site.kind, "tz", s->site.tz,
			 "parent",
			 *s->parent ? json_string(s->parent) : json_null(),
			 "created", time_json(s->created), "retired",
			 time_json(s->retired));
}

static json_t *limit_json(double v)
{
	return v > 0 ? json_real(v) : json_null();
}

static json_t *device_json(struct call *c, const struct store_device *d)
{
	int64_t seen = api_auth_last_seen(c->auth, d->id, d->last_seen);
	bool online = !d->retired &&
		      api_auth_online(c->auth, seen, (int64_t)time(NULL));

	return json_pack(
	    "{s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:o, s:o, s:o, s:s}",
	    "site", d->site, "name", d->name, "kind", d->kind, "created",
	    time_json(d->created), "retired", time_json(d->retired),
	    "token_revoked", d->token_revoked != 0, "signing", d->signing,
	    "rate_per_s", limit_json(d->rate_per_s), "burst",
	    d->burst > 0 ? json_integer(d->burst) : json_null(), "max_body",
	    d->max_body > 0 ? json_integer(d->max_body) : json_null(),
	    "last_seen", time_json(seen), "state",
	    online ? "online" : "offline");
}

static json_t *point_json(const struct store_point_info *p)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o}", "key",
			 p->point.key, "site", p->point.site, "quantity",
			 p->point.quantity, "unit", p->point.unit, "kind",
			 store_kind_name(p->point.kind), "step_s",
			 p->point.step_s, "counter_digits",
			 p->point.counter_digits, "retired",
			 time_json(p->retired));
}

/* --- the body ------------------------------------------------------------ */

/* Parses the body as a JSON object and refuses members not in known
 * (NULL-terminated). */
static int read_body(struct call *c, const char *body, size_t len,
		     const char *const *known)
{
	json_error_t jerr;
	const char *key;
	char why[256];
	json_t *v;
	bool ok;

	c->body = len ? json_loadb(body, len, 0, &jerr) : NULL;
	if (!c->body && len &&
	    ingest_json_explain(body, len, &jerr, why, sizeof why))
		return fail(c, 400, "bad_json", "%s", why);
	if (!c->body)
		return len ? fail(c, 400, "bad_json",
				  "the body is not JSON: %s (line %d)",
				  jerr.text, jerr.line)
			   : fail(c, 400, "bad_json",
				  "the body is empty; send a JSON object");
	if (!json_is_object(c->body))
		return fail(c, 400, "bad_json", "the body must be a JSON "
			    "object");
	json_object_foreach(c->body, key, v) {
		ok = false;
		for (size_t i = 0; known[i]; i++)
			ok = ok || !strcmp(key, known[i]);
		if (!ok)
			return fail(c, 400, "bad_field",
				    "unknown field '%.64s'", key);
	}
	return 0;
}

/* A string field: *out NULL when absent (and not required). */
static int text_field(struct call *c, const char *key, bool required,
		      const char **out)
{
	json_t *v = json_object_get(c->body, key);

	*out = NULL;
	if (!v && !required)
		return 0;
	if (!json_is_string(v))
		return fail(c, 400, "bad_field",
			    "field '%s' %s a string", key,
			    v ? "must be" : "is required:");
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return fail(c, 400, "bad_field", "field '%s' holds a NUL "
			    "character", key);
	return 0;
}

/* A whole number field in [0, max]; null means 0 (the default). */
static int int_field(struct call *c, const char *key, int64_t max,
		     bool *set, int64_t *out)
{
	json_t *v = json_object_get(c->body, key);

	*set = v != NULL;
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return fail(c, 400, "bad_field",
			    "field '%s' must be a whole number from 0 to "
			    "%lld",
			    key, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

static int kind_field(struct call *c, const char **text,
		      enum store_point_kind *kind)
{
	if (text_field(c, "kind", false, text))
		return -1;
	if (*text && store_kind_parse(*text, kind))
		return fail(c, 400, "bad_field",
			    "field 'kind': '%.32s' is not instantaneous, "
			    "counter or state",
			    *text);
	return 0;
}

static bool want_retired(struct call *c)
{
	const char *v = MHD_lookup_connection_value(
	    c->conn, MHD_GET_ARGUMENT_KIND, "retired");

	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

static const char *site_param(struct call *c)
{
	return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND,
					   "site");
}

/* --- sites --------------------------------------------------------------- */

static int add_site_json(const struct store_site_info *s, void *ctx)
{
	return json_array_append_new(ctx, site_json(s));
}

static int answer_site(struct call *c, int status, const char *name)
{
	struct store_site_info s;
	int rc = store_site_info_get(c->st, name, &s);

	if (rc)
		return answer_store(c, rc, false);
	c->out = site_json(&s);
	return status;
}

static int do_sites(struct call *c, const char *body, size_t len)
{
	static const char *const known[] = {"name", "kind", "tz", "parent",
					    NULL};
	const char *name, *kind, *tz, *parent;
	json_t *list;
	int rc;

	if (is_get(c->method)) {
		list = json_array();
		rc = store_sites_list(c->st, want_retired(c), add_site_json,
				      list);
		if (rc) {
			json_decref(list);
			return answer_store(c, rc, false);
		}
		c->out = json_pack("{s:o}", "sites", list);
		return 200;
	}
	if (strcmp(c->method, "POST"))
		return method_not_allowed(c, "GET, HEAD, POST");

	if ((rc = read_body(c, body, len, known)) ||
	    (rc = text_field(c, "name", true, &name)) ||
	    (rc = text_field(c, "kind", true, &kind)) ||
	    (rc = text_field(c, "tz", true, &tz)))
		return rc;
	if (json_is_null(json_object_get(c->body, "parent")))
		parent = NULL;
	else if ((rc = text_field(c, "parent", false, &parent)))
		return rc;
	rc = store_site_add(c->st, name, kind, tz, parent);
	if (rc)
		return answer_store(c, rc, true);
	return answer_site(c, 201, name);
}

static int do_site(struct call *c, const char *body, size_t len)
{
	static const char *const known[] = {"name", "kind", "tz", "parent",
					    NULL};
	struct store_site_change ch = {0};
	int rc;

	if (is_get(c->method))
		return answer_site(c, 200, c->t.name);
	if (!strcmp(c->method, "DELETE")) {
		rc = store_site_retire(c->st, c->t.name);
		return rc ? answer_store(c, rc, false)
			  : answer_site(c, 200, c->t.name);
	}
	if (strcmp(c->method, "PATCH"))
		return method_not_allowed(c, "GET, HEAD, PATCH, DELETE");

	if ((rc = read_body(c, body, len, known)) ||
	    (rc = text_field(c, "name", false, &ch.name)) ||
	    (rc = text_field(c, "kind", false, &ch.kind)) ||
	    (rc = text_field(c, "tz", false, &ch.tz)))
		return rc;
	if (json_is_null(json_object_get(c->body, "parent")))
		ch.parent = "";
	else if ((rc = text_field(c, "parent", false, &ch.parent)))
		return rc;
	if (!json_object_size(c->body))
		return fail(c, 400, "bad_field", "nothing to change: send "
			    "name, kind, tz or parent");
	rc = store_site_change(c->st, c->t.name, &ch);
	if (rc)
		return answer_store(c, rc, rc == STORE_NOT_FOUND &&
						   strstr(store_errmsg(c->st),
							  "parent:"));
	return answer_site(c, 200, ch.name ? ch.name : c->t.name);
}

/* --- devices ------------------------------------------------------------- */

struct device_list {
	struct call *c;
	json_t *list;
};

static int add_device_json(const struct store_device *d, void *ctx)
{
	struct device_list *l = ctx;

	return json_array_append_new(l->list, device_json(l->c, d));
}

static int answer_device(struct call *c, int status, const char *site,
			 const char *name, const char *key, const char *secret)
{
	struct store_device d;
	int rc = store_device_get(c->st, site, name, &d);

	if (rc)
		return answer_store(c, rc, false);
	c->out = device_json(c, &d);
	if (key && c->out)
		json_object_set_new(c->out, key, json_string(secret));
	return status;
}

static int do_devices(struct call *c, const char *body, size_t len)
{
	static const char *const known[] = {"site", "name", "kind", NULL};
	struct device_list l = {c, NULL};
	char token[STORE_TOKEN_LEN + 1];
	const char *site, *name, *kind;
	int rc;

	if (is_get(c->method)) {
		l.list = json_array();
		rc = store_devices_list(c->st, site_param(c), want_retired(c),
					add_device_json, &l);
		if (rc) {
			json_decref(l.list);
			return answer_store(c, rc, true);
		}
		c->out = json_pack("{s:o}", "devices", l.list);
		return 200;
	}
	if (strcmp(c->method, "POST"))
		return method_not_allowed(c, "GET, HEAD, POST");

	if ((rc = read_body(c, body, len, known)) ||
	    (rc = text_field(c, "site", true, &site)) ||
	    (rc = text_field(c, "name", true, &name)) ||
	    (rc = text_field(c, "kind", false, &kind)))
		return rc;
	rc = store_device_add(c->st, site, name, kind ? kind : "meter", token,
			      sizeof token);
	if (rc)
		return answer_store(c, rc, true);
	rc = answer_device(c, 201, site, name, "token", token);
	memset(token, 0, sizeof token);
	return rc;
}

static int do_device(struct call *c, const char *body, size_t len)
{
	static const char *const known[] = {"name", "kind", "rate_per_s",
					    "burst", "max_body", NULL};
	struct store_device_change ch = {0};
	int64_t burst, max_body;
	bool has_burst, has_max;
	double rate;
	json_t *v;
	int rc;

	if (is_get(c->method))
		return answer_device(c, 200, c->t.site, c->t.name, NULL,
				     NULL);
	if (!strcmp(c->method, "DELETE")) {
		rc = store_device_retire(c->st, c->t.site, c->t.name);
		return rc ? answer_store(c, rc, false)
			  : answer_device(c, 200, c->t.site, c->t.name, NULL,
					  NULL);
	}
	if (strcmp(c->method, "PATCH"))
		return method_not_allowed(c, "GET, HEAD, PATCH, DELETE");

	if ((rc = read_body(c, body, len, known)) ||
	    (rc = text_field(c, "name", false, &ch.name)) ||
	    (rc = text_field(c, "kind", false, &ch.kind)) ||
	    (rc = int_field(c, "burst", 1000000, &has_burst, &burst)) ||
	    (rc = int_field(c, "max_body", INT64_MAX, &has_max, &max_body)))
		return rc;
	v = json_object_get(c->body, "rate_per_s");
	if (v) {
		rate = json_is_null(v) ? 0 : json_number_value(v);
		if ((!json_is_null(v) && !json_is_number(v)) ||
		    !(rate >= 0 && rate <= 1e6))
			return fail(c, 400, "bad_field",
				    "field 'rate_per_s' must be a number from "
				    "0 to 1000000 (0 or null: the server's "
				    "default)");
		ch.rate_per_s = &rate;
	}
	if (has_burst)
		ch.burst = &burst;
	if (has_max)
		ch.max_body = &max_body;
	if (!json_object_size(c->body))
		return fail(c, 400, "bad_field", "nothing to change: send "
			    "name, kind, rate_per_s, burst or max_body");
	rc = store_device_change(c->st, c->t.site, c->t.name, &ch);
	if (rc)
		return answer_store(c, rc, false);
	return answer_device(c, 200, c->t.site, ch.name ? ch.name : c->t.name,
			     NULL, NULL);
}

/* POST makes a new token or secret (shown once), DELETE ends it. */
static int do_credential(struct call *c)
{
	char secret[STORE_TOKEN_LEN + 1];
	bool token = c->t.res == RES_TOKEN;
	int rc;

	if (!strcmp(c->method, "POST")) {
		rc = token ? store_device_token_rotate(c->st, c->t.site,
						       c->t.name, secret,
						       sizeof secret)
			   : store_device_secret_new(c->st, c->t.site,
						     c->t.name, secret,
						     sizeof secret);
		if (rc)
			return answer_store(c, rc, false);
		rc = answer_device(c, 200, c->t.site, c->t.name,
				   token ? "token" : "secret", secret);
		memset(secret, 0, sizeof secret);
		return rc;
	}
	if (!strcmp(c->method, "DELETE")) {
		rc = token ? store_device_token_revoke(c->st, c->t.site,
						       c->t.name)
			   : store_device_secret_clear(c->st, c->t.site,
						       c->t.name);
		return rc ? answer_store(c, rc, false)
			  : answer_device(c, 200, c->t.site, c->t.name, NULL,
					  NULL);
	}
	return method_not_allowed(c, "POST, DELETE");
}

/* --- points -------------------------------------------------------------- */

static int add_point_json(const struct store_point_info *p, void *ctx)
{
	return json_array_append_new(ctx, point_json(p));
}

static int answer_point(struct call *c, int status, const char *key)
{
	struct store_point_info p;
	int rc = store_point_info_get(c->st, key, &p);

	if (rc)
		return answer_store(c, rc, false);
	c->out = point_json(&p);
	return status;
}

/* Copies a field into a fixed buffer of the point, or names it. */
static int copy_field(struct call *c, const char *key, const char *v,
		      char *dst, size_t len)
{
	if (strlen(v) >= len)
		return fail(c, 400, "bad_field",
			    "field '%s' is longer than %zu bytes", key,
			    len - 1);
	strcpy(dst, v);
	return 0;
}

/* Refuses a quantity and unit the unit table does not pair, so that a
 * point nobody can send readings to is never made. */
static int check_units(struct call *c, const char *quantity,
		       const char *unit)
{
	const char *field = "";
	char msg[512];

	if (units_check_point(quantity, unit, &field, msg, sizeof msg))
		return fail(c, 400, "bad_field", "field '%s': %s", field, msg);
	return 0;
}

static int do_points(struct call *c, const char *body, size_t len)
{
	static const char *const known[] = {"key", "site", "quantity",
					    "unit", "kind", "step_s",
					    "counter_digits", NULL};
	const char *key, *site, *quantity, *unit, *kind;
	struct store_point p = {0};
	int64_t step, digits;
	bool has_step, has_digits;
	json_t *list;
	int rc;

	if (is_get(c->method)) {
		list = json_array();
		rc = store_points_list(c->st, site_param(c), want_retired(c),
				       add_point_json, list);
		if (rc) {
			json_decref(list);
			return answer_store(c, rc, true);
		}
		c->out = json_pack("{s:o}", "points", list);
		return 200;
	}
	if (strcmp(c->method, "POST"))
		return method_not_allowed(c, "GET, HEAD, POST");

	p.kind = STORE_INSTANTANEOUS;
	if ((rc = read_body(c, body, len, known)) ||
	    (rc = text_field(c, "key", true, &key)) ||
	    (rc = text_field(c, "site", true, &site)) ||
	    (rc = text_field(c, "quantity", true, &quantity)) ||
	    (rc = text_field(c, "unit", true, &unit)) ||
	    (rc = kind_field(c, &kind, &p.kind)) ||
	    (rc = int_field(c, "step_s", 31 * 86400, &has_step, &step)) ||
	    (rc = int_field(c, "counter_digits", STORE_COUNTER_DIGITS_MAX,
			    &has_digits, &digits)) ||
	    (rc = copy_field(c, "key", key, p.key, sizeof p.key)) ||
	    (rc = copy_field(c, "site", site, p.site, sizeof p.site)) ||
	    (rc = copy_field(c, "quantity", quantity, p.quantity,
			     sizeof p.quantity)) ||
	    (rc = copy_field(c, "unit", unit, p.unit, sizeof p.unit)) ||
	    (rc = check_units(c, quantity, unit)))
		return rc;
	p.step_s = (int)step;
	p.counter_digits = (int)digits;
	rc = store_point_add(c->st, &p);
	if (rc)
		return answer_store(c, rc, true);
	return answer_point(c, 201, key);
}

/*
 * The pair a PATCH leaves, checked against the unit table inside the
 * change's transaction (store_point_change()).  A point stored before
 * units were checked keeps serving and can change its kind or step as
 * it is.  When the half at fault is the point's own, the message still
 * starts with the field the request sent.
 */
static int patch_units(const struct store_point *now,
		       const struct store_point_change *ch, void *ctx,
		       char *msg, size_t len)
{
	const char *quantity = ch->quantity ? ch->quantity : now->quantity;
	const char *unit = ch->unit ? ch->unit : now->unit;
	const char *field = "", *sent;
	char why[400];

	(void)ctx;
	if (!ch->quantity && !ch->unit)
		return 0;
	if (!units_check_point(quantity, unit, &field, why, sizeof why))
		return 0;
	sent = !strcmp(field, "unit") ? ch->unit : ch->quantity;
	if (sent) {
		snprintf(msg, len, "field '%s': %s", field, why);
	} else if (ch->unit) {
		snprintf(msg, len, "field 'unit': unit \"%s\" does not fit "
			 "the point's quantity \"%s\" (send quantity too): "
			 "%s", ch->unit, now->quantity, why);
	} else {
		snprintf(msg, len, "field 'quantity': quantity \"%s\" does "
			 "not fit the point's unit \"%s\" (send unit too): "
			 "%s", ch->quantity, now->unit, why);
	}
	return 1;
}

static int do_point(struct call *c, const char *body, size_t len)
{
	static const char *const known[] = {"quantity", "unit", "kind",
					    "step_s", NULL};
	struct store_point_change ch = {.check = patch_units};
	enum store_point_kind kind;
	const char *kind_text;
	int64_t step;
	bool has_step;
	int step_s;
	int rc;

	if (is_get(c->method))
		return answer_point(c, 200, c->t.name);
	if (!strcmp(c->method, "DELETE")) {
		rc = store_point_retire(c->st, c->t.name);
		return rc ? answer_store(c, rc, false)
			  : answer_point(c, 200, c->t.name);
	}
	if (strcmp(c->method, "PATCH"))
		return method_not_allowed(c, "GET, HEAD, PATCH, DELETE");

	if ((rc = read_body(c, body, len, known)) ||
	    (rc = text_field(c, "quantity", false, &ch.quantity)) ||
	    (rc = text_field(c, "unit", false, &ch.unit)) ||
	    (rc = kind_field(c, &kind_text, &kind)) ||
	    (rc = int_field(c, "step_s", 31 * 86400, &has_step, &step)))
		return rc;
	if (kind_text)
		ch.kind = &kind;
	step_s = (int)step;
	if (has_step)
		ch.step_s = &step_s;
	if (!json_object_size(c->body))
		return fail(c, 400, "bad_field", "nothing to change: send "
			    "quantity, unit, kind or step_s");
	rc = store_point_change(c->st, c->t.name, &ch);
	if (rc)
		return answer_store(c, rc, false);
	return answer_point(c, 200, c->t.name);
}

int api_registry_handle(struct store *st, struct api_auth *auth,
			struct MHD_Connection *conn, const char *method,
			const char *url, const char *body, size_t len,
			json_t **out, const char **allow)
{
	struct call c = {
	    .st = st, .auth = auth, .conn = conn, .method = method};
	int status = 404;

	if (!parse_target(url, &c.t)) {
		status = fail(&c, 404, "not_found", "no endpoint %.200s", url);
		goto out;
	}
	switch (c.t.res) {
	case RES_SITES:
		status = do_sites(&c, body, len);
		break;
	case RES_SITE:
		status = do_site(&c, body, len);
		break;
	case RES_DEVICES:
		status = do_devices(&c, body, len);
		break;
	case RES_DEVICE:
		status = do_device(&c, body, len);
		break;
	case RES_TOKEN:
	case RES_SECRET:
		status = do_credential(&c);
		break;
	case RES_POINTS:
		status = do_points(&c, body, len);
		break;
	case RES_POINT:
		status = do_point(&c, body, len);
		break;
	case RES_NONE:
		break;
	}

out:
	if (!c.out)
		status = fail(&c, 500, "internal", "out of memory");
	target_finish(&c.t);
	json_decref(c.body);
	*out = c.out;
	*allow = c.allow;
	return status;
}
