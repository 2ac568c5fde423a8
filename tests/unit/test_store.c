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
	assert_int_equal(store_suppress(st, "s@x.example", "test", ACTOR_ADMIN, &err), 0);
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
	struct bounce_event ev;
	char *decision = NULL;
	int64_t list, inbound, id;
	int result;
	sqlite3 *db;

	(void)state;
	assert_int_equal(store_open(dbpath, &st, &err), 0);
	list = make_list(st);
	assert_int_equal(store_subscribe(st, list, &sub, &result, &err), 0);
	assert_int_equal(store_subscriber_id(st, "soft@x.example", &id, &err), 0);
	assert_int_equal(store_inbound_add(st, "k1", "soft", NULL, &inbound, &err), 0);
	memset(&ev, 0, sizeof(ev));
	ev.inbound_id = inbound;
	ev.subscriber_id = id;
	ev.email = "soft@x.example";
	ev.class_name = "soft";
	ev.status = "4.2.2";
	for (int day = 0; day < 3; day++) {
		/* Two bounces on the same day count once. */
		for (int k = 0; k < 2; k++) {
			assert_int_equal(store_bounce_apply(st, &ev, 3, 14, &decision, &err), 0);
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
	ev.class_name = "hard";
	ev.status = "5.7.1";
	assert_int_equal(store_bounce_apply(st, &ev, 3, 14, &decision, &err), 0);
	assert_non_null(strstr(decision, "policy"));
	free(decision);
	ev.status = "5.1.1";
	assert_int_equal(store_bounce_apply(st, &ev, 3, 14, &decision, &err), 0);
	assert_non_null(strstr(decision, "disabled"));
	free(decision);
	store_subscriber_get(st, "hard@x.example", &info, &err);
	assert_int_equal(info.status, SUB_BOUNCED);
	subscriber_info_free(&info);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
