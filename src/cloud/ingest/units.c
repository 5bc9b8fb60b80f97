/*
 * units.c - the unit table and conversion through each quantity's base.
 *
 * A unit maps to its base as base = (value + add) * mul / div.  Scales
 * are kept as a ratio of integers so that decimal prefixes convert
 * exactly where a double can hold the answer (1500 W is 1.5 kW, not
 * 1.5000000000000002), and temperatures need the offset.
 */
#include "cloud/ingest/units.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

struct unit {
	const char *name;
	const char *quantity;
	double add, mul, div;
};

/* The first unit listed for a quantity is its base. */
static const struct unit units[] = {
	{"kW", "power", 0, 1, 1},
	{"W", "power", 0, 1, 1000},
	{"MW", "power", 0, 1000, 1},
	/* man-kW (10^4 kW), as Japanese utilities publish demand */
	{"万kW", "power", 0, 10000, 1},

	{"kWh", "energy", 0, 1, 1},
	{"Wh", "energy", 0, 1, 1000},
	{"MWh", "energy", 0, 1000, 1},
	{"万kWh", "energy", 0, 10000, 1},

	{"degC", "temperature", 0, 1, 1},
	{"°C", "temperature", 0, 1, 1},
	{"degF", "temperature", -32, 5, 9},
	{"°F", "temperature", -32, 5, 9},
	{"K", "temperature", -273.15, 1, 1},

	{"%RH", "humidity", 0, 1, 1},
	{"ppm", "concentration", 0, 1, 1},
	{"%", "ratio", 0, 1, 1},
};

#define NUNITS (sizeof units / sizeof units[0])

static const struct unit *find(const char *name)
{
	for (size_t i = 0; i < NUNITS; i++)
		if (!strcmp(units[i].name, name))
			return &units[i];
	return NULL;
}

const char *units_quantity(const char *unit)
{
	const struct unit *u = unit ? find(unit) : NULL;

	return u ? u->quantity : NULL;
}

const char *units_base(const char *quantity)
{
	for (size_t i = 0; quantity && i < NUNITS; i++)
		if (!strcmp(units[i].quantity, quantity))
			return units[i].name;
	return NULL;
}

int units_convert(const char *from, const char *to, double value,
		  double *out)
{
	const struct unit *f, *t;
	double base, v;

	if (!strcmp(from, to)) {
		*out = value;
		return UNITS_OK;
	}
	f = find(from);
	t = find(to);
	if (!f)
		return UNITS_UNKNOWN_FROM;
	if (!t)
		return UNITS_UNKNOWN_TO;
	if (strcmp(f->quantity, t->quantity))
		return UNITS_INCOMPATIBLE;

	/* Through the base; mul before div keeps decimal scales exact. */
	base = (value + f->add) * f->mul / f->div;
	v = base * t->div / t->mul - t->add;
	if (!isfinite(v))
		return UNITS_RANGE;
	*out = v;
	return UNITS_OK;
}
