/*
 * render_signage.c - what the slides past the first four share: which
 * section of the signage answer each draws from, and which of them need
 * no server data at all.
 */
#include "render/render_internal.h"

#include <string.h>

json_t *render_signage_site(const struct render_data *d,
			    enum render_slide slide)
{
	json_t *sec = NULL;

	switch (slide) {
	case RENDER_CO2:
		sec = json_object_get(d->signage, "solar");
		break;
	case RENDER_RANKING:
		sec = json_object_get(d->signage, "ranking");
		break;
	case RENDER_EV:
		sec = json_object_get(d->signage, "ev");
		break;
	case RENDER_WEATHER:
		sec = json_object_get(d->signage, "weather");
		break;
	default:
		break;
	}
	return json_is_object(sec) ? sec : NULL;
}

bool render_slide_standalone(enum render_slide slide)
{
	return slide == RENDER_MESSAGE || slide == RENDER_IMAGE ||
	       slide == RENDER_QR;
}

static bool given(const char *s)
{
	return s && *s;
}

bool render_slide_has_params(enum render_slide slide,
			     const struct render_params *p)
{
	switch (slide) {
	case RENDER_MESSAGE:
		return p && given(p->message);
	case RENDER_IMAGE:
		return p && given(p->image);
	case RENDER_QR:
		return p && given(p->qr_url);
	default:
		return true;
	}
}
