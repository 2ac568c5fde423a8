/*
 * fuzz_csv - the CSV reader on arbitrary bytes: every record or error must
 * come back without a crash, a leak or an endless loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp;
	struct csv_reader *r;
	int rc;

	if (size == 0)
		return 0;
	fp = fmemopen((void *)data, size, "r");
	if (fp == NULL)
		return 0;
	r = csv_reader_new(fp, 64, 8);
	while ((rc = csv_next(r)) != CSV_EOF && rc != CSV_IOERR)
		if (rc == CSV_RECORD)
			for (size_t i = 0; i < csv_nfields(r); i++)
				(void)csv_field_len(r, i);
	csv_reader_free(r);
	fclose(fp);
	return 0;
}
