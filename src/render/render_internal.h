/*
 * render_internal.h - what the renderer's files share: the drawing
 * context, the theme, layout rectangles, text, charts and summary access.
 *
 * Coordinates everywhere in the renderer: device pixels, origin at the
 * top left of the slide, x right, y down.  Sizes are written in layout
 * units (struct render_ctx.u), one unit being 1/1080 of the slide's
 * shorter side, so a 1920x1080 and a 1080x1920 slide use the same type
 * sizes and only the arrangement of panels differs.
 */
#ifndef AKARI_RENDER_INTERNAL_H
#define AKARI_RENDER_INTERNAL_H

#include <glib.h>
#include <pango/pangocairo.h>

#include "render/render.h"
#include "render/render_i18n.h"
#include "themes/theme.h"

/* --- geometry ------------------------------------------------------- */

struct render_rect {
	double x, y, w, h;
};

/* r shrunk by d on every side (never below zero size). */
struct render_rect render_inset(struct render_rect r, double d);

/* Splits r into n equal cells side by side (vertical == false) or one
 * under the other, gap apart; out needs n entries. */
void render_split(struct render_rect r, int n, double gap, bool vertical,
		  struct render_rect *out);

/* Cuts r at fraction f of its width (or height when vertical), leaving
 * gap between the two parts. */
void render_cut(struct render_rect r, double f, double gap, bool vertical,
		struct render_rect *a, struct render_rect *b);

/* --- theme ---------------------------------------------------------- */

struct render_rgb {
	double r, g, b;
};

struct render_rgb render_rgb_hex(uint32_t rgb);
/* a mixed toward b by t (0 = a, 1 = b). */
struct render_rgb render_rgb_mix(struct render_rgb a, struct render_rgb b,
				 double t);
void render_set_rgb(cairo_t *cr, struct render_rgb c, double alpha);

/* The theme's colours (see render_set_theme()); the default is the
 * dark theme.  Background and panels are flat fills so that a test can
 * tell drawn content from empty space by colour. */
#define RENDER_RGB(c)		(render_theme()->rgb[(c)])
#define RENDER_RGB_BG		RENDER_RGB(THEME_BG)
#define RENDER_RGB_HEADER	RENDER_RGB(THEME_HEADER)
#define RENDER_RGB_PANEL	RENDER_RGB(THEME_PANEL)
#define RENDER_RGB_PANEL_EDGE	RENDER_RGB(THEME_PANEL_EDGE)
#define RENDER_RGB_TEXT		RENDER_RGB(THEME_TEXT)
#define RENDER_RGB_TEXT_2	RENDER_RGB(THEME_TEXT_2)
#define RENDER_RGB_GRIDLINE	RENDER_RGB(THEME_GRIDLINE)
#define RENDER_RGB_INK_DARK	RENDER_RGB(THEME_INK_DARK)
#define RENDER_RGB_DEMAND	RENDER_RGB(THEME_DEMAND)
#define RENDER_RGB_SUPPLY	RENDER_RGB(THEME_SUPPLY)
#define RENDER_RGB_SOLAR	RENDER_RGB(THEME_SOLAR)
#define RENDER_RGB_TODAY	RENDER_RGB(THEME_TODAY)
#define RENDER_RGB_YESTERDAY	RENDER_RGB(THEME_YESTERDAY)
#define RENDER_RGB_AIR		RENDER_RGB(THEME_AIR)
#define RENDER_RGB_REPLAY	RENDER_RGB(THEME_REPLAY)
#define RENDER_RGB_STALE	RENDER_RGB(THEME_STALE)
/* The no-data mark: in the dark theme off every blend of two theme
 * colours, so a test can find it. */
#define RENDER_RGB_NODATA	RENDER_RGB(THEME_NODATA)

/* The theme set with render_set_theme(), never NULL. */
const struct theme *render_theme(void);

/* --- the drawing context -------------------------------------------- */

/* One text as drawn, for a test that looks for collisions. */
struct render_text_box {
	struct render_rect ink;		/* where its glyphs' ink is */
	struct render_rect panel;	/* the panel it was drawn in */
	char text[64];			/* its first bytes */
};

#define RENDER_STATS_TEXTS 320

/* What a test can learn about one rendering (see render_slide_stats). */
struct render_stats {
	int layouts;		/* text layouts drawn */
	int ntexts;		/* of them in texts[] (the first ones) */
	struct render_text_box texts[RENDER_STATS_TEXTS];
	int unknown_glyphs;	/* summed over them: boxes, not glyphs */
	int nodata_panels;	/* "データなし / No data" panels drawn */
	bool gauge_drawn;
	struct render_rect gauge;	/* the usage gauge's bounding box */
	enum render_band gauge_band;
	bool gauge_stale;	/* drawn as an old figure, no band */
	struct render_rect header;
	char marks[512];	/* the header badges' text, one a line */
	double mark_scale;	/* of the badges, 1 at full size */
	int ntiles;		/* of the last row of tiles drawn */
	double tile_px[4];	/* the size of each one's value */
	bool markup_plain;	/* the message's markup was refused */
	bool image_drawn;	/* the image slide drew its picture */
	struct render_rect qr;	/* the QR symbol with its quiet zone */
	int qr_modules;		/* its width in modules, quiet zone
				 * included */
	int ranking_rows;	/* buildings listed on the ranking slide */
};

/* What one drawing of a frame puts on its target (render_layer.c).  A
 * frame's static parts (background, header band, title, panels, their
 * headings, chart frames) are the same from frame to frame of a slide;
 * they can be drawn once on a layer that later frames start from. */
enum render_pass {
	RENDER_PASS_ALL,	/* everything, as without a layer */
	RENDER_PASS_STATIC,	/* only the static parts: the layer */
	RENDER_PASS_DYNAMIC	/* only the rest, over a copy of it */
};

struct render_ctx {
	cairo_t *cr;
	PangoContext *pango;	/* language "ja", owned */
	int w, h;
	double u;		/* pixels per layout unit */
	bool portrait;
	const struct render_data *d;
	json_t *site;		/* the slide's summary, borrowed, may be NULL */
	GTimeZone *tz;		/* the site's zone, owned */
	struct render_rect panel;	/* the one being drawn in */
	struct render_stats *stats;	/* NULL unless a test asks */
	enum render_pass pass;		/* what of the frame is drawn */
	int static_depth;	/* > 0 inside render_static_begin() */
	uint64_t static_hash;	/* of the static parts so far */
	bool extents_ok;	/* cr draws in device pixels: texts' extents
				 * may be kept between frames */
};

/* --- the static layer (render_layer.c) ------------------------------ */

/* Begins a static part of the frame whose drawing depends on no more
 * than the len bytes at key (coordinates, colours; doubles with no
 * padding between them) and the texts drawn inside it, which
 * render_text() takes into c->static_hash by itself.  Returns whether
 * to draw its Cairo paths: false in the dynamic pass, where the layer
 * already holds them.  Its texts are measured in every pass and drawn
 * in all but the dynamic one.  Pairs with render_static_end(); nests. */
bool render_static_begin(struct render_ctx *c, const void *key, size_t len);
void render_static_end(struct render_ctx *c);

/* Adds len bytes at p to c->static_hash. */
void render_static_mix(struct render_ctx *c, const void *p, size_t len);

/* Draws one frame on cr in pass; returns the hash of its static parts
 * (c->static_hash, from 0).  Cairo's errors stay in cr. */
typedef uint64_t render_frame_fn(cairo_t *cr, enum render_pass pass,
				 void *arg);

/* Draws the w x h frame of slide on cr through draw: from the static
 * layer kept for that slide and size when its static parts are the
 * same as the layer's, else whole (a layer is made when a slide is
 * drawn a second time in a row at the same size).  One layer is kept
 * at most, for the slide drawn last.  Returns 0, or -1 when Cairo
 * fails. */
int render_layer_draw(cairo_t *cr, int w, int h, enum render_slide slide,
		      render_frame_fn *draw, void *arg);

/* Whether render_slide() may use the layer (true by default): a test
 * draws a frame both ways and compares them.  false also frees it. */
void render_layer_enable(bool on);

/* Whether the last render_layer_draw() drew its frame from the layer. */
bool render_layer_hit(void);

/* Like render_slide(), and when stats is not NULL fills it in. */
int render_slide_stats(cairo_t *cr, int w, int h, enum render_slide slide,
		       const struct render_data *d,
		       struct render_stats *stats);

struct render_alert;

/* Like render_alert(), and when stats is not NULL fills it in (texts,
 * layouts, unknown glyphs) (render_alert.c). */
int render_alert_stats(cairo_t *cr, int w, int h,
		       const struct render_alert *a,
		       struct render_stats *stats);

/* --- text (render_text.c) ------------------------------------------- */

#define RENDER_FONT_FAMILY (render_theme()->family)
/* The Pango language of text in the slide's first language. */
#define RENDER_LANGUAGE (render_lang_code(render_i18n_first()))

/* A text's language.  Every layout is tagged with the language it is
 * written in, so that Pango picks Japanese glyph shapes for Japanese
 * (and never a Chinese font's) and Latin shaping for English.  The
 * slide's languages are the ones render_i18n_select() chose: the first
 * drawn large, the second, when there is one, beneath it. */

/* msgid in the slide's second language, or NULL when only one language
 * is drawn; with render_gettext() (the first) for a pair of
 * parameters: f(c, L_(N_("Solar")), ...). */
const char *render_tr2(const char *msgid) __attribute__((format_arg(1)));
#define L_(id) render_gettext(id), render_tr2(id)

/* printf with msgid's translation into first, and into second (""
 * when only one language is drawn). */
void render_trf(char *first, size_t first_len, char *second,
		size_t second_len, const char *msgid, ...)
	__attribute__((format(printf, 5, 6)));

/* msgid in both languages on one line, "first second", into buf;
 * returns the byte at which the second language starts (0 when only
 * one is drawn), for render_style.split. */
size_t render_tr_line(char *buf, size_t len, const char *msgid);

enum render_align {
	RENDER_ALIGN_LEFT,
	RENDER_ALIGN_CENTER,
	RENDER_ALIGN_RIGHT
};

struct render_style {
	double px;		/* font size in pixels */
	bool bold;
	uint32_t rgb;
	enum render_align align;	/* about x */
	bool baseline;		/* y is the baseline, else the top */
	double max_w;		/* > 0: wider text is scaled down to fit */
	bool second;		/* in the slide's second language */
	size_t split;		/* > 0: from this byte on in the other */
};

/* The size a text takes. */
struct render_extent {
	double w, h;		/* logical width and height */
	double baseline;	/* from the top */
	double ink_top, ink_bottom;	/* the glyphs' ink, from the top */
};

/* A Pango context for cr in the first language, with the renderer's
 * font options; the caller unrefs it (render.c). */
PangoContext *render_pango_new(cairo_t *cr);

/* Draws text in style st (left aligned, y its top) at (x, y) as
 * render_text() does, x and y in whole pixels or not.  Where c draws in
 * device pixels the text is laid out once into a picture of its glyphs
 * kept for the next frames (render_ticker.c), since a ticker draws the
 * same text on every frame. */
void render_ticker_text(struct render_ctx *c, const struct render_style *st,
			double x, double y, const char *text);

/* Whether the last render_ticker_text() drew through its picture. */
bool render_ticker_strip_used(void);

/* A Pango layout for text in the renderer's font and the slide's first
 * language; the caller unrefs it. */
PangoLayout *render_layout_new(PangoContext *pc, const char *text,
			       double px, bool bold);

/* The same in lang, and from byte split on (when > 0) in lang2. */
PangoLayout *render_layout_new_lang(PangoContext *pc, const char *text,
				    double px, bool bold,
				    enum render_lang lang, size_t split,
				    enum render_lang lang2);

/* Tags lo's runs of Japanese script (kana, Han, CJK punctuation and
 * full-width forms) with language ja over whatever its attributes say:
 * a Japanese name or notice in an English layout must not take Chinese
 * glyph shapes, which Han left without Japanese may get from the font's
 * language features or fontconfig's fallback for the layout's language.
 * Call it after the layout's text and attributes (or markup) are set. */
void render_layout_tag_ja(PangoLayout *lo);

/* Measures text as render_text() would draw it. */
struct render_extent render_text_measure(struct render_ctx *c,
					 const struct render_style *st,
					 const char *text);

/* Draws text at (x, y) as st says and returns the extent it took. */
struct render_extent render_text(struct render_ctx *c,
				 const struct render_style *st, double x,
				 double y, const char *text);

/* A label in the first language (bold, px) with its line in the second
 * language (px_en) beneath, both aligned about x from top y; en may be
 * NULL or "" for none (one language drawn).  Returns the height taken.
 * The parameters keep their historic names: ja is the first language's
 * text, en the second's; L_() gives both. */
double render_label(struct render_ctx *c, const char *ja, const char *en,
		    double x, double y, double px, double px_en,
		    enum render_align align, double max_w);

/* The height and width render_label() takes for the same arguments. */
struct render_extent render_label_measure(struct render_ctx *c,
					  const char *ja, const char *en,
					  double px, double px_en,
					  double max_w);

/* A big number followed by its unit on the same baseline, starting at x
 * (or centred on x).  Returns the total width. */
double render_value(struct render_ctx *c, const char *num, const char *unit,
		    double x, double baseline, double px, uint32_t rgb,
		    enum render_align align, double max_w);

/* How render_value() is to draw a number to fit a box. */
struct render_fit {
	double px;		/* the size; 0 when nothing fits */
	double above;		/* from the ink's top to the baseline */
	double ink_h;		/* the ink's height */
};

/* The largest size, up to px_max, at which render_value() keeps num and
 * unit inside a box w x h: no wider than w, their ink no taller than h. */
struct render_fit render_value_fit(struct render_ctx *c, const char *num,
				   const char *unit, double w, double h,
				   double px_max);

/* How a grid's power and energy (kW and kWh in a summary) are shown in
 * the slide's first language: in 万kW (10,000 kW) for Japanese, as
 * TEPCO publishes them, in GW for English, whose readers have no 万.
 * Captions in the second language use the same unit as the figures. */
struct render_grid_unit {
	double div;		/* kW per unit shown */
	int decimals;		/* of a figure */
	int axis_decimals;	/* of a chart's axis labels under 5 */
	const char *power;	/* "万kW", "GW" */
	const char *energy;	/* "万kWh", "GWh" */
};

struct render_grid_unit render_grid_unit(void);

/* value with thousands separators and decimals places: 4995 -> "4,995". */
void render_fmt_num(char *buf, size_t len, double value, int decimals);

/* The caption of a reading's time in the first and second language,
 * "HH:MM 時点" and "as of HH:MM" (en "" with one language). */
void render_fmt_as_of(char *ja, size_t ja_len, char *en, size_t en_len,
		      int64_t ts, GTimeZone *tz);

/* msgid with the local date and time of ts in tz for its one "%s" (no
 * other % sequence is read): "2022年6月25日 13:55", "25 Jun 2022 13:55",
 * in the first and the second language (second "" with one language).
 * How a slide dates a figure that is no longer current
 * (render_latest_stale()). */
void render_fmt_when(char *first, size_t first_len, char *second,
		     size_t second_len, const char *msgid, int64_t ts,
		     GTimeZone *tz);

/* Local wall-clock pieces of ts in tz. */
void render_fmt_hm(char *buf, size_t len, int64_t ts, GTimeZone *tz);
void render_fmt_date_ja(char *buf, size_t len, int64_t ts, GTimeZone *tz);
void render_fmt_date_en(char *buf, size_t len, int64_t ts, GTimeZone *tz);
/* The date in lang as one of the two above; "" for RENDER_LANG_NONE.
 * Dates are spelled per language in code, as their order and their
 * weekday and month names differ, rather than through the catalogue. */
void render_fmt_date(char *buf, size_t len, int64_t ts, GTimeZone *tz,
		     enum render_lang lang);
/* The name a clock in tz goes by at ts: tzdata's abbreviation when it is
 * one in letters ("JST", "AEST", "PDT"), else the offset from UTC
 * ("UTC+10", "UTC-3", "UTC+5:45", "UTC" for none), never a bare offset
 * such as tzdata's "+10" or GLib's "+10:00" for a fixed zone. */
void render_fmt_zone(char *buf, size_t len, int64_t ts, GTimeZone *tz);

/* --- panels (render.c) ---------------------------------------------- */

/* A rounded panel filling r. */
void render_panel(struct render_ctx *c, struct render_rect r);

/* A panel's heading (Japanese over English) at its top left; returns the
 * rectangle left below it for content. */
struct render_rect render_panel_head(struct render_ctx *c,
				     struct render_rect r, const char *ja,
				     const char *en);

/* The "データなし / No data" mark centred in r. */
void render_nodata(struct render_ctx *c, struct render_rect r);

/* A rounded rectangle path. */
void render_round_rect(cairo_t *cr, struct render_rect r, double radius);

/* A figure tile: a heading, one big value, a caption and optionally a
 * share bar.  All strings are borrowed for the call. */
struct render_tile {
	const char *ja, *en;		/* heading */
	const char *num;		/* the value; NULL: the no-data mark */
	const char *unit;
	uint32_t rgb;			/* of the value */
	const char *cap_ja, *cap_en;	/* caption, may be NULL */
	double bar;			/* share 0..1 drawn as a bar, or NAN */
};

#define RENDER_TILES_MAX 4

/* Tiles t[0..n) side by side (or one under the other when vertical) in
 * r.  A wide, low tile has its heading and caption on the left and the
 * value on the right; a narrow one stacks them.  Every value is drawn
 * at the size the tightest of them allows, so that a row reads as one.
 * n is at most RENDER_TILES_MAX. */
void render_tiles(struct render_ctx *c, struct render_rect r, bool vertical,
		  const struct render_tile *t, int n);

/* The chart-beside-figures layout of the solar and household slides:
 * the chart left and the tiles' column right, or the chart on top in
 * portrait. */
void render_chart_and_tiles(struct render_ctx *c, struct render_rect body,
			    struct render_rect *chart,
			    struct render_rect *tiles);

/* --- charts (render_chart.c) ---------------------------------------- */

/* Where a chart maps time and value to pixels. */
struct render_axes {
	struct render_rect plot;
	double t0, t1;		/* Unix seconds at the left and right */
	double v0, v1;		/* values at the bottom and top */
};

double render_axes_x(const struct render_axes *a, double t);
double render_axes_y(const struct render_axes *a, double v);

/* The round step (1, 2, 2.5 or 5 times a power of ten, and exact at
 * decimals places) whose axis, from *bottom to *top on multiples of it,
 * covers [vmin, vmax] in 2 to n intervals with the least room to spare. */
double render_nice_range(double vmin, double vmax, int n, int decimals,
			 double *bottom, double *top);

/* Draws horizontal grid lines with value labels (decimals places) on
 * the left, unit above them, and hour labels under the plot, for values
 * vmin..vmax (already divided for display); r is the whole chart area,
 * the plot what is left inside it.  Returns the axes. */
struct render_axes render_chart_frame(struct render_ctx *c,
				      struct render_rect r, double t0,
				      double t1, double vmin, double vmax,
				      int decimals, const char *unit);

/* A curve from a summary "curve" array ([[ts, v], ...]), values divided
 * by div; fill_alpha > 0 fills the area under it with a fading
 * gradient.  Returns the number of points drawn. */
int render_chart_curve(struct render_ctx *c, const struct render_axes *a,
		       json_t *curve, double div, uint32_t rgb, double width,
		       double fill_alpha);

/* The same array drawn as steps, each reading held for step_s seconds
 * or until the next one. */
int render_chart_steps(struct render_ctx *c, const struct render_axes *a,
		       json_t *curve, double div, double step_s,
		       uint32_t rgb, double width, bool dashed);

/* A dot at the curve's last point with its value (decimals places) as
 * a label. */
void render_chart_last(struct render_ctx *c, const struct render_axes *a,
		       json_t *curve, double div, int decimals, uint32_t rgb);

/* A thin vertical line at time t across the plot, labelled 現在 / now. */
void render_chart_now(struct render_ctx *c, const struct render_axes *a,
		      double t);

/* A legend entry (a short line or block of colour, then a label) ending
 * at x_right; returns the x where it starts, for the next one. */
double render_legend(struct render_ctx *c, double x_right, double y,
		     uint32_t rgb, bool block, const char *ja, const char *en);

/* What a legend entry shows. */
struct render_key {
	uint32_t rgb;
	bool block;		/* a block of colour, else a short line */
	const char *ja, *en;
};

/* A chart's panel filling r: its heading (ja over en) on the left, the
 * legend's n entries from the right edge leftward.  Returns the room
 * under the heading. */
struct render_rect render_chart_panel(struct render_ctx *c,
				      struct render_rect r, const char *ja,
				      const char *en,
				      const struct render_key *keys, int n);

/* A horizontal bar of share (0..1) in r, colour rgb on a dim track. */
void render_share_bar(struct render_ctx *c, struct render_rect r,
		      double share, uint32_t rgb);

/* --- summary access (render_data.c) --------------------------------- */

/* The point named "<site>/<name>" (or any key ending in "/name") in a
 * summary, borrowed, or NULL. */
json_t *render_point(json_t *site, const char *name);

/* A JSON number (integer or real) into *out; false for null, absent or
 * not a number. */
bool render_num(json_t *v, double *out);

/* obj[a][b] as a number (b may be NULL for obj[a]). */
bool render_get(json_t *obj, const char *a, const char *b, double *out);

/* The point's latest reading; false when there is none. */
bool render_latest(json_t *pt, double *value, int64_t *ts);

/* Whether point pt's reading at ts is too old, seen from
 * render_judge_at(), to be shown as its current figure
 * (core_reading_stale() with render_point_step()).  A slide then dates
 * the figure (render_fmt_when()) and draws it in the theme's secondary
 * text colour, never in the colour of a state it may no longer be in. */
bool render_latest_stale(struct render_ctx *c, json_t *pt, int64_t ts);

/* A summary time field ("at", "day_start", "...ts") as Unix seconds. */
bool render_time(json_t *obj, const char *field, int64_t *out);

/* The time the summary describes (its "at"), or the clock when it does
 * not say.  Figures compared with the summary's "so far" totals must be
 * taken at this time: a replay or a stale copy lags the clock. */
int64_t render_data_at(struct render_ctx *c);

/* The time a figure's age is judged at: the summary's (render_data_at()),
 * but for data drawn from the cache (render_data.stale) the kiosk's
 * clock once it is later, so that a copy kept through an outage is
 * dated once its readings are past their limit on the clock shown. */
int64_t render_judge_at(struct render_ctx *c);

/* The local day the summary covers, [*t0, *t1), in its zone. */
bool render_day(struct render_ctx *c, int64_t *t0, int64_t *t1);

/* The whole days by which the site's points were shifted at import (the
 * first non-zero shift_days among them, else 0); false when the summary
 * has no points to tell. */
bool render_shift_days(json_t *site, int *days);

/* A JSON array of curve pairs or hourly values, or NULL. */
json_t *render_array(json_t *pt, const char *field);

/* --- slides --------------------------------------------------------- */

void render_grid(struct render_ctx *c, struct render_rect body);
void render_solar(struct render_ctx *c, struct render_rect body);
void render_household(struct render_ctx *c, struct render_rect body);
void render_air(struct render_ctx *c, struct render_rect body);
void render_co2(struct render_ctx *c, struct render_rect body);
void render_ranking(struct render_ctx *c, struct render_rect body);
void render_ev(struct render_ctx *c, struct render_rect body);
void render_weather(struct render_ctx *c, struct render_rect body);
void render_message(struct render_ctx *c, struct render_rect body);
void render_image(struct render_ctx *c, struct render_rect body);
void render_qr(struct render_ctx *c, struct render_rect body);

/* The part of d->signage a slide past the first four draws from (its
 * section, with "site" and "tz" like a summary), or NULL
 * (render_signage.c). */
json_t *render_signage_site(const struct render_data *d,
			    enum render_slide slide);

/* The solar share of demand, now (latest readings) and over today so
 * far (energy); each is NAN when its inputs are missing.  Returns false
 * when neither is known. */
bool render_solar_share(json_t *grid, double *now, double *today);

/* The usage gauge (render_gauge.c): usage in %, the hour it is for.
 * A stale figure (render_latest_stale()) is drawn in the secondary text
 * colour with no band's badge, and dated. */
void render_gauge(struct render_ctx *c, struct render_rect r, double usage,
		  int64_t hour_ts, bool stale);

#endif
