/*
 * api_http.h - what every route of the HTTP API answers alike: the JSON
 * error body and the ETag of a conditional GET.
 */
#ifndef AKARI_API_HTTP_H
#define AKARI_API_HTTP_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds a client refused with 503 (store.h, STORE_BUSY) is told to
 * wait in Retry-After: another program's hold on the database (an
 * import's commit, a rollup rebuild) is usually over by then, or the
 * next poll asks.  Every route that answers 503 says the same. */
#define API_BUSY_RETRY_S 2

/*
 * {"error": code, "message": the formatted text}, new.  A name quoted
 * from a URL or body may hold bytes that are not UTF-8, or be cut inside
 * a sequence; JSON takes neither, so the text is made valid first.  NULL
 * only when out of memory.
 */
json_t *api_error_vbody(const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* The message part alone, made valid UTF-8 into buf (len bytes). */
void api_error_vtext(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * Parses a time given in a query: RFC 3339 with an offset, or Unix
 * seconds (core_time_parse()).  libmicrohttpd turns '+' in a query into
 * a space, so an offset such as "+09:00" sent without %2B arrives as
 * " 09:00"; the last space is read back as '+'.  0, or -1 (*out
 * untouched).
 */
int api_time_parse(const char *s, int64_t *out);

/* A strong ETag of text: a quoted hash, into etag (at least 35 bytes). */
void api_etag_of(const char *text, char *etag, size_t len);

/*
 * Whether an If-None-Match header (NULL: none) matches etag: "*", or a
 * list of tags of which one is etag, compared weakly (RFC 9110 13.1.2: a
 * W/ prefix does not matter for GET).
 */
bool api_etag_matches(const char *header, const char *etag);

#endif
