/* Unit tests for core/jcs: RFC 8785's examples, its IEEE-754 number table,
 * UTF-16 member ordering, string escapes, and the values it refuses. */
#include "common.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "jcs.h"
#include "json.h"
#include "test_util.h"

/* Checks that the canonical form of v is exactly expected. */
static void assert_canonical(const cJSON *v, const char *expected)
{
	struct err err;
	err_init(&err);
	char *s = jcs_canonicalize(v, &err);
	if (!s) {
		print_error("jcs_canonicalize failed: %s\n", err.message);
		fail();
	}
	assert_int_equal(err.code, ERR_NONE);
	assert_string_equal(s, expected);
	free(s);
}

/* Parses json strictly and checks its canonical form is exactly expected. */
static void assert_json_canonical(const char *json, const char *expected)
{
	struct err err;
	err_init(&err);
	cJSON *root = NULL;
	if (json_parse(json, strlen(json), &root, &err) != 0) {
		print_error("json_parse(%s) failed: %s\n", json, err.message);
		fail();
	}
	assert_canonical(root, expected);
	cJSON_Delete(root);
}

/* Checks that the number x canonicalizes to exactly expected. */
static void assert_number(double x, const char *expected)
{
	cJSON *n = cJSON_CreateNumber(x);
	assert_canonical(n, expected);
	cJSON_Delete(n);
}

/* The double with the given IEEE-754 bit pattern. */
static double from_bits(uint64_t bits)
{
	double x;
	memcpy(&x, &bits, sizeof(x));
	return x;
}

/* Checks that canonicalizing v fails with ERR_INVALID and a message containing needle. */
static void assert_refused(const cJSON *v, const char *needle)
{
	struct err err;
	err_init(&err);
	char *s = jcs_canonicalize(v, &err);
	if (s) {
		print_error("jcs_canonicalize succeeded: %s\n", s);
		free(s);
		fail();
	}
	assert_err(&err, ERR_INVALID, needle);
}

static void test_rfc_8785_example_canonicalizes_numbers_strings_and_literals(void **state)
{
	(void)state;
	/* RFC 8785 section 3.2.2 */
	assert_json_canonical(
		"{\n"
		"  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, "
		"0.000000000000000000000000001],\n"
		"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
		"  \"literals\": [null, true, false]\n"
		"}",
		"{\"literals\":[null,true,false],"
		"\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
		"\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

static void test_rfc_8785_example_sorts_members_by_utf16_code_units(void **state)
{
	(void)state;
	/* RFC 8785 section 3.2.3 */
	assert_json_canonical("{\n"
			      "  \"\\u20ac\": \"Euro Sign\",\n"
			      "  \"\\r\": \"Carriage Return\",\n"
			      "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
			      "  \"1\": \"One\",\n"
			      "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
			      "  \"\\u0080\": \"Control\",\n"
			      "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
			      "}",
			      "{\"\\r\":\"Carriage Return\","
			      "\"1\":\"One\","
			      "\"\xc2\x80\":\"Control\","
			      "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
			      "\"\xe2\x82\xac\":\"Euro Sign\","
			      "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
			      "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

static void test_supplementary_code_point_sorts_before_u_e000_unlike_utf8_bytes(void **state)
{
	(void)state;
	/* U+1F600 is the pair D83D DE00, below E000; its UTF-8 (F0 ...) is above E000's (EE ...).
	 */
	cJSON *obj = cJSON_CreateObject();
	cJSON_AddNumberToObject(obj, "\xee\x80\x80", 1);
	cJSON_AddNumberToObject(obj, "\xf0\x9f\x98\x80", 2);
	cJSON_AddNumberToObject(obj, "\xef\xbf\xbf", 3);
	assert_canonical(obj, "{\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1,\"\xef\xbf\xbf\":3}");
	cJSON_Delete(obj);
}

static void test_a_name_sorts_after_its_prefix(void **state)
{
	(void)state;
	assert_json_canonical("{\"ab\":1,\"b\":2,\"a\":3,\"\":4}",
			      "{\"\":4,\"a\":3,\"ab\":1,\"b\":2}");
}

static void test_nested_objects_are_sorted_and_arrays_keep_their_order(void **state)
{
	(void)state;
	assert_json_canonical(
		"{ \"z\": [3, {\"y\": 1, \"x\": [ ]}, \"c\", 1], \"a\": {\"d\": {\"f\": "
		"null, \"e\": {}}, \"c\": [[], [true]]} }",
		"{\"a\":{\"c\":[[],[true]],\"d\":{\"e\":{},\"f\":null}},"
		"\"z\":[3,{\"x\":[],\"y\":1},\"c\",1]}");
}

static void test_top_level_scalars_canonicalize_alone(void **state)
{
	(void)state;
	assert_json_canonical(" null ", "null");
	assert_json_canonical("true", "true");
	assert_json_canonical("false", "false");
	assert_json_canonical("\"a\"", "\"a\"");
	assert_json_canonical("[]", "[]");
	assert_json_canonical("{}", "{}");
	assert_json_canonical("-0.0", "0");
}

static void test_strings_escape_only_quote_backslash_and_control_characters(void **state)
{
	(void)state;
	cJSON *s = cJSON_CreateString("\x01\b\t\n\v\f\r\x1f \x7f/\"\\\xc3\xa9\xe2\x80\xa8");
	assert_canonical(
		s, "\"\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \x7f/\\\"\\\\\xc3\xa9\xe2\x80\xa8\"");
	cJSON_Delete(s);
	assert_json_canonical("\"\\u001B\\u00e9\\/\"", "\"\\u001b\xc3\xa9/\"");
}

static void test_member_names_are_escaped_like_strings(void **state)
{
	(void)state;
	assert_json_canonical("{\"a\\\"b\":1,\"\\t\":2}", "{\"\\t\":2,\"a\\\"b\":1}");
}

static void test_numbers_print_as_ecmascript_prints_them(void **state)
{
	(void)state;
	assert_number(0, "0");
	assert_number(-0.0, "0");
	assert_number(1e21, "1e+21");
	assert_number(1e-7, "1e-7");
	assert_number(123456789012345680000.0, "123456789012345680000");
	assert_number(5e-324, "5e-324");
	assert_number(1.7976931348623157e308, "1.7976931348623157e+308");
	assert_number(9007199254740992.0, "9007199254740992");
	assert_number(0.1, "0.1");
	assert_number(1 / 3., "0.3333333333333333");
	assert_number(100, "100");
	assert_number(1e20, "100000000000000000000");
	assert_number(1.5, "1.5");
	assert_number(-1.5e-7, "-1.5e-7");
	assert_number(-42, "-42");
	assert_number(1e-6, "0.000001");
	assert_number(1.234e-6, "0.000001234");
	assert_number(123e-20, "1.23e-18");
	assert_number(12.75, "12.75");
	assert_number(0.25, "0.25");
	assert_number(1e300, "1e+300");
}

static void test_numbers_match_the_rfc_8785_ieee_754_table(void **state)
{
	(void)state;
	/* RFC 8785 appendix B */
	assert_number(from_bits(0x0000000000000000), "0");
	assert_number(from_bits(0x8000000000000000), "0");
	assert_number(from_bits(0x0000000000000001), "5e-324");
	assert_number(from_bits(0x8000000000000001), "-5e-324");
	assert_number(from_bits(0x7fefffffffffffff), "1.7976931348623157e+308");
	assert_number(from_bits(0xffefffffffffffff), "-1.7976931348623157e+308");
	assert_number(from_bits(0x4340000000000000), "9007199254740992");
	assert_number(from_bits(0xc340000000000000), "-9007199254740992");
	assert_number(from_bits(0x4430000000000000), "295147905179352830000");
	assert_number(from_bits(0x44b52d02c7e14af5), "9.999999999999997e+22");
	assert_number(from_bits(0x44b52d02c7e14af6), "1e+23");
	assert_number(from_bits(0x44b52d02c7e14af7), "1.0000000000000001e+23");
	assert_number(from_bits(0x444b1ae4d6e2ef4e), "999999999999999700000");
	assert_number(from_bits(0x444b1ae4d6e2ef4f), "999999999999999900000");
	assert_number(from_bits(0x444b1ae4d6e2ef50), "1e+21");
	assert_number(from_bits(0x3eb0c6f7a0b5ed8c), "9.999999999999997e-7");
	assert_number(from_bits(0x3eb0c6f7a0b5ed8d), "0.000001");
	assert_number(from_bits(0x41b3de4355555553), "333333333.3333332");
	assert_number(from_bits(0x41b3de4355555554), "333333333.33333325");
	assert_number(from_bits(0x41b3de4355555555), "333333333.3333333");
	assert_number(from_bits(0x41b3de4355555556), "333333333.3333334");
	assert_number(from_bits(0x41b3de4355555557), "333333333.33333343");
	assert_number(from_bits(0xbecbf647612f3696), "-0.0000033333333333333333");
	assert_number(from_bits(0x43143ff3c1cb0959), "1424953923781206.2");
}

static void test_power_of_two_takes_the_shortest_digits_above_it(void **state)
{
	(void)state;
	/* 2^-1017 rounded to 16 digits, 7.120236347223044e-307, does not read back: a power of
	 * two's rounding interval is narrower below it. The 16 digits just above it do. */
	assert_number(ldexp(1, -1017), "7.120236347223045e-307");
	assert_number(ldexp(1, -1007), "7.291122019556398e-304");
}

static void test_non_finite_numbers_are_refused(void **state)
{
	(void)state;
	cJSON *nan_value = cJSON_CreateNumber(NAN);
	assert_refused(nan_value, "could not canonicalize JSON: number is not finite");
	cJSON_Delete(nan_value);
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(1));
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(-INFINITY));
	assert_refused(arr, "number is not finite");
	cJSON_Delete(arr);
	cJSON *obj = cJSON_CreateObject();
	cJSON_AddNumberToObject(obj, "x", INFINITY);
	assert_refused(obj, "number is not finite");
	cJSON_Delete(obj);
}

static void test_duplicate_member_names_are_refused(void **state)
{
	(void)state;
	cJSON *obj = cJSON_CreateObject();
	cJSON_AddNumberToObject(obj, "b", 1);
	cJSON_AddNumberToObject(obj, "a", 2);
	cJSON_AddNumberToObject(obj, "b", 3);
	assert_refused(obj, "could not canonicalize JSON: duplicate member name \"b\"");
	cJSON_Delete(obj);
	cJSON *outer = cJSON_CreateObject();
	cJSON *inner = cJSON_AddObjectToObject(outer, "inner");
	cJSON_AddNullToObject(inner, "\xc3\xa9");
	cJSON_AddNullToObject(inner, "\xc3\xa9");
	assert_refused(outer, "duplicate member name \"\xc3\xa9\"");
	cJSON_Delete(outer);
}

static void test_invalid_utf8_in_strings_or_names_is_refused(void **state)
{
	(void)state;
	cJSON *s = cJSON_CreateString("ok \xc3");
	assert_refused(s, "could not canonicalize JSON: string is not valid UTF-8");
	cJSON_Delete(s);
	cJSON *surrogate = cJSON_CreateString("\xed\xa0\xbd");
	assert_refused(surrogate, "string is not valid UTF-8");
	cJSON_Delete(surrogate);
	cJSON *obj = cJSON_CreateObject();
	cJSON_AddNullToObject(obj, "\xc0\xaf");
	assert_refused(obj, "member name is not valid UTF-8");
	cJSON_Delete(obj);
}

static void test_raw_items_and_null_are_refused(void **state)
{
	(void)state;
	cJSON *raw = cJSON_CreateRaw("1");
	assert_refused(raw, "not a JSON value");
	cJSON_Delete(raw);
	assert_refused(NULL, "no value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_8785_example_canonicalizes_numbers_strings_and_literals),
		cmocka_unit_test(test_rfc_8785_example_sorts_members_by_utf16_code_units),
		cmocka_unit_test(
			test_supplementary_code_point_sorts_before_u_e000_unlike_utf8_bytes),
		cmocka_unit_test(test_a_name_sorts_after_its_prefix),
		cmocka_unit_test(test_nested_objects_are_sorted_and_arrays_keep_their_order),
		cmocka_unit_test(test_top_level_scalars_canonicalize_alone),
		cmocka_unit_test(test_strings_escape_only_quote_backslash_and_control_characters),
		cmocka_unit_test(test_member_names_are_escaped_like_strings),
		cmocka_unit_test(test_numbers_print_as_ecmascript_prints_them),
		cmocka_unit_test(test_numbers_match_the_rfc_8785_ieee_754_table),
		cmocka_unit_test(test_power_of_two_takes_the_shortest_digits_above_it),
		cmocka_unit_test(test_non_finite_numbers_are_refused),
		cmocka_unit_test(test_duplicate_member_names_are_refused),
		cmocka_unit_test(test_invalid_utf8_in_strings_or_names_is_refused),
		cmocka_unit_test(test_raw_items_and_null_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
