/*
 * spool - the queue/ directory that coordinators and cron drop work into.
 *
 *   tmp/     files being written (never read by the daemon)
 *   new/     complete files waiting to be ingested
 *   cur/     files ingested into a campaign
 *   failed/  files that could not be accepted, each with NAME.error saying why
 *
 * Every change of state is a rename(2) followed by an fsync of the target
 * directory, so after a crash each file is whole in exactly one place.
 * Names are unique (time, pid, random) and end in ".md".
 */
#ifndef OUTREACH_SPOOL_H
#define OUTREACH_SPOOL_H

#include <stddef.h>

#include "util.h"

enum {
	SPOOL_MAX_FILE = 1 << 20,
	SPOOL_DEDUP_WINDOW = 86400, /* the same text again within this many seconds is refused */
};

int spool_init(const char *dir, struct error *err);
/* spool_submit - write text into tmp/ and rename it into new/; *name is its spool name. */
int spool_submit(const char *dir, const char *text, size_t len, char **name, struct error *err);
/* spool_pending - names in new/ (oldest first); free with spool_names_free. */
int spool_pending(const char *dir, char ***names, size_t *n, struct error *err);
void spool_names_free(char **names, size_t n);
/*
 * spool_read - the text of new/NAME.  Anyone may drop files here, so a
 * symbolic link is not followed and a FIFO, device or directory is refused
 * without blocking (ERR_INPUT: the caller moves it to failed/).
 */
int spool_read(const char *dir, const char *name, char **text, size_t *len, struct error *err);
/* spool_accept - new/NAME to cur/NAME. */
int spool_accept(const char *dir, const char *name, struct error *err);
/* spool_reject - write failed/NAME.error, then move new/NAME to failed/NAME. */
int spool_reject(const char *dir, const char *name, const char *reason, struct error *err);
/* spool_where - "new", "cur", "failed" or NULL: where NAME is now. */
const char *spool_where(const char *dir, const char *name);

#endif
