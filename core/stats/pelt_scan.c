/* The PELT recursion (core/stats/pelt.c prepares the series): candidates are
 * screened four at a time with a logarithm of bounded error, and evaluated
 * exactly only where that bound cannot decide the minimum or a pruning. */
#include "common.h"

#include <math.h>

#include "stats/pelt_impl.h"

#define LN2 0.69314718055994530942
/* Pruning keeps a candidate unless it is worse by more than this (relative):
 * rounding can then never prune the optimum. */
#define PRUNE_SLACK 1e-10
/* approx_log's error is below 2.94e-8 (analytically; 2.93e-8 measured): the
 * screening bound per point of a segment, with a margin. */
#define APPROX_LOG_ERR 6e-8

/* Four doubles (or 64-bit integers) at a time: GCC/Clang vector extensions,
 * SSE2 pairs by default, one AVX2 register in the avx2 clone of screen. */
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t v4i __attribute__((vector_size(4 * sizeof(int64_t))));
typedef uint64_t v4u __attribute__((vector_size(4 * sizeof(uint64_t))));
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
/* An AVX2 clone chosen at load time where the CPU has it (ifunc). */
#define PELT_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef PELT_CLONES
#define PELT_CLONES
#endif

/* Vector helpers take and return vectors through pointers or as macros: a
 * vector passed by value between the AVX2 clone and a default-target function
 * would change the ABI (Clang refuses it). */

/* *x = log *x, lane by lane, for normal x > 0, within 2.94e-8 (absolute): x =
 * 2^e (1 + f) with 1 + f in [sqrt 1/2, sqrt 2), log(1 + f) = 2 atanh(u), u =
 * f / (2 + f), |u| <= 0.1716, the series cut after u^7 (error <= 2 u^9 / 9 /
 * (1 - u^2)). Used only to screen candidates, never for a result. */
static inline __attribute__((always_inline)) void approx_log(v4d *x)
{
	v4u bits = (v4u)*x;
	v4i e = (v4i)(bits - UINT64_C(0x3FE6A09E667F3BCD)) >> 52; /* sqrt(1/2) */
	v4d f = (v4d)(bits - ((v4u)e << 52)) - 1.0;
	v4d u = f / (2.0 + f), u2 = u * u;
	v4d series = u2 * (1.0 / 3 + u2 * (1.0 / 5 + u2 * (1.0 / 7)));
	/* e as a double: 2^52 + (e + 1024) has it in the low bits. */
	v4d ed = (v4d)((v4u)(e + 1024) | UINT64_C(0x4330000000000000)) - (0x1p52 + 1024.0);
	*x = ed * LN2 + (2.0 * u + 2.0 * u * series);
}

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros). */
#define V4D_SELECT(mask, a, b) ((v4d)(((v4i)(a) & (mask)) | ((v4i)(b) & ~(mask))))
/* Unaligned loads and stores of four lanes. */
#define V4_LOAD(dst, src) memcpy(&(dst), (src), sizeof(dst))
#define V4_STORE(dst, src) memcpy((dst), &(src), sizeof(src))

/* True when some lane of *mask is set. */
static inline __attribute__((always_inline)) bool any(const v4i *mask)
{
	v4i half = *mask | __builtin_shufflevector(*mask, *mask, 2, 3, 0, 1);
	return (half | __builtin_shufflevector(half, half, 1, 0, 3, 2))[0] != 0;
}

/* PELT candidates: segment starts s still in play, ascending, and the first
 * t from which each is proven useless (kill; SIZE_MAX while not). Per step:
 * each one's residual sum of squares, value F[s] + C(s, t) and error bound
 * (0 when exact). The pruning test of step t runs in the loop of step t + 1;
 * candidates past their kill time are dropped in batches. */
struct pelt_cands {
	size_t count, dead;	 /* dead: killed ones still listed */
	size_t *groups, ngroups; /* screen: first indices of the groups of four
				   that may hold the minimum */
	size_t *s, *kill;
	double *val, *err;
	double *F;	  /* F[s] of every s */
	double *K;	  /* K[s]: the pruning constant of s */
	double limit;	  /* the pruning threshold of step t_prev */
	double round_err; /* 1e-13 (1 + max |F[s]| so far): rounding of F[s] + cost */
	size_t t_prev;
};

/* Makes candidate i's value at t exact. */
static inline void exact_value(const struct pelt_data *d, struct pelt_cands *c, size_t i, size_t t)
{
	if (c->err[i] > 0) {
		size_t s = c->s[i];
		c->val[i] = c->F[s] + seg_cost(d, s, t);
		c->err[i] = 0;
	}
}

/* The pruning test of step t_prev for candidate i (see pelt_step) once its
 * screened value may be above the limit. */
static void prune_test(const struct pelt_data *d, struct pelt_cands *c, size_t i)
{
	double k = c->K[c->s[i]];
	if (c->val[i] - c->err[i] + k <= c->limit) {
		exact_value(d, c, i, c->t_prev); /* the bound cannot decide */
		if (!(c->val[i] + k > c->limit))
			return;
	}
	c->kill[i] = c->t_prev + d->min_size;
	c->dead++;
}

/* *dst = base[idx[0..3]]. */
static inline __attribute__((always_inline)) void gather4(v4d *dst, const double *base,
							  const size_t *idx)
{
	double lanes[4] = {base[idx[0]], base[idx[1]], base[idx[2]], base[idx[3]]};
	V4_LOAD(*dst, lanes);
}

/* Four candidates' prefix sums, F and log m as vectors: loads when their
 * starts are consecutive (the usual case), lane by lane otherwise. */
struct lanes {
	v4d h1, l1, h2, l2, f, k, dm, inv, logm;
};

static inline __attribute__((always_inline)) void load_lanes(const struct pelt_data *d,
							     const struct pelt_cands *c, size_t i,
							     size_t t, struct lanes *L)
{
	const size_t *s = &c->s[i];
	if (s[1] == s[0] + 1 && s[2] == s[0] + 2 && s[3] == s[0] + 3) {
		V4_LOAD(L->h1, d->h1 + s[0]);
		V4_LOAD(L->l1, d->l1 + s[0]);
		V4_LOAD(L->h2, d->h2 + s[0]);
		V4_LOAD(L->l2, d->l2 + s[0]);
		V4_LOAD(L->f, c->F + s[0]);
		V4_LOAD(L->k, c->K + s[0]);
		L->dm = (double)(t - s[0]) - (v4d){0, 1, 2, 3};
		v4d inv;
		V4_LOAD(inv, d->inv + (t - s[3]));
		L->inv = __builtin_shufflevector(inv, inv, 3, 2, 1, 0);
		if (d->logm) {
			v4d lm;
			V4_LOAD(lm, d->logm + (t - s[3]));
			L->logm = __builtin_shufflevector(lm, lm, 3, 2, 1, 0);
		} else {
			L->logm = L->dm * 0.0;
		}
		return;
	}
	size_t m[4] = {t - s[0], t - s[1], t - s[2], t - s[3]};
	gather4(&L->h1, d->h1, s);
	gather4(&L->l1, d->l1, s);
	gather4(&L->h2, d->h2, s);
	gather4(&L->l2, d->l2, s);
	gather4(&L->f, c->F, s);
	gather4(&L->k, c->K, s);
	double dm[4] = {(double)m[0], (double)m[1], (double)m[2], (double)m[3]};
	V4_LOAD(L->dm, dm);
	gather4(&L->inv, d->inv, m);
	if (d->logm)
		gather4(&L->logm, d->logm, m);
	else
		L->logm = L->dm * 0.0;
}

/* Candidate values at t (after the pruning test of t - 1), four at a time:
 * exact for the mean cost and floored segments, screened (approx_log, error
 * bound err) otherwise; +inf for the dead. Returns the least upper bound: the
 * minimum is not above it. rss is computed exactly as rss_between does. */
PELT_CLONES static double screen(const struct pelt_data *d, struct pelt_cands *c, size_t t)
{
	/* Pad to a multiple of four with copies of the last candidate, dead. */
	size_t count = c->count;
	for (size_t i = count; i % 4; i++) {
		c->s[i] = c->s[count - 1];
		c->kill[i] = 0;
		c->val[i] = c->err[i] = 0;
	}
	const v4d inf = {(double)INFINITY, (double)INFINITY, (double)INFINITY, (double)INFINITY};
	const v4d zero = {0, 0, 0, 0};
	v4d upper = inf;
	for (size_t i = 0; i < count; i += 4) {
		struct lanes L;
		load_lanes(d, c, i, t, &L);
		/* First the pruning test of t - 1, on the values of t - 1. */
		v4u kill;
		v4d old_val, old_err;
		V4_LOAD(kill, c->kill + i);
		V4_LOAD(old_val, c->val + i);
		V4_LOAD(old_err, c->err + i);
		v4i doubt = (v4i)(kill == SIZE_MAX) & (old_val + old_err + L.k > c->limit);
		if (any(&doubt)) {
			for (size_t j = 0; j < 4; j++)
				if (doubt[j])
					prune_test(d, c, i + j);
			V4_LOAD(kill, c->kill + i);
		}
		v4i live = (v4i)(kill > t);
		v4d inv = L.inv;
		v4d a = (d->h1[t] - L.h1) + (d->l1[t] - L.l1);
		v4d b = (d->h2[t] - L.h2) + (d->l2[t] - L.l2);
		v4d rss = b - a * a * inv;
		/* As rss_between: exactly where it falls back, the lane does too. */
		v4i slow = ~(rss > RSS_SAFE * b);
		if (d->kind == STATS_PELT_MEANVAR)
			slow |= rss * inv < d->floor;
		slow &= live;
		if (any(&slow))
			for (size_t j = 0; j < 4; j++)
				if (slow[j])
					rss[j] = rss_between(d, c->s[i + j], t, t - c->s[i + j],
							     inv[j]);
		/* The segment cost first, then F[s] + cost: as cost_of_rss and
		 * exact_value round, so exact values agree to the bit. */
		v4d cost, e = zero;
		if (d->kind == STATS_PELT_MEAN) {
			cost = rss;
		} else {
			v4d var = rss * inv;
			v4d logv = var;
			approx_log(&logv);
			v4d logged = L.dm * (LOG_2PI + 1.0 + logv);
			v4d floored = L.dm * d->floor_cost + rss * d->inv_floor;
			v4i low = var < d->floor;
			/* The log's error, and rounding: |log var| <= 50 (var is in
			 * [1e-8, n] standardised), so |cost| <= 53 m + log m, and
			 * |F[s]| <= max |F| so far (round_err). */
			cost = V4D_SELECT(low, floored, logged);
			e = V4D_SELECT(low, e, L.dm * (APPROX_LOG_ERR + 1e-11) + c->round_err);
		}
		if (d->logm)
			cost += L.logm;
		v4d v = L.f + cost;
		v = V4D_SELECT(live, v, inf);
		e = V4D_SELECT(live, e, zero);
		V4_STORE(c->val + i, v);
		V4_STORE(c->err + i, e);
		upper = V4D_SELECT(v + e < upper, v + e, upper);
	}
	double least = upper[0];
	for (int j = 1; j < 4; j++)
		if (upper[j] < least)
			least = upper[j];
	/* The groups that may hold the minimum or a tie: a lower bound not above
	 * the window (see pelt_step). */
	double window = least + 2 * PELT_TIE * (1.0 + fabs(least));
	c->ngroups = 0;
	for (size_t i = 0; i < count; i += 4) {
		v4d v, e;
		V4_LOAD(v, c->val + i);
		V4_LOAD(e, c->err + i);
		v4i may = v - e <= window;
		if (any(&may))
			c->groups[c->ngroups++] = i;
	}
	return least;
}

/* Drops the candidates dead from t + 1 once the killed (dead or dying) are
 * half of them: O(1) amortised per step and candidate. */
static void compact(struct pelt_cands *c, size_t t)
{
	if (2 * c->dead <= c->count)
		return;
	size_t kept = 0, dying = 0;
	for (size_t i = 0; i < c->count; i++)
		if (c->kill[i] > t + 1) {
			c->s[kept] = c->s[i];
			c->kill[kept] = c->kill[i];
			c->val[kept] = c->val[i];
			c->err[kept] = c->err[i];
			dying += c->kill[i] != SIZE_MAX;
			kept++;
		}
	c->count = kept;
	c->dead = dying;
}

/* The first candidate with an exact value at most tie (there is one: the
 * minimum itself). */
static size_t first_tie(const struct pelt_cands *c, double tie)
{
	for (size_t g = 0; g < c->ngroups; g++)
		for (size_t i = c->groups[g]; i < c->groups[g] + 4 && i < c->count; i++)
			if (!(c->err[i] > 0) && c->val[i] <= tie)
				return i;
	return 0;
}

/* As first_tie, over every candidate, evaluating exactly those that may be
 * ties: for a band past the window (an error bound above (1 + |upper|) / 2,
 * which needs segments of millions of points). */
static size_t first_tie_anywhere(const struct pelt_data *d, struct pelt_cands *c, size_t t,
				 double tie)
{
	for (size_t i = 0; i < c->count; i++) {
		if (c->val[i] - c->err[i] > tie)
			continue;
		exact_value(d, c, i, t);
		if (c->val[i] <= tie)
			return i;
	}
	return 0;
}

/* One PELT step at t: F[t], last[t], and the pruning threshold for the test
 * the next step runs: s is beaten from T = t + min_size on when F[s] + C(s,t)
 * + K > F[t], for then F[s] + C(s,T) >= F[s] + C(s,t) + C(t,T) + K > F[t] +
 * C(t,T). K = 0 for both costs (a maximised likelihood splits for free);
 * MBIC's log(m) terms need K = -log((n - s) / 4). Earlier T keep s: t is no
 * segment start for them. */
static void pelt_step(const struct pelt_data *d, struct pelt_cands *c, size_t *last, size_t t)
{
	double upper = screen(d, c, t);
	/* The minimum is among the candidates whose lower bound is not above
	 * upper, and the values tied with it (within PELT_TIE) among those not
	 * above the window (unless an error bound passes (1 + |upper|) / 2); they
	 * are evaluated exactly, and the earliest tie wins. */
	double window = upper + 2 * PELT_TIE * (1.0 + fabs(upper));
	double best = INFINITY;
	for (size_t g = 0; g < c->ngroups; g++)
		for (size_t i = c->groups[g]; i < c->groups[g] + 4 && i < c->count; i++) {
			if (c->val[i] - c->err[i] > window)
				continue;
			exact_value(d, c, i, t);
			if (c->val[i] < best)
				best = c->val[i];
		}
	double tie = best + PELT_TIE * (1.0 + fabs(best));
	size_t i = tie <= window ? first_tie(c, tie) : first_tie_anywhere(d, c, t, tie);
	c->F[t] = c->val[i] + d->beta;
	last[t] = c->s[i];
	if (1e-13 * (1.0 + fabs(c->F[t])) > c->round_err)
		c->round_err = 1e-13 * (1.0 + fabs(c->F[t]));
	c->limit = c->F[t] + PRUNE_SLACK * (1.0 + fabs(c->F[t]));
	c->t_prev = t;
	compact(c, t);
}

/* Adds start s (F[s] finite) to the candidates, with no pruning test due. */
static void pelt_add(struct pelt_cands *c, size_t s)
{
	size_t i = c->count++;
	c->s[i] = s;
	c->kill[i] = SIZE_MAX;
	c->val[i] = -INFINITY;
	c->err[i] = 0;
}

void stats_pelt_scan(const struct pelt_data *d, size_t *last)
{
	size_t nf = d->n, m = d->min_size;
	/* Candidate arrays have room for padding to a multiple of four. */
	struct pelt_cands c = {
		.s = xmalloc((nf + 4) * sizeof(size_t)),
		.kill = xmalloc((nf + 4) * sizeof(size_t)),
		.val = xmalloc((nf + 4) * sizeof(double)),
		.err = xmalloc((nf + 4) * sizeof(double)),
		.groups = xmalloc((nf / 4 + 2) * sizeof(size_t)),
		.F = xmalloc((nf + 1) * sizeof(double)),
		.K = xcalloc(nf + 1, sizeof(double)),
	};
	for (size_t s = 0; d->logm && s + 4 < nf; s++)
		c.K[s] = -log((double)(nf - s) / 4.0);
	c.F[0] = -d->beta;
	c.limit = INFINITY;
	c.round_err = 1e-13 * (1.0 + d->beta);
	for (size_t t = 1; t <= nf; t++) {
		if (t < m) {
			c.F[t] = INFINITY;
			continue;
		}
		/* s = t - m becomes a start: 0, or a point a segmentation can end at. */
		if (t - m == 0 || t - m >= m)
			pelt_add(&c, t - m);
		pelt_step(d, &c, last, t);
	}
	free(c.s);
	free(c.kill);
	free(c.val);
	free(c.err);
	free(c.groups);
	free(c.F);
	free(c.K);
}
