/* Unit tests for core/stats/kendall: tau-b, exact counts, asymptotic and exact p-values
 * against tests/vectors/kendall.json (scipy.stats.kendalltau and brute-force pair counts,
 * tests/vectors/gen_kendall.py), and an n = 10^7 heavy-tie input checked in closed form. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/kendall.h"
#include "test_util.h"
#include "vectors.h"
#include "splitmix.h"

#define RTOL 1e-9

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static size_t json_size(const cJSON *obj, const char *name)
{
	return (size_t)vectors_get(obj, name);
}

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

static void check_counts(const cJSON *c, const struct stats_kendall *r)
{
	assert_int_equal(r->pairs, (int64_t)vectors_get(c, "pairs"));
	assert_int_equal(r->concordant, (int64_t)vectors_get(c, "concordant"));
	assert_int_equal(r->discordant, (int64_t)vectors_get(c, "discordant"));
	assert_int_equal(r->ties_x, (int64_t)vectors_get(c, "ties_x"));
	assert_int_equal(r->ties_y, (int64_t)vectors_get(c, "ties_y"));
	assert_int_equal(r->ties_xy, (int64_t)vectors_get(c, "ties_xy"));
}

static void check_case(const cJSON *c, const struct stats_kendall *r, enum stats_status st)
{
	const char *name = json_str(c, "name");
	if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
		fail_msg("%s: status %s, expected %s", name, stats_status_name(st),
			 json_str(c, "status"));
	assert_int_equal(r->status, st);
	assert_int_equal(r->n, json_size(c, "n"));
	assert_int_equal(r->n_missing, json_size(c, "n_missing"));
	if (st != STATS_TOO_FEW)
		check_counts(c, r);
	if (st != STATS_OK) {
		assert_true(isnan(r->tau_b) && isnan(r->z) && isnan(r->p_value));
		assert_true(isnan(r->p_exact) && !r->exact);
		return;
	}
	assert_close(r->tau_b, vectors_get(c, "tau_b"), RTOL, 1e-15);
	assert_close(r->z, vectors_get(c, "z"), RTOL, 1e-15);
	assert_close(r->p_value, vectors_get(c, "p_value"), RTOL, 0);
	assert_int_equal(r->exact, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "exact")));
	assert_close(r->p_exact, vectors_get(c, "p_exact"), RTOL, 0);
}

static void test_kendall_matches_scipy_and_brute_force_counts(void **state)
{
	(void)state;
	cJSON *root = vectors_load("kendall");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "kendall"))
	{
		size_t n, ny;
		double *x, *y;
		const cJSON *rule = cJSON_GetObjectItemCaseSensitive(c, "rule");
		if (rule) {
			rule_input(rule, &x, &y, &n);
		} else {
			x = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "x"), &n);
			y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &ny);
			assert_int_equal(n, ny);
		}
		struct stats_kendall r;
		check_case(c, &r, stats_kendall_tau_b(x, y, n, &r));
		free(x);
		free(y);
		cases++;
	}
	assert_true(cases >= 30);
	cJSON_Delete(root);
}

static void test_exact_p_values_follow_the_kendall_distribution(void **state)
{
	(void)state;
	/* n = 4: inversion counts 0..6 occur 1, 3, 5, 6, 5, 3, 1 times in 24 permutations */
	assert_close(stats_kendall_p_exact(4, 0), 2.0 / 24, 1e-15, 0);
	assert_close(stats_kendall_p_exact(4, 6), 2.0 / 24, 1e-15, 0);
	assert_close(stats_kendall_p_exact(4, 1), 2.0 * 4 / 24, 1e-15, 0);
	assert_close(stats_kendall_p_exact(4, 2), 2.0 * 9 / 24, 1e-15, 0);
	assert_close(stats_kendall_p_exact(4, 3), 1.0, 0, 0);
	assert_close(stats_kendall_p_exact(2, 0), 1.0, 0, 0);
	/* n = 33, c = 0: 2 / 33! */
	assert_close(stats_kendall_p_exact(33, 0), 2.0 / 8.68331761881188649551819440128e36, 1e-15,
		     0);
	assert_true(isnan(stats_kendall_p_exact(34, 0)));
	assert_true(isnan(stats_kendall_p_exact(1, 0)));
	assert_true(isnan(stats_kendall_p_exact(5, 11)));
	assert_true(isnan(stats_kendall_p_exact(5, -1)));
}

/* The n = 10^7 input of kendall.json's "blocks": block a = i / k (k = run * runs) is x,
 * y = a + (i mod k) / run, visited in the scrambled order i = (s * 7919 + 12345) mod n; three
 * NaN pairs are appended. SciPy 1.10 overflows int64 on it (2 * xtie * ytie ~ 4.8e21). */
static void test_ten_million_pairs_with_heavy_ties_are_counted_exactly(void **state)
{
	(void)state;
	cJSON *root = vectors_load("kendall");
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(root, "blocks");
	const int64_t B = (int64_t)vectors_get(blocks, "blocks"),
		      r = (int64_t)vectors_get(blocks, "run"),
		      q = (int64_t)vectors_get(blocks, "runs_per_block"), k = r * q;
	const size_t n = (size_t)(B * k), total = n + 3;
	assert_int_equal(n, 10000000);
	double *x = malloc(total * sizeof(*x)), *y = malloc(total * sizeof(*y));
	for (size_t s = 0; s < n; s++) {
		size_t i = (size_t)((s * 7919 + 12345) % n);
		int64_t a = (int64_t)i / k, u = ((int64_t)i % k) / r;
		x[s] = (double)a;
		y[s] = (double)(a + u);
	}
	x[n] = NAN;
	y[n] = 1;
	x[n + 1] = 2;
	y[n + 1] = NAN;
	x[n + 2] = y[n + 2] = NAN;
	/* Closed form, again here. Blocks a < b at distance d: of their k^2 pairs, r^2 (q - |t|)
	 * have u - v = t (u, v the run indexes); discordant when t > d, tied in y when t = d. */
	int64_t nn = (int64_t)n, pairs = nn * (nn - 1) / 2;
	int64_t ties_x = B * (k * (k - 1) / 2), ties_xy = B * q * (r * (r - 1) / 2);
	int64_t discordant = 0, ties_y = ties_xy;
	for (int64_t d = 1; d < B && d < q; d++) {
		discordant += (B - d) * r * r * ((q - d - 1) * (q - d) / 2);
		ties_y += (B - d) * r * r * (q - d);
	}
	int64_t concordant = pairs - discordant - ties_x - ties_y + ties_xy;
	/* the generator's closed form, checked there against brute force on small instances */
	assert_int_equal(concordant, (int64_t)vectors_get(blocks, "concordant"));
	assert_int_equal(discordant, (int64_t)vectors_get(blocks, "discordant"));
	assert_int_equal(ties_y, (int64_t)vectors_get(blocks, "ties_y"));
	cJSON_Delete(root);
	/* y's tie groups: value v is taken by r items for each u in [0, q) with 0 <= v - u < B */
	long double x1 = (long double)B * k * (k - 1) * (2.0L * k + 5);
	long double x0 = (long double)B * k * (k - 1) * (k - 2), y0 = 0, y1 = 0;
	for (int64_t v = 0; v < B + q - 1; v++) {
		int64_t lo = v - B + 1 > 0 ? v - B + 1 : 0, hi = v < q - 1 ? v : q - 1;
		long double t = (long double)(r * (hi - lo + 1));
		y0 += t * (t - 1) * (t - 2);
		y1 += t * (t - 1) * (2 * t + 5);
	}
	long double m = (long double)nn * (long double)(nn - 1);
	long double var = (m * (2.0L * (long double)nn + 5) - x1 - y1) / 18 +
			  2.0L * (long double)ties_x * (long double)ties_y / m +
			  x0 * y0 / (9 * m * (long double)(nn - 2));
	long double s = (long double)(concordant - discordant);
	double tau =
		(double)(s / sqrtl((long double)(pairs - ties_x) * (long double)(pairs - ties_y)));

	struct stats_kendall res;
	assert_int_equal(stats_kendall_tau_b(x, y, total, &res), STATS_OK);
	assert_int_equal(res.n, n);
	assert_int_equal(res.n_missing, 3);
	assert_int_equal(res.pairs, pairs);
	assert_int_equal(res.concordant, concordant);
	assert_int_equal(res.discordant, discordant);
	assert_int_equal(res.ties_x, ties_x);
	assert_int_equal(res.ties_y, ties_y);
	assert_int_equal(res.ties_xy, ties_xy);
	assert_close(res.tau_b, tau, 1e-12, 0);
	assert_close(res.z, (double)(s / sqrtl(var)), 1e-12, 0);
	assert_false(res.exact);
	free(x);
	free(y);
}

static void test_constant_input_is_zero_variance_with_counts(void **state)
{
	(void)state;
	double x[] = {1, 1, 1, 1}, y[] = {1, 2, 3, 3};
	struct stats_kendall r;
	assert_int_equal(stats_kendall_tau_b(x, y, 4, &r), STATS_ZERO_VARIANCE);
	assert_int_equal(r.pairs, 6);
	assert_int_equal(r.ties_x, 6);
	assert_int_equal(r.ties_y, 1);
	assert_int_equal(r.ties_xy, 1);
	assert_true(isnan(r.tau_b));
	assert_true(isnan(r.p_value));
}

static void test_fewer_than_two_pairs_is_too_few(void **state)
{
	(void)state;
	double x[] = {1, NAN}, y[] = {2, 3};
	struct stats_kendall r;
	assert_int_equal(stats_kendall_tau_b(x, y, 2, &r), STATS_TOO_FEW);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.n_missing, 1);
	assert_true(isnan(r.tau_b));
	assert_int_equal(stats_kendall_tau_b(x, y, 0, &r), STATS_TOO_FEW);
}

static void test_descending_pairs_count_every_pair_discordant(void **state)
{
	(void)state;
	size_t n = 5000;
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	for (size_t i = 0; i < n; i++) {
		x[i] = (double)i;
		y[i] = -(double)i;
	}
	struct stats_kendall r;
	assert_int_equal(stats_kendall_tau_b(x, y, n, &r), STATS_OK);
	assert_int_equal(r.discordant, (int64_t)(n * (n - 1) / 2));
	assert_int_equal(r.concordant, 0);
	assert_close(r.tau_b, -1.0, 0, 0);
	free(x);
	free(y);
}

int main(void)
{
	stats_init(); /* GSL's error handler off, as core_init does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kendall_matches_scipy_and_brute_force_counts),
		cmocka_unit_test(test_exact_p_values_follow_the_kendall_distribution),
		cmocka_unit_test(test_ten_million_pairs_with_heavy_ties_are_counted_exactly),
		cmocka_unit_test(test_constant_input_is_zero_variance_with_counts),
		cmocka_unit_test(test_fewer_than_two_pairs_is_too_few),
		cmocka_unit_test(test_descending_pairs_count_every_pair_discordant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
