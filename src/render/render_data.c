/*
 * render_data.c - reading the site summaries the slides are drawn from
 * (their shape is analytics_summary()'s, see cloud/analytics/analytics.h).
 *
 * Every accessor tolerates a NULL or malformed summary and says so by
 * returning false or NULL, so a slide can fall back to its no-data panel
 * instead of drawing nonsense.
 */
#include "render/render_internal.h"

#include <math.h>
#include <string.h>

#include "core/timeutil.h"

json_t *render_point(json_t *site, const char *name)
{
	json_t *pts = json_object_get(site, "points"), *pt;
	size_t i, nlen = strlen(name);

	json_array_foreach(pts, i, pt) {
		const char *key = json_string_value(json_object_get(pt, "key"));
		size_t klen = key ? strlen(key) : 0;

		/* "<site>/<name>": any site of the right kind will do. */
		if (klen > nlen && key[klen - nlen - 1] == '/' &&
		    strcmp(key + klen - nlen, name) == 0)
			return pt;
	}
	return NULL;
}

bool render_num(json_t *v, double *out)
{
	double x;

	if (!json_is_number(v))
		return false;
	x = json_number_value(v);
	if (!isfinite(x))
		return false;
	*out = x;
	return true;
}

bool render_get(json_t *obj, const char *a, const char *b, double *out)
{
	json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	return render_num(v, out);
}

bool render_time(json_t *obj, const char *field, int64_t *out)
{
	json_t *v = json_object_get(obj, field);
	int64_t t;

	if (json_is_integer(v))
		t = json_integer_value(v);
	else if (!json_is_string(v) ||
		 core_time_parse(json_string_value(v), &t))
		return false;

	/* A time no calendar can show is as good as none, and keeps the
	 * day arithmetic below from overflowing. */
	if (t < RENDER_TIME_MIN || t > RENDER_TIME_MAX)
		return false;
	*out = t;
	return true;
}

bool render_latest(json_t *pt, double *value, int64_t *ts)
{
	json_t *l = json_object_get(pt, "latest");
	int64_t t;

	if (!render_get(l, "value", NULL, value))
		return false;
	if (!render_time(l, "ts", &t))
		return false;
	if (ts)
		*ts = t;
	return true;
}

/* A step no feed has (negative, or beyond a year) counts as none. */
static int64_t step_field(json_t *pt, const char *field)
{
	double step = 0;

	if (!render_get(pt, field, NULL, &step) || !(step > 0) ||
	    step > 366 * 86400)
		return 0;
	return (int64_t)step;
}

int64_t render_point_step(json_t *pt)
{
	int64_t step = step_field(pt, "step_s");

	return step ? step : step_field(pt, "spacing_s");
}

bool render_latest_stale(struct render_ctx *c, json_t *pt, int64_t ts)
{
	return core_reading_stale(render_judge_at(c) - ts,
				  render_point_step(pt));
}

int64_t render_data_at(struct render_ctx *c)
{
	int64_t at;

	return render_time(c->site, "at", &at) ? at : c->d->now;
}

int64_t render_judge_at(struct render_ctx *c)
{
	int64_t at = render_data_at(c);

	/* Fresh, the summary is of the kiosk's minute, or of the replay's
	 * time the slide was fetched for.  From the cache it is of the
	 * last answer, and the kiosk's clock has gone on since. */
	return c->d->stale && c->d->now > at ? c->d->now : at;
}

bool render_day(struct render_ctx *c, int64_t *t0, int64_t *t1)
{
	int64_t start;

	if (!render_time(c->site, "day_start", &start)) {
		if (!c->site)
			return false;
		start = core_day_start(c->d->now, c->tz);
	}

	/* The next local midnight, which is 23 or 25 hours away on a DST
	 * change day. */
	*t0 = start;
	*t1 = core_day_start(start + 36 * 3600, c->tz);
	return *t1 > *t0;
}

bool render_shift_days(json_t *site, int *days)
{
	json_t *pts = json_object_get(site, "points"), *pt;
	json_t *own = json_object_get(site, "shift_days");
	size_t i;

	/* A signage section (analytics_signage.h) says it once for all. */
	*days = 0;
	if (json_is_integer(own)) {
		*days = (int)json_integer_value(own);
		return true;
	}
	json_array_foreach(pts, i, pt) {
		json_int_t s = json_integer_value(
		    json_object_get(pt, "shift_days"));

		if (s) {
			*days = (int)s;
			break;
		}
	}
	return json_array_size(pts) > 0;
}

json_t *render_array(json_t *pt, const char *field)
{
	json_t *a = json_object_get(pt, field);

	return json_is_array(a) ? a : NULL;
}
