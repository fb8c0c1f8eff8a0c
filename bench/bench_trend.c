/* Benchmark driver for bench/bench_stats_trend.sh: reads x and y (raw little-endian float64
 * files of n values each), times stats_theilsen (best of RUNS, CLOCK_MONOTONIC) and prints
 * one line: theilsen <best seconds> <slope %.17g> <intercept %.17g>.
 * usage: bench_trend X.bin Y.bin N [RUNS] */
#include "common.h"

#include <math.h>

#include "core.h"
#include "stats/trend.h"

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
		fprintf(stderr, "bench_trend: cannot open \"%s\"\n", path);
		return NULL;
	}
	double *v = xmalloc(n * sizeof(*v));
	size_t got = fread(v, sizeof(*v), n, f);
	fclose(f);
	if (got != n) {
		fprintf(stderr, "bench_trend: \"%s\" holds %zu values, expected %zu\n", path, got,
			n);
		free(v);
		return NULL;
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_trend X.bin Y.bin N [RUNS]\n");
		return 2;
	}
	core_init();
	size_t n = (size_t)strtoull(argv[3], NULL, 10);
	int runs = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 3;
	double *x = read_doubles(argv[1], n), *y = read_doubles(argv[2], n);
	if (!x || !y)
		return 1;
	struct stats_theilsen r;
	double best = INFINITY;
	for (int i = 0; i < runs; i++) {
		double t0 = now();
		stats_theilsen(x, y, n, 0.95, &r);
		best = fmin(best, now() - t0);
	}
	if (r.status != STATS_OK) {
		fprintf(stderr, "bench_trend: %s\n", stats_status_name(r.status));
		return 1;
	}
	printf("theilsen %.6f %.17g %.17g\n", best, r.slope, r.intercept);
	free(x);
	free(y);
	return 0;
}
