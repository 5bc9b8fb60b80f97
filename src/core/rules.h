/*
 * rules.h - the line-oriented rule files akari reads (the line protocol
 * map, the IEEE 1888 point map): one rule a line, blanks around it
 * ignored, blank lines and lines whose first character is '#' skipped,
 * and an error named FILE:LINE as editors and compilers name them.
 */
#ifndef AKARI_CORE_RULES_H
#define AKARI_CORE_RULES_H

#include <stddef.h>

/* Takes one rule line (stripped, writable, valid for the call).  Returns
 * 0, or -1 with why saying what is wrong with the line. */
typedef int (*core_rule_fn)(char *line, void *ctx, char *why,
			    size_t whylen);

/* The most rule lines text can hold: a bound for the caller's array. */
size_t core_rules_max(const char *text);

/* Calls fn for each rule line of text, in order, until one fails; then
 * err says "name:N: why".  Returns 0, or -1. */
int core_rules_parse(const char *text, const char *name, core_rule_fn fn,
		     void *ctx, char *err, size_t errlen);

/* Reads the rule file at path whole into *text (free it with g_free()).
 * Returns 0, or -1 with *text NULL and err saying why. */
int core_rules_read(const char *path, char **text, char *err,
		    size_t errlen);

#endif
