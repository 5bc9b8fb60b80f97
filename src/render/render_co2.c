/*
 * render_co2.c - the CO2 that local solar avoided today, with everyday
 * equivalents: the cedars that would absorb as much in a day and the
 * hours of LED light the same energy gives.  The figures come from the
 * server (analytics_signage.h), which states the factors; the slide
 * names them in its footnote so that a viewer can check them.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  Landscape: the CO2 figure across the top, the three
 * equivalents in a row under it, the footnote at the bottom.  Portrait:
 * the four one under the other.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

static void footnote(struct render_ctx *c, struct render_rect r)
{
	const char *src = json_string_value(
	    json_object_get(c->site, "co2_factor_source"));
	struct render_style st = {
		.px = 22 * c->u, .rgb = RENDER_RGB_TEXT_2, .max_w = r.w,
	};
	char line[320];
	double f;

	if (!render_get(c->site, "co2_factor_kg_per_kwh", NULL, &f))
		return;
	snprintf(line, sizeof line,
		 "排出係数 %.3f kg-CO2/kWh (%s) · スギ1本 年8.8 kg (林野庁) · "
		 "LED電球 10 W", f, src ? src : "");
	render_text(c, &st, r.x, r.y, line);
}

void render_co2(struct render_ctx *c, struct render_rect body)
{
	struct render_tile co2 = {
		"太陽光で減らしたCO2 (本日)", "CO2 avoided by solar today",
		.unit = "kg", .rgb = RENDER_RGB_SOLAR, .bar = NAN,
	};
	struct render_tile kwh = {
		"太陽光の発電量 (本日)", "Solar energy today",
		.unit = "kWh", .rgb = RENDER_RGB_SOLAR, .bar = NAN,
	};
	struct render_tile trees = {
		"スギの木が1日に吸収する量", "Cedars absorbing as much in a day",
		.unit = "本", .rgb = RENDER_RGB_STABLE, .bar = NAN,
	};
	struct render_tile lamps = {
		"LED電球を灯せる時間", "Hours of one LED lamp",
		.unit = "時間", .rgb = RENDER_RGB_TODAY, .bar = NAN,
	};
	char num[4][32];
	struct render_rect top, rest, row, foot;
	double v;

	if (render_get(c->site, "co2_kg", NULL, &v)) {
		render_fmt_num(num[0], sizeof num[0], v, v < 100 ? 1 : 0);
		co2.num = num[0];
	}
	if (render_get(c->site, "energy_kwh", NULL, &v)) {
		render_fmt_num(num[1], sizeof num[1], v, v < 100 ? 1 : 0);
		kwh.num = num[1];
	}
	if (render_get(c->site, "tree_days", NULL, &v)) {
		render_fmt_num(num[2], sizeof num[2], v, 0);
		trees.num = num[2];
	}
	if (render_get(c->site, "lamp_hours", NULL, &v)) {
		render_fmt_num(num[3], sizeof num[3], v, 0);
		lamps.num = num[3];
	}

	/* the footnote's line under everything */
	render_cut(body, 1 - 40 * c->u / fmax(body.h, 1), 8 * c->u, true,
		   &rest, &foot);
	footnote(c, foot);

	if (c->portrait) {
		render_tiles(c, rest, true,
			     (struct render_tile[]){ co2, kwh, trees, lamps },
			     4);
		return;
	}
	render_cut(rest, 0.42, 28 * c->u, true, &top, &row);
	render_tiles(c, top, false, &co2, 1);
	render_tiles(c, row, false,
		     (struct render_tile[]){ kwh, trees, lamps }, 3);
}
