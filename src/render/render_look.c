/*
 * render_look.c - the look's process-wide state, the choice of language
 * for a frame, and text sizes for a viewing distance.
 *
 * The zones themselves are laid out in render.c, next to the header
 * they hold.
 */
#include "render/render_look.h"

#include <glib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM_PER_INCH 25.4

static struct render_look look_cur = {
	.langs = { RENDER_LANG_JA, RENDER_LANG_EN },
	.bilingual = RENDER_BILINGUAL_STACK,
};
static char *ticker_text;	/* render_set_ticker's copy, owned */
static bool ticker_override;
static double ticker_time;

void render_look_init(struct render_look *look)
{
	memset(look, 0, sizeof(*look));
	look->langs[0] = RENDER_LANG_JA;
	look->langs[1] = RENDER_LANG_EN;
	look->bilingual = RENDER_BILINGUAL_STACK;
}

void render_set_look(const struct render_look *look)
{
	if (look)
		look_cur = *look;
	else
		render_look_init(&look_cur);
}

const struct render_look *render_get_look(void)
{
	return &look_cur;
}

void render_set_ticker(const char *text)
{
	g_free(ticker_text);
	ticker_text = text ? g_strdup(text) : NULL;
	ticker_override = text != NULL;
}

void render_set_ticker_time(double seconds)
{
	ticker_time = isfinite(seconds) ? seconds : 0;
}

const char *render_look_ticker(void)
{
	const char *t = ticker_override ? ticker_text
					: render_get_look()->ticker;

	return t && *t ? t : NULL;
}

double render_look_ticker_time(void)
{
	return ticker_time;
}

bool render_look_select(const struct render_look *look, long slide_seq,
			double seconds)
{
	enum render_lang first = look->langs[0], second = look->langs[1];
	enum render_lang was1 = render_i18n_first();
	enum render_lang was2 = render_i18n_second();

	/* Alternating: one language at a time, in turn by the slide or by
	 * the clock. */
	if (look->bilingual == RENDER_BILINGUAL_ALTERNATE &&
	    second != RENDER_LANG_NONE) {
		long turn = look->alternate_seconds > 0
				    ? (long)floor(seconds /
						  look->alternate_seconds)
				    : slide_seq;

		if (turn % 2 != 0)
			first = second;
		second = RENDER_LANG_NONE;
	}
	render_i18n_select(first, second);
	return render_i18n_first() != was1 || render_i18n_second() != was2;
}

double render_look_min_cap_px(int w, int h, double diagonal_in,
			      double distance_m)
{
	double px_per_mm, cap_mm;

	if (w <= 0 || h <= 0 || !(diagonal_in > 0) || !(distance_m > 0) ||
	    !isfinite(diagonal_in) || !isfinite(distance_m))
		return 0;
	px_per_mm = sqrt((double)w * w + (double)h * h) / diagonal_in /
		    MM_PER_INCH;
	cap_mm = 2 * distance_m * 1000 *
		 tan(RENDER_TEXT_ARCMIN / 60 * G_PI / 180 / 2);
	return cap_mm * px_per_mm;
}

double render_look_text_scale(int w, int h, const struct render_look *look,
			      bool *capped)
{
	double cap = look ? render_look_min_cap_px(w, h,
						   look->screen_diagonal_in,
						   look->viewing_distance_m)
			  : 0;
	double u = fmin(w, h) / 1080.0, need;

	if (capped)
		*capped = false;
	if (cap <= 0 || u <= 0)
		return 1;

	/* The smallest text is RENDER_SMALLEST_UNITS units of u pixels. */
	need = cap / RENDER_CAP_EM / (RENDER_SMALLEST_UNITS * u);
	if (need > RENDER_TEXT_SCALE_MAX) {
		if (capped)
			*capped = true;
		return RENDER_TEXT_SCALE_MAX;
	}
	return fmax(need, 1);
}

const char render_look_usage[] =
"  --lang L              ja, en, ja+en (the default) or en+ja: the first\n"
"                        large, the second beneath it or in turn\n"
"  --bilingual MODE      stack (both at once, the default) or alternate\n"
"  --alternate-seconds S alternate every S seconds (default: each slide)\n"
"  --place NAME          the place name in the header (default: the\n"
"                        site and its zone)\n"
"  --ticker TEXT         a ticker line scrolling along the bottom\n"
"  --screen-diagonal IN  the panel's diagonal in inches, and\n"
"  --viewing-distance M  the viewers' distance in metres: text is sized\n"
"                        for them (docs/layout.md), not by pixels alone\n";

/* A finite number in (0, max]. */
static int positive(const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || !(v > 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

int render_look_option(struct render_look *look, const char *name,
		       const char *arg, char *err, size_t errlen)
{
	const char *want = NULL;

	if (strcmp(name, "lang") == 0) {
		if (render_langs_parse(arg, look->langs))
			want = "want ja, en, ja+en or en+ja";
	} else if (strcmp(name, "bilingual") == 0) {
		if (render_bilingual_parse(arg, &look->bilingual))
			want = "want stack or alternate";
	} else if (strcmp(name, "alternate-seconds") == 0) {
		if (positive(arg, 86400, &look->alternate_seconds))
			want = "want seconds > 0, at most 86400";
	} else if (strcmp(name, "place") == 0) {
		look->place = arg;
	} else if (strcmp(name, "ticker") == 0) {
		look->ticker = arg;
	} else if (strcmp(name, "screen-diagonal") == 0) {
		if (positive(arg, 1000, &look->screen_diagonal_in))
			want = "want inches > 0, at most 1000";
	} else if (strcmp(name, "viewing-distance") == 0) {
		if (positive(arg, 1000, &look->viewing_distance_m))
			want = "want metres > 0, at most 1000";
	} else {
		return 1;
	}
	if (want) {
		snprintf(err, errlen, "--%s '%s': %s", name, arg, want);
		return -1;
	}
	return 0;
}
