/*
 * markdown_check - refuses, before cmark-gfm sees it, Markdown that would
 * cost it unbounded time or memory (see markdown.h for the list); names the
 * line at fault.  Pure: reads md, allocates nothing.
 *
 * Every cap is a phenomenon measured on the packaged library (Debian 12's
 * 0.29.0.gfm.6), which predates upstream's fixes in 0.29.0.gfm.7 to .13
 * (advisories GHSA-29g3-96g3-jg6c, GHSA-24f7-9frr-5h2r, GHSA-r572-jvj2-
 * 3m8p, GHSA-c944-cv5f-hpvr, GHSA-w4qg-3vf7-m9x5 and the GHSL reports in
 * them), timed at about 1 MB unless said:
 *
 * - Tables.  Every line that looks like a delimiter row ("|---|---|") makes
 *   the table extension parse the whole paragraph above it as a header row
 *   (GHSL-2022-089), walking back from the first cell of each line to the
 *   previous '|' (GHSL-2022-111): one delimiter row under 40,000 short
 *   lines took 1.1 s.  That work is modelled below (struct scan) and capped
 *   over the document.  A row's cells go into a list appended from its head
 *   (GHSL-2022-091): a row of 300,000 '|' took 4.9 s, hence 200 per line.
 *   Short rows are padded with empty cells (GHSL-2023-118): a header of
 *   1,000 columns over 100,000 one-cell rows took 74 s and 23 GB, hence 64
 *   columns and 2,000 rows.
 * - Autolinks.  Each "www." scans to the end of its word, again for every
 *   later "www." in it (GHSL-2022-099 with '_', GHSL-2022-120 with '<'):
 *   20,000 "www.a_" took 7 s; ')' ending a link are trimmed one by one, each
 *   time recounting the link's parentheses (GHSL-2022-110): 200,000 took
 *   11 s.  Each e-mail autolink copies the rest of its text (fixed with the
 *   "restart at '@'" change in GHSA-c944-cv5f-hpvr): 100,000 addresses on
 *   a line took 685 MB.
 * - The core parser.  Unclosed "<?", "<!X" and "<![CDATA[" each rescan the
 *   rest of the paragraph (GHSA-24f7-9frr-5h2r; cmark 0.30 had the fix):
 *   400,000 "<?" took 90 s.  Every link closes over all earlier image
 *   openers ("![[]()", GHSA-r572-jvj2-3m8p; cmark 0.30 too took 17 s):
 *   100,000 took 27 s.  Each use of a reference link copies its definition
 *   (GHSL-2022-109): a 500 KB definition used 150,000 times passed 23 GB in
 *   a minute.  Mixed runs of '_', '~' and '*' defeat the emphasis parser's
 *   bottom marks (GHSL-2022-090, and strikethrough's own delimiters):
 *   200,000 "_~*" lines in one paragraph took 35 s.
 *
 * What is accepted stays cheap: the worst documents under these caps parse
 * and render in under a second.
 */
#include "markdown.h"

#include <string.h>

#include "util.h"

enum {
	MARKDOWN_MAX = 1 << 20, /* input */
	NEST_MAX = 32,          /* containers a line may open or stand in (see check_line) */
	EMPH_RUN_MAX = 200,     /* one run of '*', '_' or '~' */
	TICK_RUN_MAX = 32,      /* one run of backticks */
	PIPE_MAX = 200,         /* '|' on one line */
	COLUMN_MAX = 64,        /* cells of a delimiter row */
	ROW_MAX = 2000,         /* table rows in the document */
	LINK_WORD_MAX = 16,     /* "www." and "://" in one word */
	PAREN_MAX = 64,         /* ')' in one word holding a link */
	BRACKET_MAX = 500,      /* '[' in one paragraph */
	DECL_MAX = 64,          /* "<?" and "<!X" in one paragraph */
	DELIM_MAX = 1000,       /* runs of '*', '_' or '~' in one paragraph */
};

/* Modelled work, in steps of the library's inner loops. */
#define AT_COST_MAX ((size_t)8 << 20)      /* '@' on a line times its length */
#define HEADER_SCAN_MAX ((size_t)64 << 20) /* table header scans, whole document */
#define REF_COPY_MAX ((size_t)16 << 20)    /* reference definitions copied by their uses */

/*
 * struct scan - what is carried from line to line.  A paragraph here is
 * approximated from above: the lines since the last blank line or list item
 * marker (a marker always starts a new paragraph; a lazy line never does).
 */
struct scan {
	size_t para_len;     /* bytes of the paragraph so far */
	size_t walk;         /* steps a header scan of it would take */
	size_t last_pipe;    /* offset in it just past its last '|', 0 if none */
	size_t brackets;     /* '[' in it */
	size_t decls;        /* "<?", "<!X" in it */
	size_t delims;       /* runs of '*', '_' and '~' that may open or close emphasis */
	int rows;            /* a delimiter row was seen since the last blank line */
	size_t def_len;      /* bytes since a reference definition began in the paragraph */
	int def;             /* one did */
	size_t table_rows;   /* in the document */
	size_t header_scan;  /* steps of all header scans so far */
	size_t all_brackets; /* '[' in the document: each may use a reference */
	size_t def_max;      /* the longest reference definition, as def_len bounds it */
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * check_line - why line s[0..n) is refused whatever surrounds it, or NULL.
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
	size_t i = 0, col = 0, depth = 0, run = 0, pipes = 0;
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
	for (i = 0; i < n; i++) {
		char c = s[i];

		pipes += c == '|';
		if (c == prev && (c == '*' || c == '_' || c == '~' || c == '`')) {
			run++;
			if (run > (c == '`' ? TICK_RUN_MAX : EMPH_RUN_MAX))
				return c == '`' ? "a run of more than 32 backticks"
				                : "a run of more than 200 '*', '_' or '~'";
		} else
			run = 1;
		prev = c;
	}
	if (pipes > PIPE_MAX)
		return "more than 200 '|' on one line (table cells)";
	return NULL;
}

/* count_at - occurrences of needle (nn bytes) in s[0..n). */
static size_t
count_at(const char *s, size_t n, const char *needle, size_t nn)
{
	size_t c = 0;

	for (size_t i = 0; i + nn <= n; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, nn) == 0)
			c++;
	return c;
}

/*
 * check_autolinks - why the autolink extension would take quadratic time or
 * memory over line s[0..n), or NULL.  Its scans stop only at white space, so
 * the unit is the word.
 */
static const char *
check_autolinks(const char *s, size_t n)
{
	size_t at = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i, links, parens = 0;

		while (j < n && !is_space(s[j])) {
			at += s[j] == '@';
			parens += s[j] == ')';
			j++;
		}
		links = count_at(s + i, j - i, "www.", 4) + count_at(s + i, j - i, "://", 3);
		if (links > LINK_WORD_MAX)
			return "more than 16 \"www.\" or \"://\" in one word";
		if (links > 0 && parens > PAREN_MAX)
			return "more than 64 ')' in one word with a link";
		while (j < n && is_space(s[j]))
			j++;
		i = j;
	}
	if (at > 1 && at > AT_COST_MAX / n)
		return "too many '@' for so long a line (e-mail autolinks): break the line";
	return NULL;
}

/*
 * delimiter_cells - the cells of s[0..n) if it is a table delimiter row
 * ("|:--|--:|", "-|-", ":-"), else 0; *pipe and *colon say whether it has
 * any.  Container markers ('>') and indentation are skipped first, as the
 * table extension only sees what is left.
 */
static size_t
delimiter_cells(const char *s, size_t n, int *pipe, int *colon)
{
	size_t i = 0, cells = 0;

	*pipe = *colon = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
		i++;
	if (i < n && s[i] == '|') {
		*pipe = 1;
		i++;
	}
	for (;;) {
		size_t dashes = 0;

		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			return cells;
		if (s[i] == ':') {
			*colon = 1;
			i++;
		}
		while (i < n && s[i] == '-') {
			dashes++;
			i++;
		}
		if (dashes == 0)
			return 0;
		if (i < n && s[i] == ':') {
			*colon = 1;
			i++;
		}
		while (i < n && is_space(s[i]))
			i++;
		cells++;
		if (i == n)
			return cells;
		if (s[i] != '|')
			return 0;
		*pipe = 1;
		i++;
	}
}

/* blank - whether s[0..n) ends paragraphs: nothing but blanks and quote markers. */
static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '>')
			return 0;
	return 1;
}

/*
 * item_start - whether s[0..n) starts a list item that would interrupt any
 * paragraph: a bullet or "1." / "1)" under four columns of indentation,
 * followed by text.
 */
static int
item_start(const char *s, size_t n)
{
	size_t i = 0, col = 0;

	for (;;) {
		if (i < n && s[i] == '>') {
			col = 0;
			i++;
		} else if (i < n && (s[i] == ' ' || s[i] == '\t')) {
			col += s[i] == '\t' ? 4 : 1;
			i++;
		} else
			break;
	}
	if (col >= 4 || i + 2 >= n)
		return 0;
	if (s[i] == '-' || s[i] == '+' || s[i] == '*')
		i++;
	else if (s[i] == '1' && (s[i + 1] == '.' || s[i + 1] == ')'))
		i += 2;
	else
		return 0;
	if (i >= n || (s[i] != ' ' && s[i] != '\t'))
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n;
}

/*
 * definition_start - whether s[0..n) may begin a link reference definition
 * ("[label]: url 'title'"): after container markers, a '[' whose label ends
 * in "]:" on this line or goes on to the next.
 */
static int
definition_start(const char *s, size_t n)
{
	size_t i = 0;
	const char *close;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
		i++;
	if (item_start(s, n)) {
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	if (i >= n || s[i] != '[')
		return 0;
	close = memchr(s + i, ']', n - i);
	return close == NULL || count_at(s + i, n - i, "]:", 2) > 0;
}

/*
 * check_blocks - why line s[0..n) is refused given the lines before it
 * (sc), or NULL; sc is updated.
 *
 * The header scan model: a delimiter row makes the table extension parse
 * the paragraph above it, cell by cell, and from the first cell of each
 * line not starting with '|' it walks back to the previous '|' (or the
 * paragraph's start); the cells of each line go into a list appended from
 * its head.  sc->walk sums those steps line by line; each delimiter row
 * costs walk plus the paragraph's length.  Whether the table really opens is
 * not decided here: every delimiter row is counted as a scan (a real table
 * has one, two lines into its paragraph, and costs next to nothing), and
 * every line after a delimiter row that cannot be a setext underline as a
 * table row until the next blank line.
 *
 * The reference model: every '[' may use a reference, and a definition is
 * no longer than the rest of its paragraph, so the copies are bounded by
 * the '[' in the document times the longest such rest.
 */
static const char *
check_blocks(struct scan *sc, const char *s, size_t n)
{
	size_t cells, pipes = 0, last = 0, lead = 0, brackets = 0;
	int pipe, colon;

	if (blank(s, n)) {
		sc->para_len = sc->walk = sc->last_pipe = sc->brackets = sc->decls = sc->delims = 0;
		sc->rows = sc->def = 0;
		sc->def_len = 0;
		return NULL;
	}
	if (item_start(s, n)) {
		sc->para_len = sc->walk = sc->last_pipe = sc->brackets = sc->decls = sc->delims = 0;
		sc->def = 0;
		sc->def_len = 0;
	}
	if (!sc->def && definition_start(s, n))
		sc->def = 1;
	if (sc->def) {
		sc->def_len += n + 1;
		sc->def_max = sc->def_len > sc->def_max ? sc->def_len : sc->def_max;
	}
	cells = delimiter_cells(s, n, &pipe, &colon);
	if (cells > COLUMN_MAX)
		return "a table of more than 64 columns";
	if (sc->rows && ++sc->table_rows > ROW_MAX)
		return "more than 2000 table rows in the document";
	if (cells > 0 && sc->para_len > 0) {
		sc->header_scan += sc->walk + sc->para_len;
		if (sc->header_scan > HEADER_SCAN_MAX)
			return "a table under too long a paragraph: put a blank line before the "
			       "table";
		/* "---" alone under a paragraph is a setext underline, not a table. */
		if (pipe || colon || memchr(s, '\v', n) || memchr(s, '\f', n))
			sc->rows = 1;
	}
	while (lead < n && (s[lead] == ' ' || s[lead] == '\t' || s[lead] == '>'))
		lead++;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|') {
			pipes++;
			last = i + 1;
		} else if (s[i] == '[')
			brackets++;
		else if ((s[i] == '*' || s[i] == '_' || s[i] == '~') &&
		         (i == 0 || s[i - 1] != s[i])) {
			size_t j = i;

			while (j < n && s[j] == s[i])
				j++;
			/* snake_case: a '_' inside a word neither opens nor closes. */
			sc->delims += !(s[i] == '_' && i > 0 && is_alnum(s[i - 1]) && j < n &&
			                is_alnum(s[j]));
		} else if (s[i] == '<' && i + 1 < n && s[i + 1] == '?')
			sc->decls++;
		else if (s[i] == '<' && i + 2 < n && s[i + 1] == '!' &&
		         (s[i + 2] == '[' ||
		          ((s[i + 2] | 0x20) >= 'a' && (s[i + 2] | 0x20) <= 'z')))
			sc->decls++; /* a declaration or CDATA; comments are scanned once */
	}
	sc->brackets += brackets;
	sc->all_brackets += brackets;
	if (sc->brackets > BRACKET_MAX)
		return "more than 500 '[' in one paragraph";
	if (sc->def_max > 0 && sc->all_brackets > REF_COPY_MAX / sc->def_max)
		return "a long link reference definition used too often: shorten it or use fewer";
	if (sc->decls > DECL_MAX)
		return "more than 64 \"<?\" or \"<!\" in one paragraph";
	if (sc->delims > DELIM_MAX)
		return "more than 1000 '*', '_' or '~' in one paragraph";
	if (lead >= n || s[lead] != '|')
		sc->walk += sc->para_len - sc->last_pipe;
	sc->walk += pipes * pipes / 2;
	if (last > 0)
		sc->last_pipe = sc->para_len + last;
	sc->para_len += n + 1;
	return NULL;
}

int
markdown_check(const char *md, size_t len, size_t *line, struct error *err)
{
	struct scan sc;
	size_t ln = 1;

	memset(&sc, 0, sizeof(sc));
	*line = 0;
	if (len > MARKDOWN_MAX)
		return error_setk(err, ERR_INPUT, "Markdown is %zu bytes, over the limit of %d",
		                  len, MARKDOWN_MAX);
	/* Lines end as cmark ends them: LF, CRLF or a lone CR. */
	for (size_t i = 0; i < len; ln++) {
		size_t e = i;
		const char *why;

		while (e < len && md[e] != '\n' && md[e] != '\r')
			e++;
		*line = ln;
		if (!utf8_valid(md + i, e - i))
			return error_setk(err, ERR_INPUT, "not valid UTF-8");
		if ((why = check_line(md + i, e - i)) != NULL ||
		    (why = check_autolinks(md + i, e - i)) != NULL ||
		    (why = check_blocks(&sc, md + i, e - i)) != NULL)
			return error_setk(err, ERR_INPUT, "%s", why);
		i = e < len && md[e] == '\r' && e + 1 < len && md[e + 1] == '\n' ? e + 2 : e + 1;
	}
	*line = 0;
	return 0;
}
