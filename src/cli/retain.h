/*
 * retain.h - raw retention for `akari serve --retain-raw-days N`: a
 * background thread that deletes readings older than N days in small
 * transactions, so that ingestion never waits long behind it.  Rollups
 * are never deleted (see store_rollup.h).
 */
#ifndef AKARI_CLI_RETAIN_H
#define AKARI_CLI_RETAIN_H

#include <stdint.h>

#include "cloud/store/store.h"

/* Readings deleted per transaction. */
#define CLI_RETAIN_BATCH 5000

/* Parses a day count: 0 (keep forever) to 36500.  0 or -1. */
int cli_retain_parse_days(const char *s, int *out);

/* Deletes, in batches, every reading older than days before now; for
 * `akari prune` and the thread.  *deleted receives the total. */
int cli_retain_prune(struct store *st, int days, int64_t *deleted);

/* Starts the thread on st (borrowed: it must outlive the thread), which
 * prunes at once and then every hour.  days 0 starts nothing and sets
 * *out to NULL.  Returns 0, or -1 with err set. */
struct cli_retain;
int cli_retain_start(struct store *st, int days, struct cli_retain **out,
		     char *err, size_t errlen);

/* Stops the thread (waiting for the batch in progress) and frees it;
 * accepts NULL. */
void cli_retain_stop(struct cli_retain *r);

#endif
