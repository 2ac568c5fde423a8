/*
 * markdown - GitHub-flavoured Markdown into the HTML and text/plain bodies
 * of a message; the only user of cmark-gfm.  See markdown.h for the contract.
 *
 * This file parses (after markdown_check, markdown_check.c), reports the
 * warnings, and hands the tree to the renderers: markdown_html.c and
 * markdown_text.c.  cmark-gfm's own HTML renderer is not used: it drops
 * raw HTML instead of escaping it and has no styled tables.
 *
 * Failure: -1 with a message, for what markdown_check refuses, or bodies that
 * would grow past HTML_MAX or TEXT_MAX.
 */
#include "markdown_impl.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>

#include "buf.h"
#include "util.h"

enum {
	HTML_MAX = 64 << 20, /* rendered HTML: escaping and table styles grow the input */
	TEXT_MAX = 16 << 20, /* rendered text */
	SHOWN_HTML = 60,     /* characters of raw HTML quoted in a warning */
	SHOWN_URL = 100,     /* characters of an image's URL quoted in a warning */
};

int
md_kind(cmark_node *node)
{
	const char *t;

	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_DOCUMENT:
	case CMARK_NODE_BLOCK_QUOTE:
	case CMARK_NODE_LIST:
	case CMARK_NODE_ITEM:
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_HTML_BLOCK:
	case CMARK_NODE_CUSTOM_BLOCK:
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING:
	case CMARK_NODE_THEMATIC_BREAK:
	case CMARK_NODE_TEXT:
	case CMARK_NODE_SOFTBREAK:
	case CMARK_NODE_LINEBREAK:
	case CMARK_NODE_CODE:
	case CMARK_NODE_HTML_INLINE:
	case CMARK_NODE_CUSTOM_INLINE:
	case CMARK_NODE_EMPH:
	case CMARK_NODE_STRONG:
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE:
		return MD_CORE;
	default:
		break;
	}
	/* The extensions number their node types when registered: ask by name. */
	t = cmark_node_get_type_string(node);
	if (strcmp(t, "table") == 0)
		return MD_TABLE;
	if (strcmp(t, "table_row") == 0 || strcmp(t, "table_header") == 0)
		return MD_ROW;
	if (strcmp(t, "table_cell") == 0)
		return MD_CELL;
	if (strcmp(t, "strikethrough") == 0)
		return MD_STRIKE;
	return MD_CORE;
}

int
md_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if ((*s >= 'A' && *s <= 'Z' ? *s + 32 : *s) != *prefix)
			return 0;
	return 1;
}

int
md_url_unsafe(const char *url, int image)
{
	static const char *const images[] = {"data:image/png", "data:image/gif", "data:image/jpeg",
	                                     "data:image/webp"};

	/* Browsers skip leading blanks and controls before a scheme. */
	while ((unsigned char)*url <= ' ' && *url != '\0')
		url++;
	if (image)
		for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++)
			if (md_prefix_ci(url, images[i]))
				return 0;
	return md_prefix_ci(url, "javascript:") || md_prefix_ci(url, "vbscript:") ||
	       md_prefix_ci(url, "file:") || md_prefix_ci(url, "data:");
}

char
md_table_align(cmark_node *table, size_t col)
{
	uint8_t *a = cmark_gfm_extensions_get_table_alignments(table);

	if (a == NULL || col >= cmark_gfm_extensions_get_table_columns(table))
		return 0;
	return a[col] == 'l' || a[col] == 'r' || a[col] == 'c' ? (char)a[col] : 0;
}

/* The warnings of one rendering, counted against MARKDOWN_WARN_MAX. */
struct warner {
	const struct markdown_opts *o;
	size_t n;          /* made */
	size_t left_out;   /* past the cap */
	size_t first_left; /* the line of the first left out */
	struct buf msg;
};

/*
 * warn - one warning: prefix, then the first line of s[0..n) cut at max
 * characters, with controls as spaces and "..." for what was cut.
 */
static void
warn(struct warner *w, size_t line, const char *prefix, const char *s, size_t n, size_t max)
{
	size_t i = 0, chars = 0, end, rest;

	if (line == 0)
		line = 1;
	if (w->n == MARKDOWN_WARN_MAX) {
		if (w->left_out++ == 0)
			w->first_left = line;
		return;
	}
	w->n++;
	buf_reset(&w->msg);
	buf_adds(&w->msg, prefix);
	for (end = 0; end < n && s[end] != '\n' && s[end] != '\r'; end++)
		;
	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	for (; i < end && chars < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_addc(&w->msg, c < ' ' || c == 0x7f ? ' ' : (char)c);
		/* Whole characters only: take the continuation bytes along. */
		while (i + 1 < end && ((unsigned char)s[i + 1] & 0xc0) == 0x80)
			buf_addc(&w->msg, s[++i]);
		chars++;
	}
	for (rest = end; rest < n; rest++)
		if (s[rest] != ' ' && s[rest] != '\t' && s[rest] != '\r' && s[rest] != '\n')
			break;
	if (i < end || rest < n)
		buf_adds(&w->msg, "...");
	w->o->warn(line, buf_cstr(&w->msg), w->o->arg);
}

/*
 * header_line - the line of a table's header row.  cmark-gfm gives the
 * header (and its cells' inlines) the line of the paragraph it came from,
 * which is earlier when the table interrupted a paragraph; the rows after
 * the delimiter row are one per line up to the table's last.
 */
static size_t
header_line(cmark_node *row)
{
	cmark_node *table = cmark_node_parent(row);
	int end = table ? cmark_node_get_end_line(table) : 0;
	int start = cmark_node_get_start_line(row);
	int body = 0;

	for (cmark_node *r = cmark_node_next(row); r; r = cmark_node_next(r))
		body++;
	if (end - body - 1 >= start && end - body - 1 > 0)
		return (size_t)(end - body - 1);
	return start > 0 ? (size_t)start : 0;
}

/*
 * warnings - report raw HTML that will be escaped and images without alt
 * text, in document order.  Inlines made by the autolink extension and the
 * breaks carry no line: those take the line of what came before, plus one
 * per line break.
 */
static void
warnings(cmark_node *doc, const struct markdown_opts *o)
{
	struct warner w;
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *image = NULL;
	size_t hint = 1, header = 0, image_line = 0;
	int alt = 0;

	if (o == NULL || o->warn == NULL)
		return;
	memset(&w, 0, sizeof(w));
	w.o = o;
	buf_init(&w.msg, 4096);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		int start = cmark_node_get_start_line(node);
		size_t line = header ? header : start > 0 ? (size_t)start : hint;
		const char *lit = cmark_node_get_literal(node);
		size_t n = lit ? strlen(lit) : 0;

		if (ev == CMARK_EVENT_EXIT) {
			if (node == image && !alt) {
				const char *url = cmark_node_get_url(node);

				warn(&w, image_line, "image without alt text: ", url ? url : "",
				     url ? strlen(url) : 0, SHOWN_URL);
			}
			if (node == image)
				image = NULL;
			if (md_kind(node) == MD_ROW)
				header = 0;
			continue;
		}
		hint = line;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			hint = line + 1;
			break;
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
			if (!o->allow_html)
				warn(&w, line, "raw HTML is shown as text: ", lit ? lit : "", n,
				     SHOWN_HTML);
			alt |= image && n > strspn(lit ? lit : "", " \t\r\n");
			break;
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			alt |= image && n > strspn(lit ? lit : "", " \t\r\n");
			break;
		case CMARK_NODE_IMAGE:
			if (image == NULL) {
				image = node;
				image_line = line;
				alt = 0;
			}
			break;
		default:
			if (md_kind(node) == MD_ROW &&
			    cmark_gfm_extensions_get_table_row_is_header(node))
				header = hint = header_line(node);
			break;
		}
	}
	cmark_iter_free(it);
	if (w.left_out > 0) {
		buf_reset(&w.msg);
		buf_addf(&w.msg, "%zu more warnings not shown", w.left_out);
		o->warn(w.first_left, buf_cstr(&w.msg), o->arg);
	}
	buf_free(&w.msg);
}

static void
register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

int
markdown_render(const char *md, size_t len, const struct markdown_opts *o, char **html, char **text,
                struct error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static const char *const exts[] = {"table", "strikethrough", "autolink"};
	cmark_parser *p = NULL;
	cmark_node *doc = NULL;
	struct buf h, t;
	size_t line;
	int rc = -1;

	*html = *text = NULL;
	buf_init(&h, HTML_MAX);
	buf_init(&t, TEXT_MAX);
	if (markdown_check(md, len, &line, err) < 0) {
		if (line > 0)
			error_prefix(err, "line %zu", line);
		goto out;
	}
	pthread_once(&once, register_extensions);
	p = cmark_parser_new(CMARK_OPT_VALIDATE_UTF8);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);

		if (e == NULL || !cmark_parser_attach_syntax_extension(p, e)) {
			error_set(err, "cmark-gfm has no %s extension", exts[i]);
			goto out;
		}
	}
	cmark_parser_feed(p, md, len);
	if ((doc = cmark_parser_finish(p)) == NULL) {
		error_set(err, "cmark-gfm could not parse the Markdown");
		goto out;
	}
	warnings(doc, o);
	if (md_render_html(doc, o, &h) < 0) {
		error_set(err, "the HTML body would be over %d bytes", HTML_MAX);
		goto out;
	}
	if (md_render_text(doc, &t) < 0) {
		error_set(err, "the text body would be over %d bytes (nesting too deep?)",
		          TEXT_MAX);
		goto out;
	}
	*html = buf_steal(&h);
	*text = buf_steal(&t);
	rc = 0;
out:
	if (doc)
		cmark_node_free(doc);
	if (p)
		cmark_parser_free(p);
	buf_free(&h);
	buf_free(&t);
	return rc;
}
