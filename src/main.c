/*
 * main - the outreach binary: every subcommand goes through cli_main().
 */
#include "cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
