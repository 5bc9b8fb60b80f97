/*
 * store_displays.h - the signage displays that report to this server:
 * each display's latest heartbeat and when it arrived.
 *
 * A display is a device of kind "display" whose name is the display id
 * (`akari device add --kind display`); its row here is made by its first
 * heartbeat.  Beside the heartbeat the store keeps the newest screenshot
 * of each display, whether staff asked for a new one, and the display's
 * proof of play: which slide it showed, from when, for how long.
 * Tables: displays (migration 2), screenshots and plays (migration 5).
 *
 * Errors and threads: as in store.h.
 */
#ifndef AKARI_STORE_DISPLAYS_H
#define AKARI_STORE_DISPLAYS_H

#include <stdbool.h>
#include <stdint.h>

#include "cloud/store/store.h"

/* A display id: 1 to 63 of [A-Za-z0-9._-]. */
#define STORE_DISPLAY_ID_MAX 63

struct store_display {
	char id[STORE_DISPLAY_ID_MAX + 1];
	char version[32];	/* the player's version, "0.1.0" */
	char slide[32];		/* the slide on screen, "" if unknown */
	char address[64];	/* where the heartbeat came from */
	int64_t uptime_s;	/* seconds the player has run */
	int64_t cache_age_s;	/* age of the data shown; -1: no data */
	int64_t first_seen;	/* Unix seconds, the server's clock */
	int64_t last_seen;	/* Unix seconds, the server's clock */
	int64_t beats;		/* heartbeats received */
};

/* Whether id is a valid display id. */
bool store_display_id_ok(const char *id);

/* Records d's heartbeat, received at d->last_seen: a new id is
 * registered (first_seen = last_seen, beats 1), a known one updated
 * (first_seen kept, beats counted on).  d->first_seen and d->beats are
 * ignored.  *registered says whether the id was new (may be NULL).
 * STORE_INVALID for a bad id or text that is not UTF-8 or too long. */
int store_display_beat(struct store *st, const struct store_display *d,
		       bool *registered);

/* Calls fn for each display in id order; fn returning non-zero stops the
 * walk.  fn runs with the read connection locked, so it must not call
 * into the store.  No display yet (or no table yet) calls fn never. */
typedef int (*store_display_fn)(const struct store_display *d, void *ctx);
int store_displays_each(struct store *st, store_display_fn fn, void *ctx);

/* Whether device_id (from a device token) is a device of kind "display"
 * named id.  STORE_NOT_FOUND when it is not: another kind of device, or
 * the display of another name. */
int store_display_device_ok(struct store *st, int64_t device_id,
			    const char *id);

/* Whether staff asked display id for a screenshot it has not sent yet.
 * An unknown display is asked for none. */
int store_display_screenshot_wanted(struct store *st, const char *id,
				    bool *wanted);

/* Asks display id for a screenshot with its next heartbeat.
 * STORE_NOT_FOUND when no display of that id has sent a heartbeat. */
int store_display_screenshot_request(struct store *st, const char *id);

/* Keeps png (len bytes, borrowed) as display id's newest screenshot,
 * taken at taken (server clock), replacing the one before, and clears
 * a request for one.  STORE_INVALID for a bad id. */
int store_display_screenshot_put(struct store *st, const char *id,
				 int64_t taken, const void *png, size_t len);

/* The newest screenshot of id: *png (owned by the caller, free()) of
 * *len bytes, taken at *taken.  STORE_NOT_FOUND when there is none. */
int store_display_screenshot_get(struct store *st, const char *id,
				 int64_t *taken, void **png, size_t *len);

/* One slide shown: from start (Unix seconds, the display's clock) for
 * seconds. */
struct store_play {
	char slide[32];
	int64_t start;
	double seconds;
};

/* Records n plays of display id in one transaction.  A play already
 * recorded (same display, start and slide) is kept as it was, so a batch
 * sent again after a lost answer counts once; *added says how many were
 * new (may be NULL).  STORE_INVALID for a bad id or slide name. */
int store_display_plays_add(struct store *st, const char *id,
			    const struct store_play *plays, size_t n,
			    size_t *added);

/* Calls fn for each play of id with from <= start < to, oldest first;
 * fn returning non-zero stops the walk (fn as for store_displays_each). */
typedef int (*store_play_fn)(const struct store_play *p, void *ctx);
int store_display_plays_each(struct store *st, const char *id, int64_t from,
			     int64_t to, store_play_fn fn, void *ctx);

#endif
