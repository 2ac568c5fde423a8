/*
 * man - troff for the manual pages that outreach prints about itself:
 * outreach(1) from the command table (cli.c) and outreach.conf(5) from the
 * key table (config.c), so a page cannot drift from what it documents.
 */
#ifndef OUTREACH_MAN_H
#define OUTREACH_MAN_H

#include <stdio.h>

/* man_header - the .TH line of page title(section). */
void man_header(FILE *fp, const char *title, const char *section);
/*
 * man_text - s as troff text: backslashes and hyphens escaped, a line
 * that would start with a control character ('.' or '\'') made plain.
 * Line breaks in s are kept (troff fills them into the paragraph).
 */
void man_text(FILE *fp, const char *s);

#endif
