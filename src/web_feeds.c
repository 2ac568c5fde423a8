/*
 * web_feeds - each public list's feeds, read-only and the same for everyone:
 * its upcoming events as a calendar to subscribe to (/l/SLUG/events.ics,
 * METHOD:PUBLISH through ical_publish), its open opportunities as a page
 * (/l/SLUG/opportunities) and as an RFC 4287 Atom feed (.atom).
 *
 * An unknown or private list is the site's 404, whatever the feed.  What
 * the coordinators typed is treated as outside input: every value is made
 * well-formed UTF-8 without control characters and escaped for HTML or
 * XML, descriptions are rendered from Markdown with raw HTML left out, and
 * one row the calendar cannot carry (a zone this system does not know) is
 * left out with a warning rather than failing the whole feed.  Each feed is
 * bounded in entries and bytes.  The answers may be cached for five minutes
 * and carry an ETag (web.c), so a calendar polling every few minutes costs
 * a 304; that is also why a calendar's DTSTAMP is the event's last change
 * rather than the time of the request.  A store failure is a 503.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "events.h"
#include "ical.h"
#include "log.h"
#include "markdown.h"
#include "web_impl.h"

enum {
	FEED_EVENTS_MAX = 500,           /* events in a calendar */
	FEED_OPPORTUNITIES_MAX = 200,    /* opportunities on the page and in the feed */
	ICS_TEXT_MAX = 2048,             /* bytes of an event's description in a calendar */
	TITLE_BYTES = 512,               /* bytes of a title or a location in a calendar */
	ITEMS_MAX = 768 << 10,           /* bytes of the page's opportunities */
	ENTRIES_MAX = 3 << 20,           /* bytes of the feed's entries */
	SOON_DAYS = 7,                   /* a deadline this close is pointed out */
	CAL_STRINGS = 6,                 /* the strings each calendar event owns */
};

static const char feed_cache[] = "public, max-age=300";
/* The year in the tag: URIs (RFC 4151) of the feeds: it must never change. */
static const char tag_year[] = "2026";

/* --- text that is safe to carry --- */

/* char_len - the length of the well-formed UTF-8 character at s[0..n), or 0. */
static size_t
char_len(const unsigned char *s, size_t n)
{
	size_t k;

	if (s[0] < 0x80)
		k = 1;
	else if (s[0] >= 0xc2 && s[0] < 0xe0)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		k = 4;
	else
		return 0;
	return k <= n && utf8_valid((const char *)s, k) ? k : 0;
}

/*
 * clean_add - append s[0..n) as text XML 1.0 (and so HTML) can carry:
 * malformed UTF-8 becomes U+FFFD; control characters other than tab and
 * line feed, and the non-characters U+FFFE and U+FFFF, are left out.  With
 * escape, the five markup characters become entities (for text and
 * attribute values alike).
 */
static void
clean_add(struct buf *b, const char *s, size_t n, int escape)
{
	size_t i = 0, run = 0;

	while (i < n) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t k = char_len(u, n - i);
		const char *put = NULL;

		if (k == 0)
			put = "\xef\xbf\xbd";
		else if (k == 1 && ((u[0] < 0x20 && u[0] != '\t' && u[0] != '\n') || u[0] == 0x7f))
			put = "";
		else if (k == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
			put = "";
		else if (escape && k == 1)
			put = u[0] == '&' ? "&amp;" : u[0] == '<' ? "&lt;" : u[0] == '>' ? "&gt;"
			    : u[0] == '"' ? "&quot;" : u[0] == '\'' ? "&#39;" : NULL;
		if (put == NULL) {
			i += k;
			continue;
		}
		buf_add(b, s + run, i - run);
		buf_adds(b, put);
		i += k ? k : 1;
		run = i;
	}
	buf_add(b, s + run, n - run);
}

/* esc - s (NULL: nothing) escaped for HTML or XML. */
static void
esc(struct buf *b, const char *s)
{
	if (s)
		clean_add(b, s, strlen(s), 1);
}

/*
 * text_clean - s as plain text a calendar can carry (see clean_add), cut
 * to at most max bytes on a character boundary with an ellipsis; surrounding
 * blank lines trimmed.  NULL for NULL or nothing left.  Caller frees.
 */
static char *
text_clean(const char *s, size_t max)
{
	struct buf b;
	size_t n;
	int cut_input;
	char *out;

	if (s == NULL)
		return NULL;
	/* Far more than max is never read: a cut there ends in an ellipsis anyway. */
	n = strlen(s);
	cut_input = n > 4 * max;
	if (cut_input)
		n = 4 * max;
	buf_init(&b, 3 * n + 16);
	clean_add(&b, s, n, 0);
	if (b.len > max || cut_input) {
		size_t cut = b.len > max ? max : b.len;

		while (cut > 0 && cut < b.len && ((unsigned char)b.data[cut] & 0xc0) == 0x80)
			cut--;
		buf_truncate(&b, cut);
		buf_adds(&b, "\xe2\x80\xa6");
	}
	while (b.len > 0 && strchr(" \t\n", b.data[b.len - 1]))
		buf_truncate(&b, b.len - 1);
	n = strspn(buf_cstr(&b), " \t\n");
	out = n < b.len ? xstrdup(b.data + n) : NULL;
	buf_free(&b);
	return out;
}

/* link_ok - whether url may be a link on a page: http(s), no blank or control. */
static int
link_ok(const char *url)
{
	if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * description_html - the Markdown description as HTML (raw HTML left out,
 * whatever the list allows: these pages are public), its headings moved so
 * the highest is an <h3>, under the entry's own <h2>; NULL when it cannot
 * be rendered (the caller shows it as text).  Caller frees.
 */
static char *
description_html(const char *md, const char *what)
{
	struct error err = ERROR_INIT;
	char *html = NULL, *text = NULL, top = '7';

	if (markdown_render(md, strlen(md), 0, &html, &text, &err) < 0) {
		log_warn("web", "%s: description shown as text: %s", what, error_msg(&err));
		error_clear(&err);
		return NULL;
	}
	free(text);
	/* cmark writes a heading as a bare <hN>; any text that looks like one is escaped. */
	for (int pass = 0; pass < 2; pass++)
		for (char *p = html; (p = strchr(p, '<')) != NULL; p++) {
			char *d = p[1] == '/' ? p + 3 : p + 2;
			int level;

			if (!(p[1] == 'h' || (p[1] == '/' && p[2] == 'h')) || d[0] < '1' || d[0] > '6' ||
			    d[1] != '>')
				continue;
			if (pass == 0) {
				top = d[0] < top ? d[0] : top;
				continue;
			}
			level = d[0] - top + 3;
			d[0] = (char)('0' + (level > 6 ? 6 : level));
		}
	return html;
}

/* public_list - the list the path names, if it is public; else the answer is given. */
static int
public_list(struct web_request *rq, struct web_response *rs, struct list_info *l)
{
	struct error err = ERROR_INIT;

	if (store_list_brief(rq->st, 0, rq->arg, l, &err) == 0 && l->is_public)
		return 0;
	if (err.msg == NULL || error_kind(&err) == ERR_NOTFOUND)
		web_page_error(rq->w, rs, 404, "Not found", "There is no page at this address.");
	else {
		log_warn("web", "feeds of list %s: %s", rq->arg, error_msg(&err));
		web_page_fail(rq->w, rs, &err);
	}
	error_clear(&err);
	return -1;
}

/* feed_answer - the body built in rs is a public, cacheable feed of type. */
static void
feed_answer(struct web_response *rs, const char *type)
{
	rs->status = 200;
	rs->content_type = type;
	rs->cache = feed_cache;
	rs->etag = 1;
}

/* --- /l/SLUG/events.ics --- */

struct calendar {
	const char *list;
	const char *org_name, *org_addr;
	struct ical_event ev[FEED_EVENTS_MAX];
	char *own[FEED_EVENTS_MAX][CAL_STRINGS];
	size_t n;
};

static int
calendar_event(const struct event_info *e, void *arg)
{
	struct calendar *c = arg;
	struct ical_event *ie;
	char **own, *html = NULL, *text = NULL;
	struct error err = ERROR_INIT;

	if (c->n == FEED_EVENTS_MAX)
		return 1;
	if (e->tz == NULL || !ical_zone_valid(e->tz) || e->ends <= e->starts || e->uid == NULL ||
	    has_header_breaker(e->uid)) {
		log_warn("web", "calendar of list %s: event %s left out (zone '%s' unknown here, "
		         "or its times or UID are wrong)", c->list, e->slug, e->tz ? e->tz : "");
		return 0;
	}
	ie = &c->ev[c->n];
	own = c->own[c->n];
	own[0] = text_clean(e->uid, TITLE_BYTES);
	own[1] = text_clean(e->title, TITLE_BYTES);
	own[2] = text_clean(e->location, TITLE_BYTES);
	own[3] = link_ok(e->url) ? xstrdup(e->url) : NULL;
	own[4] = xstrdup(e->tz);
	if (e->description && *e->description) {
		/* Calendars show plain text: Markdown's own text rendering, links as footnotes. */
		if (markdown_render(e->description, strlen(e->description), 0, &html, &text,
		                    &err) < 0)
			error_clear(&err);
		own[5] = text_clean(text ? text : e->description, ICS_TEXT_MAX);
		free(html);
		free(text);
	}
	if (own[0] == NULL || own[1] == NULL) {
		log_warn("web", "calendar of list %s: event %s left out (no usable title or UID)",
		         c->list, e->slug);
		for (int k = 0; k < CAL_STRINGS; k++) {
			free(own[k]);
			own[k] = NULL;
		}
		return 0;
	}
	ie->uid = own[0];
	ie->sequence = e->sequence;
	ie->method = ICAL_REQUEST;
	ie->title = own[1];
	ie->location = own[2];
	ie->url = own[3];
	ie->tzid = own[4];
	ie->description = own[5];
	ie->starts = e->starts;
	ie->ends = e->ends;
	ie->organizer_name = c->org_name;
	ie->organizer_addr = c->org_addr;
	ie->stamp = e->updated_at ? e->updated_at : e->created_at;
	c->n++;
	return 0;
}

void
web_events_ics(struct web_request *rq, struct web_response *rs)
{
	struct list_info list = {0};
	struct error err = ERROR_INIT;
	struct calendar *cal = NULL;
	char *org_name = NULL, *org_addr = NULL, *name = NULL;
	const char *mailbox, *why;

	if (public_list(rq, rs, &list) < 0)
		goto out;
	/* The ORGANIZER of the list's invites: its organiser, else its From. */
	mailbox = list.organizer && *list.organizer ? list.organizer : list.from;
	if (addr_parse_mailbox(mailbox, &org_name, &org_addr, &why) < 0) {
		log_warn("web", "calendar of list %s: organizer '%s': %s", list.slug, mailbox, why);
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	cal = xcalloc(1, sizeof(*cal));
	cal->list = list.slug;
	cal->org_name = org_name;
	cal->org_addr = org_addr;
	if (store_event_each(rq->st, list.id, now_unix(), FEED_EVENTS_MAX, calendar_event, cal,
	                     &err) < 0) {
		log_warn("web", "calendar of list %s: %s", list.slug, error_msg(&err));
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	name = text_clean(list.name, TITLE_BYTES);
	buf_reset(&rs->body);
	if (ical_publish(cal->ev, cal->n, name ? name : list.slug, &rs->body, &err) < 0) {
		log_warn("web", "calendar of list %s: %s", list.slug, error_msg(&err));
		error_clear(&err);
		buf_reset(&rs->body);
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	feed_answer(rs, "text/calendar; charset=utf-8");
out:
	if (cal)
		for (size_t i = 0; i < cal->n; i++)
			for (int k = 0; k < CAL_STRINGS; k++)
				free(cal->own[i][k]);
	free(cal);
	free(org_name);
	free(org_addr);
	free(name);
	list_info_free(&list);
	error_clear(&err);
}

/* --- what the page and the feed say about an opportunity --- */

struct deadline {
	char date[64];             /* "Monday, February 1, 2027"; "" when none */
	char iso[16];              /* "2027-02-01" */
	long days;                 /* whole days from today to it, in the list's zone */
};

/* civil_days - days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long
civil_days(long y, long m, long d)
{
	long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* deadline_of - o's deadline as a date in zone tz (UTC if tz is unknown), and how near. */
static void
deadline_of(const struct opportunity_info *o, const char *tz, int64_t now, struct deadline *d)
{
	static const char *const wday[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
	                                   "Thursday", "Friday", "Saturday"};
	static const char *const month[] = {"January", "February", "March", "April", "May",
	                                    "June", "July", "August", "September", "October",
	                                    "November", "December"};
	struct ical_local at, today;

	memset(d, 0, sizeof(*d));
	if (o->deadline == 0)
		return;
	if (ical_local_parts(o->deadline, tz, &at) < 0 || ical_local_parts(now, tz, &today) < 0) {
		ical_local_parts(o->deadline, "UTC", &at);
		ical_local_parts(now, "UTC", &today);
	}
	snprintf(d->date, sizeof(d->date), "%s, %s %d, %d", wday[at.weekday % 7],
	         month[(at.month + 11) % 12], at.day, at.year);
	snprintf(d->iso, sizeof(d->iso), "%04d-%02d-%02d", at.year, at.month, at.day);
	d->days = civil_days(at.year, at.month, at.day) -
	          civil_days(today.year, today.month, today.day);
}

/* kind_label - how a kind reads on a page. */
static const char *
kind_label(const char *kind)
{
	static const char *const labels[][2] = {
		{"internship", "Internship"}, {"summer-job", "Summer job"}, {"program", "Program"},
		{"partnership", "Partnership"},
	};

	for (size_t i = 0; kind && i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(kind, labels[i][0]) == 0)
			return labels[i][1];
	return kind ? kind : "";
}

/* facts_html - "<span class=who>ORG</span> · Kind · Location" of o. */
static void
facts_html(struct buf *b, const struct opportunity_info *o)
{
	buf_adds(b, "<span class=\"who\">");
	esc(b, o->org);
	buf_adds(b, "</span> · ");
	esc(b, kind_label(o->kind));
	if (o->location && *o->location) {
		buf_adds(b, " · ");
		esc(b, o->location);
	}
}

/* --- /l/SLUG/opportunities --- */

struct page {
	struct buf items;
	const char *tz;
	int64_t now;
	size_t n;
	int full;                  /* more are open than fit */
};

static int
page_item(const struct opportunity_info *o, void *arg)
{
	struct page *pg = arg;
	struct buf *b = &pg->items;
	size_t start = b->len;
	struct deadline d;
	char *html = NULL;

	deadline_of(o, pg->tz, pg->now, &d);
	if (pg->n == 0)
		buf_adds(b, "<ul class=\"opps\">\n");
	buf_adds(b, "<li class=\"opp\" id=\"o-");
	esc(b, o->slug);
	buf_adds(b, "\">\n<h2>");
	if (link_ok(o->url)) {
		buf_adds(b, "<a href=\"");
		esc(b, o->url);
		buf_adds(b, "\">");
		esc(b, o->title);
		buf_adds(b, "</a>");
	} else
		esc(b, o->title);
	buf_adds(b, "</h2>\n<p class=\"facts\">");
	facts_html(b, o);
	buf_adds(b, "</p>\n");
	if (*d.date) {
		buf_addf(b, "<p class=\"deadline\">Apply by <time datetime=\"%s\">%s</time>", d.iso,
		         d.date);
		if (d.days <= 0)
			buf_adds(b, " <strong class=\"soon\">closes today</strong>");
		else if (d.days <= SOON_DAYS)
			buf_addf(b, " <strong class=\"soon\">closes in %ld day%s</strong>", d.days,
			         d.days == 1 ? "" : "s");
		buf_adds(b, "</p>\n");
	} else
		buf_adds(b, "<p class=\"deadline\">No deadline: open until filled.</p>\n");
	if (o->description && *o->description) {
		if ((html = description_html(o->description, o->slug)) != NULL) {
			buf_adds(b, "<div class=\"desc\">\n");
			clean_add(b, html, strlen(html), 0);
			buf_adds(b, "</div>\n");
		} else {
			buf_adds(b, "<p class=\"desc plain\">");
			esc(b, o->description);
			buf_adds(b, "</p>\n");
		}
		free(html);
	}
	buf_adds(b, "</li>\n");
	if (buf_failed(b) || b->len > ITEMS_MAX) {
		buf_truncate(b, start);
		pg->full = 1;
		return 1;
	}
	pg->n++;
	return 0;
}

void
web_opportunities(struct web_request *rq, struct web_response *rs)
{
	struct list_info list = {0};
	struct error err = ERROR_INIT;
	struct page pg;
	char *feed = NULL, *calendar = NULL, *signup = NULL;
	const char *v[WEB_NVARS];

	memset(&pg, 0, sizeof(pg));
	buf_init(&pg.items, ITEMS_MAX + (16 << 10));
	if (public_list(rq, rs, &list) < 0)
		goto out;
	pg.tz = list_timezone(rq->w->cfg, &list);
	pg.now = now_unix();
	if (store_opportunity_each(rq->st, list.id, pg.now, FEED_OPPORTUNITIES_MAX, page_item, &pg,
	                           &err) < 0) {
		log_warn("web", "opportunities of list %s: %s", list.slug, error_msg(&err));
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	if (pg.n > 0)
		buf_adds(&pg.items, "</ul>\n");
	if (pg.full)
		buf_adds(&pg.items, "<p class=\"muted\">More opportunities are open than this page "
		         "can show.</p>\n");
	feed = xasprintf("%s/l/%s/opportunities.atom", rq->w->base_url, list.slug);
	calendar = xasprintf("%s/l/%s/events.ics", rq->w->base_url, list.slug);
	signup = xasprintf("%s/s/%s", rq->w->base_url, list.slug);
	web_values_init(rq->w, v);
	v[WV_TITLE] = "Open opportunities";
	v[WV_LIST_NAME] = list.name;
	v[WV_LIST_DESCRIPTION] = list.description;
	v[WV_ITEMS] = buf_cstr(&pg.items);
	v[WV_FEED_URL] = feed;
	v[WV_CALENDAR_URL] = calendar;
	v[WV_SIGNUP_URL] = signup;
	v[WV_TIMEZONE] = pg.tz;
	web_render(rq->w, TPL_OPPORTUNITIES, v, 200, rs);
	if (rs->status == 200) {
		rs->cache = feed_cache;
		rs->etag = 1;
	}
out:
	buf_free(&pg.items);
	free(feed);
	free(calendar);
	free(signup);
	list_info_free(&list);
	error_clear(&err);
}

/* --- /l/SLUG/opportunities.atom --- */

struct feed {
	struct buf entries;
	const char *tz, *domain, *page_url;
	int64_t now, updated;      /* the latest change among the entries */
};

/* rfc3339 - t as "2027-01-29T17:00:00Z". */
static void
rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
feed_entry(const struct opportunity_info *o, void *arg)
{
	struct feed *f = arg;
	struct buf *b = &f->entries, html;
	size_t start = b->len;
	int64_t changed = o->updated_at ? o->updated_at : o->created_at;
	struct deadline d;
	char when[32], *desc = NULL;

	deadline_of(o, f->tz, f->now, &d);
	buf_adds(b, "<entry>\n<id>tag:");
	esc(b, f->domain);
	buf_addf(b, ",%s:opportunity/", tag_year);
	esc(b, o->slug);
	buf_adds(b, "</id>\n<title type=\"text\">");
	esc(b, o->title);
	rfc3339(changed, when);
	buf_addf(b, "</title>\n<updated>%s</updated>\n", when);
	rfc3339(o->created_at, when);
	buf_addf(b, "<published>%s</published>\n<link rel=\"alternate\" type=\"text/html\" href=\"",
	         when);
	if (link_ok(o->url))
		esc(b, o->url);
	else {
		esc(b, f->page_url);
		buf_adds(b, "#o-");
		esc(b, o->slug);
	}
	buf_adds(b, "\"/>\n<category term=\"");
	esc(b, o->kind);
	buf_adds(b, "\" label=\"");
	esc(b, kind_label(o->kind));
	/* A summary in words, then the whole as HTML (escaped once more, as type="html" is). */
	buf_adds(b, "\"/>\n<summary type=\"text\">");
	esc(b, o->org);
	buf_adds(b, " · ");
	esc(b, kind_label(o->kind));
	if (o->location && *o->location) {
		buf_adds(b, " · ");
		esc(b, o->location);
	}
	buf_addf(b, "%s%s", *d.date ? ". Apply by " : ". No deadline", d.date);
	buf_adds(b, ".</summary>\n<content type=\"html\">");
	buf_init(&html, ENTRIES_MAX);
	buf_adds(&html, "<p>");
	facts_html(&html, o);
	buf_adds(&html, "</p>\n");
	if (*d.date)
		buf_addf(&html, "<p>Apply by %s.</p>\n", d.date);
	if (o->description && *o->description) {
		if ((desc = description_html(o->description, o->slug)) != NULL)
			clean_add(&html, desc, strlen(desc), 0);
		else {
			buf_adds(&html, "<p>");
			esc(&html, o->description);
			buf_adds(&html, "</p>\n");
		}
	}
	esc(b, buf_cstr(&html));
	buf_adds(b, "</content>\n</entry>\n");
	free(desc);
	if (buf_failed(&html) || buf_failed(b) || b->len > ENTRIES_MAX) {
		/* The feed ends with what fits: readers keep what they have already seen. */
		buf_truncate(b, start);
		buf_free(&html);
		return 1;
	}
	buf_free(&html);
	if (changed > f->updated)
		f->updated = changed;
	return 0;
}

void
web_opportunities_atom(struct web_request *rq, struct web_response *rs)
{
	struct list_info list = {0};
	struct error err = ERROR_INIT;
	struct feed f;
	struct buf *b = &rs->body;
	char *page = NULL, when[32];

	memset(&f, 0, sizeof(f));
	buf_init(&f.entries, ENTRIES_MAX + (64 << 10));
	if (public_list(rq, rs, &list) < 0)
		goto out;
	page = xasprintf("%s/l/%s/opportunities", rq->w->base_url, list.slug);
	f.tz = list_timezone(rq->w->cfg, &list);
	f.domain = rq->w->cfg->sender_domain;
	f.page_url = page;
	f.now = now_unix();
	if (store_opportunity_each(rq->st, list.id, f.now, FEED_OPPORTUNITIES_MAX, feed_entry, &f,
	                           &err) < 0) {
		log_warn("web", "opportunity feed of list %s: %s", list.slug, error_msg(&err));
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	/* Nothing open: the feed last changed when the list was made (RFC 4287 needs a date). */
	rfc3339(f.updated ? f.updated : list.created_at ? list.created_at : f.now, when);
	buf_reset(b);
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	         "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>tag:");
	esc(b, f.domain);
	buf_addf(b, ",%s:list/", tag_year);
	esc(b, list.slug);
	buf_adds(b, "/opportunities</id>\n<title type=\"text\">");
	esc(b, list.name);
	buf_adds(b, ": open opportunities</title>\n");
	if (list.description && *list.description) {
		buf_adds(b, "<subtitle type=\"text\">");
		esc(b, list.description);
		buf_adds(b, "</subtitle>\n");
	}
	buf_addf(b, "<updated>%s</updated>\n<author><name>", when);
	esc(b, list.name);
	buf_adds(b, "</name></author>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	esc(b, page);
	buf_adds(b, ".atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	esc(b, page);
	buf_adds(b, "\"/>\n<generator>outreach</generator>\n");
	buf_add(b, f.entries.data ? f.entries.data : "", f.entries.len);
	buf_adds(b, "</feed>\n");
	if (buf_failed(b)) {
		log_warn("web", "opportunity feed of list %s: too large", list.slug);
		buf_reset(b);
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	feed_answer(rs, "application/atom+xml; charset=utf-8");
out:
	buf_free(&f.entries);
	free(page);
	list_info_free(&list);
	error_clear(&err);
}
