/* A change as the metrics see it: its evaluation closure (the moment every
 * required post gate first reached pass or fail, replayed with gate_evaluate
 * at each record time) and its GBR inputs (required gates, counted bypasses,
 * the gates not clear when it shipped while blocked). */
#include "common.h"

#include "err.h"
#include "metrics.h"
#include "rtime.h"

static int cmp_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Every time a record could change a gate's state, up to asof: effective_at
 * and each result, approval and drill time. Sorted, distinct; caller frees. */
static int64_t *candidate_times(const struct gate_subject *s, const struct gate_records *r,
				int64_t asof, size_t *n_out)
{
	size_t cap = 1 + r->n_results + r->n_approvals + 2 * r->n_drills, n = 0;
	int64_t *t = xmalloc(cap * sizeof(*t));
	if (s->effective_at != RTIME_NONE && s->effective_at <= asof)
		t[n++] = s->effective_at;
	for (size_t i = 0; i < r->n_results; i++)
		if (r->results[i].recorded_at <= asof)
			t[n++] = r->results[i].recorded_at;
	for (size_t i = 0; i < r->n_approvals; i++)
		if (r->approvals[i].approved_at <= asof)
			t[n++] = r->approvals[i].approved_at;
	for (size_t i = 0; i < r->n_drills; i++) {
		if (r->drills[i].performed_at <= asof)
			t[n++] = r->drills[i].performed_at;
		if (r->drills[i].recorded_at <= asof)
			t[n++] = r->drills[i].recorded_at;
	}
	xqsort(t, n, sizeof(*t), cmp_time);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || t[i] != t[m - 1])
			t[m++] = t[i];
	*n_out = m;
	return t;
}

static int required(const struct gate_eval *e)
{
	return e->def && e->def->required;
}

static size_t count_required(const struct gate_status *st)
{
	size_t k = 0;
	for (size_t i = 0; i < st->n_gates; i++)
		k += (size_t)required(&st->gates[i]);
	return k;
}

/* The subject as it was at t: planned before its effective_at (a drill could
 * still come, no max_lag is running), effective from then on. */
static struct gate_subject subject_at(const struct gate_subject *s, int64_t t)
{
	struct gate_subject at = *s;
	if (s->effective_at == RTIME_NONE || t < s->effective_at) {
		at.state = CHANGE_PLANNED;
		at.effective_at = RTIME_NONE;
	} else {
		at.state = CHANGE_EFFECTIVE;
	}
	return at;
}

/* Replays the post gates at each candidate time; first[i] gets the first time
 * the i-th required gate was passed or failed. Returns how many are set, or -1. */
static int replay(const struct policy_version *policies, size_t n_policies,
		  const struct gate_subject *subject, const struct gate_records *records,
		  int64_t asof, int64_t *first, size_t k, struct err *err)
{
	size_t n_times, closed = 0;
	int64_t *times = candidate_times(subject, records, asof, &n_times);
	for (size_t ti = 0; ti < n_times && closed < k; ti++) {
		struct gate_subject at = subject_at(subject, times[ti]);
		struct gate_status st;
		if (gate_evaluate(policies, n_policies, &at, records, SCOPE_POST, times[ti], &st,
				  err) < 0) {
			free(times);
			return -1;
		}
		size_t j = 0;
		for (size_t i = 0; i < st.n_gates && j < k; i++) {
			const struct gate_eval *e = &st.gates[i];
			if (!required(e))
				continue;
			if (first[j] == RTIME_NONE &&
			    (e->state == GATE_PASSED || e->state == GATE_FAILED)) {
				first[j] = times[ti];
				closed++;
			}
			j++;
		}
		gate_status_release(&st);
	}
	free(times);
	return (int)closed;
}

int metrics_closure(const struct policy_version *policies, size_t n_policies,
		    const struct gate_subject *subject, const struct gate_records *records,
		    int64_t asof, int *gated, int64_t *closed_at, struct err *err)
{
	*gated = 0;
	*closed_at = RTIME_NONE;
	/* a bypass never closes an evaluation */
	struct gate_records r = *records;
	r.bypasses = NULL;
	r.n_bypasses = 0;
	struct gate_status st;
	struct gate_subject at = subject_at(subject, asof);
	if (gate_evaluate(policies, n_policies, &at, &r, SCOPE_POST, asof, &st, err) < 0)
		return -1;
	size_t k = count_required(&st);
	gate_status_release(&st);
	if (k == 0)
		return 0;
	*gated = 1;
	int64_t *first = xmalloc(k * sizeof(*first));
	for (size_t i = 0; i < k; i++)
		first[i] = RTIME_NONE;
	int closed = replay(policies, n_policies, subject, &r, asof, first, k, err);
	if (closed < 0) {
		free(first);
		return -1;
	}
	if ((size_t)closed == k) {
		int64_t last = first[0];
		for (size_t i = 1; i < k; i++)
			last = first[i] > last ? first[i] : last;
		*closed_at = last;
	}
	free(first);
	return 0;
}

/* The ids of the gates listed in a shipped_while_blocked snapshot ("gates":
 * [{"id": ...}]), borrowed from the parsed tree; NULL when there are none. */
static const char **snapshot_gates(const cJSON *snap, size_t *n)
{
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(snap, "gates");
	*n = 0;
	if (!cJSON_IsArray(gates))
		return NULL;
	const char **ids = xcalloc((size_t)cJSON_GetArraySize(gates) + 1, sizeof(*ids));
	const cJSON *g;
	cJSON_ArrayForEach(g, gates)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(g, "id");
		if (cJSON_IsString(id))
			ids[(*n)++] = id->valuestring;
	}
	return ids;
}

/* Counts gate e as bypassed when it has a counted bypass or is listed in the
 * snapshot; *first gets the earliest moment that made it so. */
static int gate_bypassed(const struct gate_eval *e, const struct gate_records *r,
			 const char **blocked, size_t n_blocked, int64_t effective_at,
			 int64_t *first)
{
	int64_t at = RTIME_NONE;
	for (size_t i = 0; i < r->n_bypasses; i++) {
		const struct gate_bypass *b = &r->bypasses[i];
		if (strcmp(b->gate, e->id) == 0 && gate_bypass_counted(b) &&
		    (at == RTIME_NONE || b->at < at))
			at = b->at;
	}
	for (size_t i = 0; i < n_blocked; i++)
		if (strcmp(blocked[i], e->id) == 0 && (at == RTIME_NONE || effective_at < at))
			at = effective_at;
	*first = at;
	return at != RTIME_NONE;
}

static int fill_gbr(const struct policy_version *policies, size_t n_policies,
		    const struct gate_subject *subject, const struct gate_records *records,
		    const char *snapshot, int64_t asof, struct metric_change *m, struct err *err)
{
	struct gate_status st;
	struct gate_subject at = *subject;
	at.state = CHANGE_EFFECTIVE;
	if (gate_evaluate(policies, n_policies, &at, records, SCOPE_ALL, asof, &st, err) < 0)
		return -1;
	cJSON *snap = snapshot ? cJSON_Parse(snapshot) : NULL;
	size_t n_blocked = 0;
	const char **blocked = snap ? snapshot_gates(snap, &n_blocked) : NULL;
	m->shipped_while_blocked = snapshot != NULL;
	for (size_t i = 0; i < st.n_gates; i++) {
		const struct gate_eval *e = &st.gates[i];
		int64_t first;
		if (!required(e))
			continue;
		m->n_required++;
		if (!gate_bypassed(e, records, blocked, n_blocked, subject->effective_at, &first))
			continue;
		m->n_bypassed++;
		if (m->first_bypass_at == RTIME_NONE || first < m->first_bypass_at)
			m->first_bypass_at = first;
	}
	free(blocked);
	cJSON_Delete(snap);
	gate_status_release(&st);
	return 0;
}

int metrics_change_fill(const struct policy_version *policies, size_t n_policies,
			const struct gate_subject *subject, const struct gate_records *records,
			const char *shipped_while_blocked, int64_t asof, struct metric_change *m,
			struct err *err)
{
	m->id = subject->change_id;
	m->effective_at = subject->effective_at;
	m->impact = subject->impact;
	m->gated = 0;
	m->closed_at = RTIME_NONE;
	m->n_required = 0;
	m->n_bypassed = 0;
	m->shipped_while_blocked = 0;
	m->first_bypass_at = RTIME_NONE;
	if (metrics_closure(policies, n_policies, subject, records, asof, &m->gated, &m->closed_at,
			    err) < 0)
		return -1;
	return fill_gbr(policies, n_policies, subject, records, shipped_while_blocked, asof, m,
			err);
}
