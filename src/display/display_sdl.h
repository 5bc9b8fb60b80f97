/*
 * display_sdl.h - SDL2, opened when the first window is (display.c).
 *
 * Debian's SDL2 brings about 35 libraries of its own (PulseAudio and
 * ALSA with their codecs, Wayland, libdecor, DRM, GBM, xkbcommon);
 * linked into the player they were loaded and relocated before main(),
 * about 6 ms of every start, while the fonts' thread (kiosk_warm.h)
 * waited to begin the first frame.  Opened with dlopen() by
 * display_open() instead, they load on the kiosk's own thread while the
 * fonts' thread works on the other core, and a kiosk that writes PNG
 * files never loads them.
 *
 * display.c includes this header instead of SDL's (it includes them):
 * each SDL function display.c calls is then a call through the table
 * below, under the same name.  A function called but missing from
 * DISPLAY_SDL_FUNCTIONS and the #defines at the end fails the link, as
 * the library is not linked.  Nothing in the table may be called
 * before display_sdl_open() succeeded.
 */
#ifndef AKARI_DISPLAY_SDL_H
#define AKARI_DISPLAY_SDL_H

#include <SDL.h>
#include <SDL_syswm.h>
#include <stddef.h>

/* Every SDL function display.c calls; X(name) for each. */
#define DISPLAY_SDL_FUNCTIONS(X)                                          \
	X(SDL_CreateRenderer) X(SDL_CreateTexture) X(SDL_CreateWindow)   \
	X(SDL_DestroyRenderer) X(SDL_DestroyTexture)                      \
	X(SDL_DestroyWindow) X(SDL_GetCurrentVideoDriver)                 \
	X(SDL_GetDisplayBounds) X(SDL_GetError) X(SDL_GetRendererInfo)    \
	X(SDL_GetRendererOutputSize) X(SDL_GetWindowSurface)              \
	X(SDL_GetWindowWMInfo) X(SDL_InitSubSystem) X(SDL_PeepEvents)     \
	X(SDL_PollEvent) X(SDL_PumpEvents) X(SDL_QuitSubSystem)           \
	X(SDL_RenderClear) X(SDL_RenderCopy) X(SDL_RenderPresent)         \
	X(SDL_SetHint) X(SDL_SetHintWithPriority)                         \
	X(SDL_SetTextureBlendMode) X(SDL_SetWindowFullscreen)             \
	X(SDL_ShowCursor) X(SDL_ShowWindow) X(SDL_UpdateTexture)          \
	X(SDL_UpdateWindowSurfaceRects) X(SDL_WaitEventTimeout)

/* The functions, each of the type SDL.h declares it with. */
struct display_sdl {
#define DISPLAY_SDL_SLOT(name) __typeof__(name) *name;
	DISPLAY_SDL_FUNCTIONS(DISPLAY_SDL_SLOT)
#undef DISPLAY_SDL_SLOT
};

/* Filled by display_sdl_open(); all NULL before. */
extern struct display_sdl display_sdl;

/* Opens SDL2 and fills display_sdl, once per process (the library then
 * stays open), or tries again after a failure; thread-safe.  Returns 0,
 * or -1 with the loader's reason in err. */
int display_sdl_open(char *err, size_t errlen);

/* From here on, display.c's SDL calls go through the table
 * (display_sdl.c itself names SDL's functions as they are). */
#ifndef DISPLAY_SDL_NO_REDIRECT
#define SDL_CreateRenderer display_sdl.SDL_CreateRenderer
#define SDL_CreateTexture display_sdl.SDL_CreateTexture
#define SDL_CreateWindow display_sdl.SDL_CreateWindow
#define SDL_DestroyRenderer display_sdl.SDL_DestroyRenderer
#define SDL_DestroyTexture display_sdl.SDL_DestroyTexture
#define SDL_DestroyWindow display_sdl.SDL_DestroyWindow
#define SDL_GetCurrentVideoDriver display_sdl.SDL_GetCurrentVideoDriver
#define SDL_GetDisplayBounds display_sdl.SDL_GetDisplayBounds
#define SDL_GetError display_sdl.SDL_GetError
#define SDL_GetRendererInfo display_sdl.SDL_GetRendererInfo
#define SDL_GetRendererOutputSize display_sdl.SDL_GetRendererOutputSize
#define SDL_GetWindowSurface display_sdl.SDL_GetWindowSurface
#define SDL_GetWindowWMInfo display_sdl.SDL_GetWindowWMInfo
#define SDL_InitSubSystem display_sdl.SDL_InitSubSystem
#define SDL_PeepEvents display_sdl.SDL_PeepEvents
#define SDL_PollEvent display_sdl.SDL_PollEvent
#define SDL_PumpEvents display_sdl.SDL_PumpEvents
#define SDL_QuitSubSystem display_sdl.SDL_QuitSubSystem
#define SDL_RenderClear display_sdl.SDL_RenderClear
#define SDL_RenderCopy display_sdl.SDL_RenderCopy
#define SDL_RenderPresent display_sdl.SDL_RenderPresent
#define SDL_SetHint display_sdl.SDL_SetHint
#define SDL_SetHintWithPriority display_sdl.SDL_SetHintWithPriority
#define SDL_SetTextureBlendMode display_sdl.SDL_SetTextureBlendMode
#define SDL_SetWindowFullscreen display_sdl.SDL_SetWindowFullscreen
#define SDL_ShowCursor display_sdl.SDL_ShowCursor
#define SDL_ShowWindow display_sdl.SDL_ShowWindow
#define SDL_UpdateTexture display_sdl.SDL_UpdateTexture
#define SDL_UpdateWindowSurfaceRects display_sdl.SDL_UpdateWindowSurfaceRects
#define SDL_WaitEventTimeout display_sdl.SDL_WaitEventTimeout
#endif

#endif
