/*
 * test_render_data.h - the server answers the render tests draw from,
 * kept as JSON files in tests/data/render/.
 */
#ifndef AKARI_TEST_RENDER_DATA_H
#define AKARI_TEST_RENDER_DATA_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* tests/data/render/NAME, parsed; a failed check and NULL when it does
 * not load.  The caller owns the reference.  AKARI_SOURCE_DIR names the
 * source tree (ctest sets it); else the parent of the working one. */
static inline json_t *test_render_json(const char *name)
{
	const char *top = getenv("AKARI_SOURCE_DIR");
	char path[1024];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/tests/data/render/%s",
		 top ? top : "..", name);
	j = json_load_file(path, 0, &err);
	CHECK_AT(j != NULL, "cannot load %s: %s", path, err.text);
	return j;
}

#endif
