/* Poisson regression by IRLS with log and identity links, and the accumulation-shape
 * classifier. Reference: statsmodels GLM(family=Poisson(link=log / identity)). */
#include "common.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#include "stats/poisson.h"

#define IRLS_MAX_ITER 400
#define IRLS_MAX_HALVINGS 60

/* Working storage of one fit over the n usable rows. */
struct irls {
	size_t n, p;
	enum stats_poisson_link link;
	gsl_matrix *X;
	gsl_vector *w, *z, *b, *b_old, *b_new, *eta, *mu;
	gsl_matrix *cov;
	gsl_multifit_linear_workspace *ws;
	const double *y;
};

static double fit_deviance(const double *y, const gsl_vector *mu, size_t n)
{
	long double d = 0;
	for (size_t i = 0; i < n; i++) {
		double m = gsl_vector_get(mu, i);
		if (y[i] > 0)
			d += (long double)(y[i] * log(y[i] / m) - (y[i] - m));
		else
			d += m;
	}
	return (double)(2 * d);
}

/* eta = X b and mu from it; false when a mean is not finite or (identity) not > 0. */
static bool set_linear(struct irls *f, const gsl_vector *b)
{
	if (gsl_blas_dgemv(CblasNoTrans, 1.0, f->X, b, 0.0, f->eta) != GSL_SUCCESS)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		double e = gsl_vector_get(f->eta, i);
		double m = f->link == STATS_LINK_LOG ? exp(e) : e;
		if (!isfinite(m) || !(m > 0))
			return false;
		gsl_vector_set(f->mu, i, m);
	}
	return true;
}

/* One weighted least-squares solve at the current mu into b_new (and cov, the inverse Fisher
 * information); false when the design is rank-deficient or GSL fails. Log link: W = mu,
 * z = eta + (y - mu)/mu (Fisher scoring, which is Newton's method for the canonical link).
 * Identity link: W = 1/mu, z = y. */
static bool wls_step(struct irls *f)
{
	for (size_t i = 0; i < f->n; i++) {
		double m = gsl_vector_get(f->mu, i), e = gsl_vector_get(f->eta, i);
		bool log_link = f->link == STATS_LINK_LOG;
		gsl_vector_set(f->w, i, log_link ? m : 1.0 / m);
		gsl_vector_set(f->z, i, log_link ? e + (f->y[i] - m) / m : f->y[i]);
	}
	double chisq;
	size_t rank;
	int rc = gsl_multifit_wlinear_tsvd(f->X, f->w, f->z, GSL_DBL_EPSILON, f->b_new, f->cov,
					   &chisq, &rank, f->ws);
	return rc == GSL_SUCCESS && rank == f->p;
}

/* Starting mean (y + mean y) / 2, as statsmodels; eta from it. */
static void start_mu(struct irls *f)
{
	long double s = 0;
	for (size_t i = 0; i < f->n; i++)
		s += f->y[i];
	double ybar = (double)(s / (long double)f->n);
	for (size_t i = 0; i < f->n; i++) {
		double m = (f->y[i] + ybar) / 2;
		gsl_vector_set(f->mu, i, m);
		gsl_vector_set(f->eta, i, f->link == STATS_LINK_LOG ? log(m) : m);
	}
}

/* Identity link without a usable first step: least squares of the constant mean(y). */
static bool identity_fallback(struct irls *f)
{
	long double s = 0;
	for (size_t i = 0; i < f->n; i++)
		s += f->y[i];
	double ybar = (double)(s / (long double)f->n);
	for (size_t i = 0; i < f->n; i++) {
		gsl_vector_set(f->w, i, 1.0);
		gsl_vector_set(f->z, i, ybar);
	}
	double chisq;
	size_t rank;
	if (gsl_multifit_wlinear_tsvd(f->X, f->w, f->z, GSL_DBL_EPSILON, f->b, f->cov, &chisq,
				      &rank, f->ws) != GSL_SUCCESS)
		return false;
	return set_linear(f, f->b);
}

/* Takes b_new, halving the step from b while the means are not all positive and finite or
 * the deviance rises (Fisher scoring under the identity link can cycle without this);
 * returns the accepted deviance. */
static double take_step(struct irls *f, double dev_old, bool *stuck)
{
	*stuck = false;
	gsl_vector_memcpy(f->b_old, f->b);
	for (int h = 0; h <= IRLS_MAX_HALVINGS; h++) {
		double frac = ldexp(1.0, -h);
		for (size_t j = 0; j < f->p; j++) {
			double o = gsl_vector_get(f->b_old, j), nw = gsl_vector_get(f->b_new, j);
			gsl_vector_set(f->b, j, o + frac * (nw - o));
		}
		if (!set_linear(f, f->b))
			continue;
		double dev = fit_deviance(f->y, f->mu, f->n);
		if (isfinite(dev) && (!isfinite(dev_old) || dev <= dev_old))
			return dev;
	}
	gsl_vector_memcpy(f->b, f->b_old);
	set_linear(f, f->b);
	*stuck = true;
	return dev_old;
}

/* Largest coefficient change of the last step over (1 + largest coefficient). */
static double step_size(const struct irls *f)
{
	double d = 0, scale = 1;
	for (size_t j = 0; j < f->p; j++) {
		double o = gsl_vector_get(f->b_old, j), nw = gsl_vector_get(f->b, j);
		d = fmax(d, fabs(nw - o));
		scale = fmax(scale, 1 + fabs(nw));
	}
	return d / scale;
}

/* ---- identity link: Newton's method with the constraints mu_i >= 0 ---- */

/* The constraint mu_i = x_i'b >= 0 can only bind where y_i = 0 (a positive count has an
 * infinite penalty at mu = 0). Newton steps use the observed information
 * H = sum (y/mu^2) x x' and the score g = sum (y/mu - 1) x (a zero count adds -x_i): Fisher
 * scoring contracts slowly, or cycles, on overdispersed counts (Fisher's information only
 * where H is singular: fewer positive counts than coefficients). Steps are projected onto the
 * null space of the active constraints, blocked at the first zero-count mean that reaches 0
 * (which then becomes active), halved while the deviance rises, and at the reduced optimum
 * a constraint with a negative Lagrange multiplier is released. */
struct active_set {
	bool *on;					    /* active rows */
	size_t k;					    /* independent active rows */
	size_t rows[STATS_POISSON_MAX_P];		    /* their indexes */
	double q[STATS_POISSON_MAX_P][STATS_POISSON_MAX_P]; /* orthonormal basis of their span */
	size_t r;					    /* dimension of the free space */
	double z[STATS_POISSON_MAX_P][STATS_POISSON_MAX_P]; /* its orthonormal basis */
};

static double dot(const double *a, const double *b, size_t p)
{
	double s = 0;
	for (size_t j = 0; j < p; j++)
		s += a[j] * b[j];
	return s;
}

/* Removes from v its components along the r vectors of basis (twice, for orthogonality);
 * returns the norm left. */
static double orthogonalise(double *v, double (*basis)[STATS_POISSON_MAX_P], size_t r, size_t p)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t j = 0; j < r; j++) {
			double c = dot(basis[j], v, p);
			for (size_t i = 0; i < p; i++)
				v[i] -= c * basis[j][i];
		}
	return sqrt(dot(v, v, p));
}

static void row_of(const struct irls *f, size_t i, double *x)
{
	for (size_t j = 0; j < f->p; j++)
		x[j] = gsl_matrix_get(f->X, i, j);
}

/* Bases of the span of the active rows and of its orthogonal complement. */
static void active_bases(const struct irls *f, struct active_set *as)
{
	size_t p = f->p;
	as->k = 0;
	for (size_t i = 0; i < f->n && as->k < p; i++) {
		if (!as->on[i])
			continue;
		double v[STATS_POISSON_MAX_P];
		row_of(f, i, v);
		double n0 = sqrt(dot(v, v, p));
		double nv = orthogonalise(v, as->q, as->k, p);
		if (!(nv > 1e-10 * n0))
			continue;
		for (size_t j = 0; j < p; j++)
			as->q[as->k][j] = v[j] / nv;
		as->rows[as->k++] = i;
	}
	as->r = 0;
	for (size_t e = 0; e < p && as->k + as->r < p; e++) {
		double v[STATS_POISSON_MAX_P] = {0};
		v[e] = 1;
		orthogonalise(v, as->q, as->k, p);
		double nv = orthogonalise(v, as->z, as->r, p);
		if (!(nv > 1e-8))
			continue;
		for (size_t j = 0; j < p; j++)
			as->z[as->r][j] = v[j] / nv;
		as->r++;
	}
}

/* Score and observed information at the current means (Fisher's, 1/mu on the positive means,
 * when fisher is set). */
static void score_info(const struct irls *f, bool fisher, double *g, double *h)
{
	size_t p = f->p;
	memset(g, 0, p * sizeof(double));
	memset(h, 0, p * p * sizeof(double));
	for (size_t i = 0; i < f->n; i++) {
		double x[STATS_POISSON_MAX_P], m = gsl_vector_get(f->mu, i), y = f->y[i];
		row_of(f, i, x);
		double gi = y > 0 ? y / m - 1 : -1;
		double wi = fisher ? (m > 0 ? 1 / m : 0) : (y > 0 ? y / (m * m) : 0);
		for (size_t j = 0; j < p; j++) {
			g[j] += gi * x[j];
			for (size_t k = 0; k < p; k++)
				h[j * p + k] += wi * x[j] * x[k];
		}
	}
}

/* The projected Newton direction d and the decrement g'd; false when the reduced
 * information is not positive definite. */
static bool newton_direction(const struct irls *f, const struct active_set *as, const double *g,
			     const double *h, double *d, double *dec)
{
	size_t p = f->p, r = as->r;
	double hr[STATS_POISSON_MAX_P * STATS_POISSON_MAX_P], gr[STATS_POISSON_MAX_P];
	for (size_t a = 0; a < r; a++) {
		double hz[STATS_POISSON_MAX_P];
		for (size_t j = 0; j < p; j++)
			hz[j] = dot(&h[j * p], as->z[a], p);
		for (size_t b = 0; b < r; b++)
			hr[a * r + b] = dot(as->z[b], hz, p);
		gr[a] = dot(as->z[a], g, p);
	}
	gsl_matrix_view hm = gsl_matrix_view_array(hr, r, r);
	gsl_vector_view gv = gsl_vector_view_array(gr, r);
	double g0[STATS_POISSON_MAX_P];
	memcpy(g0, gr, r * sizeof(double));
	if (gsl_linalg_cholesky_decomp1(&hm.matrix) != GSL_SUCCESS ||
	    gsl_linalg_cholesky_svx(&hm.matrix, &gv.vector) != GSL_SUCCESS)
		return false;
	memset(d, 0, p * sizeof(double));
	*dec = 0;
	for (size_t a = 0; a < r; a++) {
		*dec += g0[a] * gr[a];
		for (size_t j = 0; j < p; j++)
			d[j] += gr[a] * as->z[a][j];
	}
	return true;
}

/* Index of the active row with the most negative multiplier in g + sum lambda_i x_i = 0, or
 * SIZE_MAX when all are >= 0 (the KKT point). */
static size_t release_candidate(const struct irls *f, const struct active_set *as, const double *g)
{
	size_t p = f->p, k = as->k;
	if (k == 0)
		return SIZE_MAX;
	double aat[STATS_POISSON_MAX_P * STATS_POISSON_MAX_P], rhs[STATS_POISSON_MAX_P];
	for (size_t a = 0; a < k; a++) {
		double xa[STATS_POISSON_MAX_P];
		row_of(f, as->rows[a], xa);
		rhs[a] = -dot(xa, g, p);
		for (size_t b = 0; b < k; b++) {
			double xb[STATS_POISSON_MAX_P];
			row_of(f, as->rows[b], xb);
			aat[a * k + b] = dot(xa, xb, p);
		}
	}
	gsl_matrix_view am = gsl_matrix_view_array(aat, k, k);
	gsl_vector_view rv = gsl_vector_view_array(rhs, k);
	if (gsl_linalg_cholesky_decomp1(&am.matrix) != GSL_SUCCESS ||
	    gsl_linalg_cholesky_svx(&am.matrix, &rv.vector) != GSL_SUCCESS)
		return SIZE_MAX;
	size_t worst = SIZE_MAX;
	double lo = -1e-9 * (1 + sqrt(dot(g, g, p)));
	for (size_t a = 0; a < k; a++)
		if (rhs[a] < lo) {
			lo = rhs[a];
			worst = as->rows[a];
		}
	return worst;
}

/* Means at b + alpha d: zero-count means may be 0 (rounding below 0 is clamped on the active
 * rows and the blocking row); the rest must be > 0. Returns the deviance or NAN. */
static double try_point(struct irls *f, const double *d, double alpha, const bool *on,
			size_t blocker)
{
	for (size_t j = 0; j < f->p; j++)
		gsl_vector_set(f->b, j, gsl_vector_get(f->b_old, j) + alpha * d[j]);
	if (gsl_blas_dgemv(CblasNoTrans, 1.0, f->X, f->b, 0.0, f->eta) != GSL_SUCCESS)
		return NAN;
	for (size_t i = 0; i < f->n; i++) {
		double m = gsl_vector_get(f->eta, i);
		if ((on[i] || i == blocker) && m < 0)
			m = 0;
		if (!isfinite(m) || m < 0 || (f->y[i] > 0 && !(m > 0)))
			return NAN;
		gsl_vector_set(f->mu, i, m);
	}
	return fit_deviance(f->y, f->mu, f->n);
}

/* Largest step along d before a free zero-count mean reaches 0 (at most 1); *blocker is that
 * row or SIZE_MAX. */
static double ratio_test(const struct irls *f, const bool *on, const double *d, size_t *blocker)
{
	double amax = 1;
	*blocker = SIZE_MAX;
	for (size_t i = 0; i < f->n; i++) {
		if (on[i] || f->y[i] > 0)
			continue;
		double x[STATS_POISSON_MAX_P];
		row_of(f, i, x);
		double s = dot(x, d, f->p);
		if (s < 0) {
			double a = -gsl_vector_get(f->mu, i) / s;
			if (a < amax) {
				amax = a;
				*blocker = i;
			}
		}
	}
	return amax;
}

/* One constrained Newton iteration; returns 1 when converged, 0 to go on, -1 on failure. */
static int identity_iteration(struct irls *f, struct active_set *as, double *dev)
{
	double g[STATS_POISSON_MAX_P], h[STATS_POISSON_MAX_P * STATS_POISSON_MAX_P];
	double d[STATS_POISSON_MAX_P], dec = 0;
	score_info(f, false, g, h);
	active_bases(f, as);
	if (as->r > 0 && !newton_direction(f, as, g, h, d, &dec)) {
		/* Too few positive counts for the observed information: Fisher scoring's. */
		score_info(f, true, g, h);
		if (!newton_direction(f, as, g, h, d, &dec))
			return -1;
	}
	if (as->r == 0 || dec <= 1e-24 * (1 + fabs(*dev))) {
		size_t rel = release_candidate(f, as, g);
		if (rel == SIZE_MAX)
			return 1;
		as->on[rel] = false;
		return 0;
	}
	size_t blocker;
	double alpha = ratio_test(f, as->on, d, &blocker);
	gsl_vector_memcpy(f->b_old, f->b);
	for (int hv = 0; hv <= IRLS_MAX_HALVINGS; hv++, alpha /= 2, blocker = SIZE_MAX) {
		double nd = try_point(f, d, alpha, as->on, blocker);
		if (isfinite(nd) && nd <= *dev) {
			if (blocker != SIZE_MAX)
				as->on[blocker] = true;
			bool small = fabs(*dev - nd) <= 1e-13 * (fabs(nd) + 1e-3);
			*dev = nd;
			return small && dec <= 1e-16 * (1 + fabs(nd)) ? 1 : 0;
		}
	}
	gsl_vector_memcpy(f->b, f->b_old);
	try_point(f, d, 0, as->on, SIZE_MAX);
	return 1; /* no step lowers the deviance: the optimum to rounding */
}

static enum stats_status identity_run(struct irls *f, int *iterations)
{
	struct active_set as = {.on = xcalloc(f->n, sizeof(bool))};
	double dev = fit_deviance(f->y, f->mu, f->n);
	enum stats_status st = STATS_NO_CONVERGENCE;
	for (int it = 0; it < IRLS_MAX_ITER; it++) {
		(*iterations)++;
		int rc = identity_iteration(f, &as, &dev);
		if (rc != 0) {
			st = rc > 0 ? STATS_OK : STATS_UNDEFINED;
			break;
		}
	}
	free(as.on);
	return st;
}

/* Runs IRLS from the start; returns the status with f->b and f->mu at the fit. Converged: the
 * deviance and the coefficients both settle. When only the deviance settles (an MLE on the
 * boundary or at infinity) the fit is kept and *edge set. */
static enum stats_status irls_run(struct irls *f, const double *start, int *iterations, bool *edge)
{
	double dev_old = NAN;
	if (start) {
		for (size_t j = 0; j < f->p; j++)
			gsl_vector_set(f->b, j, start[j]);
		if (!set_linear(f, f->b))
			return STATS_INVALID_INPUT;
		dev_old = fit_deviance(f->y, f->mu, f->n);
	} else {
		start_mu(f);
		if (!wls_step(f))
			return STATS_UNDEFINED;
		gsl_vector_memcpy(f->b, f->b_new);
		if (!set_linear(f, f->b)) {
			if (f->link == STATS_LINK_LOG || !identity_fallback(f))
				return STATS_UNDEFINED;
		}
		dev_old = fit_deviance(f->y, f->mu, f->n);
		*iterations = 1;
	}
	if (f->link == STATS_LINK_IDENTITY)
		return identity_run(f, iterations);
	int settled = 0;
	for (int it = 0; it < IRLS_MAX_ITER; it++) {
		if (!wls_step(f)) {
			/* Weights that vanish (means underflowing toward a boundary) leave the
			 * weighted design rank-deficient; a deviance already settled is the fit. */
			*edge = settled >= 3;
			return *edge ? STATS_OK : STATS_UNDEFINED;
		}
		bool stuck;
		double dev = take_step(f, dev_old, &stuck);
		(*iterations)++;
		/* No step lowers the deviance: the optimum to rounding. */
		if (stuck)
			return STATS_OK;
		bool dev_ok = fabs(dev - dev_old) <= 1e-12 * (fabs(dev) + 1e-3);
		if (dev_ok && step_size(f) <= 1e-10)
			return STATS_OK;
		settled = dev_ok ? settled + 1 : 0;
		dev_old = dev;
	}
	*edge = settled >= 20;
	return *edge ? STATS_OK : STATS_NO_CONVERGENCE;
}

/* Deviance, likelihood, information criteria and standard errors at f's fit. */
static enum stats_status irls_summary(struct irls *f, bool edge, struct stats_poisson_fit *out)
{
	size_t n = f->n, p = f->p;
	long double ll = 0, chi2 = 0;
	double mu_min = INFINITY, mu_max = 0;
	for (size_t i = 0; i < n; i++) {
		double m = gsl_vector_get(f->mu, i), y = f->y[i];
		ll += (long double)((y > 0 ? y * log(m) : 0.0) - m - gsl_sf_lngamma(y + 1));
		chi2 += m > 0 ? (long double)((y - m) * (y - m) / m) : 0; /* y = 0 there */
		mu_min = fmin(mu_min, m);
		mu_max = fmax(mu_max, m);
	}
	/* Fisher information at the final means; none on the boundary. */
	out->at_boundary = edge || (f->link == STATS_LINK_IDENTITY && mu_min < 1e-8 * mu_max);
	bool info = !out->at_boundary && wls_step(f);
	for (size_t j = 0; j < p; j++) {
		out->coef[j] = gsl_vector_get(f->b, j);
		out->se[j] = info ? sqrt(gsl_matrix_get(f->cov, j, j)) : (double)NAN;
	}
	out->deviance = fit_deviance(f->y, f->mu, n);
	out->pearson_chi2 = (double)chi2;
	out->loglik = (double)ll;
	out->aic = -2 * out->loglik + 2 * (double)p;
	out->aicc = n > p + 1 ? out->aic + 2.0 * (double)(p * (p + 1)) / (double)(n - p - 1)
			      : (double)NAN;
	out->dispersion = out->pearson_chi2 / (double)(n - p);
	return STATS_OK;
}

static void fit_nan(struct stats_poisson_fit *out)
{
	for (size_t j = 0; j < STATS_POISSON_MAX_P; j++)
		out->coef[j] = out->se[j] = NAN;
	out->deviance = out->pearson_chi2 = out->loglik = NAN;
	out->aic = out->aicc = out->dispersion = NAN;
}

static void irls_free(struct irls *f)
{
	gsl_matrix_free(f->X);
	gsl_matrix_free(f->cov);
	gsl_vector_free(f->w);
	gsl_vector_free(f->z);
	gsl_vector_free(f->b);
	gsl_vector_free(f->b_old);
	gsl_vector_free(f->b_new);
	gsl_vector_free(f->eta);
	gsl_vector_free(f->mu);
	if (f->ws)
		gsl_multifit_linear_free(f->ws);
}

/* Copies the usable rows; returns false on a negative count. */
static bool irls_load(struct irls *f, const double *X, const double *y, size_t n, double *ys,
		      size_t *used)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		bool ok = isfinite(y[i]);
		for (size_t j = 0; ok && j < f->p; j++)
			ok = isfinite(X[i * f->p + j]);
		if (!ok)
			continue;
		if (y[i] < 0)
			return false;
		ys[m] = y[i];
		m++;
	}
	*used = m;
	return true;
}

enum stats_status stats_poisson_fit(const double *X, const double *y, size_t n, size_t p,
				    enum stats_poisson_link link, const double *start,
				    struct stats_poisson_fit *out)
{
	memset(out, 0, sizeof(*out));
	fit_nan(out);
	out->p = p;
	if (p < 1 || p > STATS_POISSON_MAX_P)
		return out->status = STATS_INVALID_INPUT;
	struct irls f = {.p = p, .link = link};
	double *ys = xcalloc(n ? n : 1, sizeof(double));
	size_t m;
	if (!irls_load(&f, X, y, n, ys, &m)) {
		free(ys);
		return out->status = STATS_INVALID_INPUT;
	}
	out->n = m;
	out->n_missing = n - m;
	if (m <= p) {
		free(ys);
		return out->status = STATS_TOO_FEW;
	}
	long double total = 0;
	for (size_t i = 0; i < m; i++)
		total += ys[i];
	if (!(total > 0)) {
		free(ys);
		return out->status = STATS_UNDEFINED;
	}
	f.n = m;
	f.y = ys;
	f.X = gsl_matrix_alloc(m, p);
	f.cov = gsl_matrix_alloc(p, p);
	f.w = gsl_vector_alloc(m);
	f.z = gsl_vector_alloc(m);
	f.eta = gsl_vector_alloc(m);
	f.mu = gsl_vector_alloc(m);
	f.b = gsl_vector_alloc(p);
	f.b_old = gsl_vector_alloc(p);
	f.b_new = gsl_vector_alloc(p);
	f.ws = gsl_multifit_linear_alloc(m, p);
	if (!f.X || !f.cov || !f.w || !f.z || !f.eta || !f.mu || !f.b || !f.b_old || !f.b_new ||
	    !f.ws)
		abort(); /* out of memory, as xmalloc */
	for (size_t i = 0, r = 0; i < n; i++) {
		bool ok = isfinite(y[i]);
		for (size_t j = 0; ok && j < p; j++)
			ok = isfinite(X[i * p + j]);
		if (!ok)
			continue;
		for (size_t j = 0; j < p; j++)
			gsl_matrix_set(f.X, r, j, X[i * p + j]);
		r++;
	}
	bool edge = false;
	enum stats_status st = irls_run(&f, start, &out->iterations, &edge);
	if (st == STATS_OK)
		st = irls_summary(&f, edge, out);
	irls_free(&f);
	free(ys);
	if (st != STATS_OK)
		fit_nan(out);
	return out->status = st;
}

/* ---- accumulation shape ---- */

const char *stats_shape_name(enum stats_shape s)
{
	switch (s) {
	case STATS_SHAPE_INSUFFICIENT_DATA:
		return "insufficient_data";
	case STATS_SHAPE_LINEAR:
		return "linear";
	case STATS_SHAPE_ACCELERATING:
		return "accelerating";
	case STATS_SHAPE_EXPONENTIAL:
		return "exponential";
	case STATS_SHAPE_DECELERATING:
		return "decelerating";
	}
	return "insufficient_data";
}

/* AICc gain and likelihood-ratio p of growth fit g over the constant fit c; false (NANs)
 * when g did not fit. */
static bool compare_fit(const struct stats_poisson_fit *c, const struct stats_poisson_fit *g,
			double *daicc, double *lr_p)
{
	*daicc = *lr_p = NAN;
	if (g->status != STATS_OK)
		return false;
	*daicc = c->aicc - g->aicc;
	double lr = 2 * (g->loglik - c->loglik);
	*lr_p = gsl_cdf_chisq_Q(lr > 0 ? lr : 0, 1.0);
	return *daicc > 2 && *lr_p < 0.05;
}

/* Shape, rate, growth and doubling time from the chosen model. */
static void shape_report(struct stats_accumulation *out, double t_last)
{
	const struct stats_poisson_fit *f = &out->constant;
	out->doubling_time = NAN;
	out->growth_rate = 0;
	out->shape = STATS_SHAPE_LINEAR;
	if (out->model == STATS_MODEL_LINEAR_RATE) {
		f = &out->linear_rate;
		out->growth_rate = f->coef[1];
		out->rate = f->coef[0] + f->coef[1] * t_last;
		out->shape = f->coef[1] > 0 ? STATS_SHAPE_ACCELERATING : STATS_SHAPE_DECELERATING;
	} else if (out->model == STATS_MODEL_LOG_LINEAR) {
		f = &out->log_linear;
		out->growth_rate = f->coef[1];
		out->rate = exp(f->coef[0] + f->coef[1] * t_last);
		out->shape = f->coef[1] > 0 ? STATS_SHAPE_EXPONENTIAL : STATS_SHAPE_DECELERATING;
		if (f->coef[1] > 0)
			out->doubling_time = log(2.0) / f->coef[1];
	} else {
		out->rate = exp(f->coef[0]);
	}
}

enum stats_status stats_accumulation_shape(const double *counts, size_t n_buckets,
					   struct stats_accumulation *out)
{
	memset(out, 0, sizeof(*out));
	out->delta_aicc_linear_rate = out->delta_aicc_log_linear = NAN;
	out->lr_p_linear_rate = out->lr_p_log_linear = NAN;
	out->rate = out->mean_rate = out->growth_rate = out->doubling_time = NAN;
	out->constant.status = out->linear_rate.status = out->log_linear.status = STATS_TOO_FEW;
	fit_nan(&out->constant);
	fit_nan(&out->linear_rate);
	fit_nan(&out->log_linear);
	size_t m = 0;
	long double events = 0;
	double t_last = 0;
	for (size_t i = 0; i < n_buckets; i++) {
		if (isnan(counts[i]))
			continue;
		if (!(counts[i] >= 0) || !isfinite(counts[i]))
			return out->status = STATS_INVALID_INPUT;
		events += counts[i];
		t_last = (double)i;
		m++;
	}
	out->n_buckets = m;
	out->n_missing = n_buckets - m;
	out->events = (double)events;
	out->shape = STATS_SHAPE_INSUFFICIENT_DATA;
	if (m > 0)
		out->rate = out->mean_rate = (double)(events / (long double)m);
	if (m < 8 || events < 10)
		return out->status = STATS_OK;
	double *X = xcalloc(2 * n_buckets, sizeof(double));
	for (size_t i = 0; i < n_buckets; i++) {
		X[2 * i] = 1;
		X[2 * i + 1] = (double)i;
	}
	double *ones = xcalloc(n_buckets, sizeof(double));
	for (size_t i = 0; i < n_buckets; i++)
		ones[i] = 1;
	enum stats_status st =
		stats_poisson_fit(ones, counts, n_buckets, 1, STATS_LINK_LOG, NULL, &out->constant);
	const double start[2] = {out->mean_rate, 0};
	stats_poisson_fit(X, counts, n_buckets, 2, STATS_LINK_IDENTITY, start, &out->linear_rate);
	stats_poisson_fit(X, counts, n_buckets, 2, STATS_LINK_LOG, NULL, &out->log_linear);
	free(X);
	free(ones);
	if (st != STATS_OK)
		return out->status = st;
	bool win_lin = compare_fit(&out->constant, &out->linear_rate, &out->delta_aicc_linear_rate,
				   &out->lr_p_linear_rate);
	bool win_log = compare_fit(&out->constant, &out->log_linear, &out->delta_aicc_log_linear,
				   &out->lr_p_log_linear);
	out->model = STATS_MODEL_CONSTANT;
	if (win_lin && (!win_log || !(out->delta_aicc_log_linear > out->delta_aicc_linear_rate)))
		out->model = STATS_MODEL_LINEAR_RATE;
	else if (win_log)
		out->model = STATS_MODEL_LOG_LINEAR;
	shape_report(out, t_last);
	return out->status = STATS_OK;
}
