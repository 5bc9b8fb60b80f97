#include <stdio.h>

#include "cli/cli.h"

int cli_serve(int argc, char **argv)
{
	fprintf(stderr, "akari: 'serve' is not built yet\n");
	return 1;
}
