/*
 * report_svg - a campaign report's two drawings as inline SVG, made on the
 * server so the page needs no script and loads nothing: sent deliveries
 * over time (a column per bucket) and per recipient domain (a bar of its
 * recipients, the part sent in the list's colour).  Each is role="img"
 * with a title and a description that states the figures; the page gives
 * the same figures as tables.  Text from outside (domains) is escaped.
 */
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "template.h"

enum { TL_W = 640, TL_H = 220, TL_LEFT = 44, TL_BOTTOM = 36, TL_TOP = 16 };
enum { DM_W = 640, DM_ROW = 44, DM_LABEL = 18, DM_BAR = 16 };

static void
esc(struct buf *b, const char *s)
{
	template_html_escape(b, s, strlen(s));
}

static void
hhmm(int64_t t, int with_date, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, with_date ? "%Y-%m-%d %H:%M UTC" : "%H:%M", &tm);
}

void
report_svg_timeline(const struct report *r, const char *color, struct buf *out)
{
	int64_t max = 0;
	char from[32], to[32];
	double plot_w = TL_W - TL_LEFT - 8, plot_h = TL_H - TL_TOP - TL_BOTTOM, col;

	for (int i = 0; i < r->n_buckets; i++)
		if (r->timeline[i] > max)
			max = r->timeline[i];
	buf_addf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	         "role=\"img\" aria-labelledby=\"tl-title tl-desc\" "
	         "xmlns=\"http://www.w3.org/2000/svg\">\n", TL_W, TL_H, TL_W, TL_H);
	buf_adds(out, "<title id=\"tl-title\">Deliveries over time</title>\n");
	if (r->n_buckets == 0) {
		buf_adds(out, "<desc id=\"tl-desc\">Nothing has been sent yet.</desc>\n");
		buf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"15\" fill=\"#52606d\">Nothing has "
		         "been sent yet.</text>\n</svg>\n", TL_LEFT, TL_H / 2);
		return;
	}
	hhmm(r->first_sent, 1, from);
	hhmm(r->first_sent + (int64_t)r->n_buckets * r->bucket, r->n_buckets > 1 &&
	     r->bucket >= 86400, to);
	buf_addf(out, "<desc id=\"tl-desc\">%lld deliver%s sent from %s, in %d period%s of %lld "
	         "minute%s; at most %lld in one period.</desc>\n", (long long)r->total.sent,
	         r->total.sent == 1 ? "y" : "ies", from, r->n_buckets, r->n_buckets == 1 ? "" : "s",
	         (long long)(r->bucket / 60), r->bucket == 60 ? "" : "s", (long long)max);
	/* Axes, then the columns: a column is a bucket's share of the busiest one. */
	buf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#52606d\"/>\n",
	         TL_LEFT, TL_H - TL_BOTTOM, TL_W - 8, TL_H - TL_BOTTOM);
	buf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\" "
	         "fill=\"#1f2933\">%lld</text>\n", TL_LEFT - 6, TL_TOP + 10, (long long)max);
	buf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\" "
	         "fill=\"#1f2933\">0</text>\n", TL_LEFT - 6, TL_H - TL_BOTTOM);
	col = plot_w / r->n_buckets;
	for (int i = 0; i < r->n_buckets; i++) {
		double h = max > 0 ? plot_h * (double)r->timeline[i] / (double)max : 0;

		if (r->timeline[i] > 0 && h < 2)
			h = 2;
		buf_addf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"",
		         TL_LEFT + i * col + col * 0.1, TL_H - TL_BOTTOM - h, col * 0.8, h);
		esc(out, color);
		buf_addf(out, "\"><title>%lld sent</title></rect>\n", (long long)r->timeline[i]);
	}
	hhmm(r->first_sent, 0, from);
	buf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#1f2933\">%s</text>\n",
	         TL_LEFT, TL_H - TL_BOTTOM + 18, from);
	hhmm(r->first_sent + (int64_t)r->n_buckets * r->bucket, 0, to);
	buf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\" "
	         "fill=\"#1f2933\">%s</text>\n", TL_W - 8, TL_H - TL_BOTTOM + 18, to);
	buf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
	         "fill=\"#52606d\">UTC, %lld-minute periods</text>\n</svg>\n",
	         TL_LEFT + (int)plot_w / 2, TL_H - 4, (long long)(r->bucket / 60));
}

/* bar - one domain's row: its name, a bar of recipients with the sent part in colour. */
static void
bar(struct buf *out, int row, const char *label, const struct report_counts *n, int64_t max,
    const char *color)
{
	double w = DM_W - 8, all = max > 0 ? w * (double)n->recipients / (double)max : 0,
	       sent = max > 0 ? w * (double)n->sent / (double)max : 0;
	int y = row * DM_ROW;

	buf_addf(out, "<text x=\"0\" y=\"%d\" font-size=\"14\" fill=\"#1f2933\">", y + DM_LABEL - 4);
	esc(out, label);
	buf_addf(out, ": %lld sent of %lld, %lld bounced</text>\n", (long long)n->sent,
	         (long long)n->recipients, (long long)report_bounced(n));
	buf_addf(out, "<rect x=\"0\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#d9e2ec\"/>\n",
	         y + DM_LABEL, all < 2 ? 2 : all, DM_BAR);
	if (n->sent > 0) {
		buf_addf(out, "<rect x=\"0\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"",
		         y + DM_LABEL, sent < 2 ? 2 : sent, DM_BAR);
		esc(out, color);
		buf_adds(out, "\"/>\n");
	}
}

void
report_svg_domains(const struct report *r, size_t max, const char *color, struct buf *out)
{
	size_t shown = r->n_domains < max ? r->n_domains : max, rows;
	struct report_counts rest;
	int64_t most = 0;

	memset(&rest, 0, sizeof(rest));
	for (size_t i = shown; i < r->n_domains; i++) {
		rest.recipients += r->domains[i].n.recipients;
		rest.sent += r->domains[i].n.sent;
		rest.hard += r->domains[i].n.hard;
		rest.soft += r->domains[i].n.soft;
	}
	for (size_t i = 0; i < shown; i++)
		if (r->domains[i].n.recipients > most)
			most = r->domains[i].n.recipients;
	if (rest.recipients > most)
		most = rest.recipients;
	rows = shown + (shown < r->n_domains ? 1 : 0);
	buf_addf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %zu\" width=\"%d\" height=\"%zu\" "
	         "role=\"img\" aria-labelledby=\"dm-title dm-desc\" "
	         "xmlns=\"http://www.w3.org/2000/svg\">\n", DM_W, rows ? rows * DM_ROW : DM_ROW,
	         DM_W, rows ? rows * DM_ROW : DM_ROW);
	buf_adds(out, "<title id=\"dm-title\">Deliveries per recipient domain</title>\n");
	buf_addf(out, "<desc id=\"dm-desc\">%zu recipient domains", r->n_domains);
	if (shown > 0) {
		buf_adds(out, "; the largest, ");
		esc(out, r->domains[0].domain);
		buf_addf(out, ", had %lld recipients, %lld sent", (long long)r->domains[0].n.recipients,
		         (long long)r->domains[0].n.sent);
	}
	buf_adds(out, ". The table below gives every figure.</desc>\n");
	for (size_t i = 0; i < shown; i++)
		bar(out, (int)i, r->domains[i].domain, &r->domains[i].n, most, color);
	if (shown < r->n_domains) {
		char label[64];

		snprintf(label, sizeof(label), "%zu other domains", r->n_domains - shown);
		bar(out, (int)shown, label, &rest, most, color);
	}
	buf_adds(out, "</svg>\n");
}
