/*
 * kiosk_frame.h - the full-size frames the kiosk draws slides into.
 */
#ifndef AKARI_KIOSK_FRAME_H
#define AKARI_KIOSK_FRAME_H

#include <cairo.h>

/* A new ARGB32 image surface of w x h, owned by the caller (free it
 * with cairo_surface_destroy()); on failure a surface in an error
 * state, as cairo_image_surface_create() gives.  Its pixels are in
 * huge pages where the system allows them for memory asked for them:
 * the kiosk makes a frame at each slide's start, and a fresh 1080p one
 * in 4 KiB pages costs about 2,000 page faults as it is first drawn,
 * in 2 MiB pages four. */
cairo_surface_t *kiosk_frame_new(int w, int h);

#endif
