/*
 * transport_maildir - the embedded transport: each message becomes a file in
 * the local Maildir of [transport] url = maildir:PATH (maildir.c).  It
 * completes at once; results are handed back at the next poll, as the
 * caller expects of any transport.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "maildir.h"
#include "transport_impl.h"

enum { MAILDIR_BATCH = 64 };

struct maildir_transport {
	char *dir;
	struct transport_result pending[MAILDIR_BATCH];
	char *replies[MAILDIR_BATCH];
	int n;
};

static int
md_open(const struct config *cfg, void **state, struct error *err)
{
	struct maildir_transport *m = xcalloc(1, sizeof(*m));

	m->dir = xstrdup(cfg->transport_url + strlen("maildir:"));
	if (maildir_create(m->dir, err) < 0) {
		free(m->dir);
		free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static void
md_close(void *state)
{
	struct maildir_transport *m = state;

	for (int i = 0; i < m->n; i++)
		free(m->replies[i]);
	free(m->dir);
	free(m);
}

static int
md_capacity(const void *state)
{
	return MAILDIR_BATCH - ((const struct maildir_transport *)state)->n;
}

static int
md_in_flight(const void *state)
{
	return ((const struct maildir_transport *)state)->n;
}

static int
md_submit(void *state, void *ctx, const char *envelope_from, const char *rcpt, const char *msg,
          size_t len, struct error *err)
{
	struct maildir_transport *m = state;
	struct transport_result *r;
	struct error e = ERROR_INIT;
	char *name = NULL;

	(void)rcpt;
	if (m->n == MAILDIR_BATCH)
		return error_set(err, "transport: maildir batch full");
	r = &m->pending[m->n];
	r->ctx = ctx;
	if (maildir_deliver(m->dir, envelope_from, msg, len, &name, &e) < 0) {
		r->outcome = TRANSPORT_DEFERRED;
		r->code = 0;
		m->replies[m->n] = xstrdup(error_msg(&e));
	} else {
		r->outcome = TRANSPORT_SENT;
		r->code = 250;
		m->replies[m->n] = xasprintf("delivered to %s/new/%s", m->dir, name);
	}
	free(name);
	error_clear(&e);
	m->n++;
	return 0;
}

static int
md_poll(void *state, int timeout_ms, int extra_fd, transport_done_fn done, void *arg,
        struct error *err)
{
	struct maildir_transport *m = state;
	int n = m->n;

	(void)err;
	if (n == 0 && timeout_ms > 0) {
		struct pollfd p = {extra_fd, POLLIN, 0};

		poll(&p, extra_fd >= 0 ? 1 : 0, timeout_ms);
	}
	m->n = 0;
	for (int i = 0; i < n; i++) {
		m->pending[i].reply = m->replies[i];
		done(&m->pending[i], arg);
		free(m->replies[i]);
		m->replies[i] = NULL;
	}
	return 0;
}

const struct transport_ops transport_maildir_ops = {
	"maildir:", md_open, md_close, md_capacity, md_in_flight, md_submit, md_poll,
};
