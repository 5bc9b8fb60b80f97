/*
 * test_kiosk_frame.c - the kiosk's frames in prepared memory.
 *
 * Expected values by hand: a w x h ARGB32 frame has cairo's stride for
 * w (4 w bytes, a multiple of 4), every byte 0 (transparent black, as
 * cairo_image_surface_create() gives); a frame of its own mapping starts
 * on a 2 MiB boundary.  Drawing on it gives what drawing on a frame
 * from cairo_image_surface_create() gives.  A size cairo refuses gives
 * an error surface, as cairo_image_surface_create() does.
 */
#include <cairo.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "kiosk/kiosk_frame.h"

static long nonzero_bytes(cairo_surface_t *s)
{
	const unsigned char *p = cairo_image_surface_get_data(s);
	size_t n = (size_t)cairo_image_surface_get_stride(s) *
		   (size_t)cairo_image_surface_get_height(s);
	long bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != 0;
	return bad;
}

/* A red square at (10, 20), 30 px wide, on s. */
static void draw(cairo_surface_t *s)
{
	cairo_t *cr = cairo_create(s);

	cairo_set_source_rgb(cr, 1, 0, 0);
	cairo_rectangle(cr, 10, 20, 30, 30);
	cairo_fill(cr);
	cairo_destroy(cr);
	cairo_surface_flush(s);
}

static void check_size(int w, int h)
{
	cairo_surface_t *f = kiosk_frame_create(w, h);
	cairo_surface_t *ref = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							  w, h);
	size_t n;

	CHECK_INT(cairo_surface_status(f), CAIRO_STATUS_SUCCESS);
	CHECK_INT(cairo_image_surface_get_format(f), CAIRO_FORMAT_ARGB32);
	CHECK_INT(cairo_image_surface_get_width(f), w);
	CHECK_INT(cairo_image_surface_get_height(f), h);
	CHECK_INT(cairo_image_surface_get_stride(f), 4 * w);
	CHECK_INT(nonzero_bytes(f), 0);
	CHECK_INT((uintptr_t)cairo_image_surface_get_data(f) % (2u << 20), 0);

	draw(f);
	draw(ref);
	n = (size_t)4 * (size_t)w * (size_t)h;
	CHECK(memcmp(cairo_image_surface_get_data(f),
		     cairo_image_surface_get_data(ref), n) == 0);
	/* The last pixel is the frame's: writable, inside the mapping. */
	cairo_image_surface_get_data(f)[n - 1] = 0xff;
	cairo_surface_destroy(ref);
	cairo_surface_destroy(f);
}

int main(void)
{
	cairo_surface_t *bad;

	check_size(1920, 1080);
	check_size(64, 64);
	check_size(1080, 1920);
	check_size(333, 77);

	bad = kiosk_frame_create(-1, 10);
	CHECK(cairo_surface_status(bad) != CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(bad);
	return check_finish();
}
