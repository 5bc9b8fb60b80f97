/*
 * render_gauge.c - the grid slide's usage gauge: a 270-degree arc from 0
 * to 100 %, filled up to the usage in its TEPCO band's colour, with the
 * bands marked on a ring outside it.  A figure too old to be the
 * grid's state now has no band: its arc and number are in the secondary
 * text colour, with no badge, and the caption dates it.
 *
 * Coordinates: device pixels, origin top left, y down, so Cairo angles
 * grow clockwise from the +x axis.  The arc starts at 135 degrees (lower
 * left) and ends at 405 (lower right), leaving its gap at the bottom,
 * where the status badge sits.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ARC_START (0.75 * G_PI)
#define ARC_SWEEP (1.5 * G_PI)

static const char *const band_names[RENDER_BAND_COUNT] = {
	N_("Stable"), N_("Slightly tight"), N_("Tight"), N_("Very tight"),
};

/* The band edges on the 0..100 scale, bottom of each band. */
static const double band_lo[RENDER_BAND_COUNT + 1] = { 0, 90, 95, 97, 100 };

static double angle_of(double pct)
{
	return ARC_START + ARC_SWEEP * fmin(fmax(pct, 0), 100) / 100;
}

/* The ring of bands outside the track, dimmed toward the panel so that
 * it reads as a scale and the value arc stays the one bright thing. */
static void band_ring(struct render_ctx *c, double cx, double cy,
		      double radius, double width)
{
	cairo_t *cr = c->cr;
	struct render_rgb panel = render_rgb_hex(RENDER_RGB_PANEL);

	cairo_save(cr);
	cairo_set_line_width(cr, width);
	for (int b = 0; b < RENDER_BAND_COUNT; b++) {
		struct render_rgb col = render_rgb_hex(render_band_rgb(b));

		render_set_rgb(cr, render_rgb_mix(col, panel, 0.5), 1.0);
		cairo_new_path(cr);
		cairo_arc(cr, cx, cy, radius, angle_of(band_lo[b]),
			  angle_of(band_lo[b + 1]));
		cairo_stroke(cr);
	}
	cairo_restore(cr);
}

/* Whether two tick labels' boxes meet. */
static bool boxes_meet(struct render_rect a, struct render_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h &&
	       b.y < a.y + a.h;
}

/* Ticks across the ring at the band edges and the ends, with labels
 * outside it.  90, 95 and 97 are close on the arc: on a small gauge a
 * label that would meet the one before it moves outward until it does
 * not. */
static void ticks(struct render_ctx *c, double cx, double cy, double r_in,
		  double r_out, double r_label)
{
	static const double at[] = { 0, 50, 90, 95, 97, 100 };
	cairo_t *cr = c->cr;
	struct render_style st = {
		.px = 22 * c->u, .bold = true, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_CENTER,
	};
	struct render_rect prev = { 0 };
	char buf[16];

	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		double a = angle_of(at[i]), ca = cos(a), sa = sin(a);
		double rl = r_label, pad = 3 * c->u;
		struct render_extent e;
		struct render_rect box;

		cairo_save(cr);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB_TEXT_2), 1.0);
		cairo_set_line_width(cr, 3 * c->u);
		cairo_move_to(cr, cx + ca * r_in, cy + sa * r_in);
		cairo_line_to(cr, cx + ca * r_out, cy + sa * r_out);
		cairo_stroke(cr);
		cairo_restore(cr);

		snprintf(buf, sizeof(buf), "%g", at[i]);
		e = render_text_measure(c, &st, buf);
		for (int step = 0; step < 40; step++, rl += 2 * c->u) {
			double top = cy + sa * rl - 16 * c->u;

			box = (struct render_rect){
				cx + ca * rl - e.w / 2 - pad,
				top + e.ink_top - pad, e.w + 2 * pad,
				e.ink_bottom - e.ink_top + 2 * pad,
			};
			if (i == 0 || !boxes_meet(box, prev))
				break;
		}
		render_text(c, &st, cx + ca * rl, cy + sa * rl - 16 * c->u,
			    buf);
		prev = box;
	}
}

/* The band's name in a badge of its colour, its top centred at (cx,
 * top), kept inside the circle of radius r_in about (cx, cy) that the
 * arc leaves free. */
static void status_badge(struct render_ctx *c, double cx, double cy,
			 double top, double r_in, double scale,
			 enum render_band b)
{
	cairo_t *cr = c->cr;
	struct render_style sj = {
		.px = 44 * scale, .bold = true, .rgb = RENDER_RGB_INK_DARK,
		.align = RENDER_ALIGN_CENTER,
	};
	struct render_style se = {
		.px = 24 * scale, .bold = true, .rgb = RENDER_RGB_INK_DARK,
		.align = RENDER_ALIGN_CENTER, .second = true,
	};
	const char *ja = _(band_names[b]), *en = render_tr2(band_names[b]);
	struct render_extent ej = render_text_measure(c, &sj, ja);
	struct render_extent ee = { 0 };
	double pad = 30 * scale, h, low, max_w, w;
	struct render_rect r;

	if (en)
		ee = render_text_measure(c, &se, en);
	h = (en ? ej.h * 0.82 + ee.h : ej.h) + 12 * scale;
	low = top + h - cy;
	max_w = 2 * sqrt(fmax(r_in * r_in - low * low, 0));
	w = fmin(fmax(ej.w, ee.w) + 2 * pad, max_w);
	r = (struct render_rect){ cx - w / 2, top, w, h };

	cairo_save(cr);
	render_round_rect(cr, r, h / 2);
	render_set_rgb(cr, render_rgb_hex(render_band_rgb(b)), 1.0);
	cairo_fill(cr);
	cairo_restore(cr);

	sj.max_w = se.max_w = w - pad;
	render_text(c, &sj, cx, top + 4 * scale, ja);
	if (en)
		render_text(c, &se, cx, top + 4 * scale + ej.h * 0.82, en);
}

void render_gauge(struct render_ctx *c, struct render_rect r, double usage,
		  int64_t hour_ts, bool stale)
{
	cairo_t *cr = c->cr;
	/* The band of the figure as shown: 89.6 reads "90 %", and 90 % is
	 * slightly tight, not stable. */
	enum render_band band = render_band_of(round(usage));
	double caption_h = 76 * c->u, label_gap = 46 * c->u;
	double h = r.h - caption_h;
	double r_out = fmin(r.w / 2, h / 1.72);
	double r_ring = r_out - label_gap, ring_w = 12 * c->u;
	double r_track = (r_ring - ring_w / 2 - 14 * c->u) / 1.08;
	double tw = r_track * 0.16;
	double cx = r.x + r.w / 2;
	double cy = r.y + (h - 1.72 * r_out) / 2 + r_out;
	double scale = r_track / (300 * c->u) * c->u;
	uint32_t arc_rgb = stale ? RENDER_RGB_TEXT_2 : render_band_rgb(band);
	uint32_t num_rgb = stale ? RENDER_RGB_TEXT_2 : RENDER_RGB_TEXT;
	char num[16], hm0[16], hm1[16], cap_ja[96], cap_en[96];

	if (r_track <= 0)
		return;
	if (c->stats) {
		c->stats->gauge_drawn = true;
		c->stats->gauge = (struct render_rect){
			cx - r_out, cy - r_out, 2 * r_out, 1.72 * r_out };
		c->stats->gauge_band = band;
		c->stats->gauge_stale = stale;
	}

	/* track, then the value over it */
	cairo_save(cr);
	cairo_set_line_width(cr, tw);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_GRIDLINE), 1.0);
	cairo_new_path(cr);
	cairo_arc(cr, cx, cy, r_track, ARC_START, ARC_START + ARC_SWEEP);
	cairo_stroke(cr);
	render_set_rgb(cr, render_rgb_hex(arc_rgb), 1.0);
	cairo_arc(cr, cx, cy, r_track, ARC_START, angle_of(usage));
	cairo_stroke(cr);
	cairo_restore(cr);

	band_ring(c, cx, cy, r_ring, ring_w);
	ticks(c, cx, cy, r_ring - ring_w, r_ring + ring_w,
	      r_ring + label_gap * 0.62);

	/* the number, big, with the badge under it */
	render_fmt_num(num, sizeof(num), usage, 0);
	render_value(c, num, "%", cx, cy + r_track * 0.08,
		     r_track * 0.74, num_rgb, RENDER_ALIGN_CENTER,
		     r_track * 1.5);

	/* An old figure says when it was, not what state the grid is in
	 * now. */
	if (stale) {
		render_fmt_when(cap_ja, sizeof(cap_ja), cap_en, sizeof(cap_en),
				N_("usage rate as of %s"), hour_ts, c->tz);
		render_label(c, cap_ja, cap_en, cx, r.y + r.h - caption_h,
			     30 * c->u, 22 * c->u, RENDER_ALIGN_CENTER, r.w);
		return;
	}
	status_badge(c, cx, cy, cy + r_track * 0.2,
		     r_track - tw / 2 - 10 * c->u, scale * 1.35, band);

	/* which hour the figure is for */
	render_fmt_hm(hm0, sizeof(hm0), hour_ts, c->tz);
	render_fmt_hm(hm1, sizeof(hm1), hour_ts + 3600, c->tz);
	/* The day's last hour ends at 24:00, as TEPCO writes it. */
	if (strcmp(hm1, "0:00") == 0)
		snprintf(hm1, sizeof(hm1), "24:00");
	render_trf(cap_ja, sizeof(cap_ja), cap_en, sizeof(cap_en),
		   N_("usage rate, %s–%s"), hm0, hm1);
	render_label(c, cap_ja, cap_en, cx, r.y + r.h - caption_h,
		     30 * c->u, 22 * c->u, RENDER_ALIGN_CENTER, r.w);
}
