/*
 * store_reports - what a campaign's report is made of, read from the
 * deliveries, the bounce events tied to them and the audit rows of the
 * unsubscribes that came through the campaign's own links and commands
 * (their detail carries STORE_CAMPAIGN_MARK).  Reads only; a failure is
 * ERR_DB with what was being read.
 */
#include <stdio.h>

#include "store_impl.h"

/* DOMAIN_OF - the lower-cased part of an address column after its last '@'. */
#define DOMAIN_OF(COL) "lower(substr(" COL ", length(rtrim(" COL ", replace(" COL ", '@', '')))" \
	" + 1))"

int
store_report_domains(struct store *st, int64_t campaign_id,
                     int (*fn)(const char *domain, const struct report_counts *, void *),
                     void *arg, struct error *err)
{
	/*
	 * One pass over the campaign's deliveries (with their bounce events
	 * folded to one row each) and one over the audit rows that name it;
	 * a subscriber who left by one channel twice (one list, then all) is
	 * one unsubscribe of that channel.
	 */
	static const char sql[] =
		"WITH d AS (SELECT id, " DOMAIN_OF("email") " AS domain, status FROM deliveries"
		"  WHERE campaign_id = ?1),"
		" b AS (SELECT delivery_id, max(class = 'hard') AS hard, max(class = 'soft') AS soft,"
		"  max(class = 'complaint') AS complaint FROM bounce_events"
		"  WHERE delivery_id IN (SELECT id FROM d) GROUP BY delivery_id),"
		" u AS (SELECT DISTINCT " DOMAIN_OF("email") " AS domain,"
		"  coalesce(subscriber_id, lower(email)) AS who, actor FROM audit_log"
		"  WHERE field = 'membership' AND new_value = 'unsubscribed'"
		"  AND actor IN ('link', 'one-click', 'email') AND detail LIKE ?2)"
		" SELECT domain, sum(n), sum(sent), sum(waiting), sum(deferred), sum(failed),"
		"  sum(hard), sum(soft), sum(complaint), sum(ulink), sum(uone), sum(umail) FROM ("
		"  SELECT d.domain, 1 AS n, d.status = 'sent' AS sent,"
		"   d.status IN ('queued', 'sending') AS waiting, d.status = 'deferred' AS deferred,"
		"   d.status = 'failed' AS failed,"
		"   coalesce(b.hard, 0) OR d.status = 'bounced' AS hard,"
		"   coalesce(b.soft, 0) AND NOT (coalesce(b.hard, 0) OR d.status = 'bounced') AS soft,"
		"   coalesce(b.complaint, 0) AS complaint, 0 AS ulink, 0 AS uone, 0 AS umail"
		"   FROM d LEFT JOIN b ON b.delivery_id = d.id"
		"  UNION ALL"
		"  SELECT domain, 0, 0, 0, 0, 0, 0, 0, 0, actor = 'link', actor = 'one-click',"
		"   actor = 'email' FROM u)"
		" GROUP BY domain ORDER BY sum(n) DESC, domain";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	char mark[48];
	int rc;

	if (s == NULL)
		return -1;
	snprintf(mark, sizeof(mark), "%%" STORE_CAMPAIGN_MARK, (long long)campaign_id);
	sqlite3_bind_int64(s, 1, campaign_id);
	store_bind_text(s, 2, mark);
	while ((rc = store_row(st, s, err, "reading the campaign's report")) > 0) {
		struct report_counts n = {
			.recipients = sqlite3_column_int64(s, 1),
			.sent = sqlite3_column_int64(s, 2),
			.waiting = sqlite3_column_int64(s, 3),
			.deferred = sqlite3_column_int64(s, 4),
			.failed = sqlite3_column_int64(s, 5),
			.hard = sqlite3_column_int64(s, 6),
			.soft = sqlite3_column_int64(s, 7),
			.complaints = sqlite3_column_int64(s, 8),
			.unsub_link = sqlite3_column_int64(s, 9),
			.unsub_oneclick = sqlite3_column_int64(s, 10),
			.unsub_mail = sqlite3_column_int64(s, 11),
		};
		const char *domain = (const char *)sqlite3_column_text(s, 0);

		if (fn(domain ? domain : "", &n, arg) < 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	return rc;
}

int
store_report_span(struct store *st, int64_t campaign_id, int64_t *first, int64_t *last,
                  struct error *err)
{
	static const char sql[] =
		"SELECT min(updated_at), max(updated_at) FROM deliveries"
		" WHERE campaign_id = ? AND status = 'sent'";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*first = *last = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, campaign_id);
	if ((rc = store_row(st, s, err, "reading the campaign's delivery times")) <= 0)
		return rc;
	*first = sqlite3_column_int64(s, 0);
	*last = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 0;
}

int
store_report_timeline(struct store *st, int64_t campaign_id, int64_t origin, int64_t bucket,
                      int (*fn)(int64_t index, int64_t sent, void *), void *arg,
                      struct error *err)
{
	static const char sql[] =
		"SELECT (updated_at - ?2) / ?3 AS k, count(*) FROM deliveries"
		" WHERE campaign_id = ?1 AND status = 'sent' AND updated_at >= ?2"
		" GROUP BY k ORDER BY k";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	if (bucket <= 0)
		return error_setk(err, ERR_INPUT, "a timeline bucket must be positive");
	sqlite3_bind_int64(s, 1, campaign_id);
	sqlite3_bind_int64(s, 2, origin);
	sqlite3_bind_int64(s, 3, bucket);
	while ((rc = store_row(st, s, err, "reading the campaign's timeline")) > 0) {
		if (fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), arg) < 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	return rc;
}
