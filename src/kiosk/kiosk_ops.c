/*
 * kiosk_ops.c - screen hours and care, screenshots and proof of play.
 *
 * A play is a slide period as the viewer saw it: from the wall time it
 * came on, for the real seconds it stayed.  Periods while the screen is
 * off are not plays.
 */
#include "kiosk/kiosk_ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "fetch/fetch_upload.h"

#define MOD "kiosk"
#define SHIFT_STEP 600.0	/* seconds per pixel of shift */
#define SHIFT_BOX 4
/* How often the uploader's state is looked at, for the log. */
#define STATUS_EVERY 5.0

struct kiosk_ops {
	struct kiosk_ops_config cfg;
	struct display *disp;
	struct fetch_upload *up;
	GTimeZone *tz;

	/* The play on screen. */
	bool playing;
	long seq;
	const char *slide;
	double start_wall, start_mono;

	/* Screen hours. */
	bool off;		/* outside its hours */
	bool dpms;		/* the display itself is powered down */
	bool black_shown;

	cairo_surface_t *out;	/* the frame kiosk_ops_frame() made */

	double shot_at;		/* mono of the last screenshot, or < 0 */
	double status_at;
	bool failing;
};

int kiosk_ops_create(const struct kiosk_ops_config *cfg,
		     const struct fetch_config *f, const char *queue_dir,
		     struct display *disp, struct kiosk_ops **out, char *err,
		     size_t errlen)
{
	struct kiosk_ops *ops = calloc(1, sizeof *ops);

	*out = NULL;
	if (!ops) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ops->cfg = *cfg;
	ops->disp = disp;
	ops->shot_at = -1;
	ops->tz = g_time_zone_new_local();
	if (f->display_id) {
		struct fetch_upload_config uc = {
			.server = f->server,
			.id = f->display_id,
			.token = f->display_token,
			.queue_dir = queue_dir,
		};

		if (fetch_upload_create(&uc, &ops->up, err, errlen)) {
			kiosk_ops_destroy(ops, 0, 0);
			return -1;
		}
	}
	*out = ops;
	return 0;
}

static void end_play(struct kiosk_ops *ops, double mono)
{
	if (ops->playing && ops->up)
		fetch_upload_play(ops->up, ops->slide,
				  (int64_t)floor(ops->start_wall),
				  mono - ops->start_mono);
	ops->playing = false;
}

void kiosk_ops_destroy(struct kiosk_ops *ops, double wall, double mono)
{
	if (!ops)
		return;
	if (ops->playing && wall > 0)
		end_play(ops, mono);
	/* A screen powered down must not stay dark after the player. */
	if (ops->dpms) {
		char err[256];

		display_set_power(ops->disp, true, err, sizeof err);
	}
	fetch_upload_destroy(ops->up);
	cairo_surface_destroy(ops->out);
	g_time_zone_unref(ops->tz);
	free(ops);
}

static void log_uploads(struct kiosk_ops *ops, double mono)
{
	struct fetch_upload_status st;

	if (!ops->up || mono - ops->status_at < STATUS_EVERY)
		return;
	ops->status_at = mono;
	fetch_upload_status(ops->up, &st);
	if (st.shots_sent)
		log_info(MOD, "screenshot sent to the server");
	if (st.failing && !ops->failing)
		log_warn(MOD, "cannot upload to the server: %s; %zu plays "
			 "kept until it answers", st.err, st.plays_queued);
	else if (!st.failing && ops->failing)
		log_info(MOD, "uploads go through again");
	ops->failing = st.failing;
}

/* Turns the screen off outside its hours, and on again within them or
 * while an emergency message is on. */
static void follow_hours(struct kiosk_ops *ops, const char *slide,
			 double wall)
{
	char err[256];
	bool off, in_hours;

	if (!ops->cfg.hours_set)
		return;
	in_hours = kiosk_power_in_span(
	    &ops->cfg.hours,
	    kiosk_power_local_minute((int64_t)floor(wall), ops->tz));
	off = !in_hours && g_strcmp0(slide, "emergency") != 0;
	if (off == ops->off)
		return;
	ops->off = off;
	ops->black_shown = false;
	if (off) {
		ops->dpms = !display_set_power(ops->disp, false, err,
					       sizeof err);
		if (ops->dpms)
			log_info(MOD, "outside the screen hours: screen off "
				 "(DPMS)");
		else
			log_info(MOD, "outside the screen hours: showing "
				 "black (%s)", err);
	} else {
		if (ops->dpms &&
		    display_set_power(ops->disp, true, err, sizeof err))
			log_warn(MOD, "cannot turn the screen back on: %s",
				 err);
		ops->dpms = false;
		log_info(MOD, "%s: screen on", in_hours
			 ? "screen hours begin"
			 : "an emergency message outside the screen hours");
	}
}

void kiosk_ops_showing(struct kiosk_ops *ops, long seq, const char *slide,
		       double wall, double mono)
{
	follow_hours(ops, slide, wall);
	log_uploads(ops, mono);
	if (ops->off) {
		end_play(ops, mono);
		return;
	}
	if (ops->playing && seq == ops->seq)
		return;
	end_play(ops, mono);
	ops->playing = true;
	ops->seq = seq;
	ops->slide = slide;
	ops->start_wall = wall;
	ops->start_mono = mono;
}

bool kiosk_ops_screen_off(const struct kiosk_ops *ops)
{
	return ops->off;
}

cairo_surface_t *kiosk_ops_frame(struct kiosk_ops *ops,
				 cairo_surface_t *frame, double wall,
				 double mono)
{
	int w = cairo_image_surface_get_width(frame);
	int h = cairo_image_surface_get_height(frame);
	double level = 1;
	int dx = 0, dy = 0;

	if (ops->cfg.dim_set &&
	    kiosk_power_in_span(&ops->cfg.dim_span,
				kiosk_power_local_minute((int64_t)floor(wall),
							 ops->tz)))
		level = ops->cfg.dim_level;
	if (ops->off)
		level = 0;
	if (ops->cfg.pixel_shift)
		kiosk_power_shift(mono, SHIFT_STEP, SHIFT_BOX, &dx, &dy);
	if (level >= 1 && !dx && !dy)
		return frame;

	if (!ops->out || cairo_image_surface_get_width(ops->out) != w ||
	    cairo_image_surface_get_height(ops->out) != h) {
		cairo_surface_destroy(ops->out);
		ops->out = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w,
						      h);
		if (cairo_surface_status(ops->out) != CAIRO_STATUS_SUCCESS) {
			cairo_surface_destroy(ops->out);
			ops->out = NULL;
			return NULL;
		}
	}
	kiosk_power_paint(ops->out, frame, level, dx, dy);
	return ops->out;
}

struct png_buf {
	unsigned char *data;
	size_t len, cap;
};

static cairo_status_t png_write(void *ctx, const unsigned char *data,
				unsigned int len)
{
	struct png_buf *b = ctx;

	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		unsigned char *grown;

		while (cap < b->len + len)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

void kiosk_ops_presented(struct kiosk_ops *ops, cairo_surface_t *shown,
			 double mono, bool asked)
{
	struct png_buf b = {0};
	bool due = ops->cfg.screenshot_every > 0 &&
		   (ops->shot_at < 0 ||
		    mono - ops->shot_at >= ops->cfg.screenshot_every);

	if (!ops->up || (!due && !asked))
		return;
	ops->shot_at = mono;
	/* The same encoder as the PNG display's, so a screenshot is the
	 * file that display would have written. */
	if (cairo_surface_write_to_png_stream(shown, png_write, &b) !=
	    CAIRO_STATUS_SUCCESS) {
		log_warn(MOD, "cannot encode a screenshot; trying again at "
			 "the next one");
		free(b.data);
		return;
	}
	log_debug(MOD, "screenshot of %zu bytes%s", b.len,
		  asked ? ", asked for by the server" : "");
	fetch_upload_screenshot(ops->up, b.data, b.len);
}
