/* Unit tests for core/audit: entry construction and the chained entry hash,
 * checked against digests computed outside the code under test. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "audit.h"
#include "err.h"
#include "jcs.h"
#include "json.h"
#include "test_util.h"

/* The canonical form of fixed_entry(); the expected hashes below are SHA-256 of
 * a prev_hash followed by exactly these bytes. */
#define FIXED_CANONICAL                                                                            \
	"{\"action\":\"change.create\",\"actor\":\"admin\","                                       \
	"\"at\":\"2026-12-03T18:06:26.598500Z\",\"object_id\":\"1\",\"object_type\":\"change\","   \
	"\"payload\":{\"id\":1,\"risk\":0.25,\"tags\":[\"db\",\"\xc3\xa9\"],"                      \
	"\"title\":\"Raise pool size\"},\"seq\":1}"

/* Computed outside the code under test (adjacent quoted words join in sh):
 *   printf '%s%s' "$(printf '0%.0s' $(seq 64))" \
 *     '{"action":"change.create","actor":"admin",'\
 *     '"at":"2026-12-03T18:06:26.598500Z","object_id":"1","object_type":"change",'\
 *     '"payload":{"id":1,"risk":0.25,"tags":["db","é"],'\
 *     '"title":"Raise pool size"},"seq":1}' | sha256sum
 */
#define FIXED_HASH_AFTER_GENESIS "9f24f437ff2f79665b3c377fe4ffe8d5d11b26a1a34cf7792263ae46bd706313"

/* The same with "$(printf '1%.0s' $(seq 64))" as the prev_hash. */
#define FIXED_HASH_AFTER_ONES "a9eb446c6a3b159cf211704315d4a98d6a66a2ca325638f422cabea4006462a9"

/* The same after genesis with "risk":0.5 in the payload. */
#define CHANGED_PAYLOAD_HASH "7275321c330ac67ae12221e6d625ddc8b3bf12164808bd7748410a4a5be4a85e"

#define ONES "1111111111111111111111111111111111111111111111111111111111111111"

/* Parses json strictly, failing the test on error; the caller deletes the result. */
static cJSON *parse_ok(const char *json)
{
	struct err err;
	err_init(&err);
	cJSON *root = NULL;
	if (json_parse(json, strlen(json), &root, &err) != 0) {
		print_error("json_parse(%s) failed: %s\n", json, err.message);
		fail();
	}
	return root;
}

static cJSON *fixed_payload(void)
{
	return parse_ok("{\"title\":\"Raise pool size\",\"id\":1,\"tags\":[\"db\",\"\\u00e9\"],"
			"\"risk\":0.25}");
}

static cJSON *fixed_entry(void)
{
	cJSON *payload = fixed_payload();
	cJSON *entry = audit_entry_new(1, "2026-12-03T18:06:26.598500Z", "admin", "change.create",
				       "change", "1", payload);
	cJSON_Delete(payload);
	return entry;
}

/* Hashes entry after prev_hash, failing the test on error. */
static void assert_hash(const char *prev_hash, const cJSON *entry, const char *expected)
{
	struct err err;
	err_init(&err);
	char out[65];
	memset(out, 'x', sizeof(out));
	if (audit_entry_hash(prev_hash, entry, out, &err) != 0) {
		print_error("audit_entry_hash failed: %s\n", err.message);
		fail();
	}
	assert_int_equal(err.code, ERR_NONE);
	assert_string_equal(out, expected);
}

static void assert_hash_refused(const char *prev_hash, const cJSON *entry, const char *needle)
{
	struct err err;
	err_init(&err);
	char out[65];
	assert_int_equal(audit_entry_hash(prev_hash, entry, out, &err), -1);
	assert_err(&err, ERR_INVALID, needle);
}

static void test_genesis_is_64_zeros(void **state)
{
	(void)state;
	assert_int_equal(strlen(AUDIT_GENESIS), 64);
	assert_int_equal(strspn(AUDIT_GENESIS, "0"), 64);
}

static void test_new_entry_has_the_seven_members_in_order(void **state)
{
	(void)state;
	cJSON *entry = fixed_entry();
	char *printed = json_print(entry);
	assert_string_equal(printed,
			    "{\"seq\":1,\"at\":\"2026-12-03T18:06:26.598500Z\",\"actor\":\"admin\","
			    "\"action\":\"change.create\",\"object_type\":\"change\",\"object_id\":"
			    "\"1\",\"payload\":{\"title\":\"Raise pool size\",\"id\":1,\"tags\":["
			    "\"db\",\"\xc3\xa9\"],\"risk\":0.25}}");
	free(printed);
	cJSON_Delete(entry);
}

static void test_new_entry_copies_the_payload_and_writes_null_for_absent_values(void **state)
{
	(void)state;
	cJSON *payload = parse_ok("{\"a\":[1]}");
	cJSON *entry =
		audit_entry_new(INT64_C(9007199254740992), "t", NULL, "a", "o", NULL, payload);
	cJSON_Delete(payload); /* the entry keeps its own copy */
	char *canonical = jcs_canonicalize(entry, &(struct err){0});
	assert_non_null(canonical);
	assert_string_equal(canonical,
			    "{\"action\":\"a\",\"actor\":null,\"at\":\"t\",\"object_id\":null,"
			    "\"object_type\":\"o\",\"payload\":{\"a\":[1]},"
			    "\"seq\":9007199254740992}");
	free(canonical);
	cJSON_Delete(entry);
	entry = audit_entry_new(2, "t", "u", "a", "o", "1", NULL);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(entry, "payload")));
	cJSON_Delete(entry);
}

static void test_fixed_entry_canonicalizes_to_the_hashed_bytes(void **state)
{
	(void)state;
	cJSON *entry = fixed_entry();
	char *canonical = jcs_canonicalize(entry, &(struct err){0});
	assert_non_null(canonical);
	assert_string_equal(canonical, FIXED_CANONICAL);
	free(canonical);
	cJSON_Delete(entry);
}

static void test_hash_is_sha256_of_prev_hash_then_canonical_entry(void **state)
{
	(void)state;
	cJSON *entry = fixed_entry();
	assert_hash(AUDIT_GENESIS, entry, FIXED_HASH_AFTER_GENESIS);
	assert_hash(ONES, entry, FIXED_HASH_AFTER_ONES);
	cJSON_Delete(entry);
}

static void test_prev_hash_and_hash_members_are_left_out(void **state)
{
	(void)state;
	cJSON *entry = fixed_entry();
	cJSON_AddStringToObject(entry, "prev_hash", AUDIT_GENESIS);
	cJSON_AddStringToObject(entry, "hash", FIXED_HASH_AFTER_GENESIS);
	assert_hash(AUDIT_GENESIS, entry, FIXED_HASH_AFTER_GENESIS);
	/* the input is not modified */
	assert_non_null(cJSON_GetObjectItemCaseSensitive(entry, "prev_hash"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(entry, "hash"));
	cJSON_Delete(entry);
}

static void test_a_served_entry_in_any_member_order_hashes_the_same(void **state)
{
	(void)state;
	cJSON *entry = parse_ok(
		"{\"hash\":\"ffff\",\"payload\":{\"risk\":0.25,\"tags\":[\"db\",\"\xc3\xa9\"],"
		"\"id\":1.0,\"title\":\"Raise pool size\"},\"object_id\":\"1\",\"seq\":1,"
		"\"prev_hash\":\"" AUDIT_GENESIS
		"\",\"object_type\":\"change\",\"actor\":\"admin\","
		"\"at\":\"2026-12-03T18:06:26.598500Z\",\"action\":\"change.create\"}");
	assert_hash(AUDIT_GENESIS, entry, FIXED_HASH_AFTER_GENESIS);
	cJSON_Delete(entry);
}

static void test_a_changed_payload_changes_the_hash(void **state)
{
	(void)state;
	cJSON *entry = fixed_entry();
	cJSON *payload = cJSON_GetObjectItemCaseSensitive(entry, "payload");
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(payload, "risk"), 0.5);
	assert_hash(AUDIT_GENESIS, entry, CHANGED_PAYLOAD_HASH);
	cJSON_Delete(entry);
}

static void test_bad_prev_hash_or_entry_is_refused(void **state)
{
	(void)state;
	cJSON *entry = fixed_entry();
	assert_hash_refused("00", entry, "prev_hash is not 64 lowercase hex digits");
	assert_hash_refused(NULL, entry, "prev_hash is not 64 lowercase hex digits");
	assert_hash_refused("9F24F437FF2F79665B3C377FE4FFE8D5D11B26A1A34CF7792263AE46BD706313",
			    entry, "prev_hash is not 64 lowercase hex digits");
	assert_hash_refused(AUDIT_GENESIS "0", entry, "prev_hash is not 64 lowercase hex digits");
	cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(entry, "payload"), "bad", NAN);
	assert_hash_refused(AUDIT_GENESIS, entry, "number is not finite");
	cJSON_Delete(entry);
	cJSON *array = cJSON_CreateArray();
	assert_hash_refused(AUDIT_GENESIS, array, "could not hash audit entry: not an object");
	cJSON_Delete(array);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genesis_is_64_zeros),
		cmocka_unit_test(test_new_entry_has_the_seven_members_in_order),
		cmocka_unit_test(
			test_new_entry_copies_the_payload_and_writes_null_for_absent_values),
		cmocka_unit_test(test_fixed_entry_canonicalizes_to_the_hashed_bytes),
		cmocka_unit_test(test_hash_is_sha256_of_prev_hash_then_canonical_entry),
		cmocka_unit_test(test_prev_hash_and_hash_members_are_left_out),
		cmocka_unit_test(test_a_served_entry_in_any_member_order_hashes_the_same),
		cmocka_unit_test(test_a_changed_payload_changes_the_hash),
		cmocka_unit_test(test_bad_prev_hash_or_entry_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
