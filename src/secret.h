/*
 * secret - the site key that signs every link in every message.
 *
 * The key is 32 bytes from the kernel CSPRNG, stored hex-encoded in the
 * secret file, created mode 0600 by `outreach init` and never overwritten.
 */
#ifndef OUTREACH_SECRET_H
#define OUTREACH_SECRET_H

#include <stddef.h>

#include "util.h"

enum { SECRET_LEN = 32 };

/* secret_create - make the key file if missing; 1 if made, 0 if it was there. */
int secret_create(const char *path, struct error *err);
/* secret_load - read the key; refuses a file readable by group or others. */
int secret_load(const char *path, unsigned char key[SECRET_LEN], struct error *err);

#endif
