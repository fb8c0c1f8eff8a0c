/* The table of gate kinds: keys, evaluation and weakening for each. */
#include "common.h"

#include "gate_kinds.h"

#define KEY(n, t, f, req)                                                                          \
	{                                                                                          \
		n, t, offsetof(struct gate_def, f), req                                            \
	}

static const struct gate_key evaluation_keys[] = {
	KEY("max_lag", GKEY_DURATION, max_lag, 0),
	{NULL, 0, 0, 0},
};

static const struct gate_key drill_keys[] = {
	KEY("within", GKEY_DURATION, within, 1),
	KEY("rto", GKEY_DURATION, rto, 1),
	KEY("rpo", GKEY_DURATION, rpo, 1),
	{NULL, 0, 0, 0},
};

static const struct gate_key approval_keys[] = {
	KEY("approvals", GKEY_COUNT, approvals, 1),
	KEY("roles", GKEY_ROLES, roles, 1),
	{NULL, 0, 0, 0},
};

static const struct gate_key coherence_keys[] = {
	KEY("estimator_tuple", GKEY_NAME, estimator_tuple, 1),
	KEY("role", GKEY_COH_ROLE, coh_role, 1),
	KEY("structure", GKEY_STRUCTURE, structure, 1),
	KEY("min", GKEY_UNIT, min, 1),
	KEY("expected_sign", GKEY_SIGN, expected_sign, 0),
	KEY("allow_scope_limited", GKEY_BOOL, allow_scope_limited, 0),
	{NULL, 0, 0, 0},
};

const struct gate_kind_ops gate_kinds[GATE_KIND_COUNT] = {
	[GATE_EVALUATION] = {"evaluation", evaluation_keys, gate_eval_evaluation,
			     gate_weaker_evaluation},
	[GATE_DRILL] = {"drill", drill_keys, gate_eval_drill, gate_weaker_drill},
	[GATE_APPROVAL] = {"approval", approval_keys, gate_eval_approval, gate_weaker_approval},
	[GATE_COHERENCE] = {"coherence", coherence_keys, gate_eval_coherence,
			    gate_weaker_coherence},
};
