/* Internal to the metrics (metrics_*.c and fit_pilot*.c): the population span
 * the figures are computed over, so the FIT pilot's window can include its
 * asof, and small shared helpers. Not for the server or the CLI. */
#ifndef RATCHET_METRICS_INT_H
#define RATCHET_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#define METRICS_USEC INT64_C(1000000)
#define METRICS_DAY (86400 * METRICS_USEC)
#define METRICS_WEEK (7 * METRICS_DAY)

/* Records are in the population when from <= t < end; asof is the censoring
 * time (closures after it are open). The API's window is {from, asof, asof};
 * the FIT pilot's {from, asof + 1, asof} (asof included). */
struct metrics_span {
	int64_t from, end, asof;
};

/* The span of a window: [from, asof). */
struct metrics_span metrics_span_of(const struct metrics_window *w);

/* Microseconds as seconds. */
double metrics_seconds(int64_t usec);

/* Whether t (RTIME_NONE never) lies in [s->from, s->end). */
int metrics_in_span(const struct metrics_span *s, int64_t t);

/* metrics_vl, metrics_rdpr and metrics_gbr over a span. */
void metrics_vl_span(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		     struct metrics_vl *out);
void metrics_rdpr_span(const struct drill *drills, size_t n, const struct metrics_span *s,
		       struct metrics_rdpr *out);
void metrics_gbr_span(const struct metric_change *changes, size_t n, const struct metrics_span *s,
		      struct metrics_gbr *out);

/* The VL restricted mean alone (tau = asof - from), seconds; NAN when no
 * gated change is in the span. For the rolling tempo series. */
double metrics_vl_rmean(const struct metric_change *changes, size_t n,
			const struct metrics_span *s);

/* A number, or null for NAN or infinity. */
void metrics_json_number(cJSON *o, const char *name, double v);

#endif
