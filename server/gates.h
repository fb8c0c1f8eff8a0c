/* Gate evaluation of one change, server side: loads the change, its gate
 * records, the drills of its service and the active policies; evaluates with
 * core's gate_evaluate; stores verdicts; decides whether a change may ship.
 * Shared by h_gates.c and h_changes.c. */
#ifndef RATCHET_GATES_H
#define RATCHET_GATES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "change.h"
#include "gate.h"
#include "store.h"

struct err;

struct gates_ctx {
	struct change change;
	unsigned categories; /* of the change's non-retracted IOs */
	struct policy_version *policies;
	size_t n_policies;
	struct gate_record_set records;
	struct drill *drills; /* of the change's service, performed at or before now */
	size_t n_drills;
	struct gate_subject subject; /* of the last gates_evaluate */
};

/* Evaluation flags. */
enum {
	GATES_AS_PLANNED = (1 << 0), /* the change as if still planned (about to ship) */
	GATES_NO_BYPASS = (1 << 1),  /* ignore bypasses (the state a bypass records) */
};

void gates_ctx_init(struct gates_ctx *g);
void gates_ctx_release(struct gates_ctx *g);
/* Loads everything evaluation at time now needs; ERR_NOT_FOUND for no change. */
int gates_load(int64_t change_id, int64_t now, struct gates_ctx *g, struct err *err);
/* Evaluates the loaded change (the caller releases out with gate_status_release;
 * out points into g, so g must outlive it). */
int gates_evaluate(struct gates_ctx *g, enum gate_scope scope, int64_t now, unsigned flags,
		   struct gate_status *out, struct err *err);
/* The status as API JSON (gate_status_to_json) with the verdict recorded: a
 * new gate_verdicts row when the status (without evaluated_at) differs from
 * the latest verdict of (change, scope), else the latest one. Must run inside
 * a transaction. *status_json is the caller's; *verdict_id the verdict's id. */
int gates_record_verdict(const struct gates_ctx *g, const struct gate_status *st,
			 cJSON **status_json, int64_t *verdict_id, struct err *err);
/* The JSON of the gate with id in a status JSON's "gates" (borrowed), or NULL. */
const cJSON *gates_json_find(const cJSON *status_json, const char *id);

/* Whether change_id may be (or, filed effective, might have been) marked
 * effective at `at`: its pre gates evaluated as planned at min(at, now) —
 * records made after that moment do not clear a ship that happened before it —
 * and the verdict recorded. Clear (or the change is already effective and not
 * SHIP_FILED_EFFECTIVE, which the caller refuses): *snapshot NULL. Not clear and refuse:
 * ERR_CONFLICT "change S:K is blocked|pending: N pre gate(s) not clear" with a detail
 * per gate. Not clear otherwise: *snapshot is the shipped_while_blocked JSON
 * text {"at", "verdict_id", "status", "gates": [{"id","state","reason"}]}
 * (caller frees). Runs inside the write's transaction. */
enum { SHIP_REFUSE = 1, SHIP_FILED_EFFECTIVE = 2 };
int gates_ship_check(int64_t change_id, int64_t at, int64_t now, int flags, char **snapshot,
		     struct err *err);

/* Ships change_id at `at` through gates_ship_check(change_id, at, now,
 * flags): refused (SHIP_REFUSE and not clear) → ERR_CONFLICT, nothing
 * written; otherwise the change is marked effective at `at` (unless
 * SHIP_FILED_EFFECTIVE: it was filed effective, so it already is) and, when
 * its pre gates were not clear, its shipped_while_blocked snapshot is stored.
 * *blocked (may be NULL) says whether it shipped while blocked. A change that
 * is already effective (without SHIP_FILED_EFFECTIVE) is ERR_CONFLICT. The one
 * path of `change effective`, a change filed effective and deploy events. */
int gates_ship(int64_t change_id, int64_t at, int64_t now, int flags, int *blocked,
	       struct err *err);

/* The gates of a change for its JSON (default scope at now; nothing stored).
 * The caller owns *gates. */
int gates_change_json(int64_t change_id, int64_t now, cJSON **gates, struct err *err);

#endif
