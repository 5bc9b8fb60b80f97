/*
 * notify.c - sd_notify() messages and the watchdog pings.
 */
#include "core/notify.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "core/log.h"

#define MOD "notify"

/* A STATUS= line longer than this is cut; systemctl shows one line. */
#define STATUS_BYTES 256

bool notify_enabled(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s && *s;
}

/*
 * Drops a UTF-8 sequence that the cut at the end of s left incomplete:
 * systemd ignores a STATUS= that is not UTF-8.
 */
static void trim_partial_utf8(char *s)
{
	size_t n = strlen(s), lead = n, need;
	unsigned char c;

	while (lead > 0 && n - lead < 3 &&
	       ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	c = (unsigned char)s[lead - 1];
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (n - (lead - 1) < need)
		s[lead - 1] = '\0';
}

/* Sends head, then "STATUS=" and fmt's text when fmt is not NULL. */
static void send_with_status(const char *head, const char *fmt, va_list ap)
{
	char status[STATUS_BYTES], msg[STATUS_BYTES + 64];

	if (!notify_enabled())
		return;
	if (!fmt) {
		sd_notify(0, head);
		return;
	}
	if (vsnprintf(status, sizeof status, fmt, ap) >= (int)sizeof status)
		trim_partial_utf8(status);
	/* A newline would start another assignment in the message. */
	for (char *p = status; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(msg, sizeof msg, "%s%sSTATUS=%s", head, *head ? "\n" : "",
		 status);
	sd_notify(0, msg);
}

void notify_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_with_status("READY=1", fmt, ap);
	va_end(ap);
}

void notify_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_with_status("", fmt, ap);
	va_end(ap);
}

void notify_stopping(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_with_status("STOPPING=1", fmt, ap);
	va_end(ap);
}

double notify_watchdog_period(void)
{
	uint64_t usec = 0;

	if (!notify_enabled() || sd_watchdog_enabled(0, &usec) <= 0 ||
	    usec == 0)
		return 0;
	/* A watchdog shorter than a health check cannot be kept; pinging
	 * without a floor would only spin a core doing the check. */
	return fmax((double)usec / 2e6, NOTIFY_MIN_PERIOD_S);
}

/* --- pings from a loop ------------------------------------------------- */

void notify_watchdog_init(struct notify_watchdog *w)
{
	memset(w, 0, sizeof *w);
	w->period = notify_watchdog_period();
}

void notify_watchdog_tick(struct notify_watchdog *w, double mono)
{
	if (w->period <= 0)
		return;
	if (w->pinged && mono - w->last < w->period)
		return;
	sd_notify(0, "WATCHDOG=1");
	w->last = mono;
	w->pinged = true;
}

/* --- pings from a thread ----------------------------------------------- */

struct notify_pinger {
	notify_check_fn check;
	void *ctx;
	double period;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* signalled by notify_pinger_stop() */
	bool stop;
};

/* The deadline period seconds from now on the monotonic clock, which
 * the condition variable is set to use: a wall clock step must not
 * make the pinger miss its period. */
static struct timespec deadline_after(double period)
{
	struct timespec ts;
	long nsec;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)period;
	nsec = ts.tv_nsec + (long)((period - (double)(time_t)period) * 1e9);
	ts.tv_sec += nsec / 1000000000L;
	ts.tv_nsec = nsec % 1000000000L;
	return ts;
}

static void *pinger_main(void *arg)
{
	struct notify_pinger *p = arg;
	bool failing = false;
	char err[256];
	int waited;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec until;

		pthread_mutex_unlock(&p->lock);
		err[0] = '\0';
		if (p->check(p->ctx, err, sizeof err) == 0) {
			sd_notify(0, "WATCHDOG=1");
			if (failing)
				log_info(MOD, "the health check passes "
					 "again: watchdog pings resume");
			failing = false;
		} else if (!failing) {
			log_error(MOD, "health check failed: %s; withholding "
				  "the watchdog ping, so the service manager "
				  "restarts akari if this lasts", err);
			failing = true;
		}
		pthread_mutex_lock(&p->lock);

		/* Sleep a period, or less when told to stop. */
		until = deadline_after(p->period);
		waited = 0;
		while (!p->stop && waited != ETIMEDOUT)
			waited = pthread_cond_timedwait(&p->wake, &p->lock,
							&until);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int notify_pinger_start(notify_check_fn check, void *ctx,
			struct notify_pinger **out, char *err, size_t errlen)
{
	struct notify_pinger *p = NULL;
	pthread_condattr_t attr;
	double period = notify_watchdog_period();
	int rc;

	*out = NULL;
	if (period <= 0)
		return 0;

	p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "watchdog pinger: out of memory");
		return -1;
	}
	p->check = check;
	p->ctx = ctx;
	p->period = period;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &attr);
	pthread_condattr_destroy(&attr);

	rc = pthread_create(&p->thread, NULL, pinger_main, p);
	if (rc) {
		snprintf(err, errlen, "cannot start the watchdog pinger: %s",
			 strerror(rc));
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void notify_pinger_stop(struct notify_pinger *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
