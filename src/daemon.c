/*
 * daemon - supervisor, queue worker, lock and signals.  See daemon.h.
 *
 * Signals are taken synchronously through signalfd, never in handlers.  The
 * queue worker waits on one epoll descriptor holding its signalfd and an
 * inotify watch on spool/new, which transport_poll() also wakes on.
 */
#define _GNU_SOURCE
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bouncer.h"
#include "deliver.h"
#include "fsutil.h"
#include "log.h"
#include "web.h"
#include "worker.h"

enum { STOP_GRACE_MS = 8000, RESTART_MAX_DELAY = 60 };

static char *
lock_path(const char *db_path)
{
	return xasprintf("%s.lock", db_path);
}

int
daemon_lock(const char *db_path, int *fd, struct error *err)
{
	char *path = lock_path(db_path), pid[32];
	int n;

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (*fd < 0) {
		error_setk(err, ERR_IO, "lock %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		pid_t holder = daemon_lock_holder(db_path);

		if (holder > 0)
			error_setk(err, ERR_CONFLICT, "another outreach daemon (pid %ld) is using %s",
			           (long)holder, db_path);
		else
			error_setk(err, ERR_CONFLICT, "another outreach process holds %s", path);
		close(*fd);
		*fd = -1;
		free(path);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) < 0 || pwrite(*fd, pid, (size_t)n, 0) != n) {
		error_setk(err, ERR_IO, "lock %s: %s", path, strerror(errno));
		close(*fd);
		*fd = -1;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

pid_t
daemon_lock_holder(const char *db_path)
{
	char *path = lock_path(db_path), buf[32];
	long long pid = 0;
	const char *why;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	free(path);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		/* We could take it: nobody holds it. */
		close(fd);
		return 0;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_int(buf, 1, 4194304, &pid, &why) < 0)
		return 1;
	return (pid_t)pid;
}

/* --- the queue worker --- */

static volatile int queue_stop;

static int
drain_signals(int sfd)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop = 1;
	return stop;
}

static int
drain_inotify(int ifd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int any = 0;

	while (ifd >= 0 && read(ifd, buf, sizeof(buf)) > 0)
		any = 1;
	return any;
}

static int
queue_worker(const struct config *cfg)
{
	struct error err = ERROR_INIT;
	struct deliver *d = NULL;
	struct epoll_event ev;
	sigset_t mask;
	int sfd = -1, ifd = -1, epfd = -1, rc = 1;
	int64_t last_scan = 0, stop_deadline = 0;
	char *newdir = xasprintf("%s/new", cfg->spool_dir);
	long n;

	sfd = worker_signals(&mask);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || epfd < 0) {
		log_error("queue", "signalfd/epoll: %s", strerror(errno));
		goto out;
	}
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	if (deliver_open(cfg, &d, &err) < 0 || deliver_recover(d, &err) < 0) {
		log_error("queue", "%s", error_msg(&err));
		goto out;
	}
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd >= 0 && inotify_add_watch(ifd, newdir, IN_MOVED_TO | IN_CLOSE_WRITE) >= 0) {
		ev.data.fd = ifd;
		epoll_ctl(epfd, EPOLL_CTL_ADD, ifd, &ev);
	} else
		log_warn("queue", "inotify on %s: %s; rescanning every %llds", newdir,
		         strerror(errno), (long long)cfg->spool_rescan);
	log_info("queue", "worker started (transport %s)", cfg->transport_url);
	for (;;) {
		int64_t now = now_unix();

		if (!queue_stop && drain_signals(sfd)) {
			queue_stop = 1;
			stop_deadline = now_mono_ms() + STOP_GRACE_MS;
			log_info("queue", "stopping: finishing %d messages in flight", deliver_busy(d));
			if (deliver_stop(d, &err) < 0)
				goto fail;
		}
		if (queue_stop) {
			if (deliver_busy(d) == 0 || now_mono_ms() > stop_deadline)
				break;
		} else if (drain_inotify(ifd) || now - last_scan >= cfg->spool_rescan) {
			last_scan = now;
			if (deliver_ingest(d, &n, &err) < 0)
				goto fail;
		}
		if (deliver_step(d, 1000, epfd, &err) < 0)
			goto fail;
	}
	if (deliver_flush(d, &err) < 0)
		goto fail;
	if (deliver_busy(d) > 0)
		log_warn("queue", "%d messages still in flight at exit: their outcome is unknown "
		         "and is settled at the next start", deliver_busy(d));
	log_info("queue", "worker stopped");
	rc = 0;
	goto out;
fail:
	log_error("queue", "%s", error_msg(&err));
out:
	deliver_close(d);
	if (sfd >= 0)
		close(sfd);
	if (ifd >= 0)
		close(ifd);
	if (epfd >= 0)
		close(epfd);
	free(newdir);
	error_clear(&err);
	return rc;
}

/* --- the supervisor --- */

struct worker {
	const char *name;
	int (*main)(const struct config *cfg);
	pid_t pid;
	int failures;
	int64_t restart_at;
};

/*
 * start_worker - fork w.  The child keeps the supervisor's signal mask (all
 * of SIGTERM, SIGINT, SIGHUP blocked) until the worker has set its own
 * handling (worker_signals), so a SIGTERM sent at once is queued, not
 * lost and not fatal.
 */
static pid_t
start_worker(struct worker *w, const struct config *cfg)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("daemon", "fork %s worker: %s", w->name, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* A worker must not outlive its supervisor (kill -9 of the daemon). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		_exit(w->main(cfg));
	}
	w->pid = pid;
	log_info("daemon", "started %s worker (pid %ld)", w->name, (long)pid);
	return pid;
}

/* worker_wanted - whether w has work under cfg: a mailbox, or a web address to listen on. */
static int
worker_wanted(const struct worker *w, const struct config *cfg)
{
	if (w->main == bouncer_worker)
		return *cfg->imap_url != '\0';
	if (w->main == web_worker)
		return web_wanted(cfg);
	return 1;
}

int
daemon_run(const char *config_path, struct config *cfg, struct error *err)
{
	struct worker workers[] = {{"queue", queue_worker, 0, 0, 0},
	                           {"bounces", bouncer_worker, 0, 0, 0},
	                           {"web", web_worker, 0, 0, 0}};
	const int nworkers = (int)(sizeof(workers) / sizeof(workers[0]));
	sigset_t mask;
	int lockfd = -1, sfd = -1, stopping = 0, reloading = 0;
	int64_t stop_deadline = 0;

	if (daemon_lock(cfg->db_path, &lockfd, err) < 0)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		error_set(err, "signalfd: %s", strerror(errno));
		close(lockfd);
		return 1;
	}
	log_info("daemon", "outreach %s started (pid %ld, database %s)", OUTREACH_VERSION,
	         (long)getpid(), cfg->db_path);
	for (int i = 0; i < nworkers; i++)
		if (worker_wanted(&workers[i], cfg))
			start_worker(&workers[i], cfg);
	for (;;) {
		struct signalfd_siginfo si;
		int alive = 0;
		pid_t pid;
		int status;

		/* Reap, and restart what died unexpectedly (with growing delays). */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < nworkers; i++) {
				if (workers[i].pid != pid)
					continue;
				workers[i].pid = 0;
				if (stopping || reloading)
					break;
				if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
					workers[i].failures++;
				{
					int delay = 1 << (workers[i].failures < 6 ? workers[i].failures : 6);

					if (delay > RESTART_MAX_DELAY)
						delay = RESTART_MAX_DELAY;
					workers[i].restart_at = now_unix() + delay;
					log_warn("daemon", "%s worker (pid %ld) %s %d; restarting in %ds",
					         workers[i].name, (long)pid,
					         WIFSIGNALED(status) ? "killed by signal" : "exited with",
					         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
					         delay);
				}
			}
		for (int i = 0; i < nworkers; i++) {
			if (workers[i].pid > 0)
				alive++;
			else if (!stopping && worker_wanted(&workers[i], cfg) &&
			         (reloading || now_unix() >= workers[i].restart_at)) {
				if (reloading)
					continue;
				start_worker(&workers[i], cfg);
				alive++;
			}
		}
		if (reloading && alive == 0) {
			reloading = 0;
			for (int i = 0; i < nworkers; i++) {
				workers[i].failures = 0;
				workers[i].restart_at = 0;
				if (worker_wanted(&workers[i], cfg))
					start_worker(&workers[i], cfg);
			}
			continue;
		}
		if (stopping && alive == 0)
			break;
		/* Stopping and reloading both wait for the workers, within the same grace. */
		if ((stopping || reloading) && now_mono_ms() > stop_deadline)
			for (int i = 0; i < nworkers; i++)
				if (workers[i].pid > 0) {
					log_warn("daemon", "%s worker (pid %ld) did not finish in time; "
					         "killing it", workers[i].name, (long)workers[i].pid);
					kill(workers[i].pid, SIGKILL);
				}
		{
			struct pollfd p = {sfd, POLLIN, 0};

			if (poll(&p, 1, 500) <= 0)
				continue;
		}
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			if (!stopping)
				log_info("daemon", "stopping");
			stopping = 1;
			stop_deadline = now_mono_ms() + STOP_GRACE_MS + 1500;
			for (int i = 0; i < nworkers; i++)
				if (workers[i].pid > 0)
					kill(workers[i].pid, SIGTERM);
		} else if (si.ssi_signo == SIGHUP && !stopping) {
			struct config next;
			struct error e = ERROR_INIT;

			config_defaults(&next);
			if (config_path && config_load(&next, config_path, &e) < 0) {
				log_warn("daemon", "reload: %s; keeping the running configuration",
				         error_msg(&e));
				error_clear(&e);
				config_free(&next);
				continue;
			}
			/* The lock that keeps one daemon per database is on the old one. */
			if (strcmp(next.db_path, cfg->db_path) != 0) {
				log_warn("daemon", "reload: [database] path changed from %s to %s; that "
				         "needs a restart; keeping the running configuration",
				         cfg->db_path, next.db_path);
				config_free(&next);
				continue;
			}
			config_free(cfg);
			*cfg = next;
			log_info("daemon", "reloaded %s; restarting workers",
			         config_path ? config_path : "built-in defaults");
			reloading = 1;
			stop_deadline = now_mono_ms() + STOP_GRACE_MS + 1500;
			for (int i = 0; i < nworkers; i++)
				if (workers[i].pid > 0)
					kill(workers[i].pid, SIGTERM);
		}
	}
	log_info("daemon", "stopped");
	close(sfd);
	close(lockfd);
	return 0;
}

int
daemon_run_once(const struct config *cfg, struct error *err)
{
	struct deliver *d = NULL;
	int lockfd = -1, rc = -1;
	long n;

	if (daemon_lock(cfg->db_path, &lockfd, err) < 0) {
		error_prefix(err, "run --once");
		return -1;
	}
	if (deliver_open(cfg, &d, err) < 0)
		goto out;
	deliver_set_horizon(d, now_unix());
	if (deliver_recover(d, err) < 0 || deliver_ingest(d, &n, err) < 0)
		goto out;
	for (;;) {
		int due = 0;

		if (deliver_step(d, 50, -1, err) < 0)
			goto out;
		if (deliver_busy(d) > 0)
			continue;
		if (deliver_due_now(d, &due, err) < 0)
			goto out;
		if (!due)
			break;
	}
	if (deliver_flush(d, err) < 0 || deliver_finish(d, err) < 0)
		goto out;
	/* The relay's fault is a temporary failure: exit 75, so cron can tell. */
	rc = deliver_problem(d) ? error_setk(err, ERR_TEMP, "%s", deliver_problem(d)) : 0;
out:
	deliver_close(d);
	close(lockfd);
	return rc;
}
