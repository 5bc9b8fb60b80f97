/*
 * fetch_heartbeat.h - the display's heartbeat to its server:
 * POST /api/v1/displays/{id}/heartbeat with the player's version, how
 * long it has run, the slide on screen and the age of the data shown.
 *
 * The fetch worker sends it from its thread after a fetch, at most every
 * heartbeat period; a heartbeat that fails is dropped, never retried (the
 * next one says the same, newer).  Errors as in fetch.h; nothing logs.
 */
#ifndef AKARI_FETCH_HEARTBEAT_H
#define AKARI_FETCH_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

/* Short: a heartbeat must not keep the fetches waiting behind it. */
#define FETCH_HEARTBEAT_CONNECT_MS 2000
#define FETCH_HEARTBEAT_TOTAL_MS 4000
#define FETCH_DEFAULT_HEARTBEAT_EVERY 30.0

struct fetch_heartbeat {
	const char *version;	/* "0.1.0" */
	const char *slide;	/* "grid"; NULL or "": unknown */
	int64_t uptime_s;
	int64_t cache_age_s;	/* age of the data shown; -1: none */
};

struct fetch_heartbeat_sender;

/* For display id (1 to 63 of A-Z a-z 0-9 . _ -, borrowed only for the
 * call) of the server at base URL server.  NULL when out of memory or
 * the URL is not http(s).  Free with fetch_heartbeat_sender_destroy(). */
struct fetch_heartbeat_sender *
fetch_heartbeat_sender_create(const char *server, const char *id);
void fetch_heartbeat_sender_destroy(struct fetch_heartbeat_sender *s);

/* Sends hb and waits for the answer.  FETCH_OK on a 200. */
int fetch_heartbeat_send(struct fetch_heartbeat_sender *s,
			 const struct fetch_heartbeat *hb, char *err,
			 size_t errlen);

/* Makes a heartbeat in progress on another thread give up at once, and
 * every later one too.  Safe from any thread. */
void fetch_heartbeat_cancel(struct fetch_heartbeat_sender *s);

#endif
