/* Unit tests for core/stats/pelt: PELT and binary segmentation against the
 * exhaustive optimal-partitioning reference (tests/vectors/pelt.json, made by
 * tests/vectors/gen_pelt.py), against a brute-force optimal partitioning
 * written here on random series, and on edge cases (options, NaN, overflow). */
#include "common.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "stats/pelt.h"
#include "test_util.h"
#include "vectors.h"

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static size_t json_size(const cJSON *obj, const char *name)
{
	double v = vectors_get(obj, name);
	return isnan(v) ? 0 : (size_t)v;
}

/* Options of one vector run. */
static struct stats_pelt_opts run_opts(const cJSON *run)
{
	struct stats_pelt_opts o = {0};
	o.cost = strcmp(json_str(run, "cost"), "mean") == 0 ? STATS_PELT_MEAN : STATS_PELT_MEANVAR;
	const char *pen = json_str(run, "penalty");
	o.penalty = strcmp(pen, "bic") == 0	 ? STATS_PELT_BIC
		    : strcmp(pen, "manual") == 0 ? STATS_PELT_MANUAL
						 : STATS_PELT_MBIC;
	o.penalty_value = vectors_get(run, "penalty_value");
	o.min_size = json_size(run, "min_size");
	o.max_cpts = json_size(run, "max_cpts");
	double scale = vectors_get(run, "scale");
	o.scale = isnan(scale) ? 0 : scale;
	return o;
}

/* Runs every vector run of the given method; returns how many were checked. */
static size_t check_vectors(const char *method)
{
	cJSON *root = vectors_load("pelt");
	size_t checked = 0;
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
	for (const cJSON *c = cases->child; c; c = c->next) {
		size_t n;
		double *x = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "x"), &n);
		size_t *cpts = malloc((n ? n : 1) * sizeof(*cpts));
		const cJSON *runs = cJSON_GetObjectItemCaseSensitive(c, "runs");
		for (const cJSON *run = runs->child; run; run = run->next) {
			if (strcmp(json_str(run, "method"), method) != 0)
				continue;
			struct stats_pelt_opts o = run_opts(run);
			struct stats_pelt res = strcmp(method, "pelt") == 0
							? stats_pelt(x, n, &o, cpts)
							: stats_binseg(x, n, &o, cpts);
			const char *name = json_str(c, "name");
			if (strcmp(stats_status_name(res.status), json_str(run, "status")) != 0) {
				print_error("%s / %s %s %s: status %s, expected %s\n", name, method,
					    json_str(run, "cost"), json_str(run, "penalty"),
					    stats_status_name(res.status), json_str(run, "status"));
				fail();
			}
			assert_int_equal(res.n, json_size(run, "n"));
			assert_int_equal(res.n_missing, json_size(run, "n_missing"));
			size_t k;
			double *want =
				vectors_array(cJSON_GetObjectItemCaseSensitive(run, "cpts"), &k);
			int same = res.n_cpts == k;
			for (size_t i = 0; same && i < k; i++)
				same = cpts[i] == (size_t)want[i];
			if (!same) {
				print_error(
					"%s / %s %s %s min_size %zu: %zu change points, expected "
					"%zu:",
					name, method, json_str(run, "cost"),
					json_str(run, "penalty"), o.min_size, res.n_cpts, k);
				for (size_t i = 0; i < res.n_cpts; i++)
					print_error(" %zu", cpts[i]);
				print_error(" vs");
				for (size_t i = 0; i < k; i++)
					print_error(" %zu", (size_t)want[i]);
				print_error("\n");
				fail();
			}
			free(want);
			assert_close(res.cost, vectors_get(run, "total"), 1e-9, 0);
			assert_close(res.penalty, vectors_get(run, "beta"), 1e-12, 0);
			assert_close(res.scale, vectors_get(run, "scale_used"), 1e-12, 0);
			assert_close(res.var_floor, vectors_get(run, "var_floor"), 1e-9, 0);
			checked++;
		}
		free(cpts);
		free(x);
	}
	cJSON_Delete(root);
	return checked;
}

static void test_pelt_matches_exhaustive_optimal_partitioning_vectors(void **state)
{
	(void)state;
	assert_true(check_vectors("pelt") >= 100);
}

static void test_binseg_matches_the_reference_vectors(void **state)
{
	(void)state;
	assert_true(check_vectors("binseg") >= 50);
}

/* xorshift64* and Box-Muller: deterministic normal deviates. */
static uint64_t rng_state = 88172645463325252ULL;

static double uniform01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

static double normal01(void)
{
	double u = uniform01(), v = uniform01();
	return sqrt(-2.0 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* A piecewise-constant series with noise, about k segments. */
static void piecewise(double *x, size_t n, size_t k)
{
	double mean = 0, sd = 1;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || uniform01() * (double)n < (double)k) {
			mean += 3.0 * normal01();
			sd = 0.3 + 2.0 * uniform01();
		}
		x[i] = mean + sd * normal01();
	}
}

/* The cost of x[s..t) computed directly (two-pass), as documented in pelt.h. */
static double direct_cost(const double *x, size_t s, size_t t, const struct stats_pelt_opts *o,
			  double floor)
{
	size_t m = t - s;
	long double mean = 0, rss = 0;
	for (size_t i = s; i < t; i++)
		mean += x[i];
	mean /= (long double)m;
	for (size_t i = s; i < t; i++)
		rss += (x[i] - mean) * (x[i] - mean);
	double c, r = (double)rss, dm = (double)m;
	if (o->cost == STATS_PELT_MEAN) {
		c = r / (o->scale * o->scale);
	} else if (r / dm >= floor) {
		c = dm * (log(2 * M_PI) + log(r / dm) + 1);
	} else {
		c = dm * (log(2 * M_PI) + log(floor)) + r / floor;
	}
	return o->penalty == STATS_PELT_MBIC ? c + log(dm) : c;
}

/* Brute-force optimal partitioning (no pruning, no NaN): change points into
 * cp, their count returned, the cost into *cost. */
static size_t brute_force(const double *x, size_t n, const struct stats_pelt_opts *o, double beta,
			  size_t *cp, double *cost)
{
	long double mean = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		mean += x[i];
	mean /= (long double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	double floor = STATS_PELT_VAR_FLOOR * (double)(ss / (long double)n);
	double *F = malloc((n + 1) * sizeof(*F));
	size_t *last = calloc(n + 1, sizeof(*last));
	F[0] = -beta;
	size_t m = o->min_size;
	double *v = malloc((n + 1) * sizeof(*v));
	for (size_t t = 1; t <= n; t++) {
		/* The earliest start whose value ties the best (within 1e-12). */
		double best = INFINITY;
		for (size_t s = 0; s + m <= t; s++) {
			v[s] = s != 0 && s < m ? INFINITY : F[s] + direct_cost(x, s, t, o, floor);
			if (v[s] < best)
				best = v[s];
		}
		F[t] = INFINITY;
		for (size_t s = 0; s + m <= t; s++)
			if (v[s] <= best + 1e-12 * (1 + fabs(best))) {
				F[t] = v[s] + beta;
				last[t] = s;
				break;
			}
	}
	free(v);
	*cost = F[n];
	size_t k = 0;
	for (size_t t = n; t > 0 && last[t] > 0; t = last[t])
		cp[k++] = last[t];
	for (size_t i = 0; i < k / 2; i++) {
		size_t tmp = cp[i];
		cp[i] = cp[k - 1 - i];
		cp[k - 1 - i] = tmp;
	}
	free(F);
	free(last);
	return k;
}

/* PELT's pruning (with min_size and MBIC's log terms) never loses the optimum:
 * 600 random series, every cost, penalty and min_size 1..6. */
static void test_pelt_equals_brute_force_optimal_partitioning(void **state)
{
	(void)state;
	double x[90];
	size_t cpts[90], want[90];
	for (int rep = 0; rep < 600; rep++) {
		size_t n = 5 + (size_t)(uniform01() * 85);
		piecewise(x, n, 1 + (size_t)(uniform01() * 6));
		struct stats_pelt_opts o = {0};
		o.cost = rep % 2 ? STATS_PELT_MEAN : STATS_PELT_MEANVAR;
		o.penalty = (enum stats_pelt_penalty)(rep / 2 % 3);
		o.penalty_value = 0.5 + 10.0 * uniform01();
		o.min_size = 1 + (size_t)(rep / 6 % 6);
		o.scale = 1.3;
		if (n < (o.min_size > 2 ? o.min_size : 2))
			continue;
		struct stats_pelt res = stats_pelt(x, n, &o, cpts);
		assert_int_equal(res.status, STATS_OK);
		double cost;
		size_t k = brute_force(x, n, &o, res.penalty, want, &cost);
		if (res.n_cpts != k || memcmp(cpts, want, k * sizeof(*cpts)) != 0) {
			print_error("rep %d n %zu cost %d penalty %d min_size %zu: %zu vs %zu "
				    "change points\n",
				    rep, n, (int)o.cost, (int)o.penalty, o.min_size, res.n_cpts, k);
			fail();
		}
		assert_close(res.cost, cost, 1e-9, 0);

		/* Greedy binary segmentation is never better than the optimum. */
		struct stats_pelt bs = stats_binseg(x, n, &o, cpts);
		assert_int_equal(bs.status, STATS_OK);
		assert_true(bs.cost >= res.cost - 1e-9 * fabs(res.cost));
	}
}

static void test_change_points_index_the_original_series_across_nan(void **state)
{
	(void)state;
	/* Finite values: 0 x6, 10 x6; the change is at finite index 6, x[9]. */
	double x[] = {NAN, 0, 0, 0, NAN, 0, 0, 0, NAN, 10, 10, INFINITY, 10, 10, 10, 10, NAN};
	size_t cpts[ARRAY_SIZE(x)];
	struct stats_pelt_opts o = {.cost = STATS_PELT_MEAN, .scale = 1.0};
	struct stats_pelt res = stats_pelt(x, ARRAY_SIZE(x), &o, cpts);
	assert_int_equal(res.status, STATS_OK);
	assert_int_equal(res.n, 12);
	assert_int_equal(res.n_missing, 5);
	assert_int_equal(res.n_cpts, 1);
	assert_int_equal(cpts[0], 9);
	/* Both segments are exact: cost = MBIC's log 6 + log 6 + 2 log 12. */
	assert_close(res.cost, 2 * log(6.0) + 2 * log(12.0), 1e-12, 0);
	assert_close(res.penalty, 2 * log(12.0), 1e-15, 0);
	res = stats_binseg(x, ARRAY_SIZE(x), &o, cpts);
	assert_int_equal(res.n_cpts, 1);
	assert_int_equal(cpts[0], 9);
}

static void test_too_few_constant_and_bad_options_are_statuses(void **state)
{
	(void)state;
	double x[] = {1, 2, 3, 4, 5, 6};
	double flat[] = {2, 2, 2, 2, 2};
	double missing[] = {NAN, NAN, 1};
	size_t cpts[6];
	struct stats_pelt res = stats_pelt(missing, 3, NULL, cpts);
	assert_int_equal(res.status, STATS_TOO_FEW);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.n_missing, 2);
	assert_true(isnan(res.cost) && isnan(res.penalty) && res.n_cpts == 0);
	res = stats_pelt(x, 0, NULL, cpts);
	assert_int_equal(res.status, STATS_TOO_FEW);
	struct stats_pelt_opts o = {.min_size = 7};
	assert_int_equal(stats_pelt(x, 6, &o, cpts).status, STATS_TOO_FEW);
	o = (struct stats_pelt_opts){.cost = STATS_PELT_MEAN};
	assert_int_equal(stats_pelt(x, 2, &o, cpts).status, STATS_TOO_FEW);
	o.scale = 1;
	assert_int_equal(stats_pelt(x, 2, &o, cpts).status, STATS_OK);

	res = stats_pelt(flat, 5, NULL, cpts);
	assert_int_equal(res.status, STATS_ZERO_VARIANCE);
	assert_true(isnan(res.cost));
	o = (struct stats_pelt_opts){.cost = STATS_PELT_MEAN};
	assert_int_equal(stats_binseg(flat, 5, &o, cpts).status, STATS_ZERO_VARIANCE);

	o = (struct stats_pelt_opts){.penalty = STATS_PELT_MANUAL, .penalty_value = -1};
	assert_int_equal(stats_pelt(x, 6, &o, cpts).status, STATS_INVALID_INPUT);
	o.penalty_value = NAN;
	assert_int_equal(stats_pelt(x, 6, &o, cpts).status, STATS_INVALID_INPUT);
	o = (struct stats_pelt_opts){.cost = (enum stats_pelt_cost)7};
	assert_int_equal(stats_binseg(x, 6, &o, cpts).status, STATS_INVALID_INPUT);
	o = (struct stats_pelt_opts){.penalty = (enum stats_pelt_penalty)9};
	assert_int_equal(stats_pelt(x, 6, &o, cpts).status, STATS_INVALID_INPUT);
	o = (struct stats_pelt_opts){.cost = STATS_PELT_MEAN, .scale = INFINITY};
	assert_int_equal(stats_pelt(x, 6, &o, cpts).status, STATS_INVALID_INPUT);
	assert_string_equal(stats_pelt_cost_name(STATS_PELT_MEAN), "mean");
	assert_string_equal(stats_pelt_penalty_name(STATS_PELT_BIC), "bic");
}

/* Values near DBL_MAX: meanvar works in long double and finds the same
 * segmentation as for the scaled-down series; the mean cost's differences
 * overflow and that is refused. */
static void test_huge_values_are_exact_or_refused(void **state)
{
	(void)state;
	double x[60], big[60];
	size_t a[60], b[60];
	piecewise(x, 60, 3);
	for (size_t i = 0; i < 60; i++)
		big[i] = x[i] * 0x1.0p1000;
	struct stats_pelt small = stats_pelt(x, 60, NULL, a);
	struct stats_pelt large = stats_pelt(big, 60, NULL, b);
	assert_int_equal(large.status, STATS_OK);
	assert_int_equal(large.n_cpts, small.n_cpts);
	assert_memory_equal(a, b, small.n_cpts * sizeof(*a));
	/* Every variance scales by 2^2000: the cost moves by 60 * 2000 log 2. */
	assert_close(large.cost, small.cost + 60 * 2000 * log(2.0), 1e-12, 0);

	double edge[] = {1.7e308, -1.7e308, 1.7e308, -1.7e308, 1.0};
	struct stats_pelt_opts o = {.cost = STATS_PELT_MEAN};
	assert_int_equal(stats_pelt(edge, 5, &o, a).status, STATS_INVALID_INPUT);
}

static void test_binseg_stops_at_max_cpts(void **state)
{
	(void)state;
	double x[400];
	size_t cpts[400];
	for (size_t i = 0; i < 400; i++)
		x[i] = (double)(i / 50 % 2) * 10.0 + 0.1 * normal01();
	struct stats_pelt_opts o = {.cost = STATS_PELT_MEAN};
	struct stats_pelt all = stats_binseg(x, 400, &o, cpts);
	assert_int_equal(all.status, STATS_OK);
	assert_int_equal(all.n_cpts, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(cpts[i], 50 * (i + 1));
	struct stats_pelt pelt = stats_pelt(x, 400, &o, cpts);
	assert_int_equal(pelt.n_cpts, 7);
	assert_close(pelt.cost, all.cost, 1e-12, 0);
	o.max_cpts = 3;
	struct stats_pelt three = stats_binseg(x, 400, &o, cpts);
	assert_int_equal(three.n_cpts, 3);
	assert_true(three.cost > all.cost);
}

/* A longer series: the true changes are found (within ten points). */
static void test_pelt_finds_planted_changes_in_20000_points(void **state)
{
	(void)state;
	size_t n = 20000, k = 0;
	double *x = malloc(n * sizeof(*x));
	size_t *cpts = malloc(n * sizeof(*cpts));
	for (size_t i = 0; i < n; i++)
		x[i] = (double)(i / 1000 % 2) * 3.0 + (i / 1000 % 3 == 2 ? 2.5 : 1.0) * normal01();
	struct stats_pelt res = stats_pelt(x, n, NULL, cpts);
	assert_int_equal(res.status, STATS_OK);
	for (size_t i = 0; i < res.n_cpts; i++) {
		size_t nearest = (cpts[i] + 500) / 1000 * 1000;
		size_t off = cpts[i] > nearest ? cpts[i] - nearest : nearest - cpts[i];
		k += off <= 10;
	}
	assert_int_equal(res.n_cpts, 19);
	assert_int_equal(k, 19);
	free(x);
	free(cpts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pelt_matches_exhaustive_optimal_partitioning_vectors),
		cmocka_unit_test(test_binseg_matches_the_reference_vectors),
		cmocka_unit_test(test_pelt_equals_brute_force_optimal_partitioning),
		cmocka_unit_test(test_change_points_index_the_original_series_across_nan),
		cmocka_unit_test(test_too_few_constant_and_bad_options_are_statuses),
		cmocka_unit_test(test_huge_values_are_exact_or_refused),
		cmocka_unit_test(test_binseg_stops_at_max_cpts),
		cmocka_unit_test(test_pelt_finds_planted_changes_in_20000_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
