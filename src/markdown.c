/*
 * markdown - CommonMark into the HTML and text/plain bodies of a message; the
 * only user of cmark.  See markdown.h for the contract.
 *
 * HTML is cmark's renderer.  Text is a walk over cmark's tree with cmark_iter
 * (no recursion, so nesting depth costs no stack).  Each open block quote,
 * list item or heading is a level with the prefix for its first line ("> ",
 * "- ", "12. ", "## ") and for the lines after (the same width in spaces, or
 * "> " again); every line written gets the prefixes of all open levels.
 * Inline content of a paragraph or heading is gathered first and wrapped
 * when it closes.  A NUL byte in the gathered text is a space that must not
 * become a line break (cmark turns NUL in its input into U+FFFD, so none
 * comes from the document); it glues a link's "[N]" to the link text.
 *
 * Failure: -1 with a message, for input over 1 MB, input that is not UTF-8,
 * input cmark would take unbounded time over (markdown_check), or text that
 * would grow past TEXT_MAX.
 */
#include "markdown.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "buf.h"
#include "util.h"

enum {
	MARKDOWN_MAX = 1 << 20, /* input */
	NEST_MAX = 32,          /* containers a line may open or stand in (see check_line) */
	EMPH_RUN_MAX = 200,     /* one run of '*', '_' or '~' */
	TICK_RUN_MAX = 32,      /* one run of backticks */
	TEXT_MAX = 16 << 20,    /* rendered text */
	WRAP_MIN = 20,          /* the narrowest a deeply nested paragraph is wrapped */
	RULE_LEN = 20,          /* a thematic break */
	PREFIX_LEN = 16,        /* "999999999. " fits: cmark caps list numbers at 9 digits */
};

/* An open block quote, list item or heading. */
struct level {
	char first[PREFIX_LEN]; /* before its first line */
	char rest[PREFIX_LEN];  /* before the others: the same width */
	int used;               /* its first line has been written */
};

struct text {
	struct buf out;  /* the text body */
	struct buf para; /* inline content of the open paragraph or heading */
	struct buf line; /* one wrapped line */
	struct level *lv;
	size_t nlv, alv;
	int blank;    /* a blank line is owed before the next line of text */
	int in_image; /* images open: inside one, only alt text counts */
	int allow_html;
	int failed; /* out reached TEXT_MAX */
	/* Footnotes: URLs in order of first use, and a hash of them. */
	char **urls;
	size_t nurls, aurls;
	size_t *slot; /* index + 1 into urls, 0 for empty; size hcap */
	size_t hcap;
};

static void
add(struct text *t, const char *s, size_t n)
{
	if (!t->failed && buf_add(&t->out, s, n) != BUF_OK)
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
	size_t n = t->out.len;

	if (t->failed)
		return;
	while (n > line_start && (t->out.data[n - 1] == ' ' || t->out.data[n - 1] == '\t'))
		n--;
	buf_truncate(&t->out, n);
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

	if (t->blank && t->out.len > 0) {
		start = t->out.len;
		for (i = 0; i < t->nlv && t->lv[i].used; i++)
			add(t, t->lv[i].rest, strlen(t->lv[i].rest));
		end_line(t, start);
	}
	t->blank = 0;
	start = t->out.len;
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

static int
has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if ((*s >= 'A' && *s <= 'Z' ? *s + 32 : *s) != *prefix)
			return 0;
	return 1;
}

/*
 * end_link - after a link's text, at para offset pos: its footnote.  The
 * schemes cmark's safe mode drops are dropped here whatever allow_html says:
 * in a text body they can only mislead.  A link showing its own URL (an
 * autolink) needs no footnote; a mailto: link shows the address.
 */
static void
end_link(struct text *t, const char *url, size_t pos)
{
	const char *shown = t->para.data ? t->para.data + pos : "";
	size_t n = t->para.len - pos;
	char num[32];

	if (*url == '\0' || has_prefix_ci(url, "javascript:") || has_prefix_ci(url, "vbscript:") ||
	    has_prefix_ci(url, "file:") || has_prefix_ci(url, "data:"))
		return;
	if (has_prefix_ci(url, "mailto:")) {
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
	if (n == 0) {
		buf_adds(&t->para, url);
		return;
	}
	snprintf(num, sizeof(num), "[%zu]", footnote(t, url));
	buf_addc(&t->para, '\0');
	buf_adds(&t->para, num);
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
	int level;

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
		if (t->allow_html) {
			put_lines(t, "", lit ? lit : "");
			t->blank = 1;
		}
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
		if (t->allow_html)
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
	n = t->out.len;
	while (n > 0 && t->out.data[n - 1] == '\n')
		n--;
	buf_truncate(&t->out, n);
	for (lead = 0; lead < n && t->out.data[lead] == '\n'; lead++)
		;
	if (lead > 0) {
		memmove(t->out.data, t->out.data + lead, n - lead);
		buf_truncate(&t->out, n - lead);
	}
	if (t->out.len > 0)
		add(t, "\n", 1);
}

/*
 * check_line - why line s[0..n) is refused before cmark sees it, or NULL.
 *
 * cmark's time grows with the depth of open containers times the inline
 * nodes inside them: 200,000 '>' before runs of '*' take minutes.  The depth
 * a line stands in is bounded from above by the container markers it starts
 * with ('>', list bullets, "12." / "12)") plus its indentation (a nested
 * list item is indented at least two columns per level, counted here as
 * one level per four columns, so code blocks keep their room).  Runs of
 * emphasis and code delimiters are capped too: no text needs hundreds.
 */
static const char *
check_line(const char *s, size_t n)
{
	size_t i = 0, col = 0, depth = 0, run = 0;
	char prev = 0;

	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t')) {
			/* The line's own indentation; the blank after a marker belongs to it. */
			if (depth == 0)
				col += s[i] == '\t' ? 4 - col % 4 : 1;
			i++;
		}
		if (i < n && s[i] == '>') {
			depth++;
			i++;
			continue;
		}
		if (i + 1 < n && (s[i] == '-' || s[i] == '+' || s[i] == '*') &&
		    (s[i + 1] == ' ' || s[i + 1] == '\t')) {
			depth++;
			i++;
			continue;
		}
		if (i < n && s[i] >= '0' && s[i] <= '9') {
			size_t j = i;

			while (j < n && j - i < 10 && s[j] >= '0' && s[j] <= '9')
				j++;
			if (j + 1 < n && (s[j] == '.' || s[j] == ')') &&
			    (s[j + 1] == ' ' || s[j + 1] == '\t')) {
				depth++;
				i = j + 1;
				continue;
			}
		}
		break;
	}
	if (depth + col / 4 > NEST_MAX)
		return "nested more than 32 levels deep (quotes and lists)";
	for (; i < n; i++) {
		char c = s[i];

		if (c == prev && (c == '*' || c == '_' || c == '~' || c == '`')) {
			run++;
			if (run > (c == '`' ? TICK_RUN_MAX : EMPH_RUN_MAX))
				return c == '`' ? "a run of more than 32 backticks" :
				       "a run of more than 200 '*', '_' or '~'";
		} else
			run = 1;
		prev = c;
	}
	return NULL;
}

int
markdown_check(const char *md, size_t len, size_t *line, struct error *err)
{
	size_t ln = 1;

	*line = 0;
	if (len > MARKDOWN_MAX)
		return error_setk(err, ERR_INPUT, "Markdown is %zu bytes, over the limit of %d",
		                  len, MARKDOWN_MAX);
	for (size_t i = 0; i < len; ln++) {
		const char *nl = memchr(md + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - md) : len;
		const char *why;

		*line = ln;
		if (!utf8_valid(md + i, e - i))
			return error_setk(err, ERR_INPUT, "not valid UTF-8");
		if ((why = check_line(md + i, e - i)) != NULL)
			return error_setk(err, ERR_INPUT, "%s", why);
		i = e + 1;
	}
	*line = 0;
	return 0;
}

int
markdown_render(const char *md, size_t len, int allow_html, char **html, char **text,
                struct error *err)
{
	int opts = CMARK_OPT_VALIDATE_UTF8 | (allow_html ? CMARK_OPT_UNSAFE : 0), rc = -1;
	struct text t;
	cmark_node *doc = NULL;
	char *h = NULL;
	size_t line;

	*html = *text = NULL;
	memset(&t, 0, sizeof(t));
	buf_init(&t.out, TEXT_MAX);
	buf_init(&t.para, TEXT_MAX);
	buf_init(&t.line, TEXT_MAX);
	t.allow_html = allow_html;
	if (markdown_check(md, len, &line, err) < 0) {
		if (line > 0)
			error_prefix(err, "line %zu", line);
		goto out;
	}
	doc = cmark_parse_document(md, len, opts);
	if (doc == NULL || (h = cmark_render_html(doc, opts)) == NULL) {
		error_set(err, "cmark could not render the Markdown");
		goto out;
	}
	render_text(&t, doc);
	if (t.failed) {
		error_set(err, "the text body would be over %d bytes (nesting too deep?)",
		          TEXT_MAX);
		goto out;
	}
	*html = xstrdup(h);
	*text = buf_steal(&t.out);
	rc = 0;
out:
	if (h)
		cmark_get_default_mem_allocator()->free(h);
	if (doc)
		cmark_node_free(doc);
	for (size_t i = 0; i < t.nurls; i++)
		free(t.urls[i]);
	free(t.urls);
	free(t.slot);
	free(t.lv);
	buf_free(&t.out);
	buf_free(&t.para);
	buf_free(&t.line);
	return rc;
}
