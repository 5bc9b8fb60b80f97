/*
 * import.c - `akari import`: real published data files into a database,
 * or pushed to a running server, through the same ingest checks.
 *
 * Exit status: 0 when every file was stored whole, 1 when any file was
 * malformed, refused in part or could not be sent, 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cloud/import/import.h"
#include "cloud/store/store.h"
#include "core/timeutil.h"

struct import_args {
	const char *db;
	const char *push;
	const char *token;
	const char *token_file;
	char *token_buf;	/* owned: the token read from token_file */
	const struct import_format *fmt;
	const char *map;	/* the csv format's column map */
	struct import_options opt;
};

static void import_usage(FILE *f)
{
	const struct import_format *fmt;

	fprintf(f,
		"usage: akari import --db FILE --format NAME [OPTIONS] "
		"FILE...\n"
		"       akari import --push URL --token-file FILE --format "
		"NAME\n"
		"                    [OPTIONS] FILE...\n"
		"\n"
		"Reads published data files whole, checks every line, and "
		"stores their\n"
		"readings through the same checks as POST /api/v1/ingest.  "
		"A file with a\n"
		"malformed line stores nothing.\n"
		"\n"
		"  --db FILE        store into this database (created when "
		"missing), adding\n"
		"                   the format's site and points when missing\n"
		"  --push URL       send to the akari server at URL instead; "
		"its points\n"
		"                   must exist and belong to the token's site\n"
		"  --token-file FILE  the device token for --push, read from "
		"FILE;\n"
		"                   without it $AKARI_TOKEN, or --token TOKEN "
		"(which\n"
		"                   ps and shell histories show)\n"
		"  --format NAME    the files' format, one of:\n");
	for (size_t i = 0; (fmt = import_format_at(i)); i++)
		fprintf(f, "                     %-14s %s\n",
			import_format_name(fmt), import_format_about(fmt));
	fprintf(f,
		"  --map SPEC       the column map of --format csv, such as\n"
		"                   time=0,tz=Asia/Tokyo,point:hall/power=2,"
		"unit=kW\n"
		"  --shift-days N   add N whole days to every time (a replay "
		"lined up on\n"
		"                   other days); recorded on the points with "
		"--db\n"
		"  --from DATE      only rows dated DATE (YYYY-MM-DD) or "
		"later, as the\n"
		"                   file writes its local dates, before any "
		"shift\n"
		"  --to DATE        only rows dated DATE or earlier "
		"(inclusive)\n"
		"  -h, --help       this text\n"
		"\n"
		"docs/import.md describes each format and its points.\n");
}

/* Prints one problem the import reports, as it comes. */
static void import_print(void *ctx, const char *msg)
{
	fprintf(stderr, "%s\n", msg);
}

static int parse_shift(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -IMPORT_MAX_SHIFT_DAYS ||
	    v > IMPORT_MAX_SHIFT_DAYS)
		return -1;
	*out = (int)v;
	return 0;
}

static bool date_after(const struct import_date *a,
		       const struct import_date *b)
{
	return (a->year * 100 + a->month) * 100 + a->day >
	       (b->year * 100 + b->month) * 100 + b->day;
}

/*
 * The device token of --push: from --token-file (its one line, blanks
 * around it dropped), else $AKARI_TOKEN, else --token.  The first two
 * keep it out of the command line, which ps shows every user of the
 * box.  Returns 0 with a->token set, or -1 after saying what is wrong.
 */
static int push_token(struct import_args *a)
{
	const char *env = getenv("AKARI_TOKEN");
	GError *gerr = NULL;
	char *t;

	if (a->token && a->token_file) {
		fprintf(stderr, "akari import: give --token or --token-file, "
			"not both\n");
		return -1;
	}
	if (a->token_file) {
		if (!g_file_get_contents(a->token_file, &a->token_buf, NULL,
					 &gerr)) {
			fprintf(stderr, "akari import: --token-file: %s\n",
				gerr->message);
			g_error_free(gerr);
			return -1;
		}
		t = g_strstrip(a->token_buf);
		a->token = t;
	} else if (!a->token && env && *env) {
		a->token = env;
	}
	if (!a->token || !*a->token) {
		fprintf(stderr, "akari import: --push needs the device token: "
			"--token-file FILE, $AKARI_TOKEN or --token TOKEN\n");
		return -1;
	}
	if (strpbrk(a->token, " \t\r\n")) {
		fprintf(stderr, "akari import: the device token%s%s holds "
			"blanks or line breaks; it is one word\n",
			a->token_file ? " in " : "",
			a->token_file ? a->token_file : "");
		return -1;
	}
	return 0;
}

/* Fills a from argv.  Returns 0 to go on, -1 when --help was shown, or
 * 2 after printing what is wrong. */
static int parse_args(int argc, char **argv, struct import_args *a)
{
	enum { OPT_DB = 256, OPT_PUSH, OPT_TOKEN, OPT_TOKEN_FILE, OPT_FORMAT,
	       OPT_SHIFT, OPT_FROM, OPT_TO, OPT_MAP };
	static const struct option longopts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"push", required_argument, NULL, OPT_PUSH},
		{"token", required_argument, NULL, OPT_TOKEN},
		{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"shift-days", required_argument, NULL, OPT_SHIFT},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"map", required_argument, NULL, OPT_MAP},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_PUSH:
			a->push = optarg;
			break;
		case OPT_TOKEN:
			a->token = optarg;
			break;
		case OPT_TOKEN_FILE:
			a->token_file = optarg;
			break;
		case OPT_FORMAT:
			a->fmt = import_format_find(optarg);
			if (!a->fmt) {
				fprintf(stderr, "akari import: unknown format "
					"'%s' (see --help)\n", optarg);
				return 2;
			}
			break;
		case OPT_MAP:
			a->map = optarg;
			break;
		case OPT_SHIFT:
			if (parse_shift(optarg, &a->opt.shift_days)) {
				fprintf(stderr, "akari import: --shift-days "
					"takes whole days, at most %d either "
					"way\n", IMPORT_MAX_SHIFT_DAYS);
				return 2;
			}
			break;
		case OPT_FROM:
		case OPT_TO:
			if (import_date_parse(optarg, c == OPT_FROM ?
					      &a->opt.from : &a->opt.to)) {
				fprintf(stderr, "akari import: bad date '%s', "
					"expected YYYY-MM-DD\n", optarg);
				return 2;
			}
			break;
		case 'h':
			import_usage(stdout);
			return -1;
		default:
			import_usage(stderr);
			return 2;
		}
	}

	if (!a->db == !a->push) {
		fprintf(stderr, "akari import: give either --db FILE or "
			"--push URL\n");
		return 2;
	}
	if (a->db && (a->token || a->token_file)) {
		fprintf(stderr, "akari import: --token and --token-file go "
			"with --push\n");
		return 2;
	}
	if (a->push && push_token(a))
		return 2;
	if (a->opt.from.year && a->opt.to.year &&
	    date_after(&a->opt.from, &a->opt.to)) {
		fprintf(stderr, "akari import: --from is after --to\n");
		return 2;
	}
	if (!a->fmt) {
		fprintf(stderr, "akari import: --format NAME is required\n");
		return 2;
	}
	if (import_format_needs_map(a->fmt) != !!a->map) {
		fprintf(stderr, "akari import: --map goes with --format csv, "
			"and csv needs it\n");
		return 2;
	}
	if (optind == argc) {
		fprintf(stderr, "akari import: no files to import\n");
		return 2;
	}
	return 0;
}

static void print_summary(const char *path, const struct import_summary *s)
{
	GTimeZone *tz = core_tz_new(s->tz);
	char first[32], last[32];

	printf("%s: %zu readings stored, %zu refused", path, s->accepted,
	       s->rejected);
	if (s->skipped)
		printf(", %zu of %zu outside --from/--to", s->skipped,
		       s->rows);
	if (s->accepted && tz) {
		core_time_format(s->first_ts, tz, first, sizeof first);
		core_time_format(s->last_ts, tz, last, sizeof last);
		printf(", %s .. %s", first, last);
	}
	printf("\n");
	if (tz)
		g_time_zone_unref(tz);
}

int cli_import(int argc, char **argv)
{
	struct import_args a = {
		.opt = {.report = import_print},
	};
	struct store *st = NULL;
	struct import_sink *sink = NULL;
	struct import_format *mapped = NULL;
	char err[256];
	int rc, status = 0;

	rc = parse_args(argc, argv, &a);
	if (rc) {
		g_free(a.token_buf);
		return rc < 0 ? 0 : rc;
	}
	if (a.map) {
		if (import_csv_format_new(a.map, NULL, NULL, &mapped, err,
					  sizeof err)) {
			fprintf(stderr, "akari import: --map: %s\n", err);
			return 2;
		}
		a.fmt = mapped;
	}

	if (a.db) {
		rc = store_open(a.db, &st, err, sizeof err);
		if (rc) {
			fprintf(stderr, "akari import: %s: %s\n", a.db, err);
			return 1;
		}
		rc = import_sink_local_create(st, &sink);
	} else {
		rc = import_sink_push_create(a.push, a.token, &sink);
	}
	if (rc) {
		fprintf(stderr, "akari import: cannot set up the %s\n",
			a.db ? "store" : "HTTP client");
		status = 1;
		goto out;
	}

	for (int i = optind; i < argc; i++) {
		struct import_summary sum;

		rc = import_file(sink, a.fmt, argv[i], &a.opt, &sum);
		/* Only a file that was sent has something to sum up. */
		if (rc == IMPORT_OK || rc == IMPORT_REJECTED ||
		    rc == IMPORT_STORE || rc == IMPORT_PUSH)
			print_summary(argv[i], &sum);
		if (rc)
			status = 1;
	}

out:
	import_sink_destroy(sink);
	import_csv_format_free(mapped);
	g_free(a.token_buf);
	store_close(st);
	fflush(stdout);
	return status;
}
