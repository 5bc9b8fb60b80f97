/*
 * serve.c - `akari serve`: the HTTP API on a database file until SIGINT
 * or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/retain.h"
#include "cloud/api/api.h"
#include "cloud/api/api_fiap.h"
#include "cloud/ingest/lineproto.h"
#include "cloud/store/store.h"
#include "core/log.h"
#include "core/notify.h"

#define MOD "serve"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: akari serve --db FILE --listen ADDR:PORT\n"
		"                   [--threads N] [--max-body BYTES]\n"
		"                   [--future-tolerance SECONDS]\n"
		"                   [--lp-map FILE] [--fiap-map FILE]\n"
		"                   [--retain-raw-days N]\n"
		"                   [--rate N] [--burst B] [--skew SECONDS]\n"
		"                   [--offline-after SECONDS]\n"
		"\n"
		"Serves the HTTP API (docs/api.md) on the database FILE,\n"
		"which is created if missing.  Stops cleanly on SIGINT or\n"
		"SIGTERM.\n"
		"\n"
		"  --db FILE          the SQLite database\n"
		"  --listen ADDR:PORT address and port to bind, e.g.\n"
		"                     127.0.0.1:8080 or [::1]:8080; port 0\n"
		"                     picks a free one\n"
		"  --threads N        requests handled at once (default %d)\n"
		"  --max-body BYTES   largest ingest body, with an optional\n"
		"                     K or M suffix (default 8M)\n"
		"  --future-tolerance S  hold readings more than S seconds\n"
		"                     ahead of this clock in quarantine\n"
		"                     (default 300; 0: never)\n"
		"  --lp-map FILE      rules naming the point of each line\n"
		"                     protocol field (docs/ingest-lineproto.md)\n"
		"  --fiap-map FILE    rules naming the point of each IEEE 1888\n"
		"                     point ID (docs/ieee1888.md)\n"
		"  --retain-raw-days N  delete raw readings older than N days\n"
		"                     in the background; rollups are kept\n"
		"                     (default 0: keep forever)\n"
		"  --rate N           requests per second each device may\n"
		"                     send (default 0: no limit); a device's\n"
		"                     own setting wins (docs/registry.md)\n"
		"  --burst B          requests a device may send at once\n"
		"                     (default: the rate, at least 1)\n"
		"  --skew SECONDS     how far a signed request's timestamp\n"
		"                     may be from this clock (default 300)\n"
		"  --offline-after S  a device silent this long is offline\n"
		"                     (default 900)\n"
		"\n"
		"Once bound it prints one line, \"listening on "
		"http://ADDR:PORT\".\n",
		API_DEFAULT_THREADS);
}

/* Splits "ADDR:PORT" or "[V6ADDR]:PORT"; host is written to host. */
static int parse_listen(const char *s, char *host, size_t hostlen,
			unsigned *port)
{
	const char *colon, *hstart = s, *hend;
	unsigned long p;
	char *end;

	if (s[0] == '[') {
		hstart = s + 1;
		hend = strchr(hstart, ']');
		if (!hend || hend[1] != ':')
			return -1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hend = colon;
	}
	if (hend == hstart || (size_t)(hend - hstart) >= hostlen)
		return -1;

	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p > 65535)
		return -1;
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	*port = (unsigned)p;
	return 0;
}

/* "8388608", "64K" or "8M" (binary multiples). */
static int parse_size(const char *s, size_t *out)
{
	const unsigned long long max = 1ULL << 30;
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	if (shift)
		end++;

	/* Checked before the shift, which would wrap a huge count round. */
	if (*end || v == 0 || v > max >> shift)
		return -1;
	v <<= shift;
	*out = (size_t)v;
	return 0;
}

static int parse_threads(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 256 || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

/*
 * --rate, --burst, --skew and --offline-after into cfg.  Returns 0, or
 * 2 after saying what is wrong.
 */
static int device_option(int c, const char *v, struct api_config *cfg)
{
	const char *name = c == 'r'   ? "--rate"
			   : c == 'b' ? "--burst"
			   : c == 'k' ? "--skew"
				      : "--offline-after";
	double max = c == 'r' ? 1e6 : c == 'b' ? 1e6 : 366.0 * 86400;
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= 0 && d <= max) ||
	    (c != 'r' && d != (double)(unsigned)d) ||
	    ((c == 'k' || c == 'o') && d == 0)) {
		fprintf(stderr, "akari serve: %s '%s' is not a %s from %d to "
			"%.0f\n", name, v,
			c == 'r' ? "number" : "whole number",
			c == 'k' || c == 'o' ? 1 : 0, max);
		return 2;
	}
	if (c == 'r')
		cfg->rate_per_s = d;
	else if (c == 'b')
		cfg->burst = (unsigned)d;
	else if (c == 'k')
		cfg->skew_s = (unsigned)d;
	else
		cfg->offline_after_s = (unsigned)d;
	return 0;
}

/* Seconds, 0 to a leap year. */
static int parse_tolerance(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 366LL * 86400)
		return -1;
	*out = v;
	return 0;
}

struct serve_args {
	const char *db;
	const char *listen;
	const char *lp_map;
	const char *fiap_map;
	int retain_days;	/* 0: keep raw readings forever */
	char host[256];
	struct api_config cfg;
};

/* Returns 0 to serve, or the exit status to stop with. */
static int parse_args(int argc, char **argv, struct serve_args *a)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"max-body", required_argument, NULL, 'm'},
		{"lp-map", required_argument, NULL, 'p'},
		{"future-tolerance", required_argument, NULL, 'F'},
		{"fiap-map", required_argument, NULL, 'f'},
		{"retain-raw-days", required_argument, NULL, 'R'},
		{"rate", required_argument, NULL, 'r'},
		{"burst", required_argument, NULL, 'b'},
		{"skew", required_argument, NULL, 'k'},
		{"offline-after", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	a->cfg.threads = API_DEFAULT_THREADS;
	a->cfg.max_body = API_DEFAULT_MAX_BODY;
	a->cfg.future_tolerance_s = API_DEFAULT_FUTURE_TOLERANCE;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'l':
			a->listen = optarg;
			break;
		case 't':
			if (parse_threads(optarg, &a->cfg.threads)) {
				fprintf(stderr, "akari serve: --threads '%s' "
					"is not a number from 1 to 256\n",
					optarg);
				return 2;
			}
			break;
		case 'm':
			if (parse_size(optarg, &a->cfg.max_body)) {
				fprintf(stderr, "akari serve: --max-body '%s' "
					"is not a size such as 1048576, "
					"512K or 8M (at most 1024M)\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			a->lp_map = optarg;
			break;
		case 'F':
			if (parse_tolerance(optarg,
					    &a->cfg.future_tolerance_s)) {
				fprintf(stderr, "akari serve: "
					"--future-tolerance '%s' is not a "
					"number of seconds from 0 to "
					"31622400\n", optarg);
				return 2;
			}
			break;
		case 'f':
			a->fiap_map = optarg;
			break;
		case 'R':
			if (cli_retain_parse_days(optarg, &a->retain_days)) {
				fprintf(stderr, "akari serve: "
					"--retain-raw-days '%s' is not a "
					"number of days from 0 to 36500\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
		case 'b':
		case 'k':
		case 'o':
			if (device_option(c, optarg, &a->cfg))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			fprintf(stderr, "akari serve: %s needs a value\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "akari serve: unknown option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "akari serve: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (!a->db || !a->listen) {
		fprintf(stderr, "akari serve: %s is required\n",
			a->db ? "--listen ADDR:PORT" : "--db FILE");
		usage(stderr);
		return 2;
	}
	if (parse_listen(a->listen, a->host, sizeof a->host, &a->cfg.port)) {
		fprintf(stderr, "akari serve: --listen '%s' is not ADDR:PORT "
			"(for example 127.0.0.1:8080 or [::1]:8080)\n",
			a->listen);
		return 2;
	}
	a->cfg.host = a->host;
	return 0;
}

/* The watchdog's health check: the database still answers a read. */
static int store_answers(void *ctx, char *err, size_t errlen)
{
	struct store *st = ctx;

	if (store_schema_version(st) >= 0)
		return 0;
	snprintf(err, errlen, "the database does not answer: %s",
		 store_errmsg(st));
	return -1;
}

int cli_serve(int argc, char **argv)
{
	struct serve_args a = {0};
	struct store *st = NULL;
	struct api *api = NULL;
	struct lineproto_map *map = NULL;
	struct api_fiap_map *fiap_map = NULL;
	struct notify_pinger *pinger = NULL;
	struct cli_retain *retain = NULL;
	char err[512];
	sigset_t stop;
	int rc, sig;
	bool v6;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;

	/*
	 * Block the stop signals before any thread exists, so that the
	 * server's threads inherit the mask and only sigwait() below sees
	 * them.  A peer closing early must not kill the process.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (a.lp_map &&
	    lineproto_map_load(a.lp_map, &map, err, sizeof err)) {
		fprintf(stderr, "akari serve: --lp-map: %s\n", err);
		rc = 2;
		goto out;
	}
	a.cfg.lp_map = map;
	if (a.fiap_map &&
	    api_fiap_map_load(a.fiap_map, &fiap_map, err, sizeof err)) {
		fprintf(stderr, "akari serve: --fiap-map: %s\n", err);
		rc = 2;
		goto out;
	}
	a.cfg.fiap_map = fiap_map;

	if (store_open(a.db, &st, err, sizeof err)) {
		fprintf(stderr, "akari serve: %s\n", err);
		rc = 1;
		goto out;
	}
	if (api_start(st, &a.cfg, &api, err, sizeof err)) {
		fprintf(stderr, "akari serve: %s\n", err);
		rc = 1;
		goto out;
	}

	/* Scripts and tests wait for this line to learn the port. */
	v6 = strchr(a.host, ':') != NULL;
	printf("listening on http://%s%s%s:%u\n", v6 ? "[" : "", a.host,
	       v6 ? "]" : "", api_port(api));
	fflush(stdout);
	log_info(MOD, "serving %s, %u requests at once, bodies up to %zu "
		 "bytes", a.db, a.cfg.threads, a.cfg.max_body);
	if (notify_pinger_start(store_answers, st, &pinger, err, sizeof err))
		log_warn(MOD, "%s; serving without watchdog pings", err);
	if (cli_retain_start(st, a.retain_days, &retain, err, sizeof err))
		log_warn(MOD, "%s; raw readings are kept", err);
	notify_ready("serving %s on port %u", a.db, api_port(api));

	sigwait(&stop, &sig);
	notify_stopping("stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	log_info(MOD, "%s: finishing requests in flight and stopping",
		 sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = 0;

out:
	cli_retain_stop(retain);
	notify_pinger_stop(pinger);
	api_stop(api);
	store_close(st);
	lineproto_map_free(map);
	api_fiap_map_free(fiap_map);
	return rc;
}
