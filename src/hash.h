/*
 * hash - SHA-256 of a byte string, as lower-case hex (OpenSSL libcrypto).
 * Used to recognise the same content seen twice: a bounce fetched again, a
 * spool file dropped under a second name.
 */
#ifndef OUTREACH_HASH_H
#define OUTREACH_HASH_H

#include <stddef.h>

enum { HASH_HEX_LEN = 64 };

/* hash_sha256_hex - out holds 64 hex digits and a NUL. */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

#endif
