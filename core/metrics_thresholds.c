/* Thresholds and statuses: the strictest thresholds of the active policies
 * (or one policy's), ok / warn / breach against them, and the seed's false
 * stability warning. */
#include "common.h"

#include <math.h>

#include "metrics_int.h"

static const char *const metric_status_tab[] = {"none", "ok", "warn", "breach"};
const struct model_names metric_status_names = {
	metric_status_tab, (int)ARRAY_SIZE(metric_status_tab), "none, ok, warn, breach"};

const char *metrics_status_name(enum metric_status s)
{
	return s == MSTATUS_NONE ? NULL : model_name(&metric_status_names, (int)s);
}

/* Past 80% of the threshold is compared as 5 v >= 4 t: 0.8 t is not exact in
 * binary (0.8 * 0.05 > 0.04), 4 t and 5 v are for the values that matter. */
enum metric_status metrics_status_at_most(double v, int has_threshold, double t)
{
	if (!has_threshold || isnan(v) || isnan(t))
		return MSTATUS_NONE;
	if (v > t)
		return MSTATUS_BREACH;
	return 5 * v >= 4 * t ? MSTATUS_WARN : MSTATUS_OK;
}

enum metric_status metrics_status_at_least(double v, int has_threshold, double t)
{
	if (!has_threshold || isnan(v) || isnan(t))
		return MSTATUS_NONE;
	if (v < t)
		return MSTATUS_BREACH;
	return 5 * (1 - v) >= 4 * (1 - t) ? MSTATUS_WARN : MSTATUS_OK;
}

/* Takes policy p's thresholds into out where stricter (all of them when
 * take_all). */
static void merge(struct metrics_thresholds *out, const struct policy *p, int take_all)
{
	const struct policy_thresholds *t = &p->thresholds;
	struct policy_thresholds *o = &out->t;
	if (t->has_window && (take_all || !out->source[0] || t->window > o->window)) {
		o->window = t->window;
		out->source[0] = p->name;
	}
	if (t->has_validation_lag &&
	    (take_all || !o->has_validation_lag || t->validation_lag < o->validation_lag)) {
		o->has_validation_lag = 1;
		o->validation_lag = t->validation_lag;
		out->source[1] = p->name;
	}
	if (t->has_rdpr && (take_all || !o->has_rdpr || t->rdpr > o->rdpr)) {
		o->has_rdpr = 1;
		o->rdpr = t->rdpr;
		out->source[2] = p->name;
	}
	if (t->has_gbr && (take_all || !o->has_gbr || t->gbr < o->gbr)) {
		o->has_gbr = 1;
		o->gbr = t->gbr;
		out->source[3] = p->name;
	}
	if (t->has_tempo_ratio &&
	    (take_all || !o->has_tempo_ratio || t->tempo_ratio < o->tempo_ratio)) {
		o->has_tempo_ratio = 1;
		o->tempo_ratio = t->tempo_ratio;
		out->source[4] = p->name;
	}
}

void metrics_thresholds(const struct policy_version *policies, size_t n, const char *name,
			struct metrics_thresholds *out)
{
	memset(out, 0, sizeof(*out));
	out->t.has_window = 1;
	out->t.window = 30 * 86400;
	for (size_t i = 0; i < n; i++) {
		const struct policy *p = &policies[i].policy;
		if (policies[i].parse_failed || !p->name)
			continue;
		if (name && strcmp(p->name, name) != 0)
			continue;
		merge(out, p, name != NULL);
		if (name)
			break;
	}
}

int metrics_false_stability(enum stats_shape shape, enum metric_status vl, enum metric_status rdpr,
			    enum metric_status gbr)
{
	if (shape != STATS_SHAPE_ACCELERATING && shape != STATS_SHAPE_EXPONENTIAL)
		return 0;
	if (vl == MSTATUS_NONE || rdpr == MSTATUS_NONE || gbr == MSTATUS_NONE)
		return 0;
	return vl != MSTATUS_BREACH && rdpr != MSTATUS_BREACH && gbr != MSTATUS_BREACH;
}
