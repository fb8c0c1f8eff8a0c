/* Benchmark driver for core/backtest (bench/bench_backtest.sh builds it against
 * build/libratchet.a): the synthetic register of the SQL benchmark built in memory — N changes
 * over 2025, 10% unreviewed, 20% with a confirmed IO an hour before they took effect, 2% with a
 * candidate, K outcomes each linked to one change 1 h to 45 d after it — and the parts of a
 * backtest that run in ratchetd after the rows are read: the input hash, the whole run (which
 * hashes again), and the result's JSON printed. Prints `# core` lines: seconds, best of RUNS.
 * usage: bench_backtest [RUNS [N [K]]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backtest.h"
#include "core.h"
#include "err.h"
#include "json.h"

#define USEC INT64_C(1000000)
#define DAY (86400 * USEC)
#define T2025 (INT64_C(1735689600) * USEC) /* 2025-01-01T00:00:00Z */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct reg {
	struct backtest_change *changes;
	struct backtest_io *ios;
	struct backtest_outcome *outcomes;
	struct backtest_link *links;
	char *text;
	struct backtest_input in;
};

/* The register of bench_backtest.sh's SQL, row for row (ids 1..n, 1..k). */
static void build(struct reg *r, long n, long k)
{
	r->changes = calloc((size_t)n, sizeof(*r->changes));
	r->ios = calloc((size_t)n, sizeof(*r->ios));
	r->outcomes = calloc((size_t)k, sizeof(*r->outcomes));
	r->links = calloc((size_t)k, sizeof(*r->links));
	r->text = calloc((size_t)(n + k), 24);
	if (!r->changes || !r->ios || !r->outcomes || !r->links || !r->text)
		abort();
	size_t n_ios = 0;
	for (long g = 1; g <= n; g++) {
		struct backtest_change *c = &r->changes[g - 1];
		char *key = r->text + (g - 1) * 24;
		snprintf(key, 24, "c%ld", g);
		c->id = g;
		c->service = "bench";
		c->key = key;
		c->impact = (enum impact)((g * 7) % 3);
		c->effective_at =
			T2025 + (int64_t)((double)(g - 1) * (31536000.0 / (double)n)) * USEC;
		c->review = g % 10 == 0	 ? REVIEW_UNREVIEWED
			    : g % 5 == 1 ? REVIEW_HAS_IO
					 : REVIEW_NO_IO;
		c->ios = &r->ios[n_ios];
		if (c->review == REVIEW_HAS_IO || g % 50 == 3) {
			struct backtest_io *io = &r->ios[n_ios++];
			io->id = (int64_t)n_ios;
			io->category = c->review == REVIEW_HAS_IO
					       ? (enum io_category)((g * 7919) % 6)
					       : IO_CAT_SUPPLY_CHAIN;
			io->status = c->review == REVIEW_HAS_IO ? IO_CONFIRMED : IO_CANDIDATE;
			io->recorded_at = c->effective_at - 3600 * USEC;
			c->n_ios = 1;
		}
	}
	for (long i = 1; i <= k; i++) {
		struct backtest_outcome *o = &r->outcomes[i - 1];
		const struct backtest_change *c = &r->changes[(i * 7919) % n];
		char *title = r->text + (n + i - 1) * 24;
		snprintf(title, 24, "synthetic outcome %ld", i);
		o->id = i;
		o->kind = (enum backtest_kind)(i % 3);
		o->severity = i % 7 == 0 ? 0 : (int)(1 + (i * 13) % 4);
		o->occurred_at = c->effective_at + 3600 * USEC + ((i * 37) % 45) * DAY;
		o->title = title;
		o->external_key = title + 18;
		r->links[i - 1] = (struct backtest_link){
			c->id, o->kind == BACKTEST_ROLLBACK ? BACKTEST_REVERT : BACKTEST_EXPLICIT,
			o->kind == BACKTEST_ROLLBACK ? "git" : NULL,
			o->kind == BACKTEST_ROLLBACK ? "1" : NULL};
		o->links = &r->links[i - 1];
		o->n_links = 1;
	}
	r->in = (struct backtest_input){r->changes, (size_t)n, r->outcomes, (size_t)k};
}

int main(int argc, char **argv)
{
	core_init();
	int runs = argc > 1 ? atoi(argv[1]) : 3;
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	long k = argc > 3 ? atol(argv[3]) : 100000;
	struct reg r;
	build(&r, n, k);
	struct backtest_params p;
	backtest_params_init(&p);
	p.from = T2025;
	p.to = T2025 + 365 * DAY;
	p.data_end = T2025 + 424 * DAY; /* 2026-03-01 */
	p.service = "bench";
	double best_hash = 1e9, best_run = 1e9, best_json = 1e9;
	char hash[HASH_HEX_LEN + 1];
	struct err err;
	for (int i = 0; i < runs; i++) {
		err_init(&err);
		double t0 = now();
		if (backtest_input_hash(&r.in, &p, hash, &err) < 0)
			abort();
		double t1 = now();
		struct backtest_result res;
		if (backtest_run(&r.in, &p, &res, &err) < 0)
			abort();
		double t2 = now();
		cJSON *j = backtest_to_json(&res);
		char *text = json_print(j);
		double t3 = now();
		if (i == runs - 1)
			printf("# core: any a b c d %.0f %.0f %.0f %.0f; result %zu bytes; hash "
			       "%s\n",
			       (double)res.exposures[0].table.counts.a,
			       (double)res.exposures[0].table.counts.b,
			       (double)res.exposures[0].table.counts.c,
			       (double)res.exposures[0].table.counts.d, strlen(text), hash);
		free(text);
		cJSON_Delete(j);
		backtest_result_release(&res);
		best_hash = t1 - t0 < best_hash ? t1 - t0 : best_hash;
		best_run = t2 - t1 < best_run ? t2 - t1 : best_run;
		best_json = t3 - t2 < best_json ? t3 - t2 : best_json;
	}
	printf("# core (in memory, best of %d): input hash %.3f s, backtest_run %.3f s (hash "
	       "included), result JSON %.3f s\n",
	       runs, best_hash, best_run, best_json);
	free(r.changes);
	free(r.ios);
	free(r.outcomes);
	free(r.links);
	free(r.text);
	return 0;
}
