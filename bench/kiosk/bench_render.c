/*
 * bench_render.c - how long akari's renderer takes for one frame of each
 * slide, and how many cross-fade frames a second it can make, measured
 * in-process so that no process start or display upload is counted.
 *
 *   akari_bench_render --data DIR --at UNIX [--size WxH]... [--frames N]
 *                      [--ticker TEXT]
 *
 * DIR holds grid.json, home.json and air.json, the answers of
 * GET /api/v1/sites/{name}/summary?at=UNIX (bench/kiosk/bench.py fetches
 * them from a real server).  One tab-separated line per slide and size
 * goes to stdout, under a header line; times are milliseconds.  The
 * frames are drawn one after the other on one surface, as the kiosk
 * draws a slide again; the first of them is drawn whole and the next
 * ones from the slide's static layer (render_layer_forget()).  Besides
 * their clock times (min, median, mean, p95, max) come the process CPU
 * times of the same frames (cpu_min, cpu_median), and those of frames
 * drawn whole, each with the layer freed first (whole_cpu_min,
 * whole_cpu_median): the first frame of a slide come on screen.  With
 * --ticker every slide has that ticker line, and the CPU time of the
 * ticker's own frames (render_ticker()) goes to stderr.
 *
 * A frame is drawn as the kiosk draws it: a cairo_t on a 32-bit ARGB
 * image surface of the full size, render_slide(), cairo_destroy().  A
 * fade frame is the kiosk's blend: the old picture painted, the new one
 * over it with an alpha.  During a fade the kiosk draws the new slide
 * once and then only blends, so the fade rate counts one render and
 * FADE_FRAMES blends.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/render.h"
#include "render/render_look.h"
#include "themes/theme.h"

#define SIZES_MAX 8
#define FADE_FRAMES 24	/* the kiosk's 0.8 s fade at 30 frames a second */

struct bench {
	struct render_data data;
	int w[SIZES_MAX], h[SIZES_MAX];
	int nsizes;
	int frames;		/* timed frames per slide and size */
	const char *ticker;	/* a ticker line's text, or NULL */
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the process: on a machine shared with other work it
 * varies far less from frame to frame than the clock does. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of n sorted values, by the nearest rank. */
static double quantile(const double *v, int n, double q)
{
	int i = (int)ceil(q * n) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static int draw(cairo_surface_t *s, int w, int h, enum render_slide slide,
		const struct render_data *d, double *ms, double *cpu)
{
	double c0 = cpu_ms(), t0 = mono_ms();
	cairo_t *cr = cairo_create(s);
	int rc;

	rc = render_slide(cr, w, h, slide, d);
	if (!rc && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = -1;
	cairo_destroy(cr);
	/* Cairo may batch drawing: the frame is done once it is flushed. */
	cairo_surface_flush(s);
	*ms = mono_ms() - t0;
	if (cpu)
		*cpu = cpu_ms() - c0;
	return rc;
}

static void blend(cairo_surface_t *mix, cairo_surface_t *prev,
		  cairo_surface_t *cur, double f)
{
	cairo_t *cr = cairo_create(mix);

	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_set_source_surface(cr, prev, 0, 0);
	cairo_paint(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	cairo_set_source_surface(cr, cur, 0, 0);
	cairo_paint_with_alpha(cr, f * f * (3 - 2 * f));
	cairo_destroy(cr);
	cairo_surface_flush(mix);
}

/* Frames of one slide at one size, then a fade into it from the slide
 * before it in the rotation.  Prints one line. */
static int bench_one(const struct bench *b, int w, int h,
		     enum render_slide slide, double first_ms)
{
	enum render_slide from = (enum render_slide)
	    ((slide + RENDER_SLIDE_COUNT - 1) % RENDER_SLIDE_COUNT);
	cairo_surface_t *cur, *prev, *mix;
	double *ms = calloc((size_t)b->frames, sizeof *ms);
	double *cpu = calloc((size_t)b->frames, sizeof *cpu);
	double *whole = calloc((size_t)b->frames, sizeof *whole);
	double sum = 0, t0, fade_ms, ignored;
	int rc = -1;

	cur = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	prev = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	mix = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	if (!ms || !cpu || !whole || cairo_surface_status(cur) ||
	    cairo_surface_status(prev) || cairo_surface_status(mix)) {
		fprintf(stderr, "bench_render: no memory for %dx%d\n", w, h);
		goto out;
	}

	for (int i = 0; i < b->frames; i++) {
		if (draw(cur, w, h, slide, &b->data, &ms[i], &cpu[i]))
			goto fail;
		sum += ms[i];
	}
	qsort(ms, (size_t)b->frames, sizeof *ms, cmp_double);
	qsort(cpu, (size_t)b->frames, sizeof *cpu, cmp_double);

	/* The frame of a slide just come on screen, with no layer of it
	 * yet: what the kiosk draws at each change of slide. */
	for (int i = 0; i < b->frames; i++) {
		render_layer_forget();
		if (draw(cur, w, h, slide, &b->data, &ignored, &whole[i]))
			goto fail;
	}
	qsort(whole, (size_t)b->frames, sizeof *whole, cmp_double);

	if (draw(prev, w, h, from, &b->data, &ignored, NULL))
		goto fail;
	t0 = mono_ms();
	if (draw(cur, w, h, slide, &b->data, &ignored, NULL))
		goto fail;
	for (int i = 1; i <= FADE_FRAMES; i++)
		blend(mix, prev, cur, (double)i / FADE_FRAMES);
	fade_ms = mono_ms() - t0;

	printf("%s\t%dx%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f"
	       "\t%.2f\t%.2f\t%.2f\t%.2f\n",
	       render_slide_name(slide), w, h, first_ms, ms[0],
	       quantile(ms, b->frames, 0.5), sum / b->frames,
	       quantile(ms, b->frames, 0.95), ms[b->frames - 1],
	       FADE_FRAMES * 1e3 / fade_ms, cpu[0],
	       quantile(cpu, b->frames, 0.5), whole[0],
	       quantile(whole, b->frames, 0.5));
	fflush(stdout);
	rc = 0;
	goto out;

fail:
	fprintf(stderr, "bench_render: cannot draw the %s slide at %dx%d\n",
		render_slide_name(slide), w, h);
out:
	cairo_surface_destroy(cur);
	cairo_surface_destroy(prev);
	cairo_surface_destroy(mix);
	free(ms);
	free(cpu);
	free(whole);
	return rc;
}

/* With a ticker: the kiosk's frame between slides, the ticker line
 * alone moved on by a 30th of a second over the frame drawn before.
 * Prints its CPU time per frame on stderr, so that the table on stdout
 * stays as bench.py reads it. */
static int bench_ticker(const struct bench *b, int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	double *cpu = calloc((size_t)b->frames, sizeof *cpu);
	cairo_t *cr;
	int rc = -1;

	if (!cpu || cairo_surface_status(s))
		goto out;
	cr = cairo_create(s);
	rc = 0;
	for (int i = 0; i < b->frames && !rc; i++) {
		double c0 = cpu_ms();

		render_set_ticker_time(i / 30.0);
		rc = render_ticker(cr, w, h);
		cairo_surface_flush(s);
		cpu[i] = cpu_ms() - c0;
	}
	rc = cairo_status(cr) == CAIRO_STATUS_SUCCESS ? rc : -1;
	cairo_destroy(cr);
	if (rc)
		goto out;
	qsort(cpu, (size_t)b->frames, sizeof *cpu, cmp_double);
	fprintf(stderr, "ticker\t%dx%d\tcpu_min_ms %.3f\tcpu_median_ms %.3f"
		"\n", w, h, cpu[0], quantile(cpu, b->frames, 0.5));
out:
	free(cpu);
	cairo_surface_destroy(s);
	return rc;
}

/* The first frame of each slide at the first size, before anything is
 * warm: Pango's font map, fontconfig and the glyph caches start here. */
static int first_frames(const struct bench *b, double *first)
{
	cairo_surface_t *s;
	int rc = 0;

	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, b->w[0], b->h[0]);
	if (cairo_surface_status(s)) {
		cairo_surface_destroy(s);
		return -1;
	}
	for (int i = 0; i < RENDER_SLIDE_COUNT && !rc; i++)
		rc = draw(s, b->w[0], b->h[0], (enum render_slide)i, &b->data,
			  &first[i], NULL);
	cairo_surface_destroy(s);
	return rc;
}

static json_t *load_site(const char *dir, const char *name)
{
	char path[4096];
	json_error_t jerr;
	json_t *j;

	snprintf(path, sizeof path, "%s/%s.json", dir, name);
	j = json_load_file(path, 0, &jerr);
	if (!j)
		fprintf(stderr, "bench_render: %s: %s (line %d); the slide "
			"is drawn without its data\n", path, jerr.text,
			jerr.line);
	return j;
}

static void usage(void)
{
	fprintf(stderr, "usage: akari_bench_render --data DIR --at UNIX "
		"[--size WxH]... [--frames N] [--ticker TEXT]\n");
}

static int parse_args(int argc, char **argv, struct bench *b,
		      const char **dir)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return -1;
		if (!strcmp(argv[i], "--data")) {
			*dir = v;
		} else if (!strcmp(argv[i], "--at")) {
			b->data.now = strtoll(v, NULL, 10);
		} else if (!strcmp(argv[i], "--ticker")) {
			b->ticker = v;
		} else if (!strcmp(argv[i], "--frames")) {
			b->frames = atoi(v);
		} else if (!strcmp(argv[i], "--size") &&
			   b->nsizes < SIZES_MAX) {
			if (sscanf(v, "%dx%d", &b->w[b->nsizes],
				   &b->h[b->nsizes]) != 2)
				return -1;
			b->nsizes++;
		} else {
			return -1;
		}
		i++;
	}
	if (!*dir || b->data.now == 0 || b->frames < 1)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = {.frames = 50, .data.replay = true};
	double first[RENDER_SLIDE_COUNT];
	const char *dir = NULL;
	int rc = 1;

	if (parse_args(argc, argv, &b, &dir)) {
		usage();
		return 2;
	}
	/* The fonts' configuration the kiosk uses. */
	theme_use_fonts_config();
	if (b.nsizes == 0) {
		b.w[0] = 1920;
		b.h[0] = 1080;
		b.nsizes = 1;
	}
	b.data.grid = load_site(dir, "grid");
	b.data.home = load_site(dir, "home");
	b.data.air = load_site(dir, "air");
	if (b.ticker)
		render_set_ticker(b.ticker);

	if (first_frames(&b, first)) {
		fprintf(stderr, "bench_render: the first frames failed\n");
		goto out;
	}
	printf("slide\tsize\tfirst_ms\tmin_ms\tmedian_ms\tmean_ms\tp95_ms"
	       "\tmax_ms\tfade_fps\tcpu_min_ms\tcpu_median_ms"
	       "\twhole_cpu_min_ms\twhole_cpu_median_ms\n");
	for (int s = 0; s < b.nsizes; s++)
		for (int i = 0; i < RENDER_SLIDE_COUNT; i++)
			if (bench_one(&b, b.w[s], b.h[s],
				      (enum render_slide)i,
				      s == 0 ? first[i] : NAN))
				goto out;
	for (int s = 0; b.ticker && s < b.nsizes; s++)
		if (bench_ticker(&b, b.w[s], b.h[s]))
			goto out;
	rc = 0;

out:
	json_decref(b.data.grid);
	json_decref(b.data.home);
	json_decref(b.data.air);
	return rc;
}
