/*
 * api_fiap_write.c - IEEE 1888 WRITE: the values of a dataRQ become one
 * ingest batch.
 *
 * The transport's body holds points, directly or in nested pointSets;
 * each point's values carry a time and a string.  A message that breaks
 * the schema (a stray element, a point without id) is refused whole and
 * nothing of it is stored.  Otherwise every value is judged alone, as
 * ingest judges a JSON row: the good ones are stored in one transaction,
 * and the header's error lists the refused ones.  Sending the same
 * message again is harmless: a (point, time) holds one value.
 */
#include "cloud/api/api_fiap_internal.h"

#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Refused values listed in the error; the rest are only counted. */
#define MAX_LISTED 20

/* Why a value was not stored: the error type it stands for. */
enum refusal_kind {
	REFUSED_UNKNOWN,	/* POINT_NOT_FOUND */
	REFUSED_FOREIGN,	/* FORBIDDEN */
	REFUSED_NO_TIME,	/* VALUE_TIME_NOT_SPECIFIED */
	REFUSED_INVALID,	/* INVALID_REQUEST */
};

/* Where a row of the batch came from. */
struct origin {
	char *id;		/* the point ID, owned */
	long line;		/* of the value element */
};

struct write_ctx {
	const struct api_fiap_env *env;
	json_t *rows;
	GArray *origins;	/* struct origin per row */
	GString *listed;	/* the first refusals, one a line */
	size_t refused;
	size_t count[4];	/* refusals by kind */
	GHashTable *kinds;	/* key -> point kind + 1, or -1 */
	const char *error;	/* a whole-message refusal's type */
	char *message;		/* its text, owned */
	int store_rc;		/* a store failure met on the way */
};

static void refuse(struct write_ctx *c, enum refusal_kind k, const char *id,
		   long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void refuse(struct write_ctx *c, enum refusal_kind k, const char *id,
		   long line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	c->refused++;
	c->count[k]++;
	if (c->refused > MAX_LISTED)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_string_append_printf(c->listed, "%sline %ld, point \"%.200s\": %s",
			       c->listed->len ? "\n" : "", line, id, msg);
	g_free(msg);
}

/* Refuses the whole message; the first reason wins. */
static void refuse_all(struct write_ctx *c, const char *type,
		       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void refuse_all(struct write_ctx *c, const char *type,
		       const char *fmt, ...)
{
	va_list ap;

	if (c->error)
		return;
	va_start(ap, fmt);
	c->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	c->error = type;
}

/* A decimal number and nothing else: no hex, inf or nan. */
static bool number_text(const char *s, double *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	size_t int_digits = strspn(p, "0123456789"), frac_digits = 0;

	p += int_digits;
	if (*p == '.') {
		frac_digits = strspn(p + 1, "0123456789");
		p += 1 + frac_digits;
	}
	if (!int_digits && !frac_digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p += 1 + (p[1] == '+' || p[1] == '-');
		if (!strspn(p, "0123456789"))
			return false;
		p += strspn(p, "0123456789");
	}
	if (*p)
		return false;
	*out = g_ascii_strtod(s, NULL);
	return isfinite(*out);
}

/* ON/OFF and true/false, as gateways send states. */
static int state_text(const char *s)
{
	if (!g_ascii_strcasecmp(s, "on") || !g_ascii_strcasecmp(s, "true"))
		return 1;
	if (!g_ascii_strcasecmp(s, "off") || !g_ascii_strcasecmp(s, "false"))
		return 0;
	return -1;
}

/* Whether key is a known point of kind state.  Unknown points are left
 * to ingest, which names them in its own words. */
static int is_state(struct write_ctx *c, const char *key, bool *unknown,
		    bool *state)
{
	gpointer v = g_hash_table_lookup(c->kinds, key);
	struct store_point p;
	int rc;

	if (!v) {
		rc = store_point_get(c->env->st, key, &p);
		if (rc && rc != STORE_NOT_FOUND)
			return rc;
		v = GINT_TO_POINTER(rc ? -1 : (int)p.kind + 1);
		g_hash_table_insert(c->kinds, g_strdup(key), v);
	}
	*unknown = GPOINTER_TO_INT(v) < 0;
	*state = GPOINTER_TO_INT(v) == (int)STORE_STATE + 1;
	return 0;
}

/* The number a value's text stands for.  0, 1 refused, or a store_rc. */
static int value_of(struct write_ctx *c, const char *id, long line,
		    const char *key, const char *text, double *out)
{
	bool unknown = false, state = false;
	int on = state_text(text), rc;

	if (number_text(text, out))
		return 0;
	if (on < 0) {
		refuse(c, REFUSED_INVALID, id, line,
		       "value \"%.64s\" is not a decimal number%s", text,
		       *text ? "" : " (it is empty)");
		return 1;
	}
	rc = is_state(c, key, &unknown, &state);
	if (rc)
		return rc;
	if (!unknown && !state) {
		refuse(c, REFUSED_INVALID, id, line,
		       "value \"%s\" is a state, but point \"%s\" is not a "
		       "state point", text, key);
		return 1;
	}
	*out = on;
	return 0;
}

static void add_row(struct write_ctx *c, const char *id, long line,
		    const char *key, int64_t ts, double v, const char *unit)
{
	json_t *row = json_pack("{s:s, s:I, s:f}", "point", key, "ts",
				(json_int_t)ts, "value", v);
	struct origin o = {g_strdup(id), line};

	if (row && unit)
		json_object_set_new(row, "unit", json_string(unit));
	if (!row || json_array_append_new(c->rows, row))
		c->store_rc = STORE_IO;
	g_array_append_val(c->origins, o);
}

/* One <value> of a point whose key is known. */
static int take_value(struct write_ctx *c, xmlNodePtr v, const char *id,
		      const char *key, const char *unit)
{
	long line = xmlGetLineNo(v);
	char *time = fiap_attr(v, "time");
	xmlChar *raw = xmlNodeGetContent(v);
	char *text = g_strstrip(g_strdup(raw ? (const char *)raw : ""));
	int64_t ts;
	double value;
	bool frac;
	int rc = 0;

	/* xs:dateTime collapses the blanks around it. */
	if (time)
		g_strstrip(time);
	if (!time) {
		refuse(c, REFUSED_NO_TIME, id, line,
		       "the value has no time attribute");
	} else if (fiap_time_parse(time, &ts, &frac)) {
		refuse(c, REFUSED_INVALID, id, line,
		       "time \"%.64s\" is not an ISO 8601 date and time with "
		       "a UTC offset, such as 2026-12-03T09:00:00+09:00",
		       time);
	} else {
		rc = value_of(c, id, line, key, text, &value);
		if (!rc)
			add_row(c, id, line, key, ts, value, unit);
		rc = rc < 0 ? rc : 0;
	}
	g_free(text);
	xmlFree(raw);
	g_free(time);
	return rc;
}

static int take_point(struct write_ctx *c, xmlNodePtr point)
{
	char key[sizeof ((struct store_point *)0)->key];
	char *id = fiap_attr(point, "id");
	const char *unit = NULL;
	char err[320];
	int mapped = 0, rc = 0;

	if (!id) {
		refuse_all(c, FIAP_INVALID_REQUEST, "line %ld: <point> has no "
			   "id attribute", xmlGetLineNo(point));
		return 0;
	}
	g_strstrip(id);		/* xs:anyURI collapses its blanks */
	mapped = api_fiap_map_key(c->env->map, id, key, sizeof key, &unit,
				  err, sizeof err);
	for (xmlNodePtr v = point->children; v && !rc; v = v->next) {
		if (v->type != XML_ELEMENT_NODE)
			continue;
		if (!fiap_is(v, "value")) {
			refuse_all(c, FIAP_INVALID_REQUEST, "line %ld: <point> "
				   "holds <%s>; it takes only <value> of %s",
				   xmlGetLineNo(v), (const char *)v->name,
				   FIAP_NS);
			break;
		}
		if (xmlFirstElementChild(v)) {
			refuse_all(c, FIAP_INVALID_REQUEST, "line %ld: <value> "
				   "holds an element; a value is text",
				   xmlGetLineNo(v));
			break;
		}
		if (mapped < 0)
			refuse(c, REFUSED_UNKNOWN, id, xmlGetLineNo(v), "%s",
			       err);
		else if (mapped > 0)
			rc = take_value(c, v, id, key, unit);
	}
	g_free(id);
	return rc;
}

/* The points of a body or pointSet, and of the pointSets in it. */
static int take_set(struct write_ctx *c, xmlNodePtr set)
{
	int rc = 0;

	for (xmlNodePtr n = set->children; n && !rc && !c->error;
	     n = n->next) {
		char *id;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (fiap_is(n, "point")) {
			rc = take_point(c, n);
			continue;
		}
		if (!fiap_is(n, "pointSet")) {
			refuse_all(c, FIAP_INVALID_REQUEST, "line %ld: <%s> "
				   "holds <%s> of %s; it takes point and "
				   "pointSet of %s", xmlGetLineNo(n),
				   (const char *)set->name,
				   (const char *)n->name,
				   n->ns ? (const char *)n->ns->href
					 : "no namespace", FIAP_NS);
			break;
		}
		id = fiap_attr(n, "id");
		if (!id)
			refuse_all(c, FIAP_INVALID_REQUEST, "line %ld: "
				   "<pointSet> has no id attribute",
				   xmlGetLineNo(n));
		g_free(id);
		rc = take_set(c, n);
	}
	return rc;
}

static enum refusal_kind kind_of(const char *code)
{
	if (code && !strcmp(code, "unknown_point"))
		return REFUSED_UNKNOWN;
	if (code && !strcmp(code, "other_site"))
		return REFUSED_FOREIGN;
	return REFUSED_INVALID;
}

/* Stores the rows; ingest's refusals join the others. */
static int store_rows(struct write_ctx *c, const struct ingest_source *src,
		      size_t *stored)
{
	json_t *batch = json_pack("{s:O}", "readings", c->rows), *entry;
	struct ingest_result res;
	size_t i;
	int rc;

	if (!batch)
		return STORE_IO;
	rc = ingest_batch(c->env->st, src, batch, &res);
	json_decref(batch);
	if (rc || res.status >= 500 || res.status == 400) {
		ingest_result_finish(&res);
		return rc ? rc : STORE_IO;
	}
	*stored = res.accepted;
	json_array_foreach(json_object_get(res.answer, "rejected"), i,
			   entry) {
		size_t idx = (size_t)json_integer_value(
		    json_object_get(entry, "index"));
		const struct origin *o =
		    &g_array_index(c->origins, struct origin, idx);
		const char *msg = json_string_value(
		    json_object_get(entry, "message"));

		refuse(c, kind_of(json_string_value(
			      json_object_get(entry, "error"))),
		       o->id, o->line, "%s", msg ? msg : "refused");
	}
	ingest_result_finish(&res);
	return 0;
}

/* The error type for the refusals: theirs when all agree. */
static const char *refused_type(const struct write_ctx *c)
{
	static const char *const types[] = {
	    FIAP_POINT_NOT_FOUND, FIAP_FORBIDDEN,
	    FIAP_VALUE_TIME_NOT_SPECIFIED, FIAP_INVALID_REQUEST};

	for (size_t k = 0; k < G_N_ELEMENTS(types); k++)
		if (c->count[k] == c->refused)
			return types[k];
	return FIAP_INVALID_REQUEST;
}

void fiap_write(const struct api_fiap_env *env,
		const struct ingest_source *src, xmlNodePtr transport,
		struct fiap_reply *reply)
{
	struct write_ctx c = {
	    .env = env,
	    .rows = json_array(),
	    .origins = g_array_new(FALSE, FALSE, sizeof(struct origin)),
	    .listed = g_string_new(NULL),
	    .kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   NULL),
	};
	xmlNodePtr body = NULL, n;
	size_t stored = 0, nrows;
	int rc = 0;

	/* A dataRQ's transport holds a body; a header, which some clients
	 * send empty, says nothing to a WRITE. */
	for (n = transport->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || fiap_is(n, "header"))
			continue;
		if (fiap_is(n, "body") && !body)
			body = n;
		else
			refuse_all(&c, FIAP_INVALID_REQUEST, "line %ld: a "
				   "dataRQ's transport takes one <body>, not "
				   "<%s>", xmlGetLineNo(n),
				   (const char *)n->name);
	}
	if (!body)
		refuse_all(&c, FIAP_INVALID_REQUEST,
			   "the dataRQ's transport has no <body>");
	if (!c.error)
		rc = take_set(&c, body);

	nrows = json_array_size(c.rows);
	if (!c.error && !rc && nrows > INGEST_MAX_ROWS)
		refuse_all(&c, FIAP_TOO_MANY_VALUES, "the message holds %zu "
			   "values; at most %d are stored in one message",
			   nrows, INGEST_MAX_ROWS);
	if (!rc)
		rc = c.store_rc;
	if (!c.error && !rc && nrows)
		rc = store_rows(&c, src, &stored);

	if (rc)
		fiap_reply_error(reply, FIAP_SERVER_ERROR, "storing the values "
				 "failed, none of them was stored: %s",
				 rc == STORE_IO && c.store_rc
				     ? "out of memory"
				     : store_errmsg(env->st));
	else if (c.error)
		fiap_reply_error(reply, c.error, "nothing was stored: %s",
				 c.message);
	else if (c.refused)
		fiap_reply_error(reply, refused_type(&c),
				 "values: %zu stored, %zu refused; %s%s",
				 stored, c.refused, c.listed->str,
				 c.refused > MAX_LISTED ? "\nand more" : "");
	else
		fiap_reply_ok(reply);
	reply->stored = stored;

	for (guint i = 0; i < c.origins->len; i++)
		g_free(g_array_index(c.origins, struct origin, i).id);
	g_array_free(c.origins, TRUE);
	g_string_free(c.listed, TRUE);
	g_hash_table_destroy(c.kinds);
	g_free(c.message);
	json_decref(c.rows);
}
