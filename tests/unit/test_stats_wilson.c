/* Unit tests for core/stats/wilson against tests/vectors/wilson.json (statsmodels
 * proportion_confint(method='wilson'), tests/vectors/gen_wilson.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/wilson.h"
#include "test_util.h"
#include "vectors.h"

/* statsmodels' center - dist leaves up to ~1e-16 where the bound is exactly 0 or 1. */
#define RTOL 1e-9
#define ATOL 1e-15

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void test_wilson_interval_matches_statsmodels(void **state)
{
	(void)state;
	cJSON *root = vectors_load("wilson");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "wilson"))
	{
		uint64_t k = (uint64_t)vectors_get(c, "k"), n = (uint64_t)vectors_get(c, "n");
		double confidence = vectors_get(c, "confidence");
		struct stats_wilson w;
		enum stats_status st = stats_wilson(k, n, confidence, &w);
		if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
			fail_msg("k %" PRIu64 " n %" PRIu64 " conf %g: status %s, expected %s", k,
				 n, confidence, stats_status_name(st), json_str(c, "status"));
		cases++;
		if (st != STATS_OK) {
			assert_true(isnan(w.lower) && isnan(w.upper) && isnan(w.proportion));
			continue;
		}
		assert_close(w.proportion, vectors_get(c, "proportion"), 1e-15, 0);
		assert_close(w.lower, vectors_get(c, "lower"), RTOL, ATOL);
		assert_close(w.upper, vectors_get(c, "upper"), RTOL, ATOL);
		assert_true(w.lower >= 0 && w.lower <= w.proportion);
		assert_true(w.upper <= 1 && w.upper >= w.proportion);
	}
	assert_true(cases >= 250);
	cJSON_Delete(root);
}

static void test_bounds_are_exactly_zero_and_one_at_the_extremes(void **state)
{
	(void)state;
	struct stats_wilson w;
	assert_int_equal(stats_wilson(0, 20, 0.95, &w), STATS_OK);
	assert_close(w.lower, 0.0, 0, 0);
	assert_int_equal(stats_wilson(20, 20, 0.95, &w), STATS_OK);
	assert_true(w.upper <= 1.0);
	assert_close(w.upper, 1.0, 0, 1e-16);
	/* the textbook value: 0 of 10 at 95 % is [0, 0.2775] */
	assert_int_equal(stats_wilson(0, 10, 0.95, &w), STATS_OK);
	assert_close(w.upper, 0.27753279986288, 1e-12, 0);
}

static void test_no_trials_is_too_few_not_an_interval(void **state)
{
	(void)state;
	struct stats_wilson w;
	assert_int_equal(stats_wilson(0, 0, 0.95, &w), STATS_TOO_FEW);
	assert_true(isnan(w.lower) && isnan(w.upper));
	assert_int_equal(stats_wilson(1, 0, 0.95, &w), STATS_INVALID_INPUT);
	assert_int_equal(stats_wilson(1, 2, NAN, &w), STATS_INVALID_INPUT);
}

static void test_series_counts_ones_and_skips_nan(void **state)
{
	(void)state;
	double x[] = {1, 0, NAN, 1, 1, 0, NAN, 0, 0, 1};
	struct stats_wilson w, direct;
	assert_int_equal(stats_wilson_series(x, ARRAY_SIZE(x), 0.9, &w), STATS_OK);
	assert_int_equal(w.k, 4);
	assert_int_equal(w.n, 8);
	assert_int_equal(w.n_missing, 2);
	stats_wilson(4, 8, 0.9, &direct);
	assert_close(w.lower, direct.lower, 0, 0);
	assert_close(w.upper, direct.upper, 0, 0);
	double bad[] = {1, 0, 0.5};
	assert_int_equal(stats_wilson_series(bad, 3, 0.9, &w), STATS_INVALID_INPUT);
	double none[] = {NAN};
	assert_int_equal(stats_wilson_series(none, 1, 0.9, &w), STATS_TOO_FEW);
	assert_int_equal(w.n_missing, 1);
}

int main(void)
{
	stats_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wilson_interval_matches_statsmodels),
		cmocka_unit_test(test_bounds_are_exactly_zero_and_one_at_the_extremes),
		cmocka_unit_test(test_no_trials_is_too_few_not_an_interval),
		cmocka_unit_test(test_series_counts_ones_and_skips_nan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
