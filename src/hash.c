/*
 * hash - SHA-256 as hex.  See hash.h.
 */
#include "hash.h"

#include <openssl/sha.h>

void
hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[HASH_HEX_LEN] = '\0';
}
