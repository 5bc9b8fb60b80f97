/*
 * kiosk_clock.c - real and replayed time for the kiosk.
 */
#include "kiosk/kiosk_clock.h"

#include <math.h>
#include <time.h>

double kiosk_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double kiosk_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kiosk_clock_real(struct kiosk_clock *c, double mono_now)
{
	*c = (struct kiosk_clock){.replay = false, .speed = 1,
				  .start = mono_now};
}

int kiosk_clock_replay(struct kiosk_clock *c, int64_t from, int64_t to,
		       double speed, double mono_now)
{
	if (from >= to || !(speed > 0) || !(speed <= KIOSK_SPEED_MAX))
		return -1;
	*c = (struct kiosk_clock){.replay = true, .from = from, .to = to,
				  .speed = speed, .start = mono_now};
	return 0;
}

/* Virtual seconds since play started. */
static double played(const struct kiosk_clock *c, double mono)
{
	double t = (mono - c->start) * c->speed;

	return t > 0 ? t : 0;
}

double kiosk_clock_at(const struct kiosk_clock *c, double mono, double wall)
{
	double span;

	if (!c->replay)
		return wall;
	span = (double)(c->to - c->from);
	return (double)c->from + fmod(played(c, mono), span);
}

long kiosk_clock_lap(const struct kiosk_clock *c, double mono)
{
	if (!c->replay)
		return 0;
	return (long)floor(played(c, mono) / (double)(c->to - c->from));
}

/* Recorded seconds a replay's data may lag its clock, and the shortest
 * real wait between fetches. */
#define REPLAY_DATA_STEP 300.0
#define REPLAY_FETCH_MIN 0.5

double kiosk_clock_fetch_period(const struct kiosk_clock *c,
				double fetch_seconds)
{
	if (!c->replay)
		return fetch_seconds;
	return fmin(fetch_seconds,
		    fmax(REPLAY_DATA_STEP / c->speed, REPLAY_FETCH_MIN));
}
