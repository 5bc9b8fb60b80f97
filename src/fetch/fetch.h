/*
 * fetch.h - the kiosk's fetcher: pulls the slide data from an akari
 * server with libcurl, keeps the last good copy on disk, and paces its
 * retries while the server is away.
 *
 * The slide data is one bundle of three site summaries, each the answer
 * of GET /api/v1/sites/{name}/summary?at=TIME (see analytics.h), for the
 * grid, home and air roles, and the answer of GET /api/v1/signage?at=TIME
 * (analytics_signage.h) for the slides past the first four.  Which site
 * plays which role is configured.
 *
 * Errors: every int-returning function returns FETCH_OK (0) or a negative
 * enum fetch_rc, and writes a one-line reason into err when err is not
 * NULL.  Nothing here logs; the caller decides what to print.
 *
 * Threads: a fetch_client is used by one thread at a time; the cache
 * functions are reentrant; a fetch_worker runs its own thread and its
 * functions may be called from one other thread.
 */
#ifndef AKARI_FETCH_H
#define AKARI_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fetch_rc {
	FETCH_OK = 0,
	FETCH_UNREACHABLE = -1,	/* no connection, timeout, cut off */
	FETCH_HTTP = -2,	/* the server answered with an error status */
	FETCH_BAD_ANSWER = -3,	/* the answer is not a site summary */
	FETCH_NO_CACHE = -4,	/* no cache file yet */
	FETCH_CORRUPT = -5,	/* cache file unreadable or of wrong shape */
	FETCH_IO = -6,		/* the cache could not be written */
	FETCH_INVALID = -7,	/* bad argument or out of memory */
};

/* The roles of the three sites a bundle holds. */
enum fetch_role {
	FETCH_GRID,		/* the grid operator's area, e.g. "tepco" */
	FETCH_HOME,		/* one household, e.g. "home12" */
	FETCH_AIR,		/* one indoor space, e.g. "room1" */
	FETCH_ROLE_COUNT
};

/* The parts of a bundle, as bits of a mask: a kiosk asks only for those
 * its slides can show (fetch_worker_want()). */
#define FETCH_WANT(role) (1u << (role))
#define FETCH_WANT_SIGNAGE (1u << FETCH_ROLE_COUNT)
#define FETCH_WANT_ALL ((1u << (FETCH_ROLE_COUNT + 1)) - 1)

/* "grid", "home", "air": the role's name in the cache file and in logs. */
const char *fetch_role_name(enum fetch_role role);
const char *fetch_rc_name(int rc);

#define FETCH_DEFAULT_CONNECT_MS 3000
#define FETCH_DEFAULT_TOTAL_MS 10000
/* A kiosk fetches every few seconds; writing and fsync'ing the cache
 * each time would wear a signage box's SD card for a copy that is only
 * read at start.  The worker saves at most once a minute. */
#define FETCH_DEFAULT_CACHE_EVERY 60.0

struct fetch_config {
	const char *server;	/* base URL, e.g. "http://127.0.0.1:8080" */
	const char *site[FETCH_ROLE_COUNT];	/* NULL: the default name */
	/* The sites of GET /api/v1/signage's sections; NULL: the server's
	 * choice (the first of its kind). */
	const char *solar_site, *ev_site, *weather_site;
	long connect_ms;	/* 0: FETCH_DEFAULT_CONNECT_MS */
	long total_ms;		/* 0: FETCH_DEFAULT_TOTAL_MS */
	double cache_every;	/* worker: seconds between cache saves;
				 * 0: FETCH_DEFAULT_CACHE_EVERY */
	const char *display_id;	/* worker: heartbeats as this display
				 * (fetch_heartbeat.h); NULL: none */
	double heartbeat_every;	/* 0: FETCH_DEFAULT_HEARTBEAT_EVERY */
	const char *display_token;	/* the display's device token */
};

/* The default site name of a role: "tepco", "home12", "room1". */
const char *fetch_default_site(enum fetch_role role);

/* One bundle of slide data.  A bundle that was never filled has
 * fetched_at == 0. */
struct fetch_bundle {
	json_t *site[FETCH_ROLE_COUNT];	/* owned; NULL: no such site */
	json_t *signage;	/* owned; NULL: a server without the route */
	int64_t at;		/* the time the summaries describe */
	int64_t fetched_at;	/* wall clock when they were fetched */
	unsigned asked;		/* FETCH_WANT bits of the parts asked
				 * for: a part not asked is NULL without
				 * being missing on the server (all, from
				 * the cache) */
};

void fetch_bundle_init(struct fetch_bundle *b);
void fetch_bundle_finish(struct fetch_bundle *b);	/* empties b */

/* Frees what dst holds and moves src into it; src is left empty. */
void fetch_bundle_move(struct fetch_bundle *dst, struct fetch_bundle *src);

/* --- the HTTP client --------------------------------------------------- */

struct fetch_client;

/* Copies what it needs from cfg.  Returns NULL when cfg->server is not
 * an http(s) URL or memory ran out.  Free with fetch_client_destroy(). */
struct fetch_client *fetch_client_create(const struct fetch_config *cfg);
void fetch_client_destroy(struct fetch_client *c);	/* accepts NULL */

/* The time slide data is asked for at clock time t: the last second
 * of t's minute.  The slides' clock shows minutes, and a summary asked
 * for at another second of the same minute is a new answer (its "at",
 * its energy so far), parsed anew; asked for at one time a minute, an
 * answer that has not changed is a 304.  The minute's end rather than
 * its start: a summary holds readings before its "at", and meters
 * stamp theirs on the minute, so asked for at hh:mm:00 a reading of
 * hh:mm:00 would wait a minute.  Not the next minute's start, which at
 * 23:59 is another day.  The kiosk and `akari render` both ask so,
 * and so draw the same picture at one clock time. */
int64_t fetch_minute_at(double t);

/* Which parts fetch_client_get() asks for: FETCH_WANT bits, FETCH_WANT_ALL
 * until set; a part not wanted is not requested and is left NULL. */
void fetch_client_want(struct fetch_client *c, unsigned want);

/* Fetches the three summaries and the signage figures (those wanted) as
 * seen at time at (Unix seconds), one request each over one connection.
 * Each request sends back the ETag of its last good answer
 * (If-None-Match); a 304 gives that answer's document again, shared,
 * not parsed anew (the documents of a bundle are read-only: they may be
 * shared with the client's later bundles).  A site the server does not
 * know, or a server without the signage route (404 with a JSON error),
 * is left NULL and is not an error; any other failure fails the whole
 * bundle.  On success out (initialised by the caller, and emptied
 * first) owns the summaries, fetched_at is the wall clock and asked the
 * parts wanted; on failure out is left empty. */
int fetch_client_get(struct fetch_client *c, int64_t at,
		     struct fetch_bundle *out, char *err, size_t errlen);

/* Makes a transfer in progress on another thread give up promptly with
 * FETCH_UNREACHABLE, and every later one too.  Safe from any thread. */
void fetch_client_cancel(struct fetch_client *c);

/* True when summary has the shape of a summary of site (a JSON object
 * with "site" equal to site when site is not NULL, and a "points"
 * array). */
bool fetch_summary_valid(const json_t *summary, const char *site);

/* Puts the figures of a summary's power points in kW and of its
 * temperature points in degC, whatever unit they are registered in (W,
 * MW, 万kW; degF, K), as the slides read them: the latest value,
 * today's min, max, mean and peak, yesterday's mean and the curve, and
 * sets their "unit" to match.  Energy is in kWh already.  Points of
 * other quantities, or in units outside the table, are left alone. */
void fetch_summary_units(json_t *summary);

/* --- the cache --------------------------------------------------------- */

/*
 * The cache is one file, DIR/slide-data.json:
 *   {"format": "akari-slide-data", "version": 1,
 *    "at": 1656306000, "fetched_at": 1700000000,
 *    "sites": {"grid": {summary} | null, "home": ..., "air": ...},
 *    "signage": {GET /api/v1/signage} | null}
 * A file without "signage" (written before it existed) loads with none.
 */

/* Writes the default cache directory into buf: $XDG_CACHE_HOME/akari
 * when XDG_CACHE_HOME is set, else var/kiosk-cache (relative to the
 * working directory).  FETCH_INVALID when buf is too small. */
int fetch_cache_default_dir(char *buf, size_t len);

/* Replaces the cache file atomically: a temporary file in dir is written
 * and fsync'ed, then renamed over the old one, and dir is fsync'ed, so a
 * crash leaves either the old bundle or the new one.  Creates dir (and
 * its parents) when missing.  b is borrowed. */
int fetch_cache_save(const char *dir, const struct fetch_bundle *b,
		     char *err, size_t errlen);

/* Reads the cache into out (initialised by the caller, emptied first).
 * FETCH_NO_CACHE when there is no file, FETCH_CORRUPT when it is not
 * valid JSON of the shape above; out is then left empty. */
int fetch_cache_load(const char *dir, struct fetch_bundle *out, char *err,
		     size_t errlen);

/* --- retry pacing ------------------------------------------------------ */

/*
 * When the next fetch is due, on a monotonic clock in seconds.  After a
 * good fetch the next one is interval later.  After a failure the
 * backoff starts at interval and doubles with each further failure up
 * to retry_max, and the wait is drawn at random between three quarters
 * of the backoff and all of it: displays that lost the server together
 * (a power cut, a restart) do not all ask again in the same second.  A
 * server that is down sees a request from each display every
 * 0.75 retry_max to retry_max seconds, and the first good answer
 * restores the interval.
 */
struct fetch_schedule {
	double interval;
	double retry_max;
	double backoff;		/* the doubling base of the latest failure */
	double delay;		/* the wait after the latest attempt */
	double due;
	int failures;		/* consecutive failed attempts */
	uint64_t rng;		/* xorshift state for the jitter, never 0 */
};

/* The first fetch is due at now. */
void fetch_schedule_init(struct fetch_schedule *s, double interval,
			 double retry_max, double now);
bool fetch_schedule_due(const struct fetch_schedule *s, double now);
void fetch_schedule_done(struct fetch_schedule *s, double now, bool ok);

/* Makes the next fetch due at now, keeping the failure count (for a
 * replayed clock that jumped back). */
void fetch_schedule_hurry(struct fetch_schedule *s, double now);

/* --- the background worker --------------------------------------------- */

/* The outcome of one fetch made by the worker. */
struct fetch_result {
	int rc;			/* FETCH_OK or why the fetch failed */
	char err[256];
	struct fetch_bundle bundle;	/* owned; filled when rc is 0 */
	int cache_rc;		/* FETCH_OK, or why the cache was not saved */
	char cache_err[256];
};

void fetch_result_init(struct fetch_result *r);
void fetch_result_finish(struct fetch_result *r);

struct fetch_worker;

/* Starts a thread that runs one fetch at a time, on request, and saves
 * a good bundle to the cache in cache_dir (no cache when NULL): the
 * first, then one at most every cfg->cache_every seconds, and every one
 * while saving fails (a skipped save reports FETCH_OK).  The
 * thread masks every signal, so SIGINT and SIGTERM reach the caller's
 * threads.  Returns FETCH_OK with *out owning the worker. */
int fetch_worker_create(const struct fetch_config *cfg, const char *cache_dir,
			struct fetch_worker **out, char *err, size_t errlen);

/* Cancels a fetch in progress, joins the thread, frees a result nobody
 * took.  Accepts NULL. */
void fetch_worker_destroy(struct fetch_worker *w);

/* Asks for the bundle at time at.  Returns false, and does nothing, when
 * a fetch is still running or its result has not been taken. */
bool fetch_worker_request(struct fetch_worker *w, int64_t at);

/* The parts the next fetches ask for (fetch_client_want()).  Safe while
 * a fetch runs: it applies from the next one. */
void fetch_worker_want(struct fetch_worker *w, unsigned want);

/* True when a fetch is requested or running (its result not ready). */
bool fetch_worker_busy(struct fetch_worker *w);

/* Moves a finished fetch's result into res (initialised by the caller)
 * and returns true, or returns false when none is ready. */
bool fetch_worker_take(struct fetch_worker *w, struct fetch_result *res);

/* Waits at most seconds for the result of the fetch asked for, and
 * returns it, or NULL when it did not come in time or none was asked
 * for.  The result stays the worker's, unchanged, until
 * fetch_worker_take(): a thread other than the taker's may read it while
 * the taker leaves it be. */
const struct fetch_result *fetch_worker_wait(struct fetch_worker *w,
					     double seconds);

/* Whether a heartbeat's answer asked for a screenshot since the last
 * call (fetch_heartbeat.h). */
bool fetch_worker_screenshot_wanted(struct fetch_worker *w);

/* What the next heartbeat reports: the slide on screen (a string that
 * lives as long as the worker) and the wall clock its data was fetched
 * at (0: no data). */
void fetch_worker_showing(struct fetch_worker *w, const char *slide,
			  int64_t data_fetched_at);

#endif
