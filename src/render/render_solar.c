/*
 * render_solar.c - slide 2, 太陽光 / Solar: the area's solar output today
 * drawn under its demand, so the share is seen as well as read, and
 * figures for output now and the share of demand now and for the day.
 *
 * Coordinates: device pixels, origin top left, y down.  Landscape puts
 * the chart on the left and the figures in a column on the right;
 * portrait puts the chart on top and the figures under it.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

bool render_solar_share(json_t *grid, double *now, double *today)
{
	json_t *sol = render_point(grid, "solar");
	json_t *dem = render_point(grid, "demand");
	double sv, dv, se, de;
	int64_t sts, dts;

	*now = NAN;
	*today = NAN;

	/* Now: the latest solar reading over demand at the same moment. */
	if (render_latest(sol, &sv, &sts) && render_latest(dem, &dv, &dts) &&
	    sts == dts && dv > 0)
		*now = sv / dv;

	/* The day: energy generated over energy used, both so far. */
	if (render_get(sol, "today", "energy_kwh", &se) &&
	    render_get(dem, "today", "energy_kwh", &de) && de > 0)
		*today = se / de;
	return !isnan(*now) || !isnan(*today);
}

static void solar_chart(struct render_ctx *c, struct render_rect r)
{
	json_t *sol = render_point(c->site, "solar");
	json_t *dem = render_point(c->site, "demand");
	json_t *scurve = render_array(sol, "curve");
	struct render_grid_unit gu = render_grid_unit();
	double vmax = 0, v;
	struct render_axes a;
	struct render_rect in;
	int64_t t0, t1;

	in = render_chart_panel(c, r, L_(N_("Solar and demand today")),
				(struct render_key[]){
					{ RENDER_RGB_DEMAND, false,
					  L_(N_("Demand")) },
					{ RENDER_RGB_SOLAR, true,
					  L_(N_("Solar")) },
				}, 2);

	if (!render_day(c, &t0, &t1) || !json_array_size(scurve)) {
		render_nodata(c, in);
		return;
	}
	if (render_get(dem, "today", "max", &v))
		vmax = fmax(vmax, v);
	if (render_get(sol, "today", "max", &v))
		vmax = fmax(vmax, v);

	a = render_chart_frame(c, in, (double)t0, (double)t1, 0,
			       fmax(vmax / gu.div, 1e4 / gu.div),
			       vmax / gu.div >= 5 ? 0 : gu.axis_decimals,
			       gu.power);
	render_chart_curve(c, &a, render_array(dem, "curve"), gu.div,
			   RENDER_RGB_DEMAND, 3 * c->u, 0.16);
	render_chart_curve(c, &a, scurve, gu.div, RENDER_RGB_SOLAR, 5 * c->u,
			   0.7);
	render_chart_last(c, &a, scurve, gu.div, gu.decimals,
			  RENDER_RGB_SOLAR);
}

static void solar_tiles(struct render_ctx *c, struct render_rect r)
{
	json_t *sol = render_point(c->site, "solar");
	struct render_grid_unit gu = render_grid_unit();
	struct render_tile out_t = {
		L_(N_("Solar output now")), .unit = gu.power,
		.rgb = RENDER_RGB_SOLAR, .bar = NAN,
	};
	struct render_tile now_t = {
		L_(N_("Share of demand now")), .unit = "%",
		.rgb = RENDER_RGB_SOLAR,
	};
	struct render_tile day_t = {
		L_(N_("Share of demand today")),
		.unit = "%", .rgb = RENDER_RGB_SOLAR,
	};
	char num[3][32], cja[2][96], cen[2][96], kwh[32];
	bool stale = false;
	double v, e;
	int64_t ts;

	if (render_latest(sol, &v, &ts)) {
		render_fmt_num(num[0], sizeof(num[0]), v / gu.div,
			       gu.decimals);
		stale = render_latest_stale(c, sol, ts);
		if (stale)
			render_fmt_when(cja[0], sizeof(cja[0]), cen[0],
					sizeof(cen[0]), N_("as of %s"), ts,
					c->tz);
		else
			render_fmt_as_of(cja[0], sizeof(cja[0]), cen[0],
					 sizeof(cen[0]), ts, c->tz);
		out_t.num = num[0];
		out_t.cap_ja = cja[0];
		out_t.cap_en = cen[0];
	}

	/* The share now is of the same readings: dated alike when old. */
	render_solar_share(c->site, &now_t.bar, &day_t.bar);
	if (!isnan(now_t.bar)) {
		render_fmt_num(num[1], sizeof(num[1]), now_t.bar * 100, 1);
		now_t.num = num[1];
		if (stale) {
			now_t.cap_ja = cja[0];
			now_t.cap_en = cen[0];
		}
	}
	if (stale) {
		out_t.rgb = RENDER_RGB_TEXT_2;
		now_t.rgb = RENDER_RGB_TEXT_2;
	}
	if (!isnan(day_t.bar)) {
		render_fmt_num(num[2], sizeof(num[2]), day_t.bar * 100, 1);
		day_t.num = num[2];
		if (render_get(sol, "today", "energy_kwh", &e)) {
			render_fmt_num(kwh, sizeof(kwh), e / gu.div,
				       gu.decimals);
			render_trf(cja[1], sizeof(cja[1]), cen[1],
				   sizeof(cen[1]), N_("generated: %s %s"),
				   kwh, gu.energy);
			day_t.cap_ja = cja[1];
			day_t.cap_en = cen[1];
		}
	}

	render_tiles(c, r, true,
		     (struct render_tile[]){ out_t, now_t, day_t }, 3);
}

void render_solar(struct render_ctx *c, struct render_rect body)
{
	struct render_rect chart, tiles;

	render_chart_and_tiles(c, body, &chart, &tiles);
	solar_chart(c, chart);
	solar_tiles(c, tiles);
}
