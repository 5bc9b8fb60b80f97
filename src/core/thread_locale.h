/*
 * thread_locale.h - a thread's own "C" locale.
 *
 * The process's locale is "C", but SDL's X11 start-up sets it to the
 * environment's and back while it opens an input method, on the
 * kiosk's own thread.  A thread that reads or writes numbers
 * meanwhile (jansson reads the decimal point with localeconv(), then
 * calls strtod(), and asserts that the two agreed) would see the
 * locale change between the two and abort, or print "1,5" into JSON.
 * Such a thread takes a locale of its own, which nothing changes.
 */
#ifndef AKARI_CORE_THREAD_LOCALE_H
#define AKARI_CORE_THREAD_LOCALE_H

#include <locale.h>

/* Makes the calling thread use a "C" locale of its own and returns it,
 * for core_thread_locale_end(); (locale_t)0 when none could be made
 * (out of memory), and the thread then goes on with the process's. */
locale_t core_thread_locale_begin(void);

/* Gives the calling thread the process's locale back and frees loc. */
void core_thread_locale_end(locale_t loc);

#endif
