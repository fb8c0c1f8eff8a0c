/* Unit tests for core/stats/poisson: IRLS fits against statsmodels GLM (log and identity links),
 * a boundary identity fit against a constrained optimiser, and the accumulation-shape rule
 * (tests/vectors/poisson.json from tests/vectors/gen_poisson.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/poisson.h"
#include "test_util.h"
#include "vectors.h"

#define RTOL 1e-6 /* iterative fits */

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *item(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!v)
		fail_msg("vector \"%s\" lacks \"%s\"", json_str(obj, "name"), name);
	return v;
}

static void check(const char *name, const char *field, double got, double want, double rtol,
		  double atol)
{
	if (!test_close(got, want, rtol, atol))
		fail_msg("%s: %s = %.17g, expected %.17g", name, field, got, want);
}

/* The design of a vector as a row-major array; *n rows, *p columns. */
static double *load_design(const cJSON *c, size_t *n, size_t *p)
{
	const cJSON *rows = item(c, "X");
	*n = (size_t)cJSON_GetArraySize(rows);
	*p = (size_t)cJSON_GetArraySize(rows->child);
	double *X = malloc(*n * *p * sizeof(double));
	size_t i = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, rows)
	{
		size_t k;
		double *r = vectors_array(row, &k);
		assert_int_equal(k, *p);
		memcpy(X + i * *p, r, *p * sizeof(double));
		free(r);
		i++;
	}
	return X;
}

/* Checks fit f against the statsmodels summary c (or, where the identity-link MLE is on
 * mu = 0, against a constrained optimiser: likelihood to 1e-6, coefficients to 1e-4). */
static void check_fit(const char *name, const cJSON *c, const struct stats_poisson_fit *f)
{
	if (strncmp(json_str(c, "reference"), "slsqp", 5) == 0) {
		if (f->status != STATS_OK || !f->at_boundary)
			fail_msg("%s: status %s, at_boundary %d", name,
				 stats_status_name(f->status), f->at_boundary);
		size_t p;
		double *coef = vectors_array(item(c, "coef"), &p);
		for (size_t j = 0; j < p; j++)
			check(name, "coef (constrained)", f->coef[j], coef[j], 1e-4, 1e-6);
		free(coef);
		check(name, "loglik (constrained)", f->loglik, vectors_get(c, "loglik"), 1e-6, 0);
		check(name, "aicc (constrained)", f->aicc, vectors_get(c, "aicc"), 1e-6, 0);
		assert_true(isnan(f->se[0]));
		return;
	}
	if (f->status != STATS_OK)
		fail_msg("%s: status %s", name, stats_status_name(f->status));
	check(name, "n", (double)f->n, vectors_get(c, "n"), 0, 0);
	check(name, "n_missing", (double)f->n_missing, vectors_get(c, "n_missing"), 0, 0);
	size_t p;
	double *coef = vectors_array(item(c, "coef"), &p);
	double *se = vectors_array(item(c, "se"), &p);
	assert_int_equal(p, f->p);
	for (size_t j = 0; j < p; j++) {
		check(name, "coef", f->coef[j], coef[j], RTOL, 1e-9);
		check(name, "se", f->se[j], se[j], RTOL, 1e-12);
	}
	free(coef);
	free(se);
	check(name, "deviance", f->deviance, vectors_get(c, "deviance"), RTOL, 1e-9);
	check(name, "pearson_chi2", f->pearson_chi2, vectors_get(c, "pearson_chi2"), RTOL, 1e-9);
	check(name, "loglik", f->loglik, vectors_get(c, "loglik"), RTOL, 1e-9);
	check(name, "aic", f->aic, vectors_get(c, "aic"), RTOL, 1e-9);
	check(name, "aicc", f->aicc, vectors_get(c, "aicc"), RTOL, 1e-9);
	check(name, "dispersion", f->dispersion, vectors_get(c, "dispersion"), RTOL, 1e-9);
}

static void test_fits_match_statsmodels_glm_with_log_and_identity_links(void **state)
{
	(void)state;
	cJSON *root = vectors_load("poisson");
	const cJSON *c;
	int count = 0;
	cJSON_ArrayForEach(c, item(root, "fits"))
	{
		size_t n, p, ny;
		double *X = load_design(c, &n, &p);
		double *y = vectors_array(item(c, "y"), &ny);
		assert_int_equal(n, ny);
		bool ident = strcmp(json_str(c, "link"), "identity") == 0;
		double *start = NULL;
		size_t ns = 0;
		if (cJSON_IsArray(item(c, "start")))
			start = vectors_array(item(c, "start"), &ns);
		struct stats_poisson_fit f;
		stats_poisson_fit(X, y, n, p, ident ? STATS_LINK_IDENTITY : STATS_LINK_LOG, start,
				  &f);
		check_fit(json_str(c, "name"), c, &f);
		/* The identity link also converges from its own start. */
		if (ident) {
			struct stats_poisson_fit g;
			stats_poisson_fit(X, y, n, p, STATS_LINK_IDENTITY, NULL, &g);
			check_fit(json_str(c, "name"), c, &g);
		}
		free(X);
		free(y);
		free(start);
		count++;
	}
	assert_true(count > 10);
	cJSON_Delete(root);
}

static void test_identity_link_keeps_means_positive_when_the_mle_is_on_the_boundary(void **state)
{
	(void)state;
	cJSON *root = vectors_load("poisson");
	const cJSON *c = item(root, "boundary");
	size_t n, p, ny, k;
	double *X = load_design(c, &n, &p);
	double *y = vectors_array(item(c, "y"), &ny);
	double *coef = vectors_array(item(c, "coef"), &k);
	struct stats_poisson_fit f;
	assert_int_equal(stats_poisson_fit(X, y, n, p, STATS_LINK_IDENTITY, NULL, &f), STATS_OK);
	assert_true(f.at_boundary);
	assert_true(f.coef[0] >= 0 && f.coef[0] + f.coef[1] * 19 > 0);
	/* The constrained optimum: deviance to 1e-6, intercept ~0, slope to 1e-4. */
	check("boundary", "deviance", f.deviance, vectors_get(c, "deviance"), 1e-6, 0);
	check("boundary", "coef[0]", f.coef[0], coef[0], 0, 1e-4);
	check("boundary", "coef[1]", f.coef[1], coef[1], 1e-4, 0);
	free(X);
	free(y);
	free(coef);
	cJSON_Delete(root);
}

static enum stats_shape shape_of(const char *s)
{
	for (int i = STATS_SHAPE_INSUFFICIENT_DATA; i <= STATS_SHAPE_DECELERATING; i++)
		if (strcmp(stats_shape_name((enum stats_shape)i), s) == 0)
			return (enum stats_shape)i;
	fail_msg("unknown shape %s", s);
	return STATS_SHAPE_INSUFFICIENT_DATA;
}

static void test_accumulation_shape_follows_the_aicc_and_likelihood_ratio_rule(void **state)
{
	(void)state;
	cJSON *root = vectors_load("poisson");
	const cJSON *c;
	cJSON_ArrayForEach(c, item(root, "shapes"))
	{
		const char *name = json_str(c, "name");
		size_t n;
		double *counts = vectors_array(item(c, "counts"), &n);
		struct stats_accumulation a;
		assert_int_equal(stats_accumulation_shape(counts, n, &a), STATS_OK);
		if (a.shape != shape_of(json_str(c, "shape")))
			fail_msg("%s: shape %s, expected %s", name, stats_shape_name(a.shape),
				 json_str(c, "shape"));
		check(name, "n_buckets", (double)a.n_buckets, vectors_get(c, "n_buckets"), 0, 0);
		check(name, "n_missing", (double)a.n_missing, vectors_get(c, "n_missing"), 0, 0);
		check(name, "events", a.events, vectors_get(c, "events"), 0, 0);
		check(name, "mean_rate", a.mean_rate, vectors_get(c, "mean_rate"), 1e-12, 0);
		check(name, "rate", a.rate, vectors_get(c, "rate"), RTOL, 1e-9);
		if (a.shape != STATS_SHAPE_INSUFFICIENT_DATA) {
			check(name, "growth_rate", a.growth_rate, vectors_get(c, "growth_rate"),
			      RTOL, 1e-9);
			check(name, "doubling_time", a.doubling_time,
			      vectors_get(c, "doubling_time"), RTOL, 1e-9);
			check_fit(name, item(c, "constant"), &a.constant);
			check_fit(name, item(c, "log_linear"), &a.log_linear);
			check(name, "delta_aicc_log_linear", a.delta_aicc_log_linear,
			      vectors_get(c, "delta_aicc_log_linear"), RTOL, 1e-6);
			check(name, "lr_p_log_linear", a.lr_p_log_linear,
			      vectors_get(c, "lr_p_log_linear"), RTOL, 1e-300);
			if (!isnan(vectors_get(c, "delta_aicc_linear_rate"))) {
				check_fit(name, item(c, "linear_rate"), &a.linear_rate);
				check(name, "delta_aicc_linear_rate", a.delta_aicc_linear_rate,
				      vectors_get(c, "delta_aicc_linear_rate"), RTOL, 1e-6);
			}
		}
		free(counts);
	}
	cJSON_Delete(root);
}

static void test_fit_refuses_negative_counts_and_reports_all_zero_counts(void **state)
{
	(void)state;
	double X[] = {1, 0, 1, 1, 1, 2, 1, 3};
	double y[] = {1, -1, 2, 3};
	struct stats_poisson_fit f;
	assert_int_equal(stats_poisson_fit(X, y, 4, 2, STATS_LINK_LOG, NULL, &f),
			 STATS_INVALID_INPUT);
	assert_true(isnan(f.deviance) && isnan(f.coef[0]));
	double z[] = {0, 0, 0, 0};
	assert_int_equal(stats_poisson_fit(X, z, 4, 2, STATS_LINK_LOG, NULL, &f), STATS_UNDEFINED);
	assert_int_equal(stats_poisson_fit(X, z, 2, 2, STATS_LINK_LOG, NULL, &f), STATS_TOO_FEW);
	assert_int_equal(stats_poisson_fit(X, y, 4, 0, STATS_LINK_LOG, NULL, &f),
			 STATS_INVALID_INPUT);
	double bad_start[] = {-1, 0};
	double ok[] = {1, 2, 2, 3};
	assert_int_equal(stats_poisson_fit(X, ok, 4, 2, STATS_LINK_IDENTITY, bad_start, &f),
			 STATS_INVALID_INPUT);
}

static void test_shape_is_insufficient_below_eight_buckets_or_ten_events(void **state)
{
	(void)state;
	double seven[] = {50, 60, 70, 80, 90, 100, 110};
	struct stats_accumulation a;
	assert_int_equal(stats_accumulation_shape(seven, 7, &a), STATS_OK);
	assert_int_equal(a.shape, STATS_SHAPE_INSUFFICIENT_DATA);
	double nine[] = {1, 0, 2, 1, 0, 1, 2, 1, 1, 0};
	assert_int_equal(stats_accumulation_shape(nine, 10, &a), STATS_OK);
	assert_int_equal(a.shape, STATS_SHAPE_INSUFFICIENT_DATA);
	assert_true(isnan(a.doubling_time));
	double neg[] = {1, 2, 3, -4, 5, 6, 7, 8};
	assert_int_equal(stats_accumulation_shape(neg, 8, &a), STATS_INVALID_INPUT);
}

static void test_a_burst_in_the_last_bucket_is_exponential(void **state)
{
	(void)state;
	/* The log-linear MLE runs off to b = +inf; the deviance converges all the same. */
	double burst[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30};
	struct stats_accumulation a;
	assert_int_equal(stats_accumulation_shape(burst, 12, &a), STATS_OK);
	assert_int_equal(a.shape, STATS_SHAPE_EXPONENTIAL);
	assert_true(a.doubling_time > 0 && a.doubling_time < 1);
}

int main(void)
{
	stats_init(); /* GSL's error handler off, as core_init does */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_match_statsmodels_glm_with_log_and_identity_links),
		cmocka_unit_test(
			test_identity_link_keeps_means_positive_when_the_mle_is_on_the_boundary),
		cmocka_unit_test(
			test_accumulation_shape_follows_the_aicc_and_likelihood_ratio_rule),
		cmocka_unit_test(test_fit_refuses_negative_counts_and_reports_all_zero_counts),
		cmocka_unit_test(test_shape_is_insufficient_below_eight_buckets_or_ten_events),
		cmocka_unit_test(test_a_burst_in_the_last_bucket_is_exponential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
