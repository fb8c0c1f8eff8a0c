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
/* Inserts io; fills id and labelled_after_outcome (true when its change has an
 * incident link at this moment). A confirmed IO makes the change has_io. */
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
	int64_t since;	     /* store_metrics_changes: and at or after this (RTIME_NONE: any) */
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
/* The effective changes of the scope whose current effective_at lies in
 * [s->since, s->until), by id, with their results, approvals and bypasses
 * (four queries in all; the range is found through the effective_at index,
 * never by reading the whole history). The caller frees with
 * store_metrics_changes_free. */
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
/* The external keys among keys already stored as drills of service, appended
 * to found in key order. */
int store_import_drills_stored(const char *service, const struct strlist *keys,
			       struct strlist *found, struct err *err);
/* Inserts d with its external key (unique per service: ERR_CONFLICT); fills d->id. */
int store_import_drill_insert(struct drill *d, const char *external_key, struct err *err);
/* A change of a FIT pilot pack's service already stored, as a re-import
 * compares it with its pack row. */
struct store_fit_stored {
	char *key;
	int64_t id;
	int64_t effective_at; /* current (latest amendment) */
	int has_io;	      /* a confirmed, non-retracted IO */
	char *categories;     /* those IOs' categories, "data,evaluation"; NULL: none */
	int bypassed;	      /* a bypass of the pack's gate */
	int64_t closed_at;    /* the earliest result of the pack's gate; RTIME_NONE: none */
};
void store_fit_stored_free(struct store_fit_stored *s, size_t n);
/* The changes of service whose key is among keys, with what a re-import of
 * gate compares (caller frees with store_fit_stored_free; in no given order). */
int store_import_fit_stored(const char *service, const char *gate, const struct strlist *keys,
			    struct store_fit_stored **out, size_t *n, struct err *err);
/* What every record of one FIT pilot import shares. */
struct store_fit_batch {
	const char *service, *actor, *role;
	const char *gate; /* "fit-pilot.closure" */
	int policy_version;
	const char *evidence, *io_source, *bypass_reason, *bypass_snapshot;
};
/* One new change of the pack with its records (strings borrowed). */
struct store_fit_row {
	const char *key, *title;
	enum impact impact;
	int64_t effective_at;
	int has_io; /* with a confirmed IO of category and io_description */
	enum io_category category;
	const char *io_description;
	int64_t closed_at; /* RTIME_NONE: none; else a passing result of the gate */
	int bypass;	   /* a bypass of the gate at effective_at */
	int bypass_state;  /* enum gate_state at the bypass */
	int64_t bypass_expires_at;
	int64_t id; /* set */
};
/* Inserts rows[0..n) as effective changes with their review (has_io with the
 * IO, else no_io), results and bypasses, in statements of a few thousand rows
 * each (never one per row). Sets each row's id. ERR_CONFLICT when a key is
 * taken. */
int store_import_fit_changes(const struct store_fit_batch *b, struct store_fit_row *rows, size_t n,
			     struct err *err);
/* Records a passing result of b->gate at closed_at[i] for each stored change
 * ids[i] (a closure a re-imported pack adds). */
int store_import_fit_closures(const struct store_fit_batch *b, const int64_t *ids,
			      const int64_t *closed_at, size_t n, struct err *err);
/* Inserts drills[0..n) with their external keys (unique per service:
 * ERR_CONFLICT), in batched statements; fills each drill's id. */
int store_import_drills(struct drill *drills, const char *const *external_keys, size_t n,
			struct err *err);

/* Incidents (outcomes) and their links to changes (store_incidents.c). */
struct incident;
struct incident_link;
struct incident_window;
struct incident_filter {
	const char *service;
	const char *kind;
	int64_t since; /* on occurred_at; RTIME_NONE when absent */
	int64_t until;
	int64_t after_id;
	int limit;
};
/* Inserts inc (created_by set by the caller); fills id and created_at. A taken
 * (service, external_key) is ERR_CONFLICT with a detail on external_key. */
int store_incident_insert(struct incident *inc, struct err *err);
/* "123" or "service:external_key" → id; ERR_NOT_FOUND when no such incident. */
int store_incident_resolve(const char *ref, int64_t *id, struct err *err);
int store_incident_get(int64_t id, struct incident *inc, struct err *err);
/* A page by id; *next is the cursor or 0 (caller frees with store_incidents_free). */
int store_incident_list(const struct incident_filter *f, struct incident **out, size_t *n,
			int64_t *next, struct err *err);
void store_incidents_free(struct incident *inc, size_t n);
/* The links of one incident by id (caller frees with store_incident_links_free). */
int store_incident_links(int64_t incident_id, struct incident_link **out, size_t *n,
			 struct err *err);
void store_incident_links_free(struct incident_link *l, size_t n);
/* Inserts a link (incident_id, change_id, how, rule, rule_version, params,
 * created_by from l); fills id, created_at and the change's service and key.
 * A pair already linked is ERR_CONFLICT: links are made once, never moved. */
int store_incident_link_insert(struct incident_link *l, struct err *err);
/* The link-window step, set-based in one statement under a transaction lock:
 * every outcome of w's service (all when NULL) and kinds with no link at all
 * is linked to every change of its service whose current effective_at lies in
 * [occurred_at - horizon, occurred_at], how window, rule "link-window" version
 * 1, params {"horizon": w->horizon_text}. *unlinked counts the outcomes that
 * had no link before; *made the links made, by incident then change (caller
 * frees with store_incident_links_free). */
int store_incident_link_window(const struct incident_window *w, const char *actor, size_t *unlinked,
			       struct incident_link **made, size_t *n_made, struct err *err);

/* Backtests (store_backtests.c; the rows a backtest reads: store_backtest_rows.c). */
struct backtest_params;
struct backtest_change;
struct backtest_io;
struct backtest_outcome;
struct backtest_link;
/* The rows a backtest of p reads, in core's shapes (core/backtest.h): the changes effective
 * in [p->from, p->to) (current effective_at) of p's service and impacts (current impact), every
 * IO of each (IOs contiguous per change, by id), and the outcomes that occurred before
 * p->data_end with their links to those changes (links contiguous per outcome). Changes and
 * outcomes are sorted by id. One statement, so one snapshot. The strings live in text.
 * Release with store_backtest_rows_release. */
struct store_backtest_rows {
	struct backtest_change *changes;
	size_t n_changes;
	struct backtest_io *ios;
	size_t n_ios;
	struct backtest_outcome *outcomes;
	size_t n_outcomes;
	struct backtest_link *links;
	size_t n_links;
	char *text; /* every string of the rows, NUL-terminated, one allocation */
};
int store_backtest_rows(const struct backtest_params *p, struct store_backtest_rows *rows,
			struct err *err);
/* Frees everything rows holds; accepts zeroed rows. */
void store_backtest_rows_release(struct store_backtest_rows *rows);
/* A stored backtest. result is the JSON text exactly as stored (store_backtest_get only);
 * parameters and counts are the result's members as JSON text (store_backtest_list only). */
struct backtest_record {
	int64_t id;
	int64_t created_at;
	char *created_by;
	char *input_hash;
	char *result;
	char *parameters;
	char *counts;
};
void backtest_record_release(struct backtest_record *b);
/* Stores a backtest (params and result JSON text, kept byte for byte) made by actor at at;
 * fills *id. */
int store_backtest_insert(const char *params_json, const char *input_hash, const char *result_json,
			  const char *actor, int64_t at, int64_t *id, struct err *err);
/* The register summary of a window (GET /v1/summary): changes whose current effective_at lies
 * in [from, to) of service (NULL: all), by current impact and review; their IOs by category and
 * status (retracted ones apart, whatever their status) and how many were labelled after an
 * outcome; outcomes of the service that occurred in [from, to), by kind and whether any link
 * ties them to a change, and their links by how. */
struct store_summary {
	size_t changes[IMPACT_COUNT][REVIEW_COUNT];
	size_t ios[IO_CAT_COUNT][3]; /* confirmed, candidate, retracted */
	size_t ios_labelled_after_outcome;
	size_t outcomes[3][2]; /* [enum backtest_kind][0 unlinked, 1 linked] */
	size_t links[5];       /* [enum backtest_how] */
};
int store_summary(const char *service, int64_t from, int64_t to, struct store_summary *out,
		  struct err *err);
/* ERR_NOT_FOUND when there is no such backtest; the caller releases b. */
int store_backtest_get(int64_t id, struct backtest_record *b, struct err *err);
/* A page by id; *next is the cursor or 0 (caller releases each and frees the array). */
int store_backtest_list(int64_t after_id, int limit, struct backtest_record **out, size_t *n,
			int64_t *next, struct err *err);

/* Flat-file imports (store_import_flat.c). */
struct incident;
/* Serializes flat imports of one kind (enum flat_kind) until the transaction
 * ends, so a concurrent import of the same rows finds them stored. */
int store_import_flat_lock(int kind, struct err *err);
/* Tables whose rows carry an external identity per service. */
enum store_keyed { STORE_KEYED_CHANGES, STORE_KEYED_INCIDENTS, STORE_KEYED_DRILLS };
/* Appends to found "service:key" for every pair (services[i], keys[i]) already
 * stored: a change's key, an incident's or drill's external_key. */
int store_import_keys_stored(enum store_keyed table, const struct strlist *services,
			     const struct strlist *keys, struct strlist *found, struct err *err);
/* Change references ("123" or "service:key", as core checked them) to ids:
 * one entry (key = the reference) per one found (caller frees with
 * store_key_ids_free). */
int store_import_resolve_changes(const struct strlist *refs, struct store_key_id **out, size_t *n,
				 struct err *err);
/* An IO recorded already: what makes an imported IO its duplicate. */
struct store_io_identity {
	int64_t change_id;
	int category;
	char *description;
};
/* The non-retracted IOs of the changes (caller frees with store_io_identities_free). */
int store_import_ios_of(const int64_t *change_ids, size_t n_ids, struct store_io_identity **out,
			size_t *n, struct err *err);
void store_io_identities_free(struct store_io_identity *ios, size_t n);
/* Inserts an imported incident (created_by actor); fills inc->id. ERR_CONFLICT
 * when its external key is taken. */
int store_import_incident_insert(struct incident *inc, const char *actor, struct err *err);
/* Links each of the incidents that has an external key to every change of its
 * service whose refs hold that key: how follow_up, rule "import-refs" version
 * 1, params {"ref": key}; *n links made. */
int store_import_incident_link_refs(const int64_t *incident_ids, size_t n_ids, const char *actor,
				    size_t *n, struct err *err);

/* Git history imports (store_import_git.c). */
struct git_keyset;
/* Serializes git imports into service until the transaction ends; service
 * NULL: writes of import rules. */
int store_git_import_lock(const char *service, struct err *err);
/* A stored version of import rules (the YAML files of policies/import). */
struct import_rules_row {
	char *name;
	int version;
	char *yaml;
	char sha256[65];
	int64_t created_at;
	char *created_by;
};
void import_rules_row_release(struct import_rules_row *row);
/* The stored version of name (version 0: the latest); ERR_NOT_FOUND when none. */
int store_import_rules_get(const char *name, int version, struct import_rules_row *row,
			   struct err *err);
/* What is stored of name: the version holding this sha256 (0: none), whether
 * version is stored with other content, the latest version (0: none). */
struct import_rules_state {
	int same_content, version_taken, latest;
};
int store_import_rules_find(const char *name, const char *sha256, int version,
			    struct import_rules_state *st, struct err *err);
int store_import_rules_insert(const char *name, int version, const char *yaml, const char *sha256,
			      const char *actor, struct err *err);
/* Adds to set every key of service that is a full lowercase commit hash. */
int store_git_known_keys(const char *service, struct git_keyset *set, struct err *err);
/* rows: a JSON array of {key, title, impact, effective_at, author, refs,
 * paths}, inserted in order as effective changes of service (history: no ship
 * check) unless the key is stored; the keys inserted are appended to inserted. */
int store_git_insert_changes(const char *service, const char *rows, const char *actor,
			     struct strlist *inserted, struct err *err);
/* rows: [{key, category, description, evidence}]: candidate IOs of the changes
 * of service with those keys, with source; labelled_after_outcome as
 * store_io_insert sets it (*labelled counts the true ones). */
int store_git_insert_ios(const char *service, const char *source, const char *rows,
			 const char *actor, size_t *inserted, size_t *labelled, struct err *err);
/* Who and what writes the links of one import. */
struct store_git_write {
	const char *service;
	const char *source; /* "rule:<name>@<version>" */
	const char *rule;   /* the rules' name */
	int rule_version;
	const char *actor;
};
/* outcomes: [{external_key, kind, title, occurred_at}], each inserted unless
 * its external key is stored (*inserted counts the new ones); links:
 * [{external_key, target, how, params}], the incident linked to the change
 * whose key is target unless that pair is linked already. made[how] counts
 * the links made (revert, regression, follow_up: enum import_link_how). */
int store_git_insert_outcomes(const struct store_git_write *w, const char *outcomes,
			      const char *links, size_t *inserted, size_t made[3], struct err *err);
/* links: [{key, target, how, params}] into change_links (links that are no
 * outcome), unless stored; made[how] counts the new ones. */
int store_git_insert_change_links(const struct store_git_write *w, const char *links,
				  size_t made[3], struct err *err);
/* Links every incident of the service whose external key is a ref of one of
 * the changes keys (a JSON array) to that change: how follow_up, rule
 * "import-refs" version 1, params {"ref"}, unless linked; *made counts them. */
int store_git_link_refs(const struct store_git_write *w, const char *keys, size_t *made,
			struct err *err);
/* A dry run: everything written after begin is undone by end (a savepoint). */
int store_git_dry_run_begin(struct err *err);
int store_git_dry_run_end(struct err *err);

#endif
