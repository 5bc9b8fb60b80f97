/*
 * kiosk_warm.h - the fonts made ready and the first slide drawn, on a
 * thread of their own while the window opens.
 *
 * A kiosk's first frame is its slowest: fontconfig reads its
 * configuration and sorts its fonts for every size the slide uses,
 * Pango and Cairo load the Noto CJK faces, FreeType draws each glyph
 * for the first time at each size, and the text code of the libraries
 * runs for the first time.  Drawing the first slide once, on a thread,
 * into a frame nobody sees does all of that for exactly the sizes,
 * faces and glyphs the real first frame needs, while the window opens
 * and its pages are made present; the real draw then finds everything
 * cached.  Without a slide to draw (no job, no data or no size), the
 * thread draws a few lines of text in both weights and languages
 * instead (render_warm_up()).
 *
 * SDL's X11 start-up sets the locale meanwhile: the thread reads
 * fontconfig's configuration in a locale of its own, and Pango's
 * default language is read before it starts.
 *
 * Pango's default font map is per thread: the thread warms a font map
 * of its own, which kiosk_warm_finish() makes the caller's default,
 * faces and caches loaded.  Between kiosk_warm_start() and
 * kiosk_warm_finish() the caller must not draw, and must neither change
 * nor free what the job points to: the renderer's caches are
 * process-wide and unlocked.
 */
#ifndef AKARI_KIOSK_WARM_H
#define AKARI_KIOSK_WARM_H

#include <cairo.h>
#include <stdbool.h>

#include "render/render.h"

struct kiosk_warm;

/* The slide to draw, as the first frame is expected to show it. */
struct kiosk_warm_job {
	enum render_slide slide;
	struct render_data data;	/* borrowed, with what it points to,
					 * until kiosk_warm_finish() */
	/* Data still to come (the first fetch's, without a cache): called
	 * on the thread once the fonts are ready, waits for it and fills
	 * data in; false: none came, and the slide is not drawn.  NULL:
	 * data is complete. */
	bool (*await)(void *arg, struct render_data *data);
	void *arg;
	int w, h;		/* the frame's expected size; 0: wait for
				 * kiosk_warm_size() */
	cairo_surface_t *frame;	/* an ARGB32 image of w x h to draw on,
				 * owned by the thread from
				 * kiosk_warm_start() on (its pages may be
				 * made present meanwhile); NULL: the
				 * thread makes its own */
};

/* Starts the thread; job may be NULL (fonts only) and is copied, its
 * frame taken whatever the outcome.  Returns NULL when it cannot start
 * or memory ran out: the fonts then load with the first frame. */
struct kiosk_warm *kiosk_warm_start(const struct kiosk_warm_job *job);

/* The frame's size, once the display knows it: a thread whose job
 * gave none waits for it, its fonts ready, before drawing, and one
 * whose job's size turns out wrong before it draws draws at this one.
 * w or h <= 0: no size to go by (no window yet); a job without a size
 * is then not drawn, the thread warms the fonts alone, and one with a
 * size is drawn at it.  Accepts NULL; only the first call counts. */
void kiosk_warm_size(struct kiosk_warm *kw, int w, int h);

/* Waits for the thread to end, makes its font map the calling thread's
 * default and frees kw.  A size not given by then counts as none.
 * The job's slide, if the thread drew it, goes to *frame (the caller's
 * to destroy; its size is the job's or kiosk_warm_size()'s), else
 * NULL; frame may be NULL when the caller has no use for it.  Accepts
 * NULL.  Returns the milliseconds the thread took, or a negative
 * number when there was none. */
double kiosk_warm_finish(struct kiosk_warm *kw, cairo_surface_t **frame);

#endif
