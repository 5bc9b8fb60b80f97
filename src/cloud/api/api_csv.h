/*
 * api_csv.h - POST /api/v1/ingest/csv?map=SPEC: a CSV of history in the
 * body (Content-Type text/csv), read by the column map SPEC of
 * `akari import --format csv` (docs/import.md) and stored through the
 * same import driver and ingest checks, as the device of the token.
 *
 * api.c routes the request, checks the token, type and length and
 * collects the body as for /api/v1/ingest, then calls api_csv_ingest().
 */
#ifndef AKARI_API_CSV_H
#define AKARI_API_CSV_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#include "cloud/ingest/ingest.h"
#include "cloud/store/store.h"

#define API_CSV_PATH "/api/v1/ingest/csv"
#define API_CSV_TYPE "text/csv"

/*
 * Imports the len bytes of body (borrowed) as src's device.  Returns the
 * HTTP status and sets *answer (owned by the caller):
 *   200 {"rows": 96, "accepted": 96, "rejected": 0, "dropped": 0,
 *        "messages": []}               (rejected > 0: some refused)
 *   422 the same when rows were given but none was stored
 *   400 {"error": "bad_map" | "bad_csv", "message": "body:3: ..."}
 *   500 {"error": "storage", "message": ...}
 * "messages" holds at most the first 20 lines the import reported.
 */
int api_csv_ingest(struct store *st, const struct ingest_source *src,
		   struct MHD_Connection *conn, const char *body, size_t len,
		   json_t **answer);

#endif
