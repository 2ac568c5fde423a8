/*
 * test_config - the configuration table and loader: defaults, every kind of
 * bad value named by file, line and key, and the shipped example in step
 * with the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/outreach-config-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.db_path, "var/outreach.db");
	assert_string_equal(cfg.spool_dir, "queue");
	assert_string_equal(cfg.transport_url, "maildir:var/outbox");
	assert_string_equal(cfg.web_listen, "127.0.0.1:8025");
	assert_int_equal(cfg.starttls, STARTTLS_REQUIRED);
	assert_int_equal(cfg.max_connections, 4);
	assert_int_equal(cfg.give_up_after, 3 * 24 * 3600);
	assert_int_equal(cfg.max_lateness, 12 * 3600);
	assert_string_equal(cfg.bounce_local, "bounces");
	config_free(&cfg);
}

static const struct {
	const char *text;
	const char *want_err; /* NULL: loads */
} cases[] = {
	{"[database]\npath = /srv/o.db\n", NULL},
	{"; comment\n# comment\n[transport]\nurl = smtp://127.0.0.1:2525\nstarttls = off\n", NULL},
	{"[transport]\ngive_up_after = 2d\nmax_lateness = 90m\ntimeout = 30\n", NULL},
	{"[log]\nlevel = debug\nsyslog = yes\n", NULL},
	{"[nosuch]\nx = 1\n", ":2: unknown section [nosuch]"},
	{"[database]\npaht = x\n", ":2: [database] paht: unknown key"},
	{"[transport]\nmax_connections = 0\n",
	 ":2: [transport] max_connections: '0' is too small (allowed 1 to 64)"},
	{"[transport]\nmax_connections = 65\n",
	 ":2: [transport] max_connections: '65' is too large (allowed 1 to 64)"},
	{"[transport]\nmax_connections = four\n",
	 ":2: [transport] max_connections: 'four' is not a whole number (allowed 1 to 64)"},
	{"[transport]\nmax_connections =\n",
	 ":2: [transport] max_connections: '' is empty, a number is needed (allowed 1 to 64)"},
	{"[transport]\nstarttls = maybe\n",
	 ":2: [transport] starttls: 'maybe' is not one of required, opportunistic, off"},
	{"[log]\nsyslog = perhaps\n", ":2: [log] syslog: 'perhaps' is not yes or no"},
	{"[transport]\ngive_up_after = 3w\n", ":2: [transport] give_up_after: '3w' is not a whole"},
	{"[transport]\ngive_up_after = 10s\n", ":2: [transport] give_up_after: '10s' is too small"},
	{"[transport]\ngive_up_after = 31d\n", ":2: [transport] give_up_after: '31d' is too large"},
	{"[database]\npath = a\npath = b\n", ":3: [database] path: set twice (first on line 2)"},
	{"[database]\njust some words\n", ":2: not a [section] or a key = value line"},
	{"path = x\n", ":1: unknown section []"},
	/* Values checked where they are read: each would otherwise land in mail or a page. */
	{"[brand]\ncolor = red;}</style><script>alert(1)</script>\n",
	 ":2: [brand] color: 'red;}</style><script>alert(1)</script>' is not a colour of the form "
	 "#rrggbb"},
	{"[brand]\naccent = #12345\n", ":2: [brand] accent: '#12345' is not a colour"},
	{"[brand]\ncolor = #1D4E89\naccent = #f2a900\n", NULL},
	{"[web]\nbase_url = javascript:alert(1)//\n",
	 ":2: [web] base_url: scheme 'javascript:' is not allowed here"},
	{"[web]\nbase_url = https://prefs.metronorth.example/outreach\n", NULL},
	{"[web]\nbase_url = https://prefs.example/?x=1\n", ":2: [web] base_url: "},
	{"[web]\nbase_url = prefs.example\n", ":2: [web] base_url: "},
	{"[web]\nlisten = 8025\n", ":2: [web] listen: '8025': use HOST:PORT"},
	{"[web]\nlisten = off\n", NULL},
	{"[web]\nlisten = [::1]:8025\n", NULL},
	{"[transport]\nretry_min = 1h\nretry_max = 1m\n",
	 ":3: [transport] retry_max: retry_min (3600s) is longer than retry_max (60s)"},
	{"[transport]\nretry_min = 3h\n",
	 ":2: [transport] retry_min: retry_min (10800s) is longer than retry_max (7200s)"},
	{"[transport]\nurl = file:///etc/passwd\n",
	 ":2: [transport] url: scheme 'file:' is not allowed here: use maildir:PATH"},
	{"[transport]\nurl = maildir:\n", ":2: [transport] url: maildir: needs a directory"},
	{"[transport]\nurl = smtps://relay.example:465\n", NULL},
	{"[bounces]\nimap_url = http://mail.example/INBOX\n",
	 ":2: [bounces] imap_url: scheme 'http:' is not allowed here"},
	{"[sender]\nbounce_local = a b\n", ":2: [sender] bounce_local: 'a b' is not a local part"},
	{"[sender]\nrequest_local = req+x\n", ":2: [sender] request_local: 'req+x': '+'"},
	{"[sender]\ndomain = exa mple.org\n", ":2: [sender] domain: 'exa mple.org' is not a domain"},
	{"[sender]\ndomain = metronorth.example\n", NULL},
	{"[database]\npath =\n", ":2: [database] path: must not be empty"},
	{"[transport]\npassword_file = /nonexistent/pass\n",
	 ":2: [transport] password_file: /nonexistent/pass: No such file"},
	{"[bounces]\nca_file = /nonexistent/ca.pem\n", ":2: [bounces] ca_file: /nonexistent/ca.pem"},
};

static void
test_load_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		struct error err = ERROR_INIT;
		char *path = write_temp(cases[i].text);
		int rc;

		config_defaults(&cfg);
		rc = config_load(&cfg, path, &err);
		if (cases[i].want_err == NULL) {
			if (rc != 0)
				fail_msg("case %zu: got error '%s', want success", i, error_msg(&err));
		} else {
			if (rc == 0)
				fail_msg("case %zu: got success, want error '%s'", i, cases[i].want_err);
			if (strncmp(error_msg(&err), path, strlen(path)) != 0 ||
			    strstr(error_msg(&err), cases[i].want_err) == NULL)
				fail_msg("case %zu: got '%s', want '%s%s...'", i, error_msg(&err), path,
				         cases[i].want_err);
		}
		error_clear(&err);
		config_free(&cfg);
		unlink(path);
		free(path);
	}
}

/* A password file anyone else can read is refused, as the signing key is. */
static void
test_secret_modes(void **state)
{
	struct config cfg;
	struct error err = ERROR_INIT;
	char *pass = write_temp("secret\n"), *text, *path;
	char *got = NULL;

	(void)state;
	chmod(pass, 0644);
	text = malloc(strlen(pass) + 64);
	snprintf(text, strlen(pass) + 64, "[bounces]\npassword_file = %s\n", pass);
	path = write_temp(text);
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, &err), -1);
	if (strstr(error_msg(&err), ":2: [bounces] password_file: ") == NULL ||
	    strstr(error_msg(&err), "is readable by others (mode 0644); chmod 600 it") == NULL)
		fail_msg("got '%s'", error_msg(&err));
	error_clear(&err);
	/* Loosened after the load: reading it is refused too. */
	chmod(pass, 0600);
	assert_int_equal(config_load(&cfg, path, &err), 0);
	chmod(pass, 0640);
	assert_int_equal(config_read_secret_file(cfg.imap_password_file, &got, &err), -1);
	assert_non_null(strstr(error_msg(&err), "readable by others"));
	error_clear(&err);
	chmod(pass, 0600);
	assert_int_equal(config_read_secret_file(cfg.imap_password_file, &got, &err), 0);
	assert_string_equal(got, "secret");
	free(got);
	config_free(&cfg);
	unlink(path);
	unlink(pass);
	free(path);
	free(pass);
	free(text);
}

static void
test_values_applied(void **state)
{
	struct config cfg;
	struct error err = ERROR_INIT;
	char *path = write_temp("[transport]\nurl = smtp://127.0.0.1:2525\ngive_up_after = 2d\n"
	                        "starttls = opportunistic\n[log]\nlevel = warn\n");

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, &err), 0);
	assert_string_equal(cfg.transport_url, "smtp://127.0.0.1:2525");
	assert_int_equal(cfg.give_up_after, 2 * 86400);
	assert_int_equal(cfg.starttls, STARTTLS_OPPORTUNISTIC);
	assert_int_equal(cfg.log_level, 1);
	assert_string_equal(cfg.db_path, "var/outreach.db");
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void
test_bad_file_leaves_config_alone(void **state)
{
	struct config cfg;
	struct error err = ERROR_INIT;
	char *path = write_temp("[database]\npath = changed.db\n[transport]\nmax_connections = 0\n");

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, path, &err), -1);
	assert_string_equal(cfg.db_path, "var/outreach.db");
	error_clear(&err);
	config_free(&cfg);
	unlink(path);
	free(path);
}

/* The example file is generated from the table, loads cleanly, and is the one shipped. */
static void
test_example_matches_table(void **state)
{
	char *generated = NULL, *shipped = NULL;
	size_t glen = 0, slen = 0;
	const char *top = getenv("OUTREACH_TOP");
	char *path;
	FILE *fp;
	struct config cfg;
	struct error err = ERROR_INIT;

	(void)state;
	fp = open_memstream(&generated, &glen);
	config_write_example(fp);
	fclose(fp);
	path = write_temp(generated);
	config_defaults(&cfg);
	if (config_load(&cfg, path, &err) != 0)
		fail_msg("generated example does not load: %s", error_msg(&err));
	config_free(&cfg);
	unlink(path);
	free(path);

	path = xasprintf("%s/etc/outreach.conf.example", top ? top : "..");
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	shipped = malloc(1 << 20);
	slen = fread(shipped, 1, (1 << 20) - 1, fp);
	shipped[slen] = '\0';
	fclose(fp);
	if (strcmp(shipped, generated) != 0)
		fail_msg("%s differs from `outreach config example`; regenerate it", path);
	free(shipped);
	free(generated);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_modes),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_load_cases),
		cmocka_unit_test(test_values_applied),
		cmocka_unit_test(test_bad_file_leaves_config_alone),
		cmocka_unit_test(test_example_matches_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
