/*
 * units.h - the units akari knows, grouped by quantity, and conversion
 * between two units of the same quantity.
 *
 * Each quantity has one base unit (power: kW, energy: kWh, temperature:
 * degC, pressure: hPa, volume: m3); every other unit of it is a linear
 * map of the base.  Units outside the table (a point registered in
 * "lux" rather than "lx") convert to nothing but themselves; only
 * points stored before the registry checked units (units_check_point())
 * can have one.  Names are compared byte for
 * byte: "kw" is not "kW".
 */
#ifndef AKARI_UNITS_H
#define AKARI_UNITS_H

#include <stddef.h>

enum units_rc {
	UNITS_OK = 0,
	UNITS_UNKNOWN_FROM = -1,	/* the unit converted from is unknown */
	UNITS_UNKNOWN_TO = -2,		/* the unit converted to is unknown */
	UNITS_INCOMPATIBLE = -3,	/* both known, different quantities */
	UNITS_RANGE = -4,		/* the result is not a finite double */
	UNITS_UNKNOWN_QUANTITY = -5,	/* a quantity the table lacks */
	UNITS_UNKNOWN_UNIT = -6,	/* a unit the table lacks */
};

/* The quantity unit converts as ("power", "energy", "temperature",
 * "humidity", "concentration", "ratio", ... as docs/api.md lists them),
 * a static string, or NULL when the unit is not in the table. */
const char *units_quantity(const char *unit);

/* The base unit of quantity (a static string), or NULL if unknown. */
const char *units_base(const char *quantity);

/* Converts value from unit from to unit to into *out.  Identical names
 * always succeed, in or out of the table.  On failure *out is left
 * alone and the enum units_rc says which side was at fault. */
int units_convert(const char *from, const char *to, double value,
		  double *out);

/* Energy in kWh: amount is in hours of unit when unit is a power unit
 * (1500 W held for 2 h is 3000 W h: 3 kWh) and in unit when it is an
 * energy unit (3000 Wh: 3 kWh).  *kwh receives amount scaled by the
 * unit's factor (exactly where a double can hold the answer; infinite
 * when it leaves a double's range).  UNITS_OK, UNITS_UNKNOWN_FROM for a
 * unit outside the table, or UNITS_INCOMPATIBLE for a unit of neither
 * power nor energy (*kwh is then left alone). */
int units_kwh(const char *unit, double amount, double *kwh);

/* Whether a point may be registered with quantity and unit: the
 * quantity is in the table and the unit is one of its units.  Returns
 * UNITS_OK, or UNITS_UNKNOWN_QUANTITY, UNITS_UNKNOWN_UNIT or
 * UNITS_INCOMPATIBLE (a unit of another quantity) with *field set to
 * "quantity" or "unit" and msg saying which value is wrong and what the
 * table allows instead (a unit of several quantities, ppm, names them
 * all).  quantity NULL stands for one not given, to be
 * taken from the unit: any unit of the table then passes.  Points
 * already stored are not held to it. */
int units_check_point(const char *quantity, const char *unit,
		      const char **field, char *msg, size_t len);

#endif
