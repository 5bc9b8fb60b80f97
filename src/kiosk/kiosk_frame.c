/*
 * kiosk_frame.c - full-size frames in memory of their own (kiosk_frame.h).
 *
 * The frames are mapped, not taken from the heap, so that one freed
 * between fades goes back to the system at once, and so that they can
 * be given to transparent huge pages: under the usual "madvise" setting
 * Linux backs only memory marked for it with 2 MiB pages, and aligns an
 * anonymous mapping to them when its length is a multiple of 2 MiB.
 */
#include "kiosk/kiosk_frame.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

struct mapping {
	void *base;
	size_t len;
};

static const cairo_user_data_key_t mapping_key;

static void unmap(void *data)
{
	struct mapping *m = data;

	munmap(m->base, m->len);
	free(m);
}

cairo_surface_t *kiosk_frame_new(int w, int h)
{
	int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
	struct mapping *m = NULL;
	cairo_surface_t *s;
	size_t len;

	if (w <= 0 || h <= 0 || stride <= 0 ||
	    (size_t)h > SIZE_MAX / 2 / (size_t)stride)
		goto fallback;
	len = ((size_t)stride * (size_t)h + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	m = malloc(sizeof *m);
	if (!m)
		goto fallback;
	m->len = len;
	m->base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->base == MAP_FAILED)
		goto fallback;
#ifdef MADV_HUGEPAGE
	/* Refused where there are none: small pages then, as before. */
	madvise(m->base, len, MADV_HUGEPAGE);
#endif
	s = cairo_image_surface_create_for_data(m->base, CAIRO_FORMAT_ARGB32,
						w, h, stride);
	if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
	    cairo_surface_set_user_data(s, &mapping_key, m, unmap) ==
		    CAIRO_STATUS_SUCCESS)
		return s;
	cairo_surface_destroy(s);
	munmap(m->base, m->len);

fallback:
	free(m);
	return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
}
