/* Unit tests for core/err (first error wins, capped details, the code table)
 * and the capped buffer of core/mem. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "test_util.h"

static void test_err_init_clears_everything(void **state)
{
	(void)state;
	struct err err;
	memset(&err, 0x5a, sizeof(err));
	err_init(&err);
	assert_int_equal(err.code, ERR_NONE);
	assert_string_equal(err.message, "");
	assert_int_equal(err.n_details, 0);
	assert_string_equal(err.sqlstate, "");
	assert_false(err_is_set(&err));
}

static void test_err_set_returns_minus_one_and_formats_the_message(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	assert_int_equal(err_set(&err, ERR_NOT_FOUND, "change %d not found in \"%s\"", 7, "prod"),
			 -1);
	assert_true(err_is_set(&err));
	assert_int_equal(err.code, ERR_NOT_FOUND);
	assert_string_equal(err.message, "change 7 not found in \"prod\"");
}

static void test_first_error_set_wins(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	err_set(&err, ERR_CONFLICT, "first");
	assert_int_equal(err_set(&err, ERR_INTERNAL, "second"), -1);
	assert_int_equal(err.code, ERR_CONFLICT);
	assert_string_equal(err.message, "first");
}

static void test_err_set_and_detail_accept_null(void **state)
{
	(void)state;
	assert_int_equal(err_set(NULL, ERR_INVALID, "ignored"), -1);
	assert_int_equal(err_detail(NULL, "f", 1, 2, "ignored"), -1);
}

static void test_long_message_is_truncated_not_overflowed(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	char long_text[2000];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	err_set(&err, ERR_INVALID, "%s", long_text);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
}

static void test_detail_sets_invalid_input_when_no_error_is_set(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	assert_int_equal(err_detail(&err, "max_lag", 12, 7, "unknown key \"%s\"", "max_lagg"), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.message, "invalid input: max_lag: unknown key \"max_lagg\"");
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "max_lag");
	assert_int_equal(err.details[0].line, 12);
	assert_int_equal(err.details[0].column, 7);
	assert_string_equal(err.details[0].message, "unknown key \"max_lagg\"");
}

static void test_detail_keeps_an_existing_error(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	err_set(&err, ERR_CONFLICT, "already exists");
	err_detail(&err, NULL, 0, 0, "name taken");
	assert_int_equal(err.code, ERR_CONFLICT);
	assert_string_equal(err.message, "already exists");
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "");
	assert_string_equal(err.details[0].message, "name taken");
}

static void test_details_accumulate_and_stop_at_the_cap(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	for (int i = 0; i < ERR_MAX_DETAILS + 10; i++)
		assert_int_equal(err_detail(&err, "field", i + 1, 1, "problem %d", i), -1);
	assert_int_equal(err.n_details, ERR_MAX_DETAILS);
	assert_string_equal(err.details[0].message, "problem 0");
	assert_int_equal(err.details[0].line, 1);
	assert_string_equal(err.details[ERR_MAX_DETAILS - 1].message, "problem 63");
	assert_int_equal(err.details[ERR_MAX_DETAILS - 1].line, ERR_MAX_DETAILS);
	assert_int_equal(ERR_MAX_DETAILS, 64);
}

static void test_each_code_has_its_http_status_and_name(void **state)
{
	(void)state;
	static const struct {
		enum err_code code;
		int status;
		const char *name;
	} cases[] = {
		{ERR_NONE, 200, "ok"},
		{ERR_INVALID, 400, "invalid_input"},
		{ERR_UNAUTHORIZED, 401, "unauthorized"},
		{ERR_FORBIDDEN, 403, "forbidden"},
		{ERR_NOT_FOUND, 404, "not_found"},
		{ERR_METHOD, 405, "method_not_allowed"},
		{ERR_CONFLICT, 409, "conflict"},
		{ERR_TOO_LARGE, 413, "too_large"},
		{ERR_IDEMPOTENCY, 422, "idempotency_mismatch"},
		{ERR_UNAVAILABLE, 503, "unavailable"},
		{ERR_INTERNAL, 500, "internal"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(err_http_status(cases[i].code), cases[i].status);
		assert_string_equal(err_code_name(cases[i].code), cases[i].name);
	}
}

static void test_unknown_code_maps_to_internal(void **state)
{
	(void)state;
	assert_int_equal(err_http_status((enum err_code)999), 500);
	assert_string_equal(err_code_name((enum err_code)999), "internal");
}

static void test_buf_append_grows_and_terminates(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_null(b.data);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 2997, "abc", 3);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_buf_append_up_to_the_cap_succeeds(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	assert_int_equal(buf_append(&b, "", 0), 0);
	buf_release(&b);
	assert_int_equal(b.max, 10);
}

static void test_buf_append_past_the_cap_fails_and_appends_nothing(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "01234567", 8), 0);
	assert_int_equal(buf_append(&b, "abc", 3), -1);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "01234567");
	assert_int_equal(buf_append(&b, "ab", 2), 0);
	assert_int_equal(buf_append(&b, "x", 1), -1);
	assert_string_equal(b.data, "01234567ab");
	buf_release(&b);
}

static void test_buf_append_of_a_huge_length_fails_without_overflow(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	/* n near SIZE_MAX must not wrap the cap check (the bytes are never read) */
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX - 2), -1);
	assert_int_equal(b.len, 3);
	buf_release(&b);
}

static void test_buf_printf_respects_the_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "ab"), 0);
	assert_string_equal(b.data, "42-ab");
	assert_int_equal(buf_printf(&b, "%s", "xyzw"), -1);
	assert_string_equal(b.data, "42-ab");
	assert_int_equal(buf_printf(&b, "%s", "xyz"), 0);
	assert_string_equal(b.data, "42-abxyz");
	buf_release(&b);
}

static void test_assert_close_uses_relative_and_absolute_tolerance(void **state)
{
	(void)state;
	assert_close(1.0, 1.0 + 1e-12, 1e-9, 0.0);
	assert_close(1e-20, 0.0, 0.0, 1e-15);
	assert_close(NAN, NAN, 0.0, 0.0);
	assert_close(INFINITY, INFINITY, 0.0, 0.0);
	assert_false(test_close(1.0, 1.1, 1e-9, 1e-9));
	assert_false(test_close(NAN, 1.0, 1.0, 1.0));
	assert_false(test_close(INFINITY, -INFINITY, 1.0, 1.0));
	assert_false(test_close(INFINITY, 1e308, 1.0, 1.0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_init_clears_everything),
		cmocka_unit_test(test_err_set_returns_minus_one_and_formats_the_message),
		cmocka_unit_test(test_first_error_set_wins),
		cmocka_unit_test(test_err_set_and_detail_accept_null),
		cmocka_unit_test(test_long_message_is_truncated_not_overflowed),
		cmocka_unit_test(test_detail_sets_invalid_input_when_no_error_is_set),
		cmocka_unit_test(test_detail_keeps_an_existing_error),
		cmocka_unit_test(test_details_accumulate_and_stop_at_the_cap),
		cmocka_unit_test(test_each_code_has_its_http_status_and_name),
		cmocka_unit_test(test_unknown_code_maps_to_internal),
		cmocka_unit_test(test_buf_append_grows_and_terminates),
		cmocka_unit_test(test_buf_append_up_to_the_cap_succeeds),
		cmocka_unit_test(test_buf_append_past_the_cap_fails_and_appends_nothing),
		cmocka_unit_test(test_buf_append_of_a_huge_length_fails_without_overflow),
		cmocka_unit_test(test_buf_printf_respects_the_cap),
		cmocka_unit_test(test_assert_close_uses_relative_and_absolute_tolerance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
