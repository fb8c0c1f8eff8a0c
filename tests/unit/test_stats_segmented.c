/* Unit tests for core/stats/segmented: the broken-stick fit against a brute-force least-squares
 * search and R segmented, Davies' test against R's davies.test (tests/vectors/segmented.json
 * from tests/vectors/gen_segmented.R), and the residual bootstrap's determinism. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/segmented.h"
#include "test_util.h"
#include "vectors.h"
#include "splitmix.h"

#define RTOL 1e-6 /* the brute force's optimize() is good to ~1e-8 */

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void check(const cJSON *c, const char *field, double got, double rtol, double atol)
{
	double want = vectors_get(c, field);
	if (!test_close(got, want, rtol, atol))
		fail_msg("%s: %s = %.17g, expected %.17g", json_str(c, "name"), field, got, want);
}

static void test_fit_matches_the_brute_force_least_squares_and_davies_test(void **state)
{
	(void)state;
	cJSON *root = vectors_load("segmented");
	const cJSON *c;
	int count = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases"))
	{
		size_t n, ny;
		double *x = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "x"), &n);
		double *y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &ny);
		assert_int_equal(n, ny);
		struct stats_segmented r;
		if (stats_segmented(x, y, n, NULL, &r) != STATS_OK)
			fail_msg("%s: status %s", json_str(c, "name"), stats_status_name(r.status));
		check(c, "n", (double)r.n, 0, 0);
		check(c, "n_missing", (double)r.n_missing, 0, 0);
		check(c, "psi", r.psi, RTOL, 0);
		check(c, "intercept", r.intercept, RTOL, 1e-6);
		check(c, "slope_left", r.slope_left, RTOL, 1e-6);
		check(c, "slope_diff", r.slope_diff, RTOL, 1e-6);
		check(c, "rss", r.rss, 1e-9, 0);
		check(c, "rss_line", r.rss_line, 1e-9, 0);
		/* At least as good as R segmented's own iteration. */
		assert_true(r.rss <= vectors_get(c, "rss_segmented") * (1 + 1e-12));
		/* Davies: closed forms over the same 10 fits. Far in the tail the p-value goes as
		 * exp(-M^2/2), which multiplies the relative error of M (~1e-13 between two least
		 * squares codes) by M^2: 1e-7 there. */
		double dp = vectors_get(c, "davies_p");
		check(c, "davies_p", r.davies_p, dp < 1e-15 ? 1e-7 : 1e-9, 1e-300);
		check(c, "davies_best", r.davies_best, 1e-12, 0);
		assert_true(isnan(r.psi_low) && r.n_boot == 0);
		free(x);
		free(y);
		count++;
	}
	assert_true(count >= 8);
	cJSON_Delete(root);
}

/* n points of a broken stick with its break at 6 and noise sd. */
static void make_stick(double *x, double *y, size_t n, double sd, uint64_t seed)
{
	struct splitmix s = {seed};
	for (size_t i = 0; i < n; i++) {
		x[i] = 10 * splitmix_uniform(&s);
		double u1 = splitmix_uniform(&s), u2 = splitmix_uniform(&s);
		double z = sqrt(-2 * log(1 - u1)) * cos(2 * M_PI * u2);
		y[i] = 1 + 0.5 * x[i] + 2 * (x[i] > 6 ? x[i] - 6 : 0) + sd * z;
	}
}

static void test_bootstrap_interval_is_deterministic_for_a_seed_and_covers_the_break(void **state)
{
	(void)state;
	size_t n = 200;
	double x[200], y[200];
	make_stick(x, y, n, 0.5, 3);
	struct stats_segmented_opts o = {.n_boot = 500, .seed = 12345, .confidence = 0.95};
	struct stats_segmented a, b, c;
	assert_int_equal(stats_segmented(x, y, n, &o, &a), STATS_OK);
	assert_int_equal(stats_segmented(x, y, n, &o, &b), STATS_OK);
	assert_close(a.psi_low, b.psi_low, 0, 0);
	assert_close(a.psi_high, b.psi_high, 0, 0);
	assert_int_equal(a.n_boot, 500);
	assert_int_equal(a.n_boot_failed, 0);
	assert_true(a.psi_low < a.psi && a.psi < a.psi_high);
	assert_true(a.psi_low > 5 && a.psi_high < 7);
	o.seed = 54321;
	assert_int_equal(stats_segmented(x, y, n, &o, &c), STATS_OK);
	assert_true(c.psi_low != a.psi_low || c.psi_high != a.psi_high);
	/* The point estimate does not depend on the bootstrap. */
	assert_close(c.psi, a.psi, 0, 0);
	assert_true(a.davies_p < 1e-10);
}

static void test_fit_equals_an_exhaustive_scan_of_breaks(void **state)
{
	(void)state;
	/* A fine scan of psi with the closed-form 3-column least squares never beats the fit. */
	size_t n = 60;
	double x[60], y[60];
	for (uint64_t seed = 1; seed <= 20; seed++) {
		make_stick(x, y, n, 1.5, seed);
		struct stats_segmented r;
		assert_int_equal(stats_segmented(x, y, n, NULL, &r), STATS_OK);
		double xs[60];
		memcpy(xs, x, sizeof(xs));
		double lo = INFINITY, hi = -INFINITY, lo2 = INFINITY, hi2 = -INFINITY;
		for (size_t i = 0; i < n; i++) {
			if (xs[i] < lo) {
				lo2 = lo;
				lo = xs[i];
			} else if (xs[i] < lo2) {
				lo2 = xs[i];
			}
			if (xs[i] > hi) {
				hi2 = hi;
				hi = xs[i];
			} else if (xs[i] > hi2) {
				hi2 = xs[i];
			}
		}
		for (int k = 0; k <= 4000; k++) {
			double psi = lo2 + (hi2 - lo2) * k / 4000.0;
			/* RSS of y on 1, x, (x - psi)+ by the normal equations in long double. */
			long double s[3][4] = {{0}};
			for (size_t i = 0; i < n; i++) {
				long double v[4] = {1, x[i], x[i] > psi ? x[i] - psi : 0, y[i]};
				for (int a = 0; a < 3; a++)
					for (int b = 0; b < 4; b++)
						s[a][b] += v[a] * v[b];
			}
			for (int p = 0; p < 3; p++)
				for (int q = p + 1; q < 3; q++) {
					long double f = s[q][p] / s[p][p];
					for (int b = 0; b < 4; b++)
						s[q][b] -= f * s[p][b];
				}
			long double beta[3];
			for (int p = 2; p >= 0; p--) {
				long double t = s[p][3];
				for (int q = p + 1; q < 3; q++)
					t -= s[p][q] * beta[q];
				beta[p] = t / s[p][p];
			}
			long double rss = 0;
			for (size_t i = 0; i < n; i++) {
				long double e = y[i] - beta[0] - beta[1] * x[i] -
						beta[2] * (x[i] > psi ? x[i] - psi : 0);
				rss += e * e;
			}
			assert_true((double)rss >= r.rss * (1 - 1e-10));
		}
	}
}

static void test_too_few_points_constant_y_and_bad_confidence_are_statuses(void **state)
{
	(void)state;
	double x[] = {1, 2, 3, 4, 5, 6}, y[] = {1, 2, 3, 5, 8, 13};
	struct stats_segmented r;
	assert_int_equal(stats_segmented(x, y, 4, NULL, &r), STATS_TOO_FEW);
	assert_true(isnan(r.psi) && isnan(r.davies_p));
	double xt[] = {1, 1, 2, 2, 3, 3, 3};
	double yt[] = {1, 2, 3, 4, 5, 6, 7};
	assert_int_equal(stats_segmented(xt, yt, 7, NULL, &r), STATS_TOO_FEW); /* 3 distinct x */
	double yc[] = {2, 2, 2, 2, 2, 2};
	assert_int_equal(stats_segmented(x, yc, 6, NULL, &r), STATS_ZERO_VARIANCE);
	struct stats_segmented_opts o = {.n_boot = 10, .confidence = 1.5};
	assert_int_equal(stats_segmented(x, y, 6, &o, &r), STATS_INVALID_INPUT);
	double xn[] = {1, NAN, 3, 4, 5, 6, 7}, yn[] = {1, 2, 3, INFINITY, 8, 13, 21};
	assert_int_equal(stats_segmented(xn, yn, 7, NULL, &r), STATS_OK);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.n_missing, 2);
}

int main(void)
{
	stats_init(); /* GSL's error handler off, as core_init does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_matches_the_brute_force_least_squares_and_davies_test),
		cmocka_unit_test(
			test_bootstrap_interval_is_deterministic_for_a_seed_and_covers_the_break),
		cmocka_unit_test(test_fit_equals_an_exhaustive_scan_of_breaks),
		cmocka_unit_test(test_too_few_points_constant_y_and_bad_confidence_are_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
