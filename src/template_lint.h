/*
 * template_lint - what a template shows its reader, read from its source:
 * whether a link (the unsubscribe link above all, which the law and the
 * mailbox providers ask for) is where a reader can see and follow it.
 *
 * Pure functions of the template's text; outreach doctor runs them over
 * every template that mail to a list is made from.
 */
#ifndef OUTREACH_TEMPLATE_LINT_H
#define OUTREACH_TEMPLATE_LINT_H

#include <stddef.h>

#include "util.h"

/*
 * template_lint_link - whether src[0..len) shows the variable var
 * ("unsubscribe_url") to its reader.  In a text template ({{var}} outside
 * a {{! comment }}) anywhere.  In an HTML template as the href of an <a>
 * with text of its own, outside comments, <head>, <style>, <script> and
 * <title>, and in no element hidden by a hidden attribute or a style of
 * display:none, visibility:hidden, font-size:0 or opacity:0.  0 when it
 * does; -1 (ERR_INPUT) with the reason and the line otherwise.
 */
int template_lint_link(const char *src, size_t len, int html, const char *var,
                       struct error *err);

#endif
