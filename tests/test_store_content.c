/*
 * test_store_content.c - store_content.h: playlists and their revisions,
 * schedules and their checks, groups, the emergency log and what is in
 * force.  Every refusal is checked for its code, its message and that
 * the tables are as they were.
 */
#include "test_util.h"

#include "cloud/store/store_content.h"

static int count_playlist(const struct store_playlist *p, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int count_schedule(const struct store_schedule *s, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int first_playlist(const struct store_playlist *p, void *ctx)
{
	char *buf = ctx;

	snprintf(buf, 256, "%s r%lld", p->body, (long long)p->revision);
	return 0;
}

struct seen {
	int n;
	char text[8][96];
};

static int collect(const struct store_emergency *e, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8)
		snprintf(s->text[s->n], sizeof s->text[0], "%s %s %s %s",
			 e->set ? "set" : "clear", e->target, e->actor,
			 e->message ? e->message : "-");
	s->n++;
	return 0;
}

static int playlists(struct store *st)
{
	int n = 0;

	CHECK_INT(store_playlist_walk(st, NULL, count_playlist, &n), STORE_OK);
	return n;
}

static int schedules(struct store *st)
{
	int n = 0;

	CHECK_INT(store_schedule_walk(st, NULL, false, count_schedule, &n),
		  STORE_OK);
	return n;
}

static void test_playlists(struct store *st)
{
	char buf[256] = "";
	int64_t rev = 0;
	bool created = false;

	CHECK_INT(store_playlist_put(st, "default", "{\"items\":[1]}", 100,
				     &created, &rev), STORE_OK);
	CHECK(created);
	CHECK_INT(rev, 1);
	CHECK_INT(store_playlist_put(st, "default", "{\"items\":[2]}", 200,
				     &created, &rev), STORE_OK);
	CHECK(!created);
	CHECK_INT(rev, 2);
	CHECK_INT(store_playlist_walk(st, "default", first_playlist, buf),
		  STORE_OK);
	CHECK_STR(buf, "{\"items\":[2]} r2");

	CHECK_INT(store_playlist_put(st, "a b", "{}", 0, &created, &rev),
		  STORE_INVALID);
	test_check_message(store_errmsg(st), "a playlist name must be", true);
	CHECK_INT(store_playlist_walk(st, "nope", first_playlist, buf),
		  STORE_NOT_FOUND);
	CHECK_STR(store_errmsg(st), "no playlist 'nope'");
	CHECK_INT(store_playlist_delete(st, "nope"), STORE_NOT_FOUND);
	CHECK_INT(playlists(st), 1);
}

static void test_schedules(struct store *st)
{
	const char *ids[] = {"hall-1", "hall-2"};
	struct store_schedule s = {
		.playlist = "default", .group = "station",
		.date_from = "2026-12-01", .date_to = "2026-12-25",
		.weekdays = 1, .start_min = 420, .end_min = 600,
	};
	struct store_schedule bad;
	char name[STORE_CONTENT_NAME_MAX + 1], tz[STORE_CONTENT_NAME_MAX + 1];
	int64_t id = 0;

	/* The group comes first. */
	CHECK_INT(store_schedule_add(st, &s, &id), STORE_NOT_FOUND);
	CHECK_STR(store_errmsg(st), "no group 'station'");
	CHECK_INT(store_group_put(st, "station", "Mars/Olympus", ids, 2),
		  STORE_INVALID);
	CHECK_STR(store_errmsg(st), "unknown time zone 'Mars/Olympus'");
	CHECK_INT(store_group_put(st, "station", "Europe/London", ids, 2),
		  STORE_OK);
	CHECK_INT(store_group_of(st, "hall-2", name, tz), STORE_OK);
	CHECK_STR(name, "station");
	CHECK_STR(tz, "Europe/London");
	/* Joining another group leaves the first. */
	CHECK_INT(store_group_put(st, "mall", "Asia/Tokyo", ids + 1, 1),
		  STORE_OK);
	CHECK_INT(store_group_of(st, "hall-2", name, tz), STORE_OK);
	CHECK_STR(name, "mall");
	CHECK_INT(store_group_of(st, "hall-9", name, tz), STORE_NOT_FOUND);

	CHECK_INT(store_schedule_add(st, &s, &id), STORE_OK);
	CHECK(id > 0);

	bad = s;
	bad.date_from = "2026-02-30";
	CHECK_INT(store_schedule_add(st, &bad, &id), STORE_INVALID);
	CHECK_STR(store_errmsg(st), "dates must be YYYY-MM-DD and exist");
	bad = s;
	bad.date_to = "2026-12-01";
	CHECK_INT(store_schedule_add(st, &bad, &id), STORE_INVALID);
	CHECK_STR(store_errmsg(st), "from (2026-12-01) must come before to "
		  "(2026-12-01), which is excluded");
	bad = s;
	bad.weekdays = 0;
	CHECK_INT(store_schedule_add(st, &bad, &id), STORE_INVALID);
	bad = s;
	bad.end_min = 1441;
	CHECK_INT(store_schedule_add(st, &bad, &id), STORE_INVALID);
	bad = s;
	bad.playlist = "nope";
	CHECK_INT(store_schedule_add(st, &bad, &id), STORE_NOT_FOUND);
	CHECK_STR(store_errmsg(st), "no playlist 'nope'");
	CHECK_INT(schedules(st), 1);

	/* What a schedule uses cannot go. */
	CHECK_INT(store_playlist_delete(st, "default"), STORE_EXISTS);
	CHECK_INT(store_group_delete(st, "station"), STORE_EXISTS);
	CHECK_INT(playlists(st), 1);
	CHECK_INT(store_schedule_delete(st, 999), STORE_NOT_FOUND);
	CHECK_INT(store_group_delete(st, "mall"), STORE_OK);
	CHECK_INT(store_group_of(st, "hall-2", name, tz), STORE_NOT_FOUND);
}

static void test_emergency(struct store *st)
{
	struct store_emergency e = {.target = STORE_EMERGENCY_ALL, .set = true,
				    .message = "避難してください",
				    .actor = "desk", .at = 1000};
	struct seen seen = {0};
	char long_text[501 * 3 + 1] = "";
	int64_t id = 0;

	for (int i = 0; i < 501; i++)
		strcat(long_text, "あ");

	/* Nothing to clear yet; an unknown group; no message. */
	e.set = false;
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_NOT_FOUND);
	CHECK_STR(store_errmsg(st), "no emergency message is set for all "
		  "displays");
	e.set = true;
	e.target = "nope";
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_NOT_FOUND);
	e.target = STORE_EMERGENCY_ALL;
	e.message = "";
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_INVALID);
	e.message = "避難してください";
	e.actor = "";
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_INVALID);
	e.actor = "desk";
	/* 501 characters (1503 bytes of "あ"), from the CLI as from HTTP,
	 * are one too many: what a display can show in large type. */
	e.message = long_text;
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_INVALID);
	CHECK(strstr(store_errmsg(st), "500") != NULL);
	e.message = "避難してください";
	CHECK_INT(store_emergency_history(st, 10, collect, &seen), STORE_OK);
	CHECK_INT(seen.n, 0);

	/* One for all, one for the station, newer. */
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_OK);
	e.target = "station";
	e.message = "ホーム閉鎖";
	e.actor = "ops";
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_OK);

	CHECK_INT(store_emergency_active(st, "station", true, collect, &seen),
		  STORE_OK);
	CHECK_INT(seen.n, 2);
	CHECK_STR(seen.text[0], "set station ops ホーム閉鎖");
	CHECK_STR(seen.text[1], "set * desk 避難してください");
	seen.n = 0;
	/* A display in no group sees only the one for all. */
	CHECK_INT(store_emergency_active(st, NULL, true, collect, &seen),
		  STORE_OK);
	CHECK_INT(seen.n, 1);

	e.set = false;
	e.message = NULL;
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_OK);
	seen.n = 0;
	CHECK_INT(store_emergency_active(st, "station", true, collect, &seen),
		  STORE_OK);
	CHECK_INT(seen.n, 1);
	CHECK_STR(seen.text[0], "set * desk 避難してください");
	seen.n = 0;
	CHECK_INT(store_emergency_history(st, 10, collect, &seen), STORE_OK);
	CHECK_INT(seen.n, 3);
	CHECK_STR(seen.text[0], "clear station ops -");

	/* 500 characters are taken. */
	long_text[500 * 3] = '\0';
	e.set = true;
	e.message = long_text;
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_OK);
}

/* A group with a message in force is not deleted: its message could
 * then never be cleared, and a group made again under its name would
 * show it at once.  Cleared, the group goes, and one made again under
 * the name starts with no message. */
static void test_group_with_emergency(struct store *st)
{
	const char *ids[] = {"depot-1"};
	struct store_emergency e = {.target = "depot", .set = true,
				    .message = "車庫閉鎖", .actor = "desk",
				    .at = 2000};
	char name[STORE_CONTENT_NAME_MAX + 1], tz[STORE_CONTENT_NAME_MAX + 1];
	struct seen seen = {0};
	int64_t id = 0;
	int rows;

	CHECK_INT(store_group_put(st, "depot", "Asia/Tokyo", ids, 1),
		  STORE_OK);
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_OK);
	CHECK_INT(store_group_delete(st, "depot"), STORE_EXISTS);
	CHECK(strstr(store_errmsg(st), "depot") != NULL);
	CHECK(strstr(store_errmsg(st), "emergency") != NULL);
	CHECK_INT(store_group_of(st, "depot-1", name, tz), STORE_OK);
	CHECK_STR(name, "depot");
	CHECK_INT(store_emergency_history(st, 100, collect, &seen), STORE_OK);
	rows = seen.n;

	e.set = false;
	e.message = NULL;
	CHECK_INT(store_emergency_log(st, &e, &id), STORE_OK);
	CHECK_INT(store_group_delete(st, "depot"), STORE_OK);
	CHECK_INT(store_group_put(st, "depot", "Asia/Tokyo", ids, 1),
		  STORE_OK);
	seen.n = 0;
	CHECK_INT(store_emergency_active(st, NULL, false, collect, &seen),
		  STORE_OK);
	for (int i = 0; i < seen.n && i < 8; i++)
		CHECK(strncmp(seen.text[i], "set depot", 9) != 0);
	seen.n = 0;
	CHECK_INT(store_emergency_history(st, 100, collect, &seen), STORE_OK);
	CHECK_INT(seen.n, rows + 1);
	CHECK_INT(store_group_delete(st, "depot"), STORE_OK);
}

int main(void)
{
	char dir[256];
	struct store *st;

	test_make_tmpdir(dir, sizeof dir, "content");
	st = test_fresh_store(dir, "content");
	if (st) {
		test_playlists(st);
		test_schedules(st);
		test_emergency(st);
		test_group_with_emergency(st);
		store_close(st);
	}
	test_remove_tree(dir);
	return check_finish();
}
