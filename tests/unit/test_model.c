/* Unit tests for core/model: the exact spellings of the register's enums, their
 * "a, b, c" lists, and the validity rules for service names, change keys and IO sources. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "model.h"
#include "test_util.h"

/* Checks that table t holds exactly the n spellings in names, in enum order,
 * that each looks up to its index, and that list is their comma-separated join. */
static void assert_table(const struct model_names *t, const char *const *names, int n,
			 const char *list)
{
	assert_int_equal(t->count, n);
	for (int i = 0; i < n; i++) {
		assert_string_equal(t->names[i], names[i]);
		assert_string_equal(model_name(t, i), names[i]);
		assert_int_equal(model_lookup(t, names[i]), i);
	}
	assert_string_equal(t->list, list);
	assert_string_equal(model_name(t, -1), "?");
	assert_string_equal(model_name(t, n), "?");
}

/* A string of n copies of c (n < 300). */
static const char *repeat(char c, size_t n)
{
	static char buf[300];
	assert_true(n < sizeof(buf));
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_every_category_spelling_looks_up_to_its_enum_value(void **state)
{
	(void)state;
	assert_int_equal(model_lookup(&io_category_names, "data"), IO_CAT_DATA);
	assert_int_equal(model_lookup(&io_category_names, "evaluation"), IO_CAT_EVALUATION);
	assert_int_equal(model_lookup(&io_category_names, "alignment"), IO_CAT_ALIGNMENT);
	assert_int_equal(model_lookup(&io_category_names, "deployment"), IO_CAT_DEPLOYMENT);
	assert_int_equal(model_lookup(&io_category_names, "supply_chain"), IO_CAT_SUPPLY_CHAIN);
	assert_int_equal(model_lookup(&io_category_names, "optionality"), IO_CAT_OPTIONALITY);
	assert_int_equal(io_category_names.count, IO_CAT_COUNT);
	assert_int_equal(IO_CAT_COUNT, 6);
}

static void test_near_miss_category_spellings_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(model_lookup(&io_category_names, "supply-chain"), -1);
	assert_int_equal(model_lookup(&io_category_names, "Data"), -1);
	assert_int_equal(model_lookup(&io_category_names, "DATA"), -1);
	assert_int_equal(model_lookup(&io_category_names, "data "), -1);
	assert_int_equal(model_lookup(&io_category_names, " data"), -1);
	assert_int_equal(model_lookup(&io_category_names, "dat"), -1);
	assert_int_equal(model_lookup(&io_category_names, "supplychain"), -1);
	assert_int_equal(model_lookup(&io_category_names, ""), -1);
	assert_int_equal(model_lookup(&io_category_names, NULL), -1);
}

static void test_category_table_lists_the_six_spellings_in_order(void **state)
{
	(void)state;
	static const char *const names[] = {"data",	  "evaluation",	  "alignment",
					    "deployment", "supply_chain", "optionality"};
	assert_table(&io_category_names, names, 6,
		     "data, evaluation, alignment, deployment, supply_chain, optionality");
}

static void test_impact_table_is_low_medium_high(void **state)
{
	(void)state;
	static const char *const names[] = {"low", "medium", "high"};
	assert_table(&impact_names, names, 3, "low, medium, high");
	assert_int_equal(IMPACT_LOW, 0);
	assert_int_equal(IMPACT_MEDIUM, 1);
	assert_int_equal(IMPACT_HIGH, 2);
	assert_int_equal(model_lookup(&impact_names, "Low"), -1);
	assert_int_equal(model_lookup(&impact_names, "critical"), -1);
}

static void test_change_state_table_is_planned_effective(void **state)
{
	(void)state;
	static const char *const names[] = {"planned", "effective"};
	assert_table(&change_state_names, names, 2, "planned, effective");
	assert_int_equal(CHANGE_PLANNED, 0);
	assert_int_equal(CHANGE_EFFECTIVE, 1);
	assert_int_equal(model_lookup(&change_state_names, "deployed"), -1);
}

static void test_review_table_is_unreviewed_no_io_has_io(void **state)
{
	(void)state;
	static const char *const names[] = {"unreviewed", "no_io", "has_io"};
	assert_table(&review_names, names, 3, "unreviewed, no_io, has_io");
	assert_int_equal(REVIEW_UNREVIEWED, 0);
	assert_int_equal(REVIEW_NO_IO, 1);
	assert_int_equal(REVIEW_HAS_IO, 2);
	assert_int_equal(model_lookup(&review_names, "no-io"), -1);
}

static void test_io_status_table_is_confirmed_candidate(void **state)
{
	(void)state;
	static const char *const names[] = {"confirmed", "candidate"};
	assert_table(&io_status_names, names, 2, "confirmed, candidate");
	assert_int_equal(IO_CONFIRMED, 0);
	assert_int_equal(IO_CANDIDATE, 1);
	assert_int_equal(model_lookup(&io_status_names, "retracted"), -1);
}

static void test_role_table_spells_release_manager_with_a_hyphen(void **state)
{
	(void)state;
	static const char *const names[] = {"admin", "release-manager", "engineer", "pipeline",
					    "auditor"};
	assert_table(&role_names, names, 5, "admin, release-manager, engineer, pipeline, auditor");
	assert_int_equal(ROLE_ADMIN, 0);
	assert_int_equal(ROLE_RELEASE_MANAGER, 1);
	assert_int_equal(ROLE_ENGINEER, 2);
	assert_int_equal(ROLE_PIPELINE, 3);
	assert_int_equal(ROLE_AUDITOR, 4);
	assert_int_equal(model_lookup(&role_names, "release_manager"), -1);
}

static void test_service_name_of_63_characters_is_valid_and_64_is_not(void **state)
{
	(void)state;
	assert_int_equal(model_valid_service(repeat('a', 63)), 1);
	assert_int_equal(model_valid_service(repeat('a', 64)), 0);
	assert_int_equal(model_valid_service("a"), 1);
	assert_int_equal(model_valid_service(""), 0);
}

static void test_service_name_may_contain_dot_underscore_hyphen_after_the_first(void **state)
{
	(void)state;
	assert_int_equal(model_valid_service("api-gateway"), 1);
	assert_int_equal(model_valid_service("ml.train_v2"), 1);
	assert_int_equal(model_valid_service("0day"), 1);
	assert_int_equal(model_valid_service("a-"), 1);
	assert_int_equal(model_valid_service("-api"), 0);
	assert_int_equal(model_valid_service(".api"), 0);
	assert_int_equal(model_valid_service("_api"), 0);
}

static void test_service_name_with_uppercase_space_or_other_bytes_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(model_valid_service("Api"), 0);
	assert_int_equal(model_valid_service("apI"), 0);
	assert_int_equal(model_valid_service("api gateway"), 0);
	assert_int_equal(model_valid_service("api/gateway"), 0);
	assert_int_equal(model_valid_service("api:x"), 0);
	assert_int_equal(model_valid_service("api\n"), 0);
	assert_int_equal(model_valid_service("caf\xc3\xa9"), 0);
}

static void test_key_of_200_bytes_is_valid_and_201_is_not(void **state)
{
	(void)state;
	assert_int_equal(model_valid_key(repeat('k', 200)), 1);
	assert_int_equal(model_valid_key(repeat('k', 201)), 0);
	assert_int_equal(model_valid_key("k"), 1);
	assert_int_equal(model_valid_key(""), 0);
}

static void test_key_may_hold_any_printable_character(void **state)
{
	(void)state;
	assert_int_equal(model_valid_key("PR-1234"), 1);
	assert_int_equal(model_valid_key("git:abc123/main#4"), 1);
	assert_int_equal(model_valid_key("~!@$%^&*()[]{}\"'"), 1);
	assert_int_equal(model_valid_key("caf\xc3\xa9"), 1);
}

static void test_key_with_whitespace_or_control_characters_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(model_valid_key("PR 1234"), 0);
	assert_int_equal(model_valid_key(" PR-1"), 0);
	assert_int_equal(model_valid_key("PR-1\t"), 0);
	assert_int_equal(model_valid_key("PR-1\n"), 0);
	assert_int_equal(model_valid_key("PR\x01-1"), 0);
	assert_int_equal(model_valid_key("PR\x1f-1"), 0);
	assert_int_equal(model_valid_key("PR\x7f-1"), 0);
}

static void test_manual_and_import_sources_are_valid(void **state)
{
	(void)state;
	assert_int_equal(model_valid_source("manual"), 1);
	assert_int_equal(model_valid_source("import"), 1);
	assert_int_equal(model_valid_source("Manual"), 0);
	assert_int_equal(model_valid_source("manual "), 0);
	assert_int_equal(model_valid_source("other"), 0);
	assert_int_equal(model_valid_source(""), 0);
}

static void test_rule_source_needs_a_name_and_a_version(void **state)
{
	(void)state;
	assert_int_equal(model_valid_source("rule:git@3"), 1);
	assert_int_equal(model_valid_source("rule:Dep-Bump_v2@1.2.3"), 1);
	assert_int_equal(model_valid_source("rule:@3"), 0);
	assert_int_equal(model_valid_source("rule:x@"), 0);
	assert_int_equal(model_valid_source("rule:git"), 0);
	assert_int_equal(model_valid_source("rule:"), 0);
	assert_int_equal(model_valid_source("rule:git@3@4"), 0);
	assert_int_equal(model_valid_source("rule:git x@3"), 0);
	assert_int_equal(model_valid_source("rule:git@3 "), 0);
	assert_int_equal(model_valid_source("Rule:git@3"), 0);
	assert_int_equal(model_valid_source("rules:git@3"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_category_spelling_looks_up_to_its_enum_value),
		cmocka_unit_test(test_near_miss_category_spellings_are_rejected),
		cmocka_unit_test(test_category_table_lists_the_six_spellings_in_order),
		cmocka_unit_test(test_impact_table_is_low_medium_high),
		cmocka_unit_test(test_change_state_table_is_planned_effective),
		cmocka_unit_test(test_review_table_is_unreviewed_no_io_has_io),
		cmocka_unit_test(test_io_status_table_is_confirmed_candidate),
		cmocka_unit_test(test_role_table_spells_release_manager_with_a_hyphen),
		cmocka_unit_test(test_service_name_of_63_characters_is_valid_and_64_is_not),
		cmocka_unit_test(
			test_service_name_may_contain_dot_underscore_hyphen_after_the_first),
		cmocka_unit_test(test_service_name_with_uppercase_space_or_other_bytes_is_invalid),
		cmocka_unit_test(test_key_of_200_bytes_is_valid_and_201_is_not),
		cmocka_unit_test(test_key_may_hold_any_printable_character),
		cmocka_unit_test(test_key_with_whitespace_or_control_characters_is_invalid),
		cmocka_unit_test(test_manual_and_import_sources_are_valid),
		cmocka_unit_test(test_rule_source_needs_a_name_and_a_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
