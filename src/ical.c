/*
 * ical - time zones and calendar invites through libical.  See ical.h.
 *
 * libical reads the system's zoneinfo.  Its TZIDs carry a prefix by
 * default; it is cleared once so invites say TZID=America/New_York, which
 * is what calendar clients match.  The VTIMEZONE is truncated to the year
 * before the event, so an invite does not carry a century of history.
 */
#define _GNU_SOURCE
#include "ical.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

static icaltimezone *
zone(const char *tzid)
{
	static int prefix_cleared;

	if (!prefix_cleared) {
		icaltimezone_set_tzid_prefix("");
		prefix_cleared = 1;
	}
	if (tzid == NULL || *tzid == '\0' || strlen(tzid) > 64)
		return NULL;
	return icaltimezone_get_builtin_timezone(tzid);
}

int
ical_zone_valid(const char *tzid)
{
	return zone(tzid) != NULL;
}

static int
digits(const char *s, size_t n, long long max, long long *out)
{
	char buf[8];
	const char *why;

	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_int(buf, 0, max, out, &why);
}

static int
days_in_month(long long y, long long m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* parse_local - "YYYY-MM-DD HH:MM[:SS]", every field checked. */
static int
parse_local(const char *s, struct icaltimetype *t)
{
	long long y, mo, d, h, mi, sec = 0;
	size_t n = strlen(s);

	if ((n != 16 && n != 19) || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
	    (n == 19 && s[16] != ':'))
		return -1;
	if (digits(s, 4, 9999, &y) < 0 || digits(s + 5, 2, 12, &mo) < 0 ||
	    digits(s + 8, 2, 31, &d) < 0 || digits(s + 11, 2, 23, &h) < 0 ||
	    digits(s + 14, 2, 59, &mi) < 0 || (n == 19 && digits(s + 17, 2, 59, &sec) < 0))
		return -1;
	if (y < 1970 || mo < 1 || d < 1 || d > days_in_month(y, mo))
		return -1;
	*t = icaltime_null_time();
	t->year = (int)y;
	t->month = (int)mo;
	t->day = (int)d;
	t->hour = (int)h;
	t->minute = (int)mi;
	t->second = (int)sec;
	t->is_date = 0;
	return 0;
}

int
ical_local_to_utc(const char *local, const char *tzid, int64_t *utc, struct error *err)
{
	icaltimezone *z = zone(tzid);
	struct icaltimetype t;

	if (z == NULL)
		return error_set(err, "unknown time zone '%s' (use a name such as America/New_York)",
		                 tzid ? tzid : "");
	if (parse_local(local, &t) < 0)
		return error_set(err, "'%s' is not a valid date and time (YYYY-MM-DD HH:MM)", local);
	*utc = (int64_t)icaltime_as_timet_with_zone(t, z);
	return 0;
}

int
ical_format_local(int64_t utc, const char *tzid, struct buf *out)
{
	char text[128], *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	time_t tt = (time_t)utc;
	struct tm tm;
	int hour;

	if (zone(tzid) == NULL)
		return -1;
	/* The zone's abbreviation for that instant (EST or EDT) comes from the C library. */
	setenv("TZ", tzid, 1);
	tzset();
	localtime_r(&tt, &tm);
	hour = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	strftime(text, sizeof(text), "%A, %B %d, %Y, ", &tm);
	buf_adds(out, text);
	strftime(text, sizeof(text), ":%M %p %Z", &tm);
	buf_addf(out, "%d%s", hour, text);
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else
		unsetenv("TZ");
	tzset();
	/* "March 04" reads badly: drop the leading zero of the day. */
	{
		char *p = strstr(out->data, " 0");

		if (p && p[2] >= '1' && p[2] <= '9')
			memmove(p + 1, p + 2, strlen(p + 2) + 1), out->len--;
	}
	return 0;
}

static struct icaltimetype
local_time(int64_t utc, icaltimezone *z)
{
	struct icaltimetype t = icaltime_from_timet_with_zone((time_t)utc, 0, z);

	t.zone = z;
	return t;
}

int
ical_invite(const struct ical_event *ev, struct buf *out, struct error *err)
{
	icaltimezone *z = zone(ev->tzid);
	icalcomponent *cal, *event, *vtz;
	icalproperty *p;
	char *text, *organizer;
	int rc = 0;

	if (z == NULL)
		return error_set(err, "unknown time zone '%s'", ev->tzid ? ev->tzid : "");
	cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//outreach//outreach//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(
		ev->method == ICAL_CANCEL ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST));
	vtz = icalcomponent_new_clone(icaltimezone_get_component(z));
	{
		struct icaltimetype from = icaltime_from_timet_with_zone(
			(time_t)(ev->starts - 366LL * 86400), 0, icaltimezone_get_utc_timezone());

		icaltimezone_truncate_vtimezone(vtz, from, icaltime_null_time(), 1);
	}
	icalcomponent_add_component(cal, vtz);
	event = icalcomponent_new_vevent();
	icalcomponent_add_property(event, icalproperty_new_uid(ev->uid));
	icalcomponent_add_property(event, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(event, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
		(time_t)ev->stamp, 0, icaltimezone_get_utc_timezone())));
	p = icalproperty_new_dtstart(local_time(ev->starts, z));
	icalproperty_add_parameter(p, icalparameter_new_tzid(ev->tzid));
	icalcomponent_add_property(event, p);
	p = icalproperty_new_dtend(local_time(ev->ends, z));
	icalproperty_add_parameter(p, icalparameter_new_tzid(ev->tzid));
	icalcomponent_add_property(event, p);
	icalcomponent_add_property(event, icalproperty_new_summary(ev->title));
	if (ev->location)
		icalcomponent_add_property(event, icalproperty_new_location(ev->location));
	if (ev->description)
		icalcomponent_add_property(event, icalproperty_new_description(ev->description));
	organizer = xasprintf("mailto:%s", ev->organizer_addr);
	p = icalproperty_new_organizer(organizer);
	free(organizer);
	if (ev->organizer_name)
		icalproperty_add_parameter(p, icalparameter_new_cn(ev->organizer_name));
	icalcomponent_add_property(event, p);
	icalcomponent_add_property(event, icalproperty_new_status(
		ev->method == ICAL_CANCEL ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(event, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	icalcomponent_add_component(cal, event);
	text = icalcomponent_as_ical_string_r(cal);
	if (text == NULL)
		rc = error_set(err, "calendar: libical could not write the invite");
	else if (buf_adds(out, text) != BUF_OK)
		rc = error_set(err, "calendar: invite too large");
	free(text);
	icalcomponent_free(cal);
	return rc;
}
