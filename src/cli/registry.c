#include <stdio.h>

#include "cli/cli.h"

int cli_site(int argc, char **argv)
{
	fprintf(stderr, "akari: 'site' is not built yet\n");
	return 1;
}

int cli_device(int argc, char **argv)
{
	fprintf(stderr, "akari: 'device' is not built yet\n");
	return 1;
}

int cli_point(int argc, char **argv)
{
	fprintf(stderr, "akari: 'point' is not built yet\n");
	return 1;
}
