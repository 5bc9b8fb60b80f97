/*
 * store_floor.c - a site's floor area in m2, kept in sites.floor_area_m2
 * (migration 5).
 */
#include "cloud/store/store_floor.h"
#include "cloud/store/store_internal.h"

#include <math.h>
#include <stdio.h>

struct floor_op {
	const char *site;
	double m2;		/* set: the value; get: the answer */
};

static int db_failed(sqlite3 *db, const char *what, const char *site)
{
	return store_fail(STORE_IO, "%s of site \"%s\": %s", what, site,
			  sqlite3_errmsg(db));
}

static int set_on(sqlite3 *db, void *ctx)
{
	static const char q[] =
	    "UPDATE sites SET floor_area_m2 = ?1 WHERE name = ?2";
	struct floor_op *op = ctx;
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		rc = db_failed(db, "setting the floor area", op->site);
		goto out;
	}
	if (isnan(op->m2))
		sqlite3_bind_null(s, 1);
	else
		sqlite3_bind_double(s, 1, op->m2);
	sqlite3_bind_text(s, 2, op->site, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_failed(db, "setting the floor area", op->site);
		goto out;
	}
	rc = sqlite3_changes(db) == 1
		     ? STORE_OK
		     : store_fail(STORE_NOT_FOUND, "no site \"%s\"", op->site);
out:
	sqlite3_finalize(s);
	return rc;
}

int store_site_set_floor_area(struct store *st, const char *site, double m2)
{
	struct floor_op op = {.site = site, .m2 = m2};

	if (!site)
		return store_fail(STORE_INVALID, "no site named");
	if (!isnan(m2) && !(isfinite(m2) && m2 > 0))
		return store_fail(STORE_INVALID,
				  "floor area %g m2 of site \"%s\": want a "
				  "number above 0", m2, site);
	return store_with_conn(st, true, set_on, &op);
}

static int get_on(sqlite3 *db, void *ctx)
{
	static const char q[] =
	    "SELECT floor_area_m2 FROM sites WHERE name = ?1";
	struct floor_op *op = ctx;
	sqlite3_stmt *s = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		rc = db_failed(db, "reading the floor area", op->site);
		goto out;
	}
	sqlite3_bind_text(s, 1, op->site, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = store_fail(STORE_NOT_FOUND, "no site \"%s\"", op->site);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_failed(db, "reading the floor area", op->site);
		goto out;
	}
	op->m2 = sqlite3_column_type(s, 0) == SQLITE_NULL
			 ? NAN
			 : sqlite3_column_double(s, 0);
	rc = STORE_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_site_floor_area(struct store *st, const char *site, double *m2)
{
	struct floor_op op = {.site = site, .m2 = NAN};
	int rc;

	*m2 = NAN;
	if (!site)
		return store_fail(STORE_INVALID, "no site named");
	rc = store_with_conn(st, false, get_on, &op);
	if (!rc)
		*m2 = op.m2;
	return rc;
}
