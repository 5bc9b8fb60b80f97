/*
 * fetch_internal.h - what the fetcher's files share.
 */
#ifndef AKARI_FETCH_INTERNAL_H
#define AKARI_FETCH_INTERNAL_H

#include <stddef.h>

/* Writes a one-line reason into err (errlen bytes) when err is not
 * NULL, as every fetch function that fails does. */
void fetch_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
