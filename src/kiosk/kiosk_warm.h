/*
 * kiosk_warm.h - the fonts made ready on a thread of their own while
 * the first fetch runs.
 *
 * A kiosk's first frame is its slowest: fontconfig reads its
 * configuration and sorts its fonts, Pango and Cairo load the Noto CJK
 * faces, FreeType draws glyphs for the first time, and the text code of
 * the libraries runs for the first time.  render_warm_up() does most of
 * that; run on a thread, it overlaps the window's opening and the first
 * fetch instead of following them.  SDL's X11 start-up sets the locale
 * meanwhile: the thread reads fontconfig's configuration in a locale of
 * its own, and Pango's default language is read before it starts.
 *
 * Pango's default font map is per thread: the thread warms a font map
 * of its own, which kiosk_warm_finish() makes the caller's default,
 * faces and caches loaded.  Between the two calls the caller must not
 * draw: the renderer's caches are process-wide and unlocked.
 */
#ifndef AKARI_KIOSK_WARM_H
#define AKARI_KIOSK_WARM_H

struct kiosk_warm;

/* Starts the thread.  Returns NULL when it cannot start or memory ran
 * out: the fonts then load with the first frame. */
struct kiosk_warm *kiosk_warm_start(void);

/* Waits for the thread to end, makes its font map the calling thread's
 * default and frees kw.  Accepts NULL.  Returns the milliseconds the
 * thread took, or a negative number when there was none. */
double kiosk_warm_finish(struct kiosk_warm *kw);

#endif
