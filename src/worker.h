/*
 * worker - the ground every worker process sets before its loop, as
 * OpenSMTPD's processes do: SIGPIPE ignored (a peer that goes away is an
 * error on the write, never the end of the process), and SIGTERM, SIGINT
 * and SIGHUP taken synchronously through a signalfd, never in handlers.
 */
#ifndef OUTREACH_WORKER_H
#define OUTREACH_WORKER_H

#include <signal.h>

/*
 * worker_signals - SIGPIPE ignored; SIGTERM, SIGINT and SIGHUP (the set,
 * in *mask) blocked and readable from the non-blocking signalfd returned;
 * -1 on failure (errno set).  Signals sent before the call and after the
 * fork stay pending (the supervisor forks with them blocked) and are read
 * from the descriptor.
 */
int worker_signals(sigset_t *mask);
/* worker_ignore_sigpipe - just the first part, for a command that talks to a server once. */
int worker_ignore_sigpipe(void);
/* worker_signal_pending - whether a signal waits on sfd (it is not consumed). */
int worker_signal_pending(int sfd);

#endif
