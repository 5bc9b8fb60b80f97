/*
 * kiosk.c - `akari kiosk`: the signage player, pointed at a server.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "kiosk/kiosk.h"
#include "kiosk/kiosk_clock.h"
#include "render/render.h"
#include "render/render_look.h"
#include "themes/theme.h"

#define DEFAULT_FALLBACK_DIR "var/kiosk-frames"
/* A box that fell back to files must not fill its disk: at one frame a
 * second plus fades, 1000 frames are the last few minutes. */
#define DEFAULT_FALLBACK_KEEP 1000

static void usage(FILE *f)
{
	fprintf(f,
"usage: akari kiosk --server URL\n"
"                   [--fullscreen | --window WxH | --png-dir DIR]\n"
"                   [--replay FROM,TO --speed X] [--cache DIR | --no-cache]\n"
"                   [--slide-seconds S] [--slides LIST] [--frames N]\n"
"                   [--grid-site S --home-site S --air-site S] ...\n"
"\n"
"Plays the signage slides from an akari server's data until the window\n"
"closes, Esc or q is pressed, or SIGINT/SIGTERM.  When the server is\n"
"unreachable it plays from its cache and marks the slides stale.\n"
"\n"
"  --server URL          the akari server, e.g. http://127.0.0.1:8080\n"
"  --window WxH          a window of that size (the default, 1920x1080);\n"
"                        with --png-dir, the size of the frames\n"
"  --fullscreen          the whole screen\n"
"  --png-dir DIR         write numbered PNG frames to DIR, no display\n"
"  --png-keep N          keep only the newest N PNG frames (default all,\n"
"                        1000 after a fallback from a window)\n"
"  --fallback-dir DIR    where PNG frames go when no window can be\n"
"                        opened (default " DEFAULT_FALLBACK_DIR ")\n"
"  --replay FROM,TO      replay recorded time from FROM to TO, looping;\n"
"                        RFC 3339 with an offset or Unix seconds\n"
"  --speed X             replay X times faster than real time (1)\n"
"  --cache DIR           the last good data (default $XDG_CACHE_HOME/akari,\n"
"                        or var/kiosk-cache without XDG_CACHE_HOME)\n"
"  --no-cache            keep nothing on disk\n"
"  --slides LIST         which slides, in order, among grid, solar,\n"
"                        household, air, co2, ranking, ev, weather,\n"
"                        message, image, qr (default: all that have\n"
"                        something to show)\n"
"  --slide-seconds S     real seconds per slide (10)\n"
"  --fade-seconds S      cross-fade between slides (0.8; 0 for none)\n"
"  --fade-fps N          frames a second during a cross-fade (20)\n"
"  --fetch-seconds S     real seconds between fetches (5)\n"
"  --refresh-seconds S   new data waits for the next slide, but at most\n"
"                        S seconds (60; 0: shown at once)\n"
"  --retry-max S         longest wait between retries while the server\n"
"                        is away (60)\n"
"  --grid-site S         site for the grid and solar slides (tepco)\n"
"  --home-site S         site for the household slide (home12)\n"
"  --air-site S          site for the indoor air slide (room1)\n"
"  --frames N            stop after N frames\n"
"  --duration S          stop after S seconds\n"
"  --display-id ID       send heartbeats to the server as display ID\n"
"                        (1 to 63 of A-Z a-z 0-9 . _ -); none without\n"
"  --heartbeat-seconds S seconds between heartbeats (30)\n"
"  --token-file FILE     the display's device token (akari device add\n"
"                        --kind display ID); or $AKARI_DISPLAY_TOKEN\n"
"  --screenshot-every S  send a screenshot every S seconds (default only\n"
"                        when staff ask for one)\n"
"  --screen-hours HH:MM-HH:MM  screen on only then, local time (off by\n"
"                        DPMS where the display has it, else black)\n"
"  --dim HH:MM-HH:MM@P%%  dim to P percent of brightness then\n"
"  --pixel-shift         move the picture 1 px every 10 min in a 4 px\n"
"                        box, against burn-in\n"
"  --message TEXT        the message slide's text, Pango markup\n"
"  --image FILE          the image slide's PNG or JPEG file\n"
"  --qr-url URL          the QR slide's link, e.g. the resident portal\n"
"  --caption TEXT        a line under the image or beside the QR code\n"
"  --solar-site S        site for the CO2 slide (the first of kind pv)\n"
"  --ev-site S           site for the EV slide (the first of kind ev)\n"
"  --weather-site S      site for the weather slide (the first of kind\n"
"                        weather)\n"
"  --theme NAME|FILE     dark (the default), light, high-contrast, or a\n"
"                        theme file (see docs/themes.md)\n"
"%s"
"\n"
"See docs/kiosk.md.\n", render_look_usage);
}

enum {
	OPT_SERVER = 256, OPT_WINDOW, OPT_FULLSCREEN, OPT_PNG_DIR,
	OPT_PNG_KEEP, OPT_FALLBACK, OPT_REPLAY, OPT_SPEED, OPT_CACHE,
	OPT_NO_CACHE, OPT_SLIDES, OPT_SLIDE_S, OPT_FADE_S, OPT_FADE_FPS,
	OPT_FETCH_S, OPT_REFRESH_S,
	OPT_RETRY_MAX, OPT_GRID, OPT_HOME, OPT_AIR, OPT_FRAMES,
	OPT_DURATION, OPT_DISPLAY_ID, OPT_HEARTBEAT_S, OPT_THEME,
	OPT_MESSAGE, OPT_IMAGE, OPT_QR_URL, OPT_CAPTION, OPT_SOLAR, OPT_EV,
	OPT_WEATHER, OPT_TOKEN_FILE, OPT_SHOT_EVERY, OPT_HOURS, OPT_DIM,
	OPT_SHIFT, OPT_LANG, OPT_BILINGUAL, OPT_ALTERNATE_S, OPT_PLACE,
	OPT_TICKER, OPT_DIAGONAL, OPT_DISTANCE, OPT_HELP,
};

/* In the order of the enum above: options[c - OPT_SERVER] is c's entry. */
static const struct option options[] = {
	{"server", required_argument, NULL, OPT_SERVER},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"fullscreen", no_argument, NULL, OPT_FULLSCREEN},
	{"png-dir", required_argument, NULL, OPT_PNG_DIR},
	{"png-keep", required_argument, NULL, OPT_PNG_KEEP},
	{"fallback-dir", required_argument, NULL, OPT_FALLBACK},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"speed", required_argument, NULL, OPT_SPEED},
	{"cache", required_argument, NULL, OPT_CACHE},
	{"no-cache", no_argument, NULL, OPT_NO_CACHE},
	{"slides", required_argument, NULL, OPT_SLIDES},
	{"slide-seconds", required_argument, NULL, OPT_SLIDE_S},
	{"fade-seconds", required_argument, NULL, OPT_FADE_S},
	{"fade-fps", required_argument, NULL, OPT_FADE_FPS},
	{"fetch-seconds", required_argument, NULL, OPT_FETCH_S},
	{"refresh-seconds", required_argument, NULL, OPT_REFRESH_S},
	{"retry-max", required_argument, NULL, OPT_RETRY_MAX},
	{"grid-site", required_argument, NULL, OPT_GRID},
	{"home-site", required_argument, NULL, OPT_HOME},
	{"air-site", required_argument, NULL, OPT_AIR},
	{"frames", required_argument, NULL, OPT_FRAMES},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"display-id", required_argument, NULL, OPT_DISPLAY_ID},
	{"heartbeat-seconds", required_argument, NULL, OPT_HEARTBEAT_S},
	{"theme", required_argument, NULL, OPT_THEME},
	{"message", required_argument, NULL, OPT_MESSAGE},
	{"image", required_argument, NULL, OPT_IMAGE},
	{"qr-url", required_argument, NULL, OPT_QR_URL},
	{"caption", required_argument, NULL, OPT_CAPTION},
	{"solar-site", required_argument, NULL, OPT_SOLAR},
	{"ev-site", required_argument, NULL, OPT_EV},
	{"weather-site", required_argument, NULL, OPT_WEATHER},
	{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	{"screenshot-every", required_argument, NULL, OPT_SHOT_EVERY},
	{"screen-hours", required_argument, NULL, OPT_HOURS},
	{"dim", required_argument, NULL, OPT_DIM},
	{"pixel-shift", no_argument, NULL, OPT_SHIFT},
	{"lang", required_argument, NULL, OPT_LANG},
	{"bilingual", required_argument, NULL, OPT_BILINGUAL},
	{"alternate-seconds", required_argument, NULL, OPT_ALTERNATE_S},
	{"place", required_argument, NULL, OPT_PLACE},
	{"ticker", required_argument, NULL, OPT_TICKER},
	{"screen-diagonal", required_argument, NULL, OPT_DIAGONAL},
	{"viewing-distance", required_argument, NULL, OPT_DISTANCE},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "akari kiosk: --%s '%s': %s\n", opt, arg, want);
	return -1;
}

/* A finite number >= min (> 0 when min is 0 and positive is set). */
static int parse_seconds(const char *s, bool zero_ok, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 ||
	    (v == 0 && !zero_ok))
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1)
		return -1;
	*out = v;
	return 0;
}

/* "FROM,TO", each RFC 3339 with an offset or Unix seconds. */
static int parse_replay(const char *s, int64_t *from, int64_t *to)
{
	const char *comma = strchr(s, ',');
	char first[64];

	if (!comma || (size_t)(comma - s) >= sizeof first)
		return -1;
	memcpy(first, s, (size_t)(comma - s));
	first[comma - s] = '\0';
	if (core_time_parse(first, from) || core_time_parse(comma + 1, to))
		return -1;
	if (*from < RENDER_TIME_MIN || *to > RENDER_TIME_MAX)
		return -1;
	return *from < *to ? 0 : -1;
}

/* "grid,air": a comma-separated list of slide names. */
static int parse_slides(const char *s, struct kiosk_options *o)
{
	char name[32];
	size_t n;

	o->nslides = 0;
	while (*s) {
		n = strcspn(s, ",");
		if (n == 0 || n >= sizeof name ||
		    o->nslides == RENDER_SLIDE_COUNT)
			return -1;
		memcpy(name, s, n);
		name[n] = '\0';
		if (render_slide_parse(name, &o->slides[o->nslides]))
			return -1;
		o->nslides++;
		s += n;
		if (*s == ',')
			s++;
	}
	return o->nslides > 0 ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct kiosk_options *o,
		      char *cache, size_t cachelen, const char **theme)
{
	bool fullscreen = false, no_cache = false, speed_set = false;
	bool keep_set = false;
	const char *png_dir = NULL, *cache_dir = NULL;
	int c, rc = 0;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		const char *name = c >= OPT_SERVER && c <= OPT_HELP
					   ? options[c - OPT_SERVER].name
					   : "";

		switch (c) {
		case OPT_SERVER: o->fetch.server = optarg; break;
		case OPT_WINDOW:
			if (display_parse_size(optarg, &o->display.width,
					       &o->display.height))
				rc = bad(name, optarg,
					 "want WxH, each 16 to 16384, "
					 "e.g. 1280x720");
			break;
		case OPT_FULLSCREEN: fullscreen = true; break;
		case OPT_PNG_DIR: png_dir = optarg; break;
		case OPT_PNG_KEEP: {
			long n;

			if (parse_count(optarg, &n) || n > 1000000000)
				rc = bad(name, optarg, "want a count");
			else
				o->display.png_keep = (int)n;
			keep_set = true;
			break;
		}
		case OPT_FALLBACK: o->display.fallback_dir = optarg; break;
		case OPT_REPLAY:
			o->replay = true;
			if (parse_replay(optarg, &o->replay_from,
					 &o->replay_to))
				rc = bad(name, optarg, "want FROM,TO with FROM "
					 "before TO, RFC 3339 or Unix seconds, "
					 "from 1900 to 9998");
			break;
		case OPT_SPEED:
			speed_set = true;
			if (parse_seconds(optarg, false, &o->speed) ||
			    o->speed > KIOSK_SPEED_MAX)
				rc = bad(name, optarg, "want a number > 0, "
					 "at most 1000000");
			break;
		case OPT_CACHE: cache_dir = optarg; break;
		case OPT_NO_CACHE: no_cache = true; break;
		case OPT_SLIDES:
			if (parse_slides(optarg, o))
				rc = bad(name, optarg, "want names among grid, "
					 "solar, household, air, co2, ranking, "
					 "ev, weather, message, image, qr");
			break;
		case OPT_SLIDE_S:
			if (parse_seconds(optarg, false, &o->slide_seconds) ||
			    o->slide_seconds < KIOSK_SLIDE_MIN)
				rc = bad(name, optarg, "want seconds, 0.01 or "
					 "more");
			break;
		case OPT_FADE_S:
			if (parse_seconds(optarg, true, &o->fade_seconds))
				rc = bad(name, optarg, "want seconds >= 0");
			break;
		case OPT_FADE_FPS:
			if (parse_seconds(optarg, false, &o->fade_fps) ||
			    o->fade_fps > KIOSK_FADE_FPS_MAX)
				rc = bad(name, optarg, "want frames a second "
					 "above 0, at most 120");
			break;
		case OPT_FETCH_S:
			if (parse_seconds(optarg, false, &o->fetch_seconds))
				rc = bad(name, optarg, "want seconds > 0");
			break;
		case OPT_REFRESH_S:
			if (parse_seconds(optarg, true, &o->refresh_seconds))
				rc = bad(name, optarg, "want seconds >= 0");
			break;
		case OPT_RETRY_MAX:
			if (parse_seconds(optarg, false, &o->retry_max))
				rc = bad(name, optarg, "want seconds > 0");
			break;
		case OPT_GRID: o->fetch.site[FETCH_GRID] = optarg; break;
		case OPT_HOME: o->fetch.site[FETCH_HOME] = optarg; break;
		case OPT_AIR: o->fetch.site[FETCH_AIR] = optarg; break;
		case OPT_FRAMES:
			if (parse_count(optarg, &o->frames))
				rc = bad(name, optarg, "want a count >= 1");
			break;
		case OPT_DURATION:
			if (parse_seconds(optarg, false, &o->duration))
				rc = bad(name, optarg, "want seconds > 0");
			break;
		case OPT_DISPLAY_ID:
			o->fetch.display_id = optarg;
			if (!*optarg || strlen(optarg) > 63 ||
			    strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
				strlen(optarg))
				rc = bad(name, optarg, "want 1 to 63 of A-Z "
					 "a-z 0-9 . _ -");
			break;
		case OPT_HEARTBEAT_S:
			if (parse_seconds(optarg, false,
					  &o->fetch.heartbeat_every))
				rc = bad(name, optarg, "want seconds > 0");
			break;
		case OPT_THEME: *theme = optarg; break;
		case OPT_MESSAGE: o->params.message = optarg; break;
		case OPT_IMAGE: o->params.image = optarg; break;
		case OPT_QR_URL: o->params.qr_url = optarg; break;
		case OPT_CAPTION: o->params.caption = optarg; break;
		case OPT_SOLAR: o->fetch.solar_site = optarg; break;
		case OPT_EV: o->fetch.ev_site = optarg; break;
		case OPT_WEATHER: o->fetch.weather_site = optarg; break;
		case OPT_TOKEN_FILE: o->fetch.display_token = optarg; break;
		case OPT_SHOT_EVERY:
			if (parse_seconds(optarg, false,
					  &o->ops.screenshot_every))
				rc = bad(name, optarg, "want seconds > 0");
			break;
		case OPT_HOURS:
			o->ops.hours_set = true;
			if (kiosk_power_parse_span(optarg, &o->ops.hours))
				rc = bad(name, optarg, "want HH:MM-HH:MM, "
					 "e.g. 06:00-23:00");
			break;
		case OPT_DIM:
			o->ops.dim_set = true;
			if (kiosk_power_parse_dim(optarg, &o->ops.dim_span,
						  &o->ops.dim_level))
				rc = bad(name, optarg, "want HH:MM-HH:MM@P%, "
					 "e.g. 22:00-06:00@40%");
			break;
		case OPT_SHIFT: o->ops.pixel_shift = true; break;
		case OPT_LANG: case OPT_BILINGUAL: case OPT_ALTERNATE_S:
		case OPT_PLACE: case OPT_TICKER: case OPT_DIAGONAL:
		case OPT_DISTANCE: {
			char err[256];

			if (render_look_option(&o->look, name, optarg, err,
					       sizeof err)) {
				fprintf(stderr, "akari kiosk: %s\n", err);
				rc = -1;
			}
			break;
		}
		case OPT_HELP: usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
		if (rc)
			return rc;
	}

	if (optind < argc) {
		fprintf(stderr, "akari kiosk: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (!o->fetch.server) {
		fprintf(stderr, "akari kiosk: --server URL is required\n");
		return -1;
	}
	if (fullscreen && png_dir) {
		fprintf(stderr, "akari kiosk: --fullscreen and --png-dir "
			"exclude each other\n");
		return -1;
	}
	if (speed_set && !o->replay) {
		fprintf(stderr, "akari kiosk: --speed needs --replay\n");
		return -1;
	}
	if (no_cache && cache_dir) {
		fprintf(stderr, "akari kiosk: --cache and --no-cache exclude "
			"each other\n");
		return -1;
	}

	o->display.mode = png_dir ? DISPLAY_PNG
		       : fullscreen ? DISPLAY_FULLSCREEN : DISPLAY_WINDOW;
	o->display.png_dir = png_dir;
	if (!o->display.fallback_dir)
		o->display.fallback_dir = DEFAULT_FALLBACK_DIR;
	if (!keep_set && o->display.mode == DISPLAY_WINDOW)
		o->display.png_keep = DEFAULT_FALLBACK_KEEP;
	o->display.title = "akari kiosk";

	if (no_cache) {
		o->cache_dir = NULL;
	} else if (cache_dir) {
		o->cache_dir = cache_dir;
	} else if (fetch_cache_default_dir(cache, cachelen) == FETCH_OK) {
		o->cache_dir = cache;
	} else {
		fprintf(stderr, "akari kiosk: $XDG_CACHE_HOME is too long; "
			"give --cache DIR\n");
		return -1;
	}
	return 0;
}

/*
 * The display's token from file, or from $AKARI_DISPLAY_TOKEN without
 * one: never from the command line, which every user of the box can
 * read and logs keep.  Blanks around it are not part of it.  Returns 0,
 * 1 when there is none (after a warning), -1 on an error.
 */
static int read_token(const char *file, char *buf, size_t len)
{
	const char *env = getenv("AKARI_DISPLAY_TOKEN");
	size_t n = 0;
	FILE *f;

	if (file) {
		f = fopen(file, "r");
		if (!f) {
			fprintf(stderr, "akari kiosk: --token-file %s: %s\n",
				file, strerror(errno));
			return -1;
		}
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	} else if (env) {
		n = strlen(env) < len ? strlen(env) : len - 1;
		memcpy(buf, env, n);
	} else {
		/* The display's content needs no token; what it sends does. */
		fprintf(stderr, "akari kiosk: warning: no display token "
			"(--token-file FILE or $AKARI_DISPLAY_TOKEN, from akari "
			"device add --kind display): the server will refuse "
			"heartbeats, screenshots and plays\n");
		buf[0] = '\0';
		return 1;
	}
	buf[n] = '\0';
	while (n && strchr(" \t\r\n", buf[n - 1]))
		buf[--n] = '\0';
	n = strspn(buf, " \t");
	memmove(buf, buf + n, strlen(buf + n) + 1);
	if (!*buf || strcspn(buf, " \t\r\n") != strlen(buf)) {
		fprintf(stderr, "akari kiosk: the display token %s%s is %s\n",
			file ? "in " : "from $AKARI_DISPLAY_TOKEN",
			file ? file : "", *buf ? "not one word" : "empty");
		return -1;
	}
	return 0;
}

/* The window lost its screen: the same command again, in this process,
 * so that a supervisor sees no exit and the watchdog keeps its pid.
 * Returns only when that fails. */
static void start_again(void)
{
	char buf[65536], *args[512];
	size_t n = 0, len;
	int fd, i = 0;
	ssize_t got;

	fd = open("/proc/self/cmdline", O_RDONLY);
	while (fd >= 0 && n < sizeof buf - 1 &&
	       (got = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)got;
	if (fd >= 0)
		close(fd);
	buf[n] = '\0';
	for (size_t at = 0; at < n && i < 511; at += len + 1) {
		len = strlen(buf + at);
		args[i++] = buf + at;
	}
	args[i] = NULL;
	if (!i) {
		fprintf(stderr, "akari kiosk: cannot read my own command line "
			"to start again\n");
		return;
	}
	setenv(DISPLAY_LOST_ENV, "1", 1);
	fflush(NULL);
	execv("/proc/self/exe", args);
	fprintf(stderr, "akari kiosk: cannot start again: %s\n",
		strerror(errno));
}

int cli_kiosk(int argc, char **argv)
{
	struct kiosk_options o;
	struct theme theme;
	const char *theme_spec = NULL;
	char cache[4096], err[512], token[256];
	int rc;

	kiosk_options_init(&o);
	rc = parse_args(argc, argv, &o, cache, sizeof cache, &theme_spec);
	if (rc)
		return rc > 0 ? 0 : 2;

	/* Before any thread: it sets the environment. */
	o.fonts_conf = theme_use_fonts_config();
	/* A bad theme stops the kiosk before it opens a window, while
	 * whoever typed it is still watching. */
	if (theme_spec) {
		if (theme_open(theme_spec, &theme, err, sizeof(err))) {
			fprintf(stderr, "akari kiosk: --theme: %s\n", err);
			return 2;
		}
		render_set_theme(&theme);
	}
	rc = o.fetch.display_id
		     ? read_token(o.fetch.display_token, token, sizeof token)
		     : 1;
	if (rc < 0)
		return 2;
	o.fetch.display_token = rc == 0 ? token : NULL;
	/* A write to an X server that has just gone fails with EPIPE,
	 * which Xlib reports as the lost connection the display handles,
	 * instead of the signal ending the kiosk. */
	signal(SIGPIPE, SIG_IGN);
	rc = kiosk_run(&o);
	if (rc == KIOSK_RESTART)
		start_again();
	rc = rc ? 1 : 0;
	render_set_theme(NULL);
	return rc;
}
