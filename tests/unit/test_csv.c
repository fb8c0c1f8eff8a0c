/* Unit tests for core/csv: RFC 4180 fields, line ends, BOM, header lookup,
 * missing values, every error with its line and column, streaming in tiny
 * chunks, the record cap, and a real export (OLMo's 190M-1xC.csv). */
#include "common.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "csv.h"
#include "err.h"
#include "test_util.h"

#define OLMO_CSV "/work/shared/data/olmo/190M-1xC.csv"

/* Input served in chunks of at most `chunk` bytes. */
struct chunked {
	const char *data;
	size_t len, pos, chunk;
	int fail_at; /* fail (-1, EIO) once pos reaches this, when >= 0 */
};

static ssize_t chunked_read(void *ctx, char *buf, size_t cap)
{
	struct chunked *c = ctx;
	if (c->fail_at >= 0 && c->pos >= (size_t)c->fail_at) {
		errno = EIO;
		return -1;
	}
	size_t n = c->len - c->pos;
	if (n > c->chunk)
		n = c->chunk;
	if (n > cap)
		n = cap;
	memcpy(buf, c->data + c->pos, n);
	c->pos += n;
	return (ssize_t)n;
}

/* Everything a reader yields, as text: "H[a|b] " for the header, "L[f1|f2] "
 * per record (L its line), then "END" or "ERR <code> <message>". */
static char *transcript(struct csv_reader *r, int header)
{
	struct buf out;
	buf_init(&out, 0);
	struct err err;
	err_init(&err);
	int rc = header ? csv_read_header(r, &err) : 0;
	if (rc == 0 && header) {
		buf_printf(&out, "H[");
		for (size_t i = 0; i < csv_ncolumns(r); i++)
			buf_printf(&out, "%s%s", i ? "|" : "", csv_column_name(r, i));
		buf_printf(&out, "] ");
	}
	while (rc == 0 && (rc = csv_next(r, &err)) == 1) {
		buf_printf(&out, "%zu[", csv_line(r));
		for (size_t i = 0; i < csv_nfields(r); i++) {
			assert_int_equal(strlen(csv_field(r, i)), csv_field_len(r, i));
			buf_printf(&out, "%s%s", i ? "|" : "", csv_field(r, i));
		}
		buf_printf(&out, "] ");
		rc = 0;
	}
	if (rc == 0)
		buf_printf(&out, "END");
	else
		buf_printf(&out, "ERR %s %s", err_code_name(err.code), err.message);
	csv_reader_free(r);
	char *text = xstrdup(out.data ? out.data : "");
	buf_release(&out);
	return text;
}

/* The transcript of data read in chunks of `chunk` bytes. */
static char *transcript_chunked(const char *data, size_t len, size_t chunk, size_t max_record,
				int header)
{
	struct chunked c = {data, len, 0, chunk, -1};
	return transcript(csv_reader_new(chunked_read, &c, max_record), header);
}

/* Checks the transcript of data (from memory and in chunks of 1, 2, 3 and 7
 * bytes, all identical) against expected. */
static void check_len(const char *data, size_t len, int header, size_t max_record,
		      const char *expected)
{
	char *whole = transcript(csv_reader_from_memory(data, len, max_record), header);
	if (strcmp(whole, expected) != 0) {
		print_error("input \"%s\"\n  got      \"%s\"\n  expected \"%s\"\n", data, whole,
			    expected);
		fail();
	}
	static const size_t chunks[] = {1, 2, 3, 7};
	for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
		char *parts = transcript_chunked(data, len, chunks[i], max_record, header);
		if (strcmp(parts, whole) != 0) {
			print_error(
				"input \"%s\" in chunks of %zu\n  got  \"%s\"\n  whole \"%s\"\n",
				data, chunks[i], parts, whole);
			fail();
		}
		free(parts);
	}
	free(whole);
}

static void check(const char *data, int header, const char *expected)
{
	check_len(data, strlen(data), header, 0, expected);
}

static void test_plain_records_split_on_commas_and_line_feeds(void **state)
{
	(void)state;
	check("a,b,c\n1,2,3\n4,5,6\n", 1, "H[a|b|c] 2[1|2|3] 3[4|5|6] END");
	check("a,b,c\n1,2,3\n4,5,6", 1, "H[a|b|c] 2[1|2|3] 3[4|5|6] END");
	check("x\n", 1, "H[x] END");
	check("1,2\n3,4\n", 0, "1[1|2] 2[3|4] END");
}

static void test_crlf_and_lf_line_ends_both_end_records(void **state)
{
	(void)state;
	check("a,b\r\n1,2\r\n3,4\r\n", 1, "H[a|b] 2[1|2] 3[3|4] END");
	check("a,b\r\n1,2\n3,4\r\n", 1, "H[a|b] 2[1|2] 3[3|4] END");
	check("a,b\r\n1,2\r", 1, "H[a|b] 2[1|2] END");
}

static void test_quoted_fields_keep_commas_quotes_and_line_breaks(void **state)
{
	(void)state;
	check("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", 1, "H[a|b] 2[x,y|say \"hi\"] END");
	check("a,b\n\"two\nlines\",2\n3,4\n", 1, "H[a|b] 2[two\nlines|2] 4[3|4] END");
	check("a,b\r\n\"crlf\r\ninside\",2\r\n", 1, "H[a|b] 2[crlf\r\ninside|2] END");
	check("a,b\n\"\",\"\"\"\"\n", 1, "H[a|b] 2[|\"] END");
	check("\"a\"\"\",\"b\nc\"\n1,2\n", 1, "H[a\"|b\nc] 3[1|2] END");
}

static void test_empty_fields_and_trailing_commas_are_empty_strings(void **state)
{
	(void)state;
	check("a,b,c\n,,\n1,,3\n,2,\n", 1, "H[a|b|c] 2[||] 3[1||3] 4[|2|] END");
}

static void test_a_bom_at_the_start_is_skipped_and_elsewhere_kept(void **state)
{
	(void)state;
	check("\xEF\xBB\xBF"
	      "a,b\n1,2\n",
	      1, "H[a|b] 2[1|2] END");
	check("\xEF\xBB\xBF", 0, "END");
	check("\xEF\xBB", 0, "ERR invalid_input 1:1: invalid UTF-8: incomplete sequence");
	check("a,\xEF\xBB\xBF"
	      "b\n",
	      0,
	      "1[a|\xEF\xBB\xBF"
	      "b] END");
}

static void test_blank_lines_are_skipped_unless_the_file_has_one_column(void **state)
{
	(void)state;
	check("\n\na,b\n\n1,2\r\n\r\n3,4\n\n", 1, "H[a|b] 5[1|2] 7[3|4] END");
	check("x\n1\n\n3\n\n", 1, "H[x] 2[1] 3[] 4[3] 5[] END");
}

static void test_header_lookup_by_name(void **state)
{
	(void)state;
	const char *data = "_step,loss,\"a,b\"\n1,2,3\n";
	struct csv_reader *r = csv_reader_from_memory(data, strlen(data), 0);
	assert_int_equal(csv_column(r, "_step"), -1); /* no header read yet */
	struct err err;
	err_init(&err);
	assert_int_equal(csv_read_header(r, &err), 0);
	assert_int_equal(csv_column(r, "_step"), 0);
	assert_int_equal(csv_column(r, "loss"), 1);
	assert_int_equal(csv_column(r, "a,b"), 2);
	assert_int_equal(csv_column(r, "Loss"), -1);
	assert_int_equal(csv_column(r, ""), -1);
	assert_int_equal(csv_line(r), 1);
	assert_int_equal(csv_next(r, &err), 1);
	assert_string_equal(csv_field(r, 2), "3");
	assert_null(csv_field(r, 3));
	assert_int_equal(csv_field_len(r, 3), 0);
	assert_int_equal(csv_next(r, &err), 0);
	assert_int_equal(csv_nfields(r), 0);
	assert_int_equal(csv_next(r, &err), 0);
	csv_reader_free(r);
	csv_reader_free(NULL);
}

/* Reads the one record after the header of data; returns the reader. */
static struct csv_reader *one_record(const char *data)
{
	struct csv_reader *r = csv_reader_from_memory(data, strlen(data), 0);
	struct err err;
	err_init(&err);
	assert_int_equal(csv_read_header(r, &err), 0);
	assert_int_equal(csv_next(r, &err), 1);
	return r;
}

static void test_numbers_parse_and_empty_nan_and_nan_are_missing(void **state)
{
	(void)state;
	struct csv_reader *r = one_record(
		"a,b,c,d,e,f,g,h,i,j,k\n1.5,-2e-3,.5,5.,,NaN,nan,+7,-inf,Infinity,1e-400\n");
	struct err err;
	err_init(&err);
	double v = 0;
	assert_int_equal(csv_get_double(r, 0, &v, &err), 0);
	assert_close(v, 1.5, 0, 0);
	assert_int_equal(csv_get_double(r, 1, &v, &err), 0);
	assert_close(v, -2e-3, 0, 0);
	assert_int_equal(csv_get_double(r, 2, &v, &err), 0);
	assert_close(v, 0.5, 0, 0);
	assert_int_equal(csv_get_double(r, 3, &v, &err), 0);
	assert_close(v, 5.0, 0, 0);
	for (size_t col = 4; col <= 6; col++) {
		v = 0;
		assert_int_equal(csv_get_double(r, col, &v, &err), 1);
		assert_true(isnan(v));
	}
	assert_int_equal(csv_get_double(r, 7, &v, &err), 0);
	assert_close(v, 7.0, 0, 0);
	assert_int_equal(csv_get_double(r, 8, &v, &err), 0);
	assert_true(isinf(v) && v < 0);
	assert_int_equal(csv_get_double(r, 9, &v, &err), 0);
	assert_true(isinf(v) && v > 0);
	assert_int_equal(csv_get_double(r, 10, &v, &err), 0); /* underflow rounds to 0 */
	assert_close(v, 0.0, 0, 1e-300);
	assert_int_equal(err.code, ERR_NONE);
	csv_reader_free(r);
}

/* Field col of the record after the header of data is an error with message. */
static void number_fails(const char *data, size_t col, const char *message)
{
	struct csv_reader *r = one_record(data);
	struct err err;
	err_init(&err);
	double v = 0;
	assert_int_equal(csv_get_double(r, col, &v, &err), -1);
	assert_true(isnan(v));
	assert_err(&err, ERR_INVALID, NULL);
	if (strcmp(err.message, message) != 0) {
		print_error("got \"%s\"\n expected \"%s\"\n", err.message, message);
		fail();
	}
	assert_int_equal(err.n_details, 1);
	csv_reader_free(r);
}

static void test_non_numbers_are_errors_with_line_column_and_name(void **state)
{
	(void)state;
	number_fails("x,loss\n1,NA\n", 1,
		     "2:3: column \"loss\": \"NA\" is not a number (missing values are empty, NaN "
		     "or nan)");
	number_fails("x,loss\n1,abc\n", 1,
		     "2:3: column \"loss\": \"abc\" is not a number (missing values are empty, "
		     "NaN or nan)");
	number_fails("x,loss\n1, 2\n", 1,
		     "2:3: column \"loss\": \" 2\" is not a number (missing values are empty, NaN "
		     "or nan)");
	number_fails("x,loss\n1,0x10\n", 1,
		     "2:3: column \"loss\": \"0x10\" is not a number (missing values are empty, "
		     "NaN or nan)");
	number_fails("x,loss\n1,NAN\n", 1,
		     "2:3: column \"loss\": \"NAN\" is not a number (missing values are empty, "
		     "NaN or nan)");
	number_fails("x,loss\n1,1e999\n", 1,
		     "2:3: column \"loss\": \"1e999\" is out of the range of a double");
	number_fails("x,loss\n\"a\nb\",\"\n1.0x\"\n", 1,
		     "3:4: column \"loss\": \"\n1.0x\" is not a number (missing values are "
		     "empty, NaN or nan)");
	number_fails("x,loss\n1,2\n", 2, "2:1: column 3: is missing from the record");
}

static void test_syntax_errors_report_line_and_column(void **state)
{
	(void)state;
	check("a,b\n1,\"abc\n", 1, "H[a|b] ERR invalid_input 2:3: unterminated quoted field");
	check("a,b\n1,ab\"c\n", 1, "H[a|b] ERR invalid_input 2:5: quote inside an unquoted field");
	check("a,b\n\"x\"y,1\n", 1,
	      "H[a|b] ERR invalid_input 2:4: unexpected character after a closing quote");
	check("a,b\n\"x\" ,1\n", 1,
	      "H[a|b] ERR invalid_input 2:4: unexpected character after a closing quote");
	check("a,b\r1,2\n", 1,
	      "ERR invalid_input 1:4: carriage return not followed by a line feed");
	check("a,b\n1,\"x\r\"\n", 1, "H[a|b] 2[1|x\r] END");
}

static void test_field_count_must_match_the_header(void **state)
{
	(void)state;
	check("a,b\n1,2,3\n", 1,
	      "H[a|b] ERR invalid_input 2:4: record has more than 2 fields (as the header)");
	check("a,b\n1\n", 1,
	      "H[a|b] ERR invalid_input 2:2: record has 1 field, expected 2 (as the header)");
	check("a,b\n1", 1,
	      "H[a|b] ERR invalid_input 2:2: record has 1 field, expected 2 (as the header)");
	check("a,b\n1,2\n\"x\ny\"\n", 1,
	      "H[a|b] 2[1|2] ERR invalid_input 4:3: record has 1 field, expected 2 (as the "
	      "header)");
	check("1,2\n3\n", 0,
	      "1[1|2] ERR invalid_input 2:2: record has 1 field, expected 2 (as the first "
	      "record)");
	check("x\n1,2\n", 1,
	      "H[x] ERR invalid_input 2:2: record has more than 1 field (as the header)");
}

static void test_invalid_utf8_and_nul_are_errors_at_their_character(void **state)
{
	(void)state;
	check("a,b\n1,\xFF\n", 1,
	      "H[a|b] ERR invalid_input 2:3: invalid UTF-8: byte 0xFF cannot start a character");
	check("a,b\n\xC3\xA9\xC3\xA9,\xC0\x80\n", 1,
	      "H[a|b] ERR invalid_input 2:4: invalid UTF-8: byte 0xC0 cannot start a character");
	check("a,b\n1,x\xC3,\n", 1,
	      "H[a|b] ERR invalid_input 2:4: invalid UTF-8: incomplete sequence");
	check("a,b\n1,\xED\xA0\x80\n", 1,
	      "H[a|b] ERR invalid_input 2:3: invalid UTF-8: bad continuation byte 0xA0");
	check("a,b\n1,\xF4\x90\x80\x80\n", 1,
	      "H[a|b] ERR invalid_input 2:3: invalid UTF-8: bad continuation byte 0x90");
	check("a,b\n1,\"\xE2\x82\"\n", 1,
	      "H[a|b] ERR invalid_input 2:4: invalid UTF-8: incomplete sequence");
	check("a,b\n\xE2\x82\xAC,\xF0\x9F\x98\x80\n", 1,
	      "H[a|b] 2[\xE2\x82\xAC|\xF0\x9F\x98\x80] END");
	check_len("a,b\n1,x\0y\n", 10, 1, 0, "H[a|b] ERR invalid_input 2:4: NUL byte in a field");
}

static void test_header_errors(void **state)
{
	(void)state;
	check("", 1, "ERR invalid_input 1:1: no header: the input is empty");
	check("\n\r\n", 1, "ERR invalid_input 3:1: no header: the input is empty");
	check("a,b,a\n1,2,3\n", 1,
	      "ERR invalid_input 1:5: duplicate column name \"a\" (columns 1 and 3)");

	const char *data = "a\n1\n";
	struct csv_reader *r = csv_reader_from_memory(data, strlen(data), 0);
	struct err err;
	err_init(&err);
	assert_int_equal(csv_next(r, &err), 1);
	assert_int_equal(csv_read_header(r, &err), -1);
	assert_err(&err, ERR_INVALID, "the header must be read before any record");
	csv_reader_free(r);
}

static void test_records_past_the_cap_are_too_large_errors(void **state)
{
	(void)state;
	/* "a,b" costs 4 bytes (field bytes plus one per field). */
	check_len("a,b\n1234,5678\n", 14, 1, 4,
		  "H[a|b] ERR too_large 2:1: record longer than the limit of 4 bytes");
	check_len("a,b\n12,5\n", 9, 1, 5, "H[a|b] 2[12|5] END");
	check_len(",,,,,\n", 6, 0, 5, "ERR too_large 1:1: record longer than the limit of 5 bytes");
	check_len("\"aaaa\naaaa\"\n", 12, 0, 8,
		  "ERR too_large 1:1: record longer than the limit of 8 bytes");

	/* A 3 MiB field against the default cap of 1 MiB. */
	size_t len = (size_t)3 << 20;
	char *big = xmalloc(len + 16);
	memcpy(big, "a\n\"", 3);
	memset(big + 3, 'x', len);
	memcpy(big + 3 + len, "\"\n", 2);
	char *text = transcript(csv_reader_from_memory(big, len + 5, 0), 1);
	assert_string_equal(text, "H[a] ERR too_large 2:1: record longer than the limit of "
				  "1048576 bytes");
	free(text);
	free(big);
}

static void test_errors_are_sticky(void **state)
{
	(void)state;
	const char *data = "a,b\n1,\"x\n";
	struct csv_reader *r = csv_reader_from_memory(data, strlen(data), 0);
	struct err err;
	err_init(&err);
	assert_int_equal(csv_read_header(r, &err), 0);
	assert_int_equal(csv_next(r, &err), -1);
	assert_string_equal(err.message, "2:3: unterminated quoted field");
	assert_int_equal(err.n_details, 1);
	assert_int_equal(err.details[0].line, 2);
	assert_int_equal(err.details[0].column, 3);
	assert_int_equal(csv_nfields(r), 0);
	struct err again;
	err_init(&again);
	assert_int_equal(csv_next(r, &again), -1);
	assert_string_equal(again.message, err.message);
	csv_reader_free(r);
}

static void test_skip_count_reports_a_bad_record_alone_and_reads_on(void **state)
{
	(void)state;
	const char *data = "a,b\n1,2,3,\"4\n5\"\n6\n7,8\n\"9\n";
	struct csv_reader *r = csv_reader_from_memory(data, strlen(data), 0);
	csv_set_skip_count(r, true);
	struct err err;
	err_init(&err);
	assert_int_equal(csv_read_header(r, &err), 0);
	assert_int_equal(csv_next(r, &err), -2);
	assert_string_equal(err.message, "2:4: record has more than 2 fields (as the header)");
	assert_int_equal(err.details[0].line, 2);
	assert_int_equal(err.details[0].column, 4);
	assert_int_equal(csv_nfields(r), 0);
	err_init(&err);
	assert_int_equal(csv_next(r, &err), -2);
	assert_string_equal(err.message, "4:2: record has 1 field, expected 2 (as the header)");
	err_init(&err);
	assert_int_equal(csv_next(r, &err), 1);
	assert_int_equal(csv_line(r), 5);
	assert_string_equal(csv_field(r, 1), "8");
	/* other errors stay sticky */
	assert_int_equal(csv_next(r, &err), -1);
	assert_string_equal(err.message, "6:1: unterminated quoted field");
	assert_int_equal(csv_next(r, &err), -1);
	csv_reader_free(r);
}

static void test_a_failing_read_callback_is_an_error(void **state)
{
	(void)state;
	const char *data = "a,b\n1,2\n3,4\n";
	struct chunked c = {data, strlen(data), 0, 4, 6};
	char *text = transcript(csv_reader_new(chunked_read, &c, 0), 1);
	assert_string_equal(text, "H[a|b] 2[1|2] ERR invalid_input 3:1: could not read the input: "
				  "Input/output error");
	free(text);
}

static ssize_t olmo_read(void *ctx, char *buf, size_t cap)
{
	FILE *f = ctx;
	size_t n = fread(buf, 1, cap, f);
	if (n == 0 && ferror(f))
		return -1;
	return (ssize_t)n;
}

/* Expected values read with Python's csv module (rows 1, 2, 18 and 37). */
static void test_the_olmo_190m_export_parses(void **state)
{
	(void)state;
	FILE *f = fopen(OLMO_CSV, "rb");
	if (!f) {
		print_message("skipped: %s is absent\n", OLMO_CSV);
		skip();
	}
	struct csv_reader *r = csv_reader_new(olmo_read, f, 0);
	struct err err;
	err_init(&err);
	assert_int_equal(csv_read_header(r, &err), 0);
	assert_int_equal(csv_ncolumns(r), 97);
	int step = csv_column(r, "_step");
	int pile = csv_column(r, "eval/pile-validation/CrossEntropyLoss");
	int gflops = csv_column(r, "throughput/total_training_Gflops");
	int batch = csv_column(r, "batch_size_in_tokens");
	assert_int_equal(step, 0);
	assert_int_equal(pile, 10);
	assert_int_equal(gflops, 93);
	assert_int_equal(batch, 96);
	static const struct {
		size_t row;
		double step, pile, gflops;
	} want[] = {
		{1, 200, 6.404236793518066, 199585036.4485632},
		{2, 400, 5.090716361999512, 399170072.8971264},
		{18, 3600, 3.2012875080108643, 3592530656.0741377},
		{37, 7272, 3.0059151649475098, 7256911925.269758},
	};
	size_t rows = 0, k = 0;
	int rc;
	while ((rc = csv_next(r, &err)) == 1) {
		rows++;
		assert_int_equal(csv_nfields(r), 97);
		assert_int_equal(csv_line(r), rows + 1);
		double v = 0;
		assert_int_equal(csv_get_double(r, (size_t)batch, &v, &err), 0);
		assert_close(v, 524288, 0, 0);
		if (k < ARRAY_SIZE(want) && want[k].row == rows) {
			assert_int_equal(csv_get_double(r, (size_t)step, &v, &err), 0);
			assert_close(v, want[k].step, 0, 0);
			assert_int_equal(csv_get_double(r, (size_t)pile, &v, &err), 0);
			assert_close(v, want[k].pile, 0, 0);
			assert_int_equal(csv_get_double(r, (size_t)gflops, &v, &err), 0);
			assert_close(v, want[k].gflops, 0, 0);
			k++;
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(rows, 37);
	assert_int_equal(k, ARRAY_SIZE(want));
	csv_reader_free(r);

	/* The same file a byte at a time gives the same transcript. */
	rewind(f);
	struct buf all;
	buf_init(&all, 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&all, chunk, n);
	fclose(f);
	assert_int_equal(all.len, 72623);
	char *whole = transcript(csv_reader_from_memory(all.data, all.len, 0), 1);
	char *bytes = transcript_chunked(all.data, all.len, 1, 0, 1);
	assert_string_equal(bytes, whole);
	assert_non_null(strstr(whole, " 38[7272|"));
	assert_non_null(strstr(whole, "END"));
	free(whole);
	free(bytes);
	buf_release(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records_split_on_commas_and_line_feeds),
		cmocka_unit_test(test_crlf_and_lf_line_ends_both_end_records),
		cmocka_unit_test(test_quoted_fields_keep_commas_quotes_and_line_breaks),
		cmocka_unit_test(test_empty_fields_and_trailing_commas_are_empty_strings),
		cmocka_unit_test(test_a_bom_at_the_start_is_skipped_and_elsewhere_kept),
		cmocka_unit_test(test_blank_lines_are_skipped_unless_the_file_has_one_column),
		cmocka_unit_test(test_header_lookup_by_name),
		cmocka_unit_test(test_numbers_parse_and_empty_nan_and_nan_are_missing),
		cmocka_unit_test(test_non_numbers_are_errors_with_line_column_and_name),
		cmocka_unit_test(test_syntax_errors_report_line_and_column),
		cmocka_unit_test(test_field_count_must_match_the_header),
		cmocka_unit_test(test_invalid_utf8_and_nul_are_errors_at_their_character),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_records_past_the_cap_are_too_large_errors),
		cmocka_unit_test(test_errors_are_sticky),
		cmocka_unit_test(test_skip_count_reports_a_bad_record_alone_and_reads_on),
		cmocka_unit_test(test_a_failing_read_callback_is_an_error),
		cmocka_unit_test(test_the_olmo_190m_export_parses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
