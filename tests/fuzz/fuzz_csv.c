/* Fuzzes the CSV reader. The first byte picks the record cap, the second the
 * read-chunk pattern (a byte at a time, or uneven chunks), the third whether a
 * header is read; the rest is the CSV.
 * Invariants: the same records and error whether the input arrives whole, a
 * byte at a time or in uneven chunks; errors are "LINE:COL: ..." with one
 * detail; fields are valid UTF-8 without NUL, as many in every record, within
 * the cap; header names look up to their own index; numbers agree with strtod;
 * and what parses, written back with every field quoted, parses the same. */
#include "common.h"

#include <math.h>

#include "core.h"
#include "csv.h"
#include "err.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

/* Input in chunks: fixed size, or pseudo-random sizes 1..17 when seed != 0. */
struct feed {
	const uint8_t *data;
	size_t len, pos, chunk;
	uint32_t seed;
};

static ssize_t feed_read(void *ctx, char *buf, size_t cap)
{
	struct feed *f = ctx;
	size_t n = f->chunk;
	if (f->seed) {
		f->seed = f->seed * 1103515245u + 12345u;
		n = 1 + (f->seed >> 16) % 17;
	}
	if (n > cap)
		n = cap;
	if (n > f->len - f->pos)
		n = f->len - f->pos;
	if (n)
		memcpy(buf, f->data + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

/* True when s[0..n) is valid UTF-8 (checked independently of the reader). */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t need;
		unsigned lo = 0x80, hi = 0xBF;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return 0;
		}
		if (i + need >= n)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			unsigned b = s[i + k];
			if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
				return 0;
		}
		i += need + 1;
	}
	return 1;
}

/* An error must read "LINE:COL: what" and carry one detail with both. */
static void check_error(const struct err *err)
{
	FUZZ_CHECK(err->code == ERR_INVALID || err->code == ERR_TOO_LARGE);
	unsigned long line = 0, col = 0;
	int used = 0;
	FUZZ_CHECK(sscanf(err->message, "%lu:%lu: %n", &line, &col, &used) == 2 && used > 0);
	FUZZ_CHECK(line >= 1 && col >= 1 && err->message[used] != '\0');
	FUZZ_CHECK(err->n_details == 1);
	FUZZ_CHECK(err->details[0].line == (int)line && err->details[0].column == (int)col);
}

/* Checks one record's fields, numbers included. err: scratch, clear on entry
 * and on return (a struct err is 24 KiB: cleared only after use). */
static void check_record(const struct csv_reader *r, size_t cap, struct err *scratch)
{
	size_t used = 0;
	for (size_t i = 0; i < csv_nfields(r); i++) {
		const char *s = csv_field(r, i);
		size_t len = csv_field_len(r, i);
		FUZZ_CHECK(s && strlen(s) == len && valid_utf8((const unsigned char *)s, len));
		used += len + 1;
		double v = 0;
		struct err *err = scratch;
		int rc = csv_get_double(r, i, &v, err);
		if (rc == 1) {
			FUZZ_CHECK(isnan(v) && (!*s || !strcmp(s, "NaN") || !strcmp(s, "nan")));
		} else if (rc == 0) {
			char *end = NULL;
			double again = strtod(s, &end);
			FUZZ_CHECK(*end == '\0' && !isnan(v) && memcmp(&again, &v, sizeof(v)) == 0);
		} else {
			FUZZ_CHECK(rc == -1 && err->code == ERR_INVALID && isnan(v));
			FUZZ_CHECK(err->n_details == 1 && err->details[0].line >= 1);
			err_init(err);
		}
		FUZZ_CHECK(!err_is_set(err));
	}
	FUZZ_CHECK(used <= cap);
	FUZZ_CHECK(csv_field(r, csv_nfields(r)) == NULL);
}

/* Appends a size in binary (transcripts are compared, never printed). */
static void put_size(struct buf *out, char tag, size_t v)
{
	buf_append(out, &tag, 1);
	buf_append(out, &v, sizeof(v));
}

/* Everything the reader yields, length-prefixed (header, records with their
 * lines, then the end or the error); *ok says whether it ended cleanly. With
 * checks, the per-record and per-error invariants too (the chunked readers'
 * transcripts are compared with the checked one instead). */
static void transcript(struct csv_reader *r, int header, size_t cap, int checks, struct buf *out,
		       int *ok)
{
	struct err err, scratch;
	err_init(&err);
	if (checks)
		err_init(&scratch);
	int rc = header ? csv_read_header(r, &err) : 0;
	if (rc == 0 && header) {
		put_size(out, 'H', csv_ncolumns(r));
		for (size_t i = 0; i < csv_ncolumns(r); i++) {
			const char *name = csv_column_name(r, i);
			FUZZ_CHECK(!checks || csv_column(r, name) == (int)i);
			put_size(out, 'N', strlen(name));
			buf_append(out, name, strlen(name));
		}
	}
	size_t nfields = header && rc == 0 ? csv_ncolumns(r) : 0;
	while (rc == 0 && (rc = csv_next(r, &err)) == 1) {
		FUZZ_CHECK(csv_nfields(r) >= 1 && csv_line(r) >= 1);
		if (!nfields)
			nfields = csv_nfields(r);
		FUZZ_CHECK(csv_nfields(r) == nfields);
		if (checks)
			check_record(r, cap, &scratch);
		put_size(out, 'R', csv_line(r));
		for (size_t i = 0; i < csv_nfields(r); i++) {
			put_size(out, 'F', csv_field_len(r, i));
			buf_append(out, csv_field(r, i), csv_field_len(r, i));
		}
		rc = 0;
	}
	*ok = rc == 0;
	if (rc == 0) {
		FUZZ_CHECK(csv_nfields(r) == 0);
		buf_append(out, "END", 3);
	} else {
		put_size(out, 'E', (size_t)err.code);
		buf_append(out, err.message, strlen(err.message));
		if (checks) {
			check_error(&err);
			struct err again;
			err_init(&again);
			FUZZ_CHECK(csv_next(r, &again) == -1 &&
				   strcmp(again.message, err.message) == 0);
		}
	}
	csv_reader_free(r);
}

/* Writes every record back with all fields quoted and LF line ends. */
static void canonical(const uint8_t *data, size_t len, size_t cap, int header, struct buf *out)
{
	struct csv_reader *r = csv_reader_from_memory((const char *)data, len, cap);
	struct err err;
	err_init(&err);
	FUZZ_CHECK(!header || csv_read_header(r, &err) == 0);
	for (size_t row = 0;; row++) {
		size_t n;
		if (row == 0 && header) {
			n = csv_ncolumns(r);
		} else {
			int rc = csv_next(r, &err);
			FUZZ_CHECK(rc >= 0);
			if (rc == 0)
				break;
			n = csv_nfields(r);
		}
		for (size_t i = 0; i < n; i++) {
			const char *s =
				row == 0 && header ? csv_column_name(r, i) : csv_field(r, i);
			buf_append(out, i ? ",\"" : "\"", i ? 2 : 1);
			for (; *s; s++) {
				if (*s == '"')
					buf_append(out, "\"\"", 2);
				else
					buf_append(out, s, 1);
			}
			buf_append(out, "\"", 1);
		}
		buf_append(out, "\n", 1);
	}
	csv_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t cap = data[0] == 0xFF ? 0 : 1 + (size_t)(data[0] % 64) * 8;
	uint32_t seed = data[1] | 1u;
	int header = data[2] & 1;
	data += 3;
	size -= 3;
	size_t limit = cap ? cap : CSV_DEFAULT_MAX_RECORD;

	struct buf whole, chunked;
	buf_init(&whole, 0);
	int ok = 0, ok2 = 0;
	transcript(csv_reader_from_memory((const char *)data, size, cap), header, limit, 1, &whole,
		   &ok);
	/* Again a byte at a time, or (bit 1 of the second byte) in uneven chunks. */
	struct feed feed = {data, size, 0, 1, seed & 2 ? seed : 0};
	buf_init(&chunked, 0);
	transcript(csv_reader_new(feed_read, &feed, cap), header, limit, 0, &chunked, &ok2);
	FUZZ_CHECK(whole.len == chunked.len &&
		   (!whole.len || memcmp(whole.data, chunked.data, whole.len) == 0));
	buf_release(&chunked);

	if (ok) {
		/* Quoting everything changes no field: the records (not their lines,
		 * which blank lines and the BOM move) come back the same. */
		struct buf canon, again;
		buf_init(&canon, 0);
		buf_init(&again, 0);
		canonical(data, size, cap, header, &canon);
		canonical((const uint8_t *)(canon.data ? canon.data : ""), canon.len, cap, header,
			  &again);
		FUZZ_CHECK(canon.len == again.len &&
			   (!canon.len || memcmp(canon.data, again.data, canon.len) == 0));
		buf_release(&canon);
		buf_release(&again);
	}
	buf_release(&whole);
	return 0;
}
