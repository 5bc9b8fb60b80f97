/*
 * render_alert.c - the emergency message and the saving request.
 *
 * Coordinates: device pixels, origin at the top left, x right, y down;
 * sizes in units of 1/1080 of the shorter side, as in the slides.
 * Every text is a Pango layout in the theme's family, language "ja".
 */
#include "render/render_alert.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>

#include "render/render_internal.h"

/* A wrapped, centred block of text: the largest size from px_max down
 * at which it fits w x h.  Returns the height it took at (x, y). */
static double block(cairo_t *cr, PangoContext *pc, const char *text,
		    double px_max, bool bold, uint32_t rgb, double x,
		    double y, double w, double h)
{
	PangoLayout *lay = NULL;
	int lw = 0, lh = 0;

	for (double px = px_max; px >= 8; px *= 0.9) {
		if (lay)
			g_object_unref(lay);
		lay = render_layout_new(pc, text, px, bold);
		pango_layout_set_width(lay, (int)(w * PANGO_SCALE));
		pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
		pango_layout_get_pixel_size(lay, &lw, &lh);
		if (lh <= h)
			break;
	}
	cairo_save(cr);
	render_set_rgb(cr, render_rgb_hex(rgb), 1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, lay);
	cairo_restore(cr);
	g_object_unref(lay);
	return lh;
}

static void emergency(cairo_t *cr, PangoContext *pc, int w, int h,
		      double u, const char *msg)
{
	uint32_t ink = RENDER_RGB(THEME_INK_DARK);
	double m = 60 * u, y = m;

	/* The whole screen in the very-tight colour: seen before read. */
	cairo_save(cr);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB(THEME_VERY_TIGHT)), 1);
	cairo_paint(cr);
	cairo_restore(cr);

	y += block(cr, pc, "緊急のお知らせ", 110 * u, true, ink, m, y,
		   w - 2 * m, 140 * u);
	y += block(cr, pc, "Emergency notice", 56 * u, false, ink, m, y,
		   w - 2 * m, 80 * u);
	y += 40 * u;
	block(cr, pc, msg, 150 * u, true, ink, m, y, w - 2 * m, h - y - m);
}

static void saving(cairo_t *cr, PangoContext *pc, int w, int h, double u,
		   const struct render_alert *a)
{
	struct render_rect badge;
	char ja[160], en[160];
	double m = 60 * u, y = m;

	cairo_save(cr);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB(THEME_BG)), 1);
	cairo_paint(cr);
	cairo_restore(cr);

	if (a->kind == RENDER_ALERT_SAVE_GRID) {
		snprintf(ja, sizeof ja, "電力使用率 %.0f%%（非常に厳しい）",
			 a->value);
		snprintf(en, sizeof en, "Grid usage %.0f %% - very tight "
			 "(%.0f %% and over)", a->value, a->limit);
	} else {
		snprintf(ja, sizeof ja, "ご家庭の電力 %.1f kW（目標 %.1f kW）",
			 a->value, a->limit);
		snprintf(en, sizeof en, "Your home uses %.1f kW, over its "
			 "%.1f kW target", a->value, a->limit);
	}

	/* A badge in the very-tight colour carries the request itself. */
	badge = (struct render_rect){m, y, w - 2 * m, (h - 2 * m) * 0.45};
	cairo_save(cr);
	render_round_rect(cr, badge, 24 * u);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB(THEME_VERY_TIGHT)), 1);
	cairo_fill(cr);
	cairo_restore(cr);
	y += 30 * u;
	y += block(cr, pc, "節電にご協力ください", 130 * u, true,
		   RENDER_RGB(THEME_INK_DARK), m + 30 * u, y,
		   badge.w - 60 * u, badge.h * 0.6);
	block(cr, pc, "Please save electricity", 60 * u, false,
	      RENDER_RGB(THEME_INK_DARK), m + 30 * u, y, badge.w - 60 * u,
	      badge.y + badge.h - y - 20 * u);

	y = badge.y + badge.h + 50 * u;
	y += block(cr, pc, ja, 80 * u, true, RENDER_RGB(THEME_TEXT), m, y,
		   w - 2 * m, 120 * u);
	y += block(cr, pc, en, 48 * u, false, RENDER_RGB(THEME_TEXT_2), m, y,
		   w - 2 * m, 80 * u);
	y += 30 * u;
	block(cr, pc, "照明・空調の使用を控えめに / Dim lights, ease the air "
	      "conditioning", 48 * u, false, RENDER_RGB(THEME_TEXT), m, y,
	      w - 2 * m, h - y - m);
}

int render_alert(cairo_t *cr, int w, int h, const struct render_alert *a)
{
	PangoContext *pc;
	double u;

	if (w <= 0 || h <= 0 || !a ||
	    (a->kind == RENDER_ALERT_EMERGENCY && !a->message))
		return -1;
	u = (w < h ? w : h) / 1080.0;
	pc = pango_cairo_create_context(cr);
	pango_context_set_language(pc, pango_language_from_string("ja"));

	cairo_save(cr);
	if (a->kind == RENDER_ALERT_EMERGENCY)
		emergency(cr, pc, w, h, u, a->message);
	else
		saving(cr, pc, w, h, u, a);
	cairo_restore(cr);
	g_object_unref(pc);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
