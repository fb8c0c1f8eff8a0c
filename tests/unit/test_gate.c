/* Unit tests for core/gate: which policies apply, each kind's evaluation,
 * the common bypass rule, scopes and verdicts, finding a gate by id, and the
 * status JSON. Policies are built by hand so these tests do not depend on the
 * YAML loader. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "gate.h"
#include "json.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
#define MINUTE (60 * USEC)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
/* 2026-12-03T17:55:27Z */
#define NOW (INT64_C(1796320527) * USEC)

/* Test records borrow string literals; nothing here frees them. */
#define S(lit) ((char *)(lit))

#define MAX_POLICIES 4
#define MAX_GATES 8

/* A change, its applicable policies and its records, and the status evaluated
 * from them. */
struct world {
	struct policy_version pv[MAX_POLICIES];
	struct gate_def gates[MAX_POLICIES][MAX_GATES];
	size_t n_pv;
	struct gate_subject subject;
	struct gate_result results[16];
	size_t n_results;
	struct gate_approval approvals[16];
	size_t n_approvals;
	struct gate_bypass bypasses[8];
	size_t n_bypasses;
	struct drill drills[8];
	size_t n_drills;
	struct gate_status st;
};

/* A planned high-impact change of service checkout by alice, created by ci. */
static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->subject.change_id = 42;
	w->subject.service = "checkout";
	w->subject.impact = IMPACT_HIGH;
	w->subject.state = CHANGE_PLANNED;
	w->subject.effective_at = RTIME_NONE;
	w->subject.author = "alice";
	w->subject.created_by = "ci";
	w->subject.categories = 0;
}

static void world_done(struct world *w)
{
	gate_status_release(&w->st);
}

static void make_effective(struct world *w, int64_t at)
{
	w->subject.state = CHANGE_EFFECTIVE;
	w->subject.effective_at = at;
}

/* A policy applying to every change, version 1. */
static struct policy_version *add_policy(struct world *w, const char *name)
{
	assert_true(w->n_pv < MAX_POLICIES);
	struct policy_version *pv = &w->pv[w->n_pv];
	memset(pv, 0, sizeof(*pv));
	pv->policy.name = S(name);
	pv->policy.gates = w->gates[w->n_pv];
	pv->policy.bypass_roles = 1u << ROLE_RELEASE_MANAGER;
	pv->policy.bypass_max_expiry = POLICY_DEFAULT_MAX_EXPIRY;
	pv->version = 1;
	memset(pv->sha256, 'a', 64);
	w->n_pv++;
	return pv;
}

/* A required gate with every kind-specific key absent. */
static struct gate_def *add_gate(struct policy_version *pv, const char *id, enum gate_kind kind,
				 enum gate_phase phase)
{
	assert_true(pv->policy.n_gates < MAX_GATES);
	struct gate_def *g = &pv->policy.gates[pv->policy.n_gates++];
	memset(g, 0, sizeof(*g));
	g->id = S(id);
	g->kind = kind;
	g->phase = phase;
	g->required = 1;
	g->max_lag = -1;
	g->within = -1;
	g->rto = -1;
	g->rpo = -1;
	g->expected_sign = 1;
	return g;
}

static struct gate_def *add_evaluation(struct policy_version *pv, const char *id,
				       enum gate_phase phase, int64_t max_lag_s)
{
	struct gate_def *g = add_gate(pv, id, GATE_EVALUATION, phase);
	g->max_lag = max_lag_s;
	return g;
}

/* A pre drill gate: within 30d, rto 1h, rpo 15m. */
static struct gate_def *add_drill_gate(struct policy_version *pv, const char *id)
{
	struct gate_def *g = add_gate(pv, id, GATE_DRILL, PHASE_PRE);
	g->within = 30 * 86400;
	g->rto = 3600;
	g->rpo = 900;
	return g;
}

static struct gate_def *add_approval_gate(struct policy_version *pv, const char *id, int approvals,
					  unsigned roles)
{
	struct gate_def *g = add_gate(pv, id, GATE_APPROVAL, PHASE_PRE);
	g->approvals = approvals;
	g->roles = roles;
	return g;
}

static void add_result(struct world *w, int64_t id, const char *gate, int pass, int64_t at)
{
	struct gate_result *r = &w->results[w->n_results++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->gate = S(gate);
	r->pass = pass;
	r->recorded_at = at;
	r->recorded_by = S("ci");
}

static void add_approval(struct world *w, int64_t id, const char *gate, const char *approver,
			 const char *role, int64_t at)
{
	struct gate_approval *a = &w->approvals[w->n_approvals++];
	a->id = id;
	a->gate = S(gate);
	a->approver = S(approver);
	a->role = S(role);
	a->approved_at = at;
}

static struct gate_bypass *add_bypass(struct world *w, int64_t id, const char *gate, int64_t at,
				      int64_t expires_at, enum gate_state state_at_bypass)
{
	struct gate_bypass *b = &w->bypasses[w->n_bypasses++];
	b->id = id;
	b->gate = S(gate);
	b->reason = S("hotfix for incident 7");
	b->by = S("rita");
	b->role = S("release-manager");
	b->at = at;
	b->expires_at = expires_at;
	b->state_at_bypass = state_at_bypass;
	return b;
}

/* A drill of service: rto 40m and rpo 5m against targets of 1h and 15m. */
static struct drill *add_drill(struct world *w, int64_t id, const char *service,
			       int64_t performed_at, enum drill_outcome outcome)
{
	struct drill *d = &w->drills[w->n_drills++];
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->service = S(service);
	d->performed_at = performed_at;
	d->rto_target = 3600;
	d->rpo_target = 900;
	d->rto_actual = 2400;
	d->rpo_actual = 300;
	d->outcome = outcome;
	d->recorded_at = performed_at + HOUR;
	d->recorded_by = S("oscar");
	return d;
}

/* Evaluates w at now in scope into w->st (released first). */
static void evaluate(struct world *w, enum gate_scope scope, int64_t now)
{
	gate_status_release(&w->st);
	struct gate_records r = {
		w->results,  w->n_results,  w->approvals, w->n_approvals,
		w->bypasses, w->n_bypasses, w->drills,	  w->n_drills,
	};
	struct err err;
	err_init(&err);
	int rc = gate_evaluate(w->pv, w->n_pv, &w->subject, &r, scope, now, &w->st, &err);
	if (rc != 0) {
		print_error("gate_evaluate failed: %s\n", err.message);
		fail();
	}
}

/* The evaluated gate with full id; fails the test when it is not listed. */
static const struct gate_eval *gate(const struct world *w, const char *id)
{
	for (size_t i = 0; i < w->st.n_gates; i++)
		if (strcmp(w->st.gates[i].id, id) == 0)
			return &w->st.gates[i];
	print_error("gate \"%s\" is not listed\n", id);
	fail();
	return NULL;
}

static void assert_gate(const struct world *w, const char *id, enum gate_state state,
			const char *reason)
{
	const struct gate_eval *e = gate(w, id);
	assert_string_equal(model_name(&gate_state_names, (int)e->state),
			    model_name(&gate_state_names, (int)state));
	if (reason)
		assert_string_equal(e->reason, reason);
}

static void assert_verdict(const struct world *w, enum gate_verdict v)
{
	assert_string_equal(model_name(&gate_verdict_names, (int)w->st.verdict),
			    model_name(&gate_verdict_names, (int)v));
}

/* ---- which policies apply ---- */

static void test_a_policy_whose_applies_to_does_not_match_contributes_no_gates(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *low = add_policy(&w, "low-only");
	low->policy.impacts = 1u << IMPACT_LOW;
	add_evaluation(low, "eval", PHASE_PRE, -1);
	struct policy_version *high = add_policy(&w, "high-only");
	high->policy.impacts = 1u << IMPACT_HIGH;
	add_approval_gate(high, "two-person", 1, 1u << ROLE_RELEASE_MANAGER);
	evaluate(&w, SCOPE_ALL, NOW);
	assert_int_equal(w.st.n_policies, 1);
	assert_ptr_equal(w.st.policies[0], &w.pv[1]);
	assert_int_equal(w.st.n_gates, 1);
	assert_string_equal(w.st.gates[0].id, "high-only.two-person");
	world_done(&w);
}

static void test_applies_to_is_and_across_keys_and_or_within_a_list(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "release");
	pv->policy.impacts = (1u << IMPACT_MEDIUM) | (1u << IMPACT_HIGH);
	char *services[] = {S("search"), S("checkout")};
	pv->policy.services.items = services;
	pv->policy.services.n = 2;
	add_evaluation(pv, "eval", PHASE_PRE, -1);

	evaluate(&w, SCOPE_ALL, NOW); /* high and checkout: both keys match */
	assert_int_equal(w.st.n_gates, 1);
	w.subject.impact = IMPACT_MEDIUM; /* the other impact of the list */
	evaluate(&w, SCOPE_ALL, NOW);
	assert_int_equal(w.st.n_gates, 1);
	w.subject.service = "billing"; /* impact matches, service does not */
	evaluate(&w, SCOPE_ALL, NOW);
	assert_int_equal(w.st.n_gates, 0);
	assert_int_equal(w.st.n_policies, 0);
	w.subject.service = "search";
	w.subject.impact = IMPACT_LOW; /* service matches, impact does not */
	evaluate(&w, SCOPE_ALL, NOW);
	assert_int_equal(w.st.n_gates, 0);
	world_done(&w);
}

static void test_io_categories_match_when_the_change_has_any_listed_category(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "irreversible");
	pv->policy.categories = (1u << IO_CAT_DEPLOYMENT) | (1u << IO_CAT_DATA);
	add_evaluation(pv, "eval", PHASE_PRE, -1);
	evaluate(&w, SCOPE_ALL, NOW); /* no IOs */
	assert_int_equal(w.st.n_gates, 0);
	w.subject.categories = 1u << IO_CAT_EVALUATION;
	evaluate(&w, SCOPE_ALL, NOW);
	assert_int_equal(w.st.n_gates, 0);
	w.subject.categories |= 1u << IO_CAT_DATA;
	evaluate(&w, SCOPE_ALL, NOW);
	assert_int_equal(w.st.n_gates, 1);
	world_done(&w);
}

static void test_no_applicable_policies_is_clear_with_zero_gates(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_int_equal(w.st.n_gates, 0);
	assert_int_equal(w.st.n_policies, 0);
	assert_verdict(&w, VERDICT_CLEAR);
	assert_int_equal(w.st.scope, SCOPE_PRE);
	assert_true(w.st.evaluated_at == NOW);
	world_done(&w);
}

/* ---- evaluation gates ---- */

static void test_evaluation_without_results_is_pending(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, 72 * 3600);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PENDING, "no result yet");
	assert_true(gate(&w, "p.eval")->due_at == RTIME_NONE); /* planned: no deadline yet */
	assert_verdict(&w, VERDICT_PENDING);
	world_done(&w);
}

static void test_evaluation_with_a_pass_result_passes_and_clears(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_result(&w, 5, "p.eval", 1, NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PASSED, "latest result is pass");
	assert_int_equal(gate(&w, "p.eval")->result_id, 5);
	assert_verdict(&w, VERDICT_CLEAR);
	world_done(&w);
}

static void test_the_latest_result_wins(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	/* listed out of order: the highest id decides, not the array order */
	add_result(&w, 9, "p.eval", 0, NOW - HOUR);
	add_result(&w, 4, "p.eval", 1, NOW - 2 * HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_FAILED, "latest result is fail");
	assert_int_equal(gate(&w, "p.eval")->result_id, 9);
	assert_verdict(&w, VERDICT_BLOCKED);
	world_done(&w);
}

static void test_results_recorded_after_now_are_ignored(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_result(&w, 1, "p.eval", 1, NOW - HOUR);
	add_result(&w, 2, "p.eval", 0, NOW + 1);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PASSED, NULL);
	assert_int_equal(gate(&w, "p.eval")->result_id, 1);
	evaluate(&w, SCOPE_DEFAULT, NOW - 2 * HOUR); /* before either */
	assert_gate(&w, "p.eval", GATE_PENDING, "no result yet");
	assert_int_equal(gate(&w, "p.eval")->result_id, 0);
	evaluate(&w, SCOPE_DEFAULT, NOW + 1); /* the fail counts from its own instant */
	assert_gate(&w, "p.eval", GATE_FAILED, NULL);
	world_done(&w);
}

static void test_results_of_a_same_named_gate_of_another_policy_do_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "a"), "eval", PHASE_PRE, -1);
	add_evaluation(add_policy(&w, "b"), "eval", PHASE_PRE, -1);
	add_result(&w, 1, "a.eval", 1, NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "a.eval", GATE_PASSED, NULL);
	assert_gate(&w, "b.eval", GATE_PENDING, "no result yet");
	world_done(&w);
}

static void test_effective_without_a_result_within_max_lag_is_overdue(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_POST, 72 * 3600);
	make_effective(&w, NOW - 4 * DAY);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_OVERDUE, "no result within 3d of effective_at");
	assert_true(gate(&w, "p.eval")->due_at == NOW - 4 * DAY + 72 * HOUR);
	assert_verdict(&w, VERDICT_BLOCKED);
	world_done(&w);
}

static void test_effective_before_the_deadline_is_pending_with_the_due_time(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_POST, 72 * 3600);
	make_effective(&w, NOW - 2 * DAY);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PENDING, "no result yet; due 2026-12-04T17:55:27.000000Z");
	assert_true(gate(&w, "p.eval")->due_at == NOW + DAY);
	assert_verdict(&w, VERDICT_PENDING);
	/* the deadline itself is overdue; one microsecond before it is not */
	evaluate(&w, SCOPE_DEFAULT, NOW + DAY - 1);
	assert_gate(&w, "p.eval", GATE_PENDING, NULL);
	evaluate(&w, SCOPE_DEFAULT, NOW + DAY);
	assert_gate(&w, "p.eval", GATE_OVERDUE, NULL);
	world_done(&w);
}

static void test_a_late_result_decides_an_overdue_gate(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_POST, 3600);
	make_effective(&w, NOW - DAY);
	add_result(&w, 3, "p.eval", 1, NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PASSED, "latest result is pass");
	assert_true(gate(&w, "p.eval")->due_at == NOW - DAY + HOUR);
	world_done(&w);
}

static void test_evaluation_without_max_lag_stays_pending_once_effective(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_POST, -1);
	make_effective(&w, NOW - 400 * DAY);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PENDING, "no result yet");
	assert_true(gate(&w, "p.eval")->due_at == RTIME_NONE);
	world_done(&w);
}

/* ---- drill gates ---- */

static void test_a_passing_drill_inside_the_window_passes(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	add_drill(&w, 11, "checkout", NOW - 3 * DAY, DRILL_RESTORED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PASSED, "drill 11 of checkout passed (rto 40m, rpo 5m)");
	assert_int_equal(gate(&w, "p.drill")->drill_id, 11);
	assert_verdict(&w, VERDICT_CLEAR);
	world_done(&w);
}

static void test_the_drill_window_includes_both_ends(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	struct drill *d = add_drill(&w, 1, "checkout", NOW - 30 * DAY, DRILL_RESTORED);
	d->recorded_at = NOW - 30 * DAY;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PASSED, NULL);
	d->performed_at = NOW - 30 * DAY - 1;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "no drill of checkout in the 4w2d before now");
	d->performed_at = NOW;
	d->recorded_at = NOW;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PASSED, NULL);
	world_done(&w);
}

static void test_a_drill_outside_the_window_leaves_a_planned_change_pending(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	add_drill(&w, 1, "checkout", NOW - 31 * DAY, DRILL_RESTORED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "no drill of checkout in the 4w2d before now");
	assert_int_equal(gate(&w, "p.drill")->drill_id, 0);
	assert_verdict(&w, VERDICT_PENDING);
	world_done(&w);
}

static void test_once_effective_a_drill_outside_the_window_fails_the_gate(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	make_effective(&w, NOW - 10 * DAY);
	/* before the window, and after effective_at: neither counts */
	add_drill(&w, 1, "checkout", NOW - 41 * DAY, DRILL_RESTORED);
	add_drill(&w, 2, "checkout", NOW - 9 * DAY, DRILL_RESTORED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_FAILED,
		    "no drill of checkout in the 4w2d before effective_at");
	assert_verdict(&w, VERDICT_BLOCKED);
	/* a drill inside the window before effective_at passes it */
	add_drill(&w, 3, "checkout", NOW - 12 * DAY, DRILL_RESTORED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PASSED, NULL);
	assert_int_equal(gate(&w, "p.drill")->drill_id, 3);
	world_done(&w);
}

static void test_a_drill_worse_than_the_gates_rto_or_rpo_does_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	struct drill *d = add_drill(&w, 4, "checkout", NOW - DAY, DRILL_RESTORED);
	/* passed against its own targets, but the gate asks rto 1h */
	d->rto_target = 3 * 3600;
	d->rto_actual = 2 * 3600;
	assert_true(drill_passed(d, NULL));
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING,
		    "drill 4 of checkout did not count: rto 2h exceeds the gate's 1h");
	assert_int_equal(gate(&w, "p.drill")->drill_id, 4);
	d->rto_actual = 3600; /* exactly the gate's rto counts */
	d->rpo_target = 3600;
	d->rpo_actual = 1800;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING,
		    "drill 4 of checkout did not count: rpo 30m exceeds the gate's 15m");
	d->rpo_actual = 900;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PASSED, "drill 4 of checkout passed (rto 1h, rpo 15m)");
	world_done(&w);
}

static void test_aborted_failed_and_unmeasured_drills_do_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	struct drill *d = add_drill(&w, 6, "checkout", NOW - DAY, DRILL_ABORTED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "drill 6 of checkout did not count: aborted");
	d->outcome = DRILL_FAILED;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "drill 6 of checkout did not count: failed");
	d->outcome = DRILL_RESTORED;
	d->rpo_actual = -1;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "drill 6 of checkout did not count: unmeasured");
	d->rpo_actual = 300;
	d->rto_actual = 2 * 3600; /* its own target is 1h */
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "drill 6 of checkout did not count: RTO missed");
	world_done(&w);
}

static void test_a_drill_of_another_service_does_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	add_drill(&w, 1, "search", NOW - DAY, DRILL_RESTORED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PENDING, "no drill of checkout in the 4w2d before now");
	world_done(&w);
}

static void test_the_latest_passing_drill_is_the_evidence(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	add_drill(&w, 1, "checkout", NOW - 5 * DAY, DRILL_RESTORED);
	add_drill(&w, 3, "checkout", NOW - 2 * DAY, DRILL_RESTORED);
	add_drill(&w, 2, "checkout", NOW - 4 * DAY, DRILL_RESTORED);
	add_drill(&w, 4, "checkout", NOW - DAY, DRILL_ABORTED); /* a later failure does not undo */
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.drill", GATE_PASSED, NULL);
	assert_int_equal(gate(&w, "p.drill")->drill_id, 3);
	world_done(&w);
}

static void test_a_drill_recorded_after_now_is_ignored(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_drill_gate(add_policy(&w, "p"), "drill");
	add_drill(&w, 1, "checkout", NOW - DAY, DRILL_RESTORED); /* recorded NOW - 23h */
	evaluate(&w, SCOPE_DEFAULT, NOW - DAY + HOUR - 1);
	assert_gate(&w, "p.drill", GATE_PENDING, NULL);
	evaluate(&w, SCOPE_DEFAULT, NOW - DAY + HOUR);
	assert_gate(&w, "p.drill", GATE_PASSED, NULL);
	world_done(&w);
}

/* ---- approval gates ---- */

#define RM (1u << ROLE_RELEASE_MANAGER)

static void test_one_of_two_approvals_is_pending(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "two-person", 2, RM);
	add_approval(&w, 1, "p.two-person", "rita", "release-manager", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.two-person", GATE_PENDING, "1 of 2 approvals");
	const struct gate_eval *e = gate(&w, "p.two-person");
	assert_int_equal(e->n_approval_ids, 1);
	assert_int_equal(e->approval_ids[0], 1);
	assert_verdict(&w, VERDICT_PENDING);
	world_done(&w);
}

static void test_two_distinct_approvers_pass(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "two-person", 2, RM);
	add_approval(&w, 3, "p.two-person", "rita", "release-manager", NOW - 2 * HOUR);
	add_approval(&w, 8, "p.two-person", "ravi", "release-manager", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.two-person", GATE_PASSED, "2 of 2 approvals");
	const struct gate_eval *e = gate(&w, "p.two-person");
	assert_int_equal(e->n_approval_ids, 2);
	assert_int_equal(e->approval_ids[0], 3);
	assert_int_equal(e->approval_ids[1], 8);
	assert_verdict(&w, VERDICT_CLEAR);
	world_done(&w);
}

static void test_the_same_approver_twice_counts_once(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "two-person", 2, RM);
	add_approval(&w, 1, "p.two-person", "rita", "release-manager", NOW - 2 * HOUR);
	add_approval(&w, 2, "p.two-person", "rita", "release-manager", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.two-person", GATE_PENDING, "1 of 2 approvals");
	assert_int_equal(gate(&w, "p.two-person")->n_approval_ids, 1);
	assert_int_equal(gate(&w, "p.two-person")->approval_ids[0], 1);
	world_done(&w);
}

static void test_an_approval_by_a_role_not_listed_does_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "rm", 1, RM);
	add_approval(&w, 1, "p.rm", "eve", "engineer", NOW - HOUR);
	add_approval(&w, 2, "p.rm", "pete", "pipeline", NOW - HOUR);
	add_approval(&w, 3, "p.rm", "odd", "no-such-role", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.rm", GATE_PENDING, "0 of 1 approvals");
	assert_int_equal(gate(&w, "p.rm")->n_approval_ids, 0);
	world_done(&w);
}

static void test_an_admin_approval_counts_for_any_role(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "eng", 1, 1u << ROLE_ENGINEER);
	add_approval(&w, 5, "p.eng", "ada", "admin", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eng", GATE_PASSED, "1 of 1 approvals");
	assert_int_equal(gate(&w, "p.eng")->approval_ids[0], 5);
	world_done(&w);
}

static void test_the_authors_approval_does_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "rm", 1, RM);
	add_approval(&w, 1, "p.rm", "alice", "admin", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.rm", GATE_PENDING, "0 of 1 approvals");
	w.subject.author = NULL; /* no author: alice is just an admin */
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.rm", GATE_PASSED, NULL);
	world_done(&w);
}

static void test_the_creators_approval_does_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "rm", 2, RM);
	add_approval(&w, 1, "p.rm", "ci", "release-manager", NOW - HOUR);
	add_approval(&w, 2, "p.rm", "rita", "release-manager", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.rm", GATE_PENDING, "1 of 2 approvals");
	assert_int_equal(gate(&w, "p.rm")->approval_ids[0], 2);
	world_done(&w);
}

static void test_an_approval_after_now_does_not_count(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_approval_gate(add_policy(&w, "p"), "rm", 1, RM);
	add_approval(&w, 1, "p.rm", "rita", "release-manager", NOW + 1);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.rm", GATE_PENDING, "0 of 1 approvals");
	evaluate(&w, SCOPE_DEFAULT, NOW + 1);
	assert_gate(&w, "p.rm", GATE_PASSED, NULL);
	world_done(&w);
}

/* ---- coherence gates ---- */

static void test_a_coherence_gate_is_inconclusive_and_blocks(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct gate_def *g = add_gate(add_policy(&w, "p"), "agree", GATE_COHERENCE, PHASE_PRE);
	g->estimator_tuple = S("loss-dynamics");
	g->min = 0.6;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.agree", GATE_INCONCLUSIVE, "no estimator tuple store");
	assert_verdict(&w, VERDICT_BLOCKED);
	world_done(&w);
}

/* ---- bypasses ---- */

static void test_a_bypassed_failed_gate_is_clear_and_counted(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_result(&w, 1, "p.eval", 0, NOW - 2 * HOUR);
	const struct gate_bypass *b =
		add_bypass(&w, 7, "p.eval", NOW - HOUR, NOW + DAY, GATE_FAILED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_BYPASSED,
		    "bypassed by rita until 2026-12-04T17:55:27.000000Z: hotfix for incident 7");
	const struct gate_eval *e = gate(&w, "p.eval");
	assert_int_equal(e->bypass_id, 7);
	assert_int_equal(e->result_id, 1); /* the underlying evidence is kept */
	assert_verdict(&w, VERDICT_CLEAR);
	assert_true(gate_bypass_counted(b));
	world_done(&w);
}

static void test_a_passed_gate_later_bypassed_stays_passed_and_is_not_counted(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_result(&w, 1, "p.eval", 1, NOW - 2 * HOUR);
	const struct gate_bypass *b =
		add_bypass(&w, 7, "p.eval", NOW - HOUR, NOW + DAY, GATE_PASSED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_PASSED, "latest result is pass");
	assert_int_equal(gate(&w, "p.eval")->bypass_id, 0);
	assert_false(gate_bypass_counted(b));
	world_done(&w);
}

static void test_an_expired_bypass_is_honoured_nowhere_but_still_counts(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_result(&w, 1, "p.eval", 0, NOW - 3 * DAY);
	const struct gate_bypass *b =
		add_bypass(&w, 7, "p.eval", NOW - 2 * DAY, NOW - DAY, GATE_FAILED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_FAILED, "latest result is fail");
	assert_int_equal(gate(&w, "p.eval")->bypass_id, 0);
	assert_verdict(&w, VERDICT_BLOCKED);
	assert_true(gate_bypass_counted(b));
	/* while it was valid it was honoured */
	evaluate(&w, SCOPE_DEFAULT, NOW - DAY - 1);
	assert_gate(&w, "p.eval", GATE_BYPASSED, NULL);
	assert_verdict(&w, VERDICT_CLEAR);
	world_done(&w);
}

static void test_a_bypass_is_valid_from_its_time_until_just_before_expiry(void **state)
{
	(void)state;
	struct gate_bypass b = {0};
	b.at = NOW;
	b.expires_at = NOW + HOUR;
	assert_false(gate_bypass_valid_at(&b, NOW - 1));
	assert_true(gate_bypass_valid_at(&b, NOW));
	assert_true(gate_bypass_valid_at(&b, NOW + HOUR - 1));
	assert_false(gate_bypass_valid_at(&b, NOW + HOUR));
	b.expires_at = RTIME_NONE;
	assert_false(gate_bypass_valid_at(&b, NOW - 1));
	assert_true(gate_bypass_valid_at(&b, NOW));
	assert_true(gate_bypass_valid_at(&b, RTIME_MAX));
}

static void test_a_bypass_without_expiry_stays_valid(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_bypass(&w, 2, "p.eval", NOW - DAY, RTIME_NONE, GATE_PENDING);
	evaluate(&w, SCOPE_DEFAULT, NOW + 1000 * DAY);
	assert_gate(&w, "p.eval", GATE_BYPASSED,
		    "bypassed by rita (no expiry): hotfix for incident 7");
	assert_verdict(&w, VERDICT_CLEAR);
	world_done(&w);
}

static void test_a_bypass_is_not_honoured_before_it_was_made_or_on_another_gate(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "p");
	add_evaluation(pv, "eval", PHASE_PRE, -1);
	add_evaluation(pv, "other", PHASE_PRE, -1);
	add_bypass(&w, 2, "p.eval", NOW, NOW + DAY, GATE_PENDING);
	evaluate(&w, SCOPE_DEFAULT, NOW - 1);
	assert_gate(&w, "p.eval", GATE_PENDING, "no result yet");
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.eval", GATE_BYPASSED, NULL);
	assert_gate(&w, "p.other", GATE_PENDING, NULL);
	assert_verdict(&w, VERDICT_PENDING);
	world_done(&w);
}

static void test_of_several_valid_bypasses_the_latest_is_the_evidence(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	add_bypass(&w, 9, "p.eval", NOW - HOUR, NOW + DAY, GATE_PENDING);
	add_bypass(&w, 4, "p.eval", NOW - 2 * HOUR, NOW + DAY, GATE_PENDING);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_int_equal(gate(&w, "p.eval")->bypass_id, 9);
	world_done(&w);
}

static void test_a_long_bypass_reason_is_cut_at_a_character_boundary(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_evaluation(add_policy(&w, "p"), "eval", PHASE_PRE, -1);
	struct gate_bypass *b = add_bypass(&w, 1, "p.eval", NOW - HOUR, RTIME_NONE, GATE_PENDING);
	char reason[1024] = "";
	for (int i = 0; i < 300; i++) /* "é" is two bytes; the prefix makes the cut odd */
		strncat(reason, "\xc3\xa9", sizeof(reason) - strlen(reason) - 1);
	b->reason = reason;
	for (int shift = 0; shift < 2; shift++) {
		b->by = shift ? S("ritax") : S("rita");
		evaluate(&w, SCOPE_DEFAULT, NOW);
		const char *r = gate(&w, "p.eval")->reason;
		assert_true(strlen(r) < 256);
		assert_true(strlen(r) > 240);
		assert_int_equal(json_utf8_invalid_at(r, strlen(r)), -1);
	}
	world_done(&w);
}

/* ---- scopes and verdicts ---- */

/* A policy with a pre evaluation gate and a post evaluation gate. */
static void add_pre_and_post(struct world *w)
{
	struct policy_version *pv = add_policy(w, "p");
	add_evaluation(pv, "before", PHASE_PRE, -1);
	add_evaluation(pv, "after", PHASE_POST, -1);
}

static void test_the_default_scope_is_pre_while_planned(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_pre_and_post(&w);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_int_equal(w.st.scope, SCOPE_PRE);
	assert_int_equal(w.st.n_gates, 1);
	assert_string_equal(w.st.gates[0].id, "p.before");
	world_done(&w);
}

static void test_the_default_scope_is_all_once_effective(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_pre_and_post(&w);
	make_effective(&w, NOW - DAY);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_int_equal(w.st.scope, SCOPE_ALL);
	assert_int_equal(w.st.n_gates, 2);
	assert_string_equal(w.st.gates[0].id, "p.before");
	assert_string_equal(w.st.gates[1].id, "p.after");
	world_done(&w);
}

static void test_an_explicit_scope_lists_only_its_phase(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_pre_and_post(&w);
	add_result(&w, 1, "p.after", 0, NOW - HOUR); /* fails, but is not in the pre scope */
	evaluate(&w, SCOPE_POST, NOW);
	assert_int_equal(w.st.scope, SCOPE_POST);
	assert_int_equal(w.st.n_gates, 1);
	assert_string_equal(w.st.gates[0].id, "p.after");
	assert_verdict(&w, VERDICT_BLOCKED);
	evaluate(&w, SCOPE_PRE, NOW);
	assert_int_equal(w.st.n_gates, 1);
	assert_string_equal(w.st.gates[0].id, "p.before");
	assert_verdict(&w, VERDICT_PENDING);
	world_done(&w);
}

static void test_an_optional_gate_is_listed_but_never_blocks(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "p");
	add_evaluation(pv, "nice-to-have", PHASE_PRE, -1)->required = 0;
	add_gate(pv, "agree", GATE_COHERENCE, PHASE_PRE)->required = 0;
	add_result(&w, 1, "p.nice-to-have", 0, NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_int_equal(w.st.n_gates, 2);
	assert_gate(&w, "p.nice-to-have", GATE_FAILED, NULL);
	assert_gate(&w, "p.agree", GATE_INCONCLUSIVE, NULL);
	assert_verdict(&w, VERDICT_CLEAR);
	/* nor does an optional pending gate keep the verdict pending */
	w.n_results = 0;
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_gate(&w, "p.nice-to-have", GATE_PENDING, NULL);
	assert_verdict(&w, VERDICT_CLEAR);
	world_done(&w);
}

static void test_blocked_outranks_pending(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "p");
	add_evaluation(pv, "waiting", PHASE_PRE, -1);
	add_evaluation(pv, "failing", PHASE_PRE, -1);
	add_result(&w, 1, "p.failing", 0, NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_verdict(&w, VERDICT_BLOCKED);
	world_done(&w);
}

static void test_two_policies_list_both_sets_and_one_blocked_gate_blocks(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *a = add_policy(&w, "alpha");
	add_evaluation(a, "eval", PHASE_PRE, -1);
	add_approval_gate(a, "rm", 1, RM);
	struct policy_version *b = add_policy(&w, "beta");
	b->version = 3;
	add_evaluation(b, "eval", PHASE_PRE, -1);
	add_result(&w, 1, "alpha.eval", 1, NOW - HOUR);
	add_result(&w, 2, "beta.eval", 0, NOW - HOUR);
	add_approval(&w, 1, "alpha.rm", "rita", "release-manager", NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_int_equal(w.st.n_policies, 2);
	assert_int_equal(w.st.n_gates, 3);
	assert_string_equal(w.st.gates[0].id, "alpha.eval");
	assert_string_equal(w.st.gates[1].id, "alpha.rm");
	assert_string_equal(w.st.gates[2].id, "beta.eval");
	assert_ptr_equal(w.st.gates[2].pv, b);
	assert_gate(&w, "alpha.eval", GATE_PASSED, NULL);
	assert_gate(&w, "alpha.rm", GATE_PASSED, NULL);
	assert_gate(&w, "beta.eval", GATE_FAILED, NULL);
	assert_verdict(&w, VERDICT_BLOCKED);
	world_done(&w);
}

static void test_a_policy_that_no_longer_parses_blocks_every_change(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "broken");
	pv->version = 4;
	pv->parse_failed = 1;
	pv->policy.impacts = 1u << IMPACT_LOW; /* whatever it says, it applies */
	add_bypass(&w, 1, "broken.policy", NOW - HOUR, RTIME_NONE, GATE_INCONCLUSIVE);
	for (int scope = SCOPE_PRE; scope <= SCOPE_DEFAULT; scope++) {
		evaluate(&w, (enum gate_scope)scope, NOW);
		assert_int_equal(w.st.n_policies, 1);
		assert_int_equal(w.st.n_gates, 1);
		assert_gate(&w, "broken.policy", GATE_INCONCLUSIVE,
			    "stored policy version 4 no longer parses");
		assert_null(gate(&w, "broken.policy")->def);
		assert_int_equal(gate(&w, "broken.policy")->bypass_id, 0); /* fail closed */
		assert_verdict(&w, VERDICT_BLOCKED);
	}
	world_done(&w);
}

static void test_evaluation_is_reproducible_at_a_past_time(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "p");
	add_evaluation(pv, "eval", PHASE_PRE, -1);
	add_approval_gate(pv, "rm", 1, RM);
	add_result(&w, 1, "p.eval", 1, NOW - 3 * HOUR);
	add_approval(&w, 1, "p.rm", "rita", "release-manager", NOW - 2 * HOUR);
	add_result(&w, 2, "p.eval", 0, NOW - HOUR);
	evaluate(&w, SCOPE_DEFAULT, NOW - 90 * MINUTE);
	assert_verdict(&w, VERDICT_CLEAR);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	assert_verdict(&w, VERDICT_BLOCKED);
	evaluate(&w, SCOPE_DEFAULT, NOW - 150 * MINUTE);
	assert_verdict(&w, VERDICT_PENDING);
	world_done(&w);
}

/* ---- finding a gate ---- */

static void two_policies_with_a_shared_local_id(struct world *w)
{
	struct policy_version *a = add_policy(w, "alpha");
	add_evaluation(a, "eval", PHASE_PRE, -1);
	add_approval_gate(a, "rm", 1, RM);
	add_evaluation(add_policy(w, "beta"), "eval", PHASE_PRE, -1);
	evaluate(w, SCOPE_DEFAULT, NOW);
}

static void test_find_by_full_id(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	two_policies_with_a_shared_local_id(&w);
	struct err err;
	err_init(&err);
	const struct gate_eval *e = gate_status_find(&w.st, "beta.eval", &err);
	assert_non_null(e);
	assert_ptr_equal(e, &w.st.gates[2]);
	assert_false(err_is_set(&err));
	world_done(&w);
}

static void test_find_by_a_unique_local_id(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	two_policies_with_a_shared_local_id(&w);
	struct err err;
	err_init(&err);
	const struct gate_eval *e = gate_status_find(&w.st, "rm", &err);
	assert_non_null(e);
	assert_string_equal(e->id, "alpha.rm");
	world_done(&w);
}

static void test_find_by_an_ambiguous_local_id_is_invalid(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	two_policies_with_a_shared_local_id(&w);
	struct err err;
	err_init(&err);
	assert_null(gate_status_find(&w.st, "eval", &err));
	assert_err(&err, ERR_INVALID, NULL);
	assert_string_equal(
		err.message,
		"gate id \"eval\" is ambiguous (alpha.eval, beta.eval); use the full id");
	world_done(&w);
}

static void test_find_an_unknown_gate_is_not_found(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	two_policies_with_a_shared_local_id(&w);
	struct err err;
	err_init(&err);
	assert_null(gate_status_find(&w.st, "nope", &err));
	assert_err(&err, ERR_NOT_FOUND, NULL);
	assert_string_equal(err.message, "no gate \"nope\" applies to this change");
	err_init(&err);
	assert_null(gate_status_find(&w.st, "gamma.eval", &err));
	assert_err(&err, ERR_NOT_FOUND, NULL);
	err_init(&err);
	assert_null(gate_status_find(&w.st, "alpha", &err)); /* a policy name is not a gate */
	assert_err(&err, ERR_NOT_FOUND, NULL);
	world_done(&w);
}

/* ---- JSON ---- */

static void assert_json(const cJSON *item, const char *expected)
{
	char *s = json_print(item);
	if (strcmp(s, expected) != 0) {
		print_error("JSON is\n%s\nexpected\n%s\n", s, expected);
		free(s);
		fail();
	}
	free(s);
}

static void test_status_json_carries_every_field(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "release");
	pv->version = 2;
	add_evaluation(pv, "eval", PHASE_POST, 72 * 3600);
	add_approval_gate(pv, "rm", 2, RM);
	add_drill_gate(pv, "drill")->required = 0;
	make_effective(&w, NOW - DAY);
	add_approval(&w, 3, "release.rm", "rita", "release-manager", NOW - 2 * DAY);
	add_approval(&w, 4, "release.rm", "ravi", "admin", NOW - 2 * DAY);
	add_bypass(&w, 6, "release.drill", NOW - HOUR, RTIME_NONE, GATE_FAILED);
	evaluate(&w, SCOPE_DEFAULT, NOW);
	cJSON *j = gate_status_to_json(&w.st, 42);
	assert_json(j, "{\"change_id\":42,\"scope\":\"all\",\"status\":\"pending\","
		       "\"evaluated_at\":\"2026-12-03T17:55:27.000000Z\",\"policies\":[{\"name\":"
		       "\"release\",\"version\":2,\"sha256\":"
		       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}],"
		       "\"gates\":[{\"id\":\"release.eval\",\"policy\":\"release\",\"version\":2,"
		       "\"kind\":\"evaluation\",\"phase\":\"post\",\"required\":true,\"state\":"
		       "\"pending\",\"reason\":\"no result yet; due 2026-12-05T17:55:27.000000Z\","
		       "\"evidence\":null,\"due_at\":\"2026-12-05T17:55:27.000000Z\"},"
		       "{\"id\":\"release.rm\",\"policy\":\"release\",\"version\":2,\"kind\":"
		       "\"approval\",\"phase\":\"pre\",\"required\":true,\"state\":\"passed\","
		       "\"reason\":\"2 of 2 approvals\",\"evidence\":{\"approval_ids\":[3,4]},"
		       "\"due_at\":null},"
		       "{\"id\":\"release.drill\",\"policy\":\"release\",\"version\":2,\"kind\":"
		       "\"drill\",\"phase\":\"pre\",\"required\":false,\"state\":\"bypassed\","
		       "\"reason\":\"bypassed by rita (no expiry): hotfix for incident 7\","
		       "\"evidence\":{\"bypass_id\":6},\"due_at\":null}],"
		       "\"counts\":{\"pending\":1,\"passed\":1,\"failed\":0,\"overdue\":0,"
		       "\"bypassed\":1,\"inconclusive\":0}}");
	cJSON_Delete(j);
	world_done(&w);
}

static void test_status_json_of_a_broken_policy_has_no_kind_or_phase(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "broken");
	pv->parse_failed = 1;
	struct policy_version *ok = add_policy(&w, "ok");
	add_evaluation(ok, "eval", PHASE_PRE, -1);
	add_result(&w, 12, "ok.eval", 0, NOW - HOUR);
	evaluate(&w, SCOPE_PRE, NOW);
	cJSON *j = gate_status_to_json(&w.st, 7);
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(j, "gates");
	assert_int_equal(cJSON_GetArraySize(gates), 2);
	assert_json(cJSON_GetArrayItem(gates, 0),
		    "{\"id\":\"broken.policy\",\"policy\":\"broken\",\"version\":1,\"kind\":null,"
		    "\"phase\":null,\"required\":true,\"state\":\"inconclusive\",\"reason\":"
		    "\"stored policy version 1 no longer parses\",\"evidence\":null,"
		    "\"due_at\":null}");
	assert_json(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(gates, 1), "evidence"),
		    "{\"result_id\":12}");
	assert_json(cJSON_GetObjectItemCaseSensitive(j, "status"), "\"blocked\"");
	assert_json(cJSON_GetObjectItemCaseSensitive(j, "scope"), "\"pre\"");
	cJSON_Delete(j);
	world_done(&w);
}

static void test_same_person_ignores_case_and_surrounding_space(void **state)
{
	(void)state;
	assert_int_equal(gate_same_person("ana", "ana"), 1);
	assert_int_equal(gate_same_person("ana", "Ana"), 1);
	assert_int_equal(gate_same_person("ana", "  ANA \t"), 1);
	assert_int_equal(gate_same_person(" ana", "ana"), 1);
	assert_int_equal(gate_same_person("ana", "anna"), 0);
	assert_int_equal(gate_same_person("ana", "an a"), 0);
	assert_int_equal(gate_same_person("ana", ""), 0);
	assert_int_equal(gate_same_person("", ""), 0);
	assert_int_equal(gate_same_person("  ", " "), 0);
	assert_int_equal(gate_same_person("ana", NULL), 0);
	assert_int_equal(gate_same_person(NULL, "ana"), 0);
	struct gate_subject s = {.author = "Bo ", .created_by = "ci"};
	assert_int_equal(gate_is_own_change(&s, "bo"), 1);
	assert_int_equal(gate_is_own_change(&s, "CI"), 1);
	assert_int_equal(gate_is_own_change(&s, "rm1"), 0);
}

static void test_name_tables_spell_states_scopes_and_verdicts(void **state)
{
	(void)state;
	assert_int_equal(gate_state_names.count, GATE_STATE_COUNT);
	assert_string_equal(model_name(&gate_state_names, GATE_PENDING), "pending");
	assert_string_equal(model_name(&gate_state_names, GATE_OVERDUE), "overdue");
	assert_string_equal(model_name(&gate_state_names, GATE_INCONCLUSIVE), "inconclusive");
	assert_int_equal(model_lookup(&gate_state_names, "bypassed"), GATE_BYPASSED);
	assert_int_equal(gate_scope_names.count, 3);
	assert_int_equal(model_lookup(&gate_scope_names, "all"), SCOPE_ALL);
	assert_int_equal(model_lookup(&gate_scope_names, "post"), SCOPE_POST);
	assert_int_equal(gate_verdict_names.count, VERDICT_COUNT);
	assert_string_equal(model_name(&gate_verdict_names, VERDICT_BLOCKED), "blocked");
	assert_int_equal(drill_outcome_names.count, DRILL_OUTCOME_COUNT);
	assert_int_equal(model_lookup(&drill_outcome_names, "aborted"), DRILL_ABORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_a_policy_whose_applies_to_does_not_match_contributes_no_gates),
		cmocka_unit_test(test_applies_to_is_and_across_keys_and_or_within_a_list),
		cmocka_unit_test(test_io_categories_match_when_the_change_has_any_listed_category),
		cmocka_unit_test(test_no_applicable_policies_is_clear_with_zero_gates),
		cmocka_unit_test(test_evaluation_without_results_is_pending),
		cmocka_unit_test(test_evaluation_with_a_pass_result_passes_and_clears),
		cmocka_unit_test(test_the_latest_result_wins),
		cmocka_unit_test(test_results_recorded_after_now_are_ignored),
		cmocka_unit_test(test_results_of_a_same_named_gate_of_another_policy_do_not_count),
		cmocka_unit_test(test_effective_without_a_result_within_max_lag_is_overdue),
		cmocka_unit_test(test_effective_before_the_deadline_is_pending_with_the_due_time),
		cmocka_unit_test(test_a_late_result_decides_an_overdue_gate),
		cmocka_unit_test(test_evaluation_without_max_lag_stays_pending_once_effective),
		cmocka_unit_test(test_a_passing_drill_inside_the_window_passes),
		cmocka_unit_test(test_the_drill_window_includes_both_ends),
		cmocka_unit_test(test_a_drill_outside_the_window_leaves_a_planned_change_pending),
		cmocka_unit_test(test_once_effective_a_drill_outside_the_window_fails_the_gate),
		cmocka_unit_test(test_a_drill_worse_than_the_gates_rto_or_rpo_does_not_count),
		cmocka_unit_test(test_aborted_failed_and_unmeasured_drills_do_not_count),
		cmocka_unit_test(test_a_drill_of_another_service_does_not_count),
		cmocka_unit_test(test_the_latest_passing_drill_is_the_evidence),
		cmocka_unit_test(test_a_drill_recorded_after_now_is_ignored),
		cmocka_unit_test(test_one_of_two_approvals_is_pending),
		cmocka_unit_test(test_two_distinct_approvers_pass),
		cmocka_unit_test(test_the_same_approver_twice_counts_once),
		cmocka_unit_test(test_an_approval_by_a_role_not_listed_does_not_count),
		cmocka_unit_test(test_an_admin_approval_counts_for_any_role),
		cmocka_unit_test(test_the_authors_approval_does_not_count),
		cmocka_unit_test(test_the_creators_approval_does_not_count),
		cmocka_unit_test(test_an_approval_after_now_does_not_count),
		cmocka_unit_test(test_a_coherence_gate_is_inconclusive_and_blocks),
		cmocka_unit_test(test_a_bypassed_failed_gate_is_clear_and_counted),
		cmocka_unit_test(test_a_passed_gate_later_bypassed_stays_passed_and_is_not_counted),
		cmocka_unit_test(test_an_expired_bypass_is_honoured_nowhere_but_still_counts),
		cmocka_unit_test(test_a_bypass_is_valid_from_its_time_until_just_before_expiry),
		cmocka_unit_test(test_a_bypass_without_expiry_stays_valid),
		cmocka_unit_test(
			test_a_bypass_is_not_honoured_before_it_was_made_or_on_another_gate),
		cmocka_unit_test(test_of_several_valid_bypasses_the_latest_is_the_evidence),
		cmocka_unit_test(test_a_long_bypass_reason_is_cut_at_a_character_boundary),
		cmocka_unit_test(test_the_default_scope_is_pre_while_planned),
		cmocka_unit_test(test_the_default_scope_is_all_once_effective),
		cmocka_unit_test(test_an_explicit_scope_lists_only_its_phase),
		cmocka_unit_test(test_an_optional_gate_is_listed_but_never_blocks),
		cmocka_unit_test(test_blocked_outranks_pending),
		cmocka_unit_test(test_two_policies_list_both_sets_and_one_blocked_gate_blocks),
		cmocka_unit_test(test_a_policy_that_no_longer_parses_blocks_every_change),
		cmocka_unit_test(test_evaluation_is_reproducible_at_a_past_time),
		cmocka_unit_test(test_find_by_full_id),
		cmocka_unit_test(test_find_by_a_unique_local_id),
		cmocka_unit_test(test_find_by_an_ambiguous_local_id_is_invalid),
		cmocka_unit_test(test_find_an_unknown_gate_is_not_found),
		cmocka_unit_test(test_status_json_carries_every_field),
		cmocka_unit_test(test_status_json_of_a_broken_policy_has_no_kind_or_phase),
		cmocka_unit_test(test_name_tables_spell_states_scopes_and_verdicts),
		cmocka_unit_test(test_same_person_ignores_case_and_surrounding_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
