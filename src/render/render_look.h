/*
 * render_look.h - how a screen is laid out and read: its zones (a
 * header with the clock and the place name, the main slide area, a
 * ticker line), the template they follow for the surface's shape, its
 * languages and the smallest text its viewers can read.
 *
 * Coordinates: device pixels, origin top left, y down.  Zone sizes are
 * in the renderer's layout units (1/1080 of the shorter side, times the
 * theme's scale and the viewing-distance scale below).
 *
 * Process-wide, like the theme: set it before rendering starts or
 * between frames on the rendering thread.
 */
#ifndef AKARI_RENDER_LOOK_H
#define AKARI_RENDER_LOOK_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "render/render_i18n.h"

struct render_look {
	/* Languages: langs[0] drawn large, langs[1] beneath it (stack) or
	 * in turn with it (alternate); RENDER_LANG_NONE for one. */
	enum render_lang langs[2];
	enum render_bilingual bilingual;
	double alternate_seconds;	/* alternate: real seconds per
					 * language; 0 switches with each
					 * slide */

	const char *place;	/* the header's place name; NULL: the
				 * site's name and zone */
	const char *ticker;	/* the ticker line's text; NULL or "": no
				 * ticker line */

	/* The panel's diagonal in inches and the distance its viewers
	 * stand at in metres; both > 0 size text for them (see
	 * render_look_text_scale), else sizes follow pixels alone. */
	double screen_diagonal_in;
	double viewing_distance_m;
};

/* Japanese over English, stacked, no ticker, sizes by pixels. */
void render_look_init(struct render_look *look);

/* The command-line options that set a look, as "--name VALUE":
 *   --lang ja|en|ja+en|en+ja   --bilingual stack|alternate
 *   --alternate-seconds S      --place NAME      --ticker TEXT
 *   --screen-diagonal INCHES   --viewing-distance METRES
 * Sets look from option name (without the dashes) and its argument,
 * borrowed.  Returns 1 when name is not one of them, 0 when it was set,
 * -1 with err saying what arg should be. */
int render_look_option(struct render_look *look, const char *name,
		       const char *arg, char *err, size_t errlen);

/* The help lines of those options, for a usage text. */
extern const char render_look_usage[];

/* Sets the look of every later slide; look is copied, its strings are
 * borrowed and must outlive its use.  NULL restores the default. */
void render_set_look(const struct render_look *look);
const struct render_look *render_get_look(void);

/* The ticker's text, replacing look->ticker ("" removes the line, NULL
 * goes back to look->ticker); copied.  For content that arrives while
 * playing. */
void render_set_ticker(const char *text);

/* How far the ticker has scrolled: seconds of its scrolling clock.  The
 * kiosk passes its monotonic clock. */
void render_set_ticker_time(double seconds);

/* The ticker's text now (render_set_ticker's, else the look's), or
 * NULL for no ticker line; and its scrolling clock. */
const char *render_look_ticker(void);
double render_look_ticker_time(void);

/* Draws again only the ticker zone of a w x h slide on cr, as
 * render_slide() would draw it now: cheap enough for every frame while
 * the rest of the slide stands still.  Returns 0 (also when there is
 * no ticker), or -1 for bad arguments or a Cairo error. */
int render_ticker(cairo_t *cr, int w, int h);

/* Selects the languages (render_i18n_select) of a frame drawn in look
 * during slide period slide_seq, seconds after play began: both in
 * stack mode, one of them in turn in alternate mode.  Returns whether
 * that changed the selection, so the frame must be drawn again. */
bool render_look_select(const struct render_look *look, long slide_seq,
			double seconds);

enum render_template {
	RENDER_TEMPLATE_LANDSCAPE,	/* wider than high */
	RENDER_TEMPLATE_PORTRAIT,	/* higher than wide */
};

/* Where each zone of a w x h surface goes. */
struct render_zones {
	enum render_template tmpl;
	double u;			/* pixels per layout unit */
	bool header_two_rows;		/* place and marks on a 2nd row */
	struct { double x, y, w, h; } header, main, ticker;
	bool has_ticker;
};

/* The zones of a w x h surface (both > 0) in the current look and
 * theme.  The template follows the aspect: portrait when h > w.  The
 * main zone is what a slide draws into, inside the slide margin. */
void render_zones_of(int w, int h, struct render_zones *z);

/*
 * Text for a viewing distance.  The smallest text on a slide (the
 * English lines of tiles and legends, 20 layout units) gets a cap height
 * that subtends RENDER_TEXT_ARCMIN minutes of arc at the viewing
 * distance: ISO 9241-303 (ergonomics of displays) asks 20' to 22' for
 * reading text, 16' at the least.  The height h of an angle a at
 * distance d is 2 d tan(a / 2); pixels per millimetre come from the
 * panel's resolution and diagonal.  Noto Sans CJK's capitals are
 * RENDER_CAP_EM of its em.  The scale is never below 1 (pixel sizes are
 * the floor) and at most RENDER_TEXT_SCALE_MAX, past which the layout
 * no longer fits; render_look_text_scale says when it was capped.
 */
#define RENDER_TEXT_ARCMIN 20.0
#define RENDER_CAP_EM 0.733
#define RENDER_SMALLEST_UNITS 20.0
#define RENDER_TEXT_SCALE_MAX 1.6

/* The smallest cap height in pixels for a w x h panel of diagonal_in
 * inches seen from distance_m metres; 0 when either is not > 0. */
double render_look_min_cap_px(int w, int h, double diagonal_in,
			      double distance_m);

/* The factor on layout units that gives the smallest text that cap
 * height (1 without a diagonal and distance); *capped (may be NULL) is
 * set when the factor needed was over RENDER_TEXT_SCALE_MAX. */
double render_look_text_scale(int w, int h, const struct render_look *look,
			      bool *capped);

#endif
