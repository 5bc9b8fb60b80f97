/*
 * theme.h - the signage's look (colours, font, size) read from a theme
 * file, with the dark theme compiled in as the fallback.
 *
 * A theme file is a GLib key file (see docs/themes.md):
 *   [theme]  name
 *   [colors] one #RRGGBB per key of theme_color_key()
 *   [fonts]  family
 *   [sizes]  scale (0.5 to 3; multiplies every layout size)
 * Every key is required and no other key is allowed, so a misspelt key
 * is an error rather than a silently default colour.
 */
#ifndef AKARI_THEME_H
#define AKARI_THEME_H

#include <stddef.h>
#include <stdint.h>

enum theme_color {
	THEME_BG,		/* slide background */
	THEME_HEADER,		/* header band */
	THEME_PANEL,		/* panel fill */
	THEME_PANEL_EDGE,	/* panel outline */
	THEME_TEXT,		/* primary text */
	THEME_TEXT_2,		/* English lines, captions */
	THEME_GRIDLINE,		/* chart grid */
	THEME_INK_DARK,		/* text on a coloured badge */
	THEME_DEMAND,		/* chart series and tile values */
	THEME_SUPPLY,
	THEME_SOLAR,
	THEME_TODAY,
	THEME_YESTERDAY,
	THEME_AIR,
	THEME_REPLAY,		/* header badges' outline */
	THEME_STALE,
	THEME_NODATA,		/* the no-data mark */
	THEME_STABLE,		/* the four grid-usage bands */
	THEME_SLIGHTLY_TIGHT,
	THEME_TIGHT,
	THEME_VERY_TIGHT,
	THEME_COLOR_COUNT
};

#define THEME_NAME_MAX 64
#define THEME_FAMILY_MAX 128

struct theme {
	char name[THEME_NAME_MAX];
	uint32_t rgb[THEME_COLOR_COUNT];	/* 0xRRGGBB */
	char family[THEME_FAMILY_MAX];		/* Pango font family */
	double scale;
};

/* A text colour drawn on a background colour somewhere in the renderer:
 * each must reach a WCAG contrast ratio of 4.5:1 in every theme. */
struct theme_pair {
	enum theme_color fg, bg;
};

extern const struct theme_pair theme_pairs[];
extern const int theme_npairs;

/* The key of colour c in [colors] ("background", "text-2", ...), or
 * NULL for a bad c. */
const char *theme_color_key(enum theme_color c);

/* The compiled-in dark theme, the same as themes/dark.theme. */
const struct theme *theme_builtin(void);

/* Parses a theme from text (len bytes, need not end in NUL); file names
 * the text in error messages.  Returns 0 and fills *out, or -1 with a
 * message "FILE:LINE: ..." or "FILE: missing key '[g] k'" in err (*out
 * is then undefined). */
int theme_parse(const char *text, size_t len, const char *file,
		struct theme *out, char *err, size_t err_len);

/* theme_parse() on the contents of the file at path. */
int theme_load(const char *path, struct theme *out, char *err,
	       size_t err_len);

/* Where theme spec is: spec itself when it names a file (contains a '/'
 * or ends in ".theme"), else NAME.theme in $AKARI_THEMES_DIR, then in
 * the source tree's themes/ as recorded at build time.  Returns 0 with
 * the path in buf, or -1 when no such file exists (err says why). */
int theme_find(const char *spec, char *buf, size_t len, char *err,
	       size_t err_len);

/* theme_find() then theme_load(). */
int theme_open(const char *spec, struct theme *out, char *err,
	       size_t err_len);

/* akari's fontconfig configuration (themes/fonts.conf): the system's
 * fonts and the box's and user's own settings, without a desktop's
 * rule files (docs/themes.md, "Fonts"). */
#define THEME_FONTS_CONF "fonts.conf"

/* Points $FONTCONFIG_FILE at THEME_FONTS_CONF in $AKARI_THEMES_DIR, else
 * in the source tree's themes/, unless the variable already names a
 * file.  The path is made absolute: fontconfig would look for a
 * relative one in its own directory.  Returns the file now used (a
 * static buffer), or NULL when fontconfig keeps
 * $FONTCONFIG_FILE's or the system's.  It sets the environment: call
 * it before any thread starts and before fontconfig is first used. */
const char *theme_use_fonts_config(void);

#endif
