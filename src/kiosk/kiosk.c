/*
 * kiosk.c - the player loop.
 *
 * One tick is a short list of steps, each its own function below:
 *
 *   clock_tick     read the clocks; decide whether the clock on screen
 *                  moved on
 *   fetch_if_due   take a finished fetch, ask for the next one when due
 *   pick_slide     which slide is on, and how far a cross-fade has got
 *   render_frame   draw the slide again if anything on it changed, blend
 *                  it over the previous one during a fade
 *   present        show the frame, if there is a new one
 *   handle_events  sleep until the next thing to do, or a window event
 *
 * Drawing happens only when a fade runs, the clock's second changes,
 * a slide starts, or the window asks; in between the loop sleeps.  New
 * data waits for the next slide (at most --refresh-seconds): readings
 * come every minute or five, and redrawing the slide on screen for
 * each fetch would be most of an idle kiosk's work.
 */
#include "kiosk/kiosk.h"

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/notify.h"
#include "core/timeutil.h"
#include "kiosk/kiosk_blend.h"
#include "kiosk/kiosk_clock.h"
#include "kiosk/kiosk_content.h"
#include "kiosk/kiosk_warm.h"

#define MOD "kiosk"
/* A fade's frames a second by default: a cross-fade of 0.8 s looks
 * smooth at 20, and each frame is a blend of most of the screen. */
#define FADE_FPS 20.0
/* A ticker line moves on this often; only its zone is drawn again. */
#define TICKER_FPS 30.0
/* The longest sleep between ticks.  The clock wakes the loop every
 * second anyway; a signal cuts the wait short (display_wait()). */
#define WAIT_MAX 1.0
/* How often the loop looks for the answer of a fetch in flight. */
#define FETCH_LOOK 0.05
/* How long the first frame waits for the first fetch, so that a kiosk
 * starting next to its server does not flash "no data" or a stale mark. */
#define FIRST_FETCH_WAIT 3.0
/* Newer data waits for the next slide at most this long by default. */
#define REFRESH_SECONDS 60.0
/* The renderer's layer of a slide's static parts is kept only while
 * slides are drawn whole at most this far apart (seconds). */
#define LAYER_KEEP 2.0

/* Set by the handler of SIGINT and SIGTERM; read on the kiosk's thread
 * and, during the start, the fonts' thread.  A lock-free atomic, which a
 * handler may write. */
static atomic_int stop_signal;

struct kiosk {
	const struct kiosk_options *opt;
	enum render_slide slides[RENDER_SLIDE_COUNT];
	int nslides;

	struct display *disp;
	struct fetch_worker *worker;
	struct kiosk_content *content;	/* NULL: the fixed rotation */
	struct render_params params;	/* the slide's: its playlist item's
					 * over the options' */
	struct fetch_schedule sched;
	struct kiosk_clock clock;
	GTimeZone *log_tz;	/* the box's zone, for times in the log */
	struct sigaction old_int, old_term;
	bool signals_set;
	struct notify_watchdog watchdog;
	struct kiosk_ops *ops;	/* screen care, screenshots, plays */
	bool network;		/* the first fetch was asked for */
	struct kiosk_warm *warm;	/* the fonts made ready and the first
					 * slide drawn, until the kiosk draws */
	struct kiosk_warm_job warm_job;	/* what it was asked to draw */
	bool warm_draws;		/* ... if anything */
	enum render_lang warm_langs[2];	/* ... in these languages */
	char *warm_ticker;		/* ... with this ticker line, or NULL */
	cairo_surface_t *warm_frame;	/* ... as it drew it, until the first
					 * frame takes it or draws its own */
	double warm_waited;		/* ms it waited for the first fetch
					 * (first_fetch_data()) */
	bool warm_fetched;		/* ... which answered in time */
	atomic_bool warm_abandoned;	/* the start failed: the thread's
					 * wait for the fetch ends */
	bool warm_cut;			/* ... which a stop or a failed
					 * start ended */

	/* The data on screen and where it came from. */
	struct fetch_bundle data;
	struct fetch_bundle next;	/* newer data, held until the next
					 * slide; fetched_at 0: none */
	double data_mono;	/* when data went on screen */
	bool data_now;		/* the next data goes on screen at once */
	bool fresh;		/* from the latest fetch, which worked */
	bool down;		/* the latest fetch failed */
	bool fetched_once;
	bool from_cache;	/* the cache had data at the start: the first
				 * frame shows it, marked, at once */
	long fetches;		/* results taken, good or bad */
	bool cache_failing;
	unsigned missing_logged;	/* roles whose absence was logged */
	unsigned wants;		/* FETCH_WANT bits asked for last */
	bool wants_set;		/* ... once asked for */
	char zone_shown[65];	/* the zone of the last site shown, for
				 * slides without one; "": none yet */

	/* Time, as read by clock_tick. */
	double mono, wall;
	double at;		/* the clock the slides show */
	long lap;
	long second;		/* the second of the clock on screen */
	long minute;		/* the minute of k->at drawn in full */
	bool clock_due;		/* the clock alone must be drawn again */
	char clock_key[128];	/* what the clock on cur shows, "": not
				 * known (render_clock_key()) */
	bool had_ticker;	/* cur was drawn with a ticker line */

	/* Slides and fades. */
	long seq;		/* slide periods begun since play started */
	int slide;		/* index into slides */
	bool have_prev;		/* prev holds the slide to fade from */
	double fade;		/* 0..1 through the fade; 1: none */
	bool fading;

	/* Frames: cur is the current slide, prev the last picture of the
	 * one before, mix their blend during a fade. */
	int w, h;
	cairo_surface_t *cur, *prev, *mix;
	cairo_surface_t *frame;	/* what present shows: cur or mix */
	bool drawn;		/* cur holds a picture */
	bool dirty;		/* cur must be drawn again */
	bool show;		/* frame must be presented */
	struct display_rect parts[2];	/* else only these changed */
	int nparts;
	double slide_mono;	/* when a slide was last drawn whole */
	double slide_mono_before;	/* ... and the time before that */
	bool cur_changed;	/* cur was drawn on in this tick */
	bool slide_drawn;	/* ... all of it */
	bool whole;		/* the window needs all of the next frame */

	/* Where prev and cur differ, found when a fade starts and again
	 * when cur changes during it: the fade blends and sends only that
	 * (the slides share the background and the header band). */
	struct display_rect *fade_r;	/* and the parts of cur drawn again
					 * during the fade */
	int fade_r_cap;
	int nfade_r;		/* -1: not known (a fade starts) */
	int nfade_diff;		/* fade_r's from the diff, the rest parts
				 * of cur drawn since */
	struct kiosk_spans fade_px;	/* ... and pixel by pixel (h 0: not
					 * known): a fade frame on the last
					 * blends only these and the parts */
	/* A fade on the screen's own pixels keeps no prev: the slide
	 * before is what the screen holds outside fade_px, and fade_from
	 * (kiosk_spans_pack()) inside, a quarter of a frame or so.  The
	 * new slide is drawn over the old one in cur. */
	bool fade_screen;
	uint32_t *fade_from;
	bool fade_partial;	/* this fade frame is only fade_r new */
	bool end_partial;	/* the plain frame after a fade: the same */
	bool last_plain;	/* the frame last presented went out as it
				 * was (no dimming, no pixel shift) */
	bool last_fade_plain;	/* ... and was a fade frame on the
				 * screen's own pixels */
	bool render_failing;

	long presented;
	bool quit;
	int status;
};

static void on_signal(int sig)
{
	stop_signal = sig;
}

static const char *stamp(struct kiosk *k, int64_t t, char *buf, size_t len)
{
	core_time_format(t, k->log_tz, buf, len);
	return buf;
}

/* What "data as of" means for b: the clock time the data describes in
 * a replay, the wall time it was fetched otherwise. */
static int64_t bundle_as_of(const struct kiosk *k,
			    const struct fetch_bundle *b)
{
	return k->opt->replay ? b->at : b->fetched_at;
}

static int64_t data_as_of(const struct kiosk *k)
{
	return bundle_as_of(k, &k->data);
}

void kiosk_options_init(struct kiosk_options *o)
{
	memset(o, 0, sizeof *o);
	o->display.mode = DISPLAY_WINDOW;
	o->display.width = 1920;
	o->display.height = 1080;
	o->speed = 1;
	o->slide_seconds = 10;
	o->fade_seconds = 0.8;
	o->fade_fps = FADE_FPS;
	o->fetch_seconds = 5;
	o->refresh_seconds = REFRESH_SECONDS;
	o->retry_max = 60;
	render_look_init(&o->look);
}

/* The slides' look and languages.  Without its catalogue Japanese is
 * drawn in English, which an operator must hear of. */
static void kiosk_look_start(struct kiosk *k)
{
	const struct render_look *look = &k->opt->look;
	char err[512];

	render_set_look(look);
	if (render_i18n_init(NULL, err, sizeof err))
		log_error(MOD, "%s: Japanese text is drawn in English", err);
	else
		log_info(MOD, "messages from %s", render_i18n_dir());
	if (look->screen_diagonal_in > 0 && look->viewing_distance_m > 0)
		log_info(MOD, "text sized for %g m from a %g\" screen",
			 look->viewing_distance_m, look->screen_diagonal_in);
}

/* Only a part of cur changed: just that is presented, unless the whole
 * frame is anyway. */
static void add_part(struct kiosk *k, int x, int y, int w, int h)
{
	int n = (int)(sizeof k->parts / sizeof k->parts[0]);

	if (k->nparts >= n) {
		k->show = true;
		return;
	}
	k->parts[k->nparts++] = (struct display_rect){ x, y, w, h };
	k->cur_changed = true;
}

/* The ticker zone of cur, drawn again. */
static void add_ticker_part(struct kiosk *k)
{
	struct render_zones z;
	int y;

	render_zones_of(k->w, k->h, &z);
	y = (int)floor(z.ticker.y);
	add_part(k, (int)floor(z.ticker.x), y, (int)ceil(z.ticker.w),
		 (int)ceil(z.ticker.y + z.ticker.h) - y);
}

/* The languages of this frame, true when the slide must be drawn again
 * for them; else the ticker moved on over the slide as drawn. */
static bool kiosk_look_tick(struct kiosk *k)
{
	double t = k->mono - k->clock.start;
	cairo_t *cr;

	render_set_ticker_time(t);
	if (render_look_select(&k->opt->look, k->seq, t))
		return true;
	/* A ticker line that comes or goes moves the other zones. */
	if ((render_look_ticker() != NULL) != k->had_ticker)
		return true;
	if (!render_look_ticker() || !k->drawn || k->dirty)
		return false;
	cr = cairo_create(k->cur);
	render_ticker(cr, k->w, k->h);
	cairo_destroy(cr);
	add_ticker_part(k);
	return false;
}

/* The clock showed a new second.  Slides show hours and minutes, and
 * their "now" marks move by less than a pixel in a minute: the whole
 * slide is drawn again when the minute changed, else only the clock's
 * corner of the header. */
static void clock_second(struct kiosk *k)
{
	long minute = (long)floor(k->at / 60);

	if (minute != k->minute) {
		k->minute = minute;
		k->dirty = true;
	} else {
		k->clock_due = true;
	}
}

/* --- the steps of a tick ----------------------------------------------- */

static void clock_tick(struct kiosk *k)
{
	const struct kiosk_options *o = k->opt;
	char buf[40];
	long lap, second;

	k->mono = kiosk_mono_now();
	k->wall = kiosk_wall_now();
	k->at = kiosk_clock_at(&k->clock, k->mono, k->wall);

	lap = kiosk_clock_lap(&k->clock, k->mono);
	if (lap != k->lap) {
		k->lap = lap;
		log_info(MOD, "replay: back to %s",
			 stamp(k, o->replay_from, buf, sizeof buf));
		/* What is on screen belongs to the end of the replay. */
		fetch_schedule_hurry(&k->sched, k->mono);
		k->data_now = true;
	}

	/* A replay's clock may run many seconds per real second; redrawing
	 * once per real second keeps the CPU idle either way. */
	second = (long)floor(o->replay ? k->mono - k->clock.start : k->wall);
	if (second != k->second) {
		k->second = second;
		clock_second(k);
	}

	if (o->duration > 0 && k->mono - k->clock.start >= o->duration) {
		log_info(MOD, "played for %g s: stopping", o->duration);
		k->quit = true;
	}
}

/* A message whose markup Pango refuses is shown as plain text, and an
 * image that cannot be read is left out of the rotation: both are said
 * once, here, rather than on every frame. */
static void kiosk_check_params(struct kiosk *k)
{
	const struct render_params *p = &k->opt->params;
	char err[512];
	int n = 0;

	if (p->message && render_markup_check(p->message, err, sizeof err))
		log_warn(MOD, "the message's markup is not valid (%s): it is "
			 "shown as plain text", err);
	if (!p->image || !render_image_check(p->image, err, sizeof err))
		return;
	log_error(MOD, "cannot show the image %s: the image slide is "
		  "skipped", err);
	for (int i = 0; i < k->nslides; i++)
		if (k->slides[i] != RENDER_IMAGE)
			k->slides[n++] = k->slides[i];
	/* An image alone is never a black screen: its no-data mark shows. */
	if (n > 0)
		k->nslides = n;
}

static void log_missing_sites(struct kiosk *k)
{
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		unsigned bit = 1u << i;

		if (k->data.site[i] || !(k->data.asked & bit)) {
			k->missing_logged &= ~bit;
		} else if (!(k->missing_logged & bit)) {
			log_warn(MOD, "the server has no site for the %s "
				 "slides: they show no data",
				 fetch_role_name(i));
			k->missing_logged |= bit;
		}
	}
}

static bool same_sites(const struct fetch_bundle *a,
		       const struct fetch_bundle *b)
{
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		if (!a->site[i] != !b->site[i])
			return false;
		if (a->site[i] && !json_equal(a->site[i], b->site[i]))
			return false;
	}
	if (!a->signage != !b->signage)
		return false;
	return !a->signage || json_equal(a->signage, b->signage);
}

/* Whether new data on fresh data may wait for the next slide: not the
 * first, not when it takes the stale mark away, not after the replay
 * jumped back (the data on screen is of its end). */
static bool data_can_wait(const struct kiosk *k)
{
	return k->opt->refresh_seconds > 0 && k->fetched_once && k->fresh &&
	       !k->data_now && k->presented > 0;
}

/* The held data goes on screen, which is drawn again. */
static void apply_held(struct kiosk *k)
{
	if (k->next.fetched_at <= 0)
		return;
	fetch_bundle_move(&k->data, &k->next);
	k->data_mono = k->mono;
	k->dirty = true;
	log_missing_sites(k);
}

/* Returns whether the picture changes now: new data that cannot wait,
 * or the stale mark goes away.  New data that can is held in k->next. */
static bool took_data(struct kiosk *k, struct fetch_result *r)
{
	bool was_down = k->down, first = !k->fetched_once;
	bool changed = !k->fresh || !same_sites(&k->data, &r->bundle);
	bool hold = changed && data_can_wait(k);
	char buf[40];

	if (hold) {
		fetch_bundle_move(&k->next, &r->bundle);
	} else {
		fetch_bundle_finish(&k->next);
		fetch_bundle_move(&k->data, &r->bundle);
		if (changed)
			k->data_mono = k->mono;
	}
	k->data_now = false;
	k->fresh = true;
	k->down = false;
	k->fetched_once = true;

	stamp(k, data_as_of(k), buf, sizeof buf);
	if (first)
		log_info(MOD, "fetched slide data as of %s", buf);
	else if (was_down)
		log_info(MOD, "server answers again: fresh slide data as of "
			 "%s", buf);
	else if (hold)
		log_debug(MOD, "fetched new slide data as of %s: held for "
			  "the next slide", stamp(k, k->opt->replay ?
			  k->next.at : k->next.fetched_at, buf, sizeof buf));
	else
		log_debug(MOD, "fetched slide data as of %s", buf);
	if (!hold)
		log_missing_sites(k);

	if (r->cache_rc && !k->cache_failing)
		log_warn(MOD, "cannot save the cache: %s; playing on "
			 "without it", r->cache_err);
	else if (!r->cache_rc && k->cache_failing)
		log_info(MOD, "the cache is saved again");
	k->cache_failing = r->cache_rc != FETCH_OK;
	return changed && !hold;
}

static void fetch_failed(struct kiosk *k, const struct fetch_result *r)
{
	char buf[40];

	k->fresh = false;
	if (k->down) {
		log_debug(MOD, "fetch failed again (%s); next try in %g s",
			  r->err, k->sched.delay);
		return;
	}
	k->down = true;
	if (k->data.fetched_at > 0)
		log_warn(MOD, "cannot fetch slide data: %s; playing from "
			 "cached data as of %s, retrying with backoff up to "
			 "%g s", r->err, stamp(k, data_as_of(k), buf,
					       sizeof buf),
			 k->sched.retry_max);
	else
		log_warn(MOD, "cannot fetch slide data: %s; no cached data "
			 "either, so the slides show none until the server "
			 "answers (retrying with backoff up to %g s)",
			 r->err, k->sched.retry_max);
}

/* What is on screen, by name, for heartbeats, proof of play and the
 * log. */
static const char *showing_name(const struct kiosk *k)
{
	return k->content ? kiosk_content_name(k->content)
			  : render_slide_name(k->slides[k->slide]);
}

/* Asks only for the parts of the slide data the slides can show: the
 * rotation's, and with server content every slide its playlists name
 * (kiosk_content_wants()).  Logged when it changes. */
static void want_parts(struct kiosk *k)
{
	unsigned want = kiosk_content_wants(k->content);
	char list[64] = "";

	for (int i = 0; i < k->nslides; i++)
		want |= kiosk_slide_wants(k->slides[i]);
	if (k->wants_set && want == k->wants)
		return;
	k->wants = want;
	k->wants_set = true;
	fetch_worker_want(k->worker, want);
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		if (!(want & FETCH_WANT(i)))
			continue;
		g_strlcat(list, " ", sizeof list);
		g_strlcat(list, fetch_role_name(i), sizeof list);
	}
	if (want & FETCH_WANT_SIGNAGE)
		g_strlcat(list, " signage", sizeof list);
	log_info(MOD, "slide data asked for:%s", list[0] ? list : " none");
}

/* The first fetch, of the parts want_parts() chose at the start, and
 * the content's first poll. */
static void first_fetch(struct kiosk *k)
{
	kiosk_content_release(k->content);
	fetch_worker_request(k->worker,
			     fetch_minute_at(kiosk_clock_at(&k->clock, k->mono,
						     kiosk_wall_now())));
}

static void fetch_if_due(struct kiosk *k)
{
	struct fetch_result r;

	fetch_result_init(&r);
	if (fetch_worker_take(k->worker, &r)) {
		k->fetches++;
		fetch_schedule_done(&k->sched, k->mono, r.rc == FETCH_OK);
		if (r.rc == FETCH_OK) {
			if (took_data(k, &r))
				k->dirty = true;
		} else {
			/* The stale mark appears, on the newest data. */
			k->dirty = k->dirty || k->fresh || !k->down;
			apply_held(k);
			fetch_failed(k, &r);
		}
	}
	fetch_result_finish(&r);
	if (k->next.fetched_at > 0 &&
	    k->mono - k->data_mono >= k->opt->refresh_seconds)
		apply_held(k);

	/* The cache's first frame comes before any network work. */
	if (k->from_cache && k->presented == 0)
		return;
	if (k->from_cache && !k->network)
		kiosk_content_release(k->content);
	k->network = true;
	if (fetch_schedule_due(&k->sched, k->mono) &&
	    !fetch_worker_busy(k->worker)) {
		want_parts(k);
		/* For the heartbeat the worker sends after the fetch. */
		fetch_worker_showing(k->worker,
				     showing_name(k),
				     k->data.fetched_at);
		fetch_worker_request(k->worker, fetch_minute_at(k->at));
	}
}

/* The slide before, as a fade on the screen keeps it. */
static void drop_fade_from(struct kiosk *k)
{
	free(k->fade_from);
	k->fade_from = NULL;
	k->fade_screen = false;
}

/* Outside fades only cur is kept: prev and mix are as big as the
 * screen (8 MiB at 1080p, 32 MiB at 4K), and made again in a
 * millisecond or two when the next slide starts. */
static void drop_fade_frames(struct kiosk *k)
{
	drop_fade_from(k);
	cairo_surface_destroy(k->prev);
	cairo_surface_destroy(k->mix);
	k->prev = k->mix = NULL;
	k->have_prev = false;
	kiosk_spans_free(&k->fade_px);
}

/* Whether the slide that starts can fade in from the screen's own
 * pixels: they hold cur as it was presented last, unaltered. */
static bool can_fade_on_screen(struct kiosk *k)
{
	bool held;

	if (!k->drawn || k->fading || !k->last_plain ||
	    k->opt->fade_seconds <= 0)
		return false;
	return display_target(k->disp, k->w, k->h, &held) && held;
}

/* The slide at index slide starts: what it fades in over is kept. */
static void next_slide(struct kiosk *k, int slide)
{
	bool screen = can_fade_on_screen(k);

	if (screen || k->opt->fade_seconds <= 0) {
		/* A cut, or the screen holds the old picture: cur is drawn
		 * over, and no second frame is made. */
		drop_fade_frames(k);
		k->have_prev = k->fade_screen = screen;
	} else {
		cairo_surface_t *t = k->prev;

		/* The old slide's last picture is what the new one fades
		 * in over. */
		drop_fade_from(k);
		k->prev = k->cur;
		k->cur = t;
		k->have_prev = k->drawn;
	}
	k->drawn = false;
	k->nfade_r = -1;
	k->slide = slide;
}

static void pick_slide(struct kiosk *k)
{
	const struct kiosk_options *o = k->opt;
	double elapsed = k->mono - k->clock.start;
	long seq = (long)floor(elapsed / o->slide_seconds);
	double since = elapsed - (double)seq * o->slide_seconds;
	bool fading;

	if (k->content) {
		/* Layers go by the newest data, held or not. */
		seq = kiosk_content_tick(k->content, k->mono, k->wall, k->at,
					 k->next.fetched_at > 0 ? &k->next
								: &k->data,
					 &since);
		kiosk_content_params(k->content, &o->params, &k->params);
	}
	if (seq != k->seq) {
		k->seq = seq;
		/* A fade cut short left its mix on screen, not prev: the
		 * next frame is blended and sent whole. */
		if (k->fading)
			k->whole = true;
		if (k->nslides > 1 || k->content)
			next_slide(k, (int)(seq % k->nslides));
		apply_held(k);
		k->dirty = true;
	}

	if (k->have_prev && o->fade_seconds > 0 && since < o->fade_seconds)
		k->fade = since / o->fade_seconds;
	else
		k->fade = 1;
	fading = k->fade < 1;
	/* Every fade frame is new, and so is the plain one that ends it. */
	if (fading || k->fading)
		k->show = true;
	k->fading = fading;
}

/* A frame of the current size in *s, made when there is none. */
static int need_frame(struct kiosk *k, cairo_surface_t **s)
{
	if (*s)
		return 0;
	/* From calloc (mmap): pages a frame never draws on, such as a
	 * fade's, cost nothing (a mapping made present at once measured
	 * 7 MiB more PSS over a rotation and no faster start). */
	*s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, k->w, k->h);
	if (cairo_surface_status(*s) == CAIRO_STATUS_SUCCESS)
		return 0;
	log_error(MOD, "cannot make a %dx%d frame: %s", k->w, k->h,
		  cairo_status_to_string(cairo_surface_status(*s)));
	cairo_surface_destroy(*s);
	*s = NULL;
	return -1;
}

static int make_surfaces(struct kiosk *k, int w, int h)
{
	cairo_surface_destroy(k->cur);
	k->cur = NULL;
	drop_fade_frames(k);
	k->w = w;
	k->h = h;
	if (need_frame(k, &k->cur))
		return -1;
	k->drawn = false;
	k->have_prev = false;
	k->fade = 1;
	k->nfade_r = -1;
	k->last_plain = k->last_fade_plain = false;
	return 0;
}

/* The display's zone for slides without a site of their own, with the
 * data of b: its group's from the server's content, else that of the
 * last site shown, else the first the data names, so that a QR slide
 * between two of a Tokyo replay shows Tokyo's time on a UTC box too. */
static const char *display_zone(const struct kiosk *k,
				const struct fetch_bundle *b)
{
	const char *z = kiosk_content_zone(k->content);

	if (z)
		return z;
	if (k->zone_shown[0])
		return k->zone_shown;
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		z = json_string_value(json_object_get(b->site[i], "tz"));
		if (z && *z)
			return z;
	}
	return NULL;
}

/* What the slides draw from b, fresh or not and with the server
 * answering or not, at the clock's time. */
static struct render_data bundle_data(const struct kiosk *k,
				      const struct fetch_bundle *b,
				      bool fresh, bool down)
{
	return (struct render_data){
		.grid = b->site[FETCH_GRID],
		.home = b->site[FETCH_HOME],
		.air = b->site[FETCH_AIR],
		.signage = b->signage,
		.params = k->content ? &k->params : &k->opt->params,
		.now = (int64_t)floor(k->at),
		.replay = k->opt->replay,
		.stale = b->fetched_at > 0 && !fresh,
		.data_as_of = b->fetched_at > 0 ? bundle_as_of(k, b) : 0,
		.unreachable = b->fetched_at <= 0 && down,
		.tz = display_zone(k, b),
	};
}

/* What the slides draw from now. */
static struct render_data slide_data(const struct kiosk *k)
{
	return bundle_data(k, &k->data, k->fresh, k->down);
}

/* What draw_slide() notes of a slide drawn on cur: rc and why are
 * render_slide()'s answer and cr's status. */
static void slide_drawn(struct kiosk *k, enum render_slide slide,
			const struct render_data *rd, bool notice, int rc,
			cairo_status_t why)
{
	if (!notice && render_slide_zone(slide, rd))
		g_strlcpy(k->zone_shown, render_slide_zone(slide, rd),
			  sizeof k->zone_shown);
	if (rc || notice || render_clock_key(slide, rd, k->clock_key,
					     sizeof k->clock_key))
		k->clock_key[0] = '\0';
	if (rc && !k->render_failing)
		log_error(MOD, "cannot draw the %s slide: %s",
			  render_slide_name(slide),
			  cairo_status_to_string(why));
	k->render_failing = rc != 0;
	k->drawn = true;
	k->slide_mono_before = k->slide_mono;
	k->slide_mono = k->mono;
	k->had_ticker = render_look_ticker() != NULL;
	k->cur_changed = k->slide_drawn = true;
}

static void draw_slide(struct kiosk *k)
{
	enum render_slide slide = k->slides[k->slide];
	struct render_data rd = slide_data(k);
	cairo_t *cr = cairo_create(k->cur);
	struct render_alert alert;
	bool notice;
	int rc;

	notice = k->content &&
		 kiosk_content_showing(k->content, &slide, &alert);
	if (notice)
		rc = render_alert(cr, k->w, k->h, &alert);
	else
		rc = render_slide(cr, k->w, k->h, slide, &rd);
	if (!rc && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = -1;
	slide_drawn(k, slide, &rd, notice, rc, cairo_status(cr));
	cairo_destroy(cr);
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_params(const struct render_params *a,
			const struct render_params *b)
{
	if (!a || !b)
		return a == b;
	return same_text(a->message, b->message) &&
	       same_text(a->image, b->image) &&
	       same_text(a->qr_url, b->qr_url) &&
	       same_text(a->caption, b->caption);
}

/* The zone the slide's clock is shown in, drawn from d: its site's,
 * else the display's (d->tz), which a slide with a site ignores. */
static const char *shown_zone(enum render_slide slide,
			      const struct render_data *d)
{
	const char *z = render_slide_zone(slide, d);

	return z ? z : d->tz;
}

/* Whether render_slide() draws a and b alike: the same data and
 * parameters, the same zone, and clocks in the same minute whose
 * header shows the same (the kiosk draws a slide whole once a minute,
 * its clock alone in between). */
static bool same_picture(enum render_slide slide,
			 const struct render_data *a,
			 const struct render_data *b)
{
	char ka[128], kb[128];

	if (a->grid != b->grid || a->home != b->home || a->air != b->air ||
	    a->signage != b->signage || !same_params(a->params, b->params) ||
	    a->replay != b->replay || a->stale != b->stale ||
	    a->data_as_of != b->data_as_of ||
	    a->unreachable != b->unreachable ||
	    !same_text(shown_zone(slide, a), shown_zone(slide, b)))
		return false;
	if (floor((double)a->now / 60) != floor((double)b->now / 60))
		return false;
	return render_clock_key(slide, a, ka, sizeof ka) == 0 &&
	       render_clock_key(slide, b, kb, sizeof kb) == 0 &&
	       strcmp(ka, kb) == 0;
}

/* The fonts' thread's picture of the first slide (kiosk_warm.h), taken
 * as cur when it is what draw_slide() would draw now.  Dropped either
 * way: only the first frame can use it. */
static bool take_warm_frame(struct kiosk *k)
{
	cairo_surface_t *f = k->warm_frame;
	enum render_slide slide = k->slides[k->slide];
	struct render_data rd;
	struct render_alert alert;

	k->warm_frame = NULL;
	if (!f)
		return false;
	rd = slide_data(k);
	if (cairo_image_surface_get_width(f) != k->w ||
	    cairo_image_surface_get_height(f) != k->h) {
		log_debug(MOD, "first frame drawn again: the fonts' thread "
			  "drew %dx%d, the frame is %dx%d",
			  cairo_image_surface_get_width(f),
			  cairo_image_surface_get_height(f), k->w, k->h);
		cairo_surface_destroy(f);
		return false;
	}
	if ((k->content &&
	     kiosk_content_showing(k->content, &slide, &alert)) ||
	    slide != k->warm_job.slide ||
	    render_i18n_first() != k->warm_langs[0] ||
	    render_i18n_second() != k->warm_langs[1] ||
	    !same_text(render_look_ticker(), k->warm_ticker) ||
	    !same_picture(slide, &rd, &k->warm_job.data)) {
		log_debug(MOD, "first frame drawn again: another slide, "
			  "other data, languages or ticker, or another "
			  "minute than the fonts' thread drew");
		cairo_surface_destroy(f);
		return false;
	}
	log_debug(MOD, "first frame: the slide as the fonts' thread drew it");
	cairo_surface_destroy(k->cur);
	k->cur = f;
	slide_drawn(k, slide, &rd, false, 0, CAIRO_STATUS_SUCCESS);
	return true;
}

/* Draws the clock alone again on cur, as it is now; false when the
 * whole slide must be drawn instead (a notice, or no picture yet). */
static bool draw_clock(struct kiosk *k)
{
	enum render_slide slide = k->slides[k->slide];
	struct render_data rd = slide_data(k);
	struct render_alert alert;
	struct render_box b;
	char key[sizeof k->clock_key];
	cairo_t *cr;
	int rc;

	if (!k->drawn || k->render_failing ||
	    (k->content && kiosk_content_showing(k->content, &slide, &alert)))
		return false;
	/* The clock shows hours and minutes: most seconds it would be
	 * drawn and sent as it is on screen already.  The frame is still
	 * presented, with nothing in it new (no copy, nothing sent): screen
	 * hours, dimming, screenshots and PNG frames go by presented
	 * frames. */
	if (render_clock_key(slide, &rd, key, sizeof key))
		return false;
	if (*k->clock_key && !strcmp(key, k->clock_key)) {
		add_part(k, 0, 0, 0, 0);
		return true;
	}
	cr = cairo_create(k->cur);
	rc = render_clock(cr, k->w, k->h, slide, &rd, &b);
	cairo_destroy(cr);
	if (rc)
		return false;
	memcpy(k->clock_key, key, sizeof key);
	add_part(k, b.x, b.y, b.w, b.h);
	return true;
}

/* Room in fade_r for the parts of cur drawn again during a fade, and
 * for those of the frame that ends it. */
#define FADE_EXTRA 8

/* Where the slide before (in old: prev, or the screen) and cur differ,
 * in k->fade_r; nfade_r -1 when that cannot be told (out of memory). */
static void fade_diff(struct kiosk *k, cairo_surface_t *old)
{
	int need = kiosk_blend_diff_max(k->h) + FADE_EXTRA;

	if (k->fade_r_cap < need) {
		struct display_rect *r = realloc(k->fade_r,
						  (size_t)need * sizeof *r);

		k->nfade_r = -1;
		if (!r)
			return;
		k->fade_r = r;
		k->fade_r_cap = need;
	}
	k->nfade_r = kiosk_blend_diff_spans(old, k->cur, k->fade_r,
					    k->fade_r_cap - FADE_EXTRA,
					    &k->fade_px);
	k->nfade_diff = k->nfade_r;
	if (k->nfade_r >= 0) {
		double area = 0, px = 0;

		for (int i = 0; i < k->nfade_r; i++)
			area += (double)k->fade_r[i].w * k->fade_r[i].h;
		for (size_t i = 0; k->fade_px.h && i < k->fade_px.nrun; i++)
			px += k->fade_px.run[i].n;
		log_debug(MOD, "fade: the slides differ in %d rectangles, "
			  "%.0f %% of the frame (%.0f %% in runs of pixels)",
			  k->nfade_r, 100 * area / ((double)k->w * k->h),
			  100 * px / ((double)k->w * k->h));
	}
}

/* cur was drawn again in the parts: prev and cur may differ there too.
 * false when there is no room left for them. */
static bool fade_add_parts(struct kiosk *k, int room)
{
	for (int i = 0; i < k->nparts; i++) {
		const struct display_rect *p = &k->parts[i];
		bool known = false;

		for (int j = 0; j < k->nfade_r && !known; j++)
			known = !memcmp(&k->fade_r[j], p, sizeof *p);
		if (known)
			continue;
		if (k->nfade_r >= room)
			return false;
		k->fade_r[k->nfade_r++] = *p;
	}
	return true;
}

/* The weight of cur in a fade frame.  Smoothstep: the change starts
 * and ends gently. */
static double fade_weight(const struct kiosk *k)
{
	double f = k->fade;

	return f * f * (3 - 2 * f);
}

/* prev, with cur over it at the fade's opacity, on dst: only where they
 * differ when dst holds the frame shown last (where they are the same,
 * that frame is either). */
static void blend(struct kiosk *k, cairo_surface_t *dst, bool partial)
{
	/* All three are frames of k->w x k->h, which the blend never
	 * refuses. */
	double f = fade_weight(k);

	if (partial && k->fade_px.h > 0) {
		/* A tile that differs is mostly the same pixels in both (a
		 * panel's fill, the background): only the runs that differ
		 * are read and written, about half of the tiles' area. */
		kiosk_blend_spans(dst, k->prev, k->cur, f, &k->fade_px);
		kiosk_blend_rects(dst, k->prev, k->cur, f,
				  k->fade_r + k->nfade_diff,
				  k->nfade_r - k->nfade_diff);
	} else if (partial) {
		kiosk_blend_rects(dst, k->prev, k->cur, f, k->fade_r,
				  k->nfade_r);
	} else {
		kiosk_blend(dst, k->prev, k->cur, f);
	}
}

/* The frame that ends a fade, on the screen's own pixels where they hold
 * the fade's last frame: cur is copied there only where the slides
 * differ, pixel by pixel, and where cur was drawn on since. */
static void end_on_screen(struct kiosk *k)
{
	cairo_surface_t *t;
	bool held;

	if (k->fade_px.h <= 0)
		return;
	t = display_target(k->disp, k->w, k->h, &held);
	if (!t || !held)
		return;
	kiosk_blend_spans(t, k->cur, k->cur, 1, &k->fade_px);
	kiosk_blend_rects(t, k->cur, k->cur, 1, k->fade_r + k->nfade_diff,
			  k->nfade_r - k->nfade_diff);
	kiosk_blend_rects(t, k->cur, k->cur, 1, k->parts, k->nparts);
	k->frame = t;
}

/* Whether the screen still holds the slide a fade on it started from:
 * no frame went out dimmed or shifted since, and the window surface is
 * the one it was. */
static bool screen_holds_before(struct kiosk *k)
{
	bool held;

	return display_target(k->disp, k->w, k->h, &held) && held &&
	       k->last_plain;
}

/* A fade on the screen that cannot go on: cur is shown whole, at once. */
static void fade_cut(struct kiosk *k)
{
	drop_fade_frames(k);
	k->fade = 1;
	k->fading = false;
	k->show = k->whole = true;
}

/* A fade frame on the screen's own pixels, with no prev: cur over the
 * slide before, which the screen holds where the slides are alike and
 * fade_from where they differ.  Parts of cur drawn again meanwhile (the
 * clock, the ticker: zones the slides share) are shown as they are
 * now.  Returns false when the slide before cannot be kept (out of
 * memory) or the parts found no room: the caller cuts the fade. */
static bool fade_on_screen(struct kiosk *k)
{
	bool held;
	cairo_surface_t *t = display_target(k->disp, k->w, k->h, &held);

	if (!t || !held)
		return false;
	if (k->nfade_r < 0) {
		fade_diff(k, t);
		if (k->nfade_r < 0 || k->fade_px.h <= 0)
			return false;
		k->fade_from = kiosk_spans_pack(&k->fade_px, t);
		if (!k->fade_from)
			return false;
	}
	if (!fade_add_parts(k, k->fade_r_cap - 2))
		return false;
	/* The first frame, at weight 0, is what the screen shows. */
	if (kiosk_blend_is_from(fade_weight(k)) && !k->whole) {
		k->show = false;
		k->nparts = 0;
		return true;
	}
	kiosk_blend_rects(t, k->cur, k->cur, 1, k->fade_r + k->nfade_diff,
			  k->nfade_r - k->nfade_diff);
	kiosk_blend_spans_packed(t, k->fade_from, k->cur, fade_weight(k),
				 &k->fade_px);
	k->frame = t;
	k->fade_partial = !k->whole;
	return true;
}

/* No frame is shown before the first fetch answers, for a while, unless
 * the cache had data. */
static bool first_frame_waits(const struct kiosk *k)
{
	return k->presented == 0 && k->fetches == 0 && !k->from_cache &&
	       k->mono - k->clock.start < FIRST_FETCH_WAIT;
}

static void render_frame(struct kiosk *k)
{
	int w, h;

	if (k->quit)
		return;
	k->cur_changed = k->slide_drawn = false;
	k->fade_partial = k->end_partial = false;
	display_size(k->disp, &w, &h);

	/* A minimised window may have no pixels: keep the last frame and
	 * draw again when it has some. */
	if (w <= 0 || h <= 0) {
		k->show = false;
		return;
	}
	if (w != k->w || h != k->h) {
		if (make_surfaces(k, w, h)) {
			k->quit = true;
			k->status = -1;
			return;
		}
		k->dirty = true;
	}

	if (kiosk_look_tick(k))
		k->dirty = true;
	if (k->clock_due && !k->dirty && !draw_clock(k))
		k->dirty = true;
	k->clock_due = false;
	if (need_frame(k, &k->cur)) {
		k->quit = true;
		k->status = -1;
		return;
	}
	if (k->fade < 1 && k->fade_screen && !screen_holds_before(k))
		fade_cut(k);
	/* The layer a slide's next frames start from is a frame's worth of
	 * memory (render_layer_forget()) and a pass of its own to make,
	 * which pay only when the slide is drawn again and again within
	 * seconds, as a fast replay's minutes are.  At real speed a slide
	 * is drawn again once a minute or for new data, and a layer made
	 * then would stay unused for the rest of the slide. */
	if (k->mono - k->slide_mono >= LAYER_KEEP ||
	    k->slide_mono - k->slide_mono_before >= LAYER_KEEP)
		render_layer_forget();
	/* Drawn while the first frame still awaits the first fetch, the
	 * slide is drawn again when the data comes; meanwhile it has
	 * loaded the faces at the sizes the slide uses, time the kiosk
	 * would otherwise spend waiting.  A fade on the screen knows the
	 * slide before only where it differed from cur: cur is drawn again
	 * once the fade is over, at most a fade's length later. */
	if (k->dirty && !(k->fade < 1 && k->fade_screen && k->nfade_r >= 0)) {
		if (!take_warm_frame(k))
			draw_slide(k);
		k->dirty = false;
		k->show = true;
	}
	if (k->fade < 1 && k->fade_screen && !fade_on_screen(k))
		fade_cut(k);
	if (k->fade < 1 && k->fade_screen)
		return;
	if (k->fade < 1 && k->have_prev) {
		bool held, again = false;

		/* Once per fade, and again when all of cur was drawn again;
		 * parts drawn again only add to it. */
		if (k->nfade_r < 0 || k->slide_drawn) {
			again = k->nfade_r >= 0;
			fade_diff(k, k->prev);
		} else if (k->nfade_r > 0 &&
			   !fade_add_parts(k, k->fade_r_cap - 2)) {
			again = true;
			fade_diff(k, k->prev);
		}
		/* A fade's first frame comes at weight 0 (the loop wakes at
		 * the slide's start): it is prev, which is on screen as it
		 * is, so nothing is blended or sent.  A frame each fade, 1
		 * in 16 of a 0.8 s fade at 20 a second. */
		if (kiosk_blend_is_from(fade_weight(k)) && k->last_plain &&
		    !k->whole && !again && k->nfade_r >= 0) {
			k->show = false;
			k->nparts = 0;
			return;
		}
		/* Straight onto the screen's pixels where the display has
		 * them: no third frame, and no copy of it. */
		k->frame = display_target(k->disp, k->w, k->h, &held);
		if (!k->frame && need_frame(k, &k->mix)) {
			k->quit = true;
			k->status = -1;
			return;
		}
		if (!k->frame)
			k->frame = k->mix;
		/* Over the frame shown last (the old slide's last picture,
		 * or the fade's last frame), which is prev wherever it is
		 * outside fade_r.  A new fade_r in mid-fade does not know
		 * what the last frame had outside it. */
		k->fade_partial = k->frame != k->mix && held && !again &&
				  k->last_plain && k->nfade_r > 0 &&
				  !k->whole;
		blend(k, k->frame, k->fade_partial);
	} else {
		k->end_partial = k->last_fade_plain && k->nfade_r > 0 &&
				 !k->slide_drawn && !k->whole;
		k->frame = k->cur;
		if (k->end_partial)
			end_on_screen(k);
		drop_fade_frames(k);
	}
}

/* The whole of shown, or only the parts of cur that changed when cur
 * is shown as it is. */
static int present_shown(struct kiosk *k, cairo_surface_t *shown,
			 char *err, size_t errlen)
{
	int n = k->nfade_r;

	if (shown != k->frame || k->whole)
		return display_present(k->disp, shown, err, errlen);
	if (k->fade_partial)
		return display_present_rects(k->disp, shown, k->fade_r, n,
					     err, errlen);
	/* After the fade's last frame, cur is new only where the fade
	 * was, and where it was drawn on since. */
	if (k->end_partial && n + k->nparts <= k->fade_r_cap) {
		for (int i = 0; i < k->nparts; i++)
			k->fade_r[n++] = k->parts[i];
		return display_present_rects(k->disp, shown, k->fade_r, n,
					     err, errlen);
	}
	if (!k->show && shown == k->cur && k->frame == k->cur)
		return display_present_rects(k->disp, shown, k->parts,
					     k->nparts, err, errlen);
	return display_present(k->disp, shown, err, errlen);
}

static void present(struct kiosk *k)
{
	cairo_surface_t *shown;
	char err[256];

	if (k->quit || (!k->show && !k->nparts) || !k->frame)
		return;
	if (first_frame_waits(k))
		return;
	shown = kiosk_ops_frame(k->ops, k->frame, k->wall, k->mono);
	if (!shown || present_shown(k, shown, err, sizeof err)) {
		if (!shown)
			snprintf(err, sizeof err, "out of memory");
		log_error(MOD, "cannot show a frame: %s; stopping", err);
		k->quit = true;
		k->status = -1;
		return;
	}
	k->show = false;
	k->nparts = 0;
	k->whole = false;
	k->last_plain = shown == k->frame;
	k->last_fade_plain = k->last_plain && k->frame != k->cur &&
			     k->frame != k->mix && k->fade < 1;
	k->presented++;
	kiosk_ops_presented(k->ops, shown, k->mono,
			    fetch_worker_screenshot_wanted(k->worker));
	if (k->presented == 1) {
		char buf[40];

		if (k->fetches == 0 && k->from_cache)
			log_info(MOD, "first frame from the cache (slide data "
				 "as of %s, marked stale): the server has not "
				 "answered yet", stamp(k, data_as_of(k), buf,
						       sizeof buf));
		log_info(MOD, "first frame shown: %s",
			 display_describe(k->disp));
		notify_ready("playing on %s", display_describe(k->disp));
	}
	log_debug(MOD, "frame %ld: %s slide%s%s, clock %lld", k->presented,
		  showing_name(k),
		  k->fade < 1 ? ", fading in" : "",
		  k->data.fetched_at > 0 && !k->fresh ? ", stale data"
		  : k->data.fetched_at <= 0 && k->down ? ", server unreachable"
						      : "",
		  (long long)floor(k->at));

	if (k->opt->frames > 0 && k->presented >= k->opt->frames) {
		log_info(MOD, "%ld frames shown: stopping", k->presented);
		k->quit = true;
	}
}

/* Until the fade's next frame is due: frames at fixed times from the
 * slide's start, however long drawing one took. */
static double fade_wait(const struct kiosk *k)
{
	double period = 1 / k->opt->fade_fps;
	double since = k->fade * k->opt->fade_seconds;
	double d = period - fmod(since, period);

	return d > 0 ? d : 0;
}

/* Seconds until something on screen changes or a fetch falls due. */
static double next_wake(const struct kiosk *k)
{
	const struct kiosk_options *o = k->opt;
	double t = WAIT_MAX, d;

	if (k->quit)
		return 0;
	/* A fade slower than its own frames must not sleep past the
	 * next slide, a fetch or the end of the run. */
	if (k->fade < 1)
		return fmin(fade_wait(k), WAIT_MAX);
	/* The first frame awaits the first fetch, which cannot wake the
	 * loop: at most FIRST_FETCH_WAIT of short sleeps, once. */
	if (k->presented == 0)
		return 0.001;
	if (render_look_ticker())
		return 1 / TICKER_FPS;

	if (o->replay)
		d = k->clock.start + (double)(k->second + 1) - k->mono;
	else
		d = floor(k->wall) + 1 - k->wall;
	t = fmin(t, d);
	/* A playlist's items last their own seconds. */
	if (k->content)
		d = kiosk_content_end(k->content) - k->mono;
	else
		d = k->clock.start + (double)(k->seq + 1) * o->slide_seconds -
		    k->mono;
	t = fmin(t, d);
	/* A fetch in flight cannot wake the loop when it ends: it is looked
	 * for now and then, not in a busy loop until it answers. */
	if (fetch_worker_busy(k->worker))
		t = fmin(t, FETCH_LOOK);
	else
		t = fmin(t, k->sched.due - k->mono);
	if (k->next.fetched_at > 0)
		t = fmin(t, k->data_mono + o->refresh_seconds - k->mono);
	if (o->duration > 0)
		t = fmin(t, k->clock.start + o->duration - k->mono);
	return t > 0 ? t : 0;
}

static void handle_events(struct kiosk *k)
{
	unsigned ev = display_wait(k->disp, next_wake(k));

	if (ev & DISPLAY_EV_QUIT) {
		log_info(MOD, "window closed: stopping");
		k->quit = true;
	}
	if (ev & DISPLAY_EV_RESIZED)
		k->dirty = true;
	if (ev & DISPLAY_EV_EXPOSED)
		k->show = k->whole = true;
	if (ev & DISPLAY_EV_LOST) {
		log_warn(MOD, "the window lost its screen (%s): starting "
			 "again to open it when the screen is back",
			 display_lost_reason(k->disp));
		k->quit = true;
		k->status = KIOSK_RESTART;
	}
	if (ev & DISPLAY_EV_BACK)
		log_info(MOD, "the window is back: %s",
			 display_describe(k->disp));
	/* One that came with a lost screen is seen by kiosk_run(). */
	if (stop_signal && !k->quit) {
		log_info(MOD, "%s: stopping", strsignal(stop_signal));
		k->quit = true;
	}
}

/* --- start and stop ---------------------------------------------------- */

static void set_signals(struct kiosk *k)
{
	struct sigaction sa;

	/* Cleared first: a signal that comes as the handlers are set is
	 * kept. */
	stop_signal = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal cuts the loop's sleep short. */
	sigaction(SIGINT, &sa, &k->old_int);
	sigaction(SIGTERM, &sa, &k->old_term);
	k->signals_set = true;
}

static void load_cache(struct kiosk *k)
{
	const char *dir = k->opt->cache_dir;
	char err[512], buf[40];
	int rc;

	if (!dir) {
		log_info(MOD, "cache: none (--no-cache)");
		return;
	}
	rc = fetch_cache_load(dir, &k->data, err, sizeof err);
	k->from_cache = rc == FETCH_OK;
	if (rc == FETCH_OK)
		log_info(MOD, "cache %s: slide data as of %s, shown until "
			 "the server answers", dir,
			 stamp(k, data_as_of(k), buf, sizeof buf));
	else if (rc == FETCH_NO_CACHE)
		log_info(MOD, "cache %s: empty; the first data comes from "
			 "the server", dir);
	else
		log_warn(MOD, "ignoring the cache: %s", err);
}

static void log_plan(struct kiosk *k)
{
	const struct kiosk_options *o = k->opt;
	char from[40], to[40], list[160] = "";
	const char *fonts;

	log_info(MOD, "server %s; sites: grid %s, home %s, air %s",
		 o->fetch.server,
		 o->fetch.site[FETCH_GRID] ? o->fetch.site[FETCH_GRID]
					   : fetch_default_site(FETCH_GRID),
		 o->fetch.site[FETCH_HOME] ? o->fetch.site[FETCH_HOME]
					   : fetch_default_site(FETCH_HOME),
		 o->fetch.site[FETCH_AIR] ? o->fetch.site[FETCH_AIR]
					  : fetch_default_site(FETCH_AIR));
	if (o->replay)
		log_info(MOD, "clock: replay of %s to %s at %gx, looping",
			 stamp(k, o->replay_from, from, sizeof from),
			 stamp(k, o->replay_to, to, sizeof to), o->speed);
	else
		log_info(MOD, "clock: real time");
	for (int i = 0; i < k->nslides; i++) {
		if (i)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, render_slide_name(k->slides[i]),
			sizeof list - strlen(list) - 1);
	}
	log_info(MOD, "slides: %s, %g s each; fetch every %g s",
		 list, o->slide_seconds,
		 kiosk_clock_fetch_period(&k->clock, o->fetch_seconds));
	fonts = getenv("FONTCONFIG_FILE");
	if (o->fonts_conf)
		log_info(MOD, "fonts: akari's fontconfig configuration, %s",
			 o->fonts_conf);
	else if (fonts && *fonts)
		log_info(MOD, "fonts: fontconfig reads $FONTCONFIG_FILE, %s",
			 fonts);
	else
		log_info(MOD, "fonts: the system's fontconfig configuration "
			 "(no fonts.conf in $AKARI_THEMES_DIR or the source "
			 "tree's themes/)");
}

static int open_display(struct kiosk *k)
{
	const char *why;
	char err[512];

	if (display_open(&k->opt->display, &k->disp, err, sizeof err)) {
		log_error(MOD, "cannot open the display: %s", err);
		return -1;
	}
	why = display_fallback_reason(k->disp);
	if (why)
		log_warn(MOD, "no display could be opened (%s): writing PNG "
			 "frames to %s instead", why,
			 k->opt->display.fallback_dir);
	if (display_lost_reason(k->disp))
		log_warn(MOD, "no screen yet (%s): playing on and opening "
			 "the window when it is back",
			 display_lost_reason(k->disp));
	log_info(MOD, "display: %s", display_describe(k->disp));
	return 0;
}

/* The first frame made, its pages present, while the fonts' thread
 * still works and this one would wait for it anyway: drawn on fresh,
 * they fault in one by one, a few milliseconds at 1080p. */
static void prepare_frame(struct kiosk *k)
{
	int w, h;

	display_size(k->disp, &w, &h);
	if (w <= 0 || h <= 0 || make_surfaces(k, w, h))
		return;
	/* The fonts' thread draws the first frame at this size: cur would
	 * make way for it. */
	if (k->warm && k->warm_draws &&
	    ((k->warm_job.w == w && k->warm_job.h == h) ||
	     k->warm_job.w <= 0))
		return;
	cairo_surface_flush(k->cur);
	display_populate(cairo_image_surface_get_data(k->cur),
			 (size_t)cairo_image_surface_get_stride(k->cur) *
				 (size_t)h);
}

/* The file beside the cache that keeps the frame's size of the last
 * start: a full screen's is known only once the window is open, and
 * the first slide is drawn before. */
#define SIZE_FILE "frame-size"
#define SIZE_SIDE_MAX 8192
#define SIZE_PIXELS_MAX (7680L * 4320L)

/* Whether a frame of w x h may be drawn before the window says its
 * size: up to 8K UHD's pixels, so that a damaged file or a strange
 * answer does not cost the start a frame of gigabytes. */
static bool plausible_size(long w, long h)
{
	return w > 0 && h > 0 && w <= SIZE_SIDE_MAX && h <= SIZE_SIDE_MAX &&
	       w * h <= SIZE_PIXELS_MAX;
}

/* "WxH" into *w and *h, else 0 x 0 (plausible_size()). */
static void parse_size(const char *text, int *w, int *h)
{
	char *end;
	long lw, lh;

	*w = *h = 0;
	errno = 0;
	lw = strtol(text, &end, 10);
	if (end == text || *end != 'x')
		return;
	text = end + 1;
	lh = strtol(text, &end, 10);
	if (end == text || errno || !plausible_size(lw, lh))
		return;
	*w = (int)lw;
	*h = (int)lh;
}

/* The full screen's size as the last start found it, kept beside the
 * cache; 0 x 0 when none is. */
static void kept_size(const struct kiosk *k, int *w, int *h)
{
	char *path, text[32];
	struct stat st;
	ssize_t n = -1;
	int fd;

	*w = *h = 0;
	if (!k->opt->cache_dir)
		return;
	/* A few bytes of a plain file: whatever else is there (a FIFO, a
	 * device, a link to one) must not hold the start up. */
	path = g_build_filename(k->opt->cache_dir, SIZE_FILE, NULL);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	g_free(path);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	parse_size(text, w, h);
}

/* The size the first frame is expected to have: the window's or the
 * PNG files', else the screen's as the last start found it (which knows
 * which of several monitors the window covers), else as the X server
 * says it is now; 0 x 0 when not known.  Returns where it came from,
 * for the log. */
static const char *expected_size(const struct kiosk *k, int *w, int *h)
{
	const struct display_config *dc = &k->opt->display;

	if (dc->mode != DISPLAY_FULLSCREEN) {
		display_config_size(dc, w, h);
		return "the options";
	}
	kept_size(k, w, h);
	if (*w > 0)
		return "the size kept beside the cache";
	display_screen_size(dc, w, h);
	if (plausible_size(*w, *h))
		return "the X server";
	*w = *h = 0;
	return "nowhere yet: the window's, once open";
}

/* Keeps the full screen's size for the next start, when it changed.
 * A failure only costs the next start its head start: not logged. */
static void keep_size(const struct kiosk *k, int w, int h)
{
	char *path, buf[32];
	int ew, eh;

	/* A lost window or PNG files in its place report the options'
	 * size, not the screen's. */
	if (display_mode(k->disp) != DISPLAY_FULLSCREEN ||
	    display_lost_reason(k->disp) || display_fallback_reason(k->disp) ||
	    !k->opt->cache_dir || w <= 0 || h <= 0)
		return;
	kept_size(k, &ew, &eh);
	if (ew == w && eh == h)
		return;
	snprintf(buf, sizeof buf, "%dx%d\n", w, h);
	path = g_build_filename(k->opt->cache_dir, SIZE_FILE, NULL);
	(void)g_file_set_contents(path, buf, -1, NULL);
	g_free(path);
}

/* The first fetch's data, for the fonts' thread (kiosk_warm_job.await)
 * without a cache: waited for as long as the first frame waits for it,
 * and given as took_data() will make it the kiosk's.  Runs on the
 * fonts' thread, reading what the kiosk's thread leaves alone until
 * kiosk_warm_finish(), and the worker's result, which stays as it is
 * until fetch_if_due() takes it after that. */
static bool first_fetch_data(void *arg, struct render_data *rd)
{
	struct kiosk *k = arg;
	const struct fetch_result *r;
	struct render_data got;
	double t0 = kiosk_mono_now(), left;

	/* In short waits, ended by a stop asked for meanwhile, which the
	 * kiosk's thread, joining this one, cannot pass on, or by a start
	 * that failed. */
	do {
		left = k->clock.start + FIRST_FETCH_WAIT - kiosk_mono_now();
		r = fetch_worker_wait(k->worker, fmin(left, 0.05));
	} while (!r && left > 0.05 && fetch_worker_busy(k->worker) &&
		 !stop_signal && !atomic_load(&k->warm_abandoned));
	/* Read after the thread ended, as warm_job.data below. */
	k->warm_waited = (kiosk_mono_now() - t0) * 1e3;
	k->warm_cut = !r && (stop_signal || atomic_load(&k->warm_abandoned));
	k->warm_fetched = r && r->rc == FETCH_OK;
	if (!k->warm_fetched)
		return false;
	got = bundle_data(k, &r->bundle, true, false);
	got.params = rd->params;
	got.now = rd->now;
	*rd = got;
	/* For take_warm_frame(), which reads it after the thread ended. */
	k->warm_job.data = got;
	return true;
}

/* The fonts' thread, given the first slide to draw as the first frame
 * is expected to show it: from the cache's data, or without a cache
 * from the first fetch's as it comes, at the clock as it is now, at
 * the size expected.  A playlist may pick another slide first; it is
 * then drawn with the faces loaded but its sizes new. */
static void start_warm(struct kiosk *k)
{
	struct kiosk_warm_job *job = &k->warm_job;
	cairo_surface_t *f = NULL;
	const char *from;

	if (k->nslides <= 0) {
		k->warm = kiosk_warm_start(NULL);
		return;
	}
	/* The languages of the first frame, as its tick will select them:
	 * the first slide period, at the start. */
	render_look_select(&k->opt->look, 0, 0);
	k->warm_langs[0] = render_i18n_first();
	k->warm_langs[1] = render_i18n_second();
	k->warm_ticker = g_strdup(render_look_ticker());
	k->warm_draws = true;
	k->at = kiosk_clock_at(&k->clock, kiosk_mono_now(), kiosk_wall_now());
	job->slide = k->slides[0];
	job->data = slide_data(k);
	job->data.params = &k->opt->params;
	job->await = k->from_cache ? NULL : first_fetch_data;
	job->arg = k;
	from = expected_size(k, &job->w, &job->h);
	log_debug(MOD, "the first slide's expected size: %dx%d, from %s",
		  job->w, job->h, from);
	job->frame = NULL;
	if (job->w > 0 && job->h > 0)
		f = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, job->w,
					       job->h);
	if (f && cairo_surface_status(f) == CAIRO_STATUS_SUCCESS)
		job->frame = cairo_surface_reference(f);
	k->warm = kiosk_warm_start(job);
	job->frame = NULL;

	/* The frame's pages made present here, with a reference of our
	 * own, while the thread sets fontconfig up: faulted in one by one
	 * where it first draws, they would hold the thread up. */
	if (k->warm && f &&
	    cairo_surface_status(f) == CAIRO_STATUS_SUCCESS)
		display_populate(cairo_image_surface_get_data(f),
				 (size_t)cairo_image_surface_get_stride(f) *
					 (size_t)job->h);
	cairo_surface_destroy(f);
}

static int kiosk_start(struct kiosk *k, const struct kiosk_options *o)
{
	double warm_ms;
	char err[512];
	int w, h;

	memset(k, 0, sizeof *k);
	/* Before the fetch worker's thread starts. */
	display_preset_env();
	k->opt = o;
	k->status = -1;
	k->second = LONG_MIN;
	k->minute = LONG_MIN;
	/* Frames are freed between fades: served from mmap, their pages go
	 * back to the system at once instead of staying in the heap (glibc
	 * would raise its threshold above a frame's size after the first
	 * free). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	k->fade = 1;
	k->nfade_r = -1;
	fetch_bundle_init(&k->data);
	fetch_bundle_init(&k->next);
	k->log_tz = g_time_zone_new_local();

	k->nslides = o->nslides;
	if (k->nslides <= 0 || k->nslides > RENDER_SLIDE_COUNT) {
		k->nslides = 0;
		for (int i = 0; i < RENDER_SLIDE_COUNT; i++)
			if (render_slide_has_params(i, &o->params))
				k->slides[k->nslides++] = (enum render_slide)i;
	} else {
		memcpy(k->slides, o->slides, sizeof k->slides);
	}
	kiosk_check_params(k);
	kiosk_look_start(k);
	/* Shorter slides would count periods past the range of a long. */
	if (!(o->slide_seconds >= KIOSK_SLIDE_MIN) ||
	    !(o->fetch_seconds > 0)) {
		log_error(MOD, "slides must last %g s or more and fetches "
			  "come at a positive period", KIOSK_SLIDE_MIN);
		return -1;
	}
	if (!(o->fade_fps > 0 && o->fade_fps <= KIOSK_FADE_FPS_MAX)) {
		log_error(MOD, "a fade's frames a second must be above 0 "
			  "and at most %d", KIOSK_FADE_FPS_MAX);
		return -1;
	}

	k->mono = kiosk_mono_now();
	if (o->replay) {
		if (kiosk_clock_replay(&k->clock, o->replay_from, o->replay_to,
				       o->speed, k->mono)) {
			log_error(MOD, "replay needs FROM before TO and a "
				  "speed above 0 and at most %g",
				  KIOSK_SPEED_MAX);
			return -1;
		}
	} else {
		kiosk_clock_real(&k->clock, k->mono);
	}

	if (fetch_worker_create(&o->fetch, o->cache_dir, &k->worker, err,
				sizeof err)) {
		log_error(MOD, "cannot start fetching: %s", err);
		return -1;
	}
	log_plan(k);
	load_cache(k);
	/* What the first fetch asks for: the rotation's parts; with content,
	 * what its playlists add is asked for from the next. */
	want_parts(k);
	k->content = kiosk_content_create(o, k->slides, k->nslides,
					  k->log_tz);
	/* Without a cache the first frame waits for the first fetch, which
	 * starts at once, and the fonts' thread draws it as soon as its
	 * data comes, while the display opens.  With one, the fetch starts
	 * after the first frame (fetch_if_due()). */
	if (!k->from_cache)
		first_fetch(k);
	start_warm(k);
	if (open_display(k))
		return -1;
	/* Only now: a stop asked for while the display opens ends the
	 * kiosk at once, as a start that hangs (an X server that never
	 * answers) must be.  From here it stops cleanly, the wait for the
	 * first fetch on the fonts' thread cut short. */
	set_signals(k);
	display_size(k->disp, &w, &h);
	kiosk_warm_size(k->warm, w, h);
	display_prepare(k->disp);
	if (kiosk_ops_create(&o->ops, &o->fetch, o->cache_dir, k->disp,
			     &k->ops, err, sizeof err)) {
		log_error(MOD, "cannot start the uploads: %s", err);
		return -1;
	}
	prepare_frame(k);
	warm_ms = kiosk_warm_finish(k->warm, &k->warm_frame);
	k->warm = NULL;
	if (warm_ms >= 0 && k->warm_frame)
		log_debug(MOD, "fonts made ready and the first slide drawn at "
			  "%dx%d in %.0f ms, while the display opened",
			  cairo_image_surface_get_width(k->warm_frame),
			  cairo_image_surface_get_height(k->warm_frame),
			  warm_ms - k->warm_waited);
	else if (warm_ms >= 0)
		log_debug(MOD, "fonts made ready in %.0f ms, while the "
			  "display opened%s", warm_ms - k->warm_waited,
			  k->from_cache || k->nslides <= 0 ? ""
			  : k->warm_fetched ? "; the first slide was not drawn"
			  : "; the first fetch gave nothing to draw");
	if (warm_ms >= 0 && !k->from_cache && k->nslides > 0)
		log_debug(MOD, "the fonts' thread waited %.0f ms for the "
			  "first fetch%s", k->warm_waited,
			  k->warm_cut ? ", until a stop was asked for" : "");
	keep_size(k, w, h);
	fetch_schedule_init(&k->sched,
			    kiosk_clock_fetch_period(&k->clock,
						     o->fetch_seconds),
			    o->retry_max, k->mono);
	notify_watchdog_init(&k->watchdog);
	k->status = 0;
	return 0;
}

static void kiosk_finish(struct kiosk *k)
{
	bool failed = k->warm != NULL;	/* the start did not get to its end */

	/* Before the data it draws from goes; a failed start does not wait
	 * for the first fetch any longer. */
	atomic_store(&k->warm_abandoned, true);
	kiosk_warm_finish(k->warm, NULL);
	if (failed && k->warm_cut)
		log_debug(MOD, "the start failed: the fonts' thread stopped "
			  "waiting for the first fetch after %.0f ms",
			  k->warm_waited);
	cairo_surface_destroy(k->warm_frame);
	g_free(k->warm_ticker);
	kiosk_ops_destroy(k->ops, k->wall, kiosk_mono_now());
	kiosk_content_destroy(k->content);
	fetch_worker_destroy(k->worker);
	display_close(k->disp);
	cairo_surface_destroy(k->cur);
	cairo_surface_destroy(k->prev);
	cairo_surface_destroy(k->mix);
	free(k->fade_r);
	free(k->fade_from);
	kiosk_spans_free(&k->fade_px);
	fetch_bundle_finish(&k->data);
	fetch_bundle_finish(&k->next);
	render_image_forget();
	render_set_ticker(NULL);
	render_i18n_finish();
	if (k->log_tz)
		g_time_zone_unref(k->log_tz);
	/* Last: a stop asked for while the threads above are joined is
	 * seen by kiosk_run(), not taken by the default action. */
	if (k->signals_set) {
		sigaction(SIGINT, &k->old_int, NULL);
		sigaction(SIGTERM, &k->old_term, NULL);
	}
}

int kiosk_run(const struct kiosk_options *o)
{
	struct kiosk k;
	int status;

	if (kiosk_start(&k, o))
		goto out;

	while (!k.quit) {
		clock_tick(&k);
		fetch_if_due(&k);
		pick_slide(&k);
		kiosk_ops_showing(k.ops, k.seq, showing_name(&k), k.wall,
				  k.mono);
		render_frame(&k);
		present(&k);
		handle_events(&k);
		notify_watchdog_tick(&k.watchdog, k.mono);
	}
	if (k.status != KIOSK_RESTART) {
		notify_stopping("stopped after %ld frames", k.presented);
		log_info(MOD, "stopped after %ld frames", k.presented);
	}

out:
	kiosk_finish(&k);
	status = k.status;
	/* A stop outranks starting again for a lost screen: one that came
	 * with the loss, or while the kiosk wound down, before
	 * kiosk_finish() gave the signals their old handlers. */
	if (status == KIOSK_RESTART && stop_signal) {
		notify_stopping("stopped after %ld frames", k.presented);
		log_info(MOD, "%s: stopping, not starting again",
			 strsignal(stop_signal));
		status = 0;
	}
	return status;
}
