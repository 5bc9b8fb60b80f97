/*
 * test_backup.c - store_backup.h on real files: plain and encrypted
 * round trips, and every way a backup can be wrong (passphrase, a byte
 * changed anywhere, a cut file, not akari's) refused with the target
 * left byte for byte as it was and no temporary file behind.
 *
 * The source database holds N readings of one point, value i / 2 at
 * ts T0 + 60 i, so their sum is (0 + 1 + ... + 999) / 2
 * = 999 * 1000 / 4 = 249750.  The target holds 3 readings.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cloud/store/store.h"
#include "cloud/store/store_backup.h"

#define N 1000
#define SUM 249750.0
#define T0 INT64_C(1656288000)
#define ITER 1000		/* fast; the format records it */
#define PASS "correct horse battery staple"

static char dir[] = "/tmp/akari-test-backup-XXXXXX";
static char src[256], target[256];

static void join(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* Creates an akari database at path with n readings of "a/p". */
static void make_db(const char *path, int n)
{
	struct store_reading *rows = calloc((size_t)n, sizeof *rows);
	struct store_point p = {0};
	struct store *st;
	char err[256];

	CHECK_INT(store_open(path, &st, err, sizeof err), STORE_OK);
	CHECK_INT(store_site_add(st, "a", "grid", "Asia/Tokyo", NULL),
		  STORE_OK);
	snprintf(p.key, sizeof p.key, "a/p");
	snprintf(p.site, sizeof p.site, "a");
	snprintf(p.quantity, sizeof p.quantity, "power");
	snprintf(p.unit, sizeof p.unit, "kW");
	CHECK_INT(store_point_add(st, &p), STORE_OK);
	CHECK_INT(store_point_get(st, "a/p", &p), STORE_OK);
	for (int i = 0; i < n; i++)
		rows[i] = (struct store_reading){p.id, T0 + 60 * i, i / 2.0};
	CHECK_INT(store_readings_put(st, rows, (size_t)n), STORE_OK);
	store_close(st);
	free(rows);
}

static int sum_fn(int64_t ts, double value, void *ctx)
{
	*(double *)ctx += value;
	return 0;
}

/* The readings in the database at path: how many, and their sum. */
static void contents(const char *path, int64_t *count, double *sum)
{
	struct store_point p;
	struct store *st;
	char err[256];

	*count = -1;
	*sum = 0;
	if (store_open(path, &st, err, sizeof err)) {
		CHECK_AT(0, "cannot open %s: %s", path, err);
		return;
	}
	CHECK_INT(store_readings_count(st, count), STORE_OK);
	CHECK_INT(store_point_get(st, "a/p", &p), STORE_OK);
	CHECK_INT(store_readings_each(st, p.id, INT64_MIN, INT64_MAX, sum_fn,
				      sum),
		  STORE_OK);
	store_close(st);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rb");
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

static void spill(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Files in the test directory whose name starts with a dot. */
static int stray_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* The target's bytes, to prove a refused restore did not touch it. */
static unsigned char *target_before;
static size_t target_len;

static void remember_target(void)
{
	free(target_before);
	target_before = slurp(target, &target_len);
}

static void check_target_untouched(const char *what)
{
	size_t len;
	unsigned char *now = slurp(target, &len);
	char side[300];

	CHECK_AT(now && len == target_len &&
		     !memcmp(now, target_before, len),
		 "%s: the target changed", what);
	snprintf(side, sizeof side, "%s-wal", target);
	CHECK_AT(access(side, F_OK) != 0, "%s: the target has a -wal", what);
	CHECK_INT(stray_files(), 0);
	free(now);
}

static void test_plain(void)
{
	char out[300], r[300], err[512];
	unsigned char *b;
	size_t len;
	int64_t n;
	double sum;

	join(out, sizeof out, "plain.bak");
	join(r, sizeof r, "plain-restored.db");
	CHECK_INT(store_backup_create(src, out, NULL, 0, err, sizeof err),
		  STORE_BACKUP_OK);
	b = slurp(out, &len);
	CHECK(b && len > 16 && !memcmp(b, "SQLite format 3", 16));
	free(b);

	CHECK_INT(store_backup_restore(out, r, NULL, false, err, sizeof err),
		  STORE_BACKUP_OK);
	contents(r, &n, &sum);
	CHECK_INT(n, N);
	CHECK_DBL(sum, SUM, 0);
	CHECK_INT(stray_files(), 0);

	/* A plain backup is refused with a passphrase: the caller thinks
	 * it is encrypted, and it is not. */
	remember_target();
	CHECK_INT(store_backup_restore(out, target, PASS, true, err,
				       sizeof err),
		  STORE_BACKUP_PASSPHRASE);
	check_target_untouched("plain backup, passphrase given");
}

static void test_encrypted(void)
{
	char out[300], out2[300], r[300], err[512];
	unsigned char *b, *b2;
	size_t len, len2;
	int64_t n;
	double sum;

	join(out, sizeof out, "sealed.bak");
	join(out2, sizeof out2, "sealed2.bak");
	join(r, sizeof r, "sealed-restored.db");
	CHECK_INT(store_backup_create(src, out, PASS, ITER, err, sizeof err),
		  STORE_BACKUP_OK);
	CHECK_INT(store_backup_create(src, out2, PASS, ITER, err,
				      sizeof err),
		  STORE_BACKUP_OK);

	/* The header as store_backup.h lays it out: 1000 = 0x03e8, and the
	 * plaintext length is the file less 52 header and 16 tag bytes. */
	b = slurp(out, &len);
	b2 = slurp(out2, &len2);
	CHECK(b && len > 68 + 4096);
	CHECK(b && !memcmp(b, "AKARIBAK", 8));
	CHECK_INT(b[8], 1);
	CHECK_INT(b[9], 1);
	CHECK_INT(b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15], 1000);
	{
		uint64_t plen = 0;

		for (int i = 44; i < 52; i++)
			plen = plen << 8 | b[i];
		CHECK_INT(plen, len - 68);
		CHECK_INT(plen % 4096, 0);	/* whole SQLite pages */
	}
	/* No SQLite header in clear, and salt and nonce differ. */
	CHECK(b && memcmp(b + 52, "SQLite format 3", 15) != 0);
	CHECK(b2 && len2 == len && memcmp(b + 16, b2 + 16, 28) != 0);
	free(b);
	free(b2);

	CHECK_INT(store_backup_restore(out, r, PASS, false, err, sizeof err),
		  STORE_BACKUP_OK);
	contents(r, &n, &sum);
	CHECK_INT(n, N);
	CHECK_DBL(sum, SUM, 0);

	/* Wrong passphrase, and none: refused, target as it was. */
	remember_target();
	CHECK_INT(store_backup_restore(out, target, "correct horse", true,
				       err, sizeof err),
		  STORE_BACKUP_AUTH);
	CHECK(strstr(err, "passphrase") != NULL);
	check_target_untouched("wrong passphrase");
	CHECK_INT(store_backup_restore(out, target, NULL, true, err,
				       sizeof err),
		  STORE_BACKUP_PASSPHRASE);
	check_target_untouched("no passphrase");
}

/* Each changed byte of an encrypted backup is refused. */
static void test_tampered(void)
{
	static const struct {
		long at;	/* negative: from the end */
		int want;
		const char *what;
	} cases[] = {
		{0, STORE_BACKUP_FORMAT, "magic"},
		{8, STORE_BACKUP_FORMAT, "format version"},
		{10, STORE_BACKUP_FORMAT, "reserved"},
		{15, STORE_BACKUP_AUTH, "iterations, low byte"},
		{12, STORE_BACKUP_FORMAT, "iterations, high byte"},
		{20, STORE_BACKUP_AUTH, "salt"},
		{40, STORE_BACKUP_AUTH, "nonce"},
		{51, STORE_BACKUP_FORMAT, "length"},
		{52, STORE_BACKUP_AUTH, "first ciphertext byte"},
		{52 + 5000, STORE_BACKUP_AUTH, "ciphertext"},
		{-17, STORE_BACKUP_AUTH, "last ciphertext byte"},
		{-1, STORE_BACKUP_AUTH, "tag"},
	};
	char out[300], bad[300], err[512];
	unsigned char *b;
	size_t len;

	join(out, sizeof out, "sealed.bak");
	join(bad, sizeof bad, "bad.bak");
	b = slurp(out, &len);
	CHECK(b && len > 6000);
	if (!b || len <= 6000)
		return;
	remember_target();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t at = cases[i].at < 0 ? len + (size_t)cases[i].at
					    : (size_t)cases[i].at;

		/* 0x80 in the high iterations byte asks for 2^31 rounds. */
		b[at] ^= 0x80;
		spill(bad, b, len);
		b[at] ^= 0x80;
		CHECK_AT(store_backup_restore(bad, target, PASS, true, err,
					      sizeof err) == cases[i].want,
			 "flipped %s: want %d: %s", cases[i].what,
			 cases[i].want, err);
		check_target_untouched(cases[i].what);
	}

	/* Cut short anywhere: in the header, the ciphertext, the tag. */
	static const size_t cuts[] = {0, 7, 30, 52, 4000};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		spill(bad, b, cuts[i]);
		CHECK_INT(store_backup_restore(bad, target, PASS, true, err,
					       sizeof err),
			  STORE_BACKUP_FORMAT);
		check_target_untouched("cut file");
	}
	spill(bad, b, len - 1);
	CHECK_INT(store_backup_restore(bad, target, PASS, true, err,
				       sizeof err),
		  STORE_BACKUP_FORMAT);
	check_target_untouched("cut tag");
	free(b);
}

/* Plain backups that are not an akari database, or are damaged. */
static void test_not_akari(void)
{
	char out[300], bad[300], err[512];
	unsigned char *b;
	size_t len;
	sqlite3 *db;

	remember_target();

	/* A SQLite database of something else. */
	join(bad, sizeof bad, "other.db");
	CHECK_INT(sqlite3_open(bad, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE x (y)", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(store_backup_restore(bad, target, NULL, true, err,
				       sizeof err),
		  STORE_BACKUP_CORRUPT);
	CHECK(strstr(err, "not an akari database") != NULL);
	check_target_untouched("not akari");
	join(out, sizeof out, "other.bak");
	CHECK_INT(store_backup_create(bad, out, NULL, 0, err, sizeof err),
		  STORE_BACKUP_CORRUPT);
	CHECK(access(out, F_OK) != 0);

	/* Page 2's b-tree page type byte made invalid (0x00). */
	join(out, sizeof out, "plain.bak");
	join(bad, sizeof bad, "damaged.bak");
	b = slurp(out, &len);
	CHECK(b && len > 8192);
	if (b && len > 8192) {
		unsigned char page_type = b[4096];

		b[4096] = 0;
		spill(bad, b, len);
		CHECK_INT(store_backup_restore(bad, target, NULL, true, err,
					       sizeof err),
			  STORE_BACKUP_CORRUPT);
		check_target_untouched("damaged page");
		b[4096] = page_type;

		/* Cut short by a byte, or by its last page (4096 bytes,
		 * SQLite's default): its header still counts the pages. */
		spill(bad, b, len - 1);
		CHECK_INT(store_backup_restore(bad, target, NULL, true, err,
					       sizeof err),
			  STORE_BACKUP_FORMAT);
		CHECK_AT(strstr(err, "cut short") != NULL, "%s", err);
		check_target_untouched("plain, cut by a byte");
		spill(bad, b, len - 4096);
		CHECK_INT(store_backup_restore(bad, target, NULL, true, err,
					       sizeof err),
			  STORE_BACKUP_FORMAT);
		CHECK_AT(strstr(err, "cut short") != NULL, "%s", err);
		check_target_untouched("plain, cut by a page");
	}
	free(b);

	/* Neither format at all. */
	spill(bad, (const unsigned char *)"hello, world\n", 13);
	CHECK_INT(store_backup_restore(bad, target, NULL, true, err,
				       sizeof err),
		  STORE_BACKUP_FORMAT);
	check_target_untouched("text file");
}

static void test_target_rules(void)
{
	char out[300], missing[300], err[512];
	struct store *st;
	int64_t n;
	double sum;

	join(out, sizeof out, "plain.bak");
	remember_target();

	/* An existing target needs force. */
	CHECK_INT(store_backup_restore(out, target, NULL, false, err,
				       sizeof err),
		  STORE_BACKUP_EXISTS);
	check_target_untouched("no force");

	/* A target some program holds open is not replaced. */
	CHECK_INT(store_open(target, &st, err, sizeof err), STORE_OK);
	CHECK_INT(store_backup_restore(out, target, NULL, true, err,
				       sizeof err),
		  STORE_BACKUP_BUSY);
	CHECK(strstr(err, "stop akari serve") != NULL);
	store_close(st);
	check_target_untouched("target open");

	/* Forced and free: replaced, and the old WAL is gone with it. */
	CHECK_INT(store_backup_restore(out, target, NULL, true, err,
				       sizeof err),
		  STORE_BACKUP_OK);
	contents(target, &n, &sum);
	CHECK_INT(n, N);
	CHECK_DBL(sum, SUM, 0);

	/* No database to back up: no backup file either. */
	join(missing, sizeof missing, "missing.db");
	join(out, sizeof out, "missing.bak");
	CHECK_INT(store_backup_create(missing, out, NULL, 0, err, sizeof err),
		  STORE_BACKUP_IO);
	CHECK(access(out, F_OK) != 0);
	CHECK(access(missing, F_OK) != 0);
	CHECK_INT(stray_files(), 0);
}

/*
 * A backup whose output is the database itself, by its name or another
 * link to it, would rename a copy (or an encrypted file) over the live
 * database: a server would go on writing into the replaced file, and
 * an encrypted one would leave no database at all.
 */
static void test_onto_itself(void)
{
	char link_path[300], err[512];
	struct stat before, after;

	remember_target();
	CHECK_INT(stat(target, &before), 0);
	CHECK_INT(store_backup_create(target, target, NULL, 0, err,
				      sizeof err),
		  STORE_BACKUP_EXISTS);
	check_target_untouched("plain backup onto itself");
	CHECK_INT(store_backup_create(target, target, PASS, ITER, err,
				      sizeof err),
		  STORE_BACKUP_EXISTS);
	check_target_untouched("encrypted backup onto itself");

	join(link_path, sizeof link_path, "link.db");
	CHECK_INT(link(target, link_path), 0);
	CHECK_INT(store_backup_create(target, link_path, NULL, 0, err,
				      sizeof err),
		  STORE_BACKUP_EXISTS);
	CHECK(strstr(err, "the database itself") != NULL);
	check_target_untouched("backup onto a hard link");
	unlink(link_path);
	CHECK_INT(stat(target, &after), 0);
	CHECK(after.st_ino == before.st_ino);

	/* Restoring the database from itself would copy its main file
	 * only, then delete the -wal that holds its latest commits. */
	CHECK_INT(store_backup_restore(target, target, NULL, true, err,
				       sizeof err),
		  STORE_BACKUP_FORMAT);
	CHECK(strstr(err, "the database itself") != NULL);
	check_target_untouched("restore from itself");
}

/*
 * A backup while the server holds a batch in its log's side file, not
 * merged yet (a mark it waits for keeps it there): the copy has it,
 * once.  A restore over a file whose killed server left a side file
 * removes that too: its batches were the replaced file's.
 */
static void test_live_side(void)
{
	static const unsigned char junk[] = "not a database";
	char live[300], out[300], r[300], side[400], err[512];
	struct store_reading row;
	struct store_point p;
	struct store *st = NULL;
	uint64_t mark;
	int64_t n;
	double sum;

	join(live, sizeof live, "live.db");
	join(out, sizeof out, "live.bak");
	join(r, sizeof r, "live-restored.db");
	make_db(live, 3);	/* 0 + 0.5 + 1 */
	CHECK_INT(store_open(live, &st, err, sizeof err), STORE_OK);
	if (!st)
		return;
	CHECK_INT(store_point_get(st, "a/p", &p), STORE_OK);
	mark = store_readings_expect(st);
	row = (struct store_reading){p.id, T0 - 60, 100.0};
	CHECK_INT(store_readings_put(st, &row, 1), STORE_OK);
	snprintf(side, sizeof side, "%s-arrivals", live);
	CHECK_INT(access(side, F_OK), 0);
	CHECK_INT(store_backup_create(live, out, NULL, 0, err, sizeof err),
		  STORE_BACKUP_OK);
	store_readings_release(st, mark);
	store_close(st);

	CHECK_INT(store_backup_restore(out, r, NULL, false, err, sizeof err),
		  STORE_BACKUP_OK);
	contents(r, &n, &sum);
	CHECK_INT(n, 4);
	CHECK_DBL(sum, 101.5, 0);

	snprintf(side, sizeof side, "%s-arrivals", r);
	spill(side, junk, sizeof junk);
	CHECK_INT(store_backup_restore(out, r, NULL, true, err, sizeof err),
		  STORE_BACKUP_OK);
	CHECK(access(side, F_OK) != 0);
	contents(r, &n, &sum);
	CHECK_INT(n, 4);
	CHECK_DBL(sum, 101.5, 0);
	CHECK_INT(stray_files(), 0);
}

static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[600];

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(target_before);
}

int main(void)
{
	int64_t n;
	double sum;

	CHECK(mkdtemp(dir) != NULL);
	join(src, sizeof src, "source.db");
	join(target, sizeof target, "target.db");
	make_db(src, N);
	make_db(target, 3);
	contents(target, &n, &sum);
	CHECK_INT(n, 3);	/* 0 + 0.5 + 1 */
	CHECK_DBL(sum, 1.5, 0);

	test_plain();
	test_encrypted();
	test_tampered();
	test_not_akari();
	test_target_rules();
	test_onto_itself();
	test_live_side();
	cleanup();
	return check_finish();
}
