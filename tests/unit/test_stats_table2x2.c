/* Unit tests for core/stats/table2x2: risks, ratios, Fisher's exact test, Holm's adjustment and
 * the Mantel–Haenszel odds ratio against SciPy and statsmodels (tests/vectors/table2x2.json,
 * made by tests/vectors/gen_table2x2.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/table2x2.h"
#include "test_util.h"
#include "vectors.h"

#define RTOL 1e-9
/* Against SciPy, p-values below this are compared absolutely: SciPy 1.10 halves p near 1e-301
 * and underflows to 0 near 4e-306 (the generator's decimal reference shows it). */
#define P_ATOL 1e-300
/* Against the generator's 60-digit decimal evaluation of the same rule. */
#define EXACT_RTOL 1e-13

static struct stats_table2x2_counts counts_of(const cJSON *c)
{
	struct stats_table2x2_counts t = {
		(uint64_t)vectors_get(c, "a"), (uint64_t)vectors_get(c, "b"),
		(uint64_t)vectors_get(c, "c"), (uint64_t)vectors_get(c, "d")};
	return t;
}

static const char *name_of(const cJSON *c)
{
	return cJSON_GetObjectItem(c, "name")->valuestring;
}

static enum stats_status status_named(const char *s)
{
	if (strcmp(s, "ok") == 0)
		return STATS_OK;
	if (strcmp(s, "too_few") == 0)
		return STATS_TOO_FEW;
	if (strcmp(s, "undefined") == 0)
		return STATS_UNDEFINED;
	return STATS_INVALID_INPUT;
}

static void check(const char *name, const char *what, double got, double want, double atol)
{
	if (!test_close(got, want, RTOL, atol)) {
		print_error("%s %s: %.17g, want %.17g\n", name, what, got, want);
		fail();
	}
}

static void test_fisher_matches_scipy_and_the_exact_decimal_reference(void **state)
{
	(void)state;
	cJSON *root = vectors_load("table2x2");
	const cJSON *c;
	size_t checked = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "tables"))
	{
		struct stats_table2x2_counts t = counts_of(c);
		struct stats_table2x2_fisher f;
		assert_int_equal(stats_table2x2_fisher(&t, &f), STATS_OK);
		check(name_of(c), "fisher p vs scipy", f.p_value, vectors_get(c, "fisher_p"),
		      P_ATOL);
		double exact = vectors_get(c, "fisher_p_exact");
		if (!test_close(f.p_value, exact, EXACT_RTOL, 0)) {
			print_error("%s fisher p: %.17g, exact %.17g\n", name_of(c), f.p_value,
				    exact);
			fail();
		}
		assert_true(f.p_value >= 0 && f.p_value <= 1);
		checked++;
	}
	assert_true(checked > 100);
	cJSON_Delete(root);
}

static void test_risks_and_ratios_match_statsmodels_with_haldane_anscombe(void **state)
{
	(void)state;
	cJSON *root = vectors_load("table2x2");
	const cJSON *c;
	size_t corrected = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "tables"))
	{
		const char *name = name_of(c);
		struct stats_table2x2_counts t = counts_of(c);
		struct stats_table2x2 r;
		enum stats_status want =
			status_named(cJSON_GetObjectItem(c, "ratio_status")->valuestring);
		assert_int_equal(stats_table2x2(&t, &r), want);
		assert_int_equal(r.status, want);
		assert_int_equal(r.risk_ratio.status, want);
		assert_int_equal(r.odds_ratio.status, want);
		assert_int_equal(r.counts.a, t.a);
		assert_int_equal(r.counts.d, t.d);
		check(name, "fisher p", r.fisher.p_value, vectors_get(c, "fisher_p"), P_ATOL);

		double re = vectors_get(c, "risk_exposed"), ru = vectors_get(c, "risk_unexposed");
		assert_int_equal(r.risk_exposed.status, isnan(re) ? STATS_TOO_FEW : STATS_OK);
		assert_int_equal(r.risk_unexposed.status, isnan(ru) ? STATS_TOO_FEW : STATS_OK);
		check(name, "risk exposed", r.risk_exposed.estimate, re, 0);
		check(name, "risk unexposed", r.risk_unexposed.estimate, ru, 0);

		check(name, "rr", r.risk_ratio.estimate, vectors_get(c, "rr"), 0);
		check(name, "rr log se", r.risk_ratio.log_se, vectors_get(c, "rr_log_se"), 0);
		check(name, "rr lower", r.risk_ratio.lower, vectors_get(c, "rr_lower"), 0);
		check(name, "rr upper", r.risk_ratio.upper, vectors_get(c, "rr_upper"), 0);
		check(name, "or", r.odds_ratio.estimate, vectors_get(c, "or"), 0);
		check(name, "or log se", r.odds_ratio.log_se, vectors_get(c, "or_log_se"), 0);
		check(name, "or lower", r.odds_ratio.lower, vectors_get(c, "or_lower"), 0);
		check(name, "or upper", r.odds_ratio.upper, vectors_get(c, "or_upper"), 0);
		if (want == STATS_OK) {
			bool want_corrected = cJSON_IsTrue(cJSON_GetObjectItem(c, "corrected"));
			assert_int_equal(r.corrected, want_corrected);
			corrected += want_corrected;
		}
	}
	assert_true(corrected >= 10);
	cJSON_Delete(root);
}

static void test_haldane_anscombe_adds_a_half_to_every_cell(void **state)
{
	(void)state;
	/* 0 5 / 5 0 corrected is 0.5 5.5 / 5.5 0.5: OR = 0.25 / 30.25 (statsmodels' shift_zeros
	 * would give 0.25 / 25). */
	struct stats_table2x2_counts t = {0, 5, 5, 0};
	struct stats_table2x2 r;
	assert_int_equal(stats_table2x2(&t, &r), STATS_OK);
	assert_true(r.corrected);
	assert_close(r.odds_ratio.estimate, 0.25 / 30.25, 1e-15, 0);
	assert_close(r.risk_ratio.estimate, (0.5 / 6.0) / (5.5 / 6.0), 1e-15, 0);
	assert_close(r.odds_ratio.log_se, sqrt(2 / 0.5 + 2 / 5.5), 1e-15, 0);
	/* The risks stay raw. */
	assert_close(r.risk_exposed.estimate, 0.0, 0, 0);
	assert_close(r.risk_unexposed.estimate, 1.0, 0, 0);

	struct stats_table2x2_counts full = {12, 5, 3, 10};
	assert_int_equal(stats_table2x2(&full, &r), STATS_OK);
	assert_false(r.corrected);
	assert_close(r.odds_ratio.estimate, 8.0, 1e-15, 0);
}

static void test_empty_groups_and_outcome_columns_are_statuses(void **state)
{
	(void)state;
	struct stats_table2x2 r;
	struct stats_table2x2_counts empty_row = {0, 0, 4, 9};
	assert_int_equal(stats_table2x2(&empty_row, &r), STATS_TOO_FEW);
	assert_int_equal(r.risk_exposed.status, STATS_TOO_FEW);
	assert_true(isnan(r.risk_exposed.estimate));
	assert_int_equal(r.risk_unexposed.status, STATS_OK);
	assert_close(r.risk_unexposed.estimate, 4.0 / 13.0, 1e-15, 0);
	assert_true(isnan(r.risk_ratio.estimate) && isnan(r.odds_ratio.upper));
	assert_close(r.fisher.p_value, 1.0, 0, 0);

	struct stats_table2x2_counts no_outcome = {0, 8, 0, 9};
	assert_int_equal(stats_table2x2(&no_outcome, &r), STATS_UNDEFINED);
	assert_int_equal(r.odds_ratio.status, STATS_UNDEFINED);
	assert_int_equal(r.risk_ratio.status, STATS_UNDEFINED);
	assert_int_equal(r.risk_exposed.status, STATS_OK);
	assert_close(r.risk_exposed.estimate, 0.0, 0, 0);

	struct stats_table2x2_counts nothing = {0, 0, 0, 0};
	assert_int_equal(stats_table2x2(&nothing, &r), STATS_TOO_FEW);
	assert_close(r.fisher.p_value, 1.0, 0, 0);
}

static void test_fisher_on_a_million_per_cell_is_fast_and_sane(void **state)
{
	(void)state;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct stats_table2x2_fisher f;
	double prev = 2.0;
	/* p falls as the table moves away from independence. */
	for (uint64_t dlt = 0; dlt <= 20000; dlt += 500) {
		struct stats_table2x2_counts t = {1000000 + dlt, 1000000 - dlt, 1000000 - dlt,
						  1000000 + dlt};
		assert_int_equal(stats_table2x2_fisher(&t, &f), STATS_OK);
		assert_true(f.p_value <= prev);
		prev = f.p_value;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	assert_true(secs < 2.0); /* 41 tables; typically a few milliseconds */
	assert_close(f.p_value, 0.0, 0, 0);
}

static void test_fisher_is_symmetric_under_transposition_and_row_swap(void **state)
{
	(void)state;
	struct stats_table2x2_counts t = {7, 30, 12, 9}, tt = {7, 12, 30, 9}, sw = {12, 9, 7, 30};
	struct stats_table2x2_fisher f, ft, fs;
	stats_table2x2_fisher(&t, &f);
	stats_table2x2_fisher(&tt, &ft);
	stats_table2x2_fisher(&sw, &fs);
	assert_close(ft.p_value, f.p_value, 1e-14, 0);
	assert_close(fs.p_value, f.p_value, 1e-14, 0);
}

static void test_fisher_refuses_totals_past_its_limit(void **state)
{
	(void)state;
	struct stats_table2x2_counts t = {STATS_TABLE2X2_FISHER_MAX_TOTAL, 1, 1, 1};
	struct stats_table2x2_fisher f;
	assert_int_equal(stats_table2x2_fisher(&t, &f), STATS_INVALID_INPUT);
	assert_true(isnan(f.p_value));
	struct stats_table2x2 r;
	assert_int_equal(stats_table2x2(&t, &r), STATS_INVALID_INPUT);
	assert_int_equal(r.odds_ratio.status, STATS_OK);
}

static void test_holm_matches_statsmodels_multipletests(void **state)
{
	(void)state;
	cJSON *root = vectors_load("table2x2");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "holm"))
	{
		size_t n, m;
		double *p = vectors_array(cJSON_GetObjectItem(c, "p"), &n);
		double *want = vectors_array(cJSON_GetObjectItem(c, "adjusted"), &m);
		assert_int_equal(n, m);
		double *adj = xmalloc(n * sizeof(double));
		struct stats_table2x2_holm h;
		assert_int_equal(stats_table2x2_holm(p, n, adj, &h), STATS_OK);
		assert_int_equal(h.n, (size_t)vectors_get(c, "n"));
		assert_int_equal(h.n_missing, (size_t)vectors_get(c, "n_missing"));
		for (size_t i = 0; i < n; i++)
			check(name_of(c), "holm", adj[i], want[i], 0);
		/* In place. */
		assert_int_equal(stats_table2x2_holm(p, n, p, &h), STATS_OK);
		for (size_t i = 0; i < n; i++)
			check(name_of(c), "holm in place", p[i], want[i], 0);
		free(adj);
		free(p);
		free(want);
	}
	cJSON_Delete(root);
}

static void test_holm_refuses_p_outside_zero_one_and_empty_families(void **state)
{
	(void)state;
	double p[] = {0.01, 1.5, 0.2};
	double adj[3];
	struct stats_table2x2_holm h;
	assert_int_equal(stats_table2x2_holm(p, 3, adj, &h), STATS_INVALID_INPUT);
	assert_true(isnan(adj[0]) && isnan(adj[1]) && isnan(adj[2]));
	double neg[] = {-0.01};
	assert_int_equal(stats_table2x2_holm(neg, 1, adj, &h), STATS_INVALID_INPUT);
	double none[] = {NAN, NAN};
	assert_int_equal(stats_table2x2_holm(none, 2, adj, &h), STATS_TOO_FEW);
	assert_int_equal(h.n_missing, 2);
	assert_int_equal(stats_table2x2_holm(NULL, 0, adj, &h), STATS_TOO_FEW);
}

static void test_mantel_haenszel_matches_statsmodels_stratified_table(void **state)
{
	(void)state;
	cJSON *root = vectors_load("table2x2");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "mh"))
	{
		const cJSON *tabs = cJSON_GetObjectItem(c, "tables");
		size_t k = (size_t)cJSON_GetArraySize(tabs), s = 0;
		struct stats_table2x2_counts *t = xmalloc(k * sizeof(*t));
		const cJSON *row;
		cJSON_ArrayForEach(row, tabs)
		{
			size_t four;
			double *v = vectors_array(row, &four);
			assert_int_equal(four, 4);
			t[s].a = (uint64_t)v[0];
			t[s].b = (uint64_t)v[1];
			t[s].c = (uint64_t)v[2];
			t[s].d = (uint64_t)v[3];
			s++;
			free(v);
		}
		struct stats_table2x2_mh mh;
		enum stats_status want =
			status_named(cJSON_GetObjectItem(c, "status")->valuestring);
		assert_int_equal(stats_table2x2_mh(t, k, &mh), want);
		assert_int_equal(mh.k, (size_t)vectors_get(c, "k"));
		assert_int_equal(mh.k_empty, (size_t)vectors_get(c, "k_empty"));
		check(name_of(c), "mh or", mh.odds_ratio, vectors_get(c, "odds_ratio"), 0);
		check(name_of(c), "mh log se", mh.log_se, vectors_get(c, "log_se"), 0);
		check(name_of(c), "mh lower", mh.lower, vectors_get(c, "lower"), 0);
		check(name_of(c), "mh upper", mh.upper, vectors_get(c, "upper"), 0);
		free(t);
	}
	cJSON_Delete(root);
}

static void test_one_stratum_mantel_haenszel_is_the_crude_odds_ratio(void **state)
{
	(void)state;
	struct stats_table2x2_counts t = {12, 5, 3, 10};
	struct stats_table2x2_mh mh;
	struct stats_table2x2 r;
	assert_int_equal(stats_table2x2_mh(&t, 1, &mh), STATS_OK);
	stats_table2x2(&t, &r);
	assert_close(mh.odds_ratio, r.odds_ratio.estimate, 1e-14, 0);
	assert_close(mh.log_se, r.odds_ratio.log_se, 1e-14, 0);
}

static void test_tabulate_counts_flags_and_skips_nan(void **state)
{
	(void)state;
	double exposed[] = {1, 1, 0, 0, 1, NAN, 0, 1};
	double outcome[] = {1, 0, 1, 0, 1, 1, NAN, 0};
	struct stats_table2x2_tab tab;
	assert_int_equal(stats_table2x2_tabulate(exposed, outcome, 8, &tab), STATS_OK);
	assert_int_equal(tab.n, 6);
	assert_int_equal(tab.n_missing, 2);
	assert_int_equal(tab.counts.a, 2);
	assert_int_equal(tab.counts.b, 2);
	assert_int_equal(tab.counts.c, 1);
	assert_int_equal(tab.counts.d, 1);

	double bad[] = {1, 2};
	double ok[] = {0, 1};
	assert_int_equal(stats_table2x2_tabulate(bad, ok, 2, &tab), STATS_INVALID_INPUT);
	assert_int_equal(tab.counts.a + tab.counts.b + tab.counts.c + tab.counts.d, 0);
	double nan2[] = {NAN, NAN};
	assert_int_equal(stats_table2x2_tabulate(nan2, ok, 2, &tab), STATS_TOO_FEW);
	assert_int_equal(tab.n_missing, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fisher_matches_scipy_and_the_exact_decimal_reference),
		cmocka_unit_test(test_risks_and_ratios_match_statsmodels_with_haldane_anscombe),
		cmocka_unit_test(test_haldane_anscombe_adds_a_half_to_every_cell),
		cmocka_unit_test(test_empty_groups_and_outcome_columns_are_statuses),
		cmocka_unit_test(test_fisher_on_a_million_per_cell_is_fast_and_sane),
		cmocka_unit_test(test_fisher_is_symmetric_under_transposition_and_row_swap),
		cmocka_unit_test(test_fisher_refuses_totals_past_its_limit),
		cmocka_unit_test(test_holm_matches_statsmodels_multipletests),
		cmocka_unit_test(test_holm_refuses_p_outside_zero_one_and_empty_families),
		cmocka_unit_test(test_mantel_haenszel_matches_statsmodels_stratified_table),
		cmocka_unit_test(test_one_stratum_mantel_haenszel_is_the_crude_odds_ratio),
		cmocka_unit_test(test_tabulate_counts_flags_and_skips_nan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
