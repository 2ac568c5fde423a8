/*
 * token - signed, tamper-evident tokens for links and return paths.
 *
 * A token names a purpose and up to three ids, and carries an HMAC-SHA256
 * of them under the site key (truncated to 128 bits), e.g.
 * "u-2n-1-0-mzxw6ytboi4tembqgeztmnzygayq": unsubscribe subscriber 95 from
 * the list of campaign 1.  Tokens use only lower-case letters, digits and '-', so they
 * survive in URLs and in the local part of a VERP address even where a mail
 * server changes case.  Verification recomputes the MAC and compares in
 * constant time; any change to any character makes it fail.
 */
#ifndef OUTREACH_TOKEN_H
#define OUTREACH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "secret.h"

enum token_purpose {
	TOKEN_UNSUBSCRIBE = 'u',   /* subscriber, campaign (whose list it is; 0: a preview) */
	TOKEN_PREFERENCES = 'p',   /* subscriber */
	TOKEN_CONFIRM = 'c',       /* subscriber, list */
	TOKEN_BOUNCE = 'b',        /* delivery (VERP) */
	TOKEN_EXPORT = 'x',        /* subscriber, time issued: a data export, for 24 hours */
	TOKEN_ERASE = 'e',         /* subscriber, time issued: erasure, for 24 hours */
	TOKEN_FORM = 'f',          /* subscriber: the preference form's CSRF token */
	TOKEN_REPORT = 'r',        /* campaign, time issued: its report page, for 24 hours */
};
enum { TOKEN_MAX = 96 };

struct token {
	int purpose;
	int64_t a, b, c;           /* ids, meaning by purpose; non-negative */
};

/* token_make - append the token for t to out. */
int token_make(const unsigned char key[SECRET_LEN], const struct token *t, struct buf *out);
/* token_verify - 0 and *t filled when s[0..n) is a genuine token, else -1. */
int token_verify(const unsigned char key[SECRET_LEN], const char *s, size_t n, struct token *t);

#endif
