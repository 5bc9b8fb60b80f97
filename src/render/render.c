/*
 * render.c - the slide frame: background, header with title, place and
 * clock, the replay and stale-data marks, panels and tiles, and the
 * public entry points.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u, 1/1080 of the shorter side).  A landscape slide has a
 * one-row header (title | marks | clock over the place) when it is at
 * least HEADER_WIDE units wide; a portrait or squarer one puts the place
 * and the marks on a second row, since its width holds only the title
 * and the clock.  The header is the same height whether
 * or not marks are shown, so a slide does not jump when the kiosk goes
 * stale.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "render/render_look.h"

#define HEADER_ROW	168	/* layout units */
#define HEADER_ROW2	104	/* narrow only: site and marks */
#define HEADER_WIDE	1760	/* room for the marks between title and
				 * clock: 16:9 has 1920, 4:3 1440 */
#define PAD		48	/* slide margin */
#define TICKER_ROW	64	/* the ticker line, landscape */
#define TICKER_ROW_TALL	88	/* portrait: a narrow line needs more
				 * height to show as many words */
#define TICKER_PX	34	/* its text */
#define TICKER_PX_TALL	42
#define TICKER_SPEED	160	/* layout units a second */

/* --- geometry and colour -------------------------------------------- */

struct render_rect render_inset(struct render_rect r, double d)
{
	r.x += d;
	r.y += d;
	r.w = fmax(r.w - 2 * d, 0);
	r.h = fmax(r.h - 2 * d, 0);
	return r;
}

void render_split(struct render_rect r, int n, double gap, bool vertical,
		  struct render_rect *out)
{
	double len = vertical ? r.h : r.w;
	double cell = (len - gap * (n - 1)) / n;

	for (int i = 0; i < n; i++) {
		out[i] = r;
		if (vertical) {
			out[i].y = r.y + i * (cell + gap);
			out[i].h = cell;
		} else {
			out[i].x = r.x + i * (cell + gap);
			out[i].w = cell;
		}
	}
}

void render_cut(struct render_rect r, double f, double gap, bool vertical,
		struct render_rect *a, struct render_rect *b)
{
	*a = r;
	*b = r;
	if (vertical) {
		a->h = (r.h - gap) * f;
		b->y = r.y + a->h + gap;
		b->h = r.h - a->h - gap;
	} else {
		a->w = (r.w - gap) * f;
		b->x = r.x + a->w + gap;
		b->w = r.w - a->w - gap;
	}
}

struct render_rgb render_rgb_hex(uint32_t rgb)
{
	return (struct render_rgb){
		((rgb >> 16) & 0xff) / 255.0,
		((rgb >> 8) & 0xff) / 255.0,
		(rgb & 0xff) / 255.0,
	};
}

struct render_rgb render_rgb_mix(struct render_rgb a, struct render_rgb b,
				 double t)
{
	return (struct render_rgb){
		a.r + (b.r - a.r) * t,
		a.g + (b.g - a.g) * t,
		a.b + (b.b - a.b) * t,
	};
}

void render_set_rgb(cairo_t *cr, struct render_rgb c, double alpha)
{
	if (alpha >= 1.0)
		cairo_set_source_rgb(cr, c.r, c.g, c.b);
	else
		cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

void render_round_rect(cairo_t *cr, struct render_rect r, double radius)
{
	double rad = fmin(radius, fmin(r.w, r.h) / 2);

	cairo_new_sub_path(cr);
	cairo_arc(cr, r.x + r.w - rad, r.y + rad, rad, -G_PI / 2, 0);
	cairo_arc(cr, r.x + r.w - rad, r.y + r.h - rad, rad, 0, G_PI / 2);
	cairo_arc(cr, r.x + rad, r.y + r.h - rad, rad, G_PI / 2, G_PI);
	cairo_arc(cr, r.x + rad, r.y + rad, rad, G_PI, 3 * G_PI / 2);
	cairo_close_path(cr);
}

/* --- theme --------------------------------------------------------- */

static const struct theme *theme_cur;

void render_set_theme(const struct theme *t)
{
	theme_cur = t;
}

const struct theme *render_theme(void)
{
	return theme_cur ? theme_cur : theme_builtin();
}

/* --- bands ---------------------------------------------------------- */

enum render_band render_band_of(double usage_pct)
{
	/* Written so that NaN lands in the first band, not the last. */
	if (!(usage_pct >= 90))
		return RENDER_BAND_STABLE;
	if (usage_pct < 95)
		return RENDER_BAND_SLIGHTLY_TIGHT;
	if (usage_pct < 97)
		return RENDER_BAND_TIGHT;
	return RENDER_BAND_VERY_TIGHT;
}

uint32_t render_band_rgb(enum render_band band)
{
	switch (band) {
	case RENDER_BAND_STABLE:
		return RENDER_RGB(THEME_STABLE);
	case RENDER_BAND_SLIGHTLY_TIGHT:
		return RENDER_RGB(THEME_SLIGHTLY_TIGHT);
	case RENDER_BAND_TIGHT:
		return RENDER_RGB(THEME_TIGHT);
	case RENDER_BAND_VERY_TIGHT:
		return RENDER_RGB(THEME_VERY_TIGHT);
	default:
		return 0;
	}
}

/* --- panels --------------------------------------------------------- */

void render_panel(struct render_ctx *c, struct render_rect r)
{
	cairo_t *cr = c->cr;

	double key[] = { r.x, r.y, r.w, r.h, c->u, RENDER_RGB_PANEL,
			 RENDER_RGB_PANEL_EDGE };

	c->panel = r;
	if (render_static_begin(c, key, sizeof(key))) {
		cairo_save(cr);
		render_round_rect(cr, r, 20 * c->u);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB_PANEL), 1.0);
		cairo_fill_preserve(cr);
		cairo_set_line_width(cr, 2 * c->u);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB_PANEL_EDGE),
			       1.0);
		cairo_stroke(cr);
		cairo_restore(cr);
	}
	render_static_end(c);
}

struct render_rect render_panel_head(struct render_ctx *c,
				     struct render_rect r, const char *ja,
				     const char *en)
{
	struct render_rect in = render_inset(r, 30 * c->u);
	double hh;

	render_static_begin(c, NULL, 0);
	hh = render_label(c, ja, en, in.x, in.y - 6 * c->u, 36 * c->u,
			  22 * c->u, RENDER_ALIGN_LEFT, in.w);
	render_static_end(c);

	in.y += hh + 10 * c->u;
	in.h = fmax(in.h - hh - 10 * c->u, 0);
	return in;
}

void render_nodata(struct render_ctx *c, struct render_rect r)
{
	cairo_t *cr = c->cr;
	struct render_rgb col = render_rgb_hex(RENDER_RGB_NODATA);
	double s = fmin(c->u, fmin(r.w / 420, r.h / 300));
	double cx = r.x + r.w / 2, cy = r.y + r.h / 2 - 40 * s;
	double rad = 46 * s;
	struct render_style sj = {
		.px = 48 * s, .bold = true, .rgb = RENDER_RGB_NODATA,
		.align = RENDER_ALIGN_CENTER, .max_w = r.w * 0.9,
	};
	struct render_style se = {
		.px = 28 * s, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_CENTER, .max_w = r.w * 0.9,
		.second = true,
	};
	const char *en = render_tr2(N_("No data"));
	double key[] = { cx, cy, rad, s, RENDER_RGB_NODATA };
	struct render_extent e;

	if (c->stats)
		c->stats->nodata_panels++;

	/* a struck-through circle: nothing to show here */
	if (render_static_begin(c, key, sizeof(key))) {
		cairo_save(cr);
		render_set_rgb(cr, col, 1.0);
		cairo_set_line_width(cr, 7 * s);
		cairo_new_path(cr);
		cairo_arc(cr, cx, cy - rad, rad, 0, 2 * G_PI);
		cairo_stroke(cr);
		cairo_move_to(cr, cx - rad * 0.7, cy - rad + rad * 0.7);
		cairo_line_to(cr, cx + rad * 0.7, cy - rad - rad * 0.7);
		cairo_stroke(cr);
		cairo_restore(cr);
	}

	e = render_text(c, &sj, cx, cy + 24 * s, _("No data"));
	if (en)
		render_text(c, &se, cx, cy + 24 * s + e.h * 0.9, en);
	render_static_end(c);
}

/* Sizes inside a tile, in layout units. */
#define TILE_PAD	30	/* the panel's inner margin */
#define TILE_HEAD_PX	36	/* the heading, Japanese and English */
#define TILE_HEAD_PX_EN	22
#define TILE_VALUE_PX	124	/* the value at its largest */
#define TILE_GAP	24	/* between the value and the text beside it */
#define TILE_CAP_PX	26	/* the caption, Japanese and English */
#define TILE_CAP_PX_EN	20
#define TILE_BAR	20	/* the share bar's height */

/* Where the parts of a tile go: worked out first, so that a row of
 * tiles can draw their values at one size, then drawn. */
struct tile_plan {
	struct render_rect in;		/* inside the margin, above the bar */
	struct render_rect bar;
	bool has_bar;
	double head_top;
	struct render_extent head, cap;
	struct render_fit fit;		/* the value's size */
	double value_x, baseline;
	enum render_align value_align;
	double cap_x, cap_y, cap_w;
};

/* Fits the value into a room of w x h whose top is top, centred in its
 * height, and says where it goes. */
static void plan_value(struct render_ctx *c, const struct render_tile *t,
		       struct tile_plan *p, double w, double top, double h,
		       double px_max)
{
	p->fit = render_value_fit(c, t->num, t->unit, w, h, px_max);
	p->baseline = top + (h - p->fit.ink_h) / 2 + p->fit.above;
}

/* A wide, low tile: heading top left, caption bottom left, and the value
 * on the right, either beside both at the tile's whole height or under
 * the heading beside the caption, whichever lets it be drawn bigger.  A
 * long heading leaves the value only the second place. */
static void plan_wide(struct render_ctx *c, const struct render_tile *t,
		      struct tile_plan *p, double px_max)
{
	struct render_rect in = p->in;
	double gap = TILE_GAP * c->u;
	double head_bottom = p->head_top + p->head.h;
	double side = fmax(fmin(p->head.w, in.w), p->cap.w) + gap;
	double low_x = p->cap.w > 0 ? p->cap.w + gap : 0;
	double low_h = in.y + in.h - head_bottom;
	struct render_fit beside = render_value_fit(c, t->num, t->unit,
						    in.w - side, in.h, px_max);
	struct render_fit under = render_value_fit(c, t->num, t->unit,
						   in.w - low_x, low_h, px_max);

	if (beside.px >= under.px)
		plan_value(c, t, p, in.w - side, in.y, in.h, px_max);
	else
		plan_value(c, t, p, in.w - low_x, head_bottom, low_h, px_max);
	p->value_x = in.x + in.w;
	p->value_align = RENDER_ALIGN_RIGHT;
	p->cap_x = in.x;
	p->cap_y = fmax(in.y + in.h - p->cap.h, head_bottom);
}

/* A narrow tile: heading, value and caption from the top down, the value
 * and caption centred in what the heading leaves. */
static void plan_narrow(struct render_ctx *c, const struct render_tile *t,
			struct tile_plan *p, double px_max)
{
	struct render_rect in = p->in;
	double gap = 14 * c->u;
	double head_bottom = p->head_top + p->head.h;
	double cap_h = p->cap.h > 0 ? p->cap.h + gap : 0;
	double room = in.y + in.h - head_bottom;
	double top;

	p->fit = render_value_fit(c, t->num, t->unit, in.w, room - cap_h,
				  px_max);
	top = head_bottom + fmax((room - p->fit.ink_h - cap_h) / 2, 0);
	p->baseline = top + p->fit.above;
	p->value_x = in.x;
	p->value_align = RENDER_ALIGN_LEFT;
	p->cap_x = in.x;
	p->cap_y = top + p->fit.ink_h + gap;
}

static void tile_plan(struct render_ctx *c, struct render_rect r,
		      const struct render_tile *t, double px_max,
		      struct tile_plan *p)
{
	bool wide;

	memset(p, 0, sizeof(*p));
	p->in = render_inset(r, TILE_PAD * c->u);
	p->has_bar = !isnan(t->bar) && t->num;
	if (p->has_bar) {
		p->bar = (struct render_rect){
			p->in.x, p->in.y + p->in.h - TILE_BAR * c->u,
			p->in.w, TILE_BAR * c->u };
		p->in.h -= (TILE_BAR + TILE_GAP) * c->u;
	}
	p->head_top = p->in.y - 6 * c->u;
	p->head = render_label_measure(c, t->ja, t->en, TILE_HEAD_PX * c->u,
				       TILE_HEAD_PX_EN * c->u, p->in.w);
	if (!t->num)
		return;

	wide = p->in.w > p->in.h * 2.6;
	p->cap_w = wide ? p->in.w * 0.38 : p->in.w;
	if (t->cap_ja)
		p->cap = render_label_measure(c, t->cap_ja, t->cap_en,
					      TILE_CAP_PX * c->u,
					      TILE_CAP_PX_EN * c->u, p->cap_w);
	if (wide)
		plan_wide(c, t, p, px_max);
	else
		plan_narrow(c, t, p, px_max);
}

/* A tile's panel, heading and no-data mark: the static layer's. */
static void tile_draw_static(struct render_ctx *c, struct render_rect r,
			     const struct render_tile *t,
			     const struct tile_plan *p)
{
	struct render_rect rest = p->in;

	render_panel(c, r);
	render_static_begin(c, NULL, 0);
	render_label(c, t->ja, t->en, p->in.x, p->head_top,
		     TILE_HEAD_PX * c->u, TILE_HEAD_PX_EN * c->u,
		     RENDER_ALIGN_LEFT, p->in.w);
	render_static_end(c);
	if (!t->num) {
		rest.y += p->head.h;
		rest.h -= p->head.h;
		render_nodata(c, rest);
	}
}

/* The rest of a tile, over every tile's static parts. */
static void tile_draw(struct render_ctx *c, const struct render_tile *t,
		      const struct tile_plan *p)
{
	if (!t->num)
		return;
	render_value(c, t->num, t->unit, p->value_x, p->baseline, p->fit.px,
		     t->rgb, p->value_align, 0);
	if (t->cap_ja)
		render_label(c, t->cap_ja, t->cap_en, p->cap_x, p->cap_y,
			     TILE_CAP_PX * c->u, TILE_CAP_PX_EN * c->u,
			     RENDER_ALIGN_LEFT, p->cap_w);
	if (p->has_bar)
		render_share_bar(c, p->bar, t->bar, t->rgb);
}

void render_tiles(struct render_ctx *c, struct render_rect r, bool vertical,
		  const struct render_tile *t, int n)
{
	struct render_rect cell[RENDER_TILES_MAX];
	struct tile_plan p, plan[RENDER_TILES_MAX];

	G_STATIC_ASSERT(RENDER_TILES_MAX == G_N_ELEMENTS(
		((struct render_stats *)0)->tile_px));
	double px = TILE_VALUE_PX * c->u;

	n = CLAMP(n, 0, RENDER_TILES_MAX);
	if (n == 0)
		return;
	render_split(r, n, 28 * c->u, vertical, cell);

	/* The smallest size any of them needs is the size of all. */
	for (int i = 0; i < n; i++) {
		tile_plan(c, cell[i], &t[i], TILE_VALUE_PX * c->u, &p);
		if (t[i].num)
			px = fmin(px, p.fit.px);
	}
	/* Every tile's static parts first: a value or caption that runs
	 * over into the next tile (text sized for a far viewer) lies over
	 * its panel both in a frame drawn whole and in one drawn from the
	 * static layer, which holds all panels under everything else. */
	for (int i = 0; i < n; i++) {
		tile_plan(c, cell[i], &t[i], px, &plan[i]);
		tile_draw_static(c, cell[i], &t[i], &plan[i]);
	}
	for (int i = 0; i < n; i++) {
		c->panel = cell[i];
		tile_draw(c, &t[i], &plan[i]);
		if (c->stats)
			c->stats->tile_px[i] = plan[i].fit.px;
	}
	if (c->stats)
		c->stats->ntiles = n;
}

void render_chart_and_tiles(struct render_ctx *c, struct render_rect body,
			    struct render_rect *chart,
			    struct render_rect *tiles)
{
	double gap = 28 * c->u;

	if (c->portrait)
		render_cut(body, 0.45, gap, true, chart, tiles);
	else
		render_cut(body, 0.64, gap, false, chart, tiles);
}

/* --- the frame ------------------------------------------------------ */

static const struct slide_def {
	const char *name;
	const char *title;		/* msgid */
	enum theme_color accent;
	void (*draw)(struct render_ctx *c, struct render_rect body);
} slides[RENDER_SLIDE_COUNT] = {
	[RENDER_GRID] = { "grid", N_("Grid status"),
			  THEME_DEMAND, render_grid },
	[RENDER_SOLAR] = { "solar", N_("Solar"),
			   THEME_SOLAR, render_solar },
	[RENDER_HOUSEHOLD] = { "household", N_("Household"),
			       THEME_TODAY, render_household },
	[RENDER_AIR] = { "air", N_("Indoor air"),
			 THEME_AIR, render_air },
	[RENDER_CO2] = { "co2", N_("CO2 avoided by solar"),
			 THEME_SOLAR, render_co2 },
	[RENDER_RANKING] = { "ranking",
			     N_("Buildings by energy per floor area"),
			     THEME_TODAY, render_ranking },
	[RENDER_EV] = { "ev", N_("EV charging"),
			THEME_SUPPLY, render_ev },
	[RENDER_WEATHER] = { "weather", N_("Outdoor weather"),
			     THEME_AIR, render_weather },
	[RENDER_MESSAGE] = { "message", N_("Notice"),
			     THEME_DEMAND, render_message },
	[RENDER_IMAGE] = { "image", N_("Notice"),
			   THEME_DEMAND, render_image },
	[RENDER_QR] = { "qr", N_("Resident portal"),
			THEME_TODAY, render_qr },
};

int render_slide_parse(const char *s, enum render_slide *out)
{
	for (int i = 0; s && i < RENDER_SLIDE_COUNT; i++) {
		if (strcmp(s, slides[i].name) == 0) {
			*out = (enum render_slide)i;
			return 0;
		}
	}
	return -1;
}

const char *render_slide_name(enum render_slide slide)
{
	if ((int)slide < 0 || slide >= RENDER_SLIDE_COUNT)
		return NULL;
	return slides[slide].name;
}

static json_t *site_of(const struct render_data *d, enum render_slide s)
{
	switch (s) {
	case RENDER_GRID:
	case RENDER_SOLAR:
		return d->grid;
	case RENDER_HOUSEHOLD:
		return d->home;
	case RENDER_AIR:
		return d->air;
	default:
		return render_signage_site(d, s);
	}
}

/* The site's zone, else the display's (d->tz, as the kiosk keeps it),
 * else the box's own, since the viewer stands in front of it.  GLib
 * reads and parses a zone's file whenever one is asked for while none
 * of that name is alive, and a kiosk asks for the clock's zone every
 * second: the last one made is kept (one reference, until the process
 * ends).  core_tz_new() refuses names that are paths, which a summary
 * or a cache file could hold. */
static GTimeZone *zone_of(json_t *site, const struct render_data *d)
{
	static GMutex lock;
	static GTimeZone *last;
	static char last_name[65];
	const char *name = json_string_value(json_object_get(site, "tz"));
	GTimeZone *tz = NULL;

	if (!name || !*name)
		name = d->tz;
	if (!name || !*name || strlen(name) >= sizeof last_name)
		return g_time_zone_new_local();
	g_mutex_lock(&lock);
	if (last && !strcmp(name, last_name)) {
		tz = g_time_zone_ref(last);
	} else {
		tz = core_tz_new(name);
		if (tz) {
			if (last)
				g_time_zone_unref(last);
			last = g_time_zone_ref(tz);
			g_strlcpy(last_name, name, sizeof last_name);
		}
	}
	g_mutex_unlock(&lock);
	return tz ? tz : g_time_zone_new_local();
}

const char *render_slide_zone(enum render_slide slide,
			      const struct render_data *d)
{
	const char *name;

	if (!d || (int)slide < 0 || slide >= RENDER_SLIDE_COUNT)
		return NULL;
	name = json_string_value(json_object_get(site_of(d, slide), "tz"));
	return name && *name ? name : NULL;
}

/* A header badge: an icon, a line in the first language and one in the
 * second (en "" with one language), in a tinted pill of colour rgb. */
struct badge {
	uint32_t rgb;
	bool replay_icon;	/* a play triangle, else a clock face */
	char ja[96], en[96];
};

/* The badge's width at scale s (1 = full size). */
static double badge_width(struct render_ctx *c, const struct badge *b,
			  double s)
{
	struct render_style sj = { .px = 28 * s * c->u, .bold = true };
	struct render_style se = { .px = 20 * s * c->u, .second = true };

	return (22 + 34 + 16 + 22) * s * c->u +
	       fmax(render_text_measure(c, &sj, b->ja).w,
		    render_text_measure(c, &se, b->en).w);
}

/* Draws b at scale s ending at x_right, centred on cy; returns its left
 * edge. */
static double badge_draw(struct render_ctx *c, const struct badge *b,
			 double x_right, double cy, double s)
{
	cairo_t *cr = c->cr;
	struct render_rgb col = render_rgb_hex(b->rgb);
	struct render_style sj = { .px = 28 * s * c->u, .bold = true,
				   .rgb = RENDER_RGB_TEXT };
	struct render_style se = { .px = 20 * s * c->u,
				   .rgb = RENDER_RGB_TEXT, .second = true };
	struct render_extent ej = render_text_measure(c, &sj, b->ja);
	struct render_extent ee = { 0 };
	double u = s * c->u, icon = 34 * u, h = 88 * u;
	double w = badge_width(c, b, s);
	struct render_rect r = { x_right - w, cy - h / 2, w, h };
	double ix = r.x + 22 * u + icon / 2, tx = ix + icon / 2 + 16 * u;
	double ty;

	if (*b->en)
		ee = render_text_measure(c, &se, b->en);
	ty = cy - (*b->en ? ej.h * 0.86 + ee.h : ej.h) / 2;

	if (c->stats) {
		size_t used = strlen(c->stats->marks);

		snprintf(c->stats->marks + used,
			 sizeof(c->stats->marks) - used, "%s / %s\n", b->ja,
			 b->en);
	}

	cairo_save(cr);
	render_round_rect(cr, r, 14 * u);
	render_set_rgb(cr, render_rgb_mix(render_rgb_hex(RENDER_RGB_HEADER),
					  col, 0.28), 1.0);
	cairo_fill_preserve(cr);
	render_set_rgb(cr, col, 1.0);
	cairo_set_line_width(cr, 3 * u);
	cairo_stroke(cr);

	/* the icon: a play triangle for replay, a clock face for stale data */
	if (b->replay_icon) {
		cairo_move_to(cr, ix - icon * 0.38, cy - icon * 0.5);
		cairo_line_to(cr, ix + icon * 0.5, cy);
		cairo_line_to(cr, ix - icon * 0.38, cy + icon * 0.5);
		cairo_close_path(cr);
		cairo_fill(cr);
	} else {
		cairo_set_line_width(cr, 4 * u);
		cairo_new_path(cr);
		cairo_arc(cr, ix, cy, icon / 2, 0, 2 * G_PI);
		cairo_stroke(cr);
		cairo_move_to(cr, ix, cy - icon * 0.3);
		cairo_line_to(cr, ix, cy);
		cairo_line_to(cr, ix + icon * 0.22, cy + icon * 0.12);
		cairo_stroke(cr);
	}
	cairo_restore(cr);

	render_text(c, &sj, tx, ty, b->ja);
	if (*b->en)
		render_text(c, &se, tx, ty + ej.h * 0.86, b->en);
	return r.x;
}

/* When the cached data was fetched, as H:MM, with its date in front
 * when that is not today's: an old copy's 10:55 must not read as this
 * morning's. */
static void as_of_text(struct render_ctx *c, char *buf, size_t len)
{
	GDateTime *a, *n, *al, *nl;
	char hm[16], day[24] = "";

	/* A cache file can say anything; an impossible time says nothing. */
	if (c->d->data_as_of < RENDER_TIME_MIN ||
	    c->d->data_as_of > RENDER_TIME_MAX) {
		snprintf(buf, len, "--:--");
		return;
	}
	a = g_date_time_new_from_unix_utc(c->d->data_as_of);
	n = g_date_time_new_from_unix_utc(c->d->now);
	al = g_date_time_to_timezone(a, c->tz);
	nl = g_date_time_to_timezone(n, c->tz);

	render_fmt_hm(hm, sizeof(hm), c->d->data_as_of, c->tz);
	if (g_date_time_get_day_of_year(al) !=
		g_date_time_get_day_of_year(nl) ||
	    g_date_time_get_year(al) != g_date_time_get_year(nl))
		snprintf(day, sizeof(day), "%d/%d ",
			 g_date_time_get_month(al),
			 g_date_time_get_day_of_month(al));
	snprintf(buf, len, "%s%s", day, hm);
	g_date_time_unref(a);
	g_date_time_unref(n);
	g_date_time_unref(al);
	g_date_time_unref(nl);
}

/* The replay and stale marks, right to left from x_right, shrunk when
 * they would reach left of x_left: the header's width (HEADER_WIDE)
 * keeps them at 0.7 of their size or more. */
static void header_marks(struct render_ctx *c, double x_left,
			 double x_right, double cy)
{
	const struct render_data *d = c->d;
	struct badge b[3];
	char day_ja[48], day_en[48], when[48];
	double total = 0, s = 1, gap = 20 * c->u, x = x_right;
	int n = 0, shift;

	/* Nothing to show and nobody to ask: "No data" alone would read
	 * as a site without readings. */
	if (d->unreachable) {
		b[n] = (struct badge){ .rgb = RENDER_RGB_STALE };
		render_trf(b[n].ja, sizeof(b[n].ja), b[n].en,
			   sizeof(b[n].en), N_("server unreachable"));
		n++;
	}
	if (d->stale) {
		as_of_text(c, when, sizeof(when));
		b[n] = (struct badge){ .rgb = RENDER_RGB_STALE };
		render_trf(b[n].ja, sizeof(b[n].ja), b[n].en,
			   sizeof(b[n].en), N_("data as of %s"), when);
		n++;
	}
	if (d->replay) {
		b[n] = (struct badge){ .rgb = RENDER_RGB_REPLAY,
				       .replay_icon = true };
		render_trf(b[n].ja, sizeof(b[n].ja), b[n].en,
			   sizeof(b[n].en), N_("Replay"));

		/* With no points the shift, and so the day, is unknown. */
		if (render_shift_days(c->site, &shift)) {
			int64_t rec = d->now - (int64_t)shift * 86400;

			render_fmt_date(day_ja, sizeof(day_ja), rec, c->tz,
					render_i18n_first());
			render_fmt_date(day_en, sizeof(day_en), rec, c->tz,
					render_i18n_second());
			snprintf(b[n].ja, sizeof(b[n].ja),
				 _("Replay · recorded %s"), day_ja);
			if (*b[n].en)
				snprintf(b[n].en, sizeof(b[n].en),
					 render_tr2(N_("Replay · recorded %s")),
					 day_en);
		}
		n++;
	}

	for (int i = 0; i < n; i++)
		total += badge_width(c, &b[i], 1) + (i ? gap : 0);
	if (total > x_right - x_left)
		s = fmax((x_right - x_left) / total, 0);
	if (c->stats && n)
		c->stats->mark_scale = s;
	for (int i = 0; i < n; i++)
		x = badge_draw(c, &b[i], x, cy, s) - gap * s;
}

/* Whether the header needs a second row for the place and the marks;
 * by the width alone, so that a slide is the same with marks or not. */
static bool two_rows(const struct render_ctx *c)
{
	return c->w < HEADER_WIDE * c->u;
}

/* The header clock's styles: the time, the date in the first language
 * and the small text (the date in the second, the place). */
static void clock_styles(const struct render_ctx *c,
			 struct render_style *st_time,
			 struct render_style *st_dja,
			 struct render_style *st_small)
{
	*st_time = (struct render_style){
		.px = 84 * c->u, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_RIGHT, .baseline = true,
	};
	*st_dja = (struct render_style){
		.px = 32 * c->u, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = RENDER_ALIGN_RIGHT, .baseline = true,
	};
	*st_small = (struct render_style){
		.px = 22 * c->u, .rgb = RENDER_RGB_TEXT_2,
		.align = RENDER_ALIGN_RIGHT, .baseline = true,
	};
}

/* The texts of the header clock at now: the time, and the date in the
 * first and the second language ("" with one language). */
struct clock_texts {
	char hm[16], dja[48], den[48];
};

static void clock_texts(struct clock_texts *t, int64_t now, GTimeZone *tz)
{
	render_fmt_hm(t->hm, sizeof(t->hm), now, tz);
	render_fmt_date(t->dja, sizeof(t->dja), now, tz,
			render_i18n_first());
	render_fmt_date(t->den, sizeof(t->den), now, tz,
			render_i18n_second());
}

/* Title on the left, the clock on the right, the marks between them
 * and the place under the clock (wide), or the place and the marks on a
 * second row (narrow). */
static void draw_header(struct render_ctx *c, const struct slide_def *sd,
			struct render_rect hr)
{
	cairo_t *cr = c->cr;
	const char *site = json_string_value(json_object_get(c->site, "site"));
	const char *zone = json_string_value(json_object_get(c->site, "tz"));
	struct render_style st_time, st_dja, st_small;
	double pad = PAD * c->u, right = hr.x + hr.w - pad;
	double row = HEADER_ROW * c->u, tbase = 104 * c->u, x;
	char place[160], zname[32];
	struct clock_texts ct;
	struct render_style st_title = { .px = 64 * c->u, .bold = true };
	struct render_extent et, e1, e2, title;
	double cy;

	double band[] = { hr.x, hr.y, hr.w, hr.h, c->u, RENDER_RGB_HEADER,
			  RENDER_RGB(sd->accent) };

	clock_styles(c, &st_time, &st_dja, &st_small);

	/* band and accent rule */
	if (render_static_begin(c, band, sizeof(band))) {
		cairo_save(cr);
		cairo_rectangle(cr, hr.x, hr.y, hr.w, hr.h);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB_HEADER), 1.0);
		cairo_fill(cr);
		cairo_rectangle(cr, hr.x, hr.y + hr.h - 6 * c->u, hr.w,
				6 * c->u);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB(sd->accent)),
			       1.0);
		cairo_fill(cr);
		cairo_restore(cr);
	}
	render_static_end(c);

	/* the clock: time big, the date stacked to its left */
	clock_texts(&ct, c->d->now, c->tz);
	et = render_text(c, &st_time, right, tbase, ct.hm);
	x = right - et.w - 26 * c->u;
	e1 = render_text(c, &st_dja, x, tbase - 38 * c->u, ct.dja);
	st_small.second = true;
	e2 = *ct.den ? render_text(c, &st_small, x, tbase, ct.den)
		  : (struct render_extent){ 0 };
	st_small.second = false;
	x -= fmax(e1.w, e2.w);

	/* The title takes what the clock leaves: a long one in a portrait
	 * header is set smaller rather than over the date. */
	st_title.max_w = fmax(x - 32 * c->u - pad, 1);
	render_static_begin(c, NULL, 0);
	render_label(c, L_(sd->title), pad, 20 * c->u, 64 * c->u, 34 * c->u,
		     RENDER_ALIGN_LEFT, st_title.max_w);
	render_static_end(c);
	title = render_text_measure(c, &st_title, _(sd->title));

	/* Where the figures are from, and the zone the clock is in by the
	 * name it goes by now (render_fmt_zone); nothing when there are
	 * none. */
	if (render_get_look()->place) {
		snprintf(place, sizeof(place), "%s", render_get_look()->place);
	} else if (site && zone) {
		render_fmt_zone(zname, sizeof(zname), c->d->now, c->tz);
		snprintf(place, sizeof(place), "%s · %s", site, zname);
	} else {
		snprintf(place, sizeof(place), "%s", site ? site : "");
	}
	if (!two_rows(c)) {
		render_static_begin(c, NULL, 0);
		render_text(c, &st_small, right, row - 24 * c->u, place);
		render_static_end(c);
		header_marks(c, title.w + pad + 40 * c->u, x - 40 * c->u,
			     row / 2);
		return;
	}

	/* Narrow: the place on the left of the second row, the marks on its
	 * right. */
	cy = row + HEADER_ROW2 * c->u / 2 - 2 * c->u;
	st_small.align = RENDER_ALIGN_LEFT;
	st_small.px = 26 * c->u;
	render_static_begin(c, NULL, 0);
	et = render_text(c, &st_small, pad, cy + 9 * c->u, place);
	render_static_end(c);
	header_marks(c, pad + et.w + 40 * c->u, right, cy);
}

void render_zones_of(int w, int h, struct render_zones *z)
{
	bool capped;
	double u, pad, th, bottom;

	memset(z, 0, sizeof(*z));
	if (w <= 0 || h <= 0)
		return;
	u = fmin(w, h) / 1080.0 * render_theme()->scale *
	    render_look_text_scale(w, h, render_get_look(), &capped);
	pad = PAD * u;
	z->u = u;
	z->tmpl = h > w ? RENDER_TEMPLATE_PORTRAIT : RENDER_TEMPLATE_LANDSCAPE;

	/* The header across the top: one row when the width holds title,
	 * marks and clock, else a second row for the place and marks. */
	z->header_two_rows = w < HEADER_WIDE * u;
	z->header.w = w;
	z->header.h = (HEADER_ROW + (z->header_two_rows ? HEADER_ROW2 : 0)) * u;

	/* The ticker along the bottom edge, taller in portrait. */
	z->has_ticker = render_look_ticker() != NULL;
	th = z->has_ticker ? (z->tmpl == RENDER_TEMPLATE_PORTRAIT
				      ? TICKER_ROW_TALL : TICKER_ROW) * u
			   : 0;
	z->ticker.y = h - th;
	z->ticker.w = w;
	z->ticker.h = th;

	/* The main zone between them, inside the slide margin. */
	bottom = z->has_ticker ? z->ticker.y - pad * 0.75 : h - pad;
	z->main.x = pad;
	z->main.y = z->header.h + pad * 0.75;
	z->main.w = fmax(w - 2 * pad, 0);
	z->main.h = fmax(bottom - z->main.y, 0);
}

/* The ticker line: the text scrolling right to left in a band, over
 * and over, tagged with the first language. */
static void draw_ticker(struct render_ctx *c, struct render_rect r)
{
	cairo_t *cr = c->cr;
	const char *text = render_look_ticker();
	bool tall = c->portrait;
	struct render_style st = {
		.px = (tall ? TICKER_PX_TALL : TICKER_PX) * c->u,
		.rgb = RENDER_RGB_TEXT,
	};
	double band[] = { r.x, r.y, r.w, r.h, RENDER_RGB_HEADER };
	struct render_extent e;
	double span, x;

	if (render_static_begin(c, band, sizeof(band))) {
		cairo_rectangle(cr, r.x, r.y, r.w, r.h);
		render_set_rgb(cr, render_rgb_hex(RENDER_RGB_HEADER), 1.0);
		cairo_fill(cr);
	}
	render_static_end(c);
	cairo_save(cr);
	cairo_rectangle(cr, r.x, r.y, r.w, r.h);
	cairo_clip(cr);
	c->panel = r;
	e = render_text_measure(c, &st, text);
	span = r.w + e.w;
	x = r.x + r.w - fmod(render_look_ticker_time() * TICKER_SPEED * c->u,
			     span > 0 ? span : 1);

	/* On whole pixels, where glyphs land anyway: the text can then be
	 * moved as one picture. */
	render_ticker_text(c, &st, round(x), r.y + (r.h - e.h) / 2, text);
	cairo_restore(cr);
}

/* Whether cr draws in device pixels, unscaled and unturned. */
static bool device_space(cairo_t *cr)
{
	cairo_matrix_t m;

	cairo_get_matrix(cr, &m);
	return m.xx == 1 && m.yy == 1 && m.xy == 0 && m.yx == 0;
}

PangoContext *render_pango_new(cairo_t *cr)
{
	PangoContext *pc = pango_cairo_create_context(cr);
	cairo_font_options_t *fo;

	pango_context_set_language(pc,
				   pango_language_from_string(RENDER_LANGUAGE));

	/* Unhinted metrics keep a layout the same at every scale. */
	fo = cairo_font_options_create();
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(pc, fo);
	cairo_font_options_destroy(fo);
	return pc;
}

int render_ticker(cairo_t *cr, int w, int h)
{
	struct render_ctx c = { .cr = cr, .w = w, .h = h };
	struct render_zones z;

	if (!cr || w <= 0 || h <= 0)
		return -1;
	render_zones_of(w, h, &z);
	if (!z.has_ticker)
		return 0;
	c.u = z.u;
	c.portrait = z.tmpl == RENDER_TEMPLATE_PORTRAIT;
	c.extents_ok = device_space(cr);
	cairo_save(cr);
	c.pango = render_pango_new(cr);
	draw_ticker(&c, (struct render_rect){ z.ticker.x, z.ticker.y,
					      z.ticker.w, z.ticker.h });
	g_object_unref(c.pango);
	cairo_restore(cr);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

/* Where the header clock of a slide begins on the left: it is drawn
 * right-aligned at right, as draw_header() does. */
static double clock_left(struct render_ctx *c, double right)
{
	struct render_style st_time, st_dja, st_small;
	struct clock_texts ct;
	double e1, e2;

	clock_styles(c, &st_time, &st_dja, &st_small);
	clock_texts(&ct, c->d->now, c->tz);
	e1 = render_text_measure(c, &st_dja, ct.dja).w;
	st_small.second = true;
	e2 = *ct.den ? render_text_measure(c, &st_small, ct.den).w : 0;
	return right - render_text_measure(c, &st_time, ct.hm).w - 26 * c->u -
	       fmax(e1, e2);
}

int render_clock_key(enum render_slide slide, const struct render_data *d,
		     char *buf, size_t len)
{
	struct clock_texts ct;
	GTimeZone *tz;

	if (!d || !buf || len == 0 || (int)slide < 0 ||
	    slide >= RENDER_SLIDE_COUNT || d->now < RENDER_TIME_MIN ||
	    d->now > RENDER_TIME_MAX)
		return -1;
	tz = zone_of(site_of(d, slide), d);
	clock_texts(&ct, d->now, tz);
	g_time_zone_unref(tz);
	/* Newlines: no text of the clock holds one. */
	if (snprintf(buf, len, "%s\n%s\n%s", ct.hm, ct.dja, ct.den) >=
	    (int)len)
		return -1;
	return 0;
}

int render_clock(cairo_t *cr, int w, int h, enum render_slide slide,
		 const struct render_data *d, struct render_box *box)
{
	struct render_ctx c = { .cr = cr, .w = w, .h = h, .d = d };
	struct render_zones z;
	struct render_rect hr;
	double x;

	if (!cr || !d || !box || w <= 0 || h <= 0 || (int)slide < 0 ||
	    slide >= RENDER_SLIDE_COUNT || d->now < RENDER_TIME_MIN ||
	    d->now > RENDER_TIME_MAX)
		return -1;
	render_zones_of(w, h, &z);
	c.u = z.u;
	c.portrait = z.tmpl == RENDER_TEMPLATE_PORTRAIT;
	c.site = site_of(d, slide);
	c.tz = zone_of(c.site, c.d);
	hr = (struct render_rect){ z.header.x, z.header.y, z.header.w,
				   z.header.h };

	cairo_save(cr);
	c.pango = render_pango_new(cr);
	/* The whole header is drawn again, clipped to whole pixels around
	 * the clock, so that they come out as a full frame draws them. */
	x = floor(clock_left(&c, hr.x + hr.w - PAD * c.u) - 8 * c.u);
	box->x = (int)fmax(x, 0);
	box->y = (int)floor(hr.y);
	box->w = w - box->x;
	box->h = (int)ceil(hr.y + hr.h) - box->y;
	cairo_rectangle(cr, box->x, box->y, box->w, box->h);
	cairo_clip(cr);
	/* The header's lower edge may end inside a row of pixels, blended
	 * over the background as in a full frame. */
	cairo_rectangle(cr, box->x, box->y, box->w, box->h);
	render_set_rgb(cr, render_rgb_hex(RENDER_RGB_BG), 1.0);
	cairo_fill(cr);
	c.panel = hr;
	draw_header(&c, &slides[slide], hr);
	g_object_unref(c.pango);
	g_time_zone_unref(c.tz);
	cairo_restore(cr);
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

void render_warm_up(void)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							64, 64);
	cairo_t *cr = cairo_create(s);
	struct render_ctx c = { .cr = cr, .w = 64, .h = 64, .u = 1 };
	struct render_style st = { .px = 32 };

	/* Both weights, Japanese and Latin, as every header draws them:
	 * fontconfig's set-up and the faces' loading happen here. */
	c.pango = render_pango_new(cr);
	for (int bold = 0; bold < 2; bold++) {
		st.bold = bold;
		render_text(&c, &st, 0, 0, "電力 使用率 0123456789:% kW");
		st.second = true;
		render_text(&c, &st, 0, 0, "Power usage 0123456789:% kW");
		st.second = false;
	}
	g_object_unref(c.pango);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

/* What frame() draws. */
struct frame_args {
	int w, h;
	enum render_slide slide;
	const struct render_data *d;
	struct render_stats *stats;
};

static uint64_t frame(cairo_t *cr, enum render_pass pass, void *arg)
{
	const struct frame_args *fa = arg;
	struct render_ctx c = { .cr = cr, .w = fa->w, .h = fa->h,
				.d = fa->d, .stats = fa->stats,
				.pass = pass };
	const struct slide_def *sd = &slides[fa->slide];
	enum render_slide slide = fa->slide;
	int w = fa->w, h = fa->h;
	uint32_t bg = RENDER_RGB_BG;
	struct render_zones z;
	struct render_rect hr, body;


	render_zones_of(w, h, &z);
	c.u = z.u;
	c.portrait = z.tmpl == RENDER_TEMPLATE_PORTRAIT;
	c.site = site_of(c.d, slide);
	c.tz = zone_of(c.site, c.d);
	c.extents_ok = device_space(cr);

	cairo_save(cr);
	c.pango = render_pango_new(cr);

	/* background */
	if (render_static_begin(&c, &bg, sizeof(bg))) {
		cairo_rectangle(cr, 0, 0, w, h);
		render_set_rgb(cr, render_rgb_hex(bg), 1.0);
		cairo_fill(cr);
	}
	render_static_end(&c);

	/* header, then the slide's body under it */
	hr = (struct render_rect){ z.header.x, z.header.y, z.header.w,
				   z.header.h };
	c.panel = hr;
	draw_header(&c, sd, hr);
	if (c.stats)
		c.stats->header = hr;
	body = (struct render_rect){ z.main.x, z.main.y, z.main.w, z.main.h };
	if (z.has_ticker)
		draw_ticker(&c, (struct render_rect){ z.ticker.x, z.ticker.y,
						      z.ticker.w, z.ticker.h });
	if (!c.site && !render_slide_standalone(slide)) {
		render_panel(&c, body);
		render_nodata(&c, body);
	} else {
		sd->draw(&c, body);
	}

	g_object_unref(c.pango);
	g_time_zone_unref(c.tz);
	cairo_restore(cr);
	return c.static_hash;
}

int render_slide_stats(cairo_t *cr, int w, int h, enum render_slide slide,
		       const struct render_data *d,
		       struct render_stats *stats)
{
	struct frame_args fa = { w, h, slide, d, stats };

	if (!cr || !d || w <= 0 || h <= 0 || (int)slide < 0 ||
	    slide >= RENDER_SLIDE_COUNT || d->now < RENDER_TIME_MIN ||
	    d->now > RENDER_TIME_MAX)
		return -1;
	if (stats) {
		/* A test's counts are of a frame drawn in one go. */
		memset(stats, 0, sizeof(*stats));
		frame(cr, RENDER_PASS_ALL, &fa);
		return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
	}
	return render_layer_draw(cr, w, h, slide, frame, &fa);
}

int render_slide(cairo_t *cr, int w, int h, enum render_slide slide,
		 const struct render_data *d)
{
	return render_slide_stats(cr, w, h, slide, d, NULL);
}

int render_png(const struct render_data *d, enum render_slide slide, int w,
	       int h, const char *path)
{
	cairo_surface_t *s;
	cairo_t *cr = NULL;
	int rc = -1;

	if (w <= 0 || h <= 0 || !path)
		return -1;
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(s))
		goto out;
	cr = cairo_create(s);
	rc = render_slide(cr, w, h, slide, d);
	if (rc)
		goto out;
	cairo_surface_flush(s);
	if (cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS)
		rc = -1;
out:
	if (cr)
		cairo_destroy(cr);
	cairo_surface_destroy(s);
	return rc;
}
