/*
 * lineproto_map.c - from parsed line protocol to stored readings: the
 * rules that name a point for each field, and the write that turns a
 * body into ingest batches.
 *
 * Each field that maps to a point becomes one struct ingest_row, given
 * to ingest_rows(): the checks of ingest.c (known point, the device's
 * site, time range, finite value) apply as to a batch sent as JSON to
 * /api/v1/ingest, with no JSON built per reading.  A row remembers the
 * line it came from, so that ingest's refusals can be told back as
 * "line N: ...".
 */
#include "cloud/ingest/lineproto.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"

/* Refused lines listed in the answer; the rest are only counted. */
#define MAX_LISTED 100

struct rule_tag {
	char *key;
	char *value;		/* NULL: any value, the tag must be there */
};

struct rule {
	char *measurement;	/* NULL: any */
	char *field;		/* NULL: any */
	struct rule_tag *tags;
	size_t ntags;
	char *target;		/* template; NULL drops the field */
};

struct lineproto_map {
	struct rule *rules;
	size_t n;
};

/* --- rules ------------------------------------------------------------ */

static void rule_clear(struct rule *r)
{
	for (size_t i = 0; i < r->ntags; i++) {
		g_free(r->tags[i].key);
		g_free(r->tags[i].value);
	}
	g_free(r->tags);
	g_free(r->measurement);
	g_free(r->field);
	g_free(r->target);
}

void lineproto_map_free(struct lineproto_map *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->n; i++)
		rule_clear(&map->rules[i]);
	g_free(map->rules);
	g_free(map);
}

static char *pattern(const char *s)
{
	return strcmp(s, "*") ? g_strdup(s) : NULL;
}

/* Every '{' closes with a '}' around a name without braces. */
static int check_template(const char *t)
{
	while ((t = strchr(t, '{'))) {
		size_t n = strcspn(t + 1, "{}");

		if (!n || t[1 + n] != '}')
			return -1;
		t += n + 2;
	}
	return 0;
}

/* "MEASUREMENT[,TAG=VALUE...]" into r. */
static int parse_selector(const char *s, struct rule *r)
{
	char **parts = g_strsplit(s, ",", -1);
	int rc = 0;

	r->measurement = parts[0][0] ? pattern(parts[0]) : NULL;
	if (!parts[0][0])
		rc = -1;
	r->ntags = g_strv_length(parts) - 1;
	r->tags = g_new0(struct rule_tag, r->ntags ? r->ntags : 1);
	for (size_t i = 0; !rc && i < r->ntags; i++) {
		char *eq = strchr(parts[i + 1], '=');

		if (!eq || eq == parts[i + 1] || !eq[1]) {
			rc = -1;
			break;
		}
		r->tags[i].key = g_strndup(parts[i + 1],
					   (gsize)(eq - parts[i + 1]));
		r->tags[i].value = pattern(eq + 1);
	}
	g_strfreev(parts);
	return rc;
}

/* One rule line: SELECTOR FIELD -> TARGET.  0, or -1 with err set. */
static int parse_rule(const char *line, struct rule *r, char *err,
		      size_t errlen)
{
	char **w = g_strsplit_set(line, " \t", -1);
	char *words[4];
	size_t n = 0;
	int rc = -1;

	for (size_t i = 0; w[i]; i++) {
		if (!w[i][0])
			continue;
		if (n == 4) {
			n++;
			break;
		}
		words[n++] = w[i];
	}
	if (n != 4 || strcmp(words[2], "->")) {
		snprintf(err, errlen, "a rule is 'MEASUREMENT[,TAG=VALUE...] "
			 "FIELD -> TARGET'");
		goto out;
	}
	if (parse_selector(words[0], r)) {
		snprintf(err, errlen, "'%.64s' is not MEASUREMENT or "
			 "MEASUREMENT,TAG=VALUE,...", words[0]);
		goto out;
	}
	r->field = pattern(words[1]);
	if (strcmp(words[3], "-")) {
		if (check_template(words[3])) {
			snprintf(err, errlen, "template '%.64s' has a brace "
				 "that does not close around a name",
				 words[3]);
			goto out;
		}
		r->target = g_strdup(words[3]);
	}
	rc = 0;
out:
	g_strfreev(w);
	return rc;
}

/* Adds the rule of one line of a map file (core/rules.h). */
static int add_rule(char *line, void *ctx, char *why, size_t whylen)
{
	struct lineproto_map *map = ctx;

	if (parse_rule(line, &map->rules[map->n], why, whylen)) {
		rule_clear(&map->rules[map->n]);
		return -1;
	}
	map->n++;
	return 0;
}

int lineproto_map_parse(const char *text, const char *name,
			struct lineproto_map **out, char *err, size_t errlen)
{
	struct lineproto_map *map = g_new0(struct lineproto_map, 1);

	*out = NULL;
	map->rules = g_new0(struct rule, core_rules_max(text));
	if (core_rules_parse(text, name, add_rule, map, err, errlen)) {
		lineproto_map_free(map);
		return -1;
	}
	*out = map;
	return 0;
}

int lineproto_map_load(const char *path, struct lineproto_map **out,
		       char *err, size_t errlen)
{
	char *text;
	int rc;

	*out = NULL;
	if (core_rules_read(path, &text, err, errlen))
		return -1;
	rc = lineproto_map_parse(text, path, out, err, errlen);
	g_free(text);
	return rc;
}

/* --- keys ------------------------------------------------------------- */

static const char *tag_value(const struct lineproto_line *l, const char *k)
{
	for (size_t i = 0; i < l->ntags; i++)
		if (!strcmp(l->tags[i].key, k))
			return l->tags[i].value;
	return NULL;
}

static bool rule_matches(const struct rule *r,
			 const struct lineproto_line *l,
			 const struct lineproto_field *f)
{
	if (r->measurement && strcmp(r->measurement, l->measurement))
		return false;
	if (r->field && strcmp(r->field, f->key))
		return false;
	for (size_t i = 0; i < r->ntags; i++) {
		const char *v = tag_value(l, r->tags[i].key);

		if (!v || (r->tags[i].value && strcmp(r->tags[i].value, v)))
			return false;
	}
	return true;
}

/* Fills template t.  0, or -1 with err naming a missing tag. */
static int expand(const char *t, const struct lineproto_line *l,
		  const struct lineproto_field *f, const char *bucket,
		  GString *key, char *err, size_t errlen)
{
	while (*t) {
		const char *close;
		const char *v;
		char *name;

		if (*t != '{') {
			g_string_append_c(key, *t++);
			continue;
		}
		close = strchr(t, '}');
		name = g_strndup(t + 1, (gsize)(close - t - 1));
		if (!strcmp(name, "measurement"))
			v = l->measurement;
		else if (!strcmp(name, "field"))
			v = f->key;
		else if (!strcmp(name, "bucket"))
			v = bucket;
		else
			v = tag_value(l, name);
		if (!v) {
			snprintf(err, errlen, "the mapping for field \"%.64s\" "
				 "needs tag \"%.64s\", which the line does "
				 "not have", f->key, name);
			g_free(name);
			return -1;
		}
		g_free(name);
		g_string_append(key, v);
		t = close + 1;
	}
	return 0;
}

/* The key too long for keylen bytes: -1 with err saying so. */
static int key_too_long(const struct lineproto_field *field, size_t n,
			size_t keylen, char *err, size_t errlen)
{
	snprintf(err, errlen, "field \"%.64s\" maps to a point key of %zu "
		 "bytes; keys have at most %zu", field->key, n, keylen - 1);
	return -1;
}

/* The default mapping, written straight into key. */
static int default_key(const struct lineproto_line *line,
		       const struct lineproto_field *field, char *key,
		       size_t keylen, char *err, size_t errlen)
{
	const char *point = tag_value(line, "point");
	const char *head = point ? point : line->measurement;
	size_t nh = strlen(head), nf = strlen(field->key), n;

	n = point && !strcmp(field->key, "value") ? nh : nh + 1 + nf;
	if (n >= keylen)
		return key_too_long(field, n, keylen, err, errlen);
	memcpy(key, head, nh);
	if (n > nh) {
		key[nh] = '/';
		memcpy(key + nh + 1, field->key, nf);
	}
	key[n] = '\0';
	return 1;
}

int lineproto_map_key(const struct lineproto_map *map,
		      const struct lineproto_line *line,
		      const struct lineproto_field *field, const char *bucket,
		      char *key, size_t keylen, char *err, size_t errlen)
{
	const struct rule *r = NULL;
	GString *k;
	int rc = 1;

	for (size_t i = 0; map && i < map->n && !r; i++)
		if (rule_matches(&map->rules[i], line, field))
			r = &map->rules[i];
	if (!r)
		return default_key(line, field, key, keylen, err, errlen);
	if (!r->target)
		return 0;

	k = g_string_new(NULL);
	if (expand(r->target, line, field, bucket ? bucket : "", k, err,
		   errlen))
		rc = -1;
	else if (k->len >= keylen)
		rc = key_too_long(field, k->len, keylen, err, errlen);
	else
		memcpy(key, k->str, k->len + 1);
	g_string_free(k, TRUE);
	return rc;
}

/* --- the write -------------------------------------------------------- */

/* Why a line (or one of its fields) was not stored. */
enum refusal_kind {
	REFUSED_INVALID,	/* parse, type or mapping error */
	REFUSED_UNKNOWN,	/* no such point */
	REFUSED_FOREIGN,	/* another site's point */
	REFUSED_OTHER,		/* ingest refused the reading otherwise */
};

struct refusal {
	size_t lineno;
	size_t seq;		/* keeps refusals of one line in order */
	enum refusal_kind kind;
	char *msg;		/* owned, without "line N: " */
};

struct write_ctx {
	struct store *st;
	const struct lineproto_write *w;
	GArray *rows;		/* struct ingest_row, in line order */
	GStringChunk *keys;	/* the rows' point keys */
	GArray *linenos;	/* size_t per row */
	GArray *refusals;	/* struct refusal */
	GHashTable *kinds;	/* key -> kind + 1, for boolean fields */
	size_t lines;		/* lines with a point, good or bad */
	size_t quarantined;	/* rows ingest held back */
};

static void refuse(struct write_ctx *c, size_t lineno, enum refusal_kind k,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void refuse(struct write_ctx *c, size_t lineno, enum refusal_kind k,
		   const char *fmt, ...)
{
	struct refusal r = {lineno, c->refusals->len, k, NULL};
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* A name cut with %.64s may end inside a character, and the
	 * answer is JSON, which takes only UTF-8. */
	r.msg = g_utf8_make_valid(text, -1);
	g_free(text);
	g_array_append_val(c->refusals, r);
}

static int on_error(size_t lineno, const char *msg, void *ctx)
{
	struct write_ctx *c = ctx;

	c->lines++;
	refuse(c, lineno, REFUSED_INVALID, "%s", msg);
	return 0;
}

/*
 * A boolean is a state: 0 or 1 into a state point.  Anything else would
 * put a flag into a power or temperature series.  Returns true when the
 * point is known and not a state point; unknown points are left to
 * ingest, which says so in its own words.
 */
static int not_a_state(struct write_ctx *c, const char *key, bool *refused)
{
	gpointer v = g_hash_table_lookup(c->kinds, key);
	struct store_point p;
	int rc;

	if (!v) {
		rc = store_point_get(c->st, key, &p);
		if (rc && rc != STORE_NOT_FOUND)
			return rc;
		v = GINT_TO_POINTER(rc ? -1 : (int)p.kind + 1);
		g_hash_table_insert(c->kinds, g_strdup(key), v);
	}
	*refused = GPOINTER_TO_INT(v) > 0 &&
		   GPOINTER_TO_INT(v) != (int)STORE_STATE + 1;
	return 0;
}

/* The value a JSON row would hold for the field, as ingest reads it. */
static double field_value(const struct lineproto_field *f)
{
	switch (f->type) {
	case LINEPROTO_INT:
		return (double)f->i;
	case LINEPROTO_UINT:
		return (double)f->u;
	case LINEPROTO_BOOL:
		return f->b;
	case LINEPROTO_FLOAT:
	case LINEPROTO_STRING:
		break;
	}
	return f->f;
}

static void add_row(struct write_ctx *c, size_t lineno, const char *key,
		    int64_t ts, const struct lineproto_field *f)
{
	struct ingest_row row = {
	    .point = g_string_chunk_insert(c->keys, key),
	    .ts = ts,
	    .value = field_value(f),
	};

	g_array_append_val(c->rows, row);
	g_array_append_val(c->linenos, lineno);
}

static int on_field(struct write_ctx *c, const struct lineproto_line *l,
		    const struct lineproto_field *f, int64_t ts)
{
	char key[sizeof ((struct store_point *)0)->key];
	char err[256];
	bool refused = false;
	int rc;

	if (f->type == LINEPROTO_STRING) {
		refuse(c, l->lineno, REFUSED_INVALID,
		       "field \"%s\" is a string; akari stores numbers, and "
		       "booleans for state points", f->key);
		return 0;
	}

	rc = lineproto_map_key(c->w->map, l, f, c->w->bucket, key,
			       sizeof key, err, sizeof err);
	if (rc <= 0) {
		if (rc < 0)
			refuse(c, l->lineno, REFUSED_INVALID, "%s", err);
		return 0;
	}

	if (f->type == LINEPROTO_BOOL) {
		rc = not_a_state(c, key, &refused);
		if (rc)
			return rc;
		if (refused) {
			refuse(c, l->lineno, REFUSED_INVALID,
			       "field \"%s\" is a boolean, but point \"%s\" "
			       "is not a state point", f->key, key);
			return 0;
		}
	}
	add_row(c, l->lineno, key, ts, f);
	return 0;
}

static int on_line(const struct lineproto_line *l, void *ctx)
{
	struct write_ctx *c = ctx;
	int64_t ts = c->w->now;
	int rc;

	c->lines++;
	if (l->has_ts && lineproto_ts_seconds(l->ts, c->w->precision, &ts)) {
		refuse(c, l->lineno, REFUSED_INVALID,
		       "timestamp %lld is out of range", (long long)l->ts);
		return 0;
	}
	for (size_t i = 0; i < l->nfields; i++) {
		rc = on_field(c, l, &l->fields[i], ts);
		if (rc)
			return rc;
	}
	return 0;
}

static enum refusal_kind kind_of(const char *code)
{
	if (code && !strcmp(code, "unknown_point"))
		return REFUSED_UNKNOWN;
	if (code && !strcmp(code, "other_site"))
		return REFUSED_FOREIGN;
	return REFUSED_OTHER;
}

/* Stores rows [from, from + n) as one batch; collects its refusals. */
static int store_chunk(struct write_ctx *c, const struct ingest_source *src,
		       size_t from, size_t n, size_t *written)
{
	json_t *rejected, *entry;
	struct ingest_result res;
	size_t i;
	int rc;

	rc = ingest_rows(c->st, src,
			 &g_array_index(c->rows, struct ingest_row, from), n,
			 &res);
	if (rc || res.status >= 500) {
		ingest_result_finish(&res);
		return rc ? rc : STORE_IO;
	}
	*written += res.accepted;
	c->quarantined += res.quarantined;
	rejected = json_object_get(res.answer, "rejected");
	json_array_foreach(rejected, i, entry) {
		size_t idx = (size_t)json_integer_value(
		    json_object_get(entry, "index"));
		const char *code = json_string_value(
		    json_object_get(entry, "error"));
		const char *msg = json_string_value(
		    json_object_get(entry, "message"));

		refuse(c, g_array_index(c->linenos, size_t, from + idx),
		       kind_of(code), "%s", msg ? msg : "refused");
	}
	ingest_result_finish(&res);
	return 0;
}

static int refusal_cmp(const void *pa, const void *pb)
{
	const struct refusal *a = pa, *b = pb;

	if (a->lineno != b->lineno)
		return a->lineno < b->lineno ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The status and code for a write in which something was refused. */
static void refused_status(const struct write_ctx *c, size_t written,
			   struct lineproto_result *res)
{
	size_t count[4] = {0};
	size_t n = c->refusals->len;

	for (size_t i = 0; i < n; i++)
		count[g_array_index(c->refusals, struct refusal, i).kind]++;
	res->status = 400;
	res->code = "invalid";
	if (written)
		return;
	if (count[REFUSED_UNKNOWN] == n) {
		res->status = 404;
		res->code = "not found";
	} else if (count[REFUSED_FOREIGN] == n) {
		res->status = 403;
		res->code = "forbidden";
	} else if (count[REFUSED_OTHER] == n) {
		res->status = 422;
		res->code = "unprocessable entity";
	}
}

static void build_message(struct write_ctx *c, size_t written,
			  struct lineproto_result *res)
{
	GString *m = g_string_new(NULL);
	size_t n = c->refusals->len;

	qsort(c->refusals->data, n, sizeof(struct refusal), refusal_cmp);
	if (written)
		g_string_printf(m, "partial write: %zu readings accepted, "
				"%zu refused; ", written, n);
	for (size_t i = 0; i < n && i < MAX_LISTED; i++) {
		const struct refusal *r =
		    &g_array_index(c->refusals, struct refusal, i);

		g_string_append_printf(m, "%sline %zu: %s", i ? "\n" : "",
				       r->lineno, r->msg);
	}
	if (n > MAX_LISTED)
		g_string_append_printf(m, "\nand %zu more refused",
				       n - MAX_LISTED);
	res->first_line = g_array_index(c->refusals, struct refusal, 0).lineno;
	res->message = g_string_free(m, FALSE);
}

int lineproto_ingest(struct store *st, const struct ingest_source *src,
		     const struct lineproto_write *w,
		     struct lineproto_result *res)
{
	struct write_ctx c = {
	    .st = st,
	    .w = w,
	    .rows = g_array_new(FALSE, FALSE, sizeof(struct ingest_row)),
	    .keys = g_string_chunk_new(4096),
	    .linenos = g_array_new(FALSE, FALSE, sizeof(size_t)),
	    .refusals = g_array_new(FALSE, FALSE, sizeof(struct refusal)),
	    .kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   NULL),
	};
	size_t nrows, written = 0;
	int rc;

	memset(res, 0, sizeof *res);
	rc = lineproto_parse(w->body, w->len, on_line, on_error, &c);
	if (rc)
		goto fail;

	/* ingest takes at most INGEST_MAX_ROWS readings in one batch. */
	nrows = c.rows->len;
	for (size_t from = 0; from < nrows; from += INGEST_MAX_ROWS) {
		size_t n = MIN(nrows - from, (size_t)INGEST_MAX_ROWS);

		rc = store_chunk(&c, src, from, n, &written);
		if (rc)
			goto fail;
	}

	res->written = written;
	res->refused = c.refusals->len;
	res->quarantined = c.quarantined;
	if (!c.lines) {
		res->status = 400;
		res->code = "invalid";
		res->message = g_strdup("writing requires points");
	} else if (!c.refusals->len) {
		res->status = 204;
	} else {
		refused_status(&c, written, res);
		build_message(&c, written, res);
	}
	goto out;

fail:
	res->status = 500;
	res->code = "internal error";
	res->written = written;
	res->message = g_strdup(store_errmsg(st));
	rc = rc ? rc : STORE_IO;
out:
	for (guint i = 0; i < c.refusals->len; i++)
		g_free(g_array_index(c.refusals, struct refusal, i).msg);
	g_array_free(c.refusals, TRUE);
	g_array_free(c.linenos, TRUE);
	g_hash_table_destroy(c.kinds);
	g_array_free(c.rows, TRUE);
	g_string_chunk_free(c.keys);
	return rc;
}

void lineproto_result_finish(struct lineproto_result *res)
{
	if (!res)
		return;
	g_free(res->message);
	memset(res, 0, sizeof *res);
}
