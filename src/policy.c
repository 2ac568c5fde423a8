/*
 * policy - the decisions about addresses.  See policy.h.  Every function is
 * pure; tests/unit/test_policy.c runs each through a table.
 */
#include "policy.h"

#include <string.h>

#include "bounce.h"
#include "store.h"
#include "transport.h"

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* status_at - an enhanced status "c.s.d" (class 2, 4 or 5; up to 3 digits each) at s. */
static size_t
status_at(const char *s)
{
	size_t i = 0, n;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	if (s[1] != '.')
		return 0;
	i = 2;
	for (n = 0; digit(s[i]) && n < 3; n++)
		i++;
	if (n == 0 || s[i] != '.')
		return 0;
	i++;
	for (n = 0; digit(s[i]) && n < 3; n++)
		i++;
	if (n == 0 || digit(s[i]) || s[i] == '.')
		return 0;
	return i;
}

int
policy_reply_status(const char *reply, char out[POLICY_STATUS_MAX])
{
	const char *p = reply;
	size_t n;

	if (p == NULL)
		return -1;
	/* The reply code and its separator ("550 ", "550-"), then the status. */
	if (digit(p[0]) && digit(p[1]) && digit(p[2]) && (p[3] == ' ' || p[3] == '-'))
		p += 4;
	while (*p == ' ')
		p++;
	if ((n = status_at(p)) == 0)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
policy_about_us(const char *status)
{
	/* 5.7.x: policy, reputation, authentication; 5.1.7, 5.1.8: our sender address. */
	return status && (strncmp(status, "5.7.", 4) == 0 || strcmp(status, "5.1.7") == 0 ||
	                  strcmp(status, "5.1.8") == 0);
}

/*
 * The words with which servers that give no enhanced status say the
 * mailbox itself does not exist (lower case, matched anywhere in the reply).
 */
static const char *const mailbox_phrases[] = {
	"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
	"mailbox not found", "mailbox does not exist", "user does not exist",
	"address does not exist", "recipient unknown", "unknown recipient", "invalid recipient",
	"no mailbox here", "account does not exist", "recipient not found", "user not found",
};

/* contains_ci - whether lower-case needle occurs in s, ignoring ASCII case. */
static int
contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && s[i] && ((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]) == needle[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

int
policy_names_mailbox(const char *reply)
{
	char status[POLICY_STATUS_MAX];

	if (reply == NULL)
		return 0;
	if (policy_reply_status(reply, status) == 0) {
		if (policy_about_us(status))
			return 0;
		/* 5.1.x: the address is bad or unknown; 5.2.1: the mailbox is disabled. */
		return strncmp(status, "5.1.", 4) == 0 || strcmp(status, "5.2.1") == 0;
	}
	for (size_t i = 0; i < sizeof(mailbox_phrases) / sizeof(mailbox_phrases[0]); i++)
		if (contains_ci(reply, mailbox_phrases[i]))
			return 1;
	return 0;
}

int
policy_send(int outcome, const char *reply)
{
	switch (outcome) {
	case TRANSPORT_SENT:
		return VERDICT_SENT;
	case TRANSPORT_THROTTLED:
		return VERDICT_THROTTLE;
	case TRANSPORT_FAILED:
		return VERDICT_FAIL;
	case TRANSPORT_RELAY_REFUSED:
		return VERDICT_RELAY;
	case TRANSPORT_REJECTED:
		/* Our relay refusing a recipient disables it only when it says the mailbox is bad. */
		return policy_names_mailbox(reply) ? VERDICT_BOUNCE : VERDICT_FAIL;
	default:
		return VERDICT_DEFER;
	}
}

int
policy_counts(int class, const char *status, int tied)
{
	return tied && class == BOUNCE_SOFT && !policy_about_us(status);
}

const char *
policy_action_name(int action)
{
	static const char *const names[] = {"record", "count", "probe", "disable", "complain"};

	return action >= 0 && action <= POLICY_COMPLAIN ? names[action] : "?";
}

int
policy_bounce(const struct bounce_policy *cfg, const struct policy_bounce *f, const char *detail,
              struct buf *why)
{
	int soft = f->class == BOUNCE_SOFT;

	buf_reset(why);
	if (f->subscriber == POLICY_NO_SUBSCRIBER) {
		buf_adds(why, "recorded: no subscriber matches");
		return POLICY_RECORD;
	}
	if (f->subscriber == POLICY_SUBSCRIBER_REMOVED) {
		buf_adds(why, "recorded: subscriber was removed");
		return POLICY_RECORD;
	}
	/*
	 * Anyone can mail a report naming any address to the bounce mailbox: one
	 * that no token or Message-ID of ours ties to a delivery never changes a
	 * subscriber by itself.  A hard one may start a probe, whose own bounce
	 * (tied by its token) decides.
	 */
	if (!f->tied && f->class == BOUNCE_COMPLAINT) {
		buf_adds(why, "recorded: a complaint not tied to any mail of ours (no token, no "
		          "Message-ID we sent)");
		return POLICY_RECORD;
	}
	if (f->class == BOUNCE_COMPLAINT) {
		buf_adds(why, "complained: unsubscribed from every list");
		return POLICY_COMPLAIN;
	}
	if (f->subscriber == SUB_BOUNCED || f->subscriber == SUB_COMPLAINED ||
	    f->subscriber == SUB_UNSUBSCRIBED) {
		buf_addf(why, "recorded: already %s", sub_status_name(f->subscriber));
		return POLICY_RECORD;
	}
	if (policy_about_us(f->status)) {
		buf_adds(why, "recorded: a policy refusal of our mail, not of the address");
		return POLICY_RECORD;
	}
	if (f->class != BOUNCE_HARD && !soft) {
		buf_adds(why, "recorded");
		return POLICY_RECORD;
	}
	if (!f->tied) {
		if (!soft && f->can_probe && f->subscriber == SUB_ACTIVE) {
			buf_adds(why, "probing: a hard bounce not tied to any mail of ours; a probe "
			          "message goes out, and only its own bounce disables");
			return POLICY_PROBE;
		}
		buf_adds(why, "recorded: not tied to any mail of ours (no token, no Message-ID we "
		          "sent)");
		return POLICY_RECORD;
	}
	if (soft && !f->of_probe && f->soft_score < cfg->soft_threshold) {
		buf_addf(why, "counted: soft bounce score %lld of %d", (long long)f->soft_score,
		         cfg->soft_threshold);
		return POLICY_COUNT;
	}
	/* Only an active subscriber is probed: an unconfirmed one gets no mail but its request. */
	if (cfg->probe && !f->of_probe && f->can_probe && f->subscriber == SUB_ACTIVE) {
		buf_adds(why, "probing: ");
		if (soft)
			buf_addf(why, "%lld soft bounces on different days within %d days",
			         (long long)f->soft_score, cfg->soft_window_days);
		else
			buf_adds(why, "hard bounce");
		buf_adds(why, "; a probe message goes out first");
		return POLICY_PROBE;
	}
	buf_adds(why, "disabled: ");
	if (f->of_probe)
		buf_addf(why, "the probe message bounced too (%s)", detail ? detail : "");
	else if (soft)
		buf_addf(why, "%lld soft bounces on different days within %d days",
		         (long long)f->soft_score, cfg->soft_window_days);
	else
		buf_adds(why, "hard bounce");
	return POLICY_DISABLE;
}
