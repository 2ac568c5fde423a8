/*
 * fuzz_markdown - libFuzzer target for markdown_render, with raw HTML
 * refused and allowed.
 *
 * Beyond not crashing: a failure leaves both bodies NULL and says why, and
 * happens only for input that is not UTF-8 (or too large); the text body is
 * valid UTF-8, empty or starting with text and ending in exactly one newline;
 * with raw HTML refused, the HTML body never holds a <script> tag or a
 * javascript: link.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
check(const char *md, size_t len, int allow_html)
{
	struct error err = ERROR_INIT;
	char *html = (char *)&err, *text = (char *)&err;
	size_t n;

	if (markdown_render(md, len, allow_html, &html, &text, &err) < 0) {
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
	if (!allow_html && (has_ci(html, "<script") || has_ci(html, "href=\"javascript:") ||
	                    has_ci(html, "src=\"javascript:")))
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
