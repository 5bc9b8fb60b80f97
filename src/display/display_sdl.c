/*
 * display_sdl.c - SDL2 opened with dlopen() (display_sdl.h).
 *
 * Built without display_sdl.h's redirections: the names below are
 * SDL's own, used only for their types and as strings.
 */
#include <SDL.h>
#include <SDL_syswm.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/dl.h"
#define DISPLAY_SDL_NO_REDIRECT
#include "display/display_sdl.h"

/* The library's name as its package installs it: the ABI version akari
 * is built against. */
#define DISPLAY_SDL_LIBRARY "libSDL2-2.0.so.0"

struct display_sdl display_sdl;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool loaded;		/* under lock, then for good */
static char why[256];		/* under lock */

/* Looks name up in lib into *slot; false, with why set, when missing. */
static bool find(void *lib, const char *name, void *slot)
{
	return core_dl_find(lib, DISPLAY_SDL_LIBRARY, name, slot, why,
			    sizeof why);
}

static void open_library(void)
{
	struct display_sdl fns;
	void *lib;

	/* Lazy: of SDL's own libraries' symbols, only those a call needs
	 * are bound, when it is made. */
	lib = core_dl_open(DISPLAY_SDL_LIBRARY, RTLD_LAZY | RTLD_LOCAL,
			   "SDL2", why, sizeof why);
	if (!lib)
		return;
#define DISPLAY_SDL_FIND(name)                                            \
	if (!find(lib, #name, &fns.name))                                 \
		goto fail;
	DISPLAY_SDL_FUNCTIONS(DISPLAY_SDL_FIND)
#undef DISPLAY_SDL_FIND
	/* The library stays open for the process's life: SDL keeps
	 * threads and handlers of its own. */
	display_sdl = fns;
	loaded = true;
	return;

fail:
	dlclose(lib);
}

int display_sdl_open(char *err, size_t errlen)
{
	int rc = 0;

	/* Tried again after a failure: a window lost from the start tries
	 * to open again for as long as the kiosk runs, and the library may
	 * be installed meanwhile. */
	pthread_mutex_lock(&lock);
	if (!loaded)
		open_library();
	if (!loaded) {
		snprintf(err, errlen, "%s", why);
		rc = -1;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}
