/*
 * cmd_queue - send, status, campaign ls|show|pause|resume|cancel, run, daemon.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "campaign.h"
#include "cli.h"
#include "compose.h"
#include "daemon.h"
#include "deliver.h"
#include "frontmatter.h"
#include "fsutil.h"
#include "hash.h"
#include "ical.h"
#include "log.h"
#include "spool.h"
#include "transport.h"
#include "web.h"

enum { SEND_INGEST_WAIT_MS = 15000 };

/* warn_links - say loudly when the links in real mail would not work. */
static void
warn_links(const struct config *cfg)
{
	const char *why = web_base_url_warning(cfg);

	if (why)
		log_warn("web", "WARNING: %s", why);
}

static int
parse_id(struct cli *cli, const char *s, int64_t *id)
{
	long long v;
	const char *why;

	if (parse_int(s, 1, INT64_MAX, &v, &why) < 0)
		return error_set(&cli->err, "campaign id '%s' is %s", s, why);
	*id = v;
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* test_done - one test copy's outcome, said. */
static void
test_done(const struct transport_result *r, void *arg)
{
	int *failed = arg;

	if (r->outcome == TRANSPORT_SENT)
		printf("test copy to %s: %s\n", (const char *)r->ctx, r->reply);
	else {
		fprintf(stderr, "test copy to %s: not accepted: %s\n", (const char *)r->ctx, r->reply);
		(*failed)++;
	}
	free(r->ctx);
}

/* wait_done - follow a campaign until nothing is left to do; a bar on a terminal. */
static int
wait_done(struct cli *cli, int64_t id)
{
	int tty = isatty(STDOUT_FILENO);
	int64_t last_print = 0;

	for (;;) {
		struct campaign_info c;
		int64_t pending, done, total;
		int finished;

		if (store_campaign_get(cli->store, id, &c, &cli->err) < 0)
			return -1;
		pending = c.counts[DELIVERY_QUEUED] + c.counts[DELIVERY_SENDING] +
		          c.counts[DELIVERY_DEFERRED];
		total = c.n_deliveries;
		done = total - pending;
		finished = c.status == CAMPAIGN_SENT || c.status == CAMPAIGN_CANCELLED ||
		           c.status == CAMPAIGN_PAUSED;
		if (tty) {
			int width = 30, fill = total ? (int)(done * width / total) : 0;

			printf("\r[%.*s%*s] %lld/%lld sent %lld, deferred %lld, failed %lld, "
			       "bounced %lld ", fill, "##############################", width - fill, "",
			       (long long)done, (long long)total, (long long)c.counts[DELIVERY_SENT],
			       (long long)c.counts[DELIVERY_DEFERRED],
			       (long long)c.counts[DELIVERY_FAILED],
			       (long long)c.counts[DELIVERY_BOUNCED]);
			fflush(stdout);
		} else if (finished || now_mono_ms() - last_print >= 2000) {
			last_print = now_mono_ms();
			printf("campaign %lld: %s, %lld/%lld done: sent %lld, deferred %lld, failed %lld, "
			       "bounced %lld\n", (long long)id, campaign_status_name(c.status),
			       (long long)done, (long long)total, (long long)c.counts[DELIVERY_SENT],
			       (long long)c.counts[DELIVERY_DEFERRED],
			       (long long)c.counts[DELIVERY_FAILED],
			       (long long)c.counts[DELIVERY_BOUNCED]);
			fflush(stdout);
		}
		if (finished) {
			if (tty)
				printf("\n");
			if (c.status != CAMPAIGN_SENT)
				printf("campaign %lld is %s: %s\n", (long long)id,
				       campaign_status_name(c.status),
				       c.status_reason ? c.status_reason : "");
			campaign_info_free(&c);
			return 0;
		}
		campaign_info_free(&c);
		sleep_ms(300);
	}
}

/* ingest_now - with no daemon, make the spool file a campaign here (under the daemon's lock). */
static int
ingest_now(struct cli *cli, const char *name, int64_t *id)
{
	struct deliver *d = NULL;
	int lockfd = -1, rc = -1;
	long n;

	*id = 0;
	if (daemon_lock(cli->cfg.db_path, &lockfd, &cli->err) < 0) {
		/* A daemon started meanwhile: it takes the file. */
		error_clear(&cli->err);
		return 0;
	}
	if (deliver_open(&cli->cfg, &d, &cli->err) == 0 && deliver_ingest(d, &n, &cli->err) == 0)
		rc = 0;
	deliver_close(d);
	close(lockfd);
	if (rc == 0 && store_campaign_by_spool(cli->store, name, id, &cli->err) < 0) {
		error_clear(&cli->err);
		*id = 0;
	}
	return rc;
}

/*
 * send_test - a clearly marked copy ("[TEST]" subject, links that belong to
 * nobody) to each of addrs, through the real transport, with no campaign.
 */
static int
send_test(struct cli *cli, struct compose_campaign *c, const char *addrs)
{
	struct transport *t = NULL;
	struct buf msg, from;
	char *list = xstrdup(addrs), *save = NULL;
	int rc = CLI_FAIL, pending = 0, failed = 0;

	buf_init(&msg, COMPOSE_MAX_MESSAGE);
	buf_init(&from, 1024);
	if (transport_open(&cli->cfg, &t, &cli->err) < 0)
		goto out;
	for (char *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		struct compose_recipient r = {0, 0, NULL, NULL};
		const char *why;
		char *email = NULL;

		if (addr_accept(str_trim(a), cli->cfg.allow_dotless, &email, &why) < 0) {
			error_set(&cli->err, "--test '%s': %s", a, why);
			goto out;
		}
		r.email = email;
		if (compose_message(c, &r, &msg, &from, &cli->err) < 0 ||
		    compose_sign(c, &msg, &cli->err) < 0 ||
		    transport_submit(t, email, buf_cstr(&from), email, buf_steal(&msg), msg.len,
		                     &cli->err) < 0) {
			free(email);
			goto out;
		}
		pending++;
		/* One at a time: a test goes to a handful of people, and each outcome is said. */
		transport_release(t);
		while (pending > 0)
			if (transport_poll(t, 200, -1, test_done, &failed, &cli->err) < 0)
				goto out;
			else
				pending = transport_in_flight(t);
	}
	rc = failed ? CLI_FAIL : CLI_OK;
	if (failed)
		error_set(&cli->err, "%d test cop%s not accepted (see above)", failed,
		          failed == 1 ? "y was" : "ies were");
out:
	transport_close(t);
	buf_free(&msg);
	buf_free(&from);
	free(list);
	return rc;
}

int
cmd_send(struct cli *cli, int argc, char **argv)
{
	int wait = 0, warnings = 0;
	const char *test = NULL;
	const struct cli_opt opts[] = {
		{"wait", NULL, &wait}, {"test", &test, NULL}, {NULL, NULL, NULL},
	};
	struct list_info list = {0};
	struct compose_campaign *c = NULL;
	struct doc doc = {0};
	char *name = NULL, **pos, hash[HASH_HEX_LEN + 1];
	int npos, rc, daemon_up;
	int64_t id = 0, at, deadline;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_load_document(cli, pos[0], &doc, &list) < 0)
		return CLI_FAIL;
	rc = CLI_FAIL;
	/* A notice for what has begun would be dropped by the runner: refuse it now. */
	if (doc.has_event && doc.event.starts_utc <= now_unix()) {
		struct buf when;

		buf_init(&when, 256);
		if (ical_format_local(doc.event.starts_utc, doc.event.tz.value, &when) < 0)
			buf_adds(&when, "(an unknown time zone)");
		error_setk(&cli->err, ERR_INPUT, "%s:%d: event.starts: the event started on %s; a "
		           "notice for it is not sent", doc.path, doc.event.starts.line,
		           buf_cstr(&when));
		buf_free(&when);
		goto out;
	}
	/* Composed once here, so every error and warning is the coordinator's to see now. */
	if (cli_composer(cli, pos[0], &doc, &list, test == NULL, test != NULL, &warnings, &c) < 0)
		goto out;
	if (doc.has_event) {
		char *on = NULL, *oa = NULL;
		const char *why;

		if (addr_parse_mailbox(list.organizer ? list.organizer : list.from, &on, &oa,
		                       &why) == 0 && addr_no_reply(oa))
			fprintf(stderr, "%s: warning: the invite's organizer %s looks like an address "
			        "nobody reads; calendar replies go to it (outreach list set %s "
			        "--organizer \"Name <addr>\")\n", doc.path, oa, list.slug);
		free(on);
		free(oa);
	}
	if (test) {
		rc = send_test(cli, c, test);
		goto out;
	}
	warn_links(&cli->cfg);
	hash_sha256_hex(doc.text, strlen(doc.text), hash);
	if (store_campaign_by_content(cli->store, hash, now_unix() - SPOOL_DEDUP_WINDOW, &id, &at,
	                              &cli->err) == 0) {
		char when[32];

		cli_format_time(at, when, sizeof(when));
		error_setk(&cli->err, ERR_CONFLICT, "%s: the same text became campaign %lld at %s; "
		           "change it to send it again", pos[0], (long long)id, when);
		goto out;
	}
	if (error_kind(&cli->err) != ERR_NOTFOUND)
		goto out;
	error_clear(&cli->err);
	if (spool_init(cli->cfg.spool_dir, &cli->err) < 0 ||
	    spool_submit(cli->cfg.spool_dir, doc.text, strlen(doc.text), &name, &cli->err) < 0)
		goto out;
	daemon_up = daemon_lock_holder(cli->cfg.db_path) > 0;
	if (!daemon_up) {
		if (ingest_now(cli, name, &id) < 0)
			goto out;
		if (id == 0) {
			printf("queued %s\n", name);
			rc = CLI_OK;
			goto out;
		}
		if (!wait) {
			printf("campaign %lld (no daemon is running: `outreach run --once` sends it, or "
			       "start `outreach daemon`)\n", (long long)id);
			rc = CLI_OK;
			goto out;
		}
		/* --wait with nobody to wait for: deliver here, as run --once would. */
		printf("campaign %lld; no daemon is running: delivering in the foreground\n",
		       (long long)id);
		fflush(stdout);
		if (daemon_run_once(&cli->cfg, &cli->err) < 0) {
			rc = error_kind(&cli->err) == ERR_TEMP ? CLI_TEMPFAIL : CLI_FAIL;
			goto out;
		}
		rc = wait_done(cli, id) < 0 ? CLI_FAIL : CLI_OK;
		goto out;
	}
	deadline = now_mono_ms() + SEND_INGEST_WAIT_MS;
	for (;;) {
		const char *where = spool_where(cli->cfg.spool_dir, name);

		if (where && strcmp(where, "cur") == 0 &&
		    store_campaign_by_spool(cli->store, name, &id, &cli->err) == 0)
			break;
		if (where && strcmp(where, "failed") == 0) {
			char *path = xasprintf("%s/failed/%s.error", cli->cfg.spool_dir, name), *why;

			if (read_file(path, 1 << 16, &why, NULL, &cli->err) == 0) {
				why[strcspn(why, "\n")] = '\0';
				error_set(&cli->err, "the daemon rejected it: %s", why);
				free(why);
			}
			free(path);
			goto out;
		}
		if (now_mono_ms() > deadline) {
			printf("queued %s (the daemon has not taken it yet)\n", name);
			rc = CLI_OK;
			goto out;
		}
		error_clear(&cli->err);
		sleep_ms(100);
	}
	printf("campaign %lld\n", (long long)id);
	fflush(stdout);
	rc = CLI_OK;
	if (wait && wait_done(cli, id) < 0)
		rc = CLI_FAIL;
out:
	compose_free(c);
	free(name);
	list_info_free(&list);
	doc_free(&doc);
	return rc;
}

static void
print_waiting(const struct campaign_info *c, const char *indent)
{
	char when[32];
	int64_t now = now_unix();

	if (c->last_error)
		printf("%slast error:   %s\n", indent, c->last_error);
	if (c->next_attempt == 0 || c->status != CAMPAIGN_SENDING)
		return;
	cli_format_time(c->next_attempt, when, sizeof(when));
	if (c->next_attempt <= now)
		printf("%snext attempt: now (due since %s)\n", indent, when);
	else
		printf("%snext attempt: %s (in %lld min)\n", indent, when,
		       (long long)((c->next_attempt - now + 59) / 60));
}

static void
print_campaign(const struct campaign_info *c)
{
	char when[32];

	cli_format_time(c->send_at, when, sizeof(when));
	printf("campaign:   %lld\nlist:       %s\nkind:       %s\nsubject:    %s\n",
	       (long long)c->id, c->list_slug, c->kind, c->subject);
	printf("topic:      %s\nstatus:     %s%s%s\nsend at:    %s\n", c->topic ? c->topic : "all",
	       campaign_status_name(c->status), c->status_reason ? " - " : "",
	       c->status_reason ? c->status_reason : "", when);
	printf("recipients: %lld\n", (long long)c->n_deliveries);
	for (int i = 0; i < DELIVERY_NSTATUS; i++)
		printf("  %-10s %lld\n", delivery_status_name(i), (long long)c->counts[i]);
	print_waiting(c, "");
}

static int
print_campaign_row(const struct campaign_info *c, void *arg)
{
	(void)arg;
	printf("%6lld  %-10s %-14s %8lld/%-8lld %s\n", (long long)c->id,
	       campaign_status_name(c->status), c->list_slug, (long long)c->counts[DELIVERY_SENT],
	       (long long)c->n_deliveries, c->subject);
	if (c->status == CAMPAIGN_PAUSED && c->status_reason)
		printf("%8s%s\n", "", c->status_reason);
	if (c->counts[DELIVERY_DEFERRED] > 0)
		print_waiting(c, "        ");
	return 0;
}

int
cmd_campaign_ls(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL)
		return CLI_FAIL;
	printf("%6s  %-10s %-14s %17s %s\n", "ID", "STATUS", "LIST", "SENT/RECIPIENTS", "SUBJECT");
	return store_campaign_each(cli->store, print_campaign_row, NULL, &cli->err) < 0 ? CLI_FAIL
	                                                                           : CLI_OK;
}

int
cmd_campaign_show(struct cli *cli, int argc, char **argv)
{
	struct campaign_info c;
	char **pos;
	int npos, rc;
	int64_t id = 0;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (parse_id(cli, pos[0], &id) < 0)
		return CLI_USAGE;
	if (cli_store(cli) == NULL || store_campaign_get(cli->store, id, &c, &cli->err) < 0)
		return CLI_FAIL;
	print_campaign(&c);
	campaign_info_free(&c);
	return CLI_OK;
}

static int
control(struct cli *cli, int argc, char **argv, int action, const char *done)
{
	char **pos;
	int npos, rc;
	int64_t id = 0;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (parse_id(cli, pos[0], &id) < 0)
		return CLI_USAGE;
	if (cli_store(cli) == NULL || store_campaign_control(cli->store, id, action, &cli->err) < 0)
		return CLI_FAIL;
	printf("campaign %lld %s\n", (long long)id, done);
	return CLI_OK;
}

int
cmd_campaign_pause(struct cli *cli, int argc, char **argv)
{
	return control(cli, argc, argv, CAMPAIGN_PAUSE, "paused");
}

int
cmd_campaign_resume(struct cli *cli, int argc, char **argv)
{
	return control(cli, argc, argv, CAMPAIGN_RESUME, "resumed");
}

int
cmd_campaign_cancel(struct cli *cli, int argc, char **argv)
{
	return control(cli, argc, argv, CAMPAIGN_CANCEL, "cancelled");
}

int
cmd_campaign_retry(struct cli *cli, int argc, char **argv)
{
	struct campaign_info c;
	char **pos;
	int npos, rc;
	int64_t id = 0, n;

	if ((rc = cli_options(cli, argc, argv, NULL, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (parse_id(cli, pos[0], &id) < 0)
		return CLI_USAGE;
	if (cli_store(cli) == NULL || store_campaign_get(cli->store, id, &c, &cli->err) < 0)
		return CLI_FAIL;
	rc = c.status;
	campaign_info_free(&c);
	if (rc != CAMPAIGN_SENDING)
		return error_setk(&cli->err, ERR_CONFLICT, "campaign %lld is %s%s", (long long)id,
		                  campaign_status_name(rc), rc == CAMPAIGN_PAUSED ?
		                  " (`outreach campaign resume` sends its waiting deliveries now)" :
		                  ": nothing waits to be retried"), CLI_FAIL;
	if (store_deliveries_retry(cli->store, id, now_unix(), &n, &cli->err) < 0)
		return CLI_FAIL;
	printf("%lld waiting deliveries of campaign %lld are due now%s\n", (long long)n,
	       (long long)id, daemon_lock_holder(cli->cfg.db_path) > 0 ? "" :
	       " (no daemon is running: `outreach run --once` sends them)");
	return CLI_OK;
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	char **pos, **names;
	size_t n;
	int npos, rc;
	pid_t pid;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (npos == 1)
		return cmd_campaign_show(cli, argc, argv);
	pid = daemon_lock_holder(cli->cfg.db_path);
	if (pid > 0)
		printf("daemon:     running (pid %ld)\n", (long)pid);
	else
		printf("daemon:     not running\n");
	if (spool_pending(cli->cfg.spool_dir, &names, &n, &cli->err) == 0) {
		printf("spool:      %zu waiting in %s/new\n", n, cli->cfg.spool_dir);
		spool_names_free(names, n);
	} else
		error_clear(&cli->err);
	printf("transport:  %s\n\n", cli->cfg.transport_url);
	return cmd_campaign_ls(cli, 1, argv);
}

int
cmd_run(struct cli *cli, int argc, char **argv)
{
	int once = 0;
	const struct cli_opt opts[] = {{"once", NULL, &once}, {NULL, NULL, NULL}};
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (!once)
		return error_set(&cli->err, "give --once (or run `outreach daemon`)"), CLI_USAGE;
	if (daemon_run_once(&cli->cfg, &cli->err) < 0)
		return error_kind(&cli->err) == ERR_TEMP ? CLI_TEMPFAIL : CLI_FAIL;
	return CLI_OK;
}

int
cmd_daemon(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli->cfg.log_syslog)
		log_open((enum log_level)cli->cfg.log_level, 1);
	warn_links(&cli->cfg);
	return daemon_run(cli->config_path, &cli->cfg, &cli->err) != 0 ? CLI_FAIL : CLI_OK;
}

int
cmd_web(struct cli *cli, int argc, char **argv)
{
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (!web_wanted(&cli->cfg))
		return error_setk(&cli->err, ERR_INPUT, "[web] listen is off"), CLI_FAIL;
	if (cli->cfg.log_syslog)
		log_open((enum log_level)cli->cfg.log_level, 1);
	warn_links(&cli->cfg);
	return web_run(cli->config_path, &cli->cfg, &cli->err) != 0 ? CLI_FAIL : CLI_OK;
}
