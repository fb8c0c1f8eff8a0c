/* The three metrics responses (GET /v1/metrics, /v1/tempo and
 * /v1/ios/accumulation) computed from one metrics_input: every figure, its
 * status against the thresholds, and the JSON. */
#include "common.h"

#include <math.h>

#include "err.h"
#include "json.h"
#include "metrics_int.h"
#include "rtime.h"

#define DEFAULT_ROLLING (7 * METRICS_DAY)
#define DEFAULT_SUSTAIN 10

int64_t metrics_carry_from(const struct metrics_window *w, int64_t rolling_usec)
{
	int64_t span = rolling_usec > 0 ? rolling_usec : DEFAULT_ROLLING;
	int64_t back = w->to - w->from > 2 * span ? w->to - w->from : 2 * span;
	return w->from - RTIME_MIN > back ? w->from - back : RTIME_MIN;
}

/* Every figure of one input. */
struct report {
	const struct metrics_input *in;
	struct metric_change *scoped; /* the impact filter applied */
	size_t n_scoped;
	struct metrics_vl vl;
	struct metrics_rdpr rdpr;
	struct metrics_gbr gbr;
	struct metrics_tempo tempo;
	struct metrics_tempo_point *series;
	size_t n_series;
	size_t sustain;
	int sustained;
	const char *sustained_reason;
	enum metric_status s_vl, s_rdpr, s_gbr, s_tempo;
};

static void statuses(struct report *r)
{
	const struct policy_thresholds *t = &r->in->thresholds->t;
	double vl = r->vl.median.status == STATS_OK ? r->vl.median.estimate : NAN;
	r->s_vl = metrics_status_at_most(vl, t->has_validation_lag, (double)t->validation_lag);
	r->s_rdpr = metrics_status_at_least(r->rdpr.wilson.proportion, t->has_rdpr, t->rdpr);
	r->s_gbr = metrics_status_at_most(r->gbr.value, t->has_gbr, t->gbr);
	r->s_tempo = metrics_status_at_most(r->tempo.ratio, t->has_tempo_ratio, t->tempo_ratio);
}

/* Every figure of in; the rolling series (at most METRICS_SERIES_MAX points)
 * only when with_series. Sustained judges the last `sustain` instants of the
 * series, every one of them, whether or not the shown series samples them. */
static void report_compute(struct report *r, const struct metrics_input *in, int with_series)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->scoped = xmalloc((in->n_changes ? in->n_changes : 1) * sizeof(*r->scoped));
	for (size_t i = 0; i < in->n_changes; i++)
		if (in->impact < 0 || (int)in->changes[i].impact == in->impact)
			r->scoped[r->n_scoped++] = in->changes[i];
	metrics_vl(r->scoped, r->n_scoped, &in->window, &r->vl);
	metrics_rdpr(in->drills, in->n_drills, &in->window, &r->rdpr);
	/* GBR is defined on high-impact changes: the impact filter does not apply */
	metrics_gbr(in->changes, in->n_changes, &in->window, &r->gbr);
	metrics_tempo(r->scoped, r->n_scoped, &in->window, &r->tempo);
	int64_t span = in->rolling_usec > 0 ? in->rolling_usec : DEFAULT_ROLLING;
	size_t room = r->n_scoped < METRICS_SERIES_MAX ? r->n_scoped : METRICS_SERIES_MAX;
	r->series = xmalloc((room ? room : 1) * sizeof(*r->series));
	if (with_series)
		r->n_series =
			metrics_tempo_series(r->scoped, r->n_scoped, &in->window, span, r->series);
	r->sustain = in->sustain > 0 ? in->sustain : DEFAULT_SUSTAIN;
	room = r->n_scoped < r->sustain ? r->n_scoped : r->sustain;
	struct metrics_tempo_point *tail = xmalloc((room ? room : 1) * sizeof(*tail));
	size_t n_tail = metrics_tempo_series_tail(r->scoped, r->n_scoped, &in->window, span,
						  r->sustain, tail);
	const struct policy_thresholds *t = &in->thresholds->t;
	r->sustained = metrics_sustained(tail, n_tail, r->sustain, t->has_tempo_ratio,
					 t->tempo_ratio, &r->sustained_reason);
	free(tail);
	statuses(r);
}

static void report_release(struct report *r)
{
	free(r->scoped);
	free(r->series);
}

/* ---- common members ---- */

static void add_reason(cJSON *o, const char *reason, enum metric_status s, const char *threshold)
{
	if (!reason && s == MSTATUS_NONE)
		reason = threshold;
	json_add_str(o, "reason", reason);
}

static void add_window(cJSON *root, const struct metrics_input *in)
{
	cJSON *w = cJSON_AddObjectToObject(root, "window");
	json_add_time(w, "from", in->window.from);
	json_add_time(w, "to", in->window.to);
	json_add_time(w, "asof", in->window.asof);
	cJSON_AddBoolToObject(w, "default", in->window_default);
	cJSON *s = cJSON_AddObjectToObject(root, "scope");
	json_add_str(s, "service", in->service);
	json_add_str(s, "impact", in->impact < 0 ? NULL : model_name(&impact_names, in->impact));
	cJSON_AddBoolToObject(s, "io_only", in->io_only);
}

static void add_data(cJSON *root, int64_t first, int64_t last)
{
	cJSON *d = cJSON_AddObjectToObject(root, "data");
	json_add_time(d, "first", first);
	json_add_time(d, "last", last);
	cJSON_AddBoolToObject(d, "empty", first == RTIME_NONE);
	if (first == RTIME_NONE)
		cJSON_AddStringToObject(d, "note", "no data in the window");
}

/* The earliest and latest effective_at of the changes in the window. */
static void add_change_data(cJSON *root, const struct report *r)
{
	int64_t first = RTIME_NONE, last = RTIME_NONE;
	struct metrics_span s = metrics_span_of(&r->in->window);
	for (size_t i = 0; i < r->n_scoped; i++) {
		int64_t t = r->scoped[i].effective_at;
		if (!metrics_in_span(&s, t))
			continue;
		if (first == RTIME_NONE || t < first)
			first = t;
		if (last == RTIME_NONE || t > last)
			last = t;
	}
	add_data(root, first, last);
}

static void add_threshold(cJSON *o, const char *name, int has, double value, const char *policy)
{
	if (!has) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	cJSON *t = cJSON_AddObjectToObject(o, name);
	cJSON_AddNumberToObject(t, "value", value);
	json_add_str(t, "policy", policy);
}

static cJSON *thresholds_json(const struct metrics_thresholds *th)
{
	const struct policy_thresholds *t = &th->t;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "window", (double)t->window);
	add_threshold(o, "validation_lag", t->has_validation_lag, (double)t->validation_lag,
		      th->source[1]);
	add_threshold(o, "rdpr", t->has_rdpr, t->rdpr, th->source[2]);
	add_threshold(o, "gbr", t->has_gbr, t->gbr, th->source[3]);
	add_threshold(o, "tempo_ratio", t->has_tempo_ratio, t->tempo_ratio, th->source[4]);
	return o;
}

/* ---- the figures ---- */

static cJSON *gbr_json(const struct report *r)
{
	const struct metrics_gbr *g = &r->gbr;
	const struct metrics_window *w = &r->in->window;
	cJSON *o = cJSON_CreateObject();
	metrics_json_number(o, "value", g->value);
	cJSON_AddNumberToObject(o, "numerator", (double)g->numerator);
	cJSON_AddNumberToObject(o, "denominator", (double)g->denominator);
	cJSON_AddNumberToObject(o, "changes", (double)g->n_changes);
	cJSON_AddNumberToObject(o, "shipped_while_blocked", (double)g->n_shipped_while_blocked);
	metrics_json_number(o, "per_week", g->per_week);
	cJSON_AddItemToObject(o, "per_io_change", metrics_gbr_per_io_to_json(g));
	cJSON *weekly = cJSON_AddArrayToObject(o, "weekly");
	size_t cap = w->asof > w->from
			     ? (size_t)((w->asof - w->from + METRICS_WEEK - 1) / METRICS_WEEK)
			     : 0;
	struct metrics_gbr_week *weeks = xmalloc((cap ? cap : 1) * sizeof(*weeks));
	size_t n = metrics_gbr_weekly(r->in->changes, r->in->n_changes, w, weeks);
	for (size_t i = 0; i < n; i++) {
		cJSON *wk = cJSON_CreateObject();
		json_add_time(wk, "start", weeks[i].start);
		json_add_time(wk, "end", weeks[i].end);
		cJSON_AddNumberToObject(wk, "numerator", (double)weeks[i].numerator);
		cJSON_AddNumberToObject(wk, "denominator", (double)weeks[i].denominator);
		metrics_json_number(wk, "value", weeks[i].value);
		cJSON_AddItemToArray(weekly, wk);
	}
	free(weeks);
	json_add_str(o, "status", metrics_status_name(r->s_gbr));
	add_reason(o, g->reason, r->s_gbr, "no gbr threshold in the active policies");
	return o;
}

/* The tempo figures (without window, scope, data and series). */
static void tempo_members(cJSON *o, const struct report *r)
{
	const struct metrics_tempo *t = &r->tempo;
	const struct metrics_thresholds *th = r->in->thresholds;
	add_threshold(o, "threshold", th->t.has_tempo_ratio, th->t.tempo_ratio, th->source[4]);
	cJSON *u = cJSON_AddObjectToObject(o, "tau_u");
	metrics_json_number(u, "mean", t->tau_u);
	metrics_json_number(u, "median", t->tau_u_median);
	cJSON_AddNumberToObject(u, "changes", (double)t->n_effective);
	cJSON *all = cJSON_AddObjectToObject(o, "tau_u_all");
	metrics_json_number(all, "mean", t->tau_u_all);
	cJSON_AddNumberToObject(all, "changes", (double)t->n_effective_all);
	cJSON *g = cJSON_AddObjectToObject(o, "tau_g");
	metrics_json_number(g, "rmean", t->tau_g);
	metrics_json_number(g, "median", t->tau_g_median);
	metrics_json_number(g, "tau", t->tau_g_tau);
	json_add_str(g, "reason", t->tau_g_reason);
	metrics_json_number(o, "ratio", t->ratio);
	metrics_json_number(o, "little_l", t->little_l);
	metrics_json_number(o, "rel_diff", t->rel_diff);
	json_add_str(o, "status", metrics_status_name(r->s_tempo));
	add_reason(o, t->reason, r->s_tempo, "no tempo_ratio threshold in the active policies");
	cJSON *s = cJSON_AddObjectToObject(o, "sustained");
	if (r->sustained < 0)
		cJSON_AddNullToObject(s, "value");
	else
		cJSON_AddBoolToObject(s, "value", r->sustained);
	cJSON_AddNumberToObject(s, "w", (double)r->sustain);
	json_add_str(s, "reason", r->sustained_reason);
}

static cJSON *series_json(const struct report *r)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < r->n_series; i++) {
		const struct metrics_tempo_point *p = &r->series[i];
		cJSON *o = cJSON_CreateObject();
		json_add_time(o, "at", p->at);
		metrics_json_number(o, "tau_u", p->tau_u);
		metrics_json_number(o, "tau_g", p->tau_g);
		metrics_json_number(o, "ratio", p->ratio);
		metrics_json_number(o, "little_l", p->little_l);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* ---- accumulation ---- */

/* The dates of the IOs of one category (-1: all); caller frees. */
static int64_t *io_dates(const struct metrics_input *in, int category, size_t *n, size_t *planned)
{
	int64_t *d = xmalloc((in->n_ios ? in->n_ios : 1) * sizeof(*d));
	*n = *planned = 0;
	for (size_t i = 0; i < in->n_ios; i++) {
		if (category >= 0 && (int)in->ios[i].category != category)
			continue;
		if (in->ios[i].date == RTIME_NONE)
			(*planned)++;
		else
			d[(*n)++] = in->ios[i].date;
	}
	return d;
}

static const char *model_label(enum stats_shape_model m)
{
	return m == STATS_MODEL_LINEAR_RATE  ? "linear_rate"
	       : m == STATS_MODEL_LOG_LINEAR ? "log_linear"
					     : "constant";
}

/* The chosen model's mean in bucket t. */
static double fitted(const struct stats_accumulation *f, size_t t)
{
	double x = (double)t;
	if (f->shape == STATS_SHAPE_INSUFFICIENT_DATA)
		return f->mean_rate;
	switch (f->model) {
	case STATS_MODEL_LINEAR_RATE:
		return f->linear_rate.coef[0] + f->linear_rate.coef[1] * x;
	case STATS_MODEL_LOG_LINEAR:
		return exp(f->log_linear.coef[0] + f->log_linear.coef[1] * x);
	case STATS_MODEL_CONSTANT:
		break;
	}
	return exp(f->constant.coef[0]);
}

static cJSON *accumulation_json(const struct metrics_accumulation *a,
				const struct metrics_window *w, size_t planned)
{
	const struct stats_accumulation *f = &a->fit;
	cJSON *o = cJSON_CreateObject();
	cJSON *starts = cJSON_AddArrayToObject(o, "starts");
	cJSON *counts = cJSON_AddArrayToObject(o, "counts");
	cJSON *fit = cJSON_AddArrayToObject(o, "fitted");
	char buf[RTIME_BUFSZ];
	for (size_t i = 0; i < a->n_buckets; i++) {
		int64_t start = w->from + (int64_t)i * a->bucket_usec;
		cJSON_AddItemToArray(starts, cJSON_CreateString(rtime_format(start, buf)));
		cJSON_AddItemToArray(counts, cJSON_CreateNumber(a->counts[i]));
		double v = fitted(f, i);
		cJSON_AddItemToArray(fit, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
	}
	cJSON_AddNumberToObject(o, "ios", (double)a->n_ios);
	cJSON_AddNumberToObject(o, "partial", (double)a->n_partial);
	cJSON_AddNumberToObject(o, "planned", (double)planned);
	cJSON_AddStringToObject(o, "shape", stats_shape_name(f->shape));
	cJSON_AddStringToObject(o, "model", model_label(f->model));
	cJSON_AddStringToObject(o, "status", stats_status_name(f->status));
	metrics_json_number(o, "rate_per_day", a->rate_per_day);
	metrics_json_number(o, "growth_per_day2", a->growth_per_day2);
	metrics_json_number(o, "doubling_days", a->doubling_days);
	cJSON *d = cJSON_AddObjectToObject(o, "delta_aicc");
	metrics_json_number(d, "linear_rate", f->delta_aicc_linear_rate);
	metrics_json_number(d, "log_linear", f->delta_aicc_log_linear);
	cJSON *p = cJSON_AddObjectToObject(o, "lr_p");
	metrics_json_number(p, "linear_rate", f->lr_p_linear_rate);
	metrics_json_number(p, "log_linear", f->lr_p_log_linear);
	metrics_json_number(o, "dispersion", f->constant.dispersion);
	cJSON_AddBoolToObject(o, "overdispersed", a->overdispersed);
	return o;
}

static void add_false_stability(cJSON *root, int have_shape, enum stats_shape shape,
				const struct report *r)
{
	int fs = have_shape && metrics_false_stability(shape, r->s_vl, r->s_rdpr, r->s_gbr);
	const char *why = NULL;
	if (fs)
		why = shape == STATS_SHAPE_EXPONENTIAL
			      ? "IO accumulation is exponential while VL, RDPR and GBR are "
				"inside their thresholds"
			      : "IO accumulation is accelerating while VL, RDPR and GBR are "
				"inside their thresholds";
	else if (!have_shape || shape == STATS_SHAPE_INSUFFICIENT_DATA)
		why = "too little data to classify IO accumulation";
	else if ((shape == STATS_SHAPE_ACCELERATING || shape == STATS_SHAPE_EXPONENTIAL) &&
		 (r->s_vl == MSTATUS_NONE || r->s_rdpr == MSTATUS_NONE || r->s_gbr == MSTATUS_NONE))
		why = "VL, RDPR or GBR has no status to compare";
	cJSON_AddBoolToObject(root, "false_stability", fs);
	json_add_str(root, "false_stability_reason", why);
}

/* ---- the responses ---- */

cJSON *metrics_report_to_json(const struct metrics_input *in)
{
	struct report r;
	report_compute(&r, in, 0);
	cJSON *root = cJSON_CreateObject();
	add_window(root, in);
	add_change_data(root, &r);
	cJSON_AddItemToObject(root, "thresholds", thresholds_json(in->thresholds));
	cJSON *vl = metrics_vl_to_json(&r.vl, r.s_vl);
	cJSON_DeleteItemFromObject(vl, "reason");
	add_reason(vl, r.vl.reason, r.s_vl, "no validation_lag threshold in the active policies");
	cJSON_AddItemToObject(root, "validation_lag", vl);
	cJSON *rdpr =
		metrics_rdpr_to_json(&r.rdpr, in->drills, in->n_drills, &in->window, r.s_rdpr);
	cJSON_DeleteItemFromObject(rdpr, "reason");
	add_reason(rdpr, r.rdpr.reason, r.s_rdpr, "no rdpr threshold in the active policies");
	cJSON_AddItemToObject(root, "rdpr", rdpr);
	cJSON_AddItemToObject(root, "gbr", gbr_json(&r));
	tempo_members(cJSON_AddObjectToObject(root, "tempo"), &r);

	cJSON *acc = cJSON_AddObjectToObject(root, "accumulation");
	struct metrics_accumulation a;
	struct err err;
	err_init(&err);
	size_t n, planned;
	int64_t *dates = io_dates(in, -1, &n, &planned);
	enum metrics_bucket bucket = metrics_bucket_default(&in->window);
	int have = metrics_accumulation(dates, n, &in->window, bucket, &a, &err) == 0;
	cJSON_AddStringToObject(
		acc, "shape", stats_shape_name(have ? a.fit.shape : STATS_SHAPE_INSUFFICIENT_DATA));
	cJSON_AddNumberToObject(acc, "ios", (double)a.n_ios);
	metrics_json_number(acc, "rate_per_day", have ? a.rate_per_day : NAN);
	cJSON_AddStringToObject(acc, "bucket", model_name(&metrics_bucket_names, (int)bucket));
	if (!have)
		cJSON_AddStringToObject(acc, "reason", err.message);
	add_false_stability(root, have, a.fit.shape, &r);
	metrics_accumulation_release(&a);
	free(dates);
	report_release(&r);
	return root;
}

cJSON *metrics_tempo_report_to_json(const struct metrics_input *in)
{
	struct report r;
	report_compute(&r, in, 1);
	cJSON *root = cJSON_CreateObject();
	add_window(root, in);
	add_change_data(root, &r);
	tempo_members(root, &r);
	cJSON_AddItemToObject(root, "series", series_json(&r));
	report_release(&r);
	return root;
}

/* The first and last IO date in the window. */
static void add_io_data(cJSON *root, const struct metrics_input *in)
{
	int64_t first = RTIME_NONE, last = RTIME_NONE;
	struct metrics_span s = metrics_span_of(&in->window);
	for (size_t i = 0; i < in->n_ios; i++) {
		int64_t t = in->ios[i].date;
		if (!metrics_in_span(&s, t))
			continue;
		if (first == RTIME_NONE || t < first)
			first = t;
		if (last == RTIME_NONE || t > last)
			last = t;
	}
	add_data(root, first, last);
}

cJSON *metrics_accumulation_report_to_json(const struct metrics_input *in, struct err *err)
{
	struct metrics_accumulation a;
	size_t n, planned;
	int64_t *dates = io_dates(in, -1, &n, &planned);
	if (metrics_accumulation(dates, n, &in->window, in->bucket, &a, err) < 0) {
		free(dates);
		if (err->n_details == 0)
			err_detail(err, "bucket", 0, 0,
				   "%s: use a longer window or a shorter bucket", err->message);
		return NULL;
	}
	free(dates);
	struct report r;
	report_compute(&r, in, 0);
	cJSON *root = cJSON_CreateObject();
	add_window(root, in);
	add_io_data(root, in);
	cJSON_AddStringToObject(root, "by", in->by_recorded ? "recorded" : "effective");
	cJSON_AddStringToObject(root, "bucket", model_name(&metrics_bucket_names, (int)in->bucket));
	cJSON_AddNumberToObject(root, "bucket_seconds", (double)(a.bucket_usec / METRICS_USEC));
	cJSON_AddItemToObject(root, "overall", accumulation_json(&a, &in->window, planned));
	cJSON *cats = cJSON_AddObjectToObject(root, "categories");
	for (int c = 0; c < IO_CAT_COUNT; c++) {
		struct metrics_accumulation ac;
		size_t nc, pc;
		int64_t *d = io_dates(in, c, &nc, &pc);
		/* the same window and bucket: it holds a whole bucket */
		metrics_accumulation(d, nc, &in->window, in->bucket, &ac, err);
		cJSON_AddItemToObject(cats, model_name(&io_category_names, c),
				      accumulation_json(&ac, &in->window, pc));
		metrics_accumulation_release(&ac);
		free(d);
	}
	add_false_stability(root, 1, a.fit.shape, &r);
	metrics_accumulation_release(&a);
	report_release(&r);
	return root;
}
