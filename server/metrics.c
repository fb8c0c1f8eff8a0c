/* The governance metrics' inputs on the server: a request's window and
 * thresholds, the scope's changes with each one's evaluation closure and GBR
 * inputs (core's metrics_change_fill under the active policies, with the
 * change's gate records and its service's drills), the drills and IOs; then
 * the per-service figures of GET /metrics. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "metrics_srv.h"
#include "rtime.h"

#define USEC_PER_SEC 1000000LL
#define DEFAULT_WINDOW (30 * 86400LL)

void metrics_ctx_init(struct metrics_ctx *m)
{
	memset(m, 0, sizeof(*m));
}

void metrics_ctx_release(struct metrics_ctx *m)
{
	policy_versions_free(m->policies, m->n_policies);
	store_metrics_changes_free(m->rows, m->n_rows);
	free(m->changes);
	store_drills_free(m->drills, m->n_drills);
	free(m->ios);
	metrics_ctx_init(m);
}

/* The drills of one service: a run of m->drills (sorted by service, "C" order). */
static const struct drill *drills_of(const struct metrics_ctx *m, const char *service, size_t *n)
{
	size_t lo = 0, hi = m->n_drills;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(m->drills[mid].service, service) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < m->n_drills && strcmp(m->drills[end].service, service) == 0)
		end++;
	*n = end - lo;
	return m->drills + lo;
}

/* One change's metric inputs at asof, as gate evaluation sees the change. */
static int change_inputs(const struct metrics_ctx *m, const struct metrics_change_row *row,
			 struct metric_change *mc, struct err *err)
{
	size_t n_drills;
	const struct drill *drills = drills_of(m, row->service, &n_drills);
	struct gate_subject subject = {
		.change_id = row->id,
		.service = row->service,
		.impact = row->impact,
		.state = CHANGE_EFFECTIVE,
		.effective_at = row->effective_at,
		.author = row->author,
		.created_by = row->created_by,
		.categories = row->categories,
	};
	const struct gate_record_set *s = &row->records;
	struct gate_records records = {
		.results = s->results,
		.n_results = s->n_results,
		.approvals = s->approvals,
		.n_approvals = s->n_approvals,
		.bypasses = s->bypasses,
		.n_bypasses = s->n_bypasses,
		.drills = drills,
		.n_drills = n_drills,
	};
	memset(mc, 0, sizeof(*mc));
	mc->has_io = row->has_io;
	if (metrics_change_fill(m->policies, m->n_policies, &subject, &records,
				row->shipped_while_blocked, m->in.window.asof, mc, err) < 0)
		return -1;
	mc->has_io = row->has_io;
	return 0;
}

static int policy_is_active(const struct metrics_ctx *m, const char *name)
{
	for (size_t i = 0; i < m->n_policies; i++)
		if (m->policies[i].policy.name && strcmp(m->policies[i].policy.name, name) == 0)
			return 1;
	return 0;
}

/* [from, to) and asof from the request and the thresholds' window. */
static int set_window(struct metrics_ctx *m, const struct metrics_request *q, struct err *err)
{
	struct metrics_window *w = &m->in.window;
	int64_t window = m->thresholds.t.has_window ? m->thresholds.t.window : DEFAULT_WINDOW;
	m->in.window_default = q->from == RTIME_NONE && q->to == RTIME_NONE;
	w->to = q->to != RTIME_NONE ? q->to : q->now;
	w->from = q->from != RTIME_NONE ? q->from : w->to - window * USEC_PER_SEC;
	if (w->from < RTIME_MIN)
		w->from = RTIME_MIN;
	w->asof = w->to < q->now ? w->to : q->now;
	if (w->from >= w->to)
		return err_detail(err, "from", 0, 0, "must be before to");
	if (w->from >= w->asof)
		return err_detail(err, "from", 0, 0,
				  "lies in the future: the window has nothing to measure yet");
	return 0;
}

static int load_ios(struct metrics_ctx *m, const struct metrics_request *q, struct err *err)
{
	struct metrics_scope scope = {
		.service = q->service,
		.impact = q->impact >= 0 ? model_name(&impact_names, q->impact) : NULL,
		.io_only = q->io_only,
	};
	struct metrics_io_query iq = {
		.from = m->in.window.from,
		.until = m->in.window.asof,
		.by_recorded = q->by_recorded,
		.include_candidates = q->include_candidates,
	};
	struct metrics_io_row *rows;
	size_t n;
	if (store_metrics_ios(&scope, &iq, &rows, &n, err) < 0)
		return -1;
	m->ios = xcalloc(n ? n : 1, sizeof(*m->ios));
	for (size_t i = 0; i < n; i++) {
		m->ios[i].date = rows[i].at;
		m->ios[i].category = (enum io_category)rows[i].category;
	}
	m->n_ios = n;
	store_metrics_ios_free(rows, n);
	return 0;
}

static int load_records(struct metrics_ctx *m, const struct metrics_request *q, struct err *err)
{
	struct metrics_scope scope = {
		.service = q->service,
		.impact = NULL, /* GBR ignores it; core applies it to the rest */
		.io_only = q->io_only,
		.until = m->in.window.asof,
		.since = metrics_carry_from(&m->in.window, q->rolling),
	};
	if (store_metrics_drills(q->service, m->in.window.asof, &m->drills, &m->n_drills, err) <
		    0 ||
	    store_metrics_changes(&scope, &m->rows, &m->n_rows, err) < 0)
		return -1;
	m->changes = xcalloc(m->n_rows ? m->n_rows : 1, sizeof(*m->changes));
	for (size_t i = 0; i < m->n_rows; i++)
		if (change_inputs(m, &m->rows[i], &m->changes[i], err) < 0)
			return -1;
	return q->with_ios ? load_ios(m, q, err) : 0;
}

/* The response-size limits of q, on the window set. */
static int window_limits(const struct metrics_ctx *m, const struct metrics_request *q,
			 struct err *err)
{
	const struct metrics_window *w = &m->in.window;
	if (q->accumulation)
		return metrics_buckets_check(w, m->in.bucket, err);
	int64_t week = 7 * 86400 * USEC_PER_SEC;
	int64_t weeks = (w->asof - w->from + week - 1) / week;
	if (!q->weekly || weeks <= METRICS_MAX_BUCKETS)
		return 0;
	return err_detail(err, "from", 0, 0,
			  "the window spans %" PRId64 " weeks; the weekly GBR series holds at most "
			  "%d: use a later from (or an earlier to)",
			  weeks, METRICS_MAX_BUCKETS);
}

int metrics_load(const struct metrics_request *q, struct metrics_ctx *m, struct err *err)
{
	if (store_policy_active(&m->policies, &m->n_policies, err) < 0)
		return -1;
	if (q->policy && !policy_is_active(m, q->policy))
		return err_detail(err, "policy", 0, 0, "no active policy \"%.64s\"", q->policy);
	metrics_thresholds(m->policies, m->n_policies, q->policy, &m->thresholds);
	if (set_window(m, q, err) < 0)
		return -1;
	m->in.bucket = q->accumulation && q->bucket >= 0 ? (enum metrics_bucket)q->bucket
							 : metrics_bucket_default(&m->in.window);
	if (window_limits(m, q, err) < 0 || load_records(m, q, err) < 0)
		return -1;
	struct metrics_input *in = &m->in;
	in->service = q->service;
	in->impact = q->impact;
	in->io_only = q->io_only;
	in->thresholds = &m->thresholds;
	in->changes = m->changes;
	in->n_changes = m->n_rows;
	in->drills = m->drills;
	in->n_drills = m->n_drills;
	in->ios = m->ios;
	in->n_ios = m->n_ios;
	in->by_recorded = q->by_recorded;
	in->rolling_usec = q->rolling;
	return 0;
}

/* ---- GET /metrics: per service -------------------------------------------- */

/* The figures of one service from its changes (every impact) and drills:
 * no rolling series (the gauges need the ratio and L only). */
static void service_figures(const struct metrics_ctx *m, const char *service,
			    const struct metric_change *changes, size_t n,
			    struct metrics_service_figures *f)
{
	size_t n_drills;
	const struct drill *drills = drills_of(m, service, &n_drills);
	struct metrics_vl vl;
	struct metrics_rdpr rdpr;
	struct metrics_gbr gbr;
	struct metrics_tempo tempo;
	const struct metrics_window *w = &m->in.window;
	metrics_vl(changes, n, w, &vl);
	metrics_rdpr(drills, n_drills, w, &rdpr);
	metrics_gbr(changes, n, w, &gbr);
	metrics_tempo(changes, n, w, &tempo);
	f->service = service;
	f->vl_median = vl.median.estimate;
	f->vl_open = vl.n_open;
	f->rdpr = rdpr.wilson.proportion;
	f->gbr = gbr.value;
	f->tempo_ratio = tempo.ratio;
	f->little_l = tempo.little_l;
}

/* A service name and its index in the names list, for bsearch by name. */
struct service_slot {
	const char *name;
	size_t k;
};

static int cmp_slot(const void *a, const void *b)
{
	return strcmp(((const struct service_slot *)a)->name,
		      ((const struct service_slot *)b)->name);
}

/* The names' slots sorted by name ("C" order). Caller frees. */
static struct service_slot *service_slots(const struct strlist *names)
{
	struct service_slot *slots = xcalloc(names->n ? names->n : 1, sizeof(*slots));
	for (size_t k = 0; k < names->n; k++)
		slots[k] = (struct service_slot){names->items[k], k};
	xqsort(slots, names->n, sizeof(*slots), cmp_slot);
	return slots;
}

/* The index of service in the names list, or names->n. */
static size_t service_index(const struct service_slot *slots, size_t n, const char *service)
{
	struct service_slot key = {service, 0};
	const struct service_slot *hit = bsearch(&key, slots, n, sizeof(*slots), cmp_slot);
	return hit ? hit->k : n;
}

/* Each service's figures: the loaded changes grouped by service in one pass
 * (one counting sort over the names), then each group computed alone. */
static void figures_by_service(const struct metrics_ctx *m, const struct strlist *names,
			       struct metrics_service_figures *f)
{
	struct service_slot *slots = service_slots(names);
	size_t *start = xcalloc(names->n + 1, sizeof(*start));
	size_t *owner = xcalloc(m->n_rows ? m->n_rows : 1, sizeof(*owner));
	for (size_t i = 0; i < m->n_rows; i++) {
		owner[i] = service_index(slots, names->n, m->rows[i].service);
		if (owner[i] < names->n)
			start[owner[i] + 1]++;
	}
	for (size_t k = 0; k < names->n; k++)
		start[k + 1] += start[k];
	struct metric_change *grouped = xcalloc(m->n_rows ? m->n_rows : 1, sizeof(*grouped));
	size_t *fill = xcalloc(names->n ? names->n : 1, sizeof(*fill));
	for (size_t i = 0; i < m->n_rows; i++)
		if (owner[i] < names->n)
			grouped[start[owner[i]] + fill[owner[i]]++] = m->changes[i];
	for (size_t k = 0; k < names->n; k++)
		service_figures(m, names->items[k], grouped + start[k], start[k + 1] - start[k],
				&f[k]);
	free(fill);
	free(grouped);
	free(owner);
	free(start);
	free(slots);
}

/* Confirmed IOs in the window per service and category, dated by effective_at. */
static int count_ios(const struct metrics_ctx *m, const struct strlist *names,
		     struct metrics_service_figures *f, struct err *err)
{
	struct metrics_scope scope = {.until = m->in.window.asof};
	struct metrics_io_query q = {.from = m->in.window.from, .until = m->in.window.asof};
	struct metrics_io_row *ios;
	size_t n;
	if (store_metrics_ios(&scope, &q, &ios, &n, err) < 0)
		return -1;
	struct service_slot *slots = service_slots(names);
	for (size_t i = 0; i < n; i++) {
		size_t k = service_index(slots, names->n, ios[i].service);
		if (k < names->n && ios[i].at != RTIME_NONE && ios[i].category >= 0 &&
		    ios[i].category < IO_CAT_COUNT)
			f[k].ios[ios[i].category]++;
	}
	free(slots);
	store_metrics_ios_free(ios, n);
	return 0;
}

int metrics_by_service(int64_t now, struct strlist *names, struct metrics_service_figures **out,
		       struct err *err)
{
	struct metrics_request q = {.impact = -1, .from = RTIME_NONE, .to = RTIME_NONE, .now = now};
	struct metrics_ctx m;
	int rc = -1;
	metrics_ctx_init(&m);
	*out = NULL;
	if (store_metrics_services(names, err) < 0 || metrics_load(&q, &m, err) < 0)
		goto out;
	struct metrics_service_figures *f = xcalloc(names->n ? names->n : 1, sizeof(*f));
	size_t *planned = xcalloc(names->n ? names->n : 1, sizeof(*planned));
	figures_by_service(&m, names, f);
	if (store_metrics_planned(NULL, (const char *const *)names->items, names->n, planned, err) <
		    0 ||
	    count_ios(&m, names, f, err) < 0) {
		free(planned);
		free(f);
		goto out;
	}
	for (size_t k = 0; k < names->n; k++)
		f[k].planned = planned[k];
	free(planned);
	*out = f;
	rc = 0;
out:
	metrics_ctx_release(&m);
	return rc;
}
