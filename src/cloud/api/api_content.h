/*
 * api_content.h - the signage content routes of the HTTP server:
 *
 *   GET            /api/v1/playlists              every playlist
 *   GET|PUT|DELETE /api/v1/playlists/{name}       one playlist
 *   GET|POST       /api/v1/schedules              list, add
 *   DELETE         /api/v1/schedules/{id}
 *   GET            /api/v1/groups                 display groups
 *   GET|PUT|DELETE /api/v1/groups/{name}          zone and displays
 *   GET|PUT        /api/v1/layers                 data-triggered rules
 *   GET|POST|DELETE /api/v1/emergency             in force, set, clear
 *   GET            /api/v1/emergency/log          who set what, when
 *   GET            /api/v1/displays/{id}/content  what a display plays
 *
 * Every route that changes something needs an admin token
 * (api_auth.h); reading needs none, so that a display can poll its
 * content.  The content answer carries a strong ETag and answers 304 to
 * a matching If-None-Match.  docs/playlists.md and docs/api.md describe
 * the bodies.
 *
 * api.c routes a request here when api_content_route() claims its URL
 * and then hands over each of libmicrohttpd's three calls, as for
 * api_influx.h.
 */
#ifndef AKARI_API_CONTENT_H
#define AKARI_API_CONTENT_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "cloud/store/store.h"

struct api_content;

bool api_content_route(const char *url);

/*
 * The headers are in.  Creates the request's state in *out (free it with
 * api_content_free, also after a failure) and, when the request can be
 * answered from its headers alone, queues that answer.  st, method, url
 * and client (the peer's address, for the log) must outlive the request.
 */
enum MHD_Result api_content_begin(struct store *st, size_t max_body,
				  struct MHD_Connection *conn,
				  const char *method, const char *url,
				  const char *client,
				  struct api_content **out);

/* A piece of body; *size is set to 0 (all of it taken). */
enum MHD_Result api_content_receive(struct api_content *r, const char *data,
				    size_t *size);

/* The body is complete: run the route and queue the answer. */
enum MHD_Result api_content_finish(struct api_content *r);

void api_content_free(struct api_content *r);	/* accepts NULL */

/* The slide names a playlist item may give, NULL-terminated: the
 * renderer's (render_slide_name()), which tests/test_content_slides.c
 * holds them to.  An item naming another slide is refused; a kiosk
 * still skips one in a playlist stored before that check. */
extern const char *const api_content_slides[];

/* Checks the JSON text of a playlist as PUT does.  Returns 0 with its
 * canonical text in *out (free() it), or -1 with the reason in err. */
int api_content_playlist_text(const char *text, char **out, char *err,
			      size_t len);

#endif
