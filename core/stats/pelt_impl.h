/* Internal to core/stats/pelt.c and pelt_scan.c: the prepared series and its
 * O(1) segment costs. Not for other modules (use stats/pelt.h). */
#ifndef RATCHET_STATS_PELT_IMPL_H
#define RATCHET_STATS_PELT_IMPL_H

#include <math.h>
#include <stddef.h>

#include "stats/pelt.h"

#define LOG_2PI 1.8378770664093454836
/* Below this fraction of the sum of squares, the residual sum of squares is
 * recomputed in double-double arithmetic (double would lose 5 digits). */
#define RSS_SAFE 1e-5
/* Values within this (relative to 1 + |value|) of the best are ties: the
 * earliest wins, whatever the last bits (compiler, vector width) say. */
#define PELT_TIE 1e-12

/* The finite series, standardised, with prefix sums for O(1) segment costs. */
struct pelt_data {
	size_t n;
	size_t *pos; /* pos[i]: index in x of the i-th finite value */
	/* Double-double prefix sums of the first i values: h1[i] + l1[i] of the
	 * values, h2[i] + l2[i] of their squares. */
	double *h1, *l1, *h2, *l2;
	double *inv;	   /* inv[m] = 1 / m */
	double *logm;	   /* logm[m] = log m (MBIC) or NULL */
	double floor;	   /* meanvar: variance floor, standardised units */
	double inv_floor;  /* 1 / floor */
	double floor_cost; /* log 2pi + log floor: a floored segment's cost per point */
	double shift;	   /* added to the final cost: n log V (meanvar), 0 (mean) */
	enum stats_pelt_cost kind;
	size_t min_size;
	double beta;
};

/* (*h, *l) = (xh + xl) - (yh + yl), double-double (TwoSum, renormalised). */
static inline void dd_diff(double xh, double xl, double yh, double yl, double *h, double *l)
{
	double s = xh - yh;
	double v = s - xh;
	double e = (xh - (s - v)) - (yh + v) + (xl - yl);
	*h = s + e;
	*l = e - (*h - s);
}

/* The residual sum of squares from the prefix sums at s and t in double-double
 * arithmetic (about 32 digits): a constant segment gives 0, not rounding. */
static inline double rss_dd(const struct pelt_data *d, size_t s, size_t t, double dm)
{
	double ah, al, bh, bl, rh, rl;
	dd_diff(d->h1[t], d->l1[t], d->h1[s], d->l1[s], &ah, &al);
	dd_diff(d->h2[t], d->l2[t], d->h2[s], d->l2[s], &bh, &bl);
	double p = ah * ah; /* a^2 = p + pe */
	double pe = fma(ah, ah, -p) + 2.0 * ah * al;
	double q = p / dm; /* a^2 / m = q + qe */
	double qe = (fma(-q, dm, p) + pe) / dm;
	dd_diff(bh, bl, q, qe, &rh, &rl);
	double rss = rh + rl;
	return rss > 0 ? rss : 0.0;
}

/* The residual sum of squares of the finite values s..t-1 (m of them):
 * double-double differences keep the sums accurate relative to the segment,
 * not to the prefix. When double would lose more than 5 digits to
 * cancellation, or the segment is floored (meanvar: RSS / floor magnifies
 * any error by 10^8), it is recomputed in double-double arithmetic. */
static inline double rss_between(const struct pelt_data *d, size_t s, size_t t, size_t m,
				 double inv)
{
	double a = (d->h1[t] - d->h1[s]) + (d->l1[t] - d->l1[s]);
	double b = (d->h2[t] - d->h2[s]) + (d->l2[t] - d->l2[s]);
	double rss = b - a * a * inv;
	if (rss > RSS_SAFE * b && (d->kind == STATS_PELT_MEAN || rss * inv >= d->floor))
		return rss;
	return rss_dd(d, s, t, (double)m);
}

/* The cost of a segment of m points with residual sum of squares rss,
 * penalty excluded, in standardised units (see shift). */
static inline double cost_of_rss(const struct pelt_data *d, double rss, size_t m)
{
	double dm = (double)m;
	double c;
	if (d->kind == STATS_PELT_MEAN) {
		c = rss;
	} else {
		double var = rss * d->inv[m];
		if (var >= d->floor)
			c = dm * (LOG_2PI + 1.0 + log(var));
		else
			c = dm * d->floor_cost + rss * d->inv_floor;
	}
	return d->logm ? c + d->logm[m] : c;
}

/* The cost of the finite values s..t-1 (t > s). */
static inline double seg_cost(const struct pelt_data *d, size_t s, size_t t)
{
	size_t m = t - s;
	return cost_of_rss(d, rss_between(d, s, t, m, d->inv[m]), m);
}

/* The PELT recursion over d: last[t] (t = 1..n, room for n + 1) gets the
 * optimal start of the last segment of the first t values (0: one segment). */
void stats_pelt_scan(const struct pelt_data *d, size_t *last);

#endif
