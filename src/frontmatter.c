/*
 * frontmatter - a coordinator's file: the "---" lines that fence the front
 * matter, the YAML between them (libyaml's event parser, so every value keeps
 * its line), the checks on every value, and the Markdown body after them.
 * See frontmatter.h.
 *
 * The keys are two tables of {name, slot, check}: a key not in its table is
 * an error, and so is a key given twice or a list or mapping where one value
 * belongs.  Dates and zones go to the ical module.
 *
 * Failure: -1 with one line "FILE:LINE: key: reason" (or "FILE:LINE: reason"
 * when no key is to blame); the doc is left empty and its text freed.
 */
#include "frontmatter.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "fsutil.h"
#include "ical.h"

enum {
	SLUG_MAX = 64,             /* list, topic and template names */
	SHOWN_MAX = 64             /* bytes of a bad value quoted back in a message */
};

/* A check returns NULL when v is acceptable, else the reason (in why when it quotes v). */
typedef const char *(*check_fn)(const char *v, char *why, size_t n);

struct key {
	const char *name;
	size_t slot;               /* offset of the struct doc_value in struct doc or doc_event */
	check_fn check;
};

/* The state of one parse: where the YAML text sits in the file, and where libyaml is. */
struct fm {
	yaml_parser_t yp;
	struct doc *d;
	struct error *err;
	const char *yaml;          /* the text between the fences */
	size_t yaml_len;
	int line0;                 /* file line of the YAML text's first line */
	/* A cursor for turning libyaml's character index into a file line. */
	size_t cur_index, cur_off;
	int cur_line;
};

/*
 * shown - s fit for an error message: control bytes become '?', and a long
 * value is cut (at a character boundary) and marked with "...".
 */
static const char *
shown(const char *s, char *out, size_t size)
{
	size_t n = 0;

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

/* has_control - a C0 control or DEL other than the ones allowed ("\t", or "\t\n"). */
static int
has_control(const char *v, const char *allowed)
{
	for (; *v; v++)
		if (((unsigned char)*v < 0x20 || *v == 0x7f) && strchr(allowed, *v) == NULL)
			return 1;
	return 0;
}

/* check_line - a value that may reach a mail header or an invite: one line. */
static const char *
check_line(const char *v, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (has_header_breaker(v))
		return "must be on one line";
	if (has_control(v, "\t"))
		return "contains a control character";
	return NULL;
}

static const char *
check_text(const char *v, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (has_control(v, "\t\n"))
		return "contains a control character";
	return NULL;
}

static const char *
check_subject(const char *v, char *why, size_t n)
{
	const char *r = check_line(v, why, n);

	if (r == NULL && strlen(v) > DOC_MAX_SUBJECT) {
		snprintf(why, n, "longer than %d bytes", DOC_MAX_SUBJECT);
		r = why;
	}
	return r;
}

/* slug - one line, then at most SLUG_MAX bytes of [a-z0-9-] (and '_' if extra says so). */
static const char *
slug(const char *v, const char *extra, const char *what, char *why, size_t n)
{
	char b[SHOWN_MAX];
	const char *r = check_line(v, why, n);

	if (r != NULL)
		return r;
	if (strlen(v) > SLUG_MAX) {
		snprintf(why, n, "a %s name is at most %d bytes", what, SLUG_MAX);
		return why;
	}
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      strchr(extra, *p) != NULL)) {
			snprintf(why, n, "'%s' is not a %s name (use a-z, 0-9%s and '-')",
			         shown(v, b, sizeof(b)), what, *extra ? ", '_'" : "");
			return why;
		}
	return NULL;
}

static const char *
check_list(const char *v, char *why, size_t n)
{
	return slug(v, "", "list", why, n);
}

static const char *
check_topic(const char *v, char *why, size_t n)
{
	return slug(v, "", "topic", why, n);
}

static const char *
check_template(const char *v, char *why, size_t n)
{
	return slug(v, "_", "template", why, n);
}

static const char *
check_kind(const char *v, char *why, size_t n)
{
	char b[SHOWN_MAX];

	if (strcmp(v, "newsletter") == 0 || strcmp(v, "notice") == 0)
		return NULL;
	snprintf(why, n, "'%s' is not newsletter or notice", shown(v, b, sizeof(b)));
	return why;
}

static const struct key top_keys[] = {
	{"list", offsetof(struct doc, list), check_list},
	{"subject", offsetof(struct doc, subject), check_subject},
	{"kind", offsetof(struct doc, kind_text), check_kind},
	{"topic", offsetof(struct doc, topic), check_topic},
	{"template", offsetof(struct doc, template_name), check_template},
	{"send_at", offsetof(struct doc, send_at), check_line},
	{"greeting", offsetof(struct doc, greeting), check_line},
	{"preheader", offsetof(struct doc, preheader), check_line},
	{NULL, 0, NULL}
};

static const struct key event_keys[] = {
	{"title", offsetof(struct doc_event, title), check_line},
	{"starts", offsetof(struct doc_event, starts), check_line},
	{"ends", offsetof(struct doc_event, ends), check_line},
	{"tz", offsetof(struct doc_event, tz), check_line},
	{"location", offsetof(struct doc_event, location), check_line},
	{"description", offsetof(struct doc_event, description), check_text},
	{"uid", offsetof(struct doc_event, uid), check_line},
	{"sequence", offsetof(struct doc_event, sequence), check_line},
	{"method", offsetof(struct doc_event, method), check_line},
	{NULL, 0, NULL}
};

/*
 * mark_line - the file line of libyaml's mark.  libyaml counts lines itself,
 * but it also breaks lines at a lone CR, U+0085, U+2028 and U+2029, which
 * editors do not; its index (in characters) is exact, so count from that.
 * Marks arrive in order, so a cursor makes the whole parse one pass.
 */
static int
mark_line(struct fm *p, const yaml_mark_t *m)
{
	if (m->index < p->cur_index) {
		p->cur_index = 0;
		p->cur_off = 0;
		p->cur_line = 0;
	}
	while (p->cur_index < m->index && p->cur_off < p->yaml_len) {
		if (p->yaml[p->cur_off++] == '\n')
			p->cur_line++;
		while (p->cur_off < p->yaml_len &&
		       ((unsigned char)p->yaml[p->cur_off] & 0xc0) == 0x80)
			p->cur_off++;
		p->cur_index++;
	}
	return p->line0 + p->cur_line;
}

/* offset_line - the file line of byte off of the YAML text (libyaml's reader errors). */
static int
offset_line(const struct fm *p, size_t off)
{
	int line = p->line0;

	for (size_t i = 0; i < off && i < p->yaml_len; i++)
		if (p->yaml[i] == '\n')
			line++;
	return line;
}

static int
next(struct fm *p, yaml_event_t *ev)
{
	const char *path = p->d->path, *problem, *hint = "";

	if (yaml_parser_parse(&p->yp, ev))
		return 0;
	problem = p->yp.problem != NULL ? p->yp.problem : "syntax error";
	switch (p->yp.error) {
	case YAML_MEMORY_ERROR:
		return error_set(p->err, "%s: out of memory reading the front matter", path);
	case YAML_READER_ERROR:
		return error_set(p->err, "%s:%d: bad YAML: %s", path,
		                 offset_line(p, p->yp.problem_offset), problem);
	default:
		break;
	}
	if (p->yp.context != NULL) {
		int pline = mark_line(p, &p->yp.problem_mark);
		int cline = mark_line(p, &p->yp.context_mark);

		return error_set(p->err, "%s:%d: bad YAML: %s (%s on line %d)", path, pline,
		                 problem, p->yp.context, cline);
	}
	/* The usual cause: "subject: Forum: save the date", a colon in an unquoted value. */
	if (strcmp(problem, "mapping values are not allowed in this context") == 0)
		hint = " (put quotes around a value that holds ': ')";
	return error_set(p->err, "%s:%d: bad YAML: %s%s", path, mark_line(p, &p->yp.problem_mark),
	                 problem, hint);
}

static const struct key *
find_key(const struct key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

/* is_null - YAML's plain spellings of "no value" ("subject:" and "subject: ~"). */
static int
is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	        strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

/* scalar_value - why ev cannot be a value for key, or NULL if it can. */
static const char *
scalar_value(const yaml_event_t *ev, check_fn check, char *why, size_t n)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		break;
	case YAML_SEQUENCE_START_EVENT:
		return "must be a single value, not a list";
	case YAML_MAPPING_START_EVENT:
		return "must be a single value, not a mapping";
	case YAML_ALIAS_EVENT:
		return "aliases (*name) are not allowed";
	default:
		return "must be a single value";
	}
	if (is_null(ev))
		return "no value";
	if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length)
		return "contains a NUL character";
	if (strspn((const char *)ev->data.scalar.value, " \t") == ev->data.scalar.length)
		return "empty";
	return check((const char *)ev->data.scalar.value, why, n);
}

static int mapping(struct fm *p, const struct key *keys, void *base, const char *prefix);

/* attach_value - "attach:" at line kline: one file name, or a list of them. */
static int
attach_value(struct fm *p, const yaml_event_t *vev, int kline)
{
	struct doc *d = p->d;
	yaml_event_t ev;
	char why[128];
	const char *bad;

	if (d->attach_line)
		return error_set(p->err, "%s:%d: attach: set twice (first on line %d)", d->path,
		                 kline, d->attach_line);
	d->attach_line = kline;
	if (vev->type == YAML_SCALAR_EVENT) {
		if ((bad = scalar_value(vev, check_line, why, sizeof(why))) != NULL)
			return error_set(p->err, "%s:%d: attach: %s", d->path, kline, bad);
		d->attach[0].value = xstrdup((const char *)vev->data.scalar.value);
		d->attach[0].line = kline;
		d->n_attach = 1;
		return 0;
	}
	if (vev->type != YAML_SEQUENCE_START_EVENT)
		return error_set(p->err, "%s:%d: attach: a file name, or a list of them ([a.pdf, "
		                 "b.pdf])", d->path, kline);
	for (;;) {
		int line;

		if (next(p, &ev) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		line = mark_line(p, &ev.start_mark);
		bad = d->n_attach == DOC_MAX_ATTACH ? "more files than 10" :
		      scalar_value(&ev, check_line, why, sizeof(why));
		if (bad == NULL) {
			d->attach[d->n_attach].value = xstrdup((const char *)ev.data.scalar.value);
			d->attach[d->n_attach++].line = line;
		}
		yaml_event_delete(&ev);
		if (bad)
			return error_set(p->err, "%s:%d: attach: %s", d->path, line, bad);
	}
}

/* event_value - "event:" at line kline, whose value starts with vev. */
static int
event_value(struct fm *p, const yaml_event_t *vev, int kline)
{
	struct doc *d = p->d;

	if (d->has_event)
		return error_set(p->err, "%s:%d: event: set twice (first on line %d)", d->path,
		                 kline, d->event.line);
	if (vev->type != YAML_MAPPING_START_EVENT)
		return error_set(p->err, "%s:%d: event: must be a mapping (title:, starts:, "
		                 "tz: ... on the indented lines below it)", d->path, kline);
	d->has_event = 1;
	d->event.line = kline;
	return mapping(p, event_keys, &d->event, "event.");
}

/*
 * mapping - read a block of "key: value" pairs up to its end into the slots of
 * base named by keys; at the top level, "event:" opens the nested one.
 */
static int
mapping(struct fm *p, const struct key *keys, void *base, const char *prefix)
{
	const char *path = p->d->path;
	yaml_event_t kev, vev;
	char b[SHOWN_MAX], why[128];

	for (;;) {
		const struct key *k;
		struct doc_value *slot;
		const char *name, *bad;
		int kline, rc, is_attach;

		if (next(p, &kev) < 0)
			return -1;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		kline = mark_line(p, &kev.start_mark);
		if (kev.type != YAML_SCALAR_EVENT ||
		    strlen((const char *)kev.data.scalar.value) != kev.data.scalar.length) {
			yaml_event_delete(&kev);
			return error_set(p->err, "%s:%d: keys must be plain words", path, kline);
		}
		name = (const char *)kev.data.scalar.value;
		is_attach = strcmp(name, "attach") == 0;
		k = find_key(keys, name);
		if (k == NULL && !(keys == top_keys && (strcmp(name, "event") == 0 || is_attach))) {
			error_set(p->err, "%s:%d: unknown key '%s%s'", path, kline, prefix,
			          shown(name, b, sizeof(b)));
			yaml_event_delete(&kev);
			return -1;
		}
		yaml_event_delete(&kev);
		if (next(p, &vev) < 0)
			return -1;
		if (k == NULL) {
			rc = is_attach ? attach_value(p, &vev, kline) : event_value(p, &vev, kline);
			yaml_event_delete(&vev);
			if (rc < 0)
				return -1;
			continue;
		}
		slot = (struct doc_value *)((char *)base + k->slot);
		rc = -1;
		if (slot->line != 0)
			error_set(p->err, "%s:%d: %s%s: set twice (first on line %d)", path,
			          kline, prefix, k->name, slot->line);
		else if ((bad = scalar_value(&vev, k->check, why, sizeof(why))) != NULL)
			error_set(p->err, "%s:%d: %s%s: %s", path, kline, prefix, k->name, bad);
		else {
			slot->value = xstrdup((const char *)vev.data.scalar.value);
			slot->line = kline;
			rc = 0;
		}
		yaml_event_delete(&vev);
		if (rc < 0)
			return -1;
	}
}

/* expect - the next event, which must be of type want (libyaml guarantees the ones used). */
static int
expect(struct fm *p, yaml_event_type_t want, yaml_event_t *ev)
{
	if (next(p, ev) < 0)
		return -1;
	if (ev->type != want) {
		error_set(p->err, "%s:%d: bad YAML: unexpected structure", p->d->path,
		          mark_line(p, &ev->start_mark));
		yaml_event_delete(ev);
		return -1;
	}
	return 0;
}

/* read_yaml - the front matter: nothing at all, or one document holding a mapping. */
static int
read_yaml(struct fm *p)
{
	const char *path = p->d->path;
	yaml_event_t ev;
	int rc;

	if (expect(p, YAML_STREAM_START_EVENT, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);
	if (next(p, &ev) < 0)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {        /* only blank lines and comments */
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);                        /* document start */
	if (next(p, &ev) < 0)
		return -1;
	if (ev.type != YAML_MAPPING_START_EVENT) {
		error_set(p->err, "%s:%d: front matter must be 'key: value' lines", path,
		          mark_line(p, &ev.start_mark));
		yaml_event_delete(&ev);
		return -1;
	}
	yaml_event_delete(&ev);
	if (mapping(p, top_keys, p->d, "") < 0)
		return -1;
	if (expect(p, YAML_DOCUMENT_END_EVENT, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);
	if (next(p, &ev) < 0)
		return -1;
	rc = 0;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = error_set(p->err, "%s:%d: front matter must be one YAML document", path,
		               mark_line(p, &ev.start_mark));
	yaml_event_delete(&ev);
	return rc;
}

/* to_utc - local time in zone tzid into *utc; errors are blamed on key, at v's line. */
static int
to_utc(const struct doc *d, const struct doc_value *v, const char *local, const char *tzid,
       const char *key, int64_t *utc, struct error *err)
{
	struct error why = ERROR_INIT;

	if (ical_local_to_utc(local, tzid, utc, &why) == 0)
		return 0;
	error_set(err, "%s:%d: %s: %s", d->path, v->line, key, error_msg(&why));
	error_clear(&why);
	return -1;
}

/* send_at - "YYYY-MM-DD HH:MM Area/City": the zone is everything after the last space. */
static int
send_at(struct doc *d, struct error *err)
{
	const char *v = d->send_at.value, *sp = strrchr(v, ' ');
	char b[SHOWN_MAX], *local;
	int rc;

	if (sp == NULL || sp == v || sp[1] == '\0')
		return error_set(err, "%s:%d: send_at: '%s' is not a date, time and zone, as in "
		                 "'2027-03-04 16:00 America/New_York'", d->path, d->send_at.line,
		                 shown(v, b, sizeof(b)));
	local = xstrndup(v, (size_t)(sp - v));
	rc = to_utc(d, &d->send_at, local, sp + 1, "send_at", &d->send_at_utc, err);
	free(local);
	return rc;
}

static int
event(struct doc *d, struct error *err)
{
	struct doc_event *e = &d->event;
	const char *missing = NULL;
	char b[SHOWN_MAX];

	if (e->title.value == NULL)
		missing = "title";
	else if (e->starts.value == NULL)
		missing = "starts";
	else if (e->tz.value == NULL)
		missing = "tz";
	if (missing != NULL)
		return error_set(err, "%s:%d: missing required key 'event.%s'", d->path, e->line,
		                 missing);
	if (e->sequence.value) {
		long long v;
		const char *why;

		if (parse_int(e->sequence.value, 0, 1000000, &v, &why) < 0)
			return error_set(err, "%s:%d: event.sequence: '%s' is %s", d->path,
			                 e->sequence.line, shown(e->sequence.value, b, sizeof(b)), why);
		e->seq = (int)v;
	}
	if (e->method.value) {
		if (strcmp(e->method.value, "cancel") != 0 && strcmp(e->method.value, "request") != 0)
			return error_set(err, "%s:%d: event.method: '%s': use request or cancel", d->path,
			                 e->method.line, shown(e->method.value, b, sizeof(b)));
		e->cancel = strcmp(e->method.value, "cancel") == 0;
	}
	/* Checked first so a bad zone is blamed on tz:, not on starts:. */
	if (!ical_zone_valid(e->tz.value))
		return error_set(err, "%s:%d: event.tz: unknown time zone '%s'", d->path,
		                 e->tz.line, shown(e->tz.value, b, sizeof(b)));
	if (to_utc(d, &e->starts, e->starts.value, e->tz.value, "event.starts", &e->starts_utc,
	           err) < 0)
		return -1;
	if (e->ends.value == NULL) {
		e->ends_utc = e->starts_utc + 3600;
		return 0;
	}
	if (to_utc(d, &e->ends, e->ends.value, e->tz.value, "event.ends", &e->ends_utc, err) < 0)
		return -1;
	if (e->ends_utc < e->starts_utc)
		return error_set(err, "%s:%d: event.ends: ends before it starts", d->path,
		                 e->ends.line);
	if (e->ends_utc == e->starts_utc)
		return error_set(err, "%s:%d: event.ends: ends when it starts", d->path,
		                 e->ends.line);
	return 0;
}

/* finish - what needs more than one key: the required ones, and the times. */
static int
finish(struct doc *d, struct error *err)
{
	if (d->list.value == NULL)
		return error_set(err, "%s:1: missing required key 'list'", d->path);
	if (d->subject.value == NULL)
		return error_set(err, "%s:1: missing required key 'subject'", d->path);
	d->kind = DOC_NEWSLETTER;
	if (d->kind_text.value != NULL && strcmp(d->kind_text.value, "notice") == 0)
		d->kind = DOC_NOTICE;
	if (d->send_at.value != NULL && send_at(d, err) < 0)
		return -1;
	if (d->has_event && event(d, err) < 0)
		return -1;
	return 0;
}

/* next_line - the length of the line at p without its LF or CRLF, and where the next begins. */
static const char *
next_line(const char *p, const char *end, size_t *n)
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

/*
 * check_bytes - the whole file is text: no NUL, valid UTF-8.  Here rather than
 * in doc_load because spooled files and stored campaigns come through
 * doc_parse too, and the body goes on to Markdown and mail.
 */
static int
check_bytes(const struct doc *d, size_t len, struct error *err)
{
	const char *p = d->text, *end = d->text + len, *q;
	size_t n;
	int line = 1;

	if (len > DOC_MAX_BYTES)
		return error_set(err, "%s: larger than %d bytes", d->path, DOC_MAX_BYTES);
	for (; p < end; p = q, line++) {
		q = next_line(p, end, &n);
		if (memchr(p, '\0', (size_t)(q - p)) != NULL)
			return error_set(err, "%s:%d: contains a NUL byte: not a text file",
			                 d->path, line);
		if (!utf8_valid(p, (size_t)(q - p)))
			return error_set(err, "%s:%d: not valid UTF-8 (save the file as UTF-8)",
			                 d->path, line);
	}
	return 0;
}

/* split - find the fences: the YAML text between them, the body after. */
static int
split(struct doc *d, size_t len, struct fm *p, struct error *err)
{
	const char *s = d->text, *end = d->text + len, *q;
	size_t n;
	int line = 1;

	/* Editors on Windows may start the file with a BOM; it is not part of the fence. */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	q = next_line(s, end, &n);
	if (n != 3 || memcmp(s, "---", 3) != 0)
		return error_set(err, "%s:1: no front matter: the file must start with a line "
		                 "'---'", d->path);
	p->yaml = q;
	p->line0 = 2;
	for (s = q; s < end; s = q) {
		q = next_line(s, end, &n);
		line++;
		if (n == 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0)) {
			p->yaml_len = (size_t)(s - p->yaml);
			d->body = q;
			d->body_len = (size_t)(end - q);
			d->body_line = line + 1;
			/* libyaml skips a BOM at its start uncounted: keep its index exact. */
			if (p->yaml_len >= 3 && memcmp(p->yaml, "\xef\xbb\xbf", 3) == 0) {
				p->yaml += 3;
				p->yaml_len -= 3;
			}
			return 0;
		}
	}
	return error_set(err, "%s:%d: front matter is never closed by a '---' line", d->path,
	                 line);
}

static int
parse(struct doc *d, size_t len, struct error *err)
{
	struct fm p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.d = d;
	p.err = err;
	if (check_bytes(d, len, err) < 0 || split(d, len, &p, err) < 0)
		return -1;
	if (!yaml_parser_initialize(&p.yp))
		return error_set(err, "%s: out of memory reading the front matter", d->path);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.yaml, p.yaml_len);
	rc = read_yaml(&p);
	yaml_parser_delete(&p.yp);
	if (rc < 0)
		return -1;
	return finish(d, err);
}

int
doc_parse(const char *path, char *text, size_t len, struct doc *d, struct error *err)
{
	memset(d, 0, sizeof(*d));
	d->path = xstrdup(path != NULL ? path : "-");
	d->text = text;
	if (text == NULL) {
		error_set(err, "%s: no text", d->path);
		doc_free(d);
		return -1;
	}
	if (parse(d, len, err) == 0)
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
	return doc_parse(path, text, len, d, err);
}

static void
free_values(const struct key *keys, void *base)
{
	for (; keys->name != NULL; keys++)
		free(((struct doc_value *)((char *)base + keys->slot))->value);
}

void
doc_free(struct doc *d)
{
	free_values(top_keys, d);
	free_values(event_keys, &d->event);
	for (int i = 0; i < d->n_attach; i++)
		free(d->attach[i].value);
	free(d->path);
	free(d->text);
	memset(d, 0, sizeof(*d));
}
