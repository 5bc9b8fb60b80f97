/*
 * theme.c - reading and checking theme files.
 */
#include <stdbool.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "themes/theme.h"

static const char *const color_keys[THEME_COLOR_COUNT] = {
	[THEME_BG] = "background",
	[THEME_HEADER] = "header",
	[THEME_PANEL] = "panel",
	[THEME_PANEL_EDGE] = "panel-edge",
	[THEME_TEXT] = "text",
	[THEME_TEXT_2] = "text-2",
	[THEME_GRIDLINE] = "gridline",
	[THEME_INK_DARK] = "ink-on-badge",
	[THEME_DEMAND] = "demand",
	[THEME_SUPPLY] = "supply",
	[THEME_SOLAR] = "solar",
	[THEME_TODAY] = "today",
	[THEME_YESTERDAY] = "yesterday",
	[THEME_AIR] = "air",
	[THEME_REPLAY] = "replay",
	[THEME_STALE] = "stale",
	[THEME_NODATA] = "nodata",
	[THEME_STABLE] = "band-stable",
	[THEME_SLIGHTLY_TIGHT] = "band-slightly-tight",
	[THEME_TIGHT] = "band-tight",
	[THEME_VERY_TIGHT] = "band-very-tight",
};

/* Every text the renderer draws, by colour, over what it is drawn on:
 * labels and values on the background, header and panels, series
 * colours as tile values and as a chart's last-value label (on a plate
 * of panel colour), the no-data mark on a panel, badge ink on the band
 * colours of the gauge and the indoor-air pills.  The header badges'
 * text sits on a tint of the header, which test_themes works out. */
const struct theme_pair theme_pairs[] = {
	{ THEME_TEXT, THEME_BG },
	{ THEME_TEXT, THEME_HEADER },
	{ THEME_TEXT, THEME_PANEL },
	{ THEME_TEXT_2, THEME_BG },
	{ THEME_TEXT_2, THEME_HEADER },
	{ THEME_TEXT_2, THEME_PANEL },
	{ THEME_NODATA, THEME_PANEL },
	{ THEME_DEMAND, THEME_PANEL },
	{ THEME_SUPPLY, THEME_PANEL },
	{ THEME_SOLAR, THEME_PANEL },
	{ THEME_TODAY, THEME_PANEL },
	{ THEME_AIR, THEME_PANEL },
	{ THEME_INK_DARK, THEME_STABLE },
	{ THEME_INK_DARK, THEME_SLIGHTLY_TIGHT },
	{ THEME_INK_DARK, THEME_TIGHT },
	{ THEME_INK_DARK, THEME_VERY_TIGHT },
};

const int theme_npairs = sizeof(theme_pairs) / sizeof(theme_pairs[0]);

/* Must stay equal to themes/dark.theme; test_themes compares them. */
static const struct theme dark = {
	.name = "dark",
	.rgb = {
		[THEME_BG] = 0x0B1019,
		[THEME_HEADER] = 0x111926,
		[THEME_PANEL] = 0x162130,
		[THEME_PANEL_EDGE] = 0x24334A,
		[THEME_TEXT] = 0xF1F5F9,
		[THEME_TEXT_2] = 0x94A3B8,
		[THEME_GRIDLINE] = 0x2A3A52,
		[THEME_INK_DARK] = 0x0A0F18,
		[THEME_DEMAND] = 0x38BDF8,
		[THEME_SUPPLY] = 0xE2E8F0,
		[THEME_SOLAR] = 0xFBBF24,
		[THEME_TODAY] = 0x2DD4BF,
		[THEME_YESTERDAY] = 0x64748B,
		[THEME_AIR] = 0xA78BFA,
		[THEME_REPLAY] = 0x8B5CF6,
		[THEME_STALE] = 0xF59E0B,
		[THEME_NODATA] = 0x7A8CAA,
		[THEME_STABLE] = 0x2EB872,
		[THEME_SLIGHTLY_TIGHT] = 0xF2C94C,
		[THEME_TIGHT] = 0xF2802A,
		[THEME_VERY_TIGHT] = 0xE5383B,
	},
	.family = "Noto Sans CJK JP",
	.scale = 1.0,
};

const char *theme_color_key(enum theme_color c)
{
	if ((int)c < 0 || c >= THEME_COLOR_COUNT)
		return NULL;
	return color_keys[c];
}

const struct theme *theme_builtin(void)
{
	return &dark;
}

/* The 1-based line of the nth (from 1) key in [group] of text, or 0
 * when there are fewer.  GKeyFile does not say where a key was, and an
 * operator editing a theme wants the line. */
static int line_of_nth(const char *text, const char *group,
		       const char *key, int nth)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	bool in_group = false;
	size_t klen = strlen(key);
	int found = 0;

	for (int i = 0; lines[i] && !found; i++) {
		const char *l = lines[i];

		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '[') {
			in_group = strncmp(l + 1, group, strlen(group)) == 0 &&
				   l[1 + strlen(group)] == ']';
			continue;
		}
		if (!in_group || strncmp(l, key, klen) != 0)
			continue;
		l += klen;
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '=' && --nth == 0)
			found = i + 1;
	}
	g_strfreev(lines);
	return found;
}

static int line_of(const char *text, const char *group, const char *key)
{
	return line_of_nth(text, group, key, 1);
}

/* "#RRGGBB" into *out; false for anything else. */
static bool parse_hex(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || s[0] != '#' || strlen(s) != 7)
		return false;
	for (int i = 1; i < 7; i++)
		if (!g_ascii_isxdigit(s[i]))
			return false;
	v = strtoul(s + 1, &end, 16);
	*out = (uint32_t)v;
	return *end == '\0';
}

static int color_of_key(const char *key)
{
	for (int i = 0; i < THEME_COLOR_COUNT; i++)
		if (strcmp(key, color_keys[i]) == 0)
			return i;
	return -1;
}

/* What each group may hold besides [colors]. */
static const struct {
	const char *group, *key;
} other_keys[] = {
	{ "theme", "name" },
	{ "fonts", "family" },
	{ "sizes", "scale" },
};

static bool other_key_ok(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(other_keys); i++)
		if (strcmp(group, other_keys[i].group) == 0 &&
		    strcmp(key, other_keys[i].key) == 0)
			return true;
	return false;
}

static bool group_ok(const char *group)
{
	if (strcmp(group, "colors") == 0)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(other_keys); i++)
		if (strcmp(group, other_keys[i].group) == 0)
			return true;
	return false;
}

/* Rejects a group or key the format does not have. */
static int check_unknown(GKeyFile *kf, const char *text, const char *file,
			 char *err, size_t err_len)
{
	gchar **groups = g_key_file_get_groups(kf, NULL);
	int rc = 0;

	for (int g = 0; groups[g] && !rc; g++) {
		gchar **keys;

		if (!group_ok(groups[g])) {
			snprintf(err, err_len, "%s: unknown group '[%s]'",
				 file, groups[g]);
			rc = -1;
			break;
		}
		keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
		for (int k = 0; keys && keys[k] && !rc; k++) {
			bool colors = strcmp(groups[g], "colors") == 0;
			int again;

			if (!(colors ? color_of_key(keys[k]) >= 0
				     : other_key_ok(groups[g], keys[k]))) {
				snprintf(err, err_len, "%s:%d: unknown %s '%s'",
					 file,
					 line_of(text, groups[g], keys[k]),
					 colors ? "colour" : "key", keys[k]);
				rc = -1;
				break;
			}
			/* GKeyFile keeps the last value without a word. */
			again = line_of_nth(text, groups[g], keys[k], 2);
			if (again) {
				snprintf(err, err_len, "%s:%d: '%s' is given "
					 "twice (first on line %d)", file,
					 again, keys[k],
					 line_of(text, groups[g], keys[k]));
				rc = -1;
			}
		}
		g_strfreev(keys);
	}
	g_strfreev(groups);
	return rc;
}

/* The value of [group] key, newly allocated, or NULL with err set. */
static gchar *need(GKeyFile *kf, const char *file, const char *group,
		   const char *key, char *err, size_t err_len)
{
	GError *gerr = NULL;
	gchar *v = g_key_file_get_string(kf, group, key, &gerr);

	/* A value that is not UTF-8 is there, only unreadable. */
	if (!v && g_error_matches(gerr, G_KEY_FILE_ERROR,
				  G_KEY_FILE_ERROR_UNKNOWN_ENCODING))
		snprintf(err, err_len, "%s: %s", file, gerr->message);
	else if (!v)
		snprintf(err, err_len, "%s: missing key '[%s] %s'", file,
			 group, key);
	g_clear_error(&gerr);
	return v;
}

static int read_colors(GKeyFile *kf, const char *text, const char *file,
		       struct theme *out, char *err, size_t err_len)
{
	for (int i = 0; i < THEME_COLOR_COUNT; i++) {
		gchar *v = need(kf, file, "colors", color_keys[i], err,
				err_len);
		bool ok;

		if (!v)
			return -1;
		ok = parse_hex(v, &out->rgb[i]);
		if (!ok)
			snprintf(err, err_len,
				 "%s:%d: colour '%s' is '%s', not #RRGGBB",
				 file, line_of(text, "colors", color_keys[i]),
				 color_keys[i], v);
		g_free(v);
		if (!ok)
			return -1;
	}

	/* The gauge tells the bands apart by colour alone. */
	for (int a = THEME_STABLE; a <= THEME_VERY_TIGHT; a++)
		for (int b = a + 1; b <= THEME_VERY_TIGHT; b++)
			if (out->rgb[a] == out->rgb[b]) {
				snprintf(err, err_len,
					 "%s:%d: colour '%s' is the same as "
					 "'%s'", file,
					 line_of(text, "colors",
						 color_keys[b]),
					 color_keys[b], color_keys[a]);
				return -1;
			}
	return 0;
}

static int read_rest(GKeyFile *kf, const char *text, const char *file,
		     struct theme *out, char *err, size_t err_len)
{
	gchar *name = NULL, *family = NULL, *scale = NULL;
	char *end;
	int rc = -1;

	name = need(kf, file, "theme", "name", err, err_len);
	if (!name)
		goto out;
	family = need(kf, file, "fonts", "family", err, err_len);
	if (!family)
		goto out;
	scale = need(kf, file, "sizes", "scale", err, err_len);
	if (!scale)
		goto out;
	if (!*name || strlen(name) >= sizeof(out->name)) {
		snprintf(err, err_len, "%s:%d: name must be 1 to %zu bytes",
			 file, line_of(text, "theme", "name"),
			 sizeof(out->name) - 1);
		goto out;
	}
	if (!*family || strlen(family) >= sizeof(out->family)) {
		snprintf(err, err_len, "%s:%d: family must be 1 to %zu bytes",
			 file, line_of(text, "fonts", "family"),
			 sizeof(out->family) - 1);
		goto out;
	}
	out->scale = g_ascii_strtod(scale, &end);
	if (end == scale || *end || !(out->scale >= 0.5 &&
				      out->scale <= 3)) {
		snprintf(err, err_len,
			 "%s:%d: scale '%s' is not a number from 0.5 to 3",
			 file, line_of(text, "sizes", "scale"), scale);
		goto out;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->family, sizeof(out->family), "%s", family);
	rc = 0;
out:
	g_free(name);
	g_free(family);
	g_free(scale);
	return rc;
}

int theme_parse(const char *text, size_t len, const char *file,
		struct theme *out, char *err, size_t err_len)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	gchar *copy = g_strndup(text, len);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!g_key_file_load_from_data(kf, copy, strlen(copy),
				       G_KEY_FILE_NONE, &gerr)) {
		snprintf(err, err_len, "%s: %s", file, gerr->message);
		g_error_free(gerr);
		goto out;
	}
	rc = check_unknown(kf, copy, file, err, err_len);
	if (rc)
		goto out;
	rc = read_colors(kf, copy, file, out, err, err_len);
	if (rc)
		goto out;
	rc = read_rest(kf, copy, file, out, err, err_len);
out:
	g_free(copy);
	g_key_file_free(kf);
	return rc;
}

int theme_load(const char *path, struct theme *out, char *err,
	       size_t err_len)
{
	gchar *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	int rc;

	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		snprintf(err, err_len, "%s: %s", path, gerr->message);
		g_error_free(gerr);
		return -1;
	}
	rc = theme_parse(text, len, path, out, err, err_len);
	g_free(text);
	return rc;
}

/* Whether dir/spec.theme exists, with the path in buf. */
static bool try_dir(const char *dir, const char *spec, char *buf,
		    size_t len)
{
	int n;

	if (!dir || !*dir)
		return false;
	n = snprintf(buf, len, "%s/%s.theme", dir, spec);
	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

int theme_find(const char *spec, char *buf, size_t len, char *err,
	       size_t err_len)
{
	int n;

	if (!spec || !*spec) {
		snprintf(err, err_len, "no theme named");
		return -1;
	}
	if (strchr(spec, '/') || g_str_has_suffix(spec, ".theme")) {
		n = snprintf(buf, len, "%s", spec);
		if (n < 0 || (size_t)n >= len) {
			snprintf(err, err_len, "theme path too long");
			return -1;
		}
		return 0;
	}
	if (try_dir(getenv("AKARI_THEMES_DIR"), spec, buf, len) ||
	    try_dir(THEME_SOURCE_DIR, spec, buf, len))
		return 0;
	snprintf(err, err_len,
		 "no theme '%s' in $AKARI_THEMES_DIR or the source tree's "
		 "themes/", spec);
	return -1;
}

int theme_open(const char *spec, struct theme *out, char *err,
	       size_t err_len)
{
	char path[4096];
	int rc;

	rc = theme_find(spec, path, sizeof(path), err, err_len);
	if (rc)
		return rc;
	return theme_load(path, out, err, err_len);
}

/* Whether dir/fonts.conf exists, with the path in buf. */
static bool try_fonts(const char *dir, char *buf, size_t len)
{
	int n;

	if (!dir || !*dir)
		return false;
	n = snprintf(buf, len, "%s/" THEME_FONTS_CONF, dir);
	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

const char *theme_use_fonts_config(void)
{
	static char path[4096];
	const char *set = getenv("FONTCONFIG_FILE");
	char found[4096], *abs;

	if (set && *set)
		return NULL;
	if (!try_fonts(getenv("AKARI_THEMES_DIR"), found, sizeof found) &&
	    !try_fonts(THEME_SOURCE_DIR, found, sizeof found))
		return NULL;
	/* fontconfig takes a relative name as one in its own directory
	 * (/etc/fonts), not the working one. */
	abs = g_canonicalize_filename(found, NULL);
	if (g_strlcpy(path, abs, sizeof path) >= sizeof path) {
		g_free(abs);
		return NULL;
	}
	g_free(abs);
	return setenv("FONTCONFIG_FILE", path, 1) == 0 ? path : NULL;
}
