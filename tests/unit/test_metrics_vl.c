/* Unit tests for core/metrics_vl.c: Validation Lag over hand-built registers
 * with hand-derived values (ties, a closure before effective, ungated
 * changes, all open, none in the window), and the Kaplan–Meier figures of
 * registers against R's survival package (tests/vectors/metrics.json, made by
 * tests/vectors/gen_metrics.R). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "metrics.h"
#include "rtime.h"
#include "test_util.h"
#include "vectors.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
/* 2026-02-01T00:00:00Z */
#define FROM (INT64_C(1769904000) * USEC)

static struct metric_change change(int64_t eff, int64_t closed, int gated)
{
	struct metric_change c;
	memset(&c, 0, sizeof(c));
	c.effective_at = eff;
	c.closed_at = closed;
	c.gated = gated;
	c.impact = IMPACT_HIGH;
	c.first_bypass_at = RTIME_NONE;
	return c;
}

#define OPEN RTIME_NONE

/* The register of gen_metrics.R's "hand_mixed": lags 2h, 4h, open, closure
 * 2h before effective (0), 6h, ungated, one before the window, 2h (a tie). */
static size_t hand_mixed(struct metric_change *c)
{
	size_t n = 0;
	c[n++] = change(FROM + 0 * HOUR, FROM + 2 * HOUR, 1);
	c[n++] = change(FROM + 1 * HOUR, FROM + 5 * HOUR, 1);
	c[n++] = change(FROM + 2 * HOUR, OPEN, 1);
	c[n++] = change(FROM + 3 * HOUR, FROM + 1 * HOUR, 1);
	c[n++] = change(FROM + 4 * HOUR, FROM + 10 * HOUR, 1);
	c[n++] = change(FROM + 5 * HOUR, OPEN, 0);
	c[n++] = change(FROM - 1 * HOUR, OPEN, 1);
	c[n++] = change(FROM + 6 * HOUR, FROM + 8 * HOUR, 1);
	return n;
}

static void test_a_mixed_register_gives_the_hand_derived_figures(void **state)
{
	(void)state;
	struct metric_change c[8];
	size_t n = hand_mixed(c);
	struct metrics_window w = {FROM, FROM + 10 * DAY, FROM + 10 * DAY};
	struct metrics_vl vl;
	metrics_vl(c, n, &w, &vl);
	assert_int_equal(vl.n, 6);
	assert_int_equal(vl.n_closed, 5);
	assert_int_equal(vl.n_open, 1);
	assert_int_equal(vl.n_ungated, 1);
	assert_int_equal(vl.n_closed_before_effective, 1);
	/* lags 0, 2h, 2h, 4h, 6h and one censored at 238h: S = 5/6, 1/2, 1/3, 1/6. S is 1/2
	 * from 2h to 4h: the median is the midpoint, 3h */
	assert_int_equal(vl.median.status, STATS_OK);
	assert_close(vl.median.estimate, 10800, 1e-12, 0);
	/* 1 - S never reaches 0.9 */
	assert_int_equal(vl.p90.status, STATS_UNDEFINED);
	assert_true(isnan(vl.p90.estimate));
	/* tau: the longest follow-up, the open change's 238h (not the 240h window);
	 * area: 2h * 5/6 + 2h * 1/2 + 2h * 1/3 + (238h - 6h) * 1/6 = 151200 s */
	assert_int_equal(vl.rmean.status, STATS_OK);
	assert_close(vl.rmean.tau, 238 * 3600, 0, 0);
	assert_close(vl.rmean.estimate, 151200, 1e-12, 0);
	assert_null(vl.rmean_reason);
	assert_close(vl.closed_median, 7200, 0, 0);
	assert_close(vl.oldest_open_age, 238 * 3600, 0, 0);
	assert_null(vl.reason);
}

static void test_all_open_has_no_median_and_no_restricted_mean(void **state)
{
	(void)state;
	struct metric_change c[3] = {
		change(FROM + DAY, OPEN, 1), change(FROM + 2 * DAY, OPEN, 1),
		change(FROM + 2 * DAY, FROM + 40 * DAY, 1), /* closes after asof: open */
	};
	struct metrics_window w = {FROM, FROM + 30 * DAY, FROM + 5 * DAY};
	struct metrics_vl vl;
	metrics_vl(c, 3, &w, &vl);
	assert_int_equal(vl.n, 3);
	assert_int_equal(vl.n_open, 3);
	assert_int_equal(vl.n_closed, 0);
	assert_int_equal(vl.median.status, STATS_UNDEFINED);
	assert_true(isnan(vl.median.estimate));
	/* nothing closed: a restricted mean would only restate the follow-up (4d here,
	 * not the 5d since from) */
	assert_int_not_equal(vl.rmean.status, STATS_OK);
	assert_true(isnan(vl.rmean.estimate));
	assert_true(isnan(vl.rmean.std_err));
	assert_close(vl.rmean.tau, 4 * 86400, 0, 0);
	assert_string_equal(vl.rmean_reason, "no evaluation closed: a restricted mean would "
					     "restate the follow-up time");
	assert_true(isnan(vl.closed_median));
	assert_close(vl.oldest_open_age, 4 * 86400, 0, 0);
	assert_string_equal(vl.reason, "fewer than half of the evaluations closed: the "
				       "Kaplan-Meier curve stays above 0.5");
}

static void test_no_gated_change_in_the_window_leaves_every_figure_undefined(void **state)
{
	(void)state;
	struct metric_change c[3] = {
		change(FROM - HOUR, OPEN, 1),		   /* before the window */
		change(FROM + 5 * DAY, FROM + 6 * DAY, 1), /* at asof: outside [from, asof) */
		change(FROM + DAY, OPEN, 0),		   /* ungated */
	};
	struct metrics_window w = {FROM, FROM + 5 * DAY, FROM + 5 * DAY};
	struct metrics_vl vl;
	metrics_vl(c, 3, &w, &vl);
	assert_int_equal(vl.n, 0);
	assert_int_equal(vl.n_ungated, 1);
	assert_int_not_equal(vl.median.status, STATS_OK);
	assert_int_not_equal(vl.rmean.status, STATS_OK);
	assert_true(isnan(vl.median.estimate));
	assert_true(isnan(vl.rmean.estimate));
	assert_true(isnan(vl.closed_median));
	assert_true(isnan(vl.oldest_open_age));
	assert_string_equal(vl.reason, "no gated changes effective in the window");
	assert_string_equal(vl.rmean_reason, "no gated changes effective in the window");
	metrics_vl(NULL, 0, &w, &vl);
	assert_int_equal(vl.n, 0);
	assert_string_equal(vl.reason, "no gated changes effective in the window");
}

static void test_a_closure_exactly_at_asof_is_an_event_and_from_is_in_the_window(void **state)
{
	(void)state;
	struct metric_change c[2] = {
		change(FROM, FROM + 3 * DAY, 1),
		change(FROM + DAY, FROM + 3 * DAY + 1, 1),
	};
	struct metrics_window w = {FROM, FROM + 7 * DAY, FROM + 3 * DAY};
	struct metrics_vl vl;
	metrics_vl(c, 2, &w, &vl);
	assert_int_equal(vl.n, 2);
	assert_int_equal(vl.n_closed, 1);
	assert_int_equal(vl.n_open, 1);
	/* event at 3d, censored at 2d: S = 0 at 3d; the median is 3d */
	assert_close(vl.median.estimate, 3 * 86400, 0, 0);
	assert_close(vl.closed_median, 3 * 86400, 0, 0);
	assert_close(vl.oldest_open_age, 2 * 86400, 0, 0);
	assert_int_equal(vl.n_closed_before_effective, 0);
}

static void test_a_closure_at_effective_at_is_zero_but_not_before_effective(void **state)
{
	(void)state;
	struct metric_change c[1] = {change(FROM + HOUR, FROM + HOUR, 1)};
	struct metrics_window w = {FROM, FROM + DAY, FROM + DAY};
	struct metrics_vl vl;
	metrics_vl(c, 1, &w, &vl);
	assert_int_equal(vl.n_closed, 1);
	assert_int_equal(vl.n_closed_before_effective, 0);
	assert_close(vl.median.estimate, 0, 0, 0);
	/* the longest follow-up is 0: the restricted mean up to it is 0 */
	assert_close(vl.rmean.tau, 0, 0, 0);
	assert_close(vl.rmean.estimate, 0, 0, 0);
}

static void test_the_restricted_mean_stops_at_the_longest_follow_up(void **state)
{
	(void)state;
	/* closed after 1h and 3h, one open 5h; a 30-day window: tau is 5h, not 30d */
	struct metric_change c[3] = {
		change(FROM, FROM + HOUR, 1),
		change(FROM + HOUR, FROM + 4 * HOUR, 1),
		change(FROM + 2 * HOUR, OPEN, 1),
	};
	struct metrics_window w = {FROM, FROM + 30 * DAY, FROM + 7 * HOUR};
	struct metrics_vl vl;
	metrics_vl(c, 3, &w, &vl);
	/* S = 1 to 1h, 2/3 to 3h, 1/3 to 5h: 1h + 2h * 2/3 + 2h * 1/3 = 3h */
	assert_int_equal(vl.rmean.status, STATS_OK);
	assert_close(vl.rmean.tau, 5 * 3600, 0, 0);
	assert_close(vl.rmean.estimate, 3 * 3600, 1e-12, 0);
}

/* ---- against R ---- */

static void assert_figure(const char *name, const char *what, enum stats_status status, double got,
			  double want)
{
	if (isnan(want)) {
		if (status == STATS_OK || !isnan(got)) {
			print_error("%s %s: want undefined, got %.17g\n", name, what, got);
			fail();
		}
		return;
	}
	if (status != STATS_OK || !test_close(got, want, 1e-9, 0)) {
		print_error("%s %s: %.17g (status %d), want %.17g\n", name, what, got, (int)status,
			    want);
		fail();
	}
}

static void assert_quantile(const char *name, const char *what, const struct stats_km_quantile *q,
			    const cJSON *want)
{
	char label[64];
	snprintf(label, sizeof(label), "%s estimate", what);
	assert_figure(name, label, q->status, q->estimate, vectors_get(want, "estimate"));
	snprintf(label, sizeof(label), "%s lower", what);
	assert_figure(name, label, q->lower_status, q->lower, vectors_get(want, "lower"));
	snprintf(label, sizeof(label), "%s upper", what);
	assert_figure(name, label, q->upper_status, q->upper, vectors_get(want, "upper"));
}

static void check_case(const cJSON *c)
{
	const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
	size_t n, nc, ng;
	double *eff = vectors_array(cJSON_GetObjectItem(c, "effective"), &n);
	double *closed = vectors_array(cJSON_GetObjectItem(c, "closed"), &nc);
	double *gated = vectors_array(cJSON_GetObjectItem(c, "gated"), &ng);
	assert_true(n == nc && n == ng);
	struct metric_change *rows = xmalloc(n * sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		rows[i] = change(FROM + (int64_t)eff[i] * USEC,
				 isnan(closed[i]) ? OPEN : FROM + (int64_t)closed[i] * USEC,
				 gated[i] > 0);
	int64_t asof = FROM + (int64_t)vectors_get(c, "asof") * USEC;
	struct metrics_window w = {FROM, asof, asof};
	struct metrics_vl vl;
	metrics_vl(rows, n, &w, &vl);
	assert_int_equal(vl.n, (size_t)vectors_get(c, "n"));
	assert_int_equal(vl.n_closed, (size_t)vectors_get(c, "closed_n"));
	assert_int_equal(vl.n_open, (size_t)vectors_get(c, "open"));
	assert_int_equal(vl.n_ungated, (size_t)vectors_get(c, "ungated"));
	assert_int_equal(vl.n_closed_before_effective,
			 (size_t)vectors_get(c, "closed_before_effective"));
	assert_close(vl.closed_median, vectors_get(c, "closed_median"), 1e-12, 0);
	assert_close(vl.oldest_open_age, vectors_get(c, "oldest_open_age"), 0, 0);
	assert_quantile(name, "median", &vl.median, cJSON_GetObjectItem(c, "median"));
	assert_quantile(name, "p90", &vl.p90, cJSON_GetObjectItem(c, "p90"));
	const cJSON *rmean = cJSON_GetObjectItem(c, "rmean");
	assert_figure(name, "rmean", vl.rmean.status, vl.rmean.estimate,
		      vectors_get(rmean, "estimate"));
	assert_figure(name, "rmean std_err", vl.rmean.status, vl.rmean.std_err,
		      vectors_get(rmean, "std_err"));
	assert_close(vl.rmean.tau, vectors_get(rmean, "tau"), 0, 0);
	free(rows);
	free(eff);
	free(closed);
	free(gated);
}

static void test_km_figures_of_registers_match_r_survival(void **state)
{
	(void)state;
	cJSON *root = vectors_load("metrics");
	const cJSON *c;
	size_t cases = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
	{
		check_case(c);
		cases++;
	}
	assert_int_equal(cases, 6);
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_mixed_register_gives_the_hand_derived_figures),
		cmocka_unit_test(test_all_open_has_no_median_and_no_restricted_mean),
		cmocka_unit_test(test_no_gated_change_in_the_window_leaves_every_figure_undefined),
		cmocka_unit_test(
			test_a_closure_exactly_at_asof_is_an_event_and_from_is_in_the_window),
		cmocka_unit_test(test_a_closure_at_effective_at_is_zero_but_not_before_effective),
		cmocka_unit_test(test_the_restricted_mean_stops_at_the_longest_follow_up),
		cmocka_unit_test(test_km_figures_of_registers_match_r_survival),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
