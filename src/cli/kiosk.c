#include <stdio.h>

#include "cli/cli.h"

int cli_kiosk(int argc, char **argv)
{
	fprintf(stderr, "akari: 'kiosk' is not built yet\n");
	return 1;
}
