/*
 * cmd_compose - preview and template check: a coordinator's document,
 * checked against the store and composed exactly as it would be sent.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "campaign.h"
#include "cli.h"
#include "compose.h"
#include "files.h"
#include "frontmatter.h"
#include "hash.h"
#include "maildir.h"

/* cli_load_document - parse path and check it as a campaign; errors name FILE:LINE. */
int
cli_load_document(struct cli *cli, const char *path, struct doc *doc, struct list_info *list)
{
	if (doc_load(path, doc, &cli->err) < 0)
		return -1;
	if (cli_store(cli) == NULL ||
	    campaign_check(cli->store, &cli->cfg, doc, list, &cli->err) < 0) {
		doc_free(doc);
		return -1;
	}
	return 0;
}

/* print_warning - a warning for the coordinator, as FILE:LINE: warning: what. */
static void
print_warning(const char *file, size_t line, const char *what, void *arg)
{
	int *n = arg;

	fprintf(stderr, "%s:%zu: warning: %s\n", file, line, what);
	if (n)
		(*n)++;
}

int
cli_composer(struct cli *cli, const char *path, const struct doc *doc,
             const struct list_info *list, int keep_files, int test, int *warnings,
             struct compose_campaign **c)
{
	char hash[HASH_HEX_LEN + 1], *dir;
	const char *slash = strrchr(path, '/');
	struct files fl;
	struct compose_files cf = {files_load, &fl};
	struct campaign_extra x = {NULL, &cf, print_warning, warnings, test};
	int rc;

	/* The document's files are beside it; on sending, kept by its SHA-256. */
	hash_sha256_hex(doc->text, strlen(doc->text), hash);
	dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
	fl = (struct files){cli->store, dir, hash, keep_files};
	rc = campaign_composer(&cli->cfg, doc, list, 0, NULL, &x, c, &cli->err);
	free(dir);
	return rc;
}

struct deliver_state {
	struct cli *cli;
	struct compose_campaign *c;
	const char *outbox;
	struct buf msg, from;
	long count;
	int failed;
};

static int
deliver_one(const struct recipient_row *r, void *arg)
{
	struct deliver_state *ds = arg;
	struct compose_recipient rcpt = {r->subscriber_id, 0, r->email, r->name};

	if (compose_message(ds->c, &rcpt, &ds->msg, &ds->from, &ds->cli->err) < 0 ||
	    compose_sign(ds->c, &ds->msg, &ds->cli->err) < 0 ||
	    maildir_deliver(ds->outbox, buf_cstr(&ds->from), ds->msg.data, ds->msg.len, NULL,
	                    &ds->cli->err) < 0) {
		ds->failed = 1;
		return 1;
	}
	ds->count++;
	return 0;
}

int
cmd_preview(struct cli *cli, int argc, char **argv)
{
	const char *to = NULL, *format = "eml";
	int deliver = 0;
	const struct cli_opt opts[] = {
		{"to", &to, NULL}, {"format", &format, NULL}, {"outbox", NULL, &deliver},
		{NULL, NULL, NULL},
	};
	struct compose_recipient rcpt = {0, 0, "subscriber@example.org", "Sample Subscriber"};
	struct subscriber_info sub = {0};
	struct list_info list = {0};
	struct compose_campaign *c = NULL;
	struct doc doc = {0};
	struct buf a, b;
	char *email = NULL, *outbox = NULL, **pos;
	const char *why;
	int npos, rc, member = 0;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (strcmp(format, "eml") != 0 && strcmp(format, "html") != 0 &&
	    strcmp(format, "text") != 0)
		return error_set(&cli->err, "--format '%s': use eml, html or text", format),
		       CLI_USAGE;
	if (cli_load_document(cli, pos[0], &doc, &list) < 0)
		return CLI_FAIL;
	buf_init(&a, COMPOSE_MAX_MESSAGE);
	buf_init(&b, COMPOSE_MAX_MESSAGE);
	rc = CLI_FAIL;
	if (to) {
		if (addr_normalize(to, &email, &why) < 0) {
			error_set(&cli->err, "--to '%s': %s", to, why);
			goto out;
		}
		if (store_subscriber_get(cli->store, email, &sub, &cli->err) == 0) {
			rcpt.subscriber_id = sub.id;
			rcpt.email = sub.email;
			rcpt.name = sub.name;
			for (size_t i = 0; i < sub.n_memberships; i++)
				member |= strcmp(sub.memberships[i].list_slug, list.slug) == 0;
		} else if (error_kind(&cli->err) == ERR_NOTFOUND) {
			error_clear(&cli->err);
			rcpt.email = email;
			rcpt.name = NULL;
		} else
			goto out;
		if (!member)
			fprintf(stderr, "note: %s is not on %s: this is the message it would get if it "
			        "were (its links lead nowhere)\n", email, list.slug);
	}
	if (cli_composer(cli, pos[0], &doc, &list, 0, 0, NULL, &c) < 0)
		goto out;
	if (deliver) {
		struct deliver_state ds = {cli, c, NULL, {0}, {0}, 0, 0};

		/* Into the outbox of a maildir: transport, else a Maildir of previews beside the db. */
		if (strncmp(cli->cfg.transport_url, "maildir:", 8) == 0)
			outbox = xstrdup(cli->cfg.transport_url + 8);
		else {
			const char *slash = strrchr(cli->cfg.db_path, '/');

			outbox = slash ? xasprintf("%.*s/preview", (int)(slash - cli->cfg.db_path),
			                           cli->cfg.db_path) : xstrdup("preview");
		}
		ds.outbox = outbox;
		buf_init(&ds.msg, COMPOSE_MAX_MESSAGE);
		buf_init(&ds.from, 1024);
		if (maildir_create(ds.outbox, &cli->err) == 0 &&
		    store_recipients_each(cli->store, list.id, doc.topic.value,
		                          doc.kind == DOC_NOTICE ? NULL : "immediate", deliver_one,
		                          &ds, &cli->err) == 0 && !ds.failed) {
			printf("composed %ld messages into %s/new\n", ds.count, ds.outbox);
			rc = CLI_OK;
		}
		buf_free(&ds.msg);
		buf_free(&ds.from);
		goto out;
	}
	if (strcmp(format, "eml") == 0) {
		if (compose_message(c, &rcpt, &a, &b, &cli->err) < 0 ||
		    compose_sign(c, &a, &cli->err) < 0)
			goto out;
		fwrite(a.data, 1, a.len, stdout);
	} else {
		if (compose_parts(c, &rcpt, &a, &b, &cli->err) < 0)
			goto out;
		if (strcmp(format, "html") == 0)
			fwrite(a.data, 1, a.len, stdout);
		else
			fwrite(b.data, 1, b.len, stdout);
	}
	rc = CLI_OK;
out:
	compose_free(c);
	buf_free(&a);
	buf_free(&b);
	subscriber_info_free(&sub);
	list_info_free(&list);
	doc_free(&doc);
	free(email);
	free(outbox);
	return rc;
}

int
cmd_template_check(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_check_slug(cli, "template", pos[0]) < 0)
		return CLI_FAIL;
	if (config_templates_error(&cli->cfg, &cli->err) < 0 ||
	    compose_template_check(cli->cfg.templates_dir, pos[0], &cli->err) < 0)
		return CLI_FAIL;
	printf("%s/%s.html and %s.txt are valid\n", cli->cfg.templates_dir, pos[0], pos[0]);
	return CLI_OK;
}
