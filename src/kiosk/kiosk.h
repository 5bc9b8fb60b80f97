/*
 * kiosk.h - the signage player: fetches slide data, draws the slides in
 * turn with a cross-fade, and shows them until told to stop.
 *
 * The loop redraws only when something on screen changes (a fade frame,
 * the next second of the clock, new data, a resized window) and sleeps
 * otherwise.  When the server is unreachable it keeps playing from the
 * fetcher's on-disk cache with the slides marked stale; it picks up
 * fresh data by itself when the server answers again.
 *
 * Out of memory: the kiosk logs the failure and stops with an error
 * status (a supervisor such as systemd restarts it).
 */
#ifndef AKARI_KIOSK_H
#define AKARI_KIOSK_H

#include <stdbool.h>
#include <stdint.h>

#include "display/display.h"
#include "fetch/fetch.h"
#include "kiosk/kiosk_ops.h"
#include "render/render.h"
#include "render/render_look.h"

#define KIOSK_SLIDE_MIN 0.01
#define KIOSK_FADE_FPS_MAX 120

struct kiosk_options {
	struct fetch_config fetch;	/* server and site names */
	const char *cache_dir;		/* NULL: no cache on disk */
	struct display_config display;
	const char *fonts_conf;		/* the fontconfig file akari chose
					 * (theme_use_fonts_config()), for
					 * the log; NULL: not akari's */

	bool replay;			/* [replay_from, replay_to) */
	int64_t replay_from;
	int64_t replay_to;
	double speed;			/* replay: times real time */

	double slide_seconds;		/* real seconds per slide, at
					 * least KIOSK_SLIDE_MIN */
	double fade_seconds;		/* cross-fade between slides */
	double fade_fps;		/* its frames a second, above 0 and
					 * at most KIOSK_FADE_FPS_MAX */
	double fetch_seconds;		/* real seconds between fetches */
	double refresh_seconds;		/* newer data waits for the next
					 * slide at most this long; 0: it
					 * is drawn at once */
	double retry_max;		/* longest wait between retries */

	/* Which slides play, in order; nslides 0 plays every slide that
	 * has something to show (the message, image and QR slides only
	 * with their params). */
	enum render_slide slides[RENDER_SLIDE_COUNT];
	int nslides;
	struct render_params params;	/* strings borrowed */

	struct kiosk_ops_config ops;	/* screen care, screenshots */

	struct render_look look;	/* zones, languages, text size */

	long frames;			/* stop after N frames; 0: never */
	double duration;		/* stop after S seconds; 0: never */
};

/* Fills o with the defaults: 10 s slides, 0.8 s fade at 20 frames a
 * second, a fetch every 5 s, new data on the next slide or within
 * 60 s, retries backing off to 60 s, real clock, a
 * 1920x1080 window. */
void kiosk_options_init(struct kiosk_options *o);

/* Plays until the window closes, Esc or q, SIGINT or SIGTERM, or the
 * frames or duration limit.  Strings in o are borrowed for the call.
 * Logs what it does.  Returns 0 after a clean stop, -1 when it could not
 * start or a frame could not be shown, KIOSK_RESTART when the window
 * lost its screen: the caller should start the process again with
 * DISPLAY_LOST_ENV set (display.h). */
#define KIOSK_RESTART 1
int kiosk_run(const struct kiosk_options *o);

#endif
