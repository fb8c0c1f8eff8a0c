/* Unit tests for core/metrics_tempo.c: tau_u, tau_g, their ratio and Little's
 * L on a hand-built register; L's carry-in bound; undefined ratios (no
 * closure: no tau_g); the rolling series, sampled to 200 points; sustained;
 * and a seeded simulation of a steady register (Poisson arrivals, exponential
 * evaluation times) where the ratio and L must agree, as Little's law says. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "metrics.h"
#include "rtime.h"
#include "splitmix.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
/* 2026-05-04T00:00:00Z */
#define FROM (INT64_C(1777852800) * USEC)
#define OPEN RTIME_NONE

static struct metric_change change(int64_t eff, int64_t closed, int gated)
{
	struct metric_change c;
	memset(&c, 0, sizeof(c));
	c.effective_at = eff;
	c.closed_at = closed;
	c.gated = gated;
	c.impact = IMPACT_MEDIUM;
	c.first_bypass_at = RTIME_NONE;
	return c;
}

/* Gated A..D at 0, 2h, 6h, 12h (lags 3h, 2h, open, 6h), ungated U at 1h, and
 * two earlier changes: P open until 1h into the window, Q closed before it. */
static size_t register_abcd(struct metric_change *c)
{
	size_t n = 0;
	c[n++] = change(FROM, FROM + 3 * HOUR, 1);
	c[n++] = change(FROM + 2 * HOUR, FROM + 4 * HOUR, 1);
	c[n++] = change(FROM + 6 * HOUR, OPEN, 1);
	c[n++] = change(FROM + 12 * HOUR, FROM + 18 * HOUR, 1);
	c[n++] = change(FROM + 1 * HOUR, OPEN, 0);
	c[n++] = change(FROM - 5 * HOUR, FROM + 1 * HOUR, 1);
	c[n++] = change(FROM - 5 * HOUR, FROM - 1 * HOUR, 1);
	return n;
}

static void test_tempo_of_a_hand_built_register(void **state)
{
	(void)state;
	struct metric_change c[7];
	size_t n = register_abcd(c);
	struct metrics_window w = {FROM, FROM + 2 * DAY, FROM + DAY};
	struct metrics_tempo t;
	metrics_tempo(c, n, &w, &t);
	assert_int_equal(t.n_effective, 4);
	/* (12h - 0) / 3 intervals; intervals 2h, 4h, 6h */
	assert_close(t.tau_u, 4 * 3600, 0, 0);
	assert_close(t.tau_u_median, 4 * 3600, 0, 0);
	assert_int_equal(t.n_effective_all, 5);
	assert_close(t.tau_u_all, 3 * 3600, 0, 0);
	/* lags 2h, 3h, 6h and one censored at 18h: S = 3/4, 1/2, 1/4; area to the
	 * longest follow-up, 18h (not the 24h since from):
	 * 2h + 1h * 3/4 + 3h * 1/2 + 12h * 1/4 = 7.25h; median (1/2 from 3h to 6h) 4.5h */
	assert_close(t.tau_g, 7.25 * 3600, 1e-12, 0);
	assert_close(t.tau_g_tau, 18 * 3600, 0, 0);
	assert_null(t.tau_g_reason);
	assert_close(t.tau_g_median, 4.5 * 3600, 1e-12, 0);
	assert_close(t.ratio, 7.25 / 4, 1e-12, 0);
	/* live and unevaluated: A 3h, B 2h, C 18h, D 6h, P 1h = 30h over 24h */
	assert_close(t.little_l, 1.25, 1e-15, 0);
	assert_close(t.rel_diff, 9.0 / 29.0, 1e-12, 0);
	assert_null(t.reason);
}

static void test_l_carries_in_changes_at_most_one_window_before_from(void **state)
{
	(void)state;
	/* the window [from, from + 2d), asof from + 1d: L carries in gated changes
	 * still live that took effect from from - 2d on, none older */
	struct metric_change c[4] = {
		change(FROM - 2 * DAY, OPEN, 1),	       /* at the bound: live all 24h */
		change(FROM - 2 * DAY - 1, OPEN, 1),	       /* older by 1 us: not carried in */
		change(FROM - DAY, FROM + 6 * HOUR, 1),	       /* live 6h */
		change(FROM + 12 * HOUR, FROM + 15 * HOUR, 1), /* live 3h */
	};
	struct metrics_window w = {FROM, FROM + 2 * DAY, FROM + DAY};
	struct metrics_tempo t;
	metrics_tempo(c, 4, &w, &t);
	assert_close(t.little_l, 33.0 / 24.0, 1e-15, 0);
	/* tau_g and tau_u see only the window's own changes */
	assert_int_equal(t.n_effective, 1);
	assert_close(t.tau_g, 3 * 3600, 0, 0);
}

static void test_with_no_evaluation_closed_tau_g_and_the_ratio_are_null(void **state)
{
	(void)state;
	/* two gated changes, neither closed: the restricted mean would be the
	 * follow-up itself; L stays */
	struct metric_change c[2] = {
		change(FROM + HOUR, OPEN, 1),
		change(FROM + 3 * HOUR, FROM + 2 * DAY, 1), /* closes after asof: open */
	};
	struct metrics_window w = {FROM, FROM + 7 * DAY, FROM + 7 * HOUR + 40 * 60 * USEC};
	struct metrics_tempo t;
	metrics_tempo(c, 2, &w, &t);
	assert_close(t.tau_u, 2 * 3600, 0, 0);
	assert_true(isnan(t.tau_g));
	assert_close(t.tau_g_tau, 6 * 3600 + 40 * 60, 0, 0);
	assert_true(isnan(t.ratio));
	assert_true(isnan(t.rel_diff));
	static const char why[] =
		"no evaluation closed: a restricted mean would restate the follow-up time";
	assert_string_equal(t.tau_g_reason, why);
	assert_string_equal(t.reason, why);
	/* live 6h40m and 4h40m over 7h40m */
	assert_close(t.little_l, (6 * 60 + 40 + 4 * 60 + 40) / (7.0 * 60 + 40), 1e-15, 0);
}

static void test_the_ratio_is_undefined_with_fewer_than_two_gated_changes(void **state)
{
	(void)state;
	struct metric_change c[3] = {
		change(FROM + HOUR, FROM + 2 * HOUR, 1),
		change(FROM + 3 * HOUR, OPEN, 0),
		change(FROM + 4 * HOUR, OPEN, 0),
	};
	struct metrics_window w = {FROM, FROM + DAY, FROM + DAY};
	struct metrics_tempo t;
	metrics_tempo(c, 3, &w, &t);
	assert_int_equal(t.n_effective, 1);
	assert_true(isnan(t.tau_u));
	assert_true(isnan(t.tau_u_median));
	assert_close(t.tau_u_all, 1.5 * 3600, 0, 0);
	assert_close(t.tau_g, 3600, 0, 0);
	assert_true(isnan(t.ratio));
	assert_true(isnan(t.rel_diff));
	assert_close(t.little_l, 1.0 / 24.0, 1e-15, 0);
	assert_string_equal(t.reason, "fewer than 2 gated changes effective in the window");
	/* two at the same instant: no interval to divide by */
	c[1].gated = 1;
	c[1].effective_at = FROM + HOUR;
	metrics_tempo(c, 3, &w, &t);
	assert_close(t.tau_u, 0, 0, 0);
	assert_true(isnan(t.ratio));
	assert_string_equal(t.reason, "every gated change took effect at the same instant");
	/* nothing at all */
	metrics_tempo(NULL, 0, &w, &t);
	assert_true(isnan(t.ratio));
	assert_close(t.little_l, 0, 0, 0);
	assert_string_equal(t.reason, "fewer than 2 gated changes effective in the window");
}

static void test_the_rolling_series_has_one_point_per_instant_over_the_trailing_span(void **state)
{
	(void)state;
	struct metric_change c[8] = {
		change(FROM, FROM + 1 * HOUR, 1),	       /* A */
		change(FROM + 10 * HOUR, FROM + 20 * HOUR, 1), /* B */
		change(FROM + 20 * HOUR, OPEN, 0),	       /* ungated: no point */
		change(FROM + 30 * HOUR, OPEN, 1),	       /* C */
		change(FROM + 35 * HOUR, FROM + 38 * HOUR, 1), /* E */
		change(FROM + 40 * HOUR, FROM + 41 * HOUR, 1), /* D */
		change(FROM + 40 * HOUR, OPEN, 1),	       /* G: same instant as D */
		change(FROM + 48 * HOUR, FROM + 49 * HOUR, 1), /* at asof: no point */
	};
	struct metrics_window w = {FROM, FROM + 48 * HOUR, FROM + 48 * HOUR};
	struct metrics_tempo_point p[8];
	size_t n = metrics_tempo_series(c, 8, &w, DAY, p);
	assert_int_equal(n, 5);
	/* at 0: nothing before it */
	assert_int_equal(p[0].at, FROM);
	assert_true(isnan(p[0].tau_u) && isnan(p[0].tau_g) && isnan(p[0].ratio));
	assert_close(p[0].little_l, 0, 0, 0);
	/* at 10h, over [-14h, 10h): A closed after 1h */
	assert_int_equal(p[1].at, FROM + 10 * HOUR);
	assert_true(isnan(p[1].tau_u));
	assert_close(p[1].tau_g, 3600, 0, 0);
	assert_close(p[1].little_l, 1.0 / 24.0, 1e-15, 0);
	/* at 30h, over [6h, 30h): B closed after 10h; live B 10h */
	assert_int_equal(p[2].at, FROM + 30 * HOUR);
	assert_close(p[2].tau_g, 36000, 0, 0);
	assert_close(p[2].little_l, 10.0 / 24.0, 1e-15, 0);
	/* at 35h, over [11h, 35h): C open 5h and nothing closed: no tau_g (not the
	 * 24h span); live B 9h (carried in), C 5h */
	assert_int_equal(p[3].at, FROM + 35 * HOUR);
	assert_true(isnan(p[3].tau_g));
	assert_close(p[3].little_l, 14.0 / 24.0, 1e-15, 0);
	assert_true(isnan(p[3].ratio));
	/* at 40h, over [16h, 40h): C censored at 10h, E closed after 3h (E closed at 38h):
	 * tau_u 5h, rmean up to the longest follow-up (10h) 3h + 7h / 2 = 6.5h, ratio
	 * 1.3; live B 4h, C 10h, E 3h */
	assert_int_equal(p[4].at, FROM + 40 * HOUR);
	assert_close(p[4].tau_u, 5 * 3600, 0, 0);
	assert_close(p[4].tau_g, 6.5 * 3600, 1e-12, 0);
	assert_close(p[4].ratio, 1.3, 1e-12, 0);
	assert_close(p[4].little_l, 17.0 / 24.0, 1e-15, 0);
	/* the input order does not matter */
	struct metric_change r[8];
	for (size_t i = 0; i < 8; i++)
		r[i] = c[7 - i];
	struct metrics_tempo_point q[8];
	assert_int_equal(metrics_tempo_series(r, 8, &w, DAY, q), 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(q[i].at, p[i].at);
		assert_close(q[i].little_l, p[i].little_l, 0, 0);
		assert_close(q[i].tau_g, p[i].tau_g, 0, 0);
	}
}

static void assert_same_point(const struct metrics_tempo_point *a,
			      const struct metrics_tempo_point *b)
{
	assert_int_equal(a->at, b->at);
	assert_true(isnan(a->tau_u) ? isnan(b->tau_u) : a->tau_u == b->tau_u);
	assert_true(isnan(a->tau_g) ? isnan(b->tau_g) : a->tau_g == b->tau_g);
	assert_true(isnan(a->ratio) ? isnan(b->ratio) : a->ratio == b->ratio);
	assert_true(a->little_l == b->little_l);
}

static void test_a_long_series_is_sampled_to_200_points_first_and_last_in(void **state)
{
	(void)state;
	/* 1000 gated changes an hour apart, each closed 5h later but every seventh
	 * open, plus an ungated one between each pair */
	const size_t k = 1000;
	struct metric_change *c = xmalloc(2 * k * sizeof(*c));
	for (size_t i = 0; i < k; i++) {
		int64_t t = FROM + (int64_t)i * HOUR;
		c[2 * i] = change(t, i % 7 ? t + 5 * HOUR : OPEN, 1);
		c[2 * i + 1] = change(t + HOUR / 2, OPEN, 0);
	}
	struct metrics_window w = {FROM, FROM + 2 * (int64_t)k * HOUR, FROM + (int64_t)k * HOUR};
	struct metrics_tempo_point *all = xmalloc(k * sizeof(*all));
	struct metrics_tempo_point shown[METRICS_SERIES_MAX];
	/* every instant, for comparison */
	assert_int_equal(metrics_tempo_series_tail(c, 2 * k, &w, DAY, k, all), k);
	assert_int_equal(metrics_tempo_series(c, 2 * k, &w, DAY, shown), METRICS_SERIES_MAX);
	/* rank round(j * 999 / 199): 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, ..., 999 */
	for (size_t j = 0; j < METRICS_SERIES_MAX; j++) {
		size_t rank = (j * (k - 1) * 2 + (METRICS_SERIES_MAX - 1)) /
			      (2 * (METRICS_SERIES_MAX - 1));
		assert_same_point(&shown[j], &all[rank]);
	}
	assert_int_equal(shown[0].at, FROM);
	assert_int_equal(shown[1].at, FROM + 5 * HOUR);
	assert_int_equal(shown[METRICS_SERIES_MAX - 1].at, FROM + (int64_t)(k - 1) * HOUR);
	/* the tail: the last instants exactly */
	struct metrics_tempo_point tail[3];
	assert_int_equal(metrics_tempo_series_tail(c, 2 * k, &w, DAY, 3, tail), 3);
	for (size_t j = 0; j < 3; j++)
		assert_same_point(&tail[j], &all[k - 3 + j]);
	/* every point is metrics_tempo over its span [t - 1d, t) with t as asof (the
	 * series keeps its closed lags from one point to the next: changes leave the
	 * span, enter it, and close between two points) */
	for (size_t j = 0; j < k; j++) {
		struct metrics_window span = {all[j].at - DAY, all[j].at, all[j].at};
		struct metrics_tempo t;
		metrics_tempo(c, 2 * k, &span, &t);
		assert_true(isnan(t.tau_u) ? isnan(all[j].tau_u) : t.tau_u == all[j].tau_u);
		assert_true(isnan(t.tau_g) ? isnan(all[j].tau_g)
					   : test_close(all[j].tau_g, t.tau_g, 1e-12, 0));
		assert_close(all[j].little_l, t.little_l, 1e-15, 0);
	}
	assert_false(isnan(all[500].ratio));
	free(all);
	free(c);
}

static struct metrics_tempo_point point(double ratio)
{
	struct metrics_tempo_point p = {0, NAN, NAN, ratio, NAN};
	return p;
}

static void test_sustained_needs_the_last_w_points_all_above_the_threshold(void **state)
{
	(void)state;
	struct metrics_tempo_point p[5] = {point(0.2), point(1.1), point(1.5), point(2.0),
					   point(1.01)};
	const char *why;
	assert_int_equal(metrics_sustained(p, 5, 4, 1, 1.0, &why), 1);
	assert_null(why);
	assert_int_equal(metrics_sustained(p, 5, 5, 1, 1.0, &why), 0);
	assert_null(why);
	/* exactly at the threshold is not above it */
	p[4].ratio = 1.0;
	assert_int_equal(metrics_sustained(p, 5, 1, 1, 1.0, &why), 0);
	/* fewer points than w */
	assert_int_equal(metrics_sustained(p, 5, 6, 1, 1.0, &why), -1);
	assert_string_equal(why, "fewer points in the series than the sustain window");
	assert_int_equal(metrics_sustained(p, 0, 1, 1, 1.0, &why), -1);
	/* no threshold */
	assert_int_equal(metrics_sustained(p, 5, 2, 0, 0, &why), -1);
	assert_string_equal(why, "no tempo_ratio threshold");
	/* an undefined point: undecided, unless another is below */
	p[4].ratio = NAN;
	assert_int_equal(metrics_sustained(p, 5, 3, 1, 1.0, &why), -1);
	assert_string_equal(why, "a point in the sustain window has no ratio");
	assert_int_equal(metrics_sustained(p, 5, 5, 1, 1.0, &why), 0);
}

/* ---- simulation ---- */

static double exponential(struct splitmix *s, double mean)
{
	return -mean * log1p(-splitmix_uniform(s));
}

/* A steady register: Poisson arrivals every `gap` seconds on average from 30
 * days before from to asof, each evaluated after an exponential time of mean
 * `lag` seconds (closures after asof are open). Returns the count. */
static size_t steady(uint64_t seed, double gap, double lag, int64_t asof, struct metric_change *c,
		     size_t cap)
{
	struct splitmix s = {seed};
	size_t n = 0;
	int64_t t = FROM - 30 * DAY;
	for (;;) {
		t += (int64_t)(exponential(&s, gap) * 1e6);
		if (t >= asof || n == cap)
			break;
		int64_t closed = t + (int64_t)(exponential(&s, lag) * 1e6);
		c[n++] = change(t, closed <= asof ? closed : OPEN, 1);
	}
	return n;
}

static void test_in_a_steady_register_the_ratio_and_little_l_agree(void **state)
{
	(void)state;
	/* one change an hour, evaluated in 3h on average, over 60 days: L = 3 */
	const size_t cap = 3000;
	struct metric_change *c = xmalloc(cap * sizeof(*c));
	int64_t asof = FROM + 60 * DAY;
	struct metrics_window w = {FROM, asof, asof};
	size_t agree = 0, near_truth = 0;
	double worst = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		size_t n = steady(seed * 7919, 3600, 3 * 3600, asof, c, cap);
		assert_true(n > 2000 && n < cap);
		struct metrics_tempo t;
		metrics_tempo(c, n, &w, &t);
		assert_false(isnan(t.ratio));
		agree += t.rel_diff <= 0.10;
		near_truth += fabs(t.ratio - 3) <= 0.3 && fabs(t.little_l - 3) <= 0.3;
		worst = t.rel_diff > worst ? t.rel_diff : worst;
	}
	if (agree != 20)
		print_error("worst rel_diff %.4f\n", worst);
	assert_int_equal(agree, 20);
	assert_int_equal(near_truth, 20);
	/* without the changes still open at from, L misses them: the estimators part */
	size_t n = steady(7919, 3600, 3 * 3600, asof, c, cap), m = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].effective_at >= FROM)
			c[m++] = c[i];
	struct metrics_tempo all, cut;
	metrics_tempo(c, m, &w, &cut);
	n = steady(7919, 3600, 3 * 3600, asof, c, cap);
	metrics_tempo(c, n, &w, &all);
	assert_true(cut.little_l < all.little_l);
	assert_close(cut.ratio, all.ratio, 0, 0);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tempo_of_a_hand_built_register),
		cmocka_unit_test(test_l_carries_in_changes_at_most_one_window_before_from),
		cmocka_unit_test(test_with_no_evaluation_closed_tau_g_and_the_ratio_are_null),
		cmocka_unit_test(test_the_ratio_is_undefined_with_fewer_than_two_gated_changes),
		cmocka_unit_test(
			test_the_rolling_series_has_one_point_per_instant_over_the_trailing_span),
		cmocka_unit_test(test_a_long_series_is_sampled_to_200_points_first_and_last_in),
		cmocka_unit_test(test_sustained_needs_the_last_w_points_all_above_the_threshold),
		cmocka_unit_test(test_in_a_steady_register_the_ratio_and_little_l_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
