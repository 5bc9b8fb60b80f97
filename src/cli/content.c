/*
 * content.c - `akari playlist` and `akari emergency`: the signage content
 * of a database file, edited directly (no server needed; a running
 * server's displays see the change at their next poll).
 *
 * Exit status: 0 done, 1 the store refused or failed, 2 bad arguments.
 */
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cloud/api/api_content.h"
#include "cloud/store/store_content.h"
#include "core/log.h"

#define MOD "content"

static const struct option opts[] = {
	{"db", required_argument, NULL, 'd'},
	{"file", required_argument, NULL, 'f'},
	{"group", required_argument, NULL, 'g'},
	{"by", required_argument, NULL, 'b'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct args {
	const char *db, *file, *group, *by;
	char **pos;
	int npos;
};

static void playlist_usage(FILE *f)
{
	fprintf(f,
		"usage: akari playlist put    --db FILE NAME --file FILE.json\n"
		"       akari playlist list   --db FILE\n"
		"       akari playlist show   --db FILE NAME\n"
		"       akari playlist delete --db FILE NAME\n\n"
		"A playlist is {\"items\": [{\"slide\": \"grid\", \"seconds\": "
		"10}, ...]}\n(--file - reads it from standard input); see "
		"docs/playlists.md.\n");
}

static void emergency_usage(FILE *f)
{
	fprintf(f,
		"usage: akari emergency set   --db FILE [--group G] [--by WHO] "
		"MESSAGE\n"
		"       akari emergency clear --db FILE [--group G] "
		"[--by WHO]\n"
		"       akari emergency log   --db FILE\n\n"
		"Without --group the message is for every display.  Displays "
		"show it\nwithin seconds, in large type, until it is "
		"cleared.\n");
}

/* Returns 0, -1 after --help, or 2 after a message. */
static int parse(int argc, char **argv, void (*usage)(FILE *), struct args *a)
{
	int c;

	memset(a, 0, sizeof *a);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'f':
			a->file = optarg;
			break;
		case 'g':
			a->group = optarg;
			break;
		case 'b':
			a->by = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (!a->db) {
		fprintf(stderr, "akari %s: --db FILE is required\n", argv[0]);
		return 2;
	}
	return 0;
}

static int open_store(const char *db, struct store **st)
{
	char err[512];

	if (store_open(db, st, err, sizeof err)) {
		fprintf(stderr, "akari: %s\n", err);
		return 1;
	}
	return 0;
}

static int print_playlist(const struct store_playlist *p, void *ctx)
{
	bool body = *(bool *)ctx;

	if (body)
		printf("%s\n", p->body);
	else
		printf("%s\trevision %lld\n", p->name, (long long)p->revision);
	return 0;
}

static int read_file(const char *path, char **text)
{
	GError *gerr = NULL;
	GString *s;
	char buf[4096];
	size_t n;

	if (strcmp(path, "-")) {
		if (g_file_get_contents(path, text, NULL, &gerr))
			return 0;
		fprintf(stderr, "akari playlist: %s\n", gerr->message);
		g_error_free(gerr);
		return 1;
	}
	s = g_string_new(NULL);
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		g_string_append_len(s, buf, (gssize)n);
	*text = g_string_free(s, FALSE);
	return 0;
}

static int playlist_put(struct store *st, const char *name, const char *file)
{
	char *text = NULL, *canon = NULL, err[256];
	int64_t rev;
	bool created;
	int rc;

	rc = read_file(file, &text);
	if (rc)
		goto out;
	if (api_content_playlist_text(text, &canon, err, sizeof err)) {
		fprintf(stderr, "akari playlist put: %s: %s\n", file, err);
		rc = 1;
		goto out;
	}
	rc = store_playlist_put(st, name, canon, (int64_t)time(NULL),
				&created, &rev) ? 1 : 0;
	if (rc) {
		fprintf(stderr, "akari playlist put: %s\n", store_errmsg(st));
		goto out;
	}
	printf("playlist %s %s, revision %lld\n", name,
	       created ? "created" : "replaced", (long long)rev);

out:
	free(canon);
	g_free(text);
	return rc;
}

int cli_playlist(int argc, char **argv)
{
	const char *action = argc > 1 ? argv[1] : NULL;
	struct store *st = NULL;
	struct args a;
	bool body;
	int rc;

	if (!action || !strcmp(action, "--help")) {
		playlist_usage(action ? stdout : stderr);
		return action ? 0 : 2;
	}
	rc = parse(argc - 1, argv + 1, playlist_usage, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((!strcmp(action, "list") && a.npos != 0) ||
	    (strcmp(action, "list") && a.npos != 1) ||
	    (!strcmp(action, "put") && !a.file)) {
		playlist_usage(stderr);
		return 2;
	}
	if (open_store(a.db, &st))
		return 1;

	body = !strcmp(action, "show");
	if (!strcmp(action, "put")) {
		rc = playlist_put(st, a.pos[0], a.file);
	} else if (!strcmp(action, "list") || body) {
		rc = store_playlist_walk(st, body ? a.pos[0] : NULL,
					 print_playlist, &body);
	} else if (!strcmp(action, "delete")) {
		rc = store_playlist_delete(st, a.pos[0]);
		if (!rc)
			printf("playlist %s deleted\n", a.pos[0]);
	} else {
		fprintf(stderr, "akari playlist: unknown action '%s'\n",
			action);
		store_close(st);
		return 2;
	}
	if (rc < 0)
		fprintf(stderr, "akari playlist %s: %s\n", action,
			store_errmsg(st));
	store_close(st);
	return rc ? 1 : 0;
}

static int print_log(const struct store_emergency *e, void *ctx)
{
	GDateTime *t = g_date_time_new_from_unix_utc(e->at);
	gchar *when = t ? g_date_time_format_iso8601(t) : g_strdup("?");

	printf("%lld\t%s\t%s\t%s\t%s%s%s\n", (long long)e->id, when,
	       e->set ? "set" : "clear", e->target, e->actor,
	       e->message ? "\t" : "", e->message ? e->message : "");
	g_free(when);
	if (t)
		g_date_time_unref(t);
	return 0;
}

int cli_emergency(int argc, char **argv)
{
	const char *action = argc > 1 ? argv[1] : NULL;
	struct store_emergency e = {0};
	struct store *st = NULL;
	char by[128];
	struct args a;
	int64_t id;
	int rc;

	if (!action || !strcmp(action, "--help")) {
		emergency_usage(action ? stdout : stderr);
		return action ? 0 : 2;
	}
	rc = parse(argc - 1, argv + 1, emergency_usage, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((!strcmp(action, "set") && a.npos != 1) ||
	    (strcmp(action, "set") && a.npos != 0)) {
		emergency_usage(stderr);
		return 2;
	}
	if (strcmp(action, "set") && strcmp(action, "clear") &&
	    strcmp(action, "log")) {
		fprintf(stderr, "akari emergency: unknown action '%s'\n",
			action);
		return 2;
	}
	if (open_store(a.db, &st))
		return 1;

	if (!strcmp(action, "log")) {
		rc = store_emergency_history(st, 1000, print_log, NULL);
		goto out;
	}
	/* Who, for the log: --by, else the user running the command. */
	snprintf(by, sizeof by, "%s", a.by ? a.by : g_get_user_name());
	e.target = a.group ? a.group : STORE_EMERGENCY_ALL;
	e.set = !strcmp(action, "set");
	e.message = e.set ? a.pos[0] : NULL;
	e.actor = by;
	e.at = (int64_t)time(NULL);
	rc = store_emergency_log(st, &e, &id);
	if (rc)
		goto out;
	if (e.set)
		log_info(MOD, "emergency message set for %s by %s (log %lld): "
			 "%s", e.target, by, (long long)id, e.message);
	else
		log_info(MOD, "emergency message for %s cleared by %s (log "
			 "%lld)", e.target, by, (long long)id);

out:
	if (rc)
		fprintf(stderr, "akari emergency %s: %s\n", action,
			store_errmsg(st));
	store_close(st);
	return rc ? 1 : 0;
}
