/*
 * kiosk_warm.c - the first slide drawn ahead on a thread (kiosk_warm.h).
 */
#include "kiosk/kiosk_warm.h"

#include <pango/pangocairo.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "kiosk/kiosk_clock.h"

struct kiosk_warm {
	pthread_t thread;
	const struct display_config *cfg;	/* borrowed */
	enum render_slide slide;
	struct render_data data;	/* borrowed */
	PangoFontMap *fonts;		/* the thread's, owned */
	cairo_surface_t *frame;		/* what it drew on, owned */
	double ms;			/* how long it drew */
};

static void *warm_main(void *arg)
{
	struct kiosk_warm *kw = arg;
	double t0 = kiosk_mono_now();
	cairo_surface_t *s;
	cairo_t *cr;
	int w, h;

	prctl(PR_SET_NAME, "kiosk-warm", 0, 0, 0);
	/* This thread's default, so that the renderer's contexts use it. */
	pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(kw->fonts));
	display_guess_size(kw->cfg, &w, &h);
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cr = cairo_create(s);
	render_slide(cr, w, h, kw->slide, &kw->data);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	kw->frame = s;

	/* The kiosk's first frame is drawn whole, as it always was, rather
	 * than making a static layer of this one's. */
	render_layer_forget();
	pango_cairo_font_map_set_default(NULL);
	kw->ms = (kiosk_mono_now() - t0) * 1e3;
	return NULL;
}

struct kiosk_warm *kiosk_warm_start(const struct display_config *cfg,
				    enum render_slide slide,
				    const struct render_data *d)
{
	struct kiosk_warm *kw;
	sigset_t all, old;
	int rc;

	kw = calloc(1, sizeof *kw);
	if (!kw)
		return NULL;
	kw->cfg = cfg;
	kw->slide = slide;
	kw->data = *d;
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

double kiosk_warm_finish(struct kiosk_warm *kw, cairo_surface_t **frame)
{
	double ms;

	if (frame)
		*frame = NULL;
	if (!kw)
		return -1;
	pthread_join(kw->thread, NULL);
	if (frame && cairo_surface_status(kw->frame) == CAIRO_STATUS_SUCCESS)
		*frame = cairo_surface_reference(kw->frame);
	cairo_surface_destroy(kw->frame);
	pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(kw->fonts));
	g_object_unref(kw->fonts);
	ms = kw->ms;
	free(kw);
	return ms;
}
