/*
 * imap - the mailbox bounces come back to, through libetpan.
 *
 * TLS is OpenSSL's, under libetpan's stream: imaps:// connects with TLS,
 * imap:// requires STARTTLS.  The server certificate is verified against the
 * system's CAs (or ca_file) and the host name, because libetpan's own TLS
 * connect does not verify anything; tls_verify = off exists only for tests
 * and is logged loudly.  Messages are fetched with BODY.PEEK[] (never
 * marking them read), and disposed of (\Seen, then moved to a folder) only
 * when the caller says so, after it has stored the result.
 */
#ifndef OUTREACH_IMAP_H
#define OUTREACH_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct imap_params {
	const char *url;           /* imap://host:port/MAILBOX or imaps://... */
	const char *username, *password;
	int auth;                  /* enum imap_auth (config.h) */
	int tls_verify;
	const char *ca_file;       /* NULL or "": the system's CAs */
	long timeout;              /* seconds for any one exchange */
};

struct imap;

int imap_open(const struct imap_params *p, struct imap **out, struct error *err);
void imap_close(struct imap *m);
/* imap_ensure_folder - create a folder if it does not exist. */
int imap_ensure_folder(struct imap *m, const char *folder, struct error *err);
/* imap_unseen - UIDs of unseen messages in the mailbox (caller frees *uids). */
int imap_unseen(struct imap *m, uint32_t **uids, size_t *n, struct error *err);
/* imap_fetch - the whole message, refusing one over max bytes (*len set, *data NULL). */
int imap_fetch(struct imap *m, uint32_t uid, size_t max, char **data, size_t *len,
               struct error *err);
/* imap_dispose - flag the n messages uids \Seen and move them to folder, in one exchange each. */
int imap_dispose(struct imap *m, const uint32_t *uids, size_t n, const char *folder,
                 struct error *err);
/* imap_wait - IDLE for up to seconds where the server has it, else sleep. */
int imap_wait(struct imap *m, int seconds, int wake_fd, struct error *err);
/* imap_has_idle - whether the server offered IDLE. */
int imap_has_idle(const struct imap *m);

#endif
