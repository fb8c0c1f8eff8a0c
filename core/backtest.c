/* The backtest: parameters, row checks, the population, the counted outcome links, the missed
 * outcomes, and the run that ties them to the exposure figures (backtest_expo.c). */
#include "common.h"

#include "backtest_int.h"
#include "err.h"
#include "rtime.h"

static const char *const kind_names[] = {"incident", "rollback", "near_miss"};
const struct model_names backtest_kind_names = {kind_names, BACKTEST_KIND_COUNT,
						"incident, rollback, near_miss"};
static const char *const how_names[] = {"explicit", "revert", "regression", "follow_up", "window"};
const struct model_names backtest_how_names = {how_names, BACKTEST_HOW_COUNT,
					       "explicit, revert, regression, follow_up, window"};
static const char *const population_names[] = {"reviewed", "all"};
const struct model_names backtest_population_names = {population_names, BACKTEST_POP_COUNT,
						      "reviewed, all"};
static const char *const severity_names[] = {"sev1", "sev2", "sev3", "sev4"};
const struct model_names backtest_severity_names = {severity_names, 4, "sev1, sev2, sev3, sev4"};
static const char *const figure_names[] = {
	"risk_exposed", "risk_unexposed", "risk_ratio", "odds_ratio", "fisher_p",
	"holm_p",	"mh_odds_ratio",  "precision",	"recall",     "lead_time",
};
const struct model_names backtest_figure_names = {figure_names, BACKTEST_FIG_COUNT, ""};

#define ALL_KINDS ((1u << BACKTEST_KIND_COUNT) - 1)
#define ALL_IMPACTS ((1u << IMPACT_COUNT) - 1)

void backtest_params_init(struct backtest_params *p)
{
	memset(p, 0, sizeof(*p));
	p->from = p->to = p->data_end = RTIME_NONE;
	p->horizon = BACKTEST_DEFAULT_HORIZON;
	p->kinds = ALL_KINDS;
	p->impacts = ALL_IMPACTS;
	p->population = BACKTEST_POP_REVIEWED;
}

static bool time_ok(int64_t t)
{
	return t != RTIME_NONE && t >= RTIME_MIN && t <= RTIME_MAX;
}

int backtest_params_check(const struct backtest_params *p, struct err *err)
{
	int bad = 0;
	if (!time_ok(p->from) || !time_ok(p->to))
		bad = err_detail(err, "from", 0, 0, "the window needs from and to");
	else if (p->from >= p->to)
		bad = err_detail(err, "to", 0, 0, "the window is empty: to must be after from");
	if (!time_ok(p->data_end))
		bad = err_detail(err, "data_end", 0, 0, "the end of the data is not set");
	if (p->horizon <= 0 || p->horizon > BACKTEST_MAX_HORIZON)
		bad = err_detail(err, "horizon", 0, 0, "must be more than 0s and at most 3650d");
	if (p->kinds == 0 || (p->kinds & ~ALL_KINDS))
		bad = err_detail(err, "outcomes", 0, 0, "needs one or more of %s",
				 backtest_kind_names.list);
	if (p->impacts == 0 || (p->impacts & ~ALL_IMPACTS))
		bad = err_detail(err, "impact", 0, 0, "needs one or more of %s", impact_names.list);
	if (p->service && !model_valid_service(p->service))
		bad = err_detail(err, "service", 0, 0, "invalid service name");
	if ((int)p->population < 0 || p->population >= BACKTEST_POP_COUNT)
		bad = err_detail(err, "population", 0, 0, "must be one of %s",
				 backtest_population_names.list);
	return bad;
}

/* ---- row checks ---- */

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* Sorts ids[0..n) in place; true with *dup set when an id occurs twice. */
static bool duplicate_id(int64_t *ids, size_t n, int64_t *dup)
{
	xqsort(ids, n, sizeof(*ids), cmp_i64);
	for (size_t i = 1; i < n; i++)
		if (ids[i] == ids[i - 1]) {
			*dup = ids[i];
			return true;
		}
	return false;
}

static int check_change(const struct backtest_change *c, struct err *err)
{
	if (!c->service || !c->key)
		return err_set(err, ERR_INVALID, "change %" PRId64 ": no service or key", c->id);
	if ((int)c->impact < 0 || c->impact >= IMPACT_COUNT || (int)c->review < 0 ||
	    c->review >= REVIEW_COUNT)
		return err_set(err, ERR_INVALID,
			       "change %" PRId64 ": impact or review out of range", c->id);
	if (c->effective_at != RTIME_NONE && !time_ok(c->effective_at))
		return err_set(err, ERR_INVALID, "change %" PRId64 ": effective_at out of range",
			       c->id);
	for (size_t j = 0; j < c->n_ios; j++) {
		const struct backtest_io *io = &c->ios[j];
		if ((int)io->category < 0 || io->category >= IO_CAT_COUNT || (int)io->status < 0 ||
		    io->status >= IO_STATUS_COUNT)
			return err_set(err, ERR_INVALID,
				       "IO %" PRId64 ": category or status out of range", io->id);
		if (!time_ok(io->recorded_at))
			return err_set(err, ERR_INVALID, "IO %" PRId64 ": no recorded_at", io->id);
	}
	return 0;
}

static int check_outcome(const struct backtest_outcome *o, struct err *err)
{
	if ((int)o->kind < 0 || o->kind >= BACKTEST_KIND_COUNT)
		return err_set(err, ERR_INVALID, "outcome %" PRId64 ": kind out of range", o->id);
	if (o->severity < 0 || o->severity > 4)
		return err_set(err, ERR_INVALID,
			       "outcome %" PRId64 ": severity must be 1 to 4 (0: not recorded)",
			       o->id);
	if (!time_ok(o->occurred_at))
		return err_set(err, ERR_INVALID, "outcome %" PRId64 ": no occurred_at", o->id);
	for (size_t j = 0; j < o->n_links; j++)
		if ((int)o->links[j].how < 0 || o->links[j].how >= BACKTEST_HOW_COUNT)
			return err_set(err, ERR_INVALID,
				       "outcome %" PRId64 ": link how out of range", o->id);
	return 0;
}

static int check_ids(const struct backtest_input *in, struct err *err)
{
	size_t n_ios = 0;
	for (size_t i = 0; i < in->n_changes; i++)
		n_ios += in->changes[i].n_ios;
	size_t n_max = in->n_changes > n_ios ? in->n_changes : n_ios;
	n_max = n_max > in->n_outcomes ? n_max : in->n_outcomes;
	int64_t *ids = xmalloc((n_max ? n_max : 1) * sizeof(*ids)), dup;
	int rc = 0;
	for (size_t i = 0; i < in->n_changes; i++)
		ids[i] = in->changes[i].id;
	if (duplicate_id(ids, in->n_changes, &dup))
		rc = err_set(err, ERR_INVALID, "duplicate change id %" PRId64, dup);
	size_t k = 0;
	for (size_t i = 0; i < in->n_changes; i++)
		for (size_t j = 0; j < in->changes[i].n_ios; j++)
			ids[k++] = in->changes[i].ios[j].id;
	if (!rc && duplicate_id(ids, n_ios, &dup))
		rc = err_set(err, ERR_INVALID, "duplicate IO id %" PRId64, dup);
	for (size_t i = 0; i < in->n_outcomes; i++)
		ids[i] = in->outcomes[i].id;
	if (!rc && duplicate_id(ids, in->n_outcomes, &dup))
		rc = err_set(err, ERR_INVALID, "duplicate outcome id %" PRId64, dup);
	free(ids);
	return rc;
}

int bt_validate(const struct backtest_input *in, const struct backtest_params *p, struct err *err)
{
	if (backtest_params_check(p, err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_changes; i++)
		if (check_change(&in->changes[i], err) < 0)
			return -1;
	for (size_t i = 0; i < in->n_outcomes; i++)
		if (check_outcome(&in->outcomes[i], err) < 0)
			return -1;
	return check_ids(in, err);
}

/* ---- scope ---- */

static int cmp_change_id(const void *x, const void *y)
{
	const struct backtest_change *a = *(const struct backtest_change *const *)x;
	const struct backtest_change *b = *(const struct backtest_change *const *)y;
	return (a->id > b->id) - (a->id < b->id);
}

static bool in_scope(const struct backtest_params *p, const struct backtest_change *c)
{
	if (c->effective_at == RTIME_NONE || c->effective_at < p->from || c->effective_at >= p->to)
		return false;
	if (p->service && strcmp(p->service, c->service) != 0)
		return false;
	return (p->impacts & (1u << c->impact)) != 0;
}

void bt_scope(const struct backtest_input *in, const struct backtest_params *p, struct bt_scope *s)
{
	memset(s, 0, sizeof(*s));
	size_t n = in->n_changes ? in->n_changes : 1;
	s->scope = xmalloc(n * sizeof(*s->scope));
	s->pop = xmalloc(n * sizeof(*s->pop));
	struct backtest_counts *k = &s->counts;
	int64_t horizon = p->horizon * BT_USEC;
	for (size_t i = 0; i < in->n_changes; i++) {
		const struct backtest_change *c = &in->changes[i];
		if (!in_scope(p, c))
			continue;
		s->scope[s->n_scope++] = c;
		k->in_scope++;
		bool unreviewed = c->review == REVIEW_UNREVIEWED;
		if (unreviewed) {
			k->unreviewed++;
			if (p->population == BACKTEST_POP_REVIEWED) {
				k->unreviewed_excluded++;
				continue;
			}
		}
		if (c->effective_at + horizon > p->data_end) {
			k->censored++;
			continue;
		}
		s->pop[s->n_pop++] = c;
		k->population++;
		k->population_unreviewed += unreviewed;
	}
	xqsort(s->scope, s->n_scope, sizeof(*s->scope), cmp_change_id);
	xqsort(s->pop, s->n_pop, sizeof(*s->pop), cmp_change_id);
}

void bt_scope_release(struct bt_scope *s)
{
	free(s->scope);
	free(s->pop);
	memset(s, 0, sizeof(*s));
}

long bt_find(const struct bt_scope *s, int64_t id)
{
	size_t lo = 0, hi = s->n_pop;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->pop[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_pop && s->pop[lo]->id == id ? (long)lo : -1;
}

bool bt_io_counts(const struct backtest_params *p, const struct backtest_io *io)
{
	if (io->retracted || io->recorded_at >= p->data_end)
		return false;
	return io->status == IO_CONFIRMED || p->include_candidates;
}

bool bt_io_after(const struct backtest_io *io, int64_t first_outcome)
{
	return io->labelled_after_outcome ||
	       (first_outcome != RTIME_NONE && io->recorded_at >= first_outcome);
}

/* ---- counted links ---- */

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Orders links by how, rule, version (NULL first). */
static int cmp_link(const struct backtest_link *a, const struct backtest_link *b)
{
	if (a->how != b->how)
		return a->how < b->how ? -1 : 1;
	int c = cmp_str(a->rule, b->rule);
	return c ? c : cmp_str(a->rule_version, b->rule_version);
}

static int cmp_pair(const void *x, const void *y)
{
	const struct bt_pair *a = x, *b = y;
	if (a->outcome->id != b->outcome->id)
		return a->outcome->id < b->outcome->id ? -1 : 1;
	if (a->change != b->change)
		return a->change < b->change ? -1 : 1;
	return cmp_link(a->link, b->link);
}

/* Classifies one link of o to population change c: 1 counted, 0 ignored (and counted as
 * such). */
static int classify(const struct backtest_params *p, const struct backtest_outcome *o,
		    const struct backtest_link *l, const struct backtest_change *c,
		    struct backtest_counts *k)
{
	if (!(p->kinds & (1u << o->kind))) {
		k->links_other_kind++;
		return 0;
	}
	if (l->how == BACKTEST_FOLLOW_UP && !p->follow_up_is_outcome) {
		k->links_follow_up++;
		return 0;
	}
	if (o->occurred_at < c->effective_at ||
	    o->occurred_at >= c->effective_at + p->horizon * BT_USEC) {
		k->links_outside_horizon++;
		return 0;
	}
	k->links_counted++;
	return 1;
}

static void collect_pairs(const struct backtest_input *in, struct bt_state *st,
			  struct backtest_counts *k)
{
	size_t n = 0;
	for (size_t i = 0; i < in->n_outcomes; i++)
		n += in->outcomes[i].n_links;
	st->pairs = xmalloc((n ? n : 1) * sizeof(*st->pairs));
	st->n_pairs = 0;
	for (size_t i = 0; i < in->n_outcomes; i++) {
		const struct backtest_outcome *o = &in->outcomes[i];
		if (o->occurred_at >= st->p->data_end)
			continue;
		for (size_t j = 0; j < o->n_links; j++) {
			long c = bt_find(st->s, o->links[j].change_id);
			if (c < 0 || !classify(st->p, o, &o->links[j], st->s->pop[c], k))
				continue;
			st->pairs[st->n_pairs++] = (struct bt_pair){(size_t)c, o, &o->links[j]};
		}
	}
	xqsort(st->pairs, st->n_pairs, sizeof(*st->pairs), cmp_pair);
}

/* First outcomes per change, changes with an outcome, distinct outcomes by kind. */
static void count_outcomes(struct bt_state *st, struct backtest_counts *k)
{
	size_t n_pop = st->s->n_pop;
	st->first_outcome = xmalloc((n_pop ? n_pop : 1) * sizeof(*st->first_outcome));
	for (size_t i = 0; i < n_pop; i++)
		st->first_outcome[i] = RTIME_NONE;
	for (size_t i = 0; i < st->n_pairs; i++) {
		const struct bt_pair *pr = &st->pairs[i];
		int64_t *first = &st->first_outcome[pr->change];
		if (*first == RTIME_NONE || pr->outcome->occurred_at < *first)
			*first = pr->outcome->occurred_at;
		if (i == 0 || st->pairs[i - 1].outcome != pr->outcome) {
			k->outcomes++;
			k->outcomes_by_kind[pr->outcome->kind]++;
		}
	}
	for (size_t i = 0; i < n_pop; i++)
		k->changes_with_outcome += st->first_outcome[i] != RTIME_NONE;
}

static void count_ios(const struct bt_state *st, struct backtest_counts *k)
{
	for (size_t i = 0; i < st->s->n_pop; i++) {
		const struct backtest_change *c = st->s->pop[i];
		for (size_t j = 0; j < c->n_ios; j++) {
			const struct backtest_io *io = &c->ios[j];
			if (io->recorded_at >= st->p->data_end)
				continue;
			if (io->retracted)
				k->ios_retracted++;
			else if (io->status == IO_CANDIDATE && !st->p->include_candidates)
				k->ios_candidates_excluded++;
		}
	}
}

/* ---- missed outcomes ---- */

/* Severity for sorting: not recorded (0) after sev4. */
static int severity_rank(int severity)
{
	return severity == 0 ? 5 : severity;
}

static int cmp_missed(const void *x, const void *y)
{
	const struct backtest_outcome *a = ((const struct backtest_missed *)x)->outcome;
	const struct backtest_outcome *b = ((const struct backtest_missed *)y)->outcome;
	int sa = severity_rank(a->severity), sb = severity_rank(b->severity);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->occurred_at != b->occurred_at)
		return a->occurred_at < b->occurred_at ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* The missed outcome of the pairs [i, end) (one outcome), or false when every change it was
 * counted against is exposed. */
static bool missed_one(const struct bt_state *st, size_t i, size_t end, const bool *exposed,
		       const bool *after, struct backtest_missed *m)
{
	memset(m, 0, sizeof(*m));
	m->outcome = st->pairs[i].outcome;
	m->changes = xcalloc(end - i, sizeof(*m->changes));
	for (size_t j = i; j < end; j++) {
		const struct bt_pair *pr = &st->pairs[j];
		bool new_change = j == i || st->pairs[j - 1].change != pr->change;
		if (exposed[pr->change]) {
			m->exposed_changes += new_change;
			continue;
		}
		if (new_change) {
			struct backtest_missed_change *mc = &m->changes[m->n_changes++];
			mc->change = st->s->pop[pr->change];
			mc->labelled_after = after[pr->change];
			mc->links = xmalloc((end - j) * sizeof(*mc->links));
		}
		struct backtest_missed_change *mc = &m->changes[m->n_changes - 1];
		mc->links[mc->n_links++] = pr->link;
	}
	if (m->n_changes == 0) {
		free(m->changes);
		return false;
	}
	return true;
}

static void find_missed(const struct bt_state *st, const bool *exposed, const bool *after,
			struct backtest_result *r)
{
	r->missed = xmalloc((st->n_pairs ? st->n_pairs : 1) * sizeof(*r->missed));
	for (size_t i = 0; i < st->n_pairs;) {
		size_t end = i + 1;
		while (end < st->n_pairs && st->pairs[end].outcome == st->pairs[i].outcome)
			end++;
		if (missed_one(st, i, end, exposed, after, &r->missed[r->n_missed]))
			r->n_missed++;
		i = end;
	}
	xqsort(r->missed, r->n_missed, sizeof(*r->missed), cmp_missed);
}

/* ---- the run ---- */

static void compute(const struct backtest_input *in, struct bt_state *st, struct backtest_result *r)
{
	size_t n_pop = st->s->n_pop ? st->s->n_pop : 1;
	bool *exposed = xcalloc(n_pop, sizeof(*exposed));
	bool *after = xcalloc(n_pop, sizeof(*after));
	collect_pairs(in, st, &r->counts);
	count_outcomes(st, &r->counts);
	count_ios(st, &r->counts);
	bt_exposure(st, BACKTEST_ANY, false, &r->exposures[BACKTEST_ANY], exposed, after);
	for (int e = 1; e < BACKTEST_N_EXPOSURES; e++)
		bt_exposure(st, e, false, &r->exposures[e], NULL, NULL);
	bt_exposure(st, BACKTEST_ANY, true, &r->hindsight, NULL, NULL);
	bt_holm(r);
	find_missed(st, exposed, after, r);
	free(exposed);
	free(after);
}

int backtest_run(const struct backtest_input *in, const struct backtest_params *p,
		 struct backtest_result *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (bt_validate(in, p, err) < 0)
		return -1;
	struct bt_scope s;
	bt_scope(in, p, &s);
	int rc = bt_hash(in, p, &s, out->input_hash, err);
	if (rc == 0) {
		out->params = *p;
		out->counts = s.counts;
		struct bt_state st = {.p = p, .s = &s};
		compute(in, &st, out);
		free(st.pairs);
		free(st.first_outcome);
	}
	bt_scope_release(&s);
	return rc;
}

int backtest_input_hash(const struct backtest_input *in, const struct backtest_params *p,
			char out[HASH_HEX_LEN + 1], struct err *err)
{
	if (bt_validate(in, p, err) < 0)
		return -1;
	struct bt_scope s;
	bt_scope(in, p, &s);
	int rc = bt_hash(in, p, &s, out, err);
	bt_scope_release(&s);
	return rc;
}

void backtest_result_release(struct backtest_result *r)
{
	for (size_t i = 0; i < r->n_missed; i++) {
		for (size_t j = 0; j < r->missed[i].n_changes; j++)
			free(r->missed[i].changes[j].links);
		free(r->missed[i].changes);
	}
	free(r->missed);
	r->missed = NULL;
	r->n_missed = 0;
}
