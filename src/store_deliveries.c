/*
 * store_deliveries - per-recipient delivery state.
 *
 * Delivery state follows "commit before the side effect": a delivery is
 * marked 'sending' before its message is handed to the relay and marked
 * with the outcome after, so after a crash every 'sending' row is exactly
 * a message whose outcome is unknown.
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
		"unsubscribed, bounced, complained, paused its mail or was suppressed after the "
		"campaign began',"
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
		(*n)++;
	}
	if (rc < 0)
		goto out;
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
	while ((rc = store_row(st, s, err, "finding unknown outcomes")) > 0) {
		if (fn)
			fn(sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1), arg);
		(*n)++;
	}
	if (rc < 0)
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
