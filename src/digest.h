/*
 * digest - the weekly and monthly digests of a list: the period's
 * newsletters (title and first paragraph, the whole text further down),
 * upcoming events (with an .ics to add them to a calendar) and open
 * opportunities (deadlines soonest first, those closing within a week
 * marked), at most DIGEST_SECTION_MAX of each, to the members who take
 * digests of that period.
 *
 * A run makes the period's digest once per list: the ISO week or the
 * calendar month, in the list's time zone, is recorded with it, so cron
 * retries or two machines on one database make one.  Each subscriber's
 * digest lists only items new since the last digest queued to it (its
 * watermark), so an item reaches a subscriber in one digest at most, even
 * one who changes from monthly to weekly mid-month; and only items on the
 * topics it chose.  A digest with nothing for a subscriber is not sent to it.
 */
#ifndef OUTREACH_DIGEST_H
#define OUTREACH_DIGEST_H

#include <stdint.h>

#include "config.h"
#include "store.h"
#include "util.h"

enum {
	DIGEST_SECTION_MAX = 10,   /* items of each section in one digest */
	DIGEST_CANDIDATES = 50,    /* items of each section a run keeps, for the watermarks */
	DIGEST_FULL_TEXT_MAX = 40 << 10, /* the newsletters' whole texts, together: a digest
	                              stays under Gmail's 102 KB clipping limit */
};

/*
 * digest_run - make and queue the digest of list for period ("weekly" or
 * "monthly") at now.  Already made for this period, or nothing to list
 * (unless send_empty): *queued 0, nothing changed.  *summary (caller
 * frees) says which.
 */
int digest_run(struct store *st, const struct config *cfg, const char *list_slug,
               const char *period, int send_empty, int *queued, char **summary,
               struct error *err);

/* digest_period_key - "2026-W49" (ISO week) or "2026-11" for now in tz; -1: bad period. */
int digest_period_key(const char *period, int64_t now, const char *tz, char **key);

/*
 * digest_document - the digest campaign's document as a subscriber whose
 * watermark is since and who chose topics ("a;b"; NULL: every topic) sees
 * it (only items new after since, on those topics), and the VCALENDAR of
 * its events (NULL when it lists none).
 */
int digest_document(struct store *st, const struct config *cfg, int64_t campaign, int64_t since,
                    const char *topics, char **text, char **ics, struct error *err);

#endif
