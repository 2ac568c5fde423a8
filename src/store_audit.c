/*
 * store_audit - the audit log: every change of a subscriber's status,
 * membership, topics or digest, with who made it (enum actor) and why.
 * Rows are written in the same transaction as the change they describe.
 */
#include "store_impl.h"

int
store_audit(struct store *st, int64_t subscriber_id, const char *email, int64_t list_id,
            const char *field, const char *old_value, const char *new_value, int actor,
            const char *detail, struct error *err)
{
	static const char sql[] =
		"INSERT INTO audit_log (at, subscriber_id, email, list, field, old_value,"
		" new_value, actor, detail)"
		" VALUES (?, ?, ?, (SELECT slug FROM lists WHERE id = ?), ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now_unix());
	if (subscriber_id > 0)
		sqlite3_bind_int64(s, 2, subscriber_id);
	store_bind_text(s, 3, email);
	if (list_id > 0)
		sqlite3_bind_int64(s, 4, list_id);
	store_bind_text(s, 5, field);
	store_bind_text(s, 6, old_value);
	store_bind_text(s, 7, new_value);
	store_bind_text(s, 8, actor_name(actor));
	store_bind_text(s, 9, detail);
	return store_step_done(st, s, err, "writing audit log");
}

int
store_audit_each(struct store *st, const char *email,
                 int (*fn)(const struct audit_row *, void *), void *arg, struct error *err)
{
	static const char sql[] =
		"SELECT id, at, email, list, field, old_value, new_value, actor, detail"
		" FROM audit_log WHERE ?1 IS NULL OR email = ?1 COLLATE NOCASE ORDER BY id";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	while ((rc = store_row(st, s, err, "reading audit log")) > 0) {
		struct audit_row r = {
			sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			(const char *)sqlite3_column_text(s, 4), (const char *)sqlite3_column_text(s, 5),
			(const char *)sqlite3_column_text(s, 6), (const char *)sqlite3_column_text(s, 7),
			(const char *)sqlite3_column_text(s, 8),
		};

		if ((rc = fn(&r, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}
