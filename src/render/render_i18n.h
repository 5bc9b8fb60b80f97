/*
 * render_i18n.h - the languages slides are drawn in: message catalogues
 * and the choice of language for the next layouts.
 *
 * Strings are written in the code in English, marked _("...") where
 * they are looked up at once or N_("...") where only marked (a table, a
 * struct initialiser) and looked up later with render_i18n_text().  The
 * translations are gettext catalogues: po/<lang>.po, compiled by msgfmt
 * at build time into <localedir>/<lang>/LC_MESSAGES/akari.mo.  English
 * is the msgids themselves and has no catalogue.
 *
 * The catalogues are read by this module rather than through gettext(3):
 * gettext picks its language from the process locale and $LANGUAGE,
 * which are process-wide and not safe to change while the fetch thread
 * runs, and a bilingual slide needs both languages in the same frame.
 * The .mo files are the standard ones, so the usual tools work on them.
 *
 * Everything here is process-wide state for the rendering thread: load
 * the catalogues and select the languages before rendering starts or
 * between frames, never while another thread renders.
 */
#ifndef AKARI_RENDER_I18N_H
#define AKARI_RENDER_I18N_H

#include <stdbool.h>
#include <stddef.h>

enum render_lang {
	RENDER_LANG_NONE = -1,
	RENDER_LANG_JA,
	RENDER_LANG_EN,
	RENDER_LANG_COUNT
};

/* How two languages share a screen: both at once, the first large and
 * the second beneath it, or one at a time in turn. */
enum render_bilingual {
	RENDER_BILINGUAL_STACK,
	RENDER_BILINGUAL_ALTERNATE,
};

/* The catalogues' text domain: <localedir>/<lang>/LC_MESSAGES/akari.mo. */
#define RENDER_I18N_DOMAIN "akari"

/* Loads the catalogue of every language that has one (Japanese) from
 * localedir, or with NULL from the first of these that holds one:
 * $AKARI_LOCALEDIR, ../share/locale beside the running executable's
 * directory (an installed tree), the configured install directory, and
 * the build tree's locale directory (so that the build runs and tests
 * without installing).  Replaces catalogues loaded before.  Returns 0,
 * or -1 with err saying which file was missing or malformed; English
 * still works then, and a language without its catalogue is drawn from
 * the msgids (in English).  Call render_i18n_finish() in either case. */
int render_i18n_init(const char *localedir, char *err, size_t errlen);

/* Without a call to render_i18n_init(), the first lookup loads the
 * catalogues from the default places, quietly: a program that wants to
 * report a missing catalogue calls render_i18n_init() itself. */

/* Frees the catalogues; a later lookup loads them again as above. */
void render_i18n_finish(void);

/* The directory the catalogues came from, or NULL when none loaded;
 * valid until the next init or finish. */
const char *render_i18n_dir(void);

/* "ja" and "en" (the codes are also the Pango languages).  parse returns
 * 0, or -1 for another string (*out untouched); code returns NULL for a
 * bad language. */
int render_lang_parse(const char *s, enum render_lang *out);
const char *render_lang_code(enum render_lang lang);

/* "ja", "en", "ja+en" or "en+ja" into the first language and the second
 * (RENDER_LANG_NONE for one language).  Returns 0, or -1 for another
 * string (out untouched). */
int render_langs_parse(const char *s, enum render_lang out[2]);

/* "stack" or "alternate"; as render_lang_parse. */
int render_bilingual_parse(const char *s, enum render_bilingual *out);

/* The languages of the layouts drawn from now on: first large, second
 * (when not RENDER_LANG_NONE and not first) beneath it in a smaller
 * size.  The default is Japanese over English.  A bad first language
 * selects English. */
void render_i18n_select(enum render_lang first, enum render_lang second);
enum render_lang render_i18n_first(void);
enum render_lang render_i18n_second(void);

/* msgid in lang: its translation, or msgid itself when lang is English,
 * has no catalogue or the catalogue no entry.  Borrowed from the
 * catalogue (valid until the next init or finish) or msgid; "" for a
 * NULL msgid. */
const char *render_i18n_text(enum render_lang lang, const char *msgid)
	__attribute__((format_arg(2)));

/* msgid in the first language. */
const char *render_gettext(const char *msgid)
	__attribute__((format_arg(1)));

/* Whether lang's catalogue holds msgid (a test's question). */
bool render_i18n_has(enum render_lang lang, const char *msgid);

#define _(s) render_gettext(s)
#define N_(s) (s)

#endif
