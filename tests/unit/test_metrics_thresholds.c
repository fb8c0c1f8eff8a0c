/* Unit tests for core/metrics_thresholds.c: statuses at their boundaries
 * (exactly the threshold, exactly 80% of it), the merge of the active
 * policies' thresholds, one named policy's, and false stability. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "metrics.h"
#include "test_util.h"

#define S(lit) ((char *)(lit))

static void test_at_most_is_ok_below_80_percent_warn_from_it_breach_past_the_threshold(void **state)
{
	(void)state;
	/* VL: threshold 72h = 259200 s; 80% = 207360 s exactly */
	assert_int_equal(metrics_status_at_most(207359, 1, 259200), MSTATUS_OK);
	assert_int_equal(metrics_status_at_most(207360, 1, 259200), MSTATUS_WARN);
	assert_int_equal(metrics_status_at_most(259200, 1, 259200), MSTATUS_WARN);
	assert_int_equal(metrics_status_at_most(259200.5, 1, 259200), MSTATUS_BREACH);
	assert_int_equal(metrics_status_at_most(0, 1, 259200), MSTATUS_OK);
}

static void test_gbr_at_exactly_80_percent_of_5_percent_is_warn(void **state)
{
	(void)state;
	/* 1 bypass of 25 required gates = 0.04 = 80% of 5%; 0.8 * 0.05 in binary is above
	 * 0.04, so a naive comparison would say ok */
	double v = 1.0 / 25.0;
	assert_int_equal(metrics_status_at_most(v, 1, 0.05), MSTATUS_WARN);
	/* 1 of 20 = exactly 5%: not past the threshold */
	assert_int_equal(metrics_status_at_most(1.0 / 20.0, 1, 0.05), MSTATUS_WARN);
	assert_int_equal(metrics_status_at_most(2.0 / 39.0, 1, 0.05), MSTATUS_BREACH);
	assert_int_equal(metrics_status_at_most(1.0 / 26.0, 1, 0.05), MSTATUS_OK);
}

static void test_rdpr_at_exactly_the_threshold_is_not_breach(void **state)
{
	(void)state;
	/* 4 of 5 drills = 80% against an 80% threshold */
	assert_int_equal(metrics_status_at_least(4.0 / 5.0, 1, 0.8), MSTATUS_WARN);
	assert_int_equal(metrics_status_at_least(3.0 / 4.0, 1, 0.8), MSTATUS_BREACH);
	/* threshold 50%: failure share 40% is exactly 80% of the allowed 50% → warn */
	assert_int_equal(metrics_status_at_least(0.6, 1, 0.5), MSTATUS_WARN);
	assert_int_equal(metrics_status_at_least(0.625, 1, 0.5), MSTATUS_OK);
	assert_int_equal(metrics_status_at_least(1.0, 1, 0.8), MSTATUS_OK);
}

static void test_no_value_or_no_threshold_has_no_status(void **state)
{
	(void)state;
	assert_int_equal(metrics_status_at_most(NAN, 1, 1.0), MSTATUS_NONE);
	assert_int_equal(metrics_status_at_most(5.0, 0, 1.0), MSTATUS_NONE);
	assert_int_equal(metrics_status_at_least(NAN, 1, 0.8), MSTATUS_NONE);
	assert_int_equal(metrics_status_at_least(0.1, 0, 0.8), MSTATUS_NONE);
	assert_null(metrics_status_name(MSTATUS_NONE));
	assert_string_equal(metrics_status_name(MSTATUS_OK), "ok");
	assert_string_equal(metrics_status_name(MSTATUS_WARN), "warn");
	assert_string_equal(metrics_status_name(MSTATUS_BREACH), "breach");
}

/* A policy version with only a name and thresholds. */
static void policy(struct policy_version *pv, const char *name)
{
	memset(pv, 0, sizeof(*pv));
	pv->policy.name = S(name);
	pv->version = 1;
}

static void test_thresholds_merge_takes_the_strictest_of_each_and_the_longest_window(void **state)
{
	(void)state;
	struct policy_version pv[3];
	policy(&pv[0], "release");
	pv[0].policy.thresholds = (struct policy_thresholds){
		.has_window = 1,
		.window = 14 * 86400,
		.has_validation_lag = 1,
		.validation_lag = 72 * 3600,
		.has_rdpr = 1,
		.rdpr = 0.8,
		.has_gbr = 1,
		.gbr = 0.05,
	};
	policy(&pv[1], "high-impact");
	pv[1].policy.thresholds = (struct policy_thresholds){
		.has_window = 1,
		.window = 60 * 86400,
		.has_validation_lag = 1,
		.validation_lag = 24 * 3600,
		.has_rdpr = 1,
		.rdpr = 0.9,
		.has_gbr = 1,
		.gbr = 0.1,
		.has_tempo_ratio = 1,
		.tempo_ratio = 1.5,
	};
	policy(&pv[2], "broken");
	pv[2].parse_failed = 1;
	pv[2].policy.thresholds = (struct policy_thresholds){.has_gbr = 1, .gbr = 0.001};
	struct metrics_thresholds th;
	metrics_thresholds(pv, 3, NULL, &th);
	assert_int_equal(th.t.window, 60 * 86400);
	assert_string_equal(th.source[0], "high-impact");
	assert_int_equal(th.t.validation_lag, 24 * 3600);
	assert_string_equal(th.source[1], "high-impact");
	assert_close(th.t.rdpr, 0.9, 0, 0);
	assert_string_equal(th.source[2], "high-impact");
	assert_close(th.t.gbr, 0.05, 0, 0);
	assert_string_equal(th.source[3], "release");
	assert_true(th.t.has_tempo_ratio);
	assert_close(th.t.tempo_ratio, 1.5, 0, 0);
	assert_string_equal(th.source[4], "high-impact");

	/* one named policy: its own values, undeclared ones absent, window default */
	metrics_thresholds(pv, 3, "release", &th);
	assert_int_equal(th.t.window, 14 * 86400);
	assert_int_equal(th.t.validation_lag, 72 * 3600);
	assert_close(th.t.gbr, 0.05, 0, 0);
	assert_false(th.t.has_tempo_ratio);
	assert_null(th.source[4]);
}

static void test_without_thresholds_the_window_is_30_days_and_nothing_else_is_set(void **state)
{
	(void)state;
	struct policy_version pv[1];
	policy(&pv[0], "plain");
	struct metrics_thresholds th;
	metrics_thresholds(pv, 1, NULL, &th);
	assert_true(th.t.has_window);
	assert_int_equal(th.t.window, 30 * 86400);
	assert_null(th.source[0]);
	assert_false(th.t.has_validation_lag || th.t.has_rdpr || th.t.has_gbr ||
		     th.t.has_tempo_ratio);
	metrics_thresholds(NULL, 0, NULL, &th);
	assert_int_equal(th.t.window, 30 * 86400);
	/* a shorter declared window replaces the default */
	pv[0].policy.thresholds.has_window = 1;
	pv[0].policy.thresholds.window = 7 * 86400;
	metrics_thresholds(pv, 1, NULL, &th);
	assert_int_equal(th.t.window, 7 * 86400);
	assert_string_equal(th.source[0], "plain");
	/* an unknown name: the defaults */
	metrics_thresholds(pv, 1, "other", &th);
	assert_int_equal(th.t.window, 30 * 86400);
	assert_null(th.source[0]);
}

static void test_false_stability_needs_growth_and_every_status_inside(void **state)
{
	(void)state;
	enum metric_status ok = MSTATUS_OK, warn = MSTATUS_WARN, breach = MSTATUS_BREACH,
			   none = MSTATUS_NONE;
	assert_true(metrics_false_stability(STATS_SHAPE_ACCELERATING, ok, ok, ok));
	assert_true(metrics_false_stability(STATS_SHAPE_EXPONENTIAL, warn, ok, warn));
	assert_false(metrics_false_stability(STATS_SHAPE_LINEAR, ok, ok, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_DECELERATING, ok, ok, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_INSUFFICIENT_DATA, ok, ok, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_EXPONENTIAL, breach, ok, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_EXPONENTIAL, ok, breach, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_EXPONENTIAL, ok, ok, breach));
	assert_false(metrics_false_stability(STATS_SHAPE_ACCELERATING, none, ok, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_ACCELERATING, ok, none, ok));
	assert_false(metrics_false_stability(STATS_SHAPE_ACCELERATING, ok, ok, none));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_at_most_is_ok_below_80_percent_warn_from_it_breach_past_the_threshold),
		cmocka_unit_test(test_gbr_at_exactly_80_percent_of_5_percent_is_warn),
		cmocka_unit_test(test_rdpr_at_exactly_the_threshold_is_not_breach),
		cmocka_unit_test(test_no_value_or_no_threshold_has_no_status),
		cmocka_unit_test(
			test_thresholds_merge_takes_the_strictest_of_each_and_the_longest_window),
		cmocka_unit_test(
			test_without_thresholds_the_window_is_30_days_and_nothing_else_is_set),
		cmocka_unit_test(test_false_stability_needs_growth_and_every_status_inside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
