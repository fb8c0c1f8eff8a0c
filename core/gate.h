/* Gate evaluation: which policies apply to a change, the state of each of
 * their gates at a given time, and the change's verdict for a phase. Also the
 * drill record (validated here, pass/fail decided here) and the one function
 * that decides whether a bypass is valid at a time. Pure: the caller loads the
 * records; nothing here does I/O. */
#ifndef RATCHET_GATE_H
#define RATCHET_GATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "policy.h"

struct err;

enum gate_state {
	GATE_PENDING,
	GATE_PASSED,
	GATE_FAILED,
	GATE_OVERDUE,
	GATE_BYPASSED,
	GATE_INCONCLUSIVE,
	GATE_STATE_COUNT,
};
extern const struct model_names gate_state_names; /* pending passed failed overdue ... */

/* The phase a status is asked about: pre, post, or all. */
enum gate_scope { SCOPE_PRE, SCOPE_POST, SCOPE_ALL, SCOPE_DEFAULT };
extern const struct model_names gate_scope_names; /* pre post all */

enum gate_verdict { VERDICT_CLEAR, VERDICT_BLOCKED, VERDICT_PENDING, VERDICT_COUNT };
extern const struct model_names gate_verdict_names; /* clear blocked pending */

/* Drills. */
enum drill_outcome { DRILL_RESTORED, DRILL_FAILED, DRILL_ABORTED, DRILL_OUTCOME_COUNT };
extern const struct model_names drill_outcome_names; /* restored failed aborted */

struct drill {
	int64_t id;
	char *service;
	int64_t change_id; /* 0 when none */
	int64_t performed_at;
	int64_t rto_target, rpo_target; /* seconds */
	int64_t rto_actual, rpo_actual; /* seconds; -1 = unmeasured */
	enum drill_outcome outcome;
	char *notes; /* may be NULL */
	int64_t recorded_at;
	char *recorded_by;
};
void drill_init(struct drill *d);
void drill_release(struct drill *d);
/* Validates a POST /v1/drills body: service, change (optional: id or
 * "service:key", returned borrowed in *change_ref), performed_at (not beyond
 * now + max_skew), rto_target, rpo_target (durations, required), rto_actual,
 * rpo_actual (durations or null = unmeasured), outcome, notes. Every problem is
 * a detail on err. */
int drill_from_json(const cJSON *body, int64_t now, int64_t max_skew, struct drill *d,
		    const char **change_ref, struct err *err);
/* Whether a drill passed: restored with both actuals measured and within
 * target. When it did not, *reason (static) says why: "aborted", "failed",
 * "unmeasured", "RTO missed", "RPO missed". */
int drill_passed(const struct drill *d, const char **reason);
/* The drill as API JSON (durations as strings; "passed" and "reason" added). */
cJSON *drill_to_json(const struct drill *d);

/* Records of one change's gates (full gate ids "<policy>.<gate>"). */
struct gate_result {
	int64_t id;
	char *gate;
	int pass; /* 1 pass, 0 fail */
	char *evidence;
	int64_t recorded_at;
	char *recorded_by;
};
struct gate_approval {
	int64_t id;
	char *gate;
	char *approver; /* token name */
	char *role;	/* the approver's role when approving */
	int64_t approved_at;
};
struct gate_bypass {
	int64_t id;
	char *gate;
	char *reason;
	char *by;
	char *role;
	int64_t at;
	int64_t expires_at; /* RTIME_NONE = never */
	enum gate_state state_at_bypass;
};
/* Whether a token name and a change's author (or creator) name the same
 * person: equal after trimming surrounding whitespace, ignoring ASCII case.
 * NULL or blank never matches. Approval and bypass checks call it. */
int gate_same_person(const char *token_name, const char *name);

/* The one function that decides whether a bypass is valid at time t:
 * at <= t < expires_at. Everything that honours a bypass calls it. */
int gate_bypass_valid_at(const struct gate_bypass *b, int64_t t);
/* Whether a bypass counts toward GBR: the gate had not passed when it was used. */
int gate_bypass_counted(const struct gate_bypass *b);

/* An active policy version as stored. */
struct policy_version {
	struct policy policy; /* parsed */
	int version;
	char sha256[65];
	int parse_failed; /* stored text no longer parses: its gates block (fail closed) */
};

/* What gate evaluation needs to know about a change. */
struct gate_subject {
	int64_t change_id;
	const char *service;
	enum impact impact;	 /* current (after amendments) */
	enum change_state state; /* CHANGE_EFFECTIVE when evaluated as shipping */
	int64_t effective_at;	 /* current; RTIME_NONE while planned */
	const char *author;	 /* may be NULL */
	const char *created_by;
	unsigned categories; /* bit mask of the categories of non-retracted IOs */
};

/* Whether the token named name is the change's author or creator. */
int gate_is_own_change(const struct gate_subject *s, const char *name);

struct gate_records {
	const struct gate_result *results;
	size_t n_results;
	const struct gate_approval *approvals;
	size_t n_approvals;
	const struct gate_bypass *bypasses;
	size_t n_bypasses;
	const struct drill *drills; /* of the change's service, any time */
	size_t n_drills;
};

/* One gate's evaluated state. */
struct gate_eval {
	char id[2 * POLICY_NAME_MAX + 2]; /* "<policy>.<gate>" */
	const struct policy_version *pv;
	const struct gate_def *def; /* NULL for a policy that no longer parses */
	enum gate_state state;
	char reason[256];
	/* Evidence: ids of the records that decided the state (0 when none). */
	int64_t result_id, drill_id, bypass_id;
	int64_t approval_ids[20];
	int n_approval_ids;
	int64_t due_at; /* evaluation gates with max_lag once effective; else RTIME_NONE */
};

struct gate_status {
	enum gate_scope scope; /* resolved: pre, post or all */
	enum gate_verdict verdict;
	int64_t evaluated_at;
	struct gate_eval *gates; /* in policy order, then gate order; only the scope's gates */
	size_t n_gates;
	const struct policy_version **policies; /* the policies that applied */
	size_t n_policies;
};
void gate_status_release(struct gate_status *s);

/* Evaluates every gate of every applicable policy for subject at time now.
 * SCOPE_DEFAULT means pre while planned, all once effective. The verdict is
 * blocked if any required gate is failed, overdue or inconclusive; else
 * pending if any is pending; else clear (no applicable gates: clear). */
int gate_evaluate(const struct policy_version *policies, size_t n_policies,
		  const struct gate_subject *subject, const struct gate_records *records,
		  enum gate_scope scope, int64_t now, struct gate_status *out, struct err *err);

/* The evaluated gate with full id (or a local id unique among the applicable
 * policies), or NULL: ERR_NOT_FOUND, or ERR_INVALID when ambiguous. */
const struct gate_eval *gate_status_find(const struct gate_status *s, const char *id,
					 struct err *err);

/* The status as API JSON: {"change_id", "scope", "status", "evaluated_at",
 * "policies": [{"name","version","sha256"}], "gates": [{"id","policy","version",
 * "kind","phase","required","state","reason","evidence":{...},"due_at"}]}.
 * Caller frees. */
cJSON *gate_status_to_json(const struct gate_status *s, int64_t change_id);

#endif
