/*
 * kiosk_frame.h - the kiosk's full-screen frames, in memory that is
 * ready before the first pixel is drawn.
 *
 * A fresh 1080p frame is 8 MiB: drawn into as it comes from malloc,
 * its pages fault in one by one (about 2,000 faults, each a trip into
 * the kernel), in the middle of the first frame's drawing and again
 * for every frame made for a fade.  Here the frame is its own mapping,
 * aligned to 2 MiB (a kernel that uses huge pages for every mapping
 * can back it with them; they are not asked for: kiosk_frame.c), and
 * its pages are made present in one call (MADV_POPULATE_WRITE).  Where
 * the kernel cannot, the frame is an ordinary mapping that faults in
 * as before.
 */
#ifndef AKARI_KIOSK_FRAME_H
#define AKARI_KIOSK_FRAME_H

#include <cairo.h>

/* A w x h ARGB32 image surface, cleared to transparent black, owned by
 * the caller (cairo_surface_destroy() unmaps it).  Like
 * cairo_image_surface_create(), it never returns NULL: a surface in an
 * error state says why it could not be made. */
cairo_surface_t *kiosk_frame_create(int w, int h);

#endif
