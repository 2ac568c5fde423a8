/*
 * store_preferences - what the web pages read and change on a subscriber's
 * behalf: the preference centre's choices and their saving, sign-up through
 * the public form, when a confirmation request went out, the data export's
 * rows and erasure.  Every change is the subscriber's own (or, for a
 * sign-up, waits for its confirmation) and is audited in the same
 * transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int
store_subscriber_by_id(struct store *st, int64_t id, struct subscriber_info *out,
                       struct error *err)
{
	char *email = NULL;
	int status, rc;

	memset(out, 0, sizeof(*out));
	if (store_subscriber_status(st, id, &status, &email, err) < 0)
		return -1;
	rc = store_subscriber_get(st, email, out, err);
	free(email);
	return rc;
}

int
store_list_choices(struct store *st, int64_t subscriber_id,
                   int (*fn)(const struct list_choice *, void *), void *arg, struct error *err)
{
	static const char sql[] =
		"SELECT l.id, l.slug, l.name, l.description, l.public, m.status FROM lists l"
		" LEFT JOIN memberships m ON m.list_id = l.id AND m.subscriber_id = ?"
		" WHERE l.public OR m.status IS NOT NULL ORDER BY l.name, l.slug";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, subscriber_id);
	while ((rc = store_row(st, s, err, "listing lists")) > 0) {
		const char *status = (const char *)sqlite3_column_text(s, 5);
		struct list_choice c = {
			sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			sqlite3_column_int(s, 4), status ? sub_status_parse(status) : -1,
		};

		if ((rc = fn(&c, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

/* set_column - one subscriber column changed, with its audit row. */
static int
set_column(struct store *st, const struct subscriber_info *info, const char *sql,
           const char *field, const char *old_value, const char *text, int64_t number,
           int actor, struct error *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	if (text)
		store_bind_text(s, 1, *text ? text : NULL);
	else if (number > 0)
		sqlite3_bind_int64(s, 1, number);
	sqlite3_bind_int64(s, 2, now_unix());
	sqlite3_bind_int64(s, 3, info->id);
	if (store_step_done(st, s, err, "saving preferences") < 0)
		return -1;
	return store_audit(st, info->id, info->email, 0, field, old_value,
	                   text ? (*text ? text : NULL) : NULL, actor, "preference centre", err);
}

struct lists_state {
	int64_t *ids;
	int *status;
	size_t n, cap;
};

static int
collect_list(const struct list_choice *c, void *arg)
{
	struct lists_state *ls = arg;

	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 16;
		ls->ids = xrealloc(ls->ids, ls->cap * sizeof(*ls->ids));
		ls->status = xrealloc(ls->status, ls->cap * sizeof(*ls->status));
	}
	ls->ids[ls->n] = c->id;
	ls->status[ls->n++] = c->status;
	return 0;
}

/* save_lists - each list among the choices: join or stay if wanted, else leave. */
static int
save_lists(struct store *st, const struct subscriber_info *info, const struct preferences *p,
           int actor, int *changes, struct error *err)
{
	struct lists_state ls = {NULL, NULL, 0, 0};
	int rc = -1;

	if (store_list_choices(st, info->id, collect_list, &ls, err) < 0)
		goto out;
	for (size_t i = 0; i < ls.n; i++) {
		int want = 0, on = ls.status[i] == SUB_ACTIVE || ls.status[i] == SUB_UNCONFIRMED;

		for (size_t k = 0; k < p->n_lists && !want; k++)
			want = p->lists[k] == ls.ids[i];
		if (want && ls.status[i] != SUB_ACTIVE) {
			struct subscription sub = {info->email, NULL, NULL, -1, SUB_ACTIVE, actor,
			                           "preference centre"};
			int result;

			if (store_subscribe(st, ls.ids[i], &sub, &result, err) < 0)
				goto out;
			if (result == SUBSCRIBE_REFUSED)
				error_clear(err);
			else
				(*changes)++;
		} else if (!want && on) {
			if (store_unsubscribe(st, info->id, ls.ids[i], actor, "preference centre",
			                      err) < 0)
				goto out;
			(*changes)++;
		}
	}
	rc = 0;
out:
	free(ls.ids);
	free(ls.status);
	return rc;
}

int
store_preferences_save(struct store *st, int64_t subscriber_id, const struct preferences *p,
                       int actor, int *changes, struct error *err)
{
	static const char upd_name[] =
		"UPDATE subscribers SET name = ?1, updated_at = ?2 WHERE id = ?3";
	static const char upd_digest[] =
		"UPDATE subscribers SET digest = ?1, updated_at = ?2 WHERE id = ?3";
	static const char upd_pause[] =
		"UPDATE subscribers SET paused_until = ?1, updated_at = ?2 WHERE id = ?3";
	struct subscriber_info info;
	char old_pause[32], new_pause[32];
	int opened, ok = 0;

	*changes = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (store_subscriber_by_id(st, subscriber_id, &info, err) < 0)
		return store_tx_close(st, opened, 0, err);
	if (p->name && !str_eq(*p->name ? p->name : NULL, info.name)) {
		if (set_column(st, &info, upd_name, "name", info.name, p->name, 0, actor, err) < 0)
			goto out;
		(*changes)++;
	}
	if (p->topics && strcmp(p->topics, info.topics) != 0) {
		if (store_topics_replace(st, info.id, p->topics, err) < 0 ||
		    store_audit(st, info.id, info.email, 0, "topics", info.topics, p->topics, actor,
		                "preference centre", err) < 0)
			goto out;
		(*changes)++;
	}
	if (p->digest >= 0 && p->digest != info.digest) {
		if (set_column(st, &info, upd_digest, "digest", digest_name(info.digest),
		               digest_name(p->digest), 0, actor, err) < 0)
			goto out;
		(*changes)++;
	}
	if (p->paused_until >= 0 && p->paused_until != info.paused_until) {
		sqlite3_stmt *s = store_stmt(st, upd_pause, err);

		if (s == NULL)
			goto out;
		if (p->paused_until > 0)
			sqlite3_bind_int64(s, 1, p->paused_until);
		sqlite3_bind_int64(s, 2, now_unix());
		sqlite3_bind_int64(s, 3, info.id);
		snprintf(old_pause, sizeof(old_pause), "%lld", (long long)info.paused_until);
		snprintf(new_pause, sizeof(new_pause), "%lld", (long long)p->paused_until);
		if (store_step_done(st, s, err, "saving preferences") < 0 ||
		    store_audit(st, info.id, info.email, 0, "paused_until",
		                info.paused_until ? old_pause : NULL,
		                p->paused_until ? new_pause : NULL, actor, "preference centre",
		                err) < 0)
			goto out;
		(*changes)++;
	}
	if (p->set_lists && save_lists(st, &info, p, actor, changes, err) < 0)
		goto out;
	ok = 1;
out:
	subscriber_info_free(&info);
	return store_tx_close(st, opened, ok, err);
}

int
store_confirm_sent_at(struct store *st, int64_t subscriber_id, int64_t list_id, int64_t *at,
                      struct error *err)
{
	static const char sql[] =
		"SELECT d.updated_at FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id"
		" WHERE c.list_id = ? AND c.kind = 'confirm' AND d.subscriber_id = ?"
		" AND d.status = 'sent'";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	sqlite3_bind_int64(s, 2, subscriber_id);
	if ((rc = store_row(st, s, err, "finding a confirmation request")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no confirmation request was sent");
	*at = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

/* suppression_origin - the origin of email's suppression, -1 when it has none. */
static int
suppression_origin(struct store *st, const char *email, int *origin, struct error *err)
{
	static const char sql[] = "SELECT origin FROM suppressions WHERE email = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	const char *o;
	int rc;

	*origin = -1;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	if ((rc = store_row(st, s, err, "reading suppressions")) <= 0)
		return rc;
	o = (const char *)sqlite3_column_text(s, 0);
	for (int i = 0; i < SUPPRESS_NORIGINS; i++)
		if (str_eq(o, suppress_origin_name(i)))
			*origin = i;
	sqlite3_reset(s);
	return 0;
}

int
store_signup(struct store *st, int64_t list_id, const char *email, const char *name,
             const char *topics, int *result, int64_t *subscriber_id, struct error *err)
{
	static const char q_mem[] =
		"SELECT s.id, s.status, m.status FROM subscribers s LEFT JOIN memberships m"
		" ON m.subscriber_id = s.id AND m.list_id = ?2 WHERE s.email = ?1";
	static const char wait_again[] =
		"UPDATE memberships SET status = 'unconfirmed', updated_at = ?3"
		" WHERE list_id = ?1 AND subscriber_id = ?2";
	sqlite3_stmt *s;
	int opened, ok = 0, rc, origin, sub_status = -1, mem_status = -1, r;
	struct subscription sub = {email, name, topics, -1, SUB_UNCONFIRMED, ACTOR_LINK,
	                           "sign-up form"};

	*result = SIGNUP_REFUSED;
	*subscriber_id = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (suppression_origin(st, email, &origin, err) < 0)
		goto out;
	if ((s = store_stmt(st, q_mem, err)) == NULL)
		goto out;
	store_bind_text(s, 1, email);
	sqlite3_bind_int64(s, 2, list_id);
	if ((rc = store_row(st, s, err, "reading subscriber")) < 0)
		goto out;
	if (rc > 0) {
		const char *ms = (const char *)sqlite3_column_text(s, 2);

		*subscriber_id = sqlite3_column_int64(s, 0);
		sub_status = sub_status_parse((const char *)sqlite3_column_text(s, 1));
		mem_status = ms ? sub_status_parse(ms) : -1;
		sqlite3_reset(s);
	}
	/* A complaint, or an administrator's word, is not overridden by a web form. */
	if (origin == SUPPRESS_ADMIN || origin == SUPPRESS_COMPLAINED ||
	    sub_status == SUB_COMPLAINED) {
		ok = 1;
		goto out;
	}
	if (mem_status == SUB_ACTIVE && sub_status == SUB_ACTIVE && origin < 0) {
		*result = SIGNUP_ALREADY;
		ok = 1;
		goto out;
	}
	if (*subscriber_id == 0) {
		/* New: the subscriber and its membership wait for the confirmation. */
		if (store_subscribe(st, list_id, &sub, &r, err) < 0 ||
		    store_subscriber_id(st, email, subscriber_id, err) < 0)
			goto out;
	} else if (mem_status < 0) {
		sub.name = NULL;
		sub.topics = NULL;
		if (store_subscribe(st, list_id, &sub, &r, err) < 0)
			goto out;
		if (r == SUBSCRIBE_REFUSED) {
			/* An ended subscriber: the membership waits like any other. */
			error_clear(err);
			if ((s = store_stmt(st, "INSERT INTO memberships (list_id, subscriber_id, status,"
			                        " source, created_at, updated_at)"
			                        " VALUES (?1, ?2, 'unconfirmed', 'sign-up form', ?3, ?3)",
			                    err)) == NULL)
				goto out;
			sqlite3_bind_int64(s, 1, list_id);
			sqlite3_bind_int64(s, 2, *subscriber_id);
			sqlite3_bind_int64(s, 3, now_unix());
			if (store_step_done(st, s, err, "adding membership") < 0 ||
			    store_audit(st, *subscriber_id, email, list_id, "membership", NULL,
			                "unconfirmed", ACTOR_LINK, "sign-up form", err) < 0)
				goto out;
		}
	} else if (mem_status != SUB_UNCONFIRMED) {
		/* Ended (or active while the subscriber is not): only the confirmation reactivates. */
		if ((s = store_stmt(st, wait_again, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, list_id);
		sqlite3_bind_int64(s, 2, *subscriber_id);
		sqlite3_bind_int64(s, 3, now_unix());
		if (store_step_done(st, s, err, "updating membership") < 0 ||
		    store_audit(st, *subscriber_id, email, list_id, "membership",
		                sub_status_name(mem_status), "unconfirmed", ACTOR_LINK,
		                "sign-up form: waiting for confirmation", err) < 0)
			goto out;
	}
	*result = SIGNUP_CONFIRM;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_subscriber_erase(struct store *st, int64_t subscriber_id, struct error *err)
{
	static const char *const scrub[] = {
		"DELETE FROM audit_log WHERE subscriber_id = ?1 OR email = ?2 COLLATE NOCASE",
		"UPDATE deliveries SET email = '', name = NULL WHERE subscriber_id = ?1",
		("UPDATE bounce_events SET email = NULL, diagnostic = NULL WHERE subscriber_id = ?1"
		 " OR email = ?2 COLLATE NOCASE"),
		"DELETE FROM subscribers WHERE id = ?1",
	};
	char *email = NULL;
	int status, opened, ok = 0;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (store_subscriber_status(st, subscriber_id, &status, &email, err) < 0)
		goto out;
	if (store_suppress(st, email, "erased at the subscriber's request", SUPPRESS_ERASED,
	                   ACTOR_LINK, err) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(scrub) / sizeof(scrub[0]); i++) {
		sqlite3_stmt *s = store_stmt(st, scrub[i], err);

		if (s == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, subscriber_id);
		if (sqlite3_bind_parameter_count(s) > 1)
			store_bind_text(s, 2, email);
		if (store_step_done(st, s, err, "erasing a subscriber") < 0)
			goto out;
	}
	ok = 1;
out:
	free(email);
	return store_tx_close(st, opened, ok, err);
}

int
store_deliveries_of(struct store *st, int64_t subscriber_id,
                    int (*fn)(const struct delivery_row *, void *), void *arg,
                    struct error *err)
{
	static const char sql[] =
		"SELECT d.campaign_id, d.updated_at, c.subject, c.kind, d.status FROM deliveries d"
		" JOIN campaigns c ON c.id = d.campaign_id WHERE d.subscriber_id = ? ORDER BY d.id";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, subscriber_id);
	while ((rc = store_row(st, s, err, "listing deliveries")) > 0) {
		struct delivery_row r = {
			sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			(const char *)sqlite3_column_text(s, 4),
		};

		if ((rc = fn(&r, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}
