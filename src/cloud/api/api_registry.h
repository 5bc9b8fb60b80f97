/*
 * api_registry.h - the registry over HTTP: create, list, change and
 * retire sites, devices and points; rotate and revoke device tokens;
 * turn request signing on and off (docs/registry.md, docs/api.md).
 *
 * api.c routes a request here when api_registry_route() claims its URL,
 * checks the admin token where api_registry_needs_admin() says so,
 * collects the body and calls api_registry_handle().
 */
#ifndef AKARI_API_REGISTRY_H
#define AKARI_API_REGISTRY_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "cloud/api/api_auth.h"
#include "cloud/store/store.h"

/* Whether url (decoded, without the query) is a registry route.  The
 * readings, aggregate and summary routes under /points/ and /sites/ are
 * not. */
bool api_registry_route(const char *url);

/* Every change, and every read of devices, takes an admin token. */
bool api_registry_needs_admin(const char *method, const char *url);

/*
 * Answers the request: returns the HTTP status with its JSON body in
 * *out (owned by the caller) and, for a 405, the methods allowed in
 * *allow (static).  st and auth are borrowed.  A refused change leaves
 * the database as it was.
 */
int api_registry_handle(struct store *st, struct api_auth *auth,
			struct MHD_Connection *conn, const char *method,
			const char *url, const char *body, size_t len,
			json_t **out, const char **allow);

#endif
