/*
 * util - allocation that aborts on out-of-memory, checked number parsing,
 * error values, UTF-8 checks, time and random bytes.
 *
 * Out of memory is not a recoverable condition for a mailer daemon: the x*
 * allocators log and abort, so call sites stay clean (STYLE 13).  Everything
 * else returns a status: 0 on success, -1 with an error message set.
 */
#ifndef OUTREACH_UTIL_H
#define OUTREACH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * struct error - why an operation failed, as one line for a human.  Deep code
 * fills it and returns -1; the edge (CLI, daemon loop) prints or logs it.
 */
struct error {
	char *msg;
};

#define ERROR_INIT {NULL}
/* error_set - replace the message; always returns -1 so "return error_set(..)" reads well. */
int error_set(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int error_vset(struct error *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* error_prefix - put "prefix: " in front of the current message. */
int error_prefix(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *error_msg(const struct error *e);
void error_clear(struct error *e);

/*
 * parse_int - the whole of s as a decimal integer in [min, max].  Returns 0,
 * or -1 with *why set to a static reason ("not a number", "too small", ...).
 * The only number parser in the project (STYLE 12): no atoi.
 */
int parse_int(const char *s, long long min, long long max, long long *out, const char **why);

/* utf8_valid - whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates). */
int utf8_valid(const char *s, size_t n);
/* has_header_breaker - whether s holds a CR or LF, which must never reach a header. */
int has_header_breaker(const char *s);

/* now_unix - seconds since the epoch; now_mono_ms - monotonic milliseconds. */
int64_t now_unix(void);
int64_t now_mono_ms(void);
/* random_bytes - fill p from the kernel CSPRNG; aborts if it cannot. */
void random_bytes(void *p, size_t n);

/* str_eq - strcmp() == 0 that tolerates NULL on either side. */
int str_eq(const char *a, const char *b);
/* str_trim - strip leading and trailing ASCII white space in place; returns s. */
char *str_trim(char *s);

#endif
