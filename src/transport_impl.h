/*
 * transport_impl - private to the transport module: the table of operations
 * every backend fills in (transport_smtp.c, transport_maildir.c), as
 * OpenSMTPD's queue backends do.  transport.c picks the backend by the URL's
 * scheme and dispatches; no other module includes this file.
 */
#ifndef OUTREACH_TRANSPORT_IMPL_H
#define OUTREACH_TRANSPORT_IMPL_H

#include "transport.h"

struct transport_ops {
	const char *prefix;        /* the [transport] url prefix it serves: "maildir:", "smtp://" */
	int (*open)(const struct config *cfg, void **state, struct error *err);
	void (*close)(void *state);
	int (*capacity)(const void *state);
	int (*in_flight)(const void *state);
	int (*submit)(void *state, void *ctx, const char *envelope_from, const char *rcpt,
	              char *msg, size_t len, struct error *err);
	int (*waiting)(const void *state);
	void (*release)(void *state);
	int (*poll)(void *state, int timeout_ms, int extra_fd, transport_done_fn done, void *arg,
	            struct error *err);
	/* check - see transport_check(); fix gets the remedy on failure. */
	int (*check)(const struct config *cfg, struct buf *said, struct buf *fix,
	             struct error *err);
	void (*wakeup)(void *state); /* from any thread; NULL: poll never waits long */
};

extern const struct transport_ops transport_maildir_ops, transport_smtp_ops,
	transport_smtps_ops;

#endif
