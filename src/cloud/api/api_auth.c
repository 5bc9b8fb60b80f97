/*
 * api_auth.c - admin and device credentials of the HTTP API.
 */
#include "cloud/api/api_auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cloud/store/store_registry.h"

const char *api_auth_bearer(const char *header, char *buf, size_t len)
{
	size_t n;

	if (!header || strncasecmp(header, "Bearer", 6) ||
	    (header[6] != ' ' && header[6] != '\t'))
		return NULL;
	header += 7;
	header += strspn(header, " \t");
	n = strlen(header);
	while (n && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	snprintf(buf, len, "%.*s", (int)n, header);
	return buf;
}

int api_auth_admin(struct store *st, struct MHD_Connection *conn,
		   const char **code, char *msg, size_t len)
{
	const char *h = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char buf[256], name[64];
	const char *token = api_auth_bearer(h, buf, sizeof buf);
	int rc;

	if (!token) {
		*code = "missing_admin_token";
		snprintf(msg, len, "this endpoint needs an admin token: send "
			 "'Authorization: Bearer TOKEN' (akari admin token "
			 "add prints one)");
		return 401;
	}
	rc = store_admin_auth(st, token, name, sizeof name);
	if (rc == STORE_NOT_FOUND) {
		*code = "bad_admin_token";
		snprintf(msg, len, "%s", store_errmsg(st));
		return 401;
	}
	if (rc) {
		*code = "storage";
		snprintf(msg, len, "checking the admin token: %s",
			 store_errmsg(st));
		return 500;
	}
	return 0;
}
