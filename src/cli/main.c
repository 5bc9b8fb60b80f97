/*
 * main.c - the akari command: one executable with subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{"serve", cli_serve, "serve --db FILE --listen ADDR:PORT"},
	{"site", cli_site, "site add --db FILE NAME --kind K --tz ZONE"},
	{"device", cli_device, "device add --db FILE --site S NAME"},
	{"point", cli_point, "point add --db FILE KEY --site S ..."},
	{"admin", cli_admin, "admin token add|list|revoke --db FILE [NAME]"},
	{"playlist", cli_playlist, "playlist put|list|show|delete --db FILE"},
	{"emergency", cli_emergency, "emergency set|clear|log --db FILE"},
	{"quarantine", cli_quarantine, "quarantine list --db FILE"},
	{"import", cli_import, "import --db FILE --format NAME FILE..."},
	{"render", cli_render, "render --server URL --slide S -o FILE.png"},
	{"kiosk", cli_kiosk, "kiosk --server URL [--window WxH]"},
	{"backup", cli_backup, "backup --db FILE -o BACKUP [--passphrase-...]"},
	{"restore", cli_restore, "restore --db FILE -i BACKUP [--force]"},
	{"rollup", cli_rollup, "rollup rebuild --db FILE [--point KEY]"},
	{"prune", cli_prune, "prune --db FILE --older-than-days N"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: akari COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  akari %s\n", commands[i].usage);
	fprintf(f, "\n'akari COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("akari 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);

	fprintf(stderr, "akari: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
