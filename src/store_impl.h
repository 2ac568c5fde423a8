/*
 * store_impl - private to the store module (store*.c): the handle and the
 * statement cache.  No other module includes this file.
 */
#ifndef OUTREACH_STORE_IMPL_H
#define OUTREACH_STORE_IMPL_H

#include <sqlite3.h>

#include "store.h"

enum { STORE_STMT_CACHE = 160 };

/* SYSTEM_KINDS - the campaign kinds of mail outreach sends on its own behalf (sysmail.h). */
#define SYSTEM_KINDS "('confirm', 'probe', 'export', 'erase')"

struct store {
	sqlite3 *db;
	char *path;
	int in_tx;                 /* depth of store_begin() */
	struct {
		const char *sql;   /* identity of a static SQL string */
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
	int n_cached;
};

/*
 * store_stmt - the prepared statement for a static SQL string, reset and with
 * bindings cleared; NULL with err set if it cannot be prepared.
 */
sqlite3_stmt *store_stmt(struct store *st, const char *sql, struct error *err);
/* store_sql_error - set err (ERR_DB) from the connection's last error, prefixed by what. */
int store_sql_error(struct store *st, struct error *err, const char *what);
/*
 * store_row - step s: 1 with a row to read (the caller resets s once it has
 * read it), 0 when there are no more rows, -1 with err set (ERR_DB).  On 0
 * and -1 the statement is already reset, so no read snapshot stays open.
 */
int store_row(struct store *st, sqlite3_stmt *s, struct error *err, const char *what);
/* store_step_done - step a statement whose rows, if any, are not wanted; -1 with err. */
int store_step_done(struct store *st, sqlite3_stmt *s, struct error *err, const char *what);
/* Text and binding helpers that treat NULL as SQL NULL. */
void store_bind_text(sqlite3_stmt *s, int idx, const char *v);
char *store_col_text(sqlite3_stmt *s, int col);   /* xstrdup of column, NULL for NULL */
/*
 * NOT_PAUSED - subscriber s has not paused all mail past NOW (an SQL expression).
 */
#define NOT_PAUSED(NOW) "(s.paused_until IS NULL OR s.paused_until <= " NOW ")"

/*
 * WANTED_MEMBER - who a campaign goes to now, as SQL over memberships m and
 * subscribers s, for a topic given by the SQL expression TOPIC (NULL: every
 * topic) at time NOW: membership and subscriber active, taking mail at the
 * frequency DIGEST ('immediate', 'weekly', 'monthly'; NULL: any), not
 * paused, not suppressed, and wanting the topic (or every topic).  The
 * one statement of the rule, used by store_recipients_each and
 * store_campaign_expand.
 */
#define WANTED_MEMBER(TOPIC, NOW, DIGEST)                                                   \
	"m.status = 'active' AND s.status = 'active'"                                       \
	" AND ((" DIGEST ") IS NULL OR s.digest = (" DIGEST "))"                            \
	" AND " NOT_PAUSED(NOW)                                                             \
	" AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email)"            \
	" AND (" TOPIC " IS NULL"                                                          \
	"  OR NOT EXISTS (SELECT 1 FROM subscriber_topics x WHERE x.subscriber_id = s.id)"  \
	"  OR EXISTS (SELECT 1 FROM subscriber_topics x JOIN topics t ON t.id = x.topic_id" \
	"             WHERE x.subscriber_id = s.id AND t.slug = " TOPIC "))"

/*
 * STILL_WANTED - whether delivery d of campaign c should still go out when
 * it is claimed, as SQL: the address may have unsubscribed, bounced or been
 * suppressed since the campaign was expanded, or its deferred retries may
 * outlive its consent.  A confirmation request is the one mail an address
 * suppressed by its own past word (unsubscribed, bounced, erased) may get:
 * it signed up again, and only its confirmation lifts that word.  List mail
 * needs the membership and the subscriber active and mail not paused (at
 * ?1, the claim's time); a confirmation request a membership still
 * waiting; a probe an active subscriber; a data
 * request (export, erase) a subscriber still there.
 */
#define STILL_WANTED                                                                        \
	"(CASE c.kind"                                                                       \
	" WHEN 'confirm' THEN NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = d.email" \
	"  AND p.origin IN ('admin', 'complained'))"                                          \
	"  AND EXISTS (SELECT 1 FROM memberships m WHERE m.list_id = c.list_id"               \
	"  AND m.subscriber_id = d.subscriber_id AND m.status = 'unconfirmed')"                \
	" ELSE NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = d.email)"            \
	" AND CASE c.kind"                                                                   \
	" WHEN 'export' THEN EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id)" \
	" WHEN 'erase' THEN EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id)"  \
	" WHEN 'probe' THEN EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id"  \
	"  AND s.status = 'active')"                                                           \
	" ELSE EXISTS (SELECT 1 FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id" \
	"  WHERE m.list_id = c.list_id AND m.subscriber_id = d.subscriber_id"                  \
	"  AND m.status = 'active' AND s.status = 'active' AND " NOT_PAUSED("?1") ") END END)"

/* store_topics_of - a subscriber's canonical topics "a;b" ("" for every topic). */
int store_topics_of(struct store *st, int64_t id, char **out, struct error *err);
/* store_topics_replace - set a subscriber's topics to canonical "a;b". */
int store_topics_replace(struct store *st, int64_t id, const char *canonical, struct error *err);
/* Run fn inside a transaction unless one is already open (implicit unit of work). */
int store_tx_open(struct store *st, int *opened, struct error *err);
int store_tx_close(struct store *st, int opened, int ok, struct error *err);

/* The schema's migrations (store_migrations.c): number N is store_migrations[N - 1]. */
extern const char *const store_migrations[];
extern const int store_nmigrations;

#endif
