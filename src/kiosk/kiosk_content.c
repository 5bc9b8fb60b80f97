/*
 * kiosk_content.c - polls the display's content and turns the layers of
 * kiosk_playlist.h into the slide on screen.
 */
#include "kiosk/kiosk_content.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "fetch/fetch_content.h"
#include "kiosk/kiosk_playlist.h"
#include "kiosk_build_time.h"	/* generated: AKARI_BUILD_TIME */

#define MOD "kiosk"

struct kiosk_content {
	const struct kiosk_options *opt;
	enum render_slide rotation[RENDER_SLIDE_COUNT];
	int nrotation;
	GTimeZone *local;	/* borrowed */
	GTimeZone *tz;		/* the group's, owned; NULL: local */
	char tz_name[65];

	struct fetch_content *poller;
	unsigned long gen;
	json_t *doc;		/* the content in force; NULL: none */
	char last_playing[65];	/* from the cache, for an untrusted clock */
	char saved_playing[65];	/* what the poller was told */
	struct fetch_content_status st;	/* the poller's, latest */
	bool down, cache_failing;
	int trust;		/* -1 unknown, 0 not trusted, 1 trusted */

	/* What is on screen. */
	struct kiosk_playlist_cursor cur;
	int64_t emergency_id;	/* on screen; 0: none */
	long seq;
	double start, end;	/* monotonic, of the slide on screen */
	bool begun;
	bool notice;
	struct render_alert alert;
	char message[2048];
	enum render_slide slide;
	/* The params of the playlist item on screen, owned: the content
	 * they came from may be replaced while the slide shows. */
	char *param[4];		/* message, image, qr_url, caption */
};

static const char *const param_names[] = {"message", "image", "qr_url",
					  "caption"};

static GTimeZone *zone(struct kiosk_content *kc)
{
	const char *name = json_string_value(json_object_get(kc->doc, "tz"));

	if (!name) {
		if (kc->tz)
			g_time_zone_unref(kc->tz);
		kc->tz = NULL;
		kc->tz_name[0] = '\0';
		return kc->local;
	}
	if (strcmp(name, kc->tz_name)) {
		if (kc->tz)
			g_time_zone_unref(kc->tz);
		kc->tz = core_tz_new(name);
		g_strlcpy(kc->tz_name, name, sizeof kc->tz_name);
		if (!kc->tz)
			log_warn(MOD, "content: unknown zone %s; schedules "
				 "are read in the box's zone", name);
	}
	return kc->tz ? kc->tz : kc->local;
}

struct kiosk_content *kiosk_content_create(const struct kiosk_options *o,
					   const enum render_slide *slides,
					   int n, GTimeZone *local)
{
	struct fetch_content_config cfg = {
		.server = o->fetch.server,
		.display_id = o->fetch.display_id,
		.cache_dir = o->cache_dir,
		.retry_max = o->retry_max,
		.connect_ms = o->fetch.connect_ms,
		.total_ms = o->fetch.total_ms,
		/* Until kiosk_content_release(), as the slide data's
		 * first fetch waits (kiosk.c). */
		.held = true,
	};
	struct kiosk_content *kc;
	char err[512];
	int rc;

	if (!o->fetch.display_id)
		return NULL;
	kc = g_new0(struct kiosk_content, 1);
	kc->opt = o;
	kc->local = local;
	kc->trust = -1;
	kc->nrotation = n;
	memcpy(kc->rotation, slides, sizeof *slides * (size_t)n);
	kiosk_playlist_cursor_init(&kc->cur);
	kc->seq = -1;

	if (o->cache_dir) {
		rc = fetch_content_cache_load(o->cache_dir, &kc->doc,
					      kc->last_playing,
					      sizeof kc->last_playing, err,
					      sizeof err);
		if (rc == FETCH_OK)
			log_info(MOD, "content cache: %zu playlists, last "
				 "played %s; played until the server answers",
				 json_object_size(json_object_get(kc->doc,
								  "playlists")),
				 kc->last_playing[0] ? kc->last_playing
						     : "the default");
		else if (rc != FETCH_NO_CACHE)
			log_warn(MOD, "ignoring the content cache: %s", err);
	}
	g_strlcpy(kc->saved_playing, kc->last_playing,
		  sizeof kc->saved_playing);

	if (fetch_content_create(&cfg, &kc->poller, err, sizeof err)) {
		log_error(MOD, "cannot poll the content: %s; playing the "
			  "fixed rotation", err);
		return kc;
	}
	/* The first save keeps what the cache says was played: a clock
	 * not trusted after this restart, or the next, still needs it. */
	if (kc->last_playing[0])
		fetch_content_playing(kc->poller, kc->last_playing);
	log_info(MOD, "content: polling every %g s as display %s",
		 FETCH_CONTENT_EVERY, o->fetch.display_id);
	return kc;
}

void kiosk_content_release(struct kiosk_content *kc)
{
	if (kc)
		fetch_content_release(kc->poller);
}

void kiosk_content_destroy(struct kiosk_content *kc)
{
	if (!kc)
		return;
	fetch_content_destroy(kc->poller);
	json_decref(kc->doc);
	for (size_t i = 0; i < G_N_ELEMENTS(kc->param); i++)
		g_free(kc->param[i]);
	if (kc->tz)
		g_time_zone_unref(kc->tz);
	g_free(kc);
}

/* Takes new content and logs how the poller fares. */
static void take(struct kiosk_content *kc)
{
	struct fetch_content_status st;
	json_t *doc = NULL;

	if (!kc->poller)
		return;
	if (fetch_content_take(kc->poller, &kc->gen, &doc, &st)) {
		json_decref(kc->doc);
		kc->doc = doc;
		log_info(MOD, "content: %zu playlists, %zu schedules%s",
			 json_object_size(json_object_get(doc, "playlists")),
			 json_array_size(json_object_get(doc, "schedules")),
			 json_is_object(json_object_get(doc, "emergency"))
			     ? ", an emergency message" : "");
	}
	if (st.polls == 0)
		return;
	if (st.rc && !kc->down)
		log_warn(MOD, "cannot fetch the content: %s; playing the "
			 "last known content, retrying with backoff", st.err);
	else if (!st.rc && kc->down)
		log_info(MOD, "content: the server answers again");
	kc->down = st.rc != FETCH_OK;
	if (st.cache_rc && !kc->cache_failing)
		log_warn(MOD, "cannot save the content cache: %s",
			 st.cache_err);
	kc->cache_failing = st.cache_rc != FETCH_OK;
	kc->st = st;
}

/* Whether the real clock can be believed: after this build, and near
 * the server's.  A replay's clock is chosen, so always. */
static bool trusted(struct kiosk_content *kc, double wall)
{
	const struct fetch_content_status *st = &kc->st;
	char why[160] = "";
	char now[40];
	bool ok;

	if (kc->opt->replay)
		return true;
	if (wall < (double)AKARI_BUILD_TIME)
		snprintf(why, sizeof why, "is before this kiosk was built");
	else if (st->have_offset && llabs(st->clock_offset) >
					   KIOSK_CLOCK_SKEW_MAX)
		snprintf(why, sizeof why, "is %lld s %s the server's Date",
			 llabs(st->clock_offset),
			 st->clock_offset > 0 ? "behind" : "ahead of");
	ok = why[0] == '\0';
	if (kc->trust != (int)ok) {
		core_time_format((int64_t)wall, kc->local, now, sizeof now);
		if (!ok)
			log_warn(MOD, "clock not trusted: it reads %s, which "
				 "%s; schedules are not read, the last known "
				 "playlist (%s) plays until the clock is "
				 "right", now, why,
				 kc->last_playing[0] ? kc->last_playing
						     : "the default");
		else if (kc->trust == 0)
			log_info(MOD, "clock trusted again (%s): schedules "
				 "apply", now);
		kc->trust = ok;
	}
	return ok;
}

/* Keeps the string params of item it (see render_params), and forgets
 * those of the item before. */
static void item_params(struct kiosk_content *kc, json_t *it)
{
	json_t *params = json_object_get(it, "params");
	char why[256];

	for (size_t i = 0; i < G_N_ELEMENTS(kc->param); i++) {
		const char *v = json_string_value(
		    json_object_get(params, param_names[i]));

		g_free(kc->param[i]);
		kc->param[i] = v && v[0] ? g_strdup(v) : NULL;
	}
	if (kc->param[0] &&
	    render_markup_check(kc->param[0], why, sizeof why))
		log_warn(MOD, "playlist %s: the message's markup is not "
			 "valid (%s): it is shown as plain text",
			 kc->cur.playlist, why);
}

/* The item's slide, skipping names this kiosk does not know. */
static bool item_slide(json_t *items, struct kiosk_content *kc,
		       enum render_slide *slide, double *secs)
{
	long n = (long)json_array_size(items);

	for (long tries = 0; tries < n; tries++) {
		json_t *it = json_array_get(items, (size_t)kc->cur.index);
		const char *name = json_string_value(json_object_get(it,
								     "slide"));

		if (name && !render_slide_parse(name, slide)) {
			*secs = json_number_value(json_object_get(it,
								  "seconds"));
			item_params(kc, it);
			return true;
		}
		log_debug(MOD, "playlist %s: no slide %s here; skipped",
			  kc->cur.playlist, name ? name : "?");
		kc->cur.index = (kc->cur.index + 1) % n;
	}
	return false;
}

static void log_change(struct kiosk_content *kc,
		       const struct kiosk_playlist_pick *p, int prev_layer)
{
	if (p->layer == KIOSK_LAYER_EMERGENCY)
		log_info(MOD, "showing the emergency message (log %lld): %s",
			 (long long)p->emergency_id, p->message);
	else if (p->layer == KIOSK_LAYER_DATA)
		log_info(MOD, "%sshowing the saving request: %s %.1f over "
			 "%.1f", prev_layer == KIOSK_LAYER_EMERGENCY
				     ? "emergency message cleared: " : "",
			 p->saving == KIOSK_SAVING_GRID
				     ? "grid usage %" : "home demand kW",
			 p->saving_value, p->saving_limit);
	else
		log_info(MOD, "%splaying %s (%s layer%s)",
			 prev_layer == KIOSK_LAYER_EMERGENCY
			     ? "emergency message cleared: " : "",
			 p->playlist ? p->playlist : "the fixed rotation",
			 kiosk_layer_name(p->layer),
			 p->schedule_id ? ", a schedule" : "");
}

/* Starts the next slide of what p picked. */
static void next_slide(struct kiosk_content *kc,
		       const struct kiosk_playlist_pick *p, double mono)
{
	int prev_layer = kc->cur.index >= 0 ? (int)kc->cur.layer : -1;
	long n = p->items ? (long)json_array_size(p->items) : kc->nrotation;
	double secs = kc->opt->slide_seconds;

	/* One message in place of another is a change too, though the
	 * layer and the playlist under it stay. */
	if (kiosk_playlist_advance(&kc->cur, p, n) ||
	    (p->layer == KIOSK_LAYER_EMERGENCY &&
	     p->emergency_id != kc->emergency_id))
		log_change(kc, p, prev_layer);
	kc->emergency_id = p->emergency_id;
	kc->notice = p->layer == KIOSK_LAYER_EMERGENCY ||
		     p->layer == KIOSK_LAYER_DATA;
	if (p->layer == KIOSK_LAYER_EMERGENCY) {
		const char *cut;

		/* A text too long for the buffer ends at its last whole
		 * character, not inside one. */
		g_strlcpy(kc->message, p->message, sizeof kc->message);
		g_utf8_validate(kc->message, -1, &cut);
		kc->message[cut - kc->message] = '\0';
		kc->alert = (struct render_alert){
			.kind = RENDER_ALERT_EMERGENCY, .message = kc->message};
	} else if (p->layer == KIOSK_LAYER_DATA) {
		kc->alert = (struct render_alert){
			.kind = p->saving == KIOSK_SAVING_GRID
					? RENDER_ALERT_SAVE_GRID
					: RENDER_ALERT_SAVE_HOME,
			.value = p->saving_value, .limit = p->saving_limit};
	} else if (!p->items || !item_slide(p->items, kc, &kc->slide,
					    &secs)) {
		kc->slide = kc->rotation[kc->cur.index % kc->nrotation];
		secs = kc->opt->slide_seconds;
		item_params(kc, NULL);
	}
	kc->start = mono;
	kc->end = mono + (secs > 0 ? secs : kc->opt->slide_seconds);
	kc->seq++;
	log_debug(MOD, "slide %ld: %s", kc->seq,
		  kc->notice ? "notice" : render_slide_name(kc->slide));
}

double kiosk_content_end(const struct kiosk_content *kc)
{
	return kc->begun ? kc->end : HUGE_VAL;
}

long kiosk_content_tick(struct kiosk_content *kc, double mono, double wall,
			double at, const struct fetch_bundle *data,
			double *since)
{
	struct kiosk_playlist_input in = {
		.grid = data->site[FETCH_GRID],
		.home = data->site[FETCH_HOME],
	};
	struct kiosk_playlist_pick p;
	const char *saved;
	bool urgent;

	take(kc);
	in.clock_trusted = trusted(kc, wall);
	in.last_playlist = kc->last_playing[0] ? kc->last_playing : NULL;
	kiosk_playlist_pick(kc->doc, (int64_t)floor(at), zone(kc), &in, &p);

	/* An emergency message comes and goes at once, not at the end of
	 * the slide on screen. */
	urgent = p.emergency_id != kc->emergency_id;
	if (!kc->begun || urgent || mono >= kc->end) {
		next_slide(kc, &p, mono);
		kc->begun = true;
	}

	/* What plays under a trusted clock is what an untrusted one will
	 * fall back to, after a restart too. */
	saved = kc->saved_playing[0] ? kc->saved_playing : NULL;
	if (in.clock_trusted && kc->poller && g_strcmp0(p.playlist, saved)) {
		g_strlcpy(kc->saved_playing, p.playlist ? p.playlist : "",
			  sizeof kc->saved_playing);
		g_strlcpy(kc->last_playing, kc->saved_playing,
			  sizeof kc->last_playing);
		fetch_content_playing(kc->poller, p.playlist);
	}
	*since = mono - kc->start;
	return kc->seq;
}

void kiosk_content_params(const struct kiosk_content *kc,
			  const struct render_params *base,
			  struct render_params *out)
{
	*out = *base;
	if (kc->param[0])
		out->message = kc->param[0];
	if (kc->param[1])
		out->image = kc->param[1];
	if (kc->param[2])
		out->qr_url = kc->param[2];
	if (kc->param[3])
		out->caption = kc->param[3];
}

const char *kiosk_content_name(const struct kiosk_content *kc)
{
	if (!kc->notice)
		return render_slide_name(kc->slide);
	return kc->alert.kind == RENDER_ALERT_EMERGENCY ? "emergency"
							: "saving";
}

bool kiosk_content_showing(const struct kiosk_content *kc,
			   enum render_slide *slide,
			   struct render_alert *alert)
{
	if (kc->notice) {
		*alert = kc->alert;
		return true;
	}
	*slide = kc->slide;
	return false;
}

unsigned kiosk_slide_wants(enum render_slide slide)
{
	switch (slide) {
	case RENDER_GRID:
	case RENDER_SOLAR:
		return FETCH_WANT(FETCH_GRID);
	case RENDER_HOUSEHOLD:
		return FETCH_WANT(FETCH_HOME);
	case RENDER_AIR:
		return FETCH_WANT(FETCH_AIR);
	case RENDER_CO2:
	case RENDER_RANKING:
	case RENDER_EV:
	case RENDER_WEATHER:
		return FETCH_WANT_SIGNAGE;
	default:
		return 0;
	}
}

unsigned kiosk_content_wants(const struct kiosk_content *kc)
{
	json_t *lists, *list, *it;
	unsigned want;
	const char *name;
	size_t i;

	if (!kc)
		return 0;
	want = FETCH_WANT(FETCH_GRID) | FETCH_WANT(FETCH_HOME);
	lists = json_object_get(kc->doc, "playlists");
	json_object_foreach(lists, name, list) {
		json_array_foreach(json_object_get(list, "items"), i, it) {
			enum render_slide slide;
			const char *s = json_string_value(
			    json_object_get(it, "slide"));

			if (s && !render_slide_parse(s, &slide))
				want |= kiosk_slide_wants(slide);
		}
	}
	return want;
}

const char *kiosk_content_zone(const struct kiosk_content *kc)
{
	return kc && kc->tz ? kc->tz_name : NULL;
}
