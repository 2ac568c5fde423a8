/*
 * report - a campaign's report: its figures, gathered from the store
 * (report_load), judged (the complaint rate against the line the big
 * mailbox providers enforce) and written as text, JSON or CSV
 * (report_write), or drawn as inline SVG for the web page (report_svg_*).
 *
 * Writing never fails but for the buffer's ceiling (buf_failed); loading
 * returns the store's error (ERR_NOTFOUND for an unknown campaign).
 */
#ifndef OUTREACH_REPORT_H
#define OUTREACH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };

/*
 * The complaint rate is complaints over sent.  The big providers refuse a
 * sender above 0.3 % and ask senders to stay under 0.1 %.
 */
enum report_level { REPORT_OK, REPORT_WARN, REPORT_OVER };
enum { REPORT_WARN_PER_MILLE = 1, REPORT_OVER_PER_MILLE = 3 };
enum { REPORT_MAX_BUCKETS = 48 };
/* How long a report page's link (TOKEN_REPORT) works after it is made. */
enum { REPORT_LINK_VALID = 24 * 3600 };

struct report_domain {
	char *domain;
	struct report_counts n;
};

struct report {
	struct campaign_info c;
	struct report_counts total;
	struct report_domain *domains; /* most recipients first */
	size_t n_domains;
	int64_t first_sent, last_sent; /* 0 when nothing was sent */
	int64_t bucket;                /* seconds per timeline bucket */
	int64_t timeline[REPORT_MAX_BUCKETS]; /* sent per bucket from first_sent */
	int n_buckets;                 /* 0 when nothing was sent */
};

/* report_load - campaign id's report; free it with report_free. */
int report_load(struct store *st, int64_t id, struct report *r, struct error *err);
void report_free(struct report *r);
/* report_format_parse - "text", "json" or "csv"; -1 if none of them. */
int report_format_parse(const char *s);
/* report_write - r in format, appended to out. */
void report_write(const struct report *r, int format, struct buf *out);

/* Pure pieces, for the page and the tests. */
/* report_level - how complaints over sent compare with the providers' lines. */
int report_level(int64_t complaints, int64_t sent);
const char *report_level_name(int level);
/* report_level_text - a sentence on the level, for people. */
const char *report_level_text(int level);
/* report_percent - num/den as a percentage with two decimals ("0.25%"; "0.00%" if den is 0). */
void report_percent(int64_t num, int64_t den, char out[32]);
/* report_bucket - the bucket (a minute, 5 or 15 minutes, an hour, ...) for span seconds. */
int64_t report_bucket(int64_t span);
/* report_duration - seconds as "2h 05m 03s", "5m 00s", "12s". */
void report_duration(int64_t secs, char out[48]);
/* report_bounced, report_unsubscribes - the totals of n's parts. */
int64_t report_bounced(const struct report_counts *n);
int64_t report_unsubscribes(const struct report_counts *n);

/*
 * report_svg_timeline, report_svg_domains - inline SVG (role="img" with a
 * title and description naming the figures; the page also gives them as
 * tables): sent deliveries per bucket as columns, and the domains (the
 * first max, the rest as one bar) as horizontal bars of sent, bounced and
 * the rest.  color is the bars' colour, already checked by the caller.
 */
void report_svg_timeline(const struct report *r, const char *color, struct buf *out);
void report_svg_domains(const struct report *r, size_t max, const char *color, struct buf *out);

#endif
