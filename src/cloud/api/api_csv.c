/*
 * api_csv.c - POST /api/v1/ingest/csv: an uploaded CSV of history goes
 * through the import driver with a device sink, so the rows get the
 * checks of every other way in (only the token's site, points that
 * exist, units its points can take) and a 2xx only once stored.
 */
#include "cloud/api/api_csv.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cloud/import/import.h"
#include "core/log.h"

#define MOD "api"
#define MAX_MESSAGES 20

struct site_lookup {
	int64_t id;
	struct store_site site;
	bool found;
};

static int match_site(const struct store_site *s, void *ctx)
{
	struct site_lookup *l = ctx;

	if (s->id != l->id)
		return 0;
	l->site = *s;
	l->found = true;
	return 1;
}

static void collect(void *ctx, const char *msg)
{
	json_t *list = ctx;

	if (json_array_size(list) < MAX_MESSAGES)
		json_array_append_new(list, json_string(msg));
}

static int error_answer(int status, const char *code, const char *msg,
			json_t **answer)
{
	*answer = json_pack("{s:s, s:s}", "error", code, "message", msg);
	return status;
}

static int status_of(int rc, const struct import_summary *sum)
{
	switch (rc) {
	case IMPORT_OK:
		return 200;
	case IMPORT_REJECTED:
		return sum->accepted ? 200 : 422;
	case IMPORT_BAD_INPUT:
	case IMPORT_INVALID:
		return 400;
	default:
		return 500;
	}
}

int api_csv_ingest(struct store *st, const struct ingest_source *src,
		   struct MHD_Connection *conn, const char *body, size_t len,
		   json_t **answer)
{
	const char *map = MHD_lookup_connection_value(
	    conn, MHD_GET_ARGUMENT_KIND, "map");
	struct site_lookup l = {.id = src->site_id};
	struct import_format *fmt = NULL;
	struct import_sink *sink = NULL;
	struct import_summary sum;
	struct import_options opt = {.report = collect};
	json_t *messages = json_array();
	char err[512];
	int rc, status;

	*answer = NULL;
	if (!map) {
		status = error_answer(400, "bad_map", "give the column map as "
				      "?map=SPEC (see docs/import.md, csv)",
				      answer);
		goto out;
	}
	if (store_sites_each(st, match_site, &l) < 0 || !l.found) {
		status = error_answer(500, "storage", "the token's site is "
				      "not readable", answer);
		goto out;
	}
	if (import_csv_format_new(map, l.site.name, l.site.tz, &fmt, err,
				  sizeof err)) {
		status = error_answer(400, "bad_map", err, answer);
		goto out;
	}
	if (import_sink_device_create(st, src, &sink)) {
		status = error_answer(500, "internal", "no import sink",
				      answer);
		goto out;
	}

	opt.report_ctx = messages;
	rc = import_buffer(sink, fmt, "body", body ? body : "", len, &opt,
			   &sum);
	status = status_of(rc, &sum);
	if (status == 400) {
		const char *m = json_string_value(json_array_get(messages, 0));

		status = error_answer(400, "bad_csv", m ? m : "bad CSV",
				      answer);
		goto out;
	}
	if (status == 500) {
		const char *m = json_string_value(json_array_get(messages, 0));

		status = error_answer(500, "storage", m ? m : "storing failed",
				      answer);
		goto out;
	}
	if (sum.rejected)
		log_warn(MOD, "csv from device %lld: %zu of %zu rows stored",
			 (long long)src->device_id, sum.accepted,
			 sum.accepted + sum.rejected);
	if (sum.set_aside)
		log_warn(MOD, "csv from device %lld: %zu rows set aside, held "
			 "in quarantine (akari quarantine list) or \"no "
			 "measurement\" codes",
			 (long long)src->device_id, sum.set_aside);
	*answer = json_pack("{s:I, s:I, s:I, s:I, s:I, s:O}", "rows",
			    (json_int_t)sum.rows, "accepted",
			    (json_int_t)sum.accepted, "rejected",
			    (json_int_t)sum.rejected, "dropped",
			    (json_int_t)sum.dropped, "set_aside",
			    (json_int_t)sum.set_aside, "messages", messages);

out:
	json_decref(messages);
	import_sink_destroy(sink);
	import_csv_format_free(fmt);
	return status;
}
