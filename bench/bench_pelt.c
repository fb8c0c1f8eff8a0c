/* Benchmark driver for core/stats/pelt (bench/bench_stats_pelt.sh builds it
 * against build/libratchet.a): PELT on n = 10^5 with 100 and with 2 change
 * points, for both costs, against binary segmentation on the same data in the
 * same run. Prints `figure ratchet baseline ratio` rows (seconds, best of
 * several runs) and, on stderr, what was found.
 * usage: bench_pelt [REPEATS] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core.h"
#include "stats/pelt.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

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

/* n points in k + 1 equal segments; each segment a new mean (jump of 2 to 4
 * sds) and a new sd (0.5 to 2). */
static void series(double *x, size_t n, size_t k)
{
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

/* Best time of `repeats` runs of fn; *res gets the last result. */
static double best_time(method_fn fn, const double *x, size_t n, const struct stats_pelt_opts *o,
			size_t *cpts, int repeats, struct stats_pelt *res)
{
	double best = INFINITY;
	for (int r = 0; r < repeats; r++) {
		double t0 = now();
		*res = fn(x, n, o, cpts);
		double dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	int repeats = argc > 1 ? atoi(argv[1]) : 5;
	core_init();
	size_t n = 100000;
	double *x = malloc(n * sizeof(*x));
	size_t *cpts = malloc(n * sizeof(*cpts));
	static const size_t changes[] = {100, 2};
	static const enum stats_pelt_cost costs[] = {STATS_PELT_MEANVAR, STATS_PELT_MEAN};
	printf("%-34s %10s %10s %8s\n", "figure", "ratchet", "baseline", "ratio");
	for (size_t c = 0; c < 2; c++) {
		rng_state = 0x9E3779B97F4A7C15ULL + changes[c];
		series(x, n, changes[c]);
		for (size_t k = 0; k < 2; k++) {
			struct stats_pelt_opts o = {.cost = costs[k]};
			struct stats_pelt pr, br;
			/* The quadratic case (2 changes) is slow: fewer repeats. */
			int reps = changes[c] > 10 ? repeats : 1;
			double tp = best_time(stats_pelt, x, n, &o, cpts, reps, &pr);
			double tb = best_time(stats_binseg, x, n, &o, cpts, reps, &br);
			char figure[64];
			snprintf(figure, sizeof(figure), "pelt_%s_1e5_%zucp_s", stats_pelt_cost_name(costs[k]),
				 changes[c]);
			printf("%-34s %10.4f %10.4f %8.2f\n", figure, tp, tb, tp / tb);
			fprintf(stderr,
				"# %s: PELT found %zu change points (cost %.6f), binary segmentation %zu "
				"(cost %.6f)\n",
				figure, pr.n_cpts, pr.cost, br.n_cpts, br.cost);
		}
	}
	free(x);
	free(cpts);
	return 0;
}
