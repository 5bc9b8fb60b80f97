/*
 * api_aggregate.c - the aggregate of many points of a site
 * (api_aggregate.h): the query parameters are read and checked here,
 * each named when wrong, and analytics_aggregate_site() does the rest.
 */
#include "cloud/api/api_aggregate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cloud/analytics/analytics.h"
#include "cloud/api/api_http.h"

/* One request's parameters; points owns the split list. */
struct params {
	int64_t from, to;
	enum analytics_interval iv;
	enum analytics_fn fn;
	gchar **points;
	struct analytics_selection sel;
};

static int fail(json_t **body, int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(json_t **body, int status, const char *code,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	json_decref(*body);
	*body = api_error_vbody(code, fmt, ap);
	va_end(ap);
	return status;
}

static const char *param(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static int time_param(struct MHD_Connection *conn, const char *name,
		      int64_t *out, json_t **body)
{
	const char *s = param(conn, name);

	if (!s)
		return fail(body, 400, "missing_parameter",
			    "parameter '%s' is required (RFC 3339 with an "
			    "offset, or Unix seconds)", name);
	if (api_time_parse(s, out))
		return fail(body, 400, "bad_parameter",
			    "parameter '%s': \"%.64s\" is neither RFC 3339 "
			    "with an offset nor Unix seconds", name, s);
	return 0;
}

/* Every value of ?points= in the order sent: a list sent as the
 * parameter repeated (what most HTTP clients make of one) counts whole,
 * and "points" without '=' comes as NULL. */
struct points_walk {
	GPtrArray *values;
	bool bare;
};

static enum MHD_Result points_value(void *cls, enum MHD_ValueKind kind,
				    const char *key, const char *value)
{
	struct points_walk *w = cls;

	(void)kind;
	if (strcmp(key, "points"))
		return MHD_YES;
	if (value)
		g_ptr_array_add(w->values, (gpointer)value);
	else
		w->bare = true;
	return MHD_YES;
}

/* ?points=k1,k2[&points=k3]: keys hold no comma; an empty one is a
 * mistake. */
static int points_param(struct MHD_Connection *conn, struct params *pr,
			json_t **body)
{
	struct points_walk w = {g_ptr_array_new(), false};
	gchar *joined;
	int status = 0;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, points_value,
				  &w);
	if (!w.values->len && !w.bare)
		goto out;
	if (w.bare) {
		status = fail(body, 400, "bad_parameter",
			      "parameter 'points' has no value (give keys, "
			      "comma-separated)");
		goto out;
	}
	g_ptr_array_add(w.values, NULL);
	joined = g_strjoinv(",", (gchar **)w.values->pdata);
	pr->points = g_strsplit(joined, ",", -1);
	g_free(joined);
	for (size_t i = 0; pr->points[i]; i++) {
		if (!pr->points[i][0]) {
			status = fail(body, 400, "bad_parameter",
				      "parameter 'points': key %zu of the "
				      "list is empty", i + 1);
			goto out;
		}
		pr->sel.npoints++;
	}
	if (!pr->sel.npoints) {
		status = fail(body, 400, "bad_parameter",
			      "parameter 'points' lists no key");
		goto out;
	}
	pr->sel.points = (const char *const *)pr->points;

out:
	g_ptr_array_free(w.values, TRUE);
	return status;
}

static int read_params(struct MHD_Connection *conn, struct params *pr,
		       json_t **body)
{
	const char *siv = param(conn, "interval"), *sfn = param(conn, "fn");
	const char *retired = param(conn, "retired");
	int status;

	status = time_param(conn, "from", &pr->from, body);
	if (!status)
		status = time_param(conn, "to", &pr->to, body);
	if (status)
		return status;
	if (pr->from >= pr->to)
		return fail(body, 400, "bad_parameter",
			    "parameter 'to' must be after 'from' (from is "
			    "inclusive, to exclusive)");
	if (!siv || analytics_interval_parse(siv, &pr->iv))
		return fail(body, 400,
			    siv ? "bad_parameter" : "missing_parameter",
			    "parameter 'interval' must be one of 5min, "
			    "30min, hour, day, month");
	if (!sfn || analytics_fn_parse(sfn, &pr->fn))
		return fail(body, 400,
			    sfn ? "bad_parameter" : "missing_parameter",
			    "parameter 'fn' must be one of avg, min, max, "
			    "sum, energy");
	if (retired && strcmp(retired, "0") && strcmp(retired, "1"))
		return fail(body, 400, "bad_parameter",
			    "parameter 'retired' must be 0 or 1, not "
			    "\"%.16s\"", retired);
	pr->sel.retired = retired && !strcmp(retired, "1");
	pr->sel.quantity = param(conn, "quantity");
	return points_param(conn, pr, body);
}

int api_aggregate_site(struct store *st, struct MHD_Connection *conn,
		       const char *site, json_t **body, char **text)
{
	struct params pr = {0};
	struct store_site si;
	char err[256] = "";
	int rc, status;

	*body = NULL;
	*text = NULL;
	rc = store_site_get(st, site, &si);
	if (rc == STORE_NOT_FOUND)
		return fail(body, 404, "unknown_site", "no site \"%.64s\"",
			    site);
	if (rc)
		return fail(body, 500, "storage", "reading site \"%.64s\": %s",
			    site, store_errmsg(st));
	status = read_params(conn, &pr, body);
	if (status)
		goto out;

	rc = analytics_aggregate_site(st, site, &pr.sel, pr.from, pr.to,
				      pr.iv, pr.fn, text, err, sizeof err);
	switch (rc) {
	case 0:
		status = 200;
		break;
	case STORE_NOT_FOUND:
		/* the site was there a moment ago: a listed key is not */
		status = fail(body, 404, "unknown_point", "%s", err);
		break;
	case ANALYTICS_INVALID:
		status = fail(body, 400, "bad_query", "%s", err);
		break;
	case ANALYTICS_NOMEM:
		status = fail(body, 500, "internal", "out of memory: %s", err);
		break;
	default:
		status = fail(body, 500, "storage", "%s", err);
		break;
	}

out:
	g_strfreev(pr.points);
	return status;
}
