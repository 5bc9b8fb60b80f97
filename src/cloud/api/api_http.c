/*
 * api_http.c - error bodies and ETags shared by the routes (api_http.h).
 */
#include "cloud/api/api_http.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

void api_error_vtext(char *buf, size_t len, const char *fmt, va_list ap)
{
	char msg[512], *text;

	vsnprintf(msg, sizeof msg, fmt, ap);
	text = g_utf8_make_valid(msg, -1);
	g_strlcpy(buf, text, len);
	g_free(text);
}

json_t *api_error_vbody(const char *code, const char *fmt, va_list ap)
{
	char text[1024];

	api_error_vtext(text, sizeof text, fmt, ap);
	return json_pack("{s:s, s:s}", "error", code, "message", text);
}

void api_etag_of(const char *text, char *etag, size_t len)
{
	/* An ETag only has to change with the text; MD5 does that at about
	 * three times SHA-256's speed, which counts on answers of half a
	 * megabyte (the site aggregate). */
	gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_MD5, text, -1);

	snprintf(etag, len, "\"%.32s\"", sum ? sum : "");
	g_free(sum);
}

bool api_etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);

	while (header && *header) {
		header += strspn(header, " \t,");
		if (!strncmp(header, "W/", 2))
			header += 2;
		if (*header == '*')
			return true;
		if (!strncmp(header, etag, n) &&
		    (header[n] == '\0' || header[n] == ',' || header[n] == ' '))
			return true;
		header += strcspn(header, ",");
	}
	return false;
}

int api_time_parse(const char *s, int64_t *out)
{
	char buf[64];
	char *sp;

	if (core_time_parse(s, out) == 0)
		return 0;
	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	sp = strrchr(buf, ' ');
	if (!sp)
		return -1;
	*sp = '+';
	return core_time_parse(buf, out);
}
