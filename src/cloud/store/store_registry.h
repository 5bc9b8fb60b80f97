/*
 * store_registry.h - credentials and the registry's life cycle: admin
 * tokens, device tokens that can be rotated and revoked, request-signing
 * secrets, per-device limits, retiring sites, devices and points, and
 * the time each device was last seen.
 *
 * Errors and threads as in store.h: STORE_OK or a negative enum
 * store_rc, with store_errmsg() saying why.  A write that fails changes
 * nothing.
 *
 * Secrets: tokens are 32 random bytes from mbedTLS's CTR_DRBG, seeded
 * from the system's entropy source, written as 43 characters of
 * base64url.  Only a token's SHA-256 is stored.  A signing secret must
 * be kept as it is (the server computes signatures with it); it is shown
 * once when set and never listed.
 */
#ifndef AKARI_STORE_REGISTRY_H
#define AKARI_STORE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

/* Writes a new random token (STORE_TOKEN_LEN characters and a NUL) to
 * token, which holds len bytes. */
int store_token_new(char *token, size_t len);

/* --- admin tokens ------------------------------------------------------ */

struct store_admin_token {
	int64_t id;
	char name[64];
	int64_t created;	/* Unix seconds */
	int64_t revoked;	/* Unix seconds, 0 while valid */
};

/* Creates the admin token name and writes the token (shown once) to
 * token, at least STORE_TOKEN_LEN + 1 bytes.  STORE_EXISTS when the name
 * is taken, even by a revoked token. */
int store_admin_token_add(struct store *st, const char *name, char *token,
			  size_t len);

/* Revokes the admin token name.  STORE_NOT_FOUND when there is none or
 * it is already revoked. */
int store_admin_token_revoke(struct store *st, const char *name);

/* Calls fn for every admin token, revoked ones too, ordered by name.
 * fn runs unlocked; non-zero stops the walk. */
typedef int (*store_admin_fn)(const struct store_admin_token *t, void *ctx);
int store_admin_tokens_each(struct store *st, store_admin_fn fn, void *ctx);

/* Checks an admin token.  STORE_OK with the token's name in name (len
 * bytes); STORE_NOT_FOUND for an unknown or revoked token, with the
 * message saying which. */
int store_admin_auth(struct store *st, const char *token, char *name,
		     size_t len);

/* --- the registry's life cycle ---------------------------------------- */

/*
 * Retired items keep their rows and history; a retired site takes no new
 * devices or points, a retired device's token stops working, a retired
 * point takes no new readings.  Retiring is for good: there is no way
 * back but a new item.  Retiring what is retired is STORE_CONFLICT.
 */

struct store_site_info {
	struct store_site site;
	char parent[64];	/* the parent's name, "" for none */
	int64_t created;	/* Unix seconds */
	int64_t retired;	/* Unix seconds, 0 while in service */
};

/* What store_site_change() sets; a NULL field is left as it is.  parent
 * "" removes the parent. */
struct store_site_change {
	const char *name, *kind, *tz, *parent;
};

int store_site_info_get(struct store *st, const char *name,
			struct store_site_info *out);

/* Calls fn for each site by name; retired ones only when with_retired.
 * fn runs unlocked; non-zero stops the walk. */
typedef int (*store_site_info_fn)(const struct store_site_info *s,
				  void *ctx);
int store_sites_list(struct store *st, bool with_retired,
		     store_site_info_fn fn, void *ctx);

/* STORE_INVALID for a bad value, STORE_EXISTS for a taken name,
 * STORE_NOT_FOUND for an unknown site or parent, STORE_CONFLICT for a
 * retired site or parent, or a parent that would make a loop. */
int store_site_change(struct store *st, const char *name,
		      const struct store_site_change *c);

/* STORE_CONFLICT while the site has devices, points or child sites in
 * service: they are retired first. */
int store_site_retire(struct store *st, const char *name);

struct store_device {
	int64_t id;
	int64_t site_id;
	char site[64];
	char name[64];
	char kind[32];
	int64_t created;
	int64_t retired;	/* 0 while in service */
	int64_t token_revoked;	/* 0 while the token works */
	int64_t last_seen;	/* as last flushed; 0 never */
	bool signing;		/* requests must be signed */
	char secret[STORE_TOKEN_LEN + 1];	/* only from the auth call */
	double rate_per_s;	/* requests per second; 0: server default */
	int64_t burst;		/* bucket size; 0: server default */
	int64_t max_body;	/* bytes; 0: server default */
};

/* What store_device_change() sets; NULL leaves a field as it is.  A
 * limit of 0 goes back to the server's default. */
struct store_device_change {
	const char *name, *kind;
	const double *rate_per_s;
	const int64_t *burst, *max_body;
};

int store_device_get(struct store *st, const char *site, const char *name,
		     struct store_device *out);

/* Devices of site (all sites when NULL) by site and name.  STORE_NOT_FOUND
 * for an unknown site. */
typedef int (*store_device_fn)(const struct store_device *d, void *ctx);
int store_devices_list(struct store *st, const char *site,
		       bool with_retired, store_device_fn fn, void *ctx);

int store_device_change(struct store *st, const char *site,
			const char *name, const struct store_device_change *c);
int store_device_retire(struct store *st, const char *site,
			const char *name);

/* A new token for the device (shown once, STORE_TOKEN_LEN + 1 bytes in
 * token); the old one stops working at the commit.  Also ends a
 * revocation.  STORE_CONFLICT for a retired device. */
int store_device_token_rotate(struct store *st, const char *site,
			      const char *name, char *token, size_t len);

/* The device's token stops working.  STORE_CONFLICT when it already has. */
int store_device_token_revoke(struct store *st, const char *site,
			      const char *name);

/* Turns request signing on with a new secret (shown once, in secret of
 * STORE_TOKEN_LEN + 1 bytes), or replaces the secret. */
int store_device_secret_new(struct store *st, const char *site,
			    const char *name, char *secret, size_t len);

/* Turns request signing off.  STORE_CONFLICT when it is off. */
int store_device_secret_clear(struct store *st, const char *site,
			      const char *name);

/*
 * The device whose token this is, with its secret.  STORE_NOT_FOUND for
 * an unknown token, STORE_CONFLICT for a revoked token or a retired
 * device, the message saying which.
 */
int store_device_auth_full(struct store *st, const char *token,
			   struct store_device *out);

/* Records when devices were last seen, n of them in one transaction:
 * ids[i] at seen[i] (a time older than the stored one is ignored).
 * Does not wait for another program's lock on the file: fails at once
 * with STORE_BUSY (or another error) and writes nothing; retry later. */
int store_devices_touch(struct store *st, const int64_t *ids,
			const int64_t *seen, size_t n);

struct store_point_info {
	struct store_point point;
	int64_t retired;	/* 0 while in service */
};

/* What store_point_change() sets: NULL leaves a field as it is.
 * check, when not NULL, is called inside the change's transaction with
 * the point as it is then, before anything is written, so that what it
 * judges cannot change under it: non-zero refuses the change with
 * STORE_INVALID and msg (len bytes, NUL-terminated) as its message.  It
 * must not call the store. */
struct store_point_change {
	const char *quantity, *unit;
	const enum store_point_kind *kind;
	const int *step_s;
	int (*check)(const struct store_point *now,
		     const struct store_point_change *c, void *ctx, char *msg,
		     size_t len);
	void *ctx;
};

int store_point_info_get(struct store *st, const char *key,
			 struct store_point_info *out);

/* Points of site (all when NULL) by key.  STORE_NOT_FOUND for an unknown
 * site. */
typedef int (*store_point_info_fn)(const struct store_point_info *p,
				   void *ctx);
int store_points_list(struct store *st, const char *site,
		      bool with_retired, store_point_info_fn fn, void *ctx);

/* Changes point key as c says, in one transaction.  A quantity or unit
 * other than the point's is refused with STORE_CONFLICT while the point
 * has a history (readings stored or held in quarantine, or rollups of
 * readings since pruned): they were written in the old unit and would be
 * read in the new one.  The message names the point, how many readings
 * it has and their span, both units, and says to register a new point.
 * A change of kind or step rebuilds the point's rollups. */
int store_point_change(struct store *st, const char *key,
		       const struct store_point_change *c);
int store_point_retire(struct store *st, const char *key);

/* Whether the point is retired (*retired 0 when not). */
int store_point_retired(struct store *st, int64_t point_id,
			int64_t *retired);

#endif
