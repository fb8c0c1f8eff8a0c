/* Unit tests for core/stats/kappa against tests/vectors/kappa.json (exact rational reference,
 * tests/vectors/gen_kappa.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/kappa.h"
#include "test_util.h"
#include "vectors.h"
#include "splitmix.h"

/* The C code rounds exact integer ratios once, like the reference. */
#define RTOL 1e-15

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static size_t json_size(const cJSON *obj, const char *name)
{
	return (size_t)vectors_get(obj, name);
}

static void check(const cJSON *c, const struct stats_kappa *k, enum stats_status st)
{
	const char *name = json_str(c, "name");
	if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
		fail_msg("%s: status %s, expected %s", name, stats_status_name(st),
			 json_str(c, "status"));
	assert_int_equal(k->status, st);
	assert_int_equal(k->n, json_size(c, "n"));
	assert_int_equal(k->n_missing, json_size(c, "n_missing"));
	assert_int_equal(k->n_categories, json_size(c, "n_categories"));
	assert_int_equal(k->agreements, json_size(c, "agreements"));
	if (st != STATS_OK) {
		assert_non_null(k->reason);
		assert_true(isnan(k->kappa) && isnan(k->po) && isnan(k->pe));
		return;
	}
	assert_null(k->reason);
	assert_close(k->po, vectors_get(c, "po"), RTOL, 0);
	assert_close(k->pe, vectors_get(c, "pe"), RTOL, 0);
	assert_close(k->kappa, vectors_get(c, "kappa"), RTOL, 1e-17);
}

static void case_labels(const cJSON *c, double **a, double **b, size_t *n)
{
	const cJSON *rule = cJSON_GetObjectItemCaseSensitive(c, "rule");
	size_t nb;
	if (!rule) {
		*a = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "a"), n);
		*b = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "b"), &nb);
		assert_int_equal(*n, nb);
		return;
	}
	*n = json_size(rule, "n");
	*a = malloc(*n * sizeof(**a));
	*b = malloc(*n * sizeof(**b));
	splitmix_pairs(json_str(rule, "kind"), *n, (uint64_t)vectors_get(rule, "seed_x"),
		       (uint64_t)vectors_get(rule, "seed_y"), (uint64_t)vectors_get(rule, "mod_x"),
		       (uint64_t)vectors_get(rule, "mod_y"), 0, 0, *a, *b);
}

static void test_kappa_matches_the_exact_reference(void **state)
{
	(void)state;
	cJSON *root = vectors_load("kappa");
	const cJSON *c;
	int cases = 0, integer_cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "kappa"))
	{
		size_t n;
		double *a, *b;
		case_labels(c, &a, &b, &n);
		struct stats_kappa k;
		check(c, &k, stats_kappa(a, b, n, &k));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "integer_labels"))) {
			int64_t *ia = malloc((n ? n : 1) * sizeof(*ia));
			int64_t *ib = malloc((n ? n : 1) * sizeof(*ib));
			for (size_t i = 0; i < n; i++) {
				ia[i] = (int64_t)a[i];
				ib[i] = (int64_t)b[i];
			}
			check(c, &k, stats_kappa_int(ia, ib, n, &k));
			free(ia);
			free(ib);
			integer_cases++;
		}
		free(a);
		free(b);
		cases++;
	}
	assert_true(cases >= 18);
	assert_true(integer_cases >= 14);
	cJSON_Delete(root);
}

static void test_exceedance_kappa_matches_the_exact_reference(void **state)
{
	(void)state;
	cJSON *root = vectors_load("kappa");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "exceedance"))
	{
		size_t n, ny;
		double *x = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "x"), &n);
		double *y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &ny);
		assert_int_equal(n, ny);
		struct stats_kappa k;
		check(c, &k,
		      stats_kappa_exceedance(x, vectors_get(c, "x_threshold"), y,
					     vectors_get(c, "y_threshold"), n, &k));
		free(x);
		free(y);
		cases++;
	}
	assert_true(cases >= 5);
	cJSON_Delete(root);
}

static void test_constant_raters_on_one_label_are_undefined_with_a_reason(void **state)
{
	(void)state;
	int64_t a[] = {3, 3, 3, 3}, b[] = {3, 3, 3, 3};
	struct stats_kappa k;
	assert_int_equal(stats_kappa_int(a, b, 4, &k), STATS_UNDEFINED);
	assert_non_null(k.reason);
	assert_non_null(strstr(k.reason, "expected agreement is 1"));
	assert_true(isnan(k.kappa));
	assert_int_equal(k.agreements, 4);
	double x[] = {0, 1}, y[] = {0, 1};
	assert_int_equal(stats_kappa_exceedance(x, 5, y, 5, 2, &k), STATS_UNDEFINED);
	assert_int_equal(stats_kappa_exceedance(x, NAN, y, 5, 2, &k), STATS_INVALID_INPUT);
}

static void test_extreme_integer_labels_do_not_collide(void **state)
{
	(void)state;
	int64_t a[] = {INT64_MIN, INT64_MAX, 0, -1}, b[] = {INT64_MIN, INT64_MAX, -1, 0};
	struct stats_kappa k;
	assert_int_equal(stats_kappa_int(a, b, 4, &k), STATS_OK);
	assert_int_equal(k.n_categories, 4);
	assert_int_equal(k.agreements, 2);
	/* po = 1/2, pe = 4 / 16: kappa = (1/2 - 1/4) / (3/4) = 1/3 */
	assert_close(k.kappa, 1.0 / 3.0, 1e-15, 0);
}

int main(void)
{
	stats_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kappa_matches_the_exact_reference),
		cmocka_unit_test(test_exceedance_kappa_matches_the_exact_reference),
		cmocka_unit_test(test_constant_raters_on_one_label_are_undefined_with_a_reason),
		cmocka_unit_test(test_extreme_integer_labels_do_not_collide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
