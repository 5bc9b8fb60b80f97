/*
 * test_log.c - the logger's line discipline: one message is one line,
 * however long it is and whatever bytes it quotes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"

static char out[8192];

/* Runs one log_warn of msg with stderr sent to a file, then reads back
 * what was written into out. */
static void capture(const char *msg)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n;

	fflush(stderr);
	dup2(fileno(f), 2);
	log_warn("test", "%s", msg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
}

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

int main(void)
{
	char *big = malloc(5000);
	const char *body;

	log_set_level(LOG_DEBUG);

	/* A short message: the header, then the text, then one newline. */
	capture("hello");
	CHECK_INT(count_char(out, '\n'), 1);
	body = strstr(out, " warn  [test] ");
	CHECK(body != NULL);
	CHECK_STR(body ? body + strlen(" warn  [test] ") : NULL, "hello\n");

	/* Too long for one line: cut, but still ended by its newline, so
	 * the next line does not run into it. */
	memset(big, 'x', 4999);
	big[4999] = '\0';
	capture(big);
	CHECK_INT(count_char(out, '\n'), 1);
	CHECK(strlen(out) > 0 && out[strlen(out) - 1] == '\n');
	CHECK(strlen(out) <= 1023);

	/* A quoted client URL with a newline and an ESC stays on one line,
	 * the bytes written out as \xNN. */
	capture("GET /a\nFAKE 2026 error [api] b\x1b[2J");
	CHECK_INT(count_char(out, '\n'), 1);
	CHECK(strstr(out, "/a\\x0aFAKE 2026 error [api] b\\x1b[2J\n") != NULL);

	/* Escapes near the cut never leave half an escape. */
	memset(big, '\n', 4999);
	capture(big);
	CHECK_INT(count_char(out, '\n'), 1);
	CHECK(strstr(out, "\\x0a\n") != NULL);

	free(big);
	return check_finish();
}
