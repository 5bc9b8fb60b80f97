/*
 * kiosk_warm.c - the fonts made ready and the first slide drawn once,
 * on a thread (kiosk_warm.h).
 */
#include "kiosk/kiosk_warm.h"

#include <fontconfig/fontconfig.h>
#include <locale.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "kiosk/kiosk_clock.h"
#include "render/render.h"

struct kiosk_warm {
	pthread_t thread;
	locale_t loc;		/* the thread's own, "C" */
	PangoLanguage *lang;	/* Pango's default, read before the thread
				 * starts (kept: the call is "const" to the
				 * compiler, which drops it if unused) */
	PangoFontMap *fonts;	/* made by the thread, owned; NULL when it
				 * could not */
	bool has_job;
	struct kiosk_warm_job job;
	cairo_surface_t *frame;	/* the job's slide, once drawn */

	/* The size to draw at, from kiosk_warm_size(). */
	pthread_mutex_t lock;
	pthread_cond_t sized;
	bool size_known;	/* under lock */
	int w, h;		/* under lock; <= 0: do not draw */

	double ms;		/* how long it took */
};

/* The size given, waited for; false: none to draw at. */
static bool wait_size(struct kiosk_warm *kw, int *w, int *h)
{
	pthread_mutex_lock(&kw->lock);
	while (!kw->size_known)
		pthread_cond_wait(&kw->sized, &kw->lock);
	*w = kw->w;
	*h = kw->h;
	pthread_mutex_unlock(&kw->lock);
	return *w > 0 && *h > 0;
}

/* Whether the display already said its size and it is not *w x *h: a
 * frame of the expected size would be drawn for nothing, and *w x *h
 * become the display's.  No size said (kiosk_warm_finish()'s, or no
 * window yet) changes nothing. */
static bool resized(struct kiosk_warm *kw, int *w, int *h)
{
	bool other;

	pthread_mutex_lock(&kw->lock);
	other = kw->size_known && kw->w > 0 && kw->h > 0 &&
		(kw->w != *w || kw->h != *h);
	if (other) {
		*w = kw->w;
		*h = kw->h;
	}
	pthread_mutex_unlock(&kw->lock);
	return other;
}

/* The job's slide drawn into kw->frame.  False when there was nothing
 * to draw or no frame to draw on; a frame whose drawing failed is not
 * kept, but what the libraries cached on the way is. */
static bool draw_job(struct kiosk_warm *kw)
{
	cairo_surface_t *s;
	cairo_t *cr;
	int w = kw->job.w, h = kw->job.h, rc;

	if (!kw->has_job)
		return false;
	if (kw->job.await && !kw->job.await(kw->job.arg, &kw->job.data))
		return false;
	if ((w <= 0 || h <= 0) && !wait_size(kw, &w, &h))
		return false;
	s = kw->job.frame;
	kw->job.frame = NULL;
	if (resized(kw, &w, &h)) {
		cairo_surface_destroy(s);
		s = NULL;
	}
	if (!s)
		s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return false;
	}
	cr = cairo_create(s);
	rc = render_slide(cr, w, h, kw->job.slide, &kw->job.data);
	if (rc == 0 && cairo_status(cr) == CAIRO_STATUS_SUCCESS)
		kw->frame = s;
	else
		cairo_surface_destroy(s);
	cairo_destroy(cr);
	return true;
}

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
		if (!draw_job(kw))
			render_warm_up();
		pango_cairo_font_map_set_default(NULL);
	}
	uselocale(LC_GLOBAL_LOCALE);
	kw->ms = (kiosk_mono_now() - t0) * 1e3;
	return NULL;
}

struct kiosk_warm *kiosk_warm_start(const struct kiosk_warm_job *job)
{
	struct kiosk_warm *kw;
	sigset_t all, old;
	int rc;

	kw = calloc(1, sizeof *kw);
	if (kw)
		kw->loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!kw || !kw->loc) {
		if (job)
			cairo_surface_destroy(job->frame);
		free(kw);
		return NULL;
	}
	if (job) {
		kw->has_job = true;
		kw->job = *job;
	}
	pthread_mutex_init(&kw->lock, NULL);
	pthread_cond_init(&kw->sized, NULL);
	/* Pango reads the locale's name once, here, not on the thread
	 * while SDL may be changing it. */
	kw->lang = pango_language_get_default();

	/* Signals go to the kiosk's own thread, which handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&kw->thread, NULL, warm_main, kw);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		cairo_surface_destroy(kw->job.frame);
		pthread_cond_destroy(&kw->sized);
		pthread_mutex_destroy(&kw->lock);
		freelocale(kw->loc);
		free(kw);
		return NULL;
	}
	return kw;
}

void kiosk_warm_size(struct kiosk_warm *kw, int w, int h)
{
	if (!kw)
		return;
	pthread_mutex_lock(&kw->lock);
	if (!kw->size_known) {
		kw->size_known = true;
		kw->w = w;
		kw->h = h;
		pthread_cond_signal(&kw->sized);
	}
	pthread_mutex_unlock(&kw->lock);
}

double kiosk_warm_finish(struct kiosk_warm *kw, cairo_surface_t **frame)
{
	double ms;

	if (frame)
		*frame = NULL;
	if (!kw)
		return -1;
	kiosk_warm_size(kw, 0, 0);
	pthread_join(kw->thread, NULL);
	if (kw->fonts) {
		pango_cairo_font_map_set_default(
		    PANGO_CAIRO_FONT_MAP(kw->fonts));
		g_object_unref(kw->fonts);
	}
	if (frame)
		*frame = kw->frame;
	else
		cairo_surface_destroy(kw->frame);
	cairo_surface_destroy(kw->job.frame);
	pthread_cond_destroy(&kw->sized);
	pthread_mutex_destroy(&kw->lock);
	freelocale(kw->loc);
	ms = kw->ms;
	free(kw);
	return ms;
}
