/* /v1/audit: the sealed audit log, paged and filterable, and its head. */
#include "common.h"

#include "err.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"

static cJSON *audit_to_json(const struct audit_row *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)a->seq);
	json_add_time(o, "at", a->at);
	json_add_str(o, "actor", a->actor);
	json_add_str(o, "action", a->action);
	json_add_str(o, "object_type", a->object_type);
	json_add_str(o, "object_id", a->object_id);
	cJSON *payload = cJSON_Parse(a->payload ? a->payload : "null");
	cJSON_AddItemToObject(o, "payload", payload ? payload : cJSON_CreateNull());
	json_add_str(o, "prev_hash", a->prev_hash);
	json_add_str(o, "hash", a->hash);
	return o;
}

static const struct model_names object_type_names = {(const char *const[]){"change", "io", "token"},
						     3, "change, io, token"};

/* Whether some route of the table records this audit action. */
static int known_action(const char *action)
{
	for (size_t i = 0; i < router_n_routes; i++)
		if (router_routes[i].action && strcmp(router_routes[i].action, action) == 0)
			return 1;
	return 0;
}

static const char *const list_params[] = {"actor", "action", "object_type", "object_id", "since",
					  "until", "cursor", "after_seq",   "limit",	 NULL};

int h_audit_list(struct req *r, struct resp *out, struct err *err)
{
	struct audit_filter f = {0};
	query_check(r, list_params, err);
	query_paging(r, &f.limit, &f.after_seq, err);
	query_time(r, "since", &f.since, err);
	query_time(r, "until", &f.until, err);
	const char *after = req_query(r, "after_seq");
	if (after) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(after, &end, 10);
		if (errno || end == after || *end || v < 0)
			err_detail(err, "after_seq", 0, 0, "must be a sequence number >= 0");
		else
			f.after_seq = v;
	}
	if (after && req_query(r, "cursor"))
		err_detail(err, "after_seq", 0, 0, "give cursor or after_seq, not both");
	f.actor = req_query(r, "actor");
	f.action = req_query(r, "action");
	f.object_type = req_query(r, "object_type");
	if (f.action && !known_action(f.action))
		err_detail(err, "action", 0, 0, "unknown action \"%.64s\"", f.action);
	if (f.object_type && model_lookup(&object_type_names, f.object_type) < 0)
		err_detail(err, "object_type", 0, 0, "unknown value \"%.64s\"; expected one of: %s",
			   f.object_type, object_type_names.list);
	f.object_id = req_query(r, "object_id");
	if (err_is_set(err))
		return -1;
	struct audit_row *rows;
	size_t n;
	int64_t next;
	if (store_audit_list(&f, &rows, &n, &next, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, audit_to_json(&rows[i]));
		audit_row_release(&rows[i]);
	}
	free(rows);
	resp_page(out, arr, next);
	return 0;
}

int h_audit_head(struct req *r, struct resp *out, struct err *err)
{
	static const char *const no_params[] = {NULL};
	if (query_check(r, no_params, err) < 0)
		return -1;
	int64_t seq, unsealed;
	char hash[65];
	if (store_audit_head(&seq, hash, &unsealed, err) < 0)
		return -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	cJSON_AddStringToObject(o, "hash", hash);
	cJSON_AddNumberToObject(o, "unsealed", (double)unsealed);
	resp_json(out, 200, o);
	return 0;
}
