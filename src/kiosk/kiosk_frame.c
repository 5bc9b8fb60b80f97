/*
 * kiosk_frame.c - frames in prepared memory (kiosk_frame.h).
 */
#include "kiosk/kiosk_frame.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* Linux 5.14; older headers do not name it, older kernels refuse it. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HUGE_PAGE ((size_t)2 << 20)

struct mapping {
	void *p;
	size_t len;
};

static const cairo_user_data_key_t mapping_key;

static void unmap(void *data)
{
	struct mapping *m = data;

	munmap(m->p, m->len);
}

/* len bytes at a multiple of HUGE_PAGE, in a mapping of their own, or
 * NULL.  *m (inside the mapping, after the pixels) records it. */
static unsigned char *map_frame(size_t len, struct mapping **m)
{
	size_t at = (len + 15) & ~(size_t)15;	/* where m goes */
	size_t want = at + sizeof **m, total = want + HUGE_PAGE;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p, *start, *end;

	if (page <= 0 || HUGE_PAGE % (size_t)page)
		return NULL;
	p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* The slack before the aligned start and after the end goes back
	 * at once. */
	start = (unsigned char *)(((uintptr_t)p + HUGE_PAGE - 1) &
				  ~(uintptr_t)(HUGE_PAGE - 1));
	end = p + total;
	if (start > p)
		munmap(p, (size_t)(start - p));
	want = (want + (size_t)page - 1) & ~((size_t)page - 1);
	if (start + want < end)
		munmap(start + want, (size_t)(end - (start + want)));

	/* Advice only: a kernel without it leaves ordinary pages that
	 * fault in when drawn on.  Huge pages are not asked for with
	 * MADV_HUGEPAGE: where the kernel's THP defrag is "madvise" (the
	 * common default) that makes the fault compact memory there and
	 * then, a stall at a slide change on a box fragmented by weeks of
	 * running, and they measured no faster here.  A kernel set to
	 * "always" may still use them, since the start is aligned. */
	madvise(start, want, MADV_POPULATE_WRITE);
	*m = (struct mapping *)(start + at);
	(*m)->p = start;
	(*m)->len = want;
	return start;
}

cairo_surface_t *kiosk_frame_create(int w, int h)
{
	int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
	struct mapping *m = NULL;
	cairo_surface_t *s;
	unsigned char *px;

	if (stride <= 0 || h <= 0)
		return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	px = map_frame((size_t)stride * (size_t)h, &m);
	if (!px)
		return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	s = cairo_image_surface_create_for_data(px, CAIRO_FORMAT_ARGB32, w, h,
						 stride);
	if (cairo_surface_set_user_data(s, &mapping_key, m, unmap) !=
	    CAIRO_STATUS_SUCCESS) {
		/* An error surface, or one without room for the key: it
		 * does not own the pixels, so neither is kept. */
		cairo_surface_destroy(s);
		unmap(m);
		return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	}
	return s;
}
