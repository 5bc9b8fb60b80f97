/*
 * fetch_upload.h - what a display sends its server besides heartbeats:
 * screenshots (POST /api/v1/displays/{id}/screenshot, image/png) and
 * proof of play (POST /api/v1/displays/{id}/plays, JSON batches).
 *
 * An uploader runs one thread of its own with its own curl handle, so
 * that a slow server holds up neither the slides nor the fetches.  The
 * kiosk hands it work and never waits:
 *
 * - A screenshot replaces any not sent yet; one that fails is dropped
 *   (the next one shows the screen as it is then).
 * - Plays are queued in memory and appended to a file in the queue
 *   directory, so that a server away for days, or a restart, loses
 *   none.  They go in batches of at most FETCH_UPLOAD_BATCH; a batch the
 *   server took is removed from the file.  A batch is sent again after a
 *   lost answer; the server counts each play once.  Past
 *   FETCH_UPLOAD_QUEUE_MAX the oldest plays are dropped.
 *
 * Errors as in fetch.h.  Nothing here logs: fetch_upload_status() tells
 * the caller what happened since it last asked.
 */
#ifndef AKARI_FETCH_UPLOAD_H
#define AKARI_FETCH_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_UPLOAD_BATCH 500
/* A month of 10 s slides. */
#define FETCH_UPLOAD_QUEUE_MAX 300000
/* Seconds between tries while the server is away, doubling up to the
 * most. */
#define FETCH_UPLOAD_RETRY_MIN 2.0
#define FETCH_UPLOAD_RETRY_MAX 60.0
/* The queue file in the queue directory. */
#define FETCH_UPLOAD_QUEUE_FILE "plays.jsonl"

struct fetch_upload_config {
	const char *server;	/* base URL */
	const char *id;		/* the display id */
	const char *token;	/* its device token; NULL: none */
	const char *queue_dir;	/* NULL: plays kept in memory only */
	double send_every;	/* seconds between batches of plays;
				 * 0: 10 */
};

struct fetch_upload;

/* Starts an uploader; strings in cfg are copied.  Loads the plays a
 * previous run left in the queue file.  On success *out owns it; free
 * it with fetch_upload_destroy(). */
int fetch_upload_create(const struct fetch_upload_config *cfg,
			struct fetch_upload **out, char *err, size_t errlen);

/* Stops the thread (a request in progress gives up at once) and frees
 * u; queued plays stay in the file.  Accepts NULL. */
void fetch_upload_destroy(struct fetch_upload *u);

/* Queues png (len bytes, ownership taken: free() is called on it) as
 * the next screenshot, replacing one not sent yet. */
void fetch_upload_screenshot(struct fetch_upload *u, void *png, size_t len);

/* Queues one play: slide (copied) shown from start (Unix seconds) for
 * seconds. */
void fetch_upload_play(struct fetch_upload *u, const char *slide,
		       int64_t start, double seconds);

/* What happened since the last call. */
struct fetch_upload_status {
	long shots_sent, shots_failed;
	long plays_sent;	/* accepted by the server */
	size_t plays_queued;	/* waiting now */
	bool failing;		/* the latest upload failed */
	char err[512];		/* why, when failing */
};
void fetch_upload_status(struct fetch_upload *u,
			 struct fetch_upload_status *st);

#endif
