/*
 * test_frontmatter - coordinators' files, good and bad: each good one is
 * rendered as "key@line=value" for every field plus the body, each bad one
 * must give exactly its "FILE:LINE: key: reason" line.  Then doc_load on real
 * files (CRLF, BOM, NUL bytes, over the size limit) and doc_free's contract.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "frontmatter.h"

/* Unix times the cases expect, worked out by hand from the zone rules. */
#define T_0304_1600_EST "1804194000"   /* 2027-03-04 16:00 EST = 21:00Z */
#define T_0304_1730_EST "1804199400"
#define T_0304_1700_EST "1804197600"   /* the default end: one hour */
#define T_0704_1600_EDT "1814731200"   /* 2027-07-04 16:00 EDT = 20:00Z */
#define T_1201_0900_EST "1827669600"   /* 2027-12-01 09:00 EST = 14:00Z */

/* A case with NUL bytes gives its length; the others are measured with strlen. */
#define BYTES(s) s, sizeof(s) - 1

static const struct {
	const char *name;
	const char *in;
	size_t len;
	const char *want;          /* the rendering, or "doc.md:..." for an error */
} cases[] = {
	/* Good files. */
	{"minimal newsletter", "---\nlist: net\nsubject: Hello\n---\nBody text.\n", 0,
	 "list@2=net subject@3=Hello kind=newsletter body@5=[Body text.\n]"},
	{"every top-level key",
	 "---\nlist: metro-north\nsubject: \"Spring forum: save the date\"\nkind: newsletter\n"
	 "topic: events-2027\ntemplate: news_letter-2\n"
	 "send_at: 2027-12-01 09:00 America/New_York\n---\n# Hi\n", 0,
	 "list@2=metro-north subject@3=Spring forum: save the date kind@4=newsletter "
	 "topic@5=events-2027 template@6=news_letter-2 send_at@7=2027-12-01 09:00 America/New_York"
	 "=>" T_1201_0900_EST " kind=newsletter body@9=[# Hi\n]"},
	{"send_at in summer time", "---\nlist: a\nsubject: b\nsend_at: 2027-07-04 16:00 "
	 "America/New_York\n---\n", 0,
	 "list@2=a subject@3=b send_at@4=2027-07-04 16:00 America/New_York=>" T_0704_1600_EDT
	 " kind=newsletter body@6=[]"},
	{"notice with an event",
	 "---\nlist: net\nsubject: Quarterly meeting\nkind: notice\nevent:\n"
	 "  title: \"Quarterly meeting: Q1\"\n  starts: 2027-03-04 16:00\n"
	 "  ends: 2027-03-04 17:30\n"
	 "  tz: America/New_York\n  location: Library, Room 2; Somerville\n"
	 "  description: |\n    Agenda:\n    1. Updates\n  uid: q1-2027@example.org\n---\n"
	 "Dear partners,\n", 0,
	 "list@2=net subject@3=Quarterly meeting kind@4=notice kind=notice event@5{"
	 "title@6=Quarterly meeting: Q1 starts@7=2027-03-04 16:00 ends@8=2027-03-04 17:30 "
	 "tz@9=America/New_York location@10=Library, Room 2; Somerville "
	 "description@11=Agenda:\n1. Updates\n uid@14=q1-2027@example.org utc=" T_0304_1600_EST
	 ".." T_0304_1730_EST "} body@16=[Dear partners,\n]"},
	{"event without an end lasts an hour",
	 "---\nlist: a\nsubject: b\nevent: {title: Meet, starts: \"2027-03-04 16:00\", "
	 "tz: America/New_York}\n---\n", 0,
	 "list@2=a subject@3=b kind=newsletter event@4{title@4=Meet starts@4=2027-03-04 16:00 "
	 "tz@4=America/New_York utc=" T_0304_1600_EST ".." T_0304_1700_EST "} body@6=[]"},
	{"CRLF line ends", "---\r\nlist: a\r\nsubject: Hi there\r\n---\r\nLine 1\r\nLine 2\r\n", 0,
	 "list@2=a subject@3=Hi there kind=newsletter body@5=[Line 1\r\nLine 2\r\n]"},
	{"CRLF block scalar comes out with LF",
	 "---\r\nlist: a\r\nsubject: b\r\nevent:\r\n  title: t\r\n  starts: 2027-03-04 16:00\r\n"
	 "  tz: America/New_York\r\n  description: |\r\n    one\r\n    two\r\n---\r\nx", 0,
	 "list@2=a subject@3=b kind=newsletter event@4{title@5=t starts@6=2027-03-04 16:00 "
	 "tz@7=America/New_York description@8=one\ntwo\n utc=" T_0304_1600_EST ".."
	 T_0304_1700_EST "} body@12=[x]"},
	{"byte order mark", "\xef\xbb\xbf---\nlist: a\nsubject: b\n---\nbody\n", 0,
	 "list@2=a subject@3=b kind=newsletter body@5=[body\n]"},
	{"empty body", "---\nlist: a\nsubject: b\n---\n", 0,
	 "list@2=a subject@3=b kind=newsletter body@5=[]"},
	{"closing fence without a newline", "---\nlist: a\nsubject: b\n---", 0,
	 "list@2=a subject@3=b kind=newsletter body@5=[]"},
	{"closing with ...", "---\nlist: a\nsubject: b\n...\nbody", 0,
	 "list@2=a subject@3=b kind=newsletter body@5=[body]"},
	{"only the first fence closes", "---\nlist: a\nsubject: b\n---\n\n---\n\nAfter a rule.\n",
	 0, "list@2=a subject@3=b kind=newsletter body@5=[\n---\n\nAfter a rule.\n]"},
	{"comments and blank lines keep the lines right",
	 "---\n# a comment\n\nlist: a   # trailing comment\n\n\nsubject: 'It''s here'\n---\nx\n",
	 0, "list@4=a subject@7=It's here kind=newsletter body@9=[x\n]"},
	{"a folded plain scalar is one line",
	 "---\nlist: a\nsubject: a long\n  subject line\n---\n", 0,
	 "list@2=a subject@3=a long subject line kind=newsletter body@6=[]"},
	{"non-ASCII subject", "---\nlist: a\nsubject: Zoë's café — 日本語 🚀\n---\n", 0,
	 "list@2=a subject@3=Zoë's café — 日本語 🚀 kind=newsletter body@5=[]"},
	{"numbers and booleans are text", "---\nlist: 2027\nsubject: yes\n---\n", 0,
	 "list@2=2027 subject@3=yes kind=newsletter body@5=[]"},
	{"anchors are harmless", "---\nlist: &l a\nsubject: b\n---\n", 0,
	 "list@2=a subject@3=b kind=newsletter body@5=[]"},

	/* The fences. */
	{"no front matter", "# Just Markdown\n", 0,
	 "doc.md:1: no front matter: the file must start with a line '---'"},
	{"empty file", "", 0, "doc.md:1: no front matter: the file must start with a line '---'"},
	{"opening fence with a trailing space", "--- \nlist: a\n---\n", 0,
	 "doc.md:1: no front matter: the file must start with a line '---'"},
	{"never closed", "---\nlist: a\nsubject: b\n\nbody\n", 0,
	 "doc.md:5: front matter is never closed by a '---' line"},
	{"only an opening fence", "---", 0,
	 "doc.md:1: front matter is never closed by a '---' line"},

	/* Bytes. */
	{"NUL byte", BYTES("---\nlist: a\nsubject: b\n---\nbody\0more\n"),
	 "doc.md:5: contains a NUL byte: not a text file"},
	{"invalid UTF-8", "---\nlist: a\nsubject: caf\xe9\n---\n", 0,
	 "doc.md:3: not valid UTF-8 (save the file as UTF-8)"},
	{"invalid UTF-8 in the body", "---\nlist: a\nsubject: b\n---\n\nok\n\xc0\xaf\n", 0,
	 "doc.md:7: not valid UTF-8 (save the file as UTF-8)"},

	/* Keys. */
	{"unknown key", "---\nsubjct: Hello\nlist: a\n---\n", 0, "doc.md:2: unknown key 'subjct'"},
	{"unknown event key",
	 "---\nlist: a\nsubject: b\nevent:\n  title: t\n  colour: red\n---\n", 0,
	 "doc.md:6: unknown key 'event.colour'"},
	{"unknown key is quoted safely", "---\n\"a\\nb\": c\n---\n", 0,
	 "doc.md:2: unknown key 'a?b'"},
	{"missing subject", "---\nlist: a\n---\n", 0, "doc.md:1: missing required key 'subject'"},
	{"missing list", "---\nsubject: b\n---\n", 0, "doc.md:1: missing required key 'list'"},
	{"empty front matter", "---\n---\nbody\n", 0, "doc.md:1: missing required key 'list'"},
	{"only comments", "---\n# nothing yet\n---\n", 0, "doc.md:1: missing required key 'list'"},
	{"duplicate key", "---\nlist: a\nsubject: b\nsubject: c\n---\n", 0,
	 "doc.md:4: subject: set twice (first on line 3)"},
	{"duplicate event key",
	 "---\nlist: a\nsubject: b\nevent:\n  title: t\n  title: u\n---\n", 0,
	 "doc.md:6: event.title: set twice (first on line 5)"},
	{"two events", "---\nlist: a\nsubject: b\nevent: {title: t}\nevent: {title: u}\n---\n", 0,
	 "doc.md:5: event: set twice (first on line 4)"},
	{"key that is a list", "---\n[a, b]: c\n---\n", 0, "doc.md:2: keys must be plain words"},

	/* Shapes. */
	{"top level is a list", "---\n- list\n- subject\n---\n", 0,
	 "doc.md:2: front matter must be 'key: value' lines"},
	{"top level is a scalar", "---\njust some words\n---\n", 0,
	 "doc.md:2: front matter must be 'key: value' lines"},
	{"list where a value belongs", "---\nlist: a\nsubject: [a, b]\n---\n", 0,
	 "doc.md:3: subject: must be a single value, not a list"},
	{"block list where a value belongs", "---\nlist:\n  - a\n  - b\nsubject: b\n---\n", 0,
	 "doc.md:2: list: must be a single value, not a list"},
	{"mapping where a value belongs", "---\nlist: a\nsubject: b\ntopic: {x: y}\n---\n", 0,
	 "doc.md:4: topic: must be a single value, not a mapping"},
	{"nested mapping in the event",
	 "---\nlist: a\nsubject: b\nevent:\n  title:\n    text: t\n---\n", 0,
	 "doc.md:5: event.title: must be a single value, not a mapping"},
	{"event that is not a mapping", "---\nlist: a\nsubject: b\nevent: tomorrow\n---\n", 0,
	 "doc.md:4: event: must be a mapping (title:, starts:, tz: ... on the indented lines "
	 "below it)"},
	{"alias", "---\nlist: &x a\nsubject: *x\n---\n", 0,
	 "doc.md:3: subject: aliases (*name) are not allowed"},
	{"no value", "---\nlist: a\nsubject:\n---\n", 0, "doc.md:3: subject: no value"},
	{"null value", "---\nlist: a\nsubject: ~\n---\n", 0, "doc.md:3: subject: no value"},
	{"empty value", "---\nlist: a\nsubject: \"\"\n---\n", 0, "doc.md:3: subject: empty"},
	{"blank value", "---\nlist: a\nsubject: \" \t \"\n---\n", 0, "doc.md:3: subject: empty"},
	{"key with a NUL", "---\n\"list\\0x\": a\n---\n", 0, "doc.md:2: keys must be plain words"},
	{"two documents", "---\nlist: a\nsubject: b\n--- c\n---\n", 0,
	 "doc.md:4: front matter must be one YAML document"},

	/* YAML syntax, with libyaml's own words. */
	{"missing colon", "---\nlist: a\nsubject b\nkind: notice\n---\n", 0,
	 "doc.md:4: bad YAML: could not find expected ':' "
	 "(while scanning a simple key on line 3)"},
	{"colon in an unquoted value", "---\nlist: a\nsubject: Forum: save the date\n---\n", 0,
	 "doc.md:3: bad YAML: mapping values are not allowed in this context (put quotes around a "
	 "value that holds ': ')"},
	{"tab indentation", "---\nlist: a\n\tsubject: b\n---\n", 0,
	 "doc.md:3: bad YAML: found a tab character that violates indentation (while scanning a "
	 "plain scalar on line 2)"},
	{"unclosed quote", "---\nlist: a\nsubject: \"abc\n---\nbody\n", 0,
	 "doc.md:4: bad YAML: found unexpected end of stream (while scanning a quoted scalar on "
	 "line 3)"},
	{"bad indentation", "---\nlist: a\n- b\n---\n", 0,
	 "doc.md:3: bad YAML: did not find expected key "
	 "(while parsing a block mapping on line 2)"},
	{"raw control character", "---\nlist: a\nsubject: b\x01\n---\n", 0,
	 "doc.md:3: bad YAML: control characters are not allowed"},
	{"U+0085 is not a line break for us", "---\nsubject: \"a\xc2\x85" "b\"\nlsit: a\n---\n", 0,
	 "doc.md:3: unknown key 'lsit'"},
	{"lone CR is not a line break for us", "---\nsubject: a\rlist: c\nlsit: a\n---\n", 0,
	 "doc.md:3: unknown key 'lsit'"},

	/* Values that could break a header. */
	{"subject on two lines", "---\nlist: a\nsubject: \"Hi\\nBcc: x@example.org\"\n---\n", 0,
	 "doc.md:3: subject: must be on one line"},
	{"literal block subject", "---\nlist: a\nsubject: |\n  two\n  lines\n---\n", 0,
	 "doc.md:3: subject: must be on one line"},
	{"CR in a subject", "---\nlist: a\nsubject: \"Hi\\rthere\"\n---\n", 0,
	 "doc.md:3: subject: must be on one line"},
	{"NUL escape in a subject", "---\nlist: a\nsubject: \"Hi\\0there\"\n---\n", 0,
	 "doc.md:3: subject: contains a NUL character"},
	{"escape in a subject", "---\nlist: a\nsubject: \"Hi\\e[31m\"\n---\n", 0,
	 "doc.md:3: subject: contains a control character"},
	{"title on two lines",
	 "---\nlist: a\nsubject: b\nevent:\n  title: \"a\\nb\"\n  starts: 2027-03-04 16:00\n"
	 "  tz: UTC\n---\n", 0, "doc.md:5: event.title: must be on one line"},
	{"location on two lines",
	 "---\nlist: a\nsubject: b\nevent:\n  title: t\n  location: \"a\\r\\nb\"\n---\n", 0,
	 "doc.md:6: event.location: must be on one line"},
	{"topic on two lines", "---\nlist: a\nsubject: b\ntopic: \"x\\ny\"\n---\n", 0,
	 "doc.md:4: topic: must be on one line"},

	/* Names. */
	{"list name with capitals", "---\nlist: Metro North\nsubject: b\n---\n", 0,
	 "doc.md:2: list: 'Metro North' is not a list name (use a-z, 0-9 and '-')"},
	{"list name with an underscore", "---\nlist: metro_north\nsubject: b\n---\n", 0,
	 "doc.md:2: list: 'metro_north' is not a list name (use a-z, 0-9 and '-')"},
	{"topic with a slash", "---\nlist: a\nsubject: b\ntopic: a/b\n---\n", 0,
	 "doc.md:4: topic: 'a/b' is not a topic name (use a-z, 0-9 and '-')"},
	{"template path", "---\nlist: a\nsubject: b\ntemplate: ../etc/passwd\n---\n", 0,
	 "doc.md:4: template: '../etc/passwd' is not a template name (use a-z, 0-9, '_' and '-')"},
	{"list name too long",
	 "---\nlist: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	 "subject: b\n---\n", 0,
	 "doc.md:2: list: a list name is at most 64 bytes"},
	{"kind", "---\nlist: a\nsubject: b\nkind: digest\n---\n", 0,
	 "doc.md:4: kind: 'digest' is not newsletter or notice"},

	/* Times. */
	{"send_at unknown zone",
	 "---\nlist: a\nsubject: b\nsend_at: 2027-03-04 16:00 Mars/Olympus\n---\n", 0,
	 "doc.md:4: send_at: unknown time zone 'Mars/Olympus'"},
	{"send_at without a zone", "---\nlist: a\nsubject: b\nsend_at: tomorrow\n---\n", 0,
	 "doc.md:4: send_at: 'tomorrow' is not a date, time and zone, as in "
	 "'2027-03-04 16:00 America/New_York'"},
	{"send_at with a bad date",
	 "---\nlist: a\nsubject: b\nsend_at: 2027-02-30 10:00 UTC\n---\n", 0,
	 "doc.md:4: send_at: '2027-02-30 10:00' is not a valid date and time "
	 "(YYYY-MM-DD HH:MM)"},
	{"send_at in the spring-forward gap",
	 "---\nlist: a\nsubject: b\nsend_at: 2027-03-14 02:30 America/New_York\n---\n", 0,
	 "doc.md:4: send_at: '2027-03-14 02:30' does not exist in America/New_York: "
	 "the clocks skip it"},
	{"event without tz", "---\nlist: a\nsubject: b\nevent:\n  title: t\n"
	 "  starts: 2027-03-04 16:00\n---\n", 0, "doc.md:4: missing required key 'event.tz'"},
	{"event without title", "---\nlist: a\nsubject: b\nevent:\n  starts: 2027-03-04 16:00\n"
	 "  tz: UTC\n---\n", 0, "doc.md:4: missing required key 'event.title'"},
	{"event without starts", "---\nlist: a\nsubject: b\nevent:\n  title: t\n  tz: UTC\n---\n",
	 0, "doc.md:4: missing required key 'event.starts'"},
	{"event with an unknown zone", "---\nlist: a\nsubject: b\nevent:\n  title: t\n"
	 "  starts: 2027-03-04 16:00\n  tz: Mars/Olympus\n---\n", 0,
	 "doc.md:7: event.tz: unknown time zone 'Mars/Olympus'"},
	{"event with a bad start", "---\nlist: a\nsubject: b\nevent:\n  title: t\n"
	 "  starts: 2027-13-04 16:00\n  tz: UTC\n---\n", 0,
	 "doc.md:6: event.starts: '2027-13-04 16:00' is not a valid date and time "
	 "(YYYY-MM-DD HH:MM)"},
	{"event with a 24:00 end", "---\nlist: a\nsubject: b\nevent:\n  title: t\n"
	 "  starts: 2027-03-04 16:00\n  ends: 2027-03-04 24:00\n  tz: UTC\n---\n", 0,
	 "doc.md:7: event.ends: '2027-03-04 24:00' is not a valid date and time "
	 "(YYYY-MM-DD HH:MM)"},
	{"event that ends before it starts", "---\nlist: a\nsubject: b\nevent:\n  title: t\n"
	 "  starts: 2027-03-04 16:00\n  ends: 2027-03-04 15:00\n  tz: America/New_York\n---\n", 0,
	 "doc.md:7: event.ends: ends before it starts"},
	{"event that ends when it starts", "---\nlist: a\nsubject: b\nevent:\n  title: t\n"
	 "  starts: 2027-03-04 16:00\n  ends: 2027-03-04 16:00\n  tz: UTC\n---\n", 0,
	 "doc.md:7: event.ends: ends when it starts"},
	{"event description with a control character", "---\nlist: a\nsubject: b\nevent:\n"
	 "  title: t\n  description: \"a\\x07b\"\n---\n", 0,
	 "doc.md:6: event.description: contains a control character"},
};

static void
value(struct buf *out, const char *name, const struct doc_value *v)
{
	if (v->value != NULL)
		buf_addf(out, "%s@%d=%s ", name, v->line, v->value);
	else if (v->line != 0)
		buf_addf(out, "%s@%d=(line without value) ", name, v->line);
}

/* render - every field of a parsed document, so one string comparison checks them all. */
static void
render(const struct doc *d, struct buf *out)
{
	const struct doc_event *e = &d->event;

	value(out, "list", &d->list);
	value(out, "subject", &d->subject);
	value(out, "kind", &d->kind_text);
	value(out, "topic", &d->topic);
	value(out, "template", &d->template_name);
	if (d->send_at.value != NULL) {
		buf_addf(out, "send_at@%d=%s=>%lld ", d->send_at.line, d->send_at.value,
		         (long long)d->send_at_utc);
	} else if (d->send_at_utc != 0)
		buf_addf(out, "send_at_utc=%lld without send_at ", (long long)d->send_at_utc);
	buf_addf(out, "kind=%s ", d->kind == DOC_NOTICE ? "notice" : "newsletter");
	if (d->has_event) {
		buf_addf(out, "event@%d{", e->line);
		value(out, "title", &e->title);
		value(out, "starts", &e->starts);
		value(out, "ends", &e->ends);
		value(out, "tz", &e->tz);
		value(out, "location", &e->location);
		value(out, "description", &e->description);
		value(out, "uid", &e->uid);
		buf_addf(out, "utc=%lld..%lld} ", (long long)e->starts_utc,
		         (long long)e->ends_utc);
	}
	buf_addf(out, "body@%d=[%.*s]", d->body_line, (int)d->body_len, d->body);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		char *text = malloc(len + 1);
		struct error err = ERROR_INIT;
		struct doc d;
		struct buf got;

		assert_non_null(text);
		memcpy(text, cases[i].in, len);
		text[len] = '\0';
		buf_init(&got, 1 << 16);
		if (doc_parse("doc.md", text, len, &d, &err) == 0) {
			render(&d, &got);
			/* The body must point into the text the doc owns. */
			if (d.body < d.text || d.body + d.body_len > d.text + len)
				fail_msg("case '%s': body is outside the document text",
				         cases[i].name);
			doc_free(&d);
		} else {
			buf_adds(&got, error_msg(&err));
			if (d.text != NULL || d.path != NULL || d.list.value != NULL)
				fail_msg("case '%s': a failed parse left the doc holding memory",
				         cases[i].name);
		}
		if (strcmp(buf_cstr(&got), cases[i].want) != 0)
			fail_msg("case '%s':\n got '%s'\nwant '%s'", cases[i].name, buf_cstr(&got),
			         cases[i].want);
		buf_free(&got);
		error_clear(&err);
	}
}

/* parse_string - doc_parse of a copy of s; the error message, or "" on success. */
static char *
parse_string(const char *s, struct doc *d)
{
	struct error err = ERROR_INIT;
	char *msg;

	if (doc_parse("doc.md", xstrdup(s), strlen(s), d, &err) == 0)
		return xstrdup("");
	msg = xstrdup(error_msg(&err));
	error_clear(&err);
	return msg;
}

/* The subject limit is in bytes: DOC_MAX_SUBJECT of them pass, one more does not. */
static void
test_subject_limit(void **state)
{
	static const struct {
		size_t n;
		const char *want;
	} limits[] = {
		{DOC_MAX_SUBJECT, ""},
		{DOC_MAX_SUBJECT + 1, "doc.md:3: subject: longer than 989 bytes"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct buf in;
		struct doc d;
		char *got;

		buf_init(&in, 1 << 16);
		buf_adds(&in, "---\nlist: a\nsubject: ");
		for (size_t j = 0; j < limits[i].n; j++)
			buf_addc(&in, 'x');
		buf_adds(&in, "\n---\n");
		got = parse_string(buf_cstr(&in), &d);
		if (strcmp(got, limits[i].want) != 0)
			fail_msg("subject of %zu bytes: got '%s', want '%s'", limits[i].n, got,
			         limits[i].want);
		if (*got == '\0') {
			if (strlen(d.subject.value) != limits[i].n)
				fail_msg("subject of %zu bytes: got %zu bytes back", limits[i].n,
				         strlen(d.subject.value));
			doc_free(&d);
		}
		free(got);
		buf_free(&in);
	}
}

static char *
write_temp(const char *data, size_t len)
{
	char *path = xstrdup("/tmp/test_frontmatter.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return path;
}

/* doc_load: real files, and the checks that belong to reading them. */
static void
test_load(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;      /* PATH stands for the file's name */
	} files[] = {
		{BYTES("\xef\xbb\xbf---\r\nlist: a\r\nsubject: b\r\n---\r\nbody\r\n"), ""},
		{BYTES("---\nlist: a\nsubject: b\n---\n\x00\x01\x02"),
		 "PATH:5: contains a NUL byte: not a text file"},
		{BYTES("---\nlist: a\nsubject: \xed\xa0\x80\n---\n"),
		 "PATH:3: not valid UTF-8 (save the file as UTF-8)"},
		{BYTES("---\nlist: a\nsubject b\n---\n"),
		 "PATH:4: bad YAML: could not find expected ':' (while scanning a simple key on "
		 "line 3)"},
	};
	struct error err = ERROR_INIT;
	struct doc d;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = write_temp(files[i].in, files[i].len), *want;
		const char *got;

		want = xstrdup(files[i].want);
		if (strncmp(want, "PATH", 4) == 0) {
			free(want);
			want = xasprintf("%s%s", path, files[i].want + 4);
		}
		if (doc_load(path, &d, &err) == 0) {
			got = "";
			if (strcmp(d.path, path) != 0 || d.body_line != 5 || d.body_len != 6)
				fail_msg("file %zu: got path %s, body line %d, body length %zu", i,
				         d.path, d.body_line, d.body_len);
			doc_free(&d);
		} else
			got = error_msg(&err);
		if (strcmp(got, want) != 0)
			fail_msg("file %zu: got '%s', want '%s'", i, got, want);
		error_clear(&err);
		unlink(path);
		free(path);
		free(want);
	}

	/* Missing, and one byte over the limit. */
	if (doc_load("/nonexistent/doc.md", &d, &err) == 0)
		fail_msg("missing file: got a document, want an error");
	if (strcmp(error_msg(&err), "/nonexistent/doc.md: No such file or directory") != 0)
		fail_msg("missing file: got '%s'", error_msg(&err));
	error_clear(&err);
	{
		size_t n = (size_t)DOC_MAX_BYTES + 1;
		char *big = malloc(n), *path, *want;

		assert_non_null(big);
		memset(big, 'x', n);
		memcpy(big, "---\nlist: a\nsubject: b\n---\n", 27);
		path = write_temp(big, n);
		want = xasprintf("%s: larger than %d bytes", path, DOC_MAX_BYTES);
		if (doc_load(path, &d, &err) == 0)
			fail_msg("big file: got a document, want '%s'", want);
		else if (strcmp(error_msg(&err), want) != 0)
			fail_msg("big file: got '%s', want '%s'", error_msg(&err), want);
		error_clear(&err);
		/* doc_parse enforces the same limit on text that did not come from a file. */
		if (doc_parse("doc.md", big, n, &d, &err) == 0)
			fail_msg("big text: got a document, want an error");
		error_clear(&err);
		unlink(path);
		free(path);
		free(want);
	}
}

static void
test_doc_free(void **state)
{
	struct doc d;

	(void)state;
	memset(&d, 0, sizeof(d));
	doc_free(&d);
	doc_free(&d);
	/* A NULL text is refused, not dereferenced. */
	{
		struct error err = ERROR_INIT;

		assert_int_equal(doc_parse("doc.md", NULL, 0, &d, &err), -1);
		error_clear(&err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_subject_limit),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_doc_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
