/*
 * dns - the one DNS question outreach asks: the TXT record of a name (a
 * DKIM key's, SELECTOR._domainkey.DOMAIN), through the system resolver.
 *
 * dns_txt answers 1 with the record's strings joined, 0 when the name has
 * no TXT record (or does not exist), and -1 with ERR_TEMP when it cannot
 * look (no resolver answers: no DNS here).  The tests' build alone also
 * reads answers from the file named by OUTREACH_DKIM_TXT_FILE (lines of
 * "NAME VALUE"; a name absent from it has no record), so tests need no DNS.
 */
#ifndef OUTREACH_DNS_H
#define OUTREACH_DNS_H

#include "buf.h"
#include "util.h"

enum { DNS_TXT_MAX = 8192 };

int dns_txt(const char *name, struct buf *out, struct error *err);

#endif
