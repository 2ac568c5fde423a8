/*
 * test_token - signed tokens round-trip, and every forgery or alteration fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "token.h"

static const unsigned char key[SECRET_LEN] = "0123456789abcdef0123456789abcde";
static const unsigned char other_key[SECRET_LEN] = "0123456789abcdef0123456789abcdX";

static void
test_round_trip(void **state)
{
	static const struct token rows[] = {
		{TOKEN_UNSUBSCRIBE, 1, 1, 0},
		{TOKEN_PREFERENCES, 95, 0, 0},
		{TOKEN_CONFIRM, 123456789, 42, 7},
		{TOKEN_BOUNCE, 4503599627370495LL, 0, 99},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b;
		struct token got;

		buf_init(&b, TOKEN_MAX);
		assert_int_equal(token_make(key, &rows[i], &b), 0);
		for (size_t k = 0; k < b.len; k++)
			if (!((b.data[k] >= 'a' && b.data[k] <= 'z') ||
			      (b.data[k] >= '0' && b.data[k] <= '9') || b.data[k] == '-'))
				fail_msg("row %zu: got '%s', want only [a-z0-9-]", i, b.data);
		if (token_verify(key, b.data, b.len, &got) != 0)
			fail_msg("row %zu: '%s' does not verify", i, b.data);
		if (got.purpose != rows[i].purpose || got.a != rows[i].a || got.b != rows[i].b ||
		    got.c != rows[i].c)
			fail_msg("row %zu: got %c/%lld/%lld/%lld, want %c/%lld/%lld/%lld", i,
			         got.purpose, (long long)got.a, (long long)got.b, (long long)got.c,
			         rows[i].purpose, (long long)rows[i].a, (long long)rows[i].b,
			         (long long)rows[i].c);
		assert_int_equal(token_verify(other_key, b.data, b.len, &got), -1);
		buf_free(&b);
	}
}

/* Change every character to every other token character: none may verify. */
static void
test_every_alteration_fails(void **state)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	struct token t = {TOKEN_UNSUBSCRIBE, 95, 3, 0}, got;
	struct buf b;
	char copy[TOKEN_MAX];

	(void)state;
	buf_init(&b, TOKEN_MAX);
	assert_int_equal(token_make(key, &t, &b), 0);
	for (size_t i = 0; i < b.len; i++)
		for (const char *c = alphabet; *c; c++) {
			if (*c == b.data[i])
				continue;
			memcpy(copy, b.data, b.len);
			copy[i] = *c;
			if (token_verify(key, copy, b.len, &got) == 0)
				fail_msg("altered token '%.*s' verified", (int)b.len, copy);
		}
	/* Truncated, extended, empty. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(token_verify(key, b.data, n, &got), -1);
	memcpy(copy, b.data, b.len);
	copy[b.len] = 'a';
	assert_int_equal(token_verify(key, copy, b.len + 1, &got), -1);
	/* Upper case (a mail server that folds case) still verifies. */
	for (size_t i = 0; i < b.len; i++)
		copy[i] = (char)(b.data[i] >= 'a' && b.data[i] <= 'z' ? b.data[i] - 32 : b.data[i]);
	assert_int_equal(token_verify(key, copy, b.len, &got), 0);
	buf_free(&b);
}

static void
test_bad_inputs(void **state)
{
	struct token t = {TOKEN_UNSUBSCRIBE, -1, 0, 0}, got;
	struct buf b;
	static const char *const junk[] = {
		"", "u", "u-", "u-1-1-0-", "u-1-1-0-aaaaaaaaaaaaaaaaaaaaaaaaaa",
		"U-1-1-0-aaaaaaaaaaaaaaaaaaaaaaaaaa", "u-zzzzzzzzzzzzzz-1-0-aaaaaaaaaaaaaaaaaaaaaaaaaa",
		"u--1-0-aaaaaaaaaaaaaaaaaaaaaaaaaa", "x-1-1-0-aaaaaaaaaaaaaaaaaaaaaaaaaa%00",
	};

	(void)state;
	buf_init(&b, TOKEN_MAX);
	assert_int_equal(token_make(key, &t, &b), -1);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (token_verify(key, junk[i], strlen(junk[i]), &got) == 0)
			fail_msg("junk '%s' verified", junk[i]);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_alteration_fails),
		cmocka_unit_test(test_bad_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
