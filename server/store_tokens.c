/* API tokens (SHA-256 only) and idempotency keys. */
#include "common.h"

#include <openssl/crypto.h>

#include "err.h"
#include "store_int.h"

int store_token_create(const char *name, const char *role, const char *sha256_hex, struct err *err)
{
	const char *params[3] = {name, role, sha256_hex};
	PGresult *res = store_exec(
		"INSERT INTO api_tokens (name, role, sha256) VALUES ($1, $2, $3)", 3, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT)
			snprintf(err->message, sizeof(err->message),
				 "a token named \"%s\" already exists", name);
		return -1;
	}
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
