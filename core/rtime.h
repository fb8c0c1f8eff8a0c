/* RFC 3339 timestamps as microseconds since the Unix epoch (UTC).
 * Pure functions; no time zone database, no locale, no I/O. */
#ifndef RATCHET_RTIME_H
#define RATCHET_RTIME_H

#include <stdint.h>

struct err;

/* Sentinel for "no timestamp" (a null field). */
#define RTIME_NONE INT64_MIN
/* The first and last instants accepted: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
#define RTIME_MIN (-62135596800LL * 1000000)
#define RTIME_MAX (253402300799LL * 1000000 + 999999)
/* Buffer size for rtime_format: "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" + NUL. */
#define RTIME_BUFSZ 32

/* Parses an RFC 3339 date-time with a mandatory offset ("Z", "z", "+hh:mm",
 * "-hh:mm"), 'T', 't' or a single space between date and time, optional
 * fractional seconds of 1 to 9 digits (truncated to microseconds). Years
 * 0001..9999, and the UTC instant too. Rejects naive times (no offset), leap seconds (:60), out of
 * range fields (month 13, Feb 29 in a non-leap year, hour 24, offset beyond 23:59) and trailing
 * characters. On error sets ERR_INVALID with a message naming the problem (e.g. "timestamp has no
 * offset (naive); add Z or +hh:mm") and returns -1; *usec is untouched. */
int rtime_parse(const char *s, int64_t *usec, struct err *err);

/* Formats as UTC with exactly six fractional digits and "Z":
 * "2026-12-03T17:55:27.000000Z". out must hold RTIME_BUFSZ bytes. Returns out. */
char *rtime_format(int64_t usec, char *out);

/* Parses a calendar quarter "YYYYQn" (n 1..4; 'q' accepted too), e.g. "2026Q3", into its UTC
 * half-open interval [*from, *to): 2026Q3 is [2026-07-01T00:00:00Z, 2026-10-01T00:00:00Z).
 * Years 0001..9999 (9999Q4 is refused: it ends past RTIME_MAX). On error sets ERR_INVALID
 * ("invalid quarter \"2026Q5\": expected YYYYQ1 to YYYYQ4") and returns -1, leaving the outputs
 * untouched. */
int rtime_parse_quarter(const char *s, int64_t *from, int64_t *to, struct err *err);

/* Days from 1970-01-01 for a proleptic Gregorian date (month 1..12). */
int64_t rtime_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
