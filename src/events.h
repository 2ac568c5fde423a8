/*
 * events - what a coordinator says about events and opportunities, checked
 * before anything is stored: the list exists, the kind is one outreach
 * knows, times parse in a zone the system knows and are not in the past, an
 * end comes after its start, a deadline has not passed, a URL is a URL.
 * The command line and CSV import both come through here, so a bad value
 * gets the same one-line reason either way.
 */
#ifndef OUTREACH_EVENTS_H
#define OUTREACH_EVENTS_H

#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "store.h"
#include "util.h"

/* An event as typed: every field NULL when not given. */
struct event_fields {
	const char *slug, *list, *kind, *title, *starts, *ends, *tz, *location, *url, *topic;
	const char *description;   /* Markdown */
};

/*
 * event_build - a new event from f (slug, list, kind, title and starts
 * required), checked; out gets a fresh UID.  Defaults: the list's time
 * zone, an hour long, topic "meetings" (meeting, workshop) or "forums".
 */
int event_build(struct store *st, const struct config *cfg, const struct event_fields *f,
                struct event_info *out, struct error *err);
/*
 * event_change - apply the fields f gives to e, checked as event_build
 * does; *changed lists what changed for people ("time", "place", ...; empty
 * when nothing did).  The caller bumps e->sequence and saves.
 */
int event_change(struct store *st, const struct config *cfg, const struct event_fields *f,
                 struct event_info *e, struct buf *changed, struct error *err);

struct opportunity_fields {
	const char *slug, *list, *kind, *title, *org, *deadline, *url, *location;
	const char *description;   /* Markdown */
};

/*
 * opportunity_build - a new opportunity (slug, list, kind, title and org
 * required); a deadline "YYYY-MM-DD" is the end of that day in the list's
 * time zone and must not have passed.
 */
int opportunity_build(struct store *st, const struct config *cfg,
                      const struct opportunity_fields *f, struct opportunity_info *out,
                      struct error *err);

/* list_timezone - the list's time zone, else [digest] timezone. */
const char *list_timezone(const struct config *cfg, const struct list_info *l);

enum events_what { EVENTS_EVENTS, EVENTS_OPPORTUNITIES };
typedef void (*events_reject_fn)(unsigned long line, const char *reason, void *arg);

/*
 * events_import - a CSV of events or opportunities, streamed: the header
 * names the columns (the long option names: slug, list, kind, title, ...);
 * each bad row is passed to reject as "reason" with its line; the good rows
 * are stored in one transaction.  -1 only when the file cannot be read or
 * the store fails.
 */
int events_import(struct store *st, const struct config *cfg, int what, FILE *in,
                  const char *file, events_reject_fn reject, void *arg, long *imported,
                  long *rejected, struct error *err);

#endif
