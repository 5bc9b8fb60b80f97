/*
 * kiosk_warm.c - the fonts made ready on a thread (kiosk_warm.h).
 */
#include "kiosk/kiosk_warm.h"

#include <pango/pangocairo.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "kiosk/kiosk_clock.h"
#include "render/render.h"

struct kiosk_warm {
	pthread_t thread;
	PangoFontMap *fonts;	/* the thread's, owned */
	double ms;		/* how long it took */
};

static void *warm_main(void *arg)
{
	struct kiosk_warm *kw = arg;
	double t0 = kiosk_mono_now();

	prctl(PR_SET_NAME, "kiosk-warm", 0, 0, 0);
	/* This thread's default, so that the renderer's contexts use it. */
	pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(kw->fonts));
	render_warm_up();
	pango_cairo_font_map_set_default(NULL);
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
	kw->fonts = pango_cairo_font_map_new();
	if (!kw->fonts) {
		free(kw);
		return NULL;
	}

	/* Signals go to the kiosk's own thread, which handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&kw->thread, NULL, warm_main, kw);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		g_object_unref(kw->fonts);
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
	pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(kw->fonts));
	g_object_unref(kw->fonts);
	ms = kw->ms;
	free(kw);
	return ms;
}
