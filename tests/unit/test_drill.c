/* Unit tests for core/drill: whether a drill passed (and why not), validation
 * of a new drill from JSON, and the JSON codec. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "gate.h"
#include "json.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
/* 2026-12-03T17:55:27Z */
#define NOW (INT64_C(1796320527) * USEC)
#define SKEW (300 * USEC)

/* Parses text (valid JSON) and runs drill_from_json on it. d is initialised
 * here; the caller releases it and *body (change_ref borrows from it). */
static int from_json(const char *text, cJSON **body, struct drill *d, const char **change_ref,
		     struct err *err)
{
	struct err perr;
	err_init(&perr);
	if (json_parse(text, strlen(text), body, &perr) != 0) {
		print_error("json_parse(%s) failed: %s\n", text, perr.message);
		fail();
	}
	err_init(err);
	drill_init(d);
	return drill_from_json(*body, NOW, SKEW, d, change_ref, err);
}

/* The detail on field, or fails the test. */
static const struct err_detail *detail(const struct err *err, const char *field)
{
	for (int i = 0; i < err->n_details; i++)
		if (strcmp(err->details[i].field, field) == 0)
			return &err->details[i];
	print_error("no detail on \"%s\"\n", field);
	fail();
	return NULL;
}

/* Runs from_json on text, expecting exactly one detail, on field, with message. */
static void assert_one_problem(const char *text, const char *field, const char *message)
{
	cJSON *body = NULL;
	struct drill d;
	const char *ref;
	struct err err;
	assert_int_equal(from_json(text, &body, &d, &ref, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	if (err.n_details != 1) {
		print_error("%d details for %s; first on \"%s\": %s\n", err.n_details, text,
			    err.details[0].field, err.details[0].message);
		fail();
	}
	assert_string_equal(err.details[0].field, field);
	if (message)
		assert_string_equal(err.details[0].message, message);
	drill_release(&d);
	cJSON_Delete(body);
}

static void assert_json(const cJSON *item, const char *expected)
{
	char *s = json_print(item);
	if (strcmp(s, expected) != 0) {
		print_error("JSON is\n%s\nexpected\n%s\n", s, expected);
		free(s);
		fail();
	}
	free(s);
}

/* A restored drill: rto 40m of 1h, rpo 5m of 15m. */
static struct drill good_drill(void)
{
	struct drill d;
	drill_init(&d);
	d.outcome = DRILL_RESTORED;
	d.rto_target = 3600;
	d.rpo_target = 900;
	d.rto_actual = 2400;
	d.rpo_actual = 300;
	return d;
}

/* ---- drill_passed ---- */

static void test_a_restored_drill_within_both_targets_passed(void **state)
{
	(void)state;
	struct drill d = good_drill();
	const char *reason = "unchanged";
	assert_true(drill_passed(&d, &reason));
	assert_null(reason);
	d.rto_actual = d.rto_target; /* equal to the target is within it */
	d.rpo_actual = d.rpo_target;
	assert_true(drill_passed(&d, NULL));
}

static void test_an_aborted_drill_did_not_pass(void **state)
{
	(void)state;
	struct drill d = good_drill();
	d.outcome = DRILL_ABORTED;
	const char *reason = NULL;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "aborted");
}

static void test_a_failed_drill_did_not_pass(void **state)
{
	(void)state;
	struct drill d = good_drill();
	d.outcome = DRILL_FAILED;
	const char *reason = NULL;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "failed");
}

static void test_a_drill_without_a_measurement_did_not_pass(void **state)
{
	(void)state;
	struct drill d = good_drill();
	const char *reason = NULL;
	d.rto_actual = -1;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "unmeasured");
	d.rto_actual = 60;
	d.rpo_actual = -1;
	reason = NULL;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "unmeasured");
}

static void test_a_drill_over_its_rto_or_rpo_target_did_not_pass(void **state)
{
	(void)state;
	struct drill d = good_drill();
	const char *reason = NULL;
	d.rto_actual = 3601;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "RTO missed");
	d.rto_actual = 60;
	d.rpo_actual = 901;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "RPO missed");
	d.rto_actual = 3601; /* both missed: the RTO is named first */
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "RTO missed");
}

static void test_the_outcome_is_judged_before_the_measurements(void **state)
{
	(void)state;
	struct drill d = good_drill();
	d.outcome = DRILL_ABORTED;
	d.rto_actual = -1;
	const char *reason = NULL;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "aborted");
}

/* ---- drill_from_json ---- */

static void test_a_full_body_fills_every_field(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	int rc = from_json("{\"service\":\"checkout\",\"change\":\"checkout:rel-42\","
			   "\"performed_at\":\"2026-12-01T10:00:00Z\",\"rto_target\":\"1h\","
			   "\"rpo_target\":\"15m\",\"rto_actual\":\"40m\",\"rpo_actual\":\"5m\","
			   "\"outcome\":\"restored\",\"notes\":\"restored from snapshot\"}",
			   &body, &d, &ref, &err);
	assert_int_equal(rc, 0);
	assert_false(err_is_set(&err));
	assert_string_equal(d.service, "checkout");
	assert_string_equal(ref, "checkout:rel-42");
	assert_int_equal(d.change_id, 0); /* the store resolves the reference */
	char buf[RTIME_BUFSZ];
	assert_string_equal(rtime_format(d.performed_at, buf), "2026-12-01T10:00:00.000000Z");
	assert_int_equal(d.rto_target, 3600);
	assert_int_equal(d.rpo_target, 900);
	assert_int_equal(d.rto_actual, 2400);
	assert_int_equal(d.rpo_actual, 300);
	assert_int_equal(d.outcome, DRILL_RESTORED);
	assert_string_equal(d.notes, "restored from snapshot");
	assert_true(drill_passed(&d, NULL));
	drill_release(&d);
	cJSON_Delete(body);
}

static void test_a_minimal_body_leaves_the_actuals_unmeasured(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct drill d;
	const char *ref = "unchanged";
	struct err err;
	int rc = from_json("{\"service\":\"search\",\"performed_at\":\"2026-12-01T10:00:00Z\","
			   "\"rto_target\":\"2h\",\"rpo_target\":\"0s\",\"outcome\":\"failed\"}",
			   &body, &d, &ref, &err);
	assert_int_equal(rc, 0);
	assert_null(ref);
	assert_null(d.notes);
	assert_int_equal(d.rto_target, 7200);
	assert_int_equal(d.rpo_target, 0);
	assert_int_equal(d.rto_actual, -1);
	assert_int_equal(d.rpo_actual, -1);
	assert_int_equal(d.outcome, DRILL_FAILED);
	drill_release(&d);
	cJSON_Delete(body);
}

static void test_null_actuals_are_unmeasured(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	int rc = from_json("{\"service\":\"search\",\"performed_at\":\"2026-12-01T10:00:00Z\","
			   "\"rto_target\":\"2h\",\"rpo_target\":\"1h\",\"rto_actual\":null,"
			   "\"rpo_actual\":null,\"outcome\":\"restored\",\"change\":\"123\"}",
			   &body, &d, &ref, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(ref, "123");
	assert_int_equal(d.rto_actual, -1);
	assert_int_equal(d.rpo_actual, -1);
	const char *reason = NULL;
	assert_false(drill_passed(&d, &reason));
	assert_string_equal(reason, "unmeasured");
	drill_release(&d);
	cJSON_Delete(body);
}

static void test_an_empty_body_names_every_required_field(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	assert_int_equal(from_json("{}", &body, &d, &ref, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_int_equal(err.n_details, 5);
	assert_string_equal(err.details[0].field, "service");
	assert_string_equal(err.details[1].field, "performed_at");
	assert_string_equal(err.details[2].field, "rto_target");
	assert_string_equal(err.details[3].field, "rpo_target");
	assert_string_equal(err.details[4].field, "outcome");
	for (int i = 0; i < 5; i++)
		assert_string_equal(err.details[i].message, "is required");
	drill_release(&d);
	cJSON_Delete(body);
}

static void test_every_wrong_type_is_named(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	int rc = from_json("{\"service\":1,\"change\":2,\"performed_at\":3,\"rto_target\":3600,"
			   "\"rpo_target\":true,\"rto_actual\":60,\"rpo_actual\":[],"
			   "\"outcome\":4,\"notes\":{},\"extra\":1}",
			   &body, &d, &ref, &err);
	assert_int_equal(rc, -1);
	assert_int_equal(err.n_details, 10);
	assert_string_equal(detail(&err, "extra")->message, "unknown field");
	assert_string_equal(detail(&err, "service")->message, "must be a string");
	assert_string_equal(detail(&err, "change")->message, "must be a string");
	assert_string_equal(detail(&err, "notes")->message, "must be a string");
	assert_string_equal(detail(&err, "performed_at")->message,
			    "must be an RFC 3339 timestamp string");
	const char *dur = "must be a duration string with units (\"90s\", \"15m\", \"1h\")";
	assert_string_equal(detail(&err, "rto_target")->message, dur);
	assert_string_equal(detail(&err, "rpo_target")->message, dur);
	assert_string_equal(detail(&err, "rto_actual")->message, dur);
	assert_string_equal(detail(&err, "rpo_actual")->message, dur);
	assert_non_null(strstr(detail(&err, "outcome")->message, "restored, failed, aborted"));
	assert_null(ref);
	drill_release(&d);
	cJSON_Delete(body);
}

#define BODY_PREFIX                                                                                \
	"{\"service\":\"checkout\",\"performed_at\":\"2026-12-01T10:00:00Z\",\"rto_target\":"      \
	"\"1h\",\"rpo_target\":\"15m\",\"outcome\":\"restored\","

static void test_bad_durations_are_named_with_the_parsers_message(void **state)
{
	(void)state;
	assert_one_problem(BODY_PREFIX "\"rto_actual\":\"90\"}", "rto_actual", NULL);
	assert_one_problem(BODY_PREFIX "\"rpo_actual\":\"-5m\"}", "rpo_actual", NULL);
	assert_one_problem(BODY_PREFIX "\"rpo_actual\":\"\"}", "rpo_actual",
			   "invalid duration \"\": empty");
	assert_one_problem("{\"service\":\"checkout\",\"performed_at\":\"2026-12-01T10:00:00Z\","
			   "\"rto_target\":\"1 h\",\"rpo_target\":\"15m\",\"outcome\":\"failed\"}",
			   "rto_target", NULL);
}

static void test_performed_at_beyond_the_skew_is_rejected(void **state)
{
	(void)state;
	/* NOW + 300s is allowed; one second more is not */
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	assert_int_equal(from_json("{\"service\":\"checkout\",\"performed_at\":"
				   "\"2026-12-03T18:00:27Z\",\"rto_target\":\"1h\",\"rpo_target\":"
				   "\"15m\",\"outcome\":\"restored\"}",
				   &body, &d, &ref, &err),
			 0);
	drill_release(&d);
	cJSON_Delete(body);
	assert_one_problem("{\"service\":\"checkout\",\"performed_at\":\"2026-12-03T18:00:28Z\","
			   "\"rto_target\":\"1h\",\"rpo_target\":\"15m\",\"outcome\":\"restored\"}",
			   "performed_at", "lies in the future beyond the allowed clock skew");
	assert_one_problem("{\"service\":\"checkout\",\"performed_at\":\"2026-12-01T10:00:00\","
			   "\"rto_target\":\"1h\",\"rpo_target\":\"15m\",\"outcome\":\"restored\"}",
			   "performed_at", NULL);
}

static void test_bad_service_outcome_and_notes_are_named(void **state)
{
	(void)state;
	assert_one_problem("{\"service\":\"Checkout\",\"performed_at\":\"2026-12-01T10:00:00Z\","
			   "\"rto_target\":\"1h\",\"rpo_target\":\"15m\",\"outcome\":\"restored\"}",
			   "service",
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	assert_one_problem("{\"service\":\"checkout\",\"performed_at\":\"2026-12-01T10:00:00Z\","
			   "\"rto_target\":\"1h\",\"rpo_target\":\"15m\",\"outcome\":\"partial\"}",
			   "outcome",
			   "unknown value \"partial\"; expected one of: restored, failed, aborted");
	char text[5000];
	char notes[4002];
	memset(notes, 'n', 4001);
	notes[4001] = '\0';
	snprintf(text, sizeof(text), BODY_PREFIX "\"notes\":\"%s\"}", notes);
	assert_one_problem(text, "notes", "is longer than 4000 bytes");
	notes[4000] = '\0'; /* 4000 bytes are accepted */
	snprintf(text, sizeof(text), BODY_PREFIX "\"notes\":\"%s\"}", notes);
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	assert_int_equal(from_json(text, &body, &d, &ref, &err), 0);
	assert_int_equal(strlen(d.notes), 4000);
	drill_release(&d);
	cJSON_Delete(body);
}

static void test_a_change_reference_must_be_an_id_or_service_and_key(void **state)
{
	(void)state;
	const char *bad[] = {"0",    "0123",	"abc", "Checkout:k", ":key",
			     "svc:", "svc:a b", "-5",  "12a",	     "9223372036854775808"};
	char text[512];
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), BODY_PREFIX "\"change\":\"%s\"}", bad[i]);
		assert_one_problem(text, "change", "must be a change id or \"service:key\"");
	}
	const char *good[] = {"7", "9223372036854775807", "checkout:rel-1", "a:b:c"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(text, sizeof(text), BODY_PREFIX "\"change\":\"%s\"}", good[i]);
		cJSON *body = NULL;
		struct drill d;
		const char *ref = NULL;
		struct err err;
		assert_int_equal(from_json(text, &body, &d, &ref, &err), 0);
		assert_string_equal(ref, good[i]);
		drill_release(&d);
		cJSON_Delete(body);
	}
}

static void test_a_body_that_is_not_an_object_is_rejected(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct drill d;
	const char *ref = NULL;
	struct err err;
	assert_int_equal(from_json("[1]", &body, &d, &ref, &err), -1);
	assert_string_equal(err.message, "body must be a JSON object");
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "body");
	drill_release(&d);
	cJSON_Delete(body);
}

/* ---- drill_to_json ---- */

static void test_to_json_prints_every_field(void **state)
{
	(void)state;
	struct drill d = good_drill();
	d.id = 17;
	d.service = xstrdup("checkout");
	d.change_id = 42;
	d.performed_at = NOW;
	d.rto_actual = 5400;
	d.notes = xstrdup("from snapshot");
	d.recorded_at = NOW + USEC;
	d.recorded_by = xstrdup("oscar");
	cJSON *j = drill_to_json(&d);
	assert_json(j, "{\"id\":17,\"service\":\"checkout\",\"change_id\":42,\"performed_at\":"
		       "\"2026-12-03T17:55:27.000000Z\",\"rto_target\":\"1h\",\"rpo_target\":"
		       "\"15m\",\"rto_actual\":\"1h30m\",\"rpo_actual\":\"5m\",\"outcome\":"
		       "\"restored\",\"notes\":\"from snapshot\",\"passed\":false,\"reason\":"
		       "\"RTO missed\",\"recorded_at\":\"2026-12-03T17:55:28.000000Z\","
		       "\"recorded_by\":\"oscar\"}");
	cJSON_Delete(j);
	drill_release(&d);
}

static void test_to_json_of_an_unmeasured_drill_writes_nulls(void **state)
{
	(void)state;
	struct drill d;
	drill_init(&d);
	d.id = 3;
	d.service = xstrdup("search");
	d.performed_at = NOW;
	d.rto_target = 60;
	d.rpo_target = 0;
	d.recorded_at = NOW;
	d.recorded_by = xstrdup("oscar");
	cJSON *j = drill_to_json(&d);
	assert_json(j, "{\"id\":3,\"service\":\"search\",\"change_id\":null,\"performed_at\":"
		       "\"2026-12-03T17:55:27.000000Z\",\"rto_target\":\"1m\",\"rpo_target\":"
		       "\"0s\",\"rto_actual\":null,\"rpo_actual\":null,\"outcome\":\"restored\","
		       "\"notes\":null,\"passed\":false,\"reason\":\"unmeasured\",\"recorded_at\":"
		       "\"2026-12-03T17:55:27.000000Z\",\"recorded_by\":\"oscar\"}");
	cJSON_Delete(j);
	drill_release(&d);
}

static void test_to_json_of_a_passed_drill_has_a_null_reason(void **state)
{
	(void)state;
	struct drill d = good_drill();
	cJSON *j = drill_to_json(&d);
	assert_json(cJSON_GetObjectItemCaseSensitive(j, "passed"), "true");
	assert_json(cJSON_GetObjectItemCaseSensitive(j, "reason"), "null");
	assert_json(cJSON_GetObjectItemCaseSensitive(j, "performed_at"), "null");
	cJSON_Delete(j);
	drill_release(&d);
}

static void test_release_leaves_an_initialised_drill(void **state)
{
	(void)state;
	struct drill d;
	drill_init(&d);
	d.service = xstrdup("x");
	drill_release(&d);
	assert_null(d.service);
	assert_int_equal(d.rto_actual, -1);
	assert_true(d.performed_at == RTIME_NONE);
	drill_release(&d); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_restored_drill_within_both_targets_passed),
		cmocka_unit_test(test_an_aborted_drill_did_not_pass),
		cmocka_unit_test(test_a_failed_drill_did_not_pass),
		cmocka_unit_test(test_a_drill_without_a_measurement_did_not_pass),
		cmocka_unit_test(test_a_drill_over_its_rto_or_rpo_target_did_not_pass),
		cmocka_unit_test(test_the_outcome_is_judged_before_the_measurements),
		cmocka_unit_test(test_a_full_body_fills_every_field),
		cmocka_unit_test(test_a_minimal_body_leaves_the_actuals_unmeasured),
		cmocka_unit_test(test_null_actuals_are_unmeasured),
		cmocka_unit_test(test_an_empty_body_names_every_required_field),
		cmocka_unit_test(test_every_wrong_type_is_named),
		cmocka_unit_test(test_bad_durations_are_named_with_the_parsers_message),
		cmocka_unit_test(test_performed_at_beyond_the_skew_is_rejected),
		cmocka_unit_test(test_bad_service_outcome_and_notes_are_named),
		cmocka_unit_test(test_a_change_reference_must_be_an_id_or_service_and_key),
		cmocka_unit_test(test_a_body_that_is_not_an_object_is_rejected),
		cmocka_unit_test(test_to_json_prints_every_field),
		cmocka_unit_test(test_to_json_of_an_unmeasured_drill_writes_nulls),
		cmocka_unit_test(test_to_json_of_a_passed_drill_has_a_null_reason),
		cmocka_unit_test(test_release_leaves_an_initialised_drill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
