/* The one CSV reader of ratchet (imports and offline commands): RFC 4180 read
 * as a stream from a caller-supplied callback, one record held at a time, every
 * problem reported as an error with its line and column. docs/csv.md has the
 * exact dialect. */
#ifndef RATCHET_CSV_H
#define RATCHET_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct err;
struct csv_reader;

/* Default cap on one record: its field bytes plus one byte per field. */
#define CSV_DEFAULT_MAX_RECORD ((size_t)1 << 20)

/* Reads up to cap bytes into buf: returns how many (> 0), 0 at the end of the
 * input, or -1 on failure (errno says why). Core does no I/O: the callback does.
 * After it returns 0 or -1 the reader never calls it again. */
typedef ssize_t (*csv_read_fn)(void *ctx, char *buf, size_t cap);

/* A reader pulling from fn(ctx, ...). max_record caps one record: the bytes of
 * its fields plus one per field (0: CSV_DEFAULT_MAX_RECORD); a longer record
 * is an ERR_TOO_LARGE error. Memory: the header, an input buffer (4 to 64 KiB), the
 * current record, at worst about 26 * max_record (a record of empty fields).
 * ctx stays the caller's. Free with csv_reader_free. */
struct csv_reader *csv_reader_new(csv_read_fn fn, void *ctx, size_t max_record);

/* A reader over data[0..len), which is not copied: it must outlive the reader.
 * Free with csv_reader_free. */
struct csv_reader *csv_reader_from_memory(const char *data, size_t len, size_t max_record);

/* Frees the reader (and the header names and current record); accepts NULL. */
void csv_reader_free(struct csv_reader *r);

/* Reads the first record as the header: column names, looked up with
 * csv_column; every later record must have as many fields. Call it first or
 * never (without a header, the first record sets the field count). Errors
 * (-1, err set): any csv_next error, no header (empty input), a duplicate
 * column name, called after a record was read. Returns 0. */
int csv_read_header(struct csv_reader *r, struct err *err);

/* Reads the next record: 1 a record (csv_nfields, csv_field, csv_line describe
 * it until the next call), 0 the end of the input, -1 an error (err set, code
 * ERR_INVALID, or ERR_TOO_LARGE for a record past the cap; the message starts
 * with "LINE:COLUMN: " and one detail carries them). After an error every call
 * returns -1 with the same error. Errors: an unterminated quoted field, a quote
 * inside an unquoted field, a character after a closing quote other than a
 * comma or a line end, a carriage return not followed by a line feed, invalid
 * UTF-8, a NUL byte, a field count different from the header's (or the first
 * record's) (unless csv_set_skip_count: then -2 for that record alone), a
 * record longer than max_record, a failing read callback. */
int csv_next(struct csv_reader *r, struct err *err);

/* Whether a record whose field count differs from the header's (or the first
 * record's) stops the reader (false, the default) or is skipped alone (true):
 * then csv_next reads such a record to its end and returns -2 with its error
 * in err ("LINE:COLUMN: record has more than N fields (as the header)" at the
 * first extra separator, or "... record has K fields, expected N (as the
 * header)" at the line end; one detail), no fields, and the next call reads
 * on. Every other error stays sticky. Imports use it to list every bad row. */
void csv_set_skip_count(struct csv_reader *r, bool skip_count);

/* Fields of the current record (0 before the first record or after the end). */
size_t csv_nfields(const struct csv_reader *r);

/* Field i of the current record, unquoted, NUL-terminated (never contains a
 * NUL itself); NULL when i >= csv_nfields. Owned by the reader: valid until the
 * next csv_next or csv_reader_free. */
const char *csv_field(const struct csv_reader *r, size_t i);

/* The length in bytes of field i (0 when i >= csv_nfields). */
size_t csv_field_len(const struct csv_reader *r, size_t i);

/* The line (1-based) where the current record starts; a quoted field holding
 * line breaks makes a record span several lines. */
size_t csv_line(const struct csv_reader *r);

/* Header columns (0 without a header) and the name of column i (NULL past them). */
size_t csv_ncolumns(const struct csv_reader *r);
const char *csv_column_name(const struct csv_reader *r, size_t i);

/* The index of the header column named exactly name (byte comparison), or -1
 * when there is none (or no header was read). */
int csv_column(const struct csv_reader *r, const char *name);

/* Field col of the current record as a number: 0 and *v set; 1 when missing
 * (the empty field, "NaN" or "nan"; *v = NaN); -1 on error (err set: not a
 * number, out of double range, no such field; message "LINE:COLUMN: column
 * "NAME": ..."). Numbers are decimal ("-1.5", "2e-3", ".5", "5.") or "inf" /
 * "infinity" with an optional sign, any case; no spaces, no hex, no "NA". */
int csv_get_double(const struct csv_reader *r, size_t col, double *v, struct err *err);

#endif
