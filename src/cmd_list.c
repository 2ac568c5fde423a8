/*
 * cmd_list - list add, set, ls, show, rm.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "cli.h"
#include "compose.h"
#include "dkim.h"
#include "events.h"
#include "files.h"
#include "ical.h"

/*
 * check_identity - a list's sending domain, brand colours and DKIM key, as
 * given to list add or set (an empty value clears one on set).
 */
static int
check_identity(struct cli *cli, const char *domain, const char *color, const char *accent,
               const char *selector, const char *key_file)
{
	struct error e = ERROR_INIT;
	const char *what = NULL;

	if (domain && *domain && config_check_domain(domain, &e) < 0)
		what = "--domain";
	else if (color && *color && config_check_color(color, &e) < 0)
		what = "--color";
	else if (accent && *accent && config_check_color(accent, &e) < 0)
		what = "--accent";
	else if (selector && *selector && dkim_check_selector(selector, &e) < 0)
		what = "--dkim-selector";
	else if (key_file && *key_file && dkim_check_key_file(key_file, &e) < 0)
		what = "--dkim-key-file";
	if (what == NULL)
		return 0;
	error_setk(&cli->err, ERR_INPUT, "%s: %s", what, error_msg(&e));
	error_clear(&e);
	return -1;
}

int
cmd_list_add(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *from = NULL, *reply_to = NULL, *description = NULL, *why;
	const char *address = NULL, *logo = NULL, *domain = NULL, *color = NULL, *accent = NULL;
	int allow_html = 0, private = 0;
	const struct cli_opt opts[] = {
		{"name", &name, NULL}, {"from", &from, NULL}, {"reply-to", &reply_to, NULL},
		{"description", &description, NULL}, {"allow-html", NULL, &allow_html},
		{"private", NULL, &private}, {"address", &address, NULL}, {"logo", &logo, NULL},
		{"domain", &domain, NULL}, {"color", &color, NULL}, {"accent", &accent, NULL},
		{NULL, NULL, NULL},
	};
	struct list_info l = {0};
	char *from_name = NULL, *from_addr = NULL, *reply = NULL, *logo_hash = NULL, **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (name == NULL || from == NULL)
		return error_set(&cli->err, "--name and --from are required"), CLI_USAGE;
	if (cli_check_slug(cli, "list", pos[0]) < 0 || cli_check_text(cli, "--name", name) < 0 ||
	    (description && cli_check_text(cli, "--description", description) < 0) ||
	    (address && cli_check_text(cli, "--address", address) < 0) ||
	    check_identity(cli, domain, color, accent, NULL, NULL) < 0)
		return CLI_FAIL;
	if (addr_parse_mailbox(from, &from_name, &from_addr, &why) < 0) {
		error_set(&cli->err, "--from '%s': %s", from, why);
		return CLI_FAIL;
	}
	rc = CLI_FAIL;
	if (reply_to && addr_normalize(reply_to, &reply, &why) < 0) {
		error_set(&cli->err, "--reply-to '%s': %s", reply_to, why);
		goto out;
	}
	l.slug = pos[0];
	l.name = (char *)name;
	l.from = (char *)from;
	l.reply_to = reply;
	l.description = (char *)description;
	l.allow_html = allow_html;
	l.is_public = !private;
	l.address = (char *)address;
	l.domain = domain && *domain ? (char *)domain : NULL;
	l.color = color && *color ? (char *)color : NULL;
	l.accent = accent && *accent ? (char *)accent : NULL;
	if (cli_store(cli) == NULL ||
	    (logo && files_keep_path(cli->store, logo, COMPOSE_IMAGE_MAX, &logo_hash, &cli->err) < 0))
		goto out;
	l.logo = logo_hash;
	if (store_list_add(cli->store, &l, &cli->err) == 0) {
		printf("created list %s\n", pos[0]);
		rc = CLI_OK;
	}
out:
	free(from_name);
	free(from_addr);
	free(reply);
	free(logo_hash);
	return rc;
}

int
cmd_list_set(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *from = NULL, *reply_to = NULL, *description = NULL;
	const char *timezone = NULL, *organizer = NULL, *address = NULL, *logo = NULL, *why;
	const char *domain = NULL, *color = NULL, *accent = NULL, *selector = NULL, *key = NULL;
	const struct cli_opt opts[] = {
		{"name", &name, NULL}, {"from", &from, NULL}, {"reply-to", &reply_to, NULL},
		{"description", &description, NULL}, {"timezone", &timezone, NULL},
		{"organizer", &organizer, NULL}, {"address", &address, NULL}, {"logo", &logo, NULL},
		{"domain", &domain, NULL}, {"color", &color, NULL}, {"accent", &accent, NULL},
		{"dkim-selector", &selector, NULL}, {"dkim-key-file", &key, NULL},
		{NULL, NULL, NULL},
	};
	struct list_info l = {0};
	char *a = NULL, *b = NULL, *reply = NULL, *logo_hash = NULL, **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (!name && !from && !reply_to && !description && !timezone && !organizer && !address &&
	    !logo && !domain && !color && !accent && !selector && !key)
		return error_set(&cli->err, "nothing to set: give --name, --from, --reply-to, "
		                 "--description, --timezone, --organizer, --address, --logo, "
		                 "--domain, --color, --accent, --dkim-selector or --dkim-key-file"),
		       CLI_USAGE;
	if ((name && cli_check_text(cli, "--name", name) < 0) ||
	    (description && cli_check_text(cli, "--description", description) < 0) ||
	    (address && cli_check_text(cli, "--address", address) < 0) ||
	    check_identity(cli, domain, color, accent, selector, key) < 0)
		return CLI_FAIL;
	rc = CLI_FAIL;
	if (from && addr_parse_mailbox(from, &a, &b, &why) < 0) {
		error_set(&cli->err, "--from '%s': %s", from, why);
		goto out;
	}
	free(a);
	free(b);
	a = b = NULL;
	/* An organiser is a mailbox like the From: invites name it in ORGANIZER. */
	if (organizer && *organizer && addr_parse_mailbox(organizer, &a, &b, &why) < 0) {
		error_set(&cli->err, "--organizer '%s': %s", organizer, why);
		goto out;
	}
	if (reply_to && *reply_to && addr_normalize(reply_to, &reply, &why) < 0) {
		error_set(&cli->err, "--reply-to '%s': %s", reply_to, why);
		goto out;
	}
	if (timezone && *timezone && !ical_zone_valid(timezone)) {
		error_setk(&cli->err, ERR_INPUT, "--timezone: unknown time zone '%s' (use a name "
		           "such as America/New_York or UTC)", timezone);
		goto out;
	}
	l.name = (char *)name;
	l.from = (char *)from;
	l.reply_to = reply ? reply : (char *)reply_to;
	l.description = (char *)description;
	l.timezone = (char *)timezone;
	l.organizer = (char *)organizer;
	l.address = (char *)address;
	l.domain = (char *)domain;
	l.color = (char *)color;
	l.accent = (char *)accent;
	l.dkim_selector = (char *)selector;
	l.dkim_key_file = (char *)key;
	if (cli_store(cli) == NULL ||
	    (logo && *logo && files_keep_path(cli->store, logo, COMPOSE_IMAGE_MAX, &logo_hash,
	                                      &cli->err) < 0))
		goto out;
	l.logo = logo_hash ? logo_hash : (char *)logo;
	if (store_list_set(cli->store, pos[0], &l, &cli->err) == 0) {
		printf("updated list %s\n", pos[0]);
		rc = CLI_OK;
	}
	if (rc == CLI_OK && organizer && b && addr_no_reply(b))
		fprintf(stderr, "warning: the organizer %s looks like an address nobody reads; "
		        "calendar replies (accept, decline) go to it\n", b);
out:
	free(a);
	free(b);
	free(reply);
	free(logo_hash);
	return rc;
}

static int
print_list_row(const struct list_info *l, void *arg)
{
	(void)arg;
	printf("%-20s %8lld %8lld  %s\n", l->slug, (long long)l->n_active, (long long)l->n_total,
	       l->name);
	return 0;
}

int
cmd_list_ls(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL)
		return CLI_FAIL;
	printf("%-20s %8s %8s  %s\n", "SLUG", "ACTIVE", "MEMBERS", "NAME");
	return store_list_each(cli->store, print_list_row, NULL, &cli->err) < 0 ? CLI_FAIL : CLI_OK;
}

int
cmd_list_show(struct cli *cli, int argc, char **argv)
{
	struct list_info l = {0};
	char when[32], **pos, *fn = NULL, *fa = NULL;
	const char *why;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL || store_list_get(cli->store, pos[0], &l, &cli->err) < 0)
		return CLI_FAIL;
	cli_format_time(l.created_at, when, sizeof(when));
	printf("slug:        %s\nname:        %s\nfrom:        %s\n", l.slug, l.name, l.from);
	printf("reply-to:    %s\n", l.reply_to ? l.reply_to : "(none)");
	printf("description: %s\n", l.description ? l.description : "(none)");
	printf("time zone:   %s%s\n", list_timezone(&cli->cfg, &l), l.timezone ? "" :
	       " ([digest] timezone)");
	printf("organizer:   %s\n", l.organizer ? l.organizer : "(its From)");
	printf("address:     %s\n", l.address ? l.address : "(none: set one, the law asks for it)");
	printf("logo:        %s\n", l.logo ? "yes" : "(none)");
	if (l.domain == NULL && addr_parse_mailbox(l.from, &fn, &fa, &why) == 0)
		printf("domain:      %s (its From's)\n", addr_domain(fa));
	else
		printf("domain:      %s\n", l.domain ? l.domain : "?");
	printf("colours:     %s %s%s\n", l.color ? l.color : cli->cfg.brand_color,
	       l.accent ? l.accent : cli->cfg.brand_accent, l.color || l.accent ? "" : " ([brand])");
	if (l.dkim_key_file)
		printf("dkim:        selector %s, key %s\n", l.dkim_selector ? l.dkim_selector : "?",
		       l.dkim_key_file);
	free(fn);
	free(fa);
	printf("raw html:    %s\n", l.allow_html ? "allowed" : "escaped");
	if (l.is_public)
		printf("sign-up:     %s/s/%s\n", cli->cfg.web_base_url, l.slug);
	else
		printf("sign-up:     none (private list)\n");
	printf("created:     %s\nmembers:     %lld (%lld active)\n", when, (long long)l.n_total,
	       (long long)l.n_active);
	list_info_free(&l);
	return CLI_OK;
}

int
cmd_list_rm(struct cli *cli, int argc, char **argv)
{
	int force = 0;
	const struct cli_opt opts[] = {{"force", NULL, &force}, {NULL, NULL, NULL}};
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL || store_list_remove(cli->store, pos[0], force, &cli->err) < 0)
		return CLI_FAIL;
	printf("removed list %s\n", pos[0]);
	return CLI_OK;
}
