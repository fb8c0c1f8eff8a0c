/* One-to-one event matching within a tolerance (an optimal two-pointer scan) and
 * threshold-crossing times of a series with linear interpolation. */
#include "common.h"

#include <math.h>

#include "stats/events.h"

/* Counts the finite entries of t[0..n) into *used; false when they are not ascending. */
static bool finite_ascending(const double *t, size_t n, size_t *used)
{
	double last = -INFINITY;
	*used = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(t[i]))
			continue;
		if (t[i] < last)
			return false;
		last = t[i];
		(*used)++;
	}
	return true;
}

/* The next finite index at or after i (n when none). */
static size_t next_finite(const double *t, size_t n, size_t i)
{
	while (i < n && !isfinite(t[i]))
		i++;
	return i;
}

static void match_scores(struct stats_event_match *out)
{
	size_t nr = out->n_reference, nd = out->n_detected;
	out->precision_status = nd ? STATS_OK : STATS_UNDEFINED;
	out->recall_status = nr ? STATS_OK : STATS_UNDEFINED;
	out->f1_status = nr + nd ? STATS_OK : STATS_UNDEFINED;
	if (nd)
		out->precision = (double)out->matched / (double)nd;
	if (nr)
		out->recall = (double)out->matched / (double)nr;
	if (nr + nd)
		out->f1 = 2.0 * (double)out->matched / (double)(nr + nd);
}

enum stats_status stats_events_match(const double *reference, size_t n_reference,
				     const double *detected, size_t n_detected, double tolerance,
				     struct stats_event_pair *pairs, struct stats_event_match *out)
{
	memset(out, 0, sizeof(*out));
	out->precision = out->recall = out->f1 = NAN;
	out->precision_status = out->recall_status = out->f1_status = STATS_INVALID_INPUT;
	out->status = STATS_INVALID_INPUT;
	size_t nr, nd;
	if (!isfinite(tolerance) || tolerance < 0.0)
		return out->status;
	if (!finite_ascending(reference, n_reference, &nr) ||
	    !finite_ascending(detected, n_detected, &nd))
		return out->status;
	out->n_reference = nr;
	out->n_detected = nd;
	out->n_missing = (n_reference - nr) + (n_detected - nd);
	size_t i = next_finite(reference, n_reference, 0);
	size_t j = next_finite(detected, n_detected, 0);
	while (i < n_reference && j < n_detected) {
		double gap = detected[j] - reference[i];
		if (fabs(gap) <= tolerance) {
			if (pairs)
				pairs[out->matched] = (struct stats_event_pair){i, j};
			out->matched++;
			i = next_finite(reference, n_reference, i + 1);
			j = next_finite(detected, n_detected, j + 1);
		} else if (gap < 0.0) { /* detected[j] is too early for this and every later one */
			j = next_finite(detected, n_detected, j + 1);
		} else { /* reference[i] is too early for this and every later detection */
			i = next_finite(reference, n_reference, i + 1);
		}
	}
	out->status = STATS_OK;
	match_scores(out);
	return out->status;
}

static bool crossing_options_valid(const struct stats_crossing_options *opt)
{
	return isfinite(opt->threshold) &&
	       (opt->direction == STATS_CROSSING_UP || opt->direction == STATS_CROSSING_DOWN ||
		opt->direction == STATS_CROSSING_BOTH);
}

/* Time of the crossing between the samples (tp, yp) and (ti, yi), on opposite sides. */
static double crossing_time(double tp, double yp, double ti, double yi, double threshold)
{
	return tp + (threshold - yp) / (yi - yp) * (ti - tp);
}

enum stats_status stats_crossings(const double *time, const double *y, size_t n,
				  const struct stats_crossing_options *opt,
				  struct stats_crossing *crossings, size_t capacity,
				  struct stats_crossings *out)
{
	memset(out, 0, sizeof(*out));
	out->status = STATS_INVALID_INPUT;
	if (!crossing_options_valid(opt))
		return out->status;
	bool have_prev = false;
	double tp = 0.0, yp = 0.0;
	for (size_t i = 0; i < n; i++) {
		double ti = time ? time[i] : (double)i;
		if (!isfinite(y[i]) || !isfinite(ti)) {
			out->n_missing++;
			continue;
		}
		out->n++;
		if (have_prev && !(ti > tp)) {
			out->status = STATS_INVALID_INPUT;
			out->n_crossings = out->n_written = 0;
			return out->status;
		}
		bool above = y[i] >= opt->threshold;
		if (have_prev && above != (yp >= opt->threshold)) {
			int direction = above ? 1 : -1;
			if (opt->direction & (above ? STATS_CROSSING_UP : STATS_CROSSING_DOWN)) {
				if (out->n_written < capacity)
					crossings[out->n_written++] = (struct stats_crossing){
						opt->step ? ti
							  : crossing_time(tp, yp, ti, y[i],
									  opt->threshold),
						i, direction};
				out->n_crossings++;
			}
		}
		have_prev = true;
		tp = ti;
		yp = y[i];
	}
	out->status = out->n < 2 ? STATS_TOO_FEW : STATS_OK;
	if (out->status != STATS_OK)
		out->n_crossings = out->n_written = 0;
	return out->status;
}
