/* Poisson regression by IRLS (log link and identity link) and the IO accumulation-shape
 * classifier of DESIGN.md built on it. Reference: statsmodels GLM(family=Poisson(link)). */
#ifndef RATCHET_STATS_POISSON_H
#define RATCHET_STATS_POISSON_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/status.h"

/* Most coefficients a fit takes (the classifier uses 2). */
#define STATS_POISSON_MAX_P 8

enum stats_poisson_link {
	STATS_LINK_LOG,	     /* log mu = X b (canonical) */
	STATS_LINK_IDENTITY, /* mu = X b, with mu > 0 kept by step-halving */
};

struct stats_poisson_fit {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (n <= p), STATS_INVALID_INPUT (a
				     negative count, p outside 1..STATS_POISSON_MAX_P, or a start
				     with a non-positive mean), STATS_UNDEFINED (all counts 0 under
				     the log link: the MLE is at -infinity; identity link with no
				     start that gives positive means; or a singular design),
				     STATS_NO_CONVERGENCE (no deviance convergence in 200
				     iterations) */
	size_t n;		  /* rows used */
	size_t n_missing;	  /* rows skipped: y[i] or a row of X not finite */
	size_t p;		  /* coefficients */
	int iterations;		  /* IRLS iterations done */
	bool at_boundary;	  /* the MLE is on the edge of the parameter space: the deviance
				     settled but the coefficients did not (a mean tending to 0 under
				     the log link, coefficients tending to infinity), or under the
				     identity link the smallest mean is below 1e-8 times the
				     largest (the constraint mu > 0 is active). The likelihood,
				     deviance and AICc stand; se[] is NAN (no valid information) */
	double coef[STATS_POISSON_MAX_P]; /* b, in the link's scale */
	double se[STATS_POISSON_MAX_P];	  /* sqrt(diag((X' W X)^-1)), W = mu (log) or 1/mu
					     (identity): Fisher information, as statsmodels;
					     NAN when at_boundary */
	double deviance;		  /* 2 sum [y log(y / mu) - (y - mu)], y log y = 0 at 0 */
	double pearson_chi2;		  /* sum (y - mu)^2 / mu */
	double loglik;			  /* sum [y log mu - mu - lgamma(y + 1)] */
	double aic;			  /* -2 loglik + 2 p */
	double aicc;			  /* aic + 2 p (p + 1) / (n - p - 1); NAN when n <= p + 1 */
	double dispersion; /* pearson_chi2 / (n - p): overdispersion ratio (1 under Poisson) */
};

/* Poisson GLM of counts y[0..n) on the design X (row-major, n x p: X[i * p + j]). Counts must
 * be >= 0 (need not be integers). Rows with a non-finite y or X entry are skipped and counted.
 * - Log link: IRLS (W = mu, z = eta + (y - mu)/mu, a weighted least-squares solve by GSL's
 *   gsl_multifit_wlinear_tsvd; Newton's method for the canonical link), start
 *   mu = (y + mean y)/2 as statsmodels; a step that raises the deviance is halved.
 * - Identity link: Newton's method on the observed information sum (y/mu^2) x x' (Fisher
 *   scoring, statsmodels' IRLS here, contracts slowly or cycles when counts are overdispersed;
 *   Fisher's information is used only where the observed one is singular). The constraint
 *   mu_i >= 0 can only bind at a zero count: steps stop where such a mean reaches 0, which then
 *   stays at 0 (an active set, steps projected on its null space) until its Lagrange
 *   multiplier turns negative; every step is halved while the deviance rises or a positive
 *   count's mean would reach 0. Start: `start` if given, else the first IRLS step from
 *   mu = (y + mean y)/2 if its means are positive, else the least-squares fit of the constant
 *   mean(y) (exact when X has an intercept column).
 * start (p long) or NULL: starting coefficients (statsmodels' start_params); its means must be
 * > 0 under the identity link. Converged when the deviance changes by <= 1e-12 (|dev| + 1e-3)
 * and the coefficients by <= 1e-10 (1 + max |b|) (identity: the Newton decrement). Standard
 * errors from the Fisher information at the final means. Agreement with statsmodels fitted to
 * a coefficient tolerance of 1e-13: tested at 1e-6 (the iterative-fit tolerance).
 * Returns out->status; numbers NAN on a status other than STATS_OK. */
enum stats_status stats_poisson_fit(const double *X, const double *y, size_t n, size_t p,
				    enum stats_poisson_link link, const double *start,
				    struct stats_poisson_fit *out);

/* Shapes of IO accumulation (DESIGN.md, "IO accumulation shape"). */
enum stats_shape {
	STATS_SHAPE_INSUFFICIENT_DATA,
	STATS_SHAPE_LINEAR,	  /* constant rate: the cumulative count grows linearly */
	STATS_SHAPE_ACCELERATING, /* rate grows linearly (identity link, b > 0) */
	STATS_SHAPE_EXPONENTIAL,  /* log-rate grows linearly (log link, b > 0) */
	STATS_SHAPE_DECELERATING, /* rate falls (the winning growth model has b < 0) */
};

/* "insufficient_data", "linear", "accelerating", "exponential", "decelerating". */
const char *stats_shape_name(enum stats_shape s);

/* Which model the classifier chose. */
enum stats_shape_model {
	STATS_MODEL_CONSTANT,	 /* log mu = a */
	STATS_MODEL_LINEAR_RATE, /* mu = a + b t (identity link) */
	STATS_MODEL_LOG_LINEAR,	 /* log mu = a + b t (log link) */
};

struct stats_accumulation {
	enum stats_status status; /* STATS_OK (shape set, insufficient_data included),
				     STATS_INVALID_INPUT (a negative count), or the constant
				     model's fit status when that fit fails */
	size_t n_buckets;	  /* buckets with a finite count */
	size_t n_missing;	  /* buckets skipped (NaN count); the others keep their t */
	double events;		  /* sum of the counts */
	enum stats_shape shape;
	enum stats_shape_model model; /* the model the shape comes from */
	struct stats_poisson_fit constant, linear_rate, log_linear;
	double delta_aicc_linear_rate; /* AICc(constant) - AICc(linear rate); NAN if unfit */
	double delta_aicc_log_linear;  /* AICc(constant) - AICc(log-linear) */
	double lr_p_linear_rate;       /* chi^2(1) p of 2 (loglik - loglik constant) */
	double lr_p_log_linear;
	double rate;	      /* fitted rate at the last bucket (events per bucket) of the model */
	double mean_rate;     /* events / n_buckets */
	double growth_rate;   /* the model's b: events per bucket per bucket (linear rate) or
				 per bucket on the log scale (log-linear); 0 for constant */
	double doubling_time; /* ln 2 / b in buckets, for exponential only; NAN otherwise */
};

/* Classifies counts[0..n_buckets) (bucket t = index, equal widths) into an accumulation shape.
 * Decision rule, exactly:
 * 1. Buckets with a NaN count are skipped (t keeps the index). Fewer than 8 buckets or fewer
 *    than 10 events: insufficient_data (no fits; rates still reported when defined).
 * 2. Three Poisson fits over t: constant (log link, intercept only), linear rate (identity
 *    link, a + b t, started at (mean, 0)), log-linear (log link, a + b t).
 * 3. A growth model m "wins" when its fit is STATS_OK and
 *    dAICc_m = AICc(constant) - AICc(m) > 2 and the likelihood-ratio test
 *    LR = 2 (loglik_m - loglik_constant), p = P(chi^2_1 > LR) < 0.05 (with one extra
 *    parameter dAICc > 2 already implies LR > 4, p < 0.046; the test is kept for the record).
 * 4. No winner: linear (constant rate). One winner: it. Two: the larger dAICc; exact ties go
 *    to the linear-rate model.
 * 5. Shape: linear-rate winner with b > 0 is accelerating, b < 0 decelerating; log-linear
 *    winner with b > 0 is exponential, b < 0 decelerating.
 * Rate, growth rate and doubling time are in buckets; the caller scales by the bucket width.
 * Returns out->status. */
enum stats_status stats_accumulation_shape(const double *counts, size_t n_buckets,
					   struct stats_accumulation *out);

#endif
