/*
 * template - compile the templates/ language into a flat array of ops and
 * render it.  See template.h for the language and the contract.
 *
 * Compilation does all the work that does not depend on the values: it finds
 * the tags, drops standalone section lines, copies the literal text once into
 * one block, resolves names to indices and stores where each section ends.
 * Rendering is then one loop over the ops that only appends to the output
 * buffer.  A failed compile returns -1 with "line N: ..." in err; a failed
 * render (the buffer's ceiling) returns BUF_TOO_BIG and leaves it as it was.
 */
#include "template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Far beyond any template a person writes (compose reads at most 256 KB);
 * it keeps every offset and length in 32 bits, so an op is 12 bytes.
 */
#define TEMPLATE_SRC_MAX (16u << 20)
/* How much of a bad name an error message quotes. */
#define ERR_NAME_MAX 64

enum op_kind {
	OP_TEXT,     /* text[a .. a + b) */
	OP_RAW,      /* values[a] as is */
	OP_HTML,     /* values[a], HTML-escaped */
	OP_SECTION,  /* when values[a] is empty, go on at op b */
	OP_INVERTED, /* when values[a] is not empty, go on at op b */
};

struct op {
	uint8_t kind;
	uint32_t a;
	uint32_t b;
};

struct template {
	struct op *ops;
	size_t nops;
	char *text; /* every literal piece, back to back */
};

/* What the scanner found between {{ and }}. */
enum tag_kind { TAG_VAR, TAG_RAW, TAG_SECTION, TAG_INVERTED, TAG_CLOSE, TAG_COMMENT };

struct tag {
	enum tag_kind kind;
	const char *name;
	size_t name_len;
	size_t start; /* offset of the first '{' */
	size_t end;   /* offset just past the last '}' */
	size_t line;  /* 1-based line of start */
};

struct open_section {
	uint32_t op;
	size_t line;
	const char *name;
	size_t name_len;
};

struct compiler {
	const char *src;
	size_t len;
	const char *const *names;
	size_t nvars;
	enum template_escape esc;
	struct template *t;
	size_t ops_cap;
	size_t text_len;
	/* Ops before this one are jumped to or over: text must not be merged into them. */
	size_t barrier;
	/* Newlines in src[0 .. counted) are counted in line; see advance(). */
	size_t counted;
	size_t line;
	size_t line_start; /* offset just after the last newline before counted */
	struct open_section open[TEMPLATE_MAX_DEPTH];
	int depth;
	struct error *err;
};

static const struct {
	const char *s;
	size_t n;
} entities[] = {
	{"", 0}, {"&amp;", 5}, {"&lt;", 4}, {"&gt;", 4}, {"&quot;", 6}, {"&#39;", 5},
};

/* Index into entities[] of each byte; 0 for the bytes that pass as they are. */
static const uint8_t special[256] = {
	['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS (ONES * 0x80)

/* any_byte - nonzero when a byte of w is b (the "haszero" trick, which never misses one). */
static inline uint64_t
any_byte(uint64_t w, uint64_t b)
{
	uint64_t x = w ^ (ONES * b);

	return (x - ONES) & ~x & HIGHS;
}

/*
 * next_special - offset of the first byte in s[i..n) that needs an entity,
 * or n.  Most values (names, URLs) have none, so test 8 bytes at a time:
 * '&' (0x26) and '\'' (0x27) differ only in bit 0, '<' (0x3c) and '>' (0x3e)
 * only in bit 1, so three comparisons cover the five.
 */
static size_t
next_special(const char *s, size_t i, size_t n)
{
	for (; n - i >= 8; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (any_byte(w, '"') | any_byte(w | ONES, '\'') | any_byte(w | ONES * 2, '>'))
			break;
	}
	while (i < n && special[(unsigned char)s[i]] == 0)
		i++;
	return i;
}

int
template_html_escape(struct buf *out, const char *s, size_t n)
{
	size_t start = out->len, run = 0, i;

	if (n == 0)
		return BUF_OK;
	for (i = next_special(s, 0, n); i < n; i = next_special(s, run, n)) {
		uint8_t e = special[(unsigned char)s[i]];

		if (buf_add(out, s + run, i - run) != BUF_OK ||
		    buf_add(out, entities[e].s, entities[e].n) != BUF_OK)
			goto too_big;
		run = i + 1;
	}
	if (buf_add(out, s + run, n - run) == BUF_OK)
		return BUF_OK;
too_big:
	buf_truncate(out, start);
	return BUF_TOO_BIG;
}

/*
 * render - the body of template_render and template_render_holes: is_hole
 * NULL renders every variable; out is left as it was on BUF_TOO_BIG.
 */
static int
render(const struct template *t, const char *const *values, const unsigned char *is_hole,
       struct buf *out, struct template_hole **holes, size_t *nholes)
{
	const struct op *ops = t->ops;
	size_t start = out->len, i = 0, n = t->nops, cap = 0;
	const char *v;

	while (i < n) {
		const struct op *op = &ops[i];

		switch (op->kind) {
		case OP_TEXT:
			if (buf_add(out, t->text + op->a, op->b) != BUF_OK)
				goto too_big;
			i++;
			break;
		case OP_RAW:
		case OP_HTML:
			if (is_hole && is_hole[op->a]) {
				if (*nholes == cap) {
					cap = cap ? cap * 2 : 8;
					*holes = xrealloc(*holes, cap * sizeof(**holes));
				}
				(*holes)[*nholes].at = out->len;
				(*holes)[*nholes].var = op->a;
				(*holes)[*nholes].escape = op->kind == OP_HTML;
				(*nholes)++;
			} else if ((v = values[op->a]) != NULL &&
			           (op->kind == OP_RAW ? buf_add(out, v, strlen(v))
			                               : template_html_escape(out, v, strlen(v))) != BUF_OK)
				goto too_big;
			i++;
			break;
		case OP_SECTION:
			v = values[op->a];
			i = v != NULL && *v != '\0' ? i + 1 : op->b;
			break;
		case OP_INVERTED:
			v = values[op->a];
			i = v != NULL && *v != '\0' ? op->b : i + 1;
			break;
		default:
			abort();
		}
	}
	return BUF_OK;
too_big:
	buf_truncate(out, start);
	return BUF_TOO_BIG;
}

int
template_render(const struct template *t, const char *const *values, struct buf *out)
{
	return render(t, values, NULL, out, NULL, NULL);
}

int
template_render_holes(const struct template *t, const char *const *values,
                      const unsigned char *is_hole, struct buf *out,
                      struct template_hole **holes, size_t *nholes)
{
	*holes = NULL;
	*nholes = 0;
	if (render(t, values, is_hole, out, holes, nholes) == BUF_OK)
		return BUF_OK;
	free(*holes);
	*holes = NULL;
	*nholes = 0;
	return BUF_TOO_BIG;
}

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	free(t->ops);
	free(t->text);
	free(t);
}

/* advance - count the newlines up to pos, so c->line is the line of src[pos]. */
static void
advance(struct compiler *c, size_t pos)
{
	const char *p = c->src + c->counted, *end = c->src + pos, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c->line++;
		p = nl + 1;
		c->line_start = (size_t)(p - c->src);
	}
	c->counted = pos;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* quote_len - how much of a name an error message shows; see ERR_NAME_MAX. */
static int
quote_len(size_t n)
{
	return n > ERR_NAME_MAX ? ERR_NAME_MAX : (int)n;
}

static void
add_op(struct compiler *c, enum op_kind kind, uint32_t a, uint32_t b)
{
	struct template *t = c->t;

	if (t->nops == c->ops_cap) {
		c->ops_cap = c->ops_cap ? c->ops_cap * 2 : 16;
		t->ops = xrealloc(t->ops, c->ops_cap * sizeof(*t->ops));
	}
	t->ops[t->nops].kind = (uint8_t)kind;
	t->ops[t->nops].a = a;
	t->ops[t->nops].b = b;
	t->nops++;
}

/*
 * add_text - append src[from .. to) as literal output.  Text is copied in
 * source order, so text that follows text (around a comment or a dropped
 * line) grows the previous op instead of adding one, unless a section ends
 * between them: the section's jump lands on the later text.
 */
static void
add_text(struct compiler *c, size_t from, size_t to)
{
	struct template *t = c->t;
	size_t n = to - from;

	if (n == 0)
		return;
	memcpy(t->text + c->text_len, c->src + from, n);
	if (t->nops > c->barrier && t->ops[t->nops - 1].kind == OP_TEXT)
		t->ops[t->nops - 1].b += (uint32_t)n;
	else
		add_op(c, OP_TEXT, (uint32_t)c->text_len, (uint32_t)n);
	c->text_len += n;
}

/* find_close - offset of the next "}}" at or after from; stops at a newline unless multiline. */
static int
find_close(const struct compiler *c, size_t from, int multiline, size_t *at)
{
	const char *s = c->src;

	for (size_t i = from; i + 1 < c->len; i++) {
		if (s[i] == '}' && s[i + 1] == '}') {
			*at = i;
			return 0;
		}
		if (s[i] == '\n' && !multiline)
			return -1;
	}
	return -1;
}

/* scan_tag - parse the tag that starts at tag->start ("{{"); fill in the rest of tag. */
static int
scan_tag(struct compiler *c, struct tag *tag)
{
	const char *s = c->src;
	size_t q = tag->start + 2, close, name_end;
	int triple = 0;
	char sigil = 0;

	if (q < c->len && s[q] == '{') {
		triple = 1;
		q++;
	}
	while (q < c->len && is_blank(s[q]))
		q++;
	if (!triple && q < c->len && s[q] != '\0' && strchr("#^/!&>=", s[q]) != NULL)
		sigil = s[q++];
	if (find_close(c, q, sigil == '!', &close) < 0)
		return error_set(c->err, "line %zu: unterminated tag", tag->line);
	tag->end = close + 2;
	if (triple) {
		if (tag->end >= c->len || s[tag->end] != '}')
			return error_set(c->err, "line %zu: unterminated tag ({{{ needs }}})",
			                 tag->line);
		tag->end++;
	}
	switch (sigil) {
	case '!':
		tag->kind = TAG_COMMENT;
		return 0;
	case '>':
		return error_set(c->err, "line %zu: partials ({{>...}}) are not supported",
		                 tag->line);
	case '=':
		return error_set(c->err,
		                 "line %zu: delimiter changes ({{=...=}}) are not supported",
		                 tag->line);
	case '#':
		tag->kind = TAG_SECTION;
		break;
	case '^':
		tag->kind = TAG_INVERTED;
		break;
	case '/':
		tag->kind = TAG_CLOSE;
		break;
	case '&':
		tag->kind = TAG_RAW;
		break;
	default:
		tag->kind = triple ? TAG_RAW : TAG_VAR;
		break;
	}
	while (q < close && is_blank(s[q]))
		q++;
	name_end = close;
	while (name_end > q && is_blank(s[name_end - 1]))
		name_end--;
	if (name_end == q)
		return error_set(c->err, "line %zu: empty tag", tag->line);
	tag->name = s + q;
	tag->name_len = name_end - q;
	return 0;
}

/*
 * standalone - whether tag is alone on its line but for blanks (Mustache's
 * "standalone" rule), so the whole line, newline included, is not output.
 * On success *text_end is where the text before it stops (the line start)
 * and *next where the text after it starts (past the newline).  lit is where
 * the pending text starts: after the previous tag, so if that is past the
 * line start, another tag shares the line.
 */
static int
standalone(const struct compiler *c, const struct tag *tag, size_t lit, size_t *text_end,
           size_t *next)
{
	const char *s = c->src;
	size_t p;

	if (tag->kind == TAG_VAR || tag->kind == TAG_RAW || lit > c->line_start)
		return 0;
	for (p = c->line_start; p < tag->start; p++)
		if (!is_blank(s[p]))
			return 0;
	for (p = tag->end; p < c->len && is_blank(s[p]); p++)
		continue;
	if (p < c->len && s[p] == '\n')
		p++;
	else if (p + 1 < c->len && s[p] == '\r' && s[p + 1] == '\n')
		p += 2;
	else if (p < c->len)
		return 0;
	*text_end = c->line_start;
	*next = p;
	return 1;
}

static int
lookup(struct compiler *c, const struct tag *tag, uint32_t *index)
{
	for (size_t i = 0; i < c->nvars; i++)
		if (strlen(c->names[i]) == tag->name_len &&
		    memcmp(c->names[i], tag->name, tag->name_len) == 0) {
			*index = (uint32_t)i;
			return 0;
		}
	return error_set(c->err, "line %zu: unknown variable '%.*s'%s", tag->line,
	                 quote_len(tag->name_len), tag->name,
	                 tag->name_len > ERR_NAME_MAX ? "..." : "");
}

/* emit - the op for tag, with the section bookkeeping. */
static int
emit(struct compiler *c, const struct tag *tag)
{
	struct open_section *o;
	uint32_t index = 0;

	switch (tag->kind) {
	case TAG_COMMENT:
		return 0;
	case TAG_VAR:
	case TAG_RAW:
		if (lookup(c, tag, &index) < 0)
			return -1;
		add_op(c, tag->kind == TAG_VAR && c->esc == TEMPLATE_HTML ? OP_HTML : OP_RAW, index,
		       0);
		return 0;
	case TAG_SECTION:
	case TAG_INVERTED:
		if (lookup(c, tag, &index) < 0)
			return -1;
		if (c->depth == TEMPLATE_MAX_DEPTH)
			return error_set(c->err, "line %zu: sections nested deeper than %d",
			                 tag->line, TEMPLATE_MAX_DEPTH);
		o = &c->open[c->depth++];
		o->op = (uint32_t)c->t->nops;
		o->line = tag->line;
		o->name = tag->name;
		o->name_len = tag->name_len;
		/* The end is filled in by the matching close. */
		add_op(c, tag->kind == TAG_SECTION ? OP_SECTION : OP_INVERTED, index, 0);
		return 0;
	case TAG_CLOSE:
		if (c->depth == 0)
			return error_set(c->err, "line %zu: {{/%.*s}} closes no open section",
			                 tag->line, quote_len(tag->name_len), tag->name);
		o = &c->open[c->depth - 1];
		if (o->name_len != tag->name_len || memcmp(o->name, tag->name, o->name_len) != 0)
			return error_set(c->err,
			                 "line %zu: {{/%.*s}} closes '%.*s' (opened on line %zu)",
			                 tag->line, quote_len(tag->name_len), tag->name,
			                 (int)o->name_len, o->name, o->line);
		c->t->ops[o->op].b = (uint32_t)c->t->nops;
		c->barrier = c->t->nops;
		c->depth--;
		return 0;
	}
	abort();
}

/* next_open - offset of the next "{{" at or after from, or len. */
static size_t
next_open(const struct compiler *c, size_t from)
{
	const char *s = c->src, *p;

	while (from + 1 < c->len && (p = memchr(s + from, '{', c->len - from - 1)) != NULL) {
		from = (size_t)(p - s);
		if (s[from + 1] == '{')
			return from;
		from++;
	}
	return c->len;
}

static int
compile(struct compiler *c)
{
	size_t lit = 0, pos = 0, text_end, next;
	/* Zeroed because gcc -O3 cannot see that error_set() always returns -1. */
	struct tag tag = {0};

	while ((pos = next_open(c, pos)) < c->len) {
		advance(c, pos);
		tag.start = pos;
		tag.line = c->line;
		if (scan_tag(c, &tag) < 0)
			return -1;
		if (standalone(c, &tag, lit, &text_end, &next)) {
			add_text(c, lit, text_end);
			lit = next;
		} else {
			add_text(c, lit, tag.start);
			lit = tag.end;
		}
		if (emit(c, &tag) < 0)
			return -1;
		pos = tag.end;
	}
	add_text(c, lit, c->len);
	if (c->depth > 0) {
		const struct open_section *o = &c->open[c->depth - 1];

		/* A final newline ends the last line; it does not start another. */
		advance(c, c->len);
		return error_set(c->err,
		                 "line %zu: section '%.*s' is never closed (opened on line %zu)",
		                 c->line - (c->len > 0 && c->src[c->len - 1] == '\n'),
		                 (int)o->name_len, o->name, o->line);
	}
	return 0;
}

int
template_compile(const char *src, size_t len, enum template_escape esc,
                 const char *const *var_names, size_t nvars, struct template **out,
                 struct error *err)
{
	struct compiler c;

	*out = NULL;
	if (len > TEMPLATE_SRC_MAX)
		return error_set(err, "template larger than %u bytes", TEMPLATE_SRC_MAX);
	if (nvars > UINT32_MAX)
		return error_set(err, "too many template variables");
	memset(&c, 0, sizeof(c));
	c.src = src;
	c.len = len;
	c.names = var_names;
	c.nvars = nvars;
	c.esc = esc;
	c.line = 1;
	c.err = err;
	c.t = xcalloc(1, sizeof(*c.t));
	/* The literal text is never longer than the source. */
	c.t->text = xmalloc(len);
	if (compile(&c) < 0) {
		template_free(c.t);
		return -1;
	}
	c.t->text = xrealloc(c.t->text, c.text_len);
	*out = c.t;
	return 0;
}
