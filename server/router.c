/* Route table and dispatcher. Handlers hold only domain logic; everything common
 * (match, auth, body, JSON, idempotency and the write transaction) happens here. */
#include "common.h"

#include "auditlog.h"
#include "auth.h"
#include "hash.h"
#include "err.h"
#include "handlers.h"
#include "json.h"
#include "log.h"
#include "router.h"
#include "config.h"

#define R_WRITERS (R_ADMIN | R_RM | R_ENG)
#define R_READERS (R_ADMIN | R_RM | R_ENG | R_AUD)

/* The route table: the dispatcher consults only this for what a role may do. */
const struct route router_routes[] = {
	{"GET", "/healthz", h_healthz, ROUTE_PUBLIC, ROLES_ALL, NULL},
	{"GET", "/readyz", h_readyz, ROUTE_PUBLIC, ROLES_ALL, NULL},
	{"GET", "/v1/whoami", h_whoami, 0, ROLES_ALL, NULL},
	{"POST", "/v1/changes", h_changes_create, ROUTE_JSON, R_WRITERS | R_PIPE, "change.create"},
	{"GET", "/v1/changes", h_changes_list, 0, ROLES_ALL, NULL},
	{"GET", "/v1/changes/{}", h_changes_get, 0, ROLES_ALL, NULL},
	{"POST", "/v1/changes/{}/effective", h_changes_effective, ROUTE_JSON | ROUTE_EMPTY_BODY,
	 R_WRITERS | R_PIPE, "change.effective"},
	{"POST", "/v1/changes/{}/amend", h_changes_amend, ROUTE_JSON, R_WRITERS, "change.amend"},
	{"POST", "/v1/changes/{}/review", h_changes_review, ROUTE_JSON, R_WRITERS, "change.review"},
	{"POST", "/v1/changes/{}/ios", h_ios_create, ROUTE_JSON, R_WRITERS, "io.create"},
	{"GET", "/v1/ios", h_ios_list, 0, R_READERS, NULL},
	/* before /v1/ios/{}, which would take "accumulation" as an id */
	{"GET", "/v1/ios/accumulation", h_metrics_accumulation, 0, R_READERS, NULL},
	{"GET", "/v1/ios/{}", h_ios_get, 0, R_READERS, NULL},
	{"POST", "/v1/ios/{}/confirm", h_ios_confirm, ROUTE_JSON | ROUTE_EMPTY_BODY, R_WRITERS,
	 "io.confirm"},
	{"POST", "/v1/ios/{}/retract", h_ios_retract, ROUTE_JSON, R_WRITERS, "io.retract"},
	{"GET", "/v1/changes/{}/gates", h_gates_status, 0, ROLES_ALL, NULL},
	{"POST", "/v1/changes/{}/gates/{}/results", h_gates_result, ROUTE_JSON,
	 R_ADMIN | R_RM | R_PIPE, "gate.result"},
	{"POST", "/v1/changes/{}/gates/{}/approvals", h_gates_approve,
	 ROUTE_JSON | ROUTE_EMPTY_BODY, R_WRITERS, "gate.approve"},
	{"POST", "/v1/changes/{}/gates/{}/bypass", h_gates_bypass, ROUTE_JSON, R_WRITERS,
	 "gate.bypass"},
	{"GET", "/v1/verdicts/{}", h_verdicts_get, 0, ROLES_ALL, NULL},
	{"POST", "/v1/drills", h_drills_create, ROUTE_JSON, R_WRITERS, "drill.create"},
	{"GET", "/v1/drills", h_drills_list, 0, ROLES_ALL, NULL},
	{"GET", "/v1/drills/{}", h_drills_get, 0, ROLES_ALL, NULL},
	{"POST", "/v1/tokens", h_tokens_create, ROUTE_JSON | ROUTE_SECRET, R_ADMIN, "token.create"},
	{"GET", "/v1/tokens", h_tokens_list, 0, R_ADMIN, NULL},
	{"DELETE", "/v1/tokens/{}", h_tokens_revoke, 0, R_ADMIN, "token.revoke"},
	{"GET", "/v1/audit", h_audit_list, 0, R_READERS, NULL},
	{"GET", "/v1/audit/head", h_audit_head, 0, R_READERS, NULL},
	{"PUT", "/v1/policies/{}", h_policies_put, ROUTE_JSON, R_ADMIN | R_RM, "policy.put"},
	{"GET", "/v1/policies", h_policies_list, 0, ROLES_ALL, NULL},
	{"GET", "/v1/policies/{}", h_policies_get, 0, ROLES_ALL, NULL},
	{"GET", "/v1/policies/{}/versions", h_policies_versions, 0, ROLES_ALL, NULL},
	{"POST", "/v1/policies/{}/retire", h_policies_retire, ROUTE_JSON, R_ADMIN | R_RM,
	 "policy.retire"},
	{"GET", "/v1/metrics", h_metrics_get, 0, R_READERS, NULL},
	{"GET", "/v1/tempo", h_metrics_tempo, 0, R_READERS, NULL},
	{"POST", "/v1/import/fit-pilot", h_import_fit_pilot, ROUTE_JSON | ROUTE_IMPORT,
	 R_ADMIN | R_RM, "import.fit-pilot"},
	/* flat files: the raw body (CSV or JSONL), not JSON */
	{"POST", "/v1/import/changes", h_import_changes, ROUTE_IMPORT, R_WRITERS, "import.changes"},
	{"POST", "/v1/import/ios", h_import_ios, ROUTE_IMPORT, R_WRITERS, "import.ios"},
	{"POST", "/v1/import/incidents", h_import_incidents, ROUTE_IMPORT, R_WRITERS,
	 "import.incidents"},
	{"POST", "/v1/import/drills", h_import_drills, ROUTE_IMPORT, R_WRITERS, "import.drills"},
	/* git history: the raw log, or a JSON envelope with rules */
	{"POST", "/v1/import/git", h_import_git, ROUTE_IMPORT, R_WRITERS, "import.git"},
	{"POST", "/v1/backtests", h_backtests_create, ROUTE_JSON, R_READERS, "backtest.run"},
	{"GET", "/v1/backtests", h_backtests_list, 0, R_READERS, NULL},
	{"GET", "/v1/backtests/{}", h_backtests_get, 0, R_READERS, NULL},
	{"GET", "/v1/summary", h_summary_get, 0, R_READERS, NULL},
	{"POST", "/v1/incidents", h_incidents_create, ROUTE_JSON, R_WRITERS, "incident.create"},
	{"GET", "/v1/incidents", h_incidents_list, 0, R_READERS, NULL},
	{"GET", "/v1/incidents/{}", h_incidents_get, 0, R_READERS, NULL},
	{"POST", "/v1/incidents/{}/links", h_incidents_link, ROUTE_JSON, R_WRITERS,
	 "incident.link"},
	{"POST", "/v1/incidents/link-window", h_incidents_link_window, ROUTE_JSON, R_WRITERS,
	 "incident.link-window"},
	{"POST", "/v1/events/deploy", h_events_deploy, ROUTE_JSON, R_WRITERS | R_PIPE,
	 "change.deploy-event"},
	{"GET", "/metrics", h_metrics_prom, ROUTE_METRICS, R_READERS, NULL},
};
const size_t router_n_routes = ARRAY_SIZE(router_routes);

/* Matches path against pattern, capturing decoded {} segments into r. */
static int route_match(const char *pattern, const char *path, struct req *r)
{
	int n = 0;
	char *caps[REQ_MAX_PARAMS] = {0};
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (p[0] == '{' && p[1] == '}') {
			size_t len = strcspn(s, "/");
			char *v = len ? req_decode(s, len) : NULL;
			if (!v || n == REQ_MAX_PARAMS) {
				free(v);
				goto fail;
			}
			caps[n++] = v;
			p += 2;
			s += len;
		} else if (*p == *s) {
			p++;
			s++;
		} else {
			goto fail;
		}
	}
	if (*p || *s)
		goto fail;
	if (r) {
		for (int i = 0; i < n; i++)
			r->params[i] = caps[i];
		r->n_params = n;
	} else {
		for (int i = 0; i < n; i++)
			free(caps[i]);
	}
	return 1;
fail:
	for (int i = 0; i < n; i++)
		free(caps[i]);
	return 0;
}

const struct route *router_match(const char *method, const char *path, struct req *r,
				 char allow[64], struct err *err)
{
	allow[0] = '\0';
	for (size_t i = 0; i < router_n_routes; i++) {
		const struct route *rt = &router_routes[i];
		if (!route_match(rt->pattern, path, NULL))
			continue;
		if (strcmp(rt->method, method) == 0) {
			if (r)
				route_match(rt->pattern, path, r);
			return rt;
		}
		if (!strstr(allow, rt->method)) {
			size_t len = strlen(allow);
			snprintf(allow + len, 64 - len, "%s%s%s", len ? ", " : "", rt->method,
				 strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
		}
	}
	if (allow[0]) {
		err_set(err, ERR_METHOD, "method %.16s is not allowed on %.200s; allowed: %s",
			method, path, allow);
		return NULL;
	}
	err_set(err, ERR_NOT_FOUND, "no route %.200s", path);
	return NULL;
}

/* Refuses a token whose role the route does not list. */
static int check_role(const struct req *r, const struct route *rt, struct err *err)
{
	int role = model_lookup(&role_names, r->token.role);
	if (role >= 0 && (rt->roles & (1u << role)))
		return 0;
	char allowed[128] = "";
	for (int i = 0; i < ROLE_COUNT; i++)
		if (rt->roles & (1u << i)) {
			size_t len = strlen(allowed);
			snprintf(allowed + len, sizeof(allowed) - len, "%s%s", len ? ", " : "",
				 model_name(&role_names, i));
		}
	return err_set(err, ERR_FORBIDDEN, "role \"%s\" may not %s %s; allowed: %s", r->token.role,
		       rt->method, rt->pattern, allowed);
}

static int parse_body(struct req *r, const struct route *rt, struct err *err)
{
	size_t i = 0;
	while (i < r->body_len && strchr(" \t\r\n", r->body[i]))
		i++;
	if (i == r->body_len && (rt->flags & ROUTE_EMPTY_BODY)) {
		r->json = cJSON_CreateObject();
		return 0;
	}
	if (json_parse(r->body, r->body_len, &r->json, err) < 0)
		return -1;
	if (!cJSON_IsObject(r->json)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 1, "must be a JSON object");
	}
	return 0;
}

static int valid_idempotency_key(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return 0;
	return 1;
}

/* The response kept for replays: never a secret (a new token is shown once). */
static char *idem_stored_body(const struct route *rt, const struct resp *out)
{
	const char *body = out->body ? out->body : "";
	if (!(rt->flags & ROUTE_SECRET))
		return xstrdup(body);
	cJSON *obj = cJSON_Parse(body);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "token");
	char *text = obj ? json_print(obj) : xstrdup("{}");
	cJSON_Delete(obj);
	return text;
}

/* Runs a write inside one transaction, with its idempotency key stored in it. */
static int run_write(struct req *r, const struct route *rt, struct resp *out, struct err *err)
{
	const char *key = r->idempotency_key;
	char *stored = NULL;
	char req_hash[65];
	hash_sha256_hex(r->body ? r->body : "", r->body_len, req_hash);
	if (key && !valid_idempotency_key(key))
		return err_detail(err, "Idempotency-Key", 0, 0,
				  "must be 1 to 200 visible ASCII characters");
	if (r->idempotency_keys > 1)
		return err_detail(err, "Idempotency-Key", 0, 0,
				  "given more than once; send one key per request");
	if (store_begin(err) < 0)
		return -1;
	if (key) {
		int status = 0;
		char *body = NULL, *stored_hash = NULL;
		int claimed = store_idem_claim(r->token.id, r->method, r->path, key, req_hash,
					       &status, &body, &stored_hash, err);
		if (claimed == 0) {
			int same = stored_hash && strcmp(stored_hash, req_hash) == 0;
			free(stored_hash);
			store_rollback();
			if (!same) {
				free(body);
				return err_set(err, ERR_IDEMPOTENCY,
					       "Idempotency-Key \"%s\" was used with a different "
					       "request body",
					       key);
			}
			out->status = status;
			out->body = body ? body : xstrdup("");
			return 0;
		}
		if (claimed < 0)
			goto fail;
	}
	if (rt->fn(r, out, err) < 0 || audit_record(r, rt, out, err) < 0)
		goto fail;
	if (key && store_idem_finish(r->token.id, r->method, r->path, key, out->status,
				     stored = idem_stored_body(rt, out), err) < 0)
		goto fail;
	if (store_commit(err) < 0)
		goto fail;
	free(stored);
	return 0;
fail:
	free(stored);
	store_rollback();
	return -1;
}

static int dispatch(struct req *r, struct resp *out, struct err *err)
{
	if (r->headers_too_large)
		return err_set(err, ERR_HEADERS_TOO_LARGE,
			       "request headers are larger than %zu bytes",
			       r->config ? r->config->max_header : 0);
	/* Every /v1 request needs a valid token before anything about routes is said. */
	int is_v1 = strncmp(r->path, "/v1/", 4) == 0 || strcmp(r->path, "/v1") == 0;
	if (is_v1 && auth_check(r, err) < 0)
		return -1;
	/* HEAD is GET without the body (libmicrohttpd drops it). */
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	const struct route *rt = router_match(method, r->path, r, out->allow, err);
	if (!rt)
		return -1;
	r->route = rt;
	if (r->body_too_large)
		return err_set(err, ERR_TOO_LARGE, "request body is larger than %zu bytes",
			       router_body_limit(method, r->path, r->config));
	int no_token = (rt->flags & ROUTE_PUBLIC) ||
		       ((rt->flags & ROUTE_METRICS) && r->config && r->config->metrics_public);
	if (!no_token && ((!is_v1 && auth_check(r, err) < 0) || check_role(r, rt, err) < 0))
		return -1;
	if (r->repeated_query[0])
		return err_detail(err, r->repeated_query, 0, 0,
				  "query parameter given more than once");
	if (r->bad_query[0])
		return err_detail(
			err, r->bad_query, 0, 0,
			"query parameter is not valid percent-encoded UTF-8 (or there are "
			"more than %d)",
			REQ_MAX_QUERY);
	if ((rt->flags & ROUTE_JSON) && parse_body(r, rt, err) < 0)
		return -1;
	if (rt->action)
		return run_write(r, rt, out, err);
	return rt->fn(r, out, err);
}

size_t router_body_limit(const char *method, const char *path, const struct server_config *cfg)
{
	char allow[64];
	struct err err;
	err_init(&err);
	if (!cfg)
		return 0;
	const struct route *rt = router_match(method, path, NULL, allow, &err);
	return rt && (rt->flags & ROUTE_IMPORT) ? cfg->max_import : cfg->max_body;
}

void router_dispatch(struct req *r, struct resp *out)
{
	struct err err;
	err_init(&err);
	if (dispatch(r, out, &err) < 0) {
		free(out->body);
		out->body = NULL;
		if (err.code == ERR_NONE)
			err_set(&err, ERR_INTERNAL, "handler failed without an error");
		if (err.code == ERR_INTERNAL)
			log_warnx("internal error: %s", err.message);
		resp_error(out, &err);
	}
}
