/* Schema migrations: applies the embedded schema/NNNN_*.sql files in order, one
 * transaction each, recorded in schema_migrations; reports the schema state. */
#include "common.h"

#include "err.h"
#include "log.h"
#include "store_int.h"

static int exec_script(PGconn *conn, const char *sql, struct err *err)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		store_result_error(conn, res, err);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

static int current_version(int *version, struct err *err)
{
	PGresult *res =
		store_exec("SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, err);
	if (!res)
		return -1;
	*version = (int)store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

static int apply_one(PGconn *conn, const struct migration *m, struct err *err)
{
	char v[24];
	const char *params[2] = {store_i64_param(m->version, v), m->name};
	if (exec_script(conn, "BEGIN; SELECT pg_advisory_xact_lock(727274)", err) < 0)
		return -1;
	PGresult *res =
		store_exec("SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, err);
	if (!res)
		goto fail;
	int done = PQntuples(res) > 0;
	PQclear(res);
	if (!done) {
		if (exec_script(conn, m->sql, err) < 0)
			goto fail;
		res = store_exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
				 params, err);
		if (!res)
			goto fail;
		PQclear(res);
	}
	if (exec_script(conn, "COMMIT", err) < 0)
		goto fail;
	return done ? 0 : 1;
fail:
	store_rollback();
	return -1;
}

int store_migrate(int *applied, int *version, struct err *err)
{
	*applied = 0;
	PGconn *conn = store_conn(err);
	if (!conn)
		return -1;
	if (exec_script(conn,
			"SET client_min_messages = warning;"
			"CREATE TABLE IF NOT EXISTS schema_migrations ("
			" version integer PRIMARY KEY, name text NOT NULL,"
			" applied_at timestamptz NOT NULL DEFAULT now())",
			err) < 0)
		return -1;
	if (current_version(version, err) < 0)
		return -1;
	if (*version > (int)store_n_migrations)
		return err_set(err, ERR_CONFLICT,
			       "database schema is at version %d, newer than this ratchetd knows "
			       "(%zu); upgrade ratchetd",
			       *version, store_n_migrations);
	for (size_t i = 0; i < store_n_migrations; i++) {
		int rc = apply_one(conn, &store_migrations[i], err);
		if (rc < 0) {
			char msg[sizeof(err->message)];
			memcpy(msg, err->message, sizeof(msg));
			int w = snprintf(err->message, sizeof(err->message),
					 "migration %s failed: ", store_migrations[i].name);
			if (w > 0 && (size_t)w < sizeof(err->message))
				memcpy(err->message + w, msg,
				       strnlen(msg, sizeof(err->message) - (size_t)w - 1) + 1);
			err->message[sizeof(err->message) - 1] = '\0';
			return -1;
		}
		*applied += rc;
	}
	return current_version(version, err);
}

int store_schema_state(int *version, int *is_owner, struct err *err)
{
	PGresult *res =
		store_exec("SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL, err);
	if (!res)
		return -1;
	int exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	*version = 0;
	*is_owner = 0;
	if (!exists)
		return 0;
	if (current_version(version, err) < 0)
		return -1;
	res = store_exec("SELECT coalesce(bool_or(tableowner = current_user), false) "
			 "FROM pg_tables WHERE schemaname = 'public' AND tablename = 'changes'",
			 0, NULL, err);
	if (!res)
		return -1;
	*is_owner = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}
