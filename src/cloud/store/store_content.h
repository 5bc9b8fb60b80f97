/*
 * store_content.h - what the signage displays play: playlists, their
 * schedules, display groups, layer rules and emergency messages.
 *
 * The tables come from store.c's migration 5.  A playlist's body is the
 * JSON text the API checked (docs/playlists.md); the store keeps it as
 * it is and counts its revisions.  Emergency messages are an append-only
 * log: every set and every clear is a row with who and when, and the
 * message in force for a target is its newest row when that is a set.
 *
 * Errors as in store.h: STORE_OK or a negative enum store_rc, with
 * store_errmsg() saying what was wrong.  Strings in structs passed in
 * are borrowed for the call; structs handed to a callback live only
 * for that call.
 */
#ifndef AKARI_STORE_CONTENT_H
#define AKARI_STORE_CONTENT_H

#include <stdbool.h>
#include <stdint.h>

#include "cloud/store/store.h"

#define STORE_CONTENT_NAME_MAX 64
/* The target of an emergency message meant for every display. */
#define STORE_EMERGENCY_ALL "*"
/* The most characters of an emergency message, however it is set. */
#define STORE_EMERGENCY_MAX 500

/* A playlist, group or display name: 1 to STORE_CONTENT_NAME_MAX of
 * A-Z a-z 0-9 . _ -. */
bool store_content_name_ok(const char *name);

/* --- playlists --------------------------------------------------------- */

struct store_playlist {
	const char *name;
	const char *body;	/* JSON text */
	int64_t revision;	/* 1 when created, +1 per replace */
	int64_t updated;	/* Unix seconds of the last write */
};

/* Creates the playlist, or replaces the body of the one of that name.
 * *created says which; *revision is the new revision. */
int store_playlist_put(struct store *st, const char *name, const char *body,
		       int64_t now, bool *created, int64_t *revision);

typedef int (*store_playlist_fn)(const struct store_playlist *p, void *ctx);

/* Calls fn for the playlist name (STORE_NOT_FOUND when there is none),
 * or for every playlist by name when name is NULL.  A non-zero return
 * from fn stops the walk and is returned. */
int store_playlist_walk(struct store *st, const char *name,
			store_playlist_fn fn, void *ctx);

/* STORE_NOT_FOUND when there is no such playlist, STORE_EXISTS when a
 * schedule still plays it (delete the schedule first). */
int store_playlist_delete(struct store *st, const char *name);

/* --- schedules --------------------------------------------------------- */

/*
 * A schedule plays a playlist on the displays of a group (all displays
 * when group is NULL) on local dates [date_from, date_to) - the first
 * day included, the last excluded; either NULL: open - on the weekdays
 * in the mask (bit 0 Monday .. bit 6 Sunday) between the local times
 * start_min and end_min, minutes after midnight, start included and
 * end excluded.  end_min <= start_min runs past midnight into the next
 * day.  The highest priority of the schedules in force wins.
 */
struct store_schedule {
	int64_t id;
	const char *playlist;
	const char *group;	/* NULL: every display */
	const char *date_from;	/* "YYYY-MM-DD" or NULL */
	const char *date_to;	/* "YYYY-MM-DD" or NULL */
	unsigned weekdays;	/* 1..127 */
	int start_min, end_min;	/* 0..1440 */
	int priority;
};

/* Adds s (s->id ignored); *id is the new schedule's.  STORE_NOT_FOUND
 * when the playlist or the group does not exist, STORE_INVALID for a
 * malformed field. */
int store_schedule_add(struct store *st, const struct store_schedule *s,
		       int64_t *id);

typedef int (*store_schedule_fn)(const struct store_schedule *s,
				 void *ctx);

/* Every schedule, by id; group non-NULL: only those for all displays
 * and for that group. */
int store_schedule_walk(struct store *st, const char *group, bool for_group,
			store_schedule_fn fn, void *ctx);

int store_schedule_delete(struct store *st, int64_t id);

/* --- display groups ---------------------------------------------------- */

/* Creates or replaces the group: its zone (IANA) and its displays, which
 * leave any other group.  ids[0..n) are display ids (store_displays.h's
 * rule).  STORE_INVALID for an unknown zone or a bad id. */
int store_group_put(struct store *st, const char *name, const char *tz,
		    const char *const *ids, int n);

struct store_group {
	const char *name;
	const char *tz;
	const char *const *displays;	/* n_displays of them, by id */
	int n_displays;
};

typedef int (*store_group_fn)(const struct store_group *g, void *ctx);

/* Every group by name, or only name (STORE_NOT_FOUND if none). */
int store_group_walk(struct store *st, const char *name, store_group_fn fn,
		     void *ctx);

/* STORE_EXISTS while a schedule is for the group or an emergency
 * message is in force for it. */
int store_group_delete(struct store *st, const char *name);

/* The group of a display: name and tz (each STORE_CONTENT_NAME_MAX + 1
 * bytes) are set, or STORE_NOT_FOUND when it is in none. */
int store_group_of(struct store *st, const char *display, char *name,
		   char *tz);

/* --- layer rules ------------------------------------------------------- */

/* The layer rules as JSON text (docs/playlists.md), or STORE_NOT_FOUND
 * when never set.  *body is the caller's, g_free() it. */
int store_layers_get(struct store *st, char **body);
int store_layers_put(struct store *st, const char *body, int64_t now);

/* --- emergency messages ------------------------------------------------ */

struct store_emergency {
	int64_t id;
	const char *target;	/* STORE_EMERGENCY_ALL or a group */
	bool set;		/* false: a clear */
	const char *message;	/* set: the text; clear: NULL */
	const char *actor;	/* who: the admin token's name or "cli" */
	int64_t at;		/* Unix seconds */
};

/* Appends a set (message non-NULL, 1 to STORE_EMERGENCY_MAX characters
 * of UTF-8) or a clear of target.  A clear of a target with no message
 * in force is STORE_NOT_FOUND, and a group that does not exist too. */
int store_emergency_log(struct store *st, const struct store_emergency *e,
			int64_t *id);

typedef int (*store_emergency_fn)(const struct store_emergency *e,
				  void *ctx);

/* The messages in force: for every target when group is NULL and
 * for_group false, else for all displays and for group (which may be
 * NULL: a display in no group).  Newest first. */
int store_emergency_active(struct store *st, const char *group,
			   bool for_group, store_emergency_fn fn, void *ctx);

/* The log, newest first, at most limit rows. */
int store_emergency_history(struct store *st, int limit,
			    store_emergency_fn fn, void *ctx);

#endif
