/*
 * fetch_content.h - the display's content (playlists, schedules, layer
 * rules, emergency message: GET /api/v1/displays/{id}/content, see
 * docs/playlists.md), polled on a thread of its own.
 *
 * The poller asks every FETCH_CONTENT_EVERY seconds with If-None-Match,
 * so an unchanged answer is a 304 without a body; after a failure it
 * waits twice as long each time up to retry_max, and never more than
 * FETCH_CONTENT_RETRY_MAX, so that a message set when the server is
 * back is on screen within 10 s too.  Each answer's Date
 * header tells the caller how far the box's clock is from the server's.
 * A new answer is saved atomically to DIR/content.json beside the slide
 * data's cache, with the playlist the caller says it plays, so that a
 * kiosk restarted without a server, or with a clock it cannot trust,
 * plays what it played before.
 *
 * Errors as in fetch.h.  Threads: create, take, playing and destroy are
 * called from one thread; the poller runs on its own.
 */
#ifndef AKARI_FETCH_CONTENT_H
#define AKARI_FETCH_CONTENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch/fetch.h"

/* Often enough that an emergency message is on screen within 10 s. */
#define FETCH_CONTENT_EVERY 2.0
#define FETCH_CONTENT_RETRY_MAX 5.0
#define FETCH_CONTENT_FILE "content.json"

struct fetch_content_config {
	const char *server;	/* base URL */
	const char *display_id;
	const char *cache_dir;	/* NULL: no cache */
	double every;		/* 0: FETCH_CONTENT_EVERY */
	double retry_max;	/* 0 or over FETCH_CONTENT_RETRY_MAX: that */
	long connect_ms, total_ms;	/* 0: fetch.h's defaults */
	bool held;		/* the first poll waits for
				 * fetch_content_release() */
};

/* What the poller knows; filled by fetch_content_take(). */
struct fetch_content_status {
	int rc;			/* of the latest poll: FETCH_OK or why not */
	char err[256];
	long polls;		/* finished, good or bad */
	bool have_offset;	/* a Date header was read */
	int64_t clock_offset;	/* server's Date minus the box's clock, s */
	int cache_rc;		/* of the latest cache save */
	char cache_err[256];
};

struct fetch_content;

/* Starts the poller; the first poll is at once, or with cfg->held once
 * released.  *out owns it. */
int fetch_content_create(const struct fetch_content_config *cfg,
			 struct fetch_content **out, char *err,
			 size_t errlen);

/* Lets a held poller make its first poll.  Accepts NULL; more calls do
 * nothing. */
void fetch_content_release(struct fetch_content *f);

/* Stops a poll in progress, joins the thread.  Accepts NULL. */
void fetch_content_destroy(struct fetch_content *f);

/* Fills st, and when the content changed since generation *gen sets *doc
 * to a new reference (the caller's, json_decref it) and *gen to the new
 * generation, returning true. */
bool fetch_content_take(struct fetch_content *f, unsigned long *gen,
			json_t **doc, struct fetch_content_status *st);

/* The playlist the display plays now (NULL: none), saved with the next
 * cache write, which this makes due. */
void fetch_content_playing(struct fetch_content *f, const char *playlist);

/* Reads DIR/content.json: *doc (the caller's) and the playlist it
 * played into playing (len bytes, "" for none).  FETCH_NO_CACHE,
 * FETCH_CORRUPT as for the slide data. */
int fetch_content_cache_load(const char *dir, json_t **doc, char *playing,
			     size_t len, char *err, size_t errlen);

/* True when doc has the shape of a content answer. */
bool fetch_content_valid(const json_t *doc);

#endif
