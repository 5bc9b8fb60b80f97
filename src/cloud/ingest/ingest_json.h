/*
 * ingest_json.h - a reader for the plain shape of a JSON batch, so that
 * the common body costs no jansson tree (ingest.c's private use).
 *
 *   {"readings": [{"point": "a/b", "ts": 1656288000, "value": 1.5,
 *                  "unit": "kW"}, ...]}
 *
 * It takes only what it can read exactly as jansson and ingest_batch()
 * would: each row an object of "point" (a string), "ts" (an integer, or
 * a string that core_time_parse() reads), "value" (a number) and an
 * optional "unit" (a string), each once; strings without escapes, in
 * valid UTF-8; integers of at most 18 digits; reals that strtod reads
 * without a range error.  Anything else, valid JSON or not, is left to
 * jansson, whose answer (and error message) then decides.
 */
#ifndef AKARI_INGEST_JSON_H
#define AKARI_INGEST_JSON_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Reads body (len bytes) into rows, a GArray of struct ingest_row, whose
 * strings are copied into strings.  Returns true when the whole body is
 * a batch of that shape; false otherwise, with rows and strings holding
 * whatever was read before the reader gave up.
 */
bool ingest_json_rows(const char *body, size_t len, GArray *rows,
		      GStringChunk *strings);

#endif
