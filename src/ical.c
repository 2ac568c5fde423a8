/*
 * ical - time zones and calendar invites through libical.  See ical.h.
 *
 * Zones come from libical's builtin table, which Debian's libical fills from
 * the system zoneinfo (and caches for the life of the process).  Every
 * conversion and zone abbreviation comes from libical, never from setting TZ,
 * which would change local time for the whole daemon.
 *
 * Invites are built with libical's component API and written by it, which
 * gives RFC 5545 escaping, CRLF line ends and folding at 75 octets.  libical
 * names its zones "/freeassociation.sourceforge.net/Area/City" (and its
 * prefix setter cannot clear that), so the VTIMEZONE copied into an invite is
 * renamed to the plain IANA name that calendar clients match on.
 *
 * Failure: -1 with an error naming the zone or the value; nothing is printed.
 */
#include "ical.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

enum {
	ZONE_NAME_MAX = 64,        /* the longest IANA name is about 30 bytes */
	/*
	 * libical expands a zone's rules year by year up to the latest year asked
	 * for and keeps them: a year 9999 in every zone would pin hundreds of MB.
	 */
	YEAR_MIN = 1970,
	YEAR_MAX = 2199,
	SHOWN_MAX = 64             /* bytes of a bad value quoted back in a message */
};

/*
 * shown - s fit for an error message: control bytes become '?', and a long
 * value is cut (at a character boundary) and marked with "...".
 */
static const char *
shown(const char *s, char *out, size_t size)
{
	size_t n = 0;

	if (s == NULL)
		s = "";
	for (; *s && n + 4 < size; s++)
		out[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s) {
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/*
 * zone_name_ok - whether tzid looks like an IANA name.  libical would open any
 * file under the zoneinfo directory ("America/../Europe/London", "localtime"),
 * and an invite must carry a name other people's calendars understand.
 */
static int
zone_name_ok(const char *tzid)
{
	size_t n;

	if (tzid == NULL || (n = strlen(tzid)) == 0 || n > ZONE_NAME_MAX || tzid[0] == '/' ||
	    tzid[n - 1] == '/' || strstr(tzid, "//") != NULL)
		return 0;
	for (const char *p = tzid; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_-+", *p) != NULL))
			return 0;
	return strcmp(tzid, "localtime") != 0 && strcmp(tzid, "posixrules") != 0;
}

static icaltimezone *
zone(const char *tzid)
{
	if (!zone_name_ok(tzid))
		return NULL;
	return icaltimezone_get_builtin_timezone(tzid);
}

static int
unknown_zone(const char *tzid, struct error *err)
{
	char b[SHOWN_MAX];

	return error_set(err, "unknown time zone '%s'", shown(tzid, b, sizeof(b)));
}

int
ical_zone_valid(const char *tzid)
{
	return zone(tzid) != NULL;
}

/* digits - exactly n decimal digits at s, as a number. */
static int
digits(const char *s, size_t n, long long *out)
{
	char b[8];
	const char *why;

	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(b, s, n);
	b[n] = '\0';
	return parse_int(b, 0, 9999, out, &why);
}

static int
days_in_month(long long y, long long m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* parse_local - "YYYY-MM-DD HH:MM[:SS]", every field checked; no zone yet. */
static int
parse_local(const char *s, struct icaltimetype *t)
{
	long long y, mo, d, h, mi, sec = 0;
	size_t n = strlen(s);

	if ((n != 16 && n != 19) || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
	    (n == 19 && s[16] != ':'))
		return -1;
	if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0 ||
	    digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0 ||
	    (n == 19 && digits(s + 17, 2, &sec) < 0))
		return -1;
	if (y < YEAR_MIN || y > YEAR_MAX || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;
	*t = icaltime_null_time();
	t->year = (int)y;
	t->month = (int)mo;
	t->day = (int)d;
	t->hour = (int)h;
	t->minute = (int)mi;
	t->second = (int)sec;
	return 0;
}

/* local_time - utc as wall-clock time in z, with no zone attached. */
static struct icaltimetype
local_time(int64_t utc, icaltimezone *z)
{
	struct icaltimetype t = icaltime_from_timet_with_zone((time_t)utc, 0, z);

	t.zone = NULL;
	return t;
}

static struct icaltimetype
utc_time(int64_t utc)
{
	return icaltime_from_timet_with_zone((time_t)utc, 0, icaltimezone_get_utc_timezone());
}

int
ical_local_to_utc(const char *local, const char *tzid, int64_t *utc, struct error *err)
{
	icaltimezone *z = zone(tzid);
	struct icaltimetype t, back;
	char b[SHOWN_MAX];
	int64_t u;

	if (z == NULL)
		return unknown_zone(tzid, err);
	if (local == NULL || parse_local(local, &t) < 0)
		return error_set(err, "'%s' is not a valid date and time (YYYY-MM-DD HH:MM)",
		                 shown(local, b, sizeof(b)));
	u = (int64_t)icaltime_as_timet_with_zone(t, z);
	/*
	 * A time in a spring-forward gap has no UTC instant, and libical quietly
	 * moves it; saying so beats sending an hour early.  In the repeated hour
	 * of autumn libical picks the second (standard-time) instant.
	 */
	back = local_time(u, z);
	if (icaltime_compare(back, t) != 0)
		return error_set(err, "'%s' does not exist in %s: the clocks skip it", local,
		                 tzid);
	*utc = u;
	return 0;
}

/* observance_name - the TZNAME in effect at local time t, or NULL. */
static const char *
observance_name(icalcomponent *vtz, struct icaltimetype t, int offset, int daylight)
{
	icalcomponent_kind want = daylight ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT;
	struct icaltimetype best_start = icaltime_null_time();
	const char *best = NULL;

	/*
	 * The latest observance of the right kind and offset that began by t
	 * (EST, not the wartime EWT that shares its offset).  Twice: the second
	 * pass ignores the kind, for zones whose data marks it oddly.
	 */
	for (int pass = 0; pass < 2 && best == NULL; pass++) {
		for (icalcomponent *o = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
		     o != NULL; o = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
			icalcomponent_kind k = icalcomponent_isa(o);
			icalproperty *to, *start, *name;
			struct icaltimetype s;

			if ((k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT) ||
			    (pass == 0 && k != want))
				continue;
			to = icalcomponent_get_first_property(o, ICAL_TZOFFSETTO_PROPERTY);
			start = icalcomponent_get_first_property(o, ICAL_DTSTART_PROPERTY);
			name = icalcomponent_get_first_property(o, ICAL_TZNAME_PROPERTY);
			if (to == NULL || start == NULL || name == NULL ||
			    icalproperty_get_tzoffsetto(to) != offset)
				continue;
			s = icalproperty_get_dtstart(start);
			if (icaltime_compare(s, t) > 0)
				continue;
			if (best == NULL || icaltime_compare(s, best_start) > 0) {
				best = icalproperty_get_tzname(name);
				best_start = s;
			}
		}
	}
	return best;
}

/*
 * zone_abbrev - "EST", "BST"; zones whose data has only a number ("-03",
 * "+0545") get "UTC-3", "UTC+5:45", which reads better in a sentence.
 */
static int
zone_abbrev(struct buf *out, icaltimezone *z, int64_t utc, struct icaltimetype local)
{
	struct icaltimetype ut = utc_time(utc);
	icalcomponent *vtz = icaltimezone_get_component(z);
	const char *name = NULL;
	int daylight = 0, offset, a;

	offset = icaltimezone_get_utc_offset_of_utc_time(z, &ut, &daylight);
	if (vtz == NULL)           /* libical's own UTC zone has no VTIMEZONE */
		return buf_adds(out, "UTC");
	name = observance_name(vtz, local, offset, daylight);
	if (name != NULL && *name != '\0' && *name != '+' && *name != '-')
		return buf_adds(out, name);
	a = offset < 0 ? -offset : offset;
	if (a % 3600 == 0)
		return buf_addf(out, "UTC%c%d", offset < 0 ? '-' : '+', a / 3600);
	return buf_addf(out, "UTC%c%d:%02d", offset < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
}

int
ical_format_local(int64_t utc, const char *tzid, struct buf *out)
{
	static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
	                                   "Thursday", "Friday", "Saturday"};
	static const char *const months[] = {"January", "February", "March", "April", "May",
	                                     "June", "July", "August", "September", "October",
	                                     "November", "December"};
	icaltimezone *z = zone(tzid);
	struct icaltimetype t;
	size_t len0 = out->len;
	int dow;

	if (z == NULL)
		return -1;
	t = local_time(utc, z);
	dow = icaltime_day_of_week(t);        /* 1 is Sunday */
	if (dow < 1 || dow > 7 || t.month < 1 || t.month > 12)
		return -1;
	if (buf_addf(out, "%s, %s %d, %d, %d:%02d %s ", days[dow - 1], months[t.month - 1],
	             t.day, t.year, t.hour % 12 ? t.hour % 12 : 12, t.minute,
	             t.hour < 12 ? "AM" : "PM") != BUF_OK ||
	    zone_abbrev(out, z, utc, t) != BUF_OK) {
		buf_truncate(out, len0);
		return -1;
	}
	return 0;
}

int
ical_format_range(int64_t starts, int64_t ends, const char *tzid, struct buf *out)
{
	icaltimezone *z = zone(tzid);
	struct icaltimetype a, b;
	size_t len0 = out->len;
	int same_day, same_half;

	if (z == NULL)
		return -1;
	a = local_time(starts, z);
	b = local_time(ends, z);
	same_day = a.year == b.year && a.month == b.month && a.day == b.day;
	if (!same_day) {
		/* "Monday, May 3, 2027, 9:00 AM EDT - Tuesday, May 4, 2027, 1:00 PM EDT" */
		if (ical_format_local(starts, tzid, out) < 0 || buf_adds(out, " - ") != BUF_OK ||
		    ical_format_local(ends, tzid, out) < 0) {
			buf_truncate(out, len0);
			return -1;
		}
		return 0;
	}
	/* "Thursday, March 4, 2027, 4:00-5:30 PM EST": the day once, AM/PM once if shared. */
	if (ical_format_local(starts, tzid, out) < 0) {
		buf_truncate(out, len0);
		return -1;
	}
	same_half = (a.hour < 12) == (b.hour < 12);
	{
		/* Cut "4:00 PM EST" after the start's time and put the range in. */
		const char *s = buf_cstr(out) + len0;
		const char *ampm = strstr(s, a.hour < 12 ? " AM " : " PM ");
		size_t at = ampm ? (size_t)(ampm - s) + len0 : out->len;
		char *tail = xstrdup(ampm ? ampm + 4 : "");

		buf_truncate(out, at);
		buf_addf(out, "%s\xe2\x80\x93%d:%02d %s %s", same_half ? "" : (a.hour < 12 ? " AM" : " PM"),
		         b.hour % 12 ? b.hour % 12 : 12, b.minute, b.hour < 12 ? "AM" : "PM", tail);
		free(tail);
	}
	return buf_failed(out) ? -1 : 0;
}

int
ical_format_iso_local(int64_t utc, const char *tzid, struct buf *out)
{
	struct ical_local t;

	if (ical_local_parts(utc, tzid, &t) < 0)
		return -1;
	return buf_addf(out, "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day, t.hour,
	                t.minute) == BUF_OK ? 0 : -1;
}

int
ical_local_parts(int64_t utc, const char *tzid, struct ical_local *out)
{
	icaltimezone *z = zone(tzid);
	struct icaltimetype t;

	if (z == NULL)
		return -1;
	t = local_time(utc, z);
	out->year = t.year;
	out->month = t.month;
	out->day = t.day;
	out->hour = t.hour;
	out->minute = t.minute;
	out->weekday = icaltime_day_of_week(t) - 1;
	return 0;
}

/* vtimezone - z's VTIMEZONE for an invite starting at starts, named tzid. */
static icalcomponent *
vtimezone(icaltimezone *z, const char *tzid, int64_t starts)
{
	icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(z));
	icalproperty *p;

	/*
	 * Drop the zone's rules from before the year ahead of the event: a
	 * century of New York's changes is no use to any client.  ms_compatible
	 * leaves each rule's DTSTART where it was rather than moving it into the
	 * window, the variant libical keeps for Microsoft's clients.
	 */
	icaltimezone_truncate_vtimezone(vtz, utc_time(starts - 366LL * 86400),
	                                icaltime_null_time(), 1);
	if ((p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)) != NULL)
		icalproperty_set_tzid(p, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	return vtz;
}

/* zoned - DTSTART/DTEND p set to utc as wall-clock time in z, with TZID (UTC: a "Z" time). */
static icalproperty *
zoned(icalproperty *p, int64_t utc, icaltimezone *z, const char *tzid, int has_vtimezone)
{
	if (!has_vtimezone) {
		icalproperty_set_value(p, icalvalue_new_datetime(utc_time(utc)));
		return p;
	}
	icalproperty_set_value(p, icalvalue_new_datetime(local_time(utc, z)));
	icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

/* cn_value - a CN parameter value: libical 3.0 cannot escape '"' (RFC 6868), so it goes. */
static char *
cn_value(const char *name)
{
	char *s = xstrdup(name), *w = s;

	for (const char *r = name; *r; r++)
		if (*r != '"' && (unsigned char)*r >= 0x20 && *r != 0x7f)
			*w++ = *r;
	*w = '\0';
	return s;
}

/*
 * text_ok - s may go into a TEXT value.  libical escapes line breaks but
 * passes other control characters through, which RFC 5545 forbids, and its
 * folding assumes UTF-8.
 */
static int
text_ok(const char *s)
{
	if (s == NULL)
		return 1;
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && strchr("\t\r\n", *p) == NULL) || *p == 0x7f)
			return 0;
	return utf8_valid(s, strlen(s));
}

static int
check_event(const struct ical_event *ev, struct error *err)
{
	if (ev->uid == NULL || *ev->uid == '\0' || has_header_breaker(ev->uid) ||
	    !text_ok(ev->uid))
		return error_set(err, "the event needs a UID of plain text on one line");
	if (ev->title == NULL || *ev->title == '\0')
		return error_set(err, "the event needs a title");
	if (!text_ok(ev->title) || !text_ok(ev->location) || !text_ok(ev->description) ||
	    !text_ok(ev->organizer_name))
		return error_set(err, "the event's text has control characters or is not UTF-8");
	if (ev->organizer_addr == NULL || *ev->organizer_addr == '\0' ||
	    strpbrk(ev->organizer_addr, " \t\r\n\"<>") != NULL || !text_ok(ev->organizer_addr))
		return error_set(err, "the organizer needs a plain address");
	if (ev->sequence < 0)
		return error_set(err, "SEQUENCE must not be negative");
	if (ev->ends <= ev->starts)
		return error_set(err, "the event must end after it starts");
	return 0;
}

/* vevent - the VEVENT of ev, its times in z (named by a VTIMEZONE when has_vtimezone). */
static icalcomponent *
vevent(const struct ical_event *ev, icaltimezone *z, int has_vtimezone)
{
	icalcomponent *event = icalcomponent_new_vevent();
	int cancel = ev->method == ICAL_CANCEL;
	icalproperty *p;
	char *s;

	icalcomponent_add_property(event, icalproperty_new_uid(ev->uid));
	icalcomponent_add_property(event, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(event, icalproperty_new_dtstamp(utc_time(ev->stamp)));
	icalcomponent_add_property(event, zoned(icalproperty_new(ICAL_DTSTART_PROPERTY),
	                                        ev->starts, z, ev->tzid, has_vtimezone));
	icalcomponent_add_property(event, zoned(icalproperty_new(ICAL_DTEND_PROPERTY), ev->ends,
	                                        z, ev->tzid, has_vtimezone));
	icalcomponent_add_property(event, icalproperty_new_summary(ev->title));
	if (ev->location != NULL)
		icalcomponent_add_property(event, icalproperty_new_location(ev->location));
	if (ev->description != NULL)
		icalcomponent_add_property(event, icalproperty_new_description(ev->description));
	if (ev->url != NULL)
		icalcomponent_add_property(event, icalproperty_new_url(ev->url));
	s = xasprintf("mailto:%s", ev->organizer_addr);
	p = icalproperty_new_organizer(s);
	free(s);
	if (ev->organizer_name != NULL && *ev->organizer_name != '\0') {
		s = cn_value(ev->organizer_name);
		icalproperty_add_parameter(p, icalparameter_new_cn(s));
		free(s);
	}
	icalcomponent_add_property(event, p);
	icalcomponent_add_property(event, icalproperty_new_status(
		cancel ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(event, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	return event;
}

/* calendar_text - cal as text appended to out; cal is freed. */
static int
calendar_text(icalcomponent *cal, struct buf *out, struct error *err)
{
	/* The _r form hands us the text; the plain one lends libical's ring buffer. */
	char *text = icalcomponent_as_ical_string_r(cal);
	int rc = 0;

	if (text == NULL)
		rc = error_set(err, "libical could not write the calendar: %s",
		               icalerror_strerror(icalerrno));
	else if (buf_adds(out, text) != BUF_OK)
		rc = error_set(err, "the calendar is larger than %zu bytes", out->max);
	free(text);
	icalcomponent_free(cal);
	return rc;
}

static icalcomponent *
new_calendar(icalproperty_method method)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();

	icalcomponent_add_property(cal, icalproperty_new_prodid("-//outreach//outreach//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	return cal;
}

int
ical_invite(const struct ical_event *ev, struct buf *out, struct error *err)
{
	icaltimezone *z = zone(ev->tzid);
	icalcomponent *cal;
	int has_vtimezone;

	if (z == NULL)
		return unknown_zone(ev->tzid, err);
	if (check_event(ev, err) < 0)
		return -1;
	cal = new_calendar(ev->method == ICAL_CANCEL ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
	has_vtimezone = icaltimezone_get_component(z) != NULL;
	if (has_vtimezone)
		icalcomponent_add_component(cal, vtimezone(z, ev->tzid, ev->starts));
	icalcomponent_add_component(cal, vevent(ev, z, has_vtimezone));
	return calendar_text(cal, out, err);
}

int
ical_publish(const struct ical_event *evs, size_t n, const char *name, struct buf *out,
             struct error *err)
{
	icalcomponent *cal;
	const char *zones[ICAL_PUBLISH_MAX];
	size_t nzones = 0;

	if (n > ICAL_PUBLISH_MAX)
		return error_set(err, "at most %d events in one calendar", ICAL_PUBLISH_MAX);
	for (size_t i = 0; i < n; i++) {
		if (zone(evs[i].tzid) == NULL)
			return unknown_zone(evs[i].tzid, err);
		if (check_event(&evs[i], err) < 0)
			return -1;
	}
	if (!text_ok(name))
		return error_set(err, "the calendar's name is not plain text");
	cal = new_calendar(ICAL_METHOD_PUBLISH);
	icalcomponent_add_property(cal, icalproperty_new_x(name));
	icalproperty_set_x_name(icalcomponent_get_first_property(cal, ICAL_X_PROPERTY),
	                        "X-WR-CALNAME");
	/* One VTIMEZONE per zone the events use, each reaching back to the earliest. */
	for (size_t i = 0; i < n; i++) {
		icaltimezone *z = zone(evs[i].tzid);
		int64_t first = evs[i].starts;
		size_t k;

		for (k = 0; k < nzones && strcmp(zones[k], evs[i].tzid) != 0; k++)
			;
		if (k < nzones || icaltimezone_get_component(z) == NULL)
			continue;
		zones[nzones++] = evs[i].tzid;
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(evs[j].tzid, evs[i].tzid) == 0 && evs[j].starts < first)
				first = evs[j].starts;
		icalcomponent_add_component(cal, vtimezone(z, evs[i].tzid, first));
	}
	for (size_t i = 0; i < n; i++) {
		icaltimezone *z = zone(evs[i].tzid);

		icalcomponent_add_component(cal, vevent(&evs[i], z,
		                                        icaltimezone_get_component(z) != NULL));
	}
	return calendar_text(cal, out, err);
}
