/*
 * api_fiap.h - IEEE 1888 (FIAP) storage over SOAP 1.1: the WRITE
 * protocol's `data` operation and the FETCH protocol's `query`
 * operation, on POST /axis2/services/FIAPStorage (and /fiap), as
 * docs/ieee1888.md describes.
 *
 * api.c routes a request here when api_fiap_route() claims its URL and
 * then hands over each of libmicrohttpd's three calls, as it does for
 * api_influx.h.  Answers are SOAP envelopes in text/xml: a dataRS or
 * queryRS whose header holds OK or the standard's error, or a SOAP
 * Fault when the request is not a FIAP message at all.
 *
 * Point IDs are URIs; a map (below) turns each into an akari point key.
 */
#ifndef AKARI_API_FIAP_H
#define AKARI_API_FIAP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/api/api_auth.h"
#include "cloud/store/store.h"

#define API_FIAP_PATH "/axis2/services/FIAPStorage"
#define API_FIAP_ALIAS "/fiap"

/* Values in one FETCH answer, whatever acceptableSize asks for. */
#define API_FIAP_MAX_VALUES 10000
/* Keys in one query. */
#define API_FIAP_MAX_KEYS 1000

/* --- the point ID map --------------------------------------------------- */

/*
 * Rules from a map file (docs/ieee1888.md), one a line:
 *
 *   POINT-ID -> KEY [UNIT]
 *
 * POINT-ID is a URI, or a URI prefix ending in '*'; in KEY a '*' stands
 * for what the prefix's '*' matched.  KEY '-' drops the point's values
 * without an error.  UNIT is the unit the point's values are written in
 * and read back in (converted to and from the akari point's unit).  The
 * first matching rule decides; when none matches, the default rule
 * takes the path of a "scheme://host/KEY" URI as the key.
 */
struct api_fiap_map;

/* Reads a map file.  On success *out owns the map (api_fiap_map_free);
 * on failure *out is NULL and err says "FILE:LINE: what". */
int api_fiap_map_load(const char *path, struct api_fiap_map **out,
		      char *err, size_t errlen);

/* Parses rules from text; same contract, name stands for the file. */
int api_fiap_map_parse(const char *text, const char *name,
		       struct api_fiap_map **out, char *err, size_t errlen);

void api_fiap_map_free(struct api_fiap_map *map);	/* accepts NULL */

/*
 * The akari key of point ID id in key (keylen bytes), and in *unit the
 * rule's unit (borrowed from map) or NULL.  map NULL is the default
 * rule alone.  Returns 1 with a key, 0 when a rule drops the point, or
 * -1 with the reason in err.
 */
int api_fiap_map_key(const struct api_fiap_map *map, const char *id,
		     char *key, size_t keylen, const char **unit, char *err,
		     size_t errlen);

/* --- the route ---------------------------------------------------------- */

struct api_fiap_cursors;

/* What the server lends every request.  Set up with api_fiap_env_init;
 * st and map are borrowed, the cursor table is owned. */
struct api_fiap_env {
	struct store *st;
	size_t max_body;
	const struct api_fiap_map *map;	/* NULL: the default rule */
	int64_t future_tolerance_s;	/* ingest_source's */
	struct api_fiap_cursors *cursors;
	struct api_auth *auth;	/* device limits and signatures */
};

/* Also initialises libxml2, so call it before any request thread.  The
 * future tolerance starts at 0 (no check); the server sets its own. */
void api_fiap_env_init(struct api_fiap_env *env, struct store *st,
		       size_t max_body, const struct api_fiap_map *map);
void api_fiap_env_finish(struct api_fiap_env *env);

struct api_fiap;

bool api_fiap_route(const char *url);

/*
 * The headers are in.  Creates the request's state in *out (free it
 * with api_fiap_free, also after a failure) and, when the request can
 * be answered from its headers alone, queues that answer.  env, method,
 * url and client (the peer's address, for the log) must outlive the
 * request.
 */
enum MHD_Result api_fiap_begin(const struct api_fiap_env *env,
			       struct MHD_Connection *conn,
			       const char *method, const char *url,
			       const char *client, struct api_fiap **out);

/* A piece of body; *size is set to 0 (all of it taken). */
enum MHD_Result api_fiap_receive(struct api_fiap *r, const char *data,
				 size_t *size);

/* The body is complete: run the operation and queue the answer. */
enum MHD_Result api_fiap_finish(struct api_fiap *r);

void api_fiap_free(struct api_fiap *r);	/* accepts NULL */

#endif
