/*
 * worker - signal ground for worker processes.  See worker.h.
 */
#define _GNU_SOURCE
#include "worker.h"

#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>

int
worker_ignore_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPIPE, &sa, NULL);
}

int
worker_signals(sigset_t *mask)
{
	if (worker_ignore_sigpipe() < 0)
		return -1;
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	if (sigprocmask(SIG_SETMASK, mask, NULL) < 0)
		return -1;
	return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
worker_signal_pending(int sfd)
{
	struct pollfd p = {sfd, POLLIN, 0};

	return sfd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}
