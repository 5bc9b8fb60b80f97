/*
 * display.h - where the kiosk's frames go: an SDL2 window, the whole
 * screen, or numbered PNG files.
 *
 * SDL picks its video driver at run time (x11, wayland, kmsdrm on a box
 * without a desktop, ...); SDL_VIDEODRIVER chooses one by hand.  A frame
 * is a Cairo image surface; on screen it goes through a streaming SDL
 * texture whose ARGB8888 layout is Cairo's ARGB32 (both are 32-bit
 * native-endian words with alpha on top).
 *
 * Errors: functions return 0, or -1 with a reason in err.  Nothing here
 * logs; display_fallback_reason() tells the caller what to report.
 */
#ifndef AKARI_DISPLAY_H
#define AKARI_DISPLAY_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

enum display_mode {
	DISPLAY_WINDOW,
	DISPLAY_FULLSCREEN,	/* SDL_WINDOW_FULLSCREEN_DESKTOP */
	DISPLAY_PNG,		/* frame-000001.png, ... in a directory,
				 * numbered on from the frames there */
};

struct display_config {
	enum display_mode mode;
	int width;		/* window or PNG size; 0: 1920 x 1080 */
	int height;
	const char *png_dir;	/* DISPLAY_PNG: where the frames go */
	/* DISPLAY_WINDOW only: when no window can be opened, write PNG
	 * frames here instead; NULL makes that a failure. */
	const char *fallback_dir;
	int png_keep;		/* keep only the newest N frames; 0: all */
	const char *title;	/* window title; NULL: "akari" */
};

/* Window events, as bits of display_wait()'s answer. */
enum {
	DISPLAY_EV_QUIT = 1,	/* window closed, Esc or q pressed */
	DISPLAY_EV_RESIZED = 2,	/* display_size() changed */
	DISPLAY_EV_EXPOSED = 4,	/* the window needs its frame again */
	DISPLAY_EV_LOST = 8,	/* the window lost its screen (the X server
				 * went away): frames are dropped, and the
				 * process must start again, with
				 * DISPLAY_LOST_ENV set, to open it again */
	DISPLAY_EV_BACK = 16,	/* a window lost from the start opened */
};

/* Set in the environment of a process started again after
 * DISPLAY_EV_LOST: a window that cannot be opened yet is then lost from
 * the start (frames dropped, tries at growing intervals up to 30 s)
 * instead of falling back to PNG files. */
#define DISPLAY_LOST_ENV "AKARI_DISPLAY_LOST"

struct display;

/* Environment defaults for the window, set before any other thread runs
 * (setenv races with getenv): Xlib reads no Compose table for input
 * methods (XCOMPOSEFILE; the kiosk takes keys, never typed text), and
 * SDL's D-Bus does not launch a session bus of its own where none runs
 * (DBUS_SESSION_BUS_ADDRESS).  Together they took about 30 ms of every
 * start.  Variables already set are left as they are. */
void display_preset_env(void);

/* Opens the display cfg asks for; strings in cfg are copied.  On success
 * *out owns it; close it with display_close().  In window mode with a
 * fallback_dir, a failure to open a window is not an error: the display
 * writes PNG frames and display_fallback_reason() says why. */
int display_open(const struct display_config *cfg, struct display **out,
		 char *err, size_t errlen);
void display_close(struct display *d);	/* accepts NULL */

/* What the display is: DISPLAY_PNG after a fallback. */
enum display_mode display_mode(const struct display *d);

/* "x11 window 1280x720", "PNG frames 1920x1080 in DIR", ... (borrowed,
 * valid until the next call on d). */
const char *display_describe(struct display *d);

/* The SDL error that made a window display fall back to PNG files, or
 * NULL when it did not. */
const char *display_fallback_reason(const struct display *d);

/* The size frames should have, in pixels (the window's drawable size,
 * which follows resizes and high-DPI scaling). */
void display_size(struct display *d, int *w, int *h);

/* The size cfg asks for, its defaults filled in: a window's or the PNG
 * files' before the display opens (a full screen's is the screen's). */
void display_config_size(const struct display_config *cfg, int *w, int *h);

/* Readies the window for its first frame while the caller waits for
 * that frame anyway: the window surface is made and its pages touched,
 * so that the first frame is not held up by them.  Does nothing where
 * frames do not go to a window surface. */
void display_prepare(struct display *d);

/* The size of the screen a full-screen window of cfg will cover, asked
 * of the X server before the window opens, for work that needs it early
 * (kiosk_warm.h): the root window's size of an X server with one
 * screen, when SDL would use X11 (SDL_VIDEODRIVER unset or naming X11
 * first).  0 x 0 when not known: not full screen, no X server, several
 * X screens, another video driver.  With several monitors on one screen
 * the root window spans them all, and the window covers the first only:
 * the answer is then wrong.  The connection it
 * opens stays open until display_open() has opened the window's own,
 * so that an X server whose only client it was does not reset between
 * the two. */
void display_screen_size(const struct display_config *cfg, int *w, int *h);

/* Makes the pages of [p, p + len) present and writable in one call
 * (MADV_POPULATE_WRITE, Linux 5.14 on): fresh memory would otherwise
 * fault in page by page where it is first drawn on.  -1, nothing done,
 * where the kernel cannot.  It never reads or writes the pixels, so
 * another thread may draw on them meanwhile. */
int display_populate(void *p, size_t len);

/* Shows frame (borrowed; an ARGB32 or RGB24 image surface), scaled to
 * the window if its size differs, or writes it as the next PNG file. */
int display_present(struct display *d, cairo_surface_t *frame, char *err,
		    size_t errlen);

/* A rectangle of a frame, in pixels. */
struct display_rect {
	int x, y, w, h;
};

/* Like display_present(), but only the n rectangles r[] of frame have
 * changed since the frame presented last: only they are copied out
 * where the display can (a window frame the size of the window), the
 * whole frame otherwise.  Counts as one frame. */
int display_present_rects(struct display *d, cairo_surface_t *frame,
			  const struct display_rect *r, int n, char *err,
			  size_t errlen);

/* A w x h surface on the screen's own pixels, for a frame drawn
 * straight into it and then shown with display_present_rects() without
 * a copy; NULL where the display has none (PNG files, a renderer other
 * than SDL's software one, a size other than the window's).  Owned by
 * d, valid until the next call on d other than display_present_rects();
 * what it holds is not on screen until presented.  *holds_last (may be
 * NULL) tells whether it holds the frame presented last, pixel for
 * pixel: then a caller that changes only some rectangles of it may
 * present just those.  Another frame presented after drawing there is
 * copied whole. */
cairo_surface_t *display_target(struct display *d, int w, int h,
				bool *holds_last);

/* Waits up to timeout seconds for window events and returns the
 * DISPLAY_EV_* bits of what happened; returns early on the first event
 * or when a signal arrives (PNG mode, X11; elsewhere within 0.25 s). */
unsigned display_wait(struct display *d, double timeout);

/* Parses "1280x720" into *w and *h (16 to 16384 each).  Returns 0, or
 * -1 with *w and *h untouched. */
int display_parse_size(const char *s, int *w, int *h);

/* Why the window was lost (display_wait() said DISPLAY_EV_LOST), while
 * it is; NULL otherwise. */
const char *display_lost_reason(const struct display *d);

/* Powers the screen down (on false) or up again where the display can:
 * an X11 window on a server with the DPMS extension.  Returns 0, or -1
 * with the reason in err when it cannot, and the caller shows black
 * instead. */
int display_set_power(struct display *d, bool on, char *err,
		      size_t errlen);

/* The number of frames presented so far. */
long display_frames(const struct display *d);

#endif
