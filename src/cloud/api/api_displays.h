/*
 * api_displays.h - the displays' heartbeats, screenshots and proof of
 * play, and their online state:
 *
 *   POST /api/v1/displays/{id}/heartbeat   a display says it is alive
 *   GET  /api/v1/displays                  every display, online or not
 *   POST /api/v1/displays/{id}/screenshot  a display sends a PNG
 *   GET  /api/v1/displays/{id}/screenshot  the newest one, image/png
 *   POST /api/v1/displays/{id}/screenshot-request   staff ask for one
 *   POST /api/v1/displays/{id}/plays       a display sends what it showed
 *   GET  /api/v1/displays/{id}/plays?from=&to=      what it showed then
 *
 * A display is online while its last heartbeat is at most
 * offline_after seconds old on the server's clock (default
 * API_DISPLAYS_OFFLINE_S, ?offline_after=S overrides it per request).
 * docs/api.md describes the bodies.
 *
 * api.c routes the requests, checks the method, type, length and token
 * and collects the body, then calls these.  What a display sends needs
 * its device token: that of a device of kind "display" named as the
 * display (device_id is the token's device); the rest is answered to
 * anyone but the screenshot request, which needs an admin token.
 */
#ifndef AKARI_API_DISPLAYS_H
#define AKARI_API_DISPLAYS_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

#define API_DISPLAYS_PATH "/api/v1/displays"
/* Three heartbeats missed at the kiosk's 30 s. */
#define API_DISPLAYS_OFFLINE_S 90

/*
 * Records the heartbeat in the len bytes of body (borrowed) for display
 * id, sent from client (an address, for the listing).  Returns the HTTP
 * status and sets *answer (owned by the caller):
 *   200 {"id": "hall-1", "registered": true, "server_time": 1656306000,
 *        "screenshot_requested": false}
 *   400 {"error": "bad_json" | "bad_heartbeat", "message": ...}
 *   403 {"error": "wrong_display", ...}: the token is another device's
 *   500 {"error": "storage", "message": ...}
 */
int api_displays_beat(struct store *st, const char *id, int64_t device_id,
		      const char *client, const char *body, size_t len,
		      json_t **answer);

/* Answers GET /api/v1/displays as above: 200, 400 for a bad
 * offline_after, 500 for storage. */
int api_displays_list(struct store *st, struct MHD_Connection *conn,
		      json_t **answer);

/* The largest screenshot kept: a 3840x2160 frame of slides compresses
 * to well under this. */
#define API_DISPLAYS_SHOT_MAX ((size_t)6 << 20)
/* The most plays in one POST, and in one GET's answer. */
#define API_DISPLAYS_PLAYS_MAX 10000

/* Keeps the PNG in body as display id's newest screenshot: 200, 400
 * "bad_png" when it is no PNG, 403, 413 past API_DISPLAYS_SHOT_MAX. */
int api_displays_shot_put(struct store *st, const char *id,
			  int64_t device_id, const char *body, size_t len,
			  json_t **answer);

/* The newest screenshot of id.  200 sets *png (an MHD response owned by
 * the caller) and leaves *answer NULL; 404 "no_screenshot" otherwise. */
int api_displays_shot_get(struct store *st, const char *id,
			  struct MHD_Response **png, json_t **answer);

/* Asks display id for a screenshot with its next heartbeat: 200, 404
 * "unknown_display" for a display that never sent a heartbeat. */
int api_displays_shot_request(struct store *st, const char *id,
			      json_t **answer);

/* Records {"plays": [{"slide": "grid", "start": 1656306000,
 * "seconds": 10.0}, ...]}: 200 {"received": N, "added": M} where M
 * leaves out plays already recorded; 400 "bad_plays", 403. */
int api_displays_plays_put(struct store *st, const char *id,
			   int64_t device_id, const char *body, size_t len,
			   json_t **answer);

/* Answers GET .../plays?from=T&to=T (RFC 3339 or Unix seconds; plays
 * that began in [from, to)): 200 {"display": id, "plays": [...]},
 * 400 for a missing or bad range or more than API_DISPLAYS_PLAYS_MAX
 * plays in it. */
int api_displays_plays_get(struct store *st, const char *id,
			   struct MHD_Connection *conn, json_t **answer);

/* The routes below a display's URL that api.c hands on. */
enum api_displays_what {
	API_DISPLAYS_SHOT,		/* .../screenshot */
	API_DISPLAYS_SHOT_REQUEST,	/* .../screenshot-request */
	API_DISPLAYS_PLAYS,		/* .../plays */
};

/* Answers a request for what below display id's URL, a GET or HEAD
 * when get is set (api.c has checked the method), a POST of the body
 * otherwise, through the functions above. */
int api_displays_handle(struct store *st, enum api_displays_what what,
			bool get, const char *id, int64_t device_id,
			struct MHD_Connection *conn, const char *body,
			size_t len, struct MHD_Response **raw,
			json_t **answer);

#endif
