/* The governance metrics on the server: a request's window and thresholds,
 * the scope's records from the store, each change's closure and GBR inputs
 * (metrics_change_fill under the active policies), gathered into core's
 * struct metrics_input; and the per-service figures of GET /metrics. Shared
 * by h_metrics.c and h_prom.c. Named apart from core's metrics.h, which it
 * builds on. */
#ifndef RATCHET_METRICS_SRV_H
#define RATCHET_METRICS_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "store.h"

struct err;

/* What a request asks for. Times in microseconds; RTIME_NONE = default. */
struct metrics_request {
	const char *service; /* NULL: every service */
	int impact;	     /* enum impact, or -1 for any */
	int io_only;
	int64_t from, to;   /* RTIME_NONE: the thresholds' window ending now */
	const char *policy; /* thresholds of this active policy; NULL: the strictest */
	int64_t rolling;    /* the tempo series' span in microseconds; 0: 7 days */
	int64_t now;
	/* Limits checked before anything is loaded: /v1/metrics's weekly GBR
	 * series (weekly) and /v1/ios/accumulation's buckets (accumulation, with
	 * bucket: enum metrics_bucket, or -1 for the default) hold at most
	 * METRICS_MAX_BUCKETS entries; too many is a detail on "from" or "bucket". */
	int weekly;
	int accumulation;
	int bucket;
	/* IOs to load (accumulation): */
	int with_ios;
	int by_recorded;
	int include_candidates;
};

/* Everything loaded for one request; in points into it. */
struct metrics_ctx {
	struct metrics_input in;
	struct policy_version *policies;
	size_t n_policies;
	struct metrics_thresholds thresholds;
	struct metrics_change_row *rows;
	size_t n_rows;
	struct metric_change *changes; /* parallel to rows */
	struct drill *drills;	       /* sorted by service, then id */
	size_t n_drills;
	struct metrics_io *ios;
	size_t n_ios;
};

void metrics_ctx_init(struct metrics_ctx *m);
void metrics_ctx_release(struct metrics_ctx *m);

/* Loads the active policies and thresholds (an unknown q->policy is a detail
 * on "policy"), sets the window (from >= to, or a window starting in the
 * future, is a detail on "from"), and loads the records: the effective
 * changes of the service scope and io_only filter effective in
 * [metrics_carry_from(window, q->rolling), asof) (any impact: core applies
 * the impact filter; older ones no figure looks at), each with its closure
 * and GBR inputs; the drills; and the IOs when q->with_ios. m->in is ready
 * for core's reports (sustain left for the caller). */
int metrics_load(const struct metrics_request *q, struct metrics_ctx *m, struct err *err);

/* Per-service gauges of GET /metrics, over the default window ending now. */
struct metrics_service_figures {
	const char *service; /* borrowed from the names list */
	double vl_median;    /* NAN: omitted */
	size_t vl_open;
	double rdpr, gbr, tempo_ratio, little_l; /* NAN: omitted */
	size_t planned;
	size_t ios[IO_CAT_COUNT]; /* confirmed IOs in the window, dated by effective_at */
};
/* Every service with a change, in name order: names (caller releases) and
 * *out (caller frees), one figures row per name. */
int metrics_by_service(int64_t now, struct strlist *names, struct metrics_service_figures **out,
		       struct err *err);

#endif
