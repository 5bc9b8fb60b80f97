/*
 * backup.c - `akari backup` and `akari restore`: a consistent copy of a
 * database taken while the server runs, and its checked restoring.
 *
 * A passphrase is never taken on the command line, where ps and shell
 * history would show it: it comes from a file (its first line) or from
 * an environment variable.
 *
 * Exit status: 0 done, 1 refused or failed (nothing replaced), 2 bad
 * arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cloud/store/store_backup.h"

#define PASSPHRASE_MAX 1024

struct backup_args {
	const char *cmd;	/* "backup" or "restore", for messages */
	const char *db, *file, *pass_file, *pass_env;
	unsigned iterations;
	bool force;
	char passphrase[PASSPHRASE_MAX + 1];
};

static void backup_usage(FILE *f)
{
	fprintf(f,
		"usage: akari backup --db FILE -o BACKUP [--passphrase-file F "
		"| --passphrase-env VAR]\n"
		"\n"
		"Copies the database while akari serve may go on writing to "
		"it; the copy\nholds every reading stored before the command "
		"started and passes SQLite's\nintegrity check before it "
		"replaces BACKUP.\n"
		"\n"
		"  --db FILE             the database\n"
		"  -o, --output BACKUP   where the copy goes\n"
		"  --passphrase-file F   encrypt (AES-256-GCM) with the first "
		"line of F\n"
		"  --passphrase-env VAR  encrypt with the value of VAR\n"
		"  --kdf-iterations N    PBKDF2 iterations (default %u)\n",
		STORE_BACKUP_ITERATIONS);
}

static void restore_usage(FILE *f)
{
	fprintf(f,
		"usage: akari restore --db FILE -i BACKUP [--passphrase-file F "
		"| --passphrase-env VAR] [--force]\n"
		"\n"
		"Replaces FILE with the backup once it has decrypted, passed "
		"its integrity\ncheck and proved to be an akari database. "
		"Stop akari serve first: a\ndatabase open in another program "
		"is not replaced.\n"
		"\n"
		"  --db FILE             the database to create or replace\n"
		"  -i, --input BACKUP    the backup\n"
		"  --passphrase-file F   the passphrase, the first line of F\n"
		"  --passphrase-env VAR  the passphrase, the value of VAR\n"
		"  --force               replace FILE when it exists\n");
}

/* Reads the passphrase into a->passphrase; 0, or 1 after a message. */
static int read_passphrase(struct backup_args *a)
{
	const char *v;
	size_t n;
	FILE *f;

	if (a->pass_env) {
		v = getenv(a->pass_env);
		if (!v) {
			fprintf(stderr, "akari %s: %s is not set\n", a->cmd,
				a->pass_env);
			return 1;
		}
		n = strlen(v);
		if (n > PASSPHRASE_MAX)
			goto too_long;
		memcpy(a->passphrase, v, n + 1);
	} else {
		f = fopen(a->pass_file, "r");
		if (!f) {
			fprintf(stderr, "akari %s: cannot read %s: %s\n",
				a->cmd, a->pass_file, strerror(errno));
			return 1;
		}
		if (!fgets(a->passphrase, sizeof a->passphrase, f))
			a->passphrase[0] = '\0';
		fclose(f);
		n = strcspn(a->passphrase, "\r\n");
		if (n == PASSPHRASE_MAX)
			goto too_long;
		a->passphrase[n] = '\0';
	}

	if (!a->passphrase[0]) {
		fprintf(stderr, "akari %s: the passphrase is empty\n", a->cmd);
		return 1;
	}
	return 0;

too_long:
	fprintf(stderr, "akari %s: the passphrase is longer than %d bytes\n",
		a->cmd, PASSPHRASE_MAX);
	return 1;
}

/*
 * Parses the options of backup (restore false) or restore.  Returns 0,
 * -1 after --help, or 2 after a message on stderr.
 */
static int parse(int argc, char **argv, bool restore, struct backup_args *a)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"input", required_argument, NULL, 'i'},
		{"passphrase-file", required_argument, NULL, 'f'},
		{"passphrase-env", required_argument, NULL, 'e'},
		{"kdf-iterations", required_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	void (*usage)(FILE *) = restore ? restore_usage : backup_usage;
	const char *file_opt = restore ? "-i BACKUP" : "-o BACKUP";
	unsigned long n;
	char *end;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, restore ? ":i:" : ":o:", opts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return -1;
		case 'd':
			a->db = optarg;
			break;
		case 'o':
		case 'i':
			if ((c == 'i') != restore)
				goto unknown;
			a->file = optarg;
			break;
		case 'f':
			a->pass_file = optarg;
			break;
		case 'e':
			a->pass_env = optarg;
			break;
		case 'n':
			if (restore)
				goto unknown;
			errno = 0;
			n = strtoul(optarg, &end, 10);
			/* Compared before the cast, which would wrap. */
			if (errno || *end || end == optarg || !n ||
			    n > STORE_BACKUP_MAX_ITERATIONS ||
			    *optarg == '-') {
				fprintf(stderr,
					"akari %s: --kdf-iterations wants 1 "
					"to %u, not '%s'\n",
					a->cmd, STORE_BACKUP_MAX_ITERATIONS,
					optarg);
				return 2;
			}
			a->iterations = (unsigned)n;
			break;
		case 'F':
			if (!restore)
				goto unknown;
			a->force = true;
			break;
		case ':':
			fprintf(stderr, "akari %s: %s needs a value\n", a->cmd,
				argv[optind - 1]);
			return 2;
		default:
			goto unknown;
		}
	}

	if (optind < argc) {
		fprintf(stderr, "akari %s: unexpected argument '%s'\n", a->cmd,
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!a->db || !a->file) {
		fprintf(stderr, "akari %s: %s is required\n", a->cmd,
			a->db ? file_opt : "--db FILE");
		usage(stderr);
		return 2;
	}
	if (a->pass_file && a->pass_env) {
		fprintf(stderr,
			"akari %s: give --passphrase-file or --passphrase-env, "
			"not both\n", a->cmd);
		return 2;
	}
	return 0;

unknown:
	fprintf(stderr, "akari %s: unknown option '%s'\n", a->cmd,
		argv[optind - 1]);
	usage(stderr);
	return 2;
}

static int run(int argc, char **argv, bool restore)
{
	struct backup_args a = {.cmd = restore ? "restore" : "backup"};
	const char *pass = NULL;
	char err[1024];
	int rc;

	rc = parse(argc, argv, restore, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.pass_file || a.pass_env) {
		if (read_passphrase(&a))
			return 1;
		pass = a.passphrase;
	}

	if (restore)
		rc = store_backup_restore(a.file, a.db, pass, a.force, err,
					  sizeof err);
	else
		rc = store_backup_create(a.db, a.file, pass, a.iterations, err,
					 sizeof err);
	explicit_bzero(a.passphrase, sizeof a.passphrase);
	if (rc) {
		fprintf(stderr, "akari %s: %s%s\n", a.cmd, err,
			restore && rc == STORE_BACKUP_EXISTS
			    ? " (--force replaces it)"
			    : "");
		return 1;
	}

	if (restore)
		printf("restored %s from %s\n", a.db, a.file);
	else
		printf("backed up %s to %s%s\n", a.db, a.file,
		       pass ? " (encrypted)" : "");
	return 0;
}

int cli_backup(int argc, char **argv)
{
	return run(argc, argv, false);
}

int cli_restore(int argc, char **argv)
{
	return run(argc, argv, true);
}
