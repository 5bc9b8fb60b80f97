/*
 * store.c - the SQLite implementation of store.h.
 *
 * Two connections per handle, each guarded by its own mutex.  Writes go
 * through the writer, and holding its lock for a whole call keeps a
 * batch in one transaction.  Reads go through the reader: in WAL mode a
 * reader sees the last commit and never waits for a writer, so a write
 * stalled on a slow disk or on another program's lock (akari import on
 * the same file, up to the busy timeout) does not stall every GET of
 * the server behind it.  Statements used per request are prepared once.
 *
 * Readings go to the arrival log first (store_log.c) and reach their
 * blocks (store_blocks.c) and the rollups with its merges; every read
 * of them here and through store_with_conn() merges what is pending
 * first.
 */
#include "cloud/store/store.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_internal.h"
#include "cloud/store/store_log.h"
#include "cloud/store/store_lookup.h"
#include "cloud/store/store_rollup.h"
#include "cloud/store/store_registry.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/timeutil.h"

#define BUSY_TIMEOUT_MS STORE_BUSY_TIMEOUT_MS

/* One SQLite connection and the lock that makes it one caller's. */
struct conn {
	sqlite3 *db;
	pthread_mutex_t lock;
};

struct store {
	struct conn w;		/* writes, and the lookups inside them */
	struct conn r;		/* reads */
	struct conn spare;	/* reads of store_with_conn() while r is busy */
	struct store_log *log;	/* readings on their way in */
	sqlite3_stmt *exists;	/* r: is there a point with this id */
	/* Point ids known to exist: points are never deleted, so a batch
	 * is checked without SQL once its points have been seen. */
	GMutex known_lock;
	GHashTable *known;
	/* Shared by a batch from its points' lookup to its commit, taken
	 * alone by a point's change (store_lookup.h). */
	GRWLock points_lock;
	sqlite3_stmt *point;	/* r: a point and its site by key */
	sqlite3_stmt *auth;	/* r: a device by token hash */
};

static _Thread_local char errmsg[512];
static _Thread_local int errcode;

/*
 * Numbered migrations: migrations[i] brings user_version from i to i + 1.
 * A released migration is never edited; a change is a new entry.
 */
static const char *const migrations[] = {
	/* 1: registry and readings */
	"CREATE TABLE sites ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  tz TEXT NOT NULL,"
	"  parent_id INTEGER REFERENCES sites(id),"
	"  created INTEGER NOT NULL DEFAULT (unixepoch()));"
	"CREATE TABLE devices ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES sites(id),"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  UNIQUE (site_id, name));"
	"CREATE TABLE points ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  site_id INTEGER NOT NULL REFERENCES sites(id),"
	"  quantity TEXT NOT NULL,"
	"  unit TEXT NOT NULL,"
	"  kind TEXT NOT NULL"
	"    CHECK (kind IN ('instantaneous', 'counter', 'state')),"
	"  step_s INTEGER NOT NULL DEFAULT 0,"
	"  shift_days INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE readings ("
	"  point_id INTEGER NOT NULL REFERENCES points(id),"
	"  ts INTEGER NOT NULL,"
	"  value REAL NOT NULL,"
	"  PRIMARY KEY (point_id, ts)) WITHOUT ROWID;",

	/* 2: signage displays and their latest heartbeat */
	"CREATE TABLE displays ("
	"  id TEXT PRIMARY KEY,"
	"  version TEXT NOT NULL,"
	"  slide TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  uptime_s INTEGER NOT NULL,"
	"  cache_age_s INTEGER,"	/* NULL: no data shown yet */
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  beats INTEGER NOT NULL);",

	/* 3: credentials: admin tokens; retiring, revoking and liveness */
	"CREATE TABLE admin_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  revoked INTEGER);"	/* NULL: valid */
	"ALTER TABLE sites ADD COLUMN retired INTEGER;"	/* Unix s */
	"ALTER TABLE devices ADD COLUMN retired INTEGER;"
	"ALTER TABLE devices ADD COLUMN last_seen INTEGER;"
	"ALTER TABLE devices ADD COLUMN token_revoked INTEGER;"
	/* request signing (docs/registry.md): NULL is off */
	"ALTER TABLE devices ADD COLUMN hmac_secret TEXT;"
	/* limits; NULL takes the server's default */
	"ALTER TABLE devices ADD COLUMN rate_per_s REAL;"
	"ALTER TABLE devices ADD COLUMN burst INTEGER;"
	"ALTER TABLE devices ADD COLUMN max_body INTEGER;"
	"ALTER TABLE points ADD COLUMN retired INTEGER;",

	/* 4: rollups of readings, kept when raw readings expire
	 * (docs/rollups.md); store_rollup.c fills them for the readings
	 * already there in the same transaction */
	"CREATE TABLE rollups ("
	"  point_id INTEGER NOT NULL REFERENCES points(id),"
	"  res INTEGER NOT NULL,"	/* 1 30 min, 2 hour, 3 day, 4 month */
	"  ts INTEGER NOT NULL,"	/* bucket start */
	"  n INTEGER NOT NULL,"		/* readings with ts in the bucket */
	"  sum REAL NOT NULL,"
	"  min REAL,"			/* NULL when n is 0 */
	"  max REAL,"
	"  held INTEGER NOT NULL,"	/* seconds of holds in the bucket */
	"  kwh REAL NOT NULL,"		/* their energy */
	/* A commit touches the newest bucket of every point written:
	 * keyed by time first those rows share a few pages. */
	"  PRIMARY KEY (res, ts, point_id)) WITHOUT ROWID;"
	"CREATE INDEX rollups_point ON rollups (point_id, res, ts);"
	/* raw readings with ts < before may have been deleted */
	"CREATE TABLE raw_pruned ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  before INTEGER NOT NULL);"
	/* readings held back: a time too far ahead of the server's clock */
	"CREATE TABLE quarantine ("
	"  id INTEGER PRIMARY KEY,"
	"  point_id INTEGER NOT NULL REFERENCES points(id),"
	"  ts INTEGER NOT NULL,"
	"  value REAL NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  device_id INTEGER,"	/* NULL: the local importer */
	"  reason TEXT NOT NULL,"
	/* a reading sent again replaces its held copy, as in readings */
	"  UNIQUE (point_id, ts));"
	/* a cumulative register's digit count: it wraps at 10^digits */
	"ALTER TABLE points ADD COLUMN counter_digits INTEGER NOT NULL"
	"  DEFAULT 0;",

	/* 5: signage content: playlists and emergency messages */
	"CREATE TABLE playlists ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  body TEXT NOT NULL,"		/* JSON, see docs/playlists.md */
	"  revision INTEGER NOT NULL DEFAULT 1,"
	"  updated INTEGER NOT NULL DEFAULT (unixepoch()));"
	"CREATE TABLE display_groups ("
	"  name TEXT PRIMARY KEY,"
	"  tz TEXT NOT NULL);"
	"CREATE TABLE group_members ("
	"  display_id TEXT PRIMARY KEY,"
	"  group_name TEXT NOT NULL REFERENCES display_groups(name));"
	"CREATE TABLE schedules ("
	"  id INTEGER PRIMARY KEY,"
	"  playlist_id INTEGER NOT NULL REFERENCES playlists(id),"
	"  group_name TEXT REFERENCES display_groups(name),"	/* NULL: all */
	"  date_from TEXT,"		/* local date, included; NULL: open */
	"  date_to TEXT,"		/* local date, excluded; NULL: open */
	"  weekdays INTEGER NOT NULL,"	/* bit 0 Monday .. bit 6 Sunday */
	"  start_min INTEGER NOT NULL,"
	"  end_min INTEGER NOT NULL,"
	"  priority INTEGER NOT NULL);"
	"CREATE TABLE layer_rules ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  body TEXT NOT NULL,"
	"  updated INTEGER NOT NULL);"
	/* every set and clear of an emergency message, with who and when */
	"CREATE TABLE emergency_log ("
	"  id INTEGER PRIMARY KEY,"
	"  target TEXT NOT NULL,"	/* '*' or a group */
	"  action TEXT NOT NULL CHECK (action IN ('set', 'clear')),"
	"  message TEXT,"
	"  actor TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	/* for rankings of buildings by energy per floor area */
	"ALTER TABLE sites ADD COLUMN floor_area_m2 REAL"
	"  CHECK (floor_area_m2 > 0);"
	/* proof of play: what each display showed, and when */
	"CREATE TABLE plays ("
	"  display_id TEXT NOT NULL,"
	"  slide TEXT NOT NULL,"
	"  start INTEGER NOT NULL,"
	"  seconds REAL NOT NULL,"
	"  PRIMARY KEY (display_id, start, slide)) WITHOUT ROWID;"
	/* the newest screenshot of each display */
	"CREATE TABLE screenshots ("
	"  display_id TEXT PRIMARY KEY,"
	"  taken INTEGER NOT NULL,"
	"  png BLOB NOT NULL);"
	/* staff asked for a screenshot the display has not sent yet */
	"ALTER TABLE displays ADD COLUMN screenshot_requested INTEGER"
	"  NOT NULL DEFAULT 0;",

	/* 6: the arrival log (docs/storage.md): each row one acknowledged
	 * batch of readings, packed (point_id, ts, value) little-endian,
	 * 24 bytes each, until a merge moves it into readings */
	"CREATE TABLE arrivals ("
	"  seq INTEGER PRIMARY KEY,"
	"  n INTEGER NOT NULL,"		/* readings in body */
	"  body BLOB NOT NULL);",

	/* 7: rollups without their index by point (docs/rollups.md): a
	 * point's rows are looked up by key at its bucket starts; and an
	 * hour is read as its two half-hours, so it is not stored */
	"DROP INDEX IF EXISTS rollups_point;"
	"DELETE FROM rollups WHERE res = 2;",

	/* 8, BLOCKS_MIGRATION: raw readings as per-point store_codec blocks
	 * (docs/storage.md); store_blocks.c moves readings into them and
	 * drops that table in the same transaction.  A rowid table: a
	 * row of a few thousand bytes stays in its leaf page. */
	"CREATE TABLE blocks ("
	"  id INTEGER PRIMARY KEY,"
	"  point_id INTEGER NOT NULL REFERENCES points(id),"
	"  t0 INTEGER NOT NULL,"	/* first ts of the block */
	"  t1 INTEGER NOT NULL,"	/* last ts */
	"  n INTEGER NOT NULL,"		/* readings */
	"  body BLOB NOT NULL);"	/* docs/codec.md */
	"CREATE UNIQUE INDEX blocks_point ON blocks (point_id, t0);",

	/* 9: a count of the changes to points and sites, moved by triggers
	 * in whichever process makes them, so that a cache of points sees
	 * another process's change at its very next read (store_lookup.h,
	 * ingest_points.h) without reading the registry */
	"CREATE TABLE IF NOT EXISTS registry_version ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  v INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO registry_version (id, v) VALUES (1, 0);"
	"CREATE TRIGGER IF NOT EXISTS points_added AFTER INSERT ON points "
	"  BEGIN UPDATE registry_version SET v = v + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS points_changed AFTER UPDATE ON points "
	"  BEGIN UPDATE registry_version SET v = v + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS points_deleted AFTER DELETE ON points "
	"  BEGIN UPDATE registry_version SET v = v + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS sites_added AFTER INSERT ON sites "
	"  BEGIN UPDATE registry_version SET v = v + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS sites_changed AFTER UPDATE ON sites "
	"  BEGIN UPDATE registry_version SET v = v + 1; END;"
	"CREATE TRIGGER IF NOT EXISTS sites_deleted AFTER DELETE ON sites "
	"  BEGIN UPDATE registry_version SET v = v + 1; END;",

	/* 10: which batches of the log's side file (store_log.h) are
	 * merged: every seq up to log_applied's but those of log_kept,
	 * noted by each merge in its own transaction */
	"CREATE TABLE IF NOT EXISTS log_applied ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS log_kept (seq INTEGER PRIMARY KEY);",

	/* 11: no table changes.  Blocks are now cut by size and may hold
	 * up to 2,048 readings (store_blocks.h); releases before this one
	 * decode at most 1,024 and would take such blocks for damage.  The
	 * version makes them refuse the file as newer instead. */
	"",

	/* 12: a random token of this database, which the log's side file
	 * takes when it is made (store_log.c), so that a side file copied
	 * beside another database, or left by a server of a file since
	 * replaced by hand, is never merged into it */
	"CREATE TABLE IF NOT EXISTS file_id ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  token BLOB NOT NULL);"
	"INSERT OR IGNORE INTO file_id (id, token) VALUES (1, randomblob(16));",

	/* 13, POWER_MIGRATION: no table changes.  The rollups now keep the
	 * energy of power points in any unit of power (in hours of that
	 * unit), not only in kW; store_rollup.c rebuilds those of the
	 * points in other units, whose rows held no energy. */
	"",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

/* The migration whose rollups are filled from the readings present. */
#define ROLLUP_MIGRATION 4

/* The migration that moves readings into blocks. */
#define BLOCKS_MIGRATION 8

/* The migration that fills the energy of power points not in kW. */
#define POWER_MIGRATION 13

static const char *const kind_names[] = {"instantaneous", "counter",
					 "state"};

/* POINT_SELECT, the columns store_point_from_row() reads, is in
 * store_internal.h. */
#define POINT_SELECT STORE_POINT_SELECT

/* The columns site_from_row() reads. */
#define SITE_SELECT "SELECT id, name, kind, tz, parent_id FROM sites "

static int fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof errmsg, fmt, ap);
	va_end(ap);
	errcode = rc;
	return rc;
}

/* A failure of c's last call.  "database is locked" alone would not tell
 * an operator that another program holds the file. */
static int fail_db(struct conn *c, const char *what)
{
	int code = sqlite3_errcode(c->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return fail(STORE_IO, "%s: %s (another connection held the "
			    "database for %d s)", what, sqlite3_errmsg(c->db),
			    BUSY_TIMEOUT_MS / 1000);
	return fail(STORE_IO, "%s: %s", what, sqlite3_errmsg(c->db));
}

/* Prepares sql on c for one call; a failure is c's, described as what.
 * *s is NULL then, so the caller's sqlite3_finalize stays safe. */
static int prepare_once(struct conn *c, const char *sql, sqlite3_stmt **s,
			const char *what)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) != SQLITE_OK)
		return fail_db(c, what);
	return STORE_OK;
}

const char *store_errmsg(struct store *st)
{
	return errmsg;
}

int store_errcode(struct store *st)
{
	return errcode;
}

void store_error_reset(struct store *st)
{
	errcode = STORE_OK;
}

const char *store_kind_name(enum store_point_kind kind)
{
	if ((size_t)kind >= sizeof kind_names / sizeof kind_names[0])
		return "?";
	return kind_names[kind];
}

int store_kind_parse(const char *s, enum store_point_kind *out)
{
	for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
		if (s && strcmp(s, kind_names[i]) == 0) {
			*out = (enum store_point_kind)i;
			return STORE_OK;
		}
	}
	return STORE_INVALID;
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src ? (const char *)src : "");
}

void store_point_from_row(sqlite3_stmt *s, void *out)
{
	struct store_point *p = out;

	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(s, 0);
	copy_text(p->key, sizeof p->key, sqlite3_column_text(s, 1));
	p->site_id = sqlite3_column_int64(s, 2);
	copy_text(p->site, sizeof p->site, sqlite3_column_text(s, 3));
	copy_text(p->tz, sizeof p->tz, sqlite3_column_text(s, 4));
	copy_text(p->quantity, sizeof p->quantity, sqlite3_column_text(s, 5));
	copy_text(p->unit, sizeof p->unit, sqlite3_column_text(s, 6));
	if (store_kind_parse((const char *)sqlite3_column_text(s, 7),
			     &p->kind))
		p->kind = STORE_INSTANTANEOUS;
	p->step_s = sqlite3_column_int(s, 8);
	p->shift_days = sqlite3_column_int(s, 9);
	p->counter_digits = sqlite3_column_int(s, 10);
	p->retired = sqlite3_column_int64(s, 11);
}

/* Fills site from a row of SITE_SELECT. */
static void site_from_row(sqlite3_stmt *s, void *out)
{
	struct store_site *site = out;

	memset(site, 0, sizeof *site);
	site->id = sqlite3_column_int64(s, 0);
	copy_text(site->name, sizeof site->name, sqlite3_column_text(s, 1));
	copy_text(site->kind, sizeof site->kind, sqlite3_column_text(s, 2));
	copy_text(site->tz, sizeof site->tz, sqlite3_column_text(s, 3));
	site->parent_id = sqlite3_column_int64(s, 4);
}

/* --- opening and schema ----------------------------------------------- */

static int exec(struct conn *c, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (msg)
			fail(STORE_IO, "%s", msg);
		else
			fail_db(c, "running SQL");
		sqlite3_free(msg);
		return STORE_IO;
	}
	return STORE_OK;
}

static int user_version(struct conn *c, int *version)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare_once(c, "PRAGMA user_version", &s,
			  "reading the schema version");
	if (rc)
		return rc;
	rc = sqlite3_step(s) == SQLITE_ROW ? STORE_OK : STORE_IO;
	*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == STORE_OK ? STORE_OK
			      : fail_db(c, "reading the schema version");
}

static int migrate(struct conn *c)
{
	char sql[64];
	int version, rc;

	rc = user_version(c, &version);
	if (rc)
		return rc;
	if (version > MIGRATION_COUNT)
		return fail(STORE_INVALID,
			    "database schema %d is newer than this akari "
			    "knows (%d); upgrade akari",
			    version, MIGRATION_COUNT);

	/* Each migration and its version bump commit together. */
	for (; version < MIGRATION_COUNT; version++) {
		rc = exec(c, "BEGIN IMMEDIATE");
		if (rc)
			return rc;
		rc = exec(c, migrations[version]);
		if (!rc && version + 1 == ROLLUP_MIGRATION)
			rc = store_rollup_rebuild_db(c->db, 0);
		if (!rc && version + 1 == BLOCKS_MIGRATION)
			rc = store_blocks_migrate(c->db);
		if (!rc && version + 1 == POWER_MIGRATION)
			rc = store_rollup_rebuild_power_db(c->db);
		if (!rc) {
			snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
				 version + 1);
			rc = exec(c, sql);
		}
		if (rc) {
			char why[sizeof errmsg];

			snprintf(why, sizeof why, "%s", errmsg);
			exec(c, "ROLLBACK");
			return fail(rc, "migration %d failed: %s", version + 1,
				    why);
		}
		rc = exec(c, "COMMIT");
		if (rc)
			return rc;
	}
	return STORE_OK;
}

static int prepare(struct conn *c, sqlite3_stmt **s, const char *sql)
{
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
			       NULL) != SQLITE_OK)
		return fail_db(c, "preparing a statement");
	return STORE_OK;
}

static int prepare_all(struct store *st)
{
	int rc;

	rc = prepare(&st->r, &st->exists,
		     "SELECT 1 FROM points WHERE id = ?1");
	if (!rc)
		rc = prepare(&st->r, &st->point,
			     POINT_SELECT "WHERE p.key = ?1");
	if (!rc)
		rc = prepare(&st->r, &st->auth,
			     "SELECT id, site_id FROM devices "
			     "WHERE token_hash = ?1 AND retired IS NULL "
			     "AND token_revoked IS NULL");
	return rc;
}

/* Opens one connection to path; the caller sets it up further. */
static int conn_open(struct conn *c, const char *path)
{
	pthread_mutex_init(&c->lock, NULL);
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return fail(STORE_IO, "cannot open %s: %s", path,
			    c->db ? sqlite3_errmsg(c->db) : "out of memory");
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	return STORE_OK;
}

static void conn_close(struct conn *c)
{
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
}

/* Whether the file open on c has no schema yet. */
static int file_is_new(struct conn *c, bool *is_new)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare_once(c, "SELECT count(*) FROM sqlite_schema", &s,
			  "reading the schema");
	if (rc)
		return rc;
	rc = sqlite3_step(s) == SQLITE_ROW ? STORE_OK
					   : fail_db(c, "reading the schema");
	*is_new = sqlite3_column_int64(s, 0) == 0;
	sqlite3_finalize(s);
	return rc;
}

int store_open(const char *path, struct store **out, char *errbuf,
	       size_t errlen)
{
	struct store *st;
	bool is_new = false;
	int rc;

	*out = NULL;
	st = calloc(1, sizeof *st);
	if (!st) {
		rc = fail(STORE_IO, "out of memory");
		goto out;
	}
	g_mutex_init(&st->known_lock);
	g_rw_lock_init(&st->points_lock);
	st->known = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					  g_free, NULL);

	/*
	 * WAL with synchronous=FULL fsyncs the log at every commit, so an
	 * acknowledged write survives power loss, not only a crash.  The
	 * schema is brought up to date before the reader opens.
	 */
	rc = conn_open(&st->w, path);
	if (rc)
		goto out;
	/* auto_vacuum takes only on a file without tables, a new one, and
	 * setting it writes the file: it is set there only.  It lets
	 * store_close() give back the pages the log freed. */
	rc = file_is_new(&st->w, &is_new);
	if (!rc && is_new)
		rc = exec(&st->w, "PRAGMA auto_vacuum = INCREMENTAL");
	if (!rc)
		rc = exec(&st->w, "PRAGMA journal_mode = WAL;"
			  "PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON;");
	if (!rc)
		rc = migrate(&st->w);
	if (!rc)
		rc = conn_open(&st->r, path);
	if (!rc)
		rc = exec(&st->r, "PRAGMA query_only = ON;");
	if (!rc)
		rc = conn_open(&st->spare, path);
	if (!rc)
		rc = exec(&st->spare, "PRAGMA query_only = ON;");
	if (!rc)
		rc = prepare_all(st);
	/* Merges what a killed process left in the log. */
	if (!rc)
		rc = store_log_create(st->w.db, &st->w.lock, BUSY_TIMEOUT_MS,
				      &st->log);
	if (rc) {
		char why[sizeof errmsg];

		snprintf(why, sizeof why, "%s", errmsg);
		rc = fail(rc, "%s: %s", path, why);
	}

out:
	if (rc) {
		if (errbuf)
			snprintf(errbuf, errlen, "%s", errmsg);
		store_close(st);
		return rc;
	}
	*out = st;
	return STORE_OK;
}

/* Gives the file's free pages back to the file system, when the file
 * allows it: a file at rest should not keep the pages its arrival log
 * held.  A failure only leaves them for later. */
static void free_pages_back(struct conn *c)
{
	sqlite3_stmt *s = NULL;
	int64_t free_pages = 0;

	if (prepare_once(c, "PRAGMA freelist_count", &s, "counting pages"))
		return;
	if (sqlite3_step(s) == SQLITE_ROW)
		free_pages = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (free_pages > 0)
		sqlite3_exec(c->db, "PRAGMA incremental_vacuum", NULL, NULL,
			     NULL);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->log) {
		store_log_destroy(st->log);
		free_pages_back(&st->w);
	}
	sqlite3_finalize(st->exists);
	sqlite3_finalize(st->point);
	sqlite3_finalize(st->auth);
	if (st->r.db) {
		store_blocks_forget(st->r.db);
		conn_close(&st->r);
	}
	if (st->spare.db) {
		store_blocks_forget(st->spare.db);
		conn_close(&st->spare);
	}
	if (st->w.db) {
		store_rollup_forget(st->w.db);
		store_blocks_forget(st->w.db);
		conn_close(&st->w);
	}
	if (st->known)
		g_hash_table_destroy(st->known);
	g_mutex_clear(&st->known_lock);
	g_rw_lock_clear(&st->points_lock);
	free(st);
}

int store_schema_version(struct store *st)
{
	int version = -1;

	pthread_mutex_lock(&st->r.lock);
	user_version(&st->r, &version);
	pthread_mutex_unlock(&st->r.lock);
	return version;
}

/*
 * Steps s (prepared on c, whose lock the caller holds) to its end and
 * collects each row, read by from_row into an element of size bytes,
 * in a new array (*all, g_free) of *n elements.
 */
static int collect_rows(struct conn *c, sqlite3_stmt *s, size_t size,
			void (*from_row)(sqlite3_stmt *, void *), void **all,
			size_t *n, const char *what)
{
	size_t cap = 0;
	char *v = NULL;
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			v = g_realloc_n(v, cap, size);
		}
		from_row(s, v + *n * size);
		(*n)++;
	}
	*all = v;
	return rc == SQLITE_DONE ? STORE_OK : fail_db(c, what);
}

/* Steps s (prepared on c, whose lock the caller holds) for the one row
 * it may give: STORE_OK with the row ready to read, STORE_NOT_FOUND
 * (the caller says what was not found), or a failure of c. */
static int step_one(struct conn *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return fail_db(c, what);
}

/* --- sites ------------------------------------------------------------ */

/* Runs on the writer, inside the writes that need a site's id. */
static int site_id(struct store *st, const char *name, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare_once(&st->w,
			  "SELECT id, retired IS NOT NULL FROM sites "
			  "WHERE name = ?1",
			  &s, "looking up a site");
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = step_one(&st->w, s, "looking up a site");
	if (rc == STORE_OK && sqlite3_column_int(s, 1))
		rc = fail(STORE_CONFLICT, "site '%s' is retired", name);
	else if (rc == STORE_OK)
		*id = sqlite3_column_int64(s, 0);
	else if (rc == STORE_NOT_FOUND)
		fail(rc, "no site named '%s'", name);
	sqlite3_finalize(s);
	return rc;
}

/*
 * Registry text goes into JSON answers, URLs and log lines: JSON cannot
 * carry bytes that are not UTF-8, and a control character would forge a
 * log line or hide in a URL, so both are refused here, once for all.
 */
static int check_name(const char *what, const char *s, size_t max)
{
	if (!s || !*s)
		return fail(STORE_INVALID, "%s is empty", what);
	if (!g_utf8_validate(s, -1, NULL))
		return fail(STORE_INVALID, "%s is not UTF-8 text", what);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fail(STORE_INVALID,
				    "%s holds the control character 0x%02x",
				    what, (unsigned)(unsigned char)*c);
	if (strlen(s) >= max)
		return fail(STORE_INVALID, "%s '%s' is longer than %zu bytes",
			    what, s, max - 1);
	return STORE_OK;
}

/* Steps an INSERT prepared on the writer.  A clash on a unique column
 * is STORE_EXISTS, which the caller describes. */
static int insert_step(struct store *st, sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) == SQLITE_DONE)
		return STORE_OK;
	if (sqlite3_extended_errcode(st->w.db) == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_EXISTS;
	return fail_db(&st->w, what);
}

int store_site_add(struct store *st, const char *name, const char *kind,
		   const char *tz, const char *parent)
{
	struct store_site site;
	int64_t parent_id = 0;
	GTimeZone *zone;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = check_name("site name", name, sizeof site.name);
	/* The API's paths hold site names: /devices/SITE/NAME. */
	if (!rc && strchr(name, '/'))
		rc = fail(STORE_INVALID, "site name '%s' holds a '/'", name);
	if (!rc)
		rc = check_name("site kind", kind, sizeof site.kind);
	if (!rc)
		rc = check_name("time zone", tz, sizeof site.tz);
	if (rc)
		return rc;
	zone = core_tz_new(tz);
	if (!zone)
		return fail(STORE_INVALID, "unknown time zone '%s'", tz);
	g_time_zone_unref(zone);

	pthread_mutex_lock(&st->w.lock);
	if (parent) {
		rc = site_id(st, parent, &parent_id);
		if (rc)
			goto out;
	}
	rc = prepare_once(&st->w,
			  "INSERT INTO sites (name, kind, tz, parent_id) "
			  "VALUES (?1, ?2, ?3, ?4)",
			  &s, "adding a site");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, tz, -1, SQLITE_STATIC);
	if (parent_id)
		sqlite3_bind_int64(s, 4, parent_id);
	rc = insert_step(st, s, "adding a site");
	if (rc == STORE_EXISTS)
		fail(rc, "a site named '%s' exists", name);

out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->w.lock);
	return rc;
}

int store_site_get(struct store *st, const char *name,
		   struct store_site *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	pthread_mutex_lock(&st->r.lock);
	rc = prepare_once(&st->r, SITE_SELECT "WHERE name = ?1", &s,
			  "reading a site");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = step_one(&st->r, s, "reading a site");
	if (rc == STORE_OK)
		site_from_row(s, out);
	else if (rc == STORE_NOT_FOUND)
		fail(rc, "no site named '%s'", name);

out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->r.lock);
	return rc;
}

int store_sites_each(struct store *st, store_site_fn fn, void *ctx)
{
	struct store_site *all = NULL;
	sqlite3_stmt *s = NULL;
	size_t n = 0;
	int rc;

	/* Collected first, so that fn runs unlocked, as for points. */
	pthread_mutex_lock(&st->r.lock);
	rc = prepare_once(&st->r, SITE_SELECT "ORDER BY name", &s,
			  "listing sites");
	if (!rc)
		rc = collect_rows(&st->r, s, sizeof *all, site_from_row,
				  (void **)&all, &n, "listing sites");
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->r.lock);

	for (size_t i = 0; !rc && i < n; i++)
		if (fn(&all[i], ctx))
			break;
	g_free(all);
	return rc;
}

/* --- devices ---------------------------------------------------------- */

/* SHA-256 of the token, as lowercase hex; only this is stored. */
static char *token_hash(const char *token)
{
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

/* CTR_DRBG, in store_registry.c. */
static int token_new(char *token, size_t len)
{
	return store_token_new(token, len);
}

int store_device_add(struct store *st, const char *site, const char *name,
		     const char *kind, char *token, size_t tokenlen)
{
	sqlite3_stmt *s = NULL;
	char *hash = NULL;
	int64_t sid;
	int rc;

	rc = check_name("device name", name, 64);
	/* The API's paths hold device names: /devices/SITE/NAME/token. */
	if (!rc && strchr(name, '/'))
		rc = fail(STORE_INVALID, "device name '%s' holds a '/'", name);
	if (!rc)
		rc = check_name("device kind", kind, 32);
	if (!rc)
		rc = token_new(token, tokenlen);
	if (rc)
		return rc;
	hash = token_hash(token);

	pthread_mutex_lock(&st->w.lock);
	rc = site_id(st, site, &sid);
	if (rc)
		goto out;
	rc = prepare_once(&st->w,
			  "INSERT INTO devices (site_id, name, kind, "
			  "token_hash) VALUES (?1, ?2, ?3, ?4)",
			  &s, "adding a device");
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, sid);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, hash, -1, SQLITE_STATIC);
	rc = insert_step(st, s, "adding a device");
	if (rc == STORE_EXISTS)
		fail(rc, "site '%s' has a device named '%s'", site, name);

out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->w.lock);
	g_free(hash);
	if (rc)
		memset(token, 0, tokenlen);
	return rc;
}

int store_device_auth(struct store *st, const char *token,
		      int64_t *device_id, int64_t *site_id_out)
{
	char *hash;
	int rc;

	if (!token || !*token)
		return fail(STORE_NOT_FOUND, "no token given");
	hash = token_hash(token);

	pthread_mutex_lock(&st->r.lock);
	sqlite3_bind_text(st->auth, 1, hash, -1, SQLITE_STATIC);
	rc = step_one(&st->r, st->auth, "checking a device token");
	if (rc == STORE_OK) {
		*device_id = sqlite3_column_int64(st->auth, 0);
		*site_id_out = sqlite3_column_int64(st->auth, 1);
	} else if (rc == STORE_NOT_FOUND) {
		fail(rc, "unknown device token");
	}
	sqlite3_reset(st->auth);
	sqlite3_clear_bindings(st->auth);
	pthread_mutex_unlock(&st->r.lock);
	g_free(hash);
	return rc;
}

/* --- points ----------------------------------------------------------- */

int store_point_add(struct store *st, const struct store_point *p)
{
	sqlite3_stmt *s = NULL;
	int64_t sid;
	int rc;

	rc = check_name("point key", p->key, sizeof p->key);
	if (!rc)
		rc = check_name("quantity", p->quantity, sizeof p->quantity);
	if (!rc)
		rc = check_name("unit", p->unit, sizeof p->unit);
	if (!rc && (p->kind < STORE_INSTANTANEOUS || p->kind > STORE_STATE))
		rc = fail(STORE_INVALID, "bad point kind %d", (int)p->kind);
	if (!rc && p->step_s < 0)
		rc = fail(STORE_INVALID, "negative step %d", p->step_s);
	if (!rc && (p->counter_digits < 0 ||
		    p->counter_digits > STORE_COUNTER_DIGITS_MAX))
		rc = fail(STORE_INVALID, "counter digits %d not in 0..%d",
			  p->counter_digits, STORE_COUNTER_DIGITS_MAX);
	if (!rc && p->counter_digits && p->kind != STORE_COUNTER)
		rc = fail(STORE_INVALID, "counter digits on a %s point; only "
			  "a counter has them", kind_names[p->kind]);
	if (rc)
		return rc;

	pthread_mutex_lock(&st->w.lock);
	rc = site_id(st, p->site, &sid);
	if (rc)
		goto out;
	rc = prepare_once(&st->w,
			  "INSERT INTO points (key, site_id, quantity, "
			  "unit, kind, step_s, shift_days, counter_digits) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  &s, "adding a point");
	if (rc)
		goto out;
	sqlite3_bind_text(s, 1, p->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, sid);
	sqlite3_bind_text(s, 3, p->quantity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, kind_names[p->kind], -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, p->step_s);
	sqlite3_bind_int(s, 7, p->shift_days);
	sqlite3_bind_int(s, 8, p->counter_digits);
	rc = insert_step(st, s, "adding a point");
	if (rc == STORE_EXISTS)
		fail(rc, "a point '%s' exists", p->key);

out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->w.lock);
	return store_registry_changed(rc);
}

int store_point_set_shift(struct store *st, int64_t point_id,
			  int shift_days)
{
	sqlite3_stmt *s = NULL;
	int rc;

	pthread_mutex_lock(&st->w.lock);
	rc = prepare_once(&st->w,
			  "UPDATE points SET shift_days = ?2 "
			  "WHERE id = ?1",
			  &s, "changing a point");
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, point_id);
	sqlite3_bind_int(s, 2, shift_days);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = fail_db(&st->w, "changing a point");
	else if (sqlite3_changes(st->w.db) == 0)
		rc = fail(STORE_NOT_FOUND, "no point with id %lld",
			  (long long)point_id);
	else
		rc = STORE_OK;

out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->w.lock);
	return store_registry_changed(rc);
}

int store_point_get(struct store *st, const char *key,
		    struct store_point *out)
{
	int rc;

	pthread_mutex_lock(&st->r.lock);
	sqlite3_bind_text(st->point, 1, key, -1, SQLITE_STATIC);
	rc = step_one(&st->r, st->point, "reading a point");
	if (rc == STORE_OK)
		store_point_from_row(st->point, out);
	else if (rc == STORE_NOT_FOUND)
		fail(rc, "no point '%s'", key);
	sqlite3_reset(st->point);
	sqlite3_clear_bindings(st->point);
	pthread_mutex_unlock(&st->r.lock);
	return rc;
}

int store_points_each(struct store *st, const char *site, store_point_fn fn,
		      void *ctx)
{
	struct store_point *all = NULL;
	sqlite3_stmt *s = NULL;
	size_t n = 0;
	int rc;

	/*
	 * Collect first and call fn after unlocking, so that fn may call
	 * back into the store (analytics walks readings per point).
	 */
	pthread_mutex_lock(&st->r.lock);
	rc = prepare_once(&st->r,
			  POINT_SELECT "WHERE ?1 IS NULL OR s.name = ?1 "
			  "ORDER BY p.key",
			  &s, "listing points");
	if (!rc) {
		if (site)
			sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
		rc = collect_rows(&st->r, s, sizeof *all, store_point_from_row,
				  (void **)&all, &n, "listing points");
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->r.lock);

	for (size_t i = 0; !rc && i < n; i++)
		if (fn(&all[i], ctx))
			break;
	g_free(all);
	return rc;
}

/* --- readings --------------------------------------------------------- */

/* Whether point id exists; a point seen once is remembered. */
static int point_known(struct store *st, int64_t id)
{
	bool known;
	int rc;

	g_mutex_lock(&st->known_lock);
	known = g_hash_table_contains(st->known, &id);
	g_mutex_unlock(&st->known_lock);
	if (known)
		return STORE_OK;

	pthread_mutex_lock(&st->r.lock);
	sqlite3_bind_int64(st->exists, 1, id);
	rc = step_one(&st->r, st->exists, "checking a reading's point");
	sqlite3_reset(st->exists);
	pthread_mutex_unlock(&st->r.lock);
	if (rc == STORE_NOT_FOUND)
		return fail(rc, "no point with id %lld", (long long)id);
	if (rc)
		return rc;

	g_mutex_lock(&st->known_lock);
	g_hash_table_add(st->known, g_memdup2(&id, sizeof id));
	g_mutex_unlock(&st->known_lock);
	return STORE_OK;
}

/*
 * A batch is refused here or never: once in the log, its merge shares
 * a transaction with other callers' batches and cannot fail it alone.
 * These are what the readings table's constraints refused, before
 * readings moved into blocks.
 */
static int check_batch(struct store *st, const struct store_reading *rows,
		       size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (isnan(rows[i].value))
			return fail(STORE_INVALID, "reading %zu (point %lld, "
				    "ts %lld): the value is not a number", i,
				    (long long)rows[i].point_id,
				    (long long)rows[i].ts);
		if (i && rows[i].point_id == rows[i - 1].point_id)
			continue;
		rc = point_known(st, rows[i].point_id);
		if (rc)
			return rc;
	}
	return STORE_OK;
}

int store_readings_put_marked(struct store *st, uint64_t mark,
			      const struct store_reading *rows, size_t n)
{
	int rc;

	if (n == 0)
		return STORE_OK;
	rc = check_batch(st, rows, n);
	if (!rc)
		rc = store_log_put(st->log, mark, rows, n);
	return rc;
}

int store_readings_put(struct store *st, const struct store_reading *rows,
		       size_t n)
{
	return store_readings_put_marked(st, 0, rows, n);
}

uint64_t store_readings_expect(struct store *st)
{
	return store_log_expect(st->log);
}

void store_readings_release(struct store *st, uint64_t mark)
{
	if (mark)
		store_log_release(st->log, mark);
}

int store_readings_each(struct store *st, int64_t point_id, int64_t from,
			int64_t to, store_reading_fn fn, void *ctx)
{
	int rc;

	rc = store_log_sync(st->log);
	if (rc)
		return rc;

	/* fn runs under the lock: it must not call back into the store. */
	pthread_mutex_lock(&st->r.lock);
	rc = store_blocks_each(st->r.db, point_id, from, to, fn, ctx);
	pthread_mutex_unlock(&st->r.lock);
	return rc;
}

int store_reading_latest(struct store *st, int64_t point_id, int64_t before,
			 int64_t *ts, double *value)
{
	bool found = false;
	int rc;

	rc = store_log_sync(st->log);
	if (rc)
		return rc;
	pthread_mutex_lock(&st->r.lock);
	rc = store_blocks_latest(st->r.db, point_id, before, ts, value,
				 &found);
	pthread_mutex_unlock(&st->r.lock);
	if (!rc && !found)
		rc = fail(STORE_NOT_FOUND, "no reading");
	return rc;
}

int store_readings_count(struct store *st, int64_t *count)
{
	int rc;

	rc = store_log_sync(st->log);
	if (rc)
		return rc;
	pthread_mutex_lock(&st->r.lock);
	rc = store_blocks_count(st->r.db, count);
	pthread_mutex_unlock(&st->r.lock);
	return rc;
}

size_t store_readings_waiting(struct store *st)
{
	return store_log_waiting(st->log);
}

void store_points_use_begin(struct store *st)
{
	g_rw_lock_reader_lock(&st->points_lock);
}

void store_points_use_end(struct store *st)
{
	g_rw_lock_reader_unlock(&st->points_lock);
}

/* --- for the store's other files (store_internal.h) --------------------- */

void store_points_change_begin(struct store *st)
{
	g_rw_lock_writer_lock(&st->points_lock);
}

void store_points_change_end(struct store *st)
{
	g_rw_lock_writer_unlock(&st->points_lock);
}

int store_with_conn(struct store *st, bool write, store_conn_fn fn,
		    void *ctx)
{
	struct conn *c;
	int rc;

	/* A write merges under its own hold of the lock, so that nothing
	 * acknowledged can slip in between the merge and fn. */
	if (write) {
		pthread_mutex_lock(&st->w.lock);
		rc = store_log_sync_locked(st->log);
		if (!rc)
			rc = fn(st->w.db, ctx);
		pthread_mutex_unlock(&st->w.lock);
		return rc;
	}
	rc = store_log_sync(st->log);
	if (rc)
		return rc;

	/* Long reads (aggregates, rollups, rebuild checks) from several
	 * clients at once would queue on r; with a second connection two
	 * run side by side, one per core.  WAL lets both read beside the
	 * writer. */
	c = pthread_mutex_trylock(&st->r.lock) == 0 ? &st->r : &st->spare;
	if (c == &st->spare)
		pthread_mutex_lock(&c->lock);
	rc = fn(c->db, ctx);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int store_with_registry(struct store *st, bool write, store_conn_fn fn,
			void *ctx)
{
	struct conn *c = write ? &st->w : &st->r;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = fn(c->db, ctx);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int store_fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof errmsg, fmt, ap);
	va_end(ap);
	errcode = rc;
	return rc;
}
