/*
 * display.c - SDL2 window or fullscreen, or PNG files on disk.
 *
 * A window can lose its screen: the X server restarts or goes away.
 * Xlib would end the process when its connection breaks; the display
 * takes that over (XSetIOErrorExitHandler) and marks itself lost.  SDL
 * cannot let go of a window on a dead connection (it waits for the
 * server's answers, and closes its second connection through Xlib's
 * exit), so the caller starts itself again (display.h).  Started with
 * DISPLAY_LOST_ENV set, a display that cannot open its window yet is
 * lost from the start: it drops the frames it is given and tries again
 * at growing intervals until the window opens.
 */
#include "display/display.h"

#include "display/display_sdl.h"
#ifdef AKARI_HAVE_XDPMS
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/extensions/dpms.h>
#endif
#ifdef AKARI_HAVE_XCB
#include <xcb/xcb.h>
#endif

/* Seconds between tries to open a lost window again, doubling. */
#define REOPEN_MIN 0.5
#define REOPEN_MAX 30.0
/* The longest single wait: an hour, far inside an int of milliseconds. */
#define DISPLAY_WAIT_MAX 3600.0
/* Linux 5.14; older headers do not name it, older kernels refuse it. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
/* Linux's "the other end shut down"; <poll.h> names it only under
 * _GNU_SOURCE. */
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_W 1920
#define DEFAULT_H 1080

struct display {
	enum display_mode mode;
	int width, height;	/* PNG size, or the drawable size */
	long frames;

	/* SDL */
	bool sdl_up;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	int tex_w, tex_h;
	Uint32 tex_format;
	bool soft;		/* SDL's software renderer: frames go
				 * straight into the window surface */
	SDL_Surface *surface;	/* the window surface that holds the
				 * last frame, NULL: none does */
	cairo_surface_t *target;	/* display_target()'s, on the
					 * window surface's pixels */
	double pumped;		/* when SDL's events were pumped last */
	bool target_drawn;	/* handed out since the last present: the
				 * window surface may differ from it */
	SDL_Rect *rects;	/* present_surface()'s, grown as needed */
	int rects_cap;

	/* A window that lost its screen, and when to try it again. */
	struct display_config cfg;	/* for reopening; strings not kept */
	char *title;
	volatile bool lost;
	bool was_lost;		/* display_wait() has reported it */
	bool reopened;		/* ... and not yet that it is back */
	double retry_at, retry;
	char lost_why[256];

	/* PNG */
	char *png_dir;
	int png_keep;
	long png_base;		/* the highest number found at open */

	char *fallback;		/* why PNG files replaced the window */
	char describe[512];
};

static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path) {
		snprintf(err, errlen, "frame directory name empty or too long");
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; ; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path,
				 strerror(errno));
			return -1;
		}
		if (end)
			break;
		*p = '/';
	}
	return 0;
}

/* The highest N of the frame-N.png files in dir, 0 for none. */
static long last_frame_number(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	long last = 0;

	if (!dh)
		return 0;
	while ((e = readdir(dh))) {
		char *end;
		long n;

		if (strncmp(e->d_name, "frame-", 6) != 0)
			continue;
		n = strtol(e->d_name + 6, &end, 10);
		if (end != e->d_name + 6 && strcmp(end, ".png") == 0 &&
		    n > last)
			last = n;
	}
	closedir(dh);
	return last;
}

static int open_png(struct display *d, const char *dir, char *err,
		    size_t errlen)
{
	if (!dir) {
		snprintf(err, errlen, "no directory for PNG frames");
		return -1;
	}
	if (make_dirs(dir, err, errlen))
		return -1;
	d->png_dir = strdup(dir);
	if (!d->png_dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	/* Numbering goes on from an earlier run's frames: starting again
	 * at 1 would leave that run's frames as the newest by name, and
	 * out of reach of --png-keep, for ever. */
	d->png_base = last_frame_number(dir);
	d->mode = DISPLAY_PNG;
	return 0;
}

/* quit_video false leaves SDL's video subsystem up until the process
 * ends: quitting it makes Mesa unload its GL driver, and the driver's
 * one-time allocations then look like leaks to LeakSanitizer. */
static void drop_target(struct display *d)
{
	cairo_surface_destroy(d->target);
	d->target = NULL;
}

static void close_sdl(struct display *d, bool quit_video)
{
	drop_target(d);
	if (d->tex)
		SDL_DestroyTexture(d->tex);
	if (d->ren)
		SDL_DestroyRenderer(d->ren);
	if (d->win)
		SDL_DestroyWindow(d->win);
	if (d->sdl_up && quit_video)
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
	d->tex = NULL;
	d->ren = NULL;
	d->win = NULL;
	d->surface = NULL;
	d->sdl_up = false;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#ifdef AKARI_HAVE_XDPMS
/* Set when the window's connection to the X server broke. */
static volatile bool x_broken;

/* Called by Xlib after on_x_io_error(), in place of its exit(); Xlib's
 * calls on the connection fail from then on. */
static void on_x_exit(Display *dpy, void *ud)
{
	(void)dpy;
	(void)ud;
	x_broken = true;
}

/* Xlib's own handler would end the process before the exit handler is
 * asked. */
static int on_x_io_error(Display *dpy)
{
	(void)dpy;
	return 0;
}

static Display *x_display(SDL_Window *win)
{
	SDL_SysWMinfo info;

	SDL_VERSION(&info.version);
	if (!win || !SDL_GetWindowWMInfo(win, &info) ||
	    info.subsystem != SDL_SYSWM_X11)
		return NULL;
	return info.info.x11.display;
}
#endif

/* Whether the window's connection broke since the last look. */
static bool check_lost(struct display *d)
{
#ifdef AKARI_HAVE_XDPMS
	if (x_broken && d->win)
		d->lost = true;
#endif
	return d->lost;
}

/* Whether the X server closed the window's connection, which no call
 * may have noticed yet (a stop asked for as the X server goes, as when
 * a box shuts down): looked at without reading or waiting, even with
 * events still unread before the end. */
static bool x_closed(struct display *d)
{
#ifdef AKARI_HAVE_XDPMS
	Display *dpy = d->lost ? NULL : x_display(d->win);
	struct pollfd p;

	if (!dpy)
		return false;
	p.fd = ConnectionNumber(dpy);
	p.events = POLLRDHUP;
	p.revents = 0;
	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
#else
	(void)d;
	return false;
#endif
}

static bool is_invisible_driver(void)
{
	const char *name = SDL_GetCurrentVideoDriver();

	return !name || strcmp(name, "offscreen") == 0 ||
	       strcmp(name, "dummy") == 0 || strcmp(name, "evdev") == 0;
}

/*
 * Whether an EWMH window manager runs on the window's X server: without
 * one, SDL's fullscreen request waits in vain for an answer (about a
 * tenth of a second at every start), and a borderless window over the
 * whole screen is fullscreen already.  true where it cannot tell.
 */
static bool has_window_manager(SDL_Window *win)
{
#ifdef AKARI_HAVE_XDPMS
	Display *dpy = x_display(win);
	unsigned long n = 0, left;
	unsigned char *data = NULL;
	Atom check, type;
	int format;
	bool found;

	if (!dpy)
		return true;
	check = XInternAtom(dpy, "_NET_SUPPORTING_WM_CHECK", True);
	if (check == None)
		return false;
	found = XGetWindowProperty(dpy, DefaultRootWindow(dpy), check, 0, 1,
				   False, XA_WINDOW, &type, &format, &n,
				   &left, &data) == Success &&
		type == XA_WINDOW && n == 1;
	if (data)
		XFree(data);
	return found;
#else
	(void)win;
	return true;
#endif
}

/* A fullscreen window, opened hidden: borderless over the whole first
 * screen, and fullscreen by the window manager's leave where there is
 * one. */
static SDL_Window *fullscreen_window(const char *title, Uint32 flags)
{
	SDL_Rect b;
	SDL_Window *win;

	if (SDL_GetDisplayBounds(0, &b))
		return NULL;
	win = SDL_CreateWindow(title, b.x, b.y, b.w, b.h,
			       flags | SDL_WINDOW_BORDERLESS |
				       SDL_WINDOW_HIDDEN);
	if (!win)
		return NULL;
	if (has_window_manager(win))
		SDL_SetWindowFullscreen(win, SDL_WINDOW_FULLSCREEN_DESKTOP);
	SDL_ShowWindow(win);
	return win;
}

#ifdef AKARI_HAVE_XCB
/* display_screen_size()'s connection, until display_open() is done. */
static xcb_connection_t *probe;
#endif

static void close_probe(void)
{
#ifdef AKARI_HAVE_XCB
	if (probe)
		xcb_disconnect(probe);
	probe = NULL;
#endif
}

#ifdef AKARI_HAVE_XCB
/* Whether SDL picks X11: no driver asked for, or X11 first in the
 * comma-separated list SDL_VIDEODRIVER may hold (in any case, as SDL
 * reads it). */
static bool sdl_picks_x11(void)
{
	const char *driver = getenv("SDL_VIDEODRIVER");
	size_t n;

	if (!driver || !*driver)
		return true;
	n = strcspn(driver, ",");
	return n == 3 && strncasecmp(driver, "x11", 3) == 0;
}
#endif

void display_screen_size(const struct display_config *cfg, int *w, int *h)
{
#ifdef AKARI_HAVE_XCB
	const xcb_setup_t *setup;
	xcb_screen_iterator_t it;
	int screen = 0;

	*w = *h = 0;
	if (cfg->mode != DISPLAY_FULLSCREEN || !getenv("DISPLAY") ||
	    !sdl_picks_x11())
		return;
	close_probe();
	probe = xcb_connect(NULL, &screen);
	if (xcb_connection_has_error(probe)) {
		close_probe();
		return;
	}
	/* SDL's full screen covers its first display, on the first X
	 * screen whatever $DISPLAY names: with several screens the answer
	 * would be another's. */
	setup = xcb_get_setup(probe);
	if (xcb_setup_roots_length(setup) != 1)
		return;
	it = xcb_setup_roots_iterator(setup);
	*w = it.data->width_in_pixels;
	*h = it.data->height_in_pixels;
#else
	(void)cfg;
	*w = *h = 0;
#endif
}

void display_config_size(const struct display_config *cfg, int *w, int *h)
{
	*w = cfg->width > 0 ? cfg->width : DEFAULT_W;
	*h = cfg->height > 0 ? cfg->height : DEFAULT_H;
}

void display_preset_env(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char bus[4096];
	struct stat st;

	setenv("XCOMPOSEFILE", "/dev/null", 0);
	if (getenv("DBUS_SESSION_BUS_ADDRESS"))
		return;
	/* libdbus finds a user's bus there by itself, and only when it
	 * does not, runs dbus-launch (a fork and an exec, tens of ms). */
	if (run && (size_t)snprintf(bus, sizeof bus, "%s/bus", run) <
			   sizeof bus &&
	    stat(bus, &st) == 0 && S_ISSOCK(st.st_mode))
		return;
	setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:", 0);
}

static bool is_software(SDL_Renderer *ren)
{
	SDL_RendererInfo info;

	return SDL_GetRendererInfo(ren, &info) == 0 && info.name &&
	       strcmp(info.name, "software") == 0;
}

static int open_sdl(struct display *d, const struct display_config *cfg,
		    char *err, size_t errlen)
{
	Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI;

	if (display_sdl_open(err, errlen))
		return -1;
	/* The kiosk handles SIGINT and SIGTERM itself. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		snprintf(err, errlen, "SDL video: %s", SDL_GetError());
		return -1;
	}
	d->sdl_up = true;

	/* With no screen at all SDL settles for a driver that shows
	 * nothing; only someone who asked for it by name wants that. */
	if (!getenv("SDL_VIDEODRIVER") && is_invisible_driver()) {
		snprintf(err, errlen, "no screen found (SDL chose its '%s' "
			 "driver)", SDL_GetCurrentVideoDriver());
		goto fail;
	}

	/*
	 * The kiosk draws every frame with Cairo on the CPU; the display
	 * only copies it out.  Under X11, SDL's default OpenGL renderer adds
	 * nothing to that copy but loads Mesa and, without a GPU, LLVM for
	 * llvmpipe: about 45 MiB of the process.  The software renderer
	 * presents through X shared memory instead.  SDL_RENDER_DRIVER and
	 * SDL_FRAMEBUFFER_ACCELERATION in the environment still decide.
	 */
	if (!strcmp(SDL_GetCurrentVideoDriver(), "x11")) {
		SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, "software",
					SDL_HINT_DEFAULT);
		SDL_SetHintWithPriority(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0",
					SDL_HINT_DEFAULT);
	}

	if (cfg->mode == DISPLAY_FULLSCREEN)
		d->win = fullscreen_window(cfg->title ? cfg->title : "akari",
					   flags);
	else
		d->win = SDL_CreateWindow(cfg->title ? cfg->title : "akari",
					  SDL_WINDOWPOS_CENTERED,
					  SDL_WINDOWPOS_CENTERED, d->width,
					  d->height, flags | SDL_WINDOW_RESIZABLE);
	if (!d->win) {
		snprintf(err, errlen, "SDL window: %s", SDL_GetError());
		goto fail;
	}

	d->ren = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_PRESENTVSYNC);
	if (!d->ren)
		d->ren = SDL_CreateRenderer(d->win, -1, 0);
	if (!d->ren) {
		snprintf(err, errlen, "SDL renderer: %s", SDL_GetError());
		goto fail;
	}
	SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
	d->soft = is_software(d->ren);
	d->surface = NULL;
	if (cfg->mode == DISPLAY_FULLSCREEN)
		SDL_ShowCursor(SDL_DISABLE);
	SDL_GetRendererOutputSize(d->ren, &d->width, &d->height);
	d->mode = cfg->mode;
#ifdef AKARI_HAVE_XDPMS
	if (x_display(d->win)) {
		x_broken = false;
		XSetIOErrorHandler(on_x_io_error);
		XSetIOErrorExitHandler(x_display(d->win), on_x_exit, NULL);
	}
#endif
	return 0;

fail:
	close_sdl(d, true);
	return -1;
}

int display_open(const struct display_config *cfg, struct display **out,
		 char *err, size_t errlen)
{
	char why[256];
	struct display *d;
	int rc;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (!d) {
		close_probe();
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	display_config_size(cfg, &d->width, &d->height);
	d->png_keep = cfg->png_keep > 0 ? cfg->png_keep : 0;

	if (cfg->mode == DISPLAY_PNG) {
		rc = open_png(d, cfg->png_dir, err, errlen);
		goto out;
	}
	d->cfg = *cfg;
	d->title = strdup(cfg->title ? cfg->title : "akari");
	d->cfg.title = d->title;
	d->cfg.png_dir = d->cfg.fallback_dir = NULL;
	if (!d->title) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}

	rc = open_sdl(d, cfg, why, sizeof why);
	if (rc == 0)
		goto out;
	if (getenv(DISPLAY_LOST_ENV)) {
		/* Started again after losing the window: wait for the
		 * screen to come back rather than write files. */
		snprintf(d->lost_why, sizeof d->lost_why, "%s", why);
		d->lost = d->was_lost = true;
		d->retry = REOPEN_MIN;
		d->retry_at = mono_now() + d->retry;
		d->mode = cfg->mode;
		rc = 0;
		goto out;
	}
	if (cfg->mode != DISPLAY_WINDOW || !cfg->fallback_dir) {
		snprintf(err, errlen, "%s", why);
		goto out;
	}

	/* No screen to show on: keep playing into files instead. */
	display_config_size(cfg, &d->width, &d->height);
	d->fallback = strdup(why);
	rc = d->fallback ? open_png(d, cfg->fallback_dir, err, errlen) : -1;

out:
	/* The window has its own connection now, or will not have one. */
	close_probe();
	if (rc) {
		display_close(d);
		return -1;
	}
	*out = d;
	return 0;
}

/* A window lost from the start: try to open it when the next try is
 * due.  One lost while open stays lost (SDL is still up on it). */
static void try_reopen(struct display *d)
{
	char why[256];

	if (d->sdl_up || mono_now() < d->retry_at)
		return;
	d->lost = false;
	if (open_sdl(d, &d->cfg, why, sizeof why) == 0) {
		d->reopened = true;
		d->retry = REOPEN_MIN;
		return;
	}
	d->lost = true;
	snprintf(d->lost_why, sizeof d->lost_why, "%s", why);
	if (d->retry < REOPEN_MIN)
		d->retry = REOPEN_MIN;
	d->retry_at = mono_now() + d->retry;
	d->retry = d->retry * 2 < REOPEN_MAX ? d->retry * 2 : REOPEN_MAX;
}

void display_close(struct display *d)
{
	if (!d)
		return;
	/* SDL would hang on a dead connection: the process is about to
	 * start again or end, and lets go of it all but the frame Cairo
	 * drew on, which is the process's own. */
	if (!check_lost(d) && !x_closed(d))
		close_sdl(d, false);
	else
		drop_target(d);
	free(d->rects);
	free(d->png_dir);
	free(d->fallback);
	free(d->title);
	free(d);
}

enum display_mode display_mode(const struct display *d)
{
	return d->mode;
}

const char *display_fallback_reason(const struct display *d)
{
	return d->fallback;
}

const char *display_describe(struct display *d)
{
	int w, h;

	display_size(d, &w, &h);
	if (d->mode == DISPLAY_PNG)
		snprintf(d->describe, sizeof d->describe,
			 "PNG frames %dx%d in %s", w, h, d->png_dir);
	else if (d->lost || !SDL_GetCurrentVideoDriver())
		snprintf(d->describe, sizeof d->describe, "lost window %dx%d",
			 w, h);
	else
		snprintf(d->describe, sizeof d->describe, "%s %s %dx%d",
			 SDL_GetCurrentVideoDriver(),
			 d->mode == DISPLAY_FULLSCREEN ? "fullscreen"
						       : "window", w, h);
	return d->describe;
}

void display_size(struct display *d, int *w, int *h)
{
	if (d->ren && !d->lost)
		SDL_GetRendererOutputSize(d->ren, &d->width, &d->height);
	*w = d->width;
	*h = d->height;
}

int display_parse_size(const char *s, int *w, int *h)
{
	long a, b;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	a = strtol(s, &end, 10);
	if (*end != 'x' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtol(end + 1, &end, 10);
	if (*end || a < 16 || b < 16 || a > 16384 || b > 16384)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

const char *display_lost_reason(const struct display *d)
{
	return d->lost || d->was_lost ? d->lost_why : NULL;
}

int display_set_power(struct display *d, bool on, char *err,
		      size_t errlen)
{
#ifdef AKARI_HAVE_XDPMS
	int event, error;
	Display *dpy;

	if (!d->win || d->lost) {
		snprintf(err, errlen, "no window");
		return -1;
	}
	dpy = x_display(d->win);
	if (!dpy) {
		snprintf(err, errlen, "the %s video driver has no DPMS",
			 SDL_GetCurrentVideoDriver());
		return -1;
	}
	/* Asked first, so that Xlib does not print that it is missing. */
	if (!DPMSQueryExtension(dpy, &event, &error) || !DPMSCapable(dpy)) {
		snprintf(err, errlen, "the X server has no DPMS");
		return -1;
	}
	/* DPMS must be enabled for a forced level to hold; SDL's screen
	 * saver inhibition does not stop a forced one. */
	DPMSEnable(dpy);
	if (!DPMSForceLevel(dpy, on ? DPMSModeOn : DPMSModeOff)) {
		snprintf(err, errlen, "the X server refused a DPMS level");
		return -1;
	}
	XFlush(dpy);
	return 0;
#else
	(void)on;
	snprintf(err, errlen, d->win ? "built without X11 DPMS"
				     : "no window");
	return -1;
#endif
}

long display_frames(const struct display *d)
{
	return d->frames;
}

/* frame-000001.png: numbered so that a directory listing is in order. */
static void frame_path(const struct display *d, long n, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/frame-%06ld.png", d->png_dir, n);
}

static int present_png(struct display *d, cairo_surface_t *frame,
		       char *err, size_t errlen)
{
	char path[4200], tmp[4300];
	cairo_status_t st;
	long n = d->png_base + d->frames + 1;

	/* Written under another name first, so a reader never sees half a
	 * frame. */
	frame_path(d, n, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s/.frame.tmp.png", d->png_dir);
	st = cairo_surface_write_to_png(frame, tmp);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
			 cairo_status_to_string(st));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(err, errlen, "cannot rename %s: %s", tmp,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (d->png_keep > 0 && n > d->png_keep) {
		frame_path(d, n - d->png_keep, path, sizeof path);
		unlink(path);
	}
	d->frames++;
	return 0;
}

static int present_sdl(struct display *d, cairo_surface_t *frame,
		       char *err, size_t errlen)
{
	int w = cairo_image_surface_get_width(frame);
	int h = cairo_image_surface_get_height(frame);
	Uint32 format = cairo_image_surface_get_format(frame) ==
				CAIRO_FORMAT_RGB24
			    ? SDL_PIXELFORMAT_RGB888
			    : SDL_PIXELFORMAT_ARGB8888;

	if (!d->tex || d->tex_w != w || d->tex_h != h ||
	    d->tex_format != format) {
		if (d->tex)
			SDL_DestroyTexture(d->tex);
		d->tex = SDL_CreateTexture(d->ren, format,
					   SDL_TEXTUREACCESS_STREAMING, w, h);
		if (!d->tex) {
			snprintf(err, errlen, "SDL texture: %s",
				 SDL_GetError());
			return -1;
		}
		d->tex_w = w;
		d->tex_h = h;
		d->tex_format = format;
		/* Frames are opaque: blending them over black would only
		 * cost a software renderer a pass over every pixel. */
		SDL_SetTextureBlendMode(d->tex, SDL_BLENDMODE_NONE);
	}
	d->surface = NULL;

	cairo_surface_flush(frame);
	if (SDL_UpdateTexture(d->tex, NULL, cairo_image_surface_get_data(frame),
			      cairo_image_surface_get_stride(frame)) ||
	    SDL_RenderClear(d->ren) ||
	    SDL_RenderCopy(d->ren, d->tex, NULL, NULL)) {
		snprintf(err, errlen, "SDL: %s", SDL_GetError());
		return -1;
	}
	SDL_RenderPresent(d->ren);
	d->frames++;
	return 0;
}

/* The rectangles r[0..n) within a w x h frame, as SDL's; none (n 0,
 * or more than fit) stands for the whole frame. */
static int clip_rects(const struct display_rect *r, int n, int w, int h,
		      SDL_Rect *out, int max)
{
	int k = 0;

	if (n <= 0 || n > max) {
		out[0] = (SDL_Rect){ 0, 0, w, h };
		return 1;
	}
	for (int i = 0; i < n; i++) {
		int x0 = r[i].x < 0 ? 0 : r[i].x;
		int y0 = r[i].y < 0 ? 0 : r[i].y;
		int x1 = r[i].x + r[i].w > w ? w : r[i].x + r[i].w;
		int y1 = r[i].y + r[i].h > h ? h : r[i].y + r[i].h;

		if (x1 > x0 && y1 > y0)
			out[k++] = (SDL_Rect){ x0, y0, x1 - x0, y1 - y0 };
	}
	return k;
}

/* Copies the rectangles of a frame (src, stride) into ws. */
static void copy_rects(SDL_Surface *ws, const unsigned char *src,
		       int stride, const SDL_Rect *rects, int nr)
{
	for (int i = 0; i < nr; i++) {
		const SDL_Rect *q = &rects[i];

		for (int y = q->y; y < q->y + q->h; y++)
			memcpy((unsigned char *)ws->pixels +
				       (size_t)y * (size_t)ws->pitch +
				       (size_t)q->x * 4,
			       src + (size_t)y * (size_t)stride +
				       (size_t)q->x * 4,
			       (size_t)q->w * 4);
	}
}

/* The window surface, when frames of w x h can be written into it as
 * they are (Cairo's 32-bit layout, no locking), else NULL. */
static SDL_Surface *window_surface(struct display *d, int w, int h)
{
	SDL_Surface *ws;

	if (!d->soft || !d->win || d->lost)
		return NULL;
	ws = SDL_GetWindowSurface(d->win);
	if (!ws || ws->w != w || ws->h != h || SDL_MUSTLOCK(ws) ||
	    (ws->format->format != SDL_PIXELFORMAT_RGB888 &&
	     ws->format->format != SDL_PIXELFORMAT_ARGB8888))
		return NULL;
	return ws;
}

int display_populate(void *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t a, b;

	if (page <= 0)
		return -1;
	a = (uintptr_t)p & ~(uintptr_t)(page - 1);
	b = (uintptr_t)p + len;
	return madvise((void *)a, b - a, MADV_POPULATE_WRITE) ? -1 : 0;
}

void display_prepare(struct display *d)
{
	SDL_Surface *ws;

	if (d->mode == DISPLAY_PNG || !d->soft || !d->win || d->lost)
		return;
	ws = SDL_GetWindowSurface(d->win);
	/* Fresh shared memory faults in page by page on first touch: about
	 * 2,000 faults for a 1080p frame, a few milliseconds.  The kernel
	 * makes them present in one call for less (Linux 5.14 on);
	 * elsewhere they are touched.  The pixels stay black, as they are,
	 * and are not on screen until presented. */
	if (ws && !SDL_MUSTLOCK(ws) && display_populate(ws->pixels,
					      (size_t)ws->pitch *
						      (size_t)ws->h))
		memset(ws->pixels, 0, (size_t)ws->pitch * (size_t)ws->h);
}

cairo_surface_t *display_target(struct display *d, int w, int h,
				bool *holds_last)
{
	SDL_Surface *ws;

	if (holds_last)
		*holds_last = false;
	if (d->mode == DISPLAY_PNG)
		return NULL;
	ws = window_surface(d, w, h);
	if (!ws) {
		d->surface = NULL;
		drop_target(d);
		return NULL;
	}
	if (holds_last)
		*holds_last = ws == d->surface;
	/* What is drawn there may differ from the frame last presented. */
	d->target_drawn = true;
	if (d->target && cairo_image_surface_get_data(d->target) ==
				 (unsigned char *)ws->pixels &&
	    cairo_image_surface_get_width(d->target) == w &&
	    cairo_image_surface_get_height(d->target) == h &&
	    cairo_image_surface_get_stride(d->target) == ws->pitch)
		return d->target;
	drop_target(d);
	d->target = cairo_image_surface_create_for_data(ws->pixels,
							CAIRO_FORMAT_RGB24, w,
							h, ws->pitch);
	if (cairo_surface_status(d->target) != CAIRO_STATUS_SUCCESS)
		drop_target(d);
	return d->target;
}

/*
 * Under SDL's software renderer the window surface is the very picture
 * sent to the X server (through shared memory where it can).  Copying
 * the frame's changed rows into it and sending only them skips the
 * streaming texture (a second full-size copy of every frame), the
 * renderer's pass over it, and the transfer of what did not change.
 * Returns 1, having done nothing, when the window surface cannot take
 * the frame as it is (another size or pixel layout).
 */
static int present_surface(struct display *d, cairo_surface_t *frame,
			   const struct display_rect *r, int n, char *err,
			   size_t errlen)
{
	int w = cairo_image_surface_get_width(frame);
	int h = cairo_image_surface_get_height(frame);
	int stride = cairo_image_surface_get_stride(frame);
	const unsigned char *src;
	SDL_Surface *ws;
	int nr;

	ws = window_surface(d, w, h);
	if (!ws)
		return 1;
	cairo_surface_flush(frame);
	src = cairo_image_surface_get_data(frame);
	/* A new window surface (after a resize) holds no frame yet, and
	 * one drawn on for another frame no longer holds the last. */
	if (ws != d->surface || (d->target_drawn && src != ws->pixels))
		n = 0;
	if (n > d->rects_cap) {
		SDL_Rect *more = realloc(d->rects, (size_t)n * sizeof *more);

		if (more) {
			d->rects = more;
			d->rects_cap = n;
		}
	}
	if (n > d->rects_cap)
		n = 0;
	if (d->rects_cap < 1) {
		d->rects = malloc(sizeof *d->rects);
		if (!d->rects) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		d->rects_cap = 1;
	}
	nr = clip_rects(r, n, w, h, d->rects, d->rects_cap);
	if (d->tex) {
		SDL_DestroyTexture(d->tex);
		d->tex = NULL;
	}

	/* Drawn there (display_target()), only the rectangles changed. */
	if (src != ws->pixels)
		copy_rects(ws, src, stride, d->rects, nr);
	d->target_drawn = false;
	if (nr > 0 && SDL_UpdateWindowSurfaceRects(d->win, d->rects, nr)) {
		d->surface = NULL;
		snprintf(err, errlen, "SDL window surface: %s",
			 SDL_GetError());
		return -1;
	}
	d->surface = ws;
	d->frames++;
	return 0;
}

int display_present_rects(struct display *d, cairo_surface_t *frame,
			  const struct display_rect *r, int n, char *err,
			  size_t errlen)
{
	int rc;

	if (cairo_surface_get_type(frame) != CAIRO_SURFACE_TYPE_IMAGE) {
		snprintf(err, errlen, "not an image surface");
		return -1;
	}
	if (d->mode == DISPLAY_PNG)
		return present_png(d, frame, err, errlen);
	if (check_lost(d))
		try_reopen(d);
	/* Nowhere to show it: the frame is dropped, the play goes on. */
	if (d->lost)
		return 0;
	rc = present_surface(d, frame, r, n, err, errlen);
	if (rc <= 0)
		return rc;
	return present_sdl(d, frame, err, errlen);
}

int display_present(struct display *d, cairo_surface_t *frame, char *err,
		    size_t errlen)
{
	return display_present_rects(d, frame, NULL, 0, err, errlen);
}

static unsigned event_bits(struct display *d, const SDL_Event *ev)
{
	switch (ev->type) {
	case SDL_QUIT:
		return DISPLAY_EV_QUIT;
	case SDL_KEYDOWN:
		if (ev->key.keysym.sym == SDLK_ESCAPE ||
		    ev->key.keysym.sym == SDLK_q)
			return DISPLAY_EV_QUIT;
		return 0;
	case SDL_WINDOWEVENT:
		switch (ev->window.event) {
		case SDL_WINDOWEVENT_SIZE_CHANGED:
			d->surface = NULL;
			drop_target(d);
			return DISPLAY_EV_RESIZED;
		case SDL_WINDOWEVENT_EXPOSED:
		case SDL_WINDOWEVENT_SHOWN:
		case SDL_WINDOWEVENT_RESTORED:
			return DISPLAY_EV_EXPOSED;
		case SDL_WINDOWEVENT_CLOSE:
			return DISPLAY_EV_QUIT;
		}
		return 0;
	case SDL_RENDER_DEVICE_RESET:
		/* The texture itself is gone (a GPU reset, a new driver):
		 * the next frame makes a new one. */
		if (d->tex)
			SDL_DestroyTexture(d->tex);
		d->tex = NULL;
		return DISPLAY_EV_EXPOSED;
	case SDL_RENDER_TARGETS_RESET:
		/* The texture's contents are gone: draw it again. */
		return DISPLAY_EV_EXPOSED;
	}
	return 0;
}

/* SDL's event pump also keeps the screen saver away: it must run at
 * least this often, events or not (seconds). */
#define PUMP_MAX 10.0
/* The longest of SDL's own waits, where the window is not an X11 one
 * (milliseconds). */
#define WAIT_SDL_MAX_MS 250

/*
 * Under X11, waits up to ms for the window's connection to have
 * something to read (or a signal).  Returns 1 when SDL's events must be
 * pumped, 0 when nothing came, -1 where the window is not an X11 one.
 * SDL's own wait and pump read the connection dozens of times each time
 * they wake, about a third of an idle kiosk's CPU time: here it is read
 * once, and the pump runs only when there is something to read.
 */
static int x_wait(struct display *d, int ms)
{
#ifdef AKARI_HAVE_XDPMS
	Display *dpy = d->win && !d->lost ? x_display(d->win) : NULL;
	struct pollfd pfd;

	if (!dpy || x_broken)
		return -1;
	if (XPending(dpy) > 0 || x_broken)
		goto pump;
	pfd.fd = ConnectionNumber(dpy);
	pfd.events = POLLIN;
	pfd.revents = 0;
	/* EINTR: a signal is news too. */
	if (poll(&pfd, 1, ms) > 0)
		goto pump;
	if (mono_now() - d->pumped < PUMP_MAX)
		return 0;
pump:
	d->pumped = mono_now();
	return 1;
#else
	(void)d;
	(void)ms;
	return -1;
#endif
}

unsigned display_wait(struct display *d, double timeout)
{
	unsigned bits = 0;
	SDL_Event ev;
	int ms, x;

	if (!(timeout >= 0))
		timeout = 0;
	if (timeout > DISPLAY_WAIT_MAX)
		timeout = DISPLAY_WAIT_MAX;	/* ms below stays an int */
	if (check_lost(d) && !d->was_lost) {
		d->was_lost = true;
		snprintf(d->lost_why, sizeof d->lost_why, "the connection "
			 "to the display server broke");
		return DISPLAY_EV_LOST;
	}
	if (d->reopened) {
		d->reopened = false;
		d->was_lost = false;
		return DISPLAY_EV_BACK | DISPLAY_EV_RESIZED |
		       DISPLAY_EV_EXPOSED;
	}
	if (d->mode == DISPLAY_PNG || d->lost) {
		struct timespec ts;

		ts.tv_sec = (time_t)timeout;
		ts.tv_nsec = (long)((timeout - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);	/* EINTR: a signal is news too */
		if (d->lost) {
			try_reopen(d);
			return d->lost ? 0 : display_wait(d, 0);
		}
		return 0;
	}

	ms = (int)ceil(timeout * 1000);
	x = x_wait(d, ms);
	if (x >= 0) {
		if (x)
			SDL_PumpEvents();
		while (!check_lost(d) &&
		       SDL_PeepEvents(&ev, 1, SDL_GETEVENT, SDL_FIRSTEVENT,
				      SDL_LASTEVENT) > 0)
			bits |= event_bits(d, &ev);
	} else {
		/* SDL's wait does not end on a signal: a short one lets the
		 * caller notice SIGINT soon. */
		if (SDL_WaitEventTimeout(&ev, ms < WAIT_SDL_MAX_MS
						  ? ms : WAIT_SDL_MAX_MS))
			bits |= event_bits(d, &ev);
		while (!check_lost(d) && SDL_PollEvent(&ev))
			bits |= event_bits(d, &ev);
	}
	if (d->lost) {
		d->was_lost = true;
		snprintf(d->lost_why, sizeof d->lost_why, "the connection "
			 "to the display server broke");
		return DISPLAY_EV_LOST;
	}
	return bits;
}
