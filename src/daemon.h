/*
 * daemon - `outreach daemon` and `outreach run --once`.
 *
 * The daemon is a small supervisor in the foreground (systemd style) with
 * one worker process per job: the queue worker (spool ingestion and
 * delivery), and the bounce worker when a mailbox is configured.  The
 * supervisor holds the database lock (one daemon per database), restarts a
 * worker that dies, passes SIGTERM on (workers finish or release in-flight
 * messages and exit within 10 s, or are killed) and on SIGHUP re-reads the
 * configuration and restarts the workers with it within the same deadline
 * (a bad file is logged and the old one kept).
 */
#ifndef OUTREACH_DAEMON_H
#define OUTREACH_DAEMON_H

#include <sys/types.h>

#include "config.h"
#include "util.h"

/*
 * daemon_lock - take the database's lock (DB.lock, flock).  If another
 * process holds it, -1 with err naming its pid.  *fd stays open while held.
 */
int daemon_lock(const char *db_path, int *fd, struct error *err);
/* daemon_lock_holder - pid of the running daemon, or 0 if none. */
pid_t daemon_lock_holder(const char *db_path);
/* daemon_run - the supervisor; returns the exit status. */
int daemon_run(const char *config_path, struct config *cfg, struct error *err);
/* daemon_run_once - ingest the spool and deliver what is due, then return. */
int daemon_run_once(const struct config *cfg, struct error *err);

#endif
