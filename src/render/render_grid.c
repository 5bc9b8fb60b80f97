/*
 * render_grid.c - slide 1, でんき予報 / Grid status: the usage gauge,
 * today's demand against supply, and figures for the peak, demand now
 * and supply.  A figure whose reading is too old to be current
 * (render_latest_stale()) is dated and drawn in the secondary text
 * colour.
 *
 * Coordinates: device pixels, origin top left, y down.  Landscape puts
 * the gauge on the left and the chart over the figures on the right;
 * portrait stacks gauge, chart and figures from the top.
 *
 * The grid's power is in kW in the summary and in 万kW (10,000 kW) on
 * a Japanese screen, as TEPCO publishes it, in GW on an English one
 * (render_grid_unit).
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

static void gauge_panel(struct render_ctx *c, struct render_rect r)
{
	json_t *pt = render_point(c->site, "usage_hourly");
	struct render_rect in;
	double usage;
	int64_t ts;

	render_panel(c, r);
	in = render_panel_head(c, r, L_(N_("Usage (demand / supply)")));
	if (!render_latest(pt, &usage, &ts)) {
		render_nodata(c, in);
		return;
	}
	render_gauge(c, in, usage, ts, render_latest_stale(c, pt, ts));
}

static void demand_chart(struct render_ctx *c, struct render_rect r)
{
	json_t *dem = render_point(c->site, "demand");
	json_t *sup = render_point(c->site, "supply_hourly");
	json_t *dcurve = render_array(dem, "curve");
	json_t *scurve = render_array(sup, "curve");
	struct render_grid_unit gu = render_grid_unit();
	double vmax = 0, v, step_s = 3600;
	struct render_axes a;
	struct render_rect in;
	int64_t t0, t1;

	in = render_chart_panel(c, r, L_(N_("Demand and supply")),
				(struct render_key[]){
					{ RENDER_RGB_SUPPLY, false,
					  L_(N_("Supply")) },
					{ RENDER_RGB_DEMAND, false,
					  L_(N_("Demand")) },
				}, 2);

	if (!render_day(c, &t0, &t1) ||
	    (!json_array_size(dcurve) && !json_array_size(scurve))) {
		render_nodata(c, in);
		return;
	}
	if (render_get(dem, "today", "max", &v))
		vmax = fmax(vmax, v);
	if (render_get(sup, "today", "max", &v))
		vmax = fmax(vmax, v);
	if (render_get(sup, "step_s", NULL, &v) && v > 0)
		step_s = v;

	a = render_chart_frame(c, in, (double)t0, (double)t1, 0,
			       fmax(vmax / gu.div, 1e4 / gu.div),
			       vmax / gu.div >= 5 ? 0 : gu.axis_decimals,
			       gu.power);
	render_chart_steps(c, &a, scurve, gu.div, step_s, RENDER_RGB_SUPPLY,
			   4 * c->u, true);
	render_chart_curve(c, &a, dcurve, gu.div, RENDER_RGB_DEMAND, 5 * c->u,
			   0.45);
	render_chart_last(c, &a, dcurve, gu.div, gu.decimals,
			  RENDER_RGB_DEMAND);
}

/* Peak so far, demand now, and supply with the headroom it leaves. */
static void grid_tiles(struct render_ctx *c, struct render_rect r)
{
	json_t *dem = render_point(c->site, "demand");
	json_t *dh = render_point(c->site, "demand_hourly");
	json_t *sup = render_point(c->site, "supply_hourly");
	json_t *peak = json_object_get(json_object_get(dem, "today"), "peak");
	struct render_grid_unit gu = render_grid_unit();
	struct render_tile peak_t = {
		L_(N_("Today's peak")), .unit = gu.power,
		.rgb = RENDER_RGB_TEXT, .bar = NAN,
	};
	struct render_tile now_t = {
		L_(N_("Demand now")), .unit = gu.power,
		.rgb = RENDER_RGB_DEMAND, .bar = NAN,
	};
	struct render_tile sup_t = {
		L_(N_("Supply")), .unit = gu.power, .rgb = RENDER_RGB_SUPPLY,
		.bar = NAN,
	};
	char num[3][32], hm[16], cja[3][96], cen[3][96], room[32];
	double v, dv;
	int64_t ts, dts;

	if (render_get(peak, "value", NULL, &v) &&
	    render_time(peak, "ts", &ts)) {
		render_fmt_num(num[0], sizeof(num[0]), v / gu.div,
			       gu.decimals);
		render_fmt_hm(hm, sizeof(hm), ts, c->tz);
		render_trf(cja[0], sizeof(cja[0]), cen[0], sizeof(cen[0]),
			   N_("reached at %s"), hm);
		peak_t.num = num[0];
		peak_t.cap_ja = cja[0];
		peak_t.cap_en = cen[0];
	}

	if (render_latest(dem, &v, &ts)) {
		render_fmt_num(num[1], sizeof(num[1]), v / gu.div,
			       gu.decimals);
		if (render_latest_stale(c, dem, ts)) {
			render_fmt_when(cja[1], sizeof(cja[1]), cen[1],
					sizeof(cen[1]), N_("as of %s"), ts,
					c->tz);
			now_t.rgb = RENDER_RGB_TEXT_2;
		} else {
			render_fmt_as_of(cja[1], sizeof(cja[1]), cen[1],
					 sizeof(cen[1]), ts, c->tz);
		}
		now_t.num = num[1];
		now_t.cap_ja = cja[1];
		now_t.cap_en = cen[1];
	}

	if (render_latest(sup, &v, &ts)) {
		render_fmt_num(num[2], sizeof(num[2]), v / gu.div,
			       gu.decimals);

		/* Headroom only against the same hour's demand, and only
		 * while the hour is recent enough to be the state now. */
		if (render_latest_stale(c, sup, ts)) {
			render_fmt_when(cja[2], sizeof(cja[2]), cen[2],
					sizeof(cen[2]),
					N_("for the hour from %s"), ts, c->tz);
			sup_t.rgb = RENDER_RGB_TEXT_2;
		} else if (render_latest(dh, &dv, &dts) && dts == ts) {
			render_fmt_num(room, sizeof(room), (v - dv) / gu.div,
				       gu.decimals);
			render_trf(cja[2], sizeof(cja[2]), cen[2],
				   sizeof(cen[2]), N_("headroom %s %s"),
				   room, gu.power);
		} else {
			render_fmt_hm(hm, sizeof(hm), ts, c->tz);
			render_trf(cja[2], sizeof(cja[2]), cen[2],
				   sizeof(cen[2]), N_("for the hour from %s"),
				   hm);
		}
		sup_t.num = num[2];
		sup_t.cap_ja = cja[2];
		sup_t.cap_en = cen[2];
	}

	render_tiles(c, r, false,
		     (struct render_tile[]){ peak_t, now_t, sup_t }, 3);
}

void render_grid(struct render_ctx *c, struct render_rect body)
{
	double gap = 28 * c->u;
	struct render_rect gauge, rest, chart, tiles;

	if (c->portrait) {
		render_cut(body, 0.46, gap, true, &gauge, &rest);
		render_cut(rest, 0.58, gap, true, &chart, &tiles);
	} else {
		render_cut(body, 0.34, gap, false, &gauge, &rest);
		render_cut(rest, 0.57, gap, true, &chart, &tiles);
	}
	gauge_panel(c, gauge);
	demand_chart(c, chart);
	grid_tiles(c, tiles);
}
