/*
 * kiosk_ops.h - what the player does for the people who run it, beside
 * playing: screen hours, night dimming and pixel shift (kiosk_power.h),
 * screenshots on a schedule and on request, and proof of play, sent to
 * the server through an uploader (fetch_upload.h).
 *
 * The kiosk's loop calls kiosk_ops_showing() once a tick,
 * kiosk_ops_frame() for the frame it is about to show and
 * kiosk_ops_presented() once it is shown.  Logs what changes: the
 * screen turning off or on, uploads failing and recovering.
 */
#ifndef AKARI_KIOSK_OPS_H
#define AKARI_KIOSK_OPS_H

#include <cairo.h>
#include <stdbool.h>

#include "display/display.h"
#include "fetch/fetch.h"
#include "kiosk/kiosk_power.h"

struct kiosk_ops_config {
	double screenshot_every;	/* seconds; 0: only on request */
	bool hours_set;			/* screen on only in hours */
	struct kiosk_power_span hours;
	bool dim_set;			/* dim to dim_level in dim_span */
	struct kiosk_power_span dim_span;
	double dim_level;
	bool pixel_shift;		/* walk a 4 px box, 1 px / 10 min */
};

struct kiosk_ops;

/* For the kiosk playing on disp (borrowed, outlives ops) with fetch
 * settings f (server, display id and token; borrowed for the call) and
 * plays queued in queue_dir (NULL: in memory only).  Uploads only when
 * f names a display.  *out owns the result; free it with
 * kiosk_ops_destroy().  Returns 0, or -1 with err set. */
int kiosk_ops_create(const struct kiosk_ops_config *cfg,
		     const struct fetch_config *f, const char *queue_dir,
		     struct display *disp, struct kiosk_ops **out, char *err,
		     size_t errlen);

/* Records the play on screen, at wall (Unix seconds) and mono
 * (monotonic seconds), and queues it; accepts NULL.  */
void kiosk_ops_destroy(struct kiosk_ops *ops, double wall, double mono);

/* The slide on screen: period seq of the play, named slide (borrowed,
 * a static string).  A new seq ends the play before it. */
void kiosk_ops_showing(struct kiosk_ops *ops, long seq, const char *slide,
		       double wall, double mono);

/* The frame to present in place of frame (borrowed, an ARGB32 image
 * surface): frame itself, or a dimmed, shifted or black copy owned by
 * ops and valid until the next call.  NULL when out of memory. */
cairo_surface_t *kiosk_ops_frame(struct kiosk_ops *ops,
				 cairo_surface_t *frame, double wall,
				 double mono);

/* Whether the screen is outside its hours: the kiosk may skip drawing
 * slides while it is. */
bool kiosk_ops_screen_off(const struct kiosk_ops *ops);

/* shown (borrowed) was presented at mono; asked: the server asked for a
 * screenshot.  Sends one when due or asked. */
void kiosk_ops_presented(struct kiosk_ops *ops, cairo_surface_t *shown,
			 double mono, bool asked);

#endif
