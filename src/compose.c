/*
 * compose - campaign-wide preparation and per-recipient assembly of
 * messages.  See compose.h.  Per-recipient work is deliberately small:
 * three HMACs, two template renders, two quoted-printable encodings and a
 * handful of headers, appended into caller-owned buffers that are reused.
 */
#define _DEFAULT_SOURCE
#include "compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "addr.h"
#include "dkim.h"
#include "fsutil.h"
#include "ical.h"
#include "markdown.h"
#include "mime.h"
#include "template.h"
#include "token.h"

enum var {
	V_SUBJECT, V_PREHEADER, V_LIST_NAME, V_LIST_DESCRIPTION, V_DATE, V_YEAR, V_COLOR,
	V_ACCENT, V_BODY, V_NAME, V_EMAIL, V_UNSUBSCRIBE_URL, V_PREFERENCES_URL, V_CONFIRM_URL,
	V_EVENT_TITLE, V_EVENT_WHEN, V_EVENT_LOCATION, V_CONFIRM_BY_REPLY, V_DATA_URL, V_GREETING,
	V_LIST_ADDRESS, V_LOGO_SRC, NVARS
};

static const char *const var_names[NVARS] = {
	"subject", "preheader", "list_name", "list_description", "date", "year", "color",
	"accent", "body", "name", "email", "unsubscribe_url", "preferences_url", "confirm_url",
	"event_title", "event_when", "event_location", "confirm_by_reply", "data_url", "greeting",
	"list_address", "logo_src",
};

enum { TEMPLATE_MAX_BYTES = 256 << 10, PART_MAX = 4 << 20, PLANS_MAX = 8 };

/* The values that differ from one recipient to the next: the holes in a plan. */
static const unsigned char personal[NVARS] = {
	[V_NAME] = 1, [V_EMAIL] = 1, [V_UNSUBSCRIBE_URL] = 1, [V_PREFERENCES_URL] = 1,
	[V_CONFIRM_URL] = 1, [V_DATA_URL] = 1, [V_GREETING] = 1,
};

/*
 * A plan: both bodies rendered once for the whole campaign and encoded
 * (quoted-printable), in pieces between the places a personal value goes.
 * A recipient's body is then the pieces copied as they are and its own few
 * values encoded between them: its cost no longer grows with the size of
 * what every recipient shares.  Sections may depend on whether a personal
 * value is empty (a name), so there is one plan per such pattern.
 */
struct piece {
	size_t off, len;           /* encoded bytes in the plan's buffer, when var < 0 */
	int var;                   /* the personal value that goes here, or -1 */
	int escape;                /* HTML-escape it first */
};

struct part_plan {
	struct buf enc;
	struct piece *pieces;
	size_t n;
};

struct plan {
	unsigned empty;            /* bit v: personal value v is empty */
	struct part_plan text, html;
};
/* The strings a recipient's values own: its links, and its greeting. */
enum { URL_UNSUBSCRIBE, URL_PREFERENCES, URL_CONFIRM, URL_DATA, URL_GREETING, NURLS };

struct compose_campaign {
	unsigned char key[SECRET_LEN];
	struct template *html_tpl, *text_tpl;
	char *body_html, *body_text, *preheader;
	char *date, *year, *event_when;
	/* Copies of what the values point at: the document and list may go away. */
	char *subject, *list_name, *list_description, *color, *accent, *event_title;
	char *event_location, *list_address, *logo_src;
	char *greeting;                /* "Dear {{name}}," or text; NULL: no greeting */
	const char *values[NVARS];     /* campaign-wide values; per-recipient ones are set later */
	struct buf common_headers;     /* From, Reply-To, Subject, MIME-Version, List-Id, ... */
	struct buf calendar_part;      /* the encoded text/calendar part, with its headers */
	struct buf related_part;       /* the images the HTML shows, encoded, with their headers */
	struct buf attach_part;        /* the attached files, encoded, with their headers */
	size_t files_bytes;            /* their sizes, together */
	int n_images;
	char boundary_mixed[MIME_BOUNDARY_LEN + 1];
	char boundary_alt[MIME_BOUNDARY_LEN + 1];
	char boundary_related[MIME_BOUNDARY_LEN + 1];
	char *base_url;                /* without a trailing '/' */
	char *domain, *bounce_local, *request_local;
	int64_t campaign_id, list_id;
	int kind;                      /* enum compose_kind */
	int confirm_by_reply;
	int test;                      /* a test copy: its links belong to nobody */
	struct buf scratch_html, scratch_text, token;
	char *last_message_id;
	struct dkim *dkim;             /* the list's signer, or NULL: unsigned */
	struct plan *plans[PLANS_MAX]; /* the encoded bodies, by which personal values are empty */
	struct buf piece;              /* a personal value, escaped, before it is encoded */
};

static void
part_plan_free(struct part_plan *pp)
{
	buf_free(&pp->enc);
	free(pp->pieces);
}

/*
 * Inline styles for the elements cmark produces: many mail clients drop
 * <style> blocks, so every element carries its own.
 */
static const struct {
	const char *tag;           /* as cmark writes it */
	const char *styled;
} inline_styles[] = {
	{"<p>", "<p style=\"margin:0 0 16px 0;\">"},
	{"<h1>", "<h1 style=\"font-family:Helvetica, Arial, sans-serif; font-size:24px; "
	         "line-height:1.3; margin:8px 0 12px 0; color:#102a43;\">"},
	{"<h2>", "<h2 style=\"font-family:Helvetica, Arial, sans-serif; font-size:20px; "
	         "line-height:1.3; margin:20px 0 10px 0; color:#102a43;\">"},
	{"<h3>", "<h3 style=\"font-family:Helvetica, Arial, sans-serif; font-size:17px; "
	         "margin:18px 0 8px 0; color:#102a43;\">"},
	{"<ul>", "<ul style=\"margin:0 0 16px 0; padding-left:24px;\">"},
	{"<ol>", "<ol style=\"margin:0 0 16px 0; padding-left:24px;\">"},
	{"<li>", "<li style=\"margin:0 0 6px 0;\">"},
	{"<blockquote>", "<blockquote style=\"margin:0 0 16px 0; padding:4px 16px; "
	                 "border-left:3px solid #d9e2ec; color:#486581;\">"},
	{"<pre>", "<pre style=\"background-color:#f0f4f8; padding:12px; font-size:13px; "
	          "white-space:pre-wrap;\">"},
	{"<hr />", "<hr style=\"border:0; border-top:1px solid #d9e2ec; margin:24px 0;\" />"},
	{"<img ", "<img style=\"max-width:100%; height:auto;\" "},
};

static int
add_inline_styles(const char *html, const char *link_color, struct buf *out)
{
	const char *p = html;

	while (*p) {
		const char *lt = strchr(p, '<');
		size_t i;

		if (lt == NULL) {
			buf_adds(out, p);
			break;
		}
		buf_add(out, p, (size_t)(lt - p));
		p = lt;
		for (i = 0; i < sizeof(inline_styles) / sizeof(inline_styles[0]); i++) {
			size_t n = strlen(inline_styles[i].tag);

			if (strncmp(p, inline_styles[i].tag, n) == 0) {
				buf_adds(out, inline_styles[i].styled);
				p += n;
				break;
			}
		}
		if (i < sizeof(inline_styles) / sizeof(inline_styles[0]))
			continue;
		if (strncmp(p, "<a href=", 8) == 0) {
			buf_addf(out, "<a style=\"color:%s;\" href=", link_color);
			p += 8;
			continue;
		}
		buf_addc(out, *p++);
	}
	return buf_failed(out) ? -1 : 0;
}

/*
 * lead_paragraph - where the text body's first paragraph of prose starts:
 * past headings, image placeholders and a salutation line ("Dear partners,"),
 * which say nothing beside the subject.  The text itself if there is none.
 */
static const char *
lead_paragraph(const char *text)
{
	const char *p = text;

	for (;;) {
		const char *end;
		size_t len;

		p += strspn(p, "\n");
		if (*p == '\0')
			return text;
		end = strstr(p, "\n\n");
		len = end ? (size_t)(end - p) : strlen(p);
		if (!(*p == '#' || strncmp(p, "[image", 6) == 0 ||
		      (memchr(p, '\n', len) == NULL && len < 80 && p[len - 1] == ',')))
			return p;
		p += len;
	}
}

/*
 * preheader_of - the first sentence of the text body's first paragraph of
 * prose (at most about 140 bytes), shown by clients beside the subject.
 */
static char *
preheader_of(const char *text)
{
	struct buf b;
	const char *p = lead_paragraph(text);
	int space = 0;

	buf_init(&b, 512);
	while (*p && b.len < 140) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n' || c == ' ' || c == '\t' || c == '#' || c == '*' || c == '>') {
			space = b.len > 0;
			p++;
			continue;
		}
		if (space)
			buf_addc(&b, ' ');
		space = 0;
		buf_addc(&b, *p++);
		/* A sentence ends at ". ", "! " or "? " (not at "e.g." inside a word). */
		if ((c == '.' || c == '!' || c == '?') && (*p == ' ' || *p == '\n' || *p == '\0') &&
		    b.len > 20)
			break;
	}
	/* Do not cut a UTF-8 character in half. */
	while (*p && ((unsigned char)*p & 0xc0) == 0x80 && b.len < 150)
		buf_addc(&b, *p++);
	return buf_steal(&b);
}

static int
load_template(const char *dir, const char *name, const char *ext, enum template_escape esc,
              struct template **out, struct error *err)
{
	char *path = xasprintf("%s/%s.%s", dir, name, ext), *src = NULL;
	size_t len;
	int rc = -1;

	if (read_file(path, TEMPLATE_MAX_BYTES, &src, &len, err) < 0)
		goto out;
	if (template_compile(src, len, esc, var_names, NVARS, out, err) < 0) {
		error_prefix(err, "%s", path);
		goto out;
	}
	rc = 0;
out:
	free(src);
	free(path);
	return rc;
}

int
compose_template_check(const char *dir, const char *name, struct error *err)
{
	struct template *h = NULL, *t = NULL;
	int rc = 0;

	if (load_template(dir, name, "html", TEMPLATE_HTML, &h, err) < 0 ||
	    load_template(dir, name, "txt", TEMPLATE_TEXT, &t, err) < 0)
		rc = -1;
	template_free(h);
	template_free(t);
	return rc;
}

static char *
format_date(int64_t t, const char *tzid)
{
	struct buf b;
	time_t tt = (time_t)t;
	struct tm tm;
	char day[64];

	buf_init(&b, 256);
	if (tzid && ical_format_local(t, tzid, &b) == 0) {
		/* "Thursday, March 4, 2027, 4:00 PM EST" -> keep the date part. */
		const char *s = buf_cstr(&b), *third = s;

		for (int i = 0; i < 3 && third; i++)
			third = strchr(third + 1, ',');
		if (third) {
			char *d = xstrndup(s, (size_t)(third - s));

			buf_free(&b);
			return d;
		}
		return buf_steal(&b);
	}
	gmtime_r(&tt, &tm);
	strftime(day, sizeof(day), "%A, %B %e, %Y", &tm);
	buf_adds(&b, day);
	return buf_steal(&b);
}

/* attach_calendar - the text/calendar part (base64) of method, named file. */
static int
attach_calendar(struct compose_campaign *c, const char *method, const char *file,
                const char *ics, size_t len, struct error *err)
{
	buf_addf(&c->calendar_part,
	         "--%s\r\n"
	         "Content-Type: text/calendar; charset=utf-8; method=%s;\r\n"
	         " name=\"%s\"\r\n"
	         "Content-Transfer-Encoding: base64\r\n"
	         "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
	         c->boundary_mixed, method, file, file);
	if (mime_base64(&c->calendar_part, ics, len) < 0)
		return error_set(err, "calendar too large");
	return 0;
}

/* event_uid - the document's uid, else one derived from what identifies the event. */
static char *
event_uid(const struct compose_params *p)
{
	const struct doc_event *ev = &p->doc->event;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[33];
	struct buf in;

	if (ev->uid.value)
		return xstrdup(ev->uid.value);
	buf_init(&in, 1 << 16);
	buf_addf(&in, "%s\n%s\n%lld", p->list->slug, ev->title.value, (long long)ev->starts_utc);
	SHA256((const unsigned char *)in.data, in.len, md);
	buf_free(&in);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return xasprintf("%s@%s", hex, p->cfg->sender_domain);
}

static int
build_calendar(struct compose_campaign *c, const struct compose_params *p, const char *from_name,
               const char *from_addr, struct error *err)
{
	const struct doc_event *ev = &p->doc->event;
	struct ical_event ie;
	struct buf ics;
	char *uid = event_uid(p);
	int rc = -1;

	memset(&ie, 0, sizeof(ie));
	ie.uid = uid;
	ie.sequence = ev->seq;
	ie.method = ev->cancel ? ICAL_CANCEL : ICAL_REQUEST;
	ie.title = ev->title.value;
	ie.location = ev->location.value;
	ie.description = ev->description.value;
	ie.tzid = ev->tz.value;
	ie.starts = ev->starts_utc;
	ie.ends = ev->ends_utc;
	ie.organizer_name = from_name;
	ie.organizer_addr = from_addr;
	ie.stamp = p->date;
	buf_init(&ics, PART_MAX);
	if (ical_invite(&ie, &ics, err) < 0)
		goto out;
	if (attach_calendar(c, ev->cancel ? "CANCEL" : "REQUEST", "invite.ics", ics.data,
	                    ics.len, err) < 0)
		goto out;
	rc = 0;
out:
	buf_free(&ics);
	free(uid);
	return rc;
}

/* salutation - whether the body already greets ("Dear partners,", "Hello all"). */
static int
salutation(const char *body)
{
	static const char *const openers[] = {"dear ", "hello", "hi ", "hi,", "good morning",
	                                      "good afternoon", "good evening", "greetings",
	                                      "to all", "friends,", "colleagues,"};

	body += strspn(body, " \t\r\n");
	for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++)
		if (strncasecmp(body, openers[i], strlen(openers[i])) == 0)
			return 1;
	return 0;
}

/* greeting_for - the greeting of a recipient named name (NULL: none), freshly allocated. */
static char *
greeting_for(const char *greeting, const char *name)
{
	const char *hole;
	struct buf b;

	if (greeting == NULL)
		return NULL;
	if ((hole = strstr(greeting, "{{name}}")) == NULL)
		return xstrdup(greeting);
	/* "Dear {{name}}," with no name to put in: no greeting rather than "Dear ,". */
	if (name == NULL || *name == '\0')
		return NULL;
	buf_init(&b, 1024);
	buf_add(&b, greeting, (size_t)(hole - greeting));
	buf_adds(&b, name);
	buf_adds(&b, hole + 8);
	return buf_steal(&b);
}

/* has_scheme - whether url starts with a scheme ("https:", "cid:"): not a local file. */
static int
has_scheme(const char *url)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

	return n > 0 && url[n] == ':' && !(n == 1 && (url[2] == '\\' || url[2] == '/'));
}

/* add_file - one file as a MIME part into part: inline (with cid) or attached, as file. */
static int
add_file(struct compose_campaign *c, struct buf *part, const char *boundary, const char *type,
         const char *data, size_t len, const char *cid, const char *file, size_t max,
         struct error *err)
{
	const char *base = strrchr(file, '/');
	struct buf name;
	int rc = 0;

	if (len > max)
		return error_setk(err, ERR_INPUT, "%s is %zu KB, over the %zu KB a %s may be", file,
		                  len >> 10, max >> 10, cid ? "shown image" : "attached file");
	if ((c->files_bytes += len) > COMPOSE_FILES_MAX)
		return error_setk(err, ERR_INPUT, "the message's files come to more than %d MB",
		                  COMPOSE_FILES_MAX >> 20);
	/* The name as a quoted MIME parameter: only printable ASCII, no quotes or backslashes. */
	buf_init(&name, 256);
	for (const char *s = base ? base + 1 : file; *s && name.len < 120; s++)
		buf_addc(&name, (*s > ' ' && *s < 0x7f && *s != '"' && *s != '\\') ? *s : '_');
	buf_addf(part, "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
	         "Content-Transfer-Encoding: base64\r\n", boundary, type, buf_cstr(&name));
	if (cid)
		buf_addf(part, "Content-ID: <%s>\r\nContent-Disposition: inline; "
		         "filename=\"%s\"\r\n\r\n", cid, buf_cstr(&name));
	else
		buf_addf(part, "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		         buf_cstr(&name));
	if (mime_base64(part, data, len) < 0 || buf_adds(part, "\r\n") != BUF_OK)
		rc = error_set(err, "%s: too large to carry", file);
	buf_free(&name);
	return rc;
}

/* What the Markdown renderer's callbacks need, and the first error they met. */
struct render_ctx {
	struct compose_campaign *c;
	const struct compose_params *p;
	struct error err;
};

static void
render_warn(size_t line, const char *what, void *arg)
{
	struct render_ctx *r = arg;

	if (r->p->warn)
		r->p->warn(r->p->doc->path, (size_t)r->p->doc->body_line + line - 1, what,
		           r->p->warn_arg);
}

/* render_image - a local image becomes an inline part and its cid: URL. */
static char *
render_image(const char *url, void *arg)
{
	struct render_ctx *r = arg;
	struct compose_campaign *c = r->c;
	char *type = NULL, *data = NULL, *cid;
	size_t len;

	if (has_scheme(url) || error_kind(&r->err) != ERR_NONE)
		return NULL;
	if (r->p->files == NULL) {
		error_setk(&r->err, ERR_INPUT, "image %s: a local file, which only `outreach send` "
		           "and `preview` can take along", url);
		return NULL;
	}
	if (r->p->files->load(r->p->files->arg, url, &type, &data, &len, &r->err) < 0)
		return NULL;
	if (strncmp(type, "image/", 6) != 0) {
		error_setk(&r->err, ERR_INPUT, "image %s is %s, not an image", url, type);
		free(type);
		free(data);
		return NULL;
	}
	cid = xasprintf("img%d.%s@%s", ++c->n_images, c->boundary_related, c->domain);
	if (add_file(c, &c->related_part, c->boundary_related, type, data, len, cid, url,
	             COMPOSE_IMAGE_MAX, &r->err) < 0) {
		free(cid);
		cid = NULL;
	} else {
		char *src = xasprintf("cid:%s", cid);

		free(cid);
		cid = src;
	}
	free(type);
	free(data);
	return cid;
}

/* add_attachments - the document's attach: files, and the list's logo (inline). */
static int
add_attachments(struct compose_campaign *c, const struct compose_params *p, struct error *err)
{
	const struct doc *d = p->doc;
	char *type = NULL, *data = NULL;
	size_t len;

	for (int i = 0; i < d->n_attach; i++) {
		int rc;

		if (p->files == NULL)
			return error_setk(err, ERR_INPUT, "%s:%d: attach: %s: a local file, which only "
			                  "`outreach send` and `preview` can take along", d->path,
			                  d->attach[i].line, d->attach[i].value);
		if (p->files->load(p->files->arg, d->attach[i].value, &type, &data, &len, err) < 0)
			return error_prefix(err, "%s:%d: attach", d->path, d->attach[i].line);
		rc = add_file(c, &c->attach_part, c->boundary_mixed, type, data, len, NULL,
		              d->attach[i].value, COMPOSE_ATTACH_MAX, err);
		free(type);
		free(data);
		type = data = NULL;
		if (rc < 0)
			return error_prefix(err, "%s:%d: attach", d->path, d->attach[i].line);
	}
	if (p->list->logo && p->files) {
		char *name = xasprintf("file:%s", p->list->logo), *cid;
		int rc = p->files->load(p->files->arg, name, &type, &data, &len, err);

		free(name);
		if (rc < 0)
			return error_prefix(err, "list %s: logo", p->list->slug);
		cid = xasprintf("logo.%s@%s", c->boundary_related, c->domain);
		rc = add_file(c, &c->related_part, c->boundary_related, type, data, len, cid,
		              "logo", COMPOSE_IMAGE_MAX, err);
		free(type);
		free(data);
		if (rc < 0) {
			free(cid);
			return error_prefix(err, "list %s: logo", p->list->slug);
		}
		c->logo_src = xasprintf("cid:%s", cid);
		free(cid);
	}
	return 0;
}

static int
build_common_headers(struct compose_campaign *c, const struct compose_params *p,
                     const char *from_name, const char *from_addr, struct error *err)
{
	struct buf *h = &c->common_headers;
	char *list_id = xasprintf("%s.%s", p->list->slug, c->domain);
	char *subject = xasprintf("%s%s", p->test ? "[TEST] " : "", p->doc->subject.value);
	int rc = 0;

	if (mime_header_mailbox(h, "From", from_name, from_addr) < 0 ||
	    (p->list->reply_to && !c->confirm_by_reply &&
	     mime_header_mailbox(h, "Reply-To", NULL, p->list->reply_to) < 0) ||
	    mime_header(h, "Subject", subject) < 0 ||
	    mime_header_raw(h, "MIME-Version", "1.0") < 0 ||
	    mime_header_mailbox(h, "List-Id", p->list->name, list_id) < 0 ||
	    mime_header_raw(h, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click") < 0 ||
	    mime_header_raw(h, "Precedence", "bulk") < 0)
		rc = error_set(err, "%s:%d: subject: cannot be encoded as a header", p->doc->path,
		               p->doc->subject.line);
	free(list_id);
	free(subject);
	return rc;
}

/*
 * make_signer - the list's own DKIM key (d= its domain), else [dkim]'s
 * (d= [dkim] domain, else the list's): one key, or an RSA and an Ed25519.
 */
static int
make_signer(struct compose_campaign *c, const struct compose_params *p, struct error *err)
{
	const struct config *cfg = p->cfg;
	const char *d = *cfg->dkim_domain ? cfg->dkim_domain : c->domain;
	int both = cfg->dkim_algorithm == DKIM_ALG_BOTH;

	if (p->list->dkim_key_file) {
		c->dkim = dkim_new();
		if (dkim_add_key(c->dkim, c->domain, p->list->dkim_selector, p->list->dkim_key_file,
		                 DKIM_KEY_ANY, err) < 0)
			return error_prefix(err, "list %s: --dkim-key-file", p->list->slug);
		return 0;
	}
	if (*cfg->dkim_key_file == '\0')
		return 0;
	c->dkim = dkim_new();
	if (dkim_add_key(c->dkim, d, cfg->dkim_selector, cfg->dkim_key_file,
	                 cfg->dkim_algorithm == DKIM_ALG_ED25519 ? DKIM_KEY_ED25519 : DKIM_KEY_RSA,
	                 err) < 0)
		return error_prefix(err, "[dkim] key_file");
	if (both && dkim_add_key(c->dkim, d, cfg->dkim_ed_selector, cfg->dkim_ed_key_file,
	                         DKIM_KEY_ED25519, err) < 0)
		return error_prefix(err, "[dkim] ed25519_key_file (algorithm both)");
	return 0;
}

struct dkim *
compose_dkim(const struct compose_campaign *c)
{
	return c->dkim;
}

int
compose_sign(const struct compose_campaign *c, struct buf *msg, struct error *err)
{
	return dkim_sign(c->dkim, msg, now_unix(), err);
}

int
compose_prepare(const struct compose_params *p, struct compose_campaign **out, struct error *err)
{
	struct compose_campaign *c = xcalloc(1, sizeof(*c));
	const struct doc *d = p->doc;
	const char *tpl = d->template_name.value;
	char *from_name = NULL, *from_addr = NULL, *html = NULL;
	const char *why;
	struct buf styled;
	size_t n;

	buf_init(&styled, PART_MAX);
	memcpy(c->key, p->key, SECRET_LEN);
	c->campaign_id = p->campaign_id;
	c->list_id = p->list->id;
	c->kind = p->kind;
	c->confirm_by_reply = p->kind == COMPOSE_CONFIRM && p->cfg->confirm_by_reply;
	buf_init(&c->common_headers, 64 << 10);
	buf_init(&c->calendar_part, PART_MAX);
	buf_init(&c->related_part, COMPOSE_MAX_MESSAGE);
	buf_init(&c->attach_part, COMPOSE_MAX_MESSAGE);
	buf_init(&c->scratch_html, PART_MAX);
	buf_init(&c->scratch_text, PART_MAX);
	buf_init(&c->token, TOKEN_MAX);
	buf_init(&c->piece, PART_MAX);
	mime_boundary(c->boundary_mixed);
	mime_boundary(c->boundary_alt);
	mime_boundary(c->boundary_related);
	c->test = p->test;
	c->base_url = xstrdup(p->cfg->web_base_url);
	n = strlen(c->base_url);
	while (n > 0 && c->base_url[n - 1] == '/')
		c->base_url[--n] = '\0';
	if (addr_parse_mailbox(p->list->from, &from_name, &from_addr, &why) < 0) {
		error_set(err, "list %s: From address '%s': %s", p->list->slug, p->list->from, why);
		goto fail;
	}
	/* One identity per list: its Message-IDs, List-Id and return path align with its From. */
	c->domain = xstrdup(p->list->domain && *p->list->domain ? p->list->domain
	                                                          : addr_domain(from_addr));
	if (make_signer(c, p, err) < 0)
		goto fail;
	c->bounce_local = xstrdup(p->cfg->bounce_local);
	c->request_local = xstrdup(p->cfg->request_local);

	if (tpl == NULL)
		tpl = d->kind == DOC_NOTICE ? "notice" : "newsletter";
	if (config_templates_error(p->cfg, err) < 0 ||
	    load_template(p->cfg->templates_dir, tpl, "html", TEMPLATE_HTML, &c->html_tpl, err) < 0 ||
	    load_template(p->cfg->templates_dir, tpl, "txt", TEMPLATE_TEXT, &c->text_tpl, err) < 0) {
		if (d->template_name.value)
			error_prefix(err, "%s:%d: template", d->path, d->template_name.line);
		goto fail;
	}
	{
		struct render_ctx rx = {c, p, ERROR_INIT};
		struct markdown_opts mo = {p->list->allow_html, render_warn, render_image, &rx};
		int rc = markdown_render(d->body, d->body_len, &mo, &html, &c->body_text, err);

		if (rc == 0 && error_kind(&rx.err) != ERR_NONE) {
			error_setk(err, error_kind(&rx.err), "%s", error_msg(&rx.err));
			rc = -1;
		}
		error_clear(&rx.err);
		if (rc < 0) {
			error_prefix(err, "%s:%d: body", d->path, d->body_line);
			goto fail;
		}
	}
	if (add_attachments(c, p, err) < 0)
		goto fail;
	/* The greeting the document asks for; by default none when the body greets already. */
	if (d->greeting.value)
		c->greeting = strcasecmp(d->greeting.value, "none") == 0 ? NULL
		                                                      : xstrdup(d->greeting.value);
	else if (p->kind == COMPOSE_LIST_MAIL && !salutation(d->body))
		c->greeting = xstrdup("Dear {{name}},");
	if (add_inline_styles(html, p->list->color ? p->list->color : p->cfg->brand_color,
	                      &styled) < 0) {
		error_set(err, "%s:%d: body: rendered HTML too large", d->path, d->body_line);
		goto fail;
	}
	c->body_html = buf_steal(&styled);
	c->preheader = d->preheader.value ? xstrdup(d->preheader.value)
	                                  : preheader_of(c->body_text);
	c->date = format_date(p->date, d->has_event ? d->event.tz.value : NULL);
	{
		time_t t = (time_t)p->date;
		struct tm tm;

		gmtime_r(&t, &tm);
		c->year = xasprintf("%d", tm.tm_year + 1900);
	}
	if (d->has_event) {
		struct buf when;
		char *org_name = NULL, *org_addr = NULL;
		int rc;

		buf_init(&when, 512);
		ical_format_range(d->event.starts_utc, d->event.ends_utc, d->event.tz.value, &when);
		c->event_when = buf_steal(&when);
		/* RFC 5546: a REQUEST or CANCEL names its ORGANIZER; the list's, else its From. */
		if (p->list->organizer &&
		    addr_parse_mailbox(p->list->organizer, &org_name, &org_addr, &why) < 0) {
			error_set(err, "list %s: organizer '%s': %s", p->list->slug, p->list->organizer,
			          why);
			goto fail;
		}
		rc = build_calendar(c, p, org_addr ? org_name : from_name,
		                    org_addr ? org_addr : from_addr, err);
		free(org_name);
		free(org_addr);
		if (rc < 0) {
			error_prefix(err, "%s:%d: event", d->path, d->event.line);
			goto fail;
		}
	} else if (p->calendar &&
	           attach_calendar(c, "PUBLISH", "events.ics", p->calendar, strlen(p->calendar),
	                           err) < 0)
		goto fail;
	if (build_common_headers(c, p, from_name, from_addr, err) < 0)
		goto fail;

	c->subject = xstrdup(d->subject.value);
	c->list_name = xstrdup(p->list->name);
	c->list_description = p->list->description ? xstrdup(p->list->description) : NULL;
	c->color = xstrdup(p->list->color ? p->list->color : p->cfg->brand_color);
	c->accent = xstrdup(p->list->accent ? p->list->accent : p->cfg->brand_accent);
	c->event_title = d->has_event ? xstrdup(d->event.title.value) : NULL;
	c->event_location = d->has_event && d->event.location.value ?
	                    xstrdup(d->event.location.value) : NULL;
	c->values[V_SUBJECT] = c->subject;
	c->values[V_PREHEADER] = c->preheader;
	c->values[V_LIST_NAME] = c->list_name;
	c->values[V_LIST_DESCRIPTION] = c->list_description;
	c->values[V_DATE] = c->date;
	c->values[V_YEAR] = c->year;
	c->values[V_COLOR] = c->color;
	c->values[V_ACCENT] = c->accent;
	c->values[V_EVENT_TITLE] = c->event_title;
	c->values[V_EVENT_WHEN] = c->event_when;
	c->values[V_EVENT_LOCATION] = c->event_location;
	c->values[V_CONFIRM_BY_REPLY] = c->confirm_by_reply ? "yes" : NULL;
	c->list_address = p->list->address ? xstrdup(p->list->address) : NULL;
	c->values[V_LIST_ADDRESS] = c->list_address;
	c->values[V_LOGO_SRC] = c->logo_src;
	free(from_name);
	free(from_addr);
	free(html);
	*out = c;
	return 0;
fail:
	buf_free(&styled);
	free(from_name);
	free(from_addr);
	free(html);
	compose_free(c);
	return -1;
}

void
compose_free(struct compose_campaign *c)
{
	if (c == NULL)
		return;
	template_free(c->html_tpl);
	template_free(c->text_tpl);
	free(c->body_html);
	free(c->body_text);
	free(c->preheader);
	free(c->date);
	free(c->year);
	free(c->event_when);
	free(c->subject);
	free(c->list_name);
	free(c->list_description);
	free(c->color);
	free(c->accent);
	free(c->event_title);
	free(c->event_location);
	free(c->list_address);
	free(c->logo_src);
	free(c->greeting);
	free(c->base_url);
	free(c->domain);
	free(c->bounce_local);
	free(c->request_local);
	free(c->last_message_id);
	dkim_unref(c->dkim);
	buf_free(&c->common_headers);
	buf_free(&c->calendar_part);
	buf_free(&c->related_part);
	buf_free(&c->attach_part);
	buf_free(&c->scratch_html);
	buf_free(&c->scratch_text);
	buf_free(&c->token);
	buf_free(&c->piece);
	for (int i = 0; i < PLANS_MAX; i++)
		if (c->plans[i]) {
			part_plan_free(&c->plans[i]->text);
			part_plan_free(&c->plans[i]->html);
			free(c->plans[i]);
		}
	explicit_bzero(c->key, sizeof(c->key));
	free(c);
}

/* make_token - the token text for (purpose, a, b, c) in c->token. */
static const char *
make_token(struct compose_campaign *c, int purpose, int64_t a, int64_t b, int64_t x)
{
	struct token t = {purpose, a, b, x};

	buf_reset(&c->token);
	token_make(c->key, &t, &c->token);
	return buf_cstr(&c->token);
}

/* personal_values - the campaign's values with r's own: its links (into urls[]) and name. */
static void
personal_values(struct compose_campaign *c, const struct compose_recipient *r,
                char *urls[NURLS], const char **values)
{
	urls[URL_UNSUBSCRIBE] = xasprintf("%s/u/%s", c->base_url,
	                    make_token(c, TOKEN_UNSUBSCRIBE, r->subscriber_id, c->campaign_id, 0));
	urls[URL_GREETING] = greeting_for(c->greeting, r->name);
	urls[URL_PREFERENCES] = xasprintf("%s/p/%s", c->base_url,
	                    make_token(c, TOKEN_PREFERENCES, r->subscriber_id, 0, 0));
	if (c->kind == COMPOSE_CONFIRM)
		urls[URL_CONFIRM] = xasprintf("%s/c/%s", c->base_url,
		                    make_token(c, TOKEN_CONFIRM, r->subscriber_id, c->list_id, 0));
	if (c->kind == COMPOSE_EXPORT || c->kind == COMPOSE_ERASE)
		urls[URL_DATA] = xasprintf("%s/%c/%s", c->base_url,
		                           c->kind == COMPOSE_EXPORT ? 'x' : 'e',
		                           make_token(c, c->kind == COMPOSE_EXPORT ? TOKEN_EXPORT
		                                                                    : TOKEN_ERASE,
		                                      r->subscriber_id, now_unix(), 0));
	memcpy(values, c->values, NVARS * sizeof(*values));
	values[V_NAME] = r->name;
	values[V_EMAIL] = r->email;
	values[V_UNSUBSCRIBE_URL] = urls[URL_UNSUBSCRIBE];
	values[V_PREFERENCES_URL] = urls[URL_PREFERENCES];
	values[V_CONFIRM_URL] = urls[URL_CONFIRM];
	values[V_DATA_URL] = urls[URL_DATA];
	values[V_GREETING] = urls[URL_GREETING];
}

/* render_parts - both bodies for r, whole, into the scratch buffers; URLs in urls[]. */
static int
render_parts(struct compose_campaign *c, const struct compose_recipient *r, char *urls[NURLS],
             struct error *err)
{
	const char *values[NVARS];

	personal_values(c, r, urls, values);
	buf_reset(&c->scratch_html);
	buf_reset(&c->scratch_text);
	values[V_BODY] = c->body_html;
	if (template_render(c->html_tpl, values, &c->scratch_html) != BUF_OK)
		return error_set(err, "HTML part larger than %d bytes", PART_MAX);
	values[V_BODY] = c->body_text;
	if (template_render(c->text_tpl, values, &c->scratch_text) != BUF_OK)
		return error_set(err, "text part larger than %d bytes", PART_MAX);
	return 0;
}

static void
add_piece(struct part_plan *pp, size_t off, size_t len, int var, int escape)
{
	if (pp->n % 16 == 0)
		pp->pieces = xrealloc(pp->pieces, (pp->n + 16) * sizeof(*pp->pieces));
	pp->pieces[pp->n].off = off;
	pp->pieces[pp->n].len = len;
	pp->pieces[pp->n].var = var;
	pp->pieces[pp->n].escape = escape;
	pp->n++;
}

/* build_part - t rendered with holes for the personal values, encoded piece by piece. */
static int
build_part(const struct template *t, const char **values, struct part_plan *pp)
{
	struct template_hole *holes = NULL;
	struct buf out;
	size_t nholes = 0, at = 0;
	int rc = -1;

	buf_init(&out, PART_MAX);
	buf_init(&pp->enc, COMPOSE_MAX_MESSAGE);
	if (template_render_holes(t, values, personal, &out, &holes, &nholes) != BUF_OK)
		goto out;
	for (size_t i = 0; i <= nholes; i++) {
		size_t end = i < nholes ? holes[i].at : out.len, start = pp->enc.len;

		if (end > at) {
			if (mime_qp_piece(&pp->enc, out.data + at, end - at, 1) < 0)
				goto out;
			add_piece(pp, start, pp->enc.len - start, -1, 0);
		}
		if (i < nholes)
			add_piece(pp, 0, 0, (int)holes[i].var, holes[i].escape);
		at = end;
	}
	rc = buf_failed(&pp->enc) ? -1 : 0;
out:
	free(holes);
	buf_free(&out);
	return rc;
}

/* plan_for - the plan for values' pattern of empty personal values, made on first use. */
static struct plan *
plan_for(struct compose_campaign *c, const char **values, struct error *err)
{
	unsigned empty = 0;
	int slot = -1;

	for (int v = 0; v < NVARS; v++)
		if (personal[v] && (values[v] == NULL || *values[v] == '\0'))
			empty |= 1u << v;
	for (int i = 0; i < PLANS_MAX; i++) {
		if (c->plans[i] && c->plans[i]->empty == empty)
			return c->plans[i];
		if (c->plans[i] == NULL && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		error_set(err, "too many kinds of recipient for one campaign");
		return NULL;
	}
	c->plans[slot] = xcalloc(1, sizeof(struct plan));
	c->plans[slot]->empty = empty;
	values[V_BODY] = c->body_text;
	if (build_part(c->text_tpl, values, &c->plans[slot]->text) == 0) {
		values[V_BODY] = c->body_html;
		if (build_part(c->html_tpl, values, &c->plans[slot]->html) == 0)
			return c->plans[slot];
	}
	part_plan_free(&c->plans[slot]->text);
	part_plan_free(&c->plans[slot]->html);
	free(c->plans[slot]);
	c->plans[slot] = NULL;
	error_set(err, "message parts larger than %d bytes", PART_MAX);
	return NULL;
}

/* write_part - a recipient's part: the plan's pieces and its values encoded between them. */
static int
write_part(struct compose_campaign *c, const struct part_plan *pp, const char **values,
           struct buf *msg)
{
	for (size_t i = 0; i < pp->n; i++) {
		const struct piece *p = &pp->pieces[i];
		const char *v;

		if (p->var < 0) {
			buf_add(msg, pp->enc.data + p->off, p->len);
			continue;
		}
		v = values[p->var];
		if (v == NULL || *v == '\0')
			continue;
		buf_reset(&c->piece);
		if (p->escape)
			template_html_escape(&c->piece, v, strlen(v));
		else
			buf_adds(&c->piece, v);
		if (buf_failed(&c->piece) || mime_qp_piece(msg, c->piece.data, c->piece.len, 1) < 0)
			return -1;
	}
	return 0;
}

const char *
compose_message_id(const struct compose_campaign *c)
{
	return c->last_message_id ? c->last_message_id : "";
}

int
compose_parts(struct compose_campaign *c, const struct compose_recipient *r, struct buf *html,
              struct buf *text, struct error *err)
{
	char *urls[NURLS] = {NULL};
	int rc = render_parts(c, r, urls, err);

	if (rc == 0 && (buf_add(html, c->scratch_html.data, c->scratch_html.len) != BUF_OK ||
	                buf_add(text, c->scratch_text.data, c->scratch_text.len) != BUF_OK))
		rc = error_set(err, "message larger than the buffer allows");
	for (int i = 0; i < NURLS; i++)
		free(urls[i]);
	return rc;
}

int
compose_message(struct compose_campaign *c, const struct compose_recipient *r, struct buf *msg,
                struct buf *envelope_from, struct error *err)
{
	char *urls[NURLS] = {NULL}, *unsub = NULL, *msgid = NULL, *reply = NULL;
	unsigned char rnd[6];
	const char *mixed = c->boundary_mixed, *alt = c->boundary_alt, *values[NVARS];
	int calendar = c->calendar_part.len > 0 || c->attach_part.len > 0, rc = -1;
	int related = c->related_part.len > 0;
	struct plan *plan;

	buf_reset(msg);
	buf_reset(envelope_from);
	if (has_header_breaker(r->email) || (r->name && has_header_breaker(r->name)))
		return error_set(err, "recipient %s: line break in address or name", r->email);
	personal_values(c, r, urls, values);
	if ((plan = plan_for(c, values, err)) == NULL)
		goto out;
	buf_addf(envelope_from, "%s+%s@%s", c->bounce_local,
	         make_token(c, TOKEN_BOUNCE, r->delivery_id, 0, 0), c->domain);
	unsub = xasprintf("<%s>, <mailto:%s@%s?subject=unsubscribe%%20%s>", urls[URL_UNSUBSCRIBE],
	                  c->request_local, c->domain,
	                  make_token(c, TOKEN_UNSUBSCRIBE, r->subscriber_id, c->campaign_id, 0));
	random_bytes(rnd, sizeof(rnd));
	msgid = xasprintf("<%lld.%lld.%02x%02x%02x%02x%02x%02x@%s>", (long long)c->campaign_id,
	                  (long long)r->delivery_id, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
	                  c->domain);
	if (mime_date(msg, now_unix()) < 0 ||
	    buf_add(msg, c->common_headers.data, c->common_headers.len) != BUF_OK ||
	    mime_header_mailbox(msg, "To", r->name, r->email) < 0 ||
	    mime_header_raw(msg, "Message-ID", msgid) < 0 ||
	    mime_header_raw(msg, "List-Unsubscribe", unsub) < 0) {
		error_set(err, "recipient %s: cannot encode headers", r->email);
		goto out;
	}
	/* The token in the address makes a plain reply a confirmation. */
	if (c->confirm_by_reply &&
	    mime_header_mailbox(msg, "Reply-To", NULL,
	                        (reply = xasprintf("%s+%s@%s", c->request_local,
	                                           make_token(c, TOKEN_CONFIRM, r->subscriber_id,
	                                                      c->list_id, 0),
	                                           c->domain))) < 0) {
		error_set(err, "recipient %s: cannot encode headers", r->email);
		goto out;
	}
	if (calendar)
		buf_addf(msg, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n"
		              "--%s\r\n", mixed, mixed);
	/* The images the HTML shows travel beside it (RFC 2387), referred to by cid:. */
	if (related)
		buf_addf(msg, "Content-Type: multipart/related; type=\"multipart/alternative\";"
		              "\r\n boundary=\"%s\"\r\n\r\n--%s\r\n", c->boundary_related,
		         c->boundary_related);
	buf_addf(msg, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
	              "--%s\r\n"
	              "Content-Type: text/plain; charset=utf-8\r\n"
	              "Content-Transfer-Encoding: quoted-printable\r\n\r\n", alt, alt);
	if (write_part(c, &plan->text, values, msg) < 0)
		goto too_big;
	buf_addf(msg, "\r\n--%s\r\n"
	              "Content-Type: text/html; charset=utf-8\r\n"
	              "Content-Transfer-Encoding: quoted-printable\r\n\r\n", alt);
	if (write_part(c, &plan->html, values, msg) < 0)
		goto too_big;
	buf_addf(msg, "\r\n--%s--\r\n", alt);
	if (related) {
		buf_adds(msg, "\r\n");
		buf_add(msg, c->related_part.data, c->related_part.len);
		buf_addf(msg, "--%s--\r\n", c->boundary_related);
	}
	if (calendar) {
		buf_adds(msg, "\r\n");
		buf_add(msg, c->attach_part.data, c->attach_part.len);
		if (c->calendar_part.len) {
			buf_add(msg, c->calendar_part.data, c->calendar_part.len);
			buf_adds(msg, "\r\n");
		}
		buf_addf(msg, "--%s--\r\n", mixed);
	}
	/* One check for every add above: a message cut short must never go out. */
	if (buf_failed(msg))
		goto too_big;
	free(c->last_message_id);
	c->last_message_id = msgid;
	msgid = NULL;
	rc = 0;
	goto out;
too_big:
	error_set(err, "recipient %s: message larger than %zu bytes", r->email, msg->max);
out:
	for (int i = 0; i < NURLS; i++)
		free(urls[i]);
	free(unsub);
	free(reply);
	free(msgid);
	return rc;
}
