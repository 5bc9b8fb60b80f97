/*
 * fetch_schedule.c - when the next fetch is due: every interval while
 * the server answers, backing off exponentially, with jitter, while it
 * does not.
 */
#include <glib.h>

#include "fetch/fetch.h"

/* The share of the backoff the jitter may take off a wait. */
#define JITTER 0.25

/* A uniform draw in [0, 1) (xorshift64*: plenty for spreading waits). */
static double draw(struct fetch_schedule *s)
{
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53;
}

void fetch_schedule_init(struct fetch_schedule *s, double interval,
			 double retry_max, double now)
{
	s->interval = interval > 0 ? interval : 1;
	s->retry_max = retry_max > s->interval ? retry_max : s->interval;
	s->backoff = s->interval;
	s->delay = s->interval;
	s->due = now;
	s->failures = 0;

	/* Seeded apart in every process, so that displays differ. */
	s->rng = ((uint64_t)g_random_int() << 32 | g_random_int()) | 1;
}

bool fetch_schedule_due(const struct fetch_schedule *s, double now)
{
	return now >= s->due;
}

void fetch_schedule_done(struct fetch_schedule *s, double now, bool ok)
{
	if (ok) {
		s->failures = 0;
		s->backoff = s->interval;
		s->delay = s->interval;
	} else {
		/* interval, 2 interval, 4 interval, ... up to retry_max */
		s->backoff = s->failures == 0 ? s->interval : s->backoff * 2;
		if (s->backoff > s->retry_max)
			s->backoff = s->retry_max;
		s->failures++;
		s->delay = s->backoff * (1 - JITTER * draw(s));
	}
	s->due = now + s->delay;
}

void fetch_schedule_hurry(struct fetch_schedule *s, double now)
{
	s->due = now;
}
