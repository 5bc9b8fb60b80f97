#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static int current_level = -1;

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
	current_level = (int)level;
}

enum log_level log_get_level(void)
{
	if (current_level < 0)
		current_level = (int)level_from_env();
	return (enum log_level)current_level;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	int n;

	if (level > log_get_level())
		return;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s %-5s [%s] ", stamp,
		     level_names[level], module);

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);

	/* One fputs per line keeps lines whole across threads. */
	strncat(line, "\n", sizeof line - strlen(line) - 1);
	fputs(line, stderr);
}
