/*
 * dl.h - libraries opened with dlopen() when first needed.
 *
 * The player opens libcurl (fetch/fetch_curl.h) and SDL2
 * (display/display_sdl.h) at run time rather than linking them, so that
 * their dozens of libraries are not loaded before main().  Both look
 * their functions up the same way, with a message an operator can act
 * on when something is missing.
 */
#ifndef AKARI_CORE_DL_H
#define AKARI_CORE_DL_H

#include <stdbool.h>
#include <stddef.h>

/* dlopen(soname, flags).  NULL with "cannot load WHAT: <the loader's
 * reason>" in why (len bytes) when it cannot be opened. */
void *core_dl_open(const char *soname, int flags, const char *what,
		   char *why, size_t len);

/* Looks name up in lib, opened as soname, into *slot (a pointer to a
 * function pointer).  False, with "SONAME has no NAME: ..." in why, when
 * the library lacks it. */
bool core_dl_find(void *lib, const char *soname, const char *name,
		  void *slot, char *why, size_t len);

#endif
