/*
 * test_content_slides.c - the slide names the server takes in a playlist
 * are the renderer's own, each once and in the renderer's order, so that
 * no playlist is refused for a slide a kiosk draws or taken for one it
 * cannot; and the check's message names the item and every slide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cloud/api/api_content.h"
#include "render/render.h"

static void test_same_names(void)
{
	int n = 0;

	while (api_content_slides[n])
		n++;
	CHECK_INT(n, RENDER_SLIDE_COUNT);
	for (int i = 0; i < n && i < RENDER_SLIDE_COUNT; i++)
		CHECK_STR(api_content_slides[i],
			  render_slide_name((enum render_slide)i));
}

static void test_check(void)
{
	char err[256] = "", *out = NULL;
	int rc;

	/* Every slide the renderer knows is taken. */
	for (int i = 0; i < RENDER_SLIDE_COUNT; i++) {
		char text[128];

		snprintf(text, sizeof text,
			 "{\"items\": [{\"slide\": \"%s\", \"seconds\": 5}]}",
			 render_slide_name((enum render_slide)i));
		rc = api_content_playlist_text(text, &out, err, sizeof err);
		CHECK_AT(rc == 0, "%s: %s", text, err);
		free(out);
		out = NULL;
	}

	/* Item 1 (from 0) names no slide. */
	rc = api_content_playlist_text(
	    "{\"items\": [{\"slide\": \"grid\", \"seconds\": 5},"
	    " {\"slide\": \"gird\", \"seconds\": 5}]}",
	    &out, err, sizeof err);
	CHECK_INT(rc, -1);
	CHECK(out == NULL);
	CHECK_STR(err, "item 1: slide \"gird\" is not one of grid, solar, "
		       "household, air, co2, ranking, ev, weather, message, "
		       "image, qr");

	/* A name that is no short plain string is not repeated. */
	rc = api_content_playlist_text(
	    "{\"items\": [{\"slide\": 7, \"seconds\": 5}]}", &out, err,
	    sizeof err);
	CHECK_INT(rc, -1);
	CHECK(strncmp(err, "item 0: \"slide\" must be one of grid, ",
		      strlen("item 0: \"slide\" must be one of grid, ")) == 0);
	/* 36 bytes, over the 32 a name may have */
	rc = api_content_playlist_text(
	    "{\"items\": [{\"slide\": \"gridgridgridgridgridgridgridgridgrid\","
	    " \"seconds\": 5}]}",
	    &out, err, sizeof err);
	CHECK_INT(rc, -1);
	CHECK(strstr(err, "must be one of") != NULL);
}

int main(void)
{
	test_same_names();
	test_check();
	return check_finish();
}
