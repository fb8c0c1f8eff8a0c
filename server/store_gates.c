/* Gate results, approvals, bypasses and verdicts in PostgreSQL, and the two
 * change columns gate evaluation reads or sets (IO categories, shipped while
 * blocked). Every table here is append-only. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "rtime.h"
#include "store_int.h"

/* Key space of the verdict lock (pg_advisory_xact_lock(int, int)): "gv". */
#define VERDICT_LOCK_CLASS 0x6776

void gate_record_set_release(struct gate_record_set *s)
{
	for (size_t i = 0; i < s->n_results; i++) {
		free(s->results[i].gate);
		free(s->results[i].evidence);
		free(s->results[i].recorded_by);
	}
	for (size_t i = 0; i < s->n_approvals; i++) {
		free(s->approvals[i].gate);
		free(s->approvals[i].approver);
		free(s->approvals[i].role);
	}
	for (size_t i = 0; i < s->n_bypasses; i++) {
		free(s->bypasses[i].gate);
		free(s->bypasses[i].reason);
		free(s->bypasses[i].by);
		free(s->bypasses[i].role);
	}
	free(s->results);
	free(s->approvals);
	free(s->bypasses);
	memset(s, 0, sizeof(*s));
}

static PGresult *select_of_change(const char *sql, int64_t change_id, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(change_id, idbuf)};
	return store_exec(sql, 1, params, err);
}

static int load_results(int64_t change_id, struct gate_record_set *s, struct err *err)
{
	PGresult *res = select_of_change("SELECT id, gate, result, evidence, " US(
						 "recorded_at") ", recorded_by FROM gate_results"
								" WHERE change_id = $1 ORDER BY id",
					 change_id, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	s->results = xcalloc(rows ? (size_t)rows : 1, sizeof(*s->results));
	for (int i = 0; i < rows; i++) {
		struct gate_result *g = &s->results[i];
		g->id = store_get_i64(res, i, 0);
		g->gate = store_get_strdup(res, i, 1);
		g->pass = strcmp(PQgetvalue(res, i, 2), "pass") == 0;
		g->evidence = store_get_strdup(res, i, 3);
		g->recorded_at = store_get_time(res, i, 4);
		g->recorded_by = store_get_strdup(res, i, 5);
	}
	s->n_results = (size_t)rows;
	PQclear(res);
	return 0;
}

static int load_approvals(int64_t change_id, struct gate_record_set *s, struct err *err)
{
	PGresult *res = select_of_change("SELECT id, gate, approver, role, " US(
						 "approved_at") " FROM gate_approvals"
								" WHERE change_id = $1 ORDER BY id",
					 change_id, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	s->approvals = xcalloc(rows ? (size_t)rows : 1, sizeof(*s->approvals));
	for (int i = 0; i < rows; i++) {
		struct gate_approval *a = &s->approvals[i];
		a->id = store_get_i64(res, i, 0);
		a->gate = store_get_strdup(res, i, 1);
		a->approver = store_get_strdup(res, i, 2);
		a->role = store_get_strdup(res, i, 3);
		a->approved_at = store_get_time(res, i, 4);
	}
	s->n_approvals = (size_t)rows;
	PQclear(res);
	return 0;
}

static int load_bypasses(int64_t change_id, struct gate_record_set *s, struct err *err)
{
	PGresult *res =
		select_of_change("SELECT id, gate, reason, bypassed_by, role, " US("at") ", " US(
					 "expires_at") ", state_at_bypass FROM gate_bypasses"
						       " WHERE change_id = $1 ORDER BY id",
				 change_id, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	s->bypasses = xcalloc(rows ? (size_t)rows : 1, sizeof(*s->bypasses));
	for (int i = 0; i < rows; i++) {
		struct gate_bypass *b = &s->bypasses[i];
		b->id = store_get_i64(res, i, 0);
		b->gate = store_get_strdup(res, i, 1);
		b->reason = store_get_strdup(res, i, 2);
		b->by = store_get_strdup(res, i, 3);
		b->role = store_get_strdup(res, i, 4);
		b->at = store_get_time(res, i, 5);
		b->expires_at = store_get_time(res, i, 6);
		int state = model_lookup(&gate_state_names, PQgetvalue(res, i, 7));
		b->state_at_bypass = state < 0 ? GATE_INCONCLUSIVE : (enum gate_state)state;
	}
	s->n_bypasses = (size_t)rows;
	PQclear(res);
	return 0;
}

int store_gate_records_load(int64_t change_id, struct gate_record_set *s, struct err *err)
{
	memset(s, 0, sizeof(*s));
	if (load_results(change_id, s, err) < 0 || load_approvals(change_id, s, err) < 0 ||
	    load_bypasses(change_id, s, err) < 0) {
		gate_record_set_release(s);
		return -1;
	}
	return 0;
}

/* Runs an INSERT ... RETURNING id and stores the id. */
static int insert_returning_id(const char *sql, int nparams, const char *const *params, int64_t *id,
			       struct err *err)
{
	PGresult *res = store_exec(sql, nparams, params, err);
	if (!res)
		return -1;
	*id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_gate_result_insert(int64_t change_id, int policy_version, struct gate_result *res,
			     struct err *err)
{
	char cid[24], ver[24], at[RTIME_BUFSZ];
	const char *params[7] = {
		store_i64_param(change_id, cid),
		res->gate,
		store_i64_param(policy_version, ver),
		res->pass ? "pass" : "fail",
		res->evidence,
		store_time_param(res->recorded_at, at),
		res->recorded_by,
	};
	return insert_returning_id(
		"INSERT INTO gate_results (change_id, gate, policy_version, result, evidence,"
		" recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)"
		" RETURNING id",
		7, params, &res->id, err);
}

int store_gate_approval_insert(int64_t change_id, int policy_version, struct gate_approval *a,
			       struct err *err)
{
	char cid[24], ver[24], at[RTIME_BUFSZ];
	const char *params[6] = {
		store_i64_param(change_id, cid),
		a->gate,
		store_i64_param(policy_version, ver),
		a->approver,
		a->role,
		store_time_param(a->approved_at, at),
	};
	if (insert_returning_id("INSERT INTO gate_approvals (change_id, gate, policy_version,"
				" approver, role, approved_at)"
				" VALUES ($1, $2, $3, $4, $5, $6::timestamptz) RETURNING id",
				6, params, &a->id, err) == 0)
		return 0;
	if (err->code == ERR_CONFLICT)
		snprintf(err->message, sizeof(err->message),
			 "\"%s\" has already approved gate \"%s\" of change %" PRId64, a->approver,
			 a->gate, change_id);
	return -1;
}

int store_gate_bypass_insert(int64_t change_id, int policy_version, struct gate_bypass *b,
			     const char *gate_snapshot, struct err *err)
{
	char cid[24], ver[24], at[RTIME_BUFSZ], exp[RTIME_BUFSZ];
	const char *params[10] = {
		store_i64_param(change_id, cid),
		b->gate,
		store_i64_param(policy_version, ver),
		b->reason,
		b->by,
		b->role,
		store_time_param(b->at, at),
		store_time_param(b->expires_at, exp),
		model_name(&gate_state_names, (int)b->state_at_bypass),
		gate_snapshot,
	};
	return insert_returning_id(
		"INSERT INTO gate_bypasses (change_id, gate, policy_version, reason, bypassed_by,"
		" role, at, expires_at, state_at_bypass, gate_snapshot)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9, $10::jsonb)"
		" RETURNING id",
		10, params, &b->id, err);
}

int store_change_io_categories(int64_t change_id, unsigned *mask, struct err *err)
{
	PGresult *res = select_of_change("SELECT DISTINCT category FROM ios"
					 " WHERE change_id = $1 AND retracted_at IS NULL",
					 change_id, err);
	if (!res)
		return -1;
	*mask = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		int cat = model_lookup(&io_category_names, PQgetvalue(res, i, 0));
		if (cat >= 0)
			*mask |= 1u << cat;
	}
	PQclear(res);
	return 0;
}

int store_change_set_shipped_while_blocked(int64_t id, const char *snapshot, struct err *err)
{
	char idbuf[24];
	const char *params[2] = {store_i64_param(id, idbuf), snapshot};
	PGresult *res = store_exec("UPDATE changes SET shipped_while_blocked = $2::jsonb"
				   " WHERE id = $1 AND shipped_while_blocked IS NULL",
				   2, params, err);
	if (!res)
		return -1;
	int updated = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!updated)
		return err_set(err, ERR_CONFLICT,
			       "change %" PRId64 " already has a shipped_while_blocked snapshot",
			       id);
	return 0;
}

int store_gate_verdict_lock(int64_t change_id, struct err *err)
{
	char cls[24], idbuf[24];
	const char *params[2] = {store_i64_param(VERDICT_LOCK_CLASS, cls),
				 store_i64_param(change_id, idbuf)};
	PGresult *res = store_exec("SELECT pg_advisory_xact_lock($1::int,"
				   " ($2::bigint % 2147483647)::int)",
				   2, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_gate_verdict_latest(int64_t change_id, const char *scope, int64_t *id, char digest[65],
			      struct err *err)
{
	char idbuf[24];
	const char *params[2] = {store_i64_param(change_id, idbuf), scope};
	PGresult *res = store_exec("SELECT id, digest FROM gate_verdicts"
				   " WHERE change_id = $1 AND scope = $2 ORDER BY id DESC LIMIT 1",
				   2, params, err);
	if (!res)
		return -1;
	*id = 0;
	digest[0] = '\0';
	if (PQntuples(res) == 1) {
		*id = store_get_i64(res, 0, 0);
		snprintf(digest, 65, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return 0;
}

int store_gate_verdict_next_id(int64_t *id, struct err *err)
{
	PGresult *res = store_exec("SELECT nextval(pg_get_serial_sequence('gate_verdicts', 'id'))",
				   0, NULL, err);
	if (!res)
		return -1;
	*id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_gate_verdict_insert(int64_t id, int64_t change_id, const char *scope, const char *status,
			      const char *digest, const char *verdict, int64_t evaluated_at,
			      struct err *err)
{
	char idbuf[24], cid[24], at[RTIME_BUFSZ];
	const char *params[7] = {
		store_i64_param(id, idbuf),
		store_i64_param(change_id, cid),
		scope,
		status,
		digest,
		verdict,
		store_time_param(evaluated_at, at),
	};
	PGresult *res = store_exec("INSERT INTO gate_verdicts (id, change_id, scope, status,"
				   " digest, verdict, evaluated_at)"
				   " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::timestamptz)",
				   7, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_gate_verdict_get(int64_t id, char **verdict, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res =
		store_exec("SELECT verdict::text FROM gate_verdicts WHERE id = $1", 1, params, err);
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found)
		*verdict = store_get_strdup(res, 0, 0);
	PQclear(res);
	if (!found)
		return err_set(err, ERR_NOT_FOUND, "no verdict %" PRId64, id);
	return 0;
}
