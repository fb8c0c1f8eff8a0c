/* Unit tests for core/stats/bootstrap: GSL's MT19937 stream against NumPy's, the block-length
 * rule, and the moving-block interval and block-shuffle test against the NumPy reference
 * (tests/vectors/bootstrap.json from tests/vectors/gen_bootstrap.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/bootstrap.h"
#include "test_util.h"
#include "vectors.h"

#define RTOL 1e-12

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *item(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!v)
		fail_msg("vector lacks \"%s\"", name);
	return v;
}

static void check(const char *name, const char *field, double got, double want, double rtol)
{
	if (!test_close(got, want, rtol, 1e-300))
		fail_msg("%s: %s = %.17g, expected %.17g", name, field, got, want);
}

static void test_gsl_mt19937_stream_equals_numpys_for_the_same_seed(void **state)
{
	(void)state;
	cJSON *root = vectors_load("bootstrap");
	const cJSON *c;
	int count = 0;
	cJSON_ArrayForEach(c, item(root, "streams"))
	{
		uint32_t seed = (uint32_t)vectors_get(c, "seed");
		size_t n, m;
		double *raw = vectors_array(item(c, "raw"), &n);
		double *ui = vectors_array(item(c, "uniform_int_1000"), &m);
		uint32_t got[32];
		assert_true(n == 10 && m == 20);
		stats_bootstrap_draws(seed, 0, got, n);
		for (size_t i = 0; i < n; i++)
			if ((double)got[i] != raw[i])
				fail_msg("seed %u raw[%zu]: %u, numpy %.0f", seed, i, got[i],
					 raw[i]);
		stats_bootstrap_draws(seed, 1000, got, m);
		for (size_t i = 0; i < m; i++)
			assert_int_equal(got[i], (uint32_t)ui[i]);
		free(raw);
		free(ui);
		count++;
	}
	assert_int_equal(count, 4);
	cJSON_Delete(root);
}

static void test_block_length_is_the_integer_cube_root_rounded_up(void **state)
{
	(void)state;
	cJSON *root = vectors_load("bootstrap");
	const cJSON *c;
	cJSON_ArrayForEach(c, item(root, "block_lengths"))
	{
		size_t n = (size_t)strtoull(c->string, NULL, 10);
		assert_int_equal(stats_bootstrap_block_length(n), (size_t)c->valuedouble);
	}
	assert_int_equal(stats_bootstrap_block_length(27), 3);
	assert_int_equal(stats_bootstrap_block_length(28), 4);
	cJSON_Delete(root);
}

static void test_interval_and_surrogate_test_match_the_numpy_reference(void **state)
{
	(void)state;
	cJSON *root = vectors_load("bootstrap");
	const cJSON *c;
	cJSON_ArrayForEach(c, item(root, "cases"))
	{
		const char *name = json_str(c, "name");
		size_t n, ny;
		double *x = vectors_array(item(c, "x"), &n);
		double *y = vectors_array(item(c, "y"), &ny);
		assert_int_equal(n, ny);
		enum stats_bootstrap_kind kind = strcmp(json_str(c, "kind"), "spearman") == 0
							 ? STATS_BOOTSTRAP_SPEARMAN
							 : STATS_BOOTSTRAP_PEARSON;
		size_t b = (size_t)vectors_get(c, "n_boot");
		uint32_t seed = (uint32_t)vectors_get(c, "seed");
		size_t blk = (size_t)vectors_get(c, "block_arg");
		struct stats_bootstrap_ci ci;
		if (stats_bootstrap_interval(x, y, n, kind, b, vectors_get(c, "confidence"), seed,
					     blk, &ci) != STATS_OK)
			fail_msg("%s: status %s", name, stats_status_name(ci.status));
		check(name, "n", (double)ci.n, vectors_get(c, "n"), 0);
		check(name, "n_missing", (double)ci.n_missing, vectors_get(c, "n_missing"), 0);
		check(name, "block", (double)ci.block, vectors_get(c, "block"), 0);
		check(name, "estimate", ci.estimate, vectors_get(c, "estimate"), RTOL);
		const cJSON *iv = item(c, "interval");
		check(name, "low", ci.low, vectors_get(iv, "low"), RTOL);
		check(name, "high", ci.high, vectors_get(iv, "high"), RTOL);
		check(name, "n_boot", (double)ci.n_boot, vectors_get(iv, "n_boot"), 0);
		check(name, "n_undefined", (double)ci.n_undefined, vectors_get(iv, "n_undefined"),
		      0);
		struct stats_bootstrap_surrogate sg;
		assert_int_equal(
			stats_bootstrap_shuffle_test(x, y, n, kind, b, seed + 1000, blk, &sg),
			STATS_OK);
		const cJSON *sv = item(c, "surrogate");
		check(name, "surrogate estimate", sg.estimate, vectors_get(sv, "estimate"), RTOL);
		check(name, "n_surrogates", (double)sg.n_surrogates,
		      vectors_get(sv, "n_surrogates"), 0);
		check(name, "n_extreme", (double)sg.n_extreme, vectors_get(sv, "n_extreme"), 0);
		check(name, "p_value", sg.p_value, vectors_get(sv, "p_value"), 1e-15);
		free(x);
		free(y);
	}
	cJSON_Delete(root);
}

static void test_same_seed_same_interval_and_bad_arguments_are_statuses(void **state)
{
	(void)state;
	double x[40], y[40];
	for (size_t i = 0; i < 40; i++) {
		x[i] = sin((double)i * 0.3);
		y[i] = cos((double)i * 0.2) + 0.01 * (double)i;
	}
	struct stats_bootstrap_ci a, b;
	assert_int_equal(
		stats_bootstrap_interval(x, y, 40, STATS_BOOTSTRAP_SPEARMAN, 200, 0.95, 9, 0, &a),
		STATS_OK);
	assert_int_equal(
		stats_bootstrap_interval(x, y, 40, STATS_BOOTSTRAP_SPEARMAN, 200, 0.95, 9, 0, &b),
		STATS_OK);
	assert_close(a.low, b.low, 0, 0);
	assert_close(a.high, b.high, 0, 0);
	assert_int_equal(
		stats_bootstrap_interval(x, y, 40, STATS_BOOTSTRAP_PEARSON, 0, 0.95, 9, 0, &a),
		STATS_INVALID_INPUT);
	assert_int_equal(
		stats_bootstrap_interval(x, y, 40, STATS_BOOTSTRAP_PEARSON, 10, 1.0, 9, 0, &a),
		STATS_INVALID_INPUT);
	assert_int_equal(
		stats_bootstrap_interval(x, y, 40, STATS_BOOTSTRAP_PEARSON, 10, 0.9, 9, 41, &a),
		STATS_INVALID_INPUT);
	assert_int_equal(
		stats_bootstrap_interval(x, y, 2, STATS_BOOTSTRAP_PEARSON, 10, 0.9, 9, 0, &a),
		STATS_TOO_FEW);
	assert_true(isnan(a.low) && isnan(a.estimate));
	double c[40];
	for (size_t i = 0; i < 40; i++)
		c[i] = 1;
	struct stats_bootstrap_surrogate s;
	assert_int_equal(
		stats_bootstrap_shuffle_test(x, c, 40, STATS_BOOTSTRAP_SPEARMAN, 10, 1, 0, &s),
		STATS_ZERO_VARIANCE);
	assert_true(isnan(s.p_value));
	double r;
	assert_int_equal(stats_bootstrap_corr(x, y, 40, STATS_BOOTSTRAP_PEARSON, &r), STATS_OK);
	assert_true(r > -1 && r < 1);
}

int main(void)
{
	stats_init(); /* GSL's error handler off, as core_init does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsl_mt19937_stream_equals_numpys_for_the_same_seed),
		cmocka_unit_test(test_block_length_is_the_integer_cube_root_rounded_up),
		cmocka_unit_test(test_interval_and_surrogate_test_match_the_numpy_reference),
		cmocka_unit_test(test_same_seed_same_interval_and_bad_arguments_are_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
