/*
 * bounce - what came back, and what it means.  See bounce.h for the contract.
 *
 * One walk over the MIME tree (bounce_scan.c, with libetpan's
 * mailmime_parse; the bounce parser is the only code that parses mail with
 * libetpan) collects the bounce's own header, the per-recipient groups of
 * message/delivery-status parts, the fields of a message/feedback-report,
 * the header of the returned message and the human-readable text.  Here
 * the verdict is taken, in this order: a feedback
 * report is a complaint; a delivery report speaks for its recipients; an
 * auto-reply is recognised only when nothing says the message is a bounce
 * (Exim marks its bounces "Auto-Submitted: auto-replied"); a free-text
 * bounce is read with the phrase rules of bounce_rules.c; anything else is
 * ordinary mail.
 *
 * Every reader has a limit: MIME parts and depth, header and DSN fields
 * (FIELD_MAX, longer values are cut), the text kept for the phrase rules
 * (TEXT_MAX) and the recipients (BOUNCE_MAX_RCPTS).  Input over the limits
 * is read as far as the limits go; only a non-message fails.
 */
#include "bounce.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "addr.h"
#include "bounce_rules.h"
#include "bounce_scan.h"
#include "buf.h"

/* add_rcpt - a new, zeroed recipient row; NULL once BOUNCE_MAX_RCPTS are there. */
static struct bounce_rcpt *
add_rcpt(struct bounce_report *r, const char *addr)
{
	struct bounce_rcpt *rc;

	if (r->n_rcpts >= BOUNCE_MAX_RCPTS)
		return NULL;
	r->rcpts = xrealloc(r->rcpts, (r->n_rcpts + 1) * sizeof(*r->rcpts));
	rc = &r->rcpts[r->n_rcpts++];
	memset(rc, 0, sizeof(*rc));
	rc->recipient = addr ? xstrdup(addr) : NULL;
	rc->class = BOUNCE_OTHER;
	return rc;
}

/* one_line - s with white space runs made one space, cut at FIELD_MAX on a character. */
static char *
one_line(const char *s)
{
	size_t n = 0;
	char *out;

	if (s == NULL)
		return NULL;
	/* Each byte read makes at most one: the result fits in what is read, up to FIELD_MAX. */
	out = xmalloc(strnlen(s, FIELD_MAX) + 1);
	for (; *s && n < FIELD_MAX; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f) {
			if (n > 0 && out[n - 1] != ' ')
				out[n++] = ' ';
		} else {
			out[n++] = *s;
		}
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	/* Never end inside a UTF-8 sequence. */
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
		n--;
	if (n == 0) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

/* judge - reason, status and class of one failed recipient; see brules_judge. */
static void
judge(struct bounce_rcpt *rc, const char *dsn_status, const char *diag, const char *ctx,
      struct brules_whole *w)
{
	char st[BRULES_STATUS_MAX];
	const char *reason;

	rc->class = brules_judge(dsn_status, diag, ctx, w, st, &reason);
	free(rc->status);
	free(rc->reason);
	rc->status = xstrdup(st);
	rc->reason = xstrdup(reason);
}

/* hit_for - the text hit for addr, or NULL. */
static const struct brules_hit *
hit_for(const struct brules_hit *hits, size_t n, const char *addr)
{
	for (size_t i = 0; addr && i < n; i++)
		if (strcasecmp(hits[i].addr, addr) == 0)
			return &hits[i];
	return NULL;
}

/* ctx_text - the text about one recipient, from its hit, in b. */
static void
ctx_text(struct buf *b, const struct brules_hit *h, const char *text)
{
	buf_init(b, TEXT_MAX);
	buf_add(b, "", 0);
	if (h)
		bscan_add_cut(b, text + h->ctx_off, h->ctx_len);
}

static void
from_dsn(struct scan *s, struct brules_whole *w, struct brules_hit *hits, size_t nh, int delay)
{
	struct bounce_report *r = s->r;

	r->is_dsn = 1;
	w->single = s->n_dsn == 1;
	for (size_t i = 0; i < s->n_dsn; i++) {
		struct dsn_rec *d = &s->dsn[i];
		const char *addr = d->final ? d->final : d->orig;
		const struct brules_hit *h = hit_for(hits, nh, d->final);
		struct bounce_rcpt *rc;
		struct buf ctx;

		if (h == NULL)
			h = hit_for(hits, nh, d->orig);
		/* One recipient twice (some MTAs repeat it): keep the group that explains. */
		rc = NULL;
		for (size_t j = 0; j < r->n_rcpts; j++)
			if (r->rcpts[j].recipient && addr && strcasecmp(r->rcpts[j].recipient, addr) == 0)
				rc = &r->rcpts[j];
		if (rc && (rc->diagnostic || d->diag == NULL))
			continue;
		if (rc) {
			free(rc->diagnostic);
			rc->diagnostic = NULL;
		} else if ((rc = add_rcpt(r, addr)) == NULL) {
			break;
		}
		rc->diagnostic = one_line(d->diag);
		ctx_text(&ctx, h, buf_cstr(&s->text));
		judge(rc, d->status, d->diag, buf_cstr(&ctx), w);
		buf_free(&ctx);
		if (d->action && (strncasecmp(d->action, "deliver", 7) == 0 ||
		                  strncasecmp(d->action, "relay", 5) == 0 ||
		                  strncasecmp(d->action, "expand", 6) == 0)) {
			free(rc->reason);
			rc->reason = xstrdup("delivered");
			rc->class = BOUNCE_OTHER;
		} else if ((d->action && strncasecmp(d->action, "delay", 5) == 0) ||
		           (d->action == NULL && delay && rc->status[0] == '4')) {
			/* Still being retried: nothing to act on yet. */
			rc->class = BOUNCE_OTHER;
			r->is_delay = 1;
		}
	}
}

static void
from_text(struct scan *s, struct brules_whole *w, struct brules_hit *hits, size_t nh)
{
	struct bounce_report *r = s->r;
	const char *text = buf_cstr(&s->text);
	struct buf cands;
	size_t i;

	buf_init(&cands, LIST_MAX);
	if (s->failed.len > 0)
		bscan_add_cut(&cands, s->failed.data, s->failed.len);
	/*
	 * Failed addresses are listed at the start of a line or in <>, or are
	 * whom the returned message was sent to (its To and Cc, and the "for
	 * <addr>" of its Received fields); other addresses in the text are help
	 * desks, forwarding targets and senders.  Lesser evidence counts when
	 * that finds none.
	 */
	for (i = 0; i < nh && s->failed.len == 0; i++)
		if (!bscan_list_has(&s->ignore, hits[i].addr) &&
		    ((hits[i].lead && !brules_role_addr(hits[i].addr)) ||
		     bscan_list_has(&s->ret_rcpts, hits[i].addr) || bscan_list_has(&s->ret_for, hits[i].addr)))
			bscan_list_add(&cands, hits[i].addr);
	for (i = 0; i < nh && cands.len == 0; i++)
		if (!bscan_list_has(&s->ignore, hits[i].addr) && !brules_role_addr(hits[i].addr))
			bscan_list_add(&cands, hits[i].addr);
	for (i = 0; i < nh && cands.len == 0; i++)
		if (!bscan_list_has(&s->ignore, hits[i].addr))
			bscan_list_add(&cands, hits[i].addr);
	if (cands.len == 0)
		bscan_add_cut(&cands, s->ret_rcpts.data, s->ret_rcpts.len);
	for (i = 0; cands.len == 0 && i < s->ret_for.len; i += strlen(s->ret_for.data + i) + 1)
		if (!bscan_list_has(&s->ignore, s->ret_for.data + i))
			bscan_list_add(&cands, s->ret_for.data + i);
	/* A bounce sent back to the very address that failed (a test, a loop). */
	for (i = 0; i < nh && cands.len == 0; i++)
		if (hits[i].lead)
			bscan_list_add(&cands, hits[i].addr);
	if (cands.len == 0)
		bscan_list_add(&cands, "");
	w->single = strlen(cands.data) + 1 == cands.len;
	for (i = 0; i < cands.len; i += strlen(cands.data + i) + 1) {
		const char *addr = cands.data + i;
		const struct brules_hit *h = hit_for(hits, nh, addr);
		struct bounce_rcpt *rc;
		struct buf ctx;

		if ((rc = add_rcpt(r, *addr ? addr : NULL)) == NULL)
			break;
		ctx_text(&ctx, h, text);
		rc->diagnostic = one_line(h ? buf_cstr(&ctx) : NULL);
		judge(rc, NULL, NULL, buf_cstr(&ctx), w);
		buf_free(&ctx);
	}
	buf_free(&cands);
}

/* json_str - the string value of "key" at or after p (before end), or NULL. */
static char *
json_str(const char *p, const char *end, const char *key)
{
	char pat[64];
	size_t kl;
	struct buf b;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	kl = strlen(pat);
	for (; p + kl <= end; p++) {
		if (memcmp(p, pat, kl) != 0)
			continue;
		p += kl;
		while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t'))
			p++;
		if (p >= end || *p != '"')
			return NULL;
		buf_init(&b, FIELD_MAX);
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			bscan_add_cut(&b, p, 1);
		}
		buf_add(&b, "", 0);
		return buf_steal(&b);
	}
	return NULL;
}

/* json_addr - the address in a JSON string's bytes, or NULL. */
static char *
json_addr(const char *p, size_t n)
{
	char a[BRULES_ADDR_MAX];

	return brules_addr_in(p, n, a) > 0 ? xstrdup(a) : NULL;
}

/* json_close - the end of the object or array opening at p, strings skipped. */
static const char *
json_close(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return end;
}

/*
 * ses_json - an Amazon SES notification (a JSON body with "notificationType"):
 * bounces, complaints and deliveries, each with its recipients.  Returns
 * whether the text was one.
 */
static int
ses_json(struct scan *s, struct brules_whole *w)
{
	const char *t = buf_cstr(&s->text), *end = t + s->text.len, *arr, *aend, *o, *oend;
	const char *key;
	char *type, *btype, *delivered_reply;
	struct bounce_report *r = s->r;

	while (t < end && isspace((unsigned char)*t))
		t++;
	if (t >= end || *t != '{' || (type = json_str(t, end, "notificationType")) == NULL)
		return 0;
	btype = json_str(t, end, "bounceType");
	key = strcmp(type, "Complaint") == 0  ? "\"complainedRecipients\""
	      : strcmp(type, "Delivery") == 0 ? "\"recipients\""
	                                      : "\"bouncedRecipients\"";
	arr = strstr(t, key);
	aend = arr ? json_close(arr + strlen(key), end) : end;
	/* A delivery's one SMTP response serves all its recipients: found once, not per name. */
	delivered_reply = strcmp(type, "Delivery") == 0 ? json_str(t, end, "smtpResponse") : NULL;
	for (o = arr; o && o < aend && r->n_rcpts < BOUNCE_MAX_RCPTS; o = oend) {
		char *addr, *st, *diag;
		struct bounce_rcpt *rc;

		if (strcmp(type, "Delivery") == 0) {
			/* A plain array of strings. */
			if (o == arr)
				o += strlen(key);
			if (o >= aend || (o = memchr(o, '"', (size_t)(aend - o))) == NULL ||
			    (oend = memchr(o + 1, '"', (size_t)(aend - o - 1))) == NULL)
				break;
			addr = json_addr(o + 1, (size_t)(oend - o - 1));
			oend++;
			if ((rc = add_rcpt(r, addr)) != NULL) {
				judge(rc, NULL, delivered_reply, NULL, w);
				free(rc->reason);
				rc->reason = xstrdup("delivered");
				rc->class = BOUNCE_OTHER;
				rc->diagnostic = one_line(delivered_reply);
			}
			free(addr);
			continue;
		}
		o = memchr(o, '{', (size_t)(aend - o));
		if (o == NULL)
			break;
		oend = json_close(o, aend);
		if ((addr = json_str(o, oend, "emailAddress")) == NULL)
			continue;
		st = json_addr(addr, strlen(addr));
		free(addr);
		addr = st;
		if ((rc = add_rcpt(r, addr)) != NULL && strcmp(type, "Complaint") == 0) {
			rc->class = BOUNCE_COMPLAINT;
			rc->reason = xstrdup("feedback");
			r->is_arf = 1;
		} else if (rc) {
			char code[BRULES_STATUS_MAX];

			st = json_str(o, oend, "status");
			diag = json_str(o, oend, "diagnosticCode");
			rc->diagnostic = one_line(diag);
			judge(rc, st && brules_status(st, code) == 0 ? code : NULL, diag, NULL, w);
			if (btype && strcmp(btype, "Transient") == 0 && rc->class == BOUNCE_HARD)
				rc->class = BOUNCE_SOFT;
			r->is_dsn = 1;
			free(st);
			free(diag);
		}
		free(addr);
	}
	free(delivered_reply);
	free(type);
	free(btype);
	return 1;
}

/*
 * redacted - whether addr is a stand-in for a hidden one: a feedback loop
 * that redacts (RFC 6590) writes "redacted@isp", "xxxxxx@isp" or what its
 * Redacted-Address field names, and such an address must never be taken
 * for a subscriber's.
 */
static int
redacted(const struct scan *s, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t n = at ? (size_t)(at - addr) : strlen(addr), i;
	char low[BRULES_ADDR_MAX];

	for (i = 0; i < n && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)addr[i]);
	low[i] = '\0';
	if (strstr(low, "redacted") || strcmp(low, "removed") == 0 || strcmp(low, "hidden") == 0 ||
	    strcmp(low, "anonymous") == 0 || strcmp(low, "anonymized") == 0 ||
	    strcmp(low, "anonymised") == 0 || strcmp(low, "masked") == 0)
		return 1;
	/* One mask character over and over: "xxxxxxxx", "*****". */
	for (i = 1; i < n && low[i] == low[0]; i++)
		;
	if (n >= 3 && i == n && strchr("x*#.-_", low[0]))
		return 1;
	for (i = 0; s->redacted.len > 0 && i < s->redacted.len;
	     i += strlen(s->redacted.data + i) + 1) {
		const char *v = s->redacted.data + i;
		size_t vl = strcspn(v, "@");

		if (vl > 0 && vl == n && strncasecmp(v, addr, vl) == 0)
			return 1;
	}
	return 0;
}

/*
 * complaint - one row per address that complained: the report's
 * Original-Rcpt-To lines (or Microsoft's header) name them; else the
 * returned message's To, when it names one address; else nobody.  A
 * redacted address is no address: the row then has none, and the caller
 * finds the subscriber by the VERP token or the returned Message-ID.
 */
static void
complaint(struct scan *s)
{
	struct bounce_report *r = s->r;
	struct buf who;
	struct bounce_rcpt *rc;
	size_t i;

	buf_init(&who, LIST_MAX);
	for (i = 0; i < s->arf_rcpts.len; i += strlen(s->arf_rcpts.data + i) + 1)
		if (!redacted(s, s->arf_rcpts.data + i))
			bscan_list_add(&who, s->arf_rcpts.data + i);
	if (who.len == 0 && s->ret_rcpts.len > 0 && strlen(s->ret_rcpts.data) + 1 == s->ret_rcpts.len &&
	    !redacted(s, s->ret_rcpts.data))
		bscan_list_add(&who, s->ret_rcpts.data);
	/* Apple Mail's unsubscribe request comes from the subscriber itself. */
	if (who.len == 0 && s->apple_unsub && r->from)
		bscan_list_add(&who, r->from);
	if (who.len == 0)
		buf_add(&who, "", 1);
	r->is_arf = 1;
	for (i = 0; i < who.len; i += strlen(who.data + i) + 1) {
		if ((rc = add_rcpt(r, who.data[i] ? who.data + i : NULL)) == NULL)
			break;
		rc->class = BOUNCE_COMPLAINT;
		rc->reason = xstrdup("feedback");
		rc->diagnostic = s->arf_type ? xstrdup(s->arf_type) : NULL;
	}
	buf_free(&who);
}

/*
 * delayed_text - a free-text delay warning: its recipients are still being
 * tried.  One whose own words carry a permanent reply ("550 5.1.1") failed
 * for good all the same, and keeps its class.
 */
static void
delayed_text(struct bounce_report *r)
{
	char st[BRULES_STATUS_MAX];

	for (size_t i = 0; i < r->n_rcpts; i++) {
		const char *d = r->rcpts[i].diagnostic;

		if (d && ((brules_status(d, st) == 0 && st[0] == '5') || brules_smtp_code(d) / 100 == 5))
			continue;
		r->rcpts[i].class = BOUNCE_OTHER;
		/* A status made up without a code is temporary here. */
		if (r->rcpts[i].status && r->rcpts[i].status[0] == '5')
			r->rcpts[i].status[0] = '4';
		r->is_dsn = r->is_delay = 1;
	}
}

/*
 * The free-text hits (18 KB), kept by each thread from one message to the
 * next as the copy for libetpan is (see scratch_take).
 */
static _Thread_local struct brules_hit *kept_hits;

static struct brules_hit *
hits_take(void)
{
	struct brules_hit *h = kept_hits;

	kept_hits = NULL;
	return h ? h : xmalloc(BRULES_HITS_MAX * sizeof(*h));
}

static void
verdict(struct scan *s)
{
	struct bounce_report *r = s->r;
	struct brules_hit *hits = hits_take(); /* filled up to nh */
	struct buf folded;
	struct brules_whole w;
	size_t nh, i;
	int bounce, autoreply, delay;

	buf_init(&folded, TEXT_MAX);
	brules_fold(buf_cstr(&s->text), s->text.len, &folded);
	brules_whole_init(&w, buf_cstr(&folded), buf_cstr(&s->text));
	nh = brules_find_rcpts(buf_cstr(&s->text), s->text.len, hits, BRULES_HITS_MAX);
	/*
	 * A mail system's address alone does not make a bounce: postmasters
	 * answer mail and go on holiday too.  It takes failure words as well.
	 */
	bounce = s->failed.len > 0 || s->report_dsn || brules_bounce_subject(r->subject);
	/*
	 * A mail system saying it is still trying sends no bounce yet, even
	 * when it marks the warning auto-replied as Exim does.
	 */
	delay = s->failed.len == 0 && brules_delay(r->subject, w.folded);
	if (delay && (s->from_daemon || s->report_dsn))
		bounce = 1;
	autoreply = s->auto_replied || s->autoreply_hdr || brules_autoreply_subject(r->subject) ||
	            (!s->from_daemon && brules_autoreply_text(w.folded));
	/*
	 * Complaints: a feedback report, Apple Mail's unsubscribe request, and
	 * the plain forwards Microsoft's and Amazon SES's complaint loops send
	 * ("complaint about message from 192.0.2.1" with the message attached).
	 */
	if (s->report_arf || s->apple_unsub || s->jmrp ||
	    (s->has_returned && r->subject &&
	     strncasecmp(r->subject, "complaint about message from ", 29) == 0)) {
		complaint(s);
	} else if (ses_json(s, &w)) {
		;
	} else if (s->n_dsn > 0) {
		from_dsn(s, &w, hits, nh, delay);
	} else if (!bounce && autoreply) {
		struct bounce_rcpt *rc = add_rcpt(r, r->from);

		r->is_autoreply = 1;
		if (rc) {
			rc->class = BOUNCE_AUTOREPLY;
			rc->reason = xstrdup("vacation");
		}
	} else if (bounce ||
	           (s->from_daemon && (brules_match(w.folded, 0) || brules_match(w.folded, 1))) ||
	           ((s->from_robot || (s->has_returned && nh > 0)) && brules_match(w.folded, 0))) {
		from_text(s, &w, hits, nh);
		if (delay)
			delayed_text(r);
	}
	r->class = r->is_arf ? BOUNCE_COMPLAINT : r->is_autoreply ? BOUNCE_AUTOREPLY : BOUNCE_OTHER;
	for (i = 0; i < r->n_rcpts; i++)
		if (r->rcpts[i].class == BOUNCE_HARD ||
		    (r->rcpts[i].class == BOUNCE_SOFT && r->class != BOUNCE_HARD))
			r->class = r->rcpts[i].class;
	if (r->class == BOUNCE_HARD || r->class == BOUNCE_SOFT)
		r->is_delay = 0;
	buf_free(&folded);
	kept_hits = hits;
}

/*
 * Field names whose presence at a line start says a flattened report is in
 * the text: the bit each sets in line_fields().
 */
enum {
	LF_FINAL = 1, LF_ORIG = 2, LF_FEEDBACK = 4, LF_AGENT = 8, LF_VERSION = 16,
	LF_ORIG_RCPT = 32, LF_ORIG_FROM = 64,
};

/* line_fields - which of the field names above start a line of s[0..n), in one pass. */
static int
line_fields(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int bit;
	} names[] = {
		{"final-recipient:", LF_FINAL}, {"original-recipient:", LF_ORIG},
		{"feedback-type:", LF_FEEDBACK}, {"user-agent:", LF_AGENT}, {"version:", LF_VERSION},
		{"original-rcpt-to:", LF_ORIG_RCPT}, {"original-mail-from:", LF_ORIG_FROM},
	};
	const char *p = s, *end = s + n, *nl;
	int found = 0;

	for (; p < end; p = nl + 1) {
		/* Most lines start with no name's first letter and are passed over at once. */
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t k;

			if ((*p | 0x20) == names[i].name[0] && (size_t)(end - p) >= (k = strlen(names[i].name)) &&
			    strncasecmp(p, names[i].name, k) == 0)
				found |= names[i].bit;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	}
	return found;
}

/* split_text - cut the inline copy of the original message off the notification text. */
static void
split_text(struct scan *s)
{
	size_t off, body;
	int fields;

	if (s->text.len == 0)
		return;
	/*
	 * A feedback report forwarded as plain text, or whose MIME structure a
	 * relay flattened, still has its fields at line starts; Feedback-Type
	 * with one more of the RFC 5965 fields is not ordinary prose.
	 */
	fields = line_fields(s->text.data, s->text.len);
	if (!s->report_arf && (fields & LF_FEEDBACK) &&
	    (fields & (LF_AGENT | LF_VERSION | LF_ORIG_RCPT | LF_ORIG_FROM)))
		bscan_arf_parse(s, s->text.data, s->text.len);
	/*
	 * A report whose MIME structure was lost still has its fields in the
	 * text, and so does one that a relay re-sent inline below its own
	 * notice, where they follow what looks like a returned copy.  (What we
	 * send is never a report, so a returned copy holding DSN fields is
	 * always such a re-sent bounce.)
	 */
	if (s->n_dsn == 0 && (fields & (LF_FINAL | LF_ORIG)))
		bscan_dsn_parse(s, s->text.data, s->text.len);
	off = brules_returned_start(s->text.data, s->text.len, &body);
	if (off < s->text.len) {
		bscan_returned_header(s, s->text.data + body, s->text.len - body);
		buf_truncate(&s->text, off);
	}
}

/*
 * quiet_line - whether the line at p (ending at eol) starts a field whose
 * parse by libetpan nobody reads and which it reads the same as a field
 * of a name it does not know: the MIME fields other than Content-Type and
 * Content-Transfer-Encoding (unstructured, or skipped when they do not
 * parse), and in the bounce's own header (top) an envelope field on a
 * line of its own.  A structured envelope field must end with a line
 * break, and on one line there is only one, so it ends where unstructured
 * text does or fails and is read as unstructured anyway.  (A folded one
 * may not: a malformed address can end the structured reading at the
 * fold, and with it the header.)
 */
static int
quiet_line(const char *p, const char *eol, const char *end, int top)
{
	static const char *const mime_names[] = {
		"content-description:", "content-disposition:", "content-id:", "content-language:",
		NULL,
	};
	static const char *const envelope_names[] = {
		"date:", "from:", "sender:", "reply-to:", "to:", "cc:", "bcc:", "message-id:",
		"in-reply-to:", "references:", "subject:", NULL,
	};
	size_t n = (size_t)(eol - p), k;
	unsigned char c = (unsigned char)(*p | 0x20);

	if (c == 'c' && n > 8 && strncasecmp(p, "content-", 8) == 0)
		for (size_t i = 0; mime_names[i]; i++)
			if (n >= (k = strlen(mime_names[i])) && strncasecmp(p, mime_names[i], k) == 0)
				return 1;
	/* Most lines are not in the bounce's own header, or start with no such letter. */
	if (!top || eol + 1 >= end || eol[1] == ' ' || eol[1] == '\t' ||
	    (c != 'b' && c != 'c' && c != 'd' && c != 'f' && c != 'i' && c != 'm' && c != 'r' &&
	     c != 's' && c != 't'))
		return 0;
	for (size_t i = 0; envelope_names[i]; i++)
		if (envelope_names[i][0] == c && n >= (k = strlen(envelope_names[i])) &&
		    strncasecmp(p, envelope_names[i], k) == 0)
			return 1;
	return 0;
}

/*
 * The copy handed to libetpan, kept from one message to the next by each
 * thread that parses: a fresh one of the message's size each time was the
 * costliest allocation of the parse.  Only up to SCRATCH_KEEP bytes are
 * kept; scratch_take hands it out (the caller owns it until
 * scratch_give), scratch_give takes it back or frees it.
 */
enum { SCRATCH_KEEP = 1 << 20 };
static _Thread_local char *scratch;
static _Thread_local size_t scratch_cap;

static char *
scratch_take(size_t n)
{
	char *p = scratch;

	if (p == NULL || scratch_cap < n) {
		free(p);
		p = xmalloc(n);
		scratch_cap = n;
	}
	scratch = NULL;
	return p;
}

static void
scratch_give(char *p)
{
	if (p == NULL)
		return;
	if (scratch != NULL || scratch_cap > SCRATCH_KEEP) {
		free(p);
		if (scratch == NULL)
			scratch_cap = 0;
		return;
	}
	scratch = p;
}

/* container_type - whether a Content-Type value at q (after the ':') is multipart/ or message/. */
static int
container_type(const char *q, const char *end)
{
	while (q < end && isspace((unsigned char)*q))
		q++;
	return ((size_t)(end - q) >= 10 && strncasecmp(q, "multipart/", 10) == 0) ||
	       ((size_t)(end - q) >= 8 && strncasecmp(q, "message/", 8) == 0);
}

/* is_ftext - a byte libetpan takes in a header field's name (RFC 5322 ftext, and 8-bit). */
static int
is_ftext(unsigned char c)
{
	return c >= 33 && c != ':';
}

/*
 * header_compact - copy to out the fields at the start of the message
 * (msg..end) that libetpan's MIME reading uses (Content-*, MIME-Version),
 * leaving out the others (Received, DKIM-Signature...: most of a bounce's
 * header, which libetpan would parse into structures nobody reads); the
 * bytes written in *kept, and the return value is where the fields so
 * handled end in msg (the caller copies the rest from there).
 *
 * libetpan reads the header one field after another, each read depending
 * only on the bytes from where it starts, so taking out whole fields that
 * it would have read leaves its reading of the rest unchanged.  A field is
 * taken as one only when that is sure: its name (ftext) right before the
 * ':', every line of it ended by a LF, its continuation lines starting
 * with a space or a tab: libetpan reads such a field as unstructured text
 * up to that last LF.  An envelope field (From, To, Date...) it parses as
 * an address or a date, which on one line ends at the same LF, or fails
 * and is read as unstructured anyway; folded, a malformed one may end the
 * header early, so the handling stops at one, as at anything else unsure.
 */
static const char *
header_compact(const char *msg, const char *end, char *out, size_t *kept, size_t *seen)
{
	static const char *const envelope_names[] = {
		"date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id",
		"in-reply-to", "references", "subject", NULL,
	};
	const char *p = msg, *q, *nl, *se;

	*kept = 0;
	while (p < end) {
		size_t n;
		int folded = 0, envelope = 0;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		for (q = p; q < nl && is_ftext((unsigned char)*q); q++)
			;
		if (q == p || q == nl || *q != ':')
			break;
		for (se = nl + 1; se < end && (*se == ' ' || *se == '\t'); se = nl + 1, folded = 1)
			if ((nl = memchr(se, '\n', (size_t)(end - se))) == NULL)
				return p;
		n = (size_t)(q - p);
		for (size_t i = 0; folded && n <= 11 && envelope_names[i]; i++)
			if (strlen(envelope_names[i]) == n && strncasecmp(p, envelope_names[i], n) == 0)
				envelope = 1;
		if (envelope)
			break;
		/* mime_input's count of containers, for the fields passed here. */
		if (n == 12 && strncasecmp(p, "content-type", 12) == 0 && container_type(q + 1, end) &&
		    *seen >= CONTAINERS_MAX)
			break;
		if (n == 12 && strncasecmp(p, "content-type", 12) == 0 && container_type(q + 1, end))
			++*seen;
		if ((n >= 8 && strncasecmp(p, "content-", 8) == 0) ||
		    (n == 12 && strncasecmp(p, "mime-version", 12) == 0)) {
			memcpy(out + *kept, p, (size_t)(se - p));
			*kept += (size_t)(se - p);
		}
		p = se;
	}
	return p;
}

/*
 * mime_input - the message as libetpan may see it, in *copy and *len.  Its
 * parser recurses once per nested multipart or message part and once per
 * nested comment, so 200,000 nested "Content-Type: message/rfc822" headers
 * or "((((...": a header overflow the stack.  Each nesting level needs a
 * Content-Type header, so the message is cut where the
 * (CONTAINERS_MAX + 1)th one starts; and past COMMENTS_MAX open
 * parentheses, every parenthesis in the copy is blanked.  No real bounce
 * comes near either limit.  The copy (*copy, for scratch_give)
 * is always made: its header is compacted (header_compact) if compact,
 * and on the way s notes where in it mime_parse() masks message/rfc822
 * types and quiet fields.
 */
static void
mime_input(const char *msg, size_t *len, char **copy, struct scan *s, int compact)
{
	const char *p = msg, *end = msg + *len, *eol, *q, *cut, *hend;
	size_t seen = 0, depth = 0, kept;
	int deep = 0, top = 1;

	/* The bounce's own header fields no MIME reading needs are left out of the copy. */
	*copy = scratch_take(*len ? *len : 1);
	if (compact) {
		hend = header_compact(msg, end, *copy, &kept, &seen);
	} else {
		hend = msg;
		kept = 0;
	}
	for (p = hend; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		/* Masks go where the line is in the copy. */
		if (s->n_quiet < QUIET_MAX && quiet_line(p, eol, end, top))
			s->quiet[s->n_quiet++] = (size_t)(p - hend) + kept;
		/* The bounce's own header ends at its first empty line, if not before. */
		if (eol == p || (eol == p + 1 && *p == '\r'))
			top = 0;
		if ((*p == 'c' || *p == 'C') && (size_t)(end - p) >= 12 &&
		    strncasecmp(p, "content-type", 12) == 0) {
			for (q = p + 12; q < end && (*q == ' ' || *q == '\t'); q++)
				;
			if (q < end && *q == ':') {
				if (container_type(q + 1, end) && ++seen > CONTAINERS_MAX)
					break;
				for (q++; q < end && isspace((unsigned char)*q); q++)
					;
				/* Where "rfc822" has its '8': see mime_parse(). */
				if ((size_t)(end - q) >= 14 && strncasecmp(q, "message/rfc822", 14) == 0 &&
				    s->n_masks < CONTAINERS_MAX)
					s->masks[s->n_masks++] = (size_t)(q + 11 - hend) + kept;
			}
		}
	}
	cut = p < end ? p : end;
	/* Parentheses in the order they come, wherever they are; a ')' alone closes nothing. */
	for (q = msg; q < cut && !deep; q++) {
		if (depth == 0 && (q = memchr(q, '(', (size_t)(cut - q))) == NULL)
			break;
		if (*q == '(' && ++depth > COMMENTS_MAX)
			deep = 1;
		else if (*q == ')' && depth > 0)
			depth--;
	}
	memcpy(*copy + kept, hend, (size_t)(cut - hend));
	*len = kept + (size_t)(cut - hend);
	/* Masks past the cut are not in what libetpan sees. */
	while (s->n_masks > 0 && s->masks[s->n_masks - 1] >= *len)
		s->n_masks--;
	while (s->n_quiet > 0 && s->quiet[s->n_quiet - 1] >= *len)
		s->n_quiet--;
	if (deep)
		for (size_t i = 0; i < *len; i++)
			if ((*copy)[i] == '(' || (*copy)[i] == ')')
				(*copy)[i] = ' ';
}

/*
 * mime_parse - libetpan's MIME tree of m[0..len), the copy mime_input
 * made.  libetpan parses every attached message/rfc822 part through and
 * through, header fields, addresses,
 * dates, nested parts, where the walk reads only the returned message's
 * header (and the whole of it only when it is a forwarded feedback
 * report): a fifth of its time.  So while it parses, each such
 * Content-Type reads "message/rfc~22" (a subtype no mail uses, so
 * libetpan takes the part as a leaf); the byte is put back before
 * anything reads the parts, and bscan_walk treats a leaf with a masked
 * Content-Type as the message it was.  Likewise the fields quiet_line()
 * finds get an 'X' for a first letter while libetpan parses, and their
 * own back after.
 */
static struct mailmime *
mime_parse(struct scan *s, char *m, size_t len)
{
	struct mailmime *mime = NULL;
	size_t idx = 0, i;

	for (i = 0; i < s->n_masks; i++)
		m[s->masks[i]] = '~';
	for (i = 0; i < s->n_quiet; i++) {
		s->quiet_was[i] = m[s->quiet[i]];
		m[s->quiet[i]] = 'X';
	}
	if (mailmime_parse(m, len, &idx, &mime) != MAILIMF_NO_ERROR)
		mime = NULL;
	for (i = 0; i < s->n_masks; i++)
		m[s->masks[i]] = '8';
	for (i = 0; i < s->n_quiet; i++)
		m[s->quiet[i]] = s->quiet_was[i];
	s->mask_base = m;
	return mime;
}

/*
 * top_message - whether the bounce's body, as libetpan parsed it, is an
 * attached message (message/rfc822, parsed or masked as a leaf): the one
 * part whose header the walk reads from the start of the copy.
 */
static int
top_message(const struct mailmime *mime)
{
	const struct mailmime *b;
	const struct mailmime_content *ct;

	if (mime == NULL || mime->mm_type != MAILMIME_MESSAGE ||
	    (b = mime->mm_data.mm_message.mm_msg_mime) == NULL)
		return 0;
	if (b->mm_type == MAILMIME_MESSAGE)
		return 1;
	ct = b->mm_content_type;
	return b->mm_type == MAILMIME_SINGLE && ct && ct->ct_type &&
	       ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	       ct->ct_type->tp_data.tp_composite_type->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE;
}

static void
scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->n_dsn; i++)
		bscan_dsn_free(&s->dsn[i]);
	free(s->dsn);
	free(s->arf_type);
	buf_free(&s->arf_rcpts);
	buf_free(&s->redacted);
	buf_free(&s->failed);
	buf_free(&s->ignore);
	buf_free(&s->ret_rcpts);
	buf_free(&s->ret_for);
	buf_free(&s->own_rcpts);
	buf_free(&s->text);
	buf_free(&s->field);
	buf_free(&s->dec);
}

int
bounce_parse(const char *msg, size_t len, const char *verp_local, struct bounce_report *out,
             struct error *err)
{
	struct scan s;
	struct mailmime *mime = NULL;
	const char *p;
	char name[FIELD_NAME_MAX], *copy = NULL;
	size_t mlen;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->class = BOUNCE_OTHER;
	if (msg == NULL || len == 0)
		return error_set(err, "bounce: empty message");
	if (len > BOUNCE_MAX_MESSAGE)
		return error_set(err, "bounce: message of %zu bytes is over the limit of %d", len,
		                 (int)BOUNCE_MAX_MESSAGE);
	/* An mbox "From " line is the mailbox's, not the message's. */
	if (len > 5 && memcmp(msg, "From ", 5) == 0) {
		const char *nl = memchr(msg, '\n', len);

		if (nl == NULL)
			return error_set(err, "bounce: not a message (no header)");
		len -= (size_t)(nl + 1 - msg);
		msg = nl + 1;
	}
	memset(&s, 0, sizeof(s));
	buf_init(&s.field, FIELD_MAX);
	p = msg;
	if (bscan_field_next(&p, msg + len, name, &s.field) != FIELD_OK) {
		buf_free(&s.field);
		return error_set(err, "bounce: not a message (no header)");
	}
	s.verp_local = verp_local;
	s.r = out;
	buf_init(&s.failed, LIST_MAX);
	buf_init(&s.ignore, LIST_MAX);
	buf_init(&s.ret_rcpts, LIST_MAX);
	buf_init(&s.ret_for, LIST_MAX);
	buf_init(&s.own_rcpts, LIST_MAX);
	buf_init(&s.arf_rcpts, LIST_MAX);
	buf_init(&s.redacted, LIST_MAX);
	buf_init(&s.text, TEXT_MAX);
	/* Decoding makes at most two bytes of one (a line break becomes CRLF). */
	buf_init(&s.dec, 2 * (size_t)BOUNCE_MAX_MESSAGE + 2);
	bconv_install();
	bscan_top_header(&s, msg, len);
	mlen = len;
	mime_input(msg, &mlen, &copy, &s, 1);
	mime = mime_parse(&s, copy, mlen);
	if (top_message(mime)) {
		/*
		 * The bounce's body is itself a message: the walk reads its header
		 * from the start of the copy, which must then be the whole header.
		 */
		mailmime_free(mime);
		scratch_give(copy);
		s.n_masks = s.n_quiet = 0;
		mlen = len;
		mime_input(msg, &mlen, &copy, &s, 0);
		mime = mime_parse(&s, copy, mlen);
	}
	if (mime == NULL) {
		error_set(err, "bounce: cannot parse the MIME structure");
		goto out;
	}
	bscan_walk(&s, mime, 0);
	split_text(&s);
	verdict(&s);
	if (s.own_rcpts.len > 0) {
		buf_add(&s.own_rcpts, "", 1);
		out->own_rcpts = buf_steal(&s.own_rcpts);
	}
	rc = 0;
out:
	if (mime)
		mailmime_free(mime);
	scratch_give(copy);
	scan_free(&s);
	if (rc != 0)
		bounce_report_free(out);
	return rc;
}

void
bounce_report_free(struct bounce_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_rcpts; i++) {
		free(r->rcpts[i].recipient);
		free(r->rcpts[i].status);
		free(r->rcpts[i].reason);
		free(r->rcpts[i].diagnostic);
	}
	free(r->rcpts);
	free(r->verp);
	free(r->original_message_id);
	free(r->from);
	free(r->subject);
	free(r->message_id);
	free(r->own_rcpts);
	memset(r, 0, sizeof(*r));
	r->class = BOUNCE_OTHER;
}

const char *
bounce_class_name(int class)
{
	static const char *const names[] = {"hard", "soft", "complaint", "autoreply", "other"};

	if (class < BOUNCE_HARD || class > BOUNCE_OTHER)
		return "unknown";
	return names[class];
}
