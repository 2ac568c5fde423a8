/*
 * fuzz_markdown - libFuzzer target for markdown_render, with raw HTML
 * refused and allowed, and with the warn and image_src callbacks.
 *
 * Beyond not crashing: a failure leaves both bodies NULL and says why, and
 * happens only for what markdown_check refuses (or input too large); the
 * text body is valid UTF-8, empty or starting with text and ending in
 * exactly one newline; with raw HTML refused, every tag in the HTML body is
 * one the renderer writes itself, and no href or src is javascript:,
 * vbscript:, file: or data: (but data:image/...); each warning names a line
 * of the input and is one line of UTF-8, and there are at most
 * MARKDOWN_WARN_MAX + 1 of them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t lines; /* in the input, as cmark counts them */
	size_t warnings;
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* has_ci - whether s holds needle (lower case), ignoring ASCII case. */
static int
has_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && s[i] && lower(s[i]) == needle[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

static void
warn(size_t line, const char *what, void *arg)
{
	struct seen *s = arg;

	if (line < 1 || line > s->lines || *what == '\0' || strchr(what, '\n') ||
	    strchr(what, '\r') || !utf8_valid(what, strlen(what)))
		abort();
	if (++s->warnings > MARKDOWN_WARN_MAX + 1)
		abort();
}

/* image_src - a cid: for names without a scheme, else the URL as written. */
static char *
image_src(const char *url, void *arg)
{
	size_t n = strlen(url);
	char *s;

	(void)arg;
	if (strchr(url, ':') != NULL || n > 64)
		return NULL;
	s = malloc(n + 5);
	if (s == NULL)
		abort();
	memcpy(s, "cid:", 4);
	memcpy(s + 4, url, n + 1);
	return s;
}

/* own_tags - whether every tag in html is one markdown_html writes. */
static int
own_tags(const char *html)
{
	static const char *const tags[] = {
	        "p",  "h1",  "h2",    "h3",    "h4",    "h5", "h6", "blockquote", "ul",
	        "ol", "li",  "pre",   "code",  "hr",    "br", "em", "strong",     "del",
	        "a",  "img", "table", "thead", "tbody", "tr", "th", "td",
	};

	for (const char *p = html; (p = strchr(p, '<')) != NULL;) {
		size_t n, i;

		p += p[1] == '/' ? 2 : 1;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (strlen(tags[i]) == n && memcmp(p, tags[i], n) == 0)
				break;
		if (i == sizeof(tags) / sizeof(tags[0]) || (p[n] != '>' && p[n] != ' '))
			return 0;
	}
	return 1;
}

/* unsafe_url - an href or src with a scheme that must never be linked. */
static int
unsafe_url(const char *html)
{
	static const char *const attrs[] = {"href=\"", "src=\""};
	static const char *const schemes[] = {"javascript:", "vbscript:", "file:", "data:"};

	for (size_t a = 0; a < 2; a++)
		for (const char *p = html; (p = strstr(p, attrs[a])) != NULL;) {
			p += strlen(attrs[a]);
			for (size_t s = 0; s < 4; s++) {
				size_t n = strlen(schemes[s]);
				size_t i = 0;

				while (i < n && lower(p[i]) == schemes[s][i])
					i++;
				if (i == n &&
				    !(s == 3 && a == 1 && strncmp(p + n, "image/", 6) == 0))
					return 1;
			}
		}
	return 0;
}

static void
check(const char *md, size_t len, int allow_html)
{
	struct error err = ERROR_INIT;
	struct seen seen = {1, 0};
	struct markdown_opts o = {allow_html, warn, image_src, &seen};
	char *html = (char *)&err, *text = (char *)&err;
	size_t n;

	for (size_t i = 0; i < len; i++)
		if (md[i] == '\n' || (md[i] == '\r' && (i + 1 == len || md[i + 1] != '\n')))
			seen.lines++;
	if (markdown_render(md, len, &o, &html, &text, &err) < 0) {
		if (html != NULL || text != NULL || err.msg == NULL)
			abort();
		/* Small input fails only for what markdown_check refuses up front. */
		if (len < 4096) {
			struct error why = ERROR_INIT;
			size_t line;

			if (markdown_check(md, len, &line, &why) == 0)
				abort();
			error_clear(&why);
		}
		error_clear(&err);
		return;
	}
	if (html == NULL || text == NULL || err.msg != NULL)
		abort();
	n = strlen(text);
	if (!utf8_valid(text, n))
		abort();
	if (n > 0 && (text[0] == '\n' || text[n - 1] != '\n' || (n > 1 && text[n - 2] == '\n')))
		abort();
	if (!allow_html && (has_ci(html, "<script") || !own_tags(html) || unsafe_url(html)))
		abort();
	free(html);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check((const char *)data, size, 0);
	check((const char *)data, size, 1);
	return 0;
}
