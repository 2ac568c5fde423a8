/*
 * test_template_lint - where a template's unsubscribe link is visible and
 * where it is not: a table of sources, each with the verdict and the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "template_lint.h"
#include "util.h"

struct tcase {
	const char *src;
	int html;
	const char *want_err; /* NULL: visible; else a substring of the reason */
};

static const struct tcase cases[] = {
	{"<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>", 1, NULL},
	{"<p><a href='{{ unsubscribe_url }}' style=\"color:#1d4e89\">Leave</a></p>", 1, NULL},
	{"<a href=\"{{{unsubscribe_url}}}\"><img src=\"x.png\" alt=\"Unsubscribe\"></a>", 1, NULL},
	{"<a href=\"{{unsubscribe_url}}\">{{unsubscribe_url}}</a>", 1, NULL},
	{"<div style=\"font-size:0.5em\"><a href=\"{{unsubscribe_url}}\">x</a></div>", 1, NULL},
	{"<p>Hello</p>", 1, "no {{unsubscribe_url}} anywhere"},
	{"<!-- <a href=\"{{unsubscribe_url}}\">Unsubscribe</a> -->", 1,
	 "at line 1 is inside an HTML comment"},
	{"<p>\n{{! {{unsubscribe_url}} }}</p>", 1, "at line 2 is inside a template comment"},
	{"<div style=\"display: none\">\n<a href=\"{{unsubscribe_url}}\">U</a></div>", 1,
	 "at line 2 is in a hidden element"},
	{"<div hidden><p><a href=\"{{unsubscribe_url}}\">U</a></p></div>", 1, "hidden element"},
	{"<span style=\"font-size:0px\"><a href=\"{{unsubscribe_url}}\">U</a></span>", 1,
	 "hidden element"},
	{"<a style=\"opacity:0\" href=\"{{unsubscribe_url}}\">U</a>", 1, "hidden element"},
	{"<head><link href=\"{{unsubscribe_url}}\"></head>", 1, "not in the href of an <a>"},
	{"<a href=\"{{unsubscribe_url}}\"> &nbsp; </a>", 1, "a link with no text"},
	{"<p>Unsubscribe: {{unsubscribe_url}}</p>", 1, "text, not a link's href"},
	{"<a title=\"{{unsubscribe_url}}\" href=\"#\">U</a>", 1, "an attribute other than an href"},
	{"Unsubscribe: {{unsubscribe_url}}\n", 0, NULL},
	{"{{! {{unsubscribe_url}} }}\n", 0, "inside a template comment"},
	{"{{#unsubscribe_url}}x{{/unsubscribe_url}}\n", 0, "no {{unsubscribe_url}} anywhere"},
};

static void
test_cases(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		struct error err = ERROR_INIT;
		int rc = template_lint_link(c->src, strlen(c->src), c->html, "unsubscribe_url", &err);
		const char *got = rc == 0 ? "(visible)" : error_msg(&err);

		if (c->want_err == NULL ? rc != 0 : rc == 0 || strstr(got, c->want_err) == NULL) {
			printf("# case %zu %s: got %s, want %s\n", i, c->src, got,
			       c->want_err ? c->want_err : "(visible)");
			failed++;
		}
		error_clear(&err);
	}
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
