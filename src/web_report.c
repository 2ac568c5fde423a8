/*
 * web_report - a campaign's report for coordinators at /r/TOKEN: the
 * figures of `outreach report` as tables, a delivery timeline and
 * per-domain bars drawn as inline SVG (report_svg.c), no script and
 * nothing loaded from elsewhere.
 *
 * The token (TOKEN_REPORT: campaign, time issued) comes from
 * `outreach report CAMPAIGN --link` and is good for REPORT_LINK_VALID
 * seconds; any other, altered or older token gets a 403 page saying how to
 * make a new one.  The page only reads; it shows counts per domain, never
 * an address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "template.h"
#include "token.h"
#include "web_impl.h"

enum { REPORT_PAGE_DOMAINS = 12, REPORT_TABLE_DOMAINS = 200, REPORT_HTML_MAX = 4 << 20 };

static void
esc(struct buf *b, const char *s)
{
	template_html_escape(b, s, strlen(s));
}

static void
utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void
row(struct buf *b, const char *name, int64_t n, const char *note)
{
	buf_adds(b, "<tr><th scope=\"row\">");
	esc(b, name);
	buf_addf(b, "</th><td>%lld</td><td>", (long long)n);
	if (note)
		esc(b, note);
	buf_adds(b, "</td></tr>\n");
}

/* summary - the campaign's figures as a table of name, number and what it means. */
static void
summary(const struct report *r, struct buf *b)
{
	const struct report_counts *t = &r->total;
	char note[160], rate[32];

	buf_adds(b, "<table class=\"figures\">\n<caption>The campaign in figures</caption>\n"
	         "<thead><tr><th scope=\"col\">Figure</th><th scope=\"col\">Number</th>"
	         "<th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n");
	row(b, "Recipients", t->recipients, NULL);
	row(b, "Sent", t->sent, "accepted by the relay");
	row(b, "Waiting", t->waiting, "not yet handed to the relay");
	row(b, "Deferred", t->deferred, "refused for now; tried again later");
	row(b, "Failed", t->failed, "given up, or no longer wanted");
	snprintf(note, sizeof(note), "hard %lld, soft %lld", (long long)t->hard,
	         (long long)t->soft);
	row(b, "Bounced", report_bounced(t), note);
	report_percent(t->complaints, t->sent, rate);
	snprintf(note, sizeof(note), "%s of sent", rate);
	row(b, "Complaints", t->complaints, note);
	snprintf(note, sizeof(note), "link %lld, one-click %lld, mail %lld",
	         (long long)t->unsub_link, (long long)t->unsub_oneclick, (long long)t->unsub_mail);
	row(b, "Unsubscribes", report_unsubscribes(t), note);
	buf_adds(b, "</tbody>\n</table>\n");
	if (r->first_sent > 0) {
		char first[32], last[32], took[48];

		utc(r->first_sent, first);
		utc(r->last_sent, last);
		report_duration(r->last_sent - r->first_sent, took);
		buf_addf(b, "<p>First delivery %s, last %s: %s from first to last.</p>\n", first,
		         last, took);
	}
}

/* timeline_table - the timeline's figures: sent per period. */
static void
timeline_table(const struct report *r, struct buf *b)
{
	if (r->n_buckets == 0)
		return;
	buf_adds(b, "<details><summary>The timeline as a table</summary>\n"
	         "<table class=\"figures\">\n<thead><tr><th scope=\"col\">Period from</th>"
	         "<th scope=\"col\">Sent</th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < r->n_buckets; i++) {
		char at[32];

		utc(r->first_sent + i * r->bucket, at);
		buf_addf(b, "<tr><th scope=\"row\">%s</th><td>%lld</td></tr>\n", at,
		         (long long)r->timeline[i]);
	}
	buf_adds(b, "</tbody>\n</table>\n</details>\n");
}

/* domain_table - every domain's figures (the first REPORT_TABLE_DOMAINS). */
static void
domain_table(const struct report *r, struct buf *b)
{
	size_t n = r->n_domains < REPORT_TABLE_DOMAINS ? r->n_domains : REPORT_TABLE_DOMAINS;

	buf_adds(b, "<div class=\"scroll\" role=\"region\" aria-labelledby=\"domains-caption\" "
	         "tabindex=\"0\">\n<table class=\"figures\">\n<caption id=\"domains-caption\">"
	         "Per recipient domain</caption>\n<thead><tr><th scope=\"col\">Domain</th>"
	         "<th scope=\"col\">Recipients</th><th scope=\"col\">Sent</th>"
	         "<th scope=\"col\">Deferred</th><th scope=\"col\">Failed</th>"
	         "<th scope=\"col\">Bounced</th><th scope=\"col\">Complaints</th>"
	         "<th scope=\"col\">Unsubscribes</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct report_counts *c = &r->domains[i].n;

		buf_adds(b, "<tr><th scope=\"row\">");
		esc(b, r->domains[i].domain);
		buf_addf(b, "</th><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
		         "<td>%lld</td><td>%lld</td></tr>\n", (long long)c->recipients,
		         (long long)c->sent, (long long)c->deferred, (long long)c->failed,
		         (long long)report_bounced(c), (long long)c->complaints,
		         (long long)report_unsubscribes(c));
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
	if (n < r->n_domains)
		buf_addf(b, "<p class=\"muted\">The %zu smallest domains are left out here; "
		         "<code>outreach report %lld --format csv</code> lists them all.</p>\n",
		         r->n_domains - n, (long long)r->c.id);
}

/* fresh - the page's token: a report link made less than REPORT_LINK_VALID ago. */
static int
fresh(const struct web_request *rq, struct token *t)
{
	int64_t now = now_unix();

	return token_verify(rq->w->key, rq->arg, strlen(rq->arg), t) < 0 ||
	       t->purpose != TOKEN_REPORT || t->b > now + 300 || now - t->b > REPORT_LINK_VALID ?
	       -1 : 0;
}

void
web_report(struct web_request *rq, struct web_response *rs)
{
	struct error err = ERROR_INIT;
	struct report r;
	struct list_info list = {0};
	struct buf sum, tl, dm, table;
	const char *v[WEB_NVARS];
	const char *color = rq->w->cfg->brand_color;
	char *title, rate[32], *level;
	struct token t;
	int lv;

	if (fresh(rq, &t) < 0) {
		web_page_error(rq->w, rs, 403, "This report link does not work",
		               "The link is incomplete, altered, or more than 24 hours old. Make a "
		               "new one with: outreach report CAMPAIGN --link");
		return;
	}
	if (report_load(rq->st, t.a, &r, &err) < 0) {
		if (error_kind(&err) == ERR_NOTFOUND)
			web_page_error(rq->w, rs, 404, "No such campaign",
			               "This campaign is not in the database any more.");
		else
			web_page_fail(rq->w, rs, &err);
		error_clear(&err);
		return;
	}
	/* The list's name heads the page; a list gone since is shown by its slug. */
	if (store_list_brief(rq->st, r.c.list_id, NULL, &list, &err) < 0)
		error_clear(&err);
	buf_init(&sum, REPORT_HTML_MAX);
	buf_init(&tl, REPORT_HTML_MAX);
	buf_init(&dm, REPORT_HTML_MAX);
	buf_init(&table, REPORT_HTML_MAX);
	summary(&r, &sum);
	report_svg_timeline(&r, color, &tl);
	timeline_table(&r, &tl);
	report_svg_domains(&r, REPORT_PAGE_DOMAINS, color, &dm);
	domain_table(&r, &table);
	lv = report_level(r.total.complaints, r.total.sent);
	report_percent(r.total.complaints, r.total.sent, rate);
	level = xasprintf("Complaint rate %s: %s.", rate, report_level_text(lv));
	title = xasprintf("Report: %s", r.c.subject);
	web_values_init(rq->w, v);
	v[WV_TITLE] = title;
	v[WV_LIST_NAME] = list.name ? list.name : r.c.list_slug;
	v[WV_MESSAGE] = level;
	v[WV_LEVEL] = lv == REPORT_OK ? "notice" : "error";
	v[WV_STATUS] = campaign_status_name(r.c.status);
	v[WV_SUMMARY] = buf_cstr(&sum);
	v[WV_TIMELINE] = buf_cstr(&tl);
	v[WV_DOMAINS] = buf_cstr(&dm);
	v[WV_DOMAIN_TABLE] = buf_cstr(&table);
	if (buf_failed(&sum) || buf_failed(&tl) || buf_failed(&dm) || buf_failed(&table))
		web_page_error(rq->w, rs, 500, "This report is too large to show",
		               "Use outreach report CAMPAIGN --format csv instead.");
	else
		web_render(rq->w, TPL_REPORT, v, 200, rs);
	free(title);
	free(level);
	buf_free(&sum);
	buf_free(&tl);
	buf_free(&dm);
	buf_free(&table);
	report_free(&r);
	list_info_free(&list);
}
