/*
 * bounce - understanding mail that comes back: delivery status notifications
 * (RFC 3464), the many non-standard bounces real MTAs send, feedback reports
 * (ARF, RFC 5965), auto-replies (RFC 3834, vacation notices) and ordinary
 * mail.  Pure parsing: no store, no network.
 *
 * Standard reports are read first (per-recipient Action, Status,
 * Final-Recipient, Original-Recipient, Diagnostic-Code); phrase rules from a
 * data table (bounce_rules.c) are the fallback for everything else.  The
 * parser never crashes or hangs on any input: every size is bounded.
 */
#ifndef OUTREACH_BOUNCE_H
#define OUTREACH_BOUNCE_H

#include <stddef.h>

#include "util.h"

enum bounce_class { BOUNCE_HARD, BOUNCE_SOFT, BOUNCE_COMPLAINT, BOUNCE_AUTOREPLY, BOUNCE_OTHER };
enum { BOUNCE_MAX_MESSAGE = 8 << 20, BOUNCE_MAX_RCPTS = 256 };

/*
 * One recipient the message reports on.  For a bounce, the failed address;
 * for a complaint, the address that complained (each ARF Original-Rcpt-To,
 * Microsoft's X-HmXmrOriginalRecipient, or the returned message's To when
 * it names one address), NULL when the report redacted it or names nobody:
 * the caller then goes by verp and original_message_id; for an auto-reply,
 * the address that replied.
 */
struct bounce_rcpt {
	char *recipient;           /* the address, as reported; NULL if unknown */
	char *status;              /* "5.1.1": always set for a bounce ("5.0.0" when nothing
	                              more is said), NULL for a complaint or an auto-reply */
	int class;                 /* enum bounce_class; BOUNCE_OTHER for a delay or a delivery */
	char *reason;              /* short label: userunknown, hostunknown, notaccept, hasmoved,
	                              mailboxfull, mesgtoobig, expired, blocked, spamdetected,
	                              filtered, rejected, suspend, ..., undefined when nothing
	                              was recognised; feedback, vacation, delivered */
	char *diagnostic;          /* the server's words, one line, at most 4 KB, or NULL */
};

/*
 * The message's class is BOUNCE_COMPLAINT for a feedback report, else
 * BOUNCE_HARD if any recipient is hard, else BOUNCE_SOFT if any is soft,
 * else BOUNCE_AUTOREPLY for an auto-reply, else BOUNCE_OTHER (ordinary mail,
 * delay warnings, success reports).  A delay warning is never a bounce,
 * whatever its words say about why delivery is slow.  Hard means the address is dead (user
 * or domain unknown, moved, accepts no mail) and the failure permanent;
 * soft is every other failure, policy and reputation refusals included.
 */
struct bounce_report {
	int class;                 /* the message's overall class */
	int is_dsn;                /* a delivery status notice: an RFC 3464 report, an SES
	                              notification, or a free-text delay warning */
	int is_arf, is_autoreply;
	int is_delay;              /* a delay warning: delivery is still being tried, nothing
	                              failed for good; every recipient is BOUNCE_OTHER */
	struct bounce_rcpt *rcpts; /* in the order the message gives them */
	size_t n_rcpts;            /* at most BOUNCE_MAX_RCPTS */
	char *verp;                /* DETAIL, lower-cased, of a "bounces+DETAIL@" address in the
	                              bounce's header or the returned one's senders, or NULL */
	char *original_message_id; /* Message-ID of the returned message, "<id@host>", or NULL */
	char *from;                /* the bounce's own From address, normalised, or NULL */
	char *subject;             /* decoded Subject (UTF-8, no control characters), or NULL */
	char *message_id;          /* the bounce's own Message-ID, "<id@host>", or NULL */
	char *own_rcpts;           /* addresses in its own To, Cc, Delivered-To and the like,
	                              each ended by a NUL, the last by two; or NULL */
};

/*
 * bounce_parse - parse msg[0..len) (CRLF or LF; an mbox "From " line first
 * is skipped; msg need not be NUL-terminated).  Fails (-1, err set) only for
 * input that is not a message at all (no header field on its first line)
 * or is over BOUNCE_MAX_MESSAGE; anything else yields a report, class
 * BOUNCE_OTHER when nothing was recognised.  verp_local is the local part
 * bounces come back to ("bounces"), or NULL.  *out is always initialised;
 * free it with bounce_report_free() after a success.
 */
int bounce_parse(const char *msg, size_t len, const char *verp_local, struct bounce_report *out,
                 struct error *err);
void bounce_report_free(struct bounce_report *r);
const char *bounce_class_name(int class);

#endif
