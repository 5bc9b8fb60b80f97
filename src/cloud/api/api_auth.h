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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"
#include "cloud/store/store_registry.h"

#define API_AUTH_DEFAULT_SKEW_S 300
#define API_AUTH_DEFAULT_OFFLINE_S 900

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

/* --- devices ------------------------------------------------------------ */

/*
 * Device requests, beyond the token: the optional signature (docs/
 * registry.md), a token bucket per device and a body limit per device,
 * and when each device was last seen.  One struct api_auth serves all of
 * the server's threads.
 */
/* The headers of a signed request (docs/registry.md). */
#define API_AUTH_TS_HEADER "X-Akari-Timestamp"
#define API_AUTH_NONCE_HEADER "X-Akari-Nonce"
#define API_AUTH_SIG_HEADER "X-Akari-Signature"

struct api_auth_config {
	double rate_per_s;	/* default requests per second; 0: no limit */
	unsigned burst;		/* default bucket size; 0: max(1, rate) */
	size_t max_body;	/* the server's body limit, in bytes */
	unsigned skew_s;	/* signed timestamps this far off are stale */
	unsigned offline_after_s;	/* silent this long: offline */
};

struct api_auth;

/* A refused device request: what to answer. */
struct api_auth_refusal {
	int status;		/* 401, 413, 429 or 500 */
	const char *code;	/* static */
	char message[320];
	unsigned retry_after;	/* seconds for Retry-After, 0: none */
};

/* st is borrowed.  Returns NULL when out of memory. */
struct api_auth *api_auth_create(struct store *st,
				 const struct api_auth_config *cfg);

/* Writes the last-seen times still in memory, then frees.  Accepts
 * NULL. */
void api_auth_destroy(struct api_auth *a);

/*
 * The headers of a device request are in: token (NULL when none was
 * sent) must be a working device token, the device's bucket must hold a
 * request, and a declared content_length (NULL when none) must be within
 * the device's limit.  Returns 0 with the device in *dev (its secret
 * included), or -1 with *r filled.  A known device is marked seen even
 * when refused for its rate or size.
 */
int api_auth_device(struct api_auth *a, const char *token,
		    const char *content_length, struct store_device *dev,
		    struct api_auth_refusal *r);

/* The most bytes of body dev may send. */
size_t api_auth_body_limit(const struct api_auth *a,
			   const struct store_device *dev);

/*
 * The whole body is in.  When dev signs its requests, checks the
 * signature headers on conn over method, path (libmicrohttpd's decoded
 * path; the query parameters of conn are added by the rules of
 * docs/registry.md) and body, and that the timestamp is fresh and the
 * nonce new.  Returns 0, or -1 with *r filled (401).
 */
int api_auth_verify(struct api_auth *a, const struct store_device *dev,
		    struct MHD_Connection *conn, const char *method,
		    const char *path, const void *body, size_t len,
		    struct api_auth_refusal *r);

/* When the device was last seen (Unix seconds, 0 never), from memory or
 * stored (the larger), and whether that is within the offline delay. */
int64_t api_auth_last_seen(struct api_auth *a, int64_t device_id,
			   int64_t stored);
bool api_auth_online(const struct api_auth *a, int64_t last_seen,
		     int64_t now);

#endif
