/* Imports in PostgreSQL: which of a pack's keys are already stored (so a
 * re-import reports duplicates instead of inserting), and drills that keep
 * their external id. Changes, IOs and gate records go through their own
 * store functions. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "json.h"
#include "rtime.h"
#include "store_int.h"

/* keys as a JSON array of strings (a parameter). Caller frees. */
static char *keys_json(const struct strlist *keys)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < keys->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(keys->items[i]));
	char *text = json_print(arr);
	cJSON_Delete(arr);
	return text;
}

void store_key_ids_free(struct store_key_id *k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		free(k[i].key);
	free(k);
}

void store_fit_stored_free(struct store_fit_stored *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].key);
		free(s[i].categories);
	}
	free(s);
}

int store_import_fit_stored(const char *service, const char *gate, const struct strlist *keys,
			    struct store_fit_stored **out, size_t *n, struct err *err)
{
	char *json = keys_json(keys);
	const char *params[3] = {service, json, gate};
	PGresult *res = store_exec(
		"WITH s AS (SELECT c.key, c.id,"
		" coalesce((SELECT a.effective_at FROM change_amendments a WHERE a.change_id = c.id"
		"  AND a.effective_at IS NOT NULL ORDER BY a.id DESC LIMIT 1), c.effective_at) AS "
		"eff,"
		" EXISTS (SELECT 1 FROM ios i WHERE i.change_id = c.id AND i.status = 'confirmed'"
		"  AND i.retracted_at IS NULL) AS has_io,"
		" (SELECT string_agg(DISTINCT i.category, ',' ORDER BY i.category) FROM ios i"
		"  WHERE i.change_id = c.id AND i.status = 'confirmed' AND i.retracted_at IS NULL)"
		"  AS categories,"
		" EXISTS (SELECT 1 FROM gate_bypasses b WHERE b.change_id = c.id AND b.gate = $3)"
		"  AS bypassed,"
		" (SELECT min(r.recorded_at) FROM gate_results r WHERE r.change_id = c.id"
		"  AND r.gate = $3) AS closed"
		" FROM changes c WHERE c.service = $1"
		" AND c.key IN (SELECT json_array_elements_text($2::json)))"
		" SELECT key, id, " US("eff") ", has_io, categories, bypassed, " US(
			"closed") " FROM s",
		3, params, err);
	free(json);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct store_fit_stored *st = &(*out)[i];
		int row = (int)i;
		st->key = store_get_strdup(res, row, 0);
		st->id = store_get_i64(res, row, 1);
		st->effective_at = store_get_time(res, row, 2);
		st->has_io = strcmp(PQgetvalue(res, row, 3), "t") == 0;
		st->categories = store_get_strdup(res, row, 4);
		st->bypassed = strcmp(PQgetvalue(res, row, 5), "t") == 0;
		st->closed_at = store_get_time(res, row, 6);
	}
	PQclear(res);
	return 0;
}

/* Rows per statement of the batched inserts: a few MB of JSON each. */
#define BATCH_ROWS 5000

static void add_time(cJSON *o, const char *name, int64_t usec)
{
	char buf[RTIME_BUFSZ];
	if (usec == RTIME_NONE)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, rtime_format(usec, buf));
}

/* rows[0..n) as the JSON array the statement reads with json_to_recordset.
 * Caller frees. */
static char *fit_rows_json(const struct store_fit_row *rows, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		const struct store_fit_row *r = &rows[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "ord", (double)i);
		cJSON_AddStringToObject(o, "key", r->key);
		cJSON_AddStringToObject(o, "title", r->title);
		cJSON_AddStringToObject(o, "impact", model_name(&impact_names, (int)r->impact));
		add_time(o, "eff", r->effective_at);
		cJSON_AddBoolToObject(o, "io", r->has_io);
		if (r->has_io) {
			cJSON_AddStringToObject(o, "category",
						model_name(&io_category_names, (int)r->category));
			cJSON_AddStringToObject(o, "description", r->io_description);
		}
		add_time(o, "closed", r->closed_at);
		cJSON_AddBoolToObject(o, "bypass", r->bypass);
		if (r->bypass) {
			cJSON_AddStringToObject(o, "state",
						model_name(&gate_state_names, r->bypass_state));
			add_time(o, "expires", r->bypass_expires_at);
		}
		cJSON_AddItemToArray(arr, o);
	}
	char *text = json_print(arr);
	cJSON_Delete(arr);
	return text;
}

/* One statement per batch: the changes, then their IOs, results and bypasses
 * from the ids the changes got; answers (ord, id) per change. */
static int fit_changes_batch(const struct store_fit_batch *b, struct store_fit_row *rows, size_t n,
			     struct err *err)
{
	char *json = fit_rows_json(rows, n);
	char version[24];
	const char *params[10] = {
		json,	      b->service,	b->actor,
		b->io_source, b->gate,		store_i64_param(b->policy_version, version),
		b->evidence,  b->bypass_reason, b->bypass_snapshot,
		b->role,
	};
	PGresult *res = store_exec(
		"WITH r AS (SELECT * FROM json_to_recordset($1::json) AS x(ord int, key text,"
		"  title text, impact text, eff timestamptz, io boolean, category text,"
		"  description text, closed timestamptz, bypass boolean, state text,"
		"  expires timestamptz)),"
		" ins AS (INSERT INTO changes (service, key, title, impact, state, effective_at,"
		"  review, created_by)"
		"  SELECT $2, key, title, impact, 'effective', eff,"
		"  CASE WHEN io THEN 'has_io' ELSE 'no_io' END, $3 FROM r ORDER BY ord"
		"  RETURNING id, key),"
		" j AS (SELECT ins.id, r.* FROM ins JOIN r ON r.key = ins.key),"
		" io AS (INSERT INTO ios (change_id, category, description, status, source,"
		"  recorded_by)"
		"  SELECT id, category, description, 'confirmed', $4, $3 FROM j WHERE io"
		"  ORDER BY ord),"
		" res AS (INSERT INTO gate_results (change_id, gate, policy_version, result,"
		"  evidence, recorded_at, recorded_by)"
		"  SELECT id, $5, $6::integer, 'pass', $7, closed, $3 FROM j"
		"  WHERE closed IS NOT NULL ORDER BY ord),"
		" byp AS (INSERT INTO gate_bypasses (change_id, gate, policy_version, reason,"
		"  bypassed_by, role, at, expires_at, state_at_bypass, gate_snapshot)"
		"  SELECT id, $5, $6::integer, $8, $3, $10, eff, expires, state, $9::jsonb"
		"  FROM j WHERE bypass ORDER BY ord)"
		" SELECT ord, id FROM j",
		10, params, err);
	free(json);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t ord = store_get_i64(res, i, 0);
		if (ord >= 0 && (size_t)ord < n)
			rows[ord].id = store_get_i64(res, i, 1);
	}
	PQclear(res);
	return 0;
}

int store_import_fit_changes(const struct store_fit_batch *b, struct store_fit_row *rows, size_t n,
			     struct err *err)
{
	for (size_t i = 0; i < n; i += BATCH_ROWS) {
		size_t k = n - i < BATCH_ROWS ? n - i : BATCH_ROWS;
		if (fit_changes_batch(b, rows + i, k, err) < 0) {
			if (err->code == ERR_CONFLICT)
				snprintf(err->message, sizeof(err->message),
					 "a change of the pack was stored for service \"%s\" "
					 "meanwhile: import again to see it as a duplicate",
					 b->service);
			return -1;
		}
	}
	return 0;
}

int store_import_fit_closures(const struct store_fit_batch *b, const int64_t *ids,
			      const int64_t *closed_at, size_t n, struct err *err)
{
	for (size_t i = 0; i < n; i += BATCH_ROWS) {
		size_t k = n - i < BATCH_ROWS ? n - i : BATCH_ROWS;
		cJSON *arr = cJSON_CreateArray();
		for (size_t j = i; j < i + k; j++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)ids[j]);
			add_time(o, "closed", closed_at[j]);
			cJSON_AddItemToArray(arr, o);
		}
		char *json = json_print(arr);
		cJSON_Delete(arr);
		char version[24];
		const char *params[5] = {json, b->gate, store_i64_param(b->policy_version, version),
					 b->evidence, b->actor};
		PGresult *res = store_exec(
			"INSERT INTO gate_results (change_id, gate, policy_version, result, "
			"evidence,"
			" recorded_at, recorded_by)"
			" SELECT id, $2, $3::integer, 'pass', $4, closed, $5"
			" FROM json_to_recordset($1::json) AS x(id bigint, closed timestamptz)",
			5, params, err);
		free(json);
		if (!res)
			return -1;
		PQclear(res);
	}
	return 0;
}

int store_import_drills_stored(const char *service, const struct strlist *keys,
			       struct strlist *found, struct err *err)
{
	char *json = keys_json(keys);
	const char *params[2] = {service, json};
	PGresult *res =
		store_exec("SELECT external_key FROM drills WHERE service = $1"
			   " AND external_key IN (SELECT json_array_elements_text($2::json))"
			   " ORDER BY external_key",
			   2, params, err);
	free(json);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		strlist_push(found, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int store_import_drill_insert(struct drill *d, const char *external_key, struct err *err)
{
	char cid[24], pa[RTIME_BUFSZ], ra[RTIME_BUFSZ], rto_t[24], rpo_t[24], rto_a[24], rpo_a[24];
	const char *params[12] = {
		d->service,
		d->change_id ? store_i64_param(d->change_id, cid) : NULL,
		store_time_param(d->performed_at, pa),
		store_i64_param(d->rto_target, rto_t),
		store_i64_param(d->rpo_target, rpo_t),
		d->rto_actual >= 0 ? store_i64_param(d->rto_actual, rto_a) : NULL,
		d->rpo_actual >= 0 ? store_i64_param(d->rpo_actual, rpo_a) : NULL,
		model_name(&drill_outcome_names, (int)d->outcome),
		d->notes,
		store_time_param(d->recorded_at, ra),
		d->recorded_by,
		external_key,
	};
	PGresult *res = store_exec(
		"INSERT INTO drills (service, change_id, performed_at, rto_target_s, rpo_target_s,"
		" rto_actual_s, rpo_actual_s, outcome, notes, recorded_at, recorded_by, "
		"external_key)"
		" VALUES ($1, $2::bigint, $3::timestamptz, $4, $5, $6::bigint, $7::bigint, $8, $9,"
		" $10::timestamptz, $11, $12) RETURNING id",
		12, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT)
			snprintf(err->message, sizeof(err->message),
				 "drill \"%s\" of service \"%s\" already exists", external_key,
				 d->service);
		return -1;
	}
	d->id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

/* drills[0..n) as the JSON array of one batch. Caller frees. */
static char *drills_json(const struct drill *drills, const char *const *keys, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		const struct drill *d = &drills[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "ord", (double)i);
		cJSON_AddStringToObject(o, "service", d->service);
		if (d->change_id)
			cJSON_AddNumberToObject(o, "change_id", (double)d->change_id);
		add_time(o, "performed_at", d->performed_at);
		cJSON_AddNumberToObject(o, "rto_target", (double)d->rto_target);
		cJSON_AddNumberToObject(o, "rpo_target", (double)d->rpo_target);
		if (d->rto_actual >= 0)
			cJSON_AddNumberToObject(o, "rto_actual", (double)d->rto_actual);
		if (d->rpo_actual >= 0)
			cJSON_AddNumberToObject(o, "rpo_actual", (double)d->rpo_actual);
		cJSON_AddStringToObject(o, "outcome",
					model_name(&drill_outcome_names, (int)d->outcome));
		json_add_str(o, "notes", d->notes);
		add_time(o, "recorded_at", d->recorded_at);
		json_add_str(o, "recorded_by", d->recorded_by);
		cJSON_AddStringToObject(o, "external_key", keys[i]);
		cJSON_AddItemToArray(arr, o);
	}
	char *text = json_print(arr);
	cJSON_Delete(arr);
	return text;
}

int store_import_drills(struct drill *drills, const char *const *external_keys, size_t n,
			struct err *err)
{
	for (size_t i = 0; i < n; i += BATCH_ROWS) {
		size_t k = n - i < BATCH_ROWS ? n - i : BATCH_ROWS;
		char *json = drills_json(drills + i, external_keys + i, k);
		const char *params[1] = {json};
		PGresult *res = store_exec(
			"WITH r AS (SELECT * FROM json_to_recordset($1::json) AS x(ord int,"
			"  service text, change_id bigint, performed_at timestamptz, rto_target "
			"bigint,"
			"  rpo_target bigint, rto_actual bigint, rpo_actual bigint, outcome text,"
			"  notes text, recorded_at timestamptz, recorded_by text, external_key "
			"text)),"
			" ins AS (INSERT INTO drills (service, change_id, performed_at, "
			"rto_target_s,"
			"  rpo_target_s, rto_actual_s, rpo_actual_s, outcome, notes, recorded_at,"
			"  recorded_by, external_key)"
			"  SELECT service, change_id, performed_at, rto_target, rpo_target, "
			"rto_actual,"
			"  rpo_actual, outcome, notes, recorded_at, recorded_by, external_key FROM "
			"r"
			"  ORDER BY ord RETURNING id, external_key)"
			" SELECT r.ord, ins.id FROM ins JOIN r ON r.external_key = "
			"ins.external_key",
			1, params, err);
		free(json);
		if (!res) {
			if (err->code == ERR_CONFLICT)
				snprintf(
					err->message, sizeof(err->message),
					"a drill of the pack was stored meanwhile: import again to "
					"see it as a duplicate");
			return -1;
		}
		for (int j = 0; j < PQntuples(res); j++) {
			int64_t ord = store_get_i64(res, j, 0);
			if (ord >= 0 && (size_t)ord < k)
				drills[i + (size_t)ord].id = store_get_i64(res, j, 1);
		}
		PQclear(res);
	}
	return 0;
}
