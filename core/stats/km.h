/* Kaplan–Meier estimate of a survival curve under right censoring, with Greenwood standard
 * errors, log-log 95% intervals, quantiles (median) with their intervals, and the restricted
 * mean up to a horizon. Reference: R's survival package (3.5), survfit(Surv(time, event) ~ 1,
 * conf.type = "log-log"), quantile.survfit, print.survfit / summary.survfit (survmean). */
#ifndef RATCHET_STATS_KM_H
#define RATCHET_STATS_KM_H

#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

/* One row of the curve: a distinct observed time (an event or a censoring). */
struct stats_km_point {
	double time;	   /* in the unit of the input durations */
	uint64_t n_risk;   /* subjects with duration >= time */
	uint64_t n_event;  /* events at time */
	uint64_t n_censor; /* censorings at time */
	double surv;	   /* S(time) = prod over event times t <= time of (n - d) / n */
	double std_err; /* Greenwood standard error of surv: surv * std_err_log (summary.survfit's
			   std.err); NAN once surv = 0 (0 * Inf) */
	double std_err_log; /* sqrt(sum over event times t <= time of d / (n (n - d))): the standard
			       error of -log S, survfit's $std.err; +INFINITY once surv = 0 */
	double lower, upper; /* log-log 95% interval: exp(-exp(log(-log S) -+ z std_err_log /
				log S)), z = qnorm(0.975); NAN where surv is 0 or 1 (R's NA) */
};

/* A fitted curve. */
struct stats_km {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (no usable observation);
				     STATS_INVALID_INPUT (a negative duration, or an event flag
				     other than 0, 1 or NaN) */
	size_t n;		  /* observations used */
	size_t n_missing;	  /* observations skipped: duration or flag NaN or infinite */
	uint64_t n_events;	  /* events among the n */
	size_t n_points;	  /* rows in points (distinct times), <= n; 0 unless STATS_OK */
	struct stats_km_point *points; /* the caller's array passed to stats_km_fit */
};

/* Fits the Kaplan–Meier curve of durations time[0..n) (>= 0, any unit) with event[i] = 1 for an
 * event and 0 for a censoring at time[i]. Observations whose time or flag is NaN (or infinite)
 * are skipped and counted in out->n_missing. points is caller-provided with room for n rows; the
 * curve's rows (ascending time, one per distinct time, as survfit's $time, $n.risk, $n.event,
 * $n.censor, $surv, $std.err, $lower, $upper) are written there and out->points = points.
 * The products and sums are done in survfit's order (survfitkm.c), so surv agrees with R to the
 * last bit or so and the rest to ~1e-15 relative. Allocates O(n) scratch (freed here); O(n log n).
 * On a status other than STATS_OK, out->n_points = 0. Returns out->status. */
enum stats_status stats_km_fit(const double *time, const double *event, size_t n,
			       struct stats_km_point *points, struct stats_km *out);

/* A quantile of the survival time with its interval. Each of the three numbers has its own
 * status: STATS_UNDEFINED (value NAN) when the curve in question never falls far enough (e.g. the
 * median when S stays above 0.5, or an upper limit when the upper curve does), the fit's status
 * when the fit failed, STATS_INVALID_INPUT for p outside [0, 1]. */
struct stats_km_quantile {
	double p;		  /* the probability asked for (of an event by then: 1 - S) */
	enum stats_status status; /* of estimate */
	double estimate;	  /* time */
	enum stats_status lower_status;
	double lower; /* from the lower log-log curve (the earlier time) */
	enum stats_status upper_status;
	double upper; /* from the upper log-log curve (the later time) */
};

/* The p-th quantile of the survival time, exactly as R's quantile.survfit (survival 3.5): the
 * smallest time at which 1 - S(t) >= p, where values within tol = sqrt(DBL_EPSILON) of p count as
 * reaching it; when 1 - S equals p (within tol) on a flat stretch, the midpoint between the start
 * of that stretch and the next time 1 - S rises above p + tol; when the curve ends on such a
 * stretch, the midpoint between its start and the last observed time. p = 0 gives 0, except
 * that R's end-of-curve rule makes it undefined for a curve that never falls; 0 < p < tol is
 * undefined (outside approx()'s range in R). The limits
 * apply the same rule to 1 - lower and 1 - upper. Undefined when max(1 - S) < p. Times are in the
 * unit of the durations. Returns out->status (that of the estimate). */
enum stats_status stats_km_quantile(const struct stats_km *fit, double p,
				    struct stats_km_quantile *out);

/* The median survival time as print.survfit and summary.survfit(...)$table report it (R's
 * survmean): the first time with S(t) < 0.5 + tol; if S there equals 0.5 (within tol) and S falls
 * further later, the midpoint between that time and the first time S falls below it; if S ends
 * flat at 0.5 the first time it reached 0.5 (quantile.survfit would give a midpoint with the last
 * time instead; apart from that the two R functions agree up to tol-sized differences). The limits
 * apply the same rule to the lower and upper curves. out->p = 0.5. Returns out->status. */
enum stats_status stats_km_median(const struct stats_km *fit, struct stats_km_quantile *out);

/* Restricted mean survival time up to tau. */
struct stats_km_rmean {
	enum stats_status status; /* STATS_OK, the fit's status, or STATS_INVALID_INPUT (tau
				     negative or not finite) */
	double tau;		  /* the horizon, in the unit of the durations */
	double estimate;	  /* integral of S(t) dt over [0, tau] */
	double std_err;		  /* sqrt(sum over event times t_i <= tau of A_i^2 d_i / (n_i (n_i -
				     d_i))), A_i the area under S from t_i to tau (terms with n_i =
				     d_i taken as 0) */
};

/* The restricted mean up to tau and its standard error as print(fit, rmean = tau) reports them
 * (R's survmean with a numeric rmean): S is taken as 1 before the first time and flat after the
 * last one. For tau below the first observed time the area is tau with standard error 0 (R's
 * print refuses such a tau; survmean itself gives these values). Returns out->status. */
enum stats_status stats_km_rmean(const struct stats_km *fit, double tau,
				 struct stats_km_rmean *out);

#endif
