/*
 * render.h - draws signage slides with Cairo and Pango.
 *
 * Coordinates: user space is device pixels, origin top left, y down.
 * Every layout size is derived from the surface's width and height, so
 * 1920x1080 landscape and 1080x1920 portrait both lay out properly.
 * Text is Noto Sans CJK JP with the Pango language set to ja, Japanese
 * labels with English beneath.
 */
#ifndef AKARI_RENDER_H
#define AKARI_RENDER_H

#include <cairo.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum render_slide {
	RENDER_GRID,		/* usage gauge, demand vs supply, peak */
	RENDER_SOLAR,		/* area solar curve and share of demand */
	RENDER_HOUSEHOLD,	/* today vs yesterday by hour, month kWh */
	RENDER_AIR,		/* temperature, humidity, CO2 with bands */
	RENDER_SLIDE_COUNT
};

/* What the slides are drawn from.  Each json_t is one site summary as
 * answered by GET /api/v1/sites/{name}/summary (see analytics.h); all are
 * borrowed and any may be NULL, in which case its slide says that no data
 * is available rather than drawing nothing. */
struct render_data {
	json_t *grid;		/* e.g. site "tepco" */
	json_t *home;		/* e.g. site "home12" */
	json_t *air;		/* e.g. site "room1" */
	int64_t now;		/* the kiosk clock, Unix seconds */
	bool replay;		/* the clock replays recorded days */
	bool stale;		/* server unreachable: drawn from the cache */
	int64_t data_as_of;	/* when the cached data was fetched */
};

int render_slide_parse(const char *s, enum render_slide *out);
const char *render_slide_name(enum render_slide slide);

/* Draws slide over the whole of cr's target, w x h pixels.  Returns 0,
 * or -1 when Cairo reports an error. */
int render_slide(cairo_t *cr, int w, int h, enum render_slide slide,
		 const struct render_data *d);

#endif
