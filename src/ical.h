/*
 * ical - time zones and calendar invites, through libical.
 *
 * Local wall-clock times are turned into UTC with the system's time zone
 * database (an unknown zone is an error naming it).  An invite is an RFC 5545
 * VCALENDAR with METHOD:REQUEST (or CANCEL), one VEVENT with a stable UID and
 * SEQUENCE, DTSTART/DTEND in the event's own zone with its VTIMEZONE, CRLF
 * line ends and lines folded at 75 octets.
 */
#ifndef OUTREACH_ICAL_H
#define OUTREACH_ICAL_H

#include <stdint.h>

#include "buf.h"
#include "util.h"

/*
 * ical_local_to_utc - "YYYY-MM-DD HH:MM" (seconds optional) in zone tzid, to
 * Unix time.  Years 1970 to 2199.  A time the clocks skip (spring forward) is
 * an error; in the hour that happens twice, the second (standard time) is used.
 */
int ical_local_to_utc(const char *local, const char *tzid, int64_t *utc, struct error *err);
/* ical_zone_valid - whether tzid names a zone the database knows. */
int ical_zone_valid(const char *tzid);
/*
 * ical_format_local - append Unix time as "Thursday, March 4, 2027, 4:00 PM EST"
 * in zone tzid.  -1 (out as it was) for an unknown zone or a full buffer.
 */
int ical_format_local(int64_t utc, const char *tzid, struct buf *out);
/*
 * ical_format_range - append an event's times as people write them:
 * "Thursday, March 4, 2027, 4:00\u20135:30 PM EST" (one day), or both ends in
 * full across days.  -1 for an unknown zone.
 */
int ical_format_range(int64_t starts, int64_t ends, const char *tzid, struct buf *out);
/* ical_format_iso_local - append Unix time as "YYYY-MM-DD HH:MM" in zone tzid (-1: unknown). */
int ical_format_iso_local(int64_t utc, const char *tzid, struct buf *out);

/* A moment's wall-clock reading in a zone. */
struct ical_local {
	int year, month, day, hour, minute;
	int weekday;               /* 0 Sunday ... 6 Saturday */
};
/* ical_local_parts - utc as read on a wall clock in tzid (-1: unknown zone). */
int ical_local_parts(int64_t utc, const char *tzid, struct ical_local *out);

enum ical_method { ICAL_REQUEST, ICAL_CANCEL };

struct ical_event {
	const char *uid;           /* stable: same event, same UID, across updates */
	int sequence;
	int method;                /* enum ical_method */
	const char *title, *location, *description;
	const char *url;           /* or NULL */
	const char *tzid;
	int64_t starts, ends;      /* UTC */
	const char *organizer_name, *organizer_addr;
	int64_t stamp;             /* DTSTAMP, UTC */
};

/* ical_invite - append the VCALENDAR text for ev to out. */
int ical_invite(const struct ical_event *ev, struct buf *out, struct error *err);

enum { ICAL_PUBLISH_MAX = 1000 };
/*
 * ical_publish - append a METHOD:PUBLISH calendar named name (X-WR-CALNAME)
 * of evs[0..n) to out, with one VTIMEZONE per zone they use: what a
 * calendar subscribes to (a list's events.ics) or a digest attaches.
 */
int ical_publish(const struct ical_event *evs, size_t n, const char *name, struct buf *out,
                 struct error *err);

#endif
