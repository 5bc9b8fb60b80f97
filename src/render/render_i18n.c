/*
 * render_i18n.c - reads the compiled gettext catalogues (.mo) and looks
 * messages up in the language being drawn.
 *
 * A .mo file (GNU gettext manual, "The Format of GNU MO Files") is a
 * header of 32-bit words - magic 0x950412de in the writer's byte order,
 * revision, the number of strings N, the offsets of the table of
 * original strings and of the table of translations - and two tables of
 * N (length, offset) pairs, each string NUL-terminated after its length.
 * The whole file is kept in memory and its strings are used in place.
 */
#include "render/render_i18n.h"

#include <glib.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef AKARI_LOCALEDIR_INSTALL
#define AKARI_LOCALEDIR_INSTALL "/usr/local/share/locale"
#endif

#define MO_MAGIC 0x950412deU
#define MO_MAGIC_SWAPPED 0xde120495U
/* A catalogue is a few kilobytes; a file far past that is not one. */
#define MO_SIZE_MAX (16u << 20)

struct catalogue {
	char *data;		/* the file, owned */
	GHashTable *msgs;	/* msgid -> translation, both into data */
};

static const char *const lang_codes[RENDER_LANG_COUNT] = {
	[RENDER_LANG_JA] = "ja",
	[RENDER_LANG_EN] = "en",
};

static struct catalogue cats[RENDER_LANG_COUNT];
static char *loaded_dir;
static bool init_tried;
static enum render_lang sel_first = RENDER_LANG_JA;
static enum render_lang sel_second = RENDER_LANG_EN;

static uint32_t word_at(const char *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? GUINT32_SWAP_LE_BE(v) : v;
}

/* The i-th string of the table at table_off: NULL when the entry points
 * outside the file or the string is not NUL-terminated there. */
static const char *mo_string(const char *data, size_t size, bool swap,
			     uint32_t table_off, uint32_t i)
{
	uint64_t at = (uint64_t)table_off + (uint64_t)i * 8;
	uint32_t len, off;

	if (at + 8 > size)
		return NULL;
	len = word_at(data + at, swap);
	off = word_at(data + at + 4, swap);
	if ((uint64_t)off + len >= size || data[off + len] != '\0')
		return NULL;
	return data + off;
}

static void catalogue_clear(struct catalogue *cat)
{
	if (cat->msgs)
		g_hash_table_destroy(cat->msgs);
	g_free(cat->data);
	cat->msgs = NULL;
	cat->data = NULL;
}

/* Reads path into cat.  Returns 0, or -1 with err saying why. */
static int catalogue_load(struct catalogue *cat, const char *path,
			  char *err, size_t errlen)
{
	GError *gerr = NULL;
	char *data = NULL;
	gsize size = 0;
	uint32_t magic, n, orig_off, trans_off;
	bool swap;
	int rc = -1;

	if (!g_file_get_contents(path, &data, &size, &gerr)) {
		snprintf(err, errlen, "%s", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	if (size < 20 || size > MO_SIZE_MAX) {
		snprintf(err, errlen, "%s: %zu bytes is no message catalogue",
			 path, (size_t)size);
		goto out;
	}
	memcpy(&magic, data, sizeof(magic));
	if (magic != MO_MAGIC && magic != MO_MAGIC_SWAPPED) {
		snprintf(err, errlen, "%s: not a .mo file (magic 0x%08x)",
			 path, magic);
		goto out;
	}
	swap = magic == MO_MAGIC_SWAPPED;

	/* Only the major revision changes the layout read here. */
	if (word_at(data + 4, swap) >> 16 != 0) {
		snprintf(err, errlen, "%s: unknown .mo revision 0x%08x", path,
			 word_at(data + 4, swap));
		goto out;
	}
	n = word_at(data + 8, swap);
	orig_off = word_at(data + 12, swap);
	trans_off = word_at(data + 16, swap);

	cat->msgs = g_hash_table_new(g_str_hash, g_str_equal);
	for (uint32_t i = 0; i < n; i++) {
		const char *id = mo_string(data, size, swap, orig_off, i);
		const char *tr = mo_string(data, size, swap, trans_off, i);

		if (!id || !tr) {
			snprintf(err, errlen, "%s: string %u of %u lies "
				 "outside the file", path, i, n);
			g_hash_table_destroy(cat->msgs);
			cat->msgs = NULL;
			goto out;
		}

		/* The empty msgid is the catalogue's header; an empty
		 * translation is an untranslated (fuzzy) entry. */
		if (*id && *tr)
			g_hash_table_insert(cat->msgs, (char *)id,
					    (char *)tr);
	}
	cat->data = data;
	data = NULL;
	rc = 0;
out:
	g_free(data);
	return rc;
}

static char *mo_path(const char *dir, enum render_lang lang)
{
	return g_strdup_printf("%s/%s/LC_MESSAGES/%s.mo", dir,
			       lang_codes[lang], RENDER_I18N_DOMAIN);
}

/* ../share/locale from the running executable's directory, or NULL. */
static char *exe_locale_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *bin, *dir;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	bin = g_path_get_dirname(exe);
	dir = g_build_filename(bin, "..", "share", "locale", NULL);
	g_free(bin);
	return dir;
}

/* The first candidate directory that holds the Japanese catalogue; the
 * caller frees it.  NULL when none does. */
static char *find_dir(void)
{
	const char *env = getenv("AKARI_LOCALEDIR");
	char *cand[4] = { NULL };
	char *found = NULL;
	int n = 0;

	if (env && *env)
		cand[n++] = g_strdup(env);
	cand[n] = exe_locale_dir();
	if (cand[n])
		n++;
	cand[n++] = g_strdup(AKARI_LOCALEDIR_INSTALL);
#ifdef AKARI_LOCALEDIR_BUILD
	cand[n++] = g_strdup(AKARI_LOCALEDIR_BUILD);
#endif
	for (int i = 0; i < n; i++) {
		char *p = mo_path(cand[i], RENDER_LANG_JA);

		if (!found && g_file_test(p, G_FILE_TEST_IS_REGULAR))
			found = g_strdup(cand[i]);
		g_free(p);
		g_free(cand[i]);
	}
	return found;
}

int render_i18n_init(const char *localedir, char *err, size_t errlen)
{
	char *dir, *path;
	int rc;

	render_i18n_finish();
	init_tried = true;
	dir = localedir ? g_strdup(localedir) : find_dir();
	if (!dir) {
		snprintf(err, errlen, "no %s.mo for ja under $AKARI_LOCALEDIR,"
			 " ../share/locale beside the executable, "
			 AKARI_LOCALEDIR_INSTALL " or the build tree",
			 RENDER_I18N_DOMAIN);
		return -1;
	}

	/* English is the msgids: only Japanese has a catalogue. */
	path = mo_path(dir, RENDER_LANG_JA);
	rc = catalogue_load(&cats[RENDER_LANG_JA], path, err, errlen);
	g_free(path);
	if (rc) {
		g_free(dir);
		return -1;
	}
	loaded_dir = dir;
	return 0;
}

void render_i18n_finish(void)
{
	for (int i = 0; i < RENDER_LANG_COUNT; i++)
		catalogue_clear(&cats[i]);
	g_free(loaded_dir);
	loaded_dir = NULL;
	init_tried = false;
}

const char *render_i18n_dir(void)
{
	return loaded_dir;
}

int render_lang_parse(const char *s, enum render_lang *out)
{
	for (int i = 0; s && i < RENDER_LANG_COUNT; i++) {
		if (strcmp(s, lang_codes[i]) == 0) {
			*out = (enum render_lang)i;
			return 0;
		}
	}
	return -1;
}

const char *render_lang_code(enum render_lang lang)
{
	if ((int)lang < 0 || lang >= RENDER_LANG_COUNT)
		return NULL;
	return lang_codes[lang];
}

int render_langs_parse(const char *s, enum render_lang out[2])
{
	const char *plus = s ? strchr(s, '+') : NULL;
	enum render_lang a, b = RENDER_LANG_NONE;
	char first[8];

	if (!s || (plus && (size_t)(plus - s) >= sizeof(first)))
		return -1;
	if (plus) {
		memcpy(first, s, (size_t)(plus - s));
		first[plus - s] = '\0';
		if (render_lang_parse(first, &a) ||
		    render_lang_parse(plus + 1, &b) || a == b)
			return -1;
	} else if (render_lang_parse(s, &a)) {
		return -1;
	}
	out[0] = a;
	out[1] = b;
	return 0;
}

int render_bilingual_parse(const char *s, enum render_bilingual *out)
{
	if (s && strcmp(s, "stack") == 0)
		*out = RENDER_BILINGUAL_STACK;
	else if (s && strcmp(s, "alternate") == 0)
		*out = RENDER_BILINGUAL_ALTERNATE;
	else
		return -1;
	return 0;
}

void render_i18n_select(enum render_lang first, enum render_lang second)
{
	if (!render_lang_code(first))
		first = RENDER_LANG_EN;
	if (!render_lang_code(second) || second == first)
		second = RENDER_LANG_NONE;
	sel_first = first;
	sel_second = second;
}

enum render_lang render_i18n_first(void)
{
	return sel_first;
}

enum render_lang render_i18n_second(void)
{
	return sel_second;
}

const char *render_i18n_text(enum render_lang lang, const char *msgid)
{
	const char *tr;

	if (!msgid)
		return "";
	if (!init_tried) {
		char err[512];

		render_i18n_init(NULL, err, sizeof(err));
	}
	if (!render_lang_code(lang) || !cats[lang].msgs)
		return msgid;
	tr = g_hash_table_lookup(cats[lang].msgs, msgid);
	return tr ? tr : msgid;
}

const char *render_gettext(const char *msgid)
{
	return render_i18n_text(sel_first, msgid);
}

bool render_i18n_has(enum render_lang lang, const char *msgid)
{
	return msgid && render_lang_code(lang) && cats[lang].msgs &&
	       g_hash_table_contains(cats[lang].msgs, msgid);
}
