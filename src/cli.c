/*
 * cli - the table of subcommands, dispatch, option parsing and help.
 *
 * Commands are found by their words ("subscriber import"); the longest
 * matching name wins.  One place prints help for everything.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "man.h"

static const struct command commands[] = {
	{"init", cmd_init, "", "create the database, spool, outbox and secret key (idempotent)",
	 NULL},
	{"list add", cmd_list_add, "SLUG --name NAME --from \"Name <addr>\" [--reply-to ADDR] "
	 "[--description TEXT] [--address \"postal address\"] [--logo FILE.png] [--allow-html] "
	 "[--private] [--domain D] [--color #rrggbb] [--accent #rrggbb]", "create a list",
	 "A list is public unless --private: it has a sign-up form at /s/SLUG under\n"
	 "[web] base_url.  --address is the postal address every message's footer shows\n"
	 "(CAN-SPAM asks for one); --logo an image (png, jpg, gif, webp; at most 1 MB)\n"
	 "shown at the top of every message.  --domain is the list's sending domain\n"
	 "(Message-ID, List-Id, return path, DKIM d=; default its From's domain);\n"
	 "--color and --accent its brand colours (default [brand])."},
	{"list ls", cmd_list_ls, "", "show every list with its member counts", NULL},
	{"list show", cmd_list_show, "SLUG", "show one list", NULL},
	{"list set", cmd_list_set, "SLUG [--name N] [--from F] [--reply-to A] [--description D] "
	 "[--timezone TZ] [--organizer \"Name <addr>\"] [--address A] [--logo FILE] [--domain D] "
	 "[--color C] [--accent C] [--dkim-selector S --dkim-key-file F]",
	 "change a list",
	 "--timezone is the list's (digest periods, dates in digests and feeds, deadlines;\n"
	 "default [digest] timezone); --organizer names the ORGANIZER of its invites\n"
	 "(default its From): a person who reads replies, since calendars send accept\n"
	 "and decline there.  --dkim-selector and --dkim-key-file sign the list's mail\n"
	 "with a key of its own (d= its domain) instead of [dkim]'s.  An empty value\n"
	 "clears --reply-to, --description, --timezone, --organizer, --address, --logo,\n"
	 "--domain, --color, --accent, --dkim-selector or --dkim-key-file."},
	{"event add", cmd_event_add, "SLUG --list L --kind meeting|forum|workshop --title T "
	 "--starts \"YYYY-MM-DD HH:MM\" [--ends ...] [--tz ZONE] [--location L] [--url U] "
	 "[--topic T] [--description-file F.md]", "add an event",
	 "Times are wall-clock times in --tz (default the list's time zone); an event\n"
	 "lasts an hour unless --ends says.  --topic defaults to meetings (meeting,\n"
	 "workshop) or forums (forum)."},
	{"event ls", cmd_event_ls, "[--list L] [--upcoming]", "list events", NULL},
	{"event show", cmd_event_show, "SLUG", "show an event", NULL},
	{"event update", cmd_event_update, "SLUG [the options of event add]",
	 "change an event; those who got its invite get the update",
	 "Calendars replace the entry (same UID, a higher SEQUENCE); the update says\n"
	 "what changed (time, place, ...) at the top."},
	{"event cancel", cmd_event_cancel, "SLUG",
	 "cancel an event; those who got its invite get the cancellation", NULL},
	{"event import", cmd_event_import, "FILE.csv",
	 "add events from CSV (columns: the option names of event add)", NULL},
	{"opportunity add", cmd_opportunity_add, "SLUG --list L --kind internship|summer-job|"
	 "program|partnership --title T --org ORG [--deadline YYYY-MM-DD] [--url U] "
	 "[--location L] [--description-file F.md]", "add an opportunity",
	 "A deadline is the end of that day in the list's time zone."},
	{"opportunity ls", cmd_opportunity_ls, "[--list L] [--open]", "list opportunities", NULL},
	{"opportunity show", cmd_opportunity_show, "SLUG", "show an opportunity", NULL},
	{"opportunity close", cmd_opportunity_close, "SLUG", "close an opportunity", NULL},
	{"opportunity import", cmd_opportunity_import, "FILE.csv",
	 "add opportunities from CSV (columns: the option names of opportunity add)", NULL},
	{"notice", cmd_notice, "EVENT [--template T] [--send-at \"YYYY-MM-DD HH:MM\"] "
	 "[--remind 7d,1d]", "send an event's notice with its calendar invite",
	 "To the list's members who want the event's topic, whatever their digest\n"
	 "frequency.  --send-at is in the event's time zone; --remind schedules reminders\n"
	 "that many days (or hours: 12h) before the start, at the same local time."},
	{"digest", cmd_digest, "--list L --period weekly|monthly [--send-empty]",
	 "queue the list's weekly or monthly digest (for cron)",
	 "Once per list and ISO week or calendar month, in the list's time zone: a second\n"
	 "run in the same period queues nothing and exits 0.  It lists the period's\n"
	 "newsletters, upcoming events and open opportunities (at most 10 of each), and\n"
	 "goes to the members who take digests of that period; each gets only what is\n"
	 "new to it since its last digest.  An empty digest is not sent unless\n"
	 "--send-empty."},
	{"list rm", cmd_list_rm, "SLUG [--force]", "remove a list (--force if it has members)",
	 NULL},
	{"subscriber add", cmd_sub_add, "EMAIL --list SLUG [--name NAME] [--confirmed] "
	 "[--topics a,b] [--digest immediate|weekly|monthly]", "put an address on a list",
	 "Without --confirmed the membership waits for the subscriber's confirmation.\n"
	 "An address that unsubscribed, bounced, complained or is suppressed is refused."},
	{"subscriber show", cmd_sub_show, "EMAIL", "show a subscriber, memberships and history",
	 NULL},
	{"subscriber rm", cmd_sub_rm, "EMAIL [--list SLUG]",
	 "remove from one list, or forget the subscriber",
	 "Forgetting an address that unsubscribed, bounced or complained keeps it on the\n"
	 "suppression list, so it is never mailed again."},
	{"subscriber restore", cmd_sub_restore, "EMAIL --reason TEXT",
	 "undo a bounce-disable (audited)",
	 "For an address disabled by bounces that were not its fault (a relay that refused\n"
	 "everyone, a wrong rule).  An unsubscribe or a complaint is the subscriber's own\n"
	 "word and is never undone: only the subscriber can take it back."},
	{"subscriber set", cmd_sub_set, "EMAIL [--topics a,b|all] [--digest MODE]",
	 "change topics or digest frequency", NULL},
	{"subscriber import", cmd_sub_import, "FILE.csv --list SLUG [--confirmed] [--dry-run]",
	 "import subscribers from CSV",
	 "The header row names the columns: email (required), name, topics (a;b), digest,\n"
	 "status, suppressed (yes/no: a yes row is kept or made suppressed, never added).\n"
	 "Addresses compare without case.  Every rejected row is reported as FILE:LINE:\n"
	 "reason; the valid rows are imported in one transaction.  --dry-run checks and\n"
	 "counts without changing anything."},
	{"subscriber export", cmd_sub_export, "--list SLUG [--status STATUS]",
	 "write a list's members as CSV on standard output",
	 "Columns: email, name, topics, digest, status, suppressed; an export imports back\n"
	 "unchanged."},
	{"preview", cmd_preview, "FILE.md [--to EMAIL] [--format eml|html|text] [--outbox]",
	 "show the message a subscriber (or a sample one) would get",
	 "--outbox composes every wanted recipient's copy into the Maildir outbox (with an\n"
	 "SMTP transport, into preview/ beside the database) instead: no delivery is\n"
	 "recorded.  Images and attachments are read from beside FILE.md.  Warnings\n"
	 "(raw HTML shown as text, an image without alt text) name FILE:LINE."},
	{"template check", cmd_template_check, "NAME",
	 "check templates/NAME.html and NAME.txt", NULL},
	{"send", cmd_send, "FILE.md [--wait] [--test ADDR[,ADDR...]]",
	 "check a document and queue it for sending",
	 "Prints the campaign id.  With no daemon running the campaign is made at once;\n"
	 "--wait then delivers it in the foreground (as run --once would), else follows\n"
	 "the daemon's delivery to the end.  Images and attachments are read from beside\n"
	 "FILE.md and kept with the campaign.  --test sends a copy marked [TEST], whose\n"
	 "links belong to nobody, to each address (subscribers or not) through the real\n"
	 "transport, and makes no campaign.  A notice for an event that has started is\n"
	 "refused."},
	{"status", cmd_status, "[CAMPAIGN]", "the daemon, the spool and the campaigns", NULL},
	{"campaign ls", cmd_campaign_ls, "", "every campaign with its progress", NULL},
	{"campaign show", cmd_campaign_show, "ID", "one campaign and its delivery counts", NULL},
	{"campaign pause", cmd_campaign_pause, "ID", "stop sending a campaign for now", NULL},
	{"campaign resume", cmd_campaign_resume, "ID", "go on sending a paused campaign", NULL},
	{"campaign retry", cmd_campaign_retry, "ID", "try a campaign's deferred deliveries now",
	 "Deliveries wait after a temporary failure (backing off up to retry_max); once\n"
	 "the cause is fixed, this makes every waiting delivery of the campaign due now."},
	{"campaign cancel", cmd_campaign_cancel, "ID", "never send the rest of a campaign",
	 NULL},
	{"report", cmd_report, "CAMPAIGN [--format text|json|csv] [--link]",
	 "what happened to a campaign's mail, in figures",
	 "Recipients, sent, waiting, deferred, failed, bounced (hard and soft),\n"
	 "complaints and the complaint rate (warned above 0.1%; the big mailbox providers\n"
	 "enforce 0.3%), unsubscribes by channel (link, one-click, mail), the first and\n"
	 "last delivery, and each recipient domain.  --link prints the signed address of\n"
	 "the report's page on the web worker (under [web] base_url), good for 24 hours."},
	{"run", cmd_run, "--once", "ingest the spool and deliver what is due, then exit",
	 "For cron-only set-ups; refuses to run while the daemon runs."},
	{"daemon", cmd_daemon, "", "run in the foreground: spool, delivery, bounces, web pages",
	 "One worker process each: the queue (spool and delivery), the bounce mailbox when\n"
	 "[bounces] imap_url is set, and the web pages unless [web] listen is off.\n"
	 "SIGTERM stops (work in progress finishes first), SIGHUP reloads."},
	{"web", cmd_web, "", "serve the web pages alone, in the foreground",
	 "Unsubscribe, preferences, confirmation and sign-up pages on [web] listen, for\n"
	 "set-ups that run no daemon (etc/outreach-web.service).  SIGTERM stops after the\n"
	 "requests in progress; SIGHUP reloads the configuration."},
	{"bounces", cmd_bounces, "--once", "process the bounce mailbox once and print a summary",
	 "Bounces, complaints, auto-replies and unsubscribe commands change subscriber\n"
	 "state; each message is then flagged \\Seen and moved to the processed (or\n"
	 "unparsed) folder."},
	{"bounces parse", cmd_bounces_parse, "FILE...",
	 "print file, recipient, status and class for saved messages", NULL},
	{"topic add", cmd_topic_add, "SLUG --name NAME", "add a topic subscribers can choose",
	 NULL},
	{"topic ls", cmd_topic_ls, "", "show the topics", NULL},
	{"suppress add", cmd_suppress_add, "EMAIL [--reason TEXT]",
	 "never mail this address again", NULL},
	{"suppress rm", cmd_suppress_rm, "EMAIL", "take an address off the suppression list",
	 NULL},
	{"suppress ls", cmd_suppress_ls, "", "show the suppression list", NULL},
	{"audit", cmd_audit, "[EMAIL]", "show the audit log of status changes", NULL},
	{"dkim keygen", cmd_dkim_keygen, "--selector S --domain D --key-file PATH "
	 "[--algorithm rsa|ed25519]", "make a DKIM key and print the DNS record to publish",
	 "Writes the private key (PEM, mode 0600; never over an existing file): RSA 2048\n"
	 "bits by default, or Ed25519 (RFC 8463).  Name it in [dkim] key_file (or\n"
	 "ed25519_key_file) or list set --dkim-key-file, and publish the record first."},
	{"dkim check", cmd_dkim_check, "", "compare the published DKIM records with the keys",
	 "Looks up SELECTOR._domainkey.DOMAIN for every key outreach signs with ([dkim] and\n"
	 "each list's) and compares it with the key file.  Exit 0: all match; 1: one is\n"
	 "missing or differs; 75: cannot look up (no DNS here), try again elsewhere."},
	{"config example", cmd_config_example, "", "print the documented example configuration",
	 NULL},
	{"config man", cmd_config_man, "", "print outreach.conf(5), every key, as troff", NULL},
	{"doctor", cmd_doctor, "", "check the set-up: each finding ok, warn or fail with its fix",
	 "Checks the configuration, that secret and password files are mode 0600 and the\n"
	 "spool and database directories writable, the database's integrity, that the\n"
	 "SMTP relay answers and takes the login (no mail is sent; with the Maildir\n"
	 "transport, that the outbox is writable), that the bounce mailbox takes the\n"
	 "login, that every template compiles and mail to lists shows a visible\n"
	 "unsubscribe link, and that [web] base_url/healthz answers.  Run it as the user\n"
	 "outreach runs as.  Exits 1 when any check fails."},
	{"backup", cmd_backup, "FILE [--force]", "copy the database to FILE, safely while it runs",
	 "One consistent snapshot, taken while the daemon goes on writing, written aside\n"
	 "and moved into place: FILE is a whole database or absent.  An existing FILE is\n"
	 "replaced only with --force."},
	{"restore", cmd_restore, "FILE [--force]", "put a backup in the database's place",
	 "FILE must pass its integrity check and come from this outreach or an older one\n"
	 "(newer schema versions are refused).  Refused while a daemon runs; an existing\n"
	 "database is replaced only with --force.  Stop outreach web too, if it runs."},
	{"help", cmd_help, "[--man]", "this overview (--man: outreach(1), every command, as troff)",
	 NULL},
	{"config show", cmd_config_show, "", "print the configuration in effect", NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
print_usage(FILE *fp, const struct command *c)
{
	fprintf(fp, "usage: outreach %s%s%s\n", c->name, *c->args ? " " : "", c->args);
}

static void
print_overview(FILE *fp, const char *prefix)
{
	fprintf(fp, "usage: outreach [-c FILE] COMMAND [ARGS]\n\n"
	            "outreach %s: newsletters and notices for education networks\n\n"
	            "Commands:\n", OUTREACH_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (prefix && strncmp(commands[i].name, prefix, strlen(prefix)) != 0)
			continue;
		fprintf(fp, "  %-20s %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(fp, "\nOptions:\n"
	            "  -c FILE              configuration file (else $OUTREACH_CONFIG, else\n"
	            "                       etc/outreach.conf, else built-in defaults)\n"
	            "  --help               this help; COMMAND --help for one command\n"
	            "  --version            print the version\n");
}

/* write_man - outreach(1): the overview, then every command of the table. */
static void
write_man(FILE *fp)
{
	man_header(fp, "OUTREACH", "1");
	fputs(".SH NAME\noutreach \\- newsletters and notices for education networks\n"
	      ".SH SYNOPSIS\n.B outreach\n[\\fB\\-c\\fR \\fIFILE\\fR] \\fICOMMAND\\fR "
	      "[\\fIARGS\\fR]\n"
	      ".SH DESCRIPTION\n"
	      "One program, with a command per task, keeps mailing lists of subscribers in an\n"
	      "SQLite database, sends them newsletters, notices and digests written in\n"
	      "Markdown, reads what bounces back, and serves the unsubscribe, preference and\n"
	      "sign-up pages.  Every command takes \\fB\\-\\-help\\fR.\n"
	      ".SH OPTIONS\n"
	      ".TP\n.BI \\-c \" FILE\"\nThe configuration file (see \\fBoutreach.conf\\fR(5)); "
	      "else\n\\fB$OUTREACH_CONFIG\\fR, else \\fIetc/outreach.conf\\fR, else the built-in "
	      "defaults.\n"
	      ".TP\n.B \\-\\-help\nThe overview of commands.\n"
	      ".TP\n.B \\-\\-version\nThe version.\n"
	      ".SH COMMANDS\n", fp);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];

		/* A text line, not .B: a macro would take the quotes in args as its own. */
		fputs(".TP\n\\fBoutreach ", fp);
		man_text(fp, c->name);
		fputs("\\fR", fp);
		if (*c->args) {
			fputs(" ", fp);
			man_text(fp, c->args);
		}
		fputc('\n', fp);
		man_text(fp, c->summary);
		fputs(".\n", fp);
		if (c->help) {
			fputs(".IP\n", fp);
			man_text(fp, c->help);
			fputc('\n', fp);
		}
	}
	fputs(".SH ENVIRONMENT\n.TP\n.B OUTREACH_CONFIG\n"
	      "The configuration file when \\fB\\-c\\fR is not given.\n"
	      ".SH EXIT STATUS\n"
	      "0 on success; 1 when the command failed (one line on standard error says what\n"
	      "and where); 2 for a usage error; 75 when a server or the network failed for\n"
	      "now and the same command may succeed later.\n"
	      ".SH SEE ALSO\n\\fBoutreach.conf\\fR(5)\n", fp);
}

int
cmd_help(struct cli *cli, int argc, char **argv)
{
	int man = 0;
	const struct cli_opt opts[] = {{"man", NULL, &man}, {NULL, NULL, NULL}};
	char **pos;
	int npos, rc;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (man)
		write_man(stdout);
	else
		print_overview(stdout, NULL);
	return CLI_OK;
}

int
cli_options(struct cli *cli, int argc, char **argv, const struct cli_opt *opts, int want_min,
            int want_max, char ***pos, int *npos)
{
	struct option lopts[32];
	int n = 0, c, idx;

	for (; opts && opts[n].name; n++) {
		lopts[n].name = opts[n].name;
		lopts[n].has_arg = opts[n].value ? required_argument : no_argument;
		lopts[n].flag = NULL;
		lopts[n].val = 1000 + n;
	}
	lopts[n] = (struct option){"help", no_argument, NULL, 'h'};
	lopts[n + 1] = (struct option){NULL, 0, NULL, 0};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lopts, &idx)) != -1) {
		if (c == 'h') {
			print_usage(stdout, cli->cmd);
			printf("\n%s.\n", cli->cmd->summary);
			if (cli->cmd->help)
				printf("\n%s\n", cli->cmd->help);
			return CLI_HELP_SHOWN;
		}
		if (c == '?' || c == ':') {
			if (optopt && optopt < 1000)
				error_set(&cli->err, "unknown option -%c", optopt);
			else if (optopt >= 1000)
				error_set(&cli->err, "option --%s needs a value", lopts[optopt - 1000].name);
			else
				error_set(&cli->err, "unknown option %s", argv[optind - 1]);
			return CLI_USAGE;
		}
		if (opts[c - 1000].value)
			*opts[c - 1000].value = optarg;
		else
			*opts[c - 1000].flag = 1;
	}
	*pos = argv + optind;
	*npos = argc - optind;
	if (*npos < want_min)
		return error_set(&cli->err, "missing argument"), CLI_USAGE;
	if (*npos > want_max)
		return error_set(&cli->err, "unexpected argument '%s'", (*pos)[want_max]), CLI_USAGE;
	return CLI_OK;
}

struct store *
cli_store(struct cli *cli)
{
	if (cli->store == NULL && store_open(cli->cfg.db_path, &cli->store, &cli->err) < 0)
		return NULL;
	return cli->store;
}

/* find_command - the longest command name matching argv's leading words. */
static const struct command *
find_command(int argc, char **argv, int *nwords)
{
	const struct command *best = NULL;
	int best_words = 0;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *name = commands[i].name;
		int w = 0;
		size_t len;

		while (*name && w < argc) {
			len = strcspn(name, " ");
			if (strlen(argv[w]) != len || strncmp(argv[w], name, len) != 0)
				break;
			name += len;
			w++;
			if (*name == ' ')
				name++;
			else if (*name == '\0')
				break;
		}
		if (*name == '\0' && w > best_words) {
			best = &commands[i];
			best_words = w;
		}
	}
	*nwords = best_words;
	return best;
}

int
cli_main(int argc, char **argv)
{
	struct cli cli;
	const struct command *cmd;
	const char *path;
	int i = 1, nwords, rc;

	memset(&cli, 0, sizeof(cli));
	config_defaults(&cli.cfg);
	log_open(LOG_LEVEL_INFO, 0);
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_overview(stdout, NULL);
			config_free(&cli.cfg);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("outreach %s\n", OUTREACH_VERSION);
			config_free(&cli.cfg);
			return 0;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			cli.config_path = argv[i + 1];
			i += 2;
		} else {
			fprintf(stderr, "outreach: unknown option %s\n", argv[i]);
			print_overview(stderr, NULL);
			config_free(&cli.cfg);
			return 2;
		}
	}
	if (i == argc) {
		print_overview(stderr, NULL);
		config_free(&cli.cfg);
		return 2;
	}
	cmd = find_command(argc - i, argv + i, &nwords);
	if (cmd == NULL) {
		int known_prefix = 0;

		for (size_t k = 0; k < NCOMMANDS; k++)
			if (strncmp(commands[k].name, argv[i], strlen(argv[i])) == 0 &&
			    commands[k].name[strlen(argv[i])] == ' ')
				known_prefix = 1;
		if (known_prefix && (i + 1 == argc || strcmp(argv[i + 1], "--help") == 0)) {
			print_overview(i + 1 == argc ? stderr : stdout, argv[i]);
			config_free(&cli.cfg);
			return i + 1 == argc ? 2 : 0;
		}
		fprintf(stderr, "outreach: unknown command '%s%s%s' (see: outreach --help)\n",
		        argv[i], known_prefix ? " " : "", known_prefix ? argv[i + 1] : "");
		config_free(&cli.cfg);
		return 2;
	}
	path = config_locate(cli.config_path);
	if (path && config_load(&cli.cfg, path, &cli.err) < 0) {
		fprintf(stderr, "outreach: %s\n", error_msg(&cli.err));
		rc = 1;
		goto out;
	}
	if (path == NULL)
		config_resolve_templates(&cli.cfg, NULL);
	cli.config_path = path;
	log_set_level((enum log_level)cli.cfg.log_level);
	cli.cmd = cmd;
	/* argv[0] of the handler is the last word of the command name. */
	rc = cmd->run(&cli, argc - i - nwords + 1, argv + i + nwords - 1);
	switch (rc) {
	case CLI_OK:
	case CLI_HELP_SHOWN:
		rc = 0;
		break;
	case CLI_USAGE:
		fprintf(stderr, "outreach %s: %s\n", cmd->name, error_msg(&cli.err));
		print_usage(stderr, cmd);
		rc = 2;
		break;
	default:
		fprintf(stderr, "outreach %s: %s\n", cmd->name, error_msg(&cli.err));
		rc = rc == CLI_TEMPFAIL ? CLI_TEMPFAIL : 1;
	}
out:
	store_close(cli.store);
	config_free(&cli.cfg);
	error_clear(&cli.err);
	return rc;
}
