/*
 * bounce_act - carry out what a bounce, a complaint or a relay's refusal at
 * send time means for its subscriber: gather the facts from the store, ask
 * the policy (policy.h), then record the event and its decision, change the
 * subscriber, queue a probe, and write the audit row, all in the caller's
 * transaction.  The queue runner and the bounce worker both come here, so
 * a refusal at RCPT time is judged (and probed) exactly like a bounce.
 */
#ifndef OUTREACH_BOUNCE_ACT_H
#define OUTREACH_BOUNCE_ACT_H

#include <stdint.h>

#include "policy.h"
#include "store.h"
#include "util.h"

struct bounce_act_event {
	int64_t inbound_id;        /* the message that came back, 0 for a refusal at send time */
	int64_t subscriber_id;     /* 0 when no subscriber matches */
	int64_t delivery_id;       /* the delivery it is about, 0 when not known: a bounce that
	                              no token or Message-ID of ours ties to a delivery may
	                              be forged, and is never acted on by itself */
	const char *email;         /* the address as reported, or NULL */
	int class;                 /* BOUNCE_HARD, BOUNCE_SOFT or BOUNCE_COMPLAINT */
	const char *status, *reason, *diagnostic;  /* each may be NULL */
};

/*
 * bounce_act - record ev and act on it; *decision (caller frees) says what
 * was done, *action is the enum policy_action taken.  Fails only when the
 * store does (the caller rolls back and tries the message again later).
 */
int bounce_act(struct store *st, const struct bounce_policy *cfg,
               const struct bounce_act_event *ev, int *action, char **decision,
               struct error *err);

#endif
