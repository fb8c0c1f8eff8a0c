/* Gate evaluation: the applicable policies of a change, each gate's state at a
 * time (through the kind table, then the common bypass rule), the verdict, and
 * the status as JSON. Pure; the caller loads every record. */
#include "common.h"

#include <ctype.h>

#include "duration.h"
#include "err.h"
#include "gate.h"
#include "gate_kinds.h"
#include "json.h"
#include "rtime.h"

#define USEC_PER_SEC INT64_C(1000000)

static const char *const gate_state_tab[] = {"pending", "passed",   "failed",
					     "overdue", "bypassed", "inconclusive"};
const struct model_names gate_state_names = {
	gate_state_tab, (int)ARRAY_SIZE(gate_state_tab),
	"pending, passed, failed, overdue, bypassed, inconclusive"};

static const char *const gate_scope_tab[] = {"pre", "post", "all"};
const struct model_names gate_scope_names = {gate_scope_tab, (int)ARRAY_SIZE(gate_scope_tab),
					     "pre, post, all"};

static const char *const gate_verdict_tab[] = {"clear", "blocked", "pending"};
const struct model_names gate_verdict_names = {gate_verdict_tab, (int)ARRAY_SIZE(gate_verdict_tab),
					       "clear, blocked, pending"};

int gate_bypass_valid_at(const struct gate_bypass *b, int64_t t)
{
	return b->at <= t && (b->expires_at == RTIME_NONE || t < b->expires_at);
}

int gate_bypass_counted(const struct gate_bypass *b)
{
	return b->state_at_bypass != GATE_PASSED;
}

/* t moved by sign * seconds, kept inside the range of timestamps. */
static int64_t shift_seconds(int64_t t, int64_t seconds, int sign)
{
	const int64_t span = (RTIME_MAX - RTIME_MIN) / USEC_PER_SEC;
	int64_t delta = seconds > span ? span * USEC_PER_SEC : seconds * USEC_PER_SEC;
	int64_t r = sign > 0 ? t + delta : t - delta;
	if (r < RTIME_MIN)
		return RTIME_MIN;
	if (r > RTIME_MAX)
		return RTIME_MAX;
	return r;
}

/* Cuts a UTF-8 sequence left incomplete at the end of s by truncation. */
static void trim_partial_utf8(char *s)
{
	size_t len = strlen(s), i = len;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (need > 1 && len - i + 1 < need)
		s[i - 1] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
set_reason(struct gate_eval *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(e->reason))
		trim_partial_utf8(e->reason);
}

static int is_effective(const struct gate_subject *s)
{
	return s->state == CHANGE_EFFECTIVE && s->effective_at != RTIME_NONE;
}

/* Evaluation: the latest result (highest id) recorded by now decides. */
void gate_eval_evaluation(const struct gate_def *g, const struct gate_subject *s,
			  const struct gate_records *r, int64_t now, struct gate_eval *e)
{
	const struct gate_result *latest = NULL;
	for (size_t i = 0; i < r->n_results; i++) {
		const struct gate_result *res = &r->results[i];
		if (strcmp(res->gate, e->id) != 0 || res->recorded_at > now)
			continue;
		if (!latest || res->id > latest->id)
			latest = res;
	}
	if (is_effective(s) && g->max_lag >= 0)
		e->due_at = shift_seconds(s->effective_at, g->max_lag, +1);
	if (latest) {
		e->result_id = latest->id;
		e->state = latest->pass ? GATE_PASSED : GATE_FAILED;
		set_reason(e, "latest result is %s", latest->pass ? "pass" : "fail");
		return;
	}
	char lag[DURATION_BUFSZ], due[RTIME_BUFSZ];
	if (e->due_at == RTIME_NONE) {
		e->state = GATE_PENDING;
		set_reason(e, "no result yet");
	} else if (now >= e->due_at) {
		e->state = GATE_OVERDUE;
		set_reason(e, "no result within %s of effective_at",
			   duration_format(g->max_lag, lag));
	} else {
		e->state = GATE_PENDING;
		set_reason(e, "no result yet; due %s", rtime_format(e->due_at, due));
	}
}

/* Why a drill does not satisfy gate g, or NULL when it does. buf holds the
 * reasons that name the gate's limits. */
static const char *drill_shortfall(const struct gate_def *g, const struct drill *d, char *buf,
				   size_t size)
{
	const char *why;
	char actual[DURATION_BUFSZ], limit[DURATION_BUFSZ];
	if (!drill_passed(d, &why))
		return why;
	if (d->rto_actual > g->rto) {
		snprintf(buf, size, "rto %s exceeds the gate's %s",
			 duration_format(d->rto_actual, actual), duration_format(g->rto, limit));
		return buf;
	}
	if (d->rpo_actual > g->rpo) {
		snprintf(buf, size, "rpo %s exceeds the gate's %s",
			 duration_format(d->rpo_actual, actual), duration_format(g->rpo, limit));
		return buf;
	}
	return NULL;
}

/* Whether a is later than b (performed_at, then id); b may be NULL. */
static int drill_later(const struct drill *a, const struct drill *b)
{
	return !b || a->performed_at > b->performed_at ||
	       (a->performed_at == b->performed_at && a->id > b->id);
}

/* Drill: a drill of the service performed in [T - within, T] that passed
 * within the gate's rto and rpo, T being effective_at once effective, else now. */
void gate_eval_drill(const struct gate_def *g, const struct gate_subject *s,
		     const struct gate_records *r, int64_t now, struct gate_eval *e)
{
	int effective = is_effective(s);
	const char *service = s->service ? s->service : "";
	int64_t until = effective ? s->effective_at : now;
	int64_t from = shift_seconds(until, g->within, -1);
	const struct drill *best = NULL, *latest = NULL;
	char buf[128];
	for (size_t i = 0; i < r->n_drills; i++) {
		const struct drill *d = &r->drills[i];
		if (!d->service || strcmp(d->service, service) != 0)
			continue;
		if (d->performed_at < from || d->performed_at > until || d->performed_at > now ||
		    d->recorded_at > now)
			continue;
		if (drill_later(d, latest))
			latest = d;
		if (!drill_shortfall(g, d, buf, sizeof(buf)) && drill_later(d, best))
			best = d;
	}
	char rto[DURATION_BUFSZ], rpo[DURATION_BUFSZ], within[DURATION_BUFSZ];
	if (best) {
		e->state = GATE_PASSED;
		e->drill_id = best->id;
		set_reason(e, "drill %" PRId64 " of %s passed (rto %s, rpo %s)", best->id, service,
			   duration_format(best->rto_actual, rto),
			   duration_format(best->rpo_actual, rpo));
		return;
	}
	/* planned: a drill may still come; effective: the window closed at effective_at */
	e->state = effective ? GATE_FAILED : GATE_PENDING;
	if (!latest) {
		set_reason(e, "no drill of %s in the %s before %s", service,
			   duration_format(g->within, within), effective ? "effective_at" : "now");
		return;
	}
	e->drill_id = latest->id;
	set_reason(e, "drill %" PRId64 " of %s did not count: %s", latest->id, service,
		   drill_shortfall(g, latest, buf, sizeof(buf)));
}

/* Whether an approval by someone in role counts for gate g. */
static int approval_role_counts(const struct gate_def *g, const char *role)
{
	int v = model_lookup(&role_names, role);
	return v == ROLE_ADMIN || (v >= 0 && (g->roles & (1u << v)));
}

int gate_same_person(const char *token_name, const char *name)
{
	if (!token_name || !name)
		return 0;
	while (isspace((unsigned char)*token_name))
		token_name++;
	while (isspace((unsigned char)*name))
		name++;
	size_t a = strlen(token_name), b = strlen(name);
	while (a && isspace((unsigned char)token_name[a - 1]))
		a--;
	while (b && isspace((unsigned char)name[b - 1]))
		b--;
	if (a == 0 || a != b)
		return 0;
	for (size_t i = 0; i < a; i++)
		if (tolower((unsigned char)token_name[i]) != tolower((unsigned char)name[i]))
			return 0;
	return 1;
}

int gate_is_own_change(const struct gate_subject *s, const char *name)
{
	return gate_same_person(name, s->author) || gate_same_person(name, s->created_by);
}

static int approval_counts(const struct gate_def *g, const struct gate_subject *s,
			   const struct gate_approval *a, const char *gate_id, int64_t now)
{
	if (strcmp(a->gate, gate_id) != 0 || a->approved_at > now)
		return 0;
	/* the change's author and creator never approve their own change */
	if (gate_is_own_change(s, a->approver))
		return 0;
	return approval_role_counts(g, a->role);
}

/* Approval: distinct approvers in the gate's roles (or admin), never the
 * change's author or creator. */
void gate_eval_approval(const struct gate_def *g, const struct gate_subject *s,
			const struct gate_records *r, int64_t now, struct gate_eval *e)
{
	int count = 0;
	for (size_t i = 0; i < r->n_approvals; i++) {
		const struct gate_approval *a = &r->approvals[i];
		if (!approval_counts(g, s, a, e->id, now))
			continue;
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = approval_counts(g, s, &r->approvals[j], e->id, now) &&
			       strcmp(r->approvals[j].approver, a->approver) == 0;
		if (seen)
			continue;
		count++;
		if (e->n_approval_ids < (int)ARRAY_SIZE(e->approval_ids))
			e->approval_ids[e->n_approval_ids++] = a->id;
	}
	e->state = count >= g->approvals ? GATE_PASSED : GATE_PENDING;
	set_reason(e, "%d of %d approvals", count, g->approvals);
}

/* Coherence: no estimator tuples are stored yet, so never a pass (fail closed). */
void gate_eval_coherence(const struct gate_def *g, const struct gate_subject *s,
			 const struct gate_records *r, int64_t now, struct gate_eval *e)
{
	(void)g;
	(void)s;
	(void)r;
	(void)now;
	e->state = GATE_INCONCLUSIVE;
	set_reason(e, "no estimator tuple store");
}

/* The common rule after the kind's state: a gate not passed is bypassed by the
 * latest bypass valid at now. */
static void apply_bypass(const struct gate_records *r, int64_t now, struct gate_eval *e)
{
	if (e->state == GATE_PASSED)
		return;
	const struct gate_bypass *use = NULL;
	for (size_t i = 0; i < r->n_bypasses; i++) {
		const struct gate_bypass *b = &r->bypasses[i];
		if (strcmp(b->gate, e->id) == 0 && gate_bypass_valid_at(b, now) &&
		    (!use || b->id > use->id))
			use = b;
	}
	if (!use)
		return;
	e->state = GATE_BYPASSED;
	e->bypass_id = use->id;
	char until[RTIME_BUFSZ];
	if (use->expires_at == RTIME_NONE)
		set_reason(e, "bypassed by %s (no expiry): %s", use->by, use->reason);
	else
		set_reason(e, "bypassed by %s until %s: %s", use->by,
			   rtime_format(use->expires_at, until), use->reason);
}

static void gate_eval_init(struct gate_eval *e, const struct policy_version *pv,
			   const struct gate_def *def, const char *local_id)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s.%s", pv->policy.name ? pv->policy.name : "?", local_id);
	e->pv = pv;
	e->def = def;
	e->due_at = RTIME_NONE;
}

static int gate_in_scope(const struct gate_def *g, enum gate_scope scope)
{
	return scope == SCOPE_ALL || (scope == SCOPE_PRE && g->phase == PHASE_PRE) ||
	       (scope == SCOPE_POST && g->phase == PHASE_POST);
}

static enum gate_verdict decide_verdict(const struct gate_status *st)
{
	int pending = 0;
	for (size_t i = 0; i < st->n_gates; i++) {
		const struct gate_eval *e = &st->gates[i];
		if (e->def && !e->def->required)
			continue;
		if (e->state == GATE_FAILED || e->state == GATE_OVERDUE ||
		    e->state == GATE_INCONCLUSIVE)
			return VERDICT_BLOCKED;
		if (e->state == GATE_PENDING)
			pending = 1;
	}
	return pending ? VERDICT_PENDING : VERDICT_CLEAR;
}

/* Evaluates the gates of one applicable policy into st->gates. */
static int evaluate_policy(const struct policy_version *pv, const struct gate_subject *subject,
			   const struct gate_records *records, int64_t now, struct gate_status *st,
			   struct err *err)
{
	if (pv->parse_failed) {
		/* fail closed, and not bypassable: the fix is a version that parses */
		struct gate_eval *e = &st->gates[st->n_gates++];
		gate_eval_init(e, pv, NULL, "policy");
		e->state = GATE_INCONCLUSIVE;
		set_reason(e, "stored policy version %d no longer parses", pv->version);
		return 0;
	}
	for (size_t j = 0; j < pv->policy.n_gates; j++) {
		const struct gate_def *def = &pv->policy.gates[j];
		if (!gate_in_scope(def, st->scope))
			continue;
		if ((unsigned)def->kind >= GATE_KIND_COUNT || !gate_kinds[def->kind].eval)
			return err_set(err, ERR_INTERNAL, "gate \"%s.%s\" has an unknown kind %d",
				       pv->policy.name, def->id, (int)def->kind);
		struct gate_eval *e = &st->gates[st->n_gates++];
		gate_eval_init(e, pv, def, def->id);
		gate_kinds[def->kind].eval(def, subject, records, now, e);
		apply_bypass(records, now, e);
	}
	return 0;
}

int gate_evaluate(const struct policy_version *policies, size_t n_policies,
		  const struct gate_subject *subject, const struct gate_records *records,
		  enum gate_scope scope, int64_t now, struct gate_status *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (scope == SCOPE_DEFAULT)
		scope = subject->state == CHANGE_EFFECTIVE ? SCOPE_ALL : SCOPE_PRE;
	out->scope = scope;
	out->evaluated_at = now;
	size_t max_gates = 0;
	for (size_t i = 0; i < n_policies; i++)
		max_gates += policies[i].parse_failed ? 1 : policies[i].policy.n_gates;
	out->gates = xcalloc(max_gates ? max_gates : 1, sizeof(*out->gates));
	out->policies = xcalloc(n_policies ? n_policies : 1, sizeof(*out->policies));
	for (size_t i = 0; i < n_policies; i++) {
		const struct policy_version *pv = &policies[i];
		/* a policy that no longer parses applies to every change */
		if (!pv->parse_failed && !policy_applies(&pv->policy, subject->impact,
							 subject->service, subject->categories))
			continue;
		out->policies[out->n_policies++] = pv;
		if (evaluate_policy(pv, subject, records, now, out, err) < 0) {
			gate_status_release(out);
			return -1;
		}
	}
	out->verdict = decide_verdict(out);
	return 0;
}

void gate_status_release(struct gate_status *s)
{
	free(s->gates);
	free(s->policies);
	memset(s, 0, sizeof(*s));
}

/* Appends the full ids of the gates whose local id is id to list. */
static void list_matches(const struct gate_status *s, const char *id, char *list, size_t size)
{
	size_t len = 0;
	for (size_t i = 0; i < s->n_gates && len < size; i++) {
		const char *dot = strchr(s->gates[i].id, '.');
		if (dot && strcmp(dot + 1, id) == 0) {
			int n = snprintf(list + len, size - len, "%s%s", len ? ", " : "",
					 s->gates[i].id);
			len += n > 0 ? (size_t)n : 0;
		}
	}
}

const struct gate_eval *gate_status_find(const struct gate_status *s, const char *id,
					 struct err *err)
{
	const struct gate_eval *found = NULL;
	size_t matches = 0;
	int full = strchr(id, '.') != NULL;
	for (size_t i = 0; i < s->n_gates; i++) {
		const char *gid = s->gates[i].id;
		const char *dot = strchr(gid, '.');
		if (full ? strcmp(gid, id) == 0 : (dot && strcmp(dot + 1, id) == 0)) {
			found = &s->gates[i];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches == 0) {
		err_set(err, ERR_NOT_FOUND, "no gate \"%.128s\" applies to this change", id);
		return NULL;
	}
	char list[384];
	list[0] = '\0';
	list_matches(s, id, list, sizeof(list));
	err_set(err, ERR_INVALID, "gate id \"%.64s\" is ambiguous (%s); use the full id", id, list);
	return NULL;
}

static void add_id(cJSON *o, const char *name, int64_t id)
{
	if (id)
		cJSON_AddNumberToObject(o, name, (double)id);
}

static cJSON *evidence_to_json(const struct gate_eval *e)
{
	if (!e->result_id && !e->drill_id && !e->bypass_id && e->n_approval_ids == 0)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	add_id(o, "result_id", e->result_id);
	add_id(o, "drill_id", e->drill_id);
	add_id(o, "bypass_id", e->bypass_id);
	if (e->n_approval_ids > 0) {
		cJSON *arr = cJSON_AddArrayToObject(o, "approval_ids");
		for (int i = 0; i < e->n_approval_ids; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)e->approval_ids[i]));
	}
	return o;
}

static cJSON *gate_eval_to_json(const struct gate_eval *e)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "id", e->id);
	json_add_str(o, "policy", e->pv->policy.name);
	cJSON_AddNumberToObject(o, "version", e->pv->version);
	/* a policy that no longer parses has neither kind nor phase */
	json_add_str(o, "kind", e->def ? gate_kinds[e->def->kind].name : NULL);
	json_add_str(o, "phase", e->def ? model_name(&gate_phase_names, (int)e->def->phase) : NULL);
	cJSON_AddBoolToObject(o, "required", e->def ? e->def->required : 1);
	json_add_str(o, "state", model_name(&gate_state_names, (int)e->state));
	json_add_str(o, "reason", e->reason);
	cJSON_AddItemToObject(o, "evidence", evidence_to_json(e));
	json_add_time(o, "due_at", e->due_at);
	return o;
}

cJSON *gate_status_to_json(const struct gate_status *s, int64_t change_id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "change_id", (double)change_id);
	json_add_str(o, "scope", model_name(&gate_scope_names, (int)s->scope));
	json_add_str(o, "status", model_name(&gate_verdict_names, (int)s->verdict));
	json_add_time(o, "evaluated_at", s->evaluated_at);
	cJSON *pols = cJSON_AddArrayToObject(o, "policies");
	for (size_t i = 0; i < s->n_policies; i++) {
		cJSON *p = cJSON_CreateObject();
		json_add_str(p, "name", s->policies[i]->policy.name);
		cJSON_AddNumberToObject(p, "version", s->policies[i]->version);
		json_add_str(p, "sha256", s->policies[i]->sha256);
		cJSON_AddItemToArray(pols, p);
	}
	int counts[GATE_STATE_COUNT] = {0};
	cJSON *gates = cJSON_AddArrayToObject(o, "gates");
	for (size_t i = 0; i < s->n_gates; i++) {
		cJSON_AddItemToArray(gates, gate_eval_to_json(&s->gates[i]));
		counts[s->gates[i].state]++;
	}
	cJSON *c = cJSON_AddObjectToObject(o, "counts");
	for (int i = 0; i < GATE_STATE_COUNT; i++)
		cJSON_AddNumberToObject(c, gate_state_names.names[i], counts[i]);
	return o;
}
