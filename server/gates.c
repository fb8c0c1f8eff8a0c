/* Gate evaluation of one change on the server: what gate_evaluate needs,
 * loaded from the store; verdicts stored with their inputs and window; and
 * the shipping check of POST /v1/changes/{id}/effective. */
#include "common.h"

#include "err.h"
#include "gates.h"
#include "hash.h"
#include "jcs.h"
#include "json.h"
#include "rtime.h"

#define USEC_PER_SEC 1000000

void gates_ctx_init(struct gates_ctx *g)
{
	memset(g, 0, sizeof(*g));
	change_init(&g->change);
}

void gates_ctx_release(struct gates_ctx *g)
{
	change_release(&g->change);
	policy_versions_free(g->policies, g->n_policies);
	gate_record_set_release(&g->records);
	store_drills_free(g->drills, g->n_drills);
	gates_ctx_init(g);
}

int gates_load(int64_t change_id, int64_t now, struct gates_ctx *g, struct err *err)
{
	if (store_change_get(change_id, &g->change, err) < 0 ||
	    store_change_io_categories(change_id, &g->categories, err) < 0 ||
	    store_gate_records_load(change_id, &g->records, err) < 0 ||
	    store_drills_of_service(g->change.service, now, &g->drills, &g->n_drills, err) < 0 ||
	    store_policy_active(&g->policies, &g->n_policies, err) < 0)
		return -1;
	return 0;
}

int gates_evaluate(struct gates_ctx *g, enum gate_scope scope, int64_t now, unsigned flags,
		   struct gate_status *out, struct err *err)
{
	const struct change *c = &g->change;
	int planned = (flags & GATES_AS_PLANNED) || c->state == CHANGE_PLANNED;
	g->subject = (struct gate_subject){
		.change_id = c->id,
		.service = c->service,
		.impact = change_current_impact(c),
		.state = planned ? CHANGE_PLANNED : CHANGE_EFFECTIVE,
		.effective_at = planned ? RTIME_NONE : change_current_effective_at(c),
		.author = c->author,
		.created_by = c->created_by,
		.categories = g->categories,
	};
	int with_bypasses = !(flags & GATES_NO_BYPASS);
	struct gate_records records = {
		.results = g->records.results,
		.n_results = g->records.n_results,
		.approvals = g->records.approvals,
		.n_approvals = g->records.n_approvals,
		.bypasses = with_bypasses ? g->records.bypasses : NULL,
		.n_bypasses = with_bypasses ? g->records.n_bypasses : 0,
		.drills = g->drills,
		.n_drills = g->n_drills,
	};
	return gate_evaluate(g->policies, g->n_policies, &g->subject, &records, scope, now, out,
			     err);
}

const cJSON *gates_json_find(const cJSON *status_json, const char *id)
{
	const cJSON *gate;
	cJSON_ArrayForEach(gate, cJSON_GetObjectItemCaseSensitive(status_json, "gates"))
	{
		const char *gid =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gate, "id"));
		if (gid && strcmp(gid, id) == 0)
			return gate;
	}
	return NULL;
}

/* Whether the status lists a gate with this full id. */
static int in_status(const struct gate_status *st, const char *gate)
{
	for (size_t i = 0; i < st->n_gates; i++)
		if (strcmp(st->gates[i].id, gate) == 0)
			return 1;
	return 0;
}

static void add_id(cJSON *arr, int64_t id)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, arr)
	{
		if ((int64_t)v->valuedouble == id)
			return;
	}
	cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)id));
}

/* The drill window of a drill gate: [T - within, T], T = effective_at or now. */
static void drill_window(const struct gate_subject *s, const struct gate_eval *e, int64_t now,
			 int64_t *from, int64_t *to)
{
	*to = s->state == CHANGE_EFFECTIVE && s->effective_at != RTIME_NONE ? s->effective_at : now;
	int64_t span = (RTIME_MAX - RTIME_MIN) / USEC_PER_SEC;
	int64_t within = e->def->within > span ? span : e->def->within;
	*from = *to - within * USEC_PER_SEC;
	if (*from < RTIME_MIN)
		*from = RTIME_MIN;
}

static int is_drill_gate(const struct gate_eval *e)
{
	return e->def && e->def->kind == GATE_DRILL;
}

/* The ids of every record the evaluation could see: results, approvals and
 * bypasses of the listed gates recorded by then, and the drills in the
 * windows of its drill gates. */
static cJSON *inputs_json(const struct gates_ctx *g, const struct gate_status *st)
{
	int64_t now = st->evaluated_at;
	const struct gate_record_set *s = &g->records;
	cJSON *o = cJSON_CreateObject();
	cJSON *results = cJSON_AddArrayToObject(o, "results");
	for (size_t i = 0; i < s->n_results; i++)
		if (s->results[i].recorded_at <= now && in_status(st, s->results[i].gate))
			add_id(results, s->results[i].id);
	cJSON *approvals = cJSON_AddArrayToObject(o, "approvals");
	for (size_t i = 0; i < s->n_approvals; i++)
		if (s->approvals[i].approved_at <= now && in_status(st, s->approvals[i].gate))
			add_id(approvals, s->approvals[i].id);
	cJSON *bypasses = cJSON_AddArrayToObject(o, "bypasses");
	for (size_t i = 0; i < s->n_bypasses; i++)
		if (s->bypasses[i].at <= now && in_status(st, s->bypasses[i].gate))
			add_id(bypasses, s->bypasses[i].id);
	cJSON *drills = cJSON_AddArrayToObject(o, "drills");
	for (size_t k = 0; k < st->n_gates; k++) {
		if (!is_drill_gate(&st->gates[k]))
			continue;
		int64_t from, to;
		drill_window(&g->subject, &st->gates[k], now, &from, &to);
		for (size_t i = 0; i < g->n_drills; i++)
			if (g->drills[i].performed_at >= from && g->drills[i].performed_at <= to)
				add_id(drills, g->drills[i].id);
	}
	return o;
}

static cJSON *window_json(const struct gates_ctx *g, const struct gate_status *st)
{
	cJSON *o = cJSON_CreateObject();
	json_add_time(o, "evaluated_at", st->evaluated_at);
	cJSON *drills = cJSON_AddArrayToObject(o, "drills");
	for (size_t k = 0; k < st->n_gates; k++) {
		if (!is_drill_gate(&st->gates[k]))
			continue;
		int64_t from, to;
		drill_window(&g->subject, &st->gates[k], st->evaluated_at, &from, &to);
		cJSON *w = cJSON_CreateObject();
		json_add_str(w, "gate", st->gates[k].id);
		json_add_time(w, "from", from);
		json_add_time(w, "to", to);
		cJSON_AddItemToArray(drills, w);
	}
	return o;
}

/* What the evaluation took the change to be. */
static cJSON *subject_json(const struct gate_subject *s)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "state", model_name(&change_state_names, (int)s->state));
	json_add_time(o, "effective_at", s->effective_at);
	json_add_str(o, "impact", model_name(&impact_names, (int)s->impact));
	cJSON *cats = cJSON_AddArrayToObject(o, "io_categories");
	for (int i = 0; i < IO_CAT_COUNT; i++)
		if (s->categories & (1u << i))
			cJSON_AddItemToArray(cats,
					     cJSON_CreateString(model_name(&io_category_names, i)));
	return o;
}

/* SHA-256 of the status JSON's canonical form without evaluated_at. */
static int status_digest(const cJSON *status, char digest[65], struct err *err)
{
	cJSON *copy = cJSON_Duplicate(status, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "evaluated_at");
	char *canon = jcs_canonicalize(copy, err);
	cJSON_Delete(copy);
	if (!canon)
		return -1;
	hash_sha256_hex(canon, strlen(canon), digest);
	free(canon);
	return 0;
}

/* Inserts a new verdict row: the status plus its id, subject, inputs and window. */
static int insert_verdict(const struct gates_ctx *g, const struct gate_status *st,
			  const cJSON *status, const char *digest, int64_t *verdict_id,
			  struct err *err)
{
	if (store_gate_verdict_next_id(verdict_id, err) < 0)
		return -1;
	cJSON *verdict = cJSON_CreateObject();
	cJSON_AddNumberToObject(verdict, "id", (double)*verdict_id);
	for (const cJSON *item = status->child; item; item = item->next)
		cJSON_AddItemToObject(verdict, item->string, cJSON_Duplicate(item, 1));
	cJSON_AddItemToObject(verdict, "subject", subject_json(&g->subject));
	cJSON_AddItemToObject(verdict, "inputs", inputs_json(g, st));
	cJSON_AddItemToObject(verdict, "window", window_json(g, st));
	cJSON_AddStringToObject(verdict, "digest", digest);
	char *text = json_print(verdict);
	cJSON_Delete(verdict);
	int rc = store_gate_verdict_insert(*verdict_id, g->change.id,
					   model_name(&gate_scope_names, (int)st->scope),
					   model_name(&gate_verdict_names, (int)st->verdict),
					   digest, text, st->evaluated_at, err);
	free(text);
	return rc;
}

int gates_record_verdict(const struct gates_ctx *g, const struct gate_status *st,
			 cJSON **status_json, int64_t *verdict_id, struct err *err)
{
	cJSON *status = gate_status_to_json(st, g->change.id);
	char digest[65], latest[65];
	const char *scope = model_name(&gate_scope_names, (int)st->scope);
	if (status_digest(status, digest, err) < 0 ||
	    store_gate_verdict_lock(g->change.id, err) < 0 ||
	    store_gate_verdict_latest(g->change.id, scope, verdict_id, latest, err) < 0)
		goto fail;
	if (*verdict_id == 0 || strcmp(latest, digest) != 0)
		if (insert_verdict(g, st, status, digest, verdict_id, err) < 0)
			goto fail;
	*status_json = status;
	return 0;
fail:
	cJSON_Delete(status);
	return -1;
}

static int gate_blocks(const struct gate_eval *e)
{
	int required = e->def ? e->def->required : 1;
	return required && e->state != GATE_PASSED && e->state != GATE_BYPASSED;
}

/* The 409 of refuse_if_blocked: one detail per gate that is not clear. */
static int refuse_blocked(const struct change *c, const struct gate_status *st, struct err *err)
{
	size_t n = 0;
	for (size_t i = 0; i < st->n_gates; i++)
		n += (size_t)gate_blocks(&st->gates[i]);
	err_set(err, ERR_CONFLICT, "change %s:%s is %s: %zu pre gate(s) not clear", c->service,
		c->key, model_name(&gate_verdict_names, (int)st->verdict), n);
	for (size_t i = 0; i < st->n_gates; i++) {
		const struct gate_eval *e = &st->gates[i];
		if (gate_blocks(e))
			err_detail(err, e->id, 0, 0, "%s: %s",
				   model_name(&gate_state_names, (int)e->state), e->reason);
	}
	return -1;
}

static char *blocked_snapshot(const struct gate_status *st, int64_t verdict_id)
{
	cJSON *o = cJSON_CreateObject();
	json_add_time(o, "at", st->evaluated_at);
	cJSON_AddNumberToObject(o, "verdict_id", (double)verdict_id);
	json_add_str(o, "status", model_name(&gate_verdict_names, (int)st->verdict));
	cJSON *gates = cJSON_AddArrayToObject(o, "gates");
	for (size_t i = 0; i < st->n_gates; i++) {
		const struct gate_eval *e = &st->gates[i];
		if (!gate_blocks(e))
			continue;
		cJSON *gj = cJSON_CreateObject();
		json_add_str(gj, "id", e->id);
		json_add_str(gj, "state", model_name(&gate_state_names, (int)e->state));
		json_add_str(gj, "reason", e->reason);
		cJSON_AddItemToArray(gates, gj);
	}
	char *text = json_print(o);
	cJSON_Delete(o);
	return text;
}

int gates_ship_check(int64_t change_id, int64_t at, int64_t now, int flags, char **snapshot,
		     struct err *err)
{
	int refuse = flags & SHIP_REFUSE;
	if (at < now)
		now = at;
	struct gates_ctx g;
	struct gate_status st;
	cJSON *status = NULL;
	int64_t verdict_id = 0;
	int rc = -1, evaluated = 0;
	*snapshot = NULL;
	gates_ctx_init(&g);
	memset(&st, 0, sizeof(st));
	if (gates_load(change_id, now, &g, err) < 0)
		goto out;
	if (g.change.state != CHANGE_PLANNED && !(flags & SHIP_FILED_EFFECTIVE)) {
		rc = 0; /* the caller's set-once rule refuses it */
		goto out;
	}
	if (gates_evaluate(&g, SCOPE_PRE, now, GATES_AS_PLANNED, &st, err) < 0)
		goto out;
	evaluated = 1;
	if (st.verdict != VERDICT_CLEAR && refuse) {
		refuse_blocked(&g.change, &st, err);
		goto out;
	}
	if (gates_record_verdict(&g, &st, &status, &verdict_id, err) < 0)
		goto out;
	if (st.verdict != VERDICT_CLEAR)
		*snapshot = blocked_snapshot(&st, verdict_id);
	rc = 0;
out:
	cJSON_Delete(status);
	if (evaluated)
		gate_status_release(&st);
	gates_ctx_release(&g);
	return rc;
}

int gates_ship(int64_t change_id, int64_t at, int64_t now, int flags, int *blocked, struct err *err)
{
	char *snapshot = NULL;
	int rc = -1;
	if (blocked)
		*blocked = 0;
	if (gates_ship_check(change_id, at, now, flags, &snapshot, err) < 0)
		return -1;
	if (!(flags & SHIP_FILED_EFFECTIVE) && store_change_set_effective(change_id, at, err) < 0)
		goto out;
	if (snapshot && store_change_set_shipped_while_blocked(change_id, snapshot, err) < 0)
		goto out;
	if (blocked)
		*blocked = snapshot != NULL;
	rc = 0;
out:
	free(snapshot);
	return rc;
}

int gates_change_json(int64_t change_id, int64_t now, cJSON **gates, struct err *err)
{
	struct gates_ctx g;
	struct gate_status st;
	int rc = -1;
	*gates = NULL;
	gates_ctx_init(&g);
	if (gates_load(change_id, now, &g, err) < 0 ||
	    gates_evaluate(&g, SCOPE_DEFAULT, now, 0, &st, err) < 0)
		goto out;
	cJSON *status = gate_status_to_json(&st, change_id);
	*gates = cJSON_DetachItemFromObjectCaseSensitive(status, "gates");
	if (!*gates)
		*gates = cJSON_CreateArray();
	cJSON_Delete(status);
	gate_status_release(&st);
	rc = 0;
out:
	gates_ctx_release(&g);
	return rc;
}
