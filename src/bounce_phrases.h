/*
 * bounce_phrases - the phrase tables bounce_rules reads (bounce_phrases.c).
 * Internal to the bounce parser.
 */
#ifndef OUTREACH_BOUNCE_PHRASES_H
#define OUTREACH_BOUNCE_PHRASES_H

#include <stddef.h>

#include "bounce_rules.h"

enum { BRULES_TABLE_MAX = 256 }; /* rows bounce_rules can index */

/* The failure phrases, first match wins; brules_table_len rows. */
extern const struct bounce_rule brules_table[];
extern const size_t brules_table_len;
/* Pattern lists, each NULL-terminated: away messages, delay warnings, final failures. */
extern const char *const brules_autoreply_texts[];
extern const char *const brules_delay_texts[];
extern const char *const brules_final_texts[];
/* Subject pattern lists (folded subjects): away messages, failure notices, delay warnings. */
extern const char *const brules_autoreply_subjects[];
extern const char *const brules_bounce_subjects[];
extern const char *const brules_delay_subjects[];

#endif
