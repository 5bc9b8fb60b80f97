/*
 * test_store_displays.c - the displays table: registration by the first
 * heartbeat, updates, the listing, refused input, and a database that
 * never saw a display.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"
#include "cloud/store/store_displays.h"

static char dir[] = "/tmp/akari-test-displays-XXXXXX";

struct seen {
	struct store_display d[4];
	int n;
};

static int collect(const struct store_display *d, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 4)
		s->d[s->n] = *d;
	s->n++;
	return 0;
}

static struct store_display display(const char *id, int64_t at)
{
	struct store_display d = {.uptime_s = 10, .cache_age_s = -1,
				  .last_seen = at};

	snprintf(d.id, sizeof d.id, "%s", id);
	snprintf(d.version, sizeof d.version, "0.1.0");
	snprintf(d.slide, sizeof d.slide, "grid");
	snprintf(d.address, sizeof d.address, "192.0.2.1");
	return d;
}

int main(void)
{
	struct store *st = NULL;
	struct store_display d;
	struct seen s = {0};
	char path[128], err[512];
	bool reg = false;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/d.db", dir);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);

	/* A new database has the table and no display yet. */
	CHECK_INT(store_displays_each(st, collect, &s), STORE_OK);
	CHECK_INT(s.n, 0);

	/* Registered by the first heartbeat, updated by the second. */
	d = display("b-2", 1000);
	CHECK_INT(store_display_beat(st, &d, &reg), STORE_OK);
	CHECK(reg);
	d.uptime_s = 40;
	d.cache_age_s = 5;
	d.last_seen = 1030;
	snprintf(d.slide, sizeof d.slide, "air");
	CHECK_INT(store_display_beat(st, &d, &reg), STORE_OK);
	CHECK(!reg);
	d = display("a.1", 1010);
	CHECK_INT(store_display_beat(st, &d, NULL), STORE_OK);

	/* In id order: "a.1" before "b-2". */
	CHECK_INT(store_displays_each(st, collect, &s), STORE_OK);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.d[0].id, "a.1");
	CHECK_INT(s.d[0].beats, 1);
	CHECK_INT(s.d[0].cache_age_s, -1);
	CHECK_INT(s.d[0].first_seen, 1010);
	CHECK_STR(s.d[1].id, "b-2");
	CHECK_INT(s.d[1].beats, 2);
	CHECK_INT(s.d[1].first_seen, 1000);
	CHECK_INT(s.d[1].last_seen, 1030);
	CHECK_INT(s.d[1].uptime_s, 40);
	CHECK_INT(s.d[1].cache_age_s, 5);
	CHECK_STR(s.d[1].slide, "air");
	CHECK_STR(s.d[1].address, "192.0.2.1");

	/* Refused: ids outside the set or too long, control characters,
	 * bytes that are not UTF-8.  None is stored. */
	CHECK(!store_display_id_ok(""));
	CHECK(!store_display_id_ok("a b"));
	CHECK(!store_display_id_ok("a/b"));
	CHECK(store_display_id_ok("A-z_0.9"));
	memset(err, 'x', 64);
	err[64] = '\0';
	CHECK(!store_display_id_ok(err));
	err[63] = '\0';
	CHECK(store_display_id_ok(err));
	d = display("c", 1);
	snprintf(d.slide, sizeof d.slide, "a\tb");
	CHECK_INT(store_display_beat(st, &d, NULL), STORE_INVALID);
	d = display("c", 1);
	snprintf(d.version, sizeof d.version, "\xff");
	CHECK_INT(store_display_beat(st, &d, NULL), STORE_INVALID);
	d = display("c d", 1);
	CHECK_INT(store_display_beat(st, &d, NULL), STORE_INVALID);
	s.n = 0;
	CHECK_INT(store_displays_each(st, collect, &s), STORE_OK);
	CHECK_INT(s.n, 2);

	/* The table is on disk: a new handle lists the same. */
	store_close(st);
	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	s.n = 0;
	CHECK_INT(store_displays_each(st, collect, &s), STORE_OK);
	CHECK_INT(s.n, 2);
	store_close(st);

	snprintf(path, sizeof path, "%s/d.db", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/d.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/d.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return check_finish();
}
