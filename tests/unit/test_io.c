/* Unit tests for core/io: validation of a new irreversible operation from JSON,
 * its defaults, the JSON codec, and retraction requests. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "io.h"
#include "json.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
/* 2026-12-03T17:55:27Z (date -u -d ... +%s) */
#define NOW (INT64_C(1796320527) * USEC)

/* Parses text (which must be valid JSON) into *body. */
static cJSON *parse(const char *text)
{
	struct err err;
	err_init(&err);
	cJSON *body = NULL;
	if (json_parse(text, strlen(text), &body, &err) != 0) {
		print_error("json_parse(%s) failed: %s\n", text, err.message);
		fail();
	}
	return body;
}

/* Runs io_from_json on text; io and err are initialised here, the caller
 * releases io. */
static int from_json(const char *text, struct io *io, struct err *err)
{
	cJSON *body = parse(text);
	io_init(io);
	err_init(err);
	int rc = io_from_json(body, io, err);
	cJSON_Delete(body);
	return rc;
}

/* Checks that err holds exactly one detail, on field, with message. */
static void assert_one_detail(const struct err *err, const char *field, const char *message)
{
	assert_int_equal(err->code, ERR_INVALID);
	assert_int_equal(err->n_details, 1);
	assert_string_equal(err->details[0].field, field);
	assert_string_equal(err->details[0].message, message);
}

/* Checks that member name of obj prints exactly as expected. */
static void assert_member(const cJSON *obj, const char *name, const char *expected)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!item) {
		print_error("member \"%s\" is missing\n", name);
		fail();
	}
	char *s = json_print(item);
	if (strcmp(s, expected) != 0) {
		print_error("member \"%s\" is %s, expected %s\n", name, s, expected);
		free(s);
		fail();
	}
	free(s);
}

static void test_body_with_every_field_fills_the_io(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(from_json("{\"category\":\"supply_chain\",\"description\":\"pinned a "
				   "vendored tokenizer\",\"undo\":\"unpin and rebuild\","
				   "\"evidence\":\"https://ci.example/42\","
				   "\"reversible_until\":\"2026-12-10T09:00:00+02:00\","
				   "\"reversal_cost\":\"two days\",\"status\":\"candidate\","
				   "\"source\":\"rule:deps@2\"}",
				   &io, &err),
			 0);
	assert_int_equal(err.code, ERR_NONE);
	assert_int_equal(err.n_details, 0);
	assert_int_equal(io.category, IO_CAT_SUPPLY_CHAIN);
	assert_string_equal(io.description, "pinned a vendored tokenizer");
	assert_string_equal(io.undo, "unpin and rebuild");
	assert_string_equal(io.evidence, "https://ci.example/42");
	/* 09:00 at +02:00 is 07:00Z */
	assert_int_equal(io.reversible_until, INT64_C(1796886000) * USEC);
	assert_string_equal(io.reversal_cost, "two days");
	assert_int_equal(io.status, IO_CANDIDATE);
	assert_string_equal(io.source, "rule:deps@2");
	/* left for the store */
	assert_int_equal(io.id, 0);
	assert_int_equal(io.change_id, 0);
	assert_null(io.service);
	assert_null(io.change_key);
	assert_int_equal(io.recorded_at, RTIME_NONE);
	assert_null(io.recorded_by);
	assert_int_equal(io.retracted_at, RTIME_NONE);
	assert_null(io.retracted_by);
	assert_null(io.retracted_reason);
	io_release(&io);
	assert_null(io.description);
	assert_int_equal(io.reversible_until, RTIME_NONE);
}

static void test_status_defaults_to_confirmed_and_source_to_manual(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(from_json("{\"category\":\"data\",\"description\":\"deleted raw logs\"}",
				   &io, &err),
			 0);
	assert_int_equal(io.category, IO_CAT_DATA);
	assert_string_equal(io.description, "deleted raw logs");
	assert_int_equal(io.status, IO_CONFIRMED);
	assert_string_equal(io.source, "manual");
	assert_null(io.undo);
	assert_null(io.evidence);
	assert_null(io.reversal_cost);
	assert_int_equal(io.reversible_until, RTIME_NONE);
	io_release(&io);
}

static void test_null_optional_fields_take_their_defaults(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(
		from_json("{\"category\":\"alignment\",\"description\":\"d\",\"undo\":null,"
			  "\"status\":null,\"source\":null,\"reversible_until\":null}",
			  &io, &err),
		0);
	assert_int_equal(io.category, IO_CAT_ALIGNMENT);
	assert_int_equal(io.status, IO_CONFIRMED);
	assert_string_equal(io.source, "manual");
	assert_null(io.undo);
	assert_int_equal(io.reversible_until, RTIME_NONE);
	io_release(&io);
}

static void test_candidate_status_and_import_source_are_kept(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(from_json("{\"category\":\"optionality\",\"description\":\"d\","
				   "\"status\":\"candidate\",\"source\":\"import\"}",
				   &io, &err),
			 0);
	assert_int_equal(io.category, IO_CAT_OPTIONALITY);
	assert_int_equal(io.status, IO_CANDIDATE);
	assert_string_equal(io.source, "import");
	io_release(&io);
}

static void test_bad_source_is_rejected(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		"{\"category\":\"data\",\"description\":\"d\",\"source\":\"other\"}",
		"{\"category\":\"data\",\"description\":\"d\",\"source\":\"rule:@3\"}",
		"{\"category\":\"data\",\"description\":\"d\",\"source\":\"rule:x@\"}",
		"{\"category\":\"data\",\"description\":\"d\",\"source\":\"Manual\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		struct io io;
		struct err err;
		assert_int_equal(from_json(bodies[i], &io, &err), -1);
		assert_one_detail(&err, "source",
				  "must be \"manual\", \"import\" or \"rule:<name>@<version>\"");
		io_release(&io);
	}
	struct io io;
	struct err err;
	assert_int_equal(
		from_json("{\"category\":\"data\",\"description\":\"d\",\"source\":5}", &io, &err),
		-1);
	assert_one_detail(&err, "source", "must be a string");
	io_release(&io);
}

static void test_bad_category_lists_the_six_spellings(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(
		from_json("{\"category\":\"supply-chain\",\"description\":\"d\"}", &io, &err), -1);
	assert_one_detail(&err, "category",
			  "unknown value \"supply-chain\"; expected one of: data, evaluation, "
			  "alignment, deployment, supply_chain, optionality");
	assert_string_equal(err.message,
			    "invalid input: category: unknown value \"supply-chain\"; "
			    "expected one of: data, evaluation, alignment, deployment, "
			    "supply_chain, optionality");
	io_release(&io);
	assert_int_equal(from_json("{\"category\":\"Data\",\"description\":\"d\"}", &io, &err), -1);
	assert_one_detail(&err, "category",
			  "unknown value \"Data\"; expected one of: data, evaluation, "
			  "alignment, deployment, supply_chain, optionality");
	io_release(&io);
}

static void test_every_category_spelling_is_accepted(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum io_category cat;
	} cases[] = {
		{"data", IO_CAT_DATA},
		{"evaluation", IO_CAT_EVALUATION},
		{"alignment", IO_CAT_ALIGNMENT},
		{"deployment", IO_CAT_DEPLOYMENT},
		{"supply_chain", IO_CAT_SUPPLY_CHAIN},
		{"optionality", IO_CAT_OPTIONALITY},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char body[128];
		snprintf(body, sizeof(body), "{\"category\":\"%s\",\"description\":\"d\"}",
			 cases[i].name);
		struct io io;
		struct err err;
		assert_int_equal(from_json(body, &io, &err), 0);
		assert_int_equal(io.category, cases[i].cat);
		io_release(&io);
	}
}

static void test_missing_fields_unknown_fields_and_bad_values_are_each_reported(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(from_json("{\"kind\":\"data\",\"undo\":\"\\u0007\","
				   "\"reversible_until\":\"2026-12-10\",\"status\":\"retracted\"}",
				   &io, &err),
			 -1);
	assert_int_equal(err.n_details, 6);
	assert_string_equal(err.details[0].field, "kind");
	assert_string_equal(err.details[0].message, "unknown field");
	assert_string_equal(err.details[1].field, "category");
	assert_string_equal(err.details[1].message, "is required");
	assert_string_equal(err.details[2].field, "description");
	assert_string_equal(err.details[2].message, "is required");
	assert_string_equal(err.details[3].field, "undo");
	assert_string_equal(err.details[3].message, "contains control characters");
	assert_string_equal(err.details[4].field, "reversible_until");
	assert_non_null(strstr(err.details[4].message, "2026-12-10"));
	assert_string_equal(err.details[5].field, "status");
	assert_string_equal(err.details[5].message,
			    "unknown value \"retracted\"; expected one of: confirmed, candidate");
	io_release(&io);
}

static void test_description_longer_than_4000_bytes_is_rejected(void **state)
{
	(void)state;
	static char body[4200];
	int n = snprintf(body, sizeof(body), "{\"category\":\"data\",\"description\":\"");
	memset(body + n, 'd', IO_TEXT_MAX + 1);
	snprintf(body + n + IO_TEXT_MAX + 1, sizeof(body) - (size_t)n - IO_TEXT_MAX - 1, "\"}");
	struct io io;
	struct err err;
	assert_int_equal(from_json(body, &io, &err), -1);
	assert_one_detail(&err, "description", "is longer than 4000 bytes");
	io_release(&io);
	/* exactly 4000 bytes is accepted */
	snprintf(body + n + IO_TEXT_MAX, sizeof(body) - (size_t)n - IO_TEXT_MAX, "\"}");
	assert_int_equal(from_json(body, &io, &err), 0);
	assert_int_equal(strlen(io.description), IO_TEXT_MAX);
	io_release(&io);
}

static void test_body_that_is_not_an_object_is_rejected(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(from_json("null", &io, &err), -1);
	assert_string_equal(err.message, "body must be a JSON object");
	assert_one_detail(&err, "body", "must be a JSON object");
	io_release(&io);
}

/* An IO as the store would return it. */
static void fill_stored_io(struct io *io)
{
	io_init(io);
	io->id = 41;
	io->change_id = 17;
	io->service = xstrdup("api-gateway");
	io->change_key = xstrdup("PR-1234");
	io->category = IO_CAT_DEPLOYMENT;
	io->description = xstrdup("migrated the schema");
	io->status = IO_CONFIRMED;
	io->source = xstrdup("manual");
	io->recorded_at = NOW;
	io->recorded_by = xstrdup("alice");
}

static void test_to_json_writes_every_field_and_nulls(void **state)
{
	(void)state;
	struct io io;
	fill_stored_io(&io);
	cJSON *o = io_to_json(&io);
	char *s = json_print(o);
	assert_string_equal(s, "{\"id\":41,\"change_id\":17,\"service\":\"api-gateway\","
			       "\"change_key\":\"PR-1234\",\"category\":\"deployment\","
			       "\"description\":\"migrated the schema\",\"status\":\"confirmed\","
			       "\"source\":\"manual\",\"evidence\":null,\"undo\":null,"
			       "\"reversible_until\":null,\"reversal_cost\":null,"
			       "\"recorded_at\":\"2026-12-03T17:55:27.000000Z\","
			       "\"recorded_by\":\"alice\",\"labelled_after_outcome\":false,"
			       "\"retracted\":null}");
	free(s);
	cJSON_Delete(o);
	io_release(&io);
}

static void test_to_json_of_a_retracted_io_has_the_retracted_object(void **state)
{
	(void)state;
	struct io io;
	fill_stored_io(&io);
	io.status = IO_CANDIDATE;
	io.evidence = xstrdup("https://ci.example/42");
	io.undo = xstrdup("restore from the snapshot");
	io.reversible_until = NOW + 86400 * USEC;
	io.reversal_cost = xstrdup("an hour of downtime");
	io.retracted_at = NOW + 60 * USEC + 5;
	io.retracted_by = xstrdup("bob");
	io.retracted_reason = xstrdup("duplicate of #40");
	cJSON *o = io_to_json(&io);
	assert_member(o, "status", "\"candidate\"");
	assert_member(o, "evidence", "\"https://ci.example/42\"");
	assert_member(o, "undo", "\"restore from the snapshot\"");
	assert_member(o, "reversible_until", "\"2026-12-04T17:55:27.000000Z\"");
	assert_member(o, "reversal_cost", "\"an hour of downtime\"");
	assert_member(o, "retracted",
		      "{\"at\":\"2026-12-03T17:56:27.000005Z\",\"by\":\"bob\","
		      "\"reason\":\"duplicate of #40\"}");
	cJSON_Delete(o);
	io_release(&io);
}

static void test_io_from_json_round_trips_through_to_json(void **state)
{
	(void)state;
	struct io io;
	struct err err;
	assert_int_equal(from_json("{\"category\":\"evaluation\",\"description\":\"retired the "
				   "held-out set\",\"reversible_until\":\"2026-12-10T07:00:00Z\"}",
				   &io, &err),
			 0);
	io.id = 2;
	io.change_id = 1;
	cJSON *o = io_to_json(&io);
	assert_member(o, "id", "2");
	assert_member(o, "change_id", "1");
	assert_member(o, "service", "null");
	assert_member(o, "change_key", "null");
	assert_member(o, "category", "\"evaluation\"");
	assert_member(o, "description", "\"retired the held-out set\"");
	assert_member(o, "status", "\"confirmed\"");
	assert_member(o, "source", "\"manual\"");
	assert_member(o, "reversible_until", "\"2026-12-10T07:00:00.000000Z\"");
	assert_member(o, "recorded_at", "null");
	assert_member(o, "recorded_by", "null");
	assert_member(o, "retracted", "null");
	cJSON_Delete(o);
	io_release(&io);
}

static void test_retraction_returns_the_borrowed_reason(void **state)
{
	(void)state;
	cJSON *body = parse("{\"reason\":\"recorded against the wrong change\"}");
	struct err err;
	err_init(&err);
	const char *reason = NULL;
	assert_int_equal(io_retract_from_json(body, &reason, &err), 0);
	assert_int_equal(err.code, ERR_NONE);
	assert_ptr_equal(reason, cJSON_GetObjectItemCaseSensitive(body, "reason")->valuestring);
	assert_string_equal(reason, "recorded against the wrong change");
	cJSON_Delete(body);
}

static void test_retraction_requires_a_non_empty_reason(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		const char *message;
	} cases[] = {
		{"{}", "is required"},
		{"{\"reason\":null}", "is required"},
		{"{\"reason\":\"\"}", "must not be empty"},
		{"{\"reason\":\"  \\t \"}", "must not be empty"},
		{"{\"reason\":[\"x\"]}", "must be a string"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *body = parse(cases[i].body);
		struct err err;
		err_init(&err);
		const char *reason = "untouched";
		assert_int_equal(io_retract_from_json(body, &reason, &err), -1);
		assert_one_detail(&err, "reason", cases[i].message);
		assert_null(reason);
		cJSON_Delete(body);
	}
}

static void test_retraction_with_unknown_fields_or_a_non_object_is_rejected(void **state)
{
	(void)state;
	cJSON *body = parse("{\"reason\":\"r\",\"by\":\"bob\"}");
	struct err err;
	err_init(&err);
	const char *reason = NULL;
	assert_int_equal(io_retract_from_json(body, &reason, &err), -1);
	assert_one_detail(&err, "by", "unknown field");
	cJSON_Delete(body);
	body = parse("\"r\"");
	err_init(&err);
	assert_int_equal(io_retract_from_json(body, &reason, &err), -1);
	assert_string_equal(err.message, "body must be a JSON object");
	assert_one_detail(&err, "body", "must be a JSON object");
	assert_null(reason);
	cJSON_Delete(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_with_every_field_fills_the_io),
		cmocka_unit_test(test_status_defaults_to_confirmed_and_source_to_manual),
		cmocka_unit_test(test_null_optional_fields_take_their_defaults),
		cmocka_unit_test(test_candidate_status_and_import_source_are_kept),
		cmocka_unit_test(test_bad_source_is_rejected),
		cmocka_unit_test(test_bad_category_lists_the_six_spellings),
		cmocka_unit_test(test_every_category_spelling_is_accepted),
		cmocka_unit_test(
			test_missing_fields_unknown_fields_and_bad_values_are_each_reported),
		cmocka_unit_test(test_description_longer_than_4000_bytes_is_rejected),
		cmocka_unit_test(test_body_that_is_not_an_object_is_rejected),
		cmocka_unit_test(test_to_json_writes_every_field_and_nulls),
		cmocka_unit_test(test_to_json_of_a_retracted_io_has_the_retracted_object),
		cmocka_unit_test(test_io_from_json_round_trips_through_to_json),
		cmocka_unit_test(test_retraction_returns_the_borrowed_reason),
		cmocka_unit_test(test_retraction_requires_a_non_empty_reason),
		cmocka_unit_test(test_retraction_with_unknown_fields_or_a_non_object_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
