/*
 * test_fetch.c - the fetcher: HTTP answers of every kind from a small
 * loopback server in this file, the on-disk cache, retry pacing, and the
 * background worker.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fetch/fetch.h"

/* --- a loopback HTTP server with canned answers ------------------------ */

struct fake {
	int fd;
	int port;
	pthread_t thread;
	int requests;		/* answered so far */
	char last_path[256];
	char last_summary[256];	/* of the last summary request */
};

static const char *summary_for(const char *site)
{
	static char buf[256];

	snprintf(buf, sizeof buf,
		 "{\"site\":\"%s\",\"kind\":\"grid\",\"points\":[]}", site);
	return buf;
}

/* The answer for a request path:
 *   /api/v1/sites/tepco|home12|room1/summary -> 200 with a summary
 *   .../missing/summary -> 404 {"error": ...}
 *   .../boom/summary    -> 500
 *   .../junk/summary    -> 200 with text that is not JSON
 *   .../liar/summary    -> 200 with the summary of another site
 *   .../many/summary    -> 200 with 30,000 numbers with decimals
 *   /api/v1/signage?at=7&ev=old -> 404 {"error": ...}, as a server
 *                          without the route answers
 *   /api/v1/signage...   -> 200 with a signage answer */
/* A summary with many numbers that have decimals, as a real one has
 * (site "many"). */
static const char *many_numbers(void)
{
	static char buf[400000];
	size_t n;

	if (buf[0])
		return buf;
	n = (size_t)snprintf(buf, sizeof buf, "{\"site\":\"many\","
			     "\"kind\":\"grid\",\"points\":[],\"v\":[");
	for (int i = 0; i < 30000; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d.%02d",
				      i ? "," : "", i, i % 100);
	snprintf(buf + n, sizeof buf - n, "]}");
	return buf;
}

static void answer_for(const char *path, int *status, const char **body)
{
	static const char *const good[] = {"tepco", "home12", "room1", "g2"};
	char site[64] = "";
	const char *p = strstr(path, "/sites/");

	if (strncmp(path, "/api/v1/signage", 15) == 0) {
		*status = strstr(path, "&ev=old") ? 404 : 200;
		*body = *status == 404
				? "{\"error\":\"not_found\",\"message\":\"no\"}"
				: "{\"at\":7,\"solar\":null,\"ev\":null}";
		return;
	}
	if (p)
		sscanf(p + 7, "%63[^/]", site);
	*status = 200;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (strcmp(site, good[i]) == 0) {
			*body = summary_for(site);
			return;
		}
	if (strcmp(site, "many") == 0) {
		*body = many_numbers();
	} else if (strcmp(site, "missing") == 0) {
		*status = 404;
		*body = "{\"error\":\"not_found\",\"message\":\"no site\"}";
	} else if (strcmp(site, "boom") == 0) {
		*status = 500;
		*body = "{\"error\":\"internal\",\"message\":\"disk on fire\"}";
	} else if (strcmp(site, "liar") == 0) {
		*body = summary_for("tepco");
	} else {
		*body = "<html>hello</html>";
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char req[4096], head[256];

	for (;;) {
		int c = accept(f->fd, NULL, NULL);
		const char *body;
		ssize_t n, got = 0;
		int status;

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
		if (strncmp(req, "QUIT", 4) == 0) {
			close(c);
			break;
		}
		sscanf(req, "GET %255s", f->last_path);
		if (strstr(f->last_path, "/summary"))
			snprintf(f->last_summary, sizeof f->last_summary,
				 "%s", f->last_path);
		answer_for(f->last_path, &status, &body);
		snprintf(head, sizeof head,
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, strlen(body));
		/* Counted before the answer goes out: the client may look
		 * at the count as soon as it has read the answer. */
		f->requests++;
		if (write(c, head, strlen(head)) < 0 ||
		    write(c, body, strlen(body)) < 0)
			perror("fake server write");
		close(c);
	}
	return NULL;
}

/* A listening loopback socket on a port the kernel picks. */
static int listen_any(int *port, int backlog)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) ||
	    (backlog >= 0 && listen(fd, backlog)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		perror("listen_any");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void fake_start(struct fake *f)
{
	memset(f, 0, sizeof *f);
	f->fd = listen_any(&f->port, 16);
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

/* --- helpers ----------------------------------------------------------- */

static void make_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/akari-test-fetch-XXXXXX");
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		exit(2);
	}
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static bool bundle_is_empty(const struct fetch_bundle *b)
{
	return !b->site[0] && !b->site[1] && !b->site[2] && !b->signage &&
	       !b->at && !b->fetched_at;
}

static void make_bundle(struct fetch_bundle *b, int64_t at, int64_t fetched)
{
	fetch_bundle_init(b);
	b->site[FETCH_GRID] = json_loads(
	    "{\"site\":\"tepco\",\"points\":[{\"key\":\"tepco/demand\","
	    "\"latest\":{\"ts\":\"2022-06-27T14:00:00+09:00\","
	    "\"value\":52420000}}]}", 0, NULL);
	b->site[FETCH_HOME] = NULL;	/* a site the server did not know */
	b->site[FETCH_AIR] = json_loads(
	    "{\"site\":\"room1\",\"points\":[]}", 0, NULL);
	b->signage = json_loads("{\"at\":1656306000,\"solar\":null}", 0,
				NULL);
	b->at = at;
	b->fetched_at = fetched;
}

/* --- cache ------------------------------------------------------------- */

static void test_cache_roundtrip(void)
{
	struct fetch_bundle in, out;
	char dir[64], sub[128], err[256];

	make_tmpdir(dir, sizeof dir);
	/* A directory that does not exist yet, two levels deep. */
	snprintf(sub, sizeof sub, "%s/a/cache", dir);
	make_bundle(&in, 1656306000, 1700000000);
	fetch_bundle_init(&out);

	CHECK_INT(fetch_cache_load(sub, &out, err, sizeof err),
		  FETCH_NO_CACHE);
	CHECK_INT(fetch_cache_save(sub, &in, err, sizeof err), FETCH_OK);
	CHECK_INT(fetch_cache_load(sub, &out, err, sizeof err), FETCH_OK);
	CHECK_INT(out.at, 1656306000);
	CHECK_INT(out.fetched_at, 1700000000);
	CHECK(json_equal(out.site[FETCH_GRID], in.site[FETCH_GRID]));
	CHECK(out.site[FETCH_HOME] == NULL);
	CHECK(json_equal(out.site[FETCH_AIR], in.site[FETCH_AIR]));
	CHECK(json_equal(out.signage, in.signage));
	/* Only the cache file is left: no temporary file lies around. */
	CHECK_INT(count_entries(sub), 1);

	/* A second save replaces the first whole. */
	fetch_bundle_finish(&in);
	in.site[FETCH_HOME] = json_loads(
	    "{\"site\":\"home12\",\"points\":[]}", 0, NULL);
	in.at = 1656309600;
	in.fetched_at = 1700000005;
	CHECK_INT(fetch_cache_save(sub, &in, err, sizeof err), FETCH_OK);
	CHECK_INT(fetch_cache_load(sub, &out, err, sizeof err), FETCH_OK);
	CHECK_INT(out.at, 1656309600);
	CHECK(out.site[FETCH_GRID] == NULL);
	CHECK(out.signage == NULL);
	CHECK(json_equal(out.site[FETCH_HOME], in.site[FETCH_HOME]));
	CHECK_INT(count_entries(sub), 1);

	/* An empty bundle is refused rather than cached. */
	fetch_bundle_finish(&in);
	CHECK_INT(fetch_cache_save(sub, &in, err, sizeof err),
		  FETCH_INVALID);

	fetch_bundle_finish(&out);
	remove_tree(dir);
}

static void test_cache_corrupt(void)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{"", "empty file"},
		{"{\"format\":\"akari-slide-data\",\"version\":1,\"at\":1,",
		 "cut short"},
		{"\x01\x02garbage", "not JSON"},
		{"[1,2,3]", "not an object"},
		{"{\"format\":\"akari-slide-data\",\"version\":2,\"at\":1,"
		 "\"fetched_at\":2,\"sites\":{\"grid\":null,\"home\":null,"
		 "\"air\":null}}", "unknown version"},
		{"{\"format\":\"akari-slide-data\",\"version\":1,\"at\":1,"
		 "\"fetched_at\":2}", "no sites"},
		{"{\"format\":\"akari-slide-data\",\"version\":1,\"at\":1,"
		 "\"fetched_at\":2,\"sites\":{\"grid\":null,\"home\":null}}",
		 "a role missing"},
		{"{\"format\":\"akari-slide-data\",\"version\":1,\"at\":1,"
		 "\"fetched_at\":2,\"sites\":{\"grid\":{\"site\":\"x\"},"
		 "\"home\":null,\"air\":null}}", "summary without points"},
		{"{\"format\":\"akari-slide-data\",\"version\":1,\"at\":\"1\","
		 "\"fetched_at\":2,\"sites\":{\"grid\":null,\"home\":null,"
		 "\"air\":null}}", "at as a string"},
		{"{\"format\":\"akari-slide-data\",\"version\":1,\"at\":1,"
		 "\"fetched_at\":2,\"sites\":{\"grid\":null,\"home\":null,"
		 "\"air\":null},\"signage\":[1]}", "signage not an object"},
	};
	struct fetch_bundle out;
	char dir[64], path[128], err[256];

	make_tmpdir(dir, sizeof dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		make_bundle(&out, 5, 6);	/* load must empty it */
		write_file(dir, "slide-data.json", bad[i].text);
		err[0] = '\0';
		CHECK_AT(fetch_cache_load(dir, &out, err, sizeof err) ==
			     FETCH_CORRUPT, "%s: not reported corrupt",
			 bad[i].why);
		CHECK_AT(bundle_is_empty(&out), "%s: bundle not empty",
			 bad[i].why);
		CHECK_AT(err[0] != '\0', "%s: no reason given", bad[i].why);
		fetch_bundle_finish(&out);
	}

	/* The well-formed minimum is accepted, to show the cases above
	 * failed for their own reason. */
	write_file(dir, "slide-data.json",
		   "{\"format\":\"akari-slide-data\",\"version\":1,\"at\":1,"
		   "\"fetched_at\":2,\"sites\":{\"grid\":null,\"home\":null,"
		   "\"air\":null}}");
	CHECK_INT(fetch_cache_load(dir, &out, err, sizeof err), FETCH_OK);
	CHECK_INT(out.fetched_at, 2);
	/* written before the signage figures existed: none */
	CHECK(out.signage == NULL);
	fetch_bundle_finish(&out);

	/* A directory where the file should be. */
	snprintf(path, sizeof path, "%s/slide-data.json", dir);
	unlink(path);
	mkdir(path, 0755);
	CHECK_INT(fetch_cache_load(dir, &out, err, sizeof err),
		  FETCH_CORRUPT);
	remove_tree(dir);
}

static void test_cache_unwritable(void)
{
	struct fetch_bundle in;
	char dir[64], sub[128], err[256];

	make_tmpdir(dir, sizeof dir);
	/* A plain file in the way of the directory. */
	write_file(dir, "file", "x");
	snprintf(sub, sizeof sub, "%s/file/cache", dir);
	make_bundle(&in, 1, 2);
	CHECK_INT(fetch_cache_save(sub, &in, err, sizeof err), FETCH_IO);
	fetch_bundle_finish(&in);
	remove_tree(dir);
}

static void test_cache_default_dir(void)
{
	char buf[256];

	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	CHECK_INT(fetch_cache_default_dir(buf, sizeof buf), FETCH_OK);
	CHECK_STR(buf, "/x/cache/akari");
	unsetenv("XDG_CACHE_HOME");
	CHECK_INT(fetch_cache_default_dir(buf, sizeof buf), FETCH_OK);
	CHECK_STR(buf, "var/kiosk-cache");
	CHECK_INT(fetch_cache_default_dir(buf, 4), FETCH_INVALID);
}

/* --- HTTP -------------------------------------------------------------- */

static struct fetch_client *client_for(int port, const char *grid,
				       const char *home, const char *air,
				       long total_ms)
{
	char url[64];
	struct fetch_config cfg = {
		.server = url,
		.site = {grid, home, air},
		.connect_ms = 2000,
		.total_ms = total_ms,
	};

	/* A trailing slash must not double up in the request path. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	return fetch_client_create(&cfg);
}

static void test_http_answers(void)
{
	struct fetch_client *c;
	struct fetch_bundle b;
	char err[512];
	struct fake f;

	fake_start(&f);
	fetch_bundle_init(&b);

	/* Default sites, all known. */
	c = client_for(f.port, NULL, NULL, NULL, 5000);
	CHECK(c != NULL);
	CHECK_INT(fetch_client_get(c, 1656306000, &b, err, sizeof err),
		  FETCH_OK);
	CHECK_INT(f.requests, 4);
	CHECK_STR(f.last_summary,
		  "/api/v1/sites/room1/summary?at=1656306000");
	CHECK_STR(f.last_path, "/api/v1/signage?at=1656306000");
	CHECK(json_is_object(b.signage));
	CHECK_INT(json_integer_value(json_object_get(b.signage, "at")), 7);
	CHECK_STR(json_string_value(json_object_get(b.site[FETCH_GRID],
						    "site")), "tepco");
	CHECK_STR(json_string_value(json_object_get(b.site[FETCH_HOME],
						    "site")), "home12");
	CHECK_INT(b.at, 1656306000);
	CHECK(b.fetched_at > 0);
	fetch_client_destroy(c);

	/* An unknown site is no data, not a failure. */
	c = client_for(f.port, "g2", "missing", NULL, 5000);
	CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err), FETCH_OK);
	CHECK(b.site[FETCH_GRID] != NULL);
	CHECK(b.site[FETCH_HOME] == NULL);
	CHECK(b.site[FETCH_AIR] != NULL);
	fetch_client_destroy(c);

	/* A server error fails the whole bundle and says what it was. */
	c = client_for(f.port, NULL, "boom", NULL, 5000);
	CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err), FETCH_HTTP);
	CHECK(bundle_is_empty(&b));
	CHECK_AT(strstr(err, "500") && strstr(err, "disk on fire"),
		 "err: %s", err);
	fetch_client_destroy(c);

	c = client_for(f.port, NULL, NULL, "junk", 5000);
	CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err),
		  FETCH_BAD_ANSWER);
	CHECK(bundle_is_empty(&b));
	fetch_client_destroy(c);

	c = client_for(f.port, "liar", NULL, NULL, 5000);
	CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err),
		  FETCH_BAD_ANSWER);
	fetch_client_destroy(c);

	/* A site name is escaped in the path. */
	c = client_for(f.port, "a b/c", NULL, NULL, 5000);
	fetch_client_get(c, 7, &b, err, sizeof err);
	CHECK_STR(f.last_summary, "/api/v1/sites/a%20b%2Fc/summary?at=7");
	fetch_client_destroy(c);

	/* The signage sites go in its query, escaped; a server without
	 * the route is no signage data, not a failure. */
	{
		struct fetch_config cfg = {
			.server = NULL, .solar_site = "pv 1",
			.weather_site = "jma",
		};
		char url[64];

		snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
		cfg.server = url;
		c = fetch_client_create(&cfg);
		CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err),
			  FETCH_OK);
		CHECK_STR(f.last_path,
			  "/api/v1/signage?at=7&solar=pv%201&weather=jma");
		CHECK(b.signage != NULL);
		fetch_client_destroy(c);
		cfg.ev_site = "old";
		cfg.solar_site = cfg.weather_site = NULL;
		c = fetch_client_create(&cfg);
		CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err),
			  FETCH_OK);
		CHECK(b.signage == NULL);
		CHECK(b.site[FETCH_GRID] != NULL);
		fetch_client_destroy(c);
	}

	fetch_bundle_finish(&b);
	fake_stop(&f);
}

static void test_http_unreachable(void)
{
	struct fetch_client *c;
	struct fetch_bundle b;
	char err[512];
	int fd, port;

	fetch_bundle_init(&b);

	/* A bound port nobody listens on: the connection is refused. */
	fd = listen_any(&port, -1);
	c = client_for(port, NULL, NULL, NULL, 5000);
	CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err),
		  FETCH_UNREACHABLE);
	CHECK(bundle_is_empty(&b));
	CHECK_AT(strstr(err, "127.0.0.1") != NULL, "err: %s", err);
	fetch_client_destroy(c);
	close(fd);

	/* A server that takes the connection and never answers: the total
	 * timeout ends the wait. */
	fd = listen_any(&port, 4);
	c = client_for(port, NULL, NULL, NULL, 300);
	CHECK_INT(fetch_client_get(c, 7, &b, err, sizeof err),
		  FETCH_UNREACHABLE);
	CHECK(bundle_is_empty(&b));
	fetch_client_destroy(c);
	close(fd);

	/* Not a URL akari can fetch. */
	CHECK(fetch_client_create(&(struct fetch_config){
	    .server = "ftp://x"}) == NULL);
	CHECK(fetch_client_create(&(struct fetch_config){.server = NULL}) ==
	      NULL);
}

/* --- schedule ---------------------------------------------------------- */

/* After a failure the wait is in [0.75 backoff, backoff]. */
static void check_wait(const struct fetch_schedule *s, double now,
		       double backoff)
{
	CHECK_DBL(s->delay, s->due - now, 1e-9);
	CHECK(s->delay >= 0.75 * backoff - 1e-9);
	CHECK(s->delay <= backoff + 1e-9);
}

static void test_schedule(void)
{
	/* interval 5 s, retries capped at 60 s; the backoffs after
	 * failures are 5, 10, 20, 40, then 60 for good, by doubling from
	 * 5. */
	static const double want[] = {5, 10, 20, 40, 60, 60};
	struct fetch_schedule s;
	double now = 100, lo = 1e9, hi = 0;

	fetch_schedule_init(&s, 5, 60, now);
	CHECK(fetch_schedule_due(&s, now));
	fetch_schedule_done(&s, now, true);
	CHECK(!fetch_schedule_due(&s, 104.9));
	CHECK(fetch_schedule_due(&s, 105));

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		fetch_schedule_done(&s, now, false);
		CHECK_DBL(s.backoff, want[i], 1e-9);
		check_wait(&s, now, want[i]);
		CHECK_INT(s.failures, (int)i + 1);
	}
	fetch_schedule_hurry(&s, now);
	CHECK(fetch_schedule_due(&s, now));
	CHECK_INT(s.failures, 6);

	/* Back to the interval, exactly, as soon as one fetch works. */
	fetch_schedule_done(&s, now, true);
	CHECK_DBL(s.due - now, 5, 1e-9);
	CHECK_INT(s.failures, 0);
	fetch_schedule_done(&s, now, false);
	check_wait(&s, now, 5);

	/* A cap below the interval is raised to it. */
	fetch_schedule_init(&s, 5, 1, now);
	fetch_schedule_done(&s, now, false);
	fetch_schedule_done(&s, now, false);
	check_wait(&s, now, 5);

	/* Displays that fail together spread their retries: 200 first
	 * failures cover most of [45, 60] s, not one instant.  Uniform
	 * draws all within 1.5 s of each other would have probability
	 * under 200 * 0.1^199. */
	for (int i = 0; i < 200; i++) {
		fetch_schedule_init(&s, 60, 600, now);
		fetch_schedule_done(&s, now, false);
		check_wait(&s, now, 60);
		lo = s.delay < lo ? s.delay : lo;
		hi = s.delay > hi ? s.delay : hi;
	}
	CHECK(hi - lo > 1.5);
}

/* --- worker ------------------------------------------------------------ */

/* Waits for the worker's result; the deadline only keeps a broken worker
 * from hanging the test. */
static bool take_wait(struct fetch_worker *w, struct fetch_result *r)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	for (int i = 0; i < 3000; i++) {
		if (fetch_worker_take(w, r))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

static void test_worker(void)
{
	struct fetch_bundle cached;
	struct fetch_worker *w;
	struct fetch_result r;
	char dir[64], url[64], err[256];
	struct fake f;
	int fd, port;

	make_tmpdir(dir, sizeof dir);
	fake_start(&f);
	fetch_result_init(&r);
	fetch_bundle_init(&cached);

	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){.server = url},
				      dir, &w, err, sizeof err), FETCH_OK);
	CHECK(!fetch_worker_take(w, &r));
	CHECK(fetch_worker_request(w, 1656306000));
	/* One at a time: a second request waits for the first's result. */
	CHECK(!fetch_worker_request(w, 1656306001));
	CHECK(take_wait(w, &r));
	CHECK_INT(r.rc, FETCH_OK);
	CHECK_INT(r.cache_rc, FETCH_OK);
	CHECK_INT(r.bundle.at, 1656306000);
	CHECK(!fetch_worker_busy(w));

	/* The worker saved what it fetched. */
	CHECK_INT(fetch_cache_load(dir, &cached, err, sizeof err), FETCH_OK);
	CHECK_INT(cached.at, 1656306000);
	CHECK(json_equal(cached.site[FETCH_GRID], r.bundle.site[FETCH_GRID]));

	/* The next good fetch, seconds later, is shown but not written:
	 * the default keeps a minute between saves. */
	CHECK(fetch_worker_request(w, 1656306300));
	CHECK(take_wait(w, &r));
	CHECK_INT(r.rc, FETCH_OK);
	CHECK_INT(r.cache_rc, FETCH_OK);
	CHECK_INT(r.bundle.at, 1656306300);
	CHECK_INT(fetch_cache_load(dir, &cached, err, sizeof err), FETCH_OK);
	CHECK_INT(cached.at, 1656306000);
	fetch_worker_destroy(w);

	/* With saves allowed every microsecond, each one is written. */
	CHECK_INT(fetch_worker_create(&(struct fetch_config){
	    .server = url, .cache_every = 1e-6}, dir, &w, err, sizeof err),
	    FETCH_OK);
	for (int i = 1; i <= 2; i++) {
		CHECK(fetch_worker_request(w, 1656306000 + i * 600));
		CHECK(take_wait(w, &r));
		CHECK_INT(fetch_cache_load(dir, &cached, err, sizeof err),
			  FETCH_OK);
		CHECK_INT(cached.at, 1656306000 + i * 600);
	}
	fetch_worker_destroy(w);
	CHECK_INT(fetch_cache_load(dir, &cached, err, sizeof err), FETCH_OK);
	CHECK_INT(cached.at, 1656307200);

	/* A failed fetch leaves the cache as it was. */
	fd = listen_any(&port, -1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){.server = url},
				      dir, &w, err, sizeof err), FETCH_OK);
	CHECK(fetch_worker_request(w, 1656309600));
	CHECK(take_wait(w, &r));
	CHECK_INT(r.rc, FETCH_UNREACHABLE);
	CHECK(bundle_is_empty(&r.bundle));
	CHECK_INT(fetch_cache_load(dir, &cached, err, sizeof err), FETCH_OK);
	CHECK_INT(cached.at, 1656307200);
	fetch_worker_destroy(w);
	close(fd);

	/* Destroying a worker whose fetch hangs cancels it: this returns
	 * well before the 60 s transfer timeout. */
	fd = listen_any(&port, 4);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){
	    .server = url, .total_ms = 60000}, NULL, &w, err, sizeof err),
	    FETCH_OK);
	CHECK(fetch_worker_request(w, 1));
	CHECK(fetch_worker_busy(w));
	fetch_worker_destroy(w);
	close(fd);

	CHECK_INT(fetch_worker_create(&(struct fetch_config){.server = "x"},
				      NULL, &w, err, sizeof err),
		  FETCH_INVALID);
	CHECK(w == NULL);
	/* A display token a header cannot carry is named as the fault. */
	CHECK_INT(fetch_worker_create(&(struct fetch_config){
	    .server = "http://127.0.0.1:1", .display_id = "wall",
	    .display_token = "ab\001cd"}, NULL, &w, err, sizeof err),
	    FETCH_INVALID);
	CHECK(w == NULL);
	CHECK_AT(strstr(err, "display token holds blanks") != NULL,
		 "a bad display token said as: %s", err);

	fetch_bundle_finish(&cached);
	fetch_result_finish(&r);
	fake_stop(&f);
	remove_tree(dir);
}

/* fetch_worker_wait(): the result of the fetch asked for, left in place
 * for fetch_worker_take(); NULL when none is asked for or it does not
 * come in time. */
static void test_worker_wait(void)
{
	const struct fetch_result *got;
	struct fetch_worker *w;
	struct fetch_result r;
	struct timespec t0, t1;
	char url[64], err[256];
	json_t *grid;
	struct fake f;
	int fd, port;

	fake_start(&f);
	fetch_result_init(&r);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){.server = url},
				      NULL, &w, err, sizeof err), FETCH_OK);
	/* Nothing asked for: nothing to wait for. */
	CHECK(fetch_worker_wait(w, 0.05) == NULL);

	CHECK(fetch_worker_request(w, 1656306000));
	got = fetch_worker_wait(w, 30);
	CHECK(got != NULL);
	if (got) {
		CHECK_INT(got->rc, FETCH_OK);
		CHECK_INT(got->bundle.at, 1656306000);
		CHECK(got->bundle.site[FETCH_GRID] != NULL);
	}
	grid = got ? got->bundle.site[FETCH_GRID] : NULL;
	/* Waiting again returns the same result, still not taken... */
	CHECK(fetch_worker_wait(w, 0) == got);
	CHECK(!fetch_worker_busy(w));
	/* ...which the taker then gets, the same document. */
	CHECK(fetch_worker_take(w, &r));
	CHECK_INT(r.bundle.at, 1656306000);
	CHECK(r.bundle.site[FETCH_GRID] == grid);
	CHECK(fetch_worker_wait(w, 0.05) == NULL);
	fetch_worker_destroy(w);

	/* A failure is a result too. */
	fd = listen_any(&port, -1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){.server = url},
				      NULL, &w, err, sizeof err), FETCH_OK);
	CHECK(fetch_worker_request(w, 1));
	got = fetch_worker_wait(w, 30);
	CHECK(got != NULL && got->rc == FETCH_UNREACHABLE);
	fetch_worker_destroy(w);
	close(fd);

	/* A server that never answers: the wait ends at its limit, not
	 * before, with the fetch still running. */
	fd = listen_any(&port, 4);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){
	    .server = url, .total_ms = 60000}, NULL, &w, err, sizeof err),
	    FETCH_OK);
	CHECK(fetch_worker_request(w, 1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fetch_worker_wait(w, 0.2) == NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK((double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 >= 0.2);
	CHECK(fetch_worker_busy(w));
	fetch_worker_destroy(w);
	close(fd);

	fetch_result_finish(&r);
	fake_stop(&f);
}

/* Sets the process's numbers' locale to a comma one and back, as SDL's
 * X11 start-up does on the kiosk's thread while fetches run. */
static atomic_bool flipping;

static void *flip_locale(void *arg)
{
	(void)arg;
	while (atomic_load(&flipping)) {
		setlocale(LC_NUMERIC, "de_DE.UTF-8");
		setlocale(LC_NUMERIC, "C");
	}
	return NULL;
}

/* The worker reads numbers in a locale of its own: while another thread
 * changes the process's between "C" and a locale whose decimal point is
 * a comma, every answer is read whole and right.  jansson reads the
 * decimal point, then calls strtod(), and aborts when the two disagree,
 * which the process's locale changed between them made happen within a
 * few answers. */
static void test_worker_locale(void)
{
	char dir[64], cmd[256], url[64], err[256];
	struct fetch_worker *w;
	struct fetch_result r;
	pthread_t flipper;
	struct fake f;
	int good = 0;

	/* A de_DE locale made for the test (Debian's locales package
	 * holds its source; scripts/install-deps.sh installs it). */
	make_tmpdir(dir, sizeof dir);
	snprintf(cmd, sizeof cmd,
		 "localedef -c -i de_DE -f UTF-8 %s/de_DE.UTF-8 "
		 ">/dev/null 2>&1", dir);
	if (system(cmd) == -1)
		perror("localedef");
	setenv("LOCPATH", dir, 1);
	CHECK_AT(setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL,
		 "cannot make a de_DE locale with localedef (%s)", cmd);
	CHECK(strcmp(localeconv()->decimal_point, ",") == 0);
	setlocale(LC_NUMERIC, "C");

	fake_start(&f);
	many_numbers();		/* made before the flipping starts */
	fetch_result_init(&r);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	CHECK_INT(fetch_worker_create(&(struct fetch_config){
	    .server = url, .site = {[FETCH_GRID] = "many"}}, NULL, &w, err,
	    sizeof err), FETCH_OK);
	atomic_store(&flipping, true);
	pthread_create(&flipper, NULL, flip_locale, NULL);
	for (int i = 0; i < 20; i++) {
		json_t *v;

		CHECK(fetch_worker_request(w, 1656306000 + i));
		if (!fetch_worker_wait(w, 30) || !fetch_worker_take(w, &r))
			continue;
		v = r.rc == FETCH_OK && r.bundle.site[FETCH_GRID]
			    ? json_object_get(r.bundle.site[FETCH_GRID], "v")
			    : NULL;
		/* Number i is i + (i mod 100) / 100. */
		if (json_array_size(v) == 30000 &&
		    json_real_value(json_array_get(v, 12345)) == 12345.45 &&
		    json_real_value(json_array_get(v, 29999)) == 29999.99)
			good++;
	}
	atomic_store(&flipping, false);
	pthread_join(flipper, NULL);
	setlocale(LC_NUMERIC, "C");
	CHECK_INT(good, 20);

	fetch_worker_destroy(w);
	fetch_result_finish(&r);
	fake_stop(&f);
	remove_tree(dir);
}

int main(void)
{
	test_cache_roundtrip();
	test_cache_corrupt();
	test_cache_unwritable();
	test_cache_default_dir();
	test_http_answers();
	test_http_unreachable();
	test_schedule();
	test_worker();
	test_worker_wait();
	test_worker_locale();
	return check_finish();
}
