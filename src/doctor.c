/*
 * doctor - the checks of `outreach doctor`, one function each, run in the
 * order of the table below.  See doctor.h.
 *
 * A finding is one line, "ok", "warn" or "fail", the check's name and what
 * was found; a warn or fail line is followed by "fix: ..." saying what to
 * do.  Checks report and go on: one broken piece never hides another.
 */
#define _DEFAULT_SOURCE
#include "doctor.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bouncer.h"
#include "buf.h"
#include "dkim_records.h"
#include "fsutil.h"
#include "imap.h"
#include "store.h"
#include "sysmail.h"
#include "template_lint.h"
#include "transport.h"
#include "url.h"

#include "compose.h"

enum { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };
enum { TEMPLATE_FILE_MAX = 1024 * 1024 };

struct doctor {
	FILE *fp;
	const struct config *cfg;
	const char *config_path;
	int counts[3];
	int db_version;            /* the database's schema version once it passed its check, or 0 */
};

static void report(struct doctor *d, int status, const char *check, const char *fix,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* report - one finding; fix (NULL for ok) on the line below. */
static void
report(struct doctor *d, int status, const char *check, const char *fix, const char *fmt, ...)
{
	static const char *const names[] = {"ok", "warn", "fail"};
	va_list ap;

	d->counts[status]++;
	fprintf(d->fp, "%-5s %-12s ", names[status], check);
	va_start(ap, fmt);
	vfprintf(d->fp, fmt, ap);
	va_end(ap);
	fputc('\n', d->fp);
	if (fix && status != DOCTOR_OK)
		fprintf(d->fp, "%-18s fix: %s\n", "", fix);
}

static void
check_config(struct doctor *d)
{
	const struct config *cfg = d->cfg;
	struct error err = ERROR_INIT;
	struct url u;

	if (d->config_path)
		report(d, DOCTOR_OK, "config", NULL, "%s read", d->config_path);
	else
		report(d, DOCTOR_WARN, "config", "write one (outreach config example > "
		       "etc/outreach.conf) and point OUTREACH_CONFIG or -c at it",
		       "no configuration file: the built-in defaults, which deliver into a local "
		       "Maildir");
	if (config_templates_error(cfg, &err) < 0)
		report(d, DOCTOR_FAIL, "config", "set [brand] templates to the directory holding "
		       "NAME.html and NAME.txt", "%s", error_msg(&err));
	if (url_parse(cfg->web_base_url, &u, &err) == 0 && strcmp(u.scheme, "https") != 0 &&
	    !url_is_loopback(u.host))
		report(d, DOCTOR_WARN, "config", "serve the web side over TLS and set [web] "
		       "base_url to its https:// address", "[web] base_url %s is not https: every "
		       "unsubscribe link in every message travels in the clear", cfg->web_base_url);
	url_free(&u);
	error_clear(&err);
}

/* secret_mode - a file that must be readable by its owner only. */
static void
secret_mode(struct doctor *d, const char *what, const char *path, int must_exist)
{
	struct stat sb;
	char *fix;

	if (*path == '\0')
		return;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT && !must_exist)
			return;
		report(d, DOCTOR_FAIL, "permissions", errno == ENOENT ? "run outreach init" :
		       "make the file readable by the user outreach runs as", "%s %s: %s", what,
		       path, strerror(errno));
		return;
	}
	if (sb.st_mode & 077) {
		fix = xasprintf("chmod 600 %s", path);
		report(d, DOCTOR_FAIL, "permissions", fix, "%s %s is mode %04o: others can read it",
		       what, path, (unsigned)(sb.st_mode & 07777));
		free(fix);
		return;
	}
	report(d, DOCTOR_OK, "permissions", NULL, "%s %s is mode %04o", what, path,
	       (unsigned)(sb.st_mode & 07777));
}

static void
writable(struct doctor *d, const char *what, const char *dir)
{
	struct error err = ERROR_INIT;

	if (dir_writable(dir, &err) == 0)
		report(d, DOCTOR_OK, "permissions", NULL, "%s %s is writable", what, dir);
	else
		report(d, DOCTOR_FAIL, "permissions", "run outreach init as the user outreach runs "
		       "as, or give that user the directory (and list it in ReadWritePaths= of "
		       "the systemd unit)", "%s: %s", what, error_msg(&err));
	error_clear(&err);
}

static void
check_permissions(struct doctor *d)
{
	const struct config *cfg = d->cfg;
	char *dbdir = path_dirname(cfg->db_path);
	char *spool_tmp = xasprintf("%s/tmp", cfg->spool_dir);
	char *spool_new = xasprintf("%s/new", cfg->spool_dir);

	secret_mode(d, "secret key", cfg->secret_file, 1);
	secret_mode(d, "[transport] password_file", cfg->smtp_password_file, 1);
	secret_mode(d, "[bounces] password_file", cfg->imap_password_file, 1);
	writable(d, "database directory", dbdir);
	writable(d, "spool", spool_tmp);
	writable(d, "spool", spool_new);
	free(dbdir);
	free(spool_tmp);
	free(spool_new);
}

static void
check_database(struct doctor *d)
{
	struct error err = ERROR_INIT;
	int version = 0;

	if (store_check_file(d->cfg->db_path, &version, &err) == 0) {
		d->db_version = version;
		if (version < store_latest_version())
			report(d, DOCTOR_OK, "database", NULL, "%s passes its integrity check "
			       "(schema version %d; the next start brings it to %d)", d->cfg->db_path,
			       version, store_latest_version());
		else
			report(d, DOCTOR_OK, "database", NULL, "%s passes its integrity check "
			       "(schema version %d)", d->cfg->db_path, version);
	} else
		report(d, DOCTOR_FAIL, "database", error_kind(&err) == ERR_NOTFOUND ?
		       "run outreach init" : "stop outreach and put the last good backup back: "
		       "outreach restore FILE --force", "%s", error_msg(&err));
	error_clear(&err);
}

static void
check_transport(struct doctor *d)
{
	struct error err = ERROR_INIT;
	struct buf said, fix;

	buf_init(&said, 4096);
	buf_init(&fix, 4096);
	if (transport_check(d->cfg, &said, &fix, &err) == 0)
		report(d, DOCTOR_OK, "transport", NULL, "%s", buf_cstr(&said));
	else
		report(d, DOCTOR_FAIL, "transport", buf_cstr(&fix), "%s", error_msg(&err));
	buf_free(&said);
	buf_free(&fix);
	error_clear(&err);
}

static void
check_imap(struct doctor *d)
{
	const struct config *cfg = d->cfg;
	struct error err = ERROR_INIT;
	struct imap_params p;
	struct imap *m = NULL;
	char *password = NULL;

	if (*cfg->imap_url == '\0') {
		report(d, DOCTOR_WARN, "bounces", "set [bounces] imap_url, username and "
		       "password_file to the mailbox the return path delivers to",
		       "no [bounces] imap_url: bounces are not read, so dead addresses are "
		       "mailed again and again");
		return;
	}
	if (*cfg->imap_password_file &&
	    config_read_secret_file(cfg->imap_password_file, &password, &err) < 0) {
		report(d, DOCTOR_FAIL, "bounces", "give [bounces] password_file the password on "
		       "its first line, mode 0600", "%s", error_msg(&err));
		error_clear(&err);
		return;
	}
	bouncer_imap_params(cfg, password, 30, &p);
	if (imap_open(&p, &m, &err) == 0)
		report(d, DOCTOR_OK, "bounces", NULL, "%s accepts %s's login", cfg->imap_url,
		       cfg->imap_username);
	else
		report(d, DOCTOR_FAIL, "bounces", error_kind(&err) == ERR_INPUT ?
		       "check [bounces] username and the password in password_file" :
		       "start the IMAP server, or correct [bounces] imap_url (and ca_file)", "%s",
		       error_msg(&err));
	imap_close(m);
	if (password)
		explicit_bzero(password, strlen(password));
	free(password);
	error_clear(&err);
}

/* lint_file - dir/name.ext shows its unsubscribe link; -1 with err otherwise. */
static int
lint_file(const char *dir, const char *name, const char *ext, struct error *err)
{
	char *path = xasprintf("%s/%s.%s", dir, name, ext), *data = NULL;
	size_t len = 0;
	int rc;

	rc = read_file(path, TEMPLATE_FILE_MAX, &data, &len, err);
	if (rc == 0)
		rc = template_lint_link(data, len, strcmp(ext, "html") == 0, "unsubscribe_url", err);
	if (rc < 0)
		error_prefix(err, "%s", path);
	free(data);
	free(path);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_templates(struct doctor *d)
{
	const char *dir = d->cfg->templates_dir;
	struct error err = ERROR_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0, bad = 0;
	struct dirent *de;
	DIR *dp;

	if (d->cfg->templates_looked || (dp = opendir(dir)) == NULL)
		return; /* check_config has said so */
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len <= 5 || strcmp(de->d_name + len - 5, ".html") != 0 || de->d_name[0] == '.')
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));
		names[n++] = xstrndup(de->d_name, len - 5);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		int rc = compose_template_check(dir, names[i], &err);

		if (rc < 0)
			report(d, DOCTOR_FAIL, "templates", "correct the template at that line; "
			       "outreach template check NAME checks it again", "%s", error_msg(&err));
		else if (sysmail_needs_unsubscribe(names[i]) &&
		         (lint_file(dir, names[i], "html", &err) < 0 ||
		          lint_file(dir, names[i], "txt", &err) < 0)) {
			rc = -1;
			report(d, DOCTOR_FAIL, "templates", "put the link where readers see it: "
			       "<a href=\"{{unsubscribe_url}}\">Unsubscribe</a> in the HTML footer, "
			       "{{unsubscribe_url}} on a line of the text", "%s: no visible unsubscribe "
			       "link", error_msg(&err));
		}
		bad += rc < 0;
		error_clear(&err);
		free(names[i]);
	}
	free(names);
	if (bad == 0)
		report(d, DOCTOR_OK, "templates", NULL, "%zu templates in %s compile, and mail to "
		       "lists shows a visible unsubscribe link", n, dir);
}

static void
check_web(struct doctor *d)
{
	const char *base = d->cfg->web_base_url;
	size_t n = strlen(base);
	struct error err = ERROR_INIT;
	long status = 0;
	char *url, *fix;

	while (n > 0 && base[n - 1] == '/')
		n--;
	url = xasprintf("%.*s/healthz", (int)n, base);
	fix = xasprintf("start outreach daemon (or outreach web) and the reverse proxy in front "
	                "of it, listening on [web] listen = %s; or correct [web] base_url",
	                d->cfg->web_listen);
	if (url_get_status(url, 10, &status, &err) < 0)
		report(d, DOCTOR_FAIL, "web", fix, "%s", error_msg(&err));
	else if (status != 200)
		report(d, DOCTOR_FAIL, "web", fix, "%s answers %ld, not 200", url, status);
	else
		report(d, DOCTOR_OK, "web", NULL, "%s answers 200", url);
	free(url);
	free(fix);
	error_clear(&err);
}

static void
dkim_finding(const char *name, const char *who, const char *key_file, int status,
             const char *detail, void *arg)
{
	struct doctor *d = arg;
	char *fix;

	switch (status) {
	case DKIM_RECORD_OK:
		report(d, DOCTOR_OK, "dkim", NULL, "%s (%s) carries the key in %s", name, who,
		       key_file);
		break;
	case DKIM_RECORD_UNKNOWN:
		report(d, DOCTOR_WARN, "dkim", "run outreach dkim check where DNS can be reached",
		       "%s (%s) not checked: %s", name, who, detail);
		break;
	case DKIM_RECORD_MISSING:
	case DKIM_RECORD_MISMATCH:
		fix = xasprintf("publish the record `outreach dkim keygen` printed for %s (or sign "
		                "with the key %s publishes)", key_file, name);
		report(d, DOCTOR_FAIL, "dkim", fix, "%s (%s): %s: receivers will fail every "
		       "signature", name, who, status == DKIM_RECORD_MISSING ? "no TXT record" :
		       detail);
		free(fix);
		break;
	default:
		report(d, DOCTOR_FAIL, "dkim", "check [dkim] key_file and list set --dkim-key-file",
		       "%s (%s): %s", name, who, detail);
	}
}

/*
 * check_dkim - each key outreach signs with against its DNS record.  The
 * lists' own keys only when the database passed its check (above) at this
 * binary's schema: the doctor never migrates it.
 */
static void
check_dkim(struct doctor *d)
{
	struct error err = ERROR_INIT;
	struct store *st = NULL;
	int n;

	if (d->db_version == store_latest_version() && store_open(d->cfg->db_path, &st, &err) < 0)
		st = NULL;
	error_clear(&err);
	n = dkim_records_check(d->cfg, st, dkim_finding, d, &err);
	if (n < 0)
		report(d, DOCTOR_FAIL, "dkim", "see the database check above", "%s",
		       error_msg(&err));
	else if (n == 0)
		report(d, DOCTOR_WARN, "dkim", "outreach dkim keygen --selector S --domain D "
		       "--key-file F, publish the record, then set [dkim] or list set "
		       "--dkim-key-file", "mail goes out unsigned: the big mailbox providers want "
		       "bulk mail signed with DKIM aligned to its From domain");
	store_close(st);
	error_clear(&err);
}

/* The checks, in the order they run. */
static const struct {
	const char *name;
	void (*run)(struct doctor *d);
} checks[] = {
	{"config", check_config},
	{"permissions", check_permissions},
	{"database", check_database},
	{"transport", check_transport},
	{"bounces", check_imap},
	{"templates", check_templates},
	{"dkim", check_dkim},
	{"web", check_web},
};

int
doctor_run(const struct config *cfg, const char *config_path, FILE *fp)
{
	struct doctor d;

	memset(&d, 0, sizeof(d));
	d.fp = fp;
	d.cfg = cfg;
	d.config_path = config_path;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i].run(&d);
	fprintf(fp, "\n%d ok, %d warnings, %d failed\n", d.counts[DOCTOR_OK],
	        d.counts[DOCTOR_WARN], d.counts[DOCTOR_FAIL]);
	fflush(fp);
	return d.counts[DOCTOR_FAIL];
}
