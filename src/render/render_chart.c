/*
 * render_chart.c - time charts of a local day: axes, curves, steps,
 * legends and share bars.
 *
 * Coordinates: device pixels, origin top left, y down.  A chart maps
 * time (Unix seconds) left to right across its plot rectangle and value
 * bottom to top (struct render_axes).  Every drawing that clips to the
 * plot brackets the clip with cairo_save/cairo_restore.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

double render_axes_x(const struct render_axes *a, double t)
{
	return a->plot.x + (t - a->t0) / (a->t1 - a->t0) * a->plot.w;
}

double render_axes_y(const struct render_axes *a, double v)
{
	return a->plot.y + a->plot.h -
	       (v - a->v0) / (a->v1 - a->v0) * a->plot.h;
}

double render_nice_range(double vmin, double vmax, int n, int decimals,
			 double *bottom, double *top)
{
	static const double mult[] = { 1, 2, 2.5, 5 };
	double best = 0, best_span = INFINITY, span = vmax - vmin;
	double unit = pow(10, -decimals);

	*bottom = vmin;
	*top = vmin + 1;
	if (!(span > 0) || !isfinite(span))
		return 1;
	for (int k = (int)floor(log10(span / 20)); k <= (int)ceil(log10(span));
	     k++) {
		for (size_t i = 0; i < G_N_ELEMENTS(mult); i++) {
			double step = mult[i] * pow(10, k), b, t, cnt;

			/* A step the labels cannot print would repeat them. */
			if (step < unit ||
			    fabs(step / unit - round(step / unit)) > 1e-6)
				continue;
			b = floor(vmin / step + 1e-9) * step;
			t = ceil(vmax / step - 1e-9) * step;
			cnt = round((t - b) / step);
			if (cnt < 2 || cnt > n)
				continue;
			if (t - b < best_span - 1e-9 * span) {
				best_span = t - b;
				best = step;
				*bottom = b;
				*top = t;
			}
		}
	}
	if (best > 0)
		return best;
	*top = vmax;
	return span;
}

/* Hour labels under the plot: every 3 hours when there is room, else 6;
 * the day's end reads 24:00 rather than the next day's 0:00.  Their
 * lines only when lines. */
static void hour_labels(struct render_ctx *c, const struct render_axes *a,
			bool lines)
{
	cairo_t *cr = c->cr;
	struct render_style st = {
		.px = 22 * c->u, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_CENTER,
	};
	double every = a->plot.w > 820 * c->u ? 3 : 6;
	char buf[16];

	for (double t = a->t0; t <= a->t1 + 1; t += every * 3600) {
		double x = render_axes_x(a, t);

		if (t >= a->t1 - 1)
			snprintf(buf, sizeof(buf), "24:00");
		else
			render_fmt_hm(buf, sizeof(buf), (int64_t)t, c->tz);
		render_text(c, &st, x, a->plot.y + a->plot.h + 8 * c->u, buf);
		if (!lines)
			continue;

		cairo_save(cr);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB_GRIDLINE), 0.5);
		cairo_set_line_width(cr, 1.0 * c->u);
		cairo_move_to(cr, x, a->plot.y);
		cairo_line_to(cr, x, a->plot.y + a->plot.h);
		cairo_stroke(cr);
		cairo_restore(cr);
	}
}

struct render_axes render_chart_frame(struct render_ctx *c,
				      struct render_rect r, double t0,
				      double t1, double vmin, double vmax,
				      int decimals, const char *unit)
{
	cairo_t *cr = c->cr;
	struct render_axes a = { .t0 = t0, .t1 = t1 };
	struct render_style st = {
		.px = 22 * c->u, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_RIGHT,
	};
	double label_w = 0, unit_h = 46 * c->u, under = 42 * c->u;
	double bottom, top, step, key[11];
	bool lines;
	char buf[32];

	/* As many value lines as fit at a readable spacing, up to seven. */
	int n = (int)((r.h - unit_h - under) / (50 * c->u));

	step = render_nice_range(vmin, vmax, n < 2 ? 2 : n > 6 ? 6 : n,
				 decimals, &bottom, &top);

	/* Room for the widest value label on the left. */
	render_fmt_num(buf, sizeof(buf), top, decimals);
	label_w = render_text_measure(c, &st, buf).w;
	if (unit)
		label_w = fmax(label_w, render_text_measure(c, &st, unit).w);
	a.plot.x = r.x + label_w + 14 * c->u;
	a.plot.y = r.y + unit_h;
	a.plot.w = fmax(r.x + r.w - a.plot.x - 8 * c->u, 1);
	a.plot.h = fmax(r.h - unit_h - under, 1);
	a.v0 = bottom;
	a.v1 = top;

	/* The frame is the layer's: it moves only with the axes. */
	key[0] = a.plot.x;
	key[1] = a.plot.y;
	key[2] = a.plot.w;
	key[3] = a.plot.h;
	key[4] = a.t0;
	key[5] = a.t1;
	key[6] = a.v0;
	key[7] = a.v1;
	key[8] = step;
	key[9] = c->u;
	key[10] = RENDER_RGB_GRIDLINE;
	lines = render_static_begin(c, key, sizeof(key));

	/* value grid and labels */
	cairo_save(cr);
	cairo_set_line_width(cr, 1.5 * c->u);
	for (double v = bottom; v <= top + step / 2; v += step) {
		double y = render_axes_y(&a, v);

		if (lines) {
			render_set_rgb(cr,
				       render_rgb_hex(RENDER_RGB_GRIDLINE),
				       1.0);
			cairo_move_to(cr, a.plot.x, y);
			cairo_line_to(cr, a.plot.x + a.plot.w, y);
			cairo_stroke(cr);
		}
		render_fmt_num(buf, sizeof(buf), v, decimals);
		render_text(c, &st, a.plot.x - 12 * c->u, y - 15 * c->u,
			    buf);
	}
	cairo_restore(cr);
	if (unit)
		render_text(c, &st, a.plot.x - 12 * c->u, r.y - 4 * c->u,
			    unit);

	hour_labels(c, &a, lines);
	render_static_end(c);
	return a;
}

/* The ts and value of curve entry e, value divided by div. */
static bool pair_at(json_t *e, double div, double *t, double *v)
{
	if (!json_is_array(e) || json_array_size(e) < 2)
		return false;
	if (!render_num(json_array_get(e, 0), t) ||
	    !render_num(json_array_get(e, 1), v))
		return false;
	*v /= div;
	return true;
}

int render_chart_curve(struct render_ctx *c, const struct render_axes *a,
		       json_t *curve, double div, uint32_t rgb, double width,
		       double fill_alpha)
{
	cairo_t *cr = c->cr;
	struct render_rgb col = render_rgb_hex(rgb);
	double t, v, x0 = 0, x1 = 0, y1 = 0, ytop = a->plot.y + a->plot.h;
	double xk = 0, yk = 0;		/* the last point drawn */
	bool held = false;		/* points left out since */
	json_t *e;
	size_t i;
	int n = 0;

	cairo_save(cr);
	cairo_rectangle(cr, a->plot.x, a->plot.y - width, a->plot.w,
			a->plot.h + width);
	cairo_clip(cr);

	/* A point less than a pixel from the last one drawn is left out,
	 * but for the curve's end: a day of minutes has more points than
	 * its plot has pixels across, and each costs Cairo a segment. */
	json_array_foreach(curve, i, e) {
		if (!pair_at(e, div, &t, &v))
			continue;
		x1 = render_axes_x(a, t);
		y1 = render_axes_y(a, v);
		ytop = fmin(ytop, y1);
		if (n++ == 0) {
			x0 = x1;
			cairo_move_to(cr, x1, y1);
		} else if (fabs(x1 - xk) < 1 && fabs(y1 - yk) < 1) {
			held = true;
			continue;
		} else {
			cairo_line_to(cr, x1, y1);
		}
		xk = x1;
		yk = y1;
		held = false;
	}
	if (n == 0)
		goto out;
	if (held)
		cairo_line_to(cr, x1, y1);

	/* area under the curve, fading from its highest point toward the
	 * axis */
	if (fill_alpha > 0 && n > 1) {
		cairo_path_t *line = cairo_copy_path(cr);
		cairo_pattern_t *g = cairo_pattern_create_linear(
		    0, ytop, 0, a->plot.y + a->plot.h);

		cairo_pattern_add_color_stop_rgba(g, 0, col.r, col.g, col.b,
						  fill_alpha);
		cairo_pattern_add_color_stop_rgba(g, 1, col.r, col.g, col.b,
						  fill_alpha * 0.15);
		cairo_line_to(cr, x1, a->plot.y + a->plot.h);
		cairo_line_to(cr, x0, a->plot.y + a->plot.h);
		cairo_close_path(cr);
		cairo_set_source(cr, g);
		cairo_fill(cr);
		cairo_pattern_destroy(g);
		cairo_append_path(cr, line);
		cairo_path_destroy(line);
	}

	render_set_rgb(cr, col, 1.0);
	cairo_set_line_width(cr, width);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_BEVEL);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_stroke(cr);
out:
	cairo_new_path(cr);
	cairo_restore(cr);
	return n;
}

int render_chart_steps(struct render_ctx *c, const struct render_axes *a,
		       json_t *curve, double div, double step_s,
		       uint32_t rgb, double width, bool dashed)
{
	cairo_t *cr = c->cr;
	size_t i, len = json_array_size(curve);
	double prev_end = -1, dash[2] = { 14 * c->u, 9 * c->u };
	int n = 0;

	cairo_save(cr);
	cairo_rectangle(cr, a->plot.x, a->plot.y - width, a->plot.w,
			a->plot.h + width);
	cairo_clip(cr);

	for (i = 0; i < len; i++) {
		double t, v, tn, vn, end, y;

		if (!pair_at(json_array_get(curve, i), div, &t, &v))
			continue;
		end = t + step_s;
		if (i + 1 < len &&
		    pair_at(json_array_get(curve, i + 1), div, &tn, &vn) &&
		    tn < end)
			end = tn;
		y = render_axes_y(a, v);

		/* Join a step to the one before only when they touch. */
		if (n > 0 && fabs(t - prev_end) < 1)
			cairo_line_to(cr, render_axes_x(a, t), y);
		else
			cairo_move_to(cr, render_axes_x(a, t), y);
		cairo_line_to(cr, render_axes_x(a, end), y);
		prev_end = end;
		n++;
	}

	render_set_rgb(cr, render_rgb_hex(rgb), 1.0);
	cairo_set_line_width(cr, width);
	if (dashed)
		cairo_set_dash(cr, dash, 2, 0);
	cairo_stroke(cr);
	cairo_restore(cr);
	return n;
}

void render_chart_last(struct render_ctx *c, const struct render_axes *a,
		       json_t *curve, double div, int decimals, uint32_t rgb)
{
	cairo_t *cr = c->cr;
	size_t len = json_array_size(curve);
	struct render_style st = {
		.px = 28 * c->u, .bold = true, .rgb = rgb,
	};
	struct render_extent ext;
	double t, v, x, y, lx, ly;
	char buf[32];

	if (!len || !pair_at(json_array_get(curve, len - 1), div, &t, &v))
		return;
	x = render_axes_x(a, t);
	y = render_axes_y(a, v);

	/* a dot ringed with the background so it stands off the line */
	cairo_save(cr);
	cairo_new_path(cr);
	cairo_arc(cr, x, y, 11 * c->u, 0, 2 * G_PI);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_PANEL), 1.0);
	cairo_fill(cr);
	cairo_arc(cr, x, y, 7 * c->u, 0, 2 * G_PI);
	render_set_rgb(cr, render_rgb_hex(rgb), 1.0);
	cairo_fill(cr);
	cairo_restore(cr);

	/* The label on a plate of panel colour, so that lines under it do
	 * not cut through the digits. */
	render_fmt_num(buf, sizeof(buf), v, decimals);
	ext = render_text_measure(c, &st, buf);
	lx = x - 16 * c->u - ext.w;
	if (lx < a->plot.x + 10 * c->u)
		lx = x + 24 * c->u;
	ly = fmax(y - 56 * c->u, a->plot.y - 20 * c->u);
	cairo_save(cr);
	render_round_rect(cr, (struct render_rect){ lx - 8 * c->u, ly,
			  ext.w + 16 * c->u, ext.h }, 8 * c->u);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_PANEL), 0.9);
	cairo_fill(cr);
	cairo_restore(cr);
	st.align = RENDER_ALIGN_LEFT;
	render_text(c, &st, lx, ly, buf);
}

void render_chart_now(struct render_ctx *c, const struct render_axes *a,
		      double t)
{
	cairo_t *cr = c->cr;
	struct render_style st = {
		.px = 20 * c->u, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_CENTER,
	};
	double x = render_axes_x(a, t), half;
	char now[64];

	st.split = render_tr_line(now, sizeof(now), N_("now"));
	if (t < a->t0 || t > a->t1)
		return;
	cairo_save(cr);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_TEXT), 0.7);
	cairo_set_line_width(cr, 2 * c->u);
	cairo_move_to(cr, x, a->plot.y + 4 * c->u);
	cairo_line_to(cr, x, a->plot.y + a->plot.h);
	cairo_stroke(cr);
	cairo_restore(cr);
	/* Near midnight the label would reach over the value labels left
	 * of the plot, or past its right edge: keep it above the plot. */
	half = render_text_measure(c, &st, now).w / 2;
	x = fmax(fmin(x, a->plot.x + a->plot.w - half), a->plot.x + half);
	render_text(c, &st, x, a->plot.y - 26 * c->u, now);
}

double render_legend(struct render_ctx *c, double x_right, double y,
		     uint32_t rgb, bool block, const char *ja, const char *en)
{
	cairo_t *cr = c->cr;
	struct render_style sj = {
		.px = 24 * c->u, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_RIGHT,
	};
	struct render_style se = {
		.px = 20 * c->u, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_RIGHT, .second = true,
	};
	struct render_extent ee = { 0 }, ej;
	double sw = 34 * c->u, x, gap = 0, key[4];

	render_static_begin(c, NULL, 0);
	if (en && *en) {
		ee = render_text(c, &se, x_right, y + 3 * c->u, en);
		gap = 8 * c->u;
	}
	ej = render_text(c, &sj, x_right - ee.w - gap, y, ja);
	x = x_right - ee.w - gap - ej.w - 10 * c->u - sw;

	/* the swatch: a block for areas and bars, a line for curves */
	key[0] = x;
	key[1] = y + ej.h / 2;
	key[2] = rgb;
	key[3] = block;
	if (render_static_begin(c, key, sizeof(key))) {
		cairo_save(cr);
		render_set_rgb(cr, render_rgb_hex(rgb), 1.0);
		if (block) {
			render_round_rect(cr, (struct render_rect){
				x + 8 * c->u, y + ej.h / 2 - 9 * c->u,
				18 * c->u, 18 * c->u }, 3 * c->u);
			cairo_fill(cr);
		} else {
			cairo_set_line_width(cr, 5 * c->u);
			cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
			cairo_move_to(cr, x, y + ej.h / 2);
			cairo_line_to(cr, x + sw, y + ej.h / 2);
			cairo_stroke(cr);
		}
		cairo_restore(cr);
	}
	render_static_end(c);
	render_static_end(c);
	return x - 30 * c->u;
}

struct render_rect render_chart_panel(struct render_ctx *c,
				      struct render_rect r, const char *ja,
				      const char *en,
				      const struct render_key *keys, int n)
{
	struct render_rect in;
	double x = r.x + r.w - 30 * c->u;

	render_panel(c, r);
	in = render_panel_head(c, r, ja, en);
	for (int i = 0; i < n; i++)
		x = render_legend(c, x, r.y + 34 * c->u, keys[i].rgb,
				  keys[i].block, keys[i].ja, keys[i].en);
	return in;
}

void render_share_bar(struct render_ctx *c, struct render_rect r,
		      double share, uint32_t rgb)
{
	cairo_t *cr = c->cr;
	double f = fmin(fmax(share, 0), 1);

	cairo_save(cr);
	render_round_rect(cr, r, r.h / 2);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_GRIDLINE), 1.0);
	cairo_fill(cr);
	if (f > 0) {
		struct render_rect fill = r;

		fill.w = fmax(r.w * f, r.h);
		render_round_rect(cr, fill, r.h / 2);
		render_set_rgb(cr, render_rgb_hex(rgb), 1.0);
		cairo_fill(cr);
	}
	cairo_restore(cr);
}
