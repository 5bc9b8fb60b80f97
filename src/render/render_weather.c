/*
 * render_weather.c - outdoor weather from the JMA hourly observations:
 * the latest temperature, humidity, the hour's precipitation and
 * today's sunshine.  An hour JMA marked 現象なし (no phenomenon) was
 * stored as a real 0 by the importer, so it reads "none" (なし) here
 * rather than as missing.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  Landscape: two rows of two tiles; portrait: four tiles
 * one under the other.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

#include "core/timeutil.h"

/* One figure's tile texts. */
struct wx {
	char num[32], cja[96], cen[96];
};

/* The latest reading of element name: value and its time. */
static bool latest(struct render_ctx *c, const char *name, double *v,
		   int64_t *ts)
{
	json_t *l = json_object_get(json_object_get(c->site, "latest"), name);

	return render_num(json_object_get(l, "value"), v) &&
	       render_time(l, "ts", ts);
}

static void as_of(struct render_ctx *c, struct wx *w, int64_t ts)
{
	render_fmt_as_of(w->cja, sizeof w->cja, w->cen, sizeof w->cen, ts,
			 c->tz);
}

/* Whether observation name, of time ts, is too old to be the weather
 * now: the server's judgement with the point's step where the answer
 * carries it ("stale"), else JMA's hour, for an answer from a server
 * that predates it.  From the cache, the server's "no" was said at its
 * "at": the observation is judged again at the kiosk's clock, with the
 * step the answer names (JMA's hour without one). */
static bool old(struct render_ctx *c, const char *name, int64_t ts)
{
	json_t *l = json_object_get(json_object_get(c->site, "latest"), name);
	json_t *st = json_object_get(l, "stale");
	int64_t step = 3600;

	if (json_is_true(st))
		return true;
	if (json_is_boolean(st) && !c->d->stale)
		return false;
	if (json_is_integer(json_object_get(l, "step_s")))
		step = render_point_step(l);
	return core_reading_stale(render_judge_at(c) - ts, step);
}

/* Tile t's figure, of observation name at ts, dated instead of
 * captioned, in the secondary text colour, when it is too old. */
static void mark_old(struct render_ctx *c, struct render_tile *t,
		     struct wx *w, const char *name, int64_t ts)
{
	if (!old(c, name, ts))
		return;
	render_fmt_when(w->cja, sizeof w->cja, w->cen, sizeof w->cen,
			N_("as of %s"), ts, c->tz);
	t->rgb = RENDER_RGB_TEXT_2;
}

void render_weather(struct render_ctx *c, struct render_rect body)
{
	json_t *today = json_object_get(c->site, "today");
	struct render_tile t[4] = {
		/* "Air temperature": the indoor slide's "Temperature" is a
		 * room's, 室温, and the catalogue has one text a msgid. */
		{ L_(N_("Air temperature")), .unit = "℃",
		  .rgb = RENDER_RGB_DEMAND, .bar = NAN },
		{ L_(N_("Humidity")), .unit = "%",
		  .rgb = RENDER_RGB_AIR, .bar = NAN },
		{ L_(N_("Precipitation, last hour")), .unit = "mm",
		  .rgb = RENDER_RGB_SUPPLY, .bar = NAN },
		{ L_(N_("Sunshine today")), .unit = _("h"),
		  .rgb = RENDER_RGB_SOLAR, .bar = NAN },
	};
	struct wx w[4] = {0};
	struct render_rect rows[2];
	double v, hi, lo;
	int64_t ts;

	if (latest(c, "temperature", &v, &ts)) {
		render_fmt_num(w[0].num, sizeof w[0].num, v, 1);
		t[0].num = w[0].num;
		if (render_get(today, "temperature_max", NULL, &hi) &&
		    render_get(today, "temperature_min", NULL, &lo)) {
			render_trf(w[0].cja, sizeof w[0].cja, w[0].cen,
				   sizeof w[0].cen,
				   N_("high %.1f / low %.1f ℃ today"), hi,
				   lo);
		} else {
			as_of(c, &w[0], ts);
		}
		mark_old(c, &t[0], &w[0], "temperature", ts);
	}
	if (latest(c, "humidity", &v, &ts)) {
		render_fmt_num(w[1].num, sizeof w[1].num, v, 0);
		t[1].num = w[1].num;
		as_of(c, &w[1], ts);
		mark_old(c, &t[1], &w[1], "humidity", ts);
	}
	if (latest(c, "precipitation", &v, &ts)) {
		render_fmt_num(w[2].num, sizeof w[2].num, v, 1);
		t[2].num = w[2].num;
		if (v == 0) {
			snprintf(w[2].num, sizeof w[2].num, "%s",
				 _("none"));
			t[2].unit = "";
		}
		as_of(c, &w[2], ts);
		if (render_get(today, "precipitation_mm", NULL, &v)) {
			render_trf(w[2].cja, sizeof w[2].cja, w[2].cen,
				   sizeof w[2].cen,
				   N_("today's total %.1f mm"), v);
		}
		mark_old(c, &t[2], &w[2], "precipitation", ts);
	}
	if (render_get(today, "sunshine_h", NULL, &v)) {
		render_fmt_num(w[3].num, sizeof w[3].num, v, 1);
		t[3].num = w[3].num;
		if (latest(c, "sunshine", &v, &ts))
			as_of(c, &w[3], ts);
	}
	for (int i = 0; i < 4; i++) {
		if (t[i].num && w[i].cja[0]) {
			t[i].cap_ja = w[i].cja;
			t[i].cap_en = w[i].cen;
		}
	}

	if (c->portrait) {
		render_tiles(c, body, true, t, 4);
		return;
	}
	render_split(body, 2, 28 * c->u, true, rows);
	render_tiles(c, rows[0], false, t, 2);
	render_tiles(c, rows[1], false, t + 2, 2);
}
