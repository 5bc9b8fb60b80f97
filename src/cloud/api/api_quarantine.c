/*
 * api_quarantine.c - the quarantine listing of api_quarantine.h.
 */
#include "cloud/api/api_quarantine.h"

#include <glib.h>

#include "cloud/store/store_quarantine.h"
#include "core/timeutil.h"

struct listing {
	GTimeZone *utc;
	json_t *held;
};

static json_t *utc_time(GTimeZone *utc, int64_t t)
{
	char buf[40];

	core_time_format(t, utc, buf, sizeof buf);
	return json_string(buf);
}

static int add_held(const struct store_held *h, void *ctx)
{
	struct listing *l = ctx;
	json_t *o = json_pack("{s:s, s:o, s:f, s:s, s:o}", "point", h->point,
			      "ts", utc_time(l->utc, h->ts), "value",
			      h->value, "reason", h->reason, "received",
			      utc_time(l->utc, h->received));

	if (!o)
		return 1;
	json_object_set_new(o, "device_id", h->device_id
			    ? json_integer(h->device_id) : json_null());
	return json_array_append_new(l->held, o) ? 1 : 0;
}

int api_quarantine_list(struct store *st, json_t **body)
{
	struct listing l = {g_time_zone_new_utc(), json_array()};
	json_t *held = l.held;
	int64_t count = 0;
	int rc;

	rc = store_quarantine_count(st, &count);
	if (!rc)
		rc = store_quarantine_each(st, API_QUARANTINE_MAX, add_held,
					   &l);
	g_time_zone_unref(l.utc);
	if (rc) {
		json_decref(held);
		*body = json_pack("{s:s, s:s}", "error", "storage", "message",
				  store_errmsg(st));
		return 500;
	}
	*body = json_pack("{s:I, s:o}", "count", (json_int_t)count, "held",
			  held);
	return 200;
}
