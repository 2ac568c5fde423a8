/*
 * fuzz_frontmatter - a coordinator's file as arbitrary bytes: doc_parse must
 * answer with a document or an error, never a crash or a leak.  A document
 * that parses is also checked for what its users rely on (the body inside
 * the text, values on one line, an event that ends after it starts) and its
 * event is run through the invite builder, as composing a notice would.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frontmatter.h"
#include "ical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct doc *d, size_t size)
{
	const struct doc_event *e = &d->event;

	if (d->list.value == NULL || d->subject.value == NULL || d->body_line < 3 ||
	    d->body < d->text || d->body + d->body_len != d->text + size ||
	    has_header_breaker(d->list.value) || has_header_breaker(d->subject.value) ||
	    strlen(d->subject.value) > DOC_MAX_SUBJECT)
		abort();
	if (d->has_event && (e->title.value == NULL || e->tz.value == NULL ||
	                     e->ends_utc <= e->starts_utc || has_header_breaker(e->title.value)))
		abort();
}

static void
invite(const struct doc *d)
{
	const struct doc_event *e = &d->event;
	struct error err = ERROR_INIT;
	struct ical_event ev;
	struct buf b;

	buf_init(&b, 1 << 20);
	if (ical_format_local(e->starts_utc, e->tz.value, &b) < 0)
		abort();
	buf_reset(&b);
	memset(&ev, 0, sizeof(ev));
	ev.uid = e->uid.value ? e->uid.value : "fuzz@example.org";
	ev.title = e->title.value;
	ev.location = e->location.value;
	ev.description = e->description.value;
	ev.tzid = e->tz.value;
	ev.starts = e->starts_utc;
	ev.ends = e->ends_utc;
	ev.organizer_name = d->subject.value;
	ev.organizer_addr = "news@example.org";
	ev.stamp = 1800000000;
	if (ical_invite(&ev, &b, &err) < 0)
		abort();
	buf_free(&b);
	error_clear(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct doc d;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (doc_parse("fuzz.md", text, size, &d, &err) == 0) {
		check(&d, size);
		if (d.has_event)
			invite(&d);
		doc_free(&d);
	} else if (err.msg == NULL || strchr(err.msg, '\n') != NULL)
		abort();               /* every failure says why, on one line */
	error_clear(&err);
	return 0;
}
