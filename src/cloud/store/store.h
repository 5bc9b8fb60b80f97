/*
 * store.h - akari's storage: the registry (sites, devices, points) and
 * readings, in one SQLite file.
 *
 * The file is opened in WAL mode with synchronous=FULL, so a function
 * that returned STORE_OK for a write has its data on disk.  Schema
 * changes are numbered migrations tracked in PRAGMA user_version.
 *
 * Threads: a store handle may be shared.  Writes take the handle's
 * write lock for their whole duration, so a batch is one transaction
 * that no other write interleaves with.  Reads go through a second
 * connection under its own lock: they see the last commit and never
 * wait for a write in progress (nor for another program's lock).
 *
 * Errors: every int-returning function returns STORE_OK (0) or a
 * negative enum store_rc.  store_errmsg() then describes the last failure
 * of the calling thread on that handle.
 */
#ifndef AKARI_STORE_H
#define AKARI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum store_rc {
	STORE_OK = 0,
	STORE_NOT_FOUND = -1,	/* no such site, device, point */
	STORE_EXISTS = -2,	/* unique name or key already taken */
	STORE_INVALID = -3,	/* bad argument (unknown zone, kind, ...) */
	STORE_IO = -4,		/* SQLite or disk failure */
	STORE_CONFLICT = -5,	/* retired, revoked or still in use */
	STORE_BUSY = -6,	/* another program holds the file: try later */
};

enum store_point_kind {
	STORE_INSTANTANEOUS,	/* a sample or interval average (kW, degC) */
	STORE_COUNTER,		/* a cumulative register (kWh meter) */
	STORE_STATE,		/* an on/off or enumerated state */
};

struct store;

struct store_site {
	int64_t id;
	char name[64];
	char kind[32];		/* "grid", "home", "room", "building", ... */
	char tz[64];		/* IANA zone, e.g. "Asia/Tokyo" */
	int64_t parent_id;	/* 0 when the site has no parent */
};

struct store_point {
	int64_t id;
	char key[128];		/* stable string key, e.g. "tepco/demand" */
	int64_t site_id;
	char site[64];		/* the site's name */
	char tz[64];		/* the site's zone, for local buckets */
	char quantity[32];	/* "power", "temperature", "humidity", ... */
	char unit[16];		/* canonical unit: "kW", "degC", "%RH", ... */
	enum store_point_kind kind;
	int step_s;		/* nominal spacing of readings, 0 if none */
	int shift_days;		/* whole days added at import (replays) */
	int counter_digits;	/* a counter wraps at 10^digits; 0: never */
	int64_t retired;	/* Unix seconds; 0 while in service */
};

/* The most digits a counter register may have: 10^15 is still exact in
 * a double. */
#define STORE_COUNTER_DIGITS_MAX 15

struct store_reading {
	int64_t point_id;
	int64_t ts;		/* Unix seconds; start of the interval */
	double value;		/* in the point's unit */
};

/* Opens or creates the database at path and brings its schema up to
 * date.  On success *out owns the handle; close it with store_close().
 * On failure *out is NULL and, when errbuf is not NULL, errbuf says why. */
int store_open(const char *path, struct store **out, char *errbuf,
	       size_t errlen);
void store_close(struct store *st);	/* accepts NULL */

/* The message for the calling thread's last failed call on st. */
const char *store_errmsg(struct store *st);

/* The enum store_rc of that call (STORE_BUSY: a read refused while
 * another program holds the database's write lock), or STORE_OK after
 * store_error_reset() and before any failure since. */
int store_errcode(struct store *st);
void store_error_reset(struct store *st);

/* Schema version the file is at after store_open(). */
int store_schema_version(struct store *st);

/* --- sites ------------------------------------------------------------ */

/* parent may be NULL.  STORE_INVALID for an unknown zone. */
int store_site_add(struct store *st, const char *name, const char *kind,
		   const char *tz, const char *parent);
int store_site_get(struct store *st, const char *name,
		   struct store_site *out);

/* Calls fn for every site, ordered by name, outside the lock (fn may
 * call the store).  fn returning non-zero stops the walk. */
typedef int (*store_site_fn)(const struct store_site *s, void *ctx);
int store_sites_each(struct store *st, store_site_fn fn, void *ctx);

/* --- devices ---------------------------------------------------------- */

/* Creates a device on a site and a new random token for it.  The token
 * is written to token (at least STORE_TOKEN_LEN + 1 bytes) and only its
 * SHA-256 is stored: the caller shows it once. */
#define STORE_TOKEN_LEN 43
int store_device_add(struct store *st, const char *site, const char *name,
		     const char *kind, char *token, size_t tokenlen);

/* Finds the device that holds token.  STORE_NOT_FOUND when none does.
 * site_id receives the device's site. */
int store_device_auth(struct store *st, const char *token,
		      int64_t *device_id, int64_t *site_id);

/* --- points ----------------------------------------------------------- */

int store_point_add(struct store *st, const struct store_point *p);

/* Sets the import shift recorded on a point (see akari import). */
int store_point_set_shift(struct store *st, int64_t point_id,
			  int shift_days);

int store_point_get(struct store *st, const char *key,
		    struct store_point *out);

/* Calls fn for every point, ordered by key, or only for the points of
 * site when site is not NULL.  fn returning non-zero stops the walk.
 * fn runs unlocked and may call into the store. */
typedef int (*store_point_fn)(const struct store_point *p, void *ctx);
int store_points_each(struct store *st, const char *site, store_point_fn fn,
		      void *ctx);

/* --- readings --------------------------------------------------------- */

/* Stores n readings in one transaction: all or none.  A reading at an
 * existing (point, ts) replaces the stored value (last write wins). */
int store_readings_put(struct store *st, const struct store_reading *rows,
		       size_t n);

/*
 * The same for a batch whose request took a mark when it started, with
 * store_readings_expect(): merges then apply batches in the order of
 * their marks, not the order their puts ended (store_log.h says why).
 * Every mark taken must be given back with store_readings_release()
 * once the request is over, whatever came of it.  mark 0 is no mark:
 * store_readings_put().
 */
uint64_t store_readings_expect(struct store *st);
int store_readings_put_marked(struct store *st, uint64_t mark,
			      const struct store_reading *rows, size_t n);
void store_readings_release(struct store *st, uint64_t mark);

/* Calls fn for each reading of point with from <= ts < to, in ts order.
 * fn returning non-zero stops the walk.  fn runs with the handle locked,
 * so it must not call into the store itself. */
typedef int (*store_reading_fn)(int64_t ts, double value, void *ctx);
int store_readings_each(struct store *st, int64_t point_id, int64_t from,
			int64_t to, store_reading_fn fn, void *ctx);

/* The newest reading of point with ts < before.  STORE_NOT_FOUND when
 * there is none. */
int store_reading_latest(struct store *st, int64_t point_id, int64_t before,
			 int64_t *ts, double *value);

/* Total readings stored (all points); for tests and status pages. */
int store_readings_count(struct store *st, int64_t *count);

/* Batches put through st that it still counts as waiting for a merge,
 * whoever merges them; for tests and status pages. */
size_t store_readings_waiting(struct store *st);

const char *store_kind_name(enum store_point_kind kind);
int store_kind_parse(const char *s, enum store_point_kind *out);

#endif
