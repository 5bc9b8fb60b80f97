/*
 * kiosk_warm.h - the first slide drawn ahead, on a thread of its own,
 * while the display opens and the first fetch runs.
 *
 * A kiosk's first frame is its slowest: fontconfig reads its
 * configuration, Pango and Cairo load the faces at every size the slide
 * uses, FreeType draws each glyph once, and the libraries' code runs for
 * the first time.  Drawing the first slide once beforehand, on a
 * throwaway picture of the size the screen will likely have, does all
 * of that off the path to the first frame, which is then drawn warm.
 *
 * Pango's default font map is per thread: the thread draws with a font
 * map of its own, which kiosk_warm_finish() makes the caller's default,
 * faces and glyph caches loaded.  Between the two calls the caller must
 * not draw (the renderer's caches are process-wide and unlocked), nor
 * change what d points to.
 */
#ifndef AKARI_KIOSK_WARM_H
#define AKARI_KIOSK_WARM_H

#include "display/display.h"
#include "render/render.h"

struct kiosk_warm;

/* Starts drawing slide from d on a picture of the size display_guess_size()
 * tells for cfg.  cfg and d, with everything d points to, are borrowed
 * until kiosk_warm_finish().  Returns NULL when the thread cannot start
 * or memory ran out: the first frame is then drawn cold. */
struct kiosk_warm *kiosk_warm_start(const struct display_config *cfg,
				    enum render_slide slide,
				    const struct render_data *d);

/* Waits for the drawing to end, makes its font map the calling thread's
 * default and frees kw.  Accepts NULL.  With frame, *frame gets the
 * ARGB32 image surface drawn on (the caller destroys it), or NULL: its
 * pages are the kernel's already, so it is worth keeping as the first
 * frame's when its size is the display's.  Returns the milliseconds the
 * drawing took, or a negative number when there was none. */
double kiosk_warm_finish(struct kiosk_warm *kw, cairo_surface_t **frame);

#endif
