/*
 * store_lists - lists and topics: the things subscribers subscribe to and
 * choose among.  A list with campaigns is never removed (they are the
 * record of what was sent).
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

void
list_info_free(struct list_info *l)
{
	free(l->slug);
	free(l->name);
	free(l->from);
	free(l->reply_to);
	free(l->description);
	free(l->timezone);
	free(l->organizer);
	free(l->address);
	free(l->logo);
	free(l->domain);
	free(l->color);
	free(l->accent);
	free(l->dkim_selector);
	free(l->dkim_key_file);
	memset(l, 0, sizeof(*l));
}

int
store_list_add(struct store *st, const struct list_info *l, struct error *err)
{
	static const char sql[] =
		"INSERT INTO lists (slug, name, from_addr, reply_to, description, allow_html,"
		" created_at, public, address, logo, domain, color, accent, dkim_selector,"
		" dkim_key_file) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, l->slug);
	store_bind_text(s, 2, l->name);
	store_bind_text(s, 3, l->from);
	store_bind_text(s, 4, l->reply_to);
	store_bind_text(s, 5, l->description);
	sqlite3_bind_int(s, 6, l->allow_html);
	sqlite3_bind_int64(s, 7, now_unix());
	sqlite3_bind_int(s, 8, l->is_public);
	store_bind_text(s, 9, l->address);
	store_bind_text(s, 10, l->logo);
	store_bind_text(s, 11, l->domain);
	store_bind_text(s, 12, l->color);
	store_bind_text(s, 13, l->accent);
	store_bind_text(s, 14, l->dkim_selector);
	store_bind_text(s, 15, l->dkim_key_file);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return error_setk(err, ERR_CONFLICT, "list '%s' already exists", l->slug);
	if (rc != SQLITE_DONE)
		return store_sql_error(st, err, "adding list");
	return 0;
}

#define LIST_COLUMNS                                                                     \
	"SELECT l.id, l.slug, l.name, l.from_addr, l.reply_to, l.description, l.allow_html," \
	" l.created_at,"                                                                 \
	" (SELECT count(*) FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id"      \
	"  WHERE m.list_id = l.id AND m.status = 'active' AND s.status = 'active'"            \
	"  AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email)),"          \
	" (SELECT count(*) FROM memberships m WHERE m.list_id = l.id), l.public, l.timezone,"   \
	" l.organizer, l.address, l.logo, l.domain, l.color, l.accent, l.dkim_selector,"   \
	" l.dkim_key_file FROM lists l"

static void
list_from_row(sqlite3_stmt *s, struct list_info *l)
{
	l->id = sqlite3_column_int64(s, 0);
	l->slug = store_col_text(s, 1);
	l->name = store_col_text(s, 2);
	l->from = store_col_text(s, 3);
	l->reply_to = store_col_text(s, 4);
	l->description = store_col_text(s, 5);
	l->allow_html = sqlite3_column_int(s, 6);
	l->created_at = sqlite3_column_int64(s, 7);
	l->n_active = sqlite3_column_int64(s, 8);
	l->n_total = sqlite3_column_int64(s, 9);
	l->is_public = sqlite3_column_int(s, 10);
	l->timezone = store_col_text(s, 11);
	l->organizer = store_col_text(s, 12);
	l->address = store_col_text(s, 13);
	l->logo = store_col_text(s, 14);
	l->domain = store_col_text(s, 15);
	l->color = store_col_text(s, 16);
	l->accent = store_col_text(s, 17);
	l->dkim_selector = store_col_text(s, 18);
	l->dkim_key_file = store_col_text(s, 19);
}

int
store_list_get(struct store *st, const char *slug, struct list_info *out, struct error *err)
{
	static const char sql[] = LIST_COLUMNS " WHERE l.slug = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, slug);
	if ((rc = store_row(st, s, err, "reading list")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no list '%s' (see: outreach list ls)", slug);
	list_from_row(s, out);
	sqlite3_reset(s);
	return 0;
}

/* The columns without the member counts, for lookups on every web request. */
#define LIST_BRIEF                                                                        \
	"SELECT l.id, l.slug, l.name, l.from_addr, l.reply_to, l.description, l.allow_html," \
	" l.created_at, 0, 0, l.public, l.timezone, l.organizer, l.address, l.logo, l.domain,"  \
	" l.color, l.accent, l.dkim_selector, l.dkim_key_file FROM lists l"

int
store_list_brief(struct store *st, int64_t id, const char *slug, struct list_info *out,
                 struct error *err)
{
	static const char by_id[] = LIST_BRIEF " WHERE l.id = ?";
	static const char by_slug[] = LIST_BRIEF " WHERE l.slug = ?";
	sqlite3_stmt *s = store_stmt(st, slug ? by_slug : by_id, err);
	int rc;

	if (s == NULL)
		return -1;
	if (slug)
		store_bind_text(s, 1, slug);
	else
		sqlite3_bind_int64(s, 1, id);
	if ((rc = store_row(st, s, err, "reading list")) < 0)
		return -1;
	if (rc == 0) {
		if (slug)
			return error_setk(err, ERR_NOTFOUND, "no list '%s' (see: outreach list ls)",
			                  slug);
		return error_setk(err, ERR_NOTFOUND, "no list %lld", (long long)id);
	}
	list_from_row(s, out);
	sqlite3_reset(s);
	return 0;
}

int
store_list_get_id(struct store *st, int64_t id, struct list_info *out, struct error *err)
{
	static const char sql[] = LIST_COLUMNS " WHERE l.id = ?";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = store_row(st, s, err, "reading list")) < 0)
		return -1;
	if (rc == 0)
		return error_setk(err, ERR_NOTFOUND, "no list with id %lld", (long long)id);
	list_from_row(s, out);
	sqlite3_reset(s);
	return 0;
}

int
store_list_each(struct store *st, int (*fn)(const struct list_info *, void *), void *arg,
                struct error *err)
{
	static const char sql[] = LIST_COLUMNS " ORDER BY l.slug";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = store_row(st, s, err, "listing lists")) > 0) {
		struct list_info l;

		list_from_row(s, &l);
		rc = fn(&l, arg);
		list_info_free(&l);
		if (rc != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

int
store_list_set(struct store *st, const char *slug, const struct list_info *l, struct error *err)
{
	/* ?N IS NULL keeps a field; '' clears one that may be empty. */
	static const char sql[] =
		"UPDATE lists SET name = coalesce(?2, name), from_addr = coalesce(?3, from_addr),"
		" reply_to = CASE WHEN ?4 IS NULL THEN reply_to ELSE nullif(?4, '') END,"
		" description = CASE WHEN ?5 IS NULL THEN description ELSE nullif(?5, '') END,"
		" timezone = CASE WHEN ?6 IS NULL THEN timezone ELSE nullif(?6, '') END,"
		" organizer = CASE WHEN ?7 IS NULL THEN organizer ELSE nullif(?7, '') END,"
		" address = CASE WHEN ?8 IS NULL THEN address ELSE nullif(?8, '') END,"
		" logo = CASE WHEN ?9 IS NULL THEN logo ELSE nullif(?9, '') END,"
		" domain = CASE WHEN ?10 IS NULL THEN domain ELSE nullif(?10, '') END,"
		" color = CASE WHEN ?11 IS NULL THEN color ELSE nullif(?11, '') END,"
		" accent = CASE WHEN ?12 IS NULL THEN accent ELSE nullif(?12, '') END,"
		" dkim_selector = CASE WHEN ?13 IS NULL THEN dkim_selector ELSE nullif(?13, '') END,"
		" dkim_key_file = CASE WHEN ?14 IS NULL THEN dkim_key_file ELSE nullif(?14, '') END"
		" WHERE slug = ?1";
	sqlite3_stmt *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, slug);
	store_bind_text(s, 2, l->name);
	store_bind_text(s, 3, l->from);
	store_bind_text(s, 4, l->reply_to);
	store_bind_text(s, 5, l->description);
	store_bind_text(s, 6, l->timezone);
	store_bind_text(s, 7, l->organizer);
	store_bind_text(s, 8, l->address);
	store_bind_text(s, 9, l->logo);
	store_bind_text(s, 10, l->domain);
	store_bind_text(s, 11, l->color);
	store_bind_text(s, 12, l->accent);
	store_bind_text(s, 13, l->dkim_selector);
	store_bind_text(s, 14, l->dkim_key_file);
	if (store_step_done(st, s, err, "changing list") < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return error_setk(err, ERR_NOTFOUND, "no list '%s' (see: outreach list ls)", slug);
	return 0;
}

int
store_list_remove(struct store *st, const char *slug, int force, struct error *err)
{
	static const char del[] = "DELETE FROM lists WHERE id = ?";
	static const char campaigns[] =
		"SELECT count(*) FROM campaigns WHERE list_id = ? AND kind NOT IN " SYSTEM_KINDS;
	/* Mail outreach sent on its own behalf belongs to the list; its campaigns are history. */
	static const char del_system[] =
		"DELETE FROM campaigns WHERE list_id = ? AND kind IN " SYSTEM_KINDS;
	int64_t n_campaigns = 0;
	int rc;
	static const char audit[] =
		"INSERT INTO audit_log (at, subscriber_id, email, list, field, old_value,"
		" new_value, actor, detail)"
		" SELECT ?1, s.id, s.email, ?3, 'membership', m.status, NULL, 'admin',"
		" 'list ' || ?3 || ' removed' FROM memberships m"
		" JOIN subscribers s ON s.id = m.subscriber_id WHERE m.list_id = ?2";
	struct list_info l = {0};
	sqlite3_stmt *s;
	int opened, ok = 0;

	if (store_tx_open(st, &opened, err) < 0)
		return -1;
	if (store_list_get(st, slug, &l, err) < 0)
		goto out;
	if (l.n_total > 0 && !force) {
		error_setk(err, ERR_CONFLICT, "list '%s' has %lld members; use --force to remove it "
		           "anyway", slug, (long long)l.n_total);
		goto out;
	}
	if ((s = store_stmt(st, campaigns, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, l.id);
	if ((rc = store_row(st, s, err, "counting the list's campaigns")) <= 0)
		goto out;
	n_campaigns = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (n_campaigns > 0) {
		error_setk(err, ERR_CONFLICT, "list '%s' has %lld campaigns, kept as the record of "
		           "what was sent; it cannot be removed", slug, (long long)n_campaigns);
		goto out;
	}
	if ((s = store_stmt(st, del_system, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, l.id);
	if (store_step_done(st, s, err, "removing the list's confirmation requests") < 0)
		goto out;
	/* The members lose a membership: that is a change the audit log must show. */
	s = store_stmt(st, audit, err);
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, now_unix());
	sqlite3_bind_int64(s, 2, l.id);
	store_bind_text(s, 3, l.slug);
	if (store_step_done(st, s, err, "auditing list removal") < 0)
		goto out;
	s = store_stmt(st, del, err);
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, l.id);
	if (store_step_done(st, s, err, "removing list") < 0)
		goto out;
	ok = 1;
out:
	list_info_free(&l);
	return store_tx_close(st, opened, ok, err);
}

int
store_topic_add(struct store *st, const char *slug, const char *name, struct error *err)
{
	static const char sql[] = "INSERT INTO topics (slug, name) VALUES (?, ?)";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, slug);
	store_bind_text(s, 2, name);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return error_setk(err, ERR_CONFLICT, "topic '%s' already exists", slug);
	if (rc != SQLITE_DONE)
		return store_sql_error(st, err, "adding topic");
	return 0;
}

int
store_topic_each(struct store *st, int (*fn)(const struct topic_info *, void *), void *arg,
                 struct error *err)
{
	static const char sql[] = "SELECT id, slug, name FROM topics ORDER BY slug";
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = store_row(st, s, err, "listing topics")) > 0) {
		struct topic_info t = {sqlite3_column_int64(s, 0),
		                       (const char *)sqlite3_column_text(s, 1),
		                       (const char *)sqlite3_column_text(s, 2)};

		if ((rc = fn(&t, arg)) != 0) {
			sqlite3_reset(s);
			return rc;
		}
	}
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
store_topics_resolve(struct store *st, const char *list, char **canonical, struct error *err)
{
	static const char sql[] = "SELECT 1 FROM topics WHERE slug = ?";
	char *copy = xstrdup(list), *p = copy, **names = NULL;
	size_t n = 0, cap = 0, len = 0;
	char *outp;
	int ok = 0;

	/* Topic slugs are lower-case: "Meetings" is meetings. */
	for (char *c = copy; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');

	while (*p) {
		size_t span = strcspn(p, ",; \t");
		sqlite3_stmt *s;
		int rc;

		if (span == 0) {
			p++;
			continue;
		}
		if (p[span])
			p[span++] = '\0';
		s = store_stmt(st, sql, err);
		if (s == NULL)
			goto out;
		store_bind_text(s, 1, p);
		if ((rc = store_row(st, s, err, "looking up topic")) < 0)
			goto out;
		if (rc == 0) {
			error_setk(err, ERR_INPUT, "unknown topic '%s' (see: outreach topic ls)", p);
			goto out;
		}
		sqlite3_reset(s);
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = p;
		p += span;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	outp = *canonical = xmalloc(len + 1);
	*outp = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (outp != *canonical)
			*outp++ = ';';
		k = strlen(names[i]);
		memcpy(outp, names[i], k + 1);
		outp += k;
	}
	ok = 1;
out:
	free(names);
	free(copy);
	return ok ? 0 : -1;
}
