/*
 * maildir - the embedded transport: each message becomes one file in a
 * Maildir (tmp/ then rename(2) into new/), as a local delivery agent would
 * write it: LF line ends and a Return-Path header with the envelope sender.
 * A message is either whole in new/ or absent.
 */
#ifndef OUTREACH_MAILDIR_H
#define OUTREACH_MAILDIR_H

#include <stddef.h>

#include "util.h"

/* maildir_create - make dir/tmp, dir/new and dir/cur. */
int maildir_create(const char *dir, struct error *err);
/*
 * maildir_deliver - write msg[0..len) (CRLF or LF) into dir/new.  With
 * name_out, the file's name (caller frees).
 */
int maildir_deliver(const char *dir, const char *envelope_from, const char *msg, size_t len,
                    char **name_out, struct error *err);

#endif
