/*
 * transport - hands composed messages to the outside: an SMTP relay through
 * libcurl's multi interface (several connections, each reused across
 * messages), or the embedded default, a local Maildir: two backends behind
 * one table of operations, chosen by [transport] url.
 *
 * The caller submits messages while transport_capacity() > 0 and polls;
 * each finished message comes back once through the callback with its
 * outcome and the server's last reply.  A transport never retries by itself:
 * retry policy lives in the delivery state (deliver.c).
 *
 * A submitted message is held: its data does not leave (SMTP: the envelope
 * goes ahead, but after the relay's 354 the transfer pauses; Maildir: no
 * file is written) until transport_release().  In between, the caller makes
 * the hand-over durable, so a message can have reached the relay only if
 * its records say it was handed over.
 */
#ifndef OUTREACH_TRANSPORT_H
#define OUTREACH_TRANSPORT_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "util.h"

enum transport_outcome {
	TRANSPORT_SENT,            /* 2xx after DATA */
	TRANSPORT_DEFERRED,        /* 4xx, timeout, lost connection: try again later */
	TRANSPORT_THROTTLED,       /* deferred because the relay asked us to slow down */
	TRANSPORT_REJECTED,        /* 5xx to RCPT: the relay refuses this recipient */
	TRANSPORT_FAILED,          /* 5xx to DATA: this message will never be accepted */
	TRANSPORT_RELAY_REFUSED,   /* 5xx to the greeting, EHLO, AUTH or MAIL FROM: the relay
	                              refuses us, whoever the recipient */
};

struct transport_result {
	void *ctx;                 /* as given to transport_submit */
	int outcome;
	int code;                  /* SMTP reply code, 0 if none */
	const char *reply;         /* the last reply line or what went wrong */
	const char *command;       /* the command a refusal answered ("MAIL", "RCPT", "AUTH";
	                              "" for the greeting or none) */
};

typedef void (*transport_done_fn)(const struct transport_result *r, void *arg);

struct transport;

int transport_open(const struct config *cfg, struct transport **out, struct error *err);
void transport_close(struct transport *t);
/* transport_capacity - how many more messages can be submitted now. */
int transport_capacity(const struct transport *t);
/* transport_in_flight - messages submitted and not yet reported. */
int transport_in_flight(const struct transport *t);
/*
 * transport_submit - send msg (CRLF, not dot-stuffed: the transport does it)
 * from envelope_from to rcpt, held until transport_release().  The
 * transport takes msg (allocated with malloc, len bytes) and frees it.
 */
int transport_submit(struct transport *t, void *ctx, const char *envelope_from,
                     const char *rcpt, char *msg, size_t len, struct error *err);
/* transport_waiting - held messages whose data is wanted now. */
int transport_waiting(const struct transport *t);
/* transport_release - let every held message's data go. */
void transport_release(struct transport *t);
/*
 * transport_poll - do I/O for up to timeout_ms (also waking when extra_fd,
 * if >= 0, becomes readable) and report finished messages through done.
 */
int transport_poll(struct transport *t, int timeout_ms, int extra_fd, transport_done_fn done,
                   void *arg, struct error *err);
/*
 * transport_check - whether mail could go out now, without sending any: an
 * SMTP relay is connected to and greeted (EHLO, STARTTLS as configured, AUTH
 * when a user name is set) and answers NOOP; a Maildir outbox takes a file.
 * 0 with what was checked in said, or -1 with err and the remedy in fix.
 */
int transport_check(const struct config *cfg, struct buf *said, struct buf *fix,
                    struct error *err);
/*
 * transport_wakeup - make a transport_poll under way (in another thread)
 * return now, as when a message it could take has become ready.
 */
void transport_wakeup(struct transport *t);
/* transport_is_throttle_reply - whether a reply asks the sender to slow down. */
int transport_is_throttle_reply(int code, const char *text);

/* What happened in one SMTP transaction, as watched on the wire. */
struct smtp_exchange {
	int completed;             /* the message was accepted after DATA */
	const char *last_reply;    /* the server's last reply line, or "" */
	const char *last_cmd;      /* the last command word sent ("RCPT", "DATA", ...) */
	const char *err_reply;     /* the first 4xx or 5xx reply, or "" */
	const char *err_cmd;       /* the command it answered */
	long response_code;        /* the last reply code as libcurl saw it, 0 if none */
	const char *failure;       /* what went wrong when no reply says (refused, timeout) */
};

/*
 * transport_classify - the outcome of an exchange (enum transport_outcome),
 * and in why the reply (or failure) that decided it: a 5xx to RCPT is
 * REJECTED, to DATA (or its end) FAILED, to anything before RCPT (the
 * greeting, EHLO, AUTH, MAIL FROM) RELAY_REFUSED; a 421 or a 4xx asking to
 * slow down is THROTTLED, anything else DEFERRED.  Pure: unit-tested on its
 * own.
 */
int transport_classify(const struct smtp_exchange *x, struct buf *why);

#endif
