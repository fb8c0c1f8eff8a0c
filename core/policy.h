/* Gate policies: the strict YAML loader (libyaml), the policy model, the list
 * of ways a new version is weaker than an old one, and the JSON codec. Pure:
 * the caller reads files; nothing here does I/O. */
#ifndef RATCHET_POLICY_H
#define RATCHET_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "change.h"
#include "model.h"

struct err;

/* Gate kinds and phases. The kinds' behaviour lives in one table in gate_kinds.c. */
enum gate_kind { GATE_EVALUATION, GATE_DRILL, GATE_APPROVAL, GATE_COHERENCE, GATE_KIND_COUNT };
enum gate_phase { PHASE_PRE, PHASE_POST, PHASE_COUNT };
enum coherence_role { COH_ROLE_F_HAT, COH_ROLE_C_HAT, COH_ROLE_I_HAT, COH_ROLE_COUNT };
enum coherence_structure {
	COH_RANK,
	COH_CROSSING,
	COH_EVENTS,
	COH_KAPPA,
	COH_STRUCTURE_COUNT,
};
extern const struct model_names gate_kind_names;	   /* evaluation drill approval coherence */
extern const struct model_names gate_phase_names;	   /* pre post */
extern const struct model_names coherence_role_names;	   /* F_hat C_hat I_hat */
extern const struct model_names coherence_structure_names; /* rank crossing events kappa */

#define POLICY_NAME_MAX 63 /* names and gate ids: [a-z0-9][a-z0-9_-]{0,62}, no dots */
#define POLICY_TEXT_MAX (256 * 1024)

/* One gate of a policy. Durations are whole seconds; -1 means absent. */
struct gate_def {
	char *id; /* the local id ("eval-closure"); the full id is "<policy>.<id>" */
	enum gate_kind kind;
	enum gate_phase phase;
	int required;	       /* `required:` (default true); only required gates block */
	int64_t max_lag;       /* evaluation: optional */
	int64_t within;	       /* drill: required */
	int64_t rto;	       /* drill: required */
	int64_t rpo;	       /* drill: required */
	int approvals;	       /* approval: required, 1..20 */
	unsigned roles;	       /* approval: bit (1u << enum role), required, non-empty */
	char *estimator_tuple; /* coherence: required */
	enum coherence_role coh_role;
	enum coherence_structure structure;
	double min;		 /* coherence: required, in [0, 1] */
	int expected_sign;	 /* coherence: +1 (default) or -1 */
	int allow_scope_limited; /* coherence: default false */
	int line, column;	 /* where the gate's mapping starts (1-based) */
};

/* The thresholds block; every field optional (has_* says which were given). */
struct policy_thresholds {
	int has_window, has_validation_lag, has_rdpr, has_gbr, has_tempo_ratio;
	int64_t window;		/* seconds */
	int64_t validation_lag; /* seconds */
	double rdpr;		/* fraction: "80%" → 0.8 */
	double gbr;		/* fraction: "5%" → 0.05 */
	double tempo_ratio;	/* > 0 */
};

struct policy {
	char *name;
	/* applies_to: AND across keys, OR within a list; 0 / empty = any. */
	unsigned impacts;    /* bit (1u << enum impact) */
	unsigned categories; /* bit (1u << enum io_category) */
	struct strlist services;
	struct gate_def *gates;
	size_t n_gates;
	struct policy_thresholds thresholds;
	unsigned bypass_roles;	   /* default: release-manager (admin always may) */
	int64_t bypass_max_expiry; /* seconds; default 7d */
};

#define POLICY_DEFAULT_MAX_EXPIRY (7 * 86400)

void policy_init(struct policy *p);
void policy_release(struct policy *p);

/* Parses and lints one policy document. file names the source in messages
 * (a path, or "policy" for an upload). On any problem: ERR_INVALID, message
 * "could not parse policy \"<file>\": <line>:<column>: <first problem>", and one detail per
 * problem — every problem found, in document order — with line and column
 * (1-based), the field as a path ("gates[1].max_lag", "" for the document)
 * and the message alone (no location: callers print file:line:column: message).
 * Rules: exactly one non-empty document; no tabs anywhere; no anchors, aliases
 * or tags; no duplicate or unknown keys; plain yes/no/on/off/y/n (any case) are
 * errors everywhere (booleans are true/false); durations need units; percentages
 * need "%"; gate ids unique; the kind's own keys only. p is filled on success
 * and left released on failure. */
int policy_parse(const char *file, const char *text, size_t len, struct policy *p, struct err *err);

/* The gate of p with local id, or NULL. */
const struct gate_def *policy_gate(const struct policy *p, const char *id);

/* Whether the policy applies to a change with this (current) impact, service
 * and set of IO categories (bit mask of non-retracted IOs). */
int policy_applies(const struct policy *p, enum impact impact, const char *service,
		   unsigned categories);

/* Every way new_p is weaker than old_p (DESIGN.md: a dropped gate or one made
 * optional, a raised max_lag, a widened within, raised rto/rpo, fewer approvals
 * or wider approval roles, a lower min, scope-limited allowed, a loosened or
 * removed threshold, wider bypass roles or a longer max_expiry, a narrower
 * applies_to, a pre gate moved to post), one line each, appended to out
 * (e.g. "gate eval-closure: max_lag raised from 72h to 96h"). Returns the count. */
size_t policy_weakenings(const struct policy *old_p, const struct policy *new_p,
			 struct strlist *out);

/* The parsed policy as JSON (durations as strings, percentages as "80%").
 * Caller frees with cJSON_Delete. */
cJSON *policy_to_json(const struct policy *p);

/* A line diff of two texts in unified form ("--- a", "+++ b", "@@" hunks with
 * 3 lines of context), labels naming the sides. Empty string when equal.
 * Caller frees. */
char *policy_text_diff(const char *old_text, const char *new_text, const char *old_label,
		       const char *new_label);

#endif
