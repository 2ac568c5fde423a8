/*
 * markdown_text - the text/plain body of a parsed document (markdown.h says
 * what it holds).
 *
 * A walk over cmark-gfm's tree with cmark_iter (no recursion, so nesting
 * depth costs no stack).  Each open block quote, list item or heading is a
 * level with the prefix for its first line ("> ", "- ", "12. ", "## ") and
 * for the lines after (the same width in spaces, or "> " again); every line
 * written gets the prefixes of all open levels.  Inline content of a
 * paragraph, heading or table cell is gathered first and wrapped (or laid
 * out) when it closes; a table is gathered whole.  A NUL byte in the
 * gathered text is a space that must not become a line break (cmark turns
 * NUL in its input into U+FFFD, so none comes from the document); it glues
 * a link's "[N]" to the link text.
 *
 * Failure: -1 when the text would grow past the buffer's ceiling.
 */
#include "markdown_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>

#include "buf.h"
#include "util.h"

enum {
	WRAP_MIN = 20,   /* the narrowest a deeply nested paragraph is wrapped */
	RULE_LEN = 20,   /* a thematic break */
	PREFIX_LEN = 16, /* "999999999. " fits: cmark caps list numbers at 9 digits */
};

/* An open block quote, list item or heading. */
struct level {
	char first[PREFIX_LEN]; /* before its first line */
	char rest[PREFIX_LEN];  /* before the others: the same width */
	int used;               /* its first line has been written */
};

/* A table being gathered: its cells' gathered text (NUL glue and all), row by row. */
struct cell {
	char *s; /* NULL for a cell not there */
	size_t n;
};

struct table {
	size_t ncols, nrows, arows;
	struct cell *cell; /* nrows * ncols, row-major */
	size_t col;        /* the next cell's index in the current row */
};

struct text {
	struct buf *out; /* the text body */
	struct buf para; /* inline content of the open paragraph, heading or cell */
	struct buf line; /* one wrapped line */
	struct level *lv;
	size_t nlv, alv;
	int blank;    /* a blank line is owed before the next line of text */
	int in_image; /* images open: inside one, only alt text counts */
	int failed;   /* out reached its ceiling */
	struct table tbl;
	/* Footnotes: URLs in order of first use, and a hash of them. */
	char **urls;
	size_t nurls, aurls;
	size_t *slot; /* index + 1 into urls, 0 for empty; size hcap */
	size_t hcap;
};

static void
add(struct text *t, const char *s, size_t n)
{
	if (!t->failed && buf_add(t->out, s, n) != BUF_OK)
		t->failed = 1;
}

static void
push(struct text *t, const char *first, const char *rest)
{
	struct level *l;

	if (t->nlv == t->alv) {
		t->alv = t->alv ? t->alv * 2 : 16;
		t->lv = xrealloc(t->lv, t->alv * sizeof(*t->lv));
	}
	l = &t->lv[t->nlv++];
	snprintf(l->first, sizeof(l->first), "%s", first);
	snprintf(l->rest, sizeof(l->rest), "%s", rest);
	l->used = 0;
}

/* end_line - drop trailing blanks from the line being written, end it. */
static void
end_line(struct text *t, size_t line_start)
{
	size_t n = t->out->len;

	if (t->failed)
		return;
	while (n > line_start && (t->out->data[n - 1] == ' ' || t->out->data[n - 1] == '\t'))
		n--;
	buf_truncate(t->out, n);
	add(t, "\n", 1);
}

/*
 * put_line - one line of text under the open levels, after the blank line
 * owed by the previous block.  The blank line carries the prefixes of the
 * levels already started only, so a quote opening inside a quote reads ">",
 * not "> >".
 */
static void
put_line(struct text *t, const char *s, size_t n)
{
	size_t start, i;

	if (t->blank && t->out->len > 0) {
		start = t->out->len;
		for (i = 0; i < t->nlv && t->lv[i].used; i++)
			add(t, t->lv[i].rest, strlen(t->lv[i].rest));
		end_line(t, start);
	}
	t->blank = 0;
	start = t->out->len;
	for (i = 0; i < t->nlv; i++) {
		struct level *l = &t->lv[i];

		add(t, l->used ? l->rest : l->first, strlen(l->used ? l->rest : l->first));
		l->used = 1;
	}
	for (i = 0; i < n; i++) {
		size_t j = i;

		/* Copy runs; glue becomes a space, a CR from raw HTML goes. */
		while (j < n && s[j] != '\0' && s[j] != '\r')
			j++;
		add(t, s + i, j - i);
		if (j < n && s[j] == '\0')
			add(t, " ", 1);
		i = j;
	}
	end_line(t, start);
}

/* put_lines - a literal (code, raw HTML) line by line, after indent. */
static void
put_lines(struct text *t, const char *indent, const char *s)
{
	size_t n = strlen(s), ni = strlen(indent);

	if (n == 0)
		return;
	/* The literal ends with a newline; that is not one more line. */
	if (s[n - 1] == '\n')
		n--;
	for (size_t i = 0; i <= n && !t->failed;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;

		buf_reset(&t->line);
		buf_add(&t->line, indent, ni);
		buf_add(&t->line, s + i, e - i);
		put_line(t, buf_cstr(&t->line), t->line.len);
		i = e + 1;
	}
}

/* chars - UTF-8 characters in s[0..n): every byte that does not continue one. */
static size_t
chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/*
 * put_wrapped - the gathered paragraph, greedily filled to MARKDOWN_WRAP
 * columns less the prefixes.  Words break only at spaces; one longer than
 * the line stays whole on a line of its own.  '\n' is a hard break.
 */
static void
put_wrapped(struct text *t, const char *s, size_t n)
{
	size_t width = MARKDOWN_WRAP, pw = 0, i = 0, col = 0;

	if (n == 0)
		return;
	for (size_t k = 0; k < t->nlv; k++)
		pw += strlen(t->lv[k].rest);
	width = pw + WRAP_MIN < width ? width - pw : WRAP_MIN;
	buf_reset(&t->line);
	while (i < n && !t->failed) {
		size_t j = i, w;

		if (s[i] == '\n') {
			put_line(t, buf_cstr(&t->line), t->line.len);
			buf_reset(&t->line);
			col = 0;
			i++;
			/* cmark strips the spaces that begin a line after a break, but be sure. */
			while (i < n && s[i] == ' ')
				i++;
			continue;
		}
		while (j < n && s[j] != ' ' && s[j] != '\n')
			j++;
		w = chars(s + i, j - i);
		if (col > 0 && col + 1 + w > width) {
			put_line(t, buf_cstr(&t->line), t->line.len);
			buf_reset(&t->line);
			col = 0;
		}
		if (col > 0) {
			buf_addc(&t->line, ' ');
			col++;
		}
		buf_add(&t->line, s + i, j - i);
		col += w;
		while (j < n && s[j] == ' ')
			j++;
		i = j;
	}
	if (t->line.len > 0)
		put_line(t, buf_cstr(&t->line), t->line.len);
}

/* hash - FNV-1a, for the footnote table. */
static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* footnote - the number of url, new if it has not been seen. */
static size_t
footnote(struct text *t, const char *url)
{
	size_t k;

	if (2 * (t->nurls + 1) > t->hcap) {
		size_t ncap = t->hcap ? t->hcap * 2 : 64;
		size_t *ns = xcalloc(ncap, sizeof(*ns));

		for (size_t u = 0; u < t->nurls; u++) {
			for (k = hash(t->urls[u]) & (ncap - 1); ns[k]; k = (k + 1) & (ncap - 1))
				;
			ns[k] = u + 1;
		}
		free(t->slot);
		t->slot = ns;
		t->hcap = ncap;
	}
	for (k = hash(url) & (t->hcap - 1); t->slot[k]; k = (k + 1) & (t->hcap - 1))
		if (strcmp(t->urls[t->slot[k] - 1], url) == 0)
			return t->slot[k];
	if (t->nurls == t->aurls) {
		t->aurls = t->aurls ? t->aurls * 2 : 16;
		t->urls = xrealloc(t->urls, t->aurls * sizeof(*t->urls));
	}
	t->urls[t->nurls++] = xstrdup(url);
	t->slot[k] = t->nurls;
	return t->nurls;
}

/*
 * end_link - after a link's text, at para offset pos: its footnote.  Unsafe
 * URLs (md_url_unsafe) get none: in a text body they can only mislead.  A
 * link showing its own URL needs no footnote: an autolink, or the autolink
 * extension's www.example.org for http://www.example.org; a mailto: link
 * shows the address.
 */
static void
end_link(struct text *t, const char *url, size_t pos)
{
	const char *shown = t->para.data ? t->para.data + pos : "";
	size_t n = t->para.len - pos;
	char num[32];

	if (*url == '\0' || md_url_unsafe(url, 0))
		return;
	if (md_prefix_ci(url, "mailto:")) {
		const char *a = url + 7;
		size_t an = strcspn(a, "?");

		if (n == an && memcmp(shown, a, an) == 0)
			return;
		if (n == strlen(url) && memcmp(shown, url, n) == 0)
			buf_truncate(&t->para, pos);
		else if (n > 0)
			buf_adds(&t->para, " (");
		buf_add(&t->para, a, an);
		if (t->para.len > pos + an)
			buf_addc(&t->para, ')');
		return;
	}
	if (n == strlen(url) && memcmp(shown, url, n) == 0)
		return;
	if (md_prefix_ci(url, "http://") && n == strlen(url) - 7 && memcmp(shown, url + 7, n) == 0)
		return;
	if (n == 0) {
		buf_adds(&t->para, url);
		return;
	}
	snprintf(num, sizeof(num), "[%zu]", footnote(t, url));
	buf_addc(&t->para, '\0');
	buf_adds(&t->para, num);
}

/* table_free - forget the gathered table. */
static void
table_free(struct table *tb)
{
	for (size_t i = 0; i < tb->nrows * tb->ncols; i++)
		free(tb->cell[i].s);
	free(tb->cell);
	memset(tb, 0, sizeof(*tb));
}

/* pad - n spaces onto the line. */
static void
pad(struct text *t, size_t n)
{
	while (n-- > 0)
		buf_addc(&t->line, ' ');
}

/*
 * put_columns - the table as aligned columns of the given widths: each cell
 * padded to its column's width as the column is aligned, two spaces
 * between columns, a row of '-' under the header.
 */
static void
put_columns(struct text *t, cmark_node *table, const size_t *width)
{
	struct table *tb = &t->tbl;

	for (size_t r = 0; r < tb->nrows; r++) {
		buf_reset(&t->line);
		for (size_t c = 0; c < tb->ncols; c++) {
			const struct cell *cl = &tb->cell[r * tb->ncols + c];
			const char *s = cl->s ? cl->s : "";
			size_t n = cl->n, room = width[c] - chars(s, n);
			char align = md_table_align(table, c);

			if (c > 0)
				pad(t, 2);
			pad(t, align == 'r' ? room : align == 'c' ? room / 2 : 0);
			buf_add(&t->line, s, n);
			pad(t, align == 'r' ? 0 : align == 'c' ? room - room / 2 : room);
		}
		put_line(t, buf_cstr(&t->line), t->line.len);
		if (r > 0)
			continue;
		buf_reset(&t->line);
		for (size_t c = 0; c < tb->ncols; c++) {
			if (c > 0)
				pad(t, 2);
			for (size_t k = 0; k < width[c]; k++)
				buf_addc(&t->line, '-');
		}
		put_line(t, buf_cstr(&t->line), t->line.len);
	}
}

/*
 * put_records - a table too wide for columns: per row after the header, one
 * "Header: value" line per cell (wrapped, continued two spaces in), rows
 * separated by blank lines.  A table of a header alone gives its cells.
 */
static void
put_records(struct text *t)
{
	struct table *tb = &t->tbl;

	for (size_t r = tb->nrows > 1 ? 1 : 0; r < tb->nrows; r++) {
		if (r > 1)
			t->blank = 1;
		for (size_t c = 0; c < tb->ncols; c++) {
			const struct cell *h = &tb->cell[c], *v = &tb->cell[r * tb->ncols + c];

			buf_reset(&t->para);
			if (r > 0 && h->n > 0) {
				buf_add(&t->para, h->s, h->n);
				buf_adds(&t->para, v->n > 0 ? ": " : ":");
			}
			if (v->n > 0)
				buf_add(&t->para, v->s, v->n);
			push(t, "", "  ");
			put_wrapped(t, buf_cstr(&t->para), t->para.len);
			t->nlv--;
		}
	}
	buf_reset(&t->para);
}

/* put_table - the gathered table, as columns if they fit in twice the wrap width. */
static void
put_table(struct text *t, cmark_node *table)
{
	struct table *tb = &t->tbl;
	size_t *width = xcalloc(tb->ncols ? tb->ncols : 1, sizeof(*width)), total = 0;

	for (size_t k = 0; k < t->nlv; k++)
		total += strlen(t->lv[k].rest);
	for (size_t c = 0; c < tb->ncols; c++) {
		for (size_t r = 0; r < tb->nrows; r++) {
			const struct cell *cl = &tb->cell[r * tb->ncols + c];
			size_t w = cl->s ? chars(cl->s, cl->n) : 0;

			width[c] = w > width[c] ? w : width[c];
		}
		width[c] = width[c] ? width[c] : 1;
		total += width[c] + (c > 0 ? 2 : 0);
	}
	if (total > 2 * MARKDOWN_WRAP)
		put_records(t);
	else
		put_columns(t, table, width);
	free(width);
}

/* table_enter - a table, row or cell opens (strikethrough needs nothing). */
static void
table_enter(struct text *t, cmark_node *node, int kind)
{
	struct table *tb = &t->tbl;

	switch (kind) {
	case MD_TABLE:
		table_free(tb);
		tb->ncols = cmark_gfm_extensions_get_table_columns(node);
		break;
	case MD_ROW:
		if (tb->ncols == 0)
			break;
		if (tb->nrows == tb->arows) {
			tb->arows = tb->arows ? tb->arows * 2 : 8;
			tb->cell = xrealloc(tb->cell, tb->arows * tb->ncols * sizeof(*tb->cell));
		}
		memset(tb->cell + tb->nrows * tb->ncols, 0, tb->ncols * sizeof(*tb->cell));
		tb->nrows++;
		tb->col = 0;
		break;
	case MD_CELL:
		buf_reset(&t->para);
		break;
	default:
		break;
	}
}

/* table_leave - a cell's text is kept (on one line); a table is written. */
static void
table_leave(struct text *t, cmark_node *node, int kind)
{
	struct table *tb = &t->tbl;

	switch (kind) {
	case MD_CELL:
		if (tb->nrows > 0 && tb->col < tb->ncols) {
			struct cell *cl = &tb->cell[(tb->nrows - 1) * tb->ncols + tb->col];

			cl->n = t->para.len;
			cl->s = xmalloc(cl->n + 1);
			if (cl->n > 0)
				memcpy(cl->s, t->para.data, cl->n);
			cl->s[cl->n] = '\0';
			for (size_t i = 0; i < cl->n; i++)
				if (cl->s[i] == '\n' || cl->s[i] == '\t' || cl->s[i] == '\r')
					cl->s[i] = ' ';
		}
		tb->col++;
		buf_reset(&t->para);
		break;
	case MD_TABLE:
		if (tb->nrows > 0)
			put_table(t, node);
		table_free(tb);
		t->blank = 1;
		break;
	default:
		break;
	}
}

/* in_tight_item - whether a paragraph sits directly in an item of a tight list. */
static int
in_tight_item(cmark_node *node)
{
	cmark_node *item = cmark_node_parent(node);

	return item && cmark_node_get_type(item) == CMARK_NODE_ITEM &&
	       cmark_node_get_list_tight(cmark_node_parent(item));
}

static void
enter(struct text *t, cmark_node *node)
{
	char mark[PREFIX_LEN], pad[PREFIX_LEN];
	const char *lit = cmark_node_get_literal(node);
	cmark_node *list;
	uintptr_t num;
	int level, kind = md_kind(node);

	if (kind != MD_CORE) {
		table_enter(t, node, kind);
		return;
	}
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_BLOCK_QUOTE:
		push(t, "> ", "> ");
		break;
	case CMARK_NODE_LIST:
		/* The next item's number rides on the list node. */
		cmark_node_set_user_data(node, (void *)(uintptr_t)cmark_node_get_list_start(node));
		break;
	case CMARK_NODE_ITEM:
		list = cmark_node_parent(node);
		if (cmark_node_get_list_type(list) == CMARK_ORDERED_LIST) {
			num = (uintptr_t)cmark_node_get_user_data(list);
			cmark_node_set_user_data(list, (void *)(num + 1));
			snprintf(mark, sizeof(mark), "%lu%c ", (unsigned long)num,
			         cmark_node_get_list_delim(list) == CMARK_PAREN_DELIM ? ')' : '.');
		} else
			snprintf(mark, sizeof(mark), "- ");
		memset(pad, ' ', strlen(mark));
		pad[strlen(mark)] = '\0';
		push(t, mark, pad);
		break;
	case CMARK_NODE_HEADING:
		level = cmark_node_get_heading_level(node);
		level = level < 1 ? 1 : level > 6 ? 6 : level;
		memset(mark, '#', (size_t)level);
		mark[level] = ' ';
		mark[level + 1] = '\0';
		memset(pad, ' ', (size_t)level + 1);
		pad[level + 1] = '\0';
		push(t, mark, pad);
		buf_reset(&t->para);
		break;
	case CMARK_NODE_PARAGRAPH:
		buf_reset(&t->para);
		break;
	case CMARK_NODE_CODE_BLOCK:
		put_lines(t, "    ", lit ? lit : "");
		t->blank = 1;
		break;
	case CMARK_NODE_HTML_BLOCK:
		/* As written, whether the HTML body escapes it or passes it through. */
		put_lines(t, "", lit ? lit : "");
		t->blank = 1;
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		buf_reset(&t->line);
		for (int i = 0; i < RULE_LEN; i++)
			buf_addc(&t->line, '-');
		put_line(t, buf_cstr(&t->line), t->line.len);
		t->blank = 1;
		break;
	case CMARK_NODE_TEXT:
		for (const char *p = lit ? lit : ""; *p; p++)
			buf_addc(&t->para, *p == '\t' || *p == '\n' ? ' ' : *p);
		break;
	case CMARK_NODE_SOFTBREAK:
		buf_addc(&t->para, ' ');
		break;
	case CMARK_NODE_LINEBREAK:
		buf_addc(&t->para, '\n');
		break;
	case CMARK_NODE_CODE:
		buf_addc(&t->para, '`');
		buf_adds(&t->para, lit ? lit : "");
		buf_addc(&t->para, '`');
		break;
	case CMARK_NODE_HTML_INLINE:
		buf_adds(&t->para, lit ? lit : "");
		break;
	case CMARK_NODE_LINK:
		/* Where the link text starts, for the exit. */
		cmark_node_set_user_data(node, (void *)(uintptr_t)t->para.len);
		break;
	case CMARK_NODE_IMAGE:
		cmark_node_set_user_data(node, (void *)(uintptr_t)t->para.len);
		if (t->in_image++ == 0)
			buf_adds(&t->para, "[image: ");
		break;
	default: /* document, emphasis, strong, custom nodes: only their content */
		break;
	}
}

static void
leave(struct text *t, cmark_node *node)
{
	size_t pos = (uintptr_t)cmark_node_get_user_data(node);
	int kind = md_kind(node);

	if (kind != MD_CORE) {
		table_leave(t, node, kind);
		return;
	}
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_BLOCK_QUOTE:
		t->nlv--;
		t->blank = 1;
		break;
	case CMARK_NODE_LIST:
		t->blank = 1;
		break;
	case CMARK_NODE_ITEM:
		/* An empty item still shows its marker. */
		if (!t->lv[t->nlv - 1].used)
			put_line(t, "", 0);
		t->nlv--;
		if (cmark_node_get_list_tight(cmark_node_parent(node)))
			t->blank = 0;
		break;
	case CMARK_NODE_HEADING:
		put_wrapped(t, buf_cstr(&t->para), t->para.len);
		t->nlv--;
		t->blank = 1;
		break;
	case CMARK_NODE_PARAGRAPH:
		put_wrapped(t, buf_cstr(&t->para), t->para.len);
		t->blank = !in_tight_item(node);
		break;
	case CMARK_NODE_LINK:
		if (t->in_image == 0)
			end_link(t, cmark_node_get_url(node), pos);
		break;
	case CMARK_NODE_IMAGE:
		if (--t->in_image > 0)
			break;
		if (t->para.len == pos + strlen("[image: ")) {
			buf_truncate(&t->para, pos);
			buf_adds(&t->para, "[image]");
		} else
			buf_addc(&t->para, ']');
		break;
	default:
		break;
	}
}

/* render_text - the text body of doc into t->out. */
static void
render_text(struct text *t, cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	size_t n, lead;

	while (!t->failed && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER)
			enter(t, node);
		else
			leave(t, node);
	}
	cmark_iter_free(it);
	if (t->nurls > 0) {
		t->nlv = 0;
		t->blank = 1;
		put_line(t, "Links:", 6);
		for (size_t i = 0; i < t->nurls; i++) {
			buf_reset(&t->line);
			buf_addf(&t->line, "[%zu] %s", i + 1, t->urls[i]);
			put_line(t, buf_cstr(&t->line), t->line.len);
		}
	}
	/*
	 * No blank lines first (a code block of blank lines can leave some) and
	 * exactly one newline at the end; an empty document gives "".
	 */
	n = t->out->len;
	while (n > 0 && t->out->data[n - 1] == '\n')
		n--;
	buf_truncate(t->out, n);
	for (lead = 0; lead < n && t->out->data[lead] == '\n'; lead++)
		;
	if (lead > 0) {
		memmove(t->out->data, t->out->data + lead, n - lead);
		buf_truncate(t->out, n - lead);
	}
	if (t->out->len > 0)
		add(t, "\n", 1);
}

int
md_render_text(cmark_node *doc, struct buf *out)
{
	struct text t;

	memset(&t, 0, sizeof(t));
	t.out = out;
	buf_init(&t.para, out->max);
	buf_init(&t.line, out->max);
	render_text(&t, doc);
	table_free(&t.tbl);
	for (size_t i = 0; i < t.nurls; i++)
		free(t.urls[i]);
	free(t.urls);
	free(t.slot);
	free(t.lv);
	buf_free(&t.para);
	buf_free(&t.line);
	return t.failed || buf_failed(out) ? -1 : 0;
}
