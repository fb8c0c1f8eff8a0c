/* Unit tests for core/stats/trend: least squares, Theil–Sen and Mann–Kendall against
 * tests/vectors/trend.json (scipy.stats.linregress / theilslopes and the O(n^2) Mann–Kendall
 * of tests/vectors/gen_trend.py), and the slope selection against brute force. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/trend.h"
#include "test_util.h"
#include "vectors.h"
#include "splitmix.h"

#define RTOL 1e-9

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *cases(cJSON *root, const char *name)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, name);
	assert_non_null(arr);
	assert_true(cJSON_GetArraySize(arr) > 0);
	return arr;
}

/* Compares a field with the vector's, naming the case on failure. */
static void check(const cJSON *c, const char *field, double got, double rtol, double atol)
{
	double want = vectors_get(c, field);
	if (!test_close(got, want, rtol, atol))
		fail_msg("%s: %s = %.17g, expected %.17g", json_str(c, "name"), field, got, want);
}

static void check_status(const cJSON *c, enum stats_status st)
{
	if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
		fail_msg("%s: status %s, expected %s", json_str(c, "name"), stats_status_name(st),
			 json_str(c, "status"));
}

static void test_linreg_matches_scipy_linregress(void **state)
{
	(void)state;
	cJSON *root = vectors_load("trend");
	const cJSON *c;
	cJSON_ArrayForEach(c, cases(root, "linreg"))
	{
		size_t n, ny;
		double *x = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "x"), &n);
		double *y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &ny);
		assert_int_equal(n, ny);
		struct stats_linreg r;
		check_status(c, stats_linreg(x, y, n, &r));
		check(c, "n", (double)r.n, 0, 0);
		check(c, "n_missing", (double)r.n_missing, 0, 0);
		if (r.status == STATS_OK) {
			check(c, "slope", r.slope, RTOL, 1e-12);
			check(c, "intercept", r.intercept, RTOL, 1e-9);
			check(c, "r", r.r, RTOL, 1e-15);
			check(c, "p_value", r.p_value, RTOL, 1e-300);
			check(c, "stderr_slope", r.stderr_slope, RTOL, 1e-15);
			check(c, "stderr_intercept", r.stderr_intercept, RTOL, 1e-12);
		} else {
			assert_true(isnan(r.slope) && isnan(r.stderr_slope) && isnan(r.p_value));
		}
		free(x);
		free(y);
	}
	cJSON_Delete(root);
}

static void test_theilsen_matches_scipy_theilslopes(void **state)
{
	(void)state;
	cJSON *root = vectors_load("trend");
	const cJSON *c;
	cJSON_ArrayForEach(c, cases(root, "theilsen"))
	{
		size_t n, nx = 0;
		double *y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &n);
		const cJSON *jx = cJSON_GetObjectItemCaseSensitive(c, "x");
		double *x = cJSON_IsArray(jx) ? vectors_array(jx, &nx) : NULL;
		assert_true(!x || nx == n);
		struct stats_theilsen r;
		check_status(c, stats_theilsen(x, y, n, 0.95, &r));
		check(c, "n", (double)r.n, 0, 0);
		check(c, "n_missing", (double)r.n_missing, 0, 0);
		if (r.n >= 2)
			check(c, "n_slopes", (double)r.n_slopes, 0, 0);
		if (r.status == STATS_OK) {
			check(c, "slope", r.slope, RTOL, 1e-300);
			check(c, "intercept", r.intercept, RTOL, 1e-12);
			check(c, "low_slope", r.low_slope, RTOL, 1e-300);
			check(c, "high_slope", r.high_slope, RTOL, 1e-300);
		} else {
			assert_true(isnan(r.slope) && isnan(r.intercept));
		}
		free(x);
		free(y);
	}
	cJSON_Delete(root);
}

static void test_mann_kendall_matches_the_quadratic_reference(void **state)
{
	(void)state;
	cJSON *root = vectors_load("trend");
	const cJSON *c;
	cJSON_ArrayForEach(c, cases(root, "mann_kendall"))
	{
		size_t n;
		double *y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &n);
		struct stats_mann_kendall r;
		check_status(c, stats_mann_kendall(y, n, &r));
		check(c, "n", (double)r.n, 0, 0);
		check(c, "n_missing", (double)r.n_missing, 0, 0);
		if (r.status == STATS_OK) {
			check(c, "s", (double)r.s, 0, 0);
			check(c, "var_s", r.var_s, 1e-15, 0);
			check(c, "z", r.z, RTOL, 1e-15);
			check(c, "p_value", r.p_value, RTOL, 1e-300);
			check(c, "tau", r.tau, RTOL, 1e-15);
		} else {
			assert_true(isnan(r.z) && isnan(r.p_value));
		}
		free(y);
	}
	cJSON_Delete(root);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of all pairwise slopes by listing them (x distinct or not). */
static double brute_median_slope(const double *x, const double *y, size_t n)
{
	double *s = malloc((n * n / 2 + 1) * sizeof(double));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (x[i] > x[j])
				s[k++] = (y[i] - y[j]) / (x[i] - x[j]);
	qsort(s, k, sizeof(double), cmp_double);
	double m = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
	free(s);
	return m;
}

static void test_theilsen_selection_equals_brute_force_on_ties_and_near_ties(void **state)
{
	(void)state;
	struct splitmix sm = {7};
	for (int trial = 0; trial < 400; trial++) {
		size_t n = 2 + (size_t)(splitmix_next(&sm) % 400);
		double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
		for (size_t i = 0; i < n; i++) {
			uint64_t u = splitmix_next(&sm);
			switch (trial % 5) {
			case 0: /* continuous */
				x[i] = splitmix_uniform(&sm);
				y[i] = splitmix_uniform(&sm) + x[i];
				break;
			case 1: /* a small grid: many tied x, y and slopes */
				x[i] = (double)(u % 5);
				y[i] = (double)((u >> 8) % 4);
				break;
			case 2: /* exact slopes 2 with a few one-offs */
				x[i] = (double)(u % 60);
				y[i] = 2 * x[i] + (double)((u >> 9) % 3 == 0);
				break;
			case 3: /* slopes equal up to rounding: 0.3 * 0.1 i */
				x[i] = (double)i * 0.1;
				y[i] = 0.3 * x[i];
				break;
			default: /* large offset, tiny slope */
				x[i] = 1e6 + (double)i;
				y[i] = 1e9 + 1e-7 * (double)i + 1e-6 * (double)(u % 7);
				break;
			}
		}
		struct stats_theilsen r;
		assert_int_equal(stats_theilsen(x, y, n, 0.95, &r), STATS_OK);
		double want = brute_median_slope(x, y, n);
		if (!test_close(r.slope, want, 1e-12, 1e-300))
			fail_msg("trial %d (n %zu): %.17g != %.17g", trial, n, r.slope, want);
		free(x);
		free(y);
	}
}

static void test_theilsen_of_a_large_sample_uses_linear_memory_and_is_exact(void **state)
{
	(void)state;
	/* 8000 points: 3.2e7 slopes, never materialised; the bracket shrinks to <= 8n. Checked
	 * against the count of slopes on either side of the answer. */
	size_t n = 8000;
	double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
	struct splitmix sm = {11};
	for (size_t i = 0; i < n; i++) {
		x[i] = splitmix_uniform(&sm) * 100;
		y[i] = 0.5 * x[i] + 10 * (splitmix_uniform(&sm) - 0.5);
	}
	struct stats_theilsen r;
	assert_int_equal(stats_theilsen(x, y, n, 0.95, &r), STATS_OK);
	assert_int_equal(r.n_slopes, (uint64_t)n * (n - 1) / 2);
	uint64_t below = 0, above = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (x[i] > x[j]) {
				double s = (y[i] - y[j]) / (x[i] - x[j]);
				below += s < r.slope;
				above += s > r.slope;
			}
	/* An even count: the median is between the two middle slopes. */
	assert_true(below <= r.n_slopes / 2 && above <= r.n_slopes / 2);
	assert_true(r.low_slope < r.slope && r.slope < r.high_slope);
	free(x);
	free(y);
}

static void test_theilsen_rejects_a_confidence_outside_the_unit_interval(void **state)
{
	(void)state;
	double x[] = {1, 2, 3}, y[] = {1, 2, 4};
	struct stats_theilsen r;
	assert_int_equal(stats_theilsen(x, y, 3, 1.0, &r), STATS_INVALID_INPUT);
	assert_true(isnan(r.slope));
	assert_int_equal(stats_theilsen(x, y, 3, NAN, &r), STATS_INVALID_INPUT);
}

static void test_mann_kendall_counts_a_long_tied_series_exactly(void **state)
{
	(void)state;
	/* 10^6 values in 1000 ascending blocks of 1000 equal values: S = C(n,2) - 1000 C(1000,2),
	 * Var = [n(n-1)(2n+5) - 1000 * 1000*999*2005] / 18. */
	size_t n = 1000000, b = 1000;
	double *y = malloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		y[i] = (double)(i / b);
	struct stats_mann_kendall r;
	assert_int_equal(stats_mann_kendall(y, n, &r), STATS_OK);
	int64_t s = (int64_t)(n * (n - 1) / 2) - (int64_t)(n / b) * (int64_t)(b * (b - 1) / 2);
	assert_int_equal(r.s, s);
	long double nn = (long double)n, bb = (long double)b;
	long double var =
		(nn * (nn - 1) * (2 * nn + 5) - (nn / bb) * bb * (bb - 1) * (2 * bb + 5)) / 18;
	assert_close(r.var_s, (double)var, 1e-15, 0);
	free(y);
}

int main(void)
{
	stats_init(); /* GSL's error handler off, as core_init does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linreg_matches_scipy_linregress),
		cmocka_unit_test(test_theilsen_matches_scipy_theilslopes),
		cmocka_unit_test(test_mann_kendall_matches_the_quadratic_reference),
		cmocka_unit_test(test_theilsen_selection_equals_brute_force_on_ties_and_near_ties),
		cmocka_unit_test(test_theilsen_of_a_large_sample_uses_linear_memory_and_is_exact),
		cmocka_unit_test(test_theilsen_rejects_a_confidence_outside_the_unit_interval),
		cmocka_unit_test(test_mann_kendall_counts_a_long_tied_series_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
