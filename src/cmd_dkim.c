/*
 * cmd_dkim - dkim keygen (a key and the TXT record to publish) and dkim
 * check (the published records against the keys outreach signs with).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dkim.h"
#include "dkim_records.h"

/* print_record - the TXT record in zone-file form: strings of at most 255 octets (RFC 1035). */
static void
print_record(const char *selector, const char *domain, const char *txt)
{
	size_t n = strlen(txt);

	printf("%s._domainkey.%s. IN TXT (", selector, domain);
	for (size_t i = 0; i < n; i += 250)
		printf(" \"%.*s\"", (int)(n - i < 250 ? n - i : 250), txt + i);
	printf(" )\n");
}

int
cmd_dkim_keygen(struct cli *cli, int argc, char **argv)
{
	const char *selector = NULL, *domain = NULL, *path = NULL, *alg = "rsa";
	const struct cli_opt opts[] = {
		{"selector", &selector, NULL}, {"domain", &domain, NULL}, {"key-file", &path, NULL},
		{"algorithm", &alg, NULL}, {NULL, NULL, NULL},
	};
	struct buf txt;
	char **pos;
	int npos, rc, type;

	if ((rc = cli_options(cli, argc, argv, opts, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (selector == NULL || domain == NULL || path == NULL)
		return error_set(&cli->err, "--selector, --domain and --key-file are required"),
		       CLI_USAGE;
	if (strcmp(alg, "rsa") == 0)
		type = DKIM_KEY_RSA;
	else if (strcmp(alg, "ed25519") == 0)
		type = DKIM_KEY_ED25519;
	else
		return error_set(&cli->err, "--algorithm '%s': rsa or ed25519", alg), CLI_USAGE;
	if (dkim_check_selector(selector, &cli->err) < 0 ||
	    config_check_domain(domain, &cli->err) < 0) {
		error_prefix(&cli->err, "%s", dkim_check_selector(selector, NULL) < 0 ?
		             "--selector" : "--domain");
		return CLI_FAIL;
	}
	buf_init(&txt, 4096);
	if (dkim_keygen(type, path, &txt, &cli->err) < 0) {
		buf_free(&txt);
		return CLI_FAIL;
	}
	printf("wrote %s (%s, mode 0600); publish this DNS record:\n", path,
	       type == DKIM_KEY_RSA ? "RSA 2048 bits" : "Ed25519");
	print_record(selector, domain, buf_cstr(&txt));
	buf_free(&txt);
	return CLI_OK;
}

/* The findings of dkim check, printed as they come. */
struct tally {
	int bad, nodns;
};

static void
print_record_status(const char *name, const char *who, const char *key_file, int status,
                    const char *detail, void *arg)
{
	struct tally *t = arg;

	switch (status) {
	case DKIM_RECORD_OK:
		printf("ok        %s (%s): matches %s\n", name, who, key_file);
		break;
	case DKIM_RECORD_UNKNOWN:
		printf("unknown   %s (%s): %s\n", name, who, detail);
		t->nodns++;
		break;
	case DKIM_RECORD_MISSING:
		printf("missing   %s (%s): no TXT record; publish: outreach dkim keygen "
		       "prints it\n", name, who);
		t->bad++;
		break;
	case DKIM_RECORD_MISMATCH:
		printf("MISMATCH  %s (%s): %s (key %s)\n", name, who, detail, key_file);
		t->bad++;
		break;
	default:
		printf("error     %s (%s): %s\n", name, who, detail);
		t->bad++;
	}
}

int
cmd_dkim_check(struct cli *cli, int argc, char **argv)
{
	struct tally t = {0, 0};
	int total, rc;
	char **pos;
	int npos;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (cli_store(cli) == NULL)
		return CLI_FAIL;
	total = dkim_records_check(&cli->cfg, cli->store, print_record_status, &t, &cli->err);
	if (total < 0)
		return CLI_FAIL;
	if (total == 0)
		return error_set(&cli->err, "no DKIM key to check: set [dkim] key_file or "
		                 "list set --dkim-key-file"), CLI_FAIL;
	if (t.bad) {
		error_set(&cli->err, "%d of %d DKIM records missing or not matching their keys",
		          t.bad, total);
		return CLI_FAIL;
	}
	if (t.nodns) {
		error_setk(&cli->err, ERR_TEMP, "cannot look up %d DKIM record%s: no DNS", t.nodns,
		           t.nodns == 1 ? "" : "s");
		return CLI_TEMPFAIL;
	}
	return CLI_OK;
}
