/*
 * kiosk_clock.h - the time the kiosk shows: the real clock, or a replay
 * of recorded days.
 *
 * A replay starts at FROM when play starts, runs speed times faster than
 * real time, and jumps back to FROM when it reaches TO, so it shows
 * [FROM, TO) over and over.  Both clocks are pure functions of the
 * monotonic and wall clock readings passed in, so they can be tested
 * without waiting.
 */
#ifndef AKARI_KIOSK_CLOCK_H
#define AKARI_KIOSK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct kiosk_clock {
	bool replay;
	int64_t from;		/* replay: first instant shown, Unix s */
	int64_t to;		/* replay: where it jumps back */
	double speed;		/* replay: clock seconds per real one */
	double start;		/* monotonic seconds when play started */
};

/* Monotonic and wall clock readings in seconds. */
double kiosk_mono_now(void);
double kiosk_wall_now(void);

void kiosk_clock_real(struct kiosk_clock *c, double mono_now);

/* The fastest replay: a year in half a minute.  Faster, the clock's
 * arithmetic would leave the range of a long. */
#define KIOSK_SPEED_MAX 1e6

/* Returns 0, or -1 (c untouched) unless from < to and
 * 0 < speed <= KIOSK_SPEED_MAX. */
int kiosk_clock_replay(struct kiosk_clock *c, int64_t from, int64_t to,
		       double speed, double mono_now);

/* The time shown, in Unix seconds with a fraction: wall for the real
 * clock, and for a replay a point in [from, to). */
double kiosk_clock_at(const struct kiosk_clock *c, double mono, double wall);

/* How many times a replay has jumped back to from (0 for the real
 * clock); a change means the data on screen belongs to the other end of
 * the replay. */
long kiosk_clock_lap(const struct kiosk_clock *c, double mono);

/* Real seconds between two fetches, for a kiosk asked to fetch every
 * fetch_seconds.  A replay fetches more often as it runs faster, so the
 * data keeps up with its clock: at least once per five recorded minutes
 * (the step of the finest data), but no more than twice a second.  At
 * the demo's 240x that is every 1.25 s rather than 5 s, which would be
 * 20 recorded minutes behind. */
double kiosk_clock_fetch_period(const struct kiosk_clock *c,
				double fetch_seconds);

#endif
