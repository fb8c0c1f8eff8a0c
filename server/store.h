/* The storage interface of ratchetd. Everything SQL lives behind it (store_*.c);
 * callers see domain structs only. Each worker thread has its own connection. */
#ifndef RATCHET_STORE_H
#define RATCHET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "change.h"
#include "io.h"

struct err;

/* Sets the conninfo every thread connects with; call once before serving. */
void store_configure(const char *conninfo);
/* Closes this thread's connection (also done automatically at thread exit). */
void store_disconnect(void);

/* Transactions on this thread's connection. */
int store_begin(struct err *err);
int store_commit(struct err *err);
void store_rollback(void);

/* SELECT 1: 0 when the database answers, else ERR_UNAVAILABLE. */
int store_ping(struct err *err);

/* Migrations, embedded from schema/ at build time. */
struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration store_migrations[];
extern const size_t store_n_migrations;

/* Applies pending migrations, one transaction each; *applied counts them and
 * *version is the schema version afterwards. */
int store_migrate(int *applied, int *version, struct err *err);
/* The applied schema version (0 if none) and whether the connected role owns
 * the tables (then the database does not enforce the one-way rules). */
int store_schema_state(int *version, int *is_owner, struct err *err);

/* API tokens. */
struct auth_token {
	int64_t id;
	char name[128];
	char role[32];
};
struct token_record {
	int64_t id;
	char *name;
	char *role;
	int64_t created_at;
	char *created_by;
	int64_t expires_at;   /* RTIME_NONE when none */
	int64_t revoked_at;   /* RTIME_NONE unless revoked */
	int64_t last_used_at; /* RTIME_NONE until first use */
};
void token_record_release(struct token_record *t);
/* Inserts a token; fills t->id and the timestamps. ERR_CONFLICT on a taken name. */
int store_token_create(struct token_record *t, const char *sha256_hex, struct err *err);
int store_token_get(const char *name, struct token_record *t, struct err *err);
/* Every token, ordered by id (caller releases each and frees the array). */
int store_token_list(struct token_record **out, size_t *n, struct err *err);
/* Sets revoked_at once; ERR_NOT_FOUND or ERR_CONFLICT (already revoked). */
int store_token_revoke(const char *name, struct err *err);
/* Records a use (at most once a minute per token). */
int store_token_touch(int64_t id, struct err *err);
/* Finds a valid (unexpired, unrevoked) token by its hash; ERR_UNAUTHORIZED if none. */
int store_token_lookup(const char *sha256_hex, struct auth_token *out, struct err *err);

/* Idempotency keys, inside the write's transaction. Returns 1 when the key was
 * claimed now (go on with the write), 0 when a response is stored (*status,
 * *body (caller frees) and *request_sha256 (caller frees) filled). */
int store_idem_claim(int64_t token_id, const char *method, const char *path, const char *key,
		     const char *request_sha256, int *status, char **body,
		     char **request_sha256_out, struct err *err);
int store_idem_finish(int64_t token_id, const char *method, const char *path, const char *key,
		      int status, const char *body, struct err *err);

/* The audit log. */
struct audit_row {
	int64_t seq;
	int64_t at;
	char *actor;
	char *action;
	char *object_type;
	char *object_id;
	char *payload; /* JSON text */
	char *prev_hash;
	char *hash;
};
void audit_row_release(struct audit_row *a);
/* Inserts an unsealed entry in the current transaction. */
int store_audit_insert(const char *actor, const char *action, const char *object_type,
		       const char *object_id, const char *payload_json, struct err *err);
struct audit_filter {
	const char *actor;
	const char *action;
	const char *object_type;
	const char *object_id;
	int64_t since; /* on at */
	int64_t until;
	int64_t after_seq;
	int limit;
};
/* Sealed entries in seq order. */
int store_audit_list(const struct audit_filter *f, struct audit_row **out, size_t *n, int64_t *next,
		     struct err *err);
/* The sealed head (seq 0 and the genesis hash when empty) and the unsealed count. */
int store_audit_head(int64_t *seq, char hash[65], int64_t *unsealed, struct err *err);
/* Callback that computes an entry's hash (core's audit_entry_hash). */
typedef int (*audit_hash_fn)(const char *prev_hash, const struct audit_row *row, char out[65],
			     struct err *err);
/* On this thread's connection: takes the sealer's advisory lock if free (kept
 * for the connection's life) and, when held, seals up to max unsealed entries in
 * id order in one transaction. *sealed counts them; *is_sealer says whether
 * this connection holds the lock. */
int store_audit_seal(int max, audit_hash_fn hash, int *sealed, int *is_sealer, struct err *err);

/* Changes. */
struct change_filter {
	const char *service;
	const char *impact;
	const char *state;
	const char *review;
	const char *category;
	int64_t since; /* RTIME_NONE when absent; on effective_at */
	int64_t until;
	int64_t after_id; /* cursor */
	int limit;
};
int store_change_insert(struct change *c, const char *actor, struct err *err);
/* "123" or "service:key" → id; ERR_NOT_FOUND when no such change. */
int store_change_resolve(const char *ref, int64_t *id, struct err *err);
int store_change_get(int64_t id, struct change *c, struct err *err);
/* Fills *out (caller releases each and frees the array); *next is the cursor
 * id or 0 at the end. */
int store_change_list(const struct change_filter *f, struct change **out, size_t *n, int64_t *next,
		      struct err *err);
int store_change_set_effective(int64_t id, int64_t effective_at, struct err *err);
int store_change_amend(int64_t id, int64_t effective_at, int impact, const char *reason,
		       const char *actor, struct err *err);
int store_change_review_no_io(int64_t id, struct err *err);

/* IOs. */
struct io_filter {
	const char *service;
	const char *category;
	const char *status; /* confirmed | candidate | retracted */
	int64_t change_id;  /* 0 when absent */
	int64_t since;	    /* on recorded_at */
	int64_t until;
	int64_t after_id;
	int limit;
};
int store_io_insert(struct io *io, const char *actor, struct err *err);
int store_io_get(int64_t id, struct io *io, struct err *err);
int store_io_list(const struct io_filter *f, struct io **out, size_t *n, int64_t *next,
		  struct err *err);
int store_io_confirm(int64_t id, struct err *err);
int store_io_retract(int64_t id, const char *actor, const char *reason, struct err *err);

/* Gate policies (store_policies.c). */
struct policy_row {
	int64_t id;
	char *name;
	int version;
	char *yaml;
	char sha256[65];
	int retired;
	char *reason; /* retirement reason; may be NULL */
	int64_t created_at;
	char *created_by;
	int64_t weakening_change_id; /* 0 when the version weakened nothing */
};
void policy_row_release(struct policy_row *r);
/* The latest version of every policy name (retired ones included), by name. */
int store_policy_latest_all(struct policy_row **out, size_t *n, struct err *err);
/* The latest version of one name; ERR_NOT_FOUND when none. */
int store_policy_latest(const char *name, struct policy_row *out, struct err *err);
/* Every version of one name, oldest first; ERR_NOT_FOUND when none. */
int store_policy_versions(const char *name, struct policy_row **out, size_t *n, struct err *err);
/* Inserts version row->version of row->name (fills id and created_at).
 * ERR_CONFLICT when that version exists (a concurrent PUT). */
int store_policy_insert(struct policy_row *row, struct err *err);
/* Whether gate_policies has no rows at all. */
int store_policy_table_empty(int *empty, struct err *err);
/* Takes a transaction-scoped advisory lock serializing policy writes. */
int store_policy_lock(struct err *err);
/* The active policies (latest version of each name, not retired), parsed, in
 * name order; a stored text that no longer parses is returned with
 * parse_failed set (its gates then block). Caller releases with
 * policy_versions_free. */
struct policy_version;
int store_policy_active(struct policy_version **out, size_t *n, struct err *err);
void policy_versions_free(struct policy_version *v, size_t n);

/* Gate records and verdicts (store_gates.c). Record times come from the
 * caller (the request's time), so an evaluation at that time includes them. */
struct gate_result;
struct gate_approval;
struct gate_bypass;
struct drill;
/* One change's gate records, each kind in id order. */
struct gate_record_set {
	struct gate_result *results;
	size_t n_results;
	struct gate_approval *approvals;
	size_t n_approvals;
	struct gate_bypass *bypasses;
	size_t n_bypasses;
};
void gate_record_set_release(struct gate_record_set *s);
/* Every result, approval and bypass of a change (the caller releases s). */
int store_gate_records_load(int64_t change_id, struct gate_record_set *s, struct err *err);
/* Inserts a record of gate version policy_version; fills its id. An approval
 * by the same approver of the same gate again is ERR_CONFLICT. The bypass
 * stores gate_snapshot (JSON text) beside it. */
int store_gate_result_insert(int64_t change_id, int policy_version, struct gate_result *res,
			     struct err *err);
int store_gate_approval_insert(int64_t change_id, int policy_version, struct gate_approval *a,
			       struct err *err);
int store_gate_bypass_insert(int64_t change_id, int policy_version, struct gate_bypass *b,
			     const char *gate_snapshot, struct err *err);
/* The bit mask (1u << enum io_category) of a change's non-retracted IOs. */
int store_change_io_categories(int64_t change_id, unsigned *mask, struct err *err);
/* Sets a change's shipped_while_blocked snapshot (JSON text), once. */
int store_change_set_shipped_while_blocked(int64_t id, const char *snapshot, struct err *err);
/* Verdicts; call inside a transaction. The lock serializes verdicts of one
 * change until the transaction ends. *id is 0 when (change, scope) has none. */
int store_gate_verdict_lock(int64_t change_id, struct err *err);
int store_gate_verdict_latest(int64_t change_id, const char *scope, int64_t *id, char digest[65],
			      struct err *err);
/* A fresh verdict id, so the stored JSON can carry it. */
int store_gate_verdict_next_id(int64_t *id, struct err *err);
int store_gate_verdict_insert(int64_t id, int64_t change_id, const char *scope, const char *status,
			      const char *digest, const char *verdict, int64_t evaluated_at,
			      struct err *err);
/* The stored verdict JSON text (caller frees); ERR_NOT_FOUND when none. */
int store_gate_verdict_get(int64_t id, char **verdict, struct err *err);

/* Rollback drills (store_drills.c). */
struct drill_filter {
	const char *service;
	int64_t since; /* on performed_at; RTIME_NONE when absent */
	int64_t until;
	int64_t after_id;
	int limit;
};
/* Inserts d (recorded_at and recorded_by set by the caller); fills d->id. */
int store_drill_insert(struct drill *d, struct err *err);
int store_drill_get(int64_t id, struct drill *d, struct err *err);
/* A page of drills by id; *next is the cursor or 0 (caller frees with store_drills_free). */
int store_drill_list(const struct drill_filter *f, struct drill **out, size_t *n, int64_t *next,
		     struct err *err);
/* Every drill of service performed at or before until, by id. */
int store_drills_of_service(const char *service, int64_t until, struct drill **out, size_t *n,
			    struct err *err);
void store_drills_free(struct drill *d, size_t n);

/* Governance metrics (store_metrics.c): a few batched queries, never one per change. */
struct metrics_scope {
	const char *service; /* NULL: every service */
	const char *impact;  /* NULL: any; on the current impact (latest amendment) */
	int io_only;	     /* only changes with a confirmed, non-retracted IO */
	int64_t until;	     /* store_metrics_changes: current effective_at before this */
};
/* An effective change as the metrics read it, with every gate record. */
struct metrics_change_row {
	int64_t id;
	char *service;
	char *author; /* may be NULL */
	char *created_by;
	int64_t effective_at;	     /* current */
	enum impact impact;	     /* current */
	int has_io;		     /* a confirmed, non-retracted IO */
	unsigned categories;	     /* bit mask of the categories of non-retracted IOs */
	char *shipped_while_blocked; /* JSON text or NULL */
	struct gate_record_set records;
};
/* The effective changes of the scope whose current effective_at lies before
 * s->until, by id, with their results, approvals and bypasses (four queries in
 * all). The caller frees with store_metrics_changes_free. */
int store_metrics_changes(const struct metrics_scope *s, struct metrics_change_row **out, size_t *n,
			  struct err *err);
void store_metrics_changes_free(struct metrics_change_row *rows, size_t n);
/* The drills of service (NULL: all) performed before until, by service then
 * id (caller frees with store_drills_free). */
int store_metrics_drills(const char *service, int64_t until, struct drill **out, size_t *n,
			 struct err *err);
/* IOs for accumulation: non-retracted, confirmed (and candidates when asked),
 * of changes in the scope, dated by their change's current effective_at (or by
 * recorded_at), the date in [from, until); an IO of a planned change (by
 * effective_at) recorded in [from, until) is listed with date RTIME_NONE.
 * Sorted by date. The caller frees with store_metrics_ios_free. */
struct metrics_io_query {
	int64_t from, until;
	int by_recorded;
	int include_candidates;
};
struct metrics_io_row {
	int64_t at;   /* RTIME_NONE: of a planned change */
	int category; /* enum io_category */
	char *service;
};
int store_metrics_ios(const struct metrics_scope *s, const struct metrics_io_query *q,
		      struct metrics_io_row **out, size_t *n, struct err *err);
void store_metrics_ios_free(struct metrics_io_row *rows, size_t n);
/* Every service with a change, sorted (appended to out). */
int store_metrics_services(struct strlist *out, struct err *err);
/* counts[k]: planned changes of names[k] (service NULL: every service). */
int store_metrics_planned(const char *service, const char *const *names, size_t n_names,
			  size_t *counts, struct err *err);

/* Imports (store_import.c). */
struct store_key_id {
	char *key;
	int64_t id;
};
void store_key_ids_free(struct store_key_id *k, size_t n);
/* The changes of service whose key is among keys, by key (caller frees). */
int store_import_changes_stored(const char *service, const struct strlist *keys,
				struct store_key_id **out, size_t *n, struct err *err);
/* The external keys among keys already stored as drills of service, appended
 * to found in key order. */
int store_import_drills_stored(const char *service, const struct strlist *keys,
			       struct strlist *found, struct err *err);
/* Inserts d with its external key (unique per service: ERR_CONFLICT); fills d->id. */
int store_import_drill_insert(struct drill *d, const char *external_key, struct err *err);

#endif
