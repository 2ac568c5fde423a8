/*
 * cmd_subscriber - subscriber add, show, rm, set, import, export.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli.h"
#include "import.h"
#include "sysmail.h"

static int
normalize_arg(struct cli *cli, const char *arg, char **email)
{
	const char *why;

	if (addr_normalize(arg, email, &why) < 0)
		return error_setk(&cli->err, ERR_INPUT, "invalid address '%s': %s", arg, why);
	return 0;
}

/* parse_prefs - --topics ("all" or a,b) and --digest into canonical values. */
static int
parse_prefs(struct cli *cli, const char *topics, const char *digest, char **canon, int *mode)
{
	*canon = NULL;
	*mode = -1;
	if (digest && (*mode = digest_parse(digest)) < 0)
		return error_set(&cli->err, "--digest '%s': use immediate, weekly or monthly",
		                 digest);
	if (topics == NULL)
		return 0;
	if (strcmp(topics, "all") == 0) {
		*canon = xstrdup("");
		return 0;
	}
	if (cli_store(cli) == NULL)
		return -1;
	return store_topics_resolve(cli->store, topics, canon, &cli->err);
}

int
cmd_sub_add(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL, *name = NULL, *topics = NULL, *digest = NULL;
	int confirmed = 0;
	const struct cli_opt opts[] = {
		{"list", &list, NULL}, {"name", &name, NULL}, {"topics", &topics, NULL},
		{"digest", &digest, NULL}, {"confirmed", NULL, &confirmed}, {NULL, NULL, NULL},
	};
	static const char *const outcome[] = {"added", "updated", "unchanged", "refused"};
	struct subscription sub = {0};
	struct list_info l = {0};
	char *email = NULL, *canon = NULL, **pos;
	const char *why;
	int npos, rc, result, queued = 0;
	int64_t id;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (list == NULL)
		return error_set(&cli->err, "--list is required"), CLI_USAGE;
	rc = CLI_FAIL;
	if (addr_accept(pos[0], cli->cfg.allow_dotless, &email, &why) < 0) {
		error_setk(&cli->err, ERR_INPUT, "invalid address '%s': %s", pos[0], why);
		goto out;
	}
	if ((name && cli_check_text(cli, "--name", name) < 0) ||
	    parse_prefs(cli, topics, digest, &canon, &sub.digest) < 0 || cli_store(cli) == NULL ||
	    store_list_get(cli->store, list, &l, &cli->err) < 0)
		goto out;
	sub.email = email;
	sub.name = name;
	sub.topics = canon;
	sub.want_status = confirmed ? SUB_ACTIVE : SUB_UNCONFIRMED;
	sub.actor = ACTOR_ADMIN;
	sub.source = "admin";
	if (store_begin(cli->store, &cli->err) < 0)
		goto out;
	if (store_subscribe(cli->store, l.id, &sub, &result, &cli->err) < 0 ||
	    (result == SUBSCRIBE_CREATED && !confirmed &&
	     (store_subscriber_id(cli->store, email, &id, &cli->err) < 0 ||
	      sysmail_queue(cli->store, l.id, SYSMAIL_CONFIRM, id, &queued, &cli->err) < 0))) {
		store_rollback(cli->store);
		goto out;
	}
	if (store_commit(cli->store, &cli->err) < 0 || result == SUBSCRIBE_REFUSED)
		goto out;
	printf("%s %s on %s%s\n", outcome[result], email, list,
	       queued ? "; confirmation request queued" : "");
	rc = CLI_OK;
out:
	list_info_free(&l);
	free(email);
	free(canon);
	return rc;
}

int
cmd_sub_show(struct cli *cli, int argc, char **argv)
{
	struct subscriber_info s;
	char *email = NULL, when[32], **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (normalize_arg(cli, pos[0], &email) < 0 || cli_store(cli) == NULL ||
	    store_subscriber_get(cli->store, email, &s, &cli->err) < 0) {
		free(email);
		return CLI_FAIL;
	}
	cli_format_time(s.created_at, when, sizeof(when));
	printf("email:      %s\nname:       %s\nstatus:     %s%s\n", s.email, s.name ? s.name : "",
	       sub_status_name(s.status), s.suppressed ? " (suppressed)" : "");
	printf("topics:     %s\ndigest:     %s\ncreated:    %s\n", *s.topics ? s.topics : "all",
	       digest_name(s.digest), when);
	for (size_t i = 0; i < s.n_memberships; i++) {
		cli_format_time(s.memberships[i].updated_at, when, sizeof(when));
		printf("list:       %s %s (%s, %s)\n", s.memberships[i].list_slug,
		       sub_status_name(s.memberships[i].status), s.memberships[i].source, when);
	}
	printf("history:\n");
	rc = store_audit_each(cli->store, email, cli_print_audit, NULL, &cli->err) < 0 ? CLI_FAIL
	                                                                           : CLI_OK;
	subscriber_info_free(&s);
	free(email);
	return rc;
}

int
cmd_sub_rm(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL;
	const struct cli_opt opts[] = {{"list", &list, NULL}, {NULL, NULL, NULL}};
	char *email = NULL, **pos;
	int npos, rc, kept;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	rc = CLI_FAIL;
	if (normalize_arg(cli, pos[0], &email) == 0 && cli_store(cli) &&
	    store_subscriber_remove(cli->store, email, list, ACTOR_ADMIN, &kept, &cli->err) == 0) {
		if (kept)
			printf("%s %s on %s: that record is kept, so no administrator puts it back "
			       "there; only its own word can\n", email, sub_status_name(kept), list);
		else if (list)
			printf("removed %s from %s\n", email, list);
		else
			printf("removed %s\n", email);
		rc = CLI_OK;
	}
	free(email);
	return rc;
}

int
cmd_sub_restore(struct cli *cli, int argc, char **argv)
{
	const char *reason = NULL;
	const struct cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
	char *email = NULL, **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (reason == NULL || *reason == '\0')
		return error_set(&cli->err, "give --reason: why the address is restored (it is "
		                 "audited)"), CLI_USAGE;
	if (cli_check_text(cli, "--reason", reason) < 0)
		return CLI_USAGE;
	rc = CLI_FAIL;
	if (normalize_arg(cli, pos[0], &email) == 0 && cli_store(cli) &&
	    store_subscriber_restore(cli->store, email, reason, &cli->err) == 0) {
		printf("restored %s: active again\n", email);
		rc = CLI_OK;
	}
	free(email);
	return rc;
}

int
cmd_sub_set(struct cli *cli, int argc, char **argv)
{
	const char *topics = NULL, *digest = NULL;
	const struct cli_opt opts[] = {
		{"topics", &topics, NULL}, {"digest", &digest, NULL}, {NULL, NULL, NULL},
	};
	char *email = NULL, *canon = NULL, **pos;
	int npos, rc, mode;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (topics == NULL && digest == NULL)
		return error_set(&cli->err, "nothing to set: give --topics or --digest"), CLI_USAGE;
	rc = CLI_FAIL;
	if (normalize_arg(cli, pos[0], &email) == 0 &&
	    parse_prefs(cli, topics, digest, &canon, &mode) == 0 && cli_store(cli) &&
	    store_subscriber_set(cli->store, email, canon, mode, ACTOR_ADMIN, &cli->err) == 0) {
		printf("updated %s\n", email);
		rc = CLI_OK;
	}
	free(email);
	free(canon);
	return rc;
}

static void
print_reject(unsigned long line, const char *reason, void *arg)
{
	fprintf(stderr, "%s:%lu: %s\n", (const char *)arg, line, reason);
}

int
cmd_sub_import(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL;
	int confirmed = 0, dry_run = 0;
	const struct cli_opt opts[] = {
		{"list", &list, NULL}, {"confirmed", NULL, &confirmed},
		{"dry-run", NULL, &dry_run}, {NULL, NULL, NULL},
	};
	struct import_stats stats;
	char **pos;
	FILE *in;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (list == NULL)
		return error_set(&cli->err, "--list is required"), CLI_USAGE;
	if (strcmp(pos[0], "-") == 0)
		in = stdin;
	else if ((in = fopen(pos[0], "r")) == NULL)
		return error_set(&cli->err, "%s: %s", pos[0], strerror(errno)), CLI_FAIL;
	if (cli_store(cli) == NULL) {
		if (in != stdin)
			fclose(in);
		return CLI_FAIL;
	}
	rc = import_csv(cli->store, &cli->cfg, in, pos[0], list, confirmed, dry_run, print_reject,
	                pos[0], &stats, &cli->err);
	if (in != stdin)
		fclose(in);
	if (rc < 0)
		return CLI_FAIL;
	printf("%simported %ld, updated %ld, rejected %ld", dry_run ? "dry run: would have " : "",
	       stats.imported, stats.updated, stats.rejected);
	if (stats.unchanged)
		printf(" (%ld unchanged)", stats.unchanged);
	if (stats.suppressed)
		printf(", %ld kept suppressed", stats.suppressed);
	if (stats.confirm_requests)
		printf("; %s%ld confirmation requests", dry_run ? "" : "queued ",
		       stats.confirm_requests);
	printf("\n");
	return CLI_OK;
}

int
cmd_sub_export(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL, *status = NULL;
	const struct cli_opt opts[] = {
		{"list", &list, NULL}, {"status", &status, NULL}, {NULL, NULL, NULL},
	};
	char **pos;
	int npos, rc, st = -1;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (list == NULL)
		return error_set(&cli->err, "--list is required"), CLI_USAGE;
	if (status && strcmp(status, "all") != 0 && (st = sub_status_parse(status)) < 0)
		return error_set(&cli->err, "--status '%s': use unconfirmed, active, unsubscribed, "
		                 "bounced, complained or all", status), CLI_USAGE;
	if (cli_store(cli) == NULL || export_csv(cli->store, list, st, stdout, &cli->err) < 0)
		return CLI_FAIL;
	return CLI_OK;
}
