/*
 * api_influx.h - the InfluxDB-compatible routes of the HTTP server:
 * POST /write (1.x), POST /api/v2/write (2.x) and GET|HEAD /ping.
 *
 * api.c routes a request here when api_influx_route() claims its URL and
 * then hands over each of libmicrohttpd's three calls.  This side reads
 * its own headers, body and answers, in InfluxDB's words, so that
 * InfluxDB clients and Telegraf understand them (docs/api.md).
 */
#ifndef AKARI_API_INFLUX_H
#define AKARI_API_INFLUX_H

#include <microhttpd.h>
#include <stddef.h>

#include "cloud/api/api_auth.h"
#include "cloud/ingest/lineproto.h"
#include "cloud/store/store.h"

enum api_influx_route {
	API_INFLUX_NONE,
	API_INFLUX_WRITE_V1,	/* /write */
	API_INFLUX_WRITE_V2,	/* /api/v2/write */
	API_INFLUX_PING,	/* /ping */
};

/* What the server lends every request; all of it borrowed. */
struct api_influx_env {
	struct store *st;
	size_t max_body;	/* bytes, before and after gunzip */
	const struct lineproto_map *map;	/* NULL: the default */
	int64_t future_tolerance_s;	/* see ingest_source */
	struct api_auth *auth;	/* device limits and signatures */
	struct ingest_points *points;	/* see ingest_source, or NULL */
};

struct api_influx;

enum api_influx_route api_influx_route(const char *url);

/*
 * The headers are in.  Creates the request's state in *out (free it with
 * api_influx_free, also after a failure) and, when the request can be
 * answered from its headers alone, queues that answer.  env, method, url
 * and client (the peer's address, for the log) must outlive the request.
 */
enum MHD_Result api_influx_begin(const struct api_influx_env *env,
				 struct MHD_Connection *conn,
				 enum api_influx_route route,
				 const char *method, const char *url,
				 const char *client, struct api_influx **out);

/* A piece of body; *size is set to 0 (all of it taken). */
enum MHD_Result api_influx_receive(struct api_influx *r, const char *data,
				   size_t *size);

/* The body is complete: store it and queue the answer. */
enum MHD_Result api_influx_finish(struct api_influx *r);

void api_influx_free(struct api_influx *r);	/* accepts NULL */

#endif
