/* Unit tests for core/metrics_accum.c: IO dates counted in whole buckets
 * (the trailing partial one left out and counted), rates scaled to days, and
 * the shape recovered on seeded synthetic Poisson data with known rates —
 * including how often constant-rate data is called accelerating or
 * exponential (at most 5% of 200 replications). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "err.h"
#include "metrics.h"
#include "rtime.h"
#include "splitmix.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
#define WEEK (7 * DAY)
/* 2026-01-05T00:00:00Z */
#define FROM (INT64_C(1767571200) * USEC)

static void test_dates_fall_in_whole_buckets_and_the_partial_one_is_counted_apart(void **state)
{
	(void)state;
	int64_t d[9] = {
		FROM,			    /* bucket 0 */
		FROM + DAY - 1,		    /* bucket 0 */
		FROM + DAY,		    /* bucket 1 */
		FROM + 2 * DAY + HOUR,	    /* bucket 2 */
		FROM + 3 * DAY + HOUR,	    /* partial (3 whole days) */
		FROM + 3 * DAY + 11 * HOUR, /* partial */
		FROM + 3 * DAY + 12 * HOUR, /* asof: out */
		FROM - 1,		    /* before: out */
		RTIME_NONE,		    /* planned: out */
	};
	struct metrics_window w = {FROM, FROM + 10 * DAY, FROM + 3 * DAY + 12 * HOUR};
	struct metrics_accumulation a;
	struct err err;
	err_init(&err);
	assert_int_equal(metrics_accumulation(d, 9, &w, BUCKET_DAY, &a, &err), 0);
	assert_int_equal(a.bucket, BUCKET_DAY);
	assert_int_equal(a.bucket_usec, DAY);
	assert_int_equal(a.n_buckets, 3);
	assert_close(a.counts[0], 2, 0, 0);
	assert_close(a.counts[1], 1, 0, 0);
	assert_close(a.counts[2], 1, 0, 0);
	assert_int_equal(a.n_ios, 6);
	assert_int_equal(a.n_partial, 2);
	/* 3 buckets: too few to classify; the mean rate still stands */
	assert_int_equal(a.fit.shape, STATS_SHAPE_INSUFFICIENT_DATA);
	assert_close(a.rate_per_day, 4.0 / 3.0, 1e-15, 0);
	assert_true(isnan(a.growth_per_day2));
	assert_true(isnan(a.doubling_days));
	metrics_accumulation_release(&a);
	assert_null(a.counts);
}

static void test_a_window_without_a_whole_bucket_is_an_error(void **state)
{
	(void)state;
	struct metrics_window w = {FROM, FROM + 30 * DAY, FROM + 6 * DAY};
	struct metrics_accumulation a;
	struct err err;
	err_init(&err);
	assert_int_equal(metrics_accumulation(NULL, 0, &w, BUCKET_WEEK, &a, &err), -1);
	assert_err(&err, ERR_INVALID, "the window holds no whole week");
	assert_null(a.counts);
	err_init(&err);
	w.asof = FROM + 23 * HOUR;
	assert_int_equal(metrics_accumulation(NULL, 0, &w, BUCKET_DAY, &a, &err), -1);
	assert_err(&err, ERR_INVALID, "the window holds no whole day");
	err_init(&err);
	w.asof = FROM + DAY;
	assert_int_equal(metrics_accumulation(NULL, 0, &w, BUCKET_DAY, &a, &err), 0);
	assert_int_equal(a.n_buckets, 1);
	metrics_accumulation_release(&a);
}

static void test_the_default_bucket_is_a_day_up_to_90_days_then_a_week(void **state)
{
	(void)state;
	struct metrics_window w = {FROM, FROM + 90 * DAY, FROM + DAY};
	assert_int_equal(metrics_bucket_default(&w), BUCKET_DAY);
	w.to = FROM + 90 * DAY + 1;
	assert_int_equal(metrics_bucket_default(&w), BUCKET_WEEK);
	assert_string_equal(model_name(&metrics_bucket_names, BUCKET_DAY), "day");
	assert_string_equal(model_name(&metrics_bucket_names, BUCKET_WEEK), "week");
}

static void test_weekly_rates_are_scaled_to_days(void **state)
{
	(void)state;
	/* 8 weeks, 7 IOs each, one a day: a constant rate of 1 a day */
	int64_t d[56];
	for (int i = 0; i < 56; i++)
		d[i] = FROM + i * DAY + 3 * HOUR;
	struct metrics_window w = {FROM, FROM + 8 * WEEK, FROM + 8 * WEEK};
	struct metrics_accumulation a;
	struct err err;
	err_init(&err);
	assert_int_equal(metrics_accumulation(d, 56, &w, BUCKET_WEEK, &a, &err), 0);
	assert_int_equal(a.n_buckets, 8);
	assert_int_equal(a.n_ios, 56);
	assert_int_equal(a.fit.shape, STATS_SHAPE_LINEAR);
	assert_int_equal(a.fit.model, STATS_MODEL_CONSTANT);
	assert_close(a.rate_per_day, 1, 1e-9, 0);
	assert_close(a.growth_per_day2, 0, 0, 0);
	assert_true(isnan(a.doubling_days));
	/* equal counts: dispersion 0, not overdispersed */
	assert_false(a.overdispersed);
	metrics_accumulation_release(&a);
	/* the same days in day buckets: 1 a day */
	err_init(&err);
	assert_int_equal(metrics_accumulation(d, 56, &w, BUCKET_DAY, &a, &err), 0);
	assert_int_equal(a.n_buckets, 56);
	assert_close(a.rate_per_day, 1, 1e-9, 0);
	metrics_accumulation_release(&a);
}

static void test_clustered_counts_are_overdispersed(void **state)
{
	(void)state;
	/* 10 days: 30 IOs on days 0 and 5 only */
	int64_t d[30];
	for (int i = 0; i < 30; i++)
		d[i] = FROM + (i < 15 ? 0 : 5 * DAY) + i * 60 * USEC;
	struct metrics_window w = {FROM, FROM + 10 * DAY, FROM + 10 * DAY};
	struct metrics_accumulation a;
	struct err err;
	err_init(&err);
	assert_int_equal(metrics_accumulation(d, 30, &w, BUCKET_DAY, &a, &err), 0);
	/* mean 3, Pearson chi2 = 2 * 12^2 / 3 + 8 * 3 = 120, over 9 degrees of freedom */
	assert_close(a.fit.constant.dispersion, 120.0 / 9.0, 1e-9, 0);
	assert_true(a.overdispersed);
	metrics_accumulation_release(&a);
}

/* ---- synthetic Poisson data ---- */

/* The rate (per day) of a shape at day t. */
struct rate_fn {
	enum stats_shape shape;
	double a, b; /* constant a; accelerating a + b t; exponential a e^(b t);
			decelerating a - b t */
};

static double rate_at(const struct rate_fn *f, double t)
{
	switch (f->shape) {
	case STATS_SHAPE_ACCELERATING:
		return f->a + f->b * t;
	case STATS_SHAPE_EXPONENTIAL:
		return f->a * exp(f->b * t);
	case STATS_SHAPE_DECELERATING:
		return f->a - f->b * t;
	default:
		return f->a;
	}
}

/* IO dates of a Poisson process with the rate f over `days` from FROM, by
 * thinning (max_rate bounds the rate). Returns the count. */
static size_t poisson_dates(uint64_t seed, const struct rate_fn *f, double max_rate, int days,
			    int64_t *d, size_t cap)
{
	struct splitmix s = {seed};
	size_t n = 0;
	double t = 0;
	for (;;) {
		t += -log1p(-splitmix_uniform(&s)) / max_rate;
		if (t >= days || n == cap)
			return n;
		if (splitmix_uniform(&s) * max_rate < rate_at(f, t))
			d[n++] = FROM + (int64_t)(t * 86400e6);
	}
}

/* Classifies `reps` replications; counts per shape into counts[]. */
static void classify(const struct rate_fn *f, double max_rate, int days, enum metrics_bucket bucket,
		     uint64_t seed0, int reps, size_t counts[5], double *scaled_sum)
{
	const size_t cap = 20000;
	int64_t *d = xmalloc(cap * sizeof(*d));
	struct metrics_window w = {FROM, FROM + days * DAY, FROM + days * DAY};
	memset(counts, 0, 5 * sizeof(*counts));
	*scaled_sum = 0;
	for (int r = 0; r < reps; r++) {
		size_t n = poisson_dates(seed0 + (uint64_t)r * 104729, f, max_rate, days, d, cap);
		assert_true(n < cap);
		struct metrics_accumulation a;
		struct err err;
		err_init(&err);
		assert_int_equal(metrics_accumulation(d, n, &w, bucket, &a, &err), 0);
		assert_int_equal(a.n_ios, n);
		counts[a.fit.shape]++;
		/* the figure each shape is about, in days */
		if (f->shape == STATS_SHAPE_EXPONENTIAL && a.fit.shape == f->shape)
			*scaled_sum += a.doubling_days;
		else if (a.fit.shape == f->shape && f->shape != STATS_SHAPE_LINEAR)
			*scaled_sum += a.growth_per_day2;
		else if (f->shape == STATS_SHAPE_LINEAR)
			*scaled_sum += a.rate_per_day;
		metrics_accumulation_release(&a);
	}
	free(d);
}

static void test_each_shape_is_recovered_from_poisson_data_with_known_rates(void **state)
{
	(void)state;
	size_t counts[5];
	double sum;
	/* constant 5 a day over 60 days */
	struct rate_fn linear = {STATS_SHAPE_LINEAR, 5, 0};
	classify(&linear, 5, 60, BUCKET_DAY, 11, 20, counts, &sum);
	/* one of the 20 is a false alarm: the 5% the rule allows */
	assert_int_equal(counts[STATS_SHAPE_LINEAR], 19);
	assert_int_equal(counts[STATS_SHAPE_ACCELERATING], 1);
	assert_close(sum / 20, 5, 0.05, 0);
	/* 2 + 0.5 t a day: accelerating, growth 0.5 a day per day */
	struct rate_fn acc = {STATS_SHAPE_ACCELERATING, 2, 0.5};
	classify(&acc, 32, 60, BUCKET_DAY, 23, 20, counts, &sum);
	assert_int_equal(counts[STATS_SHAPE_ACCELERATING], 20);
	assert_close(sum / 20, 0.5, 0.05, 0);
	/* 0.5 e^(0.08 t): exponential, doubling every ln 2 / 0.08 = 8.66 days */
	struct rate_fn expo = {STATS_SHAPE_EXPONENTIAL, 0.5, 0.08};
	classify(&expo, 0.5 * exp(0.08 * 60), 60, BUCKET_DAY, 37, 20, counts, &sum);
	assert_int_equal(counts[STATS_SHAPE_EXPONENTIAL], 20);
	assert_close(sum / 20, log(2) / 0.08, 0.05, 0);
	/* the same in week buckets over 40 weeks (0.5 e^(0.02 t)): doubling in days */
	struct rate_fn slow = {STATS_SHAPE_EXPONENTIAL, 0.5, 0.02};
	classify(&slow, 0.5 * exp(0.02 * 280), 280, BUCKET_WEEK, 41, 20, counts, &sum);
	assert_int_equal(counts[STATS_SHAPE_EXPONENTIAL], 20);
	assert_close(sum / 20, log(2) / 0.02, 0.05, 0);
	/* 30 - 0.4 t: decelerating */
	struct rate_fn dec = {STATS_SHAPE_DECELERATING, 30, 0.4};
	classify(&dec, 30, 60, BUCKET_DAY, 53, 20, counts, &sum);
	assert_int_equal(counts[STATS_SHAPE_DECELERATING], 20);
	assert_close(sum / 20, -0.4, 0.05, 0);
}

static void test_constant_rate_data_is_rarely_called_growing(void **state)
{
	(void)state;
	/* 200 replications of 2 IOs a day over 30 days */
	struct rate_fn constant = {STATS_SHAPE_LINEAR, 2, 0};
	size_t counts[5];
	double sum;
	classify(&constant, 2, 30, BUCKET_DAY, 1000003, 200, counts, &sum);
	size_t growing = counts[STATS_SHAPE_ACCELERATING] + counts[STATS_SHAPE_EXPONENTIAL];
	assert_true(growing <= 10); /* at most 5% */
	/* the exact counts of these seeds */
	assert_int_equal(growing, 1);
	assert_int_equal(counts[STATS_SHAPE_LINEAR], 193);
	assert_int_equal(counts[STATS_SHAPE_DECELERATING], 6);
	assert_int_equal(counts[STATS_SHAPE_INSUFFICIENT_DATA], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_dates_fall_in_whole_buckets_and_the_partial_one_is_counted_apart),
		cmocka_unit_test(test_a_window_without_a_whole_bucket_is_an_error),
		cmocka_unit_test(test_the_default_bucket_is_a_day_up_to_90_days_then_a_week),
		cmocka_unit_test(test_weekly_rates_are_scaled_to_days),
		cmocka_unit_test(test_clustered_counts_are_overdispersed),
		cmocka_unit_test(test_each_shape_is_recovered_from_poisson_data_with_known_rates),
		cmocka_unit_test(test_constant_rate_data_is_rarely_called_growing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
