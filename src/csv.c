/*
 * csv - streaming RFC 4180 reader and writer.  See csv.h for the contract.
 *
 * The reader pulls the file through a fixed input buffer with fread() and
 * copies each field's bytes in runs (not byte by byte) into one struct buf
 * per record, every field NUL-terminated, with an offset and length per
 * field.  Memory is bounded by max_fields * (max_field_len + 1).
 *
 * Two kinds of bad record.  A bad value (field too long, too many fields,
 * invalid UTF-8, a NUL byte) leaves the structure readable, so the record is
 * parsed to its real end, quoted line breaks and all, without storing
 * anything more.  Bad quoting means the structure cannot be trusted, so the
 * reader skips to the next physical line; an unterminated quote consumes the
 * rest of the file, because no later line can be told apart from its text.
 */
#include "csv.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* The input buffer; a tiny one (at least 4) can be compiled in to test refills. */
#ifndef CSV_INBUF
#define CSV_INBUF 16384
#endif

/* How a field ended. */
enum { END_COMMA, END_LINE, END_EOF, END_SKIPPED, END_IOERR };

struct field {
	size_t off;                /* start in rec */
	size_t len;                /* bytes, not counting the NUL */
};

struct csv_reader {
	FILE *fp;
	size_t max_field, max_fields;
	struct buf rec;            /* the current record's fields, each NUL-terminated */
	struct field *fields;
	size_t nfields, cap;
	size_t fno;                /* 1-based number of the field being read, for messages */
	unsigned long line;        /* physical line of the next unread byte */
	unsigned long rec_line;    /* line where the current record began */
	int bad;                   /* the current record is rejected; error[] says why */
	int started, eof, ioerr;
	unsigned char *p, *end;    /* unread bytes in in[] */
	char error[128];
	unsigned char in[CSV_INBUF];
};

/* Bytes that end a run of plain text: 1 outside quotes, 2 inside, 3 both. */
static const unsigned char special[256] = {
	[','] = 1, ['\r'] = 1, ['"'] = 3, ['\n'] = 3, ['\0'] = 3,
};

struct csv_reader *
csv_reader_new(FILE *fp, size_t max_field_len, size_t max_fields)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	size_t max;

	r->fp = fp;
	r->max_field = max_field_len;
	r->max_fields = max_fields ? max_fields : 1;
	if (r->max_field >= SIZE_MAX / 2 || r->max_fields > SIZE_MAX / 2 / (r->max_field + 1))
		max = SIZE_MAX / 2;
	else
		max = r->max_fields * (r->max_field + 1);
	buf_init(&r->rec, max);
	r->line = 1;
	r->rec_line = 1;
	r->p = r->end = r->in;
	return r;
}

void
csv_reader_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	buf_free(&r->rec);
	free(r->fields);
	free(r);
}

/* fill - make unread bytes available: 1, or 0 at the end of the file, or -1 on a read error. */
static int
fill(struct csv_reader *r)
{
	size_t n;

	if (r->p < r->end)
		return 1;
	if (r->ioerr)
		return -1;
	if (r->eof)
		return 0;
	errno = 0;
	n = fread(r->in, 1, sizeof(r->in), r->fp);
	if (n == 0) {
		if (ferror(r->fp)) {
			r->ioerr = errno ? errno : EIO;
			return -1;
		}
		/* Remember the end: a terminal would otherwise be read again. */
		r->eof = 1;
		return 0;
	}
	r->p = r->in;
	r->end = r->in + n;
	return 1;
}

/* PEEK_ERR - what peek() returns on a read error; distinct from EOF and every byte. */
enum { PEEK_ERR = -2 };

/* peek - the next byte without consuming it, EOF, or PEEK_ERR. */
static int
peek(struct csv_reader *r)
{
	int rc = r->p < r->end ? 1 : fill(r);

	return rc > 0 ? *r->p : rc == 0 ? EOF : PEEK_ERR;
}

/* reject - mark the record bad; the first reason is the one reported. */
static void reject(struct csv_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
reject(struct csv_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->bad)
		return;
	r->bad = 1;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* append - add n bytes to the current field, unless the record is already rejected. */
static void
append(struct csv_reader *r, const void *p, size_t n)
{
	struct field *f;

	if (r->bad || n == 0)
		return;
	f = &r->fields[r->nfields - 1];
	if (n > r->max_field - f->len || buf_add(&r->rec, p, n) != BUF_OK) {
		reject(r, "field %zu longer than %zu bytes", r->fno, r->max_field);
		return;
	}
	f->len += n;
}

/* skip_line - bad quoting: drop everything up to and including the next LF. */
static int
skip_line(struct csv_reader *r)
{
	int rc;

	while ((rc = fill(r)) > 0) {
		unsigned char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));

		if (nl) {
			r->p = nl + 1;
			r->line++;
			return END_SKIPPED;
		}
		r->p = r->end;
	}
	return rc < 0 ? END_IOERR : END_SKIPPED;
}

/* bad_quoting - reject the record for its quoting and resynchronise on the next line. */
static int
bad_quoting(struct csv_reader *r, const char *what)
{
	/* Whatever was wrong before, this is the reason the rest of the line is dropped. */
	r->bad = 0;
	reject(r, "%s %zu", what, r->fno);
	return skip_line(r);
}

/* line_end - after a CR: CRLF or a CR at the very end ends the line; 0 if neither. */
static int
line_end(struct csv_reader *r, int *how)
{
	int c = peek(r);

	if (c == '\n') {
		r->p++;
		r->line++;
		*how = END_LINE;
		return 1;
	}
	if (c == EOF || c == PEEK_ERR) {
		*how = c == EOF ? END_EOF : END_IOERR;
		return 1;
	}
	return 0;
}

static int
unquoted(struct csv_reader *r)
{
	int how, rc;

	for (;;) {
		unsigned char *s;

		if ((rc = fill(r)) <= 0)
			return rc < 0 ? END_IOERR : END_EOF;
		for (s = r->p; s < r->end && !(special[*s] & 1); s++)
			;
		append(r, r->p, (size_t)(s - r->p));
		r->p = s;
		if (s == r->end)
			continue;
		switch (*r->p++) {
		case ',':
			return END_COMMA;
		case '\n':
			r->line++;
			return END_LINE;
		case '\r':
			if (line_end(r, &how))
				return how;
			/* A CR on its own is text, as other readers take it. */
			append(r, "\r", 1);
			break;
		case '"':
			return bad_quoting(r, "quote inside unquoted field");
		case '\0':
			reject(r, "NUL byte in field %zu", r->fno);
			break;
		}
	}
}

/* quoted - the opening quote has been read. */
static int
quoted(struct csv_reader *r)
{
	int c, how, rc;

	for (;;) {
		unsigned char *s;

		if ((rc = fill(r)) <= 0) {
			if (rc < 0)
				return END_IOERR;
			r->bad = 0;
			reject(r, "unterminated quoted field");
			return END_SKIPPED;
		}
		for (s = r->p; s < r->end && !(special[*s] & 2); s++)
			;
		append(r, r->p, (size_t)(s - r->p));
		r->p = s;
		if (s == r->end)
			continue;
		c = *r->p++;
		if (c == '\n') {
			r->line++;
			append(r, "\n", 1);
			continue;
		}
		if (c == '\0') {
			reject(r, "NUL byte in field %zu", r->fno);
			continue;
		}
		/* A quote: doubled, it stands for itself; alone, it ends the field. */
		c = peek(r);
		if (c == '"') {
			r->p++;
			append(r, "\"", 1);
			continue;
		}
		break;
	}
	switch (c) {
	case ',':
		r->p++;
		return END_COMMA;
	case '\n':
		r->p++;
		r->line++;
		return END_LINE;
	case EOF:
		return END_EOF;
	case PEEK_ERR:
		return END_IOERR;
	case '\r':
		r->p++;
		if (line_end(r, &how))
			return how;
		break;
	}
	return bad_quoting(r, "text after closing quote in field");
}

/* new_field - start field r->fno, or reject the record when there is no room for it. */
static void
new_field(struct csv_reader *r)
{
	if (r->bad)
		return;
	if (r->nfields == r->max_fields) {
		reject(r, "more than %zu fields", r->max_fields);
		return;
	}
	if (r->nfields == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->fields = xrealloc(r->fields, r->cap * sizeof(*r->fields));
	}
	r->fields[r->nfields].off = r->rec.len;
	r->fields[r->nfields].len = 0;
	r->nfields++;
}

/* end_field - NUL-terminate the field just read and check its encoding. */
static void
end_field(struct csv_reader *r)
{
	struct field *f;

	if (r->bad)
		return;
	f = &r->fields[r->nfields - 1];
	if (buf_addc(&r->rec, '\0') != BUF_OK)
		reject(r, "field %zu longer than %zu bytes", r->fno, r->max_field);
	else if (!utf8_valid(r->rec.data + f->off, f->len))
		reject(r, "invalid UTF-8 in field %zu", r->fno);
}

/*
 * lookahead - make at least k (<= 3) unread bytes available, moving the
 * few left to the front of in[]; returns how many are (fewer only at the
 * end of the file), or -1 on a read error.
 */
static int
lookahead(struct csv_reader *r, size_t k)
{
	size_t have = (size_t)(r->end - r->p);

	while (have < k && !r->eof) {
		size_t n;

		memmove(r->in, r->p, have);
		r->p = r->in;
		r->end = r->in + have;
		if (r->ioerr)
			return -1;
		errno = 0;
		n = fread(r->end, 1, sizeof(r->in) - have, r->fp);
		if (n == 0) {
			if (ferror(r->fp)) {
				r->ioerr = errno ? errno : EIO;
				return -1;
			}
			r->eof = 1;
		}
		r->end += n;
		have += n;
	}
	return (int)(have < k ? have : k);
}

/* skip_blank - skip empty lines and, at the very start, a UTF-8 byte-order mark. */
static int
skip_blank(struct csv_reader *r)
{
	int n;

	if (!r->started) {
		r->started = 1;
		if (lookahead(r, 3) == 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
			r->p += 3;
	}
	for (;;) {
		if ((n = lookahead(r, 2)) <= 0)
			return n < 0 ? PEEK_ERR : EOF;
		if (r->p[0] == '\n') {
			r->p++;
			r->line++;
		} else if (r->p[0] == '\r' && n == 1) {
			r->p++;
		} else if (r->p[0] == '\r' && r->p[1] == '\n') {
			r->p += 2;
			r->line++;
		} else
			return r->p[0];
	}
}

int
csv_next(struct csv_reader *r)
{
	int c, how;

	buf_reset(&r->rec);
	r->nfields = 0;
	r->fno = 0;
	r->bad = 0;
	r->error[0] = '\0';
	c = skip_blank(r);
	r->rec_line = r->line;
	if (c == EOF)
		return CSV_EOF;
	if (c == PEEK_ERR)
		goto ioerr;
	do {
		r->fno++;
		new_field(r);
		c = peek(r);
		if (c == PEEK_ERR)
			goto ioerr;
		if (c == '"') {
			r->p++;
			how = quoted(r);
		} else
			how = unquoted(r);
		if (how == END_IOERR)
			goto ioerr;
		if (how != END_SKIPPED)
			end_field(r);
	} while (how == END_COMMA);
	if (!r->bad && how != END_SKIPPED)
		return CSV_RECORD;
	r->nfields = 0;
	return CSV_BAD;
ioerr:
	r->nfields = 0;
	snprintf(r->error, sizeof(r->error), "read error: %s", strerror(r->ioerr));
	return CSV_IOERR;
}

size_t
csv_nfields(const struct csv_reader *r)
{
	return r->nfields;
}

const char *
csv_field(const struct csv_reader *r, size_t i)
{
	assert(i < r->nfields);
	return r->rec.data + r->fields[i].off;
}

size_t
csv_field_len(const struct csv_reader *r, size_t i)
{
	assert(i < r->nfields);
	return r->fields[i].len;
}

unsigned long
csv_line(const struct csv_reader *r)
{
	return r->rec_line;
}

const char *
csv_error(const struct csv_reader *r)
{
	return r->error[0] ? r->error : "no error";
}

/*
 * needs_quotes - whether f would not read back as itself unquoted.  Spaces
 * at the ends are quoted for spreadsheets, which trim them; a leading BOM
 * because the reader skips one at the start of a file.
 */
static int
needs_quotes(const char *f, size_t len)
{
	if (len == 0)
		return 0;
	if (f[0] == ' ' || f[len - 1] == ' ' || (len >= 3 && memcmp(f, "\xef\xbb\xbf", 3) == 0))
		return 1;
	for (size_t i = 0; i < len; i++)
		if (special[(unsigned char)f[i]])
			return 1;
	return 0;
}

int
csv_write_record(FILE *fp, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "";
		size_t len = strlen(f);

		if (i > 0 && putc_unlocked(',', fp) == EOF)
			return -1;
		/* A lone empty field unquoted would be a blank line, which readers skip. */
		if (!needs_quotes(f, len) && !(n == 1 && len == 0)) {
			if (len > 0 && fwrite(f, 1, len, fp) != len)
				return -1;
			continue;
		}
		if (putc_unlocked('"', fp) == EOF)
			return -1;
		for (const char *q; (q = strchr(f, '"')) != NULL; f = q + 1) {
			size_t run = (size_t)(q - f) + 1;

			/* The run up to and including the quote, then the quote again. */
			if (fwrite(f, 1, run, fp) != run || putc_unlocked('"', fp) == EOF)
				return -1;
		}
		len = strlen(f);
		if ((len > 0 && fwrite(f, 1, len, fp) != len) || putc_unlocked('"', fp) == EOF)
			return -1;
	}
	if (n > 0 && fwrite("\r\n", 1, 2, fp) != 2)
		return -1;
	return 0;
}

/* formula_after_quotes - whether cell, past any leading quotes, starts like a formula. */
static int
formula_after_quotes(const char *cell)
{
	cell += strspn(cell, "'");
	return *cell != '\0' && strchr("=+-@\t\r", *cell) != NULL;
}

char *
csv_cell_defuse(const char *cell)
{
	return formula_after_quotes(cell) ? xasprintf("'%s", cell) : xstrdup(cell);
}

const char *
csv_cell_restore(const char *cell)
{
	return cell[0] == '\'' && formula_after_quotes(cell) ? cell + 1 : cell;
}
