/*
 * campaign - what a document must satisfy to become a campaign, and the
 * composer set up for it.  The CLI (preview, send) and the spool ingester
 * call the same two functions, so a file dropped into the spool is checked
 * exactly like one given to `outreach send`, with the same messages.
 */
#ifndef OUTREACH_CAMPAIGN_H
#define OUTREACH_CAMPAIGN_H

#include <stdint.h>

#include "compose.h"
#include "config.h"
#include "frontmatter.h"
#include "store.h"

/*
 * campaign_check - the list (filled into *list) and the topic must exist,
 * and the templates must compile: errors name FILE:LINE and the key.
 */
int campaign_check(struct store *st, const struct config *cfg, const struct doc *doc,
                   struct list_info *list, struct error *err);
/* What a composer may need beyond the document: all optional (x may be NULL). */
struct campaign_extra {
	const char *calendar;      /* a VCALENDAR to attach (a digest's events) */
	const struct compose_files *files; /* where the document's local files come from */
	compose_warn_fn warn;      /* told what the reader will not see as written */
	void *warn_arg;
	int test;                  /* a test copy (send --test) */
};

/*
 * campaign_composer - compose_prepare for doc on list, with the site key;
 * kind is the campaign's ("newsletter", "notice", "digest", "confirm",
 * "probe", "export", "erase"; NULL for list mail).
 */
int campaign_composer(const struct config *cfg, const struct doc *doc,
                      const struct list_info *list, int64_t campaign_id, const char *kind,
                      const struct campaign_extra *x, struct compose_campaign **out,
                      struct error *err);

#endif
