/* Unit tests for core/stats/percentile against tests/vectors/percentile.json (numpy.quantile
 * 'linear' and 'nearest', tests/vectors/gen_percentile.py): results are bit-identical. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/percentile.h"
#include "test_util.h"
#include "vectors.h"
#include "splitmix.h"

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static size_t json_size(const cJSON *obj, const char *name)
{
	return (size_t)vectors_get(obj, name);
}

static double *case_input(const cJSON *c, size_t *n)
{
	const cJSON *rule = cJSON_GetObjectItemCaseSensitive(c, "rule");
	if (!rule)
		return vectors_array(cJSON_GetObjectItemCaseSensitive(c, "x"), n);
	*n = json_size(rule, "n");
	double *x = malloc(*n * sizeof(*x)), *y = malloc(*n * sizeof(*y));
	splitmix_pairs(json_str(rule, "kind"), *n, (uint64_t)vectors_get(rule, "seed_x"),
		       (uint64_t)vectors_get(rule, "seed_y"), (uint64_t)vectors_get(rule, "mod_x"),
		       (uint64_t)vectors_get(rule, "mod_y"), json_size(rule, "nan_x_every"),
		       json_size(rule, "nan_y_every"), x, y);
	free(y);
	return x;
}

static void check_method(const cJSON *c, const double *x, size_t n, const double *q, size_t nq,
			 enum stats_percentile_method method, const char *field)
{
	size_t nw;
	double *want = vectors_array(cJSON_GetObjectItemCaseSensitive(c, field), &nw);
	double *got = malloc((nq ? nq : 1) * sizeof(*got));
	struct stats_percentile_info info;
	enum stats_status st = stats_percentiles(x, n, q, nq, method, got, &info);
	if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
		fail_msg("%s: status %s, expected %s", json_str(c, "name"), stats_status_name(st),
			 json_str(c, "status"));
	assert_int_equal(info.n, json_size(c, "n"));
	assert_int_equal(info.n_missing, json_size(c, "n_missing"));
	assert_int_equal(nw, nq);
	for (size_t i = 0; i < nq; i++) {
		if (!test_close(got[i], want[i], 0, 0))
			fail_msg("%s %s q=%.17g: %.17g, numpy %.17g", json_str(c, "name"), field,
				 q[i], got[i], want[i]);
		/* the one-at-a-time entry point agrees */
		double one;
		stats_percentile(x, n, q[i], method, &one, &info);
		assert_true(test_close(one, got[i], 0, 0) || st != STATS_OK);
	}
	free(got);
	free(want);
}

static void test_quantiles_are_bit_identical_to_numpy(void **state)
{
	(void)state;
	cJSON *root = vectors_load("percentile");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "percentile"))
	{
		size_t n, nq;
		double *x = case_input(c, &n);
		double *q = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "q"), &nq);
		check_method(c, x, n, q, nq, STATS_PERCENTILE_LINEAR, "linear");
		check_method(c, x, n, q, nq, STATS_PERCENTILE_NEAREST, "nearest");
		free(q);
		free(x);
		cases++;
	}
	assert_true(cases >= 19);
	cJSON_Delete(root);
}

static void test_nearest_rounds_half_indexes_to_even(void **state)
{
	(void)state;
	double x[] = {50, 10, 30, 20, 40}; /* sorted: 10 20 30 40 50; (n - 1) q = 4 q */
	double v;
	struct stats_percentile_info info;
	stats_percentile(x, 5, 0.125, STATS_PERCENTILE_NEAREST, &v, &info); /* 0.5 -> 0 */
	assert_close(v, 10, 0, 0);
	stats_percentile(x, 5, 0.375, STATS_PERCENTILE_NEAREST, &v, &info); /* 1.5 -> 2 */
	assert_close(v, 30, 0, 0);
	stats_percentile(x, 5, 0.625, STATS_PERCENTILE_NEAREST, &v, &info); /* 2.5 -> 2 */
	assert_close(v, 30, 0, 0);
	stats_percentile(x, 5, 0.875, STATS_PERCENTILE_NEAREST, &v, &info); /* 3.5 -> 4 */
	assert_close(v, 50, 0, 0);
	stats_percentile(x, 5, 0.3, STATS_PERCENTILE_LINEAR, &v, &info); /* 1.2 */
	assert_close(v, 22, 1e-15, 0);
}

static void test_a_bad_q_invalidates_the_whole_call(void **state)
{
	(void)state;
	double x[] = {1, 2, 3}, q[] = {0.5, 1.5}, v[2];
	struct stats_percentile_info info;
	assert_int_equal(stats_percentiles(x, 3, q, 2, STATS_PERCENTILE_LINEAR, v, &info),
			 STATS_INVALID_INPUT);
	assert_true(isnan(v[0]) && isnan(v[1]));
	assert_int_equal(stats_percentile(x, 3, 0.5, (enum stats_percentile_method)7, v, &info),
			 STATS_INVALID_INPUT);
	assert_true(isnan(stats_percentile_sorted(x, 3, -0.0001, STATS_PERCENTILE_LINEAR)));
	assert_true(isnan(stats_percentile_sorted(x, 0, 0.5, STATS_PERCENTILE_LINEAR)));
	assert_close(stats_percentile_sorted(x, 3, 0.75, STATS_PERCENTILE_LINEAR), 2.5, 0, 0);
}

static void test_no_finite_value_is_too_few(void **state)
{
	(void)state;
	double x[] = {NAN, INFINITY}, v;
	struct stats_percentile_info info;
	assert_int_equal(stats_percentile(x, 2, 0.5, STATS_PERCENTILE_LINEAR, &v, &info),
			 STATS_TOO_FEW);
	assert_int_equal(info.n_missing, 2);
	assert_true(isnan(v));
}

int main(void)
{
	stats_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles_are_bit_identical_to_numpy),
		cmocka_unit_test(test_nearest_rounds_half_indexes_to_even),
		cmocka_unit_test(test_a_bad_q_invalidates_the_whole_call),
		cmocka_unit_test(test_no_finite_value_is_too_few),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
