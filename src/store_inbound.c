/*
 * store_inbound - mail that came back (each message recorded once, by
 * Message-ID and content hash, in the same transaction as its effects) and
 * the bounce events it, or a relay's refusal at send time, gave rise to,
 * with the decision taken on each.  What a bounce means is decided by the
 * policy module (policy.h); this file records it and supplies the facts:
 * the soft-bounce score and where a probe would go.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int
store_inbound_seen(struct store *st, const char *key, int *seen, struct error *err)
{
	static const char sql[] = "SELECT 1 FROM inbound WHERE message_key = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	if ((rc = store_row(st, s, err, "reading inbound")) < 0)
		return -1;
	sqlite3_reset(s);
	*seen = rc > 0;
	return 0;
}

int
store_inbound_add(struct store *st, const char *key, const char *kind, const char *summary,
                  int64_t *id, struct error *err)
{
	static const char sql[] =
		"INSERT INTO inbound (message_key, at, kind, summary) VALUES (?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, now_unix());
	store_bind_text(s, 3, kind);
	store_bind_text(s, 4, summary);
	if (store_step_done(st, s, err, "recording inbound message") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/*
 * A message "got through" when it was sent and no bounce followed within
 * a day (or named it since).  Bounces for mailbox-full and the like come
 * back within hours; a later one (a queue giving up after days) still
 * counts, because only bounces before the success are forgiven.
 */
enum { GOT_THROUGH_AFTER = 86400 };

int
store_soft_score(struct store *st, int64_t subscriber_id, int window_days, int64_t *score,
                 struct error *err)
{
	/* Events the policy counted, within the window, after the last message that got through. */
	static const char sql[] =
		"SELECT count(DISTINCT at / 86400) FROM bounce_events WHERE subscriber_id = ?1"
		" AND counted AND at >= ?2 AND at > coalesce(("
		"  SELECT max(d.updated_at) FROM deliveries d WHERE d.subscriber_id = ?1"
		"   AND d.status = 'sent' AND d.updated_at <= ?3 - ?4"
		"   AND NOT EXISTS (SELECT 1 FROM bounce_events b WHERE b.subscriber_id = ?1"
		"    AND b.class IN ('hard', 'soft') AND (b.delivery_id = d.id"
		"     OR (b.at >= d.updated_at AND b.at < d.updated_at + ?4)))), 0)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int64_t now = now_unix();
	int rc;

	*score = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, subscriber_id);
	sqlite3_bind_int64(s, 2, now - (int64_t)window_days * 86400);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, GOT_THROUGH_AFTER);
	if ((rc = store_row(st, s, err, "scoring soft bounces")) <= 0)
		return rc < 0 ? -1 : 0;
	*score = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int
store_bounce_record(struct store *st, const struct bounce_event *ev, const char *decision,
                    int64_t *id, struct error *err)
{
	static const char sql[] =
		"INSERT INTO bounce_events (inbound_id, at, subscriber_id, email, delivery_id, class,"
		" status, reason, diagnostic, counted, decision) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	if (ev->inbound_id > 0)
		sqlite3_bind_int64(s, 1, ev->inbound_id);
	sqlite3_bind_int64(s, 2, now_unix());
	if (ev->subscriber_id > 0)
		sqlite3_bind_int64(s, 3, ev->subscriber_id);
	store_bind_text(s, 4, ev->email);
	if (ev->delivery_id > 0)
		sqlite3_bind_int64(s, 5, ev->delivery_id);
	store_bind_text(s, 6, ev->class_name);
	store_bind_text(s, 7, ev->status);
	store_bind_text(s, 8, ev->reason);
	store_bind_text(s, 9, ev->diagnostic);
	sqlite3_bind_int(s, 10, ev->counted ? 1 : 0);
	store_bind_text(s, 11, decision);
	if (store_step_done(st, s, err, "recording bounce") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_bounce_set_decision(struct store *st, int64_t id, const char *decision, struct error *err)
{
	static const char sql[] = "UPDATE bounce_events SET decision = ? WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, decision);
	sqlite3_bind_int64(s, 2, id);
	return store_step_done(st, s, err, "recording a bounce decision");
}
