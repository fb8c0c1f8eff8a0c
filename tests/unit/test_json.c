/* Unit tests for core/json: the UTF-8 check, strict parsing with byte offsets,
 * unknown-field reports, the typed field readers and the output helpers. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "json.h"
#include "model.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
/* The length of a string literal, counting embedded NUL bytes. */
#define LIT(s) (s), (sizeof(s) - 1)

static long utf8_at(const char *s, size_t len)
{
	return json_utf8_invalid_at(s, len);
}

/* Parses s (strlen bytes), failing the test on error. */
static cJSON *parse_ok(const char *s)
{
	struct err err;
	err_init(&err);
	cJSON *root = (cJSON *)1;
	if (json_parse(s, strlen(s), &root, &err) != 0) {
		print_error("json_parse(%s) failed: %s\n", s, err.message);
		fail();
	}
	assert_int_equal(err.code, ERR_NONE);
	assert_non_null(root);
	return root;
}

/* Checks that parsing len bytes of s fails with exactly one detail on "body"
 * whose column is offset + 1 and whose message is "<what> at byte <offset>". */
static void parse_fails_at(const char *s, size_t len, size_t offset, const char *what)
{
	struct err err;
	err_init(&err);
	cJSON *root = (cJSON *)1;
	if (json_parse(s, len, &root, &err) != -1) {
		print_error("json_parse(%.*s) succeeded\n", (int)len, s);
		fail();
	}
	assert_null(root);
	char expected[256];
	snprintf(expected, sizeof(expected), "%s at byte %zu", what, offset);
	assert_err(&err, ERR_INVALID, NULL);
	assert_string_equal(err.message, expected);
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "body");
	assert_int_equal(err.details[0].line, 0);
	assert_int_equal(err.details[0].column, (int)offset + 1);
	assert_string_equal(err.details[0].message, expected);
}

/* Checks that err holds exactly one detail, on field, with message. */
static void assert_one_detail(const struct err *err, const char *field, const char *message)
{
	assert_int_equal(err->code, ERR_INVALID);
	assert_int_equal(err->n_details, 1);
	assert_string_equal(err->details[0].field, field);
	assert_string_equal(err->details[0].message, message);
	assert_int_equal(err->details[0].line, 0);
	assert_int_equal(err->details[0].column, 0);
}

/* Checks that json_print(item) is exactly expected. */
static void assert_printed(const cJSON *item, const char *expected)
{
	char *s = json_print(item);
	assert_string_equal(s, expected);
	free(s);
}

static void test_valid_utf8_including_every_sequence_length_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(utf8_at(LIT("plain ascii ~")), -1);
	assert_int_equal(utf8_at(LIT("caf\xc3\xa9")), -1);	/* U+00E9 */
	assert_int_equal(utf8_at(LIT("\xc2\x80")), -1);		/* U+0080, smallest 2-byte */
	assert_int_equal(utf8_at(LIT("\xe2\x82\xac")), -1);	/* U+20AC euro */
	assert_int_equal(utf8_at(LIT("\xe0\xa0\x80")), -1);	/* U+0800, smallest 3-byte */
	assert_int_equal(utf8_at(LIT("\xed\x9f\xbf")), -1);	/* U+D7FF below surrogates */
	assert_int_equal(utf8_at(LIT("\xee\x80\x80")), -1);	/* U+E000 above surrogates */
	assert_int_equal(utf8_at(LIT("\xf0\x9d\x84\x9e")), -1); /* U+1D11E */
	assert_int_equal(utf8_at(LIT("\xf4\x8f\xbf\xbf")), -1); /* U+10FFFF */
	assert_int_equal(utf8_at("", 0), -1);
}

static void test_overlong_encodings_are_invalid_at_their_first_byte(void **state)
{
	(void)state;
	assert_int_equal(utf8_at(LIT("ab\xc0\x80")), 2);
	assert_int_equal(utf8_at(LIT("\xc1\xbf")), 0);
	assert_int_equal(utf8_at(LIT("xyz\xe0\x80\x80")), 3);
	assert_int_equal(utf8_at(LIT("\xe0\x9f\xbf")), 0);
	assert_int_equal(utf8_at(LIT("\xc3\xa9\xf0\x8f\xbf\xbf")), 2);
}

static void test_surrogates_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(utf8_at(LIT("a\xed\xa0\x80")), 1);
	assert_int_equal(utf8_at(LIT("\xed\xbf\xbf")), 0);
}

static void test_bytes_past_u10ffff_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(utf8_at(LIT("ok\xf5\x80\x80\x80")), 2);
	assert_int_equal(utf8_at(LIT("\xf4\x90\x80\x80")), 0);
	assert_int_equal(utf8_at(LIT("\xff")), 0);
	assert_int_equal(utf8_at(LIT("\xf8\x88\x80\x80\x80")), 0);
}

static void test_truncated_and_stray_sequences_are_invalid(void **state)
{
	(void)state;
	assert_int_equal(utf8_at(LIT("x\xe2\x82")), 1);
	assert_int_equal(utf8_at(LIT("\xf0\x9d\x84")), 0);
	assert_int_equal(utf8_at(LIT("ab\xc3")), 2);
	assert_int_equal(utf8_at(LIT("\x80")), 0);
	assert_int_equal(utf8_at(LIT("a\xe2\x28\xa1")), 1);
	/* the length bounds the check: a valid sequence cut by len is truncated */
	assert_int_equal(utf8_at("\xc3\xa9", 1), 0);
}

static void test_nul_byte_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(utf8_at(LIT("ab\0c")), 2);
	assert_int_equal(utf8_at(LIT("\0")), 0);
}

static void test_object_parses_with_its_members(void **state)
{
	(void)state;
	cJSON *root = parse_ok(" {\"a\": 1, \"b\": [true, null, \"caf\xc3\xa9\"]}\r\n\t");
	assert_printed(root, "{\"a\":1,\"b\":[true,null,\"caf\xc3\xa9\"]}");
	cJSON_Delete(root);
	root = parse_ok("42");
	assert_printed(root, "42");
	cJSON_Delete(root);
}

static void test_malformed_json_reports_the_byte_offset(void **state)
{
	(void)state;
	parse_fails_at(LIT("{\"a\":}"), 5, "malformed JSON");
	parse_fails_at(LIT("{\"a\" 1}"), 5, "malformed JSON");
	parse_fails_at(LIT("[1,]"), 3, "malformed JSON");
	parse_fails_at(LIT("{,}"), 2, "malformed JSON");
	parse_fails_at(LIT("nul"), 0, "malformed JSON");
}

static void test_invalid_utf8_reports_its_byte_offset(void **state)
{
	(void)state;
	parse_fails_at(LIT("{\"a\":\"\xc0\x80\"}"), 6, "invalid UTF-8");
	parse_fails_at(LIT("{\"a\":\"\xed\xa0\x80\"}"), 6, "invalid UTF-8");
	parse_fails_at(LIT("[\"caf\xc3\xa9\", \"\xf5\"]"), 11, "invalid UTF-8");
}

static void test_nul_byte_in_the_body_is_invalid_utf8(void **state)
{
	(void)state;
	parse_fails_at(LIT("{\"a\":1}\0"), 7, "invalid UTF-8");
	/* a NUL is not whitespace: a body of NULs is not merely empty */
	parse_fails_at(LIT("\0"), 0, "invalid UTF-8");
	parse_fails_at(LIT("  \0{}"), 2, "invalid UTF-8");
}

static void test_control_characters_between_tokens_are_malformed(void **state)
{
	(void)state;
	parse_fails_at(LIT("\x01{\"a\":1}"), 0, "malformed JSON: control character");
	parse_fails_at(LIT("{\x0c\"a\":1}"), 1, "malformed JSON: control character");
	parse_fails_at(LIT("{\"a\":1}\x0b"), 7, "malformed JSON: control character");
	parse_fails_at(LIT("[\"a\x1f\"]"), 3, "malformed JSON: control character");
}

static void test_empty_or_whitespace_body_is_an_error_at_its_end(void **state)
{
	(void)state;
	parse_fails_at("", 0, 0, "empty body");
	parse_fails_at(LIT("  \r\n\t"), 5, "empty body");
}

static void test_trailing_data_after_the_value_is_rejected(void **state)
{
	(void)state;
	parse_fails_at(LIT("{\"a\":1} x"), 8, "trailing data after JSON value");
	parse_fails_at(LIT("{}{}"), 2, "trailing data after JSON value");
	parse_fails_at(LIT("1 2"), 2, "trailing data after JSON value");
	cJSON *root = parse_ok("{\"a\":1} \n");
	cJSON_Delete(root);
}

static void test_only_the_given_length_is_parsed(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	cJSON *root = NULL;
	assert_int_equal(json_parse("[1]garbage", 3, &root, &err), 0);
	assert_printed(root, "[1]");
	cJSON_Delete(root);
}

static void test_duplicate_key_is_rejected_and_named(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	cJSON *root = (cJSON *)1;
	assert_int_equal(json_parse(LIT("{\"a\":1,\"b\":2,\"a\":3}"), &root, &err), -1);
	assert_null(root);
	assert_string_equal(err.message, "duplicate key \"a\"");
	assert_one_detail(&err, "a", "duplicate key");
}

static void test_duplicate_key_in_a_nested_object_is_rejected(void **state)
{
	(void)state;
	struct err err;
	err_init(&err);
	cJSON *root = (cJSON *)1;
	assert_int_equal(
		json_parse(LIT("{\"x\":[{\"ok\":1},{\"b\":1,\"c\":{},\"b\":2}]}"), &root, &err),
		-1);
	assert_null(root);
	assert_string_equal(err.message, "duplicate key \"b\"");
	assert_one_detail(&err, "b", "duplicate key");
}

static void test_same_key_in_sibling_objects_is_not_a_duplicate(void **state)
{
	(void)state;
	cJSON *root = parse_ok("[{\"k\":1},{\"k\":2},{\"a\":{\"k\":3},\"k\":4}]");
	assert_printed(root, "[{\"k\":1},{\"k\":2},{\"a\":{\"k\":3},\"k\":4}]");
	cJSON_Delete(root);
}

static void test_escaped_nul_in_a_string_is_rejected(void **state)
{
	(void)state;
	parse_fails_at(LIT("{\"a\":\"x\\u0000y\"}"), 7, "\\u0000 is not allowed in strings");
	parse_fails_at(LIT("{\"a\\u0000\":1}"), 3, "\\u0000 is not allowed in strings");
	/* an escaped quote does not end the string */
	parse_fails_at(LIT("[\"\\\"\\u0000\"]"), 4, "\\u0000 is not allowed in strings");
	/* an escaped backslash followed by an escaped NUL */
	parse_fails_at(LIT("[\"\\\\\\u0000\"]"), 4, "\\u0000 is not allowed in strings");
}

static void test_nesting_of_32_levels_is_accepted_and_33_refused(void **state)
{
	(void)state;
	char doc[80] = {0};
	memset(doc, '[', 32);
	memset(doc + 32, ']', 32);
	cJSON *root = parse_ok(doc);
	assert_true(cJSON_IsArray(root));
	cJSON_Delete(root);
	memset(doc, '[', 33);
	memset(doc + 33, ']', 33);
	parse_fails_at(doc, 66, 32, "JSON nested deeper than 32 levels");
	/* brackets inside strings do not count */
	char quoted[] = "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]";
	root = parse_ok(quoted);
	assert_int_equal(strlen(root->child->valuestring), 40);
	cJSON_Delete(root);
}

static void test_numbers_above_1e308_or_infinite_are_refused(void **state)
{
	(void)state;
	cJSON *root = parse_ok("[1e308, -1e308, 5e-324]");
	cJSON_Delete(root);
	struct err err;
	err_init(&err);
	root = (cJSON *)1;
	/* cJSON would print it as 1.79769313486232e+308, which reads back as infinity */
	assert_int_equal(json_parse(LIT("{\"b\":{\"x\":1.7976931348623157e308}}"), &root, &err),
			 -1);
	assert_null(root);
	assert_string_equal(err.message, "number out of range (magnitude above 1e308)");
	assert_one_detail(&err, "x", "number out of range (magnitude above 1e308)");
	err_init(&err);
	assert_int_equal(json_parse(LIT("[0, -1e999]"), &root, &err), -1);
	assert_one_detail(&err, "body", "number out of range (magnitude above 1e308)");
}

static void test_escaped_backslash_before_u0000_text_is_accepted(void **state)
{
	(void)state;
	/* JSON source "\\u0000" is a backslash followed by the text u0000 */
	cJSON *root = parse_ok("{\"a\":\"\\\\u0000\"}");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "a");
	assert_true(cJSON_IsString(a));
	assert_string_equal(a->valuestring, "\\u0000");
	cJSON_Delete(root);
	root = parse_ok("[\"\\u0001\", \"\\u1000\"]");
	assert_printed(root, "[\"\\u0001\",\"\xe1\x80\x80\"]");
	cJSON_Delete(root);
}

static void test_check_fields_lists_every_unknown_field(void **state)
{
	(void)state;
	static const char *const allowed[] = {"key", "title", NULL};
	cJSON *root = parse_ok("{\"key\":1,\"colour\":2,\"title\":3,\"Key\":4,\"x\":null}");
	struct err err;
	err_init(&err);
	assert_int_equal(json_check_fields(root, allowed, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.message, "invalid input: colour: unknown field");
	assert_int_equal(err.n_details, 3);
	assert_string_equal(err.details[0].field, "colour");
	assert_string_equal(err.details[0].message, "unknown field");
	assert_string_equal(err.details[1].field, "Key");
	assert_string_equal(err.details[1].message, "unknown field");
	assert_string_equal(err.details[2].field, "x");
	assert_string_equal(err.details[2].message, "unknown field");
	cJSON_Delete(root);
}

static void test_check_fields_accepts_known_fields_and_empty_objects(void **state)
{
	(void)state;
	static const char *const allowed[] = {"key", "title", NULL};
	static const char *const none[] = {NULL};
	cJSON *root = parse_ok("{\"title\":\"t\",\"key\":\"k\"}");
	struct err err;
	err_init(&err);
	assert_int_equal(json_check_fields(root, allowed, &err), 0);
	assert_int_equal(err.code, ERR_NONE);
	assert_int_equal(err.n_details, 0);
	cJSON_Delete(root);
	root = parse_ok("{}");
	assert_int_equal(json_check_fields(root, none, &err), 0);
	assert_int_equal(err.code, ERR_NONE);
	cJSON_Delete(root);
}

static void test_string_reader_returns_the_borrowed_value(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"s\":\"line one\\nline\\ttwo\"}");
	struct err err;
	err_init(&err);
	const char *out = NULL;
	assert_int_equal(json_get_string(root, "s", true, 100, &out, &err), 1);
	assert_ptr_equal(out, cJSON_GetObjectItemCaseSensitive(root, "s")->valuestring);
	assert_string_equal(out, "line one\nline\ttwo");
	assert_int_equal(err.code, ERR_NONE);
	cJSON_Delete(root);
}

static void test_absent_optional_field_returns_zero_and_leaves_out(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"n\":null}");
	struct err err;
	err_init(&err);
	const char *out = "untouched";
	int64_t t = 42;
	int v = 7;
	const cJSON *obj = (const cJSON *)1;
	assert_int_equal(json_get_string(root, "s", false, 10, &out, &err), 0);
	assert_int_equal(json_get_string(root, "n", false, 10, &out, &err), 0);
	assert_int_equal(json_get_time(root, "n", false, &t, &err), 0);
	assert_int_equal(json_get_enum(root, "n", false, &impact_names, &v, &err), 0);
	assert_int_equal(json_get_string_array(root, "n", 5, 5, &obj, &err), 0);
	assert_int_equal(json_get_object(root, "n", &obj, &err), 0);
	assert_string_equal(out, "untouched");
	assert_int_equal(t, 42);
	assert_int_equal(v, 7);
	assert_ptr_equal(obj, (const cJSON *)1);
	assert_int_equal(err.code, ERR_NONE);
	assert_int_equal(err.n_details, 0);
	cJSON_Delete(root);
}

static void test_missing_or_null_required_field_is_required(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"n\":null}");
	struct err err;
	err_init(&err);
	const char *out = "untouched";
	assert_int_equal(json_get_string(root, "s", true, 10, &out, &err), -1);
	assert_one_detail(&err, "s", "is required");
	assert_string_equal(err.message, "invalid input: s: is required");
	err_init(&err);
	assert_int_equal(json_get_string(root, "n", true, 10, &out, &err), -1);
	assert_one_detail(&err, "n", "is required");
	assert_string_equal(out, "untouched");
	cJSON_Delete(root);
}

static void test_string_of_the_wrong_type_is_rejected(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"a\":1,\"b\":true,\"c\":[\"x\"],\"d\":{}}");
	static const char *const names[] = {"a", "b", "c", "d"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct err err;
		err_init(&err);
		const char *out = "untouched";
		assert_int_equal(json_get_string(root, names[i], false, 10, &out, &err), -1);
		assert_one_detail(&err, names[i], "must be a string");
		assert_string_equal(out, "untouched");
	}
	cJSON_Delete(root);
}

static void test_empty_string_is_refused_only_when_required(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"s\":\"\"}");
	struct err err;
	err_init(&err);
	const char *out = NULL;
	assert_int_equal(json_get_string(root, "s", false, 10, &out, &err), 1);
	assert_string_equal(out, "");
	assert_int_equal(err.code, ERR_NONE);
	out = NULL;
	assert_int_equal(json_get_string(root, "s", true, 10, &out, &err), -1);
	assert_one_detail(&err, "s", "must not be empty");
	assert_null(out);
	cJSON_Delete(root);
}

static void test_string_longer_than_the_limit_is_rejected(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"s\":\"abcde\",\"u\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}");
	struct err err;
	err_init(&err);
	const char *out = NULL;
	assert_int_equal(json_get_string(root, "s", true, 5, &out, &err), 1);
	assert_string_equal(out, "abcde");
	out = NULL;
	assert_int_equal(json_get_string(root, "s", true, 4, &out, &err), -1);
	assert_one_detail(&err, "s", "is longer than 4 bytes");
	assert_null(out);
	/* the limit counts bytes, not characters */
	err_init(&err);
	assert_int_equal(json_get_string(root, "u", true, 5, &out, &err), -1);
	assert_one_detail(&err, "u", "is longer than 5 bytes");
	cJSON_Delete(root);
}

static void test_string_with_control_characters_is_rejected(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"a\":\"x\\u0001y\",\"b\":\"\\u001f\",\"c\":\"ok\\r\\n\"}");
	struct err err;
	err_init(&err);
	const char *out = NULL;
	assert_int_equal(json_get_string(root, "a", true, 100, &out, &err), -1);
	assert_one_detail(&err, "a", "contains control characters");
	err_init(&err);
	assert_int_equal(json_get_string(root, "b", false, 100, &out, &err), -1);
	assert_one_detail(&err, "b", "contains control characters");
	assert_null(out);
	err_init(&err);
	assert_int_equal(json_get_string(root, "c", true, 100, &out, &err), 1);
	assert_string_equal(out, "ok\r\n");
	cJSON_Delete(root);
}

static void test_enum_reader_returns_the_enum_value(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"impact\":\"high\",\"category\":\"supply_chain\"}");
	struct err err;
	err_init(&err);
	int v = -1;
	assert_int_equal(json_get_enum(root, "impact", true, &impact_names, &v, &err), 1);
	assert_int_equal(v, IMPACT_HIGH);
	assert_int_equal(json_get_enum(root, "category", true, &io_category_names, &v, &err), 1);
	assert_int_equal(v, IO_CAT_SUPPLY_CHAIN);
	assert_int_equal(err.code, ERR_NONE);
	cJSON_Delete(root);
}

static void test_enum_with_a_bad_value_names_the_value_and_the_list(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"impact\":\"High\",\"n\":3}");
	struct err err;
	err_init(&err);
	int v = 9;
	assert_int_equal(json_get_enum(root, "impact", true, &impact_names, &v, &err), -1);
	assert_one_detail(&err, "impact",
			  "unknown value \"High\"; expected one of: low, medium, high");
	assert_int_equal(v, 9);
	err_init(&err);
	assert_int_equal(json_get_enum(root, "n", true, &impact_names, &v, &err), -1);
	assert_one_detail(&err, "n", "must be a string, one of: low, medium, high");
	err_init(&err);
	assert_int_equal(json_get_enum(root, "missing", true, &impact_names, &v, &err), -1);
	assert_one_detail(&err, "missing", "is required");
	assert_int_equal(v, 9);
	cJSON_Delete(root);
}

static void test_enum_message_quotes_at_most_64_bytes_of_the_value(void **state)
{
	(void)state;
	char body[200];
	char value[101];
	memset(value, 'v', 100);
	value[100] = '\0';
	snprintf(body, sizeof(body), "{\"impact\":\"%s\"}", value);
	cJSON *root = parse_ok(body);
	struct err err;
	err_init(&err);
	int v = 0;
	assert_int_equal(json_get_enum(root, "impact", true, &impact_names, &v, &err), -1);
	char expected[200];
	snprintf(expected, sizeof(expected),
		 "unknown value \"%.64s\"; expected one of: low, medium, high", value);
	assert_one_detail(&err, "impact", expected);
	cJSON_Delete(root);
}

static void test_time_reader_converts_the_offset_to_utc(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"t\":\"2026-12-10T09:00:00.25+02:00\"}");
	struct err err;
	err_init(&err);
	int64_t t = 0;
	assert_int_equal(json_get_time(root, "t", true, &t, &err), 1);
	/* date -u -d 2026-12-10T07:00:00Z +%s */
	assert_int_equal(t, INT64_C(1796886000) * USEC + 250000);
	assert_int_equal(err.code, ERR_NONE);
	cJSON_Delete(root);
}

static void test_naive_time_is_rejected_with_the_reason(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"t\":\"2026-12-10T09:00:00\"}");
	struct err err;
	err_init(&err);
	int64_t t = 42;
	assert_int_equal(json_get_time(root, "t", true, &t, &err), -1);
	assert_one_detail(
		&err, "t",
		"timestamp \"2026-12-10T09:00:00\" has no offset (naive); add Z or +hh:mm");
	assert_non_null(strstr(err.details[0].message, "naive"));
	assert_int_equal(t, 42);
	cJSON_Delete(root);
}

static void test_time_of_the_wrong_type_or_shape_is_rejected(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"n\":1796886000,\"m\":\"2026-13-01T00:00:00Z\"}");
	struct err err;
	err_init(&err);
	int64_t t = 42;
	assert_int_equal(json_get_time(root, "n", true, &t, &err), -1);
	assert_one_detail(&err, "n", "must be an RFC 3339 timestamp string");
	err_init(&err);
	assert_int_equal(json_get_time(root, "m", false, &t, &err), -1);
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "m");
	assert_non_null(strstr(err.details[0].message, "month 13 out of range"));
	assert_int_equal(t, 42);
	cJSON_Delete(root);
}

static void test_string_array_reader_borrows_the_array(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"l\":[\"a\",\"bb\"],\"e\":[]}");
	struct err err;
	err_init(&err);
	const cJSON *arr = NULL;
	assert_int_equal(json_get_string_array(root, "l", 2, 2, &arr, &err), 1);
	assert_ptr_equal(arr, cJSON_GetObjectItemCaseSensitive(root, "l"));
	assert_printed(arr, "[\"a\",\"bb\"]");
	assert_int_equal(json_get_string_array(root, "e", 0, 2, &arr, &err), 1);
	assert_printed(arr, "[]");
	assert_int_equal(err.code, ERR_NONE);
	cJSON_Delete(root);
}

static void test_string_array_with_bad_items_or_too_many_is_rejected(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"s\":\"a\",\"n\":[\"a\",1],\"e\":[\"\"],\"long\":[\"a\",\"abc\"],"
			       "\"ctl\":[\"\\u0002\"],\"many\":[\"a\",\"b\",\"c\"]}");
	static const struct {
		const char *field;
		const char *message;
	} cases[] = {
		{"s", "must be an array of strings"},
		{"n", "item 1 must be a non-empty string"},
		{"e", "item 0 must be a non-empty string"},
		{"long", "item 1 is longer than 2 bytes or has control characters"},
		{"ctl", "item 0 is longer than 2 bytes or has control characters"},
		{"many", "has more than 2 items"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct err err;
		err_init(&err);
		const cJSON *arr = NULL;
		assert_int_equal(json_get_string_array(root, cases[i].field, 2, 2, &arr, &err), -1);
		assert_one_detail(&err, cases[i].field, cases[i].message);
		assert_null(arr);
	}
	cJSON_Delete(root);
}

static void test_object_reader_accepts_only_objects(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"o\":{\"k\":1},\"a\":[]}");
	struct err err;
	err_init(&err);
	const cJSON *o = NULL;
	assert_int_equal(json_get_object(root, "o", &o, &err), 1);
	assert_printed(o, "{\"k\":1}");
	o = NULL;
	assert_int_equal(json_get_object(root, "a", &o, &err), -1);
	assert_one_detail(&err, "a", "must be an object");
	assert_null(o);
	cJSON_Delete(root);
}

static void test_readers_accumulate_every_problem(void **state)
{
	(void)state;
	cJSON *root = parse_ok("{\"a\":1,\"c\":\"x\"}");
	struct err err;
	err_init(&err);
	const char *s = NULL;
	int v = 0;
	json_get_string(root, "a", true, 10, &s, &err);
	json_get_string(root, "b", true, 10, &s, &err);
	json_get_enum(root, "c", true, &impact_names, &v, &err);
	assert_int_equal(err.n_details, 3);
	assert_string_equal(err.message, "invalid input: a: must be a string");
	assert_string_equal(err.details[0].field, "a");
	assert_string_equal(err.details[1].field, "b");
	assert_string_equal(err.details[1].message, "is required");
	assert_string_equal(err.details[2].field, "c");
	assert_string_equal(err.details[2].message,
			    "unknown value \"x\"; expected one of: low, medium, high");
	cJSON_Delete(root);
}

static void test_output_helpers_write_null_for_absent_values(void **state)
{
	(void)state;
	cJSON *o = cJSON_CreateObject();
	json_add_time(o, "t", INT64_C(1796886000) * USEC + 1);
	json_add_time(o, "none", RTIME_NONE);
	json_add_time(o, "epoch", 0);
	json_add_str(o, "s", "caf\xc3\xa9 \"q\"");
	json_add_str(o, "null", NULL);
	assert_printed(o,
		       "{\"t\":\"2026-12-10T07:00:00.000001Z\",\"none\":null,"
		       "\"epoch\":\"1970-01-01T00:00:00.000000Z\",\"s\":\"caf\xc3\xa9 \\\"q\\\"\","
		       "\"null\":null}");
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_utf8_including_every_sequence_length_is_accepted),
		cmocka_unit_test(test_nesting_of_32_levels_is_accepted_and_33_refused),
		cmocka_unit_test(test_overlong_encodings_are_invalid_at_their_first_byte),
		cmocka_unit_test(test_surrogates_are_invalid),
		cmocka_unit_test(test_bytes_past_u10ffff_are_invalid),
		cmocka_unit_test(test_truncated_and_stray_sequences_are_invalid),
		cmocka_unit_test(test_nul_byte_is_invalid),
		cmocka_unit_test(test_object_parses_with_its_members),
		cmocka_unit_test(test_malformed_json_reports_the_byte_offset),
		cmocka_unit_test(test_invalid_utf8_reports_its_byte_offset),
		cmocka_unit_test(test_nul_byte_in_the_body_is_invalid_utf8),
		cmocka_unit_test(test_control_characters_between_tokens_are_malformed),
		cmocka_unit_test(test_empty_or_whitespace_body_is_an_error_at_its_end),
		cmocka_unit_test(test_trailing_data_after_the_value_is_rejected),
		cmocka_unit_test(test_only_the_given_length_is_parsed),
		cmocka_unit_test(test_duplicate_key_is_rejected_and_named),
		cmocka_unit_test(test_duplicate_key_in_a_nested_object_is_rejected),
		cmocka_unit_test(test_same_key_in_sibling_objects_is_not_a_duplicate),
		cmocka_unit_test(test_escaped_nul_in_a_string_is_rejected),
		cmocka_unit_test(test_numbers_above_1e308_or_infinite_are_refused),
		cmocka_unit_test(test_escaped_backslash_before_u0000_text_is_accepted),
		cmocka_unit_test(test_check_fields_lists_every_unknown_field),
		cmocka_unit_test(test_check_fields_accepts_known_fields_and_empty_objects),
		cmocka_unit_test(test_string_reader_returns_the_borrowed_value),
		cmocka_unit_test(test_absent_optional_field_returns_zero_and_leaves_out),
		cmocka_unit_test(test_missing_or_null_required_field_is_required),
		cmocka_unit_test(test_string_of_the_wrong_type_is_rejected),
		cmocka_unit_test(test_empty_string_is_refused_only_when_required),
		cmocka_unit_test(test_string_longer_than_the_limit_is_rejected),
		cmocka_unit_test(test_string_with_control_characters_is_rejected),
		cmocka_unit_test(test_enum_reader_returns_the_enum_value),
		cmocka_unit_test(test_enum_with_a_bad_value_names_the_value_and_the_list),
		cmocka_unit_test(test_enum_message_quotes_at_most_64_bytes_of_the_value),
		cmocka_unit_test(test_time_reader_converts_the_offset_to_utc),
		cmocka_unit_test(test_naive_time_is_rejected_with_the_reason),
		cmocka_unit_test(test_time_of_the_wrong_type_or_shape_is_rejected),
		cmocka_unit_test(test_string_array_reader_borrows_the_array),
		cmocka_unit_test(test_string_array_with_bad_items_or_too_many_is_rejected),
		cmocka_unit_test(test_object_reader_accepts_only_objects),
		cmocka_unit_test(test_readers_accumulate_every_problem),
		cmocka_unit_test(test_output_helpers_write_null_for_absent_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
