/*
 * frontmatter - YAML front matter (libyaml's event parser, which keeps the
 * line of every value) and the Markdown body after it.  See frontmatter.h.
 */
#include "frontmatter.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "fsutil.h"
#include "ical.h"

/* Where each top-level and event key goes. */
static struct doc_value *
top_slot(struct doc *d, const char *key)
{
	if (strcmp(key, "list") == 0)
		return &d->list;
	if (strcmp(key, "subject") == 0)
		return &d->subject;
	if (strcmp(key, "kind") == 0)
		return &d->kind_text;
	if (strcmp(key, "topic") == 0)
		return &d->topic;
	if (strcmp(key, "template") == 0)
		return &d->template_name;
	if (strcmp(key, "send_at") == 0)
		return &d->send_at;
	return NULL;
}

static struct doc_value *
event_slot(struct doc_event *e, const char *key)
{
	if (strcmp(key, "title") == 0)
		return &e->title;
	if (strcmp(key, "starts") == 0)
		return &e->starts;
	if (strcmp(key, "ends") == 0)
		return &e->ends;
	if (strcmp(key, "tz") == 0)
		return &e->tz;
	if (strcmp(key, "location") == 0)
		return &e->location;
	if (strcmp(key, "description") == 0)
		return &e->description;
	if (strcmp(key, "uid") == 0)
		return &e->uid;
	return NULL;
}

struct fm_parser {
	yaml_parser_t yp;
	const char *path;
	int line0;                 /* file line of the YAML text's first line */
	struct error *err;
};

static int
next(struct fm_parser *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->yp, ev))
		return error_set(p->err, "%s:%d: YAML: %s%s%s", p->path,
		                 (int)p->yp.problem_mark.line + p->line0,
		                 p->yp.problem ? p->yp.problem : "syntax error",
		                 p->yp.context ? " " : "", p->yp.context ? p->yp.context : "");
	return 0;
}

static int
line_of(const struct fm_parser *p, const yaml_event_t *ev)
{
	return (int)ev->start_mark.line + p->line0;
}

/* mapping - read "key: scalar" pairs (and, at the top, "event:" with a mapping). */
static int
mapping(struct fm_parser *p, struct doc *d, struct doc_event *in_event)
{
	for (;;) {
		yaml_event_t kev, vev;
		struct doc_value *slot;
		const char *prefix = in_event ? "event." : "";
		char *key;
		int kline;

		if (next(p, &kev) < 0)
			return -1;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		kline = line_of(p, &kev);
		if (kev.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&kev);
			return error_set(p->err, "%s:%d: %skeys must be plain words", p->path, kline,
			                 prefix);
		}
		key = xstrdup((const char *)kev.data.scalar.value);
		yaml_event_delete(&kev);
		slot = in_event ? event_slot(in_event, key) : top_slot(d, key);
		if (slot == NULL && !(in_event == NULL && strcmp(key, "event") == 0)) {
			error_set(p->err, "%s:%d: unknown key '%s%s'", p->path, kline, prefix, key);
			free(key);
			return -1;
		}
		if (next(p, &vev) < 0) {
			free(key);
			return -1;
		}
		if (slot == NULL) {        /* event: */
			if (d->has_event) {
				error_set(p->err, "%s:%d: event: set twice", p->path, kline);
				goto bad;
			}
			if (vev.type != YAML_MAPPING_START_EVENT) {
				error_set(p->err, "%s:%d: event: must be a mapping of title, starts, ends, "
				          "tz, location", p->path, kline);
				goto bad;
			}
			d->has_event = 1;
			d->event.line = kline;
			yaml_event_delete(&vev);
			free(key);
			if (mapping(p, d, &d->event) < 0)
				return -1;
			continue;
		}
		if (vev.type != YAML_SCALAR_EVENT) {
			error_set(p->err, "%s:%d: %s%s: must be a single value", p->path, kline, prefix,
			          key);
			goto bad;
		}
		if (slot->line) {
			error_set(p->err, "%s:%d: %s%s: set twice (first on line %d)", p->path, kline,
			          prefix, key, slot->line);
			goto bad;
		}
		slot->line = kline;
		slot->value = xstrdup((const char *)vev.data.scalar.value);
		yaml_event_delete(&vev);
		free(key);
		continue;
bad:
		yaml_event_delete(&vev);
		free(key);
		return -1;
	}
}

static int
slug_ok(const char *s, int allow_underscore)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      (allow_underscore && *s == '_')))
			return 0;
	return 1;
}

/* one_line - a value that reaches a header: present, non-empty, no line breaks. */
static int
one_line(const struct doc *d, const struct doc_value *v, const char *key, struct error *err)
{
	if (v->value == NULL)
		return 0;
	if (*v->value == '\0')
		return error_set(err, "%s:%d: %s: empty", d->path, v->line, key);
	if (has_header_breaker(v->value))
		return error_set(err, "%s:%d: %s: must be on one line", d->path, v->line, key);
	return 0;
}

static int
validate(struct doc *d, int fm_line, struct error *err)
{
	struct doc_event *e = &d->event;

	if (d->list.value == NULL)
		return error_set(err, "%s:%d: missing required key 'list'", d->path, fm_line);
	if (d->subject.value == NULL)
		return error_set(err, "%s:%d: missing required key 'subject'", d->path, fm_line);
	if (one_line(d, &d->list, "list", err) < 0 || one_line(d, &d->subject, "subject", err) < 0 ||
	    one_line(d, &d->topic, "topic", err) < 0 ||
	    one_line(d, &d->template_name, "template", err) < 0)
		return -1;
	if (!slug_ok(d->list.value, 0))
		return error_set(err, "%s:%d: list: '%s' is not a list name (lower-case letters, "
		                 "digits, '-')", d->path, d->list.line, d->list.value);
	if (d->topic.value && !slug_ok(d->topic.value, 0))
		return error_set(err, "%s:%d: topic: '%s' is not a topic name", d->path,
		                 d->topic.line, d->topic.value);
	if (d->template_name.value && !slug_ok(d->template_name.value, 1))
		return error_set(err, "%s:%d: template: '%s' is not a template name", d->path,
		                 d->template_name.line, d->template_name.value);
	if (strlen(d->subject.value) > DOC_MAX_SUBJECT)
		return error_set(err, "%s:%d: subject: longer than %d bytes", d->path,
		                 d->subject.line, DOC_MAX_SUBJECT);
	d->kind = DOC_NEWSLETTER;
	if (d->kind_text.value) {
		if (strcmp(d->kind_text.value, "notice") == 0)
			d->kind = DOC_NOTICE;
		else if (strcmp(d->kind_text.value, "newsletter") != 0)
			return error_set(err, "%s:%d: kind: '%s' is not newsletter or notice", d->path,
			                 d->kind_text.line, d->kind_text.value);
	}
	if (d->send_at.value) {
		const char *sp = strrchr(d->send_at.value, ' ');
		struct error e2 = ERROR_INIT;
		char *local;
		int rc;

		if (sp == NULL)
			return error_set(err, "%s:%d: send_at: '%s' needs a time zone, as in "
			                 "2026-12-01 09:00 America/New_York", d->path, d->send_at.line,
			                 d->send_at.value);
		local = xstrndup(d->send_at.value, (size_t)(sp - d->send_at.value));
		rc = ical_local_to_utc(local, sp + 1, &d->send_at_utc, &e2);
		free(local);
		if (rc < 0) {
			error_set(err, "%s:%d: send_at: %s", d->path, d->send_at.line, error_msg(&e2));
			error_clear(&e2);
			return -1;
		}
	}
	if (!d->has_event)
		return 0;
	if (e->title.value == NULL || e->starts.value == NULL || e->tz.value == NULL)
		return error_set(err, "%s:%d: event: needs title, starts and tz", d->path, e->line);
	if (one_line(d, &e->title, "event.title", err) < 0 ||
	    one_line(d, &e->location, "event.location", err) < 0 ||
	    one_line(d, &e->uid, "event.uid", err) < 0)
		return -1;
	{
		struct error e2 = ERROR_INIT;

		if (!ical_zone_valid(e->tz.value))
			return error_set(err, "%s:%d: event.tz: unknown time zone '%s'", d->path,
			                 e->tz.line, e->tz.value);
		if (ical_local_to_utc(e->starts.value, e->tz.value, &e->starts_utc, &e2) < 0) {
			error_set(err, "%s:%d: event.starts: %s", d->path, e->starts.line,
			          error_msg(&e2));
			error_clear(&e2);
			return -1;
		}
		if (e->ends.value == NULL)
			e->ends_utc = e->starts_utc + 3600;
		else if (ical_local_to_utc(e->ends.value, e->tz.value, &e->ends_utc, &e2) < 0) {
			error_set(err, "%s:%d: event.ends: %s", d->path, e->ends.line, error_msg(&e2));
			error_clear(&e2);
			return -1;
		}
		if (e->ends_utc <= e->starts_utc)
			return error_set(err, "%s:%d: event.ends: ends before it starts", d->path,
			                 e->ends.line);
	}
	return 0;
}

/* line_end - the start of the next line after p, and the length of p's line. */
static const char *
line_end(const char *p, const char *end, size_t *n)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL) {
		*n = (size_t)(end - p);
		return end;
	}
	*n = (size_t)(nl - p);
	if (*n > 0 && p[*n - 1] == '\r')
		(*n)--;
	return nl + 1;
}

static int
parse(const char *path, char *text, size_t len, struct doc *d, struct error *err)
{
	const char *p = text, *end = text + len, *fm, *fm_end = NULL, *after = NULL;
	struct fm_parser fp;
	yaml_event_t ev;
	size_t n;
	int line = 1, rc = -1;

	memset(d, 0, sizeof(*d));
	d->path = xstrdup(path);
	d->text = text;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	fm = line_end(p, end, &n);
	if (n != 3 || memcmp(p, "---", 3) != 0)
		return error_set(err, "%s:1: no front matter: the file must start with a line '---'",
		                 path);
	for (p = fm; p < end;) {
		const char *nextp = line_end(p, end, &n);

		line++;
		if ((n == 3 && (memcmp(p, "---", 3) == 0 || memcmp(p, "...", 3) == 0))) {
			fm_end = p;
			after = nextp;
			break;
		}
		p = nextp;
	}
	if (fm_end == NULL)
		return error_set(err, "%s:1: front matter is never closed by a '---' line", path);
	d->body = after;
	d->body_len = (size_t)(end - after);
	d->body_line = line + 1;

	memset(&fp, 0, sizeof(fp));
	fp.path = path;
	fp.line0 = 2;
	fp.err = err;
	if (!yaml_parser_initialize(&fp.yp))
		return error_set(err, "%s: YAML parser: out of memory", path);
	yaml_parser_set_input_string(&fp.yp, (const unsigned char *)fm, (size_t)(fm_end - fm));
	/* stream start, document start, mapping start */
	if (next(&fp, &ev) < 0)
		goto out;
	yaml_event_delete(&ev);
	if (next(&fp, &ev) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		error_set(err, "%s:1: front matter is empty: list and subject are required", path);
		goto out;
	}
	yaml_event_delete(&ev);
	if (next(&fp, &ev) < 0)
		goto out;
	if (ev.type != YAML_MAPPING_START_EVENT) {
		error_set(err, "%s:%d: front matter must be 'key: value' lines", path,
		          line_of(&fp, &ev));
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if (mapping(&fp, d, NULL) < 0)
		goto out;
	if (next(&fp, &ev) < 0)
		goto out;
	if (ev.type != YAML_DOCUMENT_END_EVENT) {
		error_set(err, "%s:%d: front matter holds more than one document", path,
		          line_of(&fp, &ev));
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	rc = validate(d, 1, err);
out:
	yaml_parser_delete(&fp.yp);
	return rc;
}

int
doc_parse(const char *path, char *text, size_t len, struct doc *d, struct error *err)
{
	if (parse(path, text, len, d, err) == 0)
		return 0;
	doc_free(d);
	return -1;
}

int
doc_load(const char *path, struct doc *d, struct error *err)
{
	char *text;
	size_t len;

	memset(d, 0, sizeof(*d));
	if (read_file(path, DOC_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	if (memchr(text, '\0', len)) {
		free(text);
		return error_set(err, "%s: contains a NUL byte: not a text file", path);
	}
	if (!utf8_valid(text, len)) {
		free(text);
		return error_set(err, "%s: not valid UTF-8", path);
	}
	return doc_parse(path, text, len, d, err);
}

static void
value_free(struct doc_value *v)
{
	free(v->value);
	v->value = NULL;
}

void
doc_free(struct doc *d)
{
	value_free(&d->list);
	value_free(&d->subject);
	value_free(&d->kind_text);
	value_free(&d->topic);
	value_free(&d->template_name);
	value_free(&d->send_at);
	value_free(&d->event.title);
	value_free(&d->event.starts);
	value_free(&d->event.ends);
	value_free(&d->event.tz);
	value_free(&d->event.location);
	value_free(&d->event.description);
	value_free(&d->event.uid);
	free(d->path);
	free(d->text);
	memset(d, 0, sizeof(*d));
}
