/*
 * store_bounces - what happens to subscribers when mail comes back: the
 * record of each processed message, and the bounce policy (Mailman-like
 * scoring that fades), all inside the caller's transaction.
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
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_error(st, err, "reading inbound");
	*seen = rc == SQLITE_ROW;
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

int
store_delivery_lookup(struct store *st, int64_t delivery_id, int64_t *subscriber_id,
                      char **email, struct error *err)
{
	static const char sql[] = "SELECT subscriber_id, email FROM deliveries WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, delivery_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*subscriber_id = sqlite3_column_int64(s, 0);
		if (email)
			*email = store_col_text(s, 1);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return store_sql_error(st, err, "reading delivery");
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
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*delivery_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return store_sql_error(st, err, "reading delivery");
}

int
store_subscriber_id(struct store *st, const char *email, int64_t *id, struct error *err)
{
	static const char sql[] = "SELECT id FROM subscribers WHERE email = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	rc = sqlite3_step(s);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_error(st, err, "reading subscriber");
	return 0;
}

int
store_subscriber_status(struct store *st, int64_t id, int *status, char **email,
                        struct error *err)
{
	static const char sql[] = "SELECT status, email FROM subscribers WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*status = -1;
	*email = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*status = sub_status_parse((const char *)sqlite3_column_text(s, 0));
		*email = store_col_text(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_error(st, err, "reading subscriber");
	return 0;
}

int
store_unsubscribe(struct store *st, int64_t subscriber_id, int64_t list_id, int actor,
                  const char *detail, struct error *err)
{
	static const char audit[] =
		"INSERT INTO audit_log (at, subscriber_id, email, list, field, old_value, new_value,"
		" actor, detail) SELECT ?1, s.id, s.email, l.slug, 'membership', m.status,"
		" 'unsubscribed', ?4, ?5 FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id"
		" JOIN lists l ON l.id = m.list_id WHERE m.subscriber_id = ?2"
		" AND (?3 = 0 OR m.list_id = ?3) AND m.status != 'unsubscribed'";
	static const char upd[] =
		"UPDATE memberships SET status = 'unsubscribed', updated_at = ?1"
		" WHERE subscriber_id = ?2 AND (?3 = 0 OR list_id = ?3) AND status != 'unsubscribed'";
	sqlite3_stmt *s;
	int opened, ok = 0;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, audit, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now_unix());
	sqlite3_bind_int64(s, 2, subscriber_id);
	sqlite3_bind_int64(s, 3, list_id);
	store_bind_text(s, 4, actor_name(actor));
	store_bind_text(s, 5, detail);
	if (store_step_done(st, s, err, "auditing unsubscribe") < 0)
		goto out;
	if ((s = store_stmt(st, upd, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now_unix());
	sqlite3_bind_int64(s, 2, subscriber_id);
	sqlite3_bind_int64(s, 3, list_id);
	if (store_step_done(st, s, err, "unsubscribing") < 0)
		goto out;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

/*
 * A message "got through" when it was sent and no bounce followed within
 * a day (or named it since).  Bounces for mailbox-full and the like come
 * back within hours; a later one (a queue giving up after days) still
 * counts, because only bounces before the success are forgiven.
 */
enum { GOT_THROUGH_AFTER = 86400 };

/*
 * soft_score - soft bounces that count now: within the window, after the
 * last message that got through, at most one a day.  A 5.7.x refusal of
 * our own mail says nothing about the address and never counts.
 */
static int
soft_score(struct store *st, int64_t subscriber_id, int window_days, int64_t *score,
           struct error *err)
{
	static const char sql[] =
		"SELECT count(DISTINCT at / 86400) FROM bounce_events WHERE subscriber_id = ?1"
		" AND class = 'soft' AND coalesce(status, '') NOT LIKE '5.7.%'"
		" AND at >= ?2 AND at > coalesce(("
		"  SELECT max(d.updated_at) FROM deliveries d WHERE d.subscriber_id = ?1"
		"   AND d.status = 'sent' AND d.updated_at <= ?3 - ?4"
		"   AND NOT EXISTS (SELECT 1 FROM bounce_events b WHERE b.subscriber_id = ?1"
		"    AND b.class IN ('hard', 'soft') AND (b.delivery_id = d.id"
		"     OR (b.at >= d.updated_at AND b.at < d.updated_at + ?4)))), 0)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int64_t now = now_unix();
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, subscriber_id);
	sqlite3_bind_int64(s, 2, now - (int64_t)window_days * 86400);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, GOT_THROUGH_AFTER);
	rc = sqlite3_step(s);
	*score = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_sql_error(st, err, "scoring soft bounces");
	return 0;
}

/*
 * probe_list - where a probe for this bounce would go: 0 when the bounce
 * is of a probe itself (so the address is disabled now), else the list of
 * the bounced message, else the subscriber's first active list (-1 if none).
 */
static int
probe_list(struct store *st, const struct bounce_event *ev, int64_t *list, struct error *err)
{
	static const char first[] =
		"SELECT list_id FROM memberships WHERE subscriber_id = ? AND status = 'active'"
		" ORDER BY list_id LIMIT 1";
	struct error e = ERROR_INIT;
	sqlite3_stmt *s;
	char *kind = NULL;
	int rc;

	*list = -1;
	if (ev->delivery_id > 0 && store_delivery_campaign(st, ev->delivery_id, list, &kind, &e) == 0) {
		if (strcmp(kind, "probe") == 0)
			*list = 0;
		free(kind);
		return 0;
	}
	error_clear(&e);
	if ((s = store_stmt(st, first, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, ev->subscriber_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*list = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_error(st, err, "finding a list to probe on");
	return 0;
}

/* record_event - the bounce and what was decided; *id for set_decision (may be NULL). */
static int
record_event(struct store *st, const struct bounce_event *ev, const char *decision, int64_t *id,
             struct error *err)
{
	static const char sql[] =
		"INSERT INTO bounce_events (inbound_id, at, subscriber_id, email, delivery_id, class,"
		" status, reason, diagnostic, decision) VALUES (?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
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
	store_bind_text(s, 10, decision);
	if (store_step_done(st, s, err, "recording bounce") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* set_decision - the final decision of a bounce recorded before it was known. */
static int
set_decision(struct store *st, int64_t id, const char *decision, struct error *err)
{
	static const char sql[] = "UPDATE bounce_events SET decision = ? WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, decision);
	sqlite3_bind_int64(s, 2, id);
	return store_step_done(st, s, err, "recording a bounce decision");
}

int
store_bounce_apply(struct store *st, const struct bounce_event *ev,
                    const struct bounce_policy *policy, int64_t *probe_on, char **decision,
                    struct error *err)
{
	char *email = NULL, *detail = NULL, *why = NULL, *what = NULL;
	int status, rc = -1, soft;
	int64_t score = 0, list = -1, event = 0;
	int refusal = ev->status && strncmp(ev->status, "5.7.", 4) == 0;

	*decision = NULL;
	*probe_on = 0;
	if (ev->subscriber_id <= 0) {
		*decision = xstrdup("recorded: no subscriber matches");
		return record_event(st, ev, *decision, NULL, err);
	}
	if (store_subscriber_status(st, ev->subscriber_id, &status, &email, err) < 0)
		return -1;
	soft = strcmp(ev->class_name, "soft") == 0;
	detail = xasprintf("%s bounce %s%s%s", ev->class_name, ev->status ? ev->status : "",
	                   ev->diagnostic ? ": " : "", ev->diagnostic ? ev->diagnostic : "");
	if (status < 0) {
		*decision = xstrdup("recorded: subscriber was removed");
	} else if (strcmp(ev->class_name, "complaint") == 0) {
		*decision = xstrdup("complained: unsubscribed from every list");
		if ((status != SUB_COMPLAINED &&
		     store_set_status(st, ev->subscriber_id, email, status, SUB_COMPLAINED, ACTOR_BOUNCE,
		                "complaint (feedback report)", err) < 0) ||
		    store_unsubscribe(st, ev->subscriber_id, 0, ACTOR_BOUNCE,
		                      "complaint (feedback report)", err) < 0)
			goto out;
	} else if (status == SUB_BOUNCED || status == SUB_COMPLAINED ||
	           status == SUB_UNSUBSCRIBED) {
		*decision = xasprintf("recorded: already %s", sub_status_name(status));
	} else if (refusal) {
		*decision = xstrdup("recorded: a policy refusal of our mail, not of the address");
	} else if (strcmp(ev->class_name, "hard") == 0 || soft) {
		/* Record a soft bounce first, so it counts in the score. */
		if (soft && (record_event(st, ev, "counted", &event, err) < 0 ||
		             soft_score(st, ev->subscriber_id, policy->soft_window_days, &score,
		                        err) < 0))
			goto out;
		/* Only an active subscriber is probed: an unconfirmed one gets no mail but its request. */
		if (policy->probe && status == SUB_ACTIVE && probe_list(st, ev, &list, err) < 0)
			goto out;
		if (soft && score < policy->soft_threshold && list != 0) {
			*decision = xasprintf("counted: soft bounce score %lld of %d", (long long)score,
			                      policy->soft_threshold);
			goto recorded;
		}
		if (list == 0)
			why = xasprintf("the probe message bounced too (%s)", detail);
		else if (soft)
			why = xasprintf("%lld soft bounces on different days within %d days",
			                (long long)score, policy->soft_window_days);
		else
			why = xstrdup("hard bounce");
		if (policy->probe && list > 0) {
			*decision = xasprintf("probing: %s; a probe message goes out first", why);
			*probe_on = list;
		} else {
			*decision = xasprintf("disabled: %s", why);
			if (store_set_status(st, ev->subscriber_id, email, status, SUB_BOUNCED,
			                     ACTOR_BOUNCE, soft || list == 0 ? *decision : detail,
			                     err) < 0)
				goto out;
		}
	} else
		*decision = xstrdup("recorded");
recorded:
	if (event ? set_decision(st, event, *decision, err) < 0
	          : record_event(st, ev, *decision, NULL, err) < 0)
		goto out;
	/* The subscriber's history shows every bounce and what it led to. */
	what = xasprintf("%s %s", ev->class_name, ev->status ? ev->status : "");
	if (status >= 0 && store_audit(st, ev->subscriber_id, email, 0, "bounce", NULL, what,
	                               ACTOR_BOUNCE, *decision, err) < 0)
		goto out;
	rc = 0;
out:
	free(email);
	free(detail);
	free(why);
	free(what);
	return rc;
}
