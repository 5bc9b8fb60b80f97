/*
 * store_lookup.h - many points by key in one read, for the ingest path,
 * where one batch may name a thousand points.
 *
 * store_point_get() opens and closes a read transaction for every key;
 * that is most of its cost.  This reads every key of a batch inside one
 * transaction, so all of them come from the same commit, and nothing is
 * kept between calls: what it returns is never older than the call.
 *
 * A caller that keeps points between calls (ingest_points.h) takes a
 * registry stamp before it reads them and keeps them only while the
 * stamp stays the same.
 *
 * Errors and threads as in store.h.
 */
#ifndef AKARI_STORE_LOOKUP_H
#define AKARI_STORE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

/*
 * Looks up keys[0..n) (borrowed).  out[i] receives the point of keys[i]
 * and found[i] says whether there is one; both arrays hold n entries,
 * owned by the caller.  Returns STORE_OK (unknown keys are not an
 * error), or STORE_IO with out and found undefined.
 */
int store_points_lookup(struct store *st, const char *const *keys, size_t n,
			struct store_point *out, bool *found);

/*
 * Where the registry stands.  Two equal stamps mean that no point or
 * site changed between the two calls that took them: no write of this
 * process (store_registry_changed()) and no commit of any other writer
 * of the file, such as the command line's `akari point retire`, which
 * cannot be told apart from other commits and so counts as a change.
 */
struct store_registry_stamp {
	uint64_t writes;	/* this process's registry writes */
	int64_t file;		/* the write connection's data_version */
};

/* Takes the stamp now.  STORE_OK, or STORE_IO with *out undefined. */
int store_registry_stamp(struct store *st, struct store_registry_stamp *out);

bool store_registry_stamp_equal(const struct store_registry_stamp *a,
				const struct store_registry_stamp *b);

#endif
