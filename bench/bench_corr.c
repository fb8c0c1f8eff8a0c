/* Benchmark driver for bench/bench_stats_corr.sh: reads x and y (raw little-endian float64
 * files of n values each), times stats_kendall_tau_b and stats_spearman (best of RUNS,
 * clock_gettime CLOCK_MONOTONIC) and prints one line per statistic: <name> <best seconds> <estimate
 * %.17g> <p-value %.17g> usage: bench_corr X.bin Y.bin N [RUNS] */
#include "common.h"

#include <math.h>

#include "core.h"
#include "stats/kendall.h"
#include "stats/rank.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double *read_doubles(const char *path, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_corr: cannot open \"%s\"\n", path);
		return NULL;
	}
	double *v = xmalloc(n * sizeof(*v));
	size_t got = fread(v, sizeof(*v), n, f);
	fclose(f);
	if (got != n) {
		fprintf(stderr, "bench_corr: \"%s\" holds %zu values, expected %zu\n", path, got,
			n);
		free(v);
		return NULL;
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_corr X.bin Y.bin N [RUNS]\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long long parsed = strtoull(argv[3], &end, 10);
	if (errno || *end || parsed == 0) {
		fprintf(stderr, "bench_corr: bad N \"%s\"\n", argv[3]);
		return 2;
	}
	size_t n = (size_t)parsed;
	long runs = 5;
	if (argc > 4) {
		runs = strtol(argv[4], &end, 10);
		if (*end || runs < 1) {
			fprintf(stderr, "bench_corr: bad RUNS \"%s\"\n", argv[4]);
			return 2;
		}
	}
	core_init();
	double *x = read_doubles(argv[1], n), *y = read_doubles(argv[2], n);
	if (!x || !y)
		return 1;
	double best_k = INFINITY, best_s = INFINITY;
	struct stats_kendall k;
	struct stats_spearman s;
	for (long r = 0; r < runs; r++) {
		double t0 = now();
		stats_kendall_tau_b(x, y, n, &k);
		double t1 = now();
		stats_spearman(x, y, n, &s);
		double t2 = now();
		best_k = fmin(best_k, t1 - t0);
		best_s = fmin(best_s, t2 - t1);
	}
	if (k.status != STATS_OK || s.status != STATS_OK) {
		fprintf(stderr, "bench_corr: kendall %s, spearman %s\n",
			stats_status_name(k.status), stats_status_name(s.status));
		return 1;
	}
	printf("kendall %.6f %.17g %.17g\n", best_k, k.tau_b, k.p_value);
	printf("spearman %.6f %.17g %.17g\n", best_s, s.rho, s.p_value);
	free(x);
	free(y);
	return 0;
}
