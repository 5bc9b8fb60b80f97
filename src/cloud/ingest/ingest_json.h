/*
 * ingest_json.h - a reader for the plain shape of a JSON batch, so that
 * the common body costs no jansson tree (ingest.c's private use), and
 * the words for a body jansson refused, which every JSON route uses.
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
#include <jansson.h>
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

/*
 * For a body (len bytes) that json_loadb() refused with jerr, the two
 * faults jansson's own words hide ("'[' or '{' expected near ''", "end
 * of file expected near end of file"): a UTF-8 byte order mark before
 * the JSON, or a NUL byte where jansson stopped.  Writes what is wrong
 * and where into msg ("body: NUL byte at offset 12 (line 1); ...") and
 * returns true; false for any other fault, whose jansson message then
 * stands.  Every JSON route of the API asks it first.
 */
bool ingest_json_explain(const char *body, size_t len,
			 const json_error_t *jerr, char *msg, size_t msglen);

#endif
