/*
 * test_kiosk.c - the kiosk's clock, and a whole kiosk run into PNG files
 * with no server to talk to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "display/display.h"
#include "fetch/fetch.h"
#include "kiosk/kiosk.h"
#include "kiosk/kiosk_clock.h"

/* --- clock ------------------------------------------------------------- */

static void test_clock_real(void)
{
	struct kiosk_clock c;

	kiosk_clock_real(&c, 50);
	/* The real clock is the wall clock, whatever the monotonic one. */
	CHECK_DBL(kiosk_clock_at(&c, 1e6, 1656306000.5), 1656306000.5, 0);
	CHECK_INT(kiosk_clock_lap(&c, 1e6), 0);
}

static void test_clock_replay(void)
{
	/* 2022-06-27T00:00:00+09:00 = 1656255600, a day later 1656342000 */
	const int64_t from = 1656255600, to = 1656342000;
	struct kiosk_clock c;

	CHECK_INT(kiosk_clock_replay(&c, from, to, 240, 100), 0);
	/* At start the replay shows FROM, whatever the wall clock says. */
	CHECK_DBL(kiosk_clock_at(&c, 100, 5), (double)from, 1e-6);
	/* 10 real seconds at 240x are 2400 s: 00:40 JST. */
	CHECK_DBL(kiosk_clock_at(&c, 110, 5), (double)from + 2400, 1e-6);
	CHECK_INT(kiosk_clock_lap(&c, 110), 0);
	/* A day is 86400 / 240 = 360 real seconds; 361 s in, the replay
	 * is back at FROM plus 240 s, on its second lap. */
	CHECK_DBL(kiosk_clock_at(&c, 100 + 361, 5), (double)from + 240,
		  1e-6);
	CHECK_INT(kiosk_clock_lap(&c, 100 + 361), 1);
	CHECK_INT(kiosk_clock_lap(&c, 100 + 359), 0);
	/* Never TO itself: exactly one lap in it shows FROM. */
	CHECK_DBL(kiosk_clock_at(&c, 100 + 360, 5), (double)from, 1e-6);
	/* A monotonic reading before the start counts as the start. */
	CHECK_DBL(kiosk_clock_at(&c, 90, 5), (double)from, 1e-6);

	/* Slower than real time works too: 0.5x. */
	CHECK_INT(kiosk_clock_replay(&c, from, to, 0.5, 0), 0);
	CHECK_DBL(kiosk_clock_at(&c, 10, 5), (double)from + 5, 1e-6);

	c.from = 42;
	CHECK_INT(kiosk_clock_replay(&c, from, to, 2e6, 0), -1);
	CHECK_INT(kiosk_clock_replay(&c, to, from, 1, 0), -1);
	CHECK_INT(kiosk_clock_replay(&c, from, from, 1, 0), -1);
	CHECK_INT(kiosk_clock_replay(&c, from, to, 0, 0), -1);
	CHECK_INT(kiosk_clock_replay(&c, from, to, -2, 0), -1);
	CHECK_INT(c.from, 42);	/* untouched by the refusals */
}

/* A replay fetches often enough that its data keeps within five
 * recorded minutes of the clock, but no more than twice a second. */
static void test_fetch_period(void)
{
	struct kiosk_clock c;

	kiosk_clock_real(&c, 0);
	CHECK_DBL(kiosk_clock_fetch_period(&c, 5), 5, 0);

	/* 240x: 300 recorded seconds are 1.25 real ones. */
	kiosk_clock_replay(&c, 0, 86400, 240, 0);
	CHECK_DBL(kiosk_clock_fetch_period(&c, 5), 1.25, 1e-12);
	/* 30x: 10 s, but the kiosk asked for every 5 s. */
	kiosk_clock_replay(&c, 0, 86400, 30, 0);
	CHECK_DBL(kiosk_clock_fetch_period(&c, 5), 5, 0);
	/* 5000x would be every 60 ms: held at 0.5 s. */
	kiosk_clock_replay(&c, 0, 86400, 5000, 0);
	CHECK_DBL(kiosk_clock_fetch_period(&c, 5), 0.5, 0);
	/* A slow replay fetches as asked. */
	kiosk_clock_replay(&c, 0, 86400, 0.001, 0);
	CHECK_DBL(kiosk_clock_fetch_period(&c, 0.5), 0.5, 0);
}

/* --- a whole run ------------------------------------------------------- */

static void test_run_offline(void)
{
	struct kiosk_options o;
	struct fetch_bundle b;
	char dir[64], frames[128], cache[128], err[256];

	test_make_tmpdir(dir, sizeof dir, "kiosk");
	snprintf(frames, sizeof frames, "%s/frames", dir);
	snprintf(cache, sizeof cache, "%s/cache", dir);

	/* Port 1 on loopback refuses connections: the server is away. */
	kiosk_options_init(&o);
	o.fetch.server = "http://127.0.0.1:1";
	o.cache_dir = cache;
	o.display.mode = DISPLAY_PNG;
	o.display.png_dir = frames;
	o.display.width = 320;
	o.display.height = 180;
	o.frames = 2;
	CHECK_INT(kiosk_run(&o), 0);
	CHECK_INT(test_count_pngs(frames), 2);
	/* Nothing was fetched, so nothing was cached. */
	fetch_bundle_init(&b);
	CHECK_INT(fetch_cache_load(cache, &b, err, sizeof err),
		  FETCH_NO_CACHE);

	/* Options the loop refuses. */
	o.replay = true;
	o.replay_from = 10;
	o.replay_to = 5;
	CHECK_INT(kiosk_run(&o), -1);
	o.replay = false;
	o.slide_seconds = 0;
	CHECK_INT(kiosk_run(&o), -1);
	o.slide_seconds = 1e-300;
	CHECK_INT(kiosk_run(&o), -1);
	o.slide_seconds = 10;
	o.fetch.server = "gopher://x";
	CHECK_INT(kiosk_run(&o), -1);

	test_remove_tree(dir);
}

int main(void)
{
	test_clock_real();
	test_clock_replay();
	test_fetch_period();
	test_run_offline();
	return check_finish();
}
