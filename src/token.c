/*
 * token - HMAC-SHA256 signed tokens (OpenSSL libcrypto).
 *
 * Layout: PURPOSE '-' base36(a) '-' base36(b) '-' base36(c) '-' base32(mac)
 * where mac = first 16 bytes of HMAC-SHA256(key, "outreach/1:" + the text
 * before the last '-').  The version string in the MAC input lets a later
 * format coexist without any old token verifying as a new one.
 */
#include "token.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

enum { MAC_LEN = 16, MAC_B32 = 26 };

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void
add_base36(char **p, int64_t v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v > 0);
	while (n > 0)
		*(*p)++ = tmp[--n];
}

static void
mac_of(const unsigned char key[SECRET_LEN], const char *text, size_t n, char out[MAC_B32])
{
	unsigned char md[EVP_MAX_MD_SIZE], msg[TOKEN_MAX + 16];
	unsigned int mdlen = 0;
	unsigned bits = 0, acc = 0;
	int o = 0;

	memcpy(msg, "outreach/1:", 11);
	memcpy(msg + 11, text, n);
	HMAC(EVP_sha256(), key, SECRET_LEN, msg, 11 + n, md, &mdlen);
	for (int i = 0; i < MAC_LEN; i++) {
		acc = (acc << 8) | md[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
}

int
token_make(const unsigned char key[SECRET_LEN], const struct token *t, struct buf *out)
{
	char text[TOKEN_MAX], *p = text;

	if (t->a < 0 || t->b < 0 || t->c < 0 || !islower((unsigned char)t->purpose))
		return -1;
	*p++ = (char)t->purpose;
	*p++ = '-';
	add_base36(&p, t->a);
	*p++ = '-';
	add_base36(&p, t->b);
	*p++ = '-';
	add_base36(&p, t->c);
	*p++ = '-';
	mac_of(key, text, (size_t)(p - text - 1), p);
	p += MAC_B32;
	return buf_add(out, text, (size_t)(p - text));
}

/* parse_base36 - digits up to the next '-'; -1 if none or too long. */
static int
parse_base36(const char **p, const char *end, int64_t *v)
{
	int64_t x = 0;
	int n = 0;

	while (*p < end && **p != '-') {
		int c = **p, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 10;
		else
			return -1;
		if (++n > 12)      /* 36^12 > 2^62: keeps x from overflowing */
			return -1;
		x = x * 36 + d;
		(*p)++;
	}
	if (n == 0 || *p == end)
		return -1;
	(*p)++;
	*v = x;
	return 0;
}

int
token_verify(const unsigned char key[SECRET_LEN], const char *s, size_t n, struct token *t)
{
	char text[TOKEN_MAX], want[MAC_B32];
	const char *p, *end;
	struct token got;

	if (n < 2 + 6 + MAC_B32 || n >= TOKEN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		text[i] = (char)tolower((unsigned char)s[i]);
	end = text + n;
	p = text;
	got.purpose = *p++;
	if (!islower((unsigned char)got.purpose) || *p++ != '-')
		return -1;
	if (parse_base36(&p, end, &got.a) < 0 || parse_base36(&p, end, &got.b) < 0 ||
	    parse_base36(&p, end, &got.c) < 0)
		return -1;
	if (end - p != MAC_B32)
		return -1;
	mac_of(key, text, (size_t)(p - text - 1), want);
	if (CRYPTO_memcmp(want, p, MAC_B32) != 0)
		return -1;
	*t = got;
	return 0;
}
