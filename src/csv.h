/*
 * csv - streaming RFC 4180 reader and writer.
 *
 * The reader holds one record at a time, so a file of a million rows needs
 * no more memory than its longest record.  Fields may be quoted ("a ""b"" c"),
 * quoted fields may span lines, and CRLF or LF line ends are both accepted.
 * A UTF-8 byte-order mark at the very start is skipped.
 *
 * Errors (bad quoting, a field over the limit, too many fields, invalid
 * UTF-8) are per record: csv_next() returns CSV_BAD, csv_error() says why and
 * the reader has already skipped to the start of the next record, so the
 * caller reports "FILE:LINE: reason" and carries on.  Only I/O failures
 * (CSV_IOERR) end the stream.
 */
#ifndef OUTREACH_CSV_H
#define OUTREACH_CSV_H

#include <stddef.h>
#include <stdio.h>

enum { CSV_RECORD = 1, CSV_EOF = 0, CSV_BAD = -1, CSV_IOERR = -2 };

struct csv_reader;

/* csv_reader_new - read from fp (not closed by the reader) with the given limits. */
struct csv_reader *csv_reader_new(FILE *fp, size_t max_field_len, size_t max_fields);
void csv_reader_free(struct csv_reader *r);

/* csv_next - read the next record; blank lines are skipped. */
int csv_next(struct csv_reader *r);
size_t csv_nfields(const struct csv_reader *r);
/* csv_field - field i of the current record, NUL-terminated (i < csv_nfields). */
const char *csv_field(const struct csv_reader *r, size_t i);
size_t csv_field_len(const struct csv_reader *r, size_t i);
/* csv_line - the 1-based physical line where the current (or rejected) record began. */
unsigned long csv_line(const struct csv_reader *r);
/* csv_error - why the last CSV_BAD / CSV_IOERR happened. */
const char *csv_error(const struct csv_reader *r);

/*
 * csv_write_record - write n fields as one CRLF-terminated record, quoting a
 * field only when it holds a comma, quote, CR or LF (or leading/trailing
 * space).  Returns 0, or -1 on a write error (errno set).
 */
int csv_write_record(FILE *fp, const char *const *fields, size_t n);

/*
 * csv_cell_defuse - a copy of cell (caller frees) safe to open in a
 * spreadsheet: one that starts with '=', '+', '-', '@', a tab or a CR,
 * after any run of quotes, gets one more "'" in front (OWASP's advice on
 * CSV injection).  csv_cell_restore undoes it: a cell that starts with
 * quotes and then one of those characters loses its first quote (a pointer
 * into cell).  restore(defuse(x)) == x for every x.
 */
char *csv_cell_defuse(const char *cell);
const char *csv_cell_restore(const char *cell);

#endif
