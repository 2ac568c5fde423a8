/*
 * test_csv - the streaming RFC 4180 reader (records, line numbers, every
 * kind of bad record followed by a good one) and the writer's round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"

/*
 * Each case reads its input to the end and renders what it saw as one line
 * per record: "LINE:f1|f2|..." for a record, "LINE:!reason" for a bad one.
 */
static const struct {
	const char *in;
	const char *want;
} cases[] = {
	{"a,b,c\n", "1:a|b|c"},
	{"a,b,c", "1:a|b|c"},
	{"a,b\r\nc,d\r\n", "1:a|b 2:c|d"},
	{"a,,c\n", "1:a||c"},
	{"a,b,\n", "1:a|b|"},
	{"\"a,b\",c\n", "1:a,b|c"},
	{"\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x"},
	{"\"multi\nline\",x\nnext,y\n", "1:multi\nline|x 3:next|y"},
	{"\n\na,b\n\n\nc,d\n", "3:a|b 6:c|d"},
	{"\xef\xbb\xbf" "email,name\n", "1:email|name"},
	{"Zoë,Ærø\n", "1:Zoë|Ærø"},
	{"\"\",x\n", "1:|x"},
	{"a\"b,c\nok,1\n", "1:!quote inside unquoted field 1 2:ok|1"},
	{"\"a\"b,c\nok,1\n", "1:!text after closing quote in field 1 2:ok|1"},
	{"ok,1\n\"never closed,x\nmore\n", "1:ok|1 2:!unterminated quoted field"},
	{"a,\xff\xfe\nok,1\n", "1:!invalid UTF-8 in field 2 2:ok|1"},
	{"a,b,c,d,e,f,g,h,i\nok,1\n", "1:!more than 8 fields 2:ok|1"},
	{"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,1\nok,1\n",
	 "1:!field longer than 64 bytes 2:ok|1"},
	{"a,b\r\n\r\nc\r\n", "1:a|b 3:c"},
	{"a\rb,c\n", "1:a\rb|c"},
};

static void
render(FILE *fp, struct buf *out)
{
	struct csv_reader *r = csv_reader_new(fp, 64, 8);
	int rc;

	while ((rc = csv_next(r)) != CSV_EOF && rc != CSV_IOERR) {
		if (out->len)
			buf_addc(out, ' ');
		buf_addf(out, "%lu:", csv_line(r));
		if (rc == CSV_BAD) {
			buf_addf(out, "!%s", csv_error(r));
			continue;
		}
		for (size_t i = 0; i < csv_nfields(r); i++)
			buf_addf(out, "%s%s", i ? "|" : "", csv_field(r, i));
	}
	csv_reader_free(r);
}

static void
test_reader(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *fp = fmemopen((void *)cases[i].in, strlen(cases[i].in), "r");
		struct buf got;

		buf_init(&got, 1 << 16);
		render(fp, &got);
		fclose(fp);
		if (strcmp(buf_cstr(&got), cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, buf_cstr(&got), cases[i].want);
		buf_free(&got);
	}
}

static void
test_round_trip(void **state)
{
	static const char *const rows[][4] = {
		{"plain", "with,comma", "with \"quotes\"", "multi\nline"},
		{" leading", "trailing ", "", "Müller, Jürgen"},
		{"crlf\r\ninside", "a;b", "=?x?=", "last"},
	};
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(csv_write_record(fp, rows[i], 4), 0);
	fclose(fp);
	fp = fmemopen(text, len, "r");
	{
		struct csv_reader *r = csv_reader_new(fp, 4096, 16);

		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(csv_next(r), CSV_RECORD);
			assert_int_equal(csv_nfields(r), 4);
			for (size_t k = 0; k < 4; k++)
				if (strcmp(csv_field(r, k), rows[i][k]) != 0)
					fail_msg("row %zu field %zu: got '%s', want '%s'", i, k,
					         csv_field(r, k), rows[i][k]);
		}
		assert_int_equal(csv_next(r), CSV_EOF);
		csv_reader_free(r);
	}
	fclose(fp);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
