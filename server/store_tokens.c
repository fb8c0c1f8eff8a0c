/* API tokens (SHA-256 only) and idempotency keys. */
#include "common.h"

#include <openssl/crypto.h>

#include "err.h"
#include "rtime.h"
#include "store_int.h"

#define TOKEN_COLUMNS                                                                              \
	"id, name, role, " US("created_at") ", created_by, " US("expires_at") ", " US(             \
		"revoked_at") ", " US("last_used_at")

void token_record_release(struct token_record *t)
{
	free(t->name);
	free(t->role);
	free(t->created_by);
	memset(t, 0, sizeof(*t));
}

static void token_from_row(const PGresult *res, int row, struct token_record *t)
{
	t->id = store_get_i64(res, row, 0);
	t->name = store_get_strdup(res, row, 1);
	t->role = store_get_strdup(res, row, 2);
	t->created_at = store_get_time(res, row, 3);
	t->created_by = store_get_strdup(res, row, 4);
	t->expires_at = store_get_time(res, row, 5);
	t->revoked_at = store_get_time(res, row, 6);
	t->last_used_at = store_get_time(res, row, 7);
}

int store_token_create(struct token_record *t, const char *sha256_hex, struct err *err)
{
	char exp[RTIME_BUFSZ];
	const char *params[5] = {t->name, t->role, sha256_hex, t->created_by,
				 store_time_param(t->expires_at, exp)};
	PGresult *res = store_exec("INSERT INTO api_tokens (name, role, sha256, created_by,"
				   " expires_at) VALUES ($1, $2, $3, $4, $5::timestamptz)"
				   " RETURNING " TOKEN_COLUMNS,
				   5, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT) {
			snprintf(err->message, sizeof(err->message),
				 "a token named \"%s\" already exists", t->name);
			err_detail(err, "name", 0, 0, "already exists");
		}
		return -1;
	}
	token_record_release(t);
	token_from_row(res, 0, t);
	PQclear(res);
	return 0;
}

int store_token_get(const char *name, struct token_record *t, struct err *err)
{
	const char *params[1] = {name};
	PGresult *res = store_exec("SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE name = $1", 1,
				   params, err);
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found)
		token_from_row(res, 0, t);
	PQclear(res);
	if (!found)
		return err_set(err, ERR_NOT_FOUND, "no token \"%.128s\"", name);
	return 0;
}

int store_token_list(struct token_record **out, size_t *n, struct err *err)
{
	PGresult *res =
		store_exec("SELECT " TOKEN_COLUMNS " FROM api_tokens ORDER BY id", 0, NULL, err);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		token_from_row(res, (int)i, &(*out)[i]);
	PQclear(res);
	return 0;
}

int store_token_revoke(const char *name, struct err *err)
{
	const char *params[1] = {name};
	PGresult *res = store_exec("UPDATE api_tokens SET revoked_at = now()"
				   " WHERE name = $1 AND revoked_at IS NULL",
				   1, params, err);
	if (!res)
		return -1;
	int updated = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (updated)
		return 0;
	struct token_record t = {0};
	if (store_token_get(name, &t, err) < 0)
		return -1;
	token_record_release(&t);
	return err_set(err, ERR_CONFLICT, "token \"%.128s\" is already revoked", name);
}

int store_token_touch(int64_t id, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec("UPDATE api_tokens SET last_used_at = now() WHERE id = $1"
				   " AND (last_used_at IS NULL"
				   "      OR last_used_at < now() - interval '1 minute')",
				   1, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_token_lookup(const char *sha256_hex, struct auth_token *out, struct err *err)
{
	const char *params[1] = {sha256_hex};
	PGresult *res = store_exec("SELECT id, name, role, sha256 FROM api_tokens WHERE sha256 = $1"
				   " AND revoked_at IS NULL"
				   " AND (expires_at IS NULL OR expires_at > now())",
				   1, params, err);
	if (!res)
		return -1;
	int found =
		PQntuples(res) == 1 && CRYPTO_memcmp(PQgetvalue(res, 0, 3), sha256_hex, 64) == 0;
	if (found) {
		out->id = store_get_i64(res, 0, 0);
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->role, sizeof(out->role), "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	if (!found)
		return err_set(err, ERR_UNAUTHORIZED, "invalid, expired or revoked token");
	return 0;
}

int store_idem_claim(int64_t token_id, const char *method, const char *path, const char *key,
		     const char *request_sha256, int *status, char **body,
		     char **request_sha256_out, struct err *err)
{
	char id[24];
	const char *params[5] = {store_i64_param(token_id, id), method, path, key, request_sha256};
	PGresult *res = store_exec("INSERT INTO idempotency_keys"
				   " (token_id, method, path, key, request_sha256)"
				   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
				   5, params, err);
	if (!res)
		return -1;
	int claimed = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (claimed)
		return 1;
	res = store_exec("SELECT status, response, request_sha256 FROM idempotency_keys"
			 " WHERE token_id = $1 AND method = $2 AND path = $3 AND key = $4",
			 4, params, err);
	if (!res)
		return -1;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return err_set(err, ERR_CONFLICT,
			       "a request with this idempotency key is in progress");
	}
	*status = (int)store_get_i64(res, 0, 0);
	*body = store_get_strdup(res, 0, 1);
	*request_sha256_out = store_get_strdup(res, 0, 2);
	PQclear(res);
	return 0;
}

int store_idem_finish(int64_t token_id, const char *method, const char *path, const char *key,
		      int status, const char *body, struct err *err)
{
	char id[24], st[24];
	const char *params[6] = {store_i64_param(token_id, id), method, path, key,
				 store_i64_param(status, st),	body};
	PGresult *res =
		store_exec("UPDATE idempotency_keys SET status = $5, response = $6"
			   " WHERE token_id = $1 AND method = $2 AND path = $3 AND key = $4",
			   6, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}
