/*
 * store_backup.h - consistent copies of an akari database, taken while a
 * server writes to it, optionally encrypted, and their restoring.
 *
 * A backup is either a plain SQLite file or an encrypted one:
 *
 *   offset  size  field
 *        0     8  magic "AKARIBAK"
 *        8     1  format version, 1
 *        9     1  key derivation, 1 = PBKDF2-HMAC-SHA256
 *       10     2  zero
 *       12     4  KDF iterations, big-endian
 *       16    16  salt, random per backup
 *       32    12  GCM nonce, random per backup
 *       44     8  plaintext length in bytes, big-endian
 *       52     n  the SQLite file, AES-256-GCM encrypted
 *     52+n    16  GCM tag
 *
 * The key is PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32 bytes).
 * The 52 header bytes are the GCM additional data, so the tag covers
 * them as well as the ciphertext: a changed byte anywhere, a wrong
 * passphrase and a cut file are all refused before anything is used.
 *
 * Neither function touches its destination until the new file is
 * complete, checked and on disk: it is written to a temporary file in
 * the destination's directory (mode 0600) and renamed into place.
 *
 * Errors: 0 or a negative enum store_backup_rc; err (errlen bytes, may
 * be NULL) then says what failed and on which file.
 */
#ifndef AKARI_STORE_BACKUP_H
#define AKARI_STORE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

enum store_backup_rc {
	STORE_BACKUP_OK = 0,
	STORE_BACKUP_IO = -1,		/* a file or SQLite failure */
	STORE_BACKUP_FORMAT = -2,	/* not a backup, cut short, unknown */
	STORE_BACKUP_AUTH = -3,		/* wrong passphrase or altered file */
	STORE_BACKUP_CORRUPT = -4,	/* integrity check or schema failed */
	STORE_BACKUP_BUSY = -5,		/* the target is open elsewhere */
	STORE_BACKUP_EXISTS = -6,	/* the target exists, no force */
	STORE_BACKUP_PASSPHRASE = -7,	/* passphrase missing or unneeded */
};

/* PBKDF2 iterations when the caller passes 0. */
#define STORE_BACKUP_ITERATIONS 600000u
/* A file asking for more is refused, not run for hours. */
#define STORE_BACKUP_MAX_ITERATIONS 100000000u

/*
 * Copies the akari database at db to out with SQLite's online backup,
 * from one read snapshot, so readings committed before the call are in
 * the copy and a server can go on writing meanwhile (in WAL mode a
 * reader never blocks a writer).  The copy must pass PRAGMA
 * integrity_check.  passphrase NULL writes a plain SQLite file; else
 * the copy is encrypted as above with iterations (0: the default).
 * While encrypting, a plain copy lives beside out for the duration.
 */
int store_backup_create(const char *db, const char *out,
			const char *passphrase, unsigned iterations,
			char *err, size_t errlen);

/*
 * Replaces the database at db with the backup in, after decrypting it
 * (passphrase must be given exactly when in is encrypted), checking the
 * tag, PRAGMA integrity_check and akari's schema (and bringing an older
 * schema up to date).  An existing db is replaced only when force is
 * set and no other program has it open; its -wal and -shm files go
 * with it.  On any failure db is left as it was.
 */
int store_backup_restore(const char *in, const char *db,
			 const char *passphrase, bool force, char *err,
			 size_t errlen);

#endif
