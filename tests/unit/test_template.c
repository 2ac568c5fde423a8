/*
 * test_template - the template language: output for good templates in both
 * modes, the exact error and line for bad ones, and the buffer ceiling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "template.h"
#include "util.h"

enum { V_NAME, V_EMAIL, V_BODY, V_EVENT, V_WHERE, V_EMPTY, NV };

static const char *const names[NV] = {"name", "email", "body", "event", "where", "empty"};

#define HTML TEMPLATE_HTML
#define TEXT TEMPLATE_TEXT

struct tcase {
	const char *tpl;
	enum template_escape esc;
	const char *v[NV];
	const char *want;     /* output, or NULL when an error is expected */
	const char *want_err; /* substring of the error message */
};

/* 17 sections, one a line: the 17th is one too deep. */
#define OPEN16                                                                                     \
	"{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n" \
	"{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n{{#name}}\n"
#define CLOSE16                                                                                    \
	"{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n" \
	"{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n{{/name}}\n"

static const struct tcase cases[] = {
	/* Plain text and variables. */
	{"Hello, world.\n", HTML, {0}, "Hello, world.\n", NULL},
	{"", HTML, {0}, "", NULL},
	{"Hi {{name}}!", HTML, {[V_NAME] = "Ada"}, "Hi Ada!", NULL},
	{"Hi {{ name }}{{\tname\t}}!", HTML, {[V_NAME] = "Ada"}, "Hi AdaAda!", NULL},
	{"{{name}} <{{email}}>", TEXT, {[V_NAME] = "Ada", [V_EMAIL] = "ada@example.org"},
	 "Ada <ada@example.org>", NULL},
	{"a { b } c }} d {", HTML, {0}, "a { b } c }} d {", NULL},
	{"{ {{name}} }", HTML, {[V_NAME] = "x"}, "{ x }", NULL},
	/* Escaping of each special character, and the forms that never escape. */
	{"{{name}}", HTML, {[V_NAME] = "A&B"}, "A&amp;B", NULL},
	{"{{name}}", HTML, {[V_NAME] = "a<b"}, "a&lt;b", NULL},
	{"{{name}}", HTML, {[V_NAME] = "a>b"}, "a&gt;b", NULL},
	{"{{name}}", HTML, {[V_NAME] = "say \"hi\""}, "say &quot;hi&quot;", NULL},
	{"{{name}}", HTML, {[V_NAME] = "O'Brien"}, "O&#39;Brien", NULL},
	{"<a title=\"{{name}}\">", HTML, {[V_NAME] = "<\"&'>"},
	 "<a title=\"&lt;&quot;&amp;&#39;&gt;\">", NULL},
	{"{{name}}", HTML, {[V_NAME] = "&&&"}, "&amp;&amp;&amp;", NULL},
	{"{{name}}", TEXT, {[V_NAME] = "<b>Tom & \"Jerry's\"</b>"}, "<b>Tom & \"Jerry's\"</b>",
	 NULL},
	{"{{{body}}}", HTML, {[V_BODY] = "<p>a & b</p>"}, "<p>a & b</p>", NULL},
	{"{{{ body }}}", HTML, {[V_BODY] = "<p>'x'</p>"}, "<p>'x'</p>", NULL},
	{"{{& body}}", HTML, {[V_BODY] = "<i>\"</i>"}, "<i>\"</i>", NULL},
	{"{{&body}}|{{body}}", HTML, {[V_BODY] = "<>"}, "<>|&lt;&gt;", NULL},
	{"{{{body}}}", TEXT, {[V_BODY] = "<&>"}, "<&>", NULL},
	/* NULL and "" are both empty. */
	{"[{{name}}]", HTML, {[V_NAME] = NULL}, "[]", NULL},
	{"[{{name}}{{{body}}}]", HTML, {[V_NAME] = "", [V_BODY] = ""}, "[]", NULL},
	/* Sections and inverted sections. */
	{"{{#name}}Dear {{name}},{{/name}}", HTML, {[V_NAME] = "Ada"}, "Dear Ada,", NULL},
	{"a{{#name}}Dear {{name}},{{/name}}b", HTML, {[V_NAME] = NULL}, "ab", NULL},
	{"a{{#name}}Dear {{name}},{{/name}}b", HTML, {[V_NAME] = ""}, "ab", NULL},
	{"{{^name}}Hello{{/name}}", HTML, {[V_NAME] = NULL}, "Hello", NULL},
	{"{{^name}}Hello{{/name}}", HTML, {[V_NAME] = ""}, "Hello", NULL},
	{"{{^name}}Hello{{/name}}!", HTML, {[V_NAME] = "Ada"}, "!", NULL},
	{"{{# name }}Hi {{name}}{{/ name }}{{^ name }}Hello{{/ name }}", HTML, {[V_NAME] = "<A>"},
	 "Hi &lt;A&gt;", NULL},
	{"{{#event}}[{{event}}{{#where}} at {{where}}{{/where}}]{{/event}}", HTML,
	 {[V_EVENT] = "Talk", [V_WHERE] = "Hall"}, "[Talk at Hall]", NULL},
	{"{{#event}}[{{event}}{{#where}} at {{where}}{{/where}}]{{/event}}", HTML,
	 {[V_EVENT] = "Talk"}, "[Talk]", NULL},
	{"{{#event}}[{{event}}{{#where}} at {{where}}{{/where}}]{{/event}}.", HTML,
	 {[V_WHERE] = "Hall"}, ".", NULL},
	{"{{#event}}{{^where}}(online){{/where}}{{/event}}", HTML, {[V_EVENT] = "x"}, "(online)",
	 NULL},
	{"{{#name}}{{/name}}{{^name}}{{/name}}", HTML, {[V_NAME] = "x"}, "", NULL},
	{OPEN16 "deep\n" CLOSE16, HTML, {[V_NAME] = "x"}, "deep\n", NULL},
	{OPEN16 "deep\n" CLOSE16 "end", HTML, {0}, "end", NULL},
	/* Standalone tags take their line with them; other tags do not. */
	{"{{#name}}\nDear {{name}},\n{{/name}}\nBye\n", HTML, {[V_NAME] = "Ada"},
	 "Dear Ada,\nBye\n", NULL},
	{"{{#name}}\nDear {{name}},\n{{/name}}\nBye\n", HTML, {0}, "Bye\n", NULL},
	{"a\n  {{#name}}  \n\tb\n\t{{/name}}\t\nc\n", HTML, {[V_NAME] = "x"}, "a\n\tb\nc\n", NULL},
	{"a\n{{^name}}\nnone\n{{/name}}\n", TEXT, {0}, "a\nnone\n", NULL},
	{"x {{#name}}\ny\n{{/name}} z\n", HTML, {[V_NAME] = "1"}, "x \ny\n z\n", NULL},
	{"{{#name}}{{/name}}\nb\n", HTML, {[V_NAME] = "1"}, "\nb\n", NULL},
	{"{{name}}\n{{email}}\n", HTML, {0}, "\n\n", NULL},
	{"a\n{{! a comment }}\nb\n", HTML, {0}, "a\nb\n", NULL},
	{"a\n{{!\n  spans\n  lines\n}}\nb\n", HTML, {0}, "a\nb\n", NULL},
	{"a{{! inline }}b\n", HTML, {0}, "ab\n", NULL},
	{"a\n{{#name}}\nb\n{{/name}}", HTML, {[V_NAME] = "1"}, "a\nb\n", NULL},
	{"{{#name}}\n{{#email}}\n<{{email}}>\n{{/email}}\n{{/name}}\n", TEXT,
	 {[V_NAME] = "1", [V_EMAIL] = "e"}, "<e>\n", NULL},
	/* CRLF templates: standalone lines lose their CRLF, the rest keep theirs. */
	{"{{#name}}\r\nDear {{name}},\r\n{{/name}}\r\nBye\r\n", TEXT, {[V_NAME] = "Ada"},
	 "Dear Ada,\r\nBye\r\n", NULL},
	{"{{^name}}\r\nHello,\r\n{{/name}}\r\n\r\n", TEXT, {0}, "Hello,\r\n\r\n", NULL},
	{"{{#name}}\r\r\nx{{/name}}", TEXT, {[V_NAME] = "1"}, "\r\r\nx", NULL},
	/* UTF-8 passes through untouched in text, values and around tags. */
	{"Grüße, {{name}} — ✓\n", HTML, {[V_NAME] = "Zoë <日本>"},
	 "Grüße, Zoë &lt;日本&gt; — ✓\n", NULL},
	{"{{#name}}é{{/name}}😀", TEXT, {[V_NAME] = "ü"}, "é😀", NULL},
	/* Errors, each with its line. */
	{"Hi\n{{nmae}}", HTML, {0}, NULL, "line 2: unknown variable 'nmae'"},
	{"{{#nope}}x{{/nope}}", HTML, {0}, NULL, "line 1: unknown variable 'nope'"},
	{"a\r\nb\r\n{{{bdy}}}", HTML, {0}, NULL, "line 3: unknown variable 'bdy'"},
	{"{{!\n\n}}{{nmae}}", HTML, {0}, NULL, "line 3: unknown variable 'nmae'"},
	{"{{ first name }}", HTML, {0}, NULL, "line 1: unknown variable 'first name'"},
	{"a\n{{#name}}\nb\n", HTML, {0}, NULL,
	 "line 3: section 'name' is never closed (opened on line 2)"},
	{"{{#event}}\n{{#where}}\n{{/where}}\nx", HTML, {0}, NULL,
	 "line 4: section 'event' is never closed (opened on line 1)"},
	{"{{#name}}\n{{#email}}\n{{/name}}\n{{/email}}\n", HTML, {0}, NULL,
	 "line 3: {{/name}} closes 'email' (opened on line 2)"},
	{"x\n{{/name}}", HTML, {0}, NULL, "line 2: {{/name}} closes no open section"},
	{"a\n{{name", HTML, {0}, NULL, "line 2: unterminated tag"},
	{"a\n{{name}\n}}", HTML, {0}, NULL, "line 2: unterminated tag"},
	{"a\nb {{! no end\n\n", HTML, {0}, NULL, "line 2: unterminated tag"},
	{"{{{body}}", HTML, {0}, NULL, "line 1: unterminated tag"},
	{"ab{{", HTML, {0}, NULL, "line 1: unterminated tag"},
	{"a\n{{}}", HTML, {0}, NULL, "line 2: empty tag"},
	{"a\n\n{{ \t }}", HTML, {0}, NULL, "line 3: empty tag"},
	{"{{#}}{{/}}", HTML, {0}, NULL, "line 1: empty tag"},
	{"{{{ }}}", HTML, {0}, NULL, "line 1: empty tag"},
	{"{{& }}", TEXT, {0}, NULL, "line 1: empty tag"},
	{OPEN16 "{{#name}}\n" CLOSE16, HTML, {0}, NULL, "line 17: sections nested deeper than 16"},
	{"{{>footer}}", HTML, {0}, NULL, "line 1: partials"},
	{"{{=<% %>=}}", HTML, {0}, NULL, "line 1: delimiter changes"},
};

/* show - s with its line ends made visible, for a failure message; free() it. */
static char *
show(const char *s)
{
	struct buf b;

	buf_init(&b, SIZE_MAX / 2);
	buf_addc(&b, '"');
	for (; *s; s++) {
		if (*s == '\n')
			buf_adds(&b, "\\n");
		else if (*s == '\r')
			buf_adds(&b, "\\r");
		else if (*s == '\t')
			buf_adds(&b, "\\t");
		else
			buf_addc(&b, *s);
	}
	buf_addc(&b, '"');
	return buf_steal(&b);
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		struct template *t = (struct template *)&t;
		struct error err = ERROR_INIT;
		struct buf out;
		int rc = template_compile(c->tpl, strlen(c->tpl), c->esc, names, NV, &t, &err);

		if (c->want == NULL) {
			if (rc == 0)
				fail_msg("case %zu: got success, want error '%s'", i, c->want_err);
			if (t != NULL)
				fail_msg("case %zu: got a template on error, want NULL", i);
			if (strstr(error_msg(&err), c->want_err) == NULL)
				fail_msg("case %zu: got error '%s', want '%s'", i, error_msg(&err),
				         c->want_err);
			error_clear(&err);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: got error '%s', want %s", i, error_msg(&err),
			         show(c->want));
		/* Twice into one buffer: the same output each time, nothing kept between. */
		buf_init(&out, 1 << 20);
		for (int round = 0; round < 2; round++) {
			buf_reset(&out);
			assert_int_equal(template_render(t, c->v, &out), BUF_OK);
			if (strcmp(buf_cstr(&out), c->want) != 0 || out.len != strlen(c->want)) {
				char *got = show(buf_cstr(&out)), *want = show(c->want);

				fail_msg("case %zu round %d: got %s, want %s", i, round, got, want);
			}
		}
		buf_free(&out);
		template_free(t);
	}
}

/* naive_escape - the obvious byte-at-a-time escape, to check the fast one against. */
static void
naive_escape(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			buf_addc(b, s[i]);
		}
}

/*
 * Every byte value at every offset of a string longer than two 8-byte words,
 * on a background of ordinary and of high bytes: the word-at-a-time scan
 * must find exactly the bytes the naive one does.
 */
static void
test_html_escape_every_byte(void **state)
{
	static const char fill[] = {'a', '\xff', '=', '\x80'};
	char s[19];
	struct buf got, want;

	(void)state;
	buf_init(&got, 1024);
	buf_init(&want, 1024);
	for (size_t f = 0; f < sizeof(fill); f++)
		for (size_t pos = 0; pos < sizeof(s); pos++)
			for (int c = 0; c < 256; c++) {
				memset(s, fill[f], sizeof(s));
				s[pos] = (char)c;
				s[(pos + 7) % sizeof(s)] = '>';
				buf_reset(&got);
				buf_reset(&want);
				assert_int_equal(template_html_escape(&got, s, sizeof(s)), BUF_OK);
				naive_escape(&want, s, sizeof(s));
				if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
					fail_msg("byte 0x%02x at %zu on 0x%02x: got %zu bytes, want %zu",
					         c, pos, (unsigned char)fill[f], got.len, want.len);
			}
	buf_free(&got);
	buf_free(&want);
}

static void
test_html_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{"", ""},
		{"plain text with no specials at all", "plain text with no specials at all"},
		{"&", "&amp;"},
		{"<>", "&lt;&gt;"},
		{"\"'", "&quot;&#39;"},
		{"a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f"},
		{"&amp;", "&amp;amp;"},
		{"tail<", "tail&lt;"},
		{">head", "&gt;head"},
	};
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		buf_reset(&b);
		buf_adds(&b, "x");
		assert_int_equal(template_html_escape(&b, rows[i].in, strlen(rows[i].in)), BUF_OK);
		if (strcmp(buf_cstr(&b) + 1, rows[i].want) != 0)
			fail_msg("row %zu: got '%s', want '%s'", i, buf_cstr(&b) + 1, rows[i].want);
	}
	/* n bounds the input: a NUL-free slice of a longer string. */
	buf_reset(&b);
	assert_int_equal(template_html_escape(&b, "<a><b>", 3), BUF_OK);
	assert_string_equal(buf_cstr(&b), "&lt;a&gt;");
	/* Too big leaves the buffer as it was. */
	buf_free(&b);
	buf_init(&b, 8);
	buf_adds(&b, "ok");
	assert_int_equal(template_html_escape(&b, "a'b", 3), BUF_TOO_BIG);
	assert_string_equal(buf_cstr(&b), "ok");
	assert_int_equal(template_html_escape(&b, "a<b", 3), BUF_OK);
	assert_string_equal(buf_cstr(&b), "oka&lt;b");
	buf_free(&b);
}

/* A template of about 100 KB renders exactly, and its error lines are counted right. */
static void
test_large(void **state)
{
	static const char chunk[] = "<p>{{name}} &amp; {{{body}}}</p>\n"
	                            "{{#event}}\n<b>{{event}}</b>\n{{/event}}\n"
	                            "{{^where}}\nnowhere\n{{/where}}\n";
	static const char rendered[] = "<p>A&amp;B &amp; <i>x</i></p>\n<b>E</b>\nnowhere\n";
	const char *v[NV] = {[V_NAME] = "A&B", [V_BODY] = "<i>x</i>", [V_EVENT] = "E"};
	struct buf src, want, out;
	struct template *t;
	struct error err = ERROR_INIT;
	size_t n = 0;

	(void)state;
	buf_init(&src, 1 << 20);
	buf_init(&want, 1 << 20);
	while (src.len < 100 * 1024) {
		assert_int_equal(buf_adds(&src, chunk), BUF_OK);
		assert_int_equal(buf_adds(&want, rendered), BUF_OK);
		n++;
	}
	if (template_compile(src.data, src.len, HTML, names, NV, &t, &err) != 0)
		fail_msg("got error '%s', want success", error_msg(&err));
	buf_init(&out, 1 << 20);
	assert_int_equal(template_render(t, v, &out), BUF_OK);
	if (out.len != want.len || memcmp(out.data, want.data, out.len) != 0)
		fail_msg("got %zu bytes, want %zu", out.len, want.len);
	template_free(t);

	/* An error at the very end names the last line. */
	assert_int_equal(buf_adds(&src, "{{nmae}}"), BUF_OK);
	assert_int_equal(template_compile(src.data, src.len, HTML, names, NV, &t, &err), -1);
	{
		char want_err[64];

		/* Seven lines a chunk; the bad tag is on the line after them. */
		snprintf(want_err, sizeof(want_err), "line %zu: unknown variable 'nmae'",
		         n * 7 + 1);
		if (strcmp(error_msg(&err), want_err) != 0)
			fail_msg("got '%s', want '%s'", error_msg(&err), want_err);
	}
	error_clear(&err);
	buf_free(&out);
	buf_free(&want);
	buf_free(&src);
}

/* Past the buffer's maximum: BUF_TOO_BIG, and the buffer is as it was. */
static void
test_too_big(void **state)
{
	static const struct {
		const char *tpl;
		const char *name;
		size_t max;
		int want;
	} rows[] = {
		{"0123456789{{name}}", "x", 13, BUF_OK},
		{"0123456789{{name}}", "x", 12, BUF_TOO_BIG},
		{"0123456789{{name}}", "&", 17, BUF_OK},
		{"0123456789{{name}}", "&", 16, BUF_TOO_BIG},
		{"{{{name}}}0123456789", "xy", 13, BUF_TOO_BIG},
		{"{{#name}}0123456789{{/name}}", "", 2, BUF_OK},
		{"{{#name}}0123456789{{/name}}", "y", 11, BUF_TOO_BIG},
	};
	struct error err = ERROR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v[NV] = {[V_NAME] = rows[i].name};
		struct template *t;
		struct buf b;
		int rc;

		assert_int_equal(template_compile(rows[i].tpl, strlen(rows[i].tpl), HTML, names, NV,
		                                  &t, &err),
		                 0);
		buf_init(&b, rows[i].max);
		buf_adds(&b, "ab");
		rc = template_render(t, v, &b);
		if (rc != rows[i].want)
			fail_msg("row %zu: got %d, want %d", i, rc, rows[i].want);
		if (rc == BUF_TOO_BIG && strcmp(buf_cstr(&b), "ab") != 0)
			fail_msg("row %zu: got '%s' after BUF_TOO_BIG, want \"ab\"", i,
			         buf_cstr(&b));
		buf_free(&b);
		template_free(t);
	}
}

/* The compiled template keeps nothing of its source or names. */
static void
test_owns_its_text(void **state)
{
	char src[] = "Hi {{name}}, {{#event}}see {{event}}{{/event}}\n";
	char name0[] = "name";
	const char *nm[NV];
	const char *v[NV] = {[V_NAME] = "Ada", [V_EVENT] = "talk"};
	struct template *t;
	struct error err = ERROR_INIT;
	struct buf b;

	(void)state;
	memcpy(nm, names, sizeof(nm));
	nm[V_NAME] = name0;
	assert_int_equal(template_compile(src, strlen(src), TEXT, nm, NV, &t, &err), 0);
	memset(src, 'X', strlen(src));
	memset(name0, 'X', strlen(name0));
	buf_init(&b, 1024);
	assert_int_equal(template_render(t, v, &b), BUF_OK);
	assert_string_equal(buf_cstr(&b), "Hi Ada, see talk\n");
	buf_free(&b);
	template_free(t);
	template_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_html_escape_every_byte),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_owns_its_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
