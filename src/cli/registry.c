/*
 * registry.c - `akari site`, `akari device` and `akari point`: the
 * registry of a database file, edited directly (no server needed).
 *
 * Exit status: 0 done, 1 the store refused or failed, 2 bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cloud/store/store.h"
#include "cloud/store/store_floor.h"
#include "cloud/units/units.h"

/* Every option any registry command takes; each command allows some. */
struct reg_args {
	const char *cmd;	/* "site add", for messages */
	const char *db, *kind, *tz, *parent, *site, *quantity, *unit;
	const char *step;
	const char *digits;	/* a counter's register digits */
	const char *floor_area;	/* a site's floor area in m2 */
	const char *name;	/* the one positional argument, if any */
};

/* Options by a letter each; a command lists the letters it allows. */
static const struct option all_opts[] = {
	{"db", required_argument, NULL, 'd'},
	{"kind", required_argument, NULL, 'k'},
	{"tz", required_argument, NULL, 't'},
	{"parent", required_argument, NULL, 'p'},
	{"site", required_argument, NULL, 's'},
	{"quantity", required_argument, NULL, 'q'},
	{"unit", required_argument, NULL, 'u'},
	{"step", required_argument, NULL, 'S'},
	{"digits", required_argument, NULL, 'D'},
	{"floor-area", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void set_opt(struct reg_args *a, int c, const char *v)
{
	switch (c) {
	case 'd':
		a->db = v;
		break;
	case 'k':
		a->kind = v;
		break;
	case 't':
		a->tz = v;
		break;
	case 'p':
		a->parent = v;
		break;
	case 's':
		a->site = v;
		break;
	case 'q':
		a->quantity = v;
		break;
	case 'u':
		a->unit = v;
		break;
	case 'S':
		a->step = v;
		break;
	case 'F':
		a->floor_area = v;
		break;
	case 'D':
		a->digits = v;
		break;
	}
}

/*
 * Parses argv (argv[0] is the action, "add" or "list") allowing --help
 * and the options whose letters are in allowed, and expecting one
 * positional argument named pos ("NAME", "KEY"), or none when pos is
 * NULL.  Returns 0, -1 after --help (usage printed), or 2 after a
 * message on stderr.
 */
static int parse(int argc, char **argv, const char *allowed,
		 const char *pos, void (*usage)(FILE *), struct reg_args *a)
{
	struct option opts[sizeof all_opts / sizeof all_opts[0]];
	int npos = pos ? 1 : 0;
	size_t n = 0;
	int c;

	for (size_t i = 0; all_opts[i].name; i++)
		if (all_opts[i].val == 'h' || strchr(allowed, all_opts[i].val))
			opts[n++] = all_opts[i];
	opts[n] = (struct option){NULL, 0, NULL, 0};

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == ':') {
			fprintf(stderr, "akari %s: %s needs a value\n", a->cmd,
				argv[optind - 1]);
			return 2;
		}
		if (c == '?') {
			fprintf(stderr, "akari %s: unknown option '%s'\n",
				a->cmd, argv[optind - 1]);
			usage(stderr);
			return 2;
		}
		set_opt(a, c, optarg);
	}

	if (argc - optind != npos) {
		if (argc - optind > npos)
			fprintf(stderr, "akari %s: unexpected argument '%s'\n",
				a->cmd, argv[optind + npos]);
		else
			fprintf(stderr, "akari %s: %s is missing\n", a->cmd,
				pos);
		usage(stderr);
		return 2;
	}
	if (npos)
		a->name = argv[optind];
	return 0;
}

/* 0 when v is set; else says that opt is required and returns 2. */
static int need(const struct reg_args *a, const char *v, const char *opt,
		void (*usage)(FILE *))
{
	if (v)
		return 0;
	fprintf(stderr, "akari %s: %s is required\n", a->cmd, opt);
	usage(stderr);
	return 2;
}

static int open_db(const struct reg_args *a, struct store **st)
{
	char err[512];

	if (store_open(a->db, st, err, sizeof err)) {
		fprintf(stderr, "akari %s: %s\n", a->cmd, err);
		return 1;
	}
	return 0;
}

static int store_failed(const struct reg_args *a, struct store *st)
{
	fprintf(stderr, "akari %s: %s\n", a->cmd, store_errmsg(st));
	return 1;
}

/* --- akari site ------------------------------------------------------- */

static void site_usage(FILE *f)
{
	fprintf(f,
		"usage: akari site add --db FILE NAME --kind K --tz ZONE "
		"[--parent P]\n"
		"                      [--floor-area M2]\n"
		"       akari site list --db FILE\n");
	cli_lifecycle_usage_of(f, "site");
	fprintf(f,
		"\n"
		"  NAME         the site's unique name, e.g. tepco\n"
		"  --kind K     what it is: grid, home, room, building, ...\n"
		"  --tz ZONE    its IANA time zone, e.g. Asia/Tokyo; local\n"
		"               days and hours are computed in it\n"
		"  --parent P   the site this one belongs to\n"
		"  --floor-area M2  its floor area in square metres, for the\n"
		"               ranking of buildings by energy per m2\n");
}

/* A floor area: a finite number of square metres above 0. */
static int parse_floor_area(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static int site_add(struct reg_args *a)
{
	struct store *st = NULL;
	double m2 = 0;
	int rc;

	rc = need(a, a->db, "--db FILE", site_usage);
	if (!rc)
		rc = need(a, a->kind, "--kind K", site_usage);
	if (!rc)
		rc = need(a, a->tz, "--tz ZONE", site_usage);
	if (rc)
		return rc;
	rc = open_db(a, &st);
	if (rc)
		goto out;
	if (a->floor_area && parse_floor_area(a->floor_area, &m2)) {
		fprintf(stderr, "akari %s: --floor-area '%s': want square "
			"metres, a number above 0\n", a->cmd, a->floor_area);
		rc = 2;
		goto out;
	}
	if (store_site_add(st, a->name, a->kind, a->tz, a->parent) ||
	    (a->floor_area && store_site_set_floor_area(st, a->name, m2))) {
		rc = store_failed(a, st);
		goto out;
	}
	printf("added site %s (%s, %s)\n", a->name, a->kind, a->tz);

out:
	store_close(st);
	return rc;
}

struct site_list {
	struct store_site *v;
	size_t n, cap;
};

static int collect_site(const struct store_site *s, void *ctx)
{
	struct site_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct store_site *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return 1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

static const char *site_name(const struct site_list *l, int64_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return l->v[i].name;
	return "?";
}

static int site_list(struct reg_args *a)
{
	struct site_list l = {0};
	struct store *st = NULL;
	int rc;

	rc = need(a, a->db, "--db FILE", site_usage);
	if (rc)
		return rc;
	rc = open_db(a, &st);
	if (rc)
		goto out;
	if (store_sites_each(st, collect_site, &l)) {
		rc = store_failed(a, st);
		goto out;
	}

	printf("%-20s %-10s %-24s %s\n", "NAME", "KIND", "TIME ZONE",
	       "PARENT");
	for (size_t i = 0; i < l.n; i++)
		printf("%-20s %-10s %-24s %s\n", l.v[i].name, l.v[i].kind,
		       l.v[i].tz,
		       l.v[i].parent_id ? site_name(&l, l.v[i].parent_id)
					: "-");

out:
	free(l.v);
	store_close(st);
	return rc;
}

int cli_site(int argc, char **argv)
{
	struct reg_args a = {0};
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		site_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "add")) {
		a.cmd = "site add";
		rc = parse(argc - 1, argv + 1, "dktpF", "NAME", site_usage,
			   &a);
		return rc ? (rc < 0 ? 0 : rc) : site_add(&a);
	}
	if (!strcmp(argv[1], "list")) {
		a.cmd = "site list";
		rc = parse(argc - 1, argv + 1, "d", NULL, site_usage, &a);
		return rc ? (rc < 0 ? 0 : rc) : site_list(&a);
	}
	if (cli_lifecycle_claims("site", argv[1]))
		return cli_lifecycle("site", argc, argv);
	fprintf(stderr, "akari site: unknown action '%s' (add, list, show, "
		"change or retire)\n",
		argv[1]);
	return 2;
}

/* --- akari device ----------------------------------------------------- */

static void device_usage(FILE *f)
{
	fprintf(f,
		"usage: akari device add --db FILE --site S NAME [--kind K]\n");
	cli_lifecycle_usage_of(f, "device");
	fprintf(f,
		"\n"
		"Registers a device on site S and prints its new token, once:\n"
		"only a hash of it is kept.  The device sends it as\n"
		"'Authorization: Bearer TOKEN' and may write only the points\n"
		"of its own site.\n"
		"\n"
		"  NAME        the device's name, unique within the site\n"
		"  --site S    the site it measures\n"
		"  --kind K    meter, sensor, gateway, ... (default meter)\n");
}

static int device_add(struct reg_args *a)
{
	char token[STORE_TOKEN_LEN + 1];
	struct store *st = NULL;
	int rc;

	rc = need(a, a->db, "--db FILE", device_usage);
	if (!rc)
		rc = need(a, a->site, "--site S", device_usage);
	if (rc)
		return rc;
	rc = open_db(a, &st);
	if (rc)
		goto out;
	if (store_device_add(st, a->site, a->name, a->kind ? a->kind : "meter",
			     token, sizeof token)) {
		rc = store_failed(a, st);
		goto out;
	}

	/* The token alone on stdout, so that scripts can capture it. */
	printf("%s\n", token);
	fflush(stdout);
	fprintf(stderr,
		"akari: added device %s on site %s.  The token above is "
		"shown only now;\nthe device sends it as "
		"'Authorization: Bearer TOKEN'.\n",
		a->name, a->site);

out:
	store_close(st);
	return rc;
}

int cli_device(int argc, char **argv)
{
	struct reg_args a = {0};
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		device_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "add")) {
		a.cmd = "device add";
		rc = parse(argc - 1, argv + 1, "dsk", "NAME", device_usage, &a);
		return rc ? (rc < 0 ? 0 : rc) : device_add(&a);
	}
	if (cli_lifecycle_claims("device", argv[1]))
		return cli_lifecycle("device", argc, argv);
	fprintf(stderr, "akari device: unknown action '%s' (add, list, show, "
		"change, retire, token or secret)\n", argv[1]);
	return 2;
}

/* --- akari point ------------------------------------------------------ */

static void point_usage(FILE *f)
{
	fprintf(f,
		"usage: akari point add --db FILE KEY --site S --quantity Q "
		"--unit U\n"
		"                       [--kind instantaneous|counter|state]"
		" [--step SECONDS]\n"
		"                       [--digits N]\n"
		"       akari point list --db FILE [--site S]\n");
	cli_lifecycle_usage_of(f, "point");
	fprintf(f,
		"\n"
		"  KEY          the point's stable key, e.g. tepco/demand\n"
		"  --site S     the site it belongs to\n"
		"  --quantity Q power, energy, temperature, humidity, co2,\n"
		"               pressure, volume, illuminance, ...\n"
		"  --unit U     the unit its readings are stored in, one of\n"
		"               the quantity's units (docs/api.md's table):\n"
		"               kW or W, degC, hPa, m3 or L, ...; a reading\n"
		"               in another unit of the quantity is converted,\n"
		"               one of another quantity refused.  Energy is\n"
		"               in kWh whatever the unit of power or energy.\n"
		"               It cannot change once the point has readings\n"
		"  --kind K     instantaneous (a sample or interval average,\n"
		"               the default), counter or state\n"
		"  --step S     nominal seconds between readings (default 0,\n"
		"               none); energy holds a reading at most this "
		"long\n"
		"  --digits N   a counter's register digits: it wraps from\n"
		"               10^N - 1 to 0 (docs/counters.md; default 0,\n"
		"               never)\n");
}

static int copy_field(const struct reg_args *a, char *dst, size_t len,
		      const char *what, const char *v)
{
	if (strlen(v) >= len) {
		fprintf(stderr, "akari %s: %s '%s' is longer than %zu bytes\n",
			a->cmd, what, v, len - 1);
		return 2;
	}
	strcpy(dst, v);
	return 0;
}

int cli_check_units(const char *cmd, const char *quantity,
		    const char *unit)
{
	const char *field = "";
	char msg[512];

	if (!units_check_point(quantity, unit, &field, msg, sizeof msg))
		return 0;
	fprintf(stderr, "akari %s: --%s: %s\n", cmd, field, msg);
	return 2;
}

static int point_fill(const struct reg_args *a, struct store_point *p)
{
	long step = 0;
	char *end;
	int rc;

	memset(p, 0, sizeof *p);
	rc = copy_field(a, p->key, sizeof p->key, "key", a->name);
	if (!rc)
		rc = copy_field(a, p->site, sizeof p->site, "site", a->site);
	if (!rc)
		rc = copy_field(a, p->quantity, sizeof p->quantity,
				"quantity", a->quantity);
	if (!rc)
		rc = copy_field(a, p->unit, sizeof p->unit, "unit", a->unit);
	if (rc)
		return rc;

	p->kind = STORE_INSTANTANEOUS;
	if (a->kind && store_kind_parse(a->kind, &p->kind)) {
		fprintf(stderr, "akari %s: --kind '%s' is not instantaneous, "
			"counter or state\n",
			a->cmd, a->kind);
		return 2;
	}
	if (a->step) {
		errno = 0;
		step = strtol(a->step, &end, 10);
		if (errno || end == a->step || *end || step < 0 ||
		    step > 31 * 86400) {
			fprintf(stderr, "akari %s: --step '%s' is not a number "
				"of seconds from 0 to 2678400\n",
				a->cmd, a->step);
			return 2;
		}
	}
	p->step_s = (int)step;
	if (a->digits) {
		errno = 0;
		step = strtol(a->digits, &end, 10);
		if (errno || end == a->digits || *end || step < 1 ||
		    step > STORE_COUNTER_DIGITS_MAX ||
		    p->kind != STORE_COUNTER) {
			fprintf(stderr, "akari %s: --digits '%s' is not a "
				"number from 1 to %d for a --kind counter "
				"point\n", a->cmd, a->digits,
				STORE_COUNTER_DIGITS_MAX);
			return 2;
		}
		p->counter_digits = (int)step;
	}
	return 0;
}

static int point_add(struct reg_args *a)
{
	struct store *st = NULL;
	struct store_point p;
	int rc;

	rc = need(a, a->db, "--db FILE", point_usage);
	if (!rc)
		rc = need(a, a->site, "--site S", point_usage);
	if (!rc)
		rc = need(a, a->quantity, "--quantity Q", point_usage);
	if (!rc)
		rc = need(a, a->unit, "--unit U", point_usage);
	if (!rc)
		rc = point_fill(a, &p);
	if (!rc)
		rc = cli_check_units(a->cmd, p.quantity, p.unit);
	if (rc)
		return rc;
	rc = open_db(a, &st);
	if (rc)
		goto out;
	if (store_point_add(st, &p)) {
		rc = store_failed(a, st);
		goto out;
	}
	printf("added point %s on site %s (%s in %s, %s, step %d s)\n", p.key,
	       p.site, p.quantity, p.unit, store_kind_name(p.kind), p.step_s);

out:
	store_close(st);
	return rc;
}

static int print_point(const struct store_point *p, void *ctx)
{
	printf("%-28s %-12s %-12s %-6s %-13s %d\n", p->key, p->site,
	       p->quantity, p->unit, store_kind_name(p->kind), p->step_s);
	return 0;
}

static int point_list(struct reg_args *a)
{
	struct store_site site;
	struct store *st = NULL;
	int rc;

	rc = need(a, a->db, "--db FILE", point_usage);
	if (rc)
		return rc;
	rc = open_db(a, &st);
	if (rc)
		goto out;

	/* An unknown site is an error, not an empty list. */
	if (a->site && store_site_get(st, a->site, &site)) {
		rc = store_failed(a, st);
		goto out;
	}
	printf("%-28s %-12s %-12s %-6s %-13s %s\n", "KEY", "SITE",
	       "QUANTITY", "UNIT", "KIND", "STEP_S");
	if (store_points_each(st, a->site, print_point, NULL))
		rc = store_failed(a, st);

out:
	store_close(st);
	return rc;
}

int cli_point(int argc, char **argv)
{
	struct reg_args a = {0};
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		point_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "add")) {
		a.cmd = "point add";
		rc = parse(argc - 1, argv + 1, "dsqukSD", "KEY", point_usage,
			   &a);
		return rc ? (rc < 0 ? 0 : rc) : point_add(&a);
	}
	if (!strcmp(argv[1], "list")) {
		a.cmd = "point list";
		rc = parse(argc - 1, argv + 1, "ds", NULL, point_usage, &a);
		return rc ? (rc < 0 ? 0 : rc) : point_list(&a);
	}
	if (cli_lifecycle_claims("point", argv[1]))
		return cli_lifecycle("point", argc, argv);
	fprintf(stderr, "akari point: unknown action '%s' (add, list, show, "
		"change or retire)\n",
		argv[1]);
	return 2;
}
