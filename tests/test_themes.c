/*
 * test_themes.c - theme files: every shipped theme loads and reaches a
 * WCAG contrast of 4.5:1 on every text/background pair the renderer
 * draws; the loader's errors; a slide drawn in each theme.
 */
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "render/render.h"
#include "themes/theme.h"

static const char *top(void)
{
	const char *t = getenv("AKARI_SOURCE_DIR");

	return t ? t : "..";
}

/* --- WCAG 2.x contrast, computed here rather than by the code under
 * test: relative luminance of sRGB, then (L1 + 0.05) / (L2 + 0.05). */

static double linear(unsigned v)
{
	double c = v / 255.0;

	return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(uint32_t rgb)
{
	return 0.2126 * linear((rgb >> 16) & 0xff) +
	       0.7152 * linear((rgb >> 8) & 0xff) +
	       0.0722 * linear(rgb & 0xff);
}

static double contrast(uint32_t a, uint32_t b)
{
	double la = luminance(a), lb = luminance(b);

	return (fmax(la, lb) + 0.05) / (fmin(la, lb) + 0.05);
}

static void test_wcag_formula(void)
{
	/* White on black: (1 + 0.05) / (0 + 0.05) = 21. */
	CHECK_DBL(contrast(0xFFFFFF, 0x000000), 21.0, 1e-9);

	/* #777777: 0x77 / 255 = 0.466667, ((0.466667 + 0.055) / 1.055)^2.4
	 * = 0.494471^2.4 = 0.184475 = L; on white 1.05 / 0.234475 = 4.478,
	 * the well-known grey that just fails 4.5:1. */
	CHECK_DBL(luminance(0x777777), 0.184475, 1e-5);
	CHECK_DBL(contrast(0x777777, 0xFFFFFF), 4.478, 1e-3);
	CHECK_DBL(contrast(0xFFFFFF, 0x777777), 4.478, 1e-3);
}

/* --- the shipped themes --------------------------------------------- */

static int check_theme_file(const char *path)
{
	struct theme t;
	char err[512] = "";
	int rc = theme_load(path, &t, err, sizeof(err));

	CHECK_AT(rc == 0, "%s does not load: %s", path, err);
	if (rc)
		return -1;

	for (int i = 0; i < theme_npairs; i++) {
		enum theme_color fg = theme_pairs[i].fg;
		enum theme_color bg = theme_pairs[i].bg;
		double r = contrast(t.rgb[fg], t.rgb[bg]);

		CHECK_AT(r >= 4.5, "%s: %s #%06X on %s #%06X is %.4f:1, "
			 "under 4.5:1", path, theme_color_key(fg),
			 (unsigned)t.rgb[fg], theme_color_key(bg),
			 (unsigned)t.rgb[bg], r);
	}

	/* The header badges: text over the badge colour mixed 28 % into
	 * the header (render.c's badge_draw), rounded to 8 bits. */
	for (int k = 0; k < 2; k++) {
		enum theme_color bc = k ? THEME_STALE : THEME_REPLAY;
		uint32_t h = t.rgb[THEME_HEADER], b = t.rgb[bc], mix = 0;
		double r;

		for (int sh = 0; sh <= 16; sh += 8) {
			double ch = (h >> sh) & 0xff, cb = (b >> sh) & 0xff;

			mix |= (uint32_t)lround(ch + (cb - ch) * 0.28) << sh;
		}
		r = contrast(t.rgb[THEME_TEXT], mix);
		CHECK_AT(r >= 4.5, "%s: text on the %s badge #%06X is %.4f:1, "
			 "under 4.5:1", path, theme_color_key(bc),
			 (unsigned)mix, r);
	}

	/* the gauge tells the bands apart by colour alone */
	for (int a = THEME_STABLE; a <= THEME_VERY_TIGHT; a++)
		for (int b = a + 1; b <= THEME_VERY_TIGHT; b++)
			CHECK_AT(t.rgb[a] != t.rgb[b], "%s: %s and %s are the "
				 "same colour", path, theme_color_key(a),
				 theme_color_key(b));
	CHECK(t.scale >= 0.5 && t.scale <= 3);
	return 0;
}

static void test_shipped_themes(void)
{
	char *dir = g_build_filename(top(), "themes", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int n = 0;
	bool dark = false, light = false, hc = false;

	CHECK_AT(d != NULL, "cannot open %s", dir);
	while (d && (name = g_dir_read_name(d))) {
		char *path;

		if (!g_str_has_suffix(name, ".theme"))
			continue;
		path = g_build_filename(dir, name, NULL);
		if (check_theme_file(path) == 0)
			n++;
		dark |= strcmp(name, "dark.theme") == 0;
		light |= strcmp(name, "light.theme") == 0;
		hc |= strcmp(name, "high-contrast.theme") == 0;
		g_free(path);
	}
	CHECK_AT(n >= 3, "only %d themes load", n);
	CHECK(dark && light && hc);
	if (d)
		g_dir_close(d);
	g_free(dir);

	/* the compiled-in pairs cover text on every surface */
	CHECK(theme_npairs >= 16);
}

/* themes/dark.theme and the compiled-in fallback are one theme. */
static void test_builtin_is_dark_file(void)
{
	char *path = g_build_filename(top(), "themes", "dark.theme", NULL);
	const struct theme *b = theme_builtin();
	struct theme t;
	char err[512] = "";

	CHECK_AT(theme_load(path, &t, err, sizeof(err)) == 0, "%s", err);
	CHECK_STR(t.name, b->name);
	CHECK_STR(t.family, b->family);
	CHECK_DBL(t.scale, b->scale, 0);
	for (int i = 0; i < THEME_COLOR_COUNT; i++)
		CHECK_AT(t.rgb[i] == b->rgb[i], "%s: file #%06X, built in "
			 "#%06X", theme_color_key(i), (unsigned)t.rgb[i],
			 (unsigned)b->rgb[i]);

	/* the default theme draws the bands documented in render.h */
	CHECK_INT(b->rgb[THEME_STABLE], RENDER_RGB_STABLE);
	CHECK_INT(b->rgb[THEME_SLIGHTLY_TIGHT], RENDER_RGB_SLIGHTLY_TIGHT);
	CHECK_INT(b->rgb[THEME_TIGHT], RENDER_RGB_TIGHT);
	CHECK_INT(b->rgb[THEME_VERY_TIGHT], RENDER_RGB_VERY_TIGHT);
	g_free(path);
}

/* --- loader errors -------------------------------------------------- */

/* dark.theme's text with the line starting with `drop` left out and
 * `add` (may be NULL) appended. */
static char *dark_text_with(const char *drop, const char *add)
{
	char *path = g_build_filename(top(), "themes", "dark.theme", NULL);
	gchar *text = NULL;
	GString *out = g_string_new(NULL);

	CHECK(g_file_get_contents(path, &text, NULL, NULL));
	if (text) {
		gchar **lines = g_strsplit(text, "\n", -1);

		for (int i = 0; lines[i]; i++) {
			if (drop && g_str_has_prefix(lines[i], drop))
				continue;
			g_string_append_printf(out, "%s\n", lines[i]);
		}
		g_strfreev(lines);
	}
	if (add)
		g_string_append(out, add);
	g_free(text);
	g_free(path);
	return g_string_free(out, FALSE);
}

/* dark.theme's text with old replaced by new. */
static char *dark_replaced(const char *old, const char *new)
{
	char *text = dark_text_with(NULL, NULL);
	GString *g = g_string_new(text);

	CHECK_AT(g_string_replace(g, old, new, 1) == 1, "no '%s'", old);
	g_free(text);
	return g_string_free(g, FALSE);
}

static void expect_error(const char *text, const char *want)
{
	struct theme t;
	char err[512] = "";
	int rc = theme_parse(text, strlen(text), "t.theme", &t, err,
			     sizeof(err));

	CHECK_AT(rc == -1, "accepted, wanted \"%s\"", want);
	CHECK_STR(err, want);
}

static void test_errors(void)
{
	char *s;

	/* an unknown colour, with its line: 1 [theme], 2 name, 3 blank,
	 * 4 [colors], 5 bogus */
	expect_error("[theme]\nname=x\n\n[colors]\nbogus = #FFFFFF\n",
		     "t.theme:5: unknown colour 'bogus'");
	expect_error("[colors]\nbackground=#000000\n[fonts]\nsize=3\n",
		     "t.theme:4: unknown key 'size'");
	expect_error("[theme]\nname=x\n[colours]\n",
		     "t.theme: unknown group '[colours]'");

	s = dark_text_with("panel=", NULL);
	expect_error(s, "t.theme: missing key '[colors] panel'");
	g_free(s);
	s = dark_text_with("family=", NULL);
	expect_error(s, "t.theme: missing key '[fonts] family'");
	g_free(s);

	/* dark.theme's text= is on line 13: 3 comment lines, a blank,
	 * [theme], name, a blank, [colors], then background, header, panel,
	 * panel-edge */
	s = dark_replaced("text=#F1F5F9", "text=#FFF");
	expect_error(s, "t.theme:13: colour 'text' is '#FFF', not #RRGGBB");
	g_free(s);
	s = dark_replaced("text=#F1F5F9", "text=white");
	expect_error(s, "t.theme:13: colour 'text' is 'white', not #RRGGBB");
	g_free(s);

	/* band-tight, line 28 (13 + 15 colours on), made the same as
	 * band-slightly-tight */
	s = dark_replaced("band-tight=#F2802A", "band-tight=#F2C94C");
	expect_error(s, "t.theme:28: colour 'band-tight' is the same as "
		     "'band-slightly-tight'");
	g_free(s);

	s = dark_text_with("scale=", "scale=0.1\n");
	{
		struct theme t;
		char err[512] = "";

		CHECK_INT(theme_parse(s, strlen(s), "t.theme", &t, err,
				      sizeof(err)), -1);
		CHECK_AT(strstr(err, "scale '0.1' is not a number from 0.5 "
				"to 3") != NULL, "%s", err);
	}
	g_free(s);

	/* A key given twice would leave one of its values unused: in one
	 * group (lines 4 and 5), and in a group opened again (2, 6) */
	expect_error("[theme]\nname=x\n[colors]\nbackground=#000000\n"
		     "background=#FFFFFF\n",
		     "t.theme:5: 'background' is given twice (first on line "
		     "4)");
	expect_error("[colors]\nbackground=#000000\n[theme]\nname=x\n"
		     "[colors]\nbackground=#FFFFFF\n",
		     "t.theme:6: 'background' is given twice (first on line "
		     "2)");

	/* A family that is not UTF-8 is there, only unreadable */
	s = dark_replaced("family=Noto Sans CJK JP", "family=\xff");
	{
		struct theme t;
		char err[512] = "";

		CHECK_INT(theme_parse(s, strlen(s), "t.theme", &t, err,
				      sizeof(err)), -1);
		CHECK_AT(strstr(err, "UTF-8") && !strstr(err, "missing"),
			 "%s", err);
	}
	g_free(s);

	/* GLib words a syntax error itself; the file name comes first */
	{
		struct theme t;
		char err[512] = "";

		CHECK_INT(theme_parse("not a key file", 14, "t.theme", &t,
				      err, sizeof(err)), -1);
		CHECK_AT(g_str_has_prefix(err, "t.theme: "), "%s", err);
	}
}

/* NAME against $AKARI_THEMES_DIR, then the source tree; a path as is. */
static void test_find(void)
{
	char *dir = g_dir_make_tmp("akari-themes-XXXXXX", NULL);
	char *mine = g_build_filename(dir, "mine.theme", NULL);
	char *dark = dark_text_with("name=", NULL);
	char path[4096], err[512];
	struct theme t;
	GString *g = g_string_new(dark);

	g_string_replace(g, "[theme]", "[theme]\nname=mine", 1);
	CHECK(g_file_set_contents(mine, g->str, -1, NULL));
	setenv("AKARI_THEMES_DIR", dir, 1);

	CHECK_INT(theme_open("mine", &t, err, sizeof(err)), 0);
	CHECK_STR(t.name, "mine");
	CHECK_INT(theme_open("light", &t, err, sizeof(err)), 0);
	CHECK_STR(t.name, "light");
	CHECK_INT(theme_find(mine, path, sizeof(path), err, sizeof(err)), 0);
	CHECK_STR(path, mine);
	CHECK_INT(theme_find("nosuch", path, sizeof(path), err, sizeof(err)),
		  -1);
	CHECK_STR(err, "no theme 'nosuch' in $AKARI_THEMES_DIR or the source "
		  "tree's themes/");
	CHECK_INT(theme_open("/nonexistent/x.theme", &t, err, sizeof(err)),
		  -1);
	CHECK(g_str_has_prefix(err, "/nonexistent/x.theme: "));

	unsetenv("AKARI_THEMES_DIR");
	g_remove(mine);
	g_rmdir(dir);
	g_string_free(g, TRUE);
	g_free(dark);
	g_free(mine);
	g_free(dir);
}

/* --- a slide in each theme ------------------------------------------ */

static json_t *load(const char *name)
{
	char *path = g_build_filename(top(), "tests", "data", "render", name,
				      NULL);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	CHECK_AT(j != NULL, "cannot load %s: %s", path, err.text);
	g_free(path);
	return j;
}

static uint32_t px_at(cairo_surface_t *s, int x, int y)
{
	size_t stride = (size_t)cairo_image_surface_get_stride(s);
	const unsigned char *row = cairo_image_surface_get_data(s) +
				   (size_t)y * stride;

	return ((const uint32_t *)row)[x] & 0xffffff;
}

/* The slide's bottom corners, below the body's margin, are background. */
static void render_in(const struct theme *t, const struct render_data *d)
{
	const int w = 1920, h = 1080;
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
							w, h);
	cairo_t *cr = cairo_create(s);
	uint32_t bg = t ? t->rgb[THEME_BG] : theme_builtin()->rgb[THEME_BG];

	render_set_theme(t);
	CHECK_INT(render_slide(cr, w, h, RENDER_GRID, d), 0);
	cairo_surface_flush(s);
	CHECK_AT(px_at(s, 2, h - 3) == bg, "%s: #%06X, want #%06X",
		 t ? t->name : "default", (unsigned)px_at(s, 2, h - 3),
		 (unsigned)bg);
	CHECK_AT(px_at(s, w - 3, h - 3) == bg, "%s: #%06X, want #%06X",
		 t ? t->name : "default", (unsigned)px_at(s, w - 3, h - 3),
		 (unsigned)bg);
	render_set_theme(NULL);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

static void test_render_each(void)
{
	static const char *const names[] = { "dark", "light",
					     "high-contrast" };
	struct render_data d = { 0 };
	uint32_t seen[3] = { 0 };

	d.grid = load("tepco_1100.json");
	d.now = 1656288000 + 2 * 3600;
	for (int i = 0; i < 3; i++) {
		struct theme t;
		char err[512] = "";

		CHECK_AT(theme_open(names[i], &t, err, sizeof(err)) == 0,
			 "%s", err);
		render_in(&t, &d);
		seen[i] = t.rgb[THEME_BG];
	}

	/* the check tells themes apart, and NULL is back to dark */
	CHECK(seen[0] != seen[1] && seen[1] != seen[2]);
	render_in(NULL, &d);
	json_decref(d.grid);
}

/* The kiosk's fontconfig configuration: $AKARI_THEMES_DIR's fonts.conf,
 * else the source tree's, put in $FONTCONFIG_FILE; one already there
 * is kept, and with no file anywhere nothing is set. */
static void test_fonts_config(void)
{
	char *dir = g_dir_make_tmp("akari-fonts-XXXXXX", NULL);
	char *mine = g_build_filename(dir, THEME_FONTS_CONF, NULL);
	char *src = g_build_filename(getenv("AKARI_SOURCE_DIR"), "themes",
				     THEME_FONTS_CONF, NULL);
	char cwd[4096], *base;
	const char *got;

	unsetenv("FONTCONFIG_FILE");
	unsetenv("AKARI_THEMES_DIR");
	got = theme_use_fonts_config();
	CHECK_STR(got ? got : "", src);
	CHECK_STR(getenv("FONTCONFIG_FILE") ? getenv("FONTCONFIG_FILE") : "",
		  src);

	/* Set already (by the line above, or by whoever started us). */
	CHECK(theme_use_fonts_config() == NULL);
	CHECK_STR(getenv("FONTCONFIG_FILE"), src);

	unsetenv("FONTCONFIG_FILE");
	CHECK(g_file_set_contents(mine, "<fontconfig/>\n", -1, NULL));
	setenv("AKARI_THEMES_DIR", dir, 1);
	got = theme_use_fonts_config();
	CHECK_STR(got ? got : "", mine);
	CHECK_STR(getenv("FONTCONFIG_FILE"), mine);

	/* An empty $FONTCONFIG_FILE names nothing. */
	setenv("FONTCONFIG_FILE", "", 1);
	got = theme_use_fonts_config();
	CHECK_STR(got ? got : "", mine);

	/* A relative $AKARI_THEMES_DIR: the absolute path goes in. */
	unsetenv("FONTCONFIG_FILE");
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK_INT(chdir(g_get_tmp_dir()), 0);
	base = g_path_get_basename(dir);
	setenv("AKARI_THEMES_DIR", base, 1);
	got = theme_use_fonts_config();
	CHECK_STR(got ? got : "", mine);
	CHECK_INT(chdir(cwd), 0);
	g_free(base);

	unsetenv("FONTCONFIG_FILE");
	unsetenv("AKARI_THEMES_DIR");
	g_remove(mine);
	g_rmdir(dir);
	g_free(src);
	g_free(mine);
	g_free(dir);
}

int main(void)
{
	test_wcag_formula();
	test_shipped_themes();
	test_builtin_is_dark_file();
	test_errors();
	test_find();
	test_fonts_config();
	test_render_each();
	return check_finish();
}
