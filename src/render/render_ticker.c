/*
 * render_ticker.c - the ticker's text as a picture: laid out and drawn
 * once into an alpha-only strip, then on every frame painted through it
 * in the text's colour wherever the text has scrolled to.
 *
 * Coordinates: device pixels, origin top left, y down.  The strip holds
 * the text with a margin of STRIP_MARGIN(px) on every side, placed so
 * that its pixels fall on the frame's: the text's position is split
 * into whole pixels (where the strip goes) and the fraction (drawn into
 * the strip and part of its key).  Glyphs composited through the strip
 * get the very coverage they get when Pango draws them on the frame.
 */
#include "render/render_internal.h"

#include <math.h>
#include <string.h>

/* Room around the text's logical box for ink outside it. */
#define STRIP_MARGIN(px) ceil((px) * 0.5 + 2)

/* Cairo's largest image side. */
#define STRIP_MAX 32767

/* The one strip kept: for the text drawn last. */
static struct {
	cairo_surface_t *strip;	/* A8, NULL for none */
	char *key;		/* what it was drawn from */
	double margin;
} tk;

static bool last_strip;	/* the last text was drawn through it */

/* The key of text in style st at fractions fx, fy of a pixel; the
 * caller frees it. */
static char *strip_key(const struct render_style *st, double fx, double fy,
		       const char *text)
{
	return g_strdup_printf("%a %d %d %d %zu %a %a %s %s\n%s", st->px,
			       st->bold, st->second, render_i18n_first(),
			       st->split, fx, fy, RENDER_FONT_FAMILY,
			       render_lang_code(render_i18n_second()) ?
			       render_lang_code(render_i18n_second()) : "",
			       text);
}

/* Draws text into a new strip for key.  Returns 0, or -1 (no strip)
 * when it would be too large or Cairo fails. */
static int strip_make(struct render_ctx *c,
		      const struct render_style *st, double fx, double fy,
		      const char *text, char *key)
{
	struct render_style sst = *st;
	struct render_ctx sc = { .u = c->u, .w = c->w, .h = c->h };
	struct render_extent e = render_text_measure(c, st, text);
	double m = STRIP_MARGIN(st->px);
	double sw = ceil(e.w + fx) + 2 * m, sh = ceil(e.h + fy) + 2 * m;
	cairo_surface_t *s;
	int rc = -1;

	if (!(sw > 0 && sw <= STRIP_MAX && sh > 0 && sh <= STRIP_MAX))
		goto out;
	s = cairo_image_surface_create(CAIRO_FORMAT_A8, (int)sw, (int)sh);
	sc.cr = cairo_create(s);
	sc.pango = render_pango_new(sc.cr);
	sst.align = RENDER_ALIGN_LEFT;
	sst.baseline = false;
	render_text(&sc, &sst, m + fx, m + fy, text);
	if (cairo_status(sc.cr) == CAIRO_STATUS_SUCCESS)
		rc = 0;
	g_object_unref(sc.pango);
	cairo_destroy(sc.cr);
	cairo_surface_flush(s);
	if (rc) {
		cairo_surface_destroy(s);
		goto out;
	}
	cairo_surface_destroy(tk.strip);
	g_free(tk.key);
	tk.strip = s;
	tk.key = key;
	tk.margin = m;
	return 0;
out:
	g_free(key);
	return rc;
}

/* Whether cr draws in device pixels shifted by whole pixels at most, so
 * that the strip's pixels land on the target's. */
static bool whole_pixels(cairo_t *cr)
{
	cairo_matrix_t m;

	cairo_get_matrix(cr, &m);
	return m.xx == 1 && m.yy == 1 && m.xy == 0 && m.yx == 0 &&
	       m.x0 == floor(m.x0) && m.y0 == floor(m.y0);
}

void render_ticker_text(struct render_ctx *c, const struct render_style *st,
			double x, double y, const char *text)
{
	double fx = x - floor(x), fy = y - floor(y);
	char *key;

	/* A test counting layouts sees this one too. */
	last_strip = false;
	if (c->stats || !c->extents_ok || !whole_pixels(c->cr)) {
		render_text(c, st, x, y, text);
		return;
	}
	key = strip_key(st, fx, fy, text);
	if (tk.key && strcmp(key, tk.key) == 0)
		g_free(key);
	else if (strip_make(c, st, fx, fy, text, key)) {
		render_text(c, st, x, y, text);
		return;
	}

	cairo_save(c->cr);
	render_set_rgb(c->cr, render_rgb_hex(st->rgb), 1.0);
	cairo_mask_surface(c->cr, tk.strip, floor(x) - tk.margin,
			   floor(y) - tk.margin);
	cairo_restore(c->cr);
	last_strip = true;
}

bool render_ticker_strip_used(void)
{
	return last_strip;
}
