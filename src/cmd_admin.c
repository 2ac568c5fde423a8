/*
 * cmd_admin - init, config, topic, suppress and audit commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "addr.h"
#include "cli.h"
#include "fsutil.h"
#include "secret.h"

/* Directories a Maildir transport URL needs: maildir:PATH. */
static const char *
maildir_path(const struct config *cfg)
{
	if (strncmp(cfg->transport_url, "maildir:", 8) == 0)
		return cfg->transport_url + 8;
	return NULL;
}

static int
make_dir(struct cli *cli, const char *path, mode_t mode)
{
	int made = mkdir_p(path, mode, &cli->err);

	if (made > 0)
		printf("created %s/\n", path);
	return made < 0 ? -1 : 0;
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const char *const spool_subdirs[] = {"tmp", "new", "cur", "failed"};
	static const char *const maildir_subdirs[] = {"tmp", "new", "cur"};
	const char *outbox = maildir_path(&cli->cfg);
	char *dbdir, *sub;
	char **pos;
	int npos, rc, made;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	dbdir = path_dirname(cli->cfg.db_path);
	rc = make_dir(cli, dbdir, 0750);
	free(dbdir);
	if (rc < 0)
		return CLI_FAIL;
	for (size_t i = 0; i < 4; i++) {
		sub = xasprintf("%s/%s", cli->cfg.spool_dir, spool_subdirs[i]);
		rc = make_dir(cli, sub, 0750);
		free(sub);
		if (rc < 0)
			return CLI_FAIL;
	}
	for (size_t i = 0; outbox && i < 3; i++) {
		sub = xasprintf("%s/%s", outbox, maildir_subdirs[i]);
		rc = make_dir(cli, sub, 0750);
		free(sub);
		if (rc < 0)
			return CLI_FAIL;
	}
	if ((made = secret_create(cli->cfg.secret_file, &cli->err)) < 0)
		return CLI_FAIL;
	if (made)
		printf("created %s (mode 0600)\n", cli->cfg.secret_file);
	if (cli_store(cli) == NULL)
		return CLI_FAIL;
	printf("database %s at schema version %d\n", cli->cfg.db_path,
	       store_schema_version(cli->store));
	return CLI_OK;
}

int
cmd_config_example(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	config_write_example(stdout);
	return CLI_OK;
}

int
cmd_config_man(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	config_write_man(stdout);
	return CLI_OK;
}

int
cmd_config_show(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	printf("# from %s\n", cli->config_path ? cli->config_path : "built-in defaults");
	config_dump(&cli->cfg, stdout);
	return CLI_OK;
}

int
cli_check_slug(struct cli *cli, const char *what, const char *slug)
{
	if (slug_valid(slug))
		return 0;
	return error_set(&cli->err, "%s '%s' must be 1 to 64 lower-case letters, digits or '-'",
	                 what, slug);
}

int
cmd_topic_add(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	const struct cli_opt opts[] = {{"name", &name, NULL}, {NULL, NULL, NULL}};
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (name == NULL)
		return error_set(&cli->err, "--name is required"), CLI_USAGE;
	if (cli_check_slug(cli, "topic", pos[0]) < 0 || cli_check_text(cli, "--name", name) < 0)
		return CLI_FAIL;
	if (cli_store(cli) == NULL || store_topic_add(cli->store, pos[0], name, &cli->err) < 0)
		return CLI_FAIL;
	printf("added topic %s\n", pos[0]);
	return CLI_OK;
}

static int
print_topic(const struct topic_info *t, void *arg)
{
	(void)arg;
	printf("%-16s %s\n", t->slug, t->name);
	return 0;
}

int
cmd_topic_ls(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL || store_topic_each(cli->store, print_topic, NULL, &cli->err) < 0)
		return CLI_FAIL;
	return CLI_OK;
}

int
cmd_suppress_add(struct cli *cli, int argc, char **argv)
{
	const char *reason = "added by admin";
	const struct cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
	const char *why;
	char *email, **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (addr_normalize(pos[0], &email, &why) < 0)
		return error_set(&cli->err, "invalid address '%s': %s", pos[0], why), CLI_FAIL;
	rc = CLI_FAIL;
	if (cli_check_text(cli, "--reason", reason) == 0 && cli_store(cli) &&
	    store_suppress(cli->store, email, reason, SUPPRESS_ADMIN, ACTOR_ADMIN, &cli->err) == 0) {
		printf("suppressed %s\n", email);
		rc = CLI_OK;
	}
	free(email);
	return rc;
}

int
cmd_suppress_rm(struct cli *cli, int argc, char **argv)
{
	const char *why;
	char *email, **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (addr_normalize(pos[0], &email, &why) < 0)
		return error_set(&cli->err, "invalid address '%s': %s", pos[0], why), CLI_FAIL;
	rc = CLI_FAIL;
	if (cli_store(cli) && store_unsuppress(cli->store, email, ACTOR_ADMIN, &cli->err) == 0) {
		printf("%s is no longer suppressed\n", email);
		rc = CLI_OK;
	}
	free(email);
	return rc;
}

void
cli_format_time(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static int
print_suppression(const char *email, const char *reason, int64_t at, void *arg)
{
	char when[32];

	(void)arg;
	cli_format_time(at, when, sizeof(when));
	printf("%s\t%s\t%s\n", email, when, reason);
	return 0;
}

int
cmd_suppress_ls(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    store_suppression_each(cli->store, print_suppression, NULL, &cli->err) < 0)
		return CLI_FAIL;
	return CLI_OK;
}

int
cli_print_audit(const struct audit_row *r, void *arg)
{
	char when[32];

	(void)arg;
	cli_format_time(r->at, when, sizeof(when));
	printf("%s  %-6s  %s  %s%s%s%s: %s -> %s%s%s\n", when, r->actor, r->email,
	       r->list_slug ? "[" : "", r->list_slug ? r->list_slug : "", r->list_slug ? "] " : "",
	       r->field, r->old_value ? r->old_value : "(none)",
	       r->new_value ? r->new_value : "(none)", r->detail ? "  " : "",
	       r->detail ? r->detail : "");
	return 0;
}

int
cmd_audit(struct cli *cli, int argc, char **argv)
{
	const char *why;
	char *email = NULL, **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (npos == 1 && addr_normalize(pos[0], &email, &why) < 0)
		return error_set(&cli->err, "invalid address '%s': %s", pos[0], why), CLI_FAIL;
	rc = CLI_OK;
	if (cli_store(cli) == NULL ||
	    store_audit_each(cli->store, email, cli_print_audit, NULL, &cli->err) < 0)
		rc = CLI_FAIL;
	free(email);
	return rc;
}

int
cli_check_text(struct cli *cli, const char *what, const char *value)
{
	if (has_header_breaker(value))
		return error_set(&cli->err, "%s must not contain a line break", what);
	if (!utf8_valid(value, strlen(value)))
		return error_set(&cli->err, "%s is not valid UTF-8", what);
	return 0;
}
