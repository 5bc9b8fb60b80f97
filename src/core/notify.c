/*
 * notify.c - the service manager's notification protocol, and the
 * watchdog pings.
 *
 * The protocol is a stable interface of systemd (sd_notify(3)), spoken
 * here without libsystemd, whose dependencies every akari process would
 * otherwise load before main().  A message is one datagram of
 * newline-separated assignments ("READY=1\nSTATUS=..."), sent to the
 * AF_UNIX socket NOTIFY_SOCKET names: a file system path, or an abstract
 * socket when the name starts with '@', which stands for the abstract
 * name's leading NUL byte.  The manager learns the sender's PID from
 * the kernel, so the datagram carries nothing else.
 */
#include "core/notify.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define MOD "notify"

/* A STATUS= line longer than this is cut; systemctl shows one line. */
#define STATUS_BYTES 256

/* Room for the longest head before a STATUS=: "STOPPING=1\n". */
#define HEAD_BYTES 16

/* How long a send may wait for room in the manager's queue.  A busy
 * manager drains it in far less; a socket nobody reads must not hold
 * the kiosk's loop or the server's pinger longer than this, and after
 * one such failure sends do not wait at all until one gets through. */
#define SEND_TIMEOUT_US 250000

/* Whether the last send failed: a run of failures is logged once, the
 * first send that gets through again once more.  Sends come from the
 * main thread and the pinger's. */
static atomic_bool send_failing;

bool notify_enabled(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s && *s;
}

/*
 * Fills *sa and *len with the address of the socket named name.
 * Returns 0, or -1 with why filled when name is no AF_UNIX address:
 * neither an absolute path nor '@' and an abstract name (systemd also
 * knows "vsock:" addresses, for virtual machines, which akari does not
 * speak), or longer than sun_path holds.
 */
static int socket_address(const char *name, struct sockaddr_un *sa,
			  socklen_t *len, char *why, size_t whylen)
{
	size_t n = strlen(name);

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;

	/* An abstract name is n bytes, its NUL first, and has no NUL at
	 * its end: every byte of the address length is part of it. */
	if (name[0] == '@') {
		if (n > sizeof sa->sun_path) {
			snprintf(why, whylen, "the name is %zu bytes, "
				 "over the %zu an AF_UNIX address holds",
				 n, sizeof sa->sun_path);
			return -1;
		}
		memcpy(sa->sun_path + 1, name + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return 0;
	}

	/* A path, with its terminating NUL. */
	if (name[0] != '/') {
		snprintf(why, whylen, "neither an absolute path nor an "
			 "abstract socket name ('@')");
		return -1;
	}
	if (n >= sizeof sa->sun_path) {
		snprintf(why, whylen, "the path is %zu bytes, over the %zu "
			 "an AF_UNIX address holds", n,
			 sizeof sa->sun_path - 1);
		return -1;
	}
	memcpy(sa->sun_path, name, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* Sends msg as one datagram to name, waiting for room in its queue
 * only when wait.  Returns 0, or -1 with why filled. */
static int send_datagram(const char *name, const char *msg, bool wait,
			 char *why, size_t whylen)
{
	struct timeval timeout = {.tv_sec = 0, .tv_usec = SEND_TIMEOUT_US};
	int flags = MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT);
	size_t len = strlen(msg);
	struct sockaddr_un sa;
	socklen_t salen;
	ssize_t sent;
	int fd, rc = -1;

	if (socket_address(name, &sa, &salen, why, whylen))
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	if (wait && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout,
			       sizeof timeout)) {
		snprintf(why, whylen, "SO_SNDTIMEO: %s", strerror(errno));
		goto out;
	}

	/* A signal (the kiosk's SIGTERM) may cut a wait for room short;
	 * the message still goes, the signal is seen after it. */
	do
		sent = sendto(fd, msg, len, flags,
			      (const struct sockaddr *)&sa, salen);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		snprintf(why, whylen, "%s", strerror(errno));
	else if ((size_t)sent != len)
		snprintf(why, whylen, "sent %zd of %zu bytes", sent, len);
	else
		rc = 0;
out:
	close(fd);
	return rc;
}

/*
 * Sends msg when NOTIFY_SOCKET is set.  The first failure of a run is
 * logged, and the first send that gets through after it; a failure
 * never stops akari: what a missing READY=1 or WATCHDOG=1 means is the
 * manager's to decide.
 */
static void send_message(const char *msg)
{
	const char *name = getenv("NOTIFY_SOCKET");
	char why[128];

	if (!name || !*name)
		return;
	if (send_datagram(name, msg, !atomic_load(&send_failing), why,
			  sizeof why) == 0) {
		if (atomic_exchange(&send_failing, false))
			log_info(MOD, "messages reach the service manager "
				 "at %s again", name);
		return;
	}
	if (!atomic_exchange(&send_failing, true))
		log_warn(MOD, "cannot send %.*s to the service manager at "
			 "NOTIFY_SOCKET=%s: %s; akari goes on without it and "
			 "logs again when a message gets through",
			 (int)strcspn(msg, "\n"), msg, name, why);
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
	char status[STATUS_BYTES];
	char msg[HEAD_BYTES + sizeof "STATUS=" + STATUS_BYTES];
	int n;

	if (!notify_enabled())
		return;
	if (!fmt) {
		send_message(head);
		return;
	}

	n = vsnprintf(status, sizeof status, fmt, ap);
	if (n < 0)
		status[0] = '\0';
	else if ((size_t)n >= sizeof status) {
		trim_partial_utf8(status);
		log_debug(MOD, "STATUS= cut from %d to %zu bytes", n,
			  strlen(status));
	}
	/* A newline would start another assignment in the message. */
	for (char *p = status; *p; p++)
		if (*p == '\n')
			*p = ' ';

	/* msg has room for every head and status.  Were it ever short,
	 * the head goes alone: a message cut short could end in half an
	 * assignment. */
	n = snprintf(msg, sizeof msg, "%s%sSTATUS=%s", head,
		     *head ? "\n" : "", status);
	if (n < 0 || (size_t)n >= sizeof msg) {
		log_error(MOD, "a STATUS= of %zu bytes does not fit in a "
			  "message of %zu: sent without it", strlen(status),
			  sizeof msg);
		if (*head)
			send_message(head);
		return;
	}
	send_message(msg);
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

/* s as a decimal number without sign or spaces.  Returns 0, or -1 when
 * s is anything else or does not fit in 64 bits. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/*
 * WATCHDOG_USEC when the watchdog is asked of this process, else 0.
 * As sd_watchdog_enabled(3) says: WATCHDOG_USEC set, and WATCHDOG_PID
 * unset or this process's PID.  The manager sets WATCHDOG_PID so that
 * a child that inherits the environment does not ping for its parent.
 */
static uint64_t watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t u, p;

	if (!usec)
		return 0;
	if (pid) {
		if (parse_u64(pid, &p)) {
			log_warn(MOD, "WATCHDOG_PID=%s is not a process id: "
				 "no watchdog pings", pid);
			return 0;
		}
		if (p != (uint64_t)getpid())
			return 0;
	}
	/* 0, or UINT64_MAX (systemd's infinity), asks for no pings. */
	if (parse_u64(usec, &u)) {
		log_warn(MOD, "WATCHDOG_USEC=%s is not a number of "
			 "microseconds: no watchdog pings", usec);
		return 0;
	}
	return u == UINT64_MAX ? 0 : u;
}

double notify_watchdog_period(void)
{
	uint64_t usec;

	if (!notify_enabled())
		return 0;
	usec = watchdog_usec();
	if (usec == 0)
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
	send_message("WATCHDOG=1");
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
			send_message("WATCHDOG=1");
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
