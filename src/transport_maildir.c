/*
 * transport_maildir - the embedded transport: each message becomes a file in
 * the local Maildir of [transport] url = maildir:PATH (maildir.c).  A
 * message is held until transport_release() writes it; results are handed
 * back at the next poll, as the caller expects of any transport.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "maildir.h"
#include "transport_impl.h"

enum { MAILDIR_BATCH = 64 };

struct held_message {
	struct transport_result r;
	char *msg, *from, *reply;
	size_t len;
	int written;
};

struct maildir_transport {
	char *dir;
	struct held_message pending[MAILDIR_BATCH];
	int n, held;
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
held_free(struct held_message *h)
{
	free(h->msg);
	free(h->from);
	free(h->reply);
	memset(h, 0, sizeof(*h));
}

static void
md_close(void *state)
{
	struct maildir_transport *m = state;

	for (int i = 0; i < m->n; i++)
		held_free(&m->pending[i]);
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
md_submit(void *state, void *ctx, const char *envelope_from, const char *rcpt, char *msg,
          size_t len, struct error *err)
{
	struct maildir_transport *m = state;
	struct held_message *h;

	(void)rcpt;
	if (m->n == MAILDIR_BATCH) {
		free(msg);
		return error_set(err, "transport: maildir batch full");
	}
	h = &m->pending[m->n++];
	memset(h, 0, sizeof(*h));
	h->r.ctx = ctx;
	h->r.command = "";
	h->msg = msg;
	h->len = len;
	h->from = xstrdup(envelope_from);
	m->held++;
	return 0;
}

static int
md_waiting(const void *state)
{
	return ((const struct maildir_transport *)state)->held;
}

static void
md_release(void *state)
{
	struct maildir_transport *m = state;

	for (int i = 0; i < m->n; i++) {
		struct held_message *h = &m->pending[i];
		struct error e = ERROR_INIT;
		char *name = NULL;

		if (h->written)
			continue;
		if (maildir_deliver(m->dir, h->from, h->msg, h->len, &name, &e) < 0) {
			h->r.outcome = TRANSPORT_DEFERRED;
			h->r.code = 0;
			h->reply = xstrdup(error_msg(&e));
		} else {
			h->r.outcome = TRANSPORT_SENT;
			h->r.code = 250;
			h->reply = xasprintf("delivered to %s/new/%s", m->dir, name);
		}
		free(name);
		error_clear(&e);
		h->written = 1;
	}
	m->held = 0;
}

static int
md_poll(void *state, int timeout_ms, int extra_fd, transport_done_fn done, void *arg,
        struct error *err)
{
	struct maildir_transport *m = state;
	int kept = 0, n = m->n;

	(void)err;
	if (n == 0 && timeout_ms > 0) {
		struct pollfd p = {extra_fd, POLLIN, 0};

		poll(&p, extra_fd >= 0 ? 1 : 0, timeout_ms);
	}
	for (int i = 0; i < n; i++) {
		struct held_message *h = &m->pending[i];

		if (!h->written) {
			if (kept != i)
				m->pending[kept] = *h;
			kept++;
			continue;
		}
		h->r.reply = h->reply;
		done(&h->r, arg);
		held_free(h);
	}
	m->n = kept;
	return 0;
}

/* md_check - the outbox's tmp/ takes a file, and new/ and cur/ are there to move it to. */
static int
md_check(const struct config *cfg, struct buf *said, struct buf *fix, struct error *err)
{
	static const char *const sub[] = {"tmp", "new", "cur"};
	const char *dir = cfg->transport_url + strlen("maildir:");

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, sub[i]);
		int rc = dir_writable(p, err);

		free(p);
		if (rc < 0) {
			buf_addf(fix, "run outreach init as the user outreach runs as (it makes "
			         "%s/tmp, new and cur), or give that user the directory", dir);
			return error_prefix(err, "outbox");
		}
	}
	buf_addf(said, "Maildir outbox %s is writable", dir);
	return 0;
}

const struct transport_ops transport_maildir_ops = {
	"maildir:", md_open, md_close, md_capacity, md_in_flight, md_submit, md_waiting,
	md_release, md_poll, md_check, NULL,
};
