/*
 * dkim_records - the DNS records outreach's signatures point at (the
 * [dkim] keys and each list's own, under each list's domain), each looked
 * up and compared with its key.  Shared by `outreach dkim check` and
 * `outreach doctor`.
 */
#ifndef OUTREACH_DKIM_RECORDS_H
#define OUTREACH_DKIM_RECORDS_H

#include "config.h"
#include "store.h"

enum dkim_record_status {
	DKIM_RECORD_OK,       /* published, and it carries the key */
	DKIM_RECORD_MISSING,  /* no TXT record at the name */
	DKIM_RECORD_MISMATCH, /* a record, but not of this key */
	DKIM_RECORD_ERROR,    /* the key file or the record cannot be read */
	DKIM_RECORD_UNKNOWN,  /* DNS could not be asked (no resolver, no network) */
};

/*
 * dkim_record_fn - one record: name ("SELECTOR._domainkey.DOMAIN"), who
 * signs with it ("[dkim]", "list SLUG"), its key file, the status and what
 * was found (valid during the call).
 */
typedef void (*dkim_record_fn)(const char *name, const char *who, const char *key_file,
                               int status, const char *detail, void *arg);

/*
 * dkim_records_check - fn for each record, in order: the global keys, then
 * each list's (st may be NULL: the global keys only).  The number of
 * records (0: outreach signs nothing), or -1 with err when the lists
 * cannot be read.
 */
int dkim_records_check(const struct config *cfg, struct store *st, dkim_record_fn fn, void *arg,
                       struct error *err);

#endif
