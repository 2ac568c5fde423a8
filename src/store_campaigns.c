/*
 * store_campaigns - campaigns: what was (or is to be) sent to a list, when,
 * and how far it has got; expanding one into its deliveries; the standing
 * campaigns of mail outreach sends on its own behalf.  The deliveries
 * themselves are in store_deliveries.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

/* format_time - t as "2026-11-30 14:05 UTC", for messages. */
static void
format_time(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
}

static const char *const campaign_names[] = {"draft", "scheduled", "sending", "sent",
                                             "cancelled", "paused"};
static const char *const delivery_names[] = {"queued", "sending", "sent", "deferred", "failed",
                                             "bounced"};

const char *
campaign_status_name(int s)
{
	return s >= 0 && s < CAMPAIGN_NSTATUS ? campaign_names[s] : "?";
}

const char *
delivery_status_name(int s)
{
	return s >= 0 && s < DELIVERY_NSTATUS ? delivery_names[s] : "?";
}

static int
name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

void
campaign_info_free(struct campaign_info *c)
{
	free(c->list_slug);
	free(c->kind);
	free(c->subject);
	free(c->topic);
	free(c->source_name);
	free(c->document);
	free(c->status_reason);
	free(c->last_error);
	free(c->content_hash);
	memset(c, 0, sizeof(*c));
}

int
store_campaign_add(struct store *st, const struct campaign_new *c, int64_t *id, int *existed,
                   struct error *err)
{
	static const char q[] = "SELECT id FROM campaigns WHERE spool_name = ?";
	static const char ins[] =
		"INSERT INTO campaigns (list_id, kind, subject, topic, source_name, spool_name,"
		" document, status, send_at, event_starts, created_at, content_hash, event_id,"
		" audience, period) VALUES (?,?,?,?,?,?,?,'scheduled',?,?,?,?,?,?,?)";
	sqlite3_stmt *s;
	int opened, ok = 0, rc;
	int64_t at;

	*existed = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (c->spool_name) {
		if ((s = store_stmt(st, q, err)) == NULL)
			goto out;
		store_bind_text(s, 1, c->spool_name);
		if ((rc = store_row(st, s, err, "looking up spool file")) < 0)
			goto out;
		if (rc > 0) {
			*id = sqlite3_column_int64(s, 0);
			*existed = 1;
			sqlite3_reset(s);
		}
		if (*existed) {
			ok = 1;
			goto out;
		}
	}
	if (c->content_hash) {
		if (store_campaign_by_content(st, c->content_hash, c->dedup_since, id, &at, err) == 0) {
			char when[32];

			format_time(at, when, sizeof(when));
			error_setk(err, ERR_CONFLICT, "the same text became campaign %lld at %s; a file "
			           "dropped twice is sent once (change it to send it again)",
			           (long long)*id, when);
			goto out;
		}
		if (error_kind(err) != ERR_NOTFOUND)
			goto out;
		error_clear(err);
	}
	if ((s = store_stmt(st, ins, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, c->list_id);
	store_bind_text(s, 2, c->kind);
	store_bind_text(s, 3, c->subject);
	store_bind_text(s, 4, c->topic);
	store_bind_text(s, 5, c->source_name);
	store_bind_text(s, 6, c->spool_name);
	store_bind_text(s, 7, c->document);
	sqlite3_bind_int64(s, 8, c->send_at);
	if (c->event_starts)
		sqlite3_bind_int64(s, 9, c->event_starts);
	sqlite3_bind_int64(s, 10, now_unix());
	store_bind_text(s, 11, c->content_hash);
	if (c->event_id)
		sqlite3_bind_int64(s, 12, c->event_id);
	store_bind_text(s, 13, c->to_event_recipients ? "event" : "list");
	store_bind_text(s, 14, c->period);
	if (store_step_done(st, s, err, "adding campaign") < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

#define CAMPAIGN_COLUMNS                                                                      \
	"SELECT c.id, c.list_id, l.slug, c.kind, c.subject, c.topic, c.source_name, c.document," \
	" c.status_reason, c.status, c.send_at, c.created_at, c.started_at, c.finished_at,"      \
	" c.event_starts, c.content_hash FROM campaigns c JOIN lists l ON l.id = c.list_id"

static int
campaign_counts(struct store *st, struct campaign_info *c, struct error *err)
{
	static const char sql[] =
		"SELECT status, count(*) FROM deliveries WHERE campaign_id = ? GROUP BY status";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, c->id);
	while ((rc = store_row(st, s, err, "counting deliveries")) > 0) {
		int k = name_index(delivery_names, DELIVERY_NSTATUS,
		                   (const char *)sqlite3_column_text(s, 0));

		if (k >= 0) {
			c->counts[k] = sqlite3_column_int64(s, 1);
			c->n_deliveries += c->counts[k];
		}
	}
	return rc;
}

/* campaign_waiting - when the next waiting delivery is due, and what the last deferral said. */
static int
campaign_waiting(struct store *st, struct campaign_info *c, struct error *err)
{
	static const char next[] =
		"SELECT min(next_attempt) FROM deliveries WHERE campaign_id = ?"
		" AND status IN ('queued', 'deferred')";
	static const char last[] =
		"SELECT last_reply FROM deliveries WHERE campaign_id = ? AND status = 'deferred'"
		" AND last_reply IS NOT NULL ORDER BY updated_at DESC LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	if (c->counts[DELIVERY_QUEUED] + c->counts[DELIVERY_DEFERRED] == 0)
		return 0;
	if ((s = store_stmt(st, next, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, c->id);
	if ((rc = store_row(st, s, err, "finding the next attempt")) < 0)
		return -1;
	c->next_attempt = rc ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (c->counts[DELIVERY_DEFERRED] == 0)
		return 0;
	if ((s = store_stmt(st, last, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, c->id);
	if ((rc = store_row(st, s, err, "finding the last error")) < 0)
		return -1;
	if (rc)
		c->last_error = store_col_text(s, 0);
	sqlite3_reset(s);
	return 0;
}

static void
campaign_from_row(sqlite3_stmt *s, struct campaign_info *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->list_id = sqlite3_column_int64(s, 1);
	c->list_slug = store_col_text(s, 2);
	c->kind = store_col_text(s, 3);
	c->subject = store_col_text(s, 4);
	c->topic = store_col_text(s, 5);
	c->source_name = store_col_text(s, 6);
	c->document = store_col_text(s, 7);
	c->status_reason = store_col_text(s, 8);
	c->status = name_index(campaign_names, CAMPAIGN_NSTATUS,
	                       (const char *)sqlite3_column_text(s, 9));
	c->send_at = sqlite3_column_int64(s, 10);
	c->created_at = sqlite3_column_int64(s, 11);
	c->started_at = sqlite3_column_int64(s, 12);
	c->finished_at = sqlite3_column_int64(s, 13);
	c->event_starts = sqlite3_column_int64(s, 14);
	c->content_hash = store_col_text(s, 15);
}

int
store_campaign_get(struct store *st, int64_t id, struct campaign_info *out, struct error *err)
{
	static const char sql[] = CAMPAIGN_COLUMNS " WHERE c.id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = store_row(st, s, err, "reading campaign")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no campaign %lld (see: outreach campaign ls)",
		                  (long long)id);
	campaign_from_row(s, out);
	sqlite3_reset(s);
	if (campaign_counts(st, out, err) < 0 || campaign_waiting(st, out, err) < 0) {
		campaign_info_free(out);
		return -1;
	}
	return 0;
}

int
store_campaign_each(struct store *st, int (*fn)(const struct campaign_info *, void *), void *arg,
                    struct error *err)
{
	static const char sql[] = "SELECT id FROM campaigns ORDER BY id";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = store_row(st, s, err, "listing campaigns")) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	if (rc < 0) {
		free(ids);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct campaign_info c;

		if (store_campaign_get(st, ids[i], &c, err) < 0) {
			rc = -1;
			break;
		}
		rc = fn(&c, arg);
		campaign_info_free(&c);
	}
	free(ids);
	return rc;
}

int
store_campaign_set_status(struct store *st, int64_t id, int status, const char *reason,
                          struct error *err)
{
	static const char sql[] =
		"UPDATE campaigns SET status = ?2, status_reason = ?3,"
		" started_at = CASE WHEN ?2 = 'sending' AND started_at IS NULL THEN ?4"
		"   ELSE started_at END,"
		" finished_at = CASE WHEN ?2 IN ('sent', 'cancelled') THEN ?4 ELSE finished_at END"
		" WHERE id = ?1";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, campaign_status_name(status));
	store_bind_text(s, 3, reason);
	sqlite3_bind_int64(s, 4, now_unix());
	return store_step_done(st, s, err, "changing campaign status");
}

int
store_campaign_set_document(struct store *st, int64_t id, const char *subject,
                            const char *document, struct error *err)
{
	static const char sql[] = "UPDATE campaigns SET subject = ?2, document = ?3 WHERE id = ?1";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, subject);
	store_bind_text(s, 3, document);
	return store_step_done(st, s, err, "setting a campaign's document");
}

int
store_campaign_hold(struct store *st, int64_t id, const char *reason, int *paused,
                    struct error *err)
{
	static const char sql[] =
		"UPDATE campaigns SET status = 'paused', status_reason = ?2"
		" WHERE id = ?1 AND status = 'sending' AND kind NOT IN " SYSTEM_KINDS;
	sqlite3_stmt *s = store_stmt(st, sql, err);

	*paused = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, reason);
	if (store_step_done(st, s, err, "pausing campaign") < 0)
		return -1;
	*paused = sqlite3_changes(st->db) > 0;
	return 0;
}

int
store_campaigns_due(struct store *st, int64_t now, int64_t *ids, int max, int *n,
                    struct error *err)
{
	static const char sql[] =
		"SELECT id FROM campaigns WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at,"
		" id LIMIT ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	while ((rc = store_row(st, s, err, "finding due campaigns")) > 0 && *n < max)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc < 0 ? -1 : 0;
}

int
store_campaign_expand(struct store *st, int64_t id, int64_t now, int64_t *n, struct error *err)
{
	/*
	 * The rule of store_recipients_each (WANTED_MEMBER), as one INSERT ...
	 * SELECT: a newsletter to members taking mail at once, a notice to all
	 * (it is time-bound), a digest to those of its period, each from the
	 * end of what its last digest covered (since).
	 */
	static const char to_list[] =
		"INSERT OR IGNORE INTO deliveries (campaign_id, subscriber_id, email, name, status,"
		" next_attempt, updated_at, since)"
		" SELECT c.id, s.id, s.email, s.name, 'queued', ?2, ?2,"
		"  CASE WHEN c.kind = 'digest' THEN coalesce(s.digest_through, 0) END"
		" FROM campaigns c"
		" JOIN memberships m ON m.list_id = c.list_id"
		" JOIN subscribers s ON s.id = m.subscriber_id"
		" WHERE c.id = ?1 AND " WANTED_MEMBER("c.topic", "?2",
		                                      "CASE c.kind WHEN 'notice' THEN NULL"
		                                      " WHEN 'digest' THEN c.period"
		                                      " ELSE 'immediate' END")
		/* A digest goes only to whom it has something new for (unless sent empty). */
		" AND (c.kind <> 'digest'"
		"  OR NOT EXISTS (SELECT 1 FROM digest_items i WHERE i.campaign_id = c.id)"
		"  OR EXISTS (SELECT 1 FROM digest_items i WHERE i.campaign_id = c.id"
		"   AND i.listed_at > coalesce(s.digest_through, 0) AND (i.topic IS NULL"
		"    OR NOT EXISTS (SELECT 1 FROM subscriber_topics x WHERE x.subscriber_id = s.id)"
		"    OR EXISTS (SELECT 1 FROM subscriber_topics x JOIN topics t ON t.id = x.topic_id"
		"     WHERE x.subscriber_id = s.id AND t.slug = i.topic))))"
		" ORDER BY s.id";
	/* An update or cancellation goes to whoever got the event's earlier mail. */
	static const char to_event[] =
		"INSERT OR IGNORE INTO deliveries (campaign_id, subscriber_id, email, name, status,"
		" next_attempt, updated_at)"
		" SELECT c.id, s.id, s.email, s.name, 'queued', ?2, ?2 FROM campaigns c"
		" JOIN memberships m ON m.list_id = c.list_id"
		" JOIN subscribers s ON s.id = m.subscriber_id"
		" WHERE c.id = ?1 AND m.status = 'active' AND s.status = 'active'"
		" AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email)"
		" AND s.id IN (SELECT d.subscriber_id FROM deliveries d"
		"  JOIN campaigns e ON e.id = d.campaign_id"
		"  WHERE e.event_id = c.event_id AND e.id <> c.id AND d.status = 'sent')"
		" ORDER BY s.id";
	/* What the digest covers is no longer new to those it goes to. */
	static const char through[] =
		"UPDATE subscribers SET digest_through = (SELECT created_at FROM campaigns"
		" WHERE id = ?1) WHERE id IN (SELECT subscriber_id FROM deliveries"
		" WHERE campaign_id = ?1) AND (SELECT kind FROM campaigns WHERE id = ?1) = 'digest'";
	static const char audience[] = "SELECT audience FROM campaigns WHERE id = ?";
	sqlite3_stmt *s;
	int opened, ok = 0, by_event = 0, rc;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, audience, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = store_row(st, s, err, "reading campaign")) < 0)
		goto out;
	if (rc > 0) {
		by_event = strcmp((const char *)sqlite3_column_text(s, 0), "event") == 0;
		sqlite3_reset(s);
	}
	if ((s = store_stmt(st, by_event ? to_event : to_list, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (store_step_done(st, s, err, "expanding campaign") < 0)
		goto out;
	*n = sqlite3_changes(st->db);
	if ((s = store_stmt(st, through, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	if (store_step_done(st, s, err, "recording what the digest covers") < 0)
		goto out;
	if (store_campaign_set_status(st, id, CAMPAIGN_SENDING, NULL, err) < 0)
		goto out;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_campaign_finish_done(struct store *st, int64_t now, struct error *err)
{
	static const char sql[] =
		"UPDATE campaigns SET status = 'sent', finished_at = ?1 WHERE status = 'sending'"
		" AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = campaigns.id"
		"   AND d.status IN ('queued', 'sending', 'deferred'))";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return store_step_done(st, s, err, "finishing campaigns");
}

int
store_campaign_by_spool(struct store *st, const char *name, int64_t *id, struct error *err)
{
	static const char sql[] = "SELECT id FROM campaigns WHERE spool_name = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, name);
	if ((rc = store_row(st, s, err, "finding campaign")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no campaign from spool file %s", name);
	*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int
store_campaign_list(struct store *st, int64_t id, int64_t *list_id, struct error *err)
{
	static const char sql[] = "SELECT list_id FROM campaigns WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = store_row(st, s, err, "reading campaign")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no campaign %lld", (long long)id);
	*list_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int
store_campaign_by_content(struct store *st, const char *content_hash, int64_t since, int64_t *id,
                          int64_t *at, struct error *err)
{
	static const char sql[] =
		"SELECT id, created_at FROM campaigns WHERE content_hash = ? AND created_at >= ?"
		" ORDER BY created_at DESC LIMIT 1";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, content_hash);
	sqlite3_bind_int64(s, 2, since);
	if ((rc = store_row(st, s, err, "finding a campaign by content")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no campaign with that content");
	*id = sqlite3_column_int64(s, 0);
	*at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 0;
}

int
store_campaign_control(struct store *st, int64_t id, int action, struct error *err)
{
	static const char resched[] =
		"UPDATE campaigns SET status = 'scheduled', status_reason = NULL,"
		" send_at = max(send_at, ?2) WHERE id = ?1";
	static const char *const verbs[] = {"paused", "resumed", "cancelled"};
	struct campaign_info c;
	sqlite3_stmt *s;
	int opened, ok = 0, to = -1;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (store_campaign_get(st, id, &c, err) < 0)
		return store_tx_close(st, opened, 0, err);
	switch (action) {
	case CAMPAIGN_PAUSE:
		if (c.status == CAMPAIGN_SCHEDULED || c.status == CAMPAIGN_SENDING)
			to = CAMPAIGN_PAUSED;
		break;
	case CAMPAIGN_RESUME:
		if (c.status == CAMPAIGN_PAUSED)
			to = c.started_at ? CAMPAIGN_SENDING : CAMPAIGN_SCHEDULED;
		break;
	case CAMPAIGN_CANCEL:
		if (c.status != CAMPAIGN_SENT && c.status != CAMPAIGN_CANCELLED)
			to = CAMPAIGN_CANCELLED;
		break;
	}
	if (to < 0) {
		error_setk(err, ERR_CONFLICT, "campaign %lld is %s; it cannot be %s", (long long)id,
		           campaign_status_name(c.status), verbs[action]);
		goto out;
	}
	if (to == CAMPAIGN_SCHEDULED) {
		if ((s = store_stmt(st, resched, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, now_unix());
		if (store_step_done(st, s, err, "resuming campaign") < 0)
			goto out;
	} else if (store_campaign_set_status(st, id, to, action == CAMPAIGN_PAUSE ?
	                                     "paused by admin" : action == CAMPAIGN_CANCEL ?
	                                     "cancelled by admin" : NULL, err) < 0)
		goto out;
	if (to == CAMPAIGN_SENDING) {
		int64_t n;

		/* The operator says go: what waited for the pause goes now. */
		if (store_deliveries_retry(st, id, now_unix(), &n, err) < 0)
			goto out;
	}
	ok = 1;
out:
	campaign_info_free(&c);
	return store_tx_close(st, opened, ok, err);
}

int
store_system_campaign(struct store *st, int64_t list_id, const char *kind, const char *subject,
                      const char *document, int64_t *id, struct error *err)
{
	static const char sel[] = "SELECT id FROM campaigns WHERE list_id = ? AND kind = ?";
	static const char ins[] =
		"INSERT INTO campaigns (list_id, kind, subject, document, status, send_at, created_at,"
		" started_at, finished_at) VALUES (?1,?2,?3,?4,'sent',?5,?5,?5,?5)";
	sqlite3_stmt *s;
	int opened, ok = 0, rc;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sel, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, kind);
	if ((rc = store_row(st, s, err, "looking up a system campaign")) < 0)
		goto out;
	if (rc > 0) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	} else {
		if ((s = store_stmt(st, ins, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, list_id);
		store_bind_text(s, 2, kind);
		store_bind_text(s, 3, subject);
		store_bind_text(s, 4, document);
		sqlite3_bind_int64(s, 5, now_unix());
		if (store_step_done(st, s, err, "creating a system campaign") < 0)
			goto out;
		*id = sqlite3_last_insert_rowid(st->db);
	}
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_system_enqueue(struct store *st, int64_t campaign_id, int64_t subscriber_id,
                     int64_t min_gap, int *queued, struct error *err)
{
	/* A finished message may be sent again, but not sooner than min_gap after the last. */
	static const char ins[] =
		"INSERT INTO deliveries (campaign_id, subscriber_id, email, name, status,"
		" next_attempt, updated_at) SELECT ?1, s.id, s.email, s.name, 'queued', ?3, ?3"
		" FROM subscribers s WHERE s.id = ?2"
		" ON CONFLICT (campaign_id, subscriber_id) DO UPDATE SET status = 'queued',"
		"  attempts = 0, next_attempt = ?3, first_attempt = NULL, last_reply = NULL,"
		"  message_id = NULL, email = excluded.email, name = excluded.name, updated_at = ?3"
		" WHERE deliveries.status IN ('sent', 'failed', 'bounced')"
		"  AND deliveries.updated_at <= ?3 - ?4";
	/* A campaign the operator paused or cancelled stays so; its mail waits. */
	static const char wake[] =
		"UPDATE campaigns SET status = 'sending', finished_at = NULL"
		" WHERE id = ? AND status IN ('sent', 'sending')";
	sqlite3_stmt *s;
	int opened, ok = 0;
	int64_t now = now_unix();

	*queued = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, ins, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, campaign_id);
	sqlite3_bind_int64(s, 2, subscriber_id);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, min_gap);
	if (store_step_done(st, s, err, "queueing a system message") < 0)
		goto out;
	*queued = sqlite3_changes(st->db) > 0;
	if (*queued) {
		if ((s = store_stmt(st, wake, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, campaign_id);
		if (store_step_done(st, s, err, "starting a system campaign") < 0)
			goto out;
	}
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

