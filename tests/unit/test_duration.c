/* Unit tests for core/duration: unit-bearing durations parsed to and formatted
 * from whole seconds. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "duration.h"
#include "err.h"
#include "test_util.h"

/* Parses s, failing the test on error; returns the seconds. */
static int64_t parse_ok(const char *s)
{
	struct err err;
	err_init(&err);
	int64_t seconds = 42;
	if (duration_parse(s, &seconds, &err) != 0) {
		print_error("duration_parse(\"%s\") failed: %s\n", s, err.message);
		fail();
	}
	assert_int_equal(err.code, ERR_NONE);
	return seconds;
}

/* Checks that parsing s fails with ERR_INVALID, a message containing needle,
 * and *seconds left alone. */
static void parse_fails(const char *s, const char *needle)
{
	struct err err;
	err_init(&err);
	int64_t seconds = 42;
	if (duration_parse(s, &seconds, &err) != -1) {
		print_error("duration_parse(\"%s\") succeeded with %" PRId64 "\n", s, seconds);
		fail();
	}
	assert_err(&err, ERR_INVALID, needle);
	assert_int_equal(seconds, 42);
}

static void assert_format(int64_t seconds, const char *expected)
{
	char out[DURATION_BUFSZ];
	assert_ptr_equal(duration_format(seconds, out), out);
	assert_string_equal(out, expected);
}

static void test_each_unit_parses_to_seconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("90s"), 90);
	assert_int_equal(parse_ok("15m"), 900);
	assert_int_equal(parse_ok("72h"), 259200);
	assert_int_equal(parse_ok("30d"), 2592000);
	assert_int_equal(parse_ok("2w"), 1209600);
}

static void test_components_in_decreasing_order_add_up(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1h30m"), 5400);
	assert_int_equal(parse_ok("1w2d3h4m5s"), 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	assert_int_equal(parse_ok("1d12h"), 129600);
	assert_int_equal(parse_ok("2w30s"), 1209630);
	assert_int_equal(parse_ok("90m"), 5400);
}

static void test_zero_is_valid(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("0s"), 0);
	assert_int_equal(parse_ok("0w"), 0);
	assert_int_equal(parse_ok("0h0m"), 0);
	assert_int_equal(parse_ok("007m"), 420);
}

static void test_empty_duration_is_rejected(void **state)
{
	(void)state;
	parse_fails("", "empty");
	parse_fails(NULL, "empty");
}

static void test_bare_number_is_rejected(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	int64_t seconds;
	assert_int_equal(duration_parse("90", &seconds, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.message,
			    "invalid duration \"90\": a number needs a unit (s, m, h, d or w)");
	parse_fails("1h30", "a number needs a unit");
}

static void test_unknown_unit_is_rejected(void **state)
{
	(void)state;
	parse_fails("5x", "unknown unit 'x' (use s, m, h, d or w)");
	parse_fails("5M", "unknown unit 'M'");
	parse_fails("5ms", "expected a number before unit 's'");
	parse_fails("1y", "unknown unit 'y'");
}

static void test_sign_is_rejected(void **state)
{
	(void)state;
	parse_fails("-5m", "a sign is not allowed");
	parse_fails("+5m", "a sign is not allowed");
	parse_fails("1h-5m", "a sign is not allowed");
}

static void test_fraction_is_rejected(void **state)
{
	(void)state;
	parse_fails("1.5h", "fractions are not allowed; use a smaller unit");
	parse_fails(".5h", "fractions are not allowed");
}

static void test_unit_without_number_is_rejected(void **state)
{
	(void)state;
	parse_fails("m", "expected a number before unit 'm'");
	parse_fails("1hm", "expected a number before unit 'm'");
	parse_fails("x", "expected a number, found 'x'");
}

static void test_units_out_of_order_are_rejected(void **state)
{
	(void)state;
	parse_fails("30m1h", "unit 'h' after 'm'; units go from largest to smallest (w d h m s)");
	parse_fails("1s1w", "unit 'w' after 's'");
	parse_fails("1d1w", "unit 'w' after 'd'");
}

static void test_repeated_unit_is_rejected(void **state)
{
	(void)state;
	parse_fails("1h1h", "unit 'h' appears more than once");
	parse_fails("1h30m1h", "unit 'h' after 'm'");
}

static void test_spaces_are_rejected(void **state)
{
	(void)state;
	parse_fails(" 5m", "spaces are not allowed");
	parse_fails("5m ", "spaces are not allowed");
	parse_fails("1h 30m", "spaces are not allowed");
	parse_fails("5 m", "spaces are not allowed");
}

static void test_overflow_is_rejected(void **state)
{
	(void)state;
	parse_fails("99999999999999999999s", "too large");
	/* the count fits but count * unit does not */
	parse_fails("9223372036854775807m", "too large");
	parse_fails("15250284452472w", "too large");
	/* the sum of components overflows */
	parse_fails("15250284452471w4d", "too large");
	assert_int_equal(parse_ok("9223372036854775807s"), INT64_MAX);
	assert_int_equal(parse_ok("15250284452471w3d15h30m7s"), INT64_MAX);
	parse_fails("15250284452471w3d15h30m8s", "too large");
}

static void test_message_quotes_the_input(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	int64_t seconds;
	assert_int_equal(duration_parse("1.5h", &seconds, &err), -1);
	assert_string_equal(
		err.message,
		"invalid duration \"1.5h\": fractions are not allowed; use a smaller unit");
}

static void test_format_uses_largest_units_first(void **state)
{
	(void)state;
	assert_format(90, "1m30s");
	assert_format(3600, "1h");
	assert_format(0, "0s");
	assert_format(1209600, "2w");
	assert_format(5400, "1h30m");
	assert_format(59, "59s");
	assert_format(60, "1m");
	assert_format(86400, "1d");
	assert_format(259200, "3d");
	assert_format(2592000, "4w2d");
	assert_format(604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5, "1w2d3h4m5s");
	assert_format(604801, "1w1s");
}

static void test_format_of_negative_durations_has_a_leading_minus(void **state)
{
	(void)state;
	assert_format(-1, "-1s");
	assert_format(-90, "-1m30s");
	assert_format(-1209600, "-2w");
}

static void test_format_of_extremes_fits_the_buffer(void **state)
{
	(void)state;
	assert_format(INT64_MAX, "15250284452471w3d15h30m7s");
	assert_format(INT64_MIN, "-15250284452471w3d15h30m8s");
	assert_true(strlen("-15250284452471w3d15h30m8s") < DURATION_BUFSZ);
}

static void test_parse_of_format_returns_the_same_seconds(void **state)
{
	(void)state;
	static const int64_t values[] = {
		0,     1,      59,     60,	61,	  3599,		 3600,	    86399,
		86400, 604799, 604800, 1209600, 31536000, 1234567890123, INT64_MAX,
	};
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		char out[DURATION_BUFSZ];
		assert_int_equal(parse_ok(duration_format(values[i], out)), values[i]);
	}
	/* and parse then format gives the canonical spelling */
	char out[DURATION_BUFSZ];
	assert_string_equal(duration_format(parse_ok("90m"), out), "1h30m");
	assert_string_equal(duration_format(parse_ok("72h"), out), "3d");
	assert_string_equal(duration_format(parse_ok("0h0m"), out), "0s");
	assert_string_equal(duration_format(parse_ok("14d"), out), "2w");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_unit_parses_to_seconds),
		cmocka_unit_test(test_components_in_decreasing_order_add_up),
		cmocka_unit_test(test_zero_is_valid),
		cmocka_unit_test(test_empty_duration_is_rejected),
		cmocka_unit_test(test_bare_number_is_rejected),
		cmocka_unit_test(test_unknown_unit_is_rejected),
		cmocka_unit_test(test_sign_is_rejected),
		cmocka_unit_test(test_fraction_is_rejected),
		cmocka_unit_test(test_unit_without_number_is_rejected),
		cmocka_unit_test(test_units_out_of_order_are_rejected),
		cmocka_unit_test(test_repeated_unit_is_rejected),
		cmocka_unit_test(test_spaces_are_rejected),
		cmocka_unit_test(test_overflow_is_rejected),
		cmocka_unit_test(test_message_quotes_the_input),
		cmocka_unit_test(test_format_uses_largest_units_first),
		cmocka_unit_test(test_format_of_negative_durations_has_a_leading_minus),
		cmocka_unit_test(test_format_of_extremes_fits_the_buffer),
		cmocka_unit_test(test_parse_of_format_returns_the_same_seconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
