/*
 * render.c - `akari render`: one slide as a PNG file, drawn from a
 * server's data at a given time, for previews and tests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "display/display.h"
#include "fetch/fetch.h"
#include "render/render.h"
#include "render/render_look.h"
#include "themes/theme.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: akari render --server URL --slide NAME\n"
"                    [--at TIME] [--size WxH] [--replay] -o FILE.png\n"
"                    [--grid-site S --home-site S --air-site S]\n"
"                    [--theme NAME|FILE] [--message TEXT] [--image FILE]\n"
"                    [--qr-url URL] [--caption TEXT]\n"
"                    [--solar-site S --ev-site S --weather-site S]\n"
"\n"
"Fetches the slide data as the server sees it at TIME and draws one\n"
"slide into FILE.png.\n"
"\n"
"  --server URL   the akari server, e.g. http://127.0.0.1:8080\n"
"  --slide NAME   grid, solar, household, air, co2, ranking, ev,\n"
"                 weather, message, image or qr\n"
"  --at TIME      RFC 3339 with an offset, or Unix seconds (default now)\n"
"  --size WxH     pixels (default 1920x1080)\n"
"  --replay       mark the slide as a replay of recorded days\n"
"  -o FILE.png    where to write the picture\n"
"  --grid-site S, --home-site S, --air-site S\n"
"                 the sites the slides read (tepco, home12, room1)\n"
"  --theme NAME|FILE  dark (the default), light, high-contrast, or a\n"
"                 theme file (see docs/themes.md)\n"
"  --message TEXT, --image FILE, --qr-url URL, --caption TEXT\n"
"                 what the message, image and qr slides show\n"
"  --solar-site S, --ev-site S, --weather-site S\n"
"                 the sites of the co2, ev and weather slides (the\n"
"                 server's first of kind pv, ev, weather)\n"
"%s", render_look_usage);
}

enum {
	OPT_SERVER = 256, OPT_SLIDE, OPT_AT, OPT_SIZE, OPT_REPLAY, OPT_GRID,
	OPT_HOME, OPT_AIR, OPT_THEME, OPT_MESSAGE, OPT_IMAGE, OPT_QR_URL,
	OPT_CAPTION, OPT_SOLAR, OPT_EV, OPT_WEATHER, OPT_LOOK, OPT_HELP,
};

static const struct option options[] = {
	{"server", required_argument, NULL, OPT_SERVER},
	{"slide", required_argument, NULL, OPT_SLIDE},
	{"at", required_argument, NULL, OPT_AT},
	{"size", required_argument, NULL, OPT_SIZE},
	{"replay", no_argument, NULL, OPT_REPLAY},
	{"grid-site", required_argument, NULL, OPT_GRID},
	{"home-site", required_argument, NULL, OPT_HOME},
	{"air-site", required_argument, NULL, OPT_AIR},
	{"theme", required_argument, NULL, OPT_THEME},
	{"message", required_argument, NULL, OPT_MESSAGE},
	{"image", required_argument, NULL, OPT_IMAGE},
	{"qr-url", required_argument, NULL, OPT_QR_URL},
	{"caption", required_argument, NULL, OPT_CAPTION},
	{"solar-site", required_argument, NULL, OPT_SOLAR},
	{"ev-site", required_argument, NULL, OPT_EV},
	{"weather-site", required_argument, NULL, OPT_WEATHER},
	{"lang", required_argument, NULL, OPT_LOOK},
	{"bilingual", required_argument, NULL, OPT_LOOK},
	{"alternate-seconds", required_argument, NULL, OPT_LOOK},
	{"place", required_argument, NULL, OPT_LOOK},
	{"ticker", required_argument, NULL, OPT_LOOK},
	{"screen-diagonal", required_argument, NULL, OPT_LOOK},
	{"viewing-distance", required_argument, NULL, OPT_LOOK},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

struct render_args {
	struct fetch_config fetch;
	enum render_slide slide;
	bool slide_set;
	int64_t at;
	int w, h;
	bool replay;
	const char *out;
	struct theme theme;
	bool theme_set;
	struct render_params params;
	struct render_look look;	/* languages, place, ticker, size */
};

static int parse_args(int argc, char **argv, struct render_args *a)
{
	char err[512];
	int c, longi;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "o:", options, &longi)) != -1) {
		switch (c) {
		case OPT_SERVER: a->fetch.server = optarg; break;
		case OPT_SLIDE:
			if (render_slide_parse(optarg, &a->slide)) {
				fprintf(stderr, "akari render: --slide '%s': "
					"want grid, solar, household, air, "
					"co2, ranking, ev, weather, message, "
					"image or qr\n", optarg);
				return -1;
			}
			a->slide_set = true;
			break;
		case OPT_AT:
			if (core_time_parse(optarg, &a->at)) {
				fprintf(stderr, "akari render: --at '%s': want "
					"RFC 3339 with an offset or Unix "
					"seconds\n", optarg);
				return -1;
			}
			if (a->at < RENDER_TIME_MIN ||
			    a->at > RENDER_TIME_MAX) {
				fprintf(stderr, "akari render: --at '%s': want "
					"a time from 1900 to 9998\n", optarg);
				return -1;
			}
			break;
		case OPT_SIZE:
			if (display_parse_size(optarg, &a->w, &a->h)) {
				fprintf(stderr, "akari render: --size '%s': "
					"want WxH, each 16 to 16384, "
					"e.g. 1920x1080\n", optarg);
				return -1;
			}
			break;
		case OPT_REPLAY: a->replay = true; break;
		case OPT_GRID: a->fetch.site[FETCH_GRID] = optarg; break;
		case OPT_HOME: a->fetch.site[FETCH_HOME] = optarg; break;
		case OPT_AIR: a->fetch.site[FETCH_AIR] = optarg; break;
		case OPT_THEME:
			if (theme_open(optarg, &a->theme, err, sizeof(err))) {
				fprintf(stderr, "akari render: --theme: %s\n",
					err);
				return -1;
			}
			a->theme_set = true;
			break;
		case OPT_MESSAGE: a->params.message = optarg; break;
		case OPT_IMAGE: a->params.image = optarg; break;
		case OPT_QR_URL: a->params.qr_url = optarg; break;
		case OPT_CAPTION: a->params.caption = optarg; break;
		case OPT_SOLAR: a->fetch.solar_site = optarg; break;
		case OPT_EV: a->fetch.ev_site = optarg; break;
		case OPT_WEATHER: a->fetch.weather_site = optarg; break;
		case OPT_LOOK:
			if (render_look_option(&a->look, options[longi].name,
					       optarg, err, sizeof(err))) {
				fprintf(stderr, "akari render: %s\n", err);
				return -1;
			}
			break;
		case 'o': a->out = optarg; break;
		case OPT_HELP: usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "akari render: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (!a->fetch.server || !a->slide_set || !a->out) {
		fprintf(stderr, "akari render: --server, --slide and -o are "
			"required\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The zone of the slides without a site: a kiosk's display zone before
 * it has shown a site, the first site's of the data. */
static const char *first_zone(const struct fetch_bundle *b)
{
	for (int i = 0; i < FETCH_ROLE_COUNT; i++) {
		const char *z = json_string_value(
		    json_object_get(b->site[i], "tz"));

		if (z && *z)
			return z;
	}
	return NULL;
}

int cli_render(int argc, char **argv)
{
	struct render_args a = {.at = (int64_t)time(NULL), .w = 1920,
				.h = 1080};
	struct fetch_client *client = NULL;
	struct fetch_bundle b;
	struct render_data rd;
	char err[512];
	int rc;

	fetch_bundle_init(&b);
	render_look_init(&a.look);
	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? 0 : 2;
	/* The fonts the kiosk uses, so that its frames are this picture. */
	theme_use_fonts_config();

	client = fetch_client_create(&a.fetch);
	if (!client) {
		fprintf(stderr, "akari render: bad server URL '%s' (want "
			"http://...)\n", a.fetch.server);
		rc = 2;
		goto out;
	}
	/* at the time the kiosk would ask, so that its frame at a.at and
	 * this picture are the same */
	if (fetch_client_get(client, fetch_minute_at((double)a.at), &b, err,
			     sizeof err)) {
		fprintf(stderr, "akari render: cannot fetch the slide data: "
			"%s\n", err);
		rc = 1;
		goto out;
	}

	/* Drawn as the kiosk draws fresh data at the same clock time. */
	rd = (struct render_data){
		.grid = b.site[FETCH_GRID],
		.home = b.site[FETCH_HOME],
		.air = b.site[FETCH_AIR],
		.signage = b.signage,
		.params = &a.params,
		.now = a.at,
		.replay = a.replay,
		.stale = false,
		.data_as_of = a.replay ? b.at : b.fetched_at,
		.tz = first_zone(&b),
	};
	if (a.theme_set)
		render_set_theme(&a.theme);

	/* One frame: the first turn of an alternating look. */
	render_set_look(&a.look);
	render_look_select(&a.look, 0, 0);

	/* Without its catalogue Japanese is drawn in English: say so. */
	if ((a.look.langs[0] == RENDER_LANG_JA ||
	     a.look.langs[1] == RENDER_LANG_JA) &&
	    render_i18n_init(NULL, err, sizeof err))
		fprintf(stderr, "akari render: %s: Japanese text is drawn in "
			"English\n", err);
	if (a.params.message &&
	    render_markup_check(a.params.message, err, sizeof err))
		fprintf(stderr, "akari render: the message's markup is not "
			"valid (%s): drawn as plain text\n", err);
	if (a.params.image &&
	    render_image_check(a.params.image, err, sizeof err))
		fprintf(stderr, "akari render: cannot show the image %s\n",
			err);
	/* Cairo keeps fopen()'s errno; zero means it failed elsewhere. */
	errno = 0;
	if (render_png(&rd, a.slide, a.w, a.h, a.out)) {
		fprintf(stderr, "akari render: cannot write %s: %s\n", a.out,
			errno ? strerror(errno)
			      : "the frame could not be drawn or encoded");
		rc = 1;
		goto out;
	}
	rc = 0;

out:
	render_image_forget();
	render_set_theme(NULL);
	render_set_look(NULL);
	render_i18n_select(RENDER_LANG_JA, RENDER_LANG_EN);
	render_i18n_finish();
	fetch_bundle_finish(&b);
	fetch_client_destroy(client);
	return rc;
}
