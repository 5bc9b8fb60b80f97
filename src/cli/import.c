#include <stdio.h>

#include "cli/cli.h"

int cli_import(int argc, char **argv)
{
	fprintf(stderr, "akari: 'import' is not built yet\n");
	return 1;
}
