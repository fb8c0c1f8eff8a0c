/* Unit tests for core/stats/rank: radix sorts, average ranks and Spearman's rho against
 * tests/vectors/rank.json (scipy.stats.rankdata and spearmanr, tests/vectors/gen_rank.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/rank.h"
#include "test_util.h"
#include "vectors.h"
#include "splitmix.h"

#define RTOL 1e-9

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *json_item(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!v) {
		print_error("vector \"%s\" lacks \"%s\"\n", json_str(obj, "name"), name);
		fail();
	}
	return v;
}

static size_t json_size(const cJSON *obj, const char *name)
{
	return (size_t)vectors_get(obj, name);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void test_sort_puts_zeros_together_and_nan_after_infinity(void **state)
{
	(void)state;
	double x[] = {NAN, 1.0, -0.0, INFINITY, -INFINITY, 0.0, -2.5, -0.0};
	stats_rank_sort(x, ARRAY_SIZE(x));
	double want[] = {-INFINITY, -2.5, 0.0, 0.0, 0.0, 1.0, INFINITY};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_close(x[i], want[i], 0, 0);
	assert_true(isnan(x[7]));
	assert_int_equal(stats_rank_key(-0.0), stats_rank_key(0.0));
	assert_true(stats_rank_key(-1e-300) < stats_rank_key(0.0));
	assert_true(stats_rank_key(INFINITY) < stats_rank_key(NAN));
	assert_int_equal(stats_rank_key(-NAN), stats_rank_key(NAN));
}

static void test_radix_sort_agrees_with_qsort_on_a_large_mixed_sample(void **state)
{
	(void)state;
	size_t n = 200000;
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	struct splitmix s = {99};
	for (size_t i = 0; i < n; i++) {
		uint64_t u = splitmix_next(&s);
		/* negatives, positives, heavy ties, tiny and huge magnitudes */
		double v = (double)(int64_t)(u % 2001) - 1000.0;
		if (u >> 62 == 0)
			v = ldexp(splitmix_uniform(&s) - 0.5, (int)(u % 200) - 100);
		x[i] = y[i] = v;
	}
	stats_rank_sort(x, n);
	qsort(y, n, sizeof(*y), cmp_double);
	for (size_t i = 0; i < n; i++)
		if (!test_close(x[i], y[i], 0, 0))
			fail_msg("position %zu: %.17g != %.17g", i, x[i], y[i]);
	free(x);
	free(y);
}

static void test_argsort_keeps_equal_values_in_index_order(void **state)
{
	(void)state;
	size_t n = 5000;
	double *x = malloc(n * sizeof(*x));
	size_t *order = malloc(n * sizeof(*order));
	for (size_t i = 0; i < n; i++)
		x[i] = (double)((i * 7919) % 13);
	stats_rank_argsort(x, n, order);
	for (size_t i = 1; i < n; i++) {
		assert_true(x[order[i - 1]] <= x[order[i]]);
		if (!(x[order[i - 1]] < x[order[i]]))
			assert_true(order[i - 1] < order[i]);
	}
	double small[] = {2, 1, 2, 1, 0};
	size_t small_order[5];
	stats_rank_argsort(small, 5, small_order);
	size_t want[] = {4, 1, 3, 0, 2};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(small_order[i], want[i]);
	free(order);
	free(x);
}

static void test_average_ranks_match_scipy_rankdata(void **state)
{
	(void)state;
	cJSON *root = vectors_load("rank");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, json_item(root, "ranks"))
	{
		size_t n, nr;
		double *x = vectors_array(json_item(c, "x"), &n);
		double *want = vectors_array(json_item(c, "ranks"), &nr);
		double *ranks = malloc((n ? n : 1) * sizeof(*ranks));
		struct stats_ranks info;
		enum stats_status st = stats_rank_average(x, n, ranks, &info);
		assert_string_equal(stats_status_name(st), json_str(c, "status"));
		assert_int_equal(info.n, json_size(c, "n"));
		assert_int_equal(info.n_missing, json_size(c, "n_missing"));
		assert_int_equal(info.n_distinct, json_size(c, "n_distinct"));
		assert_int_equal(info.tie_pairs, json_size(c, "tie_pairs"));
		assert_close((double)info.tie_cubes, vectors_get(c, "tie_cubes"), 0, 0);
		for (size_t i = 0; i < n; i++)
			assert_close(ranks[i], want[i], 0, 0); /* ranks are exact */
		free(ranks);
		free(want);
		free(x);
		cases++;
	}
	assert_true(cases >= 8);
	cJSON_Delete(root);
}

/* Rebuilds the input of a "rule" vector (tests/unit/splitmix.h). */
static void rule_input(const cJSON *rule, double **x, double **y, size_t *n)
{
	*n = json_size(rule, "n");
	*x = malloc(*n * sizeof(**x));
	*y = malloc(*n * sizeof(**y));
	splitmix_pairs(json_str(rule, "kind"), *n, (uint64_t)vectors_get(rule, "seed_x"),
		       (uint64_t)vectors_get(rule, "seed_y"), (uint64_t)vectors_get(rule, "mod_x"),
		       (uint64_t)vectors_get(rule, "mod_y"), json_size(rule, "nan_x_every"),
		       json_size(rule, "nan_y_every"), *x, *y);
}

static void check_spearman(const cJSON *c, const struct stats_spearman *r, enum stats_status st)
{
	const char *name = json_str(c, "name");
	if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
		fail_msg("%s: status %s, expected %s", name, stats_status_name(st),
			 json_str(c, "status"));
	assert_int_equal(r->status, st);
	assert_int_equal(r->n, json_size(c, "n"));
	assert_int_equal(r->n_missing, json_size(c, "n_missing"));
	if (st != STATS_OK) {
		assert_true(isnan(r->rho) && isnan(r->p_value) && isnan(r->t));
		return;
	}
	double p_atol = vectors_get(c, "p_atol");
	assert_close(r->rho, vectors_get(c, "rho"), RTOL, 1e-15);
	assert_close(r->p_value, vectors_get(c, "p_value"), RTOL, p_atol);
	if (p_atol <= 0)
		assert_close(r->t, vectors_get(c, "t"), RTOL, 1e-12);
}

static void test_spearman_matches_scipy_spearmanr(void **state)
{
	(void)state;
	cJSON *root = vectors_load("rank");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, json_item(root, "spearman"))
	{
		size_t n, ny;
		double *x, *y;
		const cJSON *rule = cJSON_GetObjectItemCaseSensitive(c, "rule");
		if (rule) {
			rule_input(rule, &x, &y, &n);
		} else {
			x = vectors_array(json_item(c, "x"), &n);
			y = vectors_array(json_item(c, "y"), &ny);
			assert_int_equal(n, ny);
		}
		struct stats_spearman r;
		check_spearman(c, &r, stats_spearman(x, y, n, &r));
		free(x);
		free(y);
		cases++;
	}
	assert_true(cases >= 25);
	cJSON_Delete(root);
}

static void test_spearman_of_a_perfect_ranking_is_exactly_one_with_p_zero(void **state)
{
	(void)state;
	double x[] = {1, 2, 3, 4, 5, 6}, y[] = {10, 20, 35, 36, 90, 1000};
	struct stats_spearman r;
	assert_int_equal(stats_spearman(x, y, 6, &r), STATS_OK);
	assert_close(r.rho, 1.0, 0, 0);
	assert_close(r.p_value, 0.0, 0, 0);
	assert_true(isinf(r.t) && r.t > 0);
}

static void test_spearman_with_two_pairs_is_too_few_not_a_number(void **state)
{
	(void)state;
	double x[] = {1, 2, NAN}, y[] = {3, 4, 5};
	struct stats_spearman r;
	assert_int_equal(stats_spearman(x, y, 3, &r), STATS_TOO_FEW);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.n_missing, 1);
	assert_true(isnan(r.rho));
}

int main(void)
{
	stats_init(); /* GSL's error handler off, as core_init does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_puts_zeros_together_and_nan_after_infinity),
		cmocka_unit_test(test_radix_sort_agrees_with_qsort_on_a_large_mixed_sample),
		cmocka_unit_test(test_argsort_keeps_equal_values_in_index_order),
		cmocka_unit_test(test_average_ranks_match_scipy_rankdata),
		cmocka_unit_test(test_spearman_matches_scipy_spearmanr),
		cmocka_unit_test(test_spearman_of_a_perfect_ranking_is_exactly_one_with_p_zero),
		cmocka_unit_test(test_spearman_with_two_pairs_is_too_few_not_a_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
