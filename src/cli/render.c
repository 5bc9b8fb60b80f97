#include <stdio.h>

#include "cli/cli.h"

int cli_render(int argc, char **argv)
{
	fprintf(stderr, "akari: 'render' is not built yet\n");
	return 1;
}
