/*
 * store - opening the database, schema migrations, transactions and the
 * prepared-statement cache.  The tables' own operations live beside it, one
 * file per group of tables: store_lists.c (lists, topics),
 * store_subscribers.c (subscribers, memberships), store_suppressions.c,
 * store_audit.c, store_campaigns.c (campaigns), store_deliveries.c
 * (deliveries) and store_inbound.c (mail that came back, bounce events).
 *
 * Migrations (store_migrations.c) are numbered by their place in the table
 * and applied in order, each in its own transaction together with the new
 * user_version, so a crash mid-way leaves the database at the last complete
 * version.
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NMIGRATIONS store_nmigrations

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
	/* Any case: a coordinator's CSV may say "Weekly". */
	for (int i = 0; i < DIGEST_NMODES; i++)
		if (strcasecmp(s, digest_names[i]) == 0)
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

		if (rc == 0 && exec_sql(st, store_migrations[v - 1], err, "applying migration") < 0)
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
