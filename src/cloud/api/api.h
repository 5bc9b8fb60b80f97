/*
 * api.h - akari's HTTP API (docs/api.md) over libmicrohttpd.
 *
 * Each connection has a thread of its own, and at most `threads' requests
 * are handled at once; they share one store handle, whose calls
 * serialise on its lock.  Every answer is JSON, but for the
 * empty 204s of the InfluxDB routes (api_influx.h).  A 2xx answer to a
 * write is sent only after the store reported the data durable.
 *
 * The server logs each request at debug and each refused one at warn
 * (5xx at error), through core/log.h under the module tag "api".
 */
#ifndef AKARI_API_H
#define AKARI_API_H

#include <stddef.h>

#include "cloud/store/store.h"

#define API_DEFAULT_THREADS 4
#define API_DEFAULT_MAX_BODY ((size_t)8 << 20)	/* 8 MiB */
#define API_DEFAULT_FUTURE_TOLERANCE 300	/* s */

/* Readings one GET .../readings answer may hold; ask for less time. */
#define API_MAX_READINGS 200000

struct api_config {
	const char *host;	/* address to bind: "127.0.0.1", "::1", ... */
	unsigned port;		/* 0 picks a free port; see api_port() */
	unsigned threads;	/* requests handled at once, 1 or more */
	size_t max_body;	/* largest request body accepted, in bytes */
	/* Line protocol mapping rules (lineproto.h), borrowed: they must
	 * outlive the server.  NULL for the default mapping. */
	const struct lineproto_map *lp_map;
	/* Readings more than this many seconds ahead of the server's
	 * clock are held in quarantine (ingest.h); 0: no check. */
	int64_t future_tolerance_s;
	/* IEEE 1888 point ID rules (api_fiap.h), borrowed likewise.  NULL
	 * for the default rule. */
	const struct api_fiap_map *fiap_map;
	/* Per-device defaults (docs/registry.md): requests per second and
	 * bucket size (0: no limit), the window of signed timestamps and
	 * the silence after which a device is offline (0: the defaults). */
	double rate_per_s;
	unsigned burst;
	unsigned skew_s;
	unsigned offline_after_s;
};

struct api;
struct lineproto_map;
struct api_fiap_map;

/*
 * Binds host:port and starts serving.  st is borrowed and must outlive
 * the server.  On success *out owns the server: stop it with api_stop().
 * Returns 0, or -1 with *out NULL and the reason in err.
 */
int api_start(struct store *st, const struct api_config *cfg,
	      struct api **out, char *err, size_t errlen);

/* The port the server is bound to: the real one when cfg->port was 0. */
unsigned api_port(const struct api *api);

/* Stops accepting, waits for requests in flight, frees.  Accepts NULL. */
void api_stop(struct api *api);

#endif
