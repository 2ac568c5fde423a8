/*
 * store_digests - which digest each list has had for each period, and what
 * each digest lists.  See store.h.
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int
store_digest_claim(struct store *st, int64_t list_id, const char *period, const char *key,
                   int64_t *campaign, struct error *err)
{
	static const char ins[] =
		"INSERT OR IGNORE INTO digests (list_id, period, period_key, created_at)"
		" VALUES (?1, ?2, ?3, ?4)";
	static const char sel[] =
		"SELECT coalesce(campaign_id, 0) FROM digests WHERE list_id = ?1 AND period = ?2"
		" AND period_key = ?3";
	sqlite3_stmt *s = store_stmt(st, ins, err);
	int rc;

	*campaign = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, period);
	store_bind_text(s, 3, key);
	sqlite3_bind_int64(s, 4, now_unix());
	if (store_step_done(st, s, err, "recording a digest") < 0)
		return -1;
	if (sqlite3_changes(st->db) > 0)
		return 0;
	if ((s = store_stmt(st, sel, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, period);
	store_bind_text(s, 3, key);
	if ((rc = store_row(st, s, err, "reading a digest")) < 0)
		return -1;
	if (rc > 0) {
		*campaign = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return error_setk(err, ERR_CONFLICT, "the %s digest for %s is already made", period, key);
}

int
store_digest_set_campaign(struct store *st, int64_t list_id, const char *period,
                          const char *key, int64_t campaign, struct error *err)
{
	static const char sql[] =
		"UPDATE digests SET campaign_id = ?4 WHERE list_id = ?1 AND period = ?2"
		" AND period_key = ?3";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, period);
	store_bind_text(s, 3, key);
	sqlite3_bind_int64(s, 4, campaign);
	return store_step_done(st, s, err, "recording a digest's campaign");
}

int
store_digest_last(struct store *st, int64_t list_id, const char *period, int64_t *at,
                  struct error *err)
{
	static const char sql[] =
		"SELECT coalesce(max(c.created_at), 0) FROM digests g"
		" JOIN campaigns c ON c.id = g.campaign_id WHERE g.list_id = ?1 AND g.period = ?2";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	*at = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	store_bind_text(s, 2, period);
	if ((rc = store_row(st, s, err, "reading the last digest")) < 0)
		return -1;
	if (rc > 0) {
		*at = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
}

int
store_digest_item_add(struct store *st, int64_t campaign, const struct digest_item *it,
                      struct error *err)
{
	static const char sql[] =
		"INSERT INTO digest_items (campaign_id, section, position, listed_at, ref_id, markdown,"
		" full_text, topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, campaign);
	store_bind_text(s, 2, it->section);
	sqlite3_bind_int(s, 3, it->position);
	sqlite3_bind_int64(s, 4, it->listed_at);
	sqlite3_bind_int64(s, 5, it->ref_id);
	store_bind_text(s, 6, it->markdown);
	store_bind_text(s, 7, it->full_text);
	store_bind_text(s, 8, it->topic);
	return store_step_done(st, s, err, "recording a digest item");
}

int
store_digest_items_each(struct store *st, int64_t campaign, int64_t since, const char *topics,
                        int (*fn)(const struct digest_item *, void *), void *arg,
                        struct error *err)
{
	/* ";a;b;" holds ";t;" when t is among the chosen topics. */
	static const char sql[] =
		"SELECT section, position, listed_at, ref_id, topic, markdown, full_text"
		" FROM digest_items WHERE campaign_id = ?1 AND listed_at > ?2"
		" AND (topic IS NULL OR coalesce(?3, '') = ''"
		"  OR instr(';' || ?3 || ';', ';' || topic || ';') > 0)"
		" ORDER BY CASE section WHEN 'newsletters' THEN 0 WHEN 'events' THEN 1 ELSE 2 END,"
		" position";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, campaign);
	sqlite3_bind_int64(s, 2, since);
	store_bind_text(s, 3, topics);
	while ((rc = store_row(st, s, err, "reading a digest's items")) > 0) {
		struct digest_item it = {
			(const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1),
			sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
			(const char *)sqlite3_column_text(s, 4), (const char *)sqlite3_column_text(s, 5),
			(const char *)sqlite3_column_text(s, 6),
		};

		if ((rc = fn(&it, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

int
store_newsletters_between(struct store *st, int64_t list_id, int64_t from, int64_t to,
                          int (*fn)(const struct newsletter_row *, void *), void *arg,
                          struct error *err)
{
	static const char sql[] =
		"SELECT id, started_at, subject, document, topic FROM campaigns WHERE list_id = ?1"
		" AND kind = 'newsletter' AND status IN ('sending', 'sent') AND started_at > ?2"
		" AND started_at <= ?3 ORDER BY started_at, id";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, list_id);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = store_row(st, s, err, "reading newsletters")) > 0) {
		struct newsletter_row r = {
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
