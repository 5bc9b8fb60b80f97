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

#endif
