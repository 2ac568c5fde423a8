/*
 * fuzz_csv - the CSV reader on arbitrary bytes.  Besides no crash, leak or
 * endless loop, every record must respect the limits, hold valid UTF-8
 * without NULs, and survive csv_write_record and a second read unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

enum { MAX_FIELD = 64, MAX_FIELDS = 8 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* round_trip - write the current record and read it back: it must come out the same. */
static void
round_trip(const struct csv_reader *r)
{
	const char *fields[MAX_FIELDS];
	size_t n = csv_nfields(r);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	FILE *in;
	struct csv_reader *back;

	if (out == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		fields[i] = csv_field(r, i);
	if (csv_write_record(out, fields, n) != 0)
		abort();
	fclose(out);
	in = fmemopen(text, len, "r");
	if (in == NULL) {
		free(text);
		return;
	}
	back = csv_reader_new(in, MAX_FIELD, MAX_FIELDS);
	if (csv_next(back) != CSV_RECORD || csv_nfields(back) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (csv_field_len(back, i) != csv_field_len(r, i) ||
		    memcmp(csv_field(back, i), fields[i], csv_field_len(r, i)) != 0)
			abort();
	if (csv_next(back) != CSV_EOF)
		abort();
	csv_reader_free(back);
	fclose(in);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp;
	struct csv_reader *r;
	unsigned long last_line = 0;
	int rc;

	/* fmemopen() of zero bytes fails on some libcs; an empty file is covered by the tests. */
	if (size == 0)
		return 0;
	fp = fmemopen((void *)data, size, "r");
	if (fp == NULL)
		return 0;
	r = csv_reader_new(fp, MAX_FIELD, MAX_FIELDS);
	while ((rc = csv_next(r)) != CSV_EOF && rc != CSV_IOERR) {
		/* Records come in file order, and each one consumes at least a byte. */
		if (csv_line(r) < last_line || csv_line(r) > size + 1)
			abort();
		last_line = csv_line(r);
		if (rc != CSV_RECORD) {
			if (csv_nfields(r) != 0 || *csv_error(r) == '\0')
				abort();
			continue;
		}
		if (csv_nfields(r) == 0 || csv_nfields(r) > MAX_FIELDS)
			abort();
		for (size_t i = 0; i < csv_nfields(r); i++) {
			size_t len = csv_field_len(r, i);

			if (len > MAX_FIELD || strlen(csv_field(r, i)) != len ||
			    !utf8_valid(csv_field(r, i), len))
				abort();
		}
		round_trip(r);
	}
	if (rc == CSV_IOERR)
		abort();
	csv_reader_free(r);
	fclose(fp);
	return 0;
}
