/*
 * dkim_records - which records outreach's signatures point at, and what DNS
 * holds there.  See dkim_records.h.
 */
#define _DEFAULT_SOURCE
#include "dkim_records.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "dkim.h"
#include "dns.h"

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
dkim_records_check(const struct config *cfg, struct store *st, dkim_record_fn fn, void *arg,
                   struct error *err)
{
	struct idents s = {NULL, 0, cfg, ERROR_INIT};
	int rc;

	if (*cfg->dkim_key_file && *cfg->dkim_domain)
		global_keys(&s, cfg->dkim_domain, "[dkim]");
	rc = st ? store_list_each(st, list_ident, &s, err) : 0;
	for (int i = 0; rc == 0 && i < s.n; i++) {
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
		if (found < 0 && error_kind(&e) == ERR_TEMP)
			fn(name, d->who, d->key_file, DKIM_RECORD_UNKNOWN, error_msg(&e), arg);
		else if (found == 0)
			fn(name, d->who, d->key_file, DKIM_RECORD_MISSING, "no TXT record", arg);
		else if (found < 0 || m < 0)
			fn(name, d->who, d->key_file, DKIM_RECORD_ERROR, error_msg(&e), arg);
		else if (m == 0)
			fn(name, d->who, d->key_file, DKIM_RECORD_MISMATCH, why, arg);
		else
			fn(name, d->who, d->key_file, DKIM_RECORD_OK, "matches", arg);
		buf_free(&rec);
		error_clear(&e);
		free(name);
	}
	for (int i = 0; i < s.n; i++) {
		free(s.v[i].domain);
		free(s.v[i].selector);
		free(s.v[i].key_file);
		free(s.v[i].who);
	}
	free(s.v);
	return rc < 0 ? -1 : s.n;
}
