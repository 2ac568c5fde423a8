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
 * markdown_render - *html and *text are allocated (caller frees).  -1 with
 * err set and both NULL for input over 1 MB or not UTF-8 (naming the line),
 * or text that would be absurdly large (deep nesting).
 */
int markdown_render(const char *md, size_t len, int allow_html, char **html, char **text,
                    struct error *err);

#endif
