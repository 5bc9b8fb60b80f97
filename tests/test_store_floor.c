/*
 * test_store_floor.c - a site's floor area: set, read, cleared, and
 * refused (not a number above 0, unknown site) without a change.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "test_util.h"
#include "cloud/store/store.h"
#include "cloud/store/store_floor.h"

int main(void)
{
	static const double bad[] = { 0, -1, -0.0, INFINITY, -INFINITY };
	char dir[128];
	struct store *st;
	double m2;

	test_make_tmpdir(dir, sizeof dir, "floor");
	st = test_fresh_store(dir, "floor");
	CHECK_INT(store_site_add(st, "hall", "building", "Asia/Tokyo", NULL),
		  STORE_OK);

	/* None until set. */
	CHECK_INT(store_site_floor_area(st, "hall", &m2), STORE_OK);
	CHECK(isnan(m2));

	CHECK_INT(store_site_set_floor_area(st, "hall", 1234.5), STORE_OK);
	CHECK_INT(store_site_floor_area(st, "hall", &m2), STORE_OK);
	CHECK_DBL(m2, 1234.5, 0);

	/* Refused values leave the area as it was, and say why. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(store_site_set_floor_area(st, "hall", bad[i]),
			  STORE_INVALID);
		CHECK(strstr(store_errmsg(st), "hall") != NULL);
		CHECK_INT(store_site_floor_area(st, "hall", &m2), STORE_OK);
		CHECK_DBL(m2, 1234.5, 0);
	}

	/* An unknown site. */
	CHECK_INT(store_site_set_floor_area(st, "nowhere", 10),
		  STORE_NOT_FOUND);
	CHECK(strstr(store_errmsg(st), "nowhere") != NULL);
	CHECK_INT(store_site_floor_area(st, "nowhere", &m2),
		  STORE_NOT_FOUND);
	CHECK(isnan(m2));

	/* NAN clears it. */
	CHECK_INT(store_site_set_floor_area(st, "hall", NAN), STORE_OK);
	CHECK_INT(store_site_floor_area(st, "hall", &m2), STORE_OK);
	CHECK(isnan(m2));

	store_close(st);

	/* The schema refuses what the store would: a write past it. */
	{
		char path[256];
		sqlite3 *db = NULL;

		snprintf(path, sizeof path, "%s/floor1.db", dir);
		CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
		CHECK_INT(sqlite3_exec(db,
				       "UPDATE sites SET floor_area_m2 = -5",
				       NULL, NULL, NULL), SQLITE_CONSTRAINT);
		CHECK_INT(sqlite3_exec(db,
				       "UPDATE sites SET floor_area_m2 = 7",
				       NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	test_remove_tree(dir);
	return check_finish();
}
