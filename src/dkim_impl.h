/*
 * dkim_impl - what dkim.c and dkim_key.c share; no other module includes it.
 */
#ifndef OUTREACH_DKIM_IMPL_H
#define OUTREACH_DKIM_IMPL_H

#include <openssl/evp.h>

#include "dkim.h"

enum { DKIM_KEY_FILE_MAX = 64 << 10 }; /* a PEM key file; a 16384-bit RSA key is ~13 KB */

/*
 * dkim_key_load - the private key in path, of type want (or either); its
 * type into *type.  Refuses RSA keys under DKIM_RSA_MIN_BITS.
 */
EVP_PKEY *dkim_key_load(const char *path, int want, int *type, struct error *err);

#endif
