/*
 * store_suppressions - the suppression list: addresses never to be mailed,
 * whatever their memberships say.  Every change is in the audit log.
 */
#include <string.h>

#include "store_impl.h"

const char *
suppress_origin_name(int origin)
{
	static const char *const names[] = {"admin", "unsubscribed", "bounced", "complained",
	                                    "erased"};

	return origin >= 0 && origin < SUPPRESS_NORIGINS ? names[origin] : "admin";
}

int
store_suppress(struct store *st, const char *email, const char *reason, int origin, int actor,
               struct error *err)
{
	static const char sql[] =
		"INSERT INTO suppressions (email, reason, created_at, origin) VALUES (?,?,?,?)"
		" ON CONFLICT (email) DO NOTHING";
	sqlite3_stmt *s;
	int opened, ok = 0;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sql, err)) == NULL)
		goto out;
	store_bind_text(s, 1, email);
	store_bind_text(s, 2, reason);
	sqlite3_bind_int64(s, 3, now_unix());
	store_bind_text(s, 4, suppress_origin_name(origin));
	if (store_step_done(st, s, err, "suppressing") < 0)
		goto out;
	if (sqlite3_changes(st->db) > 0 &&
	    store_audit(st, 0, email, 0, "suppression", NULL, reason, actor, NULL, err) < 0)
		goto out;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_unsuppress(struct store *st, const char *email, int actor, struct error *err)
{
	static const char sel[] = "SELECT email, origin FROM suppressions WHERE email = ?";
	static const char sql[] = "DELETE FROM suppressions WHERE email = ?";
	sqlite3_stmt *s;
	int opened, ok = 0, rc;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if ((s = store_stmt(st, sel, err)) == NULL)
		goto out;
	store_bind_text(s, 1, email);
	if ((rc = store_row(st, s, err, "reading suppression")) < 0)
		goto out;
	/* An administrator lifts only an administrator's word, never the address's own. */
	if (rc > 0 && actor == ACTOR_ADMIN &&
	    strcmp((const char *)sqlite3_column_text(s, 1), "admin") != 0) {
		error_setk(err, ERR_CONFLICT, "%s is suppressed by its own word (%s): only the "
		           "subscriber can lift that, by signing up again",
		           (const char *)sqlite3_column_text(s, 0),
		           (const char *)sqlite3_column_text(s, 1));
		sqlite3_reset(s);
		goto out;
	}
	if (rc > 0)
		sqlite3_reset(s);
	if ((s = store_stmt(st, sql, err)) == NULL)
		goto out;
	store_bind_text(s, 1, email);
	if (store_step_done(st, s, err, "unsuppressing") < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		error_setk(err, ERR_NOTFOUND, "%s is not on the suppression list", email);
		goto out;
	}
	if (store_audit(st, 0, email, 0, "suppression", "suppressed", NULL, actor, NULL, err) < 0)
		goto out;
	ok = 1;
out:
	return store_tx_close(st, opened, ok, err);
}

int
store_suppression_each(struct store *st,
                       int (*fn)(const char *email, const char *reason, int64_t at, void *),
                       void *arg, struct error *err)
{
	static const char sql[] = "SELECT email, reason, created_at FROM suppressions ORDER BY email";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = store_row(st, s, err, "listing suppressions")) > 0)
		if ((rc = fn((const char *)sqlite3_column_text(s, 0),
		             (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 2),
		             arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	return rc;
}
