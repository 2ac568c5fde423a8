/*
 * markdown_impl - private to the markdown module (markdown*.c): the kinds of
 * the extensions' nodes, URL safety, and the two renderers of a parsed
 * document.  No other module includes this file, so cmark-gfm stays inside
 * the module.
 */
#ifndef OUTREACH_MARKDOWN_IMPL_H
#define OUTREACH_MARKDOWN_IMPL_H

#include <cmark-gfm.h>

#include "buf.h"
#include "markdown.h"

/* The extensions' node kinds (their type numbers are assigned at run time). */
enum md_kind { MD_CORE, MD_TABLE, MD_ROW, MD_CELL, MD_STRIKE };

/* md_kind - which of enum md_kind node is. */
int md_kind(cmark_node *node);

/* md_prefix_ci - whether s starts with prefix (lower case), ignoring ASCII case. */
int md_prefix_ci(const char *s, const char *prefix);

/*
 * md_url_unsafe - whether url is never made a link or image: javascript:,
 * vbscript:, file: and data: (in any case, after leading blanks), except
 * data:image/png, gif, jpeg and webp for an image.
 */
int md_url_unsafe(const char *url, int image);

/* md_table_align - 'l', 'r', 'c' or 0 for column col of table. */
char md_table_align(cmark_node *table, size_t col);

/*
 * md_render_html - the HTML body of doc into out (see markdown.h); image_src
 * is called from here.  -1 if out's ceiling was reached.
 */
int md_render_html(cmark_node *doc, const struct markdown_opts *o, struct buf *out);

/* md_render_text - the text body of doc into out; -1 if out's ceiling was reached. */
int md_render_text(cmark_node *doc, struct buf *out);

#endif
