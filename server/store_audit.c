/* The audit log in PostgreSQL: entries inserted in each write's transaction,
 * listed once sealed, and sealed in batches by the advisory-lock holder. */
#include "common.h"

#include "err.h"
#include "hash.h"
#include "rtime.h"
#include "store_int.h"

/* Advisory lock key of the one sealer (another key serialises migrations). */
#define AUDIT_SEALER_LOCK "727275"
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

#define AUDIT_COLUMNS                                                                              \
	"seq, " US("at") ", actor, action, object_type, object_id, payload::text, prev_hash, hash"

void audit_row_release(struct audit_row *a)
{
	free(a->actor);
	free(a->action);
	free(a->object_type);
	free(a->object_id);
	free(a->payload);
	free(a->prev_hash);
	free(a->hash);
	memset(a, 0, sizeof(*a));
}

static void audit_from_row(const PGresult *res, int row, struct audit_row *a)
{
	a->seq = store_get_i64(res, row, 0);
	a->at = store_get_time(res, row, 1);
	a->actor = store_get_strdup(res, row, 2);
	a->action = store_get_strdup(res, row, 3);
	a->object_type = store_get_strdup(res, row, 4);
	a->object_id = store_get_strdup(res, row, 5);
	a->payload = store_get_strdup(res, row, 6);
	a->prev_hash = store_get_strdup(res, row, 7);
	a->hash = store_get_strdup(res, row, 8);
}

int store_audit_insert(const char *actor, const char *action, const char *object_type,
		       const char *object_id, const char *payload_json, struct err *err)
{
	const char *params[5] = {actor, action, object_type, object_id, payload_json};
	PGresult *res = store_exec("INSERT INTO audit_log (actor, action, object_type, object_id,"
				   " payload) VALUES ($1, $2, $3, $4, $5::jsonb)",
				   5, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_audit_list(const struct audit_filter *f, struct audit_row **out, size_t *n, int64_t *next,
		     struct err *err)
{
	char since[RTIME_BUFSZ], until[RTIME_BUFSZ], after[24], limit[24];
	const char *params[8] = {
		f->actor,
		f->action,
		f->object_type,
		f->object_id,
		store_time_param(f->since, since),
		store_time_param(f->until, until),
		store_i64_param(f->after_seq, after),
		store_i64_param(f->limit + 1, limit),
	};
	PGresult *res = store_exec("SELECT " AUDIT_COLUMNS " FROM audit_log"
				   " WHERE seq IS NOT NULL"
				   " AND ($1::text IS NULL OR actor = $1)"
				   " AND ($2::text IS NULL OR action = $2)"
				   " AND ($3::text IS NULL OR object_type = $3)"
				   " AND ($4::text IS NULL OR object_id = $4)"
				   " AND ($5::timestamptz IS NULL OR at >= $5)"
				   " AND ($6::timestamptz IS NULL OR at < $6)"
				   " AND seq > $7::bigint ORDER BY seq LIMIT $8::int",
				   8, params, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	size_t count = rows > f->limit ? (size_t)f->limit : (size_t)rows;
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		audit_from_row(res, (int)i, &(*out)[i]);
	*n = count;
	*next = rows > f->limit && count ? (*out)[count - 1].seq : 0;
	PQclear(res);
	return 0;
}

int store_audit_head(int64_t *seq, char hash[65], int64_t *unsealed, struct err *err)
{
	PGresult *res = store_exec(
		"SELECT (SELECT seq FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT "
		"1),"
		" (SELECT hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1),"
		" (SELECT count(*) FROM audit_log WHERE seq IS NULL)",
		0, NULL, err);
	if (!res)
		return -1;
	*seq = PQgetisnull(res, 0, 0) ? 0 : store_get_i64(res, 0, 0);
	snprintf(hash, 65, "%s", PQgetisnull(res, 0, 1) ? GENESIS : PQgetvalue(res, 0, 1));
	*unsealed = store_get_i64(res, 0, 2);
	PQclear(res);
	return 0;
}

static int take_sealer_lock(int *is_sealer, struct err *err)
{
	PGresult *res =
		store_exec("SELECT pg_try_advisory_lock(" AUDIT_SEALER_LOCK ")", 0, NULL, err);
	if (!res)
		return -1;
	*is_sealer = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

/* Whether this connection already holds the sealer lock. */
static int holds_sealer_lock(int *held, struct err *err)
{
	PGresult *res = store_exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
				   " AND pid = pg_backend_pid() AND objid = " AUDIT_SEALER_LOCK
				   " AND granted",
				   0, NULL, err);
	if (!res)
		return -1;
	*held = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	return 0;
}

static int seal_rows(PGresult *rows, audit_hash_fn hash_fn, char prev[65], int64_t seq, int *sealed,
		     struct err *err)
{
	for (int r = 0; r < PQntuples(rows); r++) {
		struct audit_row a = {0};
		audit_from_row(rows, r, &a);
		a.seq = ++seq;
		char hash[65], seqbuf[24];
		int rc = hash_fn(prev, &a, hash, err);
		audit_row_release(&a);
		if (rc < 0)
			return -1;
		const char *params[4] = {PQgetvalue(rows, r, 9), store_i64_param(seq, seqbuf), prev,
					 hash};
		PGresult *res =
			store_exec("UPDATE audit_log SET seq = $2, prev_hash = $3, hash = $4"
				   " WHERE id = $1 AND seq IS NULL",
				   4, params, err);
		if (!res)
			return -1;
		PQclear(res);
		memcpy(prev, hash, 65);
		(*sealed)++;
	}
	return 0;
}

int store_audit_seal(int max, audit_hash_fn hash_fn, int *sealed, int *is_sealer, struct err *err)
{
	*sealed = 0;
	if (holds_sealer_lock(is_sealer, err) < 0)
		return -1;
	if (!*is_sealer && take_sealer_lock(is_sealer, err) < 0)
		return -1;
	if (!*is_sealer)
		return 0;
	int64_t seq, unsealed;
	char prev[65], limit[24];
	if (store_begin(err) < 0)
		return -1;
	if (store_audit_head(&seq, prev, &unsealed, err) < 0)
		goto fail;
	const char *params[1] = {store_i64_param(max, limit)};
	PGresult *rows = store_exec("SELECT " AUDIT_COLUMNS ", id FROM audit_log WHERE seq IS NULL"
				    " ORDER BY id LIMIT $1::int",
				    1, params, err);
	if (!rows)
		goto fail;
	int rc = seal_rows(rows, hash_fn, prev, seq, sealed, err);
	PQclear(rows);
	if (rc < 0 || store_commit(err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback();
	*sealed = 0;
	return -1;
}
