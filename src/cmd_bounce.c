/*
 * cmd_bounce - `bounces --once` (process the bounce mailbox once) and
 * `bounces parse FILE...` (what the parser makes of saved messages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "bouncer.h"
#include "cli.h"
#include "fsutil.h"
#include "worker.h"

int
cmd_bounces(struct cli *cli, int argc, char **argv)
{
	int once = 0;
	const struct cli_opt opts[] = {{"once", NULL, &once}, {NULL, NULL, NULL}};
	struct bouncer_stats stats;
	char **pos, *line;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (!once)
		return error_set(&cli->err, "give --once (the daemon runs the bounce worker "
		                 "continuously)"), CLI_USAGE;
	/* A server that goes away mid-pass is an error to report, not a silent death. */
	worker_ignore_sigpipe();
	if (bouncer_run_once(&cli->cfg, &stats, &cli->err) < 0)
		return CLI_FAIL;
	line = bouncer_stats_line(&stats);
	printf("%s\n", line);
	free(line);
	return CLI_OK;
}

int
cmd_bounces_parse(struct cli *cli, int argc, char **argv)
{
	char **pos, *data = NULL;
	size_t cap = 0;
	int npos, rc, failed = 0;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1 << 20, &pos, &npos)) != CLI_OK)
		return rc;
	for (int i = 0; i < npos; i++) {
		struct bounce_report rep;
		struct error e = ERROR_INIT;
		size_t len;

		/* One buffer for every file: a long list costs one allocation, not one per file. */
		if (read_file_reuse(pos[i], BOUNCE_MAX_MESSAGE, &data, &cap, &len, &e) < 0 ||
		    bounce_parse(data, len, cli->cfg.bounce_local, &rep, &e) < 0) {
			fprintf(stderr, "outreach bounces parse: %s: %s\n", pos[i], error_msg(&e));
			error_clear(&e);
			failed = 1;
			continue;
		}
		if (rep.n_rcpts == 0)
			printf("%s\t\t\t%s\n", pos[i], bounce_class_name(rep.class));
		for (size_t k = 0; k < rep.n_rcpts; k++)
			printf("%s\t%s\t%s\t%s\n", pos[i],
			       rep.rcpts[k].recipient ? rep.rcpts[k].recipient : "",
			       rep.rcpts[k].status ? rep.rcpts[k].status : "",
			       bounce_class_name(rep.rcpts[k].class));
		bounce_report_free(&rep);
	}
	free(data);
	if (failed)
		return error_set(&cli->err, "some files could not be read"), CLI_FAIL;
	return CLI_OK;
}
