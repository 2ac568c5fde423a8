/*
 * policy - what a relay's reply or a bounce means for an address, decided
 * in one place.
 *
 * Pure functions over facts the caller gathers: no store, no network, no
 * clock.  The queue runner asks here what its relay's answer to one message
 * means (policy_send); the queue runner and the bounce worker both ask what
 * a bounce means for its subscriber (policy_counts, policy_bounce).  The
 * store only records what was decided and bounce_act carries it out, so a
 * rule such as "a 5.7.x refusal is about our mail, not the address" is
 * written once, here.
 */
#ifndef OUTREACH_POLICY_H
#define OUTREACH_POLICY_H

#include <stdint.h>

#include "buf.h"

enum { POLICY_STATUS_MAX = 16 };

/* What the bounce policy is configured to do ([bounces] in the configuration). */
struct bounce_policy {
	int soft_threshold;        /* soft bounces (on different days) that disable */
	int soft_window_days;      /* within this many days */
	int probe;                 /* send a probe message before disabling */
};

/*
 * policy_reply_status - the enhanced status code (RFC 3463) an SMTP reply
 * carries after its reply code ("550 5.1.1 <x>: unknown" gives "5.1.1"),
 * copied to out; 0 if found, -1 if the reply has none.
 */
int policy_reply_status(const char *reply, char out[POLICY_STATUS_MAX]);

/*
 * policy_about_us - whether a status refuses our mail rather than the
 * address: 5.7.x (policy, reputation, authentication, spam) and 5.1.7 or
 * 5.1.8 (our sender address).  Such a refusal is recorded but never
 * disables anyone or counts towards it.
 */
int policy_about_us(const char *status);

/*
 * policy_names_mailbox - whether a relay's refusal says the mailbox itself
 * is bad: status 5.1.x (not 5.1.7 or 5.1.8) or 5.2.1, or, with no enhanced
 * status, words such as "user unknown".  Only such a refusal at RCPT time
 * disables an address; "554 5.3.0 refused" or "mailbox unavailable" says
 * nothing certain about it.
 */
int policy_names_mailbox(const char *reply);

/* What the relay's answer to one message means. */
enum policy_send_verdict {
	VERDICT_SENT,              /* delivered */
	VERDICT_DEFER,             /* try again later, with backoff */
	VERDICT_THROTTLE,          /* try again later, and slow the whole sender down */
	VERDICT_FAIL,              /* this message fails for good; the address is not judged */
	VERDICT_BOUNCE,            /* the address is refused: a hard bounce (policy_bounce decides) */
	VERDICT_RELAY,             /* the relay refuses us (sender, AUTH): nobody's fault but ours */
};

/*
 * policy_send - the verdict for a transport outcome (enum
 * transport_outcome) and the server's reply.
 */
int policy_send(int outcome, const char *reply);

/* What a bounce leads to. */
enum policy_action {
	POLICY_RECORD,             /* keep the event; change nothing */
	POLICY_COUNT,              /* a soft bounce that counts, not yet enough to disable */
	POLICY_PROBE,              /* would disable: send a probe message first */
	POLICY_DISABLE,            /* the address is dead: status bounced */
	POLICY_COMPLAIN,           /* complained: unsubscribed from every list */
};

enum { POLICY_NO_SUBSCRIBER = -1, POLICY_SUBSCRIBER_REMOVED = -2 };

/* The facts about one bounce that the decision rests on. */
struct policy_bounce {
	int class;                 /* enum bounce_class: BOUNCE_HARD, _SOFT or _COMPLAINT */
	const char *status;        /* enhanced status, or NULL */
	int subscriber;            /* the subscriber's status (enum sub_status), or
	                              POLICY_NO_SUBSCRIBER / POLICY_SUBSCRIBER_REMOVED */
	int tied;                  /* tied to a delivery of ours (VERP token, our Message-ID,
	                              or our relay's refusal at send time) */
	int of_probe;              /* the bounced message was a probe */
	int can_probe;             /* a list exists that a probe could go out on */
	int64_t soft_score;        /* soft bounces that count now, this one included */
};

/*
 * policy_counts - whether a bounce of this class and status, tied to a
 * delivery of ours or not, counts towards the soft-bounce score when it is
 * recorded.
 */
int policy_counts(int class, const char *status, int tied);

/*
 * policy_bounce - the action for the facts f under cfg, and in why the
 * decision as it is recorded and audited ("disabled: hard bounce",
 * "counted: soft bounce score 2 of 3", ...).  detail is the bounce in a few
 * words ("hard bounce 5.1.1: 550 ..."), quoted when a probe bounced too.
 */
int policy_bounce(const struct bounce_policy *cfg, const struct policy_bounce *f,
                  const char *detail, struct buf *why);

/* policy_action_name - "record", "count", "probe", "disable", "complain". */
const char *policy_action_name(int action);

#endif
