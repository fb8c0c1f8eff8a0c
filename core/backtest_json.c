/* JSON of the backtest: parameters in and out and the stored result object (the rows behind
 * the input hash are backtest_hash.c's). */
#include "common.h"

#include <math.h>

#include "backtest_int.h"
#include "duration.h"
#include "err.h"
#include "json.h"
#include "rtime.h"

#define FORMAT "ratchet-backtest/1"

void bt_json_number(cJSON *o, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static void add_count(cJSON *o, const char *name, uint64_t n)
{
	cJSON_AddNumberToObject(o, name, (double)n);
}

/* ---- parameters ---- */

/* A set of enum values as a string or an array of strings; absent leaves *mask. */
static int read_set(const cJSON *body, const char *name, const struct model_names *names,
		    unsigned *mask, struct err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		int x = model_lookup(names, v->valuestring);
		if (x < 0)
			return err_detail(err, name, 0, 0, "unknown value \"%.64s\"; expected %s",
					  v->valuestring, names->list);
		*mask = 1u << x;
		return 0;
	}
	if (!cJSON_IsArray(v) || !v->child)
		return err_detail(err, name, 0, 0, "must be a non-empty list of: %s", names->list);
	unsigned m = 0;
	for (const cJSON *c = v->child; c; c = c->next) {
		int x = cJSON_IsString(c) ? model_lookup(names, c->valuestring) : -1;
		if (x < 0)
			return err_detail(err, name, 0, 0, "items must be among: %s", names->list);
		m |= 1u << x;
	}
	*mask = m;
	return 0;
}

static int read_bool(const cJSON *body, const char *name, bool *out, struct err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return err_detail(err, name, 0, 0, "must be true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

static int read_window(const cJSON *body, struct backtest_params *p, struct err *err)
{
	const char *quarter = NULL;
	int hq = json_get_string(body, "quarter", false, 16, &quarter, err);
	int hf = json_get_time(body, "from", false, &p->from, err);
	int ht = json_get_time(body, "to", false, &p->to, err);
	if (hq < 0 || hf < 0 || ht < 0)
		return -1;
	if (hq == 1) {
		if (hf || ht)
			return err_detail(err, "quarter", 0, 0,
					  "give quarter or from and to, not both");
		struct err qerr;
		err_init(&qerr);
		if (rtime_parse_quarter(quarter, &p->from, &p->to, &qerr) < 0)
			return err_detail(err, "quarter", 0, 0, "%s", qerr.message);
		return 0;
	}
	if (!hf || !ht)
		return err_detail(err, hf ? "to" : "from", 0, 0, "is required (or give quarter)");
	return 0;
}

static int read_horizon(const cJSON *body, struct backtest_params *p, struct err *err)
{
	const char *h = NULL;
	int rc = json_get_string(body, "horizon", false, DURATION_BUFSZ, &h, err);
	if (rc <= 0)
		return rc;
	struct err derr;
	err_init(&derr);
	if (duration_parse(h, &p->horizon, &derr) < 0)
		return err_detail(err, "horizon", 0, 0, "%s", derr.message);
	return 0;
}

static int read_data_end(const cJSON *body, int64_t now, struct backtest_params *p, struct err *err)
{
	int rc = json_get_time(body, "data_end", false, &p->data_end, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		p->data_end = now;
	else if (p->data_end > now)
		return err_detail(err, "data_end", 0, 0,
				  "is in the future: the data cannot end there");
	return 0;
}

int backtest_params_from_json(const cJSON *body, int64_t now, struct backtest_params *p,
			      struct err *err)
{
	static const char *const allowed[] = {
		"from",
		"to",
		"quarter",
		"horizon",
		"data_end",
		"outcomes",
		"impact",
		"include_candidates",
		"population",
		"service",
		"follow_up_is_outcome",
		NULL,
	};
	backtest_params_init(p);
	if (!cJSON_IsObject(body))
		return err_set(err, ERR_INVALID, "backtest parameters must be a JSON object");
	int bad = json_check_fields(body, allowed, err);
	bad |= read_window(body, p, err);
	bad |= read_horizon(body, p, err);
	bad |= read_data_end(body, now, p, err);
	bad |= read_set(body, "outcomes", &backtest_kind_names, &p->kinds, err);
	bad |= read_set(body, "impact", &impact_names, &p->impacts, err);
	if (json_get_string(body, "service", false, 63, &p->service, err) < 0)
		bad = -1;
	bad |= read_bool(body, "include_candidates", &p->include_candidates, err);
	bad |= read_bool(body, "follow_up_is_outcome", &p->follow_up_is_outcome, err);
	int population = (int)p->population;
	if (json_get_enum(body, "population", false, &backtest_population_names, &population, err) <
	    0)
		bad = -1;
	p->population = (enum backtest_population)population;
	if (bad)
		return -1;
	return backtest_params_check(p, err);
}

static cJSON *name_list(const struct model_names *names, unsigned mask)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < names->count; i++)
		if (mask & (1u << i))
			cJSON_AddItemToArray(a, cJSON_CreateString(names->names[i]));
	return a;
}

cJSON *backtest_params_to_json(const struct backtest_params *p)
{
	char buf[DURATION_BUFSZ];
	cJSON *o = cJSON_CreateObject();
	json_add_time(o, "from", p->from);
	json_add_time(o, "to", p->to);
	cJSON_AddStringToObject(o, "horizon", duration_format(p->horizon, buf));
	json_add_time(o, "data_end", p->data_end);
	cJSON_AddItemToObject(o, "outcomes", name_list(&backtest_kind_names, p->kinds));
	cJSON_AddItemToObject(o, "impact", name_list(&impact_names, p->impacts));
	json_add_str(o, "service", p->service);
	cJSON_AddBoolToObject(o, "include_candidates", p->include_candidates);
	json_add_str(o, "population", model_name(&backtest_population_names, (int)p->population));
	cJSON_AddBoolToObject(o, "follow_up_is_outcome", p->follow_up_is_outcome);
	return o;
}

/* ---- the result ---- */

static cJSON *link_json(const struct backtest_link *l)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "how", model_name(&backtest_how_names, (int)l->how));
	json_add_str(o, "rule", l->rule);
	json_add_str(o, "rule_version", l->rule_version);
	return o;
}

static cJSON *missed_json(const struct backtest_missed *m)
{
	const struct backtest_outcome *oc = m->outcome;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)oc->id);
	json_add_str(o, "kind", model_name(&backtest_kind_names, (int)oc->kind));
	json_add_str(o, "severity",
		     oc->severity ? model_name(&backtest_severity_names, oc->severity - 1) : NULL);
	json_add_time(o, "occurred_at", oc->occurred_at);
	json_add_str(o, "title", oc->title);
	json_add_str(o, "external_key", oc->external_key);
	add_count(o, "exposed_changes", m->exposed_changes);
	cJSON *changes = cJSON_AddArrayToObject(o, "changes");
	for (size_t i = 0; i < m->n_changes; i++) {
		const struct backtest_missed_change *mc = &m->changes[i];
		cJSON *c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "id", (double)mc->change->id);
		json_add_str(c, "service", mc->change->service);
		json_add_str(c, "key", mc->change->key);
		json_add_str(c, "impact", model_name(&impact_names, (int)mc->change->impact));
		json_add_time(c, "effective_at", mc->change->effective_at);
		cJSON_AddBoolToObject(c, "labelled_after_outcome", mc->labelled_after);
		cJSON *links = cJSON_AddArrayToObject(c, "links");
		for (size_t j = 0; j < mc->n_links; j++)
			cJSON_AddItemToArray(links, link_json(mc->links[j]));
		cJSON_AddItemToArray(changes, c);
	}
	return o;
}

static cJSON *counts_json(const struct backtest_result *r)
{
	const struct backtest_counts *k = &r->counts;
	const struct backtest_exposure *any = &r->exposures[BACKTEST_ANY];
	cJSON *o = cJSON_CreateObject();
	add_count(o, "changes_in_scope", k->in_scope);
	add_count(o, "unreviewed", k->unreviewed);
	add_count(o, "unreviewed_excluded", k->unreviewed_excluded);
	add_count(o, "censored_excluded", k->censored);
	add_count(o, "population", k->population);
	add_count(o, "population_unreviewed", k->population_unreviewed);
	add_count(o, "changes_with_outcome", k->changes_with_outcome);
	add_count(o, "outcomes", k->outcomes);
	cJSON *by_kind = cJSON_AddObjectToObject(o, "outcomes_by_kind");
	for (int i = 0; i < BACKTEST_KIND_COUNT; i++)
		add_count(by_kind, backtest_kind_names.names[i], k->outcomes_by_kind[i]);
	add_count(o, "links_counted", k->links_counted);
	cJSON *ignored = cJSON_AddObjectToObject(o, "links_ignored");
	add_count(ignored, "other_kind", k->links_other_kind);
	add_count(ignored, "follow_up", k->links_follow_up);
	add_count(ignored, "outside_horizon", k->links_outside_horizon);
	add_count(o, "ios_retracted", k->ios_retracted);
	add_count(o, "ios_candidates_excluded", k->ios_candidates_excluded);
	add_count(o, "labels_before_outcome", any->labels_before);
	add_count(o, "labels_after_outcome", any->labels_after);
	return o;
}

/* value, _lower, _upper (and _log_se) of a figure, null when it has a reason. */
static void add_interval(cJSON *o, const char *name, const char *reason, double v, double lower,
			 double upper, const double *log_se)
{
	char key[48];
	bool ok = reason == NULL;
	bt_json_number(o, name, ok ? v : NAN);
	snprintf(key, sizeof(key), "%s_lower", name);
	bt_json_number(o, key, ok ? lower : NAN);
	snprintf(key, sizeof(key), "%s_upper", name);
	bt_json_number(o, key, ok ? upper : NAN);
	if (log_se) {
		snprintf(key, sizeof(key), "%s_log_se", name);
		bt_json_number(o, key, ok ? *log_se : NAN);
	}
}

static void add_ratios(cJSON *o, const struct backtest_exposure *x)
{
	const char *const *why = x->reason;
	const struct stats_table2x2 *t = &x->table;
	bt_json_number(o, "risk_exposed",
		       why[BACKTEST_FIG_RISK_EXPOSED] ? NAN : t->risk_exposed.estimate);
	bt_json_number(o, "risk_unexposed",
		       why[BACKTEST_FIG_RISK_UNEXPOSED] ? NAN : t->risk_unexposed.estimate);
	const struct stats_table2x2_ratio *rr = &t->risk_ratio, * or = &t->odds_ratio;
	add_interval(o, "risk_ratio", why[BACKTEST_FIG_RISK_RATIO], rr->estimate, rr->lower,
		     rr->upper, &rr->log_se);
	add_interval(o, "odds_ratio", why[BACKTEST_FIG_ODDS_RATIO], or->estimate, or->lower,
		     or->upper, & or->log_se);
	cJSON_AddBoolToObject(o, "haldane_corrected",
			      !why[BACKTEST_FIG_ODDS_RATIO] && t->corrected);
	bt_json_number(o, "fisher_p", why[BACKTEST_FIG_FISHER_P] ? NAN : t->fisher.p_value);
	bt_json_number(o, "holm_p", why[BACKTEST_FIG_HOLM_P] ? NAN : x->holm_p);
}

static void add_mh(cJSON *o, const struct backtest_exposure *x, unsigned impacts)
{
	const struct stats_table2x2_mh *mh = &x->mh;
	add_interval(o, "mh_odds_ratio", x->reason[BACKTEST_FIG_MH_ODDS_RATIO], mh->odds_ratio,
		     mh->lower, mh->upper, &mh->log_se);
	add_count(o, "mh_strata_used", mh->k);
	add_count(o, "mh_strata_empty", mh->k_empty);
	cJSON *strata = cJSON_AddArrayToObject(o, "strata");
	for (int i = 0; i < IMPACT_COUNT; i++) {
		if (!(impacts & (1u << i)))
			continue;
		const struct stats_table2x2_counts *s = &x->strata[i];
		cJSON *item = cJSON_CreateObject();
		json_add_str(item, "impact", impact_names.names[i]);
		add_count(item, "a", s->a);
		add_count(item, "b", s->b);
		add_count(item, "c", s->c);
		add_count(item, "d", s->d);
		cJSON_AddItemToArray(strata, item);
	}
}

static cJSON *exposure_json(const struct backtest_exposure *x, unsigned impacts)
{
	const struct stats_table2x2_counts *t = &x->table.counts;
	const char *const *why = x->reason;
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "exposure", x->name);
	add_count(o, "exposed", t->a + t->b);
	add_count(o, "unexposed", t->c + t->d);
	add_count(o, "a", t->a);
	add_count(o, "b", t->b);
	add_count(o, "c", t->c);
	add_count(o, "d", t->d);
	add_ratios(o, x);
	add_mh(o, x, impacts);
	const struct stats_wilson *pr = &x->precision, *rc = &x->recall;
	add_interval(o, "precision", why[BACKTEST_FIG_PRECISION], pr->proportion, pr->lower,
		     pr->upper, NULL);
	add_interval(o, "recall", why[BACKTEST_FIG_RECALL], rc->proportion, rc->lower, rc->upper,
		     NULL);
	bool lead = why[BACKTEST_FIG_LEAD_TIME] == NULL;
	add_count(o, "lead_time_n", x->lead.n);
	bt_json_number(o, "lead_time_median", lead ? x->lead.median : NAN);
	bt_json_number(o, "lead_time_min", lead ? x->lead.min : NAN);
	bt_json_number(o, "lead_time_max", lead ? x->lead.max : NAN);
	add_count(o, "labels_before_outcome", x->labels_before);
	add_count(o, "labels_after_outcome", x->labels_after);
	add_count(o, "changes_labelled_only_after_outcome", x->changes_only_after);
	cJSON *reasons = cJSON_AddObjectToObject(o, "null_reasons");
	for (int f = 0; f < BACKTEST_FIG_COUNT; f++)
		if (why[f])
			cJSON_AddStringToObject(reasons, backtest_figure_names.names[f], why[f]);
	return o;
}

cJSON *backtest_to_json(const struct backtest_result *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", FORMAT);
	cJSON_AddItemToObject(o, "parameters", backtest_params_to_json(&r->params));
	cJSON_AddStringToObject(o, "input_hash", r->input_hash);
	cJSON *missed = cJSON_AddArrayToObject(o, "missed_outcomes");
	for (size_t i = 0; i < r->n_missed; i++)
		cJSON_AddItemToArray(missed, missed_json(&r->missed[i]));
	cJSON_AddItemToObject(o, "counts", counts_json(r));
	cJSON *exposures = cJSON_AddArrayToObject(o, "exposures");
	for (int e = 0; e < BACKTEST_N_EXPOSURES; e++)
		cJSON_AddItemToArray(exposures, exposure_json(&r->exposures[e], r->params.impacts));
	cJSON *h = exposure_json(&r->hindsight, r->params.impacts);
	cJSON_AddStringToObject(h, "note",
				"labels made after the outcome counted as exposure: hindsight, "
				"for comparison only");
	cJSON_AddItemToObject(o, "hindsight", h);
	return o;
}
