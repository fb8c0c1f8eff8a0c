/* ratchet stats, the statistics: one runner per NAME, calling core/stats over
 * the columns read and adding every estimate to the result. Their --help texts
 * and the table of statistics are in cmd_stats_defs.c. */
#include "common.h"

#include <math.h>

#include "cli.h"
#include "cmd_stats.h"
#include "stats/bootstrap.h"
#include "stats/kappa.h"
#include "stats/kendall.h"
#include "stats/km.h"
#include "stats/poisson.h"
#include "stats/rank.h"
#include "stats/segmented.h"
#include "stats/table2x2.h"
#include "stats/trend.h"
#include "stats/wilson.h"

int cmd_stats_run_spearman(const struct stats_args *a, const struct stats_data *d,
			   struct stats_result *res)
{
	(void)a;
	struct stats_spearman s;
	stats_spearman(d->x, d->y, d->rows, &s);
	cmd_stats_set(res, s.status, s.n, s.n_missing);
	cmd_stats_add_number(res->fields, "rho", s.rho);
	cmd_stats_add_number(res->fields, "t", s.t);
	cmd_stats_add_number(res->fields, "p_value", s.p_value);
	return 0;
}

/* --exact asks for the exact p-value; failing to give it is an error, not a
 * silent switch to the normal approximation. */
static int kendall_exact_error(const struct stats_args *a, const struct stats_kendall *k)
{
	if (k->n > STATS_KENDALL_EXACT_MAX_N)
		fprintf(stderr,
			"ratchet: %s: no exact p-value for %zu pairs: --exact needs at most %d\n",
			a->cmd, k->n, STATS_KENDALL_EXACT_MAX_N);
	else
		fprintf(stderr, "ratchet: %s: no exact p-value: %s has ties\n", a->cmd,
			k->ties_x ? "--x" : "--y");
	return CLI_EXIT_FAIL;
}

int cmd_stats_run_kendall(const struct stats_args *a, const struct stats_data *d,
			  struct stats_result *res)
{
	struct stats_kendall k;
	stats_kendall_tau_b(d->x, d->y, d->rows, &k);
	if (a->exact && k.status == STATS_OK && !k.exact)
		return kendall_exact_error(a, &k);
	cmd_stats_set(res, k.status, k.n, k.n_missing);
	cJSON *f = res->fields;
	cmd_stats_add_number(f, "tau_b", k.tau_b);
	cmd_stats_add_number(f, "z", k.z);
	cmd_stats_add_number(f, "p_value", a->exact ? k.p_exact : k.p_value);
	cJSON_AddStringToObject(f, "p_method", a->exact ? "exact" : "asymptotic");
	bool counted = k.status == STATS_OK || k.status == STATS_ZERO_VARIANCE;
	if (!counted)
		return 0;
	cmd_stats_add_signed(f, "pairs", k.pairs);
	cmd_stats_add_signed(f, "concordant", k.concordant);
	cmd_stats_add_signed(f, "discordant", k.discordant);
	cmd_stats_add_signed(f, "ties_x", k.ties_x);
	cmd_stats_add_signed(f, "ties_y", k.ties_y);
	cmd_stats_add_signed(f, "ties_xy", k.ties_xy);
	return 0;
}

int cmd_stats_run_kappa(const struct stats_args *a, const struct stats_data *d,
			struct stats_result *res)
{
	(void)a;
	struct stats_kappa k;
	stats_kappa(d->x, d->y, d->rows, &k);
	cmd_stats_set(res, k.status, k.n, k.n_missing);
	res->reason = k.reason;
	cmd_stats_add_number(res->fields, "kappa", k.kappa);
	cmd_stats_add_number(res->fields, "po", k.po);
	cmd_stats_add_number(res->fields, "pe", k.pe);
	cmd_stats_add_count(res->fields, "agreements", k.agreements);
	cmd_stats_add_count(res->fields, "n_categories", k.n_categories);
	return 0;
}

int cmd_stats_run_wilson(const struct stats_args *a, const struct stats_data *d,
			 struct stats_result *res)
{
	struct stats_wilson w;
	if (a->file)
		stats_wilson_series(d->x, d->rows, a->confidence, &w);
	else
		stats_wilson(a->successes, a->trials, a->confidence, &w);
	cmd_stats_set(res, w.status, (size_t)w.n, w.n_missing);
	cmd_stats_add_count(res->fields, "successes", w.k);
	cmd_stats_add_count(res->fields, "trials", w.n);
	cmd_stats_add_number(res->fields, "proportion", w.proportion);
	cmd_stats_add_number(res->fields, "lower", w.lower);
	cmd_stats_add_number(res->fields, "upper", w.upper);
	cmd_stats_add_number(res->fields, "confidence", a->confidence);
	return 0;
}

static void add_km_quantile(cJSON *f, const char *name, const struct stats_km_quantile *q)
{
	cJSON *o = cJSON_AddObjectToObject(f, name);
	cmd_stats_add_number(o, "p", q->p);
	cmd_stats_add_status(o, "status", q->status);
	cmd_stats_add_number(o, "estimate", q->estimate);
	cmd_stats_add_number(o, "lower", q->lower);
	cmd_stats_add_number(o, "upper", q->upper);
	cmd_stats_add_status(o, "lower_status", q->lower_status);
	cmd_stats_add_status(o, "upper_status", q->upper_status);
}

static void add_km_curve(cJSON *f, const struct stats_km *fit)
{
	cJSON *curve = cJSON_AddArrayToObject(f, "curve");
	for (size_t i = 0; i < fit->n_points; i++) {
		const struct stats_km_point *p = &fit->points[i];
		cJSON *o = cJSON_CreateObject();
		cmd_stats_add_number(o, "time", p->time);
		cmd_stats_add_count(o, "n_risk", p->n_risk);
		cmd_stats_add_count(o, "n_event", p->n_event);
		cmd_stats_add_count(o, "n_censor", p->n_censor);
		cmd_stats_add_number(o, "surv", p->surv);
		cmd_stats_add_number(o, "std_err", p->std_err);
		cmd_stats_add_number(o, "lower", p->lower);
		cmd_stats_add_number(o, "upper", p->upper);
		cJSON_AddItemToArray(curve, o);
	}
}

static void add_km_rmean(cJSON *f, const struct stats_km *fit, double tau)
{
	struct stats_km_rmean r;
	stats_km_rmean(fit, tau, &r);
	cJSON *o = cJSON_AddObjectToObject(f, "rmean");
	cmd_stats_add_status(o, "status", r.status);
	cmd_stats_add_number(o, "horizon", tau);
	cmd_stats_add_number(o, "estimate", r.estimate);
	cmd_stats_add_number(o, "std_err", r.std_err);
}

int cmd_stats_run_km(const struct stats_args *a, const struct stats_data *d,
		     struct stats_result *res)
{
	struct stats_km_point *points = xcalloc(d->rows + 1, sizeof(*points));
	struct stats_km fit;
	stats_km_fit(d->x, d->y, d->rows, points, &fit);
	cmd_stats_set(res, fit.status, fit.n, fit.n_missing);
	cJSON *f = res->fields;
	cmd_stats_add_count(f, "n_events", fit.n_events);
	struct stats_km_quantile q;
	stats_km_median(&fit, &q);
	add_km_quantile(f, "median", &q);
	if (a->has_quantile) {
		stats_km_quantile(&fit, a->quantile, &q);
		add_km_quantile(f, "quantile", &q);
	}
	if (a->has_horizon)
		add_km_rmean(f, &fit, a->horizon);
	add_km_curve(f, &fit);
	free(points);
	return 0;
}

static void add_ratio(cJSON *f, const char *name, const struct stats_table2x2_ratio *r)
{
	cJSON *o = cJSON_AddObjectToObject(f, name);
	cmd_stats_add_status(o, "status", r->status);
	cmd_stats_add_number(o, "estimate", r->estimate);
	cmd_stats_add_number(o, "lower", r->lower);
	cmd_stats_add_number(o, "upper", r->upper);
	cmd_stats_add_number(o, "log_se", r->log_se);
}

static void add_counts(cJSON *o, const struct stats_table2x2_counts *c)
{
	cmd_stats_add_count(o, "a", c->a);
	cmd_stats_add_count(o, "b", c->b);
	cmd_stats_add_count(o, "c", c->c);
	cmd_stats_add_count(o, "d", c->d);
}

int cmd_stats_run_fisher(const struct stats_args *a, const struct stats_data *d,
			 struct stats_result *res)
{
	(void)a;
	struct stats_table2x2_tab tab;
	stats_table2x2_tabulate(d->x, d->y, d->rows, &tab);
	cmd_stats_set(res, tab.status, tab.n, tab.n_missing);
	cJSON *f = res->fields;
	struct stats_table2x2 t;
	stats_table2x2(&tab.counts, &t);
	if (tab.status == STATS_OK)
		res->status = t.fisher.status;
	double p = tab.status == STATS_OK ? t.fisher.p_value : NAN;
	cmd_stats_add_number(f, "p_value", p);
	cJSON *table = cJSON_AddObjectToObject(f, "table");
	add_counts(table, &tab.counts);
	if (tab.status != STATS_OK)
		return 0;
	cmd_stats_add_number(f, "risk_exposed", t.risk_exposed.estimate);
	cmd_stats_add_number(f, "risk_unexposed", t.risk_unexposed.estimate);
	add_ratio(f, "risk_ratio", &t.risk_ratio);
	add_ratio(f, "odds_ratio", &t.odds_ratio);
	cJSON_AddBoolToObject(f, "corrected", t.corrected);
	return 0;
}

/* The tables of the strata; subjects missing a value are counted in *missing. */
static struct stats_table2x2_counts *strata_tables(const struct stats_data *d, size_t *missing)
{
	struct stats_table2x2_counts *t = xcalloc(d->n_strata + 1, sizeof(*t));
	*missing = 0;
	for (size_t i = 0; i < d->rows; i++) {
		if (isnan(d->x[i]) || isnan(d->y[i]) || d->stratum[i] == SIZE_MAX) {
			(*missing)++;
			continue;
		}
		struct stats_table2x2_counts *c = &t[d->stratum[i]];
		bool exposed = d->x[i] == 1, outcome = d->y[i] == 1;
		if (exposed)
			*(outcome ? &c->a : &c->b) += 1;
		else
			*(outcome ? &c->c : &c->d) += 1;
	}
	return t;
}

int cmd_stats_run_mantel_haenszel(const struct stats_args *a, const struct stats_data *d,
				  struct stats_result *res)
{
	(void)a;
	size_t missing;
	struct stats_table2x2_counts *t = strata_tables(d, &missing);
	struct stats_table2x2_mh mh;
	stats_table2x2_mh(t, d->n_strata, &mh);
	cmd_stats_set(res, mh.status, d->rows - missing, missing);
	cJSON *f = res->fields;
	cmd_stats_add_number(f, "odds_ratio", mh.odds_ratio);
	cmd_stats_add_number(f, "lower", mh.lower);
	cmd_stats_add_number(f, "upper", mh.upper);
	cmd_stats_add_number(f, "log_se", mh.log_se);
	cmd_stats_add_count(f, "strata_used", mh.k);
	cmd_stats_add_count(f, "strata_empty", mh.k_empty);
	cJSON *list = cJSON_AddArrayToObject(f, "strata");
	for (size_t i = 0; i < d->n_strata; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stratum", d->strata[i]);
		add_counts(o, &t[i]);
		cJSON_AddItemToArray(list, o);
	}
	free(t);
	return 0;
}

int cmd_stats_run_theil_sen(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res)
{
	struct stats_theilsen ts;
	stats_theilsen(d->x, d->y, d->rows, a->confidence, &ts);
	cmd_stats_set(res, ts.status, ts.n, ts.n_missing);
	cJSON *f = res->fields;
	cmd_stats_add_number(f, "slope", ts.slope);
	cmd_stats_add_number(f, "intercept", ts.intercept);
	cmd_stats_add_number(f, "low_slope", ts.low_slope);
	cmd_stats_add_number(f, "high_slope", ts.high_slope);
	cmd_stats_add_number(f, "confidence", a->confidence);
	cmd_stats_add_count(f, "n_slopes", ts.n_slopes);
	struct stats_linreg lr;
	stats_linreg(d->x, d->y, d->rows, &lr);
	cJSON *o = cJSON_AddObjectToObject(f, "least_squares");
	cmd_stats_add_status(o, "status", lr.status);
	cmd_stats_add_number(o, "slope", lr.slope);
	cmd_stats_add_number(o, "intercept", lr.intercept);
	cmd_stats_add_number(o, "stderr_slope", lr.stderr_slope);
	cmd_stats_add_number(o, "stderr_intercept", lr.stderr_intercept);
	cmd_stats_add_number(o, "r", lr.r);
	cmd_stats_add_number(o, "p_value", lr.p_value);
	return 0;
}

int cmd_stats_run_mann_kendall(const struct stats_args *a, const struct stats_data *d,
			       struct stats_result *res)
{
	(void)a;
	struct stats_mann_kendall mk;
	stats_mann_kendall(d->x, d->rows, &mk);
	cmd_stats_set(res, mk.status, mk.n, mk.n_missing);
	cJSON *f = res->fields;
	if (mk.status == STATS_OK)
		cmd_stats_add_signed(f, "s", mk.s);
	else
		cJSON_AddNullToObject(f, "s");
	cmd_stats_add_number(f, "var_s", mk.var_s);
	cmd_stats_add_number(f, "z", mk.z);
	cmd_stats_add_number(f, "p_value", mk.p_value);
	cmd_stats_add_number(f, "tau", mk.tau);
	return 0;
}

static const char *model_name(enum stats_shape_model m)
{
	switch (m) {
	case STATS_MODEL_CONSTANT:
		return "constant";
	case STATS_MODEL_LINEAR_RATE:
		return "linear_rate";
	case STATS_MODEL_LOG_LINEAR:
		return "log_linear";
	}
	return "constant";
}

static void add_poisson_fit(cJSON *fits, const char *name, const struct stats_poisson_fit *p)
{
	cJSON *o = cJSON_AddObjectToObject(fits, name);
	cmd_stats_add_status(o, "status", p->status);
	cJSON *coef = cJSON_AddArrayToObject(o, "coef");
	cJSON *se = cJSON_AddArrayToObject(o, "se");
	for (size_t i = 0; p->status == STATS_OK && i < p->p && i < STATS_POISSON_MAX_P; i++) {
		cJSON_AddItemToArray(coef, isfinite(p->coef[i]) ? cJSON_CreateNumber(p->coef[i])
								: cJSON_CreateNull());
		cJSON_AddItemToArray(se, isfinite(p->se[i]) ? cJSON_CreateNumber(p->se[i])
							    : cJSON_CreateNull());
	}
	cmd_stats_add_number(o, "deviance", p->deviance);
	cmd_stats_add_number(o, "loglik", p->loglik);
	cmd_stats_add_number(o, "aicc", p->aicc);
	cmd_stats_add_number(o, "dispersion", p->dispersion);
	cJSON_AddBoolToObject(o, "at_boundary", p->at_boundary);
}

int cmd_stats_run_poisson_shape(const struct stats_args *a, const struct stats_data *d,
				struct stats_result *res)
{
	(void)a;
	struct stats_accumulation acc;
	stats_accumulation_shape(d->x, d->rows, &acc);
	cmd_stats_set(res, acc.status, acc.n_buckets, acc.n_missing);
	cJSON *f = res->fields;
	bool ok = acc.status == STATS_OK;
	bool fitted = ok && acc.shape != STATS_SHAPE_INSUFFICIENT_DATA;
	if (ok)
		cJSON_AddStringToObject(f, "shape", stats_shape_name(acc.shape));
	else
		cJSON_AddNullToObject(f, "shape");
	if (fitted)
		cJSON_AddStringToObject(f, "model", model_name(acc.model));
	else
		cJSON_AddNullToObject(f, "model");
	cmd_stats_add_number(f, "events", ok ? acc.events : NAN);
	cmd_stats_add_number(f, "mean_rate", acc.mean_rate);
	cmd_stats_add_number(f, "rate", acc.rate);
	cmd_stats_add_number(f, "growth_rate", acc.growth_rate);
	cmd_stats_add_number(f, "doubling_time", acc.doubling_time);
	cmd_stats_add_number(f, "delta_aicc_linear_rate", acc.delta_aicc_linear_rate);
	cmd_stats_add_number(f, "delta_aicc_log_linear", acc.delta_aicc_log_linear);
	cmd_stats_add_number(f, "lr_p_linear_rate", acc.lr_p_linear_rate);
	cmd_stats_add_number(f, "lr_p_log_linear", acc.lr_p_log_linear);
	cJSON *fits = cJSON_AddObjectToObject(f, "fits");
	add_poisson_fit(fits, "constant", &acc.constant);
	add_poisson_fit(fits, "linear_rate", &acc.linear_rate);
	add_poisson_fit(fits, "log_linear", &acc.log_linear);
	return 0;
}

/* The segments between change points, each with its finite values' count,
 * mean and standard deviation (divisor n, the variance the meanvar cost uses). */
static void add_segments(cJSON *f, const struct stats_data *d, const size_t *cpts, size_t n_cpts)
{
	cJSON *list = cJSON_AddArrayToObject(f, "segments");
	for (size_t s = 0; s <= n_cpts && d->rows > 0; s++) {
		size_t start = s ? cpts[s - 1] : 0, end = s < n_cpts ? cpts[s] : d->rows;
		size_t n = 0;
		long double sum = 0, sq = 0;
		for (size_t i = start; i < end; i++)
			if (isfinite(d->x[i])) {
				n++;
				sum += d->x[i];
			}
		double mean = n ? (double)(sum / n) : NAN;
		for (size_t i = start; i < end; i++)
			if (isfinite(d->x[i]))
				sq += ((long double)d->x[i] - mean) * ((long double)d->x[i] - mean);
		cJSON *o = cJSON_CreateObject();
		cmd_stats_add_count(o, "start_index", start);
		cmd_stats_add_count(o, "end_index", end - 1);
		cmd_stats_add_count(o, "start_line", d->line[start]);
		cmd_stats_add_count(o, "end_line", d->line[end - 1]);
		cmd_stats_add_count(o, "n", n);
		cmd_stats_add_number(o, "mean", mean);
		cmd_stats_add_number(o, "sd", n ? sqrt((double)(sq / n)) : NAN);
		cJSON_AddItemToArray(list, o);
	}
}

int cmd_stats_run_pelt(const struct stats_args *a, const struct stats_data *d,
		       struct stats_result *res)
{
	size_t *cpts = xcalloc(d->rows + 1, sizeof(*cpts));
	struct stats_pelt p = stats_pelt(d->x, d->rows, &a->pelt, cpts);
	cmd_stats_set(res, p.status, p.n, p.n_missing);
	cJSON *f = res->fields;
	cmd_stats_add_count(f, "n_change_points", p.n_cpts);
	cmd_stats_add_number(f, "penalty", p.penalty);
	cmd_stats_add_number(f, "cost", p.cost);
	cmd_stats_add_number(f, "scale", p.scale);
	cmd_stats_add_number(f, "var_floor", p.var_floor);
	cJSON *list = cJSON_AddArrayToObject(f, "change_points");
	for (size_t i = 0; i < p.n_cpts; i++) {
		cJSON *o = cJSON_CreateObject();
		cmd_stats_add_count(o, "index", cpts[i]);
		cmd_stats_add_count(o, "line", d->line[cpts[i]]);
		cmd_stats_add_number(o, "value", d->x[cpts[i]]);
		cJSON_AddItemToArray(list, o);
	}
	if (p.status == STATS_OK)
		add_segments(f, d, cpts, p.n_cpts);
	free(cpts);
	return 0;
}

int cmd_stats_run_segmented(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res)
{
	struct stats_segmented_opts opts = {
		.n_boot = a->boot, .seed = a->seed, .confidence = a->confidence};
	struct stats_segmented s;
	stats_segmented(d->x, d->y, d->rows, &opts, &s);
	cmd_stats_set(res, s.status, s.n, s.n_missing);
	cJSON *f = res->fields;
	cmd_stats_add_number(f, "psi", s.psi);
	cmd_stats_add_number(f, "psi_low", s.psi_low);
	cmd_stats_add_number(f, "psi_high", s.psi_high);
	cmd_stats_add_number(f, "intercept", s.intercept);
	cmd_stats_add_number(f, "slope_left", s.slope_left);
	cmd_stats_add_number(f, "slope_right", s.slope_right);
	cmd_stats_add_number(f, "slope_diff", s.slope_diff);
	cmd_stats_add_number(f, "rss", s.rss);
	cmd_stats_add_number(f, "rss_line", s.rss_line);
	cmd_stats_add_number(f, "davies_p", s.davies_p);
	cmd_stats_add_number(f, "davies_best", s.davies_best);
	cmd_stats_add_number(f, "confidence", a->confidence);
	cmd_stats_add_count(f, "n_boot", s.n_boot);
	cmd_stats_add_count(f, "n_boot_failed", s.n_boot_failed);
	return 0;
}

int cmd_stats_run_bootstrap(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res)
{
	struct stats_bootstrap_ci ci;
	stats_bootstrap_interval(d->x, d->y, d->rows, STATS_BOOTSTRAP_SPEARMAN, a->boot,
				 a->confidence, a->seed, a->block, &ci);
	struct stats_bootstrap_surrogate sur;
	stats_bootstrap_shuffle_test(d->x, d->y, d->rows, STATS_BOOTSTRAP_SPEARMAN, a->boot,
				     a->seed, a->block, &sur);
	cmd_stats_set(res, ci.status, ci.n, ci.n_missing);
	if (ci.status == STATS_INVALID_INPUT && a->block > ci.n) {
		snprintf(res->reason_buf, sizeof(res->reason_buf),
			 "--block %zu is longer than the series (%zu complete pairs)", a->block,
			 ci.n);
		res->reason = res->reason_buf;
	}
	cJSON *f = res->fields;
	cmd_stats_add_number(f, "rho", ci.estimate);
	cmd_stats_add_number(f, "low", ci.low);
	cmd_stats_add_number(f, "high", ci.high);
	cmd_stats_add_number(f, "confidence", a->confidence);
	cmd_stats_add_count(f, "block", ci.status == STATS_OK ? ci.block : sur.block);
	cmd_stats_add_count(f, "n_boot", ci.n_boot);
	cmd_stats_add_count(f, "n_undefined", ci.n_undefined);
	cJSON *o = cJSON_AddObjectToObject(f, "surrogate");
	cmd_stats_add_status(o, "status", sur.status);
	cmd_stats_add_number(o, "p_value", sur.p_value);
	cmd_stats_add_count(o, "n_surrogates", sur.n_surrogates);
	cmd_stats_add_count(o, "n_extreme", sur.n_extreme);
	return 0;
}

/* Steps must increase over the rows used: an error at the first that does not. */
static int check_steps(const struct stats_args *a, const struct stats_data *d)
{
	size_t prev = SIZE_MAX;
	for (size_t i = 0; i < d->rows; i++) {
		if (!isfinite(d->x[i]) || !isfinite(d->y[i]))
			continue;
		if (prev != SIZE_MAX && !(d->x[i] > d->x[prev])) {
			fprintf(stderr,
				"ratchet: %s:%zu: column \"%s\": %.17g is not after %.17g (line "
				"%zu): steps must increase\n",
				a->file, d->line[i], a->x, d->x[i], d->x[prev], d->line[prev]);
			return CLI_EXIT_FAIL;
		}
		prev = i;
	}
	return 0;
}

int cmd_stats_run_crossings(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res)
{
	if (check_steps(a, d))
		return CLI_EXIT_FAIL;
	struct stats_crossing_options opt = {
		.threshold = a->threshold, .direction = a->direction, .step = false};
	struct stats_crossing *found = xcalloc(d->rows + 1, sizeof(*found));
	struct stats_crossings c;
	stats_crossings(d->x, d->y, d->rows, &opt, found, d->rows, &c);
	cmd_stats_set(res, c.status, c.n, c.n_missing);
	cJSON *f = res->fields;
	cmd_stats_add_count(f, "n_crossings", c.n_crossings);
	cJSON *list = cJSON_AddArrayToObject(f, "crossings");
	for (size_t i = 0; i < c.n_written; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "direction", found[i].direction > 0 ? "up" : "down");
		cmd_stats_add_number(o, "at", found[i].time);
		cmd_stats_add_number(o, "step", d->x[found[i].index]);
		cmd_stats_add_number(o, "value", d->y[found[i].index]);
		cmd_stats_add_count(o, "index", found[i].index);
		cmd_stats_add_count(o, "line", d->line[found[i].index]);
		cJSON_AddItemToArray(list, o);
	}
	free(found);
	return 0;
}
