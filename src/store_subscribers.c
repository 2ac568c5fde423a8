/*
 * store_subscribers - subscribers and their memberships, topic and digest
 * preferences, and every change of their status.
 *
 * The rule that protects consent lives here, once: an address that is
 * suppressed, or that unsubscribed, bounced or complained, is never made
 * active again by an administrator or an import; only the subscriber's own
 * action (a link or a mail command) can do that.  Every status change writes
 * an audit row in the same transaction as the change.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

static int
ended(int status)
{
	return status == SUB_UNSUBSCRIBED || status == SUB_BOUNCED || status == SUB_COMPLAINED;
}

static int
own_action(int actor)
{
	return actor == ACTOR_LINK || actor == ACTOR_ONECLICK || actor == ACTOR_EMAIL;
}

void
subscriber_info_free(struct subscriber_info *s)
{
	free(s->email);
	free(s->name);
	free(s->topics);
	for (size_t i = 0; i < s->n_memberships; i++) {
		free(s->memberships[i].list_slug);
		free(s->memberships[i].source);
	}
	free(s->memberships);
	memset(s, 0, sizeof(*s));
}

int
store_topics_of(struct store *st, int64_t id, char **out, struct error *err)
{
	static const char sql[] =
		"SELECT group_concat(slug, ';') FROM (SELECT t.slug FROM subscriber_topics x"
		" JOIN topics t ON t.id = x.topic_id WHERE x.subscriber_id = ? ORDER BY t.slug)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	*out = NULL;
	if ((rc = store_row(st, s, err, "reading topics")) < 0)
		return -1;
	if (rc > 0) {
		*out = store_col_text(s, 0);
		sqlite3_reset(s);
	}
	if (*out == NULL)
		*out = xstrdup("");
	return 0;
}

/* topics_insert - add canonical topics "a;b" to a subscriber who has none. */
static int
topics_insert(struct store *st, int64_t id, const char *canonical, struct error *err)
{
	static const char ins[] =
		"INSERT INTO subscriber_topics (subscriber_id, topic_id)"
		" SELECT ?, id FROM topics WHERE slug = ?";
	const char *p = canonical;
	sqlite3_stmt *s;

	while (*p) {
		size_t n = strcspn(p, ";");

		s = store_stmt(st, ins, err);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, p, (int)n, SQLITE_STATIC);
		if (store_step_done(st, s, err, "setting topics") < 0)
			return -1;
		p += n;
		if (*p == ';')
			p++;
	}
	return 0;
}

int
store_topics_replace(struct store *st, int64_t id, const char *canonical, struct error *err)
{
	static const char del[] = "DELETE FROM subscriber_topics WHERE subscriber_id = ?";
	sqlite3_stmt *s = store_stmt(st, del, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (store_step_done(st, s, err, "clearing topics") < 0)
		return -1;
	return topics_insert(st, id, canonical, err);
}

int
store_set_status(struct store *st, int64_t id, const char *email, int from, int to,
                      int actor, const char *detail, struct error *err)
{
	static const char sql[] = "UPDATE subscribers SET status = ?, updated_at = ? WHERE id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, sub_status_name(to));
	sqlite3_bind_int64(s, 2, now_unix());
	sqlite3_bind_int64(s, 3, id);
	if (store_step_done(st, s, err, "updating subscriber status") < 0)
		return -1;
	return store_audit(st, id, email, 0, "status", sub_status_name(from), sub_status_name(to),
	                   actor, detail, err);
}

/* refuse - the one wording for "this address may not be (re)activated". */
static int
refuse(struct error *err, const char *email, const char *why)
{
	return error_setk(err, ERR_CONFLICT, "%s %s; it is not re-subscribed", email, why);
}

int
store_subscribe(struct store *st, int64_t list_id, const struct subscription *sub, int *result,
                struct error *err)
{
	/* One statement answers both "suppressed?" and "known?" (import's hot path). */
	static const char q_sub[] =
		"SELECT (SELECT reason FROM suppressions WHERE email = ?1), s.id, s.status, s.name,"
		" s.digest FROM (SELECT 1) LEFT JOIN subscribers s ON s.email = ?1";
	static const char ins_sub[] =
		"INSERT INTO subscribers (email, name, status, digest, created_at, updated_at)"
		" VALUES (?,?,?,?,?,?)";
	static const char upd_sub[] =
		"UPDATE subscribers SET name = ?, digest = ?, updated_at = ? WHERE id = ?";
	static const char q_mem[] =
		"SELECT status FROM memberships WHERE list_id = ? AND subscriber_id = ?";
	static const char ins_mem[] =
		"INSERT INTO memberships (list_id, subscriber_id, status, source, created_at,"
		" updated_at) VALUES (?,?,?,?,?,?)";
	static const char upd_mem[] =
		"UPDATE memberships SET status = ?, updated_at = ? WHERE list_id = ?"
		" AND subscriber_id = ?";
	int opened, ok = 0, changed = 0, created = 0, rc, cur_status = -1, mem_status = -1, want;
	char *reason = NULL, *old_name = NULL, *old_topics = NULL;
	int64_t id = 0, now = now_unix();
	int old_digest = DIGEST_IMMEDIATE;
	sqlite3_stmt *s;

	want = sub->want_status;
	*result = SUBSCRIBE_UNCHANGED;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, q_sub, err)) == NULL)
		goto out;
	store_bind_text(s, 1, sub->email);
	if ((rc = store_row(st, s, err, "reading subscriber")) <= 0) {
		if (rc == 0)
			store_sql_error(st, err, "reading subscriber");
		goto out;
	}
	reason = store_col_text(s, 0);
	id = sqlite3_column_int64(s, 1);
	if (id > 0) {
		cur_status = sub_status_parse((const char *)sqlite3_column_text(s, 2));
		old_name = store_col_text(s, 3);
		old_digest = digest_parse((const char *)sqlite3_column_text(s, 4));
	}
	sqlite3_reset(s);
	if (reason && !ended(want) && !own_action(sub->actor)) {
		char *why = xasprintf("is on the suppression list (%s)", reason);

		refuse(err, sub->email, why);
		free(why);
		*result = SUBSCRIBE_REFUSED;
		goto out;
	}

	if (id == 0) {
		if ((s = store_stmt(st, ins_sub, err)) == NULL)
			goto out;
		store_bind_text(s, 1, sub->email);
		store_bind_text(s, 2, sub->name);
		store_bind_text(s, 3, sub_status_name(want));
		store_bind_text(s, 4, digest_name(sub->digest >= 0 ? sub->digest : DIGEST_IMMEDIATE));
		sqlite3_bind_int64(s, 5, now);
		sqlite3_bind_int64(s, 6, now);
		if (store_step_done(st, s, err, "adding subscriber") < 0)
			goto out;
		id = sqlite3_last_insert_rowid(st->db);
		if (store_audit(st, id, sub->email, 0, "status", NULL, sub_status_name(want),
		                sub->actor, sub->source, err) < 0)
			goto out;
		if (sub->topics && *sub->topics && topics_insert(st, id, sub->topics, err) < 0)
			goto out;
		cur_status = want;
		created = 1;
	} else {
		const char *name = sub->name ? sub->name : old_name;
		int digest = sub->digest >= 0 ? sub->digest : old_digest;

		if (ended(cur_status) && !ended(want) && !own_action(sub->actor)) {
			char *why = xasprintf("has %s", sub_status_name(cur_status));

			refuse(err, sub->email, why);
			free(why);
			*result = SUBSCRIBE_REFUSED;
			goto out;
		}
		if (!str_eq(name, old_name) || digest != old_digest) {
			if ((s = store_stmt(st, upd_sub, err)) == NULL)
				goto out;
			store_bind_text(s, 1, name);
			store_bind_text(s, 2, digest_name(digest));
			sqlite3_bind_int64(s, 3, now);
			sqlite3_bind_int64(s, 4, id);
			if (store_step_done(st, s, err, "updating subscriber") < 0)
				goto out;
			if (digest != old_digest &&
			    store_audit(st, id, sub->email, 0, "digest", digest_name(old_digest),
			                digest_name(digest), sub->actor, sub->source, err) < 0)
				goto out;
			changed = 1;
		}
		if (sub->topics) {
			if (store_topics_of(st, id, &old_topics, err) < 0)
				goto out;
			if (strcmp(old_topics, sub->topics) != 0) {
				if (store_topics_replace(st, id, sub->topics, err) < 0 ||
				    store_audit(st, id, sub->email, 0, "topics", old_topics, sub->topics,
				                sub->actor, sub->source, err) < 0)
					goto out;
				changed = 1;
			}
		}
	}

	/* A subscriber made just now has no memberships to look up. */
	if (!created) {
		if ((s = store_stmt(st, q_mem, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, list_id);
		sqlite3_bind_int64(s, 2, id);
		if ((rc = store_row(st, s, err, "reading membership")) < 0)
			goto out;
		if (rc > 0) {
			mem_status = sub_status_parse((const char *)sqlite3_column_text(s, 0));
			sqlite3_reset(s);
		}
	}
	if (mem_status < 0) {
		if ((s = store_stmt(st, ins_mem, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, list_id);
		sqlite3_bind_int64(s, 2, id);
		store_bind_text(s, 3, sub_status_name(want));
		store_bind_text(s, 4, sub->source);
		sqlite3_bind_int64(s, 5, now);
		sqlite3_bind_int64(s, 6, now);
		if (store_step_done(st, s, err, "adding membership") < 0 ||
		    store_audit(st, id, sub->email, list_id, "membership", NULL,
		                sub_status_name(want), sub->actor, sub->source, err) < 0)
			goto out;
		*result = SUBSCRIBE_CREATED;
	} else if (mem_status != want && !(mem_status == SUB_ACTIVE && want == SUB_UNCONFIRMED)) {
		if (ended(mem_status) && !ended(want) && !own_action(sub->actor)) {
			char *why = xasprintf("has %s from this list", sub_status_name(mem_status));

			refuse(err, sub->email, why);
			free(why);
			*result = SUBSCRIBE_REFUSED;
			goto out;
		}
		if ((s = store_stmt(st, upd_mem, err)) == NULL)
			goto out;
		store_bind_text(s, 1, sub_status_name(want));
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, list_id);
		sqlite3_bind_int64(s, 4, id);
		if (store_step_done(st, s, err, "updating membership") < 0 ||
		    store_audit(st, id, sub->email, list_id, "membership",
		                sub_status_name(mem_status), sub_status_name(want), sub->actor,
		                sub->source, err) < 0)
			goto out;
		changed = 1;
	}
	/*
	 * A confirmed membership makes a waiting subscriber active; so does the
	 * subscriber's own action for one that had ended (it came from this
	 * mailbox: the address works and wants the mail again).
	 */
	if (want == SUB_ACTIVE &&
	    (cur_status == SUB_UNCONFIRMED || (ended(cur_status) && own_action(sub->actor))) &&
	    store_set_status(st, id, sub->email, cur_status, SUB_ACTIVE, sub->actor, sub->source,
	                     err) < 0)
		goto out;
	if (*result != SUBSCRIBE_CREATED && changed)
		*result = SUBSCRIBE_UPDATED;
	ok = 1;
out:
	free(reason);
	free(old_name);
	free(old_topics);
	if (*result == SUBSCRIBE_REFUSED) {
		/* A refusal is an answer, not a failure: keep the caller's transaction. */
		store_tx_close(st, opened, 1, NULL);
		return 0;
	}
	return store_tx_close(st, opened, ok, err);
}

int
store_subscriber_get(struct store *st, const char *email, struct subscriber_info *out,
                     struct error *err)
{
	static const char q_sub[] =
		"SELECT id, email, name, status, digest, created_at, updated_at,"
		" EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email), paused_until"
		" FROM subscribers s WHERE email = ?";
	static const char q_mem[] =
		"SELECT l.slug, m.status, m.source, m.created_at, m.updated_at FROM memberships m"
		" JOIN lists l ON l.id = m.list_id WHERE m.subscriber_id = ? ORDER BY l.slug";
	sqlite3_stmt *s = store_stmt(st, q_sub, err);
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	if ((rc = store_row(st, s, err, "reading subscriber")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no subscriber %s", email);
	out->id = sqlite3_column_int64(s, 0);
	out->email = store_col_text(s, 1);
	out->name = store_col_text(s, 2);
	out->status = sub_status_parse((const char *)sqlite3_column_text(s, 3));
	out->digest = digest_parse((const char *)sqlite3_column_text(s, 4));
	out->created_at = sqlite3_column_int64(s, 5);
	out->updated_at = sqlite3_column_int64(s, 6);
	out->suppressed = sqlite3_column_int(s, 7);
	out->paused_until = sqlite3_column_int64(s, 8);
	sqlite3_reset(s);
	if (store_topics_of(st, out->id, &out->topics, err) < 0)
		goto fail;
	if ((s = store_stmt(st, q_mem, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, out->id);
	while ((rc = store_row(st, s, err, "reading memberships")) > 0) {
		struct membership_info *m;

		if (out->n_memberships == cap) {
			cap = cap ? cap * 2 : 4;
			out->memberships = xrealloc(out->memberships, cap * sizeof(*m));
		}
		m = &out->memberships[out->n_memberships++];
		m->list_slug = store_col_text(s, 0);
		m->status = sub_status_parse((const char *)sqlite3_column_text(s, 1));
		m->source = store_col_text(s, 2);
		m->created_at = sqlite3_column_int64(s, 3);
		m->updated_at = sqlite3_column_int64(s, 4);
	}
	if (rc < 0)
		goto fail;
	return 0;
fail:
	subscriber_info_free(out);
	return -1;
}

int
store_subscriber_set(struct store *st, const char *email, const char *topics, int digest,
                     int actor, struct error *err)
{
	static const char upd[] = "UPDATE subscribers SET digest = ?, updated_at = ? WHERE id = ?";
	struct subscriber_info info;
	int opened, ok = 0;
	sqlite3_stmt *s;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (store_subscriber_get(st, email, &info, err) < 0)
		return store_tx_close(st, opened, 0, err);
	if (topics && strcmp(topics, info.topics) != 0) {
		if (store_topics_replace(st, info.id, topics, err) < 0 ||
		    store_audit(st, info.id, email, 0, "topics", info.topics, topics, actor, NULL,
		                err) < 0)
			goto out;
	}
	if (digest >= 0 && digest != info.digest) {
		if ((s = store_stmt(st, upd, err)) == NULL)
			goto out;
		store_bind_text(s, 1, digest_name(digest));
		sqlite3_bind_int64(s, 2, now_unix());
		sqlite3_bind_int64(s, 3, info.id);
		if (store_step_done(st, s, err, "updating digest") < 0 ||
		    store_audit(st, info.id, email, 0, "digest", digest_name(info.digest),
		                digest_name(digest), actor, NULL, err) < 0)
			goto out;
	}
	ok = 1;
out:
	subscriber_info_free(&info);
	return store_tx_close(st, opened, ok, err);
}

int
store_subscriber_alias(struct store *st, int64_t *id, struct error *err)
{
	static const char sql[] = "SELECT subscriber_id FROM subscriber_aliases WHERE old_id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, *id);
	if ((rc = store_row(st, s, err, "resolving a merged subscriber")) < 0)
		return -1;
	if (rc > 0) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
}

int
store_subscriber_restore(struct store *st, const char *email, const char *reason,
                         struct error *err)
{
	static const char sel[] = "SELECT id, status, email FROM subscribers WHERE email = ?";
	static const char uncount[] = "UPDATE bounce_events SET counted = 0 WHERE subscriber_id = ?";
	static const char unsuppress[] =
		"DELETE FROM suppressions WHERE email = ? AND origin = 'bounced'";
	sqlite3_stmt *s;
	char *spelled = NULL, *detail = NULL;
	int opened, ok = 0, rc, status;
	int64_t id;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sel, err)) == NULL)
		goto out;
	store_bind_text(s, 1, email);
	if ((rc = store_row(st, s, err, "reading subscriber")) <= 0) {
		if (rc == 0)
			error_setk(err, ERR_NOTFOUND, "no subscriber %s", email);
		goto out;
	}
	id = sqlite3_column_int64(s, 0);
	status = sub_status_parse((const char *)sqlite3_column_text(s, 1));
	spelled = store_col_text(s, 2);
	sqlite3_reset(s);
	if (status == SUB_UNSUBSCRIBED || status == SUB_COMPLAINED) {
		error_setk(err, ERR_CONFLICT, "%s %s: that is the subscriber's own word, which only "
		           "the subscriber can take back (through a link in any mail, or by signing "
		           "up again)", spelled, sub_status_name(status));
		goto out;
	}
	if (status != SUB_BOUNCED) {
		error_setk(err, ERR_CONFLICT, "%s is %s: only a bounced address can be restored",
		           spelled, sub_status_name(status));
		goto out;
	}
	detail = xasprintf("restored: %s", reason);
	if (store_set_status(st, id, spelled, SUB_BOUNCED, SUB_ACTIVE, ACTOR_ADMIN, detail, err) < 0)
		goto out;
	if ((s = store_stmt(st, uncount, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	if (store_step_done(st, s, err, "resetting bounce counts") < 0)
		goto out;
	if ((s = store_stmt(st, unsuppress, err)) == NULL)
		goto out;
	store_bind_text(s, 1, spelled);
	if (store_step_done(st, s, err, "lifting the bounce suppression") < 0)
		goto out;
	ok = 1;
out:
	free(spelled);
	free(detail);
	return store_tx_close(st, opened, ok, err);
}

int
store_subscriber_remove(struct store *st, const char *email, const char *list_slug, int actor,
                        int *kept, struct error *err)
{
	static const char del_mem[] =
		"DELETE FROM memberships WHERE subscriber_id = ? AND list_id ="
		" (SELECT id FROM lists WHERE slug = ?)";
	static const char del_sub[] = "DELETE FROM subscribers WHERE id = ?";
	struct subscriber_info info;
	char *detail = NULL;
	int opened, ok = 0;
	sqlite3_stmt *s;

	*kept = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (store_subscriber_get(st, email, &info, err) < 0)
		return store_tx_close(st, opened, 0, err);
	if (list_slug) {
		size_t i;

		for (i = 0; i < info.n_memberships; i++)
			if (strcmp(info.memberships[i].list_slug, list_slug) == 0)
				break;
		if (i == info.n_memberships) {
			error_setk(err, ERR_NOTFOUND, "%s is not on list '%s'", email, list_slug);
			goto out;
		}
		if (ended(info.memberships[i].status)) {
			*kept = info.memberships[i].status;
			ok = 1;
			goto out;
		}
		if ((s = store_stmt(st, del_mem, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, info.id);
		store_bind_text(s, 2, list_slug);
		if (store_step_done(st, s, err, "removing membership") < 0)
			goto out;
		detail = xasprintf("removed from list %s", list_slug);
		if (store_audit(st, info.id, email, 0, "membership",
		                sub_status_name(info.memberships[i].status), NULL, actor, detail,
		                err) < 0)
			goto out;
	} else {
		if (ended(info.status) && !info.suppressed &&
		    store_suppress(st, email, sub_status_name(info.status),
		                   info.status == SUB_BOUNCED ? SUPPRESS_BOUNCED :
		                   info.status == SUB_COMPLAINED ? SUPPRESS_COMPLAINED :
		                                                   SUPPRESS_UNSUBSCRIBED, actor, err) < 0)
			goto out;
		if ((s = store_stmt(st, del_sub, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, info.id);
		if (store_step_done(st, s, err, "removing subscriber") < 0 ||
		    store_audit(st, 0, email, 0, "status", sub_status_name(info.status), NULL, actor,
		                "subscriber removed", err) < 0)
			goto out;
	}
	ok = 1;
out:
	free(detail);
	subscriber_info_free(&info);
	return store_tx_close(st, opened, ok, err);
}

int
store_export_each(struct store *st, int64_t list_id, int status,
                  int (*fn)(const struct export_row *, void *), void *arg, struct error *err)
{
	static const char sql[] =
		"SELECT s.email, s.name,"
		" (SELECT group_concat(slug, ';') FROM (SELECT t.slug FROM subscriber_topics x"
		"   JOIN topics t ON t.id = x.topic_id WHERE x.subscriber_id = s.id ORDER BY t.slug)),"
		" s.digest,"
		" CASE WHEN s.status IN ('bounced', 'complained') THEN s.status ELSE m.status END AS st,"
		" EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email)"
		" FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id"
		" WHERE m.list_id = ?1 AND (?2 IS NULL OR st = ?2) ORDER BY s.email";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, status >= 0 ? sub_status_name(status) : NULL);
	while ((rc = store_row(st, s, err, "exporting")) > 0) {
		const char *topics = (const char *)sqlite3_column_text(s, 2);
		struct export_row row = {
			(const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1),
			topics ? topics : "",
			digest_parse((const char *)sqlite3_column_text(s, 3)),
			sub_status_parse((const char *)sqlite3_column_text(s, 4)),
			sqlite3_column_int(s, 5),
		};

		if ((rc = fn(&row, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

int
store_seen_reset(struct store *st, struct error *err)
{
	static const char create[] =
		"CREATE TEMP TABLE IF NOT EXISTS seen (email TEXT PRIMARY KEY COLLATE NOCASE,"
		" line INTEGER NOT NULL) WITHOUT ROWID";
	static const char clear[] = "DELETE FROM temp.seen";
	char *msg = NULL;

	if (sqlite3_exec(st->db, create, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, "database %s: creating import table: %s", st->path, msg);
		sqlite3_free(msg);
		return -1;
	}
	return store_step_done(st, store_stmt(st, clear, err), err, "clearing import table");
}

int
store_seen(struct store *st, const char *email, long long line, long long *first_line,
           char **first_email, struct error *err)
{
	static const char sql[] =
		"INSERT INTO temp.seen (email, line) VALUES (?1, ?2)"
		" ON CONFLICT (email) DO UPDATE SET line = line RETURNING line, email";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	sqlite3_bind_int64(s, 2, line);
	*first_line = 0;
	*first_email = NULL;
	if ((rc = store_row(st, s, err, "recording import row")) <= 0)
		return rc == 0 ? store_sql_error(st, err, "recording import row") : -1;
	if (sqlite3_column_int64(s, 0) != line) {
		*first_line = sqlite3_column_int64(s, 0);
		*first_email = store_col_text(s, 1);
	}
	sqlite3_reset(s);
	return 0;
}

int
store_recipients_each(struct store *st, int64_t list_id, const char *topic, const char *digest,
                      int (*fn)(const struct recipient_row *, void *), void *arg,
                      struct error *err)
{
	static const char sql[] =
		"SELECT s.id, s.email, s.name FROM memberships m"
		" JOIN subscribers s ON s.id = m.subscriber_id"
		" WHERE m.list_id = ?1 AND " WANTED_MEMBER("?2", "?3", "?4") " ORDER BY s.id";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, topic);
	sqlite3_bind_int64(s, 3, now_unix());
	store_bind_text(s, 4, digest);
	while ((rc = store_row(st, s, err, "selecting recipients")) > 0) {
		struct recipient_row r = {sqlite3_column_int64(s, 0),
		                          (const char *)sqlite3_column_text(s, 1),
		                          (const char *)sqlite3_column_text(s, 2)};

		if ((rc = fn(&r, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

/* unsuppress_own - lift email's suppression if it records the address's own word. */
static int
unsuppress_own(struct store *st, const char *email, int actor, struct error *err)
{
	static const char sql[] =
		"DELETE FROM suppressions WHERE email = ?"
		" AND origin IN ('unsubscribed', 'bounced', 'erased')";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	if (store_step_done(st, s, err, "lifting a suppression") < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	return store_audit(st, 0, email, 0, "suppression", "suppressed", NULL, actor,
	                   "confirmed a new subscription", err);
}

int
store_confirm(struct store *st, int64_t subscriber_id, int64_t list_id, int actor,
              const char *detail, int *confirmed, struct error *err)
{
	static const char q[] =
		"SELECT s.email, m.status FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id"
		" WHERE m.subscriber_id = ? AND m.list_id = ?";
	struct subscription sub;
	sqlite3_stmt *s;
	char *email = NULL;
	int rc, status = -1, result, opened, ok = 0;

	*confirmed = 0;
	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, q, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, subscriber_id);
	sqlite3_bind_int64(s, 2, list_id);
	if ((rc = store_row(st, s, err, "reading membership")) < 0)
		goto out;
	if (rc > 0) {
		email = store_col_text(s, 0);
		status = sub_status_parse((const char *)sqlite3_column_text(s, 1));
		sqlite3_reset(s);
	}
	/* Only a waiting membership: an old confirmation must not revive an ended one. */
	if (status == SUB_UNCONFIRMED) {
		memset(&sub, 0, sizeof(sub));
		sub.email = email;
		sub.digest = -1;
		sub.want_status = SUB_ACTIVE;
		sub.actor = actor;
		sub.source = detail;
		/* Its own confirmation lifts what its own past word suppressed. */
		if ((actor == ACTOR_LINK || actor == ACTOR_EMAIL) &&
		    unsuppress_own(st, email, actor, err) < 0)
			goto out;
		if (store_subscribe(st, list_id, &sub, &result, err) < 0)
			goto out;
		*confirmed = result != SUBSCRIBE_REFUSED;
		if (result == SUBSCRIBE_REFUSED)
			error_clear(err);
	}
	ok = 1;
out:
	free(email);
	return store_tx_close(st, opened, ok, err);
}

int
store_subscriber_id(struct store *st, const char *email, int64_t *id, struct error *err)
{
	static const char sql[] = "SELECT id FROM subscribers WHERE email = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*id = 0;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	if ((rc = store_row(st, s, err, "reading subscriber")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no subscriber %s", email);
	*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
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
	if ((rc = store_row(st, s, err, "reading subscriber")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no subscriber with id %lld", (long long)id);
	*status = sub_status_parse((const char *)sqlite3_column_text(s, 0));
	*email = store_col_text(s, 1);
	sqlite3_reset(s);
	return 0;
}

int
store_unsubscribe(struct store *st, int64_t subscriber_id, int64_t list_id, int actor,
                  const char *detail, struct error *err)
{
	return store_unsubscribe_campaign(st, subscriber_id, list_id, 0, actor, detail, err);
}

int
store_unsubscribe_campaign(struct store *st, int64_t subscriber_id, int64_t list_id,
                           int64_t campaign_id, int actor, const char *detail,
                           struct error *err)
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
	char *why = NULL;
	int opened, ok = 0;

	/* The campaign goes in the detail: the audit log has no column for it. */
	if (campaign_id > 0)
		why = xasprintf("%s" STORE_CAMPAIGN_MARK, detail ? detail : "unsubscribed",
		                (long long)campaign_id);
	if (store_tx_open(st, &opened, err) < 0) {
		free(why);
		return -1;
	}
	if ((s = store_stmt(st, audit, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now_unix());
	sqlite3_bind_int64(s, 2, subscriber_id);
	sqlite3_bind_int64(s, 3, list_id);
	store_bind_text(s, 4, actor_name(actor));
	store_bind_text(s, 5, why ? why : detail);
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
	free(why);
	return store_tx_close(st, opened, ok, err);
}

int
store_first_active_list(struct store *st, int64_t subscriber_id, int64_t *list_id,
                        struct error *err)
{
	static const char sql[] =
		"SELECT list_id FROM memberships WHERE subscriber_id = ? AND status = 'active'"
		" ORDER BY list_id LIMIT 1";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*list_id = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, subscriber_id);
	if ((rc = store_row(st, s, err, "finding an active list")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "subscriber %lld is on no list",
		                  (long long)subscriber_id);
	*list_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}
