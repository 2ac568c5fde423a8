/*
 * frontmatter - a coordinator's Markdown file: YAML front matter between
 * "---" lines (parsed with libyaml), then the CommonMark body.
 *
 *   list, subject (required); kind: newsletter | notice; topic; template;
 *   send_at: "YYYY-MM-DD HH:MM Area/City"; greeting: text with {{name}}, or
 *   none; preheader; attach: [file, ...]; event: {title, starts, ends, tz,
 *   location, description, uid, sequence, method: request | cancel}
 *
 * Every value keeps the line it came from, so later checks (does the list
 * exist? the template?) can name FILE:LINE too.  Errors name FILE:LINE and
 * the key: an unknown key, a missing required key, a value of the wrong
 * shape, a bad date or time zone, an end before the start.  Time zones and
 * local times are resolved through the ical module.
 */
#ifndef OUTREACH_FRONTMATTER_H
#define OUTREACH_FRONTMATTER_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum doc_kind { DOC_NEWSLETTER, DOC_NOTICE };
enum { DOC_MAX_BYTES = 1 << 20, DOC_MAX_SUBJECT = 998 - 9, DOC_MAX_ATTACH = 10 };

struct doc_value {
	char *value;               /* NULL when absent */
	int line;                  /* 1-based line of its key in the file, 0 when absent */
};

struct doc_event {
	struct doc_value title, starts, ends, tz, location, description, uid, sequence, method;
	int64_t starts_utc, ends_utc;
	int seq;                   /* SEQUENCE: 0, more with each update */
	int cancel;                /* method: cancel */
	int line;                  /* line of the "event:" key */
};

struct doc {
	char *path;                /* for messages */
	char *text;                /* the whole file, owned */
	struct doc_value list, subject, kind_text, topic, template_name, send_at;
	struct doc_value greeting, preheader;
	struct doc_value attach[DOC_MAX_ATTACH]; /* files to attach, as written */
	int n_attach, attach_line;
	int kind;                  /* enum doc_kind; newsletter when absent */
	int64_t send_at_utc;       /* 0: as soon as possible */
	int has_event;
	struct doc_event event;
	const char *body;          /* the Markdown after the front matter, inside text */
	size_t body_len;
	int body_line;             /* line the body starts on */
};

/*
 * doc_parse - parse text[0..len) (taken over by the doc on success or failure;
 * it need not be NUL-terminated).  Text with a NUL byte or invalid UTF-8, or
 * over DOC_MAX_BYTES, is refused.  On failure *out is left empty (doc_free is
 * still safe) and err holds one line, "FILE:LINE: key: reason".
 */
int doc_parse(const char *path, char *text, size_t len, struct doc *out, struct error *err);
/* doc_load - read path (at most DOC_MAX_BYTES) and parse it. */
int doc_load(const char *path, struct doc *out, struct error *err);
void doc_free(struct doc *d);

#endif
