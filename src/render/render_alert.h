/*
 * render_alert.h - the two full-screen notices that take over from the
 * playlist: an emergency message set by staff, and a request to save
 * electricity when the grid or a home is under strain.
 *
 * Both are drawn in the theme's colours, their text in the languages
 * render_i18n_select() chose (the first large, the second beneath) and
 * laid out by Pango in its language, in type as large as the screen
 * allows, down to 8 px and then cut with an ellipsis: the
 * emergency message fills the slide on the theme's very-tight colour,
 * so it reads from across a concourse and a test can find it by pixel.
 */
#ifndef AKARI_RENDER_ALERT_H
#define AKARI_RENDER_ALERT_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

enum render_alert_kind {
	RENDER_ALERT_EMERGENCY,	/* message: staff's text */
	RENDER_ALERT_SAVE_GRID,	/* value: grid usage %, limit: rule's % */
	RENDER_ALERT_SAVE_HOME,	/* value: demand kW, limit: target kW */
};

struct render_alert {
	enum render_alert_kind kind;
	const char *message;	/* borrowed; emergency only */
	double value, limit;
};

/* Draws the notice over the whole w x h surface of cr.  Returns 0, or -1
 * when w or h is not positive or a is malformed. */
int render_alert(cairo_t *cr, int w, int h, const struct render_alert *a);

#endif
