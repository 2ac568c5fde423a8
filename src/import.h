/*
 * import - subscribers in and out as CSV.
 *
 * Import streams the file (one record in memory at a time), checks every row
 * and applies the valid ones in one transaction; a bad row is reported to the
 * reject callback as (line, reason) and skipped, never fatal.  Only a file
 * that cannot be read at all, or a bad header row, fails the whole import.
 * With dry_run the transaction is rolled back, so the counts are exact.
 * file names the input in messages ("FILE:LINE: reason") and in the
 * membership's source ("import:FILE").
 * Export writes the columns import reads (email,name,topics,digest,status,
 * suppressed),
 * with cells a spreadsheet would run as formulas neutralised (csv.h), and
 * import restores them, so an export imports back unchanged.
 */
#ifndef OUTREACH_IMPORT_H
#define OUTREACH_IMPORT_H

#include <stdio.h>

#include "config.h"
#include "store.h"

enum { IMPORT_MAX_FIELD = 4096, IMPORT_MAX_NAME = 256 };

struct import_stats {
	long imported, updated, unchanged, rejected;
	long suppressed;           /* rows marked suppressed: kept (or made) suppressed, not added */
	long confirm_requests;     /* new unconfirmed members asked to confirm by mail */
};

typedef void (*import_reject_fn)(unsigned long line, const char *reason, void *arg);

int import_csv(struct store *st, const struct config *cfg, FILE *in, const char *file,
               const char *list_slug,
               int confirmed, int dry_run, import_reject_fn reject, void *arg,
               struct import_stats *stats, struct error *err);
int export_csv(struct store *st, const char *list_slug, int status, FILE *out,
               struct error *err);

#endif
