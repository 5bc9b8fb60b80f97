/*
 * render_alert.c - the emergency message and the saving request.
 *
 * Coordinates: device pixels, origin at the top left, x right, y down;
 * sizes in units of 1/1080 of the shorter side, as in the slides.
 * Every text is a Pango layout in the theme's family, in the languages
 * render_i18n_select() chose: the first large, the second (when there
 * is one) beneath it, as on the slides.
 */
#include "render/render_alert.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "render/render_internal.h"

/* One notice being drawn. */
struct alert_ctx {
	cairo_t *cr;
	PangoContext *pc;	/* in the first language, owned */
	int w, h;
	double u;
	struct render_stats *stats;	/* NULL unless a test asks */
};

/* Keeps what a test learns of a layout drawn at (x, y). */
static void note(struct alert_ctx *a, PangoLayout *lay, double x, double y,
		 const char *text)
{
	struct render_stats *st = a->stats;
	struct render_text_box *b;
	PangoRectangle ink;

	st->layouts++;
	st->unknown_glyphs += pango_layout_get_unknown_glyphs_count(lay);
	pango_layout_get_pixel_extents(lay, &ink, NULL);
	if (ink.width <= 0 || ink.height <= 0 ||
	    st->ntexts >= RENDER_STATS_TEXTS)
		return;
	b = &st->texts[st->ntexts++];
	b->ink = (struct render_rect){ x + ink.x, y + ink.y, ink.width,
				       ink.height };
	b->panel = (struct render_rect){ 0, 0, a->w, a->h };
	g_strlcpy(b->text, text, sizeof(b->text));
}

/* The smallest type a notice is set in, in pixels: smaller is not read
 * and a screen too small for it gets its text cut. */
#define BLOCK_PX_MIN 8

/* A wrapped, centred block of text in lang (from byte split on, when
 * > 0, in the second language): the largest size from
 * px_max down at which it fits w x h, or at the smallest size cut with
 * an ellipsis to h.  Returns the height it took at (x, y); nothing is
 * drawn in a room of no size. */
static double block_split(struct alert_ctx *a, const char *text,
			  enum render_lang lang, size_t split, double px_max,
			  bool bold, uint32_t rgb, double x, double y,
			  double w, double h)
{
	PangoLayout *lay = NULL;
	double px = fmax(px_max, BLOCK_PX_MIN);
	int lw = 0, lh = 0;

	if (!(w >= 1 && h >= 1))
		return 0;
	for (;; px *= 0.9) {
		if (lay)
			g_object_unref(lay);
		lay = render_layout_new_lang(a->pc, text, fmax(px, 1), bold,
					     lang, split,
					     render_i18n_second());
		pango_layout_set_width(lay, (int)(w * PANGO_SCALE));
		pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
		pango_layout_get_pixel_size(lay, &lw, &lh);
		if (lh <= h || px * 0.9 < BLOCK_PX_MIN)
			break;
	}
	if (lh > h) {
		pango_layout_set_height(lay, (int)(h * PANGO_SCALE));
		pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
		pango_layout_get_pixel_size(lay, &lw, &lh);
	}
	cairo_save(a->cr);
	render_set_rgb(a->cr, render_rgb_hex(rgb), 1);
	cairo_move_to(a->cr, x, y);
	pango_cairo_show_layout(a->cr, lay);
	cairo_restore(a->cr);
	if (a->stats)
		note(a, lay, x, y, text);
	g_object_unref(lay);
	return lh;
}

static double block(struct alert_ctx *a, const char *text,
		    enum render_lang lang, double px_max, bool bold,
		    uint32_t rgb, double x, double y, double w, double h)
{
	return block_split(a, text, lang, 0, px_max, bold, rgb, x, y, w, h);
}

static void emergency(struct alert_ctx *a, const char *msg)
{
	uint32_t ink = RENDER_RGB(THEME_INK_DARK);
	const char *second = render_tr2(N_("Emergency notice"));
	double u = a->u, m = 60 * u, y = m, w = a->w - 2 * m;

	/* The whole screen in the very-tight colour: seen before read. */
	cairo_save(a->cr);
	render_set_rgb(a->cr, render_rgb_hex(RENDER_RGB(THEME_VERY_TIGHT)), 1);
	cairo_paint(a->cr);
	cairo_restore(a->cr);

	y += block(a, _("Emergency notice"), render_i18n_first(), 110 * u,
		   true, ink, m, y, w, 140 * u);
	if (second)
		y += block(a, second, render_i18n_second(), 56 * u, false,
			   ink, m, y, w, 80 * u);
	y += 40 * u;

	/* Staff's words, in the language they wrote them in: the first
	 * one's layout, with any Japanese in them tagged Japanese. */
	block(a, msg, render_i18n_first(), 150 * u, true, ink, m, y, w,
	      a->h - y - m);
}

static void saving(struct alert_ctx *a, const struct render_alert *al)
{
	enum render_lang l1 = render_i18n_first(), l2 = render_i18n_second();
	const char *ask2 = render_tr2(N_("Please save electricity"));
	struct render_rect badge;
	char fig[2][200], tip[2][200], tips[420];
	double u = a->u, m = 60 * u, y = m, w = a->w - 2 * m;

	cairo_save(a->cr);
	render_set_rgb(a->cr, render_rgb_hex(RENDER_RGB(THEME_BG)), 1);
	cairo_paint(a->cr);
	cairo_restore(a->cr);

	if (al->kind == RENDER_ALERT_SAVE_GRID)
		render_trf(fig[0], sizeof fig[0], fig[1], sizeof fig[1],
			   N_("Grid usage %.0f %% - very tight (%.0f %% and "
			      "over)"), al->value, al->limit);
	else
		render_trf(fig[0], sizeof fig[0], fig[1], sizeof fig[1],
			   N_("Your home uses %.1f kW, over its %.1f kW "
			      "target"), al->value, al->limit);
	/* The advice on one line, "first / second". */
	render_trf(tip[0], sizeof tip[0], tip[1], sizeof tip[1],
		   N_("Dim lights, ease the air conditioning"));
	snprintf(tips, sizeof tips, "%s%s%s", tip[0], *tip[1] ? " / " : "",
		 tip[1]);

	/* A badge in the very-tight colour carries the request itself. */
	badge = (struct render_rect){ m, y, w, (a->h - 2 * m) * 0.45 };
	cairo_save(a->cr);
	render_round_rect(a->cr, badge, 24 * u);
	render_set_rgb(a->cr, render_rgb_hex(RENDER_RGB(THEME_VERY_TIGHT)), 1);
	cairo_fill(a->cr);
	cairo_restore(a->cr);
	y += 30 * u;
	y += block(a, _("Please save electricity"), l1, 130 * u, true,
		   RENDER_RGB(THEME_INK_DARK), m + 30 * u, y, badge.w - 60 * u,
		   badge.h * 0.6);
	if (ask2)
		block(a, ask2, l2, 60 * u, false, RENDER_RGB(THEME_INK_DARK),
		      m + 30 * u, y, badge.w - 60 * u,
		      badge.y + badge.h - y - 20 * u);

	y = badge.y + badge.h + 50 * u;
	y += block(a, fig[0], l1, 80 * u, true, RENDER_RGB(THEME_TEXT), m, y,
		   w, 120 * u);
	if (*fig[1])
		y += block(a, fig[1], l2, 48 * u, false,
			   RENDER_RGB(THEME_TEXT_2), m, y, w, 80 * u);
	y += 30 * u;
	block_split(a, tips, l1, *tip[1] ? strlen(tip[0]) + 3 : 0, 48 * u,
		    false, RENDER_RGB(THEME_TEXT), m, y, w, a->h - y - m);
}

int render_alert_stats(cairo_t *cr, int w, int h,
		       const struct render_alert *al,
		       struct render_stats *stats)
{
	struct alert_ctx a = { .cr = cr, .w = w, .h = h, .stats = stats };

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!cr || w <= 0 || h <= 0 || !al ||
	    (al->kind == RENDER_ALERT_EMERGENCY && !al->message))
		return -1;
	a.u = (w < h ? w : h) / 1080.0;
	a.pc = pango_cairo_create_context(cr);
	pango_context_set_language(a.pc,
				   pango_language_from_string(RENDER_LANGUAGE));

	cairo_save(cr);
	if (al->kind == RENDER_ALERT_EMERGENCY)
		emergency(&a, al->message);
	else
		saving(&a, al);
	cairo_restore(cr);
	g_object_unref(a.pc);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

int render_alert(cairo_t *cr, int w, int h, const struct render_alert *a)
{
	return render_alert_stats(cr, w, h, a, NULL);
}
