/*
 * units.c - the unit table and conversion through each quantity's base.
 *
 * A unit maps to its base as base = (value + add) * mul / div.  Scales
 * are kept as a ratio of integers so that decimal prefixes convert
 * exactly where a double can hold the answer (1500 W is 1.5 kW, not
 * 1.5000000000000002), and temperatures need the offset.
 */
#include "cloud/units/units.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct unit {
	const char *name;
	const char *quantity;
	double add, mul, div;
};

/* The first unit listed for a quantity is its base.  A unit may serve
 * more than one quantity (ppm); its first row says which it converts
 * as. */
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
	/* a room's CO2, as the indoor-air importers register it */
	{"ppm", "co2", 0, 1, 1},
	{"%", "ratio", 0, 1, 1},
	/* water and gas meters: m3, the way utilities bill them */
	{"m3", "volume", 0, 1, 1},
	{"L", "volume", 0, 1, 1000},
	{"lx", "illuminance", 0, 1, 1},
	/* air pressure: hPa, as weather services publish it */
	{"hPa", "pressure", 0, 1, 1},
	{"Pa", "pressure", 0, 1, 100},
	{"kPa", "pressure", 0, 10, 1},
	/* PM2.5 and PM10; the micro sign and the Greek mu look alike */
	{"ug/m3", "mass_concentration", 0, 1, 1},
	{"µg/m3", "mass_concentration", 0, 1, 1},
	{"μg/m3", "mass_concentration", 0, 1, 1},

	/* Quantities of one unit each, which the importers and the state
	 * points register: they convert to nothing but themselves. */
	{"state", "state", 0, 1, 1},
	{"sessions", "count", 0, 1, 1},
	{"mm", "precipitation", 0, 1, 1},
	{"h", "sunshine", 0, 1, 1},
	{"MJ/m2", "irradiation", 0, 1, 1},
	{"m/s", "speed", 0, 1, 1},
	{"deg", "direction", 0, 1, 1},
	{"V", "voltage", 0, 1, 1},
	{"A", "current", 0, 1, 1},
	{"kvar", "reactive_power", 0, 1, 1},
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

int units_kwh(const char *unit, double amount, double *kwh)
{
	const struct unit *u = unit ? find(unit) : NULL;

	if (!u)
		return UNITS_UNKNOWN_FROM;
	if (strcmp(u->quantity, "power") && strcmp(u->quantity, "energy"))
		return UNITS_INCOMPATIBLE;
	/* kW and kWh are the bases: a power unit's hours scale as the
	 * unit does, and the scales carry no offset */
	*kwh = amount * u->mul / u->div;
	return UNITS_OK;
}

/* Whether the table holds quantity at all. */
static bool known_quantity(const char *quantity)
{
	return units_base(quantity) != NULL;
}

static bool unit_of(const char *unit, const char *quantity)
{
	for (size_t i = 0; i < NUNITS; i++)
		if (!strcmp(units[i].name, unit) &&
		    !strcmp(units[i].quantity, quantity))
			return true;
	return false;
}

/* Appends the units of quantity (all of them when quantity is NULL: the
 * quantities instead, each once) to buf, ", " between them. */
static void append_list(char *buf, size_t len, const char *quantity)
{
	size_t n = strlen(buf);
	bool first = true;

	for (size_t i = 0; i < NUNITS && n < len; i++) {
		const char *name = units[i].name;

		if (quantity && strcmp(units[i].quantity, quantity))
			continue;
		if (!quantity) {
			/* a quantity's first row is its base */
			if (units_base(units[i].quantity) != name)
				continue;
			name = units[i].quantity;
		}
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      first ? "" : ", ", name);
		first = false;
	}
}

/* Appends the quantities unit serves ("concentration and co2" for ppm)
 * to buf. */
static void append_quantities(char *buf, size_t len, const char *unit)
{
	size_t n = strlen(buf);
	bool first = true;

	for (size_t i = 0; i < NUNITS && n < len; i++) {
		if (strcmp(units[i].name, unit))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      first ? "" : " and ", units[i].quantity);
		first = false;
	}
}

int units_check_point(const char *quantity, const char *unit,
		      const char **field, char *msg, size_t len)
{
	const char *other;
	size_t n;

	if (!quantity && !units_quantity(unit)) {
		*field = "unit";
		snprintf(msg, len, "unit \"%.64s\" is not one akari knows "
			 "(names are exact: \"kW\", not \"kw\") and no "
			 "quantity is given; quantities: ", unit);
		append_list(msg, len, NULL);
		return UNITS_UNKNOWN_UNIT;
	}
	if (!quantity)
		return UNITS_OK;
	if (!known_quantity(quantity)) {
		*field = "quantity";
		snprintf(msg, len, "quantity \"%.64s\" is not one akari "
			 "knows; quantities: ", quantity);
		append_list(msg, len, NULL);
		return UNITS_UNKNOWN_QUANTITY;
	}
	if (unit_of(unit, quantity))
		return UNITS_OK;

	*field = "unit";
	other = units_quantity(unit);
	if (other) {
		snprintf(msg, len, "unit \"%.64s\" is a unit of ", unit);
		append_quantities(msg, len, unit);
		n = strlen(msg);
		snprintf(msg + n, len - n, ", not of %s; units of %s: ",
			 quantity, quantity);
	} else
		snprintf(msg, len, "unit \"%.64s\" is not one akari knows "
			 "(names are exact: \"kW\", not \"kw\"); units of "
			 "%s: ", unit, quantity);
	append_list(msg, len, quantity);
	return other ? UNITS_INCOMPATIBLE : UNITS_UNKNOWN_UNIT;
}
