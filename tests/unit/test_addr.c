/*
 * test_addr - RFC 5321 address syntax and normalisation, and display-name
 * parsing.  Each table row is an input, whether it is accepted, and the
 * normalised address or the exact reason a coordinator would read.
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
#include "util.h"

/* Long parts, built at compile time; test_lengths checks the arithmetic. */
#define A16 "aaaaaaaaaaaaaaaa"
#define A64 A16 A16 A16 A16
#define B16 "bbbbbbbbbbbbbbbb"
#define L61 B16 B16 B16 "bbbbbbbbbbbbb"
#define L62 L61 "b"
#define L63 L62 "b"
#define L64 L63 "b"
#define ADDR254 A64 "@" L63 "." L63 "." L61
#define ADDR255 A64 "@" L63 "." L63 "." L62

static const struct {
	const char *in;
	int ok;
	const char *want;          /* normalised address, or the reason for a rejection */
} rows[] = {
	/* Accepted, and what they normalise to. */
	{"ada@school.example", 1, "ada@school.example"},
	{"Ada@School.EXAMPLE", 1, "Ada@school.example"},
	{"  ada@school.example\t", 1, "ada@school.example"},
	{"first.last+tag@sub.school.example", 1, "first.last+tag@sub.school.example"},
	{"o'brien@school.example", 1, "o'brien@school.example"},
	{"x!#$%&*/=?^_`{|}~-@example.org", 1, "x!#$%&*/=?^_`{|}~-@example.org"},
	{"\"john smith\"@example.org", 1, "\"john smith\"@example.org"},
	{"\"a\\\"b\"@example.org", 1, "\"a\\\"b\"@example.org"},
	{"\"at@sign\"@Example.org", 1, "\"at@sign\"@example.org"},
	{"\"a..b\"@example.org", 1, "\"a..b\"@example.org"},
	{"\".lead,trail.\"@example.org", 1, "\".lead,trail.\"@example.org"},
	{"\"Zoë Ærø\"@example.org", 1, "\"Zoë Ærø\"@example.org"},
	{"\"nb\xc2\xa0sp\"@example.org", 1, "\"nb\xc2\xa0sp\"@example.org"},
	{"user@[192.0.2.1]", 1, "user@[192.0.2.1]"},
	{"user@[IPv6:2001:db8::1]", 1, "user@[IPv6:2001:db8::1]"},
	{"user@[ipv6:2001:DB8::A]", 1, "user@[IPv6:2001:db8::a]"},
	{"user@[IPv6:::ffff:192.0.2.1]", 1, "user@[IPv6:::ffff:192.0.2.1]"},
	{"jürgen@schule.example", 1, "jürgen@schule.example"},
	{"用户@例子.广告", 1, "用户@xn--fsqu00a.xn--4rr70v"},
	{"user@BÜCHER.Example", 1, "user@xn--bcher-kva.example"},
	{"user@bücher.example", 1, "user@xn--bcher-kva.example"},
	{"user@xn--bcher-kva.EXAMPLE", 1, "user@xn--bcher-kva.example"},
	{"user@localhost", 1, "user@localhost"},
	{"a@b--c.example", 1, "a@b--c.example"},
	{"1@2.3", 1, "1@2.3"},
	{A64 "@example.org", 1, A64 "@example.org"},
	{"a@" L63 ".example", 1, "a@" L63 ".example"},
	{ADDR254, 1, ADDR254},

	/* Structure. */
	{"", 0, "empty address"},
	{" \t ", 0, "empty address"},
	{"plainaddress", 0, "missing '@'"},
	{"\"quoted\"", 0, "missing '@'"},
	{"a@b@c.example", 0, "more than one '@'"},
	{"\"a\"@b@c.example", 0, "more than one '@'"},
	{"@example.org", 0, "empty local part"},
	{"\"\"@example.org", 0, "empty local part"},
	{"user@", 0, "empty domain"},
	{"user@\xcd\x8f", 0, "empty domain"}, /* a default-ignorable that IDNA maps to nothing */
	{"<a@b.example>", 0, "invalid character '<' in local part"},

	/* Local part. */
	{".user@example.org", 0, "local part starts or ends with '.'"},
	{"user.@example.org", 0, "local part starts or ends with '.'"},
	{"us..er@example.org", 0, "'..' in local part"},
	{"us er@example.org", 0, "invalid character ' ' in local part"},
	{"a(comment)@example.org", 0, "invalid character '(' in local part"},
	{"a,b@example.org", 0, "invalid character ',' in local part"},
	{"a\\b@example.org", 0, "invalid character '\\' in local part"},
	{"a\"b\"@example.org", 0, "invalid character '\"' in local part"},
	{"a[1]@example.org", 0, "invalid character '[' in local part"},
	{"\"unterminated@example.org", 0, "unterminated quoted local part"},
	{"\"a\\", 0, "unterminated quoted local part"},
	{"\"a\"b@example.org", 0, "text between quoted local part and '@'"},
	{"\"a\".b@example.org", 0, "text between quoted local part and '@'"},
	{"\"a\tb\"@example.org", 0, "control character in local part"},
	{"\"a\\\x01\"@example.org", 0, "control character in local part"},
	{"a\tb@example.org", 0, "control character in local part"},
	{"a\x7f@example.org", 0, "control character in local part"},
	{"a\x1b[0m@example.org", 0, "control character in local part"},
	{"\xff@example.org", 0, "invalid UTF-8 in local part"},
	{"\xc0\xaf@example.org", 0, "invalid UTF-8 in local part"},
	{"\"\xe9t\xe9\"@example.org", 0, "invalid UTF-8 in local part"},
	{"a\xc2\xa0" "b@example.org", 0, "Unicode space in local part"},
	{"a\xe2\x80\xae" "b@example.org", 0, "Unicode control or format character in local part"},
	{"a\xe2\x80\x8b@example.org", 0, "Unicode control or format character in local part"},
	{"a\xc2\x85@example.org", 0, "Unicode control or format character in local part"},
	{"\"a\xe2\x80\xa8" "b\"@example.org", 0,
	 "Unicode control or format character in local part"},
	{"\"a\\\xc3\xa9\"@example.org", 0, "'\\' before a non-ASCII character in local part"},
	{A64 "a@example.org", 0, "local part longer than 64 octets"},
	{"\"" A64 "\"@example.org", 0, "local part longer than 64 octets"},

	/* Domain. */
	{"user@exa mple.org", 0, "invalid character ' ' in domain"},
	{"user@exam_ple.org", 0, "invalid character '_' in domain"},
	{"user@example.org'", 0, "invalid character \"'\" in domain"},
	{"user@example.org,b@x.example", 0, "more than one '@'"},
	{"user@example.org,x", 0, "invalid character ',' in domain"},
	{"user@exa\tmple.org", 0, "control character in domain"},
	{"user@example.org.", 0, "domain ends with '.'"},
	{"user@.example.org", 0, "domain starts with '.'"},
	{"user@example..org", 0, "'..' in domain"},
	{"user@-example.org", 0, "domain label starts or ends with '-'"},
	{"user@example-.org", 0, "domain label starts or ends with '-'"},
	{"user@sub.-x.org", 0, "domain label starts or ends with '-'"},
	{"user@\xc3.example", 0, "invalid UTF-8 in domain"},
	{"user@\xc3\x28.example", 0, "invalid character '(' in domain"},
	{"user@ex\xe3\x80\x80" "ample.org", 0, "Unicode space in domain"},
	{"user@ex\xef\xbb\xbf" "ample.org", 0, "Unicode control or format character in domain"},
	{"a@" L64 ".example", 0, "domain label longer than 63 octets"},
	{ADDR255, 0, "address longer than 254 octets"},

	/* Address literals. */
	{"user@[300.1.1.1]", 0, "bad IPv4 address literal"},
	{"user@[192.0.2]", 0, "bad IPv4 address literal"},
	{"user@[192.0.2.1.5]", 0, "bad IPv4 address literal"},
	{"user@[ 192.0.2.1]", 0, "bad IPv4 address literal"},
	{"user@[IPv6:zz::1]", 0, "bad IPv6 address literal"},
	{"user@[IPv6:1:2:3:4:5:6:7:8:9]", 0, "bad IPv6 address literal"},
	{"user@[IPv6:]", 0, "bad IPv6 address literal"},
	{"user@[IPv6:192.0.2.1]", 0, "bad IPv6 address literal"},
	{"user@[2001:db8::1]", 0, "unsupported address literal (only [IPv4] and [IPv6:...])"},
	{"user@[x-tag:stuff]", 0, "unsupported address literal (only [IPv4] and [IPv6:...])"},
	{"user@[192.0.2.1", 0, "address literal without closing ']'"},
	{"user@[192.0.2.1]x", 0, "text after address literal"},
	{"user@[192.0.2.1].org", 0, "text after address literal"},
	{"user@[]", 0, "empty address literal"},

	/* Header injection, whatever else the address looks like. */
	{"a\r\nBcc: x@y.example@example.org", 0, "line break in address"},
	{"user@example.org\n", 0, "line break in address"},
	{"user@example.org\r", 0, "line break in address"},
	{"\"a\nb\"@example.org", 0, "line break in address"},
};

static void
test_normalize(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = NULL, *again = NULL;
		const char *why = NULL, *why2 = NULL;
		int rc = addr_normalize(rows[i].in, &got, &why);

		if (rows[i].ok && rc != 0) {
			print_error("row %zu '%s': got rejection '%s', want '%s'\n", i, rows[i].in, why,
			            rows[i].want);
			failed++;
		} else if (rows[i].ok && strcmp(got, rows[i].want) != 0) {
			print_error("row %zu '%s': got '%s', want '%s'\n", i, rows[i].in, got,
			            rows[i].want);
			failed++;
		} else if (rows[i].ok && (addr_normalize(got, &again, &why2) != 0 ||
		                          strcmp(again, got) != 0)) {
			/* Normalising twice must change nothing: stored addresses are compared. */
			print_error("row %zu '%s': normalised again got '%s', want '%s'\n", i,
			            rows[i].in, again ? again : why2, got);
			failed++;
		} else if (!rows[i].ok && rc == 0) {
			print_error("row %zu '%s': got '%s', want rejection '%s'\n", i, rows[i].in, got,
			            rows[i].want);
			failed++;
		} else if (!rows[i].ok && (why == NULL || strcmp(why, rows[i].want) != 0)) {
			print_error("row %zu '%s': got reason '%s', want '%s'\n", i, rows[i].in,
			            why ? why : "(none)", rows[i].want);
			failed++;
		} else if (!rows[i].ok && got != NULL) {
			print_error("row %zu '%s': rejected but *out was set\n", i, rows[i].in);
			failed++;
		}
		why2 = NULL;
		if (addr_valid(rows[i].in, &why2) != rc || (rc != 0 && !str_eq(why2, why))) {
			print_error("row %zu '%s': addr_valid disagrees with addr_normalize\n", i,
			            rows[i].in);
			failed++;
		}
		free(got);
		free(again);
	}
	if (failed)
		fail_msg("%d of %zu address rows failed", failed, sizeof(rows) / sizeof(rows[0]));
}

/* The long rows above are only as good as the macros that build them. */
static void
test_lengths(void **state)
{
	(void)state;
	assert_int_equal(strlen(A64), ADDR_LOCAL_MAX);
	assert_int_equal(strlen(L63), ADDR_LABEL_MAX);
	assert_int_equal(strlen(L64), ADDR_LABEL_MAX + 1);
	assert_int_equal(strlen(ADDR254), ADDR_MAX);
	assert_int_equal(strlen(ADDR255), ADDR_MAX + 1);
}

static void
test_mailbox(void **state)
{
	static const struct {
		const char *in;
		int ok;
		const char *name;  /* display name, NULL when absent */
		const char *want;  /* normalised address, or the reason for a rejection */
	} mb[] = {
		{"Metro North <news@metronorth.example>", 1, "Metro North", "news@metronorth.example"},
		{"\"Patel, Devi\" <d@x.example>", 1, "Patel, Devi", "d@x.example"},
		{"\"A \\\"quoted\\\" name\" <a@x.example>", 1, "A \"quoted\" name", "a@x.example"},
		{"John \"Q\" Public <jq@x.example>", 1, "John Q Public", "jq@x.example"},
		{"<a@X.Example>", 1, NULL, "a@x.example"},
		{"  <a@x.example>  ", 1, NULL, "a@x.example"},
		{"\"\" <a@x.example>", 1, NULL, "a@x.example"},
		{"Name<a@x.example>", 1, "Name", "a@x.example"},
		{"Name < a@x.example >", 1, "Name", "a@x.example"},
		{"  Spaced   Out  <a@x.example>", 1, "Spaced   Out", "a@x.example"},
		{"Tab\tName <a@x.example>", 1, "Tab Name", "a@x.example"},
		{"a@x.example", 1, NULL, "a@x.example"},
		{"  A@X.EXAMPLE ", 1, NULL, "A@x.example"},
		{"\"a b\"@x.example", 1, NULL, "\"a b\"@x.example"},
		{"Zoë Ærø <zoe@x.example>", 1, "Zoë Ærø", "zoe@x.example"},
		{"\"x\" <\"a>b\"@x.example>", 1, "x", "\"a>b\"@x.example"},
		{"\"<not@this.example>\" <a@x.example>", 1, "<not@this.example>", "a@x.example"},
		{"news@x.example <news@x.example>", 1, "news@x.example", "news@x.example"},
		{"Name <a@x.example> trailing", 0, NULL, "text after '>'"},
		{"Name <a@x.example> <b@x.example>", 0, NULL, "text after '>'"},
		{"Name <a@x.example", 0, NULL, "missing '>'"},
		{"<a@x.example", 0, NULL, "missing '>'"},
		{"Name a@x.example>", 0, NULL, "'>' without '<'"},
		{"a@x.example>", 0, NULL, "'>' without '<'"},
		{"Name <<a@x.example>>", 0, NULL, "'<' inside '<...>'"},
		{"\"Unbalanced <a@x.example>", 0, NULL, "unbalanced quotes"},
		{"Name <\"a@x.example>", 0, NULL, "unbalanced quotes"},
		{"\"a@x.example", 0, NULL, "unbalanced quotes"},
		{"Evil\r\nBcc: x@y.example <a@x.example>", 0, NULL, "line break in address"},
		{"Name <a@x.example>\n", 0, NULL, "line break in address"},
		{"Name <not an@address.example>", 0, NULL, "invalid character ' ' in local part"},
		{"Name <>", 0, NULL, "empty address"},
		{"", 0, NULL, "empty address"},
		{"a@b@x.example", 0, NULL, "more than one '@'"},
		{"Bell\x07 <a@x.example>", 0, NULL, "control character in display name"},
		{"\"Esc\\\x1b\" <a@x.example>", 0, NULL, "control character in display name"},
		{"\xff <a@x.example>", 0, NULL, "invalid UTF-8 in display name"},
		{"Line\xe2\x80\xa8Sep <a@x.example>", 0, NULL,
		 "Unicode control or format character in display name"},
	};
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(mb) / sizeof(mb[0]); i++) {
		char *name = (char *)"unset", *addr = (char *)"unset";
		const char *why = NULL;
		int rc = addr_parse_mailbox(mb[i].in, &name, &addr, &why);

		if (!mb[i].ok) {
			if (rc == 0) {
				print_error("row %zu '%s': got '%s', want rejection '%s'\n", i, mb[i].in,
				            addr, mb[i].want);
				failed++;
			} else if (why == NULL || strcmp(why, mb[i].want) != 0) {
				print_error("row %zu '%s': got reason '%s', want '%s'\n", i, mb[i].in,
				            why ? why : "(none)", mb[i].want);
				failed++;
			} else if (name != NULL || addr != NULL) {
				print_error("row %zu '%s': rejected but results not NULL\n", i, mb[i].in);
				failed++;
			}
			if (rc == 0) {
				free(name);
				free(addr);
			}
			continue;
		}
		if (rc != 0) {
			print_error("row %zu '%s': got rejection '%s', want '%s'\n", i, mb[i].in, why,
			            mb[i].want);
			failed++;
			continue;
		}
		if (strcmp(addr, mb[i].want) != 0) {
			print_error("row %zu '%s': got address '%s', want '%s'\n", i, mb[i].in, addr,
			            mb[i].want);
			failed++;
		}
		if (!str_eq(name, mb[i].name)) {
			print_error("row %zu '%s': got name '%s', want '%s'\n", i, mb[i].in,
			            name ? name : "(none)", mb[i].name ? mb[i].name : "(none)");
			failed++;
		}
		free(name);
		free(addr);
	}
	if (failed)
		fail_msg("%d of %zu mailbox rows failed", failed, sizeof(mb) / sizeof(mb[0]));
}

static void
test_domain(void **state)
{
	static const struct {
		const char *in, *want;
	} d[] = {
		{"a@b.example", "b.example"},
		{"\"x@y\"@b.example", "b.example"},
		{"a@[192.0.2.1]", "[192.0.2.1]"},
		{"nodomain", ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (strcmp(addr_domain(d[i].in), d[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", d[i].in, addr_domain(d[i].in), d[i].want);
}

/* What the doors accept: no dotless domain but those allowed, in any case. */
static void
test_accept(void **state)
{
	static const struct {
		const char *in, *allow, *want; /* want: the address, or the reason's start */
	} accepts[] = {
		{"mr.lee@woburn-hs", "localhost", "domain without a dot"},
		{"mr.lee@woburn-hs.org", "localhost", "mr.lee@woburn-hs.org"},
		{"local@localhost", "localhost", "local@localhost"},
		{"local@LocalHost", "localhost", "local@localhost"},
		{"staff@intranet", "localhost, intranet", "staff@intranet"},
		{"staff@intranet", "localhost,intranet", "staff@intranet"},
		{"staff@intra", "intranet", "domain without a dot"},
		{"staff@intranetx", "intranet", "domain without a dot"},
		{"staff@intranet", "", "domain without a dot"},
		{"staff@intranet", NULL, "domain without a dot"},
		{"op@[192.0.2.1]", "localhost", "op@[192.0.2.1]"},
		{"\"a b\"@x.example", "localhost", "quoted local part"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		const char *why = NULL;
		char *out = NULL;
		int rc = addr_accept(accepts[i].in, accepts[i].allow, &out, &why);

		if (rc == 0 && strcmp(out, accepts[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", accepts[i].in, out, accepts[i].want);
		if (rc != 0 && strncmp(why, accepts[i].want, strlen(accepts[i].want)) != 0)
			fail_msg("'%s': got '%s', want '%s...'", accepts[i].in, why, accepts[i].want);
		free(out);
	}
}

/* Callers that only want a yes or no may pass why = NULL. */
static void
test_null_why(void **state)
{
	char *name, *addr;

	(void)state;
	assert_int_equal(addr_valid("no at sign", NULL), -1);
	assert_int_equal(addr_valid("a@b.example", NULL), 0);
	assert_int_equal(addr_parse_mailbox("Name <x>", &name, &addr, NULL), -1);
	assert_null(name);
	assert_null(addr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_null_why),
		cmocka_unit_test(test_accept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
