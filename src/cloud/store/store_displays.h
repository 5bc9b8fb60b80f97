/*
 * store_displays.h - the signage displays that report to this server:
 * each display's latest heartbeat and when it arrived.
 *
 * A display is registered by its first heartbeat; there is no other
 * step.  The table is made by the first call that needs it (CREATE
 * TABLE IF NOT EXISTS on the write connection), not by a numbered
 * migration, so a database that never saw a display has none.
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

#endif
