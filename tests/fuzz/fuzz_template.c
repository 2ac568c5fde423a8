/*
 * fuzz_template - libFuzzer target for the template compiler and renderer.
 *
 * The input is compiled in both modes against a fixed table of names (those
 * of compose.c, so the seeds in tests/fuzz/seeds/template compile, plus a few
 * short ones that mutations find easily).  A template that compiles is
 * rendered twice with fixed values, one long enough that a few hundred tags
 * reach the 1 MB ceiling, and the outputs must match.  A failed compile must
 * leave no template and name a line; a BUF_TOO_BIG render must leave the
 * buffer as it was.  The input is also HTML-escaped and checked against the
 * obvious byte-at-a-time escape.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "template.h"
#include "util.h"

enum { NV = 21, OUT_MAX = 1 << 20, LONG_VALUE = 4096, SRC_MAX = 16 << 20 };

static const char *const names[NV] = {
	"subject", "preheader", "list_name", "list_description", "date", "year", "color",
	"accent", "body", "name", "email", "unsubscribe_url", "preferences_url", "confirm_url",
	"event_title", "event_when", "event_location", "a", "b", "n", "x",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char long_value[LONG_VALUE + 1];

static void
check(const char *src, size_t len, enum template_escape esc, const char *const *values)
{
	struct template *t = (struct template *)&t;
	struct error err = ERROR_INIT;
	struct buf a, b;
	int ra, rb;

	if (template_compile(src, len, esc, names, NV, &t, &err) < 0) {
		/* Only the whole-source size limit names no line. */
		if (t != NULL || (strncmp(error_msg(&err), "line ", 5) != 0 && len <= SRC_MAX))
			abort();
		error_clear(&err);
		return;
	}
	buf_init(&a, OUT_MAX);
	buf_init(&b, OUT_MAX);
	ra = template_render(t, values, &a);
	rb = template_render(t, values, &b);
	if (ra != rb || a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0))
		abort();
	if (ra == BUF_TOO_BIG && a.len != 0)
		abort();
	buf_free(&a);
	buf_free(&b);
	template_free(t);
}

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	const char *values[NV] = {
		"Subject", "", "Zoë <list>", NULL, "1 May", "2025", "#123456", "a&b\"c'd",
		"<p>body</p>", "O'Brien", "", long_value, "https://x/p/1?a=1&b=2", NULL, "Talk",
		"", NULL, "1", "", NULL, "<&>",
	};
	struct buf got, want;

	if (long_value[0] == '\0')
		for (size_t i = 0; i < LONG_VALUE; i++)
			long_value[i] = "ab<&\"'x\n"[i % 8];
	check(src, size, TEMPLATE_HTML, values);
	check(src, size, TEMPLATE_TEXT, values);
	/* Each byte becomes at most 6 ("&quot;"). */
	if (size > OUT_MAX / 6)
		return 0;
	buf_init(&got, OUT_MAX);
	buf_init(&want, OUT_MAX);
	if (template_html_escape(&got, src, size) != BUF_OK)
		abort();
	naive_escape(&want, src, size);
	if (got.len != want.len || (got.len > 0 && memcmp(got.data, want.data, got.len) != 0))
		abort();
	buf_free(&got);
	buf_free(&want);
	return 0;
}
