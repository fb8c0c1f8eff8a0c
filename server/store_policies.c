/* Gate policy versions in PostgreSQL: every version of every policy is a row
 * (a retirement too); writes serialize on one advisory lock. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "policy.h"
#include "rtime.h"
#include "store_int.h"

/* Advisory lock key serializing policy writes (727274 migrations, 727275 the sealer). */
#define POLICY_WRITE_LOCK "727276"

#define POLICY_COLUMNS                                                                             \
	"p.id, p.name, p.version, p.yaml, p.sha256, p.retired, p.reason, " US(                     \
		"p.created_at") ", p.created_by, p.weakening_change_id"

void policy_row_release(struct policy_row *r)
{
	free(r->name);
	free(r->yaml);
	free(r->reason);
	free(r->created_by);
	memset(r, 0, sizeof(*r));
}

static void policy_row_from(const PGresult *res, int row, struct policy_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = store_get_i64(res, row, 0);
	r->name = store_get_strdup(res, row, 1);
	r->version = (int)store_get_i64(res, row, 2);
	r->yaml = store_get_strdup(res, row, 3);
	snprintf(r->sha256, sizeof(r->sha256), "%s", PQgetvalue(res, row, 4));
	r->retired = strcmp(PQgetvalue(res, row, 5), "t") == 0;
	r->reason = store_get_strdup(res, row, 6);
	r->created_at = store_get_time(res, row, 7);
	r->created_by = store_get_strdup(res, row, 8);
	r->weakening_change_id = PQgetisnull(res, row, 9) ? 0 : store_get_i64(res, row, 9);
}

/* Runs a query returning POLICY_COLUMNS rows into *out (caller releases each
 * and frees the array). */
static int query_rows(const char *sql, int nparams, const char *const *params,
		      struct policy_row **out, size_t *n, struct err *err)
{
	PGresult *res = store_exec(sql, nparams, params, err);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		policy_row_from(res, (int)i, &(*out)[i]);
	PQclear(res);
	return 0;
}

static void rows_free(struct policy_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_row_release(&rows[i]);
	free(rows);
}

int store_policy_latest_all(struct policy_row **out, size_t *n, struct err *err)
{
	return query_rows("SELECT DISTINCT ON (p.name) " POLICY_COLUMNS " FROM gate_policies p"
			  " ORDER BY p.name, p.version DESC",
			  0, NULL, out, n, err);
}

int store_policy_latest(const char *name, struct policy_row *out, struct err *err)
{
	const char *params[1] = {name};
	struct policy_row *rows;
	size_t n;
	if (query_rows("SELECT " POLICY_COLUMNS " FROM gate_policies p WHERE p.name = $1"
		       " ORDER BY p.version DESC LIMIT 1",
		       1, params, &rows, &n, err) < 0)
		return -1;
	if (n == 0) {
		free(rows);
		return err_set(err, ERR_NOT_FOUND, "no policy \"%.64s\"", name);
	}
	*out = rows[0];
	free(rows);
	return 0;
}

int store_policy_versions(const char *name, struct policy_row **out, size_t *n, struct err *err)
{
	const char *params[1] = {name};
	if (query_rows("SELECT " POLICY_COLUMNS " FROM gate_policies p WHERE p.name = $1"
		       " ORDER BY p.version",
		       1, params, out, n, err) < 0)
		return -1;
	if (*n == 0) {
		free(*out);
		*out = NULL;
		return err_set(err, ERR_NOT_FOUND, "no policy \"%.64s\"", name);
	}
	return 0;
}

int store_policy_insert(struct policy_row *row, struct err *err)
{
	char version[24], change_id[24];
	const char *params[8] = {
		row->name,
		store_i64_param(row->version, version),
		row->yaml,
		row->sha256,
		row->retired ? "true" : "false",
		row->reason,
		row->created_by,
		row->weakening_change_id ? store_i64_param(row->weakening_change_id, change_id)
					 : NULL,
	};
	PGresult *res = store_exec(
		"INSERT INTO gate_policies (name, version, yaml, sha256, retired, reason,"
		" created_by, weakening_change_id)"
		" VALUES ($1, $2::int, $3, $4, $5::boolean, $6, $7, $8::bigint)"
		" RETURNING id, " US("created_at"),
		8, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT)
			snprintf(err->message, sizeof(err->message),
				 "version %d of policy \"%s\" already exists", row->version,
				 row->name);
		return -1;
	}
	row->id = store_get_i64(res, 0, 0);
	row->created_at = store_get_time(res, 0, 1);
	PQclear(res);
	return 0;
}

int store_policy_table_empty(int *empty, struct err *err)
{
	PGresult *res = store_exec("SELECT NOT EXISTS (SELECT 1 FROM gate_policies)", 0, NULL, err);
	if (!res)
		return -1;
	*empty = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

int store_policy_lock(struct err *err)
{
	PGresult *res =
		store_exec("SELECT pg_advisory_xact_lock(" POLICY_WRITE_LOCK ")", 0, NULL, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* Parses one stored version; a text that no longer parses keeps its name and
 * is marked parse_failed, so its gates block rather than vanish. */
static void version_from_row(const struct policy_row *row, struct policy_version *v)
{
	struct err perr;
	err_init(&perr);
	memset(v, 0, sizeof(*v));
	v->version = row->version;
	snprintf(v->sha256, sizeof(v->sha256), "%s", row->sha256);
	const char *text = row->yaml ? row->yaml : "";
	policy_init(&v->policy);
	if (policy_parse(row->name, text, strlen(text), &v->policy, &perr) == 0 && v->policy.name &&
	    strcmp(v->policy.name, row->name) == 0)
		return;
	if (perr.code == ERR_NONE)
		policy_release(&v->policy); /* parsed, but under another name */
	policy_init(&v->policy);
	v->policy.name = xstrdup(row->name);
	v->parse_failed = 1;
}

int store_policy_active(struct policy_version **out, size_t *n, struct err *err)
{
	struct policy_row *rows;
	size_t n_rows;
	if (store_policy_latest_all(&rows, &n_rows, err) < 0)
		return -1;
	*out = xcalloc(n_rows ? n_rows : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < n_rows; i++)
		if (!rows[i].retired)
			version_from_row(&rows[i], &(*out)[(*n)++]);
	rows_free(rows, n_rows);
	return 0;
}

void policy_versions_free(struct policy_version *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		policy_release(&v[i].policy);
	free(v);
}
