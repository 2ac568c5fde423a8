/*
 * doctor - `outreach doctor`: a table of checks of a set-up, each reporting
 * ok, warn or fail with the fix, so an operator learns what is wrong before
 * the first campaign does.
 *
 * The checks, in order: the configuration, file permissions (secret and
 * password files 0600; spool, outbox and database directories writable),
 * the database (PRAGMA integrity_check, schema version), the transport (an
 * SMTP relay greeted and authenticated without sending mail, or the
 * Maildir outbox writable), the bounce mailbox (IMAP login), the templates
 * (each compiles, and mail to a list shows a visible unsubscribe link), and
 * the web side ([web] base_url/healthz answers 200).  A check never
 * changes anything but a probe file it removes again.  Adding one is
 * adding a function and a row to the table in doctor.c.
 */
#ifndef OUTREACH_DOCTOR_H
#define OUTREACH_DOCTOR_H

#include <stdio.h>

#include "config.h"

/*
 * doctor_run - run every check against cfg (read from config_path, NULL
 * for the built-in defaults), one line per finding on fp, then a summary.
 * Returns the number of failures.
 */
int doctor_run(const struct config *cfg, const char *config_path, FILE *fp);

#endif
