/*
 * kiosk_content.h - the kiosk's side of server-edited content: polls it
 * (fetch_content.h), decides at each slide boundary what plays
 * (kiosk_playlist.h) and logs every change of layer and playlist.
 *
 * A changed playlist takes effect at the next slide boundary; an
 * emergency message set or cleared takes effect at once.  Schedules are
 * read on the kiosk's clock (the replayed one in a replay) in the zone
 * of the display's group, else the box's own.  The real clock is not
 * trusted while it reads before the day (UTC) this kiosk was built or more
 * than KIOSK_CLOCK_SKEW_MAX seconds from the server's Date header; the
 * display then plays the playlist it last played, from its cache, and
 * says so in the log, until the clock is trusted again.
 */
#ifndef AKARI_KIOSK_CONTENT_H
#define AKARI_KIOSK_CONTENT_H

#include <glib.h>
#include <stdbool.h>

#include "fetch/fetch.h"
#include "kiosk/kiosk.h"
#include "render/render_alert.h"

#define KIOSK_CLOCK_SKEW_MAX 300

struct kiosk_content;

/* NULL (and nothing polled) when o has no display id: the kiosk plays
 * its fixed rotation.  slides[0..n) is that rotation, used as the
 * default layer when the server has no "default" playlist.  local is
 * the box's zone, borrowed.  Logs what it does. */
struct kiosk_content *kiosk_content_create(const struct kiosk_options *o,
					   const enum render_slide *slides,
					   int n, GTimeZone *local);
void kiosk_content_destroy(struct kiosk_content *kc);	/* accepts NULL */

/* Lets the content's first poll go: the poller starts held, so that
 * opening libcurl waits for the display (kiosk.c).  Accepts NULL. */
void kiosk_content_release(struct kiosk_content *kc);

/* One tick: takes new content, and at a slide boundary (or at once for
 * an emergency) moves on.  mono and wall are the real clocks, at the
 * kiosk's clock.  Returns the number of the slide period, which changes
 * when a new slide starts, and sets *since to seconds into it. */
long kiosk_content_tick(struct kiosk_content *kc, double mono, double wall,
			double at, const struct fetch_bundle *data,
			double *since);

/* What is on: true with *alert filled for a notice, false with *slide
 * set for a slide. */
bool kiosk_content_showing(const struct kiosk_content *kc,
			   enum render_slide *slide,
			   struct render_alert *alert);

/* The params the slide on screen draws with: those its playlist item
 * gives ("message", "image", "qr_url", "caption" strings in the item's
 * "params"), each else base's.  out's strings are borrowed from kc and
 * base, valid until the next slide starts. */
void kiosk_content_params(const struct kiosk_content *kc,
			  const struct render_params *base,
			  struct render_params *out);

/* When the slide on screen ends, on the monotonic clock kiosk_content_tick
 * was given: its item's own seconds, not --slide-seconds.  HUGE_VAL
 * before the first slide. */
double kiosk_content_end(const struct kiosk_content *kc);

/* What is on, by name: a slide's name, "emergency" or "saving". */
const char *kiosk_content_name(const struct kiosk_content *kc);

/* The parts of the slide data (FETCH_WANT bits) slide draws from: grid
 * and solar the grid's summary, household the home's, air the air's,
 * co2, ranking, ev and weather the signage answer, the others none. */
unsigned kiosk_slide_wants(enum render_slide slide);

/* The parts the content in force can show: those of every slide its
 * playlists name (not only the one playing: a schedule or a layer may
 * switch to another at any slide boundary), and the grid's and the
 * home's, which the saving request reads.  0 for NULL. */
unsigned kiosk_content_wants(const struct kiosk_content *kc);

/* The zone of the display's group from the content in force, an IANA
 * name borrowed from kc until the next kiosk_content_tick(); NULL when
 * the content names none (or kc is NULL). */
const char *kiosk_content_zone(const struct kiosk_content *kc);

#endif
