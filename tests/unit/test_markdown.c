/*
 * test_markdown - the text body of each Markdown construct exactly, what
 * the HTML body must and must not hold (raw HTML, javascript: links), the
 * wrapping of long UTF-8 paragraphs, and the errors for bad input.
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
#include "markdown.h"
#include "util.h"

struct tcase {
	const char *md;
	int allow_html;
	const char *want_text;
	const char *html_has; /* a substring of the HTML body, or NULL */
	const char *html_not; /* must not occur in the HTML body, or NULL */
};

#define LONG_ITEM                                                                           \
	"deeper item with a long line that must wrap inside the list item at seventy-two " \
	"columns"

static const struct tcase cases[] = {
	/* Blocks. */
	{"", 0, "", NULL, NULL},
	{"Hello, world.\n", 0, "Hello, world.\n", "<p>Hello, world.</p>", NULL},
	{"no newline at the end", 0, "no newline at the end\n", NULL, NULL},
	{"\n\n\npara\n\n\n", 0, "para\n", NULL, NULL},
	{"# Title\n\n## Sub\nText\n", 0, "# Title\n\n## Sub\n\nText\n", "<h2>Sub</h2>", NULL},
	{"###### Six\n", 0, "###### Six\n", NULL, NULL},
	{"Setext\n======\n\nSub\n---\n", 0, "# Setext\n\n## Sub\n", "<h1>Setext</h1>", NULL},
	{"one\n\ntwo\n", 0, "one\n\ntwo\n", NULL, NULL},
	{"a\nb\n", 0, "a b\n", NULL, NULL},
	{"a  \nb\\\nc\n", 0, "a\nb\nc\n", "<br />", NULL},
	{"a\n\n---\n\nb\n", 0, "a\n\n--------------------\n\nb\n", "<hr />", NULL},
	{"# T\r\n\r\npara\r\nline\r\n", 0, "# T\n\npara line\n", NULL, NULL},
	/* Inlines. */
	{"*emph* and **strong** and `code`\n", 0, "emph and strong and `code`\n",
	 "<em>emph</em>", NULL},
	{"\\*not emph\\* AT&amp;T &copy;\n", 0, "*not emph* AT&T \xc2\xa9\n", NULL, NULL},
	{"Tab\tseparated\n", 0, "Tab separated\n", NULL, NULL},
	{"Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80\n", 0,
	 "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80\n", NULL, NULL},
	{"don't \"smarten\" -- quotes\n", 0, "don't \"smarten\" -- quotes\n", "&quot;smarten&quot;",
	 "\xe2\x80\x9c"},
	/* Lists. */
	{"- one\n- two\n", 0, "- one\n- two\n", "<li>one</li>", NULL},
	{"* a\n+ b\n", 0, "- a\n\n- b\n", NULL, NULL},
	{"- a\n  - b\n    - c\n- d\n", 0, "- a\n  - b\n    - c\n- d\n", NULL, NULL},
	{"1. x\n2. y\n", 0, "1. x\n2. y\n", "<ol>", NULL},
	{"9. a\n10. b\n", 0, "9. a\n10. b\n", "<ol start=\"9\">", NULL},
	{"1) a\n1) b\n", 0, "1) a\n2) b\n", NULL, NULL},
	{"- a\n\n- b\n", 0, "- a\n\n- b\n", "<p>a</p>", NULL},
	{"-\n- b\n", 0, "-\n- b\n", NULL, NULL},
	{"- a\n  > q\n- b\n", 0, "- a\n  > q\n- b\n", NULL, NULL},
	{"- a\n\n  second para\n- b\n", 0, "- a\n\n  second para\n\n- b\n", NULL, NULL},
	{"- a\n\n      code\n", 0, "- a\n\n      code\n", NULL, NULL},
	{"1. x\n   - y\n2. z\n", 0, "1. x\n   - y\n2. z\n", NULL, NULL},
	{"- a\n- " LONG_ITEM "\n", 0,
	 "- a\n- deeper item with a long line that must wrap inside the list item at\n"
	 "  seventy-two columns\n",
	 NULL, NULL},
	{"- a\n  - b\n    - " LONG_ITEM "\n", 0,
	 "- a\n  - b\n    - deeper item with a long line that must wrap inside the list item\n"
	 "      at seventy-two columns\n",
	 NULL, NULL},
	{"10. " LONG_ITEM "\n", 0,
	 "10. deeper item with a long line that must wrap inside the list item at\n"
	 "    seventy-two columns\n",
	 NULL, NULL},
	{"para\n\n- a\n\nafter\n", 0, "para\n\n- a\n\nafter\n", NULL, NULL},
	/* Block quotes. */
	{"> a\n>\n> b\n", 0, "> a\n>\n> b\n", "<blockquote>", NULL},
	{"> a\n>> b\n", 0, "> a\n>\n> > b\n", NULL, NULL},
	{"> a\nlazy\n", 0, "> a lazy\n", NULL, NULL},
	{"> - a\n> - b\n", 0, "> - a\n> - b\n", NULL, NULL},
	{"> " LONG_ITEM "\n", 0,
	 "> deeper item with a long line that must wrap inside the list item at\n"
	 "> seventy-two columns\n",
	 NULL, NULL},
	{"> ```\n> x\n>\n> y\n> ```\n", 0, ">     x\n>\n>     y\n", NULL, NULL},
	/* Code: indented 4, not wrapped, blanks kept. */
	{"```\ncode\n  x\n```\n", 0, "    code\n      x\n", "<pre><code>code", NULL},
	{"    x = 1\n\n    y = 2\n", 0, "    x = 1\n\n    y = 2\n", NULL, NULL},
	{"```c\n" LONG_ITEM " " LONG_ITEM "\n```\n", 0, "    " LONG_ITEM " " LONG_ITEM "\n",
	 "class=\"language-c\"", NULL},
	{"```\n```\n", 0, "", NULL, NULL},
	{"\n```dtless.\n\n ", 0, "", NULL, NULL}, /* found by fuzz_markdown */
	{"```\n\n\n```\n\npara\n", 0, "para\n", NULL, NULL},
	/* Links: footnotes, deduplicated; autolinks and mailto shown once. */
	{"[a](https://x.org/1) [b](https://x.org/2) [c](https://x.org/1)\n", 0,
	 "a [1] b [2] c [1]\n\nLinks:\n[1] https://x.org/1\n[2] https://x.org/2\n",
	 "<a href=\"https://x.org/1\">a</a>", NULL},
	{"<https://example.org/x>\n", 0, "https://example.org/x\n", NULL, NULL},
	{"[https://x.org](https://x.org)\n", 0, "https://x.org\n", NULL, NULL},
	{"[](https://x.org)\n", 0, "https://x.org\n", NULL, NULL},
	{"<a@example.org>\n", 0, "a@example.org\n", "href=\"mailto:a@example.org\"", NULL},
	{"<mailto:a@example.org>\n", 0, "a@example.org\n", NULL, NULL},
	{"[write](mailto:a@x.org?subject=hi)\n", 0, "write (a@x.org)\n", NULL, NULL},
	{"[x](/relative \"title\")\n", 0, "x [1]\n\nLinks:\n[1] /relative\n", NULL, NULL},
	{"[*em*](https://x.org)\n\n> [q](https://y.org)\n", 0,
	 "em [1]\n\n> q [2]\n\nLinks:\n[1] https://x.org\n[2] https://y.org\n", NULL, NULL},
	{"[ref]\n\n[ref]: https://x.org/r\n", 0, "ref [1]\n\nLinks:\n[1] https://x.org/r\n", NULL,
	 NULL},
	/* Unsafe links: no footnote; no javascript: in the HTML. */
	{"[click](javascript:alert(1))\n", 0, "click\n", "<a href=\"\">", "javascript:"},
	{"[c](JavaScript:alert(1)) [d](vbscript:x) [e](data:text/html,x) [f](file:///etc)\n", 0,
	 "c d e f\n", NULL, "avascript"},
	{"[click](javascript:alert(1))\n", 1, "click\n", "javascript:", NULL},
	/* Images. */
	{"![alt text](http://x.org/i.png)\n", 0, "[image: alt text]\n", "alt=\"alt text\"", NULL},
	{"![](x.png)\n", 0, "[image]\n", NULL, NULL},
	{"[![logo](i.png)](https://x.org)\n", 0, "[image: logo] [1]\n\nLinks:\n[1] https://x.org\n",
	 NULL, NULL},
	{"![a *b* [c](y)](z)\n", 0, "[image: a b c]\n", NULL, NULL},
	/* Raw HTML: omitted unless allowed, then verbatim. */
	{"<script>alert(1)</script>\n\nok\n", 0, "ok\n", "raw HTML omitted", "<script"},
	{"a <b>bold</b> c\n", 0, "a bold c\n", NULL, "<b>"},
	{"<div onclick=\"evil()\">raw block</div>\n", 0, "", NULL, "onclick"},
	{"<div>x</div>\n\nok\n", 1, "<div>x</div>\n\nok\n", "<div>x</div>", NULL},
	{"a <b>bold</b> c\n", 1, "a <b>bold</b> c\n", "<b>bold</b>", NULL},
	{"<table>\n<tr><td>1</td></tr>\n</table>\n", 1, "<table>\n<tr><td>1</td></tr>\n</table>\n",
	 "<td>1</td>", NULL},
	{"> <p>q</p>\n", 1, "> <p>q</p>\n", NULL, NULL},
	/* Lines that matter to the mail layers survive as written. */
	{".leading dot\n\nFrom the start\n", 0, ".leading dot\n\nFrom the start\n", NULL, NULL},
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		struct error err = ERROR_INIT;
		char *html = NULL, *text = NULL;
		size_t n;

		if (markdown_render(c->md, strlen(c->md), c->allow_html, &html, &text, &err) != 0)
			fail_msg("case %zu: got error '%s', want success", i, error_msg(&err));
		if (strcmp(text, c->want_text) != 0)
			fail_msg("case %zu '%s': got text\n%s\nwant\n%s", i, c->md, text,
			         c->want_text);
		n = strlen(text);
		if (n > 0 && (text[n - 1] != '\n' || (n > 1 && text[n - 2] == '\n')))
			fail_msg("case %zu: got text ending '%s', want exactly one newline", i,
			         text + (n > 2 ? n - 2 : 0));
		if (text[0] == '\n')
			fail_msg("case %zu: got text starting with a blank line", i);
		if (c->html_has && strstr(html, c->html_has) == NULL)
			fail_msg("case %zu: got HTML '%s', want it to hold '%s'", i, html,
			         c->html_has);
		if (c->html_not && strstr(html, c->html_not) != NULL)
			fail_msg("case %zu: got HTML '%s', want no '%s'", i, html, c->html_not);
		free(html);
		free(text);
	}
}

static size_t
u8len(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/*
 * check_wrap - each line starts with its prefix, has at most MARKDOWN_WRAP
 * characters unless it is one word, and the words come back in order.
 */
static void
check_wrap(const char *what, const char *text, const char *first, const char *rest,
           const char *want_words)
{
	struct buf words;
	size_t np = strlen(rest);

	buf_init(&words, 1 << 20);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n'), *prefix = p == text ? first : rest;
		size_t n = (size_t)(nl - p), chars = u8len(p, n);
		const char *body = p + (n >= np ? np : n);

		if (nl == NULL)
			fail_msg("%s: got text without a final newline", what);
		if (strncmp(p, prefix, strlen(prefix)) != 0)
			fail_msg("%s: got line '%.*s', want it to start '%s'", what, (int)n, p,
			         prefix);
		if (chars > MARKDOWN_WRAP && memchr(body, ' ', (size_t)(p + n - body)) != NULL)
			fail_msg("%s: got a line of %zu characters '%.*s', want <= %d", what, chars,
			         (int)n, p, MARKDOWN_WRAP);
		if (words.len > 0)
			buf_addc(&words, ' ');
		buf_add(&words, body, (size_t)(p + n - body));
		p = nl + 1;
	}
	if (strcmp(buf_cstr(&words), want_words) != 0)
		fail_msg("%s: got words '%s', want '%s'", what, buf_cstr(&words), want_words);
	buf_free(&words);
}

#define E10 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"

static void
test_wrap_utf8(void **state)
{
	static const char *const words[] = {
		"\xc3\x9cnterwasserbootf\xc3\xbchrerscheinpr\xc3\xbc\x66ung",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad"
		"\xe3\x82\xb9",
		"na\xc3\xafve", "caf\xc3\xa9", "\xf0\x9f\x9a\x80", "a",
		"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "words", "and", "more",
		/* 80 characters, longer than any line: it must stand alone. */
		E10 E10 E10 E10 E10 E10 E10 E10,
	};
	static const char *const wrappers[][2] = {{"", ""}, {"> ", "> "}, {"- ", "  "},
	                                          {"> > ", "> > "}};
	struct buf md, want;

	(void)state;
	for (size_t w = 0; w < sizeof(wrappers) / sizeof(wrappers[0]); w++) {
		struct error err = ERROR_INIT;
		char *html, *text, what[32];

		buf_init(&md, 1 << 20);
		buf_init(&want, 1 << 20);
		buf_adds(&md, wrappers[w][0]);
		/* Words of every length so the line ends fall everywhere. */
		for (size_t i = 0; i < 400; i++) {
			size_t nw = sizeof(words) / sizeof(words[0]);
			const char *word = words[(i * 7 + i / 3) % nw];

			if (i > 0) {
				buf_addc(&md, i % 11 == 0 ? '\n' : ' ');
				buf_addc(&want, ' ');
				if (i % 11 == 0)
					buf_adds(&md, wrappers[w][1]);
			}
			buf_adds(&md, word);
			buf_adds(&want, word);
		}
		buf_addc(&md, '\n');
		snprintf(what, sizeof(what), "wrap under '%s'", wrappers[w][0]);
		if (markdown_render(md.data, md.len, 0, &html, &text, &err) != 0)
			fail_msg("%s: got error '%s', want success", what, error_msg(&err));
		check_wrap(what, text, wrappers[w][0], wrappers[w][1], buf_cstr(&want));
		free(html);
		free(text);
		buf_free(&md);
		buf_free(&want);
	}
}

static void
test_footnote_glue(void **state)
{
	struct error err = ERROR_INIT;
	char md[256], *html, *text;

	(void)state;
	/* "[1]" would start the next line if it were a word of its own. */
	for (int pad = 55; pad < 75; pad++) {
		int n;

		memset(md, 'x', (size_t)pad);
		n = pad + snprintf(md + pad, sizeof(md) - (size_t)pad, " [link](https://x.org)\n");

		if (markdown_render(md, (size_t)n, 0, &html, &text, &err) != 0)
			fail_msg("pad %d: got error '%s', want success", pad, error_msg(&err));
		if (strstr(text, "link [1]\n") == NULL || strstr(text, "\n[1]\n") != NULL)
			fail_msg("pad %d: got '%s', want 'link [1]' kept together", pad, text);
		free(html);
		free(text);
	}
}

static void
test_no_script(void **state)
{
	static const char *const evil[] = {
		"<script>alert(1)</script>\n",
		"<SCRIPT SRC=//x.org/x.js></SCRIPT>\n",
		"a <script>alert(1)</script> b\n",
		"<scr<script>ipt>alert(1)</script>\n",
		"- <script>x</script>\n",
		"> <script>x</script>\n",
		"<div>\n<script>x</script>\n</div>\n",
		"<!-- --><script>x</script>\n",
		"<img src=x onerror=alert(1)>\n",
		"[x](javascript:alert(1))\n",
		"[x](JAVASCRIPT:alert(1))\n",
		"[x](  javascript:alert(1) )\n",
		"<javascript:alert(1)>\n",
		"![x](javascript:alert(1))\n",
		"[x]\n\n[x]: javascript:alert(1)\n",
		"<a href=\"javascript:alert(1)\">x</a>\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		struct error err = ERROR_INIT;
		char *html, *text;

		if (markdown_render(evil[i], strlen(evil[i]), 0, &html, &text, &err) != 0)
			fail_msg("evil %zu: got error '%s', want success", i, error_msg(&err));
		for (char *p = html; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		if (strstr(html, "<script") || strstr(html, "href=\"javascript") ||
		    strstr(html, "src=\"javascript") || strstr(html, "<img src=x"))
			fail_msg("evil %zu '%s': got HTML '%s', want it neutralised", i, evil[i],
			         html);
		if (strstr(text, "javascript:") && strstr(text, "Links:"))
			fail_msg("evil %zu: got a javascript: footnote in '%s'", i, text);
		free(html);
		free(text);
	}
}

static void
test_errors(void **state)
{
	static const struct {
		const char *md;
		const char *want_err;
	} rows[] = {
		{"ok\n\xff\n", "line 2: not valid UTF-8"},
		{"caf\xc3", "UTF-8"},
		{"\xc0\xaf overlong\n", "UTF-8"},
		{"a\n\nb\n\xed\xa0\x80 surrogate\n", "line 4"},
	};
	struct error err = ERROR_INIT;
	char *html = (char *)1, *text = (char *)1, *big;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (markdown_render(rows[i].md, strlen(rows[i].md), 0, &html, &text, &err) != -1)
			fail_msg("row %zu: got success, want an error", i);
		if (strstr(error_msg(&err), rows[i].want_err) == NULL)
			fail_msg("row %zu: got '%s', want it to mention '%s'", i, error_msg(&err),
			         rows[i].want_err);
		if (html != NULL || text != NULL)
			fail_msg("row %zu: got bodies on error, want NULL", i);
	}
	big = malloc((1 << 20) + 1);
	memset(big, 'a', (1 << 20) + 1);
	if (markdown_render(big, (1 << 20) + 1, 0, &html, &text, &err) != -1 ||
	    strstr(error_msg(&err), "over the limit") == NULL)
		fail_msg("1 MB + 1: got '%s', want an over-the-limit error", error_msg(&err));
	/* Exactly 1 MB is fine. */
	for (size_t i = 80; i < 1 << 20; i += 81)
		big[i] = '\n';
	if (markdown_render(big, 1 << 20, 0, &html, &text, &err) != 0)
		fail_msg("1 MB: got '%s', want success", error_msg(&err));
	free(html);
	free(text);
	/* Lazy lines under deep nesting would repeat a huge prefix on each line: refused first. */
	memset(big, '>', 100000);
	memcpy(big + 100000, " a\n", 3);
	for (size_t i = 100003; i + 2 <= 900000; i += 2)
		memcpy(big + i, "b\n", 2);
	if (markdown_render(big, 900000, 0, &html, &text, &err) != -1 ||
	    strstr(error_msg(&err), "line 1: nested") == NULL)
		fail_msg("deep lazy quote: got '%s', want it refused on line 1", error_msg(&err));
	free(big);
	error_clear(&err);
}

/*
 * What would cost cmark unbounded time is refused before it runs, naming
 * the line; what real documents hold (a few levels, a rule of underscores,
 * a fence of backticks) is not.
 */
static void
test_limits(void **state)
{
	static const struct {
		int reps;
		const char *unit, *after;
		size_t want_line;      /* 0: accepted */
	} rows[] = {
		{33, ">", " x\n", 1},
		{32, ">", " x\n", 0},
		{33, "> ", "x\n", 1},
		{40, "- ", "x\n", 1},
		{30, "1. ", "x\n", 0},
		{33, "1) ", "x\n", 1},
		{200, "*", "\n", 0},
		{201, "*", "x\n", 1},
		{201, "_", "\n", 1},
		{201, "~", "\n", 1},
		{32, "`", "\n", 0},
		{33, "`", "x`\n", 1},
		{140, " ", "indented code\n", 1},
		{120, " ", "indented code\n", 0},
	};
	struct error err = ERROR_INIT;
	struct buf md;

	(void)state;
	buf_init(&md, 1 << 20);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t line;
		int rc;

		buf_reset(&md);
		buf_adds(&md, "# Title\n\nText.\n\n");
		for (int k = 0; k < rows[i].reps; k++)
			buf_adds(&md, rows[i].unit);
		buf_adds(&md, rows[i].after);
		rc = markdown_check(md.data, md.len, &line, &err);
		if (rows[i].want_line == 0 && rc != 0)
			fail_msg("row %zu: got '%s', want accepted", i, error_msg(&err));
		if (rows[i].want_line && (rc != -1 || line != 5 || error_kind(&err) != ERR_INPUT))
			fail_msg("row %zu: got rc %d line %zu, want refused on line 5", i, rc, line);
		error_clear(&err);
	}
	/* The input that took minutes: 200,000 '>' before runs of '*'. */
	buf_reset(&md);
	for (int k = 0; k < 200000; k++)
		buf_addc(&md, '>');
	for (int k = 0; k < 200; k++) {
		for (int j = 0; j < 1000; j++)
			buf_addc(&md, '*');
		buf_addc(&md, 'a');
	}
	{
		char *html, *text;

		if (markdown_render(md.data, md.len, 0, &html, &text, &err) != -1 ||
		    strstr(error_msg(&err), "line 1: nested more than 32") == NULL)
			fail_msg("got '%s', want refused on line 1", error_msg(&err));
	}
	error_clear(&err);
	buf_free(&md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_wrap_utf8),
		cmocka_unit_test(test_footnote_glue),
		cmocka_unit_test(test_no_script),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
