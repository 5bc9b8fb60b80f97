/*
 * api_fiap_query.c - IEEE 1888 FETCH: a storage query's keys, answered
 * page by page.
 *
 * Every key names a point and conditions on its values' time (eq, lt,
 * gt, lteq, gteq, and select="maximum" or "minimum" for the newest or
 * the oldest value alone).  The answer walks the keys in order and each
 * key's values in time order, one <point> per key.  A page holds at most
 * acceptableSize values (and API_FIAP_MAX_VALUES); when more remain, the
 * echoed query carries a cursor, and the same query sent again with that
 * cursor goes on where the page stopped.
 *
 * Cursors live in memory for CURSOR_TTL_S: a server restart or an old
 * cursor is answered INVALID_CURSOR, and the client starts over.  A
 * cursor stays good until it expires, so a page lost on the way can be
 * asked for again.
 */
#include "cloud/api/api_fiap_internal.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cloud/units/units.h"
#include "core/timeutil.h"

#define CURSOR_TTL_S 600
#define MAX_CURSORS 4096

/* Nothing akari stores lies outside 1900-01-01 .. 9999-12-31. */
#define TS_MIN INT64_C(-2208988800)
#define TS_MAX INT64_C(253402214400)

/* Where the next page starts. */
struct position {
	size_t key;		/* the key to go on with */
	bool started;		/* some of its values were sent already */
	int64_t after;		/* then: the time of the last one sent */
};

struct cursor {
	char *fingerprint;	/* the keys of the query it belongs to */
	struct position pos;
	gint64 expires;		/* monotonic microseconds */
};

struct api_fiap_cursors {
	GMutex lock;
	GHashTable *table;	/* uuid -> struct cursor */
};

enum select { SELECT_ALL, SELECT_MAX, SELECT_MIN };

struct key {
	xmlNodePtr node;	/* the request's, for the echo */
	char *id;
	struct store_point p;
	const char *unit;	/* the map's, NULL: the point's */
	GTimeZone *tz;
	int64_t lo, hi;		/* inclusive bounds on time */
	enum select select;
};

/* The attributes of a key that the answer echoes and the cursor's
 * fingerprint covers. */
static const char *const key_attrs[] = {
    "id", "attrName", "eq", "neq", "lt", "gt", "lteq", "gteq", "select",
    "trap",
};

static const char *const query_attrs[] = {
    "id", "type", "ttl", "acceptableSize", "callbackData", "callbackControl",
};

/* --- cursors ------------------------------------------------------------ */

static void cursor_free(gpointer p)
{
	struct cursor *c = p;

	g_free(c->fingerprint);
	g_free(c);
}

struct api_fiap_cursors *fiap_cursors_new(void)
{
	struct api_fiap_cursors *c = g_new0(struct api_fiap_cursors, 1);

	g_mutex_init(&c->lock);
	c->table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 cursor_free);
	return c;
}

void fiap_cursors_free(struct api_fiap_cursors *c)
{
	if (!c)
		return;
	g_hash_table_destroy(c->table);
	g_mutex_clear(&c->lock);
	g_free(c);
}

/* Drops expired cursors, and the one closest to expiry when full. */
static void cursors_prune(struct api_fiap_cursors *c, gint64 now)
{
	GHashTableIter it;
	gpointer k, v, oldest = NULL;
	gint64 first = G_MAXINT64;

	g_hash_table_iter_init(&it, c->table);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct cursor *cur = v;

		if (cur->expires <= now) {
			g_hash_table_iter_remove(&it);
		} else if (cur->expires < first) {
			first = cur->expires;
			oldest = k;
		}
	}
	if (g_hash_table_size(c->table) >= MAX_CURSORS && oldest)
		g_hash_table_remove(c->table, oldest);
}

/* A new cursor for pos; the uuid is owned by the caller. */
static char *cursor_add(struct api_fiap_cursors *c, const char *fingerprint,
			const struct position *pos)
{
	struct cursor *cur = g_new0(struct cursor, 1);
	gint64 now = g_get_monotonic_time();
	char *uuid = g_uuid_string_random();

	cur->fingerprint = g_strdup(fingerprint);
	cur->pos = *pos;
	cur->expires = now + (gint64)CURSOR_TTL_S * G_USEC_PER_SEC;
	g_mutex_lock(&c->lock);
	cursors_prune(c, now);
	g_hash_table_insert(c->table, g_strdup(uuid), cur);
	g_mutex_unlock(&c->lock);
	return uuid;
}

/* 0 with *pos, -1 unknown or expired, -2 another query's. */
static int cursor_find(struct api_fiap_cursors *c, const char *uuid,
		       const char *fingerprint, struct position *pos)
{
	struct cursor *cur;
	int rc = 0;

	g_mutex_lock(&c->lock);
	cur = g_hash_table_lookup(c->table, uuid);
	if (!cur || cur->expires <= g_get_monotonic_time())
		rc = -1;
	else if (strcmp(cur->fingerprint, fingerprint))
		rc = -2;
	else
		*pos = cur->pos;
	g_mutex_unlock(&c->lock);
	return rc;
}

/* --- the query ---------------------------------------------------------- */

struct query {
	struct key *keys;
	size_t n;
	GString *fingerprint;
	size_t limit;		/* values in this page */
	char *cursor;		/* the request's, or NULL */
};

static void query_clear(struct query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		g_free(q->keys[i].id);
		if (q->keys[i].tz)
			g_time_zone_unref(q->keys[i].tz);
	}
	g_free(q->keys);
	if (q->fingerprint)
		g_string_free(q->fingerprint, TRUE);
	g_free(q->cursor);
}

/* Narrows [lo, hi] by one time condition of a key.  0, or -1 when the
 * value is no time. */
static int bound(struct key *k, const char *cond, const char *s)
{
	int64_t t;
	bool frac;

	if (fiap_time_parse(s, &t, &frac))
		return -1;

	/* akari keeps whole seconds: a fraction rounds a bound inwards. */
	if (!strcmp(cond, "gteq") || !strcmp(cond, "gt"))
		t = t + (frac || !strcmp(cond, "gt"));
	if (!strcmp(cond, "lt") && !frac)
		t--;
	if (!strcmp(cond, "eq") && frac) {
		k->lo = TS_MAX;
		k->hi = TS_MIN;
		return 0;
	}
	if (strcmp(cond, "lt") && strcmp(cond, "lteq") && t > k->lo)
		k->lo = t;
	if (strcmp(cond, "gt") && strcmp(cond, "gteq") && t < k->hi)
		k->hi = t;
	return 0;
}

/* Reads one <key>.  0, or -1 with the error in reply. */
static int read_key(const struct api_fiap_env *env, xmlNodePtr node,
		    struct key *k, GString *fingerprint,
		    struct fiap_reply *reply)
{
	static const char *const conds[] = {"eq", "lt", "gt", "lteq", "gteq"};
	char *v[G_N_ELEMENTS(key_attrs)];
	char key[sizeof k->p.key], err[320];
	long line = xmlGetLineNo(node);
	double one;
	int rc = -1, mapped;

	for (size_t i = 0; i < G_N_ELEMENTS(key_attrs); i++) {
		v[i] = fiap_attr(node, key_attrs[i]);
		g_string_append_printf(fingerprint, "%s\x1f",
				       v[i] ? v[i] : "\x1e");
	}
	if (v[0])
		g_strstrip(v[0]);	/* xs:anyURI collapses its blanks */
	k->node = node;
	k->id = g_strdup(v[0]);
	k->lo = TS_MIN;
	k->hi = TS_MAX;

	/* v[]: id, attrName, eq, neq, lt, gt, lteq, gteq, select, trap */
	if (!v[0] || !v[1]) {
		fiap_reply_error(reply, FIAP_INVALID_REQUEST, "line %ld: a "
				 "key needs the attributes id and attrName",
				 line);
		goto out;
	}
	if (strcmp(v[1], "time")) {
		fiap_reply_error(reply, !strcmp(v[1], "value")
					    ? FIAP_QUERY_NOT_SUPPORTED
					    : FIAP_INVALID_REQUEST,
				 "line %ld: key \"%.200s\": attrName \"%.32s\" "
				 "is not supported; akari selects by "
				 "attrName=\"time\"", line, v[0], v[1]);
		goto out;
	}
	if (v[3] || v[9] || xmlFirstElementChild(node)) {
		fiap_reply_error(reply, FIAP_QUERY_NOT_SUPPORTED,
				 "line %ld: key \"%.200s\": %s is not "
				 "supported; use eq, lt, gt, lteq, gteq and "
				 "select", line, v[0],
				 v[3] ? "neq" : v[9] ? "trap" : "a nested key");
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(conds); i++) {
		const char *s = v[i == 0 ? 2 : i + 3];

		if (s && bound(k, conds[i], s)) {
			fiap_reply_error(reply, FIAP_INVALID_REQUEST,
					 "line %ld: key \"%.200s\": %s "
					 "\"%.64s\" is not a date and time "
					 "with a UTC offset", line, v[0],
					 conds[i], s);
			goto out;
		}
	}
	if (v[8] && strcmp(v[8], "maximum") && strcmp(v[8], "minimum")) {
		fiap_reply_error(reply, FIAP_INVALID_REQUEST, "line %ld: key "
				 "\"%.200s\": select \"%.32s\" is neither "
				 "maximum nor minimum", line, v[0], v[8]);
		goto out;
	}
	k->select = !v[8]			 ? SELECT_ALL
		    : !strcmp(v[8], "maximum") ? SELECT_MAX
					       : SELECT_MIN;

	mapped = api_fiap_map_key(env->map, v[0], key, sizeof key, &k->unit,
				  err, sizeof err);
	if (mapped <= 0) {
		fiap_reply_error(reply, FIAP_POINT_NOT_FOUND, "%s",
				 mapped ? err : "the map drops this point ID");
		goto out;
	}
	rc = store_point_get(env->st, key, &k->p);
	if (rc == STORE_NOT_FOUND) {
		fiap_reply_error(reply, FIAP_POINT_NOT_FOUND, "point ID "
				 "\"%.200s\": no point \"%s\"", v[0], key);
		rc = -1;
		goto out;
	}
	if (rc) {
		fiap_reply_error(reply, FIAP_SERVER_ERROR, "reading point "
				 "\"%s\": %s", key, store_errmsg(env->st));
		rc = -1;
		goto out;
	}
	if (k->unit && units_convert(k->p.unit, k->unit, 1, &one)) {
		fiap_reply_error(reply, FIAP_SERVER_ERROR, "the map reads "
				 "point ID \"%.200s\" in %s, but point \"%s\" "
				 "is in %s", v[0], k->unit, key, k->p.unit);
		rc = -1;
		goto out;
	}
	k->tz = core_tz_new(k->p.tz);
	if (!k->tz)
		k->tz = g_time_zone_new_utc();
	rc = 0;
out:
	for (size_t i = 0; i < G_N_ELEMENTS(key_attrs); i++)
		g_free(v[i]);
	return rc;
}

/* Reads the query element.  0, or -1 with the error in reply. */
static int read_query(const struct api_fiap_env *env, xmlNodePtr qn,
		      struct query *q, struct fiap_reply *reply)
{
	char *id = fiap_attr(qn, "id"), *type = fiap_attr(qn, "type");
	char *size = fiap_attr(qn, "acceptableSize"), *end;
	size_t nkeys = 0;
	guint64 n = API_FIAP_MAX_VALUES;
	int rc = -1;

	q->fingerprint = g_string_new(NULL);
	q->cursor = fiap_attr(qn, "cursor");
	if (q->cursor) {
		/* A uuid's hex digits may come in either case; ours are
		 * lower case. */
		char *lower = g_ascii_strdown(q->cursor, -1);

		g_free(q->cursor);
		q->cursor = lower;
	}
	if (!id || !type) {
		fiap_reply_error(reply, FIAP_INVALID_REQUEST, "the query needs "
				 "the attributes id and type");
		goto out;
	}
	if (strcmp(type, "storage")) {
		fiap_reply_error(reply, !strcmp(type, "stream")
					    ? FIAP_QUERY_NOT_SUPPORTED
					    : FIAP_INVALID_REQUEST,
				 "query type \"%.32s\" is not supported; akari "
				 "answers type=\"storage\" (FETCH)", type);
		goto out;
	}
	if (size) {
		/* xs:positiveInteger: blanks around it collapse, and a plus
		 * sign may lead the digits. */
		const char *digits = g_strstrip(size);

		digits += *digits == '+';
		n = g_ascii_strtoull(digits, &end, 10);
		if (!g_ascii_isdigit(*digits) || *end || !n) {
			fiap_reply_error(reply, FIAP_INVALID_REQUEST,
					 "acceptableSize \"%.32s\" is not a "
					 "positive integer", size);
			goto out;
		}
	}
	q->limit = n < API_FIAP_MAX_VALUES ? (size_t)n : API_FIAP_MAX_VALUES;

	for (xmlNodePtr k = qn->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!fiap_is(k, "key")) {
			fiap_reply_error(reply, FIAP_INVALID_REQUEST, "line "
					 "%ld: a query holds only <key> of %s, "
					 "not <%s>", xmlGetLineNo(k), FIAP_NS,
					 (const char *)k->name);
			goto out;
		}
		nkeys++;
	}
	if (nkeys > API_FIAP_MAX_KEYS) {
		fiap_reply_error(reply, FIAP_TOO_MANY_KEYS, "the query has %zu "
				 "keys; akari answers at most %d in one query",
				 nkeys, API_FIAP_MAX_KEYS);
		goto out;
	}
	q->keys = g_new0(struct key, nkeys ? nkeys : 1);
	for (xmlNodePtr k = xmlFirstElementChild(qn); k;
	     k = xmlNextElementSibling(k)) {
		if (read_key(env, k, &q->keys[q->n], q->fingerprint, reply)) {
			q->n++;
			goto out;
		}
		q->n++;
	}
	rc = 0;
out:
	g_free(id);
	g_free(type);
	g_free(size);
	return rc;
}

/* --- the page ------------------------------------------------------------ */

struct page {
	struct fiap_reply *reply;
	struct query *q;
	size_t key;		/* the key being walked */
	xmlNodePtr point;	/* its <point> in the answer */
	size_t in_key;		/* values of it in this page */
	int64_t last;		/* the time of the last value sent */
	size_t n;		/* values in this page */
	bool more;		/* a value is left for the next page */
	struct position next;
};

/* Sends one value, or finds the page full.  Runs under the store's
 * lock: no store calls in here. */
static int emit(int64_t ts, double value, void *ctx)
{
	struct page *pg = ctx;
	const struct key *k = &pg->q->keys[pg->key];
	char stamp[32], text[G_ASCII_DTOSTR_BUF_SIZE];
	xmlNodePtr v;

	if (pg->n == pg->q->limit) {
		pg->more = true;
		pg->next.key = pg->key;
		pg->next.started = pg->in_key > 0;
		pg->next.after = pg->last;
		return 1;
	}
	if (k->unit)
		units_convert(k->p.unit, k->unit, value, &value);
	core_time_format(ts, k->tz, stamp, sizeof stamp);

	/* The shortest text that reads back as the same double. */
	for (int digits = 15; digits <= 17; digits++) {
		char fmt[8];

		snprintf(fmt, sizeof fmt, "%%.%dg", digits);
		g_ascii_formatd(text, sizeof text, fmt, value);
		if (g_ascii_strtod(text, NULL) == value)
			break;
	}
	v = xmlNewTextChild(pg->point, pg->reply->ns,
			    (const xmlChar *)"value", (const xmlChar *)text);
	xmlNewProp(v, (const xmlChar *)"time", (const xmlChar *)stamp);
	pg->n++;
	pg->in_key++;
	pg->last = ts;
	return 0;
}

/* The first value of a key in [from, hi]: for select="minimum". */
static int first_only(int64_t ts, double value, void *ctx)
{
	emit(ts, value, ctx);
	return 1;
}

/* Walks one key's values from pos into the page.  0 or a store_rc. */
static int walk_key(const struct api_fiap_env *env, struct page *pg,
		    const struct position *pos)
{
	const struct key *k = &pg->q->keys[pg->key];
	bool resumed = pos->key == pg->key && pos->started;
	int64_t from = k->lo, ts;
	double value;
	int rc;

	if (resumed && pos->after >= from)
		from = pos->after + 1;
	if (from > k->hi)
		return 0;
	switch (k->select) {
	case SELECT_ALL:
		rc = store_readings_each(env->st, k->p.id, from, k->hi + 1,
					 emit, pg);
		return rc;
	case SELECT_MIN:
		if (resumed)
			return 0;
		return store_readings_each(env->st, k->p.id, from, k->hi + 1,
					   first_only, pg);
	case SELECT_MAX:
		if (resumed)
			return 0;
		rc = store_reading_latest(env->st, k->p.id, k->hi + 1, &ts,
					  &value);
		if (rc == STORE_NOT_FOUND || (!rc && ts < from))
			return 0;
		if (!rc)
			emit(ts, value, pg);
		return rc;
	}
	return 0;
}

/* Fills the answer's body from pos.  0 or a store_rc. */
static int fill_page(const struct api_fiap_env *env, struct page *pg,
		     xmlNodePtr body, const struct position *pos)
{
	int rc;

	for (pg->key = pos->key; pg->key < pg->q->n && !pg->more; pg->key++) {
		pg->point = fiap_child(pg->reply, body, "point");
		xmlNewProp(pg->point, (const xmlChar *)"id",
			   (const xmlChar *)pg->q->keys[pg->key].id);
		pg->in_key = 0;
		rc = walk_key(env, pg, pos);
		if (rc < 0)
			return rc;

		/* A key the page stopped before belongs to the next one. */
		if (pg->more && !pg->in_key) {
			xmlUnlinkNode(pg->point);
			xmlFreeNode(pg->point);
		}
	}
	return 0;
}

/* The echo of the request's query, with the cursor of the next page. */
static void echo_query(struct fiap_reply *reply, xmlNodePtr qn,
		       const struct query *q, const char *cursor)
{
	xmlNodePtr e = fiap_child(reply, reply->header, "query");

	for (size_t i = 0; i < G_N_ELEMENTS(query_attrs); i++) {
		char *v = fiap_attr(qn, query_attrs[i]);

		if (v)
			xmlNewProp(e, (const xmlChar *)query_attrs[i],
				   (const xmlChar *)v);
		g_free(v);
	}
	if (cursor)
		xmlNewProp(e, (const xmlChar *)"cursor",
			   (const xmlChar *)cursor);
	for (xmlNodePtr k = xmlFirstElementChild(qn); k;
	     k = xmlNextElementSibling(k)) {
		xmlNodePtr ke;

		if (!fiap_is(k, "key"))
			continue;
		ke = fiap_child(reply, e, "key");
		for (size_t i = 0; i < G_N_ELEMENTS(key_attrs); i++) {
			char *v = fiap_attr(k, key_attrs[i]);

			if (v)
				xmlNewProp(ke, (const xmlChar *)key_attrs[i],
					   (const xmlChar *)v);
			g_free(v);
		}
	}
}

void fiap_query(const struct api_fiap_env *env, xmlNodePtr transport,
		struct fiap_reply *reply)
{
	xmlNodePtr hdr = NULL, qn = NULL, body = NULL;
	struct position pos = {0};
	struct query q = {0};
	struct page pg = {.reply = reply, .q = &q};
	char *next = NULL;
	int rc;

	for (xmlNodePtr n = xmlFirstElementChild(transport); n;
	     n = xmlNextElementSibling(n))
		if (fiap_is(n, "header") && !hdr)
			hdr = n;
	for (xmlNodePtr n = hdr ? xmlFirstElementChild(hdr) : NULL; n;
	     n = xmlNextElementSibling(n))
		if (fiap_is(n, "query") && !qn)
			qn = n;
	if (!qn) {
		fiap_reply_error(reply, FIAP_INVALID_REQUEST, "the queryRQ's "
				 "transport has no header/query");
		goto out;
	}
	if (read_query(env, qn, &q, reply))
		goto echo;

	if (q.cursor) {
		rc = cursor_find(env->cursors, q.cursor, q.fingerprint->str,
				 &pos);
		if (rc) {
			fiap_reply_error(reply, FIAP_INVALID_CURSOR,
					 "cursor \"%.64s\" %s", q.cursor,
					 rc == -2 ? "belongs to another query: "
						    "send the keys it was "
						    "given for"
						  : "is unknown or expired; "
						    "send the query again "
						    "without it");
			goto echo;
		}
	}

	body = xmlNewNode(reply->ns, (const xmlChar *)"body");
	rc = fill_page(env, &pg, body, &pos);
	if (rc < 0) {
		fiap_reply_error(reply, FIAP_SERVER_ERROR, "reading values: %s",
				 store_errmsg(env->st));
		goto echo;
	}
	if (pg.more)
		next = cursor_add(env->cursors, q.fingerprint->str, &pg.next);
	fiap_reply_ok(reply);
	reply->stored = pg.n;
echo:
	echo_query(reply, qn, &q, next);
	if (!reply->error && body) {
		xmlAddChild(reply->transport, body);
		body = NULL;
	}
out:
	xmlFreeNode(body);
	g_free(next);
	query_clear(&q);
}
