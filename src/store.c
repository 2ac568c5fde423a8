/*
 * store - opening the database, schema migrations, transactions and the
 * prepared-statement cache.  The tables' own operations live beside it, one
 * file per group of tables: store_lists.c (lists, topics),
 * store_subscribers.c (subscribers, memberships), store_suppressions.c,
 * store_audit.c, store_campaigns.c (campaigns), store_deliveries.c
 * (deliveries) and store_inbound.c (mail that came back, bounce events).
 *
 * Migrations are numbered by their place in the table below and applied in
 * order, each in its own transaction together with the new user_version, so
 * a crash mid-way leaves the database at the last complete version.
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* 1: lists, subscribers, memberships, topics, suppressions, audit log */
	"CREATE TABLE lists ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  from_addr TEXT NOT NULL,"
	"  reply_to TEXT,"
	"  description TEXT,"
	"  allow_html INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE subscribers ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE,"
	"  name TEXT,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('unconfirmed','active','unsubscribed','bounced','complained')),"
	"  digest TEXT NOT NULL DEFAULT 'immediate' CHECK (digest IN"
	"    ('immediate','weekly','monthly')),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE memberships ("
	"  list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	"  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('unconfirmed','active','unsubscribed','bounced','complained')),"
	"  source TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (list_id, subscriber_id)) WITHOUT ROWID;"
	"CREATE INDEX memberships_subscriber ON memberships(subscriber_id);"
	"CREATE TABLE topics ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL);"
	"INSERT INTO topics (slug, name) VALUES"
	"  ('meetings', 'Network meetings'), ('forums', 'STEM forums'),"
	"  ('opportunities', 'Internships, jobs and work-based learning'),"
	"  ('newsletter', 'Newsletter');"
	"CREATE TABLE subscriber_topics ("
	"  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (subscriber_id, topic_id)) WITHOUT ROWID;"
	"CREATE TABLE suppressions ("
	"  email TEXT PRIMARY KEY,"
	"  reason TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  subscriber_id INTEGER,"
	"  email TEXT NOT NULL,"
	"  list TEXT,"
	"  field TEXT NOT NULL,"
	"  old_value TEXT,"
	"  new_value TEXT,"
	"  actor TEXT NOT NULL CHECK (actor IN"
	"    ('admin','import','link','email','bounce','system')),"
	"  detail TEXT);"
	"CREATE INDEX audit_log_email ON audit_log(email);",

	/* 2: campaigns and per-recipient delivery state */
	"CREATE TABLE campaigns ("
	"  id INTEGER PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('newsletter','notice')),"
	"  subject TEXT NOT NULL,"
	"  topic TEXT,"
	"  source_name TEXT,"
	"  spool_name TEXT UNIQUE,"
	"  document TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('draft','scheduled','sending','sent','cancelled','paused')),"
	"  status_reason TEXT,"
	"  send_at INTEGER NOT NULL,"
	"  event_starts INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER,"
	"  finished_at INTEGER);"
	"CREATE INDEX campaigns_status ON campaigns(status, send_at);"
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	"  subscriber_id INTEGER NOT NULL,"
	"  email TEXT NOT NULL,"
	"  name TEXT,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('queued','sending','sent','deferred','failed','bounced')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  first_attempt INTEGER,"
	"  last_reply TEXT,"
	"  message_id TEXT,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (campaign_id, subscriber_id));"
	"CREATE INDEX deliveries_due ON deliveries(status, next_attempt);",
	/* 3: mail that came back (bounces, complaints, commands), processed once each */
	"CREATE TABLE inbound ("
	"  id INTEGER PRIMARY KEY,"
	"  message_key TEXT NOT NULL UNIQUE,"
	"  at INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  summary TEXT);"
	"CREATE TABLE bounce_events ("
	"  id INTEGER PRIMARY KEY,"
	"  inbound_id INTEGER NOT NULL REFERENCES inbound(id),"
	"  at INTEGER NOT NULL,"
	"  subscriber_id INTEGER,"
	"  email TEXT,"
	"  delivery_id INTEGER,"
	"  class TEXT NOT NULL,"
	"  status TEXT,"
	"  reason TEXT,"
	"  diagnostic TEXT,"
	"  decision TEXT NOT NULL);"
	"CREATE INDEX bounce_events_subscriber ON bounce_events(subscriber_id, at);",
	/*
	 * 4: mail outreach sends on its own behalf (confirmation requests, bounce
	 * probes) is a standing campaign per list and kind; deliveries are looked
	 * up by subscriber for the soft-bounce score.  SQLite cannot widen a
	 * CHECK in place, so campaigns is rebuilt (foreign keys are off while
	 * migrations run and checked before each commits).
	 */
	"CREATE TABLE campaigns_v4 ("
	"  id INTEGER PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('newsletter','notice','confirm','probe')),"
	"  subject TEXT NOT NULL,"
	"  topic TEXT,"
	"  source_name TEXT,"
	"  spool_name TEXT UNIQUE,"
	"  document TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('draft','scheduled','sending','sent','cancelled','paused')),"
	"  status_reason TEXT,"
	"  send_at INTEGER NOT NULL,"
	"  event_starts INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER,"
	"  finished_at INTEGER);"
	"INSERT INTO campaigns_v4 SELECT id, list_id, kind, subject, topic, source_name,"
	"  spool_name, document, status, status_reason, send_at, event_starts, created_at,"
	"  started_at, finished_at FROM campaigns;"
	"DROP TABLE campaigns;"
	"ALTER TABLE campaigns_v4 RENAME TO campaigns;"
	"CREATE INDEX campaigns_status ON campaigns(status, send_at);"
	"CREATE UNIQUE INDEX campaigns_system ON campaigns(list_id, kind)"
	"  WHERE kind IN ('confirm','probe');"
	"CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id, status);",
	/*
	 * 5: a bounce event may come from a relay's refusal at send time (no
	 * message came back: no inbound row), and records whether the policy
	 * counted it towards the soft-bounce score; old rows get the rule that
	 * was in force when they were recorded.
	 */
	"CREATE TABLE bounce_events_v5 ("
	"  id INTEGER PRIMARY KEY,"
	"  inbound_id INTEGER REFERENCES inbound(id),"
	"  at INTEGER NOT NULL,"
	"  subscriber_id INTEGER,"
	"  email TEXT,"
	"  delivery_id INTEGER,"
	"  class TEXT NOT NULL,"
	"  status TEXT,"
	"  reason TEXT,"
	"  diagnostic TEXT,"
	"  counted INTEGER NOT NULL DEFAULT 0,"
	"  decision TEXT NOT NULL);"
	"INSERT INTO bounce_events_v5 SELECT id, inbound_id, at, subscriber_id, email,"
	"  delivery_id, class, status, reason, diagnostic,"
	"  class = 'soft' AND coalesce(status, '') NOT LIKE '5.7.%', decision FROM bounce_events;"
	"DROP TABLE bounce_events;"
	"ALTER TABLE bounce_events_v5 RENAME TO bounce_events;"
	"CREATE INDEX bounce_events_subscriber ON bounce_events(subscriber_id, at);",
	/* 6: the SHA-256 of a campaign's document, to refuse the same file dropped twice */
	"ALTER TABLE campaigns ADD COLUMN content_hash TEXT;"
	"CREATE INDEX campaigns_content ON campaigns(content_hash, created_at)"
	"  WHERE content_hash IS NOT NULL;",
	/*
	 * 7: the web side.  The audit log tells one-click unsubscribes (RFC 8058)
	 * from link clicks; lists may be private (no sign-up form); a subscriber
	 * may pause all mail until a date; a suppression remembers whose word it
	 * is (an administrator's, or the address's own unsubscribe, bounce,
	 * complaint or erasure); and the data-request mail (export, erase) and
	 * digests are campaign kinds.  Two CHECKs widen, so two tables are rebuilt.
	 */
	"CREATE TABLE audit_log_v7 ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  subscriber_id INTEGER,"
	"  email TEXT NOT NULL,"
	"  list TEXT,"
	"  field TEXT NOT NULL,"
	"  old_value TEXT,"
	"  new_value TEXT,"
	"  actor TEXT NOT NULL CHECK (actor IN"
	"    ('admin','import','link','one-click','email','bounce','system')),"
	"  detail TEXT);"
	"INSERT INTO audit_log_v7 SELECT id, at, subscriber_id, email, list, field, old_value,"
	"  new_value, actor, detail FROM audit_log;"
	"DROP TABLE audit_log;"
	"ALTER TABLE audit_log_v7 RENAME TO audit_log;"
	"CREATE INDEX audit_log_email ON audit_log(email);"
	"ALTER TABLE lists ADD COLUMN public INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE subscribers ADD COLUMN paused_until INTEGER;"
	"ALTER TABLE suppressions ADD COLUMN origin TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN"
	"  ('admin','unsubscribed','bounced','complained','erased'));"
	"UPDATE suppressions SET origin = reason"
	"  WHERE reason IN ('unsubscribed','bounced','complained');"
	"CREATE TABLE campaigns_v7 ("
	"  id INTEGER PRIMARY KEY,"
	"  list_id INTEGER NOT NULL REFERENCES lists(id),"
	"  kind TEXT NOT NULL CHECK (kind IN"
	"    ('newsletter','notice','digest','confirm','probe','export','erase')),"
	"  subject TEXT NOT NULL,"
	"  topic TEXT,"
	"  source_name TEXT,"
	"  spool_name TEXT UNIQUE,"
	"  document TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('draft','scheduled','sending','sent','cancelled','paused')),"
	"  status_reason TEXT,"
	"  send_at INTEGER NOT NULL,"
	"  event_starts INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER,"
	"  finished_at INTEGER,"
	"  content_hash TEXT);"
	"INSERT INTO campaigns_v7 SELECT id, list_id, kind, subject, topic, source_name,"
	"  spool_name, document, status, status_reason, send_at, event_starts, created_at,"
	"  started_at, finished_at, content_hash FROM campaigns;"
	"DROP TABLE campaigns;"
	"ALTER TABLE campaigns_v7 RENAME TO campaigns;"
	"CREATE INDEX campaigns_status ON campaigns(status, send_at);"
	"CREATE UNIQUE INDEX campaigns_system ON campaigns(list_id, kind)"
	"  WHERE kind IN ('confirm','probe','export','erase');"
	"CREATE INDEX campaigns_content ON campaigns(content_hash, created_at)"
	"  WHERE content_hash IS NOT NULL;",
	/*
	 * 8: the delivery journal: hand-overs and outcomes are written here
	 * first (a one-page commit per step of the queue runner) and applied to
	 * deliveries in batches; a row handed over with no outcome is a message
	 * in doubt (store_deliveries.c).
	 */
	"CREATE TABLE delivery_journal ("
	"  delivery_id INTEGER PRIMARY KEY,"
	"  handed_at INTEGER,"
	"  change INTEGER,"
	"  status TEXT,"
	"  next_attempt INTEGER,"
	"  reply TEXT,"
	"  message_id TEXT);",
	/*
	 * 9: an address is the same address in any case.  Subscribers that
	 * differ only in case are merged into the oldest: it takes the strictest
	 * status, every membership (the strictest of each list's), topic, audit
	 * row and bounce, and an audit row saying so; subscriber_aliases maps
	 * each merged id to it, so links and tokens in mail already sent still
	 * work.  Deliveries move unless both got the same campaign.  The email
	 * columns compare without case from now on (the spelling given first is
	 * kept for display), and of two suppressions the subscriber's own word
	 * wins over an administrator's.
	 */
	"CREATE TABLE subscriber_aliases ("
	"  old_id INTEGER PRIMARY KEY,"
	"  subscriber_id INTEGER NOT NULL);"
	"CREATE TEMP TABLE merge AS SELECT id, survivor FROM (SELECT id,"
	"  first_value(id) OVER (PARTITION BY lower(email) ORDER BY id) AS survivor,"
	"  count(*) OVER (PARTITION BY lower(email)) AS n FROM subscribers) WHERE n > 1;"
	"INSERT INTO subscriber_aliases SELECT id, survivor FROM temp.merge WHERE id <> survivor;"
	"UPDATE subscribers SET status = (SELECT x.status FROM subscribers x"
	"  JOIN temp.merge g ON g.id = x.id WHERE g.survivor = subscribers.id"
	"  ORDER BY CASE x.status WHEN 'complained' THEN 5 WHEN 'unsubscribed' THEN 4"
	"  WHEN 'bounced' THEN 3 WHEN 'active' THEN 2 ELSE 1 END DESC LIMIT 1),"
	"  name = coalesce(name, (SELECT x.name FROM subscribers x JOIN temp.merge g"
	"  ON g.id = x.id WHERE g.survivor = subscribers.id AND x.name IS NOT NULL"
	"  ORDER BY x.id LIMIT 1))"
	"  WHERE id IN (SELECT survivor FROM temp.merge);"
	"INSERT INTO audit_log (at, subscriber_id, email, field, old_value, new_value, actor,"
	"  detail) SELECT CAST(strftime('%s', 'now') AS INTEGER), g.survivor, x.email,"
	"  'merged', x.email, (SELECT email FROM subscribers WHERE id = g.survivor), 'system',"
	"  'the same address in another case: one subscriber now'"
	"  FROM temp.merge g JOIN subscribers x ON x.id = g.id WHERE g.id <> g.survivor;"
	"CREATE TEMP TABLE merged_memberships AS SELECT m.list_id, g.survivor AS subscriber_id,"
	"  (SELECT x.status FROM memberships x JOIN temp.merge gx ON gx.id = x.subscriber_id"
	"   WHERE gx.survivor = g.survivor AND x.list_id = m.list_id"
	"   ORDER BY CASE x.status WHEN 'complained' THEN 5 WHEN 'unsubscribed' THEN 4"
	"   WHEN 'bounced' THEN 3 WHEN 'active' THEN 2 ELSE 1 END DESC LIMIT 1) AS status,"
	"  (SELECT x.source FROM memberships x JOIN temp.merge gx ON gx.id = x.subscriber_id"
	"   WHERE gx.survivor = g.survivor AND x.list_id = m.list_id"
	"   ORDER BY x.created_at LIMIT 1) AS source,"
	"  min(m.created_at) AS created_at, max(m.updated_at) AS updated_at"
	"  FROM memberships m JOIN temp.merge g ON g.id = m.subscriber_id"
	"  GROUP BY m.list_id, g.survivor;"
	"DELETE FROM memberships WHERE subscriber_id IN (SELECT id FROM temp.merge);"
	"INSERT INTO memberships (list_id, subscriber_id, status, source, created_at, updated_at)"
	"  SELECT list_id, subscriber_id, status, source, created_at, updated_at"
	"  FROM temp.merged_memberships;"
	"INSERT OR IGNORE INTO subscriber_topics (subscriber_id, topic_id)"
	"  SELECT g.survivor, t.topic_id FROM subscriber_topics t"
	"  JOIN temp.merge g ON g.id = t.subscriber_id WHERE g.id <> g.survivor;"
	"DELETE FROM subscriber_topics WHERE subscriber_id IN"
	"  (SELECT id FROM temp.merge WHERE id <> survivor);"
	"UPDATE audit_log SET subscriber_id = (SELECT survivor FROM temp.merge"
	"  WHERE id = audit_log.subscriber_id)"
	"  WHERE subscriber_id IN (SELECT id FROM temp.merge WHERE id <> survivor);"
	"UPDATE bounce_events SET subscriber_id = (SELECT survivor FROM temp.merge"
	"  WHERE id = bounce_events.subscriber_id)"
	"  WHERE subscriber_id IN (SELECT id FROM temp.merge WHERE id <> survivor);"
	"UPDATE OR IGNORE deliveries SET subscriber_id = (SELECT survivor FROM temp.merge"
	"  WHERE id = deliveries.subscriber_id)"
	"  WHERE subscriber_id IN (SELECT id FROM temp.merge WHERE id <> survivor);"
	"DELETE FROM subscribers WHERE id IN (SELECT id FROM temp.merge WHERE id <> survivor);"
	"DROP TABLE temp.merge;"
	"DROP TABLE temp.merged_memberships;"
	"CREATE TABLE subscribers_v9 ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  name TEXT,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('unconfirmed','active','unsubscribed','bounced','complained')),"
	"  digest TEXT NOT NULL DEFAULT 'immediate' CHECK (digest IN"
	"    ('immediate','weekly','monthly')),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  paused_until INTEGER);"
	"INSERT INTO subscribers_v9 SELECT id, email, name, status, digest, created_at, updated_at,"
	"  paused_until FROM subscribers;"
	"DROP TABLE subscribers;"
	"ALTER TABLE subscribers_v9 RENAME TO subscribers;"
	"CREATE TABLE suppressions_v9 ("
	"  email TEXT PRIMARY KEY COLLATE NOCASE,"
	"  reason TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  origin TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN"
	"    ('admin','unsubscribed','bounced','complained','erased'))) WITHOUT ROWID;"
	"INSERT INTO suppressions_v9 SELECT email, reason, created_at, origin FROM (SELECT *,"
	"  row_number() OVER (PARTITION BY lower(email) ORDER BY origin = 'admin', created_at)"
	"  AS n FROM suppressions) WHERE n = 1;"
	"DROP TABLE suppressions;"
	"ALTER TABLE suppressions_v9 RENAME TO suppressions;"
	"DROP INDEX audit_log_email;"
	"CREATE INDEX audit_log_email ON audit_log(email COLLATE NOCASE);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const status_names[] = {"unconfirmed", "active", "unsubscribed", "bounced",
                                           "complained"};
static const char *const digest_names[] = {"immediate", "weekly", "monthly"};
static const char *const actor_names[] = {"admin", "import", "link", "one-click", "email",
                                          "bounce", "system"};

const char *
sub_status_name(int status)
{
	return status >= 0 && status < SUB_NSTATUS ? status_names[status] : "?";
}

int
sub_status_parse(const char *s)
{
	for (int i = 0; i < SUB_NSTATUS; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

const char *
digest_name(int digest)
{
	return digest >= 0 && digest < DIGEST_NMODES ? digest_names[digest] : "?";
}

int
digest_parse(const char *s)
{
	for (int i = 0; i < DIGEST_NMODES; i++)
		if (strcmp(s, digest_names[i]) == 0)
			return i;
	return -1;
}

const char *
actor_name(int actor)
{
	return actor >= 0 && actor <= ACTOR_SYSTEM ? actor_names[actor] : "system";
}

int
store_latest_version(void)
{
	return NMIGRATIONS;
}

int
store_sql_error(struct store *st, struct error *err, const char *what)
{
	return error_setk(err, ERR_DB, "database %s: %s: %s", st->path, what,
	                  sqlite3_errmsg(st->db));
}

static int
exec_sql(struct store *st, const char *sql, struct error *err, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_setk(err, ERR_DB, "database %s: %s: %s", st->path, what, msg ? msg : "failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* foreign_keys_broken - whether a migration left a dangling reference (err says where). */
static int
foreign_keys_broken(struct store *st, struct error *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s, NULL) != SQLITE_OK)
		return store_sql_error(st, err, "checking foreign keys"), 1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		error_setk(err, ERR_DB, "database %s: table %s row %lld refers to a missing %s row",
		           st->path,
		          (const char *)sqlite3_column_text(s, 0),
		          (long long)sqlite3_column_int64(s, 1), (const char *)sqlite3_column_text(s, 2));
	else if (rc != SQLITE_DONE)
		store_sql_error(st, err, "checking foreign keys");
	sqlite3_finalize(s);
	return rc != SQLITE_DONE;
}

/*
 * migrate - apply the migrations after the current version, up to target.
 * Foreign keys are off while they run (a table rebuild would otherwise
 * cascade its DROP), so each is checked before it commits.
 */
static int
migrate(struct store *st, int target, struct error *err)
{
	int current = store_schema_version(st);

	if (current < 0)
		return store_sql_error(st, err, "reading schema version");
	if (current > NMIGRATIONS)
		return error_setk(err, ERR_DB, "database %s: schema version %d is newer than this "
		                  "outreach understands (%d); upgrade outreach", st->path, current,
		                  NMIGRATIONS);
	for (int v = current + 1; v <= target; v++) {
		char *bump = xasprintf("PRAGMA user_version = %d", v);
		int rc = exec_sql(st, "BEGIN IMMEDIATE", err, "starting migration");

		if (rc == 0 && exec_sql(st, migrations[v - 1], err, "applying migration") < 0)
			rc = -1;
		if (rc == 0 && exec_sql(st, bump, err, "recording schema version") < 0)
			rc = -1;
		if (rc == 0 && foreign_keys_broken(st, err))
			rc = -1;
		free(bump);
		if (rc == 0 && exec_sql(st, "COMMIT", err, "committing migration") == 0)
			continue;
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return error_prefix(err, "migration %d", v);
	}
	return 0;
}

int
store_open_at_version(const char *path, int version, struct store **out, struct error *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int rc;

	st->path = xstrdup(path);
	/* One connection per thread of control: SQLite's own mutexes are wasted work. */
	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		error_setk(err, ERR_DB, "database %s: %s", path,
		           st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	if (exec_sql(st, "PRAGMA journal_mode = WAL", err, "enabling WAL") < 0 ||
	    exec_sql(st, "PRAGMA synchronous = NORMAL", err, "setting synchronous") < 0 ||
	    exec_sql(st, "PRAGMA cache_size = -8192", err, "sizing the page cache") < 0 ||
	    exec_sql(st, "PRAGMA foreign_keys = OFF", err, "pausing foreign keys") < 0)
		goto fail;
	if (migrate(st, version, err) < 0 ||
	    exec_sql(st, "PRAGMA foreign_keys = ON", err, "enabling foreign keys") < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

int
store_open(const char *path, struct store **out, struct error *err)
{
	return store_open_at_version(path, NMIGRATIONS, out, err);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < st->n_cached; i++)
		sqlite3_finalize(st->cache[i].stmt);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql, struct error *err)
{
	sqlite3_stmt *s;

	for (int i = 0; i < st->n_cached; i++)
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		store_sql_error(st, err, "preparing statement");
		return NULL;
	}
	if (st->n_cached < STORE_STMT_CACHE) {
		st->cache[st->n_cached].sql = sql;
		st->cache[st->n_cached].stmt = s;
		st->n_cached++;
	} else {
		/* The cache is sized for every statement in the program; running out is a bug. */
		abort();
	}
	return s;
}

int
store_row(struct store *st, sqlite3_stmt *s, struct error *err, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 1;
	/* Reset at once: a statement left open would pin the connection's read snapshot. */
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	return store_sql_error(st, err, what);
}

int
store_step_done(struct store *st, sqlite3_stmt *s, struct error *err, const char *what)
{
	int rc = store_row(st, s, err, what);

	if (rc > 0)
		sqlite3_reset(s);
	return rc < 0 ? -1 : 0;
}

void
store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (v)
		sqlite3_bind_text(s, idx, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, idx);
}

char *
store_col_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? xstrdup((const char *)t) : NULL;
}

int
store_cache_kb(struct store *st, int kb, struct error *err)
{
	char *sql = xasprintf("PRAGMA cache_size = -%d", kb);
	int rc = exec_sql(st, sql, err, "sizing the page cache");

	free(sql);
	return rc;
}

int
store_begin(struct store *st, struct error *err)
{
	static const char begin[] = "BEGIN IMMEDIATE";
	sqlite3_stmt *s;

	if (st->in_tx++ > 0)
		return 0;
	/* Prepared once: the queue runner begins a transaction per step. */
	if ((s = store_stmt(st, begin, err)) == NULL ||
	    store_step_done(st, s, err, "starting transaction") < 0) {
		st->in_tx = 0;
		return -1;
	}
	return 0;
}

int
store_commit(struct store *st, struct error *err)
{
	if (st->in_tx == 0)
		return error_setk(err, ERR_DB, "database %s: commit without a transaction", st->path);
	static const char commit[] = "COMMIT";
	sqlite3_stmt *s;

	if (--st->in_tx > 0)
		return 0;
	if ((s = store_stmt(st, commit, err)) == NULL ||
	    store_step_done(st, s, err, "committing") < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st->in_tx == 0)
		return;
	st->in_tx = 0;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_tx_open(struct store *st, int *opened, struct error *err)
{
	*opened = st->in_tx == 0;
	if (!*opened)
		return 0;
	return store_begin(st, err);
}

int
store_tx_close(struct store *st, int opened, int ok, struct error *err)
{
	if (!opened)
		return ok ? 0 : -1;
	if (!ok) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}
