/*
 * fetch_cache.c - the last good bundle on disk, so that a kiosk which
 * starts or runs while its server is away still has something to show.
 */
#include "fetch/fetch.h"
#include "fetch/fetch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_FILE "slide-data.json"
#define CACHE_FORMAT "akari-slide-data"
#define CACHE_VERSION 1

int fetch_cache_default_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	int n;

	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/akari", xdg);
	else
		n = snprintf(buf, len, "var/kiosk-cache");
	return n < 0 || (size_t)n >= len ? FETCH_INVALID : FETCH_OK;
}

/* mkdir -p: creates each missing component of dir in turn. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path) {
		fetch_set_err(err, errlen,
			      "cache directory name too long or empty");
		return FETCH_INVALID;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; ; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			fetch_set_err(err, errlen, "cannot create %s: %s", path,
				strerror(errno));
			return FETCH_IO;
		}
		if (end)
			break;
		*p = '/';
	}
	return FETCH_OK;
}

static json_t *bundle_to_json(const struct fetch_bundle *b)
{
	json_t *sites = json_object();
	json_t *doc;

	for (int i = 0; i < FETCH_ROLE_COUNT; i++)
		json_object_set(sites, fetch_role_name(i),
				b->site[i] ? b->site[i] : json_null());
	doc = json_pack("{s:s, s:i, s:I, s:I, s:o, s:O}", "format",
			CACHE_FORMAT, "version", CACHE_VERSION, "at",
			(json_int_t)b->at, "fetched_at",
			(json_int_t)b->fetched_at, "sites", sites, "signage",
			b->signage ? b->signage : json_null());
	return doc;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A rename is durable only once the directory entry is on disk too. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int fetch_cache_save(const char *dir, const struct fetch_bundle *b,
		     char *err, size_t errlen)
{
	char tmp[4200], path[4200];
	json_t *doc = NULL;
	char *text = NULL;
	int fd = -1;
	int rc;

	if (!dir || !b || b->fetched_at <= 0) {
		fetch_set_err(err, errlen, "nothing to cache");
		return FETCH_INVALID;
	}
	rc = make_dirs(dir, err, errlen);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/%s", dir, CACHE_FILE);
	snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, CACHE_FILE);

	doc = bundle_to_json(b);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (!text) {
		fetch_set_err(err, errlen, "out of memory");
		rc = FETCH_INVALID;
		goto out;
	}

	fd = mkstemp(tmp);
	if (fd < 0) {
		fetch_set_err(err, errlen, "cannot create a file in %s: %s",
			      dir, strerror(errno));
		tmp[0] = '\0';
		rc = FETCH_IO;
		goto out;
	}
	if (write_all(fd, text, strlen(text)) || write_all(fd, "\n", 1) ||
	    fsync(fd)) {
		fetch_set_err(err, errlen, "cannot write %s: %s", tmp,
			strerror(errno));
		rc = FETCH_IO;
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		fetch_set_err(err, errlen, "cannot write %s: %s", tmp,
			strerror(errno));
		rc = FETCH_IO;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		fetch_set_err(err, errlen, "cannot rename %s to %s: %s", tmp,
			      path, strerror(errno));
		rc = FETCH_IO;
		goto out;
	}
	tmp[0] = '\0';
	if (sync_dir(dir)) {
		fetch_set_err(err, errlen, "cannot sync %s: %s", dir,
			strerror(errno));
		rc = FETCH_IO;
		goto out;
	}
	rc = FETCH_OK;

out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	free(text);
	json_decref(doc);
	return rc;
}

/* Checks the cache document and moves its parts into out. */
static int bundle_from_json(json_t *doc, struct fetch_bundle *out,
			    char *err, size_t errlen)
{
	const char *format = json_string_value(json_object_get(doc, "format"));
	json_t *version = json_object_get(doc, "version");
	json_t *at = json_object_get(doc, "at");
	json_t *fetched = json_object_get(doc, "fetched_at");
	json_t *sites = json_object_get(doc, "sites");
	json_t *signage = json_object_get(doc, "signage");

	if (!json_is_object(doc) || !format || strcmp(format, CACHE_FORMAT)) {
		fetch_set_err(err, errlen, "not an akari slide data file");
		return FETCH_CORRUPT;
	}
	if (json_integer_value(version) != CACHE_VERSION) {
		fetch_set_err(err, errlen, "unknown cache version");
		return FETCH_CORRUPT;
	}
	if (!json_is_integer(at) || !json_is_integer(fetched) ||
	    json_integer_value(fetched) <= 0 || !json_is_object(sites)) {
		fetch_set_err(err, errlen, "missing at, fetched_at or sites");
		return FETCH_CORRUPT;
	}
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		json_t *s = json_object_get(sites, fetch_role_name(i));

		if (!s || (!json_is_null(s) && !fetch_summary_valid(s, NULL))) {
			fetch_set_err(err, errlen, "site '%s' is not a summary",
				fetch_role_name(i));
			return FETCH_CORRUPT;
		}
	}

	if (signage && !json_is_null(signage) && !json_is_object(signage)) {
		fetch_set_err(err, errlen, "signage is not an object");
		return FETCH_CORRUPT;
	}

	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		json_t *s = json_object_get(sites, fetch_role_name(i));

		out->site[i] = json_is_null(s) ? NULL : json_incref(s);
		/* A cache from before the kiosk converted power. */
		if (out->site[i])
			fetch_summary_units(out->site[i]);
	}
	out->signage = json_is_object(signage) ? json_incref(signage) : NULL;
	out->at = json_integer_value(at);
	out->fetched_at = json_integer_value(fetched);
	out->asked = FETCH_WANT_ALL;
	return FETCH_OK;
}

int fetch_cache_load(const char *dir, struct fetch_bundle *out, char *err,
		     size_t errlen)
{
	char path[4200];
	json_error_t jerr;
	struct stat st;
	json_t *doc;
	int rc;

	fetch_bundle_finish(out);
	if (!dir) {
		fetch_set_err(err, errlen, "no cache directory");
		return FETCH_INVALID;
	}
	snprintf(path, sizeof path, "%s/%s", dir, CACHE_FILE);
	if (stat(path, &st) != 0) {
		fetch_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? FETCH_NO_CACHE : FETCH_CORRUPT;
	}
	if (!S_ISREG(st.st_mode)) {
		fetch_set_err(err, errlen, "%s: not a regular file", path);
		return FETCH_CORRUPT;
	}

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		fetch_set_err(err, errlen, "%s: line %d column %d: %s", path,
			jerr.line, jerr.column, jerr.text);
		return FETCH_CORRUPT;
	}
	rc = bundle_from_json(doc, out, err, errlen);
	if (rc) {
		char why[200];

		snprintf(why, sizeof why, "%s", err ? err : "");
		fetch_set_err(err, errlen, "%s: %s", path, why);
	}
	json_decref(doc);
	return rc;
}
