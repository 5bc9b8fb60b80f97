/*
 * units.h - the units akari knows, grouped by quantity, and conversion
 * between two units of the same quantity.
 *
 * Each quantity has one base unit (power: kW, energy: kWh, temperature:
 * degC); every other unit of it is a linear map of the base.  Units
 * outside the table (a point registered in "lux") convert to nothing but
 * themselves.  Names are compared byte for byte: "kw" is not "kW".
 */
#ifndef AKARI_INGEST_UNITS_H
#define AKARI_INGEST_UNITS_H

enum units_rc {
	UNITS_OK = 0,
	UNITS_UNKNOWN_FROM = -1,	/* the unit converted from is unknown */
	UNITS_UNKNOWN_TO = -2,		/* the unit converted to is unknown */
	UNITS_INCOMPATIBLE = -3,	/* both known, different quantities */
	UNITS_RANGE = -4,		/* the result is not a finite double */
};

/* The quantity unit belongs to ("power", "energy", "temperature",
 * "humidity", "concentration", "ratio"), a static string, or NULL when
 * the unit is not in the table. */
const char *units_quantity(const char *unit);

/* The base unit of quantity (a static string), or NULL if unknown. */
const char *units_base(const char *quantity);

/* Converts value from unit from to unit to into *out.  Identical names
 * always succeed, in or out of the table.  On failure *out is left
 * alone and the enum units_rc says which side was at fault. */
int units_convert(const char *from, const char *to, double value,
		  double *out);

#endif
