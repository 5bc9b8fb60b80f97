/*
 * analytics_signage.h - the figures of the signage slides that are not
 * one site's summary: local solar and the CO2 it avoided, a ranking of
 * buildings by energy per floor area, EV charging today and the latest
 * outdoor weather.  GET /api/v1/signage answers analytics_signage().
 *
 * "Today" is always the local day of the section's own site, from its
 * midnight to at, and only readings with ts < at count (as in
 * analytics_summary()), so a replayed clock sees the day unfold.
 *
 * Errors follow analytics.h: 0, ANALYTICS_INVALID, ANALYTICS_NOMEM or
 * a store code, with err saying why; *out is then NULL.
 */
#ifndef AKARI_ANALYTICS_SIGNAGE_H
#define AKARI_ANALYTICS_SIGNAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/store/store.h"

/*
 * CO2 avoided = solar kWh x this factor: TEPCO Energy Partner's CO2
 * emission factor for fiscal 2015 as reported under the Act on Promotion
 * of Global Warming Countermeasures, 0.491 kg-CO2/kWh after the FIT and
 * credit adjustments (press release of 1 August 2016).  docs/slides.md
 * gives the sources of this and the equivalents below.
 */
#define ANALYTICS_CO2_KG_PER_KWH 0.491
#define ANALYTICS_CO2_FACTOR_SOURCE \
	"TEPCO Energy Partner, FY2015, adjusted (2016-08-01)"
/* A 36-40 year old Japanese cedar absorbs about 8.8 kg of CO2 a year
 * (Forestry Agency: 8.8 t/ha a year at 1,000 trees/ha). */
#define ANALYTICS_TREE_KG_PER_YEAR 8.8
/* An LED bulb of the 60 W incandescent class draws about 10 W: one
 * lamp-hour is 0.01 kWh. */
#define ANALYTICS_LAMP_KW 0.010

/* Which sites the sections describe; NULL picks the first site (by
 * name) of kind "pv", "ev" and "weather" respectively. */
struct analytics_signage_sites {
	const char *solar;
	const char *ev;
	const char *weather;
};

/*
 * Builds, in *out (owned by the caller):
 *   {"at": 1656306000,
 *    "solar": {"site": "nrel-serf", "tz": "America/Denver",
 *              "at": "...", "day_start": "...", "shift_days": 0,
 *              "energy_kwh": 12.3 | null,
 *              "co2_factor_kg_per_kwh": 0.491, "co2_factor_source": "...",
 *              "co2_kg": 6.04 | null, "tree_days": 250.5 | null,
 *              "lamp_hours": 1230 | null} | null,
 *    "ranking": {"at": 1656306000, "sites": [
 *              {"site": "hall", "kind": "building", "tz": "...",
 *               "floor_area_m2": 1200, "energy_kwh": 300 | null,
 *               "kwh_per_m2": 0.25 | null}, ...]},
 *    "ev": {"site": "acn-jpl", "tz": "...", "at": "...",
 *           "day_start": "...", "shift_days": 0,
 *           "sessions": 12 | null, "energy_kwh": 123.4 | null} | null,
 *    "weather": {"site": "jma-tokyo", "tz": "...", "at": "...",
 *                "day_start": "...", "shift_days": 0,
 *                "latest": {"temperature": {"ts": "...", "value": 5.5,
 *                           "age_s": 1800, "stale": false}
 *                           | null, "humidity", "precipitation",
 *                           "sunshine", "wind_speed" likewise},
 *                "today": {"temperature_max", "temperature_min",
 *                          "precipitation_mm", "sunshine_h": v | null}}
 *               | null}
 * A section is null when its site does not exist (or none of its kind
 * does).  age_s is at minus the reading's time; stale says it is past
 * core_stale_after() of its point's step.  Solar energy is that of the
 * site's power points (kW) over today; CO2 counts only a positive total
 * (a night's standby draw avoids nothing): co2_kg = max(energy_kwh, 0)
 * x factor, tree_days = co2_kg / (ANALYTICS_TREE_KG_PER_YEAR / 365),
 * the trees that absorb as much in one day, lamp_hours =
 * max(energy_kwh, 0) / ANALYTICS_LAMP_KW.
 * The ranking lists every site with a floor area, the one using least
 * per m2 first, sites without data for today last (by name); a site's
 * energy is that of its power points named consumption, demand or power
 * (the last part of the key).  EV figures are the sum of
 * "<site>/ev_sessions" and the energy of "<site>/ev_power" over today
 * (the points akari import --format acn-ev makes).  Weather reads
 * "<site>/temperature", "humidity", "precipitation", "sunshine" and
 * "wind_speed": the newest reading before at of each, and today's
 * extremes and sums; a point the site lacks is null.
 */
int analytics_signage(struct store *st,
		      const struct analytics_signage_sites *sites, int64_t at,
		      json_t **out, char *err, size_t errlen);

#endif
