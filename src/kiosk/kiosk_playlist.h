/*
 * kiosk_playlist.h - what a display plays at a given time: a pure
 * function of the content it fetched (GET /api/v1/displays/{id}/content,
 * docs/playlists.md), the time, its zone and its slide data.
 *
 * Layers, the first that applies wins:
 *   emergency   a message staff set for all displays or the group
 *   data        a saving request: the grid's usage at or over the rule's
 *               percentage (97 %, the very-tight band), or the home's
 *               demand over its target in kW, by a reading at most 3
 *               hours old
 *   schedule    the schedule in force with the highest priority (ties:
 *               the lowest id, the one made first)
 *   default     the playlist "default", else the built-in rotation
 *
 * A playlist none of whose slides this kiosk knows is as if absent.
 *
 * A schedule is in force on local dates [from, to) - from included, to
 * excluded - on its weekdays, from its local start time (included) to
 * its end (excluded), read on the wall clock of the zone: on a day
 * whose clocks jump forward a window inside the missing hour never
 * starts, and on a day they go back a window in the repeated hour runs
 * both times.  An end at or before the start runs past midnight into the
 * next day; date range and weekday are those of the day it started.
 *
 * Nothing here allocates what it returns: strings and JSON are borrowed
 * from the content and live as long as it does.
 */
#ifndef AKARI_KIOSK_PLAYLIST_H
#define AKARI_KIOSK_PLAYLIST_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum kiosk_layer {
	KIOSK_LAYER_DEFAULT,
	KIOSK_LAYER_SCHEDULE,
	KIOSK_LAYER_DATA,
	KIOSK_LAYER_EMERGENCY,
};

const char *kiosk_layer_name(enum kiosk_layer layer);

/* Why the data layer is on. */
enum kiosk_saving {
	KIOSK_SAVING_NONE,
	KIOSK_SAVING_GRID,	/* value: usage in % */
	KIOSK_SAVING_HOME,	/* value: demand in kW */
};

/* What the layers are given besides the content. */
struct kiosk_playlist_input {
	json_t *grid, *home;	/* the slide data's summaries, may be NULL */
	/* false: the clock is not trusted, so schedules are not read and
	 * last_playlist plays in their place (when the content has it). */
	bool clock_trusted;
	const char *last_playlist;	/* may be NULL */
};

struct kiosk_playlist_pick {
	enum kiosk_layer layer;
	const char *playlist;	/* NULL: the built-in rotation */
	json_t *items;		/* the playlist's items; NULL with it */
	int64_t revision;	/* the playlist's */
	int64_t schedule_id;	/* the schedule in force; 0: none */
	const char *message;	/* emergency: the text */
	int64_t emergency_id;
	enum kiosk_saving saving;
	double saving_value;
	double saving_limit;	/* the rule's threshold */
};

/* Whether the schedule object s (as in the content) is in force at t in
 * tz. */
bool kiosk_schedule_active(json_t *s, int64_t t, GTimeZone *tz);

/* The schedule in force at t with the highest priority, or NULL. */
json_t *kiosk_playlist_schedule(json_t *content, int64_t t, GTimeZone *tz);

/* Whether the data layer's rules in content fire on the summaries at
 * t: a latest reading that is stale at t (core_reading_stale(), with
 * its point's step_s) does not count. */
enum kiosk_saving kiosk_playlist_saving(json_t *content, int64_t t,
					json_t *grid, json_t *home,
					double *value, double *limit);

/* The layer and playlist in force at t in tz.  content may be NULL (none
 * fetched yet): the default layer with the built-in rotation. */
void kiosk_playlist_pick(json_t *content, int64_t t, GTimeZone *tz,
			 const struct kiosk_playlist_input *in,
			 struct kiosk_playlist_pick *out);

/* Where a display is in its playlist. */
struct kiosk_playlist_cursor {
	enum kiosk_layer layer;
	char playlist[65];	/* "" for the built-in rotation */
	int64_t revision;
	long index;		/* of the item on screen; -1: none yet */
};

void kiosk_playlist_cursor_init(struct kiosk_playlist_cursor *c);

/* Moves c to the next item of what p picked, out of n items: the next
 * one of the same playlist at the same revision, else the first of the
 * new one.  Returns true when the playlist (or layer) changed. */
bool kiosk_playlist_advance(struct kiosk_playlist_cursor *c,
			    const struct kiosk_playlist_pick *p, long n);

#endif
