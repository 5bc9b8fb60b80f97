/*
 * cli.h - the akari command's subcommands.  Each takes the arguments after
 * its own name (argv[0] is the subcommand) and returns the exit status.
 */
#ifndef AKARI_CLI_H
#define AKARI_CLI_H

#include <stdbool.h>
#include <stdio.h>

int cli_serve(int argc, char **argv);
int cli_site(int argc, char **argv);
int cli_device(int argc, char **argv);
int cli_point(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_quarantine(int argc, char **argv);
int cli_render(int argc, char **argv);
int cli_kiosk(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);
int cli_admin(int argc, char **argv);

/* lifecycle.c: the actions of `akari site|device|point` beyond add and
 * the lists of registry.c.  noun is "site", "device" or "point". */
bool cli_lifecycle_claims(const char *noun, const char *action);
int cli_lifecycle(const char *noun, int argc, char **argv);

/* Whether a point may be registered in quantity and unit (the unit table
 * of units.h): 0, or 2 after saying on stderr, as "akari CMD: ...",
 * which of --quantity and --unit is wrong and what is allowed. */
int cli_check_units(const char *cmd, const char *quantity,
		    const char *unit);
void cli_lifecycle_usage(FILE *f);
/* The usage lines of noun's actions of this file, to follow the lines of
 * add and list in `akari NOUN --help`, and the notes on them. */
void cli_lifecycle_usage_of(FILE *f, const char *noun);
int cli_rollup(int argc, char **argv);
int cli_prune(int argc, char **argv);
int cli_playlist(int argc, char **argv);
int cli_emergency(int argc, char **argv);

#endif
