/*
 * bouncer - the bounce worker: mail that comes back to the bounce mailbox
 * (bounces, complaints, auto-replies, unsubscribe commands) changes
 * subscriber state.
 *
 * Each message is handled in one transaction that records it (keyed by its
 * Message-ID and a hash of its content) together with every change it
 * causes; only after the commit is it flagged \Seen and moved to the
 * processed folder (or unparsed, when it could not be understood).  A crash
 * in between means the message is seen again, recognised, and only moved.
 */
#ifndef OUTREACH_BOUNCER_H
#define OUTREACH_BOUNCER_H

#include <stddef.h>

#include "config.h"
#include "store.h"
#include "util.h"

struct bouncer_stats {
	long messages, hard, soft, complaint, autoreply, other, commands, unparsed, duplicates;
};

/*
 * bouncer_handle - understand one message and apply it; *unparsed says
 * which folder it belongs in.  key is the site key (SECRET_LEN bytes) that
 * VERP and unsubscribe tokens are checked with.  Returns -1 only when the store fails.
 */
int bouncer_handle(struct store *st, const struct config *cfg, const unsigned char *key,
                   const char *msg, size_t len, int *unparsed, struct bouncer_stats *stats,
                   struct error *err);
/* bouncer_run_once - connect, process every unseen message, disconnect. */
int bouncer_run_once(const struct config *cfg, struct bouncer_stats *stats, struct error *err);
/* bouncer_worker - the daemon's worker: process, wait (IDLE or poll), reconnect with backoff. */
int bouncer_worker(const struct config *cfg);
/* bouncer_stats_line - "processed N: hard N, ..." */
char *bouncer_stats_line(const struct bouncer_stats *s);

struct imap_params;
/* bouncer_imap_params - how to reach the [bounces] mailbox, logging in with password. */
void bouncer_imap_params(const struct config *cfg, const char *password, int timeout,
                         struct imap_params *p);

#endif
