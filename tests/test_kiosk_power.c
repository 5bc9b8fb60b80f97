/*
 * test_kiosk_power.c - screen hours, dimming and pixel shift.
 *
 * Expected values are worked out by hand in the comments: minutes of the
 * day from the clock times, the UTC instants of local times from the
 * zones' published offsets, pixel values from the dimming arithmetic.
 */
#include <cairo.h>
#include <glib.h>
#include <stdlib.h>

#include "check.h"
#include "kiosk/kiosk_power.h"

static void test_parse(void)
{
	struct kiosk_power_span sp = {-1, -1};
	double level = -1;

	CHECK_INT(kiosk_power_parse_span("06:00-23:00", &sp), 0);
	CHECK_INT(sp.from, 6 * 60);	/* 360 */
	CHECK_INT(sp.to, 23 * 60);	/* 1380 */
	CHECK_INT(kiosk_power_parse_span("23:59-00:00", &sp), 0);
	CHECK_INT(sp.from, 1439);
	CHECK_INT(sp.to, 0);

	/* Refusals leave the span as it was. */
	sp.from = sp.to = 7;
	CHECK_INT(kiosk_power_parse_span("24:00-06:00", &sp), -1);
	CHECK_INT(kiosk_power_parse_span("06:60-07:00", &sp), -1);
	CHECK_INT(kiosk_power_parse_span("6:00-23:00", &sp), -1);
	CHECK_INT(kiosk_power_parse_span("06:00-23:00 ", &sp), -1);
	CHECK_INT(kiosk_power_parse_span("06:00", &sp), -1);
	CHECK_INT(kiosk_power_parse_span("", &sp), -1);
	CHECK_INT(kiosk_power_parse_span(NULL, &sp), -1);
	CHECK_INT(sp.from, 7);

	CHECK_INT(kiosk_power_parse_dim("22:00-06:00@40%", &sp, &level), 0);
	CHECK_INT(sp.from, 22 * 60);	/* 1320 */
	CHECK_INT(sp.to, 6 * 60);
	CHECK_DBL(level, 0.40, 1e-12);
	CHECK_INT(kiosk_power_parse_dim("00:00-00:00@100%", &sp, &level), 0);
	CHECK_DBL(level, 1.0, 1e-12);
	level = 9;
	CHECK_INT(kiosk_power_parse_dim("22:00-06:00@0%", &sp, &level), -1);
	CHECK_INT(kiosk_power_parse_dim("22:00-06:00@101%", &sp, &level), -1);
	CHECK_INT(kiosk_power_parse_dim("22:00-06:00@40", &sp, &level), -1);
	CHECK_INT(kiosk_power_parse_dim("22:00-06:00@%", &sp, &level), -1);
	CHECK_INT(kiosk_power_parse_dim("22:00-06:00", &sp, &level), -1);
	CHECK_INT(kiosk_power_parse_dim("22:00-06:00@40%x", &sp, &level), -1);
	CHECK_DBL(level, 9, 0);
}

static void test_spans(void)
{
	struct kiosk_power_span day = {6 * 60, 23 * 60};
	struct kiosk_power_span night = {22 * 60, 6 * 60};
	struct kiosk_power_span all = {480, 480};

	/* [06:00, 23:00): 05:59 off, 06:00 on, 22:59 on, 23:00 off. */
	CHECK(!kiosk_power_in_span(&day, 359));
	CHECK(kiosk_power_in_span(&day, 360));
	CHECK(kiosk_power_in_span(&day, 1379));
	CHECK(!kiosk_power_in_span(&day, 1380));
	CHECK(!kiosk_power_in_span(&day, 0));

	/* Across midnight, [22:00, 06:00): 21:59 out, 22:00 in, 23:59 in,
	 * 00:00 in, 05:59 in, 06:00 out, noon out. */
	CHECK(!kiosk_power_in_span(&night, 1319));
	CHECK(kiosk_power_in_span(&night, 1320));
	CHECK(kiosk_power_in_span(&night, 1439));
	CHECK(kiosk_power_in_span(&night, 0));
	CHECK(kiosk_power_in_span(&night, 359));
	CHECK(!kiosk_power_in_span(&night, 360));
	CHECK(!kiosk_power_in_span(&night, 720));

	/* from == to: the whole day. */
	CHECK(kiosk_power_in_span(&all, 0));
	CHECK(kiosk_power_in_span(&all, 1439));
}

static void test_local_minute(void)
{
	GTimeZone *tokyo = g_time_zone_new_identifier("Asia/Tokyo");
	GTimeZone *berlin = g_time_zone_new_identifier("Europe/Berlin");
	struct kiosk_power_span day = {6 * 60, 23 * 60};

	CHECK(tokyo != NULL && berlin != NULL);
	if (!tokyo || !berlin)
		goto out;

	/* 2026-03-28T21:00:00Z = 1774731600; Tokyo is UTC+9, no DST:
	 * 06:00 on the 29th, minute 360. */
	CHECK_INT(kiosk_power_local_minute(1774731600, tokyo), 360);
	CHECK_INT(kiosk_power_local_minute(1774731600 - 60, tokyo), 359);

	/*
	 * Berlin goes from CET (UTC+1) to CEST (UTC+2) at 2026-03-29
	 * 01:00Z.  00:59:59Z is 01:59:59 CET, minute 119; 01:00:00Z is
	 * 03:00 CEST, minute 180: the hour from 02:00 never happens.
	 * 2026-03-29T00:00:00Z = 1774742400.
	 */
	CHECK_INT(kiosk_power_local_minute(1774742400 + 3599, berlin), 119);
	CHECK_INT(kiosk_power_local_minute(1774742400 + 3600, berlin), 180);

	/* The screen comes on at 06:00 on the wall that day, which is
	 * 04:00Z (UTC+2), not 05:00Z as the day before. */
	CHECK(!kiosk_power_in_span(
	    &day, kiosk_power_local_minute(1774742400 + 4 * 3600 - 60,
					   berlin)));
	CHECK(kiosk_power_in_span(
	    &day, kiosk_power_local_minute(1774742400 + 4 * 3600, berlin)));
	/* The day before, 06:00 CET is 05:00Z: 04:00Z is still 05:00. */
	CHECK_INT(kiosk_power_local_minute(1774742400 - 86400 + 4 * 3600,
					   berlin),
		  300);

	/* Back in autumn, 2026-10-25 01:00Z (03:00 CEST -> 02:00 CET):
	 * 00:59Z is 02:59 CEST (minute 179), 01:00Z is 02:00 CET (120).
	 * 2026-10-25T00:00:00Z = 1792886400. */
	CHECK_INT(kiosk_power_local_minute(1792886400 + 3540, berlin), 179);
	CHECK_INT(kiosk_power_local_minute(1792886400 + 3600, berlin), 120);

out:
	if (tokyo)
		g_time_zone_unref(tokyo);
	if (berlin)
		g_time_zone_unref(berlin);
}

static void test_shift(void)
{
	int dx, dy, px, py, seen[4][4] = {{0}};
	int period = kiosk_power_shift_period(4);

	/* 4 x 4 cells: 16 forward, 14 back (the ends not twice). */
	CHECK_INT(period, 30);

	/* The walk starts at the box's corner (-2, -2), one pixel per
	 * 600 s: after 600 s (-1, -2); after 4 steps the second row,
	 * walked backwards from its right end (1, -1). */
	kiosk_power_shift(0, 600, 4, &dx, &dy);
	CHECK_INT(dx, -2);
	CHECK_INT(dy, -2);
	kiosk_power_shift(599.9, 600, 4, &dx, &dy);
	CHECK_INT(dx, -2);
	kiosk_power_shift(600, 600, 4, &dx, &dy);
	CHECK_INT(dx, -1);
	CHECK_INT(dy, -2);
	kiosk_power_shift(4 * 600, 600, 4, &dx, &dy);
	CHECK_INT(dx, 1);
	CHECK_INT(dy, -1);
	/* Step 15, the last cell: row 3 walked backwards ends at x 0. */
	kiosk_power_shift(15 * 600, 600, 4, &dx, &dy);
	CHECK_INT(dx, -2);
	CHECK_INT(dy, 1);

	/* Every step moves one pixel, stays in the box, every cell is
	 * visited, and the walk repeats after the period. */
	kiosk_power_shift(0, 600, 4, &px, &py);
	for (int i = 1; i <= period; i++) {
		kiosk_power_shift(i * 600.0, 600, 4, &dx, &dy);
		CHECK_AT(abs(dx - px) + abs(dy - py) == 1,
			 "step %d: (%d,%d) -> (%d,%d)", i, px, py, dx, dy);
		CHECK(dx >= -2 && dx <= 1 && dy >= -2 && dy <= 1);
		if (dx >= -2 && dx <= 1 && dy >= -2 && dy <= 1)
			seen[dy + 2][dx + 2] = 1;
		px = dx;
		py = dy;
	}
	CHECK_INT(px, -2);
	CHECK_INT(py, -2);
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 4; x++)
			CHECK_AT(seen[y][x], "cell %d,%d never visited", x, y);

	/* Off: no box, or no step. */
	kiosk_power_shift(1e6, 600, 1, &dx, &dy);
	CHECK_INT(dx, 0);
	kiosk_power_shift(1e6, 0, 4, &dx, &dy);
	CHECK_INT(dy, 0);
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
	const unsigned char *d = cairo_image_surface_get_data(s);

	cairo_surface_flush(s);
	return *(const uint32_t *)(d + y * cairo_image_surface_get_stride(s) +
				   x * 4);
}

static void test_paint(void)
{
	cairo_surface_t *src = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							  8, 8);
	cairo_surface_t *dst = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							  8, 8);
	cairo_t *cr = cairo_create(src);
	uint32_t p;

	/* An opaque grey of 200 in every channel. */
	cairo_set_source_rgb(cr, 200 / 255.0, 200 / 255.0, 200 / 255.0);
	cairo_paint(cr);
	cairo_destroy(cr);

	/* Full brightness, no shift: the same picture. */
	kiosk_power_paint(dst, src, 1, 0, 0);
	CHECK_INT(pixel(dst, 3, 3), 0xffc8c8c8u);

	/* 40 %: 200 * 0.4 = 80 (0x50), give or take Cairo's rounding;
	 * alpha stays opaque. */
	kiosk_power_paint(dst, src, 0.4, 0, 0);
	p = pixel(dst, 3, 3);
	CHECK_INT(p >> 24, 0xff);
	CHECK_AT(abs((int)((p >> 16) & 0xff) - 80) <= 1, "red %u",
		 (p >> 16) & 0xff);
	CHECK_AT(abs((int)(p & 0xff) - 80) <= 1, "blue %u", p & 0xff);

	/* Moved by (2, 1): column 0-1 and row 0 are black, (2, 1) grey. */
	kiosk_power_paint(dst, src, 1, 2, 1);
	CHECK_INT(pixel(dst, 1, 5), 0xff000000u);
	CHECK_INT(pixel(dst, 5, 0), 0xff000000u);
	CHECK_INT(pixel(dst, 2, 1), 0xffc8c8c8u);
	CHECK_INT(pixel(dst, 7, 7), 0xffc8c8c8u);

	/* Off: black everywhere. */
	kiosk_power_paint(dst, src, 0, 0, 0);
	CHECK_INT(pixel(dst, 4, 4), 0xff000000u);

	cairo_surface_destroy(src);
	cairo_surface_destroy(dst);
}

int main(void)
{
	test_parse();
	test_spans();
	test_local_minute();
	test_shift();
	test_paint();
	return check_finish();
}
