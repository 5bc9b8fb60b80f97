/*
 * fetch_schedule.c - when the next fetch is due: every interval while
 * the server answers, backing off exponentially while it does not.
 */
#include "fetch/fetch.h"

void fetch_schedule_init(struct fetch_schedule *s, double interval,
			 double retry_max, double now)
{
	s->interval = interval > 0 ? interval : 1;
	s->retry_max = retry_max > s->interval ? retry_max : s->interval;
	s->delay = s->interval;
	s->due = now;
	s->failures = 0;
}

bool fetch_schedule_due(const struct fetch_schedule *s, double now)
{
	return now >= s->due;
}

void fetch_schedule_done(struct fetch_schedule *s, double now, bool ok)
{
	if (ok) {
		s->failures = 0;
		s->delay = s->interval;
	} else {
		/* interval, 2 interval, 4 interval, ... up to retry_max */
		s->delay = s->failures == 0 ? s->interval : s->delay * 2;
		if (s->delay > s->retry_max)
			s->delay = s->retry_max;
		s->failures++;
	}
	s->due = now + s->delay;
}

void fetch_schedule_hurry(struct fetch_schedule *s, double now)
{
	s->due = now;
}
