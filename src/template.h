/*
 * template - the small template language of the files in templates/ (.html, .txt).
 *
 *   {{name}}               the value of name; HTML-escaped in an HTML template
 *   {{{name}}} {{& name}}  the value, never escaped (for pre-rendered HTML)
 *   {{#name}}...{{/name}}  the inside, when name has a non-empty value
 *   {{^name}}...{{/name}}  the inside, when it has not
 *   {{! comment }}         nothing; may span lines
 *
 * Blanks are allowed inside a tag ({{ name }}, {{# name }}).  A section
 * closes only with its own name; there are no lists, partials or delimiter
 * changes.  A section, inverted, close or comment tag that is alone on its
 * line but for blanks takes the whole line with it, newline (LF or CRLF)
 * included, as Mustache's "standalone" rule says, so templates can put them
 * on lines of their own without leaving blank lines in the output.
 *
 * A template is compiled once against a fixed table of variable names, so a
 * misspelt variable is an error at compile time ("line 12: unknown variable
 * 'nmae'") and rendering is a walk over ready-made pieces with values looked
 * up by index: no parsing and no allocation beyond the output buffer, since
 * it runs once per recipient.
 */
#ifndef OUTREACH_TEMPLATE_H
#define OUTREACH_TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "util.h"

enum template_escape { TEMPLATE_HTML, TEMPLATE_TEXT };
enum { TEMPLATE_MAX_DEPTH = 16 };

struct template;

/*
 * template_compile - compile src[0..len) (UTF-8).  var_names[0..nvars) are
 * the variables it may use.  Errors (-1, err set) name the line: an unknown
 * variable, an unclosed or mismatched section, an unterminated tag, an empty
 * name, sections nested deeper than TEMPLATE_MAX_DEPTH.  *out is NULL on
 * failure.  A compiled template holds no pointer into src or var_names.
 */
int template_compile(const char *src, size_t len, enum template_escape esc,
                     const char *const *var_names, size_t nvars, struct template **out,
                     struct error *err);
/*
 * template_render - append the output to out; values[i] is the value of
 * var_names[i] (NULL counts as empty).  Returns BUF_OK, or BUF_TOO_BIG with
 * out as it was before the call.  t is not changed, so one template may be
 * rendered by any number of threads at once.
 */
int template_render(const struct template *t, const char *const *values, struct buf *out);
/*
 * template_render_holes - render t like template_render, except that each
 * variable whose is_hole[index] is set is left out and its place recorded
 * (offset in out, the variable, whether it is HTML-escaped) in *holes
 * (caller frees; *nholes of them).  Sections still read values[], so the
 * caller renders once per pattern of empty and non-empty hole values.  This
 * is how a campaign renders once what is the same for every recipient.
 */
struct template_hole {
	size_t at;
	unsigned var;
	int escape;
};
int template_render_holes(const struct template *t, const char *const *values,
                          const unsigned char *is_hole, struct buf *out,
                          struct template_hole **holes, size_t *nholes);
void template_free(struct template *t);
/*
 * template_html_escape - append s[0..n) escaped for HTML text and quoted
 * attributes (& < > " ' become entities).  BUF_TOO_BIG leaves out as it was.
 */
int template_html_escape(struct buf *out, const char *s, size_t n);

#endif
