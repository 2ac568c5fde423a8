/*
 * test_markdown - the text body of each Markdown construct exactly, what
 * the HTML body must and must not hold (escaped raw HTML, javascript:
 * links, styled tables), tables laid out as text, the warnings and their
 * lines, image_src, the wrapping of long UTF-8 paragraphs, the errors for
 * bad input, and that what cmark-gfm would take too long over is refused
 * at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "markdown.h"
#include "util.h"

/* render - markdown_render of a string, raw HTML allowed or not, no callbacks. */
static int
render(const char *md, size_t len, int allow_html, char **html, char **text, struct error *err)
{
	struct markdown_opts o = {allow_html, NULL, NULL, NULL};

	return markdown_render(md, len, &o, html, text, err);
}

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
	/* Unsafe links: no footnote, never a link, raw HTML allowed or not. */
	{"[click](javascript:alert(1))\n", 0, "click\n", "<p>click</p>", "<a"},
	{"[c](JavaScript:alert(1)) [d](vbscript:x) [e](data:text/html,x) [f](file:///etc)\n", 0,
	 "c d e f\n", "<p>c d e f</p>", "avascript"},
	{"[click](javascript:alert(1))\n", 1, "click\n", "<p>click</p>", "javascript:"},
	{"<javascript:alert(1)>\n", 0, "javascript:alert(1)\n", "<p>javascript:alert(1)</p>", "<a"},
	{"[t](x \"Title & more\") [e]()\n", 0, "t [1] e\n\nLinks:\n[1] x\n",
	 "<a href=\"x\" title=\"Title &amp; more\">t</a> <a href=\"\">e</a>", NULL},
	{"<http://x.org/a?b='c'&d=\"e\">\n", 0, "http://x.org/a?b='c'&d=\"e\"\n",
	 "href=\"http://x.org/a?b=&#x27;c&#x27;&amp;d=%22e%22\"", NULL},
	/* Strikethrough: <del> in HTML, the text kept. */
	{"~~old~~ new and ~also~\n", 0, "old new and also\n",
	 "<p><del>old</del> new and <del>also</del></p>", NULL},
	/* Autolinks: linked in HTML, the URL as written in text, no footnote. */
	{"See www.example.org/a_(b)), https://x.org/q?a=1. or a@b.org.\n", 0,
	 "See www.example.org/a_(b)), https://x.org/q?a=1. or a@b.org.\n",
	 "<a href=\"http://www.example.org/a_(b)\">www.example.org/a_(b)</a>), "
	 "<a href=\"https://x.org/q?a=1\">https://x.org/q?a=1</a>. or "
	 "<a href=\"mailto:a@b.org\">a@b.org</a>.", NULL},
	{"[www.x.org](http://www.x.org) and [site](http://www.x.org)\n", 0,
	 "www.x.org and site [1]\n\nLinks:\n[1] http://www.x.org\n", NULL, NULL},
	{"`www.x.org` and [www.y.org](https://z.org)\n", 0,
	 "`www.x.org` and www.y.org [1]\n\nLinks:\n[1] https://z.org\n", "<code>www.x.org</code>",
	 "http://www.x.org"},
	/* Images. */
	{"![alt text](http://x.org/i.png)\n", 0, "[image: alt text]\n", "alt=\"alt text\"", NULL},
	{"![a \"q\" `c`](i.png \"T\")\n", 0, "[image: a \"q\" `c`]\n",
	 "<img src=\"i.png\" alt=\"a &quot;q&quot; c\" title=\"T\" />", NULL},
	{"![x](javascript:alert(1)) ![y](data:image/png;base64,AA==)\n", 0,
	 "[image: x] [image: y]\n", "<p>x <img src=\"data:image/png;base64,AA==\" alt=\"y\" />",
	 "javascript"},
	{"![](x.png)\n", 0, "[image]\n", NULL, NULL},
	{"[![logo](i.png)](https://x.org)\n", 0, "[image: logo] [1]\n\nLinks:\n[1] https://x.org\n",
	 NULL, NULL},
	{"![a *b* [c](y)](z)\n", 0, "[image: a b c]\n", NULL, NULL},
	/* Raw HTML: escaped unless allowed (shown as written, never dropped), then verbatim. */
	{"<script>alert(1)</script>\n\nok\n", 0, "<script>alert(1)</script>\n\nok\n",
	 "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>ok</p>", "<script"},
	{"a <b>bold</b> c\n", 0, "a <b>bold</b> c\n", "<p>a &lt;b&gt;bold&lt;/b&gt; c</p>",
	 "<b>"},
	{"<div onclick=\"evil()\">raw block</div>\n", 0,
	 "<div onclick=\"evil()\">raw block</div>\n",
	 "<p>&lt;div onclick=&quot;evil()&quot;&gt;raw block&lt;/div&gt;</p>", "<div"},
	{"<div>Sponsored by Acme</div>\n", 0, "<div>Sponsored by Acme</div>\n",
	 "&lt;div&gt;Sponsored by Acme&lt;/div&gt;", "raw HTML omitted"},
	{"<table>\n  <tr><td>1</td></tr>\n</table>\n", 0,
	 "<table>\n  <tr><td>1</td></tr>\n</table>\n",
	 "<p>&lt;table&gt;<br />\n  &lt;tr&gt;&lt;td&gt;1&lt;/td&gt;&lt;/tr&gt;<br />\n"
	 "&lt;/table&gt;</p>",
	 "<td>"},
	{"- <!-- note -->\n", 0, "- <!-- note -->\n", "<li>\n&lt;!-- note --&gt;\n</li>", "<!--"},
	{"- a\n\n  <div>x</div>\n", 0, "- a\n\n  <div>x</div>\n",
	 "<li>\n<p>a</p>\n<p>&lt;div&gt;x&lt;/div&gt;</p>\n</li>", NULL},
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

		if (render(c->md, strlen(c->md), c->allow_html, &html, &text, &err) != 0)
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
		if (render(md.data, md.len, 0, &html, &text, &err) != 0)
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

		if (render(md, (size_t)n, 0, &html, &text, &err) != 0)
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

		if (render(evil[i], strlen(evil[i]), 0, &html, &text, &err) != 0)
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
		if (render(rows[i].md, strlen(rows[i].md), 0, &html, &text, &err) != -1)
			fail_msg("row %zu: got success, want an error", i);
		if (strstr(error_msg(&err), rows[i].want_err) == NULL)
			fail_msg("row %zu: got '%s', want it to mention '%s'", i, error_msg(&err),
			         rows[i].want_err);
		if (html != NULL || text != NULL)
			fail_msg("row %zu: got bodies on error, want NULL", i);
	}
	big = malloc((1 << 20) + 1);
	memset(big, 'a', (1 << 20) + 1);
	if (render(big, (1 << 20) + 1, 0, &html, &text, &err) != -1 ||
	    strstr(error_msg(&err), "over the limit") == NULL)
		fail_msg("1 MB + 1: got '%s', want an over-the-limit error", error_msg(&err));
	/* Exactly 1 MB is fine. */
	for (size_t i = 80; i < 1 << 20; i += 81)
		big[i] = '\n';
	if (render(big, 1 << 20, 0, &html, &text, &err) != 0)
		fail_msg("1 MB: got '%s', want success", error_msg(&err));
	free(html);
	free(text);
	/* Lazy lines under deep nesting would repeat a huge prefix on each line: refused first. */
	memset(big, '>', 100000);
	memcpy(big + 100000, " a\n", 3);
	for (size_t i = 100003; i + 2 <= 900000; i += 2)
		memcpy(big + i, "b\n", 2);
	if (render(big, 900000, 0, &html, &text, &err) != -1 ||
	    strstr(error_msg(&err), "line 1: nested") == NULL)
		fail_msg("deep lazy quote: got '%s', want it refused on line 1", error_msg(&err));
	free(big);
	error_clear(&err);
}

#define R10 "[a] [a] [a] [a] [a] [a] [a] [a] [a] [a] "
#define R50 R10 R10 R10 R10 R10

/*
 * What would cost cmark-gfm unbounded time or memory is refused before it
 * runs, naming the line; what real documents hold (a few levels, a rule of
 * underscores, a fence of backticks, a table of 64 columns, a paragraph of
 * links) is not.  Each row's text follows "# Title\n\nText.\n\n" (line 5 on).
 */
static void
test_limits(void **state)
{
	static const struct {
		const char *before;
		int reps;
		const char *unit, *after;
		size_t want_line; /* 0: accepted */
	} rows[] = {
		{"", 33, ">", " x\n", 5},
		{"", 32, ">", " x\n", 0},
		{"", 33, "> ", "x\n", 5},
		{"", 40, "- ", "x\n", 5},
		{"", 30, "1. ", "x\n", 0},
		{"", 33, "1) ", "x\n", 5},
		{"", 200, "*", "\n", 0},
		{"", 201, "*", "x\n", 5},
		{"", 201, "_", "\n", 5},
		{"", 201, "~", "\n", 5},
		{"", 32, "`", "\n", 0},
		{"", 33, "`", "x`\n", 5},
		{"", 140, " ", "indented code\n", 5},
		{"", 120, " ", "indented code\n", 0},
		/* Lines end at a lone CR too, as cmark counts them. */
		{"a\rb\r\n", 1, "\xff", "\n", 7},
		/* Tables: pipes on a line, columns, rows, delimiter rows deep in paragraphs. */
		{"", 200, "|", "\n", 0},
		{"", 201, "|", "\n", 5},
		{"", 64, "-|", "\n", 0},
		{"", 65, "-|", "\n", 5},
		{"|a|b|\n|-|-|\n", 2000, "x\n", "", 0},
		{"|a|b|\n|-|-|\n", 2001, "x\n", "", 2007},
		{"Heading\n---\n", 2500, "x\n", "", 0},
		{"", 7900, "a\n", "-|-\n", 0},
		{"", 8500, "a\n", "-|-\n", 8505},
		{"", 8500, "a\n", "\n-|-\n", 0},
		/* Autolinks: triggers and ')' in a word, '@' on a long line. */
		{"", 16, "www.a_", "\n", 0},
		{"", 17, "www.a_", "\n", 5},
		{"", 17, "www.a_ ", "\n", 0},
		{"", 17, "http://a.b/", "\n", 5},
		{"www.a.org/", 64, ")", "\n", 0},
		{"www.a.org/", 65, ")", "\n", 5},
		{"(no link", 65, ")", "\n", 0},
		{"", 2000, "a@", "\n", 0},
		{"", 2100, "a@", "\n", 5},
		/* Brackets and declarations in a paragraph; a list item starts a new one. */
		{"", 500, "[a", "\n", 0},
		{"", 501, "[a", "\n", 5},
		{"", 501, "[a\n", "", 505},
		{"", 600, "- [a](b)\n", "", 0},
		{"a", 64, "<?", "\n", 0},
		{"a", 65, "<?", "\n", 5},
		{"a", 65, "<!x", "\n", 5},
		{"a", 65, "<![CDATA[", "\n", 5},
		{"a", 100, "<!--", "\n", 0},
		/* Emphasis delimiters in a paragraph (a '_' inside a word is none). */
		{"", 333, "_~* ", "\n", 0},
		{"", 334, "_~* ", "\n", 5},
		{"", 1001, "a*\n", "", 1005},
		{"", 3000, "snake_case ", "\n", 0},
		/* A long reference definition times the '[' that may use it. */
		{"[a]: /", 8000, "x", "\n\n" R50 "\n", 0},
		{"[a]: /", 400000, "x", "\n\n" R50 "\n", 7},
		{"[a]:\n/", 400000, "x", "\n\n" R50 "\n", 8},
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
		buf_adds(&md, rows[i].before);
		for (int k = 0; k < rows[i].reps; k++)
			buf_adds(&md, rows[i].unit);
		buf_adds(&md, rows[i].after);
		rc = markdown_check(md.data, md.len, &line, &err);
		if (rows[i].want_line == 0 && rc != 0)
			fail_msg("row %zu: got '%s' on line %zu, want accepted", i, error_msg(&err),
			         line);
		if (rows[i].want_line &&
		    (rc != -1 || line != rows[i].want_line || error_kind(&err) != ERR_INPUT))
			fail_msg("row %zu: got rc %d line %zu, want refused on line %zu", i, rc,
			         line, rows[i].want_line);
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

		if (render(md.data, md.len, 0, &html, &text, &err) != -1 ||
		    strstr(error_msg(&err), "line 1: nested more than 32") == NULL)
			fail_msg("got '%s', want refused on line 1", error_msg(&err));
	}
	error_clear(&err);
	buf_free(&md);
}

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* repeat - n copies of unit onto b. */
static void
repeat(struct buf *b, const char *unit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_adds(b, unit);
}

/*
 * The inputs on which the packaged cmark-gfm spends seconds to minutes (or
 * gigabytes), built here, are refused by markdown_check on the right line,
 * and quickly: the refusal is the point, the clock a second witness.
 */
static void
test_pathological(void **state)
{
	static const struct {
		const char *what;
		size_t want_line;
	} rows[] = {
		{"header of 1,000 columns over 100,000 short rows (74 s, 23 GB)", 1},
		{"60 columns over 100,000 short rows", 2003},
		{"delimiter row under 40,000 lines (1.1 s)", 40001},
		{"20,000 \"www.a_\" (7 s)", 1},
		{"a link ending in 200,000 ')' (11 s)", 1},
		{"100,000 e-mail addresses on a line (685 MB)", 1},
		{"100,000 \"![[]()\" (27 s)", 1},
		{"400,000 unclosed \"<?\" (90 s)", 1},
		{"200,000 \"_~*\" (35 s)", 1},
		{"a 400 KB reference used 100,000 times (23 GB and counting)", 83},
	};
	struct buf md;

	(void)state;
	buf_init(&md, 2 << 20);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct error err = ERROR_INIT;
		struct timespec t0, t1;
		char *html = NULL, *text = NULL;
		size_t line;
		int rc;

		buf_reset(&md);
		switch (i) {
		case 0:
			repeat(&md, "|a", 1000);
			buf_adds(&md, "|\n");
			repeat(&md, "|-", 1000);
			buf_adds(&md, "|\n");
			repeat(&md, "x\n", 100000);
			break;
		case 1:
			repeat(&md, "|a", 60);
			buf_adds(&md, "|\n");
			repeat(&md, "|-", 60);
			buf_adds(&md, "|\n");
			repeat(&md, "x\n", 100000);
			break;
		case 2:
			repeat(&md, "a\n", 40000);
			buf_adds(&md, "-|-\n");
			break;
		case 3:
			repeat(&md, "www.a_", 20000);
			break;
		case 4:
			buf_adds(&md, "www.a.com/");
			repeat(&md, ")", 200000);
			break;
		case 5:
			repeat(&md, "a@b.co ", 100000);
			break;
		case 6:
			repeat(&md, "![[]()", 100000);
			break;
		case 7:
			buf_addc(&md, 'a');
			repeat(&md, "<?", 400000);
			break;
		case 8:
			repeat(&md, "_~* ", 200000);
			break;
		default:
			buf_adds(&md, "[a]: /");
			repeat(&md, "x", 400000);
			buf_adds(&md, "\n\n");
			repeat(&md, "[a]\n\n", 100000);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = markdown_check(md.data, md.len, &line, &err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (rc != -1 || error_kind(&err) != ERR_INPUT || line != rows[i].want_line)
			fail_msg("%s: got rc %d line %zu '%s', want refused on line %zu",
			         rows[i].what, rc, line, error_msg(&err), rows[i].want_line);
		if (seconds(&t0, &t1) > 0.5)
			fail_msg("%s: refused after %.3f s, want well under a second", rows[i].what,
			         seconds(&t0, &t1));
		error_clear(&err);
		/* markdown_render refuses it the same way, as fast. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = render(md.data, md.len, 0, &html, &text, &err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (rc != -1 || html != NULL || text != NULL ||
		    strncmp(error_msg(&err), "line ", 5) != 0 || seconds(&t0, &t1) > 0.5)
			fail_msg("%s: render got rc %d '%s' after %.3f s, want a quick refusal",
			         rows[i].what, rc, error_msg(&err), seconds(&t0, &t1));
		error_clear(&err);
	}
	buf_free(&md);
}

/* A table's text: aligned columns, or records when too wide; its HTML: styled cells. */
static void
test_tables(void **state)
{
	static const struct {
		const char *md, *want_text;
	} rows[] = {
		/* Alignment from the delimiter row; widths in characters (UTF-8). */
		{"| Name | Age | Town |\n|---|--:|:-:|\n| Ana | 9 | Zo\xc3\xab |\n"
		 "| Bartholomew | 10 | \xe6\x97\xa5\xe6\x9c\xac [x](http://x.org) |\n| short |\n",
		 "Name         Age    Town\n"
		 "-----------  ---  --------\n"
		 "Ana            9    Zo\xc3\xab\n"
		 "Bartholomew   10  \xe6\x97\xa5\xe6\x9c\xac x [1]\n"
		 "short\n\nLinks:\n[1] http://x.org\n"},
		{"| \xf0\x9f\x9a\x80 | \xc3\xa9\xc3\xa9 |\n|:-|-:|\n"
		 "| a | b |\n| caf\xc3\xa9 | 1 |\n",
		 "\xf0\x9f\x9a\x80     \xc3\xa9\xc3\xa9\n----  --\na      b\ncaf\xc3\xa9   1\n"},
		/* A header alone; an escaped pipe; inline markup as text; in a quote and a list. */
		{"intro\n\n| a \\| b | `c` |\n|---|---|\n", "intro\n\na | b  `c`\n-----  ---\n"},
		{"> | h1 | **h2** |\n> |----|:--:|\n> | a | ~~b~~ |\n\nafter\n",
		 "> h1  h2\n> --  --\n> a   b\n\nafter\n"},
		{"- | h |\n  |---|\n  | v |\n- next\n", "- h\n  -\n  v\n- next\n"},
		/* Wider than MARKDOWN_WRAP*2: one "Header: value" line per cell. */
		{"| Event | Where | Notes |\n|---|---|---|\n"
		 "| Robotics night | Hall B, Riverside Community Centre, 12 Long Street | Bring a "
		 "laptop with the robot kit software installed beforehand please, thanks very "
		 "much |\n| Quiz |  | |\n",
		 "Event: Robotics night\n"
		 "Where: Hall B, Riverside Community Centre, 12 Long Street\n"
		 "Notes: Bring a laptop with the robot kit software installed beforehand\n"
		 "  please, thanks very much\n"
		 "\n"
		 "Event: Quiz\nWhere:\nNotes:\n"},
	};
	static const char *const html_has[] = {
		"<table class=\"md-table\" cellpadding=\"0\" cellspacing=\"0\" style=\""
		"border-collapse:collapse; width:100%; margin:0 0 16px 0; font-size:15px;\">\n"
		"<thead>\n<tr>\n",
		"<th style=\"padding:6px 10px; border:1px solid #d9e2ec; font-weight:bold; "
		"background-color:#f0f4f8; text-align:left; vertical-align:top;\">Name</th>\n",
		"<th style=\"padding:6px 10px; border:1px solid #d9e2ec; font-weight:bold; "
		"background-color:#f0f4f8; text-align:right; vertical-align:top;\">Age</th>\n",
		"<th style=\"padding:6px 10px; border:1px solid #d9e2ec; font-weight:bold; "
		"background-color:#f0f4f8; text-align:center; vertical-align:top;\">Town</th>\n"
		"</tr>\n</thead>\n<tbody>\n<tr>\n",
		"<td data-label=\"Age\" style=\"padding:6px 10px; border:1px solid #d9e2ec; "
		"text-align:right; vertical-align:top;\">10</td>\n",
		"text-align:center; vertical-align:top;\">\xe6\x97\xa5\xe6\x9c\xac "
		"<a href=\"http://x.org\">x</a></td>\n",
		"vertical-align:top;\">short</td>\n<td data-label=\"Age\" style=\"padding:6px 10px; "
		"border:1px solid #d9e2ec; text-align:right; vertical-align:top;\"></td>\n",
		"</td>\n</tr>\n</tbody>\n</table>\n",
	};
	struct error err = ERROR_INIT;
	char *html, *text;
	const char *cells;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (render(rows[i].md, strlen(rows[i].md), 0, &html, &text, &err) != 0)
			fail_msg("table %zu: got error '%s', want success", i, error_msg(&err));
		if (strcmp(text, rows[i].want_text) != 0)
			fail_msg("table %zu: got text\n%s\nwant\n%s", i, text, rows[i].want_text);
		if (i == 0)
			for (size_t k = 0; k < sizeof(html_has) / sizeof(html_has[0]); k++)
				if (strstr(html, html_has[k]) == NULL)
					fail_msg("got HTML\n%s\nwant it to hold\n%s", html,
					         html_has[k]);
		/* Nothing in a cell may stop the template stacking cells on a phone. */
		cells = strstr(html, "<thead>");
		if (cells && (strstr(cells, "width") || strstr(cells, "nowrap")))
			fail_msg("table %zu: got a width in the cells of\n%s", i, html);
		free(html);
		free(text);
	}
	/* Raw HTML in a cell is escaped like any other; allowed, it passes. */
	if (render("| <b>x</b> |\n|-|\n", 17, 0, &html, &text, &err) != 0 ||
	    strstr(html, "vertical-align:top;\">&lt;b&gt;x&lt;/b&gt;</th>") == NULL ||
	    strcmp(text, "<b>x</b>\n--------\n") != 0)
		fail_msg("got HTML '%s' text '%s', want the cell escaped", html, text);
	free(html);
	free(text);
}

/* warn_log - a warn callback that writes "line: what\n" into the buf at arg. */
static void
warn_log(size_t line, const char *what, void *arg)
{
	buf_addf(arg, "%zu: %s\n", line, what);
}

/* Raw HTML escaped and images without alt text are warned of, with their lines. */
static void
test_warnings(void **state)
{
	static const char md[] =
		"# Title\r\n"
		"\r\n"
		"Text with <b>bold</b> inline.\r\n" /* 3 */
		"\n"
		"<div>Sponsored by Acme</div>\n" /* 5 */
		"\n"
		"![](photo.png)\n" /* 7 */
		"\n"
		"Para\n"
		"![ ](x.png \"t\") and ![ok](y.png)\n" /* 10 */
		"\n"
		"> quote\n"
		"> <span>q</span>\n" /* 13 */
		"\n"
		"intro\n"
		"| <i>h</i> | b |\n" /* 16 */
		"|---|---|\n"
		"| <u>1</u> | 2 |\n" /* 18 */
		"\n"
		"www.x.org and a@b.org <em>e</em>\n" /* 20 */
		"\n"
		"<div>\n" /* 22 */
		"more\n"
		"</div>\n"
		"\n"
		"<p style=\"color:#102a43; font-family:Helvetica, Arial, sans-serif; "
		"font-size:17px\">x</p>\n"; /* 26 */
	static const char want[] =
		"3: raw HTML is shown as text: <b>\n"
		"3: raw HTML is shown as text: </b>\n"
		"5: raw HTML is shown as text: <div>Sponsored by Acme</div>\n"
		"7: image without alt text: photo.png\n"
		"10: image without alt text: x.png\n"
		"13: raw HTML is shown as text: <span>\n"
		"13: raw HTML is shown as text: </span>\n"
		"16: raw HTML is shown as text: <i>\n"
		"16: raw HTML is shown as text: </i>\n"
		"18: raw HTML is shown as text: <u>\n"
		"18: raw HTML is shown as text: </u>\n"
		"20: raw HTML is shown as text: <em>\n"
		"20: raw HTML is shown as text: </em>\n"
		"22: raw HTML is shown as text: <div>...\n"
		"26: raw HTML is shown as text: <p style=\"color:#102a43; font-family:Helvetica, "
		"Arial, sans-...\n";
	static const char want_allowed[] =
		"7: image without alt text: photo.png\n"
		"10: image without alt text: x.png\n";
	struct error err = ERROR_INIT;
	struct markdown_opts o = {0, warn_log, NULL, NULL};
	struct buf log;
	char *html, *text;

	(void)state;
	buf_init(&log, 1 << 16);
	o.arg = &log;
	if (markdown_render(md, strlen(md), &o, &html, &text, &err) != 0)
		fail_msg("got error '%s', want success", error_msg(&err));
	if (strcmp(buf_cstr(&log), want) != 0)
		fail_msg("got warnings\n%s\nwant\n%s", buf_cstr(&log), want);
	if (strstr(html, "<p>&lt;div&gt;Sponsored by Acme&lt;/div&gt;</p>") == NULL ||
	    strstr(text, "\n<div>Sponsored by Acme</div>\n") == NULL)
		fail_msg("got HTML\n%s\ntext\n%s\nwant the block shown as written", html, text);
	free(html);
	free(text);
	buf_reset(&log);
	o.allow_html = 1;
	if (markdown_render(md, strlen(md), &o, &html, &text, &err) != 0)
		fail_msg("allowed: got error '%s', want success", error_msg(&err));
	if (strcmp(buf_cstr(&log), want_allowed) != 0)
		fail_msg("allowed: got warnings\n%s\nwant\n%s", buf_cstr(&log), want_allowed);
	if (strstr(html, "\n<div>Sponsored by Acme</div>\n") == NULL)
		fail_msg("allowed: got HTML\n%s\nwant the block passed through", html);
	free(html);
	free(text);
	/* After MARKDOWN_WARN_MAX, one more call says how many were left out. */
	{
		struct buf many;
		const char *last;

		buf_init(&many, 1 << 16);
		for (int i = 0; i < MARKDOWN_WARN_MAX + 50; i++)
			buf_adds(&many, "a <i>\n");
		buf_reset(&log);
		o.allow_html = 0;
		if (markdown_render(many.data, many.len, &o, &html, &text, &err) != 0)
			fail_msg("many: got error '%s', want success", error_msg(&err));
		last = strrchr(buf_cstr(&log), '\n');
		while (last > buf_cstr(&log) && last[-1] != '\n')
			last--;
		if (strstr(buf_cstr(&log), "100: raw HTML is shown as text: <i>\n") == NULL ||
		    strcmp(last, "101: 50 more warnings not shown\n") != 0)
			fail_msg("many: got warnings\n%s\nwant 100 and a count of the rest",
			         buf_cstr(&log));
		free(html);
		free(text);
		buf_free(&many);
	}
	buf_free(&log);
}

/* cid_src - an image_src that turns names without a scheme into cid: URLs. */
static char *
cid_src(const char *url, void *arg)
{
	char *s;

	buf_addf(arg, "%s\n", url);
	if (strchr(url, ':') != NULL)
		return NULL;
	s = malloc(strlen(url) + 5);
	memcpy(s, "cid:", 4);
	memcpy(s + 4, url, strlen(url) + 1);
	return s;
}

/* image_src decides each <img>'s src; the text body does not change. */
static void
test_image_src(void **state)
{
	static const char md[] =
		"![Logo](logo.png) ![Remote](https://x.org/r.png) "
		"[![in link](badge.png)](https://y.org)"
		" ![outer ![inner](inner.png)](outer.png) ![bad](javascript:x) ![e]()\n";
	static const char *const html_has[] = {
		"<img src=\"cid:logo.png\" alt=\"Logo\" />",
		"<img src=\"https://x.org/r.png\" alt=\"Remote\" />",
		"<a href=\"https://y.org\"><img src=\"cid:badge.png\" alt=\"in link\" /></a>",
		"<img src=\"cid:outer.png\" alt=\"outer inner\" /> bad "
		"<img src=\"\" alt=\"e\" /></p>",
	};
	struct error err = ERROR_INIT;
	struct markdown_opts o = {0, NULL, cid_src, NULL};
	struct buf calls;
	char *html, *text;

	(void)state;
	buf_init(&calls, 4096);
	o.arg = &calls;
	if (markdown_render(md, strlen(md), &o, &html, &text, &err) != 0)
		fail_msg("got error '%s', want success", error_msg(&err));
	for (size_t k = 0; k < sizeof(html_has) / sizeof(html_has[0]); k++)
		if (strstr(html, html_has[k]) == NULL)
			fail_msg("got HTML\n%s\nwant it to hold\n%s", html, html_has[k]);
	if (strcmp(buf_cstr(&calls), "logo.png\nhttps://x.org/r.png\nbadge.png\nouter.png\n") != 0)
		fail_msg("got image_src calls\n%s\nwant the four <img>s in order",
		         buf_cstr(&calls));
	if (strcmp(text, "[image: Logo] [image: Remote] [image: in link] [1] [image: outer inner]\n"
	                 "[image: bad] [image: e]\n\nLinks:\n[1] https://y.org\n") != 0)
		fail_msg("got text '%s'", text);
	free(html);
	free(text);
	/* No options at all: no raw HTML, no callbacks. */
	if (markdown_render("<b>x</b> ![](a.png)\n", 20, NULL, &html, &text, &err) != 0 ||
	    strcmp(html, "<p>&lt;b&gt;x&lt;/b&gt; <img src=\"a.png\" alt=\"\" /></p>\n") != 0)
		fail_msg("NULL options: got '%s', want raw HTML escaped", html);
	free(html);
	free(text);
	buf_free(&calls);
}

/* cid_only - cid_src without the log. */
static char *
cid_only(const char *url, void *arg)
{
	char *s;

	(void)arg;
	if (strchr(url, ':') != NULL)
		return NULL;
	s = malloc(strlen(url) + 5);
	memcpy(s, "cid:", 4);
	memcpy(s + 4, url, strlen(url) + 1);
	return s;
}

/* slurp - tests/data/NAME under $OUTREACH_TOP (or here) into b. */
static void
slurp(const char *name, struct buf *b)
{
	const char *top = getenv("OUTREACH_TOP");
	char path[4096], chunk[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
}

/*
 * A coordinator's newsletter with every GitHub extension in use
 * (tests/data/gfm.md) renders exactly as its golden files say.
 */
static void
test_golden(void **state)
{
	static const char *const golden[] = {"gfm.html", "gfm.txt", "gfm.warnings"};
	struct error err = ERROR_INIT;
	struct markdown_opts o = {0, warn_log, cid_only, NULL};
	struct buf md, want, log;
	char *got[3];

	(void)state;
	buf_init(&md, 1 << 20);
	buf_init(&want, 1 << 20);
	buf_init(&log, 1 << 16);
	o.arg = &log;
	slurp("gfm.md", &md);
	if (markdown_render(md.data, md.len, &o, &got[0], &got[1], &err) != 0)
		fail_msg("gfm.md: got error '%s', want success", error_msg(&err));
	got[2] = buf_steal(&log);
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&want);
		slurp(golden[i], &want);
		if (strcmp(got[i], buf_cstr(&want)) != 0)
			fail_msg("gfm.md: got\n%s\nwant (tests/data/%s)\n%s", got[i], golden[i],
			         buf_cstr(&want));
		free(got[i]);
	}
	buf_free(&md);
	buf_free(&want);
	buf_free(&log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_pathological),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_image_src),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_wrap_utf8),
		cmocka_unit_test(test_footnote_glue),
		cmocka_unit_test(test_no_script),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
