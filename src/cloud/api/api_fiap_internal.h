/*
 * api_fiap_internal.h - what the IEEE 1888 files share: the namespaces,
 * the answer being built, and the two operations.
 *
 * api_fiap.c reads the SOAP envelope and builds the answer's envelope
 * down to its transport and header; an operation then adds OK or an
 * error to the header, and the rest of its answer.
 */
#ifndef AKARI_API_FIAP_INTERNAL_H
#define AKARI_API_FIAP_INTERNAL_H

#include <libxml/tree.h>
#include <stdbool.h>

#include "cloud/api/api_fiap.h"
#include "cloud/ingest/ingest.h"

#define FIAP_SOAP_NS "http://soap.fiap.org/"
#define FIAP_NS "http://gutp.jp/fiap/2009/11/"

/* The standard's error types, sent as <error type="...">. */
#define FIAP_POINT_NOT_FOUND "POINT_NOT_FOUND"
#define FIAP_INVALID_REQUEST "INVALID_REQUEST"
#define FIAP_INVALID_CURSOR "INVALID_CURSOR"
#define FIAP_QUERY_NOT_SUPPORTED "QUERY_NOT_SUPPORTED"
#define FIAP_VALUE_TIME_NOT_SPECIFIED "VALUE_TIME_NOT_SPECIFIED"
#define FIAP_FORBIDDEN "FORBIDDEN"
#define FIAP_TOO_MANY_KEYS "TOO_MANY_KEYS"
#define FIAP_TOO_MANY_VALUES "TOO_MANY_VALUES"
#define FIAP_SERVER_ERROR "SERVER_ERROR"

/* One answer's transport, being filled.  All nodes belong to doc. */
struct fiap_reply {
	xmlDocPtr doc;
	xmlNsPtr ns;		/* FIAP's, declared on transport */
	xmlNodePtr transport;
	xmlNodePtr header;
	const char *error;	/* the error type sent; NULL while OK */
	char *message;		/* owned: the error's text, for the log */
	size_t stored;		/* values written, for the log */
};

/* Adds <OK/> to the header. */
void fiap_reply_ok(struct fiap_reply *r);

/* Adds <error type="TYPE">message</error> to the header; the message
 * is made valid UTF-8 (it may quote a cut name). */
void fiap_reply_error(struct fiap_reply *r, const char *type,
		      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A new element of FIAP's namespace under parent. */
xmlNodePtr fiap_child(struct fiap_reply *r, xmlNodePtr parent,
		      const char *name);

/* Whether node is the element {FIAP_NS}name. */
bool fiap_is(xmlNodePtr node, const char *name);

/* The value of attribute name of node (no namespace), owned by the
 * caller (g_free), or NULL. */
char *fiap_attr(xmlNodePtr node, const char *name);

/* Parses an xs:dateTime with an offset into Unix seconds, and says
 * whether it had a fraction of a second above zero.  0 or -1. */
int fiap_time_parse(const char *s, int64_t *ts, bool *frac);

/*
 * WRITE: stores the values of a dataRQ's transport (borrowed) for the
 * device src and fills the dataRS's header.  The values go through
 * ingest_batch(), in one transaction.
 */
void fiap_write(const struct api_fiap_env *env,
		const struct ingest_source *src, xmlNodePtr transport,
		struct fiap_reply *reply);

/* FETCH: answers a queryRQ's transport (borrowed) into reply. */
void fiap_query(const struct api_fiap_env *env, xmlNodePtr transport,
		struct fiap_reply *reply);

/* The service's WSDL with its address set to location, owned by the
 * caller (xmlFreeDoc), or NULL when memory ran out. */
xmlDocPtr fiap_wsdl(const char *location);

/* The cursor table of api_fiap_env. */
struct api_fiap_cursors *fiap_cursors_new(void);
void fiap_cursors_free(struct api_fiap_cursors *c);	/* accepts NULL */

#endif
