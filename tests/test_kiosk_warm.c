/*
 * test_kiosk_warm.c - the fonts' thread and the first slide it draws.
 *
 * The picture the thread hands back is checked against the same slide
 * drawn afterwards on this thread with the font map the thread made
 * ready: pixel for pixel, as the kiosk's first frame relies on.  The
 * sizes come from the job or from kiosk_warm_size(), and a thread left
 * without a size ends without a picture instead of waiting for one.
 * A job may await its data on the thread (the first fetch's).
 */
#include <cairo.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kiosk/kiosk_warm.h"
#include "themes/theme.h"

/* 2022-06-27 14:00 JST, a replayed clock; no site data: the slides
 * draw their no-data panels and header. */
#define AT 1656306000

static struct kiosk_warm_job job_of(int w, int h)
{
	struct kiosk_warm_job job;

	memset(&job, 0, sizeof job);
	job.slide = (enum render_slide)0;
	job.data.now = AT;
	job.data.replay = true;
	job.w = w;
	job.h = h;
	return job;
}

/* Whether f holds what render_slide() draws now for job at f's size. */
static bool same_as_drawn_here(cairo_surface_t *f,
			       const struct kiosk_warm_job *job)
{
	int w = cairo_image_surface_get_width(f);
	int h = cairo_image_surface_get_height(f);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_t *cr = cairo_create(s);
	bool same;

	CHECK_INT(render_slide(cr, w, h, job->slide, &job->data), 0);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	cairo_surface_flush(f);
	same = cairo_image_surface_get_stride(s) ==
		       cairo_image_surface_get_stride(f) &&
	       memcmp(cairo_image_surface_get_data(s),
		      cairo_image_surface_get_data(f),
		      (size_t)cairo_image_surface_get_stride(s) * (size_t)h) ==
		       0;
	cairo_surface_destroy(s);
	return same;
}

static void test_no_job(void)
{
	cairo_surface_t *f = (cairo_surface_t *)1;
	struct kiosk_warm *kw = kiosk_warm_start(NULL);

	CHECK(kw != NULL);
	kiosk_warm_size(kw, 320, 180);	/* nothing to draw: ignored */
	CHECK(kiosk_warm_finish(kw, &f) >= 0);
	CHECK(f == NULL);
	/* The thread's font map is this thread's default now. */
	CHECK(pango_cairo_font_map_get_default() != NULL);
	CHECK(kiosk_warm_finish(NULL, &f) < 0);
	CHECK(f == NULL);
}

static void test_job_with_size(void)
{
	struct kiosk_warm_job job = job_of(320, 180);
	cairo_surface_t *f = NULL;
	struct kiosk_warm *kw = kiosk_warm_start(&job);

	CHECK(kw != NULL);
	kiosk_warm_finish(kw, &f);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(cairo_image_surface_get_width(f), 320);
	CHECK_INT(cairo_image_surface_get_height(f), 180);
	CHECK(same_as_drawn_here(f, &job));
	cairo_surface_destroy(f);
}

static void test_job_frame_given(void)
{
	struct kiosk_warm_job job = job_of(200, 120);
	cairo_surface_t *mine, *f = NULL;
	struct kiosk_warm *kw;

	mine = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 200, 120);
	job.frame = cairo_surface_reference(mine);
	kw = kiosk_warm_start(&job);
	CHECK(kw != NULL);
	kiosk_warm_finish(kw, &f);
	CHECK(f == mine);	/* drawn on, and handed back */
	if (f)
		CHECK(same_as_drawn_here(f, &job));
	cairo_surface_destroy(f);
	/* One reference left, ours. */
	CHECK_INT(cairo_surface_get_reference_count(mine), 1);
	cairo_surface_destroy(mine);
}

static void test_size_given_later(void)
{
	struct kiosk_warm_job job = job_of(0, 0);
	cairo_surface_t *f = NULL;
	struct kiosk_warm *kw = kiosk_warm_start(&job);

	kiosk_warm_size(kw, 240, 136);
	kiosk_warm_size(kw, 999, 999);	/* only the first call counts */
	kiosk_warm_finish(kw, &f);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(cairo_image_surface_get_width(f), 240);
	CHECK_INT(cairo_image_surface_get_height(f), 136);
	cairo_surface_destroy(f);
}

static void test_no_size(void)
{
	struct kiosk_warm_job job = job_of(0, 0);
	cairo_surface_t *f = (cairo_surface_t *)1;
	struct kiosk_warm *kw;

	/* Never told: finish does not wait for ever. */
	kw = kiosk_warm_start(&job);
	CHECK(kiosk_warm_finish(kw, &f) >= 0);
	CHECK(f == NULL);

	/* Told there is nothing to draw at. */
	f = (cairo_surface_t *)1;
	kw = kiosk_warm_start(&job);
	kiosk_warm_size(kw, 0, 0);
	CHECK(kiosk_warm_finish(kw, &f) >= 0);
	CHECK(f == NULL);
}

/* The data a job awaits: the clock three hours and seven minutes on,
 * for a header that differs from the job's own. */
static pthread_t waiter;
static int awaited;

static bool await_later_clock(void *arg, struct render_data *data)
{
	waiter = pthread_self();
	awaited++;
	data->now = *(const int64_t *)arg;
	return true;
}

static bool await_nothing(void *arg, struct render_data *data)
{
	(void)arg;
	(void)data;
	awaited++;
	return false;
}

static void test_job_awaits_data(void)
{
	struct kiosk_warm_job job = job_of(320, 180), mine;
	int64_t later = AT + 3 * 3600 + 7 * 60;
	cairo_surface_t *f = NULL;
	struct kiosk_warm *kw;

	job.await = await_later_clock;
	job.arg = &later;
	awaited = 0;
	kw = kiosk_warm_start(&job);
	CHECK(kw != NULL);
	kiosk_warm_finish(kw, &f);
	CHECK_INT(awaited, 1);
	CHECK(!pthread_equal(waiter, pthread_self()));
	CHECK(f != NULL);
	if (!f)
		return;
	/* Drawn from what came, not from what the job started with. */
	mine = job;
	mine.data.now = later;
	CHECK(same_as_drawn_here(f, &mine));
	CHECK(!same_as_drawn_here(f, &job));
	cairo_surface_destroy(f);

	/* Nothing came: nothing drawn, and no size waited for. */
	job = job_of(0, 0);
	job.await = await_nothing;
	awaited = 0;
	f = (cairo_surface_t *)1;
	kw = kiosk_warm_start(&job);
	CHECK(kiosk_warm_finish(kw, &f) >= 0);
	CHECK_INT(awaited, 1);
	CHECK(f == NULL);
}

int main(void)
{
	theme_use_fonts_config();
	test_no_job();
	test_job_with_size();
	test_job_frame_given();
	test_size_given_later();
	test_no_size();
	test_job_awaits_data();
	return check_finish();
}
