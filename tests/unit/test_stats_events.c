/* Unit tests for core/stats/events against tests/vectors/events.json (brute-force maximum
 * matching and an exact-rational crossing scan, tests/vectors/gen_events.py). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "stats/events.h"
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

static void expect_status(const cJSON *c, enum stats_status st)
{
	if (strcmp(stats_status_name(st), json_str(c, "status")) != 0)
		fail_msg("%s: status %s, expected %s", json_str(c, "name"), stats_status_name(st),
			 json_str(c, "status"));
}

/* A score and its status: NAN with STATS_UNDEFINED where the reference has null. */
static void check_score(double got, enum stats_status st, double want)
{
	if (isnan(want)) {
		assert_int_equal(st, STATS_UNDEFINED);
		assert_true(isnan(got));
	} else {
		assert_int_equal(st, STATS_OK);
		assert_close(got, want, 1e-15, 0);
	}
}

/* The pairs are one-to-one, within the tolerance, and in ascending order. */
static void check_pairs(const double *ref, const double *det, double tol,
			const struct stats_event_pair *pairs, size_t matched)
{
	for (size_t k = 0; k < matched; k++) {
		assert_true(fabs(det[pairs[k].detected] - ref[pairs[k].reference]) <= tol);
		if (k > 0) {
			assert_true(pairs[k].reference > pairs[k - 1].reference);
			assert_true(pairs[k].detected > pairs[k - 1].detected);
		}
	}
}

static void test_matching_is_as_large_as_the_brute_force_maximum(void **state)
{
	(void)state;
	cJSON *root = vectors_load("events");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "match"))
	{
		size_t nr, nd;
		double *ref = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "reference"), &nr);
		double *det = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "detected"), &nd);
		double tol = vectors_get(c, "tolerance");
		struct stats_event_pair *pairs = malloc((nr + nd + 1) * sizeof(*pairs));
		struct stats_event_match m;
		enum stats_status st = stats_events_match(ref, nr, det, nd, tol, pairs, &m);
		expect_status(c, st);
		cases++;
		if (st == STATS_OK) {
			assert_int_equal(m.n_reference, json_size(c, "n_reference"));
			assert_int_equal(m.n_detected, json_size(c, "n_detected"));
			assert_int_equal(m.n_missing, json_size(c, "n_missing"));
			if (m.matched != json_size(c, "matched"))
				fail_msg("%s: %zu matched, maximum %zu", json_str(c, "name"),
					 m.matched, json_size(c, "matched"));
			check_score(m.precision, m.precision_status, vectors_get(c, "precision"));
			check_score(m.recall, m.recall_status, vectors_get(c, "recall"));
			check_score(m.f1, m.f1_status, vectors_get(c, "f1"));
			check_pairs(ref, det, tol, pairs, m.matched);
		} else {
			assert_true(isnan(m.precision) && isnan(m.recall) && isnan(m.f1));
		}
		free(pairs);
		free(ref);
		free(det);
	}
	assert_true(cases >= 55);
	cJSON_Delete(root);
}

static enum stats_crossing_direction direction_of(const char *name)
{
	if (strcmp(name, "up") == 0)
		return STATS_CROSSING_UP;
	if (strcmp(name, "down") == 0)
		return STATS_CROSSING_DOWN;
	return STATS_CROSSING_BOTH;
}

static void test_crossings_match_the_exact_scan(void **state)
{
	(void)state;
	cJSON *root = vectors_load("events");
	const cJSON *c;
	int cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "crossings"))
	{
		size_t n, nt;
		double *y = vectors_array(cJSON_GetObjectItemCaseSensitive(c, "y"), &n);
		const cJSON *jt = cJSON_GetObjectItemCaseSensitive(c, "time");
		double *t = cJSON_IsArray(jt) ? vectors_array(jt, &nt) : NULL;
		struct stats_crossing_options opt = {
			.threshold = vectors_get(c, "threshold"),
			.direction = direction_of(json_str(c, "direction")),
			.step = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "step")),
		};
		struct stats_crossing *found = malloc((n + 1) * sizeof(*found));
		struct stats_crossings out;
		enum stats_status st = stats_crossings(t, y, n, &opt, found, n + 1, &out);
		expect_status(c, st);
		cases++;
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "crossings");
		if (st == STATS_OK) {
			assert_int_equal(out.n, json_size(c, "n"));
			assert_int_equal(out.n_missing, json_size(c, "n_missing"));
			assert_int_equal(out.n_crossings, (size_t)cJSON_GetArraySize(want));
			assert_int_equal(out.n_written, out.n_crossings);
			size_t k = 0;
			const cJSON *w;
			cJSON_ArrayForEach(w, want)
			{
				assert_close(found[k].time, vectors_get(w, "time"), RTOL, 0);
				assert_int_equal(found[k].index, json_size(w, "index"));
				assert_int_equal(found[k].direction,
						 (int)vectors_get(w, "direction"));
				k++;
			}
		} else {
			assert_int_equal(out.n_crossings, 0);
		}
		free(found);
		free(t);
		free(y);
	}
	assert_true(cases >= 16);
	cJSON_Delete(root);
}

static void test_a_hundred_thousand_samples_cross_as_the_reference_says(void **state)
{
	(void)state;
	cJSON *root = vectors_load("events");
	const cJSON *big = cJSON_GetObjectItemCaseSensitive(root, "crossings_big");
	size_t n = json_size(big, "n");
	double *y = malloc(n * sizeof(*y));
	struct splitmix s = {(uint64_t)vectors_get(big, "seed")};
	y[0] = 0.0;
	for (size_t i = 1; i < n; i++)
		y[i] = 0.5 * y[i - 1] + (splitmix_uniform(&s) - 0.5);
	struct stats_crossing_options opt = {vectors_get(big, "threshold"), STATS_CROSSING_BOTH,
					     false};
	struct stats_crossing *found = malloc(n * sizeof(*found));
	struct stats_crossings out;
	assert_int_equal(stats_crossings(NULL, y, n, &opt, found, n, &out), STATS_OK);
	assert_int_equal(out.n_crossings, json_size(big, "n_crossings"));
	double sum = 0;
	for (size_t k = 0; k < out.n_written; k++)
		sum += found[k].time;
	assert_close(sum, vectors_get(big, "sum_time"), RTOL, 0);
	const cJSON *w;
	size_t k = 0;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(big, "first"))
	{
		assert_close(found[k].time, vectors_get(w, "time"), RTOL, 0);
		assert_int_equal(found[k++].index, json_size(w, "index"));
	}
	k = out.n_written -
	    (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(big, "last"));
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(big, "last"))
	{
		assert_close(found[k].time, vectors_get(w, "time"), RTOL, 0);
		assert_int_equal(found[k++].index, json_size(w, "index"));
	}
	/* counting only, and a short buffer */
	struct stats_crossings counted;
	assert_int_equal(stats_crossings(NULL, y, n, &opt, NULL, 0, &counted), STATS_OK);
	assert_int_equal(counted.n_crossings, out.n_crossings);
	assert_int_equal(counted.n_written, 0);
	assert_int_equal(stats_crossings(NULL, y, n, &opt, found, 5, &counted), STATS_OK);
	assert_int_equal(counted.n_written, 5);
	free(found);
	free(y);
	cJSON_Delete(root);
}

static void test_greedy_nearest_pairing_is_beaten_by_the_scan(void **state)
{
	(void)state;
	/* nearest first pairs 1 with 0.9 and leaves 0 and 1.95 apart (1.95 > 1) */
	double ref[] = {0, 1}, det[] = {0.9, 1.95};
	struct stats_event_pair pairs[2];
	struct stats_event_match m;
	assert_int_equal(stats_events_match(ref, 2, det, 2, 1.0, pairs, &m), STATS_OK);
	assert_int_equal(m.matched, 2);
	assert_int_equal(pairs[0].reference, 0);
	assert_int_equal(pairs[0].detected, 0);
	assert_int_equal(pairs[1].reference, 1);
	assert_int_equal(pairs[1].detected, 1);
	assert_close(m.f1, 1.0, 0, 0);
}

static void test_step_mode_reports_the_first_sample_on_the_new_side(void **state)
{
	(void)state;
	double y[] = {0, 0.5, 2, 3, 1}, t[] = {10, 11, 12, 13, 14};
	struct stats_crossing found[4];
	struct stats_crossings out;
	struct stats_crossing_options opt = {1.0, STATS_CROSSING_BOTH, true};
	assert_int_equal(stats_crossings(t, y, 5, &opt, found, 4, &out), STATS_OK);
	assert_int_equal(out.n_crossings, 1); /* y = 1 at the end is "above" (>=) */
	assert_int_equal(found[0].index, 2);
	assert_close(found[0].time, 12, 0, 0);
	opt.step = false;
	assert_int_equal(stats_crossings(t, y, 5, &opt, found, 4, &out), STATS_OK);
	assert_close(found[0].time, 11 + 0.5 / 1.5, 1e-15, 0);
	assert_int_equal(found[0].direction, 1);
	opt.threshold = INFINITY;
	assert_int_equal(stats_crossings(t, y, 5, &opt, found, 4, &out), STATS_INVALID_INPUT);
	opt.threshold = 1;
	opt.direction = (enum stats_crossing_direction)0;
	assert_int_equal(stats_crossings(t, y, 5, &opt, found, 4, &out), STATS_INVALID_INPUT);
}

int main(void)
{
	stats_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching_is_as_large_as_the_brute_force_maximum),
		cmocka_unit_test(test_crossings_match_the_exact_scan),
		cmocka_unit_test(test_a_hundred_thousand_samples_cross_as_the_reference_says),
		cmocka_unit_test(test_greedy_nearest_pairing_is_beaten_by_the_scan),
		cmocka_unit_test(test_step_mode_reports_the_first_sample_on_the_new_side),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
