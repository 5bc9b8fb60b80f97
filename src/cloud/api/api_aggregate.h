/*
 * api_aggregate.h - GET /api/v1/sites/NAME/aggregate: the aggregate of
 * every point of a site, or of some of them, in one answer
 * (analytics_aggregate_site()).  Public, like the aggregate of one
 * point; docs/api.md has the parameters and an example.
 */
#ifndef AKARI_API_AGGREGATE_H
#define AKARI_API_AGGREGATE_H

#include <jansson.h>
#include <microhttpd.h>

#include "cloud/store/store.h"

/* The URL is "/api/v1/sites/" NAME API_AGGREGATE_TAIL. */
#define API_AGGREGATE_TAIL "/aggregate"

/*
 * Answers the request on conn for site (borrowed): reads its query
 * parameters and returns the HTTP status.  200 puts the answer, JSON
 * text, in *text (owned by the caller, free() it; *body stays NULL).
 * Otherwise *body (owned by the caller) is api_error_vbody()'s: 400
 * naming a missing or bad parameter or a query that cannot be
 * answered, 404 for an unknown site or a listed point that is not on
 * it, 500 when the store failed or memory ran out.
 */
int api_aggregate_site(struct store *st, struct MHD_Connection *conn,
		       const char *site, json_t **body, char **text);

#endif
