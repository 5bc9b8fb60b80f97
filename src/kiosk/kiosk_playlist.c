/*
 * kiosk_playlist.c - the layers and schedules of kiosk_playlist.h.
 */
#include "kiosk/kiosk_playlist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "render/render.h"

#define DAY_MIN 1440

const char *kiosk_layer_name(enum kiosk_layer layer)
{
	switch (layer) {
	case KIOSK_LAYER_DEFAULT: return "default";
	case KIOSK_LAYER_SCHEDULE: return "schedule";
	case KIOSK_LAYER_DATA: return "data";
	case KIOSK_LAYER_EMERGENCY: return "emergency";
	}
	return "?";
}

/* "HH:MM" -> minutes, or -1; missing: dflt. */
static int hm(json_t *v, int dflt)
{
	const char *s = json_string_value(v);
	int h, m;

	if (!v)
		return dflt;
	if (!s || sscanf(s, "%2d:%2d", &h, &m) != 2 || h < 0 || h > 24 ||
	    m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

static unsigned weekday_mask(json_t *days)
{
	static const char *const names[7] = {"mon", "tue", "wed", "thu",
					     "fri", "sat", "sun"};
	unsigned mask = 0;
	size_t i;
	json_t *d;

	if (!days)
		return 127;
	json_array_foreach(days, i, d) {
		for (int k = 0; k < 7; k++)
			if (json_is_string(d) &&
			    !strcmp(json_string_value(d), names[k]))
				mask |= 1u << k;
	}
	return mask;
}

/* Whether day d (its local date and weekday) is one of s's days. */
static bool day_ok(json_t *s, GDateTime *d)
{
	const char *from = json_string_value(json_object_get(s, "from"));
	const char *to = json_string_value(json_object_get(s, "to"));
	unsigned mask = weekday_mask(json_object_get(s, "weekdays"));
	int wd = g_date_time_get_day_of_week(d);	/* 1 Monday */
	char date[16];

	snprintf(date, sizeof date, "%04d-%02d-%02d",
		 g_date_time_get_year(d), g_date_time_get_month(d),
		 g_date_time_get_day_of_month(d));
	if (from && strcmp(date, from) < 0)
		return false;
	if (to && strcmp(date, to) >= 0)
		return false;
	return (mask & (1u << (wd - 1))) != 0;
}

bool kiosk_schedule_active(json_t *s, int64_t t, GTimeZone *tz)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t);
	GDateTime *d = utc ? g_date_time_to_timezone(utc, tz) : NULL;
	GDateTime *prev = NULL;
	int start = hm(json_object_get(s, "start"), 0);
	int end = hm(json_object_get(s, "end"), DAY_MIN);
	bool on = false;
	int m;

	if (!d || start < 0 || end < 0)
		goto out;
	m = g_date_time_get_hour(d) * 60 + g_date_time_get_minute(d);

	if (start < end) {
		on = m >= start && m < end && day_ok(s, d);
		goto out;
	}
	/* Past midnight: the evening part belongs to today, the morning
	 * part to the day before, whose date and weekday count. */
	if (m >= start) {
		on = day_ok(s, d);
	} else if (m < end) {
		prev = g_date_time_add_days(d, -1);
		on = prev && day_ok(s, prev);
	}

out:
	if (prev)
		g_date_time_unref(prev);
	if (d)
		g_date_time_unref(d);
	if (utc)
		g_date_time_unref(utc);
	return on;
}

json_t *kiosk_playlist_schedule(json_t *content, int64_t t, GTimeZone *tz)
{
	json_t *list = json_object_get(content, "schedules"), *s, *best = NULL;
	json_int_t best_prio = 0, best_id = 0;
	size_t i;

	json_array_foreach(list, i, s) {
		json_int_t prio = json_integer_value(
		    json_object_get(s, "priority"));
		json_int_t id = json_integer_value(json_object_get(s, "id"));

		if (!kiosk_schedule_active(s, t, tz))
			continue;
		if (!best || prio > best_prio ||
		    (prio == best_prio && id < best_id)) {
			best = s;
			best_prio = prio;
			best_id = id;
		}
	}
	return best;
}

/* Whether a point's latest reading, at RFC 3339 time ts, is too old
 * at t to say anything of the grid or the home now: the slides' rule
 * (core_reading_stale(), with render_point_step()).  A time that cannot
 * be read is taken as it is. */
static bool stale(json_t *pt, int64_t t)
{
	const char *ts = json_string_value(json_object_get(
		json_object_get(pt, "latest"), "ts"));
	GDateTime *when = ts ? g_date_time_new_from_iso8601(ts, NULL) : NULL;
	bool old = when &&
		   core_reading_stale(t - g_date_time_to_unix(when),
				      render_point_step(pt));

	if (when)
		g_date_time_unref(when);
	return old;
}

/* The latest value of the summary's point "<site>/name", unless it is
 * stale at t. */
static bool latest(json_t *site, const char *name, int64_t t, double *out)
{
	json_t *pts = json_object_get(site, "points"), *pt;
	size_t i, n = strlen(name);

	json_array_foreach(pts, i, pt) {
		const char *key = json_string_value(json_object_get(pt, "key"));
		size_t k = key ? strlen(key) : 0;
		json_t *v;

		if (k <= n || key[k - n - 1] != '/' ||
		    strcmp(key + k - n, name))
			continue;
		v = json_object_get(json_object_get(pt, "latest"), "value");
		if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
		    stale(pt, t))
			return false;
		*out = json_number_value(v);
		return true;
	}
	return false;
}

enum kiosk_saving kiosk_playlist_saving(json_t *content, int64_t t,
					json_t *grid, json_t *home,
					double *value, double *limit)
{
	json_t *rules = json_object_get(json_object_get(content, "layers"),
					"saving");
	json_t *g = json_object_get(rules, "grid_usage_pct");
	json_t *h = json_object_get(rules, "home_demand_kw");
	double v;

	if (json_is_number(g) && latest(grid, "usage_hourly", t, &v) &&
	    v >= json_number_value(g)) {
		*value = v;
		*limit = json_number_value(g);
		return KIOSK_SAVING_GRID;
	}
	if (json_is_number(h) && latest(home, "consumption", t, &v) &&
	    v > json_number_value(h)) {
		*value = v;
		*limit = json_number_value(h);
		return KIOSK_SAVING_HOME;
	}
	return KIOSK_SAVING_NONE;
}

/* Whether this kiosk can show one of the items at least. */
static bool any_known(json_t *items)
{
	enum render_slide slide;
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it) {
		const char *name = json_string_value(json_object_get(it,
								     "slide"));

		if (name && !render_slide_parse(name, &slide))
			return true;
	}
	return false;
}

/* Points out at the playlist name of content, when it has one with a
 * slide this kiosk knows. */
static bool use_playlist(json_t *content, const char *name,
			 struct kiosk_playlist_pick *out)
{
	json_t *p = name ? json_object_get(json_object_get(content,
							    "playlists"),
					   name)
			 : NULL;
	json_t *items = json_object_get(p, "items");

	if (!json_is_array(items) || !any_known(items))
		return false;
	out->playlist = name;
	out->items = items;
	out->revision = json_integer_value(json_object_get(p, "revision"));
	return true;
}

void kiosk_playlist_pick(json_t *content, int64_t t, GTimeZone *tz,
			 const struct kiosk_playlist_input *in,
			 struct kiosk_playlist_pick *out)
{
	json_t *em = json_object_get(content, "emergency"), *s;
	const char *name;

	memset(out, 0, sizeof *out);
	out->layer = KIOSK_LAYER_DEFAULT;
	if (!content)
		return;

	/* The layers below the top one still choose a playlist, so that
	 * the display knows where it is when the top one goes. */
	if (in->clock_trusted) {
		s = kiosk_playlist_schedule(content, t, tz);
		name = json_string_value(json_object_get(s, "playlist"));
		if (s && use_playlist(content, name, out)) {
			out->layer = KIOSK_LAYER_SCHEDULE;
			out->schedule_id = json_integer_value(
			    json_object_get(s, "id"));
		}
	} else if (use_playlist(content, in->last_playlist, out)) {
		out->layer = KIOSK_LAYER_SCHEDULE;
	}
	if (out->layer == KIOSK_LAYER_DEFAULT)
		use_playlist(content, json_string_value(json_object_get(
					  content, "default")), out);

	out->saving = kiosk_playlist_saving(content, t, in->grid, in->home,
					    &out->saving_value,
					    &out->saving_limit);
	if (out->saving != KIOSK_SAVING_NONE)
		out->layer = KIOSK_LAYER_DATA;

	if (json_is_string(json_object_get(em, "message"))) {
		out->layer = KIOSK_LAYER_EMERGENCY;
		out->message = json_string_value(json_object_get(em,
								 "message"));
		out->emergency_id = json_integer_value(json_object_get(em,
								       "id"));
	}
}

void kiosk_playlist_cursor_init(struct kiosk_playlist_cursor *c)
{
	memset(c, 0, sizeof *c);
	c->index = -1;
}

bool kiosk_playlist_advance(struct kiosk_playlist_cursor *c,
			    const struct kiosk_playlist_pick *p, long n)
{
	const char *name = p->playlist ? p->playlist : "";
	bool same = c->index >= 0 && c->layer == p->layer &&
		    !strcmp(c->playlist, name) && c->revision == p->revision;

	if (same && n > 0) {
		c->index = (c->index + 1) % n;
		return false;
	}
	c->layer = p->layer;
	g_strlcpy(c->playlist, name, sizeof c->playlist);
	c->revision = p->revision;
	c->index = 0;
	return true;
}
