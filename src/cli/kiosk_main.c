/*
 * kiosk_main.c - akari-kiosk: the signage player on its own.
 *
 * `akari kiosk` is the same player inside the one akari command, which
 * also carries the server (SQLite, libmicrohttpd, mbedTLS and the rest):
 * loading and relocating those libraries at every start costs the
 * player about 17 ms before its first line of code runs.  akari-kiosk
 * is built from the same sources with only the player's libraries, and
 * takes the options of `akari kiosk`.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_kiosk(argc, argv);
}
