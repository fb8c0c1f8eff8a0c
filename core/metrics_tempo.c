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
		xqsort(t, k, sizeof(*t), cmp_time);
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
 * closed (effective_at <= t < closure, or open) that took effect at or after
 * carry_from. */
static double little_l(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		       int64_t carry_from)
{
	if (s->asof <= s->from)
		return NAN;
	long double area = 0;
	for (size_t i = 0; i < n; i++) {
		const struct metric_change *c = &changes[i];
		if (!c->gated || c->effective_at == RTIME_NONE || c->effective_at >= s->asof ||
		    c->effective_at < carry_from)
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
static const char *ratio_undefined(size_t n_effective, double tau_u, double tau_g,
				   const char *tau_g_reason)
{
	if (n_effective < 2)
		return "fewer than 2 gated changes effective in the window";
	if (!(tau_u > 0))
		return "every gated change took effect at the same instant";
	if (isnan(tau_g))
		return tau_g_reason ? tau_g_reason : "no restricted mean validation lag";
	return NULL;
}

static void tempo_span(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		       int64_t carry_from, struct metrics_tempo *out)
{
	memset(out, 0, sizeof(*out));
	out->n_effective = update_cycle(changes, n, s, 1, &out->tau_u, &out->tau_u_median);
	double ignored;
	out->n_effective_all = update_cycle(changes, n, s, 0, &out->tau_u_all, &ignored);
	struct metrics_vl vl;
	metrics_vl_span(changes, n, s, &vl);
	out->tau_g = vl.rmean.status == STATS_OK ? vl.rmean.estimate : NAN;
	out->tau_g_tau = vl.rmean.tau;
	out->tau_g_reason = vl.rmean_reason;
	out->tau_g_median = vl.median.status == STATS_OK ? vl.median.estimate : NAN;
	out->little_l = little_l(changes, n, s, carry_from);
	out->ratio = NAN;
	out->reason = ratio_undefined(out->n_effective, out->tau_u, out->tau_g, out->tau_g_reason);
	if (!out->reason)
		out->ratio = out->tau_g / out->tau_u;
	out->rel_diff = NAN;
	if (!isnan(out->ratio) && !isnan(out->little_l)) {
		double big = out->ratio > out->little_l ? out->ratio : out->little_l;
		out->rel_diff = big > 0 ? fabs(out->ratio - out->little_l) / big : 0;
	}
}

void metrics_tempo(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		   struct metrics_tempo *out)
{
	struct metrics_span s = metrics_span_of(w);
	/* L carries in changes that took effect at most one window before from */
	tempo_span(changes, n, &s, w->from - (w->to - w->from), out);
}

/* ---- the rolling series ---- */

static int cmp_effective(const void *a, const void *b)
{
	const struct metric_change *x = a, *y = b;
	return (x->effective_at > y->effective_at) - (x->effective_at < y->effective_at);
}

/* A closed evaluation of a series point's population: its lag (closure -
 * effective_at, at least 0) and the change's index in the sorted array. */
struct lag_event {
	int64_t lag;
	size_t at;
};

/* The changes sorted once by effective_at, the series' instants, and the
 * closed evaluations of the last point's population sorted by lag, kept from
 * one instant to the next (consecutive points share all but a few changes),
 * so a point's Kaplan-Meier curve needs no sort. */
struct series {
	struct metric_change *sorted;
	size_t n;
	int64_t *instants; /* distinct effective_at of gated changes in [from, asof) */
	size_t *ends;	   /* per instant: the first index of sorted at or after it */
	size_t k;
	int64_t span;
	size_t lo_carry, lo_span; /* first index at or after t - 2 span, t - span */
	struct lag_event *ev;	  /* the gated changes of sorted[ev_lo, ev_hi) closed by ev_t */
	size_t n_ev, ev_lo, ev_hi;
	int64_t ev_t;
	int ev_valid;
};

static void series_init(struct series *sr, const struct metric_change *changes, size_t n,
			const struct metrics_window *w, int64_t span)
{
	memset(sr, 0, sizeof(*sr));
	size_t room = n ? n : 1;
	sr->sorted = xmalloc(room * sizeof(*sr->sorted));
	sr->instants = xmalloc(room * sizeof(*sr->instants));
	sr->ends = xmalloc(room * sizeof(*sr->ends));
	sr->ev = xmalloc(room * sizeof(*sr->ev));
	sr->span = span;
	for (size_t i = 0; i < n; i++)
		if (changes[i].effective_at != RTIME_NONE)
			sr->sorted[sr->n++] = changes[i];
	xqsort(sr->sorted, sr->n, sizeof(*sr->sorted), cmp_effective);
	size_t group = 0; /* the first index of the current effective_at */
	for (size_t i = 0; i < sr->n; i++) {
		int64_t t = sr->sorted[i].effective_at;
		if (i > 0 && t != sr->sorted[i - 1].effective_at)
			group = i;
		if (!sr->sorted[i].gated || t < w->from || t >= w->asof)
			continue;
		if (sr->k > 0 && sr->instants[sr->k - 1] == t)
			continue; /* one point per instant */
		sr->instants[sr->k] = t;
		sr->ends[sr->k++] = group;
	}
}

static void series_release(struct series *sr)
{
	free(sr->sorted);
	free(sr->instants);
	free(sr->ends);
	free(sr->ev);
}

static int closed_by(const struct metric_change *c, int64_t t)
{
	return c->closed_at != RTIME_NONE && c->closed_at <= t;
}

static int64_t lag_of(const struct metric_change *c)
{
	int64_t d = c->closed_at - c->effective_at;
	return d > 0 ? d : 0;
}

static int cmp_lag_event(const void *a, const void *b)
{
	const struct lag_event *x = a, *y = b;
	if (x->lag != y->lag)
		return (x->lag > y->lag) - (x->lag < y->lag);
	return (x->at > y->at) - (x->at < y->at);
}

/* The position of (lag, at) in sr->ev: where it is, or would go. */
static size_t ev_position(const struct series *sr, int64_t lag, size_t at)
{
	struct lag_event key = {lag, at};
	size_t lo = 0, hi = sr->n_ev;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_lag_event(&sr->ev[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void ev_insert(struct series *sr, size_t at)
{
	int64_t lag = lag_of(&sr->sorted[at]);
	size_t pos = ev_position(sr, lag, at);
	memmove(&sr->ev[pos + 1], &sr->ev[pos], (sr->n_ev - pos) * sizeof(*sr->ev));
	sr->ev[pos] = (struct lag_event){lag, at};
	sr->n_ev++;
}

static void ev_remove(struct series *sr, size_t at)
{
	size_t pos = ev_position(sr, lag_of(&sr->sorted[at]), at);
	memmove(&sr->ev[pos], &sr->ev[pos + 1], (sr->n_ev - pos - 1) * sizeof(*sr->ev));
	sr->n_ev--;
}

/* Most changes moved into or out of the population before the events are
 * collected and sorted afresh instead. */
#define EV_INCREMENTAL_MAX 64

/* Brings sr->ev to the gated changes of sorted[lo, hi) closed by t: from the
 * last point's when the two are close (t later, the range moved forward by a
 * few changes), else collected and sorted. */
static void ev_update(struct series *sr, size_t lo, size_t hi, int64_t t)
{
	const struct metric_change *c = sr->sorted;
	int near = sr->ev_valid && t >= sr->ev_t && lo >= sr->ev_lo && hi >= sr->ev_hi &&
		   lo <= sr->ev_hi && (lo - sr->ev_lo) + (hi - sr->ev_hi) <= EV_INCREMENTAL_MAX;
	if (!near) {
		sr->n_ev = 0;
		for (size_t i = lo; i < hi; i++)
			if (c[i].gated && closed_by(&c[i], t))
				sr->ev[sr->n_ev++] = (struct lag_event){lag_of(&c[i]), i};
		xqsort(sr->ev, sr->n_ev, sizeof(*sr->ev), cmp_lag_event);
	} else {
		for (size_t i = sr->ev_lo; i < lo; i++)
			if (c[i].gated && closed_by(&c[i], sr->ev_t))
				ev_remove(sr, i);
		for (size_t i = lo; i < sr->ev_hi; i++)
			if (c[i].gated && !closed_by(&c[i], sr->ev_t) && closed_by(&c[i], t))
				ev_insert(sr, i);
		for (size_t i = sr->ev_hi; i < hi; i++)
			if (c[i].gated && closed_by(&c[i], t))
				ev_insert(sr, i);
	}
	sr->ev_t = t;
	sr->ev_lo = lo;
	sr->ev_hi = hi;
	sr->ev_valid = 1;
}

/* The next censored change of sorted[lo, *i) going down (the open ones, by
 * ascending follow-up t - effective_at), or 0 when none is left. */
static int next_censored(const struct series *sr, size_t lo, size_t *i, int64_t t)
{
	while (*i > lo) {
		const struct metric_change *c = &sr->sorted[--*i];
		if (c->gated && !closed_by(c, t))
			return 1;
	}
	return 0;
}

/* tau_g of a point: the VL restricted mean of the gated changes of
 * sorted[lo, hi) censored at t, up to their longest follow-up (NAN when none
 * closed). The closed lags (sr->ev, sorted) and the open follow-ups (by
 * effective_at, descending) are merged in one pass: the same Kaplan-Meier
 * products and areas, in the same order, as stats_km_fit and stats_km_rmean. */
static double point_tau_g(struct series *sr, size_t lo, size_t hi, int64_t t)
{
	ev_update(sr, lo, hi, t);
	if (sr->n_ev == 0)
		return NAN;
	size_t at_risk = 0;
	for (size_t i = lo; i < hi; i++)
		at_risk += (size_t)sr->sorted[i].gated;
	size_t e = 0, ci = hi;
	int have_c = next_censored(sr, lo, &ci, t);
	double km = 1.0, area = 0.0, prev = 0.0;
	while (e < sr->n_ev || have_c) {
		int64_t c_lag = have_c ? t - sr->sorted[ci].effective_at : INT64_MAX;
		int64_t lag = e < sr->n_ev && sr->ev[e].lag < c_lag ? sr->ev[e].lag : c_lag;
		size_t d = 0, gone = 0;
		for (; e < sr->n_ev && sr->ev[e].lag == lag; e++)
			d++;
		while (have_c && t - sr->sorted[ci].effective_at == lag) {
			gone++;
			have_c = next_censored(sr, lo, &ci, t);
		}
		double time = metrics_seconds(lag);
		area += (time - prev) * km;
		prev = time;
		if (d > 0) {
			double nr = (double)at_risk, dd = (double)d;
			km *= (nr - dd) / nr;
		}
		at_risk -= d + gone;
	}
	return area;
}

/* The point of instant j: tau_u (the mean only: first to last over k - 1),
 * tau_g, their ratio and L over [t - span, t), L carrying in changes
 * effective from t - 2 span. Instants must be asked in ascending order. */
static void series_point(struct series *sr, size_t j, struct metrics_tempo_point *p)
{
	int64_t t = sr->instants[j];
	size_t hi = sr->ends[j];
	struct metrics_span s = {t - sr->span, t, t};
	int64_t carry_from = s.from - sr->span;
	while (sr->lo_carry < hi && sr->sorted[sr->lo_carry].effective_at < carry_from)
		sr->lo_carry++;
	if (sr->lo_span < sr->lo_carry)
		sr->lo_span = sr->lo_carry;
	while (sr->lo_span < hi && sr->sorted[sr->lo_span].effective_at < s.from)
		sr->lo_span++;
	int64_t first = RTIME_NONE, last = RTIME_NONE;
	size_t k = 0;
	for (size_t i = sr->lo_span; i < hi; i++) {
		if (!sr->sorted[i].gated)
			continue;
		last = sr->sorted[i].effective_at;
		first = k++ == 0 ? last : first;
	}
	p->at = t;
	p->tau_u = k >= 2 ? metrics_seconds(last - first) / (double)(k - 1) : NAN;
	p->tau_g = point_tau_g(sr, sr->lo_span, hi, t);
	p->little_l = little_l(sr->sorted + sr->lo_carry, hi - sr->lo_carry, &s, carry_from);
	p->ratio = ratio_undefined(k, p->tau_u, p->tau_g, NULL) ? NAN : p->tau_g / p->tau_u;
}

size_t metrics_tempo_series(const struct metric_change *changes, size_t n,
			    const struct metrics_window *w, int64_t span_usec,
			    struct metrics_tempo_point *points)
{
	struct series sr;
	series_init(&sr, changes, n, w, span_usec);
	size_t count = sr.k < METRICS_SERIES_MAX ? sr.k : METRICS_SERIES_MAX;
	for (size_t j = 0; j < count; j++) {
		/* rank round(j (K - 1) / (count - 1)): exact in integers */
		size_t at = count < 2 ? j
				      : (size_t)(((uint64_t)j * (sr.k - 1) * 2 + (count - 1)) /
						 ((uint64_t)(count - 1) * 2));
		series_point(&sr, at, &points[j]);
	}
	series_release(&sr);
	return count;
}

size_t metrics_tempo_series_tail(const struct metric_change *changes, size_t n,
				 const struct metrics_window *w, int64_t span_usec, size_t count,
				 struct metrics_tempo_point *points)
{
	struct series sr;
	series_init(&sr, changes, n, w, span_usec);
	size_t first = sr.k > count ? sr.k - count : 0;
	for (size_t j = first; j < sr.k; j++)
		series_point(&sr, j, &points[j - first]);
	size_t written = sr.k - first;
	series_release(&sr);
	return written;
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
