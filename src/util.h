/*
 * util - allocation that aborts on out-of-memory, checked number parsing,
 * error values, UTF-8 checks, time and random bytes.
 *
 * Out of memory is not a recoverable condition for a mailer daemon: the x*
 * allocators log and abort, so call sites stay clean.  Everything else
 * returns a status: 0 on success, -1 with an error set.
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
 * struct error - why an operation failed: a kind that callers decide by, and
 * one line for a human.  Deep code sets both where the failure arises and
 * returns -1; the edge (CLI, daemon loop, web worker) prints or logs the text
 * and maps the kind (the web worker answers 404, 400 or 503 by it).  Callers
 * never decide by the text.
 */
enum error_kind {
	ERR_NONE,                  /* no error */
	ERR_FAIL,                  /* a failure with no more specific kind */
	ERR_INPUT,                 /* the input is wrong: asking again unchanged fails again */
	ERR_NOTFOUND,              /* what was asked for does not exist */
	ERR_CONFLICT,              /* it exists already, or its state does not allow this */
	ERR_DB,                    /* the database failed (busy, full, corrupt, ...) */
	ERR_IO,                    /* a file, directory or pipe failed */
	ERR_TEMP,                  /* a server or network failed for now: try again later */
};

struct error {
	char *msg;
	int kind;                  /* enum error_kind */
};

#define ERROR_INIT {NULL, ERR_NONE}
/* error_set - replace the message, kind ERR_FAIL; -1, so "return error_set(..)" reads well. */
int error_set(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* error_setk - the same with a kind. */
int error_setk(struct error *e, int kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int error_vset(struct error *e, int kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* error_prefix - put "prefix: " in front of the current message; the kind stays. */
int error_prefix(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *error_msg(const struct error *e);
/* error_kind - the kind of the error set (ERR_NONE if none); error_kind_name - "notfound"... */
int error_kind(const struct error *e);
const char *error_kind_name(int kind);
void error_clear(struct error *e);

/*
 * parse_int - the whole of s as a decimal integer in [min, max].  Returns 0,
 * or -1 with *why set to a static reason ("not a number", "too small", ...).
 * The only number parser in the project; tests/checksrc.sh bans the others.
 */
int parse_int(const char *s, long long min, long long max, long long *out, const char **why);

/* utf8_valid - whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates). */
int utf8_valid(const char *s, size_t n);
/* hex_digit - the value of one hexadecimal digit, either case; -1 for any other character. */
int hex_digit(char c);
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

/* slug_valid - 1 to 64 lower-case letters, digits and '-', not starting with '-'. */
int slug_valid(const char *s);

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date; civil_from_days back. */
int64_t days_from_civil(int64_t y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
