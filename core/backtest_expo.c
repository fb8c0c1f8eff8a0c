/* One exposure of the backtest: which population changes it exposes, its 2x2 table and the
 * figures composed from core/stats (risks, ratios, Fisher, Mantel-Haenszel by impact, Wilson
 * precision and recall, type 7 lead times), Holm across the categories, and the reason for
 * every figure that cannot be computed. */
#include "common.h"

#include <math.h>

#include "backtest_int.h"
#include "rtime.h"
#include "stats/percentile.h"

#define R_EMPTY "no changes in the population"
#define R_NO_EXPOSED "no exposed changes"
#define R_NO_UNEXPOSED "no unexposed changes"
#define R_NO_OUTCOMES "no outcomes"
#define R_ALL_OUTCOMES "every change had an outcome"
#define R_TOO_MANY "too many changes for the exact test"
#define R_MH_AD                                                                                    \
	"no impact stratum has both an exposed change with an outcome and an unexposed change "    \
	"without one"
#define R_MH_BC                                                                                    \
	"no impact stratum has both an exposed change without an outcome and an unexposed change " \
	"with one"
#define R_NO_EXPOSED_OUTCOME "no exposed change had an outcome"
#define R_HINDSIGHT_LEAD "lead times use labels made before the outcome only"
#define R_NOT_HOLM "not in the Holm family: only the six categories are adjusted together"

static bool io_in(int e, const struct backtest_io *io)
{
	return e == BACKTEST_ANY || (int)io->category == e - 1;
}

/* Why the 2x2 table has no ratios, or NULL when it has them. */
static const char *table_reason(const struct stats_table2x2_counts *t)
{
	if (t->a + t->b + t->c + t->d == 0)
		return R_EMPTY;
	if (t->a + t->b == 0)
		return R_NO_EXPOSED;
	if (t->c + t->d == 0)
		return R_NO_UNEXPOSED;
	if (t->a + t->c == 0)
		return R_NO_OUTCOMES;
	if (t->b + t->d == 0)
		return R_ALL_OUTCOMES;
	return NULL;
}

static const char *mh_reason(const struct backtest_exposure *x, const struct bt_state *st)
{
	if (x->mh.status == STATS_OK)
		return NULL;
	const char *r = table_reason(&x->table.counts);
	if (r)
		return r;
	bool ad = false;
	for (int i = 0; i < IMPACT_COUNT; i++)
		if (st->p->impacts & (1u << i))
			ad = ad || (x->strata[i].a > 0 && x->strata[i].d > 0);
	return ad ? R_MH_BC : R_MH_AD;
}

static void reasons(struct backtest_exposure *x, const struct bt_state *st, bool hindsight)
{
	const struct stats_table2x2_counts *t = &x->table.counts;
	const char **r = x->reason;
	bool empty = t->a + t->b + t->c + t->d == 0;
	if (t->a + t->b == 0)
		r[BACKTEST_FIG_RISK_EXPOSED] = empty ? R_EMPTY : R_NO_EXPOSED;
	if (t->c + t->d == 0)
		r[BACKTEST_FIG_RISK_UNEXPOSED] = empty ? R_EMPTY : R_NO_UNEXPOSED;
	if (x->table.status != STATS_OK) {
		const char *why = table_reason(t);
		r[BACKTEST_FIG_RISK_RATIO] = r[BACKTEST_FIG_ODDS_RATIO] = why ? why : R_TOO_MANY;
		r[BACKTEST_FIG_FISHER_P] = why ? why : R_TOO_MANY;
	}
	r[BACKTEST_FIG_MH_ODDS_RATIO] = mh_reason(x, st);
	if (x->precision.status != STATS_OK)
		r[BACKTEST_FIG_PRECISION] = empty ? R_EMPTY : R_NO_EXPOSED;
	if (x->recall.status != STATS_OK)
		r[BACKTEST_FIG_RECALL] = empty ? R_EMPTY : R_NO_OUTCOMES;
	if (hindsight)
		r[BACKTEST_FIG_LEAD_TIME] = R_HINDSIGHT_LEAD;
	else if (x->lead.n == 0)
		r[BACKTEST_FIG_LEAD_TIME] =
			empty ? R_EMPTY : (t->a + t->b == 0 ? R_NO_EXPOSED : R_NO_EXPOSED_OUTCOME);
}

/* Labels of change i for exposure e: sets *before / *after_label, counts them in x, and
 * returns the earliest label that exposes (RTIME_NONE when none). */
static int64_t labels(const struct bt_state *st, size_t i, int e, bool hindsight,
		      struct backtest_exposure *x, bool *before, bool *after_label)
{
	const struct backtest_change *c = st->s->pop[i];
	int64_t earliest = RTIME_NONE;
	*before = *after_label = false;
	for (size_t j = 0; j < c->n_ios; j++) {
		const struct backtest_io *io = &c->ios[j];
		if (!bt_io_counts(st->p, io) || !io_in(e, io))
			continue;
		bool after = bt_io_after(io, st->first_outcome[i]);
		if (after) {
			x->labels_after++;
			*after_label = true;
		} else {
			x->labels_before++;
			*before = true;
		}
		if ((!after || hindsight) && (earliest == RTIME_NONE || io->recorded_at < earliest))
			earliest = io->recorded_at;
	}
	return earliest;
}

/* Lead times over the distinct (outcome, exposed change) pairs, in seconds. */
static void lead_times(const struct bt_state *st, const bool *exposed, const int64_t *earliest,
		       struct backtest_lead *lead)
{
	double *v = xmalloc((st->n_pairs ? st->n_pairs : 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < st->n_pairs; i++) {
		const struct bt_pair *pr = &st->pairs[i];
		if (i > 0 && st->pairs[i - 1].outcome == pr->outcome &&
		    st->pairs[i - 1].change == pr->change)
			continue;
		if (exposed[pr->change])
			v[n++] = (double)(pr->outcome->occurred_at - earliest[pr->change]) / 1e6;
	}
	lead->n = n;
	lead->median = lead->min = lead->max = NAN;
	if (n > 0) {
		struct stats_percentile_info info;
		stats_percentile(v, n, 0.5, STATS_PERCENTILE_LINEAR, &lead->median, &info);
		lead->min = lead->max = v[0];
		for (size_t i = 1; i < n; i++) {
			lead->min = v[i] < lead->min ? v[i] : lead->min;
			lead->max = v[i] > lead->max ? v[i] : lead->max;
		}
	}
	free(v);
}

static void add_cell(struct stats_table2x2_counts *t, bool exposed, bool outcome)
{
	if (exposed)
		*(outcome ? &t->a : &t->b) += 1;
	else
		*(outcome ? &t->c : &t->d) += 1;
}

static void figures(const struct bt_state *st, struct backtest_exposure *x)
{
	struct stats_table2x2_counts total = {0, 0, 0, 0}, strata[IMPACT_COUNT];
	size_t k = 0;
	for (int i = 0; i < IMPACT_COUNT; i++) {
		const struct stats_table2x2_counts *s = &x->strata[i];
		total.a += s->a;
		total.b += s->b;
		total.c += s->c;
		total.d += s->d;
		if (st->p->impacts & (1u << i))
			strata[k++] = *s;
	}
	stats_table2x2(&total, &x->table);
	stats_table2x2_mh(strata, k, &x->mh);
	stats_wilson(total.a, total.a + total.b, 0.95, &x->precision);
	stats_wilson(total.a, total.a + total.c, 0.95, &x->recall);
}

void bt_exposure(const struct bt_state *st, int e, bool hindsight, struct backtest_exposure *out,
		 bool *exposed, bool *after)
{
	memset(out, 0, sizeof(*out));
	out->name = hindsight		? "any_with_labels_after_outcome"
		    : e == BACKTEST_ANY ? "any"
					: model_name(&io_category_names, e - 1);
	out->holm_p = NAN;
	size_t n = st->s->n_pop ? st->s->n_pop : 1;
	int64_t *earliest = xmalloc(n * sizeof(*earliest));
	bool *exp = exposed ? exposed : xcalloc(n, sizeof(*exp));
	for (size_t i = 0; i < st->s->n_pop; i++) {
		bool before, aft;
		earliest[i] = labels(st, i, e, hindsight, out, &before, &aft);
		exp[i] = before || (hindsight && aft);
		out->changes_only_after += aft && !before;
		if (after)
			after[i] = aft;
		add_cell(&out->strata[st->s->pop[i]->impact], exp[i],
			 st->first_outcome[i] != RTIME_NONE);
	}
	figures(st, out);
	if (!hindsight)
		lead_times(st, exp, earliest, &out->lead);
	else
		out->lead.median = out->lead.min = out->lead.max = NAN;
	reasons(out, st, hindsight);
	free(earliest);
	if (!exposed)
		free(exp);
}

void bt_holm(struct backtest_result *r)
{
	double p[IO_CAT_COUNT], adjusted[IO_CAT_COUNT];
	for (int c = 0; c < IO_CAT_COUNT; c++) {
		const struct backtest_exposure *x = &r->exposures[1 + c];
		p[c] = x->reason[BACKTEST_FIG_FISHER_P] ? NAN : x->table.fisher.p_value;
	}
	struct stats_table2x2_holm info;
	stats_table2x2_holm(p, IO_CAT_COUNT, adjusted, &info);
	for (int c = 0; c < IO_CAT_COUNT; c++) {
		struct backtest_exposure *x = &r->exposures[1 + c];
		x->holm_p = adjusted[c];
		x->reason[BACKTEST_FIG_HOLM_P] = x->reason[BACKTEST_FIG_FISHER_P];
	}
	r->exposures[BACKTEST_ANY].reason[BACKTEST_FIG_HOLM_P] = R_NOT_HOLM;
	r->hindsight.reason[BACKTEST_FIG_HOLM_P] = R_NOT_HOLM;
}
