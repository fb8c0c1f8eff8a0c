/* The FIT pilot pack's figures: its own (type 7 percentiles over closed
 * changes, bypassed IO changes ÷ IO changes, successful drills ÷ drills) and
 * ratchet's censored ones computed from the same rows, and their JSON. */
#include "common.h"

#include <math.h>

#include "fit_pilot.h"
#include "json.h"
#include "metrics_int.h"
#include "rtime.h"
#include "stats/percentile.h"

static double ratio(size_t k, size_t n)
{
	return n ? (double)k / (double)n : NAN;
}

void fit_pack_figures(const struct fit_pack *p, struct fit_figures *out)
{
	memset(out, 0, sizeof(*out));
	double *lags = xmalloc((p->n_changes ? p->n_changes : 1) * sizeof(*lags));
	for (size_t i = 0; i < p->n_changes; i++) {
		const struct fit_change *c = &p->changes[i];
		out->n_changes++;
		if (c->closed_at != RTIME_NONE) {
			int64_t lag = c->closed_at - c->effective_at;
			lags[out->n_closed++] = metrics_seconds(lag > 0 ? lag : 0);
		}
		if (c->is_io) {
			out->io_changes++;
			out->io_bypassed += c->bypass != 0;
			out->io_missing_closure += c->closed_at == RTIME_NONE;
		}
	}
	static const double q[3] = {0.5, 0.9, 0.99};
	double v[3] = {NAN, NAN, NAN};
	if (out->n_closed > 0)
		stats_percentiles(lags, out->n_closed, q, 3, STATS_PERCENTILE_LINEAR, v,
				  &(struct stats_percentile_info){0});
	out->vl_median = v[0];
	out->vl_p90 = v[1];
	out->vl_p99 = v[2];
	out->gbr = ratio(out->io_bypassed, out->io_changes);
	for (size_t i = 0; i < p->n_drills; i++) {
		out->drills++;
		out->drills_passed += p->drills[i].success != 0;
	}
	out->rdpr = ratio(out->drills_passed, out->drills);
	free(lags);
}

/* The earliest and latest timestamp of the pack; 0 when it has none. */
static int pack_range(const struct fit_pack *p, int64_t *first, int64_t *last)
{
	int any = 0;
	for (size_t i = 0; i < p->n_changes + p->n_drills; i++) {
		int64_t t[2] = {RTIME_NONE, RTIME_NONE};
		if (i < p->n_changes) {
			t[0] = p->changes[i].effective_at;
			t[1] = p->changes[i].closed_at;
		} else {
			t[0] = p->drills[i - p->n_changes].performed_at;
		}
		for (int j = 0; j < 2; j++) {
			if (t[j] == RTIME_NONE)
				continue;
			if (!any || t[j] < *first)
				*first = t[j];
			if (!any || t[j] > *last)
				*last = t[j];
			any = 1;
		}
	}
	return any;
}

/* The pack's changes as the import stores them. */
static void pack_change(const struct fit_change *c, struct metric_change *m)
{
	memset(m, 0, sizeof(*m));
	m->id = 0;
	m->effective_at = c->effective_at;
	m->impact = c->is_io ? IMPACT_HIGH : IMPACT_MEDIUM;
	m->has_io = c->is_io;
	m->gated = 1;
	m->closed_at = c->closed_at;
	m->n_required = 1;
	/* the bypass counts unless the closure gate had passed by then */
	int passed = c->closed_at != RTIME_NONE && c->closed_at <= c->effective_at;
	m->n_bypassed = c->bypass && !passed;
	m->first_bypass_at = m->n_bypassed ? c->effective_at : RTIME_NONE;
}

/* A drill as the import stores it: restored within its targets, or failed. */
static void pack_drill(const struct fit_drill *d, struct drill *out)
{
	drill_init(out);
	out->performed_at = d->performed_at;
	out->rto_target = d->rto_target;
	out->rpo_target = d->rpo_target;
	out->outcome = d->success ? DRILL_RESTORED : DRILL_FAILED;
	if (d->success) {
		out->rto_actual = d->rto_target;
		out->rpo_actual = d->rpo_target;
	}
}

void fit_pack_metrics(const struct fit_pack *p, int64_t asof, struct fit_pack_metrics *out)
{
	memset(out, 0, sizeof(*out));
	int64_t first = 0, last = 0;
	int any = pack_range(p, &first, &last);
	if (asof == RTIME_NONE)
		asof = any ? last : RTIME_NONE;
	struct metrics_span s = {0, 0, 0};
	out->window.from = out->window.to = out->window.asof = asof;
	if (asof != RTIME_NONE) {
		int64_t from = any && first < asof ? first : asof;
		s = (struct metrics_span){from, asof + 1, asof};
		out->window.from = from;
	}
	struct metric_change *mc = xmalloc((p->n_changes ? p->n_changes : 1) * sizeof(*mc));
	struct drill *dr = xmalloc((p->n_drills ? p->n_drills : 1) * sizeof(*dr));
	for (size_t i = 0; i < p->n_changes; i++)
		pack_change(&p->changes[i], &mc[i]);
	for (size_t i = 0; i < p->n_drills; i++)
		pack_drill(&p->drills[i], &dr[i]);
	metrics_vl_span(mc, p->n_changes, &s, &out->vl);
	metrics_rdpr_span(dr, p->n_drills, &s, &out->rdpr);
	metrics_gbr_span(mc, p->n_changes, &s, &out->gbr);
	free(mc);
	free(dr);
}

static void add_count(cJSON *o, const char *name, size_t v)
{
	cJSON_AddNumberToObject(o, name, (double)v);
}

cJSON *fit_figures_pack_to_json(const struct fit_figures *f)
{
	cJSON *o = cJSON_CreateObject();
	add_count(o, "changes", f->n_changes);
	add_count(o, "closed", f->n_closed);
	metrics_json_number(o, "vl_median", f->vl_median);
	metrics_json_number(o, "vl_p90", f->vl_p90);
	metrics_json_number(o, "vl_p99", f->vl_p99);
	add_count(o, "io_changes", f->io_changes);
	add_count(o, "io_bypassed", f->io_bypassed);
	metrics_json_number(o, "gbr", f->gbr);
	add_count(o, "drills", f->drills);
	add_count(o, "drills_passed", f->drills_passed);
	metrics_json_number(o, "rdpr", f->rdpr);
	add_count(o, "io_missing_closure", f->io_missing_closure);
	return o;
}

cJSON *fit_figures_to_json(const struct fit_figures *f, const struct fit_pack_metrics *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "pack", fit_figures_pack_to_json(f));
	cJSON *r = cJSON_AddObjectToObject(o, "ratchet");
	cJSON_AddItemToObject(r, "validation_lag", metrics_vl_to_json(&m->vl, MSTATUS_NONE));
	cJSON_AddItemToObject(r, "rdpr",
			      metrics_rdpr_to_json(&m->rdpr, NULL, 0, &m->window, MSTATUS_NONE));
	cJSON_AddItemToObject(r, "gbr_per_io_change", metrics_gbr_per_io_to_json(&m->gbr));
	json_add_time(r, "asof", m->window.asof);
	return o;
}
