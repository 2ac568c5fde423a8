/*
 * test_dkim - relaxed canonicalisation (RFC 6376 3.4, its 3.4.5 example and
 * the corner cases around it), the Ed25519-SHA256 known answer of RFC 8463
 * appendix A, and a signature that comes out whole on a composed-like
 * message.  Independent verification (python3-dkim) is in tests/e2e/dkim.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "dkim.h"

/* show - s with CR and LF visible, for messages (static buffer). */
static const char *
show(const char *s, size_t n)
{
	static char out[4096];
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 < sizeof(out); i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\t') {
			out[o++] = '\\';
			out[o++] = s[i] == '\r' ? 'r' : s[i] == '\n' ? 'n' : 't';
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

static void
test_canon_header(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		/* RFC 6376 3.4.5 */
		{"A: X\r\n", "a:X\r\n"},
		{"B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n"},
		{"SUBJect:   two   words  ", "subject:two words\r\n"},
		{"To:\r\n Ada <a@x.example>", "to:Ada <a@x.example>\r\n"},
		{"X-Empty:", "x-empty:\r\n"},
		{"X-Empty:   \r\n\t ", "x-empty:\r\n"},
		{"Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n =?UTF-8?B?w6k=?=", "subject:=?UTF-8?B?Q2Fmw6k=?= =?UTF-8?B?w6k=?=\r\n"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		size_t n = strlen(cases[i].in);

		/* The field as split from a message: without its last CRLF. */
		if (n >= 2 && strcmp(cases[i].in + n - 2, "\r\n") == 0)
			n -= 2;
		buf_init(&b, 4096);
		if (dkim_canon_header(cases[i].in, n, &b) < 0 || strcmp(buf_cstr(&b), cases[i].want))
			fail_msg("header case %zu: got '%s', want '%s'", i,
			         show(buf_cstr(&b), b.len), show(cases[i].want, strlen(cases[i].want)));
		buf_free(&b);
	}
}

static void
test_canon_body(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		/* RFC 6376 3.4.5 */
		{" C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n"},
		{"", ""},
		{"\r\n\r\n", ""},
		{" \t\r\n \r\n", ""},
		{"abc", "abc\r\n"},
		{"a\r\n \r\nb\r\n", "a\r\n\r\nb\r\n"},
		{"a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n"},
		{".\r\n", ".\r\n"},
		{"x  \t y\t\r\n", "x y\r\n"},
		{"\t lead\r\n", " lead\r\n"},
		/* Bare LFs end lines too, and come out as CRLF (twice the input here). */
		{"\n\n\nx\n", "\r\n\r\n\r\nx\r\n"},
		{"a\nb", "a\r\nb\r\n"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 4096);
		if (dkim_canon_body(cases[i].in, strlen(cases[i].in), &b) < 0 ||
		    strcmp(buf_cstr(&b), cases[i].want) != 0)
			fail_msg("body case %zu ('%s'): got '%s', want '%s'", i,
			         show(cases[i].in, strlen(cases[i].in)), show(buf_cstr(&b), b.len),
			         show(cases[i].want, strlen(cases[i].want)));
		buf_free(&b);
	}
}

static char *
key_template(char *path)
{
	snprintf(path, 64, "/tmp/test_dkim_XXXXXX");
	return path;
}

/* RFC 8463 appendix A: the key, the message and its relaxed/relaxed signature. */
static const char RFC_SEED[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
static const char *const RFC_FIELDS[] = {
	"From: Joe SixPack <joe@football.example.com>",
	"To: Suzie Q <suzie@shopping.example.net>",
	"Subject: Is dinner ready?",
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>",
};
static const char RFC_BODY[] = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
static const char RFC_SIG[] =
	"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
	" d=football.example.com; i=@football.example.com;\r\n"
	" q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
	" subject : date : message-id : from : subject : date;\r\n"
	" bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
	" b=";
static const char RFC_B[] =
	"/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

/* rfc_key - the RFC's Ed25519 key as a PEM file (its path, in a static buffer; unlink it). */
static char *
rfc_key(void)
{
	static char path[64];
	unsigned char seed[64];
	int fd = mkstemp(key_template(path)), n = EVP_DecodeBlock(seed, (const unsigned char *)RFC_SEED,
	                                           (int)strlen(RFC_SEED));
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	FILE *fp = fdopen(fd, "w");

	assert_true(fd >= 0 && n >= 32 && k != NULL && fp != NULL);
	assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	EVP_PKEY_free(k);
	return path;
}

static void
test_rfc8463_known_answer(void **state)
{
	char *path = rfc_key();
	struct dkim *d = dkim_new();
	struct error err = ERROR_INIT;
	struct buf canon, sig;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char bh[64];

	(void)state;
	if (dkim_add_key(d, "football.example.com", "brisbane", path, DKIM_KEY_ED25519, &err) < 0)
		fail_msg("loading the RFC 8463 key: %s", error_msg(&err));
	unlink(path);
	/* The body hash. */
	buf_init(&canon, 1 << 16);
	assert_int_equal(dkim_canon_body(RFC_BODY, strlen(RFC_BODY), &canon), 0);
	SHA256((const unsigned char *)canon.data, canon.len, md);
	EVP_EncodeBlock((unsigned char *)bh, md, SHA256_DIGEST_LENGTH);
	if (strcmp(bh, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=") != 0)
		fail_msg("body hash: got %s, want the RFC's 2jUSOH9N...", bh);
	/* The header data: h= fields in order (the over-signed ones absent), then the field. */
	buf_reset(&canon);
	for (size_t i = 0; i < sizeof(RFC_FIELDS) / sizeof(RFC_FIELDS[0]); i++)
		dkim_canon_header(RFC_FIELDS[i], strlen(RFC_FIELDS[i]), &canon);
	dkim_canon_header(RFC_SIG, strlen(RFC_SIG), &canon);
	canon.len -= 2;
	buf_init(&sig, 4096);
	assert_int_equal(dkim_sign_data(d, 0, canon.data, canon.len, &sig), 0);
	if (strcmp(buf_cstr(&sig), RFC_B) != 0)
		fail_msg("Ed25519-SHA256 signature: got %s, want the RFC's %s", buf_cstr(&sig), RFC_B);
	buf_free(&sig);
	buf_free(&canon);
	dkim_unref(d);
}

static void
test_sign_message(void **state)
{
	char *path = rfc_key();
	struct dkim *d = dkim_new();
	struct error err = ERROR_INIT;
	struct buf m;
	static const char msg[] = "From: a@x.example\r\nTo: b@y.example\r\nSubject: hi\r\n"
	                          "Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n\r\nbody\r\n";

	(void)state;
	assert_int_equal(dkim_add_key(d, "x.example", "sel", path, DKIM_KEY_ANY, &err), 0);
	unlink(path);
	/* Wrong type, missing selector, bad selector: refused with the file named. */
	if (dkim_add_key(d, "x.example", "sel", path, DKIM_KEY_RSA, &err) != -1)
		fail_msg("a missing file: got success, want -1");
	error_clear(&err);
	buf_init(&m, 1 << 16);
	buf_adds(&m, msg);
	assert_int_equal(dkim_sign(d, &m, 1528637909, &err), 0);
	if (strncmp(buf_cstr(&m), "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; "
	            "d=x.example;\r\n\ts=sel; t=1528637909; h=From:To:Subject:Date:From:List-Id",
	            120) != 0)
		fail_msg("got '%s'", show(buf_cstr(&m), 200));
	if (strcmp(strstr(buf_cstr(&m), "\r\nFrom: a@x.example") + 2, msg) != 0)
		fail_msg("the message after the signature changed");
	/* A message without an empty line after its header is refused, untouched. */
	buf_reset(&m);
	buf_adds(&m, "From: a@x.example\r\nno end");
	if (dkim_sign(d, &m, 0, &err) != -1 || strcmp(buf_cstr(&m), "From: a@x.example\r\nno end"))
		fail_msg("a message without a header end: got success or a change");
	error_clear(&err);
	assert_int_equal(dkim_check_selector("s2026.a-b", &err), 0);
	assert_int_equal(dkim_check_selector("bad_one", &err), -1);
	error_clear(&err);
	assert_int_equal(dkim_check_selector("-x", &err), -1);
	error_clear(&err);
	buf_free(&m);
	dkim_unref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_header),
		cmocka_unit_test(test_canon_body),
		cmocka_unit_test(test_rfc8463_known_answer),
		cmocka_unit_test(test_sign_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
