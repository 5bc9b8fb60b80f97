/*
 * render_qr.c - a QR code that takes a resident to their portal.  The
 * symbol is libqrencode's (error correction level M, byte mode), drawn
 * as crisp squares: every module is the same whole number of pixels,
 * placed on whole pixels with antialiasing off, dark on a light square
 * that includes the quiet zone of QR_QUIET modules the standard asks
 * for, in every theme (a reader needs dark modules on light).
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  Landscape: the code on the left, the text beside it;
 * portrait: the code above the text.
 */
#include "render/render_internal.h"

#include <math.h>
#include <qrencode.h>
#include <stdio.h>

#define QR_QUIET 4	/* modules of light margin on each side */

/* Draws code's modules in a square of side at most r's, centred;
 * returns the square drawn (zero size when not even one pixel per
 * module fits). */
static struct render_rect draw_code(struct render_ctx *c,
				    const QRcode *code, struct render_rect r)
{
	int n = code->width + 2 * QR_QUIET;
	int m = (int)floor(fmin(r.w, r.h) / n);
	double x0, y0;
	struct render_rect sq = {0};

	if (m < 1)
		return sq;
	x0 = floor(r.x + (r.w - n * m) / 2);
	y0 = floor(r.y + (r.h - n * m) / 2);
	sq = (struct render_rect){ x0, y0, n * m, n * m };

	cairo_save(c->cr);
	cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_source_rgb(c->cr, 1, 1, 1);
	cairo_rectangle(c->cr, sq.x, sq.y, sq.w, sq.h);
	cairo_fill(c->cr);
	cairo_set_source_rgb(c->cr, 0, 0, 0);
	for (int y = 0; y < code->width; y++)
		for (int x = 0; x < code->width; x++)
			if (code->data[y * code->width + x] & 1)
				cairo_rectangle(c->cr,
						x0 + (x + QR_QUIET) * m,
						y0 + (y + QR_QUIET) * m, m, m);
	cairo_fill(c->cr);
	cairo_restore(c->cr);
	if (c->stats) {
		c->stats->qr = sq;
		c->stats->qr_modules = n;
	}
	return sq;
}

static void draw_text(struct render_ctx *c, struct render_rect r,
		      const char *url, const char *cap)
{
	struct render_style st_url = {
		.px = 30 * c->u, .rgb = RENDER_RGB_TEXT_2, .max_w = r.w,
	};
	double y = r.y + r.h / 2 - 110 * c->u;

	/* Staff's caption is in whatever language they wrote it in. */
	if (cap)
		y += render_label(c, cap, NULL, r.x, y, 56 * c->u, 34 * c->u,
				  RENDER_ALIGN_LEFT, r.w);
	else
		y += render_label(c, L_(N_("Scan with your phone camera")),
				  r.x, y, 56 * c->u, 34 * c->u,
				  RENDER_ALIGN_LEFT, r.w);
	render_text(c, &st_url, r.x, y + 30 * c->u, url);
}

void render_qr(struct render_ctx *c, struct render_rect body)
{
	const struct render_params *p = c->d->params;
	const char *url = p ? p->qr_url : NULL;
	struct render_rect code_r, text_r;
	QRcode *code = NULL;

	render_panel(c, body);
	if (url && *url)
		code = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code) {
		render_nodata(c, body);
		return;
	}
	if (c->portrait)
		render_cut(render_inset(body, 40 * c->u), 0.62, 40 * c->u,
			   true, &code_r, &text_r);
	else
		render_cut(render_inset(body, 40 * c->u), 0.45, 60 * c->u,
			   false, &code_r, &text_r);
	if (draw_code(c, code, code_r).w == 0)
		render_nodata(c, code_r);
	draw_text(c, text_r, url, p->caption);
	QRcode_free(code);
}
