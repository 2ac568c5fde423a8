/*
 * test_store - migrations (fresh, step by step, refusing a newer database),
 * the consent rule of store_subscribe, and topic resolution.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bounce.h"
#include "bounce_act.h"
#include "store.h"

static char dbpath[64];

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(dbpath, sizeof(dbpath), "/tmp/outreach-store-XXXXXX");
	fd = mkstemp(dbpath);
	close(fd);
	unlink(dbpath);
	return 0;
}

static int
teardown(void **state)
{
	char side[80];

	(void)state;
	unlink(dbpath);
	snprintf(side, sizeof(side), "%s-wal", dbpath);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", dbpath);
	unlink(side);
	return 0;
}

static void
test_fresh_database_is_latest(void **state)
{
	struct store *st;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	assert_int_equal(store_schema_version(st), store_latest_version());
	store_close(st);
	/* Opening again applies nothing and keeps the version. */
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	assert_int_equal(store_schema_version(st), store_latest_version());
	store_close(st);
}

static void
test_step_by_step(void **state)
{
	struct store *st;
	struct error err = ERROR_INIT;

	(void)state;
	for (int v = 0; v <= store_latest_version(); v++) {
		if (store_open_at_version(dbpath, v, &st, &err) != 0)
			fail_msg("migrating to %d: %s", v, error_msg(&err));
		if (store_schema_version(st) != v)
			fail_msg("got version %d, want %d", store_schema_version(st), v);
		store_close(st);
	}
}

static void
test_newer_database_refused(void **state)
{
	struct store *st;
	struct error err = ERROR_INIT;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(dbpath, &st, &err), -1);
	if (strstr(error_msg(&err), "schema version 999 is newer") == NULL)
		fail_msg("got '%s', want a refusal naming version 999", error_msg(&err));
	error_clear(&err);
}

static int64_t
make_list(struct store *st)
{
	struct list_info l = {0}, got = {0};
	struct error err = ERROR_INIT;
	int64_t id;

	l.slug = "net";
	l.name = "Network";
	l.from = "news@net.example";
	assert_int_equal(store_list_add(st, &l, &err), 0);
	assert_int_equal(store_list_get(st, "net", &got, &err), 0);
	id = got.id;
	list_info_free(&got);
	return id;
}

static void
test_consent_rule(void **state)
{
	static const struct {
		int actor, want_status;
		const char *email_status;  /* subscriber status set before, or NULL */
		int want_result;
	} rows[] = {
		{ACTOR_ADMIN, SUB_ACTIVE, NULL, SUBSCRIBE_CREATED},
		{ACTOR_IMPORT, SUB_ACTIVE, "unsubscribed", SUBSCRIBE_REFUSED},
		{ACTOR_IMPORT, SUB_ACTIVE, "bounced", SUBSCRIBE_REFUSED},
		{ACTOR_ADMIN, SUB_ACTIVE, "complained", SUBSCRIBE_REFUSED},
		{ACTOR_LINK, SUB_ACTIVE, "unsubscribed", SUBSCRIBE_UPDATED},
		{ACTOR_IMPORT, SUB_UNSUBSCRIBED, "active", SUBSCRIBE_UPDATED},
	};
	struct error err = ERROR_INIT;
	struct store *st;
	int64_t list;

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	list = make_list(st);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char email[32];
		struct subscription sub = {0};
		int result;

		snprintf(email, sizeof(email), "p%zu@x.example", i);
		sub.email = email;
		sub.digest = -1;
		sub.actor = ACTOR_ADMIN;
		sub.source = "test";
		sub.want_status = SUB_ACTIVE;
		if (rows[i].email_status) {
			assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
			int s = sub_status_parse(rows[i].email_status);
			struct subscription end = sub;

			end.want_status = s;
			end.actor = ACTOR_SYSTEM;
			assert_int_equal(store_subscribe(st, list, &end, &result, &err), 0);
		}
		sub.actor = rows[i].actor;
		sub.want_status = rows[i].want_status;
		assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
		if (result != rows[i].want_result)
			fail_msg("row %zu: got result %d, want %d (%s)", i, result, rows[i].want_result,
			         error_msg(&err));
		error_clear(&err);
	}
	/* A suppressed address is refused even when new. */
	assert_int_equal(store_suppress(st, "s@x.example", "test", SUPPRESS_ADMIN, ACTOR_ADMIN, &err), 0);
	{
		struct subscription sub = {"s@x.example", NULL, NULL, -1, SUB_ACTIVE, ACTOR_IMPORT, "t"};
		int result;

		assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
		assert_int_equal(result, SUBSCRIBE_REFUSED);
		assert_non_null(strstr(error_msg(&err), "suppression list"));
		error_clear(&err);
	}
	store_close(st);
}

static void
test_topics_resolve(void **state)
{
	static const struct {
		const char *in, *want; /* want NULL: error */
	} rows[] = {
		{"meetings", "meetings"},
		{"forums,meetings", "forums;meetings"},
		{"meetings;forums", "forums;meetings"},
		{" meetings , meetings ", "meetings"},
		{"", ""},
		{"robots", NULL},
		{"meetings,robots", NULL},
	};
	struct error err = ERROR_INIT;
	struct store *st;

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = NULL;
		int rc = store_topics_resolve(st, rows[i].in, &got, &err);

		if (rows[i].want == NULL) {
			if (rc == 0)
				fail_msg("'%s': got '%s', want an error", rows[i].in, got);
		} else if (rc != 0 || strcmp(got, rows[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", rows[i].in, rc ? error_msg(&err) : got,
			         rows[i].want);
		free(got);
		error_clear(&err);
	}
	store_close(st);
}

/* Soft bounces count at most once a day and disable at the threshold; hard at once. */
static void
test_bounce_policy(void **state)
{
	struct error err = ERROR_INIT;
	struct store *st;
	struct subscription sub = {"soft@x.example", NULL, NULL, -1, SUB_ACTIVE, ACTOR_ADMIN, "t"};
	struct subscriber_info info;
	struct bounce_act_event ev;
	char *decision = NULL;
	int64_t list, inbound, id;
	int result, action;
	sqlite3 *db;
	const struct bounce_policy policy = {3, 14, 0};

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	list = make_list(st);
	assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
	assert_int_equal(store_subscriber_id(st, "soft@x.example", &id, &err), 0);
	assert_int_equal(store_inbound_add(st, "k1", "soft", NULL, &inbound, &err), 0);
	/* The bounces are tied to a message of ours (its VERP token names it). */
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO campaigns (id, list_id, kind, subject,"
	                              " document, status, send_at, created_at) VALUES (900, 1,"
	                              " 'newsletter', 's', 'd', 'sent', 0, 0);"
	                              "INSERT INTO deliveries (id, campaign_id, subscriber_id,"
	                              " email, status, next_attempt, updated_at) SELECT 900, 900,"
	                              " id, email, 'sent', 0, 0 FROM subscribers", NULL, NULL,
	                              NULL), SQLITE_OK);
	sqlite3_close(db);
	memset(&ev, 0, sizeof(ev));
	ev.inbound_id = inbound;
	ev.delivery_id = 900;
	ev.subscriber_id = id;
	ev.email = "soft@x.example";
	ev.class = BOUNCE_SOFT;
	ev.status = "4.2.2";
	for (int day = 0; day < 3; day++) {
		/* Two bounces on the same day count once. */
		for (int k = 0; k < 2; k++) {
			assert_int_equal(bounce_act(st, &policy, &ev, &action, &decision, &err),
			                 0);
			if (day < 2 && strstr(decision, "counted") == NULL)
				fail_msg("day %d: got '%s', want counted", day, decision);
			free(decision);
			decision = NULL;
			store_subscriber_get(st, "soft@x.example", &info, &err);
			if (info.status != (day == 2 ? SUB_BOUNCED : SUB_ACTIVE))
				fail_msg("day %d bounce %d: got status %s", day, k,
				         sub_status_name(info.status));
			subscriber_info_free(&info);
			if (day == 2)
				break;
		}
		/* Age what was recorded by a day, as if the next bounce came tomorrow. */
		assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE bounce_events SET at = at - 86400", NULL, NULL,
		                              NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	/* A 5.7.x refusal never disables; a hard bounce does, at once. */
	sub.email = "hard@x.example";
	assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
	assert_int_equal(store_subscriber_id(st, "hard@x.example", &ev.subscriber_id, &err), 0);
	ev.email = "hard@x.example";
	ev.class = BOUNCE_HARD;
	ev.status = "5.7.1";
	assert_int_equal(bounce_act(st, &policy, &ev, &action, &decision, &err), 0);
	assert_non_null(strstr(decision, "policy"));
	free(decision);
	ev.status = "5.1.1";
	assert_int_equal(bounce_act(st, &policy, &ev, &action, &decision, &err), 0);
	assert_non_null(strstr(decision, "disabled"));
	free(decision);
	store_subscriber_get(st, "hard@x.example", &info, &err);
	assert_int_equal(info.status, SUB_BOUNCED);
	subscriber_info_free(&info);
	store_close(st);
}

/* sql - run statements on the test database behind the store's back (to age data). */
static void
sql(const char *q)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
	sqlite3_close(db);
}

/* soft_bounce - apply one soft bounce (of delivery, or 0) and return the decision. */
static char *
soft_bounce_status(struct store *st, int64_t sub, int64_t delivery, const char *status)
{
	static const struct bounce_policy policy = {3, 14, 0};
	struct error err = ERROR_INIT;
	struct bounce_act_event ev;
	char *decision = NULL, *key = xasprintf("k%lld-%lld", (long long)sub, (long long)delivery);
	int64_t inbound;
	int seen, action;

	assert_int_equal(store_inbound_seen(st, key, &seen, &err), 0);
	if (seen) {
		free(key);
		key = xasprintf("k%lld-%lld-%d", (long long)sub, (long long)delivery, rand());
	}
	assert_int_equal(store_inbound_add(st, key, "soft", NULL, &inbound, &err), 0);
	memset(&ev, 0, sizeof(ev));
	ev.inbound_id = inbound;
	ev.subscriber_id = sub;
	ev.delivery_id = delivery;
	ev.email = "fade@x.example";
	ev.class = BOUNCE_SOFT;
	ev.status = status;
	assert_int_equal(bounce_act(st, &policy, &ev, &action, &decision, &err), 0);
	free(key);
	return decision;
}

static char *
soft_bounce(struct store *st, int64_t sub, int64_t delivery)
{
	return soft_bounce_status(st, sub, delivery, "4.2.2");
}

/* sent_delivery - a delivery to sub recorded as sent age_days ago; its id. */
static int64_t
sent_delivery(int64_t sub, int n, int age_days)
{
	char *q = xasprintf(
		"INSERT INTO campaigns (id, list_id, kind, subject, document, status, send_at,"
		" created_at) VALUES (%d, 1, 'newsletter', 's', 'd', 'sent', 0, 0);"
		"INSERT INTO deliveries (id, campaign_id, subscriber_id, email, status, next_attempt,"
		" updated_at) VALUES (%d, %d, %lld, 'fade@x.example', 'sent', 0, strftime('%%s','now')"
		" - %d * 86400)", n, n, n, (long long)sub, age_days);

	sql(q);
	free(q);
	return n;
}

/*
 * The soft score fades when mail gets through: a message sent with no
 * bounce after it wipes the slate, while messages that each bounce back
 * (the VERP names them) keep adding up to the threshold.
 */
static void
test_soft_score_fades(void **state)
{
	struct error err = ERROR_INIT;
	struct store *st;
	struct subscription sub = {"fade@x.example", NULL, NULL, -1, SUB_ACTIVE, ACTOR_ADMIN, "t"};
	struct subscriber_info info;
	char *d;
	int64_t list, id;
	int result;

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	list = make_list(st);
	assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
	assert_int_equal(store_subscriber_id(st, "fade@x.example", &id, &err), 0);

	/* Each of three messages, a day apart, bounces: the third disables. */
	for (int day = 0; day < 3; day++) {
		int64_t del = sent_delivery(id, 10 + day, 0);

		d = soft_bounce(st, id, del);
		if (strstr(d, day < 2 ? "counted: soft bounce score" : "disabled") == NULL)
			fail_msg("day %d: got '%s'", day, d);
		free(d);
		sql("UPDATE bounce_events SET at = at - 86400;"
		    "UPDATE deliveries SET updated_at = updated_at - 86400");
	}
	store_subscriber_get(st, "fade@x.example", &info, &err);
	assert_int_equal(info.status, SUB_BOUNCED);
	subscriber_info_free(&info);

	/* Start again: two bounces, then a message that gets through. */
	sql("UPDATE subscribers SET status = 'active'; DELETE FROM bounce_events;"
	    "DELETE FROM deliveries; DELETE FROM campaigns");
	for (int day = 0; day < 2; day++) {
		d = soft_bounce(st, id, sent_delivery(id, 30 + day, 0));
		free(d);
		sql("UPDATE bounce_events SET at = at - 86400;"
		    "UPDATE deliveries SET updated_at = updated_at - 86400");
	}
	sent_delivery(id, 20, 0);
	/* Its bounce would have come within a day; none did. */
	sql("UPDATE bounce_events SET at = at - 2 * 86400;"
	    "UPDATE deliveries SET updated_at = updated_at - 2 * 86400");
	d = soft_bounce(st, id, sent_delivery(id, 40, 0));
	if (strstr(d, "score 1 of 3") == NULL)
		fail_msg("after a message got through: got '%s', want score 1", d);
	free(d);
	store_subscriber_get(st, "fade@x.example", &info, &err);
	assert_int_equal(info.status, SUB_ACTIVE);
	subscriber_info_free(&info);

	/* Refusals of our mail (5.7.x) are recorded but never add to the score. */
	sql("DELETE FROM bounce_events; DELETE FROM deliveries; DELETE FROM campaigns");
	for (int day = 0; day < 3; day++) {
		d = soft_bounce_status(st, id, 0, "5.7.1");
		if (strstr(d, "recorded") == NULL)
			fail_msg("refusal %d: got '%s'", day, d);
		free(d);
		sql("UPDATE bounce_events SET at = at - 86400");
	}
	d = soft_bounce(st, id, sent_delivery(id, 50, 0));
	if (strstr(d, "score 1 of 3") == NULL)
		fail_msg("after three refusals: got '%s', want score 1", d);
	free(d);
	store_subscriber_get(st, "fade@x.example", &info, &err);
	assert_int_equal(info.status, SUB_ACTIVE);
	subscriber_info_free(&info);
	store_close(st);
}

/* Migration 4 rebuilds campaigns: campaigns and their deliveries survive it. */
static void
test_migration_keeps_campaigns(void **state)
{
	struct error err = ERROR_INIT;
	struct store *st;
	struct campaign_info c;

	(void)state;
	assert_int_equal(store_open_at_version(dbpath, 3, &st, &err), 0);
	store_close(st);
	sql("INSERT INTO lists (id, slug, name, from_addr, created_at) VALUES (1, 'l', 'L', 'a@b.example', 0);"
	    "INSERT INTO subscribers (id, email, status, digest, created_at, updated_at)"
	    " VALUES (1, 'a@b.example', 'active', 'immediate', 0, 0);"
	    "INSERT INTO campaigns (id, list_id, kind, subject, document, status, send_at,"
	    " created_at) VALUES (5, 1, 'notice', 'Forum', 'doc', 'sent', 0, 0);"
	    "INSERT INTO deliveries (campaign_id, subscriber_id, email, status, next_attempt,"
	    " updated_at) VALUES (5, 1, 'a@b.example', 'sent', 0, 0)");
	if (store_open(dbpath, &st, &err) != 0)
		fail_msg("migrating: %s", error_msg(&err));
	assert_int_equal(store_campaign_get(st, 5, &c, &err), 0);
	assert_string_equal(c.kind, "notice");
	assert_int_equal(c.n_deliveries, 1);
	campaign_info_free(&c);
	store_close(st);
}

/* query_text - the first column of the first row of q, as text ("" if none). */
static char *
query_text(const char *q)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *out;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	out = xstrdup(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) ?
	              (const char *)sqlite3_column_text(s, 0) : "");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static void
expect_query(const char *q, const char *want)
{
	char *got = query_text(q);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", q, got, want);
	free(got);
}

/*
 * Migration 9: three spellings of one address become one subscriber, with
 * the strictest status, every membership (the strictest per list), every
 * history row, and aliases for the ids merged away.
 */
static void
test_migration_merges_case(void **state)
{
	struct error err = ERROR_INIT;
	struct store *st;
	int64_t id;

	(void)state;
	assert_int_equal(store_open_at_version(dbpath, 8, &st, &err), 0);
	store_close(st);
	sql("INSERT INTO lists (id, slug, name, from_addr, created_at) VALUES"
	    " (1, 'a', 'A', 'n@x.example', 0), (2, 'b', 'B', 'n@x.example', 0);"
	    "INSERT INTO subscribers (id, email, name, status, digest, created_at, updated_at)"
	    " VALUES (1, 'Maria.Santos@x.example', NULL, 'active', 'immediate', 0, 0),"
	    " (2, 'maria.santos@x.example', 'Maria', 'unsubscribed', 'immediate', 0, 0),"
	    " (3, 'MARIA.SANTOS@x.example', NULL, 'active', 'weekly', 0, 0),"
	    " (4, 'other@x.example', NULL, 'active', 'immediate', 0, 0);"
	    "INSERT INTO memberships VALUES (1, 1, 'active', 'admin', 5, 5),"
	    " (1, 2, 'unsubscribed', 'link', 3, 6), (2, 3, 'active', 'import', 4, 4),"
	    " (1, 4, 'active', 'admin', 0, 0);"
	    "INSERT INTO subscriber_topics VALUES (1, 1), (3, 2);"
	    "INSERT INTO audit_log (at, subscriber_id, email, field, actor) VALUES"
	    " (1, 1, 'Maria.Santos@x.example', 'status', 'admin'),"
	    " (2, 2, 'maria.santos@x.example', 'status', 'link');"
	    "INSERT INTO campaigns (id, list_id, kind, subject, document, status, send_at,"
	    " created_at) VALUES (7, 1, 'newsletter', 's', 'd', 'sent', 0, 0);"
	    "INSERT INTO deliveries (id, campaign_id, subscriber_id, email, status, next_attempt,"
	    " updated_at) VALUES (70, 7, 1, 'Maria.Santos@x.example', 'sent', 0, 0),"
	    " (71, 7, 2, 'maria.santos@x.example', 'sent', 0, 0);"
	    "INSERT INTO suppressions (email, reason, created_at, origin) VALUES"
	    " ('sup@x.example', 'by phone', 1, 'admin'),"
	    " ('SUP@x.example', 'unsubscribed', 2, 'unsubscribed')");
	if (store_open(dbpath, &st, &err) != 0)
		fail_msg("migrating: %s", error_msg(&err));
	expect_query("SELECT count(*) FROM subscribers", "2");
	expect_query("SELECT email || ' ' || status || ' ' || name FROM subscribers WHERE id = 1",
	             "Maria.Santos@x.example unsubscribed Maria");
	expect_query("SELECT group_concat(list_id || ':' || status, ' ') FROM (SELECT * FROM"
	             " memberships WHERE subscriber_id = 1 ORDER BY list_id)",
	             "1:unsubscribed 2:active");
	expect_query("SELECT group_concat(topic_id) FROM (SELECT topic_id FROM subscriber_topics"
	             " WHERE subscriber_id = 1 ORDER BY topic_id)", "1,2");
	expect_query("SELECT count(*) FROM audit_log WHERE subscriber_id = 1 AND field <> 'merged'",
	             "2");
	expect_query("SELECT count(*) FROM audit_log WHERE field = 'merged'", "2");
	expect_query("SELECT group_concat(old_id || '>' || subscriber_id) FROM subscriber_aliases",
	             "2>1,3>1");
	/* Both copies of campaign 7 are kept; the second names the merged id. */
	expect_query("SELECT group_concat(subscriber_id) FROM deliveries", "1,2");
	id = 2;
	assert_int_equal(store_subscriber_alias(st, &id, &err), 0);
	assert_int_equal(id, 1);
	id = 4;
	assert_int_equal(store_subscriber_alias(st, &id, &err), 0);
	assert_int_equal(id, 4);
	assert_int_equal(store_subscriber_id(st, "MARIA.santos@X.example", &id, &err), 0);
	assert_int_equal(id, 1);
	/* Of two suppressions, the address's own word is kept. */
	expect_query("SELECT count(*) || ' ' || origin FROM suppressions", "1 unsubscribed");
	assert_int_equal(store_unsuppress(st, "sup@x.example", ACTOR_ADMIN, &err), -1);
	assert_int_equal(error_kind(&err), ERR_CONFLICT);
	error_clear(&err);
	store_close(st);
}

/* expect_kind - rc must be -1 with an error of kind want. */
static void
expect_kind(int rc, struct error *err, int want, const char *what)
{
	if (rc != -1 || error_kind(err) != want)
		fail_msg("%s: got rc %d, kind %s (%s), want kind %s", what, rc,
		         error_kind_name(error_kind(err)), error_msg(err), error_kind_name(want));
	error_clear(err);
}

/*
 * Every lookup reports a missing row as ERR_NOTFOUND, and a failing database
 * as ERR_DB, which the bounce path must not take for "no such delivery".
 */
static void
test_error_kinds(void **state)
{
	struct error err = ERROR_INIT;
	struct store *st;
	struct list_info l = {0};
	struct campaign_info c;
	struct subscriber_info info;
	struct subscription sub = {"k@x.example", NULL, NULL, -1, SUB_ACTIVE, ACTOR_ADMIN, "t"};
	const struct bounce_policy policy = {3, 14, 1};
	struct bounce_act_event ev;
	char *email = NULL, *decision = NULL, *kind = NULL;
	int64_t id, list, del;
	int status, result, action;

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	list = make_list(st);
	expect_kind(store_list_get(st, "nope", &l, &err), &err, ERR_NOTFOUND, "list_get");
	expect_kind(store_list_get_id(st, 999, &l, &err), &err, ERR_NOTFOUND, "list_get_id");
	expect_kind(store_subscriber_id(st, "none@x.example", &id, &err), &err, ERR_NOTFOUND,
	            "subscriber_id");
	expect_kind(store_subscriber_get(st, "none@x.example", &info, &err), &err, ERR_NOTFOUND,
	            "subscriber_get");
	expect_kind(store_subscriber_status(st, 999, &status, &email, &err), &err, ERR_NOTFOUND,
	            "subscriber_status");
	expect_kind(store_campaign_get(st, 999, &c, &err), &err, ERR_NOTFOUND, "campaign_get");
	expect_kind(store_campaign_by_spool(st, "x.md", &id, &err), &err, ERR_NOTFOUND,
	            "campaign_by_spool");
	expect_kind(store_delivery_lookup(st, 999, &id, &err), &err, ERR_NOTFOUND,
	            "delivery_lookup");
	expect_kind(store_delivery_by_message_id(st, "<none@x>", &id, &err), &err, ERR_NOTFOUND,
	            "delivery_by_message_id");
	expect_kind(store_delivery_campaign(st, 999, &id, &kind, &err), &err, ERR_NOTFOUND,
	            "delivery_campaign");
	expect_kind(store_unsuppress(st, "none@x.example", ACTOR_ADMIN, &err), &err, ERR_NOTFOUND,
	            "unsuppress");
	expect_kind(store_first_active_list(st, 999, &id, &err), &err, ERR_NOTFOUND,
	            "first_active_list");
	l.slug = "net";
	l.name = "Again";
	l.from = "news@net.example";
	expect_kind(store_list_add(st, &l, &err), &err, ERR_CONFLICT, "list_add twice");
	expect_kind(store_campaign_control(st, 999, CAMPAIGN_PAUSE, &err), &err, ERR_NOTFOUND,
	            "campaign_control");

	/* A bounce naming a delivery, while the database fails: an error, never "not found". */
	assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
	assert_int_equal(store_subscriber_id(st, "k@x.example", &id, &err), 0);
	del = sent_delivery(id, 5, 0);
	sql("DROP TABLE deliveries");
	expect_kind(store_delivery_lookup(st, del, &id, &err), &err, ERR_DB,
	            "delivery_lookup on a broken database");
	memset(&ev, 0, sizeof(ev));
	ev.subscriber_id = id;
	ev.delivery_id = del;
	ev.email = "k@x.example";
	ev.class = BOUNCE_HARD;
	ev.status = "5.1.1";
	assert_int_equal(store_begin(st, &err), 0);
	expect_kind(bounce_act(st, &policy, &ev, &action, &decision, &err), &err, ERR_DB,
	            "bounce_act on a broken database");
	assert_null(decision);
	store_rollback(st);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_database_is_latest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_by_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consent_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_topics_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounce_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soft_score_fades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_keeps_campaigns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_merges_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_kinds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
