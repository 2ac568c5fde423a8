/*
 * test_csv - the streaming RFC 4180 reader (records, line numbers, every
 * kind of bad record followed by a good one that must still be read) and
 * the writer (minimal quoting, CRLF, exact round trip through a file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "util.h"

/* S - a string literal and its length, so inputs may hold NUL bytes. */
#define S(x) x, sizeof(x) - 1

#define X16 "xxxxxxxxxxxxxxxx"
#define X64 X16 X16 X16 X16

/*
 * Each case reads its input to the end with the given limits (0: 64 bytes
 * and 8 fields) and renders what it saw, one item per record separated by
 * spaces: "LINE:f1|f2|..." for a record, "LINE:!reason" for a bad one.
 */
static const struct {
	const char *in;
	size_t len;
	size_t max_field, max_fields;
	const char *want;
} cases[] = {
	/* Plain records and line ends. */
	{S("a,b,c\n"), 0, 0, "1:a|b|c"},
	{S("a,b,c"), 0, 0, "1:a|b|c"},
	{S("a,b\r\nc,d\r\n"), 0, 0, "1:a|b 2:c|d"},
	{S("a,b\r\nc,d"), 0, 0, "1:a|b 2:c|d"},
	{S("a\r\nb\nc\r\n"), 0, 0, "1:a 2:b 3:c"},
	{S("a,b\r"), 0, 0, "1:a|b"},
	{S("a\rb,c\n"), 0, 0, "1:a\rb|c"},
	{S("\rx,y\n"), 0, 0, "1:\rx|y"},
	{S(" a , b \n"), 0, 0, "1: a | b "},
	{S("solo\n"), 0, 0, "1:solo"},
	/* Empty fields. */
	{S("a,,c\n"), 0, 0, "1:a||c"},
	{S("a,b,\n"), 0, 0, "1:a|b|"},
	{S("a,b,"), 0, 0, "1:a|b|"},
	{S(",\n"), 0, 0, "1:|"},
	{S("\"\"\n"), 0, 0, "1:"},
	{S("\"\",x\n"), 0, 0, "1:|x"},
	/* Quoting. */
	{S("\"a,b\",c\n"), 0, 0, "1:a,b|c"},
	{S("\"say \"\"hi\"\"\",x\n"), 0, 0, "1:say \"hi\"|x"},
	{S("\"\"\"\"\n"), 0, 0, "1:\""},
	{S("\"a\"\r\n\"b\"\r\n"), 0, 0, "1:a 2:b"},
	{S("\"a\""), 0, 0, "1:a"},
	{S("\"a\"\r"), 0, 0, "1:a"},
	{S("\"multi\nline\",x\nnext,y\n"), 0, 0, "1:multi\nline|x 3:next|y"},
	{S("\"a\r\nb\",c\r\nd\r\n"), 0, 0, "1:a\r\nb|c 3:d"},
	{S("x,\"1\n2\n3\n\"\ny\n"), 0, 0, "1:x|1\n2\n3\n 5:y"},
	{S("\"a\rb\"\n"), 0, 0, "1:a\rb"},
	/* Blank lines are skipped; line numbers still count them. */
	{S("\n\na,b\n\n\nc,d\n"), 0, 0, "3:a|b 6:c|d"},
	{S("a\r\n\r\n\r\nb\r\n"), 0, 0, "1:a 4:b"},
	{S("\n\r\n\n"), 0, 0, ""},
	{S(""), 0, 0, ""},
	{S("\r"), 0, 0, ""},
	/* Byte-order mark: skipped at the very start only. */
	{S("\xef\xbb\xbf" "email,name\n"), 0, 0, "1:email|name"},
	{S("\xef\xbb\xbf"), 0, 0, ""},
	{S("\xef\xbb\xbf" "\r\nx\r\n"), 0, 0, "2:x"},
	{S("a\n\xef\xbb\xbf" "b\n"), 0, 0, "1:a 2:\xef\xbb\xbf" "b"},
	{S("\xef\xbb" "x\nok\n"), 0, 0, "1:!invalid UTF-8 in field 1 2:ok"},
	/* UTF-8. */
	{S("Zoë,Ærø,日本\n"), 0, 0, "1:Zoë|Ærø|日本"},
	{S("a,\xff\xfe\nok,1\n"), 0, 0, "1:!invalid UTF-8 in field 2 2:ok|1"},
	{S("\xc0\xaf\nok\n"), 0, 0, "1:!invalid UTF-8 in field 1 2:ok"},
	{S("\xed\xa0\x80\nok\n"), 0, 0, "1:!invalid UTF-8 in field 1 2:ok"},
	{S("\"\xc3\"\nok\n"), 0, 0, "1:!invalid UTF-8 in field 1 2:ok"},
	{S("\"\xff\nx\",y\nok\n"), 0, 0, "1:!invalid UTF-8 in field 1 3:ok"},
	/* Bad quoting: the rest of the physical line is dropped. */
	{S("a\"b,c\nok,1\n"), 0, 0, "1:!quote inside unquoted field 1 2:ok|1"},
	{S("a,b\"c\"\nok\n"), 0, 0, "1:!quote inside unquoted field 2 2:ok"},
	{S("a, \"b\"\nok\n"), 0, 0, "1:!quote inside unquoted field 2 2:ok"},
	{S("\"a\"b,c\nok,1\n"), 0, 0, "1:!text after closing quote in field 1 2:ok|1"},
	{S("x,\"broken \"quote,,\r\nok\r\n"), 0, 0,
	 "1:!text after closing quote in field 2 2:ok"},
	{S("x,\"a\nb\"c\nok\n"), 0, 0, "1:!text after closing quote in field 2 3:ok"},
	{S("\"a\"\rb\nok\n"), 0, 0, "1:!text after closing quote in field 1 2:ok"},
	{S("\"a\" \nok\n"), 0, 0, "1:!text after closing quote in field 1 2:ok"},
	{S("ok\na\"b"), 0, 0, "1:ok 2:!quote inside unquoted field 1"},
	{S("a\"\nb\"\nc\"\nok\n"), 0, 0,
	 "1:!quote inside unquoted field 1 2:!quote inside unquoted field 1 "
	 "3:!quote inside unquoted field 1 4:ok"},
	/* An unterminated quote swallows the rest of the file. */
	{S("ok,1\n\"never closed,x\nmore\n"), 0, 0, "1:ok|1 2:!unterminated quoted field"},
	{S("a,\"b"), 0, 0, "1:!unterminated quoted field"},
	{S("\"\"\""), 0, 0, "1:!unterminated quoted field"},
	{S("\"x\"\"\n"), 0, 0, "1:!unterminated quoted field"},
	/* Limits: exactly at them is fine, one past is a bad record. */
	{S("a,b,c,d,e,f,g,h\n"), 0, 0, "1:a|b|c|d|e|f|g|h"},
	{S("a,b,c,d,e,f,g,h,i\nok,1\n"), 0, 0, "1:!more than 8 fields 2:ok|1"},
	{S("1,2,3,4,5,6,7,8,\nok\n"), 0, 0, "1:!more than 8 fields 2:ok"},
	{S("1,2,3,4,5,6,7,8,\"9\n9\"\nok\n"), 0, 0, "1:!more than 8 fields 3:ok"},
	{S("a,b\nc,d,e\nf\n"), 0, 2, "1:a|b 2:!more than 2 fields 3:f"},
	{S(X64 ",1\n"), 0, 0, "1:" X64 "|1"},
	{S(X64 "x,1\nok,1\n"), 0, 0, "1:!field 1 longer than 64 bytes 2:ok|1"},
	{S("1,\"" X64 "\n\"\nok\n"), 0, 0, "1:!field 2 longer than 64 bytes 3:ok"},
	{S("\"" X16 X16 "\"\"" X16 X16 "\"\nok\n"), 0, 0, "1:!field 1 longer than 64 bytes 2:ok"},
	{S("\"" X16 X16 "\"\"" X16 X16 "\n"), 0, 0, "1:!unterminated quoted field"},
	{S("abcdef,abc\n"), 5, 0, "1:!field 1 longer than 5 bytes"},
	{S("abcde,abcde\n"), 5, 0, "1:abcde|abcde"},
	{S("ab,\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n"), 5, 0, "1:!field 2 longer than 5 bytes"},
	/* NUL bytes would silently cut a field short for every C caller. */
	{S("a\0b,c\nok\n"), 0, 0, "1:!NUL byte in field 1 2:ok"},
	{S("x,\"a\0\nb\"\nok\n"), 0, 0, "1:!NUL byte in field 2 3:ok"},
	/* The first problem is reported; bad quoting wins, as it decides the resync. */
	{S(X64 "x,\xff\nok\n"), 0, 0, "1:!field 1 longer than 64 bytes 2:ok"},
	{S("\xff,a\"b\nok\n"), 0, 0, "1:!quote inside unquoted field 2 2:ok"},
	{S("\xff,\"a\nok\n"), 0, 0, "1:!unterminated quoted field"},
};

/* show - s with CR, LF and other controls escaped, for a readable "got X, want Y". */
static const char *
show(struct buf *b, const char *s)
{
	buf_reset(b);
	for (; *s; s++) {
		if (*s == '\r')
			buf_adds(b, "\\r");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x80)
			buf_addf(b, "\\x%02x", (unsigned char)*s);
		else
			buf_addc(b, *s);
	}
	return buf_cstr(b);
}

static void
render(FILE *fp, size_t max_field, size_t max_fields, struct buf *out)
{
	struct csv_reader *r = csv_reader_new(fp, max_field, max_fields);
	int rc;

	while ((rc = csv_next(r)) != CSV_EOF && rc != CSV_IOERR) {
		if (out->len)
			buf_addc(out, ' ');
		buf_addf(out, "%lu:", csv_line(r));
		if (rc == CSV_BAD) {
			buf_addf(out, "!%s", csv_error(r));
			continue;
		}
		for (size_t i = 0; i < csv_nfields(r); i++) {
			if (csv_field_len(r, i) != strlen(csv_field(r, i)))
				buf_adds(out, "<len?>");
			buf_addf(out, "%s%s", i ? "|" : "", csv_field(r, i));
		}
	}
	if (rc == CSV_IOERR)
		buf_addf(out, " IOERR %s", csv_error(r));
	csv_reader_free(r);
}

static void
test_reader(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *fp = tmpfile();
		struct buf got;

		/* A real file: fmemopen() of zero bytes is not portable. */
		assert_non_null(fp);
		if (cases[i].len)
			assert_int_equal(fwrite(cases[i].in, 1, cases[i].len, fp), cases[i].len);
		rewind(fp);
		buf_init(&got, 1 << 16);
		render(fp, cases[i].max_field ? cases[i].max_field : 64,
		       cases[i].max_fields ? cases[i].max_fields : 8, &got);
		fclose(fp);
		if (strcmp(buf_cstr(&got), cases[i].want) != 0) {
			struct buf g, w;

			buf_init(&g, 1 << 18);
			buf_init(&w, 1 << 18);
			print_error("case %zu: got \"%s\", want \"%s\"\n", i,
			            show(&g, buf_cstr(&got)), show(&w, cases[i].want));
			buf_free(&g);
			buf_free(&w);
			failed++;
		}
		buf_free(&got);
	}
	if (failed)
		fail_msg("%d of %zu reader cases failed", failed, sizeof(cases) / sizeof(cases[0]));
}

/* test_field_len - lengths are octets, not characters, and a quoted field's length is unescaped. */
static void
test_field_len(void **state)
{
	static const char in[] = "Zoë,\"a\"\"b\",,\"x\ny\"\n";
	FILE *fp = fmemopen((void *)in, sizeof(in) - 1, "r");
	struct csv_reader *r = csv_reader_new(fp, 64, 8);

	(void)state;
	assert_int_equal(csv_next(r), CSV_RECORD);
	assert_int_equal(csv_nfields(r), 4);
	assert_int_equal(csv_field_len(r, 0), 4);
	assert_int_equal(csv_field_len(r, 1), 3);
	assert_int_equal(csv_field_len(r, 2), 0);
	assert_int_equal(csv_field_len(r, 3), 3);
	assert_string_equal(csv_field(r, 1), "a\"b");
	assert_int_equal(csv_next(r), CSV_EOF);
	assert_int_equal(csv_next(r), CSV_EOF);
	csv_reader_free(r);
	fclose(fp);
}

/* A stream opened for writing only fails every read: CSV_IOERR, not EOF. */
static void
test_read_error(void **state)
{
	FILE *fp = fopen("/dev/null", "w");
	struct csv_reader *r;

	(void)state;
	assert_non_null(fp);
	r = csv_reader_new(fp, 64, 8);
	assert_int_equal(csv_next(r), CSV_IOERR);
	if (strstr(csv_error(r), "read error") == NULL)
		fail_msg("got error \"%s\", want \"read error: ...\"", csv_error(r));
	csv_reader_free(r);
	fclose(fp);
}

/* What the writer puts on the wire: quotes only where a reader needs them. */
static void
test_writer(void **state)
{
	static const struct {
		const char *f[3];
		size_t n;
		const char *want;
	} rows[] = {
		{{"a", "b", "c"}, 3, "a,b,c\r\n"},
		{{"a,b", "c", NULL}, 2, "\"a,b\",c\r\n"},
		{{"say \"hi\"", "", NULL}, 2, "\"say \"\"hi\"\"\",\r\n"},
		{{"\"", "\"\"", NULL}, 2, "\"\"\"\",\"\"\"\"\"\"\r\n"},
		{{"two\nlines", "cr\rhere", "crlf\r\n"}, 3,
		 "\"two\nlines\",\"cr\rhere\",\"crlf\r\n\"\r\n"},
		{{" lead", "trail ", "in side"}, 3, "\" lead\",\"trail \",in side\r\n"},
		{{"", NULL, ""}, 3, ",,\r\n"},
		{{"", NULL, NULL}, 1, "\"\"\r\n"},
		{{NULL, NULL, NULL}, 0, ""},
		{{"\xef\xbb\xbf" "x", "Müller", NULL}, 2, "\"\xef\xbb\xbf" "x\",Müller\r\n"},
		{{"=1+2", "'q'", "a;b"}, 3, "=1+2,'q',a;b\r\n"},
	};
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&text, &len);

		assert_non_null(fp);
		assert_int_equal(csv_write_record(fp, rows[i].f, rows[i].n), 0);
		fclose(fp);
		if (strcmp(text, rows[i].want) != 0) {
			struct buf g, w;

			buf_init(&g, 1 << 16);
			buf_init(&w, 1 << 16);
			print_error("row %zu: got \"%s\", want \"%s\"\n", i, show(&g, text),
			            show(&w, rows[i].want));
			buf_free(&g);
			buf_free(&w);
			failed++;
		}
		free(text);
	}
	if (failed)
		fail_msg("%d writer rows failed", failed);
}

/* check_read_back - read fp and compare with rows (nrows x ncols), failing on any difference. */
static void
check_read_back(FILE *fp, const char *const *rows, size_t nrows, size_t ncols)
{
	struct csv_reader *r = csv_reader_new(fp, 4096, 16);

	for (size_t i = 0; i < nrows; i++) {
		int rc = csv_next(r);

		if (rc != CSV_RECORD)
			fail_msg("row %zu: got %d (%s), want a record", i, rc, csv_error(r));
		if (csv_nfields(r) != ncols)
			fail_msg("row %zu: got %zu fields, want %zu", i, csv_nfields(r), ncols);
		for (size_t k = 0; k < ncols; k++) {
			const char *want = rows[i * ncols + k];

			if (csv_field_len(r, k) != strlen(want) || strcmp(csv_field(r, k), want) != 0)
				fail_msg("row %zu field %zu: got \"%s\", want \"%s\"", i, k,
				         csv_field(r, k), want);
		}
	}
	assert_int_equal(csv_next(r), CSV_EOF);
	csv_reader_free(r);
}

static void
test_round_trip(void **state)
{
	static const char *const rows[][4] = {
		{"\xef\xbb\xbf" "bom first", "with,comma", "with \"quotes\"", "multi\nline"},
		{" leading", "trailing ", "", "Müller, Jürgen"},
		{"crlf\r\ninside", "lone\rcr", "\"", "last"},
		{"", "", "", ""},
		{"\"\"", ",", "\n", "\r\n"},
	};
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(csv_write_record(fp, rows[i], 4), 0);
	rewind(fp);
	check_read_back(fp, &rows[0][0], sizeof(rows) / sizeof(rows[0]), 4);
	fclose(fp);
}

/* A single empty field must not turn into a blank line that the reader skips. */
static void
test_round_trip_one_empty_field(void **state)
{
	static const char *const rows[] = {"", "x", ""};
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(csv_write_record(fp, &rows[i], 1), 0);
	rewind(fp);
	check_read_back(fp, rows, 3, 1);
	fclose(fp);
}

/*
 * Random fields from an alphabet rich in the characters that matter, many
 * thousand records: records and CRLFs land on every position of the
 * reader's input buffer, so its refills are exercised everywhere.
 */
static void
test_round_trip_random(void **state)
{
	static const char *const alphabet[] = {"a", "b", ",", "\"", "\r", "\n", " ", "é", "\r\n",
	                                       "\"\"", "日"};
	enum { NROWS = 4000, NCOLS = 5 };
	char **cells = xcalloc(NROWS * NCOLS, sizeof(*cells));
	uint32_t seed = 12345;
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	for (size_t i = 0; i < NROWS * NCOLS; i++) {
		struct buf b;
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % 12;
		buf_init(&b, 4096);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			buf_adds(&b, alphabet[(seed >> 16) % (sizeof(alphabet) / sizeof(alphabet[0]))]);
		}
		cells[i] = buf_steal(&b);
	}
	for (size_t i = 0; i < NROWS; i++)
		assert_int_equal(csv_write_record(fp, (const char *const *)&cells[i * NCOLS], NCOLS),
		                 0);
	rewind(fp);
	check_read_back(fp, (const char *const *)cells, NROWS, NCOLS);
	fclose(fp);
	for (size_t i = 0; i < NROWS * NCOLS; i++)
		free(cells[i]);
	free(cells);
}

/*
 * An import of 100,000 rows must take well under a second in a release
 * build; the bound here is loose so a sanitizer build on a busy machine
 * passes, but a quadratic reader would not.
 */
static void
test_large_file(void **state)
{
	enum { NROWS = 100000 };
	FILE *fp = tmpfile();
	struct csv_reader *r;
	unsigned long n = 0, bad = 0;
	int64_t t0;
	int rc;

	(void)state;
	assert_non_null(fp);
	fputs("email,name,topics,digest\r\n", fp);
	for (int i = 0; i < NROWS; i++)
		fprintf(fp, "user%d@school%d.example,%s,%s,weekly\r\n", i, i % 37,
		        i % 3 ? "Teacher" : "\"Müller, Jürgen\"",
		        i % 500 == 17 ? "\"broken \"quote" : "\"forums,opportunities\"");
	rewind(fp);
	r = csv_reader_new(fp, 4096, 64);
	t0 = now_mono_ms();
	while ((rc = csv_next(r)) != CSV_EOF) {
		assert_int_not_equal(rc, CSV_IOERR);
		if (rc == CSV_BAD) {
			bad++;
			if (csv_line(r) != n + bad)
				fail_msg("bad record: got line %lu, want %lu", csv_line(r), n + bad);
			continue;
		}
		n++;
		if (csv_nfields(r) != 4 || csv_line(r) != n + bad)
			fail_msg("record %lu: got %zu fields on line %lu, want 4 on line %lu", n,
			         csv_nfields(r), csv_line(r), n + bad);
	}
	if (now_mono_ms() - t0 > 5000)
		fail_msg("reading %d rows took %lld ms", NROWS, (long long)(now_mono_ms() - t0));
	assert_int_equal(n, 1 + NROWS - NROWS / 500);
	assert_int_equal(bad, NROWS / 500);
	csv_reader_free(r);
	fclose(fp);
}

/* Formula-like cells are defused on export and restored on import, losslessly. */
static void
test_cell_defuse(void **state)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{"plain", "plain"}, {"", ""}, {"=1+2", "'=1+2"}, {"+1 555", "'+1 555"},
		{"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"},
		{"'=x", "''=x"}, {"''+x", "'''+x"}, {"'plain", "'plain"}, {"'", "'"},
		{"a=b", "a=b"}, {"O'Brien", "O'Brien"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *d = csv_cell_defuse(rows[i].in);

		if (strcmp(d, rows[i].out) != 0)
			fail_msg("defuse '%s': got '%s', want '%s'", rows[i].in, d, rows[i].out);
		if (strcmp(csv_cell_restore(d), rows[i].in) != 0)
			fail_msg("restore '%s': got '%s', want '%s'", d, csv_cell_restore(d),
			         rows[i].in);
		free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_defuse),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_field_len),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_one_empty_field),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_large_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
