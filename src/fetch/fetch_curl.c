/*
 * fetch_curl.c - libcurl opened with dlopen() (fetch_curl.h).
 */
#include "fetch/fetch_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/dl.h"
#include "fetch/fetch_internal.h"

/* The library's name as its package installs it: the ABI version akari
 * is built against. */
#define CURL_LIBRARY "libcurl.so.4"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct fetch_curl fns;
static const struct fetch_curl *loaded;
static char why[256];

/* Looks name up in lib into *slot; false, with why set, when missing. */
static bool find(void *lib, const char *name, void *slot)
{
	return core_dl_find(lib, CURL_LIBRARY, name, slot, why, sizeof why);
}

static void open_library(void)
{
	CURLcode (*global_init)(long flags) = NULL;
	void *lib;
	CURLcode cc;

	lib = core_dl_open(CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL, "libcurl", why,
			   sizeof why);
	if (!lib)
		return;
	if (!find(lib, "curl_global_init", &global_init) ||
	    !find(lib, "curl_easy_init", &fns.easy_init) ||
	    !find(lib, "curl_easy_cleanup", &fns.easy_cleanup) ||
	    !find(lib, "curl_easy_reset", &fns.easy_reset) ||
	    !find(lib, "curl_easy_setopt", &fns.easy_setopt) ||
	    !find(lib, "curl_easy_getinfo", &fns.easy_getinfo) ||
	    !find(lib, "curl_easy_perform", &fns.easy_perform) ||
	    !find(lib, "curl_easy_strerror", &fns.easy_strerror) ||
	    !find(lib, "curl_slist_append", &fns.slist_append) ||
	    !find(lib, "curl_slist_free_all", &fns.slist_free_all) ||
	    !find(lib, "curl_getdate", &fns.getdate))
		return;
	/* The library stays open for the process's life: handles live on
	 * threads that may outlast any one user. */
	cc = global_init(CURL_GLOBAL_DEFAULT);
	if (cc != CURLE_OK) {
		snprintf(why, sizeof why, "libcurl did not start: %s",
			 fns.easy_strerror(cc));
		return;
	}
	loaded = &fns;
}

const struct fetch_curl *fetch_curl(char *err, size_t errlen)
{
	pthread_once(&once, open_library);
	if (!loaded)
		fetch_set_err(err, errlen, "%s", why);
	return loaded;
}

CURL *fetch_curl_handle(const struct fetch_curl **cu, char *err,
			size_t errlen)
{
	const struct fetch_curl *f = fetch_curl(err, errlen);
	CURL *h;

	*cu = f;
	if (!f)
		return NULL;
	h = f->easy_init();
	if (!h)
		fetch_set_err(err, errlen, "libcurl cannot make a handle "
			      "(out of memory)");
	return h;
}
