/*
 * api_quarantine.h - GET /api/v1/quarantine: the readings held back
 * because their time lay too far ahead of the server's clock
 * (store_quarantine.h), for staff with an admin token.
 */
#ifndef AKARI_API_QUARANTINE_H
#define AKARI_API_QUARANTINE_H

#include <jansson.h>

#include "cloud/store/store.h"

#define API_QUARANTINE_PATH "/api/v1/quarantine"

/* The newest held readings first, at most this many in one answer. */
#define API_QUARANTINE_MAX 10000

/*
 * Builds the answer into *body (owned by the caller) and returns its
 * HTTP status: 200 with
 *   {"count": 2, "held": [{"point": "hall/energy",
 *     "ts": "2030-01-01T00:00:00Z", "value": 5, "reason": "future_ts",
 *     "received": "2026-12-03T09:00:00Z", "device_id": 3}, ...]}
 * where count is the number held in all and "held" the newest
 * API_QUARANTINE_MAX of them; 500 with an error body when the store
 * failed.
 */
int api_quarantine_list(struct store *st, json_t **body);

#endif
