/*
 * cmd_report - `outreach report CAMPAIGN`: a campaign's report as text,
 * JSON or CSV on standard output, or (--link) the signed address of its
 * page on the web worker, good for REPORT_LINK_VALID seconds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "secret.h"
#include "token.h"
#include "web.h"

enum { REPORT_OUT_MAX = 64 << 20 };

/* link - the report page's address: base_url/r/TOKEN, the token issued now. */
static int
link(struct cli *cli, int64_t id)
{
	unsigned char key[SECRET_LEN];
	struct token t = {TOKEN_REPORT, id, now_unix(), 0};
	struct buf tok;
	const char *base = cli->cfg.web_base_url, *why = web_base_url_warning(&cli->cfg);
	size_t n = strlen(base);
	int rc = CLI_OK;

	if (secret_load(cli->cfg.secret_file, key, &cli->err) < 0)
		return CLI_FAIL;
	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_init(&tok, TOKEN_MAX + 1);
	if (token_make(key, &t, &tok) < 0 || buf_failed(&tok))
		rc = (error_set(&cli->err, "cannot make a link for campaign %lld", (long long)id),
		      CLI_FAIL);
	else
		printf("%.*s/r/%s\n", (int)n, base, buf_cstr(&tok));
	if (rc == CLI_OK && why)
		fprintf(stderr, "outreach report: warning: %s\n", why);
	buf_free(&tok);
	return rc;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	const char *format = "text";
	int want_link = 0, fmt;
	const struct cli_opt opts[] = {
		{"format", &format, NULL}, {"link", NULL, &want_link}, {NULL, NULL, NULL}};
	struct report r;
	struct buf out;
	char **pos;
	int npos, rc;
	long long id;
	const char *why;

	if ((rc = cli_options(cli, argc, argv, opts, 1, 1, &pos, &npos)) != CLI_OK)
		return rc;
	if (parse_int(pos[0], 1, INT64_MAX, &id, &why) < 0)
		return error_setk(&cli->err, ERR_INPUT, "campaign '%s': %s", pos[0], why), CLI_USAGE;
	if ((fmt = report_format_parse(format)) < 0)
		return error_setk(&cli->err, ERR_INPUT, "--format '%s': give text, json or csv",
		                  format), CLI_USAGE;
	if (cli_store(cli) == NULL || report_load(cli->store, id, &r, &cli->err) < 0)
		return CLI_FAIL;
	if (want_link) {
		report_free(&r);
		return link(cli, id);
	}
	buf_init(&out, REPORT_OUT_MAX);
	report_write(&r, fmt, &out);
	report_free(&r);
	if (buf_failed(&out)) {
		buf_free(&out);
		return error_set(&cli->err, "the report of campaign %lld is over %d bytes", id,
		                 REPORT_OUT_MAX), CLI_FAIL;
	}
	rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? CLI_OK :
	     (error_setk(&cli->err, ERR_IO, "writing the report: %s", strerror(errno)), CLI_FAIL);
	buf_free(&out);
	return rc;
}
