/* Unit tests for core/metrics_rates.c: RDPR (failures by reason, Wilson 95%
 * against statsmodels' proportion_confint(method='wilson'), one drill, none)
 * and GBR (high-impact only, a bypass of a passed gate not counted, a ship
 * while blocked counted, per week, per IO change, the weekly series). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "metrics.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
/* 2026-04-06T00:00:00Z */
#define FROM (INT64_C(1775433600) * USEC)

#define S(lit) ((char *)(lit))

/* A drill of api performed at t: targets 1h / 15m, actuals rto_s / rpo_s. */
static struct drill drill(int64_t t, enum drill_outcome outcome, int64_t rto_s, int64_t rpo_s)
{
	struct drill d;
	drill_init(&d);
	d.id = t / USEC % 1000;
	d.service = S("api");
	d.performed_at = t;
	d.rto_target = 3600;
	d.rpo_target = 900;
	d.rto_actual = rto_s;
	d.rpo_actual = rpo_s;
	d.outcome = outcome;
	return d;
}

static void test_rdpr_counts_each_failure_reason_and_gives_the_wilson_interval(void **state)
{
	(void)state;
	struct drill d[9] = {
		drill(FROM, DRILL_RESTORED, 3600, 900), /* at from: in, passed (exactly) */
		drill(FROM + DAY, DRILL_RESTORED, 60, 60),
		drill(FROM + 2 * DAY, DRILL_RESTORED, 3601, 60),
		drill(FROM + 3 * DAY, DRILL_RESTORED, 60, 901),
		drill(FROM + 4 * DAY, DRILL_ABORTED, 60, 60),
		drill(FROM + 5 * DAY, DRILL_FAILED, -1, -1),
		drill(FROM + 6 * DAY, DRILL_RESTORED, -1, 60),
		drill(FROM - 1, DRILL_FAILED, -1, -1),	     /* before the window */
		drill(FROM + 7 * DAY, DRILL_FAILED, -1, -1), /* at asof: outside */
	};
	struct metrics_window w = {FROM, FROM + 30 * DAY, FROM + 7 * DAY};
	struct metrics_rdpr r;
	metrics_rdpr(d, 9, &w, &r);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.n_passed, 2);
	assert_int_equal(r.rto_missed, 1);
	assert_int_equal(r.rpo_missed, 1);
	assert_int_equal(r.aborted, 1);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.unmeasured, 1);
	assert_int_equal(r.wilson.status, STATS_OK);
	assert_close(r.wilson.proportion, 2.0 / 7.0, 0, 0);
	/* statsmodels proportion_confint(2, 7, 0.05, 'wilson') */
	assert_close(r.wilson.lower, 0.082218924004056615, 1e-12, 0);
	assert_close(r.wilson.upper, 0.64106554816738071, 1e-12, 0);
	assert_null(r.reason);
}

static void test_one_drill_gives_a_wide_interval(void **state)
{
	(void)state;
	struct drill d[1] = {drill(FROM + HOUR, DRILL_RESTORED, 60, 60)};
	struct metrics_window w = {FROM, FROM + DAY, FROM + DAY};
	struct metrics_rdpr r;
	metrics_rdpr(d, 1, &w, &r);
	assert_int_equal(r.n, 1);
	assert_close(r.wilson.proportion, 1, 0, 0);
	assert_close(r.wilson.lower, 0.20654931437723739, 1e-12, 0);
	assert_close(r.wilson.upper, 1, 0, 0);
	d[0].outcome = DRILL_ABORTED;
	metrics_rdpr(d, 1, &w, &r);
	assert_close(r.wilson.proportion, 0, 0, 0);
	assert_close(r.wilson.lower, 0, 0, 0);
	assert_close(r.wilson.upper, 0.79345068562276266, 1e-12, 0);
	assert_int_equal(r.aborted, 1);
}

static void test_no_drills_is_null_with_a_reason_never_zero(void **state)
{
	(void)state;
	struct drill d[1] = {drill(FROM - DAY, DRILL_RESTORED, 60, 60)};
	struct metrics_window w = {FROM, FROM + DAY, FROM + DAY};
	struct metrics_rdpr r;
	metrics_rdpr(d, 1, &w, &r);
	assert_int_equal(r.n, 0);
	assert_true(isnan(r.wilson.proportion));
	assert_int_not_equal(r.wilson.status, STATS_OK);
	assert_string_equal(r.reason, "no drills in the window");
	metrics_rdpr(NULL, 0, &w, &r);
	assert_string_equal(r.reason, "no drills in the window");
}

/* ---- GBR ---- */

static struct metric_change change(int64_t eff, enum impact impact, int has_io, int required,
				   int bypassed, int64_t first_bypass)
{
	struct metric_change c;
	memset(&c, 0, sizeof(c));
	c.effective_at = eff;
	c.impact = impact;
	c.has_io = has_io;
	c.gated = 1;
	c.closed_at = RTIME_NONE;
	c.n_required = required;
	c.n_bypassed = bypassed;
	c.first_bypass_at = first_bypass;
	return c;
}

static void test_gbr_is_bypassed_over_required_gates_of_high_impact_changes(void **state)
{
	(void)state;
	struct metric_change c[6] = {
		change(FROM + DAY, IMPACT_HIGH, 1, 3, 1, FROM + DAY),
		change(FROM + 2 * DAY, IMPACT_HIGH, 0, 2, 0, RTIME_NONE),
		/* shipped while blocked with 2 gates not clear */
		change(FROM + 3 * DAY, IMPACT_HIGH, 1, 3, 2, FROM + 3 * DAY),
		/* medium: only per_io_change sees it */
		change(FROM + 4 * DAY, IMPACT_MEDIUM, 1, 4, 4, FROM + 4 * DAY),
		/* before the window and at asof: out */
		change(FROM - 1, IMPACT_HIGH, 1, 9, 9, FROM - 1),
		change(FROM + 14 * DAY, IMPACT_HIGH, 1, 9, 9, FROM + 14 * DAY),
	};
	c[2].shipped_while_blocked = 1;
	struct metrics_window w = {FROM, FROM + 30 * DAY, FROM + 14 * DAY};
	struct metrics_gbr g;
	metrics_gbr(c, 6, &w, &g);
	assert_int_equal(g.n_changes, 3);
	assert_int_equal(g.numerator, 3);
	assert_int_equal(g.denominator, 8);
	assert_int_equal(g.n_shipped_while_blocked, 1);
	assert_close(g.value, 3.0 / 8.0, 0, 0);
	/* 3 bypassed gates in 2 weeks */
	assert_close(g.per_week, 1.5, 1e-15, 0);
	/* IO changes of any impact: 3, of which 3 bypassed */
	assert_int_equal(g.io_changes, 3);
	assert_int_equal(g.io_changes_bypassed, 3);
	assert_close(g.per_io_change, 1, 0, 0);
	assert_null(g.reason);
	assert_null(g.per_io_change_reason);
}

static void test_a_bypass_of_a_passed_gate_adds_nothing_to_gbr(void **state)
{
	(void)state;
	/* metrics_change_fill leaves n_bypassed 0 for it (test_metrics_closure); here the
	 * change still counts in the denominator and per IO change as not bypassed */
	struct metric_change c[2] = {
		change(FROM + DAY, IMPACT_HIGH, 1, 2, 0, RTIME_NONE),
		change(FROM + DAY, IMPACT_HIGH, 1, 2, 1, FROM),
	};
	struct metrics_window w = {FROM, FROM + 7 * DAY, FROM + 7 * DAY};
	struct metrics_gbr g;
	metrics_gbr(c, 2, &w, &g);
	assert_close(g.value, 0.25, 0, 0);
	assert_close(g.per_io_change, 0.5, 0, 0);
	assert_close(g.per_week, 1, 0, 0);
}

static void test_zero_high_impact_changes_is_null_with_a_reason(void **state)
{
	(void)state;
	struct metric_change c[2] = {
		change(FROM + DAY, IMPACT_LOW, 0, 2, 1, FROM + DAY),
		change(FROM + DAY, IMPACT_MEDIUM, 0, 1, 0, RTIME_NONE),
	};
	struct metrics_window w = {FROM, FROM + 7 * DAY, FROM + 7 * DAY};
	struct metrics_gbr g;
	metrics_gbr(c, 2, &w, &g);
	assert_int_equal(g.n_changes, 0);
	assert_int_equal(g.denominator, 0);
	assert_true(isnan(g.value));
	assert_string_equal(g.reason, "no required gates on high-impact changes in the window");
	assert_close(g.per_week, 0, 0, 0);
	assert_int_equal(g.io_changes, 0);
	assert_true(isnan(g.per_io_change));
	assert_string_equal(g.per_io_change_reason, "no changes with an IO in the window");
	/* a high-impact change with no required gate: still no denominator */
	c[0].impact = IMPACT_HIGH;
	c[0].n_required = 0;
	c[0].n_bypassed = 0;
	metrics_gbr(c, 2, &w, &g);
	assert_int_equal(g.n_changes, 1);
	assert_true(isnan(g.value));
}

static void test_gbr_weekly_puts_the_denominator_at_effective_and_bypasses_when_used(void **state)
{
	(void)state;
	struct metric_change c[6] = {
		/* week 0: 2 required, bypassed in week 0 */
		change(FROM + DAY, IMPACT_HIGH, 0, 2, 1, FROM + 2 * DAY),
		/* effective in week 2, a pre gate bypassed in week 1 before shipping */
		change(FROM + 15 * DAY, IMPACT_HIGH, 0, 3, 2, FROM + 10 * DAY),
		/* week 1: 4 required, none bypassed */
		change(FROM + 8 * DAY, IMPACT_HIGH, 0, 4, 0, RTIME_NONE),
		/* medium: ignored */
		change(FROM + 8 * DAY, IMPACT_MEDIUM, 0, 5, 5, FROM + 8 * DAY),
		/* effective in the window, bypassed before it: denominator only */
		change(FROM + 2 * DAY, IMPACT_HIGH, 0, 1, 1, FROM - DAY),
		/* effective before the window (given for L): nowhere */
		change(FROM - DAY, IMPACT_HIGH, 0, 7, 7, FROM + 3 * DAY),
	};
	struct metrics_window w = {FROM, FROM + 30 * DAY, FROM + 17 * DAY};
	struct metrics_gbr_week weeks[3];
	size_t n = metrics_gbr_weekly(c, 6, &w, weeks);
	assert_int_equal(n, 3);
	assert_int_equal(weeks[0].start, FROM);
	assert_int_equal(weeks[0].end, FROM + 7 * DAY);
	assert_int_equal(weeks[2].start, FROM + 14 * DAY);
	assert_int_equal(weeks[2].end, FROM + 17 * DAY);
	assert_int_equal(weeks[0].numerator, 1);
	assert_int_equal(weeks[0].denominator, 3);
	assert_close(weeks[0].value, 1.0 / 3.0, 0, 0);
	assert_int_equal(weeks[1].numerator, 2);
	assert_int_equal(weeks[1].denominator, 4);
	assert_close(weeks[1].value, 0.5, 0, 0);
	assert_int_equal(weeks[2].numerator, 0);
	assert_int_equal(weeks[2].denominator, 3);
	assert_close(weeks[2].value, 0, 0, 0);
	/* an exact number of weeks; an empty week is null */
	w.asof = FROM + 14 * DAY;
	n = metrics_gbr_weekly(c, 3, &w, weeks);
	assert_int_equal(n, 2);
	assert_int_equal(weeks[1].end, FROM + 14 * DAY);
	assert_int_equal(weeks[1].denominator, 4);
	assert_int_equal(weeks[1].numerator, 0); /* change 1 is now after asof */
	struct metric_change none[1] = {change(FROM + DAY, IMPACT_LOW, 0, 1, 1, FROM + DAY)};
	n = metrics_gbr_weekly(none, 1, &w, weeks);
	assert_int_equal(n, 2);
	assert_true(isnan(weeks[0].value));
	assert_true(isnan(weeks[1].value));
	/* no time in the window: no week */
	w.asof = FROM;
	assert_int_equal(metrics_gbr_weekly(c, 6, &w, weeks), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_rdpr_counts_each_failure_reason_and_gives_the_wilson_interval),
		cmocka_unit_test(test_one_drill_gives_a_wide_interval),
		cmocka_unit_test(test_no_drills_is_null_with_a_reason_never_zero),
		cmocka_unit_test(test_gbr_is_bypassed_over_required_gates_of_high_impact_changes),
		cmocka_unit_test(test_a_bypass_of_a_passed_gate_adds_nothing_to_gbr),
		cmocka_unit_test(test_zero_high_impact_changes_is_null_with_a_reason),
		cmocka_unit_test(
			test_gbr_weekly_puts_the_denominator_at_effective_and_bypasses_when_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
