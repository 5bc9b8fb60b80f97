/*
 * lifecycle.c - the registry commands beyond add: show, change and
 * retire a site, a device or a point; list devices with their liveness;
 * rotate or revoke a device's token; turn request signing on or off.
 * Like registry.c they edit the database file directly.
 *
 * Exit status: 0 done, 1 the store refused or failed, 2 bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cloud/store/store.h"
#include "cloud/store/store_registry.h"
#include "cloud/units/units.h"

#define DEFAULT_OFFLINE_S 900

struct life_args {
	char cmd[48];		/* "device retire", for messages */
	const char *db, *site, *name, *kind, *tz, *parent, *quantity, *unit;
	const char *step, *rate, *burst, *max_body, *offline_after;
	bool retired;
	const char *pos;	/* NAME or KEY */
};

static const struct option opts[] = {
	{"db", required_argument, NULL, 'd'},
	{"site", required_argument, NULL, 's'},
	{"name", required_argument, NULL, 'n'},
	{"kind", required_argument, NULL, 'k'},
	{"tz", required_argument, NULL, 't'},
	{"parent", required_argument, NULL, 'p'},
	{"quantity", required_argument, NULL, 'q'},
	{"unit", required_argument, NULL, 'u'},
	{"step", required_argument, NULL, 'S'},
	{"rate", required_argument, NULL, 'r'},
	{"burst", required_argument, NULL, 'b'},
	{"max-body", required_argument, NULL, 'm'},
	{"offline-after", required_argument, NULL, 'o'},
	{"retired", no_argument, NULL, 'R'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The usage lines of one noun's actions, each "usage: " wide: "akari
 * site show|retire ...". */
static const char *const site_lines =
	"akari site show|retire --db FILE NAME\n"
	"       akari site change --db FILE NAME [--name N] [--kind K]"
	" [--tz ZONE]\n"
	"                         [--parent P]   (--parent '' removes"
	" it)\n";
static const char *const device_lines =
	"akari device list --db FILE [--site S] [--retired]\n"
	"                         [--offline-after SECONDS]\n"
	"       akari device show|retire --db FILE --site S NAME\n"
	"       akari device change --db FILE --site S NAME [--name N]"
	" [--kind K]\n"
	"                         [--rate PER_S] [--burst B] "
	"[--max-body BYTES]\n"
	"       akari device token rotate|revoke --db FILE --site S "
	"NAME\n"
	"       akari device secret set|clear --db FILE --site S NAME\n";
static const char *const point_lines =
	"akari point show|retire --db FILE KEY\n"
	"       akari point change --db FILE KEY [--quantity Q] "
	"[--unit U]\n"
	"                         [--kind K] [--step SECONDS]\n";
static const char *const notes =
	"Retiring keeps an item and its history; a retired device's "
	"token\nstops working and a retired point takes no readings. "
	"'token rotate'\nand 'secret set' print the new token or "
	"secret once.  A limit of 0\ngoes back to the server's "
	"default (docs/registry.md).\n";

static void usage(FILE *f)
{
	fprintf(f, "usage: %s       %s       %s\n%s", site_lines,
		device_lines, point_lines, notes);
}

void cli_lifecycle_usage_of(FILE *f, const char *noun)
{
	bool site = !strcmp(noun, "site"), dev = !strcmp(noun, "device");

	fprintf(f, "       %s\n", site ? site_lines
				: dev ? device_lines : point_lines);
	if (site)
		fprintf(f, "Retiring keeps a site and its history "
			"(docs/registry.md).\n");
	else if (dev)
		fprintf(f, "Retiring keeps a device and its history; its "
			"token stops working.\n'token rotate' and 'secret "
			"set' print the new token or secret once.\nA limit "
			"of 0 goes back to the server's default "
			"(docs/registry.md).\n");
	else
		fprintf(f, "Retiring keeps a point and its history; it takes "
			"no readings\n(docs/registry.md).\n");
}

/* Parses options and the one positional argument. */
static int parse(int argc, char **argv, struct life_args *a)
{
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 's':
			a->site = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'k':
			a->kind = optarg;
			break;
		case 't':
			a->tz = optarg;
			break;
		case 'p':
			a->parent = optarg;
			break;
		case 'q':
			a->quantity = optarg;
			break;
		case 'u':
			a->unit = optarg;
			break;
		case 'S':
			a->step = optarg;
			break;
		case 'r':
			a->rate = optarg;
			break;
		case 'b':
			a->burst = optarg;
			break;
		case 'm':
			a->max_body = optarg;
			break;
		case 'o':
			a->offline_after = optarg;
			break;
		case 'R':
			a->retired = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fprintf(stderr, "akari %s: %s '%s'\n", a->cmd,
				c == ':' ? "a value is missing after"
					 : "unknown option",
				argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "akari %s: unexpected argument '%s'\n", a->cmd,
			argv[optind + 1]);
		return 2;
	}
	a->pos = argc > optind ? argv[optind] : NULL;
	if (!a->db) {
		fprintf(stderr, "akari %s: --db FILE is required\n", a->cmd);
		return 2;
	}
	return 0;
}

/* A number in [0, max]; whole when whole. */
static int number(const struct life_args *a, const char *opt, const char *v,
		  double max, bool whole, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= 0 && d <= max) ||
	    (whole && d != floor(d))) {
		fprintf(stderr, "akari %s: %s '%s' is not a %snumber from 0 "
			"to %.0f\n", a->cmd, opt, v, whole ? "whole " : "",
			max);
		return 2;
	}
	*out = d;
	return 0;
}

static void stamp(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- sites --------------------------------------------------------------- */

static int site_show(struct store *st, const struct life_args *a)
{
	struct store_site_info s;
	char created[32], retired[32];
	int rc = store_site_info_get(st, a->pos, &s);

	if (rc)
		return rc;
	stamp(s.created, created, sizeof created);
	stamp(s.retired, retired, sizeof retired);
	printf("name     %s\nkind     %s\ntz       %s\nparent   %s\n"
	       "created  %s\nretired  %s\n",
	       s.site.name, s.site.kind, s.site.tz, *s.parent ? s.parent : "-",
	       created, retired);
	return 0;
}

static int site_run(struct store *st, const char *action,
		    const struct life_args *a)
{
	struct store_site_change ch = {a->name, a->kind, a->tz, a->parent};
	int rc;

	if (!strcmp(action, "change") && !a->name && !a->kind && !a->tz &&
	    !a->parent) {
		fprintf(stderr, "akari %s: nothing to change: give --name, "
			"--kind, --tz or --parent\n", a->cmd);
		return 2;
	}

	if (!strcmp(action, "show"))
		return site_show(st, a);
	if (!strcmp(action, "retire")) {
		rc = store_site_retire(st, a->pos);
		if (!rc)
			printf("retired site %s\n", a->pos);
		return rc;
	}
	rc = store_site_change(st, a->pos, &ch);
	if (!rc)
		printf("changed site %s\n", a->name ? a->name : a->pos);
	return rc;
}

/* --- devices ------------------------------------------------------------- */

struct device_list {
	int64_t now, offline_s;
};

static int print_device(const struct store_device *d, void *ctx)
{
	const struct device_list *l = ctx;
	bool online = !d->retired && d->last_seen &&
		      l->now - d->last_seen < l->offline_s;
	char seen[32];

	stamp(d->last_seen, seen, sizeof seen);
	printf("%-16s %-16s %-10s %-8s %-21s %s%s%s\n", d->site, d->name,
	       d->kind, online ? "online" : "offline", seen,
	       d->retired ? "retired" : d->token_revoked ? "revoked" : "-",
	       d->signing ? " signing" : "",
	       d->rate_per_s > 0 ? " rate-limited" : "");
	return 0;
}

static int device_list(struct store *st, const struct life_args *a)
{
	struct device_list l = {(int64_t)time(NULL), DEFAULT_OFFLINE_S};
	double v;

	if (a->offline_after) {
		if (number(a, "--offline-after", a->offline_after,
			   366.0 * 86400, true, &v))
			return 2;
		l.offline_s = (int64_t)v;
	}
	printf("%-16s %-16s %-10s %-8s %-21s %s\n", "SITE", "NAME", "KIND",
	       "STATE", "LAST SEEN", "STATUS");
	return store_devices_list(st, a->site, a->retired, print_device, &l);
}

static int device_show(struct store *st, const struct life_args *a)
{
	char created[32], retired[32], seen[32];
	struct store_device d;
	int rc = store_device_get(st, a->site, a->pos, &d);

	if (rc)
		return rc;
	stamp(d.created, created, sizeof created);
	stamp(d.retired, retired, sizeof retired);
	stamp(d.last_seen, seen, sizeof seen);
	printf("site       %s\nname       %s\nkind       %s\ncreated    %s\n"
	       "retired    %s\ntoken      %s\nsigning    %s\n"
	       "last seen  %s\n",
	       d.site, d.name, d.kind, created, retired,
	       d.token_revoked ? "revoked" : "valid", d.signing ? "on" : "off",
	       seen);
	printf("rate_per_s %g%s\nburst      %lld%s\nmax_body   %lld%s\n",
	       d.rate_per_s, d.rate_per_s > 0 ? "" : " (server default)",
	       (long long)d.burst, d.burst > 0 ? "" : " (server default)",
	       (long long)d.max_body,
	       d.max_body > 0 ? "" : " (server default)");
	return 0;
}

static int device_change(struct store *st, const struct life_args *a)
{
	struct store_device_change ch = {.name = a->name, .kind = a->kind};
	double rate, burst, max_body;
	int64_t b, m;
	int rc;

	if (!a->name && !a->kind && !a->rate && !a->burst && !a->max_body) {
		fprintf(stderr, "akari %s: nothing to change: give --name, "
			"--kind, --rate, --burst or --max-body\n", a->cmd);
		return 2;
	}

	if (a->rate) {
		if (number(a, "--rate", a->rate, 1e6, false, &rate))
			return 2;
		ch.rate_per_s = &rate;
	}
	if (a->burst) {
		if (number(a, "--burst", a->burst, 1e6, true, &burst))
			return 2;
		b = (int64_t)burst;
		ch.burst = &b;
	}
	if (a->max_body) {
		if (number(a, "--max-body", a->max_body, 1 << 30, true,
			   &max_body))
			return 2;
		m = (int64_t)max_body;
		ch.max_body = &m;
	}
	rc = store_device_change(st, a->site, a->pos, &ch);
	if (!rc)
		printf("changed device %s on site %s\n",
		       a->name ? a->name : a->pos, a->site);
	return rc;
}

/* token rotate|revoke, secret set|clear: what is in sub. */
static int device_credential(struct store *st, const char *what,
			     const char *sub, const struct life_args *a)
{
	char secret[STORE_TOKEN_LEN + 1];
	bool token = !strcmp(what, "token");
	bool make = !strcmp(sub, token ? "rotate" : "set");
	int rc;

	if (make)
		rc = token ? store_device_token_rotate(st, a->site, a->pos,
						       secret, sizeof secret)
			   : store_device_secret_new(st, a->site, a->pos,
						     secret, sizeof secret);
	else
		rc = token ? store_device_token_revoke(st, a->site, a->pos)
			   : store_device_secret_clear(st, a->site, a->pos);
	if (rc)
		return rc;
	if (!make) {
		printf("%s of device %s on site %s\n",
		       token ? "revoked the token" : "ended signing", a->pos,
		       a->site);
		return 0;
	}

	/* Alone on stdout, so that scripts can capture it. */
	printf("%s\n", secret);
	fflush(stdout);
	fprintf(stderr, "akari: a new %s for device %s on site %s; it is "
		"shown only now.\n", token ? "token" : "signing secret",
		a->pos, a->site);
	memset(secret, 0, sizeof secret);
	return 0;
}

/* --- points -------------------------------------------------------------- */

static int point_show(struct store *st, const struct life_args *a)
{
	struct store_point_info p;
	char retired[32];
	int rc = store_point_info_get(st, a->pos, &p);

	if (rc)
		return rc;
	stamp(p.retired, retired, sizeof retired);
	printf("key       %s\nsite      %s\nquantity  %s\nunit      %s\n"
	       "kind      %s\nstep_s    %d\nretired   %s\n",
	       p.point.key, p.point.site, p.point.quantity, p.point.unit,
	       store_kind_name(p.point.kind), p.point.step_s, retired);
	return 0;
}

/* The pair a change leaves, checked against the unit table inside the
 * change's transaction; *ctx notes a refusal, which exits 2 as an
 * option refused before the store was asked does.  A point stored
 * before units were checked may still change its kind or step alone. */
static int change_units(const struct store_point *now,
			const struct store_point_change *ch, void *ctx,
			char *msg, size_t len)
{
	const char *field = "";
	char why[400];

	if (!ch->quantity && !ch->unit)
		return 0;
	if (!units_check_point(ch->quantity ? ch->quantity : now->quantity,
			       ch->unit ? ch->unit : now->unit, &field, why,
			       sizeof why))
		return 0;
	snprintf(msg, len, "--%s: %s", field, why);
	*(bool *)ctx = true;
	return 1;
}

static int point_change(struct store *st, const struct life_args *a)
{
	bool refused = false;
	struct store_point_change ch = {.quantity = a->quantity,
					.unit = a->unit,
					.check = change_units,
					.ctx = &refused};
	enum store_point_kind kind;
	double step;
	int step_s;
	int rc;

	if (!a->quantity && !a->unit && !a->kind && !a->step) {
		fprintf(stderr, "akari %s: nothing to change: give "
			"--quantity, --unit, --kind or --step\n", a->cmd);
		return 2;
	}

	if (a->kind) {
		if (store_kind_parse(a->kind, &kind)) {
			fprintf(stderr, "akari %s: --kind '%s' is not "
				"instantaneous, counter or state\n",
				a->cmd, a->kind);
			return 2;
		}
		ch.kind = &kind;
	}
	if (a->step) {
		if (number(a, "--step", a->step, 31 * 86400, true, &step))
			return 2;
		step_s = (int)step;
		ch.step_s = &step_s;
	}

	rc = store_point_change(st, a->pos, &ch);
	if (rc && refused) {
		fprintf(stderr, "akari %s: %s\n", a->cmd, store_errmsg(st));
		return 2;
	}
	if (!rc)
		printf("changed point %s\n", a->pos);
	return rc;
}

/* --- dispatch ------------------------------------------------------------ */

bool cli_lifecycle_claims(const char *noun, const char *action)
{
	static const char *const site[] = {"show", "change", "retire", NULL};
	static const char *const device[] = {"list", "show", "change",
					     "retire", "token", "secret",
					     NULL};
	const char *const *v = !strcmp(noun, "device") ? device : site;

	for (; *v; v++)
		if (!strcmp(action, *v))
			return true;
	return false;
}

int cli_lifecycle(const char *noun, int argc, char **argv)
{
	struct life_args a = {0};
	const char *action = argv[1], *sub = NULL;
	bool dev = !strcmp(noun, "device");
	struct store *st = NULL;
	char err[512];
	int rc, skip = 1;

	if (dev && (!strcmp(action, "token") || !strcmp(action, "secret"))) {
		bool token = !strcmp(action, "token");

		sub = argc > 2 ? argv[2] : "";
		if (strcmp(sub, token ? "rotate" : "set") &&
		    strcmp(sub, token ? "revoke" : "clear")) {
			fprintf(stderr, "akari device %s: expected %s\n",
				action,
				token ? "rotate or revoke" : "set or clear");
			return 2;
		}
		skip = 2;
	}
	snprintf(a.cmd, sizeof a.cmd, "%s %s%s%s", noun, action,
		 sub ? " " : "", sub ? sub : "");
	rc = parse(argc - skip, argv + skip, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (strcmp(action, "list") && !a.pos) {
		fprintf(stderr, "akari %s: %s is missing\n", a.cmd,
			strcmp(noun, "point") ? "NAME" : "KEY");
		return 2;
	}
	if (dev && strcmp(action, "list") && !a.site) {
		fprintf(stderr, "akari %s: --site S is required\n", a.cmd);
		return 2;
	}

	if (store_open(a.db, &st, err, sizeof err)) {
		fprintf(stderr, "akari %s: %s\n", a.cmd, err);
		return 1;
	}
	if (!strcmp(noun, "site"))
		rc = site_run(st, action, &a);
	else if (!dev)
		rc = !strcmp(action, "show")     ? point_show(st, &a)
		     : !strcmp(action, "retire") ? store_point_retire(st, a.pos)
						 : point_change(st, &a);
	else if (!strcmp(action, "list"))
		rc = device_list(st, &a);
	else if (!strcmp(action, "show"))
		rc = device_show(st, &a);
	else if (!strcmp(action, "change"))
		rc = device_change(st, &a);
	else if (!strcmp(action, "retire"))
		rc = store_device_retire(st, a.site, a.pos);
	else
		rc = device_credential(st, action, sub, &a);

	if (rc == 2) {
		/* An option refused before the store was asked. */
	} else if (rc) {
		fprintf(stderr, "akari %s: %s\n", a.cmd, store_errmsg(st));
		rc = 1;
	} else if (!strcmp(action, "retire")) {
		if (strcmp(noun, "site"))
			printf("retired %s %s\n", noun, a.pos);
	}
	store_close(st);
	return rc;
}

void cli_lifecycle_usage(FILE *f)
{
	usage(f);
}
