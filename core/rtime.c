/* RFC 3339 timestamps <-> int64 microseconds since the Unix epoch (UTC).
 * Calendar arithmetic uses Howard Hinnant's days_from_civil / civil_from_days
 * (proleptic Gregorian, pure integers), so no time zone database or libc time
 * conversion is involved and dates before 1970 work with floor division. */
#include "common.h"
#include "err.h"
#include "rtime.h"

#define USEC_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)

/* Longest part of the input quoted in a message; the rest is elided. */
#define RTIME_QUOTE_MAX 64

struct rtime_fields {
	int year, month, day;
	int hour, minute, second;
	int64_t frac_usec;
	int offset_sec; /* east of UTC is positive */
};

int64_t rtime_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	int64_t m = (int64_t)month;
	int64_t d = (int64_t)day;
	int64_t y = year - (m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;				       /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	       /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)m;
	*year = yoe + era * 400 + (m <= 2);
}

static bool is_leap_year(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2 && is_leap_year(year))
		return 29;
	return days[month - 1];
}

/* Sets ERR_INVALID as 'invalid timestamp "<s>": <problem>'. */
static int __attribute__((format(printf, 3, 4)))
bad_timestamp(struct err *err, const char *s, const char *fmt, ...)
{
	char problem[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	const char *ellipsis = strlen(s) > RTIME_QUOTE_MAX ? "..." : "";
	return err_set(err, ERR_INVALID, "invalid timestamp \"%.*s%s\": %s", RTIME_QUOTE_MAX, s,
		       ellipsis, problem);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p; advances *p only on success. */
static bool read_digits(const char **p, int n, int *value)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value = v;
	return true;
}

/* Reads a fixed-width numeric field and the separator after it (sep 0: none). */
static int read_field(const char *s, const char **p, int width, char sep, const char *what,
		      int *value, struct err *err)
{
	if (!read_digits(p, width, value))
		return bad_timestamp(err, s, "%s must be %d digits", what, width);
	if (sep && **p != sep)
		return bad_timestamp(err, s, "expected '%c' after %s", sep, what);
	if (sep)
		(*p)++;
	return 0;
}

static int parse_date(const char *s, const char **p, struct rtime_fields *f, struct err *err)
{
	if (read_field(s, p, 4, '-', "year", &f->year, err) < 0 ||
	    read_field(s, p, 2, '-', "month", &f->month, err) < 0 ||
	    read_field(s, p, 2, 0, "day", &f->day, err) < 0)
		return -1;
	if (f->year < 1)
		return bad_timestamp(err, s, "year %04d out of range (0001..9999)", f->year);
	if (f->month < 1 || f->month > 12)
		return bad_timestamp(err, s, "month %d out of range", f->month);
	if (f->day < 1 || f->day > days_in_month(f->year, f->month))
		return bad_timestamp(err, s, "day %d out of range for %04d-%02d", f->day, f->year,
				     f->month);
	return 0;
}

/* Optional ".d{1,9}"; digits past the sixth are truncated, not rounded. */
static int parse_fraction(const char *s, const char **p, struct rtime_fields *f, struct err *err)
{
	f->frac_usec = 0;
	if (**p != '.')
		return 0;
	(*p)++;
	int n = 0;
	int64_t usec = 0;
	while (is_digit(**p)) {
		if (n < 6)
			usec = usec * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	if (n == 0)
		return bad_timestamp(err, s, "expected digits after '.'");
	if (n > 9)
		return bad_timestamp(err, s, "fractional seconds longer than 9 digits");
	for (int i = n; i < 6; i++)
		usec *= 10;
	f->frac_usec = usec;
	return 0;
}

static int parse_time(const char *s, const char **p, struct rtime_fields *f, struct err *err)
{
	if (read_field(s, p, 2, ':', "hour", &f->hour, err) < 0 ||
	    read_field(s, p, 2, ':', "minute", &f->minute, err) < 0 ||
	    read_field(s, p, 2, 0, "second", &f->second, err) < 0)
		return -1;
	if (f->hour > 23)
		return bad_timestamp(err, s, "hour %d out of range", f->hour);
	if (f->minute > 59)
		return bad_timestamp(err, s, "minute %d out of range", f->minute);
	if (f->second == 60)
		return bad_timestamp(err, s, "leap seconds (:60) are not accepted");
	if (f->second > 59)
		return bad_timestamp(err, s, "second %d out of range", f->second);
	return parse_fraction(s, p, f, err);
}

static int parse_offset(const char *s, const char **p, struct rtime_fields *f, struct err *err)
{
	char c = **p;
	if (c == 'Z' || c == 'z') {
		(*p)++;
		f->offset_sec = 0;
		return 0;
	}
	if (c == '\0') {
		/* The header's wording, with the input in front. */
		const char *ellipsis = strlen(s) > RTIME_QUOTE_MAX ? "..." : "";
		return err_set(err, ERR_INVALID,
			       "timestamp \"%.*s%s\" has no offset (naive); add Z or +hh:mm",
			       RTIME_QUOTE_MAX, s, ellipsis);
	}
	if (c != '+' && c != '-')
		return bad_timestamp(err, s, "expected offset Z, +hh:mm or -hh:mm after the time");
	(*p)++;
	int hours, minutes;
	if (read_field(s, p, 2, ':', "offset hour", &hours, err) < 0 ||
	    read_field(s, p, 2, 0, "offset minute", &minutes, err) < 0)
		return -1;
	if (hours > 23 || minutes > 59)
		return bad_timestamp(err, s, "offset %c%02d:%02d out of range (at most 23:59)", c,
				     hours, minutes);
	f->offset_sec = (hours * 3600 + minutes * 60) * (c == '-' ? -1 : 1);
	return 0;
}

static int parse_fields(const char *s, struct rtime_fields *f, struct err *err)
{
	const char *p = s;
	if (parse_date(s, &p, f, err) < 0)
		return -1;
	if (*p == '\0')
		return bad_timestamp(err, s, "date without a time; expected 'T' and hh:mm:ss");
	if (*p != 'T' && *p != 't' && *p != ' ')
		return bad_timestamp(err, s, "expected 'T' between date and time");
	p++;
	if (parse_time(s, &p, f, err) < 0 || parse_offset(s, &p, f, err) < 0)
		return -1;
	if (*p != '\0')
		return bad_timestamp(err, s, "unexpected characters after the offset");
	return 0;
}

int rtime_parse(const char *s, int64_t *usec, struct err *err)
{
	if (!s || !*s)
		return err_set(err, ERR_INVALID, "invalid timestamp \"\": empty");
	struct rtime_fields f;
	if (parse_fields(s, &f, err) < 0)
		return -1;
	int64_t days = rtime_days_from_civil(f.year, (unsigned)f.month, (unsigned)f.day);
	int64_t secs = days * SEC_PER_DAY + f.hour * 3600 + f.minute * 60 + f.second;
	int64_t utc = (secs - f.offset_sec) * USEC_PER_SEC + f.frac_usec;
	/* The instant itself must lie in 0001..9999 UTC, or it cannot be written back. */
	if (utc < RTIME_MIN || utc > RTIME_MAX)
		return bad_timestamp(err, s, "lies outside 0001-01-01 to 9999-12-31 in UTC");
	*usec = utc;
	return 0;
}

/* Writes value as exactly width decimal digits (value < 10^width); returns the end. */
static char *put_digits(char *p, uint64_t value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return p + width;
}

/* Years outside 0000..9999 (reachable only from raw integers, at most six digits
 * for int64 microseconds) use the ISO 8601 expanded form with an explicit sign;
 * rtime_parse does not accept them. */
static char *put_year(char *p, int64_t year)
{
	if (year >= 0 && year <= 9999)
		return put_digits(p, (uint64_t)year, 4);
	*p++ = year < 0 ? '-' : '+';
	uint64_t magnitude = year < 0 ? (uint64_t)-year : (uint64_t)year;
	int width = 4;
	for (uint64_t limit = 10000; magnitude >= limit; limit *= 10)
		width++;
	return put_digits(p, magnitude, width);
}

char *rtime_format(int64_t usec, char *out)
{
	/* Floor division so 1969 instants get a positive time of day. */
	int64_t secs = usec / USEC_PER_SEC;
	int64_t frac = usec % USEC_PER_SEC;
	if (frac < 0) {
		frac += USEC_PER_SEC;
		secs--;
	}
	int64_t days = secs / SEC_PER_DAY;
	int64_t sod = secs % SEC_PER_DAY;
	if (sod < 0) {
		sod += SEC_PER_DAY;
		days--;
	}
	int64_t year;
	int month, day;
	civil_from_days(days, &year, &month, &day);
	/* Digits by hand: bounded by construction, and no format-truncation guesswork. */
	char *p = put_year(out, year);
	*p++ = '-';
	p = put_digits(p, (uint64_t)month, 2);
	*p++ = '-';
	p = put_digits(p, (uint64_t)day, 2);
	*p++ = 'T';
	p = put_digits(p, (uint64_t)(sod / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (uint64_t)(sod / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (uint64_t)(sod % 60), 2);
	*p++ = '.';
	p = put_digits(p, (uint64_t)frac, 6);
	*p++ = 'Z';
	*p = '\0';
	return out;
}

int rtime_parse_quarter(const char *s, int64_t *from, int64_t *to, struct err *err)
{
	const char *p = s ? s : "";
	int year;
	if (strlen(p) != 6 || !read_digits(&p, 4, &year) || (*p != 'Q' && *p != 'q') ||
	    p[1] < '1' || p[1] > '4' || year < 1)
		return err_set(err, ERR_INVALID,
			       "invalid quarter \"%.*s\": expected YYYYQ1 to YYYYQ4",
			       RTIME_QUOTE_MAX, s ? s : "");
	int quarter = p[1] - '0';
	if (year == 9999 && quarter == 4)
		return err_set(err, ERR_INVALID,
			       "invalid quarter \"%s\": it ends past 9999-12-31 in UTC", s);
	unsigned month = (unsigned)(3 * (quarter - 1) + 1);
	int64_t start = rtime_days_from_civil(year, month, 1);
	int64_t end = quarter == 4 ? rtime_days_from_civil(year + 1, 1, 1)
				   : rtime_days_from_civil(year, month + 3, 1);
	*from = start * SEC_PER_DAY * USEC_PER_SEC;
	*to = end * SEC_PER_DAY * USEC_PER_SEC;
	return 0;
}
