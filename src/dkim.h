/*
 * dkim - DomainKeys Identified Mail signatures (RFC 6376, RFC 8463).
 *
 * A signer holds one or two private keys, each with its domain (d=) and
 * selector (s=): RSA-SHA256 and Ed25519-SHA256.  dkim_sign puts one
 * DKIM-Signature field per key in front of a composed message, with
 * relaxed/relaxed canonicalisation, over From, To, Subject, Date,
 * Message-ID, MIME-Version, Content-Type, List-Id, List-Unsubscribe,
 * List-Unsubscribe-Post and Reply-To when present; From and the List-*
 * fields are signed once more than they occur ("over-signed"), so a relay
 * that adds another of them breaks the signature instead of borrowing it.
 *
 * A signer does not change once made, and is reference-counted: the
 * composer that made it and the signing threads that use it each hold a
 * reference, and any number of threads may sign with it at once (every
 * call has its own digest and key contexts).
 *
 * Keys (dkim_key.c) are PEM files: "outreach dkim keygen" writes them (0600)
 * and prints the DNS TXT record to publish.  Errors name the file.
 * Canonicalisation and the field are outreach's own; OpenSSL's libcrypto
 * only hashes and signs.
 */
#ifndef OUTREACH_DKIM_H
#define OUTREACH_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "util.h"

enum dkim_key_type { DKIM_KEY_ANY, DKIM_KEY_RSA, DKIM_KEY_ED25519 };

enum {
	DKIM_RSA_BITS = 2048,      /* what keygen makes */
	DKIM_RSA_MIN_BITS = 1024,  /* RFC 8301: verifiers ignore shorter keys */
	DKIM_MAX_KEYS = 2,
};

struct dkim;

/* dkim_check_selector - dot-separated labels of letters, digits and '-'. */
int dkim_check_selector(const char *selector, struct error *err);
/* dkim_check_key_file - the file holds a private key outreach can sign with. */
int dkim_check_key_file(const char *path, struct error *err);

/* dkim_new - an empty signer (one reference); dkim_add_key adds a key to it. */
struct dkim *dkim_new(void);
/*
 * dkim_add_key - sign also with the private key in key_file as d=domain,
 * s=selector.  want is the type the key must be (DKIM_KEY_ANY: either).
 * Errors (ERR_INPUT, ERR_IO) name the file.
 */
int dkim_add_key(struct dkim *d, const char *domain, const char *selector, const char *key_file,
                 int want, struct error *err);
struct dkim *dkim_ref(struct dkim *d);
void dkim_unref(struct dkim *d);

/*
 * dkim_sign - put the DKIM-Signature fields in front of msg (a whole
 * message with CRLF line ends), dated now.  msg is left as it was on error.
 */
int dkim_sign(const struct dkim *d, struct buf *msg, int64_t now, struct error *err);

/* Canonicalisation (RFC 6376 3.4), exposed for the tests. */
/* dkim_canon_header - relaxed form of one field (name, colon, value with folds), CRLF ended. */
int dkim_canon_header(const char *field, size_t len, struct buf *out);
/* dkim_canon_body - relaxed form of a body (CRLF line ends). */
int dkim_canon_body(const char *body, size_t len, struct buf *out);

/* dkim_sign_data - b='s value for canonical header data with key i (for known-answer tests). */
int dkim_sign_data(const struct dkim *d, int i, const char *data, size_t len, struct buf *out);

/* Keys (dkim_key.c). */
/*
 * dkim_keygen - a new private key of type (DKIM_KEY_RSA: 2048 bits, or
 * DKIM_KEY_ED25519) written to path (created 0600, never over an existing
 * file), and its DNS TXT record value ("v=DKIM1; k=...; p=...") into txt.
 */
int dkim_keygen(int type, const char *path, struct buf *txt, struct error *err);
/* dkim_key_txt - the TXT record value for the private key in path; its type into *type. */
int dkim_key_txt(const char *path, struct buf *txt, int *type, struct error *err);
/*
 * dkim_txt_matches - whether a published TXT record (its strings joined)
 * carries the public key of the private key in path: 1 yes, 0 no (why
 * says what differs), -1 with err when the key file cannot be read.
 */
int dkim_txt_matches(const char *path, const char *record, const char **why,
                     struct error *err);

#endif
