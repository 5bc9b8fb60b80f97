/*
 * api_auth.c - admin and device credentials of the HTTP API.
 */
#include "cloud/api/api_auth.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <glib.h>

#include "core/log.h"

#define MOD "api"

/* Last-seen times wait in memory at most this long before a write. */
#define FLUSH_S 5

/* Nonces: what a client may send, and how often old ones are swept. */
#define NONCE_MIN 16
#define NONCE_MAX 64
#define SWEEP_S 10

/* One device's token bucket. */
struct bucket {
	double tokens;
	double at;	/* monotonic seconds of the last refill */
};

struct api_auth {
	struct store *st;
	struct api_auth_config cfg;
	int64_t started;	/* Unix seconds; nonces before it are unknown;
				 * lowered if the clock goes back past it */
	pthread_mutex_t lock;	/* everything below */
	GHashTable *buckets;	/* device id -> struct bucket */
	GHashTable *seen;	/* device id -> last seen, Unix seconds */
	GHashTable *dirty;	/* device ids seen since the last flush */
	int64_t flushed;	/* when seen was last written */
	bool flushing;		/* a batch of seen is being written */
	GHashTable *nonces;	/* "id:nonce" -> expiry, Unix seconds */
	int64_t swept;
};

const char *api_auth_bearer(const char *header, char *buf, size_t len)
{
	size_t n;

	if (!header || strncasecmp(header, "Bearer", 6) ||
	    (header[6] != ' ' && header[6] != '\t'))
		return NULL;
	header += 7;
	header += strspn(header, " \t");
	n = strlen(header);
	while (n && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	snprintf(buf, len, "%.*s", (int)n, header);
	return buf;
}

int api_auth_admin(struct store *st, struct MHD_Connection *conn,
		   const char **code, char *msg, size_t len)
{
	const char *h = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char buf[256], name[64];
	const char *token = api_auth_bearer(h, buf, sizeof buf);
	int rc;

	if (!token) {
		*code = "missing_admin_token";
		snprintf(msg, len, "this endpoint needs an admin token: send "
			 "'Authorization: Bearer TOKEN' (akari admin token "
			 "add prints one)");
		return 401;
	}
	rc = store_admin_auth(st, token, name, sizeof name);
	if (rc == STORE_NOT_FOUND) {
		*code = "bad_admin_token";
		snprintf(msg, len, "%s", store_errmsg(st));
		return 401;
	}
	if (rc) {
		*code = "storage";
		snprintf(msg, len, "checking the admin token: %s",
			 store_errmsg(st));
		return 500;
	}
	return 0;
}

/* --- devices ------------------------------------------------------------- */

static gint64 *id_key(int64_t id)
{
	gint64 *k = g_new(gint64, 1);

	*k = id;
	return k;
}

struct api_auth *api_auth_create(struct store *st,
				 const struct api_auth_config *cfg)
{
	struct api_auth *a = g_new0(struct api_auth, 1);

	a->st = st;
	a->cfg = *cfg;
	a->started = time(NULL);
	if (!a->cfg.skew_s)
		a->cfg.skew_s = API_AUTH_DEFAULT_SKEW_S;
	if (!a->cfg.offline_after_s)
		a->cfg.offline_after_s = API_AUTH_DEFAULT_OFFLINE_S;
	pthread_mutex_init(&a->lock, NULL);
	a->buckets = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					   g_free, g_free);
	a->seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					g_free);
	a->dirty = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					 NULL);
	a->nonces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  g_free);
	a->flushed = time(NULL);
	a->swept = a->flushed;
	return a;
}

/* Last-seen times taken out of dirty, to be written with no lock held. */
struct seen_batch {
	int64_t *ids, *at;
	guint n;
};

/*
 * Moves the dirty last-seen times into b, called with the lock held.
 * Only one batch is out at a time, so a slow write never has a second
 * one piling up behind it.
 */
static void take_seen(struct api_auth *a, int64_t now, struct seen_batch *b)
{
	GHashTableIter it;
	gpointer k;
	guint i = 0;

	memset(b, 0, sizeof *b);
	if (a->flushing)
		return;
	a->flushed = now;
	b->n = g_hash_table_size(a->dirty);
	if (!b->n)
		return;
	a->flushing = true;
	b->ids = g_new(int64_t, b->n);
	b->at = g_new(int64_t, b->n);
	g_hash_table_iter_init(&it, a->dirty);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		b->ids[i] = *(gint64 *)k;
		b->at[i] = *(gint64 *)g_hash_table_lookup(a->seen, k);
		i++;
	}
	g_hash_table_remove_all(a->dirty);
}

/*
 * Writes b in one transaction, called without the lock: the write does
 * not wait for another program's lock on the file, and when it fails
 * the ids go back into dirty to be retried at the next flush (seen
 * still holds times at least as new as the batch's).
 */
static void write_seen(struct api_auth *a, struct seen_batch *b)
{
	int rc;

	if (!b->n)
		return;
	rc = store_devices_touch(a->st, b->ids, b->at, b->n);
	if (rc)
		log_warn(MOD, "recording when %u devices were last seen: %s; "
			 "retrying in %d s",
			 b->n, store_errmsg(a->st), FLUSH_S);
	pthread_mutex_lock(&a->lock);
	for (guint i = 0; rc && i < b->n; i++)
		g_hash_table_add(a->dirty, id_key(b->ids[i]));
	a->flushing = false;
	pthread_mutex_unlock(&a->lock);
	g_free(b->ids);
	g_free(b->at);
}

void api_auth_destroy(struct api_auth *a)
{
	struct seen_batch b;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	take_seen(a, time(NULL), &b);
	pthread_mutex_unlock(&a->lock);
	write_seen(a, &b);
	g_hash_table_destroy(a->buckets);
	g_hash_table_destroy(a->seen);
	g_hash_table_destroy(a->dirty);
	g_hash_table_destroy(a->nonces);
	pthread_mutex_destroy(&a->lock);
	g_free(a);
}

/*
 * Marks id seen now, called with the lock held.  Every FLUSH_S seconds
 * the times are moved into b for the caller to write once it has let
 * go of the lock.
 */
static void mark_seen(struct api_auth *a, int64_t id, struct seen_batch *b)
{
	int64_t now = time(NULL);
	gint64 *v = g_new(gint64, 1);

	*v = now;
	g_hash_table_replace(a->seen, id_key(id), v);
	g_hash_table_add(a->dirty, id_key(id));
	memset(b, 0, sizeof *b);
	if (now - a->flushed >= FLUSH_S)
		take_seen(a, now, b);
}

/*
 * Takes a request from dev's bucket.  Returns 0, or the seconds until
 * the bucket holds one again.
 */
static unsigned take_token(struct api_auth *a, const struct store_device *d)
{
	double rate = d->rate_per_s > 0 ? d->rate_per_s : a->cfg.rate_per_s;
	double burst = d->burst > 0 ? (double)d->burst : a->cfg.burst;
	double now = (double)g_get_monotonic_time() / 1e6, wait;
	struct bucket *b;
	gint64 key = d->id;

	if (rate <= 0)
		return 0;
	if (burst < 1)
		burst = rate > 1 ? floor(rate) : 1;
	b = g_hash_table_lookup(a->buckets, &key);
	if (!b) {
		b = g_new(struct bucket, 1);
		b->tokens = burst;
		b->at = now;
		g_hash_table_insert(a->buckets, id_key(d->id), b);
	}
	b->tokens = fmin(burst, b->tokens + (now - b->at) * rate);
	b->at = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}

	/* A tiny rate waits longer than an unsigned holds; converting such
	 * a double is undefined and came out as 0, "no wait". */
	wait = ceil((1 - b->tokens) / rate);
	return wait < UINT_MAX ? (unsigned)wait : UINT_MAX;
}

size_t api_auth_body_limit(const struct api_auth *a,
			   const struct store_device *dev)
{
	if (dev->max_body > 0 && (uint64_t)dev->max_body < a->cfg.max_body)
		return (size_t)dev->max_body;
	return a->cfg.max_body;
}

static int refuse(struct api_auth_refusal *r, int status, const char *code,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct api_auth_refusal *r, int status, const char *code,
		  const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
	return -1;
}

int api_auth_device(struct api_auth *a, const char *token,
		    const char *content_length, struct store_device *dev,
		    struct api_auth_refusal *r)
{
	struct seen_batch seen;
	unsigned long long n;
	unsigned wait;
	size_t limit;
	char *end;
	int rc;

	memset(r, 0, sizeof *r);
	if (!token)
		return refuse(r, 401, "missing_token",
			      "send the device token as 'Authorization: "
			      "Bearer TOKEN' (akari device add prints it)");
	rc = store_device_auth_full(a->st, token, dev);
	if (rc == STORE_NOT_FOUND || rc == STORE_CONFLICT)
		return refuse(r, 401, "bad_token", "%s", store_errmsg(a->st));
	if (rc)
		return refuse(r, 500, "storage", "checking the token: %s",
			      store_errmsg(a->st));

	pthread_mutex_lock(&a->lock);
	mark_seen(a, dev->id, &seen);
	wait = take_token(a, dev);
	pthread_mutex_unlock(&a->lock);
	write_seen(a, &seen);
	if (wait) {
		r->retry_after = wait;
		return refuse(r, 429, "rate_limited",
			      "device '%s' on site '%s' sent more than its "
			      "limit of requests; try again in %u s",
			      dev->name, dev->site, wait);
	}

	limit = api_auth_body_limit(a, dev);
	if (content_length) {
		errno = 0;
		n = strtoull(content_length, &end, 10);
		if (!(errno || *end || n > limit))
			return 0;
		/* the device's own limit named only where it is the one */
		if (limit != a->cfg.max_body)
			return refuse(r, 413, "body_too_large",
				      "the body is %.32s bytes; device '%s' "
				      "may send at most %zu",
				      content_length, dev->name, limit);
		return refuse(r, 413, "body_too_large",
			      "the body is %.32s bytes; this server accepts "
			      "at most %zu", content_length, limit);
	}
	return 0;
}

int64_t api_auth_last_seen(struct api_auth *a, int64_t device_id,
			   int64_t stored)
{
	gint64 key = device_id, *v;
	int64_t seen = stored;

	pthread_mutex_lock(&a->lock);
	v = g_hash_table_lookup(a->seen, &key);
	if (v && *v > seen)
		seen = *v;
	pthread_mutex_unlock(&a->lock);
	return seen;
}

bool api_auth_online(const struct api_auth *a, int64_t last_seen,
		     int64_t now)
{
	return last_seen > 0 && now - last_seen < a->cfg.offline_after_s;
}

/* --- signatures ---------------------------------------------------------- */

struct query_walk {
	GPtrArray *pairs;	/* "name=value", owned */
};

static enum MHD_Result add_pair(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct query_walk *w = cls;

	g_ptr_array_add(w->pairs,
			g_strdup_printf("%s=%s", key, value ? value : ""));
	return MHD_YES;
}

static gint by_string(gconstpointer x, gconstpointer y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The path as signed: the decoded path, then the query parameters, if
 * any, decoded, as name=value sorted bytewise, joined by '&'. */
static char *signed_path(struct MHD_Connection *conn, const char *path)
{
	struct query_walk w = {g_ptr_array_new_with_free_func(g_free)};
	GString *s = g_string_new(path);

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_pair, &w);
	g_ptr_array_sort(w.pairs, by_string);
	for (guint i = 0; i < w.pairs->len; i++) {
		g_string_append_c(s, i ? '&' : '?');
		g_string_append(s, g_ptr_array_index(w.pairs, i));
	}
	g_ptr_array_free(w.pairs, TRUE);
	return g_string_free(s, FALSE);
}

/* Compares two strings without a time that depends on where they
 * differ. */
static bool same_secret(const char *x, const char *y)
{
	size_t n = strlen(x), m = strlen(y);
	unsigned char d = n != m;

	for (size_t i = 0; i < n && i < m; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

static bool nonce_ok(const char *nonce)
{
	size_t n = strlen(nonce);

	if (n < NONCE_MIN || n > NONCE_MAX)
		return false;
	for (const char *c = nonce; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_')
			return false;
	return true;
}

/* Records the nonce, or says it was used.  Called with the lock held. */
static bool nonce_fresh(struct api_auth *a, int64_t device_id,
			const char *nonce, int64_t now)
{
	char *key = g_strdup_printf("%lld:%s", (long long)device_id, nonce);
	GHashTableIter it;
	gpointer v;
	gint64 *until;

	if (now - a->swept >= SWEEP_S) {
		g_hash_table_iter_init(&it, a->nonces);
		while (g_hash_table_iter_next(&it, NULL, &v))
			if (*(gint64 *)v < now)
				g_hash_table_iter_remove(&it);
		a->swept = now;
	}
	if (g_hash_table_contains(a->nonces, key)) {
		g_free(key);
		return false;
	}

	/* A timestamp more than skew_s old is refused as stale, so a nonce
	 * need be kept only until its own window has passed for sure. */
	until = g_new(gint64, 1);
	*until = now + 2 * (int64_t)a->cfg.skew_s;
	g_hash_table_insert(a->nonces, key, until);
	return true;
}

/*
 * The start time that signed requests must be after, as of now.  A
 * clock stepped back past the start (started ahead, then corrected)
 * would otherwise refuse every signed request until it caught up again:
 * the start is lowered to now, once, with a warning.  Requests signed
 * between now and the old start could then be replays of the previous
 * process's, which the skew window bounds as it does at any start.
 */
static int64_t started_before(struct api_auth *a, int64_t now)
{
	int64_t started;

	pthread_mutex_lock(&a->lock);
	if (now < a->started) {
		log_warn(MOD, "the clock went back %lld s past this server's "
			 "start; signed requests are taken from now on",
			 (long long)(a->started - now));
		a->started = now;
	}
	started = a->started;
	pthread_mutex_unlock(&a->lock);
	return started;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

int api_auth_verify(struct api_auth *a, const struct store_device *dev,
		    struct MHD_Connection *conn, const char *method,
		    const char *path, const void *body, size_t len,
		    struct api_auth_refusal *r)
{
	const char *sts = header(conn, API_AUTH_TS_HEADER);
	const char *nonce = header(conn, API_AUTH_NONCE_HEADER);
	const char *sig = header(conn, API_AUTH_SIG_HEADER);
	int64_t now = time(NULL), ts, started;
	char *body_hash, *canon, *text, *want;
	long long v;
	char *end;
	bool fresh;

	memset(r, 0, sizeof *r);
	if (!dev->signing)
		return 0;
	if (!sts || !nonce || !sig)
		return refuse(r, 401, "unsigned",
			      "device '%s' signs its requests: send %s, %s "
			      "and %s (docs/registry.md)",
			      dev->name, API_AUTH_TS_HEADER,
			      API_AUTH_NONCE_HEADER, API_AUTH_SIG_HEADER);
	errno = 0;
	v = strtoll(sts, &end, 10);
	if (errno || end == sts || *end)
		return refuse(r, 401, "bad_signature",
			      "%s \"%.32s\" is not Unix seconds",
			      API_AUTH_TS_HEADER, sts);
	ts = v;
	if (ts < now - (int64_t)a->cfg.skew_s ||
	    ts > now + (int64_t)a->cfg.skew_s)
		return refuse(r, 401, "stale_signature",
			      "%s %lld is %lld s from this server's clock; "
			      "at most %u s is accepted",
			      API_AUTH_TS_HEADER, (long long)ts,
			      (long long)(ts > now ? ts - now : now - ts),
			      a->cfg.skew_s);

	/* The nonces seen before this process started are gone, so a
	 * request signed then could be replayed: it is refused as stale.
	 * The start's own second counts, since the previous process may
	 * still have answered in it. */
	started = started_before(a, now);
	if (ts <= started)
		return refuse(r, 401, "stale_signature",
			      "%s %lld is not after this server's start "
			      "(%lld): sign the request again",
			      API_AUTH_TS_HEADER, (long long)ts,
			      (long long)started);
	if (!nonce_ok(nonce))
		return refuse(r, 401, "bad_signature",
			      "%s must be %d to %d characters of A-Z, a-z, "
			      "0-9, '-' and '_'",
			      API_AUTH_NONCE_HEADER, NONCE_MIN, NONCE_MAX);

	body_hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
						body ? body : (const void *)"",
						len);
	canon = signed_path(conn, path);
	text = g_strdup_printf("%s\n%s\n%s\n%s\n%s", method, canon, sts,
			       nonce, body_hash);
	want = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
					 (const guchar *)dev->secret,
					 strlen(dev->secret), text, -1);
	g_free(body_hash);
	g_free(text);
	if (!same_secret(want, sig)) {
		g_free(want);
		refuse(r, 401, "bad_signature",
		       "the signature does not match the request "
		       "(signed text: method, \"%.100s\", timestamp, nonce, "
		       "body SHA-256)",
		       canon);
		g_free(canon);
		return -1;
	}
	g_free(want);
	g_free(canon);

	pthread_mutex_lock(&a->lock);
	fresh = nonce_fresh(a, dev->id, nonce, now);
	pthread_mutex_unlock(&a->lock);
	if (!fresh)
		return refuse(r, 401, "replayed_nonce",
			      "%s \"%s\" was already used by device '%s'",
			      API_AUTH_NONCE_HEADER, nonce, dev->name);
	return 0;
}
