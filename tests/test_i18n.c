/*
 * test_i18n.c - the slides' catalogues, zones and text sizes.
 *
 * Expected translations are copied by hand from po/ja.po; zone
 * rectangles and text sizes are worked out in the comments.  The glyph
 * test draws 骨 through the renderer with language ja and through Pango
 * with zh-cn, and compares both with Cairo's own text (no Pango, no
 * shaping: the font's default glyph, which in Noto Sans CJK JP is the
 * Japanese form).
 */
#include <cairo.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_render_data.h"
#include "render/render_i18n.h"
#include "render/render_internal.h"
#include "render/render_look.h"

static void test_catalogue(void)
{
	char err[512] = "";
	enum render_lang l[2];

	CHECK_AT(render_i18n_init(NULL, err, sizeof(err)) == 0, "init: %s",
		 err);
	CHECK(render_i18n_dir() != NULL);

	/* From po/ja.po. */
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "データなし");
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "Grid status"),
		  "でんき予報");
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "as of %s"), "%s 時点");
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "since 1 Dec"),
		  "12月1日から");
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "Very tight"),
		  "非常に厳しい");
	/* English is the msgids; an unknown msgid is itself. */
	CHECK_STR(render_i18n_text(RENDER_LANG_EN, "No data"), "No data");
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "no such message"),
		  "no such message");
	CHECK(render_i18n_has(RENDER_LANG_JA, "Replay"));
	CHECK(!render_i18n_has(RENDER_LANG_EN, "Replay"));

	/* Selection: _() follows the first language. */
	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_NONE);
	CHECK_STR(_("Replay"), "Replay");
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	CHECK_STR(_("Replay"), "再生");
	CHECK_INT(render_i18n_second(), RENDER_LANG_EN);

	/* Grid figures: 5,319 万kW is 53,190,000 kW, 53.19 GW. */
	render_i18n_select(RENDER_LANG_EN, RENDER_LANG_JA);
	CHECK_DBL(53190000 / render_grid_unit().div, 53.19, 1e-9);
	CHECK_STR(render_grid_unit().power, "GW");
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	CHECK_DBL(53190000 / render_grid_unit().div, 5319, 1e-9);
	CHECK_STR(render_grid_unit().energy, "万kWh");

	CHECK_INT(render_langs_parse("ja+en", l), 0);
	CHECK_INT(l[0], RENDER_LANG_JA);
	CHECK_INT(l[1], RENDER_LANG_EN);
	CHECK_INT(render_langs_parse("en", l), 0);
	CHECK_INT(l[1], RENDER_LANG_NONE);
	CHECK_INT(render_langs_parse("ja+ja", l), -1);
	CHECK_INT(render_langs_parse("fr", l), -1);

	/* A directory without a catalogue is an error, and English still
	 * works. */
	CHECK_INT(render_i18n_init("/nonexistent", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent") != NULL);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "No data");
	CHECK_INT(render_i18n_init(NULL, err, sizeof(err)), 0);
}

/* Writes len bytes to DIR/ja/LC_MESSAGES/akari.mo, or removes it with
 * data NULL; returns the file's path (freed by the caller). */
static char *put_mo(const char *dir, const void *data, size_t len)
{
	char *sub = g_build_filename(dir, "ja", "LC_MESSAGES", NULL);
	char *path = g_build_filename(sub, "akari.mo", NULL);

	g_mkdir_with_parents(sub, 0700);
	if (data)
		CHECK(g_file_set_contents(path, data, (gssize)len, NULL));
	else
		g_remove(path);
	g_free(sub);
	return path;
}

/* A missing, foreign, cut or lying catalogue: init says which file and
 * what, and Japanese is then drawn from the msgids. */
static void test_broken_catalogue(void)
{
	/* A big-endian catalogue written by hand: magic, revision 0, one
	 * string, originals at 28, translations at 36, no hash table;
	 * "No data" at 44 (7 bytes), "X" at 52 (1 byte). */
	static const unsigned char swapped[] = {
		0x95, 0x04, 0x12, 0xde, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 28, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 7, 0, 0, 0, 44, 0, 0, 0, 1, 0, 0, 0, 52,
		'N', 'o', ' ', 'd', 'a', 't', 'a', 0, 'X', 0,
	};
	/* 2^32 - 1 strings, whose first table entry is past the end. */
	static const unsigned char lying[] = {
		0xde, 0x12, 0x04, 0x95, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		28, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	char err[512] = "", *real = NULL, *dir, *path, *mo;
	gsize real_len = 0;

	CHECK(render_i18n_init(NULL, err, sizeof(err)) == 0);
	mo = g_build_filename(render_i18n_dir(), "ja", "LC_MESSAGES",
			      "akari.mo", NULL);
	CHECK(g_file_get_contents(mo, &real, &real_len, NULL));
	CHECK(real_len > 400);
	g_free(mo);
	dir = g_dir_make_tmp("akari-i18n-XXXXXX", NULL);
	CHECK(dir != NULL);
	if (!dir || !real)
		return;

	path = put_mo(dir, NULL, 0);
	CHECK(render_i18n_init(dir, err, sizeof(err)) == -1);
	CHECK_AT(strstr(err, path) != NULL, "missing: %s", err);
	CHECK(render_i18n_dir() == NULL);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "No data");
	g_free(path);

	path = put_mo(dir, "not a catalogue at all", 22);
	CHECK(render_i18n_init(dir, err, sizeof(err)) == -1);
	CHECK_AT(strstr(err, path) && strstr(err, "not a .mo file"),
		 "foreign: %s", err);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "No data");
	g_free(path);

	/* The strings lie at the end of the file: cut, some point past it. */
	path = put_mo(dir, real, real_len - 200);
	CHECK(render_i18n_init(dir, err, sizeof(err)) == -1);
	CHECK_AT(strstr(err, path) && strstr(err, "outside the file"),
		 "cut: %s", err);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "No data");
	CHECK(!render_i18n_has(RENDER_LANG_JA, "No data"));
	g_free(path);

	path = put_mo(dir, lying, sizeof(lying));
	CHECK(render_i18n_init(dir, err, sizeof(err)) == -1);
	CHECK_AT(strstr(err, "outside the file") != NULL, "lying: %s", err);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "Replay"), "Replay");
	g_free(path);

	path = put_mo(dir, swapped, sizeof(swapped));
	CHECK_AT(render_i18n_init(dir, err, sizeof(err)) == 0, "swapped: %s",
		 err);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "X");
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "Replay"), "Replay");
	g_remove(path);
	g_free(path);
	path = g_build_filename(dir, "ja", "LC_MESSAGES", NULL);
	g_rmdir(path);
	g_free(path);
	path = g_build_filename(dir, "ja", NULL);
	g_rmdir(path);
	g_free(path);
	g_rmdir(dir);
	g_free(dir);
	g_free(real);

	/* The real catalogue again for the tests after this one. */
	CHECK(render_i18n_init(NULL, err, sizeof(err)) == 0);
	CHECK_STR(render_i18n_text(RENDER_LANG_JA, "No data"), "データなし");
}

static void test_alternate(void)
{
	struct render_look look;

	render_look_init(&look);
	look.bilingual = RENDER_BILINGUAL_ALTERNATE;

	/* By slide: even periods Japanese, odd ones English, one at a
	 * time. */
	render_look_select(&look, 0, 0);
	CHECK_INT(render_i18n_first(), RENDER_LANG_JA);
	CHECK_INT(render_i18n_second(), RENDER_LANG_NONE);
	CHECK(render_look_select(&look, 1, 0));
	CHECK_INT(render_i18n_first(), RENDER_LANG_EN);

	/* By the clock, every 7 s: 15 s is the third turn, Japanese. */
	look.alternate_seconds = 7;
	render_look_select(&look, 1, 15);
	CHECK_INT(render_i18n_first(), RENDER_LANG_JA);
	render_look_select(&look, 1, 8);
	CHECK_INT(render_i18n_first(), RENDER_LANG_EN);

	look.bilingual = RENDER_BILINGUAL_STACK;
	render_look_select(&look, 1, 8);
	CHECK_INT(render_i18n_first(), RENDER_LANG_JA);
	CHECK_INT(render_i18n_second(), RENDER_LANG_EN);
}

#define CHECK_RECT(r, X, Y, W, H)                                            \
	do {                                                                 \
		CHECK_DBL((r).x, X, 1e-9);                                   \
		CHECK_DBL((r).y, Y, 1e-9);                                   \
		CHECK_DBL((r).w, W, 1e-9);                                   \
		CHECK_DBL((r).h, H, 1e-9);                                   \
	} while (0)

static void test_zones(void)
{
	struct render_look look;
	struct render_zones z;

	render_set_theme(NULL);
	render_set_look(NULL);

	/* 1920x1080, u = 1080 / 1080 = 1: one header row of 168 (1920 is
	 * not under 1760), the margin 48, the main zone from 168 + 36 down
	 * to 1080 - 48. */
	render_zones_of(1920, 1080, &z);
	CHECK_INT(z.tmpl, RENDER_TEMPLATE_LANDSCAPE);
	CHECK(!z.header_two_rows);
	CHECK(!z.has_ticker);
	CHECK_RECT(z.header, 0, 0, 1920, 168);
	CHECK_RECT(z.main, 48, 204, 1824, 828);

	/* 1080x1920, u = 1: two header rows, 168 + 104 = 272, main from
	 * 308 to 1920 - 48 = 1872. */
	render_zones_of(1080, 1920, &z);
	CHECK_INT(z.tmpl, RENDER_TEMPLATE_PORTRAIT);
	CHECK(z.header_two_rows);
	CHECK_RECT(z.header, 0, 0, 1080, 272);
	CHECK_RECT(z.main, 48, 308, 984, 1564);

	/* With a ticker: 64 high in landscape at 1080 - 64 = 1016, main
	 * ends 36 above it (1016 - 36 - 204 = 776); portrait 88 high at
	 * 1832, main 1832 - 36 - 308 = 1488. */
	render_look_init(&look);
	look.ticker = "お知らせ";
	render_set_look(&look);
	render_zones_of(1920, 1080, &z);
	CHECK(z.has_ticker);
	CHECK_RECT(z.ticker, 0, 1016, 1920, 64);
	CHECK_RECT(z.main, 48, 204, 1824, 776);
	render_zones_of(1080, 1920, &z);
	CHECK_RECT(z.ticker, 0, 1832, 1080, 88);
	CHECK_RECT(z.main, 48, 308, 984, 1488);

	/* The setter wins over the look, "" removes the line, NULL goes
	 * back to the look's. */
	render_set_ticker("");
	render_zones_of(1920, 1080, &z);
	CHECK(!z.has_ticker);
	render_set_ticker(NULL);
	render_zones_of(1920, 1080, &z);
	CHECK(z.has_ticker);
	render_set_look(NULL);
}

/* A slide with a ticker: the ticker's text in its band where the clock
 * has scrolled it, and every other text inside the zones above it. */
static void test_ticker_drawn(void)
{
	static struct render_stats st;
	struct render_look look;
	struct render_data d = { .now = 1656288000 + 2 * 3600 };
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
							1920, 1080);
	cairo_t *cr = cairo_create(s);
	const struct render_text_box *tick = NULL;
	double main_bottom = 204 + 776;
	int outside = 0;

	d.grid = test_render_json("tepco_1100.json");
	render_look_init(&look);
	look.ticker = "TICKER 節電のお願い";
	render_set_look(&look);

	/* 2 s at 160 units a second, u = 1: the text starts 320 px left
	 * of the right edge, at x = 1600. */
	render_set_ticker_time(2);
	CHECK_INT(render_slide_stats(cr, 1920, 1080, RENDER_GRID, &d, &st),
		  0);
	for (int i = 0; i < st.ntexts; i++) {
		const struct render_text_box *b = &st.texts[i];

		if (strncmp(b->text, "TICKER", 6) == 0)
			tick = b;
		else if (b->ink.y + b->ink.h > main_bottom + 0.5)
			outside++;
	}
	CHECK(tick != NULL);
	if (tick) {
		CHECK_DBL(tick->panel.y, 1016, 1e-9);
		CHECK_DBL(tick->panel.h, 64, 1e-9);
		CHECK_DBL(tick->ink.x, 1600, 8);
		CHECK(tick->ink.y >= 1016 && tick->ink.y + tick->ink.h <= 1080);
	}
	CHECK_INT(outside, 0);

	/* Moving the ticker on over a slide drawn earlier gives the slide
	 * drawn now: the slide at 2 s, then only its ticker at 5 s, is
	 * the slide at 5 s, pixel for pixel. */
	{
		cairo_surface_t *s2 = cairo_image_surface_create(
			CAIRO_FORMAT_RGB24, 1920, 1080);
		cairo_t *cr2 = cairo_create(s2);
		int stride = cairo_image_surface_get_stride(s);

		CHECK_INT(render_ticker(cr, 1920, 1080), 0);
		render_set_ticker_time(5);
		CHECK_INT(render_ticker(cr, 1920, 1080), 0);
		CHECK_INT(render_slide(cr2, 1920, 1080, RENDER_GRID, &d), 0);
		cairo_surface_flush(s);
		cairo_surface_flush(s2);
		CHECK(memcmp(cairo_image_surface_get_data(s),
			     cairo_image_surface_get_data(s2),
			     (size_t)stride * 1080) == 0);
		cairo_destroy(cr2);
		cairo_surface_destroy(s2);
	}

	render_set_ticker_time(0);
	render_set_look(NULL);
	json_decref(d.grid);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

static void test_text_size(void)
{
	struct render_look look;
	bool capped;

	render_look_init(&look);
	CHECK_DBL(render_look_text_scale(3840, 2160, &look, &capped), 1, 0);

	/* 65" 3840x2160 seen from 3 m: the diagonal is
	 * sqrt(3840^2 + 2160^2) = 4405.81 px over 65 in, 67.782 px/in or
	 * 2.66858 px/mm.  20' of arc at 3000 mm: 2 * 3000 * tan(10') =
	 * 17.4533 mm, 46.5757 px of cap height, a font of 46.5757 / 0.733 =
	 * 63.5412 px.  The smallest text is 20 units of u = 2 px: 40 px, so
	 * the scale is 63.5412 / 40 = 1.58853. */
	look.screen_diagonal_in = 65;
	look.viewing_distance_m = 3;
	CHECK_DBL(render_look_min_cap_px(3840, 2160, 65, 3), 46.5757, 1e-3);
	CHECK_DBL(render_look_text_scale(3840, 2160, &look, &capped),
		  1.58853, 1e-4);
	CHECK(!capped);

	/* 55" 1920x1080 from 5 m: 40.053 px/in, 1.57689 px/mm, 29.0888 mm
	 * is 45.870 px of cap, 62.579 px of font, 3.13 times 20 px: more
	 * than the layout holds, so capped at 1.6. */
	look.screen_diagonal_in = 55;
	look.viewing_distance_m = 5;
	CHECK_DBL(render_look_text_scale(1920, 1080, &look, &capped), 1.6,
		  1e-9);
	CHECK(capped);

	/* Close up a large screen needs no more than its pixel sizes. */
	look.viewing_distance_m = 0.5;
	CHECK_DBL(render_look_text_scale(1920, 1080, &look, &capped), 1, 0);

	/* The zones grow with it: the 65" 4K panel at 3 m has u = 2 *
	 * 1.58853 = 3.17706, too little width (3840 < 1760 u = 5592) for
	 * a one-row header, so 272 u = 864.16 px of header. */
	look.screen_diagonal_in = 65;
	look.viewing_distance_m = 3;
	render_set_look(&look);
	{
		struct render_zones z;

		render_zones_of(3840, 2160, &z);
		CHECK_DBL(z.u, 3.17706, 1e-4);
		CHECK(z.header_two_rows);
		CHECK_DBL(z.header.h, 864.16, 0.05);
	}
	render_set_look(NULL);
}

/* The ink of a one-character A8 picture, cut to its bounding box and
 * placed in a w x h frame at the top left. */
struct ink {
	int w, h;
	unsigned char px[240 * 240];
};

static void ink_of(cairo_surface_t *s, struct ink *out)
{
	int sw = cairo_image_surface_get_width(s);
	int sh = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	unsigned char *d;
	int x0 = sw, y0 = sh, x1 = -1, y1 = -1;

	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	for (int y = 0; y < sh; y++)
		for (int x = 0; x < sw; x++)
			if (d[y * stride + x] > 127) {
				x0 = x < x0 ? x : x0;
				y0 = y < y0 ? y : y0;
				x1 = x > x1 ? x : x1;
				y1 = y > y1 ? y : y1;
			}
	memset(out, 0, sizeof(*out));
	if (x1 < 0)
		return;
	out->w = x1 - x0 + 1 < 240 ? x1 - x0 + 1 : 240;
	out->h = y1 - y0 + 1 < 240 ? y1 - y0 + 1 : 240;
	for (int y = 0; y < out->h; y++)
		for (int x = 0; x < out->w; x++)
			out->px[y * 240 + x] =
				d[(y0 + y) * stride + x0 + x] > 127;
}

/* The share of pixels, over the larger of the two boxes, where a and b
 * differ. */
static double ink_diff(const struct ink *a, const struct ink *b)
{
	int w = a->w > b->w ? a->w : b->w, h = a->h > b->h ? a->h : b->h;
	long n = 0;

	if (!w || !h)
		return 1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int pa = x < a->w && y < a->h ? a->px[y * 240 + x] : 0;
			int pb = x < b->w && y < b->h ? b->px[y * 240 + x] : 0;

			n += pa != pb;
		}
	return (double)n / (w * h);
}

#define GLYPH "骨"
#define GLYPH_PX 200

static cairo_surface_t *glyph_surface(cairo_t **cr)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 300,
							300);

	*cr = cairo_create(s);
	return s;
}

/* Through the renderer's own layout, language ja or (by attribute, as
 * a wrong setup would) another. */
static void pango_glyph(const char *lang, struct ink *out)
{
	cairo_t *cr;
	cairo_surface_t *s = glyph_surface(&cr);
	PangoContext *pc = pango_cairo_create_context(cr);
	PangoLayout *lo;

	if (!lang) {
		lo = render_layout_new_lang(pc, GLYPH, GLYPH_PX, false,
					    RENDER_LANG_JA, 0,
					    RENDER_LANG_NONE);
	} else {
		PangoAttrList *al = pango_attr_list_new();

		lo = render_layout_new(pc, GLYPH, GLYPH_PX, false);
		pango_attr_list_insert(al, pango_attr_language_new(
			pango_language_from_string(lang)));
		pango_layout_set_attributes(lo, al);
		pango_attr_list_unref(al);
	}
	cairo_move_to(cr, 20, 20);
	pango_cairo_show_layout(cr, lo);
	ink_of(s, out);
	g_object_unref(lo);
	g_object_unref(pc);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

/* Cairo's toy text: the font's default glyph for the character, which
 * no language can change. */
static void toy_glyph(struct ink *out)
{
	cairo_t *cr;
	cairo_surface_t *s = glyph_surface(&cr);

	cairo_select_font_face(cr, "Noto Sans CJK JP",
			       CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, GLYPH_PX);
	cairo_move_to(cr, 20, 240);
	cairo_show_text(cr, GLYPH);
	ink_of(s, out);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

static void test_glyph_shape(void)
{
	static struct ink ja, zh, ref;
	double d_ref, d_zh;

	render_set_theme(NULL);
	pango_glyph(NULL, &ja);
	pango_glyph("zh-cn", &zh);
	toy_glyph(&ref);

	/* 骨's inner stroke turns the other way in Chinese: the two
	 * languages must not draw the same picture, and the renderer's
	 * must be the Japanese font's own. */
	d_zh = ink_diff(&ja, &zh);
	d_ref = ink_diff(&ja, &ref);
	CHECK_AT(d_zh > 0.02, "ja and zh-cn differ in %.4f of pixels", d_zh);
	CHECK_AT(d_ref < 0.01, "ja and the JP reference differ in %.4f of "
		 "pixels", d_ref);
	CHECK_AT(d_ref < d_zh, "ja is nearer zh-cn (%.4f) than JP (%.4f)",
		 d_zh, d_ref);
}

int main(void)
{
	test_catalogue();
	test_broken_catalogue();
	test_alternate();
	test_zones();
	test_text_size();
	test_ticker_drawn();
	test_glyph_shape();
	render_i18n_finish();
	return check_finish();
}
