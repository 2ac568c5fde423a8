/*
 * cmd_ops - the operator's commands: doctor (doctor.c), backup and restore
 * of the database (store_backup.c), the latter under the daemon's lock so
 * no daemon starts on a half-restored database.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "doctor.h"

int
cmd_doctor(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (doctor_run(&cli->cfg, cli->config_path, stdout) == 0)
		return CLI_OK;
	/* Each failure is printed above with its fix; the one line says so. */
	error_setk(&cli->err, ERR_FAIL, "some checks failed (see above)");
	return CLI_FAIL;
}

int
cmd_backup(struct cli *cli, int argc, char **argv)
{
	int force = 0;
	const struct cli_opt opts[] = {{"force", NULL, &force}, {NULL, NULL, NULL}};
	struct store *st;
	struct stat sb;
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	/* Opening would create an empty database: a backup of nothing is a mistake. */
	if (stat(cli->cfg.db_path, &sb) < 0)
		return error_setk(&cli->err, ERR_NOTFOUND, "database %s: %s", cli->cfg.db_path,
		                  strerror(errno)), CLI_FAIL;
	if ((st = cli_store(cli)) == NULL || store_backup(st, pos[0], force, &cli->err) < 0)
		return CLI_FAIL;
	printf("%s: a copy of %s\n", pos[0], cli->cfg.db_path);
	return CLI_OK;
}

int
cmd_restore(struct cli *cli, int argc, char **argv)
{
	int force = 0, lockfd = -1, version = 0;
	const struct cli_opt opts[] = {{"force", NULL, &force}, {NULL, NULL, NULL}};
	const char *db = cli->cfg.db_path;
	struct stat sb;
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (store_check_file(pos[0], &version, &cli->err) < 0)
		return CLI_FAIL;
	/* Held to the end: a daemon starting meanwhile would open a file being replaced. */
	if (daemon_lock(db, &lockfd, &cli->err) < 0) {
		if (error_kind(&cli->err) == ERR_CONFLICT)
			error_prefix(&cli->err, "refused while the daemon runs");
		return CLI_FAIL;
	}
	rc = CLI_FAIL;
	if (!force && lstat(db, &sb) == 0)
		error_setk(&cli->err, ERR_CONFLICT, "database %s exists (give --force to replace it)",
		           db);
	else if (store_restore(pos[0], db, &cli->err) == 0) {
		printf("%s restored from %s (schema version %d)\n", db, pos[0], version);
		rc = CLI_OK;
	}
	close(lockfd);
	return rc;
}
