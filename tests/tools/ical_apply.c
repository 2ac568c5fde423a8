/*
 * ical_apply - what a calendar client makes of a series of invites, through
 * libical: each file (a VCALENDAR, in the order given) is applied to one
 * calendar, a REQUEST adding an event or replacing it when its SEQUENCE is
 * higher, a CANCEL cancelling it.  Prints the calendar, one event a line:
 * "UID SEQUENCE STATUS DTSTART(as written) LOCATION".  Exit 1 when a file
 * does not parse or has no METHOD.
 *
 * usage: ical_apply FILE.ics...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

enum { MAX_EVENTS = 64 };

struct entry {
	char uid[256], status[32], start[64], location[256];
	int sequence;
};

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s;
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	s = calloc(1, (size_t)n + 1);
	if (s == NULL || fread(s, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(fp);
	return s;
}

int
main(int argc, char **argv)
{
	struct entry cal[MAX_EVENTS];
	int n = 0;

	for (int a = 1; a < argc; a++) {
		char *text = slurp(argv[a]);
		icalcomponent *c = icalparser_parse_string(text), *ev;
		icalproperty *mp;
		int cancel;

		free(text);
		if (c == NULL || (mp = icalcomponent_get_first_property(c, ICAL_METHOD_PROPERTY)) ==
		                 NULL) {
			fprintf(stderr, "%s: not a calendar with a METHOD\n", argv[a]);
			return 1;
		}
		cancel = icalproperty_get_method(mp) == ICAL_METHOD_CANCEL;
		for (ev = icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT); ev;
		     ev = icalcomponent_get_next_component(c, ICAL_VEVENT_COMPONENT)) {
			const char *uid = icalcomponent_get_uid(ev);
			int seq = icalcomponent_get_sequence(ev), i;
			icalproperty *dt = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
			const char *loc = icalcomponent_get_location(ev);

			for (i = 0; i < n && strcmp(cal[i].uid, uid) != 0; i++)
				;
			if (i < n && seq < cal[i].sequence)
				continue; /* an older message about it: ignored */
			if (i == n) {
				if (cancel || n == MAX_EVENTS)
					continue;
				n++;
			}
			snprintf(cal[i].uid, sizeof(cal[i].uid), "%s", uid);
			cal[i].sequence = seq;
			snprintf(cal[i].status, sizeof(cal[i].status), "%s",
			         cancel ? "CANCELLED" : "CONFIRMED");
			snprintf(cal[i].start, sizeof(cal[i].start), "%s",
			         dt ? icalproperty_get_value_as_string(dt) : "-");
			snprintf(cal[i].location, sizeof(cal[i].location), "%s", loc ? loc : "-");
		}
		icalcomponent_free(c);
	}
	for (int i = 0; i < n; i++)
		printf("%s %d %s %s %s\n", cal[i].uid, cal[i].sequence, cal[i].status, cal[i].start,
		       cal[i].location);
	return 0;
}
