/*
 * render_message.c - a notice written by staff, with Pango markup
 * (<b>, <span foreground="...">, <big>, ...).  Markup Pango refuses is
 * drawn as the plain text it is, so a typo shows as a typo rather than
 * as an empty screen; render_markup_check() lets the kiosk log it.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  One panel over the body; the text is wrapped to its
 * width and set as large as fits its height, from MSG_PX_MAX down to
 * MSG_PX_MIN (where it is cut with an ellipsis), centred.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MSG_PX_MAX 96	/* layout units */
#define MSG_PX_MIN 28

int render_markup_check(const char *markup, char *err, size_t errlen)
{
	GError *gerr = NULL;

	if (!markup)
		return 0;
	if (pango_parse_markup(markup, -1, 0, NULL, NULL, NULL, &gerr))
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s", gerr->message);
	g_error_free(gerr);
	return -1;
}

/* Sets text into l as markup, or as plain text when Pango refuses it,
 * in the first language with its Japanese tagged Japanese (a lang the
 * markup gives its own spans is kept); returns whether it was taken as
 * markup. */
static bool set_text(PangoLayout *l, const char *text)
{
	bool markup = render_markup_check(text, NULL, 0) == 0;
	PangoAttrList *al;
	PangoAttribute *a;

	/* Markup replaces the layout's attributes, and the language given
	 * when it was made covered only its empty text. */
	if (markup)
		pango_layout_set_markup(l, text, -1);
	else
		pango_layout_set_text(l, text, -1);
	al = pango_layout_get_attributes(l);
	al = al && markup ? pango_attr_list_copy(al) : pango_attr_list_new();
	a = pango_attr_language_new(pango_language_from_string(
		render_lang_code(render_i18n_first())));
	a->start_index = 0;
	a->end_index = G_MAXUINT;
	pango_attr_list_insert_before(al, a);
	pango_layout_set_attributes(l, al);
	pango_attr_list_unref(al);
	render_layout_tag_ja(l);
	return markup;
}

void render_message(struct render_ctx *c, struct render_rect body)
{
	const char *text = c->d->params ? c->d->params->message : NULL;
	struct render_rect in;
	PangoLayout *l;
	double px;
	int lw, lh;
	bool markup;

	render_panel(c, body);
	in = render_inset(body, 60 * c->u);
	if (!text || !*text) {
		render_nodata(c, body);
		return;
	}

	l = render_layout_new(c->pango, "", MSG_PX_MAX * c->u, false);
	markup = set_text(l, text);
	pango_layout_set_width(l, (int)(in.w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);

	/* the largest size at which the whole text fits the panel */
	for (px = MSG_PX_MAX * c->u; ; px *= 0.92) {
		PangoFontDescription *fd = pango_font_description_copy(
		    pango_layout_get_font_description(l));

		pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
		pango_layout_set_font_description(l, fd);
		pango_font_description_free(fd);
		pango_layout_get_pixel_size(l, &lw, &lh);
		if (lh <= in.h || px * 0.92 < MSG_PX_MIN * c->u)
			break;
	}
	if (lh > in.h) {
		pango_layout_set_height(l, (int)(in.h * PANGO_SCALE));
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		pango_layout_get_pixel_size(l, &lw, &lh);
	}

	cairo_save(c->cr);
	render_set_rgb(c->cr, render_rgb_hex(RENDER_RGB_TEXT), 1.0);
	cairo_move_to(c->cr, in.x, in.y + fmax((in.h - lh) / 2, 0));
	pango_cairo_show_layout(c->cr, l);
	cairo_restore(c->cr);
	if (c->stats) {
		c->stats->layouts++;
		c->stats->markup_plain = !markup;
		c->stats->unknown_glyphs +=
		    pango_layout_get_unknown_glyphs_count(l);
	}
	g_object_unref(l);
}
