/*
 * store_campaigns - campaigns and their per-recipient deliveries.
 *
 * Delivery state follows "commit before the side effect": a delivery is
 * marked 'sending' before its message is handed to the relay and marked
 * with the outcome after, so after a crash every 'sending' row is exactly
 * a message whose outcome is unknown.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

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
	memset(c, 0, sizeof(*c));
}

int
store_campaign_add(struct store *st, const struct campaign_new *c, int64_t *id, int *existed,
                   struct error *err)
{
	static const char q[] = "SELECT id FROM campaigns WHERE spool_name = ?";
	static const char ins[] =
		"INSERT INTO campaigns (list_id, kind, subject, topic, source_name, spool_name,"
		" document, status, send_at, event_starts, created_at)"
		" VALUES (?,?,?,?,?,?,?,'scheduled',?,?,?)";
	sqlite3_stmt *s;
	int opened, ok = 0, rc;

	*existed = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (c->spool_name) {
		if ((s = store_stmt(st, q, err)) == NULL)
			goto out;
		store_bind_text(s, 1, c->spool_name);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*id = sqlite3_column_int64(s, 0);
			*existed = 1;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_sql_error(st, err, "looking up spool file");
			goto out;
		}
		if (*existed) {
			ok = 1;
			goto out;
		}
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
	" c.event_starts FROM campaigns c JOIN lists l ON l.id = c.list_id"

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
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = name_index(delivery_names, DELIVERY_NSTATUS,
		                   (const char *)sqlite3_column_text(s, 0));

		if (k >= 0) {
			c->counts[k] = sqlite3_column_int64(s, 1);
			c->n_deliveries += c->counts[k];
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sql_error(st, err, "counting deliveries");
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
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		campaign_from_row(s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return error_set(err, "no campaign %lld (see: outreach campaign ls)", (long long)id);
	if (rc != SQLITE_ROW)
		return store_sql_error(st, err, "reading campaign");
	if (campaign_counts(st, out, err) < 0) {
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
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(ids);
		return store_sql_error(st, err, "listing campaigns");
	}
	rc = 0;
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
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sql_error(st, err, "finding due campaigns");
	return 0;
}

int
store_campaign_expand(struct store *st, int64_t id, int64_t now, int64_t *n, struct error *err)
{
	/* The rule of store_recipients_each (WANTED_MEMBER), as one INSERT ... SELECT. */
	static const char sql[] =
		"INSERT OR IGNORE INTO deliveries (campaign_id, subscriber_id, email, name, status,"
		" next_attempt, updated_at)"
		" SELECT c.id, s.id, s.email, s.name, 'queued', ?2, ?2 FROM campaigns c"
		" JOIN memberships m ON m.list_id = c.list_id"
		" JOIN subscribers s ON s.id = m.subscriber_id"
		" WHERE c.id = ?1 AND " WANTED_MEMBER("c.topic") " ORDER BY s.id";
	sqlite3_stmt *s;
	int opened, ok = 0;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sql, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (store_step_done(st, s, err, "expanding campaign") < 0)
		goto out;
	*n = sqlite3_changes(st->db);
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

void
delivery_jobs_free(struct delivery_job *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		free(jobs[i].email);
		free(jobs[i].name);
	}
	free(jobs);
}

int
store_deliveries_claim(struct store *st, int64_t now, int max, struct delivery_job **jobs,
                       int *n, struct error *err)
{
	static const char sel[] =
		"SELECT d.id, d.campaign_id, d.subscriber_id, d.email, d.name, d.attempts,"
		" coalesce(d.first_attempt, ?1), " STILL_WANTED " FROM deliveries d"
		" JOIN campaigns c ON c.id = d.campaign_id AND c.status = 'sending'"
		" WHERE d.status IN ('queued', 'deferred') AND d.next_attempt <= ?1"
		" LIMIT ?2"; /* no ORDER BY: sorting every due row for each claim costs too much */
	static const char upd[] =
		"UPDATE deliveries SET status = 'sending', attempts = attempts + 1,"
		" first_attempt = coalesce(first_attempt, ?2), updated_at = ?2 WHERE id = ?1";
	static const char drop[] =
		"UPDATE deliveries SET status = 'failed', last_reply = 'not sent: the address "
		"unsubscribed, bounced, complained or was suppressed after the campaign began',"
		" updated_at = ?2 WHERE id = ?1";
	int64_t *unwanted = NULL;
	int n_unwanted = 0, cap_unwanted = 0;
	struct delivery_job *j = NULL;
	sqlite3_stmt *s;
	int opened, ok = 0, rc, cap = 0;

	*n = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sel, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!sqlite3_column_int(s, 7)) {
			if (n_unwanted == cap_unwanted) {
				cap_unwanted = cap_unwanted ? cap_unwanted * 2 : 16;
				unwanted = xrealloc(unwanted, (size_t)cap_unwanted * sizeof(*unwanted));
			}
			unwanted[n_unwanted++] = sqlite3_column_int64(s, 0);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			j = xrealloc(j, (size_t)cap * sizeof(*j));
		}
		j[*n].id = sqlite3_column_int64(s, 0);
		j[*n].campaign_id = sqlite3_column_int64(s, 1);
		j[*n].subscriber_id = sqlite3_column_int64(s, 2);
		j[*n].email = store_col_text(s, 3);
		j[*n].name = store_col_text(s, 4);
		j[*n].attempts = sqlite3_column_int(s, 5) + 1;
		j[*n].first_attempt = sqlite3_column_int64(s, 6);
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_sql_error(st, err, "claiming deliveries");
		goto out;
	}
	for (int i = 0; i < *n; i++) {
		if ((s = store_stmt(st, upd, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, j[i].id);
		sqlite3_bind_int64(s, 2, now);
		if (store_step_done(st, s, err, "claiming delivery") < 0)
			goto out;
	}
	for (int i = 0; i < n_unwanted; i++) {
		if ((s = store_stmt(st, drop, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, unwanted[i]);
		sqlite3_bind_int64(s, 2, now);
		if (store_step_done(st, s, err, "dropping an unwanted delivery") < 0)
			goto out;
	}
	ok = 1;
out:
	free(unwanted);
	if (!ok) {
		delivery_jobs_free(j, *n);
		j = NULL;
		*n = 0;
	}
	*jobs = j;
	return store_tx_close(st, opened, ok, err);
}

int
store_deliveries_record(struct store *st, const struct delivery_result *r, int n,
                        struct error *err)
{
	static const char sql[] =
		"UPDATE deliveries SET status = ?2, next_attempt = ?3,"
		" last_reply = CASE WHEN ?7 AND last_reply IS NOT NULL THEN last_reply ELSE ?4 END,"
		" message_id = coalesce(?5, message_id), updated_at = ?6,"
		" attempts = attempts - ?7,"
		" first_attempt = CASE WHEN attempts - ?7 > 0 THEN first_attempt END WHERE id = ?1";
	int opened, ok = 0;
	int64_t now = now_unix();

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *s = store_stmt(st, sql, err);

		if (s == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, r[i].id);
		store_bind_text(s, 2, delivery_status_name(r[i].status));
		sqlite3_bind_int64(s, 3, r[i].status == DELIVERY_DEFERRED ? r[i].next_attempt : now);
		store_bind_text(s, 4, r[i].reply);
		store_bind_text(s, 5, r[i].message_id);
		sqlite3_bind_int64(s, 6, now);
		sqlite3_bind_int(s, 7, r[i].not_attempted ? 1 : 0);
		if (store_step_done(st, s, err, "recording delivery") < 0)
			goto out;
	}
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_deliveries_recover(struct store *st, int resend,
                         void (*fn)(int64_t campaign, const char *email, void *), void *arg,
                         int64_t *n, struct error *err)
{
	static const char sel[] =
		"SELECT campaign_id, email FROM deliveries WHERE status = 'sending' ORDER BY id";
	static const char requeue[] =
		"UPDATE deliveries SET status = 'queued', last_reply = 'outcome unknown after a"
		" restart; sent again', updated_at = ?1 WHERE status = 'sending'";
	static const char skip[] =
		"UPDATE deliveries SET status = 'failed', last_reply = 'outcome unknown after a"
		" restart; not sent again (unknown_outcome = skip)', updated_at = ?1"
		" WHERE status = 'sending'";
	sqlite3_stmt *s;
	int opened, ok = 0, rc;

	*n = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sel, err)) == NULL)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn)
			fn(sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1), arg);
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_sql_error(st, err, "finding unknown outcomes");
		goto out;
	}
	if ((s = store_stmt(st, resend ? requeue : skip, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now_unix());
	if (store_step_done(st, s, err, "recovering deliveries") < 0)
		goto out;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_deliveries_expire(struct store *st, int64_t cutoff, int64_t *n, struct error *err)
{
	static const char sql[] =
		"UPDATE deliveries SET status = 'failed', last_reply = 'gave up: ' ||"
		" coalesce(last_reply, 'no reply'), updated_at = ?2"
		" WHERE status = 'deferred' AND first_attempt < ?1";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cutoff);
	sqlite3_bind_int64(s, 2, now_unix());
	if (store_step_done(st, s, err, "expiring deliveries") < 0)
		return -1;
	*n = sqlite3_changes(st->db);
	return 0;
}

int
store_next_due(struct store *st, int64_t *when, struct error *err)
{
	static const char sql[] =
		"SELECT min(t) FROM (SELECT min(d.next_attempt) AS t FROM deliveries d"
		"  JOIN campaigns c ON c.id = d.campaign_id AND c.status = 'sending'"
		"  WHERE d.status IN ('queued', 'deferred')"
		" UNION ALL SELECT min(send_at) FROM campaigns WHERE status = 'scheduled')";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	*when = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_sql_error(st, err, "finding next due time");
	return 0;
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
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return error_set(err, "no campaign from spool file %s", name);
	if (rc != SQLITE_ROW)
		return store_sql_error(st, err, "finding campaign");
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
		error_set(err, "campaign %lld is %s; it cannot be %s", (long long)id,
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
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sql_error(st, err, "looking up a system campaign");
		goto out;
	}
	if (rc == SQLITE_DONE) {
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

int
store_delivery_campaign(struct store *st, int64_t delivery_id, int64_t *list_id, char **kind,
                        struct error *err)
{
	static const char sql[] =
		"SELECT c.list_id, c.kind FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id"
		" WHERE d.id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*list_id = 0;
	*kind = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, delivery_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*list_id = sqlite3_column_int64(s, 0);
		*kind = store_col_text(s, 1);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return error_set(err, "no delivery %lld", (long long)delivery_id);
	if (rc != SQLITE_ROW)
		return store_sql_error(st, err, "looking up a delivery's campaign");
	return 0;
}
