/*
 * bounce_scan - the reading half of the bounce parser: one walk over the
 * MIME tree (libetpan's mailmime_parse) gathers, into a struct scan, the
 * bounce's own header, the per-recipient groups of message/delivery-status
 * parts, the fields of a message/feedback-report, the header of the
 * returned message and the human-readable text.  bounce.c takes the
 * verdict.  Every reader has a limit (bounce_scan.h).
 */
#include "bounce_scan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "addr.h"
#include "bounce_rules.h"
#include "buf.h"

/* bscan_add_cut - append what fits of s[0..n) under the buffer's ceiling. */
void
bscan_add_cut(struct buf *b, const char *s, size_t n)
{
	if (b->len >= b->max)
		return;
	if (n > b->max - b->len)
		n = b->max - b->len;
	buf_add(b, s, n);
}

/*
 * bscan_field_next - read the line (and its continuation lines) at *pp: a header
 * field gives FIELD_OK with its lower-case name and unfolded, trimmed value
 * (cut at FIELD_MAX); an empty line gives FIELD_BLANK and anything else
 * FIELD_OTHER.  *pp moves past what was read.
 */
/* wanted - whether name is on the NULL-terminated list. */
static int
wanted(const char *name, const char *const *want)
{
	for (; *want; want++)
		if ((*want)[0] == name[0] && strcmp(*want, name) == 0)
			return 1;
	return 0;
}

/*
 * field_read - bscan_field_next, but a field whose name is not on the list
 * want (when not NULL) is passed over with an empty value: the caller reads
 * no such field, and DKIM-Signature, ARC-* and Authentication-Results
 * values are long.
 */
static int
field_read(const char **pp, const char *end, char name[FIELD_NAME_MAX], struct buf *value,
           const char *const *want)
{
	const char *p = *pp, *eol, *colon, *q;
	size_t k;

	if (p >= end)
		return FIELD_END;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	*pp = eol < end ? eol + 1 : end;
	if (eol == p || (eol == p + 1 && *p == '\r'))
		return FIELD_BLANK;
	colon = memchr(p, ':', (size_t)(eol - p));
	if (colon == NULL || colon == p || colon - p >= FIELD_NAME_MAX || *p == ' ' || *p == '\t')
		return FIELD_OTHER;
	for (q = p, k = 0; q < colon; q++) {
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 127) {
			/* "Subject :" is a field; "Your message to" is not. */
			while (q < colon && (*q == ' ' || *q == '\t'))
				q++;
			if (q < colon)
				return FIELD_OTHER;
			break;
		}
		name[k++] = *q >= 'A' && *q <= 'Z' ? (char)(*q + ('a' - 'A')) : *q;
	}
	name[k] = '\0';
	buf_reset(value);
	if (want && !wanted(name, want)) {
		for (p = *pp; p < end && (*p == ' ' || *p == '\t'); p = *pp) {
			eol = memchr(p, '\n', (size_t)(end - p));
			*pp = eol ? eol + 1 : end;
		}
		buf_add(value, "", 0);
		return FIELD_OK;
	}
	p = colon + 1;
	for (;;) {
		const char *e = eol > p && eol[-1] == '\r' ? eol - 1 : eol;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (value->len > 0 && p < e)
			bscan_add_cut(value, " ", 1);
		bscan_add_cut(value, p, (size_t)(e - p));
		p = *pp;
		if (p >= end || (*p != ' ' && *p != '\t'))
			break;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		*pp = eol < end ? eol + 1 : end;
	}
	if (value->data == NULL)
		buf_add(value, "", 0);
	/* A stray CR or NUL inside a line must not reach a stored or logged value. */
	for (size_t i = 0; i < value->len; i++)
		if ((unsigned char)value->data[i] < ' ' || value->data[i] == 0x7f)
			value->data[i] = ' ';
	while (value->len > 0 && value->data[value->len - 1] == ' ')
		buf_truncate(value, value->len - 1);
	return FIELD_OK;
}

int
bscan_field_next(const char **pp, const char *end, char name[FIELD_NAME_MAX], struct buf *value)
{
	return field_read(pp, end, name, value, NULL);
}

/* bscan_list_add - append addr to a NUL-separated list, unless it is there already. */
void
bscan_list_add(struct buf *list, const char *addr)
{
	size_t n = strlen(addr);

	/* Full: no need to look (and a header of a million To: lines stays linear). */
	if (list->len + n + 2 > list->max)
		return;
	for (size_t i = 0; i < list->len; i += strlen(list->data + i) + 1)
		if (strcasecmp(list->data + i, addr) == 0)
			return;
	/* Each entry keeps its NUL inside len: that is what separates them. */
	buf_add(list, addr, n + 1);
}

/* bscan_list_has - whether addr (any case) is on the list. */
int
bscan_list_has(const struct buf *list, const char *addr)
{
	for (size_t i = 0; i < list->len; i += strlen(list->data + i) + 1)
		if (strcasecmp(list->data + i, addr) == 0)
			return 1;
	return 0;
}

/* verp_check - take DETAIL from "verp_local+DETAIL@domain", once. */
static void
verp_check(struct scan *s, const char *addr)
{
	size_t vl;
	const char *at;

	if (s->r->verp || s->verp_local == NULL || *s->verp_local == '\0')
		return;
	vl = strlen(s->verp_local);
	at = strrchr(addr, '@');
	if (at == NULL || strncasecmp(addr, s->verp_local, vl) != 0 || addr[vl] != '+' ||
	    at <= addr + vl + 1)
		return;
	s->r->verp = xstrndup(addr + vl + 1, (size_t)(at - addr - vl - 1));
	for (char *p = s->r->verp; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* each_addr - the addresses in a header value, one call of fn per address. */
static void
each_addr(struct scan *s, const char *v, struct buf *list, int verp)
{
	char a[BRULES_ADDR_MAX];
	size_t n = strlen(v), off = 0, k;

	while (off < n && (k = brules_addr_in(v + off, n - off, a)) > 0) {
		off += k;
		if (list)
			bscan_list_add(list, a);
		if (verp)
			verp_check(s, a);
	}
}

/*
 * strip_id - a Message-ID as "<id@host>", the form the header (and so the
 * deliveries table) writes, without the white space or comments around it.
 */
static char *
strip_id(const char *v)
{
	const char *lt = strchr(v, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')) != NULL && gt > lt + 1)
		return xstrndup(lt, (size_t)(gt - lt + 1));
	while (*v == ' ')
		v++;
	return *v ? xasprintf("<%.*s>", (int)strcspn(v, " \t<>"), v) : NULL;
}

static void
set_once(char **dst, char *v)
{
	if (*dst == NULL)
		*dst = v;
	else
		free(v);
}

/* has_encoded_word - whether v[0..n) holds "=?", as every RFC 2047 word starts. */
static int
has_encoded_word(const char *v, size_t n)
{
	for (const char *p = v; (p = memchr(p, '=', n - (size_t)(p - v))) != NULL; p++)
		if ((size_t)(p + 1 - v) < n && p[1] == '?')
			return 1;
	return 0;
}

/* decode_subject - RFC 2047 words to UTF-8; bytes that still are not UTF-8 become '?'. */
static char *
decode_subject(const char *v)
{
	size_t idx = 0, n = strnlen(v, SUBJECT_MAX);
	char *out = NULL;

	/* Cut on a character, not inside one. */
	while (n > 0 && v[n] != '\0' && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	/*
	 * Most subjects hold no encoded word and are UTF-8 already: copied as
	 * they are, without setting up a character set conversion for each.
	 */
	if (utf8_valid(v, n) && !has_encoded_word(v, n)) {
		out = xstrndup(v, n);
		for (char *p = out; *p; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = ' ';
		return out;
	}
	/* Raw 8-bit text is taken as UTF-8 when it is that, else as Latin-1. */
	if (mailmime_encoded_phrase_parse(utf8_valid(v, n) ? "utf-8" : "iso-8859-1", v, n, &idx,
	                                  "utf-8", &out) != MAILIMF_NO_ERROR || out == NULL)
		out = xstrndup(v, n);
	/* Encoded words may hide anything, line breaks included. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
	if (!utf8_valid(out, strlen(out)))
		for (char *p = out; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	return out;
}

/* The names top_field reads (the same list): no other field's value is built. */
static const char *const top_names[] = {
	"from", "subject", "message-id", "to", "cc", "delivered-to", "x-original-to",
	"envelope-to", "x-envelope-to", "x-rcpt-to", "x-apparently-to", "x-failed-recipients",
	"auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply",
	"precedence", "x-precedence", "x-apple-unsubscribe", "content-type", NULL,
};

/* The names returned_field reads (the same list): no other field's value is built. */
static const char *const returned_names[] = {
	"message-id", "to", "cc", "received", "x-hmxmroriginalrecipient", "from", "sender",
	"return-path", "reply-to", NULL,
};

/* top_field - one field of the bounce's own header. */
static void
top_field(struct scan *s, const char *name, const char *v)
{
	struct bounce_report *r = s->r;

	if (strcmp(name, "from") == 0) {
		char a[BRULES_ADDR_MAX], *norm = NULL;
		const char *why;

		s->from_daemon |= brules_from_daemon(v);
		s->from_robot |= brules_from_robot(v);
		each_addr(s, v, &s->ignore, 0);
		if (r->from == NULL && brules_addr_in(v, strlen(v), a) > 0 &&
		    addr_normalize(a, &norm, &why) == 0)
			r->from = norm;
	} else if (strcmp(name, "subject") == 0) {
		set_once(&r->subject, decode_subject(v));
	} else if (strcmp(name, "message-id") == 0) {
		set_once(&r->message_id, strip_id(v));
	} else if (strcmp(name, "to") == 0 || strcmp(name, "cc") == 0 ||
	           strcmp(name, "delivered-to") == 0 || strcmp(name, "x-original-to") == 0 ||
	           strcmp(name, "envelope-to") == 0 || strcmp(name, "x-envelope-to") == 0 ||
	           strcmp(name, "x-rcpt-to") == 0 || strcmp(name, "x-apparently-to") == 0) {
		each_addr(s, v, &s->ignore, 1);
		each_addr(s, v, &s->own_rcpts, 0);
	} else if (strcmp(name, "x-failed-recipients") == 0) {
		each_addr(s, v, &s->failed, 0);
	} else if (strcmp(name, "auto-submitted") == 0) {
		if (strncasecmp(v, "auto-replied", 12) == 0)
			s->auto_replied = 1;
	} else if (strcmp(name, "x-autoreply") == 0 || strcmp(name, "x-autorespond") == 0 ||
	           strcmp(name, "x-autoresponder") == 0 || strcmp(name, "x-auto-reply") == 0) {
		s->autoreply_hdr = 1;
	} else if (strcmp(name, "precedence") == 0 || strcmp(name, "x-precedence") == 0) {
		if (strncasecmp(v, "auto_reply", 10) == 0 || strncasecmp(v, "auto-reply", 10) == 0)
			s->autoreply_hdr = 1;
	} else if (strcmp(name, "x-apple-unsubscribe") == 0) {
		if (strncasecmp(v, "true", 4) == 0)
			s->apple_unsub = 1;
	} else if (strcmp(name, "content-type") == 0) {
		char low[FIELD_MAX];
		size_t i;

		for (i = 0; v[i] && i < sizeof(low) - 1; i++)
			low[i] = (char)tolower((unsigned char)v[i]);
		low[i] = '\0';
		if (strstr(low, "report-type=delivery-status") ||
		    strstr(low, "report-type=\"delivery-status"))
			s->report_dsn = 1;
		if (strstr(low, "report-type=feedback-report") ||
		    strstr(low, "report-type=\"feedback-report"))
			s->report_arf = 1;
	}
}

/*
 * received_for - the address in a Received field's "for <addr>" clause: the
 * envelope recipient an MTA on the way accepted the message for, which is
 * who the returned message was for even when its To names a list.
 */
static void
received_for(struct scan *s, const char *v)
{
	char a[BRULES_ADDR_MAX];
	const char *p;

	for (p = v; (p = strstr(p, "for ")) != NULL; p += 4) {
		if (p > v && p[-1] != ' ')
			continue;
		p += 4;
		while (*p == ' ' || *p == '<')
			p++;
		/* The address must come right after "for", before any other word. */
		if (brules_addr_in(p, strcspn(p, " ;>"), a) > 0)
			bscan_list_add(&s->ret_for, a);
		return;
	}
}

/* returned_field - one field of the returned message's header. */
static void
returned_field(struct scan *s, const char *name, const char *v)
{
	if (strcmp(name, "message-id") == 0)
		set_once(&s->r->original_message_id, strip_id(v));
	else if (strcmp(name, "to") == 0 || strcmp(name, "cc") == 0)
		each_addr(s, v, &s->ret_rcpts, 0);
	else if (strcmp(name, "received") == 0)
		received_for(s, v);
	else if (strcmp(name, "x-hmxmroriginalrecipient") == 0) {
		/* Microsoft's junk-mail reports: no ARF part, the recipient stamped here. */
		s->jmrp = 1;
		each_addr(s, v, &s->arf_rcpts, 0);
	}
	else if (strcmp(name, "from") == 0 || strcmp(name, "sender") == 0 ||
	         strcmp(name, "return-path") == 0 || strcmp(name, "reply-to") == 0)
		each_addr(s, v, &s->ignore, 1);
}

/* read_header - the header block at p[0..n), each field to fn. */
static void
read_header(struct scan *s, const char *p, size_t n,
            void (*fn)(struct scan *, const char *, const char *), const char *const *want)
{
	const char *end = p + n;
	char name[FIELD_NAME_MAX];
	int rc;

	while ((rc = field_read(&p, end, name, &s->field, want)) == FIELD_OK)
		fn(s, name, buf_cstr(&s->field));
}

void
bscan_top_header(struct scan *s, const char *p, size_t n)
{
	read_header(s, p, n, top_field, top_names);
}

void
bscan_returned_header(struct scan *s, const char *p, size_t n)
{
	if (s->has_returned)
		return;
	s->has_returned = 1;
	while (n > 0 && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	read_header(s, p, n, returned_field, returned_names);
}

/* recipient_of - the address in a DSN recipient field ("rfc822; <a@b>"), or NULL. */
static char *
recipient_of(const char *v)
{
	char a[BRULES_ADDR_MAX];
	const char *semi;

	if (v == NULL)
		return NULL;
	if ((semi = strchr(v, ';')) != NULL)
		v = semi + 1;
	if (brules_addr_in(v, strlen(v), a) > 0)
		return xstrdup(a);
	return NULL;
}

void
bscan_dsn_free(struct dsn_rec *d)
{
	free(d->final);
	free(d->orig);
	free(d->action);
	free(d->status);
	free(d->diag);
	memset(d, 0, sizeof(*d));
}

/* dsn_close - keep the group being read if it names a recipient. */
static void
dsn_close(struct scan *s, struct dsn_rec *cur)
{
	if ((cur->final || cur->orig) && s->n_dsn < BOUNCE_MAX_RCPTS) {
		if (s->n_dsn == s->cap_dsn) {
			s->cap_dsn = s->cap_dsn ? s->cap_dsn * 2 : 4;
			s->dsn = xrealloc(s->dsn, s->cap_dsn * sizeof(*s->dsn));
		}
		s->dsn[s->n_dsn++] = *cur;
		memset(cur, 0, sizeof(*cur));
	} else {
		bscan_dsn_free(cur);
	}
}

/*
 * bscan_dsn_parse - the groups of a message/delivery-status body (RFC 3464 2.2
 * and 2.3).  A recipient group ends at an empty line or where a second
 * recipient field starts one of its own (some MTAs leave out the line).
 */
void
bscan_dsn_parse(struct scan *s, const char *p, size_t n)
{
	const char *end = p + n;
	char name[FIELD_NAME_MAX];
	struct dsn_rec cur;
	int rc;

	memset(&cur, 0, sizeof(cur));
	while ((rc = bscan_field_next(&p, end, name, &s->field)) != FIELD_END) {
		const char *v = buf_cstr(&s->field);

		if (rc == FIELD_BLANK) {
			dsn_close(s, &cur);
			continue;
		}
		if (rc != FIELD_OK)
			continue;
		if (strcmp(name, "final-recipient") == 0) {
			if (cur.final)
				dsn_close(s, &cur);
			set_once(&cur.final, recipient_of(v));
		} else if (strcmp(name, "x-actual-recipient") == 0) {
			/* Sendmail's expansion of the recipient: the same group, not a new one. */
			if (cur.final == NULL)
				cur.final = recipient_of(v);
		} else if (strcmp(name, "original-recipient") == 0) {
			if (cur.orig)
				dsn_close(s, &cur);
			set_once(&cur.orig, recipient_of(v));
		} else if (strcmp(name, "action") == 0) {
			set_once(&cur.action, xstrdup(v));
		} else if (strcmp(name, "status") == 0) {
			char st[BRULES_STATUS_MAX];

			if (brules_status(v, st) == 0)
				set_once(&cur.status, xstrdup(st));
		} else if (strcmp(name, "diagnostic-code") == 0 ||
		           strcmp(name, "x-diagnostic-code") == 0) {
			const char *semi = strchr(v, ';');

			set_once(&cur.diag, xstrdup(semi && semi - v < 16 ? semi + 1 : v));
		} else if (strcmp(name, "x-original-message-id") == 0) {
			set_once(&s->r->original_message_id, strip_id(v));
		} else if (strcmp(name, "x-postfix-sender") == 0 ||
		           strcmp(name, "x-original-sender") == 0) {
			each_addr(s, v, &s->ignore, 1);
		}
	}
	dsn_close(s, &cur);
}

/* bscan_arf_parse - the fields of a message/feedback-report (RFC 5965 3.1). */
void
bscan_arf_parse(struct scan *s, const char *p, size_t n)
{
	const char *end = p + n;
	char name[FIELD_NAME_MAX];
	int rc;

	s->report_arf = 1;
	while ((rc = bscan_field_next(&p, end, name, &s->field)) != FIELD_END) {
		const char *v = buf_cstr(&s->field);

		if (rc != FIELD_OK)
			continue;
		if (strcmp(name, "feedback-type") == 0)
			set_once(&s->arf_type, xstrdup(v));
		else if (strcmp(name, "original-rcpt-to") == 0 ||
		         strcmp(name, "removal-recipient") == 0)
			/* May appear any number of times (RFC 5965 3.2): each one complained. */
			each_addr(s, v, &s->arf_rcpts, 0);
		else if (strcmp(name, "redacted-address") == 0 && *v)
			bscan_list_add(&s->redacted, v);
		else if (strcmp(name, "original-mail-from") == 0)
			each_addr(s, v, &s->ignore, 1);
	}
}

/* add_text - keep decoded text for the phrase rules; HTML loses its tags. */
static void
add_text(struct scan *s, const char *p, size_t n, int html)
{
	if (!html) {
		const char *e = p + n, *cr;

		/* Lines end in LF here, whatever the message used. */
		while (p < e && (cr = memchr(p, '\r', (size_t)(e - p))) != NULL) {
			bscan_add_cut(&s->text, p, (size_t)(cr - p));
			p = cr + 1;
		}
		bscan_add_cut(&s->text, p, (size_t)(e - p));
		bscan_add_cut(&s->text, "\n", 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t run = i;

		/* What is neither markup, an entity nor a CR goes over in one piece. */
		while (run < n && p[run] != '<' && p[run] != '&' && p[run] != '\r')
			run++;
		if (run > i) {
			bscan_add_cut(&s->text, p + i, run - i);
			if ((i = run) == n)
				break;
		}
		if (p[i] == '<') {
			const char *gt = memchr(p + i, '>', n - i);

			if (gt == NULL)
				break;
			/* Block tags end lines, so addresses stay at line starts. */
			if (n - i > 3 && (strncasecmp(p + i, "<br", 3) == 0 ||
			                  strncasecmp(p + i, "<p", 2) == 0 ||
			                  strncasecmp(p + i, "<div", 4) == 0 ||
			                  strncasecmp(p + i, "<li", 3) == 0 ||
			                  strncasecmp(p + i, "<tr", 3) == 0))
				bscan_add_cut(&s->text, "\n", 1);
			i = (size_t)(gt - p);
		} else if (p[i] == '&' && n - i >= 4 && strncmp(p + i, "&lt;", 4) == 0) {
			bscan_add_cut(&s->text, "<", 1);
			i += 3;
		} else if (p[i] == '&' && n - i >= 4 && strncmp(p + i, "&gt;", 4) == 0) {
			bscan_add_cut(&s->text, ">", 1);
			i += 3;
		} else if (p[i] == '&' && n - i >= 6 && strncmp(p + i, "&nbsp;", 6) == 0) {
			bscan_add_cut(&s->text, " ", 1);
			i += 5;
		} else if (p[i] != '\r') {
			bscan_add_cut(&s->text, p + i, 1);
		}
	}
	bscan_add_cut(&s->text, "\n", 1);
}

/* type_name - "type/subtype" of a part, lower case, in out. */
static void
type_name(struct mailmime_content *ct, char *out, size_t n)
{
	const char *t = "text", *sub = "plain";

	if (ct && ct->ct_type) {
		if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
			struct mailmime_discrete_type *d = ct->ct_type->tp_data.tp_discrete_type;

			t = d->dt_type == MAILMIME_DISCRETE_TYPE_TEXT          ? "text"
			    : d->dt_type == MAILMIME_DISCRETE_TYPE_APPLICATION ? "application"
			    : d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION && d->dt_extension
			        ? d->dt_extension
			        : "binary";
		} else {
			struct mailmime_composite_type *c = ct->ct_type->tp_data.tp_composite_type;

			t = c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE     ? "message"
			    : c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart"
			    : c->ct_token                                     ? c->ct_token
			                                                      : "x";
		}
		if (ct->ct_subtype)
			sub = ct->ct_subtype;
	}
	snprintf(out, n, "%s/%s", t, sub);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/*
 * needs_conv - whether text in this charset must go through iconv to be
 * UTF-8.  Text that already is UTF-8 is kept as it is, whatever its label
 * says: mislabelled parts are common, and iconv would garble them.
 */
static int
needs_conv(const char *charset, const char *p, size_t n)
{
	int eight = 0;

	if (strcasecmp(charset, "us-ascii") == 0 || strcasecmp(charset, "utf-8") == 0)
		return 0;
	for (size_t i = 0; i < n && !eight; i++)
		eight = (unsigned char)p[i] >= 0x80;
	if (!eight)
		return strncasecmp(charset, "iso-2022", 8) == 0 || strcasecmp(charset, "utf-7") == 0;
	return !utf8_valid(p, n);
}

/* single_part - a leaf of the MIME tree: decode it and hand it to its reader. */
static void
single_part(struct scan *s, struct mailmime *m)
{
	struct mailmime_data *d = m->mm_data.mm_single;
	char type[128], *dec = NULL, *conv = NULL, *charset;
	size_t idx = 0, dec_len = 0, conv_len = 0;
	const char *body;
	size_t body_len;
	int enc;

	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return;
	type_name(m->mm_content_type, type, sizeof(type));
	/* A multipart libetpan could not split (a broken boundary) is read as text. */
	if (strncmp(type, "text/", 5) != 0 && strncmp(type, "message/", 8) != 0 &&
	    strncmp(type, "multipart/", 10) != 0 && strcmp(type, "application/json") != 0)
		return;
	enc = d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_8BIT;
	if ((enc == MAILMIME_MECHANISM_BASE64 || enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) &&
	    bdec_part(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, enc, &s->dec) == 0) {
		body = s->dec.data;
		body_len = s->dec.len;
	} else if (enc == MAILMIME_MECHANISM_BASE64 || enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		if (mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
		                        &idx, enc, &dec, &dec_len) != MAILIMF_NO_ERROR)
			return;
		body = dec;
		body_len = dec_len;
	} else {
		/* libetpan's decoding of any other encoding is a copy: read the part in place. */
		body = d->dt_data.dt_text.dt_data;
		body_len = d->dt_data.dt_text.dt_length;
	}
	if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		bscan_dsn_parse(s, body, body_len);
	} else if (strcmp(type, "message/feedback-report") == 0) {
		bscan_arf_parse(s, body, body_len);
	} else if (strcmp(type, "text/rfc822-headers") == 0 ||
	           strcmp(type, "message/global-headers") == 0 ||
	           strncmp(type, "message/", 8) == 0) {
		bscan_returned_header(s, body, body_len);
	} else if (s->text.len < s->text.max) {
		/* Only the start of a long part can reach the text the rules read. */
		if (body_len > 4 * (size_t)TEXT_MAX)
			body_len = 4 * (size_t)TEXT_MAX;
		charset = m->mm_content_type ? mailmime_content_charset_get(m->mm_content_type) : NULL;
		if (charset && needs_conv(charset, body, body_len) &&
		    charconv_buffer("utf-8", charset, body, body_len, &conv, &conv_len) ==
		        MAIL_CHARCONV_NO_ERROR) {
			body = conv;
			body_len = conv_len;
		}
		add_text(s, body, body_len, strcmp(type, "text/html") == 0);
		if (conv)
			charconv_buffer_free(conv);
	}
	if (dec)
		mailmime_decoded_part_free(dec);
}

/*
 * part_header - where the header of an attached message starts.  libetpan's
 * part starts at the part's own MIME fields, when it has any; those are
 * only Content-* fields, and an empty line ends them.
 */
static const char *
part_header(const char *p, size_t n)
{
	const char *q = p, *end = p + n;
	char name[FIELD_NAME_MAX];
	struct buf v;
	int rc, mime_only = 1;

	buf_init(&v, FIELD_MAX);
	while ((rc = bscan_field_next(&q, end, name, &v)) == FIELD_OK)
		if (strncmp(name, "content-", 8) != 0 && strcmp(name, "mime-version") != 0)
			mime_only = 0;
	buf_free(&v);
	return rc == FIELD_BLANK && mime_only ? q : p;
}

/*
 * forwarded_report - whether an attached message is itself a feedback
 * report (a provider or a postmaster forwarding one), to be read as the
 * report rather than as the returned message.  Only feedback reports: an
 * attached delivery report is far more often the returned message of a
 * double bounce, whose own recipient is not the one that failed here.
 */
static int
forwarded_report(const struct scan *s, const struct mailmime *m)
{
	struct mailmime_content *ct;
	clistiter *it;

	if (s->report_arf || s->has_returned || m == NULL || m->mm_type != MAILMIME_MULTIPLE ||
	    (ct = m->mm_content_type) == NULL || ct->ct_subtype == NULL ||
	    strcasecmp(ct->ct_subtype, "report") != 0 || ct->ct_parameters == NULL)
		return 0;
	for (it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
		struct mailmime_parameter *pa = clist_content(it);

		if (pa && pa->pa_name && pa->pa_value && strcasecmp(pa->pa_name, "report-type") == 0 &&
		    strcasecmp(pa->pa_value, "feedback-report") == 0)
			return 1;
	}
	return 0;
}

/*
 * masked - whether a leaf is a message/rfc822 part that bounce.c masked
 * for libetpan (see mime_parse there): its subtype reads "rfc~22", a mask
 * lies in its own MIME header, and its encoding is one under which
 * libetpan would have parsed it as a message.
 */
static int
masked(const struct scan *s, const struct mailmime *m)
{
	const struct mailmime_content *ct = m->mm_content_type;
	const struct mailmime_data *d = m->mm_data.mm_single;

	if (s->n_masks == 0 || ct == NULL || ct->ct_type == NULL ||
	    ct->ct_type->tp_type != MAILMIME_TYPE_COMPOSITE_TYPE ||
	    ct->ct_type->tp_data.tp_composite_type->ct_type != MAILMIME_COMPOSITE_TYPE_MESSAGE ||
	    ct->ct_subtype == NULL || strcasecmp(ct->ct_subtype, "rfc~22") != 0 || d == NULL ||
	    d->dt_type != MAILMIME_DATA_TEXT || m->mm_mime_start == NULL ||
	    d->dt_encoding == MAILMIME_MECHANISM_BASE64 ||
	    d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		return 0;
	for (size_t i = 0; i < s->n_masks; i++) {
		const char *at = s->mask_base + s->masks[i];

		if (at >= m->mm_mime_start && at < d->dt_data.dt_text.dt_data)
			return 1;
	}
	return 0;
}

/*
 * has_report - whether the header at p[0..n), up to its empty line, may
 * give the subtype "report" (any case): a field that starts a line with
 * "Content-Type" (as every field starts a line) and has the word after a
 * '/' (or after a comment's ')'), white space and line breaks between them
 * allowed.
 */
static int
has_report(const char *p, size_t n)
{
	const char *end = p + n, *eol, *q, *fe;

	for (const char *l = p; l < end; l = eol + 1) {
		if ((eol = memchr(l, '\n', (size_t)(end - l))) == NULL)
			eol = end;
		if (eol == l || (eol == l + 1 && *l == '\r'))
			return 0;
		if ((*l != 'c' && *l != 'C') || (size_t)(end - l) < 12 ||
		    strncasecmp(l, "content-type", 12) != 0)
			continue;
		/* The field goes on over the lines that start with white space. */
		for (fe = eol; fe < end && fe + 1 < end && (fe[1] == ' ' || fe[1] == '\t');)
			if ((fe = memchr(fe + 1, '\n', (size_t)(end - fe - 1))) == NULL)
				fe = end;
		for (q = l; q < fe; q++) {
			if (*q != '/' && *q != ')')
				continue;
			for (q++; q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'); q++)
				;
			if ((size_t)(end - q) >= 6 && strncasecmp(q, "report", 6) == 0)
				return 1;
			q--;
		}
	}
	return 0;
}

/*
 * message_part - an attached message that is not the bounce itself: a
 * forwarded feedback report is walked; any other message is the returned
 * one, whose header matters and whose body does not.  inner is its parsed
 * content, or NULL when libetpan left it a leaf (masked), in which case it
 * is parsed here only if it may be such a report: the subtype "report" of
 * its Content-Type must then be in its header, which ends at its first
 * empty line.
 */
static void
message_part(struct scan *s, struct mailmime *m, struct mailmime *inner, int depth)
{
	struct mailmime *parsed = NULL;

	if (inner == NULL && m->mm_type == MAILMIME_SINGLE && !s->report_arf && !s->has_returned) {
		const struct mailmime_data *d = m->mm_data.mm_single;
		size_t idx = 0;

		if (has_report(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length) &&
		    mailmime_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, &idx,
		                   &parsed) == MAILIMF_NO_ERROR &&
		    parsed && parsed->mm_type == MAILMIME_MESSAGE)
			inner = parsed->mm_data.mm_message.mm_msg_mime;
	}
	if (forwarded_report(s, inner)) {
		bscan_walk(s, inner, depth + 1);
	} else if (m->mm_mime_start) {
		const char *h = part_header(m->mm_mime_start, m->mm_length);

		bscan_returned_header(s, h, m->mm_length - (size_t)(h - m->mm_mime_start));
	}
	if (parsed)
		mailmime_free(parsed);
}

void
bscan_walk(struct scan *s, struct mailmime *m, int depth)
{
	clistiter *it;

	if (m == NULL || depth > DEPTH_MAX || ++s->parts > PARTS_MAX)
		return;
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		if (masked(s, m))
			message_part(s, m, NULL, depth);
		else
			single_part(s, m);
		break;
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list); it; it = clist_next(it))
			bscan_walk(s, clist_content(it), depth + 1);
		break;
	case MAILMIME_MESSAGE:
		if (depth == 0)
			bscan_walk(s, m->mm_data.mm_message.mm_msg_mime, depth + 1);
		else
			message_part(s, m, m->mm_data.mm_message.mm_msg_mime, depth);
		break;
	}
}
