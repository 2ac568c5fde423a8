/*
 * csv - streaming RFC 4180 reader and writer.  The reader keeps one record:
 * all its fields in one growable buffer, NUL-separated, with offsets.
 */
#include "csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

struct csv_reader {
	FILE *fp;
	size_t max_field, max_fields;
	struct buf rec;            /* fields, each NUL-terminated */
	size_t *off;               /* start of each field in rec */
	size_t nfields, cap;
	unsigned long line;        /* physical line about to be read */
	unsigned long rec_line;    /* line the current record began on */
	int at_start;
	char error[160];
};

struct csv_reader *
csv_reader_new(FILE *fp, size_t max_field_len, size_t max_fields)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));

	r->fp = fp;
	r->max_field = max_field_len;
	r->max_fields = max_fields;
	buf_init(&r->rec, (max_field_len + 1) * max_fields);
	r->line = 1;
	r->at_start = 1;
	return r;
}

void
csv_reader_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	buf_free(&r->rec);
	free(r->off);
	free(r);
}

/* skip_line - discard up to and including the next newline. */
static void
skip_line(struct csv_reader *r)
{
	int c;

	while ((c = getc_unlocked(r->fp)) != EOF)
		if (c == '\n') {
			r->line++;
			return;
		}
}

static int
bad(struct csv_reader *r, int resync, const char *fmt, size_t arg)
{
	snprintf(r->error, sizeof(r->error), fmt, arg);
	if (resync)
		skip_line(r);
	return CSV_BAD;
}

static void
start_field(struct csv_reader *r)
{
	if (r->nfields == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->off = xrealloc(r->off, r->cap * sizeof(*r->off));
	}
	r->off[r->nfields++] = r->rec.len;
}

int
csv_next(struct csv_reader *r)
{
	int c;
	size_t flen;

	for (;;) {
		buf_reset(&r->rec);
		r->nfields = 0;
		r->rec_line = r->line;
		c = getc_unlocked(r->fp);
		if (r->at_start) {
			r->at_start = 0;
			if (c == 0xef) {
				int c2 = getc_unlocked(r->fp), c3 = getc_unlocked(r->fp);

				if (c2 == 0xbb && c3 == 0xbf)
					c = getc_unlocked(r->fp);
				else
					return bad(r, 1, "invalid UTF-8 in field %zu", (size_t)1);
			}
		}
		if (c == EOF) {
			if (ferror(r->fp)) {
				snprintf(r->error, sizeof(r->error), "read error: %s", strerror(errno));
				return CSV_IOERR;
			}
			return CSV_EOF;
		}
		if (c == '\n') {
			r->line++;
			continue;
		}
		if (c == '\r') {
			int d = getc_unlocked(r->fp);

			if (d == '\n') {
				r->line++;
				continue;
			}
			if (d != EOF)
				ungetc(d, r->fp);
		}
		break;
	}
	/* c is the first character of the record. */
	for (;;) {
		int quoted = 0;

		if (r->nfields == r->max_fields)
			return bad(r, 1, "more than %zu fields", r->max_fields);
		start_field(r);
		flen = 0;
		if (c == '"') {
			quoted = 1;
			for (;;) {
				c = getc_unlocked(r->fp);
				if (c == EOF) {
					snprintf(r->error, sizeof(r->error), "unterminated quoted field");
					return CSV_BAD;
				}
				if (c == '"') {
					c = getc_unlocked(r->fp);
					if (c != '"')
						break;
				}
				if (c == '\n')
					r->line++;
				if (++flen > r->max_field)
					return bad(r, 1, "field longer than %zu bytes", r->max_field);
				buf_addc(&r->rec, (char)c);
			}
			/* After the closing quote: a separator, a line end or the end. */
			if (c != ',' && c != '\n' && c != '\r' && c != EOF)
				return bad(r, 1, "text after closing quote in field %zu", r->nfields);
		} else {
			while (c != ',' && c != '\n' && c != EOF) {
				if (c == '"')
					return bad(r, 1, "quote inside unquoted field %zu", r->nfields);
				if (c == '\r') {
					int d = getc_unlocked(r->fp);

					if (d == '\n' || d == EOF) {
						c = d;
						break;
					}
					ungetc(d, r->fp);
				}
				if (++flen > r->max_field)
					return bad(r, 1, "field longer than %zu bytes", r->max_field);
				buf_addc(&r->rec, (char)c);
				c = getc_unlocked(r->fp);
			}
		}
		if (c == '\r') {
			int d = getc_unlocked(r->fp);

			if (d != '\n' && d != EOF)
				ungetc(d, r->fp);
			c = '\n';
		}
		buf_addc(&r->rec, '\0');
		if (!utf8_valid(r->rec.data + r->off[r->nfields - 1], flen)) {
			if (c == '\n')
				r->line++;
			return bad(r, c != '\n' && c != EOF, "invalid UTF-8 in field %zu", r->nfields);
		}
		(void)quoted;
		if (c == '\n') {
			r->line++;
			return CSV_RECORD;
		}
		if (c == EOF)
			return CSV_RECORD;
		c = getc_unlocked(r->fp); /* after ',' */
		if (c == '\n' || c == EOF || c == '\r') {
			/* A trailing comma: one more, empty, field. */
			if (r->nfields == r->max_fields)
				return bad(r, c == '\n' ? 0 : 1, "more than %zu fields", r->max_fields);
			start_field(r);
			buf_addc(&r->rec, '\0');
			if (c == '\r') {
				int d = getc_unlocked(r->fp);

				if (d != '\n' && d != EOF)
					ungetc(d, r->fp);
			}
			if (c != EOF)
				r->line++;
			return CSV_RECORD;
		}
	}
}

size_t
csv_nfields(const struct csv_reader *r)
{
	return r->nfields;
}

const char *
csv_field(const struct csv_reader *r, size_t i)
{
	return r->rec.data + r->off[i];
}

size_t
csv_field_len(const struct csv_reader *r, size_t i)
{
	return strlen(r->rec.data + r->off[i]);
}

unsigned long
csv_line(const struct csv_reader *r)
{
	return r->rec_line;
}

const char *
csv_error(const struct csv_reader *r)
{
	return r->error;
}

int
csv_write_record(FILE *fp, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "";
		size_t len = strlen(f);
		int quote = strpbrk(f, ",\"\r\n") != NULL ||
		            (len > 0 && (f[0] == ' ' || f[len - 1] == ' '));

		if (i > 0 && putc_unlocked(',', fp) == EOF)
			return -1;
		if (!quote) {
			if (len && fwrite(f, 1, len, fp) != len)
				return -1;
			continue;
		}
		if (putc_unlocked('"', fp) == EOF)
			return -1;
		for (; *f; f++) {
			if (*f == '"' && putc_unlocked('"', fp) == EOF)
				return -1;
			if (putc_unlocked(*f, fp) == EOF)
				return -1;
		}
		if (putc_unlocked('"', fp) == EOF)
			return -1;
	}
	return fputs("\r\n", fp) == EOF ? -1 : 0;
}
