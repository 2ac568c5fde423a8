/*
 * config - the configuration: one declarative table of keys, one INI loader.
 *
 * Every key has a section, a name, a type, a default, bounds and a line of
 * documentation in the table in config.c; etc/outreach.conf.example is
 * generated from that table (outreach config example) and a test checks the
 * shipped file against it.  Loading starts from the built-in defaults, which
 * work out of the box (database var/outreach.db, spool queue/, delivery into
 * the local Maildir var/outbox/).  An unknown section or key, or a bad value,
 * is an error naming the file, line and key; nothing is half-applied.
 * Relative paths are relative to the working directory.
 */
#ifndef OUTREACH_CONFIG_H
#define OUTREACH_CONFIG_H

#include <stdio.h>

#include "util.h"

enum starttls_mode { STARTTLS_REQUIRED, STARTTLS_OPPORTUNISTIC, STARTTLS_OFF };
enum unknown_outcome { UNKNOWN_OUTCOME_RESEND, UNKNOWN_OUTCOME_SKIP };
enum imap_auth { IMAP_AUTH_AUTO, IMAP_AUTH_LOGIN, IMAP_AUTH_PLAIN };
enum dkim_algorithm { DKIM_ALG_RSA, DKIM_ALG_ED25519, DKIM_ALG_BOTH };

struct config {
	char *source;              /* file it was read from, or NULL for defaults */

	char *db_path;             /* [database] path */
	char *spool_dir;           /* [spool] dir */
	long long spool_rescan;    /* [spool] rescan_interval, seconds */

	char *transport_url;       /* [transport] url: maildir:PATH, smtp://, smtps:// */
	char *smtp_username;
	char *smtp_password_file;
	int starttls;              /* enum starttls_mode */
	char *helo_name;
	long long max_connections;
	long long messages_per_second;
	long long messages_per_connection;
	long long domain_per_minute;
	long long smtp_timeout;
	long long retry_min, retry_max;
	long long give_up_after;
	long long max_lateness;
	int unknown_outcome;       /* enum unknown_outcome */

	char *sender_domain;       /* [sender] domain */
	char *bounce_local;        /* [sender] bounce_local */
	char *request_local;       /* [sender] request_local */

	char *imap_url;            /* [bounces] imap_url */
	char *imap_username;
	char *imap_password_file;
	int imap_auth;             /* enum imap_auth */
	int imap_tls_verify;
	char *imap_ca_file;
	char *imap_processed;
	char *imap_unparsed;
	long long imap_poll;
	long long soft_threshold;
	long long soft_window_days;
	int bounce_probe;          /* [bounces] probe */
	int confirm_by_reply;      /* [subscribe] confirm_by_reply */

	char *web_listen;          /* [web] listen */
	char *web_base_url;        /* [web] base_url */
	long long web_connections; /* [web] max_connections */
	long long web_timeout;     /* [web] timeout */
	long long signup_per_hour; /* [web] signup_per_hour */
	char *signup_origins;      /* [web] signup_origins */
	char *trusted_proxies;     /* [web] trusted_proxies */

	char *secret_file;         /* [security] secret_file */

	char *dkim_domain;         /* [dkim] domain: d= of the global key; "": each list's */
	char *dkim_selector;       /* [dkim] selector */
	char *dkim_key_file;       /* [dkim] key_file: "" signs nothing */
	int dkim_algorithm;        /* [dkim] algorithm, enum dkim_algorithm */
	char *dkim_ed_selector;    /* [dkim] ed25519_selector (algorithm both) */
	char *dkim_ed_key_file;    /* [dkim] ed25519_key_file (algorithm both) */

	char *brand_name;          /* [brand] name */
	char *brand_color;         /* [brand] color */
	char *brand_accent;        /* [brand] accent */
	char *allow_dotless;       /* [sender] allow_dotless_domains */
	char *digest_timezone;     /* [digest] timezone: a list's when it sets none */
	char *templates_dir;       /* [brand] templates, resolved (config_resolve_templates) */
	char *templates_looked;    /* where it was looked for when not found, else NULL */

	int log_level;             /* [log] level, enum log_level */
	int log_syslog;            /* [log] syslog */
};

/* config_defaults - fill cfg with the built-in defaults. */
void config_defaults(struct config *cfg);
/*
 * config_load - read path over the defaults already in cfg.  Returns 0, or -1
 * with err set to "FILE:LINE: [section] key: reason".
 */
int config_load(struct config *cfg, const char *path, struct error *err);
/*
 * config_locate - the file to read: the -c argument if given, else
 * $OUTREACH_CONFIG, else etc/outreach.conf when it exists, else NULL.
 */
const char *config_locate(const char *cli_path);
void config_free(struct config *cfg);
/* config_write_example - the documented example file, generated from the table. */
void config_write_example(FILE *fp);
/* config_write_man - outreach.conf(5) in troff, every key, generated from the table. */
void config_write_man(FILE *fp);
/* config_dump - every key with its current value, in INI form. */
void config_dump(const struct config *cfg, FILE *fp);
/* config_read_secret_file - read a one-line secret (password) file; trims the newline. */
int config_read_secret_file(const char *path, char **out, struct error *err);

/*
 * config_resolve_templates - [brand] templates as a directory that exists:
 * an absolute path as given; a relative one beside the configuration file
 * (its directory, then the one above it, where etc/ sits beside templates/),
 * then in the installed data directory, then beside the binary (its
 * directory and the two above, for a build tree).  When none exists it is
 * left as given and the places looked in are kept for config_templates_error.
 * config_load calls it; call it for the built-in defaults (config_path NULL).
 */
void config_resolve_templates(struct config *cfg, const char *config_path);
/* config_check_color - "#rrggbb", else -1 with the reason. */
int config_check_color(const char *v, struct error *err);
/* config_check_domain - an ASCII domain name, else -1 with the reason. */
int config_check_domain(const char *v, struct error *err);
/* config_templates_error - -1 with "where it looked" when templates were not found, else 0. */
int config_templates_error(const struct config *cfg, struct error *err);

#endif
