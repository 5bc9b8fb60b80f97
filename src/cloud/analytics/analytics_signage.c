/*
 * analytics_signage.c - the signage figures beyond the site summaries,
 * built from analytics_aggregate() over each site's local day so that
 * they agree with GET .../aggregate to the last digit.
 */
#include "cloud/analytics/analytics_signage.h"
#include "cloud/analytics/analytics.h"
#include "cloud/store/store_floor.h"
#include "cloud/store/store_registry.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

#define SIGNAGE_TS_MIN INT64_C(-62104060800)	/* 0002-01-01T00:00:00Z */
#define SIGNAGE_TS_MAX INT64_C(253339228800)	/* 9998-01-01T00:00:00Z */

/* A day total: has is false when there is no data (or no point). */
struct total {
	double v;
	bool has;
};

/* The aggregate fn of point key over [from, to) folded into one figure:
 * summed for sum and energy, the extreme for min and max.  A missing
 * point or an empty range is no data, not an error. */
static int day_total(struct store *st, const char *key, int64_t from,
		     int64_t to, enum analytics_fn fn, struct total *t,
		     char *err, size_t errlen)
{
	json_t *agg = NULL, *b;
	size_t i;
	int rc;

	t->v = 0;
	t->has = false;
	if (from >= to)
		return 0;
	rc = analytics_aggregate(st, key, from, to, ANALYTICS_DAY, fn, &agg,
				 err, errlen);
	if (rc == STORE_NOT_FOUND)
		return 0;
	if (rc)
		return rc;
	json_array_foreach(json_object_get(agg, "buckets"), i, b) {
		json_t *v = json_object_get(b, "value");
		double x;

		if (!json_is_number(v))
			continue;
		x = json_number_value(v);
		if (!t->has)
			t->v = x;
		else if (fn == ANALYTICS_MAX)
			t->v = fmax(t->v, x);
		else if (fn == ANALYTICS_MIN)
			t->v = fmin(t->v, x);
		else
			t->v += x;
		t->has = true;
	}
	json_decref(agg);
	return 0;
}

static json_t *total_json(const struct total *t)
{
	return t->has ? json_real(t->v) : json_null();
}

static json_t *time_json(int64_t t, GTimeZone *tz)
{
	char buf[40];

	core_time_format(t, tz, buf, sizeof buf);
	return json_string(buf);
}

/* --- finding the sites ------------------------------------------------- */

struct first_of_kind {
	const char *kind;
	struct store_site found;
	bool has;
};

static int first_of_kind_on(const struct store_site_info *si, void *ctx)
{
	struct first_of_kind *f = ctx;
	const struct store_site *s = &si->site;

	if (strcmp(s->kind, f->kind))
		return 0;
	f->found = *s;
	f->has = true;
	return 1;
}

/* The named site, or the first of kind; *has false when there is none. */
static int pick_site(struct store *st, const char *name, const char *kind,
		     struct store_site *out, bool *has, char *err,
		     size_t errlen)
{
	struct first_of_kind f = {.kind = kind};
	int rc;

	*has = false;
	if (name) {
		rc = store_site_get(st, name, out);
		if (rc == STORE_NOT_FOUND)
			return 0;
		if (rc)
			goto fail;
		*has = true;
		return 0;
	}
	/* a retired site is listed only when asked for by name */
	rc = store_sites_list(st, false, first_of_kind_on, &f);
	if (rc < 0)
		goto fail;
	*out = f.found;
	*has = f.has;
	return 0;
fail:
	snprintf(err, errlen, "listing sites: %s", store_errmsg(st));
	return rc;
}

/* What every section starts with: the site, its zone, its day. */
struct section {
	struct store_site site;
	GTimeZone *tz;
	int64_t day_start;
	json_t *obj;
};

static int section_open(struct section *s, int64_t at, char *err,
			size_t errlen)
{
	s->tz = core_tz_new(s->site.tz);
	if (!s->tz) {
		snprintf(err, errlen, "site \"%s\" has an unknown zone \"%s\"",
			 s->site.name, s->site.tz);
		return ANALYTICS_INVALID;
	}
	s->day_start = core_day_start(at, s->tz);
	s->obj = json_object();
	json_object_set_new(s->obj, "site", json_string(s->site.name));
	json_object_set_new(s->obj, "tz", json_string(s->site.tz));
	json_object_set_new(s->obj, "at", time_json(at, s->tz));
	json_object_set_new(s->obj, "day_start",
			    time_json(s->day_start, s->tz));
	return 0;
}

static void section_close(struct section *s)
{
	if (s->tz)
		g_time_zone_unref(s->tz);
	json_decref(s->obj);
}

/* --- per-site walks over points ---------------------------------------- */

struct power_walk {
	struct store *st;
	int64_t from, to;
	bool consumption_only;
	struct total sum;
	int shift_days;
	int rc;
	char *err;
	size_t errlen;
};

static bool is_consumption(const char *key)
{
	const char *last = strrchr(key, '/');

	last = last ? last + 1 : key;
	return !strcmp(last, "consumption") || !strcmp(last, "demand") ||
	       !strcmp(last, "power");
}

static int power_on(const struct store_point *p, void *ctx)
{
	struct power_walk *w = ctx;
	struct total t;

	if (p->shift_days && !w->shift_days)
		w->shift_days = p->shift_days;
	if (!analytics_point_is_power(p))
		return 0;
	if (w->consumption_only && !is_consumption(p->key))
		return 0;
	w->rc = day_total(w->st, p->key, w->from, w->to, ANALYTICS_ENERGY,
			  &t, w->err, w->errlen);
	if (w->rc)
		return 1;
	if (t.has) {
		w->sum.v += t.v;
		w->sum.has = true;
	}
	return 0;
}

/* The energy of a site's power points over [from, to). */
static int site_energy(struct store *st, const char *site, int64_t from,
		       int64_t to, bool consumption_only, struct total *out,
		       int *shift_days, char *err, size_t errlen)
{
	struct power_walk w = {
		.st = st, .from = from, .to = to,
		.consumption_only = consumption_only,
		.err = err, .errlen = errlen,
	};
	int rc = store_points_each(st, site, power_on, &w);

	if (rc < 0) {
		snprintf(err, errlen, "listing the points of \"%s\": %s",
			 site, store_errmsg(st));
		return rc;
	}
	*out = w.sum;
	if (shift_days)
		*shift_days = w.shift_days;
	return w.rc;
}

/* --- the sections ------------------------------------------------------ */

static int solar_section(struct store *st, const char *name, int64_t at,
			 json_t **out, char *err, size_t errlen)
{
	struct section s = {0};
	struct total e;
	double kwh, co2;
	bool has;
	int shift = 0, rc;

	*out = NULL;
	rc = pick_site(st, name, "pv", &s.site, &has, err, errlen);
	if (rc || !has)
		return rc;
	rc = section_open(&s, at, err, errlen);
	if (rc)
		goto out;
	rc = site_energy(st, s.site.name, s.day_start, at, false, &e, &shift,
			 err, errlen);
	if (rc)
		goto out;

	kwh = fmax(e.v, 0);
	co2 = kwh * ANALYTICS_CO2_KG_PER_KWH;
	json_object_set_new(s.obj, "shift_days", json_integer(shift));
	json_object_set_new(s.obj, "energy_kwh", total_json(&e));
	json_object_set_new(s.obj, "co2_factor_kg_per_kwh",
			    json_real(ANALYTICS_CO2_KG_PER_KWH));
	json_object_set_new(s.obj, "co2_factor_source",
			    json_string(ANALYTICS_CO2_FACTOR_SOURCE));
	json_object_set_new(s.obj, "co2_kg",
			    e.has ? json_real(co2) : json_null());
	json_object_set_new(s.obj, "tree_days",
			    e.has ? json_real(co2 / (ANALYTICS_TREE_KG_PER_YEAR
						     / 365.0))
				  : json_null());
	json_object_set_new(s.obj, "lamp_hours",
			    e.has ? json_real(kwh / ANALYTICS_LAMP_KW)
				  : json_null());
	*out = s.obj;
	s.obj = NULL;
out:
	section_close(&s);
	return rc;
}

static int ev_section(struct store *st, const char *name, int64_t at,
		      json_t **out, char *err, size_t errlen)
{
	struct section s = {0};
	struct total n, e;
	char key[160];
	bool has;
	int shift = 0, rc;

	*out = NULL;
	rc = pick_site(st, name, "ev", &s.site, &has, err, errlen);
	if (rc || !has)
		return rc;
	rc = section_open(&s, at, err, errlen);
	if (rc)
		goto out;
	snprintf(key, sizeof key, "%s/ev_sessions", s.site.name);
	rc = day_total(st, key, s.day_start, at, ANALYTICS_SUM, &n, err,
		       errlen);
	if (rc)
		goto out;
	rc = site_energy(st, s.site.name, s.day_start, at, false, &e, &shift,
			 err, errlen);
	if (rc)
		goto out;
	json_object_set_new(s.obj, "shift_days", json_integer(shift));
	json_object_set_new(s.obj, "sessions",
			    n.has ? json_integer((json_int_t)llround(n.v))
				  : json_null());
	json_object_set_new(s.obj, "energy_kwh", total_json(&e));
	*out = s.obj;
	s.obj = NULL;
out:
	section_close(&s);
	return rc;
}

static const char *const weather_names[] = {
	"temperature", "humidity", "precipitation", "sunshine", "wind_speed",
};

/* The newest reading of point key before at with its age, staleness
 * (core_reading_stale()) and the point's step, by which a kiosk playing
 * the answer from its cache judges it again later, or null. */
static int latest_json(struct store *st, const char *key, int64_t at,
		       GTimeZone *tz, json_t **out, int *shift, char *err,
		       size_t errlen)
{
	struct store_point p;
	int64_t ts;
	double v;
	int rc;

	*out = json_null();
	rc = store_point_get(st, key, &p);
	if (rc == STORE_NOT_FOUND)
		return 0;
	if (!rc) {
		if (p.shift_days && !*shift)
			*shift = p.shift_days;
		rc = store_reading_latest(st, p.id, at, &ts, &v);
	}
	if (rc == STORE_NOT_FOUND)
		return 0;
	if (rc) {
		snprintf(err, errlen, "reading \"%s\": %s", key,
			 store_errmsg(st));
		return rc;
	}
	json_decref(*out);
	*out = json_pack("{s:o, s:f, s:I, s:b, s:i}", "ts", time_json(ts, tz),
			 "value", v, "age_s", (json_int_t)(at - ts), "stale",
			 core_reading_stale(at - ts, p.step_s), "step_s",
			 p.step_s);
	return 0;
}

static int weather_section(struct store *st, const char *name, int64_t at,
			   json_t **out, char *err, size_t errlen)
{
	static const struct {
		const char *field, *point;
		enum analytics_fn fn;
	} today[] = {
		{"temperature_max", "temperature", ANALYTICS_MAX},
		{"temperature_min", "temperature", ANALYTICS_MIN},
		{"precipitation_mm", "precipitation", ANALYTICS_SUM},
		{"sunshine_h", "sunshine", ANALYTICS_SUM},
	};
	struct section s = {0};
	json_t *latest = json_object(), *tod = json_object(), *v;
	char key[160];
	struct total t;
	bool has;
	int shift = 0, rc;

	*out = NULL;
	rc = pick_site(st, name, "weather", &s.site, &has, err, errlen);
	if (rc || !has)
		goto out;
	rc = section_open(&s, at, err, errlen);
	if (rc)
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(weather_names); i++) {
		snprintf(key, sizeof key, "%s/%s", s.site.name,
			 weather_names[i]);
		rc = latest_json(st, key, at, s.tz, &v, &shift, err, errlen);
		json_object_set_new(latest, weather_names[i], v);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(today); i++) {
		snprintf(key, sizeof key, "%s/%s", s.site.name,
			 today[i].point);
		rc = day_total(st, key, s.day_start, at, today[i].fn, &t, err,
			       errlen);
		if (rc)
			goto out;
		json_object_set_new(tod, today[i].field, total_json(&t));
	}
	json_object_set_new(s.obj, "shift_days", json_integer(shift));
	json_object_set(s.obj, "latest", latest);
	json_object_set(s.obj, "today", tod);
	*out = s.obj;
	s.obj = NULL;
out:
	json_decref(latest);
	json_decref(tod);
	section_close(&s);
	return rc;
}

/* --- the ranking ------------------------------------------------------- */

struct rank_walk {
	struct store *st;
	int64_t at;
	json_t *list;
	int rc;
	char *err;
	size_t errlen;
};

static int rank_on(const struct store_site_info *si, void *ctx)
{
	struct rank_walk *w = ctx;
	const struct store_site *site = &si->site;
	GTimeZone *tz;
	struct total e;
	double m2;
	int64_t t0;
	json_t *row;

	w->rc = store_site_floor_area(w->st, site->name, &m2);
	if (w->rc) {
		snprintf(w->err, w->errlen, "floor area of \"%s\": %s",
			 site->name, store_errmsg(w->st));
		return 1;
	}
	if (isnan(m2))
		return 0;
	tz = core_tz_new(site->tz);
	if (!tz) {
		snprintf(w->err, w->errlen,
			 "site \"%s\" has an unknown zone \"%s\"", site->name,
			 site->tz);
		w->rc = ANALYTICS_INVALID;
		return 1;
	}
	t0 = core_day_start(w->at, tz);
	g_time_zone_unref(tz);
	w->rc = site_energy(w->st, site->name, t0, w->at, true, &e, NULL,
			    w->err, w->errlen);
	if (w->rc)
		return 1;
	row = json_pack("{s:s, s:s, s:s, s:f, s:o, s:o}", "site", site->name,
			"kind", site->kind, "tz", site->tz, "floor_area_m2",
			m2, "energy_kwh", total_json(&e), "kwh_per_m2",
			e.has ? json_real(e.v / m2) : json_null());
	json_array_append_new(w->list, row);
	return 0;
}

/* Least energy per m2 first; no data last; ties by name. */
static int rank_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_t *vx = json_object_get(x, "kwh_per_m2");
	json_t *vy = json_object_get(y, "kwh_per_m2");

	if (json_is_number(vx) != json_is_number(vy))
		return json_is_number(vx) ? -1 : 1;
	if (json_is_number(vx) &&
	    json_number_value(vx) != json_number_value(vy))
		return json_number_value(vx) < json_number_value(vy) ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "site")),
		      json_string_value(json_object_get(y, "site")));
}

static int ranking_section(struct store *st, int64_t at, json_t **out,
			   char *err, size_t errlen)
{
	struct rank_walk w = {.st = st, .at = at, .err = err,
			      .errlen = errlen};
	json_t *sorted = NULL;
	json_t **v = NULL;
	size_t n, i;
	int rc;

	*out = NULL;
	w.list = json_array();
	rc = store_sites_list(st, false, rank_on, &w);
	if (rc < 0) {
		snprintf(err, errlen, "listing sites: %s", store_errmsg(st));
		goto out;
	}
	rc = w.rc;
	if (rc)
		goto out;

	n = json_array_size(w.list);
	v = g_new0(json_t *, n + 1);
	json_array_foreach(w.list, i, v[i]);
	qsort(v, n, sizeof *v, rank_cmp);
	sorted = json_array();
	for (i = 0; i < n; i++)
		json_array_append(sorted, v[i]);
	*out = json_pack("{s:I, s:o}", "at", (json_int_t)at, "sites", sorted);
	sorted = NULL;
out:
	g_free(v);
	json_decref(sorted);
	json_decref(w.list);
	return rc;
}

int analytics_signage(struct store *st,
		      const struct analytics_signage_sites *sites, int64_t at,
		      json_t **out, char *err, size_t errlen)
{
	const struct analytics_signage_sites none = {0};
	json_t *solar = NULL, *ev = NULL, *weather = NULL, *ranking = NULL;
	int rc;

	*out = NULL;
	/* analytics_aggregate()'s range: outside it GLib has no local day */
	if (at < SIGNAGE_TS_MIN || at > SIGNAGE_TS_MAX) {
		snprintf(err, errlen, "time out of range (years 2..9997)");
		return ANALYTICS_INVALID;
	}
	if (!sites)
		sites = &none;
	rc = solar_section(st, sites->solar, at, &solar, err, errlen);
	if (!rc)
		rc = ranking_section(st, at, &ranking, err, errlen);
	if (!rc)
		rc = ev_section(st, sites->ev, at, &ev, err, errlen);
	if (!rc)
		rc = weather_section(st, sites->weather, at, &weather, err,
				     errlen);
	if (rc) {
		json_decref(solar);
		json_decref(ranking);
		json_decref(ev);
		json_decref(weather);
		return rc;
	}
	*out = json_pack("{s:I, s:o, s:o, s:o, s:o}", "at", (json_int_t)at,
			 "solar", solar ? solar : json_null(), "ranking",
			 ranking, "ev", ev ? ev : json_null(), "weather",
			 weather ? weather : json_null());
	return *out ? 0 : ANALYTICS_NOMEM;
}
