/*
 * test_transport - reading an SMTP exchange into an outcome, row by row:
 * which command was refused and with what decides, never what followed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "transport.h"

static void
test_classify(void **state)
{
	static const struct {
		struct smtp_exchange x;
		int want;
		const char *why;
	} rows[] = {
		{{1, "250 2.0.0 Ok: queued as 4F2A", "DATA", "", "", 250, NULL}, TRANSPORT_SENT,
		 "250 2.0.0 Ok: queued as 4F2A"},
		{{1, "", "", "", "", 0, NULL}, TRANSPORT_SENT, "250 accepted"},
		/* The refusal of RCPT decides, though QUIT's 221 came last. */
		{{0, "221 2.0.0 Bye", "QUIT", "550 5.1.1 <a@x>: Recipient address rejected", "RCPT",
		  221, "Failed sending RCPT"}, TRANSPORT_REJECTED,
		 "550 5.1.1 <a@x>: Recipient address rejected"},
		{{0, "221 Bye", "QUIT", "552 5.3.4 Message size exceeds fixed limit", "DATA", 221,
		  NULL}, TRANSPORT_FAILED, "552 5.3.4 Message size exceeds fixed limit"},
		{{0, "221 Bye", "QUIT", "553 5.7.1 <bounces@x>: Sender address rejected", "MAIL", 221,
		  NULL}, TRANSPORT_RELAY_REFUSED, "553 5.7.1 <bounces@x>: Sender address rejected"},
		{{0, "", "AUTH", "535 5.7.8 Authentication credentials invalid", "AUTH", 535,
		  "Login denied"}, TRANSPORT_RELAY_REFUSED, "535 5.7.8 Authentication credentials invalid"},
		{{0, "", "", "554 5.7.1 mx: no service for you", "", 554, NULL},
		 TRANSPORT_RELAY_REFUSED, "554 5.7.1 mx: no service for you"},
		{{0, "221 Bye", "QUIT", "502 5.5.2 Error: command not recognized", "EHLO", 221, NULL},
		 TRANSPORT_RELAY_REFUSED, "502 5.5.2 Error: command not recognized"},
		{{0, "", "", "451 4.3.0 Temporary failure", "RCPT", 451, NULL}, TRANSPORT_DEFERRED,
		 "451 4.3.0 Temporary failure"},
		{{0, "", "", "421 4.7.0 Too many connections", "MAIL", 421, NULL},
		 TRANSPORT_THROTTLED, "421 4.7.0 Too many connections"},
		{{0, "", "", "452 4.2.1 Rate limit exceeded, slow down", "RCPT", 452, NULL},
		 TRANSPORT_THROTTLED, "452 4.2.1 Rate limit exceeded, slow down"},
		{{0, "452 4.3.1 Insufficient system storage", "RCPT", "", "", 452, NULL},
		 TRANSPORT_DEFERRED, "452 4.3.1 Insufficient system storage"},
		/* No reply at all: the relay cannot be reached, or hung up. */
		{{0, "", "", "", "", 0, "Couldn't connect to server"}, TRANSPORT_DEFERRED,
		 "Couldn't connect to server"},
		{{0, "220 mx ESMTP", "EHLO", "", "", 220, "Timeout was reached"}, TRANSPORT_DEFERRED,
		 "Timeout was reached"},
		{{0, "", "", "", "", 0, NULL}, TRANSPORT_DEFERRED, "no reply from the relay"},
		{{0, "554 5.7.1 relaying denied", "RCPT", "", "", 554, NULL}, TRANSPORT_REJECTED,
		 "554 5.7.1 relaying denied"},
	};
	struct buf why;

	(void)state;
	buf_init(&why, 4096);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = transport_classify(&rows[i].x, &why);

		if (got != rows[i].want || strcmp(buf_cstr(&why), rows[i].why) != 0)
			fail_msg("row %zu: got %d '%s', want %d '%s'", i, got, buf_cstr(&why),
			         rows[i].want, rows[i].why);
	}
	buf_free(&why);
}

static void
test_throttle(void **state)
{
	(void)state;
	assert_true(transport_is_throttle_reply(421, "4.7.0 bye"));
	assert_true(transport_is_throttle_reply(450, "4.7.1 Try again later"));
	assert_true(transport_is_throttle_reply(451, "THROTTLED"));
	assert_false(transport_is_throttle_reply(451, "4.3.0 local error"));
	assert_false(transport_is_throttle_reply(550, "too many recipients"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_throttle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
