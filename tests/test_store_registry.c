/*
 * test_store_registry.c - credentials and the registry's life cycle
 * (store_registry.h) on a real SQLite file, checked against the file
 * through a second, independent connection.
 */
#include <glib.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"
#include "cloud/store/store_registry.h"

static char dir[] = "/tmp/akari-test-store-registry-XXXXXX";
static char path[256];

/* The integer answer of sql, read through a connection of its own. */
static long long query_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -2;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static bool is_base64url(const char *t)
{
	for (; *t; t++)
		if (!g_ascii_isalnum(*t) && *t != '-' && *t != '_')
			return false;
	return true;
}

static int count_token(const struct store_admin_token *t, void *ctx)
{
	int *n = ctx;

	(*n)++;
	if (!strcmp(t->name, "ops"))
		CHECK(t->revoked != 0);
	if (!strcmp(t->name, "lead"))
		CHECK_INT(t->revoked, 0);
	return 0;
}

static void test_tokens(struct store *st)
{
	char t1[STORE_TOKEN_LEN + 1], t2[STORE_TOKEN_LEN + 1];
	char small[8], name[64];
	char *hash;
	int n = 0;

	/* 32 random bytes in base64url without padding: 43 characters. */
	CHECK_INT(store_token_new(t1, sizeof t1), STORE_OK);
	CHECK_INT(store_token_new(t2, sizeof t2), STORE_OK);
	CHECK_INT((long long)strlen(t1), 43);
	CHECK(is_base64url(t1));
	CHECK(strcmp(t1, t2) != 0);
	CHECK_INT(store_token_new(small, sizeof small), STORE_INVALID);

	CHECK_INT(store_admin_token_add(st, "lead", t1, sizeof t1), STORE_OK);
	CHECK_INT((long long)strlen(t1), 43);
	CHECK_INT(store_admin_token_add(st, "lead", t2, sizeof t2),
		  STORE_EXISTS);
	CHECK(strstr(store_errmsg(st), "'lead'") != NULL);
	CHECK_INT(store_admin_token_add(st, "", t2, sizeof t2), STORE_INVALID);
	CHECK_INT(store_admin_token_add(st, "a\nb", t2, sizeof t2),
		  STORE_INVALID);
	CHECK_INT(query_int("SELECT count(*) FROM admin_tokens"), 1);

	/* Only the SHA-256 of the token is in the file. */
	hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, t1, -1);
	{
		char sql[256];

		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM admin_tokens WHERE "
			 "token_hash = '%s' AND name = 'lead'", hash);
		CHECK_INT(query_int(sql), 1);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM admin_tokens WHERE "
			 "token_hash = '%s'", t1);
		CHECK_INT(query_int(sql), 0);
	}
	g_free(hash);

	CHECK_INT(store_admin_auth(st, t1, name, sizeof name), STORE_OK);
	CHECK_STR(name, "lead");
	CHECK_INT(store_admin_auth(st, "nope", name, sizeof name),
		  STORE_NOT_FOUND);
	CHECK_INT(store_admin_auth(st, "", name, sizeof name),
		  STORE_NOT_FOUND);

	/* Revoked: refused at once, and named as revoked. */
	CHECK_INT(store_admin_token_add(st, "ops", t2, sizeof t2), STORE_OK);
	CHECK_INT(store_admin_auth(st, t2, name, sizeof name), STORE_OK);
	CHECK_INT(store_admin_token_revoke(st, "ops"), STORE_OK);
	CHECK_INT(store_admin_auth(st, t2, name, sizeof name),
		  STORE_NOT_FOUND);
	CHECK(strstr(store_errmsg(st), "'ops' is revoked") != NULL);
	CHECK_INT(store_admin_token_revoke(st, "ops"), STORE_NOT_FOUND);
	CHECK_INT(store_admin_token_revoke(st, "nobody"), STORE_NOT_FOUND);
	CHECK_INT(store_admin_auth(st, t1, name, sizeof name), STORE_OK);

	CHECK_INT(store_admin_tokens_each(st, count_token, &n), STORE_OK);
	CHECK_INT(n, 2);
}

/* The number sql counts, as a check against the file itself. */
#define COUNT(sql, want) CHECK_INT(query_int(sql), want)

static void test_sites(struct store *st)
{
	struct store_site_change ch = {0};
	struct store_site_info info;

	CHECK_INT(store_site_add(st, "city", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "hall", "building", "Asia/Tokyo", "city"),
		  STORE_OK);
	CHECK_INT(store_site_add(st, "room", "room", "Asia/Tokyo", "hall"),
		  STORE_OK);

	CHECK_INT(store_site_info_get(st, "room", &info), STORE_OK);
	CHECK_STR(info.parent, "hall");
	CHECK_INT(info.retired, 0);
	CHECK(info.created > 0);

	/* city -> hall -> room: city under room would be a loop. */
	ch.parent = "room";
	CHECK_INT(store_site_change(st, "city", &ch), STORE_CONFLICT);
	CHECK(strstr(store_errmsg(st), "itself") != NULL);
	ch.parent = "city";
	CHECK_INT(store_site_change(st, "city", &ch), STORE_CONFLICT);
	COUNT("SELECT count(*) FROM sites WHERE parent_id IS NULL", 1);

	ch.parent = "nowhere";
	CHECK_INT(store_site_change(st, "hall", &ch), STORE_NOT_FOUND);
	CHECK(strstr(store_errmsg(st), "parent") != NULL);
	ch = (struct store_site_change){.tz = "Mars/Base"};
	CHECK_INT(store_site_change(st, "hall", &ch), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "Mars/Base") != NULL);
	ch = (struct store_site_change){.name = "city"};
	CHECK_INT(store_site_change(st, "hall", &ch), STORE_EXISTS);
	ch = (struct store_site_change){.kind = "x"};
	CHECK_INT(store_site_change(st, "nope", &ch), STORE_NOT_FOUND);
	COUNT("SELECT count(*) FROM sites WHERE name = 'hall' AND "
	      "kind = 'building' AND tz = 'Asia/Tokyo'", 1);

	/* Several fields in one change; "" removes the parent. */
	ch = (struct store_site_change){.kind = "school",
					.tz = "Europe/Berlin", .parent = ""};
	CHECK_INT(store_site_change(st, "room", &ch), STORE_OK);
	COUNT("SELECT count(*) FROM sites WHERE name = 'room' AND "
	      "kind = 'school' AND tz = 'Europe/Berlin' AND "
	      "parent_id IS NULL", 1);
	ch = (struct store_site_change){.name = "lab"};
	CHECK_INT(store_site_change(st, "room", &ch), STORE_OK);
	CHECK_INT(store_site_info_get(st, "room", &info), STORE_NOT_FOUND);
	CHECK_INT(store_site_info_get(st, "lab", &info), STORE_OK);
}

struct names {
	char all[256];
};

static int add_device_name(const struct store_device *d, void *ctx)
{
	struct names *n = ctx;

	g_strlcat(n->all, d->name, sizeof n->all);
	g_strlcat(n->all, ",", sizeof n->all);
	return 0;
}

static int add_point_key(const struct store_point_info *p, void *ctx)
{
	struct names *n = ctx;

	g_strlcat(n->all, p->point.key, sizeof n->all);
	g_strlcat(n->all, ",", sizeof n->all);
	return 0;
}

static void test_devices(struct store *st)
{
	char t1[STORE_TOKEN_LEN + 1], t2[STORE_TOKEN_LEN + 1];
	char s[STORE_TOKEN_LEN + 1];
	struct store_device_change ch = {0};
	struct store_device d;
	struct names n = {""};
	int64_t dev, sid, ids[2], seen[2];
	double rate = 2.5;
	int64_t burst = 5;

	CHECK_INT(store_device_add(st, "hall", "m1", "meter", t1, sizeof t1),
		  STORE_OK);
	CHECK_INT(store_device_add(st, "hall", "m2", "meter", t2, sizeof t2),
		  STORE_OK);
	CHECK_INT(store_device_auth_full(st, t1, &d), STORE_OK);
	CHECK_STR(d.name, "m1");
	CHECK_STR(d.site, "hall");
	CHECK(!d.signing);

	/* Rotation: the old token is unknown at once, the new one works. */
	CHECK_INT(store_device_token_rotate(st, "hall", "m1", s, sizeof s),
		  STORE_OK);
	CHECK_INT(store_device_auth_full(st, t1, &d), STORE_NOT_FOUND);
	CHECK_INT(store_device_auth(st, t1, &dev, &sid), STORE_NOT_FOUND);
	CHECK_INT(store_device_auth_full(st, s, &d), STORE_OK);
	memcpy(t1, s, sizeof t1);

	/* Revocation: refused by both lookups, and named. */
	CHECK_INT(store_device_token_revoke(st, "hall", "m2"), STORE_OK);
	CHECK_INT(store_device_auth_full(st, t2, &d), STORE_CONFLICT);
	CHECK(strstr(store_errmsg(st), "revoked") != NULL);
	CHECK_INT(store_device_auth(st, t2, &dev, &sid), STORE_NOT_FOUND);
	CHECK_INT(store_device_token_revoke(st, "hall", "m2"), STORE_CONFLICT);

	/* Signing: the secret comes back only from the auth lookup. */
	CHECK_INT(store_device_secret_new(st, "hall", "m1", s, sizeof s),
		  STORE_OK);
	CHECK_INT(store_device_auth_full(st, t1, &d), STORE_OK);
	CHECK(d.signing);
	CHECK_STR(d.secret, s);
	CHECK_INT(store_device_get(st, "hall", "m1", &d), STORE_OK);
	CHECK(d.signing);
	CHECK_STR(d.secret, "");
	CHECK_INT(store_device_secret_clear(st, "hall", "m1"), STORE_OK);
	CHECK_INT(store_device_secret_clear(st, "hall", "m1"), STORE_CONFLICT);

	/* Limits; 0 goes back to the default (NULL in the file). */
	ch.rate_per_s = &rate;
	ch.burst = &burst;
	CHECK_INT(store_device_change(st, "hall", "m1", &ch), STORE_OK);
	COUNT("SELECT count(*) FROM devices WHERE name = 'm1' AND "
	      "rate_per_s = 2.5 AND burst = 5 AND max_body IS NULL", 1);
	burst = 0;
	ch.rate_per_s = NULL;
	CHECK_INT(store_device_change(st, "hall", "m1", &ch), STORE_OK);
	COUNT("SELECT count(*) FROM devices WHERE name = 'm1' AND "
	      "rate_per_s = 2.5 AND burst IS NULL", 1);
	burst = -1;
	CHECK_INT(store_device_change(st, "hall", "m1", &ch), STORE_INVALID);
	ch = (struct store_device_change){.name = "m2"};
	CHECK_INT(store_device_change(st, "hall", "m1", &ch), STORE_EXISTS);
	CHECK_INT(store_device_change(st, "hall", "zz", &ch), STORE_NOT_FOUND);

	/* Last seen: one transaction for many; an older time is ignored. */
	ids[0] = d.id;
	seen[0] = 2000;
	CHECK_INT(store_devices_touch(st, ids, seen, 1), STORE_OK);
	seen[0] = 1000;
	CHECK_INT(store_device_get(st, "hall", "m2", &d), STORE_OK);
	ids[1] = d.id;
	seen[1] = 1500;
	CHECK_INT(store_devices_touch(st, ids, seen, 2), STORE_OK);
	COUNT("SELECT last_seen FROM devices WHERE name = 'm1'", 2000);
	COUNT("SELECT last_seen FROM devices WHERE name = 'm2'", 1500);

	/* Retiring: the token stops, the list hides it, changes refused. */
	CHECK_INT(store_device_retire(st, "hall", "m1"), STORE_OK);
	CHECK_INT(store_device_auth_full(st, t1, &d), STORE_CONFLICT);
	CHECK(strstr(store_errmsg(st), "retired") != NULL);
	CHECK_INT(store_device_auth(st, t1, &dev, &sid), STORE_NOT_FOUND);
	CHECK_INT(store_device_retire(st, "hall", "m1"), STORE_CONFLICT);
	ch = (struct store_device_change){.kind = "x"};
	CHECK_INT(store_device_change(st, "hall", "m1", &ch), STORE_CONFLICT);
	CHECK_INT(store_device_token_rotate(st, "hall", "m1", s, sizeof s),
		  STORE_CONFLICT);
	CHECK_INT(store_devices_list(st, "hall", false, add_device_name, &n),
		  STORE_OK);
	CHECK_STR(n.all, "m2,");
	n.all[0] = '\0';
	CHECK_INT(store_devices_list(st, NULL, true, add_device_name, &n),
		  STORE_OK);
	CHECK_STR(n.all, "m1,m2,");
	CHECK_INT(store_devices_list(st, "nope", true, add_device_name, &n),
		  STORE_NOT_FOUND);
}

static void test_points(struct store *st)
{
	struct store_point p = {0};
	struct store_point_change ch = {0};
	struct store_point_info info;
	enum store_point_kind kind = STORE_COUNTER;
	struct names n = {""};
	int64_t retired;
	int step = 60;

	snprintf(p.key, sizeof p.key, "hall/power");
	snprintf(p.site, sizeof p.site, "hall");
	snprintf(p.quantity, sizeof p.quantity, "power");
	snprintf(p.unit, sizeof p.unit, "kW");
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	snprintf(p.key, sizeof p.key, "hall/energy");
	CHECK_INT(store_point_add(st, &p), STORE_OK);

	ch.kind = &kind;
	ch.step_s = &step;
	ch.unit = "kWh";
	CHECK_INT(store_point_change(st, "hall/energy", &ch), STORE_OK);
	COUNT("SELECT count(*) FROM points WHERE key = 'hall/energy' AND "
	      "kind = 'counter' AND step_s = 60 AND unit = 'kWh' AND "
	      "quantity = 'power'", 1);
	step = -5;
	CHECK_INT(store_point_change(st, "hall/energy", &ch), STORE_INVALID);
	step = 60;
	CHECK_INT(store_point_change(st, "hall/none", &ch), STORE_NOT_FOUND);

	CHECK_INT(store_point_info_get(st, "hall/power", &info), STORE_OK);
	CHECK_INT(store_point_retired(st, info.point.id, &retired), STORE_OK);
	CHECK_INT(retired, 0);
	CHECK_INT(store_point_retire(st, "hall/power"), STORE_OK);
	CHECK_INT(store_point_retired(st, info.point.id, &retired), STORE_OK);
	CHECK(retired > 0);
	CHECK_INT(store_point_retire(st, "hall/power"), STORE_CONFLICT);
	step = 30;
	CHECK_INT(store_point_change(st, "hall/power", &ch), STORE_CONFLICT);

	/* store_point_get still finds it, marked, for its history. */
	CHECK_INT(store_point_get(st, "hall/power", &p), STORE_OK);
	CHECK(p.retired > 0);
	CHECK_INT(store_points_list(st, "hall", false, add_point_key, &n),
		  STORE_OK);
	CHECK_STR(n.all, "hall/energy,");
	n.all[0] = '\0';
	CHECK_INT(store_points_list(st, NULL, true, add_point_key, &n),
		  STORE_OK);
	CHECK_STR(n.all, "hall/energy,hall/power,");
}

static void test_site_retire(struct store *st)
{
	char t[STORE_TOKEN_LEN + 1];
	struct store_point p = {0};

	/* hall still has m2, hall/energy and no child (room was moved). */
	CHECK_INT(store_site_retire(st, "hall"), STORE_CONFLICT);
	CHECK(strstr(store_errmsg(st), "1 devices, 1 points") != NULL);
	COUNT("SELECT count(*) FROM sites WHERE retired IS NOT NULL", 0);
	CHECK_INT(store_site_retire(st, "city"), STORE_CONFLICT);
	CHECK(strstr(store_errmsg(st), "1 child sites") != NULL);

	CHECK_INT(store_device_retire(st, "hall", "m2"), STORE_OK);
	CHECK_INT(store_point_retire(st, "hall/energy"), STORE_OK);
	CHECK_INT(store_site_retire(st, "hall"), STORE_OK);
	CHECK_INT(store_site_retire(st, "hall"), STORE_CONFLICT);
	CHECK_INT(store_site_retire(st, "city"), STORE_OK);

	/* Nothing new on a retired site. */
	CHECK_INT(store_device_add(st, "hall", "m3", "meter", t, sizeof t),
		  STORE_CONFLICT);
	snprintf(p.key, sizeof p.key, "hall/new");
	snprintf(p.site, sizeof p.site, "hall");
	snprintf(p.quantity, sizeof p.quantity, "power");
	snprintf(p.unit, sizeof p.unit, "kW");
	CHECK_INT(store_point_add(st, &p), STORE_CONFLICT);
	CHECK_INT(store_site_add(st, "annex", "building", "UTC", "hall"),
		  STORE_CONFLICT);
	COUNT("SELECT count(*) FROM devices", 2);
	COUNT("SELECT count(*) FROM points", 2);
	COUNT("SELECT count(*) FROM sites", 3);
}

/*
 * The HTTP routes address a device as /devices/SITE/NAME[/token|/secret]
 * and a site as /sites/NAME[/summary], so a '/' in a site or device name
 * would make two items one path: site "a" with device "b/m1" and site
 * "a/b" with device "m1", or device "m1/token" and the token of "m1".
 * Neither name may hold one, at creation or by a change; the tables are
 * unchanged by the refusals.
 */
static void test_slash_names(struct store *st)
{
	struct store_site_change sc = {.name = "north/annex"};
	struct store_device_change dc = {.name = "m1/token"};
	char token[STORE_TOKEN_LEN + 1];
	long long sites, devices;

	CHECK_INT(store_site_add(st, "slash", "building", "UTC", NULL),
		  STORE_OK);
	CHECK_INT(store_device_add(st, "slash", "m1", "meter", token,
				   sizeof token), STORE_OK);
	sites = query_int("SELECT count(*) FROM sites");
	devices = query_int("SELECT count(*) FROM devices");

	CHECK_INT(store_site_add(st, "a/b", "building", "UTC", NULL),
		  STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "'/'") != NULL);
	CHECK_INT(store_site_change(st, "slash", &sc), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "'/'") != NULL);
	CHECK_INT(store_device_add(st, "slash", "b/m1", "meter", token,
				   sizeof token), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "'/'") != NULL);
	CHECK_INT(store_device_change(st, "slash", "m1", &dc), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "'/'") != NULL);

	CHECK_INT(query_int("SELECT count(*) FROM sites"), sites);
	CHECK_INT(query_int("SELECT count(*) FROM devices"), devices);
	CHECK_INT(query_int("SELECT count(*) FROM sites WHERE name = 'slash'"),
		  1);
	CHECK_INT(query_int("SELECT count(*) FROM devices WHERE name = 'm1' "
			    "AND site_id = (SELECT id FROM sites WHERE "
			    "name = 'slash')"), 1);
}

int main(void)
{
	struct store *st = NULL;
	char err[512];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/r.db", dir);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	if (!st)
		return check_finish();

	test_tokens(st);
	test_sites(st);
	test_devices(st);
	test_points(st);
	test_site_retire(st);
	test_slash_names(st);

	store_close(st);
	unlink(path);
	g_autofree char *wal = g_strdup_printf("%s-wal", path);
	g_autofree char *shm = g_strdup_printf("%s-shm", path);
	unlink(wal);
	unlink(shm);
	rmdir(dir);
	return check_finish();
}
