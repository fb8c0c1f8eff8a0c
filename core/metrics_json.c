/* JSON of the metric figures, shared by the API responses (metrics_report.c)
 * and the FIT pilot figures: every undefined number is null, with a reason. */
#include "common.h"

#include <math.h>

#include "json.h"
#include "metrics_int.h"
#include "rtime.h"

void metrics_json_number(cJSON *o, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static void add_status(cJSON *o, enum metric_status s)
{
	json_add_str(o, "status", metrics_status_name(s));
}

static cJSON *quantile_json(const struct stats_km_quantile *q)
{
	cJSON *o = cJSON_CreateObject();
	metrics_json_number(o, "value", q->status == STATS_OK ? q->estimate : NAN);
	metrics_json_number(o, "lower", q->lower_status == STATS_OK ? q->lower : NAN);
	metrics_json_number(o, "upper", q->upper_status == STATS_OK ? q->upper : NAN);
	return o;
}

cJSON *metrics_vl_to_json(const struct metrics_vl *vl, enum metric_status status)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "n", (double)vl->n);
	cJSON_AddNumberToObject(o, "closed", (double)vl->n_closed);
	cJSON_AddNumberToObject(o, "open", (double)vl->n_open);
	cJSON_AddNumberToObject(o, "ungated", (double)vl->n_ungated);
	cJSON_AddNumberToObject(o, "closed_before_effective",
				(double)vl->n_closed_before_effective);
	cJSON_AddItemToObject(o, "median", quantile_json(&vl->median));
	cJSON_AddItemToObject(o, "p90", quantile_json(&vl->p90));
	cJSON *rmean = cJSON_AddObjectToObject(o, "rmean");
	int ok = vl->rmean.status == STATS_OK;
	metrics_json_number(rmean, "value", ok ? vl->rmean.estimate : NAN);
	metrics_json_number(rmean, "std_err", ok ? vl->rmean.std_err : NAN);
	metrics_json_number(rmean, "tau", vl->rmean.tau);
	json_add_str(rmean, "reason", vl->rmean_reason);
	metrics_json_number(o, "closed_median", vl->closed_median);
	metrics_json_number(o, "oldest_open_age", vl->oldest_open_age);
	add_status(o, status);
	json_add_str(o, "reason", vl->reason);
	return o;
}

static cJSON *drill_item(const struct drill *d)
{
	const char *why;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)d->id);
	json_add_str(o, "service", d->service);
	json_add_time(o, "performed_at", d->performed_at);
	cJSON_AddBoolToObject(o, "passed", drill_passed(d, &why));
	json_add_str(o, "reason", why);
	return o;
}

cJSON *metrics_rdpr_to_json(const struct metrics_rdpr *r, const struct drill *drills, size_t n,
			    const struct metrics_window *w, enum metric_status status)
{
	cJSON *o = cJSON_CreateObject();
	int ok = r->wilson.status == STATS_OK;
	metrics_json_number(o, "value", ok ? r->wilson.proportion : NAN);
	metrics_json_number(o, "lower", ok ? r->wilson.lower : NAN);
	metrics_json_number(o, "upper", ok ? r->wilson.upper : NAN);
	cJSON_AddNumberToObject(o, "passed", (double)r->n_passed);
	cJSON_AddNumberToObject(o, "drills", (double)r->n);
	cJSON *reasons = cJSON_AddObjectToObject(o, "reasons");
	cJSON_AddNumberToObject(reasons, "rto_missed", (double)r->rto_missed);
	cJSON_AddNumberToObject(reasons, "rpo_missed", (double)r->rpo_missed);
	cJSON_AddNumberToObject(reasons, "aborted", (double)r->aborted);
	cJSON_AddNumberToObject(reasons, "failed", (double)r->failed);
	cJSON_AddNumberToObject(reasons, "unmeasured", (double)r->unmeasured);
	if (drills) {
		cJSON *list = cJSON_AddArrayToObject(o, "list");
		struct metrics_span s = metrics_span_of(w);
		for (size_t i = 0; i < n; i++)
			if (metrics_in_span(&s, drills[i].performed_at))
				cJSON_AddItemToArray(list, drill_item(&drills[i]));
	}
	add_status(o, status);
	json_add_str(o, "reason", r->reason);
	return o;
}

cJSON *metrics_gbr_per_io_to_json(const struct metrics_gbr *g)
{
	cJSON *o = cJSON_CreateObject();
	metrics_json_number(o, "value", g->per_io_change);
	cJSON_AddNumberToObject(o, "numerator", (double)g->io_changes_bypassed);
	cJSON_AddNumberToObject(o, "denominator", (double)g->io_changes);
	json_add_str(o, "reason", g->per_io_change_reason);
	return o;
}
