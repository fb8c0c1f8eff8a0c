/* Route handlers: validate with core, call the store, shape with core's codecs. */
#ifndef RATCHET_HANDLERS_H
#define RATCHET_HANDLERS_H

#include "router.h"

int h_healthz(struct req *r, struct resp *out, struct err *err);
int h_readyz(struct req *r, struct resp *out, struct err *err);
int h_whoami(struct req *r, struct resp *out, struct err *err);

int h_changes_create(struct req *r, struct resp *out, struct err *err);
int h_changes_list(struct req *r, struct resp *out, struct err *err);
int h_changes_get(struct req *r, struct resp *out, struct err *err);
int h_changes_effective(struct req *r, struct resp *out, struct err *err);
int h_changes_amend(struct req *r, struct resp *out, struct err *err);
int h_changes_review(struct req *r, struct resp *out, struct err *err);
/* One change as API JSON with its IOs and its gates evaluated at now (the body
 * of GET /v1/changes/{id}); *out is the caller's. */
int h_changes_json(int64_t id, int64_t now, cJSON **out, struct err *err);

int h_ios_create(struct req *r, struct resp *out, struct err *err);
int h_ios_list(struct req *r, struct resp *out, struct err *err);
int h_ios_get(struct req *r, struct resp *out, struct err *err);
int h_ios_confirm(struct req *r, struct resp *out, struct err *err);
int h_ios_retract(struct req *r, struct resp *out, struct err *err);

/* A token record as API JSON, with the plain token when given (only when created). */
cJSON *token_to_json(const struct token_record *t, const char *plain);
int h_tokens_create(struct req *r, struct resp *out, struct err *err);
int h_tokens_list(struct req *r, struct resp *out, struct err *err);
int h_tokens_revoke(struct req *r, struct resp *out, struct err *err);

int h_gates_status(struct req *r, struct resp *out, struct err *err);
int h_gates_result(struct req *r, struct resp *out, struct err *err);
int h_gates_approve(struct req *r, struct resp *out, struct err *err);
int h_gates_bypass(struct req *r, struct resp *out, struct err *err);
int h_verdicts_get(struct req *r, struct resp *out, struct err *err);

int h_drills_create(struct req *r, struct resp *out, struct err *err);
int h_drills_list(struct req *r, struct resp *out, struct err *err);
int h_drills_get(struct req *r, struct resp *out, struct err *err);

int h_metrics_get(struct req *r, struct resp *out, struct err *err);
int h_metrics_tempo(struct req *r, struct resp *out, struct err *err);
int h_metrics_accumulation(struct req *r, struct resp *out, struct err *err);
/* GET /metrics (prom.c): Prometheus text, token-free with --metrics-public. */
int h_metrics_prom(struct req *r, struct resp *out, struct err *err);

int h_import_fit_pilot(struct req *r, struct resp *out, struct err *err);
/* POST /v1/import/{changes,ios,incidents,drills} (h_import_flat.c): a flat file as the raw body. */
int h_import_changes(struct req *r, struct resp *out, struct err *err);
int h_import_ios(struct req *r, struct resp *out, struct err *err);
int h_import_incidents(struct req *r, struct resp *out, struct err *err);
int h_import_drills(struct req *r, struct resp *out, struct err *err);
/* POST /v1/import/git (h_import_git.c): git history as the raw body, or a JSON envelope. */
int h_import_git(struct req *r, struct resp *out, struct err *err);

/* /v1/incidents (h_incidents.c) and deploy events (h_events.c). */
int h_incidents_create(struct req *r, struct resp *out, struct err *err);
int h_incidents_list(struct req *r, struct resp *out, struct err *err);
int h_incidents_get(struct req *r, struct resp *out, struct err *err);
int h_incidents_link(struct req *r, struct resp *out, struct err *err);
int h_incidents_link_window(struct req *r, struct resp *out, struct err *err);
int h_events_deploy(struct req *r, struct resp *out, struct err *err);

/* /v1/backtests (h_backtests.c) and the register summary of a window (h_summary.c). */
int h_backtests_create(struct req *r, struct resp *out, struct err *err);
int h_backtests_list(struct req *r, struct resp *out, struct err *err);
int h_backtests_get(struct req *r, struct resp *out, struct err *err);
int h_summary_get(struct req *r, struct resp *out, struct err *err);

int h_audit_list(struct req *r, struct resp *out, struct err *err);
int h_audit_head(struct req *r, struct resp *out, struct err *err);

int h_policies_put(struct req *r, struct resp *out, struct err *err);
int h_policies_list(struct req *r, struct resp *out, struct err *err);
int h_policies_get(struct req *r, struct resp *out, struct err *err);
int h_policies_versions(struct req *r, struct resp *out, struct err *err);
int h_policies_retire(struct req *r, struct resp *out, struct err *err);
struct policy;
/* Publishes yaml (parsed as p) as the next version of policy p->name, the
 * path of PUT /v1/policies/{name}: identical to the active version → *created
 * 0 and row is that version; otherwise a new version (a weakening files its
 * governance change and IO, lines lists the weakenings) → *created 1. With
 * audit set the version's own policy.put entry is written too (PUT leaves it to
 * the router). Runs in the current transaction; the caller releases row and
 * lines. */
int h_policies_publish(const char *actor, int64_t now, const struct policy *p, const char *yaml,
		       int audit, struct policy_row *row, int *created, struct strlist *lines,
		       struct err *err);
/* Inserts version 1 of a linted policy (created_by "ratchetd") with its audit
 * entry, in the current transaction: the first-start load. */
int h_policies_insert_initial(const struct policy *p, const char *yaml, struct err *err);
/* First start (policies_load.c): when gate_policies is empty, lints every
 * DIR/NAME.yaml (sorted, not subfolders), printing each problem as
 * path:line:column: message on stderr, then inserts all as version 1 in one
 * transaction. A missing dir is an error when dir_given, else logged. */
int policies_load_dir(const char *dir, int dir_given, struct err *err);

/* Shared by handlers: query-string validation for list endpoints. */
struct model_names;
/* Fails with a detail for every query parameter not in allowed (NULL-terminated). */
int query_check(const struct req *r, const char *const *allowed, struct err *err);
/* limit (default 100, 1..1000) and cursor (an id) into *limit and *after_id. */
int query_paging(const struct req *r, int *limit, int64_t *after_id, struct err *err);
/* An RFC 3339 parameter into *t (RTIME_NONE when absent). */
int query_time(const struct req *r, const char *name, int64_t *t, struct err *err);
/* An RFC 3339 parameter, or a plain date YYYY-MM-DD meaning midnight UTC, into
 * *t (RTIME_NONE when absent). */
int query_time_or_date(const struct req *r, const char *name, int64_t *t, struct err *err);
/* "true" or "false" into *value (untouched when absent). */
int query_bool(const struct req *r, const char *name, int *value, struct err *err);
/* A positive duration with units ("7d") into *secs (untouched when absent). */
int query_duration(const struct req *r, const char *name, int64_t *secs, struct err *err);
/* An integer in [lo, hi] into *value (untouched when absent). */
int query_int(const struct req *r, const char *name, long long lo, long long hi, long long *value,
	      struct err *err);
/* A parameter that must be one of names; *value borrows from r (NULL when absent). */
int query_enum(const struct req *r, const char *name, const struct model_names *names,
	       const char **value, struct err *err);
/* A list page as {"items": [...], "next_cursor": "N" | null}; takes items. */
void resp_page(struct resp *out, cJSON *items, int64_t next);

#endif
