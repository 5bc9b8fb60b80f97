/*
 * render_household.c - slide 3, わが家の電気 / Household: kWh by hour,
 * today beside yesterday, with figures for today so far (against
 * yesterday by the same time), the month so far and rooftop solar.
 *
 * Coordinates: device pixels, origin top left, y down.  Landscape puts
 * the bars on the left and the figures in a column on the right;
 * portrait puts the bars on top.  Hour i of a local day spans
 * [day_start + i h, day_start + (i + 1) h), which holds on DST days too,
 * as the local hours of a day are consecutive.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

/* The largest number in an hourly array (0 when there is none). */
static double array_max(json_t *a)
{
	double m = 0, v;
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (render_num(e, &v))
			m = fmax(m, v);
	return m;
}

/* One bar per hour of a, in the slot's part [f0, f1) of each hour. */
static void bars(struct render_ctx *c, const struct render_axes *a,
		 json_t *hours, double f0, double f1, uint32_t rgb)
{
	cairo_t *cr = c->cr;
	json_t *e;
	size_t i;
	double v;

	cairo_save(cr);
	render_set_rgb(cr, render_rgb_hex(rgb), 1.0);
	json_array_foreach(hours, i, e) {
		double t = a->t0 + (double)i * 3600;
		double x0 = render_axes_x(a, t + f0 * 3600);
		double x1 = render_axes_x(a, t + f1 * 3600);
		double y0 = render_axes_y(a, 0);

		if (!render_num(e, &v) || v <= 0 || t >= a->t1)
			continue;
		render_round_rect(cr, (struct render_rect){
			x0, render_axes_y(a, v), x1 - x0,
			y0 - render_axes_y(a, v) + 4 * c->u }, 4 * c->u);
		cairo_fill(cr);
	}
	cairo_restore(cr);
}

static void hourly_chart(struct render_ctx *c, struct render_rect r)
{
	json_t *pt = render_point(c->site, "consumption");
	json_t *today = render_array(pt, "hourly_today");
	json_t *yday = render_array(pt, "hourly_yesterday");
	double vmax;
	struct render_axes a;
	struct render_rect in;
	int64_t t0, t1;

	in = render_chart_panel(c, r, L_(N_("Use by hour")),
				(struct render_key[]){
					{ RENDER_RGB_TODAY, true,
					  L_(N_("Today")) },
					{ RENDER_RGB_YESTERDAY, true,
					  L_(N_("Yesterday")) },
				}, 2);

	vmax = fmax(array_max(today), array_max(yday));
	if (!render_day(c, &t0, &t1) || vmax <= 0) {
		render_nodata(c, in);
		return;
	}
	a = render_chart_frame(c, in, (double)t0, (double)t1, 0, vmax * 1.08,
			       1, "kWh");

	/* The bars sit a little above the axis line, which they cover
	 * otherwise; clip their rounded feet to the plot. */
	cairo_save(c->cr);
	cairo_rectangle(c->cr, a.plot.x, a.plot.y, a.plot.w, a.plot.h);
	cairo_clip(c->cr);
	bars(c, &a, yday, 0.12, 0.48, RENDER_RGB_YESTERDAY);
	bars(c, &a, today, 0.52, 0.88, RENDER_RGB_TODAY);
	cairo_restore(c->cr);
	render_chart_now(c, &a, (double)c->d->now);
}

/* Yesterday's kWh up to the time of day today's total was taken at:
 * whole hours, and the last hour pro rata.  false without yesterday's
 * data. */
static bool yesterday_by_now(struct render_ctx *c, json_t *pt, double *out)
{
	json_t *yday = render_array(pt, "hourly_yesterday");
	double at = (double)render_data_at(c);
	int64_t t0, t1;
	double sum = 0, v, frac;
	bool any = false;
	size_t i;

	if (!render_day(c, &t0, &t1) || at < (double)t0)
		return false;
	for (i = 0; i < json_array_size(yday); i++) {
		double start = (double)(t0 + (int64_t)i * 3600);

		if (start >= at)
			break;
		if (!render_num(json_array_get(yday, i), &v))
			continue;
		frac = fmin((at - start) / 3600, 1);
		sum += v * frac;
		any = true;
	}
	*out = sum;
	return any;
}

static void household_tiles(struct render_ctx *c, struct render_rect r)
{
	/* One message a month: the day and month come in another order
	 * and form in each language. */
	static const char *const since[] = {
		N_("since 1 Jan"), N_("since 1 Feb"), N_("since 1 Mar"),
		N_("since 1 Apr"), N_("since 1 May"), N_("since 1 Jun"),
		N_("since 1 Jul"), N_("since 1 Aug"), N_("since 1 Sep"),
		N_("since 1 Oct"), N_("since 1 Nov"), N_("since 1 Dec"),
	};
	json_t *use = render_point(c->site, "consumption");
	json_t *pv = render_point(c->site, "pv");
	struct render_tile day_t = {
		L_(N_("Used today so far")), .unit = "kWh",
		.rgb = RENDER_RGB_TODAY, .bar = NAN,
	};
	struct render_tile month_t = {
		L_(N_("This month so far")), .unit = "kWh",
		.rgb = RENDER_RGB_TEXT, .bar = NAN,
	};
	struct render_tile pv_t = {
		L_(N_("Rooftop solar today")), .unit = "kWh",
		.rgb = RENDER_RGB_SOLAR, .bar = NAN,
	};
	char num[3][32], other[32], cja[3][96], cen[3][96];
	double v, y, kw;
	int64_t t0, t1, ts;

	/* today so far, against yesterday by the same time */
	if (render_get(use, "today", "energy_kwh", &v)) {
		render_fmt_num(num[0], sizeof(num[0]), v, 2);
		day_t.num = num[0];
		if (yesterday_by_now(c, use, &y)) {
			render_fmt_num(other, sizeof(other), y, 2);
			render_trf(cja[0], sizeof(cja[0]), cen[0],
				   sizeof(cen[0]),
				   N_("yesterday by now: %s kWh"), other);
			day_t.cap_ja = cja[0];
			day_t.cap_en = cen[0];
		}
	}

	/* the month so far, from its first day */
	if (render_get(use, "month", "energy_kwh", &v) &&
	    render_day(c, &t0, &t1)) {
		GDateTime *u = g_date_time_new_from_unix_utc(t0);
		GDateTime *l = g_date_time_to_timezone(u, c->tz);
		int m = g_date_time_get_month(l);

		g_date_time_unref(l);
		g_date_time_unref(u);
		render_fmt_num(num[1], sizeof(num[1]), v, 1);
		month_t.num = num[1];
		month_t.cap_ja = _(since[m - 1]);
		month_t.cap_en = render_tr2(since[m - 1]);
	}

	/* rooftop solar today, and what it gives now */
	if (render_get(pv, "today", "energy_kwh", &v)) {
		render_fmt_num(num[2], sizeof(num[2]), v, 2);
		pv_t.num = num[2];
		/* An old reading is no "now": the caption dates it. */
		if (render_latest(pv, &kw, &ts) &&
		    render_latest_stale(c, pv, ts)) {
			render_fmt_when(cja[2], sizeof(cja[2]), cen[2],
					sizeof(cen[2]), N_("last reading %s"),
					ts, c->tz);
			pv_t.cap_ja = cja[2];
			pv_t.cap_en = cen[2];
		} else if (render_latest(pv, &kw, NULL)) {
			render_fmt_num(other, sizeof(other), kw, 2);
			render_trf(cja[2], sizeof(cja[2]), cen[2],
				   sizeof(cen[2]), N_("now %s kW"), other);
			pv_t.cap_ja = cja[2];
			pv_t.cap_en = cen[2];
		}
	}

	render_tiles(c, r, true,
		     (struct render_tile[]){ day_t, month_t, pv_t }, 3);
}

void render_household(struct render_ctx *c, struct render_rect body)
{
	struct render_rect chart, tiles;

	render_chart_and_tiles(c, body, &chart, &tiles);
	hourly_chart(c, chart);
	household_tiles(c, tiles);
}
