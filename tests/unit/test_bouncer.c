/*
 * test_bouncer - what mail coming back does to subscribers, through
 * bouncer_handle on a real store: confirmation by reply (and the replies
 * that must not confirm), and the probe sent before a bouncing address is
 * disabled.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bouncer.h"
#include "buf.h"
#include "config.h"
#include "secret.h"
#include "store.h"
#include "sysmail.h"
#include "token.h"

struct fixture {
	char dir[64];
	struct config cfg;
	struct store *st;
	unsigned char key[SECRET_LEN];
	int64_t list;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct error err = ERROR_INIT;
	struct list_info l = {0};
	char *db;

	snprintf(f->dir, sizeof(f->dir), "/tmp/outreach-bouncer-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	config_defaults(&f->cfg);
	free(f->cfg.secret_file);
	f->cfg.secret_file = xasprintf("%s/secret.key", f->dir);
	f->cfg.sender_domain = (free(f->cfg.sender_domain), xstrdup("net.example"));
	db = xasprintf("%s/outreach.db", f->dir);
	if (secret_create(f->cfg.secret_file, &err) < 0 ||
	    secret_load(f->cfg.secret_file, f->key, &err) < 0 || store_open(db, &f->st, &err) < 0)
		fail_msg("%s", error_msg(&err));
	free(db);
	l.slug = "net";
	l.name = "Network";
	l.from = "news@net.example";
	if (store_list_add(f->st, &l, &err) < 0 || store_list_get(f->st, "net", &l, &err) < 0)
		fail_msg("%s", error_msg(&err));
	f->list = l.id;
	list_info_free(&l);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(f->st);
	config_free(&f->cfg);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(f);
	return 0;
}

/* subscribe - put email on the list (confirmed or waiting); its subscriber id. */
static int64_t
subscribe(struct fixture *f, const char *email, int status)
{
	struct subscription sub = {email, NULL, NULL, -1, status, ACTOR_ADMIN, "test"};
	struct error err = ERROR_INIT;
	int64_t id;
	int result;

	if (store_subscribe(f->st, f->list, &sub, &result, &err) < 0 ||
	    store_subscriber_id(f->st, email, &id, &err) < 0)
		fail_msg("%s", error_msg(&err));
	return id;
}

/* status_in - email's status: the subscriber's (membership 0) or its first membership's (1). */
static int
status_in(struct fixture *f, const char *email, int membership)
{
	struct subscriber_info info;
	struct error err = ERROR_INIT;
	int status;

	if (store_subscriber_get(f->st, email, &info, &err) < 0)
		fail_msg("%s", error_msg(&err));
	if (membership && info.n_memberships < 1)
		fail_msg("%s has no membership", email);
	status = membership ? info.memberships[0].status : info.status;
	subscriber_info_free(&info);
	return status;
}

static int
status_of(struct fixture *f, const char *email)
{
	return status_in(f, email, 0);
}

static int
membership_of(struct fixture *f, const char *email)
{
	return status_in(f, email, 1);
}

static char *
make_token_text(struct fixture *f, int purpose, int64_t a, int64_t b)
{
	struct token t = {purpose, a, b, 0};
	struct buf out;

	buf_init(&out, TOKEN_MAX);
	token_make(f->key, &t, &out);
	return buf_steal(&out);
}

/* handle - run one message through the bouncer; whether it went to unparsed. */
static int
handle(struct fixture *f, const char *msg, struct bouncer_stats *stats)
{
	struct error err = ERROR_INIT;
	int unparsed;

	if (bouncer_handle(f->st, &f->cfg, f->key, msg, strlen(msg), &unparsed, stats, &err) < 0)
		fail_msg("bouncer_handle: %s", error_msg(&err));
	return unparsed;
}

/* status_after - handle msg (freed) and return email's status, or its membership's. */
static int
status_after(struct fixture *f, char *msg, struct bouncer_stats *stats, const char *email)
{
	handle(f, msg, stats);
	free(msg);
	return status_of(f, email);
}

static int
membership_after(struct fixture *f, char *msg, struct bouncer_stats *stats, const char *email)
{
	handle(f, msg, stats);
	free(msg);
	return membership_of(f, email);
}

/* age_requests - move every delivery's time back by seconds, behind the store's back. */
static void
age_requests(struct fixture *f, int seconds)
{
	char *db = xasprintf("%s/outreach.db", f->dir);
	char *q = xasprintf("UPDATE deliveries SET updated_at = updated_at - %d", seconds);
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	free(db);
	free(q);
}

static char *
reply(const char *to, const char *extra_header, int n)
{
	return xasprintf("From: Ada <ada@school.example>\r\n"
	                 "To: %s\r\n"
	                 "Subject: Re: Please confirm your subscription to Network\r\n"
	                 "Message-ID: <reply%d@school.example>\r\n"
	                 "%s"
	                 "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n"
	                 "Yes please.\r\n", to, n, extra_header);
}

/*
 * A plain reply to the confirmation request confirms; an auto-reply, a
 * forged token, or a reply for a membership no longer waiting does not.
 */
static void
test_confirm_by_reply(void **state)
{
	struct fixture *f = *state;
	struct bouncer_stats stats = {0};
	struct error err = ERROR_INIT;
	int64_t ada = subscribe(f, "ada@school.example", SUB_UNCONFIRMED);
	char *tok = make_token_text(f, TOKEN_CONFIRM, ada, f->list), *to, *forged, *msg;
	int queued;

	assert_int_equal(sysmail_queue(f->st, f->list, SYSMAIL_CONFIRM, ada, &queued, &err), 0);
	assert_int_equal(queued, 1);
	/* Asking again at once sends nothing more. */
	assert_int_equal(sysmail_queue(f->st, f->list, SYSMAIL_CONFIRM, ada, &queued, &err), 0);
	assert_int_equal(queued, 0);
	/* The request goes out: a reply is good for a week from now. */
	{
		struct delivery_job *jobs = NULL;
		struct delivery_result r;
		int n = 0;

		assert_int_equal(store_deliveries_claim(f->st, now_unix(), 8, NULL, 0, &jobs, &n,
		                                        &err), 0);
		assert_int_equal(n, 1);
		memset(&r, 0, sizeof(r));
		r.id = jobs[0].id;
		r.status = DELIVERY_SENT;
		r.reply = "250 ok";
		assert_int_equal(store_deliveries_record(f->st, &r, 1, &err), 0);
		assert_int_equal(store_deliveries_apply(f->st, NULL, &err), 0);
		delivery_jobs_free(jobs, n);
	}

	to = xasprintf("outreach-request+%s@net.example", tok);
	forged = xstrdup(to);
	forged[strlen("outreach-request+") + strlen(tok) - 1] ^= 1;

	msg = reply(to, "Auto-Submitted: auto-replied\r\n", 1);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_UNCONFIRMED);

	msg = reply(forged, "", 2);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_UNCONFIRMED);

	/* A challenge-response robot quoting the request is not a reply to it. */
	msg = xasprintf("From: Spam Guard <verify@school.example>\r\n"
	                "To: bounces+b-1-0-0-x@net.example\r\n"
	                "Subject: Please verify you are a person\r\n"
	                "Message-ID: <challenge1@school.example>\r\n\r\n"
	                "Your message is held:\r\n> Reply-To: %s\r\n", to);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_UNCONFIRMED);
	/* Nor is a mail system's report sent to the request address. */
	msg = xasprintf("From: Mail Delivery System <MAILER-DAEMON@mx.school.example>\r\n"
	                "To: %s\r\n"
	                "Subject: Warning: could not send message for past 4 hours\r\n"
	                "Message-ID: <warn1@mx.school.example>\r\n\r\n"
	                "Still trying.\r\n", to);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_UNCONFIRMED);

	f->cfg.confirm_by_reply = 0;
	msg = reply(to, "", 3);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_UNCONFIRMED);
	f->cfg.confirm_by_reply = 1;

	/* A request more than a week old is confirmed by no reply. */
	age_requests(f, 8 * 86400);
	msg = reply(to, "", 40);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_UNCONFIRMED);
	age_requests(f, -8 * 86400);

	msg = reply(to, "", 4);
	assert_int_equal(status_after(f, msg, &stats, "ada@school.example"), SUB_ACTIVE);
	assert_int_equal(stats.commands, 2); /* the expired reply was read as one, and did nothing */

	/* Unsubscribed later, an old confirmation does not bring her back. */
	assert_int_equal(store_unsubscribe(f->st, ada, f->list, ACTOR_ADMIN, "test", &err), 0);
	msg = reply(to, "", 5);
	handle(f, msg, &stats);
	free(msg);
	{
		struct subscriber_info info;

		assert_int_equal(store_subscriber_get(f->st, "ada@school.example", &info, &err), 0);
		assert_int_equal(info.memberships[0].status, SUB_UNSUBSCRIBED);
		subscriber_info_free(&info);
	}
	free(tok);
	free(to);
	free(forged);
}

/*
 * "unsubscribe" with the List-Unsubscribe mailto's token in the body of a
 * CRLF message (as IMAP serves it) unsubscribes the token's subscriber,
 * whoever sends it; a forged token falls back to the sender, a stranger.
 */
static void
test_unsubscribe_token_in_body(void **state)
{
	struct fixture *f = *state;
	struct bouncer_stats stats = {0};
	int64_t ada = subscribe(f, "ada@school.example", SUB_ACTIVE);
	char *tok = make_token_text(f, TOKEN_UNSUBSCRIBE, ada, 0), *msg;
	const char *fmt = "From: Ada at home <ada.home@elsewhere.example>\r\n"
	                  "To: outreach-request@net.example\r\n"
	                  "Subject: \r\n"
	                  "Message-ID: <unsub%d@elsewhere.example>\r\n\r\n"
	                  "unsubscribe %s\r\n";

	msg = xasprintf(fmt, 1, "u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-"
	                        "u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u-u");
	assert_int_equal(membership_after(f, msg, &stats, "ada@school.example"), SUB_ACTIVE);
	/* Some mail software upper-cases what it quotes; the token still counts. */
	for (char *c = tok; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	msg = xasprintf(fmt, 2, tok);
	assert_int_equal(membership_after(f, msg, &stats, "ada@school.example"), SUB_UNSUBSCRIBED);
	assert_int_equal(stats.commands, 2);
	free(tok);
}

/* A message seen again after a crash before its move goes to the same folder as the first time. */
static void
test_duplicate_keeps_folder(void **state)
{
	struct fixture *f = *state;
	struct bouncer_stats stats = {0};
	const char *ordinary = "From: Parent <parent@home.example>\r\n"
	                       "To: outreach-request@net.example\r\n"
	                       "Subject: Question about the forum\r\n"
	                       "Message-ID: <q1@home.example>\r\n\r\n"
	                       "Is there parking?\r\n";
	const char *autoreply = "From: Ada <ada@school.example>\r\n"
	                        "To: bounces+b-1-0-0-x@net.example\r\n"
	                        "Subject: Out of office\r\n"
	                        "Auto-Submitted: auto-replied\r\n"
	                        "Message-ID: <ooo1@school.example>\r\n\r\n"
	                        "Back on Monday.\r\n";

	assert_int_equal(handle(f, ordinary, &stats), 1);
	assert_int_equal(handle(f, ordinary, &stats), 1);
	assert_int_equal(handle(f, autoreply, &stats), 0);
	assert_int_equal(handle(f, autoreply, &stats), 0);
	assert_int_equal(stats.duplicates, 2);
}

static char *
dsn(const char *verp, const char *rcpt, const char *status, int n)
{
	return xasprintf("From: Mail Delivery System <MAILER-DAEMON@mx.school.example>\r\n"
	                 "To: bounces+%s@net.example\r\n"
	                 "Subject: Undelivered Mail Returned to Sender\r\n"
	                 "Message-ID: <dsn%d@mx.school.example>\r\n"
	                 "MIME-Version: 1.0\r\n"
	                 "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	                 " boundary=\"B\"\r\n\r\n"
	                 "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be "
	                 "delivered.\r\n"
	                 "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
	                 "Reporting-MTA: dns; mx.school.example\r\n\r\n"
	                 "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: %s\r\n"
	                 "Diagnostic-Code: smtp; 550 %s user unknown\r\n\r\n--B--\r\n",
	                 verp, n, rcpt, status, status);
}

/* The id of the delivery of kind to sub (0 if none). */
static int64_t
delivery_of(struct fixture *f, const char *kind, int64_t sub)
{
	struct error err = ERROR_INIT;
	int64_t id = 0;

	for (int64_t d = 1; d < 100; d++) {
		int64_t list, s;
		char *k = NULL;

		if (store_delivery_campaign(f->st, d, &list, &k, &err) < 0) {
			error_clear(&err);
			break;
		}
		if (store_delivery_lookup(f->st, d, &s, &err) == 0 && s == sub &&
		    strcmp(k, kind) == 0)
			id = d;
		free(k);
	}
	return id;
}

/* newsletter_to - a newsletter campaign expanded now; the delivery to sub, by VERP token. */
static char *
newsletter_to(struct fixture *f, int64_t sub, int n)
{
	struct error err = ERROR_INIT;
	struct campaign_new cn = {0};
	char subject[32], *doc;
	int64_t camp, count, del;
	int existed;

	snprintf(subject, sizeof(subject), "News %d", n);
	doc = xasprintf("---\nlist: net\nsubject: %s\n---\nHello\n", subject);
	cn.list_id = f->list;
	cn.kind = "newsletter";
	cn.subject = subject;
	cn.document = doc;
	assert_int_equal(store_campaign_add(f->st, &cn, &camp, &existed, &err), 0);
	assert_int_equal(store_campaign_expand(f->st, camp, now_unix(), &count, &err), 0);
	free(doc);
	del = delivery_of(f, "newsletter", sub);
	assert_true(del > 0);
	return make_token_text(f, TOKEN_BOUNCE, del, 0);
}

/* With probe on, a hard bounce sends a probe; only the probe's bounce disables. */
static void
test_probe_before_disabling(void **state)
{
	struct fixture *f = *state;
	struct bouncer_stats stats = {0};
	struct error err = ERROR_INIT;
	struct campaign_new cn = {0};
	int64_t bob = subscribe(f, "bob@school.example", SUB_ACTIVE), camp, n, del, probe;
	int existed;
	char *verp, *msg;

	cn.list_id = f->list;
	cn.kind = "newsletter";
	cn.subject = "News";
	cn.document = "---\nlist: net\nsubject: News\n---\nHello\n";
	assert_int_equal(store_campaign_add(f->st, &cn, &camp, &existed, &err), 0);
	assert_int_equal(store_campaign_expand(f->st, camp, now_unix(), &n, &err), 0);
	assert_int_equal(n, 1);
	del = delivery_of(f, "newsletter", bob);
	assert_true(del > 0);

	f->cfg.bounce_probe = 1;
	verp = make_token_text(f, TOKEN_BOUNCE, del, 0);
	msg = dsn(verp, "bob@school.example", "5.1.1", 1);
	handle(f, msg, &stats);
	free(msg);
	free(verp);
	assert_int_equal(stats.hard, 1);
	assert_int_equal(status_of(f, "bob@school.example"), SUB_ACTIVE);
	probe = delivery_of(f, "probe", bob);
	if (probe == 0)
		fail_msg("no probe was queued");

	/* The probe bounces too: now the address is disabled. */
	verp = make_token_text(f, TOKEN_BOUNCE, probe, 0);
	msg = dsn(verp, "bob@school.example", "5.1.1", 2);
	handle(f, msg, &stats);
	free(msg);
	free(verp);
	assert_int_equal(status_of(f, "bob@school.example"), SUB_BOUNCED);

	/* A waiting subscriber (a bad address given at sign-up) is not probed. */
	{
		int64_t dee = subscribe(f, "dee@school.example", SUB_UNCONFIRMED);
		int queued;

		assert_int_equal(sysmail_queue(f->st, f->list, SYSMAIL_CONFIRM, dee, &queued, &err),
		                 0);
		verp = make_token_text(f, TOKEN_BOUNCE, delivery_of(f, "confirm", dee), 0);
		msg = dsn(verp, "dee@school.example", "5.1.1", 4);
		free(verp);
		assert_int_equal(status_after(f, msg, &stats, "dee@school.example"), SUB_BOUNCED);
	}
}

/* Without probe, the same hard bounce disables at once and nothing is probed. */
static void
test_no_probe(void **state)
{
	struct fixture *f = *state;
	struct bouncer_stats stats = {0};
	int64_t cy = subscribe(f, "cy@school.example", SUB_ACTIVE);
	char *verp = newsletter_to(f, cy, 1), *msg = dsn(verp, "cy@school.example", "5.1.1", 3);

	free(verp);
	assert_int_equal(status_after(f, msg, &stats, "cy@school.example"), SUB_BOUNCED);
	assert_int_equal(delivery_of(f, "probe", cy), 0);
}

/*
 * Anyone can mail a report to the bounce address: one that no token and no
 * Message-ID of ours ties to a delivery is recorded and may start a probe,
 * but never disables or marks anyone complained by itself.
 */
static void
test_forged_bounce(void **state)
{
	struct fixture *f = *state;
	struct bouncer_stats stats = {0};
	int64_t victim = subscribe(f, "victim@school.example", SUB_ACTIVE);
	char *msg = dsn("nothing", "victim@school.example", "5.1.1", 5), *verp;

	assert_int_equal(status_after(f, msg, &stats, "victim@school.example"), SUB_ACTIVE);
	assert_int_equal(stats.hard, 1);
	if (delivery_of(f, "probe", victim) == 0)
		fail_msg("an untied hard bounce should start a probe");
	/* The probe is delivered: nothing more happens.  A forged complaint changes nothing. */
	msg = xasprintf("From: abuse@isp.example\r\nTo: bounces@net.example\r\n"
	                "Subject: complaint\r\nMessage-ID: <arf-forged@isp.example>\r\n"
	                "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
	                "report-type=feedback-report; boundary=\"b\"\r\n\r\n--b\r\n"
	                "Content-Type: text/plain\r\n\r\nA complaint.\r\n--b\r\n"
	                "Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
	                "Version: 1\r\nOriginal-Rcpt-To: victim@school.example\r\n\r\n"
	                "--b--\r\n");
	assert_int_equal(status_after(f, msg, &stats, "victim@school.example"), SUB_ACTIVE);
	assert_int_equal(stats.complaint, 1);
	/* The same bounce tied to a message we sent to her by its VERP token disables. */
	verp = newsletter_to(f, victim, 2);
	msg = dsn(verp, "victim@school.example", "5.1.1", 6);
	free(verp);
	assert_int_equal(status_after(f, msg, &stats, "victim@school.example"), SUB_BOUNCED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confirm_by_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_bounce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsubscribe_token_in_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_keeps_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_before_disabling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_probe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
