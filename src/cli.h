/*
 * cli - the command table and what every command handler shares.
 *
 * A handler is thin: it parses its options with cli_options(), calls the
 * same module APIs the daemon uses, and returns CLI_OK, CLI_FAIL (the error
 * in cli->err is printed as one line, exit 1), CLI_TEMPFAIL (the same, exit
 * 75: try again later, as sysexits' EX_TEMPFAIL) or CLI_USAGE (exit 2).
 */
#ifndef OUTREACH_CLI_H
#define OUTREACH_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"
#include "util.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_HELP_SHOWN = 3, CLI_TEMPFAIL = 75 };

struct cli {
	struct config cfg;
	const char *config_path;   /* NULL: built-in defaults */
	struct store *store;       /* opened by cli_store() */
	struct error err;
	const struct command *cmd; /* the command running */
};

struct command {
	const char *name;          /* "list add" */
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *args;          /* "SLUG --name NAME ..." */
	const char *summary;       /* one line */
	const char *help;          /* longer text for --help, or NULL */
};

/* An option of a command: a flag (*flag = 1) or a value (*value = optarg). */
struct cli_opt {
	const char *name;
	const char **value;
	int *flag;
};

/*
 * cli_options - parse argv against opts; positional arguments are left in
 * pos[0..*npos).  want_min..want_max positionals are required.  Returns
 * CLI_OK, CLI_USAGE (message in cli->err) or CLI_HELP_SHOWN.
 */
int cli_options(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
                int want_min, int want_max, char ***pos, int *npos);
/* cli_store - open (once) the database named by the configuration. */
struct store *cli_store(struct cli *cli);
int cli_main(int argc, char **argv);

/* Checks shared by handlers: -1 with cli->err set. */
int cli_check_slug(struct cli *cli, const char *what, const char *slug);
int cli_check_text(struct cli *cli, const char *what, const char *value);
void cli_format_time(int64_t t, char *out, size_t n);
int cli_print_audit(const struct audit_row *r, void *arg);

struct doc;
struct list_info;
/*
 * cli_composer - the composer of a coordinator's document at path: its
 * local images and attachments read from beside it (and kept in the store
 * when keep_files, for the daemon to compose with later), warnings printed
 * as FILE:LINE and counted into *warnings (may be NULL); a test copy when
 * test.
 */
struct compose_campaign;
int cli_composer(struct cli *cli, const char *path, const struct doc *doc,
                 const struct list_info *list, int keep_files, int test, int *warnings,
                 struct compose_campaign **c);
/* cli_load_document - parse a coordinator's file and check it as a campaign. */
int cli_load_document(struct cli *cli, const char *path, struct doc *doc, struct list_info *list);

/* Handlers, by module. */
int cmd_init(struct cli *, int, char **);
int cmd_config_example(struct cli *, int, char **);
int cmd_dkim_keygen(struct cli *, int, char **);
int cmd_dkim_check(struct cli *, int, char **);
int cmd_config_show(struct cli *, int, char **);
int cmd_config_man(struct cli *, int, char **);
int cmd_doctor(struct cli *, int, char **);
int cmd_backup(struct cli *, int, char **);
int cmd_restore(struct cli *, int, char **);
int cmd_help(struct cli *, int, char **);
int cmd_topic_add(struct cli *, int, char **);
int cmd_topic_ls(struct cli *, int, char **);
int cmd_suppress_add(struct cli *, int, char **);
int cmd_suppress_rm(struct cli *, int, char **);
int cmd_suppress_ls(struct cli *, int, char **);
int cmd_audit(struct cli *, int, char **);
int cmd_list_add(struct cli *, int, char **);
int cmd_list_ls(struct cli *, int, char **);
int cmd_list_show(struct cli *, int, char **);
int cmd_list_rm(struct cli *, int, char **);
int cmd_sub_add(struct cli *, int, char **);
int cmd_sub_show(struct cli *, int, char **);
int cmd_sub_rm(struct cli *, int, char **);
int cmd_sub_restore(struct cli *, int, char **);
int cmd_sub_set(struct cli *, int, char **);
int cmd_sub_import(struct cli *, int, char **);
int cmd_sub_export(struct cli *, int, char **);
int cmd_preview(struct cli *, int, char **);
int cmd_template_check(struct cli *, int, char **);
int cmd_send(struct cli *, int, char **);
int cmd_status(struct cli *, int, char **);
int cmd_list_set(struct cli *, int, char **);
int cmd_event_add(struct cli *, int, char **);
int cmd_event_ls(struct cli *, int, char **);
int cmd_event_show(struct cli *, int, char **);
int cmd_event_update(struct cli *, int, char **);
int cmd_event_cancel(struct cli *, int, char **);
int cmd_event_import(struct cli *, int, char **);
int cmd_opportunity_add(struct cli *, int, char **);
int cmd_opportunity_ls(struct cli *, int, char **);
int cmd_opportunity_show(struct cli *, int, char **);
int cmd_opportunity_close(struct cli *, int, char **);
int cmd_opportunity_import(struct cli *, int, char **);
int cmd_notice(struct cli *, int, char **);
int cmd_digest(struct cli *, int, char **);
int cmd_campaign_ls(struct cli *, int, char **);
int cmd_campaign_show(struct cli *, int, char **);
int cmd_campaign_pause(struct cli *, int, char **);
int cmd_campaign_resume(struct cli *, int, char **);
int cmd_campaign_cancel(struct cli *, int, char **);
int cmd_campaign_retry(struct cli *, int, char **);
int cmd_report(struct cli *, int, char **);
int cmd_run(struct cli *, int, char **);
int cmd_daemon(struct cli *, int, char **);
int cmd_web(struct cli *, int, char **);
int cmd_bounces(struct cli *, int, char **);
int cmd_bounces_parse(struct cli *, int, char **);

#endif
