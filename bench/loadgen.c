/*
 * loadgen - the load generator of `make bench` (bench/bench.py drives it).
 *
 * write: builds the whole workload in memory first, so that making the
 * bodies is not timed, then sends it over HTTP from several clients and
 * reports how long the server took to acknowledge all of it.  The
 * readings are in arrival order, as a town's meters deliver them: every
 * point's reading of minute 0, then every point's reading of minute 1,
 * and so on.  Batch k holds readings k*B .. k*B+B-1 of that sequence;
 * the clients take batches from one shared counter, so with several
 * clients the order on the wire stays close to arrival order.
 *
 * get: fetches the URLs of a file (one a line), each `repeat` times,
 * from several clients, and reports the latency of each request.
 *
 * Either mode prints one JSON object on stdout and exits 0 when every
 * request was answered 2xx, 1 when one was not (the first such answer
 * is printed on stderr), 2 on bad arguments.
 *
 * Values are deterministic: a point's base load, a daily swing and a
 * little noise, in kW with three decimals, like a real meter's register.
 */
#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum fmt { FMT_JSON, FMT_LP };

struct buf {
	char *p;
	size_t len, cap;
};

struct opts {
	const char *mode;
	const char *url;
	const char *auth;	/* a whole header line, or NULL */
	const char *key;	/* one point's key, or NULL for prefix%04d */
	const char *prefix;
	const char *urls;	/* get: the file of URLs */
	enum fmt fmt;
	long points, minutes, batch, clients, repeat;
	long long start;	/* Unix seconds of minute 0 */
};

/* One request's body (write) or URL (get), and what came of it. */
struct job {
	char *data;
	size_t len;
	double secs;
};

struct run {
	const struct opts *o;
	struct job *jobs;
	size_t njobs;
	atomic_size_t next;
	atomic_int failed;
	pthread_mutex_t lock;	/* guards the first failure's report */
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("loadgen");
			exit(1);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A 64-bit mix (splitmix64's finaliser): noise that any run repeats. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static double value_at(long point, long minute)
{
	double base = 2.0 + (double)(mix((uint64_t)point) % 8000) / 1000.0;
	double day = (double)(minute % 1440) / 1440.0;
	double swing = 0.4 * sin(2.0 * 3.14159265358979 * day);
	double noise = (double)(mix((uint64_t)point << 32 ^ (uint64_t)minute)
				% 200) / 1000.0 - 0.1;

	return round((base * (1.0 + swing) + noise) * 1000.0) / 1000.0;
}

static void reading(const struct opts *o, size_t i, struct buf *b)
{
	long point = (long)(i % (size_t)o->points);
	long minute = (long)(i / (size_t)o->points);
	long long ts = o->start + 60LL * minute;
	char key[128], line[256];
	int n;

	if (o->key)
		snprintf(key, sizeof key, "%s", o->key);
	else
		snprintf(key, sizeof key, "%s%04ld", o->prefix, point);
	if (o->fmt == FMT_LP)
		n = snprintf(line, sizeof line, "m,point=%s value=%.3f %lld\n",
			     key, value_at(point, minute), ts);
	else
		n = snprintf(line, sizeof line,
			     "{\"point\":\"%s\",\"ts\":%lld,\"value\":%.3f}",
			     key, ts, value_at(point, minute));
	buf_add(b, line, (size_t)n);
}

static int make_bodies(struct run *r)
{
	const struct opts *o = r->o;
	size_t total = (size_t)o->points * (size_t)o->minutes;

	r->njobs = (total + (size_t)o->batch - 1) / (size_t)o->batch;
	r->jobs = calloc(r->njobs, sizeof *r->jobs);
	if (!r->jobs)
		return -1;
	for (size_t k = 0; k < r->njobs; k++) {
		struct buf b = {0};
		size_t end = (k + 1) * (size_t)o->batch;

		if (end > total)
			end = total;
		if (o->fmt == FMT_JSON)
			buf_add(&b, "{\"readings\":[", 13);
		for (size_t i = k * (size_t)o->batch; i < end; i++) {
			if (o->fmt == FMT_JSON && i > k * (size_t)o->batch)
				buf_add(&b, ",", 1);
			reading(o, i, &b);
		}
		if (o->fmt == FMT_JSON)
			buf_add(&b, "]}", 2);
		r->jobs[k].data = b.p;
		r->jobs[k].len = b.len;
	}
	return 0;
}

static int read_urls(struct run *r)
{
	FILE *f = fopen(r->o->urls, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	char **urls = NULL;

	if (!f) {
		fprintf(stderr, "loadgen: %s: %s\n", r->o->urls,
			strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		urls = realloc(urls, (n + 1) * sizeof *urls);
		if (!urls || !(urls[n++] = strdup(line))) {
			perror("loadgen");
			exit(1);
		}
	}
	free(line);
	fclose(f);

	r->njobs = n * (size_t)r->o->repeat;
	r->jobs = calloc(r->njobs ? r->njobs : 1, sizeof *r->jobs);
	if (!r->jobs)
		return -1;
	for (size_t k = 0; k < r->njobs; k++) {
		r->jobs[k].data = urls[k % n];
		r->jobs[k].len = strlen(urls[k % n]);
	}
	free(urls);
	return n ? 0 : -1;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static void report_failure(struct run *r, const char *what, long status,
			   const struct buf *answer)
{
	pthread_mutex_lock(&r->lock);
	if (!atomic_fetch_add(&r->failed, 1))
		fprintf(stderr, "loadgen: %s: status %ld: %.500s\n", what,
			status, answer->p ? answer->p : "");
	pthread_mutex_unlock(&r->lock);
}

static void *client(void *arg)
{
	struct run *r = arg;
	const struct opts *o = r->o;
	int write = !strcmp(o->mode, "write");
	struct curl_slist *hdr = NULL;
	CURL *c = curl_easy_init();
	struct buf answer = {0};
	size_t k;

	/* curl would wait for a 100 Continue before every large body. */
	hdr = curl_slist_append(hdr, "Expect:");
	if (o->auth)
		hdr = curl_slist_append(hdr, o->auth);
	if (write)
		hdr = curl_slist_append(hdr, o->fmt == FMT_JSON ?
					"Content-Type: application/json" :
					"Content-Type: text/plain");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
	if (write)
		curl_easy_setopt(c, CURLOPT_URL, o->url);

	while ((k = atomic_fetch_add(&r->next, 1)) < r->njobs) {
		struct job *j = &r->jobs[k];
		long status = 0;
		CURLcode cc;
		double t0;

		answer.len = 0;
		if (write) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->data);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)j->len);
		} else {
			curl_easy_setopt(c, CURLOPT_URL, j->data);
		}
		t0 = now();
		cc = curl_easy_perform(c);
		j->secs = now() - t0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (cc != CURLE_OK)
			report_failure(r, curl_easy_strerror(cc), 0, &answer);
		else if (status < 200 || status > 299)
			report_failure(r, write ? o->url : j->data, status,
				       &answer);
	}
	free(answer.p);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return NULL;
}

static int by_secs(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return n ? sorted[i] : 0.0;
}

static void print_report(const struct run *r, double wall)
{
	const struct opts *o = r->o;
	double *s = malloc((r->njobs ? r->njobs : 1) * sizeof *s);
	size_t bytes = 0;

	for (size_t k = 0; k < r->njobs; k++) {
		s[k] = r->jobs[k].secs;
		bytes += r->jobs[k].len;
	}
	printf("{\"mode\":\"%s\",\"requests\":%zu,\"failed\":%d,"
	       "\"wall_s\":%.6f,", o->mode, r->njobs, atomic_load(&r->failed),
	       wall);
	if (!strcmp(o->mode, "write"))
		printf("\"readings\":%ld,\"body_bytes\":%zu,",
		       o->points * o->minutes, bytes);
	else {
		printf("\"each_s\":[");
		for (size_t k = 0; k < r->njobs && k < 50; k++)
			printf("%s%.6f", k ? "," : "", s[k]);
		printf("],");
	}
	qsort(s, r->njobs, sizeof *s, by_secs);
	printf("\"p50_s\":%.6f,\"p99_s\":%.6f,\"max_s\":%.6f}\n",
	       quantile(s, r->njobs, 0.5), quantile(s, r->njobs, 0.99),
	       r->njobs ? s[r->njobs - 1] : 0.0);
	free(s);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen write --url URL [--auth 'Header: v'] "
		"--format json|lp\n"
		"         [--points N] [--minutes M] [--start UNIX] "
		"[--batch B] [--clients C]\n"
		"         [--key KEY | --prefix P]\n"
		"       loadgen get --urls FILE [--repeat R] [--clients C]\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.fmt = FMT_LP, .points = 1000, .minutes = 1440,
			   .batch = 1000, .clients = 1, .repeat = 1,
			   .prefix = "bench/p", .start = 1705244400};
	if (argc < 2)
		return -1;
	o->mode = argv[1];
	if (strcmp(o->mode, "write") && strcmp(o->mode, "get"))
		return -1;
	for (int i = 2; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return -1;
		if (!strcmp(k, "--url"))
			o->url = v;
		else if (!strcmp(k, "--auth"))
			o->auth = v;
		else if (!strcmp(k, "--key"))
			o->key = v;
		else if (!strcmp(k, "--prefix"))
			o->prefix = v;
		else if (!strcmp(k, "--urls"))
			o->urls = v;
		else if (!strcmp(k, "--format"))
			o->fmt = !strcmp(v, "json") ? FMT_JSON : FMT_LP;
		else if (!strcmp(k, "--points"))
			o->points = atol(v);
		else if (!strcmp(k, "--minutes"))
			o->minutes = atol(v);
		else if (!strcmp(k, "--start"))
			o->start = atoll(v);
		else if (!strcmp(k, "--batch"))
			o->batch = atol(v);
		else if (!strcmp(k, "--clients"))
			o->clients = atol(v);
		else if (!strcmp(k, "--repeat"))
			o->repeat = atol(v);
		else
			return -1;
	}
	if (o->points < 1 || o->minutes < 1 || o->batch < 1 ||
	    o->clients < 1 || o->clients > 64 || o->repeat < 1)
		return -1;
	if (!strcmp(o->mode, "write") ? !o->url : !o->urls)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run r = {.o = &o};
	pthread_t t[64];
	double t0, wall;
	int rc;

	if (parse(argc, argv, &o)) {
		usage();
		return 2;
	}
	rc = !strcmp(o.mode, "write") ? make_bodies(&r) : read_urls(&r);
	if (rc) {
		fprintf(stderr, "loadgen: nothing to send\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&r.lock, NULL);

	t0 = now();
	for (long i = 0; i < o.clients; i++)
		pthread_create(&t[i], NULL, client, &r);
	for (long i = 0; i < o.clients; i++)
		pthread_join(t[i], NULL);
	wall = now() - t0;

	print_report(&r, wall);
	pthread_mutex_destroy(&r.lock);
	curl_global_cleanup();
	return atomic_load(&r.failed) ? 1 : 0;
}
