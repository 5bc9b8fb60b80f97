/*
 * timeutil.h - timestamps and time zones.
 *
 * Every stored time is Unix seconds (UTC).  Local days, months and
 * buckets are computed in a site's IANA zone through GLib's GTimeZone,
 * never through the process-wide TZ.
 */
#ifndef AKARI_CORE_TIMEUTIL_H
#define AKARI_CORE_TIMEUTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses RFC 3339 ("2022-06-27T09:00:00+09:00", "...Z"; 't', 'z' and a
 * space for the T are also taken, a fraction of a second is dropped) or
 * a plain integer of Unix seconds ("-3600").  Nothing else: no offset
 * (it names no instant), no missing seconds, no ISO 8601 week or
 * ordinal dates, no blanks.  Any year 0000..9999 parses; the caller
 * judges the range.  0 on success, -1 on malformed input (*out is
 * untouched). */
int core_time_parse(const char *s, int64_t *out);

/* Writes ts as RFC 3339 in zone tz ("2022-06-27T09:00:00+09:00"; "Z" is
 * never used, the offset is always written).  Any ts gives a string,
 * with more than four digits of year past 9999.  buf needs 32 bytes. */
void core_time_format(int64_t ts, GTimeZone *tz, char *buf, size_t len);

/* Whether name can be an IANA zone ("Asia/Tokyo", "Etc/GMT-9") or an
 * offset ("+09:00"): 1 to CORE_TZ_NAME_MAX letters, digits and "/_+-:",
 * not starting with '/' and without "..", so never a path to a file. */
#define CORE_TZ_NAME_MAX 64
bool core_tz_name_ok(const char *name);

/* Returns a new reference to the zone named by an IANA identifier, or
 * NULL when the identifier is unknown or not a zone's name
 * (core_tz_name_ok()).  Free with g_time_zone_unref(). */
GTimeZone *core_tz_new(const char *iana);

/* Start of the local day that contains ts, in zone tz. */
int64_t core_day_start(int64_t ts, GTimeZone *tz);

/*
 * How old a point's latest reading may be and still count as its current
 * figure: three of its steps (a feed may skip one or two), and never less
 * than CORE_STALE_MIN_S, so that points of short steps fed in batches do
 * not flicker between fresh and stale.  A point without a step (step_s
 * <= 0) gets the floor.  Past it, a slide says when the figure is from
 * and the summary marks the reading stale.
 */
#define CORE_STALE_STEPS 3
#define CORE_STALE_MIN_S 900
int64_t core_stale_after(int64_t step_s);

/* Whether a reading of age age_s (seconds before the moment looked from)
 * of a point of step step_s is past core_stale_after(). */
bool core_reading_stale(int64_t age_s, int64_t step_s);

#endif
