/* Unit tests for core/stats/km: the Kaplan–Meier curve, quantiles, median and restricted mean
 * against R's survival package (tests/vectors/km.json, made by tests/vectors/gen_km.R). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/km.h"
#include "test_util.h"
#include "vectors.h"

#define RTOL 1e-9

/* Fits one vector case; the caller frees *points. */
static void fit_case(const cJSON *c, struct stats_km *fit, struct stats_km_point **points)
{
	size_t n, ne;
	double *time = vectors_array(cJSON_GetObjectItem(c, "time"), &n);
	double *event = vectors_array(cJSON_GetObjectItem(c, "event"), &ne);
	assert_int_equal(n, ne);
	*points = xmalloc(n * sizeof(**points));
	assert_int_equal(stats_km_fit(time, event, n, *points, fit), STATS_OK);
	free(time);
	free(event);
}

static const char *case_name(const cJSON *c)
{
	return cJSON_GetObjectItem(c, "name")->valuestring;
}

/* status must be STATS_UNDEFINED exactly when the reference is NA (null). */
static void assert_value(enum stats_status status, double got, double want, const char *name,
			 const char *what, double p)
{
	if (isnan(want)) {
		if (status != STATS_UNDEFINED || !isnan(got)) {
			print_error("%s %s (p = %.17g): want undefined, got %s %.17g\n", name, what,
				    p, stats_status_name(status), got);
			fail();
		}
		return;
	}
	if (status != STATS_OK) {
		print_error("%s %s (p = %.17g): want %.17g, got %s\n", name, what, p, want,
			    stats_status_name(status));
		fail();
	}
	if (!test_close(got, want, RTOL, 0)) {
		print_error("%s %s (p = %.17g): %.17g, want %.17g\n", name, what, p, got, want);
		fail();
	}
}

static void test_the_curve_matches_r_survfit_on_every_case(void **state)
{
	(void)state;
	cJSON *root = vectors_load("km");
	const cJSON *c;
	size_t cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
	{
		struct stats_km fit;
		struct stats_km_point *pt;
		fit_case(c, &fit, &pt);
		assert_int_equal(fit.n, (size_t)vectors_get(c, "n"));
		assert_int_equal(fit.n_missing, (size_t)vectors_get(c, "n_missing"));
		assert_int_equal(fit.n_events, (uint64_t)vectors_get(c, "n_events"));
		assert_ptr_equal(fit.points, pt);
		const cJSON *curve = cJSON_GetObjectItem(c, "curve");
		static const char *const fields[] = {"time",	    "n_risk", "n_event",
						     "n_censor",    "surv",   "std_err",
						     "std_err_log", "lower",  "upper"};
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
			size_t m;
			double *want = vectors_array(cJSON_GetObjectItem(curve, fields[f]), &m);
			assert_int_equal(fit.n_points, m);
			for (size_t i = 0; i < m; i++) {
				const struct stats_km_point *p = &pt[i];
				double got = f == 0   ? p->time
					     : f == 1 ? (double)p->n_risk
					     : f == 2 ? (double)p->n_event
					     : f == 3 ? (double)p->n_censor
					     : f == 4 ? p->surv
					     : f == 5 ? p->std_err
					     : f == 6 ? p->std_err_log
					     : f == 7 ? p->lower
						      : p->upper;
				if (!test_close(got, want[i], RTOL, 0)) {
					print_error("%s row %zu %s: %.17g, want %.17g\n",
						    case_name(c), i, fields[f], got, want[i]);
					fail();
				}
			}
			free(want);
		}
		free(pt);
		cases++;
	}
	assert_true(cases >= 20);
	cJSON_Delete(root);
}

static void test_quantiles_match_r_quantile_survfit(void **state)
{
	(void)state;
	cJSON *root = vectors_load("km");
	const cJSON *c;
	size_t checked = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
	{
		struct stats_km fit;
		struct stats_km_point *pt;
		fit_case(c, &fit, &pt);
		const cJSON *q;
		cJSON_ArrayForEach(q, cJSON_GetObjectItem(c, "quantiles"))
		{
			double p = vectors_get(q, "p");
			struct stats_km_quantile out;
			stats_km_quantile(&fit, p, &out);
			assert_close(out.p, p, 0, 0);
			assert_value(out.status, out.estimate, vectors_get(q, "estimate"),
				     case_name(c), "quantile", p);
			assert_value(out.lower_status, out.lower, vectors_get(q, "lower"),
				     case_name(c), "quantile lower", p);
			assert_value(out.upper_status, out.upper, vectors_get(q, "upper"),
				     case_name(c), "quantile upper", p);
			checked++;
		}
		free(pt);
	}
	assert_true(checked > 150);
	cJSON_Delete(root);
}

static void test_the_median_matches_r_print_survfit(void **state)
{
	(void)state;
	cJSON *root = vectors_load("km");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
	{
		struct stats_km fit;
		struct stats_km_point *pt;
		fit_case(c, &fit, &pt);
		const cJSON *m = cJSON_GetObjectItem(c, "median");
		struct stats_km_quantile out;
		stats_km_median(&fit, &out);
		assert_close(out.p, 0.5, 0, 0);
		assert_value(out.status, out.estimate, vectors_get(m, "estimate"), case_name(c),
			     "median", 0.5);
		assert_value(out.lower_status, out.lower, vectors_get(m, "lower"), case_name(c),
			     "median lower", 0.5);
		assert_value(out.upper_status, out.upper, vectors_get(m, "upper"), case_name(c),
			     "median upper", 0.5);
		free(pt);
	}
	cJSON_Delete(root);
}

static void test_the_restricted_mean_matches_r_survmean(void **state)
{
	(void)state;
	cJSON *root = vectors_load("km");
	const cJSON *c;
	size_t checked = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
	{
		struct stats_km fit;
		struct stats_km_point *pt;
		fit_case(c, &fit, &pt);
		const cJSON *r;
		cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rmean"))
		{
			double tau = vectors_get(r, "tau");
			struct stats_km_rmean out;
			assert_int_equal(stats_km_rmean(&fit, tau, &out), STATS_OK);
			double want = vectors_get(r, "estimate"),
			       want_se = vectors_get(r, "std_err");
			if (!test_close(out.estimate, want, RTOL, 0) ||
			    !test_close(out.std_err, want_se, RTOL, 1e-14 * want)) {
				print_error(
					"%s tau %.17g: rmean %.17g se %.17g, want %.17g se %.17g\n",
					case_name(c), tau, out.estimate, out.std_err, want,
					want_se);
				fail();
			}
			checked++;
		}
		free(pt);
	}
	assert_true(checked > 100);
	cJSON_Delete(root);
}

static void test_nan_durations_and_flags_are_skipped_and_counted(void **state)
{
	(void)state;
	double time[] = {1, NAN, 2, 3, INFINITY, 4};
	double event[] = {1, 1, NAN, 1, 1, 0};
	struct stats_km_point pt[6];
	struct stats_km fit;
	assert_int_equal(stats_km_fit(time, event, 6, pt, &fit), STATS_OK);
	assert_int_equal(fit.n, 3);
	assert_int_equal(fit.n_missing, 3);
	assert_int_equal(fit.n_events, 2);
	assert_int_equal(fit.n_points, 3);
	assert_close(pt[0].surv, 2.0 / 3.0, 1e-15, 0);
	assert_close(pt[1].surv, 1.0 / 3.0, 1e-15, 0);
	assert_close(pt[2].surv, 1.0 / 3.0, 1e-15, 0);
}

static void test_an_undefined_median_is_a_status_not_a_number(void **state)
{
	(void)state;
	double time[] = {3, 1, 4, 1, 5};
	double event[] = {0, 0, 0, 0, 0};
	struct stats_km_point pt[5];
	struct stats_km fit;
	assert_int_equal(stats_km_fit(time, event, 5, pt, &fit), STATS_OK);
	assert_int_equal(fit.n_points, 4);
	assert_close(pt[3].surv, 1.0, 0, 0);
	assert_true(isnan(pt[3].lower) && isnan(pt[3].upper));
	struct stats_km_quantile q;
	assert_int_equal(stats_km_median(&fit, &q), STATS_UNDEFINED);
	assert_true(isnan(q.estimate) && isnan(q.lower) && isnan(q.upper));
	assert_int_equal(stats_km_quantile(&fit, 0.5, &q), STATS_UNDEFINED);
	assert_true(isnan(q.estimate));
	/* Even p = 0: R's end-of-curve rule (1 - S ends within tol of p) takes the midpoint of
	 * an undefined time and the last one. */
	assert_int_equal(stats_km_quantile(&fit, 0, &q), STATS_UNDEFINED);
	assert_true(isnan(q.estimate));

	/* Once the curve has fallen, p = 0 is time 0. */
	event[4] = 1;
	assert_int_equal(stats_km_fit(time, event, 5, pt, &fit), STATS_OK);
	assert_int_equal(stats_km_quantile(&fit, 0, &q), STATS_OK);
	assert_close(q.estimate, 0, 0, 0);
}

static void test_a_flat_stretch_at_one_half_gives_rs_midpoints(void **state)
{
	(void)state;
	/* S = 5/6, 4/6, 3/6 at 1, 2, 3; censored at 4; 1/4 at 5; 0 at 6. */
	double time[] = {1, 2, 3, 4, 5, 6};
	double event[] = {1, 1, 1, 0, 1, 1};
	struct stats_km_point pt[6];
	struct stats_km fit;
	stats_km_fit(time, event, 6, pt, &fit);
	struct stats_km_quantile q;
	assert_int_equal(stats_km_median(&fit, &q), STATS_OK);
	assert_close(q.estimate, 4.0, 0, 0); /* (3 + 5) / 2 */
	assert_int_equal(stats_km_quantile(&fit, 0.5, &q), STATS_OK);
	assert_close(q.estimate, 4.0, 0, 0);

	/* Ending flat at 0.5: print.survfit gives 2, quantile.survfit (2 + 4) / 2. */
	double t2[] = {1, 2, 3, 4};
	double e2[] = {1, 1, 0, 0};
	stats_km_fit(t2, e2, 4, pt, &fit);
	assert_int_equal(stats_km_median(&fit, &q), STATS_OK);
	assert_close(q.estimate, 2.0, 0, 0);
	assert_int_equal(stats_km_quantile(&fit, 0.5, &q), STATS_OK);
	assert_close(q.estimate, 3.0, 0, 0);
	assert_int_equal(q.upper_status, STATS_UNDEFINED);
}

static void test_greenwood_error_is_nan_and_log_error_infinite_once_survival_is_zero(void **state)
{
	(void)state;
	double time[] = {1, 2};
	double event[] = {1, 1};
	struct stats_km_point pt[2];
	struct stats_km fit;
	stats_km_fit(time, event, 2, pt, &fit);
	assert_close(pt[0].surv, 0.5, 0, 0);
	assert_close(pt[0].std_err_log, sqrt(1.0 / 2.0), 1e-15, 0);
	assert_close(pt[0].std_err, 0.5 * sqrt(0.5), 1e-15, 0);
	assert_close(pt[1].surv, 0.0, 0, 0);
	assert_true(isinf(pt[1].std_err_log));
	assert_true(isnan(pt[1].std_err));
	assert_true(isnan(pt[1].lower) && isnan(pt[1].upper));
}

static void test_no_usable_observation_is_too_few(void **state)
{
	(void)state;
	double time[] = {NAN, 2};
	double event[] = {1, NAN};
	struct stats_km_point pt[2];
	struct stats_km fit;
	assert_int_equal(stats_km_fit(time, event, 2, pt, &fit), STATS_TOO_FEW);
	assert_int_equal(fit.n_missing, 2);
	assert_int_equal(fit.n_points, 0);
	assert_int_equal(stats_km_fit(NULL, NULL, 0, pt, &fit), STATS_TOO_FEW);

	/* The failure carries over to what is computed from the fit. */
	struct stats_km_quantile q;
	assert_int_equal(stats_km_quantile(&fit, 0.5, &q), STATS_TOO_FEW);
	assert_int_equal(q.lower_status, STATS_TOO_FEW);
	assert_true(isnan(q.estimate) && isnan(q.upper));
	assert_int_equal(stats_km_median(&fit, &q), STATS_TOO_FEW);
	struct stats_km_rmean r;
	assert_int_equal(stats_km_rmean(&fit, 10, &r), STATS_TOO_FEW);
	assert_true(isnan(r.estimate) && isnan(r.std_err));
}

static void test_negative_durations_and_other_flags_are_invalid_input(void **state)
{
	(void)state;
	struct stats_km_point pt[2];
	struct stats_km fit;
	double t_neg[] = {1, -0.5};
	double e_ok[] = {1, 1};
	assert_int_equal(stats_km_fit(t_neg, e_ok, 2, pt, &fit), STATS_INVALID_INPUT);
	assert_int_equal(fit.n_points, 0);
	double t_ok[] = {1, 2};
	double e_two[] = {1, 2};
	assert_int_equal(stats_km_fit(t_ok, e_two, 2, pt, &fit), STATS_INVALID_INPUT);
	double e_half[] = {0.5, 1};
	assert_int_equal(stats_km_fit(t_ok, e_half, 2, pt, &fit), STATS_INVALID_INPUT);
}

static void test_quantile_p_outside_zero_one_and_bad_tau_are_invalid_input(void **state)
{
	(void)state;
	double time[] = {1, 2, 3};
	double event[] = {1, 1, 1};
	struct stats_km_point pt[3];
	struct stats_km fit;
	stats_km_fit(time, event, 3, pt, &fit);
	struct stats_km_quantile q;
	assert_int_equal(stats_km_quantile(&fit, -0.1, &q), STATS_INVALID_INPUT);
	assert_int_equal(stats_km_quantile(&fit, 1.1, &q), STATS_INVALID_INPUT);
	assert_int_equal(stats_km_quantile(&fit, NAN, &q), STATS_INVALID_INPUT);
	assert_true(isnan(q.estimate));
	struct stats_km_rmean r;
	assert_int_equal(stats_km_rmean(&fit, -1, &r), STATS_INVALID_INPUT);
	assert_int_equal(stats_km_rmean(&fit, INFINITY, &r), STATS_INVALID_INPUT);
	assert_int_equal(stats_km_rmean(&fit, NAN, &r), STATS_INVALID_INPUT);
	assert_true(isnan(r.estimate));
}

static void test_rmean_is_the_area_under_the_step_function(void **state)
{
	(void)state;
	/* S = 1 on [0, 2), 2/3 on [2, 5), 1/3 on [5, 7), 0 from 7. */
	double time[] = {2, 5, 7};
	double event[] = {1, 1, 1};
	struct stats_km_point pt[3];
	struct stats_km fit;
	stats_km_fit(time, event, 3, pt, &fit);
	struct stats_km_rmean r;
	assert_int_equal(stats_km_rmean(&fit, 1.5, &r), STATS_OK);
	assert_close(r.estimate, 1.5, 1e-15, 0);
	assert_close(r.std_err, 0, 0, 0);
	assert_int_equal(stats_km_rmean(&fit, 6, &r), STATS_OK);
	assert_close(r.estimate, 2 + 3 * 2.0 / 3.0 + 1.0 / 3.0, 1e-15, 0);
	/* A_1 = 2 + 1/3 from t = 2, A_2 = 1/3 from t = 5; h = 1/(3*2), 1/(2*1). */
	double var = (7.0 / 3.0) * (7.0 / 3.0) / 6.0 + (1.0 / 3.0) * (1.0 / 3.0) / 2.0;
	assert_close(r.std_err, sqrt(var), 1e-14, 0);
	assert_int_equal(stats_km_rmean(&fit, 100, &r), STATS_OK);
	assert_close(r.estimate, 2 + 3 * 2.0 / 3.0 + 2 * 1.0 / 3.0, 1e-15, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_curve_matches_r_survfit_on_every_case),
		cmocka_unit_test(test_quantiles_match_r_quantile_survfit),
		cmocka_unit_test(test_the_median_matches_r_print_survfit),
		cmocka_unit_test(test_the_restricted_mean_matches_r_survmean),
		cmocka_unit_test(test_nan_durations_and_flags_are_skipped_and_counted),
		cmocka_unit_test(test_an_undefined_median_is_a_status_not_a_number),
		cmocka_unit_test(test_a_flat_stretch_at_one_half_gives_rs_midpoints),
		cmocka_unit_test(
			test_greenwood_error_is_nan_and_log_error_infinite_once_survival_is_zero),
		cmocka_unit_test(test_no_usable_observation_is_too_few),
		cmocka_unit_test(test_negative_durations_and_other_flags_are_invalid_input),
		cmocka_unit_test(test_quantile_p_outside_zero_one_and_bad_tau_are_invalid_input),
		cmocka_unit_test(test_rmean_is_the_area_under_the_step_function),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
