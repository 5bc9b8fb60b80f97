/*
 * render_co2.c - the CO2 that local solar avoided today, with everyday
 * equivalents: the cedars that would absorb as much in a day and the
 * hours of LED light the same energy gives.  The figures come from the
 * server (analytics_signage.h), which states the factors; the slide
 * names them in its footnote so that a viewer can check them.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  Landscape: the CO2 figure across the top, the three
 * equivalents in a row under it, the footnote at the bottom.  Portrait:
 * the four one under the other.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

/* The factors behind the figures, one line in each language drawn;
 * returns the height the footnote needs (0 without the factor). */
static double footnote_h(struct render_ctx *c)
{
	double f;

	if (!render_get(c->site, "co2_factor_kg_per_kwh", NULL, &f))
		return 0;
	return (render_i18n_second() == RENDER_LANG_NONE ? 40 : 66) * c->u;
}

static void footnote(struct render_ctx *c, struct render_rect r)
{
	const char *src = json_string_value(
	    json_object_get(c->site, "co2_factor_source"));
	struct render_style st = {
		.px = 22 * c->u, .rgb = RENDER_RGB_TEXT_2, .max_w = r.w,
	};
	char factor[400], line[2][640], *cut;
	double f;

	if (!render_get(c->site, "co2_factor_kg_per_kwh", NULL, &f))
		return;
	/* The source is the server's words, given only when it has them,
	 * and cut by characters (jansson's strings are UTF-8) so that a
	 * long one cannot leave half a character behind. */
	if (src && *src) {
		cut = g_utf8_substring(src, 0,
				       MIN(g_utf8_strlen(src, -1), 80));
		snprintf(factor, sizeof factor, "%.3f kg-CO2/kWh (%s)", f,
			 cut);
		g_free(cut);
	} else {
		snprintf(factor, sizeof factor, "%.3f kg-CO2/kWh", f);
	}
	render_trf(line[0], sizeof line[0], line[1], sizeof line[1],
		   N_("emission factor %s · a cedar absorbs 8.8 kg a year "
		      "(Forestry Agency) · LED lamp 10 W"), factor);
	render_text(c, &st, r.x, r.y, line[0]);
	if (*line[1]) {
		st.second = true;
		render_text(c, &st, r.x, r.y + 28 * c->u, line[1]);
	}
}

void render_co2(struct render_ctx *c, struct render_rect body)
{
	struct render_tile co2 = {
		L_(N_("CO2 avoided by solar today")),
		.unit = "kg", .rgb = RENDER_RGB_SOLAR, .bar = NAN,
	};
	struct render_tile kwh = {
		L_(N_("Solar energy today")),
		.unit = "kWh", .rgb = RENDER_RGB_SOLAR, .bar = NAN,
	};
	struct render_tile trees = {
		L_(N_("Cedars absorbing as much in a day")),
		.unit = _("trees"), .rgb = RENDER_RGB_STABLE, .bar = NAN,
	};
	struct render_tile lamps = {
		L_(N_("Hours of one LED lamp")),
		.unit = _("h"), .rgb = RENDER_RGB_TODAY, .bar = NAN,
	};
	char num[4][32];
	struct render_rect top, rest, row, foot;
	double v, fh;

	if (render_get(c->site, "co2_kg", NULL, &v)) {
		render_fmt_num(num[0], sizeof num[0], v, v < 100 ? 1 : 0);
		co2.num = num[0];
	}
	if (render_get(c->site, "energy_kwh", NULL, &v)) {
		render_fmt_num(num[1], sizeof num[1], v, v < 100 ? 1 : 0);
		kwh.num = num[1];
	}
	if (render_get(c->site, "tree_days", NULL, &v)) {
		render_fmt_num(num[2], sizeof num[2], v, 0);
		trees.num = num[2];
	}
	if (render_get(c->site, "lamp_hours", NULL, &v)) {
		render_fmt_num(num[3], sizeof num[3], v, 0);
		lamps.num = num[3];
	}

	/* the footnote's lines under everything */
	rest = body;
	fh = footnote_h(c);
	if (fh > 0 && body.h > 2 * fh) {
		render_cut(body, 1 - fh / body.h, 8 * c->u, true, &rest,
			   &foot);
		footnote(c, foot);
	}

	if (c->portrait) {
		render_tiles(c, rest, true,
			     (struct render_tile[]){ co2, kwh, trees, lamps },
			     4);
		return;
	}
	render_cut(rest, 0.42, 28 * c->u, true, &top, &row);
	render_tiles(c, top, false, &co2, 1);
	render_tiles(c, row, false,
		     (struct render_tile[]){ kwh, trees, lamps }, 3);
}
