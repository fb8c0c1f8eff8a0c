/* /v1/changes/{id}/gates and /v1/verdicts: a change's gate status (each call
 * records a verdict when the status changed), gate results, approvals and
 * bypasses, and stored verdicts exactly as they were stored. */
#include "common.h"

#include "duration.h"
#include "err.h"
#include "gates.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"

#define USEC_PER_SEC 1000000
#define GATE_TEXT_MAX 2000

static const char *const status_params[] = {"phase", NULL};

int h_gates_status(struct req *r, struct resp *out, struct err *err)
{
	const char *phase = NULL;
	query_check(r, status_params, err);
	query_enum(r, "phase", &gate_scope_names, &phase, err);
	if (err_is_set(err))
		return -1;
	enum gate_scope scope =
		phase ? (enum gate_scope)model_lookup(&gate_scope_names, phase) : SCOPE_DEFAULT;
	int64_t id, verdict_id = 0;
	if (store_change_resolve(r->params[0], &id, err) < 0)
		return -1;
	struct gates_ctx g;
	struct gate_status st;
	cJSON *status = NULL;
	int evaluated = 0;
	gates_ctx_init(&g);
	if (store_begin(err) < 0)
		goto fail;
	if (gates_load(id, r->now, &g, err) < 0 ||
	    gates_evaluate(&g, scope, r->now, 0, &st, err) < 0)
		goto rollback;
	evaluated = 1;
	if (gates_record_verdict(&g, &st, &status, &verdict_id, err) < 0 || store_commit(err) < 0)
		goto rollback;
	cJSON_AddNumberToObject(status, "verdict_id", (double)verdict_id);
	resp_json(out, 200, status);
	gate_status_release(&st);
	gates_ctx_release(&g);
	return 0;
rollback:
	store_rollback();
fail:
	cJSON_Delete(status);
	if (evaluated)
		gate_status_release(&st);
	gates_ctx_release(&g);
	return -1;
}

int h_verdicts_get(struct req *r, struct resp *out, struct err *err)
{
	char *end = NULL;
	errno = 0;
	long long id = strtoll(r->params[0], &end, 10);
	if (errno || *end || id <= 0 || r->params[0][0] < '0' || r->params[0][0] > '9')
		return err_set(err, ERR_NOT_FOUND, "no verdict \"%.64s\"", r->params[0]);
	char *text = NULL;
	if (store_gate_verdict_get((int64_t)id, &text, err) < 0)
		return -1;
	free(out->body);
	out->status = 200;
	out->body = text;
	out->content_type = "application/json";
	return 0;
}

/* One write to a gate: the change loaded and the gate found among every gate
 * of its applicable policies (pre and post), evaluated at the request's time. */
struct gate_write {
	int64_t change_id;
	struct gates_ctx g;
	struct gate_status st;
	int evaluated;
	const struct gate_eval *e;
};

static void gate_write_release(struct gate_write *w)
{
	if (w->evaluated)
		gate_status_release(&w->st);
	gates_ctx_release(&w->g);
	w->evaluated = 0;
}

/* Loads and evaluates (with flags); finds r's gate; 404 when it does not apply. */
static int gate_write_open(struct req *r, unsigned flags, struct gate_write *w, struct err *err)
{
	memset(w, 0, sizeof(*w));
	gates_ctx_init(&w->g);
	if (store_change_resolve(r->params[0], &w->change_id, err) < 0 ||
	    gates_load(w->change_id, r->now, &w->g, err) < 0 ||
	    gates_evaluate(&w->g, SCOPE_ALL, r->now, flags, &w->st, err) < 0)
		return -1;
	w->evaluated = 1;
	struct err ferr;
	err_init(&ferr);
	w->e = gate_status_find(&w->st, r->params[1], &ferr);
	if (w->e)
		return 0;
	if (ferr.code == ERR_NOT_FOUND)
		return err_set(err, ERR_NOT_FOUND, "no gate \"%.130s\" applies to change %s:%s",
			       r->params[1], w->g.change.service, w->g.change.key);
	err_set(err, ferr.code, "%s", ferr.message);
	return err_detail(err, "gate", 0, 0, "%s", ferr.message);
}

/* Refuses a gate of another kind with a 400 naming the kind. */
static int want_kind(const struct gate_eval *e, enum gate_kind kind, const char *what,
		     struct err *err)
{
	if (!e->def) {
		err_set(err, ERR_INVALID, "gate \"%s\" takes no %s: its policy no longer parses",
			e->id, what);
		return err_detail(err, "gate", 0, 0, "its policy no longer parses");
	}
	if (e->def->kind == kind)
		return 0;
	const char *name = model_name(&gate_kind_names, (int)e->def->kind);
	err_set(err, ERR_INVALID, "gate \"%s\" is %s %s gate; %s are for %s gates only", e->id,
		name[0] == 'a' || name[0] == 'e' ? "an" : "a", name, what,
		model_name(&gate_kind_names, (int)kind));
	return err_detail(err, "gate", 0, 0, "is %s %s gate",
			  name[0] == 'a' || name[0] == 'e' ? "an" : "a", name);
}

/* Responds 201 with record plus the gate's state and the change's verdict
 * (default scope) after the write. */
static int respond_after(struct req *r, struct gate_write *w, cJSON *record, struct resp *out,
			 struct err *err)
{
	char gate_id[sizeof(w->e->id)];
	snprintf(gate_id, sizeof(gate_id), "%s", w->e->id);
	int64_t change_id = w->change_id;
	gate_write_release(w);
	gates_ctx_init(&w->g);
	if (gates_load(change_id, r->now, &w->g, err) < 0 ||
	    gates_evaluate(&w->g, SCOPE_DEFAULT, r->now, 0, &w->st, err) < 0) {
		cJSON_Delete(record);
		return -1;
	}
	w->evaluated = 1;
	struct err ignored;
	err_init(&ignored);
	const struct gate_eval *after = gate_status_find(&w->st, gate_id, &ignored);
	if (!after) { /* a post gate while planned: not in the default scope */
		struct gate_status all;
		if (gates_evaluate(&w->g, SCOPE_ALL, r->now, 0, &all, err) < 0) {
			cJSON_Delete(record);
			return -1;
		}
		after = gate_status_find(&all, gate_id, &ignored);
		json_add_str(record, "gate_state",
			     after ? model_name(&gate_state_names, (int)after->state) : NULL);
		gate_status_release(&all);
	} else {
		json_add_str(record, "gate_state",
			     model_name(&gate_state_names, (int)after->state));
	}
	json_add_str(record, "status", model_name(&gate_verdict_names, (int)w->st.verdict));
	resp_json(out, 201, record);
	return 0;
}

static cJSON *record_head(int64_t id, int64_t change_id, const struct gate_eval *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddNumberToObject(o, "change_id", (double)change_id);
	json_add_str(o, "gate", e->id);
	cJSON_AddNumberToObject(o, "policy_version", e->pv->version);
	return o;
}

static const struct model_names result_names = {(const char *const[]){"fail", "pass"}, 2,
						"pass, fail"};
static const char *const result_fields[] = {"result", "evidence", NULL};

int h_gates_result(struct req *r, struct resp *out, struct err *err)
{
	int pass = -1;
	const char *evidence = NULL;
	json_check_fields(r->json, result_fields, err);
	json_get_enum(r->json, "result", true, &result_names, &pass, err);
	json_get_string(r->json, "evidence", false, GATE_TEXT_MAX, &evidence, err);
	if (err_is_set(err))
		return -1;
	struct gate_write w;
	int rc = -1;
	if (gate_write_open(r, 0, &w, err) < 0 ||
	    want_kind(w.e, GATE_EVALUATION, "results", err) < 0)
		goto out;
	struct gate_result res = {
		.gate = (char *)w.e->id,
		.pass = pass,
		.evidence = (char *)evidence,
		.recorded_at = r->now,
		.recorded_by = r->token.name,
	};
	if (store_gate_result_insert(w.change_id, w.e->pv->version, &res, err) < 0)
		goto out;
	cJSON *o = record_head(res.id, w.change_id, w.e);
	json_add_str(o, "result", pass ? "pass" : "fail");
	json_add_str(o, "evidence", evidence);
	json_add_time(o, "recorded_at", res.recorded_at);
	json_add_str(o, "recorded_by", res.recorded_by);
	rc = respond_after(r, &w, o, out, err);
out:
	gate_write_release(&w);
	return rc;
}

/* "release-manager, engineer" from a role mask. */
static void roles_text(unsigned roles, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < ROLE_COUNT; i++)
		if (roles & (1u << i)) {
			size_t len = strlen(buf);
			snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
				 model_name(&role_names, i));
		}
}

static int role_in(const struct req *r, unsigned roles)
{
	int role = model_lookup(&role_names, r->token.role);
	return role == ROLE_ADMIN || (role >= 0 && (roles & (1u << role)));
}

static const char *const no_fields[] = {NULL};

int h_gates_approve(struct req *r, struct resp *out, struct err *err)
{
	if (json_check_fields(r->json, no_fields, err) < 0)
		return -1;
	struct gate_write w;
	int rc = -1;
	if (gate_write_open(r, 0, &w, err) < 0 ||
	    want_kind(w.e, GATE_APPROVAL, "approvals", err) < 0)
		goto out;
	if (!role_in(r, w.e->def->roles)) {
		char allowed[128];
		roles_text(w.e->def->roles, allowed, sizeof(allowed));
		err_set(err, ERR_FORBIDDEN,
			"role \"%s\" may not approve gate \"%s\"; allowed: %s (and admin)",
			r->token.role, w.e->id, allowed);
		goto out;
	}
	if (gate_is_own_change(&w.g.subject, r->token.name)) {
		err_set(err, ERR_FORBIDDEN, "the change's author (or creator) cannot approve it");
		goto out;
	}
	struct gate_approval a = {
		.gate = (char *)w.e->id,
		.approver = r->token.name,
		.role = r->token.role,
		.approved_at = r->now,
	};
	if (store_gate_approval_insert(w.change_id, w.e->pv->version, &a, err) < 0)
		goto out;
	cJSON *o = record_head(a.id, w.change_id, w.e);
	json_add_str(o, "approver", a.approver);
	json_add_str(o, "role", a.role);
	json_add_time(o, "approved_at", a.approved_at);
	rc = respond_after(r, &w, o, out, err);
out:
	gate_write_release(&w);
	return rc;
}

static const char *const bypass_fields[] = {"reason", "expires", NULL};

/* The bypass rules of the gate's policy (the defaults when it no longer parses). */
static void bypass_rules(const struct gate_eval *e, unsigned *roles, int64_t *max_expiry)
{
	*roles = 1u << ROLE_RELEASE_MANAGER;
	*max_expiry = POLICY_DEFAULT_MAX_EXPIRY;
	if (e->def && !e->pv->parse_failed) {
		*roles = e->pv->policy.bypass_roles;
		*max_expiry = e->pv->policy.bypass_max_expiry;
	}
}

/* Reads text (NULL: absent) into seconds (default max_expiry); 400 past
 * max_expiry. */
static int bypass_expiry(const char *text, const struct gate_eval *e, int64_t max_expiry,
			 int64_t *seconds, struct err *err)
{
	*seconds = max_expiry;
	if (!text)
		return 0;
	struct err derr;
	err_init(&derr);
	char limit[DURATION_BUFSZ];
	duration_format(max_expiry, limit);
	if (duration_parse(text, seconds, &derr) < 0)
		return err_detail(err, "expires", 0, 0, "%s", derr.message);
	if (*seconds <= 0)
		return err_detail(err, "expires", 0, 0, "must be longer than 0s");
	if (*seconds > max_expiry)
		return err_detail(err, "expires", 0, 0,
				  "%s is longer than the max_expiry %s of policy \"%.*s\"", text,
				  limit, (int)strcspn(e->id, "."), e->id);
	return 0;
}

/* The gate's state and JSON ignoring bypasses: what the bypass stands in for. */
static int state_without_bypasses(struct req *r, struct gate_write *w, enum gate_state *state,
				  char **snapshot, struct err *err)
{
	struct gate_status st;
	if (gates_evaluate(&w->g, SCOPE_ALL, r->now, GATES_NO_BYPASS, &st, err) < 0)
		return -1;
	struct err ignored;
	err_init(&ignored);
	const struct gate_eval *e = gate_status_find(&st, w->e->id, &ignored);
	cJSON *status = gate_status_to_json(&st, w->change_id);
	const cJSON *gate = gates_json_find(status, w->e->id);
	*state = e ? e->state : GATE_INCONCLUSIVE;
	*snapshot = gate ? json_print(gate) : xstrdup("{}");
	cJSON_Delete(status);
	gate_status_release(&st);
	return 0;
}

int h_gates_bypass(struct req *r, struct resp *out, struct err *err)
{
	const char *reason = NULL, *expires = NULL;
	json_check_fields(r->json, bypass_fields, err);
	json_get_string(r->json, "reason", true, GATE_TEXT_MAX, &reason, err);
	json_get_string(r->json, "expires", false, 64, &expires, err);
	if (err_is_set(err))
		return -1;
	struct gate_write w;
	char *snapshot = NULL;
	int rc = -1;
	unsigned roles;
	int64_t max_expiry, seconds;
	if (gate_write_open(r, 0, &w, err) < 0)
		goto out;
	if (!w.e->def) {
		err_set(err, ERR_INVALID,
			"gate \"%s\" cannot be bypassed: its policy no longer parses; publish a "
			"version that does",
			w.e->id);
		err_detail(err, "gate", 0, 0, "its policy no longer parses");
		goto out;
	}
	bypass_rules(w.e, &roles, &max_expiry);
	if (!role_in(r, roles)) {
		char allowed[128];
		roles_text(roles, allowed, sizeof(allowed));
		err_set(err, ERR_FORBIDDEN,
			"role \"%s\" may not bypass gate \"%s\"; its policy allows: %s (and admin)",
			r->token.role, w.e->id, allowed);
		goto out;
	}
	/* Bypassing an approval gate of one's own change would sidestep the rule
	 * that its author and creator never approve it. */
	if (w.e->def->kind == GATE_APPROVAL && gate_is_own_change(&w.g.subject, r->token.name)) {
		err_set(err, ERR_FORBIDDEN,
			"the change's author (or creator) cannot bypass its approval gate \"%s\"",
			w.e->id);
		goto out;
	}
	if (bypass_expiry(expires, w.e, max_expiry, &seconds, err) < 0)
		goto out;
	struct gate_bypass b = {
		.gate = (char *)w.e->id,
		.reason = (char *)reason,
		.by = r->token.name,
		.role = r->token.role,
		.at = r->now,
		.expires_at = r->now + seconds * USEC_PER_SEC,
	};
	if (state_without_bypasses(r, &w, &b.state_at_bypass, &snapshot, err) < 0 ||
	    store_gate_bypass_insert(w.change_id, w.e->pv->version, &b, snapshot, err) < 0)
		goto out;
	cJSON *o = record_head(b.id, w.change_id, w.e);
	json_add_str(o, "reason", b.reason);
	json_add_str(o, "by", b.by);
	json_add_str(o, "role", b.role);
	json_add_time(o, "at", b.at);
	json_add_time(o, "expires_at", b.expires_at);
	json_add_str(o, "state_at_bypass", model_name(&gate_state_names, (int)b.state_at_bypass));
	rc = respond_after(r, &w, o, out, err);
out:
	free(snapshot);
	gate_write_release(&w);
	return rc;
}
