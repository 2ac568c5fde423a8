/*
 * markdown - GitHub-flavoured Markdown (cmark-gfm, with the table,
 * strikethrough and autolink extensions) into the two bodies of a message.
 *
 * HTML: written here, not by cmark, so that every element is one mail
 * clients render (compose adds inline styles by tag): <p>, <h1>..<h6>,
 * <ul>/<ol>/<li>, <blockquote>, <pre><code>, <hr />, <br />, <em>, <strong>,
 * <del>, <code>, <a href=...>, <img ... />, and tables as
 * <table class="md-table" ...> whose <th> and <td> carry their own inline
 * styles (padding, a 1px #d9e2ec border, text-align from the column,
 * vertical-align:top; <th> bold on #f0f4f8) and no widths, so a template's
 * media query may stack .md-table cells on a phone; each <td> carries
 * data-label="its column's header text" for the stacked cell to show.  Raw HTML, when the list
 * does not allow it, is escaped: the reader sees exactly what was written
 * (a block as a paragraph, line by line), never a deletion; when allowed it
 * passes through.  Links and images to javascript:, vbscript:, file: and
 * data: URLs are never made (an image may be data:image/png, gif, jpeg or
 * webp): the link shows its text, the image its alt text.
 *
 * Text: headings are kept (ATX "#" style), paragraphs are wrapped at 72
 * columns (characters, never inside a word), lists keep their markers, block
 * quotes their "> ", code blocks are indented, images become "[image: alt]",
 * struck-through text is kept, and links become "text [1]" with the numbered
 * URLs listed at the end (one number per URL; autolinks, <https://...> and
 * www.example.org alike, show the URL as written and need no number; mailto:
 * links show the address; javascript:, vbscript:, file: and data: links show
 * only their text).  A table becomes aligned columns, padded to their widest
 * cell in characters, under a header underline of '-', each column aligned
 * as its delimiter row says; a table wider than MARKDOWN_WRAP*2 columns
 * becomes one "Header: value" line per cell instead, records separated by
 * blank lines.  Raw HTML is kept as written, allowed or not.  The text ends
 * with exactly one newline (an empty document gives "").
 */
#ifndef OUTREACH_MARKDOWN_H
#define OUTREACH_MARKDOWN_H

#include <stddef.h>

#include "util.h"

enum {
	MARKDOWN_WRAP = 72,
	MARKDOWN_WARN_MAX = 100, /* warn calls for one document, see markdown_opts */
};

/*
 * markdown_opts - how to render one document; markdown_render takes NULL
 * for "no raw HTML, no callbacks".
 *
 * warn: one call per warning, in document order; line is 1-based in md
 * (lines end at LF, CRLF or a lone CR, as cmark counts them), what is one
 * line of text valid only during the call.  The warnings are
 *   "raw HTML is shown as text: <div>..." (only when allow_html is 0; the
 *     HTML as written, its first line, cut at 60 characters)
 *   "image without alt text: URL" (the URL as written, cut at 100)
 * After MARKDOWN_WARN_MAX warnings one more call says how many were left out
 * (with the line of the first of those), and then no more.
 *
 * image_src: called for each image that will be an <img> (not for those
 * inside another image's alt text, nor for empty or unsafe URLs), in
 * document order, possibly several times for one URL, with the URL as
 * cmark reads it (entities and backslash escapes resolved, %XX kept).  It
 * returns the src to write (e.g. "cid:..." for a local file), allocated
 * with malloc (markdown frees it), or NULL to keep the URL as written.  The
 * text body is not affected.
 */
struct markdown_opts {
	int allow_html;
	void (*warn)(size_t line, const char *what, void *arg);
	char *(*image_src)(const char *url, void *arg);
	void *arg;
};

/*
 * markdown_check - what markdown_render refuses before any parsing, so a
 * coordinator's file is refused at once and never costs the runner minutes
 * of CPU or gigabytes of memory: over 1 MB, not UTF-8, quotes and lists
 * nested over 32 deep, runs of more than 200 '*', '_' or '~' or of 32
 * backticks, and the inputs on which the packaged cmark-gfm (0.29.0.gfm.6)
 * takes quadratic time or memory (markdown_check.c says which and why):
 * tables (a line with over 200 '|', a table of over 64 columns, over 2,000
 * table rows in the document, a delimiter row under too long a paragraph),
 * autolinks (a word with over 16 "www." or "://", a word with a link and
 * over 64 ')', many '@' on a long line), and in one paragraph over 500 '[',
 * over 1,000 '*', '_' or '~' or over 64 "<?" or "<!"; a long reference
 * definition with many '[' that may use it.  -1 (ERR_INPUT) with *line the
 * 1-based line at fault (0: the whole text; lines end at LF, CRLF or CR).
 */
int markdown_check(const char *md, size_t len, size_t *line, struct error *err);

/*
 * markdown_render - *html and *text are allocated (caller frees).  -1 with
 * err set and both NULL for what markdown_check refuses ("line N: ..."), or
 * bodies that would be absurdly large.  o may be NULL.
 */
int markdown_render(const char *md, size_t len, const struct markdown_opts *o, char **html,
                    char **text, struct error *err);

#endif
