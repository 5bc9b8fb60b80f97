/*
 * kiosk_power.h - caring for the screen: on and off hours, night
 * dimming, and pixel shift against burn-in.
 *
 * Hours are spans of the local day, "06:00-23:00"; a span whose end
 * comes before its start runs across midnight ("22:00-06:00").  They
 * are read in the box's time zone, so they follow daylight saving time:
 * on the day the clocks go forward the screen still comes on at 06:00 on
 * the wall.  Everything here but kiosk_power_paint() is a pure function
 * of its arguments, and nothing logs.
 */
#ifndef AKARI_KIOSK_POWER_H
#define AKARI_KIOSK_POWER_H

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* [from, to) in minutes of the local day, 0 to 1439 each; from == to is
 * the whole day. */
struct kiosk_power_span {
	int from, to;
};

/* "HH:MM-HH:MM" (00:00 to 23:59 each).  Returns 0, or -1 with *out
 * untouched. */
int kiosk_power_parse_span(const char *s, struct kiosk_power_span *out);

/* "HH:MM-HH:MM@P%": dim to P percent of full brightness (1 to 100) in
 * that span.  *level is P / 100.  Returns 0, or -1 with both untouched. */
int kiosk_power_parse_dim(const char *s, struct kiosk_power_span *span,
			  double *level);

/* Whether minute (0 to 1439) of the local day lies in span. */
bool kiosk_power_in_span(const struct kiosk_power_span *span, int minute);

/* The minute of the local day in tz (borrowed) at Unix time t. */
int kiosk_power_local_minute(int64_t t, GTimeZone *tz);

/*
 * Where static elements stand after seconds of play: a walk through a
 * box of box x box pixels, one pixel every step seconds, row by row
 * with every other row walked backwards, then the same way back, so that
 * each move is a single pixel.  *dx and *dy run from -box/2 to
 * box - 1 - box/2.  box < 2 or step <= 0 gives 0, 0.
 */
void kiosk_power_shift(double seconds, double step, int box, int *dx,
		       int *dy);

/* The number of steps after which kiosk_power_shift() repeats:
 * 2 box^2 - 2 (box >= 2). */
int kiosk_power_shift_period(int box);

/*
 * Paints src (borrowed) into dst (the same size) moved by dx, dy, with
 * black where src does not reach, at level (0 to 1) of its brightness.
 */
void kiosk_power_paint(cairo_surface_t *dst, cairo_surface_t *src,
		       double level, int dx, int dy);

#endif
