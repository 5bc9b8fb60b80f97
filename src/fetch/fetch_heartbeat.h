/*
 * fetch_heartbeat.h - the display's heartbeat to its server:
 * POST /api/v1/displays/{id}/heartbeat with the player's version, how
 * long it has run, the slide on screen and the age of the data shown.
 *
 * The display proves who it is with its device token (a device of kind
 * "display" named as the display), sent as "Authorization: Bearer".
 * The answer may ask for a screenshot; the sender keeps that until
 * fetch_heartbeat_take_request() reads it.
 *
 * The fetch worker sends it from its thread after a fetch, at most every
 * heartbeat period; a heartbeat that fails is dropped, never retried (the
 * next one says the same, newer).  Errors as in fetch.h; nothing logs.
 */
#ifndef AKARI_FETCH_HEARTBEAT_H
#define AKARI_FETCH_HEARTBEAT_H

#include <stdbool.h>
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

/* For display id (1 to 63 of A-Z a-z 0-9 . _ -) of the server at base
 * URL server, with device token (NULL: none, which the server refuses);
 * all three borrowed only for the call.  NULL when out of memory or the
 * URL is not http(s).  Free with fetch_heartbeat_sender_destroy(). */
struct fetch_heartbeat_sender *
fetch_heartbeat_sender_create(const char *server, const char *id,
			      const char *token);
void fetch_heartbeat_sender_destroy(struct fetch_heartbeat_sender *s);

/* Sends hb and waits for the answer.  FETCH_OK on a 200; FETCH_HTTP
 * with "HTTP 401" in err for a token the server refuses. */
int fetch_heartbeat_send(struct fetch_heartbeat_sender *s,
			 const struct fetch_heartbeat *hb, char *err,
			 size_t errlen);

/* Makes a heartbeat in progress on another thread give up at once, and
 * every later one too.  Safe from any thread. */
void fetch_heartbeat_cancel(struct fetch_heartbeat_sender *s);

/* Whether an answer since the last call asked for a screenshot; the
 * request is cleared by reading it.  Safe from any thread. */
bool fetch_heartbeat_take_request(struct fetch_heartbeat_sender *s);

/* "Authorization: Bearer TOKEN" for token, in buf; -1 when it does not
 * fit or the token holds characters a header cannot. */
int fetch_auth_header(const char *token, char *buf, size_t len);

/* The room the displays' senders give that header. */
#define FETCH_AUTH_HEADER_MAX 320

#endif
