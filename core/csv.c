/* CSV reader: an RFC 4180 state machine over bytes pulled in chunks from a
 * callback, holding the current record only, validating UTF-8 and reporting
 * errors at their line and column (characters, 1-based). */
#include "common.h"

#include <math.h>

#include "csv.h"
#include "err.h"

/* Reads go into a buffer of 4 KiB, doubling up to 64 KiB while the callback fills it. */
#define CSV_FIRST_CHUNK 4096
#define CSV_CHUNK 65536

/* Where field i of the current record lives and where it started. */
struct csv_field_pos {
	size_t off; /* into rec */
	size_t line, col;
};

struct csv_reader {
	csv_read_fn read; /* NULL for a reader over memory */
	void *ctx;
	size_t max_record;

	/* Input: in[in_pos..in_len) not consumed yet, in buf (or the caller's
	 * memory); eof once the callback said so (at once for memory). */
	const char *in;
	char *buf;
	size_t buf_cap, in_len, in_pos;
	bool eof, started;
	/* Position of the next character: line and column, 1-based. */
	size_t line, col;

	/* The current record: NUL-terminated fields back to back in rec. */
	char *rec;
	size_t rec_len, rec_cap, rec_used; /* rec_used: field bytes + 1 per field */
	struct csv_field_pos *fields;
	size_t nfields, fields_cap;
	size_t rec_line;

	/* UTF-8 sequence in progress inside a field. */
	int u8_need;
	unsigned char u8_lo, u8_hi;
	size_t u8_line, u8_col;

	char **names; /* header; ncols names */
	size_t ncols;
	size_t expect; /* fields per record, 0 until the first record */
	bool header_tried, done;
	struct err *failure; /* sticky: the first error, replayed */

	/* csv_set_skip_count: a record of the wrong field count is read to its
	 * end and reported alone; count_bad marks one with too many fields,
	 * count_line:count_col its first extra separator. */
	bool skip_count, count_bad;
	size_t count_line, count_col;
};

struct csv_reader *csv_reader_new(csv_read_fn fn, void *ctx, size_t max_record)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	r->read = fn;
	r->ctx = ctx;
	r->max_record = max_record ? max_record : CSV_DEFAULT_MAX_RECORD;
	r->line = 1;
	r->col = 1;
	return r;
}

struct csv_reader *csv_reader_from_memory(const char *data, size_t len, size_t max_record)
{
	/* The whole input is there: the reader reads it in place. */
	struct csv_reader *r = csv_reader_new(NULL, NULL, max_record);
	r->in = data ? data : "";
	r->in_len = data ? len : 0;
	r->eof = true;
	return r;
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	free(r->rec);
	free(r->fields);
	free(r->buf);
	free(r->failure);
	free(r);
}

/* Records err as the reader's sticky failure (err must be set); returns -1. */
static int fail_sticky(struct csv_reader *r, const struct err *err)
{
	if (!r->failure) {
		r->failure = xmalloc(sizeof(*r->failure));
		memcpy(r->failure, err, sizeof(*err));
	}
	r->nfields = 0;
	return -1;
}

/* The error "LINE:COL: what" with its one detail, into local. */
static void error_at(struct err *local, enum err_code code, size_t line, size_t col,
		     const char *what)
{
	err_init(local);
	err_set(local, code, "%zu:%zu: %s", line, col, what);
	err_detail(local, "csv", line > INT_MAX ? INT_MAX : (int)line,
		   col > INT_MAX ? INT_MAX : (int)col, "%s", what);
}

/* Sets an error at line:col and makes it sticky; returns -1. */
static int fail_at(struct csv_reader *r, struct err *err, enum err_code code, size_t line,
		   size_t col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail_at(struct csv_reader *r, struct err *err, enum err_code code, size_t line,
		   size_t col, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct err local;
	error_at(&local, code, line, col, what);
	fail_sticky(r, &local);
	if (err && !err_is_set(err))
		memcpy(err, &local, sizeof(local));
	return -1;
}

/* A record of the wrong field count under csv_set_skip_count: the error for
 * this record only (not sticky); returns -2. */
static int skip_record(struct csv_reader *r, struct err *err, size_t line, size_t col,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int skip_record(struct csv_reader *r, struct err *err, size_t line, size_t col,
		       const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct err local;
	error_at(&local, ERR_INVALID, line, col, what);
	if (err && !err_is_set(err))
		memcpy(err, &local, sizeof(local));
	r->nfields = 0;
	return -2;
}

/* Replays the sticky failure into err; returns -1. */
static int replay_failure(const struct csv_reader *r, struct err *err)
{
	if (err && !err_is_set(err))
		memcpy(err, r->failure, sizeof(*err));
	return -1;
}

/* Reads more input after the unread bytes, which move to the front of the
 * buffer: 1 when some came, 0 at the end, -1 on a read failure (err set). */
static int pull(struct csv_reader *r, struct err *err)
{
	size_t keep = r->in_len - r->in_pos;
	if (!r->buf) {
		r->buf_cap = CSV_FIRST_CHUNK;
		r->buf = xmalloc(r->buf_cap);
	} else if (r->in_len == r->buf_cap && r->buf_cap < CSV_CHUNK) {
		/* The last read filled the buffer: a bigger one takes fewer calls. */
		char *bigger = xmalloc(2 * r->buf_cap);
		memcpy(bigger, r->in + r->in_pos, keep);
		free(r->buf);
		r->buf = bigger;
		r->buf_cap *= 2;
		r->in = r->buf;
		r->in_pos = 0;
	}
	if (keep)
		memmove(r->buf, r->in + r->in_pos, keep);
	r->in = r->buf;
	r->in_pos = 0;
	r->in_len = keep;
	ssize_t n;
	do {
		errno = 0;
		n = r->read(r->ctx, r->buf + keep, r->buf_cap - keep);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n > r->buf_cap - keep) {
		int saved = errno;
		r->eof = true;
		return fail_at(r, err, ERR_INVALID, r->line, r->col, "could not read the input: %s",
			       n >= 0  ? "the read callback overran its buffer"
			       : saved ? strerror(saved)
				       : "read failed");
	}
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->in_len += (size_t)n;
	return 1;
}

/* Makes at least one unread byte available: 1, or 0 at the end, -1 on a
 * read failure (err set). */
static int fill(struct csv_reader *r, struct err *err)
{
	if (r->in_pos < r->in_len)
		return 1;
	if (r->eof)
		return 0;
	return pull(r, err);
}

/* The next byte (0..255) without consuming it, -1 at the end, -2 on error. */
static int peek(struct csv_reader *r, struct err *err)
{
	int rc = fill(r, err);
	if (rc <= 0)
		return rc == 0 ? -1 : -2;
	return (unsigned char)r->in[r->in_pos];
}

/* Consumes the byte peek returned, advancing line and column: continuation
 * bytes of UTF-8 share their lead byte's column. */
static void consume(struct csv_reader *r, int c)
{
	r->in_pos++;
	if (c == '\n') {
		r->line++;
		r->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		r->col++;
	}
}

/* Skips a UTF-8 byte order mark at the very start of the input, even when the
 * callback delivers it a byte at a time. */
static int skip_bom(struct csv_reader *r, struct err *err)
{
	static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
	r->started = true;
	while (r->in_len - r->in_pos < 3 && !r->eof)
		if (pull(r, err) < 0)
			return -1;
	if (r->in_len - r->in_pos >= 3 && memcmp(r->in + r->in_pos, bom, 3) == 0)
		r->in_pos += 3;
	return 0;
}

/* Room for one more field (its metadata), charged one byte to the record. */
static int start_field(struct csv_reader *r, struct err *err, size_t line, size_t col)
{
	if (r->rec_used + 1 > r->max_record)
		return fail_at(r, err, ERR_TOO_LARGE, r->rec_line, 1,
			       "record longer than the limit of %zu bytes", r->max_record);
	if (r->nfields == r->fields_cap) {
		/* At most max_record fields: each is charged a byte. */
		size_t cap = r->fields_cap ? 2 * r->fields_cap : 16;
		if (cap > r->max_record)
			cap = r->max_record;
		r->fields = xrealloc(r->fields, cap * sizeof(*r->fields));
		r->fields_cap = cap;
	}
	r->rec_used++;
	struct csv_field_pos *f = &r->fields[r->nfields++];
	f->off = r->rec_len;
	f->line = line;
	f->col = col;
	return 0;
}

/* Appends one byte to the record buffer (no checks). */
static void rec_put(struct csv_reader *r, char c)
{
	if (r->rec_len + 1 >= r->rec_cap) {
		size_t cap = r->rec_cap ? 2 * r->rec_cap : 256;
		r->rec = xrealloc(r->rec, cap);
		r->rec_cap = cap;
	}
	r->rec[r->rec_len++] = c;
}

/* Ends the current field: NUL-terminates it; fails on a UTF-8 sequence cut short. */
static int end_field(struct csv_reader *r, struct err *err)
{
	if (r->u8_need)
		return fail_at(r, err, ERR_INVALID, r->u8_line, r->u8_col,
			       "invalid UTF-8: incomplete sequence");
	rec_put(r, '\0');
	return 0;
}

/* Appends content byte c, at line:col, to the current field: checks the cap,
 * NUL and UTF-8 (incrementally: the allowed range of the next byte). */
static int field_byte(struct csv_reader *r, struct err *err, int c, size_t line, size_t col)
{
	if (r->rec_used + 1 > r->max_record)
		return fail_at(r, err, ERR_TOO_LARGE, r->rec_line, 1,
			       "record longer than the limit of %zu bytes", r->max_record);
	if (r->u8_need) {
		if (c < r->u8_lo || c > r->u8_hi)
			return fail_at(r, err, ERR_INVALID, r->u8_line, r->u8_col,
				       "invalid UTF-8: bad continuation byte 0x%02X", (unsigned)c);
		r->u8_need--;
		r->u8_lo = 0x80;
		r->u8_hi = 0xBF;
	} else if (c == 0) {
		return fail_at(r, err, ERR_INVALID, line, col, "NUL byte in a field");
	} else if (c >= 0x80) {
		r->u8_line = line;
		r->u8_col = col;
		r->u8_lo = 0x80;
		r->u8_hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			r->u8_need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			r->u8_need = 2;
			if (c == 0xE0)
				r->u8_lo = 0xA0; /* no overlong forms */
			else if (c == 0xED)
				r->u8_hi = 0x9F; /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			r->u8_need = 3;
			if (c == 0xF0)
				r->u8_lo = 0x90;
			else if (c == 0xF4)
				r->u8_hi = 0x8F; /* nothing past U+10FFFF */
		} else {
			return fail_at(r, err, ERR_INVALID, line, col,
				       "invalid UTF-8: byte 0x%02X cannot start a character",
				       (unsigned)c);
		}
	}
	r->rec_used++;
	rec_put(r, (char)c);
	return 0;
}

/* After a carriage return (consumed): a line feed must follow, or the end. */
static int after_cr(struct csv_reader *r, struct err *err, size_t line, size_t col)
{
	int c = peek(r, err);
	if (c == -2)
		return -1;
	if (c == '\n') {
		consume(r, c);
		return 0;
	}
	if (c == -1)
		return 0;
	return fail_at(r, err, ERR_INVALID, line, col,
		       "carriage return not followed by a line feed");
}

/* Checks the field count once a record ended at line:col. */
static int check_count(struct csv_reader *r, struct err *err, size_t line, size_t col)
{
	if (r->count_bad) {
		r->count_bad = false;
		return skip_record(r, err, r->count_line, r->count_col,
				   "record has more than %zu field%s%s", r->expect,
				   r->expect == 1 ? "" : "s",
				   r->ncols ? " (as the header)" : " (as the first record)");
	}
	if (r->skip_count && r->expect && r->nfields != r->expect)
		return skip_record(r, err, line, col, "record has %zu field%s, expected %zu%s",
				   r->nfields, r->nfields == 1 ? "" : "s", r->expect,
				   r->ncols ? " (as the header)" : " (as the first record)");
	if (r->expect && r->nfields != r->expect)
		return fail_at(r, err, ERR_INVALID, line, col,
			       "record has %zu field%s, expected %zu%s", r->nfields,
			       r->nfields == 1 ? "" : "s", r->expect,
			       r->ncols ? " (as the header)" : " (as the first record)");
	if (!r->expect)
		r->expect = r->nfields;
	return 0;
}

/* Skips blank lines before a record when they cannot be records (a record of
 * one empty field needs a single-column file). Returns the first byte of the
 * record (or -1 at the end, -2 on error). */
static int skip_blank_lines(struct csv_reader *r, struct err *err)
{
	for (;;) {
		int c = peek(r, err);
		if (c < 0 || (c != '\n' && c != '\r') || r->expect == 1)
			return c;
		size_t line = r->line, col = r->col;
		consume(r, c);
		if (c == '\r' && after_cr(r, err, line, col) < 0)
			return -2;
	}
}

enum csv_state { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_SEEN };

/* A separator at line:col: ends the field and starts the next one. */
static int separator(struct csv_reader *r, struct err *err, size_t line, size_t col)
{
	if (end_field(r, err) < 0)
		return -1;
	if (r->expect && r->nfields >= r->expect && r->skip_count) {
		/* read on to the record's end; check_count reports it */
		if (!r->count_bad) {
			r->count_bad = true;
			r->count_line = line;
			r->count_col = col;
		}
	} else if (r->expect && r->nfields >= r->expect)
		return fail_at(r, err, ERR_INVALID, line, col, "record has more than %zu field%s%s",
			       r->expect, r->expect == 1 ? "" : "s",
			       r->ncols ? " (as the header)" : " (as the first record)");
	return start_field(r, err, r->line, r->col);
}

/* Reads one record into rec/fields: 1, 0 at the end, -1 on error, -2 for a
 * record of the wrong field count under skip_count. */
static int read_record(struct csv_reader *r, struct err *err)
{
	r->rec_len = 0;
	r->rec_used = 0;
	r->nfields = 0;
	r->u8_need = 0;
	r->count_bad = false;
	if (!r->started && skip_bom(r, err) < 0)
		return -1;
	int c = skip_blank_lines(r, err);
	if (c == -2)
		return -1;
	if (c == -1)
		return 0;
	r->rec_line = r->line;
	if (start_field(r, err, r->line, r->col) < 0)
		return -1;
	enum csv_state state = CSV_FIELD_START;
	size_t qline = 0, qcol = 0; /* the opening quote */
	for (;;) {
		c = peek(r, err);
		if (c == -2)
			return -1;
		size_t line = r->line, col = r->col;
		if (c >= 0)
			consume(r, c);
		if (state == CSV_QUOTED) {
			if (c == -1)
				return fail_at(r, err, ERR_INVALID, qline, qcol,
					       "unterminated quoted field");
			if (c == '"') {
				state = CSV_QUOTE_SEEN;
				continue;
			}
			if (field_byte(r, err, c, line, col) < 0)
				return -1;
			continue;
		}
		if (state == CSV_QUOTE_SEEN && c == '"') {
			/* A doubled quote inside a quoted field: one literal quote. */
			if (field_byte(r, err, c, line, col) < 0)
				return -1;
			state = CSV_QUOTED;
			continue;
		}
		if (c == ',') {
			if (separator(r, err, line, col) < 0)
				return -1;
			state = CSV_FIELD_START;
			continue;
		}
		if (c == -1 || c == '\n' || c == '\r') {
			if (c == '\r' && after_cr(r, err, line, col) < 0)
				return -1;
			if (end_field(r, err) < 0)
				return -1;
			int rc = check_count(r, err, line, col); /* -2: skipped (skip_count) */
			return rc < 0 ? rc : 1;
		}
		if (state == CSV_QUOTE_SEEN)
			return fail_at(r, err, ERR_INVALID, line, col,
				       "unexpected character after a closing quote");
		if (c == '"') {
			if (state == CSV_UNQUOTED)
				return fail_at(r, err, ERR_INVALID, line, col,
					       "quote inside an unquoted field");
			state = CSV_QUOTED;
			qline = line;
			qcol = col;
			continue;
		}
		if (field_byte(r, err, c, line, col) < 0)
			return -1;
		state = CSV_UNQUOTED;
	}
}

int csv_next(struct csv_reader *r, struct err *err)
{
	if (r->failure)
		return replay_failure(r, err);
	if (r->done) {
		r->nfields = 0;
		return 0;
	}
	r->header_tried = true;
	int rc = read_record(r, err);
	if (rc == 0) {
		r->done = true;
		r->nfields = 0;
	}
	return rc;
}

void csv_set_skip_count(struct csv_reader *r, bool skip_count)
{
	r->skip_count = skip_count;
}

int csv_read_header(struct csv_reader *r, struct err *err)
{
	if (r->failure)
		return replay_failure(r, err);
	if (r->header_tried)
		return fail_at(r, err, ERR_INVALID, r->line, r->col,
			       "the header must be read before any record");
	int rc = csv_next(r, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return fail_at(r, err, ERR_INVALID, r->line, r->col,
			       "no header: the input is empty");
	r->names = xcalloc(r->nfields, sizeof(*r->names));
	for (size_t i = 0; i < r->nfields; i++) {
		const char *name = csv_field(r, i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->names[j], name) == 0)
				return fail_at(
					r, err, ERR_INVALID, r->fields[i].line, r->fields[i].col,
					"duplicate column name \"%.64s\" (columns %zu and %zu)",
					name, j + 1, i + 1);
		r->names[i] = xstrdup(name);
		r->ncols = i + 1;
	}
	return 0;
}

size_t csv_nfields(const struct csv_reader *r)
{
	return r->nfields;
}

const char *csv_field(const struct csv_reader *r, size_t i)
{
	return i < r->nfields ? r->rec + r->fields[i].off : NULL;
}

size_t csv_field_len(const struct csv_reader *r, size_t i)
{
	if (i >= r->nfields)
		return 0;
	size_t end = i + 1 < r->nfields ? r->fields[i + 1].off : r->rec_len;
	return end - r->fields[i].off - 1;
}

size_t csv_line(const struct csv_reader *r)
{
	return r->rec_line;
}

size_t csv_ncolumns(const struct csv_reader *r)
{
	return r->ncols;
}

const char *csv_column_name(const struct csv_reader *r, size_t i)
{
	return i < r->ncols ? r->names[i] : NULL;
}

int csv_column(const struct csv_reader *r, const char *name)
{
	for (size_t i = 0; i < r->ncols && i <= INT_MAX; i++)
		if (strcmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

/* True when s is a decimal number or an infinity, as documented in csv.h. */
static bool is_number_syntax(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0)
		return true;
	size_t digits = 0;
	while (*s >= '0' && *s <= '9')
		s++, digits++;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++, digits++;
	}
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Sets a value error for field col; returns -1. */
static int value_error(const struct csv_reader *r, size_t col, struct err *err, const char *what)
{
	size_t line = col < r->nfields ? r->fields[col].line : r->rec_line;
	size_t column = col < r->nfields ? r->fields[col].col : 1;
	const char *name = csv_column_name(r, col);
	char label[128];
	if (name)
		snprintf(label, sizeof(label), "column \"%.64s\"", name);
	else
		snprintf(label, sizeof(label), "column %zu", col + 1);
	const char *text = csv_field(r, col);
	if (text)
		err_set(err, ERR_INVALID, "%zu:%zu: %s: \"%.64s\" %s", line, column, label, text,
			what);
	else
		err_set(err, ERR_INVALID, "%zu:%zu: %s: %s", line, column, label, what);
	err_detail(err, name ? name : "csv", line > INT_MAX ? INT_MAX : (int)line,
		   column > INT_MAX ? INT_MAX : (int)column, "%s", what);
	return -1;
}

int csv_get_double(const struct csv_reader *r, size_t col, double *v, struct err *err)
{
	*v = NAN;
	if (col >= r->nfields)
		return value_error(r, col, err, "is missing from the record");
	const char *s = csv_field(r, col);
	if (s[0] == '\0' || strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0)
		return 1;
	if (!is_number_syntax(s))
		return value_error(r, col, err,
				   "is not a number (missing values are empty, NaN or nan)");
	errno = 0;
	char *end = NULL;
	double x = strtod(s, &end);
	if (end == s || *end != '\0')
		return value_error(r, col, err, "is not a number");
	if (errno == ERANGE && isinf(x))
		return value_error(r, col, err, "is out of the range of a double");
	*v = x;
	return 0;
}
