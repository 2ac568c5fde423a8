/*
 * transport - the backend chosen by the [transport] url, behind one table of
 * operations (transport_impl.h): the embedded Maildir (transport_maildir.c)
 * or SMTP through libcurl (transport_smtp.c).  Also the pure reading of an
 * SMTP exchange into an outcome, shared by every SMTP backend and tested
 * on its own.
 */
#define _DEFAULT_SOURCE
#include "transport.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport_impl.h"

struct transport {
	const struct transport_ops *ops;
	void *state;
};

static const struct transport_ops *const backends[] = {
	&transport_maildir_ops, &transport_smtp_ops, &transport_smtps_ops,
};

int
transport_open(const struct config *cfg, struct transport **out, struct error *err)
{
	const char *url = cfg->transport_url;

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct transport *t;

		if (strncmp(url, backends[i]->prefix, strlen(backends[i]->prefix)) != 0)
			continue;
		t = xcalloc(1, sizeof(*t));
		t->ops = backends[i];
		if (t->ops->open(cfg, &t->state, err) < 0) {
			free(t);
			return -1;
		}
		*out = t;
		return 0;
	}
	return error_setk(err, ERR_INPUT, "[transport] url '%s': use maildir:PATH, "
	                  "smtp://HOST:PORT or smtps://HOST:PORT", url);
}

void
transport_close(struct transport *t)
{
	if (t == NULL)
		return;
	t->ops->close(t->state);
	free(t);
}

int
transport_check(const struct config *cfg, struct buf *said, struct buf *fix, struct error *err)
{
	const char *url = cfg->transport_url;

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strncmp(url, backends[i]->prefix, strlen(backends[i]->prefix)) == 0)
			return backends[i]->check(cfg, said, fix, err);
	buf_adds(fix, "set [transport] url to maildir:PATH, smtp://HOST:PORT or smtps://HOST:PORT");
	return error_setk(err, ERR_INPUT, "[transport] url '%s' names no transport", url);
}

int
transport_capacity(const struct transport *t)
{
	return t->ops->capacity(t->state);
}

int
transport_in_flight(const struct transport *t)
{
	return t->ops->in_flight(t->state);
}

int
transport_submit(struct transport *t, void *ctx, const char *envelope_from, const char *rcpt,
                 char *msg, size_t len, struct error *err)
{
	return t->ops->submit(t->state, ctx, envelope_from, rcpt, msg, len, err);
}

int
transport_waiting(const struct transport *t)
{
	return t->ops->waiting(t->state);
}

void
transport_release(struct transport *t)
{
	t->ops->release(t->state);
}

void
transport_wakeup(struct transport *t)
{
	if (t->ops->wakeup)
		t->ops->wakeup(t->state);
}

int
transport_poll(struct transport *t, int timeout_ms, int extra_fd, transport_done_fn done,
               void *arg, struct error *err)
{
	return t->ops->poll(t->state, timeout_ms, extra_fd, done, arg, err);
}

int
transport_is_throttle_reply(int code, const char *text)
{
	static const char *const phrases[] = {"too many", "rate limit", "throttl", "slow down",
	                                      "try again later", "temporarily deferred"};

	if (code == 421)
		return 1;
	if (code != 450 && code != 451 && code != 452 && code != 454)
		return 0;
	for (size_t i = 0; text && i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		size_t n = strlen(phrases[i]);

		for (const char *p = text; *p; p++)
			if (strncasecmp(p, phrases[i], n) == 0)
				return 1;
	}
	return 0;
}

/* reply_code - the three-digit code a reply line starts with, or 0. */
static int
reply_code(const char *r)
{
	if (r == NULL || r[0] < '2' || r[0] > '5' || r[1] < '0' || r[1] > '9' || r[2] < '0' ||
	    r[2] > '9')
		return 0;
	return (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
}

int
transport_classify(const struct smtp_exchange *x, struct buf *why)
{
	/* The first refusal decides, not whatever followed it (QUIT's 221). */
	const char *reply = x->err_reply && *x->err_reply ? x->err_reply : NULL;
	const char *cmd = reply ? x->err_cmd : x->last_cmd;
	int code = reply ? reply_code(reply) : 0;

	buf_reset(why);
	if (x->completed) {
		buf_adds(why, x->last_reply && *x->last_reply ? x->last_reply : "250 accepted");
		return TRANSPORT_SENT;
	}
	if (reply == NULL && x->response_code >= 400 && x->last_reply && *x->last_reply) {
		reply = x->last_reply;
		code = (int)x->response_code;
	}
	if (reply)
		buf_adds(why, reply);
	else
		buf_adds(why, x->failure && *x->failure ? x->failure : "no reply from the relay");
	if (code >= 500) {
		if (cmd && strcmp(cmd, "RCPT") == 0)
			return TRANSPORT_REJECTED;
		if (cmd && (strcmp(cmd, "DATA") == 0 || strcmp(cmd, "QUIT") == 0))
			return TRANSPORT_FAILED;
		/* The greeting (no command yet), EHLO, STARTTLS, AUTH, MAIL: the relay refuses us. */
		return TRANSPORT_RELAY_REFUSED;
	}
	if (transport_is_throttle_reply(code, reply))
		return TRANSPORT_THROTTLED;
	return TRANSPORT_DEFERRED;
}
