/*
 * store_events - events (meetings, forums, workshops) and opportunities
 * (internships, summer jobs, programmes, partnerships) of a list: the data
 * notices, digests and feeds are made from.  Checking what goes in is the
 * events module's; this file only stores and reads.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

void
event_info_free(struct event_info *e)
{
	free(e->slug);
	free(e->list_slug);
	free(e->kind);
	free(e->title);
	free(e->tz);
	free(e->location);
	free(e->url);
	free(e->topic);
	free(e->description);
	free(e->uid);
	free(e->status);
	memset(e, 0, sizeof(*e));
}

void
opportunity_info_free(struct opportunity_info *o)
{
	free(o->slug);
	free(o->list_slug);
	free(o->kind);
	free(o->title);
	free(o->org);
	free(o->url);
	free(o->location);
	free(o->description);
	free(o->status);
	memset(o, 0, sizeof(*o));
}

#define EVENT_COLUMNS                                                                       \
	"SELECT e.id, e.list_id, e.slug, l.slug, e.kind, e.title, e.tz, e.location, e.url,"  \
	" e.topic, e.description, e.uid, e.status, e.starts, e.ends, e.sequence,"            \
	" e.created_at, e.updated_at FROM events e JOIN lists l ON l.id = e.list_id"

static void
event_from_row(sqlite3_stmt *s, struct event_info *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->list_id = sqlite3_column_int64(s, 1);
	e->slug = store_col_text(s, 2);
	e->list_slug = store_col_text(s, 3);
	e->kind = store_col_text(s, 4);
	e->title = store_col_text(s, 5);
	e->tz = store_col_text(s, 6);
	e->location = store_col_text(s, 7);
	e->url = store_col_text(s, 8);
	e->topic = store_col_text(s, 9);
	e->description = store_col_text(s, 10);
	e->uid = store_col_text(s, 11);
	e->status = store_col_text(s, 12);
	e->starts = sqlite3_column_int64(s, 13);
	e->ends = sqlite3_column_int64(s, 14);
	e->sequence = sqlite3_column_int(s, 15);
	e->created_at = sqlite3_column_int64(s, 16);
	e->updated_at = sqlite3_column_int64(s, 17);
}

int
store_event_add(struct store *st, const struct event_info *e, int64_t *id, struct error *err)
{
	static const char sql[] =
		"INSERT INTO events (slug, list_id, kind, title, starts, ends, tz, location, url,"
		" topic, description, uid, sequence, status, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 'scheduled', ?13, ?13)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, e->slug);
	sqlite3_bind_int64(s, 2, e->list_id);
	store_bind_text(s, 3, e->kind);
	store_bind_text(s, 4, e->title);
	sqlite3_bind_int64(s, 5, e->starts);
	sqlite3_bind_int64(s, 6, e->ends);
	store_bind_text(s, 7, e->tz);
	store_bind_text(s, 8, e->location);
	store_bind_text(s, 9, e->url);
	store_bind_text(s, 10, e->topic);
	store_bind_text(s, 11, e->description);
	store_bind_text(s, 12, e->uid);
	sqlite3_bind_int64(s, 13, now_unix());
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return error_setk(err, ERR_CONFLICT, "event '%s' already exists", e->slug);
	if (rc != SQLITE_DONE)
		return store_sql_error(st, err, "adding event");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_event_get(struct store *st, int64_t id, const char *slug, struct event_info *out,
                struct error *err)
{
	static const char by_slug[] = EVENT_COLUMNS " WHERE e.slug = ?";
	static const char by_id[] = EVENT_COLUMNS " WHERE e.id = ?";
	sqlite3_stmt *s = store_stmt(st, id ? by_id : by_slug, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	if (id)
		sqlite3_bind_int64(s, 1, id);
	else
		store_bind_text(s, 1, slug);
	if ((rc = store_row(st, s, err, "reading event")) < 0)
		return -1;
	if (rc == 0) {
		if (id)
			return error_setk(err, ERR_NOTFOUND, "no event %lld", (long long)id);
		return error_setk(err, ERR_NOTFOUND, "no event '%s' (see: outreach event ls)", slug);
	}
	event_from_row(s, out);
	sqlite3_reset(s);
	return 0;
}

int
store_event_save(struct store *st, const struct event_info *e, struct error *err)
{
	static const char sql[] =
		"UPDATE events SET kind = ?2, title = ?3, starts = ?4, ends = ?5, tz = ?6,"
		" location = ?7, url = ?8, topic = ?9, description = ?10, sequence = ?11,"
		" status = ?12, updated_at = ?13 WHERE id = ?1";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, e->id);
	store_bind_text(s, 2, e->kind);
	store_bind_text(s, 3, e->title);
	sqlite3_bind_int64(s, 4, e->starts);
	sqlite3_bind_int64(s, 5, e->ends);
	store_bind_text(s, 6, e->tz);
	store_bind_text(s, 7, e->location);
	store_bind_text(s, 8, e->url);
	store_bind_text(s, 9, e->topic);
	store_bind_text(s, 10, e->description);
	sqlite3_bind_int(s, 11, e->sequence);
	store_bind_text(s, 12, e->status);
	sqlite3_bind_int64(s, 13, now_unix());
	return store_step_done(st, s, err, "saving event");
}

int
store_event_each(struct store *st, int64_t list_id, int64_t from, int max,
                 int (*fn)(const struct event_info *, void *), void *arg, struct error *err)
{
	static const char sql[] =
		EVENT_COLUMNS " WHERE (?1 = 0 OR e.list_id = ?1)"
		" AND (?2 = 0 OR (e.status = 'scheduled' AND e.ends >= ?2))"
		" ORDER BY e.starts, e.id LIMIT ?3";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int(s, 3, max > 0 ? max : -1);
	while ((rc = store_row(st, s, err, "listing events")) > 0) {
		struct event_info e;

		event_from_row(s, &e);
		rc = fn(&e, arg);
		event_info_free(&e);
		if (rc != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

int
store_event_reached(struct store *st, int64_t event_id, int64_t *n, struct error *err)
{
	static const char sql[] =
		"SELECT count(DISTINCT d.subscriber_id) FROM deliveries d"
		" JOIN campaigns c ON c.id = d.campaign_id WHERE c.event_id = ? AND d.status = 'sent'";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, event_id);
	if ((rc = store_row(st, s, err, "counting an event's mail")) < 0)
		return -1;
	if (rc > 0) {
		*n = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
}

int
store_event_campaigns_cancel(struct store *st, int64_t event_id, const char *reason, int64_t *n,
                             struct error *err)
{
	static const char sql[] =
		"UPDATE campaigns SET status = 'cancelled', status_reason = ?2, finished_at = ?3"
		" WHERE event_id = ?1 AND status IN ('scheduled', 'paused', 'sending')";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, event_id);
	store_bind_text(s, 2, reason);
	sqlite3_bind_int64(s, 3, now_unix());
	if (store_step_done(st, s, err, "cancelling an event's campaigns") < 0)
		return -1;
	*n = sqlite3_changes(st->db);
	return 0;
}

#define OPPORTUNITY_COLUMNS                                                                 \
	"SELECT o.id, o.list_id, o.slug, l.slug, o.kind, o.title, o.org, o.url, o.location,"  \
	" o.description, o.status, o.deadline, o.created_at, o.updated_at"                     \
	" FROM opportunities o JOIN lists l ON l.id = o.list_id"

static void
opportunity_from_row(sqlite3_stmt *s, struct opportunity_info *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->list_id = sqlite3_column_int64(s, 1);
	o->slug = store_col_text(s, 2);
	o->list_slug = store_col_text(s, 3);
	o->kind = store_col_text(s, 4);
	o->title = store_col_text(s, 5);
	o->org = store_col_text(s, 6);
	o->url = store_col_text(s, 7);
	o->location = store_col_text(s, 8);
	o->description = store_col_text(s, 9);
	o->status = store_col_text(s, 10);
	o->deadline = sqlite3_column_int64(s, 11);
	o->created_at = sqlite3_column_int64(s, 12);
	o->updated_at = sqlite3_column_int64(s, 13);
}

int
store_opportunity_add(struct store *st, const struct opportunity_info *o, int64_t *id,
                      struct error *err)
{
	static const char sql[] =
		"INSERT INTO opportunities (slug, list_id, kind, title, org, deadline, url, location,"
		" description, status, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0), ?7, ?8, ?9, 'open', ?10, ?10)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, o->slug);
	sqlite3_bind_int64(s, 2, o->list_id);
	store_bind_text(s, 3, o->kind);
	store_bind_text(s, 4, o->title);
	store_bind_text(s, 5, o->org);
	sqlite3_bind_int64(s, 6, o->deadline);
	store_bind_text(s, 7, o->url);
	store_bind_text(s, 8, o->location);
	store_bind_text(s, 9, o->description);
	sqlite3_bind_int64(s, 10, now_unix());
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return error_setk(err, ERR_CONFLICT, "opportunity '%s' already exists", o->slug);
	if (rc != SQLITE_DONE)
		return store_sql_error(st, err, "adding opportunity");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_opportunity_get(struct store *st, const char *slug, struct opportunity_info *out,
                      struct error *err)
{
	static const char sql[] = OPPORTUNITY_COLUMNS " WHERE o.slug = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, slug);
	if ((rc = store_row(st, s, err, "reading opportunity")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no opportunity '%s' (see: outreach "
		                  "opportunity ls)", slug);
	opportunity_from_row(s, out);
	sqlite3_reset(s);
	return 0;
}

int
store_opportunity_close(struct store *st, const char *slug, struct error *err)
{
	static const char sql[] =
		"UPDATE opportunities SET status = 'closed', updated_at = ?2"
		" WHERE slug = ?1 AND status = 'open'";
	struct opportunity_info o;
	sqlite3_stmt *s;

	if (store_opportunity_get(st, slug, &o, err) < 0)
		return -1;
	opportunity_info_free(&o);
	if ((s = store_stmt(st, sql, err)) == NULL)
		return -1;
	store_bind_text(s, 1, slug);
	sqlite3_bind_int64(s, 2, now_unix());
	if (store_step_done(st, s, err, "closing opportunity") < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return error_setk(err, ERR_CONFLICT, "opportunity '%s' is already closed", slug);
	return 0;
}

int
store_opportunity_each(struct store *st, int64_t list_id, int64_t open_at, int max,
                       int (*fn)(const struct opportunity_info *, void *), void *arg,
                       struct error *err)
{
	static const char sql[] =
		OPPORTUNITY_COLUMNS " WHERE (?1 = 0 OR o.list_id = ?1)"
		" AND (?2 = 0 OR (o.status = 'open' AND (o.deadline IS NULL OR o.deadline >= ?2)))"
		" ORDER BY o.deadline IS NULL, o.deadline, o.id LIMIT ?3";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	sqlite3_bind_int64(s, 2, open_at);
	sqlite3_bind_int(s, 3, max > 0 ? max : -1);
	while ((rc = store_row(st, s, err, "listing opportunities")) > 0) {
		struct opportunity_info o;

		opportunity_from_row(s, &o);
		rc = fn(&o, arg);
		opportunity_info_free(&o);
		if (rc != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}
