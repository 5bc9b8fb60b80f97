/*
 * store_backup.c - online backups of an akari database and their
 * restoring, with optional AES-256-GCM encryption (format and contract
 * in store_backup.h).
 *
 * Every step writes to a temporary file beside its destination and
 * renames it into place only once the content is complete, checked and
 * fsynced, so a crash or a refusal at any point leaves the destination
 * as it was and at worst a stray ".NAME.backup-XXXXXX" file behind.
 */
#include "cloud/store/store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <sqlite3.h>

#include "cloud/store/store.h"
#include "cloud/store/store_blocks.h"
#include "cloud/store/store_log.h"

#define MAGIC "AKARIBAK"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1
#define KDF_PBKDF2_SHA256 1
#define SALT_LEN 16
#define NONCE_LEN 12
#define HEADER_LEN (16 + SALT_LEN + NONCE_LEN + 8)
#define TAG_LEN 16
#define KEY_LEN 32

/* GCM takes whole 16-byte blocks until the last call. */
#define CHUNK (64 * 1024)

/* Pages per backup step: each step holds the source's mutex. */
#define PAGES_PER_STEP 256
#define BUSY_RETRIES 1000

#define SQLITE_MAGIC "SQLite format 3"	/* and its NUL: 16 bytes */

/* Tables every akari schema since version 1 has; raw readings are in
 * readings before the migration to blocks and in blocks after it. */
static const char *const akari_tables[] = {"sites", "devices", "points"};

struct errbuf {
	char *buf;
	size_t len;
};

static int fail(struct errbuf *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct errbuf *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e->buf && e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int fail_db(struct errbuf *e, sqlite3 *db, const char *what,
		   const char *path)
{
	return fail(e, STORE_BACKUP_IO, "%s %s: %s", what, path,
		    db ? sqlite3_errmsg(db) : "out of memory");
}

/* --- files ------------------------------------------------------------- */

/*
 * Creates an empty file "DIR/.BASE.what-XXXXXX" beside path, in the
 * same directory so that rename() into path is atomic.
 */
static int temp_beside(const char *path, const char *what, char *tmp,
		       size_t len, struct errbuf *e)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	int fd;

	if ((size_t)snprintf(tmp, len, "%.*s.%s.%s-XXXXXX", dirlen, path,
			     base, what) >= len)
		return fail(e, STORE_BACKUP_IO, "path too long: %s", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return fail(e, STORE_BACKUP_IO,
			    "cannot create a temporary file beside %s: %s",
			    path, strerror(errno));
	close(fd);
	return STORE_BACKUP_OK;
}

static void unlink_sidecars(const char *path)
{
	static const char *const ends[] = {
	    "-wal", "-shm", "-journal", STORE_LOG_SIDE_SUFFIX,
	    STORE_LOG_SIDE_SUFFIX "-wal", STORE_LOG_SIDE_SUFFIX "-shm"};
	char side[4096];

	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
		if ((size_t)snprintf(side, sizeof side, "%s%s", path,
				     ends[i]) < sizeof side)
			unlink(side);
}

static void remove_db_file(const char *path)
{
	unlink(path);
	unlink_sidecars(path);
}

static int fsync_fd_path(const char *path, int flags, struct errbuf *e)
{
	int fd = open(path, flags);
	int rc = STORE_BACKUP_OK;

	if (fd < 0 || fsync(fd))
		rc = fail(e, STORE_BACKUP_IO, "cannot fsync %s: %s", path,
			  strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Renames tmp over path and makes the rename itself durable. */
static int rename_durably(const char *tmp, const char *path,
			  struct errbuf *e)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];

	if (rename(tmp, path))
		return fail(e, STORE_BACKUP_IO, "cannot rename %s to %s: %s",
			    tmp, path, strerror(errno));
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	return fsync_fd_path(dir, O_RDONLY | O_DIRECTORY, e);
}

static int copy_stream(FILE *in, const char *in_path, FILE *out,
		       const char *out_path, struct errbuf *e)
{
	unsigned char buf[CHUNK];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return fail(e, STORE_BACKUP_IO, "cannot write %s: %s",
				    out_path, strerror(errno));
	if (ferror(in))
		return fail(e, STORE_BACKUP_IO, "cannot read %s: %s",
			    in_path, strerror(errno));
	return STORE_BACKUP_OK;
}

/* Flushes, fsyncs and closes f; a failure of any of them is an error. */
static int close_durably(FILE *f, const char *path, struct errbuf *e)
{
	int bad = fflush(f) || fsync(fileno(f));
	int saved = errno;

	if (fclose(f) || bad)
		return fail(e, STORE_BACKUP_IO, "cannot write %s: %s", path,
			    strerror(bad ? saved : errno));
	return STORE_BACKUP_OK;
}

/* --- SQLite ------------------------------------------------------------ */

static int db_open(const char *path, int flags, sqlite3 **db,
		   struct errbuf *e)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK)
		return fail_db(e, *db, "cannot open", path);
	sqlite3_extended_result_codes(*db, 0);
	return STORE_BACKUP_OK;
}

static int db_exec(sqlite3 *db, const char *sql, const char *path,
		   struct errbuf *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(e, STORE_BACKUP_IO, "%s on %s: %s", sql, path,
			    sqlite3_errmsg(db));
	return STORE_BACKUP_OK;
}

/* The first column of sql's first row as an integer or a copy of text. */
static int db_value(sqlite3 *db, const char *sql, const char *arg,
		    long long *num, char *text, size_t textlen)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (num)
			*num = sqlite3_column_int64(s, 0);
		if (text) {
			const unsigned char *t = sqlite3_column_text(s, 0);

			snprintf(text, textlen, "%s",
				 t ? (const char *)t : "");
		}
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_EMPTY;
	}
	sqlite3_finalize(s);
	return rc;
}

static int check_integrity(sqlite3 *db, const char *path, struct errbuf *e)
{
	char verdict[256];
	int rc;

	rc = db_value(db, "PRAGMA integrity_check", NULL, NULL, verdict,
		      sizeof verdict);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return fail(e, STORE_BACKUP_CORRUPT, "%s is damaged: %s",
			    path, sqlite3_errmsg(db));
	if (rc != SQLITE_OK)
		return fail_db(e, db, "cannot check", path);
	if (strcmp(verdict, "ok"))
		return fail(e, STORE_BACKUP_CORRUPT,
			    "%s fails its integrity check: %s", path,
			    verdict);
	return STORE_BACKUP_OK;
}

/* An akari database: a schema version and the base tables. */
static int check_schema(sqlite3 *db, const char *path, struct errbuf *e)
{
	long long version = 0, found;
	int rc;

	rc = db_value(db, "PRAGMA user_version", NULL, &version, NULL, 0);
	if (rc == SQLITE_NOTADB)
		return fail(e, STORE_BACKUP_CORRUPT,
			    "%s is not a SQLite database", path);
	if (rc != SQLITE_OK)
		return fail_db(e, db, "cannot read the schema of", path);
	if (version < 1)
		return fail(e, STORE_BACKUP_CORRUPT,
			    "%s is not an akari database (schema version "
			    "%lld)", path, version);

	for (size_t i = 0; i < sizeof akari_tables / sizeof *akari_tables;
	     i++) {
		rc = db_value(db,
			      "SELECT count(*) FROM sqlite_schema"
			      " WHERE type = 'table' AND name = ?1",
			      akari_tables[i], &found, NULL, 0);
		if (rc != SQLITE_OK)
			return fail_db(e, db, "cannot read the schema of",
				       path);
		if (!found)
			return fail(e, STORE_BACKUP_CORRUPT,
				    "%s is not an akari database: it has no "
				    "table %s", path, akari_tables[i]);
	}
	rc = db_value(db,
		      "SELECT count(*) FROM sqlite_schema WHERE type = "
		      "'table' AND name IN ('readings', 'blocks')",
		      NULL, &found, NULL, 0);
	if (rc != SQLITE_OK)
		return fail_db(e, db, "cannot read the schema of", path);
	if (!found)
		return fail(e, STORE_BACKUP_CORRUPT,
			    "%s is not an akari database: it has no table "
			    "of readings (readings or blocks)", path);
	return STORE_BACKUP_OK;
}

/* Every block of readings decodes and agrees with its row. */
static int check_blocks(sqlite3 *db, const char *path, struct errbuf *e)
{
	if (store_blocks_check(db))
		return fail(e, STORE_BACKUP_CORRUPT, "%s: %s", path,
			    store_errmsg(NULL));
	return STORE_BACKUP_OK;
}

/*
 * Copies db, opened with flags, into the empty file tmp.  One read
 * transaction on the source pins the snapshot for the whole copy: the
 * backup then neither restarts when the server commits (it would,
 * forever, under steady ingestion) nor mixes two states of the file.
 */
static int copy_online(const char *db, int flags, const char *tmp,
		       struct errbuf *e)
{
	struct store_log_side *side = NULL;
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *bk;
	long long tables;
	int rc, step, busy = 0;

	/* The server's side file before the snapshot (store_log.h): what
	 * it held then is merged in the snapshot or still there. */
	if (store_log_side_read(db, &side))
		return fail(e, STORE_BACKUP_IO, "%s", store_errmsg(NULL));
	rc = db_open(db, flags, &src, e);
	if (rc)
		goto out;
	sqlite3_busy_timeout(src, 10000);
	rc = db_exec(src, "BEGIN", db, e);
	if (rc)
		goto out;
	if (db_value(src, "SELECT count(*) FROM sqlite_schema", NULL, &tables,
		     NULL, 0) != SQLITE_OK) {
		rc = fail_db(e, src, "cannot read", db);
		goto out;
	}
	rc = check_schema(src, db, e);
	if (rc)
		goto out;

	rc = db_open(tmp, SQLITE_OPEN_READWRITE, &dst, e);
	if (rc)
		goto out;
	bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk) {
		rc = fail_db(e, dst, "cannot start the backup into", tmp);
		goto out;
	}
	do {
		step = sqlite3_backup_step(bk, PAGES_PER_STEP);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED) {
			busy++;
			sqlite3_sleep(10);
		}
	} while ((step == SQLITE_OK || step == SQLITE_BUSY ||
		  step == SQLITE_LOCKED) && busy < BUSY_RETRIES);
	sqlite3_backup_finish(bk);
	if (step != SQLITE_DONE) {
		rc = fail(e, STORE_BACKUP_IO, "backup of %s failed: %s", db,
			  sqlite3_errstr(step));
		goto out;
	}
	rc = db_exec(src, "COMMIT", db, e);
	if (rc)
		goto out;

	/* Readings the server acknowledged but had not merged yet go
	 * where a reader of the copy looks for them. */
	if (store_log_side_add(dst, side) || store_log_merge_db(dst)) {
		rc = fail(e, STORE_BACKUP_IO, "merging the arrival log of %s: "
			  "%s", tmp, store_errmsg(NULL));
		goto out;
	}

	/* A copy that stands alone, with no -wal beside it. */
	rc = db_exec(dst, "PRAGMA journal_mode = DELETE", tmp, e);
	if (!rc)
		rc = check_integrity(dst, tmp, e);
out:
	store_log_side_free(side);
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

/* --- encryption -------------------------------------------------------- */

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int random_bytes(unsigned char *buf, size_t len, struct errbuf *e)
{
	static const unsigned char pers[] = "akari backup";
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	int rc;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
				   pers, sizeof pers - 1);
	if (!rc)
		rc = mbedtls_ctr_drbg_random(&drbg, buf, len);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	if (rc)
		return fail(e, STORE_BACKUP_IO,
			    "no random numbers (mbedTLS error -0x%04x)",
			    (unsigned)-rc);
	return STORE_BACKUP_OK;
}

/* Sets up gcm with the key derived from passphrase and the header. */
static int start_gcm(mbedtls_gcm_context *gcm, int mode,
		     const char *passphrase, const unsigned char *header,
		     struct errbuf *e)
{
	const mbedtls_md_info_t *sha256;
	mbedtls_md_context_t md;
	unsigned char key[KEY_LEN];
	unsigned iterations = (unsigned)get_be(header + 12, 4);
	int rc;

	sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_init(&md);
	rc = mbedtls_md_setup(&md, sha256, 1);
	if (!rc)
		rc = mbedtls_pkcs5_pbkdf2_hmac(
		    &md, (const unsigned char *)passphrase, strlen(passphrase),
		    header + 16, SALT_LEN, iterations, KEY_LEN, key);
	mbedtls_md_free(&md);
	if (!rc)
		rc = mbedtls_gcm_setkey(gcm, MBEDTLS_CIPHER_ID_AES, key,
					KEY_LEN * 8);
	mbedtls_platform_zeroize(key, sizeof key);
	if (!rc)
		rc = mbedtls_gcm_starts(gcm, mode, header + 16 + SALT_LEN,
					NONCE_LEN, header, HEADER_LEN);
	if (rc)
		return fail(e, STORE_BACKUP_IO,
			    "cannot set up AES-256-GCM (mbedTLS error "
			    "-0x%04x)", (unsigned)-rc);
	return STORE_BACKUP_OK;
}

/* Writes plain, encrypted, to the file out (already created). */
static int encrypt_file(const char *plain, const char *out,
			const char *passphrase, unsigned iterations,
			struct errbuf *e)
{
	unsigned char header[HEADER_LEN], tag[TAG_LEN];
	unsigned char in_buf[CHUNK], out_buf[CHUNK];
	mbedtls_gcm_context gcm;
	FILE *fin = NULL, *fout = NULL;
	struct stat sb;
	uint64_t total = 0;
	size_t n;
	int rc;

	mbedtls_gcm_init(&gcm);
	fin = fopen(plain, "rb");
	if (!fin || fstat(fileno(fin), &sb)) {
		rc = fail(e, STORE_BACKUP_IO, "cannot read %s: %s", plain,
			  strerror(errno));
		goto out;
	}

	memset(header, 0, sizeof header);
	memcpy(header, MAGIC, MAGIC_LEN);
	header[8] = FORMAT_VERSION;
	header[9] = KDF_PBKDF2_SHA256;
	put_be(header + 12, iterations, 4);
	rc = random_bytes(header + 16, SALT_LEN + NONCE_LEN, e);
	if (rc)
		goto out;
	put_be(header + 16 + SALT_LEN + NONCE_LEN, (uint64_t)sb.st_size, 8);
	rc = start_gcm(&gcm, MBEDTLS_GCM_ENCRYPT, passphrase, header, e);
	if (rc)
		goto out;

	fout = fopen(out, "wb");
	if (!fout || fwrite(header, 1, sizeof header, fout) != sizeof header) {
		rc = fail(e, STORE_BACKUP_IO, "cannot write %s: %s", out,
			  strerror(errno));
		goto out;
	}
	while ((n = fread(in_buf, 1, sizeof in_buf, fin)) > 0) {
		if (mbedtls_gcm_update(&gcm, n, in_buf, out_buf) ||
		    fwrite(out_buf, 1, n, fout) != n) {
			rc = fail(e, STORE_BACKUP_IO, "cannot write %s: %s",
				  out, strerror(errno));
			goto out;
		}
		total += n;
	}
	if (ferror(fin) || total != (uint64_t)sb.st_size) {
		rc = fail(e, STORE_BACKUP_IO,
			  "%s changed or failed while being encrypted", plain);
		goto out;
	}
	if (mbedtls_gcm_finish(&gcm, tag, sizeof tag) ||
	    fwrite(tag, 1, sizeof tag, fout) != sizeof tag) {
		rc = fail(e, STORE_BACKUP_IO, "cannot write %s", out);
		goto out;
	}
	rc = close_durably(fout, out, e);
	fout = NULL;
out:
	if (fout)
		fclose(fout);
	if (fin)
		fclose(fin);
	mbedtls_gcm_free(&gcm);
	return rc;
}

/* Compares in time that does not depend on where the bytes differ. */
static int tags_differ(const unsigned char *a, const unsigned char *b)
{
	unsigned char diff = 0;

	for (int i = 0; i < TAG_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff != 0;
}

/* Checks the header of an encrypted backup read from fin. */
static int read_header(FILE *fin, const char *in, unsigned char *header,
		       uint64_t *len, struct errbuf *e)
{
	struct stat sb;
	uint64_t iterations;

	if (fstat(fileno(fin), &sb))
		return fail(e, STORE_BACKUP_IO, "cannot read %s: %s", in,
			    strerror(errno));
	if (fread(header, 1, HEADER_LEN, fin) != HEADER_LEN)
		return fail(e, STORE_BACKUP_FORMAT,
			    "%s is cut short: it ends inside the header", in);
	if (header[8] != FORMAT_VERSION || header[9] != KDF_PBKDF2_SHA256 ||
	    header[10] || header[11])
		return fail(e, STORE_BACKUP_FORMAT,
			    "%s is an akari backup of format %d, key "
			    "derivation %d; this akari reads format %d, "
			    "derivation %d", in, header[8], header[9],
			    FORMAT_VERSION, KDF_PBKDF2_SHA256);
	iterations = get_be(header + 12, 4);
	if (iterations < 1 || iterations > STORE_BACKUP_MAX_ITERATIONS)
		return fail(e, STORE_BACKUP_FORMAT,
			    "%s asks for %llu key derivation iterations "
			    "(at most %u are accepted): damaged", in,
			    (unsigned long long)iterations,
			    STORE_BACKUP_MAX_ITERATIONS);

	*len = get_be(header + 16 + SALT_LEN + NONCE_LEN, 8);
	if ((uint64_t)sb.st_size < HEADER_LEN + TAG_LEN ||
	    *len != (uint64_t)sb.st_size - HEADER_LEN - TAG_LEN)
		return fail(e, STORE_BACKUP_FORMAT,
			    "%s is cut short or damaged: it has %lld bytes, "
			    "its header promises %llu", in,
			    (long long)sb.st_size,
			    (unsigned long long)(*len + HEADER_LEN + TAG_LEN));
	return STORE_BACKUP_OK;
}

/* Decrypts the backup fin into the file out; refuses a wrong tag. */
static int decrypt_file(FILE *fin, const char *in, const char *out,
			const char *passphrase, struct errbuf *e)
{
	unsigned char header[HEADER_LEN], tag[TAG_LEN], want[TAG_LEN];
	unsigned char in_buf[CHUNK], out_buf[CHUNK];
	mbedtls_gcm_context gcm;
	FILE *fout = NULL;
	uint64_t left = 0;
	int rc;

	mbedtls_gcm_init(&gcm);
	rc = read_header(fin, in, header, &left, e);
	if (rc)
		goto out;
	rc = start_gcm(&gcm, MBEDTLS_GCM_DECRYPT, passphrase, header, e);
	if (rc)
		goto out;

	fout = fopen(out, "wb");
	if (!fout) {
		rc = fail(e, STORE_BACKUP_IO, "cannot write %s: %s", out,
			  strerror(errno));
		goto out;
	}
	while (left) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		if (fread(in_buf, 1, n, fin) != n) {
			rc = fail(e, STORE_BACKUP_FORMAT, "%s is cut short",
				  in);
			goto out;
		}
		if (mbedtls_gcm_update(&gcm, n, in_buf, out_buf) ||
		    fwrite(out_buf, 1, n, fout) != n) {
			rc = fail(e, STORE_BACKUP_IO, "cannot write %s: %s",
				  out, strerror(errno));
			goto out;
		}
		left -= n;
	}
	if (fread(want, 1, TAG_LEN, fin) != TAG_LEN) {
		rc = fail(e, STORE_BACKUP_FORMAT, "%s is cut short", in);
		goto out;
	}
	if (mbedtls_gcm_finish(&gcm, tag, sizeof tag) ||
	    tags_differ(tag, want)) {
		rc = fail(e, STORE_BACKUP_AUTH,
			  "%s does not decrypt: the passphrase is wrong or "
			  "the file was changed after it was written", in);
		goto out;
	}
	rc = close_durably(fout, out, e);
	fout = NULL;
out:
	if (fout)
		fclose(fout);
	mbedtls_platform_zeroize(out_buf, sizeof out_buf);
	mbedtls_gcm_free(&gcm);
	return rc;
}

/* --- backup ------------------------------------------------------------ */

/*
 * Whether out is the file at path or one of its sidecars, by any name
 * (compared by device and inode, so a hard link is caught too).
 */
static bool names_the_db(const char *out, const char *path)
{
	static const char *const ends[] = {
	    "", "-wal", "-shm", "-journal", STORE_LOG_SIDE_SUFFIX,
	    STORE_LOG_SIDE_SUFFIX "-wal", STORE_LOG_SIDE_SUFFIX "-shm"};
	struct stat so, sd;
	char name[4096];

	if (stat(out, &so))
		return false;
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
		if ((size_t)snprintf(name, sizeof name, "%s%s", path,
				     ends[i]) < sizeof name &&
		    !stat(name, &sd) && sd.st_dev == so.st_dev &&
		    sd.st_ino == so.st_ino)
			return true;
	return false;
}

int store_backup_create(const char *db, const char *out,
			const char *passphrase, unsigned iterations,
			char *err, size_t errlen)
{
	struct errbuf e = {err, errlen};
	char plain[4096], sealed[4096] = "";
	int rc;

	if (passphrase && !*passphrase)
		return fail(&e, STORE_BACKUP_PASSPHRASE,
			    "the passphrase is empty");
	if (!iterations)
		iterations = STORE_BACKUP_ITERATIONS;
	if (iterations > STORE_BACKUP_MAX_ITERATIONS)
		return fail(&e, STORE_BACKUP_PASSPHRASE,
			    "%u PBKDF2 iterations asked; at most %u",
			    iterations, STORE_BACKUP_MAX_ITERATIONS);

	if (names_the_db(out, db))
		return fail(&e, STORE_BACKUP_EXISTS,
			    "%s is the database itself (or its -wal, -shm or "
			    "-journal); back it up to another file", out);

	rc = temp_beside(out, "backup", plain, sizeof plain, &e);
	if (rc)
		return rc;
	rc = copy_online(db, SQLITE_OPEN_READWRITE, plain, &e);
	if (rc)
		goto out;

	if (passphrase) {
		rc = temp_beside(out, "sealed", sealed, sizeof sealed, &e);
		if (!rc)
			rc = encrypt_file(plain, sealed, passphrase,
					  iterations, &e);
		if (!rc)
			rc = rename_durably(sealed, out, &e);
	} else {
		rc = fsync_fd_path(plain, O_RDONLY, &e);
		if (!rc)
			rc = rename_durably(plain, out, &e);
	}
out:
	if (rc || passphrase)
		remove_db_file(plain);
	if (*sealed && rc)
		unlink(sealed);
	return rc;
}

/* --- restore ----------------------------------------------------------- */

/*
 * Refuses a plain SQLite file cut short.  SQLite reads the pages past
 * the end as zeros, so integrity_check alone passes a file that lost
 * its last bytes.  Its header gives the page size (at 16; 1 means
 * 65536) and, valid when the word at 92 equals the change counter at
 * 24, the page count (at 28).  fin is rewound.
 */
static int check_plain_size(FILE *fin, const char *in, struct errbuf *e)
{
	unsigned char h[100];
	struct stat sb;
	uint64_t page, pages;

	if (fstat(fileno(fin), &sb))
		return fail(e, STORE_BACKUP_IO, "cannot read %s: %s", in,
			    strerror(errno));
	if (fread(h, 1, sizeof h, fin) != sizeof h) {
		rewind(fin);
		return fail(e, STORE_BACKUP_FORMAT,
			    "%s is cut short: it ends inside the header", in);
	}
	rewind(fin);
	page = get_be(h + 16, 2);
	if (page == 1)
		page = 65536;
	pages = get_be(h + 92, 4) == get_be(h + 24, 4) ? get_be(h + 28, 4)
						       : 0;
	if (page < 512 || (page & (page - 1)) ||
	    (uint64_t)sb.st_size % page ||
	    (uint64_t)sb.st_size < pages * page)
		return fail(e, STORE_BACKUP_FORMAT,
			    "%s is cut short or damaged: it has %lld bytes, "
			    "not %llu pages of %llu bytes", in,
			    (long long)sb.st_size, (unsigned long long)pages,
			    (unsigned long long)page);
	return STORE_BACKUP_OK;
}

/*
 * Whether the plain file at in has commits outside itself: a -wal that
 * is not empty, or an arrival log's side file.  A copy of a database
 * made by hand while its server ran, or after it was killed, has them.
 */
static bool has_log_beside(const char *in)
{
	static const char *const ends[] = {"-wal", STORE_LOG_SIDE_SUFFIX};
	char name[4096];
	struct stat sb;

	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
		if ((size_t)snprintf(name, sizeof name, "%s%s", in,
				     ends[i]) < sizeof name &&
		    !stat(name, &sb) && sb.st_size > 0)
			return true;
	return false;
}

/*
 * The backup in, as a plain SQLite file, into the file tmp.  A plain
 * file with a log beside it is read through SQLite, which sees the
 * log's commits; its bytes alone would lose them.  Reading it may
 * leave a -shm beside it, and changes nothing else.
 */
static int unpack(const char *in, const char *tmp, const char *passphrase,
		  struct errbuf *e)
{
	unsigned char head[16];
	FILE *fin, *fout = NULL;
	size_t n;
	int rc;

	fin = fopen(in, "rb");
	if (!fin)
		return fail(e, STORE_BACKUP_IO, "cannot open %s: %s", in,
			    strerror(errno));
	n = fread(head, 1, sizeof head, fin);
	rewind(fin);

	if (n >= MAGIC_LEN && !memcmp(head, MAGIC, MAGIC_LEN)) {
		if (!passphrase)
			rc = fail(e, STORE_BACKUP_PASSPHRASE,
				  "%s is encrypted: a passphrase is needed",
				  in);
		else
			rc = decrypt_file(fin, in, tmp, passphrase, e);
	} else if (n == sizeof head && !memcmp(head, SQLITE_MAGIC, 16)) {
		if (passphrase) {
			rc = fail(e, STORE_BACKUP_PASSPHRASE,
				  "%s is not encrypted, yet a passphrase was "
				  "given", in);
		} else {
			rc = check_plain_size(fin, in, e);
			if (!rc && has_log_beside(in))
				rc = copy_online(in, SQLITE_OPEN_READONLY,
						 tmp, e);
			else if (!rc && !(fout = fopen(tmp, "wb")))
				rc = fail(e, STORE_BACKUP_IO,
					  "cannot write %s: %s", tmp,
					  strerror(errno));
			if (fout) {
				rc = copy_stream(fin, in, fout, tmp, e);
				if (!rc)
					rc = close_durably(fout, tmp, e);
				else
					fclose(fout);
			}
		}
	} else {
		rc = fail(e, STORE_BACKUP_FORMAT,
			  "%s is neither an akari backup nor a SQLite "
			  "database", in);
	}
	fclose(fin);
	return rc;
}

/*
 * Checks the unpacked copy; store_open() then refuses a schema newer
 * than this akari and migrates an older one, as a server would.
 */
static int verify_copy(const char *tmp, const char *in, struct errbuf *e)
{
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char why[512];
	int rc;

	rc = db_open(tmp, SQLITE_OPEN_READWRITE, &db, e);
	if (!rc)
		rc = check_schema(db, in, e);
	if (!rc)
		rc = check_integrity(db, in, e);
	if (!rc)
		rc = check_blocks(db, in, e);
	sqlite3_close(db);
	if (rc)
		return rc;

	if (store_open(tmp, &st, why, sizeof why))
		return fail(e, STORE_BACKUP_CORRUPT, "%s cannot be used: %s",
			    in, why);
	store_close(st);
	unlink_sidecars(tmp);
	return fsync_fd_path(tmp, O_RDONLY, e);
}

/*
 * Locks the database at path against every other connection, or says
 * who holds it.  *lock is NULL afterwards when path is not a database
 * at all, which only force lets through.
 */
static int lock_target(const char *path, sqlite3 **lock, struct errbuf *e)
{
	int rc;

	rc = db_open(path, SQLITE_OPEN_READWRITE, lock, e);
	if (rc)
		return rc;
	sqlite3_busy_timeout(*lock, 0);

	/* In exclusive locking mode the first read keeps the file locked
	 * until close; every open connection of a server blocks it. */
	rc = sqlite3_exec(*lock,
			  "PRAGMA locking_mode = EXCLUSIVE;"
			  "BEGIN EXCLUSIVE;"
			  "SELECT count(*) FROM sqlite_schema;"
			  "COMMIT;",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return STORE_BACKUP_OK;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		rc = fail(e, STORE_BACKUP_BUSY,
			  "%s is open in another program; stop akari serve "
			  "before restoring", path);
	} else if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		rc = STORE_BACKUP_OK;
	} else {
		rc = fail_db(e, *lock, "cannot lock", path);
	}
	sqlite3_close(*lock);
	*lock = NULL;
	return rc;
}

/* Puts tmp in place of db, holding db's lock across the swap. */
static int replace_db(const char *tmp, const char *db, bool force,
		      struct errbuf *e)
{
	sqlite3 *lock = NULL;
	struct stat sb;
	int rc;

	if (lstat(db, &sb) == 0) {
		if (!force)
			return fail(e, STORE_BACKUP_EXISTS,
				    "%s exists; it is replaced only when "
				    "forced", db);
		rc = lock_target(db, &lock, e);
		if (rc)
			return rc;
	}

	/* The old file's journal or WAL would be replayed into the new
	 * one: they go first. */
	unlink_sidecars(db);
	rc = rename_durably(tmp, db, e);
	sqlite3_close(lock);
	return rc;
}

int store_backup_restore(const char *in, const char *db,
			 const char *passphrase, bool force, char *err,
			 size_t errlen)
{
	struct errbuf e = {err, errlen};
	char tmp[4096];
	int rc;

	/* Only the main file would be copied, and then the -wal with the
	 * latest commits deleted. */
	if (names_the_db(in, db))
		return fail(&e, STORE_BACKUP_FORMAT,
			    "%s is the database itself (or its -wal, -shm or "
			    "-journal), not a backup of it", in);

	rc = temp_beside(db, "restore", tmp, sizeof tmp, &e);
	if (rc)
		return rc;
	rc = unpack(in, tmp, passphrase, &e);
	if (!rc)
		rc = verify_copy(tmp, in, &e);
	if (!rc)
		rc = replace_db(tmp, db, force, &e);
	if (rc)
		remove_db_file(tmp);
	return rc;
}
