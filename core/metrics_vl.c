/* Validation Lag: Kaplan–Meier over the gated changes effective in the
 * window, closed evaluations as events (a closure before effective_at at 0),
 * open ones censored at asof; the median, p90 and restricted mean with
 * log-log intervals, and the plain median of the closed ones beside them. */
#include "common.h"

#include <math.h>

#include "metrics_int.h"
#include "rtime.h"
#include "stats/percentile.h"

struct metrics_span metrics_span_of(const struct metrics_window *w)
{
	struct metrics_span s = {w->from, w->asof, w->asof};
	return s;
}

double metrics_seconds(int64_t usec)
{
	return (double)usec / 1e6;
}

int metrics_in_span(const struct metrics_span *s, int64_t t)
{
	return t != RTIME_NONE && t >= s->from && t < s->end;
}

/* Durations and event flags of the population, counted into out. */
static size_t vl_population(const struct metric_change *changes, size_t n,
			    const struct metrics_span *s, double *time, double *event,
			    double *closed, struct metrics_vl *out)
{
	size_t k = 0;
	int64_t oldest = -1;
	for (size_t i = 0; i < n; i++) {
		const struct metric_change *c = &changes[i];
		if (!metrics_in_span(s, c->effective_at))
			continue;
		if (!c->gated) {
			out->n_ungated++;
			continue;
		}
		if (c->closed_at != RTIME_NONE && c->closed_at <= s->asof) {
			int64_t lag = c->closed_at - c->effective_at;
			if (lag < 0) {
				out->n_closed_before_effective++;
				lag = 0;
			}
			time[k] = metrics_seconds(lag);
			event[k++] = 1;
			closed[out->n_closed++] = metrics_seconds(lag);
		} else {
			int64_t age = s->asof - c->effective_at;
			time[k] = metrics_seconds(age);
			event[k++] = 0;
			out->n_open++;
			oldest = age > oldest ? age : oldest;
		}
	}
	out->oldest_open_age = oldest >= 0 ? metrics_seconds(oldest) : NAN;
	return k;
}

/* The restricted mean's horizon: the longest observed follow-up in the
 * population (R's rmean = "common"), at most asof - from. */
static double rmean_horizon(const double *time, size_t n, const struct metrics_span *s)
{
	double longest = NAN;
	for (size_t i = 0; i < n; i++)
		if (isnan(longest) || time[i] > longest)
			longest = time[i];
	double window = metrics_seconds(s->asof - s->from);
	return longest > window ? window : longest;
}

void metrics_vl_span(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		     struct metrics_vl *out)
{
	memset(out, 0, sizeof(*out));
	double *time = xmalloc((n ? n : 1) * sizeof(double));
	double *event = xmalloc((n ? n : 1) * sizeof(double));
	double *closed = xmalloc((n ? n : 1) * sizeof(double));
	struct stats_km_point *points = xmalloc((n ? n : 1) * sizeof(*points));
	out->n = vl_population(changes, n, s, time, event, closed, out);

	struct stats_km fit;
	stats_km_fit(time, event, out->n, points, &fit);
	stats_km_median(&fit, &out->median);
	stats_km_quantile(&fit, 0.9, &out->p90);
	metrics_rmean(&fit, out->n_closed, rmean_horizon(time, out->n, s), &out->rmean,
		      &out->rmean_reason);

	out->closed_median = NAN;
	if (out->n_closed > 0)
		stats_percentile(closed, out->n_closed, 0.5, STATS_PERCENTILE_LINEAR,
				 &out->closed_median, &(struct stats_percentile_info){0});
	if (out->n == 0)
		out->reason = "no gated changes effective in the window";
	else if (out->median.status != STATS_OK)
		out->reason = "fewer than half of the evaluations closed: the Kaplan-Meier curve "
			      "stays above 0.5";
	free(time);
	free(event);
	free(closed);
	free(points);
}

void metrics_rmean(const struct stats_km *fit, size_t n_closed, double tau,
		   struct stats_km_rmean *out, const char **reason)
{
	*reason = NULL;
	int fitted = fit->status == STATS_OK;
	if (!fitted || n_closed == 0) {
		/* With no event the curve is 1 up to tau: the "mean" would be tau itself. */
		memset(out, 0, sizeof(*out));
		out->status = fitted ? STATS_UNDEFINED : fit->status;
		out->tau = fitted ? tau : NAN;
		out->estimate = out->std_err = NAN;
		*reason = fitted ? METRICS_NO_CLOSURE : "no gated changes effective in the window";
		return;
	}
	stats_km_rmean(fit, tau, out);
}

void metrics_vl(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		struct metrics_vl *out)
{
	struct metrics_span s = metrics_span_of(w);
	metrics_vl_span(changes, n, &s, out);
}
