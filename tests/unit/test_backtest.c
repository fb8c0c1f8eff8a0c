/* Unit tests for core/backtest: hand-built registers with hand-derived tables (figures from
 * tests/vectors/backtest.json "tables", made by gen_backtest.py with statsmodels and SciPy),
 * random registers checked against the generator's own implementation of the definition, the
 * exclusions (unreviewed, censored, candidates, retracted, labels after the outcome, follow_up
 * links, outcomes outside the horizon), missed outcomes, byte-identical re-runs, the input hash,
 * parameters and the Markdown and CSV reports. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "backtest.h"
#include "backtest_int.h"
#include "hash.h"
#include "jcs.h"
#include "core.h"
#include "err.h"
#include "json.h"
#include "rtime.h"
#include "test_util.h"
#include "vectors.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
#define T0 (INT64_C(1782864000) * USEC) /* 2026-07-01T00:00:00Z */
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- building registers ---- */

static char text_pool[512][24];

static const char *text(const char *prefix, int64_t id)
{
	char *s = text_pool[id % 512];
	snprintf(s, sizeof(text_pool[0]), "%s%" PRId64, prefix, id);
	return s;
}

static struct backtest_io io_at(int64_t id, enum io_category category, int64_t recorded_at)
{
	struct backtest_io io = {id, category, IO_CONFIRMED, recorded_at, false, false};
	return io;
}

static struct backtest_change chg(int64_t id, enum impact impact, int64_t effective_at,
				  const struct backtest_io *ios, size_t n)
{
	struct backtest_change c = {
		id,  "api", text("c", id), impact, effective_at, n ? REVIEW_HAS_IO : REVIEW_NO_IO,
		ios, n,
	};
	return c;
}

static struct backtest_link lnk(int64_t change_id, enum backtest_how how)
{
	struct backtest_link l = {change_id, how, NULL, NULL};
	return l;
}

static struct backtest_outcome oc(int64_t id, enum backtest_kind kind, int severity, int64_t at,
				  const struct backtest_link *links, size_t n)
{
	struct backtest_outcome o = {id, kind, severity, at, text("outcome ", id), NULL, links, n};
	return o;
}

static struct backtest_params params(void)
{
	struct backtest_params p;
	backtest_params_init(&p);
	p.from = T0;
	p.to = T0 + 92 * DAY;
	p.data_end = T0 + 200 * DAY;
	return p;
}

static void run_ok(const struct backtest_change *c, size_t nc, const struct backtest_outcome *o,
		   size_t no, const struct backtest_params *p, struct backtest_result *r)
{
	struct backtest_input in = {c, nc, o, no};
	struct err err;
	err_init(&err);
	if (backtest_run(&in, p, r, &err) != 0) {
		print_error("backtest_run failed: %s\n", err.message);
		fail();
	}
}

static char *run_json(const struct backtest_change *c, size_t nc, const struct backtest_outcome *o,
		      size_t no, const struct backtest_params *p)
{
	struct backtest_result r;
	run_ok(c, nc, o, no, p, &r);
	cJSON *j = backtest_to_json(&r);
	char *s = json_print(j);
	cJSON_Delete(j);
	backtest_result_release(&r);
	return s;
}

static void assert_table(const struct backtest_exposure *x, uint64_t a, uint64_t b, uint64_t c,
			 uint64_t d)
{
	assert_int_equal(x->table.counts.a, a);
	assert_int_equal(x->table.counts.b, b);
	assert_int_equal(x->table.counts.c, c);
	assert_int_equal(x->table.counts.d, d);
}

/* ---- comparing with the reference ---- */

/* Fails unless the null_reasons of got name exactly the figures in want (an array). */
static void assert_reasons(const cJSON *got, const cJSON *want, bool skip_lead, const char *what)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(got, "null_reasons");
	int n_want = 0;
	for (const cJSON *w = want->child; w; w = w->next) {
		if (skip_lead && strcmp(w->valuestring, "lead_time") == 0)
			continue;
		n_want++;
		if (!cJSON_GetObjectItemCaseSensitive(r, w->valuestring)) {
			print_error("%s: no null reason for %s\n", what, w->valuestring);
			fail();
		}
	}
	int n_got = 0;
	for (const cJSON *g = r->child; g; g = g->next)
		n_got += !(skip_lead && strcmp(g->string, "lead_time") == 0);
	if (n_got != n_want) {
		print_error("%s: %d null reasons, expected %d\n", what, n_got, n_want);
		fail();
	}
}

/* Fails unless every member of want has the same value in got (numbers within 1e-9
 * relative); with skip_lead, lead time members are not compared. */
static void assert_matches(const cJSON *got, const cJSON *want, bool skip_lead, const char *what)
{
	for (const cJSON *w = want->child; w; w = w->next) {
		const char *k = w->string;
		if (skip_lead && strncmp(k, "lead_time", 9) == 0)
			continue;
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, k);
		if (strcmp(k, "null_reasons") == 0) {
			assert_reasons(got, w, skip_lead, what);
			continue;
		}
		if (!g) {
			print_error("%s: member %s missing\n", what, k);
			fail();
		}
		if (cJSON_IsNull(w) || cJSON_IsNull(g)) {
			if (cJSON_IsNull(w) != cJSON_IsNull(g)) {
				print_error("%s: %s is %s, expected %s\n", what, k,
					    cJSON_IsNull(g) ? "null" : "a value",
					    cJSON_IsNull(w) ? "null" : "a value");
				fail();
			}
		} else if (cJSON_IsNumber(w)) {
			assert_true(cJSON_IsNumber(g));
			if (!test_close(g->valuedouble, w->valuedouble, 1e-9, 1e-12)) {
				print_error("%s: %s\n", what, k);
				assert_close(g->valuedouble, w->valuedouble, 1e-9, 1e-12);
			}
		} else if (cJSON_IsObject(w)) {
			assert_true(cJSON_IsObject(g));
			assert_matches(g, w, skip_lead, what);
		} else if (cJSON_IsArray(w)) {
			assert_int_equal(cJSON_GetArraySize(g), cJSON_GetArraySize(w));
			const cJSON *gi = g->child;
			for (const cJSON *wi = w->child; wi; wi = wi->next, gi = gi->next)
				assert_matches(gi, wi, skip_lead, what);
		} else if (cJSON_IsString(w)) {
			assert_string_equal(g->valuestring, w->valuestring);
		} else {
			assert_int_equal(cJSON_IsTrue(g), cJSON_IsTrue(w));
		}
	}
}

static const cJSON *reference_table(const cJSON *root, const char *name)
{
	const cJSON *tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
	for (const cJSON *t = tables->child; t; t = t->next)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, name) == 0)
			return cJSON_GetObjectItemCaseSensitive(t, "exposures");
	print_error("no reference table %s\n", name);
	fail();
	return NULL;
}

/* The exposure named name of a backtest object (exposures, or the hindsight one). */
static const cJSON *exposure_of(const cJSON *bt, const char *name)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(bt, "hindsight");
	if (strcmp(cJSON_GetObjectItemCaseSensitive(h, "exposure")->valuestring, name) == 0)
		return h;
	const cJSON *xs = cJSON_GetObjectItemCaseSensitive(bt, "exposures");
	for (const cJSON *x = xs->child; x; x = x->next)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(x, "exposure")->valuestring, name) == 0)
			return x;
	fail();
	return NULL;
}

/* Compares every exposure of the named reference with r's JSON (lead times by hand). */
static void assert_reference(const struct backtest_result *r, const char *name,
			     const char *exposure_override)
{
	cJSON *root = vectors_load("backtest");
	cJSON *got = backtest_to_json(r);
	const cJSON *want = reference_table(root, name);
	for (const cJSON *w = want->child; w; w = w->next) {
		const char *x =
			exposure_override
				? exposure_override
				: cJSON_GetObjectItemCaseSensitive(w, "exposure")->valuestring;
		cJSON *copy = cJSON_Duplicate(w, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "exposure");
		assert_matches(exposure_of(got, x), copy, true, name);
		cJSON_Delete(copy);
	}
	cJSON_Delete(got);
	cJSON_Delete(root);
}

/* ---- the two-strata register ---- */

/* Low: 1 (data, outcome), 2 (data), 3 (deployment), 4 (outcome), 5-8 (nothing).
 * High: 11 (data + deployment, outcome), 12 (data, outcome), 13 (deployment, outcome),
 * 14 (deployment), 15 (outcome), 16-17 (nothing). Labels a day before effective (H1's data
 * label two); outcomes L1 +2d, L4 +1d, H1 +5d, H2 +1d, H3 +3d, H5 +4d. Tables:
 *   any:        low 1/2/1/4, high 3/1/1/2
 *   data:       low 1/1/1/5, high 2/0/2/3
 *   deployment: low 0/1/2/5, high 2/1/2/2 */
struct two_strata {
	struct backtest_io ios[9][2];
	struct backtest_change changes[15];
	struct backtest_link links[6];
	struct backtest_outcome outcomes[6];
};

static int64_t eff(int64_t id)
{
	return T0 + id * DAY;
}

static void two_strata_build(struct two_strata *t)
{
	memset(t, 0, sizeof(*t));
	t->ios[0][0] = io_at(101, IO_CAT_DATA, eff(1) - DAY);
	t->ios[1][0] = io_at(102, IO_CAT_DATA, eff(2) - DAY);
	t->ios[2][0] = io_at(103, IO_CAT_DEPLOYMENT, eff(3) - DAY);
	t->ios[3][0] = io_at(111, IO_CAT_DATA, eff(11) - 2 * DAY);
	t->ios[3][1] = io_at(112, IO_CAT_DEPLOYMENT, eff(11) - DAY);
	t->ios[4][0] = io_at(113, IO_CAT_DATA, eff(12) - DAY);
	t->ios[5][0] = io_at(114, IO_CAT_DEPLOYMENT, eff(13) - DAY);
	t->ios[6][0] = io_at(115, IO_CAT_DEPLOYMENT, eff(14) - DAY);
	size_t k = 0;
	for (int64_t id = 1; id <= 8; id++)
		t->changes[k++] = chg(id, IMPACT_LOW, eff(id), t->ios[id - 1], id <= 3 ? 1 : 0);
	static const size_t n_high_ios[] = {2, 1, 1, 1, 0, 0, 0};
	for (int64_t id = 11; id <= 17; id++)
		t->changes[k++] =
			chg(id, IMPACT_HIGH, eff(id), t->ios[id - 8], n_high_ios[id - 11]);
	t->links[0] = lnk(1, BACKTEST_EXPLICIT);
	t->links[1] = lnk(4, BACKTEST_REVERT);
	t->links[2] = (struct backtest_link){11, BACKTEST_REGRESSION, "git", "3"};
	t->links[3] = lnk(12, BACKTEST_WINDOW);
	t->links[4] = lnk(13, BACKTEST_EXPLICIT);
	t->links[5] = lnk(15, BACKTEST_EXPLICIT);
	t->outcomes[0] = oc(201, BACKTEST_INCIDENT, 3, eff(1) + 2 * DAY, &t->links[0], 1);
	t->outcomes[1] = oc(202, BACKTEST_ROLLBACK, 2, eff(4) + DAY, &t->links[1], 1);
	t->outcomes[2] = oc(203, BACKTEST_INCIDENT, 2, eff(11) + 5 * DAY, &t->links[2], 1);
	t->outcomes[3] = oc(204, BACKTEST_NEAR_MISS, 4, eff(12) + DAY, &t->links[3], 1);
	t->outcomes[4] = oc(205, BACKTEST_INCIDENT, 3, eff(13) + 3 * DAY, &t->links[4], 1);
	t->outcomes[5] = oc(206, BACKTEST_INCIDENT, 1, eff(15) + 4 * DAY, &t->links[5], 1);
}

static void test_two_impact_strata_give_the_hand_derived_tables_and_reference_figures(void **state)
{
	(void)state;
	struct two_strata t;
	two_strata_build(&t);
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(t.changes, N(t.changes), t.outcomes, N(t.outcomes), &p, &r);
	assert_int_equal(r.counts.in_scope, 15);
	assert_int_equal(r.counts.population, 15);
	assert_int_equal(r.counts.changes_with_outcome, 6);
	assert_int_equal(r.counts.outcomes, 6);
	assert_int_equal(r.counts.outcomes_by_kind[BACKTEST_INCIDENT], 4);
	assert_int_equal(r.counts.outcomes_by_kind[BACKTEST_ROLLBACK], 1);
	assert_int_equal(r.counts.outcomes_by_kind[BACKTEST_NEAR_MISS], 1);
	assert_int_equal(r.counts.links_counted, 6);
	const struct backtest_exposure *any = &r.exposures[BACKTEST_ANY];
	const struct backtest_exposure *data = &r.exposures[1 + IO_CAT_DATA];
	const struct backtest_exposure *dep = &r.exposures[1 + IO_CAT_DEPLOYMENT];
	assert_table(any, 4, 3, 2, 6);
	assert_table(data, 3, 1, 3, 8);
	assert_table(dep, 2, 2, 4, 7);
	assert_int_equal(any->strata[IMPACT_LOW].a, 1);
	assert_int_equal(any->strata[IMPACT_HIGH].b, 1);
	assert_int_equal(any->strata[IMPACT_MEDIUM].a + any->strata[IMPACT_MEDIUM].d, 0);
	/* three strata passed, medium empty */
	assert_int_equal(any->mh.k, 2);
	assert_int_equal(any->mh.k_empty, 1);
	assert_int_equal(any->labels_before, 8);
	assert_int_equal(any->labels_after, 0);
	/* lead times: any 3d, 7d, 2d, 4d; data 3d, 7d, 2d; deployment 6d, 4d */
	assert_int_equal(any->lead.n, 4);
	assert_close(any->lead.median, 3.5 * 86400, 0, 0);
	assert_close(any->lead.min, 2 * 86400, 0, 0);
	assert_close(any->lead.max, 7 * 86400, 0, 0);
	assert_int_equal(data->lead.n, 3);
	assert_close(data->lead.median, 3 * 86400, 0, 0);
	assert_int_equal(dep->lead.n, 2);
	assert_close(dep->lead.median, 5 * 86400, 0, 0);
	assert_close(dep->lead.min, 4 * 86400, 0, 0);
	assert_close(dep->lead.max, 6 * 86400, 0, 0);
	/* categories without labels: every figure but the counts is null, with a reason */
	const struct backtest_exposure *align = &r.exposures[1 + IO_CAT_ALIGNMENT];
	assert_table(align, 0, 0, 6, 9);
	assert_string_equal(align->reason[BACKTEST_FIG_RISK_RATIO], "no exposed changes");
	assert_string_equal(align->reason[BACKTEST_FIG_HOLM_P], "no exposed changes");
	assert_null(data->reason[BACKTEST_FIG_HOLM_P]);
	assert_non_null(any->reason[BACKTEST_FIG_HOLM_P]);
	/* Holm over the two categories with a p: data and deployment */
	assert_true(data->holm_p >= data->table.fisher.p_value);
	assert_reference(&r, "two_strata", NULL);
	backtest_result_release(&r);
}

static void test_missed_outcomes_are_listed_most_severe_first_with_their_links(void **state)
{
	(void)state;
	struct two_strata t;
	two_strata_build(&t);
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(t.changes, N(t.changes), t.outcomes, N(t.outcomes), &p, &r);
	assert_int_equal(r.n_missed, 2);
	assert_int_equal(r.missed[0].outcome->id, 206); /* sev1 */
	assert_int_equal(r.missed[1].outcome->id, 202); /* sev2 */
	assert_int_equal(r.missed[1].n_changes, 1);
	assert_int_equal(r.missed[1].changes[0].change->id, 4);
	assert_int_equal(r.missed[1].changes[0].n_links, 1);
	assert_int_equal(r.missed[1].changes[0].links[0]->how, BACKTEST_REVERT);
	assert_false(r.missed[1].changes[0].labelled_after);
	cJSON *j = backtest_to_json(&r);
	/* the list comes before the tables in the object */
	const cJSON *first = j->child;
	while (first && strcmp(first->string, "missed_outcomes") != 0 &&
	       strcmp(first->string, "exposures") != 0)
		first = first->next;
	assert_string_equal(first->string, "missed_outcomes");
	const cJSON *m =
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "missed_outcomes"), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "severity")->valuestring, "sev1");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "kind")->valuestring, "incident");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "occurred_at")->valuestring,
			    "2026-07-20T00:00:00.000000Z");
	cJSON_Delete(j);
	backtest_result_release(&r);
}

/* An incident record may have no severity (a rollback read from history): it is null in the
 * JSON, null in the input hash (not a severity of 0), and listed after sev4. */
static void test_an_outcome_without_a_severity_is_null_and_listed_last(void **state)
{
	(void)state;
	struct backtest_change c[2] = {chg(1, IMPACT_HIGH, T0 + DAY, NULL, 0),
				       chg(2, IMPACT_HIGH, T0 + DAY, NULL, 0)};
	struct backtest_link l1[1] = {lnk(1, BACKTEST_REVERT)}, l2[1] = {lnk(2, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[2] = {oc(30, BACKTEST_ROLLBACK, 0, T0 + 2 * DAY, l1, 1),
					oc(31, BACKTEST_INCIDENT, 4, T0 + 3 * DAY, l2, 1)};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, N(c), o, N(o), &p, &r);
	assert_int_equal(r.n_missed, 2);
	assert_int_equal(r.missed[0].outcome->id, 31);
	assert_int_equal(r.missed[1].outcome->id, 30);
	cJSON *j = backtest_to_json(&r);
	const cJSON *m =
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "missed_outcomes"), 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(m, "severity")));
	struct err err;
	err_init(&err);
	char *md = backtest_to_markdown(j, 1, &err);
	assert_non_null(md);
	assert_non_null(strstr(md, "| rollback | \xE2\x80\x94 |"));
	free(md);
	cJSON_Delete(j);
	char base[HASH_HEX_LEN + 1], other[HASH_HEX_LEN + 1];
	struct backtest_input in = {c, N(c), o, N(o)};
	assert_int_equal(backtest_input_hash(&in, &p, base, &err), 0);
	o[0].severity = 4;
	assert_int_equal(backtest_input_hash(&in, &p, other, &err), 0);
	assert_string_not_equal(base, other);
	backtest_result_release(&r);
}

static void test_an_outcome_tied_to_an_exposed_and_an_unexposed_change_is_missed_once(void **state)
{
	(void)state;
	struct backtest_io ios[1] = {io_at(10, IO_CAT_DATA, T0)};
	struct backtest_change c[3] = {
		chg(1, IMPACT_HIGH, T0 + DAY, ios, 1),
		chg(2, IMPACT_HIGH, T0 + DAY, NULL, 0),
		chg(3, IMPACT_HIGH, T0 + DAY, NULL, 0),
	};
	/* change 2 is tied twice (window and explicit): one entry, links by how */
	struct backtest_link l1[3] = {
		lnk(2, BACKTEST_WINDOW),
		lnk(1, BACKTEST_EXPLICIT),
		lnk(2, BACKTEST_EXPLICIT),
	};
	struct backtest_link l2[1] = {lnk(1, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[2] = {
		oc(50, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, l1, 3),
		oc(51, BACKTEST_INCIDENT, 1, T0 + 2 * DAY, l2, 1), /* only the exposed change */
	};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 3, o, 2, &p, &r);
	assert_int_equal(r.n_missed, 1);
	assert_int_equal(r.missed[0].outcome->id, 50);
	assert_int_equal(r.missed[0].exposed_changes, 1);
	assert_int_equal(r.missed[0].n_changes, 1);
	assert_int_equal(r.missed[0].changes[0].change->id, 2);
	assert_int_equal(r.missed[0].changes[0].n_links, 2);
	assert_int_equal(r.missed[0].changes[0].links[0]->how, BACKTEST_EXPLICIT);
	assert_int_equal(r.missed[0].changes[0].links[1]->how, BACKTEST_WINDOW);
	assert_int_equal(r.counts.links_counted, 4);
	assert_int_equal(r.counts.outcomes, 2);
	assert_table(&r.exposures[BACKTEST_ANY], 1, 0, 1, 1);
	backtest_result_release(&r);
}

/* ---- zero cells, no exposed changes, all exposed, nothing at all ---- */

static void test_a_zero_cell_uses_the_haldane_anscombe_correction(void **state)
{
	(void)state;
	/* medium: exposed 1, 2 with outcomes; unexposed 3 with, 4-6 without: 2/0/1/3 */
	struct backtest_io ios[2] = {io_at(10, IO_CAT_EVALUATION, T0),
				     io_at(11, IO_CAT_EVALUATION, T0)};
	struct backtest_change c[6];
	for (int i = 0; i < 6; i++)
		c[i] = chg(i + 1, IMPACT_MEDIUM, T0 + DAY, i < 2 ? &ios[i] : NULL, i < 2);
	struct backtest_link l[3] = {lnk(1, BACKTEST_EXPLICIT), lnk(2, BACKTEST_EXPLICIT),
				     lnk(3, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[3] = {
		oc(50, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, &l[0], 1),
		oc(51, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, &l[1], 1),
		oc(52, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, &l[2], 1),
	};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 6, o, 3, &p, &r);
	const struct backtest_exposure *any = &r.exposures[BACKTEST_ANY];
	assert_table(any, 2, 0, 1, 3);
	assert_true(any->table.corrected);
	assert_null(any->reason[BACKTEST_FIG_RISK_RATIO]);
	/* the raw risks, the corrected ratios: (2.5 / 3) / (1.5 / 5) */
	assert_close(any->table.risk_exposed.estimate, 1.0, 0, 0);
	assert_close(any->table.risk_ratio.estimate, (2.5 / 3) / (1.5 / 5), 1e-15, 0);
	assert_close(any->table.odds_ratio.estimate, 2.5 * 3.5 / (0.5 * 1.5), 1e-15, 0);
	/* one stratum with b = 0: sum b c / n = 0, so no MH odds ratio */
	assert_string_equal(any->reason[BACKTEST_FIG_MH_ODDS_RATIO],
			    "no impact stratum has both an exposed change without an outcome and "
			    "an unexposed change with one");
	assert_reference(&r, "zero_cell", "any");
	cJSON *j = backtest_to_json(&r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(exposure_of(j, "evaluation"),
								  "haldane_corrected")));
	cJSON_Delete(j);
	backtest_result_release(&r);
}

static void test_no_exposed_changes_gives_null_figures_with_reasons_never_zero(void **state)
{
	(void)state;
	struct backtest_change c[4];
	for (int i = 0; i < 4; i++)
		c[i] = chg(i + 1, IMPACT_LOW, T0 + DAY, NULL, 0);
	struct backtest_link l[1] = {lnk(1, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[1] = {oc(50, BACKTEST_ROLLBACK, 3, T0 + 2 * DAY, l, 1)};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 4, o, 1, &p, &r);
	const struct backtest_exposure *any = &r.exposures[BACKTEST_ANY];
	assert_table(any, 0, 0, 1, 3);
	static const int null_figures[] = {
		BACKTEST_FIG_RISK_EXPOSED, BACKTEST_FIG_RISK_RATIO,    BACKTEST_FIG_ODDS_RATIO,
		BACKTEST_FIG_FISHER_P,	   BACKTEST_FIG_MH_ODDS_RATIO, BACKTEST_FIG_PRECISION,
		BACKTEST_FIG_LEAD_TIME,
	};
	for (size_t i = 0; i < N(null_figures); i++)
		assert_string_equal(any->reason[null_figures[i]], "no exposed changes");
	/* defined figures: risk unexposed 1/4, recall 0 of 1 */
	assert_null(any->reason[BACKTEST_FIG_RISK_UNEXPOSED]);
	assert_null(any->reason[BACKTEST_FIG_RECALL]);
	assert_close(any->recall.proportion, 0, 0, 0);
	cJSON *j = backtest_to_json(&r);
	const cJSON *x = exposure_of(j, "any");
	static const char *const null_members[] = {
		"risk_exposed", "risk_ratio",	 "risk_ratio_lower", "odds_ratio_upper", "fisher_p",
		"holm_p",	"mh_odds_ratio", "precision",	     "lead_time_median"};
	for (size_t i = 0; i < N(null_members); i++)
		assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(x, null_members[i])));
	const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(x, "null_reasons");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(reasons, "fisher_p")->valuestring,
			    "no exposed changes");
	assert_non_null(cJSON_GetObjectItemCaseSensitive(reasons, "holm_p"));
	assert_null(cJSON_GetObjectItemCaseSensitive(reasons, "recall"));
	assert_close(cJSON_GetObjectItemCaseSensitive(x, "risk_unexposed")->valuedouble, 0.25, 0,
		     0);
	/* every category too: no p anywhere, so no Holm */
	for (int e = 1; e < BACKTEST_N_EXPOSURES; e++)
		assert_true(isnan(r.exposures[e].holm_p));
	assert_int_equal(r.n_missed, 1);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

static void test_all_changes_exposed_leaves_the_unexposed_figures_null(void **state)
{
	(void)state;
	/* high: five exposed, three with outcomes: 3/2/0/0 */
	struct backtest_io ios[5];
	struct backtest_change c[5];
	struct backtest_link l[3];
	struct backtest_outcome o[3];
	for (int i = 0; i < 5; i++) {
		ios[i] = io_at(10 + i, IO_CAT_OPTIONALITY, T0);
		c[i] = chg(i + 1, IMPACT_HIGH, T0 + DAY, &ios[i], 1);
	}
	for (int i = 0; i < 3; i++) {
		l[i] = lnk(i + 1, BACKTEST_EXPLICIT);
		o[i] = oc(50 + i, BACKTEST_INCIDENT, 3, T0 + 2 * DAY, &l[i], 1);
	}
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 5, o, 3, &p, &r);
	const struct backtest_exposure *any = &r.exposures[BACKTEST_ANY];
	assert_table(any, 3, 2, 0, 0);
	assert_string_equal(any->reason[BACKTEST_FIG_RISK_UNEXPOSED], "no unexposed changes");
	assert_string_equal(any->reason[BACKTEST_FIG_ODDS_RATIO], "no unexposed changes");
	assert_null(any->reason[BACKTEST_FIG_PRECISION]);
	assert_null(any->reason[BACKTEST_FIG_RECALL]);
	assert_int_equal(r.n_missed, 0);
	assert_reference(&r, "all_exposed", "any");
	assert_int_equal(any->lead.n, 3);
	assert_close(any->lead.median, 2 * 86400, 0, 0);
	backtest_result_release(&r);
}

static void test_an_empty_population_reports_every_figure_null(void **state)
{
	(void)state;
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(NULL, 0, NULL, 0, &p, &r);
	assert_int_equal(r.counts.population, 0);
	for (int e = 0; e < BACKTEST_N_EXPOSURES; e++)
		for (int f = 0; f < BACKTEST_FIG_COUNT; f++)
			assert_non_null(r.exposures[e].reason[f]);
	assert_string_equal(r.exposures[0].reason[BACKTEST_FIG_RECALL],
			    "no changes in the population");
	cJSON *j = backtest_to_json(&r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "missed_outcomes")),
			 0);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

/* ---- exclusions ---- */

static void test_censored_horizons_are_excluded_and_counted(void **state)
{
	(void)state;
	struct backtest_params p = params();
	p.data_end = T0 + 40 * DAY; /* horizon 30d: changes after day 10 are censored */
	struct backtest_change c[4] = {
		chg(1, IMPACT_LOW, T0 + 9 * DAY, NULL, 0),
		chg(2, IMPACT_LOW, T0 + 10 * DAY, NULL, 0), /* horizon ends exactly at data_end */
		chg(3, IMPACT_LOW, T0 + 10 * DAY + 1, NULL, 0),
		chg(4, IMPACT_LOW, T0 + 30 * DAY, NULL, 0),
	};
	struct backtest_link l[2] = {lnk(3, BACKTEST_EXPLICIT), lnk(2, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[2] = {
		oc(50, BACKTEST_INCIDENT, 2, T0 + 11 * DAY, &l[0], 1),
		oc(51, BACKTEST_INCIDENT, 2, T0 + 11 * DAY, &l[1], 1),
	};
	struct backtest_result r;
	run_ok(c, 4, o, 2, &p, &r);
	assert_int_equal(r.counts.in_scope, 4);
	assert_int_equal(r.counts.censored, 2);
	assert_int_equal(r.counts.population, 2);
	assert_int_equal(r.counts.outcomes, 1); /* the censored change's outcome is not counted */
	assert_table(&r.exposures[BACKTEST_ANY], 0, 0, 1, 1);
	cJSON *j = backtest_to_json(&r);
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "counts");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(k, "censored_excluded")->valueint, 2);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

/* Reviewed: 1 (IO, outcome), 2 (IO), 3 (no_io, outcome), 4 (no_io); unreviewed: 5 (outcome),
 * 6. Population reviewed: 1/1/1/1; all: 1/1/2/2. */
static void test_unreviewed_changes_are_excluded_and_counted_unless_population_all(void **state)
{
	(void)state;
	struct backtest_io ios[2] = {io_at(10, IO_CAT_DATA, T0), io_at(11, IO_CAT_DATA, T0)};
	struct backtest_change c[6];
	for (int i = 0; i < 6; i++)
		c[i] = chg(i + 1, IMPACT_MEDIUM, T0 + DAY, i < 2 ? &ios[i] : NULL, i < 2);
	c[4].review = c[5].review = REVIEW_UNREVIEWED;
	struct backtest_link l[3] = {lnk(1, BACKTEST_EXPLICIT), lnk(3, BACKTEST_EXPLICIT),
				     lnk(5, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[3] = {
		oc(50, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, &l[0], 1),
		oc(51, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, &l[1], 1),
		oc(52, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, &l[2], 1),
	};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 6, o, 3, &p, &r);
	assert_int_equal(r.counts.unreviewed, 2);
	assert_int_equal(r.counts.unreviewed_excluded, 2);
	assert_int_equal(r.counts.population, 4);
	assert_int_equal(r.counts.outcomes, 2);
	assert_table(&r.exposures[BACKTEST_ANY], 1, 1, 1, 1);
	backtest_result_release(&r);

	p.population = BACKTEST_POP_ALL;
	run_ok(c, 6, o, 3, &p, &r);
	assert_int_equal(r.counts.unreviewed, 2);
	assert_int_equal(r.counts.unreviewed_excluded, 0);
	assert_int_equal(r.counts.population, 6);
	assert_int_equal(r.counts.population_unreviewed, 2);
	assert_table(&r.exposures[BACKTEST_ANY], 1, 1, 2, 2);
	assert_reference(&r, "population_all", "any");
	backtest_result_release(&r);
}

static void test_candidates_expose_only_with_include_candidates(void **state)
{
	(void)state;
	struct backtest_io ios[2] = {io_at(10, IO_CAT_SUPPLY_CHAIN, T0),
				     io_at(11, IO_CAT_DATA, T0)};
	ios[0].status = IO_CANDIDATE;
	struct backtest_change c[3] = {
		chg(1, IMPACT_HIGH, T0 + DAY, &ios[0], 1),
		chg(2, IMPACT_HIGH, T0 + DAY, &ios[1], 1),
		chg(3, IMPACT_HIGH, T0 + DAY, NULL, 0),
	};
	struct backtest_link l[1] = {lnk(1, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[1] = {oc(50, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, l, 1)};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 3, o, 1, &p, &r);
	assert_int_equal(r.counts.ios_candidates_excluded, 1);
	assert_table(&r.exposures[BACKTEST_ANY], 0, 1, 1, 1);
	assert_table(&r.exposures[1 + IO_CAT_SUPPLY_CHAIN], 0, 0, 1, 2);
	assert_int_equal(r.n_missed, 1);
	backtest_result_release(&r);

	p.include_candidates = true;
	run_ok(c, 3, o, 1, &p, &r);
	assert_int_equal(r.counts.ios_candidates_excluded, 0);
	assert_table(&r.exposures[BACKTEST_ANY], 1, 1, 0, 1);
	assert_table(&r.exposures[1 + IO_CAT_SUPPLY_CHAIN], 1, 0, 0, 2);
	assert_int_equal(r.n_missed, 0);
	backtest_result_release(&r);
}

static void test_retracted_ios_are_ignored_and_counted(void **state)
{
	(void)state;
	struct backtest_io ios[2] = {io_at(10, IO_CAT_DATA, T0), io_at(11, IO_CAT_ALIGNMENT, T0)};
	ios[0].retracted = true;
	struct backtest_change c[2] = {
		chg(1, IMPACT_HIGH, T0 + DAY, &ios[0], 1),
		chg(2, IMPACT_HIGH, T0 + DAY, &ios[1], 1),
	};
	struct backtest_link l[1] = {lnk(1, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[1] = {oc(50, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, l, 1)};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 2, o, 1, &p, &r);
	assert_int_equal(r.counts.ios_retracted, 1);
	assert_table(&r.exposures[BACKTEST_ANY], 0, 1, 1, 0);
	assert_table(&r.exposures[1 + IO_CAT_DATA], 0, 0, 1, 1);
	assert_int_equal(r.exposures[1 + IO_CAT_DATA].labels_before, 0);
	assert_int_equal(r.n_missed, 1);
	backtest_result_release(&r);
}

/* Medium: 1 (label before, another after; outcome), 2 (label before), 3 (label flagged after
 * the outcome; outcome), 4 (outcome), 5-6 (nothing), 7 (label recorded after its outcome, not
 * flagged; outcome). Primary 1/1/3/2; hindsight 3/1/1/2. */
static void test_labels_after_the_outcome_are_kept_apart(void **state)
{
	(void)state;
	int64_t e = T0 + DAY;
	struct backtest_io ios[5] = {
		io_at(10, IO_CAT_DATA, e - HOUR),	io_at(11, IO_CAT_DATA, e + 3 * DAY),
		io_at(12, IO_CAT_DEPLOYMENT, e - HOUR), io_at(13, IO_CAT_DATA, e - HOUR),
		io_at(14, IO_CAT_DATA, e + 2 * DAY),
	};
	ios[3].labelled_after_outcome = true; /* the flag wins over the time */
	struct backtest_change c[7] = {
		chg(1, IMPACT_MEDIUM, e, &ios[0], 2), chg(2, IMPACT_MEDIUM, e, &ios[2], 1),
		chg(3, IMPACT_MEDIUM, e, &ios[3], 1), chg(4, IMPACT_MEDIUM, e, NULL, 0),
		chg(5, IMPACT_MEDIUM, e, NULL, 0),    chg(6, IMPACT_MEDIUM, e, NULL, 0),
		chg(7, IMPACT_MEDIUM, e, &ios[4], 1),
	};
	struct backtest_link l[4] = {lnk(1, BACKTEST_EXPLICIT), lnk(3, BACKTEST_EXPLICIT),
				     lnk(4, BACKTEST_EXPLICIT), lnk(7, BACKTEST_EXPLICIT)};
	struct backtest_outcome o[4];
	for (int i = 0; i < 4; i++)
		o[i] = oc(50 + i, BACKTEST_INCIDENT, 2, e + DAY, &l[i], 1);
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 7, o, 4, &p, &r);
	const struct backtest_exposure *any = &r.exposures[BACKTEST_ANY];
	assert_table(any, 1, 1, 3, 2);
	assert_table(&r.hindsight, 3, 1, 1, 2);
	assert_int_equal(any->labels_before, 2);
	assert_int_equal(any->labels_after, 3);
	assert_int_equal(any->changes_only_after, 2);
	assert_int_equal(r.exposures[1 + IO_CAT_DATA].labels_after, 3);
	assert_int_equal(any->lead.n, 1);
	assert_close(any->lead.median, 86400 + 3600, 0, 0);
	assert_string_equal(r.hindsight.reason[BACKTEST_FIG_LEAD_TIME],
			    "lead times use labels made before the outcome only");
	/* missed: 3 and 7 (labelled only afterwards) and 4 */
	assert_int_equal(r.n_missed, 3);
	assert_true(r.missed[0].changes[0].labelled_after);  /* outcome 51, change 3 */
	assert_false(r.missed[1].changes[0].labelled_after); /* outcome 52, change 4 */
	assert_true(r.missed[2].changes[0].labelled_after);  /* outcome 53, change 7 */
	assert_reference(&r, "hindsight", "any_with_labels_after_outcome");
	cJSON *j = backtest_to_json(&r);
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "counts");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(k, "labels_after_outcome")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(k, "labels_before_outcome")->valueint, 2);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

static void test_follow_up_links_are_not_outcomes_unless_stated(void **state)
{
	(void)state;
	struct backtest_change c[2] = {chg(1, IMPACT_LOW, T0 + DAY, NULL, 0),
				       chg(2, IMPACT_LOW, T0 + DAY, NULL, 0)};
	struct backtest_link l[1] = {lnk(1, BACKTEST_FOLLOW_UP)};
	struct backtest_outcome o[1] = {oc(50, BACKTEST_INCIDENT, 2, T0 + 2 * DAY, l, 1)};
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(c, 2, o, 1, &p, &r);
	assert_int_equal(r.counts.links_follow_up, 1);
	assert_int_equal(r.counts.links_counted, 0);
	assert_int_equal(r.counts.outcomes, 0);
	assert_table(&r.exposures[BACKTEST_ANY], 0, 0, 0, 2);
	assert_string_equal(r.exposures[BACKTEST_ANY].reason[BACKTEST_FIG_RECALL], "no outcomes");
	assert_int_equal(r.n_missed, 0);
	backtest_result_release(&r);

	p.follow_up_is_outcome = true;
	run_ok(c, 2, o, 1, &p, &r);
	assert_int_equal(r.counts.links_follow_up, 0);
	assert_int_equal(r.counts.outcomes, 1);
	assert_table(&r.exposures[BACKTEST_ANY], 0, 0, 1, 1);
	backtest_result_release(&r);
}

static void test_outcomes_outside_the_horizon_or_of_other_kinds_are_not_counted(void **state)
{
	(void)state;
	int64_t e = T0 + 10 * DAY, h = 30 * DAY;
	struct backtest_change c[6];
	for (int i = 0; i < 6; i++)
		c[i] = chg(i + 1, IMPACT_HIGH, e, NULL, 0);
	struct backtest_link l[6];
	for (int i = 0; i < 6; i++)
		l[i] = lnk(i + 1, BACKTEST_REGRESSION);
	struct backtest_outcome o[6] = {
		oc(50, BACKTEST_INCIDENT, 2, e - 1, &l[0], 1),		/* before effective */
		oc(51, BACKTEST_INCIDENT, 2, e, &l[1], 1),		/* at effective: counted */
		oc(52, BACKTEST_INCIDENT, 2, e + h - 1, &l[2], 1),	/* last instant: counted */
		oc(53, BACKTEST_INCIDENT, 2, e + h, &l[3], 1),		/* horizon end: not */
		oc(54, BACKTEST_NEAR_MISS, 2, e + DAY, &l[4], 1),	/* kind not selected */
		oc(55, BACKTEST_INCIDENT, 2, T0 + 300 * DAY, &l[5], 1), /* after data_end */
	};
	struct backtest_params p = params();
	p.kinds = (1u << BACKTEST_INCIDENT) | (1u << BACKTEST_ROLLBACK);
	struct backtest_result r;
	run_ok(c, 6, o, 6, &p, &r);
	assert_int_equal(r.counts.links_counted, 2);
	assert_int_equal(r.counts.links_outside_horizon, 2);
	assert_int_equal(r.counts.links_other_kind, 1);
	assert_int_equal(r.counts.outcomes, 2);
	assert_int_equal(r.counts.changes_with_outcome, 2);
	assert_table(&r.exposures[BACKTEST_ANY], 0, 0, 2, 4);
	assert_int_equal(r.n_missed, 2);
	backtest_result_release(&r);
}

static void test_window_service_and_impact_filters_select_the_scope(void **state)
{
	(void)state;
	struct backtest_change c[6] = {
		chg(1, IMPACT_HIGH, T0 - 1, NULL, 0),	     /* before the window */
		chg(2, IMPACT_HIGH, T0, NULL, 0),	     /* at from: in */
		chg(3, IMPACT_HIGH, T0 + 92 * DAY, NULL, 0), /* at to: out */
		chg(4, IMPACT_LOW, T0 + DAY, NULL, 0),	     /* impact filtered */
		chg(5, IMPACT_HIGH, RTIME_NONE, NULL, 0),    /* planned */
		chg(6, IMPACT_HIGH, T0 + DAY, NULL, 0),
	};
	c[5].service = "checkout";
	struct backtest_params p = params();
	p.impacts = 1u << IMPACT_HIGH;
	struct backtest_result r;
	run_ok(c, 6, NULL, 0, &p, &r);
	assert_int_equal(r.counts.in_scope, 2);
	backtest_result_release(&r);
	p.service = "checkout";
	run_ok(c, 6, NULL, 0, &p, &r);
	assert_int_equal(r.counts.in_scope, 1);
	/* one impact: one stratum in the JSON */
	cJSON *j = backtest_to_json(&r);
	const cJSON *strata = cJSON_GetObjectItemCaseSensitive(exposure_of(j, "any"), "strata");
	assert_int_equal(cJSON_GetArraySize(strata), 1);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

/* ---- determinism and the input hash ---- */

static void test_re_running_gives_identical_json_and_row_order_does_not_matter(void **state)
{
	(void)state;
	struct two_strata t, rev;
	two_strata_build(&t);
	two_strata_build(&rev);
	struct backtest_params p = params();
	char *first = run_json(t.changes, N(t.changes), t.outcomes, N(t.outcomes), &p);
	char *again = run_json(t.changes, N(t.changes), t.outcomes, N(t.outcomes), &p);
	assert_string_equal(first, again);
	/* reversed changes, IOs and outcomes */
	for (size_t i = 0; i < N(rev.changes) / 2; i++) {
		struct backtest_change tmp = rev.changes[i];
		rev.changes[i] = rev.changes[N(rev.changes) - 1 - i];
		rev.changes[N(rev.changes) - 1 - i] = tmp;
	}
	struct backtest_io swap = rev.ios[3][0];
	rev.ios[3][0] = rev.ios[3][1];
	rev.ios[3][1] = swap;
	for (size_t i = 0; i < N(rev.outcomes) / 2; i++) {
		struct backtest_outcome tmp = rev.outcomes[i];
		rev.outcomes[i] = rev.outcomes[N(rev.outcomes) - 1 - i];
		rev.outcomes[N(rev.outcomes) - 1 - i] = tmp;
	}
	char *reordered = run_json(rev.changes, N(rev.changes), rev.outcomes, N(rev.outcomes), &p);
	assert_string_equal(first, reordered);
	free(first);
	free(again);
	free(reordered);
}

static void hash_of(const struct two_strata *t, const struct backtest_params *p,
		    char out[HASH_HEX_LEN + 1])
{
	struct backtest_input in = {t->changes, N(t->changes), t->outcomes, N(t->outcomes)};
	struct err err;
	err_init(&err);
	assert_int_equal(backtest_input_hash(&in, p, out, &err), 0);
}

static void assert_hash_differs(const struct two_strata *t, const struct backtest_params *p,
				const char *base, const char *what)
{
	char h[HASH_HEX_LEN + 1];
	hash_of(t, p, h);
	if (strcmp(h, base) == 0) {
		print_error("the hash did not change with %s\n", what);
		fail();
	}
}

static void test_the_input_hash_changes_with_any_used_row_and_not_with_order(void **state)
{
	(void)state;
	struct two_strata t;
	struct backtest_params p = params();
	char base[HASH_HEX_LEN + 1], h[HASH_HEX_LEN + 1];
	two_strata_build(&t);
	hash_of(&t, &p, base);
	assert_int_equal(strlen(base), 64);
	struct backtest_result r;
	run_ok(t.changes, N(t.changes), t.outcomes, N(t.outcomes), &p, &r);
	assert_string_equal(r.input_hash, base);
	backtest_result_release(&r);
	/* each field of each kind of row */
	two_strata_build(&t);
	t.changes[0].key = "other";
	assert_hash_differs(&t, &p, base, "a change key");
	two_strata_build(&t);
	t.changes[3].impact = IMPACT_MEDIUM;
	assert_hash_differs(&t, &p, base, "an impact");
	two_strata_build(&t);
	t.changes[5].effective_at += 1;
	assert_hash_differs(&t, &p, base, "an effective_at");
	two_strata_build(&t);
	t.changes[6].review = REVIEW_UNREVIEWED;
	assert_hash_differs(&t, &p, base, "a review state");
	two_strata_build(&t);
	t.ios[0][0].recorded_at -= 1;
	assert_hash_differs(&t, &p, base, "a recorded_at");
	two_strata_build(&t);
	t.ios[1][0].retracted = true;
	assert_hash_differs(&t, &p, base, "a retraction");
	two_strata_build(&t);
	t.ios[2][0].labelled_after_outcome = true;
	assert_hash_differs(&t, &p, base, "a labelled_after_outcome flag");
	two_strata_build(&t);
	t.ios[3][1].status = IO_CANDIDATE;
	assert_hash_differs(&t, &p, base, "an IO status");
	two_strata_build(&t);
	t.ios[4][0].category = IO_CAT_ALIGNMENT;
	assert_hash_differs(&t, &p, base, "a category");
	two_strata_build(&t);
	t.outcomes[0].severity = 1;
	assert_hash_differs(&t, &p, base, "a severity");
	two_strata_build(&t);
	t.outcomes[1].title = "renamed";
	assert_hash_differs(&t, &p, base, "a title");
	two_strata_build(&t);
	t.outcomes[2].external_key = "#9";
	assert_hash_differs(&t, &p, base, "an external key");
	two_strata_build(&t);
	t.outcomes[3].occurred_at += 1;
	assert_hash_differs(&t, &p, base, "an occurred_at");
	two_strata_build(&t);
	t.outcomes[4].kind = BACKTEST_ROLLBACK;
	assert_hash_differs(&t, &p, base, "a kind");
	two_strata_build(&t);
	t.links[2].rule_version = "4";
	assert_hash_differs(&t, &p, base, "a rule version");
	two_strata_build(&t);
	t.links[5].how = BACKTEST_WINDOW;
	assert_hash_differs(&t, &p, base, "a link's how");
	two_strata_build(&t);
	t.links[0].change_id = 2;
	assert_hash_differs(&t, &p, base, "a link's change");
	/* the order of rows does not count */
	two_strata_build(&t);
	struct backtest_change tmp = t.changes[0];
	t.changes[0] = t.changes[14];
	t.changes[14] = tmp;
	struct backtest_outcome otmp = t.outcomes[0];
	t.outcomes[0] = t.outcomes[5];
	t.outcomes[5] = otmp;
	hash_of(&t, &p, h);
	assert_string_equal(h, base);
	/* a row outside the scope is not used */
	two_strata_build(&t);
	t.changes[0].effective_at = T0 + 150 * DAY;
	hash_of(&t, &p, h);
	t.changes[0].key = "other";
	char h2[HASH_HEX_LEN + 1];
	hash_of(&t, &p, h2);
	assert_string_equal(h, h2);
}

/* ---- random registers against the generator's implementation ---- */

struct loaded {
	struct backtest_change *changes;
	struct backtest_io *ios;
	struct backtest_outcome *outcomes;
	struct backtest_link *links;
	size_t n_changes, n_outcomes;
};

static int64_t time_of(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return RTIME_NONE;
	int64_t t;
	struct err err;
	err_init(&err);
	assert_int_equal(rtime_parse(v->valuestring, &t, &err), 0);
	return t;
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int enum_of(const struct model_names *names, const cJSON *o, const char *name)
{
	int v = model_lookup(names, str_of(o, name));
	assert_true(v >= 0);
	return v;
}

static void load_change(const cJSON *c, struct backtest_change *ch, struct backtest_io **io)
{
	ch->id = (int64_t)cJSON_GetObjectItemCaseSensitive(c, "id")->valuedouble;
	ch->service = str_of(c, "service");
	ch->key = str_of(c, "key");
	ch->impact = (enum impact)enum_of(&impact_names, c, "impact");
	ch->review = (enum review_state)enum_of(&review_names, c, "review");
	ch->effective_at = time_of(cJSON_GetObjectItemCaseSensitive(c, "effective_at"));
	ch->ios = *io;
	const cJSON *ios = cJSON_GetObjectItemCaseSensitive(c, "ios");
	for (const cJSON *i = ios->child; i; i = i->next, ch->n_ios++) {
		struct backtest_io *x = (*io)++;
		x->id = (int64_t)cJSON_GetObjectItemCaseSensitive(i, "id")->valuedouble;
		x->category = (enum io_category)enum_of(&io_category_names, i, "category");
		x->status = (enum io_status)enum_of(&io_status_names, i, "status");
		x->recorded_at = time_of(cJSON_GetObjectItemCaseSensitive(i, "recorded_at"));
		x->retracted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(i, "retracted"));
		x->labelled_after_outcome =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(i, "labelled_after_outcome"));
	}
}

static void load_outcome(const cJSON *o, struct backtest_outcome *out, struct backtest_link **l)
{
	out->id = (int64_t)cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble;
	out->kind = (enum backtest_kind)enum_of(&backtest_kind_names, o, "kind");
	out->severity = cJSON_GetObjectItemCaseSensitive(o, "severity")->valueint;
	out->occurred_at = time_of(cJSON_GetObjectItemCaseSensitive(o, "occurred_at"));
	out->title = str_of(o, "title");
	out->external_key = str_of(o, "external_key");
	out->links = *l;
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(o, "links");
	for (const cJSON *k = links->child; k; k = k->next, out->n_links++) {
		struct backtest_link *x = (*l)++;
		x->change_id =
			(int64_t)cJSON_GetObjectItemCaseSensitive(k, "change_id")->valuedouble;
		x->how = (enum backtest_how)enum_of(&backtest_how_names, k, "how");
		x->rule = str_of(k, "rule");
		x->rule_version = str_of(k, "rule_version");
	}
}

static void load_register(const cJSON *reg, struct loaded *L)
{
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(reg, "changes");
	const cJSON *outcomes = cJSON_GetObjectItemCaseSensitive(reg, "outcomes");
	L->n_changes = (size_t)cJSON_GetArraySize(changes);
	L->n_outcomes = (size_t)cJSON_GetArraySize(outcomes);
	L->changes = calloc(L->n_changes, sizeof(*L->changes));
	L->ios = calloc(L->n_changes * 4 + 1, sizeof(*L->ios));
	L->outcomes = calloc(L->n_outcomes, sizeof(*L->outcomes));
	L->links = calloc(L->n_outcomes * 2 + 1, sizeof(*L->links));
	struct backtest_io *io = L->ios;
	size_t i = 0;
	for (const cJSON *c = changes->child; c; c = c->next)
		load_change(c, &L->changes[i++], &io);
	struct backtest_link *l = L->links;
	i = 0;
	for (const cJSON *o = outcomes->child; o; o = o->next)
		load_outcome(o, &L->outcomes[i++], &l);
}

static void loaded_free(struct loaded *L)
{
	free(L->changes);
	free(L->ios);
	free(L->outcomes);
	free(L->links);
}

static void test_random_registers_match_the_reference_implementation(void **state)
{
	(void)state;
	cJSON *root = vectors_load("backtest");
	const cJSON *regs = cJSON_GetObjectItemCaseSensitive(root, "registers");
	assert_true(cJSON_GetArraySize(regs) >= 5);
	for (const cJSON *reg = regs->child; reg; reg = reg->next) {
		const char *name = str_of(reg, "name");
		struct loaded L;
		load_register(reg, &L);
		struct backtest_params p;
		struct err err;
		err_init(&err);
		const cJSON *pj = cJSON_GetObjectItemCaseSensitive(reg, "parameters");
		assert_int_equal(backtest_params_from_json(pj, T0 + 365 * DAY, &p, &err), 0);
		struct backtest_result r;
		run_ok(L.changes, L.n_changes, L.outcomes, L.n_outcomes, &p, &r);
		cJSON *got = backtest_to_json(&r);
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(reg, "expected");
		assert_matches(got, want, false, name);
		/* the stored parameters read back to the same parameters */
		cJSON *again = cJSON_GetObjectItemCaseSensitive(got, "parameters");
		struct backtest_params q;
		assert_int_equal(backtest_params_from_json(again, T0 + 365 * DAY, &q, &err), 0);
		cJSON *qj = backtest_params_to_json(&q);
		char *a = json_print(again), *b = json_print(qj);
		assert_string_equal(a, b);
		free(a);
		free(b);
		cJSON_Delete(qj);
		cJSON_Delete(got);
		backtest_result_release(&r);
		loaded_free(&L);
	}
	cJSON_Delete(root);
}

/* The input hash's text written directly equals the JCS of the rows as a JSON tree (the
 * definition), and the hash is its SHA-256. */
static void assert_hash_text_is_jcs(const struct backtest_input *in,
				    const struct backtest_params *p, const char *what)
{
	struct bt_scope s;
	bt_scope(in, p, &s);
	struct err err;
	err_init(&err);
	cJSON *tree = bt_hash_rows_json(in, p, &s);
	char *want = jcs_canonicalize(tree, &err);
	char *got = bt_hash_text(in, p, &s, &err);
	assert_non_null(want);
	assert_non_null(got);
	if (strcmp(want, got) != 0) {
		size_t i = 0;
		while (want[i] && want[i] == got[i])
			i++;
		print_error("%s: canonical texts differ at byte %zu: ...%.60s vs ...%.60s\n", what,
			    i, want + (i > 20 ? i - 20 : 0), got + (i > 20 ? i - 20 : 0));
		fail();
	}
	char direct[HASH_HEX_LEN + 1], text[HASH_HEX_LEN + 1];
	assert_int_equal(backtest_input_hash(in, p, direct, &err), 0);
	hash_sha256_hex(want, strlen(want), text);
	assert_string_equal(direct, text);
	free(want);
	free(got);
	cJSON_Delete(tree);
	bt_scope_release(&s);
}

static void test_the_hashed_text_is_the_jcs_of_the_rows(void **state)
{
	(void)state;
	struct two_strata t;
	two_strata_build(&t);
	struct backtest_params p = params();
	struct backtest_input in = {t.changes, N(t.changes), t.outcomes, N(t.outcomes)};
	assert_hash_text_is_jcs(&in, &p, "two strata");
	/* strings that need escapes, non-ASCII text, a null severity and key, big ids */
	struct backtest_io ios[2] = {io_at(INT64_C(9007199254740991), IO_CAT_OPTIONALITY, T0),
				     {7, IO_CAT_DATA, IO_CANDIDATE, T0 - DAY, true, true}};
	struct backtest_change c[2] = {
		chg(1, IMPACT_MEDIUM, T0 + DAY, ios, 2),
		chg(INT64_C(4503599627370497), IMPACT_HIGH, T0 + DAY, NULL, 0)};
	c[0].key = "quote \" back \\ tab \t nl \n cr \r ff \f bs \b bell \a del \x7f";
	c[1].service = "svc";
	c[1].key = "caf\xC3\xA9 \xF0\x9F\x90\x88 \xE2\x80\x94";
	struct backtest_link l[3] = {{1, BACKTEST_REVERT, "git", "12"},
				     {INT64_C(4503599627370497), BACKTEST_WINDOW, NULL, NULL},
				     {1, BACKTEST_EXPLICIT, NULL, NULL}};
	struct backtest_outcome o[2] = {oc(5, BACKTEST_INCIDENT, 0, T0 + 2 * DAY, l, 3),
					oc(3, BACKTEST_ROLLBACK, 2, T0 + 3 * DAY, l, 1)};
	o[0].title = "t\xC3\xAFtle \x01";
	o[0].external_key = NULL;
	o[1].external_key = "#12";
	struct backtest_input odd = {c, N(c), o, N(o)};
	p.population = BACKTEST_POP_ALL;
	assert_hash_text_is_jcs(&odd, &p, "odd strings");
	/* the vectors' random registers */
	cJSON *root = vectors_load("backtest");
	const cJSON *regs = cJSON_GetObjectItemCaseSensitive(root, "registers");
	for (const cJSON *reg = regs->child; reg; reg = reg->next) {
		struct loaded L;
		load_register(reg, &L);
		struct backtest_params q;
		struct err err;
		err_init(&err);
		const cJSON *pj = cJSON_GetObjectItemCaseSensitive(reg, "parameters");
		assert_int_equal(backtest_params_from_json(pj, T0 + 365 * DAY, &q, &err), 0);
		struct backtest_input rin = {L.changes, L.n_changes, L.outcomes, L.n_outcomes};
		assert_hash_text_is_jcs(&rin, &q, str_of(reg, "name"));
		loaded_free(&L);
	}
	cJSON_Delete(root);
}

/* ---- parameters and errors ---- */

/* Parses json as parameters at now = T0 + 200d. The strings of p borrow from the body, kept
 * until the next call. */
static int params_parse(const char *json, struct backtest_params *p, struct err *err)
{
	static cJSON *body;
	cJSON_Delete(body);
	body = cJSON_Parse(json);
	assert_non_null(body);
	err_init(err);
	return backtest_params_from_json(body, T0 + 200 * DAY, p, err);
}

static void test_parameters_read_a_quarter_or_a_window_with_defaults(void **state)
{
	(void)state;
	struct backtest_params p;
	struct err err;
	assert_int_equal(params_parse("{\"quarter\":\"2026Q3\"}", &p, &err), 0);
	assert_int_equal(p.from, T0);
	assert_int_equal(p.to, T0 + 92 * DAY);
	assert_int_equal(p.horizon, 30 * 86400);
	assert_int_equal(p.data_end, T0 + 200 * DAY);
	assert_int_equal(p.kinds, 7);
	assert_int_equal(p.impacts, 7);
	assert_null(p.service);
	assert_int_equal(p.population, BACKTEST_POP_REVIEWED);
	assert_false(p.include_candidates);
	assert_false(p.follow_up_is_outcome);
	assert_int_equal(
		params_parse("{\"from\":\"2026-07-01T00:00:00Z\",\"to\":\"2026-08-01T00:00:"
			     "00+02:00\",\"horizon\":\"2w\",\"outcomes\":[\"incident\","
			     "\"rollback\"],\"impact\":\"high\",\"service\":\"api\","
			     "\"include_candidates\":true,\"population\":\"all\","
			     "\"follow_up_is_outcome\":true,\"data_end\":\"2026-09-01T00:"
			     "00:00Z\"}",
			     &p, &err),
		0);
	assert_int_equal(p.to, T0 + 31 * DAY - 2 * HOUR);
	assert_int_equal(p.horizon, 14 * 86400);
	assert_int_equal(p.kinds, (1u << BACKTEST_INCIDENT) | (1u << BACKTEST_ROLLBACK));
	assert_int_equal(p.impacts, 1u << IMPACT_HIGH);
	assert_string_equal(p.service, "api");
	assert_int_equal(p.data_end, T0 + 62 * DAY);
	assert_true(p.include_candidates && p.follow_up_is_outcome);
	assert_int_equal(p.population, BACKTEST_POP_ALL);
}

static void test_bad_parameters_are_each_reported(void **state)
{
	(void)state;
	struct backtest_params p;
	struct err err;
	assert_int_equal(params_parse("{\"quarter\":\"2026Q3\",\"from\":\"2026-07-01T00:00:00Z\"}",
				      &p, &err),
			 -1);
	assert_string_equal(err.details[0].field, "quarter");
	assert_int_equal(params_parse("{\"quarter\":\"2026Q5\"}", &p, &err), -1);
	assert_int_equal(params_parse("{\"from\":\"2026-07-01T00:00:00Z\"}", &p, &err), -1);
	assert_string_equal(err.details[0].field, "to");
	assert_int_equal(params_parse("{\"quarter\":\"2026Q3\",\"horizon\":\"30\",\"outcomes\":[],"
				      "\"impact\":\"huge\",\"population\":\"some\",\"bogus\":1,"
				      "\"include_candidates\":\"yes\",\"data_end\":"
				      "\"2027-06-01T00:00:00Z\"}",
				      &p, &err),
			 -1);
	assert_err(&err, ERR_INVALID, NULL);
	assert_int_equal(err.n_details, 7);
	assert_int_equal(params_parse("{\"quarter\":\"2026Q3\",\"horizon\":\"0s\"}", &p, &err), -1);
	assert_string_equal(err.details[0].field, "horizon");
	assert_int_equal(params_parse("{\"from\":\"2026-07-02T00:00:00Z\",\"to\":\"2026-07-01T00:"
				      "00:00Z\"}",
				      &p, &err),
			 -1);
	assert_int_equal(
		params_parse("{\"quarter\":\"2026Q3\",\"outcomes\":[\"outage\"]}", &p, &err), -1);
}

static void test_invalid_rows_are_refused(void **state)
{
	(void)state;
	struct backtest_params p = params();
	struct backtest_change c[2] = {chg(1, IMPACT_LOW, T0 + DAY, NULL, 0),
				       chg(1, IMPACT_LOW, T0 + DAY, NULL, 0)};
	struct backtest_input in = {c, 2, NULL, 0};
	struct backtest_result r;
	struct err err;
	err_init(&err);
	assert_int_equal(backtest_run(&in, &p, &r, &err), -1);
	assert_err(&err, ERR_INVALID, "duplicate change id 1");
	backtest_result_release(&r);
	c[1].id = 2;
	struct backtest_outcome o[1] = {oc(50, BACKTEST_INCIDENT, 5, T0, NULL, 0)};
	/* 0 (not recorded) is allowed; 5 is not */
	in.outcomes = o;
	in.n_outcomes = 1;
	err_init(&err);
	assert_int_equal(backtest_run(&in, &p, &r, &err), -1);
	assert_err(&err, ERR_INVALID, "severity");
	o[0].severity = 1;
	c[0].key = "bad \xff key"; /* not UTF-8: the hash refuses it */
	err_init(&err);
	assert_int_equal(backtest_run(&in, &p, &r, &err), -1);
	assert_err(&err, ERR_INVALID, "UTF-8");
	c[0].key = "good";
	p.horizon = 0;
	err_init(&err);
	assert_int_equal(backtest_run(&in, &p, &r, &err), -1);
	assert_string_equal(err.details[0].field, "horizon");
}

/* ---- reports ---- */

static char *two_strata_report(int level, struct backtest_result *r, cJSON **j)
{
	static struct two_strata t;
	two_strata_build(&t);
	t.outcomes[5].title = "db | cache *down*\nagain";
	t.outcomes[5].external_key = "#77";
	struct backtest_params p = params();
	run_ok(t.changes, N(t.changes), t.outcomes, N(t.outcomes), &p, r);
	*j = backtest_to_json(r);
	struct err err;
	err_init(&err);
	char *md = backtest_to_markdown(*j, level, &err);
	assert_non_null(md);
	return md;
}

static void test_the_markdown_report_opens_with_the_missed_outcomes(void **state)
{
	(void)state;
	struct backtest_result r;
	cJSON *j;
	char *md = two_strata_report(1, &r, &j);
	assert_true(strncmp(md, "# Backtest of the IO register against outcomes\n", 47) == 0);
	const char *missed = strstr(md, "\n## Outcomes the register missed\n");
	const char *headline = strstr(md, "\n## Headline");
	assert_non_null(missed);
	assert_non_null(headline);
	assert_true(missed < headline);
	assert_true(missed < strstr(md, "\n## Population"));
	/* the worst first, record text escaped for the table */
	const char *row206 =
		strstr(md, "| 206 (\\#77) | incident | sev1 | 2026-07-20 | db \\| cache "
			   "\\*down\\* again | api:c15 (id 15) | high | explicit | no |");
	const char *row202 = strstr(md, "| 202 | rollback | sev2 |");
	assert_non_null(row206);
	assert_non_null(row202);
	assert_true(row206 < row202 && row202 < headline);
	assert_non_null(strstr(md, "| any IO | 4 / 7 | 2 / 8 | 57.1% | 25.0% |"));
	/* every null figure and why */
	assert_non_null(strstr(md, "\n## Figures not reported\n"));
	assert_non_null(strstr(md, "- alignment: risk_exposed, risk_ratio, odds_ratio, fisher_p, "
				   "holm_p, mh_odds_ratio, precision, lead_time \xE2\x80\x94 no "
				   "exposed changes\n"));
	assert_non_null(strstr(md, "- any IO: holm_p \xE2\x80\x94 not in the Holm family"));
	assert_non_null(strstr(md, "input hash: `"));
	assert_non_null(strstr(md, "| any IO | 4 | 3.5 d | 2.0 d | 7.0 d |"));
	free(md);
	/* embedded one level down (the pilot report) */
	md = backtest_to_markdown(j, 2, NULL);
	assert_true(strncmp(md, "## Backtest", 11) == 0);
	assert_non_null(strstr(md, "\n### Outcomes the register missed\n"));
	free(md);
	cJSON_Delete(j);
	backtest_result_release(&r);
	struct err err;
	err_init(&err);
	cJSON *empty = cJSON_CreateObject();
	assert_null(backtest_to_markdown(empty, 1, &err));
	assert_err(&err, ERR_INVALID, "not a backtest");
	cJSON_Delete(empty);
}

static void test_the_markdown_report_says_when_nothing_was_missed(void **state)
{
	(void)state;
	struct backtest_params p = params();
	struct backtest_result r;
	run_ok(NULL, 0, NULL, 0, &p, &r);
	cJSON *j = backtest_to_json(&r);
	char *md = backtest_to_markdown(j, 1, NULL);
	assert_non_null(strstr(md, "None: no outcome was counted."));
	assert_non_null(strstr(md, "no changes in the population"));
	free(md);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

static void test_csv_has_a_row_per_exposure_with_empty_nulls_and_reasons(void **state)
{
	(void)state;
	struct backtest_result r;
	cJSON *j;
	char *md = two_strata_report(1, &r, &j);
	free(md);
	struct err err;
	err_init(&err);
	char *csv = backtest_to_csv(j, &err);
	assert_non_null(csv);
	int lines = 0;
	for (const char *c = csv; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 1 + BACKTEST_N_EXPOSURES + 1);
	assert_true(strncmp(csv, "exposure,exposed,unexposed,a,b,c,d,risk_exposed,", 48) == 0);
	assert_non_null(strstr(csv, "\r\nany,7,8,4,3,2,6,0.5714285714285714,0.25,"));
	assert_non_null(
		strstr(csv, "\r\nalignment,0,15,0,0,6,9,,0.4,,,,,,,,,false,,,,,,,2,1,,,,0,0,"));
	assert_non_null(strstr(csv, ",risk_exposed: no exposed changes; risk_ratio: no exposed "
				    "changes;"));
	assert_non_null(strstr(csv, "\r\nany_with_labels_after_outcome,"));
	free(csv);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

int main(void)
{
	core_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_two_impact_strata_give_the_hand_derived_tables_and_reference_figures),
		cmocka_unit_test(
			test_missed_outcomes_are_listed_most_severe_first_with_their_links),
		cmocka_unit_test(
			test_an_outcome_tied_to_an_exposed_and_an_unexposed_change_is_missed_once),
		cmocka_unit_test(test_a_zero_cell_uses_the_haldane_anscombe_correction),
		cmocka_unit_test(
			test_no_exposed_changes_gives_null_figures_with_reasons_never_zero),
		cmocka_unit_test(test_all_changes_exposed_leaves_the_unexposed_figures_null),
		cmocka_unit_test(test_an_empty_population_reports_every_figure_null),
		cmocka_unit_test(test_censored_horizons_are_excluded_and_counted),
		cmocka_unit_test(
			test_unreviewed_changes_are_excluded_and_counted_unless_population_all),
		cmocka_unit_test(test_candidates_expose_only_with_include_candidates),
		cmocka_unit_test(test_retracted_ios_are_ignored_and_counted),
		cmocka_unit_test(test_labels_after_the_outcome_are_kept_apart),
		cmocka_unit_test(test_follow_up_links_are_not_outcomes_unless_stated),
		cmocka_unit_test(
			test_outcomes_outside_the_horizon_or_of_other_kinds_are_not_counted),
		cmocka_unit_test(test_window_service_and_impact_filters_select_the_scope),
		cmocka_unit_test(
			test_re_running_gives_identical_json_and_row_order_does_not_matter),
		cmocka_unit_test(test_the_input_hash_changes_with_any_used_row_and_not_with_order),
		cmocka_unit_test(test_random_registers_match_the_reference_implementation),
		cmocka_unit_test(test_the_hashed_text_is_the_jcs_of_the_rows),
		cmocka_unit_test(test_parameters_read_a_quarter_or_a_window_with_defaults),
		cmocka_unit_test(test_bad_parameters_are_each_reported),
		cmocka_unit_test(test_invalid_rows_are_refused),
		cmocka_unit_test(test_an_outcome_without_a_severity_is_null_and_listed_last),
		cmocka_unit_test(test_the_markdown_report_opens_with_the_missed_outcomes),
		cmocka_unit_test(test_the_markdown_report_says_when_nothing_was_missed),
		cmocka_unit_test(test_csv_has_a_row_per_exposure_with_empty_nulls_and_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
