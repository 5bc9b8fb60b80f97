/*
 * rollup.c - `akari rollup rebuild` and `akari prune`: the rollups made
 * again from raw readings, and raw retention run once by hand.
 *
 * Exit status: 0 done, 1 failed (the database unchanged), 2 bad
 * arguments.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/retain.h"
#include "cloud/store/store.h"
#include "cloud/store/store_rollup.h"

static void rebuild_usage(FILE *f)
{
	fprintf(f,
		"usage: akari rollup rebuild --db FILE [--point KEY]\n"
		"\n"
		"Recomputes the 30-minute, hourly, daily and monthly rollups "
		"from the raw\nreadings, of one point or of all, in one "
		"transaction.  Buckets older than\nthe raw retention horizon "
		"keep their rollups (their readings are gone).\n");
}

static void prune_usage(FILE *f)
{
	fprintf(f,
		"usage: akari prune --db FILE --older-than-days N\n"
		"\n"
		"Deletes raw readings older than N days (N >= 1), %d per "
		"transaction;\nrollups are kept, so aggregates over the range "
		"still answer.\n", CLI_RETAIN_BATCH);
}

/* Parses --db, --point and --older-than-days.  0 to go on, -1 after
 * --help, 2 for bad arguments. */
static int parse(int argc, char **argv, const char *cmd,
		 void (*usage)(FILE *), const char **db, const char **point,
		 const char **days)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"point", required_argument, NULL, 'p'},
		{"older-than-days", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'd') {
			*db = optarg;
		} else if (c == 'p' && point) {
			*point = optarg;
		} else if (c == 'o' && days) {
			*days = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return -1;
		} else {
			fprintf(stderr, "akari %s: %s '%s'\n", cmd,
				c == ':' ? "missing value for"
					 : "unknown option",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "akari %s: unexpected argument '%s'\n", cmd,
			argv[optind]);
		return 2;
	}
	if (!*db) {
		fprintf(stderr, "akari %s: --db FILE is required\n", cmd);
		usage(stderr);
		return 2;
	}
	return 0;
}

static int open_db(const char *cmd, const char *db, struct store **st)
{
	char err[512];

	if (store_open(db, st, err, sizeof err)) {
		fprintf(stderr, "akari %s: %s\n", cmd, err);
		return 1;
	}
	return 0;
}

int cli_rollup(int argc, char **argv)
{
	const char *db = NULL, *point = NULL;
	struct store *st = NULL;
	int64_t points = 0;
	int rc;

	if (argc < 2 || strcmp(argv[1], "rebuild")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") ||
				  !strcmp(argv[1], "help"))) {
			rebuild_usage(stdout);
			return 0;
		}
		fprintf(stderr, "akari rollup: expected 'rebuild'\n");
		rebuild_usage(stderr);
		return 2;
	}
	rc = parse(argc - 1, argv + 1, "rollup rebuild", rebuild_usage, &db,
		   &point, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = open_db("rollup rebuild", db, &st);
	if (rc)
		return rc;
	if (store_rollup_rebuild(st, point, &points)) {
		fprintf(stderr, "akari rollup rebuild: %s\n",
			store_errmsg(st));
		rc = 1;
	} else {
		printf("rebuilt the rollups of %lld point%s\n",
		       (long long)points, points == 1 ? "" : "s");
	}
	store_close(st);
	return rc;
}

int cli_prune(int argc, char **argv)
{
	const char *db = NULL, *days_arg = NULL;
	struct store *st = NULL;
	int64_t deleted = 0;
	int days, rc;

	rc = parse(argc, argv, "prune", prune_usage, &db, NULL, &days_arg);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!days_arg || cli_retain_parse_days(days_arg, &days) || days < 1) {
		fprintf(stderr, "akari prune: --older-than-days needs a "
			"number of days from 1 to 36500\n");
		return 2;
	}
	rc = open_db("prune", db, &st);
	if (rc)
		return rc;
	if (cli_retain_prune(st, days, &deleted)) {
		fprintf(stderr, "akari prune: %s (%lld readings deleted "
			"before the failure)\n", store_errmsg(st),
			(long long)deleted);
		rc = 1;
	} else {
		printf("deleted %lld readings older than %d days; rollups "
		       "kept\n", (long long)deleted, days);
	}
	store_close(st);
	return rc;
}
