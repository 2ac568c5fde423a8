/*
 * markdown_html - the HTML body of a parsed document (markdown.h says what
 * it holds).  A walk with cmark_iter that writes the core nodes exactly as
 * cmark-gfm's own renderer would (compose styles them by tag), escapes raw
 * HTML unless the list allows it, never links an unsafe URL, and writes
 * tables for mail clients: inline styles on every cell, no widths.
 *
 * Failure: -1 when the body would pass the buffer's ceiling.
 */
#include "markdown_impl.h"

#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>

#include "buf.h"

#define TABLE_OPEN                                                                                 \
	"<table class=\"md-table\" cellpadding=\"0\" cellspacing=\"0\" style=\""                   \
	"border-collapse:collapse; width:100%; margin:0 0 16px 0; font-size:15px;\">\n"
#define CELL_STYLE "padding:6px 10px; border:1px solid #d9e2ec; "
#define HEAD_STYLE "font-weight:bold; background-color:#f0f4f8; "

struct html {
	struct buf *out;
	const struct markdown_opts *o;
	cmark_node *plain; /* an image whose alt text is being written, or NULL */
	size_t col;        /* the cell's index in its row */
	int head;          /* in the header row */
	int body;          /* a <tbody> is open */
};

/* esc - s[0..n) as HTML text or attribute value (what cmark escapes: & < > "). */
static void
esc(struct buf *b, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != '&' && s[j] != '<' && s[j] != '>' && s[j] != '"')
			j++;
		buf_add(b, s + i, j - i);
		if (j == n)
			break;
		buf_adds(b, s[j] == '&'   ? "&amp;"
		            : s[j] == '<' ? "&lt;"
		            : s[j] == '>' ? "&gt;"
		                          : "&quot;");
		i = j + 1;
	}
}

static void
escs(struct buf *b, const char *s)
{
	if (s)
		esc(b, s, strlen(s));
}

/*
 * esc_href - a URL for href or src, as cmark writes it: the characters URLs
 * use as they are, & and ' as entities, every other byte as %XX.
 */
static void
esc_href(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("!#$%()*+,-./:;=?@_~", c) != NULL)
			buf_addc(b, (char)c);
		else if (c == '&')
			buf_adds(b, "&amp;");
		else if (c == '\'')
			buf_adds(b, "&#x27;");
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* cr - start a new line unless at the start of one. */
static void
cr(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		buf_addc(b, '\n');
}

/* tight - whether node sits directly in an item of a tight list (no <p> there). */
static int
tight(cmark_node *node)
{
	cmark_node *gp = cmark_node_parent(cmark_node_parent(node));

	return gp && cmark_node_get_type(gp) == CMARK_NODE_LIST && cmark_node_get_list_tight(gp);
}

/*
 * escaped_block - raw HTML not allowed: its lines as written, a paragraph
 * like any other text.
 */
static void
escaped_block(struct buf *b, cmark_node *node)
{
	const char *s = cmark_node_get_literal(node) ? cmark_node_get_literal(node) : "";
	size_t n = strlen(s);
	int p = !tight(node);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (p)
		buf_adds(b, "<p>");
	for (size_t i = 0; i < n;) {
		size_t e = i;

		while (e < n && s[e] != '\n' && s[e] != '\r')
			e++;
		esc(b, s + i, e - i);
		if (e < n) {
			buf_adds(b, "<br />\n");
			e += s[e] == '\r' && e + 1 < n && s[e + 1] == '\n' ? 2 : 1;
		}
		i = e;
	}
	if (p)
		buf_adds(b, "</p>\n");
}

static void
code_block(struct buf *b, cmark_node *node)
{
	const char *info = cmark_node_get_fence_info(node);
	const char *lit = cmark_node_get_literal(node);

	cr(b);
	if (info == NULL || *info == '\0')
		buf_adds(b, "<pre><code>");
	else {
		buf_adds(b, "<pre><code class=\"language-");
		esc(b, info, strcspn(info, " \t\n\v\f\r"));
		buf_adds(b, "\">");
	}
	escs(b, lit);
	buf_adds(b, "</code></pre>\n");
}

/* image - an <img>, or with an unsafe URL only its alt text; either way what follows is plain. */
static void
image(struct html *h, cmark_node *node, int entering)
{
	const char *url = cmark_node_get_url(node), *title = cmark_node_get_title(node);
	int unsafe = md_url_unsafe(url ? url : "", 1);
	char *src = NULL;

	if (!entering) {
		h->plain = NULL;
		if (unsafe)
			return;
		if (title && *title) {
			buf_adds(h->out, "\" title=\"");
			escs(h->out, title);
		}
		buf_adds(h->out, "\" />");
		return;
	}
	h->plain = node;
	if (unsafe)
		return;
	if (h->o && h->o->image_src && url && *url)
		src = h->o->image_src(url, h->o->arg);
	buf_adds(h->out, "<img src=\"");
	esc_href(h->out, src ? src : url ? url : "");
	buf_adds(h->out, "\" alt=\"");
	free(src);
}

static void
link(struct html *h, cmark_node *node, int entering)
{
	const char *url = cmark_node_get_url(node), *title = cmark_node_get_title(node);

	if (md_url_unsafe(url ? url : "", 0))
		return;
	if (!entering) {
		buf_adds(h->out, "</a>");
		return;
	}
	buf_adds(h->out, "<a href=\"");
	esc_href(h->out, url ? url : "");
	if (title && *title) {
		buf_adds(h->out, "\" title=\"");
		escs(h->out, title);
	}
	buf_adds(h->out, "\">");
}

/*
 * label - the text of the header cell above column col of table, as an
 * attribute value: on a phone the columns stack and each cell shows it.
 */
static void
label(struct buf *b, cmark_node *table, size_t col)
{
	cmark_node *cell = cmark_node_first_child(cmark_node_first_child(table));
	cmark_iter *it;
	cmark_event_type ev;
	size_t start = b->len;

	for (size_t i = 0; cell && i < col; i++)
		cell = cmark_node_next(cell);
	if (cell == NULL || (it = cmark_iter_new(cell)) == NULL)
		return;
	buf_adds(b, " data-label=\"");
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		int t = cmark_node_get_type(n);

		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE))
			escs(b, cmark_node_get_literal(n));
	}
	cmark_iter_free(it);
	if (b->len == start + 13)
		buf_truncate(b, start); /* an empty header: no label */
	else
		buf_addc(b, '"');
}

/* table - the extension's nodes: a table, its rows, their cells. */
static void
table(struct html *h, cmark_node *node, int kind, int entering)
{
	struct buf *b = h->out;
	const char *align;

	switch (kind) {
	case MD_TABLE:
		if (entering) {
			cr(b);
			buf_adds(b, TABLE_OPEN);
			h->body = 0;
		} else
			buf_adds(b, h->body ? "</tbody>\n</table>\n" : "</table>\n");
		break;
	case MD_ROW:
		if (!entering) {
			buf_adds(b, h->head ? "</tr>\n</thead>\n" : "</tr>\n");
			h->head = 0;
			break;
		}
		h->col = 0;
		h->head = cmark_gfm_extensions_get_table_row_is_header(node);
		if (h->head)
			buf_adds(b, "<thead>\n");
		else if (!h->body) {
			buf_adds(b, "<tbody>\n");
			h->body = 1;
		}
		buf_adds(b, "<tr>\n");
		break;
	case MD_CELL:
		if (!entering) {
			buf_adds(b, h->head ? "</th>\n" : "</td>\n");
			h->col++;
			break;
		}
		switch (md_table_align(cmark_node_parent(cmark_node_parent(node)), h->col)) {
		case 'r':
			align = "right";
			break;
		case 'c':
			align = "center";
			break;
		default:
			align = "left";
			break;
		}
		buf_addf(b, "<%s", h->head ? "th" : "td");
		if (!h->head)
			label(b, cmark_node_parent(cmark_node_parent(node)), h->col);
		buf_addf(b, " style=\"" CELL_STYLE "%stext-align:%s; vertical-align:top;\">",
		         h->head ? HEAD_STYLE : "", align);
		break;
	default:
		break;
	}
}

/* plain - inside an image: only the text, for its alt attribute. */
static void
plain(struct html *h, cmark_node *node)
{
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_TEXT:
	case CMARK_NODE_CODE:
	case CMARK_NODE_HTML_INLINE:
		escs(h->out, cmark_node_get_literal(node));
		break;
	case CMARK_NODE_SOFTBREAK:
	case CMARK_NODE_LINEBREAK:
		buf_addc(h->out, ' ');
		break;
	default:
		break;
	}
}

static void
node_html(struct html *h, cmark_node *node, int entering)
{
	struct buf *b = h->out;
	const char *lit = cmark_node_get_literal(node);
	int kind = md_kind(node), level;

	if (kind == MD_STRIKE) {
		buf_adds(b, entering ? "<del>" : "</del>");
		return;
	}
	if (kind != MD_CORE) {
		table(h, node, kind, entering);
		return;
	}
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_BLOCK_QUOTE:
		cr(b);
		buf_adds(b, entering ? "<blockquote>\n" : "</blockquote>\n");
		break;
	case CMARK_NODE_LIST:
		if (!entering)
			buf_adds(b, cmark_node_get_list_type(node) == CMARK_BULLET_LIST
			                    ? "</ul>\n"
			                    : "</ol>\n");
		else {
			cr(b);
			if (cmark_node_get_list_type(node) == CMARK_BULLET_LIST)
				buf_adds(b, "<ul>\n");
			else if (cmark_node_get_list_start(node) == 1)
				buf_adds(b, "<ol>\n");
			else
				buf_addf(b, "<ol start=\"%d\">\n", cmark_node_get_list_start(node));
		}
		break;
	case CMARK_NODE_ITEM:
		if (entering) {
			cr(b);
			buf_adds(b, "<li>");
		} else
			buf_adds(b, "</li>\n");
		break;
	case CMARK_NODE_HEADING:
		level = cmark_node_get_heading_level(node);
		level = level < 1 ? 1 : level > 6 ? 6 : level;
		if (entering)
			cr(b);
		buf_addf(b, entering ? "<h%d>" : "</h%d>\n", level);
		break;
	case CMARK_NODE_CODE_BLOCK:
		code_block(b, node);
		break;
	case CMARK_NODE_HTML_BLOCK:
		cr(b);
		if (h->o && h->o->allow_html)
			buf_adds(b, lit ? lit : "");
		else
			escaped_block(b, node);
		cr(b);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		cr(b);
		buf_adds(b, "<hr />\n");
		break;
	case CMARK_NODE_PARAGRAPH:
		if (tight(node))
			break;
		if (entering) {
			cr(b);
			buf_adds(b, "<p>");
		} else
			buf_adds(b, "</p>\n");
		break;
	case CMARK_NODE_TEXT:
		escs(b, lit);
		break;
	case CMARK_NODE_LINEBREAK:
		buf_adds(b, "<br />\n");
		break;
	case CMARK_NODE_SOFTBREAK:
		buf_addc(b, '\n');
		break;
	case CMARK_NODE_CODE:
		buf_adds(b, "<code>");
		escs(b, lit);
		buf_adds(b, "</code>");
		break;
	case CMARK_NODE_HTML_INLINE:
		if (h->o && h->o->allow_html)
			buf_adds(b, lit ? lit : "");
		else
			escs(b, lit);
		break;
	case CMARK_NODE_STRONG:
		buf_adds(b, entering ? "<strong>" : "</strong>");
		break;
	case CMARK_NODE_EMPH:
		buf_adds(b, entering ? "<em>" : "</em>");
		break;
	case CMARK_NODE_LINK:
		link(h, node, entering);
		break;
	case CMARK_NODE_IMAGE:
		image(h, node, entering);
		break;
	default: /* the document; custom nodes, which the parser never makes */
		break;
	}
}

int
md_render_html(cmark_node *doc, const struct markdown_opts *o, struct buf *out)
{
	struct html h;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	memset(&h, 0, sizeof(h));
	h.out = out;
	h.o = o;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE && !buf_failed(out)) {
		cmark_node *node = cmark_iter_get_node(it);

		if (h.plain == NULL || (node == h.plain && ev == CMARK_EVENT_EXIT))
			node_html(&h, node, ev == CMARK_EVENT_ENTER);
		else if (ev == CMARK_EVENT_ENTER)
			plain(&h, node);
	}
	cmark_iter_free(it);
	return buf_failed(out) ? -1 : 0;
}
