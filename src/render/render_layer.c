/*
 * render_layer.c - the static layer of a slide: its background, header
 * band, title, panels, their headings and chart frames, drawn once on
 * an image surface that the next frames of the same slide and size
 * start from, so that a frame draws only what moves.
 *
 * Coordinates: device pixels, origin top left, y down; the layer is the
 * frame's size and is copied at (0, 0).
 *
 * Whether the layer still fits a frame is told by a hash: every static
 * part adds its inputs (coordinates, colours, its texts and their
 * styles) to the frame's hash as it is laid out, in every pass.  A frame
 * drawn from the layer whose hash comes out different (a theme, a
 * language, a panel that lost its data, a chart whose axis moved) is
 * drawn again whole, and the layer is made again on the next frame.
 * The static parts lie under everything else, so drawing them first and
 * the rest over them gives the frame drawn in one go.
 */
#include "render/render_internal.h"

#include <string.h>

/* The one layer kept: for the slide drawn last. */
static struct {
	cairo_surface_t *layer;	/* NULL: none made */
	enum render_slide slide;
	int w, h;
	cairo_format_t fmt;
	uint64_t hash;		/* of the static parts of the frames */
	bool seen;		/* slide, w, h, fmt and hash: drawn once */
} lc;

static bool layer_on = true;
static bool last_hit;		/* the last frame came from the layer */

#define HASH_PRIME 0x100000001b3ULL

void render_static_mix(struct render_ctx *c, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = c->static_hash;

	/* FNV-1a: the inputs are a few hundred bytes a frame. */
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * HASH_PRIME;
	c->static_hash = h;
}

bool render_static_begin(struct render_ctx *c, const void *key, size_t len)
{
	render_static_mix(c, key, len);

	/* The static pass draws on a layer clipped to nothing, so that
	 * what is not static is not drawn; its static parts see the whole
	 * of it. */
	if (c->static_depth++ == 0 && c->pass == RENDER_PASS_STATIC) {
		cairo_save(c->cr);
		cairo_reset_clip(c->cr);
	}
	return c->pass != RENDER_PASS_DYNAMIC;
}

void render_static_end(struct render_ctx *c)
{
	if (--c->static_depth == 0 && c->pass == RENDER_PASS_STATIC)
		cairo_restore(c->cr);
}

static void layer_drop(void)
{
	cairo_surface_destroy(lc.layer);
	lc.layer = NULL;
	lc.seen = false;
}

void render_layer_enable(bool on)
{
	layer_on = on;
	if (!on)
		layer_drop();
}

bool render_layer_hit(void)
{
	return last_hit;
}

void render_layer_forget(void)
{
	layer_drop();
}

/* Whether a frame on cr can come from a layer: a whole image surface of
 * the frame's size, in device pixels. */
static bool layer_fits(cairo_t *cr, int w, int h, cairo_format_t *fmt)
{
	cairo_surface_t *t = cairo_get_target(cr);
	cairo_matrix_t m;

	if (!layer_on || cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE)
		return false;
	*fmt = cairo_image_surface_get_format(t);
	if ((*fmt != CAIRO_FORMAT_ARGB32 && *fmt != CAIRO_FORMAT_RGB24) ||
	    cairo_image_surface_get_width(t) != w ||
	    cairo_image_surface_get_height(t) != h)
		return false;
	cairo_get_matrix(cr, &m);
	return m.xx == 1 && m.yy == 1 && m.xy == 0 && m.yx == 0 &&
	       m.x0 == 0 && m.y0 == 0;
}

/* Draws the static pass on a new layer.  Returns 0, or -1 (and no
 * layer) when Cairo fails. */
static int layer_make(render_frame_fn *draw, void *arg)
{
	cairo_t *lcr;
	int rc = -1;

	lc.layer = cairo_image_surface_create(lc.fmt, lc.w, lc.h);
	if (cairo_surface_status(lc.layer) != CAIRO_STATUS_SUCCESS)
		goto out;
	lcr = cairo_create(lc.layer);
	cairo_rectangle(lcr, 0, 0, 0, 0);
	cairo_clip(lcr);
	lc.hash = draw(lcr, RENDER_PASS_STATIC, arg);
	if (cairo_status(lcr) == CAIRO_STATUS_SUCCESS)
		rc = 0;
	cairo_destroy(lcr);
	cairo_surface_flush(lc.layer);
out:
	if (rc) {
		cairo_surface_destroy(lc.layer);
		lc.layer = NULL;
	}
	return rc;
}

/* The layer copied onto cr, the rest drawn over it.  Returns whether
 * the frame's static parts are the layer's. */
static bool from_layer(cairo_t *cr, render_frame_fn *draw, void *arg)
{
	cairo_save(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_set_source_surface(cr, lc.layer, 0, 0);
	cairo_paint(cr);
	cairo_restore(cr);
	return draw(cr, RENDER_PASS_DYNAMIC, arg) == lc.hash;
}

int render_layer_draw(cairo_t *cr, int w, int h, enum render_slide slide,
		      render_frame_fn *draw, void *arg)
{
	cairo_format_t fmt = CAIRO_FORMAT_ARGB32;
	bool fits = layer_fits(cr, w, h, &fmt);
	bool same = fits && lc.seen && lc.slide == slide && lc.w == w &&
		    lc.h == h && lc.fmt == fmt;
	uint64_t hash;

	/* A slide drawn a second time in a row is likely to be drawn again:
	 * only then is a layer worth its memory and its making. */
	if (same && !lc.layer)
		layer_make(draw, arg);
	last_hit = same && lc.layer && from_layer(cr, draw, arg);
	if (last_hit)
		return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;

	/* Whole, over whatever a layer left: the background covers it. */
	layer_drop();
	hash = draw(cr, RENDER_PASS_ALL, arg);
	if (fits) {
		lc.slide = slide;
		lc.w = w;
		lc.h = h;
		lc.fmt = fmt;
		lc.hash = hash;
		lc.seen = true;
	}
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
