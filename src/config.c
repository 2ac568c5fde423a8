/*
 * config - the table of every configuration key, and the INI loader (inih).
 *
 * The table is the single source of truth: defaults, bounds, the example
 * file and the dump all come from it.  Values are checked as they are read;
 * the first bad one stops the load with "FILE:LINE: [section] key: reason".
 */
#define _DEFAULT_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "dkim.h"
#include "fsutil.h"
#include "ical.h"
#include "log.h"
#include "man.h"
#include "url.h"

enum key_type { T_STRING, T_INT, T_DURATION, T_BOOL, T_ENUM };

struct config_key {
	const char *section;
	const char *name;
	enum key_type type;
	const char *def;           /* default, as it would be written in the file */
	long long min, max;        /* T_INT, T_DURATION */
	const char *const *choices; /* T_ENUM: NULL-terminated; the value stored is the index */
	size_t offset;
	int (*check)(const char *value, struct error *err); /* T_STRING: -1 with the reason */
	const char *doc;
};

static const char *const starttls_choices[] = {"required", "opportunistic", "off", NULL};
static const char *const outcome_choices[] = {"resend", "skip", NULL};
static const char *const level_choices[] = {"error", "warn", "info", "debug", NULL};
static const char *const imap_auth_choices[] = {"auto", "login", "plain", NULL};
static const char *const dkim_alg_choices[] = {"rsa", "ed25519", "both", NULL};

/*
 * Checks of string values, run where each value is read (a default too),
 * so a bad value stops the load naming its file, line and key instead of
 * surfacing later in a header, a style attribute or a link.
 */
static int
check_nonempty(const char *v, struct error *err)
{
	return *v ? 0 : error_setk(err, ERR_INPUT, "must not be empty");
}

/* check_timezone - a zone the system's time zone database knows ("America/New_York"). */
static int
check_timezone(const char *v, struct error *err)
{
	if (ical_zone_valid(v))
		return 0;
	return error_setk(err, ERR_INPUT, "unknown time zone '%s' (use a name such as "
	                  "America/New_York or UTC)", v);
}

/* config_check_color - "#rrggbb": the value lands in a style attribute of every message. */
int
config_check_color(const char *v, struct error *err)
{
	if (strlen(v) != 7 || v[0] != '#' || strspn(v + 1, "0123456789abcdefABCDEF") != 6)
		return error_setk(err, ERR_INPUT, "'%s' is not a colour of the form #rrggbb", v);
	return 0;
}

int
config_check_domain(const char *v, struct error *err)
{
	char *addr = xasprintf("postmaster@%s", v);
	const char *why;
	int rc = 0;

	if (*v == '\0' || v[0] == '[' || addr_valid(addr, &why) < 0)
		rc = error_setk(err, ERR_INPUT, "'%s' is not a domain name%s%s", v,
		                *v && v[0] != '[' ? ": " : "", *v && v[0] != '[' ? why : "");
	else
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p >= 0x80) {
				rc = error_setk(err, ERR_INPUT, "'%s': write an internationalised "
				                "domain in its xn-- form", v);
				break;
			}
	free(addr);
	return rc;
}

static int
check_domain_or_empty(const char *v, struct error *err)
{
	return *v ? config_check_domain(v, err) : 0;
}

/* check_selector - a DKIM selector, or empty. */
static int
check_selector(const char *v, struct error *err)
{
	return *v ? dkim_check_selector(v, err) : 0;
}

/* check_local_part - the local part of our own addresses; '+' separates the token. */
static int
check_local_part(const char *v, struct error *err)
{
	char *addr = xasprintf("%s@example.org", v);
	const char *why;
	int rc = 0;

	if (*v == '\0' || v[0] == '"' || addr_valid(addr, &why) < 0)
		rc = error_setk(err, ERR_INPUT, "'%s' is not a local part (letters, digits and "
		                "-._ such as 'bounces')", v);
	else if (strchr(v, '+'))
		rc = error_setk(err, ERR_INPUT, "'%s': '+' is where outreach puts its token", v);
	for (const char *p = v; rc == 0 && *p; p++)
		if ((unsigned char)*p >= 0x80)
			rc = error_setk(err, ERR_INPUT, "'%s' is not an ASCII local part", v);
	free(addr);
	return rc;
}

/* check_url_of - v as a URL of one of the schemes (NULL-terminated), with no query. */
static int
check_url_of(const char *v, const char *const *schemes, const char *want, struct error *err)
{
	struct url u;
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	int ok = 0, rc = 0;

	/* The scheme first: "javascript:..." is refused for what it is, not for its syntax. */
	if (n > 0 && v[n] == ':') {
		for (int i = 0; schemes[i]; i++)
			ok |= strlen(schemes[i]) == n && strncasecmp(v, schemes[i], n) == 0;
		if (!ok)
			return error_setk(err, ERR_INPUT, "scheme '%.*s:' is not allowed here: use %s",
			                  (int)n, v, want);
		ok = 0;
	}
	if (url_parse(v, &u, err) < 0)
		return error_prefix(err, "use %s", want);
	for (int i = 0; schemes[i]; i++)
		ok |= strcmp(u.scheme, schemes[i]) == 0;
	if (!ok)
		rc = error_setk(err, ERR_INPUT, "scheme '%s:' is not allowed here: use %s", u.scheme,
		                want);
	else if (u.has_query)
		rc = error_setk(err, ERR_INPUT, "'%s': no query or fragment here", v);
	url_free(&u);
	return rc;
}

static int
check_transport_url(const char *v, struct error *err)
{
	static const char *const smtp[] = {"smtp", "smtps", NULL};

	if (strncmp(v, "maildir:", 8) == 0)
		return v[8] ? 0 : error_setk(err, ERR_INPUT, "maildir: needs a directory");
	return check_url_of(v, smtp, "maildir:PATH, smtp://HOST:PORT or smtps://HOST:PORT", err);
}

static int
check_imap_url(const char *v, struct error *err)
{
	static const char *const imap[] = {"imap", "imaps", NULL};

	return *v ? check_url_of(v, imap, "imap://HOST:PORT/MAILBOX or imaps://HOST:PORT/MAILBOX",
	                         err) : 0;
}

static int
check_base_url(const char *v, struct error *err)
{
	static const char *const http[] = {"https", "http", NULL};

	return check_url_of(v, http, "https://HOST[/PATH] (or http:// for tests)", err);
}

/* check_listen - "off", or HOST:PORT ("[::1]:8025" for IPv6). */
static int
check_listen(const char *v, struct error *err)
{
	const char *colon = strrchr(v, ':'), *why;
	long long port;

	if (strcmp(v, "off") == 0)
		return 0;
	if (colon == NULL || colon == v || parse_int(colon + 1, 1, 65535, &port, &why) < 0 ||
	    (v[0] == '[' && colon[-1] != ']'))
		return error_setk(err, ERR_INPUT, "'%s': use HOST:PORT (such as 127.0.0.1:8025) "
		                  "or off", v);
	return 0;
}

/* check_origins - "https://host[:port]" words, each an origin with no path. */
static int
check_origins(const char *v, struct error *err)
{
	static const char *const http[] = {"https", "http", NULL};
	char *copy = xstrdup(v), *save = NULL;
	int rc = 0;

	for (char *o = strtok_r(copy, " \t,", &save); o && rc == 0;
	     o = strtok_r(NULL, " \t,", &save)) {
		size_t n = strlen(o);

		if (n > 0 && o[n - 1] == '/')
			o[--n] = '\0';
		if (check_url_of(o, http, "https://HOST[:PORT] origins separated by spaces", err) < 0)
			rc = -1;
		else if (strchr(strstr(o, "//") + 2, '/'))
			rc = error_setk(err, ERR_INPUT, "'%s': an origin has no path", o);
	}
	free(copy);
	return rc;
}

/* check_addresses - IPv4 or IPv6 addresses separated by spaces. */
static int
check_addresses(const char *v, struct error *err)
{
	char *copy = xstrdup(v), *save = NULL;
	unsigned char bin[16];
	int rc = 0;

	for (char *a = strtok_r(copy, " \t,", &save); a && rc == 0;
	     a = strtok_r(NULL, " \t,", &save))
		if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
			rc = error_setk(err, ERR_INPUT, "'%s' is not an IP address", a);
	free(copy);
	return rc;
}

static int
check_file_or_empty(const char *v, struct error *err)
{
	struct stat sb;

	if (*v == '\0')
		return 0;
	if (stat(v, &sb) < 0)
		return error_setk(err, ERR_INPUT, "%s: %s", v, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return error_setk(err, ERR_INPUT, "%s: not a regular file", v);
	return 0;
}

/* check_secret_mode - a file holding a password or key: readable by its owner only. */
static int
check_secret_mode(const char *path, const struct stat *sb, struct error *err)
{
	if (sb->st_mode & 077)
		return error_setk(err, ERR_INPUT, "%s is readable by others (mode %04o); chmod 600 "
		                  "it", path, (unsigned)(sb->st_mode & 07777));
	return 0;
}

static int
check_secret_file(const char *v, struct error *err)
{
	struct stat sb;

	if (*v == '\0')
		return 0;
	if (stat(v, &sb) < 0)
		return error_setk(err, ERR_INPUT, "%s: %s", v, strerror(errno));
	return check_secret_mode(v, &sb, err);
}

#define OFF(f) offsetof(struct config, f)
#define DAY (24LL * 3600)

static const struct config_key keys[] = {
	{"database", "path", T_STRING, "var/outreach.db", 0, 0, NULL, OFF(db_path), check_nonempty,
	 "SQLite database holding lists, subscribers, campaigns and delivery state."},
	{"spool", "dir", T_STRING, "queue", 0, 0, NULL, OFF(spool_dir), check_nonempty,
	 "Spool directory (tmp/ new/ cur/ failed/) that coordinators and cron drop work into."},
	{"spool", "rescan_interval", T_DURATION, "30s", 1, DAY, NULL, OFF(spool_rescan), NULL,
	 "How often the daemon rescans the spool besides inotify (s, m, h or d suffix)."},

	{"transport", "url", T_STRING, "maildir:var/outbox", 0, 0, NULL, OFF(transport_url),
	 check_transport_url,
	 "Where mail goes: maildir:PATH (local Maildir, the default), smtp://host:port or\n"
	 "smtps://host:port."},
	{"transport", "username", T_STRING, "", 0, 0, NULL, OFF(smtp_username), NULL,
	 "SMTP AUTH user name; empty for no AUTH."},
	{"transport", "password_file", T_STRING, "", 0, 0, NULL, OFF(smtp_password_file),
	 check_secret_file,
	 "File holding the SMTP password on its first line; refused unless mode 0600."},
	{"transport", "starttls", T_ENUM, "required", 0, 0, starttls_choices, OFF(starttls), NULL,
	 "STARTTLS on smtp:// URLs: required, opportunistic or off."},
	{"transport", "helo_name", T_STRING, "", 0, 0, NULL, OFF(helo_name), check_domain_or_empty,
	 "Name given in EHLO; empty means [sender] domain."},
	{"transport", "max_connections", T_INT, "4", 1, 64, NULL, OFF(max_connections), NULL,
	 "SMTP connections used in parallel."},
	{"transport", "messages_per_second", T_INT, "0", 0, 100000, NULL, OFF(messages_per_second),
	 NULL,
	 "Ceiling on messages handed to the relay per second; 0 means as fast as it accepts."},
	{"transport", "messages_per_connection", T_INT, "1000", 1, 1000000, NULL,
	 OFF(messages_per_connection),
	  NULL, "Messages sent over one connection before it is renewed."},
	{"transport", "domain_per_minute", T_INT, "0", 0, 1000000, NULL, OFF(domain_per_minute),
	 NULL,
	 "Ceiling on messages per minute to any one recipient domain; 0 means none."},
	{"transport", "timeout", T_DURATION, "60s", 1, 3600, NULL, OFF(smtp_timeout), NULL,
	 "How long one SMTP transaction may take before it is treated as a deferral."},
	{"transport", "retry_min", T_DURATION, "5m", 1, DAY, NULL, OFF(retry_min), NULL,
	 "First wait before retrying a deferred message; each retry waits twice as long."},
	{"transport", "retry_max", T_DURATION, "2h", 1, DAY, NULL, OFF(retry_max), NULL,
	 "Longest wait between retries."},
	{"transport", "give_up_after", T_DURATION, "3d", 60, 30 * DAY, NULL, OFF(give_up_after),
	 NULL,
	 "A delivery still deferred this long after its first attempt is marked failed."},
	{"transport", "max_lateness", T_DURATION, "12h", 60, 30 * DAY, NULL, OFF(max_lateness),
	 NULL,
	 "A campaign whose send time passed longer ago than this is paused, not sent late."},
	{"transport", "unknown_outcome", T_ENUM, "resend", 0, 0, outcome_choices,
	 OFF(unknown_outcome), NULL,
	 "After a crash, messages whose outcome is unknown are resent (at most one duplicate\n"
	 "each) or skipped (no duplicates, perhaps a lost copy): resend or skip."},

	{"sender", "domain", T_STRING, "localhost", 0, 0, NULL, OFF(sender_domain),
	 config_check_domain,
	 "Domain of the instance: EHLO name and event UIDs.  Each list sends under its own\n"
	 "domain (Message-ID, List-Id, bounces+TOKEN@domain): outreach list set --domain,\n"
	 "by default its From address's domain."},
	{"sender", "allow_dotless_domains", T_STRING, "localhost", 0, 0, NULL, OFF(allow_dotless),
	 NULL,
	 "Domains without a dot that subscribers' addresses may have (names separated by\n"
	 "commas); any other such address (mr.lee@woburn-hs) is refused as a typo."},
	{"sender", "bounce_local", T_STRING, "bounces", 0, 0, NULL, OFF(bounce_local),
	 check_local_part,
	 "Local part of the return path that bounces come back to."},
	{"sender", "request_local", T_STRING, "outreach-request", 0, 0, NULL, OFF(request_local),
	 check_local_part,
	 "Local part of the address that takes mail commands (unsubscribe)."},

	{"bounces", "imap_url", T_STRING, "", 0, 0, NULL, OFF(imap_url), check_imap_url,
	 "Mailbox that bounces arrive in: imap://host:port/MAILBOX (STARTTLS) or\n"
	 "imaps://host:port/MAILBOX; empty turns the bounce worker off."},
	{"bounces", "username", T_STRING, "", 0, 0, NULL, OFF(imap_username),
	 NULL, "IMAP user name."},
	{"bounces", "password_file", T_STRING, "", 0, 0, NULL, OFF(imap_password_file),
	 check_secret_file,
	 "File holding the IMAP password on its first line; refused unless mode 0600."},
	{"bounces", "auth", T_ENUM, "auto", 0, 0, imap_auth_choices, OFF(imap_auth), NULL,
	 "How to log in: login (IMAP LOGIN), plain (AUTHENTICATE PLAIN), or auto\n"
	 "(LOGIN unless the server refuses it with LOGINDISABLED)."},
	{"bounces", "tls_verify", T_BOOL, "yes", 0, 0, NULL, OFF(imap_tls_verify), NULL,
	 "Verify the IMAP server certificate; turn off only for tests."},
	{"bounces", "ca_file", T_STRING, "", 0, 0, NULL, OFF(imap_ca_file), check_file_or_empty,
	 "CA certificates to trust for the IMAP server; empty means the system's."},
	{"bounces", "processed_folder", T_STRING, "processed", 0, 0, NULL, OFF(imap_processed),
	 check_nonempty,
	 "Folder a message is moved to once its result is stored."},
	{"bounces", "unparsed_folder", T_STRING, "unparsed", 0, 0, NULL, OFF(imap_unparsed),
	 check_nonempty,
	 "Folder for messages that could not be understood."},
	{"bounces", "poll_interval", T_DURATION, "60s", 5, DAY, NULL, OFF(imap_poll), NULL,
	 "How often to look for new mail when the server has no IDLE."},
	{"bounces", "soft_threshold", T_INT, "3", 1, 100, NULL, OFF(soft_threshold), NULL,
	 "Soft bounces (at most one counted a day) that disable an address."},
	{"bounces", "soft_window_days", T_INT, "14", 1, 365, NULL, OFF(soft_window_days), NULL,
	 "Days over which soft bounces count; older ones fade."},
	{"bounces", "probe", T_BOOL, "no", 0, 0, NULL, OFF(bounce_probe), NULL,
	 "Before disabling an address, send it a probe message and disable it only\n"
	 "if that bounces too."},

	{"subscribe", "confirm_by_reply", T_BOOL, "yes", 0, 0, NULL, OFF(confirm_by_reply), NULL,
	 "Confirmation requests (double opt-in) may be answered by a plain reply as\n"
	 "well as by their link; the reply goes to request_local+TOKEN@domain."},

	{"digest", "timezone", T_STRING, "UTC", 0, 0, NULL, OFF(digest_timezone), check_timezone,
	 "Time zone of a list that sets none (outreach list set --timezone): digest periods\n"
	 "(the ISO week, the month), dates in digests and feeds, opportunity deadlines."},

	{"web", "listen", T_STRING, "127.0.0.1:8025", 0, 0, NULL, OFF(web_listen), check_listen,
	 "Address the web side (unsubscribe, preferences, confirmation, sign-up) listens on,\n"
	 "HOST:PORT, meant for a TLS reverse proxy in front; off runs no web worker."},
	{"web", "base_url", T_STRING, "http://127.0.0.1:8025", 0, 0, NULL, OFF(web_base_url),
	 check_base_url,
	 "Public URL of the web side, used in every link in every message: set it to the\n"
	 "https address your reverse proxy serves (the default works only on this machine)."},
	{"web", "max_connections", T_INT, "256", 1, 10000, NULL, OFF(web_connections), NULL,
	 "Connections the web side serves at once; more wait in the kernel's queue."},
	{"web", "timeout", T_DURATION, "10s", 1, 300, NULL, OFF(web_timeout), NULL,
	 "A connection idle this long is closed, so slow clients cannot hold it."},
	{"web", "signup_per_hour", T_INT, "10", 1, 100000, NULL, OFF(signup_per_hour), NULL,
	 "Sign-ups accepted from one client address per hour (each address gets at most\n"
	 "one confirmation request an hour whatever this says)."},
	{"web", "signup_origins", T_STRING, "", 0, 0, NULL, OFF(signup_origins), check_origins,
	 "Other web sites (https://host, separated by spaces) whose pages may embed a\n"
	 "list's sign-up form and post it here."},
	{"web", "trusted_proxies", T_STRING, "", 0, 0, NULL, OFF(trusted_proxies), check_addresses,
	 "Addresses of reverse proxies whose X-Forwarded-For is believed for the\n"
	 "per-address sign-up limit (separated by spaces); by default nobody's."},

	{"security", "secret_file", T_STRING, "var/secret.key", 0, 0, NULL, OFF(secret_file),
	 check_nonempty,
	 "Key for signing links (created 0600 by outreach init; keep it secret)."},

	{"dkim", "domain", T_STRING, "", 0, 0, NULL, OFF(dkim_domain), check_domain_or_empty,
	 "d= of the signatures made with the keys below; empty means each list's own\n"
	 "domain (the key's record is then published under every list's domain)."},
	{"dkim", "selector", T_STRING, "", 0, 0, NULL, OFF(dkim_selector), check_selector,
	 "Selector of key_file: its record is SELECTOR._domainkey.DOMAIN."},
	{"dkim", "key_file", T_STRING, "", 0, 0, NULL, OFF(dkim_key_file), NULL,
	 "Private key (PEM) to sign every list's mail with (made by outreach dkim keygen);\n"
	 "empty signs nothing.  A list's own key (list set --dkim-key-file) wins."},
	{"dkim", "algorithm", T_ENUM, "rsa", 0, 0, dkim_alg_choices, OFF(dkim_algorithm), NULL,
	 "rsa (key_file is RSA), ed25519 (key_file is Ed25519) or both: key_file RSA and\n"
	 "ed25519_key_file Ed25519, two signatures, as RFC 8463 advises."},
	{"dkim", "ed25519_selector", T_STRING, "", 0, 0, NULL, OFF(dkim_ed_selector),
	 check_selector, "Selector of ed25519_key_file (algorithm both)."},
	{"dkim", "ed25519_key_file", T_STRING, "", 0, 0, NULL, OFF(dkim_ed_key_file), NULL,
	 "Ed25519 private key (PEM) of the second signature (algorithm both)."},

	{"brand", "name", T_STRING, "outreach", 0, 0, NULL, OFF(brand_name), check_nonempty,
	 "The network's name, shown on web pages that belong to no one list."},
	{"brand", "color", T_STRING, "#1d4e89", 0, 0, NULL, OFF(brand_color), config_check_color,
	 "Main colour of the templates (#rrggbb)."},
	{"brand", "accent", T_STRING, "#f2a900", 0, 0, NULL, OFF(brand_accent), config_check_color,
	 "Accent colour of the templates (#rrggbb)."},
	{"brand", "templates", T_STRING, "templates", 0, 0, NULL, OFF(templates_dir),
	 check_nonempty,
	 "Directory holding NAME.html and NAME.txt templates."},

	{"log", "level", T_ENUM, "info", 0, 0, level_choices, OFF(log_level), NULL,
	 "error, warn, info or debug."},
	{"log", "syslog", T_BOOL, "no", 0, 0, NULL, OFF(log_syslog), NULL,
	 "Log to syslog (facility mail) instead of standard error."},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* parse_duration - "90", "90s", "15m", "12h", "3d" into seconds. */
static int
parse_duration(const char *v, long long min, long long max, long long *out, const char **why)
{
	size_t n = strlen(v);
	long long unit = 1, num;
	char *digits;
	int rc;

	if (n > 0 && strchr("smhd", v[n - 1])) {
		unit = v[n - 1] == 's' ? 1 : v[n - 1] == 'm' ? 60 : v[n - 1] == 'h' ? 3600 : DAY;
		n--;
	}
	digits = xstrndup(v, n);
	rc = parse_int(digits, 0, max, &num, why);
	free(digits);
	if (rc < 0)
		return -1;
	if (num > max / unit || num * unit > max) {
		*why = "too large";
		return -1;
	}
	if (num * unit < min) {
		*why = "too small";
		return -1;
	}
	*out = num * unit;
	return 0;
}

/* key_set - check value and store it into cfg; -1 with err set on a bad value. */
static int
key_set(struct config *cfg, const struct config_key *k, const char *value, struct error *err)
{
	char *field = (char *)cfg + k->offset;
	const char *why = NULL;
	long long num;
	int flag;

	switch (k->type) {
	case T_STRING:
		if (has_header_breaker(value) || !utf8_valid(value, strlen(value)))
			return error_setk(err, ERR_INPUT, "control characters or invalid UTF-8");
		if (k->check && k->check(value, err) < 0)
			return -1;
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case T_INT:
		if (parse_int(value, k->min, k->max, &num, &why) < 0)
			return error_set(err, "'%s' is %s (allowed %lld to %lld)", value, why, k->min,
			                 k->max);
		*(long long *)field = num;
		return 0;
	case T_DURATION:
		if (parse_duration(value, k->min, k->max, &num, &why) < 0)
			return error_set(err, "'%s' is %s (a duration such as 30s, 15m, 12h or 3d, "
			                 "from %llds to %llds)", value, why, k->min, k->max);
		*(long long *)field = num;
		return 0;
	case T_BOOL:
		if (parse_bool(value, &flag) < 0)
			return error_set(err, "'%s' is not yes or no", value);
		*(int *)field = flag;
		return 0;
	case T_ENUM:
		for (int i = 0; k->choices[i]; i++)
			if (strcmp(value, k->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		{
			struct buf choices;

			buf_init(&choices, 1024);
			for (int i = 0; k->choices[i]; i++)
				buf_addf(&choices, "%s%s", i ? ", " : "", k->choices[i]);
			error_set(err, "'%s' is not one of %s", value, buf_cstr(&choices));
			buf_free(&choices);
		}
		return -1;
	}
	return error_set(err, "internal: unknown key type");
}

static const struct config_key *
key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
section_known(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (key_set(cfg, &keys[i], keys[i].def, NULL) < 0)
			abort(); /* a default outside its own bounds is a bug in the table */
}

void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == T_STRING) {
			char **p = (char **)((char *)cfg + keys[i].offset);

			free(*p);
			*p = NULL;
		}
	free(cfg->source);
	cfg->source = NULL;
	free(cfg->templates_looked);
	cfg->templates_looked = NULL;
}

/* The loader's state: inih calls back per key; the reader counts lines. */
struct load_state {
	const char *path;
	struct config *cfg;
	FILE *fp;
	int line;
	int long_line;
	struct error *err;
	int failed;
	int seen_line[sizeof(keys) / sizeof(keys[0])];
};

static char *
load_reader(char *str, int num, void *stream)
{
	struct load_state *st = stream;
	char *got;
	size_t n;

	got = fgets(str, num, st->fp);
	if (got == NULL)
		return NULL;
	st->line++;
	n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(st->fp) && !st->failed) {
		st->failed = 1;
		error_set(st->err, "%s:%d: line longer than %d characters", st->path, st->line, num - 2);
	}
	return got;
}

static int
load_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_state *st = user;
	const struct config_key *k;
	struct error kerr = ERROR_INIT;
	size_t idx;

	if (st->failed)
		return 0;
	k = key_find(section, name);
	if (k == NULL) {
		st->failed = 1;
		if (!section_known(section))
			error_set(st->err, "%s:%d: unknown section [%s]", st->path, st->line, section);
		else
			error_set(st->err, "%s:%d: [%s] %s: unknown key", st->path, st->line, section,
			          name);
		return 0;
	}
	idx = (size_t)(k - keys);
	if (st->seen_line[idx]) {
		st->failed = 1;
		error_set(st->err, "%s:%d: [%s] %s: set twice (first on line %d)", st->path,
		          st->line, section, name, st->seen_line[idx]);
		return 0;
	}
	st->seen_line[idx] = st->line;
	if (key_set(st->cfg, k, value, &kerr) < 0) {
		st->failed = 1;
		error_setk(st->err, ERR_INPUT, "%s:%d: [%s] %s: %s", st->path, st->line, section,
		           name, error_msg(&kerr));
		error_clear(&kerr);
		return 0;
	}
	return 1;
}

int
config_load(struct config *cfg, const char *path, struct error *err)
{
	struct load_state st;
	struct config next;
	int rc;

	memset(&st, 0, sizeof(st));
	st.fp = fopen(path, "r");
	if (st.fp == NULL)
		return error_set(err, "%s: %s", path, strerror(errno));
	/* Load into a copy so a bad file leaves cfg as it was (SIGHUP reload). */
	next = *cfg;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == T_STRING) {
			char **p = (char **)((char *)&next + keys[i].offset);

			*p = xstrdup(*p ? *p : "");
		}
	next.source = NULL;
	next.templates_looked = NULL;
	st.cfg = &next;
	st.path = path;
	st.err = err;
	rc = ini_parse_stream(load_reader, &st, load_handler, &st);
	fclose(st.fp);
	if (!st.failed && rc == 0 && next.retry_min > next.retry_max) {
		const struct config_key *kmin = key_find("transport", "retry_min");
		const struct config_key *kmax = key_find("transport", "retry_max");
		int line = st.seen_line[kmax - keys] ? st.seen_line[kmax - keys]
		                                     : st.seen_line[kmin - keys];

		st.failed = 1;
		error_setk(err, ERR_INPUT, "%s:%d: [transport] %s: retry_min (%llds) is longer than "
		           "retry_max (%llds)", path, line,
		           st.seen_line[kmax - keys] ? "retry_max" : "retry_min",
		           next.retry_min, next.retry_max);
	}
	if (st.failed || rc != 0) {
		if (!st.failed)
			error_setk(err, ERR_INPUT, "%s:%d: not a [section] or a key = value line", path,
			           rc > 0 ? rc : 0);
		config_free(&next);
		return -1;
	}
	config_free(cfg);
	*cfg = next;
	cfg->source = xstrdup(path);
	config_resolve_templates(cfg, path);
	log_set_level((enum log_level)cfg->log_level);
	return 0;
}

/* is_dir - whether path names a directory. */
static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

void
config_resolve_templates(struct config *cfg, const char *config_path)
{
	const char *given = cfg->templates_dir;
	char *candidates[8], *exe = NULL, *dir;
	struct buf looked;
	int n = 0, found = -1;
	ssize_t len;

	free(cfg->templates_looked);
	cfg->templates_looked = NULL;
	if (given == NULL || *given == '\0' || given[0] == '/')
		return;
	if (config_path) {
		char *rel = path_dirname(config_path);

		/* Absolute, so the daemon finds them after a chdir and the error is plain. */
		dir = realpath(rel, NULL);
		if (dir == NULL)
			dir = xstrdup(rel);
		free(rel);
		candidates[n++] = xasprintf("%s/%s", dir, given);
		candidates[n++] = xasprintf("%s/../%s", dir, given);
		free(dir);
	}
	candidates[n++] = xasprintf("%s/%s", OUTREACH_DATADIR, given);
	exe = xmalloc(4096);
	if ((len = readlink("/proc/self/exe", exe, 4095)) > 0) {
		exe[len] = '\0';
		dir = path_dirname(exe);
		candidates[n++] = xasprintf("%s/%s", dir, given);
		candidates[n++] = xasprintf("%s/../%s", dir, given);
		candidates[n++] = xasprintf("%s/../../%s", dir, given);
		free(dir);
	}
	free(exe);
	buf_init(&looked, 16384);
	for (int i = 0; i < n; i++) {
		if (found < 0 && is_dir(candidates[i]))
			found = i;
		buf_addf(&looked, "%s%s", i ? ", " : "", candidates[i]);
	}
	if (found >= 0) {
		char *real = realpath(candidates[found], NULL);

		free(cfg->templates_dir);
		cfg->templates_dir = real ? real : xstrdup(candidates[found]);
	} else
		cfg->templates_looked = xstrdup(buf_cstr(&looked));
	buf_free(&looked);
	for (int i = 0; i < n; i++)
		free(candidates[i]);
}

int
config_templates_error(const struct config *cfg, struct error *err)
{
	if (cfg->templates_looked == NULL)
		return 0;
	return error_setk(err, ERR_INPUT, "[brand] templates '%s' not found: looked in %s",
	                  cfg->templates_dir, cfg->templates_looked);
}

const char *
config_locate(const char *cli_path)
{
	const char *env;
	struct stat sb;

	if (cli_path)
		return cli_path;
	env = getenv("OUTREACH_CONFIG");
	if (env && *env)
		return env;
	if (stat("etc/outreach.conf", &sb) == 0)
		return "etc/outreach.conf";
	return NULL;
}

static void
write_value(FILE *fp, const struct config *cfg, const struct config_key *k)
{
	const char *field = (const char *)cfg + k->offset;

	switch (k->type) {
	case T_STRING:
		fputs(*(char *const *)field, fp);
		break;
	case T_INT:
		fprintf(fp, "%lld", *(const long long *)field);
		break;
	case T_DURATION:
		fprintf(fp, "%llds", *(const long long *)field);
		break;
	case T_BOOL:
		fputs(*(const int *)field ? "yes" : "no", fp);
		break;
	case T_ENUM:
		fputs(k->choices[*(const int *)field], fp);
		break;
	}
}

void
config_write_example(FILE *fp)
{
	const char *section = "";

	fputs("# outreach.conf - configuration for outreach.\n"
	      "#\n"
	      "# Generated by `outreach config example` from the table of keys in src/config.c.\n"
	      "# Every key is shown with its default; delete what you do not change.\n"
	      "# Relative paths are relative to the directory outreach runs in.\n", fp);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &keys[i];
		const char *p;

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, "\n[%s]\n", section);
		}
		fputs("\n# ", fp);
		for (p = k->doc; *p; p++) {
			fputc(*p, fp);
			if (*p == '\n')
				fputs("# ", fp);
		}
		fputc('\n', fp);
		fprintf(fp, "%s%s = %s\n", *k->def ? "" : ";", k->name, k->def);
	}
}

void
config_write_man(FILE *fp)
{
	static const char *const types[] = {"text", "integer", "duration", "yes or no", "one of"};
	const char *section = "";

	man_header(fp, "OUTREACH.CONF", "5");
	fputs(".SH NAME\noutreach.conf \\- configuration file of outreach\n"
	      ".SH SYNOPSIS\n\\fI/etc/outreach/outreach.conf\\fR, or the file named by\n"
	      "\\fBoutreach \\-c\\fR or \\fB$OUTREACH_CONFIG\\fR, else \\fIetc/outreach.conf\\fR\n"
	      ".SH DESCRIPTION\n"
	      "An INI file: \\fB[section]\\fR lines and \\fBkey = value\\fR lines; lines starting\n"
	      "with # or ; are comments.  Every key may be left out for its default.  An\n"
	      "unknown section or key, a key set twice or a bad value stops outreach with\n"
	      "the file, line and key.  Relative paths are relative to the directory outreach\n"
	      "runs in.  Durations take an s, m, h or d suffix.  \\fBoutreach config example\\fR\n"
	      "prints every key with its default; \\fBoutreach config show\\fR the values in\n"
	      "effect.\n", fp);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &keys[i];

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, ".SH [%s]\n", section);
		}
		fputs(".TP\n.B ", fp);
		man_text(fp, k->name);
		fputs("\n", fp);
		man_text(fp, k->doc);
		fprintf(fp, "\n.br\n%s", types[k->type]);
		if (k->type == T_ENUM)
			for (int c = 0; k->choices[c]; c++) {
				fputs(c ? ", " : " ", fp);
				man_text(fp, k->choices[c]);
			}
		else if (k->type == T_INT || k->type == T_DURATION)
			fprintf(fp, ", %lld to %lld%s", k->min, k->max, k->type == T_DURATION ?
			        " seconds" : "");
		fputs("; default: ", fp);
		if (*k->def)
			man_text(fp, k->def);
		else
			fputs("empty", fp);
		fputs("\n", fp);
	}
	fputs(".SH SEE ALSO\n\\fBoutreach\\fR(1)\n", fp);
}

void
config_dump(const struct config *cfg, FILE *fp)
{
	const char *section = "";

	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &keys[i];

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(fp, "%s = ", k->name);
		write_value(fp, cfg, k);
		fputc('\n', fp);
	}
}

int
config_read_secret_file(const char *path, char **out, struct error *err)
{
	char *line = NULL;
	size_t cap = 0;
	struct stat sb;
	ssize_t n;
	FILE *fp;

	fp = fopen(path, "r");
	if (fp == NULL)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &sb) < 0 || check_secret_mode(path, &sb, err) < 0) {
		if (err && error_kind(err) == ERR_NONE)
			error_set(err, "%s: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	n = getline(&line, &cap, fp);
	fclose(fp);
	if (n <= 0) {
		free(line);
		return error_set(err, "%s: empty", path);
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*out = line;
	return 0;
}
