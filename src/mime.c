/*
 * mime - RFC 2045-2047 and RFC 5322 encodings for composed messages.  See
 * mime.h for the contract.
 *
 * Quoted-printable is written here, not by libetpan: its writer
 * (mailmime_quoted_printable_write_driver in 1.9.4) writes the last blank
 * before a line break twice (once bare, once as =20), drops a CR ending its
 * input, turns " \r" into a NUL byte, and takes 35-60 us per 8 KB body: too
 * slow for a composer that encodes two bodies per recipient at 20,000
 * recipients a second.  This one takes about 6 us (text or HTML), 23 us for
 * text that is mostly non-ASCII.
 * Base64, for the calendar part and for encoded-word payloads, is libetpan's
 * (the only use of its MIME writer in the tree); header folding is done here
 * because libetpan's folding writer is compiled out.
 *
 * On failure (-1: a value with CR or LF, one that cannot be written within
 * the limits, or BUF_TOO_BIG) the buffer is cut back to its length on entry.
 */
#include "mime.h"

#include <string.h>
#include <time.h>

#include <libetpan/mailmime_write_generic.h>

#include "util.h"

enum {
	LINE_SOFT = 78,    /* RFC 5322 2.1.1: header lines should stop here */
	LINE_HARD = 998,   /* ... and must stop here */
	QP_LINE = 76,      /* RFC 2045 6.7: longest encoded line */
	QP_CHUNK = 4096,   /* output is staged on the stack, then appended */
	EW_MAX = 75,       /* RFC 2047 2: longest encoded-word */
	EW_WRAP = 12,      /* strlen("=?UTF-8?B?") + strlen("?=") */
	EW_MIN_BYTES = 15, /* below this, start a new line rather than a tiny word */
};

/* The state behind libetpan's do_write callback. */
struct sink {
	struct buf *b;
	int failed;
};

/*
 * sink_write - libetpan's do_write: 0 means failure to it.  The flag is kept
 * as well because its base64 writer ignores the result of its last write.
 */
static int
sink_write(void *data, const char *s, size_t n)
{
	struct sink *k = data;

	if (k->failed)
		return 0;
	if (buf_add(k->b, s, n) != BUF_OK) {
		k->failed = 1;
		return 0;
	}
	return 1;
}

/* qp_plain - printable ASCII but "=": always written as itself. */
static inline int
qp_plain(unsigned c)
{
	return c - 33 <= 126 - 33 && c != '=';
}

/* utf8_span - length of the well-formed UTF-8 sequence at s, else 1. */
static size_t
utf8_span(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0xc2 || s[0] > 0xf4 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

	if (k > n)
		return 1;
	for (size_t j = 1; j < k; j++)
		if ((s[j] & 0xc0) != 0x80)
			return 1;
	return k;
}

/*
 * mime_qp - RFC 2045 6.7.  A byte is written as itself if it is printable
 * ASCII other than "=", or a blank with more to come on its line; anything
 * else as =XX.  LF and CRLF become CRLF; a lone CR is data (=0D).  A line
 * that would pass 76 columns gets a soft break, and "From " starting any
 * output line is written "=46rom " so no mbox delivery can mangle it.
 */
int
mime_qp(struct buf *out, const char *data, size_t len)
{
	return mime_qp_piece(out, data, len, 0);
}

int
mime_qp_piece(struct buf *out, const char *data, size_t len, int soft_end)
{
	static const char hexdig[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)data;
	char chunk[QP_CHUNK];
	size_t start = out->len, n = 0, i = 0, col = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t span, e, need;
		int last, lit;

		/* Room for a soft break and a 4-byte sequence encoded. */
		if (n > sizeof(chunk) - 16) {
			if (buf_add(out, chunk, n) != BUF_OK)
				goto fail;
			n = 0;
		}
		/* Fast path: a run that needs no encoding and no line break. */
		if (col + 1 < QP_LINE && (col > 0 || c != 'F')) {
			size_t j = i, stop = i + QP_LINE - 1 - col;

			if (stop > i + (sizeof(chunk) - 16 - n))
				stop = i + (sizeof(chunk) - 16 - n);
			if (stop > len - 1)
				stop = len - 1; /* the last byte may be a blank to encode */
			while (j < stop &&
			       (qp_plain(s[j]) ||
			        ((s[j] == ' ' || s[j] == '\t') &&
			         (qp_plain(s[j + 1]) || s[j + 1] == ' ' || s[j + 1] == '\t'))))
				j++;
			if (j > i) {
				memcpy(chunk + n, s + i, j - i);
				n += j - i;
				col += j - i;
				i = j;
				continue;
			}
		}
		if (c == '\n' || (c == '\r' && i + 1 < len && s[i + 1] == '\n')) {
			chunk[n++] = '\r';
			chunk[n++] = '\n';
			i += c == '\r' ? 2 : 1;
			col = 0;
			continue;
		}
		/* A UTF-8 sequence is encoded whole, on one line: some clients decode by line. */
		span = utf8_span(s + i, len - i);
		e = i + span;
		/* A piece that ends mid-line ends with a soft break: its end is not a line's. */
		last = (e == len && !soft_end) || (e < len && s[e] == '\n') ||
		       (e < len && s[e] == '\r' && e + 1 < len && s[e + 1] == '\n');
		/* A blank is data unless a line ends after it: a hard break, or a piece's soft one. */
		lit = span == 1 && (qp_plain(c) || ((c == ' ' || c == '\t') && !last && e < len));
		need = lit ? 1 : 3 * span;
		/* Room for the soft break's "=" unless a hard break follows. */
		if (col + need > QP_LINE - !last) {
			memcpy(chunk + n, "=\r\n", 3);
			n += 3;
			col = 0;
		}
		if (c == 'F' && col == 0 && len - i >= 5 && memcmp(s + i, "From ", 5) == 0) {
			lit = 0;
			need = 3;
		}
		if (lit)
			chunk[n++] = (char)c;
		else
			for (; i < e; i++) {
				chunk[n++] = '=';
				chunk[n++] = hexdig[s[i] >> 4];
				chunk[n++] = hexdig[s[i] & 15];
			}
		col += need;
		i = e;
	}
	if (soft_end && len > 0 && s[len - 1] != '\n') {
		memcpy(chunk + n, "=\r\n", 3); /* the loop left room for it (see last) */
		n += 3;
	}
	if (buf_add(out, chunk, n) != BUF_OK)
		goto fail;
	return 0;
fail:
	buf_truncate(out, start);
	return -1;
}

int
mime_base64(struct buf *out, const char *data, size_t len)
{
	struct sink k = {out, 0};
	size_t start = out->len;
	int col = 0;

	/* libetpan writes a lone CRLF for no data: an empty body is empty. */
	if (len == 0)
		return 0;
	if (mailmime_base64_write_driver(sink_write, &k, &col, data, len) != 0 || k.failed) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* Header fields. */

/* name_ok - a field name: printable ASCII without ':' (RFC 5322 2.2). */
static int
name_ok(const char *name)
{
	if (*name == '\0')
		return 0;
	for (; *name; name++)
		if (*name < 33 || *name > 126 || *name == ':')
			return 0;
	return 1;
}

/* needs_words - whether text must become encoded-words to survive. */
static int
needs_words(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x7f || (*p < 0x20 && *p != '\t') || (p[0] == '=' && p[1] == '?'))
			return 1;
	return 0;
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * put_folded - "Name: value\r\n" for ASCII text, folded before white space
 * (RFC 5322 3.2.2) so lines stay within 78 columns where a word allows.
 * A fold is never placed before trailing white space, which would leave a
 * line of white space only, nor before the first word: a value that starts
 * on a continuation line ("Reply-To:" alone) is legal but spam filters
 * score it.  Returns -1 (nothing written) if a word leaves a
 * line over 998 octets, or on BUF_TOO_BIG.
 */
static int
put_folded(struct buf *out, const char *name, const char *value)
{
	size_t start = out->len, col = strlen(name) + 1;
	const char *p = value;
	int first = 1;

	if (buf_adds(out, name) != BUF_OK || buf_addc(out, ':') != BUF_OK)
		goto fail;
	while (*p) {
		const char *w = p, *d;
		int lead = p == value; /* the space after the colon */

		while (is_wsp(*p))
			p++;
		d = p;
		while (*p && !is_wsp(*p))
			p++;
		if (d < p && !first && col + lead + (size_t)(p - w) > LINE_SOFT) {
			if (buf_add(out, "\r\n", 2) != BUF_OK)
				goto fail;
			col = 0;
		}
		if ((lead && buf_addc(out, ' ') != BUF_OK) ||
		    buf_add(out, w, (size_t)(p - w)) != BUF_OK)
			goto fail;
		col += lead + (size_t)(p - w);
		if (d < p)
			first = 0;
		if (col > LINE_HARD)
			goto fail;
	}
	if (buf_add(out, "\r\n", 2) != BUF_OK)
		goto fail;
	return 0;
fail:
	buf_truncate(out, start);
	return -1;
}

/* Collects libetpan's base64 of one encoded-word payload (at most 60 chars). */
struct word {
	char b[EW_MAX];
	size_t n;
};

static int
word_write(void *data, const char *s, size_t n)
{
	struct word *w = data;

	if (n > sizeof(w->b) - w->n)
		return 0;
	memcpy(w->b + w->n, s, n);
	w->n += n;
	return 1;
}

/* utf8_len - length of the character starting with c (s is valid UTF-8). */
static size_t
utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/*
 * put_words - s[0..n) as RFC 2047 B encoded-words after what is already on
 * the line (*col columns), each word whole characters and at most 75
 * columns, separated by a space or a fold.  s is valid UTF-8.
 */
static int
put_words(struct buf *out, size_t *col, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t room = LINE_SOFT - 1 - EW_WRAP, take = 0, fit, c;
		struct word w = {{0}, 0};
		int wcol = 0;

		room = *col < room ? (room - *col) / 4 * 3 : 0;
		fit = room < (EW_MAX - EW_WRAP) / 4 * 3 ? room : (EW_MAX - EW_WRAP) / 4 * 3;
		while (i + take < n && take + (c = utf8_len((unsigned char)s[i + take])) <= fit)
			take += c;
		if (take == 0 || (i + take < n && take < EW_MIN_BYTES)) {
			if (buf_add(out, "\r\n", 2) != BUF_OK)
				return -1;
			*col = 0;
			continue;
		}
		if (mailmime_base64_write_driver(word_write, &w, &wcol, s + i, take) != 0 ||
		    w.n < 2 || memcmp(w.b + w.n - 2, "\r\n", 2) != 0)
			return -1; /* only if libetpan changed how it ends its output */
		w.n -= 2;
		if (buf_adds(out, " =?UTF-8?B?") != BUF_OK || buf_add(out, w.b, w.n) != BUF_OK ||
		    buf_add(out, "?=", 2) != BUF_OK)
			return -1;
		*col += 1 + EW_WRAP + w.n;
		i += take;
	}
	return 0;
}

/* put_encoded - "Name: words[ <addr>]\r\n". */
static int
put_encoded(struct buf *out, const char *name, const char *text, const char *addr)
{
	size_t start = out->len, col = strlen(name) + 1;

	if (buf_adds(out, name) != BUF_OK || buf_addc(out, ':') != BUF_OK ||
	    put_words(out, &col, text, strlen(text)) < 0)
		goto fail;
	if (addr) {
		size_t n = strlen(addr) + 3;

		if (col + n > LINE_SOFT) {
			if (buf_add(out, "\r\n", 2) != BUF_OK)
				goto fail;
			col = 0;
		}
		if (col + n > LINE_HARD || buf_addf(out, " <%s>", addr) != BUF_OK)
			goto fail;
	}
	if (buf_add(out, "\r\n", 2) != BUF_OK)
		goto fail;
	return 0;
fail:
	buf_truncate(out, start);
	return -1;
}

int
mime_header(struct buf *out, const char *name, const char *value)
{
	if (!name_ok(name) || has_header_breaker(value) || !utf8_valid(value, strlen(value)))
		return -1;
	/* ASCII that cannot be folded within 998 columns is encoded instead. */
	if (!needs_words(value) && put_folded(out, name, value) == 0)
		return 0;
	return put_encoded(out, name, value, NULL);
}

int
mime_header_raw(struct buf *out, const char *name, const char *value)
{
	if (!name_ok(name) || has_header_breaker(value) || needs_words(value))
		return -1;
	return put_folded(out, name, value);
}

/* is_atext - RFC 5322 3.2.3 atext: what a display name may hold unquoted. */
static int
is_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* phrase_plain - atoms separated by single spaces: safe to write as is. */
static int
phrase_plain(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!is_atext(*p) && !(*p == ' ' && p > s && p[1] != '\0' && p[1] != ' '))
			return 0;
	return 1;
}

/* addr_ok - nothing that could end the angle brackets or the field. */
static int
addr_ok(const char *a)
{
	if (*a == '\0')
		return 0;
	for (; *a; a++)
		if (*a <= ' ' || *a >= 0x7f || *a == '<' || *a == '>')
			return 0;
	return 1;
}

int
mime_header_mailbox(struct buf *out, const char *name, const char *display, const char *addr)
{
	struct buf v;
	int rc;

	if (!name_ok(name) || !addr_ok(addr))
		return -1;
	if (display == NULL || *display == '\0')
		return put_folded(out, name, addr);
	if (has_header_breaker(display) || !utf8_valid(display, strlen(display)))
		return -1;
	if (needs_words(display))
		return put_encoded(out, name, display, addr);
	buf_init(&v, 2 * strlen(display) + strlen(addr) + 8);
	if (phrase_plain(display))
		buf_adds(&v, display);
	else {
		buf_addc(&v, '"');
		for (const char *p = display; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&v, '\\');
			buf_addc(&v, *p);
		}
		buf_addc(&v, '"');
	}
	buf_addf(&v, " <%s>", addr);
	rc = put_folded(out, name, buf_cstr(&v));
	buf_free(&v);
	/* A display name too long to fold still fits as encoded-words. */
	if (rc < 0)
		rc = put_encoded(out, name, display, addr);
	return rc;
}

void
mime_boundary(char out[MIME_BOUNDARY_LEN + 1])
{
	static const char alnum[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[64];
	size_t i = 2, k = sizeof(r);

	/* "=_" cannot occur in quoted-printable or base64 text. */
	out[0] = '=';
	out[1] = '_';
	while (i < MIME_BOUNDARY_LEN) {
		if (k == sizeof(r)) {
			random_bytes(r, sizeof(r));
			k = 0;
		}
		/* 248 = 4 * 62: reject the rest so every character is equally likely. */
		if (r[k] < 248)
			out[i++] = alnum[r[k] % 62];
		k++;
	}
	out[MIME_BOUNDARY_LEN] = '\0';
}

int
mime_date(struct buf *out, long long t)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;

	/* UTC, and names from tables rather than strftime, whatever the locale. */
	if ((long long)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year < 0 ||
	    tm.tm_year > 9999 - 1900)
		return -1;
	if (buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
	             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	             tm.tm_sec) != BUF_OK)
		return -1;
	return 0;
}
