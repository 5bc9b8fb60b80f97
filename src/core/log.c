#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest line written, newline included; longer messages are cut. */
#define LOG_LINE_BYTES 1024

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* Read by every thread that logs; -1 until the first call settles it.
 * Atomic, since the server's threads may race to that first call. */
static _Atomic int current_level = -1;

static enum log_level level_from_env(void)
{
	const char *s = getenv("AKARI_LOG");

	if (!s)
		return LOG_INFO;
	for (int i = LOG_ERROR; i <= LOG_DEBUG; i++)
		if (strcmp(s, level_names[i]) == 0)
			return (enum log_level)i;
	return LOG_INFO;
}

void log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
	int level = atomic_load(&current_level);
	int unset = -1;

	if (level < 0) {
		level = (int)level_from_env();
		/* Whoever settles it first wins; set_level always does. */
		if (!atomic_compare_exchange_strong(&current_level, &unset,
						    level))
			level = unset;
	}
	return (enum log_level)level;
}

/*
 * Appends msg to line (which holds n bytes) with control characters
 * written as \xNN: a message often quotes what a client sent, and a raw
 * newline in it would forge a log line of its own.  Returns the new
 * length, at most cap - 1.
 */
static size_t append_escaped(char *line, size_t n, size_t cap,
			     const char *msg)
{
	for (const unsigned char *c = (const unsigned char *)msg; *c; c++) {
		if (*c >= 0x20 && *c != 0x7f) {
			if (n + 1 >= cap)
				break;
			line[n++] = (char)*c;
		} else {
			if (n + 4 >= cap)
				break;
			n += (size_t)snprintf(line + n, cap - n, "\\x%02x", *c);
		}
	}
	line[n] = '\0';
	return n;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	char line[LOG_LINE_BYTES], msg[LOG_LINE_BYTES], stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	int head;
	size_t n;

	if (level > log_get_level())
		return;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	head = snprintf(line, sizeof line, "%s %-5s [%s] ", stamp,
			level_names[level], module);
	n = head < 0 ? 0 : (size_t)head;
	if (n >= sizeof line - 1)
		n = sizeof line - 2;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	/* The newline always fits, so a cut line never runs into the
	 * next one; one fputs per line keeps lines whole across threads. */
	n = append_escaped(line, n, sizeof line - 1, msg);
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
}
