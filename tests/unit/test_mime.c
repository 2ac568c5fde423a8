/*
 * test_mime - quoted-printable and base64 bodies (exact output for small
 * cases; line lengths, CRLF and a decode back to the input for long ones),
 * header encoding and folding (decoded back with libetpan's RFC 2047 parser),
 * display names, refusal of CR/LF, boundaries and dates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "mime.h"
#include "util.h"

enum { OUT_MAX = 1 << 20 };

/* show - s with CR, LF and other controls made visible, for messages. */
static const char *
show(const char *s, size_t n)
{
	static char out[4][8192];
	static int k;
	char *o = out[k++ & 3];
	size_t j = 0;

	for (size_t i = 0; i < n && j < sizeof(out[0]) - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			j += (size_t)snprintf(o + j, 8, "\\r");
		else if (c == '\n')
			j += (size_t)snprintf(o + j, 8, "\\n");
		else if (c < 0x20 || c == 0x7f)
			j += (size_t)snprintf(o + j, 8, "\\x%02x", c);
		else
			o[j++] = (char)c;
	}
	o[j] = '\0';
	return o;
}

/* check_lines - CRLF only, no line over max octets, no trailing white space. */
static void
check_lines(const char *what, const char *s, size_t n, size_t max, int trailing_ok)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			fail_msg("%s: got a bare LF at %zu in '%s', want CRLF only", what, i,
			         show(s, n));
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
			fail_msg("%s: got a bare CR at %zu, want CRLF only", what, i);
		if (s[i] == '\r' || i + 1 == n) {
			size_t end = s[i] == '\r' ? i : n;

			if (end - start > max)
				fail_msg("%s: got a line of %zu octets '%s', want <= %zu", what,
				         end - start, show(s + start, end - start), max);
			if (!trailing_ok && end > start &&
			    (s[end - 1] == ' ' || s[end - 1] == '\t'))
				fail_msg("%s: got trailing white space on '%s'", what,
				         show(s + start, end - start));
			start = i + 2;
		}
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* qp_decode - RFC 2045 6.7, strictly: upper-case hex, "=" CRLF soft breaks. */
static int
qp_decode(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=') {
			buf_addc(out, s[i]);
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
			return -1;
		buf_addc(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
		i += 2;
	}
	return 0;
}

/* crlf - the input as the decoder should give it back: LF becomes CRLF. */
static void
crlf(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, s[i]);
	}
}

struct qp_case {
	const char *in;
	const char *want;
};

#define A10 "aaaaaaaaaa"
#define A69 A10 A10 A10 A10 A10 A10 "aaaaaaaaa"
#define A70 A69 "a"
#define A71 A70 "a"
#define A72 A71 "a"
#define A73 A72 "a"
#define A74 A73 "a"
#define A75 A74 "a"
#define A76 A75 "a"

static const struct qp_case qp_cases[] = {
	{"", ""},
	{"hello\n", "hello\r\n"},
	{"hello\r\n", "hello\r\n"},
	{"no newline", "no newline"},
	{"\n\n", "\r\n\r\n"},
	{"a \n", "a=20\r\n"},
	{"a  \nb", "a =20\r\nb"},
	{"a\t\r\nb", "a=09\r\nb"},
	{"end ", "end=20"},
	{" \n", "=20\r\n"},
	{"x = y", "x =3D y"},
	{"Zo\xc3\xab\n", "Zo=C3=AB\r\n"},
	{"From me\n", "=46rom me\r\n"},
	{"From \n", "=46rom=20\r\n"},
	{".dot\n..two\n", ".dot\r\n..two\r\n"},
	{"a\rb", "a=0Db"},
	{"a \rb", "a =0Db"},
	{"a\r", "a=0D"},
	{"a\r\r\nb", "a=0D\r\nb"},
	{"tab\there", "tab\there"},
	{"caf\xc3\xa9 =?UTF-8?B?x?=", "caf=C3=A9 =3D?UTF-8?B?x?=3D"},
	{"Fine From \n", "Fine From=20\r\n"},
	{"x\nFrom\nFrom:\n", "x\r\nFrom\r\nFrom:\r\n"},
	{A76 "\n", A76 "\r\n"},
	{A76, A76},
	{A76 "a", A75 "=\r\naa"},
	{A75 " \n", A75 "=\r\n=20\r\n"},
	{A74 " \n", A74 "=\r\n=20\r\n"},
	{A73 " \n", A73 "=20\r\n"},
	{A74 "\xc3\xa9", A74 "=\r\n=C3=A9"},
	{A73 "\xc3\xa9", A73 "=\r\n=C3=A9"},
	{A72 "\xc3\xa9", A72 "=\r\n=C3=A9"},
	{A71 "\xc3\xa9", A71 "=\r\n=C3=A9"},
	{A70 "\xc3\xa9", A70 "=C3=A9"},
	{A69 "\xc3\xa9x", A69 "=C3=A9x"},
	{A69 "\xc3\xa9xy", A69 "=C3=A9=\r\nxy"},
	{A71 "\xc3(", A71 "=C3("},
	{A72 "\xc3(", A72 "=C3("},
	{A73 "\xc3(", A73 "=\r\n=C3("},
	{A75 "From me", A75 "=\r\n=46rom me"},
};

static void
test_qp_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(qp_cases) / sizeof(qp_cases[0]); i++) {
		const struct qp_case *c = &qp_cases[i];
		struct buf b;

		buf_init(&b, OUT_MAX);
		if (mime_qp(&b, c->in, strlen(c->in)) != 0)
			fail_msg("qp case %zu: got -1, want success", i);
		if (strcmp(buf_cstr(&b), c->want) != 0)
			fail_msg("qp case %zu '%s': got '%s', want '%s'", i,
			         show(c->in, strlen(c->in)), show(b.data, b.len),
			         show(c->want, strlen(c->want)));
		buf_free(&b);
	}
}

/* qp_roundtrip - encode, check the lines, decode, compare with the input. */
static void
qp_roundtrip(const char *what, const char *in, size_t n)
{
	struct buf enc, dec, want;

	buf_init(&enc, OUT_MAX);
	buf_init(&dec, OUT_MAX);
	buf_init(&want, OUT_MAX);
	if (mime_qp(&enc, in, n) != 0)
		fail_msg("%s: got -1, want success", what);
	check_lines(what, enc.data ? enc.data : "", enc.len, 76, 0);
	for (size_t i = 0; i < enc.len; i++) {
		unsigned char c = (unsigned char)enc.data[i];

		if (c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n' && c != '\t'))
			fail_msg("%s: got byte 0x%02x in the output, want 7-bit text", what, c);
		if ((i == 0 || enc.data[i - 1] == '\n') && strncmp(enc.data + i, "From ", 5) == 0)
			fail_msg("%s: got a line starting 'From ' at %zu", what, i);
	}
	if (qp_decode(&dec, buf_cstr(&enc), enc.len) < 0)
		fail_msg("%s: got undecodable output '%s'", what, show(enc.data, enc.len));
	crlf(&want, in, n);
	if (dec.len != want.len || memcmp(buf_cstr(&dec), buf_cstr(&want), dec.len) != 0)
		fail_msg("%s: got '%s' back, want '%s'", what, show(buf_cstr(&dec), dec.len),
		         show(buf_cstr(&want), want.len));
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&want);
}

static void
test_qp_long_lines(void **state)
{
	static const char *const pieces[] = {"word", " ", "=", "\xc3\xa9", "\xe6\x97\xa5",
	                                     "\t", "F", "From ", ".", "  ", "\xf0\x9f\x9a\x80"};
	char in[4096], what[64];

	(void)state;
	/* A character placed at every column from 60 to 90, after a run of x. */
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
		for (size_t col = 60; col <= 90; col++)
			for (int tail = 0; tail < 4; tail++) {
				static const char *const tails[] = {"", "\n", "\r\nnext", " \nz"};
				size_t n = 0;

				memset(in, 'x', col);
				n = col;
				n += (size_t)snprintf(in + n, sizeof(in) - n, "%s%s", pieces[k],
				                      tails[tail]);
				snprintf(what, sizeof(what), "piece %zu at %zu tail %d", k, col,
				         tail);
				qp_roundtrip(what, in, n);
			}
	/* Runs of one kind: spaces, '=', UTF-8, long words, trailing blanks. */
	{
		size_t n = 0;

		for (int i = 0; i < 300; i++)
			in[n++] = ' ';
		in[n++] = '\n';
		for (int i = 0; i < 300; i++)
			in[n++] = '=';
		in[n++] = '\n';
		for (int i = 0; i < 200; i++) {
			memcpy(in + n, "\xc3\xbc", 2);
			n += 2;
		}
		in[n++] = ' ';
		in[n++] = '\t';
		in[n++] = '\n';
		for (int i = 0; i < 60; i++) {
			memcpy(in + n, "ab c\t", 5);
			n += 5;
		}
		qp_roundtrip("runs", in, n);
	}
	/* Every byte value, in a pseudo-random order, many times over. */
	{
		uint32_t x = 12345;

		for (int round = 0; round < 200; round++) {
			size_t n = (size_t)(x % 1000);

			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245 + 12345;
				in[i] = (char)((x >> 16) & 0xff);
				/* More line ends and blanks than chance would give. */
				if ((x >> 8) % 7 == 0)
					in[i] = " \t\n\r="[(x >> 4) % 5];
			}
			snprintf(what, sizeof(what), "random round %d", round);
			qp_roundtrip(what, in, n);
		}
	}
}

static void
test_qp_limit(void **state)
{
	struct buf b;
	char text[400];

	(void)state;
	memset(text, 'a', sizeof(text));
	for (size_t max = 10; max < 420; max += 37) {
		buf_init(&b, max);
		buf_adds(&b, "head");
		if (mime_qp(&b, text, sizeof(text)) != -1)
			fail_msg("max %zu: got success, want -1 (output is over 400 octets)", max);
		if (strcmp(buf_cstr(&b), "head") != 0)
			fail_msg("max %zu: got '%s' after failure, want the buffer as it was", max,
			         buf_cstr(&b));
		buf_free(&b);
	}
}

static int
b64val(char c)
{
	const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c) : NULL;

	return p ? (int)(p - set) : -1;
}

/* b64_decode - skips CRLF; fails on anything else outside the alphabet. */
static int
b64_decode(struct buf *out, const char *s, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=')
			break;
		if (b64val(s[i]) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)b64val(s[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

static void
test_base64(void **state)
{
	unsigned char data[600];
	struct buf enc, dec;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 3));
	for (size_t n = 0; n <= sizeof(data); n += n < 200 ? 1 : 97) {
		buf_init(&enc, OUT_MAX);
		buf_init(&dec, OUT_MAX);
		if (mime_base64(&enc, (const char *)data, n) != 0)
			fail_msg("n %zu: got -1, want success", n);
		check_lines("base64", buf_cstr(&enc), enc.len, 76, 0);
		if (n == 0 && enc.len != 0)
			fail_msg("n 0: got '%s', want nothing", show(enc.data, enc.len));
		if (n > 0 && (enc.len < 2 || memcmp(enc.data + enc.len - 2, "\r\n", 2) != 0))
			fail_msg("n %zu: got '%s', want it to end with CRLF", n,
			         show(enc.data, enc.len));
		if (enc.len != (n + 2) / 3 * 4 + ((n + 56) / 57) * 2)
			fail_msg("n %zu: got %zu octets, want %zu", n, enc.len,
			         (n + 2) / 3 * 4 + ((n + 56) / 57) * 2);
		if (b64_decode(&dec, buf_cstr(&enc), enc.len) < 0 || dec.len != n ||
		    (n > 0 && memcmp(dec.data, data, n) != 0))
			fail_msg("n %zu: got %zu different bytes back, want the input", n, dec.len);
		buf_free(&enc);
		buf_free(&dec);
	}
	buf_init(&enc, 100);
	buf_adds(&enc, "x");
	if (mime_base64(&enc, (const char *)data, 100) != -1 || strcmp(buf_cstr(&enc), "x") != 0)
		fail_msg("over the limit: got '%s', want -1 and the buffer as it was",
		         buf_cstr(&enc));
	buf_free(&enc);
}

/* unfold - a header as one line: drop each CRLF that precedes white space. */
static char *
unfold(const char *s)
{
	struct buf b;
	size_t n = strlen(s);

	buf_init(&b, OUT_MAX);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n' && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
			i++;
			continue;
		}
		buf_addc(&b, s[i]);
	}
	return buf_steal(&b);
}

/* decode_value - the field body unfolded and, if encoded, RFC 2047-decoded by libetpan. */
static char *
decode_value(const char *field, const char *name)
{
	char *one = unfold(field), *res = NULL;
	size_t len = strlen(one), cur, skip = strlen(name) + 1;

	if (len < skip + 2 || strncmp(one, name, skip - 1) != 0 || one[skip - 1] != ':')
		fail_msg("got '%s', want a '%s:' field", show(field, strlen(field)), name);
	one[len - 2] = '\0'; /* the CRLF ending the field */
	if (one[skip] == ' ')
		skip++;
	cur = 0;
	/* libetpan's phrase parser collapses white space: plain text is compared as is. */
	if (strstr(one + skip, "=?") == NULL)
		res = strdup(one + skip);
	else if (mailmime_encoded_phrase_parse("us-ascii", one + skip, strlen(one + skip), &cur,
	                                       "utf-8", &res) != MAILIMF_NO_ERROR)
		fail_msg("libetpan cannot decode '%s'", one + skip);
	free(one);
	return res;
}

/* check_field - one field ending in CRLF, lines <= 78, encoded-words <= 75. */
static void
check_field(const char *what, const char *f)
{
	size_t n = strlen(f);
	const char *p;

	if (n < 2 || strcmp(f + n - 2, "\r\n") != 0)
		fail_msg("%s: got '%s', want it to end with CRLF", what, show(f, n));
	check_lines(what, f, n, 78, 0);
	/* The first word on the header's line, where the name leaves room for one. */
	if ((p = strchr(f, ':')) != NULL && p - f < 40 && strcmp(p, ":\r\n") != 0 &&
	    (p[1] != ' ' || p[2] == '\r' || p[2] == ' '))
		fail_msg("%s: got '%s', want the value's first word on the header's own line", what,
		         show(f, n));
	for (p = f; (p = strstr(p, "\r\n")) != NULL && p[2] != '\0'; p += 2)
		if (p[2] != ' ' && p[2] != '\t')
			fail_msg("%s: got a new line without white space in '%s'", what,
			         show(f, n));
	for (p = f; (p = strstr(p, "=?")) != NULL; p += 2) {
		const char *e = strstr(p + 2, "?=");

		if (e == NULL || e - p + 2 > 75)
			fail_msg("%s: got an encoded-word of %td chars, want <= 75", what,
			         e ? e - p + 2 : (ptrdiff_t)strlen(p));
		if (strncmp(p, "=?UTF-8?B?", 10) != 0)
			fail_msg("%s: got '%.12s', want =?UTF-8?B?", what, p);
		p = e;
	}
}

struct hdr_case {
	const char *name, *value;
	const char *want; /* exact output, or NULL to check only lines and decoding */
};

#define LONG_ASCII                                                                          \
	"Spring STEM Forum: save the date, and summer internships are open to all students " \
	"aged sixteen and over in labs, hospitals, engineering firms and city departments"
#define LONG_UTF8                                                                             \
	"Torture test: \xc3\xbcn\xc3\xaf\x63\xc3\xb6\x64\xc3\xa9, emoji \xf0\x9f\x9a\x80, and a " \
	"very long subject line that goes on and on well past seventy-eight columns so it "      \
	"must be folded \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad" \
	"\xe3\x82\xb9\xe3\x83\x88 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86"  \
	"\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"

#define E10 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"

static const struct hdr_case hdr_cases[] = {
	{"Subject", "Hello", "Subject: Hello\r\n"},
	{"Subject", "", "Subject:\r\n"},
	{"Subject", "tabs\tand  double", "Subject: tabs\tand  double\r\n"},
	{"Subject", "Caf\xc3\xa9", "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n"},
	{"Subject", "=?UTF-8?B?QQ==?=", "Subject: =?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PQ==?=\r\n"},
	{"Subject", "bell\x07", "Subject: =?UTF-8?B?YmVsbAc=?=\r\n"},
	{"Subject", LONG_ASCII,
	 "Subject: Spring STEM Forum: save the date, and summer internships are open to\r\n"
	 " all students aged sixteen and over in labs, hospitals, engineering firms and\r\n"
	 " city departments\r\n"},
	{"Subject", LONG_UTF8, NULL},
	{"Subject", E10 E10 E10, NULL},
	{"X-A-Rather-Long-Header-Name-That-Leaves-Little-Room-On-Its-First-Line", LONG_UTF8, NULL},
	{"X-A-Rather-Long-Header-Name-That-Leaves-Little-Room-On-Its-First-Line", LONG_ASCII, NULL},
};

static void
test_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		char what[32], *got;
		struct buf b;

		snprintf(what, sizeof(what), "header case %zu", i);
		buf_init(&b, OUT_MAX);
		if (mime_header(&b, c->name, c->value) != 0)
			fail_msg("%s: got -1, want success", what);
		if (c->want && strcmp(buf_cstr(&b), c->want) != 0)
			fail_msg("%s: got '%s', want '%s'", what, show(b.data, b.len),
			         show(c->want, strlen(c->want)));
		check_field(what, buf_cstr(&b));
		got = decode_value(buf_cstr(&b), c->name);
		if (strcmp(got, c->value) != 0)
			fail_msg("%s: decoded got '%s', want '%s'", what, got, c->value);
		free(got);
		buf_free(&b);
	}
}

static void
test_header_long_utf8_words(void **state)
{
	char value[3000];
	size_t n = 0;

	(void)state;
	/* Every mix of 1-4 byte characters lands on every word boundary. */
	for (int i = 0; n < sizeof(value) - 8; i++) {
		static const char *const ch[] = {"a", " ", "\xc3\xa9", "\xe2\x82\xac",
		                                 "\xf0\x9f\x9a\x80"};
		const char *c = ch[(i * 7 + i / 5) % 5];

		memcpy(value + n, c, strlen(c));
		n += strlen(c);
	}
	value[n] = '\0';
	for (size_t cut = n - 400; cut < n; cut += 13) {
		char save = value[cut], *got;
		struct buf b;

		/* Cut only at character starts so the value stays valid UTF-8. */
		if (((unsigned char)save & 0xc0) == 0x80)
			continue;
		value[cut] = '\0';
		buf_init(&b, OUT_MAX);
		if (mime_header(&b, "Subject", value) != 0)
			fail_msg("cut %zu: got -1, want success", cut);
		check_field("long UTF-8", buf_cstr(&b));
		got = decode_value(buf_cstr(&b), "Subject");
		if (strcmp(got, value) != 0)
			fail_msg("cut %zu: decoded got '%s', want '%s'", cut, got, value);
		free(got);
		buf_free(&b);
		value[cut] = save;
	}
}

static void
test_header_raw(void **state)
{
	static const struct hdr_case rows[] = {
		{"MIME-Version", "1.0", "MIME-Version: 1.0\r\n"},
		{"Message-ID", "<1.2.abcdef@example.org>",
		 "Message-ID: <1.2.abcdef@example.org>\r\n"},
		{"List-Unsubscribe",
		 "<https://prefs.metronorth.example/u/u-0123456789abcdef0123456789abcdef>, "
		 "<mailto:outreach-request@metronorth.example?subject=unsubscribe%20u-0123>",
		 "List-Unsubscribe:"
		 " <https://prefs.metronorth.example/u/u-0123456789abcdef0123456789abcdef>,\r\n"
		 " <mailto:outreach-request@metronorth.example?subject=unsubscribe%20u-0123>\r\n"},
		{"X-Long", "a-very-long-token-without-any-space-at-all-that-goes-past-the-"
		           "seventy-eight-column-mark",
		 "X-Long: a-very-long-token-without-any-space-at-all-that-goes-past-the-"
		 "seventy-eight-column-mark\r\n"},
	};
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		buf_init(&b, OUT_MAX);
		if (mime_header_raw(&b, rows[i].name, rows[i].value) != 0)
			fail_msg("raw row %zu: got -1, want success", i);
		if (strcmp(buf_cstr(&b), rows[i].want) != 0)
			fail_msg("raw row %zu: got '%s', want '%s'", i, show(b.data, b.len),
			         show(rows[i].want, strlen(rows[i].want)));
		buf_free(&b);
	}
}

struct mb_case {
	const char *display, *addr;
	const char *want;      /* exact, or NULL */
	const char *want_name; /* the display name decoded, for NULL want */
};

#define JURGEN "J\xc3\xbcrgen M\xc3\xbcller-L\xc3\xbc\x64\x65nscheidt, PhD"

static const struct mb_case mb_cases[] = {
	{"Ada Lovelace", "ada@example.org", "To: Ada Lovelace <ada@example.org>\r\n", NULL},
	{NULL, "ada@example.org", "To: ada@example.org\r\n", NULL},
	{"", "ada@example.org", "To: ada@example.org\r\n", NULL},
	{"Lovelace, Ada", "ada@example.org", "To: \"Lovelace, Ada\" <ada@example.org>\r\n", NULL},
	{"A. Lovelace", "a@x.org", "To: \"A. Lovelace\" <a@x.org>\r\n", NULL},
	{"say \"hi\" \\o/", "a@x.org", "To: \"say \\\"hi\\\" \\\\o/\" <a@x.org>\r\n", NULL},
	{"a@b <c>", "a@x.org", "To: \"a@b <c>\" <a@x.org>\r\n", NULL},
	{" padded", "a@x.org", "To: \" padded\" <a@x.org>\r\n", NULL},
	{"O'Brien-Smith", "a@x.org", "To: O'Brien-Smith <a@x.org>\r\n", NULL},
	{JURGEN, "jurgen@school.example", NULL, JURGEN},
	{"Zo\xc3\xab \xc3\x86r\xc3\xb8, Coordinator, with a name long enough to need two words",
	 "zoe@net.example", NULL,
	 "Zo\xc3\xab \xc3\x86r\xc3\xb8, Coordinator, with a name long enough to need two words"},
	{"Metro North STEM Network", "metro-north.metronorth.example",
	 "To: Metro North STEM Network <metro-north.metronorth.example>\r\n", NULL},
};

static void
test_header_mailbox(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mb_cases) / sizeof(mb_cases[0]); i++) {
		const struct mb_case *c = &mb_cases[i];
		char what[32];
		struct buf b;

		snprintf(what, sizeof(what), "mailbox case %zu", i);
		buf_init(&b, OUT_MAX);
		if (mime_header_mailbox(&b, "To", c->display, c->addr) != 0)
			fail_msg("%s: got -1, want success", what);
		check_field(what, buf_cstr(&b));
		if (c->want && strcmp(buf_cstr(&b), c->want) != 0)
			fail_msg("%s: got '%s', want '%s'", what, show(b.data, b.len),
			         show(c->want, strlen(c->want)));
		if (c->want_name) {
			char *one = unfold(buf_cstr(&b)), *lt, *res = NULL, want_tail[256];
			size_t cur = 0;
			int rc;

			snprintf(want_tail, sizeof(want_tail), " <%s>\r\n", c->addr);
			lt = strstr(one, want_tail);
			if (lt == NULL || strncmp(one, "To: =?UTF-8?B?", 14) != 0)
				fail_msg("%s: got '%s', want encoded-words then '%s'", what,
				         show(one, strlen(one)),
				         show(want_tail, strlen(want_tail)));
			*lt = '\0';
			rc = mailmime_encoded_phrase_parse("us-ascii", one + 4, strlen(one + 4), &cur,
			                                   "utf-8", &res);
			if (rc != MAILIMF_NO_ERROR || strcmp(res, c->want_name) != 0)
				fail_msg("%s: display name decoded got '%s', want '%s'", what,
				         res ? res : "(error)", c->want_name);
			free(res);
			free(one);
		}
		buf_free(&b);
	}
}

/*
 * A value whose first word is longer than a line keeps that word on the
 * header's line (up to 998 octets): "Reply-To:" followed by a fold is what
 * spam filters score as an empty delimiter.
 */
static void
test_header_first_word(void **state)
{
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{"Reply-To", "requests+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "@lists.metronorth.example", "Reply-To: requests+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@lists.metronorth.example\r\n"},
		{"List-Unsubscribe", "<https://lists.metronorth.example/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAA>, <mailto:requests@x.example?subject=unsubscribe>",
		 "List-Unsubscribe: <https://lists.metronorth.example/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAA>,\r\n <mailto:requests@x.example?subject=unsubscribe>\r\n"},
	};
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, OUT_MAX);
		if (mime_header_raw(&b, cases[i].name, cases[i].value) != 0)
			fail_msg("%s: got -1, want success", cases[i].name);
		if (strcmp(buf_cstr(&b), cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].name, show(b.data, b.len),
			         show(cases[i].want, strlen(cases[i].want)));
		buf_reset(&b);
		if (mime_header_mailbox(&b, cases[i].name, NULL, "a-very-long-local-part-that-goes-"
		                        "on-and-on-and-on-and-on-and-on@lists.metronorth.example") != 0 ||
		    strncmp(buf_cstr(&b), cases[i].name, strlen(cases[i].name)) != 0 ||
		    strncmp(buf_cstr(&b) + strlen(cases[i].name), ": a-very", 8) != 0)
			fail_msg("%s mailbox: got '%s', want the address on the header's line",
			         cases[i].name, show(b.data, b.len));
		buf_free(&b);
	}
}

static void
test_refuse_breakers(void **state)
{
	static const char *const bad[] = {"a\r\nBcc: evil@x.org", "a\nb", "a\rb", "\r\n"};
	struct buf b;

	(void)state;
	buf_init(&b, OUT_MAX);
	buf_adds(&b, "Keep: me\r\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc[] = {
			mime_header(&b, "Subject", bad[i]),
			mime_header_raw(&b, "Message-ID", bad[i]),
			mime_header_mailbox(&b, "To", bad[i], "a@x.org"),
			mime_header_mailbox(&b, "To", "Ada", bad[i]),
			mime_header_mailbox(&b, "To", NULL, bad[i]),
			mime_header(&b, bad[i], "x"),
		};

		for (size_t k = 0; k < sizeof(rc) / sizeof(rc[0]); k++)
			if (rc[k] != -1)
				fail_msg("value %zu call %zu: got %d, want -1 for a CR or LF", i, k,
				         rc[k]);
	}
	/* Other values that cannot be written as asked. */
	if (mime_header(&b, "Subject", "bad \xff utf-8") != -1)
		fail_msg("invalid UTF-8 subject: got success, want -1");
	if (mime_header_raw(&b, "X-Raw", "caf\xc3\xa9") != -1)
		fail_msg("non-ASCII raw value: got success, want -1");
	if (mime_header_mailbox(&b, "To", "Ada", "a@x.org>, <evil@x.org") != -1)
		fail_msg("address with '>': got success, want -1");
	if (mime_header(&b, "Bad Name", "x") != -1 || mime_header(&b, "", "x") != -1)
		fail_msg("bad field name: got success, want -1");
	if (strcmp(buf_cstr(&b), "Keep: me\r\n") != 0)
		fail_msg("got '%s' after refusals, want the buffer untouched", show(b.data, b.len));
	buf_free(&b);
}

static void
test_header_limits(void **state)
{
	char big[2100];
	struct buf b;
	char *got;

	(void)state;
	/* A 2000-character word: raw cannot fold it, unstructured encodes it. */
	memset(big, 'w', 2000);
	big[2000] = '\0';
	buf_init(&b, OUT_MAX);
	if (mime_header_raw(&b, "X-Raw", big) != -1 || b.len != 0)
		fail_msg("2000-char raw word: got %zu octets, want -1 and nothing", b.len);
	if (mime_header(&b, "Subject", big) != 0)
		fail_msg("2000-char subject word: got -1, want encoded-words");
	check_field("2000-char subject", buf_cstr(&b));
	got = decode_value(buf_cstr(&b), "Subject");
	if (strcmp(got, big) != 0)
		fail_msg("2000-char subject: decoded got %zu chars, want 2000", strlen(got));
	free(got);
	buf_free(&b);
	/* BUF_TOO_BIG leaves the buffer as it was. */
	for (size_t max = 5; max < 120; max += 11) {
		buf_init(&b, max);
		buf_adds(&b, "A: b\r\n");
		if (mime_header(&b, "Subject", LONG_UTF8) != -1 ||
		    mime_header(&b, "Subject", LONG_ASCII) != -1 ||
		    mime_header_mailbox(&b, "To", LONG_ASCII, "a@x.org") != -1)
			fail_msg("max %zu: got success, want -1", max);
		if (strcmp(buf_cstr(&b), max >= 6 ? "A: b\r\n" : "") != 0)
			fail_msg("max %zu: got '%s', want the buffer as it was", max,
			         show(b.data, b.len));
		buf_free(&b);
	}
}

static void
test_boundary(void **state)
{
	char a[MIME_BOUNDARY_LEN + 1], b[MIME_BOUNDARY_LEN + 1];

	(void)state;
	mime_boundary(a);
	mime_boundary(b);
	if (strlen(a) != MIME_BOUNDARY_LEN)
		fail_msg("got length %zu, want %d", strlen(a), MIME_BOUNDARY_LEN);
	if (strncmp(a, "=_", 2) != 0)
		fail_msg("got '%s', want the '=_' prefix", a);
	for (size_t i = 2; i < MIME_BOUNDARY_LEN; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z') ||
		      (a[i] >= '0' && a[i] <= '9')))
			fail_msg("got '%c' at %zu, want [A-Za-z0-9]", a[i], i);
	if (strcmp(a, b) == 0)
		fail_msg("got '%s' twice, want two different boundaries", a);
}

static void
test_date(void **state)
{
	static const struct {
		long long t;
		const char *want;
	} rows[] = {
		{0, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"},
		{1795388700, "Date: Sun, 22 Nov 2026 23:05:00 +0000\r\n"},
		{951782400, "Date: Tue, 29 Feb 2000 00:00:00 +0000\r\n"},
		{253402300799LL, "Date: Fri, 31 Dec 9999 23:59:59 +0000\r\n"},
		{253402300800LL, NULL},
	};
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc;

		buf_init(&b, 256);
		rc = mime_date(&b, rows[i].t);
		if (rows[i].want == NULL ? rc != -1 : rc != 0 || strcmp(b.data, rows[i].want) != 0)
			fail_msg("t %lld: got %d '%s', want '%s'", rows[i].t, rc,
			         show(buf_cstr(&b), b.len),
			         rows[i].want ? show(rows[i].want, strlen(rows[i].want)) : "-1");
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_exact),
		cmocka_unit_test(test_qp_long_lines),
		cmocka_unit_test(test_qp_limit),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_header_long_utf8_words),
		cmocka_unit_test(test_header_raw),
		cmocka_unit_test(test_header_mailbox),
		cmocka_unit_test(test_header_first_word),
		cmocka_unit_test(test_refuse_breakers),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
