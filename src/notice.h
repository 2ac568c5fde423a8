/*
 * notice - mail about an event: the notice with its calendar invite, the
 * update or cancellation that follows it (same UID, a higher SEQUENCE), and
 * reminders before it starts.  Each is a campaign made from a document the
 * coordinator could have written (front matter with an event: block), so it
 * is checked, composed, sent and traced like any other.
 */
#ifndef OUTREACH_NOTICE_H
#define OUTREACH_NOTICE_H

#include "config.h"
#include "events.h"
#include "store.h"
#include "util.h"

enum { NOTICE_REMINDERS_MAX = 8 };

/*
 * notice_queue - queue the notice of event slug, with its invite, to the
 * list's members who want its topic whatever their digest frequency; at
 * send_at ("YYYY-MM-DD HH:MM" in the event's zone) or now; and reminders
 * remind ("7d,1d", "12h": days keep the wall-clock time in the event's
 * zone, across a daylight-saving change) before it starts.  A reminder that
 * would fall in the past is left out and said so.  *summary (caller frees)
 * says what was queued.
 */
int notice_queue(struct store *st, const struct config *cfg, const char *slug,
                 const char *template_name, const char *send_at, const char *remind,
                 char **summary, struct error *err);
/*
 * notice_update - change the event as f says; if its invite went out,
 * queue an update (SEQUENCE + 1, "Changed: time, place" at the top) to
 * exactly those who got it.
 */
int notice_update(struct store *st, const struct config *cfg, const char *slug,
                  const struct event_fields *f, char **summary, struct error *err);
/*
 * notice_cancel - cancel the event: a METHOD:CANCEL to those who got its
 * invite, and its notices and reminders not yet sent are cancelled.
 */
int notice_cancel(struct store *st, const struct config *cfg, const char *slug,
                  char **summary, struct error *err);

/*
 * notice_remind_at - the moment days before starts at the same wall-clock
 * time in tz (hours: exactly that many hours before).  -1 for a bad spec.
 */
int notice_remind_at(int64_t starts, const char *tz, const char *spec, int64_t *at,
                     struct error *err);

#endif
