/*
 * dl.c - libraries opened with dlopen() (dl.h).
 */
#include "core/dl.h"

#include <dlfcn.h>
#include <stdio.h>

void *core_dl_open(const char *soname, int flags, const char *what,
		   char *why, size_t len)
{
	void *lib = dlopen(soname, flags);

	if (!lib) {
		const char *e = dlerror();

		snprintf(why, len, "cannot load %s: %s", what,
			 e ? e : "not found");
	}
	return lib;
}

bool core_dl_find(void *lib, const char *soname, const char *name,
		  void *slot, char *why, size_t len)
{
	void *sym;

	dlerror();
	sym = dlsym(lib, name);
	if (!sym) {
		const char *e = dlerror();

		snprintf(why, len, "%s has no %s: %s", soname, name,
			 e ? e : "no such symbol");
		return false;
	}
	/* POSIX's way from an object pointer to a function pointer. */
	*(void **)slot = sym;
	return true;
}
