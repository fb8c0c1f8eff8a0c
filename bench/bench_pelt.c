/* Benchmark driver for core/stats/pelt (bench/bench_stats_pelt.sh builds it
 * against build/libratchet.a): PELT on n = 10^5 with 100 and with 2 change
 * points, both costs, MBIC. Baselines measured in the same run:
 *   - exhaustive optimal partitioning (the O(n^2) dynamic programme PELT is
 *     exact against, written here plainly: long double prefix sums, libm log,
 *     no pruning) on the first 10^4 points, extrapolated by (10^5 / 10^4)^2;
 *     it must find PELT's segmentation of those 10^4 points (checked);
 *   - binary segmentation (stats_binseg) on the same 10^5 points.
 * Prints rows `figure ratchet baseline ratio` (seconds, best of RUNS; ratio =
 * baseline / ratchet) and `#` lines saying what was found.
 * usage: bench_pelt [RUNS] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "stats/pelt.h"

#define N_BIG 100000
#define N_OP 10000

static uint64_t rng_state;

static double uniform01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

static double normal01(void)
{
	double u = uniform01(), v = uniform01();
	return sqrt(-2.0 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

/* n points in k + 1 equal segments, each with a new mean (a jump of 2 to 4)
 * and a new sd (0.5 to 2). */
static void series(double *x, size_t n, size_t k, uint64_t seed)
{
	rng_state = seed;
	double mean = 0, sd = 1;
	size_t len = n / (k + 1);
	for (size_t i = 0; i < n; i++) {
		if (i % len == 0 && i / len <= k) {
			mean += (uniform01() < 0.5 ? -1 : 1) * (2.0 + 2.0 * uniform01());
			sd = 0.5 + 1.5 * uniform01();
		}
		x[i] = mean + sd * normal01();
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct stats_pelt (*method_fn)(const double *, size_t, const struct stats_pelt_opts *,
				       size_t *);

/* Best time of `runs` calls; *res gets the result. */
static double best_time(method_fn fn, const double *x, size_t n, const struct stats_pelt_opts *o,
			size_t *cpts, int runs, struct stats_pelt *res)
{
	double best = INFINITY;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		*res = fn(x, n, o, cpts);
		double dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* Plain optimal partitioning with MBIC and min_size 2, the costs of pelt.h
 * (meanvar: floor 1e-8 of the MLE variance; mean: x / scale). Change points
 * into cp; returns their count. */
static size_t optimal_partitioning(const double *x, size_t n, enum stats_pelt_cost cost,
				   double scale, size_t *cp)
{
	long double *s1 = malloc((n + 1) * sizeof(*s1)), *s2 = malloc((n + 1) * sizeof(*s2));
	double *F = malloc((n + 1) * sizeof(*F));
	size_t *last = calloc(n + 1, sizeof(*last));
	s1[0] = s2[0] = 0;
	for (size_t i = 0; i < n; i++) {
		long double v = cost == STATS_PELT_MEAN ? x[i] / scale : x[i];
		s1[i + 1] = s1[i] + v;
		s2[i + 1] = s2[i] + v * v;
	}
	double floor = 1e-8 * (double)((s2[n] - s1[n] * s1[n] / n) / n);
	double beta = (cost == STATS_PELT_MEAN ? 2.0 : 3.0) * log((double)n);
	F[0] = -beta;
	F[1] = INFINITY;
	for (size_t t = 2; t <= n; t++) {
		F[t] = INFINITY;
		for (size_t s = 0; s + 2 <= t; s++) {
			if (s == 1)
				continue;
			double m = (double)(t - s);
			long double a = s1[t] - s1[s];
			double rss = (double)(s2[t] - s2[s] - a * a / (long double)m);
			if (rss < 0)
				rss = 0;
			double c;
			if (cost == STATS_PELT_MEAN)
				c = rss;
			else if (rss / m >= floor)
				c = m * (log(2 * M_PI) + log(rss / m) + 1);
			else
				c = m * (log(2 * M_PI) + log(floor)) + rss / floor;
			double v = F[s] + c + log(m) + beta;
			if (v < F[t]) {
				F[t] = v;
				last[t] = s;
			}
		}
	}
	size_t k = 0;
	for (size_t t = n; t > 0 && last[t] > 0; t = last[t])
		cp[k++] = last[t];
	for (size_t i = 0; i < k / 2; i++) {
		size_t tmp = cp[i];
		cp[i] = cp[k - 1 - i];
		cp[k - 1 - i] = tmp;
	}
	free(s1);
	free(s2);
	free(F);
	free(last);
	return k;
}

static void row(const char *figure, double ours, double theirs)
{
	printf("%-52s %10.4f %10.4f %9.2f\n", figure, ours, theirs, theirs / ours);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1)
		runs = 1;
	core_init();
	double *x = malloc(N_BIG * sizeof(*x));
	size_t *cpts = malloc(N_BIG * sizeof(*cpts)), *cp = malloc(N_BIG * sizeof(*cp));
	static const size_t changes[] = {100, 2};
	static const enum stats_pelt_cost costs[] = {STATS_PELT_MEANVAR, STATS_PELT_MEAN};
	int status = 0;
	printf("%-52s %10s %10s %9s\n", "figure (seconds)", "ratchet", "baseline", "ratio");
	for (size_t ci = 0; ci < 2; ci++) {
		series(x, N_BIG, changes[ci], 0x9E3779B97F4A7C15ULL + changes[ci]);
		for (size_t k = 0; k < 2; k++) {
			struct stats_pelt_opts o = {.cost = costs[k]};
			struct stats_pelt pr, br, small;
			/* The quadratic case (2 changes) is slow: one run. */
			int reps = changes[ci] > 10 ? runs : 1;
			double tp = best_time(stats_pelt, x, N_BIG, &o, cpts, reps, &pr);
			double tb = best_time(stats_binseg, x, N_BIG, &o, cpts, reps, &br);
			size_t found = pr.n_cpts;

			/* The baseline PELT must equal: OP on the first 10^4 points. */
			best_time(stats_pelt, x, N_OP, &o, cpts, 1, &small);
			double t0 = now();
			size_t kop = optimal_partitioning(x, N_OP, costs[k], small.scale, cp);
			double top = (now() - t0) * ((double)N_BIG / N_OP) * ((double)N_BIG / N_OP);
			int agree = kop == small.n_cpts && memcmp(cp, cpts, kop * sizeof(*cp)) == 0;
			status |= !agree;

			char fig[96];
			const char *name = stats_pelt_cost_name(costs[k]);
			snprintf(fig, sizeof(fig), "PELT %s, n = 1e5, %zu changes vs OP", name,
				 changes[ci]);
			row(fig, tp, top);
			snprintf(fig, sizeof(fig), "PELT %s, n = 1e5, %zu changes vs binseg", name,
				 changes[ci]);
			row(fig, tp, tb);
			printf("# %s %zu changes: PELT found %zu (cost %.6f), binary segmentation "
			       "%zu (cost %.6f); OP on 1e4 points %s PELT (%zu change points)\n",
			       name, changes[ci], found, pr.cost, br.n_cpts, br.cost,
			       agree ? "agrees with" : "DISAGREES with", kop);
			if (changes[ci] == 100 && tp >= 0.2)
				printf("# target missed: PELT with 100 changes took %.4f s (>= "
				       "0.2)\n",
				       tp);
		}
	}
	printf("# ratio = baseline / ratchet. OP: exhaustive optimal partitioning timed on 1e4 "
	       "points x 100 (it is exactly quadratic); binseg: binary segmentation on the same "
	       "1e5 points. Target: PELT with 100 changes under 0.2 s.\n");
	free(x);
	free(cpts);
	free(cp);
	return status;
}
