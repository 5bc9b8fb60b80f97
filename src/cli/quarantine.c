/*
 * quarantine.c - akari quarantine list: the readings the server held
 * back because their time lay too far ahead of its clock.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "cli/cli.h"
#include "cloud/store/store.h"
#include "cloud/store/store_quarantine.h"
#include "core/timeutil.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: akari quarantine list --db FILE\n"
		"\n"
		"Lists the readings held in quarantine, newest arrival "
		"first:\n"
		"point, the reading's time and value, why it was held, when "
		"it\n"
		"arrived (UTC).  See akari serve --future-tolerance.\n");
}

static int print_held(const struct store_held *h, void *ctx)
{
	GTimeZone *utc = ctx;
	char ts[40], received[40];

	core_time_format(h->ts, utc, ts, sizeof ts);
	core_time_format(h->received, utc, received, sizeof received);
	printf("%s\t%s\t%.17g\t%s\t%s\n", h->point, ts, h->value, h->reason,
	       received);
	return 0;
}

int cli_quarantine(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	struct store *st = NULL;
	GTimeZone *utc = NULL;
	char err[512];
	int c, rc = 0;

	if (argc < 2 || strcmp(argv[1], "list")) {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":", opts, NULL)) != -1) {
		if (c == 'd') {
			db = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "akari quarantine list: bad option "
				"'%s'\n", argv[optind]);
			usage(stderr);
			return 2;
		}
	}
	if (!db || optind < argc - 1) {
		fprintf(stderr, "akari quarantine list: %s\n",
			db ? "unexpected argument" : "--db FILE is required");
		return 2;
	}

	if (store_open(db, &st, err, sizeof err)) {
		fprintf(stderr, "akari quarantine list: %s\n", err);
		return 1;
	}
	utc = g_time_zone_new_utc();
	if (store_quarantine_each(st, 0, print_held, utc)) {
		fprintf(stderr, "akari quarantine list: %s\n",
			store_errmsg(st));
		rc = 1;
	}
	g_time_zone_unref(utc);
	store_close(st);
	return rc;
}
