/*
 * cmd_dkim - dkim keygen (a key and the TXT record to publish) and dkim
 * check (the published records against the keys outreach signs with).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "cli.h"
#include "dkim.h"
#include "dns.h"

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

/* One signing identity: where its record is, and the key it must carry. */
struct ident {
	char *domain, *selector, *key_file, *who;
};

struct idents {
	struct ident *v;
	int n;
	const struct config *cfg;
	struct error err;
};

static void
add_ident(struct idents *s, const char *domain, const char *selector, const char *key_file,
          const char *who)
{
	for (int i = 0; i < s->n; i++)
		if (strcasecmp(s->v[i].domain, domain) == 0 &&
		    strcmp(s->v[i].selector, selector) == 0 &&
		    strcmp(s->v[i].key_file, key_file) == 0)
			return;
	s->v = xrealloc(s->v, (size_t)(s->n + 1) * sizeof(*s->v));
	s->v[s->n].domain = xstrdup(domain);
	s->v[s->n].selector = xstrdup(selector);
	s->v[s->n].key_file = xstrdup(key_file);
	s->v[s->n].who = xstrdup(who);
	s->n++;
}

/* global_keys - [dkim]'s key (and Ed25519 key with algorithm both) as d=domain. */
static void
global_keys(struct idents *s, const char *domain, const char *who)
{
	const struct config *cfg = s->cfg;

	add_ident(s, domain, cfg->dkim_selector, cfg->dkim_key_file, who);
	if (cfg->dkim_algorithm == DKIM_ALG_BOTH)
		add_ident(s, domain, cfg->dkim_ed_selector, cfg->dkim_ed_key_file, who);
}

static int
list_ident(const struct list_info *l, void *arg)
{
	struct idents *s = arg;
	char *name = NULL, *addr = NULL, *who = xasprintf("list %s", l->slug);
	const char *why, *domain = l->domain;

	if (domain == NULL && addr_parse_mailbox(l->from, &name, &addr, &why) == 0)
		domain = addr_domain(addr);
	if (domain == NULL)
		domain = "?";
	if (l->dkim_key_file)
		add_ident(s, domain, l->dkim_selector ? l->dkim_selector : "", l->dkim_key_file, who);
	else if (*s->cfg->dkim_key_file && *s->cfg->dkim_domain == '\0')
		global_keys(s, domain, who);
	free(name);
	free(addr);
	free(who);
	return 0;
}

int
cmd_dkim_check(struct cli *cli, int argc, char **argv)
{
	struct idents s = {NULL, 0, &cli->cfg, ERROR_INIT};
	int bad = 0, nodns = 0, total, rc;
	char **pos;
	int npos;

	if ((rc = cli_options(cli, argc, argv, NULL, 0, 0, &pos, &npos)) != CLI_OK)
		return rc;
	if (*cli->cfg.dkim_key_file && *cli->cfg.dkim_domain)
		global_keys(&s, cli->cfg.dkim_domain, "[dkim]");
	if (cli_store(cli) == NULL || store_list_each(cli->store, list_ident, &s, &cli->err) < 0)
		return CLI_FAIL;
	if (s.n == 0)
		return error_set(&cli->err, "no DKIM key to check: set [dkim] key_file or "
		                 "list set --dkim-key-file"), CLI_FAIL;
	for (int i = 0; i < s.n; i++) {
		struct ident *d = &s.v[i];
		char *name = xasprintf("%s._domainkey.%s", d->selector, d->domain);
		struct buf rec;
		struct error e = ERROR_INIT;
		const char *why = NULL;
		int found, m = -1;

		buf_init(&rec, DNS_TXT_MAX);
		found = dns_txt(name, &rec, &e);
		if (found == 1)
			m = dkim_txt_matches(d->key_file, buf_cstr(&rec), &why, &e);
		if (found < 0 && error_kind(&e) == ERR_TEMP) {
			printf("unknown   %s (%s): %s\n", name, d->who, error_msg(&e));
			nodns++;
		} else if (found == 0) {
			printf("missing   %s (%s): no TXT record; publish: outreach dkim keygen "
			       "prints it\n", name, d->who);
			bad++;
		} else if (found < 0 || m < 0) {
			printf("error     %s (%s): %s\n", name, d->who, error_msg(&e));
			bad++;
		} else if (m == 0) {
			printf("MISMATCH  %s (%s): %s (key %s)\n", name, d->who, why, d->key_file);
			bad++;
		} else
			printf("ok        %s (%s): matches %s\n", name, d->who, d->key_file);
		buf_free(&rec);
		error_clear(&e);
		free(name);
	}
	total = s.n;
	for (int i = 0; i < s.n; i++) {
		free(s.v[i].domain);
		free(s.v[i].selector);
		free(s.v[i].key_file);
		free(s.v[i].who);
	}
	free(s.v);
	if (bad) {
		error_set(&cli->err, "%d of %d DKIM records missing or not matching their keys",
		          bad, total);
		return CLI_FAIL;
	}
	if (nodns) {
		error_setk(&cli->err, ERR_TEMP, "cannot look up %d DKIM record%s: no DNS", nodns,
		           nodns == 1 ? "" : "s");
		return CLI_TEMPFAIL;
	}
	return CLI_OK;
}
