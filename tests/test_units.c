/*
 * test_units.c - the unit table: energy in kWh from every unit of power
 * and of energy, the quantities added for water, gas, light, pressure
 * and particulate matter, and the refusals that name what is allowed.
 *
 * Expected values by hand: 3000 W h = 3000 / 1000 kWh = 3 kWh;
 * 0.003 MW h = 3 kWh; 0.0003 万kW h = 0.0003 x 10,000 kWh = 3 kWh;
 * 1013.25 hPa = 101,325 Pa = 101.325 kPa; 1500 L = 1.5 m3.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "cloud/units/units.h"

static void test_kwh(void)
{
	double kwh = -1;

	/* exact where a double holds the answer: mul before div */
	CHECK_INT(units_kwh("W", 3000, &kwh), UNITS_OK);
	CHECK(kwh == 3.0);
	CHECK_INT(units_kwh("kW", 3, &kwh), UNITS_OK);
	CHECK(kwh == 3.0);
	CHECK_INT(units_kwh("MW", 0.003, &kwh), UNITS_OK);
	CHECK_DBL(kwh, 3.0, 1e-12);
	CHECK_INT(units_kwh("万kW", 0.0003, &kwh), UNITS_OK);
	CHECK_DBL(kwh, 3.0, 1e-12);
	CHECK_INT(units_kwh("Wh", 1500, &kwh), UNITS_OK);
	CHECK(kwh == 1.5);
	CHECK_INT(units_kwh("MWh", 2, &kwh), UNITS_OK);
	CHECK(kwh == 2000.0);
	CHECK_INT(units_kwh("万kWh", 2, &kwh), UNITS_OK);
	CHECK(kwh == 20000.0);

	/* beyond a double: infinite, for the caller to show as no number */
	CHECK_INT(units_kwh("万kW", 1e305, &kwh), UNITS_OK);
	CHECK(isinf(kwh));

	kwh = -1;
	CHECK_INT(units_kwh("degC", 20, &kwh), UNITS_INCOMPATIBLE);
	CHECK_INT(units_kwh("m3", 20, &kwh), UNITS_INCOMPATIBLE);
	CHECK_INT(units_kwh("kw", 20, &kwh), UNITS_UNKNOWN_FROM);
	CHECK(kwh == -1);
}

static void test_new_quantities(void)
{
	double v = 0;

	CHECK_STR(units_quantity("lx"), "illuminance");
	CHECK_STR(units_base("pressure"), "hPa");
	CHECK_STR(units_base("volume"), "m3");
	CHECK_STR(units_base("mass_concentration"), "ug/m3");

	CHECK_INT(units_convert("Pa", "hPa", 101325, &v), UNITS_OK);
	CHECK_DBL(v, 1013.25, 1e-9);
	CHECK_INT(units_convert("hPa", "kPa", 1013.25, &v), UNITS_OK);
	CHECK_DBL(v, 101.325, 1e-9);
	CHECK_INT(units_convert("L", "m3", 1500, &v), UNITS_OK);
	CHECK_DBL(v, 1.5, 1e-12);
	CHECK_INT(units_convert("m3", "L", 0.25, &v), UNITS_OK);
	CHECK_DBL(v, 250, 1e-9);
	/* the micro sign (U+00B5) and the Greek mu (U+03BC) */
	CHECK_INT(units_convert("\xc2\xb5g/m3", "ug/m3", 12.5, &v), UNITS_OK);
	CHECK(v == 12.5);
	CHECK_INT(units_convert("\xce\xbcg/m3", "ug/m3", 35, &v), UNITS_OK);
	CHECK(v == 35);
	CHECK_INT(units_convert("lx", "hPa", 1, &v), UNITS_INCOMPATIBLE);
	CHECK_INT(units_convert("L", "kWh", 1, &v), UNITS_INCOMPATIBLE);
}

static void test_check_point(void)
{
	const char *field = "";
	char msg[512];

	CHECK_INT(units_check_point("illuminance", "lx", &field, msg,
				    sizeof msg), UNITS_OK);
	CHECK_INT(units_check_point("pressure", "kPa", &field, msg,
				    sizeof msg), UNITS_OK);
	CHECK_INT(units_check_point("volume", "L", &field, msg, sizeof msg),
		  UNITS_OK);
	CHECK_INT(units_check_point("mass_concentration", "\xc2\xb5g/m3",
				    &field, msg, sizeof msg), UNITS_OK);
	CHECK_INT(units_check_point(NULL, "m3", &field, msg, sizeof msg),
		  UNITS_OK);

	/* ppm serves two quantities: the refusal names both */
	CHECK_INT(units_check_point("humidity", "ppm", &field, msg,
				    sizeof msg), UNITS_INCOMPATIBLE);
	CHECK_STR(field, "unit");
	CHECK_AT(strstr(msg, "concentration and co2") != NULL,
		 "ppm's quantities named: %s", msg);
	CHECK_AT(strstr(msg, "not of humidity") != NULL,
		 "the quantity asked for named: %s", msg);

	/* a volume in kWh: the unit's quantity and the volume's units */
	CHECK_INT(units_check_point("volume", "kWh", &field, msg, sizeof msg),
		  UNITS_INCOMPATIBLE);
	CHECK_AT(strstr(msg, "a unit of energy, not of volume") != NULL &&
		 strstr(msg, "m3, L") != NULL, "volume in kWh: %s", msg);

	/* the list of quantities names the new ones */
	CHECK_INT(units_check_point("lux", "lx", &field, msg, sizeof msg),
		  UNITS_UNKNOWN_QUANTITY);
	CHECK_STR(field, "quantity");
	CHECK_AT(strstr(msg, "illuminance") && strstr(msg, "pressure") &&
		 strstr(msg, "volume") && strstr(msg, "mass_concentration"),
		 "quantities listed: %s", msg);
}

int main(void)
{
	test_kwh();
	test_new_quantities();
	test_check_point();
	return check_finish();
}
