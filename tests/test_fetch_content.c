/*
 * test_fetch_content.c - the content poller's pace and its cache, against
 * a loopback server in this file that counts the requests it gets.
 *
 * Pace: the poller asks every `every` seconds (0.5 s here), so in 2.6 s
 * it makes at most 6 requests (at 0, 0.5, ... 2.5 s); the bound checked
 * is 12, twice that.  A cache it cannot write, or a playlist to save
 * before any answer came, must not make it ask faster.
 *
 * Cache: the playlist a display last played is what a kiosk with a
 * wrong clock plays after a restart, so the first save after a restart
 * must keep the one the cache had.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "fetch/fetch_content.h"
#include "kiosk/kiosk_content.h"

#define EVERY 0.5
#define RUN_US 2600000
#define POLLS_MAX 12

static const char CONTENT[] =
    "{\"display\":\"d1\",\"group\":null,\"tz\":null,\"default\":null,"
    "\"playlists\":{\"morning\":{\"revision\":1,\"items\":[{\"slide\":"
    "\"grid\",\"seconds\":5}]}},\"schedules\":[],\"layers\":{},"
    "\"emergency\":null}";

struct fake {
	int fd, port;
	pthread_t thread;
	int status;		/* 200: body with an ETag; else that */
	int fail_first;		/* answer 503 to this many requests */
	double back_at;		/* monotonic: the first 200 after them */
	const char *body;	/* NULL: CONTENT */
	atomic_int requests;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char req[4096], head[256];

	for (;;) {
		int c = accept(f->fd, NULL, NULL);
		ssize_t n, got = 0;
		const char *body = f->body ? f->body : CONTENT;
		bool same;

		if (c < 0)
			break;
		while (got < (ssize_t)sizeof req - 1) {
			n = read(c, req + got, sizeof req - 1 - (size_t)got);
			if (n <= 0)
				break;
			got += n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		if (!strncmp(req, "QUIT", 4)) {
			close(c);
			break;
		}
		n = atomic_fetch_add(&f->requests, 1);
		same = strstr(req, "If-None-Match: \"e1\"") != NULL;
		if (n < f->fail_first || f->status != 200)
			snprintf(head, sizeof head, "HTTP/1.1 %d X\r\n"
				 "Content-Length: 0\r\nConnection: close\r\n"
				 "\r\n", n < f->fail_first ? 503 : f->status);
		else if (same)
			snprintf(head, sizeof head, "HTTP/1.1 304 X\r\n"
				 "ETag: \"e1\"\r\nConnection: close\r\n\r\n");
		else
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
				 "ETag: \"e1\"\r\nContent-Type: "
				 "application/json\r\nContent-Length: %zu\r\n"
				 "Connection: close\r\n\r\n", strlen(body));
		if (write(c, head, strlen(head)) < 0 ||
		    (f->status == 200 && !same &&
		     write(c, body, strlen(body)) < 0))
			perror("fake server write");
		close(c);
	}
	return NULL;
}

static void fake_start(struct fake *f, int status)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int one = 1;

	memset(f, 0, sizeof *f);
	f->status = status;
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(f->fd, (struct sockaddr *)&a, sizeof a) ||
	    listen(f->fd, 16) ||
	    getsockname(f->fd, (struct sockaddr *)&a, &len)) {
		perror("fake_start");
		exit(2);
	}
	f->port = ntohs(a.sin_port);
	pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(struct fake *f)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int c = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)f->port);
	if (connect(c, (struct sockaddr *)&a, sizeof a) == 0 &&
	    write(c, "QUIT", 4) < 0)
		perror("fake_stop");
	close(c);
	pthread_join(f->thread, NULL);
	close(f->fd);
}

static char *make_tmpdir(void)
{
	char *dir = g_dir_make_tmp("akari-fc-XXXXXX", NULL);

	if (!dir) {
		perror("g_dir_make_tmp");
		exit(2);
	}
	return dir;
}

static void remove_tree(const char *dir)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	g_free(cmd);
}

static struct fetch_content *poller(struct fake *f, const char *dir,
				    char *url, size_t len)
{
	struct fetch_content_config cfg = {
		.display_id = "d1",
		.cache_dir = dir,
		.every = EVERY,
		.retry_max = EVERY,
	};
	struct fetch_content *fc = NULL;
	char err[256];

	snprintf(url, len, "http://127.0.0.1:%d", f->port);
	cfg.server = url;
	CHECK_INT(fetch_content_create(&cfg, &fc, err, sizeof err), FETCH_OK);
	return fc;
}

/* content.json is a directory: the save fails at every poll, and is
 * reported, but the polls keep their pace. */
static void test_cache_unwritable_pace(void)
{
	struct fetch_content_status st;
	struct fetch_content *fc;
	char *dir = make_tmpdir(), *sub, url[64];
	unsigned long gen = 0;
	json_t *doc = NULL;
	struct fake f;
	int n;

	sub = g_build_filename(dir, FETCH_CONTENT_FILE, "x", NULL);
	CHECK_INT(g_mkdir_with_parents(sub, 0755), 0);
	fake_start(&f, 200);
	fc = poller(&f, dir, url, sizeof url);
	usleep(RUN_US);
	n = atomic_load(&f.requests);
	CHECK_AT(n >= 1 && n <= POLLS_MAX, "a cache that cannot be written: "
		 "%d polls in 2.6 s, want 1 to %d", n, POLLS_MAX);
	CHECK(fetch_content_take(fc, &gen, &doc, &st));
	CHECK(st.cache_rc != FETCH_OK);
	CHECK(strstr(st.cache_err, FETCH_CONTENT_FILE) != NULL);
	json_decref(doc);
	fetch_content_destroy(fc);
	fake_stop(&f);
	remove_tree(dir);
	g_free(sub);
	g_free(dir);
}

/* The display names its playlist while the server has never answered:
 * nothing to save yet, and no reason to ask faster. */
static void test_playing_before_answer_pace(void)
{
	struct fetch_content *fc;
	char *dir = make_tmpdir(), url[64], *path;
	struct fake f;
	int n;

	fake_start(&f, 503);
	fc = poller(&f, dir, url, sizeof url);
	fetch_content_playing(fc, "morning");
	usleep(RUN_US);
	n = atomic_load(&f.requests);
	CHECK_AT(n >= 1 && n <= POLLS_MAX, "a playlist named before any "
		 "answer: %d polls in 2.6 s, want 1 to %d", n, POLLS_MAX);
	fetch_content_destroy(fc);
	fake_stop(&f);
	path = g_build_filename(dir, FETCH_CONTENT_FILE, NULL);
	CHECK(!g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(path);
	remove_tree(dir);
	g_free(dir);
}

/* Without a cache (--no-cache) a playlist named is never saved, and
 * the polls keep their pace all the same. */
static void test_playing_without_cache_pace(void)
{
	struct fetch_content *fc;
	char url[64];
	struct fake f;
	int n;

	fake_start(&f, 200);
	fc = poller(&f, NULL, url, sizeof url);
	usleep(200000);
	fetch_content_playing(fc, "morning");
	usleep(RUN_US);
	n = atomic_load(&f.requests);
	CHECK_AT(n >= 1 && n <= POLLS_MAX, "a playlist named without a "
		 "cache: %d polls in 2.8 s, want 1 to %d", n, POLLS_MAX);
	fetch_content_destroy(fc);
	fake_stop(&f);
}

/* A poller created held makes no request until released (the kiosk
 * holds its first until the display is open or the cached frame shown),
 * and polls at once when it is; a held one is destroyed without a
 * request. */
static void test_held_until_released(void)
{
	struct fetch_content_config cfg = {
		.display_id = "d1",
		.every = EVERY,
		.retry_max = EVERY,
		.held = true,
	};
	struct fetch_content *fc = NULL;
	char err[256], url[64];
	struct fake f;
	int i;

	fake_start(&f, 200);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	cfg.server = url;
	CHECK_INT(fetch_content_create(&cfg, &fc, err, sizeof err), FETCH_OK);
	usleep(500000);
	CHECK_INT(atomic_load(&f.requests), 0);
	fetch_content_release(fc);
	for (i = 0; i < 100 && atomic_load(&f.requests) == 0; i++)
		usleep(50000);
	CHECK_INT(atomic_load(&f.requests), 1);
	fetch_content_release(fc);	/* again: nothing more */
	fetch_content_destroy(fc);
	fake_stop(&f);

	fake_start(&f, 200);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	CHECK_INT(fetch_content_create(&cfg, &fc, err, sizeof err), FETCH_OK);
	usleep(300000);
	fetch_content_destroy(fc);
	CHECK_INT(atomic_load(&f.requests), 0);
	fake_stop(&f);
}

/* A kiosk restarted with a clock it cannot trust (before its build)
 * keeps "morning", the playlist its cache says it played, in the cache
 * it writes from the server's first answer. */
static void test_restart_keeps_playing(void)
{
	struct fetch_bundle data = {0};
	struct kiosk_content *kc;
	struct kiosk_options o;
	enum render_slide rot[1] = {RENDER_GRID};
	char *dir = make_tmpdir(), *path, *text, url[64];
	char playing[65], err[256];
	const char *etag = NULL;
	GTimeZone *utc = g_time_zone_new_utc();
	json_t *file = NULL, *doc = NULL;
	double since;
	struct fake f;
	int i;

	path = g_build_filename(dir, FETCH_CONTENT_FILE, NULL);
	text = g_strdup_printf("{\"format\":\"akari-content\",\"version\":1,"
			       "\"etag\":\"\\\"old\\\"\",\"saved_at\":1,"
			       "\"playing\":\"morning\",\"content\":%s}",
			       CONTENT);
	CHECK(g_file_set_contents(path, text, -1, NULL));
	fake_start(&f, 200);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	kiosk_options_init(&o);
	o.fetch.server = url;
	o.fetch.display_id = "d1";
	o.cache_dir = dir;
	kc = kiosk_content_create(&o, rot, 1, utc);
	CHECK(kc != NULL);
	kiosk_content_release(kc);

	/* Until the cache holds the server's answer ("e1"). */
	for (i = 0; i < 100; i++) {
		kiosk_content_tick(kc, i * 0.1, 1000.0, 1000.0, &data,
				   &since);
		json_decref(file);
		file = json_load_file(path, 0, NULL);
		etag = json_string_value(json_object_get(file, "etag"));
		if (etag && !strcmp(etag, "\"e1\""))
			break;
		usleep(100000);
	}
	CHECK_STR(etag ? etag : "", "\"e1\"");
	kiosk_content_destroy(kc);
	fake_stop(&f);

	CHECK_INT(fetch_content_cache_load(dir, &doc, playing,
					   sizeof playing, err, sizeof err),
		  FETCH_OK);
	CHECK_STR(playing, "morning");
	json_decref(doc);
	json_decref(file);
	g_time_zone_unref(utc);
	remove_tree(dir);
	g_free(text);
	g_free(path);
	g_free(dir);
}

/* A message longer than a kiosk keeps (3000 bytes of "あ", from a
 * server that did not limit it) is cut between characters, never
 * inside one: what is shown is valid UTF-8 and the start of the text. */
static void test_long_message_cut(void)
{
	struct fetch_bundle data = {0};
	struct render_alert alert = {0};
	struct kiosk_content *kc;
	struct kiosk_options o;
	enum render_slide rot[1] = {RENDER_GRID}, slide;
	GTimeZone *utc = g_time_zone_new_utc();
	GString *msg = g_string_new(NULL), *body;
	char url[64];
	bool shown = false;
	double since;
	struct fake f;
	size_t n;

	for (int i = 0; i < 1000; i++)
		g_string_append(msg, "あ");
	body = g_string_new(CONTENT);
	g_string_truncate(body, body->len - strlen("null}"));
	g_string_append_printf(body, "{\"id\":3,\"target\":\"*\","
			       "\"message\":\"%s\",\"set_at\":1}}",
			       msg->str);
	fake_start(&f, 200);
	f.body = body->str;
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	kiosk_options_init(&o);
	o.fetch.server = url;
	o.fetch.display_id = "d1";
	kc = kiosk_content_create(&o, rot, 1, utc);
	kiosk_content_release(kc);
	for (int i = 0; i < 100 && !shown; i++) {
		kiosk_content_tick(kc, i * 0.1, 2e9, 2e9, &data, &since);
		shown = kiosk_content_showing(kc, &slide, &alert) &&
			alert.kind == RENDER_ALERT_EMERGENCY;
		if (!shown)
			usleep(100000);
	}
	CHECK(shown);
	n = alert.message ? strlen(alert.message) : 0;
	CHECK(n > 0);
	CHECK(alert.message && g_utf8_validate(alert.message, -1, NULL));
	CHECK(alert.message && !strncmp(alert.message, msg->str, n));
	kiosk_content_destroy(kc);
	fake_stop(&f);
	g_string_free(body, TRUE);
	g_string_free(msg, TRUE);
	g_time_zone_unref(utc);
}

static double mono(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

/* The server answers again after an outage: 503 to the first 5 polls
 * (at 0, 1, 3, 7 and 12 s, the wait doubling from 0.5 s to at most 5 s
 * where --retry-max alone would allow 8 and 16), then the
 * content with a message.  However long --retry-max is (60 s here), the
 * message must be taken within 10 s of the last failed poll (the spec's
 * bound for an emergency message), not 16 s later as the doubling
 * would have it. */
static void test_outage_return(void)
{
	struct fetch_content_config cfg = {
		.display_id = "d1",
		.every = EVERY,
		.retry_max = 60,
	};
	struct fetch_content_status st;
	struct fetch_content *fc = NULL;
	unsigned long gen = 0;
	double start, t5 = 0, got = 0;
	json_t *doc = NULL;
	char err[256], url[64];
	struct fake f;

	fake_start(&f, 200);
	f.fail_first = 5;
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	cfg.server = url;
	CHECK_INT(fetch_content_create(&cfg, &fc, err, sizeof err), FETCH_OK);
	start = mono();
	while (mono() < start + 60 && (!t5 || mono() < t5 + 20)) {
		if (!t5 && atomic_load(&f.requests) >= 5)
			t5 = mono();
		if (fetch_content_take(fc, &gen, &doc, &st)) {
			got = mono();
			break;
		}
		usleep(20000);
	}
	CHECK(t5 > 0 && got > 0);
	CHECK_AT(got - t5 < 10, "back after an outage: the content came "
		 "%.1f s after the last failed poll, want under 10", got - t5);
	json_decref(doc);
	fetch_content_destroy(fc);
	fake_stop(&f);
}

int main(void)
{
	test_cache_unwritable_pace();
	test_playing_before_answer_pace();
	test_playing_without_cache_pace();
	test_held_until_released();
	test_restart_keeps_playing();
	test_long_message_cut();
	test_outage_return();
	return check_finish();
}
