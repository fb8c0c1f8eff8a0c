/* Git history imports in PostgreSQL (POST /v1/import/git): the import lock,
 * the stored versions of import rules, the service's keys that are commit
 * hashes, and set-based writes — one statement per kind of row, each taking
 * its rows as one JSON array parameter — of changes, candidate IOs, outcomes
 * with their links, links between changes, and the links that refs earn. */
#include "common.h"

#include "err.h"
#include "git_import.h"
#include "import_rules.h"
#include "json.h"
#include "rtime.h"
#include "store_int.h"

/* Key class of the import locks (pg_advisory_xact_lock(int, int)): "gi". The
 * second key is the service's hash made odd, or 0 for the rules. */
#define GIT_LOCK_CLASS 0x6769

/* The rule that links an incident keyed "#N" to the changes whose refs name
 * it (as the flat import of incidents does, store_import_flat.c). */
#define REFS_RULE "import-refs"
#define REFS_RULE_VERSION "1"

int store_git_import_lock(const char *service, struct err *err)
{
	char cls[24];
	const char *params[2] = {store_i64_param(GIT_LOCK_CLASS, cls), service};
	PGresult *res =
		service ? store_exec("SELECT pg_advisory_xact_lock($1::int,"
				     " hashtext($2) | 1)",
				     2, params, err)
			: store_exec("SELECT pg_advisory_xact_lock($1::int, 0)", 1, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* ---- import rules --------------------------------------------------------------------------- */

void import_rules_row_release(struct import_rules_row *row)
{
	free(row->name);
	free(row->yaml);
	free(row->created_by);
	memset(row, 0, sizeof(*row));
}

int store_import_rules_get(const char *name, int version, struct import_rules_row *row,
			   struct err *err)
{
	char v[24];
	const char *params[2] = {name, store_i64_param(version, v)};
	PGresult *res =
		store_exec("SELECT name, version, yaml, sha256, " US(
				   "created_at") ","
						 " created_by FROM import_rules WHERE name = $1"
						 " AND ($2::int = 0 OR version = $2::int)"
						 " ORDER BY version DESC LIMIT 1",
			   2, params, err);
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found) {
		row->name = store_get_strdup(res, 0, 0);
		row->version = (int)store_get_i64(res, 0, 1);
		row->yaml = store_get_strdup(res, 0, 2);
		snprintf(row->sha256, sizeof(row->sha256), "%s", PQgetvalue(res, 0, 3));
		row->created_at = store_get_time(res, 0, 4);
		row->created_by = store_get_strdup(res, 0, 5);
	}
	PQclear(res);
	if (found)
		return 0;
	if (version)
		return err_set(err, ERR_NOT_FOUND, "no import rules \"%s\" version %d", name,
			       version);
	return err_set(err, ERR_NOT_FOUND, "no import rules \"%s\"", name);
}

int store_import_rules_find(const char *name, const char *sha256, int version,
			    struct import_rules_state *st, struct err *err)
{
	char v[24];
	const char *params[3] = {name, sha256, store_i64_param(version, v)};
	PGresult *res = store_exec(
		"SELECT (SELECT version FROM import_rules WHERE name = $1 AND sha256 = $2),"
		" (SELECT sha256 <> $2 FROM import_rules WHERE name = $1 AND version = $3::int),"
		" (SELECT coalesce(max(version), 0) FROM import_rules WHERE name = $1)",
		3, params, err);
	if (!res)
		return -1;
	st->same_content = PQgetisnull(res, 0, 0) ? 0 : (int)store_get_i64(res, 0, 0);
	st->version_taken = !PQgetisnull(res, 0, 1) && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	st->latest = (int)store_get_i64(res, 0, 2);
	PQclear(res);
	return 0;
}

int store_import_rules_insert(const char *name, int version, const char *yaml, const char *sha256,
			      const char *actor, struct err *err)
{
	char v[24];
	const char *params[5] = {name, store_i64_param(version, v), yaml, sha256, actor};
	PGresult *res = store_exec("INSERT INTO import_rules (name, version, yaml, sha256,"
				   " created_by) VALUES ($1, $2::int, $3, $4, $5)",
				   5, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* ---- the register ---------------------------------------------------------------------------- */

int store_git_known_keys(const char *service, struct git_keyset *set, struct err *err)
{
	const char *params[1] = {service};
	PGresult *res = store_exec("SELECT key FROM changes WHERE service = $1"
				   " AND key ~ '^([0-9a-f]{40}|[0-9a-f]{64})$'",
				   1, params, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		git_keyset_add(set, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int store_git_insert_changes(const char *service, const char *rows, const char *actor,
			     struct strlist *inserted, struct err *err)
{
	const char *params[3] = {service, rows, actor};
	PGresult *res = store_exec(
		"INSERT INTO changes (service, key, title, impact, state, effective_at, author,"
		" refs, paths, created_by)"
		" SELECT $1, x.key, x.title, x.impact, 'effective', x.effective_at, x.author,"
		" coalesce(x.refs, '{}'), coalesce(x.paths, '{}'), $3"
		" FROM json_to_recordset($2::json) AS x(key text, title text, impact text,"
		" effective_at timestamptz, author text, refs text[], paths text[])"
		" ON CONFLICT (service, key) DO NOTHING RETURNING key",
		3, params, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		strlist_push(inserted, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int store_git_insert_ios(const char *service, const char *source, const char *rows,
			 const char *actor, size_t *inserted, size_t *labelled, struct err *err)
{
	const char *params[4] = {service, source, rows, actor};
	/* labelled_after_outcome as store_io_insert: the change has an incident link now */
	PGresult *res = store_exec(
		"INSERT INTO ios (change_id, category, description, status, source, evidence,"
		" recorded_by, labelled_after_outcome)"
		" SELECT c.id, x.category, x.description, 'candidate', $2, x.evidence, $4,"
		" EXISTS (SELECT 1 FROM incident_links l WHERE l.change_id = c.id)"
		" FROM json_to_recordset($3::json) AS x(key text, category text, description text,"
		" evidence text)"
		" JOIN changes c ON c.service = $1 AND c.key = x.key"
		" RETURNING labelled_after_outcome",
		4, params, err);
	if (!res)
		return -1;
	*inserted = (size_t)PQntuples(res);
	*labelled = 0;
	for (int i = 0; i < PQntuples(res); i++)
		*labelled += strcmp(PQgetvalue(res, i, 0), "t") == 0;
	PQclear(res);
	return 0;
}

/* Counts the returned "how" column into made[] (revert, regression, follow_up). */
static void count_how(PGresult *res, size_t made[3])
{
	for (int i = 0; i < PQntuples(res); i++) {
		int how = model_lookup(&import_link_how_names, PQgetvalue(res, i, 0));
		if (how >= 0 && how < 3)
			made[how]++;
	}
}

int store_git_insert_outcomes(const struct store_git_write *w, const char *outcomes,
			      const char *links, size_t *inserted, size_t made[3], struct err *err)
{
	char v[24];
	const char *params[6] = {w->service, outcomes, w->source, w->actor, NULL, NULL};
	PGresult *res = store_exec(
		"INSERT INTO incidents (kind, service, external_key, title, occurred_at, source,"
		" created_by)"
		" SELECT x.kind, $1, x.external_key, x.title, x.occurred_at, $3, $4"
		" FROM json_to_recordset($2::json) AS x(external_key text, kind text, title text,"
		" occurred_at timestamptz)"
		" ON CONFLICT (service, external_key) DO NOTHING RETURNING id",
		4, params, err);
	if (!res)
		return -1;
	*inserted = (size_t)PQntuples(res);
	PQclear(res);
	const char *link_params[6] = {
		w->service, links, w->rule, store_i64_param(w->rule_version, v), w->actor, NULL};
	res = store_exec("INSERT INTO incident_links (incident_id, change_id, how, rule,"
			 " rule_version, params, created_by)"
			 " SELECT i.id, c.id, x.how, $3, $4::int, x.params, $5"
			 " FROM json_to_recordset($2::json) AS x(external_key text, target text,"
			 " how text, params jsonb)"
			 " JOIN incidents i ON i.service = $1 AND i.external_key = x.external_key"
			 " JOIN changes c ON c.service = $1 AND c.key = x.target"
			 " ON CONFLICT (incident_id, change_id) DO NOTHING RETURNING how",
			 5, link_params, err);
	if (!res)
		return -1;
	count_how(res, made);
	PQclear(res);
	return 0;
}

int store_git_insert_change_links(const struct store_git_write *w, const char *links,
				  size_t made[3], struct err *err)
{
	char v[24];
	const char *params[5] = {w->service, links, w->rule, store_i64_param(w->rule_version, v),
				 w->actor};
	PGresult *res =
		store_exec("INSERT INTO change_links (change_id, target_id, how, rule,"
			   " rule_version, params, created_by)"
			   " SELECT c.id, t.id, x.how, $3, $4::int, x.params, $5"
			   " FROM json_to_recordset($2::json) AS x(key text, target text,"
			   " how text, params jsonb)"
			   " JOIN changes c ON c.service = $1 AND c.key = x.key"
			   " JOIN changes t ON t.service = $1 AND t.key = x.target"
			   " ON CONFLICT (change_id, target_id, how) DO NOTHING RETURNING how",
			   5, params, err);
	if (!res)
		return -1;
	count_how(res, made);
	PQclear(res);
	return 0;
}

int store_git_link_refs(const struct store_git_write *w, const char *keys, size_t *made,
			struct err *err)
{
	const char *params[3] = {w->service, keys, w->actor};
	PGresult *res = store_exec(
		"INSERT INTO incident_links (incident_id, change_id, how, rule, rule_version,"
		" params, created_by)"
		" SELECT i.id, c.id, 'follow_up', '" REFS_RULE "', " REFS_RULE_VERSION ","
		" jsonb_build_object('ref', r.ref), $3"
		" FROM changes c CROSS JOIN LATERAL unnest(c.refs) AS r(ref)"
		" JOIN incidents i ON i.service = c.service AND i.external_key = r.ref"
		" WHERE c.service = $1 AND c.key IN (SELECT json_array_elements_text($2::json))"
		" ON CONFLICT (incident_id, change_id) DO NOTHING RETURNING id",
		3, params, err);
	if (!res)
		return -1;
	*made = (size_t)PQntuples(res);
	PQclear(res);
	return 0;
}

/* ---- dry runs -------------------------------------------------------------------------------- */

int store_git_dry_run_begin(struct err *err)
{
	PGresult *res = store_exec("SAVEPOINT git_import_dry_run", 0, NULL, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_git_dry_run_end(struct err *err)
{
	PGresult *res = store_exec("ROLLBACK TO SAVEPOINT git_import_dry_run", 0, NULL, err);
	if (!res)
		return -1;
	PQclear(res);
	res = store_exec("RELEASE SAVEPOINT git_import_dry_run", 0, NULL, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}
