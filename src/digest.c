/*
 * digest - weekly and monthly digests.  See digest.h.
 */
#include "digest.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "campaign.h"
#include "events.h"
#include "frontmatter.h"
#include "ical.h"

/* md_text - s as Markdown text: its punctuation escaped, so a title stays a title. */
static void
md_text(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("\\`*_{}[]()<>#+-!|~&.", *s))
			buf_addc(b, '\\');
		buf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

/* md_url - a URL inside (...) of a Markdown link: what would end it is %-encoded. */
static void
md_url(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '(' || *s == ')' || *s == ' ' || *s == '<' || *s == '>' || *s == '\\')
			buf_addf(b, "%%%02X", (unsigned char)*s);
		else
			buf_addc(b, *s);
	}
}

int
digest_period_key(const char *period, int64_t now, const char *tz, char **key)
{
	struct ical_local l;

	if (ical_local_parts(now, tz, &l) < 0)
		return -1;
	if (strcmp(period, "monthly") == 0) {
		*key = xasprintf("%04d-%02d", l.year, l.month);
		return 0;
	}
	if (strcmp(period, "weekly") == 0) {
		/* ISO 8601: the week (Monday first) that holds the year's first Thursday is week 1. */
		int64_t days = days_from_civil(l.year, l.month, l.day);
		int wd = (int)(((days + 3) % 7 + 7) % 7) + 1;   /* 1 Monday ... 7 Sunday */
		int64_t thursday = days - (wd - 1) + 3;
		int y, m, d;

		civil_from_days(thursday, &y, &m, &d);
		*key = xasprintf("%04d-W%02lld", y,
		                 (long long)((thursday - days_from_civil(y, 1, 1)) / 7 + 1));
		return 0;
	}
	return -1;
}

struct gather {
	struct store *st;
	const struct config *cfg;
	const char *tz;
	int64_t campaign, now;
	int position;
	struct error *err;
};

/* first_paragraph - the first paragraph of a Markdown body that is not a heading. */
static char *
first_paragraph(const char *body)
{
	const char *p = body, *start = NULL;
	struct buf b;

	buf_init(&b, 4096);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		int blank = strspn(p, " \t\r") >= n;

		if (start == NULL && !blank && *p != '#' && strncmp(p, "---", 3) != 0)
			start = p;
		if (start && blank)
			break;
		if (start) {
			if (b.len)
				buf_addc(&b, ' ');
			buf_add(&b, p, n);
		}
		p += n + (eol != NULL);
	}
	if (b.len > 400) {
		/* Cut at a space, so a word (or a link) is not split. */
		size_t cut = 400;

		while (cut > 200 && b.data[cut] != ' ')
			cut--;
		buf_truncate(&b, cut);
		buf_adds(&b, " ...");
	}
	return buf_steal(&b);
}

static int
add_newsletter(const struct newsletter_row *r, void *arg)
{
	struct gather *g = arg;
	struct digest_item it = {"newsletters", g->position++, r->started_at, r->id, r->topic,
	                         NULL, NULL};
	struct doc doc = {0};
	struct error e = ERROR_INIT;
	struct buf md;
	char *first;
	int rc;

	if (doc_parse("newsletter", xstrdup(r->document), strlen(r->document), &doc, &e) < 0) {
		error_clear(&e);
		return 0; /* a document that no longer parses is left out, not fatal */
	}
	buf_init(&md, 16384);
	buf_adds(&md, "**");
	md_text(&md, r->subject);
	buf_adds(&md, "**\n\n");
	first = first_paragraph(doc.body);
	buf_adds(&md, first);
	free(first);
	it.markdown = buf_cstr(&md);
	it.full_text = doc.body;
	rc = store_digest_item_add(g->st, g->campaign, &it, g->err) < 0 ? -1 : 0;
	buf_free(&md);
	doc_free(&doc);
	return rc;
}

static int
add_event(const struct event_info *e, void *arg)
{
	struct gather *g = arg;
	struct digest_item it = {"events", g->position++, e->created_at, e->id, e->topic, NULL,
	                         NULL};
	struct buf md;
	int rc;

	buf_init(&md, 4096);
	buf_adds(&md, "- **");
	md_text(&md, e->title);
	buf_adds(&md, "**: ");
	ical_format_local(e->starts, g->tz, &md);
	if (e->location) {
		buf_adds(&md, ", ");
		md_text(&md, e->location);
	}
	if (e->url) {
		buf_adds(&md, " ([details](");
		md_url(&md, e->url);
		buf_adds(&md, "))");
	}
	it.markdown = buf_cstr(&md);
	rc = store_digest_item_add(g->st, g->campaign, &it, g->err) < 0 ? -1 : 0;
	buf_free(&md);
	return rc;
}

static int
add_opportunity(const struct opportunity_info *o, void *arg)
{
	struct gather *g = arg;
	struct digest_item it = {"opportunities", g->position++, o->created_at, o->id,
	                         "opportunities", NULL, NULL};
	struct buf md;
	int rc;

	buf_init(&md, 4096);
	buf_adds(&md, "- **");
	md_text(&md, o->title);
	buf_adds(&md, "**, ");
	md_text(&md, o->org);
	buf_addf(&md, " (%s)", o->kind);
	if (o->deadline) {
		struct ical_local l, today;

		if (ical_local_parts(o->deadline, g->tz, &l) == 0 &&
		    ical_local_parts(g->now, g->tz, &today) == 0) {
			/* Calendar days in the list's zone: "closes in 3 days" on the 28th for the 3rd. */
			int64_t left = days_from_civil(l.year, l.month, l.day) -
			               days_from_civil(today.year, today.month, today.day);

			buf_addf(&md, ": apply by %04d-%02d-%02d", l.year, l.month, l.day);
			if (left == 0)
				buf_adds(&md, " **(closes today)**");
			else if (left <= 7)
				buf_addf(&md, " **(closes in %lld day%s)**", (long long)left,
				         left == 1 ? "" : "s");
		}
	}
	if (o->url) {
		buf_adds(&md, " ([details](");
		md_url(&md, o->url);
		buf_adds(&md, "))");
	}
	it.markdown = buf_cstr(&md);
	rc = store_digest_item_add(g->st, g->campaign, &it, g->err) < 0 ? -1 : 0;
	buf_free(&md);
	return rc;
}

/* The body of a digest, as its items are read in order. */
struct body {
	struct buf md, full;
	int section;               /* the one being written, -1 before the first */
	int in_section, full_left, n_full, skipped_full;
	int counts[3];
	int64_t events[DIGEST_SECTION_MAX];
	int n_events;
};

static int
section_index(const char *s)
{
	return strcmp(s, "newsletters") == 0 ? 0 : strcmp(s, "events") == 0 ? 1 : 2;
}

static int
add_item(const struct digest_item *it, void *arg)
{
	static const char *const titles[] = {"Newsletters", "Upcoming events",
	                                     "Open opportunities"};
	struct body *b = arg;
	int k = section_index(it->section);

	if (b->counts[k] >= DIGEST_SECTION_MAX)
		return 0;
	if (b->section != k) {
		b->section = k;
		buf_addf(&b->md, "%s## %s\n\n", b->md.len ? "\n" : "", titles[k]);
	}
	b->counts[k]++;
	buf_addf(&b->md, "%s\n%s", it->markdown, k == 0 ? "\n" : "");
	if (k == 1 && b->n_events < DIGEST_SECTION_MAX)
		b->events[b->n_events++] = it->ref_id;
	if (k == 0 && it->full_text) {
		size_t n = strlen(it->full_text);

		if ((int)n <= b->full_left) {
			buf_adds(&b->full, "---\n\n");
			buf_add(&b->full, it->full_text, n);
			buf_adds(&b->full, "\n\n");
			b->full_left -= (int)n;
			b->n_full++;
		} else
			b->skipped_full++;
	}
	return 0;
}

/* body_markdown - the digest body of campaign for since and topics, and its events. */
static int
body_markdown(struct store *st, const struct config *cfg, const struct list_info *list,
              int64_t campaign, int64_t since, const char *topics, struct body *b,
              struct error *err)
{
	memset(b, 0, sizeof(*b));
	b->section = -1;
	buf_init(&b->md, 1 << 20);
	buf_init(&b->full, 1 << 20);
	b->full_left = DIGEST_FULL_TEXT_MAX;
	if (store_digest_items_each(st, campaign, since, topics, add_item, b, err) < 0)
		return -1;
	if (b->counts[1] == 0 && b->counts[2] == 0 && b->counts[0] == 0)
		buf_adds(&b->md, "Nothing new this time.\n\n");
	buf_adds(&b->md, "\n[All open opportunities](");
	md_url(&b->md, cfg->web_base_url);
	buf_addf(&b->md, "/l/%s/opportunities) and [the calendar of events](", list->slug);
	md_url(&b->md, cfg->web_base_url);
	buf_addf(&b->md, "/l/%s/events.ics) are always on the web.\n\n", list->slug);
	if (b->n_full > 0) {
		buf_adds(&b->md, "## The newsletters in full\n\n");
		buf_add(&b->md, b->full.data, b->full.len);
	}
	if (b->skipped_full)
		buf_addf(&b->md, "(%d more newsletter%s did not fit in this digest.)\n",
		         b->skipped_full, b->skipped_full == 1 ? "" : "s");
	if (buf_failed(&b->md))
		return error_set(err, "the digest is too large");
	return 0;
}

static void
body_free(struct body *b)
{
	buf_free(&b->md);
	buf_free(&b->full);
}

/* events_calendar - the .ics of the events a digest lists (NULL when none). */
static int
events_calendar(struct store *st, const struct config *cfg, const struct list_info *list,
                const struct body *b, char **ics, struct error *err)
{
	struct ical_event evs[DIGEST_SECTION_MAX];
	struct event_info infos[DIGEST_SECTION_MAX];
	char *org_name = NULL, *org_addr = NULL;
	const char *why;
	struct buf out;
	int n = 0, rc = -1;

	*ics = NULL;
	if (b->n_events == 0)
		return 0;
	if (addr_parse_mailbox(list->organizer ? list->organizer : list->from, &org_name,
	                       &org_addr, &why) < 0)
		return error_set(err, "list %s: organizer: %s", list->slug, why);
	buf_init(&out, 4 << 20);
	memset(evs, 0, sizeof(evs));
	for (int i = 0; i < b->n_events; i++) {
		if (store_event_get(st, b->events[i], NULL, &infos[n], err) < 0) {
			if (error_kind(err) != ERR_NOTFOUND)
				goto out;
			error_clear(err);
			continue;
		}
		evs[n].uid = infos[n].uid;
		evs[n].sequence = infos[n].sequence;
		evs[n].method = ICAL_REQUEST;
		evs[n].title = infos[n].title;
		evs[n].location = infos[n].location;
		evs[n].url = infos[n].url;
		evs[n].tzid = infos[n].tz;
		evs[n].starts = infos[n].starts;
		evs[n].ends = infos[n].ends;
		evs[n].organizer_name = org_name;
		evs[n].organizer_addr = org_addr;
		evs[n].stamp = now_unix();
		n++;
	}
	(void)cfg;
	if (n > 0) {
		if (ical_publish(evs, (size_t)n, list->name, &out, err) < 0)
			goto out;
		*ics = buf_steal(&out);
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		event_info_free(&infos[i]);
	buf_free(&out);
	free(org_name);
	free(org_addr);
	return rc;
}

/* front_matter - the digest's front matter (its subject names the period). */
static char *
front_matter(const struct list_info *list, const char *period, int64_t now, const char *tz)
{
	static const char *const months[] = {"January", "February", "March", "April", "May",
	                                     "June", "July", "August", "September", "October",
	                                     "November", "December"};
	struct ical_local l;
	struct buf b;

	buf_init(&b, 4096);
	ical_local_parts(now, tz, &l);
	buf_addf(&b, "---\nlist: %s\nsubject: \"", list->slug);
	for (const char *p = list->name; *p; p++)
		if (*p == '"' || *p == '\\')
			buf_addf(&b, "\\%c", *p);
		else if ((unsigned char)*p >= 0x20)
			buf_addc(&b, *p);
	if (strcmp(period, "monthly") == 0)
		buf_addf(&b, ": monthly digest, %s %d\"\n", months[l.month - 1], l.year);
	else
		buf_addf(&b, ": weekly digest, %s %d, %d\"\n", months[l.month - 1], l.day, l.year);
	buf_adds(&b, "template: digest\n---\n");
	return buf_steal(&b);
}

int
digest_run(struct store *st, const struct config *cfg, const char *list_slug,
           const char *period, int send_empty, int *queued, char **summary, struct error *err)
{
	struct list_info list = {0};
	struct campaign_new cn;
	struct gather g;
	struct body b;
	char *key = NULL, *fm = NULL, *text = NULL;
	const char *tz;
	int64_t now = now_unix(), last, existing, id, recipients = 0;
	int rc = -1, items;

	*queued = 0;
	*summary = NULL;
	memset(&b, 0, sizeof(b));
	if (strcmp(period, "weekly") != 0 && strcmp(period, "monthly") != 0)
		return error_setk(err, ERR_INPUT, "--period '%s': use weekly or monthly", period);
	if (store_list_get(st, list_slug, &list, err) < 0)
		return -1;
	tz = list_timezone(cfg, &list);
	if (digest_period_key(period, now, tz, &key) < 0) {
		error_setk(err, ERR_INPUT, "list %s: unknown time zone '%s'", list_slug, tz);
		goto out;
	}
	if (store_begin(st, err) < 0)
		goto out;
	if (store_digest_claim(st, list.id, period, key, &existing, err) < 0) {
		store_rollback(st);
		if (error_kind(err) != ERR_CONFLICT)
			goto out;
		error_clear(err);
		*summary = xasprintf("the %s digest of %s for %s is already made (campaign %lld); "
		                     "nothing to do", period, list_slug, key, (long long)existing);
		rc = 0;
		goto out;
	}
	if (store_digest_last(st, list.id, period, &last, err) < 0)
		goto rollback;
	if (last == 0)
		last = now - (strcmp(period, "weekly") == 0 ? 7 : 31) * 86400;
	memset(&cn, 0, sizeof(cn));
	fm = front_matter(&list, period, now, tz);
	cn.list_id = list.id;
	cn.kind = "digest";
	cn.subject = "digest"; /* replaced below, from the document */
	cn.period = period;
	cn.send_at = now;
	cn.source_name = key;
	/* The campaign first (its id numbers the items), its document once they are in. */
	cn.document = fm;
	if (store_campaign_add(st, &cn, &id, &items, err) < 0)
		goto rollback;
	g = (struct gather){st, cfg, tz, id, now, 0, err};
	if (store_newsletters_between(st, list.id, last, now, add_newsletter, &g, err) < 0)
		goto rollback;
	g.position = 0;
	if (store_event_each(st, list.id, now, DIGEST_CANDIDATES, add_event, &g, err) < 0)
		goto rollback;
	g.position = 0;
	if (store_opportunity_each(st, list.id, now, DIGEST_CANDIDATES, add_opportunity, &g,
	                           err) < 0)
		goto rollback;
	if (body_markdown(st, cfg, &list, id, 0, NULL, &b, err) < 0)
		goto rollback;
	items = b.counts[0] + b.counts[1] + b.counts[2];
	if (items == 0 && !send_empty) {
		store_rollback(st);
		*summary = xasprintf("nothing to list in the %s digest of %s for %s; none queued "
		                     "(--send-empty sends it anyway)", period, list_slug, key);
		rc = 0;
		goto out;
	}
	text = xasprintf("%s%s", fm, buf_cstr(&b.md));
	{
		/* Checked as any campaign is: the list, the template, the Markdown. */
		struct doc doc = {0};
		struct list_info l2 = {0};
		int bad = doc_parse(key, xstrdup(text), strlen(text), &doc, err) < 0 ||
		          campaign_check(st, cfg, &doc, &l2, err) < 0 ||
		          store_campaign_set_document(st, id, doc.subject.value, text, err) < 0;

		doc_free(&doc);
		list_info_free(&l2);
		if (bad)
			goto rollback;
	}
	/* Due now: its deliveries are made at once, and the watermarks move with them. */
	if (store_digest_set_campaign(st, list.id, period, key, id, err) < 0 ||
	    store_campaign_expand(st, id, now, &recipients, err) < 0)
		goto rollback;
	if (store_commit(st, err) < 0)
		goto out;
	*queued = 1;
	*summary = xasprintf("campaign %lld: the %s digest of %s for %s: %d newsletters, %d "
	                     "events, %d opportunities, queued to %lld members who take %s "
	                     "digests", (long long)id, period, list_slug, key, b.counts[0],
	                     b.counts[1], b.counts[2], (long long)recipients, period);
	rc = 0;
	goto out;
rollback:
	store_rollback(st);
out:
	body_free(&b);
	list_info_free(&list);
	free(key);
	free(fm);
	free(text);
	return rc;
}

int
digest_document(struct store *st, const struct config *cfg, int64_t campaign, int64_t since,
                const char *topics, char **text, char **ics, struct error *err)
{
	struct campaign_info c;
	struct list_info list = {0};
	struct body b;
	const char *end;
	int rc = -1;

	*text = *ics = NULL;
	if (store_campaign_get(st, campaign, &c, err) < 0)
		return -1;
	memset(&b, 0, sizeof(b));
	/* The front matter is the stored document's; the body is this subscriber's. */
	end = strstr(c.document + 3, "\n---\n");
	if (strncmp(c.document, "---\n", 4) != 0 || end == NULL) {
		error_set(err, "campaign %lld: not a digest document", (long long)campaign);
		goto out;
	}
	if (store_list_get(st, c.list_slug, &list, err) < 0 ||
	    body_markdown(st, cfg, &list, campaign, since, topics, &b, err) < 0 ||
	    events_calendar(st, cfg, &list, &b, ics, err) < 0)
		goto out;
	*text = xasprintf("%.*s%s", (int)(end + 5 - c.document), c.document, buf_cstr(&b.md));
	rc = 0;
out:
	body_free(&b);
	list_info_free(&list);
	campaign_info_free(&c);
	return rc;
}
