/* Unit tests for core/rtime: RFC 3339 parsing and formatting. Expected instants
 * were computed with `date -u -d <timestamp> +%s` and checked by hand. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)

/* Parses s, failing the test on error; returns the instant. */
static int64_t parse_ok(const char *s)
{
	struct err err;
	err_init(&err);
	int64_t usec = 42;
	if (rtime_parse(s, &usec, &err) != 0) {
		print_error("rtime_parse(\"%s\") failed: %s\n", s, err.message);
		fail();
	}
	assert_int_equal(err.code, ERR_NONE);
	return usec;
}

/* Checks that parsing s fails with ERR_INVALID, a message containing needle,
 * and *usec left alone. */
static void parse_fails(const char *s, const char *needle)
{
	struct err err;
	err_init(&err);
	int64_t usec = 42;
	if (rtime_parse(s, &usec, &err) != -1) {
		print_error("rtime_parse(\"%s\") succeeded with %" PRId64 "\n", s, usec);
		fail();
	}
	assert_err(&err, ERR_INVALID, needle);
	assert_int_equal(usec, 42);
}

static void assert_format(int64_t usec, const char *expected)
{
	char out[RTIME_BUFSZ];
	assert_ptr_equal(rtime_format(usec, out), out);
	assert_string_equal(out, expected);
}

static void test_utc_timestamp_parses_to_exact_microseconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-01-01T00:00:00Z"), INT64_C(1767225600) * USEC);
	assert_int_equal(parse_ok("2026-12-03T17:55:27Z"), INT64_C(1796320527) * USEC);
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
}

static void test_positive_offset_is_subtracted_to_reach_utc(void **state)
{
	(void)state;
	/* 12:00 at +05:30 is 06:30Z */
	assert_int_equal(parse_ok("2026-03-15T12:00:00+05:30"), INT64_C(1773556200) * USEC);
	assert_int_equal(parse_ok("2026-03-15T06:30:00Z"), INT64_C(1773556200) * USEC);
}

static void test_negative_offset_is_added_to_reach_utc(void **state)
{
	(void)state;
	/* 12:00 at -08:00 is 20:00Z */
	assert_int_equal(parse_ok("2026-03-15T12:00:00-08:00"), INT64_C(1773604800) * USEC);
	assert_int_equal(parse_ok("2026-03-15T20:00:00Z"), INT64_C(1773604800) * USEC);
}

static void test_offset_can_move_the_instant_across_midnight_and_year(void **state)
{
	(void)state;
	/* 2026-01-01T02:00+05:30 is 2025-12-31T20:30Z */
	assert_int_equal(parse_ok("2026-01-01T02:00:00+05:30"),
			 (INT64_C(1767225600) - 3 * 3600 - 1800) * USEC);
	/* 2025-12-31T20:00-08:00 is 2026-01-01T04:00Z */
	assert_int_equal(parse_ok("2025-12-31T20:00:00-08:00"),
			 (INT64_C(1767225600) + 4 * 3600) * USEC);
}

static void test_minus_zero_offset_means_utc(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-01-01T00:00:00-00:00"), INT64_C(1767225600) * USEC);
	assert_int_equal(parse_ok("2026-01-01T00:00:00+00:00"), INT64_C(1767225600) * USEC);
}

static void test_largest_offsets_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00+23:59"), INT64_C(-86340) * USEC);
	assert_int_equal(parse_ok("1970-01-01T00:00:00-23:59"), INT64_C(86340) * USEC);
}

static void test_fraction_of_one_to_nine_digits_is_truncated_to_microseconds(void **state)
{
	(void)state;
	int64_t base = INT64_C(1767225600) * USEC;
	assert_int_equal(parse_ok("2026-01-01T00:00:00.1Z"), base + 100000);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.12Z"), base + 120000);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.123Z"), base + 123000);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.1234Z"), base + 123400);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.12345Z"), base + 123450);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.123456Z"), base + 123456);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.1234567Z"), base + 123456);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.12345678Z"), base + 123456);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.123456789Z"), base + 123456);
	/* truncation, not rounding */
	assert_int_equal(parse_ok("2026-01-01T00:00:00.999999999Z"), base + 999999);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.000000999Z"), base);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.000001Z"), base + 1);
	assert_int_equal(parse_ok("2026-01-01T00:00:00.5+05:30"), base - 19800 * USEC + 500000);
}

static void test_fraction_of_ten_digits_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:00:00.1234567890Z", "fractional seconds longer than 9 digits");
}

static void test_dot_without_fraction_digits_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:00:00.Z", "expected digits after '.'");
	parse_fails("2026-01-01T00:00:00,5Z", "expected offset");
}

static void test_leap_day_in_leap_years_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), INT64_C(1709164800) * USEC);
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), INT64_C(951782400) * USEC);
	assert_int_equal(parse_ok("1600-02-29T00:00:00Z"), INT64_C(-11670998400) * USEC);
}

static void test_leap_day_in_common_years_is_rejected(void **state)
{
	(void)state;
	parse_fails("2023-02-29T00:00:00Z", "day 29 out of range for 2023-02");
	parse_fails("1900-02-29T00:00:00Z", "day 29 out of range for 1900-02");
	parse_fails("2024-02-30T00:00:00Z", "day 30 out of range for 2024-02");
}

static void test_month_out_of_range_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-00-01T00:00:00Z", "month 0 out of range");
	parse_fails("2026-13-01T00:00:00Z", "month 13 out of range");
}

static void test_day_out_of_range_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-32T00:00:00Z", "day 32 out of range for 2026-01");
	parse_fails("2026-01-00T00:00:00Z", "day 0 out of range");
	parse_fails("2026-04-31T00:00:00Z", "day 31 out of range for 2026-04");
	assert_int_equal(parse_ok("2026-12-31T00:00:00Z"), INT64_C(1798675200) * USEC);
}

static void test_hour_24_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T24:00:00Z", "hour 24 out of range");
}

static void test_minute_60_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:60:00Z", "minute 60 out of range");
}

static void test_leap_second_is_rejected(void **state)
{
	(void)state;
	parse_fails("2016-12-31T23:59:60Z", "leap seconds (:60) are not accepted");
	parse_fails("2016-12-31T23:59:61Z", "second 61 out of range");
	assert_int_equal(parse_ok("2016-12-31T23:59:59.999999Z"),
			 INT64_C(1483228799) * USEC + 999999);
}

static void test_offset_of_24_hours_or_60_minutes_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:00:00+24:00", "offset +24:00 out of range (at most 23:59)");
	parse_fails("2026-01-01T00:00:00-24:00", "offset -24:00 out of range");
	parse_fails("2026-01-01T00:00:00+05:60", "offset +05:60 out of range");
}

static void test_malformed_offsets_are_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:00:00+0530", "expected ':' after offset hour");
	parse_fails("2026-01-01T00:00:00+5:30", "offset hour must be 2 digits");
	parse_fails("2026-01-01T00:00:00+05", "expected ':' after offset hour");
	parse_fails("2026-01-01T00:00:00+05:3", "offset minute must be 2 digits");
	parse_fails("2026-01-01T00:00:00UTC", "expected offset Z, +hh:mm or -hh:mm");
}

static void test_lowercase_t_and_z_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-01-01t00:00:00z"), INT64_C(1767225600) * USEC);
	assert_int_equal(parse_ok("2026-01-01t00:00:00Z"), INT64_C(1767225600) * USEC);
	assert_int_equal(parse_ok("2026-01-01T00:00:00z"), INT64_C(1767225600) * USEC);
}

static void test_single_space_separator_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-01-01 00:00:00Z"), INT64_C(1767225600) * USEC);
	parse_fails("2026-01-01  00:00:00Z", "hour must be 2 digits");
}

static void test_other_separators_are_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01_00:00:00Z", "expected 'T' between date and time");
	parse_fails("2026-01-01x00:00:00Z", "expected 'T' between date and time");
	parse_fails("2026-01-0100:00:00Z", "expected 'T' between date and time");
}

static void test_naive_timestamp_is_rejected(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	int64_t usec = 42;
	assert_int_equal(rtime_parse("2026-01-01T00:00:00", &usec, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.message, "timestamp \"2026-01-01T00:00:00\" has no offset (naive); "
					 "add Z or +hh:mm");
	assert_int_equal(usec, 42);
	parse_fails("2026-01-01T00:00:00.123456", "has no offset (naive)");
}

static void test_date_without_time_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01", "date without a time");
}

static void test_missing_seconds_are_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:00Z", "expected ':' after minute");
	parse_fails("2026-01-01T00:00", "expected ':' after minute");
}

static void test_trailing_garbage_is_rejected(void **state)
{
	(void)state;
	parse_fails("2026-01-01T00:00:00Zx", "unexpected characters after the offset");
	parse_fails("2026-01-01T00:00:00Z ", "unexpected characters after the offset");
	parse_fails("2026-01-01T00:00:00+05:30Z", "unexpected characters after the offset");
	parse_fails("2026-01-01T00:00:00+05:30:00", "unexpected characters after the offset");
	parse_fails("2026-01-01T00:00:00ZZ", "unexpected characters after the offset");
}

static void test_empty_and_null_strings_are_rejected(void **state)
{
	(void)state;
	parse_fails("", "empty");
	parse_fails(NULL, "empty");
}

static void test_year_0000_is_rejected(void **state)
{
	(void)state;
	parse_fails("0000-01-01T00:00:00Z", "year 0000 out of range (0001..9999)");
}

static void test_years_not_written_as_four_digits_are_rejected(void **state)
{
	(void)state;
	parse_fails("+2026-01-01T00:00:00Z", "year must be 4 digits");
	parse_fails(" 2026-01-01T00:00:00Z", "year must be 4 digits");
	parse_fails("26-01-01T00:00:00Z", "year must be 4 digits");
	parse_fails("20260-01-01T00:00:00Z", "expected '-' after year");
	parse_fails("2026/01/01T00:00:00Z", "expected '-' after year");
	parse_fails("2026-1-01T00:00:00Z", "month must be 2 digits");
	parse_fails("2026-01-1T00:00:00Z", "day must be 2 digits");
	parse_fails("2026-01-01T0:00:00Z", "hour must be 2 digits");
}

static void test_first_and_last_supported_instants_parse(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0001-01-01T00:00:00Z"), INT64_C(-62135596800) * USEC);
	assert_int_equal(parse_ok("9999-12-31T23:59:59.999999Z"),
			 INT64_C(253402300799) * USEC + 999999);
	assert_int_equal(parse_ok("0001-01-01T00:01:00+00:01"), INT64_C(-62135596800) * USEC);
}

static void test_an_offset_that_pushes_the_instant_outside_the_years_is_rejected(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"0001-01-01T00:00:00+00:01",
		"9999-12-31T23:59:59-00:01",
		"9999-12-31T23:59:59-23:59",
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct err err;
		err_init(&err);
		int64_t usec = 42;
		assert_int_equal(rtime_parse(cases[i], &usec, &err), -1);
		assert_int_equal(err.code, ERR_INVALID);
		assert_non_null(
			strstr(err.message, "lies outside 0001-01-01 to 9999-12-31 in UTC"));
		assert_int_equal(usec, 42);
	}
}

static void test_message_quotes_the_input(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	int64_t usec;
	assert_int_equal(rtime_parse("2026-13-01T00:00:00Z", &usec, &err), -1);
	assert_string_equal(err.message,
			    "invalid timestamp \"2026-13-01T00:00:00Z\": month 13 out of range");
}

static void test_long_input_is_elided_in_the_message(void **state)
{
	(void)state;
	char s[200];
	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	struct err err;
	err_init(&err);
	int64_t usec;
	assert_int_equal(rtime_parse(s, &usec, &err), -1);
	assert_err(&err, ERR_INVALID, "xxxx...\": year must be 4 digits");
	assert_true(strlen(err.message) < 120);
}

static void test_format_has_six_fraction_digits_and_z(void **state)
{
	(void)state;
	assert_format(0, "1970-01-01T00:00:00.000000Z");
	assert_format(INT64_C(1796320527) * USEC, "2026-12-03T17:55:27.000000Z");
	assert_format(INT64_C(1767225600) * USEC + 1, "2026-01-01T00:00:00.000001Z");
	assert_format(INT64_C(1709164800) * USEC + 123456, "2024-02-29T00:00:00.123456Z");
	assert_format(INT64_C(253402300799) * USEC + 999999, "9999-12-31T23:59:59.999999Z");
}

static void test_format_of_instants_before_1970_uses_floor_division(void **state)
{
	(void)state;
	assert_format(-1, "1969-12-31T23:59:59.999999Z");
	assert_format(-USEC, "1969-12-31T23:59:59.000000Z");
	assert_format(-USEC - 1, "1969-12-31T23:59:58.999999Z");
	assert_format(INT64_C(-86400) * USEC, "1969-12-31T00:00:00.000000Z");
	assert_format(INT64_C(-86400) * USEC - 1, "1969-12-30T23:59:59.999999Z");
	assert_format(INT64_C(-301246185) * USEC + 250000, "1960-06-15T08:30:15.250000Z");
	assert_format(INT64_C(-2208988800) * USEC, "1900-01-01T00:00:00.000000Z");
	assert_format(INT64_C(-11670998400) * USEC, "1600-02-29T00:00:00.000000Z");
	assert_format(INT64_C(-62135596800) * USEC, "0001-01-01T00:00:00.000000Z");
}

static void test_format_of_years_beyond_four_digits_uses_a_sign(void **state)
{
	(void)state;
	assert_format(INT64_C(-62135596800) * USEC - 1, "0000-12-31T23:59:59.999999Z");
	assert_format(INT64_C(253402300800) * USEC, "+10000-01-01T00:00:00.000000Z");
	assert_format(INT64_MAX, "+294247-01-10T04:00:54.775807Z");
	assert_format(INT64_MIN + 1, "-290308-12-21T19:59:05.224193Z");
	assert_true(strlen("-290308-12-21T19:59:05.224193Z") < RTIME_BUFSZ);
}

static void test_format_of_parse_gives_canonical_utc(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000000Z"},
		{"2026-03-15T12:00:00+05:30", "2026-03-15T06:30:00.000000Z"},
		{"2026-03-15T12:00:00-08:00", "2026-03-15T20:00:00.000000Z"},
		{"2026-01-01t02:00:00.5+05:30", "2025-12-31T20:30:00.500000Z"},
		{"2024-02-29 23:59:59.123456789z", "2024-02-29T23:59:59.123456Z"},
		{"1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"},
		{"9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_format(parse_ok(cases[i].in), cases[i].out);
}

static void test_parse_of_format_returns_the_same_instant(void **state)
{
	(void)state;
	/* Walk 0001..9999 with an odd stride that hits every time-of-day field. */
	int64_t first = INT64_C(-62135596800) * USEC;
	int64_t last = INT64_C(253402300799) * USEC + 999999;
	int64_t stride = INT64_C(86400) * USEC * 37 + INT64_C(3723) * USEC + 123457;
	int n = 0;
	for (int64_t usec = first; usec <= last; usec += stride, n++) {
		char out[RTIME_BUFSZ];
		assert_int_equal(parse_ok(rtime_format(usec, out)), usec);
	}
	assert_true(n > 90000);
}

static void test_days_from_civil_matches_known_dates(void **state)
{
	(void)state;
	assert_int_equal(rtime_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rtime_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rtime_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(rtime_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(rtime_days_from_civil(2024, 3, 1), 19783);
	assert_int_equal(rtime_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(rtime_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(rtime_days_from_civil(-1, 12, 31), -719529);
}

static void test_days_from_civil_counts_every_day_once(void **state)
{
	(void)state;
	/* Consecutive calendar days from 1599 to 2401 differ by exactly one. */
	int64_t expected = rtime_days_from_civil(1599, 1, 1);
	for (int year = 1599; year <= 2401; year++) {
		for (unsigned month = 1; month <= 12; month++) {
			static const unsigned mdays[] = {31, 28, 31, 30, 31, 30,
							 31, 31, 30, 31, 30, 31};
			unsigned last = mdays[month - 1];
			if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
				last = 29;
			for (unsigned day = 1; day <= last; day++)
				assert_int_equal(rtime_days_from_civil(year, month, day),
						 expected++);
		}
	}
}

static void test_quarters_parse_to_their_half_open_utc_interval(void **state)
{
	(void)state;
	static const struct {
		const char *q, *from, *to;
	} cases[] = {
		{"2026Q1", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"},
		{"2026Q2", "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"},
		{"2026Q3", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"},
		{"2026q4", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"0001Q1", "0001-01-01T00:00:00Z", "0001-04-01T00:00:00Z"},
		{"9999Q3", "9999-07-01T00:00:00Z", "9999-10-01T00:00:00Z"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err err;
		err_init(&err);
		int64_t from = 0, to = 0;
		assert_int_equal(rtime_parse_quarter(cases[i].q, &from, &to, &err), 0);
		assert_int_equal(from, parse_ok(cases[i].from));
		assert_int_equal(to, parse_ok(cases[i].to));
	}
	static const char *const bad[] = {"2026Q0", "2026Q5", "2026-Q3", "26Q3", "2026Q3 ",
					  "0000Q1", "9999Q4", "2026",	 "",	 "Q3 2026"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err err;
		err_init(&err);
		int64_t from = 42, to = 42;
		assert_int_equal(rtime_parse_quarter(bad[i], &from, &to, &err), -1);
		assert_err(&err, ERR_INVALID, "invalid quarter");
		assert_int_equal(from, 42);
		assert_int_equal(to, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc_timestamp_parses_to_exact_microseconds),
		cmocka_unit_test(test_positive_offset_is_subtracted_to_reach_utc),
		cmocka_unit_test(test_negative_offset_is_added_to_reach_utc),
		cmocka_unit_test(test_offset_can_move_the_instant_across_midnight_and_year),
		cmocka_unit_test(test_minus_zero_offset_means_utc),
		cmocka_unit_test(test_largest_offsets_are_accepted),
		cmocka_unit_test(test_fraction_of_one_to_nine_digits_is_truncated_to_microseconds),
		cmocka_unit_test(test_fraction_of_ten_digits_is_rejected),
		cmocka_unit_test(test_dot_without_fraction_digits_is_rejected),
		cmocka_unit_test(test_leap_day_in_leap_years_is_accepted),
		cmocka_unit_test(test_leap_day_in_common_years_is_rejected),
		cmocka_unit_test(test_month_out_of_range_is_rejected),
		cmocka_unit_test(test_day_out_of_range_is_rejected),
		cmocka_unit_test(test_hour_24_is_rejected),
		cmocka_unit_test(test_minute_60_is_rejected),
		cmocka_unit_test(test_leap_second_is_rejected),
		cmocka_unit_test(test_offset_of_24_hours_or_60_minutes_is_rejected),
		cmocka_unit_test(test_malformed_offsets_are_rejected),
		cmocka_unit_test(test_lowercase_t_and_z_are_accepted),
		cmocka_unit_test(test_single_space_separator_is_accepted),
		cmocka_unit_test(test_other_separators_are_rejected),
		cmocka_unit_test(test_naive_timestamp_is_rejected),
		cmocka_unit_test(test_date_without_time_is_rejected),
		cmocka_unit_test(test_missing_seconds_are_rejected),
		cmocka_unit_test(test_trailing_garbage_is_rejected),
		cmocka_unit_test(test_empty_and_null_strings_are_rejected),
		cmocka_unit_test(test_year_0000_is_rejected),
		cmocka_unit_test(test_years_not_written_as_four_digits_are_rejected),
		cmocka_unit_test(test_first_and_last_supported_instants_parse),
		cmocka_unit_test(
			test_an_offset_that_pushes_the_instant_outside_the_years_is_rejected),
		cmocka_unit_test(test_message_quotes_the_input),
		cmocka_unit_test(test_long_input_is_elided_in_the_message),
		cmocka_unit_test(test_format_has_six_fraction_digits_and_z),
		cmocka_unit_test(test_format_of_instants_before_1970_uses_floor_division),
		cmocka_unit_test(test_format_of_years_beyond_four_digits_uses_a_sign),
		cmocka_unit_test(test_format_of_parse_gives_canonical_utc),
		cmocka_unit_test(test_parse_of_format_returns_the_same_instant),
		cmocka_unit_test(test_days_from_civil_matches_known_dates),
		cmocka_unit_test(test_days_from_civil_counts_every_day_once),
		cmocka_unit_test(test_quarters_parse_to_their_half_open_utc_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
