/*
 * report - a campaign's figures and their text, JSON and CSV forms (the
 * SVG drawings are in report_svg.c).  The store counts; this module adds
 * up, judges the complaint rate and formats.  JSON is RFC 8259 (strings
 * escaped, times as UTC ISO 8601), CSV is RFC 4180 (CRLF, quoted when a
 * field needs it), one row per recipient domain and a last "total" row.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

int
report_level(int64_t complaints, int64_t sent)
{
	if (sent <= 0 || complaints <= 0)
		return REPORT_OK;
	/* In integers: complaints / sent > N / 1000. */
	if (complaints * 1000 > sent * REPORT_OVER_PER_MILLE)
		return REPORT_OVER;
	if (complaints * 1000 > sent * REPORT_WARN_PER_MILLE)
		return REPORT_WARN;
	return REPORT_OK;
}

const char *
report_level_name(int level)
{
	return level == REPORT_OVER ? "over" : level == REPORT_WARN ? "warning" : "ok";
}

const char *
report_level_text(int level)
{
	switch (level) {
	case REPORT_OVER:
		return "over the 0.3% line the big mailbox providers enforce: their filters will "
		       "refuse or junk this list's mail";
	case REPORT_WARN:
		return "above 0.1%: a warning; the big mailbox providers enforce 0.3%";
	default:
		return "under 0.1%: fine (the big mailbox providers enforce 0.3%)";
	}
}

void
report_percent(int64_t num, int64_t den, char out[32])
{
	int64_t hundredths = den > 0 ? (num * 10000 + den / 2) / den : 0;

	snprintf(out, 32, "%lld.%02lld%%", (long long)(hundredths / 100),
	         (long long)(hundredths % 100));
}

int64_t
report_bucket(int64_t span)
{
	static const int64_t sizes[] = {60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400,
	                                7 * 86400};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (span / sizes[i] < REPORT_MAX_BUCKETS)
			return sizes[i];
	/* A campaign sending for almost a year: buckets as wide as it takes. */
	return span / (REPORT_MAX_BUCKETS - 1) + 1;
}

void
report_duration(int64_t secs, char out[48])
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(out, 48, "%lldd %02lldh %02lldm", (long long)(secs / 86400),
		         (long long)(secs % 86400 / 3600), (long long)(secs % 3600 / 60));
	else if (secs >= 3600)
		snprintf(out, 48, "%lldh %02lldm %02llds", (long long)(secs / 3600),
		         (long long)(secs % 3600 / 60), (long long)(secs % 60));
	else if (secs >= 60)
		snprintf(out, 48, "%lldm %02llds", (long long)(secs / 60), (long long)(secs % 60));
	else
		snprintf(out, 48, "%llds", (long long)secs);
}

int64_t
report_bounced(const struct report_counts *n)
{
	return n->hard + n->soft;
}

int64_t
report_unsubscribes(const struct report_counts *n)
{
	return n->unsub_link + n->unsub_oneclick + n->unsub_mail;
}

int
report_format_parse(const char *s)
{
	if (strcmp(s, "text") == 0)
		return REPORT_TEXT;
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	if (strcmp(s, "csv") == 0)
		return REPORT_CSV;
	return -1;
}

/* --- loading --- */

struct domains {
	struct report *r;
	size_t cap;
};

static void
add_counts(struct report_counts *to, const struct report_counts *n)
{
	to->recipients += n->recipients;
	to->sent += n->sent;
	to->waiting += n->waiting;
	to->deferred += n->deferred;
	to->failed += n->failed;
	to->hard += n->hard;
	to->soft += n->soft;
	to->complaints += n->complaints;
	to->unsub_link += n->unsub_link;
	to->unsub_oneclick += n->unsub_oneclick;
	to->unsub_mail += n->unsub_mail;
}

static int
domain_row(const char *domain, const struct report_counts *n, void *arg)
{
	struct domains *d = arg;
	struct report *r = d->r;

	if (r->n_domains == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		r->domains = xrealloc(r->domains, d->cap * sizeof(*r->domains));
	}
	r->domains[r->n_domains].domain = xstrdup(domain);
	r->domains[r->n_domains++].n = *n;
	add_counts(&r->total, n);
	return 0;
}

static int
timeline_row(int64_t index, int64_t sent, void *arg)
{
	struct report *r = arg;

	if (index >= 0 && index < r->n_buckets)
		r->timeline[index] += sent;
	return 0;
}

int
report_load(struct store *st, int64_t id, struct report *r, struct error *err)
{
	struct domains d = {r, 0};

	memset(r, 0, sizeof(*r));
	if (store_campaign_get(st, id, &r->c, err) < 0)
		return -1;
	if (store_report_domains(st, id, domain_row, &d, err) < 0 ||
	    store_report_span(st, id, &r->first_sent, &r->last_sent, err) < 0)
		goto fail;
	if (r->first_sent > 0) {
		r->bucket = report_bucket(r->last_sent - r->first_sent);
		r->n_buckets = (int)((r->last_sent - r->first_sent) / r->bucket) + 1;
		if (r->n_buckets > REPORT_MAX_BUCKETS)
			r->n_buckets = REPORT_MAX_BUCKETS;
		if (store_report_timeline(st, id, r->first_sent, r->bucket, timeline_row, r,
		                          err) < 0)
			goto fail;
	}
	return 0;
fail:
	report_free(r);
	return -1;
}

void
report_free(struct report *r)
{
	campaign_info_free(&r->c);
	for (size_t i = 0; i < r->n_domains; i++)
		free(r->domains[i].domain);
	free(r->domains);
	memset(r, 0, sizeof(*r));
}

/* --- text --- */

static void
utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(out, 32, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void
write_text(const struct report *r, struct buf *b)
{
	const struct report_counts *t = &r->total;
	char rate[32], first[32], last[32], took[48];
	int level = report_level(t->complaints, t->sent);

	report_percent(t->complaints, t->sent, rate);
	utc(r->first_sent, first);
	utc(r->last_sent, last);
	report_duration(r->last_sent - r->first_sent, took);
	buf_addf(b, "campaign %lld: %s\n", (long long)r->c.id, r->c.subject);
	buf_addf(b, "list %s, %s, %s\n\n", r->c.list_slug ? r->c.list_slug : "-", r->c.kind,
	         campaign_status_name(r->c.status));
	buf_addf(b, "recipients      %lld\n", (long long)t->recipients);
	buf_addf(b, "sent            %lld\n", (long long)t->sent);
	buf_addf(b, "waiting         %lld\n", (long long)t->waiting);
	buf_addf(b, "deferred        %lld\n", (long long)t->deferred);
	buf_addf(b, "failed          %lld\n", (long long)t->failed);
	buf_addf(b, "bounced         %lld (hard %lld, soft %lld)\n", (long long)report_bounced(t),
	         (long long)t->hard, (long long)t->soft);
	buf_addf(b, "complaints      %lld\n", (long long)t->complaints);
	buf_addf(b, "complaint rate  %s: %s\n", rate, report_level_text(level));
	buf_addf(b, "unsubscribes    %lld (link %lld, one-click %lld, mail %lld)\n",
	         (long long)report_unsubscribes(t), (long long)t->unsub_link,
	         (long long)t->unsub_oneclick, (long long)t->unsub_mail);
	buf_addf(b, "first delivery  %s\n", first);
	buf_addf(b, "last delivery   %s\n", last);
	buf_addf(b, "delivery took   %s\n", r->first_sent ? took : "-");
	if (r->n_domains == 0)
		return;
	buf_addf(b, "\n%-28s %10s %8s %8s %8s %8s %8s %10s %8s\n", "domain", "recipients", "sent",
	         "waiting", "deferred", "failed", "bounced", "complaints", "unsubs");
	for (size_t i = 0; i < r->n_domains; i++) {
		const struct report_counts *n = &r->domains[i].n;

		buf_addf(b, "%-28s %10lld %8lld %8lld %8lld %8lld %8lld %10lld %8lld\n",
		         r->domains[i].domain, (long long)n->recipients, (long long)n->sent,
		         (long long)n->waiting, (long long)n->deferred, (long long)n->failed,
		         (long long)report_bounced(n), (long long)n->complaints,
		         (long long)report_unsubscribes(n));
	}
}

/* --- JSON --- */

static void
json_counts(struct buf *b, const struct report_counts *n, const char *indent)
{
	buf_addf(b, "%s\"recipients\": %lld,\n", indent, (long long)n->recipients);
	buf_addf(b, "%s\"sent\": %lld,\n", indent, (long long)n->sent);
	buf_addf(b, "%s\"waiting\": %lld,\n", indent, (long long)n->waiting);
	buf_addf(b, "%s\"deferred\": %lld,\n", indent, (long long)n->deferred);
	buf_addf(b, "%s\"failed\": %lld,\n", indent, (long long)n->failed);
	buf_addf(b, "%s\"bounced\": {\"total\": %lld, \"hard\": %lld, \"soft\": %lld},\n", indent,
	         (long long)report_bounced(n), (long long)n->hard, (long long)n->soft);
	buf_addf(b, "%s\"complaints\": %lld,\n", indent, (long long)n->complaints);
	buf_addf(b, "%s\"unsubscribes\": {\"total\": %lld, \"link\": %lld, \"one_click\": %lld, "
	         "\"mail\": %lld}", indent, (long long)report_unsubscribes(n),
	         (long long)n->unsub_link, (long long)n->unsub_oneclick, (long long)n->unsub_mail);
}

static void
write_json(const struct report *r, struct buf *b)
{
	const struct report_counts *t = &r->total;
	int level = report_level(t->complaints, t->sent);

	buf_addf(b, "{\n  \"campaign\": {\"id\": %lld, \"subject\": ", (long long)r->c.id);
	json_str(b, r->c.subject);
	buf_adds(b, ", \"list\": ");
	json_str(b, r->c.list_slug);
	buf_adds(b, ", \"kind\": ");
	json_str(b, r->c.kind);
	buf_adds(b, ", \"status\": ");
	json_str(b, campaign_status_name(r->c.status));
	buf_adds(b, "},\n");
	json_counts(b, t, "  ");
	/* The rate as a fraction, to six places: JSON has no percent. */
	buf_addf(b, ",\n  \"complaint_rate\": %.6f,\n  \"complaint_level\": \"%s\",\n",
	         t->sent > 0 ? (double)t->complaints / (double)t->sent : 0.0,
	         report_level_name(level));
	buf_adds(b, "  \"first_delivery\": ");
	json_time(b, r->first_sent);
	buf_adds(b, ",\n  \"last_delivery\": ");
	json_time(b, r->last_sent);
	buf_addf(b, ",\n  \"delivery_seconds\": %lld,\n",
	         (long long)(r->first_sent ? r->last_sent - r->first_sent : 0));
	buf_addf(b, "  \"timeline\": {\"bucket_seconds\": %lld, \"start\": ", (long long)r->bucket);
	json_time(b, r->first_sent);
	buf_adds(b, ", \"sent\": [");
	for (int i = 0; i < r->n_buckets; i++)
		buf_addf(b, "%s%lld", i ? ", " : "", (long long)r->timeline[i]);
	buf_adds(b, "]},\n  \"domains\": [");
	for (size_t i = 0; i < r->n_domains; i++) {
		buf_adds(b, i ? ",\n    {\n      \"domain\": " : "\n    {\n      \"domain\": ");
		json_str(b, r->domains[i].domain);
		buf_adds(b, ",\n");
		json_counts(b, &r->domains[i].n, "      ");
		buf_adds(b, "\n    }");
	}
	buf_adds(b, r->n_domains ? "\n  ]\n}\n" : "]\n}\n");
}

/* --- CSV --- */

static void
csv_cell(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static void
csv_row(struct buf *b, const char *domain, const struct report_counts *n)
{
	csv_cell(b, domain);
	buf_addf(b, ",%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\r\n",
	         (long long)n->recipients, (long long)n->sent, (long long)n->waiting,
	         (long long)n->deferred, (long long)n->failed, (long long)report_bounced(n),
	         (long long)n->hard, (long long)n->soft, (long long)n->complaints,
	         (long long)report_unsubscribes(n), (long long)n->unsub_link,
	         (long long)n->unsub_oneclick, (long long)n->unsub_mail);
}

static void
write_csv(const struct report *r, struct buf *b)
{
	buf_adds(b, "domain,recipients,sent,waiting,deferred,failed,bounced,hard,soft,complaints,"
	         "unsubscribes,unsubscribes_link,unsubscribes_one_click,unsubscribes_mail\r\n");
	for (size_t i = 0; i < r->n_domains; i++)
		csv_row(b, r->domains[i].domain, &r->domains[i].n);
	csv_row(b, "total", &r->total);
}

void
report_write(const struct report *r, int format, struct buf *out)
{
	switch (format) {
	case REPORT_JSON:
		write_json(r, out);
		break;
	case REPORT_CSV:
		write_csv(r, out);
		break;
	default:
		write_text(r, out);
	}
}
