/*
 * test_display.c - the display's PNG mode, its size parser, and the
 * fallback from a window to PNG files when SDL cannot open one.
 */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "test_util.h"
#include "display/display.h"

static bool exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* --- display ----------------------------------------------------------- */

static void test_parse_size(void)
{
	int w = 1, h = 2;

	CHECK_INT(display_parse_size("1280x720", &w, &h), 0);
	CHECK_INT(w, 1280);
	CHECK_INT(h, 720);
	CHECK_INT(display_parse_size("1080x1920", &w, &h), 0);
	CHECK_INT(h, 1920);
	static const char *const bad[] = {
		"", "1280", "1280x", "x720", "1280x720x", "-5x10", "10x10",
		"1280X720", "99999x720", " 1280x720", "12a0x720",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		w = 7;
		CHECK_AT(display_parse_size(bad[i], &w, &h) == -1 && w == 7,
			 "'%s' accepted", bad[i]);
	}
}

static cairo_surface_t *solid(int w, int h, double r, double g, double b)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							w, h);
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, r, g, b);
	cairo_paint(cr);
	cairo_destroy(cr);
	return s;
}

static void test_display_png(void)
{
	struct display_config cfg = {.mode = DISPLAY_PNG, .width = 64,
				     .height = 48, .png_keep = 2};
	cairo_surface_t *s = solid(64, 48, 1, 0, 0), *back;
	char dir[64], sub[128], path[200], err[256];
	struct display *d;
	unsigned char *px;
	int w, h;

	test_make_tmpdir(dir, sizeof dir, "display");
	snprintf(sub, sizeof sub, "%s/frames/x", dir);
	cfg.png_dir = sub;
	CHECK_INT(display_open(&cfg, &d, err, sizeof err), 0);
	CHECK_INT(display_mode(d), DISPLAY_PNG);
	CHECK(display_fallback_reason(d) == NULL);
	display_size(d, &w, &h);
	CHECK_INT(w, 64);
	CHECK_INT(h, 48);

	for (int i = 0; i < 3; i++)
		CHECK_INT(display_present(d, s, err, sizeof err), 0);
	CHECK_INT(display_frames(d), 3);
	/* Only the newest two are kept, and no temporary file is left. */
	CHECK(!exists(sub, "frame-000001.png"));
	CHECK(exists(sub, "frame-000002.png"));
	CHECK(exists(sub, "frame-000003.png"));
	CHECK_INT(test_count_pngs(sub), 2);
	CHECK(!exists(sub, ".frame.tmp.png"));
	/* No events in PNG mode. */
	CHECK_INT(display_wait(d, 0.001), 0);
	display_close(d);

	/* A second run in the same directory numbers on from the first's
	 * frames, so its own are the newest by name and --png-keep covers
	 * both runs: frame 4 comes, frame 2 goes. */
	CHECK_INT(display_open(&cfg, &d, err, sizeof err), 0);
	CHECK_INT(display_present(d, s, err, sizeof err), 0);
	CHECK_INT(display_frames(d), 1);
	CHECK(exists(sub, "frame-000004.png"));
	CHECK(!exists(sub, "frame-000001.png"));
	CHECK(!exists(sub, "frame-000002.png"));
	CHECK_INT(test_count_pngs(sub), 2);
	display_close(d);

	/* The frame on disk is the picture presented: pure red, which is
	 * 0xFFFF0000 as a native ARGB32 word. */
	snprintf(path, sizeof path, "%s/frame-000003.png", sub);
	back = cairo_image_surface_create_from_png(path);
	CHECK_INT(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
	CHECK_INT(cairo_image_surface_get_width(back), 64);
	cairo_surface_flush(back);
	px = cairo_image_surface_get_data(back);
	if (px)
		CHECK_INT(*(uint32_t *)(void *)(px + 10 * 4 +
			  10 * cairo_image_surface_get_stride(back)),
			  0xFFFF0000u);
	cairo_surface_destroy(back);
	cairo_surface_destroy(s);

	/* PNG mode without a directory, or with a file in the way. */
	cfg.png_dir = NULL;
	CHECK_INT(display_open(&cfg, &d, err, sizeof err), -1);
	CHECK(d == NULL);
	snprintf(sub, sizeof sub, "%s/frames/x/frame-000003.png/y", dir);
	cfg.png_dir = sub;
	CHECK_INT(display_open(&cfg, &d, err, sizeof err), -1);
	test_remove_tree(dir);
}

static void test_display_fallback(void)
{
	struct display_config cfg = {.mode = DISPLAY_WINDOW, .width = 320,
				     .height = 200};
	char dir[64], err[256];
	struct display *d;
	int w, h;

	/* A video driver that does not exist: SDL cannot open anything. */
	setenv("SDL_VIDEODRIVER", "akari-no-such-driver", 1);
	test_make_tmpdir(dir, sizeof dir, "display");

	CHECK_INT(display_open(&cfg, &d, err, sizeof err), -1);
	CHECK(d == NULL);

	cfg.fallback_dir = dir;
	CHECK_INT(display_open(&cfg, &d, err, sizeof err), 0);
	CHECK_INT(display_mode(d), DISPLAY_PNG);
	CHECK(display_fallback_reason(d) != NULL);
	display_size(d, &w, &h);
	CHECK_INT(w, 320);
	CHECK_INT(h, 200);
	CHECK(strstr(display_describe(d), dir) != NULL);
	display_close(d);

	/* Fullscreen never falls back: a signage box without its screen
	 * should fail loudly. */
	cfg.mode = DISPLAY_FULLSCREEN;
	CHECK_INT(display_open(&cfg, &d, err, sizeof err), -1);

	unsetenv("SDL_VIDEODRIVER");
	test_remove_tree(dir);
}

int main(void)
{
	test_parse_size();
	test_display_png();
	test_display_fallback();
	return check_finish();
}
