/*
 * import_acn_ev.c - EV charging sessions from Caltech's ACN-Data, as the
 * JSON array of sessions its API returns (one garage, JPL).
 *
 * A session is an event, not a reading: a car connects, draws
 * kWhDelivered, finishes charging (doneChargingTime, null when the
 * station did not see the end) and disconnects.  Times are RFC 1123 in
 * GMT ("Sat, 01 May 2021 20:42:47 GMT").  akari turns the sessions into
 * two hourly series for the site, which is what a signage slide "EV
 * charging today: N sessions, X kWh" reads:
 *
 *   acn-jpl/ev_sessions  sessions that connected in the hour (a count)
 *   acn-jpl/ev_power     the garage's mean charging power in the hour,
 *                        kW: each session's kWh spread evenly over its
 *                        charging time, from connection to
 *                        doneChargingTime (to disconnection when that is
 *                        null or later), so the hour's kW x 1 h is the
 *                        kWh delivered in it.
 *
 * Every hour from the first connection to the last disconnection gets a
 * value, 0 included: the file lists every session of its span, so an
 * hour without one really had none.  A session whose charging ends
 * before it starts puts its kWh in its connection hour.
 */
#include "cloud/import/import_internal.h"

#include <stdio.h>
#include <string.h>

#define HOUR_S 3600
/* Twenty years of hours: far more than any export, and a bound on the
 * memory one file can ask for. */
#define MAX_HOURS (20 * 366 * 24)

enum { SESSIONS, POWER };

static const struct import_point_def acn_points[] = {
	[SESSIONS] = {"acn-jpl/ev_sessions", "count", "sessions", HOUR_S},
	[POWER] = {"acn-jpl/ev_power", "power", "kW", HOUR_S},
};

struct acn_session {
	int64_t start, end;	/* charging, end >= start */
	int64_t disconnect;
	double kwh;
	int line;
};

/* The reader's place in the text, for line numbers. */
struct acn_cursor {
	const char *text;
	size_t len, off;
	size_t line_off;	/* offset line was counted up to */
	int line;
};

static const char *const weekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri",
				       "Sat", "Sun"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
				     "Jun", "Jul", "Aug", "Sep", "Oct",
				     "Nov", "Dec"};

/* Parses "Sat, 01 May 2021 20:42:47 GMT"; the weekday must fit. */
static int rfc1123_parse(const char *s, int64_t *out)
{
	char wd[4], mon[4], zone[4], tail;
	struct import_civil c = {0};
	GDate *d;
	int w = -1, ok;
	GTimeZone *utc;

	if (strlen(s) != 29 ||
	    sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%c", wd, &c.day, mon,
		   &c.year, &c.hour, &c.minute, &c.second, zone,
		   &tail) != 8 ||
	    s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
	    strcmp(zone, "GMT"))
		return -1;
	for (int i = 0; i < 12; i++)
		if (!strcmp(mon, months[i]))
			c.month = i + 1;
	if (!import_civil_valid(&c))
		return -1;
	d = g_date_new_dmy((GDateDay)c.day, (GDateMonth)c.month,
			   (GDateYear)c.year);
	for (int i = 0; i < 7; i++)
		if (!strcmp(wd, weekdays[i]))
			w = i + 1;
	ok = w == (int)g_date_get_weekday(d);
	g_date_free(d);
	if (!ok)
		return -1;
	utc = g_time_zone_new_utc();
	*out = import_civil_to_unix(utc, &c);
	g_time_zone_unref(utc);
	return 0;
}

static void skip_blanks(struct acn_cursor *k)
{
	k->off += strspn(k->text + k->off, " \t\r\n");
}

/* Sets the parser's line to the one offset off is on. */
static void set_line(struct import_parse *p, struct acn_cursor *k,
		     size_t off)
{
	for (; k->line_off < off; k->line_off++)
		k->line += k->text[k->line_off] == '\n';
	p->line = k->line;
}

/* Reads the time field name of session o; 1 when it is null and null
 * is allowed. */
static int session_time(struct import_parse *p, json_t *o, const char *name,
			bool nullable, int64_t *out)
{
	json_t *v = json_object_get(o, name);

	if (nullable && json_is_null(v))
		return 1;
	if (!json_is_string(v))
		return import_fail(p, "session has no %s string", name);
	if (rfc1123_parse(json_string_value(v), out))
		return import_fail(p, "%s '%.40s' is not an RFC 1123 GMT time "
				   "like 'Sat, 01 May 2021 20:42:47 GMT'",
				   name, json_string_value(v));
	return 0;
}

static int read_session(struct import_parse *p, json_t *o,
			struct acn_session *s)
{
	json_t *kwh = json_object_get(o, "kWhDelivered");
	int64_t done;
	int rc;

	if (!json_is_object(o))
		return import_fail(p, "a session is not a JSON object");
	rc = session_time(p, o, "connectionTime", false, &s->start);
	if (!rc)
		rc = session_time(p, o, "disconnectTime", false,
				  &s->disconnect);
	if (rc)
		return rc;
	rc = session_time(p, o, "doneChargingTime", true, &done);
	if (rc < 0)
		return rc;
	if (!json_is_number(kwh) || json_number_value(kwh) < 0)
		return import_fail(p, "kWhDelivered is not a number of 0 or "
				   "more");
	if (s->disconnect < s->start)
		return import_fail(p, "disconnectTime is before "
				   "connectionTime");
	s->end = rc == 1 || done > s->disconnect ? s->disconnect : done;
	if (s->end < s->start)
		s->end = s->start;
	s->kwh = json_number_value(kwh);
	s->line = p->line;
	return 0;
}

/* Reads the array of sessions into ss; *open is the line of its '['. */
static int read_sessions(struct import_parse *p, GArray *ss, int *open)
{
	struct acn_cursor k = {.text = p->next ? p->next : "", .line = 1};
	json_error_t e;

	k.len = strlen(k.text);
	skip_blanks(&k);
	set_line(p, &k, k.off);
	if (k.text[k.off] != '[')
		return import_fail(p, "expected a JSON array of sessions");
	*open = p->line;
	k.off++;
	skip_blanks(&k);
	if (k.text[k.off] == ']')
		k.off++;
	else
		for (;;) {
			struct acn_session s;
			json_t *o;
			int rc;

			set_line(p, &k, k.off);
			o = json_loadb(k.text + k.off, k.len - k.off,
				       JSON_DISABLE_EOF_CHECK, &e);
			if (!o) {
				p->line += e.line - 1;
				return import_fail(p, "bad JSON: %s", e.text);
			}
			rc = read_session(p, o, &s);
			json_decref(o);
			if (rc)
				return rc;
			g_array_append_val(ss, s);
			k.off += (size_t)e.position;
			skip_blanks(&k);
			set_line(p, &k, k.off);
			if (k.text[k.off] == ']') {
				k.off++;
				break;
			}
			if (k.text[k.off] != ',')
				return import_fail(p, "expected ',' or ']' "
						   "after a session");
			k.off++;
			skip_blanks(&k);
		}
	skip_blanks(&k);
	set_line(p, &k, k.off);
	if (k.off != k.len)
		return import_fail(p, "text after the array of sessions");
	p->next = NULL;
	return 0;
}

static int64_t hour_of(int64_t ts)
{
	return ts - ((ts % HOUR_S) + HOUR_S) % HOUR_S;
}

/* Spreads session s over the hourly arrays from hour t0 on. */
static void spread(const struct acn_session *s, int64_t t0, double *kwh,
		   double *count, int *line)
{
	size_t h = (size_t)((hour_of(s->start) - t0) / HOUR_S);

	count[h] += 1;
	if (!line[h])
		line[h] = s->line;
	if (s->end == s->start) {
		kwh[h] += s->kwh;
		return;
	}
	for (int64_t t = hour_of(s->start); t < s->end; t += HOUR_S, h++) {
		int64_t a = MAX(t, s->start), b = MIN(t + HOUR_S, s->end);

		kwh[h] += s->kwh * (double)(b - a) / (double)(s->end -
							       s->start);
		if (!line[h])
			line[h] = s->line;
	}
}

static int acn_parse(struct import_parse *p)
{
	GArray *ss = g_array_new(FALSE, FALSE, sizeof(struct acn_session));
	double *kwh = NULL, *count = NULL;
	int *line = NULL, open = 0;
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	size_t nh;
	int rc;

	rc = read_sessions(p, ss, &open);
	if (rc)
		goto out;
	for (guint i = 0; i < ss->len; i++) {
		const struct acn_session *s =
		    &g_array_index(ss, struct acn_session, i);

		t0 = MIN(t0, hour_of(s->start));
		t1 = MAX(t1, hour_of(s->disconnect));
	}
	if (!ss->len)
		goto out;
	if ((t1 - t0) / HOUR_S >= MAX_HOURS) {
		rc = import_fail(p, "the sessions span more than %d days",
				 MAX_HOURS / 24);
		goto out;
	}
	nh = (size_t)((t1 - t0) / HOUR_S) + 1;
	kwh = g_new0(double, nh);
	count = g_new0(double, nh);
	line = g_new0(int, nh);
	for (guint i = 0; i < ss->len; i++)
		spread(&g_array_index(ss, struct acn_session, i), t0, kwh,
		       count, line);

	/* A row names the first session behind it, for refusals; an hour
	 * without one names the array. */
	for (size_t h = 0; h < nh; h++) {
		int64_t ts = t0 + (int64_t)h * HOUR_S;

		p->line = line[h] ? line[h] : open;
		import_row_add(p, SESSIONS, ts, count[h]);
		import_row_add(p, POWER, ts, kwh[h]);
	}

out:
	g_free(line);
	g_free(count);
	g_free(kwh);
	g_array_free(ss, TRUE);
	return rc;
}

const struct import_format import_format_acn_ev = {
	.name = "acn-ev",
	.about = "Caltech ACN-Data EV sessions (JSON): hourly count and kW",
	.site = "acn-jpl",
	.site_kind = "ev",
	.tz = "America/Los_Angeles",
	.points = acn_points,
	.npoints = G_N_ELEMENTS(acn_points),
	.parse = acn_parse,
};
