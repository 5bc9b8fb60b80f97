/*
 * render.h - draws signage slides with Cairo and Pango.
 *
 * Coordinates: user space is device pixels, origin top left, y down.
 * Every layout size is derived from the surface's width and height, so
 * 1920x1080 landscape and 1080x1920 portrait both lay out properly.
 * Text is Noto Sans CJK JP, every layout tagged with the language it is
 * in (Japanese glyph shapes for Japanese); labels are drawn in the
 * languages render_look.h selects, by default Japanese with English
 * beneath.
 */
#ifndef AKARI_RENDER_H
#define AKARI_RENDER_H

#include <cairo.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum render_slide {
	RENDER_GRID,		/* usage gauge, demand vs supply, peak */
	RENDER_SOLAR,		/* area solar curve and share of demand */
	RENDER_HOUSEHOLD,	/* today vs yesterday by hour, month kWh */
	RENDER_AIR,		/* temperature, humidity, CO2 with bands */
	RENDER_CO2,		/* CO2 avoided by local solar, equivalents */
	RENDER_RANKING,		/* buildings by energy per floor area */
	RENDER_EV,		/* EV charging today: sessions, kWh */
	RENDER_WEATHER,		/* outdoor weather (JMA observations) */
	RENDER_MESSAGE,		/* a text with Pango markup */
	RENDER_IMAGE,		/* a PNG or JPEG picture */
	RENDER_QR,		/* a QR code to the resident portal */
	RENDER_SLIDE_COUNT
};

/* What the message, image and QR slides show: given per slide by the
 * kiosk's options or a playlist item.  All strings are borrowed. */
struct render_params {
	const char *message;	/* Pango markup (plain text where the
				 * markup is invalid) */
	const char *image;	/* path of a PNG or JPEG file */
	const char *qr_url;	/* what the QR code holds */
	const char *caption;	/* a line under the image or code; may be
				 * NULL */
};

/* What the slides are drawn from.  Each json_t is one site summary as
 * answered by GET /api/v1/sites/{name}/summary (see analytics.h); all are
 * borrowed and any may be NULL, in which case its slide says that no data
 * is available rather than drawing nothing. */
struct render_data {
	json_t *grid;		/* e.g. site "tepco" */
	json_t *home;		/* e.g. site "home12" */
	json_t *air;		/* e.g. site "room1" */
	json_t *signage;	/* GET /api/v1/signage (analytics_signage.h):
				 * the co2, ranking, ev and weather slides */
	const struct render_params *params;	/* may be NULL */
	int64_t now;		/* the kiosk clock, Unix seconds */
	bool replay;		/* the clock replays recorded days */
	bool stale;		/* server unreachable: drawn from the cache;
				 * figures are then judged old or not at
				 * the later of now and a summary's "at" */
	int64_t data_as_of;	/* when the cached data was fetched */
	bool unreachable;	/* the fetch failed and there is no data at
				 * all: the header says the server cannot
				 * be reached */
	const char *tz;		/* the display's zone (IANA), for a slide
				 * whose site names none (QR, message,
				 * image); NULL: the box's own */
};

/* The times a slide can show, 1900-01-01 to 9999-01-01 UTC in Unix
 * seconds.  A clock (render_data.now) outside them makes render_slide()
 * fail; a time in a summary outside them counts as missing. */
#define RENDER_TIME_MIN (-2208988800LL)
#define RENDER_TIME_MAX 253370764800LL

struct theme;

/* Draws every later slide in theme t (see themes/theme.h), borrowed: it
 * must outlive its use.  NULL restores the compiled-in dark theme, the
 * default.  Process-wide; set it before rendering starts. */
void render_set_theme(const struct theme *t);

/* "grid", "solar", "household", "air", "co2", "ranking", "ev",
 * "weather", "message", "image", "qr".  parse returns 0, or -1 for an
 * unknown name (*out untouched); name returns NULL for a bad slide. */
int render_slide_parse(const char *s, enum render_slide *out);
const char *render_slide_name(enum render_slide slide);

/* Draws slide over the whole of cr's target, w x h pixels.  Returns 0,
 * or -1 when Cairo reports an error or d->now is out of range.  cr's
 * state is left as it was.  Any summary, however malformed, draws. */
int render_slide(cairo_t *cr, int w, int h, enum render_slide slide,
		 const struct render_data *d);

/* A rectangle of a frame, in whole pixels. */
struct render_box {
	int x, y, w, h;
};

/* Draws again only the header's clock of the w x h slide that
 * render_slide() drew on cr with the same slide and d but an earlier
 * d->now in the same minute: the header is drawn clipped to the
 * rectangle around the clock, stored in *box; the rest of the picture
 * is left as it was.  Returns 0, or -1 as render_slide() does. */
int render_clock(cairo_t *cr, int w, int h, enum render_slide slide,
		 const struct render_data *d, struct render_box *box);

/* What the header clock of slide shows at d->now (the time and the
 * dates, as text) in buf, of len bytes.  render_clock() with the same
 * slide and d but a d->now of the same key draws the same pixels: a
 * caller that drew the slide at one time need not draw the clock again
 * at another of the same key.  Returns 0, or -1 (buf's content
 * unspecified) as render_clock() does or when len is too small; 128
 * bytes always do. */
int render_clock_key(enum render_slide slide, const struct render_data *d,
		     char *buf, size_t len);

/* Loads the fonts the slides use, so that the first frame does not
 * wait for them; for a caller with time to spare, such as a kiosk
 * waiting for its first data.  Harmless to call again. */
void render_warm_up(void);

/* The IANA zone the site of slide names in d, borrowed from d; NULL
 * when the slide has no site or its site names none.  A kiosk keeps the
 * last one shown for the slides without a site (render_data.tz). */
const char *render_slide_zone(enum render_slide slide,
			      const struct render_data *d);

/* The step a point's latest reading is judged by (core_reading_stale()):
 * its registered step_s, else the median spacing of its recent readings
 * the server sends as spacing_s, else 0 (the 15-minute floor).  pt is a
 * point of a site summary; NULL gives 0. */
int64_t render_point_step(json_t *pt);

/* Whether slide draws from p alone (message, image, qr) rather than
 * from server data, and whether p holds what it needs: a kiosk leaves
 * such a slide out of its default rotation when it has nothing to show. */
bool render_slide_standalone(enum render_slide slide);
bool render_slide_has_params(enum render_slide slide,
			     const struct render_params *p);

/* Checks markup as the message slide reads it.  Returns 0, or -1 with
 * err saying what Pango refused: the slide then draws the text as
 * plain text, so the caller should log err once. */
int render_markup_check(const char *markup, char *err, size_t errlen);

/* Loads the image at path as the image slide would (PNG by Cairo, JPEG
 * by libjpeg-turbo, told apart by their first bytes).  Returns 0, or -1
 * with err saying what is wrong with the file; the slide draws a "no
 * image" mark then, and a kiosk should skip it and log err. */
int render_image_check(const char *path, char *err, size_t errlen);

/* Frees the decoded image the image slide keeps between frames. */
void render_image_forget(void);

/* Frees the static layer render_slide() keeps of the slide it drew
 * last (the background, header band, panels and headings of a frame,
 * w x h x 4 bytes), which lets the next frame of that slide and size
 * draw only what changes.  It is made when a slide is drawn a second
 * time in a row and freed when another slide or size is drawn; a
 * caller that will not draw for a while can free it sooner. */
void render_layer_forget(void);

/* Renders slide at w x h into a new PNG file at path (replaced if it
 * exists).  Returns 0, or -1 when the surface or the file cannot be made
 * or written. */
int render_png(const struct render_data *d, enum render_slide slide, int w,
	       int h, const char *path);

/*
 * TEPCO's でんき予報 usage bands (使用率 = demand / supply), each drawn in
 * its own colour on the grid slide's gauge:
 *   under 90 %        安定       stable          0x2EB872  (46, 184, 114)
 *   90 to under 95 %  やや厳しい slightly tight  0xF2C94C  (242, 201, 76)
 *   95 to under 97 %  厳しい     tight           0xF2802A  (242, 128, 42)
 *   97 % and over     非常に厳しい very tight    0xE5383B  (229, 56, 59)
 * The gauge's value arc and status badge are filled with exactly these
 * colours (opaque), so a test can find them by pixel.  These are the
 * default theme's; another theme may have its own (render_band_rgb()).
 */
enum render_band {
	RENDER_BAND_STABLE,
	RENDER_BAND_SLIGHTLY_TIGHT,
	RENDER_BAND_TIGHT,
	RENDER_BAND_VERY_TIGHT,
	RENDER_BAND_COUNT
};

#define RENDER_RGB_STABLE		0x2EB872
#define RENDER_RGB_SLIGHTLY_TIGHT	0xF2C94C
#define RENDER_RGB_TIGHT		0xF2802A
#define RENDER_RGB_VERY_TIGHT		0xE5383B

/* The band that usage_pct falls in, per the table above. */
enum render_band render_band_of(double usage_pct);

/* The band's colour in the current theme as 0xRRGGBB; 0 for a bad
 * band. */
uint32_t render_band_rgb(enum render_band band);

#endif
