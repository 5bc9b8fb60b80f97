/*
 * fetch_curl.h - libcurl, opened when the first transfer needs it.
 *
 * libcurl brings 25 libraries of its own (two TLS stacks, Kerberos,
 * LDAP, SSH); linked into the player they were loaded and relocated
 * before main(), about 9 ms of a start whose first frame, from the
 * cache, needs no network at all.  The fetch module opens libcurl with
 * dlopen() instead, once per process, the first time a transfer is
 * made, and calls it through the table below.  A box without libcurl
 * still plays from its cache; each transfer then fails with the
 * loader's message.
 */
#ifndef AKARI_FETCH_CURL_H
#define AKARI_FETCH_CURL_H

#include <curl/curl.h>
#include <stddef.h>
#include <time.h>

/* The libcurl functions akari calls, by their names without "curl_".
 * The variadic ones take what libcurl's own do: a long, a pointer, a
 * function pointer or a curl_off_t, as the option's type says. */
struct fetch_curl {
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *h);
	const char *(*easy_strerror)(CURLcode cc);
	struct curl_slist *(*slist_append)(struct curl_slist *l,
					   const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	time_t (*getdate)(const char *s, const time_t *unused);
};

/* libcurl's functions, the library opened and initialised on the first
 * call (thread-safe, once per process).  NULL when it cannot be: err
 * then says why, as every later call does. */
const struct fetch_curl *fetch_curl(char *err, size_t errlen);

/* A new handle, libcurl opened first if need be; *cu is set to the
 * functions to use it with.  NULL with err set when libcurl cannot be
 * opened or the handle cannot be made. */
CURL *fetch_curl_handle(const struct fetch_curl **cu, char *err,
			size_t errlen);

#endif
