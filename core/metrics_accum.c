/* IO accumulation: IO dates counted in whole day or week buckets from the
 * window's start, the shape classified by stats_accumulation_shape, and its
 * rates scaled from buckets to days. */
#include "common.h"

#include <math.h>

#include "err.h"
#include "metrics_int.h"
#include "rtime.h"

static const char *const metrics_bucket_tab[] = {"day", "week"};
const struct model_names metrics_bucket_names = {metrics_bucket_tab,
						 (int)ARRAY_SIZE(metrics_bucket_tab), "day, week"};

enum metrics_bucket metrics_bucket_default(const struct metrics_window *w)
{
	return w->to - w->from <= 90 * METRICS_DAY ? BUCKET_DAY : BUCKET_WEEK;
}

/* The rates of the fit (per bucket) as per day. */
static void scale_rates(struct metrics_accumulation *a)
{
	const struct stats_accumulation *f = &a->fit;
	double days = (double)a->bucket_usec / (double)METRICS_DAY;
	a->rate_per_day = f->rate / days;
	if (isnan(a->rate_per_day))
		a->rate_per_day = f->mean_rate / days;
	a->growth_per_day2 = NAN;
	a->doubling_days = NAN;
	if (f->shape == STATS_SHAPE_INSUFFICIENT_DATA)
		return;
	switch (f->model) {
	case STATS_MODEL_CONSTANT:
		a->growth_per_day2 = 0;
		break;
	case STATS_MODEL_LINEAR_RATE:
		/* events per bucket per bucket → per day per day */
		a->growth_per_day2 = f->growth_rate / (days * days);
		break;
	case STATS_MODEL_LOG_LINEAR:
		/* log-rate per bucket → per day */
		a->growth_per_day2 = f->growth_rate / days;
		break;
	}
	if (f->shape == STATS_SHAPE_EXPONENTIAL)
		a->doubling_days = f->doubling_time * days;
}

int metrics_buckets_check(const struct metrics_window *w, enum metrics_bucket bucket,
			  struct err *err)
{
	int64_t size = bucket == BUCKET_WEEK ? METRICS_WEEK : METRICS_DAY;
	if (w->asof <= w->from || (w->asof - w->from) / size <= METRICS_MAX_BUCKETS)
		return 0;
	const char *advice = bucket == BUCKET_DAY
				     ? "use bucket=week or a window of at most 5000 days"
				     : "use a window of at most 5000 weeks (a later from or an "
				       "earlier to)";
	err_set(err, ERR_INVALID, "the window holds %" PRId64 " whole %ss, more than %d: %s",
		(w->asof - w->from) / size, model_name(&metrics_bucket_names, (int)bucket),
		METRICS_MAX_BUCKETS, advice);
	return err_detail(err, "bucket", 0, 0, "at most %d buckets: %s", METRICS_MAX_BUCKETS,
			  advice);
}

int metrics_accumulation(const int64_t *dates, size_t n, const struct metrics_window *w,
			 enum metrics_bucket bucket, struct metrics_accumulation *out,
			 struct err *err)
{
	memset(out, 0, sizeof(*out));
	out->bucket = bucket;
	out->bucket_usec = bucket == BUCKET_WEEK ? METRICS_WEEK : METRICS_DAY;
	out->rate_per_day = out->growth_per_day2 = out->doubling_days = NAN;
	if (w->asof <= w->from || w->asof - w->from < out->bucket_usec)
		return err_set(err, ERR_INVALID, "the window holds no whole %s",
			       model_name(&metrics_bucket_names, (int)bucket));
	if (metrics_buckets_check(w, bucket, err) < 0)
		return -1;
	out->n_buckets = (size_t)((w->asof - w->from) / out->bucket_usec);
	int64_t whole_end = w->from + (int64_t)out->n_buckets * out->bucket_usec;
	out->counts = xcalloc(out->n_buckets, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		int64_t t = dates[i];
		if (t == RTIME_NONE || t < w->from || t >= w->asof)
			continue;
		out->n_ios++;
		if (t >= whole_end)
			out->n_partial++;
		else
			out->counts[(t - w->from) / out->bucket_usec] += 1;
	}
	stats_accumulation_shape(out->counts, out->n_buckets, &out->fit);
	scale_rates(out);
	out->overdispersed = out->fit.constant.dispersion > 1.5;
	return 0;
}

void metrics_accumulation_release(struct metrics_accumulation *a)
{
	free(a->counts);
	a->counts = NULL;
}
