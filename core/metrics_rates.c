/* The two rates: RDPR (drills that passed ÷ drills, Wilson 95%, failures by
 * reason) and GBR (bypassed ÷ required gates of high-impact changes, per week,
 * per IO change, and as a weekly series). */
#include "common.h"

#include <math.h>

#include "metrics_int.h"
#include "rtime.h"

static void count_failure(struct metrics_rdpr *out, const char *why)
{
	if (strcmp(why, "RTO missed") == 0)
		out->rto_missed++;
	else if (strcmp(why, "RPO missed") == 0)
		out->rpo_missed++;
	else if (strcmp(why, "aborted") == 0)
		out->aborted++;
	else if (strcmp(why, "unmeasured") == 0)
		out->unmeasured++;
	else
		out->failed++;
}

void metrics_rdpr_span(const struct drill *drills, size_t n, const struct metrics_span *s,
		       struct metrics_rdpr *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const char *why;
		if (!metrics_in_span(s, drills[i].performed_at))
			continue;
		out->n++;
		if (drill_passed(&drills[i], &why))
			out->n_passed++;
		else
			count_failure(out, why);
	}
	stats_wilson(out->n_passed, out->n, 0.95, &out->wilson);
	if (out->n == 0) {
		out->wilson.proportion = NAN;
		out->reason = "no drills in the window";
	}
}

void metrics_rdpr(const struct drill *drills, size_t n, const struct metrics_window *w,
		  struct metrics_rdpr *out)
{
	struct metrics_span s = metrics_span_of(w);
	metrics_rdpr_span(drills, n, &s, out);
}

void metrics_gbr_span(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		      struct metrics_gbr *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct metric_change *c = &changes[i];
		if (!metrics_in_span(s, c->effective_at))
			continue;
		if (c->has_io) {
			out->io_changes++;
			out->io_changes_bypassed += c->n_bypassed > 0;
		}
		if (c->impact != IMPACT_HIGH)
			continue;
		out->n_changes++;
		out->numerator += (size_t)(c->n_bypassed > 0 ? c->n_bypassed : 0);
		out->denominator += (size_t)(c->n_required > 0 ? c->n_required : 0);
		out->n_shipped_while_blocked += c->shipped_while_blocked != 0;
	}
	out->value = NAN;
	if (out->denominator > 0)
		out->value = (double)out->numerator / (double)out->denominator;
	else
		out->reason = "no required gates on high-impact changes in the window";
	int64_t span = s->asof - s->from;
	out->per_week =
		span > 0 ? (double)out->numerator / ((double)span / (double)METRICS_WEEK) : NAN;
	out->per_io_change = NAN;
	if (out->io_changes > 0)
		out->per_io_change = (double)out->io_changes_bypassed / (double)out->io_changes;
	else
		out->per_io_change_reason = "no changes with an IO in the window";
}

void metrics_gbr(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		 struct metrics_gbr *out)
{
	struct metrics_span s = metrics_span_of(w);
	metrics_gbr_span(changes, n, &s, out);
}

/* The week of t: its index from w->from, or -1 outside [from, asof). */
static long week_of(const struct metrics_window *w, int64_t t)
{
	if (t == RTIME_NONE || t < w->from || t >= w->asof)
		return -1;
	return (long)((t - w->from) / METRICS_WEEK);
}

size_t metrics_gbr_weekly(const struct metric_change *changes, size_t n,
			  const struct metrics_window *w, struct metrics_gbr_week *weeks)
{
	if (w->asof <= w->from)
		return 0;
	int64_t span = w->asof - w->from;
	size_t n_weeks = (size_t)((span + METRICS_WEEK - 1) / METRICS_WEEK);
	for (size_t i = 0; i < n_weeks; i++) {
		weeks[i].start = w->from + (int64_t)i * METRICS_WEEK;
		weeks[i].end = i + 1 == n_weeks ? w->asof : weeks[i].start + METRICS_WEEK;
		weeks[i].numerator = weeks[i].denominator = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct metric_change *c = &changes[i];
		long eff = week_of(w, c->effective_at);
		if (c->impact != IMPACT_HIGH || eff < 0)
			continue;
		weeks[eff].denominator += (size_t)(c->n_required > 0 ? c->n_required : 0);
		long byp = week_of(w, c->first_bypass_at);
		if (byp >= 0 && c->n_bypassed > 0)
			weeks[byp].numerator += (size_t)c->n_bypassed;
	}
	for (size_t i = 0; i < n_weeks; i++)
		weeks[i].value = weeks[i].denominator > 0
					 ? (double)weeks[i].numerator / (double)weeks[i].denominator
					 : NAN;
	return n_weeks;
}
