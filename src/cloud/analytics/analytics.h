/*
 * analytics.h - aggregates and signage summaries computed from stored
 * readings.
 *
 * Buckets are aligned in the point's site zone (GLib GTimeZone), so a
 * local day is 23 or 25 hours across DST and a month is a calendar month.
 *
 * Power points (quantity "power", in any unit of power: kW, W, MW, 万kW)
 * integrate to energy in kWh:
 * each reading holds its value from its ts until the next reading, but
 * never longer than the point's step (or, with no step, the median
 * spacing), so a gap is a gap and not a plateau.  Holding periods are
 * split exactly at bucket boundaries, so energy is right for 1-, 5- and
 * 30-minute data alike.
 *
 * Counter points (kind counter) are registers: energy (for a register
 * in a unit of energy: Wh, kWh, MWh, 万kWh; in kWh) and sum (in the
 * point's unit) are the
 * register's increments under the rules of counter.h, each spread
 * evenly over the time between the two readings that show it.
 *
 * Errors: analytics_aggregate() and analytics_summary() return 0, or
 *   STORE_NOT_FOUND   the point or site does not exist,
 *   ANALYTICS_INVALID the request cannot be answered (bad range, too
 *                     many buckets, energy of a point that is neither
 *                     power nor an energy counter),
 *   ANALYTICS_NOMEM   out of memory,
 *   another store_rc  reading the store failed (STORE_IO),
 * and describe the failure in err.  *out is then NULL.
 *
 * The store is only read: a handle shared between threads may be used
 * concurrently, as store.h allows.
 */
#ifndef AKARI_ANALYTICS_H
#define AKARI_ANALYTICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

enum analytics_rc {
	ANALYTICS_INVALID = -100,	/* a request error: HTTP 400/422 */
	ANALYTICS_NOMEM = -101,
};

enum analytics_interval {
	ANALYTICS_5MIN,
	ANALYTICS_30MIN,
	ANALYTICS_HOUR,
	ANALYTICS_DAY,
	ANALYTICS_MONTH,
};

enum analytics_fn {
	ANALYTICS_AVG,
	ANALYTICS_MIN,
	ANALYTICS_MAX,
	ANALYTICS_SUM,
	ANALYTICS_ENERGY,	/* power -> kWh by time-weighted integration */
};

/* Whether p is a power point, whose energy analytics integrates: of
 * quantity "power" and in a unit of power of the unit table. */
bool analytics_point_is_power(const struct store_point *p);

/* "5min", "30min", "hour", "day", "month" and "avg", "min", "max",
 * "sum", "energy".  Parsing returns 0, or -1 for any other string (*out
 * untouched).  Names are static strings. */
int analytics_interval_parse(const char *s, enum analytics_interval *out);
int analytics_fn_parse(const char *s, enum analytics_fn *out);
const char *analytics_interval_name(enum analytics_interval iv);
const char *analytics_fn_name(enum analytics_fn fn);

/*
 * Aggregates point over [from, to) and returns, in *out (owned by the
 * caller):
 *   {"point": "tepco/demand", "unit": "kWh", "interval": "hour",
 *    "fn": "energy", "from": "...", "to": "...",
 *    "buckets": [{"start": "2022-06-27T00:00:00+09:00", "value": 1.2},
 *                {"start": "...", "value": null}]}
 * "unit" is that of the result (kWh for energy); "from", "to" and
 * "start" are local RFC 3339.  Buckets start at the local boundary at or
 * before from; only data inside [from, to) counts, so a first or last
 * bucket that sticks out of the range holds just its part of it.
 * Sub-hour and hourly buckets follow the local wall clock (an hour
 * starts at :00 local also in +05:30 or +05:45); where the offset
 * changes, a bucket also ends, so the repeated hour of a fall-back day
 * is two buckets (02:00+02:00, then 02:00+01:00).
 * avg, min, max and sum take the readings with ts in the bucket and are
 * null when there is none.  energy integrates the holds above, clipped
 * to the bucket and to [from, to): the reading before from holds into
 * the first bucket, the last one before to holds at most until to.  It
 * is null when no hold reaches into the bucket.  With step 0 the hold
 * cap is the median spacing of the readings read; a lone reading with
 * step 0 holds for nothing.
 * Errors: see the top of this file; more than ANALYTICS_MAX_BUCKETS
 * buckets, from >= to and times outside the years 2..9997 are invalid.
 */
#define ANALYTICS_MAX_BUCKETS 100000
int analytics_aggregate(struct store *st, const char *key, int64_t from,
			int64_t to, enum analytics_interval iv,
			enum analytics_fn fn, json_t **out, char *err,
			size_t errlen);

/* Which points of a site analytics_aggregate_site() answers for. */
struct analytics_selection {
	const char *const *points;	/* keys, borrowed; NULL: all */
	size_t npoints;
	const char *quantity;		/* only these; NULL: any */
	bool retired;			/* all: retired points too */
};

/*
 * The aggregate of many points of site at once, as JSON text in *out
 * (NUL-terminated, owned by the caller, free() it):
 *   {"site": "hall", "tz": "Asia/Tokyo", "interval": "hour",
 *    "fn": "avg", "from": "...", "to": "...",
 *    "starts": ["2024-01-15T00:00:00+09:00", ...],
 *    "points": [{"point": "hall/p1", "unit": "kW",
 *                "values": [1.5, null, ...]}, ...]}
 * Every point of a site is in the site's zone, so the buckets are the
 * same for all: values[k] is the bucket that starts at starts[k], the
 * value analytics_aggregate() gives for that point, range, interval and
 * fn.  The points are sel's keys in their order (each must be a point of
 * site, retired or not), or else every point of site by key, retired
 * ones only with sel->retired; with sel->quantity only those of that
 * quantity.  The whole buckets of all points that rollups answer for
 * are read in one query (store_aggregate.h); edges, counters and the
 * rest as analytics_aggregate() does per point.  The answer is text,
 * not a jansson tree: at a thousand points of a day of hours, building
 * and printing the tree took longer than everything else.
 * Errors: as analytics_aggregate(); STORE_NOT_FOUND for an unknown site
 * or a key that is no point of site, ANALYTICS_INVALID also for a key
 * listed twice, energy of a point that has none, or more than
 * ANALYTICS_MAX_VALUES values (points x buckets); err names the culprit.
 */
#define ANALYTICS_MAX_VALUES 2000000
int analytics_aggregate_site(struct store *st, const char *site,
			     const struct analytics_selection *sel,
			     int64_t from, int64_t to,
			     enum analytics_interval iv, enum analytics_fn fn,
			     char **out, char *err, size_t errlen);

/*
 * What a signage slide needs about one site, as seen at time at (only
 * readings with ts < at count, so a replayed clock sees the day unfold):
 *   {"site": "tepco", "kind": "grid", "tz": "Asia/Tokyo",
 *    "at": "2022-06-27T14:00:00+09:00",
 *    "day_start": "2022-06-27T00:00:00+09:00",
 *    "points": [{
 *      "key": "tepco/demand", "quantity": "power", "unit": "kW",
 *      "kind": "instantaneous", "step_s": 300, "spacing_s": 300,
 *      "shift_days": 0,
 *      "latest": {"ts": "...", "value": 46690000, "age_s": 300,
 *                 "stale": false} | null,
 *      "today": {"min": .., "max": .., "avg": .., "count": 168,
 *                "peak": {"ts": "...", "value": ..} | null,
 *                "energy_kwh": .. | null},
 *      "yesterday": {"energy_kwh": .. | null, "avg": .. | null},
 *      "month": {"energy_kwh": .. | null},
 *      "curve": [[unix_ts, value], ...],      today's readings, ts < at
 *      "hourly_today": [v | null, ...],       local hours of today
 *      "hourly_yesterday": [v | null, ...]    local hours of yesterday
 *    }, ...]}
 * "latest" is the newest reading before at, however old (read from
 * before yesterday when today and yesterday have none): age_s is at
 * minus its time, and stale says it is past core_stale_after() of
 * spacing_s, so that a slide does not show it as the current figure.
 * spacing_s is the point's step, else the median spacing of the
 * readings read (yesterday on, and the one before), 0 with fewer than
 * two: a point registered without a step is judged by its feed's pace.
 * energy_kwh is present (non-null when there is data) only for power
 * points and energy counters, whose hourly arrays hold kWh too; "month"
 * is the local month so far (up to at).  Hourly arrays hold kWh per hour
 * for power points and the hourly mean otherwise, and
 * have 23, 24 or 25 entries as the local day has hours; hourly_today
 * covers the whole day, with null after at.  Energies, hourly values
 * and their nulls follow analytics_aggregate() with fn energy (power)
 * or avg (others) over the same range; the windows end at at, and
 * yesterday's at the start of today.  "peak" is the first of the
 * largest of today's readings.  Every point is read in one walk from
 * the start of yesterday or of the month, whichever is earlier, to at.
 * Errors: see the top of this file.  *out is owned by the caller.
 */
int analytics_summary(struct store *st, const char *site, int64_t at,
		      json_t **out, char *err, size_t errlen);

#endif
