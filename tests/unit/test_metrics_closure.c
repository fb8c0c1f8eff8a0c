/* Unit tests for core/metrics_closure.c: the evaluation closure of a change
 * (evaluation, approval and drill post gates; a bypass never closes; a fail
 * then a pass closes at the fail; records after asof are ignored) and the GBR
 * inputs of metrics_change_fill (a bypass of a passed gate is not counted, a
 * ship while blocked is). Policies are built by hand. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "metrics.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
/* 2026-03-02T09:00:00Z: the change takes effect */
#define EFF (INT64_C(1772442000) * USEC)
#define ASOF (EFF + 10 * DAY)

#define S(lit) ((char *)(lit))

struct world {
	struct policy_version pv[3];
	struct gate_def gates[3][6];
	size_t n_pv;
	struct gate_subject subject;
	struct gate_result results[8];
	struct gate_approval approvals[8];
	struct gate_bypass bypasses[8];
	struct drill drills[8];
	struct gate_records r;
};

/* An effective high-impact change of service api by alice, created by ci. */
static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->subject.change_id = 7;
	w->subject.service = "api";
	w->subject.impact = IMPACT_HIGH;
	w->subject.state = CHANGE_EFFECTIVE;
	w->subject.effective_at = EFF;
	w->subject.author = "alice";
	w->subject.created_by = "ci";
	w->r.results = w->results;
	w->r.approvals = w->approvals;
	w->r.bypasses = w->bypasses;
	w->r.drills = w->drills;
}

static struct policy_version *add_policy(struct world *w, const char *name)
{
	struct policy_version *pv = &w->pv[w->n_pv];
	pv->policy.name = S(name);
	pv->policy.gates = w->gates[w->n_pv++];
	pv->policy.bypass_roles = 1u << ROLE_RELEASE_MANAGER;
	pv->version = 1;
	return pv;
}

static struct gate_def *add_gate(struct policy_version *pv, const char *id, enum gate_kind kind,
				 enum gate_phase phase)
{
	struct gate_def *g = &pv->policy.gates[pv->policy.n_gates++];
	memset(g, 0, sizeof(*g));
	g->id = S(id);
	g->kind = kind;
	g->phase = phase;
	g->required = 1;
	g->max_lag = g->within = g->rto = g->rpo = -1;
	g->expected_sign = 1;
	return g;
}

static void add_result(struct world *w, const char *gate, int pass, int64_t at)
{
	size_t i = w->r.n_results++;
	w->results[i] = (struct gate_result){(int64_t)i + 1, S(gate), pass, S("ok"), at, S("ci")};
}

static void add_approval(struct world *w, const char *gate, const char *who, int64_t at)
{
	size_t i = w->r.n_approvals++;
	w->approvals[i] =
		(struct gate_approval){(int64_t)i + 1, S(gate), S(who), S("release-manager"), at};
}

static void add_bypass(struct world *w, const char *gate, int64_t at, int64_t expires,
		       enum gate_state state_at_bypass)
{
	size_t i = w->r.n_bypasses++;
	w->bypasses[i] =
		(struct gate_bypass){(int64_t)i + 1,	   S(gate), S("hotfix"), S("rita"),
				     S("release-manager"), at,	    expires,	 state_at_bypass};
}

/* A drill of api restored in 40m / 5m against 1h / 15m targets. */
static struct drill *add_drill(struct world *w, int64_t performed_at, int64_t recorded_at)
{
	struct drill *d = &w->drills[w->r.n_drills++];
	drill_init(d);
	d->id = (int64_t)w->r.n_drills;
	d->service = S("api");
	d->performed_at = performed_at;
	d->recorded_at = recorded_at;
	d->rto_target = 3600;
	d->rpo_target = 900;
	d->rto_actual = 2400;
	d->rpo_actual = 300;
	d->outcome = DRILL_RESTORED;
	return d;
}

/* The closure at asof; fails the test on an error. */
static int64_t closure(struct world *w, int64_t asof, int *gated)
{
	struct err err;
	err_init(&err);
	int64_t closed = 0;
	int rc = metrics_closure(w->pv, w->n_pv, &w->subject, &w->r, asof, gated, &closed, &err);
	if (rc != 0) {
		print_error("metrics_closure failed: %s\n", err.message);
		fail();
	}
	return closed;
}

static void assert_closed_at(struct world *w, int64_t asof, int64_t want)
{
	int gated = -1;
	int64_t got = closure(w, asof, &gated);
	assert_int_equal(gated, 1);
	if (got != want) {
		char a[RTIME_BUFSZ], b[RTIME_BUFSZ];
		print_error("closed at %s, want %s\n",
			    got == RTIME_NONE ? "none" : rtime_format(got, a),
			    want == RTIME_NONE ? "none" : rtime_format(want, b));
		fail();
	}
}

/* ---- closure ---- */

static void test_an_evaluation_gate_closes_at_its_first_result(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "eval", GATE_EVALUATION, PHASE_POST)->max_lag = 72 * 3600;
	assert_closed_at(&w, ASOF, RTIME_NONE);
	add_result(&w, "rel.eval", 1, EFF + 2 * HOUR);
	assert_closed_at(&w, ASOF, EFF + 2 * HOUR);
}

static void test_a_fail_then_a_pass_closes_at_the_fail(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "eval", GATE_EVALUATION, PHASE_POST);
	add_result(&w, "rel.eval", 0, EFF + 1 * HOUR);
	add_result(&w, "rel.eval", 1, EFF + 3 * HOUR);
	assert_closed_at(&w, ASOF, EFF + 1 * HOUR);
}

static void test_a_bypass_does_not_close_an_evaluation(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "eval", GATE_EVALUATION, PHASE_POST)->max_lag = 3600;
	add_bypass(&w, "rel.eval", EFF + HOUR, RTIME_NONE, GATE_PENDING);
	assert_closed_at(&w, ASOF, RTIME_NONE);
	/* the result after the bypass closes it */
	add_result(&w, "rel.eval", 1, EFF + 5 * HOUR);
	assert_closed_at(&w, ASOF, EFF + 5 * HOUR);
}

static void test_records_after_asof_are_ignored(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "eval", GATE_EVALUATION, PHASE_POST);
	add_result(&w, "rel.eval", 1, ASOF + 1);
	assert_closed_at(&w, ASOF, RTIME_NONE);
	/* at exactly asof it counts */
	assert_closed_at(&w, ASOF + 1, ASOF + 1);
	/* an earlier fail, then the late pass: closed at the fail either way */
	add_result(&w, "rel.eval", 0, EFF + DAY);
	assert_closed_at(&w, ASOF, EFF + DAY);
	assert_closed_at(&w, EFF + DAY - 1, RTIME_NONE);
}

static void test_an_overdue_evaluation_stays_open(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "eval", GATE_EVALUATION, PHASE_POST)->max_lag = 3600;
	add_result(&w, "rel.other", 1, EFF + HOUR); /* another gate's result */
	assert_closed_at(&w, ASOF, RTIME_NONE);
}

static void test_every_required_post_gate_must_close_and_the_last_decides(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct policy_version *pv = add_policy(&w, "rel");
	add_gate(pv, "eval", GATE_EVALUATION, PHASE_POST);
	add_gate(pv, "signoff", GATE_APPROVAL, PHASE_POST)->approvals = 2;
	pv->policy.gates[1].roles = 1u << ROLE_RELEASE_MANAGER;
	add_gate(pv, "optional", GATE_EVALUATION, PHASE_POST)->required = 0;
	add_gate(pv, "pre", GATE_EVALUATION, PHASE_PRE);
	add_result(&w, "rel.eval", 1, EFF + 5 * HOUR);
	add_approval(&w, "rel.signoff", "bob", EFF + 1 * HOUR);
	assert_closed_at(&w, ASOF, RTIME_NONE); /* one approval of two */
	/* the author's own approval never counts */
	add_approval(&w, "rel.signoff", "alice", EFF + 2 * HOUR);
	assert_closed_at(&w, ASOF, RTIME_NONE);
	add_approval(&w, "rel.signoff", "carol", EFF + 7 * HOUR);
	assert_closed_at(&w, ASOF, EFF + 7 * HOUR);
	/* a second policy's post gate closing later moves the closure */
	add_gate(add_policy(&w, "audit"), "eval", GATE_EVALUATION, PHASE_POST);
	add_result(&w, "audit.eval", 0, EFF + 9 * HOUR);
	assert_closed_at(&w, ASOF, EFF + 9 * HOUR);
}

static void test_a_drill_post_gate_closes_when_a_passing_drill_is_recorded(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct gate_def *g = add_gate(add_policy(&w, "rel"), "drill", GATE_DRILL, PHASE_POST);
	g->within = 30 * 86400;
	g->rto = 3600;
	g->rpo = 900;
	/* performed two days before, recorded an hour later: passed from then on, before
	 * effective_at (a closure before effective) */
	add_drill(&w, EFF - 2 * DAY, EFF - 2 * DAY + HOUR);
	assert_closed_at(&w, ASOF, EFF - 2 * DAY + HOUR);
}

static void test_a_drill_post_gate_without_a_drill_fails_at_effective_at(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct gate_def *g = add_gate(add_policy(&w, "rel"), "drill", GATE_DRILL, PHASE_POST);
	g->within = 30 * 86400;
	g->rto = 3600;
	g->rpo = 900;
	/* a drill that missed its RTO: no pass; the window closed at effective_at */
	add_drill(&w, EFF - DAY, EFF - DAY)->rto_actual = 7200;
	assert_closed_at(&w, ASOF, EFF);
	/* before effective_at the change was planned: a drill could still come */
	assert_closed_at(&w, EFF - 1, RTIME_NONE);
}

static void test_a_coherence_post_gate_never_closes(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "agree", GATE_COHERENCE, PHASE_POST);
	add_result(&w, "rel.agree", 1, EFF + HOUR);
	assert_closed_at(&w, ASOF, RTIME_NONE);
}

static void test_a_result_before_effective_at_closes_before_it(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	add_gate(add_policy(&w, "rel"), "eval", GATE_EVALUATION, PHASE_POST);
	add_result(&w, "rel.eval", 1, EFF - 3 * HOUR);
	assert_closed_at(&w, ASOF, EFF - 3 * HOUR);
}

static void test_changes_without_a_required_post_gate_are_ungated(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	int gated = -1;
	assert_int_equal(closure(&w, ASOF, &gated), RTIME_NONE);
	assert_int_equal(gated, 0);
	struct policy_version *pv = add_policy(&w, "rel");
	add_gate(pv, "pre", GATE_EVALUATION, PHASE_PRE);
	add_gate(pv, "later", GATE_EVALUATION, PHASE_POST)->required = 0;
	add_result(&w, "rel.pre", 1, EFF - HOUR);
	assert_int_equal(closure(&w, ASOF, &gated), RTIME_NONE);
	assert_int_equal(gated, 0);
	/* a post gate of a policy that does not apply (low impact only) */
	struct policy_version *low = add_policy(&w, "low");
	low->policy.impacts = 1u << IMPACT_LOW;
	add_gate(low, "eval", GATE_EVALUATION, PHASE_POST);
	assert_int_equal(closure(&w, ASOF, &gated), RTIME_NONE);
	assert_int_equal(gated, 0);
	/* a stored version that no longer parses adds no gate here */
	w.pv[0].parse_failed = 1;
	assert_int_equal(closure(&w, ASOF, &gated), RTIME_NONE);
	assert_int_equal(gated, 0);
}

/* ---- metrics_change_fill ---- */

static void fill(struct world *w, const char *snapshot, struct metric_change *m)
{
	struct err err;
	err_init(&err);
	memset(m, 0x5a, sizeof(*m));
	m->has_io = 1;
	if (metrics_change_fill(w->pv, w->n_pv, &w->subject, &w->r, snapshot, ASOF, m, &err) != 0) {
		print_error("metrics_change_fill failed: %s\n", err.message);
		fail();
	}
	assert_int_equal(m->id, 7);
	assert_int_equal(m->effective_at, EFF);
	assert_int_equal(m->impact, IMPACT_HIGH);
	assert_int_equal(m->has_io, 1); /* left as set */
}

/* rel: a required pre evaluation gate, a required post one, an optional pre one. */
static void gbr_world(struct world *w)
{
	world_init(w);
	struct policy_version *pv = add_policy(w, "rel");
	add_gate(pv, "check", GATE_EVALUATION, PHASE_PRE);
	add_gate(pv, "eval", GATE_EVALUATION, PHASE_POST);
	add_gate(pv, "nice", GATE_EVALUATION, PHASE_PRE)->required = 0;
}

static void test_fill_counts_required_gates_pre_and_post_and_the_closure(void **state)
{
	(void)state;
	struct world w;
	struct metric_change m;
	gbr_world(&w);
	add_result(&w, "rel.eval", 1, EFF + 4 * HOUR);
	fill(&w, NULL, &m);
	assert_int_equal(m.n_required, 2);
	assert_int_equal(m.n_bypassed, 0);
	assert_int_equal(m.shipped_while_blocked, 0);
	assert_int_equal(m.first_bypass_at, RTIME_NONE);
	assert_int_equal(m.gated, 1);
	assert_int_equal(m.closed_at, EFF + 4 * HOUR);
}

static void test_a_bypass_of_a_passed_gate_is_not_counted(void **state)
{
	(void)state;
	struct world w;
	struct metric_change m;
	gbr_world(&w);
	add_bypass(&w, "rel.check", EFF - HOUR, RTIME_NONE, GATE_PASSED);
	fill(&w, NULL, &m);
	assert_int_equal(m.n_bypassed, 0);
	assert_int_equal(m.first_bypass_at, RTIME_NONE);
}

static void test_bypasses_of_one_gate_count_once_at_the_earliest_even_when_expired(void **state)
{
	(void)state;
	struct world w;
	struct metric_change m;
	gbr_world(&w);
	add_bypass(&w, "rel.check", EFF - 2 * HOUR, EFF - HOUR, GATE_FAILED); /* expired */
	add_bypass(&w, "rel.check", EFF - 5 * HOUR, EFF - 4 * HOUR, GATE_PENDING);
	add_bypass(&w, "rel.nice", EFF - 9 * HOUR, RTIME_NONE, GATE_PENDING);  /* not required */
	add_bypass(&w, "gone.gate", EFF - 9 * HOUR, RTIME_NONE, GATE_PENDING); /* no such gate */
	fill(&w, NULL, &m);
	assert_int_equal(m.n_bypassed, 1);
	assert_int_equal(m.first_bypass_at, EFF - 5 * HOUR);
	/* a second gate bypassed later */
	add_bypass(&w, "rel.eval", EFF + 3 * HOUR, RTIME_NONE, GATE_OVERDUE);
	fill(&w, NULL, &m);
	assert_int_equal(m.n_bypassed, 2);
	assert_int_equal(m.first_bypass_at, EFF - 5 * HOUR);
	assert_int_equal(m.n_required, 2);
}

static void test_a_ship_while_blocked_counts_the_gates_not_clear_in_its_snapshot(void **state)
{
	(void)state;
	struct world w;
	struct metric_change m;
	gbr_world(&w);
	const char *snap = "{\"at\":\"2026-03-02T09:00:00.000000Z\",\"verdict_id\":3,"
			   "\"status\":\"blocked\",\"gates\":[{\"id\":\"rel.check\",\"state\":"
			   "\"failed\",\"reason\":\"latest result is fail\"},{\"id\":\"rel.nice\"},"
			   "{\"id\":\"old.removed\"}]}";
	fill(&w, snap, &m);
	assert_int_equal(m.shipped_while_blocked, 1);
	assert_int_equal(m.n_bypassed, 1);
	assert_int_equal(m.first_bypass_at, EFF);
	/* the same gate also bypassed (counted) earlier: once, at the earlier moment */
	add_bypass(&w, "rel.check", EFF - HOUR, RTIME_NONE, GATE_FAILED);
	fill(&w, snap, &m);
	assert_int_equal(m.n_bypassed, 1);
	assert_int_equal(m.first_bypass_at, EFF - HOUR);
	/* a bypass used after shipping: the ship still came first */
	w.bypasses[0].at = EFF + HOUR;
	fill(&w, snap, &m);
	assert_int_equal(m.n_bypassed, 1);
	assert_int_equal(m.first_bypass_at, EFF);
}

static void test_a_snapshot_that_is_not_json_is_a_ship_while_blocked_with_no_gate(void **state)
{
	(void)state;
	struct world w;
	struct metric_change m;
	gbr_world(&w);
	fill(&w, "{not json", &m);
	assert_int_equal(m.shipped_while_blocked, 1);
	assert_int_equal(m.n_bypassed, 0);
	assert_int_equal(m.first_bypass_at, RTIME_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_evaluation_gate_closes_at_its_first_result),
		cmocka_unit_test(test_a_fail_then_a_pass_closes_at_the_fail),
		cmocka_unit_test(test_a_bypass_does_not_close_an_evaluation),
		cmocka_unit_test(test_records_after_asof_are_ignored),
		cmocka_unit_test(test_an_overdue_evaluation_stays_open),
		cmocka_unit_test(test_every_required_post_gate_must_close_and_the_last_decides),
		cmocka_unit_test(test_a_drill_post_gate_closes_when_a_passing_drill_is_recorded),
		cmocka_unit_test(test_a_drill_post_gate_without_a_drill_fails_at_effective_at),
		cmocka_unit_test(test_a_coherence_post_gate_never_closes),
		cmocka_unit_test(test_a_result_before_effective_at_closes_before_it),
		cmocka_unit_test(test_changes_without_a_required_post_gate_are_ungated),
		cmocka_unit_test(test_fill_counts_required_gates_pre_and_post_and_the_closure),
		cmocka_unit_test(test_a_bypass_of_a_passed_gate_is_not_counted),
		cmocka_unit_test(
			test_bypasses_of_one_gate_count_once_at_the_earliest_even_when_expired),
		cmocka_unit_test(
			test_a_ship_while_blocked_counts_the_gates_not_clear_in_its_snapshot),
		cmocka_unit_test(
			test_a_snapshot_that_is_not_json_is_a_ship_while_blocked_with_no_gate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
