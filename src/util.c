/*
 * util - allocation, errors, number parsing, UTF-8, time, randomness.
 * Out-of-memory aborts with a message; everything else returns a status.
 */
#define _GNU_SOURCE
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"

static void
oom(size_t n)
{
	fprintf(stderr, "outreach: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return p;
}

int
error_vset(struct error *e, int kind, const char *fmt, va_list ap)
{
	char *msg;

	if (e == NULL)
		return -1;
	if (vasprintf(&msg, fmt, ap) < 0)
		oom(0);
	free(e->msg);
	e->msg = msg;
	e->kind = kind;
	return -1;
}

int
error_set(struct error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(e, ERR_FAIL, fmt, ap);
	va_end(ap);
	return -1;
}

int
error_setk(struct error *e, int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(e, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int
error_prefix(struct error *e, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *msg;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	msg = xasprintf("%s: %s", prefix, e->msg ? e->msg : "unknown error");
	free(prefix);
	free(e->msg);
	e->msg = msg;
	if (e->kind == ERR_NONE)
		e->kind = ERR_FAIL;
	return -1;
}

const char *
error_msg(const struct error *e)
{
	return e->msg ? e->msg : "unknown error";
}

int
error_kind(const struct error *e)
{
	return e->msg ? e->kind : ERR_NONE;
}

const char *
error_kind_name(int kind)
{
	static const char *const names[] = {"none", "fail", "input", "notfound", "conflict",
	                                    "db", "io", "temp"};

	return kind >= 0 && kind <= ERR_TEMP ? names[kind] : "fail";
}

void
error_clear(struct error *e)
{
	free(e->msg);
	e->msg = NULL;
	e->kind = ERR_NONE;
}

int
parse_int(const char *s, long long min, long long max, long long *out, const char **why)
{
	char *end;
	long long v;
	const char *p;

	if (s == NULL || *s == '\0') {
		*why = "empty, a number is needed";
		return -1;
	}
	for (p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || (p == s && (*p == '-' || *p == '+')))) {
			*why = "not a whole number";
			return -1;
		}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0') {
		*why = "not a whole number";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*why = "too small";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*why = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

int
has_header_breaker(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return 1;
	return 0;
}

#ifdef OUTREACH_TEST_CLOCK
#include <pthread.h>
/*
 * Test builds only (the sanitizer build the tests run): OUTREACH_NOW=UNIX
 * sets the clock, so a test can stand on either side of a daylight-saving
 * change or a digest period.  The release binary has no such door.
 */
static int64_t clock_offset;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

/* The clock starts at OUTREACH_NOW and runs from there. */
static void
clock_init(void)
{
	const char *v = getenv("OUTREACH_NOW"), *why;
	long long t;

	if (v && *v && parse_int(v, 1, INT64_MAX, &t, &why) == 0)
		clock_offset = (int64_t)t - (int64_t)time(NULL);
}

int64_t
now_unix(void)
{
	pthread_once(&clock_once, clock_init);
	return (int64_t)time(NULL) + clock_offset;
}
#else
int64_t
now_unix(void)
{
	return (int64_t)time(NULL);
}
#endif

int64_t
now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
random_bytes(void *p, size_t n)
{
	unsigned char *q = p;

	while (n > 0) {
		ssize_t got = getrandom(q, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "outreach: fatal: getrandom: %s\n", strerror(errno));
			abort();
		}
		q += got;
		n -= (size_t)got;
	}
}

int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

char *
str_trim(char *s)
{
	char *end;

	size_t lead = strspn(s, " \t\r\n");

	if (lead)
		memmove(s, s + lead, strlen(s + lead) + 1);
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

int
slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date. */
int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}
