/*
 * test_ical - local times to UTC on both sides of DST changes, strict date
 * checks, times formatted for people, and invites that libical's own parser
 * reads back to the same event, with every line CRLF-ended and at most 75
 * octets.  Expected Unix times were worked out with GNU date and TZ=zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "buf.h"
#include "ical.h"
#include "util.h"

#define BAD_DATE(s) "'" s "' is not a valid date and time (YYYY-MM-DD HH:MM)"

static const struct {
	const char *local, *tz;
	int64_t want;
	const char *err;           /* NULL: want is the answer */
} conversions[] = {
	{"2027-03-04 16:00", "America/New_York", 1804194000, NULL},      /* EST: 21:00Z */
	{"2027-07-04 16:00", "America/New_York", 1814731200, NULL},      /* EDT: 20:00Z */
	{"2027-07-04 16:00:00", "America/New_York", 1814731200, NULL},
	{"2027-03-04 16:00:30", "America/New_York", 1804194030, NULL},
	/* Spring forward, 2027-03-14: 01:59 EST is followed by 03:00 EDT. */
	{"2027-03-14 01:59", "America/New_York", 1805007540, NULL},
	{"2027-03-14 03:00", "America/New_York", 1805007600, NULL},
	{"2027-03-14 02:00", "America/New_York", 0,
	 "'2027-03-14 02:00' does not exist in America/New_York: the clocks skip it"},
	{"2027-03-14 02:30", "America/New_York", 0,
	 "'2027-03-14 02:30' does not exist in America/New_York: the clocks skip it"},
	/* Fall back, 2027-11-07: 01:00-01:59 happens twice; libical takes the EST one. */
	{"2027-11-07 00:59", "America/New_York", 1825563540, NULL},
	{"2027-11-07 01:30", "America/New_York", 1825565400 + 3600, NULL},
	{"2027-11-07 02:00", "America/New_York", 1825570800, NULL},
	{"2040-07-04 16:00", "America/New_York", 2225044800, NULL},      /* past 2038 */
	{"2027-07-04 16:00", "Europe/London", 1814713200, NULL},         /* BST */
	{"2027-03-04 16:00", "Asia/Kolkata", 1804156200, NULL},          /* +05:30 */
	{"2027-01-15 10:00", "Australia/Sydney", 1799967600, NULL},      /* southern summer */
	{"1970-01-01 00:00", "UTC", 0, NULL},
	{"1970-01-01 00:00", "Etc/UTC", 0, NULL},
	{"2028-02-29 12:00", "UTC", 1835438400, NULL},                   /* leap year */
	{"2000-02-29 12:00", "UTC", 951825600, NULL},                    /* 400-year leap */
	{"2199-12-31 23:59", "UTC", 7258118340, NULL},
	{"2200-01-01 00:00", "UTC", 0, BAD_DATE("2200-01-01 00:00")},
	/* Bad dates and times. */
	{"2027-02-30 10:00", "America/New_York", 0, BAD_DATE("2027-02-30 10:00")},
	{"2027-02-29 10:00", "UTC", 0, BAD_DATE("2027-02-29 10:00")},
	{"2100-02-29 10:00", "UTC", 0, BAD_DATE("2100-02-29 10:00")},
	{"2027-04-31 10:00", "UTC", 0, BAD_DATE("2027-04-31 10:00")},
	{"2027-13-01 10:00", "UTC", 0, BAD_DATE("2027-13-01 10:00")},
	{"2027-00-10 10:00", "UTC", 0, BAD_DATE("2027-00-10 10:00")},
	{"2027-01-00 10:00", "UTC", 0, BAD_DATE("2027-01-00 10:00")},
	{"2027-03-04 24:00", "UTC", 0, BAD_DATE("2027-03-04 24:00")},
	{"2027-03-04 12:60", "UTC", 0, BAD_DATE("2027-03-04 12:60")},
	{"2027-03-04 12:00:60", "UTC", 0, BAD_DATE("2027-03-04 12:00:60")},
	{"1969-12-31 23:59", "UTC", 0, BAD_DATE("1969-12-31 23:59")},
	{"2027-3-4 16:00", "UTC", 0, BAD_DATE("2027-3-4 16:00")},
	{"2027-03-04T16:00", "UTC", 0, BAD_DATE("2027-03-04T16:00")},
	{"2027-03-04 16:00 ", "UTC", 0, BAD_DATE("2027-03-04 16:00 ")},
	{" 2027-03-04 16:00", "UTC", 0, BAD_DATE(" 2027-03-04 16:00")},
	{"2027-03-04 +6:00", "UTC", 0, BAD_DATE("2027-03-04 +6:00")},
	{"2027-03-04 16:0x", "UTC", 0, BAD_DATE("2027-03-04 16:0x")},
	{"2027-03-04", "UTC", 0, BAD_DATE("2027-03-04")},
	{"", "UTC", 0, BAD_DATE("")},
	{"2027-03-04 16:00\n", "UTC", 0, BAD_DATE("2027-03-04 16:00?")},
	/* Zones. */
	{"2027-03-04 16:00", "Mars/Olympus", 0, "unknown time zone 'Mars/Olympus'"},
	{"2027-03-04 16:00", "America/../Europe/London", 0,
	 "unknown time zone 'America/../Europe/London'"},
	{"2027-03-04 16:00", "localtime", 0, "unknown time zone 'localtime'"},
	{"2027-03-04 16:00", "/etc/passwd", 0, "unknown time zone '/etc/passwd'"},
	{"2027-03-04 16:00", "", 0, "unknown time zone ''"},
	{"2027-02-30 10:00", "Mars/Olympus", 0, "unknown time zone 'Mars/Olympus'"},
};

static void
test_local_to_utc(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(conversions) / sizeof(conversions[0]); i++) {
		const char *local = conversions[i].local, *tz = conversions[i].tz;
		const char *want_err = conversions[i].err;
		long long want = (long long)conversions[i].want;
		struct error err = ERROR_INIT;
		int64_t got = -1;
		int rc = ical_local_to_utc(local, tz, &got, &err);

		if (want_err == NULL && rc != 0)
			fail_msg("'%s' in %s: got error '%s', want %lld", local, tz,
			         error_msg(&err), want);
		if (want_err == NULL && got != want)
			fail_msg("'%s' in %s: got %lld, want %lld", local, tz, (long long)got,
			         want);
		if (want_err != NULL && rc == 0)
			fail_msg("'%s' in %s: got %lld, want error '%s'", local, tz,
			         (long long)got, want_err);
		if (want_err != NULL && strcmp(error_msg(&err), want_err) != 0)
			fail_msg("'%s' in %s: got error '%s', want '%s'", local, tz,
			         error_msg(&err), want_err);
		error_clear(&err);
	}
}

static void
test_zone_valid(void **state)
{
	static const struct {
		const char *tz;
		int want;
	} zones[] = {
		{"America/New_York", 1}, {"Europe/London", 1}, {"UTC", 1}, {"Etc/UTC", 1},
		{"America/Argentina/Buenos_Aires", 1}, {"Etc/GMT+5", 1},
		{"Mars/Olympus", 0}, {"", 0}, {NULL, 0}, {"america/new_york", 0},
		{"America/New_York/", 0}, {"America//New_York", 0}, {"../zoneinfo/UTC", 0},
		{"posixrules", 0}, {"America/New York", 0},
		{"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/B", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (ical_zone_valid(zones[i].tz) != zones[i].want)
			fail_msg("ical_zone_valid(%s): got %d, want %d",
			         zones[i].tz ? zones[i].tz : "NULL", !zones[i].want,
			         zones[i].want);
}

static const struct {
	int64_t utc;
	const char *tz, *want;
} formats[] = {
	{1804194000, "America/New_York", "Thursday, March 4, 2027, 4:00 PM EST"},
	{1814731200, "America/New_York", "Sunday, July 4, 2027, 4:00 PM EDT"},
	/* Either side of spring forward and of both 01:30s in the autumn. */
	{1805007599, "America/New_York", "Sunday, March 14, 2027, 1:59 AM EST"},
	{1805007600, "America/New_York", "Sunday, March 14, 2027, 3:00 AM EDT"},
	{1825565400, "America/New_York", "Sunday, November 7, 2027, 1:30 AM EDT"},
	{1825565400 + 3600, "America/New_York", "Sunday, November 7, 2027, 1:30 AM EST"},
	{2225044800, "America/New_York", "Wednesday, July 4, 2040, 4:00 PM EDT"},
	/* Midnight and noon. */
	{1804136400, "America/New_York", "Thursday, March 4, 2027, 12:00 AM EST"},
	{1804179600, "America/New_York", "Thursday, March 4, 2027, 12:00 PM EST"},
	{1804179600 + 59 * 60, "America/New_York", "Thursday, March 4, 2027, 12:59 PM EST"},
	{1814713200, "Europe/London", "Sunday, July 4, 2027, 4:00 PM BST"},
	{1804194000, "Europe/London", "Thursday, March 4, 2027, 9:00 PM GMT"},
	{1804156200, "Asia/Kolkata", "Thursday, March 4, 2027, 4:00 PM IST"},
	{1799967600, "Australia/Sydney", "Friday, January 15, 2027, 10:00 AM AEDT"},
	/* Zones whose abbreviation is only a number. */
	{1804194000, "America/Sao_Paulo", "Thursday, March 4, 2027, 6:00 PM UTC-3"},
	{1804194000, "Asia/Kathmandu", "Friday, March 5, 2027, 2:45 AM UTC+5:45"},
	{0, "UTC", "Thursday, January 1, 1970, 12:00 AM UTC"},
	{0, "Etc/UTC", "Thursday, January 1, 1970, 12:00 AM UTC"},
};

static void
test_format_local(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 256);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		buf_reset(&b);
		if (ical_format_local(formats[i].utc, formats[i].tz, &b) != 0)
			fail_msg("%lld in %s: got an error, want '%s'", (long long)formats[i].utc,
			         formats[i].tz, formats[i].want);
		if (strcmp(buf_cstr(&b), formats[i].want) != 0)
			fail_msg("%lld in %s: got '%s', want '%s'", (long long)formats[i].utc,
			         formats[i].tz, buf_cstr(&b), formats[i].want);
	}

	/* It appends; on failure it leaves the buffer as it was. */
	buf_reset(&b);
	buf_adds(&b, "When: ");
	assert_int_equal(ical_format_local(1804194000, "America/New_York", &b), 0);
	if (strcmp(buf_cstr(&b), "When: Thursday, March 4, 2027, 4:00 PM EST") != 0)
		fail_msg("append: got '%s'", buf_cstr(&b));
	buf_reset(&b);
	buf_adds(&b, "When: ");
	assert_int_equal(ical_format_local(1804194000, "Mars/Olympus", &b), -1);
	if (strcmp(buf_cstr(&b), "When: ") != 0)
		fail_msg("unknown zone: got '%s', want the buffer untouched", buf_cstr(&b));
	buf_free(&b);
	buf_init(&b, 20);
	assert_int_equal(ical_format_local(1804194000, "America/New_York", &b), -1);
	if (b.len != 0)
		fail_msg("too small: got '%s', want the buffer untouched", buf_cstr(&b));
	buf_free(&b);
}

#define TITLE \
	"Robotics night: Zoë's café, \"quoted\"; a\\b — 日本語のテキスト " \
	"and a title long enough to be folded more than once by libical, past 75 octets"
#define LOCATION "Room 1, Building 2; Somerville — Ünterwasserbootführerscheinprüfungsraum"
#define DESCRIPTION "Agenda:\n1. Updates, news; more\n2. Questions"

/* check_lines - CRLF after every line, no bare CR or LF, lines of at most 75 octets. */
static void
check_lines(const char *what, const char *s, size_t len)
{
	size_t start = 0, line = 1;

	if (len < 2 || s[len - 2] != '\r' || s[len - 1] != '\n')
		fail_msg("%s: the text does not end in CRLF", what);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n'))
			fail_msg("%s: line %zu: bare CR", what, line);
		if (s[i] != '\n')
			continue;
		if (i == 0 || s[i - 1] != '\r')
			fail_msg("%s: line %zu: LF without CR", what, line);
		if (i - 1 - start > 75)
			fail_msg("%s: line %zu: got %zu octets, want at most 75: '%.*s'", what,
			         line, i - 1 - start, (int)(i - 1 - start), s + start);
		/* Folding must not split a UTF-8 sequence (RFC 5545 3.1). */
		if (!utf8_valid(s + start, i - 1 - start))
			fail_msg("%s: line %zu: folded inside a UTF-8 sequence", what, line);
		start = i + 1;
		line++;
	}
}

/* unfold - the text with RFC 5545 folding undone, for looking at escapes. */
static char *
unfold(const char *s)
{
	char *out = xstrdup(s), *w = out;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\r' && r[1] == '\n' && (r[2] == ' ' || r[2] == '\t')) {
			r += 2;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	return out;
}

static icalproperty *
prop(icalcomponent *c, icalproperty_kind kind, const char *what)
{
	icalproperty *p = icalcomponent_get_first_property(c, kind);

	if (p == NULL)
		fail_msg("%s: got no such property", what);
	return p;
}

static void
want_str(const char *what, const char *got, const char *want)
{
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", what, got ? got : "(none)", want);
}

static const char *
tzid_param(icalproperty *p)
{
	icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

	return tz ? icalparameter_get_tzid(tz) : NULL;
}

/* as_utc - a parsed DTSTART/DTEND turned into Unix time with the invite's own VTIMEZONE. */
static int64_t
as_utc(icalcomponent *cal, icalproperty *p)
{
	struct icaltimetype t = icalproperty_get_dtstart(p);
	const char *tzid = tzid_param(p);
	icalcomponent *vtz;
	icaltimezone *z;
	int64_t u;

	if (p != NULL && icalproperty_isa(p) == ICAL_DTEND_PROPERTY)
		t = icalproperty_get_dtend(p);
	if (tzid == NULL)
		return (int64_t)icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
	for (vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); vtz != NULL;
	     vtz = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);

		if (id != NULL && strcmp(icalproperty_get_tzid(id), tzid) == 0)
			break;
	}
	if (vtz == NULL)
		fail_msg("TZID=%s: got no VTIMEZONE with that TZID", tzid);
	z = icaltimezone_new();
	icaltimezone_set_component(z, icalcomponent_new_clone(vtz));
	u = (int64_t)icaltime_as_timet_with_zone(t, z);
	icaltimezone_free(z, 1);
	return u;
}

static const struct {
	const char *name, *tz, *starts_local, *ends_local;
	int method;
	int full;                  /* location, description and organizer name set */
} invites[] = {
	{"winter request", "America/New_York", "2027-03-04 16:00", "2027-03-04 17:30",
	 ICAL_REQUEST, 1},
	{"summer request", "America/New_York", "2027-07-04 16:00", "2027-07-04 18:00",
	 ICAL_REQUEST, 1},
	{"across the spring change", "America/New_York", "2027-03-13 22:00", "2027-03-14 04:00",
	 ICAL_REQUEST, 1},
	{"after 2038", "America/New_York", "2040-07-04 16:00", "2040-07-04 17:00", ICAL_REQUEST,
	 1},
	{"cancel", "Europe/London", "2027-07-04 16:00", "2027-07-04 17:00", ICAL_CANCEL, 1},
	{"bare", "Asia/Kolkata", "2027-03-04 16:00", "2027-03-04 17:00", ICAL_REQUEST, 0},
	{"UTC", "UTC", "2027-03-04 16:00", "2027-03-04 17:00", ICAL_REQUEST, 1},
};

static void
check_invite(size_t i)
{
	const char *name = invites[i].name;
	int cancel = invites[i].method == ICAL_CANCEL, full = invites[i].full;
	struct ical_event ev;
	struct error err = ERROR_INIT;
	icalcomponent *cal, *vev;
	icalproperty *p;
	icalparameter *cn;
	struct buf b;
	char *flat;

	memset(&ev, 0, sizeof(ev));
	ev.uid = "0123456789abcdef@news.example.org";
	ev.sequence = 3;
	ev.method = invites[i].method;
	ev.title = TITLE;
	ev.location = full ? LOCATION : NULL;
	ev.description = full ? DESCRIPTION : NULL;
	ev.tzid = invites[i].tz;
	ev.organizer_name = full ? "Metro \"North\" STEM, Network" : NULL;
	ev.organizer_addr = "news@example.org";
	ev.stamp = 1800000000;
	assert_int_equal(ical_local_to_utc(invites[i].starts_local, ev.tzid, &ev.starts, &err), 0);
	assert_int_equal(ical_local_to_utc(invites[i].ends_local, ev.tzid, &ev.ends, &err), 0);

	buf_init(&b, 1 << 20);
	buf_adds(&b, "prefix");    /* ical_invite appends */
	if (ical_invite(&ev, &b, &err) != 0)
		fail_msg("%s: got error '%s'", name, error_msg(&err));
	if (strncmp(buf_cstr(&b), "prefixBEGIN:VCALENDAR\r\n", 23) != 0)
		fail_msg("%s: got '%.30s', want 'prefixBEGIN:VCALENDAR'", name, buf_cstr(&b));
	check_lines(name, b.data + 6, b.len - 6);

	/* The escapes as written: commas, semicolons and backslashes in TEXT. */
	flat = unfold(b.data + 6);
	if (strstr(flat, "\r\nSUMMARY:Robotics night: Zoë's café\\, \"quoted\"\\; a\\\\b — ")
	    == NULL)
		fail_msg("%s: SUMMARY is not escaped as RFC 5545 says:\n%s", name, flat);
	if (full && strstr(flat, "\r\nLOCATION:Room 1\\, Building 2\\; Somerville — Ü") == NULL)
		fail_msg("%s: LOCATION is not escaped as RFC 5545 says:\n%s", name, flat);
	if (full && !strstr(flat, "\r\nDESCRIPTION:Agenda:\\n1. Updates\\, news\\; more\\n"))
		fail_msg("%s: DESCRIPTION is not escaped as RFC 5545 says:\n%s", name, flat);
	if (strstr(flat, cancel ? "\r\nSTATUS:CANCELLED\r\n" : "\r\nSTATUS:CONFIRMED\r\n") == NULL)
		fail_msg("%s: wrong STATUS:\n%s", name, flat);

	/* And read back by libical's parser. */
	cal = icalparser_parse_string(b.data + 6);
	if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
		fail_msg("%s: libical cannot parse the invite back", name);
	want_str("PRODID", icalproperty_get_prodid(prop(cal, ICAL_PRODID_PROPERTY, "PRODID")),
	         "-//outreach//outreach//EN");
	want_str("VERSION", icalproperty_get_version(prop(cal, ICAL_VERSION_PROPERTY, "VERSION")),
	         "2.0");
	want_str("CALSCALE", icalproperty_get_calscale(prop(cal, ICAL_CALSCALE_PROPERTY,
	                                                      "CALSCALE")), "GREGORIAN");
	if (icalproperty_get_method(prop(cal, ICAL_METHOD_PROPERTY, "METHOD")) !=
	    (cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST))
		fail_msg("%s: got the wrong METHOD", name);
	vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	if (vev == NULL || icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT) != NULL)
		fail_msg("%s: want exactly one VEVENT", name);
	want_str("UID", icalproperty_get_uid(prop(vev, ICAL_UID_PROPERTY, "UID")), ev.uid);
	if (icalproperty_get_sequence(prop(vev, ICAL_SEQUENCE_PROPERTY, "SEQUENCE")) != 3)
		fail_msg("%s: got the wrong SEQUENCE", name);
	want_str("SUMMARY", icalproperty_get_summary(prop(vev, ICAL_SUMMARY_PROPERTY, "SUMMARY")),
	         TITLE);
	if (full) {
		want_str("LOCATION", icalproperty_get_location(prop(vev, ICAL_LOCATION_PROPERTY,
		                                                      "LOCATION")), LOCATION);
		want_str("DESCRIPTION", icalproperty_get_description(
			prop(vev, ICAL_DESCRIPTION_PROPERTY, "DESCRIPTION")), DESCRIPTION);
	} else if (icalcomponent_get_first_property(vev, ICAL_LOCATION_PROPERTY) != NULL ||
	           icalcomponent_get_first_property(vev, ICAL_DESCRIPTION_PROPERTY) != NULL)
		fail_msg("%s: want no LOCATION or DESCRIPTION when they are NULL", name);
	p = prop(vev, ICAL_ORGANIZER_PROPERTY, "ORGANIZER");
	want_str("ORGANIZER", icalproperty_get_organizer(p), "mailto:news@example.org");
	cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
	if (full)
		want_str("ORGANIZER CN", cn ? icalparameter_get_cn(cn) : NULL,
		         "Metro North STEM, Network");
	else if (cn != NULL)
		fail_msg("%s: want no CN without an organizer name", name);
	if (icalproperty_get_status(prop(vev, ICAL_STATUS_PROPERTY, "STATUS")) !=
	    (cancel ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED))
		fail_msg("%s: got the wrong STATUS", name);
	p = prop(vev, ICAL_TRANSP_PROPERTY, "TRANSP");
	if (icalproperty_get_transp(p) != ICAL_TRANSP_OPAQUE)
		fail_msg("%s: got the wrong TRANSP", name);
	{
		struct icaltimetype st = icalproperty_get_dtstamp(prop(vev, ICAL_DTSTAMP_PROPERTY,
		                                                       "DTSTAMP"));

		if (!icaltime_is_utc(st) ||
		    icaltime_as_timet_with_zone(st, icaltimezone_get_utc_timezone()) != 1800000000)
			fail_msg("%s: DTSTAMP: got %s, want 20270115T080000Z", name,
			         icaltime_as_ical_string(st));
	}

	/* DTSTART/DTEND: the wall-clock time in the event's zone, which the VTIMEZONE resolves. */
	p = prop(vev, ICAL_DTSTART_PROPERTY, "DTSTART");
	if (strcmp(ev.tzid, "UTC") == 0) {
		if (tzid_param(p) != NULL || !icaltime_is_utc(icalproperty_get_dtstart(p)))
			fail_msg("%s: want DTSTART in UTC without a TZID", name);
		if (icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT) != NULL)
			fail_msg("%s: want no VTIMEZONE for UTC", name);
	} else {
		struct icaltimetype t = icalproperty_get_dtstart(p);
		char local[32];

		want_str("DTSTART TZID", tzid_param(p), ev.tzid);
		snprintf(local, sizeof(local), "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day,
		         t.hour, t.minute);
		want_str("DTSTART local time", local, invites[i].starts_local);
		want_str("DTEND TZID", tzid_param(prop(vev, ICAL_DTEND_PROPERTY, "DTEND")),
		         ev.tzid);
	}
	if (as_utc(cal, p) != ev.starts)
		fail_msg("%s: DTSTART: got %lld, want %lld", name, (long long)as_utc(cal, p),
		         (long long)ev.starts);
	p = prop(vev, ICAL_DTEND_PROPERTY, "DTEND");
	if (as_utc(cal, p) != ev.ends)
		fail_msg("%s: DTEND: got %lld, want %lld", name, (long long)as_utc(cal, p),
		         (long long)ev.ends);

	icalcomponent_free(cal);
	free(flat);
	buf_free(&b);
	error_clear(&err);
}

static void
test_invite(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(invites) / sizeof(invites[0]); i++)
		check_invite(i);
}

static void
test_invite_errors(void **state)
{
	static const struct {
		const char *name, *uid, *tz, *title, *addr;
		int64_t starts, ends;
		size_t max;
		const char *want;
	} bad[] = {
		{"unknown zone", "u@x", "Mars/Olympus", "t", "a@x", 100, 200, 1 << 20,
		 "unknown time zone 'Mars/Olympus'"},
		{"no uid", NULL, "UTC", "t", "a@x", 100, 200, 1 << 20,
		 "the event needs a UID of plain text on one line"},
		{"uid on two lines", "a\r\nb", "UTC", "t", "a@x", 100, 200, 1 << 20,
		 "the event needs a UID of plain text on one line"},
		{"no title", "u@x", "UTC", NULL, "a@x", 100, 200, 1 << 20,
		 "the event needs a title"},
		{"no organizer", "u@x", "UTC", "t", NULL, 100, 200, 1 << 20,
		 "the organizer needs a plain address"},
		{"organizer with a display name", "u@x", "UTC", "t", "A <a@x>", 100, 200, 1 << 20,
		 "the organizer needs a plain address"},
		{"control character in the title", "u@x", "UTC", "t\033[31m", "a@x", 100, 200,
		 1 << 20, "the event's text has control characters or is not UTF-8"},
		{"title not UTF-8", "u@x", "UTC", "caf\xe9", "a@x", 100, 200, 1 << 20,
		 "the event's text has control characters or is not UTF-8"},
		{"ends before it starts", "u@x", "UTC", "t", "a@x", 200, 100, 1 << 20,
		 "the event must end after it starts"},
		{"no length", "u@x", "UTC", "t", "a@x", 200, 200, 1 << 20,
		 "the event must end after it starts"},
		{"buffer too small", "u@x", "America/New_York", "t", "a@x", 100, 200, 100,
		 "the calendar is larger than 100 bytes"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ical_event ev;
		struct error err = ERROR_INIT;
		struct buf b;

		memset(&ev, 0, sizeof(ev));
		ev.uid = bad[i].uid;
		ev.tzid = bad[i].tz;
		ev.title = bad[i].title;
		ev.organizer_addr = bad[i].addr;
		ev.starts = bad[i].starts;
		ev.ends = bad[i].ends;
		buf_init(&b, bad[i].max);
		if (ical_invite(&ev, &b, &err) == 0)
			fail_msg("%s: got an invite, want '%s'", bad[i].name, bad[i].want);
		if (strcmp(error_msg(&err), bad[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", bad[i].name, error_msg(&err),
			         bad[i].want);
		if (b.len != 0)
			fail_msg("%s: got %zu bytes of output, want none", bad[i].name, b.len);
		buf_free(&b);
		error_clear(&err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_zone_valid),
		cmocka_unit_test(test_format_local),
		cmocka_unit_test(test_invite),
		cmocka_unit_test(test_invite_errors),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	icaltimezone_free_builtin_timezones();
	return rc;
}
