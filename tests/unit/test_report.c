/*
 * test_report - the report's pure pieces: the complaint rate's level at and
 * around the providers' lines, percentages, timeline buckets, durations,
 * and the JSON and CSV of a report with awkward text in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "report.h"

static void
test_level(void **state)
{
	static const struct {
		int64_t complaints, sent;
		int want;
	} rows[] = {
		{0, 0, REPORT_OK}, {1, 0, REPORT_OK}, {0, 100, REPORT_OK},
		{1, 1000, REPORT_OK},      /* exactly 0.1%: not above it */
		{2, 1000, REPORT_WARN}, {3, 1000, REPORT_WARN}, /* exactly 0.3%: warned, not over */
		{4, 1000, REPORT_OVER}, {1, 13, REPORT_OVER}, {1, 1001, REPORT_OK},
		{301, 100000, REPORT_OVER}, {300, 100000, REPORT_WARN}, {101, 100000, REPORT_WARN},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = report_level(rows[i].complaints, rows[i].sent);

		if (got != rows[i].want)
			fail_msg("%lld of %lld: got %s, want %s", (long long)rows[i].complaints,
			         (long long)rows[i].sent, report_level_name(got),
			         report_level_name(rows[i].want));
	}
}

static void
test_percent_bucket_duration(void **state)
{
	static const struct {
		int64_t num, den;
		const char *want;
	} pct[] = {{0, 0, "0.00%"}, {1, 13, "7.69%"}, {1, 1000, "0.10%"}, {3, 1000, "0.30%"},
	           {1, 3, "33.33%"}, {2, 3, "66.67%"}, {5, 5, "100.00%"}};
	static const struct {
		int64_t span, want;
	} bk[] = {{0, 60}, {47 * 60, 60}, {48 * 60, 300}, {3 * 3600, 300}, {5 * 3600, 900},
	          {47 * 3600, 3600}, {2 * 86400, 10800}, {40 * 86400, 86400}, {300 * 86400, 7 * 86400}};
	char out[48];

	(void)state;
	for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
		report_percent(pct[i].num, pct[i].den, out);
		if (strcmp(out, pct[i].want) != 0)
			fail_msg("%lld/%lld: got %s, want %s", (long long)pct[i].num,
			         (long long)pct[i].den, out, pct[i].want);
	}
	for (size_t i = 0; i < sizeof(bk) / sizeof(bk[0]); i++)
		if (report_bucket(bk[i].span) != bk[i].want)
			fail_msg("span %lld: got %lld, want %lld", (long long)bk[i].span,
			         (long long)report_bucket(bk[i].span), (long long)bk[i].want);
	/* Longer than 47 weeks: as wide as it takes to stay within the buckets. */
	assert_true(400 * 86400 / report_bucket(400 * 86400) < REPORT_MAX_BUCKETS);
	report_duration(0, out);
	assert_string_equal(out, "0s");
	report_duration(305, out);
	assert_string_equal(out, "5m 05s");
	report_duration(7384, out);
	assert_string_equal(out, "2h 03m 04s");
	report_duration(90061, out);
	assert_string_equal(out, "1d 01h 01m");
}

static void
test_json_csv(void **state)
{
	struct report r;
	struct report_domain d[2];
	struct buf b;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.c.id = 7;
	r.c.subject = "A \"quoted\"\\ subject\twith a tab";
	r.c.kind = "newsletter";
	r.c.list_slug = "net";
	d[0] = (struct report_domain){"school.example", {.recipients = 3, .sent = 2, .hard = 1}};
	d[1] = (struct report_domain){"odd,\"domain\"", {.recipients = 1, .complaints = 1,
	                                                 .unsub_oneclick = 1}};
	r.domains = d;
	r.n_domains = 2;
	r.total = (struct report_counts){.recipients = 4, .sent = 2, .hard = 1, .complaints = 1,
	                                 .unsub_oneclick = 1};
	buf_init(&b, 1 << 16);
	report_write(&r, REPORT_JSON, &b);
	assert_non_null(strstr(buf_cstr(&b),
	                       "\"subject\": \"A \\\"quoted\\\"\\\\ subject\\u0009with a tab\""));
	assert_non_null(strstr(buf_cstr(&b), "\"domain\": \"odd,\\\"domain\\\"\""));
	assert_non_null(strstr(buf_cstr(&b), "\"complaint_level\": \"over\""));
	assert_non_null(strstr(buf_cstr(&b), "\"first_delivery\": null"));
	buf_reset(&b);
	report_write(&r, REPORT_CSV, &b);
	assert_string_equal(buf_cstr(&b),
	                    "domain,recipients,sent,waiting,deferred,failed,bounced,hard,soft,"
	                    "complaints,unsubscribes,unsubscribes_link,unsubscribes_one_click,"
	                    "unsubscribes_mail\r\n"
	                    "school.example,3,2,0,0,0,1,1,0,0,0,0,0,0\r\n"
	                    "\"odd,\"\"domain\"\"\",1,0,0,0,0,0,0,0,1,1,0,1,0\r\n"
	                    "total,4,2,0,0,0,1,1,0,1,1,0,1,0\r\n");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_percent_bucket_duration),
		cmocka_unit_test(test_json_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
