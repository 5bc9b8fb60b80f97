/*
 * store_codec.h - lossless compression of one point's readings.
 *
 * A block holds n >= 1 readings of one point: strictly increasing
 * times and any doubles.  Times are coded as runs and bit-packed frames
 * of their deltas (a regular day of one-minute readings costs a few
 * bytes); values that are short decimals (i / 10^k, k in 0..9) or whole
 * multiples of 10^m as deltas of those integers in the same frames,
 * with per-value bit offsets for those a few ulps off; other values as
 * the XOR of neighbouring doubles.  docs/codec.md gives the byte format.
 *
 * The functions keep no state and allocate nothing, so any thread may
 * call them at any time.  Buffers are the caller's: nothing is kept.
 * They return STORE_OK or STORE_INVALID (store.h).
 */
#ifndef AKARI_STORE_CODEC_H
#define AKARI_STORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

/* The first byte of every block: the format's version. */
#define STORE_CODEC_VERSION 1

/* Bytes store_codec_encode() may need for n readings; an upper bound
 * that holds for any input (SIZE_MAX when it would overflow). */
size_t store_codec_bound(size_t n);

/* Encodes n >= 1 readings with strictly increasing ts.  Lossless:
 * decoding gives back every ts and the exact bits of every value (any
 * double, also -0.0, inf, NaN payloads).  Returns STORE_OK, or
 * STORE_INVALID (ts not increasing, n == 0, cap too small), in which
 * case out[0..cap) may have been written but means nothing.  *len
 * receives the bytes written. */
int store_codec_encode(const int64_t *ts, const double *value, size_t n,
		       uint8_t *out, size_t cap, size_t *len);

/* The reading count recorded in an encoded block, without decoding it.
 * STORE_INVALID when the block's header is truncated or not of this
 * version. */
int store_codec_count(const uint8_t *in, size_t len, size_t *n);

/* Decodes a block into ts[] and value[] (room for cap readings).
 * STORE_INVALID for a block that is truncated, corrupt or larger than
 * cap: never reads outside in[0..len) nor writes outside the arrays
 * (their contents are then unspecified).  A decoded block always has
 * strictly increasing times. */
int store_codec_decode(const uint8_t *in, size_t len, int64_t *ts,
		       double *value, size_t cap, size_t *n);

#endif
