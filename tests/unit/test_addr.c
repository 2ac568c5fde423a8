/*
 * test_addr - RFC 5321 address syntax and normalisation, display-name parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static const struct {
	const char *in;
	const char *want;          /* normalised form, or NULL for a rejection */
	const char *why;           /* expected reason (substring) when rejected */
} rows[] = {
	{"ada@school.example", "ada@school.example", NULL},
	{"Ada@School.EXAMPLE", "Ada@school.example", NULL},
	{"  ada@school.example\t", "ada@school.example", NULL},
	{"first.last+tag@sub.school.example", "first.last+tag@sub.school.example", NULL},
	{"o'brien@school.example", "o'brien@school.example", NULL},
	{"x!#$%&*/=?^_`{|}~-@example.org", "x!#$%&*/=?^_`{|}~-@example.org", NULL},
	{"\"john smith\"@example.org", "\"john smith\"@example.org", NULL},
	{"\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org", NULL},
	{"\"at@sign\"@example.org", "\"at@sign\"@example.org", NULL},
	{"user@[192.0.2.1]", "user@[192.0.2.1]", NULL},
	{"user@[IPv6:2001:db8::1]", "user@[IPv6:2001:db8::1]", NULL},
	{"jürgen@schule.example", "jürgen@schule.example", NULL},
	{"user@xn--mller-kva.example", "user@xn--mller-kva.example", NULL},
	{"user@localhost", "user@localhost", NULL},
	{"a@b-c.example", "a@b-c.example", NULL},
	{"", NULL, "empty address"},
	{"   ", NULL, "empty address"},
	{"plainaddress", NULL, "missing '@'"},
	{"a@b@c.example", NULL, "more than one '@'"},
	{"@example.org", NULL, "empty local part"},
	{"user@", NULL, "empty domain"},
	{".user@example.org", NULL, "starts or ends with '.'"},
	{"user.@example.org", NULL, "starts or ends with '.'"},
	{"us..er@example.org", NULL, "'..' in local part"},
	{"us er@example.org", NULL, "invalid character ' '"},
	{"user@exa mple.org", NULL, "invalid character ' ' in domain"},
	{"user@example.org.", NULL, "domain ends with '.'"},
	{"user@.example.org", NULL, "empty label"},
	{"user@example..org", NULL, "empty label"},
	{"user@-example.org", NULL, "starts or ends with '-'"},
	{"user@example-.org", NULL, "starts or ends with '-'"},
	{"user@exam_ple.org", NULL, "invalid character in domain"},
	{"user@[300.1.1.1]", NULL, "bad IPv4"},
	{"user@[IPv6:zz::1]", NULL, "bad IPv6"},
	{"user@[192.0.2.1", NULL, "bad address literal"},
	{"\"unterminated@example.org", NULL, "missing '@'"},
	{"a\r\nBcc: x@y.example@example.org", NULL, "line break"},
	{"user@example.org\n", NULL, "line break"},
	{"a(comment)@example.org", NULL, "invalid character"},
	{"a<b>@example.org", NULL, "invalid character"},
	{"\xff@example.org", NULL, "invalid UTF-8"},
	{"user@\xc3\x28.example", NULL, "invalid UTF-8"},
};

static void
test_normalize(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = NULL;
		const char *why = NULL;
		int rc = addr_normalize(rows[i].in, &got, &why);

		if (rows[i].want) {
			if (rc != 0)
				fail_msg("'%s': got rejection '%s', want '%s'", rows[i].in, why,
				         rows[i].want);
			if (strcmp(got, rows[i].want) != 0)
				fail_msg("'%s': got '%s', want '%s'", rows[i].in, got, rows[i].want);
		} else {
			if (rc == 0)
				fail_msg("'%s': got '%s', want rejection '%s'", rows[i].in, got,
				         rows[i].why);
			if (strstr(why, rows[i].why) == NULL)
				fail_msg("'%s': got reason '%s', want '%s'", rows[i].in, why, rows[i].why);
		}
		free(got);
	}
}

static void
test_lengths(void **state)
{
	char local[80], addr[300], label[80];
	char *got;
	const char *why;

	(void)state;
	memset(local, 'a', 64);
	strcpy(local + 64, "@example.org");
	assert_int_equal(addr_normalize(local, &got, &why), 0);
	free(got);
	memset(local, 'a', 65);
	strcpy(local + 65, "@example.org");
	assert_int_equal(addr_normalize(local, &got, &why), -1);
	assert_non_null(strstr(why, "longer than 64"));
	memset(label, 'b', 64);
	label[64] = '\0';
	snprintf(addr, sizeof(addr), "a@%s.example", label);
	assert_int_equal(addr_normalize(addr, &got, &why), -1);
	assert_non_null(strstr(why, "label longer than 63"));
	/* 255 octets in all: refused even though every part is in its own limits. */
	memset(addr, 0, sizeof(addr));
	memset(addr, 'a', 64);
	addr[64] = '@';
	for (int i = 0; i < 3; i++) {
		memset(addr + 65 + i * 62, 'c', 61);
		addr[65 + i * 62 + 61] = '.';
	}
	strcpy(addr + 65 + 3 * 62, "example");
	assert_true(strlen(addr) > 254);
	assert_int_equal(addr_normalize(addr, &got, &why), -1);
	assert_non_null(strstr(why, "longer than 254"));
}

static void
test_mailbox(void **state)
{
	static const struct {
		const char *in, *name, *addr;  /* addr NULL: rejected */
	} mb[] = {
		{"Metro North <news@metronorth.example>", "Metro North", "news@metronorth.example"},
		{"\"Patel, Devi\" <d@x.example>", "Patel, Devi", "d@x.example"},
		{"\"A \\\"quoted\\\" name\" <a@x.example>", "A \"quoted\" name", "a@x.example"},
		{"<a@X.Example>", NULL, "a@x.example"},
		{"a@x.example", NULL, "a@x.example"},
		{"Zoë Ærø <zoe@x.example>", "Zoë Ærø", "zoe@x.example"},
		{"Name <a@x.example> trailing", NULL, NULL},
		{"Name <a@x.example", NULL, NULL},
		{"\"Unbalanced <a@x.example>", NULL, NULL},
		{"Evil\r\nBcc: x@y <a@x.example>", NULL, NULL},
		{"Name <not an address>", NULL, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(mb) / sizeof(mb[0]); i++) {
		char *name = NULL, *addr = NULL;
		const char *why = NULL;
		int rc = addr_parse_mailbox(mb[i].in, &name, &addr, &why);

		if (mb[i].addr == NULL) {
			if (rc == 0)
				fail_msg("'%s': got '%s', want a rejection", mb[i].in, addr);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s': got rejection '%s'", mb[i].in, why);
		if (strcmp(addr, mb[i].addr) != 0)
			fail_msg("'%s': got address '%s', want '%s'", mb[i].in, addr, mb[i].addr);
		if ((name == NULL) != (mb[i].name == NULL) ||
		    (name && strcmp(name, mb[i].name) != 0))
			fail_msg("'%s': got name '%s', want '%s'", mb[i].in, name ? name : "(none)",
			         mb[i].name ? mb[i].name : "(none)");
		free(name);
		free(addr);
	}
	assert_string_equal(addr_domain("a@b.example"), "b.example");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_mailbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
