/*
 * buf - growable byte buffer with a ceiling.
 *
 * Every string that comes from outside (a CSV field, a header line, an HTTP
 * request, a rendered message) is built in a struct buf.  A buffer never grows
 * past the maximum given to buf_init(); an add that would cross it fails with
 * BUF_TOO_BIG and leaves the contents as they were, so the caller can reject
 * the input cleanly.  The failure is also remembered (buf_failed) until the
 * buffer is reset, so code that builds a long text with many adds may check
 * once at the end instead of after every add.  The contents are always
 * NUL-terminated once anything has been added.  Out of memory aborts (see
 * util.h): callers only check the limit.
 */
#ifndef OUTREACH_BUF_H
#define OUTREACH_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum { BUF_OK = 0, BUF_TOO_BIG = -1 };

struct buf {
	char *data;  /* NUL-terminated, or NULL while empty and unallocated */
	size_t len;  /* bytes used, not counting the NUL */
	size_t cap;  /* bytes allocated */
	size_t max;  /* ceiling on len */
	int failed;  /* an add was refused since the last reset */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* buf_reset - empty the buffer, keeping its allocation for reuse. */
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* buf_reserve - make room for n more bytes (BUF_TOO_BIG past the ceiling). */
int buf_reserve(struct buf *b, size_t n);
/* buf_cstr - the contents as a string; "" for an empty buffer, never NULL. */
const char *buf_cstr(const struct buf *b);
/* buf_steal - hand the contents to the caller (free() them) and reset b. */
char *buf_steal(struct buf *b);
/* buf_failed - whether any add was refused since buf_init or buf_reset. */
int buf_failed(const struct buf *b);
/* buf_truncate - shorten to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);

#endif
