/*
 * render_air.c - slide 4, 室内環境 / Indoor air: temperature, humidity
 * and CO2 now, each judged against its comfort band, with today's curve.
 *
 * The bands follow Japan's building-hygiene standard, 建築物環境衛生
 * 管理基準 (the order under 建築物における衛生的環境の確保に関する法律,
 * as revised from April 2022): temperature 18-28 degC, relative humidity
 * 40-70 %, CO2 at most 1000 ppm.  Above 1000 ppm the slide asks for
 * ventilation; above 1500 ppm, the classroom limit of the school
 * environment standard (学校環境衛生基準, MEXT), it calls the air poor.
 *
 * Coordinates: device pixels, origin top left, y down.  Landscape shows
 * the three as columns; portrait as rows, each row with its figure on
 * the left and its band and curve on the right.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

/* A quantity, its display range and its band edges.  Two-sided ones
 * are comfortable in lo..hi (edges included); a one-sided one (CO2) is
 * good up to lo, tolerable up to hi, poor above. */
struct air_def {
	const char *name;		/* point name after "<site>/" */
	const char *label;		/* msgid */
	const char *unit;
	int decimals;
	bool one_sided;
	double lo, hi;			/* band edges */
	double min, max;		/* the band bar's range */
	const char *std;		/* the standard, under the bar */
	const char *state[3];		/* msgids */
	enum render_band state_band[3];	/* its colour */
};

static const struct air_def air_defs[] = {
	{
		"temperature", N_("Temperature"), "℃", 1, false,
		18, 28, 10, 36, N_("standard 18–28 ℃"),
		{ N_("Cold"), N_("Comfortable"), N_("Hot") },
		{ RENDER_BAND_SLIGHTLY_TIGHT, RENDER_BAND_STABLE,
		  RENDER_BAND_VERY_TIGHT },
	},
	{
		"humidity", N_("Humidity"), "%", 0, false,
		40, 70, 0, 100, N_("standard 40–70 %"),
		{ N_("Dry"), N_("Comfortable"), N_("Humid") },
		{ RENDER_BAND_SLIGHTLY_TIGHT, RENDER_BAND_STABLE,
		  RENDER_BAND_SLIGHTLY_TIGHT },
	},
	{
		"co2", N_("CO₂"), "ppm", 0, true,
		1000, 1500, 400, 2000, N_("standard ≤ 1000 ppm"),
		{ N_("Good"), N_("Ventilate"), N_("Poor") },
		{ RENDER_BAND_STABLE, RENDER_BAND_SLIGHTLY_TIGHT,
		  RENDER_BAND_VERY_TIGHT },
	},
};

/* Which of the three states v is in: 0, 1 or 2 from low to high. */
static int air_state(const struct air_def *ad, double v)
{
	if (ad->one_sided)
		return v <= ad->lo ? 0 : v <= ad->hi ? 1 : 2;
	return v < ad->lo ? 0 : v <= ad->hi ? 1 : 2;
}

/* The state's name in a pill of its colour, top left at (x, y). */
static double state_pill(struct render_ctx *c, double x, double y,
			 const struct air_def *ad, int s)
{
	cairo_t *cr = c->cr;
	struct render_style sj = { .px = 34 * c->u, .bold = true,
				   .rgb = RENDER_RGB_INK_DARK };
	struct render_style se = { .px = 22 * c->u, .bold = true,
				   .rgb = RENDER_RGB_INK_DARK, .second = true };
	const char *ja = _(ad->state[s]), *en = render_tr2(ad->state[s]);
	struct render_extent ej = render_text_measure(c, &sj, ja);
	struct render_extent ee = { 0 };
	double pad = 24 * c->u, h = 62 * c->u, gap = en ? 14 * c->u : 0;
	double w;

	if (en)
		ee = render_text_measure(c, &se, en);
	w = ej.w + gap + ee.w + 2 * pad;

	cairo_save(cr);
	render_round_rect(cr, (struct render_rect){ x, y, w, h }, h / 2);
	render_set_rgb(cr, render_rgb_hex(render_band_rgb(ad->state_band[s])),
		       1.0);
	cairo_fill(cr);
	cairo_restore(cr);

	render_text(c, &sj, x + pad, y + (h - ej.h) / 2, ja);
	if (en)
		render_text(c, &se, x + pad + ej.w + gap,
			    y + (h - ee.h) / 2 + 3 * c->u, en);
	return h;
}

/* The three bands as a bar over [min, max] with the value marked; the
 * value's band bright unless the value is stale (no state is now). */
static void band_bar(struct render_ctx *c, struct render_rect r,
		     const struct air_def *ad, double v, bool stale)
{
	cairo_t *cr = c->cr;
	double edge[4] = { ad->min, ad->lo, ad->hi, ad->max };
	double span = ad->max - ad->min, bh = 18 * c->u;
	double by = r.y + 30 * c->u, x;
	struct render_style st = {
		.px = 22 * c->u, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_CENTER,
	};
	int cur = stale ? -1 : air_state(ad, v);
	char buf[16], std[160];

	/* the bands, the current one bright */
	cairo_save(cr);
	for (int i = 0; i < 3; i++) {
		struct render_rgb col = render_rgb_hex(
			render_band_rgb(ad->state_band[i]));
		double x0 = r.x + (edge[i] - ad->min) / span * r.w;
		double x1 = r.x + (edge[i + 1] - ad->min) / span * r.w;

		if (i != cur)
			col = render_rgb_mix(col,
					     render_rgb_hex(RENDER_RGB_PANEL),
					     0.6);
		render_set_rgb(cr, col, 1.0);
		cairo_rectangle(cr, x0, by, x1 - x0 - (i < 2 ? 3 * c->u : 0),
				bh);
		cairo_fill(cr);
	}
	cairo_restore(cr);

	/* the edges' values under the bar, and what they stand for */
	for (int i = 1; i < 3; i++) {
		snprintf(buf, sizeof(buf), "%g", edge[i]);
		render_text(c, &st, r.x + (edge[i] - ad->min) / span * r.w,
			    by + bh + 6 * c->u, buf);
	}
	st.align = RENDER_ALIGN_LEFT;
	st.max_w = r.w;
	st.split = render_tr_line(std, sizeof(std), ad->std);
	render_text(c, &st, r.x, by + bh + 44 * c->u, std);

	/* the marker: a triangle over the bar and a line through it */
	x = r.x + (fmin(fmax(v, ad->min), ad->max) - ad->min) / span * r.w;
	cairo_save(cr);
	render_set_rgb(cr, render_rgb_hex(stale ? RENDER_RGB_TEXT_2
					       : RENDER_RGB_TEXT), 1.0);
	cairo_move_to(cr, x - 13 * c->u, by - 24 * c->u);
	cairo_line_to(cr, x + 13 * c->u, by - 24 * c->u);
	cairo_line_to(cr, x, by - 4 * c->u);
	cairo_close_path(cr);
	cairo_fill(cr);
	cairo_set_line_width(cr, 4 * c->u);
	cairo_move_to(cr, x, by - 4 * c->u);
	cairo_line_to(cr, x, by + bh + 4 * c->u);
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* Today's curve with the comfortable band shaded behind it. */
static void spark(struct render_ctx *c, struct render_rect r,
		  const struct air_def *ad, json_t *pt)
{
	cairo_t *cr = c->cr;
	json_t *curve = render_array(pt, "curve");
	double lo = ad->lo, hi = ad->hi, v, y0, y1;
	struct render_axes a;
	int64_t t0, t1;

	if (r.h < 120 * c->u || !json_array_size(curve) ||
	    !render_day(c, &t0, &t1))
		return;

	/* Keep the band edges in view so the curve is seen against them. */
	if (render_get(pt, "today", "min", &v))
		lo = fmin(lo, v);
	if (render_get(pt, "today", "max", &v))
		hi = fmax(hi, v);
	a = render_chart_frame(c, r, (double)t0, (double)t1, lo, hi, 0,
			       ad->unit);

	cairo_save(cr);
	cairo_rectangle(cr, a.plot.x, a.plot.y, a.plot.w, a.plot.h);
	cairo_clip(cr);
	y0 = render_axes_y(&a, ad->one_sided ? a.v0 : ad->lo);
	y1 = render_axes_y(&a, ad->one_sided ? ad->lo : ad->hi);
	cairo_rectangle(cr, a.plot.x, y1, a.plot.w, y0 - y1);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_STABLE), 0.14);
	cairo_fill(cr);
	cairo_restore(cr);

	render_chart_curve(c, &a, curve, 1, RENDER_RGB_AIR, 4 * c->u, 0.25);
	render_chart_last(c, &a, curve, 1, ad->decimals, RENDER_RGB_AIR);
}

/* Where a room's tile puts its figure (in) and its bar and curve
 * (right), as air_frame() laid it out. */
struct air_room {
	struct render_rect in, right;
	bool wide;
};

/* A room's panel, heading and no-data mark: the static layer's. */
static void air_frame(struct render_ctx *c, struct render_rect r,
		      const struct air_def *ad, struct air_room *rm)
{
	json_t *pt = render_point(c->site, ad->name);
	struct render_rect left;
	double v;
	int64_t ts;

	rm->wide = r.w > r.h * 1.5;
	render_panel(c, r);
	if (rm->wide) {
		render_cut(render_inset(r, 0), 0.4, 0, false, &left,
			   &rm->right);
		rm->in = render_panel_head(c, left, L_(ad->label));
		rm->right = render_inset(rm->right, 30 * c->u);
	} else {
		rm->in = render_panel_head(c, r, L_(ad->label));
		rm->right = rm->in;
	}
	if (!render_latest(pt, &v, &ts))
		render_nodata(c, rm->wide ? render_inset(r, 30 * c->u)
					  : rm->in);
}

/* The rest of a room's tile, over every room's panel. */
static void air_tile(struct render_ctx *c, const struct air_def *ad,
		     const struct air_room *rm)
{
	json_t *pt = render_point(c->site, ad->name);
	bool wide = rm->wide;
	struct render_rect in = rm->in, right = rm->right;
	double v, px, y;
	char num[32], cja[96], cen[96];
	bool stale;
	int64_t ts;

	if (!render_latest(pt, &v, &ts))
		return;
	stale = render_latest_stale(c, pt, ts);

	/* the figure, its state, and when it was read; an old figure has
	 * no state pill, as the room need not be in that state now */
	px = fmin(140 * c->u, in.h * 0.4);
	y = in.y + px * 1.0;
	render_fmt_num(num, sizeof(num), v, ad->decimals);
	render_value(c, num, ad->unit, in.x, y, px,
		     stale ? RENDER_RGB_TEXT_2 : RENDER_RGB_TEXT,
		     RENDER_ALIGN_LEFT, in.w);
	y += 30 * c->u;
	if (stale) {
		render_fmt_when(cja, sizeof(cja), cen, sizeof(cen),
				N_("as of %s"), ts, c->tz);
	} else {
		y += state_pill(c, in.x, y, ad, air_state(ad, v)) + 18 * c->u;
		render_fmt_as_of(cja, sizeof(cja), cen, sizeof(cen), ts,
				 c->tz);
	}
	y += render_label(c, cja, cen, in.x, y, 26 * c->u, 20 * c->u,
			  RENDER_ALIGN_LEFT, in.w);

	/* the band bar and today's curve fill what is left */
	if (wide) {
		band_bar(c, (struct render_rect){ right.x, right.y + 20 * c->u,
						   right.w, 130 * c->u },
			 ad, v, stale);
		right.y += 170 * c->u;
		right.h -= 170 * c->u;
	} else {
		band_bar(c, (struct render_rect){ in.x, y + 24 * c->u, in.w,
						   130 * c->u },
			 ad, v, stale);
		right.y = y + 170 * c->u;
		right.h = in.y + in.h - right.y;
	}
	spark(c, right, ad, pt);
}

void render_air(struct render_ctx *c, struct render_rect body)
{
	struct render_rect t[3];
	struct air_room rm[3];

	/* Every room's panel first: a figure or caption that runs over
	 * into the next room (text sized for a far viewer) lies over its
	 * panel both in a frame drawn whole and in one drawn from the
	 * static layer. */
	render_split(body, 3, 28 * c->u, c->portrait, t);
	for (int i = 0; i < 3; i++)
		air_frame(c, t[i], &air_defs[i], &rm[i]);
	for (int i = 0; i < 3; i++) {
		c->panel = t[i];
		air_tile(c, &air_defs[i], &rm[i]);
	}
}
