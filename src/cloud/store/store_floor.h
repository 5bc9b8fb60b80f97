/*
 * store_floor.h - a site's floor area (sites.floor_area_m2), which the
 * signage ranking of buildings by energy per floor area divides by.
 *
 * Errors follow store.h: STORE_OK or a negative enum store_rc, with
 * store_errmsg() saying why.
 */
#ifndef AKARI_STORE_FLOOR_H
#define AKARI_STORE_FLOOR_H

#include "cloud/store/store.h"

/* Sets site's floor area to m2 square metres, or clears it when m2 is
 * NAN.  STORE_INVALID for an area that is not a finite number above 0,
 * STORE_NOT_FOUND for an unknown site (nothing is changed then). */
int store_site_set_floor_area(struct store *st, const char *site, double m2);

/* Reads site's floor area into *m2: NAN when none is recorded.
 * STORE_NOT_FOUND for an unknown site. */
int store_site_floor_area(struct store *st, const char *site, double *m2);

#endif
