/* /v1/tokens: create (the plain token shown once), list and revoke API tokens. */
#include "common.h"

#include "auth.h"
#include "err.h"
#include "handlers.h"
#include "hash.h"
#include "json.h"
#include "rtime.h"

cJSON *token_to_json(const struct token_record *t, const char *plain)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "name", t->name);
	json_add_str(o, "role", t->role);
	if (plain)
		json_add_str(o, "token", plain);
	json_add_time(o, "created_at", t->created_at);
	json_add_str(o, "created_by", t->created_by);
	json_add_time(o, "expires_at", t->expires_at);
	json_add_time(o, "revoked_at", t->revoked_at);
	json_add_time(o, "last_used_at", t->last_used_at);
	return o;
}

static const char *const token_fields[] = {"name", "role", "expires_at", NULL};

int h_tokens_create(struct req *r, struct resp *out, struct err *err)
{
	struct token_record t = {0};
	const char *name = NULL;
	int role = 0;
	t.expires_at = RTIME_NONE;
	json_check_fields(r->json, token_fields, err);
	if (json_get_string(r->json, "name", true, 63, &name, err) == 1 &&
	    !model_valid_service(name))
		err_detail(err, "name", 0, 0, "must match [a-z0-9][a-z0-9._-]{0,62}");
	json_get_enum(r->json, "role", true, &role_names, &role, err);
	if (json_get_time(r->json, "expires_at", false, &t.expires_at, err) == 1 &&
	    t.expires_at <= r->now)
		err_detail(err, "expires_at", 0, 0, "must lie in the future");
	if (err_is_set(err))
		return -1;
	char token[AUTH_TOKEN_LEN + 1], hash[65];
	if (auth_token_generate(token, err) < 0)
		return -1;
	hash_sha256_hex(token, strlen(token), hash);
	t.name = xstrdup(name);
	t.role = xstrdup(model_name(&role_names, role));
	t.created_by = xstrdup(r->token.name);
	int rc = store_token_create(&t, hash, err);
	if (rc == 0)
		resp_json(out, 201, token_to_json(&t, token));
	token_record_release(&t);
	return rc;
}

int h_tokens_list(struct req *r, struct resp *out, struct err *err)
{
	static const char *const no_params[] = {NULL};
	if (query_check(r, no_params, err) < 0)
		return -1;
	struct token_record *items;
	size_t n;
	if (store_token_list(&items, &n, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, token_to_json(&items[i], NULL));
		token_record_release(&items[i]);
	}
	free(items);
	resp_page(out, arr, 0);
	return 0;
}

int h_tokens_revoke(struct req *r, struct resp *out, struct err *err)
{
	struct token_record t = {0};
	if (store_token_revoke(r->params[0], err) < 0 || store_token_get(r->params[0], &t, err) < 0)
		return -1;
	resp_json(out, 200, token_to_json(&t, NULL));
	token_record_release(&t);
	return 0;
}
