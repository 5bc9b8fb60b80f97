/*
 * api_displays.h - the displays' heartbeats and their online state:
 *
 *   POST /api/v1/displays/{id}/heartbeat   a display says it is alive
 *   GET  /api/v1/displays                  every display, online or not
 *
 * A display is online while its last heartbeat is at most
 * offline_after seconds old on the server's clock (default
 * API_DISPLAYS_OFFLINE_S, ?offline_after=S overrides it per request).
 * docs/api.md describes the bodies.
 *
 * api.c routes the requests, checks the method, type and length and
 * collects the body, then calls these.  Neither needs a token.
 */
#ifndef AKARI_API_DISPLAYS_H
#define AKARI_API_DISPLAYS_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#include "cloud/store/store.h"

#define API_DISPLAYS_PATH "/api/v1/displays"
/* Three heartbeats missed at the kiosk's 30 s. */
#define API_DISPLAYS_OFFLINE_S 90

/*
 * Records the heartbeat in the len bytes of body (borrowed) for display
 * id, sent from client (an address, for the listing).  Returns the HTTP
 * status and sets *answer (owned by the caller):
 *   200 {"id": "hall-1", "registered": true, "server_time": 1656306000}
 *   400 {"error": "bad_json" | "bad_heartbeat", "message": ...}
 *   500 {"error": "storage", "message": ...}
 */
int api_displays_beat(struct store *st, const char *id, const char *client,
		      const char *body, size_t len, json_t **answer);

/* Answers GET /api/v1/displays as above: 200, 400 for a bad
 * offline_after, 500 for storage. */
int api_displays_list(struct store *st, struct MHD_Connection *conn,
		      json_t **answer);

#endif
