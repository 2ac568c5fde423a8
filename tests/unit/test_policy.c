/*
 * test_policy - the decisions about addresses, each a row of a table: what
 * a relay's reply means for a delivery, which bounces count, and what a
 * bounce leads to for its subscriber.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "policy.h"
#include "store.h"
#include "transport.h"

static void
test_reply_status(void **state)
{
	static const struct {
		const char *reply, *want;
	} rows[] = {
		{"550 5.1.1 <a@x>: Recipient address rejected", "5.1.1"},
		{"550-5.7.26 Unauthenticated email is not accepted", "5.7.26"},
		{"452 4.2.2 Mailbox full", "4.2.2"},
		{"554 5.7.509 Access denied", "5.7.509"},
		{"550 Requested action not taken: mailbox unavailable", NULL},
		{"550 10.0.0.1 blocked", NULL},
		{"550 5.1.1.1 odd", NULL},
		{"", NULL},
		{"5.2.1 disabled", "5.2.1"},
	};
	char got[POLICY_STATUS_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = policy_reply_status(rows[i].reply, got);

		if (rows[i].want == NULL && rc == 0)
			fail_msg("'%s': got '%s', want none", rows[i].reply, got);
		if (rows[i].want && (rc != 0 || strcmp(got, rows[i].want) != 0))
			fail_msg("'%s': got '%s', want '%s'", rows[i].reply, rc ? "(none)" : got,
			         rows[i].want);
	}
}

static void
test_send(void **state)
{
	static const struct {
		int outcome;
		const char *reply;
		int want;
	} rows[] = {
		{TRANSPORT_SENT, "250 2.0.0 Ok: queued", VERDICT_SENT},
		{TRANSPORT_DEFERRED, "451 4.3.0 try later", VERDICT_DEFER},
		{TRANSPORT_DEFERRED, "connection refused", VERDICT_DEFER},
		{TRANSPORT_THROTTLED, "421 4.7.0 too many connections", VERDICT_THROTTLE},
		{TRANSPORT_FAILED, "552 5.3.4 message too big", VERDICT_FAIL},
		{TRANSPORT_REJECTED, "550 5.1.1 <a@x>: user unknown", VERDICT_BOUNCE},
		{TRANSPORT_REJECTED, "550 5.1.10 RESOLVER.ADR.RecipientNotFound", VERDICT_BOUNCE},
		{TRANSPORT_REJECTED, "550 5.2.1 mailbox disabled", VERDICT_BOUNCE},
		{TRANSPORT_REJECTED, "550 <a@x>... Unknown user", VERDICT_BOUNCE},
		{TRANSPORT_REJECTED, "550 No such user here", VERDICT_BOUNCE},
		{TRANSPORT_REJECTED, "550 5.7.1 relaying denied by policy", VERDICT_FAIL},
		{TRANSPORT_REJECTED, "554 5.7.26 unauthenticated", VERDICT_FAIL},
		{TRANSPORT_REJECTED, "500 5.3.0 Error: command failed", VERDICT_FAIL},
		{TRANSPORT_REJECTED, "550 Requested action not taken: mailbox unavailable",
		 VERDICT_FAIL},
		{TRANSPORT_REJECTED, "550 5.2.2 mailbox full", VERDICT_FAIL},
		{TRANSPORT_REJECTED, "553 5.1.8 sender domain does not exist", VERDICT_FAIL},
		{TRANSPORT_RELAY_REFUSED, "553 5.7.1 Sender address rejected", VERDICT_RELAY},
		{TRANSPORT_RELAY_REFUSED, "535 5.7.8 Authentication failed", VERDICT_RELAY},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = policy_send(rows[i].outcome, rows[i].reply);

		if (got != rows[i].want)
			fail_msg("row %zu '%s': got verdict %d, want %d", i, rows[i].reply, got,
			         rows[i].want);
	}
}

static void
test_counts(void **state)
{
	(void)state;
	assert_true(policy_counts(BOUNCE_SOFT, "4.2.2", 1));
	assert_true(policy_counts(BOUNCE_SOFT, NULL, 1));
	assert_false(policy_counts(BOUNCE_SOFT, "5.7.1", 1));
	assert_false(policy_counts(BOUNCE_HARD, "5.1.1", 1));
	assert_false(policy_counts(BOUNCE_COMPLAINT, NULL, 1));
	/* A bounce no token or Message-ID of ours ties to a delivery never counts. */
	assert_false(policy_counts(BOUNCE_SOFT, "4.2.2", 0));
}

static void
test_bounce(void **state)
{
	static const struct bounce_policy plain = {3, 14, 0}, probing = {3, 14, 1};
	static const struct {
		const struct bounce_policy *cfg;
		struct policy_bounce f;
		int want;
		const char *why;
	} rows[] = {
		{&plain, {BOUNCE_HARD, "5.1.1", POLICY_NO_SUBSCRIBER, 1, 0, 0, 0}, POLICY_RECORD,
		 "recorded: no subscriber matches"},
		{&plain, {BOUNCE_HARD, "5.1.1", POLICY_SUBSCRIBER_REMOVED, 1, 0, 0, 0}, POLICY_RECORD,
		 "recorded: subscriber was removed"},
		{&plain, {BOUNCE_HARD, "5.1.1", SUB_ACTIVE, 1, 0, 1, 0}, POLICY_DISABLE,
		 "disabled: hard bounce"},
		{&plain, {BOUNCE_HARD, "5.1.1", SUB_UNCONFIRMED, 1, 0, 0, 0}, POLICY_DISABLE,
		 "disabled: hard bounce"},
		{&plain, {BOUNCE_HARD, "5.7.1", SUB_ACTIVE, 1, 0, 1, 0}, POLICY_RECORD,
		 "recorded: a policy refusal of our mail, not of the address"},
		{&plain, {BOUNCE_SOFT, "5.7.1", SUB_ACTIVE, 1, 0, 1, 0}, POLICY_RECORD,
		 "recorded: a policy refusal of our mail, not of the address"},
		{&plain, {BOUNCE_HARD, "5.1.1", SUB_BOUNCED, 1, 0, 1, 0}, POLICY_RECORD,
		 "recorded: already bounced"},
		{&plain, {BOUNCE_SOFT, "4.2.2", SUB_UNSUBSCRIBED, 1, 0, 1, 1}, POLICY_RECORD,
		 "recorded: already unsubscribed"},
		{&plain, {BOUNCE_SOFT, "4.2.2", SUB_ACTIVE, 1, 0, 1, 1}, POLICY_COUNT,
		 "counted: soft bounce score 1 of 3"},
		{&plain, {BOUNCE_SOFT, "4.2.2", SUB_ACTIVE, 1, 0, 1, 2}, POLICY_COUNT,
		 "counted: soft bounce score 2 of 3"},
		{&plain, {BOUNCE_SOFT, "4.2.2", SUB_ACTIVE, 1, 0, 1, 3}, POLICY_DISABLE,
		 "disabled: 3 soft bounces on different days within 14 days"},
		{&plain, {BOUNCE_COMPLAINT, NULL, SUB_ACTIVE, 1, 0, 0, 0}, POLICY_COMPLAIN,
		 "complained: unsubscribed from every list"},
		{&plain, {BOUNCE_COMPLAINT, NULL, SUB_UNSUBSCRIBED, 1, 0, 0, 0}, POLICY_COMPLAIN,
		 "complained: unsubscribed from every list"},
		/* Probing: a hard bounce of an active subscriber is probed first... */
		{&probing, {BOUNCE_HARD, "5.1.1", SUB_ACTIVE, 1, 0, 1, 0}, POLICY_PROBE,
		 "probing: hard bounce; a probe message goes out first"},
		{&probing, {BOUNCE_SOFT, "4.2.2", SUB_ACTIVE, 1, 0, 1, 3}, POLICY_PROBE,
		 "probing: 3 soft bounces on different days within 14 days; a probe message goes "
		 "out first"},
		/* ... unless there is no list to probe on, or it is unconfirmed ... */
		{&probing, {BOUNCE_HARD, "5.1.1", SUB_ACTIVE, 1, 0, 0, 0}, POLICY_DISABLE,
		 "disabled: hard bounce"},
		{&probing, {BOUNCE_HARD, "5.1.1", SUB_UNCONFIRMED, 1, 0, 1, 0}, POLICY_DISABLE,
		 "disabled: hard bounce"},
		/* ... and the probe's own bounce disables, even a soft one. */
		{&probing, {BOUNCE_HARD, "5.1.1", SUB_ACTIVE, 1, 1, 1, 0}, POLICY_DISABLE,
		 "disabled: the probe message bounced too (hard bounce 5.1.1)"},
		{&probing, {BOUNCE_SOFT, "4.2.2", SUB_ACTIVE, 1, 1, 1, 1}, POLICY_DISABLE,
		 "disabled: the probe message bounced too (hard bounce 5.1.1)"},
		/* Not tied to mail of ours (forged, or nobody can tell): never acted on alone. */
		{&plain, {BOUNCE_HARD, "5.1.1", SUB_ACTIVE, 0, 0, 1, 0}, POLICY_PROBE,
		 "probing: a hard bounce not tied to any mail of ours; a probe message goes out, "
		 "and only its own bounce disables"},
		{&plain, {BOUNCE_HARD, "5.1.1", SUB_ACTIVE, 0, 0, 0, 0}, POLICY_RECORD,
		 "recorded: not tied to any mail of ours (no token, no Message-ID we sent)"},
		{&plain, {BOUNCE_HARD, "5.1.1", SUB_UNCONFIRMED, 0, 0, 1, 0}, POLICY_RECORD,
		 "recorded: not tied to any mail of ours (no token, no Message-ID we sent)"},
		{&plain, {BOUNCE_SOFT, "4.2.2", SUB_ACTIVE, 0, 0, 1, 5}, POLICY_RECORD,
		 "recorded: not tied to any mail of ours (no token, no Message-ID we sent)"},
		{&plain, {BOUNCE_COMPLAINT, NULL, SUB_ACTIVE, 0, 0, 0, 0}, POLICY_RECORD,
		 "recorded: a complaint not tied to any mail of ours (no token, no Message-ID we "
		 "sent)"},
	};
	struct buf why;

	(void)state;
	buf_init(&why, 4096);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = policy_bounce(rows[i].cfg, &rows[i].f, "hard bounce 5.1.1", &why);

		if (got != rows[i].want || strcmp(buf_cstr(&why), rows[i].why) != 0)
			fail_msg("row %zu: got %s '%s', want %s '%s'", i, policy_action_name(got),
			         buf_cstr(&why), policy_action_name(rows[i].want), rows[i].why);
	}
	buf_free(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_status),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_bounce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
