/* The gate kinds in one table: the YAML keys each kind takes (with their types
 * and whether they are required), how it is evaluated, and how a new version
 * of it can be weaker. The policy loader, the evaluator and the weakening check
 * all read this table, so adding a kind touches nothing else. */
#ifndef RATCHET_GATE_KINDS_H
#define RATCHET_GATE_KINDS_H

#include <stddef.h>

#include "gate.h"

/* How a key's scalar value is read into struct gate_def. */
enum gate_key_type {
	GKEY_DURATION,	/* "72h" → int64_t seconds (> 0); bare numbers refused */
	GKEY_COUNT,	/* integer 1..20 → int */
	GKEY_ROLES,	/* non-empty list of role names (not auditor) → unsigned bit mask */
	GKEY_NAME,	/* [a-z0-9][a-z0-9_-]{0,62} → char * */
	GKEY_COH_ROLE,	/* F_hat | C_hat | I_hat → enum coherence_role */
	GKEY_STRUCTURE, /* rank | crossing | events | kappa → enum coherence_structure */
	GKEY_UNIT,	/* a number in [0, 1] → double */
	GKEY_SIGN,	/* +1 or -1 → int */
	GKEY_BOOL,	/* true | false → int */
};

struct gate_key {
	const char *name;
	enum gate_key_type type;
	size_t offset; /* offsetof(struct gate_def, field) */
	int required;
};

/* Evaluates one gate of kind; fills e->state, e->reason and evidence ids. The
 * bypass and required logic is common and applied by the caller afterwards. */
typedef void (*gate_eval_fn)(const struct gate_def *g, const struct gate_subject *s,
			     const struct gate_records *r, int64_t now, struct gate_eval *e);
/* Appends each way new_g is weaker than old_g (same id and kind) to out. */
typedef void (*gate_weaker_fn)(const struct gate_def *old_g, const struct gate_def *new_g,
			       struct strlist *out);

struct gate_kind_ops {
	const char *name;
	const struct gate_key *keys; /* the kind's own keys, NULL-name terminated */
	gate_eval_fn eval;
	gate_weaker_fn weaker;
};

/* Indexed by enum gate_kind. */
extern const struct gate_kind_ops gate_kinds[GATE_KIND_COUNT];

/* Defined in gate.c (evaluation) and policy_weaker.c (weakening). */
void gate_eval_evaluation(const struct gate_def *g, const struct gate_subject *s,
			  const struct gate_records *r, int64_t now, struct gate_eval *e);
void gate_eval_drill(const struct gate_def *g, const struct gate_subject *s,
		     const struct gate_records *r, int64_t now, struct gate_eval *e);
void gate_eval_approval(const struct gate_def *g, const struct gate_subject *s,
			const struct gate_records *r, int64_t now, struct gate_eval *e);
void gate_eval_coherence(const struct gate_def *g, const struct gate_subject *s,
			 const struct gate_records *r, int64_t now, struct gate_eval *e);
void gate_weaker_evaluation(const struct gate_def *old_g, const struct gate_def *new_g,
			    struct strlist *out);
void gate_weaker_drill(const struct gate_def *old_g, const struct gate_def *new_g,
		       struct strlist *out);
void gate_weaker_approval(const struct gate_def *old_g, const struct gate_def *new_g,
			  struct strlist *out);
void gate_weaker_coherence(const struct gate_def *old_g, const struct gate_def *new_g,
			   struct strlist *out);

#endif
