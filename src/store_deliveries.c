/*
 * store_deliveries - per-recipient delivery state.
 *
 * Delivery state follows "commit before the side effect": a delivery's
 * hand-over is committed before its message's data may reach the relay,
 * and its outcome after, so after a crash every hand-over without an outcome
 * is exactly a message whose outcome is unknown.  Both go to the delivery
 * journal first, a table of a few rows whose commits write a page or two
 * (a commit per step of the queue runner stays cheap), and are applied to
 * deliveries in batches.  Claiming writes nothing.  Rows left 'sending' by
 * versions before the journal are in doubt the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

void
delivery_jobs_free(struct delivery_job *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		free(jobs[i].email);
		free(jobs[i].name);
		free(jobs[i].topics);
	}
	free(jobs);
}

int
store_deliveries_claim(struct store *st, int64_t now, int max, const int64_t *skip, int nskip,
                       struct delivery_job **jobs, int *n, struct error *err)
{
	/* no ORDER BY: sorting every due row for each claim costs too much */
	static const char sel[] =
		"SELECT d.id, d.campaign_id, d.subscriber_id, d.email, d.name, d.attempts,"
		" coalesce(d.first_attempt, ?1), " STILL_WANTED ", coalesce(d.since, -1),"
		" CASE WHEN d.since IS NOT NULL THEN (SELECT group_concat(slug, ';') FROM"
		"  (SELECT t.slug FROM subscriber_topics x JOIN topics t ON t.id = x.topic_id"
		"   WHERE x.subscriber_id = d.subscriber_id ORDER BY t.slug)) END"
		" FROM deliveries d"
		" JOIN campaigns c ON c.id = d.campaign_id AND c.status = 'sending'"
		" WHERE d.status IN ('queued', 'deferred') AND d.next_attempt <= ?1"
		" AND d.id NOT IN (SELECT delivery_id FROM delivery_journal)"
		" AND d.id NOT IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18) LIMIT ?2";
	static const char drop[] =
		"UPDATE deliveries SET status = 'failed', last_reply = 'not sent: the address "
		"unsubscribed, bounced, complained, paused its mail or was suppressed after the "
		"campaign began',"
		" updated_at = ?2 WHERE id = ?1";
	int64_t *unwanted = NULL;
	int n_unwanted = 0, cap_unwanted = 0;
	struct delivery_job *j = NULL;
	sqlite3_stmt *s;
	int opened, ok = 0, rc, cap = 0;

	*n = 0;
	if (nskip > CLAIM_SKIP_MAX)
		return error_set(err, "claiming deliveries: %d to skip, at most %d", nskip,
		                 CLAIM_SKIP_MAX);
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sel, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	for (int i = 0; i < CLAIM_SKIP_MAX; i++)
		sqlite3_bind_int64(s, 3 + i, i < nskip ? skip[i] : 0);
	while ((rc = store_row(st, s, err, "claiming deliveries")) > 0) {
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
		j[*n].since = sqlite3_column_int64(s, 8);
		j[*n].topics = store_col_text(s, 9);
		(*n)++;
	}
	if (rc < 0)
		goto out;
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
	static const char handover[] =
		"INSERT INTO delivery_journal (delivery_id, handed_at) VALUES (?1, ?2)"
		" ON CONFLICT (delivery_id) DO UPDATE SET handed_at = excluded.handed_at";
	static const char change[] =
		"INSERT INTO delivery_journal (delivery_id, change, status, next_attempt, reply,"
		" message_id) VALUES (?1, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (delivery_id) DO UPDATE SET change = excluded.change,"
		" status = excluded.status, next_attempt = excluded.next_attempt,"
		" reply = excluded.reply, message_id = excluded.message_id";
	int opened, ok = 0;
	int64_t now = now_unix();

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int handed = r[i].change == DELIVERY_HANDOVER;
		int deferred = r[i].change != DELIVERY_OUTCOME || r[i].status == DELIVERY_DEFERRED;
		sqlite3_stmt *s = store_stmt(st, handed ? handover : change, err);

		if (s == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, r[i].id);
		if (handed)
			sqlite3_bind_int64(s, 2, now);
		else {
			sqlite3_bind_int(s, 3, r[i].change);
			store_bind_text(s, 4, r[i].change == DELIVERY_OUTCOME ?
			                delivery_status_name(r[i].status) : NULL);
			sqlite3_bind_int64(s, 5, deferred ? r[i].next_attempt : now);
			store_bind_text(s, 6, r[i].reply);
			store_bind_text(s, 7, r[i].message_id);
		}
		if (store_step_done(st, s, err, "recording delivery") < 0)
			goto out;
	}
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

/*
 * The journal's changes, applied: an outcome sets status, next attempt and
 * reply; an undone attempt defers without counting; pacing defers too but
 * keeps an earlier reply as the last one.  A hand-over counts an attempt
 * unless it was undone.
 */
#define APPLY_JOURNAL(cond)                                                                 \
	"UPDATE deliveries AS d SET"                                                          \
	" status = CASE j.change WHEN 0 THEN j.status ELSE 'deferred' END,"                    \
	" next_attempt = j.next_attempt,"                                                      \
	" last_reply = CASE WHEN j.change = 3 THEN coalesce(d.last_reply, j.reply)"            \
	"  ELSE j.reply END,"                                                                  \
	" message_id = coalesce(j.message_id, d.message_id),"                                  \
	" attempts = d.attempts + (j.handed_at IS NOT NULL AND j.change <> 2),"                \
	" first_attempt = CASE WHEN j.handed_at IS NOT NULL AND j.change <> 2"                 \
	"  THEN coalesce(d.first_attempt, j.handed_at) ELSE d.first_attempt END,"              \
	" updated_at = ?1 FROM delivery_journal j WHERE j.delivery_id = d.id AND " cond

int
store_deliveries_apply(struct store *st, int64_t *n, struct error *err)
{
	static const char apply[] = APPLY_JOURNAL("j.change IS NOT NULL");
	static const char drop[] = "DELETE FROM delivery_journal WHERE change IS NOT NULL";
	sqlite3_stmt *s;
	int opened, ok = 0;

	if (n)
		*n = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, apply, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now_unix());
	if (store_step_done(st, s, err, "applying the delivery journal") < 0)
		goto out;
	if (n)
		*n = sqlite3_changes(st->db);
	if ((s = store_stmt(st, drop, err)) == NULL ||
	    store_step_done(st, s, err, "emptying the delivery journal") < 0)
		goto out;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_deliveries_postpone(struct store *st, int64_t until, int64_t *n, struct error *err)
{
	static const char sql[] =
		"UPDATE deliveries SET next_attempt = ?1 WHERE status IN ('queued', 'deferred')"
		" AND next_attempt < ?1"
		" AND campaign_id IN (SELECT id FROM campaigns WHERE status = 'sending')";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, until);
	if (store_step_done(st, s, err, "postponing deliveries") < 0)
		return -1;
	*n = sqlite3_changes(st->db);
	return 0;
}

int
store_deliveries_retry(struct store *st, int64_t id, int64_t now, int64_t *n, struct error *err)
{
	static const char sql[] =
		"UPDATE deliveries SET next_attempt = ?2 WHERE campaign_id = ?1"
		" AND status IN ('queued', 'deferred') AND next_attempt > ?2";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (store_step_done(st, s, err, "retrying deliveries") < 0)
		return -1;
	*n = sqlite3_changes(st->db);
	return 0;
}

int
store_deliveries_recover(struct store *st, int resend,
                         void (*fn)(int64_t campaign, const char *email, void *), void *arg,
                         int64_t *n, struct error *err)
{
	static const char sel[] =
		"SELECT campaign_id, email FROM deliveries WHERE status = 'sending'"
		" OR id IN (SELECT delivery_id FROM delivery_journal) ORDER BY id";
	static const char handed[] =
		"UPDATE deliveries AS d SET status = 'sending', attempts = d.attempts + 1,"
		" first_attempt = coalesce(d.first_attempt, j.handed_at)"
		" FROM delivery_journal j WHERE j.delivery_id = d.id";
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
	/* Outcomes known before the crash first; then hand-overs without one are in doubt. */
	if (store_deliveries_apply(st, NULL, err) < 0 || (s = store_stmt(st, sel, err)) == NULL)
		goto out;
	while ((rc = store_row(st, s, err, "finding unknown outcomes")) > 0) {
		if (fn)
			fn(sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1), arg);
		(*n)++;
	}
	if (rc < 0)
		goto out;
	if ((s = store_stmt(st, handed, err)) == NULL ||
	    store_step_done(st, s, err, "recovering hand-overs") < 0 ||
	    (s = store_stmt(st, "DELETE FROM delivery_journal", err)) == NULL ||
	    store_step_done(st, s, err, "emptying the delivery journal") < 0)
		goto out;
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

	*when = 0;
	if (s == NULL)
		return -1;
	if ((rc = store_row(st, s, err, "finding next due time")) <= 0)
		return rc < 0 ? -1 : 0;
	*when = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
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
	if ((rc = store_row(st, s, err, "looking up a delivery's campaign")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no delivery %lld", (long long)delivery_id);
	*list_id = sqlite3_column_int64(s, 0);
	*kind = store_col_text(s, 1);
	sqlite3_reset(s);
	return 0;
}

int
store_delivery_lookup(struct store *st, int64_t delivery_id, int64_t *subscriber_id,
                      struct error *err)
{
	static const char sql[] = "SELECT subscriber_id FROM deliveries WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, delivery_id);
	if ((rc = store_row(st, s, err, "reading delivery")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no delivery %lld", (long long)delivery_id);
	*subscriber_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int
store_delivery_by_message_id(struct store *st, const char *message_id, int64_t *delivery_id,
                             struct error *err)
{
	static const char sql[] = "SELECT id FROM deliveries WHERE message_id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, message_id);
	if ((rc = store_row(st, s, err, "reading delivery")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no delivery carried %s", message_id);
	*delivery_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}
