/*
 * api_auth.h - who may call the HTTP API: admin tokens for the routes
 * that change the registry or the signage, device tokens for the
 * routes that write readings.
 *
 * Admin: "Authorization: Bearer TOKEN" with a token from
 * `akari admin token add`.  A route of api.c declares that it needs one
 * in needs_admin(); a route in another file may call api_auth_admin()
 * itself.
 */
#ifndef AKARI_API_AUTH_H
#define AKARI_API_AUTH_H

#include <microhttpd.h>
#include <stddef.h>

#include "cloud/store/store.h"

/*
 * Checks the admin token of the request on conn.  Returns 0 when it is
 * a valid admin token, or the HTTP status to answer (401 for a missing,
 * unknown or revoked token, 500 when the store failed) with the JSON
 * error code in *code (static) and a message for the client in msg.
 * A 401 answer should carry "WWW-Authenticate: Bearer".
 */
int api_auth_admin(struct store *st, struct MHD_Connection *conn,
		   const char **code, char *msg, size_t len);

/*
 * "Bearer TOKEN" -> TOKEN in buf (len bytes), or NULL.  Blanks around
 * the token are not part of it; a token too long for buf is cut, which
 * no real token is, so it stays unknown.
 */
const char *api_auth_bearer(const char *header, char *buf, size_t len);

#endif
