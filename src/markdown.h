/*
 * markdown - CommonMark (cmark) into the two bodies of a message.
 *
 * HTML: cmark's own renderer, safe by default (raw HTML becomes a comment
 * and javascript: links are dropped) unless the list allows raw HTML.
 * Text: a walk over cmark's node tree, because cmark has no plain-text
 * renderer and stripping HTML loses structure: headings are kept (ATX
 * "#" style), paragraphs are wrapped at 72 columns (characters, never inside
 * a word), lists keep their markers, block quotes their "> ", code blocks
 * are indented, images become "[image: alt]" and links become "text [1]"
 * with the numbered URLs listed at the end (one number per URL; autolinks
 * and mailto: links show the address instead; javascript:, vbscript:,
 * file: and data: links show only their text).  Raw HTML is left out of the
 * text unless allowed, then kept as written.  The text ends with exactly
 * one newline (an empty document gives "").
 */
#ifndef OUTREACH_MARKDOWN_H
#define OUTREACH_MARKDOWN_H

#include <stddef.h>

#include "util.h"

enum { MARKDOWN_WRAP = 72 };

/*
 * markdown_check - what markdown_render refuses before any rendering, so a
 * coordinator's file is refused at once and never costs the runner minutes
 * of CPU: over 1 MB, not UTF-8, quotes and lists nested over 32 deep, runs
 * of more than 200 '*', '_' or '~' or of 32 backticks.  -1 (ERR_INPUT) with
 * *line the 1-based line at fault (0: the whole text).
 */
int markdown_check(const char *md, size_t len, size_t *line, struct error *err);
/*
 * markdown_render - *html and *text are allocated (caller frees).  -1 with
 * err set and both NULL for what markdown_check refuses ("line N: ..."), or
 * text that would be absurdly large.
 */
int markdown_render(const char *md, size_t len, int allow_html, char **html, char **text,
                    struct error *err);

#endif
