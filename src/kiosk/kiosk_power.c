/*
 * kiosk_power.c - screen hours, dimming and pixel shift.
 */
#include "kiosk/kiosk_power.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DAY_MIN (24 * 60)

/* "HH:MM" at s, exactly five characters; the minute of the day. */
static int parse_hhmm(const char *s, int *minute)
{
	int h, m;

	if (strlen(s) < 5 || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
	    s[1] > '9' || s[2] != ':' || s[3] < '0' || s[3] > '9' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minute = h * 60 + m;
	return 0;
}

/* "HH:MM-HH:MM" at s; *end points past it. */
static int parse_span(const char *s, struct kiosk_power_span *out,
		      const char **end)
{
	struct kiosk_power_span sp;

	if (parse_hhmm(s, &sp.from) || s[5] != '-' ||
	    parse_hhmm(s + 6, &sp.to))
		return -1;
	*out = sp;
	*end = s + 11;
	return 0;
}

int kiosk_power_parse_span(const char *s, struct kiosk_power_span *out)
{
	struct kiosk_power_span sp;
	const char *end;

	if (!s || parse_span(s, &sp, &end) || *end)
		return -1;
	*out = sp;
	return 0;
}

int kiosk_power_parse_dim(const char *s, struct kiosk_power_span *span,
			  double *level)
{
	struct kiosk_power_span sp;
	const char *end;
	int pct = 0, digits = 0;

	if (!s || parse_span(s, &sp, &end) || *end != '@')
		return -1;
	for (end++; *end >= '0' && *end <= '9' && digits < 4; end++) {
		pct = pct * 10 + (*end - '0');
		digits++;
	}
	if (!digits || strcmp(end, "%") || pct < 1 || pct > 100)
		return -1;
	*span = sp;
	*level = pct / 100.0;
	return 0;
}

bool kiosk_power_in_span(const struct kiosk_power_span *span, int minute)
{
	if (span->from == span->to)
		return true;
	if (span->from < span->to)
		return minute >= span->from && minute < span->to;
	/* Across midnight. */
	return minute >= span->from || minute < span->to;
}

int kiosk_power_local_minute(int64_t t, GTimeZone *tz)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t);
	GDateTime *loc = utc ? g_date_time_to_timezone(utc, tz) : NULL;
	int minute = 0;

	if (loc)
		minute = g_date_time_get_hour(loc) * 60 +
			 g_date_time_get_minute(loc);
	if (loc)
		g_date_time_unref(loc);
	if (utc)
		g_date_time_unref(utc);
	return minute;
}

int kiosk_power_shift_period(int box)
{
	return box < 2 ? 1 : 2 * box * box - 2;
}

void kiosk_power_shift(double seconds, double step, int box, int *dx,
		       int *dy)
{
	int cells = box * box, period, i, x, y;
	double n;

	*dx = *dy = 0;
	if (box < 2 || !(step > 0) || !(seconds >= 0))
		return;
	period = kiosk_power_shift_period(box);
	n = fmod(floor(seconds / step), (double)period);
	i = (int)n;
	/* Forward through the cells, then back without repeating the
	 * ends. */
	if (i >= cells)
		i = period - i;
	y = i / box;
	x = i % box;
	if (y % 2)
		x = box - 1 - x;
	*dx = x - box / 2;
	*dy = y - box / 2;
}

void kiosk_power_paint(cairo_surface_t *dst, cairo_surface_t *src,
		       double level, int dx, int dy)
{
	cairo_t *cr = cairo_create(dst);

	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_paint(cr);

	cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	cairo_set_source_surface(cr, src, dx, dy);
	cairo_paint(cr);

	/* Black over the frame at 1 - level leaves level of each
	 * channel. */
	if (level < 1) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_paint_with_alpha(cr, 1 - (level > 0 ? level : 0));
	}
	cairo_destroy(cr);
}
