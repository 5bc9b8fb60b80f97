/*
 * render_text.c - text through Pango, and the formatting of numbers and
 * local times for the slides.
 *
 * Coordinates: device pixels, origin top left, y down.  A text's (x, y)
 * is the top of its logical box, or its baseline when the style says so;
 * x is the left edge, the centre or the right edge by the alignment.
 * Text is placed with cairo_move_to only, never through a transform, so
 * the Pango context is updated from cr's unchanged matrix.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Tags [start, end) of the layout's text with lang. */
static void add_language(PangoAttrList *al, enum render_lang lang,
			 size_t start, size_t end)
{
	PangoAttribute *a = pango_attr_language_new(
		pango_language_from_string(render_lang_code(lang)));

	a->start_index = (guint)start;
	a->end_index = (guint)end;
	pango_attr_list_insert(al, a);
}

/* Whether ch is written only in Japanese among the slides' languages:
 * kana, Han, and the CJK punctuation, symbols and full-width forms that
 * go with them. */
static bool japanese_char(gunichar ch)
{
	GUnicodeScript sc = g_unichar_get_script(ch);

	return sc == G_UNICODE_SCRIPT_HAN || sc == G_UNICODE_SCRIPT_HIRAGANA ||
	       sc == G_UNICODE_SCRIPT_KATAKANA ||
	       (ch >= 0x3000 && ch <= 0x303f) ||
	       (ch >= 0x3200 && ch <= 0x33ff) ||
	       (ch >= 0xfe30 && ch <= 0xfe4f) ||
	       (ch >= 0xff00 && ch <= 0xffef);
}

void render_layout_tag_ja(PangoLayout *lo)
{
	const char *text = pango_layout_get_text(lo);
	PangoAttrList *al = pango_layout_get_attributes(lo);
	const char *p, *run = NULL;

	al = al ? pango_attr_list_copy(al) : pango_attr_list_new();
	for (p = text;; p = g_utf8_next_char(p)) {
		bool ja = *p && japanese_char(g_utf8_get_char(p));

		if (ja && !run)
			run = p;
		if (!ja && run) {
			add_language(al, RENDER_LANG_JA, (size_t)(run - text),
				     (size_t)(p - text));
			run = NULL;
		}
		if (!*p)
			break;
	}
	pango_layout_set_attributes(lo, al);
	pango_attr_list_unref(al);
}

PangoLayout *render_layout_new_lang(PangoContext *pc, const char *text,
				    double px, bool bold,
				    enum render_lang lang, size_t split,
				    enum render_lang lang2)
{
	PangoLayout *lo = pango_layout_new(pc);
	PangoFontDescription *fd = pango_font_description_new();
	PangoAttrList *al = pango_attr_list_new();
	size_t len = strlen(text);

	/* The attribute, not only the context's language: a layout of a
	 * second language on the same context must not inherit the
	 * first's glyph shapes. */
	if (!render_lang_code(lang))
		lang = render_i18n_first();
	if (!render_lang_code(lang2))
		lang2 = lang;
	split = split < len ? split : len;
	add_language(al, lang, 0, split > 0 ? split : len);
	if (split > 0)
		add_language(al, lang2, split, len);

	pango_font_description_set_family(fd, RENDER_FONT_FAMILY);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD
						  : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
	pango_layout_set_font_description(lo, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(lo, text, -1);
	pango_layout_set_attributes(lo, al);
	pango_attr_list_unref(al);
	if (lang != RENDER_LANG_JA || (split > 0 && lang2 != RENDER_LANG_JA))
		render_layout_tag_ja(lo);
	return lo;
}

PangoLayout *render_layout_new(PangoContext *pc, const char *text,
			       double px, bool bold)
{
	return render_layout_new_lang(pc, text, px, bold, render_i18n_first(),
				      0, RENDER_LANG_NONE);
}

/* The languages of text in style st: its own, and the other one from
 * st->split on. */
static void style_langs(const struct render_style *st,
			enum render_lang *lang, enum render_lang *lang2)
{
	enum render_lang first = render_i18n_first();
	enum render_lang second = render_i18n_second();

	if (second == RENDER_LANG_NONE)
		second = first;
	*lang = st->second ? second : first;
	*lang2 = st->second ? first : second;
}

static PangoLayout *style_layout(struct render_ctx *c,
				 const struct render_style *st,
				 const char *text, double px)
{
	enum render_lang lang, lang2;

	style_langs(st, &lang, &lang2);
	return render_layout_new_lang(c->pango, text, px, st->bold, lang,
				      st->split, lang2);
}

const char *render_tr2(const char *msgid)
{
	enum render_lang second = render_i18n_second();

	return second == RENDER_LANG_NONE ? NULL
					  : render_i18n_text(second, msgid);
}

void render_trf(char *first, size_t first_len, char *second,
		size_t second_len, const char *msgid, ...)
{
	enum render_lang l2 = render_i18n_second();
	va_list ap, ap2;

	va_start(ap, msgid);
	va_copy(ap2, ap);
	vsnprintf(first, first_len,
		  render_i18n_text(render_i18n_first(), msgid), ap);
	if (l2 == RENDER_LANG_NONE)
		snprintf(second, second_len, "%s", "");
	else
		vsnprintf(second, second_len, render_i18n_text(l2, msgid),
			  ap2);
	va_end(ap2);
	va_end(ap);
}

size_t render_tr_line(char *buf, size_t len, const char *msgid)
{
	const char *a = render_gettext(msgid), *b = render_tr2(msgid);
	size_t split = strlen(a) + 1;

	if (!b) {
		g_strlcpy(buf, a, len);
		return 0;
	}
	snprintf(buf, len, "%s %s", a, b);
	return split < strlen(buf) ? split : 0;
}

/* A layout for text in style st, shrunk to st->max_w when too wide. */
static PangoLayout *styled_layout(struct render_ctx *c,
				  const struct render_style *st,
				  const char *text, struct render_extent *ext)
{
	PangoLayout *lo;
	PangoRectangle ink;
	int lw, lh;

	/* A slide squeezed below any readable size still lays out, with
	 * text of one pixel rather than a size Pango refuses. */
	pango_cairo_update_context(c->cr, c->pango);
	lo = style_layout(c, st, text, fmax(st->px, 1));
	pango_layout_get_size(lo, &lw, &lh);
	if (st->max_w > 0 && lw > st->max_w * PANGO_SCALE) {
		double px = fmax(st->px * st->max_w * PANGO_SCALE / lw, 1);

		g_object_unref(lo);
		lo = style_layout(c, st, text, px);
		pango_layout_get_size(lo, &lw, &lh);
	}
	ext->w = (double)lw / PANGO_SCALE;
	ext->h = (double)lh / PANGO_SCALE;
	ext->baseline = (double)pango_layout_get_baseline(lo) / PANGO_SCALE;
	pango_layout_get_extents(lo, &ink, NULL);
	ext->ink_top = (double)ink.y / PANGO_SCALE;
	ext->ink_bottom = (double)(ink.y + ink.height) / PANGO_SCALE;
	return lo;
}

/* The extents of texts laid out before, by text, style and font: a
 * slide measures most of its texts again on every frame, and a frame
 * drawn from the static layer needs only where its static texts go.
 * Cleared whole when full. */
#define EXTENTS_MAX 1024

static GHashTable *extents;

/* The key of text in style st, as styled_layout() lays it out; the
 * caller frees it. */
static char *extent_key(const struct render_style *st, const char *text)
{
	enum render_lang lang, lang2;

	style_langs(st, &lang, &lang2);
	return g_strdup_printf("%a %a %d %d %d %zu %s\n%s", st->px, st->max_w,
			       st->bold, lang, lang2, st->split,
			       RENDER_FONT_FAMILY, text);
}

static bool extent_find(const struct render_ctx *c,
			const struct render_style *st, const char *text,
			struct render_extent *ext)
{
	const struct render_extent *e;
	char *key;

	if (!c->extents_ok || !extents)
		return false;
	key = extent_key(st, text);
	e = g_hash_table_lookup(extents, key);
	g_free(key);
	if (e)
		*ext = *e;
	return e != NULL;
}

static void extent_keep(const struct render_ctx *c,
			const struct render_style *st, const char *text,
			const struct render_extent *ext)
{
	if (!c->extents_ok)
		return;
	if (!extents)
		extents = g_hash_table_new_full(g_str_hash, g_str_equal,
						g_free, g_free);
	if (g_hash_table_size(extents) >= EXTENTS_MAX)
		g_hash_table_remove_all(extents);
	g_hash_table_replace(extents, extent_key(st, text),
			     g_memdup2(ext, sizeof(*ext)));
}

/* Counts a layout drawn at (x, y) and keeps where its ink went. */
static void note_text(struct render_ctx *c, PangoLayout *lo, double x,
		      double y, const char *text)
{
	struct render_stats *st = c->stats;
	struct render_text_box *b;
	PangoRectangle ink;

	st->layouts++;
	st->unknown_glyphs += pango_layout_get_unknown_glyphs_count(lo);
	pango_layout_get_extents(lo, &ink, NULL);
	if (ink.width <= 0 || ink.height <= 0 ||
	    st->ntexts >= RENDER_STATS_TEXTS)
		return;
	b = &st->texts[st->ntexts++];
	b->ink = (struct render_rect){
		x + (double)ink.x / PANGO_SCALE,
		y + (double)ink.y / PANGO_SCALE,
		(double)ink.width / PANGO_SCALE,
		(double)ink.height / PANGO_SCALE,
	};
	b->panel = c->panel;
	g_strlcpy(b->text, text, sizeof(b->text));
}

/* Adds a static text as drawn to the frame's hash: its bytes, where it
 * went, its size, colour, languages and font. */
static void static_text(struct render_ctx *c, const struct render_style *st,
			double x, double y, const struct render_extent *ext,
			const char *text)
{
	enum render_lang lang, lang2;
	double key[9];

	style_langs(st, &lang, &lang2);
	key[0] = x;
	key[1] = y;
	key[2] = ext->w;
	key[3] = ext->h;
	key[4] = st->rgb;
	key[5] = st->bold;
	key[6] = lang;
	key[7] = lang2;
	key[8] = (double)st->split;
	render_static_mix(c, key, sizeof(key));
	render_static_mix(c, text, strlen(text) + 1);
	render_static_mix(c, RENDER_FONT_FAMILY,
			  strlen(RENDER_FONT_FAMILY) + 1);
}

struct render_extent render_text_measure(struct render_ctx *c,
					 const struct render_style *st,
					 const char *text)
{
	struct render_extent ext;
	PangoLayout *lo;

	if (extent_find(c, st, text, &ext))
		return ext;
	lo = styled_layout(c, st, text, &ext);
	extent_keep(c, st, text, &ext);
	g_object_unref(lo);
	return ext;
}

/* Where a text of extent ext in style st goes when given (x, y). */
static void text_origin(const struct render_style *st,
			const struct render_extent *ext, double *x, double *y)
{
	if (st->align == RENDER_ALIGN_CENTER)
		*x -= ext->w / 2;
	else if (st->align == RENDER_ALIGN_RIGHT)
		*x -= ext->w;
	if (st->baseline)
		*y -= ext->baseline;
}

struct render_extent render_text(struct render_ctx *c,
				 const struct render_style *st, double x,
				 double y, const char *text)
{
	struct render_extent ext;
	PangoLayout *lo;

	/* A static text is drawn on the layer; a frame drawn from it needs
	 * only where the text went, for its hash. */
	if (c->static_depth > 0 && c->pass == RENDER_PASS_DYNAMIC) {
		ext = render_text_measure(c, st, text);
		text_origin(st, &ext, &x, &y);
		static_text(c, st, x, y, &ext, text);
		return ext;
	}

	lo = styled_layout(c, st, text, &ext);
	extent_keep(c, st, text, &ext);
	text_origin(st, &ext, &x, &y);
	if (c->stats)
		note_text(c, lo, x, y, text);
	if (c->static_depth > 0)
		static_text(c, st, x, y, &ext, text);

	render_set_rgb(c->cr, render_rgb_hex(st->rgb), 1.0);
	cairo_move_to(c->cr, x, y);
	pango_cairo_show_layout(c->cr, lo);
	g_object_unref(lo);
	return ext;
}

/* CJK line boxes carry generous leading: the English line is pulled up
 * into it, by this much of the Japanese line's height. */
#define LABEL_EN_AT 0.86

/* A value's unit beside its number: this much of the number's size, and
 * this much of it apart. */
#define VALUE_UNIT 0.4
#define VALUE_GAP 0.12

struct render_extent render_label_measure(struct render_ctx *c,
					  const char *ja, const char *en,
					  double px, double px_en,
					  double max_w)
{
	struct render_style sj = { .px = px, .bold = true, .max_w = max_w };
	struct render_style se = { .px = px_en, .max_w = max_w,
				   .second = true };
	struct render_extent e1 = render_text_measure(c, &sj, ja), e2;

	if (!en || !*en)
		return e1;
	e2 = render_text_measure(c, &se, en);
	return (struct render_extent){
		.w = fmax(e1.w, e2.w), .h = e1.h * LABEL_EN_AT + e2.h,
		.baseline = e1.baseline, .ink_top = e1.ink_top,
		.ink_bottom = e1.h * LABEL_EN_AT + e2.ink_bottom,
	};
}

double render_label(struct render_ctx *c, const char *ja, const char *en,
		    double x, double y, double px, double px_en,
		    enum render_align align, double max_w)
{
	struct render_style sj = {
		.px = px, .bold = true, .rgb = RENDER_RGB_TEXT,
		.align = align, .max_w = max_w,
	};
	struct render_style se = {
		.px = px_en, .rgb = RENDER_RGB_TEXT_2, .align = align,
		.max_w = max_w, .second = true,
	};
	struct render_extent e1, e2 = { 0 };
	bool two = en && *en;

	e1 = render_text(c, &sj, x, y, ja);
	if (two)
		e2 = render_text(c, &se, x, y + e1.h * LABEL_EN_AT, en);
	return two ? e1.h * LABEL_EN_AT + e2.h : e1.h;
}

double render_value(struct render_ctx *c, const char *num, const char *unit,
		    double x, double baseline, double px, uint32_t rgb,
		    enum render_align align, double max_w)
{
	struct render_style sn = {
		.px = px, .bold = true, .rgb = rgb, .baseline = true,
	};
	struct render_style su = {
		.px = px * VALUE_UNIT, .rgb = RENDER_RGB_TEXT_2,
		.baseline = true,
	};
	struct render_extent en, eu = { 0 };
	double gap = px * VALUE_GAP, total, scale = 1.0;

	en = render_text_measure(c, &sn, num);
	if (unit && *unit)
		eu = render_text_measure(c, &su, unit);
	total = en.w + (unit && *unit ? gap + eu.w : 0);

	/* Shrink number and unit together so they stay in proportion. */
	if (max_w > 0 && total > max_w) {
		scale = max_w / total;
		sn.px *= scale;
		su.px *= scale;
		gap *= scale;
		total = max_w;
	}
	if (align == RENDER_ALIGN_CENTER)
		x -= total / 2;
	else if (align == RENDER_ALIGN_RIGHT)
		x -= total;

	en = render_text(c, &sn, x, baseline, num);
	if (unit && *unit)
		render_text(c, &su, x + en.w + gap, baseline, unit);
	return total;
}

struct render_fit render_value_fit(struct render_ctx *c, const char *num,
				   const char *unit, double w, double h,
				   double px_max)
{
	struct render_style sn = { .px = px_max, .bold = true };
	struct render_style su = { .px = px_max * VALUE_UNIT };
	struct render_fit fit = { 0 };
	struct render_extent en, eu;
	double width, above, below, s;

	if (!(w > 0 && h > 0 && px_max > 0))
		return fit;

	/* Measured once at full size: width and ink grow with the size. */
	en = render_text_measure(c, &sn, num);
	above = en.baseline - en.ink_top;
	below = en.ink_bottom - en.baseline;
	width = en.w;
	if (unit && *unit) {
		eu = render_text_measure(c, &su, unit);
		above = fmax(above, eu.baseline - eu.ink_top);
		below = fmax(below, eu.ink_bottom - eu.baseline);
		width += px_max * VALUE_GAP + eu.w;
	}
	if (!(width > 0 && above + below > 0))
		return fit;

	/* A little short of the exact fit, as sizes round in Pango; a size
	 * that fits is kept as it is, so fitting twice changes nothing. */
	s = fmin(w / width, h / (above + below));
	s = s >= 1 ? 1 : 0.98 * s;
	fit.px = px_max * s;
	fit.above = above * s;
	fit.ink_h = (above + below) * s;
	return fit;
}

struct render_grid_unit render_grid_unit(void)
{
	static const struct render_grid_unit man = {
		1e4, 0, 0, "万kW", "万kWh",
	};
	static const struct render_grid_unit giga = {
		1e6, 2, 1, "GW", "GWh",
	};

	return render_i18n_first() == RENDER_LANG_JA ? man : giga;
}

void render_fmt_num(char *buf, size_t len, double value, int decimals)
{
	char raw[64], out[96];
	const char *p, *dot;
	size_t n = 0, digits;
	double scale;

	/* No reading comes near 1e15; a number that does is not one, and
	 * would not fit raw. */
	if (!isfinite(value) || fabs(value) >= 1e15) {
		snprintf(buf, len, "-");
		return;
	}

	/* Halves away from zero, as a reader rounds (printf rounds 1122.5
	 * ppm to even, 1,122), and no "-0" for a value that rounds to
	 * nothing. */
	scale = pow(10, decimals);
	value = round(value * scale) / scale;
	if (value == 0)
		value = 0;
	snprintf(raw, sizeof(raw), "%.*f", decimals, value);
	p = raw;
	if (*p == '-')
		out[n++] = *p++;
	dot = strchr(p, '.');
	digits = dot ? (size_t)(dot - p) : strlen(p);

	/* Group the integer digits in threes from the left. */
	for (size_t i = 0; i < digits; i++) {
		out[n++] = p[i];
		if ((digits - i - 1) % 3 == 0 && i + 1 < digits)
			out[n++] = ',';
	}
	if (dot) {
		size_t rest = strlen(dot);

		memcpy(out + n, dot, rest);
		n += rest;
	}
	out[n] = '\0';
	snprintf(buf, len, "%s", out);
}

/* ts as a local date-time in tz; the caller unrefs it.  Times come
 * checked (render_time); the clamp keeps GLib's calendar from ever
 * being asked for a year it has not. */
static GDateTime *local_dt(int64_t ts, GTimeZone *tz)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(
	    CLAMP(ts, RENDER_TIME_MIN, RENDER_TIME_MAX));
	GDateTime *loc = g_date_time_to_timezone(utc, tz);

	g_date_time_unref(utc);
	return loc;
}

void render_fmt_hm(char *buf, size_t len, int64_t ts, GTimeZone *tz)
{
	GDateTime *t = local_dt(ts, tz);

	snprintf(buf, len, "%d:%02d", g_date_time_get_hour(t),
		 g_date_time_get_minute(t));
	g_date_time_unref(t);
}

/* Whether abbr is a zone's name in letters ("JST", "AEST", "ChST"), as
 * tzdata spells most; it writes the others as their offset ("+10",
 * "-03", "+0545") and GLib a fixed offset as its identifier
 * ("+10:00"). */
static bool zone_abbr_named(const char *abbr)
{
	size_t n = abbr ? strlen(abbr) : 0;

	if (n < 3 || n > 6)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalpha(abbr[i]))
			return false;
	return true;
}

void render_fmt_zone(char *buf, size_t len, int64_t ts, GTimeZone *tz)
{
	GDateTime *t = local_dt(ts, tz);
	const char *abbr = g_date_time_get_timezone_abbreviation(t);
	int64_t off = g_date_time_get_utc_offset(t) / G_TIME_SPAN_MINUTE;
	int64_t m = off < 0 ? -off : off;

	/* A name in letters is what the zone's people read under a clock;
	 * an offset is written from UTC, as an offset alone ("+10:00")
	 * reads as a time of day. */
	if (zone_abbr_named(abbr))
		snprintf(buf, len, "%s", abbr);
	else if (off == 0)
		snprintf(buf, len, "UTC");
	else if (m % 60 == 0)
		snprintf(buf, len, "UTC%c%d", off < 0 ? '-' : '+',
			 (int)(m / 60));
	else
		snprintf(buf, len, "UTC%c%d:%02d", off < 0 ? '-' : '+',
			 (int)(m / 60), (int)(m % 60));
	g_date_time_unref(t);
}

void render_fmt_as_of(char *ja, size_t ja_len, char *en, size_t en_len,
		      int64_t ts, GTimeZone *tz)
{
	char hm[16];

	render_fmt_hm(hm, sizeof(hm), ts, tz);
	render_trf(ja, ja_len, en, en_len, N_("as of %s"), hm);
}

/* Weekday and month names are spelled here rather than taken from the
 * process locale, which on a signage box is usually C. */
static const char *const wday_ja[] = {
	"月", "火", "水", "木", "金", "土", "日",
};
static const char *const wday_en[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};
static const char *const month_en[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

void render_fmt_date_ja(char *buf, size_t len, int64_t ts, GTimeZone *tz)
{
	GDateTime *t = local_dt(ts, tz);

	snprintf(buf, len, "%d年%d月%d日(%s)", g_date_time_get_year(t),
		 g_date_time_get_month(t), g_date_time_get_day_of_month(t),
		 wday_ja[g_date_time_get_day_of_week(t) - 1]);
	g_date_time_unref(t);
}

void render_fmt_date_en(char *buf, size_t len, int64_t ts, GTimeZone *tz)
{
	GDateTime *t = local_dt(ts, tz);

	snprintf(buf, len, "%s %d %s %d",
		 wday_en[g_date_time_get_day_of_week(t) - 1],
		 g_date_time_get_day_of_month(t),
		 month_en[g_date_time_get_month(t) - 1],
		 g_date_time_get_year(t));
	g_date_time_unref(t);
}

/* The local date and time of ts as lang writes them, without the
 * weekday, which a caption has no room for. */
static void fmt_when_in(char *buf, size_t len, int64_t ts, GTimeZone *tz,
			enum render_lang lang)
{
	GDateTime *t = local_dt(ts, tz);
	int y = g_date_time_get_year(t), mo = g_date_time_get_month(t);
	int d = g_date_time_get_day_of_month(t);
	int h = g_date_time_get_hour(t), mi = g_date_time_get_minute(t);

	if (lang == RENDER_LANG_JA)
		snprintf(buf, len, "%d年%d月%d日 %d:%02d", y, mo, d, h, mi);
	else
		snprintf(buf, len, "%d %s %d %d:%02d", d, month_en[mo - 1], y,
			 h, mi);
	g_date_time_unref(t);
}

/* text with its one "%s" replaced by arg (text as it is without one),
 * into buf: the catalogues' texts cannot be printf formats here, where
 * each language gets its own argument. */
static void put_arg(char *buf, size_t len, const char *text, const char *arg)
{
	const char *at = strstr(text, "%s");

	if (!at)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "%.*s%s%s", (int)(at - text), text, arg,
			 at + 2);
}

void render_fmt_when(char *first, size_t first_len, char *second,
		     size_t second_len, const char *msgid, int64_t ts,
		     GTimeZone *tz)
{
	enum render_lang l1 = render_i18n_first();
	enum render_lang l2 = render_i18n_second();
	char when[64];

	fmt_when_in(when, sizeof(when), ts, tz, l1);
	put_arg(first, first_len, render_i18n_text(l1, msgid), when);
	if (l2 == RENDER_LANG_NONE) {
		snprintf(second, second_len, "%s", "");
		return;
	}
	fmt_when_in(when, sizeof(when), ts, tz, l2);
	put_arg(second, second_len, render_i18n_text(l2, msgid), when);
}

void render_fmt_date(char *buf, size_t len, int64_t ts, GTimeZone *tz,
		     enum render_lang lang)
{
	if (lang == RENDER_LANG_JA)
		render_fmt_date_ja(buf, len, ts, tz);
	else if (lang == RENDER_LANG_EN)
		render_fmt_date_en(buf, len, ts, tz);
	else
		g_strlcpy(buf, "", len);
}
