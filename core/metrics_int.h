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

/* Why tau_g (the restricted mean) is undefined when nothing closed. */
#define METRICS_NO_CLOSURE                                                                         \
	"no evaluation closed: a restricted mean would restate the follow-up time"

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

/* The restricted mean of a fitted VL curve up to tau (seconds): undefined
 * (NAN, *reason set) when the fit failed (no gated change) or no evaluation
 * closed, where it would only restate tau; else stats_km_rmean. */
void metrics_rmean(const struct stats_km *fit, size_t n_closed, double tau,
		   struct stats_km_rmean *out, const char **reason);

/* A number, or null for NAN or infinity. */
void metrics_json_number(cJSON *o, const char *name, double v);

#endif
