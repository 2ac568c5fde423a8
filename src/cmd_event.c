/*
 * cmd_event - event add|ls|show|update|cancel|import, opportunity
 * add|ls|show|close|import, notice and digest.  The checks are the events module's; a notice,
 * update or cancellation to people is queued by the notice module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "digest.h"
#include "events.h"
#include "fsutil.h"
#include "ical.h"
#include "notice.h"

enum { DESCRIPTION_FILE_MAX = 64 << 10 };

/* description_of - the text of --description-file (NULL when not given). */
static int
description_of(struct cli *cli, const char *file, char **out)
{
	*out = NULL;
	if (file == NULL)
		return 0;
	if (read_file(file, DESCRIPTION_FILE_MAX, out, NULL, &cli->err) < 0)
		return error_prefix(&cli->err, "--description-file");
	return 0;
}

static void
print_when(const struct config *cfg, int64_t t, const char *tz)
{
	struct buf b;

	(void)cfg;
	buf_init(&b, 256);
	if (ical_format_local(t, tz, &b) < 0)
		buf_addf(&b, "%lld", (long long)t);
	fputs(buf_cstr(&b), stdout);
	buf_free(&b);
}

int
cmd_event_add(struct cli *cli, int argc, char **argv)
{
	struct event_fields f = {0};
	const char *dfile = NULL;
	const struct cli_opt opts[] = {
		{"list", &f.list, NULL}, {"kind", &f.kind, NULL}, {"title", &f.title, NULL},
		{"starts", &f.starts, NULL}, {"ends", &f.ends, NULL}, {"tz", &f.tz, NULL},
		{"location", &f.location, NULL}, {"url", &f.url, NULL}, {"topic", &f.topic, NULL},
		{"description-file", &dfile, NULL}, {NULL, NULL, NULL},
	};
	struct event_info e;
	char *desc = NULL, **pos;
	int npos, rc;
	int64_t id;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	f.slug = pos[0];
	if (description_of(cli, dfile, &desc) < 0 || cli_store(cli) == NULL)
		return free(desc), CLI_FAIL;
	f.description = desc;
	rc = CLI_FAIL;
	if (event_build(cli->store, &cli->cfg, &f, &e, &cli->err) == 0) {
		if (store_event_add(cli->store, &e, &id, &cli->err) == 0) {
			printf("added event %s on %s: ", e.slug, e.list_slug);
			print_when(&cli->cfg, e.starts, e.tz);
			printf("\n");
			rc = CLI_OK;
		}
		event_info_free(&e);
	}
	free(desc);
	return rc;
}

static int
print_event_row(const struct event_info *e, void *arg)
{
	struct cli *cli = arg;
	struct buf b;

	buf_init(&b, 256);
	ical_format_iso_local(e->starts, e->tz, &b);
	printf("%-24s %-12s %-9s %-10s %s %s  %s\n", e->slug, e->list_slug, e->kind, e->status,
	       buf_cstr(&b), e->tz, e->title);
	buf_free(&b);
	(void)cli;
	return 0;
}

int
cmd_event_ls(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL;
	int upcoming = 0;
	const struct cli_opt opts[] = {
		{"list", &list, NULL}, {"upcoming", NULL, &upcoming}, {NULL, NULL, NULL},
	};
	struct list_info l = {0};
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    (list && store_list_brief(cli->store, 0, list, &l, &cli->err) < 0))
		return CLI_FAIL;
	printf("%-24s %-12s %-9s %-10s %-16s %s\n", "SLUG", "LIST", "KIND", "STATUS", "STARTS",
	       "TITLE");
	rc = store_event_each(cli->store, l.id, upcoming ? now_unix() : 0, 0, print_event_row, cli,
	                      &cli->err) < 0 ? CLI_FAIL : CLI_OK;
	list_info_free(&l);
	return rc;
}

int
cmd_event_show(struct cli *cli, int argc, char **argv)
{
	struct event_info e;
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL || store_event_get(cli->store, 0, pos[0], &e, &cli->err) < 0)
		return CLI_FAIL;
	printf("event:       %s\nlist:        %s\nkind:        %s\ntitle:       %s\nstarts:      ",
	       e.slug, e.list_slug, e.kind, e.title);
	print_when(&cli->cfg, e.starts, e.tz);
	printf("\nends:        ");
	print_when(&cli->cfg, e.ends, e.tz);
	printf("\ntime zone:   %s\nlocation:    %s\nurl:         %s\ntopic:       %s\n", e.tz,
	       e.location ? e.location : "(none)", e.url ? e.url : "(none)",
	       e.topic ? e.topic : "all");
	printf("status:      %s\nuid:         %s\nsequence:    %d\n", e.status, e.uid, e.sequence);
	if (e.description)
		printf("\n%s\n", e.description);
	event_info_free(&e);
	return CLI_OK;
}

int
cmd_event_update(struct cli *cli, int argc, char **argv)
{
	struct event_fields f = {0};
	const char *dfile = NULL;
	const struct cli_opt opts[] = {
		{"list", &f.list, NULL}, {"kind", &f.kind, NULL}, {"title", &f.title, NULL},
		{"starts", &f.starts, NULL}, {"ends", &f.ends, NULL}, {"tz", &f.tz, NULL},
		{"location", &f.location, NULL}, {"url", &f.url, NULL}, {"topic", &f.topic, NULL},
		{"description-file", &dfile, NULL}, {NULL, NULL, NULL},
	};
	char *desc = NULL, **pos, *summary = NULL;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (description_of(cli, dfile, &desc) < 0 || cli_store(cli) == NULL)
		return free(desc), CLI_FAIL;
	f.description = desc;
	rc = notice_update(cli->store, &cli->cfg, pos[0], &f, &summary, &cli->err) < 0 ? CLI_FAIL
	                                                                              : CLI_OK;
	if (rc == CLI_OK)
		printf("%s\n", summary);
	free(summary);
	free(desc);
	return rc;
}

int
cmd_event_cancel(struct cli *cli, int argc, char **argv)
{
	char **pos, *summary = NULL;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    notice_cancel(cli->store, &cli->cfg, pos[0], &summary, &cli->err) < 0)
		return CLI_FAIL;
	printf("%s\n", summary);
	free(summary);
	return CLI_OK;
}

static void
print_reject(unsigned long line, const char *reason, void *arg)
{
	fprintf(stderr, "%s:%lu: %s\n", (const char *)arg, line, reason);
}

static int
import(struct cli *cli, int argc, char **argv, int what)
{
	char **pos;
	int npos, rc;
	long imported, rejected;
	FILE *in;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL)
		return CLI_FAIL;
	in = strcmp(pos[0], "-") == 0 ? stdin : fopen(pos[0], "r");
	if (in == NULL)
		return error_set(&cli->err, "%s: %s", pos[0], strerror(errno)), CLI_FAIL;
	rc = events_import(cli->store, &cli->cfg, what, in, pos[0], print_reject, pos[0],
	                   &imported, &rejected, &cli->err);
	if (in != stdin)
		fclose(in);
	if (rc < 0)
		return CLI_FAIL;
	printf("imported %ld, rejected %ld\n", imported, rejected);
	return CLI_OK;
}

int
cmd_event_import(struct cli *cli, int argc, char **argv)
{
	return import(cli, argc, argv, EVENTS_EVENTS);
}

int
cmd_opportunity_import(struct cli *cli, int argc, char **argv)
{
	return import(cli, argc, argv, EVENTS_OPPORTUNITIES);
}

int
cmd_opportunity_add(struct cli *cli, int argc, char **argv)
{
	struct opportunity_fields f = {0};
	const char *dfile = NULL;
	const struct cli_opt opts[] = {
		{"list", &f.list, NULL}, {"kind", &f.kind, NULL}, {"title", &f.title, NULL},
		{"org", &f.org, NULL}, {"deadline", &f.deadline, NULL}, {"url", &f.url, NULL},
		{"location", &f.location, NULL}, {"description-file", &dfile, NULL},
		{NULL, NULL, NULL},
	};
	struct opportunity_info o;
	char *desc = NULL, **pos;
	int npos, rc;
	int64_t id;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	f.slug = pos[0];
	if (description_of(cli, dfile, &desc) < 0 || cli_store(cli) == NULL)
		return free(desc), CLI_FAIL;
	f.description = desc;
	rc = CLI_FAIL;
	if (opportunity_build(cli->store, &cli->cfg, &f, &o, &cli->err) == 0) {
		if (store_opportunity_add(cli->store, &o, &id, &cli->err) == 0) {
			printf("added opportunity %s on %s\n", o.slug, o.list_slug);
			rc = CLI_OK;
		}
		opportunity_info_free(&o);
	}
	free(desc);
	return rc;
}

/* deadline_text - a deadline as the date it is in its list's time zone ("-" if none). */
static char *
deadline_text(struct cli *cli, const struct opportunity_info *o)
{
	struct list_info l = {0};
	struct error e = ERROR_INIT;
	struct buf b;

	if (o->deadline == 0)
		return xstrdup("-");
	buf_init(&b, 64);
	if (store_list_brief(cli->store, o->list_id, NULL, &l, &e) == 0 &&
	    ical_format_iso_local(o->deadline, list_timezone(&cli->cfg, &l), &b) == 0)
		buf_truncate(&b, 10);
	else
		buf_addf(&b, "%lld", (long long)o->deadline);
	error_clear(&e);
	list_info_free(&l);
	return buf_steal(&b);
}

static int
print_opportunity_row(const struct opportunity_info *o, void *arg)
{
	char *when = deadline_text(arg, o);

	printf("%-24s %-12s %-12s %-7s %-10s %s (%s)\n", o->slug, o->list_slug, o->kind, o->status,
	       when, o->title, o->org);
	free(when);
	return 0;
}

int
cmd_opportunity_ls(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL;
	int open = 0;
	const struct cli_opt opts[] = {
		{"list", &list, NULL}, {"open", NULL, &open}, {NULL, NULL, NULL},
	};
	struct list_info l = {0};
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    (list && store_list_brief(cli->store, 0, list, &l, &cli->err) < 0))
		return CLI_FAIL;
	printf("%-24s %-12s %-12s %-7s %-10s %s\n", "SLUG", "LIST", "KIND", "STATUS", "DEADLINE",
	       "TITLE");
	rc = store_opportunity_each(cli->store, l.id, open ? now_unix() : 0, 0,
	                            print_opportunity_row, cli, &cli->err) < 0 ? CLI_FAIL : CLI_OK;
	list_info_free(&l);
	return rc;
}

int
cmd_opportunity_show(struct cli *cli, int argc, char **argv)
{
	struct opportunity_info o;
	char **pos, *when;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    store_opportunity_get(cli->store, pos[0], &o, &cli->err) < 0)
		return CLI_FAIL;
	when = deadline_text(cli, &o);
	printf("opportunity: %s\nlist:        %s\nkind:        %s\ntitle:       %s\n"
	       "org:         %s\ndeadline:    %s\nurl:         %s\nlocation:    %s\n"
	       "status:      %s\n", o.slug, o.list_slug, o.kind, o.title, o.org, when,
	       o.url ? o.url : "(none)", o.location ? o.location : "(none)", o.status);
	if (o.description)
		printf("\n%s\n", o.description);
	free(when);
	opportunity_info_free(&o);
	return CLI_OK;
}

int
cmd_opportunity_close(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    store_opportunity_close(cli->store, pos[0], &cli->err) < 0)
		return CLI_FAIL;
	printf("closed opportunity %s\n", pos[0]);
	return CLI_OK;
}

int
cmd_notice(struct cli *cli, int argc, char **argv)
{
	const char *template_name = NULL, *send_at = NULL, *remind = NULL;
	const struct cli_opt opts[] = {
		{"template", &template_name, NULL}, {"send-at", &send_at, NULL},
		{"remind", &remind, NULL}, {NULL, NULL, NULL},
	};
	char **pos, *summary = NULL;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL ||
	    notice_queue(cli->store, &cli->cfg, pos[0], template_name, send_at, remind, &summary,
	                 &cli->err) < 0)
		return CLI_FAIL;
	printf("%s\n", summary);
	free(summary);
	return CLI_OK;
}

int
cmd_digest(struct cli *cli, int argc, char **argv)
{
	const char *list = NULL, *period = NULL;
	int send_empty = 0, queued;
	const struct cli_opt opts[] = {
		{"list", &list, NULL}, {"period", &period, NULL}, {"send-empty", NULL, &send_empty},
		{NULL, NULL, NULL},
	};
	char **pos, *summary = NULL;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (list == NULL || period == NULL)
		return error_set(&cli->err, "--list and --period are required"), CLI_USAGE;
	if (cli_store(cli) == NULL ||
	    digest_run(cli->store, &cli->cfg, list, period, send_empty, &queued, &summary,
	               &cli->err) < 0)
		return CLI_FAIL;
	printf("%s\n", summary);
	free(summary);
	return CLI_OK;
}
