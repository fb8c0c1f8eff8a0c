/* GET /v1/metrics, /v1/tempo and /v1/ios/accumulation: the query checked here,
 * the records loaded by metrics.c, the figures and their JSON by core. */
#include "common.h"

#include "err.h"
#include "handlers.h"
#include "metrics_srv.h"
#include "rtime.h"

#define USEC_PER_SEC 1000000LL
#define ROLLING_MAX (3650 * 86400LL) /* seconds: ten years */
#define SUSTAIN_MAX 10000

/* The filters every metrics route shares. */
static void scope_params(const struct req *r, struct metrics_request *q, struct err *err)
{
	const char *impact = NULL;
	q->service = req_query(r, "service");
	if (q->service && !model_valid_service(q->service))
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	query_enum(r, "impact", &impact_names, &impact, err);
	q->impact = impact ? model_lookup(&impact_names, impact) : -1;
	query_bool(r, "io_only", &q->io_only, err);
	query_time_or_date(r, "from", &q->from, err);
	query_time_or_date(r, "to", &q->to, err);
	q->now = r->now;
	if (q->from != RTIME_NONE && q->to != RTIME_NONE && q->from >= q->to)
		err_detail(err, "from", 0, 0, "must be before to");
}

/* policy, sustain and rolling of /v1/metrics and /v1/tempo. */
static void tempo_params(const struct req *r, struct metrics_request *q, size_t *sustain,
			 int64_t *rolling, struct err *err)
{
	long long w = 10;
	int64_t span = 7 * 86400;
	q->policy = req_query(r, "policy");
	query_int(r, "sustain", 1, SUSTAIN_MAX, &w, err);
	if (query_duration(r, "rolling", &span, err) == 0 && span > ROLLING_MAX)
		err_detail(err, "rolling", 0, 0, "must be at most 3650d");
	*sustain = (size_t)w;
	*rolling = span * USEC_PER_SEC;
}

static const char *const metrics_params[] = {"service", "impact",  "io_only", "from", "to",
					     "policy",	"sustain", "rolling", NULL};

/* Loads the context of /v1/metrics or /v1/tempo. */
static int load_tempo_route(struct req *r, int with_ios, struct metrics_ctx *m, struct err *err)
{
	struct metrics_request q = {.impact = -1, .with_ios = with_ios};
	size_t sustain;
	int64_t rolling;
	query_check(r, metrics_params, err);
	scope_params(r, &q, err);
	tempo_params(r, &q, &sustain, &rolling, err);
	q.rolling = rolling;
	q.weekly = with_ios; /* /v1/metrics */
	if (err_is_set(err) || metrics_load(&q, m, err) < 0)
		return -1;
	m->in.sustain = sustain;
	return 0;
}

int h_metrics_get(struct req *r, struct resp *out, struct err *err)
{
	struct metrics_ctx m;
	metrics_ctx_init(&m);
	int rc = load_tempo_route(r, 1, &m, err);
	if (rc == 0)
		resp_json(out, 200, metrics_report_to_json(&m.in));
	metrics_ctx_release(&m);
	return rc;
}

int h_metrics_tempo(struct req *r, struct resp *out, struct err *err)
{
	struct metrics_ctx m;
	metrics_ctx_init(&m);
	int rc = load_tempo_route(r, 0, &m, err);
	if (rc == 0)
		resp_json(out, 200, metrics_tempo_report_to_json(&m.in));
	metrics_ctx_release(&m);
	return rc;
}

static const struct model_names by_names = {(const char *const[]){"effective", "recorded"}, 2,
					    "effective, recorded"};

static const char *const accumulation_params[] = {
	"service", "impact", "io_only", "from", "to", "by", "bucket", "include_candidates", NULL};

int h_metrics_accumulation(struct req *r, struct resp *out, struct err *err)
{
	struct metrics_request q = {.impact = -1, .with_ios = 1, .accumulation = 1, .bucket = -1};
	const char *by = NULL, *bucket = NULL;
	query_check(r, accumulation_params, err);
	scope_params(r, &q, err);
	query_enum(r, "by", &by_names, &by, err);
	query_enum(r, "bucket", &metrics_bucket_names, &bucket, err);
	query_bool(r, "include_candidates", &q.include_candidates, err);
	q.by_recorded = by && strcmp(by, "recorded") == 0;
	if (bucket)
		q.bucket = model_lookup(&metrics_bucket_names, bucket);
	if (err_is_set(err))
		return -1;
	struct metrics_ctx m;
	metrics_ctx_init(&m);
	int rc = -1;
	if (metrics_load(&q, &m, err) < 0)
		goto out;
	cJSON *o = metrics_accumulation_report_to_json(&m.in, err);
	if (!o)
		goto out;
	resp_json(out, 200, o);
	rc = 0;
out:
	metrics_ctx_release(&m);
	return rc;
}
