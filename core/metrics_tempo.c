/* Tempo: tau_u (the mean interval between consecutive effective gated
 * changes), tau_g (the VL restricted mean), their ratio, and Little's L
 * measured directly as the time-average number of changes live and not yet
 * evaluated; a rolling series of the same, and whether the ratio stayed above
 * its threshold. */
#include "common.h"

#include <math.h>

#include "metrics_int.h"
#include "rtime.h"
#include "stats/percentile.h"

static int cmp_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* tau_u over the effective_at of the changes in the span (gated ones only when
 * gated_only): the mean and median interval, in seconds. Returns how many. */
static size_t update_cycle(const struct metric_change *changes, size_t n,
			   const struct metrics_span *s, int gated_only, double *mean,
			   double *median)
{
	int64_t *t = xmalloc((n ? n : 1) * sizeof(*t));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (metrics_in_span(s, changes[i].effective_at) &&
		    (!gated_only || changes[i].gated))
			t[k++] = changes[i].effective_at;
	*mean = *median = NAN;
	if (k >= 2) {
		qsort(t, k, sizeof(*t), cmp_time);
		double *gaps = xmalloc((k - 1) * sizeof(*gaps));
		for (size_t i = 0; i + 1 < k; i++)
			gaps[i] = metrics_seconds(t[i + 1] - t[i]);
		*mean = metrics_seconds(t[k - 1] - t[0]) / (double)(k - 1);
		stats_percentile(gaps, k - 1, 0.5, STATS_PERCENTILE_LINEAR, median,
				 &(struct stats_percentile_info){0});
		free(gaps);
	}
	free(t);
	return k;
}

/* L: the time-average over [from, asof) of the gated changes live and not
 * closed (effective_at <= t < closure, or open). */
static double little_l(const struct metric_change *changes, size_t n, const struct metrics_span *s)
{
	if (s->asof <= s->from)
		return NAN;
	long double area = 0;
	for (size_t i = 0; i < n; i++) {
		const struct metric_change *c = &changes[i];
		if (!c->gated || c->effective_at == RTIME_NONE || c->effective_at >= s->asof)
			continue;
		int64_t start = c->effective_at > s->from ? c->effective_at : s->from;
		int64_t end = s->asof;
		if (c->closed_at != RTIME_NONE && c->closed_at < end)
			end = c->closed_at;
		if (end > start)
			area += (long double)(end - start);
	}
	return (double)(area / (long double)(s->asof - s->from));
}

/* Why a ratio tau_g / tau_u cannot be formed, or NULL. */
static const char *ratio_undefined(size_t n_effective, double tau_u, double tau_g)
{
	if (n_effective < 2)
		return "fewer than 2 gated changes effective in the window";
	if (!(tau_u > 0))
		return "every gated change took effect at the same instant";
	if (isnan(tau_g))
		return "no restricted mean validation lag";
	return NULL;
}

static void tempo_span(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		       struct metrics_tempo *out)
{
	memset(out, 0, sizeof(*out));
	out->n_effective = update_cycle(changes, n, s, 1, &out->tau_u, &out->tau_u_median);
	double ignored;
	out->n_effective_all = update_cycle(changes, n, s, 0, &out->tau_u_all, &ignored);
	struct metrics_vl vl;
	metrics_vl_span(changes, n, s, &vl);
	out->tau_g = vl.rmean.status == STATS_OK ? vl.rmean.estimate : NAN;
	out->tau_g_median = vl.median.status == STATS_OK ? vl.median.estimate : NAN;
	out->little_l = little_l(changes, n, s);
	out->ratio = NAN;
	out->reason = ratio_undefined(out->n_effective, out->tau_u, out->tau_g);
	if (!out->reason)
		out->ratio = out->tau_g / out->tau_u;
	out->rel_diff = NAN;
	if (!isnan(out->ratio) && !isnan(out->little_l)) {
		double big = out->ratio > out->little_l ? out->ratio : out->little_l;
		out->rel_diff = big > 0 ? fabs(out->ratio - out->little_l) / big : 0;
	}
}

/* One point of the series: tau_u (the mean only: first to last over k - 1),
 * tau_g (the restricted mean only), their ratio and L over the span. */
static void tempo_point(const struct metric_change *changes, size_t n, const struct metrics_span *s,
			struct metrics_tempo_point *p)
{
	int64_t first = RTIME_NONE, last = RTIME_NONE;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t t = changes[i].effective_at;
		if (!changes[i].gated || !metrics_in_span(s, t))
			continue;
		first = k == 0 || t < first ? t : first;
		last = k == 0 || t > last ? t : last;
		k++;
	}
	p->tau_u = k >= 2 ? metrics_seconds(last - first) / (double)(k - 1) : NAN;
	p->tau_g = metrics_vl_rmean(changes, n, s);
	p->little_l = little_l(changes, n, s);
	p->ratio = ratio_undefined(k, p->tau_u, p->tau_g) ? NAN : p->tau_g / p->tau_u;
}

void metrics_tempo(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		   struct metrics_tempo *out)
{
	struct metrics_span s = metrics_span_of(w);
	tempo_span(changes, n, &s, out);
}

static int cmp_effective(const void *a, const void *b)
{
	const struct metric_change *x = a, *y = b;
	return (x->effective_at > y->effective_at) - (x->effective_at < y->effective_at);
}

/* Whether gated change c may still be live at or after t (not closed by t). */
static int live_after(const struct metric_change *c, int64_t t)
{
	return c->gated && (c->closed_at == RTIME_NONE || c->closed_at > t);
}

size_t metrics_tempo_series(const struct metric_change *changes, size_t n,
			    const struct metrics_window *w, int64_t span_usec,
			    struct metrics_tempo_point *points)
{
	/* Sorted by effective_at: a point at t looks at the changes effective in
	 * [t - span, t) (a slice) and at the earlier ones still live at t - span
	 * (kept in `earlier`, pruned as t advances), not at the whole prefix. */
	struct metric_change *sorted = xmalloc((n ? n : 1) * sizeof(*sorted));
	struct metric_change *buf = xmalloc((n ? n : 1) * sizeof(*buf));
	size_t *earlier = xmalloc((n ? n : 1) * sizeof(*earlier));
	size_t m = 0, k = 0, lo = 0, n_earlier = 0;
	for (size_t i = 0; i < n; i++)
		if (changes[i].effective_at != RTIME_NONE)
			sorted[m++] = changes[i];
	qsort(sorted, m, sizeof(*sorted), cmp_effective);
	for (size_t i = 0; i < m; i++) {
		int64_t t = sorted[i].effective_at;
		if (!sorted[i].gated || t < w->from || t >= w->asof)
			continue;
		if (k > 0 && points[k - 1].at == t)
			continue; /* one point per instant */
		struct metrics_span s = {t - span_usec, t, t};
		for (; lo < i && sorted[lo].effective_at < s.from; lo++)
			earlier[n_earlier++] = lo;
		size_t used = 0, kept = 0;
		for (size_t j = 0; j < n_earlier; j++) {
			if (!live_after(&sorted[earlier[j]], s.from))
				continue;
			earlier[kept++] = earlier[j];
			buf[used++] = sorted[earlier[j]];
		}
		n_earlier = kept;
		/* the changes effective in [t - span, t); none at t */
		memcpy(buf + used, sorted + lo, (i - lo) * sizeof(*buf));
		points[k].at = t;
		tempo_point(buf, used + (i - lo), &s, &points[k]);
		k++;
	}
	free(earlier);
	free(buf);
	free(sorted);
	return k;
}

int metrics_sustained(const struct metrics_tempo_point *points, size_t n, size_t w,
		      int has_threshold, double threshold, const char **reason)
{
	*reason = NULL;
	if (!has_threshold) {
		*reason = "no tempo_ratio threshold";
		return -1;
	}
	if (w == 0 || n < w) {
		*reason = "fewer points in the series than the sustain window";
		return -1;
	}
	int undefined = 0;
	for (size_t i = n - w; i < n; i++) {
		if (isnan(points[i].ratio))
			undefined = 1;
		else if (!(points[i].ratio > threshold))
			return 0;
	}
	if (undefined) {
		*reason = "a point in the sustain window has no ratio";
		return -1;
	}
	return 1;
}
