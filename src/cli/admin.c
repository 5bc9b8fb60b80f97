/*
 * admin.c - `akari admin token add|list|revoke`: the admin tokens that
 * the registry routes of the HTTP API ask for, kept in the database file
 * (no server needed).
 *
 * Exit status: 0 done, 1 the store refused or failed, 2 bad arguments.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cloud/store/store.h"
#include "cloud/store/store_registry.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: akari admin token add --db FILE NAME\n"
		"       akari admin token list --db FILE\n"
		"       akari admin token revoke --db FILE NAME\n"
		"\n"
		"An admin token lets its holder create, change and retire\n"
		"sites, devices and points over the HTTP API, sent as\n"
		"'Authorization: Bearer TOKEN'.  'add' prints a new token\n"
		"once; only its hash is kept.  'revoke' ends it at once.\n");
}

/* Parses [--db FILE] and npos positional arguments after argv[0]. */
static int parse(int argc, char **argv, const char *cmd, int npos,
		 const char **db, const char **name)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == 'd') {
			*db = optarg;
			continue;
		}
		fprintf(stderr, "akari %s: %s '%s'\n", cmd,
			c == ':' ? "a value is missing after"
				 : "unknown option",
			argv[optind - 1]);
		usage(stderr);
		return 2;
	}
	if (argc - optind != npos) {
		fprintf(stderr, "akari %s: %s\n", cmd,
			argc - optind > npos ? "too many arguments"
					     : "NAME is missing");
		usage(stderr);
		return 2;
	}
	if (!*db) {
		fprintf(stderr, "akari %s: --db FILE is required\n", cmd);
		usage(stderr);
		return 2;
	}
	if (npos)
		*name = argv[optind];
	return 0;
}

static void format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_token(const struct store_admin_token *t, void *ctx)
{
	char created[32], revoked[32];

	format_time(t->created, created, sizeof created);
	format_time(t->revoked, revoked, sizeof revoked);
	printf("%-24s %-21s %s\n", t->name, created, revoked);
	return 0;
}

static int count_live(const struct store_admin_token *t, void *ctx)
{
	if (!t->revoked)
		(*(int *)ctx)++;
	return 0;
}

static int run(const char *action, const char *db, const char *name)
{
	char token[STORE_TOKEN_LEN + 1], err[512];
	struct store *st = NULL;
	int rc;

	if (store_open(db, &st, err, sizeof err)) {
		fprintf(stderr, "akari admin token %s: %s\n", action, err);
		return 1;
	}
	if (!strcmp(action, "add")) {
		rc = store_admin_token_add(st, name, token, sizeof token);
		if (!rc) {
			/* The token alone on stdout, for scripts. */
			printf("%s\n", token);
			fflush(stdout);
			fprintf(stderr, "akari: added admin token %s.  The "
				"token above is shown only now.\n", name);
		}
	} else if (!strcmp(action, "revoke")) {
		int live = 0;

		rc = store_admin_token_revoke(st, name);
		if (!rc)
			printf("revoked admin token %s\n", name);
		if (!rc && !store_admin_tokens_each(st, count_live, &live) &&
		    !live)
			fprintf(stderr, "akari: no admin token is left: the "
				"API refuses every registry change until "
				"'akari admin token add'\n");
	} else {
		printf("%-24s %-21s %s\n", "NAME", "CREATED", "REVOKED");
		rc = store_admin_tokens_each(st, print_token, NULL);
	}
	if (rc)
		fprintf(stderr, "akari admin token %s: %s\n", action,
			store_errmsg(st));
	store_close(st);
	return rc ? 1 : 0;
}

int cli_admin(int argc, char **argv)
{
	const char *db = NULL, *name = NULL, *action;
	char cmd[32];
	int rc;

	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "token")) {
		fprintf(stderr, "akari admin: expected 'token add', 'token "
			"list' or 'token revoke'\n");
		usage(stderr);
		return 2;
	}
	action = argv[2];
	if (strcmp(action, "add") && strcmp(action, "list") &&
	    strcmp(action, "revoke")) {
		fprintf(stderr, "akari admin token: unknown action '%s' (add, "
			"list or revoke)\n", action);
		return 2;
	}
	snprintf(cmd, sizeof cmd, "admin token %s", action);
	rc = parse(argc - 2, argv + 2, cmd, strcmp(action, "list") ? 1 : 0,
		   &db, &name);
	if (rc)
		return rc < 0 ? 0 : rc;
	return run(action, db, name);
}
