/*
 * rules.c - reading line-oriented rule files (rules.h).
 */
#include "core/rules.h"

#include <glib.h>
#include <stdio.h>

size_t core_rules_max(const char *text)
{
	size_t n = 1;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

int core_rules_parse(const char *text, const char *name, core_rule_fn fn,
		     void *ctx, char *err, size_t errlen)
{
	char **lines = g_strsplit(text, "\n", -1);
	char why[200];
	int rc = 0;

	for (size_t i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);

		if (!line[0] || line[0] == '#')
			continue;
		why[0] = '\0';
		if (fn(line, ctx, why, sizeof why)) {
			snprintf(err, errlen, "%s:%zu: %s", name, i + 1, why);
			rc = -1;
			break;
		}
	}
	g_strfreev(lines);
	return rc;
}

int core_rules_read(const char *path, char **text, char *err,
		    size_t errlen)
{
	GError *gerr = NULL;

	*text = NULL;
	if (g_file_get_contents(path, text, NULL, &gerr))
		return 0;
	snprintf(err, errlen, "%s", gerr->message);
	g_error_free(gerr);
	return -1;
}
