/*
 * render_ranking.c - buildings ranked by today's energy per floor area
 * (kWh/m2), the thriftiest first: one row each with its place, name, a
 * bar scaled to the largest figure and the figure itself.  A building
 * without data today is listed last, marked "No data" on its row.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  One panel over the whole body; rows are at most
 * ROW_MAX units high and as many as fit are drawn (portrait fits more).
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

#define ROW_MAX 120	/* layout units */
#define ROW_MIN 64
#define ROWS_MAX 12

static void draw_row(struct render_ctx *c, struct render_rect r, int rank,
		     json_t *row, double vmax)
{
	const char *name = json_string_value(json_object_get(row, "site"));
	struct render_style st_rank = {
		.px = r.h * 0.5, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_CENTER,
	};
	struct render_style st_name = {
		.px = r.h * 0.36, .bold = true, .rgb = RENDER_RGB_TEXT,
		.max_w = r.w * 0.3,
	};
	struct render_style st_val = {
		.px = r.h * 0.36, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_RIGHT,
	};
	struct render_style st_sub = {
		.px = r.h * 0.22, .rgb = RENDER_RGB_TEXT_2,
		.max_w = r.w * 0.3,
	};
	struct render_rect bar;
	double v, m2, e, mid = r.y + r.h / 2;
	char buf[32], sub[96];
	uint32_t rgb = rank == 1 ? RENDER_RGB_STABLE : RENDER_RGB_TODAY;

	snprintf(buf, sizeof buf, "%d", rank);
	render_text(c, &st_rank, r.x + r.h * 0.5, mid - r.h * 0.36, buf);
	render_text(c, &st_name, r.x + r.h * 1.2, r.y + r.h * 0.08,
		    name ? name : "?");
	sub[0] = '\0';
	if (render_get(row, "floor_area_m2", NULL, &m2)) {
		render_fmt_num(buf, sizeof buf, m2, 0);
		if (render_get(row, "energy_kwh", NULL, &e)) {
			char ebuf[32];

			render_fmt_num(ebuf, sizeof ebuf, e, 1);
			snprintf(sub, sizeof sub, "%s m² · %s kWh", buf,
				 ebuf);
		} else {
			snprintf(sub, sizeof sub, "%s m²", buf);
		}
	}
	render_text(c, &st_sub, r.x + r.h * 1.2, r.y + r.h * 0.56, sub);

	bar = (struct render_rect){ r.x + r.h * 1.2 + r.w * 0.32,
				    mid - r.h * 0.18, r.w * 0.4, r.h * 0.36 };
	if (!render_get(row, "kwh_per_m2", NULL, &v)) {
		st_val.rgb = RENDER_RGB_NODATA;
		st_val.split = render_tr_line(sub, sizeof sub, N_("No data"));
		st_val.max_w = r.w - r.h * 1.2 - r.w * 0.32;
		render_text(c, &st_val, r.x + r.w, mid - r.h * 0.25, sub);
		return;
	}
	render_share_bar(c, bar, vmax > 0 ? v / vmax : 0, rgb);
	render_fmt_num(buf, sizeof buf, v, v < 1 ? 3 : 2);
	render_value(c, buf, "kWh/m²", r.x + r.w, mid + r.h * 0.14,
		     r.h * 0.4, RENDER_RGB_TEXT, RENDER_ALIGN_RIGHT,
		     r.w - (bar.x + bar.w - r.x) - 16 * c->u);
}

void render_ranking(struct render_ctx *c, struct render_rect body)
{
	json_t *sites = json_object_get(c->site, "sites"), *row;
	struct render_rect in, r;
	double vmax = 0, v, rh;
	size_t n = json_array_size(sites), i;
	int rows;

	render_panel(c, body);
	in = render_panel_head(c, body,
			       L_(N_("Energy per floor area today, least "
				     "first")));
	if (n == 0) {
		render_nodata(c, in);
		return;
	}
	json_array_foreach(sites, i, row)
		if (render_get(row, "kwh_per_m2", NULL, &v))
			vmax = fmax(vmax, v);

	rows = (int)fmin(fmin((double)n, ROWS_MAX),
			 fmax(floor(in.h / (ROW_MIN * c->u)), 1));
	rh = fmin(in.h / rows, ROW_MAX * c->u);
	for (int k = 0; k < rows; k++) {
		r = (struct render_rect){ in.x, in.y + k * rh, in.w,
					  rh * 0.86 };
		draw_row(c, r, k + 1, json_array_get(sites, (size_t)k), vmax);
	}
	if (c->stats)
		c->stats->ranking_rows = rows;
}
