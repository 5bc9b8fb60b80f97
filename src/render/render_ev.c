/*
 * render_ev.c - EV charging today: the sessions that began and the
 * energy delivered since local midnight, and their ratio.
 *
 * Coordinates: device pixels, origin top left, y down; sizes in layout
 * units (c->u).  Three tiles side by side, or one under the other in
 * portrait.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>

void render_ev(struct render_ctx *c, struct render_rect body)
{
	struct render_tile n_t = {
		L_(N_("Charging sessions today")),
		.unit = _("sessions"), .rgb = RENDER_RGB_SUPPLY, .bar = NAN,
	};
	struct render_tile e_t = {
		L_(N_("Energy charged today")),
		.unit = "kWh", .rgb = RENDER_RGB_SUPPLY, .bar = NAN,
	};
	struct render_tile avg_t = {
		L_(N_("Per session")),
		.unit = "kWh", .rgb = RENDER_RGB_TODAY, .bar = NAN,
	};
	char num[3][32], cja[64], cen[64];
	double n = NAN, e = NAN;
	int64_t at;

	if (render_get(c->site, "sessions", NULL, &n)) {
		render_fmt_num(num[0], sizeof num[0], n, 0);
		n_t.num = num[0];
		at = render_data_at(c);
		render_fmt_as_of(cja, sizeof cja, cen, sizeof cen, at, c->tz);
		n_t.cap_ja = cja;
		n_t.cap_en = cen;
	}
	if (render_get(c->site, "energy_kwh", NULL, &e)) {
		render_fmt_num(num[1], sizeof num[1], e, 1);
		e_t.num = num[1];
	}
	if (n_t.num && e_t.num && n > 0) {
		render_fmt_num(num[2], sizeof num[2], e / n, 1);
		avg_t.num = num[2];
	}
	render_tiles(c, body, c->portrait,
		     (struct render_tile[]){ n_t, e_t, avg_t }, 3);
}
