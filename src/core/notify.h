/*
 * notify.h - telling a service manager (systemd) how the process is
 * doing: ready, alive, stopping, and a one-line status.
 *
 * Everything here speaks systemd's notification protocol (sd_notify(3))
 * over the socket NOTIFY_SOCKET names, and does nothing at all when
 * NOTIFY_SOCKET is unset, which is the case outside a Type=notify unit,
 * so callers never test for systemd themselves.  A failed send (no
 * such socket, nobody reading it, an address akari cannot use) is
 * logged once per run of failures and otherwise ignored: the service
 * manager, not akari, decides what a missing message means.  A message
 * is sent whole or not at all; a STATUS= text over 255 bytes is cut at
 * a character boundary first, since systemctl shows one line.
 *
 * The watchdog: when the unit sets WatchdogSec=, systemd passes
 * WATCHDOG_USEC and restarts the process if no "WATCHDOG=1" arrives in
 * time.  akari pings at half that period, and only from a place that
 * proves the process still works: the kiosk from its loop, the server
 * from a thread that first asks the store a question.
 */
#ifndef AKARI_CORE_NOTIFY_H
#define AKARI_CORE_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

/* Whether NOTIFY_SOCKET is set, so that a message would go anywhere. */
bool notify_enabled(void);

/* "READY=1" with a STATUS= line from fmt: the process now does its job
 * (the server listens, the kiosk has shown a frame). */
void notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A STATUS= line alone, shown by `systemctl status`. */
void notify_status(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* "STOPPING=1" with a STATUS= line: a clean stop has begun. */
void notify_stopping(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Seconds between watchdog pings: half of WATCHDOG_USEC but at least
 * NOTIFY_MIN_PERIOD_S, or 0 when no watchdog is asked for (no socket,
 * no WATCHDOG_USEC, or WATCHDOG_PID names another process). */
#define NOTIFY_MIN_PERIOD_S 0.01
double notify_watchdog_period(void);

/* A rate limit for pings from a loop, in the caller's memory.  period 0
 * means no watchdog and makes notify_watchdog_tick() do nothing. */
struct notify_watchdog {
	double period;
	double last;		/* monotonic seconds of the last ping */
	bool pinged;
};

void notify_watchdog_init(struct notify_watchdog *w);

/* Sends "WATCHDOG=1" when period seconds have passed since the last
 * ping (or none was sent yet).  mono is the caller's monotonic clock in
 * seconds; call it once per loop turn. */
void notify_watchdog_tick(struct notify_watchdog *w, double mono);

/*
 * A thread that pings for a process whose main thread only waits (the
 * server).  Every period it calls check(ctx, err, errlen) and pings when
 * that returns 0; otherwise it logs err (once per run of failures) and
 * withholds the ping, so that systemd restarts a process that cannot do
 * its job.  check runs on the pinger's thread and must be thread-safe.
 */
typedef int (*notify_check_fn)(void *ctx, char *err, size_t errlen);

struct notify_pinger;

/* Starts the thread; with no watchdog asked for, *out is NULL and no
 * thread runs.  ctx is borrowed until notify_pinger_stop().  Returns 0,
 * or -1 with err filled when the thread cannot start. */
int notify_pinger_start(notify_check_fn check, void *ctx,
			struct notify_pinger **out, char *err, size_t errlen);

/* Stops and joins the thread, and frees p.  Accepts NULL. */
void notify_pinger_stop(struct notify_pinger *p);

#endif
