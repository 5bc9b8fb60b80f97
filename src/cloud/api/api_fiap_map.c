/*
 * api_fiap_map.c - from an IEEE 1888 point ID (a URI) to an akari point
 * key: the rules of a map file, then the default rule.
 *
 * The default rule reads "scheme://host/KEY": whatever the host, the
 * percent-decoded path names the point, so that a gateway configured
 * with "http://akari.example/hall/power" writes point "hall/power".
 */
#include "cloud/api/api_fiap.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cloud/units/units.h"
#include "core/rules.h"

struct rule {
	char *id;		/* the URI, or the prefix before the '*' */
	bool prefix;
	char *target;		/* NULL drops the point */
	char *unit;		/* NULL: the point's own unit */
};

struct api_fiap_map {
	struct rule *rules;
	size_t n;
};

static void rule_clear(struct rule *r)
{
	g_free(r->id);
	g_free(r->target);
	g_free(r->unit);
}

void api_fiap_map_free(struct api_fiap_map *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->n; i++)
		rule_clear(&map->rules[i]);
	g_free(map->rules);
	g_free(map);
}

/* One rule line: POINT-ID -> KEY [UNIT].  0, or -1 with err set. */
static int parse_rule(const char *line, struct rule *r, char *err,
		      size_t errlen)
{
	char **w = g_strsplit_set(line, " \t", -1);
	char *words[5];
	const char *star;
	size_t n = 0, len;
	int rc = -1;

	for (size_t i = 0; w[i] && n < 5; i++)
		if (w[i][0])
			words[n++] = w[i];
	if (n < 3 || n > 4 || strcmp(words[1], "->")) {
		snprintf(err, errlen, "a rule is 'POINT-ID -> KEY [UNIT]'");
		goto out;
	}

	len = strlen(words[0]);
	r->prefix = words[0][len - 1] == '*';
	star = strchr(words[0], '*');
	if (star && star != words[0] + len - 1) {
		snprintf(err, errlen, "'%.64s' has a '*' before its end; only "
			 "a final '*' matches the rest of an ID", words[0]);
		goto out;
	}
	r->id = g_strndup(words[0], r->prefix ? len - 1 : len);

	if (strcmp(words[2], "-")) {
		star = strchr(words[2], '*');
		if (star && (!r->prefix || strchr(star + 1, '*'))) {
			snprintf(err, errlen, "key '%.64s': a '*' in a key "
				 "needs a point ID ending in '*', and a key "
				 "takes one at most", words[2]);
			goto out;
		}
		r->target = g_strdup(words[2]);
	} else if (n == 4) {
		snprintf(err, errlen, "a dropped point ('-') takes no unit");
		goto out;
	}
	if (n == 4) {
		if (!units_quantity(words[3])) {
			snprintf(err, errlen, "unit '%.32s' is not one akari "
				 "converts (such as W, kW, Wh, kWh, degF)",
				 words[3]);
			goto out;
		}
		r->unit = g_strdup(words[3]);
	}
	rc = 0;
out:
	g_strfreev(w);
	return rc;
}

/* Adds the rule of one line of a map file (core/rules.h). */
static int add_rule(char *line, void *ctx, char *why, size_t whylen)
{
	struct api_fiap_map *map = ctx;

	if (parse_rule(line, &map->rules[map->n], why, whylen)) {
		rule_clear(&map->rules[map->n]);
		return -1;
	}
	map->n++;
	return 0;
}

int api_fiap_map_parse(const char *text, const char *name,
		       struct api_fiap_map **out, char *err, size_t errlen)
{
	struct api_fiap_map *map = g_new0(struct api_fiap_map, 1);

	*out = NULL;
	map->rules = g_new0(struct rule, core_rules_max(text));
	if (core_rules_parse(text, name, add_rule, map, err, errlen)) {
		api_fiap_map_free(map);
		return -1;
	}
	*out = map;
	return 0;
}

int api_fiap_map_load(const char *path, struct api_fiap_map **out,
		      char *err, size_t errlen)
{
	char *text;
	int rc;

	*out = NULL;
	if (core_rules_read(path, &text, err, errlen))
		return -1;
	rc = api_fiap_map_parse(text, path, out, err, errlen);
	g_free(text);
	return rc;
}

/* "scheme://host/PATH" -> PATH, percent-decoded, or NULL. */
static char *default_key(const char *id)
{
	const char *p = strstr(id, "://"), *path;

	if (!p || p == id || strspn(id, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789+-.") != (size_t)(p - id))
		return NULL;
	path = strchr(p + 3, '/');
	if (!path || !path[1])
		return NULL;
	return g_uri_unescape_string(path + 1, NULL);
}

int api_fiap_map_key(const struct api_fiap_map *map, const char *id,
		     char *key, size_t keylen, const char **unit, char *err,
		     size_t errlen)
{
	char *k = NULL;
	int rc = 1;

	*unit = NULL;
	for (size_t i = 0; map && i < map->n && !k; i++) {
		const struct rule *r = &map->rules[i];
		size_t n = strlen(r->id);
		const char *star;

		if (r->prefix ? strncmp(id, r->id, n) : strcmp(id, r->id))
			continue;
		if (!r->target)
			return 0;
		star = strchr(r->target, '*');
		k = star ? g_strdup_printf("%.*s%s%s",
					   (int)(star - r->target), r->target,
					   id + n, star + 1)
			 : g_strdup(r->target);
		*unit = r->unit;
	}

	if (!k)
		k = default_key(id);
	if (k && !g_utf8_validate(k, -1, NULL)) {
		/* %FF and the like: no key is such bytes, and jansson and
		 * SQLite's text want UTF-8. */
		snprintf(err, errlen, "point ID \"%.200s\" decodes to a key "
			 "that is not UTF-8", id);
		rc = -1;
	} else if (!k || !k[0]) {
		snprintf(err, errlen, "point ID \"%.200s\" names no akari "
			 "point: no map rule matches it and it is not "
			 "scheme://host/KEY", id);
		rc = -1;
	} else if (strlen(k) >= keylen) {
		snprintf(err, errlen, "point ID \"%.200s\" maps to a key of "
			 "%zu bytes; keys have at most %zu", id, strlen(k),
			 keylen - 1);
		rc = -1;
	} else {
		memcpy(key, k, strlen(k) + 1);
	}
	g_free(k);
	return rc;
}
