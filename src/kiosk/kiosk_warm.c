/*
 * kiosk_warm.c - the fonts made ready on a thread (kiosk_warm.h).
 */
#include "kiosk/kiosk_warm.h"

#include <fontconfig/fontconfig.h>
#include <locale.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "kiosk/kiosk_clock.h"
#include "render/render.h"

struct kiosk_warm {
	pthread_t thread;
	locale_t loc;		/* the thread's own, "C" */
	PangoFontMap *fonts;	/* made by the thread, owned; NULL when it
				 * could not */
	double ms;		/* how long it took */
};

static void *warm_main(void *arg)
{
	struct kiosk_warm *kw = arg;
	double t0 = kiosk_mono_now();

	prctl(PR_SET_NAME, "kiosk-warm", 0, 0, 0);
	/* The process's locale is "C" and stays so, but SDL's X11 start-up
	 * sets it to the environment's and back meanwhile: this thread
	 * reads fontconfig's configuration (numbers included) in a locale
	 * of its own that nothing changes.  Done here, fontconfig's set-up
	 * is over before Pango's font map would start it on a thread of
	 * Pango's, which would use the process's. */
	uselocale(kw->loc);
	FcInit();
	kw->fonts = pango_cairo_font_map_new();
	if (kw->fonts) {
		/* This thread's default, so that the renderer's contexts
		 * use it. */
		pango_cairo_font_map_set_default(
		    PANGO_CAIRO_FONT_MAP(kw->fonts));
		render_warm_up();
		pango_cairo_font_map_set_default(NULL);
	}
	uselocale(LC_GLOBAL_LOCALE);
	kw->ms = (kiosk_mono_now() - t0) * 1e3;
	return NULL;
}

struct kiosk_warm *kiosk_warm_start(void)
{
	struct kiosk_warm *kw;
	sigset_t all, old;
	int rc;

	kw = calloc(1, sizeof *kw);
	if (!kw)
		return NULL;
	kw->loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!kw->loc) {
		free(kw);
		return NULL;
	}
	/* Pango reads the locale's name once, here, not on the thread
	 * while SDL may be changing it. */
	(void)pango_language_get_default();

	/* Signals go to the kiosk's own thread, which handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&kw->thread, NULL, warm_main, kw);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		freelocale(kw->loc);
		free(kw);
		return NULL;
	}
	return kw;
}

double kiosk_warm_finish(struct kiosk_warm *kw)
{
	double ms;

	if (!kw)
		return -1;
	pthread_join(kw->thread, NULL);
	if (kw->fonts) {
		pango_cairo_font_map_set_default(
		    PANGO_CAIRO_FONT_MAP(kw->fonts));
		g_object_unref(kw->fonts);
	}
	freelocale(kw->loc);
	ms = kw->ms;
	free(kw);
	return ms;
}
