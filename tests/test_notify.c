/*
 * test_notify - the watchdog period read from systemd's environment.
 *
 * systemd asks for pings by WATCHDOG_USEC (and WATCHDOG_PID, which must
 * name this process); akari pings at half of it, but never more often
 * than every NOTIFY_MIN_PERIOD_S, whatever the variable says.
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(void)
{
	/* Half of 4 s; half of 30 ms. */
	CHECK_DBL(period_for("4000000"), 2.0, 1e-12);
	CHECK_DBL(period_for("30000"), 0.015, 1e-12);

	/* 1 us and 19 ms would ask for pings every 0.5 us and 9.5 ms: the
	 * floor of 10 ms holds. */
	CHECK_DBL(period_for("1"), 0.01, 1e-12);
	CHECK_DBL(period_for("19000"), 0.01, 1e-12);

	/* No watchdog: none asked, or another process's. */
	CHECK_DBL(period_for("0"), 0.0, 0.0);
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);
	period_for("4000000");
	unsetenv("NOTIFY_SOCKET");
	CHECK_DBL(notify_watchdog_period(), 0.0, 0.0);
	return check_finish();
}
