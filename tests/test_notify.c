/*
 * test_notify - systemd's notification protocol as akari speaks it, read
 * from sockets of the test's own, and the watchdog period read from the
 * environment.
 *
 * A message is one datagram of newline-separated assignments to the
 * AF_UNIX socket NOTIFY_SOCKET names: a path, or an abstract name after
 * '@' (sd_notify(3)).  systemd asks for pings by WATCHDOG_USEC, and
 * WATCHDOG_PID, when set, must name this process (sd_watchdog_enabled(3));
 * akari pings at half of it, but never more often than every
 * NOTIFY_MIN_PERIOD_S, whatever the variable says.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "core/notify.h"

static double period_for(const char *usec)
{
	char pid[32];

	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", usec, 1);
	return notify_watchdog_period();
}

static void test_period(void)
{
	/* Half of 4 s; half of 30 ms. */
	CHECK_DBL(period_for("4000000"), 2.0, 1e-12);
	CHECK_DBL(period_for("30000"), 0.015, 1e-12);

	/* 1 us and 19 ms would ask for pings every 0.5 us and 9.5 ms: the
	 * floor of 10 ms holds. */
	CHECK_DBL(period_for("1"), 0.01, 1e-12);
	CHECK_DBL(period_for("19000"), 0.01, 1e-12);

	/* WATCHDOG_PID unset: the watchdog is this process's. */
	period_for("4000000");
	unsetenv("WATCHDOG_PID");
	CHECK_DBL(notify_watchdog_period(), 2.0, 1e-12);

	/* No watchdog: none asked, or another process's. */
	CHECK_DBL(period_for("0"), 0.0, 0.0);
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);
	period_for("4000000");
	unsetenv("WATCHDOG_USEC");
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);
	period_for("4000000");
	unsetenv("NOTIFY_SOCKET");
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);

	/* Values that are no number of microseconds or no PID ask for
	 * nothing rather than for a guess. */
	CHECK_DBL(period_for("-4000000"), 0.0, 0.0);
	CHECK_DBL(period_for(" 4000000"), 0.0, 0.0);
	CHECK_DBL(period_for("4000000s"), 0.0, 0.0);
	CHECK_DBL(period_for(""), 0.0, 0.0);
	CHECK_DBL(period_for("99999999999999999999999"), 0.0, 0.0);
	period_for("4000000");
	setenv("WATCHDOG_PID", "", 1);
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);
	setenv("WATCHDOG_PID", "self", 1);
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
}

/* A datagram socket bound to name ('@' for the abstract namespace), as
 * the service manager's; NOTIFY_SOCKET is set to name. */
static int manager_socket(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, len), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	return fd;
}

/* The next datagram waiting on fd, or "" when none is. */
static const char *next_message(int fd)
{
	static char buf[4096];
	ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The lowest free descriptor: the same before and after sends, unless
 * one leaked. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	close(fd);
	return fd;
}

static void test_messages(const char *name)
{
	int fd = manager_socket(name), before;
	struct notify_watchdog w;
	char pid[32];

	before = lowest_free_fd();
	notify_ready("serving %s", "x.db");
	CHECK_STR(next_message(fd), "READY=1\nSTATUS=serving x.db");
	notify_status("two\nlines");
	CHECK_STR(next_message(fd), "STATUS=two lines");
	notify_stopping("after %d frames", 3);
	CHECK_STR(next_message(fd), "STOPPING=1\nSTATUS=after 3 frames");
	CHECK_STR(next_message(fd), "");

	/* Pings from a loop: one at once, then one per period. */
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "4000000", 1);
	notify_watchdog_init(&w);
	notify_watchdog_tick(&w, 100.0);
	CHECK_STR(next_message(fd), "WATCHDOG=1");
	notify_watchdog_tick(&w, 101.9);
	CHECK_STR(next_message(fd), "");
	notify_watchdog_tick(&w, 102.0);
	CHECK_STR(next_message(fd), "WATCHDOG=1");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");

	CHECK_INT(lowest_free_fd(), before);
	close(fd);
}

/* A socket that is not there: nothing arrives, nothing stops, nothing
 * leaks. */
static void test_unreachable(void)
{
	char path[200];
	int before = lowest_free_fd();

	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	notify_ready("nobody listens");
	notify_status("still nobody");
	setenv("NOTIFY_SOCKET", "@akari-test-notify-nobody", 1);
	notify_status("nobody");
	memset(path, 'p', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	setenv("NOTIFY_SOCKET", path, 1);
	notify_status("too long");
	CHECK_INT(lowest_free_fd(), before);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	char path[64], name[64];

	test_period();

	snprintf(path, sizeof path, "/tmp/akari-test-notify-%ld.sock",
		 (long)getpid());
	unlink(path);
	test_messages(path);
	unlink(path);
	snprintf(name, sizeof name, "@akari-test-notify-%ld",
		 (long)getpid());
	test_messages(name);

	test_unreachable();
	return check_finish();
}
