/* SplitMix64, the deterministic stream the statistics generators (tests/vectors/gen_rank.py,
 * gen_kendall.py, gen_percentile.py, gen_kappa.py) use for inputs too large to commit: the
 * vectors store a seed and a rule, the C test rebuilds the same input bit for bit. */
#ifndef RATCHET_TEST_SPLITMIX_H
#define RATCHET_TEST_SPLITMIX_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

struct splitmix {
	uint64_t state;
};

static inline uint64_t splitmix_next(struct splitmix *s)
{
	uint64_t z = (s->state += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1) with 53 random bits (exact in binary). */
static inline double splitmix_uniform(struct splitmix *s)
{
	return (double)(splitmix_next(s) >> 11) * 0x1p-53;
}

/* The pair rules of the generators ("rule" objects in the vectors):
 *   kind "uniform": x[i] = U(seed_x), y[i] = x[i] + 0.5 U(seed_y)
 *   kind "ties":    x[i] = next(seed_x) % mod_x, y[i] = x[i] + next(seed_y) % mod_y
 * then x[i] = NaN when nan_x_every > 0 and i % nan_x_every == 0, the same for y.
 * x and y are caller-provided, n long. */
static inline void splitmix_pairs(const char *kind, size_t n, uint64_t seed_x, uint64_t seed_y,
				  uint64_t mod_x, uint64_t mod_y, size_t nan_x_every,
				  size_t nan_y_every, double *x, double *y)
{
	struct splitmix sx = {seed_x}, sy = {seed_y};
	int ties = kind[0] == 't';
	for (size_t i = 0; i < n; i++) {
		if (ties) {
			x[i] = (double)(splitmix_next(&sx) % mod_x);
			y[i] = x[i] + (double)(splitmix_next(&sy) % mod_y);
		} else {
			x[i] = splitmix_uniform(&sx);
			y[i] = x[i] + 0.5 * splitmix_uniform(&sy);
		}
		if (nan_x_every && i % nan_x_every == 0)
			x[i] = NAN;
		if (nan_y_every && i % nan_y_every == 0)
			y[i] = NAN;
	}
}

#endif
