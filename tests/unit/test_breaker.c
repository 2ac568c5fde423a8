/*
 * test_breaker - telling the relay's faults from the recipients': each case
 * a sequence of events (a refusal at a domain, an accepted message, the end
 * of the work) and what the breaker must answer to each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "breaker.h"

/*
 * One case: events as a string of steps, "r:DOMAIN" a refusal, "a" an
 * accepted message, "i" the end of the work; want the verdicts, one letter
 * per step (H hold, R release, T trip).
 */
struct scenario {
	const char *name;
	const char *steps[40];
	const char *want;
};

static int
play(struct breaker *b, const char *step)
{
	if (step[0] == 'r')
		return breaker_refused(b, step + 2);
	if (step[0] == 'a')
		return breaker_accepted(b);
	return breaker_idle(b);
}

static void
test_scenarios(void **state)
{
	static const struct scenario cases[] = {
		{"a few bad addresses among good ones are released",
		 {"r:a.example", "r:b.example", "a", "r:c.example", "i"}, "HHRHR"},
		{"a run of refusals on many domains trips at the tenth",
		 {"r:a", "r:b", "r:c", "r:d", "r:e", "r:a", "r:b", "r:c", "r:d", "r:e"},
		 "HHHHHHHHHT"},
		{"ten refusals at one domain do not trip: that domain refuses",
		 {"r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "a"},
		 "HHHHHHHHHHR"},
		{"ten refusals on two domains do not trip",
		 {"r:a", "r:b", "r:a", "r:b", "r:a", "r:b", "r:a", "r:b", "r:a", "r:b", "i"},
		 "HHHHHHHHHHR"},
		{"25 refusals in a row trip whatever the domains",
		 {"r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a",
		  "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a", "r:a",
		  "r:a", "r:a", "r:a", "r:b", "r:a"},
		 "HHHHHHHHHHHHHHHHHHHHHHHHT"},
		{"an accepted message ends the run",
		 {"r:a", "r:b", "r:c", "r:d", "r:e", "r:f", "r:g", "r:h", "r:i", "a",
		  "r:j", "r:k", "i"},
		 "HHHHHHHHHRHHR"},
		{"everything refused on three domains, then nothing more to send: trip",
		 {"r:a", "r:b", "r:c", "i"}, "HHHT"},
		{"two refusals then the end: released",
		 {"r:a", "r:b", "i"}, "HHR"},
		{"domains compare without case",
		 {"r:A.example", "r:a.example", "r:A.EXAMPLE", "i"}, "HHHR"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct breaker b;
		char got[41] = "";
		size_t n = 0;

		memset(&b, 0, sizeof(b));
		for (; n < 40 && cases[i].steps[n]; n++) {
			int v = play(&b, cases[i].steps[n]);

			got[n] = v == BREAKER_HOLD ? 'H' : v == BREAKER_RELEASE ? 'R' : 'T';
			if (v == BREAKER_TRIP)
				breaker_reset(&b);
		}
		got[n] = '\0';
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].name, got, cases[i].want);
	}
}

static void
test_unreachable(void **state)
{
	struct breaker b;

	(void)state;
	memset(&b, 0, sizeof(b));
	/* Four connections: the relay is down after four failed attempts in a row. */
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	assert_int_equal(breaker_unreachable(&b, 4), 1);
	/* Any answer from the relay starts the count again. */
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	breaker_reached(&b);
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	assert_int_equal(breaker_unreachable(&b, 4), 0);
	assert_int_equal(breaker_unreachable(&b, 4), 1);
	/* One connection: one failure is enough. */
	assert_int_equal(breaker_unreachable(&b, 1), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
